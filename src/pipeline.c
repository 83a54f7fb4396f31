/*
 * pipeline.c - frame -> packet -> SIP -> store (see pipeline.h).
 *
 * SIP is recognised by content, never by port: every UDP payload gets
 * sip_looks_like(), which rejects non-SIP in a few byte compares.
 */
#include "src/pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "dissect/hep.h"
#include "dissect/sctp.h"
#include "dissect/sip.h"
#include "src/base/util.h"

/* live --out-dir (store.keep_raw): keep a copy of the frame that carried
 * message `idx` whole (UDP, SCTP, HEP), for the call's own pcap. */
static void keep_raw(struct pipeline *pl, uint32_t idx, const struct frame *f)
{
    if (!pl->store.keep_raw || idx == NONE || !f->data)
        return;
    if (pl->store.raw_bytes + f->caplen > pl->store.lim->raw_bytes) {
        /* the call's pcap gets a synthesized frame for this message instead */
        diag_limit(pl->diag, "raw-bytes", "limit raw-bytes=%llu reached: frame not kept for the call's pcap",
                   (unsigned long long)pl->store.lim->raw_bytes);
        return;
    }
    struct msg *m = &pl->store.msgs[idx];
    m->raw = xmemdup(f->data, f->caplen);
    m->rawlen = f->caplen;
    m->rawwire = f->len;
    m->rawdlt = f->dlt;
    pl->store.raw_bytes += f->caplen;
}

/* HEP v1/v2/v3 (HOMER): the SIP inside, with HEP's addresses and time. */
static int try_hep(struct pipeline *pl, const struct pkt *k)
{
    struct hep_info h;
    int rc = hep_parse(k->payload, k->len, &h);
    if (rc == 0)
        return 0;
    pl->hep_packets++;
    if (rc < 0) {
        diag_report(pl->diag, DIAG_HEP, "malformed HEP packet (truncated chunk or lying length); skipped");
        return 1;
    }
    if (h.compressed) {
        diag_report(pl->diag, DIAG_HEP, "HEP packet with a compressed payload (chunk 16) is not supported; skipped");
        return 1;
    }
    if ((h.proto_type && h.proto_type != 1) || !sip_looks_like(h.payload, h.payload_len))
        return 1; /* RTCP, logs, ... carried in HEP: not SIP */
    struct frame f = *k->frame;
    if (h.has_time)
        f.ts = (int64_t)h.ts_sec * 1000000000LL + (int64_t)h.ts_usec * 1000LL;
    struct pkt q = *k;
    q.frame = &f;
    if (h.family == 4 || h.family == 6) {
        memset(&q.src, 0, sizeof q.src);
        memset(&q.dst, 0, sizeof q.dst);
        q.src.family = q.dst.family = h.family;
        memcpy(q.src.addr, h.src, h.family == 4 ? 4 : 16);
        memcpy(q.dst.addr, h.dst, h.family == 4 ? 4 : 16);
        q.src.port = h.sport;
        q.dst.port = h.dport;
    }
    q.transport = h.ip_proto == 6 ? TP_TCP : h.ip_proto == 132 ? TP_SCTP : TP_UDP;
    q.flags |= PKT_HEP;
    q.payload = h.payload;
    q.len = q.wire_len = (uint32_t)h.payload_len;
    pl->sip_candidates++;
    uint32_t idx = store_add_sip(&pl->store, &q, h.payload, h.payload_len);
    if (!(k->flags & PKT_REASSEMBLED))
        keep_raw(pl, idx, k->frame);
    return 1;
}

static void on_udp(void *ctx, const struct pkt *k)
{
    struct pipeline *pl = ctx;
    pl->udp_payloads++;
    if (k->len == 0)
        return;
    if (sip_looks_like(k->payload, k->len)) {
        pl->sip_candidates++;
        uint32_t idx = store_add_sip(&pl->store, k, k->payload, k->len);
        if (!(k->flags & PKT_REASSEMBLED))
            keep_raw(pl, idx, k->frame);
        return;
    }
    /* a datagram quoted in an ICMP error bounced: it is not received media */
    if (!try_hep(pl, k) && !(k->flags & PKT_ICMP_QUOTED))
        media_packet(&pl->media, k);
}

static void on_tcp(void *ctx, const struct pkt *k, uint32_t seq, uint8_t flags)
{
    struct pipeline *pl = ctx;
    tcp_segment(&pl->tcp, k, seq, flags);
}

/* RFC 4168: each SCTP user message (one DATA chunk, or B..E fragments
 * reassembled per stream) is one SIP message. */
static void sctp_deliver(struct pipeline *pl, const struct pkt *k, const uint8_t *p, size_t n, uint64_t first,
                         uint32_t parts)
{
    if (!sip_looks_like(p, n))
        return;
    struct pkt q = *k;
    q.payload = p;
    q.len = q.wire_len = (uint32_t)n;
    q.first_frame = first;
    q.segments = parts;
    if (parts > 1)
        q.flags |= PKT_REASSEMBLED;
    pl->sctp_messages++;
    uint32_t idx = store_add_sip(&pl->store, &q, p, n);
    if (parts <= 1 && !(k->flags & PKT_REASSEMBLED))
        keep_raw(pl, idx, k->frame);
}

static void on_sctp(void *ctx, const struct pkt *k)
{
    struct pipeline *pl = ctx;
    struct sctp_hdr h;
    if (sctp_parse_header(k->payload, k->len, &h) != 0)
        return;
    struct rd r = sctp_chunks(k->payload, k->len);
    struct sctp_chunk c;
    int rc;
    while ((rc = sctp_next_chunk(&r, &c)) == 1) {
        struct sctp_data d;
        if (sctp_parse_data(&c, &d) != 1)
            continue;
        if (d.begin && d.end) {
            sctp_deliver(pl, k, d.user, d.user_len, k->frame->no, 1);
            continue;
        }
        /* fragmented user message: key = direction + stream + SSN/MID */
        uint8_t key[48];
        size_t kl = 0, al = k->src.family == 4 ? 4 : 16;
        memcpy(key + kl, k->src.addr, al), kl += al;
        memcpy(key + kl, &k->src.port, 2), kl += 2;
        memcpy(key + kl, k->dst.addr, al), kl += al;
        memcpy(key + kl, &k->dst.port, 2), kl += 2;
        memcpy(key + kl, &d.sid, 2), kl += 2;
        uint32_t id = d.idata ? d.mid : d.ssn;
        memcpy(key + kl, &id, 4), kl += 4;
        uint32_t i;
        if (!hmap_get(&pl->sctp_by_key, key, kl, &i)) {
            if (!d.begin) {
                diag_report(pl->diag, DIAG_SCTP, "SCTP DATA fragment without its first part; message lost");
                continue;
            }
            pl->sctp_parts = xgrow(pl->sctp_parts, &pl->cap_sctp_parts, pl->nsctp_parts + 1, sizeof(*pl->sctp_parts));
            i = (uint32_t)pl->nsctp_parts++;
            memset(&pl->sctp_parts[i], 0, sizeof(pl->sctp_parts[i]));
            pl->sctp_parts[i].first_frame = k->frame->no;
            pl->sctp_parts[i].used = 1;
            hmap_put(&pl->sctp_by_key, key, kl, i);
        }
        struct sctp_part *sp = &pl->sctp_parts[i];
        if (sp->n + d.user_len > pl->store.lim->sctp_bytes) {
            diag_limit(pl->diag, "sctp-bytes", "an SCTP user message exceeds sctp-bytes=%u; dropped",
                       pl->store.lim->sctp_bytes);
            free(sp->p);
            memset(sp, 0, sizeof(*sp));
            hmap_del(&pl->sctp_by_key, key, kl);
            continue;
        }
        sp->p = xgrow(sp->p, &sp->cap, sp->n + d.user_len, 1);
        memcpy(sp->p + sp->n, d.user, d.user_len);
        sp->n += d.user_len;
        sp->parts++;
        if (d.end) {
            sctp_deliver(pl, k, sp->p, sp->n, sp->first_frame, sp->parts);
            free(sp->p);
            memset(sp, 0, sizeof(*sp));
            hmap_del(&pl->sctp_by_key, key, kl);
        }
    }
    if (rc < 0) {
        pl->sctp_chunks_bad++;
        diag_report(pl->diag, DIAG_SCTP, "malformed SCTP chunk; the rest of the packet is skipped");
    }
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
    media_init(&pl->media, lim, diag);
    pl->store.on_msg = media_on_sip;
    pl->store.on_msg_ctx = &pl->media;
    pl->store.on_emitted = media_on_emitted;
    pl->store.on_emitted_ctx = &pl->media;
    hmap_init(&pl->sctp_by_key);
    tcp_init(&pl->tcp, lim, diag, &pl->ss.sink, &pl->ss);
}

void pipeline_fini(struct pipeline *pl)
{
    decoder_fini(&pl->dec);
    tcp_fini(&pl->tcp);
    sipstream_fini(&pl->ss);
    media_fini(&pl->media);
    for (size_t i = 0; i < pl->nsctp_parts; i++)
        free(pl->sctp_parts[i].p);
    free(pl->sctp_parts);
    hmap_fini(&pl->sctp_by_key);
    store_fini(&pl->store);
}

void pipeline_frame(void *ctx, const struct frame *f)
{
    struct pipeline *pl = ctx;
    struct frame g = *f; /* numbered in merged capture order */
    g.seq = ++pl->frame_seq;
    pl->store.now_seq = g.seq;
    decode_frame(&pl->dec, &g);
    if (pl->stream.on && f->ts >= pl->stream.next_sweep) {
        /* once a second of capture time */
        if (pl->stream.next_sweep)
            store_sweep(&pl->store, f->ts, pl->stream.linger_ns, pl->stream.idle_ns, pl->stream.emit, pl->stream.ctx);
        pl->stream.next_sweep = f->ts + 1000000000LL;
    }
}

void pipeline_finish(struct pipeline *pl)
{
    decoder_finish(&pl->dec);
    tcp_finish(&pl->tcp);
    media_finish(&pl->media);
    for (size_t i = 0; i < pl->nsctp_parts; i++)
        if (pl->sctp_parts[i].used)
            diag_report(pl->diag, DIAG_SCTP, "SCTP user message of %zu bytes still incomplete at the end of the capture",
                        pl->sctp_parts[i].n);
    if (pl->stream.on)
        store_flush_all(&pl->store, pl->stream.emit, pl->stream.ctx);
    else
        store_finish(&pl->store);
}
