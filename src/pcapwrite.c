/*
 * pcapwrite.c - pcap files, synthesized frames and the -w ring (see
 * pcapwrite.h).
 *
 * Synthesized frames: addresses, ports and timestamp are the message's;
 * checksums (IPv4 header, UDP/TCP over the pseudo header, SCTP CRC32c)
 * are computed so that tools do not flag them; MACs are locally
 * administered (02:00 + the low 32 bits of the IP address); TTL/hop limit
 * 64; IPv4 ID 0 with DF.
 */
#include "src/pcapwrite.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "src/base/util.h"

/* ---- one file ---------------------------------------------------------- */

int pcapout_open_fp(struct pcapout *w, FILE *fp, int dlt, uint32_t snaplen)
{
    memset(w, 0, sizeof(*w));
    w->dlt = dlt;
    w->snaplen = snaplen ? snaplen : 262144;
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(dlt, (int)w->snaplen, PCAP_TSTAMP_PRECISION_NANO);
    if (!dead) {
        fclose(fp);
        errno = ENOMEM;
        return -1;
    }
    pcap_dumper_t *d = pcap_dump_fopen(dead, fp);
    if (!d) {
        fclose(fp);
        pcap_close(dead);
        errno = EIO;
        return -1;
    }
    w->dead = dead;
    w->dumper = d;
    w->bytes = 24;
    return 0;
}

int pcapout_open(struct pcapout *w, const char *path, int dlt, uint32_t snaplen)
{
    memset(w, 0, sizeof(*w));
    FILE *fp = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (!fp)
        return -1;
    return pcapout_open_fp(w, fp, dlt, snaplen);
}

int pcapout_is_open(const struct pcapout *w)
{
    return w->dumper != NULL;
}

void pcapout_write(struct pcapout *w, int64_t ts_ns, const uint8_t *data, uint32_t caplen, uint32_t len)
{
    if (!w->dumper)
        return;
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    int64_t sec = ts_ns / 1000000000LL, ns = ts_ns % 1000000000LL;
    if (ns < 0) {
        ns += 1000000000LL;
        sec--;
    }
    h.ts.tv_sec = (time_t)sec;
    h.ts.tv_usec = (suseconds_t)ns; /* nanoseconds: the dumper was opened with nano precision */
    h.caplen = caplen > w->snaplen ? w->snaplen : caplen;
    h.len = len < h.caplen ? h.caplen : len;
    pcap_dump((u_char *)w->dumper, &h, data);
    w->bytes += 16 + h.caplen;
    w->frames++;
    FILE *fp = pcap_dump_file((pcap_dumper_t *)w->dumper);
    if (!w->error && ferror(fp)) {
        w->error = 1;
        w->err = errno ? errno : EIO;
    }
}

int pcapout_close(struct pcapout *w)
{
    if (!w->dumper)
        return 0;
    pcap_dumper_t *d = w->dumper;
    FILE *fp = pcap_dump_file(d);
    int rc = 0;
    if (fflush(fp) != 0 || ferror(fp) || w->error) {
        rc = -1;
        if (w->error)
            errno = w->err;
    }
    if (fp != stdout) /* pcap_dump_close() would fclose(stdout); a dumper holds nothing else */
        pcap_dump_close(d);
    pcap_close((pcap_t *)w->dead);
    w->dumper = NULL;
    w->dead = NULL;
    return rc;
}

/* ---- synthesized frames ------------------------------------------------- */

int pcapout_synth_dlt_ok(int dlt)
{
    return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 || dlt == DLT_RAW || dlt == DLT_NULL;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

uint32_t pcapout_crc32c(const uint8_t *p, size_t n)
{
    static uint32_t table[256];
    static int init;
    if (!init) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            table[i] = c;
        }
        init = 1;
    }
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

static void mac_of(uint8_t *mac, const struct endpoint *e)
{
    const uint8_t *a = e->family == 4 ? e->addr : e->addr + 12;
    mac[0] = 0x02;
    mac[1] = 0x00;
    memcpy(mac + 2, a, 4);
}

/* Link header for dlt; returns its length (0 for raw IP). */
static size_t link_header(uint8_t *o, int dlt, const struct endpoint *src, const struct endpoint *dst)
{
    uint16_t et = src->family == 4 ? 0x0800 : 0x86DD;
    switch (dlt) {
    case DLT_EN10MB:
        mac_of(o, dst);
        mac_of(o + 6, src);
        put16(o + 12, et);
        return 14;
    case DLT_LINUX_SLL:
        put16(o, 4);          /* sent by us (the capture point) */
        put16(o + 2, 1);      /* ARPHRD_ETHER */
        put16(o + 4, 6);
        memset(o + 6, 0, 8);
        mac_of(o + 6, src);
        put16(o + 14, et);
        return 16;
    case DLT_LINUX_SLL2:
        put16(o, et);
        put16(o + 2, 0);
        put32(o + 4, 0);      /* interface index: unknown */
        put16(o + 8, 1);      /* ARPHRD_ETHER */
        o[10] = 4;            /* outgoing */
        o[11] = 6;
        memset(o + 12, 0, 8);
        mac_of(o + 12, src);
        return 20;
    case DLT_NULL: {
        uint32_t af = src->family == 4 ? 2 : 24; /* AF_INET, BSD AF_INET6; host byte order */
        memcpy(o, &af, 4);
        return 4;
    }
    default: /* DLT_RAW */
        return 0;
    }
}

size_t pcapout_synth(uint8_t *out, size_t cap, int dlt, const struct endpoint *src, const struct endpoint *dst,
                   int transport, uint32_t seq, uint32_t ack, const uint8_t *payload, size_t n)
{
    if (!pcapout_synth_dlt_ok(dlt))
        dlt = DLT_EN10MB;
    if (src->family != dst->family || (src->family != 4 && src->family != 6) || n > PCAPW_SYNTH_MAX_PAYLOAD)
        return 0;
    int v4 = src->family == 4;
    size_t l4 = transport == TP_UDP ? 8 : transport == TP_SCTP ? 12 + 16 : 20;
    size_t pad = transport == TP_SCTP ? (4 - (n & 3)) & 3 : 0;
    size_t iph = v4 ? 20 : 40;
    uint8_t linkbuf[32];
    size_t ll = link_header(linkbuf, dlt, src, dst);
    size_t total = ll + iph + l4 + n + pad;
    if (total > cap)
        return 0;
    memcpy(out, linkbuf, ll);
    uint8_t *ip = out + ll, *th = ip + iph;
    uint8_t proto = transport == TP_UDP ? 17 : transport == TP_SCTP ? 132 : 6;
    size_t iplen = iph + l4 + n + pad;
    if (v4) {
        ip[0] = 0x45;
        ip[1] = 0;
        put16(ip + 2, (uint32_t)iplen);
        put16(ip + 4, 0);
        put16(ip + 6, 0x4000); /* DF */
        ip[8] = 64;
        ip[9] = proto;
        put16(ip + 10, 0);
        memcpy(ip + 12, src->addr, 4);
        memcpy(ip + 16, dst->addr, 4);
        put16(ip + 10, fold(sum16(0, ip, 20)));
    } else {
        put32(ip, 0x60000000u);
        put16(ip + 4, (uint32_t)(l4 + n + pad));
        ip[6] = proto;
        ip[7] = 64;
        memcpy(ip + 8, src->addr, 16);
        memcpy(ip + 24, dst->addr, 16);
    }
    put16(th, src->port);
    put16(th + 2, dst->port);
    uint8_t *pl = th + l4;
    if (n)
        memcpy(pl, payload, n);
    if (pad)
        memset(pl + n, 0, pad);
    if (transport == TP_SCTP) {
        put32(th + 4, 0);           /* verification tag: unknown */
        put32(th + 8, 0);
        uint8_t *ch = th + 12;
        ch[0] = 0;                  /* DATA */
        ch[1] = 0x03;               /* B|E: one whole user message */
        put16(ch + 2, (uint32_t)(16 + n));
        put32(ch + 4, seq);         /* TSN */
        put16(ch + 8, 0);           /* stream */
        put16(ch + 10, 0);          /* SSN */
        put32(ch + 12, 0);          /* PPID */
        uint32_t crc = pcapout_crc32c(th, l4 + n + pad);
        /* CRC32c goes in little-endian byte order (RFC 4960 B) */
        th[8] = (uint8_t)crc;
        th[9] = (uint8_t)(crc >> 8);
        th[10] = (uint8_t)(crc >> 16);
        th[11] = (uint8_t)(crc >> 24);
        return total;
    }
    size_t seglen = l4 + n;
    if (transport == TP_UDP) {
        put16(th + 4, (uint32_t)seglen);
        put16(th + 6, 0);
    } else {
        put32(th + 4, seq);
        put32(th + 8, ack);
        th[12] = 5 << 4;            /* data offset: 20 bytes */
        th[13] = 0x18;              /* PSH|ACK */
        put16(th + 14, 65535);
        put16(th + 16, 0);
        put16(th + 18, 0);
    }
    /* checksum over the pseudo header */
    uint32_t acc = 0;
    if (v4) {
        acc = sum16(acc, src->addr, 4);
        acc = sum16(acc, dst->addr, 4);
        acc += proto;
        acc += (uint32_t)seglen;
    } else {
        acc = sum16(acc, src->addr, 16);
        acc = sum16(acc, dst->addr, 16);
        acc += (uint32_t)(seglen >> 16) + (uint32_t)(seglen & 0xffff);
        acc += proto;
    }
    acc = sum16(acc, th, seglen);
    uint16_t ck = fold(acc);
    if (transport == TP_UDP && ck == 0)
        ck = 0xffff;
    put16(th + (transport == TP_UDP ? 6 : 16), ck);
    return total;
}

/* ---- the -w ring ---------------------------------------------------------- */

static unsigned digits(uint64_t v)
{
    unsigned d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

char *pcapring_name(const struct pcapring_opts *o, uint64_t seq, int64_t now_ns, char *buf, size_t n)
{
    int rotating = o->size_bytes || o->secs;
    char base[4096];
    snprintf(base, sizeof base, "%s", o->path);
    if (o->secs && strchr(o->path, '%')) {
        time_t t = (time_t)(now_ns / 1000000000LL);
        struct tm tm;
        localtime_r(&t, &tm);
        if (strftime(base, sizeof base, o->path, &tm) == 0)
            snprintf(base, sizeof base, "%s", o->path);
    }
    if (!rotating) {
        snprintf(buf, n, "%s", base);
    } else if (o->count) {
        unsigned w = digits(o->count - 1);
        snprintf(buf, n, "%s%0*llu", base, (int)w, (unsigned long long)(seq % o->count));
    } else if (seq == 0) {
        snprintf(buf, n, "%s", base);
    } else {
        snprintf(buf, n, "%s%llu", base, (unsigned long long)seq);
    }
    return buf;
}

static int ring_open_next(struct pcapring *r, int64_t now_ns)
{
    char name[4200];
    pcapring_name(&r->o, r->seq, now_ns, name, sizeof name);
    if (pcapout_open(&r->w, name, r->dlt, r->snaplen) != 0) {
        fprintf(stderr, "sipladder: live: -w %s: cannot write: %s; raw capture stopped\n", name, strerror(errno));
        r->failed = 1;
        return -1;
    }
    struct stat st;
    FILE *fp = pcap_dump_file((pcap_dumper_t *)r->w.dumper);
    if (fstat(fileno(fp), &st) == 0) {
        r->dev = st.st_dev;
        r->ino = st.st_ino;
    }
    free(r->cur);
    r->cur = xstrdup(name);
    r->seq++;
    r->files_written++;
    r->opened_ns = now_ns;
    return 0;
}

static void ring_close_cur(struct pcapring *r)
{
    if (!pcapout_is_open(&r->w))
        return;
    if (pcapout_close(&r->w) != 0 && !r->failed) {
        fprintf(stderr, "sipladder: live: -w %s: write error: %s\n", r->cur ? r->cur : "?", strerror(errno));
        r->failed = 1;
    }
}

int pcapring_open(struct pcapring *r, const struct pcapring_opts *o, int dlt, uint32_t snaplen, int64_t now_ns)
{
    memset(r, 0, sizeof(*r));
    r->o = *o;
    r->dlt = dlt;
    r->snaplen = snaplen;
    return ring_open_next(r, now_ns);
}

static void rotate(struct pcapring *r, int64_t now_ns)
{
    ring_close_cur(r);
    if (!r->failed)
        ring_open_next(r, now_ns);
}

void pcapring_tick(struct pcapring *r, int64_t now_ns)
{
    if (r->failed || !pcapout_is_open(&r->w))
        return;
    if (r->o.secs && now_ns - r->opened_ns >= r->o.secs * 1000000000LL)
        rotate(r, now_ns);
}

void pcapring_write(struct pcapring *r, const struct frame *f, int64_t now_ns)
{
    if (r->failed || !pcapout_is_open(&r->w))
        return;
    if ((r->o.size_bytes && r->w.bytes > r->o.size_bytes) ||
        (r->o.secs && now_ns - r->opened_ns >= r->o.secs * 1000000000LL))
        rotate(r, now_ns);
    if (r->failed)
        return;
    pcapout_write(&r->w, f->ts, f->data, f->caplen, f->len);
    r->frames++;
    if (r->w.error) {
        fprintf(stderr, "sipladder: live: -w %s: write error: %s; raw capture stopped\n", r->cur ? r->cur : "?",
                strerror(r->w.err));
        r->failed = 1;
    }
}

void pcapring_reopen(struct pcapring *r, int64_t now_ns)
{
    if (r->failed || !pcapout_is_open(&r->w) || strcmp(r->o.path, "-") == 0)
        return;
    if (r->o.size_bytes || r->o.secs) {
        rotate(r, now_ns);
        return;
    }
    struct stat st;
    if (stat(r->cur, &st) == 0 && st.st_dev == r->dev && st.st_ino == r->ino)
        return; /* not moved: keep writing */
    ring_close_cur(r);
    r->seq = 0;
    if (!r->failed)
        ring_open_next(r, now_ns);
}

void pcapring_flush(struct pcapring *r)
{
    if (pcapout_is_open(&r->w))
        pcap_dump_flush((pcap_dumper_t *)r->w.dumper);
}

int pcapring_close(struct pcapring *r)
{
    ring_close_cur(r);
    free(r->cur);
    r->cur = NULL;
    return r->failed ? -1 : 0;
}
