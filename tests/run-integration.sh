#!/usr/bin/env bash
# tests/run-integration.sh [NAME...] — run every tests/integration/*.sh
# (or only the named ones). Each test exits 0 = pass, 77 = skip, else fail.
# Their output is shown; the run ends with
#   integration: N passed, N failed, N skipped
# and exits 1 if any test failed. SIPLADDER (default build/sipladder) is
# exported to the tests as an absolute path.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

SIPLADDER=${SIPLADDER:-build/sipladder}
case "$SIPLADDER" in /*) ;; *) SIPLADDER=$root/$SIPLADDER ;; esac
export SIPLADDER

shopt -s nullglob
tests=()
if [ $# -gt 0 ]; then
    for n in "$@"; do
        n=${n%.sh}; n=${n##*/}
        tests+=("tests/integration/$n.sh")
    done
else
    tests=(tests/integration/*.sh)
fi

pass=0 fail=0 skip=0
failed=()
for t in "${tests[@]}"; do
    name=$(basename "$t" .sh)
    echo "== $name"
    start=$(date +%s)
    rc=0
    if [ ! -f "$t" ]; then
        echo "no such test: $t"; rc=1
    else
        bash "$t" < /dev/null 2>&1 | sed 's/^/   /'
        rc=${PIPESTATUS[0]}
    fi
    secs=$(( $(date +%s) - start ))
    case "$rc" in
        0)  pass=$((pass + 1)); echo "PASS $name (${secs}s)" ;;
        77) skip=$((skip + 1)); echo "SKIP $name (${secs}s)" ;;
        *)  fail=$((fail + 1)); failed+=("$name"); echo "FAIL $name (exit $rc, ${secs}s)" ;;
    esac
done

[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
