/*
 * t38.c - UDPTL header reading and per-direction counters (see t38.h).
 * ITU-T T.38 §9.1 (UDPTL packet layout), ITU-T X.691 §10.9 (PER length
 * determinant).
 */
#include "src/t38.h"

#include <string.h>

#include "dissect/rd.h"

int udptl_parse(const uint8_t *p, size_t n, struct udptl_hdr *h)
{
    memset(h, 0, sizeof(*h));
    if (!p)
        return 0;
    struct rd r = rd_init(p, n);
    h->seq = rd_u16(&r);
    uint8_t b0 = rd_u8(&r);
    if (r.err)
        return 0;
    uint32_t len;
    if (!(b0 & 0x80)) {
        len = b0;
    } else if ((b0 & 0xc0) == 0x80) {
        uint8_t b1 = rd_u8(&r);
        if (r.err)
            return 0;
        len = (uint32_t)(b0 & 0x3f) << 8 | b1;
    } else {
        h->fragmented = 1;
        h->ifp_off = (uint32_t)(n - rd_left(&r));
        return 1;
    }
    h->ifp_off = (uint32_t)(n - rd_left(&r));
    if (len > rd_left(&r))
        return 0;
    h->ifp_len = len;
    return 1;
}

void t38_counter_init(struct t38_counter *c)
{
    memset(c, 0, sizeof(*c));
}

void t38_counter_add(struct t38_counter *c, int d, const uint8_t *p, size_t n, int64_t ts_ns)
{
    if (d != 0 && d != 1)
        return;
    struct t38_dir *s = &c->dir[d];
    struct udptl_hdr h;
    if (!s->packets)
        s->first_ns = ts_ns;
    s->packets++;
    s->bytes += n;
    s->last_ns = ts_ns;
    if (!udptl_parse(p, n, &h)) {
        s->malformed++;
        return;
    }
    if (!s->have_seq) {
        s->have_seq = 1;
        s->max_seq = h.seq;
        return;
    }
    uint16_t delta = (uint16_t)(h.seq - s->max_seq);
    if (delta == 0) {
        s->duplicates++;
    } else if (delta < 0x8000) {
        s->lost += (uint64_t)delta - 1;
        s->max_seq = h.seq;
    } else {
        s->late++;
        if (s->lost)
            s->lost--; /* a gap filled late */
    }
}
