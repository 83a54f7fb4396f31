#!/usr/bin/env bash
# tests/integration/media.sh - media impaired on purpose (tests/media/gen.c):
# a known loss pattern and jitter, one-way audio, no media, hold/resume and
# RFC 4733 digits.  Every figure is what the generator wrote (and, for the
# loss call, what tshark's rtp,streams says on the same file).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
SIPLADDER=${SIPLADDER:-$root/build/sipladder}
for t in jq cc; do command -v "$t" >/dev/null || { echo "media: $t not found — skipped"; exit 77; }; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror -I"$root" -o "$work/gen" \
    "$root/tests/media/gen.c" "$root/tools/pcapw.c" || { echo "media: generator does not build"; exit 1; }
"$work/gen" "$work" || { echo "media: generator failed"; exit 1; }
pass=0 fail=0
check() { # name file jq-filter description
    if "$SIPLADDER" -q --format json "$work/$2" | jq -e "$3" >/dev/null 2>&1; then
        echo "media $1: ok ($4)"; pass=$((pass + 1))
    else
        echo "media $1: FAIL: $4"; echo "    filter: $3"; fail=$((fail + 1))
    fi
}
rtp='.streams[] | select(.kind == "RTP")'
check loss-a2b loss.pcap "[$rtp | select(.ssrc == \"0x11111111\")] | .[0] | .packets == 475 and .expected == 499 and .lost == 24 and (.loss_pct * 1000 | round) == 4810" \
    "every 20th packet dropped: 475 received, 24 lost of 499 expected (a drop after the last packet cannot be seen)"
check loss-b2a loss.pcap "[$rtp | select(.ssrc == \"0x22222222\")] | .[0] | .packets == 500 and .lost == 0 and (.jitter_max_ms - 8 | fabs) < 0.01 and (.jitter_mean_ms - 7.7515 | fabs) < 0.01 and .max_delta_ms == 28" \
    "alternating +-4 ms transit: RFC 3550 jitter converges to 8 ms (max 8.000, mean 7.752, as tshark), max delta 28 ms"
check loss-mos loss.pcap "([$rtp | select(.ssrc == \"0x11111111\") | .quality] | .[0]) as \$a | ([$rtp | select(.ssrc == \"0x22222222\") | .quality] | .[0]) as \$b | \$a.mos < \$b.mos and \$a.estimate and \$b.estimate" \
    "the lossy direction gets the lower MOS estimate"
check loss-media-summary loss.pcap '.calls[0].media | .one_way == null and (.worst_loss_pct * 1000 | round) == 4810 and .codecs == ["PCMU"]' \
    "call summary: two-way, worst loss 4.81 %, codec PCMU"
check oneway oneway.pcap '.calls[0].media.one_way == "only to the callee" and .calls[0].media.one_way_expected == false' \
    "answered call with the callee's RTP missing: one-way audio flagged"
check nomedia nomedia.pcap '.calls[0].media.one_way == "no media"' "answered call without RTP: flagged"
check dtmf holddtmf.pcap "[$rtp | select(.ssrc == \"0x44444444\") | .dtmf[].digit] == [\"1\",\"2\",\"#\"]" \
    "RFC 4733 digits 1 2 # (end packets sent 3 times, counted once)"
check hold holddtmf.pcap '[.calls[0].media.events[] | select(.kind == "hold" or .kind == "resume") | [.kind, .message]] as $e | ($e | length) == 2 and $e[0][0] == "hold" and $e[1][0] == "resume" and (.messages[$e[0][1]].cseq.seq == 3) and (.messages[$e[1][1]].cseq.seq == 4)' \
    "hold at the CSeq 3 re-INVITE (sendonly), resume at the CSeq 4 re-INVITE"
if NO_COLOR=1 "$SIPLADDER" -q "$work/holddtmf.pcap" | grep -q "INVITE.*\[call put on hold\]"; then
    echo "media hold-ladder: ok (the text ladder marks the hold on its re-INVITE)"; pass=$((pass + 1))
else
    echo "media hold-ladder: FAIL: no [call put on hold] note on a re-INVITE row"; fail=$((fail + 1))
fi
if command -v tshark >/dev/null; then
    t=$(tshark -r "$work/loss.pcap" -q -z rtp,streams 2>/dev/null | awk '/0x11111111/ {print $(NF-9), $(NF-8)}')
    if [ "$t" = "475 24" ]; then echo "media tshark: ok (tshark agrees: 475 packets, 24 lost)"; pass=$((pass + 1));
    else echo "media tshark: FAIL: tshark says '$t'"; fail=$((fail + 1)); fi
fi
echo "media: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
