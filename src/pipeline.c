/*
 * pipeline.c - frame -> packet -> SIP -> store (see pipeline.h).
 *
 * SIP is recognised by content, never by port: every UDP payload gets
 * sip_looks_like(), which rejects non-SIP in a few byte compares.
 */
#include "src/pipeline.h"

#include <string.h>

#include "dissect/sip.h"

static void on_udp(void *ctx, const struct pkt *k)
{
    struct pipeline *pl = ctx;
    pl->udp_payloads++;
    if (k->len == 0 || !sip_looks_like(k->payload, k->len))
        return;
    pl->sip_candidates++;
    store_add_sip(&pl->store, k, k->payload, k->len);
}

static void on_tcp(void *ctx, const struct pkt *k, uint32_t seq, uint8_t flags)
{
    struct pipeline *pl = ctx;
    tcp_segment(&pl->tcp, k, seq, flags);
}

static void on_sctp(void *ctx, const struct pkt *k)
{
    struct pipeline *pl = ctx;
    (void)k;
    pl->sctp_packets++;
    diag_report(pl->diag, DIAG_SCTP_SKIPPED, "SCTP packet not decoded (SIP over SCTP is not implemented yet)");
}

void pipeline_init(struct pipeline *pl, const struct limits *lim, struct diag *diag)
{
    memset(pl, 0, sizeof(*pl));
    pl->diag = diag;
    decoder_init(&pl->dec, lim, diag);
    pl->dec.ctx = pl;
    pl->dec.deliver = on_udp;
    pl->dec.tcp = on_tcp;
    pl->dec.sctp = on_sctp;
    store_init(&pl->store, lim, diag);
    sipstream_init(&pl->ss, &pl->store, diag, lim);
    tcp_init(&pl->tcp, lim, diag, &pl->ss.sink, &pl->ss);
}

void pipeline_fini(struct pipeline *pl)
{
    decoder_fini(&pl->dec);
    tcp_fini(&pl->tcp);
    sipstream_fini(&pl->ss);
    store_fini(&pl->store);
}

void pipeline_frame(void *ctx, const struct frame *f)
{
    struct pipeline *pl = ctx;
    decode_frame(&pl->dec, f);
}

void pipeline_finish(struct pipeline *pl)
{
    decoder_finish(&pl->dec);
    tcp_finish(&pl->tcp);
    store_finish(&pl->store);
}
