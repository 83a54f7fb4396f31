/*
 * defrag.c - IPv4/IPv6 fragment reassembly (see defrag.h for the policy).
 *
 * References: RFC 791 §3.2 (IPv4 reassembly, 8-octet offsets, the
 * identification key), RFC 815 (hole tracking), RFC 8200 §4.5 (IPv6
 * Fragment header, unfragmentable / fragmentable parts, the 65535-byte
 * bound), RFC 5722 (overlapping IPv6 fragments).
 *
 * Data structures: datagrams live in one vector (indexes are stable; freed
 * slots are reused through a free list); a hash map goes from the key
 * (family, protocol for IPv4, identification, source, destination) to the
 * index.  Open datagrams are chained in a FIFO by first-seen time,
 * completed ones (kept briefly to recognise duplicates) in a second FIFO
 * by completion time; expiry and eviction only ever look at the heads.
 * Each datagram keeps two sorted lists of disjoint byte ranges: `seen`,
 * what its fragments claim on the wire, and `have`, what was captured
 * (they differ when snaplen cut a fragment), and one buffer holding the
 * captured bytes at their offsets.
 */
#include "src/defrag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/hmap.h"
#include "src/base/util.h"
#include "src/packet.h"

#define NONE UINT32_MAX
#define MAX_IP_LEN 65535u                 /* RFC 791 total length / RFC 8200 payload length */
#define DONE_LINGER_NS 2000000000LL       /* completed datagrams kept to absorb duplicates */
#define KEY_MAX 38                        /* 1 + 1 + 4 + 16 + 16 */
#define REPORT_RANGES 6                   /* byte ranges listed in one report */

enum { ST_FREE = 0, ST_OPEN, ST_DEAD, ST_DONE };

struct range {
    uint32_t a, b; /* [a, b) */
};

struct rset {
    struct range *r;
    size_t n, cap;
};

struct dgram {
    uint8_t key[KEY_MAX];
    uint8_t klen;
    uint8_t state;      /* ST_* */
    uint8_t family;     /* 4 or 6 */
    uint8_t proto;      /* IPv4: from the header; IPv6: from the first fragment */
    uint8_t have_first; /* a fragment at offset 0 arrived */
    uint8_t have_last;  /* a fragment with MF = 0 arrived: total is known */
    uint8_t later;      /* a fragment at offset > 0 arrived */
    uint8_t cut;        /* some fragment was cut by snaplen */
    uint32_t id;
    uint8_t src[16], dst[16];
    uint32_t total;     /* payload length, when have_last */
    uint32_t maxend;    /* highest end claimed by any fragment */
    uint32_t nfrags;
    int64_t t0;         /* first fragment (open, dead) or completion (done) */
    uint64_t frame0;    /* frame of the first fragment */
    uint8_t *buf;
    size_t cap;
    struct rset seen, have;
    size_t held;        /* bytes accounted in defrag.bytes */
    uint32_t prev, next; /* FIFO links; `next` also chains free slots */
};

struct fifo {
    uint32_t head, tail;
};

struct defrag {
    struct diag *diag;
    uint32_t max_dgrams;
    uint64_t max_bytes;
    uint32_t timeout_ms;
    int64_t timeout_ns, linger_ns;
    struct dgram *e;
    size_t ne, cap_e;
    uint32_t free_head;
    struct hmap map;
    struct fifo open, done; /* open: ST_OPEN and ST_DEAD; done: ST_DONE */
    size_t nlive, nopen;
    uint64_t bytes;
    struct defrag_stats st;
};

/* ---- byte range sets ---------------------------------------------------- */

/* First index whose range ends after a (ranges are sorted and disjoint). */
static size_t rs_lower(const struct rset *s, uint32_t a)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->r[mid].b > a)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Add [a, b), merging with overlapping or touching ranges. */
static void rs_add(struct rset *s, uint32_t a, uint32_t b)
{
    if (a >= b)
        return;
    size_t i = a ? rs_lower(s, a - 1) : 0; /* first range with end >= a */
    size_t j = i;
    while (j < s->n && s->r[j].a <= b)
        j++;
    if (i == j) {
        s->r = xgrow(s->r, &s->cap, s->n + 1, sizeof(*s->r));
        memmove(s->r + i + 1, s->r + i, (s->n - i) * sizeof(*s->r));
        s->r[i] = (struct range){a, b};
        s->n++;
        return;
    }
    if (s->r[i].a < a)
        a = s->r[i].a;
    if (s->r[j - 1].b > b)
        b = s->r[j - 1].b;
    s->r[i] = (struct range){a, b};
    memmove(s->r + i + 1, s->r + j, (s->n - j) * sizeof(*s->r));
    s->n -= j - i - 1;
}

/* Is [a, b) wholly inside the set? */
static int rs_covers(const struct rset *s, uint32_t a, uint32_t b)
{
    if (a >= b)
        return 1;
    size_t i = rs_lower(s, a);
    return i < s->n && s->r[i].a <= a && s->r[i].b >= b;
}

/* Bytes of [a, b) already in the set; *lo / *hi get the span overlapped. */
static uint32_t rs_overlap(const struct rset *s, uint32_t a, uint32_t b, uint32_t *lo, uint32_t *hi)
{
    uint32_t n = 0;
    *lo = *hi = 0;
    for (size_t i = rs_lower(s, a); i < s->n && s->r[i].a < b; i++) {
        uint32_t ra = s->r[i].a > a ? s->r[i].a : a, rb = s->r[i].b < b ? s->r[i].b : b;
        if (!n)
            *lo = ra;
        *hi = rb;
        n += rb - ra;
    }
    return n;
}

static void rs_free(struct rset *s)
{
    free(s->r);
    memset(s, 0, sizeof(*s));
}

/* ---- report text -------------------------------------------------------- */

struct text {
    char s[1024];
    size_t n;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(struct text *t, const char *fmt, ...)
{
    if (t->n >= sizeof t->s - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->s + t->n, sizeof t->s - t->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        t->n += (size_t)k < sizeof t->s - t->n ? (size_t)k : sizeof t->s - t->n - 1;
}

static const char *proto_name(uint8_t p)
{
    switch (p) {
    case 0: return "hop-by-hop";
    case 1: return "ICMP";
    case 4: return "IPv4";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IPv6";
    case 43: return "routing";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "ICMPv6";
    case 60: return "destination-options";
    case 132: return "SCTP";
    default: return NULL;
    }
}

/* "IPv4 datagram A -> B id 0x1234 proto UDP" */
static void describe(struct text *t, const struct dgram *e)
{
    struct endpoint s = {.family = e->family}, d = {.family = e->family};
    size_t alen = e->family == 4 ? 4 : 16;
    memcpy(s.addr, e->src, alen);
    memcpy(d.addr, e->dst, alen);
    char a[64], b[64];
    text_add(t, "IPv%u datagram %s -> %s id 0x%0*x proto ", e->family, endpoint_addr_str(&s, a, sizeof a),
             endpoint_addr_str(&d, b, sizeof b), e->family == 4 ? 4 : 8, (unsigned)e->id);
    if (e->family == 6 && !e->have_first)
        text_add(t, "?");
    else if (proto_name(e->proto))
        text_add(t, "%s", proto_name(e->proto));
    else
        text_add(t, "%u", e->proto);
}

/* ": have bytes 0-1479 of ?, missing 1480-2959 and the tail" */
static void describe_ranges(struct text *t, const struct dgram *e)
{
    const struct rset *s = &e->seen;
    if (!s->n) {
        text_add(t, ": have no bytes");
    } else {
        text_add(t, ": have bytes ");
        for (size_t i = 0; i < s->n && i < REPORT_RANGES; i++)
            text_add(t, "%s%u-%u", i ? ", " : "", s->r[i].a, s->r[i].b - 1);
        if (s->n > REPORT_RANGES)
            text_add(t, " and %zu more ranges", s->n - REPORT_RANGES);
    }
    if (e->have_last)
        text_add(t, " of %u, missing ", e->total);
    else
        text_add(t, " of ?, missing ");
    size_t gaps = 0;
    uint32_t pos = 0;
    for (size_t i = 0; i <= s->n; i++) {
        uint32_t a = pos, b;
        if (i < s->n) {
            b = s->r[i].a;
            pos = s->r[i].b;
        } else {
            if (!e->have_last)
                break;
            b = e->total;
        }
        if (a >= b)
            continue;
        if (gaps < REPORT_RANGES)
            text_add(t, "%s%u-%u", gaps ? ", " : "", a, b - 1);
        gaps++;
    }
    if (gaps > REPORT_RANGES)
        text_add(t, " and %zu more ranges", gaps - REPORT_RANGES);
    if (!e->have_last)
        text_add(t, "%sthe tail", gaps ? " and " : "");
}

static void report_incomplete(struct defrag *df, const struct dgram *e, const char *why)
{
    struct text t = {.n = 0};
    describe(&t, e);
    text_add(&t, " incomplete %s", why);
    describe_ranges(&t, e);
    text_add(&t, " (%u fragment%s, first in frame %llu)", e->nfrags, e->nfrags == 1 ? "" : "s",
             (unsigned long long)e->frame0);
    if (e->cut)
        text_add(&t, "; some fragments were cut by snaplen");
    if (e->have_first && !e->later)
        text_add(&t, "; only the first fragment was captured: a capture filter such as 'port 5060' keeps "
                     "first fragments (they carry the ports) and drops the later ones, capture with "
                     "e.g. '%s' instead",
                 e->family == 4 ? "port 5060 or (ip[6:2] & 0x1fff != 0)" : "port 5060 or ip6[6] == 44");
    df->st.incomplete++;
    diag_report(df->diag, DIAG_IP_FRAGMENT, "%s", t.s);
}

/* ---- datagram slots ----------------------------------------------------- */

static void fifo_push(struct defrag *df, struct fifo *q, uint32_t i)
{
    df->e[i].prev = q->tail;
    df->e[i].next = NONE;
    if (q->tail != NONE)
        df->e[q->tail].next = i;
    else
        q->head = i;
    q->tail = i;
}

static void fifo_unlink(struct defrag *df, struct fifo *q, uint32_t i)
{
    struct dgram *e = &df->e[i];
    if (e->prev != NONE)
        df->e[e->prev].next = e->next;
    else
        q->head = e->next;
    if (e->next != NONE)
        df->e[e->next].prev = e->prev;
    else
        q->tail = e->prev;
    e->prev = e->next = NONE;
}

/* Bring defrag.bytes up to date with what e holds now. */
static void account(struct defrag *df, struct dgram *e)
{
    size_t now = e->cap + (e->seen.cap + e->have.cap) * sizeof(struct range);
    df->bytes = df->bytes - e->held + now;
    e->held = now;
}

static void drop_data(struct defrag *df, struct dgram *e)
{
    free(e->buf);
    e->buf = NULL;
    e->cap = 0;
    rs_free(&e->seen);
    rs_free(&e->have);
    account(df, e);
}

static void release(struct defrag *df, uint32_t i)
{
    struct dgram *e = &df->e[i];
    if (e->state == ST_DONE) {
        fifo_unlink(df, &df->done, i);
    } else {
        fifo_unlink(df, &df->open, i);
        df->nopen--;
    }
    hmap_del(&df->map, e->key, e->klen);
    drop_data(df, e);
    e->state = ST_FREE;
    e->next = df->free_head;
    df->free_head = i;
    df->nlive--;
}

/* Evict the oldest datagram other than `keep`: completed ones first (they
 * hold nothing anyone waits for), then the oldest open one, reported as
 * incomplete against `limit`.  Returns 0 when there is nothing to evict. */
static int evict_one(struct defrag *df, uint32_t keep, const char *limit, uint64_t value)
{
    uint32_t v = df->done.head;
    if (v == keep && v != NONE)
        v = df->e[v].next;
    if (v == NONE) {
        v = df->open.head;
        if (v == keep && v != NONE)
            v = df->e[v].next;
    }
    if (v == NONE)
        return 0;
    if (df->e[v].state == ST_OPEN) {
        char why[128];
        snprintf(why, sizeof why, "(evicted: limit %s=%llu reached)", limit, (unsigned long long)value);
        report_incomplete(df, &df->e[v], why);
        diag_limit(df->diag, limit, "IP reassembly limit %s=%llu reached; the oldest datagram was dropped", limit,
                   (unsigned long long)value);
    }
    release(df, v);
    return 1;
}

/* Enforce frag_bytes with entry `keep` just grown.  Returns 0 when `keep`
 * itself had to go. */
static int bound_bytes(struct defrag *df, uint32_t keep)
{
    while (df->bytes > df->max_bytes)
        if (!evict_one(df, keep, "frag-bytes", df->max_bytes))
            break;
    if (df->bytes <= df->max_bytes)
        return 1;
    report_incomplete(df, &df->e[keep], "(dropped: it alone exceeds limit frag-bytes)");
    diag_limit(df->diag, "frag-bytes", "IP reassembly limit frag-bytes=%llu reached; a datagram was dropped",
               (unsigned long long)df->max_bytes);
    release(df, keep);
    return 0;
}

static uint32_t slot_new(struct defrag *df)
{
    uint32_t i;
    if (df->free_head != NONE) {
        i = df->free_head;
        df->free_head = df->e[i].next;
    } else {
        df->e = xgrow(df->e, &df->cap_e, df->ne + 1, sizeof(*df->e));
        i = (uint32_t)df->ne++;
    }
    memset(&df->e[i], 0, sizeof(df->e[i]));
    df->e[i].prev = df->e[i].next = NONE;
    return i;
}

static size_t make_key(const struct defrag_frag *fr, uint8_t *k)
{
    size_t alen = fr->family == 4 ? 4 : 16;
    k[0] = fr->family;
    k[1] = fr->family == 4 ? fr->proto : 0; /* IPv6: the protocol is not part of the key */
    k[2] = (uint8_t)(fr->id >> 24);
    k[3] = (uint8_t)(fr->id >> 16);
    k[4] = (uint8_t)(fr->id >> 8);
    k[5] = (uint8_t)fr->id;
    memcpy(k + 6, fr->src, alen);
    memcpy(k + 6 + alen, fr->dst, alen);
    return 6 + 2 * alen;
}

/* ---- public ------------------------------------------------------------- */

struct defrag *defrag_new(const struct limits *lim, struct diag *diag)
{
    static const struct limits defaults = LIMITS_DEFAULT_INIT;
    if (!lim)
        lim = &defaults;
    struct defrag *df = xcalloc(1, sizeof(*df));
    df->diag = diag;
    df->max_dgrams = lim->frag_datagrams ? lim->frag_datagrams : 1;
    df->max_bytes = lim->frag_bytes;
    df->timeout_ms = lim->frag_timeout_ms;
    df->timeout_ns = (int64_t)lim->frag_timeout_ms * 1000000;
    df->linger_ns = df->timeout_ns < DONE_LINGER_NS ? df->timeout_ns : DONE_LINGER_NS;
    df->free_head = NONE;
    df->open.head = df->open.tail = df->done.head = df->done.tail = NONE;
    hmap_init(&df->map);
    return df;
}

void defrag_free(struct defrag *df)
{
    if (!df)
        return;
    for (size_t i = 0; i < df->ne; i++) {
        free(df->e[i].buf);
        rs_free(&df->e[i].seen);
        rs_free(&df->e[i].have);
    }
    free(df->e);
    hmap_fini(&df->map);
    free(df);
}

const struct defrag_stats *defrag_stats(const struct defrag *df)
{
    return &df->st;
}

size_t defrag_pending(const struct defrag *df)
{
    return df->nopen;
}

/* now - t > span, without signed overflow on odd timestamps. */
static int older(int64_t now, int64_t t, int64_t span)
{
    return now > t && (uint64_t)now - (uint64_t)t > (uint64_t)span;
}

void defrag_expire(struct defrag *df, int64_t now)
{
    while (df->open.head != NONE && older(now, df->e[df->open.head].t0, df->timeout_ns)) {
        uint32_t i = df->open.head;
        if (df->e[i].state == ST_OPEN) {
            char why[64];
            if (df->timeout_ms % 1000 == 0)
                snprintf(why, sizeof why, "after %u s", df->timeout_ms / 1000);
            else
                snprintf(why, sizeof why, "after %u ms", df->timeout_ms);
            report_incomplete(df, &df->e[i], why);
        }
        release(df, i);
    }
    while (df->done.head != NONE && older(now, df->e[df->done.head].t0, df->linger_ns))
        release(df, df->done.head);
}

void defrag_flush(struct defrag *df)
{
    while (df->open.head != NONE) {
        uint32_t i = df->open.head;
        if (df->e[i].state == ST_OPEN)
            report_incomplete(df, &df->e[i], "at end of input");
        release(df, i);
    }
    while (df->done.head != NONE)
        release(df, df->done.head);
}

/* Compare the captured bytes of [a, a+n) with what e already has there and
 * copy in the bytes it lacks (the first copy of every byte wins).  Returns
 * the number of differing bytes; *lo..*hi spans them. */
static uint32_t merge_bytes(struct dgram *e, uint32_t a, const uint8_t *p, uint32_t n, uint32_t *lo, uint32_t *hi)
{
    uint32_t b = a + n, pos = a, diff = 0;
    for (size_t i = rs_lower(&e->have, a); i < e->have.n && e->have.r[i].a < b; i++) {
        uint32_t ra = e->have.r[i].a > a ? e->have.r[i].a : a;
        uint32_t rb = e->have.r[i].b < b ? e->have.r[i].b : b;
        if (pos < ra)
            memcpy(e->buf + pos, p + (pos - a), ra - pos);
        for (uint32_t k = ra; k < rb; k++) {
            if (e->buf[k] != p[k - a]) {
                if (!diff)
                    *lo = k;
                *hi = k;
                diff++;
            }
        }
        pos = rb;
    }
    if (pos < b)
        memcpy(e->buf + pos, p + (pos - a), b - pos);
    return diff;
}

/* Is fr an exact copy of part of the completed datagram e? */
static int dup_of_done(const struct dgram *e, const struct defrag_frag *fr)
{
    uint64_t end = (uint64_t)fr->off + fr->wire_len;
    if (end > e->total || (!fr->more && end != e->total) || (fr->more && fr->wire_len % 8))
        return 0;
    uint32_t a = fr->off, n = fr->len < fr->wire_len ? fr->len : fr->wire_len, b = a + n;
    for (size_t i = rs_lower(&e->have, a); i < e->have.n && e->have.r[i].a < b; i++) {
        uint32_t ra = e->have.r[i].a > a ? e->have.r[i].a : a;
        uint32_t rb = e->have.r[i].b < b ? e->have.r[i].b : b;
        if (memcmp(e->buf + ra, fr->data + (ra - a), rb - ra) != 0)
            return 0;
    }
    return 1;
}

static void report_fragment(struct defrag *df, const struct dgram *e, const struct defrag_frag *fr,
                            const char *what)
{
    struct text t = {.n = 0};
    describe(&t, e);
    text_add(&t, ": fragment at offset %u, %u bytes%s: %s", fr->off, fr->wire_len, fr->more ? "" : " (last)", what);
    diag_report(df->diag, DIAG_BAD_IP, "%s", t.s);
}

int defrag_add(struct defrag *df, int64_t now, const struct defrag_frag *fr, struct defrag_done *out)
{
    memset(out, 0, sizeof(*out));
    df->st.fragments++;
    uint8_t key[KEY_MAX];
    size_t klen = make_key(fr, key);
    uint32_t i = NONE;
    if (hmap_get(&df->map, key, klen, &i)) {
        struct dgram *e = &df->e[i];
        if (e->state == ST_DEAD) { /* already reported as dropped */
            e->nfrags++;
            return 0;
        }
        if (e->state == ST_DONE) {
            if (dup_of_done(e, fr)) {
                df->st.duplicates++;
                return 0;
            }
            release(df, i); /* identification reused: a new datagram */
            i = NONE;
        }
    }
    if (i == NONE) {
        while (df->nlive >= df->max_dgrams && evict_one(df, NONE, "frag-datagrams", df->max_dgrams))
            ;
        i = slot_new(df);
        struct dgram *e = &df->e[i];
        memcpy(e->key, key, klen);
        e->klen = (uint8_t)klen;
        e->state = ST_OPEN;
        e->family = fr->family;
        e->proto = fr->family == 4 ? fr->proto : 0;
        e->id = fr->id;
        memcpy(e->src, fr->src, fr->family == 4 ? 4 : 16);
        memcpy(e->dst, fr->dst, fr->family == 4 ? 4 : 16);
        e->t0 = now;
        e->frame0 = fr->frame;
        hmap_put(&df->map, key, klen, i);
        fifo_push(df, &df->open, i);
        df->nlive++;
        df->nopen++;
    }
    struct dgram *e = &df->e[i];

    /* Lengths must agree (RFC 791 §3.2, RFC 8200 §4.5). */
    uint64_t end = (uint64_t)fr->off + fr->wire_len;
    char bad[160] = "";
    if (fr->hdr_len + end > MAX_IP_LEN)
        snprintf(bad, sizeof bad, "the reassembled datagram would be %llu bytes, more than %u",
                 (unsigned long long)(fr->hdr_len + end), MAX_IP_LEN);
    else if (fr->more && fr->wire_len % 8)
        snprintf(bad, sizeof bad, "a fragment other than the last is %u bytes, not a multiple of 8", fr->wire_len);
    else if (!fr->more && e->have_last && end != e->total)
        snprintf(bad, sizeof bad, "two last fragments give lengths %u and %llu", e->total, (unsigned long long)end);
    else if (!fr->more && end < e->maxend)
        snprintf(bad, sizeof bad, "the last fragment ends at %llu but fragments reach %u", (unsigned long long)end,
                 e->maxend);
    else if (fr->more && e->have_last && end > e->total)
        snprintf(bad, sizeof bad, "a fragment ends at %llu, past the length %u set by the last fragment",
                 (unsigned long long)end, e->total);
    e->nfrags++;
    if (bad[0]) {
        struct text t = {.n = 0};
        describe(&t, e);
        text_add(&t, " dropped: %s (fragment at offset %u in frame %llu; first fragment in frame %llu)", bad, fr->off,
                 (unsigned long long)fr->frame, (unsigned long long)e->frame0);
        diag_report(df->diag, DIAG_IP_FRAGMENT, "%s", t.s);
        df->st.invalid++;
        e->state = ST_DEAD;
        drop_data(df, e);
        return 0;
    }

    if (fr->off == 0) {
        if (!e->have_first && e->family == 6)
            e->proto = fr->proto;
        e->have_first = 1;
    } else {
        e->later = 1;
    }
    if (!fr->more) {
        e->have_last = 1;
        e->total = (uint32_t)end;
    }
    if (end > e->maxend)
        e->maxend = (uint32_t)end;
    if (fr->len < fr->wire_len)
        e->cut = 1;

    /* Classify against what the wire already gave, then merge the bytes. */
    uint32_t a = fr->off, b = (uint32_t)end;
    uint32_t n = fr->len < fr->wire_len ? fr->len : fr->wire_len;
    uint32_t olo, ohi, dlo = 0, dhi = 0, diff = 0;
    uint32_t over = rs_overlap(&e->seen, a, b, &olo, &ohi);
    if (n) {
        size_t need = (size_t)a + n;
        if (need > e->cap) {
            size_t ncap = e->have_last ? e->total : e->cap * 2;
            if (ncap < need)
                ncap = need;
            if (ncap > MAX_IP_LEN)
                ncap = need > MAX_IP_LEN ? need : MAX_IP_LEN;
            e->buf = xrealloc(e->buf, ncap);
            e->cap = ncap;
        }
        diff = merge_bytes(e, a, fr->data, n, &dlo, &dhi);
        rs_add(&e->have, a, a + n);
    }
    rs_add(&e->seen, a, b);
    account(df, e);
    if (diff) {
        char w[128];
        snprintf(w, sizeof w, "conflicting overlap: bytes %u-%u differ from those received first, which are kept",
                 dlo, dhi);
        df->st.conflicts++;
        report_fragment(df, e, fr, w);
    } else if (over && over == b - a) {
        df->st.duplicates++;
    } else if (over) {
        char w[128];
        snprintf(w, sizeof w, "overlap: bytes %u-%u were already received (same bytes; the first copy is kept)",
                 olo, ohi - 1);
        df->st.overlaps++;
        report_fragment(df, e, fr, w);
    }
    if (!bound_bytes(df, i))
        return 0;
    e = &df->e[i];

    if (!e->have_last || !rs_covers(&e->seen, 0, e->total))
        return 0;
    /* Complete: hand out the captured prefix; keep the bytes a little
     * longer to recognise duplicates. */
    uint32_t len = 0;
    if (e->have.n && e->have.r[0].a == 0)
        len = e->have.r[0].b < e->total ? e->have.r[0].b : e->total;
    out->data = xmemdup(e->buf, len);
    out->len = len;
    out->total = e->total;
    out->proto = e->proto;
    df->st.reassembled++;
    fifo_unlink(df, &df->open, i);
    df->nopen--;
    rs_free(&e->seen);
    account(df, e);
    e->state = ST_DONE;
    e->t0 = now;
    fifo_push(df, &df->done, i);
    return 1;
}
