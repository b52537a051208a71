#!/bin/sh
# Runs each fuzz target (built by `cargo fuzz build -O -a`) a bounded number of times, from
# its corpus (fuzz/corpus/TARGET, kept between runs), seeds (fuzz/seeds/TARGET) and the inputs
# of bugs it found (fuzz/regressions/TARGET, all replayed as the run starts), and prints
# a line per target: executions, crashes, timeouts, out-of-memory stops, peak RSS. libFuzzer
# stops a target at its first failure and writes the input under fuzz/artifacts/TARGET/;
# its log is fuzz/logs/TARGET.log. Exits 1 if any target failed.
#
# FUZZ_RUNS scales every target's executions (default 1: the counts below).
set -u
cd "$(dirname "$0")"
bin=target/x86_64-unknown-linux-gnu/release
scale=${FUZZ_RUNS:-1}
mkdir -p logs
status=0
printf '%-12s %11s %8s %9s %5s %9s %8s\n' target executions crashes timeouts ooms peak_rss seconds
# target, largest input (bytes), executions
for spec in "string 4096 400000" "properties 4096 400000" "collections 4096 300000" \
            "scopeinfo 4096 300000" "jsprint 4096 300000" "core 16384 300000" "lang 256 200000"; do
    set -- $spec
    log=logs/$1.log
    mkdir -p corpus/$1 artifacts/$1 regressions/$1
    start=$(date +%s)
    $bin/$1 -runs=$(($3 * scale)) -max_len=$2 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -seed=1 -print_final_stats=1 -artifact_prefix=artifacts/$1/ corpus/$1 seeds/$1 regressions/$1 >$log 2>&1
    rc=$?
    seconds=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' $log)
    peak=$(sed -n 's/^stat::peak_rss_mb: *//p' $log)
    crashes=0 timeouts=0 ooms=0
    if [ $rc -ne 0 ]; then
        status=1
        if grep -q 'ERROR: libFuzzer: timeout' $log; then
            timeouts=1
        elif grep -q 'ERROR: libFuzzer: out-of-memory\|malloc(.*) exceeds limit' $log; then
            ooms=1
        else
            crashes=1
        fi
    fi
    printf '%-12s %11s %8s %9s %5s %7sMB %8s\n' $1 "${execs:-?}" $crashes $timeouts $ooms "${peak:-?}" $seconds
    if [ $rc -ne 0 ]; then
        grep -m1 -A3 'panicked at\|ERROR: ' $log | sed 's/^/    /'
        grep -m1 'Test unit written to' $log | sed 's/^/    /'
    fi
done
exit $status
