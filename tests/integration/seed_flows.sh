#!/usr/bin/env bash
# tests/integration/seed_flows.sh — the worked call flows of the Cisco Unified
# CM SIP trunk messaging guide (seed file 002_37d0785a200753ae.txt), turned
# into captures by tools/seed2pcap, checked against sipladder.
#
# tools/seed2pcap (built here with cc -O2 into build/tools/) writes one
# NN-slug.pcap + NN-slug.expect per flow; the expectations come from the text
# of the guide only (see the format in tools/seed2pcap.c). For every flow:
#   `$SIPLADDER --format json FLOW.pcap`, checked with jq + awk:
#     - the message count equals the expectation;
#     - messages appear in capture order with the expected method/status,
#       cseq.seq, call_id, src, dst (and from_tag/to_tag);
#     - retransmission is set exactly on the messages that repeat an earlier
#       one of the same transaction (same start line, direction, To tag,
#       RSeq) — the guide has such repeats (12.3: re-INVITE/BYE retries);
#     - every message is correlated (call and dialog not null);
#     - the number of calls equals the number of distinct Call-IDs, and
#       every message is in the call that has its Call-ID;
#     - within a call, messages with the same unordered (from_tag, to_tag)
#       pair are in the same dialog, a request without a To tag is in the
#       dialog of the first response of its transaction that has one, and a
#       response without a To tag is in its request's dialog;
#   `NO_COLOR=1 $SIPLADDER FLOW.pcap` exits 0 and prints one ladder row per
#   message.
# Prints "flow NN title: ok" or the first mismatch per flow, then
# "seed_flows: N passed, N failed". Exit 0 pass, 1 fail, 77 skip (seed file
# or jq missing).
#
# Environment: SIPLADDER (default ./sipladder in the repository root),
# SIPLADDER_SEEDS (directory holding the seed file; default
# <repo>/../shared/seeds), KEEP_WORK=1 keeps the generated captures,
# SEED_FLOWS_ONLY="1.1 4.2" runs only those sections.
set -uo pipefail

me=seed_flows
seed_name=002_37d0785a200753ae.txt

# Flows whose *text* is ambiguous or broken, by section number, with the
# reason. A flow listed here is reported as "excluded" and not checked.
# (Flows where sipladder is wrong are failures and must not be listed.)
declare -A EXCLUDE=(
)

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null) || root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1

seed_dir=${SIPLADDER_SEEDS:-$root/../shared/seeds}
seed=$seed_dir/$seed_name
if [ ! -f "$seed" ]; then
    echo "$me: seed file not found at $seed — skipped"
    exit 77
fi
if ! command -v jq >/dev/null 2>&1; then
    echo "$me: jq not found (apt-get install jq) — skipped"
    exit 77
fi

SIPLADDER=${SIPLADDER:-./sipladder}
if [ ! -x "$SIPLADDER" ]; then
    echo "$me: FAIL: sipladder binary not found at $SIPLADDER (make sipladder)"
    exit 1
fi

mkdir -p build/tools
if ! cc -O2 -std=c11 -o build/tools/seed2pcap tools/seed2pcap.c tools/pcapw.c; then
    echo "$me: FAIL: cannot build tools/seed2pcap"
    exit 1
fi

work=$(mktemp -d)
cleanup() {
    if [ -n "${KEEP_WORK:-}" ]; then echo "$me: work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

if ! build/tools/seed2pcap "$seed" "$work/flows" 2> "$work/seed2pcap.err"; then
    sed 's/^/  /' "$work/seed2pcap.err"
    echo "$me: FAIL: seed2pcap failed on $seed"
    exit 1
fi
tail -n 1 "$work/seed2pcap.err"

pass=0 fail=0 excluded=0
failed=()

wanted() { # section
    [ -z "${SEED_FLOWS_ONLY:-}" ] && return 0
    local s
    for s in $SEED_FLOWS_ONLY; do [ "$s" = "$1" ] && return 0; done
    return 1
}

# Flows seed2pcap could not extract: a failure unless excluded.
if [ -s "$work/flows/skipped.txt" ]; then
    while IFS=$'\t' read -r nn sec title reason; do
        wanted "$sec" || continue
        if [ -n "${EXCLUDE[$sec]:-}" ]; then
            echo "flow $nn $sec $title: excluded (${EXCLUDE[$sec]})"
            excluded=$((excluded + 1))
            continue
        fi
        echo "flow $nn $sec $title: FAIL: seed2pcap could not extract it: $reason"
        fail=$((fail + 1))
        failed+=("$sec")
    done < "$work/flows/skipped.txt"
fi

# sipladder JSON -> one line per call / message, space separated, "-" = null.
# shellcheck disable=SC2016  # jq and awk programs: no shell expansion wanted
jq_prog='
  "calls \(.calls | length)",
  (.calls[] | "call \(.index) \(.call_id)"),
  (.messages[] | "msg \(.index) \(.method // (.status | tostring)) \(.cseq.seq // "-") \(.call_id // "-") \(.src) \(.dst) \(.from_tag // "-") \(.to_tag // "-") \(.call // "-") \(.dialog // "-") \(.retransmission)")
'

# Compare expect (file 1) with the jq lines (file 2); prints "ok" or the
# first mismatch.
# shellcheck disable=SC2016
awk_prog='
function fail(s) { if (!bad) { print s; bad = 1 } }
FNR == NR {
    if ($1 == "messages") nexp = $2 + 0
    else if ($1 == "callids") ncid = $2 + 0
    else if ($1 == "msg") {
        k = ++ne
        e_no[k] = $2; e_kind[k] = $3; e_cseq[k] = $4; e_cid[k] = $6; e_src[k] = $7; e_dst[k] = $8
        e_ft[k] = $9; e_tt[k] = $10; e_txn[k] = $11; e_rtx[k] = $12
        e_req[k] = ($3 !~ /^[0-9]+$/)
    }
    next
}
$1 == "calls" { ncalls = $2 + 0; next }
$1 == "call"  { call_cid[$2] = $3; next }
$1 == "msg" {
    k = ++na
    a_kind[k] = $3; a_cseq[k] = $4; a_cid[k] = $5; a_src[k] = $6; a_dst[k] = $7
    a_ft[k] = $8; a_tt[k] = $9; a_call[k] = $10; a_dlg[k] = $11; a_rtx[k] = ($12 == "true")
    next
}
END {
    if (na != nexp) fail(sprintf("%d messages, expected %d", na, nexp))
    n = na < ne ? na : ne
    for (k = 1; k <= n && !bad; k++) {
        w = "message [" e_no[k] "] (index " k - 1 ")"
        if (a_kind[k] != e_kind[k]) fail(w ": method/status " a_kind[k] ", expected " e_kind[k])
        else if (a_cseq[k] != e_cseq[k]) fail(w ": cseq.seq " a_cseq[k] ", expected " e_cseq[k])
        else if (a_cid[k] != e_cid[k]) fail(w ": call_id " a_cid[k] ", expected " e_cid[k])
        else if (a_src[k] != e_src[k] || a_dst[k] != e_dst[k])
            fail(w ": " a_src[k] " -> " a_dst[k] ", expected " e_src[k] " -> " e_dst[k])
        else if (a_ft[k] != e_ft[k] || a_tt[k] != e_tt[k])
            fail(w ": tags from=" a_ft[k] " to=" a_tt[k] ", expected from=" e_ft[k] " to=" e_tt[k])
        else if (a_rtx[k] != e_rtx[k])
            fail(w ": retransmission=" (a_rtx[k] ? "true" : "false") ", expected " (e_rtx[k] ? "true" : "false"))
        else if (a_call[k] == "-") fail(w ": not correlated (call null)")
        else if (a_dlg[k] == "-") fail(w ": no dialog (dialog null)")
        else if (call_cid[a_call[k]] != e_cid[k])
            fail(w ": in call " a_call[k] " whose Call-ID is " call_cid[a_call[k]] ", expected " e_cid[k])
    }
    if (bad) exit
    if (ncalls != ncid) { fail(sprintf("%d calls, expected %d (distinct Call-IDs)", ncalls, ncid)); exit }
    # same unordered tag pair -> same dialog (within a call)
    for (k = 1; k <= n && !bad; k++) {
        if (e_ft[k] == "-" || e_tt[k] == "-") continue
        key = e_cid[k] SUBSEP (e_ft[k] < e_tt[k] ? e_ft[k] SUBSEP e_tt[k] : e_tt[k] SUBSEP e_ft[k])
        if (!(key in pair_dlg)) { pair_dlg[key] = a_dlg[k]; pair_first[key] = k; continue }
        if (pair_dlg[key] != a_dlg[k]) {
            j = pair_first[key]
            fail("message [" e_no[k] "]: dialog " a_dlg[k] ", but message [" e_no[j] "] with the same tag pair is in dialog " pair_dlg[key])
        }
    }
    # requests without a To tag: the dialog of the first tagged response of
    # their transaction; responses without a To tag: their request dialog
    for (k = 1; k <= n && !bad; k++) {
        if (e_tt[k] != "-") continue
        if (e_req[k]) {
            for (j = k + 1; j <= n; j++)
                if (!e_req[j] && e_txn[j] == e_txn[k] && e_cid[j] == e_cid[k] && e_tt[j] != "-") break
            if (j <= n && a_dlg[j] != a_dlg[k])
                fail("message [" e_no[k] "] (request without To tag): dialog " a_dlg[k] ", but the first tagged response of its transaction, [" e_no[j] "], is in dialog " a_dlg[j])
        } else {
            for (j = k - 1; j >= 1; j--)
                if (e_req[j] && e_txn[j] == e_txn[k] && e_cid[j] == e_cid[k]) break
            if (j >= 1 && a_dlg[j] != a_dlg[k])
                fail("message [" e_no[k] "] (response without To tag): dialog " a_dlg[k] ", but its request [" e_no[j] "] is in dialog " a_dlg[j])
        }
    }
    if (!bad) print "ok"
}
'

for exp in "$work"/flows/*.expect; do
    [ -e "$exp" ] || continue
    pcap=${exp%.expect}.pcap
    nn=$(awk '$1 == "flow" { print $2; exit }' "$exp")
    sec=$(awk '$1 == "section" { print $2; exit }' "$exp")
    title=$(awk '$1 == "title" { sub(/^title /, ""); print; exit }' "$exp")
    nmsg=$(awk '$1 == "messages" { print $2; exit }' "$exp")
    wanted "$sec" || continue
    label="flow $nn $sec $title"
    if [ -n "${EXCLUDE[$sec]:-}" ]; then
        echo "$label: excluded (${EXCLUDE[$sec]})"
        excluded=$((excluded + 1))
        continue
    fi
    res=""
    json=$work/$(basename "${exp%.expect}").json
    "$SIPLADDER" -q --format json "$pcap" > "$json" 2> "$json.err"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        res="sipladder --format json exited $rc ($(head -c 200 "$json.err"))"
    elif ! jq -r "$jq_prog" "$json" > "$json.lines" 2> "$json.jqerr"; then
        res="jq could not read sipladder's JSON ($(head -c 200 "$json.jqerr"))"
    else
        res=$(awk "$awk_prog" "$exp" "$json.lines")
    fi
    if [ "$res" = ok ]; then
        txt=$work/$(basename "${exp%.expect}").txt
        NO_COLOR=1 "$SIPLADDER" "$pcap" > "$txt" 2> "$txt.err"
        rc=$?
        if [ "$rc" -ne 0 ]; then
            res="text ladder: sipladder exited $rc"
        else
            rows=$(grep -cE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} ' "$txt")
            [ "$rows" -eq "$nmsg" ] || res="text ladder: $rows rows, expected $nmsg"
        fi
    fi
    if [ "$res" = ok ]; then
        echo "$label: ok"
        pass=$((pass + 1))
    else
        echo "$label: FAIL: $res"
        fail=$((fail + 1))
        failed+=("$sec")
    fi
done

[ "$excluded" -gt 0 ] && echo "$me: $excluded excluded (text ambiguous or broken; see EXCLUDE in $0)"
[ ${#failed[@]} -gt 0 ] && echo "$me: failed sections: ${failed[*]}"
echo "$me: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
