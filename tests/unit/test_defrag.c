/*
 * test_defrag.c - IPv4/IPv6 fragment reassembly through decode_frame() on
 * hand-built frames (RFC 791 §3.2, RFC 8200 §4.5): any arrival order,
 * duplicates, overlaps (same and conflicting bytes), missing fragments
 * reported with their byte ranges at decoder_finish(), the BPF hint,
 * capture-time expiry, the frag-datagrams / frag-bytes limits, IPv6 with
 * extension headers before and after the Fragment header, inner IP in a
 * tunnel, ICMP quotes left alone, snaplen-cut fragments, and every prefix
 * of every fragment frame (run under ASan in `make san`).
 */
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"
#include "src/decode.h"
#include "src/defrag.h"
#include "tests/unit/tap.h"

/* ---- the SIP message carried in the fragments --------------------------- */

static char sip[1400];
static size_t sip_len;

static void make_sip(void)
{
    size_t n = (size_t)snprintf(sip, sizeof sip,
                                "INVITE sip:bob@example.com SIP/2.0\r\n"
                                "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-frag\r\n"
                                "From: <sip:alice@example.com>;tag=a1\r\n"
                                "To: <sip:bob@example.com>\r\n"
                                "Call-ID: frag-test@192.0.2.1\r\n"
                                "CSeq: 1 INVITE\r\n"
                                "Content-Type: application/sdp\r\n"
                                "Content-Length: 900\r\n\r\n");
    while (n < 900 + 250)
        sip[n] = (char)('a' + n % 26), n++;
    sip_len = n;
}

/* UDP header + SIP: the datagram payload that gets fragmented. */
static uint8_t dgram[2048];
static size_t dgram_len;

static void make_dgram(void)
{
    size_t ul = 8 + sip_len;
    dgram[0] = 5060 >> 8; dgram[1] = 5060 & 0xff;
    dgram[2] = 5062 >> 8; dgram[3] = 5062 & 0xff;
    dgram[4] = (uint8_t)(ul >> 8); dgram[5] = (uint8_t)ul;
    dgram[6] = dgram[7] = 0;
    memcpy(dgram + 8, sip, sip_len);
    dgram_len = ul;
}

/* ---- frame builder (as in test_decode.c) -------------------------------- */

struct fb {
    uint8_t b[2048];
    size_t n;
};

static void put(struct fb *f, const void *p, size_t n)
{
    memcpy(f->b + f->n, p, n);
    f->n += n;
}
static void put8(struct fb *f, uint8_t v) { put(f, &v, 1); }
static void put16(struct fb *f, uint16_t v) { put8(f, (uint8_t)(v >> 8)); put8(f, (uint8_t)v); }
static void put32(struct fb *f, uint32_t v) { put16(f, (uint16_t)(v >> 16)); put16(f, (uint16_t)v); }

static void eth(struct fb *f, uint16_t et)
{
    uint8_t mac[12] = {0};
    put(f, mac, 12);
    put16(f, et);
}

/* IPv4 header for a fragment 192.0.2.a -> 192.0.2.b carrying len bytes */
static void ip4hdr(struct fb *f, uint8_t a, uint8_t b, uint16_t id, uint8_t proto, size_t off, size_t len, int more)
{
    put8(f, 0x45); put8(f, 0); put16(f, (uint16_t)(20 + len)); put16(f, id);
    put16(f, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
    put8(f, 64); put8(f, proto); put16(f, 0);
    uint8_t s[4] = {192, 0, 2, a}, d[4] = {192, 0, 2, b};
    put(f, s, 4); put(f, d, 4);
}

/* Ethernet + IPv4 fragment of `data` (the datagram payload) at [off, off+len). */
static void frag4(struct fb *f, uint16_t id, const uint8_t *data, size_t off, size_t len, int more)
{
    memset(f, 0, sizeof(*f));
    eth(f, 0x0800);
    ip4hdr(f, 1, 2, id, 17, off, len, more);
    put(f, data + off, len);
}

/* Ethernet + IPv6 fragment.  dst_before: a destination-options header in
 * the unfragmentable part; the fragmentable part is `data` as given
 * (first_nh names what it starts with). */
static void frag6(struct fb *f, uint32_t id, int dst_before, uint8_t first_nh, const uint8_t *data, size_t off,
                  size_t len, int more)
{
    memset(f, 0, sizeof(*f));
    eth(f, 0x86DD);
    put32(f, 0x60000000); put16(f, (uint16_t)((dst_before ? 8 : 0) + 8 + len)); put8(f, dst_before ? 60 : 44);
    put8(f, 64);
    uint8_t s[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, d[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    put(f, s, 16); put(f, d, 16);
    if (dst_before) { /* next = fragment, length 0 (8 bytes), PadN */
        put8(f, 44); put8(f, 0); put32(f, 0x01040000); put16(f, 0);
    }
    put8(f, first_nh); put8(f, 0); put16(f, (uint16_t)(off | (more ? 1 : 0))); put32(f, id);
    put(f, data + off, len);
}

/* ---- decoder harness ---------------------------------------------------- */

struct got {
    int n;
    struct pkt last;
    uint64_t frame_no;
    uint8_t data[4096];
};

static void deliver(void *ctx, const struct pkt *k)
{
    struct got *g = ctx;
    g->n++;
    g->last = *k;
    g->frame_no = k->frame->no;
    size_t n = k->len < sizeof g->data ? k->len : sizeof g->data;
    memcpy(g->data, k->payload, n);
    g->last.payload = g->data;
}

struct rig {
    struct limits lim;
    struct diag dg;
    struct decoder d;
    struct got g;
    char *log;
    size_t loglen;
    FILE *out;
};

static void rig_init(struct rig *r, const char *limit)
{
    memset(r, 0, sizeof(*r));
    r->lim = (struct limits)LIMITS_DEFAULT_INIT;
    if (limit && limits_set(&r->lim, limit) != 0)
        abort();
    diag_init(&r->dg, 2);
    r->out = open_memstream(&r->log, &r->loglen);
    r->dg.out = r->out;
    decoder_init(&r->d, &r->lim, &r->dg);
    r->d.ctx = &r->g;
    r->d.deliver = deliver;
}

/* Feed one frame at capture time ts_ms; caplen may cut it. */
static void feed_cut(struct rig *r, const struct fb *f, size_t caplen, int64_t ts_ms, uint64_t no)
{
    uint8_t *p = malloc(caplen ? caplen : 1); /* exact-size copy: ASan sees any overread */
    memcpy(p, f->b, caplen);
    struct frame fr = {.no = no, .ts = ts_ms * 1000000, .caplen = (uint32_t)caplen, .len = (uint32_t)f->n,
                       .dlt = DLT_EN10MB, .data = p};
    r->dg.frame = no;
    decode_frame(&r->d, &fr);
    r->dg.frame = 0;
    free(p);
}

static void feed(struct rig *r, const struct fb *f, int64_t ts_ms, uint64_t no)
{
    feed_cut(r, f, f->n, ts_ms, no);
}

static const char *rig_log(struct rig *r)
{
    fflush(r->out);
    return r->log ? r->log : "";
}

static void rig_fini(struct rig *r)
{
    decoder_fini(&r->d);
    fclose(r->out);
    free(r->log);
}

static int delivered_whole(const struct got *g)
{
    return g->n == 1 && g->last.len == sip_len && g->last.wire_len == sip_len &&
           memcmp(g->data, sip, sip_len) == 0 && g->last.src.port == 5060 && g->last.dst.port == 5062 &&
           (g->last.flags & PKT_REASSEMBLED) && !(g->last.flags & PKT_TRUNCATED);
}

/* The three IPv4 fragments of the datagram: [0,400) [400,800) [800,end). */
static void three4(struct fb f[3], uint16_t id)
{
    frag4(&f[0], id, dgram, 0, 400, 1);
    frag4(&f[1], id, dgram, 400, 400, 1);
    frag4(&f[2], id, dgram, 800, dgram_len - 800, 0);
}

static void order_test(const int order[3], const char *name)
{
    struct fb f[3];
    three4(f, 0x1234);
    struct rig r;
    rig_init(&r, NULL);
    for (int i = 0; i < 3; i++) {
        feed(&r, &f[order[i]], i, (uint64_t)i + 1);
        if (i < 2 && r.g.n)
            break;
    }
    ok(delivered_whole(&r.g), "%s: the SIP message is delivered once, whole, flagged reassembled", name);
    is_int(r.g.frame_no, 3, "reassembled datagram carries the frame that completed it");
    ok(r.g.last.src.family == 4 && r.g.last.src.addr[3] == 1 && r.g.last.dst.addr[3] == 2, "%s: addresses", name);
    is_int(r.d.fragments, 3, "three fragments counted");
    is_int(r.d.reassembled, 1, "one datagram reassembled");
    decoder_finish(&r.d);
    is_int(r.dg.count[DIAG_IP_FRAGMENT] + r.dg.count[DIAG_BAD_IP], 0, "nothing reported");
    is_int(r.d.frag_incomplete, 0, "nothing incomplete");
    rig_fini(&r);
}

/* Every prefix of fragment k (the others whole) decodes safely; a partial
 * delivery is flagged truncated. */
static int prefixes(struct fb *f, int nf, int k)
{
    int good = 1;
    for (size_t n = 0; n <= f[k].n; n++) {
        struct rig r;
        rig_init(&r, NULL);
        r.dg.verbosity = 0;
        for (int i = 0; i < nf; i++)
            feed_cut(&r, &f[i], i == k ? n : f[i].n, i, (uint64_t)i + 1);
        decoder_finish(&r.d);
        if (r.g.n > 1)
            good = 0;
        if (r.g.n == 1 && r.g.last.len < sip_len && !(r.g.last.flags & PKT_TRUNCATED))
            good = 0;
        if (r.g.n == 1 && r.g.last.len == sip_len && memcmp(r.g.data, sip, sip_len) != 0)
            good = 0;
        if (n == f[k].n && r.g.n != 1)
            good = 0;
        rig_fini(&r);
    }
    return good;
}

int main(void)
{
    make_sip();
    make_dgram();

    /* ---- arrival orders ---- */
    order_test((const int[3]){0, 1, 2}, "ipv4 in order");
    order_test((const int[3]){2, 1, 0}, "ipv4 reverse order");
    order_test((const int[3]){1, 2, 0}, "ipv4 shuffled");

    /* ---- duplicates ---- */
    {
        struct fb f[3];
        three4(f, 7);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f[0], 0, 1);
        feed(&r, &f[0], 0, 2);
        feed(&r, &f[1], 0, 3);
        feed(&r, &f[1], 0, 4);
        feed(&r, &f[2], 0, 5);
        feed(&r, &f[2], 0, 6); /* duplicate of a fragment of a completed datagram */
        decoder_finish(&r.d);
        ok(delivered_whole(&r.g), "duplicated fragments: delivered once");
        is_int(r.g.frame_no, 5, "duplicates: completed by frame 5");
        is_int(r.d.frag_duplicates, 3, "duplicates counted (two in flight, one after completion)");
        is_int(r.dg.count[DIAG_IP_FRAGMENT] + r.dg.count[DIAG_BAD_IP], 0, "duplicates are not anomalies");
        rig_fini(&r);
    }
    /* identification reused for different bytes after completion: a new datagram */
    {
        struct fb f[3], g0;
        three4(f, 8);
        uint8_t other[2048];
        memcpy(other, dgram, dgram_len);
        other[500] ^= 0xff;
        frag4(&g0, 8, other, 400, 400, 1);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f[0], 0, 1);
        feed(&r, &f[1], 0, 2);
        feed(&r, &f[2], 0, 3);
        feed(&r, &g0, 1, 4);
        is_int(defrag_pending(r.d.defrag), 1, "same id, different bytes after completion: a new datagram");
        decoder_finish(&r.d);
        is_int(r.d.frag_incomplete, 1, "the new datagram is reported incomplete at the end");
        rig_fini(&r);
    }

    /* ---- overlaps ---- */
    {
        struct fb a, b, c;
        frag4(&a, 9, dgram, 0, 408, 1); /* bytes 400-407 also in b */
        frag4(&b, 9, dgram, 400, 400, 1);
        frag4(&c, 9, dgram, 800, dgram_len - 800, 0);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &a, 0, 1);
        feed(&r, &b, 0, 2);
        feed(&r, &c, 0, 3);
        ok(delivered_whole(&r.g), "overlap with the same bytes: delivered whole");
        is_int(r.d.frag_overlaps, 1, "overlap counted");
        is_int(r.d.frag_conflicts, 0, "no conflict");
        is_int(r.dg.count[DIAG_BAD_IP], 1, "overlap reported");
        ok(strstr(rig_log(&r), "overlap: bytes 400-407 were already received (same bytes") != NULL,
           "overlap report names the bytes");
        ok(strstr(rig_log(&r), "conflicting") == NULL, "a same-bytes overlap is not called conflicting");
        rig_fini(&r);
    }
    {
        uint8_t evil[2048];
        memcpy(evil, dgram, dgram_len);
        memset(evil + 400, 'X', 8); /* differs from a's copy of 400-407 */
        struct fb a, b, c;
        frag4(&a, 10, dgram, 0, 408, 1);
        frag4(&b, 10, evil, 400, 400, 1);
        frag4(&c, 10, dgram, 800, dgram_len - 800, 0);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &a, 0, 1);
        feed(&r, &b, 0, 2);
        feed(&r, &c, 0, 3);
        ok(delivered_whole(&r.g), "conflicting overlap: the first copy of every byte is kept");
        is_int(r.d.frag_conflicts, 1, "conflicting overlap counted");
        is_int(r.d.frag_overlaps, 0, "not counted as a plain overlap");
        ok(strstr(rig_log(&r), "conflicting overlap: bytes 400-407 differ") != NULL,
           "conflicting overlap reported distinctly with its bytes");
        rig_fini(&r);
    }
    {   /* conflicting copy arrives first: it wins, still reported */
        uint8_t evil[2048];
        memcpy(evil, dgram, dgram_len);
        memset(evil + 400, 'X', 8);
        struct fb a, b, c;
        frag4(&a, 11, dgram, 0, 408, 1);
        frag4(&b, 11, evil, 400, 400, 1);
        frag4(&c, 11, dgram, 800, dgram_len - 800, 0);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &b, 0, 1);
        feed(&r, &a, 0, 2);
        feed(&r, &c, 0, 3);
        ok(r.g.n == 1 && r.g.last.len == sip_len && memcmp(r.g.data + 392, "XXXXXXXX", 8) == 0,
           "first copy wins whatever the offset order");
        is_int(r.d.frag_conflicts, 1, "conflict counted");
        rig_fini(&r);
    }

    /* ---- missing fragments ---- */
    {
        struct fb f[3];
        three4(f, 0x1234);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f[0], 0, 1);
        feed(&r, &f[2], 0, 2);
        is_int(r.g.n, 0, "missing middle fragment: nothing delivered");
        is_int(r.dg.count[DIAG_IP_FRAGMENT], 0, "not reported before the end");
        decoder_finish(&r.d);
        is_int(r.d.frag_incomplete, 1, "reported incomplete at decoder_finish");
        is_int(r.dg.count[DIAG_IP_FRAGMENT], 1, "one ip-fragment event");
        char want[160];
        snprintf(want, sizeof want,
                 "IPv4 datagram 192.0.2.1 -> 192.0.2.2 id 0x1234 proto UDP incomplete at end of input: "
                 "have bytes 0-399, 800-%zu of %zu, missing 400-799", dgram_len - 1, dgram_len);
        ok(strstr(rig_log(&r), want) != NULL, "report names the missing range");
        if (!strstr(rig_log(&r), want))
            printf("# log: %s\n", rig_log(&r));
        ok(strstr(rig_log(&r), "port 5060") == NULL, "no BPF hint when a later fragment arrived");
        is_int(defrag_pending(r.d.defrag), 0, "nothing left in flight");
        rig_fini(&r);
    }
    {
        struct fb f[3];
        three4(f, 0x1234);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f[0], 0, 1);
        decoder_finish(&r.d);
        ok(strstr(rig_log(&r), "id 0x1234 proto UDP incomplete at end of input: have bytes 0-399 of ?, missing the tail") !=
               NULL,
           "missing tail: 'of ?, missing the tail'");
        ok(strstr(rig_log(&r), "a capture filter such as 'port 5060'") != NULL, "only the first fragment: BPF hint");
        rig_fini(&r);
    }
    {
        struct fb f[3];
        three4(f, 0x1234);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f[1], 0, 1);
        feed(&r, &f[2], 0, 2);
        decoder_finish(&r.d);
        ok(strstr(rig_log(&r), "have bytes 400-") != NULL && strstr(rig_log(&r), "missing 0-399") != NULL,
           "missing head reported");
        ok(strstr(rig_log(&r), "port 5060") == NULL, "no BPF hint without the first fragment");
        rig_fini(&r);
    }

    /* ---- capture-time expiry ---- */
    {
        struct fb f[3], plain;
        three4(f, 0x55);
        memset(&plain, 0, sizeof plain);
        eth(&plain, 0x0806); /* ARP: any frame moves the clock */
        put32(&plain, 0);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f[0], 0, 1);
        feed(&r, &plain, 30000, 2); /* exactly the timeout: not older */
        is_int(defrag_pending(r.d.defrag), 1, "not expired at exactly the timeout");
        feed(&r, &plain, 30001, 3);
        is_int(defrag_pending(r.d.defrag), 0, "expired once older than frag-timeout-ms");
        is_int(r.d.frag_incomplete, 1, "expiry counted as incomplete");
        ok(strstr(rig_log(&r), "frame 3: IPv4 datagram 192.0.2.1 -> 192.0.2.2 id 0x0055 proto UDP incomplete after 30 s: "
                               "have bytes 0-399 of ?, missing the tail") != NULL,
           "expiry reported at the frame that moved the clock, with the ranges");
        feed(&r, &f[1], 30002, 4);
        feed(&r, &f[2], 30003, 5);
        is_int(r.g.n, 0, "late fragments do not complete an expired datagram");
        decoder_finish(&r.d);
        is_int(r.d.frag_incomplete, 2, "the late fragments form a second incomplete datagram");
        rig_fini(&r);
    }
    {
        struct fb f[3];
        three4(f, 0x56);
        struct rig r;
        rig_init(&r, "frag-timeout-ms=1500");
        feed(&r, &f[0], 0, 1);
        feed(&r, &f[1], 1000, 2);
        feed(&r, &f[2], 1499, 3);
        ok(delivered_whole(&r.g), "completed within a custom timeout");
        feed(&r, &f[0], 5000, 4);
        feed(&r, &f[1], 5000, 5);
        feed(&r, &f[2], 7000, 6);
        is_int(r.g.n, 1, "second copy: its first fragments expired before the last arrived");
        ok(strstr(rig_log(&r), "incomplete after 1500 ms") != NULL, "timeout given in ms when not whole seconds");
        decoder_finish(&r.d);
        rig_fini(&r);
    }

    /* ---- limits ---- */
    {
        struct fb a[3], b[3], c[3];
        three4(a, 1);
        three4(b, 2);
        three4(c, 3);
        struct rig r;
        rig_init(&r, "frag-datagrams=2");
        feed(&r, &a[0], 0, 1);
        feed(&r, &b[0], 0, 2);
        feed(&r, &c[0], 0, 3); /* third datagram: the oldest (id 1) goes */
        is_int(r.dg.count[DIAG_LIMIT], 1, "frag-datagrams limit hit once");
        ok(r.dg.nlimit == 1 && strcmp(r.dg.limit[0].name, "frag-datagrams") == 0 && r.dg.limit[0].hits == 1,
           "the limit is named frag-datagrams");
        is_int(r.d.frag_incomplete, 1, "the evicted datagram is reported incomplete");
        ok(strstr(rig_log(&r), "id 0x0001 proto UDP incomplete (evicted: limit frag-datagrams=2 reached)") != NULL,
           "eviction report names the datagram and the limit");
        for (int i = 1; i < 3; i++) {
            feed(&r, &b[i], 0, (uint64_t)(3 + i));
            feed(&r, &c[i], 0, (uint64_t)(5 + i));
        }
        is_int(r.g.n, 2, "the two datagrams kept complete");
        decoder_finish(&r.d);
        is_int(r.d.frag_incomplete, 1, "nothing else incomplete");
        rig_fini(&r);
    }
    {
        struct fb f[3];
        three4(f, 4);
        struct rig r;
        rig_init(&r, "frag-bytes=1000");
        feed(&r, &f[0], 0, 1);
        feed(&r, &f[1], 0, 2);
        feed(&r, &f[2], 0, 3);
        is_int(r.g.n, 0, "a datagram larger than frag-bytes is not delivered");
        ok(r.dg.nlimit == 1 && strcmp(r.dg.limit[0].name, "frag-bytes") == 0, "the frag-bytes limit is reported");
        ok(r.d.frag_incomplete >= 1, "and the datagram reported incomplete");
        decoder_finish(&r.d);
        rig_fini(&r);
    }

    /* ---- inconsistent lengths ---- */
    {
        struct fb a, b, c;
        frag4(&a, 12, dgram, 800, dgram_len - 800, 0);
        frag4(&b, 12, dgram, 400, 408, 0); /* a second "last" fragment ending elsewhere */
        frag4(&c, 12, dgram, 0, 400, 1);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &a, 0, 1);
        feed(&r, &b, 0, 2);
        feed(&r, &c, 0, 3);
        is_int(r.g.n, 0, "two last fragments disagreeing: nothing delivered");
        is_int(r.d.frag_invalid, 1, "datagram dropped as invalid");
        ok(strstr(rig_log(&r), "dropped: two last fragments give lengths") != NULL, "the reason is reported");
        decoder_finish(&r.d);
        is_int(r.d.frag_incomplete, 0, "a dropped datagram is not reported again at the end");
        is_int(r.dg.count[DIAG_IP_FRAGMENT], 1, "one event for the dropped datagram");
        rig_fini(&r);
    }
    {
        struct fb a;
        frag4(&a, 13, dgram, 0, 404, 1); /* non-last fragment not a multiple of 8 */
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &a, 0, 1);
        ok(strstr(rig_log(&r), "not a multiple of 8") != NULL, "odd-sized non-last fragment dropped");
        rig_fini(&r);
    }
    {
        struct fb a;
        memset(&a, 0, sizeof a);
        eth(&a, 0x0800);
        ip4hdr(&a, 1, 2, 14, 17, 65528, 16, 0);
        put(&a, dgram, 16);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &a, 0, 1);
        is_int(r.d.frag_invalid, 1, "datagram longer than 65535 bytes dropped");
        ok(strstr(rig_log(&r), "would be 65564 bytes, more than 65535") != NULL, "oversize reported with its length");
        rig_fini(&r);
    }

    /* ---- IPv6 ---- */
    {
        struct fb f[3];
        frag6(&f[0], 0xdeadbeef, 1, 17, dgram, 0, 400, 1);
        frag6(&f[1], 0xdeadbeef, 1, 17, dgram, 400, 400, 1);
        frag6(&f[2], 0xdeadbeef, 1, 17, dgram, 800, dgram_len - 800, 0);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f[2], 0, 1);
        feed(&r, &f[1], 0, 2);
        feed(&r, &f[0], 0, 3);
        ok(delivered_whole(&r.g), "ipv6 INVITE in reverse order, destination options before the fragment header");
        is_int(r.g.frame_no, 3, "ipv6: delivered with the completing frame");
        ok(r.g.last.src.family == 6 && r.g.last.src.addr[15] == 1 && r.g.last.dst.addr[15] == 2, "ipv6 addresses");
        decoder_finish(&r.d);
        is_int(r.dg.count[DIAG_IP_FRAGMENT] + r.dg.count[DIAG_BAD_IP], 0, "ipv6: nothing reported");
        rig_fini(&r);

        /* prefixes of every IPv6 fragment frame */
        int good = 1;
        for (int k = 0; k < 3; k++)
            good &= prefixes(f, 3, k);
        ok(good, "ipv6: every prefix of every fragment frame decodes safely");
    }
    {   /* destination options after the fragment header: walked after reassembly */
        uint8_t p6[2048];
        size_t n = 0;
        p6[n++] = 17; p6[n++] = 0; p6[n++] = 1; p6[n++] = 4; p6[n++] = 0; p6[n++] = 0; p6[n++] = 0; p6[n++] = 0;
        memcpy(p6 + n, dgram, dgram_len);
        n += dgram_len;
        struct fb f[2];
        frag6(&f[0], 77, 0, 60, p6, 0, 600, 1);
        frag6(&f[1], 77, 0, 44 /* ignored: only the first fragment's counts */, p6, 600, n - 600, 0);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f[1], 0, 1);
        feed(&r, &f[0], 0, 2);
        ok(delivered_whole(&r.g), "ipv6: extension header after the fragment header walked in the reassembled payload");
        rig_fini(&r);
    }
    {   /* only the first IPv6 fragment */
        struct fb f;
        frag6(&f, 0x01020304, 0, 17, dgram, 0, 400, 1);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f, 0, 1);
        decoder_finish(&r.d);
        ok(strstr(rig_log(&r), "IPv6 datagram 2001:db8::1 -> 2001:db8::2 id 0x01020304 proto UDP incomplete at end of "
                               "input: have bytes 0-399 of ?, missing the tail") != NULL,
           "ipv6 incomplete report");
        rig_fini(&r);
    }
    {   /* first IPv6 fragment missing: the protocol is unknown */
        struct fb f;
        frag6(&f, 5, 0, 17, dgram, 400, 400, 1);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f, 0, 1);
        decoder_finish(&r.d);
        ok(strstr(rig_log(&r), "id 0x00000005 proto ? incomplete") != NULL, "ipv6 without first fragment: proto ?");
        rig_fini(&r);
    }

    /* ---- tunnels and ICMP ---- */
    {   /* IP-in-IP: outer 198.51.100.1 -> .2, inner fragmented IPv4 */
        struct fb f[3];
        size_t offs[3] = {0, 400, 800}, lens[3] = {400, 400, dgram_len - 800};
        for (int i = 0; i < 3; i++) {
            memset(&f[i], 0, sizeof f[i]);
            eth(&f[i], 0x0800);
            put8(&f[i], 0x45); put8(&f[i], 0); put16(&f[i], (uint16_t)(20 + 20 + lens[i])); put16(&f[i], (uint16_t)(100 + i));
            put16(&f[i], 0); put8(&f[i], 64); put8(&f[i], 4); put16(&f[i], 0);
            put32(&f[i], 0xc6336401); put32(&f[i], 0xc6336402);
            ip4hdr(&f[i], 1, 2, 0x4242, 17, offs[i], lens[i], i < 2);
            put(&f[i], dgram + offs[i], lens[i]);
        }
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f[1], 0, 1);
        feed(&r, &f[2], 0, 2);
        feed(&r, &f[0], 0, 3);
        ok(delivered_whole(&r.g) && (r.g.last.flags & PKT_TUNNELLED) && r.g.last.src.addr[0] == 192,
           "inner fragments in an IP-in-IP tunnel are reassembled (inner addresses, tunnelled)");
        rig_fini(&r);
    }
    {   /* ICMP error quoting a fragment: not reassembled */
        struct fb f;
        memset(&f, 0, sizeof f);
        eth(&f, 0x0800);
        put8(&f, 0x45); put8(&f, 0); put16(&f, (uint16_t)(20 + 8 + 20 + 64)); put16(&f, 1); put16(&f, 0);
        put8(&f, 64); put8(&f, 1); put16(&f, 0); put32(&f, 0xc0000202); put32(&f, 0xc0000201);
        put8(&f, 3); put8(&f, 3); put16(&f, 0); put32(&f, 0);
        ip4hdr(&f, 1, 2, 0x99, 17, 0, 400, 1);
        put(&f, dgram, 64);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f, 0, 1);
        is_int(defrag_pending(r.d.defrag), 0, "a fragment quoted in ICMP is not reassembled");
        is_int(r.dg.count[DIAG_IP_FRAGMENT], 1, "and is reported as before");
        rig_fini(&r);
    }

    /* ---- snaplen ---- */
    {
        struct fb f[3];
        three4(f, 0x77);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f[0], 0, 1);
        feed(&r, &f[1], 0, 2);
        feed_cut(&r, &f[2], f[2].n - 100, 0, 3);
        ok(r.g.n == 1 && (r.g.last.flags & PKT_TRUNCATED) && (r.g.last.flags & PKT_REASSEMBLED) &&
               r.g.last.len == sip_len - 100 && r.g.last.wire_len == sip_len && memcmp(r.g.data, sip, sip_len - 100) == 0,
           "last fragment cut by snaplen: captured prefix delivered, flagged truncated");
        rig_fini(&r);
    }
    {
        struct fb f[3];
        three4(f, 0x78);
        struct rig r;
        rig_init(&r, NULL);
        feed(&r, &f[0], 0, 1);
        feed_cut(&r, &f[1], f[1].n - 50, 0, 2);
        feed(&r, &f[2], 0, 3);
        ok(r.g.n == 1 && (r.g.last.flags & PKT_TRUNCATED) && r.g.last.len == 400 - 8 + 350,
           "middle fragment cut: the prefix up to the hole is delivered, flagged truncated");
        rig_fini(&r);
    }

    /* ---- every prefix of every IPv4 fragment frame ---- */
    {
        struct fb f[3];
        three4(f, 0x99);
        int good = 1;
        for (int k = 0; k < 3; k++)
            good &= prefixes(f, 3, k);
        ok(good, "ipv4: every prefix of every fragment frame decodes safely");
    }
    /* a decoder without a reassembler still reports fragments */
    {
        struct fb f[3];
        three4(f, 0x9a);
        struct diag dg;
        diag_init(&dg, 0);
        struct decoder d = {0};
        struct got g;
        memset(&g, 0, sizeof g);
        d.diag = &dg;
        d.ctx = &g;
        d.deliver = deliver;
        for (int i = 0; i < 3; i++) {
            struct frame fr = {.no = 1, .caplen = (uint32_t)f[i].n, .len = (uint32_t)f[i].n, .dlt = DLT_EN10MB,
                               .data = f[i].b};
            decode_frame(&d, &fr);
        }
        ok(g.n == 0 && dg.count[DIAG_IP_FRAGMENT] == 3, "no reassembler: each fragment reported, none delivered");
    }
    return tap_done();
}
