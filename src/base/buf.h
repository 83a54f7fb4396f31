/*
 * buf.h - growable byte buffer for building output text.
 * The buffer is always NUL-terminated after each append.
 */
#ifndef SIPLADDER_BASE_BUF_H
#define SIPLADDER_BASE_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
    char *p;
    size_t n, cap;
};

void buf_put(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
static inline void buf_putc(struct buf *b, char c)
{
    if (b->n + 2 <= b->cap) { /* room for c and the NUL */
        b->p[b->n++] = c;
        b->p[b->n] = 0;
        return;
    }
    buf_put(b, &c, 1);
}
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Append bytes escaped for a terminal: control bytes (C0, DEL, C1 as
 * UTF-8) and invalid UTF-8 become \xHH, backslash stays as is; valid
 * UTF-8 passes through.  Returns the display width added (code points). */
size_t buf_put_escaped(struct buf *b, const uint8_t *p, size_t n);
/* Display width of bytes after buf_put_escaped-style escaping. */
size_t escaped_width(const uint8_t *p, size_t n);
/* Length of the longest valid-UTF-8 prefix of p (== n when all valid). */
size_t utf8_valid_prefix(const uint8_t *p, size_t n);
/* Append bytes as valid UTF-8: invalid sequences become U+FFFD. */
void buf_put_utf8_clean(struct buf *b, const uint8_t *p, size_t n);

#endif
