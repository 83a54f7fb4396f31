/*
 * buf.c - growable output buffer and output-safe escaping (see buf.h).
 */
#include "src/base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"

void buf_put(struct buf *b, const void *p, size_t n)
{
    b->p = xgrow(b->p, &b->cap, b->n + n + 1, 1);
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = 0;
}

void buf_puts(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    b->p = xgrow(b->p, &b->cap, b->n + (size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

void buf_reset(struct buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = 0;
}

void buf_free(struct buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* Length of a valid UTF-8 sequence at p (RFC 3629), or 0 if invalid. */
static size_t utf8_len(const uint8_t *p, size_t n, uint32_t *cp)
{
    uint8_t c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if ((c & 0xe0) == 0xc0) {
        len = 2; v = c & 0x1f; min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3; v = c & 0x0f; min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

static size_t escape_impl(struct buf *b, const uint8_t *p, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = utf8_len(p + i, n - i, &cp);
        if (l == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 ||
            (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
            /* control, invalid, or bidi override: show the bytes */
            size_t k = l ? l : 1;
            for (size_t j = 0; j < k; j++) {
                if (b) {
                    char t[5];
                    snprintf(t, sizeof t, "\\x%02x", p[i + j]);
                    buf_put(b, t, 4);
                }
                w += 4;
            }
            i += k;
            continue;
        }
        if (b)
            buf_put(b, p + i, l);
        w++;
        i += l;
    }
    return w;
}

size_t buf_put_escaped(struct buf *b, const uint8_t *p, size_t n)
{
    return escape_impl(b, p, n);
}

size_t escaped_width(const uint8_t *p, size_t n)
{
    return escape_impl(NULL, p, n);
}

size_t utf8_valid_prefix(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* fast path: 8 ASCII bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = utf8_len(p + i, n - i, &cp);
        if (!l)
            return i;
        i += l;
    }
    return n;
}

void buf_put_utf8_clean(struct buf *b, const uint8_t *p, size_t n)
{
    while (n) {
        size_t ok = utf8_valid_prefix(p, n);
        buf_put(b, p, ok); /* one copy per valid run */
        if (ok == n)
            return;
        buf_put(b, "\xef\xbf\xbd", 3);
        p += ok + 1;
        n -= ok + 1;
    }
}
