/*
 * tcp.c - TCP stream reassembly (see tcp.h).
 *
 * Each direction has `next_seq`, the first byte not yet delivered.  A
 * segment at next_seq is delivered at once and then the out-of-order list
 * is drained; one beyond it waits in the sorted list (overlaps trimmed,
 * the first copy of every byte wins); one entirely before it is a
 * retransmission.  Without a SYN the first segment seen starts the stream.
 * When the waiting data outgrows its bounds, or the stream ends, the hole
 * before the first waiting segment is declared a gap.
 */
#include "src/tcp.h"

#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"

#define NIL UINT32_MAX

struct tcp_seg {
    struct tcp_seg *next;
    uint32_t seq, len;
    struct frame fr; /* frame data pointer is not kept */
    uint8_t data[];
};

static int32_t seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

static size_t key_of(const struct endpoint *s, const struct endpoint *d, uint8_t *k)
{
    size_t n = 0, al = s->family == 4 ? 4 : 16;
    k[n++] = s->family;
    memcpy(k + n, s->addr, al);
    n += al;
    memcpy(k + n, &s->port, 2);
    n += 2;
    memcpy(k + n, d->addr, al);
    n += al;
    memcpy(k + n, &d->port, 2);
    n += 2;
    return n;
}

void tcp_init(struct tcp_table *t, const struct limits *lim, struct diag *diag, const struct tcp_sink *sink, void *ctx)
{
    memset(t, 0, sizeof(*t));
    t->lim = lim;
    t->diag = diag;
    t->sink = sink;
    t->ctx = ctx;
    t->free_head = t->lru_head = t->lru_tail = NIL;
    hmap_init(&t->by_key);
}

static void lru_unlink(struct tcp_table *t, uint32_t i)
{
    struct tcp_stream *st = &t->v[i];
    if (st->lru_prev != NIL)
        t->v[st->lru_prev].lru_next = st->lru_next;
    else
        t->lru_head = st->lru_next;
    if (st->lru_next != NIL)
        t->v[st->lru_next].lru_prev = st->lru_prev;
    else
        t->lru_tail = st->lru_prev;
    st->lru_prev = st->lru_next = NIL;
}

static void lru_push_front(struct tcp_table *t, uint32_t i)
{
    struct tcp_stream *st = &t->v[i];
    st->lru_prev = NIL;
    st->lru_next = t->lru_head;
    if (t->lru_head != NIL)
        t->v[t->lru_head].lru_prev = i;
    t->lru_head = i;
    if (t->lru_tail == NIL)
        t->lru_tail = i;
}

static void deliver(struct tcp_table *t, struct tcp_stream *st, const uint8_t *p, size_t n, const struct frame *fr)
{
    if (!n)
        return;
    st->delivered += n;
    st->next_seq += (uint32_t)n;
    t->sink->data(t->ctx, st, p, n, fr);
}

/* Deliver waiting segments that are now contiguous.  `cur` is the frame
 * whose arrival made them contiguous: they are delivered as of that frame
 * (as tshark reports a reassembled PDU); NULL (end of input) keeps each
 * segment's own frame. */
static void drain(struct tcp_table *t, struct tcp_stream *st, const struct frame *cur)
{
    while (st->ooo && seq_diff(st->ooo->seq, st->next_seq) <= 0) {
        struct tcp_seg *sg = st->ooo;
        st->ooo = sg->next;
        st->ooo_bytes -= sg->len;
        t->total_bytes -= sg->len;
        int32_t skip = seq_diff(st->next_seq, sg->seq);
        if ((uint32_t)skip < sg->len)
            deliver(t, st, sg->data + skip, sg->len - (uint32_t)skip, cur ? cur : &sg->fr);
        else
            t->retrans_bytes += sg->len;
        free(sg);
    }
}

/* Declare the hole before the first waiting segment lost, then go on. */
static void declare_gap(struct tcp_table *t, struct tcp_stream *st, const char *why, const struct frame *cur)
{
    if (!st->ooo)
        return;
    uint32_t len = (uint32_t)seq_diff(st->ooo->seq, st->next_seq);
    char a[80], b[80];
    t->gaps++;
    t->gap_bytes += len;
    diag_report(t->diag, DIAG_TCP_GAP,
                "TCP %s -> %s: %u bytes missing (relative seq %llu..%llu, before frame %llu): %s; framing resynchronised",
                endpoint_str(&st->src, a, sizeof a), endpoint_str(&st->dst, b, sizeof b), len,
                (unsigned long long)st->delivered, (unsigned long long)(st->delivered + len),
                (unsigned long long)st->ooo->fr.no, why);
    t->sink->gap(t->ctx, st, st->next_seq, len, cur ? cur : &st->ooo->fr);
    st->delivered += len;
    st->next_seq = st->ooo->seq;
    drain(t, st, cur);
}

/* Start delivering a held (unsynchronised) stream from its lowest byte. */
/* Start delivering a held stream from its lowest byte.  Each segment of
 * the contiguous run is delivered as of the latest frame among it and the
 * segments before it: the moment that part of the stream was complete. */
static void sync_now(struct tcp_table *t, struct tcp_stream *st, const struct frame *cur)
{
    (void)cur;
    st->synced = 1;
    if (st->ooo)
        st->next_seq = st->ooo->seq;
    st->sync_seq = st->next_seq;
    struct frame avail = {0};
    while (st->ooo && seq_diff(st->ooo->seq, st->next_seq) <= 0) {
        struct tcp_seg *sg = st->ooo;
        st->ooo = sg->next;
        st->ooo_bytes -= sg->len;
        t->total_bytes -= sg->len;
        if (sg->fr.seq >= avail.seq)
            avail = sg->fr;
        int32_t skip = seq_diff(st->next_seq, sg->seq);
        if ((uint32_t)skip < sg->len)
            deliver(t, st, sg->data + skip, sg->len - (uint32_t)skip, &avail);
        else
            t->retrans_bytes += sg->len;
        free(sg);
    }
}

/* Held streams whose hold has lasted TCP_HOLD_NS of capture time start
 * delivering (a quiet connection must not keep a message back). */
static void hold_timeouts(struct tcp_table *t, int64_t now)
{
    size_t keep = 0;
    for (size_t k = 0; k < t->nheld; k++) {
        uint32_t i = t->held_list[k];
        struct tcp_stream *st = &t->v[i];
        if (i >= t->n || !st->in_use || st->synced)
            continue; /* stale entry */
        if (now - st->hold_since >= TCP_HOLD_NS)
            sync_now(t, st, NULL); /* quiet: each segment as of its own frame */
        else
            t->held_list[keep++] = i;
    }
    t->nheld = keep;
}

static void stream_free(struct tcp_table *t, uint32_t i, enum tcp_close_reason why)
{
    struct tcp_stream *st = &t->v[i];
    if (!st->synced)
        sync_now(t, st, NULL);
    while (st->ooo)
        declare_gap(t, st, why == TCP_CLOSE_END ? "capture ended before it arrived"
                           : why == TCP_CLOSE_EVICT ? "stream evicted (tcp-flows limit)"
                           : why == TCP_CLOSE_IDLE ? "never arrived (stream idle)"
                           : "never arrived before the stream closed", NULL);
    t->sink->close(t->ctx, st, why);
    uint8_t k[40];
    size_t kl = key_of(&st->src, &st->dst, k);
    hmap_del(&t->by_key, k, kl);
    lru_unlink(t, i);
    st->in_use = 0;
    st->lru_next = t->free_head;
    t->free_head = i;
    t->live--;
}

static uint32_t stream_new(struct tcp_table *t, const struct pkt *pkt)
{
    if (t->live >= t->lim->tcp_flows && t->lru_tail != NIL) {
        t->evicted++;
        diag_limit(t->diag, "tcp-flows", "limit tcp-flows=%u reached: the least recently active TCP stream is flushed",
                   t->lim->tcp_flows);
        stream_free(t, t->lru_tail, TCP_CLOSE_EVICT);
    }
    uint32_t i;
    if (t->free_head != NIL) {
        i = t->free_head;
        t->free_head = t->v[i].lru_next;
    } else {
        t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
        i = (uint32_t)t->n++;
    }
    struct tcp_stream *st = &t->v[i];
    memset(st, 0, sizeof(*st));
    st->src = pkt->src;
    st->dst = pkt->dst;
    st->in_use = 1;
    st->lru_prev = st->lru_next = NIL;
    lru_push_front(t, i);
    uint8_t k[40];
    size_t kl = key_of(&st->src, &st->dst, k);
    hmap_put(&t->by_key, k, kl, i);
    t->live++;
    t->streams++;
    return i;
}

/* Insert [seq, seq+n) into the waiting list, keeping bytes already there. */
static void ooo_insert(struct tcp_table *t, struct tcp_stream *st, uint32_t seq, const uint8_t *p, uint32_t n,
                       const struct frame *fr)
{
    struct tcp_seg **pp = &st->ooo;
    while (n) {
        /* skip segments that end before seq */
        while (*pp && seq_diff((*pp)->seq + (*pp)->len, seq) <= 0)
            pp = &(*pp)->next;
        uint32_t take = n;
        if (*pp) {
            int32_t d = seq_diff((*pp)->seq, seq);
            if (d <= 0) { /* overlaps the start of an existing segment: drop the overlap */
                uint32_t ov = (uint32_t)seq_diff((*pp)->seq + (*pp)->len, seq);
                if (ov > n)
                    ov = n;
                t->overlap_bytes += ov;
                seq += ov;
                p += ov;
                n -= ov;
                continue;
            }
            if ((uint32_t)d < take)
                take = (uint32_t)d;
        }
        struct tcp_seg *sg = xmalloc(sizeof(*sg) + take);
        sg->seq = seq;
        sg->len = take;
        sg->fr = *fr;
        sg->fr.data = NULL;
        memcpy(sg->data, p, take);
        sg->next = *pp;
        *pp = sg;
        pp = &sg->next;
        st->ooo_bytes += take;
        t->total_bytes += take;
        seq += take;
        p += take;
        n -= take;
    }
}

/* Out-of-order data over its bounds: declare holes lost until it fits. */
static void enforce_limits(struct tcp_table *t, struct tcp_stream *st, const struct frame *cur)
{
    if (st->ooo_bytes > t->lim->tcp_stream_bytes) {
        diag_limit(t->diag, "tcp-stream-bytes", "limit tcp-stream-bytes=%u reached waiting for a missing TCP segment",
                   t->lim->tcp_stream_bytes);
        while (st->ooo && st->ooo_bytes > t->lim->tcp_stream_bytes / 2)
            declare_gap(t, st, "not received while the out-of-order data hit tcp-stream-bytes", cur);
    }
    while (t->total_bytes > t->lim->tcp_total_bytes && st->ooo) {
        diag_limit(t->diag, "tcp-total-bytes", "limit tcp-total-bytes reached: a TCP hole is declared lost");
        declare_gap(t, st, "not received while out-of-order data hit tcp-total-bytes", cur);
    }
}

static void idle_sweep(struct tcp_table *t, int64_t now)
{
    int64_t idle = (int64_t)t->lim->tcp_idle_ms * 1000000LL;
    while (t->lru_tail != NIL && now - t->v[t->lru_tail].last_ts > idle) {
        t->idle_closed++;
        stream_free(t, t->lru_tail, TCP_CLOSE_IDLE);
    }
}

void tcp_segment(struct tcp_table *t, const struct pkt *pkt, uint32_t seq, uint8_t flags)
{
    const struct frame *fr = pkt->frame;
    t->segments++;
    idle_sweep(t, fr->ts);
    if (t->nheld)
        hold_timeouts(t, fr->ts);
    uint8_t k[40];
    struct tcp_stream tmp;
    tmp.src = pkt->src;
    tmp.dst = pkt->dst;
    size_t kl = key_of(&tmp.src, &tmp.dst, k);
    uint32_t i;
    int found = hmap_get(&t->by_key, k, kl, &i);
    if (found && (flags & TCP_SYN) && t->v[i].have_seq && seq_diff(seq + 1, t->v[i].next_seq) != 0) {
        /* a new connection on the same ports */
        stream_free(t, i, TCP_CLOSE_REUSE);
        found = 0;
    }
    if (!found) {
        if (!pkt->len && !(flags & TCP_SYN))
            return; /* a bare ACK/FIN/RST of a stream we never saw carry nothing */
        i = stream_new(t, pkt);
    }
    struct tcp_stream *st = &t->v[i];
    st->last_ts = fr->ts;
    lru_unlink(t, i);
    lru_push_front(t, i);
    if (!st->have_seq) {
        st->have_seq = 1;
        st->next_seq = (flags & TCP_SYN) ? seq + 1 : seq;
        st->synced = st->had_syn = (flags & TCP_SYN) != 0;
        st->sync_seq = st->next_seq;
    } else if ((flags & TCP_SYN) && !st->synced) {
        st->synced = st->had_syn = 1;
        st->next_seq = st->sync_seq = seq + 1;
        drain(t, st, fr);
    }
    uint32_t dseq = (flags & TCP_SYN) ? seq + 1 : seq;
    const uint8_t *p = pkt->payload;
    uint32_t n = pkt->len;
    uint32_t wire = pkt->wire_len > n ? pkt->wire_len : n;
    t->payload_bytes += n;

    if (n && !st->synced) {
        /* no SYN yet: hold the segments sorted until a start is clear */
        if (!st->ooo) {
            st->hold_since = fr->ts;
            t->held_list = xgrow(t->held_list, &t->cap_held, t->nheld + 1, sizeof(*t->held_list));
            t->held_list[t->nheld++] = i;
        }
        if (seq_diff(dseq, st->next_seq) < 0 && seq_diff(st->next_seq, dseq) < (int32_t)(1u << 24))
            st->next_seq = dseq; /* an earlier part arrived late: the stream starts lower */
        int front = !st->ooo || seq_diff(dseq, st->ooo->seq) < 0;
        int forward = 0;
        if (st->ooo && !front) { /* does it extend the contiguous run from the lowest segment? */
            uint32_t end = st->ooo->seq;
            for (struct tcp_seg *sg = st->ooo; sg && sg->seq == end; sg = sg->next)
                end = sg->seq + sg->len;
            forward = dseq == end;
        }
        ooo_insert(t, st, dseq, p, n, fr);
        st->held++;
        if (forward || st->held >= TCP_HOLD_SEGS || st->ooo_bytes >= TCP_HOLD_BYTES ||
            st->ooo_bytes > t->lim->tcp_stream_bytes || fr->ts - st->hold_since >= TCP_HOLD_NS ||
            (!front && t->sink->starts && t->sink->starts(t->ctx, st->ooo->data, st->ooo->len))) {
            sync_now(t, st, fr);
            enforce_limits(t, st, fr);
        }
        n = 0;
    }
    if (n) {
        int32_t rel = seq_diff(dseq, st->next_seq);
        if (!st->had_syn && seq_diff(dseq, st->sync_seq) < 0) {
            /* bytes from before the point where the stream was picked up:
             * never delivered, so not a retransmission */
            uint32_t late = seq_diff(dseq + n, st->sync_seq) <= 0 ? n : (uint32_t)seq_diff(st->sync_seq, dseq);
            t->late_bytes += late;
            if (!st->late_reported) {
                char a[80], b[80];
                st->late_reported = 1;
                diag_report(t->diag, DIAG_TCP_GAP,
                            "TCP %s -> %s (no SYN in the capture): %u bytes from before the point where the stream "
                            "was picked up arrived late and are not decoded",
                            endpoint_str(&st->src, a, sizeof a), endpoint_str(&st->dst, b, sizeof b), late);
            }
        }
        if (rel < 0 && (uint32_t)(-rel) >= n) {
            t->retrans_bytes += n; /* entirely old: a retransmission */
        } else {
            if (rel < 0) {
                t->retrans_bytes += (uint32_t)(-rel);
                p += -rel;
                n -= (uint32_t)(-rel);
                wire -= (uint32_t)(-rel);
                dseq = st->next_seq;
                rel = 0;
            }
            if (rel == 0) {
                deliver(t, st, p, n, fr);
                if (wire > n) { /* the rest was cut by snaplen: a gap we know now */
                    uint32_t cut = wire - n;
                    t->gaps++;
                    t->gap_bytes += cut;
                    char a[80], b[80];
                    diag_report(t->diag, DIAG_TCP_GAP,
                                "TCP %s -> %s: %u bytes of this segment cut by the capture's snaplen; framing resynchronised",
                                endpoint_str(&st->src, a, sizeof a), endpoint_str(&st->dst, b, sizeof b), cut);
                    t->sink->gap(t->ctx, st, st->next_seq, cut, fr);
                    st->delivered += cut;
                    st->next_seq += cut;
                }
                drain(t, st, fr);
            } else {
                t->ooo_segments++;
                ooo_insert(t, st, dseq, p, n, fr);
                enforce_limits(t, st, fr);
            }
        }
    }
    if (flags & TCP_FIN) {
        st->fin = 1;
        st->fin_seq = (flags & TCP_SYN ? seq + 1 : seq) + pkt->len;
    }
    if ((flags & TCP_RST) || (st->fin && st->synced && !st->ooo && seq_diff(st->next_seq, st->fin_seq) >= 0))
        stream_free(t, i, (flags & TCP_RST) ? TCP_CLOSE_RST : TCP_CLOSE_FIN);
}

void tcp_finish(struct tcp_table *t)
{
    while (t->lru_tail != NIL)
        stream_free(t, t->lru_tail, TCP_CLOSE_END);
}

void tcp_fini(struct tcp_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        struct tcp_seg *sg = t->v[i].ooo;
        while (sg) {
            struct tcp_seg *nx = sg->next;
            free(sg);
            sg = nx;
        }
    }
    free(t->v);
    free(t->held_list);
    hmap_fini(&t->by_key);
    memset(t, 0, sizeof(*t));
}
