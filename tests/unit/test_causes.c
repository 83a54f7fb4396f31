/*
 * test_causes.c - per-call disposition, Q.850 cause and release side
 * (src/causes.c), the SIP -> Q.850 mapping table (dissect/sipq850.c, the
 * seed's Cisco UCM Table 1-26 + RFC 3398 §7.2.4.1), and the report of a
 * capture made from the seed's release scenarios.
 *
 * The seed capture (Cisco UCM 6.0 SIP trunk guide flows 2.2, 12.4, 12.3,
 * 7.1 and 8.2: BYE with Reason Q.850 cause 16, 41 (x11, unanswered), 86
 * (x11), a re-INVITE answered 415 then 200 followed by BYE cause 47 and a
 * 200 OK carrying cause 0, and a 416 carrying cause 97) is written with
 * tools/pcapw (compiled into this test), read back through the whole
 * pipeline, and rendered with `report`; the report is printed as TAP
 * comments.  SEED_RELEASE_PCAP=path keeps the capture at that path.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dissect/q850.h"
#include "dissect/reason.h"
#include "dissect/sipq850.h"
#include "render/report.h"
#include "src/causes.h"
#include "src/kpi.h"
#include "src/pipeline.h"
#include "src/select.h"
#include "src/store.h"
#include "tests/unit/tap.h"
/* tools/pcapw.c is compiled into this test under other names: src/pcapwrite.c
 * (the live pcap writer, linked into every test) has functions of the same
 * names. */
#define pcapw_addr_parse t_pcapw_addr_parse
#define pcapw_open t_pcapw_open
#define pcapw_write_udp t_pcapw_write_udp
#define pcapw_write_ip t_pcapw_write_ip
#define pcapw_write_frame t_pcapw_write_frame
#define pcapw_l4_checksum t_pcapw_l4_checksum
#define pcapw_records t_pcapw_records
#define pcapw_error t_pcapw_error
#define pcapw_close t_pcapw_close
#define pcapw_build_tcp t_pcapw_build_tcp
#define pcapw_write_tcp t_pcapw_write_tcp
#define pcapw_build_udp t_pcapw_build_udp
#define pcapw_write_ip4_fragment t_pcapw_write_ip4_fragment
#define pcapw_write_ip6_fragment t_pcapw_write_ip6_fragment
#define pcapw_crc32c t_pcapw_crc32c
#define pcapw_sctp_data_chunk t_pcapw_sctp_data_chunk
#define pcapw_write_sctp t_pcapw_write_sctp
#define pcapw_ws_frame t_pcapw_ws_frame
#define pcapw_hep3_build t_pcapw_hep3_build
#include "tools/pcapw.c"

/* ---- store fixtures (as tests/unit/test_store.c) ----------------------------- */

static struct frame fr;

static const struct endpoint A = {4, {10, 0, 0, 1}, 5060};
static const struct endpoint B = {4, {10, 0, 0, 2}, 5060};
static const struct endpoint P = {4, {10, 0, 0, 3}, 5060};

static uint32_t feed(struct store *s, const struct endpoint *src, const struct endpoint *dst, int64_t ms,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static uint32_t feed(struct store *s, const struct endpoint *src, const struct endpoint *dst, int64_t ms,
                     const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
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

/* dialog headers: caller tag fa, callee tag tb (ttag "" or ";tag=tb") */
#define H(cid, ttag, cseq, br, extra)                                                                      \
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=" br "\nFrom: <sip:alice@a.example>;tag=fa\n"               \
    "To: <sip:bob@b.example>" ttag "\nCall-ID: " cid "\nCSeq: " cseq "\n" extra "Content-Length: 0\n\n"
/* the same from the callee's side (in-dialog requests from B) */
#define HB(cid, cseq, br, extra)                                                                           \
    "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=" br "\nFrom: <sip:bob@b.example>;tag=tb\n"                 \
    "To: <sip:alice@a.example>;tag=fa\nCall-ID: " cid "\nCSeq: " cseq "\n" extra "Content-Length: 0\n\n"

static struct limits lim = LIMITS_DEFAULT_INIT;
static struct diag dg;

static void st_init(struct store *s)
{
    memset(&fr, 0, sizeof fr);
    diag_init(&dg, 0);
    store_init(s, &lim, &dg);
}

static const struct call *call_of(const struct store *s, const char *cid)
{
    for (size_t i = 0; i < s->ncalls; i++)
        if (s->calls[i].call_id_len == strlen(cid) && memcmp(s->calls[i].call_id, cid, strlen(cid)) == 0)
            return &s->calls[i];
    return NULL;
}

/* answered call A -> B, INVITE at t0 ms */
static void answered(struct store *s, const char *cid, int64_t t0)
{
    char b1[64];
    snprintf(b1, sizeof b1, "z9hG4bK%s1", cid);
    feed(s, &A, &B, t0, "INVITE sip:bob@b.example SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=%s\n"
                        "From: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>\nCall-ID: %s\n"
                        "CSeq: 1 INVITE\nContent-Length: 0\n\n", b1, cid);
    feed(s, &B, &A, t0 + 100, "SIP/2.0 180 Ringing\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=%s\n"
                              "From: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>;tag=tb\n"
                              "Call-ID: %s\nCSeq: 1 INVITE\nContent-Length: 0\n\n", b1, cid);
    feed(s, &B, &A, t0 + 1000, "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=%s\n"
                               "From: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>;tag=tb\n"
                               "Call-ID: %s\nCSeq: 1 INVITE\nContent-Length: 0\n\n", b1, cid);
    feed(s, &A, &B, t0 + 1010, "ACK sip:bob@b.example SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK%sack\n"
                               "From: <sip:alice@a.example>;tag=fa\nTo: <sip:bob@b.example>;tag=tb\n"
                               "Call-ID: %s\nCSeq: 1 ACK\nContent-Length: 0\n\n", cid, cid);
}

static void calls(void)
{
    struct store s;
    st_init(&s);
    /* 1 busy */
    feed(&s, &A, &B, 0, "INVITE sip:bob@b.example SIP/2.0\n" H("busy", "", "1 INVITE", "z9hG4bKb1", ""));
    feed(&s, &B, &A, 10, "SIP/2.0 100 Trying\n" H("busy", "", "1 INVITE", "z9hG4bKb1", ""));
    feed(&s, &B, &A, 200, "SIP/2.0 486 Busy Here\n" H("busy", ";tag=tb", "1 INVITE", "z9hG4bKb1", ""));
    feed(&s, &A, &B, 210, "ACK sip:bob@b.example SIP/2.0\n" H("busy", ";tag=tb", "1 ACK", "z9hG4bKb1", ""));
    /* 2 answered, caller BYE without Reason */
    answered(&s, "byeA", 1000);
    feed(&s, &A, &B, 5000, "BYE sip:bob@b.example SIP/2.0\n" H("byeA", ";tag=tb", "2 BYE", "z9hG4bKbyeA2", ""));
    feed(&s, &B, &A, 5010, "SIP/2.0 200 OK\n" H("byeA", ";tag=tb", "2 BYE", "z9hG4bKbyeA2", ""));
    /* 3 answered, callee BYE with Reason Q.850 16 */
    answered(&s, "byeB", 2000);
    feed(&s, &B, &A, 6000,
         "BYE sip:alice@a.example SIP/2.0\n" HB("byeB", "1 BYE", "z9hG4bKbyeB2", "Reason: Q.850;cause=16;text=\"Normal\"\n"));
    feed(&s, &A, &B, 6010, "SIP/2.0 200 OK\n" HB("byeB", "1 BYE", "z9hG4bKbyeB2", ""));
    /* 4 BYE without Reason, its 200 OK carries Q.850 31 */
    answered(&s, "byeC", 3000);
    feed(&s, &A, &B, 7000, "BYE sip:bob@b.example SIP/2.0\n" H("byeC", ";tag=tb", "2 BYE", "z9hG4bKbyeC2", ""));
    feed(&s, &B, &A, 7010, "SIP/2.0 200 OK\n" H("byeC", ";tag=tb", "2 BYE", "z9hG4bKbyeC2", "Reason: Q.850;cause=31\n"));
    /* 5 via a proxy: B rings, then P gives up with 503 towards A */
    feed(&s, &A, &P, 4000, "INVITE sip:bob@b.example SIP/2.0\n" H("prx", "", "1 INVITE", "z9hG4bKp1", ""));
    feed(&s, &P, &B, 4005, "INVITE sip:bob@b.example SIP/2.0\n" H("prx", "", "1 INVITE", "z9hG4bKp2", ""));
    feed(&s, &B, &P, 4100, "SIP/2.0 180 Ringing\n" H("prx", ";tag=tb", "1 INVITE", "z9hG4bKp2", ""));
    feed(&s, &P, &A, 4105, "SIP/2.0 180 Ringing\n" H("prx", ";tag=tb", "1 INVITE", "z9hG4bKp1", ""));
    feed(&s, &P, &A, 9000, "SIP/2.0 503 Service Unavailable\n" H("prx", ";tag=px", "1 INVITE", "z9hG4bKp1", ""));
    /* 6 416 with Reason 97 (seed 8.2) */
    feed(&s, &A, &B, 5000, "INVITE sips:bob@b.example SIP/2.0\n" H("416", "", "1 INVITE", "z9hG4bK4161", ""));
    feed(&s, &B, &A, 5050,
         "SIP/2.0 416 Unsupported URI scheme\n" H("416", ";tag=tb", "1 INVITE", "z9hG4bK4161", "Reason: Q.850;cause=97\n"));
    /* 7 503 whose Reason says user busy */
    feed(&s, &A, &B, 5100, "INVITE sip:bob@b.example SIP/2.0\n" H("503b", "", "1 INVITE", "z9hG4bK503b", ""));
    feed(&s, &B, &A, 5150,
         "SIP/2.0 503 Service Unavailable\n" H("503b", ";tag=tb", "1 INVITE", "z9hG4bK503b", "Reason: Q.850;cause=17\n"));
    /* 8 CANCEL with a SIP Reason (RFC 3326 completed elsewhere) */
    feed(&s, &A, &B, 5200, "INVITE sip:bob@b.example SIP/2.0\n" H("can", "", "1 INVITE", "z9hG4bKcan", ""));
    feed(&s, &B, &A, 5300, "SIP/2.0 180 Ringing\n" H("can", ";tag=tb", "1 INVITE", "z9hG4bKcan", ""));
    feed(&s, &A, &B, 8000,
         "CANCEL sip:bob@b.example SIP/2.0\n" H("can", "", "1 CANCEL", "z9hG4bKcan",
                                                "Reason: SIP;cause=200;text=\"Call completed elsewhere\"\n"));
    feed(&s, &B, &A, 8010, "SIP/2.0 200 OK\n" H("can", ";tag=tb", "1 CANCEL", "z9hG4bKcan", ""));
    feed(&s, &B, &A, 8020, "SIP/2.0 487 Request Terminated\n" H("can", ";tag=tb", "1 INVITE", "z9hG4bKcan", ""));
    /* 9 no response at all; the capture goes on for more than 32 s */
    feed(&s, &A, &B, 9000, "INVITE sip:bob@b.example SIP/2.0\n" H("tmo", "", "1 INVITE", "z9hG4bKtmo", ""));
    /* 10 auth retry then answered, BYE with two Reason headers */
    feed(&s, &A, &B, 10000, "INVITE sip:bob@b.example SIP/2.0\n" H("auth", "", "1 INVITE", "z9hG4bKau1", ""));
    feed(&s, &B, &A, 10010, "SIP/2.0 407 Proxy Authentication Required\n" H("auth", ";tag=t0", "1 INVITE", "z9hG4bKau1", ""));
    feed(&s, &A, &B, 10020, "ACK sip:bob@b.example SIP/2.0\n" H("auth", ";tag=t0", "1 ACK", "z9hG4bKau1", ""));
    feed(&s, &A, &B, 10030, "INVITE sip:bob@b.example SIP/2.0\n" H("auth", "", "2 INVITE", "z9hG4bKau2", ""));
    feed(&s, &B, &A, 10500, "SIP/2.0 200 OK\n" H("auth", ";tag=tb", "2 INVITE", "z9hG4bKau2", ""));
    feed(&s, &A, &B, 10510, "ACK sip:bob@b.example SIP/2.0\n" H("auth", ";tag=tb", "2 ACK", "z9hG4bKau3", ""));
    /* re-INVITE answered 415 then 200 (seed 7.1) */
    feed(&s, &B, &A, 11000, "INVITE sip:alice@a.example SIP/2.0\n" HB("auth", "1 INVITE", "z9hG4bKre", ""));
    feed(&s, &A, &B, 11010, "SIP/2.0 415 Unsupported Media Type\n" HB("auth", "1 INVITE", "z9hG4bKre", ""));
    feed(&s, &A, &B, 11020, "SIP/2.0 200 OK\n" HB("auth", "1 INVITE", "z9hG4bKre", ""));
    feed(&s, &B, &A, 12000,
         "BYE sip:alice@a.example SIP/2.0\n" HB("auth", "2 BYE", "z9hG4bKau4",
                                                "Reason: SIP;cause=500\nReason: Q.850;cause=41, X-Foo;cause=1\n"));
    /* 11 302 then a new INVITE in the same Call-ID, answered 486 */
    feed(&s, &A, &B, 13000, "INVITE sip:bob@b.example SIP/2.0\n" H("r302", "", "1 INVITE", "z9hG4bKr1", ""));
    feed(&s, &B, &A, 13010, "SIP/2.0 302 Moved Temporarily\n" H("r302", ";tag=t3", "1 INVITE", "z9hG4bKr1", ""));
    feed(&s, &A, &B, 13020, "ACK sip:bob@b.example SIP/2.0\n" H("r302", ";tag=t3", "1 ACK", "z9hG4bKr1", ""));
    feed(&s, &A, &P, 13030, "INVITE sip:bob@p.example SIP/2.0\n" H("r302", "", "2 INVITE", "z9hG4bKr2", ""));
    feed(&s, &P, &A, 13500, "SIP/2.0 486 Busy Here\n" H("r302", ";tag=t4", "2 INVITE", "z9hG4bKr2", ""));
    /* 12 only a 302 */
    feed(&s, &A, &B, 14000, "INVITE sip:bob@b.example SIP/2.0\n" H("only302", "", "1 INVITE", "z9hG4bKo1", ""));
    feed(&s, &B, &A, 14010, "SIP/2.0 302 Moved Temporarily\n" H("only302", ";tag=t3", "1 INVITE", "z9hG4bKo1", ""));
    /* 13 ringing at the capture end */
    feed(&s, &A, &B, 49000, "INVITE sip:bob@b.example SIP/2.0\n" H("ring", "", "1 INVITE", "z9hG4bKrg", ""));
    feed(&s, &B, &A, 49100, "SIP/2.0 180 Ringing\n" H("ring", ";tag=tb", "1 INVITE", "z9hG4bKrg", ""));
    /* 14 603 Decline, 480, 404 */
    feed(&s, &A, &B, 49200, "INVITE sip:bob@b.example SIP/2.0\n" H("dec", "", "1 INVITE", "z9hG4bKdc", ""));
    feed(&s, &B, &A, 49210, "SIP/2.0 603 Decline\n" H("dec", ";tag=tb", "1 INVITE", "z9hG4bKdc", ""));
    feed(&s, &A, &B, 49300, "INVITE sip:bob@b.example SIP/2.0\n" H("na", "", "1 INVITE", "z9hG4bKna", ""));
    feed(&s, &B, &A, 49310, "SIP/2.0 480 Temporarily Unavailable\n" H("na", ";tag=tb", "1 INVITE", "z9hG4bKna", ""));
    feed(&s, &A, &B, 49400, "INVITE sip:bob@b.example SIP/2.0\n" H("nf", "", "1 INVITE", "z9hG4bKnf", ""));
    feed(&s, &B, &A, 49410, "SIP/2.0 404 Not Found\n" H("nf", ";tag=tb", "1 INVITE", "z9hG4bKnf", ""));
    /* 15 REGISTER: not an attempt */
    feed(&s, &A, &B, 49500, "REGISTER sip:b.example SIP/2.0\n" H("reg", "", "1 REGISTER", "z9hG4bKrr", ""));
    store_finish(&s);

    struct call_causes cc;
    call_causes_compute(&s, call_of(&s, "busy"), &cc);
    ok(cc.is_attempt, "busy: an attempt");
    is_int(cc.disposition, DISP_BUSY, "busy: disposition busy");
    is_int(cc.final_status, 486, "busy: final 486");
    is_int(cc.cause, 17, "busy: cause 17");
    is_int(cc.cause_src, CAUSE_MAPPED, "busy: cause mapped");
    is_int(cc.mapped_src, SIPQ850_SEED, "busy: mapping from the seed table");
    is_int(cc.release_kind, RELK_RESPONSE, "busy: released by a response");
    is_int(cc.release_side, SIDE_CALLEE, "busy: callee released");
    is_int((cc.release_ts - cc.start) / 1000000, 200, "busy: release 200 ms after the INVITE");
    ok(!cc.conflict, "busy: no conflict");
    call_causes_free(&cc);

    call_causes_compute(&s, call_of(&s, "byeA"), &cc);
    is_int(cc.disposition, DISP_ANSWERED, "byeA: answered");
    is_int(cc.final_status, 200, "byeA: final 200");
    is_int(cc.release_kind, RELK_BYE, "byeA: released by BYE");
    is_int(cc.release_side, SIDE_CALLER, "byeA: caller released");
    is_int(cc.cause, 16, "byeA: cause 16");
    is_int(cc.cause_src, CAUSE_IMPLIED, "byeA: implied by a BYE without Reason");
    is_int((cc.answer_ts - cc.start) / 1000000, 1000, "byeA: answer 1 s after the INVITE");
    is_int((cc.ring_ts - cc.start) / 1000000, 100, "byeA: ringing 100 ms after the INVITE");
    call_causes_free(&cc);

    call_causes_compute(&s, call_of(&s, "byeB"), &cc);
    is_int(cc.release_side, SIDE_CALLEE, "byeB: callee released");
    is_int(cc.cause, 16, "byeB: cause 16");
    is_int(cc.cause_src, CAUSE_REASON, "byeB: from the Reason header");
    is_int(cc.nreasons, 1, "byeB: one Reason value");
    is_int(cc.reasons[0].has_text, 1, "byeB: Reason has a text");
    call_causes_free(&cc);

    call_causes_compute(&s, call_of(&s, "byeC"), &cc);
    is_int(cc.cause, 31, "byeC: cause from the 200 OK to the BYE");
    is_int(cc.cause_src, CAUSE_REASON, "byeC: from a Reason");
    ok(!s.msgs[cc.cause_msg].is_request, "byeC: the cause message is the response");
    call_causes_free(&cc);

    call_causes_compute(&s, call_of(&s, "prx"), &cc);
    is_int(cc.final_status, 503, "proxy: the 503 decides (the store has no final on the far leg)");
    is_int(cc.disposition, DISP_FAILED, "proxy: failed");
    is_int(cc.release_side, SIDE_INTERMEDIARY, "proxy: the proxy released (intermediary)");
    ok(endpoint_eq(&cc.callee, &B), "proxy: callee is the lane that rang");
    is_int(cc.cause, 41, "proxy: 503 -> 41");
    call_causes_free(&cc);

    call_causes_compute(&s, call_of(&s, "416"), &cc);
    is_int(cc.disposition, DISP_FAILED, "416: failed");
    is_int(cc.cause, 97, "416: cause 97 from the Reason");
    is_int(cc.cause_src, CAUSE_REASON, "416: source Reason");
    is_int(cc.mapped_cause, 127, "416: table maps to 127");
    ok(cc.conflict, "416: conflict flagged");
    call_causes_free(&cc);

    call_causes_compute(&s, call_of(&s, "503b"), &cc);
    is_int(cc.disposition, DISP_BUSY, "503 + Reason 17: busy by the Q.850 cause");
    ok(cc.conflict, "503 + Reason 17: conflict with 41");
    call_causes_free(&cc);

    call_causes_compute(&s, call_of(&s, "can"), &cc);
    is_int(cc.disposition, DISP_NO_ANSWER, "cancel: no answer/cancelled");
    is_int(cc.release_kind, RELK_CANCEL, "cancel: released by CANCEL");
    is_int(cc.release_side, SIDE_CALLER, "cancel: caller released");
    is_int(cc.final_status, 487, "cancel: final 487");
    is_int(cc.cause, 31, "cancel: 487 mapped to 31 (the SIP Reason is not a Q.850 cause)");
    is_int(cc.cause_src, CAUSE_MAPPED, "cancel: mapped");
    is_int(cc.nreasons, 1, "cancel: the SIP Reason is listed");
    is_int(cc.reasons[0].proto, REASON_P_SIP, "cancel: protocol SIP");
    is_int(cc.reasons[0].cause, 200, "cancel: SIP cause 200");
    call_causes_free(&cc);

    call_causes_compute(&s, call_of(&s, "tmo"), &cc);
    is_int(cc.disposition, DISP_FAILED, "no response for > 32 s: failed");
    is_int(cc.release_kind, RELK_TIMEOUT, "no response: timer B");
    is_int(cc.cause, 102, "no response: cause 102");
    is_int(cc.cause_src, CAUSE_IMPLIED, "no response: implied");
    call_causes_free(&cc);

    call_causes_compute(&s, call_of(&s, "auth"), &cc);
    is_int(cc.disposition, DISP_ANSWERED, "auth retry: answered");
    is_int(cc.final_status, 200, "auth retry: final 200");
    is_int(cc.multi_final[0], 415, "re-INVITE: first final 415");
    is_int(cc.multi_final[1], 200, "re-INVITE: then 200");
    is_int(cc.release_side, SIDE_CALLEE, "auth: callee sent the BYE");
    is_int(cc.cause, 41, "two Reason headers: the Q.850 one gives the cause");
    is_int(cc.nreasons, 3, "two Reason headers, three values");
    ok(cc.reason_anoms & (1u << REASON_ANOM_UNKNOWN_PROTOCOL), "X-Foo: unknown protocol anomaly");
    is_int(cc.reason_anom_values, 1, "one value with an anomaly");
    call_causes_free(&cc);

    call_causes_compute(&s, call_of(&s, "r302"), &cc);
    is_int(cc.final_status, 486, "302 then new INVITE: the 486 decides");
    is_int(cc.disposition, DISP_BUSY, "302 then 486: busy");
    is_int(cc.release_side, SIDE_CALLEE, "302 then 486 from the new target: callee");
    call_causes_free(&cc);

    call_causes_compute(&s, call_of(&s, "only302"), &cc);
    is_int(cc.disposition, DISP_REDIRECTED, "only a 302: redirected");
    is_int(cc.cause, 0, "302: no Q.850 mapping");
    call_causes_free(&cc);

    call_causes_compute(&s, call_of(&s, "ring"), &cc);
    is_int(cc.disposition, DISP_INCOMPLETE, "ringing at the capture end: incomplete");
    is_int(cc.release_kind, RELK_NONE, "ringing: not released");
    call_causes_free(&cc);

    call_causes_compute(&s, call_of(&s, "dec"), &cc);
    is_int(cc.disposition, DISP_REJECTED, "603: rejected");
    is_int(cc.cause, 21, "603: cause 21");
    call_causes_free(&cc);
    call_causes_compute(&s, call_of(&s, "na"), &cc);
    is_int(cc.disposition, DISP_NO_ANSWER, "480: no answer");
    is_int(cc.cause, 18, "480: cause 18");
    call_causes_free(&cc);
    call_causes_compute(&s, call_of(&s, "nf"), &cc);
    is_int(cc.disposition, DISP_FAILED, "404: failed (not user-determined)");
    is_int(cc.cause, 1, "404: cause 1");
    call_causes_free(&cc);
    call_causes_compute(&s, call_of(&s, "reg"), &cc);
    ok(!cc.is_attempt, "REGISTER: not an attempt");
    call_causes_free(&cc);

    /* the ladder annotation */
    struct buf b = {0};
    call_release_note(&b, &s, call_of(&s, "byeB"));
    is_str(((struct slice){(const uint8_t *)b.p, b.n}),
           "released by callee (BYE) at 22:13:26.000 UTC: Q.850 16 Normal call clearing [Reason]", "note: BYE with Reason");
    buf_reset(&b);
    call_release_note(&b, &s, call_of(&s, "416"));
    is_str(((struct slice){(const uint8_t *)b.p, b.n}),
           "released by callee (416 Unsupported URI Scheme) at 22:13:25.050 UTC: Q.850 97 Message type non-existent or "
           "not implemented [Reason]; conflict: Cisco UCM SIP trunk guide Table 1-26 maps 416 to 127 Interworking, "
           "unspecified",
           "note: 416 with a conflicting Reason");
    buf_reset(&b);
    call_release_note(&b, &s, call_of(&s, "busy"));
    is_str(((struct slice){(const uint8_t *)b.p, b.n}),
           "released by callee (486 Busy Here) at 22:13:20.200 UTC: Q.850 17 User busy [mapped from 486 by Cisco UCM "
           "SIP trunk guide Table 1-26]",
           "note: busy");
    buf_reset(&b);
    call_release_note(&b, &s, call_of(&s, "ring"));
    is_str(((struct slice){(const uint8_t *)b.p, b.n}), "not released: no final response before the capture ended",
           "note: ringing");
    buf_reset(&b);
    call_release_note(&b, &s, call_of(&s, "tmo"));
    ok(strstr(b.p, "timer B") && strstr(b.p, "102 Recovery on timer expiry"), "note: timer B");
    buf_reset(&b);
    call_release_note(&b, &s, call_of(&s, "reg"));
    ok(strstr(b.p, "no initial INVITE") != NULL, "note: REGISTER");
    int ascii = 1;
    for (size_t i = 0; i < s.ncalls; i++) {
        buf_reset(&b);
        call_release_note(&b, &s, &s.calls[i]);
        for (size_t k = 0; k < b.n; k++)
            ascii &= (uint8_t)b.p[k] >= 0x20 && (uint8_t)b.p[k] < 0x7f;
    }
    ok(ascii, "notes are printable ASCII");
    buf_free(&b);
    store_fini(&s);
}

/* ---- mapping table -------------------------------------------------------------- */

static void mapping(void)
{
    static const struct {
        unsigned st, cause;
    } seed[] = {
        {404, 1},  {485, 1},  {604, 1},  {486, 17}, {491, 17},  {493, 17},  {600, 17},  {480, 18},  {401, 21},
        {402, 21}, {403, 21}, {407, 21}, {603, 21}, {410, 22},  {482, 25},  {483, 25},  {484, 28},  {487, 31},
        {488, 31}, {606, 31}, {502, 38}, {400, 41}, {481, 41},  {500, 41},  {503, 41},  {405, 63},  {406, 79},
        {415, 79}, {501, 79}, {408, 102}, {504, 102}, {411, 127}, {413, 127}, {414, 127}, {416, 127}, {420, 127},
        {421, 127}, {423, 127}, {505, 127}, {513, 127},
    };
    int all = 1;
    for (size_t i = 0; i < sizeof seed / sizeof seed[0]; i++) {
        const struct sipq850_entry *e = sipq850_lookup(seed[i].st);
        if (!e || e->cause != seed[i].cause || e->source != SIPQ850_SEED) {
            all = 0;
            printf("# %u: %s\n", seed[i].st, e ? "wrong cause or source" : "missing");
        }
    }
    ok(all, "every Table 1-26 row is in the table with its cause and the seed as source");
    is_int(sipq850_count, 40, "40 rows (the seed's 40; RFC 3398 adds no code the seed lacks)");
    int sorted = 1;
    for (size_t i = 1; i < sipq850_count; i++)
        sorted &= sipq850_table[i - 1].status < sipq850_table[i].status;
    ok(sorted, "rows sorted by status, no duplicates");
    const struct sipq850_entry *e = sipq850_lookup(600);
    ok(e && e->cause == 17, "600 keeps cause 17 (Busy everywhere)");
    e = sipq850_lookup(603);
    ok(e && e->cause == 21 && strstr(e->note, "600 Decline"), "603 <- the seed's '600 Decline' row, with a note");
    e = sipq850_lookup(487);
    ok(e && e->rfc3398 == SIPQ850_RFC3398_NO_CAUSE && strstr(e->note, "no mapping"), "487: RFC 3398 has no mapping");
    e = sipq850_lookup(411);
    ok(e && e->rfc3398 == SIPQ850_RFC3398_UNLISTED, "411: not in RFC 3398");
    e = sipq850_lookup(404);
    ok(e && e->rfc3398 == 1 && !e->note[0], "404: RFC 3398 agrees, no note");
    int agree = 1;
    for (size_t i = 0; i < sipq850_count; i++) {
        const struct sipq850_entry *x = &sipq850_table[i];
        if (x->rfc3398 > 0 && x->rfc3398 != x->cause)
            agree = 0;
        if (!q850_is_assigned(x->cause))
            agree = 0;
    }
    ok(agree, "every mapped cause is an assigned Q.850 value, and RFC 3398 agrees wherever it gives one");
    ok(!sipq850_lookup(200) && !sipq850_lookup(302) && !sipq850_lookup(422) && !sipq850_lookup(0) &&
           !sipq850_lookup(999),
       "200, 302, 422, 0, 999: no mapping");
    is_str(slice_cstr(sipq850_source_id(SIPQ850_SEED)), "seed", "source id seed");
    is_str(slice_cstr(sipq850_source_id(SIPQ850_RFC3398)), "rfc3398", "source id rfc3398");
    is_str(slice_cstr(sipq850_source_id(SIPQ850_RFC4497)), "rfc4497", "source id rfc4497");
    ok(strstr(sipq850_source_name(SIPQ850_SEED), "Table 1-26") != NULL, "source name of the seed");
    ok(strstr(sipq850_source_name(SIPQ850_RFC3398), "RFC 3398") != NULL, "source name of RFC 3398");
}

/* ---- the seed's release scenarios as a capture ------------------------------------- */

static pcapw *W;
static uint64_t T; /* ms since the capture's start */

static void put(const char *src, uint16_t sport, const char *dst, uint16_t dport, int64_t dt_ms, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void put(const char *src, uint16_t sport, const char *dst, uint16_t dport, int64_t dt_ms, const char *fmt, ...)
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
    T += (uint64_t)dt_ms;
    pcapw_ep s, d;
    memset(&s, 0, sizeof s);
    memset(&d, 0, sizeof d);
    pcapw_addr_parse(src, &s.ip);
    pcapw_addr_parse(dst, &d.ip);
    s.port = sport;
    d.port = dport;
    pcapw_ts ts = {1183063454 + T / 1000, (uint32_t)(T % 1000) * 1000000u};
    pcapw_write_udp(W, ts, &s, &d, msg, o);
}

#define CUCM "10.10.199.250"
#define GW "10.10.197.154"
#define GW2 "10.10.201.173"

#define DLG(cid, ftag, ttag, cseq, branch, from, to)                                                       \
    "Via: SIP/2.0/UDP " branch "\nFrom: " from ";tag=" ftag "\nTo: " to ttag "\nCall-ID: " cid            \
    "\nCSeq: " cseq "\nMax-Forwards: 70\n"

/* An answered call GW -> CUCM (caller GW, tag g, callee CUCM, tag c). */
static void seed_answered(const char *cid, const char *num)
{
    char via[128];
    snprintf(via, sizeof via, GW ":5060;branch=z9hG4bK%sI", num);
    put(GW, 5060, CUCM, 5060, 1000,
        "INVITE sip:1001@" CUCM ":5060 SIP/2.0\nVia: SIP/2.0/UDP %s\nFrom: <sip:2001@" GW ">;tag=g%s\n"
        "To: <sip:1001@" CUCM ">\nCall-ID: %s\nCSeq: 101 INVITE\nMax-Forwards: 70\nContent-Length: 0\n\n",
        via, num, cid);
    put(CUCM, 5060, GW, 5060, 20,
        "SIP/2.0 100 Trying\nVia: SIP/2.0/UDP %s\nFrom: <sip:2001@" GW ">;tag=g%s\nTo: <sip:1001@" CUCM ">\n"
        "Call-ID: %s\nCSeq: 101 INVITE\nContent-Length: 0\n\n",
        via, num, cid);
    put(CUCM, 5060, GW, 5060, 180,
        "SIP/2.0 180 Ringing\nVia: SIP/2.0/UDP %s\nFrom: <sip:2001@" GW ">;tag=g%s\n"
        "To: <sip:1001@" CUCM ">;tag=c%s\nCall-ID: %s\nCSeq: 101 INVITE\nContent-Length: 0\n\n",
        via, num, num, cid);
    put(CUCM, 5060, GW, 5060, 800,
        "SIP/2.0 200 OK\nVia: SIP/2.0/UDP %s\nFrom: <sip:2001@" GW ">;tag=g%s\n"
        "To: <sip:1001@" CUCM ">;tag=c%s\nCall-ID: %s\nCSeq: 101 INVITE\nContent-Length: 0\n\n",
        via, num, num, cid);
    put(GW, 5060, CUCM, 5060, 10,
        "ACK sip:1001@" CUCM ":5060 SIP/2.0\nVia: SIP/2.0/UDP " GW ":5060;branch=z9hG4bK%sA\n"
        "From: <sip:2001@" GW ">;tag=g%s\nTo: <sip:1001@" CUCM ">;tag=c%s\nCall-ID: %s\nCSeq: 101 ACK\n"
        "Content-Length: 0\n\n",
        num, num, num, cid);
}

/* BYE from one side with a Reason, sent `times` times; answered unless `unanswered`. */
static void seed_bye(const char *cid, const char *num, int from_cucm, const char *reason, int times, int unanswered,
                     const char *ok_reason)
{
    char hdrs[512];
    if (from_cucm)
        snprintf(hdrs, sizeof hdrs,
                 "Via: SIP/2.0/UDP " CUCM ":5060;branch=z9hG4bK%sB\nFrom: <sip:1001@" CUCM ">;tag=c%s\n"
                 "To: <sip:2001@" GW ">;tag=g%s\nCall-ID: %s\nCSeq: 102 BYE\n",
                 num, num, num, cid);
    else
        snprintf(hdrs, sizeof hdrs,
                 "Via: SIP/2.0/UDP " GW ":5060;branch=z9hG4bK%sB\nFrom: <sip:2001@" GW ">;tag=g%s\n"
                 "To: <sip:1001@" CUCM ">;tag=c%s\nCall-ID: %s\nCSeq: 102 BYE\n",
                 num, num, num, cid);
    const char *src = from_cucm ? CUCM : GW, *dst = from_cucm ? GW : CUCM;
    for (int i = 0; i < times; i++)
        put(src, 5060, dst, 5060, i ? 500 : 5000, "BYE sip:x@%s:5060 SIP/2.0\n%sReason: %s\nContent-Length: 0\n\n", dst,
            hdrs, reason);
    if (!unanswered)
        put(dst, 5060, src, 5060, 30, "SIP/2.0 200 OK\n%s%s%s%sContent-Length: 0\n\n", hdrs, ok_reason ? "Reason: " : "",
            ok_reason ? ok_reason : "", ok_reason ? "\n" : "");
}

static void seed_capture(const char *path)
{
    char err[200];
    W = pcapw_open(path, err, sizeof err);
    ok(W != NULL, "seed capture: open %s", path);
    if (!W)
        return;
    T = 0;
    /* 2.2 #18: gateway hangs up, BYE Reason Q.850 16 */
    seed_answered("seed-2.2-bye16@" GW, "22");
    seed_bye("seed-2.2-bye16@" GW, "22", 0, "Q.850;cause=16", 1, 0, NULL);
    /* 12.4: CUCM (non-refresher) BYE cause 41, sent 11 times, unanswered */
    seed_answered("seed-12.4-bye41@" GW, "124");
    seed_bye("seed-12.4-bye41@" GW, "124", 1, "Q.850;cause=41", 11, 1, NULL);
    /* 12.3: CUCM (refresher) re-INVITE unanswered (x3), then BYE cause 86 x11 */
    seed_answered("seed-12.3-bye86@" GW, "123");
    for (int i = 0; i < 3; i++)
        put(CUCM, 5060, GW, 5060, i ? 500 : 2000,
            "INVITE sip:2001@" GW ":5060 SIP/2.0\nVia: SIP/2.0/UDP " CUCM ":5060;branch=z9hG4bK123R\n"
            "From: <sip:1001@" CUCM ">;tag=c123\nTo: <sip:2001@" GW ">;tag=g123\nCall-ID: seed-12.3-bye86@" GW "\n"
            "CSeq: 103 INVITE\nContent-Length: 0\n\n");
    seed_bye("seed-12.3-bye86@" GW, "123", 1, "Q.850;cause=86", 11, 1, NULL);
    /* 7.1: re-INVITE from the gateway answered 415 then 200; BYE cause 47; 200 OK with cause 0 */
    seed_answered("seed-7.1-415-200@" GW, "71");
    put(GW, 5060, CUCM, 5060, 2000,
        "INVITE sip:1001@" CUCM ":5060 SIP/2.0\nVia: SIP/2.0/UDP " GW ":5060;branch=z9hG4bK71R\n"
        "From: <sip:2001@" GW ">;tag=g71\nTo: <sip:1001@" CUCM ">;tag=c71\nCall-ID: seed-7.1-415-200@" GW "\n"
        "CSeq: 104 INVITE\nContent-Length: 0\n\n");
    put(CUCM, 5060, GW, 5060, 20,
        "SIP/2.0 415 Unsupported Media Type\nVia: SIP/2.0/UDP " GW ":5060;branch=z9hG4bK71R\n"
        "From: <sip:2001@" GW ">;tag=g71\nTo: <sip:1001@" CUCM ">;tag=c71\nCall-ID: seed-7.1-415-200@" GW "\n"
        "CSeq: 104 INVITE\nContent-Length: 0\n\n");
    put(CUCM, 5060, GW, 5060, 10,
        "SIP/2.0 200 OK\nVia: SIP/2.0/UDP " GW ":5060;branch=z9hG4bK71R\n"
        "From: <sip:2001@" GW ">;tag=g71\nTo: <sip:1001@" CUCM ">;tag=c71\nCall-ID: seed-7.1-415-200@" GW "\n"
        "CSeq: 104 INVITE\nContent-Length: 0\n\n");
    put(GW, 5060, CUCM, 5060, 10,
        "ACK sip:1001@" CUCM ":5060 SIP/2.0\nVia: SIP/2.0/UDP " GW ":5060;branch=z9hG4bK71R\n"
        "From: <sip:2001@" GW ">;tag=g71\nTo: <sip:1001@" CUCM ">;tag=c71\nCall-ID: seed-7.1-415-200@" GW "\n"
        "CSeq: 104 ACK\nContent-Length: 0\n\n");
    seed_bye("seed-7.1-415-200@" GW, "71", 1, "Q.850;cause=47", 1, 0, "Q.850;cause=0");
    /* 8.2: incoming sips: INVITE rejected 416 with Reason cause 97 */
    put(GW2, 5061, CUCM, 5061, 3000,
        "INVITE sips:1001@" CUCM " SIP/2.0\nVia: SIP/2.0/UDP " GW2 ":5061;branch=z9hG4bK7A5E0\n"
        "From: <sips:" GW2 ">;tag=968119B8-1F62\nTo: <sips:1001@" CUCM ">\n"
        "Call-ID: seed-8.2-416-97@" GW2 "\nCSeq: 101 INVITE\nContent-Length: 0\n\n");
    put(CUCM, 5061, GW2, 5061, 30,
        "SIP/2.0 416 Unsupported URI scheme\nVia: SIP/2.0/UDP " GW2 ":5061;branch=z9hG4bK7A5E0\n"
        "From: <sips:" GW2 ">;tag=968119B8-1F62\nTo: <sips:1001@" CUCM ">;tag=74282742\n"
        "Call-ID: seed-8.2-416-97@" GW2 "\nCSeq: 101 INVITE\nReason: Q.850;cause=97\nContent-Length: 0\n\n");
    put(GW2, 5061, CUCM, 5061, 10,
        "ACK sips:1001@" CUCM " SIP/2.0\nVia: SIP/2.0/UDP " GW2 ":5061;branch=z9hG4bK7A5E0\n"
        "From: <sips:" GW2 ">;tag=968119B8-1F62\nTo: <sips:1001@" CUCM ">;tag=74282742\n"
        "Call-ID: seed-8.2-416-97@" GW2 "\nCSeq: 101 ACK\nContent-Length: 0\n\n");
    ok(pcapw_close(W) == 0, "seed capture written");
}

static const struct kpi_attempt *att_of(const struct kpi_report *k, const struct store *s, const char *prefix)
{
    for (size_t i = 0; i < k->natt; i++) {
        const struct call *c = &s->calls[k->att[i].cc.call];
        if (c->call_id_len >= strlen(prefix) && memcmp(c->call_id, prefix, strlen(prefix)) == 0)
            return &k->att[i];
    }
    return NULL;
}

static void seed_report(void)
{
    const char *keep = getenv("SEED_RELEASE_PCAP");
    char path[64] = "/tmp/sipladder-seed-XXXXXX";
    if (!keep) {
        int fd = mkstemp(path);
        if (fd >= 0)
            close(fd);
    }
    const char *file = keep ? keep : path;
    seed_capture(file);

    struct diag d;
    diag_init(&d, 0);
    struct pipeline pl;
    pipeline_init(&pl, &lim, &d);
    struct capture_input in = {file, NULL};
    struct capture_file_info info;
    memset(&info, 0, sizeof info);
    struct capture_opts co = {0};
    is_int(capture_run(&in, 1, &co, &d, &info, pipeline_frame, &pl), 0, "seed capture read back");
    pipeline_finish(&pl);
    const struct store *s = &pl.store;
    is_int(s->ncalls, 5, "seed capture: five calls");
    struct filter f;
    memset(&f, 0, sizeof f);
    struct selection sel;
    select_calls(s, &f, &sel);
    struct kpi_report k;
    kpi_build(&k, s, &sel, NULL);

    const struct kpi_attempt *t = att_of(&k, s, "seed-2.2");
    ok(t && t->cc.cause == 16 && t->cc.cause_src == CAUSE_REASON && t->cc.release_side == SIDE_CALLER,
       "2.2: cause 16 from the Reason, released by the caller (gateway)");
    t = att_of(&k, s, "seed-12.4");
    ok(t && t->cc.cause == 41 && t->cc.cause_src == CAUSE_REASON && t->cc.release_side == SIDE_CALLEE,
       "12.4: cause 41 from the Reason, released by the callee (CUCM)");
    ok(t && t->cc.nreasons == 1, "12.4: the BYE retransmissions are counted once");
    t = att_of(&k, s, "seed-12.3");
    ok(t && t->cc.cause == 86 && t->cc.release_side == SIDE_CALLEE, "12.3: cause 86, callee");
    t = att_of(&k, s, "seed-7.1");
    ok(t && t->cc.cause == 47 && t->cc.disposition == DISP_ANSWERED, "7.1: answered, BYE cause 47");
    ok(t && t->cc.multi_final[0] == 415 && t->cc.multi_final[1] == 200, "7.1: 415 then 200 on the re-INVITE");
    ok(t && (t->cc.reason_anoms & (1u << REASON_ANOM_CAUSE_RANGE)), "7.1: the 200 OK's cause 0 is an anomaly");
    t = att_of(&k, s, "seed-8.2");
    ok(t && t->cc.cause == 97 && t->cc.conflict && t->cc.mapped_cause == 127 && t->cc.final_status == 416,
       "8.2: 416 with cause 97 shown, conflict with Table 1-26 (127)");
    ok(t && t->cc.disposition == DISP_FAILED && t->cc.release_side == SIDE_CALLEE, "8.2: failed, released by callee");
    is_int(k.attempts, 5, "report: 5 attempts");
    is_int(k.overall.c.disp[DISP_ANSWERED], 4, "report: 4 answered");
    is_int(k.conflicts, 1, "report: one conflict");
    is_int(k.multi_finals, 1, "report: one call with two finals");
    is_int(k.reason_anom_values, 1, "report: one Reason value with an anomaly");

    char *out = NULL;
    size_t outn = 0;
    FILE *o = open_memstream(&out, &outn);
    struct render_ctx r = {.pl = &pl, .s = s, .sel = &sel, .files = &info, .nfiles = 1, .out = o};
    is_int(report_text(&r, &k), 0, "text report written");
    fclose(o);
    ok(out && strstr(out, "Normal call clearing"), "report names cause 16");
    ok(out && strstr(out, "Temporary failure"), "report names cause 41");
    ok(out && strstr(out, "Call having the requested call identity has been cleared"), "report names cause 86");
    ok(out && strstr(out, "Resource unavailable, unspecified"), "report names cause 47");
    ok(out && strstr(out, "Message type non-existent or not implemented"), "report names cause 97");
    ok(out && strstr(out, "CONFLICT: Table 1-26 maps 416 to 127 Interworking, unspecified"), "report shows the 416/97 conflict with Table 1-26");
    ok(out && strstr(out, "cause-out-of-range"), "report lists the cause 0 anomaly");
    ok(out && strstr(out, "Two different final responses on one INVITE transaction: 1 call"), "report notes 415+200");
    /* the report, for the record */
    for (char *p = out; p && *p;) {
        char *nl = strchr(p, '\n');
        printf("# %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
        p = nl ? nl + 1 : p + strlen(p);
    }
    free(out);

    out = NULL;
    o = open_memstream(&out, &outn);
    r.out = o;
    is_int(report_json(&r, &k), 0, "JSON report written");
    fclose(o);
    json_error_t je;
    json_t *j = json_loadb(out, outn, 0, &je);
    ok(j != NULL, "JSON report parses");
    json_t *cs = json_object_get(j, "q850_causes");
    int seen97 = 0;
    for (size_t i = 0; i < json_array_size(cs); i++)
        if (json_integer_value(json_object_get(json_array_get(cs, i), "cause")) == 97)
            seen97 = 1;
    ok(seen97, "JSON q850_causes has cause 97");
    ok(json_is_true(json_object_get(json_array_get(json_object_get(j, "calls"), 4), "conflict")),
       "JSON: the 416 call (last) has conflict true");
    json_decref(j);
    free(out);

    kpi_free(&k);
    selection_free(&sel);
    pipeline_fini(&pl);
    if (!keep)
        unlink(path);
}

int main(void)
{
    calls();
    mapping();
    seed_report();
    return tap_done();
}
