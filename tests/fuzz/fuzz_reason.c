/*
 * fuzz_reason.c - libFuzzer target for the RFC 3326 Reason header parser
 * (dissect/reason.c), the ITU-T Q.850 table (dissect/q850.c) and the
 * SIP -> Q.850 mapping (dissect/sipq850.c, RFC 3398 / seed Table 1-26).
 *
 * The input is one header value.  Aborts when a value's slices leave the
 * input, the walk does not make progress (more values than bytes + 1), a
 * documented invariant breaks (anomaly bits in range, has_cause with a
 * cause in 0..999999, protocol class consistent with the token), or the
 * unescaped text is longer than the quoted text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/q850.h"
#include "dissect/reason.h"
#include "dissect/sipq850.h"
#include "src/base/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void inside(struct slice outer, struct slice s)
{
    if (!s.n)
        return;
    CHECK(s.p >= outer.p && s.n <= outer.n && (size_t)(s.p - outer.p) <= outer.n - s.n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct slice v = {data, size};
    struct reason_iter it;
    struct reason_value rv;
    size_t n = 0;
    reason_iter_init(&it, v);
    while (reason_iter_next(&it, &rv)) {
        CHECK(++n <= size + 1);
        inside(v, rv.raw);
        inside(v, rv.protocol);
        inside(v, rv.cause_s);
        inside(v, rv.text);
        inside(v, rv.params);
        CHECK((rv.anoms >> REASON_ANOM__COUNT) == 0);
        CHECK(!rv.has_cause || rv.cause <= 999999);
        CHECK(rv.proto == reason_proto_of(rv.protocol));
        CHECK(rv.has_text || rv.text.n == 0);
        if (rv.has_text) {
            struct buf b = {0};
            reason_text_put(&b, rv.text);
            CHECK(b.n <= rv.text.n);
            buf_free(&b);
        }
        if (rv.has_cause) {
            CHECK(q850_name(rv.cause) != NULL);
            (void)q850_class_name(q850_class(rv.cause));
            const struct sipq850_entry *e = sipq850_lookup(rv.cause);
            CHECK(!e || (e->status == rv.cause && q850_is_assigned(e->cause)));
        }
        for (unsigned a = 0; a < REASON_ANOM__COUNT; a++)
            if (rv.anoms & (1u << a))
                CHECK(reason_anom_name((enum reason_anom)a)[0] != '?');
    }
    CHECK(!reason_iter_next(&it, &rv));
    return 0;
}
