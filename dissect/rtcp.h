/*
 * rtcp.h - RTCP compound packets: RFC 3550 §6.4.1 SR, §6.4.2 RR, §6.5
 * SDES, §6.6 BYE, §6.7 APP (skipped), A.2 validity; RFC 4585 §6.1
 * transport/payload-specific feedback (header only); RFC 3611 XR with
 * §4.4 Receiver Reference Time, §4.5 DLRR and §4.7 VoIP Metrics blocks;
 * RFC 5506 reduced-size RTCP (a non-compound packet is accepted).
 *
 * Pure and allocation-free.  A datagram is walked one packet at a time:
 *
 *     struct rtcp_walk w;
 *     struct rtcp_pkt pk;
 *     rtcp_walk_init(&w, p, n);
 *     while (rtcp_walk_next(&w, &pk)) { ...use pk... }
 *     if (w.anom) ...malformed sub-packet: kind w.anom at offset w.anom_off
 *
 * A malformed sub-packet ends the walk (it is not returned); the packets
 * before it stay valid.  Text (SDES items, BYE reason) is returned as
 * slices into the datagram: borrowed, valid as long as the bytes are.
 * Bounds: every report block a packet can hold (RC <= 31), at most
 * RTCP_MAX_SDES_ITEMS SDES items, RTCP_MAX_DLRR DLRR sub-blocks per packet;
 * `truncated` says more were present.
 */
#ifndef SIPLADDER_DISSECT_RTCP_H
#define SIPLADDER_DISSECT_RTCP_H

#include <stddef.h>
#include <stdint.h>

#include "src/base/util.h"

enum rtcp_type {
    RTCP_SR = 200,
    RTCP_RR = 201,
    RTCP_SDES = 202,
    RTCP_BYE = 203,
    RTCP_APP = 204,
    RTCP_RTPFB = 205,
    RTCP_PSFB = 206,
    RTCP_XR = 207,
};

/* SDES item types (RFC 3550 §6.5). */
enum rtcp_sdes_type {
    RTCP_SDES_END = 0,
    RTCP_SDES_CNAME = 1,
    RTCP_SDES_NAME = 2,
    RTCP_SDES_EMAIL = 3,
    RTCP_SDES_PHONE = 4,
    RTCP_SDES_LOC = 5,
    RTCP_SDES_TOOL = 6,
    RTCP_SDES_NOTE = 7,
    RTCP_SDES_PRIV = 8,
};

/* Walk anomalies; keep rtcp_anom_name() in sync. */
enum rtcp_anom {
    RTCP_ANOM_NONE = 0,
    RTCP_ANOM_SHORT,          /* fewer than 4 bytes left for a packet header (fatal) */
    RTCP_ANOM_BAD_VERSION,    /* V != 2 (fatal) */
    RTCP_ANOM_LENGTH_OVERRUN, /* length field points past the datagram (fatal) */
    RTCP_ANOM_BAD_PADDING,    /* P set, pad count 0 or larger than the packet (fatal) */
    RTCP_ANOM_BODY_SHORT,     /* fixed part (SSRC, sender info, report blocks) does not fit the length (fatal) */
    RTCP_ANOM_SDES_OVERRUN,   /* SDES item or chunk runs past the packet (fatal) */
    RTCP_ANOM_BYE_OVERRUN,    /* BYE SSRC list or reason runs past the packet (fatal) */
    RTCP_ANOM_XR_OVERRUN,     /* XR block runs past the packet (fatal) */
    RTCP_ANOM_FIRST_NOT_REPORT, /* first packet is not SR/RR (note: RFC 5506 reduced size allows it) */
    RTCP_ANOM_PADDING_NOT_LAST, /* P bit on a packet that is not the last (note) */
    RTCP_ANOM_TOO_MANY_PACKETS, /* more than RTCP_MAX_PACKETS in one datagram: walk stops (fatal) */
    RTCP_ANOM__COUNT
};

#define RTCP_MAX_RB 31          /* RC is 5 bits */
#define RTCP_MAX_SDES_ITEMS 16
#define RTCP_MAX_BYE 31         /* SC is 5 bits */
#define RTCP_MAX_DLRR 8
#define RTCP_MAX_PACKETS 64     /* per datagram */

/* RFC 3550 §6.4.1 report block, fields decoded. */
struct rtcp_rb {
    uint32_t ssrc;            /* source this block reports on */
    uint8_t fraction_lost;    /* fixed point /256 since the previous report */
    int32_t cum_lost;         /* signed 24-bit, sign-extended (negative with duplicates) */
    uint32_t ext_highest_seq; /* cycles << 16 | highest seq */
    uint32_t jitter;          /* interarrival jitter, RTP timestamp units */
    uint32_t lsr;             /* middle 32 bits of the last SR's NTP time, 0 = none */
    uint32_t dlsr;            /* delay since that SR, 1/65536 s */
};

/* RFC 3550 §6.4.1 sender info. */
struct rtcp_sender_info {
    uint32_t ntp_sec, ntp_frac; /* NTP timestamp (seconds since 1900, fraction /2^32) */
    uint32_t rtp_ts;
    uint32_t packet_count;
    uint32_t octet_count;
};

struct rtcp_sdes_item {
    uint32_t ssrc;     /* SSRC/CSRC of the chunk holding it */
    uint8_t type;      /* enum rtcp_sdes_type */
    struct slice text; /* borrowed; for PRIV the whole item value (prefix length byte included) */
};

/* RFC 3611 §4.7 VoIP Metrics, raw fields as on the wire. */
struct rtcp_xr_voip {
    uint32_t ssrc;
    uint8_t loss_rate;        /* fraction lost /256 */
    uint8_t discard_rate;     /* fraction discarded /256 */
    uint8_t burst_density;    /* /256 */
    uint8_t gap_density;      /* /256 */
    uint16_t burst_duration;  /* ms */
    uint16_t gap_duration;    /* ms */
    uint16_t round_trip_delay; /* ms */
    uint16_t end_system_delay; /* ms */
    int8_t signal_level;      /* dBm, 127 = unavailable */
    int8_t noise_level;       /* dBm, 127 = unavailable */
    uint8_t rerl;             /* dB, 127 = unavailable */
    uint8_t gmin;
    uint8_t r_factor;         /* 0..100, 127 = unavailable */
    uint8_t ext_r_factor;     /* 0..100+, 127 = unavailable */
    uint8_t mos_lq;           /* MOS x10 (10..50), 127 = unavailable */
    uint8_t mos_cq;           /* MOS x10, 127 = unavailable */
    uint8_t rx_config;        /* PLC (2 bits), JBA (2 bits), JB rate (4 bits) */
    uint16_t jb_nominal;      /* ms */
    uint16_t jb_maximum;      /* ms */
    uint16_t jb_abs_max;      /* ms */
};

struct rtcp_dlrr {
    uint32_t ssrc, lrr, dlrr; /* RFC 3611 §4.5 sub-block */
};

/* One RTCP packet of a compound datagram. */
struct rtcp_pkt {
    uint32_t off;        /* byte offset in the datagram */
    uint32_t len;        /* bytes, (length + 1) * 4 */
    uint8_t padding;     /* P bit */
    uint8_t count;       /* RC / SC / subtype / FMT (5 bits) */
    uint8_t pt;          /* packet type (enum rtcp_type or other) */
    uint8_t truncated;   /* a bound was hit: SDES items, DLRR sub-blocks */
    uint32_t ssrc;       /* sender SSRC (SR, RR, APP, XR, RTPFB, PSFB); first chunk/SSRC (SDES, BYE) */
    /* SR */
    uint8_t has_sender_info;
    struct rtcp_sender_info si;
    /* SR, RR */
    uint8_t nrb;
    struct rtcp_rb rb[RTCP_MAX_RB];
    /* SDES */
    uint8_t nsdes;
    struct rtcp_sdes_item sdes[RTCP_MAX_SDES_ITEMS];
    /* BYE */
    uint8_t nbye;
    uint32_t bye_ssrc[RTCP_MAX_BYE];
    struct slice bye_reason; /* borrowed, empty if none */
    /* APP */
    uint8_t app_name[4];
    /* RTPFB, PSFB */
    uint32_t media_ssrc;
    /* XR */
    uint8_t nxr_blocks;      /* all blocks, known or not */
    uint8_t has_voip;
    struct rtcp_xr_voip voip; /* the first VoIP Metrics block */
    uint8_t has_rrt;
    uint32_t rrt_ntp_sec, rrt_ntp_frac; /* Receiver Reference Time */
    uint8_t ndlrr;
    struct rtcp_dlrr dlrr[RTCP_MAX_DLRR];
};

struct rtcp_walk {
    const uint8_t *base;
    size_t n, off;
    unsigned idx;       /* packets returned so far */
    uint16_t anom;      /* fatal enum rtcp_anom that stopped the walk, 0 if none */
    uint32_t anom_off;  /* offset of the packet it concerns */
    uint32_t notes;     /* bit (1 << kind) for non-fatal anomalies */
};

void rtcp_walk_init(struct rtcp_walk *w, const uint8_t *p, size_t n);

/*
 * Parse the next packet into *pk.  Returns 1 when a packet was parsed, 0
 * at the end of the datagram or on a malformed packet (then w->anom says
 * which).  An empty datagram gives 0 with RTCP_ANOM_SHORT.
 */
int rtcp_walk_next(struct rtcp_walk *w, struct rtcp_pkt *pk);

/* Cheap content test: first packet V=2, PT 192..223 (any RTCP), length fits. */
int rtcp_looks_valid(const uint8_t *p, size_t n);

const char *rtcp_anom_name(enum rtcp_anom a);
const char *rtcp_type_name(unsigned pt);  /* "SR", "RR", ... "" when unknown */
const char *rtcp_sdes_name(unsigned type); /* "CNAME", ... "" when unknown */

/* Middle 32 bits of a 64-bit NTP timestamp (RFC 3550 §4). */
static inline uint32_t rtcp_ntp_mid32(uint32_t sec, uint32_t frac)
{
    return (sec << 16) | (frac >> 16);
}

/* Unix time in ns -> NTP seconds since 1900 and fraction /2^32. */
void rtcp_ntp_from_unix_ns(int64_t unix_ns, uint32_t *sec, uint32_t *frac);

/*
 * RFC 3550 §6.4.1 round-trip time at the sender of the SR: A - LSR - DLSR,
 * with A the arrival time of the report block (NTP middle 32 bits), all
 * in 1/65536 s.  Returns 1 and sets *rtt_q16 when usable; 0 when LSR is 0
 * (no SR received yet) or the result is negative (clock or report error).
 */
int rtcp_rtt_q16(uint32_t arrival_mid32, uint32_t lsr, uint32_t dlsr, uint32_t *rtt_q16);

/* Same in milliseconds (double); -1.0 when unusable. */
double rtcp_rtt_ms(uint32_t arrival_mid32, uint32_t lsr, uint32_t dlsr);

/* Report block jitter (RTP timestamp units) in ms for a clock rate; -1.0 when rate is 0. */
double rtcp_jitter_ms(uint32_t jitter, uint32_t clock_rate);

/* Fraction lost (/256) as percent. */
static inline double rtcp_fraction_pct(uint8_t f)
{
    return (double)f * 100.0 / 256.0;
}

/* XR MOS (x10, 127 = unavailable) as a double, -1.0 when unavailable or out of 10..50. */
double rtcp_xr_mos(uint8_t v);

#endif
