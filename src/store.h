/*
 * store.h - the analysed capture: SIP messages, transactions, dialogs and
 * calls, and the correlation that groups them.
 *
 * Ownership: one `struct store` owns everything below it (messages and
 * their bytes, calls, dialogs, transactions).  Renderers receive it
 * `const`.  A message keeps its own copy of the SIP bytes and compact key
 * fields; renderers re-parse the bytes on demand with sip_parse() (cheap)
 * instead of the store keeping every parsed header index alive.
 *
 * Correlation (RFC 3261 §17, §12):
 *   transaction = top-Via branch + CSeq method (magic cookie), else the
 *                 RFC 2543 fallback Call-ID + From tag + CSeq number + method;
 *                 ACK to a non-2xx and CANCEL are matched to their INVITE.
 *   dialog      = Call-ID + the unordered {from-tag, to-tag} pair; a request
 *                 before any To tag belongs to a half dialog that the first
 *                 tagged response completes; further To tags (forking) make
 *                 new early dialogs.
 *   call        = everything sharing a Call-ID.
 */
#ifndef SIPLADDER_SRC_STORE_H
#define SIPLADDER_SRC_STORE_H

#include <stdint.h>

#include "dissect/sip.h"
#include "src/base/diag.h"
#include "src/base/hmap.h"
#include "src/base/limits.h"
#include "src/packet.h"

#define NONE UINT32_MAX

struct msg {
    uint32_t index;
    uint32_t file;
    uint64_t frame;
    uint64_t fseq;            /* capture-order position of that frame (sort key) */
    int64_t ts;               /* ns since the epoch */
    struct endpoint src, dst;
    uint8_t transport;        /* enum transport */
    uint8_t is_request;
    uint8_t method;           /* enum sip_method */
    uint8_t retrans;          /* retransmission of an earlier message */
    uint8_t correlatable;
    uint8_t has_cseq;         /* a CSeq number was found */
    uint8_t cseq_method;      /* enum sip_method of the CSeq method */
    uint16_t status;
    uint16_t pkt_flags;       /* enum pkt_flags */
    uint16_t anom_total;
    uint64_t anom_mask;
    uint32_t cseq;
    uint32_t call, dialog, txn; /* NONE when not correlated; dialog is per call */
    uint64_t first_frame;     /* stream transports: frame of the first segment */
    uint32_t segments;        /* packets that carried the message (1 for UDP) */
    uint32_t gap_bytes;       /* bytes lost in the stream just before this message */
    uint32_t len;             /* bytes in buf */
    uint32_t orig_len;        /* bytes on the wire (> len when truncated/limited) */
    uint8_t *buf;             /* owned copy of the message bytes */
    /* spans into buf for the key fields */
    struct sip_span call_id, from_tag, to_tag, branch;
    /* live --out-dir (store.keep_raw): a copy of the captured frame that
     * carried this message, set by the pipeline for UDP, SCTP and HEP
     * messages that came in one frame; NULL otherwise (TCP/WebSocket,
     * IP-reassembled).  Owned; moved across store_rebuild(). */
    uint8_t *raw;
    uint32_t rawlen, rawwire; /* captured and original frame length */
    int32_t rawdlt;           /* the frame's DLT_ link type */
};

enum dlg_state {
    DLG_EARLY = 0,   /* provisional with tag only */
    DLG_CONFIRMED,   /* 2xx seen */
    DLG_TERMINATED,  /* BYE seen, or failed */
};

struct dialog {
    uint32_t call;
    uint32_t first_msg, last_msg;
    uint8_t *tag_a; uint32_t tag_a_len; /* caller side (From tag of the first request) */
    uint8_t *tag_b; uint32_t tag_b_len; /* callee side; NULL while half */
    uint8_t state;
    uint16_t final_status;
    uint32_t nmsgs;
};

struct txn {
    uint32_t call;
    uint32_t first_msg;
    uint8_t method;        /* CSeq method */
    uint16_t final_status; /* 0 until a final response */
    uint32_t final_msg;
    uint32_t invite_txn;   /* for CANCEL and non-2xx ACK: the INVITE's transaction */
    uint8_t initial;       /* 1: request had no To tag; 0: in-dialog; 2: request not seen */
};

enum call_state {
    CALL_CALLING = 0,
    CALL_RINGING,
    CALL_IN_CALL,
    CALL_COMPLETED,
    CALL_CANCELLED,
    CALL_REJECTED,
    CALL_BUSY,
    CALL_REDIRECTED,
    CALL_FAILED,
    CALL_NOT_FINISHED,
    CALL__STATE_COUNT
};

enum release_side { REL_NONE = 0, REL_CALLER, REL_CALLEE };

struct call {
    uint32_t index;
    uint8_t *call_id; uint32_t call_id_len;
    uint32_t *msgs; size_t nmsgs, cap_msgs;
    uint32_t *dialogs; size_t ndialogs, cap_dialogs; /* indexes into store.dialogs */
    uint8_t is_invite;    /* an INVITE without To tag was seen */
    uint8_t state;        /* enum call_state */
    uint8_t progress;     /* furthest live state reached (CALLING/RINGING/IN_CALL) */
    uint8_t released_by;  /* enum release_side */
    uint32_t first_msg;   /* first message of the call */
    uint32_t invite_msg;  /* initial INVITE (NONE when not an INVITE call) */
    uint32_t ring_msg, answer_msg, ack_msg, bye_msg, cancel_msg, final_msg;
    uint32_t cur_invite_txn; /* latest initial INVITE transaction (auth retries replace it) */
    uint16_t final_status;
    struct endpoint caller; /* source of the initial request */
    int64_t last_ts;        /* time of the latest message */
    uint8_t flushed;        /* streaming: emitted, dropped at the next rebuild */
    uint8_t expired;        /* streaming: emitted because it went idle before a final state */
    /* From and To values of the message that names the call's parties
     * (invite_msg, else first_msg), kept from its parse so renderers need
     * not parse it again; party_msg is NONE when not known */
    uint32_t party_msg;
    uint8_t has_from, has_to;
    struct sip_span from_v, to_v;
};

struct store {
    struct msg *msgs; size_t nmsgs, cap_msgs;
    struct call *calls; size_t ncalls, cap_calls;
    struct dialog *dialogs; size_t ndialogs, cap_dialogs;
    struct txn *txns; size_t ntxns, cap_txns;
    struct hmap call_by_id;   /* Call-ID -> call */
    struct hmap dialog_by_key; /* call + tags -> dialog */
    struct hmap txn_by_key;   /* transaction key -> txn */
    struct hmap retrans;      /* txn + direction + start line -> msg */
    uint64_t store_bytes;
    uint64_t sip_bad, sip_uncorrelated, sip_anomalous, retransmissions;
    uint64_t anom_by_kind[SIP_ANOM__COUNT];
    uint64_t dropped_msgs;    /* not stored because a limit was hit */
    const struct limits *lim;
    struct diag *diag;
    struct sip_hdr *scratch; /* header index for parsing, lim->max_headers entries */
    uint8_t *kbuf; size_t kcap, klen; /* key builder */
    int replay;               /* store_rebuild(): re-adding, do not count or report again */
    uint64_t now_seq;         /* capture-order position of the frame being decoded */
    /* called after each message is stored and correlated (not on replay),
     * with its parse (spans valid against s->msgs[msg].buf) */
    void (*on_msg)(void *ctx, struct store *s, uint32_t msg, const struct sip_msg *sm);
    void *on_msg_ctx;
    /* streaming: called once a call has been emitted (its state elsewhere,
     * e.g. media, can be forgotten) */
    void (*on_emitted)(void *ctx, const struct call *c);
    void *on_emitted_ctx;
    uint8_t unordered;        /* a message was stored after a later one (held TCP data) */
    /* streaming */
    uint64_t calls_emitted, calls_expired, rebuilds, uncorrelated_dropped;
    size_t flushed_msgs;      /* messages belonging to flushed calls */
    /* live --out-dir: keep each message's raw frame (msg.raw) */
    uint8_t keep_raw;
    uint64_t raw_bytes;       /* bytes held in msg.raw copies */
};

void store_init(struct store *s, const struct limits *lim, struct diag *diag);
void store_fini(struct store *s);

/*
 * Add one SIP payload (already known to look like SIP).  The bytes are
 * copied.  Returns the message index, or NONE when it was not stored
 * (unparseable start line or a limit; both are reported).
 * `sip_len` is the number of bytes of `p` that make up the message.
 */
uint32_t store_add_sip(struct store *s, const struct pkt *pkt, const uint8_t *p, size_t n);

/* Finish: compute call states for the end of the capture. */
void store_finish(struct store *s);

/*
 * Streaming (live capture, --stream): emit calls that are done and free
 * them, so memory depends on the number of open calls, not on the length
 * of the capture.
 *
 * store_sweep() calls emit() for every call that is in a final state and
 * has been quiet for `linger_ns` (late retransmissions and BYE responses
 * still land in it), and for every open call quiet for `idle_ns` (marked
 * expired, state not_finished).  Emitted calls are flagged `flushed`; when
 * they hold most of the stored messages the store rebuilds itself from
 * the calls still open (re-correlating their stored bytes, deterministic),
 * and drops uncorrelated messages older than `linger_ns`.  Store indexes
 * change at a rebuild: keep none across store_sweep() calls.
 */
void store_sweep(struct store *s, int64_t now, int64_t linger_ns, int64_t idle_ns,
                 void (*emit)(void *ctx, const struct store *s, const struct call *c), void *ctx);
/* Emit every call not yet emitted (end of input or stop), then rebuild. */
void store_flush_all(struct store *s, void (*emit)(void *ctx, const struct store *s, const struct call *c),
                     void *ctx);
/* Rebuild from the calls not flushed. */
void store_rebuild(struct store *s);
/* Flag a call as emitted (streaming): counters, and the on_emitted hook.
 * Every emission path (sweep, flush, live shedding) goes through it. */
void store_mark_emitted(struct store *s, struct call *c);

const char *call_state_name(enum call_state st);
const char *transport_name(enum transport t);

/* Put a call's message list in capture order (messages released late by
 * TCP reassembly are stored after later ones).  Cheap when already sorted. */
void store_order_call(struct store *s, struct call *c);
/* Compare two message indexes by capture order. */
int store_msg_before(const struct store *s, uint32_t a, uint32_t b);

/* Re-parse a stored message (hdrs: caller array).  Returns the sip_parse rc. */
int msg_parse(const struct msg *m, struct sip_msg *sm, struct sip_hdr *hdrs, size_t max_hdrs);

static inline struct slice msg_span(const struct msg *m, struct sip_span sp)
{
    return (struct slice){m->buf + sp.off, sp.len};
}

#endif
