/*
 * fuzz_sip_hdr.c - libFuzzer target for the header value parsers
 * (dissect/sip_hdr.c: RFC 3261 §19.1 URIs, §20.10 name-addr, §20.16 CSeq,
 * §20.42 Via, §25.1 generic-param) on raw input.
 *
 * The whole input is fed to every parser as one header value and, split
 * with sip_next_value(), item by item; its first byte also picks the
 * parameter name looked up with sip_param_get().  Aborts when an output
 * slice leaves its input or a documented invariant breaks (non-empty
 * items, params starting with ';', has_tag consistent with tag, ...).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/sip_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void slice_in(struct slice outer, struct slice s)
{
    if (!s.p) {
        CHECK(s.n == 0);
        return;
    }
    CHECK(outer.p && s.p >= outer.p && s.n <= outer.n && (size_t)(s.p - outer.p) <= outer.n - s.n);
}

static void all_parsers(struct slice v, const char *pname)
{
    struct sip_uri u;
    struct sip_nameaddr na;
    struct sip_via via;
    struct sip_cseq cs;
    struct slice pv;

    if (sip_parse_uri(v, &u)) {
        slice_in(v, u.scheme);
        slice_in(v, u.user);
        slice_in(v, u.host);
        slice_in(v, u.params);
        slice_in(v, u.headers);
        CHECK(u.scheme.n > 0);
        CHECK(u.params.n == 0 || u.params.p[0] == ';');
    }
    if (sip_parse_nameaddr(v, &na)) {
        slice_in(v, na.display);
        slice_in(v, na.uri);
        slice_in(v, na.params);
        slice_in(v, na.tag);
        CHECK(na.has_tag || na.tag.n == 0);
        CHECK(na.params.n == 0 || na.params.p[0] == ';');
        if (sip_parse_uri(na.uri, &u))
            slice_in(na.uri, u.host);
    }
    if (sip_parse_via(v, &via)) {
        slice_in(v, via.protocol);
        slice_in(v, via.transport);
        slice_in(v, via.host);
        slice_in(v, via.params);
        slice_in(v, via.branch);
        slice_in(v, via.received);
        slice_in(v, via.rport);
        CHECK(via.host.n > 0 && via.transport.n > 0);
        (void)sip_branch_is_rfc3261(via.branch);
    }
    if (sip_parse_cseq(v, &cs)) {
        slice_in(v, cs.method);
        CHECK(cs.method.n > 0);
    }
    CHECK(sip_parse_content_length(v) >= -1);
    if (sip_param_get(v, pname, &pv))
        slice_in(v, pv);
    (void)sip_branch_is_rfc3261(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"tag", "branch", "rport", "received", "lr", "q", "x", ""};
    const char *pname = names[size ? data[0] & 7 : 0];
    struct slice v = {data, size}, rest = v, item;
    size_t guard = 0;

    all_parsers(v, pname);
    while (sip_next_value(&rest, &item)) {
        CHECK(++guard <= size);
        slice_in(v, item);
        slice_in(v, rest);
        CHECK(item.n > 0);
        all_parsers(item, pname);
    }
    CHECK(rest.n == 0);
    return 0;
}
