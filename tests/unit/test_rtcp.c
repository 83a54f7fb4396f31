/*
 * test_rtcp.c - RTCP compound packets (dissect/rtcp.c): SR with report
 * blocks + SDES + BYE (RFC 3550 §6.4-§6.6), RR with a negative cumulative
 * loss, APP, RTPFB (RFC 4585), XR with RRT, DLRR and VoIP Metrics (RFC
 * 3611 §4.4, §4.5, §4.7), padding, the §6.4.1 RTT example, NTP helpers,
 * and malformed sub-packets ending the walk while keeping what was
 * parsed.  Fixtures are built byte by byte and also parsed at every
 * prefix and with single-byte mutations, each in an exact-size heap copy.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/rtcp.h"
#include "tests/unit/tap.h"

struct bb {
    uint8_t b[1024];
    size_t n;
};

static void put8(struct bb *b, unsigned v)
{
    b->b[b->n++] = (uint8_t)v;
}
static void put16(struct bb *b, unsigned v)
{
    put8(b, v >> 8);
    put8(b, v);
}
static void put32(struct bb *b, uint32_t v)
{
    put16(b, v >> 16);
    put16(b, v & 0xffff);
}
static void puts_(struct bb *b, const char *s)
{
    size_t n = strlen(s);
    memcpy(b->b + b->n, s, n);
    b->n += n;
}
/* RTCP header with a length to patch later: returns the header offset */
static size_t hdr(struct bb *b, unsigned p, unsigned count, unsigned pt)
{
    size_t at = b->n;
    put8(b, 0x80 | (p << 5) | count);
    put8(b, pt);
    put16(b, 0);
    return at;
}
static void fix_len(struct bb *b, size_t at)
{
    size_t words = (b->n - at) / 4 - 1;
    b->b[at + 2] = (uint8_t)(words >> 8);
    b->b[at + 3] = (uint8_t)words;
}
static void rb(struct bb *b, uint32_t ssrc, unsigned frac, int32_t cum, uint32_t ehs, uint32_t jit, uint32_t lsr,
               uint32_t dlsr)
{
    put32(b, ssrc);
    put32(b, (uint32_t)frac << 24 | ((uint32_t)cum & 0xffffff));
    put32(b, ehs);
    put32(b, jit);
    put32(b, lsr);
    put32(b, dlsr);
}

static void build_compound(struct bb *b)
{
    b->n = 0;
    size_t at = hdr(b, 0, 2, 200);
    put32(b, 0x11223344);              /* sender SSRC */
    put32(b, 0xdaa8e5c0);              /* NTP sec */
    put32(b, 0x80000000);              /* NTP frac = .5 */
    put32(b, 160000);                  /* RTP ts */
    put32(b, 1000);                    /* packets */
    put32(b, 160000);                  /* octets */
    rb(b, 0xaabbccdd, 64, 5, 0x0001fffe, 80, 0xe5c08000, 0x00010000);
    rb(b, 0x01010101, 0, 0, 10, 0, 0, 0);
    fix_len(b, at);
    at = hdr(b, 0, 2, 202);
    put32(b, 0x11223344);
    put8(b, 1);
    put8(b, 16);
    puts_(b, "alice@192.0.2.10");
    put8(b, 6);
    put8(b, 6);
    puts_(b, "phone1");
    put8(b, 0); /* end; chunk now 4+18+8+1 = 31 -> pad to 32 */
    while ((b->n - at - 4) % 4)
        put8(b, 0);
    put32(b, 0x55667788);              /* second chunk, CNAME only */
    put8(b, 1);
    put8(b, 2);
    puts_(b, "bo");
    put32(b, 0); /* end + pad: 4 + 4 + 4 */
    fix_len(b, at);
    at = hdr(b, 0, 1, 203);
    put32(b, 0x11223344);
    put8(b, 7);
    puts_(b, "hangup!");
    fix_len(b, at);
}

static void build_rr_xr(struct bb *b)
{
    b->n = 0;
    size_t at = hdr(b, 0, 1, 201);
    put32(b, 0xcafebabe);
    rb(b, 0x11223344, 255, -3, 0x00020005, 1234, 0, 0);
    fix_len(b, at);
    at = hdr(b, 0, 0, 207);
    put32(b, 0xcafebabe);
    /* RRT (BT 4, length 2) */
    put8(b, 4);
    put8(b, 0);
    put16(b, 2);
    put32(b, 0xdaa8e5c1);
    put32(b, 0x40000000);
    /* DLRR (BT 5, 2 sub-blocks, length 6) */
    put8(b, 5);
    put8(b, 0);
    put16(b, 6);
    put32(b, 0x11223344);
    put32(b, 0xe5c08000);
    put32(b, 0x00008000);
    put32(b, 0x99999999);
    put32(b, 1);
    put32(b, 2);
    /* unknown block type 42, length 1 */
    put8(b, 42);
    put8(b, 0);
    put16(b, 1);
    put32(b, 0xdeadbeef);
    /* VoIP Metrics (BT 7, length 8) */
    put8(b, 7);
    put8(b, 0);
    put16(b, 8);
    put32(b, 0x11223344);
    put8(b, 13);  /* loss rate */
    put8(b, 2);   /* discard rate */
    put8(b, 40);  /* burst density */
    put8(b, 3);   /* gap density */
    put16(b, 120); /* burst duration */
    put16(b, 5000); /* gap duration */
    put16(b, 84); /* round trip delay */
    put16(b, 60); /* end system delay */
    put8(b, 0xee); /* signal level -18 */
    put8(b, 0xb5); /* noise level -75 */
    put8(b, 127); /* RERL unavailable */
    put8(b, 16);  /* Gmin */
    put8(b, 88);  /* R */
    put8(b, 127); /* ext R unavailable */
    put8(b, 41);  /* MOS-LQ 4.1 */
    put8(b, 40);  /* MOS-CQ 4.0 */
    put8(b, 0x54); /* rx config */
    put8(b, 0);
    put16(b, 40);
    put16(b, 80);
    put16(b, 200);
    fix_len(b, at);
}

static int walk_count(const uint8_t *p, size_t n, struct rtcp_walk *w)
{
    struct rtcp_pkt pk;
    int k = 0;
    rtcp_walk_init(w, p, n);
    while (rtcp_walk_next(w, &pk)) {
        k++;
        if (pk.off + pk.len > n)
            return -1000; /* out of range */
        for (unsigned i = 0; i < pk.nsdes; i++)
            if (pk.sdes[i].text.n && (pk.sdes[i].text.p < p || pk.sdes[i].text.p + pk.sdes[i].text.n > p + n))
                return -1000;
        if (pk.bye_reason.n && (pk.bye_reason.p < p || pk.bye_reason.p + pk.bye_reason.n > p + n))
            return -1000;
    }
    return k;
}

static void fuzz_all(const uint8_t *fx, size_t n, const char *name)
{
    struct rtcp_walk w;
    int bad = 0;
    for (size_t i = 0; i <= n; i++) {
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, fx, i);
        if (walk_count(p, i, &w) < 0)
            bad++;
        (void)rtcp_looks_valid(p, i);
        free(p);
    }
    for (size_t i = 0; i < n; i++)
        for (unsigned v = 1; v < 256; v += 50) {
            uint8_t *p = malloc(n);
            memcpy(p, fx, n);
            p[i] ^= (uint8_t)v;
            if (walk_count(p, n, &w) < 0)
                bad++;
            free(p);
        }
    is_int(bad, 0, name);
}

int main(void)
{
    struct bb b;
    struct rtcp_walk w;
    struct rtcp_pkt pk;

    /* ---- SR + SDES + BYE ---- */
    build_compound(&b);
    ok(rtcp_looks_valid(b.b, b.n), "compound: looks valid");
    rtcp_walk_init(&w, b.b, b.n);
    ok(rtcp_walk_next(&w, &pk), "SR parsed");
    is_int(pk.pt, RTCP_SR, "SR: type");
    ok(pk.ssrc == 0x11223344u, "SR: sender SSRC");
    ok(pk.has_sender_info && pk.si.ntp_sec == 0xdaa8e5c0u && pk.si.ntp_frac == 0x80000000u, "SR: NTP");
    is_int(pk.si.rtp_ts, 160000, "SR: RTP ts");
    is_int(pk.si.packet_count, 1000, "SR: packet count");
    is_int(pk.si.octet_count, 160000, "SR: octet count");
    is_int(pk.nrb, 2, "SR: two report blocks");
    ok(pk.rb[0].ssrc == 0xaabbccddu, "RB: ssrc");
    is_int(pk.rb[0].fraction_lost, 64, "RB: fraction lost");
    ok(fabs(rtcp_fraction_pct(pk.rb[0].fraction_lost) - 25.0) < 1e-9, "RB: fraction 64/256 = 25%%");
    is_int(pk.rb[0].cum_lost, 5, "RB: cumulative lost");
    ok(pk.rb[0].ext_highest_seq == 0x0001fffeu, "RB: extended highest seq (1 cycle)");
    is_int(pk.rb[0].jitter, 80, "RB: jitter ts units");
    ok(fabs(rtcp_jitter_ms(pk.rb[0].jitter, 8000) - 10.0) < 1e-9, "RB: jitter 80/8000 = 10 ms");
    ok(rtcp_jitter_ms(80, 0) < 0, "RB: jitter with unknown rate");
    ok(pk.rb[0].lsr == 0xe5c08000u && pk.rb[0].dlsr == 0x10000u, "RB: LSR/DLSR");
    is_int(rtcp_ntp_mid32(0xdaa8e5c0u, 0x80000000u), 0xe5c08000u, "NTP middle 32 bits");

    ok(rtcp_walk_next(&w, &pk), "SDES parsed");
    is_int(pk.pt, RTCP_SDES, "SDES: type");
    is_int(pk.count, 2, "SDES: two chunks");
    is_int(pk.nsdes, 3, "SDES: three items");
    is_int(pk.sdes[0].type, RTCP_SDES_CNAME, "SDES: CNAME first");
    is_str(pk.sdes[0].text, "alice@192.0.2.10", "SDES: CNAME text");
    is_str(pk.sdes[1].text, "phone1", "SDES: TOOL text");
    ok(!strcmp(rtcp_sdes_name(pk.sdes[1].type), "TOOL"), "SDES: TOOL name");
    ok(pk.sdes[2].ssrc == 0x55667788u, "SDES: second chunk SSRC");
    is_str(pk.sdes[2].text, "bo", "SDES: second CNAME");

    ok(rtcp_walk_next(&w, &pk), "BYE parsed");
    is_int(pk.pt, RTCP_BYE, "BYE: type");
    is_int(pk.nbye, 1, "BYE: one SSRC");
    ok(pk.bye_ssrc[0] == 0x11223344u, "BYE: SSRC");
    is_str(pk.bye_reason, "hangup!", "BYE: reason");
    ok(!rtcp_walk_next(&w, &pk), "end of compound");
    is_int(w.anom, RTCP_ANOM_NONE, "no anomaly");
    is_int(w.notes, 0, "no notes");

    /* ---- RR + XR ---- */
    build_rr_xr(&b);
    rtcp_walk_init(&w, b.b, b.n);
    ok(rtcp_walk_next(&w, &pk), "RR parsed");
    is_int(pk.pt, RTCP_RR, "RR: type");
    ok(!pk.has_sender_info, "RR: no sender info");
    is_int(pk.rb[0].cum_lost, -3, "RR: negative cumulative lost (signed 24-bit)");
    is_int(pk.rb[0].fraction_lost, 255, "RR: fraction lost 255");
    ok(rtcp_walk_next(&w, &pk), "XR parsed");
    is_int(pk.pt, RTCP_XR, "XR: type");
    is_int(pk.nxr_blocks, 4, "XR: four blocks (one unknown, skipped)");
    ok(pk.has_rrt && pk.rrt_ntp_sec == 0xdaa8e5c1u && pk.rrt_ntp_frac == 0x40000000u, "XR: RRT");
    is_int(pk.ndlrr, 2, "XR: two DLRR sub-blocks");
    ok(pk.dlrr[0].lrr == 0xe5c08000u && pk.dlrr[0].dlrr == 0x8000u, "XR: DLRR values");
    ok(pk.has_voip, "XR: VoIP metrics");
    ok(pk.voip.ssrc == 0x11223344u, "VoIP: ssrc");
    is_int(pk.voip.loss_rate, 13, "VoIP: loss rate");
    is_int(pk.voip.discard_rate, 2, "VoIP: discard rate");
    is_int(pk.voip.burst_density, 40, "VoIP: burst density");
    is_int(pk.voip.gap_density, 3, "VoIP: gap density");
    is_int(pk.voip.burst_duration, 120, "VoIP: burst duration");
    is_int(pk.voip.gap_duration, 5000, "VoIP: gap duration");
    is_int(pk.voip.round_trip_delay, 84, "VoIP: round trip delay");
    is_int(pk.voip.end_system_delay, 60, "VoIP: end system delay");
    is_int(pk.voip.signal_level, -18, "VoIP: signal level (signed)");
    is_int(pk.voip.noise_level, -75, "VoIP: noise level (signed)");
    is_int(pk.voip.rerl, 127, "VoIP: RERL unavailable");
    is_int(pk.voip.gmin, 16, "VoIP: Gmin");
    is_int(pk.voip.r_factor, 88, "VoIP: R factor");
    is_int(pk.voip.ext_r_factor, 127, "VoIP: ext R unavailable");
    ok(fabs(rtcp_xr_mos(pk.voip.mos_lq) - 4.1) < 1e-9, "VoIP: MOS-LQ 4.1");
    ok(fabs(rtcp_xr_mos(pk.voip.mos_cq) - 4.0) < 1e-9, "VoIP: MOS-CQ 4.0");
    ok(rtcp_xr_mos(127) < 0, "VoIP: MOS 127 unavailable");
    is_int(pk.voip.rx_config, 0x54, "VoIP: rx config");
    is_int(pk.voip.jb_nominal, 40, "VoIP: JB nominal");
    is_int(pk.voip.jb_maximum, 80, "VoIP: JB maximum");
    is_int(pk.voip.jb_abs_max, 200, "VoIP: JB abs max");
    ok(!rtcp_walk_next(&w, &pk) && w.anom == RTCP_ANOM_NONE, "RR+XR: clean end");

    /* ---- RFC 3550 §6.4.1 RTT example ---- */
    uint32_t q;
    ok(rtcp_rtt_q16(0xb7108000u, 0xb7052000u, 0x00054000u, &q), "RTT: usable");
    is_int(q, 0x00062000, "RTT: 0x0006:2000 = 6.125 s (RFC 3550 §6.4.1)");
    ok(fabs(rtcp_rtt_ms(0xb7108000u, 0xb7052000u, 0x00054000u) - 6125.0) < 1e-6, "RTT: 6125 ms");
    ok(!rtcp_rtt_q16(0xb7108000u, 0, 0x00054000u, &q), "RTT: LSR 0 unusable");
    ok(!rtcp_rtt_q16(0xb7050000u, 0xb7052000u, 0x00054000u, &q), "RTT: negative unusable");
    ok(rtcp_rtt_ms(1, 0, 0) < 0, "RTT ms: unusable -> -1");
    ok(rtcp_rtt_q16(0x00001000u, 0xffff0000u, 0x00000800u, &q) && q == 0x00010800u, "RTT: modular across NTP wrap");
    uint32_t s, f;
    rtcp_ntp_from_unix_ns(0, &s, &f);
    ok(s == 2208988800u && f == 0, "NTP from Unix epoch");
    rtcp_ntp_from_unix_ns(1500000000LL * 1000000000LL + 500000000, &s, &f);
    ok(s == (uint32_t)(1500000000ULL + 2208988800ULL) && f == 0x80000000u, "NTP from Unix time + 0.5 s");
    rtcp_ntp_from_unix_ns(-1, &s, &f);
    ok(s == 2208988799u && f > 0xfffffff0u, "NTP from negative ns");

    /* ---- APP, RTPFB, padding, unknown type ---- */
    b.n = 0;
    size_t at = hdr(&b, 0, 0, 201);
    put32(&b, 1);
    fix_len(&b, at);
    at = hdr(&b, 0, 3, 204);
    put32(&b, 2);
    puts_(&b, "TEST");
    put32(&b, 0x12345678);
    fix_len(&b, at);
    at = hdr(&b, 0, 1, 205); /* generic NACK */
    put32(&b, 3);
    put32(&b, 4);
    put32(&b, 0x00100001);
    fix_len(&b, at);
    at = hdr(&b, 0, 0, 195); /* IJ (RFC 5450): unknown here, skipped */
    put32(&b, 5);
    fix_len(&b, at);
    at = hdr(&b, 1, 0, 201); /* padded RR, last */
    put32(&b, 6);
    put8(&b, 0);
    put8(&b, 0);
    put8(&b, 0);
    put8(&b, 4);
    fix_len(&b, at);
    rtcp_walk_init(&w, b.b, b.n);
    ok(rtcp_walk_next(&w, &pk) && pk.pt == RTCP_RR && pk.nrb == 0, "empty RR");
    ok(rtcp_walk_next(&w, &pk) && pk.pt == RTCP_APP && !memcmp(pk.app_name, "TEST", 4) && pk.count == 3,
       "APP name and subtype");
    ok(rtcp_walk_next(&w, &pk) && pk.pt == RTCP_RTPFB && pk.ssrc == 3 && pk.media_ssrc == 4, "RTPFB SSRCs");
    ok(rtcp_walk_next(&w, &pk) && pk.pt == 195 && pk.ssrc == 5 && !*rtcp_type_name(pk.pt), "unknown type skipped");
    ok(rtcp_walk_next(&w, &pk) && pk.padding && pk.ssrc == 6, "padded last RR");
    ok(!rtcp_walk_next(&w, &pk) && !w.anom && !w.notes, "padding: clean end");

    /* ---- RFC 5506 reduced size: first packet not SR/RR is a note ---- */
    b.n = 0;
    at = hdr(&b, 0, 1, 206);
    put32(&b, 1);
    put32(&b, 2);
    fix_len(&b, at);
    rtcp_walk_init(&w, b.b, b.n);
    ok(rtcp_walk_next(&w, &pk) && pk.pt == RTCP_PSFB, "reduced-size PSFB parsed");
    ok(w.notes & (1u << RTCP_ANOM_FIRST_NOT_REPORT), "reduced-size noted");

    /* ---- malformed sub-packets: walk stops, earlier packets kept ---- */
    build_compound(&b);
    size_t sr_len = 4 * ((size_t)b.b[3] + 1);
    uint8_t *m = malloc(b.n);
    memcpy(m, b.b, b.n);
    m[sr_len + 3] = 0xff; /* SDES length past the datagram */
    rtcp_walk_init(&w, m, b.n);
    ok(rtcp_walk_next(&w, &pk) && pk.pt == RTCP_SR && pk.nrb == 2, "overrun: SR kept");
    ok(!rtcp_walk_next(&w, &pk), "overrun: walk ends");
    is_int(w.anom, RTCP_ANOM_LENGTH_OVERRUN, "overrun: anomaly");
    is_int(w.anom_off, sr_len, "overrun: offset of the bad packet");
    ok(!rtcp_walk_next(&w, &pk), "overrun: stays ended");
    ok(!strcmp(rtcp_anom_name((enum rtcp_anom)w.anom), "rtcp-length-overrun"), "anomaly name");
    memcpy(m, b.b, b.n);
    m[sr_len] = 0x40; /* SDES version 1 */
    rtcp_walk_init(&w, m, b.n);
    ok(rtcp_walk_next(&w, &pk) && !rtcp_walk_next(&w, &pk) && w.anom == RTCP_ANOM_BAD_VERSION, "bad version ends walk");
    memcpy(m, b.b, b.n);
    m[0] = 0x80 | 5; /* SR claims 5 report blocks */
    rtcp_walk_init(&w, m, b.n);
    ok(!rtcp_walk_next(&w, &pk) && w.anom == RTCP_ANOM_BODY_SHORT, "RC larger than the packet");
    memcpy(m, b.b, b.n);
    m[sr_len + 9] = 200; /* CNAME item length past the packet */
    rtcp_walk_init(&w, m, b.n);
    ok(rtcp_walk_next(&w, &pk) && !rtcp_walk_next(&w, &pk) && w.anom == RTCP_ANOM_SDES_OVERRUN, "SDES item overrun");
    free(m);
    rtcp_walk_init(&w, b.b, 0);
    ok(!rtcp_walk_next(&w, &pk) && w.anom == RTCP_ANOM_SHORT, "empty datagram");
    rtcp_walk_init(&w, NULL, 10);
    ok(!rtcp_walk_next(&w, &pk) && w.anom == RTCP_ANOM_SHORT, "NULL datagram");
    rtcp_walk_init(&w, b.b, 3);
    ok(!rtcp_walk_next(&w, &pk) && w.anom == RTCP_ANOM_SHORT, "3 bytes");
    {
        uint8_t tb[8] = {0xa0, 201, 0, 1, 0, 0, 0, 0}; /* P set, pad count 0 */
        rtcp_walk_init(&w, tb, 8);
        ok(!rtcp_walk_next(&w, &pk) && w.anom == RTCP_ANOM_BAD_PADDING, "pad count 0");
        tb[7] = 9;
        rtcp_walk_init(&w, tb, 8);
        ok(!rtcp_walk_next(&w, &pk) && w.anom == RTCP_ANOM_BAD_PADDING, "pad count too big");
    }
    {
        /* BYE reason length past the packet */
        uint8_t tb[12] = {0x81, 203, 0, 2, 0, 0, 0, 1, 9, 'a', 'b', 'c'};
        rtcp_walk_init(&w, tb, 12);
        ok(!rtcp_walk_next(&w, &pk) && w.anom == RTCP_ANOM_BYE_OVERRUN, "BYE reason overrun");
        /* XR block length past the packet */
        uint8_t xr[12] = {0x80, 207, 0, 2, 0, 0, 0, 1, 7, 0, 0, 8};
        rtcp_walk_init(&w, xr, 12);
        ok(!rtcp_walk_next(&w, &pk) && w.anom == RTCP_ANOM_XR_OVERRUN, "XR block overrun");
    }
    {
        /* too many packets: 70 empty RRs */
        uint8_t *many = malloc(70 * 8);
        for (int i = 0; i < 70; i++)
            memcpy(many + 8 * i, "\x80\xc9\x00\x01\x00\x00\x00\x01", 8);
        int k = 0;
        rtcp_walk_init(&w, many, 70 * 8);
        while (rtcp_walk_next(&w, &pk))
            k++;
        ok(k == RTCP_MAX_PACKETS && w.anom == RTCP_ANOM_TOO_MANY_PACKETS, "packet count bounded");
        free(many);
    }
    ok(!rtcp_looks_valid((const uint8_t *)"\x80\x00\x00\x01\x00\x00\x00\x00", 8), "looks_valid: PT 0 is not RTCP");

    build_compound(&b);
    fuzz_all(b.b, b.n, "SR+SDES+BYE: prefixes and mutations in bounds");
    build_rr_xr(&b);
    fuzz_all(b.b, b.n, "RR+XR: prefixes and mutations in bounds");
    return tap_done();
}
