# Sourced by the bench scripts. make_core CORE COMMAND...: unless CORE exists, run
# COMMAND (a node fixture that prints "ready" and waits), gcore it into CORE, end it.
make_core() {
	local core=$1 fifo pid line
	shift
	[ -f "$core" ] && return 0
	fifo=$(dirname "$core")/ready.$$
	mkfifo "$fifo"
	"$@" >"$fifo" &
	pid=$!
	read -r line <"$fifo"
	rm -f "$fifo"
	[ "$line" = ready ] || { echo "$1 did not get ready" >&2; kill $pid; return 1; }
	gcore -o "$core.tmp" $pid >/dev/null
	kill $pid
	mv "$core.tmp.$pid" "$core"
}
