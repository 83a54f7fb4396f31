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
#include "src/causes.h"
#include "src/media.h"

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

static void put_party(struct buf *b, struct slice v);

void call_party(struct buf *b, const struct store *s, const struct call *c, int to)
{
    /* From/To of the call's first (INVITE) request, as written.  The last
     * parse is kept: renderers ask for From then To of the same call. */
    static const uint8_t *last_buf;
    static uint32_t last_len, last_file;
    static uint64_t last_frame;
    static struct sip_msg sm;
    static struct sip_hdr h[64];
    static int rc;
    uint32_t mi = c->invite_msg != NONE ? c->invite_msg : c->first_msg;
    const struct msg *m = &s->msgs[mi];
    struct slice v = SLICE_NULL;
    if (c->party_msg == mi) { /* kept by the store from its own parse */
        if (to ? c->has_to : c->has_from)
            v = sip_span_slice(m->buf, to ? c->to_v : c->from_v);
        put_party(b, v);
        return;
    }
    /* the same bytes of the same frame: a store rebuild may reuse addresses,
     * so the key is the buffer, its length and the frame together */
    if (m->buf != last_buf || m->len != last_len || m->file != last_file || m->frame != last_frame) {
        rc = msg_parse(m, &sm, h, 64);
        last_buf = m->buf;
        last_len = m->len;
        last_file = m->file;
        last_frame = m->frame;
    }
    if (rc != SIP_OK)
        return;
    put_party(b, sip_hdr_first(&sm, m->buf, to ? SIP_H_TO : SIP_H_FROM));
}

static void put_party(struct buf *b, struct slice v)
{
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
    buf_putc(b, '\n');
    struct buf rn = {0};
    if (c->is_invite)
        call_release_note(&rn, r->s, c);
    if (rn.n) {
        buf_puts(b, "  Release: ");
        buf_put_escaped(b, (const uint8_t *)rn.p, rn.n);
        buf_putc(b, '\n');
    }
    buf_free(&rn);
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

/* The lane bars of one row, with an arrow from lane a to lane z labelled
 * `lab` (a == z: a message to itself).  *col tracks the output column. */
static void draw_lanes(struct buf *line, size_t nlanes, size_t x0, size_t gap, size_t a, size_t z, const char *lab,
                       char fill, const char *color, size_t *col)
{
    size_t lo = a < z ? a : z, hi = a < z ? z : a;
    for (size_t k = 0; k < nlanes; k++) {
        size_t bar = x0 + k * gap;
        if (k > lo && k <= hi)
            continue; /* drawn as part of the arrow */
        pad(line, bar - *col, ' ');
        if (k == lo && lo != hi) {
            size_t span = (hi - lo) * gap - 1;
            if (color)
                buf_puts(line, color);
            buf_putc(line, '|');
            struct buf lb = {0};
            size_t lw = put_clipped(&lb, lab, span > 4 ? span - 4 : 1);
            size_t left = (span - lw) / 2, right = span - lw - left;
            if (a > z) {
                buf_putc(line, '<');
                pad(line, left - 1, fill);
            } else {
                pad(line, left, fill);
            }
            buf_put(line, lb.p, lb.n);
            if (a < z) {
                pad(line, right - 1, fill);
                buf_putc(line, '>');
            } else {
                pad(line, right, fill);
            }
            buf_putc(line, '|');
            if (color)
                buf_puts(line, C_RESET);
            buf_free(&lb);
            *col = x0 + hi * gap + 1;
        } else if (k == lo && lo == hi) {
            if (color)
                buf_puts(line, color);
            buf_puts(line, "|<-' ");
            size_t lw = put_clipped(line, lab, gap - 6);
            if (color)
                buf_puts(line, C_RESET);
            *col = bar + 5 + lw;
        } else {
            buf_putc(line, '|');
            *col = bar + 1;
        }
    }
}

/* Lane of an address (any port), or SIZE_MAX: media endpoints share the
 * host of a SIP lane but not its port. */
static size_t lane_by_addr(const struct ladder *L, const struct endpoint *e)
{
    for (size_t i = 0; i < L->nlanes; i++)
        if (L->lanes[i].ep.family == e->family &&
            memcmp(L->lanes[i].ep.addr, e->addr, e->family == 4 ? 4 : 16) == 0)
            return i;
    return SIZE_MAX;
}

/* One RTP/UDPTL stream as a span between the lanes of its hosts, at the
 * time of its first packet. */
static void stream_row(const struct render_ctx *r, struct buf *b, const struct ladder *L, size_t x0, size_t gap,
                       const struct media_stream *ms)
{
    size_t a = lane_by_addr(L, &ms->src), z = lane_by_addr(L, &ms->dst);
    if (a == SIZE_MAX || z == SIZE_MAX || a == z)
        return; /* hosts not on this ladder: listed in the media section */
    struct buf lab = {0};
    if (ms->kind == MK_RTP) {
        struct rtp_result res;
        rtp_stats_result(&ms->st, &res);
        buf_printf(&lab, "RTP %s %llu pkts %.1f%% MOS %.1f", ms->codec[0] ? ms->codec : "?",
                   (unsigned long long)ms->packets, res.loss_pct, res.mos);
    } else {
        buf_printf(&lab, "T.38 %llu pkts", (unsigned long long)ms->packets);
    }
    char tb[40];
    fmt_time_utc(tb, sizeof tb, ms->first_ns, 0);
    struct buf line = {0};
    buf_printf(&line, "%-*s%-*s", TIME_W, tb, DELTA_W, "media");
    size_t col = TIME_W + DELTA_W;
    draw_lanes(&line, L->nlanes, x0, gap, a, z, lab.p, '=', r->color ? C_BOLD : NULL, &col);
    buf_put(b, line.p, line.n);
    buf_putc(b, '\n');
    buf_free(&line);
    buf_free(&lab);
}

/* Media of one call under its ladder: streams with their statistics, what
 * the endpoints reported in RTCP, DTMF digits, the one-way verdict. */
static void print_media(const struct render_ctx *r, struct buf *b, const struct call *c, const struct media_call *mc)
{
    const struct media *md = &r->pl->media;
    const char *ow = media_one_way(md, mc, c->answer_msg != NONE);
    if (!mc || (!mc->nstreams && !ow))
        return;
    buf_puts(b, "\n  Media (quality figures are E-model estimates):\n");
    for (size_t i = 0; mc && i < mc->nstreams; i++) {
        const struct media_stream *ms = &md->streams[mc->streams[i]];
        char sa[80], da[80];
        endpoint_str(&ms->src, sa, sizeof sa);
        endpoint_str(&ms->dst, da, sizeof da);
        buf_printf(b, "    %-5s %s -> %s", media_kind_name((enum media_kind)ms->kind), sa, da);
        if (ms->match != MM_ORPHAN)
            buf_printf(b, "  %s", ms->to_caller ? "to caller" : "to callee");
        if (ms->match == MM_SDP_SRC)
            buf_puts(b, " (matched by source: NAT?)");
        if (ms->kind == MK_RTP) {
            struct rtp_result res;
            rtp_stats_result(&ms->st, &res);
            buf_printf(b, "  %s ssrc 0x%08x  %llu pkts  lost %lld (%.2f%%)", ms->codec[0] ? ms->codec : "?", ms->ssrc,
                       (unsigned long long)ms->packets, (long long)res.lost, res.loss_pct);
            if (res.jitter_valid)
                buf_printf(b, "  jitter %.2f/%.2f ms", res.jitter_mean_ms, res.jitter_max_ms);
            buf_printf(b, "  max delta %.1f ms  MOS %.2f\n", res.max_delta_ms, res.mos);
            for (uint32_t k = 0; k < ms->nreports; k++) {
                const struct media_report *mr = &ms->reports[k];
                buf_printf(b, "          RTCP from 0x%08x: lost %.1f%% (cum %d), jitter %.2f ms", mr->reporter_ssrc,
                           mr->fraction_lost_pct, mr->cumulative_lost, mr->jitter_ms);
                if (mr->rtt_ms >= 0)
                    buf_printf(b, ", RTT %.1f ms", mr->rtt_ms);
                if (mr->xr_mos_lq > 0)
                    buf_printf(b, ", XR MOS-LQ %.1f", mr->xr_mos_lq);
                buf_putc(b, '\n');
            }
            if (ms->ndigits) {
                buf_puts(b, "          DTMF (RFC 4733):");
                for (uint32_t k = 0; k < ms->ndigits; k++) {
                    char tb[40];
                    fmt_time_utc(tb, sizeof tb, ms->digits[k].start_ns, 0);
                    buf_printf(b, " %c@%s/%ums", ms->digits[k].ch, tb, ms->digits[k].duration_ms);
                }
                if (ms->digits_total > ms->ndigits)
                    buf_printf(b, " (+%u more)", ms->digits_total - ms->ndigits);
                buf_putc(b, '\n');
            }
        } else if (ms->kind == MK_RTCP) {
            buf_printf(b, "  %llu packets\n", (unsigned long long)ms->packets);
        } else {
            buf_printf(b, "  T.38/UDPTL %llu packets\n", (unsigned long long)ms->packets);
        }
    }
    if (ow)
        buf_printf(b, "    One-way audio: %s%s\n", ow,
                   media_one_way_expected(mc) ? " (expected: the SDP negotiated a one-way session)" : "");
}

static void print_ladder(const struct render_ctx *r, struct buf *b, const struct ladder *L, const struct media_call *mc)
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

    const struct media *md = &r->pl->media;
    size_t next_stream = 0;
    for (size_t i = 0; i < L->nrows; i++) {
        const struct row *rw = &L->rows[i];
        const struct msg *m = &r->s->msgs[rw->msg];
        /* media spans that started before this message */
        while (mc && next_stream < mc->nstreams &&
               md->streams[mc->streams[next_stream]].first_ns <= rw->ts) {
            const struct media_stream *ms = &md->streams[mc->streams[next_stream++]];
            if (ms->kind != MK_RTCP)
                stream_row(r, b, L, x0, gap, ms);
        }
        char tb[40], db[40];
        fmt_time_utc(tb, sizeof tb, rw->ts, 0);
        snprintf(db, sizeof db, "+%.3f", (double)rw->delta / 1e9);
        buf_reset(&line);
        buf_printf(&line, "%-*s%-*s", TIME_W, tb, DELTA_W, db);
        col = TIME_W + DELTA_W;
        size_t a = rw->from, z = rw->to;
        const char *color = r->color ? (rw->retrans ? C_DIM : kind_color(rw->kind)) : NULL;
        char fill = rw->retrans ? '.' : '-';
        struct buf lab = {0};
        buf_puts(&lab, rw->label);
        if (rw->retrans)
            buf_puts(&lab, " (rtx)");
        draw_lanes(&line, L->nlanes, x0, gap, a, z, lab.p, fill, color, &col);
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
        for (size_t k = 0; mc && k < mc->nevents; k++) {
            const struct media_event *e = &mc->events[k];
            if (e->file != m->file || e->frame != m->frame || !strcmp(e->kind, "offer") || !strcmp(e->kind, "answer"))
                continue;
            buf_puts(&line, "  [");
            if (!strcmp(e->kind, "early-media"))
                buf_puts(&line, "EARLY MEDIA");
            else
                buf_put_escaped(&line, (const uint8_t *)e->text, strlen(e->text));
            buf_putc(&line, ']');
        }
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
    while (mc && next_stream < mc->nstreams) {
        const struct media_stream *ms = &md->streams[mc->streams[next_stream++]];
        if (ms->kind != MK_RTCP)
            stream_row(r, b, L, x0, gap, ms);
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
        const struct media_call *mc = media_call_find(&r->pl->media, c->call_id, c->call_id_len);
        print_ladder(r, &b, &L, mc);
        print_media(r, &b, c, mc);
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
        print_ladder(r, &b, &L, NULL);
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
    const struct media_call *mc = media_call_find(&r->pl->media, c->call_id, c->call_id_len);
    print_ladder(r, &b, &L, mc);
    print_media(r, &b, c, mc);
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
    buf_printf(&b, "%-4s %-26s %-13s %-20s %5s %-26s %-s\n", "#", "start (UTC)", "state", "final", "msgs",
               "media (codec loss MOS)", "from -> to  [call-id]");
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
        /* media: first codec, worst loss and MOS over the RTP streams, one-way flag */
        {
            const struct media *md = &r->pl->media;
            const struct media_call *mc = media_call_find(md, c->call_id, c->call_id_len);
            char col[64] = "-";
            double worst_loss = -1, worst_mos = -1;
            const char *codec = NULL;
            for (size_t k = 0; mc && k < mc->nstreams; k++) {
                const struct media_stream *ms = &md->streams[mc->streams[k]];
                if (ms->kind != MK_RTP || ms->packets < 2)
                    continue;
                struct rtp_result res;
                rtp_stats_result(&ms->st, &res);
                if (!codec && ms->codec[0])
                    codec = ms->codec;
                if (res.loss_pct > worst_loss)
                    worst_loss = res.loss_pct;
                if (worst_mos < 0 || res.mos < worst_mos)
                    worst_mos = res.mos;
            }
            const char *ow = media_one_way(md, mc, c->answer_msg != NONE);
            if (worst_mos >= 0)
                snprintf(col, sizeof col, "%s %.1f%% %.1f%s", codec ? codec : "?", worst_loss, worst_mos,
                         ow ? (media_one_way_expected(mc) ? " 1-way(sdp)" : " ONE-WAY") : "");
            else if (ow)
                snprintf(col, sizeof col, "%s", !strcmp(ow, "no media") ? "NO MEDIA" : "ONE-WAY");
            buf_printf(&b, "%-26s ", col);
        }
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
