/*
 * test_rtp.c - RTP header parsing (dissect/rtp.c): RFC 3550 §5.1 fixed
 * header, CSRC list, §5.3.1 / RFC 8285 one-byte and two-byte header
 * extensions, padding, the A.1 validity heuristics, RFC 5761 §4
 * demultiplexing, the RFC 3551 static payload types.  Every fixture is
 * parsed at every prefix and with every single-byte mutation, each copy
 * in a malloc'd buffer of exactly its size (ASan catches over-reads).
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/rtp.h"
#include "tests/unit/tap.h"

/* V=2, PT 0, seq 0x1234, ts 0xdeadbeef, SSRC 0x01020304, 160 bytes of PCMU */
static uint8_t plain[12 + 160];

/* V=2 X=1 CC=2 M=1 PT=96, one-byte extension (0xBEDE, 1 word), payload 4 */
static const uint8_t ext1[] = {
    0x92, 0xe0, 0x00, 0x01, 0x00, 0x00, 0x03, 0xe8, 0xca, 0xfe, 0xba, 0xbe, /* fixed */
    0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,                         /* CSRCs */
    0xbe, 0xde, 0x00, 0x01, 0x10, 0xff, 0x00, 0x00,                         /* ext: id 1 len 1 */
    0xaa, 0xbb, 0xcc, 0xdd,                                                 /* payload */
};

/* two-byte extension profile 0x1000 with appbits 5, 2 words; padding 3 */
static const uint8_t ext2pad[] = {
    0xb0, 0x08, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, /* P X, PT 8 */
    0x10, 0x05, 0x00, 0x02, 0x01, 0x02, 0xaa, 0xbb, 0x00, 0x00, 0x00, 0x00, /* ext 8 bytes */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x00, 0x00, 0x03,                         /* payload 5 + pad 3 */
};

static void fuzz_all(const uint8_t *fx, size_t n, const char *name)
{
    struct rtp_hdr h;
    size_t bad = 0;
    for (size_t i = 0; i <= n; i++) {
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, fx, i);
        int rc = rtp_parse(p, i, &h);
        if (rc == RTP_OK && (size_t)h.payload_off + h.payload_len + h.pad_len != i)
            bad++;
        (void)rtp_looks_valid(p, i);
        (void)rtp_is_rtcp_in_mux(p, i);
        free(p);
    }
    for (size_t i = 0; i < n; i++)
        for (unsigned v = 0; v < 256; v += 37) {
            uint8_t *p = malloc(n);
            memcpy(p, fx, n);
            p[i] ^= (uint8_t)(v | 1);
            int rc = rtp_parse(p, n, &h);
            if (rc == RTP_OK && (size_t)h.payload_off + h.payload_len + h.pad_len != n)
                bad++;
            (void)rtp_looks_valid(p, n);
            free(p);
        }
    is_int(bad, 0, name);
}

int main(void)
{
    struct rtp_hdr h;
    memset(plain, 0xff, sizeof plain);
    memcpy(plain, "\x80\x00\x12\x34\xde\xad\xbe\xef\x01\x02\x03\x04", 12);

    is_int(rtp_parse(plain, sizeof plain, &h), RTP_OK, "plain: ok");
    is_int(h.version, 2, "plain: version");
    is_int(h.pt, 0, "plain: pt");
    is_int(h.marker, 0, "plain: marker");
    is_int(h.seq, 0x1234, "plain: seq");
    ok(h.ts == 0xdeadbeefu, "plain: timestamp");
    ok(h.ssrc == 0x01020304u, "plain: ssrc");
    is_int(h.hdr_len, 12, "plain: header length");
    is_int(h.payload_len, 160, "plain: payload length");
    ok(rtp_looks_valid(plain, sizeof plain), "plain: looks valid");

    is_int(rtp_parse(ext1, sizeof ext1, &h), RTP_OK, "ext1: ok");
    is_int(h.cc, 2, "ext1: CSRC count");
    ok(h.csrc[0] == 0x11111111u && h.csrc[1] == 0x22222222u, "ext1: CSRCs");
    is_int(h.marker, 1, "ext1: marker");
    is_int(h.pt, 96, "ext1: pt 96");
    is_int(h.ext_kind, RTP_EXT_ONE_BYTE, "ext1: one-byte extension (0xBEDE)");
    is_int(h.ext_len, 4, "ext1: extension length");
    is_int(h.hdr_len, 28, "ext1: header length skips CSRC + extension");
    is_int(h.payload_len, 4, "ext1: payload");
    is_int(ext1[h.payload_off], 0xaa, "ext1: payload offset");

    is_int(rtp_parse(ext2pad, sizeof ext2pad, &h), RTP_OK, "ext2pad: ok");
    is_int(h.ext_kind, RTP_EXT_TWO_BYTE, "ext2pad: two-byte extension (0x100x)");
    is_int(h.ext_profile, 0x1005, "ext2pad: profile with appbits");
    is_int(h.padding, 1, "ext2pad: P");
    is_int(h.pad_len, 3, "ext2pad: pad count");
    is_int(h.payload_len, 5, "ext2pad: payload without padding");
    is_int(h.seq, 0xffff, "ext2pad: seq 65535");

    /* errors */
    is_int(rtp_parse(plain, 11, &h), RTP_ERR_SHORT, "short header");
    is_int(rtp_parse(NULL, 0, &h), RTP_ERR_SHORT, "NULL");
    uint8_t v1[12];
    memcpy(v1, plain, 12);
    v1[0] = 0x40;
    is_int(rtp_parse(v1, 12, &h), RTP_ERR_VERSION, "version 1 rejected");
    is_int(rtp_parse(ext1, 16, &h), RTP_ERR_CSRC, "CSRC list cut");
    is_int(rtp_parse(ext1, 22, &h), RTP_ERR_EXT, "extension header cut");
    is_int(rtp_parse(ext1, 26, &h), RTP_ERR_EXT, "extension body cut");
    uint8_t badpad[16];
    memcpy(badpad, plain, 16);
    badpad[0] = 0xa0;
    badpad[15] = 0;
    is_int(rtp_parse(badpad, 16, &h), RTP_ERR_PADDING, "pad count 0");
    badpad[15] = 5;
    is_int(rtp_parse(badpad, 16, &h), RTP_ERR_PADDING, "pad count beyond payload");
    badpad[15] = 4;
    is_int(rtp_parse(badpad, 16, &h), RTP_OK, "pad count == payload");
    is_int(h.payload_len, 0, "all padding: empty payload");
    ok(!rtp_looks_valid(badpad, 16), "empty payload does not look valid");
    ok(!strcmp(rtp_err_name(RTP_ERR_EXT), "rtp-extension-overrun"), "error names");

    /* RFC 5761 demultiplexing */
    static const uint8_t sr[] = {0x80, 200, 0x00, 0x06};
    static const uint8_t m72[] = {0x80, 0x80 | 72}; /* PT 72 + marker = 200 */
    ok(rtp_is_rtcp_in_mux(sr, sizeof sr), "mux: SR is RTCP");
    ok(rtp_is_rtcp_in_mux(m72, 2), "mux: PT 72 with marker is RTCP (200)");
    ok(!rtp_is_rtcp_in_mux(plain, sizeof plain), "mux: PT 0 is RTP");
    ok(!rtp_is_rtcp_in_mux(ext1, sizeof ext1), "mux: PT 96 + marker (224) is RTP");
    ok(!rtp_is_rtcp_in_mux(sr, 1), "mux: one byte is not enough");
    uint8_t rtcpish[20];
    memcpy(rtcpish, plain, 20);
    rtcpish[1] = 0x80 | 73; /* RR */
    ok(!rtp_looks_valid(rtcpish, 20), "looks_valid: RTCP RR rejected");
    rtcpish[1] = 73; /* PT 73 without marker: 73 < 192, RTP by RFC 5761 */
    ok(rtp_looks_valid(rtcpish, 20), "looks_valid: PT 73 without marker accepted");

    /* static payload types */
    const char *nm = NULL;
    uint32_t rate = 0;
    uint8_t ch = 0;
    ok(rtp_static_pt(0, &nm, &rate, &ch) && !strcmp(nm, "PCMU") && rate == 8000 && ch == 1, "static: 0 PCMU/8000");
    ok(rtp_static_pt(9, &nm, &rate, NULL) && !strcmp(nm, "G722") && rate == 8000, "static: 9 G722 clock 8000");
    ok(rtp_static_pt(18, &nm, &rate, NULL) && !strcmp(nm, "G729"), "static: 18 G729");
    ok(rtp_static_pt(10, NULL, &rate, &ch) && rate == 44100 && ch == 2, "static: 10 L16 stereo");
    ok(rtp_static_pt(34, &nm, &rate, NULL) && rate == 90000, "static: 34 H263/90000");
    ok(!rtp_static_pt(96, &nm, &rate, NULL), "static: 96 is dynamic");
    ok(!rtp_static_pt(2, &nm, &rate, NULL), "static: 2 unassigned");

    fuzz_all(plain, 40, "plain: prefixes and mutations in bounds");
    fuzz_all(ext1, sizeof ext1, "ext1: prefixes and mutations in bounds");
    fuzz_all(ext2pad, sizeof ext2pad, "ext2pad: prefixes and mutations in bounds");
    return tap_done();
}
