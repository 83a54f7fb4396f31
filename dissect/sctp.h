/*
 * sctp.h - SCTP packet walker for SIP over SCTP (RFC 4168).
 *
 * RFC 9260 §3.1 common header (source port, destination port,
 * verification tag, CRC32c checksum: 12 bytes), §3.2 chunk field
 * descriptions (type, flags, length counting the 4-byte chunk header and
 * the value but not the padding to a multiple of 4), §3.3.1 DATA chunk;
 * RFC 8260 §2.1 I-DATA chunk (type 64: message identifier and fragment
 * sequence number instead of the stream sequence number).
 *
 * Pure functions: no I/O, no globals, no allocation; nothing here reads
 * outside the (pointer, length) given.  The checksum is not verified (a
 * capture may have been taken with checksum offload); reassembly of
 * fragmented user messages (B/E bits) and stream ordering are the
 * caller's.
 */
#ifndef SIPLADDER_DISSECT_SCTP_H
#define SIPLADDER_DISSECT_SCTP_H

#include <stddef.h>
#include <stdint.h>

#include "dissect/rd.h"

#define SCTP_HDR_LEN 12

/* Chunk types used here (RFC 9260 §3.2, RFC 8260 §2.1). */
enum sctp_chunk_type {
    SCTP_CHUNK_DATA = 0,
    SCTP_CHUNK_INIT = 1,
    SCTP_CHUNK_INIT_ACK = 2,
    SCTP_CHUNK_SACK = 3,
    SCTP_CHUNK_ABORT = 6,
    SCTP_CHUNK_SHUTDOWN = 7,
    SCTP_CHUNK_I_DATA = 64,
};

/* DATA / I-DATA chunk flags (RFC 9260 §3.3.1, RFC 7053 I bit). */
enum {
    SCTP_DATA_E = 0x01, /* ending fragment */
    SCTP_DATA_B = 0x02, /* beginning fragment */
    SCTP_DATA_U = 0x04, /* unordered */
    SCTP_DATA_I = 0x08, /* immediate (SACK right away) */
};

struct sctp_hdr {
    uint16_t sport, dport;
    uint32_t vtag;
    uint32_t checksum; /* as on the wire (CRC32c, not verified) */
};

/*
 * Parse the 12-byte common header.  Returns 0 on success, -1 when
 * n < 12 (*h zeroed).
 */
int sctp_parse_header(const uint8_t *p, size_t n, struct sctp_hdr *h);

/*
 * A cursor over the chunks of a packet: a struct rd over the bytes after
 * the common header (empty, with err set, when n < 12).  Equivalent to
 * rd_init(p + 12, n - 12).
 */
struct rd sctp_chunks(const uint8_t *p, size_t n);

struct sctp_chunk {
    uint8_t type, flags;
    uint16_t length;      /* as on the wire: header + value, no padding */
    const uint8_t *value; /* length - 4 bytes, inside the packet */
    size_t value_len;
};

/*
 * Next chunk from the cursor.  Returns 1 with *c set, 0 at the end (no
 * bytes left), -1 when malformed: 1-3 bytes left over, a chunk length < 4
 * or running past the end, or the cursor already in error.  After -1 the
 * cursor's err is set and every further call returns -1.  Chunks are
 * padded to 4 bytes; the padding is skipped (a last chunk missing its
 * padding at the very end of the packet is tolerated).
 */
int sctp_next_chunk(struct rd *r, struct sctp_chunk *c);

struct sctp_data {
    int idata;          /* 1 = I-DATA (RFC 8260), 0 = DATA */
    uint32_t tsn;
    uint16_t sid;
    uint16_t ssn;       /* DATA only */
    uint32_t mid, fsn;  /* I-DATA only (fsn is 0 on the first fragment) */
    uint32_t ppid;      /* DATA; I-DATA first fragment only (0 otherwise) */
    int begin, end, unordered, immediate;
    const uint8_t *user; /* user data, inside the chunk */
    size_t user_len;    /* > 0 on success */
};

/*
 * Decode a DATA (type 0) or I-DATA (type 64) chunk.  Returns 1 on
 * success, 0 when c is another chunk type, -1 when the chunk is too short
 * for its fixed fields or carries no user data (RFC 9260 §3.3.1: a DATA
 * chunk with no user data is a protocol violation).  *d is zeroed first.
 */
int sctp_parse_data(const struct sctp_chunk *c, struct sctp_data *d);

#endif
