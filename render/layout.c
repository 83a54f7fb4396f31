/*
 * layout.c - diagram geometry from a struct ladder (see layout.h).
 *
 * Horizontal: every lane gets a header box wide enough for its name and
 * addresses; the gap between two neighbouring lanes is then widened until
 * every arrow label (and the longest word of its notes) fits between the
 * arrow's two lanes, shortest spans first, spreading a deficit evenly over
 * the gaps an arrow crosses.  A self-message's loop and label must fit
 * between its lane and the next one (or the right margin).
 *
 * Vertical: a title block, the lane headers, then one band per row:
 * label, arrow, then the notes (SDP summary, Reason) word-wrapped to the
 * arrow's width.  Long ladders repeat the lane names every
 * LAY_STRIP_EVERY rows.  Media spans (SDP offer/answer) are bars in a
 * gutter right of the last lane, packed into as few columns as possible.
 */
#include "render/layout.h"

#include <cairo.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render/render.h"
#include "src/base/util.h"

#define MARGIN 16.0
#define HEAD_PAD_X 12.0
#define HEAD_PAD_Y 7.0
#define HEAD_MIN_W 96.0
#define HEAD_SEP 18.0       /* between two neighbouring header boxes */
#define MIN_GAP 130.0
#define MIN_GAP_COMPACT 96.0
#define LABEL_MAX_W 340.0
#define NAME_MAX_W 220.0
#define NOTE_MAX_CHARS 600
#define NOTE_LINE_W 300.0    /* notes up to this wide are not wrapped */
#define NOTE_LINE_W_WIDE 190.0 /* ... in a ladder of more than 8 lanes */
#define LABEL_SIDE 14.0     /* room between a label and the lanes its arrow joins */
#define SELF_W 26.0         /* self-message loop width */
#define SELF_H 14.0
#define SELF_TEXT_GAP 8.0
#define COL_GAP 14.0
#define LAY_STRIP_EVERY 40

const char *const lay_font_css_sans = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, system-ui, sans-serif";
const char *const lay_font_css_mono = "'DejaVu Sans Mono', 'Bitstream Vera Sans Mono', Menlo, Consolas, monospace";

static const struct {
    const char *family;
    double size;
    int bold;
} font_specs[LF__COUNT] = {
    [LF_TITLE] = {"DejaVu Sans", 15.0, 1}, [LF_SUB] = {"DejaVu Sans", 11.5, 0},
    [LF_NAME] = {"DejaVu Sans", 12.5, 1},  [LF_ADDR] = {"DejaVu Sans", 10.5, 0},
    [LF_LABEL] = {"DejaVu Sans", 12.0, 0}, [LF_NOTE] = {"DejaVu Sans", 10.5, 0},
    [LF_MONO] = {"DejaVu Sans Mono", 10.5, 0}, [LF_NOTE_BOLD] = {"DejaVu Sans", 10.5, 1},
};

void lay_font_spec(enum lay_font f, const char **family, double *size, int *bold)
{
    *family = font_specs[f].family;
    *size = font_specs[f].size;
    *bold = font_specs[f].bold;
}

static const struct lay_palette pal_light = {
    .bg = "#ffffff", .row_alt = "#f4f6f9", .title = "#1a2330", .sub = "#5a6472",
    .head_fill = "#e8eef7", .head_stroke = "#7f96b8", .head_text = "#1a2330", .addr = "#4d5a6b",
    .lane = "#aab6c6", .time = "#4d5a6b", .note = "#4d5a6b", .reason = "#9a3412",
    .media_fill = "#d9f0de", .media_stroke = "#4f9a62", .media_text = "#2f6b3d", .strip_fill = "#eef2f8",
    .kind = {"#1f4f96", "#8a6a00", "#23803a", "#6b3fb5", "#c0262d", "#6b7280"},
};
static const struct lay_palette pal_print = {
    .bg = "#ffffff", .row_alt = "#f2f2f2", .title = "#000000", .sub = "#404040",
    .head_fill = "#ffffff", .head_stroke = "#000000", .head_text = "#000000", .addr = "#404040",
    .lane = "#8c8c8c", .time = "#333333", .note = "#333333", .reason = "#000000",
    .media_fill = "#e0e0e0", .media_stroke = "#404040", .media_text = "#202020", .strip_fill = "#f2f2f2",
    .kind = {"#000000", "#555555", "#000000", "#333333", "#000000", "#777777"},
};

const struct lay_palette *lay_palette(int theme)
{
    return theme == THEME_PRINT ? &pal_print : &pal_light;
}

/* ---- text: cleaning, measuring, truncating, wrapping ---------------------- */

/* Decode one UTF-8 sequence; 0 when invalid (overlong, surrogate, > U+10FFFF). */
static size_t u8_decode(const uint8_t *p, size_t n, uint32_t *cp)
{
    uint8_t c = p[0];
    size_t l;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        l = 2, v = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        l = 3, v = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        l = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < l)
        return 0;
    for (size_t i = 1; i < l; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return l;
}

void text_clean(struct buf *b, const uint8_t *p, size_t n, int keep_newlines)
{
    static const char repl[] = "\xef\xbf\xbd";
    size_t i = 0;
    while (i < n) {
        /* copy a run of plain printable ASCII at once */
        size_t j = i;
        while (j < n && p[j] >= 0x20 && p[j] < 0x7f)
            j++;
        if (j > i) {
            buf_put(b, p + i, j - i);
            i = j;
            continue;
        }
        uint32_t cp;
        size_t l = u8_decode(p + i, n - i, &cp);
        if (!l) {
            buf_put(b, repl, 3);
            i++;
            continue;
        }
        if (cp < 0x20 || cp == 0x7f) {
            if (cp == '\t')
                buf_putc(b, ' ');
            else if (cp == '\n' && keep_newlines)
                buf_putc(b, '\n');
            else if (cp == '\r' && keep_newlines)
                ; /* CRLF -> LF */
            else {
                uint32_t pic = cp == 0x7f ? 0x2421 : 0x2400 + cp; /* control pictures */
                char t[3] = {(char)(0xe0 | (pic >> 12)), (char)(0x80 | ((pic >> 6) & 0x3f)),
                             (char)(0x80 | (pic & 0x3f))};
                buf_put(b, t, 3);
            }
        } else if ((cp >= 0x80 && cp < 0xa0) || cp == 0xfffe || cp == 0xffff || (cp >= 0x202a && cp <= 0x202e) ||
                   (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029) {
            /* C1 controls, XML non-characters, bidi overrides, line separators */
            buf_put(b, repl, 3);
        } else {
            buf_put(b, p + i, l);
        }
        i += l;
    }
    if (!b->p)
        buf_puts(b, "");
}

static char *clean_dup(const char *s, size_t n)
{
    struct buf b = {0};
    text_clean(&b, (const uint8_t *)s, n, 0);
    return b.p;
}

void file_name_sanitize(struct buf *b, const uint8_t *p, size_t n, size_t max)
{
    size_t start = b->n, used = 0;
    for (size_t i = 0; i < n && used < max; i++) {
        uint8_t c = p[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '@' || c == '+' || c == '=';
        char last = b->n > start ? b->p[b->n - 1] : 0;
        if (ok) {
            buf_putc(b, (char)c);
        } else if (c == '.' && last && last != '.' && last != '_') {
            buf_putc(b, '.');
        } else if (last && last != '_' && last != '.') {
            buf_putc(b, '_');
        } else {
            continue;
        }
        used++;
    }
    while (b->n > start && (b->p[b->n - 1] == '_' || b->p[b->n - 1] == '.'))
        b->p[--b->n] = 0;
    if (b->n == start)
        buf_puts(b, "call");
}

/* fontconfig (under cairo's toy font API) leaks a few hundred bytes while it
 * parses its configuration, once per process (Debian 12's 2.14).  Tell
 * LeakSanitizer (make san, the fuzzers) that this one is not ours; the hook
 * is only called by sanitizer runtimes. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

/* Fonts: one cairo scaled font per layout font, made on first use and kept
 * for the process (fontconfig's own state is process-wide anyway). */
static cairo_scaled_font_t *g_fonts[LF__COUNT];

static cairo_scaled_font_t *font_get(enum lay_font f)
{
    if (!g_fonts[f]) {
        cairo_font_face_t *face =
            cairo_toy_font_face_create(font_specs[f].family, CAIRO_FONT_SLANT_NORMAL,
                                       font_specs[f].bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
        cairo_matrix_t m, id;
        cairo_matrix_init_scale(&m, font_specs[f].size, font_specs[f].size);
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

static double round_half_up(double v)
{
    return ceil(v * 2.0) / 2.0;
}

static double snap(double v)
{
    return floor(v * 2.0 + 0.5) / 2.0;
}

/* Advances of the printable ASCII glyphs, per font: cairo's toy text API
 * places glyphs at the running sum of their advances (no kerning, and
 * metrics hinting is off), so an ASCII string's x_advance is that sum,
 * added in the same order.  Other text goes to cairo. */
static double g_adv[LF__COUNT][0x7f];
static int8_t g_adv_state[LF__COUNT]; /* 0 unknown, 1 usable, -1 not */

static int adv_init(enum lay_font f)
{
    if (g_adv_state[f])
        return g_adv_state[f] > 0;
    g_adv_state[f] = -1;
    for (int c = 0x20; c < 0x7f; c++) {
        char t[2] = {(char)c, 0};
        cairo_text_extents_t e;
        cairo_scaled_font_text_extents(font_get(f), t, &e);
        if (cairo_scaled_font_status(font_get(f)) != CAIRO_STATUS_SUCCESS || !(e.x_advance >= 0))
            return 0;
        g_adv[f][c] = e.x_advance;
    }
    g_adv_state[f] = 1;
    return 1;
}

double layout_text_width(enum lay_font f, const char *s)
{
    if (!s || !*s)
        return 0;
    if (adv_init(f)) {
        const unsigned char *p = (const unsigned char *)s;
        double x = 0;
        while (*p >= 0x20 && *p < 0x7f)
            x += g_adv[f][*p++];
        if (!*p)
            return round_half_up(x);
    }
    cairo_text_extents_t e;
    cairo_scaled_font_text_extents(font_get(f), s, &e);
    if (!(e.x_advance >= 0) || cairo_scaled_font_status(font_get(f)) != CAIRO_STATUS_SUCCESS)
        return (double)strlen(s) * font_specs[f].size * 0.62; /* no font: a wide estimate */
    return round_half_up(e.x_advance);
}

static void font_metrics(enum lay_font f, double *asc, double *desc)
{
    cairo_font_extents_t e;
    cairo_scaled_font_extents(font_get(f), &e);
    if (cairo_scaled_font_status(font_get(f)) != CAIRO_STATUS_SUCCESS || !(e.ascent > 0)) {
        e.ascent = font_specs[f].size * 0.93;
        e.descent = font_specs[f].size * 0.24;
    }
    *asc = round_half_up(e.ascent);
    *desc = round_half_up(e.descent);
}

/* Length of the UTF-8 sequence at p (valid text: cleaned before). */
static size_t u8_len(const char *p)
{
    uint8_t c = (uint8_t)*p;
    return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* s (clean) cut to at most maxw wide, with "…" when cut.  Returns a new string. */
static char *fit_text(enum lay_font f, const char *s, double maxw)
{
    if (layout_text_width(f, s) <= maxw)
        return xstrdup(s);
    size_t n = strlen(s);
    /* binary search over byte prefixes, snapped to code point starts */
    size_t lo = 0, hi = n;
    struct buf t = {0};
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        while (mid > 0 && ((uint8_t)s[mid] & 0xc0) == 0x80)
            mid--;
        if (mid <= lo) {
            hi = lo;
            break;
        }
        buf_reset(&t);
        buf_put(&t, s, mid);
        buf_puts(&t, "\xe2\x80\xa6");
        if (layout_text_width(f, t.p) <= maxw)
            lo = mid;
        else
            hi = mid - 1;
    }
    while (lo > 0 && ((uint8_t)s[lo] & 0xc0) == 0x80)
        lo--;
    buf_reset(&t);
    buf_put(&t, s, lo);
    buf_puts(&t, "\xe2\x80\xa6");
    return t.p;
}

struct lines {
    char **v;
    size_t n, cap;
};

static void lines_push(struct lines *L, const char *p, size_t n)
{
    while (n && p[n - 1] == ' ')
        n--;
    L->v = xgrow(L->v, &L->cap, L->n + 1, sizeof(*L->v));
    char *s = xmalloc(n + 1);
    memcpy(s, p, n);
    s[n] = 0;
    L->v[L->n++] = s;
}

static double width_n(enum lay_font f, const char *p, size_t n, struct buf *tmp)
{
    buf_reset(tmp);
    buf_put(tmp, p, n);
    return layout_text_width(f, tmp->p ? tmp->p : "");
}

/* Greedy word wrap of clean text s to width w (words broken by character
 * when one alone is wider than w).  Break opportunities: after a space, a
 * comma or a semicolon. */
static void wrap_text(struct lines *out, enum lay_font f, const char *s, double w)
{
    struct buf tmp = {0};
    size_t n = strlen(s), start = 0;
    while (start < n) {
        while (start < n && s[start] == ' ')
            start++;
        if (start >= n)
            break;
        if (width_n(f, s + start, n - start, &tmp) <= w) {
            lines_push(out, s + start, n - start);
            break;
        }
        /* the last break opportunity that still fits */
        size_t best = 0;
        for (size_t i = start; i < n; i++) {
            int brk = s[i] == ' ' || s[i] == ',' || s[i] == ';';
            if (!brk)
                continue;
            size_t end = i + 1;
            if (width_n(f, s + start, s[i] == ' ' ? i - start : end - start, &tmp) <= w)
                best = end;
            else
                break;
        }
        if (!best) {
            /* one word wider than w: as many code points as fit (at least one) */
            size_t i = start + u8_len(s + start);
            while (i < n) {
                size_t k = i + u8_len(s + i);
                if (width_n(f, s + start, k - start, &tmp) > w)
                    break;
                i = k;
            }
            best = i;
        }
        lines_push(out, s + start, best - start);
        start = best;
    }
    buf_free(&tmp);
}

/* Widest unbreakable piece of s (for the lane-gap constraints). */
static double widest_word(enum lay_font f, const char *s)
{
    struct buf tmp = {0};
    double best = 0;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != ',' && s[j] != ';')
            j++;
        if (j < n && s[j] != ' ')
            j++; /* the comma stays with its word */
        double w = width_n(f, s + i, j - i, &tmp);
        if (w > best)
            best = w;
        i = j;
        while (i < n && s[i] == ' ')
            i++;
    }
    buf_free(&tmp);
    return best;
}

/* ---- layout construction --------------------------------------------------- */

static int32_t add_text(struct layout *Y, char *s, enum lay_role role, enum lay_font f, enum lay_anchor a, double x,
                        double y, int32_t row, int32_t lane)
{
    Y->texts = xgrow(Y->texts, &Y->cap_texts, Y->ntexts + 1, sizeof(*Y->texts));
    struct lay_text *t = &Y->texts[Y->ntexts];
    memset(t, 0, sizeof(*t));
    t->s = s;
    t->role = (uint8_t)role;
    t->font = (uint8_t)f;
    t->anchor = (uint8_t)a;
    t->row = row;
    t->lane = lane;
    t->media = -1;
    t->x = snap(x);
    t->y = snap(y);
    double w = layout_text_width(f, s);
    double bx = a == LA_START ? t->x : a == LA_MIDDLE ? t->x - w / 2 : t->x - w;
    t->box = (struct lay_box){bx, t->y - Y->ascent[f], w, Y->ascent[f] + Y->descent[f]};
    return (int32_t)Y->ntexts++;
}

static double line_h(const struct layout *Y, enum lay_font f)
{
    return Y->ascent[f] + Y->descent[f] + 1.5;
}

/* What a row will show, measured before the geometry is known. */
struct row_content {
    char *label;         /* clean, fitted */
    char *rtx;           /* "rtx #2" or NULL */
    double label_w;      /* label + rtx */
    char *note, *reason; /* clean, may be NULL */
    double word_w;       /* widest unbreakable note piece (and notes up to NOTE_LINE_W*) */
    double note_w;       /* width the notes want (one line, or NOTE_LINE_W*) */
    char *time, *delta, *tag;
};

static void fmt_clock(char *b, size_t n, int64_t ns)
{
    fmt_time_utc(b, n, ns, 0);
}

static char *raw_label(const struct row *r)
{
    struct buf b = {0};
    buf_puts(&b, r->label);
    if (r->kind == ROW_REQUEST && r->ruri_user && r->ruri_user[0]) {
        buf_putc(&b, ' ');
        buf_puts(&b, r->ruri_user);
    }
    return b.p;
}

void layout_title(struct buf *title, struct buf *sub, const struct store *s, const uint32_t *calls, size_t ncalls)
{
    if (!ncalls)
        return;
    if (ncalls == 1) {
        const struct call *c = &s->calls[calls[0]];
        text_clean(title, c->call_id, c->call_id_len, 0);
        struct buf t = {0};
        call_party(&t, s, c, 0);
        buf_puts(&t, " \xe2\x86\x92 "); /* → */
        call_party(&t, s, c, 1);
        text_clean(sub, (const uint8_t *)t.p, t.n, 0);
        buf_printf(sub, "  \xc2\xb7  %s", call_state_name((enum call_state)c->state));
        if (c->final_msg != NONE) {
            buf_reset(&t);
            msg_label(&t, &s->msgs[c->final_msg]);
            buf_puts(sub, " ");
            text_clean(sub, (const uint8_t *)t.p, t.n, 0);
        }
        buf_free(&t);
        char d[64];
        fmt_time_utc(d, sizeof d, s->msgs[c->first_msg].ts, 1);
        d[19] = 0; /* whole seconds */
        buf_printf(sub, "  \xc2\xb7  %s UTC  \xc2\xb7  %zu message%s", d, c->nmsgs, c->nmsgs == 1 ? "" : "s");
        size_t rtx = 0;
        for (size_t i = 0; i < c->nmsgs; i++)
            rtx += s->msgs[c->msgs[i]].retrans;
        if (rtx)
            buf_printf(sub, " (%zu retransmission%s)", rtx, rtx == 1 ? "" : "s");
        return;
    }
    buf_printf(title, "%zu calls", ncalls);
    for (size_t i = 0; i < ncalls && i < 6; i++) {
        const struct call *c = &s->calls[calls[i]];
        buf_printf(sub, "%scall %zu: ", i ? "   " : "", i + 1);
        text_clean(sub, c->call_id, c->call_id_len > 80 ? 80 : c->call_id_len, 0);
    }
    if (ncalls > 6)
        buf_printf(sub, "   (+%zu more)", ncalls - 6);
}

struct span_need {
    uint32_t lo, hi;
    double need;
};

static int cmp_need(const void *a, const void *b)
{
    const struct span_need *x = a, *y = b;
    uint32_t lx = x->hi - x->lo, ly = y->hi - y->lo;
    if (lx != ly)
        return lx < ly ? -1 : 1;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return 0;
}

void layout_build(struct layout *Y, const struct ladder *L, const struct lay_opts *o,
                  const char *title, const char *sub)
{
    memset(Y, 0, sizeof(*Y));
    Y->L = L;
    Y->opts = *o;
    for (int f = 0; f < LF__COUNT; f++)
        font_metrics((enum lay_font)f, &Y->ascent[f], &Y->descent[f]);
    const int compact = o->compact;
    const double pad_t = compact ? 3.0 : 6.0, pad_b = compact ? 3.0 : 6.0;
    const size_t nl = L->nlanes, nr = L->nrows;
    Y->nlanes = nl;
    Y->nrows = nr;
    Y->lanes = xcalloc(nl ? nl : 1, sizeof(*Y->lanes));
    Y->rows = xcalloc(nr ? nr : 1, sizeof(*Y->rows));

    /* -- lane header content */
    char **hname = xcalloc(nl ? nl : 1, sizeof(char *));
    struct lines *haddr = xcalloc(nl ? nl : 1, sizeof(*haddr));
    double *head_w = xcalloc(nl ? nl : 1, sizeof(double));
    size_t max_addr_lines = 0;
    for (size_t i = 0; i < nl; i++) {
        const struct lane *ln = &L->lanes[i];
        char *c = clean_dup(ln->name, strlen(ln->name));
        hname[i] = fit_text(LF_NAME, c, NAME_MAX_W);
        free(c);
        double w = layout_text_width(LF_NAME, hname[i]);
        int show = ln->naddrs > 1 || (ln->naddrs == 1 && strcmp(ln->name, ln->addrs[0]) != 0);
        for (size_t k = 0; show && k < ln->naddrs; k++) {
            if (k == 3 && ln->naddrs > 4) {
                char m[48];
                snprintf(m, sizeof m, "+%zu more", ln->naddrs - 3);
                lines_push(&haddr[i], m, strlen(m));
                break;
            }
            char *a = clean_dup(ln->addrs[k], strlen(ln->addrs[k]));
            char *fa = fit_text(LF_ADDR, a, NAME_MAX_W);
            lines_push(&haddr[i], fa, strlen(fa));
            free(a);
            free(fa);
        }
        for (size_t k = 0; k < haddr[i].n; k++) {
            double aw = layout_text_width(LF_ADDR, haddr[i].v[k]);
            if (aw > w)
                w = aw;
        }
        if (haddr[i].n > max_addr_lines)
            max_addr_lines = haddr[i].n;
        head_w[i] = round_half_up(w + 2 * HEAD_PAD_X);
        if (head_w[i] < HEAD_MIN_W)
            head_w[i] = HEAD_MIN_W;
    }
    double name_lh = line_h(Y, LF_NAME), addr_lh = line_h(Y, LF_ADDR);
    Y->head_h = round_half_up(2 * HEAD_PAD_Y + name_lh + (double)max_addr_lines * addr_lh);

    /* -- row content */
    struct row_content *rc = xcalloc(nr ? nr : 1, sizeof(*rc));
    int multi_dialog = 0, any_tag = 0;
    for (size_t i = 1; i < nr; i++)
        if (L->rows[i].call == L->rows[0].call && L->rows[i].dialog != L->rows[0].dialog)
            multi_dialog = 1;
    /* group: calls numbered in order of first appearance */
    uint32_t *gcalls = NULL;
    size_t ngcalls = 0, cap_gcalls = 0;
    for (size_t i = 0; i < nr; i++) {
        const struct row *r = &L->rows[i];
        struct row_content *c = &rc[i];
        char *raw = raw_label(r);
        char *cl = clean_dup(raw, strlen(raw));
        free(raw);
        c->label = fit_text(LF_LABEL, cl, LABEL_MAX_W);
        free(cl);
        c->label_w = layout_text_width(LF_LABEL, c->label);
        if (r->retrans) {
            char t[40];
            snprintf(t, sizeof t, "rtx #%u", r->rtx_no ? r->rtx_no : 1u);
            c->rtx = xstrdup(t);
            c->label_w += 6 + layout_text_width(LF_NOTE, c->rtx);
        }
        if (r->note && r->note[0]) {
            size_t n = strlen(r->note);
            c->note = clean_dup(r->note, n > NOTE_MAX_CHARS ? NOTE_MAX_CHARS : n);
        }
        if (r->reason && r->reason[0]) {
            struct buf b = {0};
            buf_puts(&b, "Reason: ");
            size_t n = strlen(r->reason);
            text_clean(&b, (const uint8_t *)r->reason, n > NOTE_MAX_CHARS ? NOTE_MAX_CHARS : n, 0);
            c->reason = b.p;
        }
        double ww = 0;
        if (c->note)
            ww = widest_word(LF_NOTE, c->note);
        if (c->reason) {
            double w2 = widest_word(LF_NOTE, c->reason);
            if (w2 > ww)
                ww = w2;
        }
        /* a note up to NOTE_LINE_W wide stays on one line; longer ones wrap */
        double full = 0;
        if (c->note)
            full = layout_text_width(LF_NOTE, c->note);
        if (c->reason) {
            double w2 = layout_text_width(LF_NOTE, c->reason);
            if (w2 > full)
                full = w2;
        }
        /* wide ladders wrap notes sooner, to keep lanes close */
        double line_w = nl > 8 ? NOTE_LINE_W_WIDE : NOTE_LINE_W;
        if (full > line_w)
            full = line_w;
        c->note_w = full > ww ? full : ww;
        if (ww < full)
            ww = full;
        c->word_w = ww > LABEL_MAX_W ? LABEL_MAX_W : ww;
        char tb[40], db[40];
        fmt_clock(tb, sizeof tb, r->ts);
        snprintf(db, sizeof db, "%+.3f", (double)r->delta / 1e9);
        c->time = xstrdup(tb);
        c->delta = xstrdup(db);
        char gb[64] = "";
        if (o->group && r->call != NONE) {
            size_t k = 0;
            while (k < ngcalls && gcalls[k] != r->call)
                k++;
            if (k == ngcalls) {
                gcalls = xgrow(gcalls, &cap_gcalls, ngcalls + 1, sizeof(*gcalls));
                gcalls[ngcalls++] = r->call;
            }
            snprintf(gb, sizeof gb, "call %zu", k + 1);
        } else if (!o->group && multi_dialog && r->dialog != NONE) {
            snprintf(gb, sizeof gb, "dialog %u", r->dialog + 1);
        }
        if (gb[0]) {
            c->tag = xstrdup(gb);
            any_tag = 1;
        }
    }
    free(gcalls);

    /* -- horizontal: lane gaps */
    const double min_gap = compact ? MIN_GAP_COMPACT : MIN_GAP;
    double *gap = xcalloc(nl ? nl : 1, sizeof(double));
    for (size_t i = 0; i + 1 < nl; i++) {
        double g = (head_w[i] + head_w[i + 1]) / 2 + HEAD_SEP;
        gap[i] = g > min_gap ? g : min_gap;
    }
    double right_extra = 0; /* room right of the last lane for self-messages */
    struct span_need *needs = xcalloc(nr ? nr : 1, sizeof(*needs));
    size_t nneeds = 0;
    for (size_t i = 0; i < nr; i++) {
        const struct row *r = &L->rows[i];
        const struct row_content *c = &rc[i];
        double content = c->label_w > c->word_w ? c->label_w : c->word_w;
        if (r->from == r->to) {
            double need = SELF_W + SELF_TEXT_GAP + content + LABEL_SIDE;
            if (r->from + 1 < nl)
                needs[nneeds++] = (struct span_need){r->from, r->from + 1, need};
            else if (need > right_extra)
                right_extra = need;
        } else {
            uint32_t lo = r->from < r->to ? r->from : r->to, hi = r->from < r->to ? r->to : r->from;
            needs[nneeds++] = (struct span_need){lo, hi, content + 2 * LABEL_SIDE};
        }
    }
    qsort(needs, nneeds, sizeof(*needs), cmp_need);
    for (size_t k = 0; k < nneeds; k++) {
        double have = 0;
        for (uint32_t g = needs[k].lo; g < needs[k].hi; g++)
            have += gap[g];
        if (have < needs[k].need) {
            double add = (needs[k].need - have) / (double)(needs[k].hi - needs[k].lo);
            for (uint32_t g = needs[k].lo; g < needs[k].hi; g++)
                gap[g] += add;
        }
    }
    free(needs);
    /* a few lanes: evenly spaced, as a reader expects */
    if (nl <= 8) {
        double mx = 0;
        for (size_t i = 0; i + 1 < nl; i++)
            if (gap[i] > mx)
                mx = gap[i];
        for (size_t i = 0; i + 1 < nl; i++)
            gap[i] = mx;
    }
    for (size_t i = 0; i + 1 < nl; i++)
        gap[i] = round_half_up(gap[i]);

    /* -- horizontal: columns */
    double x = MARGIN;
    double mono_w = layout_text_width(LF_MONO, "00:00:00.000");
    if (!o->no_time) {
        double tw = layout_text_width(LF_NOTE, "time (UTC)");
        Y->time_x = x + (mono_w > tw ? mono_w : tw);
        double dw = layout_text_width(LF_MONO, "+0000.000");
        for (size_t i = 0; i < nr; i++) { /* huge gaps (merged captures, bad clocks) */
            double w = layout_text_width(LF_MONO, rc[i].delta);
            if (w > dw)
                dw = w;
        }
        Y->delta_x = Y->time_x + COL_GAP + dw;
        x = Y->delta_x;
    }
    if (any_tag) {
        double tw = 0;
        for (size_t i = 0; i < nr; i++)
            if (rc[i].tag) {
                double w = layout_text_width(LF_NOTE, rc[i].tag);
                if (w > tw)
                    tw = w;
            }
        double hw = layout_text_width(LF_NOTE, o->group ? "call" : "dialog");
        if (hw > tw)
            tw = hw;
        Y->tag_x = x + (x > MARGIN ? COL_GAP : 0) + tw;
        x = Y->tag_x;
    }
    if (x > MARGIN)
        x += COL_GAP + 6;
    /* 1 px lane lines on pixel centres (crisp in PNG); whole-pixel gaps keep them there */
    double lane_x = nl ? floor(x + head_w[0] / 2) + 0.5 : x;
    for (size_t i = 0; i < nl; i++) {
        Y->lanes[i].x = lane_x;
        if (i + 1 < nl)
            lane_x += ceil(gap[i]);
    }
    double right = nl ? Y->lanes[nl - 1].x + head_w[nl - 1] / 2 : x;
    if (nl && Y->lanes[nl - 1].x + right_extra > right)
        right = Y->lanes[nl - 1].x + right_extra;

    /* -- vertical: title */
    double y = MARGIN;
    double title_w = 0;
    if (title && !compact) {
        char *t = fit_text(LF_TITLE, title, 900);
        add_text(Y, t, LR_TITLE, LF_TITLE, LA_START, MARGIN, y + Y->ascent[LF_TITLE], -1, -1);
        title_w = layout_text_width(LF_TITLE, t);
        y += line_h(Y, LF_TITLE) + 2;
        if (sub && *sub) {
            char *st = fit_text(LF_SUB, sub, 1100);
            double sw = layout_text_width(LF_SUB, st);
            if (sw > title_w)
                title_w = sw;
            add_text(Y, st, LR_SUBTITLE, LF_SUB, LA_START, MARGIN, y + Y->ascent[LF_SUB], -1, -1);
            y += line_h(Y, LF_SUB);
        }
        y += 12;
    }
    y = snap(y);

    /* -- lane headers */
    Y->lanes_top = y;
    int32_t *name_text = xcalloc(nl ? nl : 1, sizeof(int32_t));
    for (size_t i = 0; i < nl; i++) {
        struct lay_lane *ln = &Y->lanes[i];
        ln->head = (struct lay_box){snap(ln->x - head_w[i] / 2), y, head_w[i], Y->head_h};
        double ty = y + HEAD_PAD_Y + Y->ascent[LF_NAME];
        name_text[i] = add_text(Y, hname[i], LR_LANE_NAME, LF_NAME, LA_MIDDLE, ln->x, ty, -1, (int32_t)i);
        hname[i] = NULL;
        ty += name_lh;
        for (size_t k = 0; k < haddr[i].n; k++) {
            add_text(Y, haddr[i].v[k], LR_LANE_ADDR, LF_ADDR, LA_MIDDLE, ln->x, ty, -1, (int32_t)i);
            haddr[i].v[k] = NULL;
            ty += addr_lh;
        }
    }
    /* column headings, on the headers' bottom line */
    double colhead_y = y + Y->head_h - HEAD_PAD_Y - Y->descent[LF_NOTE];
    if (!o->no_time) {
        add_text(Y, xstrdup("time (UTC)"), LR_COLHEAD, LF_NOTE, LA_END, Y->time_x, colhead_y, -1, -1);
        add_text(Y, xstrdup("delta"), LR_COLHEAD, LF_NOTE, LA_END, Y->delta_x, colhead_y, -1, -1);
    }
    if (any_tag)
        add_text(Y, xstrdup(o->group ? "call" : "dialog"), LR_COLHEAD, LF_NOTE, LA_END, Y->tag_x, colhead_y, -1,
                 -1);
    y += Y->head_h;
    Y->lane_line_top = y;
    y += compact ? 4 : 8;
    Y->body_top = y;

    /* -- rows */
    const int strips = !compact && nr > LAY_STRIP_EVERY + LAY_STRIP_EVERY / 2;
    const double strip_h = round_half_up(name_lh + 8);
    const double note_lh = line_h(Y, LF_NOTE);
    for (size_t i = 0; i < nr; i++) {
        const struct row *r = &L->rows[i];
        struct row_content *c = &rc[i];
        struct lay_row *lr = &Y->rows[i];
        if (strips && i && i % LAY_STRIP_EVERY == 0) {
            Y->strips = xgrow(Y->strips, &Y->cap_strips, Y->nstrips + 1, sizeof(*Y->strips));
            Y->strips[Y->nstrips++] = (struct lay_strip){y, y + strip_h};
            for (size_t k = 0; k < nl; k++) {
                char *dup = xstrdup(Y->texts[name_text[k]].s);
                add_text(Y, dup, LR_LANE_NAME, LF_NAME, LA_MIDDLE, Y->lanes[k].x, y + 4 + Y->ascent[LF_NAME], -1,
                         (int32_t)k);
            }
            y += strip_h;
        }
        lr->row = (uint32_t)i;
        lr->kind = r->kind;
        lr->retrans = r->retrans;
        lr->from = r->from;
        lr->to = r->to;
        lr->self = r->from == r->to;
        lr->label = -1;
        lr->y0 = y;
        double xf = Y->lanes[r->from].x, xt = Y->lanes[r->to].x;
        double wrap_w, text_mid = 0, text_left = 0;
        if (lr->self) {
            double ay = y + pad_t + 3;
            lr->ay = floor(ay) + 0.5;
            lr->loop_h = SELF_H;
            lr->x0 = xf;
            lr->x1 = xf + SELF_W;
            text_left = xf + SELF_W + SELF_TEXT_GAP;
            double lim = r->from + 1 < nl ? Y->lanes[r->from + 1].x - LABEL_SIDE : right;
            wrap_w = lim - text_left;
            double base = lr->ay + SELF_H / 2 + (Y->ascent[LF_LABEL] - Y->descent[LF_LABEL]) / 2;
            lr->label =
                add_text(Y, c->label, LR_LABEL, LF_LABEL, LA_START, text_left, base, (int32_t)i, -1);
            c->label = NULL;
            if (c->rtx) {
                add_text(Y, c->rtx, LR_RTX, LF_NOTE, LA_START, Y->texts[lr->label].box.x + Y->texts[lr->label].box.w + 6,
                         base, (int32_t)i, -1);
                c->rtx = NULL;
            }
            y = lr->ay + SELF_H + 3;
        } else {
            double base = y + pad_t + Y->ascent[LF_LABEL];
            lr->ay = floor(base + Y->descent[LF_LABEL] + 3) + 0.5;
            lr->x0 = xf;
            lr->x1 = xt;
            text_mid = (xf + xt) / 2;
            wrap_w = fabs(xt - xf) - 2 * LABEL_SIDE;
            uint32_t lo0 = r->from < r->to ? r->from : r->to, hi0 = r->from < r->to ? r->to : r->from;
            if (hi0 - lo0 > 2) {
                /* a long arrow: label and notes near the sender, where the eye starts */
                double bw = c->label_w > c->note_w ? c->label_w : c->note_w;
                if (bw > wrap_w)
                    bw = wrap_w;
                double dir = xt > xf ? 1.0 : -1.0;
                text_mid = xf + dir * (LABEL_SIDE + 6 + bw / 2);
                wrap_w = bw;
            }
            double lw = c->label_w;
            double lx = text_mid - lw / 2;
            lr->label = add_text(Y, c->label, LR_LABEL, LF_LABEL, LA_START, lx, base, (int32_t)i, -1);
            c->label = NULL;
            if (c->rtx) {
                add_text(Y, c->rtx, LR_RTX, LF_NOTE, LA_START, Y->texts[lr->label].box.x + Y->texts[lr->label].box.w + 6,
                         base, (int32_t)i, -1);
                c->rtx = NULL;
            }
            uint32_t lo = r->from < r->to ? r->from : r->to, hi = r->from < r->to ? r->to : r->from;
            lr->label_bg = hi - lo > 1;
            y = lr->ay + 2;
        }
        if (wrap_w < 40)
            wrap_w = 40;
        /* notes */
        for (int which = 0; which < 2; which++) {
            char *txt = which ? c->reason : c->note;
            if (!txt)
                continue;
            struct lines ls = {0};
            wrap_text(&ls, LF_NOTE, txt, wrap_w);
            for (size_t k = 0; k < ls.n; k++) {
                double base = y + 2 + Y->ascent[LF_NOTE];
                if (lr->self)
                    add_text(Y, ls.v[k], which ? LR_REASON : LR_NOTE, LF_NOTE, LA_START, text_left, base, (int32_t)i,
                             -1);
                else
                    add_text(Y, ls.v[k], which ? LR_REASON : LR_NOTE, LF_NOTE, LA_MIDDLE, text_mid, base,
                             (int32_t)i, -1);
                y += note_lh;
            }
            free(ls.v);
        }
        y = snap(y + pad_b + (compact ? 0 : 1));
        lr->y1 = y;
        /* time column, centred on the arrow line */
        double tb = lr->ay + (lr->self ? SELF_H / 2 : 0) + (Y->ascent[LF_MONO] - Y->descent[LF_MONO]) / 2;
        if (!o->no_time) {
            add_text(Y, c->time, LR_TIME, LF_MONO, LA_END, Y->time_x, tb, (int32_t)i, -1);
            add_text(Y, c->delta, LR_DELTA, LF_MONO, LA_END, Y->delta_x, tb, (int32_t)i, -1);
            c->time = c->delta = NULL;
        }
        if (c->tag) {
            add_text(Y, c->tag, LR_TAG, LF_NOTE, LA_END, Y->tag_x, tb, (int32_t)i, -1);
            c->tag = NULL;
        }
    }
    y += compact ? 2 : 6;
    Y->body_bottom = y;
    Y->lane_line_bottom = y;

    /* -- bottom headers */
    if (!compact && nr > 12) {
        y += 2;
        size_t nt = Y->ntexts;
        for (size_t i = 0; i < nl; i++) {
            struct lay_lane *ln = &Y->lanes[i];
            ln->foot = (struct lay_box){ln->head.x, y, ln->head.w, Y->head_h};
        }
        for (size_t k = 0; k < nt; k++) {
            const struct lay_text *t = &Y->texts[k];
            if ((t->role == LR_LANE_NAME || t->role == LR_LANE_ADDR) && t->y < Y->lane_line_top)
                add_text(Y, xstrdup(t->s), (enum lay_role)t->role, (enum lay_font)t->font, LA_MIDDLE, t->x,
                         t->y - Y->lanes_top + y, -1, t->lane);
        }
        y += Y->head_h;
    }

    /* -- media spans, in a gutter right of the lanes */
    if (L->nmedia) {
        Y->nmedia = L->nmedia;
        Y->media = xcalloc(L->nmedia, sizeof(*Y->media));
        double gx = right + 24;
        double *col_end = xcalloc(L->nmedia, sizeof(double)); /* occupied until y */
        double *col_w = xcalloc(L->nmedia, sizeof(double));
        size_t *col_of = xcalloc(L->nmedia, sizeof(size_t));
        size_t ncols = 0;
        int32_t *t0 = xcalloc(L->nmedia, sizeof(int32_t));
        for (size_t i = 0; i < L->nmedia; i++) {
            const struct media_span *ms = &L->media[i];
            struct lay_media *m = &Y->media[i];
            m->span = (uint32_t)i;
            m->y0 = Y->rows[ms->row0].ay;
            /* a closed span stops just short of the message that ended it, so a
             * span that starts there (re-INVITE) can share the column */
            m->y1 = ms->open ? Y->body_bottom - 2 : Y->rows[ms->row1].ay - 3;
            if (m->y1 < m->y0 + 6)
                m->y1 = m->y0 + 6;
            char *lab = clean_dup(ms->label, strlen(ms->label));
            char *det = clean_dup(ms->detail, strlen(ms->detail));
            char *fl = fit_text(LF_NOTE_BOLD, lab, 300), *fd = fit_text(LF_NOTE, det, 300);
            free(lab);
            free(det);
            double w = layout_text_width(LF_NOTE_BOLD, fl), w2 = layout_text_width(LF_NOTE, fd);
            if (w2 > w)
                w = w2;
            double block_end = m->y0 + 2 * note_lh + 4;
            double occ = m->y1 + 2 > block_end ? m->y1 + 2 : block_end;
            size_t c = 0;
            while (c < ncols && col_end[c] > m->y0)
                c++;
            if (c == ncols)
                ncols++;
            col_end[c] = occ;
            if (w > col_w[c])
                col_w[c] = w;
            col_of[i] = c;
            t0[i] = add_text(Y, fl, LR_MEDIA, LF_NOTE_BOLD, LA_START, 0, m->y0 - 2 + Y->ascent[LF_NOTE], -1, -1);
            add_text(Y, fd, LR_MEDIA_DETAIL, LF_NOTE, LA_START, 0, m->y0 - 2 + Y->ascent[LF_NOTE] + note_lh, -1,
                     -1);
            Y->texts[t0[i]].media = Y->texts[t0[i] + 1].media = (int32_t)i;
        }
        double *col_x = xcalloc(ncols ? ncols : 1, sizeof(double));
        double cx = gx;
        for (size_t c = 0; c < ncols; c++) {
            col_x[c] = snap(cx);
            cx += LAY_MEDIA_BAR + 6 + col_w[c] + 14;
        }
        for (size_t i = 0; i < L->nmedia; i++) {
            struct lay_media *m = &Y->media[i];
            m->x = col_x[col_of[i]];
            for (int k = 0; k < 2; k++) {
                struct lay_text *t = &Y->texts[t0[i] + k];
                t->x = snap(m->x + LAY_MEDIA_BAR + 6);
                t->box.x = t->x;
            }
        }
        right = cx - 14;
        free(col_x);
        free(col_end);
        free(col_w);
        free(col_of);
        free(t0);
    }

    Y->width = ceil((right > MARGIN + title_w ? right : MARGIN + title_w) + MARGIN);
    Y->height = ceil(y + MARGIN);

    for (size_t i = 0; i < nr; i++) {
        free(rc[i].label);
        free(rc[i].rtx);
        free(rc[i].note);
        free(rc[i].reason);
        free(rc[i].time);
        free(rc[i].delta);
        free(rc[i].tag);
    }
    free(rc);
    for (size_t i = 0; i < nl; i++) {
        free(hname[i]);
        for (size_t k = 0; k < haddr[i].n; k++)
            free(haddr[i].v[k]);
        free(haddr[i].v);
    }
    free(hname);
    free(haddr);
    free(name_text);
    free(head_w);
    free(gap);
}

void layout_free(struct layout *Y)
{
    for (size_t i = 0; i < Y->ntexts; i++)
        free(Y->texts[i].s);
    free(Y->texts);
    free(Y->lanes);
    free(Y->rows);
    free(Y->strips);
    free(Y->media);
    memset(Y, 0, sizeof(*Y));
}

/* ---- the overlap check ----------------------------------------------------- */

static const char *const role_names[LR__COUNT] = {
    [LR_TITLE] = "title",   [LR_SUBTITLE] = "subtitle", [LR_COLHEAD] = "colhead", [LR_LANE_NAME] = "lane-name",
    [LR_LANE_ADDR] = "lane-addr", [LR_LABEL] = "label", [LR_RTX] = "rtx",   [LR_NOTE] = "note",
    [LR_REASON] = "reason", [LR_TIME] = "time",         [LR_DELTA] = "delta", [LR_TAG] = "tag",
    [LR_MEDIA] = "media",   [LR_MEDIA_DETAIL] = "media-detail",
};

#define EPS 0.01

static int boxes_meet(const struct lay_box *a, const struct lay_box *b)
{
    return a->x < b->x + b->w - EPS && b->x < a->x + a->w - EPS && a->y < b->y + b->h - EPS &&
           b->y < a->y + a->h - EPS;
}

struct top_idx {
    double top;
    size_t idx;
};

static int cmp_top(const void *a, const void *b)
{
    const struct top_idx *x = a, *y = b;
    if (x->top != y->top)
        return x->top < y->top ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Is lane line i drawn at height range [y0, y1)?  (strips interrupt it) */
static int lane_line_covers(const struct layout *Y, double y0, double y1)
{
    if (y1 <= Y->lane_line_top + EPS || y0 >= Y->lane_line_bottom - EPS)
        return 0;
    for (size_t s = 0; s < Y->nstrips; s++)
        if (y0 >= Y->strips[s].y0 - EPS && y1 <= Y->strips[s].y1 + EPS)
            return 0;
    return 1;
}

size_t layout_check(const struct layout *Y, FILE *f)
{
    size_t bad = 0, n = Y->ntexts;
    struct top_idx *idx = xcalloc(n ? n : 1, sizeof(*idx));
    for (size_t i = 0; i < n; i++)
        idx[i] = (struct top_idx){Y->texts[i].box.y, i};
    qsort(idx, n, sizeof(*idx), cmp_top);
    for (size_t a = 0; a < n; a++) {
        const struct lay_text *ta = &Y->texts[idx[a].idx];
        if (ta->box.w <= 0)
            continue;
        for (size_t b = a + 1; b < n; b++) {
            const struct lay_text *tb = &Y->texts[idx[b].idx];
            if (tb->box.y >= ta->box.y + ta->box.h - EPS)
                break;
            if (tb->box.w > 0 && boxes_meet(&ta->box, &tb->box)) {
                bad++;
                if (f)
                    fprintf(f, "overlap: %s \"%s\" [%.1f,%.1f %.1fx%.1f] and %s \"%s\" [%.1f,%.1f %.1fx%.1f]\n",
                            role_names[ta->role], ta->s, ta->box.x, ta->box.y, ta->box.w, ta->box.h,
                            role_names[tb->role], tb->s, tb->box.x, tb->box.y, tb->box.w, tb->box.h);
            }
        }
    }
    free(idx);
    for (size_t t = 0; t < n; t++) {
        const struct lay_text *tx = &Y->texts[t];
        if (tx->box.w <= 0)
            continue;
        if (tx->box.x < -EPS || tx->box.y < -EPS || tx->box.x + tx->box.w > Y->width + EPS ||
            tx->box.y + tx->box.h > Y->height + EPS) {
            bad++;
            if (f)
                fprintf(f, "outside: %s \"%s\"\n", role_names[tx->role], tx->s);
        }
        if (!lane_line_covers(Y, tx->box.y, tx->box.y + tx->box.h))
            continue;
        uint32_t lo = 0, hi = 0;
        int arrow = 0;
        if (tx->row >= 0 && !Y->rows[tx->row].self) {
            const struct lay_row *r = &Y->rows[tx->row];
            lo = r->from < r->to ? r->from : r->to;
            hi = r->from < r->to ? r->to : r->from;
            arrow = 1;
        }
        for (size_t l = 0; l < Y->nlanes; l++) {
            double lx = Y->lanes[l].x;
            if (!(tx->box.x < lx - EPS && lx + EPS < tx->box.x + tx->box.w))
                continue;
            if (arrow && l > lo && l < hi && tx->role != LR_TIME && tx->role != LR_DELTA && tx->role != LR_TAG)
                continue; /* on its own skip-lane arrow */
            bad++;
            if (f)
                fprintf(f, "crosses lane %zu: %s \"%s\" [%.1f..%.1f] at x=%.1f\n", l, role_names[tx->role], tx->s,
                        tx->box.x, tx->box.x + tx->box.w, lx);
        }
    }
    return bad;
}

/* ---- dump ------------------------------------------------------------------ */

static void dump_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static const char *const kind_names[] = {"request", "1xx", "2xx", "3xx", "error", "bad"};

void layout_dump(const struct layout *Y, FILE *f)
{
    fprintf(f, "layout %.1f x %.1f  lanes %zu  rows %zu  media %zu  strips %zu\n", Y->width, Y->height, Y->nlanes,
            Y->nrows, Y->nmedia, Y->nstrips);
    fprintf(f, "body %.1f..%.1f  lane lines %.1f..%.1f  columns time<%.1f delta<%.1f tag<%.1f\n", Y->body_top,
            Y->body_bottom, Y->lane_line_top, Y->lane_line_bottom, Y->time_x, Y->delta_x, Y->tag_x);
    for (size_t i = 0; i < Y->nlanes; i++) {
        const struct lay_lane *l = &Y->lanes[i];
        fprintf(f, "lane %zu x=%.1f head=[%.1f,%.1f %.1fx%.1f]", i, l->x, l->head.x, l->head.y, l->head.w,
                l->head.h);
        if (l->foot.w > 0)
            fprintf(f, " foot=[%.1f,%.1f]", l->foot.x, l->foot.y);
        fputc('\n', f);
    }
    for (size_t i = 0; i < Y->nrows; i++) {
        const struct lay_row *r = &Y->rows[i];
        fprintf(f, "row %zu %s %u->%u y=%.1f..%.1f arrow=%.1f->%.1f@%.1f%s%s%s\n", i, kind_names[r->kind], r->from,
                r->to, r->y0, r->y1, r->x0, r->x1, r->ay, r->self ? " self" : "", r->retrans ? " rtx" : "",
                r->label_bg ? " backed" : "");
    }
    for (size_t i = 0; i < Y->nstrips; i++)
        fprintf(f, "strip %.1f..%.1f\n", Y->strips[i].y0, Y->strips[i].y1);
    for (size_t i = 0; i < Y->nmedia; i++) {
        const struct lay_media *m = &Y->media[i];
        const struct media_span *ms = &Y->L->media[m->span];
        fprintf(f, "media %zu rows %u..%u%s lanes %u<->%u bar x=%.1f y=%.1f..%.1f\n", i, ms->row0, ms->row1,
                ms->open ? " open" : "", ms->lane_a, ms->lane_b, m->x, m->y0, m->y1);
    }
    for (size_t i = 0; i < Y->ntexts; i++) {
        const struct lay_text *t = &Y->texts[i];
        fprintf(f, "text %s", role_names[t->role]);
        if (t->row >= 0)
            fprintf(f, " row=%d", t->row);
        if (t->lane >= 0)
            fprintf(f, " lane=%d", t->lane);
        fprintf(f, " at %.1f,%.1f box=[%.1f,%.1f %.1fx%.1f] ", t->x, t->y, t->box.x, t->box.y, t->box.w,
                t->box.h);
        dump_str(f, t->s);
        fputc('\n', f);
    }
}

/* ---- shared renderer helpers ----------------------------------------------- */

void fmt_num(char *buf, size_t n, double v)
{
    /* coordinates are mostly whole or tenths: v * 10 is then an integer,
     * and the digits need no printf ("%.1f" would round to the same) */
    double t = v * 10.0;
    if (n >= 24 && t > -1e15 && t < 1e15 && t == (double)(long long)t) {
        long long k = (long long)t;
        unsigned long long u = k < 0 ? (unsigned long long)(-k) : (unsigned long long)k;
        char d[24];
        size_t nd = 0, o = 0;
        for (unsigned long long w = u / 10; w || !nd; w /= 10)
            d[nd++] = (char)('0' + w % 10);
        if (k < 0)
            buf[o++] = '-';
        while (nd)
            buf[o++] = d[--nd];
        if (u % 10) {
            buf[o++] = '.';
            buf[o++] = (char)('0' + u % 10);
        }
        buf[o] = 0;
        return;
    }
    snprintf(buf, n, "%.1f", v);
    size_t l = strlen(buf);
    if (l > 2 && buf[l - 1] == '0' && buf[l - 2] == '.')
        buf[l - 2] = 0;
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, n, "0");
}

void diagram_msg_text(struct buf *b, const struct msg *m, int redact)
{
    struct sip_msg sm;
    struct sip_hdr h[1];
    size_t n = m->len;
    size_t body_off = n;
    if (msg_parse(m, &sm, h, 0) == SIP_OK && sm.body_off <= n)
        body_off = sm.body_off;
    if (redact && body_off < n) {
        text_clean(b, m->buf, body_off, 1);
        buf_printf(b, "[body: %zu bytes left out (--redact-bodies)]", n - body_off);
        return;
    }
    text_clean(b, m->buf, n, 1);
    while (b->n && b->p[b->n - 1] == '\n')
        b->p[--b->n] = 0;
}

void diagram_row_tooltip(struct buf *b, const struct diagram *d, size_t row)
{
    const struct row *rw = &d->L->rows[row];
    const struct msg *m = &d->r->s->msgs[rw->msg];
    char t[64], sa[80], da[80];
    fmt_time_utc(t, sizeof t, m->ts, 1);
    endpoint_str(&m->src, sa, sizeof sa);
    endpoint_str(&m->dst, da, sizeof da);
    buf_printf(b, "%s UTC  %s \xe2\x86\x92 %s  %s  frame %llu", t, sa, da, transport_name((enum transport)m->transport),
               (unsigned long long)m->frame);
    if (rw->retrans)
        buf_printf(b, "  (retransmission #%u)", rw->rtx_no);
    buf_puts(b, "\n\n");
    diagram_msg_text(b, m, d->r->diagram.redact_bodies);
}

/* ---- driver ------------------------------------------------------------------ */

int diagram_format_from(const char *name)
{
    static const struct {
        const char *n;
        int f;
    } tab[] = {{"svg", DIAG_SVG},         {"png", DIAG_PNG},   {"pdf", DIAG_PDF},      {"mermaid", DIAG_MERMAID},
               {"plantuml", DIAG_PLANTUML}, {"html", DIAG_HTML}, {"layout", DIAG_LAYOUT}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(name, tab[i].n) == 0)
            return tab[i].f;
    return 0;
}

int diagram_path_is_dir(const char *path)
{
    if (!path || !*path || strcmp(path, "-") == 0)
        return 0;
    size_t l = strlen(path);
    if (path[l - 1] == '/')
        return 1;
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *format_ext(int f)
{
    switch (f) {
    case DIAG_SVG: return "svg";
    case DIAG_PNG: return "png";
    case DIAG_PDF: return "pdf";
    case DIAG_MERMAID: return "mmd";
    case DIAG_PLANTUML: return "puml";
    case DIAG_HTML: return "html";
    default: return "layout.txt";
    }
}

/* Open NAME (no '/') inside the directory dirfd for writing, never
 * following a symbolic link planted there. */
static FILE *open_in_dir(int dirfd, const char *dir, const char *name)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "sipladder: %s/%s: cannot write: %s\n", dir, name, strerror(errno));
        return NULL;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f)
        close(fd);
    return f;
}

struct built {
    struct ladder L;
    struct layout Y;
    struct diagram d;
    struct buf title;
    uint32_t *msgs;
    size_t nmsgs;
};

static void built_make(struct built *b, const struct render_ctx *r, const uint32_t *calls, size_t ncalls, int id)
{
    memset(b, 0, sizeof(*b));
    const struct store *s = r->s;
    if (ncalls == 1) {
        const struct call *c = &s->calls[calls[0]];
        ladder_build_ex(&b->L, s, c->msgs, c->nmsgs, r->aliases, r->diagram.merge_lanes ? LADDER_MERGE_HOSTS : 0);
    } else {
        size_t cap = 0;
        for (size_t i = 0; i < r->sel->nmsgs; i++) {
            uint32_t mi = r->sel->msgs[i];
            uint32_t c = s->msgs[mi].call;
            if (c == NONE || r->sel->call_pos[c] == NONE)
                continue;
            b->msgs = xgrow(b->msgs, &cap, b->nmsgs + 1, sizeof(*b->msgs));
            b->msgs[b->nmsgs++] = mi;
        }
        ladder_build_ex(&b->L, s, b->msgs, b->nmsgs, r->aliases, r->diagram.merge_lanes ? LADDER_MERGE_HOSTS : 0);
    }
    struct buf sub = {0};
    layout_title(&b->title, &sub, s, calls, ncalls);
    struct lay_opts o = {.theme = r->diagram.theme, .no_time = r->diagram.no_time, .compact = r->diagram.compact,
                         .group = ncalls > 1};
    layout_build(&b->Y, &b->L, &o, b->title.p, sub.p);
    buf_free(&sub);
    b->d = (struct diagram){.r = r, .L = &b->L, .Y = &b->Y, .calls = calls, .ncalls = ncalls, .id = id,
                            .title = b->title.p ? b->title.p : ""};
}

static void built_free(struct built *b)
{
    layout_free(&b->Y);
    ladder_free(&b->L);
    buf_free(&b->title);
    free(b->msgs);
}

/* One diagram to a stream (every format but PDF and HTML). */
static int write_one(FILE *f, const struct diagram *d, int fmt)
{
    struct buf b = {0};
    int rc = 0;
    switch (fmt) {
    case DIAG_SVG: rc = svg_write(&b, d); break;
    case DIAG_MERMAID: rc = mermaid_write(&b, d); break;
    case DIAG_PLANTUML: rc = plantuml_write(&b, d); break;
    case DIAG_PNG: rc = png_write(f, d, d->r->diagram.scale > 0 ? d->r->diagram.scale : 1.0); break;
    case DIAG_LAYOUT: {
        char *p = NULL;
        size_t n = 0;
        FILE *m = open_memstream(&p, &n);
        if (!m)
            return -1;
        layout_dump(d->Y, m);
        size_t bad = layout_check(d->Y, m);
        fprintf(m, "check: %s (%zu problem%s)\n", bad ? "FAILED" : "ok", bad, bad == 1 ? "" : "s");
        fclose(m);
        buf_put(&b, p, n);
        free(p);
        break;
    }
    default: rc = -1; break;
    }
    if (rc == 0 && b.n && fwrite(b.p, 1, b.n, f) != b.n)
        rc = -1;
    buf_free(&b);
    return rc;
}

int render_diagram(const struct render_ctx *r)
{
    const struct diagram_opts *o = &r->diagram;
    const size_t ncalls = r->sel->ncalls;
    if (!ncalls) {
        fprintf(stderr, "sipladder: no call selected: no diagram written\n");
        return 0;
    }
    const int group = o->group && ncalls > 1;
    const size_t nd = group ? 1 : ncalls;
    const int fmt = o->format;
    if (!o->outdir && nd > 1 && (fmt == DIAG_SVG || fmt == DIAG_PNG || fmt == DIAG_MERMAID)) {
        fprintf(stderr,
                "sipladder: %zu calls selected, but a %s file holds one diagram: write one file per call with "
                "-o DIR/, draw them together with --group, or pick one with --call-id\n",
                ncalls, format_ext(fmt));
        return 1;
    }
    int dirfd = -1;
    if (o->outdir) {
        if (mkdir(o->outdir, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "sipladder: %s: cannot create directory: %s\n", o->outdir, strerror(errno));
            return -1;
        }
        dirfd = open(o->outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0) {
            fprintf(stderr, "sipladder: %s: cannot open directory: %s\n", o->outdir, strerror(errno));
            return -1;
        }
    }
    struct built *bs = xcalloc(nd, sizeof(*bs));
    const struct diagram **ds = xcalloc(nd, sizeof(*ds));
    for (size_t i = 0; i < nd; i++) {
        built_make(&bs[i], r, group ? r->sel->calls : &r->sel->calls[i], group ? ncalls : 1, (int)i + 1);
        ds[i] = &bs[i].d;
    }
    int rc = 0;
    if (fmt == DIAG_HTML || (fmt == DIAG_PDF && !o->outdir)) {
        FILE *f = r->out;
        if (dirfd >= 0)
            f = open_in_dir(dirfd, o->outdir, fmt == DIAG_HTML ? "index.html" : "calls.pdf");
        if (!f)
            rc = -1;
        else {
            rc = fmt == DIAG_HTML ? html_write(f, ds, nd) : pdf_write(f, ds, nd);
            if (f != r->out && fclose(f) != 0)
                rc = -1;
        }
    } else if (dirfd >= 0) {
        int width = 1;
        for (size_t k = nd; k >= 10; k /= 10)
            width++;
        for (size_t i = 0; i < nd && rc == 0; i++) {
            struct buf name = {0};
            if (group) {
                buf_puts(&name, "group");
            } else {
                const struct call *c = &r->s->calls[r->sel->calls[i]];
                buf_printf(&name, "%0*zu-", width, i + 1);
                file_name_sanitize(&name, c->call_id, c->call_id_len, 64);
            }
            buf_printf(&name, ".%s", format_ext(fmt));
            FILE *f = open_in_dir(dirfd, o->outdir, name.p);
            if (!f) {
                rc = -1;
            } else {
                rc = fmt == DIAG_PDF ? pdf_write(f, &ds[i], 1) : write_one(f, ds[i], fmt);
                if (fclose(f) != 0)
                    rc = -1;
                if (rc)
                    fprintf(stderr, "sipladder: %s/%s: write failed\n", o->outdir, name.p);
            }
            buf_free(&name);
        }
    } else {
        for (size_t i = 0; i < nd && rc == 0; i++) {
            if (i && (fmt == DIAG_LAYOUT || fmt == DIAG_PLANTUML))
                fputc('\n', r->out);
            if (fmt == DIAG_LAYOUT && nd > 1)
                fprintf(r->out, "== diagram %zu/%zu\n", i + 1, nd);
            rc = write_one(r->out, ds[i], fmt);
        }
    }
    for (size_t i = 0; i < nd; i++)
        built_free(&bs[i]);
    free(bs);
    free(ds);
    if (dirfd >= 0)
        close(dirfd);
    return rc;
}
