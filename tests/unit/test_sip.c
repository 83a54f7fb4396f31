/*
 * test_sip.c - unit tests for the SIP message parser (dissect/sip.c) and
 * the header value parsers (dissect/sip_hdr.c).
 *
 * Fixtures are byte strings (RFC 3261 §7 messages, RFC 4475 style
 * torture cases); lengths are explicit (sizeof - 1) because some contain
 * NUL.  Every fixture is parsed from a malloc'd buffer of exactly its
 * length so ASan catches any read past the end, and the robustness pass
 * parses every prefix and every single-byte mutation of each fixture.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/sip.h"
#include "dissect/sip_hdr.h"
#include "src/base/util.h"
/* tap.h forwards a format argument to vprintf(); the Makefile builds with
 * -Wno-format-nonliteral, this keeps a plain clang -Wformat=2 build quiet. */
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wformat-nonliteral"
#endif
#include "tests/unit/tap.h"
#if defined(__clang__)
#pragma clang diagnostic pop
#endif

#define S(lit) ((struct slice){(const uint8_t *)(lit), sizeof(lit) - 1})
#define HAS(m, k) ((((m).anom_mask >> (k)) & 1) != 0)
#define NHDRS 64

/* ------------------------------------------------------------------ */
/* Fixtures                                                            */
/* ------------------------------------------------------------------ */

static const char invite[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 149\r\n"
    "\r\n"
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.101\r\n"
    "t=0 0\r\n"
    "m=audio 49172 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n";

static const char ok200[] =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bKnashds8;received=192.0.2.3,"
    " SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds ;received=192.0.2.1\r\n"
    "Record-Route: <sip:server10.biloxi.example.com;lr>, <sip:bigbox3.site3.atlanta.example.com;lr>\r\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:bob@192.0.2.4>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 140\r\n"
    "\r\n"
    "v=0\r\n"
    "o=bob 2808844564 2808844564 IN IP4 biloxi.example.com\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.201\r\n"
    "t=0 0\r\n"
    "m=audio 3456 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n";

static const char compact[] =
    "MESSAGE sip:user2@domain.com SIP/2.0\r\n"
    "v: SIP/2.0/TCP user1pc.domain.com;branch=z9hG4bK776sgdkse\r\n"
    "i: asd88asd77a@1.2.3.4\r\n"
    "f: <sip:user1@domain.com>;tag=49583\r\n"
    "t: <sip:user2@domain.com>\r\n"
    "m: <sip:user1@1.2.3.4>\r\n"
    "l: 5\r\n"
    "c: text/plain\r\n"
    "e: gzip\r\n"
    "s: hi\r\n"
    "k: 100rel\r\n"
    "o: presence\r\n"
    "u: dialog\r\n"
    "r: <sip:x@y>\r\n"
    "b: <sip:z@y>\r\n"
    "x: 1800\r\n"
    "y: abc\r\n"
    "n: <https://y/cert>\r\n"
    "a: *;audio\r\n"
    "j: *;video\r\n"
    "d: proxy\r\n"
    "CSeq: 1 MESSAGE\r\n"
    "\r\n"
    "Hello";

static const char folded[] =
    "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP\r\n"
    "  pc33.atlanta.example.com\r\n"
    "\t;branch=z9hG4bKhjhs8ass877\r\n"
    "Max-Forwards: 70\r\n"
    "To: <sip:carol@chicago.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 63104 OPTIONS\r\n"
    "Subject: I know you're there,\r\n"
    "         pick up the phone\r\n"
    "   and talk to me!\r\n"
    "Accept: application/sdp\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const char bare_lf[] =
    "BYE sip:bob@192.0.2.4 SIP/2.0\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnashds7\n"
    "From: <sip:alice@a.example>;tag=1\n"
    "To: <sip:bob@b.example>;tag=2\n"
    "Call-ID: xyz\n"
    "CSeq: 2 BYE\n"
    "Content-Length: 0\n"
    "\n";

static const char junk[] =
    "\0\0\0\r\n\r\n"
    "ACK sip:bob@192.0.2.4 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnashds9\r\n"
    "From: <sip:alice@a.example>;tag=1\r\n"
    "To: <sip:bob@b.example>;tag=2\r\n"
    "Call-ID: xyz\r\n"
    "CSeq: 1 ACK\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const char missing[] =
    "NOTIFY sip:a@b SIP/2.0\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const char dup_to[] =
    "INFO sip:a@b SIP/2.0\r\n"
    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
    "To: <sip:a@b>\r\n"
    "From: <sip:c@d>;tag=1\r\n"
    "Call-ID: 1\r\n"
    "CSeq: 1 INFO\r\n"
    "To: <sip:evil@b>\r\n"
    "Call-ID: 1\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const char weird[] =
    "REGIStER sip:registrar.example.com SIP/2.0\r\n"
    "Via : SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
    "From: <sip:a@example.com>;tag=9\r\n"
    "To: <sip:a@example.com>\r\n"
    "Call-ID: x\0y\r\n"
    "CSeq: 7 REGISTER\r\n"
    "this line has no colon\r\n"
    "Bad Name: x\r\n"
    "\t\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const char cl_big[] =
    "MESSAGE sip:a@b SIP/2.0\r\n"
    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
    "From: <sip:c@d>;tag=1\r\n"
    "To: <sip:a@b>\r\n"
    "Call-ID: 1\r\n"
    "CSeq: 1 MESSAGE\r\n"
    "Content-Length: 100\r\n"
    "\r\n"
    "short";

static const char trailing[] =
    "MESSAGE sip:a@b SIP/2.0\r\n"
    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
    "From: <sip:c@d>;tag=1\r\n"
    "To: <sip:a@b>\r\n"
    "Call-ID: 1\r\n"
    "CSeq: 1 MESSAGE\r\n"
    "Content-Length: 3\r\n"
    "\r\n"
    "abcdef";

static const char no_end[] =
    "SIP/2.0 180 Ringing\r\n"
    "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
    "From: <sip:c@d>;tag=1\r\n"
    "To: <sip:a@b>;tag=2\r\n"
    "Call-ID: 1\r\n"
    "CSeq: 1 INVITE";

struct fixture {
    const char *name;
    const char *s;
    size_t n;
};

#define FIX(x) {#x, x, sizeof(x) - 1}
static const struct fixture fixtures[] = {
    FIX(invite), FIX(ok200), FIX(compact), FIX(folded), FIX(bare_lf),  FIX(junk),
    FIX(missing), FIX(dup_to), FIX(weird), FIX(cl_big), FIX(trailing), FIX(no_end),
};
#define NFIX (sizeof fixtures / sizeof fixtures[0])

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* A parse result whose bytes live in a malloc'd buffer of exactly n
 * bytes (so ASan sees any over-read). */
struct parsed {
    uint8_t *buf;
    size_t n;
    int rc;
    struct sip_msg m;
    struct sip_hdr h[NHDRS];
};

static struct parsed *parse_opts(const void *s, size_t n, const struct sip_parse_opts *o)
{
    struct parsed *r = xcalloc(1, sizeof *r);
    r->buf = xmemdup(s, n);
    r->n = n;
    r->rc = sip_parse(r->buf, n, o, &r->m, r->h, NHDRS);
    return r;
}

static struct parsed *parse_dg(const void *s, size_t n)
{
    struct sip_parse_opts o = {0, 0};
    return parse_opts(s, n, &o);
}

static struct parsed *parse_st(const void *s, size_t n)
{
    struct sip_parse_opts o = {0, 1};
    return parse_opts(s, n, &o);
}

static void pfree(struct parsed *r)
{
    free(r->buf);
    free(r);
}

static struct slice hval(const struct parsed *r, enum sip_hdr_id id)
{
    return sip_hdr_first(&r->m, r->buf, id);
}

static struct slice sp(const struct parsed *r, struct sip_span s)
{
    return sip_span_slice(r->buf, s);
}

static int span_in(struct sip_span s, size_t n)
{
    return (uint64_t)s.off + s.len <= n;
}

/* Structural invariants that must hold after any sip_parse() call. */
static int msg_sane(const struct sip_msg *m, int rc, size_t n, size_t cap)
{
    if (m->nanoms > SIP_MAX_ANOMS || m->nanoms > m->anom_total)
        return 0;
    for (unsigned i = 0; i < m->nanoms; i++)
        if (m->anoms[i].kind >= SIP_ANOM__COUNT || m->anoms[i].off > n)
            return 0;
    if (rc != SIP_OK)
        return 1;
    if (m->len > n || m->nhdrs > cap || m->nhdrs > m->hdr_total)
        return 0;
    if (!span_in(m->start, n) || !span_in(m->method_s, n) || !span_in(m->ruri, n) ||
        !span_in(m->version, n) || !span_in(m->reason, n) || !span_in(m->body, m->len))
        return 0;
    if (m->body_off > m->len || m->hdr_off > m->body_off || m->body.off != m->body_off)
        return 0;
    if (m->is_request ? m->status != 0 : (m->status < 100 || m->status > 699))
        return 0;
    for (uint32_t i = 0; i < m->nhdrs; i++)
        if (m->hdrs[i].id >= SIP_H__COUNT || !span_in(m->hdrs[i].name, n) ||
            !span_in(m->hdrs[i].value, n))
            return 0;
    for (int id = 0; id < SIP_H__COUNT; id++) {
        if (m->first[id] >= (int32_t)m->nhdrs || m->first[id] < -1)
            return 0;
        if (m->first[id] >= 0 && m->hdrs[m->first[id]].id != id)
            return 0;
    }
    return 1;
}

/* Run every value parser over every indexed header (must not crash). */
static void exercise_values(const struct sip_msg *m, const uint8_t *base)
{
    for (uint32_t i = 0; i < m->nhdrs; i++) {
        struct slice v = sip_span_slice(base, m->hdrs[i].value), rest = v, item;
        struct sip_uri u;
        struct sip_nameaddr na;
        struct sip_via via;
        struct sip_cseq cs;
        struct slice pv;
        int guard = 0;
        while (sip_next_value(&rest, &item) && guard++ < 1000) {
            if (sip_parse_nameaddr(item, &na))
                (void)sip_parse_uri(na.uri, &u);
            if (sip_parse_via(item, &via))
                (void)sip_branch_is_rfc3261(via.branch);
            (void)sip_param_get(item, "tag", &pv);
        }
        (void)sip_parse_uri(v, &u);
        (void)sip_parse_cseq(v, &cs);
        (void)sip_parse_content_length(v);
    }
}

/* ------------------------------------------------------------------ */
/* Message-level tests                                                 */
/* ------------------------------------------------------------------ */

static void test_invite(void)
{
    struct parsed *r = parse_dg(invite, sizeof invite - 1);
    struct sip_msg *m = &r->m;

    is_int(r->rc, SIP_OK, "invite: parses");
    ok(sip_looks_like(r->buf, r->n), "invite: looks like SIP");
    is_int(m->is_request, 1, "invite: is a request");
    is_int(m->method, SIP_M_INVITE, "invite: method INVITE");
    is_int(m->status, 0, "invite: status 0");
    is_str(sp(r, m->method_s), "INVITE", "invite: method token");
    is_str(sp(r, m->ruri), "sip:bob@biloxi.example.com", "invite: request-uri");
    is_str(sp(r, m->version), "SIP/2.0", "invite: version");
    is_str(sp(r, m->start), "INVITE sip:bob@biloxi.example.com SIP/2.0", "invite: start line");
    is_int(m->hdr_off, 43, "invite: hdr_off after start line");
    is_int(m->nhdrs, 9, "invite: 9 headers");
    is_int(m->hdr_total, 9, "invite: hdr_total");
    is_int(m->hdrs[0].id, SIP_H_VIA, "invite: first header is Via");
    is_str(sp(r, m->hdrs[1].name), "Max-Forwards", "invite: header name span");
    is_str(sp(r, m->hdrs[1].value), "70", "invite: header value span");
    is_str(hval(r, SIP_H_CALL_ID), "a84b4c76e66710@pc33.atlanta.example.com", "invite: Call-ID");
    is_str(hval(r, SIP_H_CSEQ), "314159 INVITE", "invite: CSeq");
    is_str(hval(r, SIP_H_CONTENT_TYPE), "application/sdp", "invite: Content-Type");
    is_int(m->content_length, 149, "invite: content_length");
    is_int(m->body.len, 149, "invite: body length");
    is_int(m->body_off, m->body.off, "invite: body_off");
    is_int(m->len, sizeof invite - 1, "invite: len is the whole datagram");
    ok(sp(r, m->body).n >= 3 && memcmp(sp(r, m->body).p, "v=0", 3) == 0, "invite: body starts with v=0");
    is_int(m->nanoms, 0, "invite: no anomalies");
    is_int(m->anom_mask, 0, "invite: anomaly mask empty");
    ok(sip_msg_correlatable(m), "invite: correlatable");
    ok(msg_sane(m, r->rc, r->n, NHDRS), "invite: invariants");
    ok(sip_hdr_first(m, r->buf, SIP_H_ROUTE).p == NULL, "invite: absent header -> SLICE_NULL");

    struct sip_via v;
    ok(sip_parse_via(hval(r, SIP_H_VIA), &v), "invite: Via parses");
    is_str(v.branch, "z9hG4bK776asdhds", "invite: Via branch");
    ok(sip_branch_is_rfc3261(v.branch), "invite: branch has magic cookie");
    struct sip_nameaddr na;
    ok(sip_parse_nameaddr(hval(r, SIP_H_FROM), &na), "invite: From parses");
    is_str(na.tag, "1928301774", "invite: From tag");
    struct sip_cseq cs;
    ok(sip_parse_cseq(hval(r, SIP_H_CSEQ), &cs) && cs.seq == 314159, "invite: CSeq number");

    /* the same message in stream mode frames identically */
    struct parsed *s = parse_st(invite, sizeof invite - 1);
    is_int(s->rc, SIP_OK, "invite: stream mode OK");
    is_int(s->m.len, sizeof invite - 1, "invite: stream len");
    is_int(s->m.body.len, 149, "invite: stream body");
    pfree(s);
    pfree(r);
}

static void test_200ok(void)
{
    struct parsed *r = parse_dg(ok200, sizeof ok200 - 1);
    struct sip_msg *m = &r->m;

    is_int(r->rc, SIP_OK, "200: parses");
    is_int(m->is_request, 0, "200: response");
    is_int(m->status, 200, "200: status");
    is_str(sp(r, m->reason), "OK", "200: reason");
    is_str(sp(r, m->version), "SIP/2.0", "200: version");
    is_int(m->method, 0, "200: method unset");
    is_int(m->body.len, 140, "200: body");
    is_int(m->nanoms, 0, "200: no anomalies");
    ok(sip_msg_correlatable(m), "200: correlatable");

    /* Via: three values over two header lines */
    int nvia = 0;
    struct slice branches[4];
    for (uint32_t i = 0; i < m->nhdrs; i++) {
        if (m->hdrs[i].id != SIP_H_VIA)
            continue;
        struct slice rest = sp(r, m->hdrs[i].value), item;
        while (sip_next_value(&rest, &item)) {
            struct sip_via v;
            if (nvia < 4 && sip_parse_via(item, &v))
                branches[nvia] = v.branch;
            nvia++;
        }
    }
    is_int(nvia, 3, "200: three Via values");
    is_str(branches[0], "z9hG4bKnashds8", "200: Via 1 branch");
    is_str(branches[1], "z9hG4bK77ef4c2312983.1", "200: Via 2 branch");
    is_str(branches[2], "z9hG4bK776asdhds", "200: Via 3 branch (space before ;)");

    struct slice rest = hval(r, SIP_H_RECORD_ROUTE), item;
    int nrr = 0;
    while (sip_next_value(&rest, &item)) {
        struct sip_nameaddr na;
        if (nrr == 1) {
            ok(sip_parse_nameaddr(item, &na), "200: Record-Route 2 parses");
            is_str(na.uri, "sip:bigbox3.site3.atlanta.example.com;lr", "200: Record-Route 2 uri");
        }
        nrr++;
    }
    is_int(nrr, 2, "200: two Record-Route values");

    struct sip_nameaddr to;
    ok(sip_parse_nameaddr(hval(r, SIP_H_TO), &to), "200: To parses");
    is_str(to.tag, "a6c85cf", "200: To tag");
    is_str(to.display, "Bob", "200: To display");
    pfree(r);
}

static void test_compact(void)
{
    static const struct {
        char c;
        enum sip_hdr_id id;
    } forms[] = {
        {'i', SIP_H_CALL_ID},        {'f', SIP_H_FROM},          {'t', SIP_H_TO},
        {'v', SIP_H_VIA},            {'m', SIP_H_CONTACT},       {'l', SIP_H_CONTENT_LENGTH},
        {'c', SIP_H_CONTENT_TYPE},   {'e', SIP_H_CONTENT_ENCODING}, {'s', SIP_H_SUBJECT},
        {'k', SIP_H_SUPPORTED},      {'o', SIP_H_EVENT},         {'u', SIP_H_ALLOW_EVENTS},
        {'r', SIP_H_REFER_TO},       {'b', SIP_H_REFERRED_BY},   {'x', SIP_H_SESSION_EXPIRES},
        {'y', SIP_H_IDENTITY},       {'n', SIP_H_IDENTITY_INFO}, {'a', SIP_H_ACCEPT_CONTACT},
        {'j', SIP_H_REJECT_CONTACT}, {'d', SIP_H_REQUEST_DISPOSITION},
    };
    struct parsed *r = parse_dg(compact, sizeof compact - 1);
    struct sip_msg *m = &r->m;
    char name[64];

    is_int(r->rc, SIP_OK, "compact: parses");
    is_int(m->method, SIP_M_MESSAGE, "compact: MESSAGE");
    is_int(m->nhdrs, 21, "compact: 21 headers");
    is_int(m->nanoms, 0, "compact: no anomalies");
    ok(sip_msg_correlatable(m), "compact: correlatable");
    is_int(m->content_length, 5, "compact: l: 5");
    is_str(sp(r, m->body), "Hello", "compact: body");
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        uint8_t lo = (uint8_t)forms[k].c, up = (uint8_t)(forms[k].c - 32);
        snprintf(name, sizeof name, "compact: '%c' -> %s in message", forms[k].c, sip_hdr_name(forms[k].id));
        ok(m->first[forms[k].id] >= 0 && m->hdrs[m->first[forms[k].id]].name.len == 1, "%s", name);
        ok(sip_hdr_lookup((struct slice){&lo, 1}) == forms[k].id &&
               sip_hdr_lookup((struct slice){&up, 1}) == forms[k].id,
           "compact: lookup '%c' and '%c'", lo, up);
    }
    uint8_t q = 'q', z = 'z', dig = '1';
    ok(sip_hdr_lookup((struct slice){&q, 1}) == SIP_H_OTHER && sip_hdr_lookup((struct slice){&z, 1}) == SIP_H_OTHER &&
           sip_hdr_lookup((struct slice){&dig, 1}) == SIP_H_OTHER,
       "compact: unassigned letters are OTHER");
    is_str(hval(r, SIP_H_CALL_ID), "asd88asd77a@1.2.3.4", "compact: i: value");
    pfree(r);
}

static void test_hdr_names(void)
{
    int all = 1;
    for (int id = 1; id < SIP_H__COUNT; id++) {
        const char *nm = sip_hdr_name((enum sip_hdr_id)id);
        char up[64], lo[64];
        size_t len = strlen(nm);
        if (!len || len >= sizeof up) {
            all = 0;
            continue;
        }
        for (size_t i = 0; i <= len; i++) {
            up[i] = (char)((nm[i] >= 'a' && nm[i] <= 'z') ? nm[i] - 32 : nm[i]);
            lo[i] = (char)ascii_lower((uint8_t)nm[i]);
        }
        if ((int)sip_hdr_lookup(slice_cstr(nm)) != id || (int)sip_hdr_lookup(slice_cstr(up)) != id ||
            (int)sip_hdr_lookup(slice_cstr(lo)) != id) {
            printf("# lookup failed for %s\n", nm);
            all = 0;
        }
    }
    ok(all, "names: every long name round-trips in any case");
    is_str(slice_cstr(sip_hdr_name(SIP_H_OTHER)), "", "names: OTHER name is empty");
    is_str(slice_cstr(sip_hdr_name((enum sip_hdr_id)999)), "", "names: out-of-range name is empty");
    is_int(sip_hdr_lookup(S("Call-IDs")), SIP_H_OTHER, "names: Call-IDs is OTHER");
    is_int(sip_hdr_lookup(S("Call_ID")), SIP_H_OTHER, "names: Call_ID is OTHER");
    is_int(sip_hdr_lookup(S("Call\rID")), SIP_H_OTHER, "names: Call<CR>ID is OTHER");
    is_int(sip_hdr_lookup(S("")), SIP_H_OTHER, "names: empty is OTHER");
    is_int(sip_hdr_lookup(SLICE_NULL), SIP_H_OTHER, "names: NULL is OTHER");
    is_int(sip_hdr_lookup(S("p-asserted-identity")), SIP_H_P_ASSERTED_IDENTITY, "names: P-Asserted-Identity");
    is_int(sip_hdr_lookup(S("www-authenticate")), SIP_H_WWW_AUTHENTICATE, "names: WWW-Authenticate");

    int mall = 1;
    for (int k = 1; k < SIP_M__COUNT; k++)
        if ((int)sip_method_from(slice_cstr(sip_method_name((enum sip_method)k))) != k)
            mall = 0;
    ok(mall, "names: every method name round-trips");
    is_int(sip_method_from(S("REGIStER")), SIP_M_OTHER, "names: REGIStER is OTHER (case-sensitive)");
    is_int(sip_method_from(S("invite")), SIP_M_OTHER, "names: invite is OTHER");
    is_int(sip_method_from(S("INVITEX")), SIP_M_OTHER, "names: INVITEX is OTHER");
    is_int(sip_method_from(S("")), SIP_M_OTHER, "names: empty method is OTHER");
    is_str(slice_cstr(sip_method_name(SIP_M_PRACK)), "PRACK", "names: PRACK");
    is_str(slice_cstr(sip_method_name((enum sip_method)99)), "", "names: out-of-range method");

    int aok = 1;
    for (int a = 0; a < SIP_ANOM__COUNT; a++) {
        const char *nm = sip_anom_name((enum sip_anom)a);
        if (!*nm || !*sip_anom_text((enum sip_anom)a))
            aok = 0;
        for (const char *c = nm; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
                aok = 0;
        for (int b = 0; b < a; b++)
            if (!strcmp(nm, sip_anom_name((enum sip_anom)b)))
                aok = 0;
    }
    ok(aok, "names: anomaly names are non-empty, unique, kebab-case");
    is_str(slice_cstr(sip_anom_name(SIP_ANOM_MISSING_CALL_ID)), "missing-call-id", "names: missing-call-id");
    is_str(slice_cstr(sip_anom_name(SIP_ANOM_CSEQ_METHOD_MISMATCH)), "cseq-method-mismatch",
           "names: cseq-method-mismatch");
    is_str(slice_cstr(sip_anom_name((enum sip_anom)200)), "unknown", "names: out-of-range anomaly");

    static const struct {
        unsigned code;
        const char *text;
    } rs[] = {
        {100, "Trying"}, {180, "Ringing"}, {183, "Session Progress"}, {199, "Early Dialog Terminated"},
        {200, "OK"}, {204, "No Notification"}, {302, "Moved Temporarily"}, {401, "Unauthorized"},
        {407, "Proxy Authentication Required"}, {422, "Session Interval Too Small"},
        {429, "Provide Referrer Identity"}, {430, "Flow Failed"}, {433, "Anonymity Disallowed"},
        {439, "First Hop Lacks Outbound Support"}, {440, "Max-Breadth Exceeded"},
        {469, "Bad Info Package"}, {470, "Consent Needed"}, {481, "Call/Transaction Does Not Exist"},
        {487, "Request Terminated"}, {494, "Security Agreement Required"}, {503, "Service Unavailable"},
        {580, "Precondition Failure"}, {603, "Decline"}, {607, "Unwanted"}, {608, "Rejected"},
        {299, ""}, {0, ""}, {1000, ""},
    };
    int rok = 1;
    for (size_t k = 0; k < sizeof rs / sizeof rs[0]; k++)
        if (strcmp(sip_reason_default(rs[k].code), rs[k].text)) {
            printf("# reason %u: got '%s'\n", rs[k].code, sip_reason_default(rs[k].code));
            rok = 0;
        }
    ok(rok, "names: default reason phrases");
}

static void test_folded(void)
{
    struct parsed *r = parse_dg(folded, sizeof folded - 1);
    struct sip_msg *m = &r->m;

    is_int(r->rc, SIP_OK, "folded: parses");
    is_int(m->nanoms, 0, "folded: no anomalies");
    is_int(m->nhdrs, 9, "folded: continuation lines are not separate headers");
    struct slice subj = hval(r, SIP_H_SUBJECT);
    is_str(subj, "I know you're there,\r\n         pick up the phone\r\n   and talk to me!",
           "folded: Subject spans its continuation lines");
    struct sip_via v;
    ok(sip_parse_via(hval(r, SIP_H_VIA), &v), "folded: folded Via parses");
    is_str(v.host, "pc33.atlanta.example.com", "folded: Via host across fold");
    is_str(v.branch, "z9hG4bKhjhs8ass877", "folded: Via branch across fold");
    is_str(v.transport, "UDP", "folded: Via transport");
    ok(sip_msg_correlatable(m), "folded: correlatable");
    is_int(m->content_length, 0, "folded: Content-Length 0");
    is_int(m->body.len, 0, "folded: empty body");

    /* folding right after the colon */
    static const char f2[] = "OPTIONS sip:a@b SIP/2.0\r\nSubject:\r\n hello\r\n\r\n";
    struct parsed *r2 = parse_dg(f2, sizeof f2 - 1);
    is_str(hval(r2, SIP_H_SUBJECT), "hello", "folded: value starting on a continuation line");
    pfree(r2);
    pfree(r);
}

static void test_next_value(void)
{
    struct slice rest, item;
    const char *want[] = {"<sip:a@x;lr>", "\"Doe, John\" <sip:jd@x>;q=0.5", "sip:c@y;expires=60",
                          "\"q\\\"u,o\" <sip:d@z>"};
    int i = 0, good = 1;

    rest = S(" <sip:a@x;lr> ,\"Doe, John\" <sip:jd@x>;q=0.5,, sip:c@y;expires=60 ,\r\n "
             "\"q\\\"u,o\" <sip:d@z> ,");
    while (sip_next_value(&rest, &item)) {
        if (i >= 4 || !slice_eq(item, want[i]))
            good = 0;
        i++;
    }
    ok(good && i == 4, "next_value: Contact list with quotes, escapes, empty items");
    is_int(rest.n, 0, "next_value: rest consumed");

    rest = S("<sip:p1.example.com;lr;x=\"a,b\">,<sip:p2.example.com,z;lr>");
    i = 0;
    while (sip_next_value(&rest, &item))
        i++;
    is_int(i, 2, "next_value: commas inside <...> do not split");

    rest = S("SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/TCP b:5061;branch=z9hG4bK2,SIP/2.0/TLS [::1]:5062");
    i = 0;
    struct slice hosts[3];
    while (sip_next_value(&rest, &item)) {
        struct sip_via v;
        if (i < 3 && sip_parse_via(item, &v))
            hosts[i] = v.host;
        i++;
    }
    is_int(i, 3, "next_value: three Via values");
    is_str(hosts[2], "[::1]", "next_value: IPv6 Via host");

    rest = S(" , ,\t");
    ok(!sip_next_value(&rest, &item), "next_value: only separators -> 0");
    rest = SLICE_NULL;
    ok(!sip_next_value(&rest, &item), "next_value: NULL -> 0");
    rest = S("\"unterminated, quote");
    ok(sip_next_value(&rest, &item) && item.n == (size_t)(rest.p - item.p) && rest.n == 0,
       "next_value: unterminated quote runs to the end");
    rest = S("<sip:x, y");
    ok(sip_next_value(&rest, &item) && rest.n == 0, "next_value: unterminated < runs to the end");
    rest = S("\"a\\");
    ok(sip_next_value(&rest, &item) && item.n == 3, "next_value: trailing backslash in quote");
}

static void test_params(void)
{
    struct slice v;
    ok(sip_param_get(S(";tag=abc;lr"), "tag", &v), "param: tag present");
    is_str(v, "abc", "param: tag value");
    ok(sip_param_get(S(";tag=abc;lr"), "LR", &v), "param: case-insensitive flag");
    is_int(v.n, 0, "param: flag has empty value");
    ok(!sip_param_get(S(";tag=abc;lr"), "ta", &v), "param: prefix is not a match");
    ok(!sip_param_get(S(";tagx=abc"), "tag", &v), "param: longer name is not a match");
    ok(sip_param_get(S("; x = \"a;b\" ; tag = 7 "), "tag", &v), "param: LWS around = and ;");
    is_str(v, "7", "param: trimmed value");
    ok(sip_param_get(S(";x=\"a;b\\\";tag=no\";tag=yes"), "tag", &v), "param: ; inside quoted value");
    is_str(v, "yes", "param: quoted value skipped");
    ok(sip_param_get(S(";x=\"q\""), "x", &v), "param: quoted value");
    is_str(v, "\"q\"", "param: quotes kept");
    ok(!sip_param_get(SLICE_NULL, "tag", &v), "param: NULL params");
    ok(!sip_param_get(S(";;;"), "tag", &v), "param: empty params");
    ok(sip_param_get(S("tag=1"), "tag", &v), "param: no leading ';'");
    ok(sip_param_get(S(";tag="), "tag", &v) && v.n == 0, "param: empty value");
    ok(!sip_param_get(S(";x=\"\\"), "tag", &v), "param: trailing backslash in quote");
}

static void test_nameaddr(void)
{
    struct sip_nameaddr na;

    ok(sip_parse_nameaddr(S("\"Alice Liddell\" <sip:alice@atlanta.example.com>;tag=1928301774"), &na),
       "nameaddr: quoted display");
    is_str(na.display, "Alice Liddell", "nameaddr: quoted display text");
    is_str(na.uri, "sip:alice@atlanta.example.com", "nameaddr: uri in <>");
    is_str(na.params, ";tag=1928301774", "nameaddr: params");
    is_str(na.tag, "1928301774", "nameaddr: tag");
    is_int(na.has_tag, 1, "nameaddr: has_tag");

    ok(sip_parse_nameaddr(S("Bob Smith <sip:bob@b.example;transport=tcp> ; tag = x9"), &na),
       "nameaddr: token display");
    is_str(na.display, "Bob Smith", "nameaddr: token display text");
    is_str(na.uri, "sip:bob@b.example;transport=tcp", "nameaddr: uri params stay in uri");
    is_str(na.tag, "x9", "nameaddr: tag with LWS");

    ok(sip_parse_nameaddr(S("<sip:carol@c.example>"), &na), "nameaddr: <uri>");
    is_int(na.display.n, 0, "nameaddr: no display");
    is_int(na.has_tag, 0, "nameaddr: no tag");
    is_int(na.tag.n, 0, "nameaddr: tag empty");

    ok(sip_parse_nameaddr(S("sip:dave@d.example;tag=88;user=phone"), &na), "nameaddr: bare addr-spec");
    is_str(na.uri, "sip:dave@d.example", "nameaddr: bare uri stops at ';'");
    is_str(na.params, ";tag=88;user=phone", "nameaddr: bare params are header params");
    is_str(na.tag, "88", "nameaddr: bare tag");

    ok(sip_parse_nameaddr(S("\"Mr. \\\"Quoted\\\" <x>\" <sip:q@x>;tag=1"), &na),
       "nameaddr: escaped quotes and < in display");
    is_str(na.display, "Mr. \\\"Quoted\\\" <x>", "nameaddr: display keeps escapes");
    is_str(na.uri, "sip:q@x", "nameaddr: uri after escaped display");

    ok(sip_parse_nameaddr(S("\"\" <tel:+1-201-555-0123>"), &na), "nameaddr: empty quoted display");
    is_str(na.uri, "tel:+1-201-555-0123", "nameaddr: tel uri");
    ok(sip_parse_nameaddr(S("<sip:a@b>;tag"), &na) && na.has_tag && na.tag.n == 0, "nameaddr: valueless tag");

    ok(!sip_parse_nameaddr(S(""), &na), "nameaddr: empty fails");
    ok(!sip_parse_nameaddr(S("\"unterminated <sip:a@b>"), &na), "nameaddr: unterminated quote fails");
    ok(!sip_parse_nameaddr(S("\"Bob\" sip:a@b"), &na), "nameaddr: quoted display without <> fails");
    ok(!sip_parse_nameaddr(S("<sip:a@b"), &na), "nameaddr: missing > fails");
    ok(!sip_parse_nameaddr(S("<>"), &na), "nameaddr: empty <> fails");
    ok(!sip_parse_nameaddr(S("Bob sip:a@b"), &na), "nameaddr: display without <> fails");
    ok(!sip_parse_nameaddr(S("<sip:a@b> junk"), &na), "nameaddr: junk after > fails");
    ok(!sip_parse_nameaddr(S("nocolon"), &na), "nameaddr: no scheme fails");
    ok(!sip_parse_nameaddr(SLICE_NULL, &na), "nameaddr: NULL fails");
}

static void test_uri(void)
{
    struct sip_uri u;

    ok(sip_parse_uri(S("sip:alice:secret@atlanta.example.com:5060;transport=tcp;lr?subject=project&x=y"), &u),
       "uri: full sip uri");
    is_str(u.scheme, "sip", "uri: scheme");
    is_str(u.user, "alice", "uri: user without password");
    is_str(u.host, "atlanta.example.com", "uri: host");
    is_int(u.port, 5060, "uri: port");
    is_str(u.params, ";transport=tcp;lr", "uri: params keep leading ';'");
    is_str(u.headers, "subject=project&x=y", "uri: headers without '?'");

    ok(sip_parse_uri(S("sips:[2001:db8::10]:5061;maddr=[2001:db8::1]"), &u), "uri: IPv6 host");
    is_str(u.scheme, "sips", "uri: sips scheme");
    is_str(u.host, "[2001:db8::10]", "uri: IPv6 keeps brackets");
    is_int(u.port, 5061, "uri: IPv6 port");
    is_int(u.user.n, 0, "uri: no user");
    is_str(u.params, ";maddr=[2001:db8::1]", "uri: IPv6 params");

    ok(sip_parse_uri(S("sip:bob@[::ffff:192.0.2.1]"), &u), "uri: IPv4-mapped IPv6");
    is_str(u.host, "[::ffff:192.0.2.1]", "uri: IPv4-mapped host");
    is_int(u.port, 0, "uri: absent port is 0");

    ok(sip_parse_uri(S("tel:+1-201-555-0123;phone-context=example.com"), &u), "uri: tel");
    is_str(u.scheme, "tel", "uri: tel scheme");
    is_str(u.user, "+1-201-555-0123", "uri: tel number in user");
    is_int(u.host.n, 0, "uri: tel host empty");
    is_str(u.params, ";phone-context=example.com", "uri: tel params");

    ok(sip_parse_uri(S("SIP:+12125551212;phone-context=x@gw.example.com;user=phone"), &u),
       "uri: user with ';' params");
    is_str(u.user, "+12125551212;phone-context=x", "uri: user keeps its ';'");
    is_str(u.host, "gw.example.com", "uri: host after user params");
    is_str(u.params, ";user=phone", "uri: params after host");

    ok(sip_parse_uri(S("sip:bob@b.example?Replaces=abc%40h%3Bto-tag%3D1@raw"), &u), "uri: '@' in headers");
    is_str(u.user, "bob", "uri: '@' in headers does not move userinfo");

    ok(sip_parse_uri(S("sip:registrar.example.com"), &u), "uri: host only");
    is_str(u.host, "registrar.example.com", "uri: host-only host");
    ok(sip_parse_uri(S("  sip:h:65535  "), &u) && u.port == 65535, "uri: port 65535, LWS trimmed");
    ok(sip_parse_uri(S("urn:service:sos"), &u), "uri: urn (opaque) parses");
    is_str(u.user, "service:sos", "uri: opaque part in user");
    ok(sip_parse_uri(S("http://www.example.com:8080/cert/x.pem"), &u), "uri: http authority");
    is_str(u.host, "www.example.com", "uri: http host");
    is_int(u.port, 8080, "uri: http port");
    ok(sip_parse_uri(S("mailto:a@example.com"), &u) && slice_eq(u.host, "example.com"), "uri: mailto");

    ok(!sip_parse_uri(S("sip:h:0"), &u), "uri: port 0 fails");
    ok(!sip_parse_uri(S("sip:h:65536"), &u), "uri: port 65536 fails");
    ok(!sip_parse_uri(S("sip:h:99999999999999999999"), &u), "uri: huge port fails");
    ok(!sip_parse_uri(S("sip:h:"), &u), "uri: empty port fails");
    ok(!sip_parse_uri(S("sip:h:50x"), &u), "uri: non-decimal port fails");
    ok(!sip_parse_uri(S("sip:alice@"), &u), "uri: empty host fails");
    ok(!sip_parse_uri(S("sip:[::1"), &u), "uri: unterminated IPv6 fails");
    ok(!sip_parse_uri(S("sip:[]"), &u), "uri: empty IPv6 fails");
    ok(!sip_parse_uri(S("sip:a b@c"), &u), "uri: space fails");
    ok(!sip_parse_uri(S("alice@example.com"), &u), "uri: no scheme fails");
    ok(!sip_parse_uri(S("1sip:a@b"), &u), "uri: scheme must start with a letter");
    ok(!sip_parse_uri(S("tel:"), &u), "uri: empty tel fails");
    ok(!sip_parse_uri(S(""), &u), "uri: empty fails");
}

static void test_via(void)
{
    struct sip_via v;

    ok(sip_parse_via(S("SIP/2.0/UDP 192.0.2.1:5060;received=198.51.100.7;rport=40123;branch=z9hG4bK-524287-1"), &v),
       "via: full via");
    is_str(v.protocol, "SIP/2.0", "via: protocol");
    is_str(v.transport, "UDP", "via: transport");
    is_str(v.host, "192.0.2.1", "via: host");
    is_int(v.port, 5060, "via: port");
    is_str(v.received, "198.51.100.7", "via: received");
    is_int(v.has_rport, 1, "via: rport present");
    is_str(v.rport, "40123", "via: rport value");
    is_str(v.branch, "z9hG4bK-524287-1", "via: branch");
    ok(sip_branch_is_rfc3261(v.branch), "via: rfc3261 branch");

    ok(sip_parse_via(S("SIP / 2.0 / TCP  host.example.com : 5070 ;rport;branch=1234"), &v), "via: LWS around / and :");
    is_str(v.transport, "TCP", "via: LWS transport");
    is_str(v.host, "host.example.com", "via: LWS host");
    is_int(v.port, 5070, "via: LWS port");
    is_int(v.has_rport, 1, "via: empty rport flag");
    is_int(v.rport.n, 0, "via: empty rport value");
    ok(!sip_branch_is_rfc3261(v.branch), "via: pre-3261 branch");

    ok(sip_parse_via(S("SIP/2.0/WSS [2001:db8::9]:443;branch=z9hG4bKx"), &v), "via: IPv6 sent-by");
    is_str(v.host, "[2001:db8::9]", "via: IPv6 host");
    is_int(v.port, 443, "via: IPv6 port");
    is_int(v.has_rport, 0, "via: no rport");
    is_int(v.received.n, 0, "via: no received");

    ok(!sip_parse_via(S("SIP/2.0/UDP"), &v), "via: no sent-by fails");
    ok(!sip_parse_via(S("SIP/2.0 UDP host"), &v), "via: missing / fails");
    ok(!sip_parse_via(S("SIP/2.0/UDPhost"), &v), "via: no LWS before sent-by fails");
    ok(!sip_parse_via(S("SIP/2.0/UDP host:0"), &v), "via: port 0 fails");
    ok(!sip_parse_via(S("SIP/2.0/UDP host:70000"), &v), "via: port > 65535 fails");
    ok(!sip_parse_via(S("SIP/2.0/UDP host junk"), &v), "via: junk after sent-by fails");
    ok(!sip_parse_via(S(""), &v), "via: empty fails");
    ok(!sip_branch_is_rfc3261(S("z9hG4b")), "via: short branch");
    ok(!sip_branch_is_rfc3261(SLICE_NULL), "via: NULL branch");
}

static void test_cseq_cl(void)
{
    struct sip_cseq c;

    ok(sip_parse_cseq(S("314159 INVITE"), &c), "cseq: good");
    is_int(c.seq, 314159, "cseq: number");
    is_str(c.method, "INVITE", "cseq: method");
    ok(sip_parse_cseq(S(" \t4294967295\t\r\n ACK  "), &c) && c.seq == 4294967295u, "cseq: 2^32-1 with LWS");
    is_str(c.method, "ACK", "cseq: method trimmed");
    ok(sip_parse_cseq(S("0 foo"), &c), "cseq: zero and extension method");
    ok(!sip_parse_cseq(S("4294967296 INVITE"), &c), "cseq: 2^32 fails");
    ok(!sip_parse_cseq(S("99999999999999999999999 INVITE"), &c), "cseq: huge fails");
    ok(!sip_parse_cseq(S("INVITE"), &c), "cseq: no number fails");
    ok(!sip_parse_cseq(S("12"), &c), "cseq: no method fails");
    ok(!sip_parse_cseq(S("12 "), &c), "cseq: blank method fails");
    ok(!sip_parse_cseq(S("-1 INVITE"), &c), "cseq: negative fails");
    ok(!sip_parse_cseq(S("0x10 INVITE"), &c), "cseq: hex fails");
    ok(!sip_parse_cseq(S("12INVITE"), &c), "cseq: missing LWS fails");
    ok(!sip_parse_cseq(S("1 INVITE BYE"), &c), "cseq: two methods fail");
    ok(!sip_parse_cseq(S("1 INV/ITE"), &c), "cseq: non-token method fails");

    is_int(sip_parse_content_length(S("0")), 0, "cl: 0");
    is_int(sip_parse_content_length(S(" 349 ")), 349, "cl: LWS trimmed");
    is_int(sip_parse_content_length(S("\r\n 0012")), 12, "cl: leading zeros and folded LWS");
    is_int(sip_parse_content_length(S("9223372036854775807")), INT64_MAX, "cl: INT64_MAX");
    is_int(sip_parse_content_length(S("9223372036854775808")), -1, "cl: INT64_MAX+1");
    is_int(sip_parse_content_length(S("99999999999999999999")), -1, "cl: overflow");
    is_int(sip_parse_content_length(S("bad")), -1, "cl: bad");
    is_int(sip_parse_content_length(S("xyz")), -1, "cl: xyz");
    is_int(sip_parse_content_length(S("-1")), -1, "cl: -1");
    is_int(sip_parse_content_length(S("+1")), -1, "cl: +1");
    is_int(sip_parse_content_length(S("1 2")), -1, "cl: inner space");
    is_int(sip_parse_content_length(S("12a")), -1, "cl: trailing junk");
    is_int(sip_parse_content_length(S("")), -1, "cl: empty");
    is_int(sip_parse_content_length(SLICE_NULL), -1, "cl: NULL");
}

static void test_missing(void)
{
    struct parsed *r = parse_dg(missing, sizeof missing - 1);
    struct sip_msg *m = &r->m;

    is_int(r->rc, SIP_OK, "missing: still parses");
    ok(HAS(*m, SIP_ANOM_MISSING_CALL_ID), "missing: MISSING_CALL_ID");
    ok(HAS(*m, SIP_ANOM_MISSING_FROM), "missing: MISSING_FROM");
    ok(HAS(*m, SIP_ANOM_MISSING_TO), "missing: MISSING_TO");
    ok(HAS(*m, SIP_ANOM_MISSING_CSEQ), "missing: MISSING_CSEQ");
    ok(HAS(*m, SIP_ANOM_MISSING_VIA), "missing: MISSING_VIA");
    ok(!sip_msg_correlatable(m), "missing: not correlatable");
    is_int(m->method, SIP_M_NOTIFY, "missing: method");
    pfree(r);

    /* each one missing on its own; Via missing alone does not block correlation */
    static const char *const lines[] = {
        "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n", "Call-ID: c1\r\n", "From: <sip:a@b>;tag=1\r\n",
        "To: <sip:c@d>\r\n", "CSeq: 5 BYE\r\n",
    };
    static const int kinds[] = {SIP_ANOM_MISSING_VIA, SIP_ANOM_MISSING_CALL_ID, SIP_ANOM_MISSING_FROM,
                                SIP_ANOM_MISSING_TO, SIP_ANOM_MISSING_CSEQ};
    for (int skip = 0; skip < 5; skip++) {
        char buf[512];
        size_t n = 0;
        n += (size_t)snprintf(buf + n, sizeof buf - n, "BYE sip:c@d SIP/2.0\r\n");
        for (int k = 0; k < 5; k++)
            if (k != skip)
                n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", lines[k]);
        n += (size_t)snprintf(buf + n, sizeof buf - n, "\r\n");
        r = parse_dg(buf, n);
        ok(r->rc == SIP_OK && HAS(r->m, kinds[skip]) && r->m.anom_total == 1,
           "missing: only %s", sip_anom_name((enum sip_anom)kinds[skip]));
        is_int(sip_msg_correlatable(&r->m), skip == 0, "missing: correlatable iff only Via is missing");
        pfree(r);
    }
}

static void test_dups(void)
{
    struct parsed *r = parse_dg(dup_to, sizeof dup_to - 1);
    struct sip_msg *m = &r->m;

    is_int(r->rc, SIP_OK, "dup: parses");
    ok(HAS(*m, SIP_ANOM_DUP_TO), "dup: DUP_TO");
    ok(!HAS(*m, SIP_ANOM_DUP_CALL_ID), "dup: identical Call-ID twice is not a DUP");
    is_str(hval(r, SIP_H_TO), "<sip:a@b>", "dup: first[] keeps the first To");
    ok(!sip_msg_correlatable(m), "dup: conflicting To is not correlatable");
    is_int(m->nhdrs, 8, "dup: duplicates still indexed");
    pfree(r);

    static const char d2[] = "INFO sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:a@b>\r\n"
                             "From: <sip:c@d>;tag=1\r\nCall-ID: 1\r\nCall-ID: 2\r\nCSeq: 1 INFO\r\n"
                             "CSeq: 2 INFO\r\nf: <sip:x@d>;tag=2\r\n\r\n";
    r = parse_dg(d2, sizeof d2 - 1);
    ok(HAS(r->m, SIP_ANOM_DUP_CALL_ID) && HAS(r->m, SIP_ANOM_DUP_CSEQ) && HAS(r->m, SIP_ANOM_DUP_FROM),
       "dup: Call-ID, CSeq and From (compact) duplicates");
    is_str(hval(r, SIP_H_CALL_ID), "1", "dup: first Call-ID kept");
    pfree(r);

    static const char d3[] = "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 2\r\nl: 3\r\n\r\nabc";
    r = parse_dg(d3, sizeof d3 - 1);
    ok(r->rc == SIP_OK && HAS(r->m, SIP_ANOM_BAD_CONTENT_LENGTH), "dup: conflicting Content-Length flagged");
    is_int(r->m.content_length, 2, "dup: first Content-Length used");
    pfree(r);
    r = parse_st(d3, sizeof d3 - 1);
    is_int(r->rc, SIP_BAD, "dup: conflicting Content-Length cannot frame a stream");
    pfree(r);
}

static void test_start_lines(void)
{
    static const struct {
        const char *s;
        int rc;
        int anom; /* expected anomaly or -1 */
        unsigned status;
        const char *reason_or_method;
    } cases[] = {
        {"SIP/2.0 200 OK\r\n\r\n", SIP_OK, -1, 200, "OK"},
        {"SIP/2.0 200\r\n\r\n", SIP_OK, -1, 200, ""},
        {"SIP/2.0 200 \r\n\r\n", SIP_OK, -1, 200, ""},
        {"SIP/2.0   486   Busy Here  \r\n\r\n", SIP_OK, -1, 486, "Busy Here"},
        {"sip/2.0 100 Trying\r\n\r\n", SIP_OK, -1, 100, "Trying"},
        {"SIP/2.0 699 x\r\n\r\n", SIP_OK, -1, 699, "x"},
        {"SIP/2.0 099 Low\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_STATUS, 0, NULL},
        {"SIP/2.0 700 High\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_STATUS, 0, NULL},
        {"SIP/2.0 2000 OK\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_STATUS, 0, NULL},
        {"SIP/2.0 20 OK\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_STATUS, 0, NULL},
        {"SIP/2.0 200OK\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_STATUS, 0, NULL},
        {"SIP/2.0 OK\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_STATUS, 0, NULL},
        {"SIP/2.0\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_STATUS, 0, NULL},
        {"SIP/3.0 200 OK\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_VERSION, 0, NULL},
        {"HTTP/1.1 200 OK\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_START_LINE, 0, NULL},
        {"INVITE sip:a@b SIP/2.0\r\n\r\n", SIP_OK, -1, 0, "INVITE"},
        {"INVITE   sip:a@b   SIP/2.0  \r\n\r\n", SIP_OK, -1, 0, "INVITE"},
        {"invite sip:a@b SIP/2.0\r\n\r\n", SIP_OK, -1, 0, "invite"},
        {"REGIStER sip:a@b SIP/2.0\r\n\r\n", SIP_OK, -1, 0, "REGIStER"},
        {"FOO.BAR sip:a@b sip/2.0\r\n\r\n", SIP_OK, -1, 0, "FOO.BAR"},
        {"INVITE sip:a b SIP/2.0\r\n\r\n", SIP_OK, SIP_ANOM_BAD_START_LINE, 0, "INVITE"},
        {"INVITE sip:a@b SIP/3.0\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_VERSION, 0, NULL},
        {"INVITE sip:a@b SIP/2.00\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_VERSION, 0, NULL},
        {"INVITE sip:a@b HTTP/1.1\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_START_LINE, 0, NULL},
        {"INVITE sip:a@b\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_START_LINE, 0, NULL},
        {"INVITE SIP/2.0\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_START_LINE, 0, NULL},
        {"INVITE\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_START_LINE, 0, NULL},
        {"IN<VITE sip:a SIP/2.0\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_START_LINE, 0, NULL},
        {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", SIP_BAD, SIP_ANOM_BAD_START_LINE, 0, NULL},
        {"", SIP_BAD, SIP_ANOM_BAD_START_LINE, 0, NULL},
        {"\r\n\r\n", SIP_BAD, SIP_ANOM_BAD_START_LINE, 0, NULL},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct parsed *r = parse_dg(cases[k].s, strlen(cases[k].s));
        int good = r->rc == cases[k].rc;
        if (cases[k].anom >= 0)
            good = good && HAS(r->m, cases[k].anom);
        else if (r->rc == SIP_OK)
            good = good && !HAS(r->m, SIP_ANOM_BAD_START_LINE);
        if (r->rc == SIP_OK && cases[k].reason_or_method) {
            if (r->m.is_request)
                good = good && slice_eq(sp(r, r->m.method_s), cases[k].reason_or_method);
            else
                good = good && r->m.status == cases[k].status &&
                       slice_eq(sp(r, r->m.reason), cases[k].reason_or_method);
        }
        good = good && msg_sane(&r->m, r->rc, r->n, NHDRS);
        ok(good, "start line %zu: '%.*s'", k, (int)strcspn(cases[k].s, "\r\n\x16"), cases[k].s);
        if (k == 17 || k == 18)
            is_int(r->m.method, SIP_M_OTHER, "start line: non-exact method case is OTHER");
        pfree(r);
    }

    /* CSeq method vs request method */
    static const char ack_bad[] = "ACK sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>;tag=1\r\n"
                                  "To: <sip:a@b>\r\nCall-ID: 1\r\nCSeq: 1 INVITE\r\n\r\n";
    struct parsed *r = parse_dg(ack_bad, sizeof ack_bad - 1);
    ok(HAS(r->m, SIP_ANOM_CSEQ_METHOD_MISMATCH), "cseq: ACK with CSeq INVITE is a mismatch");
    ok(sip_msg_correlatable(&r->m), "cseq: mismatch does not block correlation");
    pfree(r);
    static const char resp[] = "SIP/2.0 200 OK\r\nCSeq: 1 BYE\r\n\r\n";
    r = parse_dg(resp, sizeof resp - 1);
    ok(!HAS(r->m, SIP_ANOM_CSEQ_METHOD_MISMATCH), "cseq: responses are not checked");
    pfree(r);
    static const char badcs[] = "BYE sip:a@b SIP/2.0\r\nCSeq: BYE 1\r\n\r\n";
    r = parse_dg(badcs, sizeof badcs - 1);
    ok(HAS(r->m, SIP_ANOM_BAD_CSEQ), "cseq: malformed CSeq -> BAD_CSEQ");
    pfree(r);
}

static void test_bare_lf(void)
{
    struct parsed *r = parse_dg(bare_lf, sizeof bare_lf - 1);
    struct sip_msg *m = &r->m;

    is_int(r->rc, SIP_OK, "bare lf: parses");
    ok(HAS(*m, SIP_ANOM_BARE_LF), "bare lf: BARE_LF");
    is_int(m->anom_total, 1, "bare lf: noted once");
    is_int(m->nhdrs, 6, "bare lf: six headers");
    is_str(hval(r, SIP_H_CALL_ID), "xyz", "bare lf: Call-ID");
    is_str(sp(r, m->ruri), "sip:bob@192.0.2.4", "bare lf: ruri");
    ok(sip_msg_correlatable(m), "bare lf: correlatable");
    is_int(m->len, sizeof bare_lf - 1, "bare lf: len");
    pfree(r);
    r = parse_st(bare_lf, sizeof bare_lf - 1);
    is_int(r->rc, SIP_OK, "bare lf: stream mode");
    pfree(r);
}

static void test_junk(void)
{
    struct parsed *r = parse_dg(junk, sizeof junk - 1);
    struct sip_msg *m = &r->m;

    ok(sip_looks_like(r->buf, r->n), "junk: looks like SIP despite leading NUL/CRLF");
    is_int(r->rc, SIP_OK, "junk: parses");
    ok(HAS(*m, SIP_ANOM_LEADING_JUNK), "junk: LEADING_JUNK");
    is_int(m->start.off, 7, "junk: start offset relative to p");
    is_int(m->method, SIP_M_ACK, "junk: ACK");
    is_int(m->len, sizeof junk - 1, "junk: len includes the junk");
    ok(!HAS(*m, SIP_ANOM_NUL_IN_HEADER), "junk: leading NUL is not NUL_IN_HEADER");
    ok(sip_msg_correlatable(m), "junk: correlatable");
    pfree(r);

    static const char keepalive[] = "\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n";
    r = parse_st(keepalive, sizeof keepalive - 1);
    ok(r->rc == SIP_OK && !HAS(r->m, SIP_ANOM_LEADING_JUNK), "junk: CRLF keep-alive before a stream message is legal");
    is_int(r->m.len, sizeof keepalive - 1, "junk: keep-alive bytes belong to the message");
    pfree(r);
    r = parse_dg(keepalive, sizeof keepalive - 1);
    ok(HAS(r->m, SIP_ANOM_LEADING_JUNK), "junk: CRLF before a datagram is junk");
    pfree(r);
    r = parse_st("\r\n\r\n", 4);
    is_int(r->rc, SIP_NEED_MORE, "junk: stream of only CRLF needs more");
    pfree(r);
}

static void test_weird(void)
{
    struct parsed *r = parse_dg(weird, sizeof weird - 1);
    struct sip_msg *m = &r->m;

    is_int(r->rc, SIP_OK, "weird: parses");
    is_int(m->method, SIP_M_OTHER, "weird: REGIStER is OTHER");
    is_str(sp(r, m->method_s), "REGIStER", "weird: token kept");
    ok(HAS(*m, SIP_ANOM_HDR_SPACE_BEFORE_COLON), "weird: SPACE_BEFORE_COLON");
    ok(m->first[SIP_H_VIA] >= 0, "weird: 'Via :' still indexed as Via");
    ok(HAS(*m, SIP_ANOM_NUL_IN_HEADER), "weird: NUL_IN_HEADER");
    is_int(hval(r, SIP_H_CALL_ID).n, 3, "weird: Call-ID with NUL kept whole");
    ok(HAS(*m, SIP_ANOM_HDR_NO_COLON), "weird: HDR_NO_COLON");
    ok(HAS(*m, SIP_ANOM_HDR_BAD_NAME), "weird: HDR_BAD_NAME");
    ok(HAS(*m, SIP_ANOM_CSEQ_METHOD_MISMATCH), "weird: REGIStER vs CSeq REGISTER mismatch");
    is_int(m->content_length, 0, "weird: Content-Length after junk lines found");
    ok(sip_msg_correlatable(m), "weird: correlatable");
    ok(msg_sane(m, r->rc, r->n, NHDRS), "weird: invariants");
    pfree(r);
}

static void test_content_length(void)
{
    static const char *const bad[] = {"bad", "xyz", "-1", "99999999999999999999", "", "1 2", "0x10"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char buf[256];
        int n = snprintf(buf, sizeof buf,
                         "MESSAGE sip:a@b SIP/2.0\r\nCall-ID: 1\r\nContent-Length: %s\r\n\r\nbody bytes", bad[k]);
        struct parsed *r = parse_dg(buf, (size_t)n);
        ok(r->rc == SIP_OK && HAS(r->m, SIP_ANOM_BAD_CONTENT_LENGTH) && r->m.content_length == -1 &&
               slice_eq(sp(r, r->m.body), "body bytes") && r->m.len == (uint32_t)n,
           "cl: '%s' -> BAD_CONTENT_LENGTH, body runs to the end", bad[k]);
        pfree(r);
        r = parse_st(buf, (size_t)n);
        is_int(r->rc, SIP_BAD, "cl: bad Content-Length in stream mode -> SIP_BAD");
        pfree(r);
    }

    struct parsed *r = parse_dg(cl_big, sizeof cl_big - 1);
    ok(r->rc == SIP_OK && HAS(r->m, SIP_ANOM_CONTENT_LENGTH_MISMATCH), "cl: bigger than datagram -> MISMATCH");
    is_str(sp(r, r->m.body), "short", "cl: body is what is present");
    is_int(r->m.content_length, 100, "cl: content_length kept");
    is_int(r->m.len, sizeof cl_big - 1, "cl: len is the datagram");
    ok(sip_msg_correlatable(&r->m), "cl: mismatch still correlatable");
    pfree(r);
    r = parse_st(cl_big, sizeof cl_big - 1);
    is_int(r->rc, SIP_NEED_MORE, "cl: stream mode waits for the body");
    pfree(r);

    r = parse_dg(trailing, sizeof trailing - 1);
    ok(r->rc == SIP_OK && HAS(r->m, SIP_ANOM_TRAILING_BYTES), "cl: TRAILING_BYTES");
    is_str(sp(r, r->m.body), "abc", "cl: body cut at Content-Length");
    is_int(r->m.len, sizeof trailing - 1 - 3, "cl: len excludes trailing bytes");
    pfree(r);

    static const char nocl[] = "MESSAGE sip:a@b SIP/2.0\r\n\r\nbody";
    r = parse_dg(nocl, sizeof nocl - 1);
    ok(r->rc == SIP_OK && slice_eq(sp(r, r->m.body), "body") && r->m.content_length == -1,
       "cl: absent in a datagram -> body to the end");
    pfree(r);
    r = parse_st(nocl, sizeof nocl - 1);
    ok(r->rc == SIP_OK && r->m.body.len == 0 && r->m.len == sizeof nocl - 1 - 4,
       "cl: absent in a stream -> 0");
    pfree(r);
    static const char huge[] = "MESSAGE sip:a@b SIP/2.0\r\nl: 99999999999\r\n\r\nx";
    r = parse_st(huge, sizeof huge - 1);
    ok(r->rc == SIP_BAD && HAS(r->m, SIP_ANOM_BAD_CONTENT_LENGTH), "cl: > 4 GiB in a stream -> SIP_BAD");
    pfree(r);
    r = parse_dg(huge, sizeof huge - 1);
    ok(r->rc == SIP_OK && HAS(r->m, SIP_ANOM_CONTENT_LENGTH_MISMATCH), "cl: > 4 GiB in a datagram -> MISMATCH");
    pfree(r);
}

static void test_no_header_end(void)
{
    struct parsed *r = parse_dg(no_end, sizeof no_end - 1);
    struct sip_msg *m = &r->m;

    is_int(r->rc, SIP_OK, "no end: parses");
    ok(HAS(*m, SIP_ANOM_NO_HEADER_END), "no end: NO_HEADER_END");
    is_int(m->nhdrs, 5, "no end: headers kept (last line without CRLF too)");
    is_str(hval(r, SIP_H_CSEQ), "1 INVITE", "no end: unterminated last header");
    is_int(m->body.len, 0, "no end: body empty");
    is_int(m->len, sizeof no_end - 1, "no end: len");
    ok(sip_msg_correlatable(m), "no end: correlatable");
    pfree(r);
    r = parse_st(no_end, sizeof no_end - 1);
    is_int(r->rc, SIP_NEED_MORE, "no end: stream needs more");
    pfree(r);

    static const char only_start[] = "OPTIONS sip:a@b SIP/2.0";
    r = parse_dg(only_start, sizeof only_start - 1);
    ok(r->rc == SIP_OK && HAS(r->m, SIP_ANOM_NO_HEADER_END) && r->m.nhdrs == 0, "no end: start line only");
    pfree(r);
    static const char cr_end[] = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: 1\r\n\r";
    r = parse_dg(cr_end, sizeof cr_end - 1);
    ok(r->rc == SIP_OK && HAS(r->m, SIP_ANOM_NO_HEADER_END) && r->m.nhdrs == 1, "no end: lone CR at the end");
    pfree(r);
}

static void test_stream_two(void)
{
    size_t a = sizeof invite - 1, b = sizeof ok200 - 1;
    uint8_t *buf = xmalloc(a + b);
    struct sip_parse_opts o = {0, 1};
    struct sip_msg m;
    struct sip_hdr h[NHDRS];

    memcpy(buf, invite, a);
    memcpy(buf + a, ok200, b);
    int rc = sip_parse(buf, a + b, &o, &m, h, NHDRS);
    ok(rc == SIP_OK && m.len == a && m.method == SIP_M_INVITE, "stream: first of two messages");
    ok(slice_eq(sip_span_slice(buf, m.body), invite + a - 149), "stream: first body");
    size_t off = m.len;
    rc = sip_parse(buf + off, a + b - off, &o, &m, h, NHDRS);
    ok(rc == SIP_OK && m.len == b && m.status == 200, "stream: second of two messages");
    is_int(m.body.len, 140, "stream: second body");
    ok(!HAS(m, SIP_ANOM_TRAILING_BYTES), "stream: no TRAILING_BYTES in stream mode");
    free(buf);

    /* datagram mode on the same buffer sees trailing bytes */
    buf = xmalloc(a + b);
    memcpy(buf, invite, a);
    memcpy(buf + a, ok200, b);
    struct sip_parse_opts dg = {0, 0};
    rc = sip_parse(buf, a + b, &dg, &m, h, NHDRS);
    ok(rc == SIP_OK && HAS(m, SIP_ANOM_TRAILING_BYTES) && m.len == a, "stream: datagram sees trailing bytes");
    free(buf);
}

/* Every strict prefix of a complete stream message needs more. */
static void test_stream_prefixes(void)
{
    static const struct fixture msgs[] = {FIX(invite), FIX(ok200), FIX(compact), FIX(folded), FIX(bare_lf),
                                          FIX(junk)};
    struct sip_parse_opts o = {0, 1};
    struct sip_msg m;
    struct sip_hdr h[8];

    for (size_t k = 0; k < sizeof msgs / sizeof msgs[0]; k++) {
        size_t n = msgs[k].n;
        uint8_t *buf = xmalloc(n);
        int bad = 0;
        for (size_t len = 0; len < n; len++) {
            /* flush against the end of the allocation */
            memcpy(buf + n - len, msgs[k].s, len);
            int rc = sip_parse(buf + n - len, len, &o, &m, h, 8);
            if (rc != SIP_NEED_MORE) {
                if (!bad)
                    printf("# %s: prefix %zu returned %d\n", msgs[k].name, len, rc);
                bad++;
            }
        }
        memcpy(buf, msgs[k].s, n);
        int rc = sip_parse(buf, n, &o, &m, h, 8);
        ok(!bad, "stream: every prefix of %s needs more", msgs[k].name);
        ok(rc == SIP_OK && m.len == n, "stream: complete %s is OK", msgs[k].name);
        free(buf);
    }
}

/* A body split at every byte: the first segment needs more, the
 * reassembled stream yields the same message. */
static void test_stream_body_split(void)
{
    size_t n = sizeof invite - 1, body_off = n - 149;
    struct sip_parse_opts o = {0, 1};
    struct sip_msg m;
    struct sip_hdr h[NHDRS];
    int bad = 0;

    for (size_t cut = body_off; cut < n; cut++) {
        uint8_t *seg = xmemdup(invite, cut);
        if (sip_parse(seg, cut, &o, &m, h, NHDRS) != SIP_NEED_MORE)
            bad++;
        uint8_t *all = xmalloc(n + 10);
        memcpy(all, seg, cut);
        memcpy(all + cut, invite + cut, n - cut);
        memcpy(all + n, "SIP/2.0 1", 9); /* start of a following message */
        if (sip_parse(all, n + 9, &o, &m, h, NHDRS) != SIP_OK || m.len != n || m.body.len != 149 ||
            m.body.off != body_off)
            bad++;
        free(seg);
        free(all);
    }
    ok(!bad, "stream: body split at every byte (%zu cuts)", n - body_off);
}

static void test_too_many(void)
{
    size_t cap = 10000 * 24 + 1024, n = 0;
    char *buf = xmalloc(cap);
    struct sip_hdr *h = xcalloc(64, sizeof *h);
    struct sip_msg m;
    struct sip_parse_opts o = {0, 0};

    n += (size_t)snprintf(buf + n, cap - n, "INVITE sip:a@b SIP/2.0\r\nFrom: <sip:a@b>;tag=1\r\n");
    for (int i = 0; i < 9995; i++)
        n += (size_t)snprintf(buf + n, cap - n, "X-H%d: v\r\n", i);
    n += (size_t)snprintf(buf + n, cap - n, "To: <sip:c@d>\r\nVia: SIP/2.0/UDP h\r\nCSeq: 1 INVITE\r\n"
                                            "Content-Length: 0\r\nCall-ID: last@host\r\n\r\n");
    uint8_t *exact = xmemdup(buf, n);
    int rc = sip_parse(exact, n, &o, &m, h, 64);
    is_int(rc, SIP_OK, "10k headers: parses");
    is_int(m.hdr_total, 10001, "10k headers: all lines seen");
    is_int(m.nhdrs, 64, "10k headers: array full");
    ok(HAS(m, SIP_ANOM_TOO_MANY_HEADERS), "10k headers: TOO_MANY_HEADERS");
    int cnt = 0;
    for (unsigned i = 0; i < m.nanoms; i++)
        cnt += m.anoms[i].kind == SIP_ANOM_TOO_MANY_HEADERS;
    is_int(cnt, 1, "10k headers: recorded once");
    is_int(m.anom_total, 1, "10k headers: no other anomaly");
    is_str(sip_hdr_first(&m, exact, SIP_H_CALL_ID), "last@host", "10k headers: last Call-ID found");
    is_str(sip_hdr_first(&m, exact, SIP_H_TO), "<sip:c@d>", "10k headers: To found");
    is_str(sip_hdr_first(&m, exact, SIP_H_CSEQ), "1 INVITE", "10k headers: CSeq found");
    ok(sip_hdr_first(&m, exact, SIP_H_VIA).p != NULL, "10k headers: Via found");
    is_int(m.content_length, 0, "10k headers: Content-Length found");
    ok(sip_msg_correlatable(&m), "10k headers: correlatable");
    ok(msg_sane(&m, rc, n, 64), "10k headers: invariants");
    int ordered = 1;
    for (uint32_t i = 1; i < m.nhdrs; i++)
        if (m.hdrs[i].name.off <= m.hdrs[i - 1].name.off)
            ordered = 0;
    ok(ordered, "10k headers: array stays in message order");

    /* tiny arrays */
    rc = sip_parse(exact, n, &o, &m, h, 3);
    ok(rc == SIP_OK && m.nhdrs == 3 && m.first[SIP_H_FROM] >= 0 && msg_sane(&m, rc, n, 3),
       "10k headers: 3-entry array holds singletons");
    rc = sip_parse(exact, n, &o, &m, NULL, 0);
    ok(rc == SIP_OK && m.nhdrs == 0 && !sip_msg_correlatable(&m) && !HAS(m, SIP_ANOM_MISSING_CALL_ID),
       "10k headers: no array -> present but not correlatable");
    free(exact);
    free(buf);
    free(h);
}

static void test_long_line(void)
{
    size_t vlen = 1 << 20;
    static const char head[] = "MESSAGE sip:a@b SIP/2.0\r\nCall-ID: 1\r\nSubject: ";
    static const char tail[] = "\r\nContent-Length: 0\r\n\r\n";
    size_t n = sizeof head - 1 + vlen + sizeof tail - 1;
    uint8_t *buf = xmalloc(n);
    memcpy(buf, head, sizeof head - 1);
    memset(buf + sizeof head - 1, 'a', vlen);
    memcpy(buf + sizeof head - 1 + vlen, tail, sizeof tail - 1);

    struct sip_parse_opts o = {8192, 0};
    struct sip_msg m;
    struct sip_hdr h[8];
    int rc = sip_parse(buf, n, &o, &m, h, 8);
    ok(rc == SIP_OK && HAS(m, SIP_ANOM_HDR_TOO_LONG), "1 MB line: HDR_TOO_LONG");
    is_int(sip_hdr_first(&m, buf, SIP_H_SUBJECT).n, vlen, "1 MB line: still indexed, whole value");
    is_int(m.content_length, 0, "1 MB line: following header parsed");
    o.max_header_line = 0;
    rc = sip_parse(buf, n, &o, &m, h, 8);
    ok(rc == SIP_OK && !HAS(m, SIP_ANOM_HDR_TOO_LONG), "1 MB line: no limit -> no anomaly");
    o.stream = 1;
    rc = sip_parse(buf, n - 1, &o, &m, h, 8);
    is_int(rc, SIP_NEED_MORE, "1 MB line: stream prefix needs more");
    free(buf);
}

static void test_anom_overflow(void)
{
    char buf[4096];
    size_t n = (size_t)snprintf(buf, sizeof buf, "OPTIONS sip:a@b SIP/2.0\r\n");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "nocolon%d\r\n", i);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "\r\n");
    struct parsed *r = parse_dg(buf, n);
    is_int(r->rc, SIP_OK, "anoms: parses");
    is_int(r->m.nanoms, SIP_MAX_ANOMS, "anoms: stored up to SIP_MAX_ANOMS");
    is_int(r->m.anom_total, 40 + 5, "anoms: anom_total counts all");
    ok(HAS(r->m, SIP_ANOM_MISSING_CALL_ID), "anoms: mask has unstored kinds");
    is_int(r->m.anoms[0].kind, SIP_ANOM_HDR_NO_COLON, "anoms: first stored kind");
    is_int(r->m.anoms[0].off, 25, "anoms: first stored offset");
    sip_msg_anom(&r->m, SIP_ANOM_TRUNCATED, 7);
    ok(HAS(r->m, SIP_ANOM_TRUNCATED) && r->m.anom_total == 46, "anoms: caller-added TRUNCATED");
    pfree(r);
}

static void test_looks_like(void)
{
    static const struct {
        const char *s;
        size_t n;
        int want;
    } c[] = {
        {"SIP/2.0 200 OK\r\n", 16, 1},
        {"SIP/2.0 2", 9, 1},
        {"sip/2.0 200 OK\r\n", 16, 1},
        {"SIP/2.0 OK", 10, 0},
        {"INVITE sip:a@b SIP/2.0\r\n", 24, 1},
        {"INVITE sip:a@b SIP/2.0", 22, 1},
        {"\0\0\r\n  OPTIONS sip:a@b SIP/2.0\r\n", 31, 1},
        {"INVITE sip:a@b HTTP/1.1\r\n", 25, 0},
        {"GET / HTTP/1.1\r\n", 16, 0},
        {"INVITE SIP/2.0\r\n", 16, 0},
        {"1NVITE sip:a SIP/2.0\r\n", 22, 0},
        {"INVITE", 6, 0},
        {"", 0, 0},
        {"\x80\x00\x01", 3, 0},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF sip:a SIP/2.0\r\n", 48, 1},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG sip:a SIP/2.0\r\n", 49, 1}, /* PROTOS: long methods */
        {"CANCEL sip:a SIP/2.0\r7Via: x\r\n", 31, 1},                     /* bare CR ends the line */
        {"INVITE sip:a\r SIP/2.0\r\n", 24, 1}, /* the whole line parses: bare CR is only a fallback */
    };
    int good = 1;
    for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) {
        uint8_t *b = xmemdup(c[k].s, c[k].n);
        if (sip_looks_like(b, c[k].n) != c[k].want) {
            printf("# looks_like case %zu wrong\n", k);
            good = 0;
        }
        free(b);
    }
    ok(good, "looks_like: table");
    ok(!sip_looks_like(NULL, 10), "looks_like: NULL");
    {
        /* seen in a fuzzed capture: the start line's LF became '7' */
        static const char bc[] = "CANCEL sip:a@b SIP/2.0\r7Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                                 "Call-ID: x\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCSeq: 1 CANCEL\r\n\r\n";
        struct sip_msg m;
        struct sip_hdr h[16];
        uint8_t *bb = xmemdup(bc, sizeof bc - 1);
        int rc = sip_parse(bb, sizeof bc - 1, NULL, &m, h, 16);
        ok(rc == SIP_OK && m.method == SIP_M_CANCEL && (m.anom_mask & (1ULL << SIP_ANOM_BARE_CR)) &&
               sip_hdr_first(&m, bb, SIP_H_CALL_ID).n == 1,
           "bare CR ends the start line in datagram mode");
        free(bb);
    }
    {
        /* fuzz regression (fuzz-smoke in CI): CRs inside a start line that
         * parses whole must not cut it in datagram mode, so stream and
         * datagram framing agree */
        static const char cr[] = "MESSAOE s\r\r\r\rip:user2@domain.com SIP/2.0\r\n"
                                 "Via: SIP/2.0/TCP h;branch=z9hG4bK1\r\nCall-ID: x\r\nFrom: <sip:a@b>;tag=1\r\n"
                                 "To: <sip:c@d>\r\nCSeq: 1 MESSAOE\r\nContent-Length: 0\r\n\r\n";
        struct sip_msg ms, md;
        struct sip_hdr h1[16], h2[16];
        struct sip_parse_opts st = {.stream = 1}, dg = {0};
        uint8_t *bb = xmemdup(cr, sizeof cr - 1);
        int rs = sip_parse(bb, sizeof cr - 1, &st, &ms, h1, 16);
        int rd = sip_parse(bb, rs == SIP_OK ? ms.len : sizeof cr - 1, &dg, &md, h2, 16);
        ok(rs == SIP_OK && rd == SIP_OK && md.start.len == ms.start.len, "CRs inside a whole start line: modes agree");
        free(bb);
    }

    /* a start line of any length (PROTOS overflows) */
    size_t n = 4096;
    uint8_t *b = xmalloc(n);
    memcpy(b, "INVITE sip:", 11);
    memset(b + 11, 'a', n - 11);
    memcpy(b + 3000, " SIP/2.0\r\n", 10);
    ok(sip_looks_like(b, n), "looks_like: first line beyond 2048 bytes");
    memset(b, 0, 100);
    ok(!sip_looks_like(b, n), "looks_like: more than 64 leading NULs");
    free(b);
    int fixtures_ok = 1;
    for (size_t k = 0; k < NFIX; k++) {
        uint8_t *fb = xmemdup(fixtures[k].s, fixtures[k].n);
        if (!sip_looks_like(fb, fixtures[k].n))
            fixtures_ok = 0;
        free(fb);
    }
    ok(fixtures_ok, "looks_like: every fixture");
}

/* Regressions found by fuzzing (tests/fuzz). */
static void test_fuzz_regressions(void)
{
    static const struct fixture regs[] = {
        /* fuzz_sip: a control byte in the Request-URI made a partial
         * start line SIP_BAD in stream mode although the whole message
         * parses (prefix invariant); minimized by libFuzzer */
        {"ctl-in-ruri-prefix", "E \x15 SIP/2.0\n\n", 13},
    };
    for (size_t k = 0; k < sizeof regs / sizeof regs[0]; k++) {
        for (int st = 0; st < 2; st++) {
            struct sip_parse_opts o = {16, st};
            struct sip_msg m;
            struct sip_hdr h[4];
            uint8_t *b = xmemdup(regs[k].s, regs[k].n);
            int rc = sip_parse(b, regs[k].n, &o, &m, h, 4);
            if (rc == SIP_OK)
                exercise_values(&m, b);
            ok(msg_sane(&m, rc, regs[k].n, 4), "fuzz regression %s (%s)", regs[k].name, st ? "stream" : "datagram");
            if (st && rc == SIP_OK) {
                int bad = 0;
                const uint32_t len = m.len;
                for (uint32_t cut = 0; cut < len; cut++) {
                    uint8_t *pb = xmemdup(regs[k].s, cut);
                    if (sip_parse(pb, cut, &o, &m, h, 4) != SIP_NEED_MORE)
                        bad++;
                    free(pb);
                }
                ok(!bad, "fuzz regression %s: every stream prefix needs more", regs[k].name);
            }
            free(b);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Robustness: prefixes, single-byte mutations, flush-end buffers      */
/* ------------------------------------------------------------------ */

static int robust_one(const uint8_t *b, size_t n, size_t cap)
{
    struct sip_hdr h[16];
    struct sip_msg m;
    int good = 1;
    for (int st = 0; st < 2; st++) {
        struct sip_parse_opts o = {32, st};
        (void)sip_looks_like(b, n);
        int rc = sip_parse(b, n, &o, &m, h, cap);
        if (!msg_sane(&m, rc, n, cap))
            good = 0;
        if (rc == SIP_OK) {
            if (st && m.len > n)
                good = 0;
            exercise_values(&m, b);
            (void)sip_msg_correlatable(&m);
        }
        if (!st && rc == SIP_NEED_MORE)
            good = 0;
    }
    return good;
}

static void test_robust(void)
{
    static const uint8_t vals[] = {0x00, '\r', '\n', ':', ' ', ';', '<', '"', 0xff};
    for (size_t k = 0; k < NFIX; k++) {
        size_t n = fixtures[k].n;
        uint8_t *buf = xmalloc(n);
        int good = 1;
        long runs = 0;

        for (size_t len = 0; len <= n; len++) {
            memcpy(buf + n - len, fixtures[k].s, len);
            good &= robust_one(buf + n - len, len, 16);
            good &= robust_one(buf + n - len, len, 2);
            runs += 2;
        }
        memcpy(buf, fixtures[k].s, n);
        for (size_t pos = 0; pos < n; pos++) {
            uint8_t orig = buf[pos];
            for (size_t v = 0; v < sizeof vals; v++) {
                buf[pos] = vals[v];
                good &= robust_one(buf, n, 16);
                runs++;
            }
            buf[pos] = orig;
        }
        ok(good, "robust: %s: %ld prefix/mutation runs, invariants hold", fixtures[k].name, runs);
        free(buf);
    }
}

int main(void)
{
    test_invite();
    test_200ok();
    test_compact();
    test_hdr_names();
    test_folded();
    test_next_value();
    test_params();
    test_nameaddr();
    test_uri();
    test_via();
    test_cseq_cl();
    test_missing();
    test_dups();
    test_start_lines();
    test_bare_lf();
    test_junk();
    test_weird();
    test_content_length();
    test_no_header_end();
    test_stream_two();
    test_stream_prefixes();
    test_stream_body_split();
    test_too_many();
    test_long_line();
    test_anom_overflow();
    test_looks_like();
    test_fuzz_regressions();
    test_robust();
    return tap_done();
}
