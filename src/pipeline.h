/*
 * pipeline.h - wiring of one analysis run: capture -> decode -> SIP
 * detection -> store (correlation).  Live capture (a later issue) feeds
 * the same pipeline_frame().
 */
#ifndef SIPLADDER_SRC_PIPELINE_H
#define SIPLADDER_SRC_PIPELINE_H

#include "src/base/diag.h"
#include "src/base/limits.h"
#include "src/capture.h"
#include "src/decode.h"
#include "src/media.h"
#include "src/sipstream.h"
#include "src/store.h"
#include "src/tcp.h"

/* Streaming: finished calls are emitted during the run and freed (see
 * store_sweep); set before the first frame. */
struct pipeline_stream {
    int on;
    int64_t linger_ns, idle_ns;  /* see store_sweep() */
    int64_t next_sweep;          /* capture time of the next sweep */
    void (*emit)(void *ctx, const struct store *s, const struct call *c);
    void *ctx;
};

struct pipeline {
    struct decoder dec;
    struct store store;
    struct tcp_table tcp;
    struct media media;
    struct sipstream ss;
    struct diag *diag;
    struct pipeline_stream stream;
    uint64_t udp_payloads, sip_candidates;
    uint64_t frame_seq;
    uint64_t hep_packets, sctp_messages, sctp_chunks_bad;
    /* SCTP DATA fragments being reassembled: key -> index */
    struct hmap sctp_by_key;
    struct sctp_part {
        uint8_t *p;
        size_t n, cap;
        uint64_t first_frame;
        uint32_t parts;
        int used;
    } *sctp_parts;
    size_t nsctp_parts, cap_sctp_parts;
};

void pipeline_init(struct pipeline *pl, const struct limits *lim, struct diag *diag);
void pipeline_fini(struct pipeline *pl);
/* Feed one captured frame. */
void pipeline_frame(void *pl, const struct frame *f);
/* End of input.  In streaming mode every call still open is emitted. */
void pipeline_finish(struct pipeline *pl);

#endif
