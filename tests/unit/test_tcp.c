/*
 * test_tcp.c - TCP reassembly and SIP stream framing, end to end into the
 * store: coalesced messages, every split point, reordering, duplicates,
 * overlaps, sequence wrap-around, holes, keep-alives, TLS, bounds.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/sipstream.h"
#include "src/tcp.h"
#include "tests/unit/tap.h"

static const struct endpoint C = {4, {10, 0, 0, 1}, 40000};
static const struct endpoint S = {4, {10, 0, 0, 2}, 5060};

struct rig {
    struct limits lim;
    struct diag d;
    struct store st;
    struct sipstream ss;
    struct tcp_table t;
    uint64_t frame;
};

static void rig_init(struct rig *r)
{
    struct limits l = LIMITS_DEFAULT_INIT;
    r->lim = l;
    diag_init(&r->d, 0);
    store_init(&r->st, &r->lim, &r->d);
    sipstream_init(&r->ss, &r->st, &r->d, &r->lim);
    tcp_init(&r->t, &r->lim, &r->d, &r->ss.sink, &r->ss);
    r->frame = 0;
}

static void rig_end(struct rig *r)
{
    tcp_finish(&r->t);
    store_finish(&r->st);
}

static void rig_fini(struct rig *r)
{
    tcp_fini(&r->t);
    sipstream_fini(&r->ss);
    store_fini(&r->st);
}

static void seg(struct rig *r, const struct endpoint *src, const struct endpoint *dst, uint32_t seq, uint8_t fl,
                const void *p, size_t n)
{
    struct frame f = {.no = ++r->frame, .ts = 1700000000000000000LL + (int64_t)r->frame * 1000000};
    /* the payload sits alone in a heap block, so ASan sees over-reads */
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, p, n);
    f.data = copy;
    struct pkt k = {0};
    k.frame = &f;
    k.src = *src;
    k.dst = *dst;
    k.transport = TP_TCP;
    k.payload = copy;
    k.len = (uint32_t)n;
    k.wire_len = (uint32_t)n;
    tcp_segment(&r->t, &k, seq, fl);
    free(copy);
}

static char M1[600], M2[600], M3[900];
static size_t L1, L2, L3;

static size_t mk(char *b, size_t cap, const char *first, const char *cseq, const char *body)
{
    return (size_t)snprintf(b, cap,
                            "%s\r\nVia: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK-%s\r\nFrom: <sip:a@x>;tag=1\r\n"
                            "To: <sip:b@y>;tag=2\r\nCall-ID: tcp-call\r\nCSeq: %s\r\nContent-Length: %zu\r\n\r\n%s",
                            first, cseq, cseq, strlen(body), body);
}

static void setup_msgs(void)
{
    L1 = mk(M1, sizeof M1, "ACK sip:b@y SIP/2.0", "1 ACK", "");
    L2 = mk(M2, sizeof M2, "BYE sip:b@y SIP/2.0", "2 BYE", "");
    L3 = mk(M3, sizeof M3, "INFO sip:b@y SIP/2.0", "3 INFO",
            "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
}

static int methods_are(struct rig *r, const char *want)
{
    char got[256] = "";
    for (size_t i = 0; i < r->st.nmsgs; i++) {
        const struct msg *m = &r->st.msgs[i];
        const char *nm = m->is_request ? sip_method_name((enum sip_method)m->method) : "resp";
        if (m->is_request && m->method == SIP_M_OTHER)
            nm = "OTHER";
        strncat(got, nm, sizeof got - strlen(got) - 2);
        strncat(got, " ", sizeof got - strlen(got) - 1);
    }
    if (strcmp(got, want) != 0) {
        printf("#   got '%s' want '%s'\n", got, want);
        return 0;
    }
    return 1;
}

int main(void)
{
    setup_msgs();
    char all[2400];
    size_t n = 0;
    memcpy(all + n, M1, L1), n += L1;
    memcpy(all + n, M2, L2), n += L2;
    memcpy(all + n, M3, L3), n += L3;

    /* ACK+BYE+INFO in one segment (sngrep loses the BYE) */
    {
        struct rig r;
        rig_init(&r);
        seg(&r, &C, &S, 1000, TCP_SYN, "", 0);
        seg(&r, &C, &S, 1001, 0, all, n);
        rig_end(&r);
        ok(methods_are(&r, "ACK BYE INFO "), "three messages coalesced in one segment");
        is_int(r.st.msgs[1].frame, 2, "BYE keeps its frame number");
        is_int(r.st.msgs[1].transport, TP_TCP, "transport TCP");
        rig_fini(&r);
    }
    /* every split point of the three-message stream into two segments */
    {
        int good = 1;
        for (size_t cut = 1; cut < n; cut++) {
            struct rig r;
            rig_init(&r);
            seg(&r, &C, &S, 5000, 0, all, cut);
            seg(&r, &C, &S, 5000 + (uint32_t)cut, 0, all + cut, n - cut);
            rig_end(&r);
            if (r.st.nmsgs != 3 || r.ss.cut_messages || r.t.gaps)
                good = 0;
            rig_fini(&r);
        }
        ok(good, "split at every byte boundary: always 3 whole messages");
    }
    /* one message over many small segments, delivered in reverse order */
    {
        struct rig r;
        rig_init(&r);
        size_t step = 37;
        for (size_t off = (L3 / step) * step;; off -= step) {
            size_t len = off + step > L3 ? L3 - off : step;
            seg(&r, &C, &S, 777 + (uint32_t)off, 0, M3 + off, len);
            if (off == 0)
                break;
        }
        rig_end(&r);
        ok(methods_are(&r, "INFO "), "reversed small segments reassemble");
        ok(r.st.nmsgs == 1 && r.st.msgs[0].segments == (L3 + step - 1) / step, "segment count recorded");
        rig_fini(&r);
    }
    /* duplicates, overlaps and retransmission with different segmentation */
    {
        struct rig r;
        rig_init(&r);
        size_t a = n / 4, b = n / 3, c = (2 * n) / 3;
        seg(&r, &C, &S, 100, 0, all, b);
        seg(&r, &C, &S, 100, 0, all, b);                          /* duplicate */
        seg(&r, &C, &S, 100 + (uint32_t)a, 0, all + a, b);        /* overlaps */
        seg(&r, &C, &S, 100, 0, all, c);                          /* re-segmented retransmission */
        seg(&r, &C, &S, 100 + (uint32_t)c, 0, all + c, n - c);
        rig_end(&r);
        ok(methods_are(&r, "ACK BYE INFO "), "duplicates and overlaps give each message once");
        ok(r.t.retrans_bytes > 0, "retransmitted bytes counted");
        rig_fini(&r);
    }
    /* sequence wrap-around inside a message */
    {
        struct rig r;
        rig_init(&r);
        uint32_t start = 0xffffffffu - 40;
        seg(&r, &C, &S, start + 100, 0, all + 100, n - 100); /* arrives first, after the wrap */
        seg(&r, &C, &S, start, 0, all, 100);
        rig_end(&r);
        /* no SYN: the first segment seen starts the stream, so the earlier bytes are late */
        ok(r.st.nmsgs >= 2, "wrap-around: later messages decoded even when the start arrived late");
        rig_fini(&r);
        rig_init(&r);
        seg(&r, &C, &S, start - 1, TCP_SYN, "", 0);
        seg(&r, &C, &S, start + 100, 0, all + 100, n - 100);
        seg(&r, &C, &S, start, 0, all, 100);
        rig_end(&r);
        ok(methods_are(&r, "ACK BYE INFO "), "wrap-around with SYN: all messages in order");
        rig_fini(&r);
    }
    /* a hole: reported, the cut message shown flagged, later messages decoded */
    {
        struct rig r;
        rig_init(&r);
        seg(&r, &C, &S, 1, 0, all, L1 + 20);                    /* ACK + 20 bytes of BYE */
        seg(&r, &C, &S, 1 + (uint32_t)(L1 + L2), 0, all + L1 + L2, L3); /* INFO; BYE's rest missing */
        rig_end(&r);
        is_int(r.t.gaps, 1, "hole reported as one gap");
        is_int(r.t.gap_bytes, L2 - 20, "gap size");
        ok(r.st.nmsgs == 3 && (r.st.msgs[1].pkt_flags & PKT_GAP_CUT), "cut BYE shown, flagged");
        ok(r.st.nmsgs == 3 && r.st.msgs[2].method == SIP_M_INFO && (r.st.msgs[2].pkt_flags & PKT_AFTER_GAP),
           "message after the hole decoded and flagged");
        is_int(r.d.count[DIAG_TCP_GAP], 1, "gap in the diagnostics");
        rig_fini(&r);
    }
    /* keep-alives and junk */
    {
        struct rig r;
        rig_init(&r);
        seg(&r, &C, &S, 1, 0, "\r\n\r\n", 4);
        seg(&r, &C, &S, 5, 0, M1, L1);
        seg(&r, &C, &S, 5 + (uint32_t)L1, 0, "\r\n", 2);
        seg(&r, &C, &S, 7 + (uint32_t)L1, 0, "garbage line\r\n", 14);
        seg(&r, &C, &S, 21 + (uint32_t)L1, 0, M2, L2);
        rig_end(&r);
        ok(methods_are(&r, "ACK BYE "), "keep-alives skipped, junk skipped, framing resynchronised");
        ok(r.ss.keepalives >= 2, "keep-alives counted");
        ok(r.ss.junk_bytes >= 12, "junk bytes counted");
        rig_fini(&r);
    }
    /* capture starts mid-message */
    {
        struct rig r;
        rig_init(&r);
        seg(&r, &C, &S, 1, 0, M3 + 50, L3 - 50);
        seg(&r, &C, &S, 1 + (uint32_t)(L3 - 50), 0, M1, L1);
        rig_end(&r);
        ok(methods_are(&r, "ACK "), "mid-stream start: synchronise on the next start line");
        rig_fini(&r);
    }
    /* an incomplete message at the end of the capture */
    {
        struct rig r;
        rig_init(&r);
        seg(&r, &C, &S, 1, 0, M3, L3 - 10);
        rig_end(&r);
        ok(r.st.nmsgs == 1 && (r.st.msgs[0].pkt_flags & PKT_GAP_CUT), "message cut by the end shown, flagged");
        is_int(r.d.count[DIAG_TCP_INCOMPLETE], 1, "incomplete message reported");
        rig_fini(&r);
    }
    /* TLS */
    {
        struct rig r;
        rig_init(&r);
        const uint8_t tls[] = {0x17, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5};
        struct endpoint s5061 = S;
        s5061.port = 5061;
        seg(&r, &C, &s5061, 1, 0, tls, sizeof tls);
        seg(&r, &s5061, &C, 1, 0, tls, sizeof tls);
        rig_end(&r);
        ok(r.ss.nenc == 1 && r.ss.enc[0].sip_port, "TLS on 5061: one encrypted SIP flow for both directions");
        is_int(r.st.nmsgs, 0, "no SIP decoded from TLS");
        rig_fini(&r);
    }
    /* out-of-order data bounded per stream */
    {
        struct rig r;
        rig_init(&r);
        r.lim.tcp_stream_bytes = 4096;
        seg(&r, &C, &S, 1, 0, M1, 10);
        static uint8_t junk[1000];
        memset(junk, 'x', sizeof junk);
        for (uint32_t i = 0; i < 10; i++)
            seg(&r, &C, &S, 100000 + i * 1000, 0, junk, sizeof junk);
        ok(r.t.v[0].ooo_bytes <= 4096, "out-of-order bytes stay under tcp-stream-bytes");
        ok(r.d.nlimit >= 1, "limit hit reported");
        rig_end(&r);
        rig_fini(&r);
    }
    /* 10,000 half-open connections with a flow cap of 1,000 */
    {
        struct rig r;
        rig_init(&r);
        r.lim.tcp_flows = 1000;
        for (uint32_t i = 0; i < 10000; i++) {
            struct endpoint c = C;
            c.port = (uint16_t)(1024 + i % 60000);
            c.addr[2] = (uint8_t)(i / 60000);
            seg(&r, &c, &S, 1, 0, M1, 40); /* a message start that never completes */
        }
        ok(r.t.live <= 1000, "live streams bounded by tcp-flows");
        ok(r.t.evicted == 9000, "evictions counted");
        rig_end(&r);
        is_int(r.ss.cut_messages, 10000, "every partial message shown as cut, none lost silently");
        rig_fini(&r);
    }
    return tap_done();
}
