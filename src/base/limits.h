/*
 * limits.h - every resource bound of sipladder, in one place.
 *
 * Each limit has a documented default (doc/sipladder.1, "LIMITS") and can
 * be changed with `--limit NAME=VALUE`.  When a limit is hit the event is
 * counted in the diagnostics (DIAG_LIMIT_*) and reported at the end of the
 * run and in the JSON "diagnostics.limits_hit" object: never silent.
 */
#ifndef SIPLADDER_BASE_LIMITS_H
#define SIPLADDER_BASE_LIMITS_H

#include <stddef.h>
#include <stdint.h>

struct limits {
    uint32_t max_headers;      /* header lines indexed per SIP message */
    uint32_t max_header_line;  /* bytes in one header line before an anomaly */
    uint32_t max_msg_bytes;    /* bytes kept of one SIP message (rest dropped, reported) */
    uint32_t max_calls;        /* distinct Call-IDs tracked; later ones are not correlated */
    uint32_t max_dialogs_per_call; /* dialogs (forks) per call */
    uint32_t max_msgs;         /* SIP messages kept in total */
    uint64_t max_store_bytes;  /* bytes of SIP message text kept in total */
    /* transport reassembly */
    uint32_t tcp_flows;        /* TCP connection directions tracked at once */
    uint32_t tcp_stream_bytes; /* bytes buffered per direction (out of order + partial message) */
    uint64_t tcp_total_bytes;  /* bytes buffered over all TCP streams */
    uint32_t tcp_idle_ms;      /* capture-time idle before a stream's buffered data is flushed */
    uint32_t frag_datagrams;   /* IP datagrams being reassembled at once */
    uint64_t frag_bytes;       /* bytes held for IP reassembly in total */
    uint32_t frag_timeout_ms;  /* capture-time limit to complete a fragmented datagram */
    uint32_t sctp_bytes;       /* bytes buffered per SCTP stream for fragmented DATA */
    uint32_t ws_message_bytes; /* bytes of one (possibly fragmented) WebSocket message */
    /* live capture (sipladder live, doc/live.md) */
    uint32_t open_calls;       /* calls held at once (not yet emitted); above it the oldest are shed */
    uint64_t raw_bytes;        /* --out-dir: bytes of raw frames kept for the per-call pcaps */
};

#define LIMITS_DEFAULT_INIT                                                                        \
    {                                                                                              \
        .max_headers = 512, .max_header_line = 65536, .max_msg_bytes = 262144,                     \
        .max_calls = 2000000, .max_dialogs_per_call = 256, .max_msgs = 50000000,                   \
        .max_store_bytes = 8ULL << 30, .tcp_flows = 200000, .tcp_stream_bytes = 1 << 20,           \
        .tcp_total_bytes = 512ULL << 20, .tcp_idle_ms = 60000, .frag_datagrams = 65536,            \
        .frag_bytes = 128ULL << 20, .frag_timeout_ms = 30000, .sctp_bytes = 1 << 20,               \
        .ws_message_bytes = 1 << 20, .open_calls = 100000, .raw_bytes = 1ULL << 30,                \
    }

/* Parse "name=value" and set the field.  Returns 0 on success, -1 on an
 * unknown name or bad value. */
int limits_set(struct limits *l, const char *spec);
/* Print "name=value  description" lines for --help / the man page. */
void limits_describe(const struct limits *l, void (*line)(const char *name, uint64_t val, const char *what, void *ctx), void *ctx);

#endif
