// The side-by-side benchmark heap: N instances of {id, name, payload: {x}}. Before it says
// "ready" it takes V8's own heap snapshot of itself (v8.writeHeapSnapshot to $SNAPSHOT)
// and writes to $STATS how long that took and node's peak RSS in KiB, so that the core
// that follows holds the very heap V8 just wrote out.
// Usage: SNAPSHOT=FILE STATS=FILE node --max-old-space-size=16384 instances.js [N]
'use strict';
const fs = require('fs');
const v8 = require('v8');
class Instance {
  constructor(i) {
    this.id = i;
    this.name = 'instance-' + i;
    this.payload = { x: i };
  }
}
const n = Number(process.argv[2] || 1_000_000);
globalThis.instances = Array.from({ length: n }, (_, i) => new Instance(i));
const before = process.resourceUsage().maxRSS;
const t = process.hrtime.bigint();
v8.writeHeapSnapshot(process.env.SNAPSHOT);
const seconds = Number(process.hrtime.bigint() - t) / 1e9;
fs.writeFileSync(process.env.STATS, `${seconds.toFixed(2)} ${process.resourceUsage().maxRSS} ${before}\n`);
console.log('ready');
setInterval(() => {}, 1 << 30);
