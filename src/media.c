/*
 * media.c - media tied to calls (see media.h).
 *
 * References: RFC 3264 (offer/answer), RFC 4566/8866 (SDP), RFC 3550
 * (RTP/RTCP, A.1 sequence, A.8 jitter, §6.4.1 RTT), RFC 5761 (rtcp-mux),
 * RFC 4733 (telephone-event), RFC 3611 (XR VoIP metrics), ITU-T T.38.
 */
#include "src/media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/dtmf.h"
#include "dissect/kpml.h"
#include "dissect/multipart.h"
#include "dissect/rtcp.h"
#include "dissect/rtp.h"
#include "dissect/sdp.h"
#include "dissect/sip.h"
#include "src/base/util.h"

#define MULTIPART_DEPTH 8

const char *media_kind_name(enum media_kind k)
{
    return k == MK_RTP ? "RTP" : k == MK_RTCP ? "RTCP" : "UDPTL";
}

const char *media_match_name(enum media_match k)
{
    return k == MM_SDP_DST ? "sdp" : k == MM_SDP_SRC ? "sdp-source" : "orphan";
}

void media_init(struct media *m, const struct limits *lim, struct diag *diag)
{
    memset(m, 0, sizeof(*m));
    m->lim = lim;
    m->diag = diag;
    hmap_init(&m->flows_by_ep);
    hmap_init(&m->calls_by_id);
    hmap_init(&m->streams_by_key);
    hmap_init(&m->orphan_cand);
    m->sdp = xcalloc(1, sizeof(*m->sdp));
}

void media_fini(struct media *m)
{
    for (size_t i = 0; i < m->ncalls; i++) {
        free(m->calls[i].call_id);
        free(m->calls[i].streams);
        free(m->calls[i].events);
        free(m->calls[i].oa);
        free(m->calls[i].pts);
    }
    for (size_t i = 0; i < m->nstreams; i++)
        free(m->streams[i].digits);
    for (size_t i = 0; i < m->nflows; i++)
        free(m->flows[i].pts);
    free(m->calls);
    free(m->streams);
    free(m->flows);
    free(m->cands);
    free(m->sdp);
    hmap_fini(&m->flows_by_ep);
    hmap_fini(&m->calls_by_id);
    hmap_fini(&m->streams_by_key);
    hmap_fini(&m->orphan_cand);
    memset(m, 0, sizeof(*m));
}

static size_t ep_key(const struct endpoint *e, uint8_t *k)
{
    size_t al = e->family == 4 ? 4 : 16;
    k[0] = e->family;
    memcpy(k + 1, e->addr, al);
    memcpy(k + 1 + al, &e->port, 2);
    return 3 + al;
}

static uint32_t call_of(struct media *m, const uint8_t *cid, size_t n)
{
    uint32_t i;
    if (hmap_get(&m->calls_by_id, cid, n, &i)) {
        if (m->calls[i].dead) { /* the Call-ID is reused after the call was emitted */
            m->calls[i].dead = 0;
            m->dead_calls--;
        }
        return i;
    }
    m->calls = xgrow(m->calls, &m->cap_calls, m->ncalls + 1, sizeof(*m->calls));
    i = (uint32_t)m->ncalls++;
    memset(&m->calls[i], 0, sizeof(m->calls[i]));
    m->calls[i].call_id = (char *)xmemdup(cid, n);
    m->calls[i].call_id_len = (uint32_t)n;
    hmap_put(&m->calls_by_id, cid, n, i);
    return i;
}

const struct media_call *media_call_find(const struct media *m, const uint8_t *call_id, size_t n)
{
    uint32_t i;
    return hmap_get(&m->calls_by_id, call_id, n, &i) ? &m->calls[i] : NULL;
}

static void add_event(struct media *m, uint32_t ci, const struct msg *msg, const char *kind, const char *text)
{
    struct media_call *c = &m->calls[ci];
    if (c->nevents >= 4096)
        return; /* bounded; the rest are visible in the messages */
    if (!c->cap_events) { /* most calls have an offer and an answer: start at 2, not xgrow's 8 */
        c->events = xmalloc(2 * sizeof(*c->events));
        c->cap_events = 2;
    }
    c->events = xgrow(c->events, &c->cap_events, c->nevents + 1, sizeof(*c->events));
    struct media_event *e = &c->events[c->nevents++];
    memset(e, 0, sizeof(*e));
    e->file = msg->file;
    e->frame = msg->frame;
    e->fseq = msg->fseq;
    snprintf(e->kind, sizeof e->kind, "%s", kind);
    snprintf(e->text, sizeof e->text, "%s", text);
}

/* "1.2.3.4" or an IPv6 text form from SDP into an endpoint; 0 on success. */
static int sdp_addr(struct slice a, uint16_t port, struct endpoint *e)
{
    char t[64];
    if (!a.n || a.n >= sizeof t)
        return -1;
    memcpy(t, a.p, a.n);
    t[a.n] = 0;
    if (endpoint_parse(t, e) != 0)
        return -1;
    if (e->family == 4 && !e->addr[0] && !e->addr[1] && !e->addr[2] && !e->addr[3])
        return -1; /* c=0.0.0.0: RFC 2543 hold, no flow */
    e->port = port;
    return 0;
}

static void copy_name(char *dst, size_t cap, struct slice s)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (s.p[i] >= 0x20 && s.p[i] < 0x7f) ? (char)s.p[i] : '?';
    dst[n] = 0;
}

static void register_flow(struct media *m, uint32_t ci, const struct endpoint *e, uint8_t kind,
                          const struct sdp_mdesc *md, int from_caller)
{
    uint8_t k[24];
    size_t kl = ep_key(e, k);
    uint32_t fi;
    if (!hmap_get(&m->flows_by_ep, k, kl, &fi)) {
        m->flows = xgrow(m->flows, &m->cap_flows, m->nflows + 1, sizeof(*m->flows));
        fi = (uint32_t)m->nflows++;
        hmap_put(&m->flows_by_ep, k, kl, fi);
        m->flows_registered++;
        m->flows[fi].pts = NULL;
        m->flows[fi].cap_pts = 0;
    }
    /* the latest SDP for an address:port wins (re-INVITEs, port reuse) */
    struct media_flow *f = &m->flows[fi];
    struct media_pt *pts = f->pts; /* the payload-type array is reused */
    size_t cap_pts = f->cap_pts;
    memset(f, 0, sizeof(*f));
    f->pts = pts;
    f->cap_pts = cap_pts;
    f->call = ci;
    f->kind = kind;
    f->rtcp_mux = md->rtcp_mux;
    f->te_pt = -1;
    f->last_stream = NONE;
    f->announced = *e;
    f->from_caller = (uint8_t)from_caller;
    f->ptime = md->ptime;
    for (unsigned i = 0; i < md->nfmt; i++) {
        if (md->fmt[i].name.n && slice_eq_ci(md->fmt[i].name, "telephone-event")) {
            if (f->te_pt < 0)
                f->te_pt = md->fmt[i].num;
            continue;
        }
        if (!f->codec[0] && md->fmt[i].num >= 0) {
            const char *sn;
            uint32_t rate = 0;
            uint8_t ch;
            if (md->fmt[i].name.n) {
                copy_name(f->codec, sizeof f->codec, md->fmt[i].name);
                rate = md->fmt[i].rate;
            } else if (rtp_static_pt((unsigned)md->fmt[i].num, &sn, &rate, &ch)) {
                snprintf(f->codec, sizeof f->codec, "%s", sn);
            }
            f->clock_rate = rate ? rate : sdp_clock_rate(md, (unsigned)md->fmt[i].num);
        }
    }
    if (kind == MK_UDPTL)
        snprintf(f->codec, sizeof f->codec, "T.38");
    size_t want = md->nfmt < MEDIA_FLOW_PTS ? md->nfmt : MEDIA_FLOW_PTS;
    if (want > f->cap_pts) { /* exactly the SDP's formats: flows are many, formats few */
        f->pts = xrealloc(f->pts, want * sizeof(*f->pts));
        f->cap_pts = want;
    }
    for (unsigned i = 0; i < md->nfmt && f->npt < MEDIA_FLOW_PTS; i++) {
        if (md->fmt[i].num < 0)
            continue;
        struct media_pt *mp = &f->pts[f->npt++];
        memset(mp, 0, sizeof(*mp));
        mp->pt = (uint8_t)md->fmt[i].num;
        mp->rate = sdp_clock_rate(md, (unsigned)md->fmt[i].num);
        mp->event = md->fmt[i].name.n && slice_eq_ci(md->fmt[i].name, "telephone-event");
        const char *sn;
        uint32_t r;
        uint8_t ch;
        if (md->fmt[i].name.n)
            copy_name(mp->name, sizeof mp->name, md->fmt[i].name);
        else if (rtp_static_pt(mp->pt, &sn, &r, &ch))
            snprintf(mp->name, sizeof mp->name, "%s", sn);
        /* the call-wide map: the latest SDP's mapping of a number wins */
        struct media_call *c = &m->calls[ci];
        unsigned j;
        for (j = 0; j < c->npt && c->pts[j].pt != mp->pt; j++)
            ;
        if (j < MEDIA_CALL_PTS) {
            if (j == c->npt)
                c->pts = xgrow(c->pts, &c->cap_pts, (size_t)j + 1, sizeof(*c->pts));
            c->pts[j] = *mp;
            if (j == c->npt)
                c->npt++;
        }
    }
}

static struct media_oa *oa_of(struct media *m, uint32_t ci, uint32_t dialog)
{
    struct media_call *c = &m->calls[ci];
    for (size_t i = 0; i < c->noa; i++)
        if (c->oa[i].dialog == dialog)
            return &c->oa[i];
    c->oa = xgrow(c->oa, &c->cap_oa, c->noa + 1, sizeof(*c->oa));
    struct media_oa *o = &c->oa[c->noa++];
    memset(o, 0, sizeof(*o));
    o->dialog = dialog;
    return o;
}

static void first_codec(const struct sdp_desc *d, char *out, size_t cap)
{
    out[0] = 0;
    for (unsigned i = 0; i < d->nmedia; i++) {
        const struct sdp_mdesc *md = &d->media[i];
        if (!md->port)
            continue;
        for (unsigned k = 0; k < md->nfmt; k++) {
            const char *sn;
            uint32_t r;
            uint8_t ch;
            if (md->fmt[k].name.n && slice_eq_ci(md->fmt[k].name, "telephone-event"))
                continue;
            if (md->fmt[k].name.n)
                copy_name(out, cap, md->fmt[k].name);
            else if (md->fmt[k].num >= 0 && rtp_static_pt((unsigned)md->fmt[k].num, &sn, &r, &ch))
                snprintf(out, cap, "%s", sn);
            else
                copy_name(out, cap, md->fmt[k].pt);
            return;
        }
    }
}

static int has_t38(const struct sdp_desc *d)
{
    for (unsigned i = 0; i < d->nmedia; i++)
        if (d->media[i].port && slice_eq_ci(d->media[i].type, "image"))
            return 1;
    return 0;
}

static void on_sdp(struct media *m, struct store *s, const struct msg *msg, struct slice body)
{
    const struct call *sc = &s->calls[msg->call];
    struct sdp_desc *d = m->sdp;
    if (!sdp_parse(body, d))
        return;
    m->sdp_seen++;
    if (d->anom_total)
        m->sdp_anomalies++;
    uint32_t ci = call_of(m, sc->call_id, sc->call_id_len);
    int from_caller = endpoint_eq(&msg->src, &sc->caller);
    for (unsigned i = 0; i < d->nmedia; i++) {
        const struct sdp_mdesc *md = &d->media[i];
        struct endpoint e;
        if (!md->port || sdp_addr(md->conn.addr, md->port, &e) != 0)
            continue;
        int udptl = slice_eq_ci(md->proto, "udptl") || slice_eq_ci(md->proto, "UDP/UDPTL");
        register_flow(m, ci, &e, udptl ? MK_UDPTL : MK_RTP, md, from_caller);
        if (!udptl && !md->rtcp_mux) {
            struct endpoint r = e;
            r.port = md->has_rtcp && md->rtcp_port ? md->rtcp_port : (uint16_t)(md->port + 1);
            if (md->has_rtcp && md->rtcp_addr.n)
                sdp_addr(md->rtcp_addr, r.port, &r);
            register_flow(m, ci, &r, MK_RTCP, md, from_caller);
        }
    }
    /* offer/answer and media state, per dialog */
    struct media_oa *o = oa_of(m, ci, msg->dialog);
    char codec[24], text[160];
    first_codec(d, codec, sizeof codec);
    uint64_t fp = sdp_fingerprint(d);
    int hold = sdp_is_hold(d), t38 = has_t38(d);
    const char *role = o->pending ? "answer" : "offer";
    int early = !msg->is_request && msg->status > 100 && msg->status < 200;
    uint8_t adir = SDP_DIR_NONE;
    for (unsigned i = 0; i < d->nmedia && adir == SDP_DIR_NONE; i++)
        if (d->media[i].port && slice_eq_ci(d->media[i].type, "audio"))
            adir = d->media[i].dir ? d->media[i].dir : SDP_DIR_SENDRECV;
    snprintf(text, sizeof text, "SDP %s%s: %s%s%s", role, early ? " (early media)" : "", codec[0] ? codec : "no codec",
             adir && adir != SDP_DIR_SENDRECV ? " " : "", adir && adir != SDP_DIR_SENDRECV ? sdp_dir_name(adir) : "");
    if (o->pending)
        m->calls[ci].sdp_one_way = adir == SDP_DIR_SENDONLY || adir == SDP_DIR_RECVONLY || adir == SDP_DIR_INACTIVE;
    add_event(m, ci, msg, early ? "early-media" : role, text);
    if (o->pending) {
        /* the answer fixes the session: hold if the offer or the answer put it on hold */
        int held_now = o->offer_hold || hold;
        if (o->last_fp && fp != o->last_fp) {
            if (t38 && !o->t38)
                add_event(m, ci, msg, "t38", "switch to T.38 fax");
            else if (codec[0] && o->codec[0] && strcmp(codec, o->codec) != 0) {
                snprintf(text, sizeof text, "codec change %s -> %s", o->codec, codec);
                add_event(m, ci, msg, "codec-change", text);
            }
        }
        if (held_now && !o->held && !o->offer_hold)
            add_event(m, ci, msg, "hold", "call on hold (answer)");
        o->last_fp = fp;
        o->held = (uint8_t)held_now;
        o->t38 = (uint8_t)t38;
        snprintf(o->codec, sizeof o->codec, "%s", codec);
        o->pending = 0;
    } else {
        /* an offer: hold and resume happen where they are asked for */
        if (o->last_fp && hold && !o->held)
            add_event(m, ci, msg, "hold", "call put on hold");
        else if (o->last_fp && !hold && o->held)
            add_event(m, ci, msg, "resume", "call resumed");
        o->offer_hold = (uint8_t)hold;
        o->pending = 1;
    }
}

static void on_body_dtmf(struct media *m, struct store *s, const struct msg *msg, struct slice ctype, struct slice body,
                         const struct sip_msg *sm)
{
    const struct call *sc = &s->calls[msg->call];
    struct dtmf_info di;
    char text[160];
    struct slice mt = slice_trim(ctype);
    const uint8_t *semi = mt.n ? memchr(mt.p, ';', mt.n) : NULL;
    if (semi)
        mt.n = (size_t)(semi - mt.p);
    mt = slice_trim(mt);
    if (slice_eq_ci(mt, "application/dtmf-relay") && dtmf_relay_parse(body, &di)) {
        snprintf(text, sizeof text, "DTMF %c (SIP INFO dtmf-relay, %u ms)", di.ch, di.duration_ms);
        add_event(m, call_of(m, sc->call_id, sc->call_id_len), msg, "dtmf", text);
    } else if (slice_eq_ci(mt, "application/dtmf") && dtmf_plain_parse(body, &di)) {
        snprintf(text, sizeof text, "DTMF %c (SIP INFO)", di.ch);
        add_event(m, call_of(m, sc->call_id, sc->call_id_len), msg, "dtmf", text);
    } else if (slice_eq_ci(mt, "audio/telephone-event")) {
        struct slice ev = sip_hdr_first(sm, msg->buf, SIP_H_EVENT);
        if (dtmf_notify_parse(body.p, body.n, dtmf_event_header_rate(ev), &di)) {
            snprintf(text, sizeof text, "DTMF %c (NOTIFY telephone-event%s)", di.ch, di.end ? ", end" : "");
            add_event(m, call_of(m, sc->call_id, sc->call_id_len), msg, "dtmf", text);
        }
    } else if (slice_eq_ci(mt, "application/kpml-response+xml") || slice_eq_ci(mt, "application/kpml-request+xml")) {
        struct kpml_result kr;
        int ok = kpml_parse(body.p, body.n, &kr);
        if (kr.nanoms)
            diag_report(m->diag, DIAG_SIP_ANOMALY, "KPML body refused or odd: %s", kpml_anom_name((enum kpml_anom)kr.anoms[0]));
        if (ok && kr.kind == KPML_RESPONSE && kr.ndigits) {
            snprintf(text, sizeof text, "DTMF %s (KPML, code %u)", kr.digits, kr.code);
            add_event(m, call_of(m, sc->call_id, sc->call_id_len), msg, "dtmf", text);
        } else if (kr.nanoms) {
            snprintf(text, sizeof text, "KPML body not used: %s", kpml_anom_name((enum kpml_anom)kr.anoms[0]));
            add_event(m, call_of(m, sc->call_id, sc->call_id_len), msg, "anomaly", text);
        }
    }
}

void media_on_sip(void *ctx, struct store *s, uint32_t idx, const struct sip_msg *smp)
{
    struct media *m = ctx;
    const struct msg *msg = &s->msgs[idx];
    if (msg->call == NONE || msg->retrans || !smp->body.len)
        return; /* most messages: nothing to do, no parsing */
    const struct sip_msg *sm0 = smp;
    struct sip_msg sm = *sm0;
    struct slice body = sip_span_slice(msg->buf, sm.body);
    struct slice ctype = sip_hdr_first(&sm, msg->buf, SIP_H_CONTENT_TYPE);
    int deep = 0;
    struct slice sdp = ctype.p ? multipart_find(ctype, body, "application/sdp", MULTIPART_DEPTH, &deep) : body;
    if (deep) {
        diag_report(m->diag, DIAG_SIP_ANOMALY, "multipart body nested deeper than %d levels: not searched further",
                    MULTIPART_DEPTH);
        add_event(m, call_of(m, s->calls[msg->call].call_id, s->calls[msg->call].call_id_len), msg, "anomaly",
                  "multipart body nested too deep: not searched further");
    }
    if (sdp.p && sdp.n >= 2)
        on_sdp(m, s, msg, sdp);
    else if (ctype.p)
        on_body_dtmf(m, s, msg, ctype, body, &sm);
}

/* ---- packets ---------------------------------------------------------- */

static size_t stream_key(const struct endpoint *src, const struct endpoint *dst, uint8_t kind, uint32_t ssrc, uint8_t *k)
{
    size_t n = ep_key(src, k);
    n += ep_key(dst, k + n);
    k[n++] = kind;
    memcpy(k + n, &ssrc, 4);
    return n + 4;
}

static struct media_stream *stream_get(struct media *m, const struct pkt *pk, uint8_t kind, uint32_t ssrc,
                                       const struct media_flow *f, uint8_t match, int first_pt)
{
    uint8_t k[64];
    size_t kl = stream_key(&pk->src, &pk->dst, kind, ssrc, k);
    uint32_t i;
    if (hmap_get(&m->streams_by_key, k, kl, &i))
        return &m->streams[i];
    if (m->nstreams >= 1000000) {
        m->streams_dropped++;
        diag_limit(m->diag, "media-streams", "more than 1,000,000 media streams: the rest are not analysed");
        return NULL;
    }
    m->streams = xgrow(m->streams, &m->cap_streams, m->nstreams + 1, sizeof(*m->streams));
    i = (uint32_t)m->nstreams++;
    struct media_stream *st = &m->streams[i];
    memset(st, 0, sizeof(*st));
    hmap_put(&m->streams_by_key, k, kl, i);
    st->kind = kind;
    st->match = match;
    st->src = pk->src;
    st->dst = pk->dst;
    st->ssrc = ssrc;
    st->first_fseq = pk->frame->seq;
    st->first_ns = pk->frame->ts;
    st->te_pt = -1;
    st->call = NONE;
    if (f) {
        st->call = f->call;
        st->announced = f->announced;
        /* matched by destination: the announcer receives it */
        st->to_caller = match == MM_SDP_DST ? f->from_caller : !f->from_caller;
        st->te_pt = f->te_pt;
        snprintf(st->codec, sizeof st->codec, "%s", f->codec);
        struct media_call *c = &m->calls[f->call];
        c->streams = xgrow(c->streams, &c->cap_streams, c->nstreams + 1, sizeof(*c->streams));
        c->streams[c->nstreams++] = i;
    }
    uint32_t rate = f ? f->clock_rate : 0;
    if (f && first_pt >= 0) {
        /* the payload type the stream actually uses decides clock and codec:
         * the receiver's SDP, else the call's other SDPs (a sender may use
         * its own offer's mapping), else the static table */
        const struct media_call *mc = &m->calls[f->call];
        const struct media_pt *hit = NULL;
        for (unsigned q = 0; q < f->npt && !hit; q++)
            if (f->pts[q].pt == first_pt && !f->pts[q].event)
                hit = &f->pts[q];
        for (unsigned q = 0; q < mc->npt && !hit; q++)
            if (mc->pts[q].pt == first_pt && !mc->pts[q].event)
                hit = &mc->pts[q];
        const char *sn;
        uint32_t sr;
        uint8_t ch;
        if (hit) {
            rate = hit->rate;
            if (hit->name[0])
                snprintf(st->codec, sizeof st->codec, "%s", hit->name);
        } else if (rtp_static_pt((unsigned)first_pt, &sn, &sr, &ch)) {
            rate = sr;
            snprintf(st->codec, sizeof st->codec, "%s", sn);
        }
        st->te_pt = -1;
        for (unsigned q = 0; q < f->npt && st->te_pt < 0; q++) /* the telephone-event at that clock */
            if (f->pts[q].event && f->pts[q].rate == rate)
                st->te_pt = f->pts[q].pt;
        for (unsigned q = 0; q < mc->npt && st->te_pt < 0; q++)
            if (mc->pts[q].event && mc->pts[q].rate == rate)
                st->te_pt = mc->pts[q].pt;
        if (!hit && st->te_pt >= 0 && first_pt == st->te_pt)
            snprintf(st->codec, sizeof st->codec, "telephone-event"); /* a stream of digits only */
    }
    if (kind == MK_RTP) {
        rtp_stats_init(&st->st, rate);
        if (st->te_pt >= 0)
            rtp_stats_set_event_pt(&st->st, st->te_pt);
        if (st->codec[0])
            rtp_stats_set_codec(&st->st, slice_cstr(st->codec));
        if (f && f->ptime)
            rtp_stats_set_delay_inputs(&st->st, f->ptime, 0);
        dtmf_tracker_init(&st->dt, 8000);
    } else if (kind == MK_UDPTL) {
        t38_counter_init(&st->t38);
    }
    return st;
}

static void add_digit(struct media_stream *st, const struct dtmf_digit *d)
{
    st->digits_total++;
    if (st->ndigits >= MEDIA_MAX_DIGITS)
        return;
    if (!st->digits)
        st->digits = xcalloc(MEDIA_MAX_DIGITS, sizeof(*st->digits));
    struct media_digit *g = &st->digits[st->ndigits++];
    g->ch = d->ch;
    g->duration_ms = d->duration_ms;
    g->volume = d->volume;
    g->start_ns = d->start_ns;
}

static void on_rtp(struct media *m, struct media_stream *st, const struct pkt *pk, const struct rtp_hdr *h)
{
    (void)m;
    rtp_stats_add(&st->st, h, pk->frame->ts, pk->len);
    if (st->te_pt >= 0 && h->pt == (unsigned)st->te_pt) {
        struct dtmf_event e;
        if (dtmf_event_parse(pk->payload + h->payload_off, h->payload_len, &e)) {
            struct dtmf_digit out[DTMF_TRACKER_MAX_OUT];
            int nd = dtmf_tracker_add(&st->dt, h->ts, h->marker, &e, pk->frame->ts, out);
            for (int i = 0; i < nd; i++)
                add_digit(st, &out[i]);
        }
    }
}

static struct media_stream *find_rtp_by_ssrc(struct media *m, uint32_t call, uint32_t ssrc)
{
    if (call == NONE)
        return NULL;
    const struct media_call *c = &m->calls[call];
    for (size_t i = 0; i < c->nstreams; i++) {
        struct media_stream *s = &m->streams[c->streams[i]];
        if (s->kind == MK_RTP && s->ssrc == ssrc)
            return s;
    }
    return NULL;
}

static void on_rtcp(struct media *m, struct media_stream *st, const struct pkt *pk)
{
    struct rtcp_walk w;
    struct rtcp_pkt rp;
    rtcp_walk_init(&w, pk->payload, pk->len);
    while (rtcp_walk_next(&w, &rp)) {
        for (unsigned b = 0; b < rp.nrb; b++) {
            const struct rtcp_rb *rb = &rp.rb[b];
            struct media_stream *rs = find_rtp_by_ssrc(m, st->call, rb->ssrc);
            if (!rs)
                continue;
            struct media_report *r = NULL;
            for (unsigned k = 0; k < rs->nreports; k++)
                if (rs->reports[k].reporter_ssrc == rp.ssrc)
                    r = &rs->reports[k];
            if (!r) {
                if (rs->nreports >= MEDIA_MAX_REPORTS)
                    continue;
                r = &rs->reports[rs->nreports++];
                memset(r, 0, sizeof(*r));
                r->reporter_ssrc = rp.ssrc;
                r->rtt_ms = -1;
            }
            r->reports++;
            r->fraction_lost_pct = rb->fraction_lost * 100.0 / 256.0;
            r->cumulative_lost = rb->cum_lost;
            struct rtp_result res;
            rtp_stats_result(&rs->st, &res);
            r->jitter_ms = rtcp_jitter_ms(rb->jitter, res.clock_rate ? res.clock_rate : 8000);
            if (rb->lsr) {
                uint32_t sec, frac;
                rtcp_ntp_from_unix_ns(pk->frame->ts, &sec, &frac);
                uint32_t mid = (sec << 16) | (frac >> 16);
                double rtt = rtcp_rtt_ms(mid, rb->lsr, rb->dlsr);
                if (rtt >= 0 && rtt < 60000)
                    r->rtt_ms = rtt;
            }
        }
        if (rp.has_voip) {
            struct media_stream *rs = find_rtp_by_ssrc(m, st->call, rp.voip.ssrc);
            if (rs) {
                for (unsigned k = 0; k < rs->nreports; k++)
                    if (rs->reports[k].reporter_ssrc == rp.ssrc && rp.voip.mos_lq != 127)
                        rs->reports[k].xr_mos_lq = rtcp_xr_mos(rp.voip.mos_lq);
            }
        }
    }
    if (w.anom)
        st->rtcp_bad++;
}

int media_packet(struct media *m, const struct pkt *pk)
{
    m->udp_checked++;
    if (pk->frame->ts > m->last_ns)
        m->last_ns = pk->frame->ts;
    uint8_t k[24];
    uint32_t fi;
    const struct media_flow *f = NULL;
    uint8_t match = MM_SDP_DST;
    if (hmap_get(&m->flows_by_ep, k, ep_key(&pk->dst, k), &fi)) {
        f = &m->flows[fi];
    } else if (hmap_get(&m->flows_by_ep, k, ep_key(&pk->src, k), &fi)) {
        f = &m->flows[fi];
        match = MM_SDP_SRC;
    }
    const uint8_t *p = pk->payload;
    size_t n = pk->len;
    if (f) {
        uint8_t kind = f->kind;
        if (kind == MK_RTP && n >= 2 && rtp_is_rtcp_in_mux(p, n) && (f->rtcp_mux || rtcp_looks_valid(p, n)))
            kind = MK_RTCP; /* RFC 5761 demultiplexing */
        if (kind == MK_UDPTL) {
            struct media_stream *st = stream_get(m, pk, MK_UDPTL, 0, f, match, -1);
            if (!st)
                return 1;
            t38_counter_add(&st->t38, st->to_caller, p, n, pk->frame->ts);
            st->packets++;
            st->bytes += n;
            st->last_ns = pk->frame->ts;
            m->udptl_packets++;
            return 1;
        }
        if (kind == MK_RTCP) {
            struct media_stream *st = stream_get(m, pk, MK_RTCP, 0, f, match, -1);
            if (!st)
                return 1;
            st->packets++;
            st->bytes += n;
            st->last_ns = pk->frame->ts;
            st->rtcp_packets++;
            m->rtcp_packets++;
            on_rtcp(m, st, pk);
            return 1;
        }
        struct rtp_hdr h;
        if (rtp_parse(p, n, &h) != RTP_OK)
            return 0;
        /* fast path: the same stream as the previous packet of this flow */
        struct media_stream *st = NULL;
        if (f->last_stream != NONE) {
            struct media_stream *ls = &m->streams[f->last_stream];
            if (ls->ssrc == h.ssrc && ls->kind == MK_RTP && endpoint_eq(&ls->src, &pk->src) &&
                endpoint_eq(&ls->dst, &pk->dst))
                st = ls;
        }
        if (!st) {
            st = stream_get(m, pk, MK_RTP, h.ssrc, f, match, h.pt);
            if (!st)
                return 1;
            m->flows[fi].last_stream = (uint32_t)(st - m->streams);
        }
        st->packets++;
        st->bytes += n;
        st->last_ns = pk->frame->ts;
        m->rtp_packets++;
        on_rtp(m, st, pk, &h);
        return 1;
    }
    /* orphan RTP: unclaimed, RTP-looking, a stable SSRC */
    if (!rtp_looks_valid(p, n))
        return 0;
    struct rtp_hdr h;
    if (rtp_parse(p, n, &h) != RTP_OK)
        return 0;
    uint8_t sk[64];
    size_t skl = stream_key(&pk->src, &pk->dst, MK_RTP, h.ssrc, sk);
    uint32_t si;
    if (hmap_get(&m->streams_by_key, sk, skl, &si)) {
        struct media_stream *st = &m->streams[si];
        st->packets++;
        st->bytes += n;
        st->last_ns = pk->frame->ts;
        m->orphan_packets++;
        on_rtp(m, st, pk, &h);
        return 1;
    }
    uint8_t ck[48];
    size_t ckl = ep_key(&pk->src, ck);
    ckl += ep_key(&pk->dst, ck + ckl);
    uint32_t ci;
    if (!hmap_get(&m->orphan_cand, ck, ckl, &ci)) {
        if (m->ncands >= 1000000)
            return 0;
        m->cands = xgrow(m->cands, &m->cap_cands, m->ncands + 1, sizeof(*m->cands));
        ci = (uint32_t)m->ncands++;
        m->cands[ci].ssrc = h.ssrc;
        m->cands[ci].pt = h.pt;
        m->cands[ci].count = 0;
        hmap_put(&m->orphan_cand, ck, ckl, ci);
    }
    struct orphan_cand *c = &m->cands[ci];
    if (c->ssrc != h.ssrc || c->pt != h.pt) {
        c->ssrc = h.ssrc;
        c->pt = h.pt;
        c->count = 0;
    }
    if (c->count < MEDIA_ORPHAN_PKTS - 1) {
        struct cand_pkt *cp = &c->pk[c->count++];
        cp->seq = h.seq;
        cp->marker = h.marker;
        cp->ts = h.ts;
        cp->bytes = (uint32_t)n;
        cp->payload_len = h.payload_len;
        cp->arrival_ns = pk->frame->ts;
        cp->fseq = pk->frame->seq;
        return 0;
    }
    /* confirmed: a stable SSRC over MEDIA_ORPHAN_PKTS packets */
    struct pkt first = *pk;
    struct frame ff = *pk->frame;
    ff.ts = c->pk[0].arrival_ns;
    ff.seq = c->pk[0].fseq;
    first.frame = &ff;
    struct media_stream *st = stream_get(m, &first, MK_RTP, h.ssrc, NULL, MM_ORPHAN, h.pt);
    if (!st)
        return 0;
    const char *sn;
    uint32_t rate;
    uint8_t ch;
    if (rtp_static_pt(h.pt, &sn, &rate, &ch)) {
        snprintf(st->codec, sizeof st->codec, "%s", sn);
        rtp_stats_set_codec(&st->st, slice_cstr(st->codec));
    }
    for (unsigned i = 0; i < c->count; i++) {
        struct rtp_hdr ph = h;
        ph.seq = c->pk[i].seq;
        ph.marker = c->pk[i].marker;
        ph.ts = c->pk[i].ts;
        ph.payload_len = c->pk[i].payload_len;
        rtp_stats_add(&st->st, &ph, c->pk[i].arrival_ns, c->pk[i].bytes);
        st->packets++;
        st->bytes += c->pk[i].bytes;
        m->orphan_packets++;
    }
    c->count = 0;
    st->packets++;
    st->bytes += n;
    st->last_ns = pk->frame->ts;
    m->orphan_packets++;
    on_rtp(m, st, pk, &h);
    return 1;
}

void media_finish(struct media *m)
{
    for (size_t i = 0; i < m->nstreams; i++) {
        struct media_stream *st = &m->streams[i];
        if (st->kind != MK_RTP)
            continue;
        struct dtmf_digit d;
        if (dtmf_tracker_flush(&st->dt, &d))
            add_digit(st, &d);
    }
}

const char *media_one_way(const struct media *m, const struct media_call *mc, int answered)
{
    if (!answered)
        return NULL;
    uint64_t to_caller = 0, to_callee = 0;
    if (mc)
        for (size_t i = 0; i < mc->nstreams; i++) {
            const struct media_stream *s = &m->streams[mc->streams[i]];
            if (s->kind == MK_RTCP)
                continue;
            if (s->to_caller)
                to_caller += s->packets;
            else
                to_callee += s->packets;
        }
    if (!to_caller && !to_callee)
        return "no media";
    if (!to_caller)
        return "only to the callee";
    if (!to_callee)
        return "only to the caller";
    return NULL;
}

int media_one_way_expected(const struct media_call *mc)
{
    return mc && mc->sdp_one_way;
}

/* ---- streaming: forgetting emitted calls ------------------------------ */

#define ORPHAN_IDLE_NS (60LL * 1000000000LL)

static void media_compact(struct media *m)
{
    uint32_t *cmap = xcalloc(m->ncalls ? m->ncalls : 1, sizeof(*cmap));
    uint32_t *smap = xcalloc(m->nstreams ? m->nstreams : 1, sizeof(*smap));
    /* calls */
    size_t nc = 0;
    for (size_t i = 0; i < m->ncalls; i++) {
        struct media_call *c = &m->calls[i];
        if (c->dead) {
            free(c->call_id);
            free(c->streams);
            free(c->events);
            free(c->oa);
            free(c->pts);
            cmap[i] = NONE;
            continue;
        }
        cmap[i] = (uint32_t)nc;
        m->calls[nc++] = *c;
    }
    m->ncalls = nc;
    /* streams: of live calls, and orphans still active */
    size_t ns = 0;
    for (size_t i = 0; i < m->nstreams; i++) {
        struct media_stream *st = &m->streams[i];
        int keep = st->call != NONE ? cmap[st->call] != NONE : m->last_ns - st->last_ns < ORPHAN_IDLE_NS;
        if (!keep) {
            free(st->digits);
            smap[i] = NONE;
            continue;
        }
        smap[i] = (uint32_t)ns;
        if (st->call != NONE)
            st->call = cmap[st->call];
        m->streams[ns++] = *st;
    }
    m->nstreams = ns;
    for (size_t i = 0; i < m->ncalls; i++) {
        struct media_call *c = &m->calls[i];
        size_t k = 0;
        for (size_t j = 0; j < c->nstreams; j++)
            if (smap[c->streams[j]] != NONE)
                c->streams[k++] = smap[c->streams[j]];
        c->nstreams = k;
    }
    /* flows of live calls */
    size_t nf = 0;
    for (size_t i = 0; i < m->nflows; i++) {
        struct media_flow *f = &m->flows[i];
        if (cmap[f->call] == NONE) {
            free(f->pts);
            continue;
        }
        f->call = cmap[f->call];
        f->last_stream = f->last_stream != NONE ? smap[f->last_stream] : NONE;
        m->flows[nf++] = *f;
    }
    m->nflows = nf;
    /* hash maps from scratch */
    hmap_fini(&m->flows_by_ep);
    hmap_fini(&m->calls_by_id);
    hmap_fini(&m->streams_by_key);
    hmap_fini(&m->orphan_cand);
    hmap_init(&m->flows_by_ep);
    hmap_init(&m->calls_by_id);
    hmap_init(&m->streams_by_key);
    hmap_init(&m->orphan_cand);
    m->ncands = 0;
    uint8_t k[64];
    for (size_t i = 0; i < m->nflows; i++)
        hmap_put(&m->flows_by_ep, k, ep_key(&m->flows[i].announced, k), (uint32_t)i);
    for (size_t i = 0; i < m->ncalls; i++)
        hmap_put(&m->calls_by_id, m->calls[i].call_id, m->calls[i].call_id_len, (uint32_t)i);
    for (size_t i = 0; i < m->nstreams; i++) {
        const struct media_stream *st = &m->streams[i];
        hmap_put(&m->streams_by_key, k, stream_key(&st->src, &st->dst, st->kind, st->ssrc, k), (uint32_t)i);
    }
    m->dead_calls = 0;
    m->compactions++;
    free(cmap);
    free(smap);
}

void media_forget(struct media *m, const uint8_t *call_id, size_t n)
{
    uint32_t i;
    if (!hmap_get(&m->calls_by_id, call_id, n, &i) || m->calls[i].dead)
        return;
    m->calls[i].dead = 1;
    m->dead_calls++;
    /* amortised: compact once dead calls are the majority */
    if (m->dead_calls > 1024 && m->dead_calls * 2 > m->ncalls)
        media_compact(m);
}

void media_on_emitted(void *ctx, const struct call *c)
{
    media_forget(ctx, c->call_id, c->call_id_len);
}
