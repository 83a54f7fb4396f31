#!/usr/bin/env bash
# tests/integration/diagrams.sh — the diagram outputs (doc/diagrams.md).
#
# For every sample call:
#   SVG   xmllint --noout; one <text> per text of the layout dump
#         (--format layout, whose own overlap check must say ok); no
#         script, event attribute, link or external reference; rsvg-convert
#         renders it at the viewBox size; headless Chromium loads it and the
#         screenshot is not blank and has the drawing where our own PNG has
#         it (same bounding box within a few px: the size matches the
#         viewBox and the fonts fall back sensibly).
#   PNG   magic, dimensions = viewBox x --scale (and --dpi), non-blank.
#   PDF   %PDF- header; pdfinfo page count (1 for a call; one page per call
#         for several calls in one file; several pages for the 600-message
#         call).
#   Mermaid  a small grammar check (every line a known statement, text
#         only with #NNN; entities, every participant declared).
#   PlantUML `plantuml -syntax` accepts it (Debian's plantuml).
# A hostile capture (made here with tools/pcapw through the generator in
# tests/unit/test_layout.c): SVG/HTML have no script element and parse,
# files written with -o DIR/ stay inside DIR whatever the Call-ID
# (../../x, /etc/passwd, ..). A generated 60-lane, 600-message call lays
# out without overlaps.
#
# Tools come from `scripts/deps.sh test`; a missing one skips (exit 77)
# except under CI=true, where it fails.
set -uo pipefail

me=diagrams
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
SIPLADDER=${SIPLADDER:-$root/build/sipladder}
case "$SIPLADDER" in /*) ;; *) SIPLADDER=$root/$SIPLADDER ;; esac

missing=()
for t in xmllint rsvg-convert chromium pdfinfo plantuml cc pkg-config; do
    command -v "$t" > /dev/null 2>&1 || missing+=("$t")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "$me: missing tools: ${missing[*]} (run scripts/deps.sh test)"
    [ "${CI:-}" = true ] && exit 1
    exit 77
fi
fc-list 2>/dev/null | grep -q 'DejaVu Sans' || { echo "$me: note: DejaVu Sans not installed (fonts-dejavu-core)"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
good() { pass=$((pass + 1)); }
check() { # check DESCRIPTION COMMAND...
    local d=$1; shift
    if "$@"; then good; else bad "$d"; fi
}

# the generator and PNG inspector (test_layout.c in tool mode)
gen=$tmp/gen
# shellcheck disable=SC2046
if ! cc -std=c11 -D_DEFAULT_SOURCE -O1 -DLAYOUT_GEN_ONLY -DWITH_CAIRO -I"$root" -o "$gen" \
        tests/unit/test_layout.c $(pkg-config --cflags --libs cairo) -lm 2> "$tmp/gen.err"; then
    cat "$tmp/gen.err"
    echo "$me: cannot build the generator"
    exit 1
fi

# layout size "W H" of a capture (+ args)
lsize() { "$SIPLADDER" -q --format layout "$@" | awk 'NR==1 {print $2, $4; exit}'; }
ceil() { awk -v v="$1" 'BEGIN { c = int(v); if (c < v) c++; print c }'; }

# bounding boxes "x0 y0 x1 y1" agree: left, top and bottom within 6 px; the
# right edge within 6 px + 1 % of the width (the widest text, the subtitle,
# often sets it, and renderers round glyph advances a little differently)
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

mermaid_ok() { # FILE
    awk '
        function text_ok(s) { gsub(/#[0-9]+;/, "", s); return s !~ /[;#<>"%]/ || (s ~ /<br\/>/ && (gsub(/<br\/>/, "", s) >= 0) && s !~ /[;#<>"%]/) }
        NR == 1 { if ($0 != "sequenceDiagram") { print "line 1: " $0; bad = 1 }; next }
        /^    title / { t = substr($0, 11); if (!text_ok(t)) { print "title: " $0; bad = 1 }; next }
        /^    participant L[0-9]+ as / { split($2, p, " "); decl[$2] = 1; t = $0; sub(/^    participant L[0-9]+ as /, "", t)
                                         if (!text_ok(t)) { print "participant: " $0; bad = 1 }; next }
        /^    L[0-9]+(->>|-->>)L[0-9]+: / { m = $0; sub(/^    /, "", m); split(m, q, /(-->>|->>)/); from = q[1]
                                             to = q[2]; sub(/:.*/, "", to); if (!(from in decl) || !(to in decl)) { print "undeclared: " $0; bad = 1 }
                                             t = m; sub(/^[^:]*: /, "", t); if (!text_ok(t)) { print "message: " $0; bad = 1 }; next }
        /^    Note (over L[0-9]+(,L[0-9]+)?|right of L[0-9]+): / { t = $0; sub(/^[^:]*: /, "", t); if (!text_ok(t)) { print "note: " $0; bad = 1 }; next }
        { print "unknown statement: " $0; bad = 1 }
        END { exit bad }' "$1"
}

svg_safe() { # FILE: no script, event attribute, link, external reference
    local n
    n=$(xmllint --xpath 'count(//*[local-name()="script" or local-name()="foreignObject" or local-name()="image"] | //@*[starts-with(local-name(),"on")] | //@*[local-name()="href"])' "$1" 2> /dev/null)
    [ "$n" = 0 ] || { echo "  $1: $n script/event/link nodes"; return 1; }
    ! grep -qiE 'url\(|@import|<!ENTITY|https?://[^"]*"[^>]*(href|src)' "$1"
}

run_chromium() { # SVG W H OUT
    local prof
    prof=$(mktemp -d "$tmp/chr.XXXXXX")
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
        --force-device-scale-factor=1 --user-data-dir="$prof" --screenshot="$4" --window-size="$2,$3" \
        "file://$1" > "$tmp/chromium.log" 2>&1
}

samples=(basic-call busy-486 cancel-487 forked-invite hold-resume options-ping register-401 udp-5080)
for s in "${samples[@]}"; do
    pcap=samples/$s.pcap
    ncalls=$("$SIPLADDER" -q --list "$pcap" | tail -n +2 | wc -l)
    for c in $(seq 1 "$ncalls"); do
        id=$s-$c@sipladder.test
        base=$tmp/$s-$c
        "$SIPLADDER" -q --format layout --call-id "$id" "$pcap" > "$base.layout" ||
            { bad "$s/$c: --format layout"; continue; }
        check "$s/$c: layout overlap check" grep -q '^check: ok' "$base.layout"
        read -r W H <<< "$(awk 'NR==1 {print $2, $4; exit}' "$base.layout")"
        Wi=$(ceil "$W"); Hi=$(ceil "$H")
        "$SIPLADDER" -q --format svg -o "$base.svg" --call-id "$id" "$pcap" || { bad "$s/$c: svg"; continue; }
        check "$s/$c: xmllint" xmllint --noout "$base.svg"
        nt=$(grep -c '^text ' "$base.layout")
        nsvg=$(xmllint --xpath 'count(//*[local-name()="text"])' "$base.svg" 2> /dev/null)
        check "$s/$c: <text> per label ($nsvg vs $nt)" [ "$nsvg" = "$nt" ]
        vb=$(xmllint --xpath 'string(/*/@viewBox)' "$base.svg")
        want_vb=$(awk -v w="$W" -v h="$H" 'BEGIN { printf "0 0 %g %g", w, h }')
        check "$s/$c: viewBox '$vb' = layout $W x $H" [ "$vb" = "$want_vb" ]
        check "$s/$c: SVG self-contained and script-free" svg_safe "$base.svg"
        # our PNG: reference bounding box
        "$SIPLADDER" -q --format png -o "$base.png" --call-id "$id" "$pcap" || bad "$s/$c: png"
        check "$s/$c: PNG magic" [ "$(head -c 8 "$base.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
        read -r pw ph pn px0 py0 px1 py1 <<< "$("$gen" pnginfo "$base.png")"
        check "$s/$c: PNG ${pw}x${ph} = ${Wi}x${Hi}" [ "$pw" = "$Wi" ] && [ "$ph" = "$Hi" ]
        check "$s/$c: PNG not blank ($pn per mille)" [ "${pn:-0}" -ge 20 ]
        # rsvg-convert
        if rsvg-convert -o "$base.rsvg.png" "$base.svg" 2> "$tmp/rsvg.err"; then
            read -r rw rh rn rx0 ry0 rx1 ry1 <<< "$("$gen" pnginfo "$base.rsvg.png")"
            check "$s/$c: rsvg-convert ${rw}x${rh} = ${Wi}x${Hi}" [ "$rw" = "$Wi" ] && [ "$rh" = "$Hi" ]
            check "$s/$c: rsvg drawing matches ours ($rx0 $ry0 $rx1 $ry1 vs $px0 $py0 $px1 $py1)" \
                bbox_close "$rx0 $ry0 $rx1 $ry1" "$px0 $py0 $px1 $py1"
        else
            bad "$s/$c: rsvg-convert: $(head -c 300 "$tmp/rsvg.err")"
        fi
        # headless Chromium
        if run_chromium "$base.svg" "$Wi" "$Hi" "$base.chr.png" && [ -s "$base.chr.png" ]; then
            read -r cw ch cn cx0 cy0 cx1 cy1 <<< "$("$gen" pnginfo "$base.chr.png")"
            check "$s/$c: Chromium screenshot ${cw}x${ch} not blank ($cn per mille)" [ "${cn:-0}" -ge 20 ]
            check "$s/$c: Chromium drawing matches ours ($cx0 $cy0 $cx1 $cy1 vs $px0 $py0 $px1 $py1)" \
                bbox_close "$cx0 $cy0 $cx1 $cy1" "$px0 $py0 $px1 $py1"
        else
            bad "$s/$c: chromium screenshot: $(tail -n 3 "$tmp/chromium.log")"
        fi
        # PDF
        "$SIPLADDER" -q --format pdf -o "$base.pdf" --call-id "$id" "$pcap" || bad "$s/$c: pdf"
        check "$s/$c: PDF header" [ "$(head -c 5 "$base.pdf")" = "%PDF-" ]
        check "$s/$c: PDF one page" [ "$(pdfinfo "$base.pdf" 2> /dev/null | awk '/^Pages:/ {print $2}')" = 1 ]
        # Mermaid, PlantUML
        "$SIPLADDER" -q --format mermaid --call-id "$id" "$pcap" > "$base.mmd" || bad "$s/$c: mermaid"
        check "$s/$c: Mermaid grammar" mermaid_ok "$base.mmd"
        "$SIPLADDER" -q --format plantuml --call-id "$id" "$pcap" > "$base.puml" || bad "$s/$c: plantuml"
        out=$(plantuml -syntax < "$base.puml" 2>&1)
        check "$s/$c: plantuml -syntax ($(echo "$out" | head -n 2 | tr '\n' ' '))" grep -q '^SEQUENCE' <<< "$out"
    done
done

# PNG scale and dpi, print theme, compact, no-time
read -r W H <<< "$(lsize samples/hold-resume.pcap)"
"$SIPLADDER" -q --format png --scale 2 -o "$tmp/s2.png" samples/hold-resume.pcap
read -r pw ph _ <<< "$("$gen" pnginfo "$tmp/s2.png")"
mul() { awk -v a="$1" -v b="$2" 'BEGIN { v = a * b; c = int(v); if (c < v) c++; print c }'; }
check "--scale 2: ${pw}x${ph}" [ "$pw" = "$(mul "$W" 2)" ] && [ "$ph" = "$(mul "$H" 2)" ]
"$SIPLADDER" -q --format png --dpi 144 -o "$tmp/d144.png" samples/hold-resume.pcap
read -r pw ph _ <<< "$("$gen" pnginfo "$tmp/d144.png")"
check "--dpi 144: ${pw}x${ph}" [ "$pw" = "$(mul "$W" 1.5)" ] && [ "$ph" = "$(mul "$H" 1.5)" ]
for opt in "--theme print" "--compact" "--no-time" "--compact --no-time --theme print" "--merge-lanes"; do
    # shellcheck disable=SC2086
    "$SIPLADDER" -q --format svg $opt -o "$tmp/opt.svg" samples/hold-resume.pcap && xmllint --noout "$tmp/opt.svg" ||
        bad "svg $opt"
    # shellcheck disable=SC2086
    check "layout $opt: no overlaps" grep -q '^check: ok' <("$SIPLADDER" -q --format layout $opt samples/hold-resume.pcap)
done
check "--theme print: greyscale CSS" bash -c "! grep -oE '#[0-9a-f]{6}' <('$SIPLADDER' -q --format svg --theme print samples/busy-486.pcap) | \
    awk '{ r = substr(\$0, 2, 2); g = substr(\$0, 4, 2); b = substr(\$0, 6, 2); if (r != g || g != b) print }' | grep -q ."
check "--no-time: no time texts" bash -c "! '$SIPLADDER' -q --format layout --no-time samples/basic-call.pcap | grep -q '^text time'"

# several calls
rc=0
"$SIPLADDER" -q --format svg samples/options-ping.pcap > /dev/null 2> "$tmp/err" || rc=$?
check "two calls to one SVG: usage error (rc $rc)" [ "$rc" = 1 ] && grep -q -- '-o DIR/' "$tmp/err"
"$SIPLADDER" -q --format svg -o "$tmp/dir/" samples/options-ping.pcap
check "-o DIR/: one file per call" [ "$(ls "$tmp/dir" | wc -l)" = 2 ] && [ -f "$tmp/dir/1-options-ping-1@sipladder.test.svg" ]
"$SIPLADDER" -q --format svg --group -o "$tmp/group.svg" samples/options-ping.pcap
check "--group: one SVG with both calls" grep -q 'call 2' "$tmp/group.svg"
check "--group: well-formed" xmllint --noout "$tmp/group.svg"
"$SIPLADDER" -q --format pdf -o "$tmp/two.pdf" samples/options-ping.pcap
check "PDF of two calls: 2 pages" [ "$(pdfinfo "$tmp/two.pdf" | awk '/^Pages:/ {print $2}')" = 2 ]
"$SIPLADDER" -q --format html -o "$tmp/all.html" samples/options-ping.pcap samples/basic-call.pcap
check "HTML: well-formed (polyglot XHTML)" xmllint --noout "$tmp/all.html"
check "HTML: no script, no network" bash -c "! grep -qiE '<script|https?://[^\"]*\"|src=' '$tmp/all.html' || \
    ! grep -iE '<script|src=' '$tmp/all.html'"
check "HTML: three ladders" [ "$(grep -o '<svg ' "$tmp/all.html" | wc -l)" = 3 ]

# the hostile capture
"$gen" hostile "$tmp/hostile.pcap" || bad "generate hostile capture"
mkdir -p "$tmp/a/b/c" "$tmp/out"
touch "$tmp/stamp"
sleep 1
for f in svg png pdf mermaid plantuml layout; do
    (cd "$tmp/a/b/c" && "$SIPLADDER" -q --format "$f" -o ../../../out/ "$tmp/hostile.pcap") || bad "hostile -o DIR/ --format $f"
done
(cd "$tmp/a/b/c" && "$SIPLADDER" -q --format html -o ../../../out/ "$tmp/hostile.pcap") || bad "hostile html"
escaped=$(find "$tmp" -newer "$tmp/stamp" -type f ! -path "$tmp/out/*" ! -path "$tmp/chr.*" | grep -v "^$tmp/stamp$")
check "hostile: every file inside the output directory (${escaped:-none outside})" [ -z "$escaped" ]
check "hostile: no nested directory" [ -z "$(find "$tmp/out" -mindepth 1 -type d)" ]
nsvg=$(ls "$tmp"/out/*.svg | wc -l)
check "hostile: one SVG per call ($nsvg)" [ "$nsvg" = 6 ]
for f in "$tmp"/out/*.svg; do
    check "hostile $(basename "$f"): xmllint" xmllint --noout "$f"
    check "hostile $(basename "$f"): no script/event/link" svg_safe "$f"
    check "hostile $(basename "$f"): nothing unescaped" bash -c "! grep -qF ']]>' '$f' && ! grep -qi '<script' '$f'"
done
for f in "$tmp"/out/*.mmd; do check "hostile $(basename "$f"): Mermaid grammar" mermaid_ok "$f"; done
for f in "$tmp"/out/*.puml; do
    out=$(plantuml -syntax < "$f" 2>&1)
    check "hostile $(basename "$f"): plantuml -syntax" grep -q '^SEQUENCE' <<< "$out"
done
for f in "$tmp"/out/*.layout.txt; do check "hostile $(basename "$f"): no overlaps" grep -q '^check: ok' "$f"; done
check "hostile HTML: well-formed" xmllint --noout "$tmp/out/index.html"
check "hostile HTML: no script element, event attribute or outside link" bash -c "[ \"\$(xmllint --xpath \
    'count(//*[local-name()=\"script\"] | //@*[starts-with(local-name(),\"on\")] | //@*[local-name()=\"href\"][not(starts-with(.,\"#\"))])' \
    '$tmp/out/index.html' 2>/dev/null)\" = 0 ]"
check "hostile: 6 PDFs" [ "$(ls "$tmp"/out/*.pdf | wc -l)" = 6 ]

# 60 lanes, 600 messages
"$gen" big "$tmp/big.pcap" 60 600 || bad "generate the big call"
"$SIPLADDER" -q --format layout "$tmp/big.pcap" > "$tmp/big.layout"
check "big: 60 lanes, 600 rows" grep -q 'lanes 60  rows 600' "$tmp/big.layout"
check "big: no overlaps ($(tail -n 1 "$tmp/big.layout"))" grep -q '^check: ok' "$tmp/big.layout"
"$SIPLADDER" -q --format svg -o "$tmp/big.svg" "$tmp/big.pcap" && check "big: SVG well-formed" xmllint --noout --huge "$tmp/big.svg"
"$SIPLADDER" -q --format pdf -o "$tmp/big.pdf" "$tmp/big.pcap"
np=$(pdfinfo "$tmp/big.pdf" 2> /dev/null | awk '/^Pages:/ {print $2}')
check "big: PDF split into pages ($np)" [ "${np:-0}" -gt 1 ]
"$SIPLADDER" -q --format png --scale 0.25 -o "$tmp/big.png" "$tmp/big.pcap"
read -r pw ph pn _ <<< "$("$gen" pnginfo "$tmp/big.png")"
check "big: PNG ${pw}x${ph} not blank" [ "${pn:-0}" -gt 5 ]

echo "$me: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
