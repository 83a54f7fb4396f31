/*
 * tcp.h - TCP stream reassembly, one direction of a connection at a time.
 *
 * The reassembler turns segments (in any order, retransmitted, overlapping,
 * duplicated, with sequence wrap-around, with or without a SYN) into the
 * contiguous byte stream of each direction and hands it to a sink:
 *
 *   data()  contiguous new bytes, with the frame of the segment carrying them
 *   gap()   bytes that will never come (a hole the stream moved past), with
 *           the sequence range; the sink resynchronises its framing
 *   close() the stream ends (FIN/RST, idle timeout, eviction, end of input);
 *           the sink flushes and frees its state
 *
 * Bounds (src/base/limits.h): tcp-flows directions at once (the least
 * recently active is evicted, reported), tcp-stream-bytes of out-of-order
 * data per direction and tcp-total-bytes over all (when hit, the hole is
 * declared a gap and reported), tcp-idle-ms of capture time after which a
 * quiet direction is flushed and freed.  Nothing is dropped silently: every
 * gap, eviction and limit is counted and reported through diag.
 *
 * Sequence numbers are compared modulo 2^32 (RFC 9293 §3.4).
 *
 * A stream whose SYN is not in the capture has no known start: its first
 * segments are held, sorted, until a segment extends the held run forwards
 * (in-order data), or the lowest one begins a unit the sink recognises
 * while data is no longer arriving in front of it, or TCP_HOLD_SEGS /
 * TCP_HOLD_BYTES / TCP_HOLD_NS of capture time is reached.  Segments that
 * arrive in reverse order are thus put back in order.  Bytes that arrive
 * after delivery started but belong before its start are reported (they
 * were never delivered), not counted as retransmissions.
 */
#ifndef SIPLADDER_SRC_TCP_H
#define SIPLADDER_SRC_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "src/base/diag.h"
#include "src/base/hmap.h"
#include "src/base/limits.h"
#include "src/packet.h"

enum tcp_close_reason { TCP_CLOSE_FIN = 0, TCP_CLOSE_RST, TCP_CLOSE_IDLE, TCP_CLOSE_EVICT, TCP_CLOSE_END, TCP_CLOSE_REUSE };

struct tcp_seg;

struct tcp_stream {
    struct endpoint src, dst;
    uint32_t next_seq;       /* next byte expected */
    uint32_t fin_seq;
    uint8_t have_seq, fin, in_use;
    uint8_t synced;          /* delivery has started (SYN seen, or a start found) */
    uint8_t had_syn;
    uint8_t late_reported;
    uint32_t held;           /* segments held while unsynchronised */
    int64_t hold_since;      /* capture time of the first held segment */
    uint32_t sync_seq;       /* first byte delivered (no SYN: where the stream was picked up) */
    struct tcp_seg *ooo;     /* out-of-order segments, sorted, non-overlapping */
    size_t ooo_bytes;
    int64_t last_ts;
    uint32_t lru_prev, lru_next;
    uint64_t delivered;      /* bytes handed to the sink */
    void *user;              /* sink state */
};

struct tcp_sink {
    void (*data)(void *ctx, struct tcp_stream *st, const uint8_t *p, size_t n, const struct frame *fr);
    void (*gap)(void *ctx, struct tcp_stream *st, uint32_t seq, uint32_t len, const struct frame *fr);
    void (*close)(void *ctx, struct tcp_stream *st, enum tcp_close_reason why);
    /* Does a stream plausibly start at p (a message start line, a TLS
     * record, an HTTP request)?  Used for streams whose SYN was not seen:
     * their segments are held, sorted, until the lowest one starts a unit,
     * the data grows forward from it, or a bound is hit. */
    int (*starts)(void *ctx, const uint8_t *p, size_t n);
};

struct tcp_table {
    struct tcp_stream *v;
    size_t n, cap;           /* slots used / allocated */
    uint32_t free_head;      /* free-slot list through lru_next */
    uint32_t lru_head, lru_tail; /* most / least recently active */
    size_t live;
    size_t total_bytes;      /* out-of-order bytes buffered, all streams */
    struct hmap by_key;
    const struct limits *lim;
    struct diag *diag;
    const struct tcp_sink *sink;
    void *ctx;
    /* counters */
    uint64_t segments, payload_bytes, retrans_bytes, overlap_bytes, ooo_segments;
    uint64_t gaps, gap_bytes, evicted, idle_closed, streams, late_bytes;
    uint32_t *held_list;     /* streams waiting to synchronise (may hold stale entries) */
    size_t nheld, cap_held;
};

void tcp_init(struct tcp_table *t, const struct limits *lim, struct diag *diag, const struct tcp_sink *sink, void *ctx);
/* Feed one TCP segment: pkt->payload/len is the captured payload,
 * pkt->wire_len the length the headers claim (bytes beyond len were cut by
 * snaplen and are reported as a gap).  flags are the TCP header flags. */
void tcp_segment(struct tcp_table *t, const struct pkt *pkt, uint32_t seq, uint8_t flags);
/* End of input: flush and close every stream. */
void tcp_finish(struct tcp_table *t);
void tcp_fini(struct tcp_table *t);

#define TCP_HOLD_SEGS 64
#define TCP_HOLD_BYTES (64u * 1024u)
#define TCP_HOLD_NS 500000000LL

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04

#endif
