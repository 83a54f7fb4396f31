/*
 * fuzz_sctp.c - libFuzzer target for the SCTP walker (dissect/sctp.c;
 * RFC 9260 §3.1-§3.3.1, RFC 8260 §2.1).
 *
 * Walks the chunks of the input as an SCTP packet and decodes every DATA
 * and I-DATA chunk.  Aborts when a sctp.h contract breaks: return codes
 * out of range, a chunk value or user data outside the input, value_len
 * not length - 4, chunks not advancing, the end/malformed answer not
 * sticky, DATA decoded from another chunk type, user data not at the
 * fixed offset (12 for DATA, 16 for I-DATA) or empty.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dissect/sctp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static int inside(const uint8_t *p, size_t n, const uint8_t *q, size_t m)
{
    return q >= p && (size_t)(q - p) <= n && m <= n - (size_t)(q - p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sctp_hdr h;
    int rc = sctp_parse_header(data, size, &h);
    CHECK(rc == 0 || rc == -1);
    CHECK((rc == 0) == (size >= SCTP_HDR_LEN));

    struct rd r = sctp_chunks(data, size);
    struct sctp_chunk c;
    const uint8_t *prev = NULL;
    size_t covered = size >= SCTP_HDR_LEN ? SCTP_HDR_LEN : 0;
    for (;;) {
        rc = sctp_next_chunk(&r, &c);
        CHECK(rc == 1 || rc == 0 || rc == -1);
        if (rc != 1) {
            CHECK(sctp_next_chunk(&r, &c) == rc);
            if (rc == 0)
                CHECK(covered == size); /* a clean end consumed everything */
            break;
        }
        CHECK(c.length >= 4 && c.value_len == (size_t)c.length - 4);
        CHECK(inside(data, size, c.value, c.value_len));
        CHECK(!prev || c.value > prev);
        prev = c.value;
        covered = (size_t)(c.value - data) + c.value_len;
        covered += (4 - (c.length & 3)) & 3;
        if (covered > size)
            covered = size;
        struct sctp_data d;
        int dr = sctp_parse_data(&c, &d);
        CHECK(dr == 1 || dr == 0 || dr == -1);
        CHECK((dr == 0) == (c.type != SCTP_CHUNK_DATA && c.type != SCTP_CHUNK_I_DATA));
        if (dr == 1) {
            CHECK(d.user_len > 0 && inside(c.value, c.value_len, d.user, d.user_len));
            CHECK(d.user - c.value == (d.idata ? 16 : 12));
            CHECK(d.idata == (c.type == SCTP_CHUNK_I_DATA));
            CHECK(d.begin == !!(c.flags & SCTP_DATA_B) && d.end == !!(c.flags & SCTP_DATA_E));
            CHECK(!d.idata || !d.begin || d.fsn == 0);
            CHECK(!d.idata || d.begin || d.ppid == 0);
        } else {
            CHECK(d.user == NULL && d.user_len == 0);
        }
    }
    return 0;
}
