/*
 * util.c - checked allocation and slice helpers (see util.h).
 */
#include "src/base/util.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "sipladder: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        oom(nmemb * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

void *xgrow_slow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 8;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            oom(SIZE_MAX);
        c *= 2;
    }
    if (elem && c > SIZE_MAX / elem)
        oom(SIZE_MAX);
    p = xrealloc(p, c * elem);
    *cap = c;
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s);
    char *d = xmalloc(n + 1);
    memcpy(d, s, n + 1);
    return d;
}

uint8_t *xmemdup(const void *p, size_t n)
{
    uint8_t *d = xmalloc(n ? n : 1);
    if (n)
        memcpy(d, p, n);
    return d;
}

int slice_eq_ci(struct slice s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(s.p[i]) != ascii_lower((uint8_t)lit[i]))
            return 0;
    return 1;
}

int slice_eq(struct slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

int slice_eq_slice(struct slice a, struct slice b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

struct slice slice_trim(struct slice s)
{
    while (s.n && is_lws(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && is_lws(s.p[s.n - 1]))
        s.n--;
    return s;
}

struct slice slice_cstr(const char *s)
{
    return (struct slice){(const uint8_t *)s, strlen(s)};
}

/* Word-at-a-time multiplicative hash with a final avalanche (the
 * splitmix64 finaliser), so the low bits the hash maps use are well mixed. */
uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const uint8_t *b = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ seed ^ ((uint64_t)n * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
        b += 8;
        n -= 8;
    }
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++)
        t |= (uint64_t)b[i] << (8 * i);
    h = (h ^ t) * 0x94d049bb133111ebULL;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

int fmt_g16(double v, char *out, size_t cap)
{
    if (cap < 32)
        return -1;
#if LDBL_MANT_DIG >= 64
    /* 10^0 .. 10^19, all exact in a 64-bit-mantissa long double */
    static const long double p10[20] = {1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L,
                                        1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L};
    long double a = v < 0 ? -(long double)v : (long double)v;
    if (a >= 1e-4L && a < 1e15L) {
        int e = 14; /* decimal exponent: p10[e] <= a < p10[e + 1] */
        if (a < 1.0L) {
            e = -1;
            while (e > -4 && a * p10[-e] < 1.0L)
                e--;
        } else {
            while (e > 0 && a < p10[e])
                e--;
        }
        /* the 16 significant digits: a * 10^(15 - e), an integer of 16 digits
         * once rounded; the product is exact to about 2^-11 in the units */
        long double sc = a * p10[15 - e];
        long double fl = floorl(sc), fr = sc - fl;
        if (fabsl(fr - 0.5L) > 1e-3L) { /* else a near-tie: leave it to printf */
            uint64_t u = (uint64_t)fl + (fr > 0.5L);
            if (u >= 1000000000000000ULL && u < 10000000000000000ULL) {
                char d[16];
                for (int i = 15; i >= 0; i--, u /= 10)
                    d[i] = (char)('0' + u % 10);
                int nd = 16;
                while (nd > 1 && d[nd - 1] == '0')
                    nd--;
                size_t n = 0;
                if (v < 0)
                    out[n++] = '-';
                if (e >= 0) {
                    for (int i = 0; i <= e; i++)
                        out[n++] = i < nd ? d[i] : '0';
                    if (nd > e + 1) {
                        out[n++] = '.';
                        for (int i = e + 1; i < nd; i++)
                            out[n++] = d[i];
                    }
                } else {
                    out[n++] = '0';
                    out[n++] = '.';
                    for (int i = -1; i > e; i--)
                        out[n++] = '0';
                    for (int i = 0; i < nd; i++)
                        out[n++] = d[i];
                }
                out[n] = 0;
                return (int)n;
            }
        }
    }
#endif
    int n = snprintf(out, cap, "%.16g", v);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}
