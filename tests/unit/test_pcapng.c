/*
 * test_pcapng.c - the pcapng reader (src/pcapng.c) and the capture layer
 * around it (src/capture.c), on pcapng and pcap files built byte by byte
 * in memory and read through fmemopen() or a pipe:
 *   - both byte orders, two sections (of different byte orders) where the
 *     second resets the interface list, IDBs of different link types
 *     (EN10MB, LINUX_SLL, RAW) each with a UDP frame, if_tsresol 9, 6 and
 *     a power of 2, if_tsoffset, SPB, obsolete PB, NRB/ISB/custom blocks
 *     skipped (custom blocks numbered, as Wireshark does), unknown IDB
 *     options skipped;
 *   - malformed files: each rule of the block structure, a truncated last
 *     block, every truncation point of the file and single-byte mutations
 *     of every byte (run under ASan/UBSan in `make san`);
 *   - timestamp conversion, including overflow and saturation;
 *   - capture_run(): per-frame link types, BPF per link type, frames of an
 *     unsupported interface counted, non-seekable input (pipes) for pcap
 *     and pcapng, and duplicate frames across inputs and within one.
 */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/base/diag.h"
#include "src/base/util.h"
#include "src/capture.h"
#include "src/pcapng.h"
#include "tests/unit/tap.h"

/* ---- building files --------------------------------------------------- */

struct bld {
    uint8_t *p;
    size_t n, cap;
    int big;             /* byte order of what is written next */
    size_t start;        /* offset of the open block */
    size_t bound[64];    /* offsets where a block ends (test data only) */
    size_t nbound;
};

static void raw(struct bld *b, const void *d, size_t n)
{
    b->p = xgrow(b->p, &b->cap, b->n + n + 1, 1);
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void u8(struct bld *b, uint8_t v)
{
    raw(b, &v, 1);
}

static void u16(struct bld *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    if (!b->big) {
        x[0] = (uint8_t)v;
        x[1] = (uint8_t)(v >> 8);
    }
    raw(b, x, 2);
}

static void u32(struct bld *b, uint32_t v)
{
    if (b->big) {
        u16(b, (uint16_t)(v >> 16));
        u16(b, (uint16_t)v);
    } else {
        u16(b, (uint16_t)v);
        u16(b, (uint16_t)(v >> 16));
    }
}

static void u64(struct bld *b, uint64_t v)
{
    if (b->big) {
        u32(b, (uint32_t)(v >> 32));
        u32(b, (uint32_t)v);
    } else {
        u32(b, (uint32_t)v);
        u32(b, (uint32_t)(v >> 32));
    }
}

static void pad4(struct bld *b)
{
    while (b->n % 4)
        u8(b, 0);
}

static void begin(struct bld *b, uint32_t type)
{
    b->start = b->n;
    u32(b, type);
    u32(b, 0); /* patched by end() */
}

static void end(struct bld *b)
{
    pad4(b);
    uint32_t len = (uint32_t)(b->n - b->start + 4);
    u32(b, len);
    size_t save = b->n;
    b->n = b->start + 4;
    u32(b, len);
    b->n = save;
    if (b->nbound < sizeof b->bound / sizeof b->bound[0])
        b->bound[b->nbound++] = b->n;
}

static void shb(struct bld *b, int big)
{
    b->big = big;
    begin(b, 0x0A0D0D0A);
    u32(b, 0x1A2B3C4D);
    u16(b, 1);
    u16(b, 0);
    u64(b, UINT64_MAX); /* section length unknown */
    end(b);
}

/* IDB; tsresol < 0: no option; tsoffset != 0: if_tsoffset option. */
static void idb(struct bld *b, uint16_t lt, uint32_t snaplen, int tsresol, int64_t tsoffset, int comment)
{
    begin(b, 1);
    u16(b, lt);
    u16(b, 0);
    u32(b, snaplen);
    if (comment) { /* opt_comment, an option we skip */
        u16(b, 1);
        u16(b, 5);
        raw(b, "hello", 5);
        pad4(b);
    }
    if (tsresol >= 0) {
        u16(b, 9);
        u16(b, 1);
        u8(b, (uint8_t)tsresol);
        pad4(b);
    }
    if (tsoffset) {
        u16(b, 14);
        u16(b, 8);
        u64(b, (uint64_t)tsoffset);
    }
    if (comment || tsresol >= 0 || tsoffset) {
        u16(b, 0);
        u16(b, 0);
    }
    end(b);
}

static void epb(struct bld *b, uint32_t ifid, uint64_t ts, const uint8_t *d, uint32_t caplen, uint32_t len)
{
    begin(b, 6);
    u32(b, ifid);
    u32(b, (uint32_t)(ts >> 32));
    u32(b, (uint32_t)ts);
    u32(b, caplen);
    u32(b, len);
    raw(b, d, caplen);
    end(b);
}

static void pb(struct bld *b, uint16_t ifid, uint64_t ts, const uint8_t *d, uint32_t caplen, uint32_t len)
{
    begin(b, 2);
    u16(b, ifid);
    u16(b, 0); /* drops */
    u32(b, (uint32_t)(ts >> 32));
    u32(b, (uint32_t)ts);
    u32(b, caplen);
    u32(b, len);
    raw(b, d, caplen);
    end(b);
}

static void spb(struct bld *b, const uint8_t *d, uint32_t n, uint32_t len)
{
    begin(b, 3);
    u32(b, len);
    raw(b, d, n);
    end(b);
}

static void other(struct bld *b, uint32_t type, size_t body)
{
    begin(b, type);
    for (size_t i = 0; i < body; i++)
        u8(b, (uint8_t)i);
    end(b);
}

/* classic pcap, nanosecond magic, little-endian */
static void pcap_hdr(struct bld *b, uint32_t linktype)
{
    b->big = 0;
    u32(b, 0xa1b23c4d);
    u16(b, 2);
    u16(b, 4);
    u32(b, 0);
    u32(b, 0);
    u32(b, 262144);
    u32(b, linktype);
}

static void pcap_rec(struct bld *b, int64_t ts_ns, const uint8_t *d, uint32_t n)
{
    u32(b, (uint32_t)(ts_ns / 1000000000));
    u32(b, (uint32_t)(ts_ns % 1000000000));
    u32(b, n);
    u32(b, n);
    raw(b, d, n);
}

/* ---- frames ----------------------------------------------------------- */

struct fr {
    uint8_t d[128];
    uint32_t n;
};

/* IPv4/UDP 10.0.0.1:sport -> 10.0.0.2:dport carrying `msg`. */
static void ip_udp(struct fr *f, uint16_t sport, uint16_t dport, const char *msg)
{
    size_t ml = strlen(msg);
    uint8_t *p = f->d + f->n;
    uint16_t tot = (uint16_t)(28 + ml);
    const uint8_t ip[20] = {0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0, 1, 0, 0, 64, 17, 0, 0,
                            10, 0, 0, 1, 10, 0, 0, 2};
    memcpy(p, ip, 20);
    const uint8_t udp[8] = {(uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(dport >> 8), (uint8_t)dport,
                            (uint8_t)((8 + ml) >> 8), (uint8_t)(8 + ml), 0, 0};
    memcpy(p + 20, udp, 8);
    memcpy(p + 28, msg, ml);
    f->n += (uint32_t)(28 + ml);
}

static struct fr eth_frame(uint16_t sport, uint16_t dport, const char *msg)
{
    struct fr f = {.n = 14};
    const uint8_t eth[14] = {0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0x66, 0x77, 0x88, 0x99, 0xaa, 0x08, 0x00};
    memcpy(f.d, eth, 14);
    ip_udp(&f, sport, dport, msg);
    return f;
}

static struct fr sll_frame(uint16_t sport, uint16_t dport, const char *msg)
{
    struct fr f = {.n = 16};
    const uint8_t sll[16] = {0, 0, 0, 1, 0, 6, 0, 0x66, 0x77, 0x88, 0x99, 0xaa, 0, 0, 0x08, 0x00};
    memcpy(f.d, sll, 16);
    ip_udp(&f, sport, dport, msg);
    return f;
}

static struct fr raw_frame(uint16_t sport, uint16_t dport, const char *msg)
{
    struct fr f = {.n = 0};
    ip_udp(&f, sport, dport, msg);
    return f;
}

/* ---- reading with pcapng_next() --------------------------------------- */

struct got {
    int linktype, has_ts;
    int64_t ts;
    uint32_t caplen, len, ifid;
    uint64_t section, record;
    uint8_t d[128];
};

struct res {
    int n;           /* packets */
    struct got g[16];
    int rc;          /* last pcapng_next() value */
    int truncated;
    char err[256];
};

static int sticky_bad; /* calls after the end that did not repeat the last result */

/* Read `n` bytes of `p`, the first `npre` of them as the replayed prefix. */
static struct res read_mem(const uint8_t *p, size_t n, size_t npre)
{
    struct res r;
    memset(&r, 0, sizeof r);
    if (npre > n)
        npre = n;
    FILE *f = n - npre ? fmemopen((void *)(p + npre), n - npre, "rb") : fopen("/dev/null", "rb");
    if (!f) {
        r.rc = -2;
        return r;
    }
    struct pcapng_reader *rd = pcapng_open(f, p, npre);
    struct pcapng_packet pk;
    volatile unsigned sum = 0;
    while ((r.rc = pcapng_next(rd, &pk)) == 1) {
        for (uint32_t i = 0; i < pk.caplen; i++) /* touch every byte: ASan checks the bounds */
            sum += pk.data[i];
        if (r.n < 16) {
            struct got *g = &r.g[r.n];
            g->linktype = pk.linktype;
            g->has_ts = pk.has_ts;
            g->ts = pk.ts_ns;
            g->caplen = pk.caplen;
            g->len = pk.len;
            g->ifid = pk.iface->id;
            g->section = pk.iface->section;
            g->record = pk.record;
            memcpy(g->d, pk.data, pk.caplen < sizeof g->d ? pk.caplen : sizeof g->d);
        }
        r.n++;
    }
    (void)sum;
    if (pcapng_next(rd, &pk) != r.rc)
        sticky_bad++;
    r.truncated = pcapng_truncated(rd);
    snprintf(r.err, sizeof r.err, "%s", pcapng_error(rd));
    pcapng_close(rd);
    fclose(f);
    return r;
}

static int has(const char *s, const char *sub)
{
    return strstr(s, sub) != NULL;
}

/* ---- the main test file ------------------------------------------------ */

static const uint64_t T0_NS = 1700000000123456789ull;
static const uint64_t T1_US = 1700000001654321ull;
static const uint64_t T2_BIN = (1700000002ull << 10) + 512; /* 2^-10 s units: .5 s */
static const uint64_t T5_US = 1700000003000001ull;

static struct fr F_ETH, F_SLL, F_RAW, F_SPB;

/* Two sections: the first in byte order `big`, the second in the other. */
static void build_main(struct bld *b, int big)
{
    memset(b, 0, sizeof(*b));
    shb(b, big);
    idb(b, 1, 65535, 9, 0, 1);     /* if0 EN10MB, ns */
    idb(b, 113, 0, 6, 0, 0);       /* if1 LINUX_SLL, us (explicit) */
    idb(b, 101, 0, 0x8A, 0, 1);    /* if2 RAW, 2^-10 s */
    other(b, 4, 4);                /* NRB */
    epb(b, 0, T0_NS, F_ETH.d, F_ETH.n, F_ETH.n);
    epb(b, 1, T1_US, F_SLL.d, F_SLL.n, F_SLL.n + 100);
    other(b, 0x00000BAD, 12);      /* custom block */
    epb(b, 2, T2_BIN, F_RAW.d, F_RAW.n, F_RAW.n);
    spb(b, F_SPB.d, F_SPB.n, 1000); /* interface 0; original length larger than the data */
    other(b, 5, 8);                /* ISB */
    other(b, 0x12345678, 0);       /* unknown, empty body */
    pb(b, 1, T5_US, F_SLL.d, F_SLL.n, F_SLL.n);
    shb(b, !big);                  /* second section: interfaces start again at 0 */
    idb(b, 1, 0, -1, 100, 0);      /* if0 EN10MB, default us, +100 s */
    epb(b, 0, 5000000, F_ETH.d, F_ETH.n, F_ETH.n);
}

static void check_main(struct res r, const char *order)
{
    char name[128];
#define NAME(s) (snprintf(name, sizeof name, "%s: %s", order, s), name)
    is_int(r.rc, 0, NAME("clean end of file"));
    is_int(r.n, 6, NAME("6 packets"));
    if (r.n < 6)
        return;
    is_int(r.g[0].linktype, 1, NAME("EPB on if0: EN10MB"));
    is_int(r.g[0].ts, (int64_t)T0_NS, NAME("EPB on if0: if_tsresol 9 (ns) kept exact"));
    is_int(r.g[0].caplen, F_ETH.n, NAME("EPB on if0: caplen"));
    ok(memcmp(r.g[0].d, F_ETH.d, F_ETH.n) == 0, "%s", NAME("EPB on if0: bytes"));
    is_int(r.g[1].linktype, 113, NAME("EPB on if1: LINUX_SLL"));
    is_int(r.g[1].ts, (int64_t)T1_US * 1000, NAME("EPB on if1: if_tsresol 6 (us)"));
    is_int(r.g[1].len, F_SLL.n + 100, NAME("EPB on if1: original length"));
    ok(memcmp(r.g[1].d, F_SLL.d, F_SLL.n) == 0, "%s", NAME("EPB on if1: bytes"));
    is_int(r.g[1].ifid, 1, NAME("EPB on if1: interface id"));
    is_int(r.g[2].linktype, 101, NAME("EPB on if2: LINKTYPE_RAW as stored"));
    is_int(r.g[2].ts, 1700000002500000000ll, NAME("EPB on if2: if_tsresol 2^-10"));
    is_int(r.g[3].has_ts, 0, NAME("SPB: no timestamp"));
    is_int(r.g[3].ifid, 0, NAME("SPB: interface 0"));
    is_int(r.g[3].caplen, F_SPB.n, NAME("SPB: caplen = room in the block"));
    is_int(r.g[3].len, 1000, NAME("SPB: original length"));
    is_int(r.g[4].linktype, 113, NAME("obsolete PB on if1"));
    is_int(r.g[4].ts, (int64_t)T5_US * 1000, NAME("obsolete PB: timestamp"));
    is_int(r.g[4].has_ts, 1, NAME("obsolete PB: has a timestamp"));
    is_int(r.g[5].section, 2, NAME("second section"));
    is_int(r.g[5].ifid, 0, NAME("second section: interface ids restart"));
    is_int(r.g[5].linktype, 1, NAME("second section: its own if0"));
    is_int(r.g[5].ts, 105000000000ll, NAME("second section: if_tsoffset applied, default us"));
    ok(r.g[0].record == 1 && r.g[1].record == 2 && r.g[2].record == 4 && r.g[3].record == 5 && r.g[4].record == 6 &&
           r.g[5].record == 7,
       "%s", NAME("record numbers as Wireshark's: the custom block takes number 3, other blocks none"));
#undef NAME
}

static void test_main_file(void)
{
    struct bld b;
    for (int big = 0; big <= 1; big++) {
        build_main(&b, big);
        check_main(read_mem(b.p, b.n, 0), big ? "big-endian first" : "little-endian first");
        check_main(read_mem(b.p, b.n, 4), big ? "BE, magic replayed" : "LE, magic replayed");
        free(b.p);
    }
}

/* Every prefix of the file: packets of complete blocks are delivered,
 * then a clean end exactly at a block boundary, "truncated" elsewhere. */
static void test_truncation_points(void)
{
    struct bld b;
    build_main(&b, 0);
    /* packets complete once the block ending at bound[k] is in */
    static const int pkts_after[] = {0, 0, 0, 0, 0, 1, 2, 2, 3, 4, 4, 4, 5, 5, 5, 6};
    is_int(b.nbound, sizeof pkts_after / sizeof pkts_after[0], "main file: block count");
    int bad = 0;
    for (size_t k = 0; k <= b.n; k++) {
        struct res r = read_mem(b.p, k, k & 1 ? 4 : 0);
        int want = 0, at_bound = k == 0;
        for (size_t j = 0; j < b.nbound; j++) {
            if (b.bound[j] <= k)
                want = pkts_after[j];
            if (b.bound[j] == k)
                at_bound = 1;
        }
        int good = r.n == want && (at_bound ? r.rc == 0 : (r.rc == -1 && r.truncated && has(r.err, "truncated")));
        if (!good && bad++ < 5)
            printf("# prefix %zu: %d packets (want %d), rc %d, truncated %d, '%s'\n", k, r.n, want, r.rc,
                   r.truncated, r.err);
    }
    ok(!bad, "all %zu prefixes: packets before the cut delivered, then clean end or truncated", b.n + 1);
    /* a truncated last block, the case a capture being written produces */
    struct res r = read_mem(b.p, b.n - 6, 0);
    ok(r.n == 5 && r.rc == -1 && r.truncated && has(r.err, "truncated"),
       "truncated last block: 5 packets then '%s'", r.err);
    free(b.p);
}

/* Every byte of the file mutated a few ways: no out-of-bounds access (ASan),
 * always terminates, never more packets than blocks. */
static void test_mutations(void)
{
    struct bld b;
    build_main(&b, 1);
    uint8_t *m = xmalloc(b.n);
    int bad = 0;
    unsigned runs = 0;
    for (size_t i = 0; i < b.n; i++) {
        const uint8_t vals[] = {0x00, 0xff, (uint8_t)(b.p[i] ^ 0x01), (uint8_t)(b.p[i] ^ 0x80),
                                (uint8_t)(b.p[i] + 4), (uint8_t)(b.p[i] - 4)};
        for (size_t v = 0; v < sizeof vals; v++) {
            memcpy(m, b.p, b.n);
            m[i] = vals[v];
            struct res r = read_mem(m, b.n, 0);
            runs++;
            if (r.n > 6 || (r.rc != 0 && r.rc != -1) || (r.rc == -1 && !r.err[0]))
                bad++;
        }
    }
    ok(!bad, "%u single-byte mutations: bounded results, errors explained", runs);
    free(m);
    free(b.p);
}

static void test_bad_blocks(void)
{
    struct bld b;
    struct res r;

    memset(&b, 0, sizeof b);
    shb(&b, 0);
    idb(&b, 1, 0, -1, 0, 0);
    epb(&b, 0, 1, F_ETH.d, F_ETH.n, F_ETH.n);
    size_t good = b.n;
    epb(&b, 0, 2, F_ETH.d, F_ETH.n, F_ETH.n);
    size_t last = good; /* offset of the last block */

    uint8_t *m = xmalloc(b.n);
#define MUT(off, val, what, want_sub)                                                              \
    do {                                                                                           \
        memcpy(m, b.p, b.n);                                                                       \
        m[off] = (val);                                                                            \
        r = read_mem(m, b.n, 0);                                                                   \
        ok(r.n == 1 && r.rc == -1 && has(r.err, want_sub), "%s: 1 packet then '%s'", what, r.err); \
    } while (0)
    MUT(last + 4, (uint8_t)(b.p[last + 4] + 1), "length not a multiple of 4", "multiple of 4");
    MUT(last + 4, 8, "length below 12", "at least 12");
    MUT(last + 7, 0x20, "length above the maximum", "at most");
    MUT(b.n - 4, (uint8_t)(b.p[b.n - 4] + 4), "trailing length differs", "trailing copy");
    MUT(last + 8, 3, "interface id not defined", "interface 3 is not defined");
    MUT(last + 20, 0xff, "captured length beyond the block", "exceeds the block");
#undef MUT
    free(m);

    /* SHB faults */
    memcpy(b.p + 8, "\x01\x02\x03\x04", 4);
    r = read_mem(b.p, b.n, 0);
    ok(r.n == 0 && r.rc == -1 && has(r.err, "byte-order magic"), "bad byte-order magic: '%s'", r.err);
    free(b.p);

    memset(&b, 0, sizeof b);
    shb(&b, 0);
    b.p[12] = 2; /* major version 2 */
    r = read_mem(b.p, b.n, 0);
    ok(r.rc == -1 && has(r.err, "version 2.0"), "unsupported version: '%s'", r.err);
    free(b.p);

    memset(&b, 0, sizeof b);
    idb(&b, 1, 0, -1, 0, 0);
    r = read_mem(b.p, b.n, 0);
    ok(r.rc == -1 && has(r.err, "Section Header"), "not starting with an SHB: '%s'", r.err);
    free(b.p);

    /* an SHB shorter than its fixed fields */
    memset(&b, 0, sizeof b);
    b.big = 0;
    begin(&b, 0x0A0D0D0A);
    u32(&b, 0x1A2B3C4D);
    end(&b);
    r = read_mem(b.p, b.n, 0);
    ok(r.rc == -1 && has(r.err, "minimum"), "short SHB: '%s'", r.err);
    free(b.p);

    /* packet before any IDB; SPB without interface 0 */
    memset(&b, 0, sizeof b);
    shb(&b, 1);
    epb(&b, 0, 1, F_ETH.d, F_ETH.n, F_ETH.n);
    r = read_mem(b.p, b.n, 0);
    ok(r.rc == -1 && has(r.err, "interface 0 is not defined"), "EPB before any IDB: '%s'", r.err);
    free(b.p);
    memset(&b, 0, sizeof b);
    shb(&b, 0);
    spb(&b, F_ETH.d, F_ETH.n, F_ETH.n);
    r = read_mem(b.p, b.n, 0);
    ok(r.rc == -1 && has(r.err, "not defined"), "SPB without interface 0: '%s'", r.err);
    free(b.p);

    /* the second section does not inherit the first one's interfaces */
    memset(&b, 0, sizeof b);
    shb(&b, 0);
    idb(&b, 1, 0, -1, 0, 0);
    idb(&b, 113, 0, -1, 0, 0);
    epb(&b, 1, 1, F_SLL.d, F_SLL.n, F_SLL.n);
    shb(&b, 0);
    idb(&b, 1, 0, -1, 0, 0);
    epb(&b, 1, 2, F_SLL.d, F_SLL.n, F_SLL.n);
    r = read_mem(b.p, b.n, 0);
    ok(r.n == 1 && r.rc == -1 && has(r.err, "interface 1 is not defined"), "SHB resets the interfaces: '%s'",
       r.err);
    free(b.p);

    /* SPB capped by the interface snaplen; short IDB/EPB bodies */
    memset(&b, 0, sizeof b);
    shb(&b, 0);
    idb(&b, 1, 20, -1, 0, 0);
    spb(&b, F_ETH.d, F_ETH.n, F_ETH.n);
    r = read_mem(b.p, b.n, 0);
    ok(r.n == 1 && r.g[0].caplen == 20 && r.g[0].len == F_ETH.n, "SPB: caplen = min(len, snaplen, room)");
    other(&b, 1, 4);
    r = read_mem(b.p, b.n, 0);
    ok(r.n == 1 && r.rc == -1 && has(r.err, "too short"), "IDB too short: '%s'", r.err);
    free(b.p);

    /* a lying block length in a tiny file: truncated, no big allocation needed */
    memset(&b, 0, sizeof b);
    shb(&b, 0);
    b.big = 0;
    u32(&b, 6);
    u32(&b, 200u << 20);
    u32(&b, 0);
    r = read_mem(b.p, b.n, 0);
    ok(r.rc == -1 && r.truncated, "block claiming 200 MiB in a tiny file: '%s'", r.err);
    free(b.p);

    /* malformed IDB options lose the options, not the interface */
    memset(&b, 0, sizeof b);
    shb(&b, 0);
    begin(&b, 1);
    u16(&b, 1);
    u16(&b, 0);
    u32(&b, 0);
    u16(&b, 9);
    u16(&b, 200); /* if_tsresol claiming 200 bytes */
    u32(&b, 0);
    end(&b);
    epb(&b, 0, 7, F_ETH.d, F_ETH.n, F_ETH.n);
    r = read_mem(b.p, b.n, 0);
    ok(r.n == 1 && r.rc == 0 && r.g[0].ts == 7000, "overlong option ignored, default us kept");
    free(b.p);

    /* empty input */
    r = read_mem((const uint8_t *)"", 0, 0);
    ok(r.rc == 0 && r.n == 0, "empty stream: clean end");
}

static void test_ts(void)
{
    is_int(pcapng_ts_to_ns(1500000, 6, 0), 1500000000, "ts: us");
    is_int(pcapng_ts_to_ns(1500000000, 9, 0), 1500000000, "ts: ns");
    is_int(pcapng_ts_to_ns(1500, 3, 0), 1500000000, "ts: ms");
    is_int(pcapng_ts_to_ns(3, 0, 0), 3000000000, "ts: s");
    is_int(pcapng_ts_to_ns(1500000000123ull, 12, 0), 1500000000, "ts: ps truncated to ns");
    is_int(pcapng_ts_to_ns(UINT64_MAX, 19, 0), 1844674407ll, "ts: 10^-19, largest raw");
    is_int(pcapng_ts_to_ns(UINT64_MAX, 20, 0), 184467440ll, "ts: 10^-20, units beyond 2^64");
    is_int(pcapng_ts_to_ns(UINT64_MAX, 127, 0), 0, "ts: 10^-127");
    is_int(pcapng_ts_to_ns(5, 0x80, 0), 5000000000ll, "ts: 2^0");
    is_int(pcapng_ts_to_ns(3, 0x81, 0), 1500000000, "ts: 2^-1");
    is_int(pcapng_ts_to_ns((7ull << 32) | 0x80000000u, 0xA0, 0), 7500000000ll, "ts: 2^-32");
    is_int(pcapng_ts_to_ns((9ull << 40) | (1ull << 39), 0xA8, 0), 9500000000ll, "ts: 2^-40 (split multiply)");
    is_int(pcapng_ts_to_ns(1ull << 63, 0xC0, 0), 500000000, "ts: 2^-64");
    is_int(pcapng_ts_to_ns(UINT64_MAX, 0xFF, 0), 0, "ts: 2^-127");
    is_int(pcapng_ts_to_ns(UINT64_MAX, 0x80, 0), INT64_MAX, "ts: 2^64 s saturates");
    is_int(pcapng_ts_to_ns(UINT64_MAX, 0, 0), INT64_MAX, "ts: huge seconds saturate");
    is_int(pcapng_ts_to_ns(1000000, 6, -10), -9000000000ll, "ts: negative offset");
    is_int(pcapng_ts_to_ns(1000000, 6, INT64_MAX), INT64_MAX, "ts: offset overflow saturates");
    is_int(pcapng_ts_to_ns(0, 6, INT64_MIN), INT64_MIN, "ts: offset underflow saturates");
    is_int(pcapng_ts_to_ns(9223372035ull, 0, 0), 9223372035000000000ll, "ts: largest exact second");
}

/* ---- capture_run ------------------------------------------------------ */

struct seen {
    int n;
    uint32_t file[32];
    uint64_t no[32];
    int64_t ts[32];
    int dlt[32];
};

static void on_frame(void *ctx, const struct frame *f)
{
    struct seen *s = ctx;
    if (s->n < 32) {
        s->file[s->n] = f->file;
        s->no[s->n] = f->no;
        s->ts[s->n] = f->ts;
        s->dlt[s->n] = f->dlt;
    }
    s->n++;
}

struct run {
    struct seen s;
    struct diag d;
    struct capture_file_info info[4];
    int failed;
};

/* Run capture_run over in-memory files (a NULL pointer ends the list). */
static void run_mem(struct run *r, const char *filter, struct bld *const *files, int nfiles)
{
    memset(r, 0, sizeof(*r));
    diag_init(&r->d, 0);
    struct capture_input in[4];
    for (int i = 0; i < nfiles; i++) {
        in[i].name = "mem";
        in[i].fp = fmemopen(files[i]->p, files[i]->n, "rb");
    }
    struct capture_opts o = {.filter = filter};
    r->failed = capture_run(in, nfiles, &o, &r->d, r->info, on_frame, &r->s);
}

static void test_capture_mixed(void)
{
    struct bld b;
    memset(&b, 0, sizeof b);
    shb(&b, 0);
    idb(&b, 1, 0, 9, 0, 0);
    idb(&b, 113, 0, 9, 0, 0);
    idb(&b, 101, 0, 9, 0, 0);
    idb(&b, 147, 0, 9, 0, 0); /* USER0: not supported */
    struct fr e1 = eth_frame(5060, 5060, "A"), s1 = sll_frame(5060, 5061, "B"), e2 = eth_frame(9999, 9998, "C"),
              s2 = sll_frame(9999, 9998, "D"), r1 = raw_frame(5062, 5060, "E");
    epb(&b, 0, 1000, e1.d, e1.n, e1.n);
    epb(&b, 1, 2000, s1.d, s1.n, s1.n);
    epb(&b, 3, 2500, e1.d, e1.n, e1.n);
    epb(&b, 0, 3000, e2.d, e2.n, e2.n);
    epb(&b, 1, 4000, s2.d, s2.n, s2.n);
    epb(&b, 3, 4500, e2.d, e2.n, e2.n);
    epb(&b, 2, 5000, r1.d, r1.n, r1.n);
    struct bld *files[] = {&b};
    struct run r;

    run_mem(&r, NULL, files, 1);
    is_int(r.failed, 0, "mixed: no failure");
    is_int(r.s.n, 5, "mixed: 5 frames of supported interfaces delivered");
    ok(r.s.dlt[0] == DLT_EN10MB && r.s.dlt[1] == DLT_LINUX_SLL && r.s.dlt[4] == DLT_RAW,
       "mixed: each frame carries its interface's link type (LINKTYPE_RAW -> DLT_RAW)");
    ok(r.s.no[2] == 4 && r.s.no[4] == 7, "mixed: frame numbers count every frame of the file");
    is_int(r.s.ts[1], 2000, "mixed: timestamps in ns");
    is_int(r.d.count[DIAG_LINKTYPE], 2, "mixed: unsupported interface counted per frame");
    is_int(r.d.printed[DIAG_LINKTYPE], 0, "mixed: (quiet)");
    ok(r.info[0].dlt == DLT_EN10MB && r.info[0].dlt_name && strcmp(r.info[0].dlt_name, "EN10MB") == 0,
       "mixed: file link type is the first interface's");

    run_mem(&r, "udp port 5060", files, 1);
    is_int(r.s.n, 3, "filter: 3 frames on port 5060 (EN10MB, SLL and RAW programs)");
    ok(r.s.no[0] == 1 && r.s.no[1] == 2 && r.s.no[2] == 7, "filter: frame numbers unchanged by the filter");
    is_int(r.failed, 0, "filter: compiles for every link type");

    run_mem(&r, "ether host 00:11:22:33:44:55", files, 1);
    is_int(r.s.n, 2, "filter valid on Ethernet only: Ethernet frames matched");
    ok(r.failed == 1 && r.info[0].error, "filter invalid for a link type: the file is marked failed");

    run_mem(&r, "udp port (", files, 1);
    ok(r.s.n == 0 && r.failed == 1, "bad filter: nothing delivered, failure");

    /* truncated pcapng through capture_run */
    b.n -= 5;
    run_mem(&r, NULL, files, 1);
    ok(r.s.n == 4 && r.failed == 1 && r.info[0].truncated && r.d.count[DIAG_PCAP_ERROR] == 1,
       "truncated pcapng: frames before it, truncated flag, one pcap-error");
    free(b.p);
}

/* Input through a pipe: not seekable, the peeked magic must be replayed. */
static void run_pipe(struct run *r, const struct bld *b)
{
    memset(r, 0, sizeof(*r));
    diag_init(&r->d, 0);
    int fd[2];
    if (pipe(fd) != 0 || write(fd[1], b->p, b->n) != (ssize_t)b->n) {
        ok(0, "pipe");
        return;
    }
    close(fd[1]);
    struct capture_input in = {"pipe", fdopen(fd[0], "rb")};
    struct capture_opts o = {0};
    r->failed = capture_run(&in, 1, &o, &r->d, r->info, on_frame, &r->s);
}

static void test_pipes(void)
{
    struct fr e1 = eth_frame(5060, 5060, "A"), e2 = eth_frame(5060, 5060, "B");
    struct bld p, n;
    memset(&p, 0, sizeof p);
    pcap_hdr(&p, 1);
    pcap_rec(&p, 1000000001, e1.d, e1.n);
    pcap_rec(&p, 1000000002, e2.d, e2.n);
    memset(&n, 0, sizeof n);
    shb(&n, 1);
    idb(&n, 1, 0, 9, 0, 0);
    epb(&n, 0, 1000000001, e1.d, e1.n, e1.n);
    epb(&n, 0, 1000000002, e2.d, e2.n, e2.n);
    struct run r;
    run_pipe(&r, &p);
    ok(r.s.n == 2 && r.failed == 0 && r.s.ts[1] == 1000000002, "pcap through a pipe (prefix replayed)");
    run_pipe(&r, &n);
    ok(r.s.n == 2 && r.failed == 0 && r.s.ts[1] == 1000000002, "pcapng through a pipe");
    struct bld tiny = {.p = (uint8_t *)"\xd4\xc3", .n = 2};
    run_pipe(&r, &tiny);
    ok(r.s.n == 0 && r.failed == 1, "2-byte pipe: reported as a failure");
    free(p.p);
    free(n.p);
}

static void test_duplicates(void)
{
    struct fr f[6];
    for (int i = 0; i < 6; i++) {
        char msg[16];
        snprintf(msg, sizeof msg, "m%d", i);
        f[i] = eth_frame(5060, 5060, msg);
    }
    struct bld a, ng, b2, one;
    memset(&a, 0, sizeof a);
    pcap_hdr(&a, 1);
    for (int i = 0; i < 5; i++)
        pcap_rec(&a, 1000000000ll * (i + 1), f[i].d, f[i].n);
    memset(&ng, 0, sizeof ng); /* the same frames as pcapng */
    shb(&ng, 0);
    idb(&ng, 1, 0, 9, 0, 0);
    for (int i = 0; i < 5; i++)
        epb(&ng, 0, 1000000000ull * (uint64_t)(i + 1), f[i].d, f[i].n, f[i].n);
    memset(&b2, 0, sizeof b2); /* overlaps a on frames 3..5, then one more */
    pcap_hdr(&b2, 1);
    for (int i = 2; i < 6; i++)
        pcap_rec(&b2, 1000000000ll * (i + 1), f[i].d, f[i].n);
    struct run r;

    struct bld *twice[] = {&a, &a};
    run_mem(&r, NULL, twice, 2);
    ok(r.s.n == 5 && r.info[0].frames == 5 && r.info[1].frames == 0 && r.info[1].duplicates == 5 &&
           r.info[0].duplicates == 0 && r.d.count[DIAG_DUPLICATE] == 5,
       "same file twice: each frame once, the second copy's 5 frames counted as duplicates");

    struct bld *cross[] = {&ng, &a};
    run_mem(&r, NULL, cross, 2);
    ok(r.s.n == 5 && r.info[1].duplicates == 5 && r.s.file[4] == 0,
       "pcapng and pcap of the same frames: duplicates across formats");

    struct bld *overlap[] = {&a, &b2};
    run_mem(&r, NULL, overlap, 2);
    ok(r.s.n == 6 && r.info[1].duplicates == 3 && r.info[1].frames == 1 && r.s.no[5] == 4,
       "overlapping files: 3 duplicates, the new frame delivered with its own number");

    /* one input: X X X Y X (same ts), Z(t2) Z(t3), W W at another ts */
    memset(&one, 0, sizeof one);
    pcap_hdr(&one, 1);
    pcap_rec(&one, 5, f[0].d, f[0].n);
    pcap_rec(&one, 5, f[0].d, f[0].n);
    pcap_rec(&one, 5, f[0].d, f[0].n);
    pcap_rec(&one, 5, f[1].d, f[1].n);
    pcap_rec(&one, 5, f[0].d, f[0].n);
    pcap_rec(&one, 6, f[2].d, f[2].n);
    pcap_rec(&one, 7, f[2].d, f[2].n);
    pcap_rec(&one, 8, f[3].d, f[3].n);
    pcap_rec(&one, 8, f[3].d, f[3].n);
    struct bld *single[] = {&one};
    run_mem(&r, NULL, single, 1);
    ok(r.s.n == 6 && r.info[0].duplicates == 3, "one input: consecutive identical frames with the same ts "
                                                 "are duplicates (%d delivered, %llu duplicates)",
       r.s.n, (unsigned long long)r.info[0].duplicates);
    ok(r.s.no[0] == 1 && r.s.no[1] == 4 && r.s.no[2] == 5 && r.s.no[3] == 6 && r.s.no[4] == 7 && r.s.no[5] == 8,
       "one input: non-consecutive repeat and same bytes at another ts kept");

    /* Simple Packet Blocks have no timestamp: never duplicates */
    struct bld s;
    memset(&s, 0, sizeof s);
    shb(&s, 0);
    idb(&s, 1, 0, -1, 0, 0);
    spb(&s, f[0].d, f[0].n, f[0].n);
    spb(&s, f[0].d, f[0].n, f[0].n);
    struct bld *spbs[] = {&s};
    run_mem(&r, NULL, spbs, 1);
    ok(r.s.n == 2 && r.info[0].duplicates == 0, "identical SPBs (no timestamp) are not duplicates");

    /* same bytes and ts on interfaces of different link types: not duplicates */
    struct bld two;
    memset(&two, 0, sizeof two);
    shb(&two, 0);
    idb(&two, 1, 0, 9, 0, 0);
    idb(&two, 101, 0, 9, 0, 0);
    epb(&two, 0, 9, f[0].d, f[0].n, f[0].n);
    epb(&two, 1, 9, f[0].d, f[0].n, f[0].n);
    struct bld *twos[] = {&two};
    run_mem(&r, NULL, twos, 1);
    ok(r.s.n == 2 && r.info[0].duplicates == 0, "same bytes on two link types: not duplicates");

    /* -c counts delivered frames, not duplicates */
    memset(&r, 0, sizeof r);
    diag_init(&r.d, 0);
    struct capture_input in[2] = {{"a", fmemopen(a.p, a.n, "rb")}, {"b", fmemopen(a.p, a.n, "rb")}};
    struct capture_opts o = {.max_frames = 3};
    capture_run(in, 2, &o, &r.d, r.info, on_frame, &r.s);
    ok(r.s.n == 3 && r.s.no[2] == 3, "-c 3 with a duplicate input: 3 distinct frames");

    free(a.p);
    free(ng.p);
    free(b2.p);
    free(one.p);
    free(s.p);
    free(two.p);
}

int main(void)
{
    F_ETH = eth_frame(5060, 5060, "INVITE");
    F_SLL = sll_frame(5061, 5060, "BYE");
    F_RAW = raw_frame(5062, 5060, "ACK");
    F_SPB = eth_frame(5060, 5063, "OPTIONS1"); /* 14 + 28 + 8 = 50 bytes: padded to 52 */
    F_SPB.n = 44; /* a multiple of 4: the room in the block is exactly the data */
    test_main_file();
    test_truncation_points();
    test_mutations();
    test_bad_blocks();
    test_ts();
    test_capture_mixed();
    test_pipes();
    test_duplicates();
    is_int(sticky_bad, 0, "pcapng_next() after the end repeats its last result (every read above)");
    return tap_done();
}
