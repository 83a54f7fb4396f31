/*
 * fuzz_ws.c - libFuzzer target for the WebSocket dissector (dissect/ws.c:
 * RFC 6455 §4.1/§4.2.2 handshake detection, §5.2 framing, §5.3 masking,
 * §5.4 fragmentation).
 *
 * Treats the input as one direction of a TCP stream: detect a handshake,
 * skip it, then walk frames, unmask each payload (whole, and in two
 * pieces at an input-chosen split with the offset argument), and feed the
 * reassembler piecewise.  Aborts when a ws.h contract breaks: return
 * codes out of range, header_len outside 2..14 or past n, a control frame
 * accepted fragmented or over 125 bytes, piecewise unmasking differing
 * from whole unmasking, a complete handshake not framed the same on its
 * own bytes, a strict prefix of a complete handshake or frame header not
 * answering NEED_MORE, or a reassembled message over its limit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

#define MAX_MSG (256 * 1024)

static void check_handshake(const uint8_t *p, size_t n, int rq, int rs, size_t hl)
{
    size_t ul = ws_upgrade_len(p, n);
    CHECK(ul <= n && (ul == 0 || ul >= 4));
    CHECK(rq == 1 || rq == 0 || rq == WS_NEED_MORE);
    CHECK(rs == 1 || rs == 0 || rs == WS_NEED_MORE);
    CHECK(!(rq == 1 && rs == 1));
    CHECK(rs == 1 ? hl == ul && hl > 0 : hl == 0);
    if (rq == 1)
        CHECK(ul > 0 && memcmp(p, "GET ", 4) == 0);
    if (rs == 1)
        CHECK(memcmp(p, "HTTP/1.1 101", 12) == 0);
    if (rq != 1 && rs != 1)
        return;
    /* the header block alone gives the same answer; every strict prefix
     * of it needs more */
    size_t h2 = 0;
    if (rq == 1)
        CHECK(ws_is_upgrade_request(p, ul) == 1);
    else
        CHECK(ws_is_upgrade_response(p, ul, &h2) == 1 && h2 == ul);
    size_t step = ul <= 256 ? 1 : ul / 64;
    for (size_t cut = 1; cut < ul; cut += step) {
        int r = rq == 1 ? ws_is_upgrade_request(p, cut) : ws_is_upgrade_response(p, cut, &h2);
        CHECK(r == WS_NEED_MORE);
    }
}

static void check_frame_prefixes(const uint8_t *p, const struct ws_frame *f)
{
    struct ws_frame g;
    for (size_t cut = 0; cut < f->header_len; cut++)
        CHECK(ws_frame_parse(p, cut, &g) == WS_NEED_MORE);
    CHECK(ws_frame_parse(p, f->header_len, &g) == WS_OK);
    CHECK(g.header_len == f->header_len && g.payload_len == f->payload_len && g.opcode == f->opcode &&
          g.fin == f->fin && g.rsv == f->rsv && g.masked == f->masked && memcmp(g.mask, f->mask, 4) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t hl = 7;
    int rq = ws_is_upgrade_request(data, size);
    int rs = ws_is_upgrade_response(data, size, &hl);
    check_handshake(data, size, rq, rs, hl);

    size_t off = rq == 1 ? ws_upgrade_len(data, size) : rs == 1 ? hl : 0;
    if (rq == WS_NEED_MORE || rs == WS_NEED_MORE)
        off = 0; /* still try the bytes as frames */

    struct ws_msg_buf b;
    ws_msg_init(&b, MAX_MSG);
    unsigned split_seed = size ? data[size - 1] : 0;
    for (int k = 0; k < 10000 && off < size; k++) {
        struct ws_frame f;
        int rc = ws_frame_parse(data + off, size - off, &f);
        CHECK(rc == WS_OK || rc == WS_BAD || rc == WS_NEED_MORE);
        if (rc != WS_OK) {
            CHECK(f.header_len == 0 && f.payload_len == 0 && f.opcode == 0);
            break;
        }
        CHECK(f.header_len >= 2 && f.header_len <= WS_MAX_FRAME_HDR && f.header_len <= size - off);
        CHECK(f.payload_len < (1ULL << 63) && f.rsv < 8 && f.opcode < 16);
        CHECK(!ws_is_control(f.opcode) || (f.fin && f.payload_len <= 125));
        CHECK(f.masked || (f.mask[0] | f.mask[1] | f.mask[2] | f.mask[3]) == 0);
        check_frame_prefixes(data + off, &f);
        if (f.payload_len > size - off - f.header_len)
            break;
        size_t pl = (size_t)f.payload_len;
        size_t cut = pl ? (split_seed * 131u + (unsigned)k) % (pl + 1) : 0;
        const uint8_t *src = data + off + f.header_len;
        uint8_t *whole = malloc(pl ? pl : 1), *pieces = malloc(pl ? pl : 1);
        ws_unmask(whole, src, pl, f.mask, 0);
        ws_unmask(pieces, src, cut, f.mask, 0);
        ws_unmask(pieces + cut, src + cut, pl - cut, f.mask, cut);
        CHECK(pl == 0 || memcmp(whole, pieces, pl) == 0);
        /* in place, twice, is the identity */
        memcpy(pieces, src, pl);
        ws_unmask(pieces, pieces, pl, f.mask, 3);
        ws_unmask(pieces, pieces, pl, f.mask, 7);
        CHECK(pl == 0 || memcmp(pieces, src, pl) == 0);

        size_t before = b.n;
        int r = ws_msg_add(&b, &f, whole, cut);
        CHECK(r == 1 || r == 0 || r == -1);
        if (r == 0 && cut < pl) {
            r = ws_msg_add(&b, &f, whole + cut, pl - cut);
            CHECK(r == 1 || r == 0 || r == -1);
        }
        if (r == 1) {
            CHECK(!ws_is_control(f.opcode) && f.fin && !b.active);
            CHECK(b.n <= MAX_MSG && (b.opcode == WS_OP_TEXT || b.opcode == WS_OP_BINARY));
            CHECK(b.n >= pl && (pl == 0 || memcmp(b.p + b.n - pl, whole, pl) == 0));
            ws_msg_reset(&b);
        } else if (r == -1) {
            ws_msg_reset(&b);
        } else if (ws_is_control(f.opcode)) {
            CHECK(b.n == before); /* never mixed in */
        }
        CHECK(b.n <= b.cap || b.n == 0);
        CHECK(b.cap <= MAX_MSG);
        free(whole);
        free(pieces);
        off += f.header_len + pl;
    }
    ws_msg_free(&b);
    return 0;
}
