/*
 * test_multipart.c - MIME multipart splitting and nested search.
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/multipart.h"
#include "src/base/buf.h"
#include "tests/unit/tap.h"

static struct slice S(const char *s)
{
    return (struct slice){(const uint8_t *)s, strlen(s)};
}

static const char SIPI[] =
    "--unique-boundary-1\r\n"
    "Content-Type: application/sdp\r\n"
    "\r\n"
    "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n"
    "\r\n--unique-boundary-1\r\n"
    "Content-Type: application/ISUP;version=nxv3;base=etsi121\r\n"
    "Content-Disposition: signal;handling=optional\r\n"
    "\r\n"
    "\x01\x00\x49\x00\x00\x03\x02\x00\x07\x04\x10\x00\x33\x63\x21\x43\x00\x00\x03\r\n"
    "--unique-boundary-1--\r\n";

int main(void)
{
    struct mp_part parts[8];
    size_t np;
    struct slice ct = S("multipart/mixed;boundary=unique-boundary-1");
    struct slice body = {(const uint8_t *)SIPI, sizeof SIPI - 1};
    is_int(multipart_parse(ct, body, parts, 8, &np), MP_OK, "SIP-I body parses");
    is_int(np, 2, "two parts");
    is_str(parts[0].content_type, "application/sdp", "first part type");
    ok(parts[0].body.n > 10 && memcmp(parts[0].body.p, "v=0", 3) == 0, "SDP part body");
    ok(parts[0].body.p[parts[0].body.n - 1] == '\n', "part body keeps its own last line end, not the delimiter's CRLF");
    is_str(parts[1].content_type, "application/ISUP;version=nxv3;base=etsi121", "ISUP type with params");
    is_int(parts[1].body.n, 19, "binary ISUP body intact");
    struct slice sdp = multipart_find(ct, body, "application/sdp", 8, NULL);
    ok(sdp.p == parts[0].body.p, "find SDP in SIP-I");
    ok(!multipart_find(ct, body, "application/pidf+xml", 8, NULL).p, "absent type not found");
    ok(multipart_find(S("Application/SDP"), S("v=0\r\n"), "application/sdp", 8, NULL).n == 5,
       "plain SDP body found as is (case-insensitive type)");

    is_int(multipart_parse(S("multipart/mixed; boundary=\"a b\""), S("--a b\nContent-Type: text/plain\n\nhi\n--a b--\n"),
                           parts, 8, &np), MP_OK, "quoted boundary with space, bare LF");
    ok(np == 1 && parts[0].body.n == 2, "bare-LF part body");
    is_int(multipart_parse(S("multipart/mixed"), S("x"), parts, 8, &np), MP_NO_BOUNDARY, "no boundary parameter");
    is_int(multipart_parse(S("text/plain"), S("x"), parts, 8, &np), MP_NOT_MULTIPART, "not multipart");
    is_int(multipart_parse(S("multipart/mixed;boundary=zz"), S("no delimiter here"), parts, 8, &np), MP_NO_PARTS,
           "boundary never appears");
    is_int(multipart_parse(S("multipart/mixed;boundary=zz"), S("--zz\r\n\r\npart one"), parts, 8, &np),
           MP_UNTERMINATED, "no close delimiter");
    ok(np == 1 && parts[0].body.n == 8, "unterminated part kept");
    {
        struct buf many = {0};
        for (int i = 0; i < 20; i++)
            buf_puts(&many, "--q\r\n\r\nx\r\n");
        buf_puts(&many, "--q--\r\n");
        is_int(multipart_parse(S("multipart/mixed;boundary=q"), (struct slice){(const uint8_t *)many.p, many.n},
                               parts, 8, &np), MP_TOO_MANY, "more parts than the array");
        is_int(np, 8, "array filled");
        buf_free(&many);
    }
    /* 100 levels of nesting: the search stops at the depth limit */
    {
        struct buf b = {0};
        struct buf tail = {0};
        for (int i = 0; i < 100; i++) {
            buf_printf(&b, "--b%d\r\nContent-Type: multipart/mixed;boundary=b%d\r\n\r\n", i, i + 1);
        }
        buf_puts(&b, "--b100\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b100--\r\n");
        for (int i = 99; i >= 0; i--)
            buf_printf(&b, "\r\n--b%d--\r\n", i);
        int deep = 0;
        struct slice got = multipart_find(S("multipart/mixed;boundary=b0"), (struct slice){(const uint8_t *)b.p, b.n},
                                          "application/sdp", 8, &deep);
        ok(!got.p && deep, "100-deep nesting: stopped at depth 8 and reported");
        got = multipart_find(S("multipart/mixed;boundary=b0"), (struct slice){(const uint8_t *)b.p, b.n},
                             "application/sdp", 200, &deep);
        ok(got.p && got.n >= 3 && memcmp(got.p, "v=0", 3) == 0, "with a large enough depth the SDP is found");
        buf_free(&b);
        buf_free(&tail);
    }
    /* every prefix, exact-size copies */
    int okp = 1;
    for (size_t n = 0; n <= sizeof SIPI - 1; n++) {
        uint8_t *p = malloc(n ? n : 1);
        memcpy(p, SIPI, n);
        multipart_parse(ct, (struct slice){p, n}, parts, 8, &np);
        multipart_find(ct, (struct slice){p, n}, "application/sdp", 8, NULL);
        for (size_t k = 0; k < np; k++)
            if (parts[k].body.p < p || parts[k].body.p + parts[k].body.n > p + n)
                okp = 0;
        free(p);
    }
    ok(okp, "every prefix: parts stay inside the body");
    return tap_done();
}
