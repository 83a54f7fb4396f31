/*
 * cairo.c - PNG and PDF from the layout, drawn with cairo.
 *
 * draw() paints the same elements as svg.c, with the same palette, at
 * the layout's coordinates, limited to a band of y (so a PDF page does not
 * carry the whole ladder clipped away).
 *
 * PNG: one image; --scale/--dpi multiply the layout (1 unit = 1 px at
 * scale 1 = 96 dpi).  cairo images are limited to 32767 px a side: a
 * larger request is scaled down to fit, with a warning.
 *
 * PDF: 1 layout unit = 1 pt.  A ladder taller than a page (the larger of
 * A4's height and the diagram's width x 1.414, at most 14400 pt, the PDF
 * page limit) is split into several pages
 * at row boundaries; every page repeats the title and the lane headers
 * and carries "page N/M".  Several calls go into one document, each
 * starting on a new page.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render/layout.h"
#include "render/render.h"
#include "src/base/util.h"

#define PNG_MAX_SIDE 32767.0
#define PDF_MIN_PAGE_H 842.0
#define PDF_MAX_PAGE_H 14400.0 /* 200 in: the largest page PDF readers promise to show */

struct rgb {
    double r, g, b;
};

static struct rgb hex(const char *s)
{
    unsigned v = (unsigned)strtoul(s + 1, NULL, 16);
    return (struct rgb){((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0};
}

static void set_col(cairo_t *cr, const char *c, double alpha)
{
    struct rgb x = hex(c);
    if (alpha >= 1.0)
        cairo_set_source_rgb(cr, x.r, x.g, x.b);
    else
        cairo_set_source_rgba(cr, x.r, x.g, x.b, alpha);
}

static void use_font(cairo_t *cr, enum lay_font f, int italic)
{
    const char *fam;
    double size;
    int bold;
    lay_font_spec(f, &fam, &size, &bold);
    cairo_select_font_face(cr, fam, italic ? CAIRO_FONT_SLANT_ITALIC : CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static void rounded(cairo_t *cr, double x, double y, double w, double h, double r)
{
    if (r > w / 2)
        r = w / 2;
    if (r > h / 2)
        r = h / 2;
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
}

static int in_band(double y0, double y1, double lo, double hi)
{
    return y1 >= lo && y0 <= hi;
}

static void draw_text(cairo_t *cr, const struct layout *Y, const struct lay_text *t, const struct lay_palette *p)
{
    const char *col = p->note;
    int italic = 0;
    double alpha = 1.0;
    uint8_t kind = t->row >= 0 ? Y->rows[t->row].kind : 0;
    int rtx = t->row >= 0 && Y->rows[t->row].retrans;
    enum lay_font f = (enum lay_font)t->font;
    switch (t->role) {
    case LR_TITLE: col = p->title; break;
    case LR_SUBTITLE:
    case LR_COLHEAD: col = p->sub; break;
    case LR_LANE_NAME: col = p->head_text; break;
    case LR_LANE_ADDR: col = p->addr; break;
    case LR_LABEL: col = p->kind[kind]; break;
    case LR_RTX: col = p->note; italic = 1; break;
    case LR_REASON: col = p->reason; italic = 1; break;
    case LR_TIME:
    case LR_DELTA:
    case LR_TAG: col = p->time; break;
    case LR_MEDIA:
    case LR_MEDIA_DETAIL: col = p->media_text; break;
    default: break;
    }
    if (rtx && t->role != LR_TIME && t->role != LR_DELTA && t->role != LR_TAG)
        alpha = 0.55;
    use_font(cr, f, italic);
    set_col(cr, col, alpha);
    cairo_move_to(cr, t->box.x, t->y);
    cairo_show_text(cr, t->s);
}

static void draw_arrow(cairo_t *cr, const struct lay_row *r, const struct lay_palette *p)
{
    const double H = LAY_ARROW_HEAD, hw = 4.0;
    double alpha = r->retrans ? 0.55 : 1.0;
    set_col(cr, p->kind[r->kind], alpha);
    cairo_set_line_width(cr, 1.4);
    if (r->retrans) {
        double dash[] = {5, 3};
        cairo_set_dash(cr, dash, 2, 0);
    }
    if (r->self) {
        double x0 = r->x0, xr = r->x1, y0 = r->ay, y1 = r->ay + r->loop_h;
        cairo_move_to(cr, x0, y0);
        cairo_line_to(cr, xr - 5, y0);
        cairo_curve_to(cr, xr - 2, y0, xr, y0 + 2, xr, y0 + 5);
        cairo_line_to(cr, xr, y1 - 5);
        cairo_curve_to(cr, xr, y1 - 2, xr - 2, y1, xr - 5, y1);
        cairo_line_to(cr, x0 + H, y1);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_move_to(cr, x0, y1);
        cairo_line_to(cr, x0 + H, y1 - hw);
        cairo_line_to(cr, x0 + H, y1 + hw);
        cairo_close_path(cr);
        cairo_fill(cr);
        return;
    }
    double dir = r->x1 > r->x0 ? 1.0 : -1.0;
    double tip = r->x1 - dir * 0.5;
    cairo_move_to(cr, r->x0, r->ay);
    cairo_line_to(cr, tip - dir * (H - 1), r->ay);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_move_to(cr, tip, r->ay);
    cairo_line_to(cr, tip - dir * H, r->ay - hw);
    cairo_line_to(cr, tip - dir * H, r->ay + hw);
    cairo_close_path(cr);
    cairo_fill(cr);
}

/* Paint everything of the diagram that meets the band [lo, hi] of y. */
static void draw(cairo_t *cr, const struct diagram *d, double lo, double hi)
{
    const struct layout *Y = d->Y;
    const struct lay_palette *p = lay_palette(Y->opts.theme);
    set_col(cr, p->bg, 1);
    cairo_rectangle(cr, 0, lo, Y->width, hi - lo);
    cairo_fill(cr);
    set_col(cr, p->row_alt, 1);
    for (size_t i = 1; i < Y->nrows; i += 2)
        if (in_band(Y->rows[i].y0, Y->rows[i].y1, lo, hi))
            cairo_rectangle(cr, 0, Y->rows[i].y0, Y->width, Y->rows[i].y1 - Y->rows[i].y0);
    cairo_fill(cr);
    set_col(cr, p->strip_fill, 1);
    for (size_t i = 0; i < Y->nstrips; i++)
        cairo_rectangle(cr, 0, Y->strips[i].y0, Y->width, Y->strips[i].y1 - Y->strips[i].y0);
    cairo_fill(cr);
    /* lane lines */
    set_col(cr, p->lane, 1);
    cairo_set_line_width(cr, 1);
    for (size_t i = 0; i < Y->nlanes; i++) {
        double y = Y->lane_line_top;
        for (size_t k = 0; k <= Y->nstrips; k++) {
            double y2 = k < Y->nstrips ? Y->strips[k].y0 : Y->lane_line_bottom;
            if (y2 > y && in_band(y, y2, lo, hi)) {
                cairo_move_to(cr, Y->lanes[i].x, y > lo - 2 ? y : lo - 2);
                cairo_line_to(cr, Y->lanes[i].x, y2 < hi + 2 ? y2 : hi + 2);
            }
            if (k < Y->nstrips)
                y = Y->strips[k].y1;
        }
    }
    cairo_stroke(cr);
    /* header boxes */
    for (int foot = 0; foot < 2; foot++)
        for (size_t i = 0; i < Y->nlanes; i++) {
            const struct lay_box *b = foot ? &Y->lanes[i].foot : &Y->lanes[i].head;
            if (b->w <= 0 || !in_band(b->y, b->y + b->h, lo, hi))
                continue;
            rounded(cr, b->x + 0.5, b->y + 0.5, b->w - 1, b->h - 1, 5);
            set_col(cr, p->head_fill, 1);
            cairo_fill_preserve(cr);
            set_col(cr, p->head_stroke, 1);
            cairo_set_line_width(cr, 1);
            cairo_stroke(cr);
        }
    /* arrows and label backings */
    for (size_t i = 0; i < Y->nrows; i++) {
        const struct lay_row *r = &Y->rows[i];
        if (!in_band(r->y0, r->y1, lo, hi))
            continue;
        draw_arrow(cr, r, p);
        if (r->label_bg) {
            set_col(cr, i % 2 ? p->row_alt : p->bg, 1);
            for (size_t k = r->label >= 0 ? (size_t)r->label : Y->ntexts; k < Y->ntexts && Y->texts[k].row == (int32_t)i;
                 k++) {
                const struct lay_text *t = &Y->texts[k];
                if (t->role == LR_TIME || t->role == LR_DELTA || t->role == LR_TAG)
                    continue;
                int lab = t->role == LR_LABEL || t->role == LR_RTX;
                rounded(cr, t->box.x - 3, t->box.y - (lab ? 1 : 0), t->box.w + 6, t->box.h + (lab ? 2 : 0), 2);
                cairo_fill(cr);
            }
        }
    }
    /* media spans */
    for (size_t i = 0; i < Y->nmedia; i++) {
        const struct lay_media *m = &Y->media[i];
        if (!in_band(m->y0 - 2, m->y1 + 30, lo, hi))
            continue;
        const struct media_span *ms = &d->L->media[m->span];
        uint32_t hl = ms->lane_a > ms->lane_b ? ms->lane_a : ms->lane_b;
        set_col(cr, p->media_stroke, 1);
        cairo_set_line_width(cr, 1);
        double dash[] = {1, 3};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, Y->lanes[hl].x + 4, m->y0);
        cairo_line_to(cr, m->x, m->y0);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        rounded(cr, m->x + 0.5, m->y0, LAY_MEDIA_BAR - 1, m->y1 - m->y0, 3);
        set_col(cr, p->media_fill, 1);
        cairo_fill_preserve(cr);
        set_col(cr, p->media_stroke, 1);
        cairo_stroke(cr);
    }
    /* text */
    for (size_t i = 0; i < Y->ntexts; i++) {
        const struct lay_text *t = &Y->texts[i];
        if (in_band(t->box.y, t->box.y + t->box.h, lo, hi))
            draw_text(cr, Y, t, p);
    }
}

static void set_font_options(cairo_t *cr)
{
    cairo_font_options_t *o = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(o, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(o, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_antialias(o, CAIRO_ANTIALIAS_GRAY);
    cairo_set_font_options(cr, o);
    cairo_font_options_destroy(o);
}

static cairo_status_t write_file(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, (FILE *)closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int png_write(FILE *f, const struct diagram *d, double scale)
{
    const struct layout *Y = d->Y;
    double big = (Y->width > Y->height ? Y->width : Y->height) * scale;
    if (big > PNG_MAX_SIDE) {
        double s2 = floor(PNG_MAX_SIDE / (Y->width > Y->height ? Y->width : Y->height) * 100) / 100;
        fprintf(stderr, "sipladder: PNG of %.0fx%.0f px at scale %g is over cairo's %d px limit: scale %g used\n",
                Y->width * scale, Y->height * scale, scale, (int)PNG_MAX_SIDE, s2);
        scale = s2;
    }
    int w = (int)ceil(Y->width * scale), h = (int)ceil(Y->height * scale);
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w < 1 ? 1 : w, h < 1 ? 1 : h);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(sf);
        return -1;
    }
    cairo_t *cr = cairo_create(sf);
    set_font_options(cr);
    set_col(cr, lay_palette(Y->opts.theme)->bg, 1);
    cairo_paint(cr);
    cairo_scale(cr, scale, scale);
    draw(cr, d, 0, Y->height);
    cairo_destroy(cr);
    cairo_surface_flush(sf);
    cairo_status_t st = cairo_surface_write_to_png_stream(sf, write_file, f);
    cairo_surface_destroy(sf);
    return st == CAIRO_STATUS_SUCCESS ? 0 : -1;
}

/* Page breaks: first row of each page; returns the number of pages. */
static size_t paginate(const struct layout *Y, double page_h, size_t **first)
{
    size_t n = 0, cap = 0;
    *first = NULL;
    double body_room = page_h - Y->body_top - 16;
    size_t k = 0;
    do {
        *first = xgrow(*first, &cap, n + 1, sizeof(**first));
        (*first)[n++] = k;
        double start = k < Y->nrows ? Y->rows[k].y0 : Y->body_top;
        size_t j = k;
        while (j < Y->nrows && (Y->rows[j].y1 - start <= body_room || j == k))
            j++;
        k = j;
    } while (k < Y->nrows);
    return n;
}

int pdf_write(FILE *f, const struct diagram *const *ds, size_t nd)
{
    if (!nd)
        return 0;
    cairo_surface_t *sf = cairo_pdf_surface_create_for_stream(write_file, f, ds[0]->Y->width, 100);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(sf);
        return -1;
    }
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "sipladder");
    if (nd == 1 && ds[0]->title)
        cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, ds[0]->title);
    for (size_t di = 0; di < nd; di++) {
        const struct diagram *d = ds[di];
        const struct layout *Y = d->Y;
        double page_h = Y->width * 1.4142;
        if (page_h < PDF_MIN_PAGE_H)
            page_h = PDF_MIN_PAGE_H;
        if (page_h > PDF_MAX_PAGE_H)
            page_h = PDF_MAX_PAGE_H;
        size_t *first = NULL;
        size_t np = Y->height <= page_h ? 1 : paginate(Y, page_h, &first);
        if (np == 1) {
            cairo_pdf_surface_set_size(sf, Y->width, Y->height);
            cairo_t *cr = cairo_create(sf);
            set_font_options(cr);
            draw(cr, d, 0, Y->height);
            cairo_show_page(cr);
            cairo_destroy(cr);
            free(first);
            continue;
        }
        for (size_t pg = 0; pg < np; pg++) {
            size_t r0 = first[pg], r1 = pg + 1 < np ? first[pg + 1] : Y->nrows;
            double s0 = Y->rows[r0].y0;
            double s1 = pg + 1 < np ? Y->rows[r1 - 1].y1 : Y->height - 16;
            double ph = Y->body_top + (s1 - s0) + 16;
            cairo_pdf_surface_set_size(sf, Y->width, ph);
            cairo_t *cr = cairo_create(sf);
            set_font_options(cr);
            /* the title and lane headers */
            cairo_save(cr);
            cairo_rectangle(cr, 0, 0, Y->width, Y->body_top);
            cairo_clip(cr);
            draw(cr, d, 0, Y->body_top);
            cairo_restore(cr);
            /* this page's rows */
            cairo_save(cr);
            cairo_rectangle(cr, 0, Y->body_top, Y->width, ph - Y->body_top);
            cairo_clip(cr);
            cairo_translate(cr, 0, Y->body_top - s0);
            draw(cr, d, s0 - 2, s0 + (ph - Y->body_top));
            cairo_restore(cr);
            /* page number */
            char pn[48];
            snprintf(pn, sizeof pn, "page %zu/%zu", pg + 1, np);
            use_font(cr, LF_NOTE, 0);
            set_col(cr, lay_palette(Y->opts.theme)->sub, 1);
            cairo_text_extents_t te;
            cairo_text_extents(cr, pn, &te);
            cairo_move_to(cr, Y->width - 16 - te.x_advance, ph - 4);
            cairo_show_text(cr, pn);
            cairo_show_page(cr);
            cairo_destroy(cr);
        }
        free(first);
    }
    cairo_surface_finish(sf);
    cairo_status_t st = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    return st == CAIRO_STATUS_SUCCESS ? 0 : -1;
}
