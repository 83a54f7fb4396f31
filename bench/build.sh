#!/usr/bin/env bash
# bench/build.sh - compile the benchmark tools (gen, floor) into bench/bin/.
#
#   bench/build.sh            cc -O2 (CC and CFLAGS override)
# gen needs only libc; floor links libpcap through pkg-config (and needs
# _DEFAULT_SOURCE for the u_char/u_int types that pcap.h uses).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-cc}
CFLAGS=${CFLAGS:--O2}
WARN=(-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror)
mkdir -p "$here/bin"

if ! pcap_cflags=$(pkg-config --cflags libpcap) || ! pcap_libs=$(pkg-config --libs libpcap); then
    echo "bench/build.sh: libpcap not found by pkg-config (run scripts/deps.sh bench)" >&2
    exit 1
fi

# shellcheck disable=SC2086  # CFLAGS and pkg-config output are word lists
"$CC" "${WARN[@]}" $CFLAGS -o "$here/bin/gen" "$here/gen.c"
# shellcheck disable=SC2086
"$CC" "${WARN[@]}" $CFLAGS $pcap_cflags -o "$here/bin/floor" "$here/floor.c" $pcap_libs
