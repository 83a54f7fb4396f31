/*
 * test_ws.c - WebSocket (RFC 6455) handshake detection, frame parsing,
 * unmasking and message reassembly (dissect/ws.c).
 *
 * Fixtures: the RFC 6455 §5.7 examples (unmasked and masked "Hello",
 * fragmented "Hel"+"lo", ping/pong, 256-byte and 64 KiB binary frames),
 * the RFC 6455 §1.2 / RFC 7118 §5 handshakes with case and list variants,
 * a SIP INVITE in a masked text frame split at every byte boundary, and
 * protocol violations.  Every fixture is also parsed at every prefix and
 * with every single-byte mutation, each copy in a malloc'd buffer of
 * exactly its size so ASan catches any read past the end.
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/ws.h"
#include "src/base/util.h"
#include "tests/unit/tap.h"

#define S(lit) ((const uint8_t *)(lit)), (sizeof(lit) - 1)

/* RFC 6455 §5.7 */
static const uint8_t HELLO_UNMASKED[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
static const uint8_t HELLO_MASKED[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
static const uint8_t FRAG1[] = {0x01, 0x03, 0x48, 0x65, 0x6c};
static const uint8_t FRAG2[] = {0x80, 0x02, 0x6c, 0x6f};
static const uint8_t PING_HELLO[] = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
static const uint8_t PONG_MASKED[] = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};

static const char REQ_RFC6455[] =
    "GET /chat HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://example.com\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

static const char REQ_RFC7118[] =
    "GET / HTTP/1.1\r\n"
    "Host: sip-ws.example.com\r\n"
    "upgrade: WebSocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://www.example.com\r\n"
    "Sec-WebSocket-Protocol: sip\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

static const char RESP_RFC7118[] =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "Sec-WebSocket-Protocol: sip\r\n"
    "\r\n";

static const char INVITE[] =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks\r\n"
    "Max-Forwards: 70\r\n"
    "To: <sip:bob@example.com>\r\n"
    "From: <sip:alice@example.com>;tag=asdyka899\r\n"
    "Call-ID: asidkj3ss\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const uint8_t MASK[4] = {0x37, 0xfa, 0x21, 0x3d};

/* ---- robustness: every prefix, every single-byte mutation ---------- */

static int viol; /* invariant violations seen by walk() */

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            if (!viol)                                                                             \
                printf("# invariant failed: %s (line %d)\n", #c, __LINE__);                       \
            viol++;                                                                                \
        }                                                                                          \
    } while (0)

/* What a stream consumer does: skip a handshake, then walk frames,
 * unmask each payload (whole and in two pieces), reassemble. */
static void walk(const uint8_t *p, size_t n)
{
    size_t hl = 99, ul = ws_upgrade_len(p, n);
    int rq = ws_is_upgrade_request(p, n);
    int rs = ws_is_upgrade_response(p, n, &hl);
    size_t off = 0;

    CHECK(ul <= n);
    CHECK(rq == 1 || rq == 0 || rq == WS_NEED_MORE);
    CHECK(rs == 1 || rs == 0 || rs == WS_NEED_MORE);
    CHECK(!(rq == 1 && rs == 1));
    if (rq == 1) {
        CHECK(ul >= 4);
        off = ul;
    }
    if (rs == 1) {
        CHECK(hl == ul && hl >= 4);
        off = hl;
    } else {
        CHECK(hl == 0);
    }
    if (rq == WS_NEED_MORE || rs == WS_NEED_MORE)
        return;

    struct ws_msg_buf b;
    ws_msg_init(&b, 128 * 1024);
    for (int k = 0; k < 4096 && off < n; k++) {
        struct ws_frame f;
        int rc = ws_frame_parse(p + off, n - off, &f);
        CHECK(rc == WS_OK || rc == WS_BAD || rc == WS_NEED_MORE);
        if (rc != WS_OK) {
            CHECK(f.header_len == 0 && f.payload_len == 0);
            break;
        }
        CHECK(f.header_len >= 2 && f.header_len <= WS_MAX_FRAME_HDR && f.header_len <= n - off);
        CHECK(f.payload_len < (1ULL << 63));
        CHECK(!ws_is_control(f.opcode) || (f.fin && f.payload_len <= 125));
        if (f.payload_len > n - off - f.header_len)
            break;
        size_t pl = (size_t)f.payload_len, half = pl / 2;
        uint8_t *a = malloc(pl ? pl : 1), *c = malloc(pl ? pl : 1);
        const uint8_t *src = p + off + f.header_len;
        ws_unmask(a, src, pl, f.mask, 0);
        ws_unmask(c, src, half, f.mask, 0);
        ws_unmask(c + half, src + half, pl - half, f.mask, half);
        CHECK(pl == 0 || memcmp(a, c, pl) == 0);
        int r1 = ws_msg_add(&b, &f, a, half);
        CHECK(r1 == 1 || r1 == 0 || r1 == -1);
        if (r1 == 0) {
            r1 = ws_msg_add(&b, &f, a + half, pl - half);
            CHECK(r1 == 1 || r1 == 0 || r1 == -1);
        }
        if (r1 == 1) {
            CHECK(b.n <= b.max && !b.active);
            ws_msg_reset(&b);
        } else if (r1 == -1) {
            ws_msg_reset(&b);
        }
        CHECK(b.n <= b.cap || b.n == 0);
        free(a);
        free(c);
        off += f.header_len + pl;
    }
    ws_msg_free(&b);
}

/*
 * Every prefix and every single-byte mutation (all 256 values) of fx.
 * dense: how many leading bytes are covered exhaustively; past them
 * (only the 64 KiB fixture, whose payload bytes cannot change how it
 * parses) prefixes and positions are taken every 509 bytes plus the last
 * 8, and a mutated position gets one value (xor 0xff).
 */
static void robust(const char *name, const uint8_t *fx, size_t n, size_t dense)
{
    viol = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i > dense && i + 8 < n && i % 509)
            continue;
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, fx, i);
        walk(p, i);
        free(p);
    }
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        int all = i < dense || i + 8 >= n;
        if (!all && i % 509)
            continue;
        memcpy(p, fx, n);
        if (all) {
            for (unsigned v = 0; v < 256; v++) {
                p[i] = (uint8_t)v;
                walk(p, n);
            }
        } else {
            p[i] ^= 0xff;
            walk(p, n);
        }
    }
    free(p);
    ok(viol == 0, "%s: every prefix and single-byte mutation (%zu bytes)", name, n);
}

/* ---- helpers -------------------------------------------------------- */

/* Frame header for payload length len into h; returns its length. */
static size_t put_hdr(uint8_t *h, uint8_t b0, int masked, uint64_t len, const uint8_t mask[4])
{
    size_t o = 0;
    uint8_t m = masked ? 0x80 : 0;
    h[o++] = b0;
    if (len <= 125) {
        h[o++] = (uint8_t)(m | len);
    } else if (len <= 0xffff) {
        h[o++] = (uint8_t)(m | 126);
        h[o++] = (uint8_t)(len >> 8);
        h[o++] = (uint8_t)len;
    } else {
        h[o++] = (uint8_t)(m | 127);
        for (int s = 56; s >= 0; s -= 8)
            h[o++] = (uint8_t)(len >> s);
    }
    if (masked) {
        memcpy(h + o, mask, 4);
        o += 4;
    }
    return o;
}

static struct slice sl(const uint8_t *p, size_t n)
{
    return (struct slice){p, n};
}

/* ---- tests ---------------------------------------------------------- */

static void test_rfc_examples(void)
{
    struct ws_frame f;
    uint8_t out[16];

    is_int(ws_frame_parse(HELLO_UNMASKED, sizeof HELLO_UNMASKED, &f), WS_OK, "5.7 unmasked: OK");
    ok(f.fin == 1 && f.opcode == WS_OP_TEXT && !f.masked && f.rsv == 0, "5.7 unmasked: FIN text, no mask");
    is_int(f.payload_len, 5, "5.7 unmasked: length 5");
    is_int(f.header_len, 2, "5.7 unmasked: header 2");
    is_str(sl(HELLO_UNMASKED + f.header_len, 5), "Hello", "5.7 unmasked: payload");

    is_int(ws_frame_parse(HELLO_MASKED, sizeof HELLO_MASKED, &f), WS_OK, "5.7 masked: OK");
    ok(f.masked && memcmp(f.mask, MASK, 4) == 0, "5.7 masked: key 37 fa 21 3d");
    is_int(f.header_len, 6, "5.7 masked: header 6");
    is_int(f.payload_len, 5, "5.7 masked: length 5");
    ws_unmask(out, HELLO_MASKED + 6, 5, f.mask, 0);
    is_str(sl(out, 5), "Hello", "5.7 masked: unmasked payload");
    /* masking again gives the wire bytes back (XOR is an involution) */
    ws_unmask(out, out, 5, f.mask, 0);
    ok(memcmp(out, HELLO_MASKED + 6, 5) == 0, "5.7 masked: unmask in place is its own inverse");

    is_int(ws_frame_parse(FRAG1, sizeof FRAG1, &f), WS_OK, "5.7 fragment 1: OK");
    ok(!f.fin && f.opcode == WS_OP_TEXT && f.payload_len == 3, "5.7 fragment 1: text, not FIN, 3 bytes");
    is_int(ws_frame_parse(FRAG2, sizeof FRAG2, &f), WS_OK, "5.7 fragment 2: OK");
    ok(f.fin && f.opcode == WS_OP_CONT && f.payload_len == 2, "5.7 fragment 2: continuation, FIN, 2 bytes");

    is_int(ws_frame_parse(PING_HELLO, sizeof PING_HELLO, &f), WS_OK, "5.7 ping: OK");
    ok(f.opcode == WS_OP_PING && ws_is_control(f.opcode) && f.payload_len == 5, "5.7 ping: opcode 9, 5 bytes");
    is_int(ws_frame_parse(PONG_MASKED, sizeof PONG_MASKED, &f), WS_OK, "5.7 pong: OK");
    ws_unmask(out, PONG_MASKED + f.header_len, 5, f.mask, 0);
    ok(f.opcode == WS_OP_PONG && memcmp(out, "Hello", 5) == 0, "5.7 pong: masked Hello");

    /* 256 bytes binary: 82 7E 0100 */
    static uint8_t b256[4 + 256];
    memcpy(b256, "\x82\x7e\x01\x00", 4);
    for (int i = 0; i < 256; i++)
        b256[4 + i] = (uint8_t)i;
    is_int(ws_frame_parse(b256, sizeof b256, &f), WS_OK, "5.7 256 bytes: OK");
    ok(f.opcode == WS_OP_BINARY && f.header_len == 4 && f.payload_len == 256, "5.7 256 bytes: 16-bit length");
    for (size_t i = 0; i < 4; i++)
        is_int(ws_frame_parse(b256, i, &f), WS_NEED_MORE, "256 bytes: header prefix needs more");

    /* 64 KiB binary: 82 7F 0000000000010000 */
    size_t big = 10 + 65536;
    uint8_t *b64k = malloc(big);
    memcpy(b64k, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
    for (size_t i = 0; i < 65536; i++)
        b64k[10 + i] = (uint8_t)(i * 7);
    is_int(ws_frame_parse(b64k, big, &f), WS_OK, "5.7 64 KiB: OK");
    ok(f.opcode == WS_OP_BINARY && f.header_len == 10 && f.payload_len == 65536, "5.7 64 KiB: 64-bit length");
    is_int(ws_frame_parse(b64k, 9, &f), WS_NEED_MORE, "64 KiB: 9 header bytes need more");
    is_int(ws_frame_parse(b64k, 10, &f), WS_OK, "64 KiB: header alone is enough (payload is the caller's)");

    struct ws_msg_buf b;
    ws_msg_init(&b, 1 << 20);
    is_int(ws_msg_add(&b, &f, b64k + 10, 65536), 1, "64 KiB: one-frame message ready");
    ok(b.n == 65536 && b.opcode == WS_OP_BINARY && memcmp(b.p, b64k + 10, 65536) == 0, "64 KiB: bytes intact");
    ws_msg_reset(&b);
    ws_msg_free(&b);

    robust("5.7 unmasked Hello", HELLO_UNMASKED, sizeof HELLO_UNMASKED, SIZE_MAX);
    robust("5.7 masked Hello", HELLO_MASKED, sizeof HELLO_MASKED, SIZE_MAX);
    uint8_t frag[sizeof FRAG1 + sizeof PING_HELLO + sizeof FRAG2];
    memcpy(frag, FRAG1, sizeof FRAG1);
    memcpy(frag + sizeof FRAG1, PING_HELLO, sizeof PING_HELLO);
    memcpy(frag + sizeof FRAG1 + sizeof PING_HELLO, FRAG2, sizeof FRAG2);
    robust("5.7 fragmented with ping", frag, sizeof frag, SIZE_MAX);
    robust("5.7 masked pong", PONG_MASKED, sizeof PONG_MASKED, SIZE_MAX);
    robust("5.7 256 bytes", b256, sizeof b256, SIZE_MAX);
    robust("5.7 64 KiB", b64k, big, 16);
    free(b64k);
}

static void test_reassembly(void)
{
    struct ws_frame f, g, ping;
    struct ws_msg_buf b;

    ws_msg_init(&b, 4096);
    ws_frame_parse(FRAG1, sizeof FRAG1, &f);
    ws_frame_parse(FRAG2, sizeof FRAG2, &g);
    ws_frame_parse(PING_HELLO, sizeof PING_HELLO, &ping);
    is_int(ws_msg_add(&b, &f, FRAG1 + 2, 3), 0, "reasm: first fragment needs more");
    ok(b.active && b.opcode == WS_OP_TEXT, "reasm: message active, text");
    is_int(ws_msg_add(&b, &ping, PING_HELLO + 2, 5), 0, "reasm: interleaved ping not mixed in");
    is_int(b.n, 3, "reasm: still 3 bytes after the ping");
    is_int(ws_msg_add(&b, &g, FRAG2 + 2, 2), 1, "reasm: last fragment completes");
    is_str(sl(b.p, b.n), "Hello", "reasm: Hel + lo");
    ok(!b.active && b.opcode == WS_OP_TEXT, "reasm: inactive once ready");
    ws_msg_reset(&b);
    is_int(b.n, 0, "reasm: reset empties");

    is_int(ws_msg_add(&b, &g, FRAG2 + 2, 2), -1, "reasm: continuation without start");
    ws_msg_reset(&b);

    /* a new text frame while a fragmented message is open */
    is_int(ws_msg_add(&b, &f, FRAG1 + 2, 3), 0, "reasm: open a message");
    struct ws_frame h;
    ws_frame_parse(HELLO_UNMASKED, sizeof HELLO_UNMASKED, &h);
    is_int(ws_msg_add(&b, &h, HELLO_UNMASKED + 2, 5), 1, "reasm: new text frame supersedes");
    ok(b.dropped == 1 && b.n == 5 && memcmp(b.p, "Hello", 5) == 0, "reasm: unfinished one dropped and counted");
    ws_msg_reset(&b);

    /* a frame fed in pieces */
    is_int(ws_msg_add(&b, &h, HELLO_UNMASKED + 2, 2), 0, "reasm: piece 1 of a frame");
    is_int(ws_msg_add(&b, &h, HELLO_UNMASKED + 4, 0), 0, "reasm: empty piece");
    is_int(ws_msg_add(&b, &h, HELLO_UNMASKED + 4, 3), 1, "reasm: last piece completes");
    is_str(sl(b.p, b.n), "Hello", "reasm: pieces joined");
    ws_msg_reset(&b);
    is_int(ws_msg_add(&b, &h, HELLO_UNMASKED + 2, 4), 0, "reasm: 4 of 5");
    is_int(ws_msg_add(&b, &h, HELLO_UNMASKED + 2, 2), -1, "reasm: pieces longer than the frame");
    ws_msg_reset(&b);

    /* empty text message */
    static const uint8_t empty[] = {0x81, 0x00};
    ws_frame_parse(empty, sizeof empty, &h);
    is_int(ws_msg_add(&b, &h, NULL, 0), 1, "reasm: empty message ready");
    is_int(b.n, 0, "reasm: empty message has no bytes");
    ws_msg_reset(&b);
    ws_msg_free(&b);

    /* the limit */
    ws_msg_init(&b, 4);
    ws_frame_parse(HELLO_UNMASKED, sizeof HELLO_UNMASKED, &h);
    is_int(ws_msg_add(&b, &h, HELLO_UNMASKED + 2, 5), -1, "reasm: over max refused");
    ws_msg_reset(&b);
    is_int(ws_msg_add(&b, &f, FRAG1 + 2, 3), 0, "reasm: 3 of max 4");
    is_int(ws_msg_add(&b, &g, FRAG2 + 2, 2), -1, "reasm: fragments over max refused");
    ok(b.cap <= 4, "reasm: buffer never grew past max");
    ws_msg_reset(&b);
    ws_msg_free(&b);

    /* opcode bookkeeping for binary; control frame leaves message alone */
    static const uint8_t bin1[] = {0x02, 0x01, 0xaa}, bin2[] = {0x80, 0x01, 0xbb};
    static const uint8_t close0[] = {0x88, 0x02, 0x03, 0xe8};
    struct ws_frame c;
    ws_msg_init(&b, 0);
    ws_frame_parse(bin1, sizeof bin1, &f);
    ws_frame_parse(bin2, sizeof bin2, &g);
    ws_frame_parse(close0, sizeof close0, &c);
    is_int(ws_msg_add(&b, &f, bin1 + 2, 1), 0, "reasm: binary start");
    is_int(ws_msg_add(&b, &c, close0 + 2, 2), 0, "reasm: close frame reported to caller only");
    is_int(ws_msg_add(&b, &g, bin2 + 2, 1), 1, "reasm: binary complete");
    ok(b.opcode == WS_OP_BINARY && b.n == 2 && b.p[0] == 0xaa && b.p[1] == 0xbb, "reasm: binary bytes, opcode kept");
    ws_msg_free(&b);
}

static void test_violations(void)
{
    struct ws_frame f;
    static const uint8_t reserved3[] = {0x83, 0x00}, reservedb[] = {0x8b, 0x00};
    static const uint8_t ping_nofin[] = {0x09, 0x00}, ping126[] = {0x89, 0x7e, 0x00, 0x7e};
    static const uint8_t ping125[] = {0x89, 0x7d};
    static const uint8_t msb[] = {0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t rsv1[] = {0xc1, 0x81, 1, 2, 3, 4, 0x55};
    static const uint8_t nonmin[] = {0x81, 0x7e, 0x00, 0x05, 'H', 'e', 'l', 'l', 'o'};

    is_int(ws_frame_parse(reserved3, 2, &f), WS_BAD, "bad: reserved opcode 3");
    is_int(ws_frame_parse(reserved3, 1, &f), WS_BAD, "bad: reserved opcode seen in the first byte");
    is_int(ws_frame_parse(reservedb, 2, &f), WS_BAD, "bad: reserved control opcode 0xB");
    is_int(ws_frame_parse(ping_nofin, 2, &f), WS_BAD, "bad: fragmented ping");
    is_int(ws_frame_parse(ping126, 4, &f), WS_BAD, "bad: ping with 16-bit length");
    is_int(ws_frame_parse(ping125, 2, &f), WS_OK, "ok: ping with 125 bytes announced");
    is_int(f.payload_len, 125, "ok: 125");
    is_int(ws_frame_parse(msb, sizeof msb, &f), WS_BAD, "bad: 64-bit length with MSB set");
    is_int(ws_frame_parse(msb, 3, &f), WS_BAD, "bad: MSB seen before the header is complete");
    ok(f.header_len == 0 && f.payload_len == 0 && f.opcode == 0, "bad: *f zeroed");
    is_int(ws_frame_parse(rsv1, sizeof rsv1, &f), WS_OK, "tolerated: RSV1 (permessage-deflate)");
    ok(f.rsv == 4 && f.fin && f.masked && f.header_len == 6 && f.payload_len == 1, "RSV1 reported as rsv=4");
    is_int(ws_frame_parse(nonmin, sizeof nonmin, &f), WS_OK, "tolerated: non-minimal 16-bit length");
    ok(f.header_len == 4 && f.payload_len == 5, "non-minimal: length 5");
    is_int(ws_frame_parse(NULL, 0, &f), WS_NEED_MORE, "empty input needs more");
    is_int(ws_frame_parse(HELLO_MASKED, 5, &f), WS_NEED_MORE, "masked: key cut short needs more");

    /* unmask offsets: every split point and odd offsets */
    uint8_t wire[64], back[64];
    const char *txt = "The quick brown fox jumps over the lazy dog, 0123456789!";
    size_t tl = strlen(txt);
    ws_unmask(wire, (const uint8_t *)txt, tl, MASK, 0);
    int good = 1;
    for (size_t cut = 0; cut <= tl; cut++) {
        ws_unmask(back, wire, cut, MASK, 0);
        ws_unmask(back + cut, wire + cut, tl - cut, MASK, cut);
        good &= memcmp(back, txt, tl) == 0;
    }
    ok(good, "unmask: two pieces at every split point");
    ws_unmask(back, wire + 5, tl - 5, MASK, 5ULL + (1ULL << 40));
    ok(memcmp(back, txt + 5, tl - 5) == 0, "unmask: only offset mod 4 matters (64-bit offsets)");
}

/* A SIP INVITE in a masked text frame, split into two reads at every byte. */
static void test_split_invite(void)
{
    size_t pl = sizeof INVITE - 1;
    uint8_t hdr[WS_MAX_FRAME_HDR];
    size_t hl = put_hdr(hdr, 0x81, 1, pl, MASK);
    size_t n = hl + pl;
    uint8_t *frame = malloc(n);
    memcpy(frame, hdr, hl);
    ws_unmask(frame + hl, (const uint8_t *)INVITE, pl, MASK, 0);

    struct ws_frame f;
    is_int(hl, 8, "invite: 16-bit length + mask = 8 header bytes");
    is_int(ws_frame_parse(frame, n, &f), WS_OK, "invite: whole frame OK");
    ok(f.masked && f.payload_len == pl && f.header_len == hl, "invite: length and mask");

    int hdr_ok = 1, body_ok = 1, reasm_ok = 1;
    uint8_t *out = malloc(pl);
    struct ws_msg_buf b;
    ws_msg_init(&b, 64 * 1024);
    for (size_t cut = 0; cut <= n; cut++) {
        uint8_t *a = malloc(cut ? cut : 1), *c = malloc(n - cut ? n - cut : 1);
        memcpy(a, frame, cut);
        memcpy(c, frame + cut, n - cut);
        struct ws_frame g;
        int rc = ws_frame_parse(a, cut, &g);
        if (cut < hl) {
            hdr_ok &= rc == WS_NEED_MORE;
            /* the caller keeps the partial header and retries with more */
            uint8_t joined[WS_MAX_FRAME_HDR];
            memcpy(joined, a, cut);
            memcpy(joined + cut, c, hl - cut);
            rc = ws_frame_parse(joined, hl, &g);
        }
        hdr_ok &= rc == WS_OK && g.header_len == hl && g.payload_len == pl && memcmp(g.mask, MASK, 4) == 0;
        /* payload bytes present in the first read, then the second */
        size_t in_a = cut > hl ? cut - hl : 0;
        const uint8_t *second = cut > hl ? c : c + (hl - cut);
        ws_unmask(out, a + hl * (cut > hl), in_a, g.mask, 0);
        ws_unmask(out + in_a, second, pl - in_a, g.mask, in_a);
        body_ok &= memcmp(out, INVITE, pl) == 0;
        /* reassembly fed piecewise */
        int r1 = ws_msg_add(&b, &g, out, in_a);
        int r2 = r1 == 0 ? ws_msg_add(&b, &g, out + in_a, pl - in_a) : r1;
        reasm_ok &= (in_a == pl ? r1 == 1 : (r1 == 0 && r2 == 1)) && b.n == pl && memcmp(b.p, INVITE, pl) == 0;
        ws_msg_reset(&b);
        free(a);
        free(c);
    }
    ok(hdr_ok, "invite split: NEED_MORE until the 8 header bytes are there, then OK");
    ok(body_ok, "invite split: piecewise unmasking with offsets gives the INVITE");
    ok(reasm_ok, "invite split: piecewise reassembly gives the INVITE");
    ws_msg_free(&b);
    free(out);
    robust("masked INVITE frame", frame, n, SIZE_MAX);

    /* handshake + frames in one buffer, as a TCP stream would carry it */
    size_t rl = sizeof REQ_RFC7118 - 1;
    uint8_t *stream = malloc(rl + n + sizeof HELLO_MASKED);
    memcpy(stream, REQ_RFC7118, rl);
    memcpy(stream + rl, frame, n);
    memcpy(stream + rl + n, HELLO_MASKED, sizeof HELLO_MASKED);
    is_int(ws_is_upgrade_request(stream, rl + n), 1, "stream: handshake detected with frames after it");
    is_int(ws_upgrade_len(stream, rl + n), rl, "stream: ws_upgrade_len skips exactly the header block");
    robust("handshake + INVITE + Hello", stream, rl + n + sizeof HELLO_MASKED, SIZE_MAX);
    free(stream);
    free(frame);
}

static void test_handshake(void)
{
    size_t hl = 77;
    is_int(ws_is_upgrade_request(S(REQ_RFC6455)), 1, "req: RFC 6455 §1.2 example");
    is_int(ws_upgrade_len(S(REQ_RFC6455)), sizeof REQ_RFC6455 - 1, "req: header block length");
    is_int(ws_is_upgrade_request(S(REQ_RFC7118)), 1, "req: RFC 7118 example, 'upgrade: WebSocket'");
    is_int(ws_is_upgrade_response(S(RESP_RFC7118), &hl), 1, "resp: RFC 7118 101");
    is_int(hl, sizeof RESP_RFC7118 - 1, "resp: hdr_len");
    is_int(ws_is_upgrade_response(S(REQ_RFC7118), &hl), 0, "resp: a request is not a response");
    is_int(hl, 0, "resp: hdr_len 0 when not 1");
    is_int(ws_is_upgrade_request(S(RESP_RFC7118)), 0, "req: a response is not a request");
    is_int(ws_is_upgrade_request(S("UPGRADE / HTTP/1.1\r\n\r\n")), 0, "req: not GET");

    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\nUPGRADE:websocket\r\n\r\n")), 1, "req: UPGRADE:websocket");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\nupgrade: \tWEBSOCKET \r\n\r\n")), 1, "req: OWS, upper value");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\nUpgrade: h2c, websocket/13\r\n\r\n")), 1, "req: list with version");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\nUpgrade: h2c,\r\n  websocket\r\n\r\n")), 1,
           "req: obs-fold continuation");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\nUpgrade: h2c\r\nX: y\r\nupgrade: websocket\r\n\r\n")), 1,
           "req: second Upgrade header");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\nUpgrade : websocket\r\n\r\n")), 1,
           "req: space before colon tolerated");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\nUpgrade: websockets\r\n\r\n")), 0, "req: websockets != websocket");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n")), 0, "req: other upgrade");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\nX-Upgrade: websocket\r\n\r\n")), 0, "req: other header name");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\nX: y\r\n websocket\r\n\r\n")), 0, "req: fold of another header");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\n\r\n")), 0, "req: no headers");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.0\r\nUpgrade: websocket\r\n\r\n")), 0, "req: HTTP/1.0");
    is_int(ws_is_upgrade_request(S("GET /a b HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")), 0, "req: space in target");
    is_int(ws_is_upgrade_request(S("get / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n")), 0, "req: method is case-sensitive");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\nUpgrade: websocket\n\n")), 0, "req: bare LF is not HTTP here");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\nUpgrade: websocket\r\n")), WS_NEED_MORE, "req: no empty line yet");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r")), WS_NEED_MORE, "req: CRLFCR");
    is_int(ws_is_upgrade_request(S("GET / HTTP/1.1\r\nUpgrade: h2c\r\n")), WS_NEED_MORE,
           "req: incomplete even without the upgrade so far");
    is_int(ws_is_upgrade_request(S("GE")), WS_NEED_MORE, "req: 'GE' may become GET");
    is_int(ws_is_upgrade_request(S("GX")), 0, "req: 'GX' will not");
    is_int(ws_is_upgrade_request(S("GET /x HTTP/1.0\r\nUpg")), 0, "req: complete bad request line -> 0 at once");
    is_int(ws_is_upgrade_request(NULL, 0), 0, "req: empty");
    is_int(ws_upgrade_len(S("GET / HTTP/1.1\r\nA: b\r\n")), 0, "upgrade_len: 0 without CRLFCRLF");

    is_int(ws_is_upgrade_response(S("HTTP/1.1 101\r\nUpgrade: websocket\r\n\r\n"), &hl), 1, "resp: no reason phrase");
    is_int(ws_is_upgrade_response(S("HTTP/1.1 101 \r\nupgrade: WebSocket\r\n\r\n"), NULL), 1, "resp: NULL hdr_len");
    is_int(ws_is_upgrade_response(S("HTTP/1.1 200 OK\r\nUpgrade: websocket\r\n\r\n"), &hl), 0, "resp: 200");
    is_int(ws_is_upgrade_response(S("HTTP/1.1 1010 x\r\nUpgrade: websocket\r\n\r\n"), &hl), 0, "resp: 1010");
    is_int(ws_is_upgrade_response(S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"), &hl), 0,
           "resp: 101 to another protocol");
    is_int(ws_is_upgrade_response(S("HTTP/1.1 10"), &hl), WS_NEED_MORE, "resp: status cut short");
    is_int(ws_is_upgrade_response(S("HTTP/1.1 101 Switching"), &hl), WS_NEED_MORE, "resp: status line cut short");
    is_int(ws_is_upgrade_response(S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"), &hl),
           WS_NEED_MORE, "resp: header block cut short");
    is_int(ws_is_upgrade_response(S("HTTP/1.0 101"), &hl), 0, "resp: HTTP/1.0");

    /* every strict prefix of a complete handshake needs more; the whole is 1 */
    int pre_req = 1, pre_resp = 1;
    for (size_t i = 0; i < sizeof REQ_RFC6455 - 1; i++) {
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, REQ_RFC6455, i);
        pre_req &= ws_is_upgrade_request(p, i) == (i ? WS_NEED_MORE : 0);
        free(p);
    }
    for (size_t i = 1; i < sizeof RESP_RFC7118 - 1; i++) {
        uint8_t *p = malloc(i);
        memcpy(p, RESP_RFC7118, i);
        pre_resp &= ws_is_upgrade_response(p, i, &hl) == WS_NEED_MORE;
        free(p);
    }
    ok(pre_req, "req: every strict prefix -> NEED_MORE");
    ok(pre_resp, "resp: every strict prefix -> NEED_MORE");

    /* unbounded header blocks are cut off */
    size_t big = WS_HTTP_MAX_HDR + 10;
    uint8_t *p = malloc(big);
    memset(p, 'a', big);
    memcpy(p, "GET / HTTP/1.1\r\nX: ", 19);
    is_int(ws_is_upgrade_request(p, big), 0, "req: no end within WS_HTTP_MAX_HDR -> 0");
    is_int(ws_is_upgrade_request(p, 1000), WS_NEED_MORE, "req: shorter -> still NEED_MORE");
    memcpy(p, "GET /", 5);
    is_int(ws_is_upgrade_request(p, big), 0, "req: endless request line -> 0");
    free(p);

    robust("RFC 6455 request", S(REQ_RFC6455), SIZE_MAX);
    robust("RFC 7118 response", S(RESP_RFC7118), SIZE_MAX);
}

/* Regressions found by fuzzing go here. */
static void test_regressions(void)
{
}

int main(void)
{
    test_rfc_examples();
    test_reassembly();
    test_violations();
    test_split_invite();
    test_handshake();
    test_regressions();
    return tap_done();
}
