/*
 * layout.h - diagram geometry for the graphical outputs.
 *
 * layout_build() turns one struct ladder (one call, or several grouped)
 * into positioned boxes, lines and text: lane headers, lane lines, rows
 * with their arrows, labels and notes, media spans and the time column.
 * Text is measured with cairo (DejaVu Sans through fontconfig, hint
 * metrics off so widths do not depend on the output resolution), so every
 * label fits where it is put.  SVG, PNG, PDF and the HTML page draw from
 * this model and nothing else; Mermaid and PlantUML use its lanes and
 * rows (they do their own geometry).
 *
 * Coordinates are CSS pixels (SVG user units; 1 unit = 1 pt in PDF),
 * origin top left, y down.  Every number is rounded to 0.5 so the
 * `--format layout` dump is stable.
 *
 * Every string in the layout is clean UTF-8 without control characters
 * (invalid bytes became U+FFFD, controls U+2400..): renderers still escape
 * it for their format.  The layout owns its strings.
 */
#ifndef SIPLADDER_RENDER_LAYOUT_H
#define SIPLADDER_RENDER_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "render/ladder.h"
#include "src/base/buf.h"
#include "src/store.h"

enum lay_theme { THEME_LIGHT = 0, THEME_PRINT };

struct lay_opts {
    int theme;          /* enum lay_theme */
    int no_time;        /* leave out the time column */
    int compact;        /* tighter spacing, no title block, no repeated headers */
    int group;          /* rows come from several calls: tag each row with its call */
};

/* Fonts.  The SVG names the same families with fallbacks. */
enum lay_font { LF_TITLE, LF_SUB, LF_NAME, LF_ADDR, LF_LABEL, LF_NOTE, LF_MONO, LF_NOTE_BOLD, LF__COUNT };

enum lay_role {
    LR_TITLE, LR_SUBTITLE, LR_COLHEAD, LR_LANE_NAME, LR_LANE_ADDR, LR_LABEL, LR_RTX, LR_NOTE, LR_REASON,
    LR_TIME, LR_DELTA, LR_TAG, LR_MEDIA, LR_MEDIA_DETAIL, LR__COUNT
};

enum lay_anchor { LA_START = 0, LA_MIDDLE, LA_END };

struct lay_box {
    double x, y, w, h;
};

struct lay_text {
    char *s;
    uint8_t role;    /* enum lay_role */
    uint8_t font;    /* enum lay_font */
    uint8_t anchor;  /* enum lay_anchor */
    int32_t row;     /* layout row, or -1 */
    int32_t lane;    /* lane (names, addresses), or -1 */
    int32_t media;   /* media span, or -1 */
    double x, y;     /* anchor point on the baseline */
    struct lay_box box; /* the text's extent (advance width x ascent+descent) */
};

struct lay_lane {
    double x;               /* the lane line */
    struct lay_box head;    /* header box (top) */
    struct lay_box foot;    /* repeated at the bottom; w == 0 when absent */
};

struct lay_row {
    uint32_t row;           /* ladder row */
    uint8_t kind;           /* enum row_kind */
    uint8_t retrans, self;
    uint32_t from, to;      /* lanes */
    double y0, y1;          /* the row's band */
    double ay;              /* arrow line y (self: the loop's top) */
    double x0, x1;          /* arrow from (tail) and to (tip) x; self: lane x and loop's right x */
    double loop_h;          /* self: loop height */
    int32_t label;          /* text index of the label, -1 if none */
    int32_t label_bg;       /* 1: label sits on lane lines (skip-lane arrow): draw a backing */
};

/* A strip repeating the lane names inside a long ladder. */
struct lay_strip {
    double y0, y1;
};

struct lay_media {
    uint32_t span;          /* ladder media span */
    double x, y0, y1;       /* bar (x = left edge, width LAY_MEDIA_BAR) */
};

#define LAY_MEDIA_BAR 6.0
#define LAY_ARROW_HEAD 8.0

struct layout {
    const struct ladder *L;
    struct lay_opts opts;
    double width, height;
    double lanes_top;          /* top of the lane header boxes */
    double body_top, body_bottom; /* rows live in [body_top, body_bottom] */
    double time_x, delta_x, tag_x; /* right edges of the time, delta and tag columns */
    double lane_line_top, lane_line_bottom;
    double head_h;             /* lane header box height */
    struct lay_lane *lanes;
    size_t nlanes;
    struct lay_row *rows;
    size_t nrows;
    struct lay_strip *strips;
    size_t nstrips, cap_strips;
    struct lay_media *media;
    size_t nmedia;
    struct lay_text *texts;
    size_t ntexts, cap_texts;
    /* font metrics (from cairo) */
    double ascent[LF__COUNT], descent[LF__COUNT];
};

/* Title lines for one call or a group (the caller owns both buffers). */
void layout_title(struct buf *title, struct buf *sub, const struct store *s, const uint32_t *calls, size_t ncalls);

/* Build the layout.  title/sub may be NULL (no title block). */
void layout_build(struct layout *Y, const struct ladder *L, const struct lay_opts *o,
                  const char *title, const char *sub);
void layout_free(struct layout *Y);

/*
 * The overlap check (used by the tests and by --format layout):
 *   - no two text boxes intersect;
 *   - no text box crosses a lane line, except a label or note of an arrow
 *     that itself crosses that lane (a skip-lane arrow's label);
 *   - every text lies inside the drawing.
 * Returns the number of problems; with f != NULL each is described there.
 */
size_t layout_check(const struct layout *Y, FILE *f);

/* Text dump of the geometry (--format layout, golden tests). */
void layout_dump(const struct layout *Y, FILE *f);

/* Width of UTF-8 text in a layout font (cairo metrics). */
double layout_text_width(enum lay_font font, const char *s);

/* Clean raw capture bytes for a diagram: valid UTF-8, C0/DEL controls as
 * U+2400.. pictures (tab as a space; with keep_newlines, LF stays and CR
 * is dropped), no U+FFFE/U+FFFF. */
void text_clean(struct buf *b, const uint8_t *p, size_t n, int keep_newlines);

/* Safe file name component from raw bytes: [A-Za-z0-9._@+=-] only, no
 * leading dot, no "..", at most max bytes; "call" when nothing is left. */
void file_name_sanitize(struct buf *b, const uint8_t *p, size_t n, size_t max);

/* Font families for the SVG/HTML (CSS font-family lists). */
extern const char *const lay_font_css_sans;
extern const char *const lay_font_css_mono;

/* Theme colours, "#rrggbb". */
struct lay_palette {
    const char *bg, *row_alt, *title, *sub, *head_fill, *head_stroke, *head_text, *addr, *lane, *time,
        *note, *reason, *media_fill, *media_stroke, *media_text, *strip_fill;
    const char *kind[6]; /* by enum row_kind */
};
const struct lay_palette *lay_palette(int theme);

/* Font of a layout font id: family (cairo toy name), size px, bold. */
void lay_font_spec(enum lay_font f, const char **family, double *size, int *bold);

/* ---- between the diagram renderers (render_diagram() in layout.c drives) -- */

struct render_ctx;
struct _xmlTextWriter;

/* One diagram: a call, or the group. */
struct diagram {
    const struct render_ctx *r;
    const struct ladder *L;
    const struct layout *Y;
    const uint32_t *calls;  /* store call indexes drawn */
    size_t ncalls;
    int id;                 /* 1-based, unique in one output (HTML element ids) */
    const char *title;      /* clean UTF-8 */
};

/* The full text of a stored message for a tooltip or details pane: clean
 * UTF-8 with LF line ends; with redact, the body is replaced by a line
 * saying how many bytes were left out. */
void diagram_msg_text(struct buf *b, const struct msg *m, int redact);
/* "SIP message text" of ladder row i, preceded by a summary line
 * (frame, time, src -> dst, transport). */
void diagram_row_tooltip(struct buf *b, const struct diagram *d, size_t row);

/* Numbers in SVG/HTML attributes: "12", "12.5". */
void fmt_num(char *buf, size_t n, double v);

/* SVG: the <svg> element (and everything inside) on an open writer.
 * standalone 0: inline in the HTML page (no xmlns; each arrow is a link
 * to "#d<id>-m<row>-detail"). */
int svg_emit(struct _xmlTextWriter *w, const struct diagram *d, int standalone);
/* SVG document into b. Returns 0 or -1. */
int svg_write(struct buf *b, const struct diagram *d);
/* PNG (scale 1 = one pixel per layout unit) to f. Returns 0 or -1. */
int png_write(FILE *f, const struct diagram *d, double scale);
/* PDF: several diagrams in one document, pages split at row boundaries. */
int pdf_write(FILE *f, const struct diagram *const *d, size_t n);
int mermaid_write(struct buf *b, const struct diagram *d);
int plantuml_write(struct buf *b, const struct diagram *d);
/* One HTML page holding every diagram. */
int html_write(FILE *f, const struct diagram *const *d, size_t n);

/* Mermaid / PlantUML text escaping (exposed for the tests). */
void mermaid_escape(struct buf *b, const char *s);
void plantuml_escape(struct buf *b, const char *s);

#endif
