/*
 * packet.h - what the capture layer hands to the rest: a frame borrowed
 * from libpcap and the decoded transport packet.
 *
 * Lifetime: `struct frame` data is borrowed from libpcap and valid only
 * until the next read; `struct pkt` points into it (or into a reassembly
 * buffer) and is valid only during the callback.  Whoever keeps bytes
 * copies them.
 */
#ifndef SIPLADDER_SRC_PACKET_H
#define SIPLADDER_SRC_PACKET_H

#include <stddef.h>
#include <stdint.h>

struct endpoint {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
};

enum transport {
    TP_UDP = 0,
    TP_TCP,
    TP_SCTP,
    TP_TLS,
    TP_WS,
    TP_WSS,
    TP__COUNT
};

struct frame {
    uint32_t file;      /* index of the input file */
    uint64_t no;        /* 1-based frame number within its file */
    uint64_t seq;       /* 1-based position in the merged input (capture order) */
    int64_t ts;         /* capture time, ns since the epoch */
    uint32_t caplen, len;
    int dlt;            /* link type of this frame's interface */
    const uint8_t *data;
};

enum pkt_flags {
    PKT_TRUNCATED = 1 << 0,    /* payload cut by snaplen */
    PKT_TUNNELLED = 1 << 1,    /* inner packet of an encapsulation */
    PKT_ICMP_QUOTED = 1 << 2,  /* quoted inside an ICMP error */
    PKT_REASSEMBLED = 1 << 3,  /* from IP/TCP reassembly */
    PKT_AFTER_GAP = 1 << 4,    /* bytes were missing in the stream just before this message */
    PKT_GAP_CUT = 1 << 5,      /* the message itself was cut by a stream gap or the stream's end */
    PKT_HEP = 1 << 6,          /* unwrapped from a HEP (HOMER) packet: addresses and time are HEP's */
    PKT_DUPLICATE = 1 << 7,    /* reserved */
};

struct pkt {
    const struct frame *frame;
    struct endpoint src, dst;
    uint8_t transport;  /* enum transport */
    uint8_t ip_proto;
    uint16_t flags;     /* enum pkt_flags */
    const uint8_t *payload;
    uint32_t len;       /* bytes present */
    uint32_t wire_len;  /* bytes the headers claim (>= len when truncated) */
    /* stream transports: the message's first segment and segment count */
    uint64_t first_frame;  /* 0 = same as frame */
    uint32_t segments;     /* 0 or 1 = one packet */
    uint32_t gap_bytes;    /* bytes lost just before this message (PKT_AFTER_GAP) */
};

/* "ip:port" or "[ip6]:port" into buf (>= 64 bytes); returns buf. */
char *endpoint_str(const struct endpoint *e, char *buf, size_t n);
/* Address only. */
char *endpoint_addr_str(const struct endpoint *e, char *buf, size_t n);
int endpoint_eq(const struct endpoint *a, const struct endpoint *b);
/* Parse "1.2.3.4", "1.2.3.4:5060", "::1", "[::1]:5060".  Port 0 = any.
 * Returns 0 on success. */
int endpoint_parse(const char *s, struct endpoint *e);

#endif
