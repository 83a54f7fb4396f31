#!/usr/bin/env bash
# tests/run-golden.sh [--update] [NAME...] — golden tests, tcpdump TESTLIST style.
#
# tests/golden/LIST: one case per line, `name input format [extra args...]`
#   format: text | json | list | report | report-json; input is relative to
#   the repository root;
#   '#' starts a comment line; blank lines are ignored.
# Each case runs (from the repository root)
#   text: NO_COLOR=1 $SIPLADDER --format text [args] INPUT
#   json:            $SIPLADDER --format json [args] INPUT
#   list:            $SIPLADDER --list [args] INPUT
#   report:      NO_COLOR=1 $SIPLADDER report --format text [args] INPUT
#   report-json:     $SIPLADDER report --format json [args] INPUT
# and compares with `diff -u`:
#   stdout      against tests/golden/NAME.out
#   stderr      against tests/golden/NAME.err   (only if that file exists)
#   exit status against tests/golden/NAME.rc    (if it exists; otherwise 0)
# --update rewrites NAME.out, and NAME.err / NAME.rc when stderr is non-empty /
# the status is non-zero (removing stale ones otherwise). Review with git diff.
# NAME arguments restrict the run to those cases.
# Ends with `golden: N passed, N failed`; exits 1 if any case failed.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

update=0
only=()
for a in "$@"; do
    case "$a" in
        --update|-u) update=1 ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "run-golden: unknown option $a" >&2; exit 2 ;;
        *) only+=("$a") ;;
    esac
done

SIPLADDER=${SIPLADDER:-build/sipladder}
if [ ! -x "$SIPLADDER" ]; then
    echo "run-golden: $SIPLADDER is not an executable (build it with make)" >&2
    echo "golden: 0 passed, 1 failed"
    exit 1
fi

gdir=tests/golden
list=$gdir/LIST
if [ ! -f "$list" ]; then
    echo "run-golden: $list not found" >&2
    echo "golden: 0 passed, 1 failed"
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0
updated=0
declare -A seen=()

selected() {
    [ ${#only[@]} -eq 0 ] && return 0
    local o
    for o in "${only[@]}"; do [ "$o" = "$1" ] && return 0; done
    return 1
}

lineno=0
while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    line=${line%%$'\r'}
    case "$line" in ''|\#*) continue ;; esac
    read -r -a fields <<< "$line"
    [ ${#fields[@]} -eq 0 ] && continue
    if [ ${#fields[@]} -lt 3 ]; then
        echo "FAIL LIST:$lineno: need 'name input format [args]': $line"
        fail=$((fail + 1)); continue
    fi
    name=${fields[0]} input=${fields[1]} format=${fields[2]}
    extra=("${fields[@]:3}")
    selected "$name" || continue
    if [ -n "${seen[$name]:-}" ]; then
        echo "FAIL $name: duplicate name (LIST:$lineno and LIST:${seen[$name]})"
        fail=$((fail + 1)); continue
    fi
    seen[$name]=$lineno

    env_cmd=()
    case "$format" in
        text) env_cmd=(env NO_COLOR=1); cmd=("$SIPLADDER" --format text) ;;
        json) cmd=("$SIPLADDER" --format json) ;;
        list) cmd=("$SIPLADDER" --list) ;;
        report) env_cmd=(env NO_COLOR=1); cmd=("$SIPLADDER" report --format text) ;;
        report-json) cmd=("$SIPLADDER" report --format json) ;;
        *) echo "FAIL $name: unknown format '$format' (LIST:$lineno)"
           fail=$((fail + 1)); continue ;;
    esac
    cmd+=("${extra[@]}" "$input")

    out=$tmp/$name.out err=$tmp/$name.err
    rc=0
    "${env_cmd[@]}" "${cmd[@]}" > "$out" 2> "$err" < /dev/null || rc=$?

    if [ "$update" -eq 1 ]; then
        cp "$out" "$gdir/$name.out"
        if [ -s "$err" ]; then cp "$err" "$gdir/$name.err"; else rm -f "$gdir/$name.err"; fi
        if [ "$rc" -ne 0 ]; then echo "$rc" > "$gdir/$name.rc"; else rm -f "$gdir/$name.rc"; fi
        updated=$((updated + 1))
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 2 ]; then
            echo "WARN $name: exit status $rc recorded (crash?)"
            sed 's/^/    /' "$err" | head -n 20
        fi
        pass=$((pass + 1))
        continue
    fi

    ok=1
    why=()
    want_rc=0
    [ -f "$gdir/$name.rc" ] && want_rc=$(tr -d ' \n' < "$gdir/$name.rc")
    if [ "$rc" != "$want_rc" ]; then
        ok=0; why+=("exit status $rc, expected $want_rc")
    fi
    if [ ! -f "$gdir/$name.out" ]; then
        ok=0; why+=("no $gdir/$name.out (run: make golden-update)")
    elif ! diff -u --label "$gdir/$name.out" --label "$name (actual stdout)" \
            "$gdir/$name.out" "$out" > "$tmp/$name.diff"; then
        ok=0; why+=("stdout differs")
    fi
    if [ -f "$gdir/$name.err" ] && ! diff -u --label "$gdir/$name.err" --label "$name (actual stderr)" \
            "$gdir/$name.err" "$err" >> "$tmp/$name.diff"; then
        ok=0; why+=("stderr differs")
    fi

    if [ "$ok" -eq 1 ]; then
        pass=$((pass + 1))
        echo "ok   $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name: $(IFS=';'; echo "${why[*]}")"
        echo "     cmd: ${env_cmd[*]:+${env_cmd[*]} }${cmd[*]}"
        if [ -s "$tmp/$name.diff" ]; then
            head -n 60 "$tmp/$name.diff" | sed 's/^/     /'
            n=$(wc -l < "$tmp/$name.diff")
            [ "$n" -gt 60 ] && echo "     ... ($n diff lines)"
        fi
        if [ ! -f "$gdir/$name.err" ] && [ -s "$err" ]; then
            echo "     stderr:"; head -n 20 "$err" | sed 's/^/       /'
        fi
    fi
done < "$list"

for o in "${only[@]}"; do
    if [ -z "${seen[$o]:-}" ]; then echo "FAIL $o: no such case in $list"; fail=$((fail + 1)); fi
done
if [ "$update" -eq 1 ]; then
    echo "golden: updated $updated expected outputs in $gdir (review with git diff)"
fi
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
