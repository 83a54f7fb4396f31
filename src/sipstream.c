/*
 * sipstream.c - SIP over a TCP byte stream (see sipstream.h).
 */
#include "src/sipstream.h"

#include <stdlib.h>
#include <string.h>

#include "dissect/sip.h"
#include "dissect/ws.h"
#include "src/base/util.h"

enum mode { M_UNKNOWN = 0, M_SIP, M_TLS, M_OTHER, M_WS };

/* Stop looking for SIP in a stream of something else after this much. */
#define UNKNOWN_SCAN_MAX (256u * 1024u)

struct bound {
    uint64_t off;   /* stream offset of the first byte of a data() call */
    uint64_t frame;
};

struct sstate {
    uint8_t mode;
    uint8_t resync;        /* after a gap or junk: look for a start line */
    uint8_t after_gap;
    uint32_t gap_bytes;
    uint8_t *p;            /* pending bytes [off, n) */
    size_t off, n, cap;
    uint64_t base;         /* stream offset of p[0] */
    uint64_t seen;         /* bytes seen while M_UNKNOWN */
    uint64_t unknown_skipped; /* bytes dropped while M_UNKNOWN, reported if the stream turns out SIP */
    struct bound *b;       /* segment boundaries of pending data */
    size_t nb, capb;
    struct frame last;     /* the latest segment's frame (data not kept) */
    struct ws_msg_buf ws;  /* M_WS: the message being reassembled from frames */
    uint64_t ws_first;     /* stream offset of the first frame of that message */
};

static struct sstate *state_of(struct tcp_stream *st)
{
    if (!st->user)
        st->user = xcalloc(1, sizeof(struct sstate));
    return st->user;
}

static void state_free(struct tcp_stream *st)
{
    struct sstate *s = st->user;
    if (!s)
        return;
    if (s->mode == M_WS)
        ws_msg_free(&s->ws);
    free(s->p);
    free(s->b);
    free(s);
    st->user = NULL;
}

/* Offset of the first line start at or after `from` where a SIP message
 * plausibly begins, or n. */
static size_t find_start(const uint8_t *p, size_t n, size_t from)
{
    if (from == 0 && sip_looks_like(p, n))
        return 0;
    size_t i = from ? from - 1 : 0;
    while (i < n) {
        const uint8_t *lf = memchr(p + i, '\n', n - i);
        if (!lf)
            return n;
        i = (size_t)(lf - p) + 1;
        if (i < n && p[i] != '\r' && p[i] != '\n' && sip_looks_like(p + i, n - i))
            return i;
    }
    return n;
}

static void enc_note(struct sipstream *ss, struct tcp_stream *st, const uint8_t *p, size_t n, const struct frame *fr)
{
    uint8_t k[72];
    size_t kl = 0, al = st->src.family == 4 ? 4 : 16;
    /* unordered endpoint pair: the smaller endpoint first */
    const struct endpoint *x = &st->src, *y = &st->dst;
    if (memcmp(x->addr, y->addr, al) > 0 || (memcmp(x->addr, y->addr, al) == 0 && x->port > y->port)) {
        x = &st->dst;
        y = &st->src;
    }
    k[kl++] = x->family;
    memcpy(k + kl, x->addr, al);
    kl += al;
    memcpy(k + kl, &x->port, 2);
    kl += 2;
    memcpy(k + kl, y->addr, al);
    kl += al;
    memcpy(k + kl, &y->port, 2);
    kl += 2;
    uint32_t i;
    if (!hmap_get(&ss->enc_by_pair, k, kl, &i)) {
        ss->enc = xgrow(ss->enc, &ss->cap_enc, ss->nenc + 1, sizeof(*ss->enc));
        i = (uint32_t)ss->nenc++;
        struct enc_flow *e = &ss->enc[i];
        memset(e, 0, sizeof(*e));
        e->a = st->src;
        e->b = st->dst;
        e->first_frame = fr->no;
        e->file = fr->file;
        e->first_ts = fr->ts;
        hmap_put(&ss->enc_by_pair, k, kl, i);
        e->sip_port = st->src.port == 5061 || st->dst.port == 5061;
        char a[80], b[80];
        if (e->sip_port)
            diag_report(ss->diag, DIAG_ENCRYPTED,
                        "encrypted SIP signalling (TLS) between %s and %s: it cannot be decoded without keys",
                        endpoint_str(&st->src, a, sizeof a), endpoint_str(&st->dst, b, sizeof b));
    }
    struct enc_flow *e = &ss->enc[i];
    e->frames++;
    e->bytes += n;
    e->last_ts = fr->ts;
    if (n && p[0] == 0x16)
        e->handshake = 1;
}

static int looks_tls(const uint8_t *p, size_t n)
{
    /* RFC 8446 §5.1 record: type 20..23, legacy version 3.x, length */
    return n >= 5 && p[0] >= 20 && p[0] <= 23 && p[1] == 3 && p[2] <= 4;
}

/* Drop consumed bytes and the boundaries before them. */
static void consume(struct sstate *s, size_t upto)
{
    s->off = upto;
    uint64_t abs = s->base + s->off;
    size_t keep = 0;
    for (size_t i = 0; i < s->nb; i++)
        if (s->b[i].off > abs || i + 1 == s->nb || s->b[i + 1].off > abs)
            s->b[keep++] = s->b[i];
    s->nb = keep;
    if (s->off == s->n) {
        s->base += s->n;
        s->off = s->n = 0;
    } else if (s->off > 65536 && s->off * 2 > s->n) {
        memmove(s->p, s->p + s->off, s->n - s->off);
        s->base += s->off;
        s->n -= s->off;
        s->off = 0;
    }
}

/* Store one message whose bytes are p[0..len) and which occupied stream
 * offsets [a, z) (they differ for WebSocket, whose frames wrap the SIP). */
static void store_msg_at(struct sipstream *ss, struct tcp_stream *st, struct sstate *s, const uint8_t *p, size_t len,
                         uint64_t a, uint64_t z, const struct frame *fr, uint16_t extra_flags, uint8_t transport)
{
    /* first segment: the last boundary at or before the message's first
     * byte; segments: that one plus every boundary inside the message */
    uint64_t first = fr->no;
    uint32_t segs = 1;
    for (size_t i = 0; i < s->nb; i++) {
        if (s->b[i].off <= a)
            first = s->b[i].frame;
        else if (s->b[i].off < z)
            segs++;
    }
    struct pkt k = {0};
    k.frame = fr;
    k.src = st->src;
    k.dst = st->dst;
    k.transport = transport;
    k.ip_proto = 6;
    k.flags = extra_flags;
    if (segs > 1)
        k.flags |= PKT_REASSEMBLED;
    if (s->after_gap) {
        k.flags |= PKT_AFTER_GAP;
        k.gap_bytes = s->gap_bytes;
        s->after_gap = 0;
        s->gap_bytes = 0;
    }
    k.payload = p;
    k.len = (uint32_t)len;
    k.wire_len = (uint32_t)len;
    k.first_frame = first;
    k.segments = segs;
    store_add_sip(ss->store, &k, p, len);
    ss->messages++;
}

static void store_msg(struct sipstream *ss, struct tcp_stream *st, struct sstate *s, const uint8_t *p, size_t len,
                      const struct frame *fr, uint16_t extra_flags)
{
    uint64_t a = s->base + (uint64_t)(p - s->p);
    store_msg_at(ss, st, s, p, len, a, a + len, fr, extra_flags, TP_TCP);
}

/* RFC 6455 frames carrying RFC 7118 SIP: one SIP message per WebSocket
 * message (text or binary), possibly fragmented over several frames. */
static void ws_frames(struct sipstream *ss, struct tcp_stream *st, struct sstate *s, const struct frame *fr)
{
    while (s->off < s->n) {
        uint8_t *p = s->p + s->off;
        size_t n = s->n - s->off;
        struct ws_frame f;
        int rc = ws_frame_parse(p, n, &f);
        if (rc == WS_NEED_MORE)
            return;
        if (rc != WS_OK || f.payload_len > ss->lim->ws_message_bytes) {
            char a[80], b[80];
            diag_report(ss->diag, DIAG_WS, "WebSocket %s -> %s: %s; the rest of this stream is not decoded",
                        endpoint_str(&st->src, a, sizeof a), endpoint_str(&st->dst, b, sizeof b),
                        rc != WS_OK ? "invalid frame header" : "frame larger than ws-message-bytes");
            if (rc == WS_OK)
                diag_limit(ss->diag, "ws-message-bytes", "a WebSocket frame exceeds ws-message-bytes=%u",
                           ss->lim->ws_message_bytes);
            ws_msg_free(&s->ws);
            s->mode = M_OTHER;
            consume(s, s->n);
            return;
        }
        size_t total = f.header_len + (size_t)f.payload_len;
        if (total > n) {
            if (n > ss->lim->tcp_stream_bytes) {
                diag_limit(ss->diag, "tcp-stream-bytes", "a WebSocket frame exceeds tcp-stream-bytes=%u",
                           ss->lim->tcp_stream_bytes);
                ws_msg_free(&s->ws);
                s->mode = M_OTHER;
                consume(s, s->n);
            }
            return;
        }
        uint8_t *pl = p + f.header_len;
        if (f.masked)
            ws_unmask(pl, pl, (size_t)f.payload_len, f.mask, 0);
        uint64_t at = s->base + s->off;
        if (!ws_is_control(f.opcode) && f.opcode != WS_OP_CONT)
            s->ws_first = at;
        int r = ws_msg_add(&s->ws, &f, pl, (size_t)f.payload_len);
        consume(s, s->off + total);
        if (r < 0) {
            char a[80], b[80];
            diag_report(ss->diag, DIAG_WS, "WebSocket %s -> %s: a message could not be reassembled (%s); it is dropped",
                        endpoint_str(&st->src, a, sizeof a), endpoint_str(&st->dst, b, sizeof b),
                        s->ws.n > ss->lim->ws_message_bytes ? "too large" : "fragment out of sequence");
            ws_msg_reset(&s->ws);
            continue;
        }
        if (r == 1) {
            /* skip RFC 5626 keep-alives sent as WebSocket messages */
            size_t i = 0;
            while (i < s->ws.n && (s->ws.p[i] == '\r' || s->ws.p[i] == '\n'))
                i++;
            if (i < s->ws.n) {
                if (sip_looks_like(s->ws.p + i, s->ws.n - i))
                    store_msg_at(ss, st, s, s->ws.p + i, s->ws.n - i, s->ws_first, at + total, fr, 0, TP_WS);
                else
                    diag_report(ss->diag, DIAG_WS, "WebSocket message of %zu bytes is not SIP; skipped", s->ws.n);
            } else {
                ss->keepalives++;
            }
            ws_msg_reset(&s->ws);
        }
    }
}

/* An HTTP Upgrade to WebSocket at the start of pending data?  1: switched
 * to M_WS; 0: not one; -1: need more bytes. */
static int try_upgrade(struct sipstream *ss, struct sstate *s)
{
    uint8_t *p = s->p + s->off;
    size_t n = s->n - s->off, hl = 0;
    int rc;
    if (n >= 4 && memcmp(p, "GET ", 4) == 0) {
        rc = ws_is_upgrade_request(p, n);
        if (rc == 1)
            hl = ws_upgrade_len(p, n);
    } else if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        rc = ws_is_upgrade_response(p, n, &hl);
    } else {
        return 0;
    }
    if (rc == WS_NEED_MORE)
        return -1;
    if (rc != 1 || !hl)
        return 0;
    consume(s, s->off + hl);
    s->mode = M_WS;
    s->resync = 0;
    ws_msg_init(&s->ws, ss->lim->ws_message_bytes);
    ss->ws_streams++;
    return 1;
}

/* Frame as many messages as the pending bytes hold. */
static void frame_messages(struct sipstream *ss, struct tcp_stream *st, struct sstate *s, const struct frame *fr)
{
    struct sip_hdr hdr1[1];
    while (s->off < s->n) {
        uint8_t *p = s->p + s->off;
        size_t n = s->n - s->off;
        if (s->resync) {
            size_t at = find_start(p, n, 0);
            size_t skip = at;
            if (at == n) { /* keep the last partial line, it may start a message */
                const uint8_t *lf = NULL;
                for (size_t i = n; i > 0; i--)
                    if (p[i - 1] == '\n') {
                        lf = p + i - 1;
                        break;
                    }
                skip = lf ? (size_t)(lf - p) + 1 : (n > 8192 ? n : 0);
                if (!skip)
                    return;
            }
            if (skip) {
                int only_crlf = 1;
                for (size_t i = 0; i < skip && only_crlf; i++)
                    only_crlf = p[i] == '\r' || p[i] == '\n';
                if (only_crlf) {
                    ss->keepalives++;
                } else if (s->mode == M_UNKNOWN) {
                    s->unknown_skipped += skip;
                } else {
                    char a[80], b[80];
                    ss->junk_bytes += skip;
                    diag_report(ss->diag, DIAG_TCP_JUNK,
                                "TCP %s -> %s: %zu bytes that do not start a SIP message skipped to resynchronise",
                                endpoint_str(&st->src, a, sizeof a), endpoint_str(&st->dst, b, sizeof b), skip);
                }
                consume(s, s->off + skip);
            }
            if (at == n)
                return;
            s->resync = 0;
            if (s->mode == M_UNKNOWN && s->unknown_skipped) {
                /* the stream turns out to be SIP: say what was skipped before it */
                char a[80], b[80];
                ss->junk_bytes += s->unknown_skipped;
                diag_report(ss->diag, DIAG_TCP_JUNK,
                            "TCP %s -> %s: %llu bytes before the first SIP start line skipped (capture began mid-stream?)",
                            endpoint_str(&st->src, a, sizeof a), endpoint_str(&st->dst, b, sizeof b),
                            (unsigned long long)s->unknown_skipped);
                s->unknown_skipped = 0;
            }
            s->mode = M_SIP;
            continue;
        }
        /* RFC 5626 keep-alives: CRLF / CRLFCRLF between messages */
        size_t ka = 0;
        while (ka < n && (p[ka] == '\r' || p[ka] == '\n'))
            ka++;
        if (ka) {
            ss->keepalives++;
            consume(s, s->off + ka);
            continue;
        }
        struct sip_msg m;
        struct sip_parse_opts o = {.max_header_line = 0, .stream = 1};
        int rc = sip_parse(p, n, &o, &m, hdr1, 0);
        if (rc == SIP_OK && m.len > 0 && m.len <= n) {
            store_msg(ss, st, s, p, m.len, fr, 0);
            consume(s, s->off + m.len);
            continue;
        }
        if (rc == SIP_NEED_MORE) {
            if (n <= ss->lim->tcp_stream_bytes)
                return;
            diag_limit(ss->diag, "tcp-stream-bytes",
                       "a SIP message in a TCP stream exceeds tcp-stream-bytes=%u before it is complete",
                       ss->lim->tcp_stream_bytes);
        }
        /* unusable: keep what is there as a flagged message if it looks like SIP, then resync */
        if (sip_looks_like(p, n)) {
            size_t next = find_start(p, n, 1);
            if (rc == SIP_NEED_MORE || next < n) {
                store_msg(ss, st, s, p, next, fr, PKT_GAP_CUT);
                ss->cut_messages++;
                consume(s, s->off + next);
                s->resync = 1;
                continue;
            }
        }
        s->resync = 1;
        size_t next = find_start(p, n, 1);
        if (next == n)
            next = n; /* resync handles keeping a partial line */
        if (next < n) {
            char a[80], b[80];
            ss->junk_bytes += next;
            diag_report(ss->diag, DIAG_TCP_JUNK,
                        "TCP %s -> %s: %zu bytes that do not frame as SIP skipped to resynchronise",
                        endpoint_str(&st->src, a, sizeof a), endpoint_str(&st->dst, b, sizeof b), next);
            consume(s, s->off + next);
            s->resync = 0;
        }
    }
}

static int on_starts(void *ctx, const uint8_t *p, size_t n)
{
    (void)ctx;
    if (looks_tls(p, n))
        return 1;
    if (n >= 5 && (memcmp(p, "GET ", 4) == 0 || memcmp(p, "HTTP/", 5) == 0))
        return 1;
    return sip_looks_like(p, n);
}

static void append(struct sstate *s, const uint8_t *p, size_t n, const struct frame *fr)
{
    s->p = xgrow(s->p, &s->cap, s->n + n, 1);
    memcpy(s->p + s->n, p, n);
    s->b = xgrow(s->b, &s->capb, s->nb + 1, sizeof(*s->b));
    s->b[s->nb].off = s->base + s->n;
    s->b[s->nb].frame = fr->no;
    s->nb++;
    s->n += n;
    s->last = *fr;
    s->last.data = NULL;
}

static void on_data(void *ctx, struct tcp_stream *st, const uint8_t *p, size_t n, const struct frame *fr)
{
    struct sipstream *ss = ctx;
    struct sstate *s = state_of(st);
    switch (s->mode) {
    case M_TLS:
        enc_note(ss, st, p, n, fr);
        return;
    case M_OTHER:
        return;
    case M_WS:
        append(s, p, n, fr);
        ws_frames(ss, st, s, fr);
        return;
    case M_UNKNOWN:
        if (s->n == s->off && looks_tls(p, n)) {
            s->mode = M_TLS;
            enc_note(ss, st, p, n, fr);
            return;
        }
        s->seen += n;
        append(s, p, n, fr);
        if (s->seen <= WS_HTTP_MAX_HDR) {
            int up = try_upgrade(ss, s);
            if (up < 0)
                return;
            if (up > 0) {
                ws_frames(ss, st, s, fr);
                return;
            }
        }
        s->resync = 1;
        frame_messages(ss, st, s, fr);
        if (s->mode == M_UNKNOWN && s->seen > UNKNOWN_SCAN_MAX) {
            s->mode = M_OTHER; /* not SIP: stop buffering */
            consume(s, s->n);
        }
        return;
    case M_SIP:
    default:
        append(s, p, n, fr);
        frame_messages(ss, st, s, fr);
        return;
    }
}

/* Flush a pending partial message (gap or end of stream). */
static void flush_partial(struct sipstream *ss, struct tcp_stream *st, struct sstate *s, const struct frame *fr,
                          const char *why)
{
    if (s->mode != M_SIP || s->off >= s->n)
        return;
    uint8_t *p = s->p + s->off;
    size_t n = s->n - s->off, i = 0;
    while (i < n && (p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i < n) {
        char a[80], b[80];
        ss->incomplete_bytes += n - i;
        diag_report(ss->diag, DIAG_TCP_INCOMPLETE, "TCP %s -> %s: %zu bytes of an incomplete SIP message %s",
                    endpoint_str(&st->src, a, sizeof a), endpoint_str(&st->dst, b, sizeof b), n - i, why);
        if (!s->resync && sip_looks_like(p + i, n - i)) {
            store_msg(ss, st, s, p + i, n - i, fr, PKT_GAP_CUT);
            ss->cut_messages++;
        }
    }
    consume(s, s->n);
}

static void on_gap(void *ctx, struct tcp_stream *st, uint32_t seq, uint32_t len, const struct frame *fr)
{
    struct sipstream *ss = ctx;
    struct sstate *s = state_of(st);
    (void)seq;
    flush_partial(ss, st, s, fr, "cut by the gap");
    s->base += len;
    if (s->mode == M_SIP) {
        s->resync = 1;
        s->after_gap = 1;
        s->gap_bytes += len;
    }
}

static void on_close(void *ctx, struct tcp_stream *st, enum tcp_close_reason why)
{
    struct sipstream *ss = ctx;
    struct sstate *s = st->user;
    if (s) {
        /* the latest segment is the best frame we have for a message cut by the end */
        struct frame fr = s->last;
        static const char *const whys[] = {"left when the connection closed (FIN)",
                                           "left when the connection was reset (RST)",
                                           "left when the stream went idle (tcp-idle-ms)",
                                           "left when the stream was evicted (tcp-flows limit)",
                                           "left at the end of the capture",
                                           "left when the ports were reused by a new connection"};
        flush_partial(ss, st, s, &fr, whys[why]);
    }
    state_free(st);
}

void sipstream_init(struct sipstream *ss, struct store *store, struct diag *diag, const struct limits *lim)
{
    memset(ss, 0, sizeof(*ss));
    ss->store = store;
    ss->diag = diag;
    ss->lim = lim;
    ss->sink.data = on_data;
    ss->sink.gap = on_gap;
    ss->sink.close = on_close;
    ss->sink.starts = on_starts;
    hmap_init(&ss->enc_by_pair);
}

void sipstream_fini(struct sipstream *ss)
{
    hmap_fini(&ss->enc_by_pair);
    free(ss->enc);
    memset(ss, 0, sizeof(*ss));
}
