/*
 * sip_hdr.h - on-demand parsers for SIP header values (RFC 3261 §25.1).
 *
 * Inputs are borrowed slices of a header value (as returned by
 * sip_hdr_first() or sip_span_slice()); outputs are slices into the same
 * bytes.  Nothing allocates.  Every function tolerates hostile input and
 * reports failure by return value, never by reading out of bounds.
 */
#ifndef SIPLADDER_DISSECT_SIP_HDR_H
#define SIPLADDER_DISSECT_SIP_HDR_H

#include <stdint.h>

#include "src/base/util.h"

/* Split a comma-separated header value (Via, Contact, Route,
 * Record-Route...) respecting quoted strings and <...>.  *rest is the
 * remaining input; returns 1 and sets *item (trimmed) while items remain. */
int sip_next_value(struct slice *rest, struct slice *item);

/* Look up a ;param (case-insensitive name) in a parameter list such as
 * ";tag=abc;lr".  Returns 1 if present; *val is its value (may be empty,
 * quotes kept). */
int sip_param_get(struct slice params, const char *name, struct slice *val);

struct sip_uri {
    struct slice scheme; /* "sip", "sips", "tel", ... */
    struct slice user;   /* before '@' (without password), may be empty */
    struct slice host;   /* IPv6 references keep their brackets */
    uint16_t port;       /* 0 when absent */
    struct slice params; /* from the first ';' to the end or '?', leading ';' kept */
    struct slice headers; /* after '?', without it */
};
/* Returns 1 on success. tel: URIs put the number in user and leave host empty. */
int sip_parse_uri(struct slice s, struct sip_uri *u);

struct sip_nameaddr {
    struct slice display; /* without quotes; empty when absent */
    struct slice uri;     /* inside <...> or the bare addr-spec */
    struct slice params;  /* header params after the URI, leading ';' kept */
    struct slice tag;     /* value of ;tag=, empty when absent */
    int has_tag;
};
/* From, To, Contact, Route, Refer-To... (RFC 3261 §20.10, §25.1 name-addr /
 * addr-spec).  For a bare addr-spec, params after ';' are header params,
 * per §20.10.  Returns 1 on success. */
int sip_parse_nameaddr(struct slice s, struct sip_nameaddr *na);

struct sip_via {
    struct slice protocol;  /* "SIP/2.0" */
    struct slice transport; /* "UDP", "TCP", "TLS", "SCTP", "WS", "WSS" */
    struct slice host;
    uint16_t port;          /* 0 when absent */
    struct slice params;
    struct slice branch;    /* empty when absent */
    struct slice received;
    struct slice rport;     /* may be empty with has_rport set */
    int has_rport;
};
/* Parse ONE via-parm (use sip_next_value() to walk a multi-value Via). */
int sip_parse_via(struct slice s, struct sip_via *v);

struct sip_cseq {
    uint32_t seq;
    struct slice method;
};
/* "CSeq: 314159 INVITE".  Returns 0 if the number is missing, not
 * decimal, or exceeds 2^32-1, or the method is missing. */
int sip_parse_cseq(struct slice s, struct sip_cseq *c);

/* Content-Length: decimal digits only (LWS trimmed).  Returns value or -1. */
int64_t sip_parse_content_length(struct slice s);

/* RFC 3261 §8.1.1.7: branch starts with the magic cookie "z9hG4bK". */
int sip_branch_is_rfc3261(struct slice branch);

#endif
