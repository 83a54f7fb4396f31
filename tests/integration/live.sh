#!/usr/bin/env bash
# tests/integration/live.sh — `sipladder live` on the loopback interface.
#
# Part 1 (load): sipladder live -i lo -f 'udp and portrange P..P+7' --format jsonl
# -o OUT --out-dir DIR --keep failed,incomplete --linger 1 runs in the
# background; once it prints "listening on lo" a bounded sipp load runs on
# 127.0.0.1 (UDP ports picked free from 17000-17999), 500 calls at 50 calls/s
# in total, three sipp pairs at once (Call-IDs carry the run's name):
#   ok      built-in uac/uas, 300 calls at 30 cps, 200 ms calls  -> completed 200
#   busy    samples/scenarios/busy-{uac,uas}.xml, 120 at 12 cps  -> busy 486
#   cancel  samples/scenarios/cancel-{uac,uas}.xml, 80 at 8 cps  -> cancelled 487
# then a hostile run: busy scenario, 5 calls with -cid_str '../../evil-%u', and
# one crafted INVITE (sent with bash's /dev/udp) whose Call-ID holds '/', '..',
# control bytes and a NUL.  sipladder is stopped with SIGINT.
# Checks (jq):
#   - OUT is JSON Lines, and lines were written before the stop (streaming);
#   - every call sipp completed appears exactly once, with the right state and
#     final code; no other call appears except the crafted one, which is
#     not_finished (in progress at stop) with live.end "stopped";
#   - the summary on stderr gives ps_recv/ps_drop/ps_ifdrop for lo; drops are 0
#     (if not, the number is reported and shown);
#   - --out-dir: every file is directly inside DIR (names sanitised: no '/',
#     no "..", no control bytes), nothing was created outside it (the evil
#     Call-IDs resolve to WORK/evil-* if used as paths: must not exist);
#     one .txt/.json/.pcap triple per kept call (busy + hostile + crafted); a
#     kept call's pcap holds as many frames as its JSON has messages.
# Part 2 (-Z): as root, `-Z nobody` drops to nobody's uid (checked in
# /proc/PID/status) and capture goes on (crafted calls are seen); SIGHUP
# reopens -o after it was moved; `-Z` with an unknown user fails with exit 1
# and a clear message.
#
# Exit 0 pass, 1 fail, 77 skip (not root, or tools missing) — with CI=true a
# skip is a failure (missing tools are installed with scripts/deps.sh test).
# KEEP_WORK=1 keeps the work directory.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
SIPLADDER=${SIPLADDER:-$root/build/sipladder}
scen=$root/samples/scenarios
me=live

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
"$SIPLADDER" live --help > /dev/null 2>&1 || fail "$SIPLADDER has no 'live' subcommand"

tools=(sipp jq ss cc tcpdump)
missing=()
for t in "${tools[@]}"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ]; then
    echo "$me: missing ${missing[*]}; trying scripts/deps.sh test"
    "$root/scripts/deps.sh" test >/dev/null 2>&1 || true
    missing=()
    for t in "${tools[@]}"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
fi
[ ${#missing[@]} -eq 0 ] || skip "missing tools: ${missing[*]} (apt-get install sip-tester jq iproute2 gcc tcpdump)"
[ "$(id -u)" -eq 0 ] || skip "not root: cannot capture on lo"

work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [ -n "${KEEP_WORK:-}" ]; then echo "$me: work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
cd "$work" || exit 1

errors=0
ok()   { echo "  ok   $1"; }
bad()  { echo "  FAIL $1"; errors=$((errors + 1)); }
check() { # description jq-expression over the slurped OUT (must yield true)
    local res
    res=$(jq -rs "$2" "$out" 2>&1)
    if [ "$res" = true ]; then ok "$1"; else bad "$1"; echo "         got: $(printf '%s' "$res" | head -c 300)"; fi
}

# --- 8 consecutive free UDP ports from 17000-17999 ------------------------------
udp_busy() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }
ports=()
base=$(( 17000 + (($$ * 7) % 120) * 8 ))
for attempt in $(seq 0 119); do
    b=$(( 17000 + ((base - 17000 + attempt * 8) % 960) ))
    okp=1
    for i in $(seq 0 7); do udp_busy $((b + i)) && { okp=0; break; }; done
    if [ "$okp" -eq 1 ]; then for i in $(seq 0 7); do ports+=($((b + i))); done; break; fi
done
[ ${#ports[@]} -eq 8 ] || fail "no 8 consecutive free UDP ports in 17000-17999"
echo "$me: ports ${ports[0]}-${ports[7]}"
filter="udp and host 127.0.0.1 and portrange ${ports[0]}-${ports[7]}"

# start_live NAME ARGS... : sipladder live in the background, wait for "listening on lo"
live_pid=
start_live() {
    local name=$1; shift
    echo "$me: $SIPLADDER live $*"
    "$SIPLADDER" live "$@" > "$work/$name.stdout" 2> "$work/$name.err" &
    live_pid=$!
    pids+=("$live_pid")
    local i
    for i in $(seq 1 100); do
        grep -q 'listening on lo' "$work/$name.err" 2>/dev/null && return 0
        kill -0 "$live_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$work/$name.err"
    fail "$name: sipladder live did not start capturing on lo"
}
stop_live() { # NAME -> exit status of sipladder in $live_rc
    kill -INT "$live_pid" 2>/dev/null
    live_rc=0
    local i
    for i in $(seq 1 100); do kill -0 "$live_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$live_pid" 2>/dev/null; then
        kill -KILL "$live_pid"
        fail "$1: sipladder did not stop within 10 s of SIGINT"
    fi
    wait "$live_pid" || live_rc=$?
}

# tests/flood.c sends crafted datagrams (--raw: stdin as one datagram, any bytes)
flood=$work/flood
cc -O2 -o "$flood" "$root/tests/flood.c" 2> "$work/cc.err" || { cat "$work/cc.err"; fail "cannot build tests/flood.c"; }
# send_udp PORT FORMAT... : one UDP datagram to 127.0.0.1:PORT (printf format: \r\n, \000 ... allowed)
send_udp() { local port=$1; shift; printf "$@" | "$flood" --raw 127.0.0.1 "$port"; }

# crafted_call PORT CALLID-PRINTF-ESCAPED [CODE] : INVITE (+ CODE response with Reason Q.850 17 and ACK)
crafted_call() {
    local port=$1 cid=$2 code=${3:-} br="z9hG4bK-$RANDOM$RANDOM"
    local hdr="From: <sip:alice@127.0.0.1>;tag=a$RANDOM\r\nCall-ID: $cid\r\n"
    send_udp "$port" "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=$br\r\n${hdr}To: <sip:bob@127.0.0.1>\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
    [ -n "$code" ] || return 0
    sleep 0.02
    send_udp "$port" "SIP/2.0 $code Busy Here\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=$br\r\n${hdr}To: <sip:bob@127.0.0.1>;tag=b1\r\nCSeq: 1 INVITE\r\nReason: Q.850;cause=17\r\nContent-Length: 0\r\n\r\n"
    sleep 0.02
    send_udp "$port" "ACK sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=$br\r\n${hdr}To: <sip:bob@127.0.0.1>;tag=b1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
}

# ===================================================================================
# Part 1: the load
# ===================================================================================
out=$work/calls.jsonl
dir=$work/out/calls
mkdir -p "$work/out"
start_live load -i lo -f "$filter" --format jsonl -o "$out" --out-dir "$dir" --keep failed,incomplete --linger 1 -q

declare -A want_calls=()
uac_pids=()
uac_names=()
# run NAME UAS_PORT UAC_PORT CALLS RATE "UAS args" "UAC args" CID_STR
start_run() {
    local name=$1 uas_port=$2 uac_port=$3 calls=$4 rate=$5 uas_sf=$6 uac_sf=$7 cid=$8
    local uas_cmd uac_cmd
    # shellcheck disable=SC2206
    uas_cmd=(sipp $uas_sf -i 127.0.0.1 -p "$uas_port" -mp $((36000 + (uas_port - 17000) * 4)) -m "$calls"
             -nostdin -timeout 90s)
    # shellcheck disable=SC2206
    uac_cmd=(sipp 127.0.0.1:"$uas_port" $uac_sf -i 127.0.0.1 -p "$uac_port" -mp $((36000 + (uac_port - 17000) * 4))
             -s bob -m "$calls" -r "$rate" -d 200 -nostdin -timeout 90s -cid_str "$cid"
             -trace_stat -stf "$work/$name.uac.stat.csv" -fd 1)
    echo "$me: ${uac_cmd[*]}"
    timeout 120 "${uas_cmd[@]}" > "$work/$name.uas.log" 2>&1 &
    pids+=($!)
    local i
    for i in $(seq 1 50); do udp_busy "$uas_port" && break; sleep 0.1; done
    udp_busy "$uas_port" || fail "$name: sipp UAS did not bind $uas_port: $(tail -n 5 "$work/$name.uas.log")"
    timeout 120 "${uac_cmd[@]}" > "$work/$name.uac.log" 2>&1 &
    uac_pids+=($!)
    pids+=($!)
    uac_names+=("$name")
    want_calls[$name]=$calls
}
stat_col() { # file column-name -> value in the last row
    awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
                           { last = $c } END { print (c ? last + 0 : -1) }' "$1"
}
declare -A made=()
total=0
wait_runs() {
    local i name rc okc failc
    for i in "${!uac_pids[@]}"; do
        name=${uac_names[$i]}
        [ -n "${made[$name]+x}" ] && continue
        rc=0
        wait "${uac_pids[$i]}" || rc=$?
        okc=-1 failc=-1
        if [ -f "$work/$name.uac.stat.csv" ]; then
            okc=$(stat_col "$work/$name.uac.stat.csv" 'SuccessfulCall(C)')
            failc=$(stat_col "$work/$name.uac.stat.csv" 'FailedCall(C)')
        fi
        echo "$me: $name: sipp UAC exit $rc, successful $okc, failed $failc (launched ${want_calls[$name]})"
        if [ "$rc" -ne 0 ] || [ "$okc" != "${want_calls[$name]}" ] || [ "$failc" != 0 ]; then
            tail -n 20 "$work/$name.uac.log" | sed 's/^/    /'
            fail "$name: the sipp run did not complete all its calls"
        fi
        made[$name]=$okc
        total=$((total + okc))
    done
}

t0=$(date +%s)
start_run ok     "${ports[0]}" "${ports[1]}" 300 30 "-sn uas" "-sn uac" "live-ok-%u@127.0.0.1"
start_run busy   "${ports[2]}" "${ports[3]}" 120 12 "-sf $scen/busy-uas.xml" "-sf $scen/busy-uac.xml" "live-busy-%u@127.0.0.1"
start_run cancel "${ports[4]}" "${ports[5]}" 80  8  "-sf $scen/cancel-uas.xml" "-sf $scen/cancel-uac.xml" "live-cancel-%u@127.0.0.1"
wait_runs
echo "$me: load of ${total} calls done in $(( $(date +%s) - t0 )) s"
start_run hostile "${ports[6]}" "${ports[7]}" 5  5  "-sf $scen/busy-uas.xml" "-sf $scen/busy-uac.xml" "../../evil-%u"
wait_runs
# a Call-ID with '/', '..', control bytes and a NUL; left open (no response)
crafted_call "${ports[0]}" '../..//x\001\033[31m\000y/../../evil-crafted'
sleep 2.5   # --linger 1 + the once-a-second sweep: finished calls are out by now

lines_before=$(wc -l < "$out")
stop_live load
echo "$me: sipladder exit $live_rc; $lines_before lines before SIGINT, $(wc -l < "$out") after"
sed 's/^/   | /' "$work/load.err"

[ "$live_rc" -eq 0 ] && ok "exit status 0 after SIGINT" || bad "exit status 0 after SIGINT (got $live_rc)"
jq -e -s . "$out" > /dev/null 2>&1 && ok "output is JSON Lines" || fail "output is not JSON Lines"
[ "$lines_before" -ge $((total * 9 / 10)) ] && ok "calls streamed while running ($lines_before before SIGINT)" \
    || bad "calls streamed while running (only $lines_before of $total before SIGINT)"

want_total=$((total + 1))
check "calls in output == $want_total (sipp's $total + the crafted one)" "length == $want_total"
check "every Call-ID exactly once" 'group_by(.call_id) | map(select(length > 1)) | length == 0'
for spec in "ok completed 200 live-ok-" "busy busy 486 live-busy-" "cancel cancelled 487 live-cancel-" "hostile busy 486 ../../evil-"; do
    set -- $spec
    name=$1 state=$2 code=$3 pfx=$4
    want=${made[$name]:-0}
    check "$name: $want calls with Call-ID $pfx*" "[.[] | select(.call_id | startswith(\"$pfx\"))] | length == $want"
    check "$name: all $state, final $code, live.end final" \
        "[.[] | select(.call_id | startswith(\"$pfx\")) | select(.state != \"$state\" or .final_status.code != $code or .live.end != \"final\")] | length == 0"
done
check "crafted call: not_finished (calling), in progress at stop" \
    '[.[] | select(.call_id | endswith("evil-crafted"))] | length == 1 and .[0].state == "not_finished" and .[0].progress == "calling" and .[0].live.end == "stopped"'
check "busy calls carry no Reason; no q850 cause invented" '[.[] | select(.live.q850_cause != null)] | length == 0'

# kernel counters
if grep -Eq 'lo: [0-9]+ packets received by filter, [0-9]+ dropped by kernel, [0-9]+ dropped by interface' "$work/load.err"; then
    drops=$(sed -nE 's/.*lo: [0-9]+ packets received by filter, ([0-9]+) dropped by kernel.*/\1/p' "$work/load.err")
    recv=$(sed -nE 's/.*lo: ([0-9]+) packets received by filter.*/\1/p' "$work/load.err")
    ok "ps_recv/ps_drop/ps_ifdrop reported (recv $recv, drop $drops)"
    [ "$drops" -eq 0 ] && ok "ps_drop is 0" || bad "ps_drop is $drops (reported, but the load is light: should be 0)"
else
    bad "kernel counters (ps_recv, ps_drop, ps_ifdrop) in the summary"
fi

# --out-dir
kept_want=$(( ${made[busy]} + ${made[hostile]} + 1 ))
n_txt=$(find "$dir" -maxdepth 1 -type f -name '*.txt' | wc -l)
n_json=$(find "$dir" -maxdepth 1 -type f -name '*.json' | wc -l)
n_pcap=$(find "$dir" -maxdepth 1 -type f -name '*.pcap' | wc -l)
n_all=$(find "$dir" -mindepth 1 | wc -l)
[ "$n_txt" -eq "$kept_want" ] && [ "$n_json" -eq "$kept_want" ] && [ "$n_pcap" -eq "$kept_want" ] && [ "$n_all" -eq $((3 * kept_want)) ] \
    && ok "--out-dir: $kept_want kept calls (busy + hostile + crafted), one .txt/.json/.pcap each, nothing else" \
    || bad "--out-dir: want $kept_want calls x 3 files, got txt $n_txt json $n_json pcap $n_pcap, $n_all entries"
badnames=$(find "$dir" -mindepth 1 -print0 | tr '\0' '\n' | sed "s|^$dir/||" | LC_ALL=C grep -c -E '/|\.\.|[[:cntrl:]]|^[.-]' || true)
[ "$badnames" -eq 0 ] && ok "--out-dir: file names are flat and sanitised" || bad "--out-dir: $badnames unsafe names"
outside=$(find "$work" -newer "$work/load.stdout" -type f ! -path "$dir/*" ! -name '*.log' ! -name '*.csv' ! -name 'calls.jsonl' ! -name 'load.err' ! -name '*_errors.log' ! -name '*_messages.log' ! -name '*.stdout' | head)
# '../../evil-N' taken as a path from DIR is WORK/evil-N, from the working directory /evil-N
evil_escaped=$(find "$work" /tmp -maxdepth 1 -name '*evil*' 2>/dev/null; ls -d /evil* 2>/dev/null; find "$work" -name '*evil*' ! -path "$dir/*" 2>/dev/null)
[ -z "$outside" ] && [ -z "$evil_escaped" ] && ok "--out-dir: nothing written outside DIR" \
    || bad "--out-dir: written outside DIR: $outside $evil_escaped"
# a kept call's files agree
f=$(find "$dir" -maxdepth 1 -name '*live-busy-*.json' | head -n 1)
if [ -n "$f" ]; then
    nmsg=$(jq '.messages | length' "$f")
    base=${f%.json}
    if true; then
        nfr=$(tcpdump -r "$base.pcap" -n 2>/dev/null | wc -l)
        [ "$nmsg" -gt 0 ] && [ "$nfr" -eq "$nmsg" ] && ok "kept call: pcap frames ($nfr) == JSON messages ($nmsg)" \
            || bad "kept call: pcap frames ($nfr) != JSON messages ($nmsg)"
    fi
    grep -q '=== Call' "$base.txt" && ok "kept call: text ladder written" || bad "kept call: text ladder missing"
    jq -e '.live.saved != null and .state == "busy"' "$f" > /dev/null && ok "kept call: JSON file valid, live.saved set" \
        || bad "kept call: JSON file"
fi
cf=$(find "$dir" -maxdepth 1 -name '*evil-crafted.json' | head -n 1)
[ -n "$cf" ] && ok "crafted hostile Call-ID saved as $(basename "$cf")" || bad "crafted call not saved in DIR"

# ===================================================================================
# Part 2: -Z
# ===================================================================================
zdir=$work/z
mkdir -p "$zdir"
chown nobody "$zdir"
nobody_uid=$(id -u nobody)
start_live z -i lo -f "udp and host 127.0.0.1 and port ${ports[0]}" --format jsonl -o "$zdir/out.jsonl" --linger 0.3 -Z nobody
uid_line=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$live_pid/status")
[ "$uid_line" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ] && ok "-Z nobody: running as uid $nobody_uid" \
    || bad "-Z nobody: uids are '$uid_line', want $nobody_uid"
grep -q '^Groups:[[:space:]]*65534[[:space:]]*$\|^Groups:[[:space:]]*$' "/proc/$live_pid/status" \
    && ok "-Z nobody: no supplementary groups of root kept" || bad "-Z nobody: groups: $(grep Groups "/proc/$live_pid/status")"
for i in 1 2 3; do crafted_call "${ports[0]}" "z-before-$i@live" 486; done
sleep 2
mv "$zdir/out.jsonl" "$zdir/out.1.jsonl"
kill -HUP "$live_pid"
sleep 0.5
for i in 1 2; do crafted_call "${ports[0]}" "z-after-$i@live" 486; done
sleep 2
stop_live z
[ "$live_rc" -eq 0 ] && ok "-Z nobody: clean stop" || { bad "-Z nobody: exit $live_rc"; cat "$work/z.err"; }
n1=$(jq -s '[.[] | select(.call_id | startswith("z-before-")) | select(.state == "busy" and .live.q850_cause == 17)] | length' "$zdir/out.1.jsonl" 2>/dev/null)
n2=$(jq -s '[.[] | select(.call_id | startswith("z-after-")) | select(.state == "busy")] | length' "$zdir/out.jsonl" 2>/dev/null)
[ "${n1:-0}" -eq 3 ] && ok "-Z nobody: capture works after the drop (3 busy calls, cause 17 from Reason)" \
    || bad "-Z nobody: want 3 calls before SIGHUP, got ${n1:-none}"
[ "${n2:-0}" -eq 2 ] && ok "SIGHUP: -o reopened after it was moved (2 calls in the new file)" \
    || bad "SIGHUP: want 2 calls in the reopened file, got ${n2:-none}"
[ "$(stat -c %U "$zdir/out.jsonl" 2>/dev/null)" = nobody ] && ok "-Z nobody: output created as nobody" \
    || bad "-Z nobody: output owner $(stat -c %U "$zdir/out.jsonl" 2>/dev/null)"

rc=0
"$SIPLADDER" live -i lo -f "udp port ${ports[0]}" -Z no-such-user-sipladder > /dev/null 2> "$work/zbad.err" || rc=$?
if [ "$rc" -eq 1 ] && grep -q 'no-such-user-sipladder: no such user' "$work/zbad.err"; then
    ok "-Z unknown user: exit 1, '$(head -n 1 "$work/zbad.err")'"
else
    bad "-Z unknown user: exit $rc, stderr: $(head -c 300 "$work/zbad.err")"
fi

if [ "$errors" -gt 0 ]; then
    [ -n "${KEEP_WORK:-}" ] || echo "$me: (KEEP_WORK=1 keeps $work)"
    fail "$errors check(s) failed"
fi
echo "$me: ok ($total sipp calls + 1 crafted, all seen exactly once; drops ${drops:-?})"
exit 0
