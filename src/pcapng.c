/*
 * pcapng.c - pcapng reader (see pcapng.h; format: draft-ietf-opsawg-pcapng,
 * sections 3 and 4: general block structure, SHB, IDB, EPB, SPB, and
 * appendix "Packet Block (obsolete)").
 *
 * Reading model: one block at a time into r->buf.  The 8-byte block
 * header (type, total length) is read first; for a Section Header Block
 * the next 4 bytes (byte-order magic) decide the byte order of that whole
 * section, including the SHB's own length field.  The rest of the block
 * is then read in steps that at most double the bytes already held, so a
 * block that claims 256 MiB in a 100-byte file never allocates more than
 * a few dozen KiB.  Every field is read through get16/get32/get64 with an
 * explicit bound check by the caller against the block body length.
 */
#include "src/pcapng.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"

enum {
    BT_SHB = 0x0A0D0D0A,
    BT_IDB = 1,
    BT_PB = 2,  /* obsolete Packet Block */
    BT_SPB = 3,
    BT_EPB = 6,
    BT_SJE = 9,             /* systemd Journal Export: numbered by Wireshark, skipped here */
    BT_CUSTOM = 0x00000BAD, /* custom block, may be copied: likewise */
    BT_CUSTOM_NC = 0x40000BAD,
};

enum { OPT_ENDOFOPT = 0, OPT_IF_TSRESOL = 9, OPT_IF_TSOFFSET = 14 };

#define BOM 0x1A2B3C4Du
#define SHB_MIN_LEN 28u      /* header 8 + BOM 4 + versions 4 + section length 8 + trailer 4 */
#define READ_STEP 65536u     /* first growth step when reading a block body */

struct pcapng_reader {
    FILE *fp;
    uint8_t *pre;            /* bytes already consumed by the caller, replayed first */
    size_t npre, pre_off;
    uint8_t *buf;            /* the current block, header and trailer included */
    size_t cap;
    int big;                 /* byte order of the current section: 1 = big-endian */
    int in_section;          /* an SHB has been read */
    uint64_t section;
    struct pcapng_iface *ifs;
    size_t nifs, capifs;
    uint64_t off;            /* file offset of the next block */
    uint64_t npkts;
    uint64_t nrecords;       /* npkts + blocks Wireshark also numbers */
    int first_linktype;
    int state;               /* 0 reading, 1 end of file, -1 error */
    int truncated;
    char err[256];           /* our own message, never input bytes */
};

static uint16_t get16(const uint8_t *p, int big)
{
    return big ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t get32(const uint8_t *p, int big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t get64(const uint8_t *p, int big)
{
    return big ? (uint64_t)get32(p, 1) << 32 | get32(p + 4, 1) : (uint64_t)get32(p + 4, 0) << 32 | get32(p, 0);
}

static int fail(struct pcapng_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct pcapng_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->state = -1;
    return -1;
}

/* Read up to n bytes: the replayed prefix first, then the FILE.  Returns
 * the count read; fewer than n means end of file or a read error. */
static size_t rd(struct pcapng_reader *r, uint8_t *dst, size_t n)
{
    size_t got = 0;
    if (r->pre_off < r->npre) {
        size_t k = r->npre - r->pre_off;
        if (k > n)
            k = n;
        memcpy(dst, r->pre + r->pre_off, k);
        r->pre_off += k;
        got = k;
    }
    if (got < n)
        got += fread(dst + got, 1, n - got, r->fp);
    return got;
}

static void reserve(struct pcapng_reader *r, size_t n)
{
    if (n > r->cap) {
        r->buf = xrealloc(r->buf, n);
        r->cap = n;
    }
}

/* A short read at file offset `at` of a block that needed `need` bytes. */
static int short_read(struct pcapng_reader *r, uint64_t blk, uint64_t need, uint64_t have)
{
    if (ferror(r->fp))
        return fail(r, "read error in the block at offset %llu: %s", (unsigned long long)blk, strerror(errno));
    r->truncated = 1;
    return fail(r, "truncated: the block at offset %llu needs %llu bytes, the file ends after %llu",
                (unsigned long long)blk, (unsigned long long)need, (unsigned long long)have);
}

/*
 * Read the next whole block into r->buf.  Returns 1 with *type and *len
 * set (the block is r->buf[0..len), length fields validated, the SHB's
 * byte order in *big), 0 at a clean end of file (no byte of a next
 * block), -1 on error.
 */
static int read_block(struct pcapng_reader *r, uint32_t *type, uint32_t *len, int *big)
{
    reserve(r, 64);
    size_t have = rd(r, r->buf, 8);
    if (have == 0 && !ferror(r->fp))
        return 0;
    if (have < 8)
        return short_read(r, r->off, 8, have);
    *big = r->big;
    *type = get32(r->buf, r->big);
    if (*type == BT_SHB) { /* palindromic: the same in both byte orders */
        size_t k = rd(r, r->buf + 8, 4);
        have += k;
        if (k < 4)
            return short_read(r, r->off, 12, have);
        uint32_t bom = get32(r->buf + 8, 1);
        if (bom == BOM)
            *big = 1;
        else if (bom == 0x4D3C2B1Au)
            *big = 0;
        else
            return fail(r, "section header at offset %llu: bad byte-order magic 0x%08x",
                        (unsigned long long)r->off, bom);
    } else if (!r->in_section) {
        return fail(r, "not a pcapng file: it does not start with a Section Header Block");
    }
    *len = get32(r->buf + 4, *big);
    if (*len < 12 || *len % 4 != 0 || *len > PCAPNG_MAX_BLOCK)
        return fail(r, "block at offset %llu (type 0x%08x): invalid total length %u "
                    "(must be a multiple of 4, at least 12 and at most %u)",
                    (unsigned long long)r->off, *type, *len, PCAPNG_MAX_BLOCK);
    if (*type == BT_SHB && *len < SHB_MIN_LEN)
        return fail(r, "section header at offset %llu: total length %u is below the minimum %u",
                    (unsigned long long)r->off, *len, SHB_MIN_LEN);
    while (have < *len) {
        size_t want = have * 2 > READ_STEP ? have * 2 : READ_STEP;
        if (want > *len)
            want = *len;
        reserve(r, want);
        size_t k = rd(r, r->buf + have, want - have);
        have += k;
        if (have < want)
            return short_read(r, r->off, *len, have);
    }
    uint32_t trail = get32(r->buf + *len - 4, *big);
    if (trail != *len)
        return fail(r, "block at offset %llu (type 0x%08x): total length %u differs from its trailing copy %u",
                    (unsigned long long)r->off, *type, *len, trail);
    return 1;
}

int64_t pcapng_ts_to_ns(uint64_t raw, uint8_t tsresol, int64_t tsoffset)
{
    static const uint64_t pow10[20] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
        1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
        100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
        1000000000000000000ull, 10000000000000000000ull,
    };
    unsigned e = tsresol & 0x7f;
    uint64_t sec, ns;
    if (tsresol & 0x80) { /* units of 2^-e s */
        uint64_t frac;
        if (e >= 64) {
            sec = 0;
            frac = raw;
        } else {
            sec = raw >> e;
            frac = e ? raw & ((1ull << e) - 1) : 0;
        }
        if (e <= 32) {
            ns = e ? (frac * 1000000000ull) >> e : 0; /* frac < 2^32: no overflow */
        } else {
            /* floor(frac * 1e9 / 2^e) exactly, in two 32-bit halves */
            uint64_t hi = frac >> 32, lo = frac & 0xffffffffu;
            uint64_t t = hi * 1000000000ull + ((lo * 1000000000ull) >> 32);
            ns = e - 32 < 64 ? t >> (e - 32) : 0;
        }
    } else if (e <= 19) { /* units of 10^-e s */
        sec = raw / pow10[e];
        uint64_t frac = raw % pow10[e];
        ns = e <= 9 ? frac * pow10[9 - e] : frac / pow10[e - 9];
    } else { /* 10^e > 2^64 > raw: under a second */
        sec = 0;
        ns = raw;
        for (unsigned k = e - 9; k && ns; k--)
            ns /= 10;
    }
    /* seconds + offset, then * 1e9 + ns, saturating */
    const int64_t smax = INT64_MAX / 1000000000 - 1, smin = INT64_MIN / 1000000000; /* 9223372035, -9223372036 */
    int64_t s = sec > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)sec;
    if (tsoffset > 0 && s > INT64_MAX - tsoffset)
        s = INT64_MAX;
    else
        s += tsoffset; /* s >= 0, so s + a negative offset cannot underflow */
    if (s > smax)
        return INT64_MAX;
    if (s < smin)
        return INT64_MIN;
    return s * 1000000000 + (int64_t)ns;
}

struct pcapng_reader *pcapng_open(FILE *fp, const void *prefix, size_t nprefix)
{
    struct pcapng_reader *r = xcalloc(1, sizeof(*r));
    r->fp = fp;
    if (nprefix) {
        r->pre = xmemdup(prefix, nprefix);
        r->npre = nprefix;
    }
    r->first_linktype = -1;
    return r;
}

void pcapng_close(struct pcapng_reader *r)
{
    if (!r)
        return;
    free(r->pre);
    free(r->buf);
    free(r->ifs);
    free(r);
}

const char *pcapng_error(const struct pcapng_reader *r)
{
    return r->state < 0 ? r->err : "";
}

int pcapng_truncated(const struct pcapng_reader *r)
{
    return r->truncated;
}

int pcapng_first_linktype(const struct pcapng_reader *r)
{
    return r->first_linktype;
}

uint64_t pcapng_packets(const struct pcapng_reader *r)
{
    return r->npkts;
}

/* IDB body (after the 8-byte block header, `n` bytes without the trailer). */
static int parse_idb(struct pcapng_reader *r, const uint8_t *b, size_t n)
{
    if (n < 8)
        return fail(r, "interface description at offset %llu: block too short (%zu body bytes)",
                    (unsigned long long)r->off, n);
    if (r->nifs >= PCAPNG_MAX_IFACES)
        return fail(r, "interface description at offset %llu: more than %u interfaces in one section",
                    (unsigned long long)r->off, PCAPNG_MAX_IFACES);
    struct pcapng_iface ifc = {
        .linktype = get16(b, r->big),
        .snaplen = get32(b + 4, r->big),
        .tsresol = 6,
        .tsoffset = 0,
        .id = (uint32_t)r->nifs,
        .section = r->section,
        .user = 0,
    };
    /* Options: code(2) length(2) value padded to 4.  A malformed option
     * list only loses the options, never the interface. */
    const uint8_t *p = b + 8;
    size_t left = n - 8;
    while (left >= 4) {
        uint16_t code = get16(p, r->big), olen = get16(p + 2, r->big);
        p += 4;
        left -= 4;
        if (code == OPT_ENDOFOPT)
            break;
        size_t padded = ((size_t)olen + 3) & ~(size_t)3;
        if (padded > left)
            break;
        if (code == OPT_IF_TSRESOL && olen == 1)
            ifc.tsresol = p[0];
        else if (code == OPT_IF_TSOFFSET && olen == 8)
            ifc.tsoffset = (int64_t)get64(p, r->big);
        p += padded;
        left -= padded;
    }
    r->ifs = xgrow(r->ifs, &r->capifs, r->nifs + 1, sizeof(*r->ifs));
    r->ifs[r->nifs++] = ifc;
    if (r->first_linktype < 0)
        r->first_linktype = ifc.linktype;
    return 0;
}

static int iface_check(struct pcapng_reader *r, uint32_t id, const char *what)
{
    if (id >= r->nifs)
        return fail(r, "%s at offset %llu: interface %u is not defined (%zu interface%s in this section)", what,
                    (unsigned long long)r->off, id, r->nifs, r->nifs == 1 ? "" : "s");
    return 0;
}

int pcapng_next(struct pcapng_reader *r, struct pcapng_packet *pkt)
{
    if (r->state)
        return r->state < 0 ? -1 : 0;
    for (;;) {
        uint32_t type = 0, len = 0;
        int big = 0;
        int rc = read_block(r, &type, &len, &big);
        if (rc <= 0) {
            if (rc == 0)
                r->state = 1;
            return rc;
        }
        const uint8_t *b = r->buf + 8;
        size_t n = len - 12; /* body length, trailer excluded */
        uint64_t at = r->off;
        memset(pkt, 0, sizeof(*pkt));
        pkt->offset = at;
        switch (type) {
        case BT_SHB: {
            uint16_t major = get16(b + 4, big), minor = get16(b + 6, big);
            if (major != 1)
                return fail(r, "section header at offset %llu: unsupported pcapng version %u.%u",
                            (unsigned long long)at, major, minor);
            r->big = big;
            r->in_section = 1;
            r->section++;
            r->nifs = 0; /* interface ids are per section */
            break;
        }
        case BT_IDB:
            if (parse_idb(r, b, n) < 0)
                return -1;
            break;
        case BT_EPB:
        case BT_PB: {
            const char *what = type == BT_EPB ? "enhanced packet block" : "packet block";
            if (n < 20)
                return fail(r, "%s at offset %llu: block too short (%zu body bytes)", what, (unsigned long long)at, n);
            uint32_t id = type == BT_EPB ? get32(b, r->big) : get16(b, r->big);
            if (iface_check(r, id, what) < 0)
                return -1;
            uint64_t raw = (uint64_t)get32(b + 4, r->big) << 32 | get32(b + 8, r->big);
            uint32_t caplen = get32(b + 12, r->big);
            if (caplen > n - 20)
                return fail(r, "%s at offset %llu: captured length %u exceeds the block (%zu bytes of room)", what,
                            (unsigned long long)at, caplen, n - 20);
            pkt->iface = &r->ifs[id];
            pkt->has_ts = 1;
            pkt->ts_ns = pcapng_ts_to_ns(raw, pkt->iface->tsresol, pkt->iface->tsoffset);
            pkt->caplen = caplen;
            pkt->len = get32(b + 16, r->big);
            pkt->data = b + 20;
            break;
        }
        case BT_SPB: {
            if (n < 4)
                return fail(r, "simple packet block at offset %llu: block too short", (unsigned long long)at);
            if (iface_check(r, 0, "simple packet block") < 0)
                return -1;
            pkt->iface = &r->ifs[0];
            pkt->len = get32(b, r->big);
            size_t room = n - 4;
            uint32_t caplen = pkt->len;
            if (caplen > room)
                caplen = (uint32_t)room; /* room < PCAPNG_MAX_BLOCK */
            if (pkt->iface->snaplen && caplen > pkt->iface->snaplen)
                caplen = pkt->iface->snaplen;
            pkt->caplen = caplen;
            pkt->data = b + 4;
            break;
        }
        case BT_SJE:
        case BT_CUSTOM:
        case BT_CUSTOM_NC:
            r->nrecords++; /* a frame number in Wireshark, not a packet */
            break;
        default:
            break; /* NRB, ISB, DSB and unknown blocks: skipped */
        }
        r->off += len;
        if (pkt->iface) {
            pkt->linktype = pkt->iface->linktype;
            r->npkts++;
            pkt->record = ++r->nrecords;
            return 1;
        }
    }
}
