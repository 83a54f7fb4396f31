/*
 * html.c - one self-contained HTML page: the call list, every ladder as
 * inline SVG, and each message's full text shown when its arrow is
 * clicked.
 *
 * No script at all: an arrow is an SVG link to "#...-detail" and CSS
 * `:target` shows that message's panel.  A Content-Security-Policy meta
 * element forbids scripts and every network load, as a second line of
 * defence.  Written with xmlTextWriter (all text escaped); non-void HTML
 * elements are always closed with an end tag (xmlTextWriterFullEndElement)
 * because HTML does not read `<div/>` as an empty element.
 */
#include <libxml/xmlwriter.h>
#include <string.h>

#include "render/layout.h"
#include "render/render.h"
#include "src/base/util.h"

#define X(s) BAD_CAST(s)

struct hw {
    xmlTextWriterPtr w;
    int err;
};

static void chk(struct hw *h, int rc)
{
    if (rc < 0)
        h->err = 1;
}

static void start(struct hw *h, const char *el)
{
    chk(h, xmlTextWriterStartElement(h->w, X(el)));
}

static void end(struct hw *h)
{
    chk(h, xmlTextWriterFullEndElement(h->w));
}

static void end_void(struct hw *h)
{
    chk(h, xmlTextWriterEndElement(h->w));
}

static void attr(struct hw *h, const char *n, const char *v)
{
    chk(h, xmlTextWriterWriteAttribute(h->w, X(n), X(v)));
}

static void text(struct hw *h, const char *t)
{
    chk(h, xmlTextWriterWriteString(h->w, X(t)));
}

static void el_text(struct hw *h, const char *el, const char *cls, const char *t)
{
    start(h, el);
    if (cls)
        attr(h, "class", cls);
    text(h, t);
    end(h);
}

/* Raw capture bytes as clean text. */
static void raw_text(struct hw *h, const uint8_t *p, size_t n)
{
    struct buf b = {0};
    text_clean(&b, p, n, 0);
    text(h, b.p);
    buf_free(&b);
}

static const char page_css[] =
    "\n:root{color-scheme:light}\n"
    "body{margin:0;padding:24px 32px 80px;font-family:'DejaVu Sans','Bitstream Vera Sans',Verdana,system-ui,"
    "sans-serif;font-size:14px;color:#1a2330;background:#fafbfc}\n"
    "h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:32px 0 8px}\n"
    ".meta{color:#5a6472;font-size:12px;margin:0 0 16px}\n"
    "table.calls{border-collapse:collapse;font-size:12.5px;background:#fff}\n"
    "table.calls th,table.calls td{border-bottom:1px solid #e3e8ef;padding:5px 10px;text-align:left;"
    "vertical-align:top}\n"
    "table.calls th{background:#e8eef7;font-weight:bold}\n"
    "table.calls td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "table.calls td.id{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:11.5px}\n"
    "section.call{margin-top:24px}\n"
    ".ladder{overflow:auto;background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:4px;"
    "max-width:100%}\n"
    ".ladder svg{display:block}\n"
    ".ladder a{cursor:pointer}\n"
    ".hint{color:#5a6472;font-size:12px}\n"
    ".detail{display:none}\n"
    ".detail:target{display:block;position:fixed;right:16px;bottom:16px;width:min(720px,calc(100vw - 64px));"
    "max-height:60vh;overflow:auto;background:#fff;border:1px solid #7f96b8;border-radius:6px;"
    "box-shadow:0 6px 24px rgba(0,0,0,.18);padding:10px 14px;z-index:10}\n"
    ".detail h3{font-size:13px;margin:0 0 6px}\n"
    ".detail pre{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12px;white-space:pre-wrap;"
    "word-break:break-all;margin:0}\n"
    ".detail .close{float:right;text-decoration:none;font-size:18px;color:#5a6472}\n";

static void call_table(struct hw *h, const struct render_ctx *r, const struct diagram *const *ds, size_t nd)
{
    const struct store *s = r->s;
    start(h, "table");
    attr(h, "class", "calls");
    start(h, "tr");
    static const char *const heads[] = {"#", "start (UTC)", "state", "final", "msgs", "from \xe2\x86\x92 to",
                                        "Call-ID"};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        el_text(h, "th", NULL, heads[i]);
    end(h);
    size_t no = 0;
    for (size_t di = 0; di < nd; di++) {
        for (size_t ci = 0; ci < ds[di]->ncalls; ci++) {
            const struct call *c = &s->calls[ds[di]->calls[ci]];
            char b[64];
            start(h, "tr");
            start(h, "td");
            attr(h, "class", "n");
            start(h, "a");
            snprintf(b, sizeof b, "#call-%d", ds[di]->id);
            attr(h, "href", b);
            snprintf(b, sizeof b, "%zu", ++no);
            text(h, b);
            end(h);
            end(h);
            fmt_time_utc(b, sizeof b, s->msgs[c->first_msg].ts, 1);
            el_text(h, "td", NULL, b);
            el_text(h, "td", NULL, call_state_name((enum call_state)c->state));
            struct buf t = {0};
            if (c->final_msg != NONE)
                msg_label(&t, &s->msgs[c->final_msg]);
            start(h, "td");
            raw_text(h, (const uint8_t *)(t.p ? t.p : ""), t.n);
            end(h);
            snprintf(b, sizeof b, "%zu", c->nmsgs);
            el_text(h, "td", "n", b);
            buf_reset(&t);
            call_party(&t, s, c, 0);
            buf_puts(&t, " \xe2\x86\x92 ");
            call_party(&t, s, c, 1);
            start(h, "td");
            raw_text(h, (const uint8_t *)t.p, t.n);
            end(h);
            buf_free(&t);
            start(h, "td");
            attr(h, "class", "id");
            raw_text(h, c->call_id, c->call_id_len);
            end(h);
            end(h);
        }
    }
    end(h);
}

static void details(struct hw *h, const struct diagram *d)
{
    struct buf b = {0};
    for (size_t i = 0; i < d->Y->nrows; i++) {
        char id[64];
        snprintf(id, sizeof id, "d%d-m%zu-detail", d->id, i + 1);
        start(h, "div");
        attr(h, "class", "detail");
        attr(h, "id", id);
        start(h, "a");
        attr(h, "class", "close");
        snprintf(id, sizeof id, "#call-%d", d->id);
        attr(h, "href", id);
        attr(h, "title", "close");
        text(h, "\xc3\x97");
        end(h);
        start(h, "h3");
        const struct row *rw = &d->L->rows[d->Y->rows[i].row];
        buf_reset(&b);
        buf_printf(&b, "%zu. ", i + 1);
        text_clean(&b, (const uint8_t *)rw->label, strlen(rw->label), 0);
        text(h, b.p);
        end(h);
        start(h, "pre");
        buf_reset(&b);
        diagram_row_tooltip(&b, d, d->Y->rows[i].row);
        text(h, b.p);
        end(h);
        end(h);
    }
    buf_free(&b);
}

int html_write(FILE *f, const struct diagram *const *ds, size_t nd)
{
    xmlBufferPtr xb = xmlBufferCreate();
    if (!xb)
        return -1;
    xmlTextWriterPtr w = xmlNewTextWriterMemory(xb, 0);
    if (!w) {
        xmlBufferFree(xb);
        return -1;
    }
    struct hw H = {w, 0}, *h = &H;
    const struct render_ctx *r = nd ? ds[0]->r : NULL;
    chk(h, xmlTextWriterWriteDTD(w, X("html"), NULL, NULL, NULL));
    chk(h, xmlTextWriterWriteRaw(w, X("\n")));
    start(h, "html");
    attr(h, "lang", "en");
    start(h, "head");
    start(h, "meta");
    attr(h, "charset", "utf-8");
    end_void(h);
    start(h, "meta");
    attr(h, "http-equiv", "Content-Security-Policy");
    attr(h, "content", "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    end_void(h);
    start(h, "meta");
    attr(h, "name", "viewport");
    attr(h, "content", "width=device-width, initial-scale=1");
    end_void(h);
    size_t ncalls = 0;
    for (size_t i = 0; i < nd; i++)
        ncalls += ds[i]->ncalls;
    char t[96];
    snprintf(t, sizeof t, "sipladder: %zu call%s", ncalls, ncalls == 1 ? "" : "s");
    el_text(h, "title", NULL, t);
    el_text(h, "style", NULL, page_css);
    end(h); /* head */
    start(h, "body");
    el_text(h, "h1", NULL, t);
    if (r) {
        start(h, "p");
        attr(h, "class", "meta");
        text(h, "From ");
        for (int i = 0; i < r->nfiles; i++) {
            if (i)
                text(h, ", ");
            const char *nm = r->files[i].name ? r->files[i].name : "(stdin)";
            raw_text(h, (const uint8_t *)nm, strlen(nm));
        }
        text(h, ". Click an arrow to see the whole message.");
        end(h);
        call_table(h, r, ds, nd);
    }
    for (size_t i = 0; i < nd && !h->err; i++) {
        const struct diagram *d = ds[i];
        char id[48];
        snprintf(id, sizeof id, "call-%d", d->id);
        start(h, "section");
        attr(h, "class", "call");
        attr(h, "id", id);
        start(h, "h2");
        char hd[64];
        if (d->ncalls == 1)
            snprintf(hd, sizeof hd, "Call %d", d->id);
        else
            snprintf(hd, sizeof hd, "%zu calls together", d->ncalls);
        text(h, hd);
        end(h);
        start(h, "div");
        attr(h, "class", "ladder");
        if (svg_emit(w, d, 0) != 0)
            h->err = 1;
        end(h);
        details(h, d);
        end(h);
    }
    end(h); /* body */
    end(h); /* html */
    chk(h, xmlTextWriterEndDocument(w));
    xmlFreeTextWriter(w);
    int rc = h->err ? -1 : 0;
    if (rc == 0) {
        size_t n = (size_t)xmlBufferLength(xb);
        if (fwrite(xmlBufferContent(xb), 1, n, f) != n || fputc('\n', f) == EOF)
            rc = -1;
    }
    xmlBufferFree(xb);
    return rc;
}
