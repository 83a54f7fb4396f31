#!/usr/bin/env bash
# tests/integration/torture.sh — transport torture tests: TCP reassembly
# (every split point, coalescing, reverse order, duplicates and overlapping
# retransmissions, a hole, sequence wrap-around, keep-alives, a capture
# starting mid-stream, connection reuse), IPv4/IPv6 defragmentation (reverse
# order, a missing fragment), SIP over WebSocket, SCTP and HEP3.
#
# tools/torture (built here with cc -O2 -Wall -Wextra -Werror into
# build/tools/) writes CASE.pcap + CASE.expect per case; the expectation
# format is described at the top of tools/torture.c. For every case
#   `$SIPLADDER -q --format json CASE.pcap` is checked with jq + awk:
#     - the messages: exactly the expected ones (method or status, cseq.seq,
#       call_id, src, dst, transport, flags), in the expected order — the
#       whole list ("order strict") or per direction src -> dst ("order
#       stream"); flags cut-by-gap, after-gap, hep, truncated, tunnelled,
#       icmp-quoted and retransmission (the boolean) must match exactly,
#       "reassembled" must be present where expected; time when expected;
#     - the diagnostics listed in the .expect file (exact or at least).
# Prints "torture CASE: ok" or the first difference (all of them with
# TORTURE_VERBOSE=1), then "torture: N passed, N failed". Exit 0 pass,
# 1 fail, 77 skip (jq or a C compiler missing).
#
# Environment: SIPLADDER (default ./sipladder in the repository root),
# KEEP_WORK=1 keeps the generated captures and sipladder's output,
# TORTURE_ONLY="tcp-hole hep3" runs only those cases, TORTURE_VERBOSE=1.
set -uo pipefail

me=torture

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null) || root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1

if ! command -v jq >/dev/null 2>&1; then
    echo "$me: jq not found (apt-get install jq) — skipped"
    exit 77
fi
if ! command -v cc >/dev/null 2>&1; then
    echo "$me: no C compiler (cc) — skipped"
    exit 77
fi

SIPLADDER=${SIPLADDER:-./sipladder}
if [ ! -x "$SIPLADDER" ]; then
    echo "$me: FAIL: sipladder binary not found at $SIPLADDER (make sipladder)"
    exit 1
fi

mkdir -p build/tools
if ! cc -std=c11 -O2 -Wall -Wextra -Werror -o build/tools/torture tools/torture.c tools/pcapw.c; then
    echo "$me: FAIL: cannot build tools/torture"
    exit 1
fi

work=$(mktemp -d)
cleanup() {
    if [ -n "${KEEP_WORK:-}" ]; then echo "$me: work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# shellcheck disable=SC2086  # TORTURE_ONLY is a list of case names
if ! build/tools/torture "$work/cases" ${TORTURE_ONLY:-} 2> "$work/torture.err"; then
    sed 's/^/  /' "$work/torture.err"
    echo "$me: FAIL: tools/torture failed"
    exit 1
fi

# sipladder JSON -> "msg ..." lines (same fields as the .expect file) and
# "diag NAME VALUE" lines under the names the .expect file uses.
# shellcheck disable=SC2016  # jq and awk programs: no shell expansion wanted
jq_prog='
  (.messages[] |
     "msg \(.method // (.status | tostring)) \(.cseq.seq // "-") \(.call_id // "-") \(.src) \(.dst) \(.transport) " +
     ((.flags + (if .retransmission then ["retransmission"] else [] end)) | sort |
        if length == 0 then "-" else join(",") end) +
     " time_us=\(.time * 1000000 | round)"),
  (.diagnostics as $d |
     "diag gap \($d.tcp.gaps)",
     "diag gap-bytes \($d.tcp.gap_bytes)",
     "diag cut \($d.tcp.cut_messages)",
     "diag skipped-bytes \($d.tcp.skipped_bytes)",
     "diag incomplete-bytes \($d.tcp.incomplete_bytes)",
     "diag reassembled-datagram \($d.ip_reassembly.reassembled)",
     "diag incomplete-datagram \($d.ip_reassembly.incomplete)",
     "diag anomalous \($d.sip_with_anomalies)",
     "diag unparseable \($d.sip_unparseable)",
     "diag uncorrelated \($d.sip_uncorrelated)",
     "diag calls \($d.calls)",
     "diag dropped \($d.messages_dropped)",
     ($d.events // {} | to_entries[] | "diag event:\(.key) \(.value)"))
'

# Compare the expectations (file 1) with the jq lines (file 2); prints "ok"
# or the differences (the first one unless verbose=1).
# shellcheck disable=SC2016
awk_prog='
function fail(s) { if (!bad || verbose) print s (bad ? "" : cnt); bad = 1 }
function desc(kind, cseq, cid, src, dst, tp, fl, tm) {
    return kind " " cseq " " cid " " src " -> " dst " " tp " flags=" fl (tm != "" ? " " tm : "")
}
function edesc(k) { return desc(e_kind[k], e_cseq[k], e_cid[k], e_src[k], e_dst[k], e_tp[k], e_fl[k], e_tm[k]) }
function adesc(k) { return desc(a_kind[k], a_cseq[k], a_cid[k], a_src[k], a_dst[k], a_tp[k], a_fl[k], "") }
function has(list, f,    n, i, x) {
    n = split(list, x, ",")
    for (i = 1; i <= n; i++) if (x[i] == f) return 1
    return 0
}
# "" when expected message e matches actual message a, else what differs
function differ(e, a,    n, i, x, w) {
    if (e_kind[e] != a_kind[a]) return "method/status " a_kind[a] ", expected " e_kind[e]
    if (e_cseq[e] != a_cseq[a]) return "cseq " a_cseq[a] ", expected " e_cseq[e]
    if (e_cid[e] != a_cid[a]) return "call_id " a_cid[a] ", expected " e_cid[e]
    if (e_src[e] != a_src[a] || e_dst[e] != a_dst[a])
        return a_src[a] " -> " a_dst[a] ", expected " e_src[e] " -> " e_dst[e]
    if (e_tp[e] != a_tp[a]) return "transport " a_tp[a] ", expected " e_tp[e]
    n = split(e_fl[e], x, ",")
    for (i = 1; i <= n; i++)
        if (x[i] != "-" && !has(a_fl[a], x[i])) return "flags " a_fl[a] ", expected " e_fl[e] " (" x[i] " missing)"
    n = split(a_fl[a], x, ",")
    for (i = 1; i <= n; i++)
        if ((x[i] in strict) && !has(e_fl[e], x[i])) return "flags " a_fl[a] ", expected " e_fl[e] " (" x[i] " not expected)"
    if (e_tm[e] != "" && e_tm[e] != a_tm[a]) return a_tm[a] ", expected " e_tm[e]
    return ""
}
BEGIN {
    split("cut-by-gap after-gap hep truncated tunnelled icmp-quoted retransmission", s, " ")
    for (i in s) strict[s[i]] = 1
}
FNR == NR {
    if ($1 == "order") mode = $2
    else if ($1 == "messages") nexp = $2 + 0
    else if ($1 == "msg") {
        k = ++ne
        e_kind[k] = $2; e_cseq[k] = $3; e_cid[k] = $4; e_src[k] = $5; e_dst[k] = $6; e_tp[k] = $7; e_fl[k] = $8
        e_tm[k] = NF >= 9 ? $9 : ""
    } else if ($1 == "diag") { dn[++nd] = $2; dv[$2] = $3 }
    else if ($1 == "end") ended = 1
    next
}
$1 == "msg" {
    k = ++na
    a_kind[k] = $2; a_cseq[k] = $3; a_cid[k] = $4; a_src[k] = $5; a_dst[k] = $6; a_tp[k] = $7; a_fl[k] = $8
    a_tm[k] = $9
    next
}
$1 == "diag" { av[$2] = $3; next }
END {
    if (!ended || ne != nexp) { print "the .expect file is incomplete"; exit }
    cnt = na != ne ? " [" na " messages, expected " ne "]" : ""
    if (mode == "stream") {
        # per direction: the k-th message from src to dst
        for (k = 1; k <= ne; k++) {
            key = e_src[k] " -> " e_dst[k]
            if (!(key in ecount)) keys[++nkeys] = key
            eidx[key, ++ecount[key]] = k
        }
        for (k = 1; k <= na; k++) {
            key = a_src[k] " -> " a_dst[k]
            if (!(key in ecount) && !(key in acount)) keys[++nkeys] = key
            aidx[key, ++acount[key]] = k
        }
        for (j = 1; j <= nkeys && (!bad || verbose); j++) {
            key = keys[j]
            m = ecount[key] > acount[key] ? ecount[key] : acount[key]
            for (i = 1; i <= m; i++) {
                if (i > acount[key]) { fail("direction " key ": message " i " missing: expected " edesc(eidx[key, i])); break }
                if (i > ecount[key]) { fail("direction " key ": message " i " not expected: " adesc(aidx[key, i]) " (index " aidx[key, i] - 1 ")"); break }
                d = differ(eidx[key, i], aidx[key, i])
                if (d != "") { fail("direction " key ": message " i " (index " aidx[key, i] - 1 "): " d "; expected " edesc(eidx[key, i])); break }
            }
        }
    } else {
        m = ne > na ? ne : na
        for (k = 1; k <= m && (!bad || verbose); k++) {
            if (k > na) { fail("message " k - 1 " missing: expected " edesc(k)); break }
            if (k > ne) { fail("message " k - 1 " not expected: " adesc(k)); break }
            d = differ(k, k)
            if (d != "") fail("message " k - 1 ": " d "; expected " edesc(k))
        }
    }
    for (i = 1; i <= nd && (!bad || verbose); i++) {
        name = dn[i]; want = dv[name]
        if (name ~ /^event:/) got = (name in av) ? av[name] : 0
        else if (!(name in av) || av[name] == "null") { fail("diagnostic " name ": not in the JSON"); continue }
        else got = av[name]
        if (want ~ /^>=/) { if (got + 0 < substr(want, 3) + 0) fail("diagnostic " name " = " got ", expected " want) }
        else if (got + 0 != want + 0) fail("diagnostic " name " = " got ", expected " want)
    }
    if (!bad && cnt != "") fail(substr(cnt, 3, length(cnt) - 3))
    if (!bad) print "ok"
}
'

pass=0 fail=0
failed=()
for exp in "$work"/cases/*.expect; do
    [ -e "$exp" ] || continue
    name=$(basename "$exp" .expect)
    pcap=${exp%.expect}.pcap
    json=$work/$name.json
    res=""
    "$SIPLADDER" -q --format json "$pcap" > "$json" 2> "$json.err"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        res="sipladder --format json exited $rc ($(head -c 200 "$json.err"))"
    elif ! jq -r "$jq_prog" "$json" > "$json.lines" 2> "$json.jqerr"; then
        res="jq could not read sipladder's JSON ($(head -c 200 "$json.jqerr"))"
    else
        res=$(awk -v verbose="${TORTURE_VERBOSE:-0}" "$awk_prog" "$exp" "$json.lines")
    fi
    if [ "$res" = ok ]; then
        echo "$me $name: ok"
        pass=$((pass + 1))
    else
        first=${res%%$'\n'*}
        echo "$me $name: FAIL: $first"
        [ "$res" != "$first" ] && printf '%s\n' "${res#*$'\n'}" | sed 's/^/    /'
        fail=$((fail + 1))
        failed+=("$name")
    fi
done

[ ${#failed[@]} -gt 0 ] && echo "$me: failed cases: ${failed[*]}"
echo "$me: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
