/*
 * gen.c - sipladder's own hostile captures (issue "hostile input").
 *
 *   gen OUTDIR      writes OUTDIR/NAME.pcap for every case below
 *
 * Each case attacks one thing: resource use (10,000 headers, a 1 MB header
 * line over TCP, a 65,507-byte garbage datagram, 100-deep multipart),
 * length lies (Content-Length larger than the datagram, -1), NUL bytes,
 * XML entity expansion, output injection (terminal escapes, <script>,
 * ]]>, quotes, bidi overrides, invalid UTF-8) and path traversal in a
 * Call-ID.  tests/integration/hostile.sh runs sipladder on each and checks
 * that it neither crashes, hangs nor leaks bytes into its outputs.
 * Deterministic; writes files only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/pcapw.h"

static pcapw_ep A, B;
static const char *dir;

struct sb {
    char *p;
    size_t n, cap;
};

static void put(struct sb *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void puts_(struct sb *b, const char *s)
{
    put(b, s, strlen(s));
}

static pcapw *open_case(const char *name)
{
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/%s.pcap", dir, name);
    pcapw *w = pcapw_open(path, err, sizeof err);
    if (!w) {
        fprintf(stderr, "gen: %s: %s\n", path, err);
        exit(1);
    }
    return w;
}

static pcapw_ts T(unsigned i)
{
    return (pcapw_ts){1700000000ULL + i, 0};
}

static void udp_case(const char *name, const void *p, size_t n)
{
    pcapw *w = open_case(name);
    if (pcapw_write_udp(w, T(0), &A, &B, p, n) != 0) {
        fprintf(stderr, "gen: %s: write failed\n", name);
        exit(1);
    }
    pcapw_close(w);
}

static void head(struct sb *b, const char *callid, const char *extra)
{
    puts_(b, "INVITE sip:bob@example.com SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-hostile\r\n"
             "From: \"Mallory\" <sip:mallory@example.com>;tag=m1\r\n"
             "To: <sip:bob@example.com>\r\nCall-ID: ");
    puts_(b, callid);
    puts_(b, "\r\nCSeq: 1 INVITE\r\n");
    puts_(b, extra);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen OUTDIR\n");
        return 2;
    }
    dir = argv[1];
    pcapw_addr_parse("192.0.2.1", &A.ip);
    pcapw_addr_parse("192.0.2.2", &B.ip);
    A.port = 5060;
    B.port = 5060;

    /* 10,000 headers in one datagram */
    {
        struct sb b = {0};
        head(&b, "many-headers@hostile", "");
        for (int i = 0; i < 10000; i++)
            puts_(&b, "X:1\r\n");
        puts_(&b, "Content-Length: 0\r\n\r\n");
        udp_case("many-headers", b.p, b.n);
        free(b.p);
    }
    /* a 1 MB header line over TCP, in 1400-byte segments */
    {
        struct sb b = {0};
        head(&b, "huge-line@hostile", "Subject: ");
        for (int i = 0; i < 1024 * 1024; i++)
            put(&b, "a", 1);
        puts_(&b, "\r\nContent-Length: 0\r\n\r\n");
        pcapw *w = open_case("huge-header-line");
        pcapw_ep c = A, s = B;
        c.port = 40001;
        pcapw_tcp t = {.seq = 1000, .flags = PCAPW_TCP_SYN};
        pcapw_write_tcp(w, T(0), &c, &s, &t, NULL, 0);
        size_t off = 0;
        unsigned k = 1;
        while (off < b.n) {
            size_t n = b.n - off < 1400 ? b.n - off : 1400;
            pcapw_tcp d = {.seq = 1001 + (uint32_t)off, .flags = PCAPW_TCP_ACK | PCAPW_TCP_PSH};
            pcapw_write_tcp(w, (pcapw_ts){1700000000ULL, k++ * 1000}, &c, &s, &d, b.p + off, n);
            off += n;
        }
        pcapw_close(w);
        free(b.p);
    }
    /* Content-Length larger than the datagram; and -1 */
    {
        struct sb b = {0};
        head(&b, "cl-large@hostile", "Content-Type: application/sdp\r\nContent-Length: 5000\r\n\r\nv=0\r\n");
        udp_case("content-length-large", b.p, b.n);
        b.n = 0;
        head(&b, "cl-negative@hostile", "Content-Type: application/sdp\r\nContent-Length: -1\r\n\r\nv=0\r\n");
        udp_case("content-length-negative", b.p, b.n);
        b.n = 0;
        head(&b, "cl-huge@hostile", "Content-Length: 99999999999999999999999\r\n\r\n");
        udp_case("content-length-overflow", b.p, b.n);
        free(b.p);
    }
    /* NUL bytes in headers */
    {
        struct sb b = {0};
        head(&b, "nul@hostile", "X-Nul: a");
        put(&b, "\0\0\0b", 4);
        static const char rest[] = "\r\nSub\0ject: x\r\nContent-Length: 0\r\n\r\n";
        put(&b, rest, sizeof rest - 1); /* explicit length: the NUL is part of it */
        udp_case("nul-in-headers", b.p, b.n);
        free(b.p);
    }
    /* multipart nested 100 deep */
    {
        struct sb b = {0}, body = {0};
        for (int i = 0; i < 100; i++) {
            char l[128];
            snprintf(l, sizeof l, "--b%d\r\nContent-Type: multipart/mixed;boundary=b%d\r\n\r\n", i, i + 1);
            puts_(&body, l);
        }
        puts_(&body, "--b100\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b100--\r\n");
        for (int i = 99; i >= 0; i--) {
            char l[64];
            snprintf(l, sizeof l, "\r\n--b%d--\r\n", i);
            puts_(&body, l);
        }
        char hdr[256];
        snprintf(hdr, sizeof hdr, "Content-Type: multipart/mixed;boundary=b0\r\nContent-Length: %zu\r\n\r\n", body.n);
        head(&b, "multipart-deep@hostile", hdr);
        put(&b, body.p, body.n);
        udp_case("multipart-100-deep", b.p, b.n);
        free(b.p);
        free(body.p);
    }
    /* billion laughs in a KPML NOTIFY, and an external entity */
    {
        static const char bomb[] =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
            "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
            "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
            "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
            "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
            "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
            "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
            "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
            "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
            "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n]>\n"
            "<kpml-response xmlns=\"urn:ietf:params:xml:ns:kpml-response\" version=\"1.0\" code=\"200\" "
            "text=\"&lol9;\" digits=\"1\"/>\n";
        static const char xxe[] =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
            "<kpml-response xmlns=\"urn:ietf:params:xml:ns:kpml-response\" version=\"1.0\" code=\"200\" "
            "text=\"&x;\" digits=\"1\"/>\n";
        const char *bodies[2] = {bomb, xxe};
        const char *names[2] = {"xml-billion-laughs", "xml-external-entity"};
        for (int k = 0; k < 2; k++) {
            struct sb b = {0};
            char l[512];
            snprintf(l, sizeof l,
                     "NOTIFY sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-x%d\r\n"
                     "From: <sip:m@example.com>;tag=m1\r\nTo: <sip:b@example.com>;tag=b1\r\n"
                     "Call-ID: %s@hostile\r\nCSeq: 2 NOTIFY\r\nEvent: kpml\r\n"
                     "Content-Type: application/kpml-response+xml\r\nContent-Length: %zu\r\n\r\n",
                     k, names[k], strlen(bodies[k]));
            puts_(&b, l);
            puts_(&b, bodies[k]);
            udp_case(names[k], b.p, b.n);
            free(b.p);
        }
    }
    /* path traversal and separators in Call-IDs */
    {
        static const char *ids[] = {"../../etc/x", "/etc/passwd", "..\\..\\win", "a/../../b", "....//x", ".",
                                    ".."};
        pcapw *w = open_case("callid-traversal");
        for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
            struct sb b = {0};
            head(&b, ids[i], "Content-Length: 0\r\n\r\n");
            pcapw_write_udp(w, T(i), &A, &B, b.p, b.n);
            struct sb r = {0};
            puts_(&r, "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-hostile\r\n"
                      "From: \"Mallory\" <sip:mallory@example.com>;tag=m1\r\nTo: <sip:bob@example.com>;tag=b\r\n"
                      "Call-ID: ");
            puts_(&r, ids[i]);
            puts_(&r, "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
            pcapw_write_udp(w, T(i), &B, &A, r.p, r.n);
            free(b.p);
            free(r.p);
        }
        pcapw_close(w);
    }
    /* terminal escapes, bidi overrides, C1 controls, invalid UTF-8 */
    {
        struct sb b = {0};
        puts_(&b, "INVITE sip:\x1b[2J\x1b]0;pwned\x07@example.com SIP/2.0\r\n"
                  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-esc\r\n"
                  "From: \"\x1b[31mRED\x1b[0m \xe2\x80\xae\x67nirts\" <sip:esc@example.com>;tag=e1\r\n"
                  "To: <sip:bob@example.com>\r\nCall-ID: esc\x1b[1m\xc2\x9b" "31m\xff\xfe@hostile\r\n"
                  "CSeq: 1 INVITE\r\nSubject: \x1b" "P+q544e\x1b\\ bell\x07 bs\x08\r\nContent-Length: 0\r\n\r\n");
        udp_case("terminal-escapes", b.p, b.n);
        free(b.p);
    }
    /* markup injection for SVG/HTML/JSON outputs */
    {
        struct sb b = {0};
        puts_(&b, "INVITE sip:<script>alert(1)</script>@example.com SIP/2.0\r\n"
                  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-xss\r\n"
                  "From: \"</text><script>alert('x')</script> ]]> &amp; \\\" '\" <sip:x@example.com>;tag=x1\r\n"
                  "To: <sip:bob@example.com>\r\nCall-ID: ]]><![CDATA[&\"'<>@hostile\r\n"
                  "CSeq: 1 INVITE\r\nX-Html: <img src=x onerror=alert(1)> <!-- --> \xc3\x28 \xa0\xa1\r\n"
                  "Content-Type: text/html\r\nContent-Length: 33\r\n\r\n<script>alert(document)</script>\n");
        udp_case("markup-injection", b.p, b.n);
        free(b.p);
    }
    /* 65,507 bytes of garbage to port 5060, and a SIP-looking start then garbage */
    {
        size_t n = 65507;
        uint8_t *g = malloc(n);
        uint32_t x = 2463534242u;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            g[i] = (uint8_t)x;
        }
        udp_case("garbage-65507", g, n);
        memcpy(g, "INVITE sip:x SIP/2.0\r\n", 22);
        udp_case("sip-then-garbage-65507", g, n);
        free(g);
    }
    return 0;
}
