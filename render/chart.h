/*
 * chart.h - the charts of `sipladder report --format svg|png`: a chart
 * model computed once from a struct kpi_report (src/kpi.h), drawn to SVG
 * (libxml2's xmlTextWriter: real <text>, CSS classes, <title> tooltips)
 * and to PNG (cairo) from the same geometry, as the ladders are drawn
 * from render/layout.h.
 *
 * One image, top to bottom:
 *   - a title block: the headline (attempts, time range, inputs) and KPI
 *     cards (attempts, ASR, NER, ACD, PDD p50, PDD p95);
 *   - "Q.850 release causes": one horizontal bar per cause (count of
 *     completed attempts), coloured by outcome class (chart_cause_class);
 *   - "Final SIP status": one bar per final status code, coloured by class
 *     (2xx .. 6xx, no final response), on the same count scale;
 *   - "KPIs over time": attempts per --interval bucket as bars on the
 *     right axis, ASR and NER per bucket as lines with points on the left
 *     axis (0-100 %), a UTC time axis.
 * With no INVITE attempt the chart still renders, saying so.
 *
 * Coordinates are CSS pixels (SVG user units), origin top left, y down,
 * rounded to 0.5.  Text is measured with cairo (DejaVu Sans through
 * fontconfig, hint metrics off, as render/layout.c does), so labels fit
 * where they are put; a label wider than its column is cut with "…" and
 * its full text is in the tooltip of its group.  Every string in the
 * model is clean UTF-8 without control characters (text_clean); the SVG
 * writer still escapes it.
 *
 * Ownership: chart_build() allocates everything; chart_free() releases it.
 * The model does not point into the report: the report may be freed first.
 */
#ifndef SIPLADDER_RENDER_CHART_H
#define SIPLADDER_RENDER_CHART_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "src/base/buf.h"
#include "src/kpi.h"

/* Outcome classes of Q.850 causes, for the bar colours (doc/kpi.md "Charts"). */
enum chart_cause_class {
    CC_NORMAL,      /* 16, 26, 31 */
    CC_BUSY,        /* busy / no answer: 17, 18, 19 */
    CC_REJECTED,    /* 20, 21, 24 */
    CC_ADDRESS,     /* address / routing: 1-5, 14, 22, 23, 25, 28 */
    CC_NETWORK,     /* network failure: 27, 33-47 (resource unavailable), 102 */
    CC_SERVICE,     /* service / protocol: every other value 1..127 */
    CC_NONE,        /* no cause (0) */
    CC__COUNT
};

enum chart_cause_class chart_cause_class(unsigned cause);
const char *chart_cause_class_name(enum chart_cause_class c);

/* Fonts (DejaVu Sans; the SVG names the same family with fallbacks). */
enum chart_font { CF_TITLE, CF_SUB, CF_HEAD, CF_LABEL, CF_CODE, CF_SMALL, CF_KPI_LABEL, CF_KPI_VALUE, CF_EMPTY,
                  CF__COUNT };

/* Styles: one CSS class each; the colours come from the theme. */
enum chart_style {
    CS_BG, CS_STRIPE, CS_CARD, CS_GRID, CS_AXIS, CS_TICK, CS_TITLE, CS_SUB, CS_HEAD, CS_LEGEND, CS_CODE, CS_LABEL,
    CS_VALUE, CS_KPI_LABEL, CS_KPI_VALUE, CS_KPI_NOTE, CS_EMPTY, CS_EMPTY_NOTE, CS_NOTE, CS_GAP,
    CS_CAUSE0,                          /* + enum chart_cause_class */
    CS_STATUS0 = CS_CAUSE0 + CC__COUNT, /* + 0..5: 2xx, 3xx, 4xx, 5xx, 6xx, no final response */
    CS_ATTEMPTS = CS_STATUS0 + 6, CS_ASR_LINE, CS_NER_LINE, CS_ASR_PT, CS_NER_PT,
    CS__COUNT
};

enum chart_item_kind { CI_RECT, CI_LINE, CI_POLYLINE, CI_CIRCLE, CI_TEXT };
enum chart_anchor { CA_START = 0, CA_MIDDLE, CA_END };
/* Sections: an SVG <g class="..."> each. */
enum chart_section { CSEC_HEAD, CSEC_CAUSES, CSEC_STATUS, CSEC_TIME, CSEC_EMPTY, CSEC__COUNT };

struct chart_item {
    uint8_t kind;     /* enum chart_item_kind */
    uint8_t style;    /* enum chart_style */
    uint8_t anchor;   /* texts: enum chart_anchor */
    uint8_t section;  /* enum chart_section */
    int32_t group;    /* index in chart.groups, or -1; a group's items are contiguous */
    double x, y;      /* rect/circle: top left / centre; line: start; text: anchor on the baseline */
    double w, h;      /* rect: size; line: the end point (x2, y2); text: measured width, font size */
    double r;         /* circle radius; rect corner radius */
    double *pts;      /* polyline: x0 y0 x1 y1 ... */
    size_t npts;      /* points (pairs) */
    char *s;          /* text (clean UTF-8) */
};

/* A tooltip group: SVG <g class="cls"><title>tip</title>...</g>. */
struct chart_group {
    char *cls;
    char *tip;
};

struct chart_opts {
    int theme;                /* enum lay_theme (render/layout.h) */
    const char *const *files; /* input names for the headline (raw bytes; cleaned), may be NULL */
    size_t nfiles;
};

struct chart {
    struct chart_opts opts;
    double width, height;
    char *title;              /* one line for the SVG <title> / PNG metadata */
    struct chart_item *items;
    size_t nitems, cap_items;
    struct chart_group *groups;
    size_t ngroups, cap_groups;
    /* what was drawn (for the tests) */
    size_t ncause_bars, nstatus_bars, nbuckets;
};

void chart_build(struct chart *C, const struct kpi_report *k, const struct chart_opts *o);
void chart_free(struct chart *C);

/* SVG document into b.  Returns 0 or -1. */
int chart_svg_write(struct buf *b, const struct chart *C);
/* PNG to f; scale 1 = one pixel per unit (96 dpi).  Returns 0 or -1. */
int chart_png_write(FILE *f, const struct chart *C, double scale);

/* Width of clean UTF-8 text in a chart font (cairo metrics). */
double chart_text_width(enum chart_font f, const char *s);

#endif
