/*
 * causes.c - per-call disposition, Q.850 cause and release (see causes.h;
 * the rules are documented in doc/kpi.md, "Per call").
 *
 * References: RFC 3326 (Reason), RFC 6432 (Reason in responses), ITU-T
 * Q.850 (causes), RFC 3398 §7.2.4.1 and the seed's Cisco UCM Table 1-26
 * (SIP -> Q.850), ITU-T E.425 (call outcome categories), RFC 3261
 * §17.1.1.2 (timer B).
 *
 * Each message of the call is looked at once; only BYE, CANCEL and
 * responses whose bytes contain a "Reason" header name are re-parsed.
 */
#include "src/causes.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dissect/q850.h"
#include "dissect/reason.h"
#include "dissect/sip.h"
#include "dissect/sipq850.h"
#include "src/base/util.h"

static const char *const disp_names[DISP__COUNT] = {
    "answered", "busy", "no_answer", "rejected", "redirected", "failed", "incomplete",
};
static const char *const disp_labels[DISP__COUNT] = {
    "answered", "busy", "no answer/cancelled", "rejected", "redirected", "failed", "incomplete",
};

const char *disposition_name(enum disposition d)
{
    return (unsigned)d < DISP__COUNT ? disp_names[d] : "?";
}

const char *disposition_label(enum disposition d)
{
    return (unsigned)d < DISP__COUNT ? disp_labels[d] : "?";
}

int disposition_user_determined(enum disposition d)
{
    return d == DISP_ANSWERED || d == DISP_BUSY || d == DISP_NO_ANSWER || d == DISP_REJECTED;
}

const char *rel_side_name(enum rel_side s)
{
    switch (s) {
    case SIDE_CALLER: return "caller";
    case SIDE_CALLEE: return "callee";
    case SIDE_INTERMEDIARY: return "intermediary";
    default: return "";
    }
}

const char *rel_kind_name(enum rel_kind k)
{
    switch (k) {
    case RELK_BYE: return "BYE";
    case RELK_CANCEL: return "CANCEL";
    case RELK_RESPONSE: return "response";
    case RELK_TIMEOUT: return "timer B";
    default: return "";
    }
}

const char *cause_src_name(enum cause_src s)
{
    switch (s) {
    case CAUSE_REASON: return "reason";
    case CAUSE_MAPPED: return "mapped";
    case CAUSE_IMPLIED: return "implied";
    default: return "none";
    }
}

/* ---- helpers ---------------------------------------------------------- */

static int addr_eq(const struct endpoint *a, const struct endpoint *b)
{
    return a->family && a->family == b->family && memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16) == 0;
}

/* Which side a lane is: the exact endpoint first, then the address alone
 * when it names exactly one side (a UA may send from another port). */
static enum rel_side side_of(const struct endpoint *e, const struct endpoint *caller, const struct endpoint *callee)
{
    if (caller->family && endpoint_eq(e, caller))
        return SIDE_CALLER;
    if (callee->family && endpoint_eq(e, callee))
        return SIDE_CALLEE;
    int a = addr_eq(e, caller), b = addr_eq(e, callee);
    if (a && !addr_eq(caller, callee) && !b)
        return SIDE_CALLER;
    if (b && !a)
        return SIDE_CALLEE;
    return SIDE_INTERMEDIARY;
}

/* Cheap test before re-parsing: a line starting with "Reason" (any case). */
static int has_reason_hint(const struct msg *m)
{
    static const char k[] = "reason";
    for (uint32_t i = 0; i + 7 <= m->len; i++) {
        if (m->buf[i] != '\n')
            continue;
        size_t j = 0;
        while (j < 6 && ascii_lower(m->buf[i + 1 + j]) == (uint8_t)k[j])
            j++;
        if (j == 6)
            return 1;
    }
    return 0;
}

static struct sip_span span_in(const struct msg *m, struct slice v)
{
    if (!v.p || v.p < m->buf || v.p > m->buf + m->len)
        return (struct sip_span){0, 0};
    return (struct sip_span){(uint32_t)(v.p - m->buf), (uint32_t)v.n};
}

static void collect_reasons(const struct msg *m, uint32_t idx, struct call_causes *cc, size_t *cap,
                            struct sip_hdr *hdrs, size_t maxh)
{
    struct sip_msg sm;
    if (msg_parse(m, &sm, hdrs, maxh) != SIP_OK)
        return;
    for (uint32_t h = 0; h < sm.nhdrs; h++) {
        if (hdrs[h].id != SIP_H_REASON)
            continue;
        struct reason_iter it;
        struct reason_value rv;
        reason_iter_init(&it, sip_span_slice(m->buf, hdrs[h].value));
        size_t guard = 0;
        while (reason_iter_next(&it, &rv) && guard++ <= m->len) {
            cc->reasons = xgrow(cc->reasons, cap, cc->nreasons + 1, sizeof(*cc->reasons));
            struct call_reason *r = &cc->reasons[cc->nreasons++];
            memset(r, 0, sizeof(*r));
            r->msg = idx;
            r->proto = rv.proto;
            r->has_cause = rv.has_cause;
            r->has_text = rv.has_text;
            r->cause = rv.cause;
            r->anoms = rv.anoms;
            r->raw = span_in(m, rv.raw);
            r->protocol = span_in(m, rv.protocol);
            r->text = span_in(m, rv.text);
            cc->reason_anoms |= rv.anoms;
            if (rv.anoms)
                cc->reason_anom_values++;
        }
    }
}

static int usable_q850(const struct call_reason *r)
{
    return r->proto == REASON_P_Q850 && r->has_cause && r->cause >= 1 && r->cause <= Q850_MAX;
}

/* Category of a Q.850 cause for the E.425 outcome classes. */
static int disp_of_cause(unsigned cause)
{
    switch (cause) {
    case 17: return DISP_BUSY;
    case 18: case 19: return DISP_NO_ANSWER;
    case 20: case 21: return DISP_REJECTED;
    default: return -1;
    }
}

static int is_initial_invite_txn(const struct store *s, uint32_t t)
{
    return t != NONE && s->txns[t].method == SIP_M_INVITE && s->txns[t].initial != 0;
}

/* ---- main ---------------------------------------------------------------- */

void call_causes_compute(const struct store *s, const struct call *c, struct call_causes *cc)
{
    memset(cc, 0, sizeof(*cc));
    cc->call = c->index;
    cc->final_msg = cc->release_msg = cc->cause_msg = NONE;
    cc->caller = c->caller;
    cc->disposition = DISP_INCOMPLETE; /* until decided below */
    cc->is_attempt = c->is_invite && c->invite_msg != NONE;
    if (cc->is_attempt)
        cc->start = s->msgs[c->invite_msg].ts;

    size_t cap = 0;
    struct sip_hdr stack_hdrs[128];
    struct sip_hdr *hdrs = stack_hdrs;
    size_t maxh = sizeof stack_hdrs / sizeof stack_hdrs[0];
    if (s->lim && s->lim->max_headers > maxh) {
        maxh = s->lim->max_headers;
        hdrs = xcalloc(maxh, sizeof(*hdrs));
    }

    /* finals per INVITE transaction, for two different finals on one */
    struct { uint32_t txn; uint16_t status; } *fin = NULL;
    size_t nfin = 0, capfin = 0;
    uint32_t last_fail = NONE;         /* last final >= 300 to an initial INVITE */
    uint32_t callee_resp = NONE;       /* first dialog-creating 1xx/2xx to an initial INVITE */
    uint32_t last_inv = NONE;          /* last initial INVITE */
    int64_t last_caller_inv_ts = 0;    /* last initial INVITE from the caller */
    int any_resp = 0;                  /* any response (100 included) to an initial INVITE */

    for (size_t k = 0; k < c->nmsgs; k++) {
        uint32_t mi = c->msgs[k];
        const struct msg *m = &s->msgs[mi];
        if (m->retrans)
            continue;
        int initial_inv = is_initial_invite_txn(s, m->txn);
        if (m->is_request) {
            if (m->method == SIP_M_INVITE && initial_inv && !m->to_tag.len) {
                last_inv = mi;
                if (endpoint_eq(&m->src, &c->caller))
                    last_caller_inv_ts = m->ts;
            }
        } else if (m->txn != NONE && s->txns[m->txn].method == SIP_M_INVITE) {
            any_resp |= initial_inv;
            if (initial_inv && callee_resp == NONE && m->status > 100 && m->status < 300 && m->to_tag.len)
                callee_resp = mi;
            if (initial_inv && m->status >= 180 && m->status < 200 && !cc->ring_ts)
                cc->ring_ts = m->ts;
            if (initial_inv && m->status >= 200 && m->status < 300 && !cc->answer_ts)
                cc->answer_ts = m->ts;
            if (initial_inv && m->status >= 300)
                last_fail = mi;
            if (m->status >= 200) {
                size_t f = 0;
                while (f < nfin && fin[f].txn != m->txn)
                    f++;
                if (f == nfin) {
                    fin = xgrow(fin, &capfin, nfin + 1, sizeof(*fin));
                    fin[nfin].txn = m->txn;
                    fin[nfin].status = m->status;
                    nfin++;
                } else if (fin[f].status != m->status && !cc->multi_final[0]) {
                    cc->multi_final[0] = fin[f].status;
                    cc->multi_final[1] = m->status;
                }
            }
        }
        int want = m->is_request ? (m->method == SIP_M_BYE || m->method == SIP_M_CANCEL) : 1;
        if (want && has_reason_hint(m))
            collect_reasons(m, mi, cc, &cap, hdrs, maxh);
    }
    free(fin);
    if (hdrs != stack_hdrs)
        free(hdrs);

    if (callee_resp != NONE)
        cc->callee = s->msgs[callee_resp].src;
    else if (last_inv != NONE)
        cc->callee = s->msgs[last_inv].dst;
    if (!cc->is_attempt)
        return;

    /* ---- the deciding final -------------------------------------------- */
    int64_t end_ts = s->nmsgs ? s->msgs[s->nmsgs - 1].ts : 0;
    int answered = c->answer_msg != NONE;
    if (answered) {
        cc->disposition = DISP_ANSWERED;
        cc->final_msg = c->answer_msg;
        cc->final_status = s->msgs[c->answer_msg].status;
    } else {
        uint32_t f = (c->final_msg != NONE && s->msgs[c->final_msg].status >= 300) ? c->final_msg : last_fail;
        /* superseded by a later INVITE from the caller (auth retry, 3xx/422 follow-up) */
        if (f != NONE && last_caller_inv_ts > s->msgs[f].ts)
            f = NONE;
        if (f != NONE) {
            cc->final_msg = f;
            cc->final_status = s->msgs[f].status;
        }
    }
    if (cc->final_status >= 300) {
        const struct sipq850_entry *e = sipq850_lookup(cc->final_status);
        if (e) {
            cc->mapped_cause = e->cause;
            cc->mapped_src = e->source;
        }
    }

    /* ---- release message ---------------------------------------------- */
    int cancelled = c->cancel_msg != NONE &&
                    (cc->final_msg == NONE || s->msgs[c->cancel_msg].ts <= s->msgs[cc->final_msg].ts);
    if (answered) {
        if (c->bye_msg != NONE) {
            cc->release_kind = RELK_BYE;
            cc->release_msg = c->bye_msg;
        }
    } else if (cancelled && (cc->final_msg == NONE || cc->final_status == 487 || cc->final_status < 300)) {
        cc->release_kind = RELK_CANCEL;
        cc->release_msg = c->cancel_msg;
    } else if (cc->final_msg != NONE) {
        cc->release_kind = RELK_RESPONSE;
        cc->release_msg = cc->final_msg;
    }
    if (cc->release_msg != NONE) {
        const struct msg *rm = &s->msgs[cc->release_msg];
        cc->release_ts = rm->ts;
        cc->release_side = (uint8_t)side_of(&rm->src, &cc->caller, &cc->callee);
    }

    /* ---- Q.850 cause from a Reason -------------------------------------- */
    int best = 99;
    for (size_t i = 0; i < cc->nreasons; i++) {
        const struct call_reason *r = &cc->reasons[i];
        if (!usable_q850(r))
            continue;
        const struct msg *m = &s->msgs[r->msg];
        uint8_t tm = m->txn != NONE ? s->txns[m->txn].method : SIP_M_OTHER;
        int score = 99;
        if (r->msg == cc->release_msg)
            score = 0;
        else if (cc->release_kind == RELK_BYE && m->is_request && m->method == SIP_M_BYE)
            score = 1;
        else if (cc->release_kind == RELK_CANCEL && m->is_request && m->method == SIP_M_CANCEL)
            score = 1;
        else if (cc->release_kind == RELK_RESPONSE && !m->is_request && m->status == cc->final_status &&
                 is_initial_invite_txn(s, m->txn))
            score = 1;
        else if (!m->is_request && ((cc->release_kind == RELK_BYE && tm == SIP_M_BYE) ||
                                    (cc->release_kind == RELK_CANCEL && tm == SIP_M_CANCEL)))
            score = 2;
        else if (r->msg == cc->final_msg && cc->final_status >= 300)
            score = 3;
        if (score < best) {
            best = score;
            cc->cause = (uint16_t)r->cause;
            cc->cause_src = CAUSE_REASON;
            cc->cause_msg = r->msg;
        }
    }

    /* ---- disposition ---------------------------------------------------- */
    if (!answered) {
        if (cc->final_msg == NONE && cancelled) {
            cc->disposition = DISP_NO_ANSWER;
        } else if (cc->final_msg == NONE) {
            int64_t t0 = last_inv != NONE ? s->msgs[last_inv].ts : cc->start;
            if (end_ts - t0 >= CAUSES_TIMER_B_NS && !any_resp) {
                cc->disposition = DISP_FAILED;
                cc->release_kind = RELK_TIMEOUT;
                cc->release_ts = t0 + CAUSES_TIMER_B_NS;
                cc->release_side = SIDE_NONE;
            } else {
                cc->disposition = DISP_INCOMPLETE;
            }
        } else {
            unsigned st = cc->final_status;
            int d = -1;
            if (st < 400)
                d = DISP_REDIRECTED;
            else if (st == 487)
                d = DISP_NO_ANSWER;
            if (d < 0 && cc->mapped_cause)
                d = disp_of_cause(cc->mapped_cause);
            if (d < 0 && cc->cause_src == CAUSE_REASON)
                d = disp_of_cause(cc->cause);
            if (d < 0)
                d = st >= 600 && !cc->mapped_cause ? DISP_REJECTED : DISP_FAILED;
            cc->disposition = (uint8_t)d;
        }
    }

    /* ---- cause when no Reason gave one ------------------------------------ */
    if (cc->cause_src == CAUSE_NONE) {
        if (cc->final_status >= 300 && cc->mapped_cause) {
            cc->cause = cc->mapped_cause;
            cc->cause_src = CAUSE_MAPPED;
        } else if (cc->release_kind == RELK_BYE) {
            cc->cause = 16;
            cc->cause_src = CAUSE_IMPLIED;
        } else if (cc->release_kind == RELK_TIMEOUT) {
            cc->cause = 102;
            cc->cause_src = CAUSE_IMPLIED;
        }
    }
    /* the final response's own Reason against the table */
    if (cc->cause_src == CAUSE_REASON && cc->mapped_cause && cc->cause_msg != NONE &&
        !s->msgs[cc->cause_msg].is_request && s->msgs[cc->cause_msg].status == cc->final_status &&
        cc->cause != cc->mapped_cause)
        cc->conflict = 1;
}

void call_causes_free(struct call_causes *cc)
{
    free(cc->reasons);
    cc->reasons = NULL;
    cc->nreasons = 0;
}

static void put_time(struct buf *b, int64_t ns)
{
    time_t t = (time_t)(ns / 1000000000LL);
    long ms = (long)((ns % 1000000000LL) / 1000000LL);
    if (ms < 0) {
        ms += 1000;
        t--;
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    buf_printf(b, "%02d:%02d:%02d.%03ld UTC", tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

void call_release_note(struct buf *b, const struct store *s, const struct call *c)
{
    struct call_causes cc;
    call_causes_compute(s, c, &cc);
    if (!cc.is_attempt) {
        buf_puts(b, "no initial INVITE: no release analysis");
        call_causes_free(&cc);
        return;
    }
    if (cc.release_kind == RELK_NONE) {
        if (cc.disposition == DISP_ANSWERED)
            buf_puts(b, "not released: answered, no BYE before the capture ended");
        else
            buf_puts(b, "not released: no final response before the capture ended");
    } else if (cc.release_kind == RELK_TIMEOUT) {
        buf_puts(b, "no final response within timer B (32 s): failed at ");
        put_time(b, cc.release_ts);
    } else {
        buf_printf(b, "released by %s (", rel_side_name((enum rel_side)cc.release_side));
        if (cc.release_kind == RELK_RESPONSE) {
            const char *ph = sip_reason_default(cc.final_status);
            buf_printf(b, "%u%s%s", cc.final_status, *ph ? " " : "", ph);
        } else {
            buf_puts(b, rel_kind_name((enum rel_kind)cc.release_kind));
            if (cc.final_status >= 300)
                buf_printf(b, ", final %u", cc.final_status);
        }
        buf_puts(b, ") at ");
        put_time(b, cc.release_ts);
    }
    if (cc.cause) {
        buf_printf(b, ": Q.850 %u %s [", cc.cause, q850_name(cc.cause));
        if (cc.cause_src == CAUSE_REASON)
            buf_puts(b, "Reason");
        else if (cc.cause_src == CAUSE_MAPPED)
            buf_printf(b, "mapped from %u by %s", cc.final_status,
                       sipq850_source_name((enum sipq850_source)cc.mapped_src));
        else
            buf_puts(b, cc.release_kind == RELK_BYE ? "implied by a BYE without Reason" : "implied by timer B");
        buf_putc(b, ']');
        if (cc.conflict)
            buf_printf(b, "; conflict: %s maps %u to %u %s", sipq850_source_name((enum sipq850_source)cc.mapped_src),
                       cc.final_status, cc.mapped_cause, q850_name(cc.mapped_cause));
    }
    if (cc.reason_anom_values)
        buf_printf(b, "; %u Reason value%s with anomalies", cc.reason_anom_values,
                   cc.reason_anom_values == 1 ? "" : "s");
    call_causes_free(&cc);
}
