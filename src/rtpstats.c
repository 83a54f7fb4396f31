/*
 * rtpstats.c - per-stream RTP statistics (see rtpstats.h).  RFC 3550
 * A.1 (sequence number validity and accounting), A.3 (expected/lost),
 * A.8 and §6.4.1 (interarrival jitter); ITU-T G.107 §3 / Annex B and
 * G.113 Appendix I (E-model, simplified; values documented in
 * doc/media-quality.md).
 */
#include "src/rtpstats.h"

#include <math.h>
#include <string.h>

#define SEQ_MOD 65536u

/* ---- E-model codec table ------------------------------------------------- */

static const struct emodel_codec CODECS[] = {
    {"default", 0.0, 25.1},    /* unknown: G.711 with PLC */
    {"PCMU", 0.0, 25.1},       /* G.711 + Appendix I PLC (G.113 App. I) */
    {"PCMA", 0.0, 25.1},
    {"G711-noPLC", 0.0, 4.3},  /* G.711 without concealment */
    {"G729", 11.0, 19.0},      /* G.729A + VAD */
    {"G723", 15.0, 16.1},      /* G.723.1 6.3 kbit/s + VAD */
    {"G722", 0.0, 25.1},       /* approximation: narrowband scale, like G.711 + PLC */
    {"opus", 0.0, 25.1},       /* approximation: like G.711 + PLC (Opus has PLC/FEC) */
};

const struct emodel_codec *emodel_codec_default(void)
{
    return &CODECS[0];
}

static int codec_index(struct slice name)
{
    if (!name.p)
        return -1;
    for (unsigned i = 1; i < sizeof CODECS / sizeof CODECS[0]; i++)
        if (slice_eq_ci(name, CODECS[i].name))
            return (int)i;
    /* common spellings */
    if (slice_eq_ci(name, "G729A") || slice_eq_ci(name, "G729B") || slice_eq_ci(name, "G729AB"))
        return 4;
    if (slice_eq_ci(name, "G7231"))
        return 5;
    return -1;
}

const struct emodel_codec *emodel_codec_find(struct slice name)
{
    int i = codec_index(name);
    return i < 0 ? NULL : &CODECS[i];
}

double emodel_r(double loss_pct, double delay_ms, double ie, double bpl)
{
    if (!(loss_pct > 0))
        loss_pct = 0; /* negative loss (duplicates) and NaN count as none */
    if (loss_pct > 100)
        loss_pct = 100;
    if (!(delay_ms > 0))
        delay_ms = 0;
    double id = 0.024 * delay_ms;
    if (delay_ms > 177.3)
        id += 0.11 * (delay_ms - 177.3);
    double ie_eff = ie;
    if (loss_pct + bpl > 0)
        ie_eff = ie + (95.0 - ie) * loss_pct / (loss_pct + bpl);
    double r = 93.2 - id - ie_eff;
    if (r < 0)
        r = 0;
    if (r > 100)
        r = 100;
    return r;
}

double emodel_delay_ms(double jitter_ms, double ptime_ms, double rtt_ms)
{
    double d = 0;
    if (jitter_ms > 0)
        d += 2.0 * jitter_ms;
    if (ptime_ms > 0)
        d += ptime_ms;
    if (rtt_ms >= 0)
        d += rtt_ms / 2.0;
    return d;
}

double r_to_mos(double r)
{
    if (!(r > 0))
        return 1.0;
    if (r >= 100)
        return 4.5;
    double mos = 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6;
    if (mos < 1.0)
        mos = 1.0;
    if (mos > 4.5)
        mos = 4.5;
    return mos;
}

/* ---- RFC 3550 A.1 ---------------------------------------------------------- */

static void seen_shift(uint64_t s[2], unsigned d)
{
    if (d >= 128) {
        s[0] = s[1] = 0;
    } else if (d >= 64) {
        s[1] = d == 64 ? s[0] : s[0] << (d - 64);
        s[0] = 0;
    } else if (d > 0) {
        s[1] = (s[1] << d) | (s[0] >> (64 - d));
        s[0] <<= d;
    }
}

static int seen_test_set(uint64_t s[2], unsigned i)
{
    uint64_t *w = &s[i >> 6], bit = 1ULL << (i & 63);
    int was = (*w & bit) != 0;
    *w |= bit;
    return was;
}

/* A.1 init_seq(). */
static void init_seq(struct rtp_stats *st, uint16_t seq)
{
    st->base_seq = seq;
    st->max_seq = seq;
    st->bad_seq = SEQ_MOD + 1; /* so seq == bad_seq is false */
    st->cycles = 0;
    st->received = 0;
    st->extra = 0;
    st->seen[0] = 1;
    st->seen[1] = 0;
}

static void seg_counts(const struct rtp_stats *st, uint64_t *expected, uint64_t *received)
{
    if (st->validated) {
        uint32_t ext_max = st->cycles + st->max_seq;
        *expected = (uint64_t)(ext_max - st->base_seq) + 1 + st->extra;
        *received = (uint64_t)st->received + st->extra;
    } else {
        /* never validated: count what was seen, assume nothing lost */
        *expected = *received = st->probation_pkts;
    }
}

static void close_segment(struct rtp_stats *st)
{
    uint64_t e, r;
    if (!st->started)
        return;
    seg_counts(st, &e, &r);
    st->prior_expected += e;
    st->prior_received += r;
}

/* A new source (first packet, or SSRC change): probation. */
static void start_source(struct rtp_stats *st, uint16_t seq)
{
    init_seq(st, seq);
    st->max_seq = (uint16_t)(seq - 1);
    st->probation = RTPS_MIN_SEQUENTIAL;
    st->probation_pkts = 0;
    st->validated = 0;
}

/* A.1 update_seq(), with the counting deviations described in rtpstats.h. */
static void update_seq(struct rtp_stats *st, uint16_t seq)
{
    uint16_t udelta = (uint16_t)(seq - st->max_seq);

    if (st->probation) {
        st->probation_pkts++;
        if (seq == (uint16_t)(st->max_seq + 1)) {
            st->probation--;
            st->max_seq = seq;
            if (st->probation == 0) {
                init_seq(st, seq);
                st->received++;
                st->extra = RTPS_MIN_SEQUENTIAL - 1; /* the consecutive run before seq */
                st->validated = 1;
                st->ever_validated = 1;
            }
        } else {
            st->probation = RTPS_MIN_SEQUENTIAL - 1;
            st->max_seq = seq;
            st->probation_fails++;
        }
        return;
    }
    if (udelta < RTPS_MAX_DROPOUT) {
        if (udelta == 0) {
            st->duplicates++;
        } else {
            if (seq < st->max_seq)
                st->cycles += SEQ_MOD; /* wrapped */
            if (udelta > 1)
                st->seq_gaps++;
            seen_shift(st->seen, udelta);
            st->seen[0] |= 1;
            st->max_seq = seq;
        }
    } else if (udelta <= SEQ_MOD - RTPS_MAX_MISORDER) {
        if (seq == st->bad_seq) {
            /* two sequential packets past a jump: the sender restarted */
            close_segment(st);
            init_seq(st, seq);
            st->extra = 1; /* the packet that set bad_seq */
            if (st->bad_seq_pkts)
                st->bad_seq_pkts--;
            st->resyncs++;
        } else {
            st->bad_seq = (uint32_t)((seq + 1) & (SEQ_MOD - 1));
            st->bad_seq_pkts++;
            return;
        }
    } else {
        unsigned behind = (uint16_t)(st->max_seq - seq); /* 1 .. MAX_MISORDER */
        if (behind < 128 && seen_test_set(st->seen, behind))
            st->duplicates++;
        else
            st->late++;
    }
    st->received++;
}

/* ---- public ------------------------------------------------------------------ */

void rtp_stats_init(struct rtp_stats *st, uint32_t clock_rate)
{
    memset(st, 0, sizeof(*st));
    st->clock_rate = clock_rate;
    st->event_pt = -1;
    st->ptime_ms = 20.0;
    st->rtt_ms = -1.0;
}

void rtp_stats_set_event_pt(struct rtp_stats *st, int pt)
{
    st->event_pt = (pt >= 0 && pt <= 127) ? (int16_t)pt : -1;
}

void rtp_stats_set_codec(struct rtp_stats *st, struct slice name)
{
    int i = codec_index(name);
    if (i > 0) {
        st->codec = (uint8_t)i;
        st->codec_set = 1;
    }
}

void rtp_stats_set_delay_inputs(struct rtp_stats *st, double ptime_ms, double rtt_ms)
{
    st->ptime_ms = ptime_ms > 0 ? ptime_ms : 20.0;
    st->rtt_ms = rtt_ms >= 0 ? rtt_ms : -1.0;
}

static uint32_t rate_for(const struct rtp_stats *st, uint8_t pt)
{
    uint32_t rate = 0;
    if (st->clock_rate)
        return st->clock_rate;
    if (rtp_static_pt(pt, NULL, &rate, NULL))
        return rate;
    return 0;
}

void rtp_stats_add(struct rtp_stats *st, const struct rtp_hdr *h, int64_t arrival_ns, size_t bytes)
{
    if (!st->started || h->ssrc != st->ssrc) {
        if (st->started) {
            st->ssrc_changes++;
            close_segment(st);
        } else {
            st->first_ns = arrival_ns;
        }
        st->started = 1;
        st->ssrc = h->ssrc;
        st->have_prev = 0;
        start_source(st, h->seq);
    }
    st->packets++;
    st->bytes += bytes;
    st->last_ns = arrival_ns;
    if (h->marker)
        st->markers++;
    update_seq(st, h->seq);

    if (st->event_pt >= 0 && h->pt == (uint8_t)st->event_pt) {
        st->event_packets++;
        return;
    }
    if (st->have_pt && h->pt != st->pt)
        st->pt_changes++;
    st->pt = h->pt;
    st->have_pt = 1;

    /* max delta between consecutive media arrivals; a marker starts a talkspurt */
    if (st->have_delta_prev && !h->marker) {
        double d = (double)(arrival_ns - st->delta_prev_ns) / 1e6;
        if (d > st->max_delta_ms)
            st->max_delta_ms = d;
    }
    st->delta_prev_ns = arrival_ns;
    st->have_delta_prev = 1;

    /* A.8 jitter, in arrival order */
    uint32_t rate = rate_for(st, h->pt);
    if (!rate) {
        st->have_prev = 0;
        return;
    }
    if (st->have_prev && st->prev_rate == rate) {
        double dr = (double)(arrival_ns - st->prev_ns) * (double)rate / 1e9;
        double ds = (double)(int32_t)(h->ts - st->prev_ts);
        double d = fabs(dr - ds);
        st->jitter += (d - st->jitter) / 16.0;
        st->jitter_ms = st->jitter * 1000.0 / rate;
        if (st->jitter_ms > st->jitter_max_ms)
            st->jitter_max_ms = st->jitter_ms;
        st->jitter_sum_ms += st->jitter_ms;
        st->jitter_n++;
    }
    st->have_prev = 1;
    st->prev_rate = rate;
    st->prev_ts = h->ts;
    st->prev_ns = arrival_ns;
}

void rtp_stats_result(const struct rtp_stats *st, struct rtp_result *out)
{
    memset(out, 0, sizeof(*out));
    out->ssrc = st->ssrc;
    out->pt = st->pt;
    out->validated = st->ever_validated;
    out->clock_rate = st->prev_rate;
    out->packets = st->packets;
    out->bytes = st->bytes;
    out->event_packets = st->event_packets;
    out->first_ns = st->first_ns;
    out->last_ns = st->last_ns;
    out->duration_s = st->started ? (double)(st->last_ns - st->first_ns) / 1e9 : 0.0;
    uint64_t e = 0, r = 0;
    if (st->started)
        seg_counts(st, &e, &r);
    out->expected = st->prior_expected + e;
    out->received = st->prior_received + r;
    out->lost = (int64_t)out->expected - (int64_t)out->received;
    out->loss_pct = out->expected ? (double)out->lost * 100.0 / (double)out->expected : 0.0;
    if (st->validated) {
        out->ext_max_seq = st->cycles + st->max_seq;
        out->base_seq = (uint16_t)(st->base_seq - st->extra);
        out->cycles = st->cycles >> 16;
    }
    out->duplicates = st->duplicates;
    out->late = st->late;
    out->seq_gaps = st->seq_gaps;
    out->bad_seq_pkts = st->bad_seq_pkts;
    out->resyncs = st->resyncs;
    out->probation_fails = st->probation_fails;
    out->ssrc_changes = st->ssrc_changes;
    out->pt_changes = st->pt_changes;
    out->markers = st->markers;
    out->jitter_valid = st->jitter_n > 0;
    out->jitter_ms = st->jitter_ms;
    out->jitter_max_ms = st->jitter_max_ms;
    out->jitter_mean_ms = st->jitter_n ? st->jitter_sum_ms / (double)st->jitter_n : 0.0;
    out->max_delta_ms = st->max_delta_ms;

    const struct emodel_codec *c = &CODECS[0];
    if (st->codec_set) {
        c = &CODECS[st->codec];
    } else if (st->have_pt) {
        const char *name = NULL;
        if (rtp_static_pt(st->pt, &name, NULL, NULL)) {
            const struct emodel_codec *f = emodel_codec_find(slice_cstr(name));
            if (f)
                c = f;
        }
    }
    out->codec = c->name;
    out->delay_ms = emodel_delay_ms(out->jitter_mean_ms, st->ptime_ms, st->rtt_ms);
    out->r_factor = emodel_r(out->loss_pct, out->delay_ms, c->ie, c->bpl);
    out->mos = r_to_mos(out->r_factor);
}
