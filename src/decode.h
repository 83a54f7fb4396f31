/*
 * decode.h - link, network and transport decoding of one captured frame.
 *
 * decode_frame() walks the link layer (Ethernet + 802.1Q/QinQ, Linux SLL
 * and SLL2, NULL/LOOP, raw IPv4/IPv6), tunnels (MPLS, PPPoE session, GRE
 * including ERSPAN I/II/III, IP-in-IP, IPv6-in-IPv4, VXLAN, GTP-U), IPv4
 * and IPv6 with the extension-header walk, and UDP.  Each transport
 * payload goes to the `deliver` callback as a `struct pkt`.
 *
 * IPv4 and IPv6 fragments are reassembled (src/defrag.h) and the
 * completed datagram decoded on, delivered with the frame of the fragment
 * that completed it and PKT_REASSEMBLED; datagrams that never complete are
 * reported.  A decoder not set up by decoder_init() (no reassembler)
 * reports each fragment instead.
 *
 * Hooks for later layers: TCP and SCTP payloads are handed to the optional
 * `tcp` and `sctp` callbacks; when absent they are counted.
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
    /* IP reassembly (mirrors of the struct defrag_stats counters) */
    uint64_t reassembled;     /* datagrams completed and decoded on */
    uint64_t frag_incomplete; /* datagrams reported incomplete (timeout, limit, end of input) */
    uint64_t frag_invalid;    /* datagrams dropped for inconsistent lengths or > 65535 bytes */
    uint64_t frag_duplicates, frag_overlaps, frag_conflicts;
};

/* Set up / tear down.  decoder_init() zeroes the struct, keeps lim and
 * diag (both must outlive the decoder) and creates the IP reassembler;
 * callbacks are set by the caller afterwards.  decoder_fini() frees the
 * reassembler without reporting (call decoder_finish() first). */
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
