/*
 * media.h - media tied to calls: SDP offer/answer tracking, expected RTP/
 * RTCP/UDPTL flows, per-stream statistics, RTCP reports, DTMF, T.38.
 *
 * Every SDP address:port seen in a stored SIP message registers an
 * expected flow (RTP, RTCP per a=rtcp / rtcp-mux / port+1, or UDPTL for
 * image/udptl).  A UDP packet is matched in O(1): by its destination
 * (also catches NAT'd senders), then by its source.  Unclaimed UDP that
 * looks like RTP (version 2, sane payload type, the same SSRC over
 * MEDIA_ORPHAN_PKTS packets) becomes an orphan stream.  Payloads are never
 * kept: memory per stream is constant.
 *
 * State is keyed by Call-ID (not by store index) so it survives the
 * store's streaming rebuilds; renderers find a call's streams and media
 * events with media_call_find().
 *
 * Offer/answer (RFC 3264) per dialog: INVITE/200, 200/ACK (delayed offer),
 * reliable 18x/PRACK, UPDATE/200, re-INVITE.  Each SDP gives a media
 * event: offer or answer, early media (SDP in 18x), hold / resume
 * (sendonly, inactive or c=0.0.0.0), codec change, switch to T.38.
 * Changes are found by content (sdp_fingerprint), not by the o= version.
 */
#ifndef SIPLADDER_SRC_MEDIA_H
#define SIPLADDER_SRC_MEDIA_H

#include <stdint.h>

#include "dissect/dtmf.h"
#include "src/base/diag.h"
#include "src/base/hmap.h"
#include "src/base/limits.h"
#include "src/packet.h"
#include "src/rtpstats.h"
#include "src/store.h"
#include "src/t38.h"

#define MEDIA_ORPHAN_PKTS 5
#define MEDIA_MAX_DIGITS 256   /* per stream; more are counted, not listed */
#define MEDIA_MAX_REPORTS 8    /* RTCP reporters kept per stream */

enum media_kind { MK_RTP = 0, MK_RTCP, MK_UDPTL };
enum media_match { MM_SDP_DST = 0, MM_SDP_SRC, MM_ORPHAN };

/* One payload type of an SDP: number, clock, encoding name. */
struct media_pt {
    uint8_t pt;
    uint8_t event;           /* telephone-event */
    uint32_t rate;
    char name[24];
};

#define MEDIA_FLOW_PTS 16

struct media_flow {
    uint32_t call;           /* media_call index */
    uint8_t kind;            /* enum media_kind */
    uint8_t rtcp_mux;
    int16_t te_pt;           /* telephone-event payload type, -1 when none */
    uint32_t clock_rate;     /* of the first audio format */
    char codec[24];          /* first format's encoding name */
    uint16_t ptime;
    struct endpoint announced; /* the SDP address:port (the receiver) */
    uint8_t from_caller;     /* the SDP came from the caller: media *to* the caller lands here */
    uint32_t last_stream;    /* cache: the stream of the previous packet on this flow (or NONE) */
    /* the SDP's payload types: a stream takes its clock and codec from its first packet's PT */
    uint8_t npt;
    struct media_pt *pts;    /* heap, at most MEDIA_FLOW_PTS */
    size_t cap_pts;
};

/* What an endpoint reported about a stream in RTCP (RFC 3550 §6.4). */
struct media_report {
    uint32_t reporter_ssrc;
    uint32_t reports;
    double fraction_lost_pct; /* last */
    int32_t cumulative_lost;  /* last */
    double jitter_ms;         /* last */
    double rtt_ms;            /* last computed, -1 when unknown */
    double xr_mos_lq;         /* RFC 3611 VoIP metrics, 0 when none */
};

struct media_stream {
    uint32_t call;           /* media_call index, NONE for an orphan */
    uint8_t kind;            /* enum media_kind */
    uint8_t match;           /* enum media_match */
    uint8_t to_caller;       /* direction relative to the call (unknown for orphans) */
    struct endpoint src, dst;
    struct endpoint announced; /* the SDP endpoint it matched (differs from dst/src under NAT) */
    uint32_t ssrc;
    uint64_t first_fseq;
    char codec[24];
    struct rtp_stats st;     /* RTP */
    struct dtmf_tracker dt;
    int16_t te_pt;
    uint32_t ndigits, digits_total;
    struct media_digit {
        char ch;
        uint32_t duration_ms;
        uint8_t volume;
        int64_t start_ns;
    } *digits;
    /* RTCP */
    uint64_t rtcp_packets, rtcp_bad;
    uint32_t nreports;
    struct media_report reports[MEDIA_MAX_REPORTS];
    uint32_t last_sr_mid32;  /* for RTT: our SR's NTP middle bits */
    /* UDPTL */
    struct t38_counter t38;
    uint64_t packets, bytes;
    int64_t first_ns, last_ns;
};

struct media_event {
    uint32_t file;
    uint64_t frame;          /* the SIP message carrying the SDP */
    uint64_t fseq;
    char kind[16];           /* offer, answer, early-media, hold, resume, codec-change, t38, dtmf */
    char text[160];
};

#define MEDIA_CALL_PTS 32

struct media_call {
    char *call_id;
    uint32_t call_id_len;
    uint32_t *streams;
    size_t nstreams, cap_streams;
    struct media_event *events;
    size_t nevents, cap_events;
    /* offer/answer state per dialog (index in the store call's dialogs, by
     * Call-ID so it survives rebuilds): the last fingerprint and state */
    uint8_t sdp_one_way;     /* the latest answer negotiated sendonly/recvonly/inactive audio */
    /* payload types of all the call's SDPs: a sender may use the mapping of
     * its own offer rather than the receiver's answer */
    uint8_t npt;
    struct media_pt *pts;    /* heap, at most MEDIA_CALL_PTS (most calls use a few) */
    size_t cap_pts;
    uint8_t dead;            /* streaming: the call was emitted; dropped at the next compaction */
    struct media_oa {
        uint32_t dialog;
        uint8_t pending;         /* an offer waits for its answer */
        uint8_t held;            /* the last agreed session was on hold */
        uint8_t offer_hold;      /* the pending offer asks for hold */
        uint8_t t38;
        uint64_t last_fp;
        char codec[24];
    } *oa;
    size_t noa, cap_oa;
};

struct media {
    const struct limits *lim;
    struct diag *diag;
    struct hmap flows_by_ep;     /* endpoint -> flow */
    struct media_flow *flows;
    size_t nflows, cap_flows;
    struct hmap calls_by_id;     /* Call-ID -> media_call */
    struct media_call *calls;
    size_t ncalls, cap_calls;
    struct hmap streams_by_key;  /* src, dst, kind, ssrc -> stream */
    struct media_stream *streams;
    size_t nstreams, cap_streams;
    struct hmap orphan_cand;     /* src, dst -> candidate */
    struct orphan_cand {
        uint32_t ssrc;
        uint8_t pt;
        uint8_t count;
        /* the probation packets, replayed into the stream when it is confirmed */
        struct cand_pkt {
            uint16_t seq;
            uint8_t marker;
            uint32_t ts, bytes, payload_len;
            int64_t arrival_ns;
            uint64_t fseq;
        } pk[MEDIA_ORPHAN_PKTS];
    } *cands;
    size_t ncands, cap_cands;
    struct sdp_desc *sdp;        /* scratch (large) */
    /* counters */
    uint64_t udp_checked, rtp_packets, rtcp_packets, udptl_packets, orphan_packets, sdp_seen, sdp_anomalies;
    uint64_t flows_registered, streams_dropped;
    size_t dead_calls;           /* forgotten, awaiting compaction */
    uint64_t compactions;
    int64_t last_ns;             /* latest packet time seen (orphan ageing) */
};

void media_init(struct media *m, const struct limits *lim, struct diag *diag);
void media_fini(struct media *m);
/* A stored SIP message (store hook): SDP, INFO/NOTIFY DTMF bodies. */
void media_on_sip(void *ctx, struct store *s, uint32_t msg, const struct sip_msg *sm);
/* A non-SIP UDP payload.  Returns 1 when it was media. */
int media_packet(struct media *m, const struct pkt *k);
/* Streaming: the call was emitted; forget its media (flows, streams,
 * events).  Storage is reclaimed by an amortised compaction that also
 * drops orphan streams idle for more than a minute. */
void media_forget(struct media *m, const uint8_t *call_id, size_t n);
/* store on_emitted hook: ctx is the struct media. */
void media_on_emitted(void *ctx, const struct call *c);

/* End of input: flush DTMF trackers. */
void media_finish(struct media *m);
/* The media of a call, or NULL. */
const struct media_call *media_call_find(const struct media *m, const uint8_t *call_id, size_t n);
const char *media_kind_name(enum media_kind k);
const char *media_match_name(enum media_match k);
/* One-way audio verdict for an answered call: NULL when media flowed both
 * ways, else "no media", "only to the caller", "only to the callee". */
const char *media_one_way(const struct media *m, const struct media_call *mc, int answered);
/* 1 when the SDP itself negotiated a one-way (or inactive) session, so
 * one-way media is expected rather than a fault. */
int media_one_way_expected(const struct media_call *mc);

#endif
