/*
 * chart.c - the report charts (see chart.h): the model from a struct
 * kpi_report, then SVG (xmlTextWriter) and PNG (cairo) from that model.
 *
 * Geometry (CSS px, fixed width CHART_W):
 *   title block   title, two headline lines, a row of KPI cards;
 *   bar panels    causes and final SIP status share one label column
 *                 (code right-aligned, name left-aligned, cut with "…" at
 *                 NAME_MAX_W) and one count scale ("nice" 1/2/5 steps), so
 *                 their bars compare; a row per bar, alternate rows
 *                 striped as the ladder's rows are; at most MAX_BARS bars,
 *                 the rest summed in one "N more" bar;
 *   time panel    a slot per --interval bucket from the first to the last
 *                 non-empty one (empty buckets keep their slot, so gaps
 *                 show); attempts bars on the right axis, whose four steps
 *                 line up with the 25 % grid of the left (ASR/NER) axis;
 *                 lines break at gaps and at buckets without a completed
 *                 attempt; time ticks every k buckets, k the smallest of
 *                 1, 2, 3, 4, 5, 6, 10, 12, 15, ... that gives the labels
 *                 room, aligned on multiples of k x interval since the epoch.
 *                 A sparse, long span (over 120 slots, under a third of
 *                 them used) gets a slot per non-empty bucket instead,
 *                 with a dotted line where empty buckets were left out.
 *
 * Colours: the ladder's palette (render/layout.c lay_palette) for
 * background, stripes, text and axes; data colours per theme below
 * (--theme print: greys only, outlined bars, NER dashed).  ASR points
 * are filled circles, NER points hollow squares, so both show where
 * they coincide.
 *
 * The SVG is self-contained: one <style> (classes scoped to #chart), no
 * script, no external reference; every bar, card and time bucket is a
 * <g> whose <title> holds the exact counts and the full label.
 */
#include "render/chart.h"

#include <cairo.h>
#include <libxml/xmlwriter.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dissect/q850.h"
#include "dissect/sip.h"
#include "render/layout.h"
#include "src/base/util.h"

#define CHART_W 960.0
#define M 24.0            /* outer margin */
#define ROW_H 24.0        /* bar row */
#define BAR_H 14.0
#define NAME_MAX_W 300.0  /* bar label column (names) */
#define MAX_BARS 24       /* per panel; more are summed in one bar */
#define CARD_H 68.0
#define CARD_GAP 12.0
#define PANEL_GAP 30.0
#define PLOT_H 190.0      /* time chart plot area */
#define PNG_MAX_SIDE 32767.0
#define ELLIPSIS "\xe2\x80\xa6"
#define DOT " \xc2\xb7 "  /* " · " */
#define DASH "\xe2\x80\x93" /* "–" */

/* ---- fonts ------------------------------------------------------------------ */

static const struct {
    const char *css_size;
    double size;
    int bold;
} fonts[CF__COUNT] = {
    [CF_TITLE] = {"17px", 17.0, 1},  [CF_SUB] = {"11.5px", 11.5, 0},    [CF_HEAD] = {"13px", 13.0, 1},
    [CF_LABEL] = {"12px", 12.0, 0},  [CF_CODE] = {"12px", 12.0, 1},     [CF_SMALL] = {"10.5px", 10.5, 0},
    [CF_KPI_LABEL] = {"10.5px", 10.5, 1}, [CF_KPI_VALUE] = {"21px", 21.0, 1}, [CF_EMPTY] = {"15px", 15.0, 0},
};
#define FAMILY "DejaVu Sans"

static cairo_scaled_font_t *g_fonts[CF__COUNT];

static cairo_scaled_font_t *font_get(enum chart_font f)
{
    if (!g_fonts[f]) {
        cairo_font_face_t *face = cairo_toy_font_face_create(
            FAMILY, CAIRO_FONT_SLANT_NORMAL, fonts[f].bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
        cairo_matrix_t m, id;
        cairo_matrix_init_scale(&m, fonts[f].size, fonts[f].size);
        cairo_matrix_init_identity(&id);
        cairo_font_options_t *o = cairo_font_options_create();
        cairo_font_options_set_hint_metrics(o, CAIRO_HINT_METRICS_OFF);
        cairo_font_options_set_hint_style(o, CAIRO_HINT_STYLE_NONE);
        g_fonts[f] = cairo_scaled_font_create(face, &m, &id, o);
        cairo_font_options_destroy(o);
        cairo_font_face_destroy(face);
    }
    return g_fonts[f];
}

static double half_up(double v)
{
    return ceil(v * 2.0) / 2.0;
}

static double snap(double v)
{
    return floor(v * 2.0 + 0.5) / 2.0;
}

double chart_text_width(enum chart_font f, const char *s)
{
    if (!s || !*s)
        return 0;
    cairo_text_extents_t e;
    cairo_scaled_font_text_extents(font_get(f), s, &e);
    if (!(e.x_advance >= 0) || cairo_scaled_font_status(font_get(f)) != CAIRO_STATUS_SUCCESS)
        return (double)strlen(s) * fonts[f].size * 0.62; /* no font: a wide estimate */
    return half_up(e.x_advance);
}

/* s (clean UTF-8) cut to at most maxw wide, ending in "…" when cut.  New string. */
static char *fit(enum chart_font f, const char *s, double maxw)
{
    if (chart_text_width(f, s) <= maxw)
        return xstrdup(s);
    size_t n = strlen(s), lo = 0, hi = n;
    struct buf t = {0};
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        while (mid > lo && ((uint8_t)s[mid] & 0xc0) == 0x80)
            mid--;
        if (mid <= lo)
            break;
        buf_reset(&t);
        buf_put(&t, s, mid);
        buf_puts(&t, ELLIPSIS);
        if (chart_text_width(f, t.p) <= maxw)
            lo = mid;
        else
            hi = mid - 1;
    }
    while (lo > 0 && s[lo - 1] == ' ')
        lo--;
    buf_reset(&t);
    buf_put(&t, s, lo);
    buf_puts(&t, ELLIPSIS);
    return t.p;
}

/* ---- styles and colours ---------------------------------------------------- */

struct style_spec {
    const char *cls;
    int font; /* enum chart_font, -1 for shapes */
};

static const struct style_spec styles[CS__COUNT] = {
    [CS_BG] = {"bg", -1},
    [CS_STRIPE] = {"stripe", -1},
    [CS_CARD] = {"card", -1},
    [CS_GRID] = {"grid", -1},
    [CS_AXIS] = {"axis", -1},
    [CS_TICK] = {"tick", CF_SMALL},
    [CS_TITLE] = {"title", CF_TITLE},
    [CS_SUB] = {"sub", CF_SUB},
    [CS_HEAD] = {"head", CF_HEAD},
    [CS_LEGEND] = {"legend", CF_SMALL},
    [CS_CODE] = {"code", CF_CODE},
    [CS_LABEL] = {"barlabel", CF_LABEL},
    [CS_VALUE] = {"value", CF_SMALL},
    [CS_KPI_LABEL] = {"kpilabel", CF_KPI_LABEL},
    [CS_KPI_VALUE] = {"kpivalue", CF_KPI_VALUE},
    [CS_KPI_NOTE] = {"kpinote", CF_SMALL},
    [CS_EMPTY] = {"empty", CF_EMPTY},
    [CS_EMPTY_NOTE] = {"emptynote", CF_SMALL},
    [CS_NOTE] = {"note", CF_SMALL},
    [CS_GAP] = {"gap", -1},
    [CS_CAUSE0 + CC_NORMAL] = {"c-normal", -1},
    [CS_CAUSE0 + CC_BUSY] = {"c-busy", -1},
    [CS_CAUSE0 + CC_REJECTED] = {"c-rejected", -1},
    [CS_CAUSE0 + CC_ADDRESS] = {"c-address", -1},
    [CS_CAUSE0 + CC_NETWORK] = {"c-network", -1},
    [CS_CAUSE0 + CC_SERVICE] = {"c-service", -1},
    [CS_CAUSE0 + CC_NONE] = {"c-none", -1},
    [CS_STATUS0 + 0] = {"s-2xx", -1},
    [CS_STATUS0 + 1] = {"s-3xx", -1},
    [CS_STATUS0 + 2] = {"s-4xx", -1},
    [CS_STATUS0 + 3] = {"s-5xx", -1},
    [CS_STATUS0 + 4] = {"s-6xx", -1},
    [CS_STATUS0 + 5] = {"s-none", -1},
    [CS_ATTEMPTS] = {"attempts", -1},
    [CS_ASR_LINE] = {"asr", -1},
    [CS_NER_LINE] = {"ner", -1},
    [CS_ASR_PT] = {"asr-pt", -1},
    [CS_NER_PT] = {"ner-pt", -1},
};

/* Data colours: causes by class, statuses by class, attempts, ASR, NER. */
static const char *const data_light[CC__COUNT + 6 + 3] = {
    "#23803a", "#c98a0b", "#6b3fb5", "#0f7c8c", "#c0262d", "#b4530f", "#9aa3ad", /* causes */
    "#23803a", "#6b3fb5", "#c0262d", "#b4530f", "#7a1f3d", "#9aa3ad",            /* 2xx..6xx, none */
    "#c9d6e8", "#1f4f96", "#23803a",                                             /* attempts, ASR, NER */
};
static const char *const data_print[CC__COUNT + 6 + 3] = {
    "#bfbfbf", "#8c8c8c", "#6e6e6e", "#a6a6a6", "#1a1a1a", "#4d4d4d", "#e0e0e0",
    "#d9d9d9", "#a6a6a6", "#4d4d4d", "#262626", "#000000", "#f0f0f0",
    "#e0e0e0", "#000000", "#4d4d4d",
};

struct paint {
    const char *fill, *stroke; /* NULL: none */
    double sw;
    int dash; /* 0 solid, 1 "6 3", 2 "2 3" */
};

static struct paint style_paint(int theme, int st)
{
    const struct lay_palette *p = lay_palette(theme);
    const char *const *data = theme == THEME_PRINT ? data_print : data_light;
    const int print = theme == THEME_PRINT;
    struct paint x = {NULL, NULL, 0, 0};
    switch (st) {
    case CS_BG: x.fill = p->bg; break;
    case CS_STRIPE: x.fill = p->row_alt; break;
    case CS_CARD: x.fill = p->strip_fill; x.stroke = print ? "#8c8c8c" : "#c9d3e1"; x.sw = 1; break;
    case CS_GRID: x.stroke = print ? "#d9d9d9" : "#e1e6ee"; x.sw = 1; break;
    case CS_GAP: x.stroke = p->lane; x.sw = 1; x.dash = 2; break;
    case CS_AXIS: x.stroke = p->lane; x.sw = 1; break;
    case CS_TITLE:
    case CS_HEAD:
    case CS_CODE:
    case CS_KPI_VALUE: x.fill = p->title; break;
    case CS_LABEL:
    case CS_LEGEND: x.fill = p->head_text; break;
    case CS_SUB:
    case CS_TICK:
    case CS_VALUE:
    case CS_KPI_LABEL:
    case CS_KPI_NOTE:
    case CS_EMPTY:
    case CS_EMPTY_NOTE:
    case CS_NOTE: x.fill = p->sub; break;
    case CS_ATTEMPTS: x.fill = data[CC__COUNT + 6]; if (print) { x.stroke = "#8c8c8c"; x.sw = 0.75; } break;
    case CS_ASR_LINE: x.stroke = data[CC__COUNT + 7]; x.sw = 2; break;
    case CS_NER_LINE: x.stroke = data[CC__COUNT + 8]; x.sw = 2; x.dash = print; break;
    case CS_ASR_PT: x.fill = data[CC__COUNT + 7]; x.stroke = p->bg; x.sw = 1.5; break;
    case CS_NER_PT: x.fill = p->bg; x.stroke = data[CC__COUNT + 8]; x.sw = 2; break;
    default:
        if (st >= CS_CAUSE0 && st < CS_ATTEMPTS) {
            x.fill = data[st - CS_CAUSE0];
            if (print) {
                x.stroke = "#000000";
                x.sw = 0.75;
            }
        }
        break;
    }
    return x;
}

/* ---- cause classes ----------------------------------------------------------- */

enum chart_cause_class chart_cause_class(unsigned c)
{
    switch (c) {
    case 0: return CC_NONE;
    case 16: case 26: case 31: return CC_NORMAL;
    case 17: case 18: case 19: return CC_BUSY;
    case 20: case 21: case 24: return CC_REJECTED;
    case 1: case 2: case 3: case 4: case 5: case 14: case 22: case 23: case 25: case 28: return CC_ADDRESS;
    case 27: case 102: return CC_NETWORK;
    default: break;
    }
    if (c >= 33 && c <= 47)
        return CC_NETWORK;
    return CC_SERVICE;
}

const char *chart_cause_class_name(enum chart_cause_class c)
{
    static const char *const n[CC__COUNT] = {"normal", "busy / no answer", "rejected", "address / routing",
                                             "network failure", "service / protocol", "no cause"};
    return (unsigned)c < CC__COUNT ? n[c] : "";
}

/* ---- the model --------------------------------------------------------------- */

struct bld {
    struct chart *C;
    int section;
    int32_t group;
};

static struct chart_item *item(struct bld *b, int kind, int style)
{
    struct chart *C = b->C;
    C->items = xgrow(C->items, &C->cap_items, C->nitems + 1, sizeof(*C->items));
    struct chart_item *it = &C->items[C->nitems++];
    memset(it, 0, sizeof(*it));
    it->kind = (uint8_t)kind;
    it->style = (uint8_t)style;
    it->section = (uint8_t)b->section;
    it->group = b->group;
    return it;
}

static void rect(struct bld *b, int style, double x, double y, double w, double h, double r)
{
    struct chart_item *it = item(b, CI_RECT, style);
    it->x = snap(x);
    it->y = snap(y);
    it->w = snap(w);
    it->h = snap(h);
    it->r = r;
}

/* Lines are put on pixel centres (x.5) so 1 px lines are crisp in the PNG. */
static double px(double v)
{
    return floor(v) + 0.5;
}

static void line(struct bld *b, int style, double x1, double y1, double x2, double y2)
{
    struct chart_item *it = item(b, CI_LINE, style);
    if (x1 == x2)
        x1 = x2 = px(x1);
    if (y1 == y2)
        y1 = y2 = px(y1);
    it->x = snap(x1);
    it->y = snap(y1);
    it->w = snap(x2);
    it->h = snap(y2);
}

static void circle(struct bld *b, int style, double cx, double cy, double r)
{
    struct chart_item *it = item(b, CI_CIRCLE, style);
    it->x = snap(cx);
    it->y = snap(cy);
    it->r = r;
}

/* A text (clean UTF-8, copied) anchored at (x, y) on the baseline; returns its width. */
static double text(struct bld *b, int style, double x, double y, int anchor, const char *s)
{
    struct chart_item *it = item(b, CI_TEXT, style);
    it->x = snap(x);
    it->y = snap(y);
    it->anchor = (uint8_t)anchor;
    it->s = xstrdup(s);
    it->w = chart_text_width((enum chart_font)styles[style].font, s);
    it->h = fonts[styles[style].font].size;
    return it->w;
}

/* Text cut to maxw. */
static double text_fit(struct bld *b, int style, double x, double y, int anchor, const char *s, double maxw)
{
    char *t = fit((enum chart_font)styles[style].font, s, maxw);
    double w = text(b, style, x, y, anchor, t);
    free(t);
    return w;
}

static void group_begin(struct bld *b, const char *cls, const char *tip)
{
    struct chart *C = b->C;
    C->groups = xgrow(C->groups, &C->cap_groups, C->ngroups + 1, sizeof(*C->groups));
    struct buf t = {0};
    text_clean(&t, (const uint8_t *)tip, strlen(tip), 1);
    C->groups[C->ngroups] = (struct chart_group){xstrdup(cls), t.p};
    b->group = (int32_t)C->ngroups++;
}

static void group_end(struct bld *b)
{
    b->group = -1;
}

/* ---- number formats ---------------------------------------------------------- */

static const char *pct(char *o, size_t n, double ratio)
{
    if (ratio < 0)
        snprintf(o, n, DASH);
    else
        snprintf(o, n, "%.1f%%", ratio * 100.0);
    return o;
}

static double share(uint64_t n, uint64_t of)
{
    return of ? (double)n / (double)of : -1.0;
}

/* 1234567 -> "1,234,567" */
static const char *count_str(char *o, size_t n, uint64_t v)
{
    char t[32];
    snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    size_t l = strlen(t), j = 0;
    for (size_t i = 0; i < l && j + 2 < n; i++) {
        if (i && (l - i) % 3 == 0)
            o[j++] = ',';
        o[j++] = t[i];
    }
    o[j] = 0;
    return o;
}

/* A duration for a card: "250 ms", "1.13 s", "95.2 s", "12 min 05 s". */
static const char *dur_str(char *o, size_t n, int64_t ns)
{
    double s = (double)ns / 1e9;
    if (s < 0.000995)
        snprintf(o, n, "%.0f \xc2\xb5s", s * 1e6);
    else if (s < 0.0095)
        snprintf(o, n, "%.1f ms", s * 1000.0);
    else if (s < 1.0)
        snprintf(o, n, "%.0f ms", s * 1000.0);
    else if (s < 10.0)
        snprintf(o, n, "%.2f s", s);
    else if (s < 600.0)
        snprintf(o, n, "%.1f s", s);
    else
        snprintf(o, n, "%lld min %02lld s", (long long)(s / 60), (long long)s % 60);
    return o;
}

static void utc(char *o, size_t n, int64_t ns, const char *fmt)
{
    time_t t = (time_t)(ns / KPI_NS_PER_S);
    if (ns < 0 && ns % KPI_NS_PER_S)
        t--;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(o, n, "?");
        return;
    }
    if (!strftime(o, n, fmt, &tm))
        snprintf(o, n, "?");
}

static const char *interval_str(char *o, size_t n, int64_t ns)
{
    int64_t s = ns / KPI_NS_PER_S;
    if (ns % KPI_NS_PER_S)
        snprintf(o, n, "%g s", (double)ns / 1e9);
    else if (s % 86400 == 0)
        snprintf(o, n, "%lld d", (long long)(s / 86400));
    else if (s % 3600 == 0)
        snprintf(o, n, "%lld h", (long long)(s / 3600));
    else if (s % 60 == 0)
        snprintf(o, n, "%lld min", (long long)(s / 60));
    else
        snprintf(o, n, "%lld s", (long long)s);
    return o;
}

/* Count axis: a step of 1, 2 or 5 x 10^k giving at most `target` steps up to max. */
static uint64_t nice_step(uint64_t max, unsigned target)
{
    static const uint64_t mul[] = {1, 2, 5};
    for (uint64_t p = 1;; p *= 10) {
        for (size_t i = 0; i < 3; i++) {
            uint64_t s = mul[i] * p;
            if (max / s + (max % s != 0) <= target)
                return s;
        }
        if (p > UINT64_MAX / 100)
            return p * 10;
    }
}

/* ---- title block ------------------------------------------------------------- */

static double head_block(struct bld *b, const struct kpi_report *k, const char *const *files, size_t nf)
{
    const struct kpi_group *o = &k->overall;
    char t1[64], t2[64], t3[64];
    struct buf s = {0};
    b->section = CSEC_HEAD;
    text(b, CS_TITLE, M, 36, CA_START, "SIP release causes and KPIs");
    text(b, CS_SUB, CHART_W - M, 36, CA_END, "sipladder report");

    /* headline 1: attempts and time range */
    buf_printf(&s, "%s INVITE attempt%s", count_str(t1, sizeof t1, k->attempts), k->attempts == 1 ? "" : "s");
    if (k->attempts)
        buf_printf(&s, " (%s completed, %s incomplete at the capture end)", count_str(t1, sizeof t1, o->c.completed),
                   count_str(t2, sizeof t2, o->c.disp[DISP_INCOMPLETE]));
    if (k->retries_merged)
        buf_printf(&s, ", %s retr%s merged", count_str(t1, sizeof t1, k->retries_merged),
                   k->retries_merged == 1 ? "y" : "ies");
    if (k->natt) {
        int64_t a = k->att[0].cc.start, z = a;
        for (size_t i = 0; i < k->natt; i++) {
            if (k->att[i].cc.start < a)
                a = k->att[i].cc.start;
            if (k->att[i].cc.start > z)
                z = k->att[i].cc.start;
        }
        utc(t1, sizeof t1, a, "%Y-%m-%d %H:%M:%S");
        utc(t2, sizeof t2, z, "%Y-%m-%d %H:%M:%S");
        utc(t3, sizeof t3, z, "%H:%M:%S");
        if (strcmp(t1, t2) == 0)
            buf_printf(&s, DOT "%s UTC", t1);
        else
            buf_printf(&s, DOT "%s " DASH " %s UTC", t1, strncmp(t1, t2, 10) == 0 ? t3 : t2);
    }
    text_fit(b, CS_SUB, M, 58, CA_START, s.p, CHART_W - 2 * M);

    /* headline 2: inputs and what is not counted */
    buf_reset(&s);
    buf_printf(&s, "%zu input%s", nf, nf == 1 ? "" : "s");
    for (size_t i = 0; files && i < nf && i < 3; i++) {
        buf_puts(&s, i ? ", " : ": ");
        const char *f = files[i] ? files[i] : "";
        text_clean(&s, (const uint8_t *)f, strlen(f), 0);
    }
    if (nf > 3)
        buf_printf(&s, ", +%zu more", nf - 3);
    struct buf nc = {0};
    buf_printf(&nc, "not counted: %s non-INVITE call%s", count_str(t1, sizeof t1, k->non_invite_calls),
               k->non_invite_calls == 1 ? "" : "s");
    if (k->calls_without_invite)
        buf_printf(&nc, ", %s without the initial INVITE", count_str(t1, sizeof t1, k->calls_without_invite));
    /* the file list gives way to the counts */
    double ncw = chart_text_width(CF_SUB, nc.p) + chart_text_width(CF_SUB, DOT);
    text_fit(b, CS_SUB, M, 76, CA_START, s.p, CHART_W - 2 * M - ncw);
    text(b, CS_SUB, CHART_W - M, 76, CA_END, nc.p);
    buf_free(&nc);
    buf_free(&s);
    return 92;
}

static void card(struct bld *b, double x, double y, double w, const char *label, const char *value,
                 const char *note, const char *tip)
{
    group_begin(b, "kpi", tip);
    rect(b, CS_CARD, x, y, w, CARD_H, 6);
    text_fit(b, CS_KPI_LABEL, x + 12, y + 19, CA_START, label, w - 24);
    text_fit(b, CS_KPI_VALUE, x + 12, y + 44, CA_START, value, w - 24);
    text_fit(b, CS_KPI_NOTE, x + 12, y + 59, CA_START, note, w - 24);
    group_end(b);
}

static double cards(struct bld *b, const struct kpi_report *k, double y)
{
    const struct kpi_group *o = &k->overall;
    const double w = (CHART_W - 2 * M - 5 * CARD_GAP) / 6;
    char v[64], n[96], t[512], a[32], c[32];
    double x = M;

    snprintf(v, sizeof v, "%s", count_str(a, sizeof a, k->attempts));
    snprintf(n, sizeof n, "%s completed", count_str(a, sizeof a, o->c.completed));
    snprintf(t, sizeof t, "INVITE attempts (retries in a new Call-ID merged): %llu\ncompleted: %llu\nincomplete at the "
             "capture end: %llu\nretries merged: %llu",
             (unsigned long long)k->attempts, (unsigned long long)o->c.completed,
             (unsigned long long)o->c.disp[DISP_INCOMPLETE], (unsigned long long)k->retries_merged);
    card(b, x, y, w, "Attempts", v, n, t);
    x += w + CARD_GAP;

    pct(v, sizeof v, o->asr);
    snprintf(n, sizeof n, "%s answered / %s", count_str(a, sizeof a, o->c.disp[DISP_ANSWERED]),
             count_str(c, sizeof c, o->c.completed));
    snprintf(t, sizeof t, "ASR (answer seizure ratio, ITU-T E.411) = answered / completed attempts = %llu / %llu",
             (unsigned long long)o->c.disp[DISP_ANSWERED], (unsigned long long)o->c.completed);
    card(b, x, y, w, "ASR", v, n, t);
    x += w + CARD_GAP;

    pct(v, sizeof v, o->ner);
    snprintf(n, sizeof n, "%s / %s", count_str(a, sizeof a, o->c.user_determined),
             count_str(c, sizeof c, o->c.completed));
    snprintf(t, sizeof t, "NER (network effectiveness ratio, ITU-T E.425) = (answered + busy + no answer + "
             "rejected) / completed attempts = %llu / %llu",
             (unsigned long long)o->c.user_determined, (unsigned long long)o->c.completed);
    card(b, x, y, w, "NER", v, n, t);
    x += w + CARD_GAP;

    if (o->duration.n) {
        dur_str(v, sizeof v, o->duration.mean);
        snprintf(n, sizeof n, "mean of %zu call%s", o->duration.n, o->duration.n == 1 ? "" : "s");
        snprintf(t, sizeof t, "ACD = ALOC: mean of BYE - 2xx over %zu answered call%s ended by a BYE: %.3f s",
                 o->duration.n, o->duration.n == 1 ? "" : "s", (double)o->duration.mean / 1e9);
    } else {
        snprintf(v, sizeof v, DASH);
        snprintf(n, sizeof n, "no call with a BYE");
        snprintf(t, sizeof t, "ACD = ALOC: no answered call ended by a BYE");
    }
    card(b, x, y, w, "ACD", v, n, t);
    x += w + CARD_GAP;

    for (int q = 0; q < 2; q++) {
        int64_t val = q ? o->pdd.p95 : o->pdd.p50;
        if (o->pdd.n) {
            dur_str(v, sizeof v, val);
            if (q)
                snprintf(n, sizeof n, "p99 %s", dur_str(a, sizeof a, o->pdd.p99));
            else
                snprintf(n, sizeof n, "n = %s", count_str(a, sizeof a, o->pdd.n));
            snprintf(t, sizeof t, "PDD = SRD (RFC 6076): first 18x or 2xx - first INVITE of the attempt, over %zu "
                     "attempt%s\nmean %.3f s, p50 %.3f s, p95 %.3f s, p99 %.3f s, min %.3f s, max %.3f s (nearest rank)",
                     o->pdd.n, o->pdd.n == 1 ? "" : "s", (double)o->pdd.mean / 1e9, (double)o->pdd.p50 / 1e9,
                     (double)o->pdd.p95 / 1e9, (double)o->pdd.p99 / 1e9, (double)o->pdd.min / 1e9,
                     (double)o->pdd.max / 1e9);
        } else {
            snprintf(v, sizeof v, DASH);
            snprintf(n, sizeof n, "no 18x or 2xx");
            snprintf(t, sizeof t, "PDD = SRD (RFC 6076): no attempt got an 18x or 2xx");
        }
        card(b, x, y, w, q ? "PDD p95" : "PDD p50", v, n, t);
        x += w + CARD_GAP;
    }
    return y + CARD_H;
}

/* ---- bar panels -------------------------------------------------------------- */

struct bar {
    char code[24];
    char *name;   /* clean, owned */
    uint64_t n;
    int style;
    char *tip;    /* owned */
};

struct legend_entry {
    int style;
    const char *label;
};

static int cmp_bar(const void *a, const void *b)
{
    const struct bar *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->code, y->code);
}

static void bars_free(struct bar *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].tip);
    }
    free(v);
}

/* Sort by count and sum everything past MAX_BARS - 1 into one bar. */
static size_t bars_cap(struct bar *v, size_t n, const char *what, int other_style)
{
    qsort(v, n, sizeof(*v), cmp_bar);
    if (n <= MAX_BARS)
        return n;
    struct buf tip = {0};
    uint64_t sum = 0;
    size_t k = MAX_BARS - 1;
    buf_printf(&tip, "%zu more %s:", n - k, what);
    for (size_t i = k; i < n; i++) {
        sum += v[i].n;
        if (i - k < 40)
            buf_printf(&tip, "\n%s %s: %llu", v[i].code, v[i].name, (unsigned long long)v[i].n);
        else if (i - k == 40)
            buf_puts(&tip, "\n...");
    }
    struct bar o = {.n = sum, .style = other_style, .tip = tip.p};
    snprintf(o.code, sizeof o.code, "+%zu", n - k);
    struct buf nm = {0};
    buf_printf(&nm, "more %s", what);
    o.name = nm.p;
    for (size_t i = k; i < n; i++) {
        free(v[i].name);
        free(v[i].tip);
    }
    v[k] = o;
    return k + 1;
}

struct bar_geom {
    double code_w, name_x, name_w, plot_x0, plot_x1, cap_x;
    uint64_t axis_max, step;
};

static int is_line_entry(int style)
{
    return style == CS_ASR_LINE || style == CS_NER_LINE;
}

static double legend_width(const struct legend_entry *e, size_t n)
{
    double w = 0;
    for (size_t i = 0; i < n; i++)
        w += (is_line_entry(e[i].style) ? 20 : 14) + chart_text_width(CF_SMALL, e[i].label) + (i + 1 < n ? 16 : 0);
    return w;
}

/* Swatches and labels, right-aligned at `right`, on baseline y. */
static void legend(struct bld *b, const struct legend_entry *e, size_t n, double right, double y)
{
    double x = right - legend_width(e, n);
    for (size_t i = 0; i < n; i++) {
        if (is_line_entry(e[i].style)) {
            line(b, e[i].style, x + 1, y - 4, x + 15, y - 4);
            if (e[i].style == CS_ASR_LINE)
                circle(b, CS_ASR_PT, x + 8, y - 4, 3.5);
            else
                rect(b, CS_NER_PT, x + 3.5, y - 8.5, 9, 9, 0);
            x += 6;
        } else {
            rect(b, e[i].style, x, y - 9, 10, 10, 2);
        }
        x += 14;
        x += text(b, CS_LEGEND, x, y, CA_START, e[i].label) + 16;
    }
}

/* Heading (and legend) of a panel; returns the y below them. */
static double panel_head(struct bld *b, const char *title, const char *note, const struct legend_entry *le,
                         size_t nle, double y)
{
    double hw = text(b, CS_HEAD, M, y + 14, CA_START, title);
    double nw = 0;
    if (note)
        nw = 10 + text(b, CS_NOTE, M + hw + 10, y + 14, CA_START, note);
    double lw = legend_width(le, nle);
    if (!nle)
        return y + 26;
    if (M + hw + nw + 24 + lw <= CHART_W - M) {
        legend(b, le, nle, CHART_W - M, y + 14);
        return y + 26;
    }
    legend(b, le, nle, CHART_W - M, y + 32);
    return y + 42;
}

static double bar_panel(struct bld *b, const struct bar_geom *g, const char *title, const char *note,
                        const struct legend_entry *le, size_t nle, const struct bar *v, size_t n, uint64_t total,
                        const char *empty, double y)
{
    y = panel_head(b, title, note, le, nle, y) + 4;
    if (!n) {
        text(b, CS_EMPTY_NOTE, M, y + 16, CA_START, empty);
        return y + 26;
    }
    const double top = y, bot = y + (double)n * ROW_H;
    /* stripes */
    for (size_t i = 1; i < n; i += 2)
        rect(b, CS_STRIPE, M, top + (double)i * ROW_H, CHART_W - 2 * M, ROW_H, 0);
    /* grid and axis */
    const double pw = g->plot_x1 - g->plot_x0;
    char t[48];
    for (uint64_t v0 = 0; v0 <= g->axis_max; v0 += g->step) {
        double x = g->plot_x0 + pw * (double)v0 / (double)g->axis_max;
        if (v0)
            line(b, CS_GRID, x, top, x, bot);
        line(b, CS_AXIS, x, bot, x, bot + 4);
        text(b, CS_TICK, px(x), bot + 16, CA_MIDDLE, count_str(t, sizeof t, v0));
        if (g->axis_max - v0 < g->step)
            break;
    }
    text(b, CS_TICK, g->cap_x, bot + 16, CA_START, "attempts");
    line(b, CS_AXIS, g->plot_x0, top, g->plot_x0, bot);
    line(b, CS_AXIS, g->plot_x0, bot, g->plot_x1, bot);
    /* bars */
    for (size_t i = 0; i < n; i++) {
        const struct bar *x = &v[i];
        double ry = top + (double)i * ROW_H;
        group_begin(b, "bar", x->tip);
        double bw = pw * (double)x->n / (double)g->axis_max;
        if (x->n && bw < 1)
            bw = 1;
        rect(b, x->style, g->plot_x0 + 0.5, ry + (ROW_H - BAR_H) / 2, floor(bw), BAR_H, 0);
        text(b, CS_CODE, M + g->code_w, ry + 16.5, CA_END, x->code);
        text_fit(b, CS_LABEL, g->name_x, ry + 16.5, CA_START, x->name, g->name_w);
        char c[48], val[96];
        snprintf(val, sizeof val, "%s (%.1f%%)", count_str(c, sizeof c, x->n), share(x->n, total) * 100.0);
        text(b, CS_VALUE, g->plot_x0 + 0.5 + floor(bw) + 6, ry + 16, CA_START, val);
        group_end(b);
    }
    return bot + 22;
}

static const char *status_name(unsigned st)
{
    if (!st)
        return "no final response";
    const char *p = sip_reason_default(st);
    return *p ? p : "(unknown code)";
}

static int status_style(unsigned st)
{
    if (!st || st < 200 || st > 699)
        return CS_STATUS0 + 5;
    return CS_STATUS0 + (int)(st / 100) - 2;
}

static double bar_panels(struct bld *b, const struct kpi_report *k, double y)
{
    const uint64_t total = k->overall.c.completed;
    char t[64];
    /* causes */
    struct bar *cv = xcalloc(k->ncauses + 1, sizeof(*cv));
    int cls_seen[CC__COUNT] = {0};
    for (size_t i = 0; i < k->ncauses; i++) {
        const struct kpi_cause_count *x = &k->causes[i];
        struct bar *o = &cv[i];
        enum chart_cause_class cc = chart_cause_class(x->cause);
        cls_seen[cc] = 1;
        o->n = x->n;
        o->style = CS_CAUSE0 + cc;
        if (x->cause)
            snprintf(o->code, sizeof o->code, "%u", x->cause);
        else
            snprintf(o->code, sizeof o->code, DASH);
        o->name = xstrdup(x->cause ? q850_name(x->cause) : "no cause");
        struct buf tip = {0};
        if (x->cause)
            buf_printf(&tip, "Q.850 cause %u: %s\n", x->cause, q850_name(x->cause));
        else
            buf_puts(&tip, "No Q.850 cause (answered and still up, 3xx, ...)\n");
        buf_printf(&tip, "%llu completed attempt%s (%.1f%% of %llu)\n", (unsigned long long)x->n, x->n == 1 ? "" : "s",
                   share(x->n, total) * 100.0, (unsigned long long)total);
        if (x->cause)
            buf_printf(&tip, "from a Reason header: %llu, mapped from the SIP status: %llu, implied: %llu\n",
                       (unsigned long long)x->from_reason, (unsigned long long)x->mapped,
                       (unsigned long long)x->implied);
        buf_printf(&tip, "chart class: %s", chart_cause_class_name(cc));
        if (x->cause)
            buf_printf(&tip, "; Q.850 class %d: %s", q850_class(x->cause), q850_class_name(q850_class(x->cause)));
        for (size_t m = 0; m < k->nmatrix; m++)
            if (k->matrix[m].cause == x->cause)
                buf_printf(&tip, "\n  final %s: %llu",
                           k->matrix[m].status ? (snprintf(t, sizeof t, "%u %s", k->matrix[m].status,
                                                           status_name(k->matrix[m].status)), t)
                                               : "none",
                           (unsigned long long)k->matrix[m].n);
        o->tip = tip.p;
    }
    size_t nc = bars_cap(cv, k->ncauses, "causes", CS_CAUSE0 + CC_NONE);
    /* statuses */
    struct bar *sv = xcalloc(k->nstatuses + 1, sizeof(*sv));
    int st_seen[6] = {0};
    for (size_t i = 0; i < k->nstatuses; i++) {
        const struct kpi_status_count *x = &k->statuses[i];
        struct bar *o = &sv[i];
        o->n = x->n;
        o->style = status_style(x->status);
        st_seen[o->style - CS_STATUS0] = 1;
        if (x->status)
            snprintf(o->code, sizeof o->code, "%u", x->status);
        else
            snprintf(o->code, sizeof o->code, DASH);
        o->name = xstrdup(status_name(x->status));
        struct buf tip = {0};
        if (x->status)
            buf_printf(&tip, "Final SIP status %u %s\n", x->status, status_name(x->status));
        else
            buf_puts(&tip, "No final response (no response within timer B)\n");
        buf_printf(&tip, "%llu completed attempt%s (%.1f%% of %llu)", (unsigned long long)x->n, x->n == 1 ? "" : "s",
                   share(x->n, total) * 100.0, (unsigned long long)total);
        for (size_t m = 0; m < k->nmatrix; m++)
            if (k->matrix[m].status == x->status)
                buf_printf(&tip, "\n  Q.850 %s: %llu",
                           k->matrix[m].cause ? (snprintf(t, sizeof t, "%u %s", k->matrix[m].cause,
                                                          q850_name(k->matrix[m].cause)), t)
                                              : "no cause",
                           (unsigned long long)k->matrix[m].n);
        o->tip = tip.p;
    }
    size_t ns = bars_cap(sv, k->nstatuses, "status codes", CS_STATUS0 + 5);

    /* shared geometry */
    struct bar_geom g = {0};
    double namew = 0, valw = 0;
    uint64_t maxn = 0;
    for (int pass = 0; pass < 2; pass++) {
        const struct bar *v = pass ? sv : cv;
        size_t n = pass ? ns : nc;
        for (size_t i = 0; i < n; i++) {
            double w = chart_text_width(CF_CODE, v[i].code);
            if (w > g.code_w)
                g.code_w = w;
            w = chart_text_width(CF_LABEL, v[i].name);
            if (w > namew)
                namew = w;
            char c[48], val[96];
            snprintf(val, sizeof val, "%s (%.1f%%)", count_str(c, sizeof c, v[i].n), share(v[i].n, total) * 100.0);
            w = chart_text_width(CF_SMALL, val);
            if (w > valw)
                valw = w;
            if (v[i].n > maxn)
                maxn = v[i].n;
        }
    }
    g.name_x = M + g.code_w + 8;
    g.name_w = namew < NAME_MAX_W ? namew : NAME_MAX_W;
    g.plot_x0 = floor(g.name_x + g.name_w + 16);
    g.step = nice_step(maxn ? maxn : 1, 6);
    g.axis_max = (maxn / g.step + (maxn % g.step != 0)) * g.step;
    if (!g.axis_max)
        g.axis_max = g.step;
    /* right of the plot: the value labels, or the last tick's right half and the axis caption */
    double tail = valw + 12;
    double half = ceil(chart_text_width(CF_SMALL, count_str(t, sizeof t, g.axis_max)) / 2);
    double aw = half + 8 + chart_text_width(CF_SMALL, "attempts");
    if (tail < aw)
        tail = aw;
    g.plot_x1 = floor(CHART_W - M - tail);
    g.cap_x = g.plot_x1 + half + 8;

    struct legend_entry le[CC__COUNT];
    size_t nle = 0;
    for (int c = 0; c < CC__COUNT; c++)
        if (cls_seen[c])
            le[nle++] = (struct legend_entry){CS_CAUSE0 + c, chart_cause_class_name((enum chart_cause_class)c)};
    char empty[128];
    snprintf(empty, sizeof empty, "no completed attempt (%llu incomplete at the capture end)",
             (unsigned long long)k->overall.c.disp[DISP_INCOMPLETE]);
    b->section = CSEC_CAUSES;
    y = bar_panel(b, &g, "Q.850 release causes", "completed attempts", le, nle, cv, nc, total, empty, y);
    static const char *const st_names[6] = {"2xx", "3xx", "4xx", "5xx", "6xx", "no final"};
    nle = 0;
    for (int c = 0; c < 6; c++)
        if (st_seen[c])
            le[nle++] = (struct legend_entry){CS_STATUS0 + c, st_names[c]};
    b->section = CSEC_STATUS;
    y = bar_panel(b, &g, "Final SIP status", "completed attempts", le, nle, sv, ns, total, empty, y + PANEL_GAP);
    b->C->ncause_bars = nc;
    b->C->nstatus_bars = ns;
    bars_free(cv, nc);
    bars_free(sv, ns);
    return y;
}

/* ---- KPIs over time ---------------------------------------------------------- */

static const unsigned tick_mul[] = {1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 24, 30, 48, 60, 72, 96, 120, 144, 168, 240, 288, 336,
                                    480, 720, 1440};

static void bucket_tip(struct buf *t, const struct kpi_group *g, int64_t iv)
{
    char a[40], z[40], d[40], x[32], y[32];
    utc(a, sizeof a, g->bucket, "%H:%M:%S");
    utc(z, sizeof z, g->bucket + iv, "%H:%M:%S");
    utc(d, sizeof d, g->bucket, "%Y-%m-%d");
    buf_printf(t, "%s %s " DASH " %s UTC\n", d, a, z);
    buf_printf(t, "%llu attempt%s (%llu completed), %llu answered\n", (unsigned long long)g->c.attempts,
               g->c.attempts == 1 ? "" : "s", (unsigned long long)g->c.completed,
               (unsigned long long)g->c.disp[DISP_ANSWERED]);
    buf_printf(t, "ASR %s, NER %s", pct(x, sizeof x, g->asr), pct(y, sizeof y, g->ner));
    if (g->duration.n)
        buf_printf(t, ", ACD %s", dur_str(x, sizeof x, g->duration.mean));
    if (g->pdd.n)
        buf_printf(t, ", PDD p50 %s, p95 %s", dur_str(x, sizeof x, g->pdd.p50), dur_str(y, sizeof y, g->pdd.p95));
}

/* ASR (which 0) or NER (1) lines: a polyline per run of buckets adjacent in
 * time that have a value; xs: the buckets' x. */
static void kpi_lines(struct bld *b, const struct kpi_report *k, int which, const double *xs, double bot, int64_t iv)
{
    const struct kpi_group *g = k->buckets;
    size_t i = 0;
    while (i < k->nbuckets) {
        if ((which ? g[i].ner : g[i].asr) < 0) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < k->nbuckets && (which ? g[j].ner : g[j].asr) >= 0 && g[j].bucket - g[j - 1].bucket == iv)
            j++;
        if (j - i >= 2) {
            struct chart_item *it = item(b, CI_POLYLINE, which ? CS_NER_LINE : CS_ASR_LINE);
            it->npts = j - i;
            it->pts = xcalloc(2 * it->npts, sizeof(double));
            for (size_t m = i; m < j; m++) {
                double r = which ? g[m].ner : g[m].asr;
                it->pts[2 * (m - i)] = snap(xs[m]);
                it->pts[2 * (m - i) + 1] = snap(bot - r * PLOT_H);
            }
        }
        i = j;
    }
}

/* Is bucket i's ASR (which 0) or NER (1) on a line (a neighbour in time with a value)? */
static int in_run(const struct kpi_report *k, int which, size_t i, int64_t iv)
{
    const struct kpi_group *g = k->buckets;
    if (i > 0 && g[i].bucket - g[i - 1].bucket == iv && (which ? g[i - 1].ner : g[i - 1].asr) >= 0)
        return 1;
    return i + 1 < k->nbuckets && g[i + 1].bucket - g[i].bucket == iv && (which ? g[i + 1].ner : g[i + 1].asr) >= 0;
}

#define DAY_NS (86400 * KPI_NS_PER_S)

/* strftime format of a time tick: as short as the span [a, z) and the step allow. */
static const char *tick_format(int64_t a, int64_t z, int64_t step)
{
    char ya[8], yz[8];
    utc(ya, sizeof ya, a, "%Y");
    utc(yz, sizeof yz, z - 1, "%Y");
    const int day_step = step % DAY_NS == 0, sec_step = step % (60 * KPI_NS_PER_S) != 0;
    if (strcmp(ya, yz) != 0)
        return day_step ? "%Y-%m-%d" : "%Y-%m-%d %H:%M";
    if (a / DAY_NS != (z - 1) / DAY_NS)
        return day_step ? "%m-%d" : sec_step ? "%m-%d %H:%M:%S" : "%m-%d %H:%M";
    return sec_step ? "%H:%M:%S" : "%H:%M";
}

/* The first k of tick_mul (then doubling) with k slots wide enough for a label. */
static uint64_t tick_every(double slot_w, double lab_w)
{
    for (size_t i = 0; i < sizeof tick_mul / sizeof tick_mul[0]; i++)
        if (slot_w * tick_mul[i] >= lab_w + 14)
            return tick_mul[i];
    uint64_t k = tick_mul[sizeof tick_mul / sizeof tick_mul[0] - 1];
    while (slot_w * (double)k < lab_w + 14 && k < (uint64_t)1 << 40)
        k *= 2;
    return k;
}

static double time_panel(struct bld *b, const struct kpi_report *k, double y)
{
    b->section = CSEC_TIME;
    const int64_t iv = k->opts.interval_ns > 0 ? k->opts.interval_ns : 60 * KPI_NS_PER_S;
    const struct kpi_group *g = k->buckets;
    const size_t nb = k->nbuckets;
    char t[320], u[64], w[64];
    static const struct legend_entry le[] = {
        {CS_ATTEMPTS, "attempts (right axis)"}, {CS_ASR_LINE, "ASR"}, {CS_NER_LINE, "NER"}};
    const int64_t first = nb ? g[0].bucket : 0, last = nb ? g[nb - 1].bucket : 0, end = last + iv;
    /* A slot per bucket from the first to the last; when most slots would be
     * empty (a sparse, long capture), a slot per non-empty bucket instead. */
    const uint64_t span_slots = nb ? (uint64_t)((last - first) / iv) + 1 : 1;
    const int packed = span_slots > 120 && span_slots > 3 * (uint64_t)nb;
    const double nslots = packed ? (double)nb : (double)span_slots;
    interval_str(u, sizeof u, iv);
    snprintf(t, sizeof t, packed ? "per %s bucket, empty buckets left out" : "per %s bucket", u);
    y = panel_head(b, "KPIs over time", t, le, 3, y);

    uint64_t maxa = 0;
    for (size_t i = 0; i < nb; i++)
        if (g[i].c.attempts > maxa)
            maxa = g[i].c.attempts;
    const uint64_t step = nice_step(maxa ? maxa : 1, 4), amax = 4 * step;
    const double top = y + 24, bot = top + PLOT_H;
    const double lw = chart_text_width(CF_SMALL, "100%");
    double rw = chart_text_width(CF_SMALL, count_str(u, sizeof u, amax));
    const double x0 = M + lw + 10;
    const double x1 = floor(CHART_W - M - rw - 10);
    const double pw = x1 - x0;
    text(b, CS_TICK, x0, top - 12, CA_START, "ASR, NER");
    text(b, CS_TICK, x1, top - 12, CA_END, "attempts");
    for (int q = 0; q <= 4; q++) {
        double gy = bot - PLOT_H * q / 4.0;
        if (q)
            line(b, CS_GRID, x0, gy, x1, gy);
        snprintf(t, sizeof t, "%d%%", q * 25);
        text(b, CS_TICK, x0 - 6, px(gy) + 3.5, CA_END, t);
        text(b, CS_TICK, x1 + 6, px(gy) + 3.5, CA_START, count_str(u, sizeof u, step * (uint64_t)q));
    }
    if (!nb) { /* cannot happen with attempts; keep the axes */
        line(b, CS_AXIS, x0, bot, x1, bot);
        return bot + 24;
    }
    const double slot_w = pw / nslots;
    double *xs = xcalloc(nb, sizeof(*xs));
    for (size_t i = 0; i < nb; i++)
        xs[i] = x0 + ((packed ? (double)i : (double)((g[i].bucket - first) / iv)) + 0.5) * slot_w;
    double bar_w = slot_w * 0.64;
    if (bar_w > 36)
        bar_w = 36;
    bar_w = bar_w < 2 ? 1 : floor(bar_w);
    /* attempts bars, one tooltip group per bucket */
    struct buf tip = {0};
    for (size_t i = 0; i < nb; i++) {
        buf_reset(&tip);
        bucket_tip(&tip, &g[i], iv);
        group_begin(b, "bucket", tip.p);
        double h = PLOT_H * (double)g[i].c.attempts / (double)amax;
        rect(b, CS_ATTEMPTS, floor(xs[i] - bar_w / 2), bot - h, bar_w, h, 0);
        group_end(b);
    }
    /* packed: a dotted mark where empty buckets were left out */
    if (packed && slot_w >= 6)
        for (size_t i = 1; i < nb; i++)
            if (g[i].bucket - g[i - 1].bucket != iv)
                line(b, CS_GAP, (xs[i - 1] + xs[i]) / 2, top, (xs[i - 1] + xs[i]) / 2, bot);
    /* axes over the bars */
    line(b, CS_AXIS, x0, top, x0, bot);
    line(b, CS_AXIS, x1, top, x1, bot);
    line(b, CS_AXIS, x0, bot, x1, bot);
    /* lines, then the points on top */
    kpi_lines(b, k, 1, xs, bot, iv);
    kpi_lines(b, k, 0, xs, bot, iv);
    /* points: on every bucket when the slots are wide enough for the
     * markers, else only where a value has no line through it */
    const int all_points = slot_w >= 14;
    for (size_t i = 0; i < nb; i++) {
        int ner = g[i].ner >= 0 && (all_points || !in_run(k, 1, i, iv));
        int asr = g[i].asr >= 0 && (all_points || !in_run(k, 0, i, iv));
        if (!ner && !asr)
            continue;
        buf_reset(&tip);
        bucket_tip(&tip, &g[i], iv);
        group_begin(b, "point", tip.p);
        if (ner)
            rect(b, CS_NER_PT, xs[i] - 4.5, bot - g[i].ner * PLOT_H - 4.5, 9, 9, 0);
        if (asr)
            circle(b, CS_ASR_PT, xs[i], bot - g[i].asr * PLOT_H, 3.5);
        group_end(b);
    }
    buf_free(&tip);

    /* time ticks */
    double last_right = -1e9;
    if (!packed) {
        /* at bucket boundaries, every kmul buckets, aligned on multiples of kmul x interval */
        const char *fmt = tick_format(first, end, iv);
        utc(t, sizeof t, end, fmt);
        uint64_t kmul = tick_every(slot_w, chart_text_width(CF_SMALL, t));
        const int64_t tstep = iv * (int64_t)kmul;
        fmt = tick_format(first, end, tstep);
        int64_t tt = first / tstep * tstep;
        if (tt < first)
            tt += tstep;
        for (; tt <= end; tt += tstep) {
            double x = x0 + (double)(tt - first) / (double)iv * slot_w;
            line(b, CS_AXIS, x, bot, x, bot + 4);
            utc(t, sizeof t, tt, fmt);
            double tw = chart_text_width(CF_SMALL, t);
            if (x - tw / 2 < M || x + tw / 2 > CHART_W - M || x - tw / 2 < last_right + 6)
                continue;
            text(b, CS_TICK, px(x), bot + 16, CA_MIDDLE, t);
            last_right = x + tw / 2;
        }
    } else {
        /* under every kmul-th bucket, its start */
        const char *fmt = tick_format(first, end, iv);
        utc(t, sizeof t, last, fmt);
        uint64_t kmul = tick_every(slot_w, chart_text_width(CF_SMALL, t));
        for (size_t i = 0; i < nb; i += kmul) {
            line(b, CS_AXIS, xs[i], bot, xs[i], bot + 4);
            utc(t, sizeof t, g[i].bucket, fmt);
            double tw = chart_text_width(CF_SMALL, t);
            if (xs[i] - tw / 2 < M || xs[i] + tw / 2 > CHART_W - M || xs[i] - tw / 2 < last_right + 6)
                continue;
            text(b, CS_TICK, px(xs[i]), bot + 16, CA_MIDDLE, t);
            last_right = xs[i] + tw / 2;
        }
    }
    free(xs);
    utc(u, sizeof u, first, "%Y-%m-%d");
    utc(w, sizeof w, end - 1, "%Y-%m-%d");
    char iv_s[32];
    interval_str(iv_s, sizeof iv_s, iv);
    if (packed)
        snprintf(t, sizeof t, "UTC, %s " DASH " %s; the %zu non-empty %s buckets side by side (dotted: a gap)", u, w,
                 nb, iv_s);
    else if (strcmp(u, w) == 0)
        snprintf(t, sizeof t, "UTC, %s; bucket start times", u);
    else
        snprintf(t, sizeof t, "UTC, %s " DASH " %s; bucket start times", u, w);
    text(b, CS_TICK, x0 + pw / 2, bot + 33, CA_MIDDLE, t);
    b->C->nbuckets = nb;
    return bot + 40;
}

/* ---- build ------------------------------------------------------------------- */

void chart_build(struct chart *C, const struct kpi_report *k, const struct chart_opts *o)
{
    memset(C, 0, sizeof(*C));
    if (o)
        C->opts = *o;
    C->opts.files = NULL; /* not kept */
    C->width = CHART_W;
    struct bld B = {C, CSEC_HEAD, -1}, *b = &B;
    rect(b, CS_BG, 0, 0, CHART_W, 0, 0); /* height set at the end */
    double y = head_block(b, k, o ? o->files : NULL, o ? o->nfiles : 0);
    const struct kpi_group *g = &k->overall;
    if (!k->attempts) {
        b->section = CSEC_EMPTY;
        y += 8;
        rect(b, CS_CARD, M, y, CHART_W - 2 * M, 150, 6);
        text(b, CS_EMPTY, CHART_W / 2, y + 70, CA_MIDDLE, "no INVITE attempts");
        char t1[32], t2[32], s[200];
        if (k->calls_without_invite)
            snprintf(s, sizeof s, "not counted: %s call%s without an INVITE (REGISTER, OPTIONS, ...), %s without the "
                     "initial INVITE", count_str(t1, sizeof t1, k->non_invite_calls), k->non_invite_calls == 1 ? "" : "s",
                     count_str(t2, sizeof t2, k->calls_without_invite));
        else
            snprintf(s, sizeof s, "not counted: %s call%s without an INVITE (REGISTER, OPTIONS, ...)",
                     count_str(t1, sizeof t1, k->non_invite_calls), k->non_invite_calls == 1 ? "" : "s");
        text(b, CS_EMPTY_NOTE, CHART_W / 2, y + 94, CA_MIDDLE, s);
        y += 150;
    } else {
        y = cards(b, k, y + 6);
        y = bar_panels(b, k, y + PANEL_GAP);
        y = time_panel(b, k, y + PANEL_GAP);
    }
    b->section = CSEC_HEAD;
    y += 10;
    line(b, CS_GRID, M, y, CHART_W - M, y);
    text_fit(b, CS_NOTE, M, y + 16, CA_START,
             "ASR = answered / completed (ITU-T E.411)" DOT "NER = (answered + busy + no answer + rejected) / "
             "completed (E.425)" DOT "ACD = mean(BYE " DASH " 2xx)" DOT "PDD = 18x/2xx " DASH " INVITE",
             CHART_W - 2 * M);
    text_fit(b, CS_NOTE, M, y + 31, CA_START,
             "Q.850 cause: from a Reason header, else mapped from the final SIP status (Cisco UCM Table 1-26, RFC 3398), "
             "else implied" DOT "doc/kpi.md",
             CHART_W - 2 * M);
    C->height = ceil(y + 44);
    C->items[0].h = C->height;

    char t1[32], t2[32], t3[32], t4[32], t5[32];
    struct buf t = {0};
    buf_printf(&t, "SIP release causes and KPIs: %llu INVITE attempt%s", (unsigned long long)k->attempts,
               k->attempts == 1 ? "" : "s");
    if (k->attempts) {
        buf_printf(&t, ", ASR %s, NER %s", pct(t1, sizeof t1, g->asr), pct(t2, sizeof t2, g->ner));
        buf_printf(&t, ", ACD %s", g->duration.n ? dur_str(t3, sizeof t3, g->duration.mean) : DASH);
        if (g->pdd.n)
            buf_printf(&t, ", PDD p50 %s, p95 %s", dur_str(t4, sizeof t4, g->pdd.p50), dur_str(t5, sizeof t5, g->pdd.p95));
    }
    C->title = t.p;
}

void chart_free(struct chart *C)
{
    for (size_t i = 0; i < C->nitems; i++) {
        free(C->items[i].s);
        free(C->items[i].pts);
    }
    for (size_t i = 0; i < C->ngroups; i++) {
        free(C->groups[i].cls);
        free(C->groups[i].tip);
    }
    free(C->items);
    free(C->groups);
    free(C->title);
    memset(C, 0, sizeof(*C));
}

/* ---- SVG --------------------------------------------------------------------- */

#define X(s) BAD_CAST(s)

struct sw {
    xmlTextWriterPtr w;
    int err;
};

static void chk(struct sw *s, int rc)
{
    if (rc < 0)
        s->err = 1;
}

static void el_start(struct sw *s, const char *el)
{
    chk(s, xmlTextWriterStartElement(s->w, X(el)));
}

static void el_end(struct sw *s)
{
    chk(s, xmlTextWriterEndElement(s->w));
}

static void attr(struct sw *s, const char *name, const char *v)
{
    chk(s, xmlTextWriterWriteAttribute(s->w, X(name), X(v)));
}

static void attr_num(struct sw *s, const char *name, double v)
{
    char b[48];
    fmt_num(b, sizeof b, v);
    attr(s, name, b);
}

static void el_text(struct sw *s, const char *t)
{
    chk(s, xmlTextWriterWriteString(s->w, X(t)));
}

static void css(struct buf *b, int theme)
{
    const char *k = "#chart";
    buf_printf(b, "\n%s text{font-family:%s;white-space:pre}\n", k, lay_font_css_sans);
    for (int st = 0; st < CS__COUNT; st++) {
        struct paint p = style_paint(theme, st);
        buf_printf(b, "%s .%s{", k, styles[st].cls);
        int f = styles[st].font;
        if (f >= 0) {
            buf_printf(b, "font-size:%s;", fonts[f].css_size);
            if (fonts[f].bold)
                buf_puts(b, "font-weight:bold;");
        }
        buf_printf(b, "fill:%s", p.fill ? p.fill : "none");
        if (p.stroke)
            buf_printf(b, ";stroke:%s;stroke-width:%g", p.stroke, p.sw);
        if (p.dash)
            buf_puts(b, p.dash == 1 ? ";stroke-dasharray:6 3" : ";stroke-dasharray:2 3");
        if (st == CS_ASR_LINE || st == CS_NER_LINE)
            buf_puts(b, ";stroke-linejoin:round;stroke-linecap:round");
        buf_puts(b, "}\n");
    }
    buf_printf(b, "%s g.bar:hover rect,%s g.bucket:hover rect{opacity:.8}\n", k, k);
}

static const char *const section_cls[CSEC__COUNT] = {"headline", "causes", "status", "time", "empty"};

static void svg_item(struct sw *s, const struct chart_item *it)
{
    const char *cls = styles[it->style].cls;
    switch (it->kind) {
    case CI_RECT:
        el_start(s, "rect");
        attr(s, "class", cls);
        attr_num(s, "x", it->x);
        attr_num(s, "y", it->y);
        attr_num(s, "width", it->w);
        attr_num(s, "height", it->h);
        if (it->r > 0)
            attr_num(s, "rx", it->r);
        el_end(s);
        break;
    case CI_LINE:
        el_start(s, "line");
        attr(s, "class", cls);
        attr_num(s, "x1", it->x);
        attr_num(s, "y1", it->y);
        attr_num(s, "x2", it->w);
        attr_num(s, "y2", it->h);
        el_end(s);
        break;
    case CI_POLYLINE: {
        struct buf d = {0};
        char a[32], c[32];
        for (size_t i = 0; i < it->npts; i++) {
            fmt_num(a, sizeof a, it->pts[2 * i]);
            fmt_num(c, sizeof c, it->pts[2 * i + 1]);
            buf_printf(&d, "%s%s,%s", i ? " " : "", a, c);
        }
        el_start(s, "polyline");
        attr(s, "class", cls);
        attr(s, "points", d.p ? d.p : "");
        el_end(s);
        buf_free(&d);
        break;
    }
    case CI_CIRCLE:
        el_start(s, "circle");
        attr(s, "class", cls);
        attr_num(s, "cx", it->x);
        attr_num(s, "cy", it->y);
        attr_num(s, "r", it->r);
        el_end(s);
        break;
    case CI_TEXT:
        el_start(s, "text");
        attr(s, "class", cls);
        attr_num(s, "x", it->x);
        attr_num(s, "y", it->y);
        if (it->anchor == CA_MIDDLE)
            attr(s, "text-anchor", "middle");
        else if (it->anchor == CA_END)
            attr(s, "text-anchor", "end");
        el_text(s, it->s);
        el_end(s);
        break;
    default:
        break;
    }
}

static int svg_emit_chart(xmlTextWriterPtr w, const struct chart *C)
{
    struct sw S = {w, 0}, *s = &S;
    const int theme = C->opts.theme;
    el_start(s, "svg");
    attr(s, "xmlns", "http://www.w3.org/2000/svg");
    attr_num(s, "width", C->width);
    attr_num(s, "height", C->height);
    char vb[96], a[32], b[32];
    fmt_num(a, sizeof a, C->width);
    fmt_num(b, sizeof b, C->height);
    snprintf(vb, sizeof vb, "0 0 %s %s", a, b);
    attr(s, "viewBox", vb);
    attr(s, "id", "chart");
    attr(s, "class", theme == THEME_PRINT ? "sipladder-chart theme-print" : "sipladder-chart theme-light");
    attr(s, "role", "img");
    attr(s, "xml:space", "preserve");
    el_start(s, "title");
    el_text(s, C->title ? C->title : "");
    el_end(s);
    struct buf c = {0};
    css(&c, theme);
    el_start(s, "style");
    attr(s, "type", "text/css");
    el_text(s, c.p);
    el_end(s);
    buf_free(&c);

    int sec = -1;
    int32_t grp = -1;
    for (size_t i = 0; i < C->nitems && !s->err; i++) {
        const struct chart_item *it = &C->items[i];
        if (i == 0 && it->style == CS_BG) { /* the background, outside every section */
            svg_item(s, it);
            continue;
        }
        if (it->section != sec || it->group != grp) {
            if (grp >= 0)
                el_end(s);
            if (it->section != sec) {
                if (sec >= 0)
                    el_end(s);
                sec = it->section;
                el_start(s, "g");
                attr(s, "class", section_cls[sec]);
            }
            grp = it->group;
            if (grp >= 0) {
                const struct chart_group *g = &C->groups[grp];
                el_start(s, "g");
                attr(s, "class", g->cls);
                el_start(s, "title");
                el_text(s, g->tip ? g->tip : "");
                el_end(s);
            }
        }
        svg_item(s, it);
    }
    if (grp >= 0)
        el_end(s);
    if (sec >= 0)
        el_end(s);
    el_end(s); /* svg */
    return s->err ? -1 : 0;
}

int chart_svg_write(struct buf *out, const struct chart *C)
{
    xmlBufferPtr xb = xmlBufferCreate();
    if (!xb)
        return -1;
    xmlTextWriterPtr w = xmlNewTextWriterMemory(xb, 0);
    if (!w) {
        xmlBufferFree(xb);
        return -1;
    }
    int rc = 0;
    if (xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0)
        rc = -1;
    if (rc == 0)
        rc = svg_emit_chart(w, C);
    if (rc == 0 && xmlTextWriterEndDocument(w) < 0)
        rc = -1;
    xmlFreeTextWriter(w); /* flushes into xb */
    if (rc == 0)
        buf_put(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
    xmlBufferFree(xb);
    return rc;
}

/* ---- PNG (cairo) ------------------------------------------------------------- */

static void set_hex(cairo_t *cr, const char *s)
{
    unsigned v = (unsigned)strtoul(s + 1, NULL, 16);
    cairo_set_source_rgb(cr, ((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0);
}

static void rounded(cairo_t *cr, double x, double y, double w, double h, double r)
{
    if (r > w / 2)
        r = w / 2;
    if (r > h / 2)
        r = h / 2;
    if (r <= 0) {
        cairo_rectangle(cr, x, y, w, h);
        return;
    }
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
}

/* Fill and stroke the current path with a style's paint (SVG: stroke centred on the outline too). */
static void paint_path(cairo_t *cr, const struct paint *p)
{
    if (p->fill) {
        set_hex(cr, p->fill);
        if (p->stroke)
            cairo_fill_preserve(cr);
        else
            cairo_fill(cr);
    }
    if (p->stroke) {
        set_hex(cr, p->stroke);
        cairo_set_line_width(cr, p->sw);
        if (p->dash) {
            double d[] = {p->dash == 1 ? 6 : 2, 3};
            cairo_set_dash(cr, d, 2, 0);
        }
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    cairo_new_path(cr);
}

static void draw_chart(cairo_t *cr, const struct chart *C)
{
    for (size_t i = 0; i < C->nitems; i++) {
        const struct chart_item *it = &C->items[i];
        struct paint p = style_paint(C->opts.theme, it->style);
        switch (it->kind) {
        case CI_RECT:
            rounded(cr, it->x, it->y, it->w, it->h, it->r);
            paint_path(cr, &p);
            break;
        case CI_LINE:
            p.fill = NULL;
            cairo_move_to(cr, it->x, it->y);
            cairo_line_to(cr, it->w, it->h);
            paint_path(cr, &p);
            break;
        case CI_POLYLINE:
            p.fill = NULL;
            cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
            cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
            for (size_t k = 0; k < it->npts; k++)
                (k ? cairo_line_to : cairo_move_to)(cr, it->pts[2 * k], it->pts[2 * k + 1]);
            paint_path(cr, &p);
            cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
            cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
            break;
        case CI_CIRCLE:
            cairo_new_sub_path(cr);
            cairo_arc(cr, it->x, it->y, it->r, 0, 2 * M_PI);
            paint_path(cr, &p);
            break;
        case CI_TEXT: {
            int f = styles[it->style].font;
            if (f < 0 || !p.fill)
                break;
            cairo_set_scaled_font(cr, font_get((enum chart_font)f));
            double x = it->x;
            if (it->anchor == CA_MIDDLE)
                x -= it->w / 2;
            else if (it->anchor == CA_END)
                x -= it->w;
            set_hex(cr, p.fill);
            cairo_move_to(cr, x, it->y);
            cairo_show_text(cr, it->s);
            cairo_new_path(cr);
            break;
        }
        default:
            break;
        }
    }
}

static cairo_status_t write_file(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, (FILE *)closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int chart_png_write(FILE *f, const struct chart *C, double scale)
{
    if (!(scale > 0))
        scale = 1;
    double big = (C->width > C->height ? C->width : C->height) * scale;
    if (big > PNG_MAX_SIDE) {
        double s2 = floor(PNG_MAX_SIDE / (C->width > C->height ? C->width : C->height) * 100) / 100;
        fprintf(stderr, "sipladder: PNG of %.0fx%.0f px at scale %g is over cairo's %d px limit: scale %g used\n",
                C->width * scale, C->height * scale, scale, (int)PNG_MAX_SIDE, s2);
        scale = s2;
    }
    int w = (int)ceil(C->width * scale), h = (int)ceil(C->height * scale);
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w < 1 ? 1 : w, h < 1 ? 1 : h);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(sf);
        return -1;
    }
    cairo_t *cr = cairo_create(sf);
    cairo_font_options_t *o = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(o, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(o, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_antialias(o, CAIRO_ANTIALIAS_GRAY);
    cairo_set_font_options(cr, o);
    cairo_font_options_destroy(o);
    set_hex(cr, style_paint(C->opts.theme, CS_BG).fill);
    cairo_paint(cr);
    cairo_scale(cr, scale, scale);
    draw_chart(cr, C);
    cairo_destroy(cr);
    cairo_surface_flush(sf);
    cairo_status_t st = cairo_surface_write_to_png_stream(sf, write_file, f);
    cairo_surface_destroy(sf);
    return st == CAIRO_STATUS_SUCCESS ? 0 : -1;
}
