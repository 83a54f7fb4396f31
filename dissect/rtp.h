/*
 * rtp.h - RTP fixed header (RFC 3550 §5.1, §5.3.1), header extensions
 * (RFC 8285 §4.2 one-byte, §4.3 two-byte: recognised and skipped), the
 * RFC 3550 Appendix A.1 validity heuristics for media found without
 * signalling, RFC 5761 §4 RTP/RTCP demultiplexing on one port, and the
 * RFC 3551 §6 static payload type table.
 *
 * Pure and allocation-free; every (pointer, length) is untrusted and is
 * read only through dissect/rd.h.
 */
#ifndef SIPLADDER_DISSECT_RTP_H
#define SIPLADDER_DISSECT_RTP_H

#include <stddef.h>
#include <stdint.h>

#define RTP_HDR_MIN 12u    /* fixed header (RFC 3550 §5.1) */
#define RTP_MAX_CSRC 15u   /* CC is 4 bits */

/* rtp_parse() results; keep rtp_err_name() in sync. */
enum rtp_rc {
    RTP_OK = 0,
    RTP_ERR_SHORT,      /* fewer than 12 bytes */
    RTP_ERR_VERSION,    /* V != 2 */
    RTP_ERR_CSRC,       /* CSRC list runs past the end */
    RTP_ERR_EXT,        /* header extension runs past the end */
    RTP_ERR_PADDING,    /* P set but the pad count is 0 or exceeds the payload */
    RTP_ERR__COUNT
};

/* Header extension profile (RFC 8285 §4.2/§4.3; "other" = RFC 3550 §5.3.1). */
enum rtp_ext_kind { RTP_EXT_NONE = 0, RTP_EXT_ONE_BYTE, RTP_EXT_TWO_BYTE, RTP_EXT_OTHER };

struct rtp_hdr {
    uint8_t version;     /* always 2 when rtp_parse() returns RTP_OK */
    uint8_t padding;     /* P bit */
    uint8_t extension;   /* X bit */
    uint8_t cc;          /* CSRC count */
    uint8_t marker;      /* M bit */
    uint8_t pt;          /* payload type, 0..127 */
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
    uint32_t csrc[RTP_MAX_CSRC]; /* first cc entries valid */
    uint8_t ext_kind;    /* enum rtp_ext_kind */
    uint16_t ext_profile; /* "defined by profile" field (0xBEDE, 0x100x, ...) */
    uint32_t ext_len;    /* extension bytes after its 4-byte header */
    uint32_t hdr_len;    /* bytes before the payload (12 + 4cc + extension) */
    uint32_t payload_off; /* == hdr_len */
    uint32_t payload_len; /* bytes of payload, padding excluded */
    uint8_t pad_len;     /* padding bytes at the end (last octet), 0 if P=0 */
};

/*
 * Parse the RTP header of a datagram p[0..n).  On RTP_OK every field of
 * *h is set and payload_off + payload_len + pad_len == n.  On an error,
 * *h holds what was read before the problem (fields past it are zero).
 * Never reads outside [p, p+n).
 */
int rtp_parse(const uint8_t *p, size_t n, struct rtp_hdr *h);
const char *rtp_err_name(int rc);

/*
 * RFC 3550 A.1 per-packet heuristics for "is this plausibly RTP?" when no
 * signalling announced it (orphan streams): rtp_parse() succeeds (version
 * 2, CSRC/extension/padding fit), the second byte is not an RTCP packet
 * type 192..223 (which covers SR/RR/SDES/BYE/APP 200..204 = PT 72..76 with
 * the marker bit, RFC 5761 §4), the payload is not empty (padding
 * excluded) and the datagram is at most 65535 bytes.  Stream-level
 * confirmation (consecutive sequence numbers) is the job of the
 * probation in src/rtpstats.c.
 */
int rtp_looks_valid(const uint8_t *p, size_t n);

/*
 * RFC 5761 §4: on a port shared by RTP and RTCP, a packet whose second
 * byte is 192..223 is RTCP.  Needs only the first two bytes; returns 0
 * when n < 2.
 */
int rtp_is_rtcp_in_mux(const uint8_t *p, size_t n);

/*
 * RFC 3551 §6 static payload types (0..34).  Returns 1 and sets *name
 * ("PCMU", ...), *rate (Hz) and *channels for an assigned static type;
 * 0 for dynamic (96..127), unassigned or reserved types.  Any out
 * pointer may be NULL.
 */
int rtp_static_pt(unsigned pt, const char **name, uint32_t *rate, uint8_t *channels);

#endif
