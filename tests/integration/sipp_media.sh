#!/usr/bin/env bash
# tests/integration/sipp_media.sh - real RTP from sipp, on loopback, against tshark.
#
# A sipp UAS and a sipp UAC running the built-in `uac_pcap` scenario: each
# call plays sipp's own G.711 A-law RTP recording (g711a.pcap, 236 packets)
# and the RFC 2833 digit "1" (dtmf_2833_1.pcap) towards the UAS's SDP port,
# then hangs up.  tcpdump captures lo; sipladder must find every call
# completed, one RTP stream per call matched by SDP with exactly the packets
# and loss tshark's `rtp,streams` reports (max jitter within 0.01 ms or
# 0.5 %), the digit "1", and the one-way verdict (sipp's UAS sends no RTP).
set -u
me=sipp_media
root=$(cd "$(dirname "$0")/../.." && pwd)
SIPLADDER=${SIPLADDER:-$root/build/sipladder}
skip() { echo "$me: $* — skipped"; [ "${CI:-}" = true ] && exit 1; exit 77; }
fail() { echo "$me: FAIL: $*"; exit 1; }
for t in sipp tcpdump tshark jq ss; do command -v "$t" >/dev/null || skip "missing $t"; done
[ "$(id -u)" -eq 0 ] || skip "not root: cannot capture on lo"
pcapdir=/usr/share/sip-tester
[ -f "$pcapdir/g711a.pcap" ] || skip "sipp's g711a.pcap not found in $pcapdir"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
udp_busy() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }
base=$(( 16100 + ($$ % 200) * 4 ))
uas=$base uac=$((base + 1)); mp_uas=$((base + 2000)); mp_uac=$((base + 2100))
for p in $uas $uac $mp_uas $mp_uac; do udp_busy "$p" && skip "port $p busy"; done
calls=3
# sipp looks for pcap/<file> relative to its working directory
mkdir -p "$work/run" && ln -s "$pcapdir" "$work/run/pcap"
filter="udp and host 127.0.0.1 and (port $uas or port $uac or portrange $mp_uas-$((mp_uas + 3)) or portrange $mp_uac-$((mp_uac + 3)))"
timeout 120 tcpdump -i lo -n -U --immediate-mode -Z root -w "$work/cap.pcap" "$filter" 2> "$work/tcpdump.err" &
pids+=($!)
for _ in $(seq 1 100); do grep -q 'listening on' "$work/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
grep -q 'listening on' "$work/tcpdump.err" || skip "tcpdump could not start on lo"
(cd "$work/run" && timeout 90 sipp -sn uas -i 127.0.0.1 -p $uas -mp $mp_uas -m $calls -nostdin -timeout 60s \
    > "$work/uas.log" 2>&1) &
pids+=($!)
for _ in $(seq 1 50); do udp_busy $uas && break; sleep 0.1; done
(cd "$work/run" && timeout 90 sipp 127.0.0.1:$uas -sn uac_pcap -i 127.0.0.1 -p $uac -mp $mp_uac -s bob -m $calls \
    -r 1 -l 1 -nostdin -timeout 60s -cid_str "sipp-media-%u@127.0.0.1" > "$work/uac.log" 2>&1)
rc=$?
sleep 1
kill -INT "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null
[ "$rc" -eq 0 ] || fail "sipp uac_pcap exited $rc: $(tail -n 5 "$work/uac.log")"
"$SIPLADDER" -q --format json "$work/cap.pcap" > "$work/s.json" || fail "sipladder failed"
pass=0 bad=0
ok() { echo "$me: ok: $*"; pass=$((pass + 1)); }
no() { echo "$me: FAIL: $*"; bad=$((bad + 1)); }
n=$(jq '[.calls[] | select(.state == "completed")] | length' "$work/s.json")
[ "$n" -eq $calls ] && ok "$calls calls completed" || no "completed calls: $n, want $calls"
tshark -r "$work/cap.pcap" -q -z rtp,streams 2>/dev/null |
    awk '/^ *[0-9]+\.[0-9]+ +[0-9]+\.[0-9]+ /{ for (i = 1; i <= NF; i++) if ($i ~ /^\([0-9.-]+%\)$/) p = i
         printf "%s:%s %s:%s %s %s %s %s\n", $3, $4, $5, $6, tolower($7), $(p-2), $(p-1), $(p+6) }' > "$work/t.txt"
nt=$(wc -l < "$work/t.txt")
# per call: the G.711 recording and the digit (played with its own SSRC)
[ "$nt" -eq $((2 * calls)) ] && ok "tshark sees $nt RTP streams" || no "tshark sees $nt RTP streams, want $((2 * calls))"
while read -r src dst ssrc pk lost maxj; do
    line=$(jq -r --arg s "$src" --arg d "$dst" --arg x "$ssrc" \
        '.streams[] | select(.kind == "RTP" and .src == $s and .dst == $d and .ssrc == $x) |
         "\(.packets) \(.lost) \(.jitter_max_ms // 0) \(.matched_by) \(.codec)"' "$work/s.json")
    [ -n "$line" ] || { no "stream $src -> $dst $ssrc missing"; continue; }
    read -r spk slost smaxj how codec <<< "$line"
    good=$(awk -v a="$maxj" -v b="$smaxj" -v p1="$pk" -v p2="$spk" -v l1="$lost" -v l2="$slost" \
        'BEGIN { d = a - b; if (d < 0) d = -d; t = 0.005 * a; if (t < 0.01) t = 0.01; print (p1 == p2 && l1 == l2 && d <= t) }')
    if [ "$good" = 1 ] && [ "$how" = sdp ]; then
        ok "stream $src -> $dst: $spk packets, $slost lost, max jitter $smaxj ms ($codec, matched by SDP), as tshark"
    else
        no "stream $src -> $dst: tshark $pk/$lost/$maxj, sipladder $spk/$slost/$smaxj ($how)"
    fi
done < "$work/t.txt"
d=$(jq -r '[.streams[] | select(.kind == "RTP") | .dtmf[].digit] | join("")' "$work/s.json")
[ "$d" = "$(printf '1%.0s' $(seq 1 $calls))" ] && ok "RFC 2833 digit 1 in each call ($d)" || no "digits '$d'"
ow=$(jq -r '[.calls[].media.one_way] | unique | join(",")' "$work/s.json")
[ "$ow" = "only to the callee" ] && ok "one-way audio flagged (sipp's UAS sends no RTP)" || no "one-way verdict '$ow'"
echo "$me: $pass passed, $bad failed"
[ "$bad" -eq 0 ]
