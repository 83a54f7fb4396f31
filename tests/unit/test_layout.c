/*
 * test_layout.c - the diagram layout and its renderers.
 *
 *   - the overlap check finds planted overlaps and lane crossings;
 *   - every sample call lays out with no overlap, and renders to SVG that
 *     libxml2 parses, with one <text> per layout text;
 *   - a generated 60-lane, 600-message call (tools/pcapw) lays out with no
 *     overlap; its SVG, PNG and PDF are produced; render times are printed;
 *   - a hostile capture (<script>, ]]>, &, quotes, invalid UTF-8, control
 *     bytes, bidi overrides, Call-ID ../../x) gives SVG without script
 *     elements, event attributes or links, and clean Mermaid/PlantUML;
 *   - text cleaning, file-name sanitising, Mermaid/PlantUML escaping.
 *
 * Built with -DLAYOUT_GEN_ONLY (see tests/integration/diagrams.sh) this
 * file is instead a small tool:  gen hostile FILE | gen big FILE LANES MSGS
 * | gen pnginfo FILE.png  (the last needs cairo).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* tools/pcapw.c is compiled into this test.  The library has a pcap writer
 * of its own whose functions share some names (src/pcapwrite.c): ours get
 * a prefix so the two never clash at link time. */
#define pcapw_addr_parse tl_pcapw_addr_parse
#define pcapw_open tl_pcapw_open
#define pcapw_write_udp tl_pcapw_write_udp
#define pcapw_write_ip tl_pcapw_write_ip
#define pcapw_write_frame tl_pcapw_write_frame
#define pcapw_l4_checksum tl_pcapw_l4_checksum
#define pcapw_records tl_pcapw_records
#define pcapw_error tl_pcapw_error
#define pcapw_close tl_pcapw_close
#define pcapw_build_tcp tl_pcapw_build_tcp
#define pcapw_write_tcp tl_pcapw_write_tcp
#define pcapw_build_udp tl_pcapw_build_udp
#define pcapw_write_ip4_fragment tl_pcapw_write_ip4_fragment
#define pcapw_write_ip6_fragment tl_pcapw_write_ip6_fragment
#define pcapw_sctp_data_chunk tl_pcapw_sctp_data_chunk
#define pcapw_write_sctp tl_pcapw_write_sctp
#define pcapw_crc32c tl_pcapw_crc32c
#define pcapw_ws_frame tl_pcapw_ws_frame
#define pcapw_hep3 tl_pcapw_hep3
#define pcapw_hep3_build tl_pcapw_hep3_build
#include "tools/pcapw.c"

/* ---- capture generators (tools/pcapw) ------------------------------------- */

struct gen {
    pcapw *w;
    uint64_t t_ms;
    int err;
};

static void gen_ip(char *b, size_t n, unsigned lane)
{
    snprintf(b, n, "10.0.%u.%u", lane / 200, lane % 200 + 1);
}

static void gen_send(struct gen *g, unsigned from, unsigned to, const char *msg, size_t len)
{
    char a[32], b[32];
    gen_ip(a, sizeof a, from);
    gen_ip(b, sizeof b, to);
    pcapw_ep s, d;
    memset(&s, 0, sizeof s);
    memset(&d, 0, sizeof d);
    if (pcapw_addr_parse(a, &s.ip) || pcapw_addr_parse(b, &d.ip))
        g->err = 1;
    s.port = d.port = 5060; /* from == to: a proxy sending to itself */
    pcapw_ts ts = {1700000000u + g->t_ms / 1000, (uint32_t)(g->t_ms % 1000) * 1000000u};
    g->t_ms += 7 + (g->t_ms * 13) % 40;
    if (pcapw_write_udp(g->w, ts, &s, &d, msg, len))
        g->err = 1;
}

static const char *const gen_methods[] = {"INVITE", "UPDATE", "INFO", "MESSAGE", "OPTIONS", "REFER", "NOTIFY"};

/* One call over `lanes` endpoints with exactly `msgs` messages: a chain
 * through every lane first, then transactions between pseudo-random
 * lanes (skip-lane arrows, self-messages, SDP, Reason, retransmissions). */
static int gen_big(const char *path, unsigned lanes, unsigned msgs)
{
    char err[160];
    struct gen g = {pcapw_open(path, err, sizeof err), 0, 0};
    if (!g.w) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    uint32_t rnd = 12345;
    unsigned sent = 0, txn = 0;
    char m[2048];
    while (sent < msgs) {
        unsigned a, b;
        rnd = rnd * 1103515245u + 12345u;
        if (txn + 1 < lanes) {
            a = txn;
            b = txn + 1;
        } else if (txn % 37 == 5) {
            a = b = (rnd >> 8) % lanes;
        } else {
            a = (rnd >> 8) % lanes;
            b = (a + 1 + (rnd >> 20) % (lanes - 1)) % lanes;
        }
        const char *meth = gen_methods[txn % (sizeof gen_methods / sizeof gen_methods[0])];
        int sdp = txn % 3 == 0;
        const char *body = sdp ? "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
                                 "m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
                                 "a=sendrecv\r\n"
                               : "";
        int n = snprintf(m, sizeof m,
                         "%s sip:user%u@10.0.0.%u SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.%u:5060;branch=z9hG4bK-big-%u\r\n"
                         "From: <sip:a@example.com>;tag=big-a\r\nTo: <sip:b@example.com>%s\r\n"
                         "Call-ID: big-call@sipladder.test\r\nCSeq: %u %s\r\n%s%sContent-Length: %zu\r\n\r\n%s",
                         meth, txn, b % 200 + 1, a % 200 + 1, txn, txn ? ";tag=big-b" : "", txn + 1, meth,
                         sdp ? "Content-Type: application/sdp\r\n" : "",
                         txn % 5 == 4 ? "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n" : "",
                         strlen(body), body);
        gen_send(&g, a, b, m, (size_t)n);
        sent++;
        for (unsigned r = 0; r < (txn % 11 == 3 ? 2u : 0u) && sent < msgs; r++, sent++)
            gen_send(&g, a, b, m, (size_t)n); /* retransmissions */
        if (sent >= msgs)
            break;
        unsigned code = txn % 7 == 6 ? 486 : 200;
        n = snprintf(m, sizeof m,
                     "SIP/2.0 %u %s\r\nVia: SIP/2.0/UDP 10.0.0.%u:5060;branch=z9hG4bK-big-%u\r\n"
                     "From: <sip:a@example.com>;tag=big-a\r\nTo: <sip:b@example.com>;tag=big-b\r\n"
                     "Call-ID: big-call@sipladder.test\r\nCSeq: %u %s\r\n%sContent-Length: 0\r\n\r\n",
                     code, code == 200 ? "OK" : "Busy Here", a % 200 + 1, txn, txn + 1, meth,
                     code == 486 ? "Reason: Q.850;cause=17;text=\"User busy\"\r\n" : "");
        gen_send(&g, b, a, m, (size_t)n);
        sent++;
        txn++;
    }
    int rc = pcapw_close(g.w);
    return rc || g.err ? -1 : 0;
}

/* Calls whose headers try to break out of every output format. */
static int gen_hostile(const char *path)
{
    char err[160];
    struct gen g = {pcapw_open(path, err, sizeof err), 0, 0};
    if (!g.w) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    static const char *const ids[] = {"../../x", "/etc/passwd\xff", "..", "a/../../../tmp/y", ".hidden;rm -rf",
                                      "<script>alert(1)</script>"};
    char m[4096], body[1024];
    for (size_t c = 0; c < sizeof ids / sizeof ids[0]; c++) {
        const char *id = ids[c];
        int bl = snprintf(body, sizeof body,
                          "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=<script>alert('sdp')</script>\r\n"
                          "c=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 96\r\n"
                          "a=rtpmap:96 <script>x</script>&amp;]]>\"'\xff/8000\r\na=sendrecv\r\n");
        int n = snprintf(m, sizeof m,
                         "INVITE sip:<script>alert(1)</script>@h SIP/2.0\r\n"
                         "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-h%zu\r\n"
                         "From: \"]]><script>alert('x')</script> & \\\"q\\\" \xff\xfe\xc3\x28\" <sip:evil@h>;tag=a%zu\r\n"
                         "To: <sip:b@h>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"
                         "User-Agent: <![CDATA[ ]]> &amp; &#0; \x01\x1b[31m \xe2\x80\xae evil \xef\xbf\xbe %%s --> "
                         "<!-- -->\r\n"
                         "X-Mermaid: end; #35; %%%% note ->> L1\r\nX-Puml: @enduml \\n ** // \"\" ~~ $x %%date%% !include\r\n"
                         "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
                         c, c, id, bl, body);
        gen_send(&g, 0, 1, m, (size_t)n);
        n = snprintf(m, sizeof m,
                     "SIP/2.0 486 Busy <script>alert(2)</script> ]]> & \"\xff\r\n"
                     "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-h%zu\r\n"
                     "From: <sip:evil@h>;tag=a%zu\r\nTo: <sip:b@h>;tag=b\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"
                     "Reason: Q.850;cause=17;text=\"<img src=x onerror=alert(3)> ]]> & \\\"\xff\"\r\n"
                     "Content-Length: 0\r\n\r\n",
                     c, c, id);
        gen_send(&g, 1, 0, m, (size_t)n);
        n = snprintf(m, sizeof m,
                     "ACK sip:<script>@h SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-h%zu\r\n"
                     "From: <sip:evil@h>;tag=a%zu\r\nTo: <sip:b@h>;tag=b\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\n"
                     "Content-Length: 0\r\n\r\n",
                     c, c, id);
        gen_send(&g, 0, 0, m, (size_t)n);
    }
    int rc = pcapw_close(g.w);
    return rc || g.err ? -1 : 0;
}

#ifdef LAYOUT_GEN_ONLY

#ifdef WITH_CAIRO
#include <cairo.h>

/* "W H nonwhite-permille x0 y0 x1 y1" (bounding box of non-white pixels) */
static int pnginfo(const char *path)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        fprintf(stderr, "%s: not a PNG cairo can read\n", path);
        return 1;
    }
    cairo_surface_flush(s);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int st = cairo_image_surface_get_stride(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    long nonwhite = 0;
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t px;
            memcpy(&px, d + (size_t)y * (size_t)st + (size_t)x * 4, 4);
            unsigned r = (px >> 16) & 255, gg = (px >> 8) & 255, b = px & 255, a = px >> 24;
            if (cairo_image_surface_get_format(s) == CAIRO_FORMAT_RGB24)
                a = 255;
            if (a > 16 && (r < 235 || gg < 235 || b < 235)) {
                nonwhite++;
                if (x < x0) x0 = x;
                if (y < y0) y0 = y;
                if (x > x1) x1 = x;
                if (y > y1) y1 = y;
            }
        }
    printf("%d %d %ld %d %d %d %d\n", w, h, w && h ? nonwhite * 1000 / ((long)w * h) : 0, x0, y0, x1, y1);
    cairo_surface_destroy(s);
    return 0;
}
#endif

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "hostile") == 0)
        return gen_hostile(argv[2]) ? 1 : 0;
    if (argc == 5 && strcmp(argv[1], "big") == 0)
        return gen_big(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4])) ? 1 : 0;
#ifdef WITH_CAIRO
    if (argc == 3 && strcmp(argv[1], "pnginfo") == 0)
        return pnginfo(argv[2]);
#endif
    fprintf(stderr, "usage: gen hostile FILE | gen big FILE LANES MSGS | gen pnginfo FILE.png\n");
    return 2;
}

#else /* the unit test */

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "render/layout.h"
#include "render/render.h"
#include "src/capture.h"
#include "src/pipeline.h"
#include "src/select.h"
#include "tests/unit/tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

struct run {
    struct limits lim;
    struct diag diag;
    struct pipeline pl;
    struct selection sel;
    struct capture_file_info info;
    struct render_ctx r;
};

static int run_open(struct run *R, const char *path)
{
    memset(R, 0, sizeof(*R));
    R->lim = (struct limits)LIMITS_DEFAULT_INIT;
    FILE *in = fopen(path, "rb");
    if (!in)
        return -1;
    diag_init(&R->diag, 0);
    pipeline_init(&R->pl, &R->lim, &R->diag);
    struct capture_input ci = {path, in};
    struct capture_opts co = {0};
    capture_run(&ci, 1, &co, &R->diag, &R->info, pipeline_frame, &R->pl);
    pipeline_finish(&R->pl);
    struct filter f;
    memset(&f, 0, sizeof f);
    select_calls(&R->pl.store, &f, &R->sel);
    R->r = (struct render_ctx){.pl = &R->pl, .s = &R->pl.store, .sel = &R->sel, .files = &R->info, .nfiles = 1};
    return 0;
}

static void run_close(struct run *R)
{
    selection_free(&R->sel);
    pipeline_fini(&R->pl);
}

struct one {
    struct ladder L;
    struct layout Y;
    struct diagram d;
    struct buf title, sub;
};

static void one_make(struct one *o, const struct render_ctx *r, size_t call, const struct lay_opts *opts)
{
    memset(o, 0, sizeof(*o));
    const struct call *c = &r->s->calls[r->sel->calls[call]];
    ladder_build_ex(&o->L, r->s, c->msgs, c->nmsgs, NULL, 0);
    layout_title(&o->title, &o->sub, r->s, &r->sel->calls[call], 1);
    layout_build(&o->Y, &o->L, opts, o->title.p, o->sub.p);
    o->d = (struct diagram){.r = r, .L = &o->L, .Y = &o->Y, .calls = &r->sel->calls[call], .ncalls = 1, .id = 1,
                            .title = o->title.p};
}

static void one_free(struct one *o)
{
    layout_free(&o->Y);
    ladder_free(&o->L);
    buf_free(&o->title);
    buf_free(&o->sub);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double xpath_num(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    double v = o ? xmlXPathCastToNumber(o) : -1;
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return v;
}

static xmlDocPtr parse_svg(const struct buf *b)
{
    return xmlReadMemory(b->p, (int)b->n, "x.svg", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* the checker itself: a layout with planted problems */
static void test_checker(void)
{
    struct layout Y;
    memset(&Y, 0, sizeof Y);
    struct lay_lane lanes[3] = {{.x = 100}, {.x = 250}, {.x = 400}};
    struct lay_row rows[2] = {{.from = 0, .to = 2, .y0 = 50, .y1 = 80, .ay = 70},
                              {.from = 1, .to = 1, .self = 1, .y0 = 80, .y1 = 110, .ay = 90}};
    struct lay_text t[4];
    memset(t, 0, sizeof t);
    char a[] = "a", b[] = "b", c[] = "c", d[] = "d";
    /* label of the 0->2 arrow over lane 1: allowed */
    t[0] = (struct lay_text){.s = a, .role = LR_LABEL, .row = 0, .lane = -1, .media = -1, .box = {200, 55, 100, 12}};
    /* the self-message's label crossing lane 2: not allowed */
    t[1] = (struct lay_text){.s = b, .role = LR_LABEL, .row = 1, .lane = -1, .media = -1, .box = {280, 84, 140, 12}};
    /* two notes overlapping each other */
    t[2] = (struct lay_text){.s = c, .role = LR_NOTE, .row = 1, .lane = -1, .media = -1, .box = {280, 100, 60, 12}};
    t[3] = (struct lay_text){.s = d, .role = LR_NOTE, .row = 1, .lane = -1, .media = -1, .box = {300, 105, 30, 12}};
    Y.lanes = lanes;
    Y.nlanes = 3;
    Y.rows = rows;
    Y.nrows = 2;
    Y.texts = t;
    Y.ntexts = 4;
    Y.width = 500;
    Y.height = 200;
    Y.lane_line_top = 40;
    Y.lane_line_bottom = 150;
    char *out = NULL;
    size_t outn = 0;
    FILE *f = open_memstream(&out, &outn);
    size_t bad = layout_check(&Y, f);
    fclose(f);
    is_int(bad, 2, "checker: planted lane crossing and overlap found, skip-lane label allowed");
    ok(out && strstr(out, "crosses lane 2") && strstr(out, "overlap: note"), "checker: both described");
    free(out);
    t[3].box.x = 340.5;
    is_int(layout_check(&Y, NULL), 1, "checker: touching boxes are fine");
    t[0].box.w = 250;
    ok(layout_check(&Y, NULL) == 2, "checker: a skip-lane label reaching past its own arrow's lane is caught");
}

static void test_text_helpers(void)
{
    struct buf b = {0};
    text_clean(&b, (const uint8_t *)"a\x01\tb\xff\xc3\x28\r\nc\xe2\x80\xae\xef\xbf\xbe", 16, 0);
    ok(strcmp(b.p, "a\xe2\x90\x81 b\xef\xbf\xbd\xef\xbf\xbd(\xe2\x90\x8d\xe2\x90\x8a"
                   "c\xef\xbf\xbd\xef\xbf\xbd") == 0,
       "text_clean: controls pictured, invalid UTF-8, bidi override and U+FFFE replaced");
    buf_reset(&b);
    text_clean(&b, (const uint8_t *)"x\r\ny", 4, 1);
    ok(strcmp(b.p, "x\ny") == 0, "text_clean: keep_newlines turns CRLF into LF");
    static const struct {
        const char *in, *out;
    } fn[] = {{"../../x", "x"},
              {"/etc/passwd", "etc_passwd"},
              {"..", "call"},
              {"abc@host.example", "abc@host.example"},
              {"a b/c\\d", "a_b_c_d"},
              {".hidden", "hidden"},
              {"x\xff\xfey", "x_y"}};
    for (size_t i = 0; i < sizeof fn / sizeof fn[0]; i++) {
        buf_reset(&b);
        file_name_sanitize(&b, (const uint8_t *)fn[i].in, strlen(fn[i].in), 64);
        ok(strcmp(b.p, fn[i].out) == 0 && !strchr(b.p, '/') && !strstr(b.p, ".."), "file name of '%s' is '%s' (%s)",
           fn[i].in, fn[i].out, b.p);
    }
    buf_reset(&b);
    mermaid_escape(&b, "a;b#c%%d<e>\"f\" -->> g\xc3\xa9\n");
    int okm = 1;
    for (const char *p = b.p; *p; p++) {
        if (*p == '#') { /* must be #NNN; */
            const char *q = p + 1;
            while (*q >= '0' && *q <= '9')
                q++;
            okm &= q > p + 1 && *q == ';';
            p = q;
        } else {
            okm &= (unsigned char)*p < 0x80 && *p != ';' && *p != '%' && *p != '<' && *p != '>' && *p != '"';
        }
    }
    ok(okm && strstr(b.p, "#59;") && strstr(b.p, "#233;") && !strstr(b.p, "->>"), "mermaid: entity codes only (%s)",
       b.p);
    buf_reset(&b);
    plantuml_escape(&b, "\"q\" **b** //i// ~x $v %date% !x <b>&\\n@enduml");
    ok(!strpbrk(b.p, "\"*/~$%!<>\\") && strstr(b.p, "&#34;") && strstr(b.p, "&#92;"), "plantuml: escaped (%s)",
       b.p);
    buf_free(&b);
}

static size_t count_texts_in_svg(const struct buf *b)
{
    size_t n = 0;
    for (const char *p = b->p; (p = strstr(p, "<text ")) != NULL; p++)
        n++;
    return n;
}

static void test_samples(void)
{
    static const char *const samples[] = {"basic-call", "busy-486",     "cancel-487", "forked-invite",
                                          "hold-resume", "options-ping", "register-401", "udp-5080"};
    double worst = 0;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "samples/%s.pcap", samples[i]);
        struct run R;
        if (!ok(run_open(&R, path) == 0 && R.sel.ncalls > 0, "%s: read", samples[i]))
            continue;
        for (size_t c = 0; c < R.sel.ncalls; c++) {
            for (int variant = 0; variant < 3; variant++) {
                struct lay_opts o = {.theme = variant == 2, .compact = variant == 1, .no_time = variant == 1};
                struct one one;
                one_make(&one, &R.r, c, &o);
                char *out = NULL;
                size_t outn = 0;
                FILE *f = open_memstream(&out, &outn);
                size_t bad = layout_check(&one.Y, f);
                fclose(f);
                if (!ok(bad == 0, "%s call %zu variant %d: no overlaps", samples[i], c + 1, variant))
                    printf("# %s", out);
                free(out);
                struct buf svg = {0};
                double t0 = now_ms();
                int rc = svg_write(&svg, &one.d);
                double t1 = now_ms();
                xmlDocPtr doc = parse_svg(&svg);
                ok(rc == 0 && doc, "%s call %zu variant %d: SVG parses", samples[i], c + 1, variant);
                if (doc) {
                    is_int(xpath_num(doc, "count(//*[local-name()='text'])"), one.Y.ntexts, "one <text> per label");
                    xmlFreeDoc(doc);
                }
                is_int(count_texts_in_svg(&svg), one.Y.ntexts, "<text> elements in the SVG source");
                buf_free(&svg);
                /* time: the whole chain, layout included */
                double t2 = now_ms();
                for (int k = 0; k < 10; k++) {
                    struct one o2;
                    struct buf s2 = {0};
                    one_make(&o2, &R.r, c, &o);
                    svg_write(&s2, &o2.d);
                    buf_free(&s2);
                    one_free(&o2);
                }
                double per = (now_ms() - t2) / 10;
                if (per > worst)
                    worst = per;
                (void)t0;
                (void)t1;
                one_free(&one);
            }
        }
        run_close(&R);
    }
    /* reported, not asserted: timing belongs to the benchmarks (bench/),
     * a loaded CI machine must not fail a unit test */
    printf("# slowest sample call: %.3f ms for ladder + layout + SVG (target < 10 ms, see doc/performance.md)\n", worst);
}

static void test_big(void)
{
    char path[] = "/tmp/test_layout_big_XXXXXX";
    int fd = mkstemp(path);
    if (!ok(fd >= 0, "temp file"))
        return;
    close(fd);
    ok(gen_big(path, 60, 600) == 0, "generated a 60-lane, 600-message call");
    struct run R;
    if (!ok(run_open(&R, path) == 0 && R.sel.ncalls == 1, "big: one call")) {
        unlink(path);
        return;
    }
    const struct call *c = &R.pl.store.calls[R.sel.calls[0]];
    is_int(c->nmsgs, 600, "big: 600 messages");
    for (int variant = 0; variant < 2; variant++) {
        struct lay_opts o = {.compact = variant};
        double t0 = now_ms();
        struct one one;
        one_make(&one, &R.r, 0, &o);
        double t1 = now_ms();
        is_int(one.L.nlanes, 60, "big: 60 lanes");
        size_t self = 0, skip = 0, rtx = 0;
        for (size_t i = 0; i < one.L.nrows; i++) {
            const struct row *r = &one.L.rows[i];
            self += r->from == r->to;
            skip += r->from != r->to && (r->from > r->to ? r->from - r->to : r->to - r->from) > 1;
            rtx += r->retrans;
        }
        ok(self > 0 && skip > 100 && rtx > 10, "big: %zu self-messages, %zu skip-lane arrows, %zu retransmissions",
           self, skip, rtx);
        char *out = NULL;
        size_t outn = 0;
        FILE *f = open_memstream(&out, &outn);
        size_t bad = layout_check(&one.Y, f);
        fclose(f);
        if (!ok(bad == 0, "big%s: no overlapping labels, no label across a lane (%zu texts checked)",
                variant ? " (compact)" : "", one.Y.ntexts))
            printf("# %.2000s", out);
        free(out);
        printf("# big%s: %.0f x %.0f, %zu texts, %zu strips, layout %.2f ms\n", variant ? " compact" : "",
               one.Y.width, one.Y.height, one.Y.ntexts, one.Y.nstrips, t1 - t0);
        struct buf svg = {0};
        double t2 = now_ms();
        ok(svg_write(&svg, &one.d) == 0, "big: SVG written");
        double t3 = now_ms();
        xmlDocPtr doc = parse_svg(&svg);
        ok(doc != NULL, "big: SVG parses (%zu bytes, %.2f ms)", svg.n, t3 - t2);
        if (doc)
            xmlFreeDoc(doc);
        buf_free(&svg);
        if (variant == 0) {
            FILE *pf = fopen("/dev/null", "wb");
            double t4 = now_ms();
            int prc = pf ? png_write(pf, &one.d, 0.25) : -1;
            double t5 = now_ms();
            ok(prc == 0, "big: PNG at scale 0.25 (%.0f ms)", t5 - t4);
            const struct diagram *dd = &one.d;
            prc = pf ? pdf_write(pf, &dd, 1) : -1;
            ok(prc == 0, "big: PDF (%.0f ms)", now_ms() - t5);
            if (pf)
                fclose(pf);
        }
        one_free(&one);
    }
    run_close(&R);
    unlink(path);
}

static void test_hostile(void)
{
    char path[] = "/tmp/test_layout_hostile_XXXXXX";
    int fd = mkstemp(path);
    if (!ok(fd >= 0, "temp file"))
        return;
    close(fd);
    ok(gen_hostile(path) == 0, "generated the hostile capture");
    struct run R;
    if (!ok(run_open(&R, path) == 0 && R.sel.ncalls >= 3, "hostile: calls")) {
        unlink(path);
        return;
    }
    for (size_t c = 0; c < R.sel.ncalls; c++) {
        for (int redact = 0; redact < 2; redact++) {
            struct lay_opts o = {0};
            struct one one;
            R.r.diagram.redact_bodies = redact;
            one_make(&one, &R.r, c, &o);
            ok(layout_check(&one.Y, NULL) == 0, "hostile call %zu: no overlaps", c + 1);
            struct buf svg = {0};
            ok(svg_write(&svg, &one.d) == 0, "hostile call %zu: SVG written", c + 1);
            xmlDocPtr doc = parse_svg(&svg);
            if (ok(doc != NULL, "hostile call %zu: SVG is well-formed", c + 1)) {
                is_int(xpath_num(doc, "count(//*[local-name()='script' or local-name()='foreignObject'])"), 0,
                       "no script or foreignObject element");
                is_int(xpath_num(doc, "count(//@*[starts-with(local-name(),'on')])"), 0, "no event attribute");
                is_int(xpath_num(doc, "count(//@*[local-name()='href'])"), 0, "no link");
                is_int(xpath_num(doc, "count(//*[local-name()='text'])"), one.Y.ntexts, "every label is a <text>");
                ok(xpath_num(doc, "count(//*[local-name()='title'][contains(.,'<script>alert(1)</script>')])") >= 1,
                   "the tooltip shows the R-URI as text");
                double bodies = xpath_num(doc, "count(//*[local-name()='title'][contains(.,'a=rtpmap')])");
                ok(redact ? bodies == 0 : bodies >= 1, "bodies %s the tooltips", redact ? "left out of" : "in");
                xmlFreeDoc(doc);
            }
            ok(!strstr(svg.p, "]]>") && !strstr(svg.p, "<script") && !strstr(svg.p, "<img") && !strstr(svg.p, "<!--"),
               "no raw ]]>, <script, <img or comment in the SVG source");
            struct buf mm = {0}, pu = {0};
            mermaid_write(&mm, &one.d);
            plantuml_write(&pu, &one.d);
            int ascii = 1;
            for (size_t k = 0; k < mm.n; k++)
                ascii &= (unsigned char)mm.p[k] < 0x80 && (mm.p[k] >= 0x20 || mm.p[k] == '\n');
            for (size_t k = 0; k < pu.n; k++)
                ascii &= (unsigned char)pu.p[k] < 0x80 && (pu.p[k] >= 0x20 || pu.p[k] == '\n');
            ok(ascii, "Mermaid and PlantUML are printable ASCII");
            ok(!strstr(mm.p, "<script") && !strstr(pu.p, "<script") && !strstr(pu.p, "@enduml \\") &&
                   !strstr(pu.p, "%date"),
               "no markup or directives leak into Mermaid/PlantUML");
            /* every PlantUML line is one statement: the only @enduml is the last line */
            const char *e = strstr(pu.p, "@enduml");
            ok(e && strcmp(e, "@enduml\n") == 0, "PlantUML ends at its own @enduml only");
            buf_free(&mm);
            buf_free(&pu);
            buf_free(&svg);
            one_free(&one);
        }
    }
    R.r.diagram.redact_bodies = 0;
    /* the HTML page holds every call */
    {
        size_t n = R.sel.ncalls;
        struct one *ones = xcalloc(n, sizeof(*ones));
        const struct diagram **ds = xcalloc(n, sizeof(*ds));
        struct lay_opts o = {0};
        for (size_t c = 0; c < n; c++) {
            one_make(&ones[c], &R.r, c, &o);
            ones[c].d.id = (int)c + 1;
            ds[c] = &ones[c].d;
        }
        char *out = NULL;
        size_t outn = 0;
        FILE *f = open_memstream(&out, &outn);
        ok(html_write(f, ds, n) == 0, "hostile: HTML written");
        fclose(f);
        ok(out && !strstr(out, "<script") && !strstr(out, "]]>") && !strstr(out, "<img") &&
               strstr(out, "Content-Security-Policy"),
           "hostile: HTML has no script, raw ]]> or img, and a CSP");
        xmlDocPtr doc = xmlReadMemory(out, (int)outn, "x.html", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                                           XML_PARSE_NOWARNING);
        ok(doc != NULL, "hostile: the HTML is also well-formed XML");
        if (doc) {
            is_int(xpath_num(doc, "count(//*[local-name()='script'])"), 0, "HTML: no script element");
            is_int(xpath_num(doc, "count(//@*[starts-with(local-name(),'on')])"), 0, "HTML: no event attribute");
            is_int(xpath_num(doc, "count(//@*[local-name()='href'][not(starts-with(.,'#'))])"), 0,
                   "HTML: every link stays in the page");
            xmlFreeDoc(doc);
        }
        free(out);
        for (size_t c = 0; c < n; c++)
            one_free(&ones[c]);
        free(ones);
        free(ds);
    }
    run_close(&R);
    unlink(path);
}

/* fmt_num must write what "%.1f" with ".0" and "-0" dropped writes */
static void test_fmt_num(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    unsigned long n = 0, bad = 0;
    char a[32], b[32], first[80] = "";
    for (unsigned long i = 0; i < 2000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v;
        switch (i % 4) {
        case 0: v = (double)((int64_t)(x % 40001) - 20000) / 2.0; break;   /* snapped halves */
        case 1: v = (double)((int64_t)(x % 400001) - 200000) / 10.0; break; /* tenths */
        case 2: v = (double)((int64_t)(x % 4000001) - 2000000) / 1000.0; break;
        default: memcpy(&v, &x, sizeof v);                                  /* anything */
        }
        fmt_num(a, sizeof a, v);
        snprintf(b, sizeof b, "%.1f", v);
        size_t l = strlen(b);
        if (l > 2 && b[l - 1] == '0' && b[l - 2] == '.')
            b[l - 2] = 0;
        if (strcmp(b, "-0") == 0)
            snprintf(b, sizeof b, "0");
        n++;
        if (strcmp(a, b) != 0 && !bad++)
            snprintf(first, sizeof first, "%.20s vs %.20s", a, b);
    }
    ok(bad == 0, "fmt_num: %lu values as %%.1f without .0", n);
    if (bad)
        fprintf(stderr, "# fmt_num: %lu differ, first %s\n", bad, first);
}

int main(void)
{
    /* run from the repository root (run-unit.sh does) */
    if (access("samples/basic-call.pcap", R_OK) != 0 && chdir("../..") != 0)
        return 1;
    test_checker();
    test_fmt_num();
    test_text_helpers();
    test_samples();
    test_big();
    test_hostile();
    xmlCleanupParser();
    return tap_done();
}

#endif
