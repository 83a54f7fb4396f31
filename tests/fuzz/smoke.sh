#!/bin/sh
# Run every built fuzz target for a short, bounded time on its seed corpus
# (tests/fuzz/corpus/NAME/ when present).  Any crash fails the run.
# usage: tests/fuzz/smoke.sh DIR_WITH_FUZZ_BINARIES [SECONDS]
dir=${1:-build/fuzz/fuzz}
secs=${2:-${FUZZ_SECONDS:-20}}
pass=0; fail=0
for bin in "$dir"/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin" | sed 's/^fuzz_//')
    work=$(mktemp -d)
    seeds=tests/fuzz/corpus/$name
    [ -d "$seeds" ] && cp "$seeds"/* "$work"/ 2>/dev/null
    if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work" \
        > "$work.log" 2>&1; then
        pass=$((pass + 1))
        echo "fuzz $name: ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$') execs in ${secs}s)"
    else
        fail=$((fail + 1))
        echo "fuzz $name: FAILED"; tail -n 40 "$work.log"
    fi
    rm -rf "$work" "$work.log"
done
echo "fuzz-smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
