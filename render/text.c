/*
 * text.c - the text ladder (the default output).
 *
 * Layout: a time column, a delta column, then one lane per endpoint.
 * Lanes are spaced so that the widest arrow label fits; arrows run
 * between the lanes' bars with the label centred on them.  Every byte
 * from the capture goes through buf_put_escaped(), so packet data can
 * never drive the terminal.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dissect/sip.h"
#include "dissect/sip_hdr.h"
#include "render/render.h"
#include "src/base/util.h"

#define C_RESET "\033[0m"
#define C_REQ "\033[36m"
#define C_1XX "\033[33m"
#define C_2XX "\033[32m"
#define C_3XX "\033[34m"
#define C_ERR "\033[31m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"

#define TIME_W 13
#define DELTA_W 10
#define MAX_GAP 48
#define MIN_GAP 20

void fmt_time_utc(char *buf, size_t n, int64_t ns, int with_date)
{
    time_t t = (time_t)(ns / 1000000000LL);
    long frac = (long)(ns % 1000000000LL);
    if (frac < 0) {
        frac += 1000000000L;
        t--;
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    char d[40];
    strftime(d, sizeof d, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
    if (with_date)
        snprintf(buf, n, "%s.%06ld", d, frac / 1000);
    else
        snprintf(buf, n, "%s.%03ld", d, frac / 1000000);
}

void call_party(struct buf *b, const struct store *s, const struct call *c, int to)
{
    /* From/To of the call's first message, as written. */
    const struct msg *m = &s->msgs[c->invite_msg != NONE ? c->invite_msg : c->first_msg];
    struct sip_msg sm;
    struct sip_hdr h[64];
    if (msg_parse(m, &sm, h, 64) != SIP_OK)
        return;
    struct slice v = sip_hdr_first(&sm, m->buf, to ? SIP_H_TO : SIP_H_FROM);
    struct sip_nameaddr na;
    if (v.p && sip_parse_nameaddr(v, &na)) {
        if (na.display.n) {
            buf_put(b, na.display.p, na.display.n);
            buf_putc(b, ' ');
        }
        buf_putc(b, '<');
        buf_put(b, na.uri.p, na.uri.n);
        buf_putc(b, '>');
    } else if (v.p) {
        buf_put(b, v.p, v.n);
    }
}

static const char *kind_color(uint8_t k)
{
    switch (k) {
    case ROW_REQUEST: return C_REQ;
    case ROW_1XX: return C_1XX;
    case ROW_2XX: return C_2XX;
    case ROW_3XX: return C_3XX;
    default: return C_ERR;
    }
}

/* Escaped, display-width-limited copy of s into b; returns width used. */
static size_t put_clipped(struct buf *b, const char *s, size_t maxw)
{
    size_t w = escaped_width((const uint8_t *)s, strlen(s));
    if (w <= maxw) {
        buf_put_escaped(b, (const uint8_t *)s, strlen(s));
        return w;
    }
    /* clip by code points, leaving room for "~" */
    struct buf t = {0};
    size_t used = 0, i = 0, n = strlen(s);
    while (i < n) {
        size_t l = 1;
        while (i + l < n && ((uint8_t)s[i + l] & 0xc0) == 0x80)
            l++;
        size_t cw = escaped_width((const uint8_t *)s + i, l);
        if (used + cw + 1 > maxw)
            break;
        buf_put_escaped(&t, (const uint8_t *)s + i, l);
        used += cw;
        i += l;
    }
    if (t.n)
        buf_put(b, t.p, t.n);
    buf_putc(b, '~');
    buf_free(&t);
    return used + 1;
}

static void pad(struct buf *b, size_t n, char c)
{
    for (size_t i = 0; i < n; i++)
        buf_putc(b, c);
}

static void fmt_secs(char *buf, size_t n, int64_t ns)
{
    snprintf(buf, n, "%.3f s", (double)ns / 1e9);
}

static void print_call_header(const struct render_ctx *r, struct buf *b, const struct call *c, size_t pos,
                              size_t total)
{
    const struct store *s = r->s;
    if (total)
        buf_printf(b, "%s=== Call %zu/%zu: ", r->color ? C_BOLD : "", pos + 1, total);
    else
        buf_printf(b, "%s=== Call %zu: ", r->color ? C_BOLD : "", pos + 1);
    buf_put_escaped(b, c->call_id, c->call_id_len);
    buf_printf(b, " ===%s\n", r->color ? C_RESET : "");
    struct buf t = {0};
    call_party(&t, s, c, 0);
    buf_puts(b, "  From:  ");
    buf_put_escaped(b, (const uint8_t *)(t.p ? t.p : ""), t.n);
    buf_reset(&t);
    call_party(&t, s, c, 1);
    buf_puts(b, "\n  To:    ");
    buf_put_escaped(b, (const uint8_t *)(t.p ? t.p : ""), t.n);
    buf_free(&t);
    buf_printf(b, "\n  State: %s", call_state_name((enum call_state)c->state));
    if (c->state == CALL_NOT_FINISHED)
        buf_printf(b, " (%s when %s)", call_state_name((enum call_state)c->progress),
                   c->expired ? "it went idle (expired)" : "the capture ended");
    if (c->final_msg != NONE) {
        struct buf l = {0};
        msg_label(&l, &s->msgs[c->final_msg]);
        buf_puts(b, "   Final: ");
        buf_put_escaped(b, (const uint8_t *)(l.p ? l.p : ""), l.n);
        buf_free(&l);
    }
    if (c->released_by)
        buf_printf(b, "   Released by: %s", c->released_by == REL_CALLER ? "caller" : "callee");
    buf_putc(b, '\n');
    char t1[40];
    int any = 0;
    if (c->invite_msg != NONE) {
        int64_t t0 = s->msgs[c->invite_msg].ts;
        if (c->ring_msg != NONE) {
            fmt_secs(t1, sizeof t1, s->msgs[c->ring_msg].ts - t0);
            buf_printf(b, "%sPDD %s", any++ ? "   " : "  ", t1);
        }
        if (c->answer_msg != NONE) {
            fmt_secs(t1, sizeof t1, s->msgs[c->answer_msg].ts - t0);
            buf_printf(b, "%sSetup %s", any++ ? "   " : "  ", t1);
        }
        if (c->bye_msg != NONE && c->answer_msg != NONE) {
            uint32_t st = c->ack_msg != NONE ? c->ack_msg : c->answer_msg;
            fmt_secs(t1, sizeof t1, s->msgs[c->bye_msg].ts - s->msgs[st].ts);
            buf_printf(b, "%sDuration %s", any++ ? "   " : "  ", t1);
        }
    }
    char d[64];
    fmt_time_utc(d, sizeof d, s->msgs[c->first_msg].ts, 1);
    size_t rtx = 0;
    for (size_t i = 0; i < c->nmsgs; i++)
        rtx += s->msgs[c->msgs[i]].retrans;
    buf_printf(b, "%sStart %s UTC   Messages %zu", any ? "   " : "  ", d, c->nmsgs);
    if (rtx)
        buf_printf(b, " (%zu retransmission%s)", rtx, rtx == 1 ? "" : "s");
    buf_printf(b, "   Dialogs %zu\n", c->ndialogs);
}

static void print_ladder(const struct render_ctx *r, struct buf *b, const struct ladder *L)
{
    size_t maxlab = 0, maxname = 0;
    for (size_t i = 0; i < L->nrows; i++) {
        size_t w = escaped_width((const uint8_t *)L->rows[i].label, strlen(L->rows[i].label)) +
                   (L->rows[i].retrans ? 6 : 0);
        if (w > maxlab)
            maxlab = w;
    }
    for (size_t i = 0; i < L->nlanes; i++) {
        size_t w = escaped_width((const uint8_t *)L->lanes[i].name, strlen(L->lanes[i].name));
        if (w > maxname)
            maxname = w;
    }
    size_t gap = maxlab + 10;
    if (gap < maxname + 2)
        gap = maxname + 2;
    if (gap < MIN_GAP)
        gap = MIN_GAP;
    if (gap > MAX_GAP)
        gap = MAX_GAP;
    size_t x0 = TIME_W + DELTA_W + gap / 2; /* column of lane 0's bar */
    /* several dialogs (forking): say which one each row belongs to */
    int multi_dialog = 0;
    for (size_t i = 1; i < L->nrows; i++)
        if (r->s->msgs[L->rows[i].msg].dialog != r->s->msgs[L->rows[0].msg].dialog)
            multi_dialog = 1;

    /* lane headers, centred on the bars */
    struct buf line = {0};
    size_t col = 0;
    for (size_t i = 0; i < L->nlanes; i++) {
        size_t center = x0 + i * gap;
        size_t w = escaped_width((const uint8_t *)L->lanes[i].name, strlen(L->lanes[i].name));
        if (w > gap - 1)
            w = gap - 1;
        size_t start = center >= w / 2 ? center - w / 2 : 0;
        if (start < col)
            start = col;
        pad(&line, start - col, ' ');
        col = start + put_clipped(&line, L->lanes[i].name, gap - 1);
    }
    buf_put(b, line.p ? line.p : "", line.n);
    buf_putc(b, '\n');
    /* addresses under aliased names */
    int any_alias = 0;
    for (size_t i = 0; i < L->nlanes; i++)
        if (strcmp(L->lanes[i].name, L->lanes[i].addr) != 0)
            any_alias = 1;
    if (any_alias) {
        buf_reset(&line);
        col = 0;
        for (size_t i = 0; i < L->nlanes; i++) {
            size_t center = x0 + i * gap;
            const char *a = strcmp(L->lanes[i].name, L->lanes[i].addr) ? L->lanes[i].addr : "";
            size_t w = strlen(a);
            if (w > gap - 1)
                w = gap - 1;
            size_t start = center >= w / 2 ? center - w / 2 : 0;
            if (start < col)
                start = col;
            pad(&line, start - col, ' ');
            col = start + put_clipped(&line, a, gap - 1);
        }
        buf_put(b, line.p, line.n);
        buf_putc(b, '\n');
    }
    /* column titles + bars */
    buf_reset(&line);
    buf_printf(&line, "%-*s%-*s", TIME_W, "time (UTC)", DELTA_W, "delta");
    col = TIME_W + DELTA_W;
    for (size_t i = 0; i < L->nlanes; i++) {
        pad(&line, x0 + i * gap - col, ' ');
        buf_putc(&line, '|');
        col = x0 + i * gap + 1;
    }
    buf_put(b, line.p, line.n);
    buf_putc(b, '\n');

    for (size_t i = 0; i < L->nrows; i++) {
        const struct row *rw = &L->rows[i];
        const struct msg *m = &r->s->msgs[rw->msg];
        char tb[40], db[40];
        fmt_time_utc(tb, sizeof tb, rw->ts, 0);
        snprintf(db, sizeof db, "+%.3f", (double)rw->delta / 1e9);
        buf_reset(&line);
        buf_printf(&line, "%-*s%-*s", TIME_W, tb, DELTA_W, db);
        col = TIME_W + DELTA_W;
        size_t a = rw->from, z = rw->to;
        size_t lo = a < z ? a : z, hi = a < z ? z : a;
        const char *color = r->color ? (rw->retrans ? C_DIM : kind_color(rw->kind)) : NULL;
        char fill = rw->retrans ? '.' : '-';
        struct buf lab = {0};
        buf_puts(&lab, rw->label);
        if (rw->retrans)
            buf_puts(&lab, " (rtx)");
        for (size_t k = 0; k < L->nlanes; k++) {
            size_t bar = x0 + k * gap;
            if (k > lo && k <= hi)
                continue; /* drawn as part of the arrow */
            pad(&line, bar - col, ' ');
            if (k == lo && lo != hi) {
                /* the arrow from bar(lo) to bar(hi) */
                size_t span = (hi - lo) * gap - 1;
                if (color)
                    buf_puts(&line, color);
                buf_putc(&line, '|');
                struct buf lb = {0};
                size_t lw = put_clipped(&lb, lab.p, span > 4 ? span - 4 : 1);
                size_t left = (span - lw) / 2, right = span - lw - left;
                if (a > z) {
                    buf_putc(&line, '<');
                    pad(&line, left - 1, fill);
                } else {
                    pad(&line, left, fill);
                }
                buf_put(&line, lb.p, lb.n);
                if (a < z) {
                    pad(&line, right - 1, fill);
                    buf_putc(&line, '>');
                } else {
                    pad(&line, right, fill);
                }
                buf_putc(&line, '|');
                if (color)
                    buf_puts(&line, C_RESET);
                buf_free(&lb);
                col = x0 + hi * gap + 1;
            } else if (k == lo && lo == hi) {
                /* message to itself */
                if (color)
                    buf_puts(&line, color);
                buf_puts(&line, "|<-' ");
                size_t lw = put_clipped(&line, lab.p, gap - 6);
                if (color)
                    buf_puts(&line, C_RESET);
                col = bar + 5 + lw;
            } else {
                buf_putc(&line, '|');
                col = bar + 1;
            }
        }
        if (multi_dialog && m->dialog != NONE)
            buf_printf(&line, "  [dialog %u]", m->dialog + 1);
        if (rw->note[0]) {
            buf_puts(&line, "  ");
            buf_put_escaped(&line, (const uint8_t *)rw->note, strlen(rw->note));
        }
        if (m->anom_total)
            buf_printf(&line, "  [%u anomal%s]", m->anom_total, m->anom_total == 1 ? "y" : "ies");
        if (m->pkt_flags & PKT_TRUNCATED)
            buf_puts(&line, "  [truncated]");
        if (m->pkt_flags & PKT_ICMP_QUOTED)
            buf_puts(&line, "  [quoted in ICMP error]");
        if (m->pkt_flags & PKT_AFTER_GAP)
            buf_printf(&line, "  [after a TCP gap of %u bytes]", m->gap_bytes);
        if (m->pkt_flags & PKT_GAP_CUT)
            buf_puts(&line, "  [INCOMPLETE: cut by a TCP gap or the stream's end]");
        buf_free(&lab);
        buf_put(b, line.p, line.n);
        buf_putc(b, '\n');
        if (r->show_msgs) {
            const uint8_t *p = m->buf, *e = m->buf + m->len;
            while (p < e) {
                const uint8_t *nl = memchr(p, '\n', (size_t)(e - p));
                size_t ll = nl ? (size_t)(nl - p) : (size_t)(e - p);
                size_t l2 = ll && p[ll - 1] == '\r' ? ll - 1 : ll;
                buf_puts(b, "        | ");
                buf_put_escaped(b, p, l2);
                buf_putc(b, '\n');
                p += nl ? ll + 1 : ll;
            }
        }
    }
    buf_free(&line);
}

int render_text(const struct render_ctx *r)
{
    struct buf b = {0};
    const struct store *s = r->s;
    for (size_t i = 0; i < r->sel->ncalls; i++) {
        const struct call *c = &s->calls[r->sel->calls[i]];
        if (i)
            buf_putc(&b, '\n');
        print_call_header(r, &b, c, i, r->sel->ncalls);
        buf_putc(&b, '\n');
        struct ladder L;
        ladder_build(&L, s, c->msgs, c->nmsgs, r->aliases);
        print_ladder(r, &b, &L);
        ladder_free(&L);
        fwrite(b.p, 1, b.n, r->out);
        buf_reset(&b);
    }
    /* messages that could not be correlated are still shown */
    uint32_t *un = NULL;
    size_t nun = 0;
    for (size_t i = 0; i < r->sel->nmsgs; i++)
        if (s->msgs[r->sel->msgs[i]].call == NONE)
            nun++;
    if (nun) {
        un = xcalloc(nun, sizeof(*un));
        nun = 0;
        for (size_t i = 0; i < r->sel->nmsgs; i++)
            if (s->msgs[r->sel->msgs[i]].call == NONE)
                un[nun++] = r->sel->msgs[i];
        buf_printf(&b, "%s=== %zu SIP message%s not correlated (malformed or missing Call-ID/From/To/CSeq) ===\n\n",
                   r->sel->ncalls ? "\n" : "", nun, nun == 1 ? "" : "s");
        struct ladder L;
        ladder_build(&L, s, un, nun, r->aliases);
        print_ladder(r, &b, &L);
        ladder_free(&L);
        free(un);
    }
    if (!r->sel->ncalls && !nun)
        buf_puts(&b, "No SIP messages found.\n");
    fwrite(b.p ? b.p : "", 1, b.n, r->out);
    buf_free(&b);
    return ferror(r->out) ? -1 : 0;
}

int render_call_text(const struct render_ctx *r, const struct call *c, uint64_t seq)
{
    struct buf b = {0};
    print_call_header(r, &b, c, (size_t)seq, 0);
    buf_putc(&b, '\n');
    struct ladder L;
    ladder_build(&L, r->s, c->msgs, c->nmsgs, r->aliases);
    print_ladder(r, &b, &L);
    ladder_free(&L);
    buf_putc(&b, '\n');
    fwrite(b.p, 1, b.n, r->out);
    buf_free(&b);
    return ferror(r->out) ? -1 : 0;
}

int render_list(const struct render_ctx *r)
{
    const struct store *s = r->s;
    struct buf b = {0};
    buf_printf(&b, "%-4s %-26s %-13s %-20s %5s %-s\n", "#", "start (UTC)", "state", "final", "msgs", "from -> to  [call-id]");
    for (size_t i = 0; i < r->sel->ncalls; i++) {
        const struct call *c = &s->calls[r->sel->calls[i]];
        char d[64];
        fmt_time_utc(d, sizeof d, s->msgs[c->first_msg].ts, 1);
        struct buf t = {0};
        if (c->final_msg != NONE)
            msg_label(&t, &s->msgs[c->final_msg]);
        buf_printf(&b, "%-4zu %-26s %-13s ", i + 1, d, call_state_name((enum call_state)c->state));
        size_t w = put_clipped(&b, t.p ? t.p : "-", 20);
        pad(&b, 21 - w, ' ');
        buf_printf(&b, "%5zu ", c->nmsgs);
        buf_reset(&t);
        call_party(&t, s, c, 0);
        buf_put_escaped(&b, (const uint8_t *)(t.p ? t.p : ""), t.n);
        buf_puts(&b, " -> ");
        buf_reset(&t);
        call_party(&t, s, c, 1);
        buf_put_escaped(&b, (const uint8_t *)(t.p ? t.p : ""), t.n);
        buf_puts(&b, "  [");
        buf_put_escaped(&b, c->call_id, c->call_id_len);
        buf_puts(&b, "]\n");
        buf_free(&t);
        fwrite(b.p, 1, b.n, r->out);
        buf_reset(&b);
    }
    buf_free(&b);
    return ferror(r->out) ? -1 : 0;
}
