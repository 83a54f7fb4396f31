/*
 * sdp.h - SDP (RFC 8866, formerly RFC 4566) in two depths:
 *
 *   sdp_summarize()  a small summary (connection address, media lines,
 *                    codecs, direction) for a ladder arrow note;
 *   sdp_parse()      the full description: o= (§5.2), c= at session and
 *                    media level (§5.7, media overrides), b= (§5.8), every
 *                    m= (§5.14) with port/port count, proto and formats,
 *                    a=rtpmap/fmtp/ptime/maxptime (§6.6, §6.15, §6.4,
 *                    §6.5), direction (§6.7, RFC 3264 §5.1), a=rtcp
 *                    (RFC 3605), a=rtcp-mux (RFC 5761 §5.1.1), a=crypto
 *                    (RFC 4568 §9.1: count and suite only, never the key),
 *                    a=candidate (RFC 8839 §5.1: counted), a=fingerprint
 *                    (RFC 8122: noted), and the T.38 attributes of ITU-T
 *                    T.38 Annex D / RFC 3362 (T38FaxVersion,
 *                    T38MaxBitRate, T38FaxRateManagement, T38FaxMaxBuffer,
 *                    T38FaxMaxDatagram, T38FaxUdpEC, T38FaxFillBitRemoval,
 *                    T38FaxTranscodingMMR, T38FaxTranscodingJBIG).
 *
 * Both are pure and allocation-free: results hold slices into the body
 * (borrowed: valid while the body is).  Both are bounded: documented
 * maxima for media sections, formats, bandwidth lines and crypto lines;
 * `truncated` says when more were present.  Malformed lines never make
 * sdp_parse() fail: they become anomalies {line number, kind}.
 *
 * Offer/answer changes are detected by content: sdp_fingerprint() hashes
 * the normalised media description (no o= at all, so a device that
 * reuses its o= version still shows a change, and one that bumps the
 * version without changing anything does not).
 */
#ifndef SIPLADDER_DISSECT_SDP_H
#define SIPLADDER_DISSECT_SDP_H

#include <stdint.h>

#include "src/base/util.h"

#define SDP_MAX_MEDIA 8
#define SDP_MAX_FMTS 12

enum sdp_dir { SDP_DIR_NONE = 0, SDP_DIR_SENDRECV, SDP_DIR_SENDONLY, SDP_DIR_RECVONLY, SDP_DIR_INACTIVE };

struct sdp_fmt {
    struct slice pt;    /* payload type token from m= */
    struct slice name;  /* encoding name from a=rtpmap, empty if none */
    uint32_t rate;      /* clock rate from a=rtpmap, 0 if none */
};

struct sdp_media {
    struct slice type;  /* audio, video, image, application */
    uint16_t port;
    struct slice proto; /* RTP/AVP, udptl, ... */
    struct slice addr;  /* effective c= address (media level overrides session) */
    uint8_t dir;        /* effective direction */
    uint8_t nfmt;
    struct sdp_fmt fmt[SDP_MAX_FMTS];
};

struct sdp_summary {
    struct slice session_addr;
    uint8_t session_dir;
    uint8_t nmedia;
    uint8_t truncated;
    uint32_t anomalies;  /* count of lines that are not "x=..." */
    struct sdp_media media[SDP_MAX_MEDIA];
};

/* Returns 1 when the body looks like SDP (starts with v=). */
int sdp_summarize(struct slice body, struct sdp_summary *out);
const char *sdp_dir_name(enum sdp_dir d);

/* ---- full parser ------------------------------------------------------ */

#define SDP_FULL_MAX_MEDIA 16   /* media sections described by sdp_parse() */
#define SDP_FULL_MAX_FMTS 32    /* formats per media section */
#define SDP_MAX_BW 4            /* b= lines per level */
#define SDP_MAX_CRYPTO 4        /* a=crypto lines per media section */
#define SDP_MAX_ANOMS 16        /* stored; anom_total counts them all */

/* Anomaly kinds; keep sdp_anom_name() in sync. */
enum sdp_anom {
    SDP_ANOM_NONE = 0,
    SDP_ANOM_NOT_TYPE_EQ,      /* line is not "<letter>=<value>" */
    SDP_ANOM_BAD_VERSION,      /* v= is not 0, or not the first line */
    SDP_ANOM_BAD_ORIGIN,       /* o= does not have 6 fields */
    SDP_ANOM_DUP_SESSION_LINE, /* v=, o= or s= seen twice */
    SDP_ANOM_BAD_CONNECTION,   /* c= not "IN IP4|IP6 addr[/ttl[/n]]" */
    SDP_ANOM_BAD_BANDWIDTH,    /* b= not "type:number" */
    SDP_ANOM_BAD_MEDIA,        /* m= with fewer than 3 fields (media, port, proto) */
    SDP_ANOM_BAD_PORT,         /* m= port or /count not a number, or > 65535 */
    SDP_ANOM_NO_FORMATS,       /* m= without any format */
    SDP_ANOM_BAD_RTPMAP,       /* a=rtpmap not "pt name/rate[/params]" */
    SDP_ANOM_RTPMAP_NO_FMT,    /* a=rtpmap/fmtp for a format not on the m= line */
    SDP_ANOM_BAD_FMTP,         /* a=fmtp without "pt params" */
    SDP_ANOM_BAD_PTIME,        /* a=ptime/maxptime not a number */
    SDP_ANOM_BAD_RTCP,         /* a=rtcp port not a number <= 65535, or bad address part */
    SDP_ANOM_BAD_CRYPTO,       /* a=crypto not "tag suite key-params" */
    SDP_ANOM_BAD_T38,          /* T.38 attribute with an unusable value */
    SDP_ANOM_MEDIA_ATTR_AT_SESSION, /* rtpmap/fmtp/ptime/rtcp/crypto before any m= */
    SDP_ANOM_NO_CONNECTION,    /* an active media section with no c= at either level */
    SDP_ANOM_NUL_BYTE,         /* NUL byte in a line */
    SDP_ANOM_TOO_MANY,         /* a bound was hit (media, formats, b=, crypto): see truncated */
    SDP_ANOM__COUNT
};

struct sdp_anomaly {
    uint32_t line; /* 1-based line number */
    uint16_t kind; /* enum sdp_anom */
};

struct sdp_origin {
    uint8_t present;
    struct slice username, sess_id, sess_version, nettype, addrtype, addr;
};

struct sdp_conn {
    uint8_t present;
    struct slice addrtype; /* IP4 / IP6 */
    struct slice addr;     /* without /ttl and /count */
};

struct sdp_bw {
    struct slice type;     /* CT, AS, TIAS, RS, RR, X-... */
    uint32_t kbps;         /* value as written (TIAS is bit/s) */
};

/* One format of an m= line with its rtpmap and fmtp. */
struct sdp_payload {
    struct slice pt;       /* token from m= */
    int16_t num;           /* payload type 0..127, -1 when not numeric (image udptl "t38", ...) */
    struct slice name;     /* encoding name from a=rtpmap; empty if none */
    uint32_t rate;         /* clock rate from a=rtpmap, 0 if none */
    uint16_t channels;     /* encoding parameters (audio channels), 0 if none */
    struct slice fmtp;     /* a=fmtp parameters, empty if none */
};

/* ITU-T T.38 Annex D SDP attributes (any level).  -1 / empty when absent. */
struct sdp_t38 {
    uint8_t present;       /* any T38* attribute seen */
    int32_t version;       /* T38FaxVersion */
    int64_t max_bitrate;   /* T38MaxBitRate */
    struct slice rate_mgmt; /* T38FaxRateManagement: localTCF / transferredTCF */
    int64_t max_buffer;    /* T38FaxMaxBuffer */
    int64_t max_datagram;  /* T38FaxMaxDatagram */
    struct slice udp_ec;   /* T38FaxUdpEC: t38UDPFEC / t38UDPRedundancy */
    uint8_t fill_bit_removal, transcoding_mmr, transcoding_jbig; /* flag present (or :1) */
};

struct sdp_mdesc {
    uint32_t line;         /* line number of the m= line */
    struct slice type;     /* audio, video, image, application, text, message */
    uint16_t port;
    uint16_t nports;       /* m=<media> <port>/<number of ports>, 1 when absent */
    struct slice proto;    /* RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF, udptl, ... */
    struct sdp_conn conn;  /* effective: media-level c= when present, else session */
    uint8_t conn_media;    /* 1 when conn came from a media-level c= */
    uint8_t dir;           /* effective enum sdp_dir (media, else session, else NONE) */
    uint8_t dir_media;     /* 1 when a direction attribute is at media level */
    uint8_t rtcp_mux;      /* a=rtcp-mux */
    uint8_t has_rtcp;      /* a=rtcp present */
    uint16_t rtcp_port;
    struct slice rtcp_addr; /* a=rtcp address, empty if none */
    uint16_t ptime, maxptime; /* ms, 0 when absent (fractions truncated) */
    uint8_t has_fingerprint; /* a=fingerprint (DTLS-SRTP) at media or session level */
    uint8_t ncrypto;
    struct slice crypto_suite[SDP_MAX_CRYPTO]; /* suites only: key parameters are never exposed */
    uint16_t ncandidates;  /* a=candidate lines */
    uint16_t nattrs;       /* all a= lines of this section */
    uint8_t nbw;
    struct sdp_bw bw[SDP_MAX_BW];
    uint8_t nfmt;
    struct sdp_payload fmt[SDP_FULL_MAX_FMTS];
    struct sdp_t38 t38;    /* media level, merged over session-level T.38 attributes */
};

struct sdp_desc {
    uint32_t lines;        /* lines seen (empty lines included) */
    struct sdp_origin origin;
    struct slice session_name;     /* s= */
    struct sdp_conn conn;          /* session-level c= */
    uint8_t session_dir;           /* session-level direction, SDP_DIR_NONE if absent */
    uint8_t session_fingerprint;
    uint16_t session_candidates;
    uint8_t nbw;
    struct sdp_bw bw[SDP_MAX_BW];  /* session-level b= */
    struct sdp_t38 t38;            /* session-level T.38 attributes (rare) */
    uint8_t nmedia;
    uint8_t truncated;             /* some bound was hit */
    uint16_t nanoms;
    uint16_t anom_total;
    struct sdp_anomaly anoms[SDP_MAX_ANOMS];
    struct sdp_mdesc media[SDP_FULL_MAX_MEDIA];
};

/*
 * Parse an SDP body into *out (about 39 KB: keep it static or on the heap
 * when many are alive; only sdp_fingerprint() needs to be kept to detect
 * changes).  Returns 1 when it looks like SDP (first non-blank
 * line starts with "v="), 0 otherwise (*out is then zeroed).  Lines end
 * with CRLF or LF.  Never fails on content: every oddity is an anomaly.
 */
int sdp_parse(struct slice body, struct sdp_desc *out);

const char *sdp_anom_name(enum sdp_anom a);

/*
 * 64-bit content fingerprint of the media description: for each media
 * section in order, its type, port, port count, proto, effective c=
 * address, effective direction (absent = sendrecv, RFC 3264 §5.1),
 * formats in order with rtpmap name (case-folded), rate, channels and
 * fmtp, ptime, maxptime, a=rtcp, rtcp-mux, crypto suites and T.38
 * parameters.  o= (version included), s=, b=, candidates and all other
 * attributes are excluded.  Equal descriptions give equal fingerprints.
 */
uint64_t sdp_fingerprint(const struct sdp_desc *d);

/* 1 when the two descriptions have the same fingerprint. */
int sdp_media_equal(const struct sdp_desc *a, const struct sdp_desc *b);

enum sdp_hold {
    SDP_HOLD_NONE = 0,
    SDP_HOLD_SENDONLY,   /* a=sendonly (RFC 3264 §8.4) */
    SDP_HOLD_INACTIVE,   /* a=inactive */
    SDP_HOLD_ZERO_ADDR,  /* c=IN IP4 0.0.0.0 (RFC 2543 hold, RFC 3264 §8.4 note) */
};

/* Hold state of one media section: zero address first, then direction. */
enum sdp_hold sdp_mdesc_hold(const struct sdp_mdesc *m);

/*
 * 1 when the description puts the call on hold: it has at least one
 * active (port != 0) audio or video section and every such section is on
 * hold (sendonly, inactive, or c=0.0.0.0).  recvonly is not hold (it is
 * the answer to one).
 */
int sdp_is_hold(const struct sdp_desc *d);

/* The payload with number pt in m, or NULL. */
const struct sdp_payload *sdp_payload_find(const struct sdp_mdesc *m, unsigned pt);

/*
 * Clock rate for payload type pt in m: the a=rtpmap rate when present,
 * else the RFC 3551 static rate (rtp_static_pt()), else 0.
 */
uint32_t sdp_clock_rate(const struct sdp_mdesc *m, unsigned pt);

/*
 * Where RTCP for this section goes: a=rtcp port (and address) when
 * present, the RTP port itself with rtcp-mux, else port + 1 (RFC 3550
 * §11).  *addr may be set to the a=rtcp address (empty = same as RTP).
 * Returns 0 for a disabled section (port 0).
 */
uint16_t sdp_rtcp_port(const struct sdp_mdesc *m, struct slice *addr);

#endif
