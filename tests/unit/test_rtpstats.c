/*
 * test_rtpstats.c - per-stream RTP statistics (src/rtpstats.c) and the
 * E-model estimate.
 *
 *   - RFC 3550 A.1 arithmetic: a clean stream, wrap-around at 65535 -> 0,
 *     loss, reordering (late), duplicates (lost goes negative, as the RFC
 *     reports it), duplicates of an older packet (window), a sender
 *     restart resynchronised after two sequential packets past a jump, a
 *     lone stray sequence number, probation, SSRC changes;
 *   - RFC 3550 A.8 jitter on a constructed stream with known transit
 *     variation, against a hand computation; telephone-event packets are
 *     left out of jitter;
 *   - E-model R and MOS values (doc/media-quality.md);
 *   - agreement with tshark "-z rtp,streams" on two recipe streams
 *     (wrap, loss, duplicate, reordering): the expected tshark numbers
 *     below were produced by writing the recipe to a pcap
 *     (`test_rtpstats --pcap FILE`) and running
 *       tshark -r FILE -o rtp.heuristic_rtp:TRUE -q -z rtp,streams
 *     (TShark 4.0.17).  With SIPLADDER_TSHARK=/path/to/tshark in the
 *     environment the test re-runs that comparison live;
 *   - the UDPTL counter of src/t38.c (T.38 §9.1 sequence numbers, X.691
 *     length determinants).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/rtpstats.h"
#include "src/t38.h"
#include "tests/unit/tap.h"

#define MS 1000000LL

static struct rtp_hdr H(uint16_t seq, uint32_t ts, uint32_t ssrc, uint8_t pt, int marker)
{
    struct rtp_hdr h;
    memset(&h, 0, sizeof h);
    h.version = 2;
    h.seq = seq;
    h.ts = ts;
    h.ssrc = ssrc;
    h.pt = pt;
    h.marker = (uint8_t)marker;
    h.payload_len = 160;
    h.hdr_len = h.payload_off = 12;
    return h;
}

/* add packet i of a regular 20 ms PCMU stream starting at seq0 */
static void add_i(struct rtp_stats *st, uint16_t seq0, int i, int64_t extra_ns)
{
    struct rtp_hdr h = H((uint16_t)(seq0 + i), (uint32_t)(1000 + 160 * i), 0x1234, 0, i == 0);
    rtp_stats_add(st, &h, (int64_t)i * 20 * MS + extra_ns, 172);
}

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol;
}

/* ---- the tshark recipe -------------------------------------------------- */

struct rpkt {
    uint16_t seq;
    uint32_t ts;
    int64_t at_ns;
    int marker;
};

/*
 * Stream A (SSRC 0x0a0a0a0a): 300 packets from seq 65500 (wraps at index
 * 36), 20 ms apart with a deterministic 0-7.x ms arrival wobble; indices
 * 50-52 and 200 lost, index 100 duplicated (+1 ms), 150/151 swapped.
 * Stream B (SSRC 0x0b0b0b0b): 50 packets from seq 100, the last two
 * swapped (tshark counts expected up to the LAST packet's sequence
 * number, RFC 3550 up to the highest: they differ by one here).
 */
static size_t recipe(int stream, struct rpkt *out, size_t cap)
{
    size_t n = 0;
    uint32_t lcg = 12345;
    int count = stream == 0 ? 300 : 50;
    uint16_t seq0 = stream == 0 ? 65500 : 100;
    for (int i = 0; i < count && n + 2 <= cap; i++) {
        lcg = lcg * 1103515245u + 12345u;
        int64_t wobble = (int64_t)((lcg >> 16) % 8000) * 1000; /* 0..7.999 ms */
        struct rpkt p = {(uint16_t)(seq0 + i), (uint32_t)(8000 + 160 * i), 1000 * MS + (int64_t)i * 20 * MS + wobble,
                         i == 0};
        if (stream == 0 && ((i >= 50 && i <= 52) || i == 200))
            continue;
        out[n++] = p;
        if (stream == 0 && i == 100) {
            p.at_ns += MS;
            out[n++] = p;
        }
    }
    /* swaps in arrival order (times swapped too, so arrival stays monotonic) */
    for (size_t k = 0; k + 1 < n; k++) {
        int swap = (stream == 0 && out[k].seq == (uint16_t)(seq0 + 150)) || (stream == 1 && k + 2 == n);
        if (swap) {
            struct rpkt t = out[k];
            int64_t a0 = out[k].at_ns, a1 = out[k + 1].at_ns;
            out[k] = out[k + 1];
            out[k + 1] = t;
            out[k].at_ns = a0;
            out[k + 1].at_ns = a1;
            break;
        }
    }
    return n;
}

static void run_recipe(int stream, struct rtp_result *res)
{
    static struct rpkt pk[400];
    size_t n = recipe(stream, pk, 400);
    struct rtp_stats st;
    rtp_stats_init(&st, 8000);
    for (size_t i = 0; i < n; i++) {
        struct rtp_hdr h = H(pk[i].seq, pk[i].ts, stream == 0 ? 0x0a0a0a0au : 0x0b0b0b0bu, 0, pk[i].marker);
        rtp_stats_add(&st, &h, pk[i].at_ns, 172);
    }
    rtp_stats_result(&st, res);
}

/* Minimal classic pcap (ns magic), Ethernet + IPv4 + UDP, for the recipe. */
static void put_le32(FILE *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fwrite(b, 1, 4, f);
}

static int write_pcap(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    put_le32(f, 0xa1b23c4d);
    put_le32(f, 0x00040002);
    put_le32(f, 0);
    put_le32(f, 0);
    put_le32(f, 65535);
    put_le32(f, 1);
    static struct rpkt pk[2][400];
    size_t n[2] = {recipe(0, pk[0], 400), recipe(1, pk[1], 400)};
    size_t i0 = 0, i1 = 0;
    while (i0 < n[0] || i1 < n[1]) {
        int s = (i1 >= n[1] || (i0 < n[0] && pk[0][i0].at_ns <= pk[1][i1].at_ns)) ? 0 : 1;
        const struct rpkt *p = s == 0 ? &pk[0][i0++] : &pk[1][i1++];
        uint8_t fr[14 + 20 + 8 + 12 + 160];
        memset(fr, 0, sizeof fr);
        memcpy(fr, "\x00\x00\x5e\x00\x53\x02\x00\x00\x5e\x00\x53\x01\x08\x00", 14);
        uint8_t *ip = fr + 14;
        unsigned tot = 20 + 8 + 12 + 160;
        ip[0] = 0x45;
        ip[2] = (uint8_t)(tot >> 8);
        ip[3] = (uint8_t)tot;
        ip[8] = 64;
        ip[9] = 17;
        memcpy(ip + 12, s == 0 ? "\xc0\x00\x02\x0a\xc0\x00\x02\x14" : "\xc0\x00\x02\x0b\xc0\x00\x02\x15", 8);
        uint32_t sum = 0;
        for (int k = 0; k < 20; k += 2)
            sum += (uint32_t)(ip[k] << 8 | ip[k + 1]);
        while (sum >> 16)
            sum = (sum & 0xffff) + (sum >> 16);
        ip[10] = (uint8_t)(~sum >> 8);
        ip[11] = (uint8_t)~sum;
        uint8_t *udp = ip + 20;
        unsigned sport = s == 0 ? 40000 : 40002, dport = s == 0 ? 50000 : 50002, ulen = 8 + 12 + 160;
        udp[0] = (uint8_t)(sport >> 8);
        udp[1] = (uint8_t)sport;
        udp[2] = (uint8_t)(dport >> 8);
        udp[3] = (uint8_t)dport;
        udp[4] = (uint8_t)(ulen >> 8);
        udp[5] = (uint8_t)ulen;
        uint8_t *r = udp + 8;
        uint32_t ssrc = s == 0 ? 0x0a0a0a0au : 0x0b0b0b0bu;
        r[0] = 0x80;
        r[1] = (uint8_t)(p->marker ? 0x80 : 0);
        r[2] = (uint8_t)(p->seq >> 8);
        r[3] = (uint8_t)p->seq;
        for (int k = 0; k < 4; k++) {
            r[4 + k] = (uint8_t)(p->ts >> (24 - 8 * k));
            r[8 + k] = (uint8_t)(ssrc >> (24 - 8 * k));
        }
        memset(r + 12, 0xff, 160);
        put_le32(f, (uint32_t)(p->at_ns / 1000000000));
        put_le32(f, (uint32_t)(p->at_ns % 1000000000));
        put_le32(f, sizeof fr);
        put_le32(f, sizeof fr);
        fwrite(fr, 1, sizeof fr, f);
    }
    return fclose(f);
}

/*
 * tshark's numbers for the recipe (TShark 4.0.17, printed with 3 decimals):
 *   0x0A0A0A0A g711U 297  3 (1.0%)  min/mean/max delta 1.000/20.202/75.676
 *                                   min/mean/max jitter 0.218/2.857/6.053
 *   0x0B0B0B0B g711U  50 -1 (-2.0%) min/mean/max delta 12.264/19.987/26.185
 *                                   min/mean/max jitter 0.218/2.437/5.547
 */
struct ts_row {
    long pkts, lost;
    double max_delta, max_jitter, mean_jitter;
};
static const struct ts_row TSHARK_A = {297, 3, 75.676, 6.053, 2.857};
static const struct ts_row TSHARK_B = {50, -1, 26.185, 5.547, 2.437};

/* Parse tshark -z rtp,streams output for an SSRC: returns 1 on success. */
static int tshark_row(const char *out, const char *ssrc, struct ts_row *row)
{
    const char *l = strstr(out, ssrc);
    if (!l)
        return 0;
    /* ... SSRC Payload Pkts Lost(pct) Min/Mean/Max Delta Min/Mean/Max Jitter Problems? */
    const char *p = l + strlen(ssrc);
    char payload[64];
    double min_d, mean_d, min_j;
    if (sscanf(p, " %63s %ld %ld (%*f%%) %lf %lf %lf %lf %lf %lf", payload, &row->pkts, &row->lost, &min_d, &mean_d,
               &row->max_delta, &min_j, &row->mean_jitter, &row->max_jitter) != 9)
        return 0;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--pcap"))
        return write_pcap(argv[2]) ? 1 : 0;

    struct rtp_stats st;
    struct rtp_result r;

    /* ---- clean stream ---- */
    rtp_stats_init(&st, 8000);
    for (int i = 0; i < 100; i++)
        add_i(&st, 1000, i, 0);
    rtp_stats_result(&st, &r);
    ok(r.packets == 100 && r.bytes == 17200, "clean: packets and bytes");
    ok(r.expected == 100 && r.received == 100 && r.lost == 0, "clean: expected = received = 100, lost 0");
    ok(r.validated && r.base_seq == 1000 && r.ext_max_seq == 1099, "clean: base (probation counted) and max");
    ok(near(r.jitter_ms, 0, 1e-12) && r.jitter_valid, "clean: zero jitter");
    ok(near(r.max_delta_ms, 20, 1e-9), "clean: max delta 20 ms");
    ok(near(r.duration_s, 1.98, 1e-9), "clean: duration");
    is_int(r.markers, 1, "clean: one marker");
    ok(r.ssrc == 0x1234 && r.pt == 0 && r.clock_rate == 8000, "clean: ssrc, pt, clock");
    ok(!strcmp(r.codec, "PCMU"), "clean: codec from static PT");

    /* ---- wrap-around at 65535 -> 0 ---- */
    rtp_stats_init(&st, 8000);
    for (int i = 0; i < 20; i++)
        add_i(&st, 65530, i, 0);
    rtp_stats_result(&st, &r);
    is_int(r.cycles, 1, "wrap: one cycle");
    is_int(r.ext_max_seq, 65536 + 13, "wrap: extended max 65549");
    is_int(r.base_seq, 65530, "wrap: base 65530");
    ok(r.expected == 20 && r.lost == 0, "wrap: expected = 65549 - 65530 + 1 = 20, lost 0");

    /* wrap where the first probation packet is 65535 */
    rtp_stats_init(&st, 8000);
    for (int i = 0; i < 5; i++)
        add_i(&st, 65535, i, 0);
    rtp_stats_result(&st, &r);
    ok(r.expected == 5 && r.received == 5 && r.lost == 0, "wrap during probation: 5 expected, 5 received");

    /* ---- loss ---- */
    rtp_stats_init(&st, 8000);
    for (int i = 0; i < 100; i++)
        if (i != 5 && i != 6)
            add_i(&st, 1000, i, 0);
    rtp_stats_result(&st, &r);
    ok(r.expected == 100 && r.received == 98 && r.lost == 2, "loss: 2 lost of 100");
    ok(near(r.loss_pct, 2.0, 1e-9), "loss: 2%%");
    is_int(r.seq_gaps, 1, "loss: one gap");
    ok(near(r.max_delta_ms, 60, 1e-9), "loss: max delta 60 ms");

    /* ---- reordering ---- */
    rtp_stats_init(&st, 8000);
    for (int i = 0; i < 30; i++) {
        int j = i == 10 ? 11 : i == 11 ? 10 : i;
        add_i(&st, 1000, j, (int64_t)(i - j) * 20 * MS); /* arrival order i, content j */
    }
    rtp_stats_result(&st, &r);
    ok(r.late == 1 && r.lost == 0 && r.expected == 30 && r.received == 30, "reorder: one late, nothing lost");
    is_int(r.duplicates, 0, "reorder: no duplicate");
    is_int(r.seq_gaps, 1, "reorder: the jump over 10 counts as a gap");

    /* ---- duplicates: lost goes negative, as RFC 3550 reports it ---- */
    rtp_stats_init(&st, 8000);
    for (int i = 0; i < 30; i++) {
        add_i(&st, 1000, i, 0);
        if (i == 20)
            add_i(&st, 1000, i, MS); /* same packet again */
    }
    add_i(&st, 1000, 15, 600 * MS); /* an old duplicate, 14 behind */
    add_i(&st, 1000, 29, 601 * MS); /* duplicate of the highest */
    rtp_stats_result(&st, &r);
    is_int(r.duplicates, 3, "dups: three duplicates (window and highest)");
    ok(r.expected == 30 && r.received == 33, "dups: received counts duplicates");
    is_int(r.lost, -3, "dups: lost = expected - received = -3");
    ok(near(r.loss_pct, -10.0, 1e-9), "dups: loss %% negative");
    is_int(r.late, 0, "dups: not late");

    /* ---- sender restart: jump, resync after two sequential packets ---- */
    rtp_stats_init(&st, 8000);
    for (int i = 0; i < 50; i++)
        add_i(&st, 1000, i, 0);
    for (int i = 50; i < 80; i++)
        add_i(&st, (uint16_t)(20000 - 50), i, 0); /* continues at 20000 */
    rtp_stats_result(&st, &r);
    is_int(r.resyncs, 1, "restart: one resync");
    is_int(r.bad_seq_pkts, 0, "restart: the first jumped packet was counted after all");
    ok(r.expected == 80 && r.received == 80 && r.lost == 0, "restart: 50 + 30 expected and received");
    is_int(r.base_seq, 20000, "restart: new base (the jumped packet)");

    /* ---- lone stray sequence number ---- */
    rtp_stats_init(&st, 8000);
    for (int i = 0; i < 40; i++) {
        if (i == 20) {
            struct rtp_hdr h = H(50000, 999, 0x1234, 0, 0);
            rtp_stats_add(&st, &h, 20 * 20 * MS - MS, 172);
        }
        add_i(&st, 1000, i, 0);
    }
    rtp_stats_result(&st, &r);
    ok(r.bad_seq_pkts == 1 && r.resyncs == 0, "stray: one bad packet, no resync");
    ok(r.expected == 40 && r.received == 40 && r.lost == 0 && r.packets == 41, "stray: not counted by A.1");

    /* ---- probation failure ---- */
    rtp_stats_init(&st, 8000);
    {
        struct rtp_hdr h = H(10, 0, 7, 0, 0);
        rtp_stats_add(&st, &h, 0, 172);
        h = H(500, 160, 7, 0, 0);
        rtp_stats_add(&st, &h, 20 * MS, 172);
        for (int i = 1; i < 10; i++) {
            h = H((uint16_t)(500 + i), (uint32_t)(160 + 160 * i), 7, 0, 0);
            rtp_stats_add(&st, &h, (20 + 20 * i) * MS, 172);
        }
    }
    rtp_stats_result(&st, &r);
    ok(r.probation_fails == 1 && r.validated, "probation: one failure, then valid");
    ok(r.expected == 10 && r.received == 10, "probation: the first (unrelated) packet is not counted");
    rtp_stats_init(&st, 8000);
    add_i(&st, 7, 0, 0);
    rtp_stats_result(&st, &r);
    ok(!r.validated && r.expected == 1 && r.received == 1 && r.lost == 0, "single packet: not validated, 1/1");

    /* ---- SSRC change: two segments summed ---- */
    rtp_stats_init(&st, 8000);
    for (int i = 0; i < 20; i++)
        if (i != 4)
            add_i(&st, 1000, i, 0);
    for (int i = 0; i < 10; i++) {
        struct rtp_hdr h = H((uint16_t)(30000 + i), (uint32_t)(77 + 160 * i), 0x9999, 8, 0);
        if (i != 6)
            rtp_stats_add(&st, &h, (500 + 20 * i) * MS, 172);
    }
    rtp_stats_result(&st, &r);
    ok(r.ssrc_changes == 1 && r.ssrc == 0x9999, "ssrc: one change, last ssrc");
    ok(r.expected == 30 && r.received == 28 && r.lost == 2, "ssrc: segments summed (1 lost each)");
    is_int(r.pt_changes, 1, "ssrc: PT 0 -> 8 counted");

    /* ---- A.8 jitter against a hand computation ---- */
    /* arrivals (ms) 0,20,45,60,80,95,120 for timestamps 160 apart at 8 kHz:
     * D = (delta arrival * 8) - 160 = 0, 40, -40, 0, -40, 40 (ts units)
     * J: 0, 2.5, 4.84375, 4.541015625, 6.757202148..., 8.834877014...  */
    {
        static const int arr[] = {0, 20, 45, 60, 80, 95, 120};
        double J = 0, sum_ms = 0, max_ms = 0;
        static const double hand[] = {0.0, 2.5, 4.84375, 4.541015625, 6.7572021484375, 8.834877014160156};
        rtp_stats_init(&st, 8000);
        int good = 1;
        for (int i = 0; i < 7; i++) {
            struct rtp_hdr h = H((uint16_t)(100 + i), (uint32_t)(160 * i), 1, 0, 0);
            rtp_stats_add(&st, &h, arr[i] * MS, 172);
            if (i > 0) {
                double D = (arr[i] - arr[i - 1]) * 8.0 - 160.0;
                J += (fabs(D) - J) / 16.0;
                if (!near(J, hand[i - 1], 1e-9) || !near(st.jitter, hand[i - 1], 1e-9))
                    good = 0;
                sum_ms += J / 8.0;
                if (J / 8.0 > max_ms)
                    max_ms = J / 8.0;
            }
        }
        ok(good, "jitter: every step equals the hand computation");
        rtp_stats_result(&st, &r);
        ok(near(r.jitter_ms, 8.834877014160156 / 8.0, 1e-9), "jitter: final 1.1044 ms");
        ok(near(r.jitter_max_ms, max_ms, 1e-12), "jitter: max");
        ok(near(r.jitter_mean_ms, sum_ms / 6.0, 1e-12) && near(r.jitter_mean_ms, 0.5724343, 1e-6), "jitter: mean");
        ok(near(r.max_delta_ms, 25, 1e-9), "jitter: max delta 25 ms");
    }
    /* the same stream at 16 kHz clock (e.g. rtpmap G722/16000 misdeclared): jitter scales */
    rtp_stats_init(&st, 0);
    {
        struct rtp_hdr h = H(1, 0, 1, 96, 0);
        rtp_stats_add(&st, &h, 0, 10);
        h = H(2, 160, 1, 96, 0);
        rtp_stats_add(&st, &h, 30 * MS, 10);
    }
    rtp_stats_result(&st, &r);
    ok(!r.jitter_valid && r.clock_rate == 0, "jitter: dynamic PT without clock rate -> none");

    /* telephone-event packets are counted but left out of jitter and PT changes */
    rtp_stats_init(&st, 8000);
    rtp_stats_set_event_pt(&st, 101);
    for (int i = 0; i < 20; i++) {
        int ev = i >= 8 && i < 12;
        struct rtp_hdr h = H((uint16_t)(1 + i), ev ? 160 * 8 : (uint32_t)(160 * i), 5, ev ? 101 : 0, 0);
        rtp_stats_add(&st, &h, i * 20 * MS, 172);
    }
    rtp_stats_result(&st, &r);
    ok(r.event_packets == 4 && r.packets == 20 && r.lost == 0, "events: counted as packets");
    ok(near(r.jitter_max_ms, 0, 1e-12), "events: no jitter from frozen timestamps");
    is_int(r.pt_changes, 0, "events: no PT change");

    /* ---- E-model ---- */
    ok(near(emodel_r(0, 0, 0, 25.1), 93.2, 1e-12), "E-model: R0 - Is = 93.2");
    ok(near(r_to_mos(93.2), 4.4093, 1e-4), "E-model: MOS(93.2) = 4.41");
    ok(near(emodel_r(5, 0, 0, 25.1), 93.2 - 95.0 * 5 / 30.1, 1e-12), "E-model: G.711 PLC 5%% loss");
    ok(near(emodel_r(5, 0, 0, 4.3), 93.2 - 95.0 * 5 / 9.3, 1e-12), "E-model: G.711 no PLC 5%% loss");
    ok(near(emodel_r(0, 0, 11, 19), 82.2, 1e-12), "E-model: G.729 Ie 11");
    ok(near(emodel_r(0, 200, 0, 25.1), 93.2 - 4.8 - 0.11 * 22.7, 1e-9), "E-model: delay 200 ms");
    ok(near(emodel_r(0, 100, 0, 25.1), 93.2 - 2.4, 1e-9), "E-model: delay 100 ms (below knee)");
    ok(emodel_r(-3, 0, 0, 25.1) == emodel_r(0, 0, 0, 25.1), "E-model: negative loss counts as 0");
    ok(emodel_r(100, 1000, 15, 16.1) == 0, "E-model: clamped at 0");
    ok(r_to_mos(0) == 1.0 && r_to_mos(-4) == 1.0 && r_to_mos(100) == 4.5 && r_to_mos(120) == 4.5, "MOS clamps");
    ok(r_to_mos(5) >= 1.0, "MOS never below 1");
    ok(near(r_to_mos(50), 1 + 1.75 + 50 * -10 * 50 * 7e-6, 1e-12), "MOS(50)");
    ok(near(emodel_delay_ms(10, 20, -1), 40, 1e-12) && near(emodel_delay_ms(10, 20, 100), 90, 1e-12),
       "delay estimate: 2 x jitter + ptime (+ RTT/2)");
    ok(emodel_codec_find(slice_cstr("g729")) && emodel_codec_find(slice_cstr("g729")) == emodel_codec_find(slice_cstr("G729A")),
       "codec lookup: case and spelling");
    ok(!emodel_codec_find(slice_cstr("foo")) && emodel_codec_default()->bpl == 25.1, "codec lookup: unknown");
    rtp_stats_init(&st, 8000);
    rtp_stats_set_codec(&st, slice_cstr("G729"));
    rtp_stats_set_delay_inputs(&st, 30, 40);
    for (int i = 0; i < 50; i++)
        if (i % 10 != 3)
            add_i(&st, 1, i, 0);
    rtp_stats_result(&st, &r);
    ok(!strcmp(r.codec, "G729") && near(r.delay_ms, 30 + 20, 1e-9), "stream E-model: codec and delay inputs");
    ok(near(r.r_factor, emodel_r(10, 50, 11, 19), 1e-9) && near(r.mos, r_to_mos(r.r_factor), 1e-12),
       "stream E-model: R from 10%% loss");

    /* ---- tshark agreement on the recipe ---- */
    struct rtp_result a, b;
    run_recipe(0, &a);
    run_recipe(1, &b);
    ok(a.expected == 300 && a.received == 297, "recipe A: 300 expected, 297 received (4 lost, 1 dup)");
    is_int(a.lost, TSHARK_A.lost, "recipe A: lost == tshark");
    is_int(a.packets, TSHARK_A.pkts, "recipe A: packets == tshark");
    is_int(a.cycles, 1, "recipe A: wrapped");
    ok(a.duplicates == 1 && a.late == 1, "recipe A: one duplicate, one late");
    ok(near(a.max_delta_ms, TSHARK_A.max_delta, 0.0005), "recipe A: max delta == tshark (%.3f)", a.max_delta_ms);
    ok(near(a.jitter_max_ms, TSHARK_A.max_jitter, 0.0005), "recipe A: max jitter == tshark (%.3f vs %.3f)",
       a.jitter_max_ms, TSHARK_A.max_jitter);
    ok(near(a.jitter_mean_ms, TSHARK_A.mean_jitter, 0.0005), "recipe A: mean jitter == tshark (%.3f vs %.3f)",
       a.jitter_mean_ms, TSHARK_A.mean_jitter);
    is_int(b.lost, 0, "recipe B: RFC 3550 lost 0");
    is_int(b.packets, TSHARK_B.pkts, "recipe B: packets == tshark");
    is_int(b.lost - 1, TSHARK_B.lost, "recipe B: tshark says -1 (expected up to the last, not the highest, seq)");
    ok(near(b.max_delta_ms, TSHARK_B.max_delta, 0.0005), "recipe B: max delta == tshark (%.3f)", b.max_delta_ms);
    ok(near(b.jitter_max_ms, TSHARK_B.max_jitter, 0.0005), "recipe B: max jitter == tshark (%.3f vs %.3f)",
       b.jitter_max_ms, TSHARK_B.max_jitter);
    ok(near(b.jitter_mean_ms, TSHARK_B.mean_jitter, 0.0005), "recipe B: mean jitter == tshark (%.3f vs %.3f)",
       b.jitter_mean_ms, TSHARK_B.mean_jitter);

    /* ---- UDPTL (src/t38.c) ---- */
    {
        static const uint8_t u1[] = {0x00, 0x05, 0x03, 0x02, 0x40, 0x00, 0x00}; /* seq 5, IFP 3 bytes, EC */
        static const uint8_t u2[] = {0x12, 0x34, 0x81, 0x00};                  /* 2-byte length 256: too long */
        static const uint8_t u3[] = {0x00, 0x01, 0xc1};                        /* fragmented length */
        struct udptl_hdr uh;
        ok(udptl_parse(u1, sizeof u1, &uh) && uh.seq == 5 && uh.ifp_off == 3 && uh.ifp_len == 3, "udptl: header");
        ok(!udptl_parse(u2, sizeof u2, &uh), "udptl: IFP longer than the datagram");
        ok(udptl_parse(u3, sizeof u3, &uh) && uh.fragmented, "udptl: fragmented length");
        ok(!udptl_parse(u1, 2, &uh) && !udptl_parse(NULL, 0, &uh), "udptl: short");
        struct t38_counter tc;
        t38_counter_init(&tc);
        uint8_t pk[8] = {0, 0, 0x02, 0x01, 0x02, 0, 0, 0};
        static const uint16_t seqs[] = {10, 11, 13, 12, 14, 14, 20};
        for (unsigned i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
            pk[0] = (uint8_t)(seqs[i] >> 8);
            pk[1] = (uint8_t)seqs[i];
            t38_counter_add(&tc, 0, pk, sizeof pk, (int64_t)i * 100 * MS);
        }
        t38_counter_add(&tc, 1, u2, sizeof u2, 0);
        t38_counter_add(&tc, 2, u1, sizeof u1, 0);
        const struct t38_dir *d0 = &tc.dir[0];
        ok(d0->packets == 7 && d0->bytes == 56, "t38: packets and bytes per direction");
        ok(d0->lost == 5 && d0->late == 1 && d0->duplicates == 1, "t38: 5 lost (15-19; 12 came late), 1 late, 1 duplicate");
        ok(d0->first_ns == 0 && d0->last_ns == 600 * MS, "t38: first/last");
        ok(tc.dir[1].packets == 1 && tc.dir[1].malformed == 1, "t38: malformed counted in the other direction");
        for (size_t i = 0; i <= sizeof u1; i++) {
            uint8_t *q = malloc(i ? i : 1);
            memcpy(q, u1, i);
            (void)udptl_parse(q, i, &uh);
            free(q);
        }
        ok(1, "udptl: every prefix in bounds");
    }

    const char *ts = getenv("SIPLADDER_TSHARK");
    if (ts && *ts) {
        char path[] = "/tmp/test_rtpstats_XXXXXX";
        int fd = mkstemp(path);
        close(fd);
        ok(write_pcap(path) == 0, "live: pcap written");
        char cmd[512];
        snprintf(cmd, sizeof cmd, "%s -r %s -o rtp.heuristic_rtp:TRUE -q -z rtp,streams 2>/dev/null", ts, path);
        FILE *pp = popen(cmd, "r");
        static char out[16384];
        size_t got = pp ? fread(out, 1, sizeof out - 1, pp) : 0;
        out[got] = 0;
        if (pp)
            pclose(pp);
        unlink(path);
        struct ts_row ra, rb;
        ok(tshark_row(out, "0x0A0A0A0A", &ra) || tshark_row(out, "0x0a0a0a0a", &ra), "live: tshark row A");
        ok(tshark_row(out, "0x0B0B0B0B", &rb) || tshark_row(out, "0x0b0b0b0b", &rb), "live: tshark row B");
        ok(ra.pkts == TSHARK_A.pkts && ra.lost == TSHARK_A.lost && near(ra.max_delta, TSHARK_A.max_delta, 0.001) &&
               near(ra.max_jitter, TSHARK_A.max_jitter, 0.001) && near(ra.mean_jitter, TSHARK_A.mean_jitter, 0.001),
           "live: tshark A matches the recorded numbers");
        ok(rb.pkts == TSHARK_B.pkts && rb.lost == TSHARK_B.lost && near(rb.max_delta, TSHARK_B.max_delta, 0.001) &&
               near(rb.max_jitter, TSHARK_B.max_jitter, 0.001) && near(rb.mean_jitter, TSHARK_B.mean_jitter, 0.001),
           "live: tshark B matches the recorded numbers");
        if (ra.lost != TSHARK_A.lost || rb.lost != TSHARK_B.lost)
            printf("# tshark output:\n%s", out);
    }
    return tap_done();
}
