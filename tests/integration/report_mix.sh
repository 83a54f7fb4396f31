#!/usr/bin/env bash
# tests/integration/report_mix.sh — `sipladder report` on a generated load with
# a known mix, then on every file of the real-capture corpus.
#
# Eight sipp pairs run at the same time on 127.0.0.1 (UDP ports picked free
# from 16000-16999, 16 consecutive), captured with tcpdump on lo as
# tests/integration/sipp_calls.sh does; scenarios in tests/integration/scenarios/
# (mix-uac-fail.xml / mix-uas-fail.xml are templates: @CODE@ @PHRASE@):
#
#   run          calls  UAS behaviour                              caller        expected
#   ans-short      6    100, 200 ms, 180, 200                      BYE after 0.3 s, no Reason        answered, caller, 16 implied
#   ans-reason     4    100, 200 ms, 180, 200                      BYE after 1.5 s, Q.850 16         answered, caller, 16 reason
#   ans-callee     3    100, 200 ms, 180, 200; BYE after 1.2 s     (waits)      answered, callee, 31 reason (Q.850 31 on the BYE)
#   busy           5    100, 100 ms, 486                           ACK          busy, callee, 17 mapped
#   notfound       3    100, 100 ms, 404                           ACK          failed, callee, 1 mapped
#   unavail        3    100, 100 ms, 503 + Reason Q.850 34         ACK          failed, callee, 34 reason, conflict (Table 1-26: 41)
#   decline        2    100, 100 ms, 603                           ACK          rejected, callee, 21 mapped
#   noanswer       4    100, 200 ms, 180; 200+487 to the CANCEL    CANCEL after 0.5 s   no answer, caller, 31 mapped
#
# So, when every sipp run completes all its calls: 30 attempts, 30 completed,
# 13 answered, 5 busy, 4 no answer, 2 rejected, 6 failed;
# ASR = 13/30, NER = (13 + 5 + 4 + 2)/30 = 0.8; with --short-call 1s the 6
# short calls of ans-short give a ratio of 6/13; PDD (INVITE -> 180: the 17
# attempts with a 180) lies within the UAS's 200 ms pause (checked: 0.200 s
# <= min, max <= 0.400 s, and mean/p50/p95/p99 in that range).
# The expected numbers are derived from the calls each sipp UAC really
# completed (its -trace_stat file); the check fails if any run did not make all
# of its calls.
#
# Then `sipladder report` (text and JSON) must complete on every capture of
# the corpus (default <repo>/../shared/corpus/real, or SIPLADDER_CORPUS) with
# the exit status of the main command on the same file (0, or 2 for an input
# that cannot be read completely), never a crash, and valid JSON. A missing
# corpus is skipped with a message.
#
# Environment: SIPLADDER (default build/sipladder), SIPLADDER_CORPUS,
# KEEP_WORK=1 keeps the capture and reports, REPORT_MIX_ONLY=corpus runs the
# corpus part alone.
# Exit 0 pass, 1 fail, 77 skip (sipp/tcpdump/jq missing, or no capture
# privilege; the corpus part still runs). With CI=true a skip is a failure.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
SIPLADDER=${SIPLADDER:-$root/build/sipladder}
scen=$root/tests/integration/scenarios
me=report_mix

skip() {
    if [ "${CI:-}" = true ]; then
        echo "$me: $* — cannot skip in CI (CI=true): FAIL"
        exit 1
    fi
    echo "$me: $* — skipped"
    exit 77
}
fail() { echo "$me: FAIL: $*"; exit 1; }

[ -x "$SIPLADDER" ] || fail "sipladder binary not found at $SIPLADDER"
"$SIPLADDER" report --help > /dev/null 2>&1 ||
    fail "$SIPLADDER has no 'report' subcommand (src/main.c must dispatch to report_main)"

work=$(mktemp -d)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [ -n "${KEEP_WORK:-}" ]; then echo "$me: work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

errors=0
check() { # description jq-expression (must yield true) [file]
    local res
    res=$(jq -r "$2" "${3:-$work/report.json}" 2>&1)
    if [ "$res" = true ]; then
        echo "  ok   $1"
    else
        echo "  FAIL $1"
        errors=$((errors + 1))
    fi
}
val() { jq -r "$1" "$work/report.json" 2>/dev/null; }

# ---------------------------------------------------------------------------------
# Part 1: the generated mix
# ---------------------------------------------------------------------------------
mix() {
    local tools=(sipp tcpdump jq ss) missing=() t
    for t in "${tools[@]}"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
    if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ]; then
        echo "$me: missing ${missing[*]}; trying scripts/deps.sh test"
        "$root/scripts/deps.sh" test >/dev/null 2>&1 || true
        missing=()
        for t in "${tools[@]}"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        mix_skipped="missing tools: ${missing[*]} (apt-get install sip-tester tcpdump jq iproute2)"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        mix_skipped="not root: cannot capture on lo with tcpdump"
        return 0
    fi

    # --- 16 consecutive free UDP ports from 16000-16999 ---------------------------
    udp_busy() { ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }
    local ports=() base attempt b i ok
    base=$(( 16000 + (($$ * 7) % 60) * 16 ))
    for attempt in $(seq 0 59); do
        b=$(( 16000 + ((base - 16000 + attempt * 16) % 960) ))
        ok=1
        for i in $(seq 0 15); do udp_busy $((b + i)) && { ok=0; break; }; done
        if [ "$ok" -eq 1 ]; then for i in $(seq 0 15); do ports+=($((b + i))); done; break; fi
    done
    [ ${#ports[@]} -eq 16 ] || fail "no 16 consecutive free UDP ports in 16000-16999"
    echo "$me: ports ${ports[0]}-${ports[15]}"

    # --- capture ---------------------------------------------------------------------
    local filter="udp and host 127.0.0.1 and portrange ${ports[0]}-${ports[15]}"
    local tcpdump_cmd=(tcpdump -i lo -n -U --immediate-mode -Z root -w "$work/capture.pcap" "$filter")
    echo "$me: ${tcpdump_cmd[*]}"
    timeout 120 "${tcpdump_cmd[@]}" 2> "$work/tcpdump.err" &
    local tcpdump_pid=$!
    pids+=("$tcpdump_pid")
    for _ in $(seq 1 100); do
        grep -q 'listening on' "$work/tcpdump.err" 2>/dev/null && break
        kill -0 "$tcpdump_pid" 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q 'listening on' "$work/tcpdump.err"; then
        cat "$work/tcpdump.err"
        mix_skipped="tcpdump could not start capturing on lo"
        return 0
    fi

    # --- sipp runs -----------------------------------------------------------------------
    # run NAME UAS_XML UAC_XML CALLS HOLD_MS REASON_AT_UAS REASON_AT_UAC
    declare -gA want_calls=()
    local uac_pids=() uac_names=() slot=0
    start_run() {
        local name=$1 uas_sf=$2 uac_sf=$3 calls=$4 hold=$5 uas_reason=$6 uac_reason=$7
        local uas_port=${ports[$((slot * 2))]} uac_port=${ports[$((slot * 2 + 1))]}
        slot=$((slot + 1))
        local uas_cmd=(sipp -sf "$uas_sf" -i 127.0.0.1 -p "$uas_port" -mp $((40000 + (uas_port - 16000) * 4))
                       -m "$calls" -d "$hold" -key reason "$uas_reason" -nd -nostdin -timeout 60s)
        local uac_cmd=(sipp 127.0.0.1:"$uas_port" -sf "$uac_sf" -i 127.0.0.1 -p "$uac_port"
                       -mp $((40000 + (uac_port - 16000) * 4)) -s bob -m "$calls" -r 10 -d "$hold"
                       -key reason "$uac_reason" -nd -nostdin -timeout 60s
                       -cid_str "mix-$name-%u@127.0.0.1" -trace_stat -stf "$work/$name.uac.stat.csv" -fd 1)
        echo "$me: ${uas_cmd[*]}"
        echo "$me: ${uac_cmd[*]}"
        timeout 90 "${uas_cmd[@]}" > "$work/$name.uas.log" 2>&1 &
        pids+=($!)
        local i
        for i in $(seq 1 50); do udp_busy "$uas_port" && break; sleep 0.1; done
        udp_busy "$uas_port" || fail "$name: sipp UAS did not bind $uas_port: $(tail -n 5 "$work/$name.uas.log")"
        timeout 90 "${uac_cmd[@]}" > "$work/$name.uac.log" 2>&1 &
        uac_pids+=($!)
        pids+=($!)
        uac_names+=("$name")
        want_calls[$name]=$calls
    }
    fail_pair() { # CODE PHRASE -> writes the two instantiated templates
        sed -e "s/@CODE@/$1/g" -e "s/@PHRASE@/$2/g" "$scen/mix-uas-fail.xml" > "$work/uas-$1.xml"
        sed -e "s/@CODE@/$1/g" -e "s/@PHRASE@/$2/g" "$scen/mix-uac-fail.xml" > "$work/uac-$1.xml"
    }
    fail_pair 486 "Busy Here"
    fail_pair 404 "Not Found"
    fail_pair 503 "Service Unavailable"
    fail_pair 603 "Decline"
    local none="X-Mix: no-reason"
    start_run ans-short  "$scen/mix-uas-answer.xml" "$scen/mix-uac-answer.xml" 6 300  "$none" "$none"
    start_run ans-reason "$scen/mix-uas-answer.xml" "$scen/mix-uac-answer.xml" 4 1500 "$none" \
        'Reason: Q.850;cause=16;text="Normal call clearing"'
    start_run ans-callee "$scen/mix-uas-bye.xml"    "$scen/mix-uac-wait.xml"   3 1200 'Reason: Q.850;cause=31' "$none"
    start_run busy       "$work/uas-486.xml"        "$work/uac-486.xml"        5 100  "$none" "$none"
    start_run notfound   "$work/uas-404.xml"        "$work/uac-404.xml"        3 100  "$none" "$none"
    start_run unavail    "$work/uas-503.xml"        "$work/uac-503.xml"        3 100  'Reason: Q.850;cause=34' "$none"
    start_run decline    "$work/uas-603.xml"        "$work/uac-603.xml"        2 100  "$none" "$none"
    start_run noanswer   "$scen/mix-uas-cancel.xml" "$scen/mix-uac-cancel.xml" 4 500  "$none" "$none"

    # --- wait; calls each UAC completed ------------------------------------------------
    stat_col() {
        awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
                               { last = $c } END { print (c ? last + 0 : -1) }' "$1"
    }
    declare -gA made=()
    local bad=0 name rc ok_calls failed_calls
    for i in "${!uac_pids[@]}"; do
        name=${uac_names[$i]}
        rc=0
        wait "${uac_pids[$i]}" || rc=$?
        ok_calls=-1 failed_calls=-1
        if [ -f "$work/$name.uac.stat.csv" ]; then
            ok_calls=$(stat_col "$work/$name.uac.stat.csv" 'SuccessfulCall(C)')
            failed_calls=$(stat_col "$work/$name.uac.stat.csv" 'FailedCall(C)')
        fi
        echo "$me: $name: sipp UAC exit $rc, successful $ok_calls, failed $failed_calls (launched ${want_calls[$name]})"
        if [ "$rc" -ne 0 ] || [ "$ok_calls" != "${want_calls[$name]}" ] || [ "$failed_calls" != 0 ]; then
            echo "$me: $name: sipp run did not complete all calls; last lines of its log:"
            tail -n 25 "$work/$name.uac.log" | sed 's/^/    /'
            bad=1
        fi
        made[$name]=$ok_calls
    done
    sleep 1
    kill -INT "$tcpdump_pid" 2>/dev/null
    wait "$tcpdump_pid" 2>/dev/null
    [ "$bad" -eq 0 ] || fail "a sipp run failed (see above): the capture would not be a clean reference"

    # --- expected numbers, from the calls made -------------------------------------------
    local n_short=${made[ans-short]} n_reason=${made[ans-reason]} n_callee=${made[ans-callee]}
    local n_busy=${made[busy]} n_nf=${made[notfound]} n_503=${made[unavail]} n_603=${made[decline]}
    local n_na=${made[noanswer]}
    local attempts=$((n_short + n_reason + n_callee + n_busy + n_nf + n_503 + n_603 + n_na))
    local answered=$((n_short + n_reason + n_callee))
    local user=$((answered + n_busy + n_na + n_603))
    local failed=$((n_nf + n_503))
    local with_180=$((answered + n_na))
    echo "$me: expected: $attempts attempts, $answered answered, $n_busy busy, $n_na no answer, $n_603 rejected, $failed failed"
    echo "$me: expected: ASR $answered/$attempts, NER $user/$attempts, short calls $n_short/$answered"

    # --- the report -------------------------------------------------------------------------
    local rcj=0 rct=0
    "$SIPLADDER" report --format json --short-call 1s "$work/capture.pcap" > "$work/report.json" 2> "$work/report.err" || rcj=$?
    NO_COLOR=1 "$SIPLADDER" report --short-call 1s "$work/capture.pcap" > "$work/report.txt" 2>> "$work/report.err" || rct=$?
    [ "$rcj" -eq 0 ] && [ "$rct" -eq 0 ] || { head -n 20 "$work/report.err"; fail "sipladder report exited $rcj (json) / $rct (text)"; }
    jq -e . "$work/report.json" > /dev/null 2>&1 || fail "report JSON is not valid JSON"
    sed -n '/^KPIs/,/^Dispositions/p' "$work/report.txt" | sed 's/^/   | /'

    check "attempts == $attempts" ".summary.attempts == $attempts and .kpi.attempts == $attempts"
    check "completed == $attempts (none incomplete)" ".kpi.completed == $attempts and .summary.incomplete == 0"
    check "answered == $answered" ".kpi.dispositions.answered == $answered"
    check "busy == $n_busy" ".kpi.dispositions.busy == $n_busy"
    check "no_answer == $n_na" ".kpi.dispositions.no_answer == $n_na"
    check "rejected == $n_603" ".kpi.dispositions.rejected == $n_603"
    check "failed == $failed" ".kpi.dispositions.failed == $failed"
    check "redirected == 0" ".kpi.dispositions.redirected == 0"
    check "ASR == $answered/$attempts exactly" "(.kpi.asr * $attempts | . * 1000 | round) == ($answered * 1000)"
    check "NER == $user/$attempts exactly" "(.kpi.ner * $attempts | . * 1000 | round) == ($user * 1000)"
    check "asr, ner, acd, pdd keys present" '.kpi | has("asr") and has("ner") and has("acd") and has("pdd")'
    check "short calls: $n_short of $answered ended calls" \
        ".kpi.short_calls.count == $n_short and .kpi.short_calls.ended == $answered"
    check "PDD over the $with_180 attempts with a 180" ".kpi.pdd.n == $with_180"
    check "PDD within the UAS's 200 ms pause (0.200 <= min, max <= 0.400)" \
        '.kpi.pdd.min >= 0.2 and .kpi.pdd.max <= 0.4'
    check "PDD mean, p50, p95, p99 within [0.200, 0.400]" \
        '[.kpi.pdd.mean, .kpi.pdd.p50, .kpi.pdd.p95, .kpi.pdd.p99] | all(. >= 0.2 and . <= 0.4)'
    echo "  pdd: $(val '.kpi.pdd | "n \(.n) mean \(.mean) p50 \(.p50) p95 \(.p95) p99 \(.p99) min \(.min) max \(.max)"')"
    check "ACD between the hold times (0.3 s .. 1.5 s + slack)" '.kpi.acd > 0.3 and .kpi.acd < 1.8'
    count_code() { echo "([.sip_status[] | select(.code == $1) | .count] | add // 0) == $2"; }
    check "sip_status 200 x $answered" "$(count_code 200 "$answered")"
    check "sip_status 486 x $n_busy" "$(count_code 486 "$n_busy")"
    check "sip_status 404 x $n_nf" "$(count_code 404 "$n_nf")"
    check "sip_status 503 x $n_503" "$(count_code 503 "$n_503")"
    check "sip_status 603 x $n_603" "$(count_code 603 "$n_603")"
    check "sip_status 487 x $n_na" "$(count_code 487 "$n_na")"
    cause() { echo "([.q850_causes[] | select(.cause == $1)][0] // {count:0,from_reason:0,mapped:0,implied:0}) as \$c | \$c.count == $2 and \$c.from_reason == $3 and \$c.mapped == $4 and \$c.implied == $5"; }
    check "cause 16: $((n_short + n_reason)) ($n_reason Reason, $n_short implied)" "$(cause 16 $((n_short + n_reason)) "$n_reason" 0 "$n_short")"
    check "cause 31: $((n_callee + n_na)) ($n_callee Reason, $n_na mapped from 487)" "$(cause 31 $((n_callee + n_na)) "$n_callee" "$n_na" 0)"
    check "cause 17: $n_busy mapped" "$(cause 17 "$n_busy" 0 "$n_busy" 0)"
    check "cause 1: $n_nf mapped" "$(cause 1 "$n_nf" 0 "$n_nf" 0)"
    check "cause 34: $n_503 from Reason" "$(cause 34 "$n_503" "$n_503" 0 0)"
    check "cause 21: $n_603 mapped" "$(cause 21 "$n_603" 0 "$n_603" 0)"
    check "conflicts == $n_503 (503 with Q.850 34; Table 1-26 maps 503 to 41)" ".conflicts == $n_503"
    check "matrix 503 x 34 == $n_503" "([.matrix[] | select(.code == 503 and .cause == 34) | .count] | add // 0) == $n_503"
    by_run() { # run field value count
        echo "[.calls[] | select(.call_id | startswith(\"mix-$1-\")) | select($2 == $3)] | length == $4"
    }
    check "ans-short: released by the caller, BYE" "$(by_run ans-short '.release.side + "/" + .release.by' '"caller/BYE"' "$n_short")"
    check "ans-reason: released by the caller, cause from the Reason" "$(by_run ans-reason '.release.side + "/" + .q850.source' '"caller/reason"' "$n_reason")"
    check "ans-callee: released by the callee" "$(by_run ans-callee '.release.side' '"callee"' "$n_callee")"
    check "busy/notfound/unavail/decline: released by the callee (response)" \
        "[.calls[] | select(.call_id | test(\"^mix-(busy|notfound|unavail|decline)-\")) | select(.release.side == \"callee\" and .release.by == \"response\")] | length == $((n_busy + n_nf + n_503 + n_603))"
    check "noanswer: released by the caller (CANCEL)" "$(by_run noanswer '.release.side + "/" + .release.by' '"caller/CANCEL"' "$n_na")"
    check "failed_calls lists the $((attempts - answered)) unanswered attempts" ".failed_calls | length == $((attempts - answered))"
    check "no Reason anomalies" '.reason_anomalies.with_anomalies == 0'
    check "one peer per run pair" ".breakdowns.peer | length == 8"
    grep -q "Failed calls (completed, not answered)" "$work/report.txt" || { echo "  FAIL text report has no failed-call list"; errors=$((errors + 1)); }
    grep -q "CONFLICT: Table 1-26 maps 503 to 41" "$work/report.txt" || { echo "  FAIL text report does not show the 503/34 conflict"; errors=$((errors + 1)); }
}

# ---------------------------------------------------------------------------------
# Part 2: the real-capture corpus
# ---------------------------------------------------------------------------------
corpus() {
    local dir=${SIPLADDER_CORPUS:-$root/../shared/corpus/real}
    if [ ! -d "$dir" ]; then
        echo "$me: corpus directory $dir not found — corpus part skipped"
        return 0
    fi
    command -v jq >/dev/null 2>&1 || { echo "$me: jq missing — corpus part skipped"; return 0; }
    local f n=0 bad=0 want rj rt
    for f in "$dir"/*; do
        case "$f" in *.pcap|*.pcapng|*.cap) ;; *) continue ;; esac
        n=$((n + 1))
        want=0
        "$SIPLADDER" -q "$f" > /dev/null 2>&1 || want=$?
        rj=0 rt=0
        timeout 120 "$SIPLADDER" report -q --format json "$f" > "$work/corpus.json" 2> "$work/corpus.err" || rj=$?
        timeout 120 "$SIPLADDER" report -q "$f" > /dev/null 2>> "$work/corpus.err" || rt=$?
        if [ "$rj" -ne "$want" ] || [ "$rt" -ne "$want" ] || [ "$rj" -gt 2 ]; then
            echo "  FAIL corpus $(basename "$f"): report exit $rj (json) / $rt (text), main command $want"
            head -n 5 "$work/corpus.err" | sed 's/^/         /'
            bad=$((bad + 1))
        elif ! jq -e '.schema == "sipladder-report/1"' "$work/corpus.json" > /dev/null 2>&1; then
            echo "  FAIL corpus $(basename "$f"): report JSON invalid"
            bad=$((bad + 1))
        fi
    done
    echo "$me: corpus: $n files, $((n - bad)) ok"
    errors=$((errors + bad))
}

mix_skipped=
if [ "${REPORT_MIX_ONLY:-}" != corpus ]; then
    mix
else
    mix_skipped="REPORT_MIX_ONLY=corpus"
fi
corpus

if [ "$errors" -gt 0 ]; then
    fail "$errors check(s) failed"
fi
[ -z "$mix_skipped" ] || skip "generated mix not run: $mix_skipped (corpus part passed)"
echo "$me: ok"
exit 0
