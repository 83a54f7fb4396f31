#!/usr/bin/env bash
# samples/make-samples.sh [NAME...] — recreate the sample captures in samples/.
#
# Each sample is one sipp UAS + one sipp UAC on 127.0.0.1, with distinct
# UDP ports per sample, captured on lo by tcpdump with a BPF filter on exactly
# those two ports. Scenarios live in samples/scenarios/. Call-IDs, tags and
# branches are fixed by the scenarios and -cid_str, so a regenerated capture
# has the same messages and header values; only timestamps (and thus
# durations, by a few ms) differ.
#
# After each capture, the SIP message sequence that tshark decodes is checked
# against the expected one and printed.
#
# Needs root (tcpdump on lo), sipp (sip-tester), tcpdump, tshark, ss.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
scen=$here/scenarios

need=()
for t in sipp tcpdump tshark ss; do command -v "$t" >/dev/null 2>&1 || need+=("$t"); done
if [ ${#need[@]} -gt 0 ]; then
    echo "make-samples: missing ${need[*]}; installing test dependencies" >&2
    "$root/scripts/deps.sh" test
fi

work=$(mktemp -d)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -n "${KEEP_WORK:-}" ] && echo "work dir kept: $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

tcpdump_user=()
[ "$(id -u)" -eq 0 ] && tcpdump_user=(-Z root)

port_free() { ! ss -Hlun "sport = :$1" 2>/dev/null | grep -q .; }

wait_udp_listen() { # port timeout_tenths
    local i
    for ((i = 0; i < $2; i++)); do
        ss -Hlun "sport = :$1" 2>/dev/null | grep -q . && return 0
        sleep 0.1
    done
    return 1
}

# run_sample NAME UAS_PORT UAC_PORT UAS_XML UAC_XML "EXPECTED" [extra UAC args...]
#   EXPECTED: space-separated methods/status codes in frame order (as tshark sees them)
run_sample() {
    local name=$1 uas_port=$2 uac_port=$3 uas_xml=$4 uac_xml=$5 expected=$6
    shift 6
    local out=$here/$name.pcap tmp=$work/$name.pcap
    local mp_uas=$((uas_port + 11000)) mp_uac=$((uac_port + 11000))
    [ "$mp_uac" -gt 65000 ] && mp_uac=$((uac_port - 10000))

    for p in "$uas_port" "$uac_port"; do
        port_free "$p" || { echo "make-samples: $name: UDP port $p is busy" >&2; return 1; }
    done

    echo "== $name (UAS 127.0.0.1:$uas_port, UAC 127.0.0.1:$uac_port)"
    local filter="udp and host 127.0.0.1 and (port $uas_port or port $uac_port)"
    local tcpdump_cmd=(tcpdump -i lo -n -U --immediate-mode "${tcpdump_user[@]}" -w "$tmp" "$filter")
    local uas_cmd=(sipp -sf "$scen/$uas_xml" -i 127.0.0.1 -p "$uas_port" -mp "$mp_uas"
                   -m 1 -nd -nostdin -timeout 15s)
    local uac_cmd=(sipp 127.0.0.1:"$uas_port" -sf "$scen/$uac_xml" -i 127.0.0.1 -p "$uac_port"
                   -mp "$mp_uac" -s bob -m 1 -r 1 -nd -nostdin -timeout 15s
                   -cid_str "$name-%u@sipladder.test" "$@")
    printf ' %q' "${tcpdump_cmd[@]}"; echo
    printf ' %q' "${uas_cmd[@]}"; echo
    printf ' %q' "${uac_cmd[@]}"; echo

    timeout 30 "${tcpdump_cmd[@]}" 2>"$work/tcpdump.err" &
    local tcpdump_pid=$!
    pids+=("$tcpdump_pid")
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q 'listening on' "$work/tcpdump.err" 2>/dev/null && break
        sleep 0.1
    done
    grep -q 'listening on' "$work/tcpdump.err" || { cat "$work/tcpdump.err" >&2; return 1; }

    (cd "$work" && timeout 20 "${uas_cmd[@]}" >"$work/$name.uas.log" 2>&1) &
    local uas_pid=$!
    pids+=("$uas_pid")
    wait_udp_listen "$uas_port" 50 || { echo "make-samples: $name: UAS did not start" >&2; return 1; }

    local rc=0
    (cd "$work" && timeout 20 "${uac_cmd[@]}" >"$work/$name.uac.log" 2>&1) || rc=$?
    # UAS exits by itself after its one call (-m 1); bound it anyway.
    local uas_rc=0
    wait "$uas_pid" || uas_rc=$?
    sleep 0.3
    kill -INT "$tcpdump_pid" 2>/dev/null || true
    wait "$tcpdump_pid" || true

    if [ "$rc" -ne 0 ] || [ "$uas_rc" -ne 0 ]; then
        echo "make-samples: $name: sipp UAC rc=$rc UAS rc=$uas_rc" >&2
        tail -n 20 "$work/$name.uac.log" "$work/$name.uas.log" >&2 || true
        return 1
    fi

    local got
    got=$(tshark -r "$tmp" -Y sip -T fields -e sip.Method -e sip.Status-Code 2>/dev/null |
          awk -F'\t' '{ printf "%s%s", (NR > 1 ? " " : ""), ($1 != "" ? $1 : $2) }')
    local nframes nsip
    nframes=$(tshark -r "$tmp" 2>/dev/null | wc -l)
    nsip=$(tshark -r "$tmp" -Y sip 2>/dev/null | wc -l)
    if [ "$nframes" -ne "$nsip" ]; then
        echo "make-samples: $name: $nframes frames but only $nsip decode as SIP" >&2
        return 1
    fi
    if [ "$got" != "$expected" ]; then
        echo "make-samples: $name: unexpected SIP sequence" >&2
        echo "  expected: $expected" >&2
        echo "  got:      $got" >&2
        return 1
    fi
    mv "$tmp" "$out"
    chmod 644 "$out"
    echo "   ok: $got"
    echo "   $(stat -c %s "$out") bytes -> samples/$name.pcap"
}

want() { # selected on the command line (or all)?
    [ ${#sel[@]} -eq 0 ] && return 0
    local s
    for s in "${sel[@]}"; do [ "$s" = "$1" ] && return 0; done
    return 1
}
sel=("$@")

want basic-call    && run_sample basic-call    5060 5061  basic-uas.xml    basic-uac.xml \
    "INVITE 100 180 200 ACK BYE 200"
want busy-486      && run_sample busy-486      5062 5063  busy-uas.xml     busy-uac.xml \
    "INVITE 100 486 ACK"
want cancel-487    && run_sample cancel-487    5064 5065  cancel-uas.xml   cancel-uac.xml \
    "INVITE 100 180 CANCEL 200 487 ACK"
want hold-resume   && run_sample hold-resume   5066 5067  hold-uas.xml     hold-uac.xml \
    "INVITE 100 180 200 ACK INVITE 200 ACK INVITE 200 ACK BYE 200"
want register-401  && run_sample register-401  5068 5069  register-uas.xml register-uac.xml \
    "REGISTER 401 REGISTER 200" -au alice -ap secret
want forked-invite && run_sample forked-invite 5070 5071  forked-uas.xml   forked-uac.xml \
    "INVITE 100 180 180 200 ACK BYE 200"
want options-ping  && run_sample options-ping  5076 5077  options-uas.xml  options-uac.xml \
    "OPTIONS 200 OPTIONS OPTIONS OPTIONS OPTIONS"
want udp-5080      && run_sample udp-5080      5080 34567 basic-uas.xml    basic-uac.xml \
    "INVITE 100 180 200 ACK BYE 200"

echo "make-samples: done"
