#!/usr/bin/env bash
# bench/run.sh - sipladder benchmark runner (see doc/performance.md).
#
#   bench/run.sh [--size small|medium|large] [--runs N] [--out FILE]
#
# 1. installs missing tools (scripts/deps.sh bench), builds sipladder
#    (make all) and the bench tools (bench/build.sh);
# 2. generates deterministic captures into bench/data/: a SIP-only file, an
#    RTP-heavy file, a tiny file (per-tool RSS base) and two RTP files that
#    differ only in media length (streaming check);
#      small:    2,000 SIP-only calls,   200 RTP calls
#      medium:  20,000 SIP-only calls, 2,000 RTP calls   (default)
#      large:  100,000 SIP-only calls, 5,000 RTP calls
# 3. times every tool on the same files, interleaved (one hyperfine run per
#    tool per round, N rounds), then runs each once under /usr/bin/time -v
#    for peak RSS;
# 4. prints a markdown table and writes it to bench/results/latest.md
#    (--out overrides).  Raw hyperfine JSON stays in bench/results/raw/.
#
# A tool that is missing is reported as "not built" / "not installed"; a
# tool that exits non-zero is reported as "failed (exit N)".  Nothing here
# touches the network: the captures only contain private test addresses.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
DATA=$BENCH/data
RAW=$BENCH/results/raw
OUT=$BENCH/results/latest.md
SIPLADDER=$ROOT/sipladder
TIME=/usr/bin/time

size=medium
runs=3

die() { echo "bench/run.sh: $*" >&2; exit 1; }
warn() { echo "bench/run.sh: warning: $*" >&2; }
note() { echo "== $*" >&2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --size) [ $# -ge 2 ] || die "--size needs small|medium|large"; size=$2; shift 2 ;;
        --size=*) size=${1#--size=}; shift ;;
        --runs) [ $# -ge 2 ] || die "--runs needs a number"; runs=$2; shift 2 ;;
        --runs=*) runs=${1#--runs=}; shift ;;
        --out) [ $# -ge 2 ] || die "--out needs a file"; OUT=$2; shift 2 ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
done

case "$size" in
    small)  sip_calls=2000;   rtp_calls=200 ;;
    medium) sip_calls=20000;  rtp_calls=2000 ;;
    large)  sip_calls=100000; rtp_calls=5000 ;;
    *) die "--size must be small, medium or large" ;;
esac
case "$runs" in
    ''|*[!0-9]*) die "--runs must be a positive integer" ;;
esac
if [ "$runs" -lt 1 ] || [ "$runs" -gt 50 ]; then die "--runs must be 1..50"; fi
case "$ROOT" in
    *[[:space:]]*) die "the repository path must not contain white space: $ROOT" ;;
esac

# ------------------------------------------------------------------ tools
if [ -x "$ROOT/scripts/deps.sh" ]; then
    "$ROOT/scripts/deps.sh" bench || warn "scripts/deps.sh bench failed; continuing with what is installed"
else
    warn "scripts/deps.sh not found; install hyperfine jq time tshark sngrep yourself"
fi
for t in hyperfine jq; do
    command -v "$t" >/dev/null 2>&1 || die "$t is required (scripts/deps.sh bench)"
done
[ -x "$TIME" ] || die "$TIME is required (Debian package 'time')"

note "building sipladder (make -C $ROOT all)"
mkdir -p "$DATA" "$RAW"
if ! make -C "$ROOT" all >"$DATA/build.log" 2>&1; then
    warn "make all failed (last lines below; sipladder rows will say 'not built' if there is no binary)"
    tail -n 15 "$DATA/build.log" >&2 || true
fi
note "building bench tools"
"$BENCH/build.sh"

# ------------------------------------------------------------------- data
# gen_file NAME ARGS... : writes $DATA/NAME.pcap and $DATA/NAME.meta
gen_file() {
    local name=$1
    shift
    "$BENCH/bin/gen" "$@" -o "$DATA/$name.pcap" 2>"$DATA/$name.log" \
        || { cat "$DATA/$name.log" >&2; die "gen failed for $name"; }
    grep '^gen-summary ' "$DATA/$name.log" | sed 's/^gen-summary //' | tr ' ' '\n' >"$DATA/$name.meta"
}
meta() { awk -F= -v k="$2" '$1 == k { print $2 }' "$DATA/$1.meta"; }

note "generating captures ($size: $sip_calls SIP-only calls, $rtp_calls RTP calls)"
gen_file "sip-$size" --calls "$sip_calls" --seed 1
gen_file "rtp-$size" --calls "$rtp_calls" --rtp --seed 1
gen_file tiny --calls 10 --seed 3
# streaming: the same arrival rate and hold times (so the same number of
# calls open at once), 10x longer: peak RSS must not follow the length.
# With holds of 3-60 s the open-call count needs ~60 s to level off, so the
# short file is 100 s of arrivals (10,000 calls), the long one 1,000 s.
gen_file stream-short --calls 10000 --cps 100 --seed 4
gen_file stream-long --calls 100000 --cps 100 --seed 4
gen_file one --calls 1 --seed 5
for f in "sip-$size" "rtp-$size"; do
    printf '   %-12s %6s calls %8s SIP + %8s RTP packets, %s bytes\n' "$f" "$(meta "$f" calls)" \
        "$(meta "$f" sip_packets)" "$(meta "$f" rtp_packets)" "$(meta "$f" bytes)" >&2
done

# ------------------------------------------------------------------ cases
# id|tool label|file key (sip|rtp)|command ({F} = capture path)
CASES=(
    "floor-sip|floor (libpcap read loop)|sip|$BENCH/bin/floor {F}"
    "sl-json-sip|sipladder --format json|sip|$SIPLADDER --format json {F}"
    "sl-list-sip|sipladder --list|sip|$SIPLADDER --list {F}"
    "sl-sum-sip|sipladder --format json --summary|sip|$SIPLADDER --format json --summary {F}"
    "ts-stat-sip|tshark -z sip,stat|sip|tshark -q -z sip,stat -r {F}"
    "ts-fields-sip|tshark -Y sip -T fields|sip|tshark -r {F} -Y sip -T fields -e frame.number -e sip.Call-ID -e sip.Method -e sip.Status-Code"
    "sngrep-sip|sngrep -N -q|sip|sngrep -N -q -l 1000000 -I {F}"
    "floor-rtp|floor (libpcap read loop)|rtp|$BENCH/bin/floor {F}"
    "sl-json-rtp|sipladder --format json|rtp|$SIPLADDER --format json {F}"
    "sl-list-rtp|sipladder --list|rtp|$SIPLADDER --list {F}"
    "sl-sum-rtp|sipladder --format json --summary|rtp|$SIPLADDER --format json --summary {F}"
    "ts-rtp-rtp|tshark -z rtp,streams|rtp|tshark -q -z rtp,streams -r {F}"
    "sngrep-rtp|sngrep -N -q|rtp|sngrep -N -q -l 1000000 -I {F}"
)

declare -A LABEL FKEY CMD STATUS WALL CPU RSS BASE
ids=()
for c in "${CASES[@]}"; do
    IFS='|' read -r id label fkey cmd <<<"$c"
    ids+=("$id")
    LABEL[$id]=$label
    FKEY[$id]=$fkey
    CMD[$id]=$cmd
    STATUS[$id]=ok
    exe=${cmd%% *}
    if [ "$exe" = "$SIPLADDER" ]; then
        [ -x "$SIPLADDER" ] || STATUS[$id]="not built"
    elif ! command -v "$exe" >/dev/null 2>&1; then
        STATUS[$id]="not installed"
    fi
done

file_of() { echo "$DATA/$1-$size.pcap"; }
cmd_for() { local c=${CMD[$1]}; echo "${c//\{F\}/$2}"; }

rm -f "$RAW"/*.json "$RAW"/*.time
load_before=$(cut -d" " -f1-3 /proc/loadavg)
# Warm the page cache so that round 1 is not a disk benchmark.
cat "$(file_of sip)" "$(file_of rtp)" "$DATA"/stream-*.pcap "$DATA/tiny.pcap" >/dev/null

# ------------------------------------------------------------ time rounds
for r in $(seq 1 "$runs"); do
    note "round $r/$runs"
    for id in "${ids[@]}"; do
        [ "${STATUS[$id]}" = ok ] || continue
        cmd=$(cmd_for "$id" "$(file_of "${FKEY[$id]}")")
        printf '   %-14s ' "$id" >&2
        if hyperfine -N --runs 1 --output=null --style none \
                --export-json "$RAW/$id.$r.json" "$cmd" >"$RAW/$id.$r.log" 2>&1; then
            jq -r '.results[0] | "\(.mean * 1000 | floor) ms wall, \((.user + .system) * 1000 | floor) ms CPU"' \
                "$RAW/$id.$r.json" >&2
        else
            # Find the exit code the same way hyperfine saw it.
            read -ra words <<<"$cmd"
            set +e; "${words[@]}" >/dev/null 2>&1; rc=$?; set -e
            STATUS[$id]="failed (exit $rc)"
            echo "FAILED (exit $rc): $cmd" >&2
        fi
    done
done

# -------------------------------------------------------------- peak RSS
# rss_kib CMD... : peak RSS in KiB of one run under /usr/bin/time -v
rss_kib() {
    local out=$RAW/rss.$$.time
    "$TIME" -v -o "$out" "$@" >/dev/null 2>&1 || true
    awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$out"
    rm -f "$out"
}

note "peak RSS (one run each under $TIME -v)"
for id in "${ids[@]}"; do
    [ "${STATUS[$id]}" = ok ] || continue
    read -ra words <<<"$(cmd_for "$id" "$(file_of "${FKEY[$id]}")")"
    RSS[$id]=$(rss_kib "${words[@]}")
    read -ra words <<<"$(cmd_for "$id" "$DATA/tiny.pcap")"
    BASE[$id]=$(rss_kib "${words[@]}")
    WALL[$id]=$(jq -s '[.[].results[0].mean] | sort | if length % 2 == 1 then .[length / 2 | floor]
        else (.[length / 2 - 1] + .[length / 2]) / 2 end' "$RAW/$id".*.json)
    CPU[$id]=$(jq -s '[.[].results[0] | .user + .system] | sort | if length % 2 == 1 then .[length / 2 | floor]
        else (.[length / 2 - 1] + .[length / 2]) / 2 end' "$RAW/$id".*.json)
    printf '   %-14s %8s KiB (tiny file: %s KiB)\n' "$id" "${RSS[$id]}" "${BASE[$id]}" >&2
done

stream_short="" stream_long=""
svg_ms=""
if [ "${STATUS[sl-json-sip]}" = ok ]; then
    stream_short=$(rss_kib "$SIPLADDER" --stream --format json "$DATA/stream-short.pcap")
    stream_long=$(rss_kib "$SIPLADDER" --stream --format json "$DATA/stream-long.pcap")
    # One call rendered as SVG (the whole process on a one-call capture, so an
    # upper bound); only once sipladder advertises an svg format.
    help=$("$SIPLADDER" --help 2>&1 || true)
    case "$help" in
        *svg*)
            if hyperfine -N --runs 20 --warmup 3 --output=null --style none \
                    --export-json "$RAW/svg-one.json" "$SIPLADDER --format svg $DATA/one.pcap" \
                    >"$RAW/svg-one.log" 2>&1; then
                svg_ms=$(jq ".results[0].median * 1000" "$RAW/svg-one.json")
            else
                svg_ms=failed
            fi ;;
        *) svg_ms=nosvg ;;
    esac
fi

# ----------------------------------------------------------------- report
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
first_line() { "$@" 2>/dev/null | awk "NR == 1" || true; }

sip_msgs_sip=$(meta "sip-$size" sip_packets)
sip_msgs_rtp=$(meta "rtp-$size" sip_packets)
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem_total=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)

report() {
    echo "# sipladder benchmark: $size"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(uname -srm), $(nproc) cores, ${cpu_model:-unknown CPU}, $mem_total RAM"
    echo "- tools: $(hyperfine --version), $(first_line tshark -v | sed "s/ (Git.*//"), $(first_line sngrep -V)"
    echo "- load average before the run: $load_before (other jobs on the machine inflate wall times)"
    echo "- runs: $runs interleaved rounds (median shown); peak RSS from one run under \`/usr/bin/time -v\`"
    for f in sip rtp; do
        local n="$f-$size"
        echo "- \`$f\` = bench/data/$n.pcap: $(meta "$n" calls) calls ($(meta "$n" answered) answered), $(meta "$n" sip_packets) SIP + $(meta "$n" rtp_packets) RTP packets, $(calc '%.1f' "$(meta "$n" bytes) / 1e6") MB"
    done
    echo
    echo "| tool | file | median wall s | CPU s (user+sys) | peak RSS MiB | wall ÷ floor | CPU ÷ floor | sipladder ÷ tool (wall / CPU) | KiB RSS per SIP msg above base |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    for id in "${ids[@]}"; do
        local f=${FKEY[$id]} st=${STATUS[$id]}
        if [ "$st" != ok ]; then
            echo "| ${LABEL[$id]} | $f | $st | | | | | | |"
            continue
        fi
        local fl=floor-$f sl=sl-sum-$f msgs
        [ "$f" = sip ] && msgs=$sip_msgs_sip || msgs=$sip_msgs_rtp
        local wr="—" cr="—" pr="—"
        if [ "${STATUS[$fl]}" = ok ] && [ "$id" != "$fl" ]; then
            wr=$(calc '%.1f×' "${WALL[$id]} / ${WALL[$fl]}")
            cr=$(calc '%.1f×' "${CPU[$id]} / ${CPU[$fl]}")
        fi
        case "$id" in
            floor-*|sl-*) ;;
            *) if [ "${STATUS[$sl]}" = ok ]; then
                   pr="$(calc '%.2f' "${WALL[$sl]} / ${WALL[$id]}") / $(calc '%.2f' "${CPU[$sl]} / ${CPU[$id]}")"
               fi ;;
        esac
        local per="—"
        [ "$id" = "$fl" ] || per=$(calc "%.3f" "(${RSS[$id]} - ${BASE[$id]}) / $msgs")
        echo "| ${LABEL[$id]} | $f | $(calc '%.3f' "${WALL[$id]}") | $(calc '%.3f' "${CPU[$id]}") | $(calc '%.1f' "${RSS[$id]} / 1024") | $wr | $cr | $pr | $per |"
    done
    echo
    echo "Base = the same tool's peak RSS on a 10-call file (bench/data/tiny.pcap)."
    echo "sngrep sleeps between 500 ms polls in no-interface mode: compare its CPU column, not wall."
    echo
    echo "Targets:"
    # The issue's target is the JSON call summary (--summary); the
    # per-message JSON is shown alongside for what it costs on top.
    if [ "${STATUS[sl-sum-sip]}" = ok ]; then
        echo "- full SIP analysis (JSON call summary) ≤ 3× floor: wall $(calc '%.1f×' "${WALL[sl-sum-sip]} / ${WALL[floor-sip]}"), CPU $(calc '%.1f×' "${CPU[sl-sum-sip]} / ${CPU[floor-sip]}")"
        echo "- ≤ 0.3 KiB peak RSS per SIP message above base: $(calc '%.3f' "(${RSS[sl-sum-sip]} - ${BASE[sl-sum-sip]}) / $sip_msgs_sip") KiB"
    else
        echo "- full SIP analysis ≤ 3× floor; ≤ 0.3 KiB peak RSS per SIP message above base: pending (sipladder ${STATUS[sl-sum-sip]})"
    fi
    if [ "${STATUS[sl-json-sip]}" = ok ]; then
        echo "- (for comparison) JSON of every message: wall $(calc '%.1f×' "${WALL[sl-json-sip]} / ${WALL[floor-sip]}"), CPU $(calc '%.1f×' "${CPU[sl-json-sip]} / ${CPU[floor-sip]}") of the floor"
    fi
    if [ "${STATUS[sl-sum-rtp]}" = ok ]; then
        echo "- RTP-heavy (stream statistics for every stream, JSON call summary) ≤ 2× floor: wall $(calc '%.1f×' "${WALL[sl-sum-rtp]} / ${WALL[floor-rtp]}"), CPU $(calc '%.1f×' "${CPU[sl-sum-rtp]} / ${CPU[floor-rtp]}")"
    else
        echo "- RTP-heavy ≤ 2× floor: pending (sipladder ${STATUS[sl-sum-rtp]})"
    fi
    if [ -n "$stream_short" ] && [ -n "$stream_long" ]; then
        echo "- streaming (--stream, peak RSS independent of length): $(meta stream-short calls) calls at 100 calls/s (at most $(meta stream-short peak_calls) open), $(meta stream-short sip_packets) SIP packets → $(calc '%.1f' "$stream_short / 1024") MiB; 10× longer ($(meta stream-long calls) calls, same rate, at most $(meta stream-long peak_calls) open) → $(calc '%.1f' "$stream_long / 1024") MiB ($(calc '%+.1f' "($stream_long - $stream_short) * 100 / $stream_short") %)"
    else
        echo "- streaming (peak RSS independent of length): pending (sipladder not built)"
    fi
    case "$svg_ms" in
        "") echo "- one call's SVG < 10 ms: pending (sipladder ${STATUS[sl-json-sip]})" ;;
        nosvg) echo "- one call's SVG < 10 ms: pending (sipladder has no --format svg yet)" ;;
        failed) echo "- one call's SVG < 10 ms: \`sipladder --format svg\` failed (see bench/results/raw/svg-one.log)" ;;
        *) echo "- one call's SVG < 10 ms: $(calc '%.1f' "$svg_ms") ms median wall for \`sipladder --format svg\` on a one-call capture (whole process)" ;;
    esac
}

mkdir -p "$(dirname "$OUT")"
report >"$OUT"
echo
cat "$OUT"
echo
echo "written: $OUT" >&2
