#!/usr/bin/env bash
# make bench: scan throughput and peak memory of ::findjsobjects on a large core.
#
# Builds the core once (node 20, BENCH_OBJECTS sessions, default 10 million) under
# target/bench, then reports the core's size, the time to read it once (warm), the
# time and peak memory of ::findjsobjects, and its ratio to the read time. Then the
# same ratio on a second shape: a real express server (tests/bench/express.js, npm
# express) whose response cache leaks, after BENCH_REQUESTS requests (default 100,000).
# Times are medians of three runs (this is often a shared machine).
set -euo pipefail
host=$(realpath "$1"); module=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
n=${BENCH_OBJECTS:-10000000}
node=${BENCH_NODE:-$root/.cache/node/20.20.2/bin/node}
dir=$root/target/bench
core=$dir/sessions-$n.core
mkdir -p "$dir"

. "$root/tests/bench/core.sh"
[ -f "$core" ] || echo "building the benchmark core ($n sessions; once)..."
make_core "$core" "$node" --max-old-space-size=16384 "$root/tests/bench/leak.js" "$n"
requests=${BENCH_REQUESTS:-100000}
express_core=$dir/express-$requests.core
[ -f "$express_core" ] || echo "building the express server's core ($requests requests; once)..."
make_core "$express_core" env NODE_PATH="$root/.cache/npm/node_modules" "$node" "$root/tests/bench/express.js" "$requests"

# Median wall time of three runs of a command, output discarded.
secs() { python3 -c '
import statistics, subprocess, sys, time
def run():
    t = time.monotonic()
    subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t
print(f"{statistics.median(run() for _ in range(3)):.2f}")' "$@"; }

size=$(stat -c %s "$core")
cat "$core" >/dev/null
read_s=$(secs cat "$core")
cd "$(dirname "$module")"
scan_s=$(secs "$host" -e "::load v8.so" -e "::findjsobjects" "$node" "$core")
# Peak anonymous memory (RssAnon, polled) in a separate run, so that polling does not
# slow the timed ones: the host maps the core, so its total RSS also counts the page
# cache pages of the core it touched.
peak() { python3 - "$host" "$node" "$core" "$1" <<'PY'
import subprocess, sys, time
host, node, core, dcmd = sys.argv[1:]
p = subprocess.Popen([host, "-e", "::load v8.so", "-e", dcmd, node, core], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak = 0
t0 = time.monotonic()
while p.poll() is None:
    try:
        for line in open(f"/proc/{p.pid}/status"):
            if line.startswith("RssAnon:"):
                peak = max(peak, int(line.split()[1]))
    except OSError:
        pass
    time.sleep(0.01)
print(peak, f"{time.monotonic() - t0:.2f}")
PY
}
peak_kb=$(peak ::findjsobjects | cut -d' ' -f1)
# The heap graph: one run (it takes tens of seconds), its time and peak memory.
read -r graph_kb graph_s < <(peak ::jsgraph)
"$host" -e '::load v8.so' -e '::findjsobjects -v' "$node" "$core" | grep -E "JavaScript objects|elapsed|unique" || true
"$host" -e '::load v8.so' -e '::findjsobjects' "$node" "$core" | tail -3
cat "$express_core" >/dev/null
express_read_s=$(secs cat "$express_core")
express_scan_s=$(secs "$host" -e "::load v8.so" -e "::findjsobjects" "$node" "$express_core")
express_maps=$("$host" -e '::load v8.so' -e '::findjsobjects -v' "$node" "$express_core" | awk '$2 == "maps" {print $4}')
python3 - "$size" "$read_s" "$scan_s" "$peak_kb" "$graph_s" "$graph_kb" \
	"$(stat -c %s "$express_core")" "$express_read_s" "$express_scan_s" "$express_maps" <<'PY'
import sys
size, read_s, scan_s, peak_kb = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
graph_s, graph_kb = float(sys.argv[5]), int(sys.argv[6])
e_size, e_read, e_scan, e_maps = int(sys.argv[7]), float(sys.argv[8]), float(sys.argv[9]), sys.argv[10]
print(f"core size:                {size / 2**30:.2f} GiB")
print(f"read once (cat, warm):    {read_s:.2f} s, median of 3 ({size / 2**30 / max(read_s, 1e-9):.2f} GiB/s)")
print(f"::findjsobjects:          {scan_s:.2f} s, median of 3: {scan_s / max(read_s, 1e-9):.1f}x the read time (target: within 3x)")
print(f"peak anonymous memory:    {peak_kb / 1024:.0f} MiB (target: well under 1 GiB)")
print(f"::jsgraph (heap graph):   {graph_s:.2f} s, one run; peak anonymous memory {graph_kb / 1024:.0f} MiB")
print(f"express server core:      {e_size / 2**30:.2f} GiB, {e_maps} maps; read once {e_read:.2f} s")
print(f"::findjsobjects (express): {e_scan:.2f} s, median of 3: {e_scan / max(e_read, 1e-9):.1f}x the read time (goal: 2x)")
PY
