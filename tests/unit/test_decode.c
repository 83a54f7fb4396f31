/*
 * test_decode.c - link/tunnel/IP/UDP decoding on hand-built frames:
 * every supported link type and encapsulation delivers the inner UDP
 * payload with the inner addresses; every prefix of every frame decodes
 * without reading out of bounds (run under ASan in `make san`).
 */
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"
#include "src/decode.h"
#include "tests/unit/tap.h"

static const char PAYLOAD[] = "OPTIONS sip:x SIP/2.0\r\n\r\n";

struct got {
    int n;
    struct pkt last;
    uint8_t data[256];
};

static void deliver(void *ctx, const struct pkt *k)
{
    struct got *g = ctx;
    g->n++;
    g->last = *k;
    size_t n = k->len < sizeof g->data ? k->len : sizeof g->data;
    memcpy(g->data, k->payload, n);
}

struct fb {
    uint8_t b[1024];
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

/* IPv4 + UDP + PAYLOAD with inner addresses 192.0.2.a -> 192.0.2.b */
static void ip4udp(struct fb *f, uint8_t a, uint8_t b, uint16_t frag)
{
    size_t pl = sizeof PAYLOAD - 1;
    put8(f, 0x45); put8(f, 0); put16(f, (uint16_t)(20 + 8 + pl)); put16(f, 1); put16(f, frag);
    put8(f, 64); put8(f, 17); put16(f, 0);
    uint8_t s[4] = {192, 0, 2, a}, d[4] = {192, 0, 2, b};
    put(f, s, 4); put(f, d, 4);
    put16(f, 5060); put16(f, 5062); put16(f, (uint16_t)(8 + pl)); put16(f, 0);
    put(f, PAYLOAD, pl);
}

static void ip6udp(struct fb *f, int with_ext)
{
    size_t pl = sizeof PAYLOAD - 1;
    size_t ext = with_ext ? 16 : 0;
    put32(f, 0x60000000); put16(f, (uint16_t)(ext + 8 + pl)); put8(f, with_ext ? 0 : 17); put8(f, 64);
    uint8_t s[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, d[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    put(f, s, 16); put(f, d, 16);
    if (with_ext) { /* hop-by-hop (8 bytes) then destination options (8 bytes) */
        put8(f, 60); put8(f, 0); put32(f, 0x01040000); put16(f, 0);
        put8(f, 17); put8(f, 0); put32(f, 0x01040000); put16(f, 0);
    }
    put16(f, 5060); put16(f, 5062); put16(f, (uint16_t)(8 + pl)); put16(f, 0);
    put(f, PAYLOAD, pl);
}

static void eth(struct fb *f, uint16_t et)
{
    uint8_t mac[12] = {0};
    put(f, mac, 12);
    put16(f, et);
}

static int run(int dlt, const struct fb *f, struct got *g, struct diag *dg)
{
    struct decoder d = {0};
    d.diag = dg;
    d.ctx = g;
    d.deliver = deliver;
    struct frame fr = {.no = 1, .caplen = (uint32_t)f->n, .len = (uint32_t)f->n, .dlt = dlt, .data = f->b};
    memset(g, 0, sizeof(*g));
    return decode_frame(&d, &fr);
}

/* All prefixes must decode without faults; copies sit at the end of a heap block. */
static void prefixes(int dlt, const struct fb *f, const char *name)
{
    struct diag dg;
    diag_init(&dg, 0);
    int ok_all = 1;
    for (size_t n = 0; n <= f->n; n++) {
        uint8_t *p = malloc(n ? n : 1);
        memcpy(p, f->b, n);
        struct decoder d = {0};
        struct got g;
        memset(&g, 0, sizeof g);
        d.diag = &dg;
        d.ctx = &g;
        d.deliver = deliver;
        struct frame fr = {.no = 1, .caplen = (uint32_t)n, .len = (uint32_t)f->n, .dlt = dlt, .data = p};
        decode_frame(&d, &fr);
        if (g.n && n < f->n && !(g.last.flags & PKT_TRUNCATED))
            ok_all = 0;
        free(p);
    }
    ok(ok_all, "%s: every prefix decodes safely; short payloads are flagged truncated", name);
}

static void check(int dlt, struct fb *f, const char *name, int family, int tunnelled)
{
    struct got g;
    struct diag dg;
    diag_init(&dg, 0);
    run(dlt, f, &g, &dg);
    is_int(g.n, 1, name);
    ok(g.n == 1 && g.last.len == sizeof PAYLOAD - 1 && memcmp(g.data, PAYLOAD, g.last.len) == 0, "%s: payload", name);
    ok(g.n == 1 && g.last.src.family == family && g.last.src.port == 5060 && g.last.dst.port == 5062,
       "%s: inner addresses and ports", name);
    ok(g.n == 1 && !!(g.last.flags & PKT_TUNNELLED) == tunnelled, "%s: tunnel flag %d", name, tunnelled);
    prefixes(dlt, f, name);
}

int main(void)
{
    struct fb f;
    char ep[80];

    memset(&f, 0, sizeof f); eth(&f, 0x0800); ip4udp(&f, 1, 2, 0);
    check(DLT_EN10MB, &f, "ethernet ipv4", 4, 0);
    {
        struct got g;
        struct diag dg;
        diag_init(&dg, 0);
        run(DLT_EN10MB, &f, &g, &dg);
        is_str(slice_cstr(endpoint_str(&g.last.src, ep, sizeof ep)), "192.0.2.1:5060", "endpoint_str ipv4");
    }
    memset(&f, 0, sizeof f); eth(&f, 0x88A8); put16(&f, 100); put16(&f, 0x8100); put16(&f, 200); put16(&f, 0x0800);
    ip4udp(&f, 1, 2, 0);
    check(DLT_EN10MB, &f, "QinQ", 4, 0);
    memset(&f, 0, sizeof f); eth(&f, 0x86DD); ip6udp(&f, 1);
    check(DLT_EN10MB, &f, "ipv6 with extension headers", 6, 0);
    {
        struct got g;
        struct diag dg;
        diag_init(&dg, 0);
        run(DLT_EN10MB, &f, &g, &dg);
        is_str(slice_cstr(endpoint_str(&g.last.src, ep, sizeof ep)), "[2001:db8::1]:5060", "endpoint_str ipv6 (RFC 5952)");
    }
    /* Linux SLL: 16-byte header, protocol at offset 14 */
    memset(&f, 0, sizeof f); put16(&f, 0); put16(&f, 1); put16(&f, 6); put32(&f, 0); put32(&f, 0); put16(&f, 0x0800);
    ip4udp(&f, 1, 2, 0);
    check(DLT_LINUX_SLL, &f, "linux cooked", 4, 0);
    /* SLL2: protocol first, 20 bytes */
    memset(&f, 0, sizeof f); put16(&f, 0x86DD); put16(&f, 0); put32(&f, 1); put16(&f, 1); put8(&f, 0); put8(&f, 6);
    put32(&f, 0); put32(&f, 0); ip6udp(&f, 0);
    check(276, &f, "linux cooked v2", 6, 0);
    /* NULL: host-order family 2 (little-endian writer) */
    memset(&f, 0, sizeof f); put32(&f, 0x02000000); ip4udp(&f, 1, 2, 0);
    check(DLT_NULL, &f, "null/bsd loopback", 4, 0);
    memset(&f, 0, sizeof f); put32(&f, 30); ip6udp(&f, 0);
    check(DLT_LOOP, &f, "openbsd loop ipv6", 6, 0);
    memset(&f, 0, sizeof f); ip4udp(&f, 1, 2, 0);
    check(DLT_RAW, &f, "raw ip", 4, 0);
    /* MPLS two labels */
    memset(&f, 0, sizeof f); eth(&f, 0x8847); put32(&f, 0x00001040); put32(&f, 0x00002140); ip4udp(&f, 1, 2, 0);
    check(DLT_EN10MB, &f, "mpls", 4, 0);
    /* PPPoE session */
    memset(&f, 0, sizeof f); eth(&f, 0x8864); put8(&f, 0x11); put8(&f, 0); put16(&f, 1);
    put16(&f, (uint16_t)(2 + 20 + 8 + sizeof PAYLOAD - 1)); put16(&f, 0x0021); ip4udp(&f, 1, 2, 0);
    check(DLT_EN10MB, &f, "pppoe", 4, 0);
    /* IP-in-IP: outer 198.51.100.x, inner 192.0.2.x */
    memset(&f, 0, sizeof f); eth(&f, 0x0800);
    {
        size_t inner = 20 + 8 + sizeof PAYLOAD - 1;
        put8(&f, 0x45); put8(&f, 0); put16(&f, (uint16_t)(20 + inner)); put16(&f, 1); put16(&f, 0);
        put8(&f, 64); put8(&f, 4); put16(&f, 0); put32(&f, 0xc6336401); put32(&f, 0xc6336402);
        ip4udp(&f, 1, 2, 0);
    }
    check(DLT_EN10MB, &f, "ip-in-ip", 4, 1);
    /* GRE + ERSPAN II (sequence bit) + Ethernet + IPv4 */
    memset(&f, 0, sizeof f); eth(&f, 0x0800);
    {
        size_t inner = 4 + 4 + 8 + 14 + 20 + 8 + sizeof PAYLOAD - 1;
        put8(&f, 0x45); put8(&f, 0); put16(&f, (uint16_t)(20 + inner)); put16(&f, 1); put16(&f, 0);
        put8(&f, 64); put8(&f, 47); put16(&f, 0); put32(&f, 0xc6336401); put32(&f, 0xc6336402);
        put16(&f, 0x1000); put16(&f, 0x88BE); put32(&f, 7); /* GRE with sequence */
        put32(&f, 0x10000001); put32(&f, 0); /* ERSPAN II header */
        eth(&f, 0x0800); ip4udp(&f, 1, 2, 0);
    }
    check(DLT_EN10MB, &f, "gre erspan II", 4, 1);
    /* VXLAN */
    memset(&f, 0, sizeof f); eth(&f, 0x0800);
    {
        size_t inner = 8 + 8 + 14 + 20 + 8 + sizeof PAYLOAD - 1;
        put8(&f, 0x45); put8(&f, 0); put16(&f, (uint16_t)(20 + inner)); put16(&f, 1); put16(&f, 0);
        put8(&f, 64); put8(&f, 17); put16(&f, 0); put32(&f, 0xc6336401); put32(&f, 0xc6336402);
        put16(&f, 40000); put16(&f, 4789); put16(&f, (uint16_t)inner); put16(&f, 0);
        put32(&f, 0x08000000); put32(&f, 0x00000100);
        eth(&f, 0x0800); ip4udp(&f, 1, 2, 0);
    }
    check(DLT_EN10MB, &f, "vxlan", 4, 1);
    /* GTP-U with inner IPv6 */
    memset(&f, 0, sizeof f); eth(&f, 0x0800);
    {
        size_t inner6 = 40 + 8 + sizeof PAYLOAD - 1;
        size_t inner = 8 + 8 + inner6;
        put8(&f, 0x45); put8(&f, 0); put16(&f, (uint16_t)(20 + inner)); put16(&f, 1); put16(&f, 0);
        put8(&f, 64); put8(&f, 17); put16(&f, 0); put32(&f, 0xc6336401); put32(&f, 0xc6336402);
        put16(&f, 2152); put16(&f, 2152); put16(&f, (uint16_t)inner); put16(&f, 0);
        put8(&f, 0x30); put8(&f, 0xff); put16(&f, (uint16_t)inner6); put32(&f, 0x1234);
        ip6udp(&f, 0);
    }
    check(DLT_EN10MB, &f, "gtp-u", 6, 1);

    /* IPv4 fragment: reported, not delivered (reassembly comes later) */
    {
        struct diag dg;
        diag_init(&dg, 0);
        struct got g;
        memset(&f, 0, sizeof f); eth(&f, 0x0800); ip4udp(&f, 1, 2, 0x2000);
        run(DLT_EN10MB, &f, &g, &dg);
        is_int(g.n, 0, "fragment not delivered as a whole datagram");
        is_int(dg.count[DIAG_IP_FRAGMENT], 1, "fragment reported in the diagnostics");
    }
    /* snaplen truncation marks the packet */
    {
        struct diag dg;
        diag_init(&dg, 0);
        struct got g;
        memset(&f, 0, sizeof f); eth(&f, 0x0800); ip4udp(&f, 1, 2, 0);
        struct decoder d = {0};
        d.diag = &dg;
        d.ctx = &g;
        d.deliver = deliver;
        memset(&g, 0, sizeof g);
        struct frame fr = {.no = 1, .caplen = (uint32_t)f.n - 5, .len = (uint32_t)f.n, .dlt = DLT_EN10MB, .data = f.b};
        decode_frame(&d, &fr);
        ok(g.n == 1 && (g.last.flags & PKT_TRUNCATED) && g.last.len == sizeof PAYLOAD - 6,
           "snaplen-cut datagram delivered, marked truncated");
    }
    /* endpoint_parse */
    {
        struct endpoint e;
        ok(endpoint_parse("10.1.2.3:5080", &e) == 0 && e.family == 4 && e.port == 5080, "endpoint_parse v4:port");
        ok(endpoint_parse("[2001:db8::5]:5061", &e) == 0 && e.family == 6 && e.port == 5061, "endpoint_parse [v6]:port");
        ok(endpoint_parse("2001:db8::5", &e) == 0 && e.family == 6 && e.port == 0, "endpoint_parse bare v6");
        ok(endpoint_parse("10.1.2.3:99999", &e) != 0, "endpoint_parse rejects bad port");
        ok(endpoint_parse("example.com", &e) != 0, "endpoint_parse rejects names");
    }
    return tap_done();
}
