#!/usr/bin/env bash
# tests/integration/report_charts.sh — `sipladder report --format svg|png`
# (render/chart.c, doc/kpi.md "Charts").
#
# On every sample, on all samples together (also with a short --interval,
# which leaves most buckets empty and packs the time axis), and on the
# corpus (<repo>/../shared/corpus/real or SIPLADDER_CORPUS; skipped with a
# message when absent):
#   SVG   xmllint --noout; width/height = viewBox; one bar group with a
#         <text> code and a <text> label per cause and per final status of
#         the JSON report (and a bar <title> with its exact count); one
#         bucket group per time bucket; the root <title> carries the JSON's
#         ASR; no script, event attribute, link or external reference;
#         rsvg-convert renders it at the viewBox size, not blank, with the
#         drawing where our own PNG has it.
#   PNG   magic, dimensions = viewBox (x --scale, --dpi), non-blank.
# No INVITE at all (options-ping) still gives a valid chart saying
# "no INVITE attempts". --theme print is greyscale. --format png without
# -o is a usage error. The hostile captures (tests/hostile/gen.c, built as
# tests/integration/hostile.sh does), and the markup-injection one under a
# file name full of markup and invalid UTF-8: valid SVG, no <script>,
# nothing unescaped.
#
# Exit 0 pass, 77 skip (a tool from `scripts/deps.sh test` missing; under
# CI=true that is a failure), anything else fail.
set -uo pipefail

me=report_charts
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
SIPLADDER=${SIPLADDER:-$root/build/sipladder}
case "$SIPLADDER" in /*) ;; *) SIPLADDER=$root/$SIPLADDER ;; esac

missing=()
for t in xmllint rsvg-convert jq cc pkg-config; do
    command -v "$t" > /dev/null 2>&1 || missing+=("$t")
done
pkg-config --exists cairo 2> /dev/null || missing+=("cairo (pkg-config)")
if [ ${#missing[@]} -gt 0 ]; then
    echo "$me: missing tools: ${missing[*]} (run scripts/deps.sh test)"
    [ "${CI:-}" = true ] && exit 1
    exit 77
fi
[ -x "$SIPLADDER" ] || { echo "$me: $SIPLADDER is not an executable (build it with make)"; exit 1; }
fc-list 2> /dev/null | grep -q 'DejaVu Sans' || echo "$me: note: DejaVu Sans not installed (fonts-dejavu-core)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { # check DESCRIPTION COMMAND...
    local d=$1
    shift
    if "$@"; then pass=$((pass + 1)); else bad "$d"; fi
}

# PNG inspector: "W H nonwhite-permille x0 y0 x1 y1" (bounding box of the non-white pixels)
cat > "$tmp/pnginfo.c" << 'EOF'
#include <cairo.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    cairo_surface_t *s = cairo_image_surface_create_from_png(argv[1]);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        return 1;
    cairo_surface_flush(s);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int st = cairo_image_surface_get_stride(s), rgb = cairo_image_surface_get_format(s) == CAIRO_FORMAT_RGB24;
    const unsigned char *d = cairo_image_surface_get_data(s);
    long n = 0;
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned px;
            memcpy(&px, d + (size_t)y * (size_t)st + (size_t)x * 4, 4);
            unsigned r = (px >> 16) & 255, g = (px >> 8) & 255, b = px & 255, a = rgb ? 255 : px >> 24;
            if (a > 16 && (r < 235 || g < 235 || b < 235)) {
                n++;
                if (x < x0) x0 = x;
                if (y < y0) y0 = y;
                if (x > x1) x1 = x;
                if (y > y1) y1 = y;
            }
        }
    printf("%d %d %ld %d %d %d %d\n", w, h, w && h ? n * 1000 / ((long)w * h) : 0, x0, y0, x1, y1);
    cairo_surface_destroy(s);
    return 0;
}
EOF
# shellcheck disable=SC2046
if ! cc -std=c11 -O1 -o "$tmp/pnginfo" "$tmp/pnginfo.c" $(pkg-config --cflags --libs cairo) 2> "$tmp/cc.err"; then
    cat "$tmp/cc.err"
    echo "$me: cannot build the PNG inspector"
    exit 1
fi

ceil() { awk -v v="$1" -v m="${2:-1}" 'BEGIN { v *= m; c = int(v); if (c < v) c++; print c }'; }
xp() { xmllint --xpath "$1" "$2" 2> /dev/null; }

# bounding boxes "x0 y0 x1 y1" agree within 6 px (+1 % of the width on the right)
bbox_close() {
    local a b
    read -r -a a <<< "$1"
    read -r -a b <<< "$2"
    for i in 0 1 2 3; do
        local d=$((a[i] - b[i])) tol=6
        [ "$i" = 2 ] && tol=$((6 + b[2] / 100))
        [ "${d#-}" -le "$tol" ] || return 1
    done
}

svg_safe() { # FILE: no script, event attribute, link, external reference
    local n
    n=$(xp 'count(//*[local-name()="script" or local-name()="foreignObject" or local-name()="image" or local-name()="a"] | //@*[starts-with(local-name(),"on")] | //@*[local-name()="href"])' "$1")
    [ "$n" = 0 ] || { echo "  $1: $n script/event/link nodes"; return 1; }
    ! grep -qiE 'url\(|@import|<!ENTITY|<!DOCTYPE|<script' "$1"
}

# Every cause and final status of the JSON report has its bar: a group with
# a code <text>, a label <text> and a <title> with the count.
bars_match() { # SVG JSON SECTION JQ-ARRAY KEY
    local svg=$1 json=$2 sec=$3 arr=$4 key=$5 n nsvg code cnt ok=0
    n=$(jq "$arr | length" "$json")
    [ "$n" -le 24 ] || return 0 # more than MAX_BARS: the tail is summed in one bar
    nsvg=$(xp "count(//*[local-name()='g'][@class='$sec']/*[local-name()='g'][@class='bar'])" "$svg")
    [ "$nsvg" = "$n" ] || { echo "  $sec: $nsvg bars, JSON has $n"; return 1; }
    nsvg=$(xp "count(//*[local-name()='g'][@class='$sec']//*[local-name()='text'][@class='barlabel'])" "$svg")
    [ "$nsvg" = "$n" ] || { echo "  $sec: $nsvg bar labels, JSON has $n"; return 1; }
    while read -r code cnt; do
        [ "$code" = null ] && code='–'
        local q="//*[local-name()='g'][@class='$sec']/*[local-name()='g'][@class='bar'][*[local-name()='text'][@class='code']='$code']"
        [ "$(xp "count($q)" "$svg")" = 1 ] || { echo "  $sec: no bar for $code"; ok=1; continue; }
        xp "string($q/*[local-name()='title'])" "$svg" | grep -q "^$cnt completed attempt" ||
            { echo "  $sec: bar $code: tooltip without its count $cnt"; ok=1; }
    done < <(jq -r "${arr}[] | \"\\(.${key}) \\(.count)\"" "$json")
    return $ok
}

# chart CASE ARGS... : SVG and PNG of one report, checked against its JSON
chart() {
    local name=$1
    shift
    local base=$tmp/$name rc=0
    "$SIPLADDER" report -q --format json "$@" > "$base.json" 2> /dev/null || rc=$?
    local src=0
    "$SIPLADDER" report -q --format svg "$@" > "$base.svg" 2> "$base.err" || src=$?
    check "$name: svg exit status $src = json's $rc" [ "$src" = "$rc" ]
    check "$name: xmllint" xmllint --noout "$base.svg"
    local W H vb
    W=$(xp 'string(/*/@width)' "$base.svg")
    H=$(xp 'string(/*/@height)' "$base.svg")
    vb=$(xp 'string(/*/@viewBox)' "$base.svg")
    check "$name: viewBox '$vb' = ${W}x${H}" [ "$vb" = "0 0 $W $H" ]
    check "$name: SVG self-contained and script-free" svg_safe "$base.svg"
    check "$name: cause bars" bars_match "$base.svg" "$base.json" causes .q850_causes cause
    check "$name: status bars" bars_match "$base.svg" "$base.json" status .sip_status code
    local nb nsvg
    nb=$(jq '.breakdowns.time | length' "$base.json")
    nsvg=$(xp "count(//*[local-name()='g'][@class='bucket'])" "$base.svg")
    check "$name: one bucket group per time bucket ($nsvg vs $nb)" [ "$nsvg" = "$nb" ]
    local asr
    asr=$(jq -r '.kpi.asr // empty' "$base.json")
    [ -n "$asr" ] && asr=$(awk -v a="$asr" 'BEGIN { printf "ASR %.1f%%", a * 100 }')
    if [ -n "$asr" ]; then
        check "$name: title carries '$asr'" grep -qF "$asr" <(xp 'string(/*/*[local-name()="title"])' "$base.svg")
    fi
    if [ "$(jq .summary.attempts "$base.json")" = 0 ]; then
        check "$name: says 'no INVITE attempts'" [ "$(xp "count(//*[local-name()='text'][.='no INVITE attempts'])" "$base.svg")" = 1 ]
    fi
    # our PNG
    local Wi Hi
    Wi=$(ceil "$W")
    Hi=$(ceil "$H")
    "$SIPLADDER" report -q --format png -o "$base.png" "$@" 2> /dev/null
    check "$name: PNG magic" [ "$(head -c 8 "$base.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
    local pw ph pn px0 py0 px1 py1
    read -r pw ph pn px0 py0 px1 py1 <<< "$("$tmp/pnginfo" "$base.png")"
    check "$name: PNG ${pw}x${ph} = ${Wi}x${Hi}" [ "$pw" = "$Wi" ] && [ "$ph" = "$Hi" ]
    check "$name: PNG not blank ($pn per mille)" [ "${pn:-0}" -ge 20 ]
    # rsvg-convert
    if rsvg-convert -o "$base.rsvg.png" "$base.svg" 2> "$tmp/rsvg.err"; then
        local rw rh rn rx0 ry0 rx1 ry1
        read -r rw rh rn rx0 ry0 rx1 ry1 <<< "$("$tmp/pnginfo" "$base.rsvg.png")"
        check "$name: rsvg-convert ${rw}x${rh} = ${Wi}x${Hi}" [ "$rw" = "$Wi" ] && [ "$rh" = "$Hi" ]
        check "$name: rsvg-convert not blank ($rn per mille)" [ "${rn:-0}" -ge 20 ]
        check "$name: rsvg drawing matches ours ($rx0 $ry0 $rx1 $ry1 vs $px0 $py0 $px1 $py1)" \
            bbox_close "$rx0 $ry0 $rx1 $ry1" "$px0 $py0 $px1 $py1"
    else
        bad "$name: rsvg-convert: $(head -c 300 "$tmp/rsvg.err")"
    fi
}

samples=(basic-call busy-486 cancel-487 forked-invite hold-resume options-ping register-401 udp-5080)
for s in "${samples[@]}"; do
    chart "$s" "samples/$s.pcap"
done
all=()
for s in "${samples[@]}"; do all+=("samples/$s.pcap"); done
chart all-samples "${all[@]}"
chart all-samples-1s --interval 1s "${all[@]}"
chart all-samples-100ms --interval 100ms "${all[@]}"
check "100 ms buckets: empty ones left out" grep -q 'empty buckets left out' "$tmp/all-samples-100ms.svg"
check "1 s buckets: a slot per bucket" bash -c "! grep -q 'empty buckets left out' '$tmp/all-samples-1s.svg'"

# PNG scale and dpi
W=$(xp 'string(/*/@width)' "$tmp/all-samples.svg")
H=$(xp 'string(/*/@height)' "$tmp/all-samples.svg")
"$SIPLADDER" report -q --format png --scale 2 -o "$tmp/s2.png" "${all[@]}"
read -r pw ph _ <<< "$("$tmp/pnginfo" "$tmp/s2.png")"
check "--scale 2: ${pw}x${ph}" [ "$pw" = "$(ceil "$W" 2)" ] && [ "$ph" = "$(ceil "$H" 2)" ]
"$SIPLADDER" report -q --format png --dpi 144 -o "$tmp/d144.png" "${all[@]}"
read -r pw ph _ <<< "$("$tmp/pnginfo" "$tmp/d144.png")"
check "--dpi 144: ${pw}x${ph}" [ "$pw" = "$(ceil "$W" 1.5)" ] && [ "$ph" = "$(ceil "$H" 1.5)" ]

# print theme: greyscale
"$SIPLADDER" report -q --format svg --theme print -o "$tmp/print.svg" "${all[@]}"
check "--theme print: well-formed" xmllint --noout "$tmp/print.svg"
check "--theme print: greyscale CSS" bash -c "! grep -oE '#[0-9a-fA-F]{6}' '$tmp/print.svg' | \
    awk '{ r = substr(\$0, 2, 2); g = substr(\$0, 4, 2); b = substr(\$0, 6, 2); if (r != g || g != b) print }' | grep -q ."
"$SIPLADDER" report -q --format png --theme print -o "$tmp/print.png" "${all[@]}"
read -r _ _ pn _ <<< "$("$tmp/pnginfo" "$tmp/print.png")"
check "--theme print: PNG not blank" [ "${pn:-0}" -ge 20 ]

# usage
rc=0
"$SIPLADDER" report -q --format png samples/basic-call.pcap > /dev/null 2> "$tmp/err" || rc=$?
check "png without -o: usage error (rc $rc)" [ "$rc" = 1 ] && grep -q -- '-o FILE' "$tmp/err"
rc=0
"$SIPLADDER" report -q --format gif samples/basic-call.pcap > /dev/null 2>&1 || rc=$?
check "unknown format: usage error (rc $rc)" [ "$rc" = 1 ]
rc=0
"$SIPLADDER" report -q --format svg --theme dark samples/basic-call.pcap > /dev/null 2>&1 || rc=$?
check "unknown theme: usage error (rc $rc)" [ "$rc" = 1 ]
"$SIPLADDER" report -q --format png -o - samples/basic-call.pcap > "$tmp/stdout.png"
check "png -o -: PNG on stdout" [ "$(head -c 8 "$tmp/stdout.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
check "text report unchanged by the chart options" cmp -s <("$SIPLADDER" report -q samples/busy-486.pcap) \
    <("$SIPLADDER" report -q --format text --theme print --scale 2 samples/busy-486.pcap)

# hostile captures
if cc -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror -I"$root" -o "$tmp/hgen" \
        "$root/tests/hostile/gen.c" "$root/tools/pcapw.c" 2> "$tmp/hgen.err" && mkdir -p "$tmp/hostile" &&
        "$tmp/hgen" "$tmp/hostile" > /dev/null; then
    odd="$tmp/hostile/<script>alert(1)&amp;]]>\"'"$'\xff\x1b[31m'".pcap"
    cp "$tmp/hostile/markup-injection.pcap" "$odd"
    for f in "$tmp"/hostile/*.pcap; do
        n=$(basename "$f" .pcap | tr -c 'A-Za-z0-9-\n' '_')
        "$SIPLADDER" report -q --format svg -o "$tmp/h-$n.svg" "$f" 2> /dev/null
        check "hostile $n: xmllint" xmllint --noout "$tmp/h-$n.svg"
        check "hostile $n: no script/event/link" svg_safe "$tmp/h-$n.svg"
        "$SIPLADDER" report -q --format png -o "$tmp/h-$n.png" "$f" 2> /dev/null
        read -r _ _ pn _ <<< "$("$tmp/pnginfo" "$tmp/h-$n.png")"
        check "hostile $n: PNG not blank" [ "${pn:-0}" -ge 20 ]
    done
    h=$tmp/h-$(basename "$odd" .pcap | tr -c 'A-Za-z0-9-\n' '_').svg
    check "markup file name: escaped in the headline" grep -qF '&lt;script&gt;alert(1)&amp;amp;]]&gt;' "$h"
    check "markup file name: nothing unescaped" bash -c "! grep -qF '<script' '$h' && ! grep -qF ']]>' '$h' && \
        ! LC_ALL=C grep -qP '[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]' '$h' && iconv -f UTF-8 -t UTF-8 '$h' > /dev/null"
    check "markup-injection: one attempt drawn" [ "$(xp "count(//*[local-name()='g'][@class='bucket'])" "$h")" = 1 ]
else
    head -c 600 "$tmp/hgen.err"
    bad "cannot build or run tests/hostile/gen.c"
fi

# corpus
corpus=${SIPLADDER_CORPUS:-$root/../shared/corpus/real}
if [ -d "$corpus" ]; then
    files=()
    while IFS= read -r f; do files+=("$f"); done < <(find "$corpus" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | LC_ALL=C sort)
    nc=0
    for f in "${files[@]}"; do
        n=$(basename "$f" | tr -c 'A-Za-z0-9-\n' '_')
        want=0
        "$SIPLADDER" report -q --format text "$f" > /dev/null 2>&1 || want=$?
        rc=0
        timeout 60 "$SIPLADDER" report -q --format svg -o "$tmp/c.svg" "$f" 2> /dev/null || rc=$?
        check "corpus $n: svg exit $rc = text's $want" [ "$rc" = "$want" ]
        check "corpus $n: xmllint" xmllint --noout "$tmp/c.svg"
        rsvg-convert -o "$tmp/c.rsvg.png" "$tmp/c.svg" 2> /dev/null
        read -r _ _ rn _ <<< "$("$tmp/pnginfo" "$tmp/c.rsvg.png" 2> /dev/null)"
        check "corpus $n: rsvg-convert not blank" [ "${rn:-0}" -ge 20 ]
        rc=0
        timeout 60 "$SIPLADDER" report -q --format png -o "$tmp/c.png" "$f" 2> /dev/null || rc=$?
        read -r _ _ pn _ <<< "$("$tmp/pnginfo" "$tmp/c.png" 2> /dev/null)"
        check "corpus $n: PNG (exit $rc) not blank" [ "$rc" = "$want" ] && [ "${pn:-0}" -ge 20 ]
        nc=$((nc + 1))
    done
    # every corpus file in one chart: years apart, so the time axis is packed
    [ "$nc" -gt 0 ] && chart corpus-all "${files[@]}"
    echo "$me: corpus: $nc files"
else
    echo "$me: corpus part skipped: $corpus not found (set SIPLADDER_CORPUS)"
fi

echo "$me: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
