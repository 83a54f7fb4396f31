/*
 * kpi.c - attempts, retry merging, KPIs and breakdowns (see kpi.h; the
 * formulas are documented in doc/kpi.md).
 *
 * References: ITU-T E.411 (ASR, answer seizure ratio), ITU-T E.425 (NER,
 * network effectiveness ratio; call outcome categories), RFC 6076 (SRD,
 * session request delay), RFC 3261 (retries after 3xx/401/407), RFC 4028
 * (422 retries).
 *
 * Cost: one call_causes_compute() per selected call, one hash probe per
 * attempt and breakdown, and a sort per distribution: O(n log n).
 */
#include "src/kpi.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/q850.h"
#include "dissect/sip_hdr.h"
#include "src/base/hmap.h"
#include "src/base/util.h"

/* ---- small helpers ------------------------------------------------------- */

/* NUL-terminated copy of capture bytes; NUL bytes become '?'. */
static char *dup_bytes(const uint8_t *p, size_t n)
{
    char *s = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = p[i] ? (char)p[i] : '?';
    s[n] = 0;
    return s;
}

static char *dup_lower(struct slice v)
{
    char *s = dup_bytes(v.p ? v.p : (const uint8_t *)"", v.p ? v.n : 0);
    for (char *q = s; *q; q++)
        *q = (char)ascii_lower((uint8_t)*q);
    return s;
}

static char *xasprintf2(const char *a, const char *sep, const char *b)
{
    size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
    char *s = xmalloc(la + ls + lb + 1);
    memcpy(s, a, la);
    memcpy(s + la, sep, ls);
    memcpy(s + la + ls, b, lb + 1);
    return s;
}

static char *lane_of(const struct kpi_opts *o, const struct endpoint *e)
{
    if (!e->family)
        return xstrdup("?");
    const char *n = o->lane_name ? o->lane_name(o->lane_ctx, e) : NULL;
    if (n)
        return xstrdup(n);
    char b[80];
    return xstrdup(endpoint_str(e, b, sizeof b));
}

int64_t kpi_percentile(const int64_t *sorted, size_t n, unsigned q)
{
    if (!n)
        return 0;
    if (q > 100)
        q = 100;
    size_t rank = (size_t)(((uint64_t)q * n + 99) / 100); /* ceil(q/100 * n) */
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

int64_t kpi_auto_interval(int64_t span_ns)
{
    static const int64_t steps[] = {60, 300, 900, 3600, 21600, 86400};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (span_ns / (steps[i] * KPI_NS_PER_S) + 1 <= 60)
            return steps[i] * KPI_NS_PER_S;
    return 86400 * KPI_NS_PER_S;
}

int kpi_parse_duration(const char *s, int64_t *ns)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !(v > 0) || v > 1e9)
        return -1;
    double mul;
    if (!*end || strcmp(end, "s") == 0)
        mul = 1e9;
    else if (strcmp(end, "ms") == 0)
        mul = 1e6;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        mul = 60e9;
    else if (strcmp(end, "h") == 0)
        mul = 3600e9;
    else if (strcmp(end, "d") == 0)
        mul = 86400e9;
    else
        return -1;
    double r = v * mul;
    if (r < 1 || r > 9e18)
        return -1;
    *ns = (int64_t)r;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- accumulating groups ------------------------------------------------ */

struct vec {
    int64_t *v;
    size_t n, cap;
};

static void vec_push(struct vec *v, int64_t x)
{
    v->v = xgrow(v->v, &v->cap, v->n + 1, sizeof(*v->v));
    v->v[v->n++] = x;
}

static struct kpi_stat vec_stat(struct vec *v)
{
    struct kpi_stat st = {0};
    if (!v->n)
        return st;
    qsort(v->v, v->n, sizeof(*v->v), cmp_i64);
    double sum = 0;
    for (size_t i = 0; i < v->n; i++)
        sum += (double)v->v[i];
    st.n = v->n;
    st.mean = (int64_t)llround(sum / (double)v->n);
    st.p50 = kpi_percentile(v->v, v->n, 50);
    st.p95 = kpi_percentile(v->v, v->n, 95);
    st.p99 = kpi_percentile(v->v, v->n, 99);
    st.min = v->v[0];
    st.max = v->v[v->n - 1];
    return st;
}

struct gacc {
    struct kpi_group g;
    struct vec pdd, setup, dur;
};

struct gset {
    struct gacc *v;
    size_t n, cap;
    struct hmap idx;
};

static struct gacc *gset_get(struct gset *gs, const char *key, int64_t bucket)
{
    uint8_t kb[8];
    const void *k = key;
    size_t kl = key ? strlen(key) : 0;
    if (!key) {
        memcpy(kb, &bucket, 8);
        k = kb;
        kl = 8;
    }
    uint32_t i;
    if (hmap_get(&gs->idx, k, kl, &i))
        return &gs->v[i];
    gs->v = xgrow(gs->v, &gs->cap, gs->n + 1, sizeof(*gs->v));
    i = (uint32_t)gs->n++;
    struct gacc *a = &gs->v[i];
    memset(a, 0, sizeof(*a));
    a->g.key = xstrdup(key ? key : "");
    a->g.bucket = bucket;
    hmap_put(&gs->idx, k, kl, i);
    return a;
}

static void acc_add(struct gacc *a, const struct kpi_attempt *t, int64_t short_ns)
{
    struct kpi_counts *c = &a->g.c;
    uint8_t d = t->cc.disposition;
    c->attempts++;
    c->disp[d]++;
    if (d != DISP_INCOMPLETE)
        c->completed++;
    if (disposition_user_determined((enum disposition)d))
        c->user_determined++;
    if (t->pdd >= 0)
        vec_push(&a->pdd, t->pdd);
    if (t->setup >= 0)
        vec_push(&a->setup, t->setup);
    if (t->duration >= 0) {
        vec_push(&a->dur, t->duration);
        c->ended++;
        if (t->duration < short_ns)
            c->short_calls++;
    }
}

static void acc_finish(struct gacc *a, struct kpi_group *out)
{
    struct kpi_group *g = &a->g;
    g->asr = g->c.completed ? (double)g->c.disp[DISP_ANSWERED] / (double)g->c.completed : -1;
    g->ner = g->c.completed ? (double)g->c.user_determined / (double)g->c.completed : -1;
    g->short_ratio = g->c.ended ? (double)g->c.short_calls / (double)g->c.ended : -1;
    g->pdd = vec_stat(&a->pdd);
    g->setup = vec_stat(&a->setup);
    g->duration = vec_stat(&a->dur);
    free(a->pdd.v);
    free(a->setup.v);
    free(a->dur.v);
    *out = *g;
}

static int cmp_group_attempts(const void *a, const void *b)
{
    const struct kpi_group *x = a, *y = b;
    if (x->c.attempts != y->c.attempts)
        return x->c.attempts > y->c.attempts ? -1 : 1;
    return strcmp(x->key, y->key);
}

static int cmp_group_time(const void *a, const void *b)
{
    const struct kpi_group *x = a, *y = b;
    return x->bucket < y->bucket ? -1 : x->bucket > y->bucket;
}

static struct kpi_group *gset_finish(struct gset *gs, size_t *n, int by_time)
{
    struct kpi_group *out = xcalloc(gs->n ? gs->n : 1, sizeof(*out));
    for (size_t i = 0; i < gs->n; i++)
        acc_finish(&gs->v[i], &out[i]);
    qsort(out, gs->n, sizeof(*out), by_time ? cmp_group_time : cmp_group_attempts);
    *n = gs->n;
    free(gs->v);
    hmap_fini(&gs->idx);
    return out;
}

/* ---- attempts ---------------------------------------------------------------- */

static int retryable(uint16_t st)
{
    return (st >= 300 && st < 400) || st == 401 || st == 407 || st == 422;
}

static void fill_parties(struct kpi_attempt *t, const struct store *s, const struct call *c)
{
    const struct msg *m = &s->msgs[c->invite_msg];
    struct sip_msg sm;
    struct sip_hdr h[64];
    struct slice fu = SLICE_NULL, tu = SLICE_NULL, fd = SLICE_NULL, td = SLICE_NULL;
    if (msg_parse(m, &sm, h, 64) == SIP_OK) {
        struct sip_nameaddr na;
        struct sip_uri u;
        struct slice v = sip_hdr_first(&sm, m->buf, SIP_H_FROM);
        if (v.p && sip_parse_nameaddr(v, &na)) {
            fu = na.uri;
            if (sip_parse_uri(na.uri, &u))
                fd = u.host;
        }
        v = sip_hdr_first(&sm, m->buf, SIP_H_TO);
        if (v.p && sip_parse_nameaddr(v, &na)) {
            tu = na.uri;
            if (sip_parse_uri(na.uri, &u))
                td = u.host;
        }
    }
    t->from = dup_bytes(fu.p ? fu.p : (const uint8_t *)"", fu.p ? fu.n : 0);
    t->to = dup_bytes(tu.p ? tu.p : (const uint8_t *)"", tu.p ? tu.n : 0);
    t->from_domain = fd.n ? dup_lower(fd) : xstrdup("(none)");
    t->to_domain = td.n ? dup_lower(td) : xstrdup("(none)");
    struct slice ft = msg_span(m, m->from_tag);
    t->from_tag = dup_bytes(ft.p, ft.n);
}

static int cmp_att_start(const void *a, const void *b)
{
    const struct kpi_attempt *x = a, *y = b;
    if (x->cc.start != y->cc.start)
        return x->cc.start < y->cc.start ? -1 : 1;
    return x->cc.call < y->cc.call ? -1 : x->cc.call > y->cc.call;
}

static void key1(struct buf *b, const struct kpi_attempt *t)
{
    buf_reset(b);
    buf_puts(b, "t");
    buf_puts(b, t->from_tag);
    buf_putc(b, '\n');
    buf_puts(b, t->from);
}

static void key2(struct buf *b, const struct kpi_attempt *t)
{
    buf_reset(b);
    buf_puts(b, "u");
    buf_puts(b, t->from);
    buf_putc(b, '\n');
    buf_puts(b, t->to);
}

/* first 18x/2xx of a call, 0 when none */
static int64_t progress_ts(const struct call_causes *cc)
{
    if (cc->ring_ts && cc->answer_ts)
        return cc->ring_ts < cc->answer_ts ? cc->ring_ts : cc->answer_ts;
    return cc->ring_ts ? cc->ring_ts : cc->answer_ts;
}

static void merge_retries(struct kpi_report *r, const struct kpi_opts *o)
{
    struct hmap pend;
    hmap_init(&pend);
    struct buf kb = {0};
    int64_t *prog = xcalloc(r->natt ? r->natt : 1, sizeof(*prog));
    for (size_t i = 0; i < r->natt; i++)
        prog[i] = progress_ts(&r->att[i].cc);
    for (size_t i = 0; i < r->natt; i++) {
        struct kpi_attempt *b = &r->att[i];
        uint32_t ai = NONE, cand;
        for (int k = 0; k < 2 && ai == NONE; k++) {
            if (k == 0 && !b->from_tag[0])
                continue;
            (k == 0 ? key1 : key2)(&kb, b);
            if (!hmap_get(&pend, kb.p, kb.n, &cand))
                continue;
            struct kpi_attempt *a = &r->att[cand];
            if (!a->counted || a->cc.release_ts > b->cc.start ||
                b->cc.start - a->cc.release_ts > o->retry_window_ns ||
                memcmp(a->cc.caller.addr, b->cc.caller.addr, 16) != 0 || a->cc.caller.family != b->cc.caller.family)
                continue;
            ai = cand;
        }
        if (ai != NONE) {
            struct kpi_attempt *a = &r->att[ai];
            a->counted = 0;
            a->merged_into = (uint32_t)i;
            b->first = a->first;
            b->start = a->start;
            b->retries = a->retries + 1;
            if (prog[ai] && (!prog[i] || prog[ai] < prog[i]))
                prog[i] = prog[ai];
            r->retries_merged++;
        }
        if (retryable(b->cc.final_status) && b->cc.disposition != DISP_ANSWERED) {
            if (b->from_tag[0]) {
                key1(&kb, b);
                hmap_put(&pend, kb.p, kb.n, (uint32_t)i);
            }
            key2(&kb, b);
            hmap_put(&pend, kb.p, kb.n, (uint32_t)i);
        }
    }
    /* times measured from the chain's first INVITE */
    for (size_t i = 0; i < r->natt; i++) {
        struct kpi_attempt *t = &r->att[i];
        const struct call_causes *cc = &t->cc;
        int answered = cc->disposition == DISP_ANSWERED && cc->answer_ts;
        /* clamped at 0: capture timestamps may go backwards across merged files */
        t->pdd = prog[i] ? (prog[i] > t->start ? prog[i] - t->start : 0) : -1;
        t->setup = answered ? (cc->answer_ts > t->start ? cc->answer_ts - t->start : 0) : -1;
        t->duration = answered && cc->release_kind == RELK_BYE
                          ? (cc->release_ts > cc->answer_ts ? cc->release_ts - cc->answer_ts : 0)
                          : -1;
    }
    free(prog);
    buf_free(&kb);
    hmap_fini(&pend);
}

/* ---- report ------------------------------------------------------------------ */

static int cmp_cell(const void *a, const void *b)
{
    const struct kpi_cell *x = a, *y = b;
    if (x->status != y->status)
        return x->status < y->status ? -1 : 1;
    return x->cause < y->cause ? -1 : x->cause > y->cause;
}

void kpi_build(struct kpi_report *r, const struct store *s, const struct selection *sel, const struct kpi_opts *o)
{
    struct kpi_opts def = KPI_OPTS_DEFAULT_INIT;
    memset(r, 0, sizeof(*r));
    if (!o)
        o = &def;
    r->opts = *o;
    if (r->opts.short_call_ns <= 0)
        r->opts.short_call_ns = def.short_call_ns;
    if (r->opts.retry_window_ns <= 0)
        r->opts.retry_window_ns = def.retry_window_ns;

    /* calls -> attempts */
    r->att = xcalloc(sel->ncalls ? sel->ncalls : 1, sizeof(*r->att));
    for (size_t i = 0; i < sel->ncalls; i++) {
        const struct call *c = &s->calls[sel->calls[i]];
        if (!c->is_invite || c->invite_msg == NONE) {
            int in_dialog = 0;
            for (size_t k = 0; k < c->nmsgs && !in_dialog; k++) {
                const struct msg *m = &s->msgs[c->msgs[k]];
                in_dialog = m->has_cseq && (m->cseq_method == SIP_M_INVITE || m->cseq_method == SIP_M_BYE ||
                                            m->cseq_method == SIP_M_ACK || m->cseq_method == SIP_M_CANCEL);
            }
            if (in_dialog)
                r->calls_without_invite++;
            else
                r->non_invite_calls++;
            continue;
        }
        struct kpi_attempt *t = &r->att[r->natt++];
        call_causes_compute(s, c, &t->cc);
        t->counted = 1;
        t->merged_into = NONE;
        t->start = t->cc.start;
        fill_parties(t, s, c);
        t->caller_lane = lane_of(&r->opts, &t->cc.caller);
        t->callee_lane = lane_of(&r->opts, &t->cc.callee);
    }
    qsort(r->att, r->natt, sizeof(*r->att), cmp_att_start);
    for (size_t i = 0; i < r->natt; i++)
        r->att[i].first = (uint32_t)i;
    merge_retries(r, &r->opts);
    for (size_t i = 0; i < r->natt; i++) {
        struct kpi_attempt *t = &r->att[i];
        const char *a = t->caller_lane, *b = t->callee_lane;
        t->direction = xasprintf2(a, " -> ", b);
        t->peer = strcmp(a, b) <= 0 ? xasprintf2(a, " <-> ", b) : xasprintf2(b, " <-> ", a);
    }

    /* interval */
    int64_t t0 = 0, t1 = 0;
    int any = 0;
    for (size_t i = 0; i < r->natt; i++) {
        if (!r->att[i].counted)
            continue;
        int64_t st = r->att[i].start;
        if (!any || st < t0)
            t0 = st;
        if (!any || st > t1)
            t1 = st;
        any = 1;
    }
    if (r->opts.interval_ns <= 0)
        r->opts.interval_ns = kpi_auto_interval(t1 - t0);
    int64_t iv = r->opts.interval_ns;

    /* groups */
    struct gacc overall;
    memset(&overall, 0, sizeof overall);
    struct gset peers = {0}, dirs = {0}, fdom = {0}, tdom = {0}, buckets = {0};
    hmap_init(&peers.idx);
    hmap_init(&dirs.idx);
    hmap_init(&fdom.idx);
    hmap_init(&tdom.idx);
    hmap_init(&buckets.idx);
    uint64_t st_counts[1000];
    memset(st_counts, 0, sizeof st_counts);
    struct kpi_cause_count cz[Q850_MAX + 1];
    memset(cz, 0, sizeof cz);
    struct hmap cells;
    hmap_init(&cells);
    struct kpi_cell *cellv = NULL;
    size_t ncell = 0, capcell = 0;

    for (size_t i = 0; i < r->natt; i++) {
        struct kpi_attempt *t = &r->att[i];
        const struct call_causes *cc = &t->cc;
        r->reason_values += cc->nreasons;
        r->reason_anom_values += cc->reason_anom_values;
        for (size_t k = 0; k < cc->nreasons; k++)
            for (unsigned a = 0; a < REASON_ANOM__COUNT; a++)
                if (cc->reasons[k].anoms & (1u << a))
                    r->reason_anoms[a]++;
        if (cc->multi_final[0])
            r->multi_finals++;
        if (!t->counted)
            continue;
        r->attempts++;
        acc_add(&overall, t, r->opts.short_call_ns);
        acc_add(gset_get(&peers, t->peer, 0), t, r->opts.short_call_ns);
        acc_add(gset_get(&dirs, t->direction, 0), t, r->opts.short_call_ns);
        acc_add(gset_get(&fdom, t->from_domain, 0), t, r->opts.short_call_ns);
        acc_add(gset_get(&tdom, t->to_domain, 0), t, r->opts.short_call_ns);
        int64_t q = t->start / iv; /* buckets aligned on multiples of the interval since the epoch */
        if (t->start % iv < 0)
            q--;
        int64_t bk = q * iv;
        acc_add(gset_get(&buckets, NULL, bk), t, r->opts.short_call_ns);
        if (cc->disposition == DISP_INCOMPLETE)
            continue;
        if (cc->conflict)
            r->conflicts++;
        unsigned st = cc->final_status < 1000 ? cc->final_status : 0;
        st_counts[st]++;
        unsigned cause = cc->cause <= Q850_MAX ? cc->cause : 0;
        cz[cause].cause = (uint16_t)cause;
        cz[cause].n++;
        if (cc->cause_src == CAUSE_REASON)
            cz[cause].from_reason++;
        else if (cc->cause_src == CAUSE_MAPPED)
            cz[cause].mapped++;
        else if (cc->cause_src == CAUSE_IMPLIED)
            cz[cause].implied++;
        uint16_t key[2] = {(uint16_t)st, (uint16_t)cause};
        uint32_t ci;
        if (!hmap_get(&cells, key, sizeof key, &ci)) {
            cellv = xgrow(cellv, &capcell, ncell + 1, sizeof(*cellv));
            ci = (uint32_t)ncell++;
            cellv[ci] = (struct kpi_cell){(uint16_t)st, (uint16_t)cause, 0};
            hmap_put(&cells, key, sizeof key, ci);
        }
        cellv[ci].n++;
    }
    hmap_fini(&cells);
    overall.g.key = xstrdup("");
    acc_finish(&overall, &r->overall);
    r->peers = gset_finish(&peers, &r->npeers, 0);
    r->directions = gset_finish(&dirs, &r->ndirections, 0);
    r->from_domains = gset_finish(&fdom, &r->nfrom_domains, 0);
    r->to_domains = gset_finish(&tdom, &r->nto_domains, 0);
    r->buckets = gset_finish(&buckets, &r->nbuckets, 1);

    size_t cap_st = 0, cap_cz = 0;
    for (unsigned st = 0; st < 1000; st++)
        if (st_counts[st]) {
            r->statuses = xgrow(r->statuses, &cap_st, r->nstatuses + 1, sizeof(*r->statuses));
            r->statuses[r->nstatuses++] = (struct kpi_status_count){(uint16_t)st, st_counts[st]};
        }
    for (unsigned c = 0; c <= Q850_MAX; c++)
        if (cz[c].n) {
            r->causes = xgrow(r->causes, &cap_cz, r->ncauses + 1, sizeof(*r->causes));
            r->causes[r->ncauses++] = cz[c];
        }
    if (ncell)
        qsort(cellv, ncell, sizeof(*cellv), cmp_cell);
    r->matrix = cellv;
    r->nmatrix = ncell;
}

static void group_free(struct kpi_group *g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(g[i].key);
    free(g);
}

void kpi_free(struct kpi_report *r)
{
    for (size_t i = 0; i < r->natt; i++) {
        struct kpi_attempt *t = &r->att[i];
        call_causes_free(&t->cc);
        free(t->from);
        free(t->to);
        free(t->from_domain);
        free(t->to_domain);
        free(t->from_tag);
        free(t->caller_lane);
        free(t->callee_lane);
        free(t->peer);
        free(t->direction);
    }
    free(r->att);
    free(r->overall.key);
    group_free(r->peers, r->npeers);
    group_free(r->directions, r->ndirections);
    group_free(r->from_domains, r->nfrom_domains);
    group_free(r->to_domains, r->nto_domains);
    group_free(r->buckets, r->nbuckets);
    free(r->statuses);
    free(r->causes);
    free(r->matrix);
    memset(r, 0, sizeof(*r));
}
