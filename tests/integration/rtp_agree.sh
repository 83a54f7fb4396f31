#!/usr/bin/env bash
# tests/integration/rtp_agree.sh - RTP stream statistics against tshark.
#
# For every capture in the real corpus (../shared/corpus/real) and every
# sample, each stream of `tshark -q -z rtp,streams` (SDP-signalled RTP)
# must exist in sipladder's JSON `streams` (same src, dst and SSRC) with
# the same packet count and lost count (exact) and a max jitter within
# TOL_MS (tshark prints 3 decimals; RFC 3550 A.8 arithmetic in both).
# Streams sipladder finds that tshark does not list (orphan or heuristic)
# are counted as extra, not failures.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
SIPLADDER=${SIPLADDER:-$root/build/sipladder}
TOL_MS=${TOL_MS:-0.01}   # max jitter: |a-b| <= max(TOL_MS, TOL_REL * a)
TOL_REL=${TOL_REL:-0.005}
kd=$root/tests/integration/rtp-known-diffs.txt
command -v tshark >/dev/null || { echo "rtp_agree: tshark not found — skipped"; [ "${CI:-}" = true ] && exit 1; exit 77; }
command -v jq >/dev/null || { echo "rtp_agree: jq not found — skipped"; [ "${CI:-}" = true ] && exit 1; exit 77; }
corpus=${SIPLADDER_CORPUS:-$root/../shared/corpus/real}
files=("$root"/samples/*.pcap)
if [ -d "$corpus" ]; then
    files+=("$corpus"/*.pcap "$corpus"/*.pcapng "$corpus"/*.cap)
else
    echo "rtp_agree: corpus not found at $corpus — only the samples are compared"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0 tot=0 agree=0 extra=0 documented=0
for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    base=$(basename "$f")
    tshark -r "$f" -q -z rtp,streams 2>/dev/null |
        awk '/^ *[0-9]+\.[0-9]+ +[0-9]+\.[0-9]+ /{
                 # start end srcip srcport dstip dstport ssrc payload... pkts lost (pct) mindelta meandelta maxdelta minj meanj maxj
                 n = NF; for (i = 1; i <= NF; i++) if ($i ~ /^\([0-9.-]+%\)$/) p = i
                 s = ($3 ~ /:/) ? "[" $3 "]" : $3; d = ($5 ~ /:/) ? "[" $5 "]" : $5
                 printf "%s:%s %s:%s %s %s %s %s\n", s, $4, d, $6, tolower($7), $(p-2), $(p-1), $(p+6) }' > "$work/t.txt"
    [ -s "$work/t.txt" ] || continue
    "$SIPLADDER" -q --format json "$f" > "$work/s.json" 2>/dev/null
    jq -r '.streams[] | select(.kind == "RTP") | "\(.src) \(.dst) \(.ssrc) \(.packets) \(.lost) \(.jitter_max_ms // 0)"' \
        "$work/s.json" > "$work/s.txt" 2>/dev/null
    bad=0 n=0
    while read -r src dst ssrc pk lost maxj; do
        n=$((n + 1)); tot=$((tot + 1))
        line=$(awk -v s="$src" -v d="$dst" -v x="$ssrc" '$1 == s && $2 == d && $3 == x' "$work/s.txt")
        why=$(awk -v f="$base" -v x="$ssrc" '!/^#/ && $1 == f && ($2 == x || $2 == "*") { $1 = $2 = ""; sub(/^ +/, ""); print; exit }' "$kd" 2>/dev/null)
        if [ -n "$why" ]; then
            echo "  $base: stream $src -> $dst ssrc $ssrc: documented difference: $why"
            documented=$((documented + 1)); continue
        fi
        if [ -z "$line" ]; then
            echo "  $base: stream $src -> $dst ssrc $ssrc ($pk pkts): missing in sipladder"; bad=$((bad + 1)); continue
        fi
        read -r _ _ _ spk slost smaxj <<< "$line"
        ok=$(awk -v a="$maxj" -v b="$smaxj" -v t="$TOL_MS" -v r="$TOL_REL" -v p1="$pk" -v p2="$spk" -v l1="$lost" -v l2="$slost" \
            'BEGIN { d = a - b; if (d < 0) d = -d; tol = r * a; if (tol < t) tol = t; print (p1 == p2 && l1 == l2 && d <= tol) ? 1 : 0 }')
        if [ "$ok" = 1 ]; then
            agree=$((agree + 1))
        else
            echo "  $base: stream $src -> $dst ssrc $ssrc: tshark pkts=$pk lost=$lost maxjitter=$maxj, sipladder pkts=$spk lost=$slost maxjitter=$smaxj"
            bad=$((bad + 1))
        fi
    done < "$work/t.txt"
    x=$(( $(wc -l < "$work/s.txt") - n + bad ))
    [ "$x" -lt 0 ] && x=0
    extra=$((extra + x))
    if [ "$bad" -eq 0 ]; then pass=$((pass + 1)); echo "$base: $n/$n streams agree${x:+ ($x extra)}"; else fail=$((fail + 1)); echo "$base: $((n - bad))/$n streams agree  FAIL"; fi
done
echo "total: $agree/$tot streams agree (packets and lost exact, max jitter within max($TOL_MS ms, $TOL_REL relative)), $documented documented differences, $extra extra streams found by sipladder only"
echo "rtp_agree: $pass passed, $fail failed"
if [ "$tot" -eq 0 ]; then
    # the bundled samples carry no RTP: without the corpus nothing was compared
    echo "rtp_agree: no RTP stream to compare (corpus absent) — skipped; media.sh and sipp_media.sh check RTP against tshark on their own captures"
    exit 77
fi
[ "$fail" -eq 0 ]
