/*
 * test_base.c - hash map, output escaping, UTF-8 cleaning, limits.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/buf.h"
#include "src/base/hmap.h"
#include "src/base/limits.h"
#include "src/base/util.h"
#include "tests/unit/tap.h"

static void test_hmap(void)
{
    struct hmap m;
    hmap_init(&m);
    char k[32];
    int good = 1;
    for (uint32_t i = 0; i < 100000; i++) {
        int n = snprintf(k, sizeof k, "key-%u", i);
        hmap_put(&m, k, (size_t)n, i);
    }
    is_int(m.count, 100000, "hmap: 100000 entries");
    for (uint32_t i = 0; i < 100000; i += 7) {
        int n = snprintf(k, sizeof k, "key-%u", i);
        uint32_t v;
        if (!hmap_get(&m, k, (size_t)n, &v) || v != i)
            good = 0;
    }
    ok(good, "hmap: lookups return inserted values");
    ok(!hmap_get(&m, "nope", 4, NULL), "hmap: missing key");
    for (uint32_t i = 0; i < 100000; i += 2) {
        int n = snprintf(k, sizeof k, "key-%u", i);
        hmap_del(&m, k, (size_t)n);
    }
    is_int(m.count, 50000, "hmap: deletes");
    uint32_t v;
    ok(!hmap_get(&m, "key-2", 5, &v) && hmap_get(&m, "key-3", 5, &v) && v == 3, "hmap: tombstones skip correctly");
    hmap_put(&m, "", 0, 42);
    ok(hmap_get(&m, "", 0, &v) && v == 42, "hmap: empty key");
    /* binary keys with NULs */
    hmap_put(&m, "a\0b", 3, 7);
    ok(hmap_get(&m, "a\0b", 3, &v) && v == 7 && !hmap_get(&m, "a\0c", 3, &v), "hmap: binary keys");
    hmap_fini(&m);
}

static void test_escape(void)
{
    struct buf b = {0};
    const char *evil = "ok \x1b[31mred\x1b]0;title\x07 \r\n\x7f";
    buf_put_escaped(&b, (const uint8_t *)evil, strlen(evil));
    ok(!memchr(b.p, 0x1b, b.n) && !memchr(b.p, 0x07, b.n) && !memchr(b.p, '\r', b.n) && !memchr(b.p, '\n', b.n) &&
           !memchr(b.p, 0x7f, b.n),
       "escape: no control bytes survive");
    ok(strstr(b.p, "\\x1b[31mred") != NULL, "escape: ESC shown as \\x1b");
    buf_reset(&b);
    /* C1 control U+009B (CSI) encoded as UTF-8 */
    buf_put_escaped(&b, (const uint8_t *)"a\xc2\x9b" "b", 4);
    is_str(slice_cstr(b.p), "a\\xc2\\x9bb", "escape: UTF-8 C1 CSI escaped");
    buf_reset(&b);
    buf_put_escaped(&b, (const uint8_t *)"caf\xc3\xa9 \xe2\x82\xac", 9);
    is_str(slice_cstr(b.p), "caf\xc3\xa9 \xe2\x82\xac", "escape: valid UTF-8 passes");
    is_int(escaped_width((const uint8_t *)"caf\xc3\xa9", 5), 4, "escape: width counts code points");
    buf_reset(&b);
    buf_put_escaped(&b, (const uint8_t *)"\xff\xfe", 2);
    is_str(slice_cstr(b.p), "\\xff\\xfe", "escape: invalid UTF-8 as hex");
    buf_reset(&b);
    buf_put_escaped(&b, (const uint8_t *)"\xe2\x80\xae", 3);
    is_str(slice_cstr(b.p), "\\xe2\\x80\\xae", "escape: bidi override escaped");
    buf_reset(&b);
    buf_put_utf8_clean(&b, (const uint8_t *)"a\xff" "b\xc3", 4);
    is_str(slice_cstr(b.p), "a\xef\xbf\xbd" "b\xef\xbf\xbd", "utf8_clean: invalid bytes -> U+FFFD");
    buf_reset(&b);
    buf_put_utf8_clean(&b, (const uint8_t *)"\xed\xa0\x80", 3);
    is_int(b.n, 9, "utf8_clean: surrogate rejected byte by byte");
    buf_reset(&b);
    buf_put_utf8_clean(&b, (const uint8_t *)"\xc0\xaf", 2);
    is_int(b.n, 6, "utf8_clean: overlong rejected");
    buf_free(&b);
}

static void test_limits(void)
{
    struct limits l = LIMITS_DEFAULT_INIT;
    ok(limits_set(&l, "calls=10") == 0 && l.max_calls == 10, "limits: calls=10");
    ok(limits_set(&l, "store-bytes=1000000000000") == 0 && l.max_store_bytes == 1000000000000ULL, "limits: 64-bit");
    ok(limits_set(&l, "calls=0") != 0, "limits: zero rejected");
    ok(limits_set(&l, "calls=99999999999") != 0, "limits: overflow rejected");
    ok(limits_set(&l, "bogus=1") != 0, "limits: unknown name");
    ok(limits_set(&l, "calls") != 0, "limits: no value");
    ok(limits_set(&l, "calls=12x") != 0, "limits: trailing junk");
}

/* fmt_g16 must write exactly what printf("%.16g") writes */
static void test_fmt_g16(void)
{
    uint64_t x = 88172645463325252ULL;
    char a[64], b[64];
    unsigned long bad = 0, n = 0;
    const char *first = NULL;
    static char firstbuf[160];
    for (unsigned long i = 0; i < 3000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v;
        switch (i % 6) {
        case 0: /* a capture timestamp in seconds, from nanoseconds */
            v = (double)(int64_t)(1600000000000000000ULL + x % 400000000000000000ULL) / 1e9;
            break;
        case 1: /* a duration or delay in seconds */
            v = (double)(int64_t)(x % 100000000000ULL) / 1e9;
            break;
        case 2: /* milliseconds and percentages with a few decimals */
            v = (double)(x % 10000000ULL) / 1000.0;
            break;
        case 3: { /* any magnitude */
            double m = (double)(x >> 11) / 9007199254740992.0;
            int e = (int)((x >> 3) % 44) - 22;
            v = m * pow(10.0, e);
            break;
        }
        case 4: /* raw bit patterns (NaN, inf, subnormals included) */
            memcpy(&v, &x, sizeof v);
            break;
        default: /* small integers and halves: exact ties */
            v = (double)(int64_t)(x % 2000001ULL) / 2.0 - 500000.0;
        }
        int la = fmt_g16(v, a, sizeof a);
        int lb = snprintf(b, sizeof b, "%.16g", v);
        n++;
        if (la != lb || strcmp(a, b) != 0) {
            if (!bad++) {
                snprintf(firstbuf, sizeof firstbuf, "%s vs printf %s", a, b);
                first = firstbuf;
            }
        }
    }
    const double fixed[] = {0.0, -0.0, 1.0, 0.1, 0.0001, 0.00009999999999999999, 999999999999999.9,
                            1e15, 123456789012345.6, 0.094967, 1767225613.50451, 2.5, -2.5, 0.5, 1e-5};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        int la = fmt_g16(fixed[i], a, sizeof a);
        int lb = snprintf(b, sizeof b, "%.16g", fixed[i]);
        n++;
        if (la != lb || strcmp(a, b) != 0)
            if (!bad++) {
                snprintf(firstbuf, sizeof firstbuf, "%s vs printf %s", a, b);
                first = firstbuf;
            }
    }
    ok(bad == 0, "fmt_g16: %lu values formatted as printf %%.16g does", n);
    if (bad)
        fprintf(stderr, "# fmt_g16: %lu differ, first: %s\n", bad, first);
    is_int(fmt_g16(1.0, a, 16), -1, "fmt_g16: refuses a buffer under 32 bytes");
}

int main(void)
{
    test_hmap();
    test_fmt_g16();
    test_escape();
    test_limits();
    return tap_done();
}
