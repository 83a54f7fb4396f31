/*
 * fuzz_hep.c - libFuzzer target for the HEP v1/v2/v3 decapsulator
 * (dissect/hep.c; HEP3 spec rev. 12 §2-§4, HEP v1/v2 reference structs).
 *
 * Aborts when a hep.h contract breaks: return code out of range, a
 * payload outside the input or empty, hep_len past n, family not 0/4/6,
 * compressed set outside HEP3, or an answer that changes when the HEP3
 * packet is re-parsed on exactly its own hep_len bytes (trailing bytes
 * must not matter).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/hep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hep_info h, g;
    int rc = hep_parse(data, size, &h);
    CHECK(rc == 1 || rc == 0 || rc == -1);
    if (rc != 1)
        return 0;
    CHECK(h.version >= 1 && h.version <= 3);
    CHECK(h.family == 0 || h.family == 4 || h.family == 6);
    CHECK(h.version == 3 || h.family != 0);
    CHECK(h.payload && h.payload_len > 0 && h.payload >= data);
    CHECK((size_t)(h.payload - data) <= size && h.payload_len <= size - (size_t)(h.payload - data));
    CHECK(h.hep_len <= size && (size_t)(h.payload - data) + h.payload_len <= h.hep_len);
    CHECK(!h.compressed || h.version == 3);
    CHECK(h.version == 2 ? h.has_time : h.version == 1 ? !h.has_time : 1);
    if (h.family == 4)
        for (int i = 4; i < 16; i++)
            CHECK(h.src[i] == 0 && h.dst[i] == 0);
    /* the packet's own bytes parse identically */
    uint8_t *copy = malloc(h.hep_len);
    memcpy(copy, data, h.hep_len);
    CHECK(hep_parse(copy, h.hep_len, &g) == 1);
    CHECK(g.version == h.version && g.family == h.family && g.sport == h.sport && g.dport == h.dport &&
          g.payload_len == h.payload_len && g.payload - copy == h.payload - data &&
          g.compressed == h.compressed && g.capture_id == h.capture_id && g.ts_sec == h.ts_sec &&
          memcmp(g.src, h.src, 16) == 0 && memcmp(g.dst, h.dst, 16) == 0);
    free(copy);
    return 0;
}
