#!/bin/sh
# Run every unit-test binary given; print a summary line; fail if any failed.
pass=0; fail=0
for t in "$@"; do
    if "$t" > "$t.log" 2>&1; then
        pass=$((pass + 1)); echo "PASS $t ($(tail -n 1 "$t.log"))"
    else
        fail=$((fail + 1)); echo "FAIL $t"; grep -A3 '^not ok' "$t.log" | head -40; tail -n 5 "$t.log"
    fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
