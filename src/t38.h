/*
 * t38.h - UDPTL (ITU-T T.38 §9.1 "UDPTL packet": sequence
 * number, primary IFP packet as an ASN.1 PER open type, error recovery)
 * header reading and a per-direction packet counter for fax streams
 * negotiated with m=image <port> udptl t38.
 *
 * Only the sequence number and the primary IFP length are read (X.691
 * §10.9 length determinant: one byte below 128, two bytes below 16384;
 * fragmented lengths are reported as such, not reassembled).  Constant
 * memory, no payload kept.
 */
#ifndef SIPLADDER_SRC_T38_H
#define SIPLADDER_SRC_T38_H

#include <stddef.h>
#include <stdint.h>

struct udptl_hdr {
    uint16_t seq;
    uint32_t ifp_off;   /* offset of the primary IFP packet */
    uint32_t ifp_len;   /* its length */
    uint8_t fragmented; /* X.691 fragmented length (>= 16K): ifp_len unknown (0) */
};

/* Returns 1 when p[0..n) starts with a sequence number and a primary IFP
 * length that fits (or is fragmented), 0 otherwise. */
int udptl_parse(const uint8_t *p, size_t n, struct udptl_hdr *h);

struct t38_dir {
    uint64_t packets, bytes, malformed;
    uint64_t lost;        /* sum of forward sequence gaps */
    uint64_t late;        /* sequence number behind the highest (reordered or a redundant resend) */
    uint64_t duplicates;  /* same sequence number as the highest */
    int64_t first_ns, last_ns;
    uint8_t have_seq;
    uint16_t max_seq;
};

struct t38_counter {
    struct t38_dir dir[2]; /* 0 = caller -> callee (or as the caller defines), 1 = reverse */
};

void t38_counter_init(struct t38_counter *c);

/* Count one UDPTL datagram in direction d (0 or 1; others ignored). */
void t38_counter_add(struct t38_counter *c, int d, const uint8_t *p, size_t n, int64_t ts_ns);

#endif
