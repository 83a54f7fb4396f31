/*
 * limits.c - named limits and their command-line parser (see limits.h).
 */
#include "src/base/limits.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct limit_def {
    const char *name;
    size_t off;
    int is64;
    const char *what;
};

static const struct limit_def defs[] = {
    {"headers", offsetof(struct limits, max_headers), 0, "header lines indexed per SIP message"},
    {"header-line", offsetof(struct limits, max_header_line), 0, "bytes in one header line"},
    {"message-bytes", offsetof(struct limits, max_msg_bytes), 0, "bytes kept of one SIP message"},
    {"calls", offsetof(struct limits, max_calls), 0, "Call-IDs tracked"},
    {"dialogs-per-call", offsetof(struct limits, max_dialogs_per_call), 0, "dialogs per call"},
    {"messages", offsetof(struct limits, max_msgs), 0, "SIP messages kept in total"},
    {"store-bytes", offsetof(struct limits, max_store_bytes), 1, "bytes of SIP text kept in total"},
    {"tcp-flows", offsetof(struct limits, tcp_flows), 0, "TCP stream directions tracked at once"},
    {"tcp-stream-bytes", offsetof(struct limits, tcp_stream_bytes), 0, "bytes buffered per TCP stream direction"},
    {"tcp-total-bytes", offsetof(struct limits, tcp_total_bytes), 1, "bytes buffered over all TCP streams"},
    {"tcp-idle-ms", offsetof(struct limits, tcp_idle_ms), 0, "capture-time idle before a TCP stream is flushed"},
    {"frag-datagrams", offsetof(struct limits, frag_datagrams), 0, "IP datagrams reassembled at once"},
    {"frag-bytes", offsetof(struct limits, frag_bytes), 1, "bytes held for IP reassembly"},
    {"frag-timeout-ms", offsetof(struct limits, frag_timeout_ms), 0, "capture-time limit to complete an IP datagram"},
    {"sctp-bytes", offsetof(struct limits, sctp_bytes), 0, "bytes buffered per SCTP stream"},
    {"ws-message-bytes", offsetof(struct limits, ws_message_bytes), 0, "bytes of one WebSocket message"},
    {"open-calls", offsetof(struct limits, open_calls), 0, "live: calls held at once; the oldest are shed above it"},
    {"raw-bytes", offsetof(struct limits, raw_bytes), 1, "live --out-dir: bytes of raw frames kept for call pcaps"},
};

int limits_set(struct limits *l, const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec)
        return -1;
    size_t nlen = (size_t)(eq - spec);
    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
        if (strlen(defs[i].name) != nlen || strncmp(defs[i].name, spec, nlen) != 0)
            continue;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(eq + 1, &end, 10);
        if (errno || end == eq + 1 || *end || v == 0)
            return -1;
        if (defs[i].is64) {
            *(uint64_t *)((char *)l + defs[i].off) = v;
        } else {
            if (v > UINT32_MAX)
                return -1;
            *(uint32_t *)((char *)l + defs[i].off) = (uint32_t)v;
        }
        return 0;
    }
    return -1;
}

void limits_describe(const struct limits *l,
                     void (*line)(const char *name, uint64_t val, const char *what, void *ctx),
                     void *ctx)
{
    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
        uint64_t v = defs[i].is64 ? *(const uint64_t *)((const char *)l + defs[i].off)
                                  : *(const uint32_t *)((const char *)l + defs[i].off);
        line(defs[i].name, v, defs[i].what, ctx);
    }
}
