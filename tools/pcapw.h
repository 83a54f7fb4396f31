/*
 * pcapw.h - a tiny, dependency-free writer of classic pcap files for tests
 * and tools (no libpcap).
 *
 * Files are written in the classic pcap format with the nanosecond magic
 * (0xa1b23c4d, version 2.4), link type LINKTYPE_ETHERNET (1), always in
 * little-endian byte order so the output is byte-identical on every host.
 *
 * Layering:
 *
 *   pcapw_write_udp()         UDP header (+ checksum) on top of
 *   pcapw_write_tcp()         TCP header (+ checksum, SYN MSS option)
 *   pcapw_write_sctp()        SCTP common header + chunks (CRC32c)
 *   pcapw_write_ip4_fragment() / pcapw_write_ip6_fragment()
 *                             one fragment of a datagram built with
 *                             pcapw_build_udp() / pcapw_build_tcp()
 *   pcapw_write_ip()          one IPv4/IPv6 datagram (IPv4 header checksum,
 *                             lengths, ID, flags/fragment offset) on top of
 *   pcapw_write_frame()       one Ethernet frame = one pcap record.
 *
 * Payload builders that write nothing (they fill a caller's buffer and
 * return its length, 0 on error): pcapw_build_udp(), pcapw_build_tcp()
 * (a whole transport datagram, to be fragmented), pcapw_ws_frame() (one
 * RFC 6455 WebSocket frame), pcapw_hep3_build() (one HEP version 3
 * packet, to be sent with pcapw_write_udp()), pcapw_sctp_data_chunk() (a
 * DATA chunk for pcapw_write_sctp()).
 *
 * Every write function returns 0 on success and -1 on error (errno-style
 * detail in pcapw_error()); after an I/O error the writer stays failed and
 * every further call returns -1, so callers may check only pcapw_close().
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
#define PCAPW_IPPROTO_IPV6_FRAG 44U
#define PCAPW_IPPROTO_SCTP 132U

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
    uint16_t frag_off;  /* IPv4 fragment offset in 8-byte units */
    uint8_t more_frags; /* IPv4 MF bit */
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

/* ---- TCP (RFC 9293) ------------------------------------------------------ */

#define PCAPW_TCP_FIN 0x01U
#define PCAPW_TCP_SYN 0x02U
#define PCAPW_TCP_RST 0x04U
#define PCAPW_TCP_PSH 0x08U
#define PCAPW_TCP_ACK 0x10U

/* Largest TCP payload pcapw_write_tcp() accepts (IPv4, with MSS option). */
#define PCAPW_TCP_MAX_PAYLOAD (65535U - 20U - 24U)

typedef struct pcapw_tcp {
    uint32_t seq;    /* sequence number of the first byte (of the SYN) */
    uint32_t ack;    /* acknowledgment number, written as given */
    uint8_t flags;   /* PCAPW_TCP_* */
    uint16_t window; /* 0 = 65535 */
    uint16_t mss;    /* non-zero: add an MSS option (normally on SYNs only) */
} pcapw_tcp;

/* Build a TCP segment (header, options, payload; checksum over the
 * IPv4/IPv6 pseudo-header) into out[cap]. Returns its length, 0 on error. */
size_t pcapw_build_tcp(const pcapw_ep *src, const pcapw_ep *dst, const pcapw_tcp *tcp, const void *payload,
                       size_t len, uint8_t *out, size_t cap);

/* Write one TCP segment (unfragmented datagram). */
int pcapw_write_tcp(pcapw *w, pcapw_ts ts, const pcapw_ep *src, const pcapw_ep *dst, const pcapw_tcp *tcp,
                    const void *payload, size_t len);

/* ---- UDP datagrams to fragment ------------------------------------------- */

/* Build a UDP datagram (header + payload) into out[cap] with the real
 * checksum for both IPv4 and IPv6 (a computed 0 is sent as 0xffff), as a
 * sender does before fragmenting. Returns 8 + len, 0 on error. */
size_t pcapw_build_udp(const pcapw_ep *src, const pcapw_ep *dst, const void *payload, size_t len, uint8_t *out,
                       size_t cap);

/* ---- IP fragments (RFC 791 §3.2, RFC 8200 §4.5) --------------------------- */

/* One IPv4 fragment: data/len are the bytes at byte offset `offset`
 * (a multiple of 8) of the datagram's payload (its transport header
 * included: see pcapw_build_udp()), `id` the identification shared by all
 * fragments, `more` the MF bit. Fragments may be written in any order,
 * repeated, overlapping or left out. */
int pcapw_write_ip4_fragment(pcapw *w, pcapw_ts ts, const pcapw_addr *src, const pcapw_addr *dst, uint8_t proto,
                             uint16_t id, uint32_t offset, int more, const void *data, size_t len);

/* One IPv6 fragment: an 8-byte Fragment extension header (Next Header
 * next_header, offset/8, M flag, 32-bit identification) followed by
 * data/len, the bytes at `offset` (a multiple of 8) of the fragmentable
 * part. */
int pcapw_write_ip6_fragment(pcapw *w, pcapw_ts ts, const pcapw_addr *src, const pcapw_addr *dst,
                             uint8_t next_header, uint32_t id, uint32_t offset, int more, const void *data,
                             size_t len);

/* ---- SCTP (RFC 9260) ------------------------------------------------------ */

#define PCAPW_SCTP_DATA 0U
#define PCAPW_SCTP_INIT 1U
#define PCAPW_SCTP_INIT_ACK 2U
#define PCAPW_SCTP_SACK 3U
#define PCAPW_SCTP_SHUTDOWN 7U
#define PCAPW_SCTP_SHUTDOWN_ACK 8U
#define PCAPW_SCTP_COOKIE_ECHO 10U
#define PCAPW_SCTP_COOKIE_ACK 11U
#define PCAPW_SCTP_SHUTDOWN_COMPLETE 14U

/* DATA chunk flags (RFC 9260 §3.3.1). */
#define PCAPW_SCTP_E 0x01U
#define PCAPW_SCTP_B 0x02U
#define PCAPW_SCTP_U 0x04U

/* One chunk: type, flags and its value (what follows the 4-byte chunk
 * header); the writer adds the header and pads to 4 bytes. */
typedef struct pcapw_sctp_chunk {
    uint8_t type;
    uint8_t flags;
    const void *value;
    size_t len;
} pcapw_sctp_chunk;

/* A DATA chunk's fields. flags: B|E for a whole user message. */
typedef struct pcapw_sctp_data {
    uint32_t tsn;
    uint16_t sid, ssn;
    uint32_t ppid;
    uint8_t flags;
    const void *data;
    size_t len;
} pcapw_sctp_data;

/* Make *c a DATA chunk for d, building its value (12 + d->len bytes) in
 * buf[cap]; buf must outlive the use of *c. Returns 0 or -1. */
int pcapw_sctp_data_chunk(pcapw_sctp_chunk *c, const pcapw_sctp_data *d, uint8_t *buf, size_t cap);

/* Write one SCTP packet: common header (ports, verification tag) and the
 * chunks in order, with the CRC32c checksum (RFC 9260 Appendix A). */
int pcapw_write_sctp(pcapw *w, pcapw_ts ts, const pcapw_ep *src, const pcapw_ep *dst, uint32_t vtag,
                     const pcapw_sctp_chunk *chunks, size_t nchunks);

/* CRC32c (Castagnoli, reflected, as SCTP uses it) of p/len. */
uint32_t pcapw_crc32c(const void *p, size_t len);

/* ---- WebSocket frames (RFC 6455 §5.2) ------------------------------------ */

#define PCAPW_WS_CONT 0x0U
#define PCAPW_WS_TEXT 0x1U
#define PCAPW_WS_BINARY 0x2U
#define PCAPW_WS_CLOSE 0x8U
#define PCAPW_WS_PING 0x9U
#define PCAPW_WS_PONG 0xAU

/* Build one frame into out[cap]: FIN bit `fin`, `opcode`, masked with
 * mask[4] when mask is not NULL (the payload is XORed, RFC 6455 §5.3),
 * payload length encoded in len_bits = 0 (the minimal form), 7, 16 or 64
 * (forced: 16/64 may be non-minimal; 7 fails above 125 bytes, 16 above
 * 65535). Returns the frame length, 0 on error. */
size_t pcapw_ws_frame(uint8_t *out, size_t cap, int fin, uint8_t opcode, const uint8_t *mask, unsigned len_bits,
                      const void *payload, size_t len);

/* ---- HEP version 3 (HOMER) ------------------------------------------------ */

typedef struct pcapw_hep3 {
    pcapw_ep src, dst;   /* original endpoints (family 4: chunks 3/4, 6: chunks 5/6) */
    uint8_t ip_proto;    /* chunk 2: 17 UDP, 6 TCP, 132 SCTP */
    uint32_t ts_sec;     /* chunk 9 */
    uint32_t ts_usec;    /* chunk 10 */
    uint8_t proto_type;  /* chunk 11: 1 = SIP */
    uint32_t capture_id; /* chunk 12 */
} pcapw_hep3;

/* Build a HEP3 packet ("HEP3", total length, chunks 1-12 then the payload
 * chunk 15, all vendor 0, network byte order) into out[cap]. Returns its
 * length, 0 on error (too long for the 16-bit total length, or cap). */
size_t pcapw_hep3_build(uint8_t *out, size_t cap, const pcapw_hep3 *h, const void *payload, size_t len);

#endif
