/*
 * test_kpml.c - KPML bodies (dissect/kpml.c, RFC 4730 §5): the Cisco
 * NOTIFY kpml-response and SUBSCRIBE kpml-request examples, namespaces,
 * codes and digits; hostile XML: an entity-expansion bomb (billion laughs)
 * and an XXE external entity must give "xml-entities-refused" quickly,
 * with no file access (a tripwire external-entity loader) and nothing
 * printed (stderr captured); an external DTD is never loaded; undeclared
 * entities, bad encodings, oversize and malformed bodies are anomalies.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "dissect/kpml.h"
#include "src/base/buf.h"
#include "tests/unit/tap.h"

static int loader_calls;

static xmlParserInputPtr tripwire(const char *URL, const char *ID, xmlParserCtxtPtr ctxt)
{
    (void)URL;
    (void)ID;
    (void)ctxt;
    loader_calls++;
    return NULL;
}

static int K(const char *s, struct kpml_result *r)
{
    return kpml_parse((const uint8_t *)s, strlen(s), r);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char CISCO[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\" ?> <kpml-response code=\"200\" "
                            "digits=\"1\" forced_flush=\"false\" suppressed=\"false\" tag=\"dtmf\" text=\"Success\" "
                            "version=\"1.0\"/>";

static const char REQ[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><kpml-request "
                          "xmlns=\"urn:ietf:params:xml:ns:kpml-request\" "
                          "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                          "xsi:schemaLocation=\"urn:ietf:params:xml:ns:kpml-request kpml-request.xsd\" "
                          "version=\"1.0\"><pattern persist=\"persist\"><regex "
                          "tag=\"dtmf\">[x*#ABCD]</regex></pattern></kpml-request>";

int main(void)
{
    struct kpml_result r;
    xmlSetExternalEntityLoader(tripwire);

    /* capture stderr: nothing may be printed */
    char errpath[] = "/tmp/test_kpml_stderrXXXXXX";
    int errfd = mkstemp(errpath);
    int saved = dup(2);
    fflush(stderr);
    dup2(errfd, 2);

    ok(K(CISCO, &r), "cisco: recognised");
    is_int(r.kind, KPML_RESPONSE, "cisco: response");
    ok(r.has_code && r.code == 200, "cisco: code 200");
    ok(!strcmp(r.digits, "1") && r.ndigits == 1, "cisco: digits 1");
    ok(!strcmp(r.tag, "dtmf"), "cisco: tag");
    ok(!strcmp(r.text, "Success"), "cisco: text");
    ok(!r.suppressed && !r.forced_flush, "cisco: booleans false");
    is_int(r.nanoms, 0, "cisco: no anomalies");

    ok(K("<kpml-response xmlns=\"urn:ietf:params:xml:ns:kpml-response\" version=\"1.0\" code=\"423\" "
         "text=\"Timer Expired\" digits=\"12*#ab\" suppressed=\"true\"/>",
         &r),
       "ns: recognised");
    ok(r.code == 423 && !strcmp(r.digits, "12*#AB") && r.suppressed, "ns: code 423, digits upper-cased");
    ok(K("\xef\xbb\xbf<kpml-response code=\"200\" digits=\"9\"/>", &r) && !strcmp(r.digits, "9"), "UTF-8 BOM");
    ok(K("<k:kpml-response xmlns:k=\"urn:ietf:params:xml:ns:kpml-response\" code=\"200\" digits=\"5\"/>", &r) &&
           r.digits[0] == '5',
       "prefixed root");

    ok(K(REQ, &r), "request: recognised");
    is_int(r.kind, KPML_REQUEST, "request: kind");
    ok(r.persist, "request: persist");
    ok(!strcmp(r.tag, "dtmf"), "request: regex tag");
    ok(!strcmp(r.text, "[x*#ABCD]"), "request: regex");

    /* response anomalies */
    ok(K("<kpml-response digits=\"1x2\"/>", &r) && kpml_has_anom(&r, KPML_ANOM_MISSING_CODE) &&
           kpml_has_anom(&r, KPML_ANOM_BAD_DIGIT) && !strcmp(r.digits, "12"),
       "missing code, bad digit skipped");
    ok(K("<kpml-response code=\"20\" text=\"a&#10;b&amp;c\"/>", &r) && kpml_has_anom(&r, KPML_ANOM_BAD_CODE) &&
           !strcmp(r.text, "a?b&c"),
       "bad code; control char in text replaced; predefined entity ok");
    {
        struct buf b = {0};
        buf_puts(&b, "<kpml-response code=\"200\" digits=\"");
        for (int i = 0; i < 100; i++)
            buf_putc(&b, '7');
        buf_puts(&b, "\"/>");
        ok(K(b.p, &r) && r.ndigits == KPML_MAX_DIGITS && strlen(r.digits) == KPML_MAX_DIGITS &&
               kpml_has_anom(&r, KPML_ANOM_DIGITS_TRUNCATED),
           "digits bounded");
        buf_free(&b);
    }
    ok(!K("<presence/>", &r) && kpml_has_anom(&r, KPML_ANOM_NOT_KPML), "unknown root");
    ok(!K("<kpml-response code=\"200\"", &r) && kpml_has_anom(&r, KPML_ANOM_NOT_WELL_FORMED), "not well formed");
    ok(!K("<kpml-response code=\"200\" digits=\"&x;\"/>", &r) && kpml_has_anom(&r, KPML_ANOM_NOT_WELL_FORMED),
       "undeclared entity: not well formed, not expanded");
    ok(!kpml_parse((const uint8_t *)"", 0, &r) && kpml_has_anom(&r, KPML_ANOM_EMPTY), "empty");
    ok(!kpml_parse(NULL, 5, &r) && kpml_has_anom(&r, KPML_ANOM_EMPTY), "NULL");
    ok(!K("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><kpml-response code=\"200\"/>", &r) &&
           kpml_has_anom(&r, KPML_ANOM_BAD_ENCODING),
       "non-UTF-8 encoding declaration refused");
    {
        static const uint8_t u16[] = {0xff, 0xfe, '<', 0, 'a', 0, '/', 0, '>', 0};
        ok(!kpml_parse(u16, sizeof u16, &r) && kpml_has_anom(&r, KPML_ANOM_BAD_ENCODING), "UTF-16 refused");
        static const uint8_t bad8[] = "<kpml-response code=\"200\" text=\"\xc0\xaf\"/>";
        ok(!kpml_parse(bad8, sizeof bad8 - 1, &r) && kpml_has_anom(&r, KPML_ANOM_BAD_ENCODING),
           "invalid UTF-8 refused");
    }
    {
        size_t n = KPML_MAX_BODY + 1;
        uint8_t *big = malloc(n);
        memset(big, ' ', n);
        ok(!kpml_parse(big, n, &r) && kpml_has_anom(&r, KPML_ANOM_TOO_LARGE), "too large");
        free(big);
    }

    /* ---- billion laughs ---- */
    {
        struct buf b = {0};
        buf_puts(&b, "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
        for (int i = 1; i <= 9; i++) {
            buf_printf(&b, " <!ENTITY lol%d \"", i);
            for (int k = 0; k < 10; k++)
                buf_printf(&b, "&lol%s;", i == 1 ? "" : (char[]){(char)('0' + i - 1), 0});
            buf_puts(&b, "\">\n");
        }
        buf_puts(&b, "]>\n<kpml-response code=\"200\" digits=\"&lol9;\" text=\"&lol9;\"/>\n");
        double t0 = now_s();
        int rc = K(b.p, &r);
        double dt = now_s() - t0;
        ok(!rc && kpml_has_anom(&r, KPML_ANOM_ENTITIES_REFUSED), "billion laughs: xml-entities-refused");
        ok(r.ndigits == 0 && r.text[0] == 0, "billion laughs: nothing expanded");
        ok(dt < 0.5, "billion laughs: quick (%.6f s)", dt);
        buf_free(&b);
        /* parameter-entity variant */
        ok(!K("<!DOCTYPE r [<!ENTITY % p \"<!ENTITY e 'x'>\"> %p;]><kpml-response code=\"200\" digits=\"&e;\"/>", &r) &&
               kpml_has_anom(&r, KPML_ANOM_ENTITIES_REFUSED),
           "parameter entity refused");
    }

    /* ---- XXE ---- */
    {
        char secret[] = "/tmp/test_kpml_secretXXXXXX";
        int fd = mkstemp(secret);
        ok(fd >= 0 && write(fd, "1234", 4) == 4, "xxe: secret file written");
        close(fd);
        struct buf b = {0};
        buf_printf(&b, "<?xml version=\"1.0\"?><!DOCTYPE kpml-response [<!ENTITY xxe SYSTEM \"file://%s\">]>"
                       "<kpml-response code=\"200\" digits=\"&xxe;\" text=\"&xxe;\"/>",
                   secret);
        loader_calls = 0;
        int rc = K(b.p, &r);
        ok(!rc && kpml_has_anom(&r, KPML_ANOM_ENTITIES_REFUSED), "xxe: xml-entities-refused");
        ok(r.ndigits == 0 && !strstr(r.text, "1234"), "xxe: file content not read");
        is_int(loader_calls, 0, "xxe: external entity loader never called");
        buf_reset(&b);
        /* external DTD subset: parsed without loading it */
        buf_printf(&b, "<?xml version=\"1.0\"?><!DOCTYPE kpml-response SYSTEM \"file://%s\">"
                       "<kpml-response code=\"200\" digits=\"3\"/>",
                   secret);
        rc = K(b.p, &r);
        ok(rc && kpml_has_anom(&r, KPML_ANOM_DOCTYPE) && !strcmp(r.digits, "3"), "external DTD: noted, not loaded");
        is_int(loader_calls, 0, "external DTD: loader never called");
        buf_reset(&b);
        buf_puts(&b, "<!DOCTYPE r PUBLIC \"-//x//y\" \"http://192.0.2.1/x.dtd\"><kpml-response code=\"200\"/>");
        rc = K(b.p, &r);
        ok(rc && loader_calls == 0, "network DTD: never fetched");
        buf_free(&b);
        unlink(secret);
    }

    /* every prefix, exact-size copies */
    int prefixes_ok = 1;
    for (size_t i = 0; i <= sizeof CISCO - 1; i++) {
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, CISCO, i);
        int rc = kpml_parse(p, i, &r);
        if (rc && i < sizeof CISCO - 1 - 1)
            prefixes_ok = 0; /* only the full document (or minus a trailing char) is complete */
        if (strlen(r.digits) != r.ndigits)
            prefixes_ok = 0;
        free(p);
    }
    ok(prefixes_ok, "every prefix: in bounds, incomplete documents rejected");
    for (size_t i = 0; i < sizeof REQ - 1; i += 3) {
        uint8_t *p = malloc(sizeof REQ - 1);
        memcpy(p, REQ, sizeof REQ - 1);
        p[i] ^= 0x20;
        (void)kpml_parse(p, sizeof REQ - 1, &r);
        free(p);
    }
    ok(1, "mutations: in bounds");
    ok(!strcmp(kpml_anom_name(KPML_ANOM_ENTITIES_REFUSED), "xml-entities-refused"), "anomaly name");

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    off_t errsz = lseek(errfd, 0, SEEK_END);
    close(errfd);
    unlink(errpath);
    is_int(errsz, 0, "nothing printed on stderr");
    return tap_done();
}
