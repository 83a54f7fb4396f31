/*
 * ws.c - WebSocket handshake detection, frame parsing, unmasking and
 * message reassembly (see ws.h for the contract).
 *
 * RFC 6455 §4.1 (client handshake: "GET", HTTP/1.1, Upgrade header whose
 * value includes "websocket"), §4.2.2 (server "101" answer), §5.2 (base
 * framing: FIN, RSV1-3, opcode, MASK, 7/16/64-bit payload length with the
 * 64-bit MSB zero, masking key), §5.3 (client-to-server masking: octet i
 * XOR key[i mod 4]), §5.4 (fragmentation: a text/binary frame without FIN
 * followed by continuation frames, control frames may be interleaved but
 * are never fragmented), §5.5 (control frames: payload <= 125 bytes).
 * HTTP header syntax follows RFC 9112 §2.1-§5.2 (field lines ending in
 * CRLF, the obsolete line folding of §5.2 accepted) and the Upgrade list
 * of RFC 9110 §7.8 (protocol-name ["/" protocol-version], comma separated,
 * case-insensitive).  RFC 7118 §5 uses it all with the "sip" subprotocol.
 */
#include "dissect/ws.h"

#include <stdlib.h>
#include <string.h>

#include "dissect/rd.h"
#include "src/base/util.h"

#define NOT_FOUND ((size_t)-1)

/* Offset of the first CRLF in p[from..n), or NOT_FOUND. */
static size_t find_crlf(const uint8_t *p, size_t from, size_t n)
{
    while (from < n) {
        const uint8_t *cr = memchr(p + from, '\r', n - from);
        if (!cr)
            return NOT_FOUND;
        size_t i = (size_t)(cr - p);
        if (i + 1 < n && p[i + 1] == '\n')
            return i;
        from = i + 1;
    }
    return NOT_FOUND;
}

size_t ws_upgrade_len(const uint8_t *p, size_t n)
{
    size_t from = 0;
    if (!p)
        return 0;
    for (;;) {
        size_t i = find_crlf(p, from, n);
        if (i == NOT_FOUND)
            return 0;
        if (i + 3 < n && p[i + 2] == '\r' && p[i + 3] == '\n')
            return i + 4;
        from = i + 2;
    }
}

static int is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* Is the ASCII text [s, s+n) equal to lit, ignoring case? */
static int eq_ci(const uint8_t *s, size_t n, const char *lit)
{
    return slice_eq_ci((struct slice){s, n}, lit);
}

/* Does the Upgrade value [v, v+n) list "websocket" (RFC 9110 §7.8)? */
static int list_has_websocket(const uint8_t *v, size_t n)
{
    size_t i = 0;
    while (i <= n) {
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i; /* element [s, e) */
        while (s < e && is_ows(v[s]))
            s++;
        size_t slash = s;
        while (slash < e && v[slash] != '/')
            slash++;
        size_t ne = slash;
        while (ne > s && is_ows(v[ne - 1]))
            ne--;
        if (eq_ci(v + s, ne - s, "websocket"))
            return 1;
        i++; /* past ',' (or past the end: loop ends) */
    }
    return 0;
}

/*
 * Scan the header field lines [h, h+n) (each ending in CRLF) for an
 * Upgrade header listing websocket.  Continuation lines (starting with SP
 * or HT) extend the previous field's value.
 */
static int headers_upgrade_ws(const uint8_t *h, size_t n)
{
    size_t pos = 0;
    int in_upgrade = 0;
    while (pos < n) {
        size_t e = find_crlf(h, pos, n);
        if (e == NOT_FOUND)
            e = n;
        const uint8_t *line = h + pos;
        size_t len = e - pos;
        if (len > 0 && is_ows(line[0])) {
            if (in_upgrade && list_has_websocket(line, len))
                return 1;
        } else {
            const uint8_t *colon = len ? memchr(line, ':', len) : NULL;
            in_upgrade = 0;
            if (colon) {
                size_t nl = (size_t)(colon - line);
                while (nl > 0 && is_ows(line[nl - 1]))
                    nl--; /* tolerated: whitespace before ':' */
                if (eq_ci(line, nl, "upgrade")) {
                    in_upgrade = 1;
                    size_t vo = (size_t)(colon - line) + 1;
                    if (list_has_websocket(line + vo, len - vo))
                        return 1;
                }
            }
        }
        pos = e + 2;
    }
    return 0;
}

/* 1 when the first n bytes of p equal the first n bytes of lit. */
static int prefix_of(const uint8_t *p, size_t n, const char *lit)
{
    return memcmp(p, lit, n) == 0;
}

/* Request line [p, p+len) (without CRLF): "GET" SP target SP "HTTP/1.1". */
static int request_line_ok(const uint8_t *p, size_t len)
{
    static const char ver[] = " HTTP/1.1";
    const size_t vl = sizeof ver - 1;
    if (len < 4 + 1 + vl || memcmp(p + len - vl, ver, vl) != 0)
        return 0;
    for (size_t i = 4; i < len - vl; i++)
        if (p[i] <= 0x20 || p[i] == 0x7f)
            return 0; /* request-target: no SP, no CTL */
    return 1;
}

/* Status line [p, p+len): "HTTP/1.1 101" [SP reason-phrase]. */
static int status_line_ok(const uint8_t *p, size_t len)
{
    if (len < 12 || memcmp(p, "HTTP/1.1 101", 12) != 0)
        return 0;
    if (len > 12 && p[12] != ' ')
        return 0;
    for (size_t i = 13; i < len; i++)
        if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
            return 0;
    return 1;
}

/*
 * Shared tail of both detectors once the start line matched the prefix:
 * first line complete and valid, header block complete, Upgrade present.
 */
static int handshake(const uint8_t *p, size_t n, int (*line_ok)(const uint8_t *, size_t), size_t *hdr_len)
{
    size_t lim = n < WS_HTTP_MAX_HDR ? n : WS_HTTP_MAX_HDR;
    size_t le = find_crlf(p, 0, lim);
    if (le == NOT_FOUND) {
        /* a bare LF or NUL in the start line so far: clearly not HTTP */
        if (memchr(p, '\n', lim) || memchr(p, '\0', lim))
            return 0;
        return n >= WS_HTTP_MAX_HDR ? 0 : WS_NEED_MORE;
    }
    if (!line_ok(p, le))
        return 0;
    size_t hl = ws_upgrade_len(p, lim);
    if (hl == 0)
        return n >= WS_HTTP_MAX_HDR ? 0 : WS_NEED_MORE;
    /* header lines: after the start line's CRLF up to the empty line */
    size_t hs = le + 2;
    if (hs > hl - 2)
        return 0; /* no header lines at all */
    if (!headers_upgrade_ws(p + hs, hl - 2 - hs))
        return 0;
    if (hdr_len)
        *hdr_len = hl;
    return 1;
}

int ws_is_upgrade_request(const uint8_t *p, size_t n)
{
    if (!p || n == 0)
        return 0;
    if (n < 4)
        return prefix_of(p, n, "GET ") ? WS_NEED_MORE : 0;
    if (!prefix_of(p, 4, "GET "))
        return 0;
    return handshake(p, n, request_line_ok, NULL);
}

int ws_is_upgrade_response(const uint8_t *p, size_t n, size_t *hdr_len)
{
    static const char st[] = "HTTP/1.1 101";
    if (hdr_len)
        *hdr_len = 0;
    if (!p || n == 0)
        return 0;
    if (n < sizeof st - 1)
        return prefix_of(p, n, st) ? WS_NEED_MORE : 0;
    if (!prefix_of(p, sizeof st - 1, st))
        return 0;
    if (n > 12 && p[12] != ' ' && p[12] != '\r')
        return 0; /* e.g. "HTTP/1.1 1010" */
    return handshake(p, n, status_line_ok, hdr_len);
}

static int opcode_reserved(uint8_t op)
{
    return (op >= 0x3 && op <= 0x7) || op >= 0xB;
}

int ws_frame_parse(const uint8_t *p, size_t n, struct ws_frame *f)
{
    struct ws_frame w;

    memset(&w, 0, sizeof w);
    memset(f, 0, sizeof *f);
    if (!p)
        return WS_NEED_MORE;
    struct rd r = rd_init(p, n);

    uint8_t b0 = rd_u8(&r);
    if (r.err)
        return WS_NEED_MORE;
    w.fin = (uint8_t)(b0 >> 7);
    w.rsv = (uint8_t)((b0 >> 4) & 0x7);
    w.opcode = (uint8_t)(b0 & 0xf);
    if (opcode_reserved(w.opcode))
        return WS_BAD;
    int ctl = ws_is_control(w.opcode);
    if (ctl && !w.fin)
        return WS_BAD; /* §5.4: control frames MUST NOT be fragmented */

    uint8_t b1 = rd_u8(&r);
    if (r.err)
        return WS_NEED_MORE;
    w.masked = (uint8_t)(b1 >> 7);
    uint8_t len7 = (uint8_t)(b1 & 0x7f);
    if (ctl && len7 > 125)
        return WS_BAD; /* §5.5 */

    if (len7 == 126) {
        w.payload_len = rd_u16(&r);
    } else if (len7 == 127) {
        if (rd_left(&r) >= 1 && (r.p[0] & 0x80))
            return WS_BAD; /* §5.2: the most significant bit MUST be 0 */
        uint64_t hi = rd_u32(&r);
        uint64_t lo = rd_u32(&r);
        w.payload_len = (hi << 32) | lo;
    } else {
        w.payload_len = len7;
    }
    if (r.err)
        return WS_NEED_MORE;
    if (w.masked) {
        const uint8_t *k = rd_bytes(&r, 4);
        if (!k)
            return WS_NEED_MORE;
        memcpy(w.mask, k, 4);
    }
    w.header_len = (size_t)(r.p - p);
    *f = w;
    return WS_OK;
}

void ws_unmask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t mask[4], uint64_t offset)
{
    unsigned k = (unsigned)(offset & 3);
    uint8_t rot[8];
    size_t i = 0;

    /* key rotated to this offset, twice: XOR 8 bytes at a time */
    for (unsigned j = 0; j < 8; j++)
        rot[j] = mask[(k + j) & 3];
    uint64_t m8;
    memcpy(&m8, rot, 8);
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, src + i, 8);
        w ^= m8;
        memcpy(dst + i, &w, 8);
    }
    for (; i < n; i++)
        dst[i] = (uint8_t)(src[i] ^ rot[i & 7]);
}

void ws_msg_init(struct ws_msg_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void ws_msg_reset(struct ws_msg_buf *b)
{
    b->n = 0;
    b->active = 0;
    b->opcode = 0;
    b->frame_got = 0;
}

void ws_msg_free(struct ws_msg_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
    b->active = 0;
    b->frame_got = 0;
}

int ws_msg_add(struct ws_msg_buf *b, const struct ws_frame *f, const uint8_t *payload_unmasked, size_t n)
{
    if (!b || !f || (n && !payload_unmasked))
        return -1;
    if (opcode_reserved(f->opcode))
        return -1;
    if (ws_is_control(f->opcode))
        return 0; /* close/ping/pong: the caller's business */

    if (b->frame_got == 0) { /* first bytes of a frame */
        if (f->opcode == WS_OP_CONT) {
            if (!b->active)
                return -1; /* continuation without a start */
        } else {
            if (b->active)
                b->dropped++; /* unfinished message superseded */
            b->n = 0;
            b->active = 1;
            b->opcode = f->opcode;
        }
    } else if (!b->active) {
        return -1;
    }
    if ((uint64_t)n > f->payload_len - (b->frame_got < f->payload_len ? b->frame_got : f->payload_len))
        return -1; /* pieces longer than the frame */

    size_t lim = b->max ? b->max : SIZE_MAX;
    if (b->n > lim || n > lim - b->n)
        return -1;
    if (b->n + n > b->cap) {
        size_t need = b->n + n;
        size_t c = b->cap ? b->cap : 256;
        while (c < need)
            c = c > lim / 2 ? lim : c * 2; /* need <= lim: ends */
        if (c > lim)
            c = lim;
        b->p = xrealloc(b->p, c);
        b->cap = c;
    }
    if (n) {
        memcpy(b->p + b->n, payload_unmasked, n);
        b->n += n;
    }
    b->frame_got += n;
    if (b->frame_got < f->payload_len)
        return 0;
    b->frame_got = 0;
    if (f->fin) {
        b->active = 0;
        return 1;
    }
    return 0;
}
