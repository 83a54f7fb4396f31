/*
 * test_sdp.c - SDP summary: session/media c=, m= formats, rtpmap,
 * direction, malformed lines, bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "dissect/sdp.h"
#include "render/ladder.h"
#include "src/base/buf.h"
#include "tests/unit/tap.h"

static const char SDP1[] =
    "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
    "a=sendonly\r\n"
    "m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
    "m=video 5000/2 RTP/AVP 96\r\nc=IN IP4 10.0.0.9/127\r\na=rtpmap:96 H264/90000\r\na=inactive\r\n";

int main(void)
{
    struct sdp_summary s;
    struct slice b = {(const uint8_t *)SDP1, sizeof SDP1 - 1};
    ok(sdp_summarize(b, &s), "sdp: recognised");
    is_int(s.nmedia, 2, "sdp: two media");
    is_str(s.media[0].type, "audio", "sdp: audio");
    is_int(s.media[0].port, 4000, "sdp: port");
    is_str(s.media[0].addr, "10.0.0.1", "sdp: session c= inherited");
    is_int(s.media[0].dir, SDP_DIR_SENDONLY, "sdp: session direction inherited");
    is_int(s.media[0].nfmt, 3, "sdp: three formats");
    is_str(s.media[0].fmt[2].name, "telephone-event", "sdp: rtpmap name");
    is_int(s.media[0].fmt[2].rate, 8000, "sdp: rtpmap rate");
    is_str(s.media[1].addr, "10.0.0.9", "sdp: media c= overrides, TTL stripped");
    is_int(s.media[1].port, 5000, "sdp: port with /count");
    is_int(s.media[1].dir, SDP_DIR_INACTIVE, "sdp: media direction");
    struct buf n = {0};
    sdp_note(&n, b);
    is_str(slice_cstr(n.p), "PCMU,PCMA,telephone-event 10.0.0.1:4000 sendonly; video H264 10.0.0.9:5000 inactive",
           "sdp: ladder note");
    buf_free(&n);
    ok(!sdp_summarize((struct slice){(const uint8_t *)"hello", 5}, &s), "sdp: non-SDP rejected");
    const char bad[] = "v=0\nbogus line\nm=audio 99999 RTP/AVP\nm=audio\n";
    ok(sdp_summarize((struct slice){(const uint8_t *)bad, sizeof bad - 1}, &s), "sdp: malformed still summarised");
    is_int(s.anomalies, 1, "sdp: bad line counted");
    is_int(s.media[0].port, 0, "sdp: out-of-range port -> 0");
    /* many m= lines are bounded */
    struct buf big = {0};
    buf_puts(&big, "v=0\r\n");
    for (int i = 0; i < 50; i++)
        buf_printf(&big, "m=audio %d RTP/AVP 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14\r\n", 1000 + i);
    ok(sdp_summarize((struct slice){(const uint8_t *)big.p, big.n}, &s) && s.truncated && s.nmedia == SDP_MAX_MEDIA,
       "sdp: media and formats bounded, truncation flagged");
    /* every prefix */
    for (size_t i = 0; i <= sizeof SDP1 - 1; i++) {
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, SDP1, i);
        sdp_summarize((struct slice){p, i}, &s);
        free(p);
    }
    ok(1, "sdp: every prefix parsed without fault");
    buf_free(&big);
    return tap_done();
}
