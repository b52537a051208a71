#!/usr/bin/env bash
# make demo: dump a leaking node process and find what fills its heap.
set -euo pipefail
host=$(realpath "$1"); module=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
node=${DEMO_NODE:-$(command -v node)}
dir=$root/target/demo
mkdir -p "$dir"
rm -f "$dir"/core.*

echo "== starting a node process whose cache never evicts ($("$node" --version))"
fifo=$dir/ready.$$
mkfifo "$fifo"
"$node" "$root/tests/demo/leak.js" >"$fifo" &
pid=$!
read -r line <"$fifo"
rm -f "$fifo"
echo "== dumping it with gcore"
gcore -o "$dir/core" $pid >/dev/null 2>&1
kill $pid
core=$dir/core.$pid
mdb() { (cd "$(dirname "$module")" && "$host" -e '::load v8.so' "$@" "$node" "$core"); }

echo
echo "== mdb $node $core"
echo "> ::findjsobjects        (the largest groups print last)"
mdb -e '::findjsobjects' | tail -n 8
rep=$(mdb -e '::findjsobjects -c CacheEntry' | sed -n '$p')
echo
echo "> $rep::findjsobjects | ::findjsobjects -r ! head -4     (who holds the CacheEntry objects?)"
mdb -e "$rep::findjsobjects | ::findjsobjects -r ! head -4" | sed -n '3,$p'
echo
echo "> $rep::jsprint      (one of them)"
mdb -e "$rep::jsprint" | sed -n '3,$p'
echo
echo "> $rep::findjsobjects | ::jsretainers      (why are they alive? the shortest paths from a root, grouped)"
mdb -e "$rep::findjsobjects | ::jsretainers" | sed -n '3,$p'
echo
echo "> ::findjsobjects -s      (how much does each group hold? the largest retained size last)"
mdb -e '::findjsobjects -s' | tail -n 4
echo
echo "Every CacheEntry is a value of one Map, keyed by URL, held by the module's closures:"
echo "that Map is the cache that never evicts, and it holds the memory shown as RETAINED."
echo "Next: ::jsheapsnapshot FILE to open the heap in Chrome DevTools, and ::help jsretainers."
rm -f "$core"
