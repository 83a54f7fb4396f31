#!/usr/bin/env bash
# tests/integration/hostile.sh - sipladder on its own hostile captures
# (tests/hostile/gen.c): no crash, no hang, bounded memory, valid outputs
# with nothing from the packets leaking into the terminal, and the
# expected anomaly or diagnostic for each attack.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
SIPLADDER=${SIPLADDER:-$root/build/sipladder}
RSS_CEILING_KB=${RSS_CEILING_KB:-131072}   # 128 MiB: documented in doc/limits.md
TIME_CEILING_S=${TIME_CEILING_S:-20}
for t in jq cc iconv; do
    command -v "$t" >/dev/null || { echo "hostile: $t not found — skipped"; exit 77; }
done
[ -x /usr/bin/time ] || { echo "hostile: /usr/bin/time not found (package 'time') — skipped"; [ "${CI:-}" = true ] && exit 1; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror -I"$root" -o "$work/gen" \
    "$root/tests/hostile/gen.c" "$root/tools/pcapw.c" || { echo "hostile: generator does not build"; exit 1; }
mkdir -p "$work/cap"
"$work/gen" "$work/cap" || { echo "hostile: generator failed"; exit 1; }

pass=0 fail=0
bad() { echo "hostile $1: FAIL: $2"; fail=$((fail + 1)); }

# expectation per case: a jq filter over the JSON output that must be true
expect() {
    case "$1" in
    many-headers) echo '.diagnostics.anomalies["too-many-headers"] == 1 and (.messages[0].headers_not_listed > 0)' ;;
    huge-header-line) echo '(.diagnostics.limits_hit["tcp-stream-bytes"] // 0) > 0 and .diagnostics.sip_messages == 1' ;;
    content-length-large) echo '.diagnostics.anomalies["content-length-mismatch"] == 1' ;;
    content-length-negative|content-length-overflow) echo '.diagnostics.anomalies["bad-content-length"] == 1' ;;
    nul-in-headers) echo '.diagnostics.anomalies["nul-in-header"] == 1 and .calls[0].call_id == "nul@hostile"' ;;
    multipart-100-deep) echo '.diagnostics.sip_messages == 1 and (.messages[0].body | length) > 1000' ;;
    xml-billion-laughs|xml-external-entity) echo '.diagnostics.sip_messages == 1 and (.messages[0].body | test("ENTITY"))' ;;
    callid-traversal) echo '[.calls[].call_id] == ["../../etc/x","/etc/passwd","..\\..\\win","a/../../b","....//x",".",".."]' ;;
    terminal-escapes) echo '.calls[0].call_id | startswith("esc\u001b[1m\u009b31m")' ;;
    markup-injection) echo '.calls[0].call_id == "]]><![CDATA[&\"'"'"'<>@hostile" and (.messages[0].body | test("<script>"))' ;;
    garbage-65507) echo '.diagnostics.sip_messages == 0' ;;
    sip-then-garbage-65507) echo '.diagnostics.sip_messages == 1 and (.messages[0].anomalies | length) > 0' ;;
    *) echo 'true' ;;
    esac
}

for f in "$work"/cap/*.pcap; do
    name=$(basename "$f" .pcap)
    out=$work/$name
    /usr/bin/time -f '%e %M' -o "$out.time" timeout "$TIME_CEILING_S" "$SIPLADDER" -q --format json "$f" > "$out.json" 2> "$out.err"
    rc=$?
    read -r secs rss < <(tail -n 1 "$out.time")
    if [ "$rc" -ne 0 ]; then bad "$name" "json run exit $rc: $(head -c 300 "$out.err")"; continue; fi
    jq -e .schema "$out.json" >/dev/null 2>&1 || { bad "$name" "JSON output does not parse"; continue; }
    [ "${rss:-0}" -le "$RSS_CEILING_KB" ] || { bad "$name" "peak RSS ${rss} KB over ${RSS_CEILING_KB} KB"; continue; }
    for mode in text list; do
        args=(-q -m); [ "$mode" = list ] && args=(-q --list)
        NO_COLOR=1 timeout "$TIME_CEILING_S" "$SIPLADDER" "${args[@]}" "$f" > "$out.$mode" 2> "$out.err"
        rc=$?
        [ "$rc" -eq 0 ] || { bad "$name" "$mode run exit $rc"; continue 2; }
        # valid UTF-8, and no C0 (but LF), DEL, C1 or bidi-override code points
        iconv -f UTF-8 -t UTF-8 "$out.$mode" >/dev/null 2>&1 || { bad "$name" "$mode output is not valid UTF-8"; continue 2; }
        if LC_ALL=C.UTF-8 grep -qP '[\x{0}-\x{9}\x{b}-\x{1f}\x{7f}-\x{9f}\x{202a}-\x{202e}\x{2066}-\x{2069}]' "$out.$mode"; then
            bad "$name" "$mode output carries control or bidi code points from the packet"
            continue 2
        fi
    done
    filter=$(expect "$name")
    if ! jq -e "$filter" "$out.json" >/dev/null 2>&1; then
        bad "$name" "expectation not met: $filter"
        continue
    fi
    echo "hostile $name: ok (${secs}s, ${rss} KB)"
    pass=$((pass + 1))
done
echo "hostile: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
