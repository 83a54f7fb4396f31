/*
 * store.c - message storage and correlation into transactions, dialogs
 * and calls (see store.h for the rules and RFC references).
 *
 * Every lookup is a hash-map probe: the cost per message does not grow
 * with the number of calls in the capture.
 */
#include "src/store.h"

#include <stdlib.h>
#include <string.h>

#include "dissect/sip_hdr.h"
#include "src/base/util.h"

static const char *const state_names[CALL__STATE_COUNT] = {
    [CALL_CALLING] = "calling",     [CALL_RINGING] = "ringing",       [CALL_IN_CALL] = "in_call",
    [CALL_COMPLETED] = "completed", [CALL_CANCELLED] = "cancelled",   [CALL_REJECTED] = "rejected",
    [CALL_BUSY] = "busy",           [CALL_REDIRECTED] = "redirected", [CALL_FAILED] = "failed",
    [CALL_NOT_FINISHED] = "not_finished",
};

const char *call_state_name(enum call_state st)
{
    return (unsigned)st < CALL__STATE_COUNT ? state_names[st] : "?";
}

const char *transport_name(enum transport t)
{
    static const char *const n[TP__COUNT] = {"UDP", "TCP", "SCTP", "TLS", "WS", "WSS"};
    return (unsigned)t < TP__COUNT ? n[t] : "?";
}

void store_init(struct store *s, const struct limits *lim, struct diag *diag)
{
    memset(s, 0, sizeof(*s));
    s->lim = lim;
    s->diag = diag;
    hmap_init(&s->call_by_id);
    hmap_init(&s->dialog_by_key);
    hmap_init(&s->txn_by_key);
    hmap_init(&s->retrans);
    s->scratch = xcalloc(lim->max_headers ? lim->max_headers : 1, sizeof(*s->scratch));
}

void store_fini(struct store *s)
{
    for (size_t i = 0; i < s->nmsgs; i++) {
        free(s->msgs[i].buf);
        free(s->msgs[i].raw);
    }
    for (size_t i = 0; i < s->ncalls; i++) {
        free(s->calls[i].call_id);
        free(s->calls[i].msgs);
        free(s->calls[i].dialogs);
    }
    for (size_t i = 0; i < s->ndialogs; i++) {
        free(s->dialogs[i].tag_a);
        free(s->dialogs[i].tag_b);
    }
    free(s->msgs);
    free(s->calls);
    free(s->dialogs);
    free(s->txns);
    free(s->scratch);
    free(s->kbuf);
    hmap_fini(&s->call_by_id);
    hmap_fini(&s->dialog_by_key);
    hmap_fini(&s->txn_by_key);
    hmap_fini(&s->retrans);
}

/* ---- key builder ---------------------------------------------------- */

static void kreset(struct store *s)
{
    s->klen = 0;
}

static void kput(struct store *s, const void *p, size_t n)
{
    s->kbuf = xgrow(s->kbuf, &s->kcap, s->klen + n + 1, 1);
    if (n)
        memcpy(s->kbuf + s->klen, p, n);
    s->klen += n;
}

static void kput_slice(struct store *s, struct slice v)
{
    uint32_t n = (uint32_t)v.n;
    kput(s, &n, sizeof n); /* length-prefixed: no separator ambiguity */
    kput(s, v.p, v.n);
}

static void kput_u32(struct store *s, uint32_t v)
{
    kput(s, &v, sizeof v);
}

static void kput_ep(struct store *s, const struct endpoint *e)
{
    kput(s, &e->family, 1);
    kput(s, e->addr, e->family == 4 ? 4 : 16);
    kput(s, &e->port, 2);
}

/* ---- helpers --------------------------------------------------------- */

static struct sip_span span_of(const uint8_t *base, struct slice v)
{
    if (!v.p)
        return (struct sip_span){0, 0};
    return (struct sip_span){(uint32_t)(v.p - base), (uint32_t)v.n};
}

/* The From/To tag.  When the name-addr itself is broken (fuzzed or sloppy
 * devices), fall back to the ";tag=" parameter after the last '>' (or
 * anywhere when there is none), as tshark does; the parser has already
 * recorded the anomaly. */
/* A tag ends at white space (a bare CR inside a header line included),
 * ';' or ','; other odd bytes are kept, as tshark keeps them. */
static struct slice tag_value(struct slice v)
{
    size_t i = 0;
    while (i < v.n && !is_lws(v.p[i]) && v.p[i] != ';' && v.p[i] != ',')
        i++;
    return i ? (struct slice){v.p, i} : SLICE_NULL;
}

static struct slice tag_of(struct slice hv)
{
    struct sip_nameaddr na;
    if (!hv.p)
        return SLICE_NULL;
    if (sip_parse_nameaddr(hv, &na))
        return na.has_tag ? tag_value(na.tag) : SLICE_NULL;
    size_t from = 0;
    for (size_t i = hv.n; i > 0; i--)
        if (hv.p[i - 1] == '>') {
            from = i;
            break;
        }
    for (size_t i = from; i + 5 <= hv.n; i++) {
        if (hv.p[i] != ';')
            continue;
        struct slice k = {hv.p + i + 1, 4};
        if (!slice_eq_ci(k, "tag="))
            continue;
        return tag_value((struct slice){hv.p + i + 5, hv.n - i - 5});
    }
    return SLICE_NULL;
}

/* CSeq: the strict parse, else the leading number and whatever token
 * follows (a mangled method), as tshark does.  0 when there is no number. */
static int cseq_of(struct slice v, struct sip_cseq *cs)
{
    if (!v.p)
        return 0;
    if (sip_parse_cseq(v, cs))
        return 1;
    v = slice_trim(v);
    uint64_t n = 0;
    size_t i = 0;
    while (i < v.n && i < 10 && v.p[i] >= '0' && v.p[i] <= '9')
        n = n * 10 + (uint64_t)(v.p[i++] - '0');
    if (i == 0 || n > UINT32_MAX || (i < v.n && !is_lws(v.p[i])))
        return 0;
    while (i < v.n && is_lws(v.p[i]))
        i++;
    size_t j = i;
    while (j < v.n && !is_lws(v.p[j]))
        j++;
    cs->seq = (uint32_t)n;
    cs->method = (struct slice){v.p + i, j - i};
    return 1;
}

static int is_dialog_creating(uint8_t method)
{
    return method == SIP_M_INVITE || method == SIP_M_SUBSCRIBE || method == SIP_M_REFER ||
           method == SIP_M_NOTIFY;
}

static uint32_t call_get(struct store *s, struct slice cid, uint32_t msg_idx)
{
    uint32_t ci;
    if (hmap_get(&s->call_by_id, cid.p, cid.n, &ci))
        return ci;
    if (s->ncalls >= s->lim->max_calls) {
        if (s->replay)
            return NONE;
        diag_limit(s->diag, "calls", "limit calls=%u reached: message not correlated into a call",
                   s->lim->max_calls);
        return NONE;
    }
    s->calls = xgrow(s->calls, &s->cap_calls, s->ncalls + 1, sizeof(*s->calls));
    ci = (uint32_t)s->ncalls++;
    struct call *c = &s->calls[ci];
    memset(c, 0, sizeof(*c));
    c->index = ci;
    c->call_id = xmemdup(cid.p, cid.n);
    c->call_id_len = (uint32_t)cid.n;
    c->first_msg = msg_idx;
    c->invite_msg = c->ring_msg = c->answer_msg = c->ack_msg = c->bye_msg = c->cancel_msg = c->final_msg = NONE;
    c->cur_invite_txn = NONE;
    c->party_msg = NONE;
    c->state = CALL_CALLING;
    hmap_put(&s->call_by_id, cid.p, cid.n, ci);
    return ci;
}

static uint32_t dialog_new(struct store *s, uint32_t ci, struct slice a, struct slice b, uint32_t msg_idx)
{
    struct call *c = &s->calls[ci];
    if (c->ndialogs >= s->lim->max_dialogs_per_call) {
        diag_limit(s->diag, "dialogs-per-call", "limit dialogs-per-call=%u reached in one call",
                   s->lim->max_dialogs_per_call);
        return NONE;
    }
    s->dialogs = xgrow(s->dialogs, &s->cap_dialogs, s->ndialogs + 1, sizeof(*s->dialogs));
    uint32_t di = (uint32_t)s->ndialogs++;
    struct dialog *d = &s->dialogs[di];
    memset(d, 0, sizeof(*d));
    d->call = ci;
    d->first_msg = d->last_msg = msg_idx;
    d->tag_a = xmemdup(a.p, a.n);
    d->tag_a_len = (uint32_t)a.n;
    if (b.p && b.n) {
        d->tag_b = xmemdup(b.p, b.n);
        d->tag_b_len = (uint32_t)b.n;
    }
    c->dialogs = xgrow(c->dialogs, &c->cap_dialogs, c->ndialogs + 1, sizeof(*c->dialogs));
    c->dialogs[c->ndialogs++] = di;
    return di;
}

static void key_half(struct store *s, uint32_t ci, struct slice tag)
{
    kreset(s);
    kput(s, "h", 1);
    kput_u32(s, ci);
    kput_slice(s, tag);
}

static void key_full(struct store *s, uint32_t ci, struct slice t1, struct slice t2)
{
    /* unordered pair: smaller first */
    size_t m = t1.n < t2.n ? t1.n : t2.n;
    int cmp = memcmp(t1.p, t2.p, m);
    if (cmp > 0 || (cmp == 0 && t1.n > t2.n)) {
        struct slice t = t1;
        t1 = t2;
        t2 = t;
    }
    kreset(s);
    kput(s, "f", 1);
    kput_u32(s, ci);
    kput_slice(s, t1);
    kput_slice(s, t2);
}

/* Find or create the dialog of a message; returns the global dialog index. */
static uint32_t dialog_get(struct store *s, uint32_t ci, struct slice ftag, struct slice ttag, const struct txn *t,
                           int is_req, uint16_t status, uint32_t msg_idx)
{
    uint32_t di;
    if (!ftag.n) /* RFC 2543 peers may omit the From tag: use an empty tag */
        ftag = (struct slice){(const uint8_t *)"", 0};
    if (!ttag.n) {
        key_half(s, ci, ftag);
        if (hmap_get(&s->dialog_by_key, s->kbuf, s->klen, &di))
            return di;
        di = dialog_new(s, ci, ftag, SLICE_NULL, msg_idx);
        if (di != NONE) {
            key_half(s, ci, ftag);
            hmap_put(&s->dialog_by_key, s->kbuf, s->klen, di);
        }
        return di;
    }
    key_full(s, ci, ftag, ttag);
    if (hmap_get(&s->dialog_by_key, s->kbuf, s->klen, &di))
        return di;
    /* A half dialog started by either side? */
    uint32_t half = NONE;
    key_half(s, ci, ftag);
    if (!hmap_get(&s->dialog_by_key, s->kbuf, s->klen, &half)) {
        key_half(s, ci, ttag);
        if (!hmap_get(&s->dialog_by_key, s->kbuf, s->klen, &half))
            half = NONE;
    }
    /* RFC 3261 §12.1: only a 101-299 response to a dialog-creating request
     * establishes a dialog.  A 401/407/3xx/4xx carries a To tag but makes
     * no dialog, and an in-dialog request (it has a To tag) never makes one. */
    int creates = !is_req && t->initial && is_dialog_creating(t->method) && status > 100 && status < 300;
    if (half != NONE) {
        struct dialog *h = &s->dialogs[half];
        if (!creates)
            return half;
        if (!h->tag_b) {
            struct slice other = (h->tag_a_len == ftag.n && memcmp(h->tag_a, ftag.p, ftag.n) == 0) ? ttag : ftag;
            h->tag_b = xmemdup(other.p, other.n);
            h->tag_b_len = (uint32_t)other.n;
            key_full(s, ci, ftag, ttag);
            hmap_put(&s->dialog_by_key, s->kbuf, s->klen, half);
            return half;
        }
        /* forking: a new early dialog sharing the caller's tag */
        struct slice a = {h->tag_a, h->tag_a_len};
        struct slice other = (h->tag_a_len == ftag.n && memcmp(h->tag_a, ftag.p, ftag.n) == 0) ? ttag : ftag;
        di = dialog_new(s, ci, a, other, msg_idx);
        if (di != NONE) {
            key_full(s, ci, ftag, ttag);
            hmap_put(&s->dialog_by_key, s->kbuf, s->klen, di);
        }
        return di;
    }
    di = dialog_new(s, ci, ftag, ttag, msg_idx);
    if (di != NONE) {
        key_full(s, ci, ftag, ttag);
        hmap_put(&s->dialog_by_key, s->kbuf, s->klen, di);
    }
    return di;
}

static void key_txn(struct store *s, const struct msg *m, uint32_t ci, struct slice branch, struct slice cid,
                    struct slice ftag, const char *method, size_t mlen)
{
    kreset(s);
    if (branch.n && sip_branch_is_rfc3261(branch)) {
        /* RFC 3261 branches should be unique, but devices reuse them: a
         * transaction never spans Call-IDs, so the call is part of the key */
        kput(s, "b", 1);
        kput_u32(s, ci);
        kput_slice(s, branch);
    } else { /* RFC 2543 §17.2.3 fallback */
        kput(s, "o", 1);
        kput_slice(s, cid);
        kput_slice(s, ftag);
        kput_u32(s, m->cseq);
        kput_slice(s, branch);
    }
    kput_slice(s, (struct slice){(const uint8_t *)method, mlen});
}

static uint32_t txn_new(struct store *s, uint32_t ci, uint32_t msg_idx, uint8_t method)
{
    s->txns = xgrow(s->txns, &s->cap_txns, s->ntxns + 1, sizeof(*s->txns));
    uint32_t ti = (uint32_t)s->ntxns++;
    struct txn *t = &s->txns[ti];
    memset(t, 0, sizeof(*t));
    t->call = ci;
    t->first_msg = msg_idx;
    t->method = method;
    t->final_msg = NONE;
    t->invite_txn = NONE;
    hmap_put(&s->txn_by_key, s->kbuf, s->klen, ti);
    return ti;
}

static uint32_t txn_get(struct store *s, struct msg *m, uint32_t ci, struct slice branch, struct slice cid,
                        struct slice ftag, struct slice cseq_method, int has_ttag)
{
    uint32_t ti;
    const char *mt = (const char *)cseq_method.p;
    size_t ml = cseq_method.n;
    if (m->is_request && m->method == SIP_M_ACK) {
        /* RFC 3261 §17.2.3: an ACK for a non-2xx shares the INVITE's branch */
        key_txn(s, m, ci, branch, cid, ftag, "INVITE", 6);
        if (hmap_get(&s->txn_by_key, s->kbuf, s->klen, &ti) && s->txns[ti].final_status >= 300)
            return ti;
    }
    key_txn(s, m, ci, branch, cid, ftag, mt, ml);
    if (hmap_get(&s->txn_by_key, s->kbuf, s->klen, &ti))
        return ti;
    ti = txn_new(s, ci, m->index, m->cseq_method);
    /* initial: the request had no To tag; 2 = unknown (only a response was seen) */
    s->txns[ti].initial = m->is_request ? !has_ttag : 2;
    if (m->is_request && m->method == SIP_M_CANCEL) {
        uint32_t inv;
        key_txn(s, m, ci, branch, cid, ftag, "INVITE", 6);
        if (hmap_get(&s->txn_by_key, s->kbuf, s->klen, &inv))
            s->txns[ti].invite_txn = inv;
    }
    return ti;
}

/* Same transaction, same direction, same start line (and To tag, RSeq):
 * a retransmission, flagged rather than counted as a new message. */
static int is_retrans(struct store *s, const struct msg *m, struct slice start, struct slice ttag, struct slice rseq)
{
    kreset(s);
    kput(s, "r", 1);
    kput_u32(s, m->txn);
    kput_u32(s, m->cseq); /* a reused branch with a new CSeq is a new message */
    kput_ep(s, &m->src);
    kput_ep(s, &m->dst);
    kput_slice(s, start);
    kput_slice(s, ttag);
    kput_slice(s, rseq);
    uint32_t prev;
    if (hmap_get(&s->retrans, s->kbuf, s->klen, &prev))
        return 1;
    hmap_put(&s->retrans, s->kbuf, s->klen, m->index);
    return 0;
}

static enum call_state state_for_final(uint16_t st)
{
    if (st >= 200 && st < 300)
        return CALL_IN_CALL;
    if (st >= 300 && st < 400)
        return CALL_REDIRECTED;
    if (st == 486 || st == 600)
        return CALL_BUSY;
    if (st == 487)
        return CALL_CANCELLED;
    if (st == 408 || (st >= 500 && st < 600))
        return CALL_FAILED;
    return CALL_REJECTED;
}

static int state_is_live(uint8_t st)
{
    return st == CALL_CALLING || st == CALL_RINGING || st == CALL_IN_CALL;
}

static void call_update(struct store *s, struct call *c, struct msg *m, struct dialog *d)
{
    if (m->retrans)
        return;
    struct txn *t = m->txn != NONE ? &s->txns[m->txn] : NULL;
    if (m->is_request) {
        if (m->method == SIP_M_INVITE && t && t->initial) {
            if (c->invite_msg == NONE) {
                c->invite_msg = m->index;
                c->caller = m->src;
            }
            if (!c->is_invite) {
                /* the first INVITE defines the call; earlier non-INVITE
                 * traffic under this Call-ID (REGISTER, OPTIONS) stops
                 * deciding its state */
                c->is_invite = 1;
                c->state = CALL_CALLING;
                c->final_status = 0;
                c->final_msg = NONE;
                c->released_by = REL_NONE;
                c->caller = m->src;
            } else if (c->state != CALL_IN_CALL && c->state != CALL_COMPLETED) {
                c->state = c->ring_msg != NONE ? CALL_RINGING : CALL_CALLING;
            }
            c->cur_invite_txn = m->txn;
        } else if (m->method == SIP_M_CANCEL) {
            if (c->cancel_msg == NONE)
                c->cancel_msg = m->index;
            if (c->is_invite && (c->state == CALL_CALLING || c->state == CALL_RINGING)) {
                c->state = CALL_CANCELLED;
                c->released_by = REL_CALLER;
            }
        } else if (m->method == SIP_M_ACK) {
            if (c->ack_msg == NONE && c->answer_msg != NONE && t && t->final_status == 0)
                c->ack_msg = m->index; /* ACK for 2xx: its own transaction */
        } else if (m->method == SIP_M_BYE) {
            if (c->bye_msg == NONE) {
                c->bye_msg = m->index;
                if (c->is_invite && c->answer_msg != NONE) { /* a BYE ends only an answered call */
                    struct slice ft = msg_span(m, m->from_tag);
                    int from_caller = d && d->tag_a_len == ft.n && memcmp(d->tag_a, ft.p, ft.n) == 0;
                    c->released_by = from_caller ? REL_CALLER : REL_CALLEE;
                    c->state = CALL_COMPLETED;
                }
            }
            if (d)
                d->state = DLG_TERMINATED;
        } else if (c->caller.family == 0) {
            c->caller = m->src;
        }
        return;
    }
    /* responses */
    if (!t)
        return;
    uint16_t st = m->status;
    if (st >= 200 && t->final_status == 0) {
        t->final_status = st;
        t->final_msg = m->index;
    }
    if (d && st >= 200 && st < 300 && is_dialog_creating(t->method))
        d->state = DLG_CONFIRMED;
    if (d && st >= 200 && t->method == SIP_M_INVITE && !d->final_status)
        d->final_status = st;
    if (c->is_invite) {
        /* Provisional and 2xx responses of any initial INVITE count (the
         * same call seen on several hops); a non-2xx final counts only for
         * the latest one, so an auth challenge followed by a retry does
         * not end the call. */
        if (m->txn != c->cur_invite_txn && !(st < 300 && t->initial && t->method == SIP_M_INVITE))
            return;
        if (st >= 180 && st < 200) {
            if (c->ring_msg == NONE)
                c->ring_msg = m->index;
            if (c->state == CALL_CALLING)
                c->state = CALL_RINGING;
        } else if (st >= 200) {
            if (st < 300) {
                if (c->answer_msg == NONE)
                    c->answer_msg = m->index;
                if (c->state != CALL_COMPLETED)
                    c->state = CALL_IN_CALL;
                c->final_status = st;
                c->final_msg = m->index;
            } else if (c->state != CALL_IN_CALL && c->state != CALL_COMPLETED) {
                c->state = (uint8_t)state_for_final(st);
                c->final_status = st;
                c->final_msg = m->index;
                if (st != 487)
                    c->released_by = REL_CALLEE;
            }
        }
        return;
    }
    /* a Call-ID without an initial INVITE: the last final response decides */
    if (st >= 200) {
        enum call_state ns = state_for_final(st);
        c->state = (uint8_t)(ns == CALL_IN_CALL ? CALL_COMPLETED : ns);
        c->final_status = st;
        c->final_msg = m->index;
    }
}

/* ---- public ---------------------------------------------------------- */

int msg_parse(const struct msg *m, struct sip_msg *sm, struct sip_hdr *hdrs, size_t max_hdrs)
{
    struct sip_parse_opts o = {0};
    return sip_parse(m->buf, m->len, &o, sm, hdrs, max_hdrs);
}

uint32_t store_add_sip(struct store *s, const struct pkt *pkt, const uint8_t *p, size_t n)
{
    struct sip_parse_opts opts = {.max_header_line = s->lim->max_header_line, .stream = 0};
    struct sip_msg sm;
    int rc = sip_parse(p, n, &opts, &sm, s->scratch, s->lim->max_headers);

    if (s->nmsgs >= s->lim->max_msgs || s->store_bytes >= s->lim->max_store_bytes) {
        if (s->replay)
            return NONE;
        s->dropped_msgs++;
        diag_limit(s->diag, s->nmsgs >= s->lim->max_msgs ? "messages" : "store-bytes",
                   "SIP message not kept: limit %s reached",
                   s->nmsgs >= s->lim->max_msgs ? "messages" : "store-bytes");
        return NONE;
    }
    size_t mlen = rc == SIP_OK ? sm.len : n;
    if (mlen > n)
        mlen = n;
    size_t keep = mlen;
    if (keep > s->lim->max_msg_bytes) {
        keep = s->lim->max_msg_bytes;
        if (!s->replay)
            diag_limit(s->diag, "message-bytes", "SIP message of %zu bytes cut to %u bytes (limit message-bytes)",
                   mlen, s->lim->max_msg_bytes);
    }
    s->msgs = xgrow(s->msgs, &s->cap_msgs, s->nmsgs + 1, sizeof(*s->msgs));
    uint32_t idx = (uint32_t)s->nmsgs++;
    struct msg *m = &s->msgs[idx];
    memset(m, 0, sizeof(*m));
    m->index = idx;
    m->file = pkt->frame->file;
    m->frame = pkt->frame->no;
    m->fseq = pkt->frame->seq ? pkt->frame->seq : s->now_seq;
    if (idx && m->fseq < s->msgs[idx - 1].fseq)
        s->unordered = 1;
    m->first_frame = pkt->first_frame ? pkt->first_frame : m->frame;
    m->segments = pkt->segments ? pkt->segments : 1;
    m->gap_bytes = pkt->gap_bytes;
    m->ts = pkt->frame->ts;
    m->src = pkt->src;
    m->dst = pkt->dst;
    m->transport = pkt->transport;
    m->pkt_flags = pkt->flags;
    m->len = (uint32_t)keep;
    m->orig_len = (uint32_t)mlen;
    m->buf = xmemdup(p, keep);
    m->call = m->dialog = m->txn = NONE;
    s->store_bytes += keep;

    if (rc != SIP_OK) {
        if (s->replay)
            return idx;
        s->sip_bad++;
        m->anom_total = sm.anom_total;
        m->anom_mask = sm.anom_mask;
        for (unsigned k = 0; k < SIP_ANOM__COUNT; k++)
            if (sm.anom_mask & (1ULL << k))
                s->anom_by_kind[k]++;
        diag_report(s->diag, DIAG_SIP_BAD, "SIP-like payload with no usable start line (%s); shown, not correlated",
                    sm.nanoms ? sip_anom_text((enum sip_anom)sm.anoms[0].kind) : "unparseable");
        return idx;
    }
    if (pkt->flags & PKT_TRUNCATED)
        sip_msg_anom(&sm, SIP_ANOM_TRUNCATED, (uint32_t)n);
    if (pkt->flags & PKT_GAP_CUT)
        sip_msg_anom(&sm, SIP_ANOM_STREAM_GAP, (uint32_t)n);
    m->is_request = sm.is_request;
    m->method = sm.method;
    m->status = sm.status;
    m->anom_total = sm.anom_total;
    m->anom_mask = sm.anom_mask;
    if (sm.anom_total && !s->replay) {
        s->sip_anomalous++;
        for (unsigned k = 0; k < SIP_ANOM__COUNT; k++)
            if (sm.anom_mask & (1ULL << k))
                s->anom_by_kind[k]++;
        diag_report(s->diag, DIAG_SIP_ANOMALY, "SIP %s: %s%s", sm.is_request ? "request" : "response",
                    sip_anom_text((enum sip_anom)sm.anoms[0].kind),
                    sm.anom_total > 1 ? " (and more; see the message's anomalies)" : "");
    }

    struct slice cid = slice_trim(sip_hdr_first(&sm, p, SIP_H_CALL_ID));
    struct slice from = sip_hdr_first(&sm, p, SIP_H_FROM);
    struct slice to = sip_hdr_first(&sm, p, SIP_H_TO);
    struct slice cseqv = sip_hdr_first(&sm, p, SIP_H_CSEQ);
    struct slice via = sip_hdr_first(&sm, p, SIP_H_VIA);
    struct slice ftag = tag_of(from), ttag = tag_of(to);
    struct sip_cseq cs = {0};
    int cseq_ok = cseq_of(cseqv, &cs);
    struct slice branch = SLICE_NULL;
    if (via.p) {
        struct slice rest = via, item;
        struct sip_via v;
        if (sip_next_value(&rest, &item) && sip_parse_via(item, &v))
            branch = v.branch;
    }
    /* Spans must lie within what we kept. */
    struct slice fields[4] = {cid, ftag, ttag, branch};
    struct sip_span *dst[4] = {&m->call_id, &m->from_tag, &m->to_tag, &m->branch};
    for (int i = 0; i < 4; i++) {
        struct sip_span sp = span_of(p, fields[i]);
        if (fields[i].p && (size_t)sp.off + sp.len <= keep)
            *dst[i] = sp;
        fields[i] = fields[i].p && (size_t)sp.off + sp.len <= keep ? fields[i] : SLICE_NULL;
    }
    cid = fields[0];
    ftag = fields[1];
    ttag = fields[2];
    branch = fields[3];
    if (cseq_ok) {
        m->has_cseq = 1;
        m->cseq = cs.seq;
        m->cseq_method = (uint8_t)sip_method_from(cs.method);
    }
    m->correlatable = sip_msg_correlatable(&sm) && cseq_ok && cid.n > 0;
    if (!m->correlatable) {
        if (s->replay)
            return idx;
        s->sip_uncorrelated++;
        diag_report(s->diag, DIAG_SIP_UNCORRELATED,
                    "SIP message without a usable Call-ID, From, To or CSeq: shown but not correlated");
        return idx;
    }
    uint32_t ci = call_get(s, cid, idx);
    if (ci == NONE)
        return idx;
    struct call *c = &s->calls[ci];
    m->call = ci;
    c->msgs = xgrow(c->msgs, &c->cap_msgs, c->nmsgs + 1, sizeof(*c->msgs));
    c->msgs[c->nmsgs++] = idx;

    m->txn = txn_get(s, m, ci, branch, cid, ftag, cs.method, ttag.n > 0);
    struct txn *t = &s->txns[m->txn];
    struct slice rseq = sip_hdr_first(&sm, p, SIP_H_RSEQ);
    if (!rseq.p)
        rseq = (struct slice){(const uint8_t *)"", 0};
    m->retrans = (uint8_t)is_retrans(s, m, sip_span_slice(p, sm.start), ttag, rseq);
    if (m->retrans && !s->replay)
        s->retransmissions++;

    uint32_t di = dialog_get(s, ci, ftag, ttag, t, m->is_request, m->status, idx);
    struct dialog *d = NULL;
    if (di != NONE) {
        d = &s->dialogs[di];
        d->last_msg = idx;
        d->nmsgs++;
        for (size_t k = 0; k < c->ndialogs; k++)
            if (c->dialogs[k] == di) {
                m->dialog = (uint32_t)k;
                break;
            }
    }
    call_update(s, c, m, d);
    if ((c->invite_msg != NONE ? c->invite_msg : c->first_msg) == idx && keep == mlen) {
        c->party_msg = idx;
        c->has_from = from.p != NULL;
        c->has_to = to.p != NULL;
        c->from_v = from.p ? span_of(p, from) : (struct sip_span){0, 0};
        c->to_v = to.p ? span_of(p, to) : (struct sip_span){0, 0};
    }
    if (m->ts > c->last_ts)
        c->last_ts = m->ts;
    if (s->on_msg && !s->replay && keep == mlen) /* spans of sm are valid against m->buf */
        s->on_msg(s->on_msg_ctx, s, idx, &sm);
    return idx;
}

int store_msg_before(const struct store *s, uint32_t a, uint32_t b)
{
    const struct msg *x = &s->msgs[a], *y = &s->msgs[b];
    return x->fseq != y->fseq ? x->fseq < y->fseq : a < b;
}

void store_order_call(struct store *s, struct call *c)
{
    if (!s->unordered)
        return;
    /* insertion sort: lists are short and almost sorted */
    for (size_t i = 1; i < c->nmsgs; i++) {
        uint32_t v = c->msgs[i];
        size_t j = i;
        while (j > 0 && store_msg_before(s, v, c->msgs[j - 1])) {
            c->msgs[j] = c->msgs[j - 1];
            j--;
        }
        c->msgs[j] = v;
    }
    if (c->nmsgs)
        c->first_msg = c->msgs[0];
}

void store_finish(struct store *s)
{
    for (size_t i = 0; i < s->ncalls; i++)
        store_order_call(s, &s->calls[i]);
    for (size_t i = 0; i < s->ncalls; i++) {
        struct call *c = &s->calls[i];
        if (state_is_live(c->state)) {
            c->progress = c->state;
            c->state = CALL_NOT_FINISHED;
        } else {
            c->progress = c->answer_msg != NONE ? CALL_IN_CALL : c->ring_msg != NONE ? CALL_RINGING : CALL_CALLING;
        }
    }
}

/* ---- streaming ------------------------------------------------------- */

static int call_is_final(const struct call *c)
{
    return !state_is_live(c->state) && c->state != CALL_NOT_FINISHED;
}

void store_rebuild(struct store *s)
{
    struct store n;
    store_init(&n, s->lim, s->diag);
    n.replay = 1;
    n.keep_raw = s->keep_raw;
    struct sip_hdr *none = NULL;
    (void)none;
    for (size_t i = 0; i < s->nmsgs; i++) {
        struct msg *m = &s->msgs[i];
        if (m->call == NONE || s->calls[m->call].flushed)
            continue;
        struct frame f = {.file = m->file, .no = m->frame, .seq = m->fseq, .ts = m->ts};
        struct pkt k = {0};
        k.frame = &f;
        k.src = m->src;
        k.dst = m->dst;
        k.transport = m->transport;
        k.flags = m->pkt_flags;
        k.payload = m->buf;
        k.len = m->len;
        k.wire_len = m->orig_len;
        k.first_frame = m->first_frame;
        k.segments = m->segments;
        k.gap_bytes = m->gap_bytes;
        uint32_t ni = store_add_sip(&n, &k, m->buf, m->len);
        if (m->raw && ni != NONE) { /* live --out-dir: the frame copy moves along */
            n.msgs[ni].raw = m->raw;
            n.msgs[ni].rawlen = m->rawlen;
            n.msgs[ni].rawwire = m->rawwire;
            n.msgs[ni].rawdlt = m->rawdlt;
            n.raw_bytes += m->rawlen;
            m->raw = NULL;
        }
    }
    /* counters are cumulative over the whole run */
    n.sip_bad = s->sip_bad;
    n.sip_uncorrelated = s->sip_uncorrelated;
    n.sip_anomalous = s->sip_anomalous;
    n.retransmissions = s->retransmissions;
    memcpy(n.anom_by_kind, s->anom_by_kind, sizeof n.anom_by_kind);
    n.dropped_msgs = s->dropped_msgs;
    n.calls_emitted = s->calls_emitted;
    n.calls_expired = s->calls_expired;
    n.rebuilds = s->rebuilds + 1;
    n.uncorrelated_dropped = s->uncorrelated_dropped;
    for (size_t i = 0; i < s->nmsgs; i++)
        if (s->msgs[i].call == NONE)
            n.uncorrelated_dropped++;
    n.replay = 0;
    n.on_msg = s->on_msg;
    n.on_msg_ctx = s->on_msg_ctx;
    n.on_emitted = s->on_emitted;
    n.on_emitted_ctx = s->on_emitted_ctx;
    store_fini(s);
    *s = n;
}

void store_sweep(struct store *s, int64_t now, int64_t linger_ns, int64_t idle_ns,
                 void (*emit)(void *ctx, const struct store *s, const struct call *c), void *ctx)
{
    for (size_t i = 0; i < s->ncalls; i++) {
        struct call *c = &s->calls[i];
        if (c->flushed)
            continue;
        int64_t quiet = now - c->last_ts;
        if (call_is_final(c) ? quiet < linger_ns : quiet < idle_ns)
            continue;
        if (!call_is_final(c)) {
            c->progress = c->state;
            c->state = CALL_NOT_FINISHED;
            c->expired = 1;
            s->calls_expired++;
        }
        store_order_call(s, c);
        emit(ctx, s, c);
        store_mark_emitted(s, c);
    }
    /* rebuild when emitted calls hold most of the memory */
    if (s->flushed_msgs > 4096 && s->flushed_msgs * 2 > s->nmsgs)
        store_rebuild(s);
}

void store_flush_all(struct store *s, void (*emit)(void *ctx, const struct store *s, const struct call *c),
                     void *ctx)
{
    store_finish(s);
    for (size_t i = 0; i < s->ncalls; i++) {
        struct call *c = &s->calls[i];
        if (c->flushed)
            continue;
        emit(ctx, s, c);
        store_mark_emitted(s, c);
    }
}

void store_mark_emitted(struct store *s, struct call *c)
{
    c->flushed = 1;
    s->calls_emitted++;
    s->flushed_msgs += c->nmsgs;
    if (s->on_emitted)
        s->on_emitted(s->on_emitted_ctx, c);
}
