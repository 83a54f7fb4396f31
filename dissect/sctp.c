/*
 * sctp.c - SCTP common header, chunk iteration and DATA / I-DATA decoding
 * (see sctp.h for the contract).
 *
 * RFC 9260 §3 (packet format), §3.1 (common header), §3.2 (chunk
 * header; length excludes the padding, padding <= 3 bytes), §3.3.1
 * (DATA: flags U/B/E, TSN, stream identifier, stream sequence number,
 * payload protocol identifier, user data), RFC 7053 §3 (I bit), RFC 8260
 * §2.1 (I-DATA: TSN, stream identifier, reserved, message identifier,
 * then PPID when B is set or fragment sequence number otherwise).
 */
#include "dissect/sctp.h"

#include <string.h>

int sctp_parse_header(const uint8_t *p, size_t n, struct sctp_hdr *h)
{
    memset(h, 0, sizeof *h);
    if (!p || n < SCTP_HDR_LEN)
        return -1;
    struct rd r = rd_init(p, n);
    h->sport = rd_u16(&r);
    h->dport = rd_u16(&r);
    h->vtag = rd_u32(&r);
    h->checksum = rd_u32(&r);
    return 0;
}

struct rd sctp_chunks(const uint8_t *p, size_t n)
{
    if (!p || n < SCTP_HDR_LEN)
        return (struct rd){p, p, 1};
    return rd_init(p + SCTP_HDR_LEN, n - SCTP_HDR_LEN);
}

int sctp_next_chunk(struct rd *r, struct sctp_chunk *c)
{
    memset(c, 0, sizeof *c);
    if (r->err)
        return -1;
    if (rd_left(r) == 0)
        return 0;
    if (rd_left(r) < 4) {
        r->err = 1;
        return -1;
    }
    uint16_t len = rd_peek16(r, 2);
    if (len < 4 || len > rd_left(r)) {
        r->err = 1;
        return -1;
    }
    c->type = rd_u8(r);
    c->flags = rd_u8(r);
    c->length = rd_u16(r);
    c->value_len = (size_t)len - 4;
    c->value = rd_bytes(r, c->value_len);
    size_t pad = (4 - (len & 3)) & 3;
    if (pad > rd_left(r))
        pad = rd_left(r); /* unpadded last chunk: tolerated */
    rd_skip(r, pad);
    return 1;
}

int sctp_parse_data(const struct sctp_chunk *c, struct sctp_data *d)
{
    memset(d, 0, sizeof *d);
    if (c->type != SCTP_CHUNK_DATA && c->type != SCTP_CHUNK_I_DATA)
        return 0;
    if (!c->value)
        return -1;
    struct rd r = rd_init(c->value, c->value_len);
    d->idata = c->type == SCTP_CHUNK_I_DATA;
    d->begin = !!(c->flags & SCTP_DATA_B);
    d->end = !!(c->flags & SCTP_DATA_E);
    d->unordered = !!(c->flags & SCTP_DATA_U);
    d->immediate = !!(c->flags & SCTP_DATA_I);
    d->tsn = rd_u32(&r);
    d->sid = rd_u16(&r);
    if (d->idata) {
        (void)rd_u16(&r); /* reserved */
        d->mid = rd_u32(&r);
        uint32_t x = rd_u32(&r);
        if (d->begin)
            d->ppid = x;
        else
            d->fsn = x;
    } else {
        d->ssn = rd_u16(&r);
        d->ppid = rd_u32(&r);
    }
    if (r.err || rd_left(&r) == 0) {
        memset(d, 0, sizeof *d);
        return -1;
    }
    d->user = r.p;
    d->user_len = rd_left(&r);
    return 1;
}
