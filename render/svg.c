/*
 * svg.c - the SVG ladder, written with libxml2's xmlTextWriter.
 *
 * cairo's SVG surface would draw every glyph as an outline; a diagram for
 * documentation needs real <text> (searchable, selectable, restylable),
 * so the SVG is written here, from the same layout that cairo.c paints.
 * xmlTextWriter escapes every attribute and text node; the layout's
 * strings are already clean UTF-8 without control characters (which XML
 * 1.0 forbids even as references), and message tooltips go through
 * text_clean() too.
 *
 * The document is self-contained: a <style> element with one CSS class per
 * message kind (req, r1xx, r2xx, r3xx, rerr, bad; rtx for retransmissions)
 * that users may override, font-family lists that fall back to system
 * fonts, no scripts, no external references.  Each arrow is a <g> whose
 * <title> holds the whole SIP message (a browser shows it as a tooltip).
 */
#include <libxml/xmlwriter.h>
#include <string.h>

#include "render/layout.h"
#include "render/render.h"
#include "src/base/util.h"

static const char *const kind_class[] = {"req", "r1xx", "r2xx", "r3xx", "rerr", "bad"};

static const char *const role_class[LR__COUNT] = {
    [LR_TITLE] = "title", [LR_SUBTITLE] = "subtitle", [LR_COLHEAD] = "colhead", [LR_LANE_NAME] = "name",
    [LR_LANE_ADDR] = "addr", [LR_LABEL] = "label",    [LR_RTX] = "rtxno",       [LR_NOTE] = "note",
    [LR_REASON] = "reason", [LR_TIME] = "time",       [LR_DELTA] = "delta",     [LR_TAG] = "tag",
    [LR_MEDIA] = "mlabel",  [LR_MEDIA_DETAIL] = "mdetail",
};

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

static void start(struct sw *s, const char *el)
{
    chk(s, xmlTextWriterStartElement(s->w, X(el)));
}

static void end(struct sw *s)
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

static void text(struct sw *s, const char *t)
{
    chk(s, xmlTextWriterWriteString(s->w, X(t)));
}

static void rect(struct sw *s, const char *cls, double x, double y, double w, double h, double rx)
{
    start(s, "rect");
    if (cls)
        attr(s, "class", cls);
    attr_num(s, "x", x);
    attr_num(s, "y", y);
    attr_num(s, "width", w);
    attr_num(s, "height", h);
    if (rx > 0)
        attr_num(s, "rx", rx);
    end(s);
}

static void line(struct sw *s, const char *cls, double x1, double y1, double x2, double y2)
{
    start(s, "line");
    if (cls)
        attr(s, "class", cls);
    attr_num(s, "x1", x1);
    attr_num(s, "y1", y1);
    attr_num(s, "x2", x2);
    attr_num(s, "y2", y2);
    end(s);
}

static void text_el(struct sw *s, const struct lay_text *t)
{
    start(s, "text");
    attr(s, "class", role_class[t->role]);
    attr_num(s, "x", t->x);
    attr_num(s, "y", t->y);
    if (t->anchor == LA_MIDDLE)
        attr(s, "text-anchor", "middle");
    else if (t->anchor == LA_END)
        attr(s, "text-anchor", "end");
    text(s, t->s);
    end(s);
}

static void css(struct buf *b, const struct lay_palette *p, const char *scope)
{
    const char *sans = lay_font_css_sans, *mono = lay_font_css_mono;
    const char *k = scope;
    buf_printf(b, "\n%s{font-family:%s}\n", k, sans);
    buf_printf(b, "%s .bg{fill:%s}\n%s .alt{fill:%s}\n%s .strip{fill:%s}\n", k, p->bg, k, p->row_alt, k,
               p->strip_fill);
    buf_printf(b, "%s text{font-family:%s;font-size:12px;white-space:pre}\n", k, sans);
    buf_printf(b, "%s .title{font-size:15px;font-weight:bold;fill:%s}\n", k, p->title);
    buf_printf(b, "%s .subtitle{font-size:11.5px;fill:%s}\n", k, p->sub);
    buf_printf(b, "%s .colhead{font-size:10.5px;fill:%s}\n", k, p->sub);
    buf_printf(b, "%s .lanehead{fill:%s;stroke:%s;stroke-width:1}\n", k, p->head_fill, p->head_stroke);
    buf_printf(b, "%s .name{font-size:12.5px;font-weight:bold;fill:%s}\n", k, p->head_text);
    buf_printf(b, "%s .addr{font-size:10.5px;fill:%s}\n", k, p->addr);
    buf_printf(b, "%s .lane{stroke:%s;stroke-width:1}\n", k, p->lane);
    buf_printf(b, "%s .time,%s .delta{font-family:%s;font-size:10.5px;fill:%s}\n", k, k, mono, p->time);
    buf_printf(b, "%s .tag{font-size:10.5px;fill:%s}\n", k, p->time);
    buf_printf(b, "%s .msg .line{stroke-width:1.4;fill:none}\n", k);
    buf_printf(b, "%s .msg .label{font-size:12px}\n", k);
    for (int i = 0; i < 6; i++)
        buf_printf(b, "%s .%s .line{stroke:%s}\n%s .%s .head{fill:%s;stroke:none}\n%s .%s .label{fill:%s}\n", k,
                   kind_class[i], p->kind[i], k, kind_class[i], p->kind[i], k, kind_class[i], p->kind[i]);
    buf_printf(b, "%s .msg.rtx .line{stroke-dasharray:5 3}\n%s .msg.rtx{opacity:.55}\n", k, k);
    buf_printf(b, "%s .rtxno{font-size:10.5px;font-style:italic;fill:%s}\n", k, p->note);
    buf_printf(b, "%s .lblbg{fill:%s}\n%s .lblbg.on-alt{fill:%s}\n", k, p->bg, k, p->row_alt);
    buf_printf(b, "%s .note{font-size:10.5px;fill:%s}\n", k, p->note);
    buf_printf(b, "%s .reason{font-size:10.5px;font-style:italic;fill:%s}\n", k, p->reason);
    buf_printf(b, "%s .media .bar{fill:%s;stroke:%s;stroke-width:1}\n", k, p->media_fill, p->media_stroke);
    buf_printf(b, "%s .media .guide{stroke:%s;stroke-width:1;stroke-dasharray:1 3}\n", k, p->media_stroke);
    buf_printf(b, "%s .mlabel{font-size:10.5px;font-weight:bold;fill:%s}\n", k, p->media_text);
    buf_printf(b, "%s .mdetail{font-size:10.5px;fill:%s}\n", k, p->media_text);
    buf_printf(b, "%s .msg:hover .line{stroke-width:2.4}\n%s .msg:hover{opacity:1}\n", k, k);
}

/* Lane lines, interrupted by the name strips. */
static void lane_lines(struct sw *s, const struct layout *Y)
{
    for (size_t i = 0; i < Y->nlanes; i++) {
        double y = Y->lane_line_top;
        for (size_t k = 0; k <= Y->nstrips; k++) {
            double y2 = k < Y->nstrips ? Y->strips[k].y0 : Y->lane_line_bottom;
            if (y2 > y)
                line(s, "lane", Y->lanes[i].x, y, Y->lanes[i].x, y2);
            if (k < Y->nstrips)
                y = Y->strips[k].y1;
        }
    }
}

/* Append "<cmd>x y" to a path. */
static void pt(struct buf *d, const char *cmd, double x, double y)
{
    char a[32], b[32];
    fmt_num(a, sizeof a, x);
    fmt_num(b, sizeof b, y);
    buf_printf(d, "%s%s %s", cmd, a, b);
}

static void path(struct sw *s, const char *cls, const struct buf *d)
{
    start(s, "path");
    attr(s, "class", cls);
    attr(s, "d", d->p);
    end(s);
}

static void arrow(struct sw *s, const struct lay_row *r)
{
    struct buf d = {0};
    const double H = LAY_ARROW_HEAD, hw = 4.0;
    if (r->self) {
        double x0 = r->x0, xr = r->x1, y0 = r->ay, y1 = r->ay + r->loop_h;
        pt(&d, "M", x0, y0);
        pt(&d, " L", xr - 5, y0);
        pt(&d, " Q", xr, y0);
        pt(&d, " ", xr, y0 + 5);
        pt(&d, " L", xr, y1 - 5);
        pt(&d, " Q", xr, y1);
        pt(&d, " ", xr - 5, y1);
        pt(&d, " L", x0 + H, y1);
        path(s, "line", &d);
        buf_reset(&d);
        pt(&d, "M", x0, y1);
        pt(&d, " L", x0 + H, y1 - hw);
        pt(&d, " L", x0 + H, y1 + hw);
    } else {
        double dir = r->x1 > r->x0 ? 1.0 : -1.0;
        double tip = r->x1 - dir * 0.5; /* the tip touches the lane line */
        line(s, "line", r->x0, r->ay, tip - dir * (H - 1), r->ay);
        pt(&d, "M", tip, r->ay);
        pt(&d, " L", tip - dir * H, r->ay - hw);
        pt(&d, " L", tip - dir * H, r->ay + hw);
    }
    buf_puts(&d, " Z");
    path(s, "head", &d);
    buf_free(&d);
}

static void head_boxes(struct sw *s, const struct layout *Y, int foot)
{
    for (size_t i = 0; i < Y->nlanes; i++) {
        const struct lay_box *b = foot ? &Y->lanes[i].foot : &Y->lanes[i].head;
        if (b->w <= 0)
            continue;
        rect(s, "lanehead", b->x, b->y, b->w, b->h, 5);
    }
}

int svg_emit(struct _xmlTextWriter *w, const struct diagram *d, int standalone)
{
    struct sw S = {w, 0}, *s = &S;
    const struct layout *Y = d->Y;
    const struct lay_palette *p = lay_palette(Y->opts.theme);
    char idp[24];
    snprintf(idp, sizeof idp, "d%d", d->id);
    start(s, "svg");
    if (standalone)
        attr(s, "xmlns", "http://www.w3.org/2000/svg");
    attr_num(s, "width", Y->width);
    attr_num(s, "height", Y->height);
    char vb[96], a[32], b[32];
    fmt_num(a, sizeof a, Y->width);
    fmt_num(b, sizeof b, Y->height);
    snprintf(vb, sizeof vb, "0 0 %s %s", a, b);
    attr(s, "viewBox", vb);
    attr(s, "id", idp);
    attr(s, "class", Y->opts.theme == THEME_PRINT ? "sipladder theme-print" : "sipladder theme-light");
    attr(s, "role", "img");
    /* spaces in texts count, as they did when the layout measured them */
    attr(s, "xml:space", "preserve");
    start(s, "title");
    text(s, "SIP call ladder: ");
    text(s, d->title);
    end(s);
    /* styles, scoped to this diagram so several can share one HTML page */
    struct buf c = {0};
    char scope[48];
    snprintf(scope, sizeof scope, "#%s", idp);
    css(&c, p, scope);
    start(s, "style");
    attr(s, "type", "text/css");
    text(s, c.p);
    end(s);
    buf_free(&c);

    rect(s, "bg", 0, 0, Y->width, Y->height, 0);
    /* alternating row bands and name strips */
    start(s, "g");
    attr(s, "class", "rows");
    for (size_t i = 1; i < Y->nrows; i += 2)
        rect(s, "alt", 0, Y->rows[i].y0, Y->width, Y->rows[i].y1 - Y->rows[i].y0, 0);
    for (size_t i = 0; i < Y->nstrips; i++)
        rect(s, "strip", 0, Y->strips[i].y0, Y->width, Y->strips[i].y1 - Y->strips[i].y0, 0);
    end(s);
    start(s, "g");
    attr(s, "class", "lanes");
    lane_lines(s, Y);
    head_boxes(s, Y, 0);
    head_boxes(s, Y, 1);
    end(s);
    /* every text that does not belong to a row or a media span */
    start(s, "g");
    attr(s, "class", "heads");
    for (size_t i = 0; i < Y->ntexts; i++) {
        const struct lay_text *t = &Y->texts[i];
        if (t->row < 0 && t->media < 0)
            text_el(s, t);
    }
    end(s);
    /* time column */
    start(s, "g");
    attr(s, "class", "times");
    for (size_t i = 0; i < Y->ntexts; i++) {
        const struct lay_text *t = &Y->texts[i];
        if (t->row >= 0 && (t->role == LR_TIME || t->role == LR_DELTA || t->role == LR_TAG))
            text_el(s, t);
    }
    end(s);
    /* messages: texts of a row are contiguous in Y->texts, in row order */
    start(s, "g");
    attr(s, "class", "msgs");
    size_t ti = 0;
    struct buf tip = {0};
    for (size_t i = 0; i < Y->nrows && !s->err; i++) {
        const struct lay_row *r = &Y->rows[i];
        char cls[64], id[64];
        snprintf(cls, sizeof cls, "msg %s%s%s", kind_class[r->kind], r->retrans ? " rtx" : "", r->self ? " self" : "");
        snprintf(id, sizeof id, "%s-m%zu", idp, i + 1);
        if (!standalone) {
            /* HTML page: a click shows the message's details (CSS :target) */
            char href[96];
            snprintf(href, sizeof href, "#%s-detail", id);
            start(s, "a");
            attr(s, "href", href);
        }
        start(s, "g");
        attr(s, "class", cls);
        attr(s, "id", id);
        buf_reset(&tip);
        diagram_row_tooltip(&tip, d, r->row);
        start(s, "title");
        text(s, tip.p ? tip.p : "");
        end(s);
        arrow(s, r);
        while (ti < Y->ntexts && Y->texts[ti].row < (int32_t)i)
            ti++;
        if (r->label_bg) {
            /* the arrow crosses other lanes: its texts get a backing so lane lines do not run through them */
            for (size_t k = ti; k < Y->ntexts && Y->texts[k].row == (int32_t)i; k++) {
                const struct lay_text *t = &Y->texts[k];
                if (t->role == LR_TIME || t->role == LR_DELTA || t->role == LR_TAG)
                    continue;
                int lab = t->role == LR_LABEL || t->role == LR_RTX;
                rect(s, i % 2 ? "lblbg on-alt" : "lblbg", t->box.x - 3, t->box.y - (lab ? 1 : 0), t->box.w + 6,
                     t->box.h + (lab ? 2 : 0), 2);
            }
        }
        for (size_t k = ti; k < Y->ntexts && Y->texts[k].row == (int32_t)i; k++) {
            const struct lay_text *t = &Y->texts[k];
            if (t->role != LR_TIME && t->role != LR_DELTA && t->role != LR_TAG)
                text_el(s, t);
        }
        end(s);
        if (!standalone)
            end(s);
    }
    end(s);
    /* media spans */
    if (Y->nmedia) {
        start(s, "g");
        attr(s, "class", "media");
        for (size_t i = 0; i < Y->nmedia; i++) {
            const struct lay_media *m = &Y->media[i];
            const struct media_span *ms = &d->L->media[m->span];
            start(s, "g");
            attr(s, "class", ms->open ? "span open" : "span");
            buf_reset(&tip);
            buf_puts(&tip, "Media (SDP offer/answer): ");
            text_clean(&tip, (const uint8_t *)ms->label, strlen(ms->label), 0);
            buf_puts(&tip, "\n");
            text_clean(&tip, (const uint8_t *)ms->detail, strlen(ms->detail), 0);
            buf_printf(&tip, "\nmessages %u to %u%s", ms->row0 + 1, ms->row1 + 1,
                       ms->open ? " (still up at the end of the capture)" : "");
            start(s, "title");
            text(s, tip.p);
            end(s);
            uint32_t hl = ms->lane_a > ms->lane_b ? ms->lane_a : ms->lane_b;
            line(s, "guide", Y->lanes[hl].x + 4, m->y0, m->x, m->y0);
            rect(s, "bar", m->x, m->y0, LAY_MEDIA_BAR, m->y1 - m->y0, 3);
            for (size_t k = 0; k < Y->ntexts; k++)
                if (Y->texts[k].media == (int32_t)i)
                    text_el(s, &Y->texts[k]);
            end(s);
        }
        end(s);
    }
    buf_free(&tip);
    end(s); /* svg */
    return s->err ? -1 : 0;
}

int svg_write(struct buf *out, const struct diagram *d)
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
        rc = svg_emit(w, d, 1);
    if (rc == 0 && xmlTextWriterEndDocument(w) < 0)
        rc = -1;
    xmlFreeTextWriter(w); /* flushes into xb */
    if (rc == 0)
        buf_put(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
    xmlBufferFree(xb);
    return rc;
}
