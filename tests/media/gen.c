/*
 * gen.c - calls with media impaired on purpose, for tests/integration/media.sh.
 *
 *   gen OUTDIR
 *
 * Writes (all deterministic, files only):
 *   loss.pcap      a G.711 call, 500 packets each way; caller -> callee
 *                  drops every 20th packet (25 lost, 5.00 %), callee ->
 *                  caller loses none; the callee's stream gets +-jitter of
 *                  a known pattern (alternating +4 / -4 ms)
 *   oneway.pcap    an answered call whose callee -> caller RTP never
 *                  arrives (one-way audio)
 *   nomedia.pcap   an answered call with no RTP at all
 *   holddtmf.pcap  a call put on hold and resumed by re-INVITEs, with
 *                  RFC 4733 digits "1", "2", "#" sent by the caller
 *                  (each: start, 2 updates, 3 end retransmissions)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/pcapw.h"

static pcapw_ep ua, ub, ma, mb; /* SIP and media endpoints of A and B */
static uint64_t base_ns = 1700000000ULL * 1000000000ULL;

static pcapw_ts at(uint64_t ns)
{
    uint64_t t = base_ns + ns;
    return (pcapw_ts){t / 1000000000ULL, (uint32_t)(t % 1000000000ULL)};
}

static void sip(pcapw *w, uint64_t ms, int a_to_b, const char *first, const char *cid, const char *cseq,
                const char *totag, const char *sdp_dir, const char *branch)
{
    char body[512] = "", msg[2048];
    if (sdp_dir)
        snprintf(body, sizeof body,
                 "v=0\r\no=- 1 %d IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %u RTP/AVP 0 101\r\n"
                 "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=%s\r\n",
                 (int)ms, a_to_b ? "192.0.2.10" : "192.0.2.20", a_to_b ? "192.0.2.10" : "192.0.2.20",
                 a_to_b ? ma.port : mb.port, sdp_dir);
    snprintf(msg, sizeof msg,
             "%s\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK%s\r\n"
             "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>%s\r\nCall-ID: %s\r\nCSeq: %s\r\n"
             "Contact: <sip:%s@%s:5060>\r\n%sContent-Length: %zu\r\n\r\n%s",
             first, branch, totag, cid, cseq, a_to_b ? "alice" : "bob", a_to_b ? "192.0.2.10" : "192.0.2.20",
             sdp_dir ? "Content-Type: application/sdp\r\n" : "", strlen(body), body);
    pcapw_write_udp(w, at(ms * 1000000ULL), a_to_b ? &ua : &ub, a_to_b ? &ub : &ua, msg, strlen(msg));
}

static void rtp(pcapw *w, uint64_t ns, int a_to_b, uint16_t seq, uint32_t ts, uint32_t ssrc, uint8_t pt, int marker,
                const uint8_t *payload, size_t plen)
{
    uint8_t p[12 + 160];
    p[0] = 0x80;
    p[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
    p[2] = (uint8_t)(seq >> 8), p[3] = (uint8_t)seq;
    p[4] = (uint8_t)(ts >> 24), p[5] = (uint8_t)(ts >> 16), p[6] = (uint8_t)(ts >> 8), p[7] = (uint8_t)ts;
    p[8] = (uint8_t)(ssrc >> 24), p[9] = (uint8_t)(ssrc >> 16), p[10] = (uint8_t)(ssrc >> 8), p[11] = (uint8_t)ssrc;
    memcpy(p + 12, payload, plen);
    pcapw_write_udp(w, at(ns), a_to_b ? &ma : &mb, a_to_b ? &mb : &ma, p, 12 + plen);
}

static pcapw *open_out(const char *dir, const char *name)
{
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    pcapw *w = pcapw_open(path, err, sizeof err);
    if (!w) {
        fprintf(stderr, "gen: %s: %s\n", path, err);
        exit(1);
    }
    return w;
}

/* INVITE/180/200/ACK at t=0..; media from 1000 ms; BYE at `bye_ms` */
static void setup(pcapw *w, const char *cid)
{
    sip(w, 0, 1, "INVITE sip:bob@example.com SIP/2.0", cid, "1 INVITE", "", "sendrecv", "i1");
    sip(w, 100, 0, "SIP/2.0 180 Ringing", cid, "1 INVITE", ";tag=b1", NULL, "i1");
    sip(w, 900, 0, "SIP/2.0 200 OK", cid, "1 INVITE", ";tag=b1", "sendrecv", "i1");
    sip(w, 950, 1, "ACK sip:bob@192.0.2.20:5060 SIP/2.0", cid, "1 ACK", ";tag=b1", NULL, "a1");
}

static void teardown(pcapw *w, const char *cid, uint64_t ms)
{
    sip(w, ms, 1, "BYE sip:bob@192.0.2.20:5060 SIP/2.0", cid, "2 BYE", ";tag=b1", NULL, "b2");
    sip(w, ms + 10, 0, "SIP/2.0 200 OK", cid, "2 BYE", ";tag=b1", NULL, "b2");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen OUTDIR\n");
        return 2;
    }
    pcapw_addr_parse("192.0.2.10", &ua.ip);
    pcapw_addr_parse("192.0.2.20", &ub.ip);
    ua.port = ub.port = 5060;
    ma = ua;
    mb = ub;
    ma.port = 40000;
    mb.port = 50000;
    uint8_t pay[160];
    memset(pay, 0xff, sizeof pay);

    /* loss: 500 packets each way, A->B drops every 20th, B->A jitters */
    {
        pcapw *w = open_out(argv[1], "loss.pcap");
        setup(w, "loss@media");
        for (int i = 0; i < 500; i++) {
            uint64_t t = 1000000000ULL + (uint64_t)i * 20000000ULL;
            if (i % 20 != 19)
                rtp(w, t, 1, (uint16_t)(1000 + i), (uint32_t)(160 * i), 0x11111111, 0, i == 0, pay, 160);
            int64_t j = (i % 2) ? 4000000 : -4000000; /* +-4 ms */
            rtp(w, (uint64_t)((int64_t)t + 5000000 + (i ? j : 0)), 0, (uint16_t)(60000 + i), (uint32_t)(160 * i),
                0x22222222, 0, i == 0, pay, 160);
        }
        teardown(w, "loss@media", 11000);
        pcapw_close(w);
    }
    /* one-way: only A->B RTP */
    {
        pcapw *w = open_out(argv[1], "oneway.pcap");
        setup(w, "oneway@media");
        for (int i = 0; i < 200; i++)
            rtp(w, 1000000000ULL + (uint64_t)i * 20000000ULL, 1, (uint16_t)i, (uint32_t)(160 * i), 0x33333333, 0,
                i == 0, pay, 160);
        teardown(w, "oneway@media", 5000);
        pcapw_close(w);
    }
    /* no media at all */
    {
        pcapw *w = open_out(argv[1], "nomedia.pcap");
        setup(w, "nomedia@media");
        teardown(w, "nomedia@media", 5000);
        pcapw_close(w);
    }
    /* hold / resume and DTMF 1 2 # from the caller */
    {
        pcapw *w = open_out(argv[1], "holddtmf.pcap");
        setup(w, "holddtmf@media");
        uint16_t seq = 0;
        uint32_t ts = 0;
        static const uint8_t digits[3] = {1, 2, 11}; /* '1', '2', '#' */
        int d = 0;
        for (int i = 0; i < 400; i++) {
            uint64_t t = 1000000000ULL + (uint64_t)i * 20000000ULL;
            rtp(w, t + 3000000, 0, (uint16_t)(9000 + i), (uint32_t)(160 * i), 0x55555555, 0, i == 0, pay, 160);
            if (i >= 50 && i < 60 + 30 * 3 && (i - 50) % 30 < 6 && d < 3) {
                int k = (i - 50) % 30; /* 0: start, 1-2: updates, 3-5: end x3 */
                uint8_t ev[4] = {digits[d], (uint8_t)(k >= 3 ? 0x80 | 10 : 10), 0, 0};
                uint16_t dur = (uint16_t)(k >= 3 ? 480 : 160 * (k + 1));
                ev[2] = (uint8_t)(dur >> 8), ev[3] = (uint8_t)dur;
                rtp(w, t, 1, seq++, ts, 0x44444444, 101, k == 0, ev, 4);
                if (k == 5) {
                    d++;
                    ts += 480;
                }
                continue;
            }
            rtp(w, t, 1, seq++, ts, 0x44444444, 0, i == 0, pay, 160);
            ts += 160;
        }
        sip(w, 9000, 1, "INVITE sip:bob@192.0.2.20:5060 SIP/2.0", "holddtmf@media", "3 INVITE", ";tag=b1", "sendonly", "h3");
        sip(w, 9010, 0, "SIP/2.0 200 OK", "holddtmf@media", "3 INVITE", ";tag=b1", "recvonly", "h3");
        sip(w, 9020, 1, "ACK sip:bob@192.0.2.20:5060 SIP/2.0", "holddtmf@media", "3 ACK", ";tag=b1", NULL, "h3a");
        sip(w, 12000, 1, "INVITE sip:bob@192.0.2.20:5060 SIP/2.0", "holddtmf@media", "4 INVITE", ";tag=b1", "sendrecv", "h4");
        sip(w, 12010, 0, "SIP/2.0 200 OK", "holddtmf@media", "4 INVITE", ";tag=b1", "sendrecv", "h4");
        sip(w, 12020, 1, "ACK sip:bob@192.0.2.20:5060 SIP/2.0", "holddtmf@media", "4 ACK", ";tag=b1", NULL, "h4a");
        teardown(w, "holddtmf@media", 15000);
        pcapw_close(w);
    }
    return 0;
}
