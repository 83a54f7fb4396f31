/*
 * rtcp.c - RTCP compound packet walker (see rtcp.h).  RFC 3550 §6.4-§6.7
 * and A.2, RFC 4585 §6.1, RFC 3611 §3, §4.4, §4.5, §4.7, RFC 5506 §3.
 */
#include "dissect/rtcp.h"

#include <string.h>

#include "dissect/rd.h"

const char *rtcp_anom_name(enum rtcp_anom a)
{
    switch (a) {
    case RTCP_ANOM_NONE: return "";
    case RTCP_ANOM_SHORT: return "rtcp-short";
    case RTCP_ANOM_BAD_VERSION: return "rtcp-bad-version";
    case RTCP_ANOM_LENGTH_OVERRUN: return "rtcp-length-overrun";
    case RTCP_ANOM_BAD_PADDING: return "rtcp-bad-padding";
    case RTCP_ANOM_BODY_SHORT: return "rtcp-body-short";
    case RTCP_ANOM_SDES_OVERRUN: return "rtcp-sdes-overrun";
    case RTCP_ANOM_BYE_OVERRUN: return "rtcp-bye-overrun";
    case RTCP_ANOM_XR_OVERRUN: return "rtcp-xr-overrun";
    case RTCP_ANOM_FIRST_NOT_REPORT: return "rtcp-first-not-report";
    case RTCP_ANOM_PADDING_NOT_LAST: return "rtcp-padding-not-last";
    case RTCP_ANOM_TOO_MANY_PACKETS: return "rtcp-too-many-packets";
    default: return "rtcp-unknown";
    }
}

const char *rtcp_type_name(unsigned pt)
{
    switch (pt) {
    case RTCP_SR: return "SR";
    case RTCP_RR: return "RR";
    case RTCP_SDES: return "SDES";
    case RTCP_BYE: return "BYE";
    case RTCP_APP: return "APP";
    case RTCP_RTPFB: return "RTPFB";
    case RTCP_PSFB: return "PSFB";
    case RTCP_XR: return "XR";
    default: return "";
    }
}

const char *rtcp_sdes_name(unsigned type)
{
    static const char *const names[] = {"END", "CNAME", "NAME", "EMAIL", "PHONE", "LOC", "TOOL", "NOTE", "PRIV"};
    return type < sizeof names / sizeof names[0] ? names[type] : "";
}

void rtcp_walk_init(struct rtcp_walk *w, const uint8_t *p, size_t n)
{
    memset(w, 0, sizeof(*w));
    w->base = p;
    w->n = p ? n : 0;
}

static void read_rb(struct rd *r, struct rtcp_rb *b)
{
    b->ssrc = rd_u32(r);
    uint32_t v = rd_u32(r);
    b->fraction_lost = (uint8_t)(v >> 24);
    uint32_t c = v & 0xffffffu;
    b->cum_lost = (c & 0x800000u) ? (int32_t)c - 0x1000000 : (int32_t)c;
    b->ext_highest_seq = rd_u32(r);
    b->jitter = rd_u32(r);
    b->lsr = rd_u32(r);
    b->dlsr = rd_u32(r);
}

static int parse_reports(struct rd *r, struct rtcp_pkt *pk)
{
    pk->ssrc = rd_u32(r);
    if (pk->pt == RTCP_SR) {
        pk->si.ntp_sec = rd_u32(r);
        pk->si.ntp_frac = rd_u32(r);
        pk->si.rtp_ts = rd_u32(r);
        pk->si.packet_count = rd_u32(r);
        pk->si.octet_count = rd_u32(r);
        pk->has_sender_info = !r->err;
    }
    if (r->err || rd_left(r) < (size_t)pk->count * 24u)
        return RTCP_ANOM_BODY_SHORT;
    for (unsigned i = 0; i < pk->count; i++)
        read_rb(r, &pk->rb[i]);
    pk->nrb = pk->count;
    return RTCP_ANOM_NONE; /* remaining bytes: profile-specific extensions (§6.4.1) */
}

static int parse_sdes(struct rd *r, const uint8_t *pkt_start, struct rtcp_pkt *pk)
{
    for (unsigned c = 0; c < pk->count; c++) {
        uint32_t ssrc = rd_u32(r);
        if (r->err)
            return RTCP_ANOM_SDES_OVERRUN;
        if (c == 0)
            pk->ssrc = ssrc;
        for (;;) {
            if (!rd_left(r))
                break; /* lenient: chunk ended with the packet, no null item */
            uint8_t type = rd_u8(r);
            if (type == RTCP_SDES_END)
                break;
            uint8_t len = rd_u8(r);
            const uint8_t *txt = rd_bytes(r, len);
            if (r->err)
                return RTCP_ANOM_SDES_OVERRUN;
            if (pk->nsdes < RTCP_MAX_SDES_ITEMS) {
                struct rtcp_sdes_item *it = &pk->sdes[pk->nsdes++];
                it->ssrc = ssrc;
                it->type = type;
                it->text = (struct slice){txt, len};
            } else {
                pk->truncated = 1;
            }
        }
        /* the null octets pad the chunk to a 32-bit boundary */
        size_t used = (size_t)(r->p - pkt_start);
        size_t pad = (4 - (used & 3)) & 3;
        if (pad > rd_left(r))
            pad = rd_left(r); /* lenient: the packet end is the boundary */
        rd_skip(r, pad);
    }
    return RTCP_ANOM_NONE;
}

static int parse_bye(struct rd *r, struct rtcp_pkt *pk)
{
    if (rd_left(r) < (size_t)pk->count * 4u)
        return RTCP_ANOM_BYE_OVERRUN;
    for (unsigned i = 0; i < pk->count; i++)
        pk->bye_ssrc[i] = rd_u32(r);
    pk->nbye = pk->count;
    if (pk->count)
        pk->ssrc = pk->bye_ssrc[0];
    if (rd_left(r)) {
        uint8_t len = rd_u8(r);
        const uint8_t *txt = rd_bytes(r, len);
        if (r->err)
            return RTCP_ANOM_BYE_OVERRUN;
        pk->bye_reason = (struct slice){txt, len};
    }
    return RTCP_ANOM_NONE;
}

static void parse_voip(struct rd *b, struct rtcp_xr_voip *v)
{
    v->ssrc = rd_u32(b);
    v->loss_rate = rd_u8(b);
    v->discard_rate = rd_u8(b);
    v->burst_density = rd_u8(b);
    v->gap_density = rd_u8(b);
    v->burst_duration = rd_u16(b);
    v->gap_duration = rd_u16(b);
    v->round_trip_delay = rd_u16(b);
    v->end_system_delay = rd_u16(b);
    v->signal_level = (int8_t)rd_u8(b);
    v->noise_level = (int8_t)rd_u8(b);
    v->rerl = rd_u8(b);
    v->gmin = rd_u8(b);
    v->r_factor = rd_u8(b);
    v->ext_r_factor = rd_u8(b);
    v->mos_lq = rd_u8(b);
    v->mos_cq = rd_u8(b);
    v->rx_config = rd_u8(b);
    (void)rd_u8(b); /* reserved */
    v->jb_nominal = rd_u16(b);
    v->jb_maximum = rd_u16(b);
    v->jb_abs_max = rd_u16(b);
}

static int parse_xr(struct rd *r, struct rtcp_pkt *pk)
{
    pk->ssrc = rd_u32(r);
    if (r->err)
        return RTCP_ANOM_BODY_SHORT;
    while (rd_left(r)) {
        uint8_t bt = rd_u8(r);
        (void)rd_u8(r); /* type-specific */
        uint16_t words = rd_u16(r);
        size_t blen = (size_t)words * 4u; /* bytes after the 4-byte block header */
        const uint8_t *body = rd_bytes(r, blen);
        if (r->err)
            return RTCP_ANOM_XR_OVERRUN;
        if (pk->nxr_blocks < 255)
            pk->nxr_blocks++;
        struct rd b = rd_init(body, blen);
        if (bt == 7 && !pk->has_voip && blen >= 32) {
            parse_voip(&b, &pk->voip);
            pk->has_voip = !b.err;
        } else if (bt == 4 && !pk->has_rrt && blen >= 8) {
            pk->rrt_ntp_sec = rd_u32(&b);
            pk->rrt_ntp_frac = rd_u32(&b);
            pk->has_rrt = !b.err;
        } else if (bt == 5) {
            while (rd_left(&b) >= 12) {
                struct rtcp_dlrr d;
                d.ssrc = rd_u32(&b);
                d.lrr = rd_u32(&b);
                d.dlrr = rd_u32(&b);
                if (pk->ndlrr < RTCP_MAX_DLRR)
                    pk->dlrr[pk->ndlrr++] = d;
                else
                    pk->truncated = 1;
            }
        }
    }
    return RTCP_ANOM_NONE;
}

static int stop(struct rtcp_walk *w, int anom)
{
    w->anom = (uint16_t)anom;
    w->anom_off = (uint32_t)w->off;
    w->off = w->n;
    return 0;
}

int rtcp_walk_next(struct rtcp_walk *w, struct rtcp_pkt *pk)
{
    memset(pk, 0, sizeof(*pk));
    if (w->anom)
        return 0;
    size_t rem = w->n - w->off;
    if (rem == 0) {
        if (w->idx == 0)
            return stop(w, RTCP_ANOM_SHORT);
        return 0;
    }
    if (w->idx >= RTCP_MAX_PACKETS)
        return stop(w, RTCP_ANOM_TOO_MANY_PACKETS);
    if (rem < 4)
        return stop(w, RTCP_ANOM_SHORT);
    const uint8_t *start = w->base + w->off;
    struct rd h = rd_init(start, rem);
    uint8_t b0 = rd_u8(&h);
    pk->pt = rd_u8(&h);
    uint16_t length = rd_u16(&h);
    if ((b0 >> 6) != 2)
        return stop(w, RTCP_ANOM_BAD_VERSION);
    pk->padding = (uint8_t)((b0 >> 5) & 1);
    pk->count = (uint8_t)(b0 & 0x1f);
    size_t plen = ((size_t)length + 1u) * 4u;
    if (plen > rem)
        return stop(w, RTCP_ANOM_LENGTH_OVERRUN);
    size_t body = plen;
    if (pk->padding) {
        uint8_t pad = start[plen - 1];
        if (pad == 0 || pad > plen - 4)
            return stop(w, RTCP_ANOM_BAD_PADDING);
        body -= pad;
        if (plen < rem)
            w->notes |= 1u << RTCP_ANOM_PADDING_NOT_LAST;
    }
    if (w->idx == 0 && pk->pt != RTCP_SR && pk->pt != RTCP_RR)
        w->notes |= 1u << RTCP_ANOM_FIRST_NOT_REPORT;
    pk->off = (uint32_t)w->off;
    pk->len = (uint32_t)plen;
    struct rd r = rd_init(start + 4, body - 4);
    int a = RTCP_ANOM_NONE;
    switch (pk->pt) {
    case RTCP_SR:
    case RTCP_RR:
        a = parse_reports(&r, pk);
        break;
    case RTCP_SDES:
        a = parse_sdes(&r, start, pk);
        break;
    case RTCP_BYE:
        a = parse_bye(&r, pk);
        break;
    case RTCP_APP: {
        pk->ssrc = rd_u32(&r);
        const uint8_t *nm = rd_bytes(&r, 4);
        if (r.err)
            a = RTCP_ANOM_BODY_SHORT;
        else
            memcpy(pk->app_name, nm, 4); /* application data skipped */
        break;
    }
    case RTCP_RTPFB:
    case RTCP_PSFB:
        pk->ssrc = rd_u32(&r);
        pk->media_ssrc = rd_u32(&r);
        if (r.err)
            a = RTCP_ANOM_BODY_SHORT; /* FCI not decoded */
        break;
    case RTCP_XR:
        a = parse_xr(&r, pk);
        break;
    default:
        if (rd_left(&r) >= 4)
            pk->ssrc = rd_u32(&r);
        break;
    }
    if (a != RTCP_ANOM_NONE) {
        memset(pk, 0, sizeof(*pk));
        return stop(w, a);
    }
    w->off += plen;
    w->idx++;
    return 1;
}

int rtcp_looks_valid(const uint8_t *p, size_t n)
{
    if (!p || n < 8)
        return 0;
    if ((p[0] >> 6) != 2 || p[1] < 192 || p[1] > 223)
        return 0;
    size_t plen = (((size_t)p[2] << 8 | p[3]) + 1u) * 4u;
    return plen <= n;
}

void rtcp_ntp_from_unix_ns(int64_t unix_ns, uint32_t *sec, uint32_t *frac)
{
    int64_t s = unix_ns / 1000000000;
    int64_t ns = unix_ns % 1000000000;
    if (ns < 0) {
        ns += 1000000000;
        s -= 1;
    }
    *sec = (uint32_t)((uint64_t)(s + 2208988800LL) & 0xffffffffu);
    *frac = (uint32_t)(((uint64_t)ns << 32) / 1000000000u);
}

int rtcp_rtt_q16(uint32_t arrival_mid32, uint32_t lsr, uint32_t dlsr, uint32_t *rtt_q16)
{
    if (lsr == 0)
        return 0;
    uint32_t v = arrival_mid32 - lsr - dlsr; /* modular, wraps like the NTP fields */
    if (v & 0x80000000u)
        return 0; /* negative: the reporter's DLSR or our clock is off */
    *rtt_q16 = v;
    return 1;
}

double rtcp_rtt_ms(uint32_t arrival_mid32, uint32_t lsr, uint32_t dlsr)
{
    uint32_t q;
    if (!rtcp_rtt_q16(arrival_mid32, lsr, dlsr, &q))
        return -1.0;
    return (double)q * 1000.0 / 65536.0;
}

double rtcp_jitter_ms(uint32_t jitter, uint32_t clock_rate)
{
    if (!clock_rate)
        return -1.0;
    return (double)jitter * 1000.0 / (double)clock_rate;
}

double rtcp_xr_mos(uint8_t v)
{
    if (v < 10 || v > 50)
        return -1.0;
    return (double)v / 10.0;
}
