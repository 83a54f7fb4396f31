#!/usr/bin/env bash
# tests/soak.sh — `make soak`: memory of `sipladder live` under a long flood.
#
# tests/flood.c sends SOAK_COUNT (default 1,000,000) OPTIONS/REGISTER requests,
# each with its own Call-ID, to 127.0.0.1:PORT at SOAK_RATE per second
# (default 20,000: what a 2-core machine sustains with the sender on it; 0 =
# as fast as it goes), bounded by SOAK_SECS (default 420 s); half of them get
# a 200 OK (calls that finish: emitted after --linger 1), the other half never
# do (open calls: emitted as idle timeouts after --idle-timeout 5, or shed by
# the open-calls cap, SOAK_OPEN_CALLS, default 40,000, when more are held).
# sipladder runs as
#   sipladder live -i lo -f 'udp and port PORT' -s 2048 -B 32768 -o /dev/null
#                  --linger 1 --idle-timeout 5 --limit open-calls=SOAK_OPEN_CALLS
# (-s 2048: on lo, whose MTU is 64 KiB, each kernel ring slot would
# otherwise take 64 KiB).  Its VmRSS (/proc/PID/status) is sampled every
# second during the flood and for SOAK_TAIL (default 10) seconds after it,
# then it is stopped with SIGINT.
#
# Printed: the flood's rate and total, the RSS series (MB, one sample per
# second), sipladder's summary (calls finished / idle timeout / shed,
# packets received and dropped by the kernel).
#
# Fails when
#   - any RSS sample exceeds the ceiling (doc/live.md, "Memory"):
#       2 x the -B buffer (the kernel ring, mapped into the process)
#       + 4 KiB x open-calls (a held call with its messages, indexes, the
#         emitted-but-not-yet-compacted calls and the store's rebuild copy)
#       + 48 MiB
#     = 64 + 156 + 48 = 268 MB with the defaults here (SOAK_RSS_CEILING_MB
#     overrides it), or
#   - RSS keeps growing: the highest sample of the last third of the flood
#     is more than 10% + 16 MB above the highest sample of the middle third
#     (after warm-up memory must be flat: calls are emitted and freed as
#     fast as they come), or
#   - sipladder does not stop cleanly with exit 0, or emitted no call.
# Kernel drops are reported, not failed (SOAK_RATE=0 is meant to overload).
#
# SOAK_ARGS adds sipladder options (e.g. --no-immediate).  SOAK_MODE=invite
# floods INVITE calls with SDP instead (answered ones: 200 with SDP, ACK,
# BYE, 200; give a lower SOAK_RATE, e.g. 5000): it exercises the media
# (SDP) state as well.
# Needs root (capture on lo) and a C compiler. Exit 0 pass, 1 fail, 77 skip
# (not root and not CI). KEEP_WORK=1 keeps the work directory.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
SIPLADDER=${SIPLADDER:-$root/build/sipladder}
case "$SIPLADDER" in /*) ;; *) SIPLADDER=$root/$SIPLADDER ;; esac
me=soak
count=${SOAK_COUNT:-1000000}
rate=${SOAK_RATE:-20000}
secs=${SOAK_SECS:-420}
tail_secs=${SOAK_TAIL:-10}
open_calls=${SOAK_OPEN_CALLS:-40000}
bufkib=32768
ceiling=${SOAK_RSS_CEILING_MB:-$(( bufkib * 2 / 1024 + open_calls * 4 / 1024 + 48 ))}

skip() {
    if [ "${CI:-}" = true ]; then echo "$me: $* — cannot skip in CI (CI=true): FAIL"; exit 1; fi
    echo "$me: $* — skipped"
    exit 77
}
fail() { echo "$me: FAIL: $*"; exit 1; }

[ -x "$SIPLADDER" ] || fail "sipladder binary not found at $SIPLADDER"
[ "$(id -u)" -eq 0 ] || skip "not root: cannot capture on lo"
command -v cc > /dev/null 2>&1 || { [ "$(id -u)" -eq 0 ] && "$root/scripts/deps.sh" build > /dev/null 2>&1; }
command -v cc > /dev/null 2>&1 || skip "no C compiler (cc) for tests/flood.c"

work=$(mktemp -d)
live_pid=
cleanup() {
    [ -n "$live_pid" ] && kill "$live_pid" 2>/dev/null
    if [ -n "${KEEP_WORK:-}" ]; then echo "$me: work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

cc -O2 -o "$work/flood" "$root/tests/flood.c" || fail "cannot build tests/flood.c"

udp_busy() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }
port=
for p in $(seq $(( 18000 + ($$ % 900) )) 18999) $(seq 18000 18999); do
    udp_busy "$p" || { port=$p; break; }
done
[ -n "$port" ] || fail "no free UDP port in 18000-18999"

args=(live -i lo -f "udp and port $port" -s 2048 -B "$bufkib" -o /dev/null --linger 1 --idle-timeout 5
      --limit "open-calls=$open_calls" --status --status-interval 10)
# shellcheck disable=SC2206
[ -n "${SOAK_ARGS:-}" ] && args+=($SOAK_ARGS)   # extra sipladder options, e.g. SOAK_ARGS=--no-immediate
echo "$me: $SIPLADDER ${args[*]}"
"$SIPLADDER" "${args[@]}" 2> "$work/live.err" &
live_pid=$!
for _ in $(seq 1 100); do
    grep -q 'listening on lo' "$work/live.err" 2>/dev/null && break
    kill -0 "$live_pid" 2>/dev/null || break
    sleep 0.1
done
grep -q 'listening on lo' "$work/live.err" || { cat "$work/live.err"; fail "sipladder did not start"; }

rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$live_pid/status" 2>/dev/null; }

echo "$me: flood: $count requests to 127.0.0.1:$port, rate ${rate:-0} (0 = max), at most $secs s"
"$work/flood" -n "$count" -r "$rate" -t "$secs" -a 50 -c "soak$$" -m "${SOAK_MODE:-options}" 127.0.0.1 "$port" > "$work/flood.out" 2>&1 &
flood_pid=$!
samples=()
t=0
while kill -0 "$flood_pid" 2>/dev/null; do
    sleep 1
    t=$((t + 1))
    samples+=("$(rss_mb)")
done
wait "$flood_pid"
flood_n=${#samples[@]}
for _ in $(seq 1 "$tail_secs"); do
    sleep 1
    samples+=("$(rss_mb)")
done
kill -INT "$live_pid"
rc=0
for _ in $(seq 1 300); do kill -0 "$live_pid" 2>/dev/null || break; sleep 0.1; done
wait "$live_pid" || rc=$?
live_pid=

cat "$work/flood.out"
echo "$me: RSS (MB), one sample per second (first $flood_n during the flood, then $tail_secs after):"
printf '%s\n' "${samples[@]}" | awk '{ printf "%s%s", (NR > 1 ? (NR % 15 == 1 ? "\n" : " ") : ""), $1 } END { print "" }' | sed 's/^/    /'
grep -v '^sipladder: live [0-9]*s:' "$work/live.err" | sed 's/^/   | /'
grep '^sipladder: live [0-9]*s:' "$work/live.err" | tail -n 3 | sed 's/^/   | status: /'

errors=0
[ "$rc" -eq 0 ] || { echo "$me: sipladder exit $rc"; errors=$((errors + 1)); }
max=$(printf '%s\n' "${samples[@]}" | sort -g | tail -n 1)
echo "$me: peak RSS $max MB (ceiling $ceiling MB)"
awk -v m="$max" -v c="$ceiling" 'BEGIN { exit !(m <= c) }' || { echo "$me: RSS above the ceiling"; errors=$((errors + 1)); }
if [ "$flood_n" -ge 9 ]; then
    third=$((flood_n / 3))
    mid=$(printf '%s\n' "${samples[@]:$third:$third}" | sort -g | tail -n 1)
    last=$(printf '%s\n' "${samples[@]:$((2 * third)):$((flood_n - 2 * third))}" | sort -g | tail -n 1)
    echo "$me: highest RSS in the middle third of the flood $mid MB, in the last third $last MB"
    awk -v a="$mid" -v b="$last" 'BEGIN { exit !(b <= a * 1.10 + 16) }' ||
        { echo "$me: RSS keeps growing"; errors=$((errors + 1)); }
else
    echo "$me: flood shorter than 9 s: growth check skipped (raise SOAK_COUNT)"
fi
grep -qE 'stopped \(SIGINT\).* [1-9][0-9]* calls' "$work/live.err" || { echo "$me: no call emitted"; errors=$((errors + 1)); }
[ "$errors" -eq 0 ] || fail "$errors problem(s)"
echo "$me: ok"
