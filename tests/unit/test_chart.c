/*
 * test_chart.c - the report chart model (render/chart.c) on hand-made
 * struct kpi_report values: cause classes; no attempt at all ("no INVITE
 * attempts"); every bar of every cause and status with its label, long
 * cause names cut with an ellipsis inside their column and whole in the
 * tooltip; more causes than MAX_BARS summed in one bar; time buckets with
 * a gap, a sparse span (packed slots) and dense buckets (lines, markers
 * only on lone values); no two texts
 * overlapping and every text inside the drawing; markup in an input name
 * escaped in the SVG; PNG output (kept in $CHART_TEST_PNG when set).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/chart.h"
#include "render/layout.h"
#include "tests/unit/tap.h"

#define T0 (1700000000LL * KPI_NS_PER_S)
#define MIN (60 * KPI_NS_PER_S)

static void set_group(struct kpi_group *g, uint64_t att, uint64_t comp, uint64_t ans, uint64_t ud)
{
    g->c.attempts = att;
    g->c.completed = comp;
    g->c.disp[DISP_ANSWERED] = ans;
    g->c.disp[DISP_INCOMPLETE] = att - comp;
    g->c.user_determined = ud;
    g->asr = comp ? (double)ans / (double)comp : -1;
    g->ner = comp ? (double)ud / (double)comp : -1;
    g->short_ratio = -1;
}

static void report_init(struct kpi_report *k)
{
    memset(k, 0, sizeof(*k));
    k->opts.interval_ns = MIN;
    k->opts.short_call_ns = 10 * KPI_NS_PER_S;
    k->opts.retry_window_ns = 10 * KPI_NS_PER_S;
    k->overall.key = (char *)"";
}

static void report_fini(struct kpi_report *k)
{
    free(k->causes);
    free(k->statuses);
    free(k->buckets);
    free(k->att);
}

/* Text extents (x0, x1, y0, y1) as the model places them. */
static void text_box(const struct chart_item *it, double *x0, double *x1, double *y0, double *y1)
{
    double w = it->w;
    *x0 = it->anchor == CA_MIDDLE ? it->x - w / 2 : it->anchor == CA_END ? it->x - w : it->x;
    *x1 = *x0 + w;
    *y0 = it->y - it->h * 0.93;
    *y1 = it->y + it->h * 0.24;
}

/* Number of overlapping text pairs and texts outside the drawing. */
static size_t text_problems(const struct chart *C)
{
    size_t bad = 0;
    for (size_t i = 0; i < C->nitems; i++) {
        const struct chart_item *a = &C->items[i];
        if (a->kind != CI_TEXT)
            continue;
        double ax0, ax1, ay0, ay1;
        text_box(a, &ax0, &ax1, &ay0, &ay1);
        if (ax0 < 0 || ax1 > C->width || ay0 < 0 || ay1 > C->height) {
            printf("#   outside: '%s'\n", a->s);
            bad++;
        }
        for (size_t j = i + 1; j < C->nitems; j++) {
            const struct chart_item *b = &C->items[j];
            if (b->kind != CI_TEXT)
                continue;
            double bx0, bx1, by0, by1;
            text_box(b, &bx0, &bx1, &by0, &by1);
            if (ax0 < bx1 - 0.5 && bx0 < ax1 - 0.5 && ay0 < by1 - 0.5 && by0 < ay1 - 0.5) {
                printf("#   overlap: '%s' / '%s'\n", a->s, b->s);
                bad++;
            }
        }
    }
    return bad;
}

static size_t count_texts(const struct chart *C, int style, const char *s)
{
    size_t n = 0;
    for (size_t i = 0; i < C->nitems; i++)
        if (C->items[i].kind == CI_TEXT && C->items[i].style == style && (!s || strcmp(C->items[i].s, s) == 0))
            n++;
    return n;
}

static size_t count_kind(const struct chart *C, int kind, int style)
{
    size_t n = 0;
    for (size_t i = 0; i < C->nitems; i++)
        if (C->items[i].kind == kind && (style < 0 || C->items[i].style == style))
            n++;
    return n;
}

static void test_classes(void)
{
    is_int(chart_cause_class(16), CC_NORMAL, "16 normal");
    is_int(chart_cause_class(31), CC_NORMAL, "31 normal");
    is_int(chart_cause_class(17), CC_BUSY, "17 busy / no answer");
    is_int(chart_cause_class(19), CC_BUSY, "19 busy / no answer");
    is_int(chart_cause_class(21), CC_REJECTED, "21 rejected");
    is_int(chart_cause_class(1), CC_ADDRESS, "1 address");
    is_int(chart_cause_class(28), CC_ADDRESS, "28 address");
    is_int(chart_cause_class(34), CC_NETWORK, "34 network");
    is_int(chart_cause_class(41), CC_NETWORK, "41 network");
    is_int(chart_cause_class(102), CC_NETWORK, "102 network (timer)");
    is_int(chart_cause_class(127), CC_SERVICE, "127 service / protocol");
    is_int(chart_cause_class(0), CC_NONE, "0 no cause");
    ok(strcmp(chart_cause_class_name(CC_BUSY), "busy / no answer") == 0, "class name");
}

static void test_empty(void)
{
    struct kpi_report k;
    report_init(&k);
    k.non_invite_calls = 2;
    struct chart C;
    struct chart_opts o = {.theme = THEME_LIGHT};
    chart_build(&C, &k, &o);
    is_int(count_texts(&C, CS_EMPTY, "no INVITE attempts"), 1, "empty: says no INVITE attempts");
    ok(C.width > 0 && C.height > 100, "empty: a drawing (%gx%g)", C.width, C.height);
    is_int(C.ncause_bars + C.nstatus_bars + C.nbuckets, 0, "empty: no bars");
    is_int(text_problems(&C), 0, "empty: no text overlaps");
    struct buf b = {0};
    is_int(chart_svg_write(&b, &C), 0, "empty: SVG written");
    ok(b.p && strstr(b.p, ">no INVITE attempts</text>"), "empty: SVG text");
    ok(b.p && strstr(b.p, "viewBox=\"0 0 960 "), "empty: viewBox");
    buf_free(&b);
    chart_free(&C);
    report_fini(&k);
}

static void test_full(void)
{
    struct kpi_report k;
    report_init(&k);
    /* 30 causes: more than the panel shows */
    static const uint16_t cv[] = {16, 17, 18, 19, 21, 1, 3, 27, 34, 38, 41, 42, 47, 102, 127, 62, 31, 28,
                                  22, 44, 58, 65, 79, 88, 95, 96, 97, 99, 111, 0};
    const size_t nc = sizeof cv / sizeof cv[0];
    k.causes = calloc(nc, sizeof(*k.causes));
    uint64_t total = 0;
    for (size_t i = 0; i < nc; i++) {
        k.causes[i].cause = cv[i];
        k.causes[i].n = 100 - i * 3;
        k.causes[i].mapped = k.causes[i].n;
        total += k.causes[i].n;
    }
    k.ncauses = nc;
    static const uint16_t sv[] = {200, 302, 404, 486, 487, 503, 603, 0};
    const size_t ns = sizeof sv / sizeof sv[0];
    k.statuses = calloc(ns, sizeof(*k.statuses));
    uint64_t left = total;
    for (size_t i = 0; i < ns; i++) {
        k.statuses[i].status = sv[i];
        k.statuses[i].n = i + 1 < ns ? total / 10 : left;
        left -= k.statuses[i].n;
    }
    k.nstatuses = ns;
    k.attempts = total + 3;
    set_group(&k.overall, total + 3, total, total / 10, total / 2);
    k.overall.duration = (struct kpi_stat){.n = 5, .mean = 3 * KPI_NS_PER_S};
    k.overall.pdd = (struct kpi_stat){.n = 9, .p50 = 250000000, .p95 = 1200000000, .p99 = 1500000000};
    /* buckets: 0, 1, 2 then a gap, 5, 6; bucket 6 has no completed attempt */
    static const int bk[] = {0, 1, 2, 5, 6};
    k.nbuckets = 5;
    k.buckets = calloc(k.nbuckets, sizeof(*k.buckets));
    for (size_t i = 0; i < k.nbuckets; i++) {
        k.buckets[i].key = (char *)"";
        k.buckets[i].bucket = T0 + bk[i] * MIN;
        set_group(&k.buckets[i], 10 + i, i == 4 ? 0 : 10, 3 + i, 8);
    }
    k.natt = 2;
    k.att = calloc(2, sizeof(*k.att));
    k.att[0].cc.start = T0 + 5 * KPI_NS_PER_S;
    k.att[1].cc.start = T0 + 6 * MIN + 7 * KPI_NS_PER_S;

    static const char *const files[] = {"a<script>alert(1)</script>&amp;.pcap", "b\xff\x1b[31m.pcap"};
    struct chart_opts o = {.theme = THEME_LIGHT, .files = files, .nfiles = 2};
    struct chart C;
    chart_build(&C, &k, &o);
    is_int(C.ncause_bars, 24, "30 causes: 24 bars");
    is_int(C.nstatus_bars, ns, "every status a bar");
    is_int(C.nbuckets, 5, "5 buckets");
    is_int(count_texts(&C, CS_CODE, "+7"), 1, "the other 7 causes summed in one bar");
    is_int(count_texts(&C, CS_LABEL, NULL), 24 + ns, "a label per bar");
    is_int(count_texts(&C, CS_CODE, NULL), 24 + ns, "a code per bar");
    /* labels inside their column; the long Q.850 62 name is cut, whole in its tooltip */
    double maxw = 0;
    int cut = 0;
    for (size_t i = 0; i < C.nitems; i++)
        if (C.items[i].kind == CI_TEXT && C.items[i].style == CS_LABEL) {
            if (C.items[i].w > maxw)
                maxw = C.items[i].w;
            if (strstr(C.items[i].s, "Inconsistency in designated") && strstr(C.items[i].s, "\xe2\x80\xa6"))
                cut = 1;
        }
    ok(maxw <= 300, "labels at most 300 px wide (%g)", maxw);
    ok(cut, "a long cause name ends in an ellipsis");
    int whole = 0;
    for (size_t i = 0; i < C.ngroups; i++)
        if (strstr(C.groups[i].tip, "Inconsistency in designated outgoing access information and subscriber class"))
            whole = 1;
    ok(whole, "the whole name is in the tooltip");
    /* time: lines break at the gap and at the bucket without completed attempts */
    is_int(count_kind(&C, CI_POLYLINE, CS_ASR_LINE), 1, "ASR: one run (buckets 0-2; 5 alone, 6 has none)");
    is_int(count_kind(&C, CI_CIRCLE, CS_ASR_PT), 4 + 1, "ASR points: 4 buckets + the legend");
    is_int(text_problems(&C), 0, "no text overlaps, all inside");
    struct buf b = {0};
    is_int(chart_svg_write(&b, &C), 0, "SVG written");
    ok(b.p && !strstr(b.p, "<script") && strstr(b.p, "a&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;.pcap"),
       "markup in a file name escaped");
    ok(b.p && !strstr(b.p, "\x1b") && !strstr(b.p, "\xff"), "no control or invalid bytes");
    ok(b.p && strstr(b.p, "<title>Q.850 cause 16: Normal call clearing\n100 completed attempts"), "bar tooltip");
    buf_free(&b);
    const char *keep = getenv("CHART_TEST_PNG"); /* to look at it: CHART_TEST_PNG=/tmp/x.png */
    FILE *f = keep ? fopen(keep, "w+b") : tmpfile();
    is_int(chart_png_write(f, &C, 1.5), 0, "PNG written");
    unsigned char sig[8] = {0};
    rewind(f);
    ok(fread(sig, 1, 8, f) == 8 && memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0, "PNG magic");
    fclose(f);
    chart_free(&C);

    /* print theme: same geometry */
    o.theme = THEME_PRINT;
    struct chart P;
    chart_build(&P, &k, &o);
    chart_build(&C, &k, &(struct chart_opts){.theme = THEME_LIGHT, .files = files, .nfiles = 2});
    ok(P.nitems == C.nitems && P.height == C.height, "print theme: same geometry");
    chart_free(&P);
    chart_free(&C);

    /* a sparse span: 2 buckets 3 days apart at 1 min -> packed slots */
    k.nbuckets = 2;
    k.buckets[1].bucket = T0 + 3 * 1440 * MIN;
    chart_build(&C, &k, &(struct chart_opts){.theme = THEME_LIGHT});
    is_int(C.nbuckets, 2, "sparse: 2 buckets");
    is_int(count_kind(&C, CI_LINE, CS_GAP), 1, "sparse: packed, the gap marked");
    is_int(text_problems(&C), 0, "sparse: no text overlaps");
    chart_free(&C);

    /* 200 adjacent buckets: lines without markers, but the lone value has one */
    free(k.buckets);
    k.nbuckets = 200;
    k.buckets = calloc(k.nbuckets, sizeof(*k.buckets));
    for (size_t i = 0; i < k.nbuckets; i++) {
        k.buckets[i].key = (char *)"";
        k.buckets[i].bucket = T0 + (int64_t)i * MIN + (i == 199 ? MIN : 0);
        set_group(&k.buckets[i], 5, 5, i % 5, 5);
    }
    chart_build(&C, &k, &(struct chart_opts){.theme = THEME_LIGHT});
    is_int(count_kind(&C, CI_POLYLINE, CS_ASR_LINE), 1, "dense: one ASR line");
    is_int(count_kind(&C, CI_CIRCLE, CS_ASR_PT), 1 + 1, "dense: a marker only on the lone bucket (+ legend)");
    is_int(text_problems(&C), 0, "dense: no text overlaps");
    chart_free(&C);
    report_fini(&k);
}

int main(void)
{
    test_classes();
    test_empty();
    test_full();
    return tap_done();
}
