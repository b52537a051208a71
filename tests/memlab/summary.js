// What memlab makes of a heap snapshot, for tests/heapsnapshot.rs:
// `node summary.js MEMLAB_CORE SNAPSHOT CLASS` loads SNAPSHOT with @memlab/core's parser,
// computes its shortest paths and retained sizes, and prints one JSON line: per name of an
// "object" node, the count and total self size; and memlab's retainer trace (path to the
// GC roots) of the first node named CLASS, as its edges "type:name", root first.
'use strict';
const [memlabCore, snapshotFile, cls] = process.argv.slice(2);
const { utils, TraceFinder, config } = require(memlabCore);

(async () => {
  config.muteConsole = true;
  const snapshot = await utils.getSnapshotFromFile(snapshotFile, {});
  const finder = new TraceFinder();
  finder.annotateShortestPaths(snapshot);
  finder.calculateAllNodesRetainedSizes(snapshot);
  const objects = {};
  let target = null;
  snapshot.nodes.forEach((n) => {
    if (n.type === 'object') {
      const o = objects[n.name] || (objects[n.name] = [0, 0]);
      o[0] += 1;
      o[1] += n.self_size;
    }
    if (n.name === cls && target === null) target = n;
  });
  const trace = [];
  for (let p = target && finder.getPathToGCRoots(snapshot, target); p; p = p.next) {
    if (p.edge) trace.push(`${p.edge.type}:${p.edge.name_or_index}`);
  }
  console.log(JSON.stringify({ nodes: snapshot.nodes.length, objects, trace }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
