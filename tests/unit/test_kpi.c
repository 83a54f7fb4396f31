/*
 * test_kpi.c - KPIs and breakdowns (src/kpi.c): ASR and NER (ITU-T E.411,
 * E.425), ACD, short-call ratio, PDD/setup percentiles (nearest rank),
 * retries in a new Call-ID (3xx, 422) merged into one attempt, the
 * breakdowns by peer, direction, domain and time bucket, and the
 * duration / interval helpers.  Calls are byte fixtures fed through
 * store_add_sip() as the pipeline does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/kpi.h"
#include "src/select.h"
#include "src/store.h"
#include "tests/unit/tap.h"

static struct frame fr;
static const struct endpoint A = {4, {10, 0, 0, 1}, 5060};
static const struct endpoint B = {4, {10, 0, 0, 2}, 5060};
static const struct endpoint C = {4, {10, 0, 0, 3}, 5060};
static struct limits lim = LIMITS_DEFAULT_INIT;
static struct diag dg;

static void feed(struct store *s, const struct endpoint *src, const struct endpoint *dst, int64_t ms,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void feed(struct store *s, const struct endpoint *src, const struct endpoint *dst, int64_t ms,
                 const char *fmt, ...)
{
    char buf[4096], msg[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t o = 0;
    for (const char *p = buf; *p && o < sizeof msg - 2; p++) {
        if (*p == '\n')
            msg[o++] = '\r';
        msg[o++] = *p;
    }
    fr.no++;
    fr.ts = 1700000000LL * 1000000000LL + ms * 1000000LL;
    struct pkt k = {0};
    k.frame = &fr;
    k.src = *src;
    k.dst = *dst;
    k.transport = TP_UDP;
    k.payload = (const uint8_t *)msg;
    k.len = (uint32_t)o;
    store_add_sip(s, &k, (const uint8_t *)msg, o);
}

/* One INVITE transaction from src to dst with Call-ID cid and From tag
 * ftag: optional 180 after ring_ms, final `st` after fin_ms (0 = none),
 * then for a 2xx: ACK, and a BYE after bye_ms (0 = no BYE). */
static void call(struct store *s, const struct endpoint *src, const struct endpoint *dst, const char *cid,
                 const char *ftag, const char *from, const char *to, int64_t t0, int ring_ms, int st, int fin_ms,
                 int bye_ms)
{
    char h[512];
    snprintf(h, sizeof h, "Via: SIP/2.0/UDP x;branch=z9hG4bK-%s\nFrom: <%s>;tag=%s\nTo: <%s>%%s\nCall-ID: %s\n",
             cid, from, ftag, to, cid);
    char hdr0[600], hdr1[600];
    snprintf(hdr0, sizeof hdr0, h, "");
    snprintf(hdr1, sizeof hdr1, h, ";tag=tt");
    feed(s, src, dst, t0, "INVITE sip:x SIP/2.0\n%sCSeq: 1 INVITE\nContent-Length: 0\n\n", hdr0);
    if (ring_ms)
        feed(s, dst, src, t0 + ring_ms, "SIP/2.0 180 Ringing\n%sCSeq: 1 INVITE\nContent-Length: 0\n\n", hdr1);
    if (!st)
        return;
    feed(s, dst, src, t0 + fin_ms, "SIP/2.0 %d X\n%sCSeq: 1 INVITE\nContent-Length: 0\n\n", st, hdr1);
    if (st < 300) {
        feed(s, src, dst, t0 + fin_ms + 5,
             "ACK sip:x SIP/2.0\nVia: SIP/2.0/UDP x;branch=z9hG4bK-%s-ack\nFrom: <%s>;tag=%s\nTo: <%s>;tag=tt\n"
             "Call-ID: %s\nCSeq: 1 ACK\nContent-Length: 0\n\n",
             cid, from, ftag, to, cid);
        if (bye_ms)
            feed(s, src, dst, t0 + fin_ms + bye_ms,
                 "BYE sip:x SIP/2.0\nVia: SIP/2.0/UDP x;branch=z9hG4bK-%s-bye\nFrom: <%s>;tag=%s\nTo: <%s>;tag=tt\n"
                 "Call-ID: %s\nCSeq: 2 BYE\nContent-Length: 0\n\n",
                 cid, from, ftag, to, cid);
    } else {
        feed(s, src, dst, t0 + fin_ms + 5, "ACK sip:x SIP/2.0\n%sCSeq: 1 ACK\nContent-Length: 0\n\n", hdr1);
    }
}

static void build(struct store *s, struct selection *sel, struct kpi_report *k, const struct kpi_opts *o)
{
    store_finish(s);
    struct filter f;
    memset(&f, 0, sizeof f);
    select_calls(s, &f, sel);
    kpi_build(k, s, sel, o);
}

static const struct kpi_group *group(const struct kpi_group *g, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(g[i].key, key) == 0)
            return &g[i];
    return NULL;
}

static const char *lane_alias(void *ctx, const struct endpoint *e)
{
    (void)ctx;
    return e->addr[3] == 1 ? "GW" : NULL;
}

#define ALICE "sip:alice@a.example"
#define BOB "sip:bob@b.example"
#define CAROL "sip:carol@c.example"

static void mix(void)
{
    struct store s;
    memset(&fr, 0, sizeof fr);
    diag_init(&dg, 0);
    store_init(&s, &lim, &dg);
    /* A -> B: 4 answered (2 ended: 5 s and 20 s), 2 busy, 1 cancel-less 487, 1 603, 1 404, 1 503, 1 ringing */
    call(&s, &A, &B, "a1", "f1", ALICE, BOB, 0, 100, 200, 1000, 5000);
    call(&s, &A, &B, "a2", "f2", ALICE, BOB, 100, 300, 200, 2000, 20000);
    call(&s, &A, &B, "a3", "f3", ALICE, BOB, 200, 200, 200, 3000, 0);
    call(&s, &A, &B, "a4", "f4", ALICE, BOB, 300, 0, 200, 400, 0);
    call(&s, &A, &B, "b1", "f5", ALICE, BOB, 400, 0, 486, 100, 0);
    call(&s, &A, &B, "b2", "f6", ALICE, BOB, 500, 0, 600, 100, 0);
    call(&s, &A, &B, "n1", "f7", ALICE, BOB, 600, 500, 487, 900, 0);
    call(&s, &A, &B, "r1", "f8", ALICE, BOB, 700, 0, 603, 100, 0);
    /* A -> C */
    call(&s, &A, &C, "x1", "f9", ALICE, CAROL, 800, 0, 404, 100, 0);
    call(&s, &A, &C, "x2", "f10", ALICE, CAROL, 70000, 0, 503, 100, 0);
    call(&s, &A, &C, "x3", "f11", ALICE, CAROL, 70100, 150, 0, 0, 0); /* ringing at the end */
    struct kpi_opts o = KPI_OPTS_DEFAULT_INIT;
    o.interval_ns = 60 * KPI_NS_PER_S;
    struct selection sel;
    struct kpi_report k;
    build(&s, &sel, &k, &o);

    const struct kpi_group *g = &k.overall;
    is_int(k.attempts, 11, "11 attempts");
    is_int(g->c.completed, 10, "10 completed (one ringing at the end)");
    is_int(g->c.disp[DISP_ANSWERED], 4, "4 answered");
    is_int(g->c.disp[DISP_BUSY], 2, "2 busy (486, 600)");
    is_int(g->c.disp[DISP_NO_ANSWER], 1, "1 no answer (487)");
    is_int(g->c.disp[DISP_REJECTED], 1, "1 rejected (603)");
    is_int(g->c.disp[DISP_FAILED], 2, "2 failed (404, 503)");
    is_int(g->c.disp[DISP_INCOMPLETE], 1, "1 incomplete");
    ok(g->asr > 0.3999 && g->asr < 0.4001, "ASR = 4/10");
    ok(g->ner > 0.7999 && g->ner < 0.8001, "NER = (4 + 2 + 1 + 1)/10");
    is_int(g->c.ended, 2, "2 calls ended by a BYE");
    is_int(g->duration.mean / 1000000, 12500, "ACD = (5 + 20)/2 s");
    is_int(g->c.short_calls, 1, "1 short call (< 10 s)");
    ok(g->short_ratio > 0.4999 && g->short_ratio < 0.5001, "short-call ratio 1/2");
    /* PDD: 100, 300, 200 (180s), 400 (a4: 200 first), 500 (n1), 150 (x3) -> sorted 100 150 200 300 400 500 */
    is_int(g->pdd.n, 6, "6 attempts with an 18x/2xx");
    is_int(g->pdd.p50 / 1000000, 200, "PDD p50 (nearest rank 3 of 6) = 200 ms");
    is_int(g->pdd.p95 / 1000000, 500, "PDD p95 = 500 ms");
    is_int(g->pdd.p99 / 1000000, 500, "PDD p99 = 500 ms");
    is_int(g->pdd.mean / 1000000, 275, "PDD mean = 1650/6 ms");
    is_int(g->pdd.min / 1000000, 100, "PDD min");
    is_int(g->setup.n, 4, "setup time over 4 answered");
    is_int(g->setup.max / 1000000, 3000, "setup max 3 s");

    is_int(k.nstatuses, 7, "7 distinct final codes");
    is_int(k.statuses[0].status, 200, "codes sorted: 200 first");
    is_int(k.statuses[0].n, 4, "4 x 200");
    int c17 = 0, c16 = 0;
    for (size_t i = 0; i < k.ncauses; i++) {
        if (k.causes[i].cause == 17)
            c17 = (int)k.causes[i].n;
        if (k.causes[i].cause == 16)
            c16 = (int)k.causes[i].implied;
    }
    is_int(c17, 2, "cause 17 twice (486, 600 mapped)");
    is_int(c16, 2, "cause 16 implied by the 2 BYEs");
    is_int(k.ncauses, 7, "causes: 16, 17, 1, 21, 31, 41 and none (2 answered calls still up)");

    const struct kpi_group *pc = group(k.peers, k.npeers, "10.0.0.1:5060 <-> 10.0.0.3:5060");
    ok(pc && pc->c.attempts == 3 && pc->c.completed == 2, "peer A<->C: 3 attempts, 2 completed");
    ok(pc && pc->ner == 0, "peer A<->C: NER 0");
    const struct kpi_group *dir = group(k.directions, k.ndirections, "10.0.0.1:5060 -> 10.0.0.2:5060");
    ok(dir && dir->c.attempts == 8, "direction A->B: 8 attempts");
    ok(group(k.to_domains, k.nto_domains, "c.example") != NULL, "To domain c.example");
    ok(group(k.from_domains, k.nfrom_domains, "a.example") && k.nfrom_domains == 1, "one From domain");
    is_int(k.nbuckets, 2, "two 1-minute buckets");
    is_int(k.buckets[0].c.attempts, 9, "first bucket: 9 attempts");
    is_int(k.buckets[1].c.attempts, 2, "second bucket: 2");
    is_int(k.buckets[1].bucket % (60 * KPI_NS_PER_S), 0, "buckets start on whole minutes");
    kpi_free(&k);

    /* aliases name the lanes */
    o.lane_name = lane_alias;
    kpi_build(&k, &s, &sel, &o);
    ok(group(k.directions, k.ndirections, "GW -> 10.0.0.2:5060") != NULL, "alias names the caller lane");
    ok(group(k.peers, k.npeers, "10.0.0.2:5060 <-> GW") != NULL, "peer key sorted by name");
    kpi_free(&k);
    selection_free(&sel);
    store_fini(&s);
}

static void retries(void)
{
    struct store s;
    memset(&fr, 0, sizeof fr);
    diag_init(&dg, 0);
    store_init(&s, &lim, &dg);
    /* 302 then a new Call-ID with the same From tag 50 ms later: one attempt, answered */
    call(&s, &A, &B, "m1", "tagA", ALICE, BOB, 0, 0, 302, 10, 0);
    call(&s, &A, &C, "m2", "tagA", ALICE, BOB, 60, 40, 200, 200, 3000);
    /* 422 then a new Call-ID, same From URI and To URI, new tag, 1 s later: merged, busy */
    call(&s, &A, &B, "s1", "tagS1", ALICE, CAROL, 10000, 0, 422, 10, 0);
    call(&s, &A, &B, "s2", "tagS2", ALICE, CAROL, 11010, 0, 486, 100, 0);
    /* 302, but the next INVITE comes 20 s later: two attempts */
    call(&s, &A, &B, "l1", "tagL", ALICE, BOB, 30000, 0, 302, 10, 0);
    call(&s, &A, &B, "l2", "tagL", ALICE, BOB, 50020, 0, 486, 10, 0);
    /* 486 then the same tag again: a new attempt (busy is not retried) */
    call(&s, &A, &B, "u1", "tagU", ALICE, BOB, 60000, 0, 486, 10, 0);
    call(&s, &A, &B, "u2", "tagU", ALICE, BOB, 60100, 0, 486, 10, 0);
    struct selection sel;
    struct kpi_report k;
    build(&s, &sel, &k, NULL);
    is_int(k.natt, 8, "8 INVITE calls");
    is_int(k.retries_merged, 2, "2 retries merged (302 and 422 follow-ups)");
    is_int(k.attempts, 6, "6 attempts");
    const struct kpi_attempt *m2 = NULL, *m1 = NULL;
    for (size_t i = 0; i < k.natt; i++) {
        const struct call *c = &s.calls[k.att[i].cc.call];
        if (c->call_id_len == 2 && memcmp(c->call_id, "m2", 2) == 0)
            m2 = &k.att[i];
        if (c->call_id_len == 2 && memcmp(c->call_id, "m1", 2) == 0)
            m1 = &k.att[i];
    }
    ok(m1 && !m1->counted && m1->merged_into != NONE, "m1 merged into a later call");
    ok(m2 && m2->counted && m2->retries == 1, "m2 counted, one retry before it");
    ok(m2 && m2->pdd / 1000000 == 100, "PDD measured from the first INVITE of the chain (0 -> 180 at 100 ms)");
    ok(m2 && m2->setup / 1000000 == 260, "setup from the chain's first INVITE");
    is_int(k.overall.c.disp[DISP_ANSWERED], 1, "one answered");
    is_int(k.overall.c.disp[DISP_BUSY], 4, "four busy (s2, l2, u1, u2)");
    is_int(k.overall.c.disp[DISP_REDIRECTED], 1, "one redirected (l1, not followed up in time)");
    kpi_free(&k);

    struct kpi_opts o = KPI_OPTS_DEFAULT_INIT;
    o.retry_window_ns = 30 * KPI_NS_PER_S;
    kpi_build(&k, &s, &sel, &o);
    is_int(k.retries_merged, 3, "--retry-window 30s: the late follow-up is merged too");
    kpi_free(&k);
    selection_free(&sel);
    store_fini(&s);
}

static void helpers(void)
{
    int64_t v[100];
    for (int i = 0; i < 100; i++)
        v[i] = i + 1;
    is_int(kpi_percentile(v, 100, 50), 50, "p50 of 1..100");
    is_int(kpi_percentile(v, 100, 95), 95, "p95 of 1..100");
    is_int(kpi_percentile(v, 100, 99), 99, "p99 of 1..100");
    is_int(kpi_percentile(v, 1, 99), 1, "p99 of one value");
    int64_t w[3] = {10, 20, 30};
    is_int(kpi_percentile(w, 3, 50), 20, "p50 of 3 values: rank 2");
    is_int(kpi_percentile(w, 3, 95), 30, "p95 of 3 values: rank 3");
    is_int(kpi_percentile(w, 0, 50), 0, "no values: 0");
    int64_t ns = 0;
    ok(kpi_parse_duration("10s", &ns) == 0 && ns == 10 * KPI_NS_PER_S, "10s");
    ok(kpi_parse_duration("500ms", &ns) == 0 && ns == 500000000, "500ms");
    ok(kpi_parse_duration("1m", &ns) == 0 && ns == 60 * KPI_NS_PER_S, "1m");
    ok(kpi_parse_duration("1.5", &ns) == 0 && ns == 1500000000, "1.5 (seconds)");
    ok(kpi_parse_duration("2h", &ns) == 0 && ns == 7200 * KPI_NS_PER_S, "2h");
    ok(kpi_parse_duration("1d", &ns) == 0 && ns == 86400 * KPI_NS_PER_S, "1d");
    ok(kpi_parse_duration("", &ns) != 0 && kpi_parse_duration("0", &ns) != 0 && kpi_parse_duration("-1s", &ns) != 0 &&
           kpi_parse_duration("10x", &ns) != 0 && kpi_parse_duration("abc", &ns) != 0 &&
           kpi_parse_duration("nan", &ns) != 0 && kpi_parse_duration("1e30", &ns) != 0,
       "bad durations refused");
    is_int(kpi_auto_interval(0), 60 * KPI_NS_PER_S, "auto interval: 1 min for a short capture");
    is_int(kpi_auto_interval(59 * 60 * KPI_NS_PER_S), 60 * KPI_NS_PER_S, "59 min: 1 min (60 buckets)");
    is_int(kpi_auto_interval(60 * 60 * KPI_NS_PER_S), 300 * KPI_NS_PER_S, "60 min: 5 min");
    is_int(kpi_auto_interval(30LL * 86400 * KPI_NS_PER_S), 86400 * KPI_NS_PER_S, "30 days: 1 day");

    /* an empty store */
    struct store s;
    diag_init(&dg, 0);
    store_init(&s, &lim, &dg);
    struct selection sel;
    struct kpi_report k;
    build(&s, &sel, &k, NULL);
    ok(k.attempts == 0 && k.overall.asr < 0 && k.overall.ner < 0 && k.nbuckets == 0, "empty: no attempts, ASR/NER undefined");
    kpi_free(&k);
    selection_free(&sel);
    store_fini(&s);
}

int main(void)
{
    mix();
    retries();
    helpers();
    return tap_done();
}
