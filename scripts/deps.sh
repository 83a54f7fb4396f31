#!/usr/bin/env bash
# scripts/deps.sh MODE — install the Debian packages sipladder needs.
#
#   build  compiler + -dev packages to build ./sipladder
#   test   build + tools used by the test suite (tshark, sipp, tcpdump, jq, ...)
#   bench  test + benchmark tools (hyperfine, sngrep, time)
#
# Each package is checked with dpkg-query; only missing ones are installed.
# As root: apt-get update (once) + apt-get install -y --no-install-recommends.
# Not root: prints the exact sudo command and exits 1.
# Quiet (no output) when nothing is missing.
set -euo pipefail

mode=${1:-build}

build_pkgs=(libpcap-dev libxml2-dev libcairo2-dev libjansson-dev pkg-config make gcc)
test_pkgs=("${build_pkgs[@]}" tshark sip-tester tcpdump jq libxml2-utils clang libclang-rt-14-dev iproute2)
# diagrams (tests/integration/diagrams.sh): renderers that load our SVG, PDF page
# counts, PlantUML's own parser, and DejaVu fonts so cairo's text metrics are stable
test_pkgs+=(chromium librsvg2-bin poppler-utils plantuml fonts-dejavu-core)
bench_pkgs=("${test_pkgs[@]}" hyperfine sngrep time)

case "$mode" in
    build) pkgs=("${build_pkgs[@]}") ;;
    test)  pkgs=("${test_pkgs[@]}") ;;
    bench) pkgs=("${bench_pkgs[@]}") ;;
    -h|--help)
        sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
        exit 0 ;;
    *)
        echo "usage: $0 build|test|bench" >&2
        exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
        *" installed") ;;
        *) missing+=("$p") ;;
    esac
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages for '$mode': ${missing[*]}" >&2
    echo "run: sudo apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
fi

echo "deps.sh: installing for '$mode': ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer "no" up front.
if printf '%s\n' "${missing[@]}" | grep -qx 'tshark'; then
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
fi
apt_opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
apt-get update -q >&2
apt-get install "${apt_opts[@]}" --no-install-recommends "${missing[@]}" </dev/null >&2

# Verify.
still=()
for p in "${missing[@]}"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in *" installed") ;; *) still+=("$p") ;; esac
done
if [ ${#still[@]} -ne 0 ]; then
    echo "deps.sh: failed to install: ${still[*]}" >&2
    exit 1
fi
