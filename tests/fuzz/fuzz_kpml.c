/*
 * fuzz_kpml.c - libFuzzer target for KPML bodies (dissect/kpml.c, RFC
 * 4730 §5) parsed with libxml2 under the entity/encoding/size guards.
 *
 * Aborts when a result string is not NUL-terminated within its buffer,
 * digits hold a non-DTMF character, or the counts exceed their bounds.
 * The target must not print (libxml2 errors become anomalies) and must
 * not touch files or the network.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/kpml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kpml_result r;
    int rc = kpml_parse(data, size, &r);
    CHECK(rc == (r.kind != KPML_NONE));
    CHECK(r.nanoms <= KPML_MAX_ANOMS && r.ndigits <= KPML_MAX_DIGITS);
    CHECK(memchr(r.digits, 0, sizeof r.digits) && strlen(r.digits) == r.ndigits);
    CHECK(memchr(r.tag, 0, sizeof r.tag) && memchr(r.text, 0, sizeof r.text));
    for (unsigned i = 0; i < r.ndigits; i++)
        CHECK(strchr("0123456789*#ABCD", r.digits[i]));
    for (unsigned i = 0; i < r.nanoms; i++)
        CHECK(r.anoms[i] > 0 && r.anoms[i] < KPML_ANOM__COUNT);
    if (rc && r.has_code)
        CHECK(r.code >= 100 && r.code <= 999);
    return 0;
}
