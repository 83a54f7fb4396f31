/*
 * defrag.h - IPv4 and IPv6 fragment reassembly, in capture time.
 *
 * The decoder hands every fragment to defrag_add(); when the fragments of
 * a datagram cover it from byte 0 to the length fixed by the last
 * fragment, defrag_add() returns the reassembled payload (the bytes after
 * the IP header, or after the IPv6 fragment header) and the protocol that
 * follows it.
 *
 *   IPv4 (RFC 791 §3.2, "Fragmentation and Reassembly"): a datagram is
 *   identified by (source, destination, protocol, identification).
 *   IPv6 (RFC 8200 §4.5): by (source, destination, identification); the
 *   Next Header of the first fragment's Fragment header (offset 0) names
 *   what the reassembled fragmentable part starts with.  RFC 5722 forbids
 *   overlapping IPv6 fragments; we keep the first copy and report them.
 *
 * Policy, whatever the arrival order:
 *   - every byte keeps its first copy.  A fragment wholly inside what was
 *     already received with the same bytes is a duplicate (counted only);
 *     a partial overlap with the same bytes is an "overlap" anomaly; any
 *     differing byte is a "conflicting overlap".  Both are reported
 *     (DIAG_BAD_IP) and reassembly goes on.
 *   - the last fragment (MF = 0) fixes the length.  Lengths that disagree
 *     (two different last fragments, data past the end, a non-last
 *     fragment not a multiple of 8 bytes) or a datagram that would exceed
 *     65535 bytes are reported (DIAG_IP_FRAGMENT) and the datagram is
 *     dropped; its later fragments are absorbed until it times out.
 *   - a datagram not complete within limits.frag_timeout_ms of capture
 *     time after its first fragment is reported incomplete with the byte
 *     ranges it has and lacks (DIAG_IP_FRAGMENT).  So are datagrams evicted
 *     by frag_datagrams / frag_bytes (plus diag_limit naming the limit),
 *     and those still open at defrag_flush().
 *   - fragments cut by snaplen count as received on the wire; when the
 *     datagram completes, the caller gets the captured prefix (len) and
 *     the full length (total) and marks the packet truncated.
 *   - a completed datagram lingers briefly (at most 2 s of capture time)
 *     so that exact duplicates of its fragments, common when a capture
 *     sees each packet twice, are counted as duplicates rather than
 *     starting a new datagram that would time out.
 *
 * Cost: O(1) hash lookup per fragment; expiry pops the heads of two FIFOs
 * (by first-seen and by completion time), so it is amortised O(1) per
 * frame.  Memory: at most frag_datagrams datagrams and about frag_bytes
 * bytes (reassembly buffers and range lists) are held.
 */
#ifndef SIPLADDER_SRC_DEFRAG_H
#define SIPLADDER_SRC_DEFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "src/base/diag.h"
#include "src/base/limits.h"

struct defrag;

/* One fragment, borrowed for the duration of defrag_add(). */
struct defrag_frag {
    uint8_t family;            /* 4 or 6 */
    const uint8_t *src, *dst;  /* 4 or 16 bytes each */
    uint32_t id;               /* identification: 16 bits (IPv4) or 32 (IPv6) */
    uint8_t proto;             /* IPv4: protocol; IPv6: Next Header of the fragment header */
    uint32_t hdr_len;          /* IPv4 header length; IPv6 extension headers before the
                                * fragment header (for the 65535-byte check) */
    uint32_t off;              /* fragment offset in bytes */
    int more;                  /* more-fragments flag */
    const uint8_t *data;       /* captured bytes of the fragment's data */
    uint32_t len;              /* captured bytes */
    uint32_t wire_len;         /* bytes the header claims (>= len when cut by snaplen) */
    uint64_t frame;            /* frame number, for the reports */
};

/* A completed datagram; `data` is owned by the caller (free()). */
struct defrag_done {
    uint8_t *data;
    uint32_t len;   /* bytes present from offset 0 (< total when a fragment was cut) */
    uint32_t total; /* length of the reassembled payload */
    uint8_t proto;  /* what the payload starts with (IP protocol / IPv6 next header) */
};

struct defrag_stats {
    uint64_t fragments;   /* fragments handed to defrag_add() */
    uint64_t reassembled; /* datagrams completed */
    uint64_t incomplete;  /* datagrams given up: timeout, eviction, end of input */
    uint64_t invalid;     /* datagrams dropped for inconsistent lengths / oversize */
    uint64_t duplicates;  /* fragments wholly duplicating received bytes */
    uint64_t overlaps;    /* fragments partially overlapping with identical bytes */
    uint64_t conflicts;   /* fragments overlapping with different bytes */
};

/* A reassembler bounded by lim->frag_* (values are copied); events go to
 * diag, which must outlive it. */
struct defrag *defrag_new(const struct limits *lim, struct diag *diag);
/* Frees everything without reporting (see defrag_flush). NULL is fine. */
void defrag_free(struct defrag *df);

/* Capture time has reached `now` (ns): report and drop datagrams whose
 * first fragment is older than the timeout.  Call once per frame. */
void defrag_expire(struct defrag *df, int64_t now);

/* Add one fragment seen at capture time `now`.  Returns 1 when it
 * completed its datagram (*out filled, out->data to be freed by the
 * caller), 0 otherwise (*out zeroed).  Never reads outside fr->data[0..len). */
int defrag_add(struct defrag *df, int64_t now, const struct defrag_frag *fr, struct defrag_done *out);

/* End of input: report every datagram still incomplete and drop all state. */
void defrag_flush(struct defrag *df);

const struct defrag_stats *defrag_stats(const struct defrag *df);
/* Datagrams currently being reassembled (not counting completed ones
 * lingering for duplicates). */
size_t defrag_pending(const struct defrag *df);

#endif
