/*
 * plantuml.c - the ladder as a PlantUML sequence diagram.
 *
 * Participants are the lanes (ids L1, L2 ...; the display name in quotes
 * with the addresses on further lines); arrows coloured by message kind
 * (no colours with --theme print), retransmissions dotted; SDP, Reason
 * and media sessions as notes.  Several calls are several
 * @startuml/@enduml blocks.
 *
 * Escaping: PlantUML treats `"` (ends a quoted name), `\n`-style
 * backslash sequences, creole markup (** // "" -- __ ~~ == and ~ as its
 * escape), `<...>` tags, `&` entities, and `$`/`%`/`!` for its
 * preprocessor specially.  Every character
 * outside a small safe ASCII set is written as an HTML numeric entity
 * `&#NNN;`, which PlantUML decodes in names, messages and notes; the
 * output is plain ASCII.
 */
#include <string.h>

#include "render/layout.h"
#include "render/render.h"
#include "src/base/util.h"

static int safe(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '.' ||
           c == ',' || c == ':' || c == '@' || c == '+' || c == '(' || c == ')' || c == '?' || c == ';' ||
           c == '\'';
}

void plantuml_escape(struct buf *b, const char *s)
{
    struct buf c = {0};
    text_clean(&c, (const uint8_t *)s, strlen(s), 0);
    const uint8_t *p = (const uint8_t *)c.p;
    size_t n = c.n;
    for (size_t i = 0; i < n;) {
        uint32_t cp = p[i];
        size_t l = 1;
        if (cp >= 0x80) {
            l = cp >= 0xf0 ? 4 : cp >= 0xe0 ? 3 : 2;
            cp &= l == 2 ? 0x1f : l == 3 ? 0x0f : 0x07;
            for (size_t k = 1; k < l && i + k < n; k++)
                cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (cp < 0x80 && safe(cp))
            buf_putc(b, (char)cp);
        else
            buf_printf(b, "&#%u;", cp);
        i += l;
    }
    buf_free(&c);
}

static void lane_id(struct buf *b, uint32_t l)
{
    buf_printf(b, "L%u", l + 1);
}

int plantuml_write(struct buf *b, const struct diagram *d)
{
    const struct ladder *L = d->L;
    const struct lay_palette *pal = lay_palette(d->r->diagram.theme);
    const int print = d->r->diagram.theme == THEME_PRINT;
    buf_puts(b, "@startuml\n");
    if (print)
        buf_puts(b, "skinparam monochrome true\n");
    buf_puts(b, "skinparam sequenceMessageAlign center\nskinparam defaultFontName \"DejaVu Sans\"\n");
    if (d->title && *d->title && !d->r->diagram.compact) {
        buf_puts(b, "title ");
        plantuml_escape(b, d->title);
        buf_putc(b, '\n');
    }
    for (size_t i = 0; i < L->nlanes; i++) {
        const struct lane *ln = &L->lanes[i];
        buf_puts(b, "participant \"");
        plantuml_escape(b, ln->name);
        int show = ln->naddrs > 1 || (ln->naddrs == 1 && strcmp(ln->name, ln->addrs[0]) != 0);
        for (size_t k = 0; show && k < ln->naddrs && k < 4; k++) {
            buf_puts(b, "\\n");
            plantuml_escape(b, ln->addrs[k]);
        }
        buf_puts(b, "\" as ");
        lane_id(b, (uint32_t)i);
        buf_putc(b, '\n');
    }
    size_t mi = 0;
    for (size_t i = 0; i < L->nrows; i++) {
        const struct row *r = &L->rows[i];
        lane_id(b, r->from);
        buf_puts(b, " -");
        if (!print || r->retrans) {
            buf_putc(b, '[');
            if (!print)
                buf_puts(b, pal->kind[r->kind]);
            if (r->retrans)
                buf_puts(b, print ? "dotted" : ",dotted");
            buf_putc(b, ']');
        }
        buf_puts(b, "> ");
        lane_id(b, r->to);
        buf_puts(b, " : ");
        struct buf t = {0};
        buf_puts(&t, r->label);
        if (r->kind == ROW_REQUEST && r->ruri_user[0]) {
            buf_putc(&t, ' ');
            buf_puts(&t, r->ruri_user);
        }
        if (r->retrans)
            buf_printf(&t, " (rtx #%u)", r->rtx_no);
        plantuml_escape(b, t.p);
        buf_free(&t);
        buf_putc(b, '\n');
        const char *notes[2] = {r->note, r->reason};
        for (int k = 0; k < 2; k++) {
            if (!notes[k] || !notes[k][0])
                continue;
            if (r->from == r->to) {
                buf_puts(b, "note right of ");
                lane_id(b, r->from);
            } else {
                buf_puts(b, "note over ");
                lane_id(b, r->from);
                buf_puts(b, ", ");
                lane_id(b, r->to);
            }
            buf_puts(b, " : ");
            if (k)
                buf_puts(b, "Reason: ");
            plantuml_escape(b, notes[k]);
            buf_putc(b, '\n');
        }
        for (; mi < L->nmedia && L->media[mi].row0 == i; mi++) {
            const struct media_span *ms = &L->media[mi];
            buf_puts(b, "hnote over ");
            lane_id(b, ms->lane_a);
            if (ms->lane_b != ms->lane_a) {
                buf_puts(b, ", ");
                lane_id(b, ms->lane_b);
            }
            buf_puts(b, " : media ");
            plantuml_escape(b, ms->label);
            buf_puts(b, "\\n");
            plantuml_escape(b, ms->detail);
            buf_putc(b, '\n');
        }
    }
    buf_puts(b, "@enduml\n");
    return 0;
}
