// memlab's dominator tree and retained sizes of a heap snapshot, for tests/snapshot_reader.rs:
// `node dominators.js MEMLAB_CORE SNAPSHOT OUT` loads SNAPSHOT with @memlab/core's parser,
// runs its TraceFinder's dominator pass, and writes one line per node, in node order:
// "DOMINATOR_ORDINAL RETAINED_SIZE".
'use strict';
const fs = require('fs');
const [memlabCore, snapshotFile, outFile] = process.argv.slice(2);
const { utils, TraceFinder, config } = require(memlabCore);

(async () => {
  config.muteConsole = true;
  const snapshot = await utils.getSnapshotFromFile(snapshotFile, {});
  new TraceFinder().calculateAllNodesRetainedSizes(snapshot);
  const lines = [];
  snapshot.nodes.forEach((node) => {
    lines.push(`${node.dominatorNode ? node.dominatorNode.nodeIndex : -1} ${node.retainedSize}`);
  });
  fs.writeFileSync(outFile, lines.join('\n') + '\n');
})().catch((e) => { console.error(e); process.exit(1); });
