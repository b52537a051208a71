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
rep=$(mdb -e '::findjsobjects -c CacheEntry' | tail -n 1)
echo
echo "> $rep::findjsobjects | ::findjsobjects -r      (who holds the first CacheEntry objects?)"
mdb -e "$rep::findjsobjects ! head -3 > $dir/three" >/dev/null
mdb -e "$rep::findjsobjects" | tail -n +3 | head -3 | sed 's/$/::findjsobjects -r/' | while read -r cmd; do mdb -e "$cmd" | tail -n +3; done
echo
echo "Each entry is held only by the Map's hash table (not a JavaScript object): the cache"
echo "Map is the leak. Next: ::findjsobjects -c Map, and read entries with ::jsprint."
rm -f "$core" "$dir/three"
