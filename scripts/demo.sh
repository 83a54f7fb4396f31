#!/usr/bin/env bash
# scripts/demo.sh — render every samples/*.pcap and samples/*.pcapng into out/:
#   out/NAME.txt       text ladder (NO_COLOR=1)
#   out/NAME.json      --format json
#   out/NAME.list.txt  --list
#   out/NAME.svg       --format svg (ladder diagram), out/NAME.png --format png
#   out/report.txt, out/report.svg   release causes and KPIs over all samples
# stderr of the runs goes to out/NAME.log.
# Prints a short summary (calls per file and their states, when jq is
# available). Exits non-zero if sipladder fails on any sample.
# SIPLADDER overrides the binary (default ./sipladder, else build/sipladder).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1

bin=${SIPLADDER:-}
if [ -z "$bin" ]; then
    if [ -x ./sipladder ]; then bin=./sipladder
    elif [ -x build/sipladder ]; then bin=build/sipladder
    else
        echo "demo: ./sipladder not built (run: make)" >&2
        exit 1
    fi
fi

shopt -s nullglob
samples=(samples/*.pcap samples/*.pcapng)
if [ ${#samples[@]} -eq 0 ]; then
    echo "demo: no samples in samples/" >&2
    exit 1
fi

mkdir -p out
have_jq=0
command -v jq >/dev/null 2>&1 && have_jq=1

fail=0
echo "demo: rendering ${#samples[@]} samples with $bin into out/"
for s in "${samples[@]}"; do
    name=$(basename "$s")
    name=${name%.pcapng}
    name=${name%.pcap}
    ok=1
    rm -f "out/$name.log"
    # stderr (diagnostics and the run summary) of all three runs goes to out/NAME.log
    { NO_COLOR=1 "$bin" "$s" > "out/$name.txt" || ok=0
      "$bin" --format json "$s" > "out/$name.json" || ok=0
      "$bin" --list "$s" > "out/$name.list.txt" || ok=0
      "$bin" --format svg --group -o "out/$name.svg" "$s" || ok=0
      "$bin" --format png --group -o "out/$name.png" "$s" || ok=0
    } 2> "out/$name.log"
    if [ "$ok" -eq 0 ]; then
        fail=$((fail + 1))
        printf '  %-28s FAILED\n' "$name"
        sed 's/^/      /' "out/$name.log" | head -n 10
        continue
    fi
    if [ "$have_jq" -eq 1 ]; then
        summary=$(jq -r '
            "\(.messages | length) msgs, \(.calls | length) calls"
            + (if (.calls | length) > 0 then
                 ": " + ([.calls[].state] | group_by(.) | map("\(length) \(.[0])") | join(", "))
               else "" end)' "out/$name.json" 2>/dev/null) || summary="(json not parseable)"
        printf '  %-28s %s\n' "$name" "$summary"
    else
        printf '  %-28s ok\n' "$name"
    fi
done

if ! { NO_COLOR=1 "$bin" report --no-summary "${samples[@]}" > out/report.txt &&
       "$bin" report --format svg --no-summary "${samples[@]}" > out/report.svg; } 2> out/report.log; then
    fail=$((fail + 1)); echo "  report                       FAILED"; sed 's/^/      /' out/report.log | head -n 5
else
    echo "  report                       $(grep -m1 -i 'ASR' out/report.txt | sed 's/^ *//' | cut -c1-60)"
fi
echo "demo: ${#samples[@]} files, $fail failed; outputs in out/ (ladders .txt .svg .png, .json, .list.txt; report.txt/.svg)"
[ "$fail" -eq 0 ]
