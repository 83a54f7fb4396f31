/*
 * hep.c - HEP v1/v2/v3 decapsulation (see hep.h for the contract and the
 * wire layouts).
 *
 * HEP3 follows the "HEP3 Network Protocol Specification" rev. 12: §2 the
 * 6-byte control header ("HEP3" + total length), §3 the chunk header
 * (vendor id, type id, length including the header), §4 the generic
 * chunk types.  HEP v1/v2 follow the structs of the reference capture
 * agents (hep_hdr + hep_iphdr/hep_ip6hdr [+ hep_timehdr]); see hep.h for
 * the byte-order assumption of the v2 time block.
 */
#include "dissect/hep.h"

#include <string.h>

#include "dissect/rd.h"

enum {
    HEP_AF_INET = 2,
    HEP_AF_INET6 = 10, /* Linux; what every HEP agent puts on the wire */

    HEP_V12_HDR = 8,   /* hep_hdr */
    HEP_V2_TIME = 12,  /* hep_timehdr incl. 2 bytes of tail padding */
    HEP3_HDR = 6,
    HEP3_CHUNK_HDR = 6,

    CH_FAMILY = 1,
    CH_IP_PROTO = 2,
    CH_IPV4_SRC = 3,
    CH_IPV4_DST = 4,
    CH_IPV6_SRC = 5,
    CH_IPV6_DST = 6,
    CH_SRC_PORT = 7,
    CH_DST_PORT = 8,
    CH_TS_SEC = 9,
    CH_TS_USEC = 10,
    CH_PROTO_TYPE = 11,
    CH_CAPTURE_ID = 12,
    CH_PAYLOAD = 15,
    CH_PAYLOAD_Z = 16,
};

static uint16_t le16(const uint8_t *b)
{
    return (uint16_t)(b[0] | (b[1] << 8));
}

static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static uint32_t be_n(const uint8_t *b, size_t n)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | b[i];
    return v;
}

static int parse_v12(const uint8_t *p, size_t n, struct hep_info *h)
{
    struct rd r = rd_init(p, n);
    uint8_t ver = rd_u8(&r);
    uint8_t hl = rd_u8(&r);
    uint8_t fam = rd_u8(&r);
    uint8_t proto = rd_u8(&r);
    size_t alen;

    if (r.err)
        return 0; /* too short to tell */
    if (fam == HEP_AF_INET)
        alen = 4;
    else if (fam == HEP_AF_INET6)
        alen = 16;
    else
        return 0;
    if (hl != HEP_V12_HDR + 2 * alen)
        return 0;

    h->version = ver;
    h->family = alen == 4 ? 4 : 6;
    h->ip_proto = proto;
    h->sport = rd_u16(&r);
    h->dport = rd_u16(&r);
    const uint8_t *src = rd_bytes(&r, alen);
    const uint8_t *dst = rd_bytes(&r, alen);
    if (!src || !dst)
        return -1;
    memcpy(h->src, src, alen);
    memcpy(h->dst, dst, alen);
    if (ver == 2) {
        const uint8_t *t = rd_bytes(&r, HEP_V2_TIME);
        if (!t)
            return -1;
        h->has_time = 1;
        h->ts_sec = le32(t);
        h->ts_usec = le32(t + 4);
        h->capture_id = le16(t + 8);
    }
    if (rd_left(&r) == 0)
        return -1; /* no payload */
    h->payload = r.p;
    h->payload_len = rd_left(&r);
    h->hep_len = n;
    return 1;
}

static int parse_v3(const uint8_t *p, size_t n, struct hep_info *h)
{
    struct rd r = rd_init(p, n);
    const uint8_t *v4s = NULL, *v4d = NULL, *v6s = NULL, *v6d = NULL;
    int have_payload = 0;
    uint8_t fam = 0;

    rd_skip(&r, 4); /* "HEP3", checked by the caller */
    uint16_t total = rd_u16(&r);
    if (r.err || total < HEP3_HDR || total > n)
        return -1;
    r.end = p + total; /* trailing bytes ignored */
    h->version = 3;

    while (rd_left(&r) > 0) {
        uint16_t vendor = rd_u16(&r);
        uint16_t type = rd_u16(&r);
        uint16_t clen = rd_u16(&r);
        if (r.err || clen < HEP3_CHUNK_HDR)
            return -1;
        size_t vlen = (size_t)clen - HEP3_CHUNK_HDR;
        const uint8_t *v = rd_bytes(&r, vlen);
        if (!v)
            return -1; /* length lies */
        if (vendor != 0)
            continue;
        switch (type) {
        case CH_FAMILY:
        case CH_IP_PROTO:
        case CH_PROTO_TYPE:
            if (vlen != 1)
                return -1;
            if (type == CH_FAMILY)
                fam = v[0] == HEP_AF_INET ? 4 : v[0] == HEP_AF_INET6 ? 6 : 0;
            else if (type == CH_IP_PROTO)
                h->ip_proto = v[0];
            else
                h->proto_type = v[0];
            break;
        case CH_IPV4_SRC:
        case CH_IPV4_DST:
            if (vlen != 4)
                return -1;
            *(type == CH_IPV4_SRC ? &v4s : &v4d) = v;
            break;
        case CH_IPV6_SRC:
        case CH_IPV6_DST:
            if (vlen != 16)
                return -1;
            *(type == CH_IPV6_SRC ? &v6s : &v6d) = v;
            break;
        case CH_SRC_PORT:
        case CH_DST_PORT:
            if (vlen != 2)
                return -1;
            *(type == CH_SRC_PORT ? &h->sport : &h->dport) = (uint16_t)be_n(v, 2);
            break;
        case CH_TS_SEC:
        case CH_TS_USEC:
            if (vlen != 4)
                return -1;
            if (type == CH_TS_SEC) {
                h->ts_sec = be_n(v, 4);
                h->has_time = 1;
            } else {
                h->ts_usec = be_n(v, 4);
            }
            break;
        case CH_CAPTURE_ID:
            if (vlen != 4 && vlen != 2)
                return -1;
            h->capture_id = be_n(v, vlen);
            break;
        case CH_PAYLOAD:
        case CH_PAYLOAD_Z:
            h->payload = v;
            h->payload_len = vlen;
            h->compressed = type == CH_PAYLOAD_Z;
            have_payload = 1;
            break;
        default:
            break; /* auth key, correlation id, vlan, ... */
        }
    }
    if (!have_payload || h->payload_len == 0)
        return -1;

    /* family: the chunk when it agrees with the addresses present */
    int have4 = v4s || v4d, have6 = v6s || v6d;
    if (fam == 4 && !have4 && have6)
        fam = 6;
    else if (fam == 6 && !have6 && have4)
        fam = 4;
    else if (fam == 0)
        fam = have4 ? 4 : have6 ? 6 : 0;
    h->family = fam;
    if (fam == 4) {
        if (v4s)
            memcpy(h->src, v4s, 4);
        if (v4d)
            memcpy(h->dst, v4d, 4);
    } else if (fam == 6) {
        if (v6s)
            memcpy(h->src, v6s, 16);
        if (v6d)
            memcpy(h->dst, v6d, 16);
    }
    h->hep_len = total;
    return 1;
}

int hep_parse(const uint8_t *p, size_t n, struct hep_info *h)
{
    memset(h, 0, sizeof *h);
    if (!p || n == 0)
        return 0;
    if (n >= 4 && memcmp(p, "HEP3", 4) == 0)
        return parse_v3(p, n, h);
    if (p[0] == 1 || p[0] == 2)
        return parse_v12(p, n, h);
    return 0;
}
