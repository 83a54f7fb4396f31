/*
 * test_sdp_full.c - the full SDP parser (dissect/sdp.c sdp_parse()):
 * o=, session/media c= (media overrides), b=, every m= (audio, video,
 * image/T.38, application) with port count, rtpmap/fmtp/ptime/maxptime,
 * direction, a=rtcp with address, rtcp-mux, crypto (suite only, the key
 * never exposed), candidates, T.38 attributes; anomalies with line
 * numbers; bounds; the content fingerprint (o= version ignored, content
 * changes detected); hold detection; helper lookups.  Every fixture is
 * also parsed at every prefix and with single-byte mutations, in
 * exact-size heap copies, checking every slice stays inside the body.
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/sdp.h"
#include "src/base/buf.h"
#include "tests/unit/tap.h"

static const char OFFER[] =
    "v=0\r\n"
    "o=alice 2890844526 2890844527 IN IP4 192.0.2.10\r\n"
    "s=call\r\n"
    "c=IN IP4 192.0.2.10\r\n"
    "b=AS:128\r\n"
    "t=0 0\r\n"
    "a=fingerprint:sha-256 AB:CD\r\n"
    "m=audio 49170 RTP/SAVP 0 8 18 101\r\n"
    "b=TIAS:64000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:18 G729/8000\r\n"
    "a=fmtp:18 annexb=no\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ptime:20\r\n"
    "a=maxptime:40.0\r\n"
    "a=rtcp:53020 IN IP4 198.51.100.7\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:SECRETKEYSECRETKEYSECRETKEYSECRETKEY1234|2^20|1:32\r\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:OTHERKEYOTHERKEYOTHERKEYOTHERKEY5678\r\n"
    "a=candidate:1 1 UDP 2130706431 192.0.2.10 49170 typ host\r\n"
    "a=candidate:2 1 UDP 1694498815 203.0.113.1 49170 typ srflx raddr 192.0.2.10 rport 49170\r\n"
    "a=sendrecv\r\n"
    "m=video 51372/2 RTP/AVPF 96 97\r\n"
    "c=IN IP6 2001:db8::7/127\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=rtpmap:97 opus/48000/2\r\n"
    "a=rtcp-mux\r\n"
    "a=recvonly\r\n"
    "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n";

static const char T38[] =
    "v=0\n"
    "o=- 1 2 IN IP4 10.0.0.1\n"
    "s=-\n"
    "c=IN IP4 10.0.0.1\n"
    "t=0 0\n"
    "m=image 4000 udptl t38\n"
    "a=T38FaxVersion:0\n"
    "a=T38MaxBitRate:14400\n"
    "a=T38FaxRateManagement:transferredTCF\n"
    "a=T38FaxMaxBuffer:262\n"
    "a=T38FaxMaxDatagram:176\n"
    "a=T38FaxUdpEC:t38UDPRedundancy\n"
    "a=T38FaxFillBitRemoval\n"
    "a=t38faxtranscodingmmr:0\n";

static struct slice S(const char *s)
{
    return (struct slice){(const uint8_t *)s, strlen(s)};
}

static int in(struct slice outer, struct slice s)
{
    if (!s.n)
        return 1;
    return s.p >= outer.p && s.p + s.n <= outer.p + outer.n;
}

/* every slice of the description lies inside the body */
static int all_in(struct slice body, const struct sdp_desc *d)
{
    int okk = in(body, d->origin.username) && in(body, d->origin.sess_id) && in(body, d->origin.sess_version) &&
              in(body, d->origin.addr) && in(body, d->session_name) && in(body, d->conn.addr) &&
              in(body, d->conn.addrtype);
    for (unsigned i = 0; i < d->nbw; i++)
        okk &= in(body, d->bw[i].type);
    if (d->nmedia > SDP_FULL_MAX_MEDIA || d->nanoms > SDP_MAX_ANOMS)
        return 0;
    for (unsigned i = 0; i < d->nmedia; i++) {
        const struct sdp_mdesc *m = &d->media[i];
        okk &= in(body, m->type) && in(body, m->proto) && in(body, m->conn.addr) && in(body, m->rtcp_addr) &&
               in(body, m->t38.rate_mgmt) && in(body, m->t38.udp_ec);
        if (m->nfmt > SDP_FULL_MAX_FMTS || m->ncrypto > SDP_MAX_CRYPTO || m->nbw > SDP_MAX_BW)
            return 0;
        for (unsigned k = 0; k < m->nfmt; k++)
            okk &= in(body, m->fmt[k].pt) && in(body, m->fmt[k].name) && in(body, m->fmt[k].fmtp) && m->fmt[k].pt.n;
        for (unsigned k = 0; k < m->ncrypto; k++)
            okk &= in(body, m->crypto_suite[k]);
        for (unsigned k = 0; k < m->nbw; k++)
            okk &= in(body, m->bw[k].type);
    }
    return okk;
}

static void fuzz_all(const char *fx, const char *name)
{
    size_t n = strlen(fx);
    int bad = 0;
    struct sdp_desc *d = malloc(sizeof *d);
    for (size_t i = 0; i <= n; i++) {
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, fx, i);
        struct slice b = {p, i};
        if (sdp_parse(b, d)) {
            if (!all_in(b, d))
                bad++;
            (void)sdp_fingerprint(d);
            (void)sdp_is_hold(d);
        }
        free(p);
    }
    static const uint8_t vals[] = {0, '\n', '\r', ' ', '=', '/', ':', '9', 'm', 'a', 'c', 0xff};
    for (size_t i = 0; i < n; i++)
        for (size_t v = 0; v < sizeof vals; v++) {
            uint8_t *p = malloc(n);
            memcpy(p, fx, n);
            p[i] = vals[v];
            struct slice b = {p, n};
            if (sdp_parse(b, d) && !all_in(b, d))
                bad++;
            free(p);
        }
    free(d);
    is_int(bad, 0, name);
}

static int has_anom(const struct sdp_desc *d, uint32_t line, enum sdp_anom k)
{
    for (unsigned i = 0; i < d->nanoms; i++)
        if (d->anoms[i].kind == k && (line == 0 || d->anoms[i].line == line))
            return 1;
    return 0;
}

/* parse text into *d; the text must stay alive while d is used */
static int P(const char *text, struct sdp_desc *d)
{
    return sdp_parse(S(text), d);
}

int main(void)
{
    static struct sdp_desc d, d2;
    struct slice body = S(OFFER);

    ok(sdp_parse(body, &d), "offer: recognised");
    is_int(d.nanoms, 0, "offer: no anomalies");
    ok(d.origin.present, "o=: present");
    is_str(d.origin.username, "alice", "o=: username");
    is_str(d.origin.sess_id, "2890844526", "o=: session id");
    is_str(d.origin.sess_version, "2890844527", "o=: version");
    is_str(d.origin.addr, "192.0.2.10", "o=: address");
    is_str(d.session_name, "call", "s=");
    is_str(d.conn.addr, "192.0.2.10", "session c=");
    is_int(d.nbw, 1, "session b=");
    ok(slice_eq(d.bw[0].type, "AS") && d.bw[0].kbps == 128, "session b=AS:128");
    is_int(d.nmedia, 3, "three media sections");
    ok(!d.truncated, "not truncated");
    is_int(d.lines, 29, "29 lines");

    const struct sdp_mdesc *a = &d.media[0];
    is_str(a->type, "audio", "audio: type");
    is_int(a->port, 49170, "audio: port");
    is_int(a->nports, 1, "audio: one port");
    is_str(a->proto, "RTP/SAVP", "audio: proto");
    is_int(a->line, 8, "audio: m= line number");
    is_str(a->conn.addr, "192.0.2.10", "audio: session c= inherited");
    is_int(a->conn_media, 0, "audio: c= not at media level");
    is_int(a->dir, SDP_DIR_SENDRECV, "audio: sendrecv");
    is_int(a->nfmt, 4, "audio: four formats");
    is_int(a->fmt[0].num, 0, "audio: PT 0");
    is_str(a->fmt[0].name, "PCMU", "audio: rtpmap PCMU");
    is_int(a->fmt[1].rate, 0, "audio: PT 8 without rtpmap");
    is_str(a->fmt[2].fmtp, "annexb=no", "audio: fmtp G729");
    is_str(a->fmt[3].name, "telephone-event", "audio: telephone-event");
    is_str(a->fmt[3].fmtp, "0-15", "audio: fmtp 0-15");
    is_int(a->ptime, 20, "audio: ptime");
    is_int(a->maxptime, 40, "audio: maxptime 40.0");
    ok(a->has_rtcp && a->rtcp_port == 53020, "audio: a=rtcp port");
    is_str(a->rtcp_addr, "198.51.100.7", "audio: a=rtcp address");
    is_int(a->rtcp_mux, 0, "audio: no rtcp-mux");
    is_int(a->ncrypto, 2, "audio: two crypto lines");
    is_str(a->crypto_suite[0], "AES_CM_128_HMAC_SHA1_80", "audio: crypto suite 1");
    is_str(a->crypto_suite[1], "AES_CM_128_HMAC_SHA1_32", "audio: crypto suite 2");
    is_int(a->ncandidates, 2, "audio: candidates counted");
    ok(a->has_fingerprint, "audio: session fingerprint applies");
    ok(a->nbw == 1 && slice_eq(a->bw[0].type, "TIAS") && a->bw[0].kbps == 64000, "audio: b=TIAS");
    is_int(a->nattrs, 13, "audio: a= lines counted");
    {
        /* the key material is not reachable from any slice */
        const char *key = strstr(OFFER, "inline:");
        size_t koff = (size_t)(key - OFFER);
        int leak = 0;
        for (unsigned i = 0; i < a->ncrypto; i++) {
            size_t s = (size_t)(a->crypto_suite[i].p - body.p);
            if (s + a->crypto_suite[i].n > koff && s < koff + 40)
                leak = 1;
            if (memchr(a->crypto_suite[i].p, ':', a->crypto_suite[i].n))
                leak = 1;
        }
        ok(!leak, "crypto: suites only, no key bytes");
    }
    is_int(sdp_clock_rate(a, 0), 8000, "clock: rtpmap PCMU");
    is_int(sdp_clock_rate(a, 8), 8000, "clock: static PCMA");
    is_int(sdp_clock_rate(a, 101), 8000, "clock: telephone-event");
    is_int(sdp_clock_rate(a, 99), 0, "clock: unknown dynamic");
    ok(sdp_payload_find(a, 18) == &a->fmt[2], "payload find 18");
    ok(sdp_payload_find(a, 96) == NULL, "payload find absent");
    struct slice ra;
    is_int(sdp_rtcp_port(a, &ra), 53020, "rtcp port from a=rtcp");
    is_str(ra, "198.51.100.7", "rtcp address from a=rtcp");

    const struct sdp_mdesc *v = &d.media[1];
    is_str(v->type, "video", "video: type");
    ok(v->port == 51372 && v->nports == 2, "video: port/count");
    is_str(v->conn.addr, "2001:db8::7", "video: media c= overrides, /ttl stripped");
    is_str(v->conn.addrtype, "IP6", "video: IP6");
    is_int(v->conn_media, 1, "video: media-level c=");
    is_int(v->dir, SDP_DIR_RECVONLY, "video: recvonly");
    ok(v->fmt[1].rate == 48000 && v->fmt[1].channels == 2, "video: rtpmap channels");
    is_int(v->rtcp_mux, 1, "video: rtcp-mux");
    is_int(sdp_rtcp_port(v, NULL), 51372, "rtcp port with mux = RTP port");
    is_int(sdp_clock_rate(v, 96), 90000, "clock: H264 90000");
    const struct sdp_mdesc *app = &d.media[2];
    ok(slice_eq(app->type, "application") && app->port == 0, "application: port 0");
    ok(app->nfmt == 1 && app->fmt[0].num == -1, "application: non-numeric format");
    is_int(sdp_rtcp_port(app, NULL), 0, "rtcp port of a disabled section");
    ok(!sdp_is_hold(&d), "offer: not hold");
    fuzz_all(OFFER, "offer: prefixes and mutations stay in bounds");

    /* ---- T.38 ---- */
    ok(P(T38, &d), "t38: recognised");
    const struct sdp_mdesc *im = &d.media[0];
    ok(slice_eq(im->type, "image") && slice_eq(im->proto, "udptl") && im->port == 4000, "t38: m=image udptl");
    ok(im->nfmt == 1 && slice_eq(im->fmt[0].pt, "t38") && im->fmt[0].num == -1, "t38: format t38");
    ok(im->t38.present, "t38: attributes present");
    is_int(im->t38.version, 0, "t38: T38FaxVersion");
    is_int(im->t38.max_bitrate, 14400, "t38: T38MaxBitRate");
    is_str(im->t38.rate_mgmt, "transferredTCF", "t38: rate management");
    is_int(im->t38.max_buffer, 262, "t38: max buffer");
    is_int(im->t38.max_datagram, 176, "t38: max datagram");
    is_str(im->t38.udp_ec, "t38UDPRedundancy", "t38: UDP EC");
    is_int(im->t38.fill_bit_removal, 1, "t38: fill bit removal flag");
    is_int(im->t38.transcoding_mmr, 0, "t38: MMR :0 (case-insensitive name)");
    is_int(im->t38.transcoding_jbig, 0, "t38: JBIG absent");
    is_int(d.nanoms, 0, "t38: no anomalies");
    is_int(im->line, 6, "t38: LF-only line numbers");
    ok(!sdp_is_hold(&d), "t38: image alone is not hold");
    fuzz_all(T38, "t38: prefixes and mutations stay in bounds");
    ok(P("v=0\r\nc=IN IP4 1.2.3.4\r\na=T38FaxVersion:1\r\na=T38FaxMaxDatagram:x\r\nm=image 5 udptl t38\r\n"
         "a=T38FaxMaxDatagram:300\r\n", &d),
       "t38: session-level attribute");
    ok(d.media[0].t38.version == 1 && d.media[0].t38.max_datagram == 300, "t38: session merged, media wins");
    ok(has_anom(&d, 4, SDP_ANOM_BAD_T38), "t38: bad value noted with line");

    /* ---- hold ---- */
    ok(P("v=0\r\nc=IN IP4 1.1.1.1\r\nm=audio 5 RTP/AVP 0\r\na=sendonly\r\n", &d) && sdp_is_hold(&d), "hold: sendonly");
    is_int(sdp_mdesc_hold(&d.media[0]), SDP_HOLD_SENDONLY, "hold kind: sendonly");
    ok(P("v=0\r\nc=IN IP4 1.1.1.1\r\na=inactive\r\nm=audio 5 RTP/AVP 0\r\n", &d) && sdp_is_hold(&d),
       "hold: session-level inactive");
    is_int(sdp_mdesc_hold(&d.media[0]), SDP_HOLD_INACTIVE, "hold kind: inactive");
    ok(P("v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 5 RTP/AVP 0\r\n", &d) && sdp_is_hold(&d), "hold: c=0.0.0.0 (RFC 2543)");
    is_int(sdp_mdesc_hold(&d.media[0]), SDP_HOLD_ZERO_ADDR, "hold kind: zero address");
    ok(P("v=0\r\nc=IN IP4 1.1.1.1\r\nm=audio 5 RTP/AVP 0\r\na=recvonly\r\n", &d) && !sdp_is_hold(&d),
       "hold: recvonly is not hold");
    ok(P("v=0\r\nc=IN IP4 1.1.1.1\r\nm=audio 5 RTP/AVP 0\r\na=sendonly\r\nm=video 6 RTP/AVP 96\r\n", &d) &&
           !sdp_is_hold(&d),
       "hold: video still sendrecv");
    ok(P("v=0\r\nc=IN IP4 1.1.1.1\r\nm=audio 5 RTP/AVP 0\r\na=sendonly\r\nm=video 0 RTP/AVP 96\r\n", &d) &&
           sdp_is_hold(&d),
       "hold: disabled video ignored");
    ok(P("v=0\r\nc=IN IP4 1.1.1.1\r\nm=audio 0 RTP/AVP 0\r\na=sendonly\r\n", &d) && !sdp_is_hold(&d),
       "hold: no active audio/video");

    /* ---- fingerprint ---- */
    const char *f1 = "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nc=IN IP4 1.1.1.1\r\nt=0 0\r\n"
                     "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";
    const char *f1v = "v=0\r\no=- 1 2 IN IP4 1.1.1.1\r\ns=other\r\nc=IN IP4 1.1.1.1\r\nt=0 0\r\nb=AS:64\r\n"
                      "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 TELEPHONE-EVENT/8000\r\na=fmtp:101 0-15 \r\n"
                      "a=sendrecv\r\na=candidate:1 1 udp 1 1.1.1.1 4000 typ host\r\n";
    const char *f1port = "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nc=IN IP4 1.1.1.1\r\nt=0 0\r\n"
                         "m=audio 4002 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";
    const char *f1hold = "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nc=IN IP4 1.1.1.1\r\nt=0 0\r\n"
                         "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
                         "a=sendonly\r\n";
    const char *f1fmt = "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nc=IN IP4 1.1.1.1\r\nt=0 0\r\n"
                        "m=audio 4000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";
    const char *f1addr = "v=0\r\no=- 1 1 IN IP4 1.1.1.1\r\ns=-\r\nc=IN IP4 1.1.1.2\r\nt=0 0\r\n"
                         "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";
    P(f1, &d);
    uint64_t h1 = sdp_fingerprint(&d);
    P(f1v, &d2);
    ok(sdp_media_equal(&d, &d2), "fingerprint: o= version, s=, b=, case, spaces, explicit sendrecv ignored");
    P(f1port, &d2);
    ok(!sdp_media_equal(&d, &d2), "fingerprint: same o= version, port changed -> different");
    P(f1hold, &d2);
    ok(sdp_fingerprint(&d2) != h1, "fingerprint: direction change detected");
    P(f1fmt, &d2);
    ok(sdp_fingerprint(&d2) != h1, "fingerprint: format change detected");
    P(f1addr, &d2);
    ok(sdp_fingerprint(&d2) != h1, "fingerprint: address change detected");
    P(f1, &d2);
    ok(sdp_fingerprint(&d2) == h1, "fingerprint: deterministic");

    /* ---- anomalies, line numbers ---- */
    const char *bad = "\r\nv=1\r\n"                 /* 2: bad version */
                      "o=- 1\r\n"                   /* 3: bad origin */
                      "bogus\r\n"                   /* 4 */
                      "c=IN IP4\r\n"                /* 5: bad connection */
                      "a=rtpmap:0 PCMU/8000\r\n"    /* 6: media attribute at session level */
                      "b=AS\r\n"                    /* 7 */
                      "m=audio 99999 RTP/AVP\r\n"   /* 8: bad port, no formats */
                      "m=audio 4000/x RTP/AVP 0\r\n" /* 9: bad port count */
                      "a=rtpmap:8 PCMA/8000\r\n"    /* 10: no such format */
                      "a=rtpmap:0 PCMU\r\n"         /* 11: bad rtpmap */
                      "a=fmtp:0\r\n"                /* 12: bad fmtp */
                      "a=ptime:x\r\n"               /* 13 */
                      "a=rtcp:70000\r\n"            /* 14 */
                      "a=crypto:x y\r\n"            /* 15 */
                      "m=video\r\n"                 /* 16: bad media */
                      "s=again\r\n"                 /* 17: s= inside media */
                      "x=\001\r\n"                  /* 18: unknown letter, fine */
                      "A=1\r\n";                    /* 19: upper case type */
    ok(P(bad, &d), "bad: still parsed");
    ok(has_anom(&d, 2, SDP_ANOM_BAD_VERSION), "bad: v=1 at line 2");
    ok(has_anom(&d, 3, SDP_ANOM_BAD_ORIGIN), "bad: o= line 3");
    ok(has_anom(&d, 4, SDP_ANOM_NOT_TYPE_EQ), "bad: bogus line 4");
    ok(has_anom(&d, 5, SDP_ANOM_BAD_CONNECTION), "bad: c= line 5");
    ok(has_anom(&d, 6, SDP_ANOM_MEDIA_ATTR_AT_SESSION), "bad: rtpmap at session line 6");
    ok(has_anom(&d, 7, SDP_ANOM_BAD_BANDWIDTH), "bad: b= line 7");
    ok(has_anom(&d, 8, SDP_ANOM_BAD_PORT) && has_anom(&d, 8, SDP_ANOM_NO_FORMATS), "bad: m= line 8");
    ok(has_anom(&d, 9, SDP_ANOM_BAD_PORT), "bad: port count line 9");
    is_int(d.nanoms, SDP_MAX_ANOMS, "bad: stored anomalies bounded");
    ok(d.anom_total > SDP_MAX_ANOMS, "bad: all anomalies counted");
    is_int(d.media[0].port, 0, "bad: out-of-range port -> 0");
    is_int(d.media[1].port, 4000, "bad: port kept with a bad count");
    ok(!strcmp(sdp_anom_name(SDP_ANOM_BAD_RTPMAP), "sdp-bad-rtpmap"), "anomaly names");
    const char *bad2 = "v=0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU\r\na=fmtp:0\r\n"
                       "a=ptime:x\r\na=rtcp:70000\r\na=crypto:x y\r\nm=video\r\ns=again\r\nA=1\r\nv=0\r\n";
    ok(P(bad2, &d), "bad2: parsed");
    ok(has_anom(&d, 2, SDP_ANOM_NO_CONNECTION), "bad2: no c= anywhere");
    ok(has_anom(&d, 3, SDP_ANOM_RTPMAP_NO_FMT), "bad2: rtpmap for a format not offered");
    ok(has_anom(&d, 4, SDP_ANOM_BAD_RTPMAP), "bad2: rtpmap without rate");
    is_str(d.media[0].fmt[0].name, "PCMU", "bad2: name kept from a rate-less rtpmap");
    ok(has_anom(&d, 5, SDP_ANOM_BAD_FMTP), "bad2: fmtp without params");
    ok(has_anom(&d, 6, SDP_ANOM_BAD_PTIME), "bad2: ptime");
    ok(has_anom(&d, 7, SDP_ANOM_BAD_RTCP), "bad2: rtcp port");
    ok(has_anom(&d, 8, SDP_ANOM_BAD_CRYPTO), "bad2: crypto");
    ok(has_anom(&d, 9, SDP_ANOM_BAD_MEDIA), "bad2: m= without port/proto");
    ok(has_anom(&d, 10, SDP_ANOM_DUP_SESSION_LINE), "bad2: s= in media section");
    ok(has_anom(&d, 11, SDP_ANOM_NOT_TYPE_EQ), "bad2: upper-case type");
    ok(has_anom(&d, 12, SDP_ANOM_DUP_SESSION_LINE), "bad2: second v=");
    {
        static const char nul[] = "v=0\r\nc=IN IP4 1.1.1.1\r\nm=audio 1 RTP/AVP 0\r\na=x\0y\r\n";
        ok(sdp_parse((struct slice){(const uint8_t *)nul, sizeof nul - 1}, &d) && has_anom(&d, 4, SDP_ANOM_NUL_BYTE),
           "nul: NUL byte noted");
    }
    ok(!P("hello", &d) && d.nmedia == 0, "not SDP");
    ok(!sdp_parse(SLICE_NULL, &d), "NULL body");
    ok(P("  \r\n\r\nv=0\nm=audio 1 RTP/AVP 0\nc=IN IP4 1.1.1.1\n", &d) && d.media[0].line == 4,
       "leading blank lines: numbering from the body start");

    /* ---- bounds ---- */
    struct buf big = {0};
    buf_puts(&big, "v=0\r\nc=IN IP4 1.1.1.1\r\n");
    for (int i = 0; i < 40; i++) {
        buf_printf(&big, "m=audio %d RTP/AVP", 1000 + i);
        for (int k = 0; k < 40; k++)
            buf_printf(&big, " %d", k);
        buf_puts(&big, "\r\na=rtpmap:39 X/8000\r\na=sendonly\r\n");
        for (int k = 0; k < 6; k++)
            buf_puts(&big, "b=AS:1\r\na=crypto:1 S inline:K\r\n");
    }
    ok(sdp_parse((struct slice){(const uint8_t *)big.p, big.n}, &d), "bounds: parsed");
    ok(d.truncated && d.nmedia == SDP_FULL_MAX_MEDIA, "bounds: media bounded, truncated");
    ok(d.media[0].nfmt == SDP_FULL_MAX_FMTS && d.media[0].nbw == SDP_MAX_BW && d.media[0].ncrypto == SDP_MAX_CRYPTO,
       "bounds: formats, b=, crypto bounded");
    ok(has_anom(&d, 3, SDP_ANOM_TOO_MANY) && !has_anom(&d, 0, SDP_ANOM_RTPMAP_NO_FMT),
       "bounds: too-many noted once; rtpmap for a dropped format not flagged");
    ok(sdp_is_hold(&d), "bounds: hold over stored sections");
    buf_free(&big);
    return tap_done();
}
