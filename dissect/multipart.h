/*
 * multipart.h - MIME multipart bodies (RFC 2046 §5.1) as carried in SIP
 * (RFC 3261 §7.4, RFC 5621): SIP-I (SDP + ISUP), SDP + PIDF, etc.
 *
 * Pure and allocation-free: parts are slices into the body.  Bounded: the
 * caller's part array sets the maximum, and nesting is limited by the
 * caller's depth (a body nested deeper is reported, never recursed into).
 */
#ifndef SIPLADDER_DISSECT_MULTIPART_H
#define SIPLADDER_DISSECT_MULTIPART_H

#include <stddef.h>

#include "src/base/util.h"

struct mp_part {
    struct slice headers;      /* the part's header block (may be empty) */
    struct slice content_type; /* its Content-Type value, trimmed (empty = text/plain) */
    struct slice body;
};

enum mp_rc {
    MP_OK = 0,
    MP_NOT_MULTIPART = 1,      /* the Content-Type is not multipart/... */
    MP_NO_BOUNDARY = -1,       /* multipart without a usable boundary parameter */
    MP_NO_PARTS = -2,          /* the boundary never appears */
    MP_UNTERMINATED = -3,      /* no closing delimiter: parts up to the end are kept */
    MP_TOO_MANY = -4,          /* more parts than the array: the rest are not listed */
};

/* Is this Content-Type value multipart/...?  Sets *boundary when so. */
int multipart_boundary(struct slice content_type, struct slice *boundary);

/*
 * Split `body` by the boundary of `content_type`.  Fills up to max_parts;
 * *nparts gets the number listed.  Returns enum mp_rc (MP_OK, or a
 * negative value describing a problem: parts found so far are still
 * listed).
 */
int multipart_parse(struct slice content_type, struct slice body, struct mp_part *parts, size_t max_parts,
                    size_t *nparts);

/*
 * Find the first body of media type `want` (e.g. "application/sdp",
 * case-insensitive, parameters ignored) in a possibly nested multipart
 * body, descending at most `max_depth` levels.  A non-multipart body of
 * the wanted type is returned as is.  *too_deep (may be NULL) is set when
 * the search stopped at max_depth.  Returns SLICE_NULL when not found.
 */
struct slice multipart_find(struct slice content_type, struct slice body, const char *want, int max_depth,
                            int *too_deep);

#endif
