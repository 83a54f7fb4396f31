/*
 * rtp.c - RTP header parsing (see rtp.h).  RFC 3550 §5.1 (fixed header),
 * §5.3.1 (header extension), RFC 8285 §4.2/§4.3 (one/two-byte extension
 * profiles), RFC 3550 A.1 (validity checks), RFC 5761 §4 (demultiplexing),
 * RFC 3551 §6 table 4/5 (static payload types).
 */
#include "dissect/rtp.h"

#include <string.h>

#include "dissect/rd.h"

const char *rtp_err_name(int rc)
{
    switch (rc) {
    case RTP_OK: return "ok";
    case RTP_ERR_SHORT: return "rtp-short";
    case RTP_ERR_VERSION: return "rtp-bad-version";
    case RTP_ERR_CSRC: return "rtp-csrc-overrun";
    case RTP_ERR_EXT: return "rtp-extension-overrun";
    case RTP_ERR_PADDING: return "rtp-bad-padding";
    default: return "rtp-unknown";
    }
}

int rtp_parse(const uint8_t *p, size_t n, struct rtp_hdr *h)
{
    memset(h, 0, sizeof(*h));
    if (!p || n < RTP_HDR_MIN)
        return RTP_ERR_SHORT;
    struct rd r = rd_init(p, n);
    uint8_t b0 = rd_u8(&r), b1 = rd_u8(&r);
    h->version = (uint8_t)(b0 >> 6);
    h->padding = (uint8_t)((b0 >> 5) & 1);
    h->extension = (uint8_t)((b0 >> 4) & 1);
    h->cc = (uint8_t)(b0 & 0x0f);
    h->marker = (uint8_t)(b1 >> 7);
    h->pt = (uint8_t)(b1 & 0x7f);
    h->seq = rd_u16(&r);
    h->ts = rd_u32(&r);
    h->ssrc = rd_u32(&r);
    if (h->version != 2)
        return RTP_ERR_VERSION;
    for (unsigned i = 0; i < h->cc; i++)
        h->csrc[i] = rd_u32(&r);
    if (r.err) {
        memset(h->csrc, 0, sizeof h->csrc);
        return RTP_ERR_CSRC;
    }
    if (h->extension) {
        h->ext_profile = rd_u16(&r);
        uint16_t words = rd_u16(&r);
        if (r.err)
            return RTP_ERR_EXT;
        h->ext_len = (uint32_t)words * 4u;
        if ((h->ext_profile) == 0xBEDE)
            h->ext_kind = RTP_EXT_ONE_BYTE;
        else if ((h->ext_profile & 0xfff0) == 0x1000)
            h->ext_kind = RTP_EXT_TWO_BYTE;
        else
            h->ext_kind = RTP_EXT_OTHER;
        rd_skip(&r, h->ext_len);
        if (r.err)
            return RTP_ERR_EXT;
    }
    h->hdr_len = (uint32_t)(n - rd_left(&r));
    h->payload_off = h->hdr_len;
    size_t body = rd_left(&r);
    if (h->padding) {
        uint8_t pad = p[n - 1];
        if (pad == 0 || pad > body)
            return RTP_ERR_PADDING;
        h->pad_len = pad;
        body -= pad;
    }
    h->payload_len = (uint32_t)body;
    return RTP_OK;
}

int rtp_is_rtcp_in_mux(const uint8_t *p, size_t n)
{
    if (!p || n < 2)
        return 0;
    return p[1] >= 192 && p[1] <= 223;
}

int rtp_looks_valid(const uint8_t *p, size_t n)
{
    struct rtp_hdr h;
    if (n > 65535)
        return 0;
    if (rtp_parse(p, n, &h) != RTP_OK)
        return 0;
    if (rtp_is_rtcp_in_mux(p, n))
        return 0;
    return h.payload_len > 0;
}

int rtp_static_pt(unsigned pt, const char **name, uint32_t *rate, uint8_t *channels)
{
    static const struct {
        uint8_t pt;
        uint8_t ch;
        uint32_t rate;
        const char *name;
    } tab[] = {
        {0, 1, 8000, "PCMU"},   {3, 1, 8000, "GSM"},    {4, 1, 8000, "G723"},  {5, 1, 8000, "DVI4"},
        {6, 1, 16000, "DVI4"},  {7, 1, 8000, "LPC"},    {8, 1, 8000, "PCMA"},  {9, 1, 8000, "G722"},
        {10, 2, 44100, "L16"},  {11, 1, 44100, "L16"},  {12, 1, 8000, "QCELP"}, {13, 1, 8000, "CN"},
        {14, 0, 90000, "MPA"},  {15, 1, 8000, "G728"},  {16, 1, 11025, "DVI4"}, {17, 1, 22050, "DVI4"},
        {18, 1, 8000, "G729"},  {25, 0, 90000, "CelB"}, {26, 0, 90000, "JPEG"}, {28, 0, 90000, "nv"},
        {31, 0, 90000, "H261"}, {32, 0, 90000, "MPV"},  {33, 0, 90000, "MP2T"}, {34, 0, 90000, "H263"},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (tab[i].pt == pt) {
            if (name)
                *name = tab[i].name;
            if (rate)
                *rate = tab[i].rate;
            if (channels)
                *channels = tab[i].ch;
            return 1;
        }
    return 0;
}
