/*
 * fuzz_sdp.c - libFuzzer target for SDP (dissect/sdp.c: RFC 8866 summary
 * and full parser, fingerprint, hold, helpers).
 *
 * Aborts when an output slice leaves the input, a count exceeds its
 * documented bound, the fingerprint is not deterministic, or the summary
 * and the full parser disagree on whether the input is SDP.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dissect/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static struct slice body;

static void in(struct slice s)
{
    if (!s.n)
        return;
    CHECK(s.p >= body.p && s.n <= body.n && (size_t)(s.p - body.p) <= body.n - s.n);
}

static struct sdp_desc d;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sdp_summary sum;
    body = (struct slice){data, size};
    int a = sdp_summarize(body, &sum);
    int b = sdp_parse(body, &d);
    CHECK(a == b);
    if (!b)
        return 0;
    CHECK(sum.nmedia <= SDP_MAX_MEDIA);
    CHECK(d.nmedia <= SDP_FULL_MAX_MEDIA && d.nanoms <= SDP_MAX_ANOMS && d.nanoms <= d.anom_total);
    CHECK(d.nbw <= SDP_MAX_BW);
    in(d.origin.username);
    in(d.origin.sess_id);
    in(d.origin.sess_version);
    in(d.origin.addr);
    in(d.session_name);
    in(d.conn.addr);
    for (unsigned i = 0; i < d.nanoms; i++)
        CHECK(d.anoms[i].kind > 0 && d.anoms[i].kind < SDP_ANOM__COUNT && d.anoms[i].line >= 1 &&
              d.anoms[i].line <= d.lines);
    for (unsigned i = 0; i < d.nmedia; i++) {
        const struct sdp_mdesc *m = &d.media[i];
        CHECK(m->nfmt <= SDP_FULL_MAX_FMTS && m->ncrypto <= SDP_MAX_CRYPTO && m->nbw <= SDP_MAX_BW);
        CHECK(m->nports >= 1 && m->dir <= SDP_DIR_INACTIVE);
        in(m->type);
        in(m->proto);
        in(m->conn.addr);
        in(m->rtcp_addr);
        in(m->t38.rate_mgmt);
        in(m->t38.udp_ec);
        for (unsigned k = 0; k < m->nfmt; k++) {
            CHECK(m->fmt[k].pt.n > 0);
            in(m->fmt[k].pt);
            in(m->fmt[k].name);
            in(m->fmt[k].fmtp);
            if (m->fmt[k].num >= 0) {
                CHECK(sdp_payload_find(m, (unsigned)m->fmt[k].num) != NULL);
                (void)sdp_clock_rate(m, (unsigned)m->fmt[k].num);
            }
        }
        for (unsigned k = 0; k < m->ncrypto; k++)
            in(m->crypto_suite[k]);
        struct slice ra;
        (void)sdp_rtcp_port(m, &ra);
        in(ra);
        (void)sdp_mdesc_hold(m);
    }
    CHECK(sdp_fingerprint(&d) == sdp_fingerprint(&d));
    CHECK(sdp_media_equal(&d, &d));
    (void)sdp_is_hold(&d);
    return 0;
}
