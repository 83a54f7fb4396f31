/*
 * mermaid.c - the ladder as a Mermaid sequenceDiagram.
 *
 * Participants are the lanes (id L1, L2 ... so no capture text is ever an
 * identifier), each labelled with its name and addresses; one message per
 * row (retransmissions as dashed -->> arrows with "(rtx #N)"); SDP
 * summaries, Reason values and media sessions as notes.  Mermaid has no
 * geometry to give: the layout model is not used beyond the ladder.
 *
 * Escaping: Mermaid reads `;` and `#` as syntax inside message text, `%%`
 * as a comment, `<...>` as HTML, and a newline ends a statement.  Every
 * character outside a small safe ASCII set is written as Mermaid's entity
 * code `#NNN;` (decimal code point), so the output is plain ASCII and no
 * byte from the capture can change its structure.
 */
#include <string.h>

#include "render/layout.h"
#include "render/render.h"
#include "src/base/util.h"

static int safe(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '.' ||
           c == ',' || c == ':' || c == '/' || c == '@' || c == '+' || c == '=' || c == '_' || c == '(' || c == ')' ||
           c == '?' || c == '!' || c == '\'' || c == '*' || c == '[' || c == ']' || c == '$' || c == '^' || c == '|' ||
           c == '~';
}

/* Clean UTF-8 in, Mermaid text out. */
void mermaid_escape(struct buf *b, const char *s)
{
    struct buf c = {0};
    text_clean(&c, (const uint8_t *)s, strlen(s), 0);
    const uint8_t *p = (const uint8_t *)c.p;
    size_t n = c.n;
    int prev_dash = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = p[i];
        size_t l = 1;
        if (cp >= 0x80) {
            l = cp >= 0xf0 ? 4 : cp >= 0xe0 ? 3 : 2;
            cp &= l == 2 ? 0x1f : l == 3 ? 0x0f : 0x07;
            for (size_t k = 1; k < l && i + k < n; k++)
                cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        /* a lone '-' is fine, "--" or "->" could read as an arrow in some parsers */
        if (cp == '-' && !prev_dash && !(i + 1 < n && (p[i + 1] == '-' || p[i + 1] == '>'))) {
            buf_putc(b, '-');
            prev_dash = 1;
        } else if (cp < 0x80 && safe(cp)) {
            buf_putc(b, (char)cp);
            prev_dash = 0;
        } else {
            buf_printf(b, "#%u;", cp);
            prev_dash = 0;
        }
        i += l;
    }
    buf_free(&c);
}

static void lane_id(struct buf *b, uint32_t l)
{
    buf_printf(b, "L%u", l + 1);
}

int mermaid_write(struct buf *b, const struct diagram *d)
{
    const struct ladder *L = d->L;
    buf_puts(b, "sequenceDiagram\n");
    if (d->title && *d->title && !d->r->diagram.compact) {
        buf_puts(b, "    title ");
        mermaid_escape(b, d->title);
        buf_putc(b, '\n');
    }
    for (size_t i = 0; i < L->nlanes; i++) {
        const struct lane *ln = &L->lanes[i];
        buf_puts(b, "    participant ");
        lane_id(b, (uint32_t)i);
        buf_puts(b, " as ");
        mermaid_escape(b, ln->name);
        int show = ln->naddrs > 1 || (ln->naddrs == 1 && strcmp(ln->name, ln->addrs[0]) != 0);
        for (size_t k = 0; show && k < ln->naddrs && k < 4; k++) {
            buf_puts(b, "<br/>");
            mermaid_escape(b, ln->addrs[k]);
        }
        buf_putc(b, '\n');
    }
    size_t mi = 0;
    for (size_t i = 0; i < L->nrows; i++) {
        const struct row *r = &L->rows[i];
        buf_puts(b, "    ");
        lane_id(b, r->from);
        buf_puts(b, r->retrans ? "-->>" : "->>");
        lane_id(b, r->to);
        buf_puts(b, ": ");
        struct buf t = {0};
        buf_puts(&t, r->label);
        if (r->kind == ROW_REQUEST && r->ruri_user[0]) {
            buf_putc(&t, ' ');
            buf_puts(&t, r->ruri_user);
        }
        if (r->retrans)
            buf_printf(&t, " (rtx #%u)", r->rtx_no);
        mermaid_escape(b, t.p);
        buf_free(&t);
        buf_putc(b, '\n');
        const char *notes[2] = {r->note, r->reason};
        for (int k = 0; k < 2; k++) {
            if (!notes[k] || !notes[k][0])
                continue;
            buf_puts(b, "    Note ");
            if (r->from == r->to) {
                buf_puts(b, "right of ");
                lane_id(b, r->from);
            } else {
                buf_puts(b, "over ");
                lane_id(b, r->from);
                buf_putc(b, ',');
                lane_id(b, r->to);
            }
            buf_puts(b, ": ");
            if (k)
                buf_puts(b, "Reason: ");
            mermaid_escape(b, notes[k]);
            buf_putc(b, '\n');
        }
        for (; mi < L->nmedia && L->media[mi].row0 == i; mi++) {
            const struct media_span *ms = &L->media[mi];
            buf_puts(b, "    Note over ");
            lane_id(b, ms->lane_a);
            if (ms->lane_b != ms->lane_a) {
                buf_putc(b, ',');
                lane_id(b, ms->lane_b);
            }
            buf_puts(b, ": media ");
            mermaid_escape(b, ms->label);
            buf_puts(b, "<br/>");
            mermaid_escape(b, ms->detail);
            buf_putc(b, '\n');
        }
    }
    return 0;
}
