/*
 * fuzz_rtcp.c - libFuzzer target for the RTCP compound walker
 * (dissect/rtcp.c: RFC 3550 §6.4-§6.7, RFC 3611 XR, RFC 4585 feedback).
 *
 * Walks the whole input; aborts when a packet lies outside the datagram,
 * packets overlap or go backwards, a returned slice (SDES text, BYE
 * reason) leaves the input, a count exceeds its bound, or the walk does
 * not terminate within the packet bound.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dissect/rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void in(const uint8_t *data, size_t size, struct slice s)
{
    if (!s.n)
        return;
    CHECK(s.p >= data && s.n <= size && (size_t)(s.p - data) <= size - s.n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rtcp_walk w;
    struct rtcp_pkt pk;
    size_t next = 0;
    unsigned k = 0;
    rtcp_walk_init(&w, data, size);
    while (rtcp_walk_next(&w, &pk)) {
        CHECK(++k <= RTCP_MAX_PACKETS);
        CHECK(pk.off == next && pk.len >= 4 && pk.len % 4 == 0 && pk.off + pk.len <= size);
        next = pk.off + pk.len;
        CHECK(pk.nrb <= RTCP_MAX_RB && pk.nsdes <= RTCP_MAX_SDES_ITEMS && pk.nbye <= RTCP_MAX_BYE &&
              pk.ndlrr <= RTCP_MAX_DLRR);
        for (unsigned i = 0; i < pk.nsdes; i++)
            in(data, size, pk.sdes[i].text);
        in(data, size, pk.bye_reason);
        for (unsigned i = 0; i < pk.nrb; i++) {
            CHECK(pk.rb[i].cum_lost >= -0x800000 && pk.rb[i].cum_lost <= 0x7fffff);
            (void)rtcp_rtt_ms(0x12345678u, pk.rb[i].lsr, pk.rb[i].dlsr);
            (void)rtcp_jitter_ms(pk.rb[i].jitter, 8000);
        }
        if (pk.has_voip)
            (void)rtcp_xr_mos(pk.voip.mos_lq);
        (void)rtcp_type_name(pk.pt);
    }
    CHECK(w.anom < RTCP_ANOM__COUNT);
    (void)rtcp_anom_name((enum rtcp_anom)w.anom);
    CHECK(!rtcp_walk_next(&w, &pk)); /* stays finished */
    (void)rtcp_looks_valid(data, size);
    return 0;
}
