/*
 * hep.h - HEP (HOMER Encapsulation Protocol, a.k.a. EEP) versions 1, 2
 * and 3: SIP (and other) packets mirrored by capture agents over UDP or
 * TCP to a collector, each carrying the original addresses, ports and
 * capture time.
 *
 * References: "HEP3 Network Protocol Specification" rev. 12 (sipcapture,
 * HEP3_rev12.pdf: §2 packet header, §3 chunk header, §4 generic chunk
 * types 0x0001-0x0011); HEP v1/v2 have no document beyond the reference
 * implementation (captagent / Kamailio sipcapture / OpenSIPS proto_hep
 * "struct hep_hdr", "hep_iphdr", "hep_ip6hdr", "hep_timehdr").
 *
 * Pure function: no I/O, no globals, no allocation.  hep_parse() never
 * reads outside [p, p + n); h->payload points into p.
 *
 * HEP v1/v2 layout (as the reference implementation writes it with
 * memcpy() of C structs on a little-endian host):
 *
 *   0  u8  version (1 or 2)
 *   1  u8  header length = 4 + 4 + address block (16 for IPv4, 40 for
 *          IPv6; the v2 time block is NOT counted)
 *   2  u8  family: AF_INET (2) or AF_INET6 (10, the Linux value)
 *   3  u8  IP protocol (17 UDP, 6 TCP, 132 SCTP, ...)
 *   4  u16 source port, network byte order
 *   6  u16 destination port, network byte order
 *   8      source address, destination address (4 + 4 or 16 + 16 bytes)
 *   v2 only, "struct hep_timehdr { u32 tv_sec, tv_usec; u16 captid; }"
 *   in HOST byte order - little-endian in practice (x86/ARM agents) - and
 *   12 bytes long: the struct's 2 bytes of tail padding are written too:
 *          u32le tv_sec, u32le tv_usec, u16le capture id, 2 pad bytes
 *   then the captured payload up to the end of the datagram.
 *
 * Assumption (documented, not negotiable by the packet): little-endian
 * time block with tail padding, as sent by x86 captagent, Kamailio,
 * OpenSIPS and sngrep; a big-endian agent's v2 timestamps would come out
 * byte-swapped.  Only header length 16/40 matching the family is
 * accepted, so arbitrary UDP payloads starting with 0x01/0x02 are
 * unlikely to be taken for HEP.
 *
 * HEP3: "HEP3", u16 total length (whole packet, header included; bytes
 * after it are ignored, so a TCP stream can be cut at it), then chunks of
 * u16 vendor id, u16 type id, u16 length (including this 6-byte header),
 * value.  All integers network byte order.  Generic (vendor 0) types used:
 *   1 IP family (u8: 2 / 10)     2 IP protocol (u8)
 *   3/4 IPv4 src/dst (4 bytes)   5/6 IPv6 src/dst (16 bytes)
 *   7/8 src/dst port (u16)       9/10 timestamp sec/usec (u32)
 *   11 protocol type (u8, 1 = SIP)  12 capture agent id (u32; u16 also
 *   accepted)  15 payload       16 compressed payload (gzip/deflate)
 * Unknown generic types and every vendor chunk (vendor id != 0) are
 * skipped.  A known generic chunk whose value has the wrong size is
 * malformed.  A repeated chunk overrides the earlier one.
 */
#ifndef SIPLADDER_DISSECT_HEP_H
#define SIPLADDER_DISSECT_HEP_H

#include <stddef.h>
#include <stdint.h>

/* HEP3 chunk type 11 values (HEP3 spec §4, table "protocol types"). */
enum hep_proto_type {
    HEP_PROTO_SIP = 1,
};

struct hep_info {
    uint8_t version;       /* 1, 2 or 3 */
    uint8_t family;        /* 4 or 6; 0 when a HEP3 packet carries no address information */
    uint8_t ip_proto;      /* IPPROTO_* of the original packet (HEP3: 0 when absent) */
    uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes, network order; zero when absent */
    uint16_t sport, dport; /* host order */
    int has_time;          /* v2 always, v3 when chunk 9 is present */
    uint32_t ts_sec, ts_usec;
    uint8_t proto_type;    /* HEP3 chunk 11 (1 = SIP); 0 when absent; v1/v2: 0 */
    uint32_t capture_id;   /* HEP3 chunk 12, v2 captid; 0 when absent */
    const uint8_t *payload; /* into p; the compressed bytes when compressed */
    size_t payload_len;    /* > 0 on success */
    int compressed;        /* 1 = HEP3 chunk 16: payload needs inflating (unsupported here) */
    size_t hep_len;        /* bytes of p this packet occupies: HEP3 total length, v1/v2 n */
};

/*
 * Parse a HEP packet at p.
 *
 * Returns 1 on success (every field of *h set), 0 when p is not HEP (no
 * "HEP3" magic and not a plausible v1/v2 header: version byte 1/2, family
 * 2/10 and the matching header length 16/40), -1 when it is HEP but
 * malformed: HEP3 shorter than its 6-byte header, total length < 6 or > n,
 * a chunk header cut short, a chunk length < 6 or past the total length,
 * a known chunk of the wrong size, no payload chunk or an empty payload;
 * v1/v2 shorter than its headers or with no payload bytes.
 *
 * *h is zeroed first; on 0/-1 its contents are unspecified.
 */
int hep_parse(const uint8_t *p, size_t n, struct hep_info *h);

#endif
