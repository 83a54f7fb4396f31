/*
 * sip.h - SIP message parser (RFC 3261 §7, §20, §25), zero-copy.
 *
 * Pure functions: no I/O, no globals, no allocation.  The caller owns the
 * message bytes and the header array (picohttpparser contract).  Every
 * position the parser reports is a `struct sip_span` (offset, length)
 * relative to the start of the message bytes, so a message can be copied
 * elsewhere without fixing up pointers; sip_span_slice() turns a span back
 * into a borrowed slice.
 *
 * Tolerance: the parser never fails on a header it does not like.  It
 * records an anomaly (what and where) and goes on, like sofia-sip's error
 * headers.  Only an unusable start line makes sip_parse() return SIP_BAD.
 * A message missing Call-ID, From, To or CSeq parses fine but carries
 * SIP_ANOM_MISSING_* anomalies; sip_msg_correlatable() tells whether the
 * correlation layer may use it.
 *
 * Header values of folded (continuation) lines span the raw bytes
 * including the CRLF and leading whitespace; the value parsers in
 * sip_hdr.h treat CR/LF/SP/HT alike as linear white space.
 */
#ifndef SIPLADDER_DISSECT_SIP_H
#define SIPLADDER_DISSECT_SIP_H

#include <stddef.h>
#include <stdint.h>

#include "src/base/util.h"

struct sip_span {
    uint32_t off, len;
};

enum sip_rc {
    SIP_OK = 0,
    SIP_BAD = -1,
    SIP_NEED_MORE = -2,
};

/* Known methods; SIP_M_OTHER keeps the token in method_s. */
enum sip_method {
    SIP_M_OTHER = 0,
    SIP_M_INVITE,
    SIP_M_ACK,
    SIP_M_BYE,
    SIP_M_CANCEL,
    SIP_M_REGISTER,
    SIP_M_OPTIONS,
    SIP_M_PRACK,
    SIP_M_SUBSCRIBE,
    SIP_M_NOTIFY,
    SIP_M_PUBLISH,
    SIP_M_INFO,
    SIP_M_REFER,
    SIP_M_MESSAGE,
    SIP_M_UPDATE,
    SIP_M__COUNT
};

/* Well-known headers.  Names match case-insensitively, compact forms
 * (RFC 3261 §7.3.3 and the IANA registry) map to the same id. */
enum sip_hdr_id {
    SIP_H_OTHER = 0,
    SIP_H_CALL_ID,        /* i */
    SIP_H_FROM,           /* f */
    SIP_H_TO,             /* t */
    SIP_H_CSEQ,
    SIP_H_VIA,            /* v */
    SIP_H_CONTACT,        /* m */
    SIP_H_CONTENT_LENGTH, /* l */
    SIP_H_CONTENT_TYPE,   /* c */
    SIP_H_CONTENT_ENCODING, /* e */
    SIP_H_ROUTE,
    SIP_H_RECORD_ROUTE,
    SIP_H_MAX_FORWARDS,
    SIP_H_REASON,
    SIP_H_USER_AGENT,
    SIP_H_SERVER,
    SIP_H_SUBJECT,        /* s */
    SIP_H_SUPPORTED,      /* k */
    SIP_H_REQUIRE,
    SIP_H_EVENT,          /* o */
    SIP_H_ALLOW_EVENTS,   /* u */
    SIP_H_REFER_TO,       /* r */
    SIP_H_REFERRED_BY,    /* b */
    SIP_H_SESSION_EXPIRES, /* x */
    SIP_H_IDENTITY,       /* y */
    SIP_H_IDENTITY_INFO,  /* n */
    SIP_H_ACCEPT_CONTACT, /* a */
    SIP_H_REJECT_CONTACT, /* j */
    SIP_H_REQUEST_DISPOSITION, /* d */
    SIP_H_RSEQ,
    SIP_H_RACK,
    SIP_H_REPLACES,
    SIP_H_WWW_AUTHENTICATE,
    SIP_H_PROXY_AUTHENTICATE,
    SIP_H_AUTHORIZATION,
    SIP_H_PROXY_AUTHORIZATION,
    SIP_H_EXPIRES,
    SIP_H_ALLOW,
    SIP_H_P_ASSERTED_IDENTITY,
    SIP_H_DIVERSION,
    SIP_H__COUNT
};

/* Anomaly kinds.  Keep sip_anom_name() in sync. */
enum sip_anom {
    SIP_ANOM_NONE = 0,
    SIP_ANOM_LEADING_JUNK,      /* bytes (NUL, CRLF, garbage) before the start line */
    SIP_ANOM_BAD_START_LINE,    /* start line not "METHOD URI SIP/2.0" / "SIP/2.0 NNN reason" */
    SIP_ANOM_BAD_VERSION,       /* version token is not SIP/2.0 */
    SIP_ANOM_BAD_STATUS,        /* status code not 3 digits in 100..699 */
    SIP_ANOM_HDR_NO_COLON,      /* header line without ':' */
    SIP_ANOM_HDR_BAD_NAME,      /* empty name, or non-token bytes in the name */
    SIP_ANOM_HDR_SPACE_BEFORE_COLON, /* tolerated; noted */
    SIP_ANOM_BARE_LF,           /* line ended with LF alone */
    SIP_ANOM_NUL_IN_HEADER,     /* NUL byte inside the header block */
    SIP_ANOM_NO_HEADER_END,     /* header block not terminated by an empty line */
    SIP_ANOM_TOO_MANY_HEADERS,  /* more headers than the caller's array: the rest are not indexed */
    SIP_ANOM_HDR_TOO_LONG,      /* header line longer than the configured limit */
    SIP_ANOM_MISSING_CALL_ID,
    SIP_ANOM_MISSING_FROM,
    SIP_ANOM_MISSING_TO,
    SIP_ANOM_MISSING_CSEQ,
    SIP_ANOM_MISSING_VIA,
    SIP_ANOM_DUP_CALL_ID,       /* Call-ID present twice with different values */
    SIP_ANOM_DUP_FROM,
    SIP_ANOM_DUP_TO,
    SIP_ANOM_DUP_CSEQ,
    SIP_ANOM_BAD_CSEQ,          /* CSeq not "number method" */
    SIP_ANOM_CSEQ_METHOD_MISMATCH, /* request method differs from CSeq method (ACK/CANCEL rules apply) */
    SIP_ANOM_BAD_CONTENT_LENGTH, /* not a number, negative, or overflows */
    SIP_ANOM_CONTENT_LENGTH_MISMATCH, /* Content-Length larger than the bytes present (body truncated) */
    SIP_ANOM_TRAILING_BYTES,    /* bytes after Content-Length in a datagram */
    SIP_ANOM_BAD_FROM,          /* From/To unparseable name-addr */
    SIP_ANOM_BAD_TO,
    SIP_ANOM_BAD_VIA,
    SIP_ANOM_TRUNCATED,         /* snaplen cut the datagram (set by the caller) */
    SIP_ANOM_BARE_CR,           /* start line ended by a CR without LF (datagram mode) */
    SIP_ANOM_STREAM_GAP,        /* bytes of this message were lost in a stream gap (set by the caller) */
    SIP_ANOM__COUNT
};

#define SIP_MAX_ANOMS 16 /* stored per message; anom_total counts them all */

struct sip_anomaly {
    uint16_t kind; /* enum sip_anom */
    uint32_t off;  /* byte offset in the message where it was seen */
};

struct sip_hdr {
    uint16_t id; /* enum sip_hdr_id */
    struct sip_span name;
    struct sip_span value; /* trimmed of leading/trailing LWS */
};

struct sip_msg {
    uint32_t len;             /* bytes of this message (start line .. end of body) */
    uint8_t is_request;
    uint8_t method;           /* enum sip_method (requests) */
    uint16_t status;          /* 100..699 (responses), 0 for requests */
    struct sip_span start;    /* start line without CRLF */
    struct sip_span method_s; /* request method token */
    struct sip_span ruri;     /* request URI */
    struct sip_span version;  /* "SIP/2.0" */
    struct sip_span reason;   /* response reason phrase (may be empty) */
    uint32_t hdr_off;         /* offset of the first header line */
    uint32_t body_off;        /* offset of the body (after the empty line) */
    struct sip_span body;     /* body bytes actually present */
    int64_t content_length;   /* -1 when absent or invalid */
    struct sip_hdr *hdrs;     /* caller's array */
    uint32_t nhdrs;           /* indexed headers (<= capacity) */
    uint32_t hdr_total;       /* header lines seen (may exceed nhdrs) */
    int32_t first[SIP_H__COUNT]; /* index of the first header of each id, or -1 */
    uint64_t anom_mask;       /* bit (1 << kind) for every anomaly seen */
    uint16_t nanoms;          /* stored in anoms[] */
    uint16_t anom_total;      /* all anomalies, including those not stored */
    struct sip_anomaly anoms[SIP_MAX_ANOMS];
};

struct sip_parse_opts {
    uint32_t max_header_line;  /* 0 = unlimited; longer lines get SIP_ANOM_HDR_TOO_LONG */
    int stream;                /* 1 = framing for a byte stream (TCP): body must be
                                  complete per Content-Length, else SIP_NEED_MORE */
};

/*
 * Cheap content test: does this payload plausibly start a SIP message?
 * Accepts "SIP/2.0 " followed by a digit, or a method token (token chars,
 * first an ASCII letter, any length: PROTOS sends overlong methods) + SP +
 * something whose first line (ended by LF or CR) ends in " SIP/2.0".  Leading NUL/CR/LF/SP bytes
 * (at most 64) are skipped.  Costs a few byte compares for non-SIP.
 */
int sip_looks_like(const uint8_t *p, size_t n);

/*
 * Parse one SIP message starting at p (n bytes available).
 *
 * Datagram mode (opts->stream == 0): the message ends at Content-Length
 * when present and valid, else at n.  Body shorter than Content-Length ->
 * SIP_ANOM_CONTENT_LENGTH_MISMATCH (body = what is there).  Extra bytes
 * after the body -> SIP_ANOM_TRAILING_BYTES (m->len excludes them).
 *
 * Stream mode: returns SIP_NEED_MORE until the header block and the body
 * (Content-Length, 0 when absent) are complete; then m->len is the number
 * of bytes this message occupies, and the caller advances by it.
 *
 * hdrs/max_hdrs: caller-provided array; header lines beyond it are still
 * scanned (for Content-Length and the header end) but not indexed, and
 * SIP_ANOM_TOO_MANY_HEADERS is recorded.  Well-known singletons
 * (Call-ID, From, To, CSeq, Content-Length) are located even past the
 * array's capacity so correlation still works.
 *
 * Returns SIP_OK, SIP_BAD (no usable start line; m->anoms says why) or
 * SIP_NEED_MORE (stream mode only).  Never reads outside [p, p+n).
 */
int sip_parse(const uint8_t *p, size_t n, const struct sip_parse_opts *opts,
              struct sip_msg *m, struct sip_hdr *hdrs, size_t max_hdrs);

/* Slice of the message bytes `base` for span s. */
static inline struct slice sip_span_slice(const uint8_t *base, struct sip_span s)
{
    return (struct slice){base + s.off, s.len};
}

/* Value of the first header with this id, or SLICE_NULL (p == NULL). */
struct slice sip_hdr_first(const struct sip_msg *m, const uint8_t *base, enum sip_hdr_id id);

/* 1 when Call-ID, From, To and CSeq are all present (and not duplicated
 * with conflicting values), i.e. the message may be correlated. */
int sip_msg_correlatable(const struct sip_msg *m);

/* Record an anomaly (used by the parser and by callers, e.g. TRUNCATED). */
void sip_msg_anom(struct sip_msg *m, enum sip_anom kind, uint32_t off);

const char *sip_method_name(enum sip_method m);
enum sip_method sip_method_from(struct slice tok);
const char *sip_hdr_name(enum sip_hdr_id id);    /* canonical long name, "" for OTHER */
enum sip_hdr_id sip_hdr_lookup(struct slice name); /* long or compact, case-insensitive */
const char *sip_anom_name(enum sip_anom a);       /* short kebab-case id, e.g. "missing-call-id" */
const char *sip_anom_text(enum sip_anom a);       /* one sentence for humans */
const char *sip_reason_default(unsigned status);  /* RFC 3261 §21 phrase, "" if unknown */

#endif
