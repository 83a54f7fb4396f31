/*
 * fuzz_rtp.c - libFuzzer target for RTP (dissect/rtp.c: RFC 3550 §5.1,
 * RFC 8285 extensions, A.1 heuristics, RFC 5761 demultiplexing) and the
 * statistics engine (src/rtpstats.c: A.1 sequence accounting, A.8 jitter,
 * E-model).
 *
 * The whole input is parsed as one datagram; then it is cut into 16-byte
 * records (12-byte RTP header + 4 bytes of arrival-time delta) fed to one
 * rtp_stats so UBSan sees the sequence/jitter arithmetic on hostile
 * sequences.  Aborts when a documented invariant breaks.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dissect/rtp.h"
#include "src/rtpstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rtp_hdr h;
    int rc = rtp_parse(data, size, &h);
    if (rc == RTP_OK) {
        CHECK(h.version == 2 && h.pt < 128 && h.cc <= 15);
        CHECK((size_t)h.payload_off + h.payload_len + h.pad_len == size);
        CHECK(h.hdr_len >= 12 && h.hdr_len <= size);
    }
    int v = rtp_looks_valid(data, size);
    CHECK(!v || rc == RTP_OK);
    (void)rtp_is_rtcp_in_mux(data, size);
    (void)rtp_err_name(rc);

    struct rtp_stats st;
    rtp_stats_init(&st, size && (data[0] & 1) ? 8000 : 0);
    if (size > 1)
        rtp_stats_set_event_pt(&st, data[1] & 0x7f);
    int64_t t = 0;
    uint64_t n = 0;
    for (size_t off = 0; off + 16 <= size; off += 16) {
        struct rtp_hdr r;
        uint8_t pkt[13];
        for (int i = 0; i < 12; i++)
            pkt[i] = data[off + i];
        pkt[0] = 0x80; /* V=2, no padding, no extension, no CSRC */
        pkt[12] = 0;
        if (rtp_parse(pkt, sizeof pkt, &r) != RTP_OK)
            abort();
        uint32_t dt = (uint32_t)data[off + 12] << 24 | (uint32_t)data[off + 13] << 16 | (uint32_t)data[off + 14] << 8 |
                      data[off + 15];
        t += (int64_t)(dt & 0x7fffffff) - (dt & 0x80000000u ? 1000000 : 0);
        rtp_stats_add(&st, &r, t, 172);
        n++;
    }
    struct rtp_result res;
    rtp_stats_result(&st, &res);
    CHECK(res.packets == n);
    CHECK(res.lost == (int64_t)res.expected - (int64_t)res.received);
    CHECK(res.mos >= 1.0 && res.mos <= 4.5 && res.r_factor >= 0 && res.r_factor <= 100);
    CHECK(!isnan(res.jitter_ms) && res.jitter_ms >= 0);
    return 0;
}
