/*
 * pcapw.h - a tiny, dependency-free writer of classic pcap files for tests
 * and tools (no libpcap).
 *
 * Files are written in the classic pcap format with the nanosecond magic
 * (0xa1b23c4d, version 2.4), link type LINKTYPE_ETHERNET (1), always in
 * little-endian byte order so the output is byte-identical on every host.
 *
 * Layering (so TCP segments and IP fragments can be added later without
 * changing the existing calls):
 *
 *   pcapw_write_udp()         UDP header (+ checksum) on top of
 *   pcapw_write_ip()          one IPv4/IPv6 datagram (IPv4 header checksum,
 *                             lengths, ID, flags/fragment offset) on top of
 *   pcapw_write_frame()       one Ethernet frame = one pcap record.
 *
 * A future pcapw_write_tcp() builds its header with pcapw_l4_checksum() and
 * calls pcapw_write_ip(); fragments call pcapw_write_ip() with a
 * pcapw_ip_opts carrying the fragment offset / more-fragments bit (IPv4) or
 * an IPv6 Fragment extension header.
 *
 * Every function returns 0 on success and -1 on error (errno-style detail
 * in pcapw_error()); after an I/O error the writer stays failed and every
 * further call returns -1, so callers may check only pcapw_close().
 */
#ifndef SIPLADDER_TOOLS_PCAPW_H
#define SIPLADDER_TOOLS_PCAPW_H

#include <stddef.h>
#include <stdint.h>

#define PCAPW_MAGIC_NSEC 0xa1b23c4dU
#define PCAPW_LINKTYPE_ETHERNET 1U
#define PCAPW_SNAPLEN 262144U

#define PCAPW_IPPROTO_TCP 6U
#define PCAPW_IPPROTO_UDP 17U

/* Largest UDP payloads that fit one unfragmented IP datagram. */
#define PCAPW_UDP4_MAX_PAYLOAD (65535U - 20U - 8U)
#define PCAPW_UDP6_MAX_PAYLOAD (65535U - 8U)

typedef struct pcapw pcapw;

/* An IP address: family 4 (addr[0..3]) or 6 (addr[0..15]), network order. */
typedef struct pcapw_addr {
    uint8_t family;
    uint8_t addr[16];
} pcapw_addr;

/* A transport endpoint. */
typedef struct pcapw_ep {
    pcapw_addr ip;
    uint16_t port;
} pcapw_ep;

/* A capture timestamp. nsec must be < 1000000000. */
typedef struct pcapw_ts {
    uint64_t sec;
    uint32_t nsec;
} pcapw_ts;

/* Per-datagram IP options; a zeroed struct (or NULL) means the defaults:
 * TTL/hop limit 64, no DF, automatic IPv4 ID, no fragmentation. */
typedef struct pcapw_ip_opts {
    uint8_t ttl;        /* 0 = 64 */
    uint8_t dont_frag;  /* IPv4 DF bit */
    uint8_t id_set;     /* use id below instead of the writer's counter */
    uint16_t id;        /* IPv4 identification */
    uint16_t frag_off;  /* IPv4 fragment offset in 8-byte units (reserved for fragments) */
    uint8_t more_frags; /* IPv4 MF bit (reserved for fragments) */
} pcapw_ip_opts;

/* Parse "1.2.3.4" or "2001:db8::1" (no brackets). Returns 0 or -1. */
int pcapw_addr_parse(const char *text, pcapw_addr *out);

/* Create/truncate path and write the pcap file header. NULL on error
 * (a message is put in err when err/errlen are given). */
pcapw *pcapw_open(const char *path, char *err, size_t errlen);

/* Write one UDP datagram. IPv4: UDP checksum 0 (none); IPv6: the real
 * checksum (RFC 8200 §8.1; a computed 0 is sent as 0xffff). src and dst must
 * have the same family. */
int pcapw_write_udp(pcapw *w, pcapw_ts ts, const pcapw_ep *src, const pcapw_ep *dst, const void *payload,
                    size_t len);

/* Write one IP datagram whose layer-4 bytes (header included) are l4/len. */
int pcapw_write_ip(pcapw *w, pcapw_ts ts, const pcapw_addr *src, const pcapw_addr *dst, uint8_t proto,
                   const pcapw_ip_opts *opts, const void *l4, size_t len);

/* Write one raw link-layer (Ethernet) frame as a pcap record. */
int pcapw_write_frame(pcapw *w, pcapw_ts ts, const void *frame, size_t len);

/* Internet checksum over the IPv4/IPv6 pseudo-header plus l4/len (the
 * checksum field inside l4 must be zero). Returns the value to store
 * (host order; store it big-endian). */
uint16_t pcapw_l4_checksum(const pcapw_addr *src, const pcapw_addr *dst, uint8_t proto, const void *l4,
                           size_t len);

/* Records written so far. */
uint64_t pcapw_records(const pcapw *w);

/* Text of the last error ("" if none). */
const char *pcapw_error(const pcapw *w);

/* Flush and close; frees w. Returns -1 if any write (or the close) failed. */
int pcapw_close(pcapw *w);

#endif
