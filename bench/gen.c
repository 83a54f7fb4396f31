/*
 * bench/gen.c - deterministic SIP (+ optional G.711 RTP) load-capture writer.
 *
 * Writes a classic pcap file (microsecond magic, LINKTYPE_ETHERNET) holding N
 * SIP calls between a few dozen private-address UAC/UAS pairs on port 5060:
 * Ethernet + IPv4 (correct lengths and header checksum) + UDP (checksum 0).
 * Nothing is ever sent on a network: the packets only exist inside the file.
 *
 * Call outcomes (per call, from a seeded PRNG):
 *   70 % answered   INVITE 100 180 200 ACK ... BYE 200 (BYE from either side)
 *   10 % busy       INVITE 100 486 ACK
 *    8 % not found  INVITE 100 404 ACK
 *    4 % unavail.   INVITE 100 503 ACK
 *    8 % cancelled  INVITE 100 180 CANCEL 200 487 ACK
 * With --rtp, answered calls carry two-way PCMU RTP (20 ms ptime, 12-byte
 * header + 160-byte payload) between the SDP addresses from 200 OK/ACK until
 * the BYE.  Packets are globally sorted by timestamp with a binary heap of
 * per-call generators (ties broken by call index, then stream), so the output
 * is byte-identical for a given set of options on any host.  Only integer
 * arithmetic is used for times.
 *
 * Usage: gen [--calls N] [--rtp] [--cps R] [--seed S] [--hold LO-HI] -o FILE
 * A summary (calls by outcome, packets, bytes) goes to stderr; its last line
 * "gen-summary key=value ..." is meant for scripts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

#define SIP_PORT      5060
#define N_UAC         8                     /* 8 x 6 = 48 UAC/UAS pairs */
#define N_UAS         6
#define EPOCH_START   1767225600u           /* 2026-01-01T00:00:00Z */
#define RTP_PTIME_US  20000u
#define RTP_PAYLOAD   160
#define OUTBUF_SIZE   (4u << 20)
#define MAX_EV        8

enum outcome { OC_ANSWERED, OC_BUSY, OC_NOTFOUND, OC_UNAVAIL, OC_CANCEL, OC_COUNT };

static const char *const outcome_name[OC_COUNT] = {
    "answered", "busy", "notfound", "unavailable", "cancelled"
};

enum msg {
    M_INVITE, M_100, M_180, M_200_INV, M_ACK_2XX, M_BYE, M_200_BYE,
    M_486, M_404, M_503, M_ACK_ERR, M_CANCEL, M_200_CANCEL, M_487
};

struct call {
    uint64_t t0;                    /* arrival, us since capture start */
    uint64_t id;                    /* per-call random identity */
    uint32_t ev_off[MAX_EV];        /* SIP event offsets from t0, us */
    uint8_t ev_kind[MAX_EV];
    uint8_t nev, iev;
    uint8_t outcome;
    uint8_t bye_from_uas;
    uint8_t uac, uas;               /* host indices */
    uint16_t uac_rtp, uas_rtp;      /* SDP media ports */
    uint32_t caller, callee;        /* 7-digit subscriber numbers */
    /* RTP state, index 0 = UAC->UAS, 1 = UAS->UAC */
    uint64_t rtp_start[2];
    uint64_t rtp_end;
    uint32_t ssrc[2];
    uint32_t ts[2];
    uint16_t seq[2];
    uint32_t nsent[2];
};

struct ev {
    uint64_t t;
    uint32_t call;
    uint32_t kind;                  /* 0 = SIP script, 1/2 = RTP stream 0/1 */
};

struct out {
    FILE *f;
    unsigned char *buf;
    size_t len;
    uint64_t bytes;
};

static uint64_t mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

struct rng { uint64_t s; };

static uint64_t rng_next(struct rng *r)
{
    r->s += 0x9E3779B97F4A7C15ull;
    return mix64(r->s);
}

/* Uniform integer in [lo, hi]. */
static uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
    return lo + rng_next(r) % (hi - lo + 1);
}

static uint64_t hid(uint64_t id, uint64_t k)
{
    return mix64(id ^ (k * 0xD6E8FEB86659FD93ull));
}

/* ---------------------------------------------------------------- output */

static void out_flush(struct out *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len) {
        perror("gen: write");
        exit(1);
    }
    o->len = 0;
}

static unsigned char *out_reserve(struct out *o, size_t n)
{
    if (o->len + n > OUTBUF_SIZE)
        out_flush(o);
    unsigned char *p = o->buf + o->len;
    o->len += n;
    o->bytes += n;
    return p;
}

static void le16(unsigned char *p, uint32_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void le32(unsigned char *p, uint32_t v) { le16(p, v & 0xffff); le16(p + 2, v >> 16); }
static void be16(unsigned char *p, uint32_t v) { p[0] = (unsigned char)(v >> 8); p[1] = (unsigned char)v; }
static void be32(unsigned char *p, uint32_t v) { be16(p, v >> 16); be16(p + 2, v & 0xffff); }

static void write_file_header(struct out *o)
{
    unsigned char *p = out_reserve(o, 24);
    le32(p, 0xa1b2c3d4u);           /* microsecond resolution */
    le16(p + 4, 2);
    le16(p + 6, 4);
    le32(p + 8, 0);                 /* thiszone */
    le32(p + 12, 0);                /* sigfigs */
    le32(p + 16, 65535);            /* snaplen */
    le32(p + 20, 1);                /* LINKTYPE_ETHERNET */
}

static uint32_t host_ip(int uas, unsigned idx)
{
    /* 10.10.0.x for UACs, 10.20.0.x for UASs (private test addresses). */
    return (10u << 24) | ((uas ? 20u : 10u) << 16) | (idx + 1u);
}

static uint16_t ip_id_counter;

/* Writes record header + Ethernet/IPv4/UDP headers; returns payload pointer. */
static unsigned char *write_udp(struct out *o, uint64_t t_us, uint32_t sip, uint32_t dip,
                                uint16_t sport, uint16_t dport, uint8_t tos, size_t plen)
{
    size_t frame = 14 + 20 + 8 + plen;
    uint64_t abs = (uint64_t)EPOCH_START * 1000000u + t_us;
    unsigned char *p = out_reserve(o, 16 + frame);
    le32(p, (uint32_t)(abs / 1000000u));
    le32(p + 4, (uint32_t)(abs % 1000000u));
    le32(p + 8, (uint32_t)frame);
    le32(p + 12, (uint32_t)frame);
    unsigned char *e = p + 16;
    /* Ethernet: locally administered MACs derived from the IPs. */
    e[0] = 0x02; e[1] = 0x00; be32(e + 2, dip);
    e[6] = 0x02; e[7] = 0x00; be32(e + 8, sip);
    be16(e + 12, 0x0800);
    unsigned char *ip = e + 14;
    ip[0] = 0x45;
    ip[1] = tos;
    be16(ip + 2, (uint32_t)(20 + 8 + plen));
    be16(ip + 4, ip_id_counter++);
    be16(ip + 6, 0x4000);           /* DF */
    ip[8] = 64;
    ip[9] = 17;
    ip[10] = ip[11] = 0;
    be32(ip + 12, sip);
    be32(ip + 16, dip);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    be16(ip + 10, ~sum & 0xffff);
    unsigned char *udp = ip + 20;
    be16(udp, sport);
    be16(udp + 2, dport);
    be16(udp + 4, (uint32_t)(8 + plen));
    be16(udp + 6, 0);
    return udp + 8;
}

/* ------------------------------------------------------------ SIP builder */

struct sb {
    char *p;
    size_t len, cap;
};

static void sb_add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len) {
        fprintf(stderr, "gen: internal error: SIP message too long\n");
        exit(1);
    }
    b->len += (size_t)n;
}

static void ipstr(char *dst, size_t n, uint32_t ip)
{
    snprintf(dst, n, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

static const char *const reason_phrase[] = {
    [M_100] = "100 Trying", [M_180] = "180 Ringing", [M_200_INV] = "200 OK",
    [M_200_BYE] = "200 OK", [M_486] = "486 Busy Here", [M_404] = "404 Not Found",
    [M_503] = "503 Service Unavailable", [M_200_CANCEL] = "200 OK",
    [M_487] = "487 Request Terminated",
};

static size_t build_sdp(char *dst, size_t cap, const struct call *c, int uas_side)
{
    char ip[20];
    ipstr(ip, sizeof ip, host_ip(uas_side, uas_side ? c->uas : c->uac));
    uint64_t sess = hid(c->id, uas_side ? 17 : 7) % 4000000000u + 100000000u;
    int n = snprintf(dst, cap,
        "v=0\r\n"
        "o=%s %llu %llu IN IP4 %s\r\n"
        "s=%s\r\n"
        "c=IN IP4 %s\r\n"
        "t=0 0\r\n"
        "m=audio %u RTP/AVP 0 8 101\r\n"
        "a=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:8 PCMA/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\n"
        "a=fmtp:101 0-16\r\n"
        "a=ptime:20\r\n"
        "a=sendrecv\r\n",
        uas_side ? "uas" : "uac", (unsigned long long)sess, (unsigned long long)sess, ip,
        uas_side ? "bench-uas" : "bench-uac", ip,
        (unsigned)(uas_side ? c->uas_rtp : c->uac_rtp));
    return (size_t)n;
}

/*
 * Builds one SIP message of the given kind into dst; returns its length and
 * the direction (1 = UAS->UAC) through *from_uas.
 */
static size_t build_sip(char *dst, size_t cap, const struct call *c, uint32_t idx,
                        int kind, int *from_uas)
{
    char uac[20], uas[20];
    ipstr(uac, sizeof uac, host_ip(0, c->uac));
    ipstr(uas, sizeof uas, host_ip(1, c->uas));
    char ftag[24], ttag[24], callid[64], br_inv[40], br_ack[40], br_bye[40];
    snprintf(ftag, sizeof ftag, "%08llx", (unsigned long long)(hid(c->id, 1) & 0xffffffffu));
    snprintf(ttag, sizeof ttag, "as%08llx", (unsigned long long)(hid(c->id, 2) & 0xffffffffu));
    snprintf(callid, sizeof callid, "%016llx-%u@%s", (unsigned long long)hid(c->id, 3), idx, uac);
    snprintf(br_inv, sizeof br_inv, "z9hG4bK%016llx", (unsigned long long)hid(c->id, 4));
    snprintf(br_ack, sizeof br_ack, "z9hG4bK%016llx", (unsigned long long)hid(c->id, 5));
    snprintf(br_bye, sizeof br_bye, "z9hG4bK%016llx", (unsigned long long)hid(c->id, 6));
    char caller[16], callee[16];
    snprintf(caller, sizeof caller, "+49301%07u", c->caller);
    snprintf(callee, sizeof callee, "+49402%07u", c->callee);

    char body[600];
    size_t blen = 0;
    struct sb b = { dst, 0, cap };
    int uas_bye = c->bye_from_uas;
    const char *allow = "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY\r\n";

    *from_uas = 0;
    switch (kind) {
    case M_INVITE:
    case M_ACK_2XX:
    case M_ACK_ERR:
    case M_CANCEL:
    case M_BYE: {
        /* Requests. */
        const char *method = kind == M_INVITE ? "INVITE" : kind == M_CANCEL ? "CANCEL"
                           : kind == M_BYE ? "BYE" : "ACK";
        int rev = (kind == M_BYE && uas_bye);
        const char *branch = (kind == M_INVITE || kind == M_CANCEL || kind == M_ACK_ERR)
                             ? br_inv : kind == M_ACK_2XX ? br_ack : br_bye;
        int cseq = kind == M_BYE ? (rev ? 101 : 2) : 1;
        int in_dialog = (kind == M_ACK_2XX || kind == M_BYE);
        *from_uas = rev;
        if (rev)
            sb_add(&b, "BYE sip:%s@%s:5060;transport=udp SIP/2.0\r\n", caller, uac);
        else if (in_dialog)
            sb_add(&b, "%s sip:%s@%s:5060;transport=udp SIP/2.0\r\n", method, callee, uas);
        else
            sb_add(&b, "%s sip:%s@%s:5060 SIP/2.0\r\n", method, callee, uas);
        sb_add(&b, "Via: SIP/2.0/UDP %s:5060;branch=%s\r\n", rev ? uas : uac, branch);
        sb_add(&b, "Max-Forwards: 70\r\n");
        if (rev) {
            sb_add(&b, "From: <sip:%s@%s>;tag=%s\r\n", callee, uas, ttag);
            sb_add(&b, "To: <sip:%s@%s>;tag=%s\r\n", caller, uac, ftag);
        } else {
            sb_add(&b, "From: <sip:%s@%s>;tag=%s\r\n", caller, uac, ftag);
            if (kind == M_INVITE || kind == M_CANCEL)
                sb_add(&b, "To: <sip:%s@%s>\r\n", callee, uas);
            else
                sb_add(&b, "To: <sip:%s@%s>;tag=%s\r\n", callee, uas, ttag);
        }
        sb_add(&b, "Call-ID: %s\r\n", callid);
        sb_add(&b, "CSeq: %d %s\r\n", cseq, method);
        if (kind == M_INVITE) {
            sb_add(&b, "Contact: <sip:%s@%s:5060;transport=udp>\r\n", caller, uac);
            sb_add(&b, "P-Asserted-Identity: <sip:%s@%s>\r\n", caller, uac);
            sb_add(&b, "User-Agent: bench-uac/2.4.1\r\n");
            sb_add(&b, "%s", allow);
            sb_add(&b, "Accept: application/sdp\r\n");
            sb_add(&b, "Supported: replaces, timer, path\r\n");
            sb_add(&b, "Allow-Events: talk, hold, refer\r\n");
            sb_add(&b, "Session-Expires: 1800;refresher=uac\r\n");
            sb_add(&b, "Min-SE: 90\r\n");
            blen = build_sdp(body, sizeof body, c, 0);
            sb_add(&b, "Content-Type: application/sdp\r\n");
        } else if (kind == M_BYE) {
            sb_add(&b, "User-Agent: bench-%s/2.4.1\r\n", rev ? "uas" : "uac");
            sb_add(&b, "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n");
        } else if (kind == M_CANCEL) {
            sb_add(&b, "User-Agent: bench-uac/2.4.1\r\n");
            sb_add(&b, "Reason: SIP;cause=487;text=\"ORIGINATOR_CANCEL\"\r\n");
        } else {
            sb_add(&b, "User-Agent: bench-uac/2.4.1\r\n");
        }
        break;
    }
    default: {
        /* Responses. */
        int to_bye = (kind == M_200_BYE);
        int rev = to_bye && uas_bye;            /* response goes UAC->UAS */
        *from_uas = !rev;
        const char *branch = to_bye ? br_bye : br_inv;
        const char *method = to_bye ? "BYE" : kind == M_200_CANCEL ? "CANCEL" : "INVITE";
        int cseq = to_bye ? (rev ? 101 : 2) : 1;
        sb_add(&b, "SIP/2.0 %s\r\n", reason_phrase[kind]);
        sb_add(&b, "Via: SIP/2.0/UDP %s:5060;branch=%s\r\n", rev ? uas : uac, branch);
        if (rev) {
            sb_add(&b, "From: <sip:%s@%s>;tag=%s\r\n", callee, uas, ttag);
            sb_add(&b, "To: <sip:%s@%s>;tag=%s\r\n", caller, uac, ftag);
        } else {
            sb_add(&b, "From: <sip:%s@%s>;tag=%s\r\n", caller, uac, ftag);
            if (kind == M_100)
                sb_add(&b, "To: <sip:%s@%s>\r\n", callee, uas);
            else
                sb_add(&b, "To: <sip:%s@%s>;tag=%s\r\n", callee, uas, ttag);
        }
        sb_add(&b, "Call-ID: %s\r\n", callid);
        sb_add(&b, "CSeq: %d %s\r\n", cseq, method);
        if (kind == M_180 || kind == M_200_INV)
            sb_add(&b, "Contact: <sip:%s@%s:5060;transport=udp>\r\n", callee, uas);
        if (kind == M_200_INV) {
            sb_add(&b, "Server: bench-uas/2.4.1\r\n");
            sb_add(&b, "%s", allow);
            sb_add(&b, "Supported: replaces, timer\r\n");
            sb_add(&b, "Session-Expires: 1800;refresher=uac\r\n");
            sb_add(&b, "Require: timer\r\n");
            blen = build_sdp(body, sizeof body, c, 1);
            sb_add(&b, "Content-Type: application/sdp\r\n");
        } else if (kind == M_486) {
            sb_add(&b, "Reason: Q.850;cause=17;text=\"User busy\"\r\n");
        } else if (kind == M_404) {
            sb_add(&b, "Reason: Q.850;cause=1;text=\"Unallocated number\"\r\n");
        } else if (kind == M_503) {
            sb_add(&b, "Reason: Q.850;cause=34;text=\"No circuit available\"\r\n");
            sb_add(&b, "Retry-After: 30\r\n");
        }
        break;
    }
    }
    sb_add(&b, "Content-Length: %zu\r\n\r\n", blen);
    if (blen) {
        if (b.len + blen > cap) {
            fprintf(stderr, "gen: internal error: SIP message too long\n");
            exit(1);
        }
        memcpy(b.p + b.len, body, blen);
        b.len += blen;
    }
    return b.len;
}

/* ------------------------------------------------------------ call script */

static void add_ev(struct call *c, uint64_t off, int kind)
{
    c->ev_off[c->nev] = (uint32_t)off;
    c->ev_kind[c->nev] = (uint8_t)kind;
    c->nev++;
}

static void plan_call(struct call *c, uint32_t idx, uint64_t seed, uint64_t t0,
                      uint64_t hold_lo_us, uint64_t hold_hi_us, int rtp)
{
    struct rng r = { mix64(seed * 0x2545F4914F6CDD1Dull + idx) };
    memset(c, 0, sizeof *c);
    c->t0 = t0;
    c->id = rng_next(&r);
    c->uac = (uint8_t)rng_range(&r, 0, N_UAC - 1);
    c->uas = (uint8_t)rng_range(&r, 0, N_UAS - 1);
    c->caller = (uint32_t)rng_range(&r, 0, 9999999);
    c->callee = (uint32_t)rng_range(&r, 0, 9999999);
    /* Even media ports, unique within any 20,000 consecutive calls. */
    c->uac_rtp = (uint16_t)(16384 + 2 * (idx % 20000));
    c->uas_rtp = (uint16_t)(16384 + 2 * ((idx + 7919) % 20000));
    c->bye_from_uas = (uint8_t)(rng_next(&r) & 1);

    uint64_t pick = rng_range(&r, 0, 99);
    c->outcome = pick < 70 ? OC_ANSWERED : pick < 80 ? OC_BUSY : pick < 88 ? OC_NOTFOUND
               : pick < 92 ? OC_UNAVAIL : OC_CANCEL;

    uint64_t t100 = rng_range(&r, 2000, 40000);
    uint64_t t180 = t100 + rng_range(&r, 20000, 400000);
    add_ev(c, 0, M_INVITE);
    add_ev(c, t100, M_100);
    switch (c->outcome) {
    case OC_ANSWERED: {
        uint64_t t200 = t180 + rng_range(&r, 500000, 6000000);
        uint64_t tack = t200 + rng_range(&r, 2000, 40000);
        /* Hold time is a whole number of ptimes. */
        uint64_t hold = rng_range(&r, hold_lo_us / RTP_PTIME_US, hold_hi_us / RTP_PTIME_US) * RTP_PTIME_US;
        uint64_t tbye = t200 + hold;
        add_ev(c, t180, M_180);
        add_ev(c, t200, M_200_INV);
        add_ev(c, tack, M_ACK_2XX);
        add_ev(c, tbye, M_BYE);
        add_ev(c, tbye + rng_range(&r, 2000, 40000), M_200_BYE);
        if (rtp) {
            c->rtp_start[1] = t0 + t200 + rng_range(&r, 1000, 15000);   /* UAS starts after 200 */
            c->rtp_start[0] = t0 + tack + rng_range(&r, 1000, 15000);   /* UAC after ACK */
            c->rtp_end = t0 + tbye;
            for (int d = 0; d < 2; d++) {
                c->ssrc[d] = (uint32_t)rng_next(&r);
                c->seq[d] = (uint16_t)rng_next(&r);
                c->ts[d] = (uint32_t)rng_next(&r);
            }
        }
        break;
    }
    case OC_BUSY: {
        uint64_t t = t100 + rng_range(&r, 200000, 3000000);
        add_ev(c, t, M_486);
        add_ev(c, t + rng_range(&r, 2000, 40000), M_ACK_ERR);
        break;
    }
    case OC_NOTFOUND: {
        uint64_t t = t100 + rng_range(&r, 10000, 200000);
        add_ev(c, t, M_404);
        add_ev(c, t + rng_range(&r, 2000, 40000), M_ACK_ERR);
        break;
    }
    case OC_UNAVAIL: {
        uint64_t t = t100 + rng_range(&r, 10000, 2000000);
        add_ev(c, t, M_503);
        add_ev(c, t + rng_range(&r, 2000, 40000), M_ACK_ERR);
        break;
    }
    default: {
        uint64_t tc = t180 + rng_range(&r, 1000000, 15000000);
        uint64_t t200 = tc + rng_range(&r, 2000, 40000);
        uint64_t t487 = t200 + rng_range(&r, 500, 5000);
        add_ev(c, t180, M_180);
        add_ev(c, tc, M_CANCEL);
        add_ev(c, t200, M_200_CANCEL);
        add_ev(c, t487, M_487);
        add_ev(c, t487 + rng_range(&r, 2000, 40000), M_ACK_ERR);
        break;
    }
    }
}

/* ------------------------------------------------------------------- heap */

struct heap {
    struct ev *v;
    size_t n, cap;
};

static int ev_less(const struct ev *a, const struct ev *b)
{
    if (a->t != b->t)
        return a->t < b->t;
    if (a->call != b->call)
        return a->call < b->call;
    return a->kind < b->kind;
}

static void heap_push(struct heap *h, struct ev e)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        h->v = realloc(h->v, h->cap * sizeof *h->v);
        if (!h->v) {
            perror("gen: realloc");
            exit(1);
        }
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_less(&e, &h->v[p]))
            break;
        h->v[i] = h->v[p];
        i = p;
    }
    h->v[i] = e;
}

/* Replaces the top with e (or removes it when e is NULL) and sifts down. */
static void heap_replace_top(struct heap *h, const struct ev *e)
{
    struct ev x;
    if (e) {
        x = *e;
    } else {
        x = h->v[--h->n];
        if (h->n == 0)
            return;
    }
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l >= h->n)
            break;
        m = l;
        if (l + 1 < h->n && ev_less(&h->v[l + 1], &h->v[l]))
            m = l + 1;
        if (!ev_less(&h->v[m], &x))
            break;
        h->v[i] = h->v[m];
        i = m;
    }
    h->v[i] = x;
}

/* -------------------------------------------------------------------- main */

static void usage(FILE *f)
{
    fprintf(f,
        "usage: gen [--calls N] [--rtp] [--cps R] [--seed S] [--hold LO-HI] -o FILE\n"
        "  --calls N     number of calls (default 1000)\n"
        "  --rtp         answered calls carry two-way G.711 RTP (20 ms, 172-byte packets)\n"
        "  --cps R       call arrival rate per second (default 100)\n"
        "  --seed S      PRNG seed (default 1); same options give the same bytes\n"
        "  --hold LO-HI  answered-call hold time range in seconds\n"
        "                (default 3-60, or 2-4.9 with --rtp)\n"
        "  -o FILE       output pcap (\"-\" for stdout)\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    unsigned long long x;
    if (!s || !*s)
        return -1;
    x = strtoull(s, &end, 10);
    if (*end)
        return -1;
    *v = x;
    return 0;
}

/* Parses seconds with up to 3 decimals into microseconds. */
static int parse_secs(const char *s, const char **rest, uint64_t *us)
{
    uint64_t whole = 0, frac = 0, scale = 1000000;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return -1;
    while (*p >= '0' && *p <= '9')
        whole = whole * 10 + (uint64_t)(*p++ - '0');
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            scale /= 10;
            frac += (uint64_t)(*p++ - '0') * scale;
        }
    }
    *us = whole * 1000000 + frac;
    *rest = p;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t ncalls = 1000, cps = 100, seed = 1;
    uint64_t hold_lo = 0, hold_hi = 0;
    int rtp = 0, hold_set = 0;
    const char *path = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--calls")) {
            if (parse_u64(v, &ncalls) || ncalls == 0 || ncalls > 10000000) {
                fprintf(stderr, "gen: --calls needs 1..10000000\n");
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--cps")) {
            if (parse_u64(v, &cps) || cps == 0 || cps > 1000000) {
                fprintf(stderr, "gen: --cps needs 1..1000000\n");
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--seed")) {
            if (parse_u64(v, &seed)) {
                fprintf(stderr, "gen: --seed needs an unsigned integer\n");
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--hold")) {
            const char *rest;
            if (!v || parse_secs(v, &rest, &hold_lo) || *rest != '-' ||
                parse_secs(rest + 1, &rest, &hold_hi) || *rest ||
                hold_lo < RTP_PTIME_US || hold_hi < hold_lo || hold_hi > 3600000000u) {
                fprintf(stderr, "gen: --hold needs LO-HI seconds, 0.02 <= LO <= HI <= 3600\n");
                return 2;
            }
            hold_set = 1;
            i++;
        } else if (!strcmp(a, "--rtp")) {
            rtp = 1;
        } else if (!strcmp(a, "-o")) {
            if (!v) {
                usage(stderr);
                return 2;
            }
            path = v;
            i++;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "gen: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!path) {
        usage(stderr);
        return 2;
    }
    if (!hold_set) {
        /* SIP-only: a few seconds to a minute.  RTP: short holds so that
         * 2,000 calls give ~472,000 RTP packets (the spec's RTP load). */
        hold_lo = rtp ? 2000000 : 3000000;
        hold_hi = rtp ? 4900000 : 60000000;
    }

    struct call *calls = calloc((size_t)ncalls, sizeof *calls);
    struct out o = { NULL, malloc(OUTBUF_SIZE), 0, 0 };
    if (!calls || !o.buf) {
        fprintf(stderr, "gen: out of memory\n");
        return 1;
    }
    o.f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    if (!o.f) {
        perror(path);
        return 1;
    }

    /* Arrivals: uniform inter-arrival gaps in [0, 2/R] s (mean 1/R). */
    struct heap h = { NULL, 0, 0 };
    struct rng arr = { mix64(seed ^ 0xA0761D6478BD642Full) };
    uint64_t t = 0, gap_max = 2000000 / cps;
    for (uint64_t i = 0; i < ncalls; i++) {
        plan_call(&calls[i], (uint32_t)i, seed, t, hold_lo, hold_hi, rtp);
        heap_push(&h, (struct ev){ t, (uint32_t)i, 0 });
        if (rtp && calls[i].outcome == OC_ANSWERED) {
            heap_push(&h, (struct ev){ calls[i].rtp_start[0], (uint32_t)i, 1 });
            heap_push(&h, (struct ev){ calls[i].rtp_start[1], (uint32_t)i, 2 });
        }
        t += rng_range(&arr, 0, gap_max);
    }

    /* A 1 s, 8 kHz PCMU pattern (slow two-tone) that RTP payloads slide over. */
    static unsigned char tone[8000 + RTP_PAYLOAD];
    for (size_t i = 0; i < sizeof tone; i++) {
        uint32_t a = (uint32_t)((i * 7) % 200), b2 = (uint32_t)((i * 3) % 146);
        int s = (a < 100 ? (int)a : 200 - (int)a) + (b2 < 73 ? (int)b2 : 146 - (int)b2) - 86;
        tone[i] = (unsigned char)(0xff ^ ((s < 0 ? 0x80 : 0) | ((s < 0 ? -s : s) & 0x7f)));
    }

    write_file_header(&o);
    uint64_t n_out[OC_COUNT] = { 0 }, sip_pkts = 0, rtp_pkts = 0, sip_bytes = 0;
    uint64_t last_t = 0, live = 0, peak_live = 0;
    static char msg[4096];

    while (h.n) {
        struct ev e = h.v[0];
        struct call *c = &calls[e.call];
        last_t = e.t;
        if (e.kind == 0) {
            int from_uas;
            int kind = c->ev_kind[c->iev];
            size_t len = build_sip(msg, sizeof msg, c, e.call, kind, &from_uas);
            uint32_t a = host_ip(0, c->uac), b = host_ip(1, c->uas);
            unsigned char *pl = write_udp(&o, e.t, from_uas ? b : a, from_uas ? a : b,
                                          SIP_PORT, SIP_PORT, 0x68, len);
            memcpy(pl, msg, len);
            sip_pkts++;
            sip_bytes += len;
            if (c->iev == 0) {
                n_out[c->outcome]++;
                if (++live > peak_live)
                    peak_live = live;
            }
            if (++c->iev < c->nev) {
                e.t = c->t0 + c->ev_off[c->iev];
                heap_replace_top(&h, &e);
            } else {
                live--;
                heap_replace_top(&h, NULL);
            }
        } else {
            int d = (int)e.kind - 1;
            uint32_t a = host_ip(0, c->uac), b = host_ip(1, c->uas);
            unsigned char *pl = write_udp(&o, e.t, d ? b : a, d ? a : b,
                                          d ? c->uas_rtp : c->uac_rtp,
                                          d ? c->uac_rtp : c->uas_rtp, 0xb8, 12 + RTP_PAYLOAD);
            pl[0] = 0x80;
            pl[1] = (unsigned char)(c->nsent[d] == 0 ? 0x80 : 0x00);   /* M bit, PT 0 */
            be16(pl + 2, c->seq[d]);
            be32(pl + 4, c->ts[d]);
            be32(pl + 8, c->ssrc[d]);
            memcpy(pl + 12, tone + (c->ts[d] + c->ssrc[d]) % 8000, RTP_PAYLOAD);
            c->seq[d]++;
            c->ts[d] += RTP_PAYLOAD;
            c->nsent[d]++;
            rtp_pkts++;
            /* Next packet: nominal 20 ms grid plus up to 0.4 ms of jitter. */
            uint64_t base = c->rtp_start[d] + (uint64_t)c->nsent[d] * RTP_PTIME_US;
            uint64_t next = base + hid(c->id ^ c->nsent[d], 20 + (uint64_t)d) % 400;
            if (next < c->rtp_end) {
                e.t = next;
                heap_replace_top(&h, &e);
            } else {
                heap_replace_top(&h, NULL);
            }
        }
    }
    out_flush(&o);
    if (o.f != stdout ? fclose(o.f) != 0 : fflush(o.f) != 0) {
        perror("gen: close");
        return 1;
    }

    fprintf(stderr, "gen: %llu calls (%s, %llu cps, seed %llu) -> %s\n",
            (unsigned long long)ncalls, rtp ? "SIP+RTP" : "SIP only",
            (unsigned long long)cps, (unsigned long long)seed, path);
    for (int i = 0; i < OC_COUNT; i++)
        fprintf(stderr, "  %-12s %8llu (%.1f %%)\n", outcome_name[i], (unsigned long long)n_out[i],
                100.0 * (double)n_out[i] / (double)ncalls);
    fprintf(stderr, "  SIP packets  %8llu (avg SIP message %.0f bytes)\n",
            (unsigned long long)sip_pkts, sip_pkts ? (double)sip_bytes / (double)sip_pkts : 0.0);
    fprintf(stderr, "  RTP packets  %8llu\n", (unsigned long long)rtp_pkts);
    fprintf(stderr, "  bytes        %8llu (%.1f MB), %.1f s of traffic, peak %llu concurrent calls\n",
            (unsigned long long)o.bytes, (double)o.bytes / 1e6, (double)last_t / 1e6,
            (unsigned long long)peak_live);
    fprintf(stderr, "gen-summary calls=%llu answered=%llu busy=%llu notfound=%llu unavailable=%llu "
            "cancelled=%llu sip_packets=%llu rtp_packets=%llu bytes=%llu duration_us=%llu peak_calls=%llu\n",
            (unsigned long long)ncalls, (unsigned long long)n_out[OC_ANSWERED],
            (unsigned long long)n_out[OC_BUSY], (unsigned long long)n_out[OC_NOTFOUND],
            (unsigned long long)n_out[OC_UNAVAIL], (unsigned long long)n_out[OC_CANCEL],
            (unsigned long long)sip_pkts, (unsigned long long)rtp_pkts,
            (unsigned long long)o.bytes, (unsigned long long)last_t,
            (unsigned long long)peak_live);
    free(h.v);
    free(calls);
    free(o.buf);
    return 0;
}
