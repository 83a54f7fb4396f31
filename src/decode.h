/*
 * decode.h - link, network and transport decoding of one captured frame.
 *
 * decode_frame() walks the link layer (Ethernet + 802.1Q/QinQ, Linux SLL
 * and SLL2, NULL/LOOP, raw IPv4/IPv6), tunnels (MPLS, PPPoE session, GRE
 * including ERSPAN I/II/III, IP-in-IP, IPv6-in-IPv4, VXLAN, GTP-U), IPv4
 * and IPv6 with the extension-header walk, and UDP.  Each transport
 * payload goes to the `deliver` callback as a `struct pkt`.
 *
 * Hooks for later layers: TCP and SCTP payloads, and IP fragments, are
 * handed to the optional `tcp`, `sctp` and `frag` callbacks; when absent
 * they are counted in the diagnostics (never silently dropped).
 */
#ifndef SIPLADDER_SRC_DECODE_H
#define SIPLADDER_SRC_DECODE_H

#include "src/base/diag.h"
#include "src/base/limits.h"
#include "src/packet.h"

struct defrag; /* src/defrag.h */

struct decoder {
    struct diag *diag;
    const struct limits *lim;
    struct defrag *defrag; /* IP reassembly state, owned by the decoder */
    void *ctx;
    void (*deliver)(void *ctx, const struct pkt *pkt);     /* UDP payloads */
    void (*tcp)(void *ctx, const struct pkt *pkt, uint32_t seq, uint8_t flags); /* optional */
    void (*sctp)(void *ctx, const struct pkt *pkt);        /* optional */
    /* counters */
    uint64_t frames, ip_packets, udp_packets, tcp_packets, sctp_packets, other_packets;
    uint64_t fragments, tunnelled;
};

/* Set up / tear down.  decoder_init() zeroes the struct and keeps lim and
 * diag; callbacks are set by the caller afterwards. */
void decoder_init(struct decoder *d, const struct limits *lim, struct diag *diag);
/* End of input: report anything still incomplete (IP datagrams missing
 * fragments), in the diagnostics. */
void decoder_finish(struct decoder *d);
void decoder_fini(struct decoder *d);

/* Returns 0 when the frame was decoded down to a transport, -1 otherwise
 * (the reason is in the diagnostics when it is an error rather than a
 * protocol we do not look at). */
int decode_frame(struct decoder *d, const struct frame *f);

/* Is this link type supported? */
int decode_dlt_supported(int dlt);

#endif
