/*
 * rtpstats.h - per-stream RTP statistics in constant memory (no payload
 * kept), and an E-model voice quality estimate.
 *
 *   - sequence tracking per RFC 3550 Appendix A.1: extended sequence
 *     numbers with wrap-around (cycles), probation of MIN_SEQUENTIAL
 *     packets before a source is valid, MAX_DROPOUT / MAX_MISORDER,
 *     resynchronisation after two consecutive packets past a large jump;
 *     expected = extended_max - base + 1, lost = expected - received
 *     (negative with duplicates, reported as the RFC does, §6.4.1);
 *     a 128-bit window of recent sequence numbers tells duplicates from
 *     late (reordered) packets;
 *   - interarrival jitter per RFC 3550 A.8 / §6.4.1 (J += (|D| - J)/16,
 *     D from consecutive packets in arrival order, in RTP timestamp units
 *     of the payload's clock rate), reported in ms: last, mean, max;
 *   - max delta between consecutive arrivals (ms), SSRC and payload type
 *     changes, marker bits, first/last arrival, packets and bytes;
 *   - an E-model R factor and MOS (ITU-T G.107, simplified): an
 *     ESTIMATE from loss, jitter and a codec impairment, see
 *     doc/media-quality.md for the inputs and the formula.
 *
 * Deviations from RFC 3550 A.1, chosen to agree with tshark's
 * "-z rtp,streams" on ordinary streams: the packets of the probation
 * period, and the packet that started a confirmed resynchronisation, are
 * counted (A.1 drops them), so a clean stream of N packets has
 * expected == received == N.  Each SSRC change or resynchronisation closes
 * a segment whose expected/received are kept in the totals.
 */
#ifndef SIPLADDER_SRC_RTPSTATS_H
#define SIPLADDER_SRC_RTPSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "dissect/rtp.h"
#include "src/base/util.h"

#define RTPS_MAX_DROPOUT 3000u   /* RFC 3550 A.1 */
#define RTPS_MAX_MISORDER 100u
#define RTPS_MIN_SEQUENTIAL 2u

struct rtp_stats {
    /* configuration */
    uint32_t clock_rate;     /* Hz; 0 = per packet from the RFC 3551 static table */
    int16_t event_pt;        /* telephone-event PT excluded from jitter/delta/PT changes, -1 none */
    uint8_t codec;           /* index into the E-model codec table (internal) */
    uint8_t codec_set;       /* set by rtp_stats_set_codec() */
    double ptime_ms;         /* packetisation for the delay estimate (default 20) */
    double rtt_ms;           /* RTCP round trip when known, < 0 unknown */

    /* current source */
    uint8_t started;
    uint8_t pt;              /* last media (non-event) payload type */
    uint8_t have_pt;
    uint32_t ssrc;

    /* RFC 3550 A.1 state of the current segment */
    uint16_t max_seq;
    uint32_t cycles;         /* shifted count of wraps (multiple of 65536) */
    uint32_t base_seq;
    uint32_t bad_seq;
    uint32_t probation;
    uint32_t received;       /* A.1 received in this segment */
    uint32_t extra;          /* probation/resync packets counted before base_seq */
    uint32_t probation_pkts; /* packets seen while in probation */
    uint8_t validated;       /* the current segment passed probation */
    uint8_t ever_validated;
    uint64_t seen[2];        /* bit i: max_seq - i was received (i < 128) */

    /* closed segments */
    uint64_t prior_expected, prior_received;

    /* counters */
    uint64_t packets, bytes;
    uint64_t event_packets;
    uint64_t duplicates, late, seq_gaps, bad_seq_pkts, resyncs, probation_fails;
    uint64_t ssrc_changes, pt_changes, markers;
    int64_t first_ns, last_ns;

    /* jitter (A.8) */
    uint8_t have_prev;
    uint32_t prev_rate;
    uint32_t prev_ts;
    int64_t prev_ns;
    double jitter;           /* RTP timestamp units */
    double jitter_ms, jitter_max_ms, jitter_sum_ms;
    uint64_t jitter_n;

    /* delta */
    uint8_t have_delta_prev;
    int64_t delta_prev_ns;
    double max_delta_ms;
};

struct rtp_result {
    uint32_t ssrc;           /* last SSRC */
    uint8_t pt;              /* last media payload type */
    uint8_t validated;       /* some segment passed probation */
    uint32_t clock_rate;     /* last clock rate used for jitter, 0 if none */
    uint64_t packets, bytes; /* every packet given (events included) */
    uint64_t event_packets;
    int64_t first_ns, last_ns;
    double duration_s;
    uint64_t expected;       /* sum over segments of ext_max - base + 1 */
    uint64_t received;       /* A.1 received (duplicates included) */
    int64_t lost;            /* expected - received; negative with duplicates */
    double loss_pct;         /* lost / expected * 100 (may be negative), 0 when expected is 0 */
    uint32_t ext_max_seq;    /* current segment: cycles << 16 | max_seq (relative to the validating packet) */
    uint32_t base_seq;       /* current segment: first counted sequence number (16-bit) */
    uint32_t cycles;         /* current segment: wraps (count, not shifted) */
    uint64_t duplicates, late, seq_gaps, bad_seq_pkts, resyncs, probation_fails;
    uint64_t ssrc_changes, pt_changes, markers;
    uint8_t jitter_valid;    /* at least one jitter sample */
    double jitter_ms;        /* last J */
    double jitter_mean_ms;   /* mean of J over the samples */
    double jitter_max_ms;
    double max_delta_ms;     /* largest gap between consecutive arrivals, marker packets excluded */
    /* E-model ESTIMATE (doc/media-quality.md) */
    const char *codec;       /* codec used for Ie/Bpl ("PCMU", ..., "default") */
    double delay_ms;         /* one-way delay estimate fed to the E-model */
    double r_factor;         /* 0..100 */
    double mos;              /* 1..4.5 */
};

/* clock_rate: the payload's RTP clock in Hz (from a=rtpmap or the static
 * table); 0 = look up each packet's PT in the RFC 3551 static table
 * (dynamic PTs then get no jitter). */
void rtp_stats_init(struct rtp_stats *st, uint32_t clock_rate);

/* Payload type of telephone-event (RFC 4733) in this stream: its packets
 * count as packets/bytes and in the sequence accounting, but not in
 * jitter, delta or payload type changes (their timestamps do not advance). */
void rtp_stats_set_event_pt(struct rtp_stats *st, int pt);

/* Codec for the E-model by encoding name ("PCMU", "G729", "opus", ...,
 * case-insensitive); unknown names keep the default.  Without it the codec
 * comes from the static PT of the stream (0 PCMU, 8 PCMA, 9 G722, 18 G729, 4 G723). */
void rtp_stats_set_codec(struct rtp_stats *st, struct slice name);

/* Packetisation (a=ptime) and RTCP round trip for the delay estimate;
 * ptime_ms <= 0 keeps 20 ms, rtt_ms < 0 means unknown. */
void rtp_stats_set_delay_inputs(struct rtp_stats *st, double ptime_ms, double rtt_ms);

/* Account one packet, in arrival order.  bytes as the caller counts them
 * (typically the UDP payload length). */
void rtp_stats_add(struct rtp_stats *st, const struct rtp_hdr *h, int64_t arrival_ns, size_t bytes);

void rtp_stats_result(const struct rtp_stats *st, struct rtp_result *out);

/* ---- E-model (ITU-T G.107 simplified; an estimate) ---------------------- */

struct emodel_codec {
    const char *name;
    double ie;   /* equipment impairment factor (G.113 Appendix I) */
    double bpl;  /* packet-loss robustness factor */
};

/* Codec by encoding name (case-insensitive); NULL when unknown. */
const struct emodel_codec *emodel_codec_find(struct slice name);
/* The default for unknown codecs: G.711 with packet loss concealment. */
const struct emodel_codec *emodel_codec_default(void);

/*
 * R = 93.2 - Id(d) - Ie_eff, with
 *   Id     = 0.024 d + 0.11 (d - 177.3) H(d - 177.3)   (d: one-way delay, ms)
 *   Ie_eff = Ie + (95 - Ie) * Ppl / (Ppl + Bpl)         (Ppl: loss %, random loss)
 * clamped to 0..100.  loss_pct < 0 counts as 0.
 */
double emodel_r(double loss_pct, double delay_ms, double ie, double bpl);

/* One-way delay estimate: 2 x jitter (jitter buffer) + packetisation + RTT/2 when rtt_ms >= 0. */
double emodel_delay_ms(double jitter_ms, double ptime_ms, double rtt_ms);

/* G.107 Annex B: MOS_CQE from R (1.0 .. 4.5). */
double r_to_mos(double r);

#endif
