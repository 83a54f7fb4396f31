/*
 * pcapw.c - tiny classic-pcap writer (see pcapw.h): Ethernet, IPv4/IPv6
 * (and their fragments), UDP, TCP, SCTP, plus WebSocket frame and HEP3
 * packet builders.
 */
#include "pcapw.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETH_HLEN 14U
#define IP4_HLEN 20U
#define IP6_HLEN 40U
#define UDP_HLEN 8U
#define TCP_HLEN 20U
#define SCTP_HLEN 12U
#define FRAG6_HLEN 8U
#define MAX_FRAME (ETH_HLEN + 65535U + IP6_HLEN)

struct pcapw {
    FILE *f;
    int failed;
    uint16_t next_id;
    uint64_t records;
    char err[160];
    uint8_t frame[MAX_FRAME];
};

/* ---- little helpers --------------------------------------------------- */

static void set_err(pcapw *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err, sizeof w->err, fmt, ap);
    va_end(ap);
}

static void le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v & 0xff);
    p[1] = (uint8_t)((v >> 8) & 0xff);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, v & 0xffff);
    le16(p + 2, (v >> 16) & 0xffff);
}

static void be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)((v >> 8) & 0xff);
    p[1] = (uint8_t)(v & 0xff);
}

static void be32(uint8_t *p, uint32_t v)
{
    be16(p, v >> 16);
    be16(p + 2, v & 0xffff);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int parse_v4(const char *s, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            v = v * 10 + (unsigned)(*s - '0');
            if (++digits > 3 || v > 255)
                return -1;
            s++;
        }
        out[i] = (uint8_t)v;
        if (i < 3) {
            if (*s != '.')
                return -1;
            s++;
        }
    }
    return *s ? -1 : 0;
}

/* RFC 4291 §2.2 text forms, including "::" and a trailing dotted quad. */
static int parse_v6(const char *s, uint8_t out[16])
{
    uint16_t g[8] = {0};
    int n = 0, gap = -1;
    if (s[0] == ':') {
        if (s[1] != ':')
            return -1;
        gap = 0;
        s += 2;
        if (!*s)
            goto done;
    }
    for (;;) {
        if (n >= 8)
            return -1;
        /* dotted quad tail? */
        const char *q = s;
        while (*q && *q != ':' && *q != '.')
            q++;
        if (*q == '.') {
            uint8_t v4[4];
            if (n > 6 || parse_v4(s, v4) != 0)
                return -1;
            g[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
            g[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
            break;
        }
        unsigned v = 0;
        int digits = 0, h;
        while ((h = hexval((unsigned char)*s)) >= 0) {
            v = v << 4 | (unsigned)h;
            if (++digits > 4)
                return -1;
            s++;
        }
        if (!digits)
            return -1;
        g[n++] = (uint16_t)v;
        if (!*s)
            break;
        if (*s != ':')
            return -1;
        s++;
        if (*s == ':') {
            if (gap >= 0)
                return -1;
            gap = n;
            s++;
            if (!*s)
                break;
        }
    }
done:
    if (gap >= 0) {
        if (n >= 8)
            return -1;
        int tail = n - gap;
        memmove(&g[8 - tail], &g[gap], (size_t)tail * sizeof g[0]);
        for (int i = gap; i < 8 - tail; i++)
            g[i] = 0;
    } else if (n != 8) {
        return -1;
    }
    for (int i = 0; i < 8; i++)
        be16(&out[2 * i], g[i]);
    return 0;
}

int pcapw_addr_parse(const char *text, pcapw_addr *out)
{
    if (!text || !out)
        return -1;
    pcapw_addr a;
    memset(&a, 0, sizeof a);
    if (strchr(text, ':')) {
        if (strlen(text) > 45 || parse_v6(text, a.addr) != 0)
            return -1;
        a.family = 6;
    } else {
        if (parse_v4(text, a.addr) != 0)
            return -1;
        a.family = 4;
    }
    *out = a;
    return 0;
}

/* One's-complement sum of a byte range, continuing from sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    while (n > 1) {
        sum += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        n -= 2;
        if (sum & 0x80000000U)
            sum = (sum & 0xffff) + (sum >> 16);
    }
    if (n)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t pcapw_l4_checksum(const pcapw_addr *src, const pcapw_addr *dst, uint8_t proto, const void *l4,
                           size_t len)
{
    uint8_t ph[40];
    size_t pn;
    if (src->family == 6) {
        memcpy(ph, src->addr, 16);
        memcpy(ph + 16, dst->addr, 16);
        ph[32] = (uint8_t)(len >> 24);
        ph[33] = (uint8_t)(len >> 16);
        ph[34] = (uint8_t)(len >> 8);
        ph[35] = (uint8_t)len;
        ph[36] = ph[37] = ph[38] = 0;
        ph[39] = proto;
        pn = 40;
    } else {
        memcpy(ph, src->addr, 4);
        memcpy(ph + 4, dst->addr, 4);
        ph[8] = 0;
        ph[9] = proto;
        be16(ph + 10, (uint32_t)len);
        pn = 12;
    }
    uint32_t sum = csum_add(0, ph, pn);
    sum = csum_add(sum, (const uint8_t *)l4, len);
    return csum_fold(sum);
}

/* ---- file ------------------------------------------------------------- */

pcapw *pcapw_open(const char *path, char *err, size_t errlen)
{
    pcapw *w = calloc(1, sizeof *w);
    if (!w) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->f = fopen(path, "wb");
    if (!w->f) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(w);
        return NULL;
    }
    uint8_t h[24];
    le32(h, PCAPW_MAGIC_NSEC);
    le16(h + 4, 2);
    le16(h + 6, 4);
    le32(h + 8, 0);  /* thiszone */
    le32(h + 12, 0); /* sigfigs */
    le32(h + 16, PCAPW_SNAPLEN);
    le32(h + 20, PCAPW_LINKTYPE_ETHERNET);
    if (fwrite(h, 1, sizeof h, w->f) != sizeof h) {
        if (err && errlen)
            snprintf(err, errlen, "%s: write failed", path);
        fclose(w->f);
        free(w);
        return NULL;
    }
    w->next_id = 1;
    return w;
}

int pcapw_write_frame(pcapw *w, pcapw_ts ts, const void *frame, size_t len)
{
    if (!w || w->failed)
        return -1;
    if (ts.nsec >= 1000000000U || ts.sec > 0xffffffffULL) {
        set_err(w, "timestamp out of range");
        return -1; /* a bad argument does not poison the writer */
    }
    if (len > PCAPW_SNAPLEN) {
        set_err(w, "frame of %zu bytes exceeds the snaplen", len);
        return -1;
    }
    uint8_t rh[16];
    le32(rh, (uint32_t)ts.sec);
    le32(rh + 4, ts.nsec);
    le32(rh + 8, (uint32_t)len);
    le32(rh + 12, (uint32_t)len);
    if (fwrite(rh, 1, sizeof rh, w->f) != sizeof rh || (len && fwrite(frame, 1, len, w->f) != len)) {
        set_err(w, "write failed: %s", strerror(errno));
        w->failed = 1;
        return -1;
    }
    w->records++;
    return 0;
}

/* Locally administered, deterministic MAC derived from an IP address. */
static void mac_for(uint8_t mac[6], const pcapw_addr *a)
{
    const uint8_t *tail = a->family == 6 ? a->addr + 12 : a->addr;
    mac[0] = 0x02;
    mac[1] = a->family == 6 ? 0x06 : 0x04;
    memcpy(mac + 2, tail, 4);
}

int pcapw_write_ip(pcapw *w, pcapw_ts ts, const pcapw_addr *src, const pcapw_addr *dst, uint8_t proto,
                   const pcapw_ip_opts *opts, const void *l4, size_t len)
{
    if (!w || w->failed)
        return -1;
    if (!src || !dst || (src->family != 4 && src->family != 6) || src->family != dst->family) {
        set_err(w, "bad or mixed address families");
        return -1;
    }
    if (len && !l4) {
        set_err(w, "no payload");
        return -1;
    }
    pcapw_ip_opts o;
    memset(&o, 0, sizeof o);
    if (opts)
        o = *opts;
    uint8_t ttl = o.ttl ? o.ttl : 64;
    uint8_t *fr = w->frame;
    size_t ip_hlen = src->family == 4 ? IP4_HLEN : IP6_HLEN;
    if ((src->family == 4 && len > 65535U - IP4_HLEN) || (src->family == 6 && len > 65535U)) {
        set_err(w, "IP payload of %zu bytes is too large", len);
        return -1;
    }
    mac_for(fr, dst);
    mac_for(fr + 6, src);
    be16(fr + 12, src->family == 4 ? 0x0800 : 0x86dd);
    uint8_t *ip = fr + ETH_HLEN;
    if (src->family == 4) {
        uint16_t id = o.id_set ? o.id : w->next_id++;
        uint32_t ff = (uint32_t)(o.frag_off & 0x1fff) | (o.more_frags ? 0x2000U : 0) | (o.dont_frag ? 0x4000U : 0);
        ip[0] = 0x45;
        ip[1] = 0;
        be16(ip + 2, (uint32_t)(IP4_HLEN + len));
        be16(ip + 4, id);
        be16(ip + 6, ff);
        ip[8] = ttl;
        ip[9] = proto;
        ip[10] = ip[11] = 0;
        memcpy(ip + 12, src->addr, 4);
        memcpy(ip + 16, dst->addr, 4);
        be16(ip + 10, csum_fold(csum_add(0, ip, IP4_HLEN)));
    } else {
        ip[0] = 0x60;
        ip[1] = ip[2] = ip[3] = 0;
        be16(ip + 4, (uint32_t)len);
        ip[6] = proto;
        ip[7] = ttl;
        memcpy(ip + 8, src->addr, 16);
        memcpy(ip + 24, dst->addr, 16);
    }
    if (len)
        memcpy(ip + ip_hlen, l4, len);
    return pcapw_write_frame(w, ts, fr, ETH_HLEN + ip_hlen + len);
}

int pcapw_write_udp(pcapw *w, pcapw_ts ts, const pcapw_ep *src, const pcapw_ep *dst, const void *payload,
                    size_t len)
{
    if (!w || w->failed)
        return -1;
    if (!src || !dst || src->ip.family != dst->ip.family || (src->ip.family != 4 && src->ip.family != 6)) {
        set_err(w, "bad or mixed address families");
        return -1;
    }
    size_t max = src->ip.family == 4 ? PCAPW_UDP4_MAX_PAYLOAD : PCAPW_UDP6_MAX_PAYLOAD;
    if (len > max) {
        set_err(w, "UDP payload of %zu bytes is too large", len);
        return -1;
    }
    if (len && !payload) {
        set_err(w, "no payload");
        return -1;
    }
    uint8_t *u = malloc(UDP_HLEN + len);
    if (!u) {
        set_err(w, "out of memory");
        return -1;
    }
    be16(u, src->port);
    be16(u + 2, dst->port);
    be16(u + 4, (uint32_t)(UDP_HLEN + len));
    u[6] = u[7] = 0;
    if (len)
        memcpy(u + UDP_HLEN, payload, len);
    if (src->ip.family == 6) {
        uint16_t c = pcapw_l4_checksum(&src->ip, &dst->ip, PCAPW_IPPROTO_UDP, u, UDP_HLEN + len);
        be16(u + 6, c ? c : 0xffff);
    }
    int rc = pcapw_write_ip(w, ts, &src->ip, &dst->ip, PCAPW_IPPROTO_UDP, NULL, u, UDP_HLEN + len);
    free(u);
    return rc;
}

uint64_t pcapw_records(const pcapw *w)
{
    return w ? w->records : 0;
}

const char *pcapw_error(const pcapw *w)
{
    return w ? w->err : "no writer";
}

int pcapw_close(pcapw *w)
{
    if (!w)
        return -1;
    int rc = w->failed ? -1 : 0;
    if (fflush(w->f) != 0)
        rc = -1;
    if (fclose(w->f) != 0)
        rc = -1;
    free(w);
    return rc;
}

/* ---- TCP ----------------------------------------------------------------- */

static int same_family(const pcapw_ep *src, const pcapw_ep *dst)
{
    return src && dst && (src->ip.family == 4 || src->ip.family == 6) && src->ip.family == dst->ip.family;
}

size_t pcapw_build_tcp(const pcapw_ep *src, const pcapw_ep *dst, const pcapw_tcp *tcp, const void *payload,
                       size_t len, uint8_t *out, size_t cap)
{
    if (!same_family(src, dst) || !tcp || !out || (len && !payload) || len > PCAPW_TCP_MAX_PAYLOAD)
        return 0;
    size_t hl = TCP_HLEN + (tcp->mss ? 4U : 0U);
    if (cap < hl || cap - hl < len)
        return 0;
    be16(out, src->port);
    be16(out + 2, dst->port);
    be32(out + 4, tcp->seq);
    be32(out + 8, tcp->ack);
    out[12] = (uint8_t)((hl / 4) << 4);
    out[13] = tcp->flags;
    be16(out + 14, tcp->window ? tcp->window : 65535U);
    out[16] = out[17] = 0; /* checksum */
    out[18] = out[19] = 0; /* urgent pointer */
    if (tcp->mss) {
        out[20] = 2; /* kind MSS */
        out[21] = 4;
        be16(out + 22, tcp->mss);
    }
    if (len)
        memcpy(out + hl, payload, len);
    be16(out + 16, pcapw_l4_checksum(&src->ip, &dst->ip, PCAPW_IPPROTO_TCP, out, hl + len));
    return hl + len;
}

int pcapw_write_tcp(pcapw *w, pcapw_ts ts, const pcapw_ep *src, const pcapw_ep *dst, const pcapw_tcp *tcp,
                    const void *payload, size_t len)
{
    if (!w || w->failed)
        return -1;
    if (!same_family(src, dst) || !tcp) {
        set_err(w, "bad or mixed address families");
        return -1;
    }
    size_t cap = TCP_HLEN + 4U + len;
    uint8_t *seg = malloc(cap);
    if (!seg) {
        set_err(w, "out of memory");
        return -1;
    }
    size_t n = pcapw_build_tcp(src, dst, tcp, payload, len, seg, cap);
    int rc;
    if (!n) {
        set_err(w, "bad TCP segment (%zu payload bytes)", len);
        rc = -1;
    } else {
        rc = pcapw_write_ip(w, ts, &src->ip, &dst->ip, PCAPW_IPPROTO_TCP, NULL, seg, n);
    }
    free(seg);
    return rc;
}

/* ---- UDP datagram builder ------------------------------------------------ */

size_t pcapw_build_udp(const pcapw_ep *src, const pcapw_ep *dst, const void *payload, size_t len, uint8_t *out,
                       size_t cap)
{
    if (!same_family(src, dst) || !out || (len && !payload) || len > 65535U - UDP_HLEN)
        return 0;
    if (cap < UDP_HLEN || cap - UDP_HLEN < len)
        return 0;
    be16(out, src->port);
    be16(out + 2, dst->port);
    be16(out + 4, (uint32_t)(UDP_HLEN + len));
    out[6] = out[7] = 0;
    if (len)
        memcpy(out + UDP_HLEN, payload, len);
    uint16_t c = pcapw_l4_checksum(&src->ip, &dst->ip, PCAPW_IPPROTO_UDP, out, UDP_HLEN + len);
    be16(out + 6, c ? c : 0xffff);
    return UDP_HLEN + len;
}

/* ---- IP fragments -------------------------------------------------------- */

int pcapw_write_ip4_fragment(pcapw *w, pcapw_ts ts, const pcapw_addr *src, const pcapw_addr *dst, uint8_t proto,
                             uint16_t id, uint32_t offset, int more, const void *data, size_t len)
{
    if (!w || w->failed)
        return -1;
    if (!src || src->family != 4) {
        set_err(w, "IPv4 fragment needs IPv4 addresses");
        return -1;
    }
    if (offset % 8 || offset / 8 > 0x1fffU || offset + len > 65535U - IP4_HLEN) {
        set_err(w, "bad IPv4 fragment offset %u (+%zu bytes)", offset, len);
        return -1;
    }
    pcapw_ip_opts o;
    memset(&o, 0, sizeof o);
    o.id_set = 1;
    o.id = id;
    o.frag_off = (uint16_t)(offset / 8);
    o.more_frags = more ? 1 : 0;
    return pcapw_write_ip(w, ts, src, dst, proto, &o, data, len);
}

int pcapw_write_ip6_fragment(pcapw *w, pcapw_ts ts, const pcapw_addr *src, const pcapw_addr *dst,
                             uint8_t next_header, uint32_t id, uint32_t offset, int more, const void *data,
                             size_t len)
{
    if (!w || w->failed)
        return -1;
    if (!src || src->family != 6) {
        set_err(w, "IPv6 fragment needs IPv6 addresses");
        return -1;
    }
    if (offset % 8 || offset > 0xfff8U || len > 65535U - FRAG6_HLEN || (len && !data)) {
        set_err(w, "bad IPv6 fragment offset %u (+%zu bytes)", offset, len);
        return -1;
    }
    uint8_t *b = malloc(FRAG6_HLEN + len);
    if (!b) {
        set_err(w, "out of memory");
        return -1;
    }
    b[0] = next_header;
    b[1] = 0;
    be16(b + 2, (offset & 0xfff8U) | (more ? 1U : 0U));
    be32(b + 4, id);
    if (len)
        memcpy(b + FRAG6_HLEN, data, len);
    int rc = pcapw_write_ip(w, ts, src, dst, PCAPW_IPPROTO_IPV6_FRAG, NULL, b, FRAG6_HLEN + len);
    free(b);
    return rc;
}

/* ---- SCTP ---------------------------------------------------------------- */

uint32_t pcapw_crc32c(const void *p, size_t len)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) ? (c >> 1) ^ 0x82F63B78U : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    const uint8_t *b = p;
    uint32_t crc = 0xffffffffU;
    for (size_t i = 0; i < len; i++)
        crc = table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

int pcapw_sctp_data_chunk(pcapw_sctp_chunk *c, const pcapw_sctp_data *d, uint8_t *buf, size_t cap)
{
    if (!c || !d || !buf || (d->len && !d->data) || d->len > 65535U - 16U || cap < 12U || cap - 12U < d->len)
        return -1;
    be32(buf, d->tsn);
    be16(buf + 4, d->sid);
    be16(buf + 6, d->ssn);
    be32(buf + 8, d->ppid);
    if (d->len)
        memcpy(buf + 12, d->data, d->len);
    c->type = PCAPW_SCTP_DATA;
    c->flags = d->flags;
    c->value = buf;
    c->len = 12U + d->len;
    return 0;
}

int pcapw_write_sctp(pcapw *w, pcapw_ts ts, const pcapw_ep *src, const pcapw_ep *dst, uint32_t vtag,
                     const pcapw_sctp_chunk *chunks, size_t nchunks)
{
    if (!w || w->failed)
        return -1;
    if (!same_family(src, dst) || (nchunks && !chunks)) {
        set_err(w, "bad SCTP arguments");
        return -1;
    }
    size_t total = SCTP_HLEN;
    for (size_t i = 0; i < nchunks; i++) {
        if (chunks[i].len > 65535U - 4U || (chunks[i].len && !chunks[i].value)) {
            set_err(w, "bad SCTP chunk %zu", i);
            return -1;
        }
        total += (4U + chunks[i].len + 3U) & ~(size_t)3U;
        if (total > 65535U - IP4_HLEN) {
            set_err(w, "SCTP packet too large");
            return -1;
        }
    }
    uint8_t *pk = calloc(1, total);
    if (!pk) {
        set_err(w, "out of memory");
        return -1;
    }
    be16(pk, src->port);
    be16(pk + 2, dst->port);
    be32(pk + 4, vtag);
    size_t o = SCTP_HLEN;
    for (size_t i = 0; i < nchunks; i++) {
        pk[o] = chunks[i].type;
        pk[o + 1] = chunks[i].flags;
        be16(pk + o + 2, (uint32_t)(4U + chunks[i].len));
        if (chunks[i].len)
            memcpy(pk + o + 4, chunks[i].value, chunks[i].len);
        o += (4U + chunks[i].len + 3U) & ~(size_t)3U; /* padding stays zero */
    }
    /* RFC 9260 Appendix A: CRC32c over the packet with a zero checksum
     * field, stored least significant byte first. */
    le32(pk + 8, pcapw_crc32c(pk, total));
    int rc = pcapw_write_ip(w, ts, &src->ip, &dst->ip, PCAPW_IPPROTO_SCTP, NULL, pk, total);
    free(pk);
    return rc;
}

/* ---- WebSocket ----------------------------------------------------------- */

size_t pcapw_ws_frame(uint8_t *out, size_t cap, int fin, uint8_t opcode, const uint8_t *mask, unsigned len_bits,
                      const void *payload, size_t len)
{
    if (!out || (len && !payload) || opcode > 0xf)
        return 0;
    if (len_bits == 0)
        len_bits = len <= 125 ? 7 : len <= 65535 ? 16 : 64;
    if ((len_bits == 7 && len > 125) || (len_bits == 16 && len > 65535) ||
        (len_bits != 7 && len_bits != 16 && len_bits != 64))
        return 0;
    size_t hl = 2 + (len_bits == 16 ? 2 : len_bits == 64 ? 8 : 0) + (mask ? 4 : 0);
    if (cap < hl || cap - hl < len)
        return 0;
    out[0] = (uint8_t)((fin ? 0x80 : 0) | opcode);
    uint8_t mbit = mask ? 0x80 : 0;
    size_t o = 2;
    if (len_bits == 7) {
        out[1] = (uint8_t)(mbit | len);
    } else if (len_bits == 16) {
        out[1] = (uint8_t)(mbit | 126);
        be16(out + 2, (uint32_t)len);
        o = 4;
    } else {
        out[1] = (uint8_t)(mbit | 127);
        uint64_t v = (uint64_t)len;
        for (int i = 0; i < 8; i++)
            out[2 + i] = (uint8_t)(v >> (56 - 8 * i));
        o = 10;
    }
    if (mask) {
        memcpy(out + o, mask, 4);
        o += 4;
    }
    const uint8_t *pl = payload;
    for (size_t i = 0; i < len; i++)
        out[o + i] = mask ? (uint8_t)(pl[i] ^ mask[i & 3]) : pl[i];
    return o + len;
}

/* ---- HEP3 ---------------------------------------------------------------- */

/* Append one vendor-0 chunk; returns the new offset, 0 when it does not fit. */
static size_t hep_chunk(uint8_t *out, size_t cap, size_t o, uint16_t type, const void *v, size_t n)
{
    if (!o || n > 65535U - 6U || cap < o || cap - o < 6U + n)
        return 0;
    be16(out + o, 0);
    be16(out + o + 2, type);
    be16(out + o + 4, (uint32_t)(6U + n));
    if (n)
        memcpy(out + o + 6, v, n);
    return o + 6U + n;
}

size_t pcapw_hep3_build(uint8_t *out, size_t cap, const pcapw_hep3 *h, const void *payload, size_t len)
{
    if (!out || !h || (len && !payload) || !same_family(&h->src, &h->dst) || cap < 6)
        return 0;
    int v6 = h->src.ip.family == 6;
    uint8_t fam = v6 ? 10 : 2, b2[2], b4[4];
    size_t o = 6;
    memcpy(out, "HEP3", 4);
    o = hep_chunk(out, cap, o, 1, &fam, 1);
    o = hep_chunk(out, cap, o, 2, &h->ip_proto, 1);
    o = hep_chunk(out, cap, o, v6 ? 5 : 3, h->src.ip.addr, v6 ? 16 : 4);
    o = hep_chunk(out, cap, o, v6 ? 6 : 4, h->dst.ip.addr, v6 ? 16 : 4);
    be16(b2, h->src.port);
    o = hep_chunk(out, cap, o, 7, b2, 2);
    be16(b2, h->dst.port);
    o = hep_chunk(out, cap, o, 8, b2, 2);
    be32(b4, h->ts_sec);
    o = hep_chunk(out, cap, o, 9, b4, 4);
    be32(b4, h->ts_usec);
    o = hep_chunk(out, cap, o, 10, b4, 4);
    o = hep_chunk(out, cap, o, 11, &h->proto_type, 1);
    be32(b4, h->capture_id);
    o = hep_chunk(out, cap, o, 12, b4, 4);
    o = hep_chunk(out, cap, o, 15, payload, len);
    if (!o || o > 65535U)
        return 0;
    be16(out + 4, (uint32_t)o);
    return o;
}
