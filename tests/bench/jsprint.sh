#!/usr/bin/env bash
# make bench-jsprint: ::jsprint throughput over every object of the TypeScript
# compiler's heap (tests/fixtures/typescript.js, node 20). Installs typescript with npm
# into .cache/typescript and builds the core under target/bench once; reports objects
# printed per second (one run: this takes minutes).
set -euo pipefail
host=$(realpath "$1"); module=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
node=${BENCH_NODE:-$root/.cache/node/20.20.2/bin/node}
ts=$root/.cache/typescript
dir=$root/target/bench
core=$dir/typescript.core
mkdir -p "$dir" "$ts"

if [ ! -d "$ts/node_modules/typescript" ]; then
	echo "installing typescript into $ts"
	(cd "$ts" && npm install --silent --no-audit --no-fund typescript@5)
fi
. "$root/tests/bench/core.sh"
[ -f "$core" ] || echo "building the TypeScript heap core (once)..."
make_core "$core" "$node" --expose-gc "$root/tests/fixtures/typescript.js" "$ts"

cd "$(dirname "$module")"
objects=$("$host" -e "::load v8.so" -e "::walk jsobj ! wc -l" "$node" "$core" 2>/dev/null | tail -1)
start=$(date +%s.%N)
"$host" -e "::load v8.so" -e "::walk jsobj | ::jsprint -d 1 -N 0t40 ! wc -l" "$node" "$core" >/dev/null 2>&1
end=$(date +%s.%N)
python3 -c "import sys; o, s = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]); print(f'{o} objects printed in {s:.1f} s: {o / s:.0f} objects/s')" "$objects" "$start" "$end"
