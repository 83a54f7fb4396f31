#!/usr/bin/env bash
# tests/integration/sipp_calls.sh — real peers: sipp UACs/UASs on 127.0.0.1,
# captured with tcpdump on lo, then analysed by sipladder.
#
# Three sipp pairs run at the same time, on UDP ports picked free from
# 15060-15999 (so the calls interleave in one capture):
#   ok      built-in uac/uas, 20 calls at 10 cps, 200 ms calls -> "completed"
#   busy    samples/scenarios/busy-{uac,uas}.xml, 10 calls      -> "busy"
#   cancel  samples/scenarios/cancel-{uac,uas}.xml, 5 calls     -> "cancelled"
# Each run's Call-IDs carry its name (sipp -cid_str), and the number of calls
# each UAC really completed is read from its -trace_stat file.
#
# Checks (jq over `$SIPLADDER --format json capture.pcap`):
#   - one message per captured frame, none with "call": null
#   - number of calls == number of calls sipp completed
#   - every call's state (and final_status code) is the one for its run
#
# Exit 0 pass, 1 fail, 77 skip (sipp/tcpdump/jq missing, or no capture
# privilege). With CI=true a skip is a failure.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
SIPLADDER=${SIPLADDER:-$root/build/sipladder}
scen=$root/samples/scenarios
me=sipp_calls

skip() {
    if [ "${CI:-}" = true ]; then
        echo "$me: $* — cannot skip in CI (CI=true): FAIL"
        exit 1
    fi
    echo "$me: $* — skipped"
    exit 77
}
fail() { echo "$me: FAIL: $*"; exit 1; }

[ -x "$SIPLADDER" ] || fail "sipladder binary not found at $SIPLADDER"

tools=(sipp tcpdump jq ss)
missing=()
for t in "${tools[@]}"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ]; then
    echo "$me: missing ${missing[*]}; trying scripts/deps.sh test"
    "$root/scripts/deps.sh" test >/dev/null 2>&1 || true
    missing=()
    for t in "${tools[@]}"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
fi
[ ${#missing[@]} -eq 0 ] || skip "missing tools: ${missing[*]} (apt-get install sip-tester tcpdump jq iproute2)"
[ "$(id -u)" -eq 0 ] || skip "not root: cannot capture on lo with tcpdump"

work=$(mktemp -d)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [ -n "${KEEP_WORK:-}" ]; then echo "$me: work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
cd "$work" || exit 1

# --- pick 6 free UDP ports (3 UAS/UAC pairs) from 15060-15999 --------------
udp_busy() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }
ports=()
base=$(( 15060 + (($$ * 7) % 150) * 6 ))
for attempt in $(seq 0 149); do
    b=$(( 15060 + ((base - 15060 + attempt * 6) % 900) ))
    ok=1
    for i in 0 1 2 3 4 5; do udp_busy $((b + i)) && { ok=0; break; }; done
    if [ "$ok" -eq 1 ]; then ports=("$b" $((b+1)) $((b+2)) $((b+3)) $((b+4)) $((b+5))); break; fi
done
[ ${#ports[@]} -eq 6 ] || fail "no 6 consecutive free UDP ports in 15060-15999"
echo "$me: ports ${ports[*]}"

# --- capture ------------------------------------------------------------------
filter="udp and host 127.0.0.1 and (port ${ports[0]}"
for p in "${ports[@]:1}"; do filter+=" or port $p"; done
filter+=")"
tcpdump_cmd=(tcpdump -i lo -n -U --immediate-mode -Z root -w "$work/capture.pcap" "$filter")
echo "$me: ${tcpdump_cmd[*]}"
timeout 120 "${tcpdump_cmd[@]}" 2> "$work/tcpdump.err" &
tcpdump_pid=$!
pids+=("$tcpdump_pid")
for _ in $(seq 1 100); do
    grep -q 'listening on' "$work/tcpdump.err" 2>/dev/null && break
    kill -0 "$tcpdump_pid" 2>/dev/null || break
    sleep 0.1
done
grep -q 'listening on' "$work/tcpdump.err" || {
    cat "$work/tcpdump.err"
    skip "tcpdump could not start capturing on lo"
}

# --- sipp runs ----------------------------------------------------------------
# run NAME UAS_PORT UAC_PORT CALLS RATE "UAS scenario args" "UAC scenario args"
declare -A want_calls=()
uac_pids=()
uac_names=()
start_run() {
    local name=$1 uas_port=$2 uac_port=$3 calls=$4 rate=$5 uas_sf=$6 uac_sf=$7
    local uas_cmd uac_cmd
    # shellcheck disable=SC2206
    uas_cmd=(sipp $uas_sf -i 127.0.0.1 -p "$uas_port" -mp $((35000 + (uas_port - 15060) * 4)) -m "$calls"
             -nostdin -timeout 60s)
    # shellcheck disable=SC2206
    uac_cmd=(sipp 127.0.0.1:"$uas_port" $uac_sf -i 127.0.0.1 -p "$uac_port" -mp $((35000 + (uac_port - 15060) * 4))
             -s bob -m "$calls" -r "$rate" -d 200 -nostdin -timeout 60s
             -cid_str "sipladder-$name-%u@127.0.0.1"
             -trace_stat -stf "$work/$name.uac.stat.csv" -fd 1)
    echo "$me: ${uas_cmd[*]}"
    echo "$me: ${uac_cmd[*]}"
    timeout 90 "${uas_cmd[@]}" > "$work/$name.uas.log" 2>&1 &
    pids+=($!)
    local i
    for i in $(seq 1 50); do udp_busy "$uas_port" && break; sleep 0.1; done
    udp_busy "$uas_port" || fail "$name: sipp UAS did not bind $uas_port: $(tail -n 5 "$work/$name.uas.log")"
    timeout 90 "${uac_cmd[@]}" > "$work/$name.uac.log" 2>&1 &
    uac_pids+=($!)
    pids+=($!)
    uac_names+=("$name")
    want_calls[$name]=$calls
}

start_run ok     "${ports[0]}" "${ports[1]}" 20 10 "-sn uas" "-sn uac"
start_run busy   "${ports[2]}" "${ports[3]}" 10 10 "-sf $scen/busy-uas.xml" "-sf $scen/busy-uac.xml"
start_run cancel "${ports[4]}" "${ports[5]}" 5  5  "-sf $scen/cancel-uas.xml" "-sf $scen/cancel-uac.xml"

# --- wait for the UACs; read how many calls each completed --------------------
stat_col() { # file column-name -> value in the last row
    awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
                           { last = $c } END { print (c ? last + 0 : -1) }' "$1"
}
declare -A made=()
total=0
bad=0
for i in "${!uac_pids[@]}"; do
    name=${uac_names[$i]}
    rc=0
    wait "${uac_pids[$i]}" || rc=$?
    ok_calls=-1 failed_calls=-1
    if [ -f "$work/$name.uac.stat.csv" ]; then
        ok_calls=$(stat_col "$work/$name.uac.stat.csv" 'SuccessfulCall(C)')
        failed_calls=$(stat_col "$work/$name.uac.stat.csv" 'FailedCall(C)')
    fi
    echo "$me: $name: sipp UAC exit $rc, successful $ok_calls, failed $failed_calls (launched ${want_calls[$name]})"
    if [ "$rc" -ne 0 ] || [ "$ok_calls" != "${want_calls[$name]}" ] || [ "$failed_calls" != 0 ]; then
        echo "$me: $name: sipp run did not complete all calls; last lines of its log:"
        tail -n 25 "$work/$name.uac.log" | sed 's/^/    /'
        bad=1
    fi
    [ "$ok_calls" -gt 0 ] 2>/dev/null && { made[$name]=$ok_calls; total=$((total + ok_calls)); }
done
# UASs end by themselves after their -m calls; give them a moment, then stop.
sleep 0.5
sleep 0.5
kill -INT "$tcpdump_pid" 2>/dev/null
wait "$tcpdump_pid" 2>/dev/null
[ "$bad" -eq 0 ] || fail "a sipp run failed (see above): the capture would not be a clean reference"

frames=$(tcpdump -r "$work/capture.pcap" -n 2>/dev/null | wc -l)
echo "$me: captured $frames frames, sipp completed $total calls (ok ${made[ok]:-0}, busy ${made[busy]:-0}, cancel ${made[cancel]:-0})"

# --- sipladder ------------------------------------------------------------------
rc=0
"$SIPLADDER" --format json "$work/capture.pcap" > "$work/out.json" 2> "$work/out.err" || rc=$?
if [ "$rc" -ne 0 ]; then
    head -n 20 "$work/out.err"
    fail "sipladder exited $rc"
fi
jq -e . "$work/out.json" > /dev/null 2>&1 || fail "sipladder output is not valid JSON"

errors=0
check() { # description jq-expression (must yield true)
    local res
    res=$(jq -r "$2" "$work/out.json" 2>&1)
    if [ "$res" = true ]; then
        echo "  ok   $1"
    else
        echo "  FAIL $1"
        errors=$((errors + 1))
    fi
}
show() { jq -r "$1" "$work/out.json" 2>&1 | head -n 20 | sed 's/^/         /'; }

check "one message per captured frame ($frames)" "(.messages | length) == $frames"
check "no message with \"call\": null" '[.messages[] | select(.call == null)] | length == 0'
[ "$errors" -eq 0 ] || show '.messages[] | select(.call == null) | "uncorrelated: frame \(.frame) \(.first_line)"'

n_calls=$(jq '.calls | length' "$work/out.json")
check "number of calls ($n_calls) == calls sipp made ($total)" "(.calls | length) == $total"

# calls per run, and states
for spec in "ok completed 200" "busy busy 486" "cancel cancelled 487"; do
    set -- $spec
    name=$1 state=$2 code=$3
    want=${made[$name]:-0}
    pfx="sipladder-$name-"
    check "$name: $want calls with Call-ID $pfx*" \
        "[.calls[] | select(.call_id | startswith(\"$pfx\"))] | length == $want"
    before=$errors
    check "$name: every call's state is \"$state\"" \
        "[.calls[] | select(.call_id | startswith(\"$pfx\")) | select(.state != \"$state\")] | length == 0"
    check "$name: every call's final_status.code is $code" \
        "[.calls[] | select(.call_id | startswith(\"$pfx\")) | select(.final_status.code != $code)] | length == 0"
    if [ "$errors" -ne "$before" ]; then
        show "[.calls[] | select(.call_id | startswith(\"$pfx\"))] | group_by(.state)[] | \"\(length) x state=\(.[0].state) final=\(.[0].final_status)\""
    fi
done
check "every call has at least one message" '[.calls[] | select((.messages | length) == 0)] | length == 0'
check "call.messages and message.call agree" \
    '. as $r | [ $r.calls[] | .index as $c | .messages[] | select($r.messages[.].call != $c) ] | length == 0'

if [ "$errors" -gt 0 ]; then
    if [ -n "${KEEP_WORK:-}" ]; then echo "$me: capture kept in $work"; fi
    fail "$errors check(s) failed"
fi
echo "$me: ok ($total calls, $frames messages)"
exit 0
