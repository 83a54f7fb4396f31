#!/usr/bin/env bash
# tests/integration/tshark_agree.sh — does sipladder decode the same SIP as tshark?
#
# Corpus: $SIPLADDER_CORPUS, else <repo>/../shared/corpus/real. Absent -> skip (77).
# For every capture in which tshark finds SIP over UDP (`-Y 'sip && udp'`), the
# fields tshark extracts per frame
#     frame.number sip.Call-ID sip.Method sip.Status-Code sip.CSeq.seq
#     sip.from.tag sip.to.tag                   (-E occurrence=a -E aggregator=,)
# are compared with sipladder's `--format json` messages whose transport is
# "UDP" (frame, call_id, method, status, cseq.seq, from_tag, to_tag; several
# messages in one frame are joined with "," like tshark's aggregator; an empty
# tshark field equals null/absent).
#   - every frame tshark lists must have a sipladder message with equal fields;
#   - sipladder UDP messages on frames tshark does not list are "extra"
#     (reported, not a failure).
# Mismatches listed in tests/integration/tshark-known-diffs.txt
# (`FILE FRAME FIELD reason...`) count as "documented".
# Output: per file `FILE: N/M agree (D documented, X extra)`, every undocumented
# mismatch, a total with the agreement percentage, and
# `tshark_agree: N passed, N failed` over files. Exit 1 on any undocumented
# mismatch, 77 when the corpus (or, outside CI, tshark/jq) is missing.
set -uo pipefail

me=tshark_agree
root=$(cd "$(dirname "$0")/../.." && pwd)
SIPLADDER=${SIPLADDER:-$root/build/sipladder}
# Transports compared, as tshark names the layer under sip; sipladder's
# names for the same are mapped below.  Override with TRANSPORTS="udp".
TRANSPORTS=${TRANSPORTS:-udp tcp sctp websocket}
SL_TRANSPORTS=$(printf '%s\n' $TRANSPORTS | sed 's/^udp$/UDP/; s/^tcp$/TCP/; s/^sctp$/SCTP/; s/^websocket$/WS/' |
    jq -R . | jq -sc .)
known=$root/tests/integration/tshark-known-diffs.txt

if [ -n "${SIPLADDER_CORPUS:-}" ]; then
    corpus=$SIPLADDER_CORPUS
else
    top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null || echo "$root")
    corpus=$top/../shared/corpus/real
fi
if [ ! -d "$corpus" ]; then
    echo "$me: corpus not found at $corpus — skipped"
    exit 77
fi
corpus=$(cd "$corpus" && pwd)

[ -x "$SIPLADDER" ] || { echo "$me: FAIL: sipladder binary not found at $SIPLADDER"; exit 1; }

missing=()
for t in tshark jq; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ]; then
    "$root/scripts/deps.sh" test >/dev/null 2>&1 || true
    missing=()
    for t in tshark jq; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ "${CI:-}" = true ]; then
        echo "$me: FAIL: missing ${missing[*]} in CI"; exit 1
    fi
    echo "$me: missing ${missing[*]} (apt-get install tshark jq) — skipped"
    exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Keep tshark away from any personal preferences: default settings only.
mkdir -p "$work/cfg"
tshark_() { XDG_CONFIG_HOME=$work/cfg HOME=$work/cfg tshark "$@" 2>/dev/null; }

fields=(frame.number sip.Call-ID sip.Method sip.Status-Code sip.CSeq.seq sip.from.tag sip.to.tag)
# The field names above are those of tshark 4.0; fail loudly if one is unknown.
known_fields=$(tshark_ -G fields | awk -F'\t' '{ print $3 }')
for f in "${fields[@]}"; do
    grep -qxF -- "$f" <<< "$known_fields" || { echo "$me: FAIL: tshark does not know field $f"; exit 1; }
done
targs=()
for f in "${fields[@]}"; do targs+=(-e "$f"); done

# known diffs: drop comments/blank lines
kd=$work/known.txt
if [ -f "$known" ]; then
    sed -e 's/#.*$//' -e '/^[[:space:]]*$/d' "$known" > "$kd"
else
    : > "$kd"
fi

shopt -s nullglob
files=()
for f in "$corpus"/*; do
    [ -f "$f" ] || continue
    case "$f" in *.md|*.tsv|*.txt|*.json|*.csv) continue ;; esac
    files+=("$f")
done

passed=0 failed=0
tot_m=0 tot_n=0 tot_d=0 tot_x=0
for f in "${files[@]}"; do
    base=$(basename "$f")
    ts=$work/tshark.tsv
    # `sip && udp` also matches SIP over TCP inside a UDP tunnel (GTP-U, VXLAN...);
    # keep only frames where the layer right under the (last) sip is udp.
    # SIP on TCP port 6060 (heplify__sip_ipv4_tcp_fragmented) needs a decode-as.
    tshark_ -r "$f" -d tcp.port==6060,sip -Y 'sip' -T fields -E separator=/t -E occurrence=a -E aggregator=, \
        "${targs[@]}" -e frame.protocols |
        awk -F'\t' -v OFS='\t' -v want=" $TRANSPORTS " '{
            n = split($NF, p, ":"); under = ""
            for (i = n; i > 1; i--) if (p[i] == "sip") { under = p[i - 1]; break }
            if (index(want, " " under " ") == 0) next
            NF--; print }' > "$ts" || true
    [ -s "$ts" ] || continue   # no SIP on the compared transports according to tshark

    sl=$work/sipladder.tsv
    : > "$sl"
    slrc=0
    "$SIPLADDER" --format json "$f" > "$work/out.json" 2> "$work/out.err" || slrc=$?
    note=
    [ "$slrc" -eq 0 ] || note="sipladder exited $slrc: $(head -n 3 "$work/out.err" | tr '\n' ' ' | head -c 300)"
    # Use the JSON even after a non-zero exit (exit 2 = input not fully read).
    if jq -e '.messages | type == "array"' "$work/out.json" >/dev/null 2>&1; then
        # One line per UDP message. Values are written the way tshark 4.0 prints
        # them in -T fields: cut at the first NUL byte (tshark keeps C strings),
        # \b \f \t \n \r as C escapes.
        jq -r 'def s: if . == null then "" else tostring | (split("\u0000")[0] // "")
                   | gsub("\b"; "\\b") | gsub("\f"; "\\f") | gsub("\t"; "\\t")
                   | gsub("\n"; "\\n") | gsub("\r"; "\\r") end;
               .messages[] | select(.transport as $t | $want | index($t))
               | [ (.frame | s), (.call_id | s), (.method | s), (.status | s),
                   (.cseq.seq? | s), (.from_tag | s), (.to_tag | s) ] | join("\t")' \
            --argjson want "$SL_TRANSPORTS" "$work/out.json" > "$sl" 2> "$work/jq.err" ||
            note="${note:+$note; }sipladder JSON not usable: $(head -c 200 "$work/jq.err")"
    elif [ "$slrc" -eq 0 ]; then
        note="sipladder output is not sipladder/1 JSON"
    fi

    # Compare. Output: summary line "SUMMARY m n d x undoc" + mismatch lines.
    awk -F'\t' -v file="$base" -v kdfile="$kd" -v slfile="$sl" '
        BEGIN {
            split("frame call_id method status cseq from_tag to_tag", name, " ")
            while ((getline line < kdfile) > 0) {
                nk = split(line, k, /[ \t]+/)
                if (nk >= 3 && k[1] == file) kd[k[2] SUBSEP k[3]] = 1
            }
        }
        function documented(fr, fld) {
            return ((fr SUBSEP fld) in kd) || ((fr SUBSEP "*") in kd) || (("*" SUBSEP fld) in kd) || (("*" SUBSEP "*") in kd)
        }
        function clip(s) { return length(s) > 80 ? substr(s, 1, 77) "..." : s }
        FILENAME == slfile {   # sipladder messages
            fr = $1
            if (fr in sl) {
                for (i = 2; i <= 7; i++) sv[fr, i] = sv[fr, i] "," $i
                slcount[fr]++
            } else {
                sl[fr] = 1; slcount[fr] = 1; if (fr + 0 > maxfr) maxfr = fr + 0
                for (i = 2; i <= 7; i++) sv[fr, i] = $i
            }
            next
        }
        {                      # tshark rows
            fr = $1
            m++
            seen[fr] = 1
            if (!(fr in sl)) {
                if (documented(fr, "*")) { d++ }
                else { bad++; printf "MISMATCH %s frame %s: no sipladder UDP message (tshark: %s%s Call-ID %s)\n", file, fr, clip($3), $4, clip($2) }
                next
            }
            mism = 0; undoc = 0; msg = ""
            for (i = 2; i <= 7; i++) {
                tv = $i; v = sv[fr, i]
                # a frame with one message on each side: compare plainly
                if (tv != v) {
                    mism++
                    if (!documented(fr, name[i])) {
                        undoc++
                        msg = msg sprintf("\n    %-8s tshark=[%s] sipladder=[%s]", name[i], clip(tv), clip(v))
                    }
                }
            }
            if (mism == 0) n++
            else if (undoc == 0) d++
            else { bad++; printf "MISMATCH %s frame %s:%s\n", file, fr, msg }
        }
        END {
            ne = 0; el = ""
            for (f = 1; f <= maxfr; f++) if ((f in sl) && !(f in seen)) { x += slcount[f]; if (ne++ < 10) el = el " " f }
            if (ne > 0) printf "EXTRA %s frames not decoded as UDP SIP by tshark:%s%s\n", file, el, (ne > 10 ? " ..." : "")
            printf "SUMMARY %d %d %d %d %d\n", m, n, d, x, bad
        }' "$sl" "$ts" > "$work/cmp.txt"

    read -r _ m n d x bad < <(grep -a '^SUMMARY ' "$work/cmp.txt")
    tot_m=$((tot_m + m)); tot_n=$((tot_n + n)); tot_d=$((tot_d + d)); tot_x=$((tot_x + x))
    status=ok
    if [ "$bad" -gt 0 ]; then status=FAIL; failed=$((failed + 1)); else passed=$((passed + 1)); fi
    printf '%s: %d/%d agree (%d documented, %d extra)%s\n' "$base" "$n" "$m" "$d" "$x" \
        "$([ "$status" = FAIL ] && echo "  FAIL: $bad undocumented")"
    [ -n "$note" ] && echo "    $note"
    grep -av "^SUMMARY " "$work/cmp.txt" | head -n 40 | sed -e "s/^MISMATCH /  /" -e "s/^EXTRA /  extra: /"
    more=$(grep -ac '^MISMATCH ' "$work/cmp.txt")
    [ "$more" -gt 40 ] && echo "  ... ($more mismatching frames in $base)"
done

if [ "$tot_m" -gt 0 ]; then
    pct=$(awk -v n="$tot_n" -v m="$tot_m" 'BEGIN { printf "%.2f", 100 * n / m }')
    pctd=$(awk -v n="$tot_n" -v d="$tot_d" -v m="$tot_m" 'BEGIN { printf "%.2f", 100 * (n + d) / m }')
else
    pct=0 pctd=0
fi
echo "total: $tot_n/$tot_m frames agree ($pct%), $tot_d documented ($pctd% with documented), $tot_x extra"
echo "$me: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
