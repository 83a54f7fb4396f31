/*
 * util.h - leaf utilities shared by every layer: checked allocation,
 * borrowed byte slices and a growable array.
 *
 * Ownership: x*alloc() abort with a message on out-of-memory (redis
 * zmalloc rule); callers never check for NULL.  A `struct slice` is a
 * borrowed (pointer, length) view and never owns its bytes.
 */
#ifndef SIPLADDER_BASE_UTIL_H
#define SIPLADDER_BASE_UTIL_H

#include <stddef.h>
#include <stdint.h>

struct slice {
    const uint8_t *p;
    size_t n;
};

#define SLICE_NULL ((struct slice){NULL, 0})

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow-by-doubling helper: returns a buffer with room for at least `need`
 * elements of `elem` bytes; *cap is updated.  Aborts on overflow. */
void *xgrow_slow(void *p, size_t *cap, size_t need, size_t elem);
static inline void *xgrow(void *p, size_t *cap, size_t need, size_t elem)
{
    return need <= *cap ? p : xgrow_slow(p, cap, need, elem); /* the common case inline */
}
char *xstrdup(const char *s);
uint8_t *xmemdup(const void *p, size_t n);

/* Case-insensitive ASCII comparison of a slice with a C string. */
int slice_eq_ci(struct slice s, const char *lit);
int slice_eq(struct slice s, const char *lit);
int slice_eq_slice(struct slice a, struct slice b);
struct slice slice_trim(struct slice s);
struct slice slice_cstr(const char *s);

/* 64-bit hash of bytes for hash maps (not cryptographic). */
uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);

/* v as printf("%.16g") writes it, into out (cap >= 32); returns the length,
 * or -1 on error.  Most values (1e-4 <= |v| < 1e15) are formatted without
 * printf; near-ties of the rounding and everything else go to snprintf. */
int fmt_g16(double v, char *out, size_t cap);

static inline int is_lws(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static inline uint8_t ascii_lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c; }

#endif
