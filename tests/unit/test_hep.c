/*
 * test_hep.c - HEP v1/v2/v3 decapsulation (dissect/hep.c).
 *
 * Fixtures are built here byte by byte: HEP3 (HEP3 spec rev. 12 §2-§4)
 * with IPv4 and with IPv6 carrying a SIP message, vendor and unknown
 * chunks, a compressed payload, truncated chunks and lying lengths, and
 * HEP v1/v2 packets laid out like the reference agents' structs (see
 * dissect/hep.h).  Every fixture is also parsed at every prefix and with
 * every single-byte mutation, each copy in a malloc'd buffer of exactly
 * its size.
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/hep.h"
#include "src/base/util.h"
#include "tests/unit/tap.h"

static const char SIP[] =
    "OPTIONS sip:bob@192.0.2.2 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
    "From: <sip:alice@192.0.2.1>;tag=1928301774\r\n"
    "To: <sip:bob@192.0.2.2>\r\n"
    "Call-ID: a84b4c76e66710@192.0.2.1\r\n"
    "CSeq: 63104 OPTIONS\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const uint8_t V4S[4] = {192, 0, 2, 1}, V4D[4] = {192, 0, 2, 2};
static const uint8_t V6S[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t V6D[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

/* ---- a byte builder ------------------------------------------------- */

struct bb {
    uint8_t b[2048];
    size_t n;
};

static void put(struct bb *b, const void *p, size_t n)
{
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void put8(struct bb *b, unsigned v)
{
    b->b[b->n++] = (uint8_t)v;
}

static void put16(struct bb *b, unsigned v)
{
    put8(b, v >> 8);
    put8(b, v);
}

static void put32(struct bb *b, uint32_t v)
{
    put16(b, v >> 16);
    put16(b, v & 0xffff);
}

static void put32le(struct bb *b, uint32_t v)
{
    put8(b, v);
    put8(b, v >> 8);
    put8(b, v >> 16);
    put8(b, v >> 24);
}

static void chunk(struct bb *b, unsigned vendor, unsigned type, const void *v, size_t n)
{
    put16(b, vendor);
    put16(b, type);
    put16(b, (unsigned)(6 + n));
    put(b, v, n);
}

static void chunk8(struct bb *b, unsigned type, unsigned v)
{
    uint8_t x = (uint8_t)v;
    chunk(b, 0, type, &x, 1);
}

static void chunk16(struct bb *b, unsigned type, unsigned v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    chunk(b, 0, type, x, 2);
}

static void chunk32(struct bb *b, unsigned type, uint32_t v)
{
    put16(b, 0);
    put16(b, type);
    put16(b, 6 + 4);
    put32(b, v);
}

static void hep3_begin(struct bb *b)
{
    b->n = 0;
    put(b, "HEP3", 4);
    put16(b, 0); /* total, patched by hep3_end */
}

static void hep3_end(struct bb *b)
{
    b->b[4] = (uint8_t)(b->n >> 8);
    b->b[5] = (uint8_t)b->n;
}

/* The HEP3 packet a capture agent sends for one UDP/IPv4 SIP datagram. */
static void build_v4(struct bb *b)
{
    hep3_begin(b);
    chunk8(b, 1, 2);   /* AF_INET */
    chunk8(b, 2, 17);  /* UDP */
    chunk(b, 0, 3, V4S, 4);
    chunk(b, 0, 4, V4D, 4);
    chunk16(b, 7, 5060);
    chunk16(b, 8, 5080);
    chunk32(b, 9, 1433719443);
    chunk32(b, 10, 979);
    chunk8(b, 11, 1);  /* SIP */
    chunk32(b, 12, 2001);
    chunk(b, 0, 14, "myHep", 5); /* auth key: skipped */
    chunk(b, 0, 15, SIP, sizeof SIP - 1);
    hep3_end(b);
}

static void build_v6(struct bb *b)
{
    hep3_begin(b);
    chunk8(b, 1, 10);  /* AF_INET6 */
    chunk8(b, 2, 6);   /* TCP */
    chunk(b, 0, 5, V6S, 16);
    chunk(b, 0, 6, V6D, 16);
    chunk16(b, 7, 5061);
    chunk16(b, 8, 5062);
    chunk32(b, 9, 1700000000);
    chunk32(b, 10, 999999);
    chunk8(b, 11, 1);
    chunk32(b, 12, 0x01020304);
    chunk(b, 0, 17, "corr-id-1", 9); /* correlation id: skipped */
    chunk(b, 0, 15, SIP, sizeof SIP - 1);
    hep3_end(b);
}

/* HEP v1/v2 per the reference structs (see hep.h). */
static void build_v12(struct bb *b, int version, int v6)
{
    b->n = 0;
    put8(b, (unsigned)version);
    put8(b, v6 ? 40 : 16);
    put8(b, v6 ? 10 : 2);
    put8(b, 17);
    put16(b, 5060);
    put16(b, 5080);
    if (v6) {
        put(b, V6S, 16);
        put(b, V6D, 16);
    } else {
        put(b, V4S, 4);
        put(b, V4D, 4);
    }
    if (version == 2) {
        put32le(b, 1542051165); /* 0x5be9d55d */
        put32le(b, 123456);
        put8(b, 2001 & 0xff);   /* captid, little-endian */
        put8(b, 2001 >> 8);
        put8(b, 0);             /* struct tail padding */
        put8(b, 0);
    }
    put(b, SIP, sizeof SIP - 1);
}

/* ---- robustness ----------------------------------------------------- */

static int viol;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            if (!viol)                                                                             \
                printf("# invariant failed: %s (line %d)\n", #c, __LINE__);                       \
            viol++;                                                                                \
        }                                                                                          \
    } while (0)

static void check(const uint8_t *p, size_t n)
{
    struct hep_info h;
    int rc = hep_parse(p, n, &h);
    CHECK(rc == 1 || rc == 0 || rc == -1);
    if (rc != 1)
        return;
    CHECK(h.version >= 1 && h.version <= 3);
    CHECK(h.family == 0 || h.family == 4 || h.family == 6);
    CHECK(h.payload && h.payload_len > 0);
    CHECK(h.payload >= p && h.payload_len <= n && (size_t)(h.payload - p) <= n - h.payload_len);
    CHECK(h.hep_len <= n && (size_t)(h.payload - p) + h.payload_len <= h.hep_len);
    CHECK(h.compressed == 0 || h.version == 3);
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < h.payload_len; i++)
        sink ^= h.payload[i]; /* touch every payload byte */
    (void)sink;
}

static void robust(const char *name, const uint8_t *fx, size_t n)
{
    viol = 0;
    for (size_t i = 0; i <= n; i++) {
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, fx, i);
        check(p, i);
        free(p);
    }
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        memcpy(p, fx, n);
        for (unsigned v = 0; v < 256; v++) {
            p[i] = (uint8_t)v;
            check(p, n);
        }
    }
    free(p);
    ok(viol == 0, "%s: every prefix and single-byte mutation (%zu bytes)", name, n);
}

static struct slice sl(const uint8_t *p, size_t n)
{
    return (struct slice){p, n};
}

/* ---- tests ---------------------------------------------------------- */

static void test_v3(void)
{
    struct bb b;
    struct hep_info h;

    build_v4(&b);
    is_int(hep_parse(b.b, b.n, &h), 1, "v3/ipv4: parsed");
    is_int(h.version, 3, "v3/ipv4: version");
    is_int(h.family, 4, "v3/ipv4: family");
    is_int(h.ip_proto, 17, "v3/ipv4: UDP");
    ok(memcmp(h.src, V4S, 4) == 0 && memcmp(h.dst, V4D, 4) == 0, "v3/ipv4: addresses");
    ok(h.src[4] == 0 && h.dst[15] == 0, "v3/ipv4: rest of the address arrays zero");
    is_int(h.sport, 5060, "v3/ipv4: sport");
    is_int(h.dport, 5080, "v3/ipv4: dport");
    ok(h.has_time && h.ts_sec == 1433719443 && h.ts_usec == 979, "v3/ipv4: timestamp");
    is_int(h.proto_type, HEP_PROTO_SIP, "v3/ipv4: proto type SIP");
    is_int(h.capture_id, 2001, "v3/ipv4: capture id");
    is_str(sl(h.payload, h.payload_len), SIP, "v3/ipv4: payload");
    ok(!h.compressed, "v3/ipv4: not compressed");
    is_int(h.hep_len, b.n, "v3/ipv4: hep_len = total length");
    robust("v3/ipv4", b.b, b.n);

    build_v6(&b);
    is_int(hep_parse(b.b, b.n, &h), 1, "v3/ipv6: parsed");
    is_int(h.family, 6, "v3/ipv6: family");
    is_int(h.ip_proto, 6, "v3/ipv6: TCP");
    ok(memcmp(h.src, V6S, 16) == 0 && memcmp(h.dst, V6D, 16) == 0, "v3/ipv6: addresses");
    ok(h.sport == 5061 && h.dport == 5062, "v3/ipv6: ports");
    ok(h.ts_sec == 1700000000 && h.ts_usec == 999999, "v3/ipv6: timestamp");
    is_int(h.capture_id, 0x01020304, "v3/ipv6: 32-bit capture id");
    is_str(sl(h.payload, h.payload_len), SIP, "v3/ipv6: payload");
    robust("v3/ipv6", b.b, b.n);

    /* vendor chunks (even with generic type numbers) and unknown generic
     * types are skipped; trailing bytes after the total length ignored */
    hep3_begin(&b);
    chunk(&b, 0x0003, 1, "\x0a\x0b\x0c", 3); /* vendor 3 "family": not ours */
    chunk8(&b, 1, 2);
    chunk(&b, 0, 3, V4S, 4);
    chunk(&b, 0, 4, V4D, 4);
    chunk(&b, 0x0020, 15, "not the payload", 15);
    chunk(&b, 0, 0x0099, "x", 1);
    chunk(&b, 0, 0x0013, "", 0);     /* empty unknown chunk */
    chunk(&b, 0, 15, SIP, sizeof SIP - 1);
    chunk(&b, 0xffff, 0xffff, "zz", 2);
    hep3_end(&b);
    size_t total = b.n;
    put(&b, "garbage after the packet", 24);
    is_int(hep_parse(b.b, b.n, &h), 1, "v3/vendor: parsed");
    is_int(h.family, 4, "v3/vendor: vendor chunk type 1 not taken as family");
    is_str(sl(h.payload, h.payload_len), SIP, "v3/vendor: vendor chunk type 15 not taken as payload");
    is_int(h.hep_len, total, "v3/vendor: trailing bytes not counted");
    ok(!h.has_time && h.sport == 0 && h.capture_id == 0, "v3/vendor: absent chunks leave zeros");
    robust("v3/vendor+unknown chunks", b.b, b.n);

    /* family inferred from the address chunks */
    hep3_begin(&b);
    chunk(&b, 0, 5, V6S, 16);
    chunk(&b, 0, 15, SIP, sizeof SIP - 1);
    hep3_end(&b);
    ok(hep_parse(b.b, b.n, &h) == 1 && h.family == 6 && memcmp(h.src, V6S, 16) == 0,
       "v3: family from an IPv6 address chunk");
    hep3_begin(&b);
    chunk8(&b, 1, 2);
    chunk(&b, 0, 5, V6S, 16);
    chunk(&b, 0, 6, V6D, 16);
    chunk(&b, 0, 15, SIP, sizeof SIP - 1);
    hep3_end(&b);
    ok(hep_parse(b.b, b.n, &h) == 1 && h.family == 6 && memcmp(h.dst, V6D, 16) == 0,
       "v3: family chunk contradicted by the addresses: addresses win");
    hep3_begin(&b);
    chunk(&b, 0, 15, SIP, sizeof SIP - 1);
    hep3_end(&b);
    ok(hep_parse(b.b, b.n, &h) == 1 && h.family == 0, "v3: no address information: family 0");

    /* compressed payload */
    hep3_begin(&b);
    chunk8(&b, 1, 2);
    chunk(&b, 0, 16, "\x1f\x8b\x08\x00zz", 6);
    hep3_end(&b);
    is_int(hep_parse(b.b, b.n, &h), 1, "v3/compressed: parsed");
    ok(h.compressed && h.payload_len == 6 && h.payload[0] == 0x1f, "v3/compressed: flagged, raw bytes");
    robust("v3/compressed", b.b, b.n);

    /* 16-bit capture id accepted */
    hep3_begin(&b);
    chunk16(&b, 12, 0x4242);
    chunk(&b, 0, 15, "x", 1);
    hep3_end(&b);
    ok(hep_parse(b.b, b.n, &h) == 1 && h.capture_id == 0x4242, "v3: 16-bit capture id");
}

static void test_v3_malformed(void)
{
    struct bb b;
    struct hep_info h;

    build_v4(&b);
    /* every strict prefix is -1 (total length > n) or not HEP (< 4 bytes) */
    int pre = 1;
    for (size_t i = 0; i < b.n; i++) {
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, b.b, i);
        pre &= hep_parse(p, i, &h) == (i < 4 ? 0 : -1);
        free(p);
    }
    ok(pre, "v3: every strict prefix is malformed (or too short to be HEP)");

    /* truncated chunk: total length ends inside a chunk header */
    hep3_begin(&b);
    chunk(&b, 0, 15, SIP, sizeof SIP - 1);
    put16(&b, 0);
    put16(&b, 7);
    hep3_end(&b);
    is_int(hep_parse(b.b, b.n, &h), -1, "v3: chunk header cut short");
    /* a chunk whose length runs past the total length */
    hep3_begin(&b);
    chunk8(&b, 1, 2);
    put16(&b, 0);
    put16(&b, 15);
    put16(&b, 200); /* lies */
    put(&b, SIP, 40);
    hep3_end(&b);
    is_int(hep_parse(b.b, b.n, &h), -1, "v3: chunk length lies");
    robust("v3/lying chunk length", b.b, b.n);
    /* chunk length < 6 */
    hep3_begin(&b);
    put16(&b, 0);
    put16(&b, 15);
    put16(&b, 5);
    put(&b, "abcdef", 6);
    hep3_end(&b);
    is_int(hep_parse(b.b, b.n, &h), -1, "v3: chunk length below its header");
    /* total length lies */
    build_v4(&b);
    b.b[4] = (uint8_t)((b.n + 1) >> 8);
    b.b[5] = (uint8_t)(b.n + 1);
    is_int(hep_parse(b.b, b.n, &h), -1, "v3: total length past the buffer");
    b.b[4] = 0;
    b.b[5] = 5;
    is_int(hep_parse(b.b, b.n, &h), -1, "v3: total length below the header");
    b.b[5] = 6;
    is_int(hep_parse(b.b, b.n, &h), -1, "v3: no chunks at all: no payload");
    /* total length cutting the payload chunk */
    build_v4(&b);
    b.b[4] = (uint8_t)((b.n - 10) >> 8);
    b.b[5] = (uint8_t)(b.n - 10);
    is_int(hep_parse(b.b, b.n, &h), -1, "v3: total length shorter than the chunks");
    /* wrong-size known chunks */
    hep3_begin(&b);
    chunk(&b, 0, 3, V6S, 16); /* IPv6 bytes in the IPv4 chunk */
    chunk(&b, 0, 15, SIP, sizeof SIP - 1);
    hep3_end(&b);
    is_int(hep_parse(b.b, b.n, &h), -1, "v3: 16-byte IPv4 address chunk");
    hep3_begin(&b);
    chunk32(&b, 7, 5060);
    chunk(&b, 0, 15, SIP, sizeof SIP - 1);
    hep3_end(&b);
    is_int(hep_parse(b.b, b.n, &h), -1, "v3: 4-byte port chunk");
    /* no payload / empty payload */
    hep3_begin(&b);
    chunk8(&b, 1, 2);
    chunk(&b, 0, 3, V4S, 4);
    hep3_end(&b);
    is_int(hep_parse(b.b, b.n, &h), -1, "v3: no payload chunk");
    hep3_begin(&b);
    chunk(&b, 0, 15, "", 0);
    hep3_end(&b);
    is_int(hep_parse(b.b, b.n, &h), -1, "v3: empty payload");
    is_int(hep_parse((const uint8_t *)"HEP3\x00", 5, &h), -1, "v3: magic and half a length");
    is_int(hep_parse((const uint8_t *)"HEP", 3, &h), 0, "v3: 'HEP' alone is not HEP");
    is_int(hep_parse((const uint8_t *)"HEP2\x00\x10", 6, &h), 0, "v3: other magic not HEP");
}

static void test_v12(void)
{
    struct bb b;
    struct hep_info h;

    build_v12(&b, 2, 0);
    is_int(hep_parse(b.b, b.n, &h), 1, "v2/ipv4: parsed");
    is_int(h.version, 2, "v2/ipv4: version");
    ok(h.family == 4 && h.ip_proto == 17, "v2/ipv4: family, proto");
    ok(memcmp(h.src, V4S, 4) == 0 && memcmp(h.dst, V4D, 4) == 0, "v2/ipv4: addresses");
    ok(h.sport == 5060 && h.dport == 5080, "v2/ipv4: ports (network order)");
    ok(h.has_time && h.ts_sec == 1542051165 && h.ts_usec == 123456, "v2/ipv4: little-endian time block");
    is_int(h.capture_id, 2001, "v2/ipv4: little-endian captid");
    is_str(sl(h.payload, h.payload_len), SIP, "v2/ipv4: payload after the 12-byte time block");
    is_int(h.hep_len, b.n, "v2/ipv4: hep_len");
    robust("v2/ipv4", b.b, b.n);

    /* hand-written HEP2 sample, bytes as captagent puts them on the wire */
    static const uint8_t v2[] = {
        0x02, 0x10, 0x02, 0x11, 0x13, 0xc4, 0x13, 0xd8, /* v2, hl 16, AF_INET, UDP, 5060 -> 5080 */
        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, /* 10.0.0.1 -> 10.0.0.2 */
        0x5d, 0xd5, 0xe9, 0x5b, 0x40, 0xe2, 0x01, 0x00, /* tv_sec, tv_usec (LE) */
        0xd1, 0x07, 0x00, 0x00,                         /* captid 2001 (LE), padding */
        'S', 'I', 'P', '/', '2', '.', '0', ' ', '2', '0', '0', ' ', 'O', 'K', '\r', '\n', '\r', '\n'};
    is_int(hep_parse(v2, sizeof v2, &h), 1, "v2 sample: parsed");
    ok(h.ts_sec == 0x5be9d55d && h.ts_usec == 123456 && h.capture_id == 2001, "v2 sample: time, captid");
    ok(h.src[0] == 10 && h.src[3] == 1 && h.dst[3] == 2 && h.sport == 5060 && h.dport == 5080,
       "v2 sample: addresses, ports");
    is_str(sl(h.payload, h.payload_len), "SIP/2.0 200 OK\r\n\r\n", "v2 sample: payload");
    robust("v2 sample", v2, sizeof v2);

    build_v12(&b, 2, 1);
    is_int(hep_parse(b.b, b.n, &h), 1, "v2/ipv6: parsed");
    ok(h.family == 6 && memcmp(h.src, V6S, 16) == 0 && memcmp(h.dst, V6D, 16) == 0, "v2/ipv6: addresses");
    is_str(sl(h.payload, h.payload_len), SIP, "v2/ipv6: payload");
    robust("v2/ipv6", b.b, b.n);

    build_v12(&b, 1, 0);
    is_int(hep_parse(b.b, b.n, &h), 1, "v1/ipv4: parsed");
    ok(h.version == 1 && !h.has_time && h.capture_id == 0, "v1: no time block");
    is_str(sl(h.payload, h.payload_len), SIP, "v1/ipv4: payload right after the addresses");
    robust("v1/ipv4", b.b, b.n);

    /* truncation and not-HEP */
    build_v12(&b, 2, 0);
    is_int(hep_parse(b.b, 16, &h), -1, "v2: headers without time block");
    is_int(hep_parse(b.b, 27, &h), -1, "v2: time block cut short");
    is_int(hep_parse(b.b, 28, &h), -1, "v2: no payload");
    is_int(hep_parse(b.b, 10, &h), -1, "v2: addresses cut short");
    is_int(hep_parse(b.b, 3, &h), 0, "v2: 3 bytes: cannot tell");
    build_v12(&b, 1, 1);
    is_int(hep_parse(b.b, 40, &h), -1, "v1/ipv6: no payload");
    b.b[1] = 16;
    is_int(hep_parse(b.b, b.n, &h), 0, "v1: header length not matching the family: not HEP");
    b.b[1] = 40;
    b.b[2] = 28; /* AF_INET6 on FreeBSD: not what agents send */
    is_int(hep_parse(b.b, b.n, &h), 0, "v1: unknown family: not HEP");
    is_int(hep_parse((const uint8_t *)SIP, sizeof SIP - 1, &h), 0, "plain SIP is not HEP");
    is_int(hep_parse((const uint8_t *)"\x03\x10\x02\x11", 4, &h), 0, "version 3 without magic is not HEP");
    is_int(hep_parse(NULL, 0, &h), 0, "empty input is not HEP");
}

/* Regressions found by fuzzing go here. */
static void test_regressions(void)
{
}

int main(void)
{
    test_v3();
    test_v3_malformed();
    test_v12();
    test_regressions();
    return tap_done();
}
