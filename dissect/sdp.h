/*
 * sdp.h - SDP (RFC 4566/8866) summary: connection address, media lines,
 * codecs and direction, enough to annotate a ladder arrow.
 *
 * Pure and allocation-free: the summary holds slices into the body.
 * Bounded: at most SDP_MAX_MEDIA media sections and SDP_MAX_FMTS formats
 * each are described; `truncated` says when more were present.
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

#endif
