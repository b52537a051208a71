// The benchmark heap: N sessions, each with a small nested object and two strings.
// Usage: node --max-old-space-size=16384 leak.js [N]
'use strict';
class Session {
  constructor(i) {
    this.id = i;
    this.user = { name: 'u' + i };
    this.token = 'tok-' + i;
  }
}
const n = Number(process.argv[2] || 10_000_000);
const sessions = new Array(n);
for (let i = 0; i < n; i++) sessions[i] = new Session(i);
globalThis.sessions = sessions;
console.log('ready');
setInterval(() => {}, 1 << 30);
