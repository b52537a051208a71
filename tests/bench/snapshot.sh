#!/usr/bin/env bash
# make bench-snapshot: the heap graph, retained sizes and the .heapsnapshot export of a
# core, side by side with v8.writeHeapSnapshot() inside node on the very same heap.
#
# tests/bench/instances.js builds BENCH_INSTANCES {id, name, payload: {x}} instances
# (default 1 million), times its own v8.writeHeapSnapshot() and notes node's peak RSS,
# then is dumped. The module then builds the graph (::jsgraph), its retained sizes
# (::findjsobjects -s) and the export (::jsheapsnapshot): one run each, with the host's
# peak anonymous memory (the host maps the core, so its RSS also counts page cache).
set -euo pipefail
host=$(realpath "$1"); module=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
n=${BENCH_INSTANCES:-1000000}
node=${BENCH_NODE:-$root/.cache/node/20.20.2/bin/node}
dir=$root/target/bench
core=$dir/instances-$n.core
mkdir -p "$dir"

. "$root/tests/bench/core.sh"
if [ ! -f "$core" ]; then
	echo "building the benchmark core ($n instances, and V8's own snapshot of them; once)..."
	SNAPSHOT=$dir/instances-$n.v8.heapsnapshot STATS=$core.v8-stats \
		make_core "$core" "$node" --max-old-space-size=16384 "$root/tests/bench/instances.js" "$n"
	stat -c %s "$dir/instances-$n.v8.heapsnapshot" >>"$core.v8-stats"
	rm -f "$dir/instances-$n.v8.heapsnapshot"
fi
read -r v8_s v8_kb v8_before_kb <"$core.v8-stats"
v8_bytes=$(sed -n 2p "$core.v8-stats")

cd "$(dirname "$module")"
# One run of the host with `commands`: "seconds peak_kib".
run() { python3 - "$host" "$node" "$core" "$@" <<'PY'
import subprocess, sys, time
host, node, core, *commands = sys.argv[1:]
args = [host, "-e", "::load v8.so"]
for c in commands:
    args += ["-e", c]
p = subprocess.Popen(args + [node, core], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak, t0 = 0, time.monotonic()
while p.poll() is None:
    try:
        for line in open(f"/proc/{p.pid}/status"):
            if line.startswith("RssAnon:"):
                peak = max(peak, int(line.split()[1]))
    except OSError:
        pass
    time.sleep(0.01)
print(f"{time.monotonic() - t0:.2f}", peak)
PY
}
out=$dir/instances-$n.export.heapsnapshot
read -r graph_s graph_kb < <(run ::jsgraph)
read -r sizes_s sizes_kb < <(run "::findjsobjects -s")
read -r export_s export_kb < <(run "::jsheapsnapshot $out")
export_bytes=$(stat -c %s "$out")
rm -f "$out"
python3 - "$n" "$v8_s" "$v8_kb" "$v8_before_kb" "$v8_bytes" "$graph_s" "$graph_kb" "$sizes_s" "$sizes_kb" \
	"$export_s" "$export_kb" "$export_bytes" <<'PY'
import sys
n = int(sys.argv[1])
v8_s, v8_kb, before_kb, v8_bytes = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rows = [("::jsgraph (the heap graph)", 6), ("::findjsobjects -s (graph + retained sizes)", 8), ("::jsheapsnapshot (graph + export)", 10)]
print(f"{n:,} instances of {{id, name, payload: {{x}}}}, node 20")
print(f"v8.writeHeapSnapshot() in node:  {v8_s:.2f} s, node's peak RSS {v8_kb / 1024:.0f} MiB "
      f"({before_kb / 1024:.0f} MiB before the snapshot), file {v8_bytes / 2**20:.0f} MiB")
for name, i in rows:
    s, kb = float(sys.argv[i]), int(sys.argv[i + 1])
    print(f"{name + ':':45} {s:.2f} s ({v8_s / max(s, 1e-9):.1f}x faster), peak anonymous memory {kb / 1024:.0f} MiB "
          f"({kb / max(v8_kb, 1):.0%} of node's)")
print(f"export file: {int(sys.argv[12]) / 2**20:.0f} MiB (V8's: {v8_bytes / 2**20:.0f} MiB)")
print("targets: graph with retained sizes 20x faster than node's snapshot and at most half its memory; export 10x faster")
PY
