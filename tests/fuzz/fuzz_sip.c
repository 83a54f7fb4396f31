/*
 * fuzz_sip.c - libFuzzer target for the SIP message parser (dissect/sip.c,
 * RFC 3261 §7 framing, §18.3 stream framing, §25.1 value grammars).
 *
 * Runs sip_looks_like(), sip_parse() in datagram mode (with a small header
 * array, with no array, with a header-line limit) and in stream mode
 * (consuming back-to-back messages), then every sip_hdr.h value parser on
 * every indexed header value.  Aborts when an invariant of the sip.h
 * contract breaks: spans inside the input, nhdrs <= capacity, first[]
 * consistent with hdrs[], m->len <= n, NEED_MORE only in stream mode, a
 * stream message re-parsed on its own bytes frames identically, and every
 * strict prefix of a complete stream message returns SIP_NEED_MORE.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/sip.h"
#include "dissect/sip_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

#define CAP 8

static void span_in(struct sip_span s, size_t n)
{
    CHECK((uint64_t)s.off + s.len <= n);
}

/* s lies inside outer (an empty s may sit at outer's end or be NULL). */
static void slice_in(struct slice outer, struct slice s)
{
    if (!s.p) {
        CHECK(s.n == 0);
        return;
    }
    CHECK(outer.p && s.p >= outer.p && s.n <= outer.n && (size_t)(s.p - outer.p) <= outer.n - s.n);
}

static void check_values(struct slice v)
{
    struct slice rest = v, item, pv;
    int guard = 0;

    while (sip_next_value(&rest, &item)) {
        struct sip_nameaddr na;
        struct sip_uri u;
        struct sip_via via;

        CHECK(guard++ <= (int)v.n);
        slice_in(v, item);
        slice_in(v, rest);
        CHECK(item.n > 0);
        if (sip_parse_nameaddr(item, &na)) {
            slice_in(item, na.display);
            slice_in(item, na.uri);
            slice_in(item, na.params);
            slice_in(item, na.tag);
            CHECK(na.uri.n > 0);
            if (sip_parse_uri(na.uri, &u)) {
                slice_in(na.uri, u.scheme);
                slice_in(na.uri, u.user);
                slice_in(na.uri, u.host);
                slice_in(na.uri, u.params);
                slice_in(na.uri, u.headers);
            }
        }
        if (sip_parse_via(item, &via)) {
            slice_in(item, via.protocol);
            slice_in(item, via.transport);
            slice_in(item, via.host);
            slice_in(item, via.params);
            slice_in(item, via.branch);
            slice_in(item, via.received);
            slice_in(item, via.rport);
            CHECK(via.host.n > 0);
            (void)sip_branch_is_rfc3261(via.branch);
        }
        if (sip_param_get(item, "tag", &pv))
            slice_in(item, pv);
    }
    struct sip_cseq cs;
    if (sip_parse_cseq(v, &cs)) {
        slice_in(v, cs.method);
        CHECK(cs.method.n > 0);
    }
    struct sip_uri u;
    if (sip_parse_uri(v, &u)) {
        slice_in(v, u.scheme);
        slice_in(v, u.user);
        slice_in(v, u.host);
    }
    CHECK(sip_parse_content_length(v) >= -1);
}

static void check_msg(const uint8_t *p, size_t n, int rc, const struct sip_msg *m, size_t cap, int stream)
{
    CHECK(rc == SIP_OK || rc == SIP_BAD || rc == SIP_NEED_MORE);
    CHECK(stream || rc != SIP_NEED_MORE);
    CHECK(m->nanoms <= SIP_MAX_ANOMS && m->nanoms <= m->anom_total);
    for (unsigned i = 0; i < m->nanoms; i++) {
        CHECK(m->anoms[i].kind < SIP_ANOM__COUNT);
        CHECK(m->anoms[i].off <= n);
        CHECK(m->anom_mask & (1ULL << m->anoms[i].kind));
    }
    if (rc != SIP_OK)
        return;
    CHECK(m->len > 0 && m->len <= n);
    CHECK(m->nhdrs <= cap && m->nhdrs <= m->hdr_total);
    span_in(m->start, m->len);
    span_in(m->method_s, m->len);
    span_in(m->ruri, m->len);
    span_in(m->version, m->len);
    span_in(m->reason, m->len);
    span_in(m->body, m->len);
    CHECK(m->hdr_off <= m->body_off && m->body_off <= m->len && m->body.off == m->body_off);
    CHECK(m->body.off + m->body.len == m->len || !stream);
    if (m->is_request) {
        CHECK(m->status == 0 && m->method_s.len > 0 && m->ruri.len > 0);
        CHECK(m->method < SIP_M__COUNT);
    } else {
        CHECK(m->status >= 100 && m->status <= 699);
    }
    CHECK(m->content_length >= -1);
    for (uint32_t i = 0; i < m->nhdrs; i++) {
        CHECK(m->hdrs[i].id < SIP_H__COUNT);
        span_in(m->hdrs[i].name, n);
        span_in(m->hdrs[i].value, n);
        CHECK(m->hdrs[i].value.off + m->hdrs[i].value.len <= m->body_off);
        CHECK(sip_hdr_lookup(sip_span_slice(p, m->hdrs[i].name)) == m->hdrs[i].id ||
              m->hdrs[i].id == SIP_H_OTHER);
        if (i)
            CHECK(m->hdrs[i].name.off > m->hdrs[i - 1].name.off);
        check_values(sip_span_slice(p, m->hdrs[i].value));
    }
    for (int id = 0; id < SIP_H__COUNT; id++) {
        CHECK(m->first[id] >= -1 && m->first[id] < (int32_t)m->nhdrs);
        if (m->first[id] >= 0) {
            CHECK(m->hdrs[m->first[id]].id == id);
            for (int32_t j = 0; j < m->first[id]; j++)
                CHECK(m->hdrs[j].id != id);
        }
        struct slice f = sip_hdr_first(m, p, (enum sip_hdr_id)id);
        CHECK(!f.p || (f.p >= p && f.p + f.n <= p + n));
    }
    if (sip_msg_correlatable(m))
        CHECK(m->first[SIP_H_CALL_ID] >= 0 && m->first[SIP_H_CSEQ] >= 0);
    (void)sip_reason_default(m->status);
    (void)sip_anom_name((enum sip_anom)(m->nanoms ? m->anoms[0].kind : 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sip_hdr h[CAP];
    struct sip_msg m, m2;
    struct sip_parse_opts dg = {0, 0}, lim = {64, 0}, st = {0, 1};
    int rc;

    (void)sip_looks_like(data, size);

    rc = sip_parse(data, size, &dg, &m, h, CAP);
    check_msg(data, size, rc, &m, CAP, 0);
    rc = sip_parse(data, size, &lim, &m, NULL, 0);
    check_msg(data, size, rc, &m, 0, 0);
    rc = sip_parse(data, size, &lim, &m, h, 1);
    check_msg(data, size, rc, &m, 1, 0);

    /* stream: consume back-to-back messages */
    size_t off = 0;
    for (int k = 0; k < 64 && off < size; k++) {
        rc = sip_parse(data + off, size - off, &st, &m, h, CAP);
        check_msg(data + off, size - off, rc, &m, CAP, 1);
        if (rc != SIP_OK)
            break;
        /* the message's own bytes frame the same way */
        struct sip_hdr h2[CAP];
        int rc2 = sip_parse(data + off, m.len, &st, &m2, h2, CAP);
        CHECK(rc2 == SIP_OK && m2.len == m.len && m2.body_off == m.body_off && m2.nhdrs == m.nhdrs);
        rc2 = sip_parse(data + off, m.len, &dg, &m2, h2, CAP);
        CHECK(rc2 == SIP_OK);
        /* every strict prefix of a complete stream message needs more */
        size_t step = m.len <= 128 ? 1 : m.len / 16;
        for (size_t cut = 0; cut < m.len; cut += step) {
            rc2 = sip_parse(data + off, cut, &st, &m2, h2, CAP);
            CHECK(rc2 == SIP_NEED_MORE);
        }
        rc2 = sip_parse(data + off, m.len - 1, &st, &m2, h2, CAP);
        CHECK(rc2 == SIP_NEED_MORE);
        off += m.len;
    }
    return 0;
}
