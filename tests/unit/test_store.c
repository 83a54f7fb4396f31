/*
 * test_store.c - correlation: transactions, retransmissions, dialogs
 * (forking), calls, states, timings, release side.  Messages are byte
 * fixtures fed through store_add_sip() exactly as the pipeline does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/store.h"
#include "tests/unit/tap.h"

static struct frame fr;

static const struct endpoint A = {4, {10, 0, 0, 1}, 5060};
static const struct endpoint B = {4, {10, 0, 0, 2}, 5060};
static const struct endpoint P = {4, {10, 0, 0, 3}, 5060};

static uint32_t feed(struct store *s, const struct endpoint *src, const struct endpoint *dst, int64_t ms,
                     const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* turn \n into \r\n */
    char msg[8192];
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
    return store_add_sip(s, &k, (const uint8_t *)msg, o);
}

#define HDRS(callid, ftag, ttag, cseq, branch)                                                             \
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=" branch "\n"                                               \
    "From: \"Alice\" <sip:alice@a.example>;tag=" ftag "\n"                                             \
    "To: <sip:bob@b.example>" ttag "\n"                                                                \
    "Call-ID: " callid "\n"                                                                            \
    "CSeq: " cseq "\n"                                                                                 \
    "Content-Length: 0\n\n"

static void basic_call(void)
{
    struct limits lim = LIMITS_DEFAULT_INIT;
    struct diag d;
    diag_init(&d, 0);
    struct store s;
    store_init(&s, &lim, &d);
    feed(&s, &A, &B, 0, "INVITE sip:bob@b.example SIP/2.0\n" HDRS("c1", "fa", "", "1 INVITE", "z9hG4bK1"));
    feed(&s, &B, &A, 10, "SIP/2.0 100 Trying\n" HDRS("c1", "fa", "", "1 INVITE", "z9hG4bK1"));
    feed(&s, &B, &A, 100, "SIP/2.0 180 Ringing\n" HDRS("c1", "fa", ";tag=tb", "1 INVITE", "z9hG4bK1"));
    feed(&s, &B, &A, 1100, "SIP/2.0 200 OK\n" HDRS("c1", "fa", ";tag=tb", "1 INVITE", "z9hG4bK1"));
    uint32_t r200 = feed(&s, &B, &A, 1600, "SIP/2.0 200 OK\n" HDRS("c1", "fa", ";tag=tb", "1 INVITE", "z9hG4bK1"));
    feed(&s, &A, &B, 1150, "ACK sip:bob@b.example SIP/2.0\n" HDRS("c1", "fa", ";tag=tb", "1 ACK", "z9hG4bK2"));
    /* BYE from the callee: tags swap sides */
    uint32_t bye = feed(&s, &B, &A, 11150,
                        "BYE sip:alice@a.example SIP/2.0\n"
                        "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK3\n"
                        "From: <sip:bob@b.example>;tag=tb\nTo: \"Alice\" <sip:alice@a.example>;tag=fa\n"
                        "Call-ID: c1\nCSeq: 1 BYE\nContent-Length: 0\n\n");
    feed(&s, &A, &B, 11160,
         "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK3\n"
         "From: <sip:bob@b.example>;tag=tb\nTo: \"Alice\" <sip:alice@a.example>;tag=fa\n"
         "Call-ID: c1\nCSeq: 1 BYE\nContent-Length: 0\n\n");
    store_finish(&s);
    is_int(s.nmsgs, 8, "basic: 8 messages stored");
    is_int(s.ncalls, 1, "basic: one call");
    const struct call *c = &s.calls[0];
    is_int(c->state, CALL_COMPLETED, "basic: state completed");
    is_int(c->released_by, REL_CALLEE, "basic: released by callee (BYE from the To side)");
    is_int(c->ndialogs, 1, "basic: one dialog");
    for (size_t i = 0; i < s.nmsgs; i++)
        if (s.msgs[i].dialog != 0)
            ok(0, "basic: message %zu in dialog %u", i, s.msgs[i].dialog);
    ok(s.msgs[r200].retrans, "basic: repeated 200 OK flagged as retransmission");
    is_int(s.retransmissions, 1, "basic: one retransmission");
    is_int(s.msgs[0].txn, s.msgs[1].txn, "basic: 100 in the INVITE transaction");
    ok(s.msgs[5].txn != s.msgs[0].txn, "basic: ACK for 2xx is its own transaction");
    is_int(c->final_status, 200, "basic: final 200");
    is_int(s.msgs[c->ring_msg].status, 180, "basic: ring message is the 180");
    is_int(c->bye_msg, bye, "basic: BYE recorded");
    is_int((s.msgs[c->ring_msg].ts - s.msgs[c->invite_msg].ts) / 1000000, 100, "basic: PDD 100 ms");
    is_int((s.msgs[c->answer_msg].ts - s.msgs[c->invite_msg].ts) / 1000000, 1100, "basic: setup 1100 ms");
    is_int(s.dialogs[c->dialogs[0]].state, DLG_TERMINATED, "basic: dialog terminated by BYE");
    store_fini(&s);
}

static void forked(void)
{
    struct limits lim = LIMITS_DEFAULT_INIT;
    struct diag d;
    diag_init(&d, 0);
    struct store s;
    store_init(&s, &lim, &d);
    feed(&s, &A, &P, 0, "INVITE sip:bob@b.example SIP/2.0\n" HDRS("fork", "fa", "", "1 INVITE", "z9hG4bKf"));
    uint32_t a = feed(&s, &P, &A, 50, "SIP/2.0 180 Ringing\n" HDRS("fork", "fa", ";tag=x1", "1 INVITE", "z9hG4bKf"));
    uint32_t b = feed(&s, &P, &A, 60, "SIP/2.0 180 Ringing\n" HDRS("fork", "fa", ";tag=x2", "1 INVITE", "z9hG4bKf"));
    uint32_t ok200 = feed(&s, &P, &A, 900, "SIP/2.0 200 OK\n" HDRS("fork", "fa", ";tag=x2", "1 INVITE", "z9hG4bKf"));
    store_finish(&s);
    const struct call *c = &s.calls[0];
    is_int(c->ndialogs, 2, "fork: two early dialogs");
    ok(s.msgs[a].dialog != s.msgs[b].dialog, "fork: 180s with different To tags in different dialogs");
    ok(!s.msgs[b].retrans, "fork: second 180 (other tag) is not a retransmission");
    is_int(s.msgs[ok200].dialog, s.msgs[b].dialog, "fork: 200 joins the answering fork's dialog");
    is_int(s.msgs[0].dialog, s.msgs[a].dialog, "fork: INVITE belongs to the first dialog");
    is_int(c->state, CALL_NOT_FINISHED, "fork: no BYE -> not finished at capture end");
    is_int(c->progress, CALL_IN_CALL, "fork: progress in call");
    is_int(s.dialogs[c->dialogs[s.msgs[b].dialog]].state, DLG_CONFIRMED, "fork: answered dialog confirmed");
    is_int(s.dialogs[c->dialogs[s.msgs[a].dialog]].state, DLG_EARLY, "fork: other dialog stays early");
    store_fini(&s);
}

static void cancel_busy_register(void)
{
    struct limits lim = LIMITS_DEFAULT_INIT;
    struct diag d;
    diag_init(&d, 0);
    struct store s;
    store_init(&s, &lim, &d);
    /* CANCEL flow */
    feed(&s, &A, &B, 0, "INVITE sip:bob@b.example SIP/2.0\n" HDRS("cx", "fa", "", "1 INVITE", "z9hG4bKc"));
    feed(&s, &B, &A, 10, "SIP/2.0 180 Ringing\n" HDRS("cx", "fa", ";tag=tb", "1 INVITE", "z9hG4bKc"));
    uint32_t can = feed(&s, &A, &B, 3000, "CANCEL sip:bob@b.example SIP/2.0\n" HDRS("cx", "fa", "", "1 CANCEL", "z9hG4bKc"));
    feed(&s, &B, &A, 3010, "SIP/2.0 200 OK\n" HDRS("cx", "fa", ";tag=tb", "1 CANCEL", "z9hG4bKc"));
    feed(&s, &B, &A, 3020, "SIP/2.0 487 Request Terminated\n" HDRS("cx", "fa", ";tag=tb", "1 INVITE", "z9hG4bKc"));
    uint32_t ack = feed(&s, &A, &B, 3030, "ACK sip:bob@b.example SIP/2.0\n" HDRS("cx", "fa", ";tag=tb", "1 ACK", "z9hG4bKc"));
    /* busy */
    feed(&s, &A, &B, 5000, "INVITE sip:bob@b.example SIP/2.0\n" HDRS("busy", "fa", "", "7 INVITE", "z9hG4bKb"));
    feed(&s, &B, &A, 5010, "SIP/2.0 486 Busy Here\n" HDRS("busy", "fa", ";tag=q", "7 INVITE", "z9hG4bKb"));
    /* REGISTER with a digest retry */
    feed(&s, &A, &B, 6000, "REGISTER sip:b.example SIP/2.0\n" HDRS("reg", "r1", "", "1 REGISTER", "z9hG4bKr1"));
    feed(&s, &B, &A, 6010, "SIP/2.0 401 Unauthorized\n" HDRS("reg", "r1", ";tag=s1", "1 REGISTER", "z9hG4bKr1"));
    feed(&s, &A, &B, 6020, "REGISTER sip:b.example SIP/2.0\n" HDRS("reg", "r1", "", "2 REGISTER", "z9hG4bKr2"));
    feed(&s, &B, &A, 6030, "SIP/2.0 200 OK\n" HDRS("reg", "r1", ";tag=s2", "2 REGISTER", "z9hG4bKr2"));
    /* auth retry on INVITE: 407, ACK, INVITE again, 200 */
    feed(&s, &A, &B, 7000, "INVITE sip:bob@b.example SIP/2.0\n" HDRS("auth", "fa", "", "1 INVITE", "z9hG4bKa1"));
    feed(&s, &B, &A, 7010, "SIP/2.0 407 Proxy Authentication Required\n" HDRS("auth", "fa", ";tag=p", "1 INVITE", "z9hG4bKa1"));
    feed(&s, &A, &B, 7020, "ACK sip:bob@b.example SIP/2.0\n" HDRS("auth", "fa", ";tag=p", "1 ACK", "z9hG4bKa1"));
    feed(&s, &A, &B, 7030, "INVITE sip:bob@b.example SIP/2.0\n" HDRS("auth", "fa", "", "2 INVITE", "z9hG4bKa2"));
    feed(&s, &B, &A, 7040, "SIP/2.0 200 OK\n" HDRS("auth", "fa", ";tag=t", "2 INVITE", "z9hG4bKa2"));
    store_finish(&s);
    is_int(s.ncalls, 4, "four calls");
    is_int(s.calls[0].state, CALL_CANCELLED, "cancel: state cancelled");
    is_int(s.calls[0].released_by, REL_CALLER, "cancel: released by caller");
    is_int(s.calls[0].final_status, 487, "cancel: final 487");
    is_int(s.msgs[ack].txn, s.msgs[0].txn, "cancel: ACK for 487 matched to the INVITE transaction");
    is_int(s.txns[s.msgs[can].txn].invite_txn, s.msgs[0].txn, "cancel: CANCEL linked to its INVITE");
    ok(s.msgs[can].txn != s.msgs[0].txn, "cancel: CANCEL is its own transaction");
    is_int(s.calls[1].state, CALL_BUSY, "busy: state busy");
    is_int(s.calls[1].released_by, REL_CALLEE, "busy: released by callee");
    is_int(s.calls[2].state, CALL_COMPLETED, "register: 401 then 200 -> completed");
    is_int(s.calls[2].is_invite, 0, "register: non-INVITE call");
    is_int(s.calls[2].final_status, 200, "register: final 200");
    is_int(s.calls[3].state, CALL_NOT_FINISHED, "auth retry: answered, no BYE -> not finished");
    is_int(s.calls[3].progress, CALL_IN_CALL, "auth retry: reached in_call despite the 407");
    is_int(s.calls[3].final_status, 200, "auth retry: final 200 (not the 407)");
    store_fini(&s);
}

static void odd_messages(void)
{
    struct limits lim = LIMITS_DEFAULT_INIT;
    struct diag d;
    diag_init(&d, 0);
    struct store s;
    store_init(&s, &lim, &d);
    uint32_t nocid = feed(&s, &A, &B, 0,
                          "OPTIONS sip:b.example SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKo\n"
                          "From: <sip:a@a>;tag=1\nTo: <sip:b@b>\nCSeq: 1 OPTIONS\n\n");
    ok(nocid != NONE, "no Call-ID: message kept");
    is_int(s.msgs[nocid].call, NONE, "no Call-ID: not correlated");
    is_int(s.sip_uncorrelated, 1, "no Call-ID: counted");
    /* RFC 2543 peer: branch without the magic cookie -> fallback key */
    feed(&s, &A, &B, 10, "INVITE sip:b@b SIP/2.0\n" HDRS("old", "o1", "", "5 INVITE", "1234"));
    uint32_t r = feed(&s, &B, &A, 20, "SIP/2.0 180 Ringing\n" HDRS("old", "o1", ";tag=z", "5 INVITE", "1234"));
    is_int(s.msgs[r].txn, s.msgs[1].txn, "RFC 2543: response matched by Call-ID/From tag/CSeq");
    uint32_t bad = feed(&s, &A, &B, 30, "HELLO\n\n");
    (void)bad;
    /* a message seen on two hops (proxy) is two transactions, no retransmission */
    feed(&s, &A, &P, 40, "INVITE sip:b@b SIP/2.0\n" HDRS("hop", "h", "", "1 INVITE", "z9hG4bKh1"));
    uint32_t h2 = feed(&s, &P, &B, 45,
                       "INVITE sip:b@b SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bKh2\n"
                       "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKh1\n"
                       "From: \"Alice\" <sip:alice@a.example>;tag=h\nTo: <sip:bob@b.example>\n"
                       "Call-ID: hop\nCSeq: 1 INVITE\nContent-Length: 0\n\n");
    ok(!s.msgs[h2].retrans, "proxy hop: forwarded INVITE is not a retransmission");
    is_int(s.msgs[h2].call, s.msgs[h2 - 1].call, "proxy hop: same call");
    store_finish(&s);
    store_fini(&s);
}

static void limits_hit(void)
{
    struct limits lim = LIMITS_DEFAULT_INIT;
    lim.max_calls = 2;
    lim.max_msgs = 3;
    struct diag d;
    diag_init(&d, 0);
    struct store s;
    store_init(&s, &lim, &d);
    feed(&s, &A, &B, 0, "OPTIONS sip:b SIP/2.0\n" HDRS("l1", "a", "", "1 OPTIONS", "z9hG4bKl1"));
    feed(&s, &A, &B, 1, "OPTIONS sip:b SIP/2.0\n" HDRS("l2", "a", "", "1 OPTIONS", "z9hG4bKl2"));
    uint32_t third = feed(&s, &A, &B, 2, "OPTIONS sip:b SIP/2.0\n" HDRS("l3", "a", "", "1 OPTIONS", "z9hG4bKl3"));
    uint32_t fourth = feed(&s, &A, &B, 3, "OPTIONS sip:b SIP/2.0\n" HDRS("l4", "a", "", "1 OPTIONS", "z9hG4bKl4"));
    is_int(s.ncalls, 2, "limit calls=2 respected");
    is_int(s.msgs[third].call, NONE, "third Call-ID not correlated");
    is_int(fourth, NONE, "limit messages=3: fourth not stored");
    is_int(s.dropped_msgs, 1, "dropped message counted");
    is_int(d.count[DIAG_LIMIT], 2, "both limit hits reported");
    store_fini(&s);
}

/* Regressions found on sipnab__sipp-branch-scenario and the seed flows */
static void regressions(void)
{
    struct limits lim = LIMITS_DEFAULT_INIT;
    struct diag d;
    diag_init(&d, 0);
    struct store s;
    store_init(&s, &lim, &d);
    /* REGISTER (200) then INVITE (403) then a stray BYE, one Call-ID */
    feed(&s, &A, &B, 0, "REGISTER sip:b SIP/2.0\n" HDRS("mix", "r", "", "1 REGISTER", "z9hG4bKm1"));
    feed(&s, &B, &A, 1, "SIP/2.0 200 OK\n" HDRS("mix", "r", ";tag=x", "1 REGISTER", "z9hG4bKm1"));
    feed(&s, &A, &B, 2, "INVITE sip:b SIP/2.0\n" HDRS("mix", "i", "", "1 INVITE", "z9hG4bKm2"));
    feed(&s, &B, &A, 3, "SIP/2.0 403 Forbidden\n" HDRS("mix", "i", ";tag=y", "1 INVITE", "z9hG4bKm2"));
    feed(&s, &A, &B, 4, "BYE sip:b SIP/2.0\n" HDRS("mix", "i", ";tag=y", "2 BYE", "z9hG4bKm3"));
    /* 401 then a retried INVITE: the retry joins the dialog its own 180 makes */
    feed(&s, &A, &B, 10, "INVITE sip:b SIP/2.0\n" HDRS("retry", "f", "", "1 INVITE", "z9hG4bKr1"));
    uint32_t r401 = feed(&s, &B, &A, 11, "SIP/2.0 401 Unauthorized\n" HDRS("retry", "f", ";tag=u", "1 INVITE", "z9hG4bKr1"));
    uint32_t inv2 = feed(&s, &A, &B, 12, "INVITE sip:b SIP/2.0\n" HDRS("retry", "f", "", "2 INVITE", "z9hG4bKr2"));
    uint32_t r180 = feed(&s, &B, &A, 13, "SIP/2.0 180 Ringing\n" HDRS("retry", "f", ";tag=v", "2 INVITE", "z9hG4bKr2"));
    /* an in-dialog re-INVITE's 200 never forks, whatever its tags */
    uint32_t rei = feed(&s, &B, &A, 14, "INVITE sip:a SIP/2.0\n" HDRS("retry", "v", ";tag=f", "1 INVITE", "z9hG4bKr3"));
    uint32_t rei200 = feed(&s, &A, &B, 15, "SIP/2.0 200 OK\n" HDRS("retry", "v", ";tag=f", "1 INVITE", "z9hG4bKr3"));
    /* a reused branch with a new CSeq is not a retransmission */
    uint32_t ack1 = feed(&s, &A, &B, 16, "ACK sip:b SIP/2.0\n" HDRS("retry", "f", ";tag=v", "2 ACK", "z9hG4bKr9"));
    uint32_t ack2 = feed(&s, &A, &B, 17, "ACK sip:b SIP/2.0\n" HDRS("retry", "f", ";tag=v", "3 ACK", "z9hG4bKr9"));
    store_finish(&s);
    is_int(s.calls[0].state, CALL_REJECTED, "REGISTER 200 then INVITE 403: rejected, not completed");
    is_int(s.calls[0].final_status, 403, "REGISTER 200 then INVITE 403: final 403");
    is_int(s.msgs[inv2].dialog, s.msgs[r180].dialog, "retried INVITE in the dialog its 180 creates");
    is_int(s.calls[1].ndialogs, 1, "401 makes no dialog of its own");
    (void)r401;
    is_int(s.msgs[rei200].dialog, s.msgs[rei].dialog, "re-INVITE 200 stays in the re-INVITE's dialog");
    ok(!s.msgs[ack1].retrans && !s.msgs[ack2].retrans, "same branch, new CSeq: not a retransmission");
    store_fini(&s);
}

/* Streaming: sweep + rebuild emit every call once, with the states a
 * batch run computes, and keep the store small. */
static int emitted_states[CALL__STATE_COUNT];
static size_t emitted;

static void collect(void *ctx, const struct store *st, const struct call *c)
{
    (void)ctx;
    (void)st;
    emitted_states[c->state]++;
    emitted++;
}

static void feed_load(struct store *s, int ncalls, int sweep)
{
    char cid[32];
    size_t max_msgs = 0;
    for (int i = 0; i < ncalls; i++) {
        int64_t t = (int64_t)i * 100; /* 10 calls/s, ms */
        snprintf(cid, sizeof cid, "load-%d", i);
        int busy = i % 3 == 0;
        feed(s, &A, &B, t, "INVITE sip:b SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK%d\n"
             "From: <sip:a@a>;tag=f%d\nTo: <sip:b@b>\nCall-ID: %s\nCSeq: 1 INVITE\nContent-Length: 0\n\n", i, i, cid);
        feed(s, &B, &A, t + 50, "SIP/2.0 %s\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK%d\n"
             "From: <sip:a@a>;tag=f%d\nTo: <sip:b@b>;tag=t%d\nCall-ID: %s\nCSeq: 1 INVITE\nContent-Length: 0\n\n",
             busy ? "486 Busy Here" : "180 Ringing", i, i, i, cid);
        if (sweep && i % 10 == 0)
            store_sweep(s, 1700000000LL * 1000000000LL + t * 1000000LL, 2000000000LL, 60000000000LL, collect, NULL);
        if (s->nmsgs > max_msgs)
            max_msgs = s->nmsgs;
    }
    if (sweep)
        ok(max_msgs < 20000, "streaming: the store stays small (peak %zu messages for %d calls)", max_msgs, ncalls);
}

static void streaming(void)
{
    struct limits lim = LIMITS_DEFAULT_INIT;
    struct diag d;
    diag_init(&d, 0);
    struct store b, s;
    store_init(&b, &lim, &d);
    feed_load(&b, 20000, 0);
    store_finish(&b);
    int batch_states[CALL__STATE_COUNT] = {0};
    for (size_t i = 0; i < b.ncalls; i++)
        batch_states[b.calls[i].state]++;
    store_init(&s, &lim, &d);
    feed_load(&s, 20000, 1);
    store_flush_all(&s, collect, NULL);
    is_int(emitted, 20000, "streaming: every call emitted once");
    ok(memcmp(batch_states, emitted_states, sizeof batch_states) == 0, "streaming: same states as batch");
    ok(s.rebuilds > 0, "streaming: the store rebuilt itself (%llu times)", (unsigned long long)s.rebuilds);
    is_int(s.calls_emitted, 20000, "streaming: emitted counter");
    store_fini(&b);
    store_fini(&s);
}

int main(void)
{
    streaming();
    regressions();
    basic_call();
    forked();
    cancel_busy_register();
    odd_messages();
    limits_hit();
    return tap_done();
}
