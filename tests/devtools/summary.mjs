// What Chrome DevTools' own heap snapshot worker makes of a snapshot, for
// tests/heapsnapshot.rs: `node summary.mjs FRONT_END TYPESCRIPT SNAPSHOT`
// feeds SNAPSHOT in chunks to the worker's HeapSnapshotLoader (the Memory panel's loader),
// builds the JSHeapSnapshot (its second worker thread's half runs on a MessageChannel in
// this thread) and prints one JSON line: the node count, and the Summary view's classes:
// per class name, its count and total self size.
import { register } from 'node:module';
import { createReadStream } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

const [frontEnd, typescript, snapshotFile] = process.argv.slice(2);
register('./hooks.mjs', import.meta.url, { data: { typescript } });
const worker = await import(pathToFileURL(`${frontEnd}/entrypoints/heap_snapshot_worker/heap_snapshot_worker.ts`).href);
const { HeapSnapshotLoader, HeapSnapshot } = worker;

// The dispatcher only relays progress to the panel.
const dispatcher = { sendEvent() {} };
const loader = new HeapSnapshotLoader.HeapSnapshotLoader(dispatcher);
for await (const chunk of createReadStream(snapshotFile, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
  loader.write(chunk);
}
loader.close();
const { port1, port2 } = new MessageChannel();
new HeapSnapshot.SecondaryInitManager(port2);
const snapshot = await loader.buildSnapshot(port1);
// The Summary view's classes, by each node's class name as the worker assigns it (its
// aggregates are keyed by name too, and there two classes of one name, such as closures
// and objects named "Function", overwrite each other: summed here instead). As in the
// worker's aggregates, nodes of no size are left out.
const classes = {};
const node = snapshot.createNode(0);
for (let i = 0; i < snapshot.nodeCount; i++) {
  node.nodeIndex = i * snapshot.nodeFieldCount;
  if (node.selfSize() === 0) continue;
  const c = classes[node.className()] || (classes[node.className()] = [0, 0]);
  c[0] += 1;
  c[1] += node.selfSize();
}
console.log(JSON.stringify({ nodes: snapshot.nodeCount, classes }));
port1.close();
