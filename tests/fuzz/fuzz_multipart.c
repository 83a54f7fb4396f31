/*
 * fuzz_multipart.c - libFuzzer target for dissect/multipart.c.  The first
 * line of the input is the Content-Type, the rest the body.  Checks that
 * every part lies inside the body.
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t cl = nl ? (size_t)(nl - data) : size;
    struct slice ct = {data, cl};
    struct slice body = {nl ? nl + 1 : data + size, nl ? size - cl - 1 : 0};
    struct mp_part parts[8];
    size_t np = 0;
    multipart_parse(ct, body, parts, 8, &np);
    for (size_t i = 0; i < np; i++)
        if (parts[i].body.n && (parts[i].body.p < body.p || parts[i].body.p + parts[i].body.n > body.p + body.n))
            abort();
    int deep;
    struct slice f = multipart_find(ct, body, "application/sdp", 8, &deep);
    if (f.n && (f.p < data || f.p + f.n > data + size))
        abort();
    return 0;
}
