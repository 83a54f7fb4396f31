/*
 * capture.c - offline capture reading with a k-way timestamp merge and
 * duplicate-frame removal (see capture.h).
 *
 * Opening: every input is opened as a FILE (a path, "-" for stdin, or a
 * FILE given by the caller) and its first 4 bytes are peeked at.  pcapng
 * (0x0A0D0D0A) goes to our own reader (src/pcapng.c), which accepts
 * interfaces of different link types in one file; anything else goes to
 * libpcap as before (pcap_fopen_offline_with_tstamp_precision).  libpcap
 * must see the file from its first byte, so the peeked bytes are given
 * back: a seekable FILE (regular file, fmemopen, stdin redirected from a
 * file) is fseeko'd back; a pipe gets a FILE from fopencookie() that
 * replays the peeked bytes and then reads on from the original FILE
 * (glibc; elsewhere, or with -DSIPLADDER_NO_FOPENCOOKIE, the rest of the
 * pipe is read into memory and given to libpcap through fmemopen).
 *
 * Merge: each input keeps one frame of look-ahead (its data stays valid
 * until the next read on *that* input), and the earliest frame is
 * delivered next; ties keep command-line order.
 *
 * Filter: the BPF program is compiled once per distinct link type with
 * pcap_open_dead() + pcap_compile() and applied per frame with
 * pcap_offline_filter(), for pcap and pcapng alike.  Frame numbers count
 * every frame of the file (filtered, unsupported and duplicate frames
 * included, and the pcapng records Wireshark numbers, see pcapng.h), so
 * they are the numbers tshark and Wireshark show.
 *
 * Duplicates (rule): a frame is a duplicate, counted and not delivered,
 * when it has the same timestamp, link type, captured and original length
 * and the same bytes as
 *   (a) a frame of ANOTHER input delivered within the last
 *       DEDUP_WINDOW_NS of capture time (overlapping capture points,
 *       rotated files with overlap, the same file given twice), or
 *   (b) the frame just before it in the SAME input (a span session
 *       mirroring both directions of a port records each packet twice).
 * Identical frames of one input that are not consecutive are kept (they
 * can be genuine repeats).  Rule (b) keeps a copy of each input's last
 * frame (one reused buffer per input).  Rule (a) uses a recent-window set
 * of delivered frames, only when there are several inputs: at most
 * DEDUP_MAX_ENTRIES frames and DEDUP_MAX_BYTES copied bytes (oldest
 * evicted first), hashed on (ts, caplen, len, link type, a few words of
 * the bytes).  Eviction can only let a duplicate through, never drop a
 * real frame: matches are confirmed by comparing the bytes, never by
 * hash alone.  Frames without a timestamp (pcapng Simple Packet Blocks)
 * are never treated as duplicates.
 */
#define _GNU_SOURCE /* fopencookie(); this file only (see above) */

#include "src/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "src/base/util.h"
#include "src/decode.h"
#include "src/pcapng.h"

#define DEDUP_WINDOW_NS 1000000000LL     /* 1 s of capture time */
#define DEDUP_MAX_ENTRIES (1u << 20)
#define DEDUP_MAX_BYTES ((size_t)64 << 20)
#define DEDUP_MAX_FRAME 262144u          /* larger frames are not tracked */
#define DEDUP_MAX_PROBE 64               /* candidates compared per lookup (bounds hostile chains) */
#define DD_NIL UINT32_MAX
#define DD_CHUNK ((size_t)1 << 20)       /* copied bytes live in chunks of this size */
#define DD_SPARE 2                       /* emptied chunks kept for reuse */

#define BPF_SNAPLEN 262144

struct src {
    pcap_t *p;                  /* libpcap input, or */
    struct pcapng_reader *ng;   /* our pcapng reader ... */
    FILE *ngfp;                 /* ... and its FILE (closed by us unless stdin) */
    void *membuf;               /* non-glibc pipe fallback: the bytes given to fmemopen */
    int idx;
    int has;                    /* a frame is waiting */
    int done;
    /* the waiting frame */
    int64_t ts;
    int has_ts;
    uint32_t caplen, len;
    int dlt;
    const uint8_t *data;
    uint64_t no;                /* number of the waiting frame (frames read so far) */
    /* the frame considered before it, for duplicate rule (b) */
    uint8_t *prev;
    size_t prevcap;
    uint64_t prevno;            /* 0 = none */
    int64_t prevts;
    uint32_t prevcaplen, prevlen;
    int prevdlt;
};

struct bpf_entry {
    int dlt;
    int ok;
    struct bpf_program prog;
    char *err;                  /* why it did not compile (said once per distinct text) */
};

/* Copies of frame bytes, allocated in FIFO order like the entries; a
 * chunk is reused or freed once its last entry is evicted. */
struct dd_chunk {
    struct dd_chunk *next;      /* spare list */
    size_t used;
    size_t live;                /* entries whose bytes are here */
    uint8_t data[];
};

struct dd_ent {
    uint64_t h;
    int64_t ts;
    uint64_t no;
    const uint8_t *data;
    struct dd_chunk *chunk;
    uint32_t caplen, len;
    int dlt;
    uint32_t file;
    uint32_t next, prev;        /* hash chain, ring slot indexes */
};

/* Recent-window duplicate set: a FIFO ring (oldest at `head`) indexed by
 * a chained hash table whose chains are doubly linked (O(1) eviction). */
struct dedup {
    struct dd_ent *e;
    uint32_t cap, head, n;      /* cap: power of 2 */
    uint32_t *bucket;           /* 2 * cap heads */
    size_t bytes;
    int64_t hwm;                /* latest timestamp seen (INT64_MIN: none) */
    struct dd_chunk *cur;       /* where new copies go */
    struct dd_chunk *spare;
    unsigned nspare;
};

struct run {
    const struct capture_opts *o;
    struct diag *diag;
    struct capture_file_info *info;
    struct bpf_entry *bpf;
    size_t nbpf, capbpf;
    struct dedup dd;
};

/* ---- opening ---------------------------------------------------------- */

static void explain_open_error(const char *name, const char *err)
{
    if (strstr(err, "unknown file format") || strstr(err, "bad dump file format"))
        fprintf(stderr, "sipladder: %s: not a pcap or pcapng capture file (%s)\n", name, err);
    else if (strstr(err, "truncated"))
        fprintf(stderr, "sipladder: %s: capture file is truncated or empty (%s)\n", name, err);
    else
        fprintf(stderr, "sipladder: %s: cannot read capture: %s\n", name, err);
}

static void close_fp(FILE *fp)
{
    if (fp && fp != stdin)
        fclose(fp);
}

#if defined(__GLIBC__) && !defined(SIPLADDER_NO_FOPENCOOKIE)
/* A read-only FILE that yields `pre` and then the rest of `fp`. */
struct replay {
    FILE *fp;
    size_t npre, off;
    uint8_t pre[4];
};

static ssize_t replay_read(void *cookie, char *buf, size_t n)
{
    struct replay *r = cookie;
    size_t got = 0;
    if (r->off < r->npre) {
        got = r->npre - r->off < n ? r->npre - r->off : n;
        memcpy(buf, r->pre + r->off, got);
        r->off += got;
    }
    if (got < n)
        got += fread(buf + got, 1, n - got, r->fp);
    if (got == 0 && ferror(r->fp))
        return -1;
    return (ssize_t)got;
}

static int replay_close(void *cookie)
{
    struct replay *r = cookie;
    close_fp(r->fp);
    free(r);
    return 0;
}

/* `fp` is owned by the returned FILE (closed with it unless stdin). */
static FILE *replay_open(FILE *fp, const uint8_t *pre, size_t npre, void **membuf)
{
    (void)membuf;
    struct replay *r = xcalloc(1, sizeof(*r));
    r->fp = fp;
    r->npre = npre; /* <= 4 */
    memcpy(r->pre, pre, npre);
    cookie_io_functions_t io = {.read = replay_read, .close = replay_close};
    FILE *f = fopencookie(r, "rb", io);
    if (!f)
        free(r);
    return f;
}
#else
/* Portable fallback: read the whole rest of the stream into memory. */
static FILE *replay_open(FILE *fp, const uint8_t *pre, size_t npre, void **membuf)
{
    size_t cap = 65536, n = npre;
    uint8_t *b = xmalloc(cap);
    memcpy(b, pre, npre);
    for (;;) {
        b = xgrow(b, &cap, n + 65536, 1);
        size_t k = fread(b + n, 1, cap - n, fp);
        n += k;
        if (k == 0)
            break;
    }
    close_fp(fp);
    FILE *f = fmemopen(b, n ? n : 1, "rb");
    if (!f) {
        free(b);
        return NULL;
    }
    *membuf = b;
    return f;
}
#endif

/* Open input `i`; on failure prints why and returns -1. */
static int open_src(const struct capture_input *in, struct src *s, struct capture_file_info *fi)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    FILE *fp = in->fp;
    if (!fp) {
        fp = strcmp(in->name, "-") == 0 ? stdin : fopen(in->name, "rb");
        if (!fp) {
            snprintf(errbuf, sizeof errbuf, "%s: %s", in->name, strerror(errno));
            explain_open_error(fi->name, errbuf);
            return -1;
        }
    }
    off_t pos = ftello(fp);
    uint8_t magic[4];
    size_t got = fread(magic, 1, sizeof magic, fp);
    if (got < sizeof magic && ferror(fp)) {
        snprintf(errbuf, sizeof errbuf, "error reading the file header: %s", strerror(errno));
        explain_open_error(fi->name, errbuf);
        close_fp(fp);
        return -1;
    }
    if (got == 4 && magic[0] == 0x0A && magic[1] == 0x0D && magic[2] == 0x0D && magic[3] == 0x0A) {
        s->ng = pcapng_open(fp, magic, got);
        s->ngfp = fp;
        fi->nano = 1; /* our reader gives ns whatever the if_tsresol */
        return 0;
    }
    FILE *pf = fp;
    if (got && !(pos >= 0 && fseeko(fp, pos, SEEK_SET) == 0)) {
        pf = replay_open(fp, magic, got, &s->membuf);
        if (!pf) {
            snprintf(errbuf, sizeof errbuf, "cannot re-read the file header: %s", strerror(errno));
            explain_open_error(fi->name, errbuf);
            close_fp(fp);
            return -1;
        }
    }
    errbuf[0] = 0;
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(pf, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!p) {
        close_fp(pf); /* libpcap closes it only on success */
        free(s->membuf);
        s->membuf = NULL;
        explain_open_error(fi->name, errbuf);
        return -1;
    }
    s->p = p;
    fi->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
    fi->dlt = pcap_datalink(p);
    fi->dlt_name = pcap_datalink_val_to_name(fi->dlt);
    return 0;
}

/* pcapng stores LINKTYPE_ values; decode and libpcap's BPF compiler want
 * DLT_ values.  They differ only for a few historical types (as in
 * libpcap's linktype_to_dlt()). */
static int linktype_to_dlt(int lt)
{
    switch (lt) {
    case 100:
        return DLT_ATM_RFC1483;
    case 101:
        return DLT_RAW;
    case 102:
        return DLT_SLIP_BSDOS;
    case 103:
        return DLT_PPP_BSDOS;
    case 106:
        return DLT_ATM_CLIP;
    default:
        return lt;
    }
}

/* ---- BPF -------------------------------------------------------------- */

/* The filter compiled for `dlt`, or NULL if it does not compile for that
 * link type (said once; the file is then marked as failed). */
static const struct bpf_program *bpf_for(struct run *R, int dlt, struct capture_file_info *fi)
{
    struct bpf_entry *b = NULL;
    for (size_t i = 0; i < R->nbpf; i++)
        if (R->bpf[i].dlt == dlt)
            b = &R->bpf[i];
    if (!b) {
        R->bpf = xgrow(R->bpf, &R->capbpf, R->nbpf + 1, sizeof(*R->bpf));
        b = &R->bpf[R->nbpf++];
        memset(b, 0, sizeof(*b));
        b->dlt = dlt;
        pcap_t *dead = pcap_open_dead(dlt, BPF_SNAPLEN);
        if (!dead) {
            fprintf(stderr, "sipladder: %s: cannot prepare filter for link type %d\n", fi->name, dlt);
        } else {
            b->ok = pcap_compile(dead, &b->prog, R->o->filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
            if (!b->ok) {
                b->err = xstrdup(pcap_geterr(dead));
                int said = 0; /* a syntax error is the same for every link type */
                for (size_t i = 0; i + 1 < R->nbpf; i++)
                    said |= R->bpf[i].err && strcmp(R->bpf[i].err, b->err) == 0;
                const char *n = pcap_datalink_val_to_name(dlt);
                if (!said)
                    fprintf(stderr, "sipladder: %s: bad filter '%s' for link type %s (%d): %s\n", fi->name,
                            R->o->filter, n ? n : "?", dlt, b->err);
            }
            pcap_close(dead);
        }
    }
    if (!b->ok) {
        fi->error = 1;
        return NULL;
    }
    return &b->prog;
}

/* ---- duplicate set ---------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

/* 8 bytes at `off` (fewer, zero-filled, near the end). */
static uint64_t word_at(const struct frame *f, size_t off)
{
    uint64_t v = 0;
    if (off < f->caplen)
        memcpy(&v, f->data + off, f->caplen - off < 8 ? f->caplen - off : 8);
    return v;
}

/* Hash of the compared fields and three words of the bytes (where IPv4
 * over Ethernet has its ID and checksum, the middle and the end): cheap,
 * and equal frames always hash equal (the bytes are compared anyway). */
static uint64_t frame_hash(const struct frame *f)
{
    uint64_t h = mix(0x243F6A8885A308D3ull, (uint64_t)f->ts);
    h = mix(h, ((uint64_t)f->caplen << 32 | f->len) ^ (uint64_t)(uint32_t)f->dlt << 20);
    h = mix(h, word_at(f, 16));
    h = mix(h, word_at(f, f->caplen / 2));
    return mix(h, word_at(f, f->caplen > 8 ? f->caplen - 8 : 0));
}

static void dd_link(struct dedup *d, uint32_t slot)
{
    uint32_t b = (uint32_t)(d->e[slot].h & (2 * d->cap - 1));
    d->e[slot].prev = DD_NIL;
    d->e[slot].next = d->bucket[b];
    if (d->bucket[b] != DD_NIL)
        d->e[d->bucket[b]].prev = slot;
    d->bucket[b] = slot;
}

static void dd_chunk_release(struct dedup *d, struct dd_chunk *c)
{
    if (d->nspare < DD_SPARE) {
        c->next = d->spare;
        d->spare = c;
        d->nspare++;
    } else {
        free(c);
    }
}

/* Room for `n` (<= DEDUP_MAX_FRAME) bytes; *chunk receives its chunk. */
static uint8_t *dd_alloc(struct dedup *d, size_t n, struct dd_chunk **chunk)
{
    if (!d->cur || d->cur->used + n > DD_CHUNK) {
        struct dd_chunk *old = d->cur;
        if (d->spare) {
            d->cur = d->spare;
            d->spare = d->spare->next;
            d->nspare--;
        } else {
            d->cur = xmalloc(sizeof(struct dd_chunk) + DD_CHUNK);
        }
        d->cur->used = 0;
        d->cur->live = 0;
        if (old && !old->live)
            dd_chunk_release(d, old);
    }
    uint8_t *p = d->cur->data + d->cur->used;
    d->cur->used += n;
    d->cur->live++;
    *chunk = d->cur;
    return p;
}

static void dd_evict_oldest(struct dedup *d)
{
    uint32_t slot = d->head;
    struct dd_ent *x = &d->e[slot];
    if (x->prev != DD_NIL)
        d->e[x->prev].next = x->next;
    else
        d->bucket[x->h & (2 * d->cap - 1)] = x->next;
    if (x->next != DD_NIL)
        d->e[x->next].prev = x->prev;
    if (--x->chunk->live == 0) {
        if (x->chunk == d->cur)
            d->cur->used = 0; /* nothing lives here any more: start again */
        else
            dd_chunk_release(d, x->chunk);
    }
    d->bytes -= x->caplen;
    d->head = (d->head + 1) & (d->cap - 1);
    d->n--;
}

static void dd_grow(struct dedup *d)
{
    uint32_t ncap = d->cap ? d->cap * 2 : 16;
    struct dd_ent *ne = xcalloc(ncap, sizeof(*ne));
    for (uint32_t k = 0; k < d->n; k++)
        ne[k] = d->e[(d->head + k) & (d->cap - 1)];
    free(d->e);
    free(d->bucket);
    d->e = ne;
    d->cap = ncap;
    d->head = 0;
    d->bucket = xmalloc((size_t)2 * ncap * sizeof(*d->bucket));
    for (size_t b = 0; b < (size_t)2 * ncap; b++)
        d->bucket[b] = DD_NIL;
    for (uint32_t k = 0; k < d->n; k++) /* oldest first: newest ends at each chain's head */
        dd_link(d, k);
}

static void dd_free(struct dedup *d)
{
    while (d->n)
        dd_evict_oldest(d);
    free(d->e);
    free(d->bucket);
    free(d->cur);
    while (d->spare) {
        struct dd_chunk *c = d->spare;
        d->spare = c->next;
        free(c);
    }
}

/*
 * Rule (a): is frame `f` (number `no` of input `file`) the same as a
 * frame of another input in the window?  If so returns 1 with that
 * frame's input and number; otherwise remembers the frame, returns 0.
 */
static int dd_check(struct dedup *d, uint32_t file, uint64_t no, const struct frame *f, uint32_t *ofile,
                    uint64_t *ono)
{
    /* every entry has ts <= hwm: a later frame cannot match (the usual
     * case with time-ordered inputs, which saves the lookup) */
    int may_match = d->n && f->ts <= d->hwm;
    if (f->ts > d->hwm)
        d->hwm = f->ts;
    int64_t horizon = d->hwm > INT64_MIN + DEDUP_WINDOW_NS ? d->hwm - DEDUP_WINDOW_NS : INT64_MIN;
    while (d->n && d->e[d->head].ts < horizon)
        dd_evict_oldest(d);
    if (f->caplen > DEDUP_MAX_FRAME)
        return 0;
    uint64_t h = frame_hash(f);
    if (may_match && d->n) {
        uint32_t slot = d->bucket[h & (2 * d->cap - 1)];
        for (unsigned probes = 0; slot != DD_NIL && probes < DEDUP_MAX_PROBE; probes++, slot = d->e[slot].next) {
            struct dd_ent *x = &d->e[slot];
            if (x->h != h || x->ts != f->ts || x->caplen != f->caplen || x->len != f->len || x->dlt != f->dlt)
                continue;
            if (x->file == file || (f->caplen && memcmp(x->data, f->data, f->caplen) != 0))
                continue;
            *ofile = x->file;
            *ono = x->no;
            return 1;
        }
    }
    while (d->n && (d->n >= DEDUP_MAX_ENTRIES || d->bytes + f->caplen > DEDUP_MAX_BYTES))
        dd_evict_oldest(d);
    if (d->n == d->cap)
        dd_grow(d);
    uint32_t slot = (d->head + d->n) & (d->cap - 1);
    struct dd_chunk *chunk;
    uint8_t *copy = dd_alloc(d, f->caplen, &chunk);
    if (f->caplen)
        memcpy(copy, f->data, f->caplen);
    d->e[slot] = (struct dd_ent){
        .h = h, .ts = f->ts, .no = no, .data = copy, .chunk = chunk,
        .caplen = f->caplen, .len = f->len, .dlt = f->dlt, .file = file,
    };
    dd_link(d, slot);
    d->n++;
    d->bytes += f->caplen;
    return 0;
}

/* Rule (b): is `f` the same as the frame considered just before it in
 * its input?  Then returns 1 with that frame's number.  Either way `f`
 * becomes the previous frame (its bytes copied into a reused buffer). */
static int same_as_prev(struct src *s, const struct frame *f, uint64_t *ono)
{
    if (s->prevno && s->prevno + 1 == f->no && s->prevts == f->ts && s->prevcaplen == f->caplen &&
        s->prevlen == f->len && s->prevdlt == f->dlt && (!f->caplen || memcmp(s->prev, f->data, f->caplen) == 0)) {
        *ono = s->prevno;
        s->prevno = f->no; /* the bytes are the same: nothing to copy */
        return 1;
    }
    if (f->caplen > DEDUP_MAX_FRAME) {
        s->prevno = 0;
        return 0;
    }
    s->prev = xgrow(s->prev, &s->prevcap, f->caplen, 1);
    if (f->caplen)
        memcpy(s->prev, f->data, f->caplen);
    s->prevno = f->no;
    s->prevts = f->ts;
    s->prevcaplen = f->caplen;
    s->prevlen = f->len;
    s->prevdlt = f->dlt;
    return 0;
}

/* ---- reading ---------------------------------------------------------- */

static void read_error(struct run *R, struct src *s, const char *e, int truncated)
{
    struct capture_file_info *fi = &R->info[s->idx];
    fi->error = 1;
    if (truncated || strstr(e, "truncated"))
        fi->truncated = 1;
    R->diag->file = fi->name;
    R->diag->frame = 0;
    diag_report(R->diag, DIAG_PCAP_ERROR, "read error after frame %llu: %s; frames before it were analysed",
                (unsigned long long)s->no, e);
}

/* Read the next frame to deliver from `s` into its look-ahead (skipping
 * frames of unsupported link types and frames the filter rejects), or
 * mark `s` done. */
static void advance(struct run *R, struct src *s)
{
    struct capture_file_info *fi = &R->info[s->idx];
    s->has = 0;
    while (!s->done) {
        if (s->p) {
            struct pcap_pkthdr *h;
            const u_char *data;
            int rc = pcap_next_ex(s->p, &h, &data);
            if (rc != 1) {
                s->done = 1;
                if (rc == PCAP_ERROR)
                    read_error(R, s, pcap_geterr(s->p), 0);
                return;
            }
            s->no++;
            int64_t frac = (int64_t)h->ts.tv_usec;
            if (!fi->nano)
                frac *= 1000;
            s->ts = (int64_t)h->ts.tv_sec * 1000000000LL + frac;
            s->has_ts = 1;
            s->caplen = h->caplen;
            s->len = h->len;
            s->dlt = fi->dlt;
            s->data = data;
        } else {
            struct pcapng_packet pk;
            int rc = pcapng_next(s->ng, &pk);
            if (rc != 1) {
                s->done = 1;
                if (rc < 0)
                    read_error(R, s, pcapng_error(s->ng), pcapng_truncated(s->ng));
                return;
            }
            s->no = pk.record; /* Wireshark's numbering (see pcapng.h) */
            s->ts = pk.ts_ns;
            s->has_ts = pk.has_ts;
            s->caplen = pk.caplen;
            s->len = pk.len;
            s->dlt = linktype_to_dlt(pk.linktype);
            s->data = pk.data;
            if (!decode_dlt_supported(s->dlt)) {
                /* counted per frame, named once per interface */
                if (!pk.iface->user) {
                    pk.iface->user = 1;
                    const char *n = pcap_datalink_val_to_name(s->dlt);
                    R->diag->file = fi->name;
                    R->diag->frame = s->no;
                    diag_report(R->diag, DIAG_LINKTYPE,
                                "interface %u (section %llu) has link-layer type %s (%d), which is not "
                                "supported; its frames are not analysed",
                                pk.iface->id, (unsigned long long)pk.iface->section, n ? n : "?", pk.linktype);
                } else {
                    R->diag->count[DIAG_LINKTYPE]++;
                }
                continue;
            }
        }
        if (R->o->filter) {
            const struct bpf_program *prog = bpf_for(R, s->dlt, fi);
            if (!prog)
                continue; /* the filter cannot be evaluated: the frame does not match */
            struct pcap_pkthdr ph;
            memset(&ph, 0, sizeof ph);
            ph.caplen = s->caplen;
            ph.len = s->len;
            if (!pcap_offline_filter(prog, &ph, s->data))
                continue;
        }
        s->has = 1;
        return;
    }
}

int capture_run(const struct capture_input *in, int nfiles, const struct capture_opts *o, struct diag *diag,
                struct capture_file_info *info, void (*cb)(void *ctx, const struct frame *f), void *ctx)
{
    struct src *srcs = xcalloc((size_t)nfiles, sizeof(*srcs));
    struct run R = {.o = o, .diag = diag, .info = info};
    R.dd.hwm = INT64_MIN;

    for (int i = 0; i < nfiles; i++) {
        struct capture_file_info *fi = &info[i];
        struct src *s = &srcs[i];
        memset(fi, 0, sizeof(*fi));
        fi->name = in[i].fp ? in[i].name : strcmp(in[i].name, "-") == 0 ? "(stdin)" : in[i].name;
        fi->dlt = -1;
        s->idx = i;
        if (open_src(&in[i], s, fi) < 0) {
            fi->error = 1;
            s->done = 1;
            continue;
        }
        if (s->p) {
            if (!decode_dlt_supported(fi->dlt)) {
                /* a pcap file has one link type: the whole file is unusable */
                fprintf(stderr, "sipladder: %s: link-layer type %s (%d) is not supported; file skipped\n",
                        fi->name, fi->dlt_name ? fi->dlt_name : "?", fi->dlt);
                diag->count[DIAG_LINKTYPE]++;
                fi->error = 1;
                s->done = 1;
                continue;
            }
            if (o->filter && !bpf_for(&R, fi->dlt, fi)) {
                s->done = 1;
                continue;
            }
        }
        advance(&R, s);
        if (s->ng) {
            int lt = pcapng_first_linktype(s->ng);
            if (lt >= 0) {
                fi->dlt = linktype_to_dlt(lt);
                fi->dlt_name = pcap_datalink_val_to_name(fi->dlt);
            }
        }
    }

    uint64_t total = 0;
    for (;;) {
        int best = -1;
        for (int i = 0; i < nfiles; i++)
            if (srcs[i].has && (best < 0 || srcs[i].ts < srcs[best].ts))
                best = i;
        if (best < 0)
            break;
        if (o->max_frames && total >= o->max_frames)
            break;
        if (o->stop && *o->stop)
            break;
        struct src *s = &srcs[best];
        struct frame f = {
            .file = (uint32_t)best,
            .no = s->no,
            .ts = s->ts,
            .caplen = s->caplen,
            .len = s->len,
            .dlt = s->dlt,
            .data = s->data,
        };
        diag->file = info[best].name;
        diag->frame = f.no;
        uint32_t ofile = (uint32_t)best;
        uint64_t ono = 0;
        if (s->has_ts && (same_as_prev(s, &f, &ono) ||
                          (nfiles > 1 && dd_check(&R.dd, (uint32_t)best, f.no, &f, &ofile, &ono)))) {
            info[best].duplicates++;
            if (ofile == (uint32_t)best)
                diag_report(diag, DIAG_DUPLICATE,
                            "same bytes and timestamp as frame %llu just before it; counted once",
                            (unsigned long long)ono);
            else
                diag_report(diag, DIAG_DUPLICATE,
                            "same bytes and timestamp as frame %llu of %s (input %u); counted once",
                            (unsigned long long)ono, info[ofile].name, ofile + 1);
        } else {
            info[best].frames++;
            total++;
            cb(ctx, &f);
        }
        advance(&R, s);
    }
    diag->file = NULL;
    diag->frame = 0;

    int failed = 0;
    for (int i = 0; i < nfiles; i++) {
        struct src *s = &srcs[i];
        if (s->p)
            pcap_close(s->p); /* closes its FILE unless stdin */
        free(s->membuf);
        free(s->prev);
        if (s->ng) {
            pcapng_close(s->ng);
            close_fp(s->ngfp);
        }
        failed += info[i].error != 0;
    }
    for (size_t i = 0; i < R.nbpf; i++) {
        if (R.bpf[i].ok)
            pcap_freecode(&R.bpf[i].prog);
        free(R.bpf[i].err);
    }
    free(R.bpf);
    dd_free(&R.dd);
    free(srcs);
    return failed;
}

/* ---- live capture ------------------------------------------------------ *
 *
 * One pcap_t per interface, created with pcap_create() and configured
 * before pcap_activate() (snaplen, promiscuous, immediate mode, buffer,
 * nanosecond timestamps when the platform has them), then made
 * non-blocking.  capture_live_poll() polls every selectable descriptor
 * with one timeout and drains each ready handle with pcap_dispatch(); a
 * handle without a selectable descriptor (not on Linux) is simply
 * dispatched after the timeout.  Every return code of libpcap is turned
 * into a sentence that says what to do.
 */

struct live_if {
    pcap_t *p;
    char *name;
    int dlt;
    int snaplen;
    int nano;
    int fd;           /* selectable descriptor, -1 if none */
    uint64_t no;      /* frames delivered */
    /* pcap_stats() counters are u_int: follow their 32-bit wraps */
    unsigned int last_recv, last_drop, last_ifdrop;
    uint64_t recv, drop, ifdrop;
};

struct capture_live {
    struct live_if *ifs;
    int n;
    struct pollfd *pfd;
    /* pcap_dispatch() callback context */
    void (*cb)(void *ctx, const struct frame *f);
    void *ctx;
    struct live_if *cur;
    int cur_idx;
};

const char *capture_dlt_name(int dlt)
{
    return pcap_datalink_val_to_name(dlt);
}

/* The path of our own binary, for the setcap advice. */
static void self_path(char *buf, size_t n)
{
    ssize_t k = readlink("/proc/self/exe", buf, n - 1);
    if (k <= 0) {
        snprintf(buf, n, "%s", "$(command -v sipladder)");
        return;
    }
    buf[k] = 0;
}

static void explain_live_error(const char *dev, int rc, const char *pcap_msg, const struct capture_live_opts *o)
{
    char self[512];
    switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
        fprintf(stderr, "sipladder: live: no such interface '%s' (%s); `sipladder live -D` lists the interfaces "
                        "you can capture on\n", dev, pcap_msg);
        break;
    case PCAP_ERROR_PERM_DENIED:
        self_path(self, sizeof self);
        fprintf(stderr, "sipladder: live: no permission to capture on '%s' (%s).\n"
                        "  Run as root, or give the binary the capture capabilities once:\n"
                        "    sudo setcap cap_net_raw,cap_net_admin=eip %s\n", dev, pcap_msg, self);
        break;
    case PCAP_ERROR_PROMISC_PERM_DENIED:
        fprintf(stderr, "sipladder: live: no permission to put '%s' in promiscuous mode (%s); run as root, or "
                        "capture without promiscuous mode (-p: only traffic to and from this host)\n", dev, pcap_msg);
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        fprintf(stderr, "sipladder: live: interface '%s' is down; bring it up first (e.g. `ip link set %s up`)\n",
                dev, dev);
        break;
    case PCAP_ERROR_RFMON_NOTSUP:
        fprintf(stderr, "sipladder: live: '%s' does not support monitor mode (%s)\n", dev, pcap_msg);
        break;
    case PCAP_ERROR_ACTIVATED:
        fprintf(stderr, "sipladder: live: '%s': internal error, capture already activated\n", dev);
        break;
    default:
        if (strstr(pcap_msg, "buffer") && o->buffer_kib)
            fprintf(stderr, "sipladder: live: cannot capture on '%s' with a %d KiB kernel buffer (%s); try a smaller "
                            "-B\n", dev, o->buffer_kib, pcap_msg);
        else if (strstr(pcap_msg, "ermission") || strstr(pcap_msg, "not permitted")) {
            self_path(self, sizeof self);
            fprintf(stderr, "sipladder: live: no permission to capture on '%s' (%s).\n"
                            "  Run as root, or give the binary the capture capabilities once:\n"
                            "    sudo setcap cap_net_raw,cap_net_admin=eip %s\n", dev, pcap_msg, self);
        } else
            fprintf(stderr, "sipladder: live: cannot capture on '%s': %s\n", dev, pcap_msg[0] ? pcap_msg : "unknown error");
        break;
    }
}

static void explain_live_warning(const char *dev, int rc, const char *pcap_msg)
{
    switch (rc) {
    case PCAP_WARNING_PROMISC_NOTSUP:
        fprintf(stderr, "sipladder: live: warning: '%s' does not support promiscuous mode (%s); only traffic to and "
                        "from this host (and broadcast) is seen, which is not enough on a mirror port\n", dev, pcap_msg);
        break;
    case PCAP_WARNING_TSTAMP_TYPE_NOTSUP:
        fprintf(stderr, "sipladder: live: warning: '%s' does not support the requested time stamp type; the default "
                        "one is used\n", dev);
        break;
    default:
        fprintf(stderr, "sipladder: live: warning: '%s': %s\n", dev, pcap_msg[0] ? pcap_msg : "(no details)");
        break;
    }
}

/* A link type decode understands: the handle's own, else one it offers. */
static int live_pick_dlt(struct live_if *li)
{
    int dlt = pcap_datalink(li->p);
    if (decode_dlt_supported(dlt))
        return dlt;
    int *list = NULL;
    int n = pcap_list_datalinks(li->p, &list);
    int got = -1;
    for (int i = 0; i < n && got < 0; i++)
        if (decode_dlt_supported(list[i]) && pcap_set_datalink(li->p, list[i]) == 0)
            got = list[i];
    if (n > 0)
        pcap_free_datalinks(list);
    if (got < 0) {
        const char *nm = pcap_datalink_val_to_name(dlt);
        fprintf(stderr, "sipladder: live: '%s' has link-layer type %s (%d), which sipladder cannot decode, and offers "
                        "no other\n", li->name, nm ? nm : "?", dlt);
    }
    return got;
}

static int live_open_one(struct live_if *li, const struct capture_live_opts *o)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    errbuf[0] = 0;
    li->fd = -1;
    li->p = pcap_create(li->name, errbuf);
    if (!li->p) {
        explain_live_error(li->name, PCAP_ERROR, errbuf, o);
        return -1;
    }
    int snap = o->snaplen > 0 ? o->snaplen : CAPTURE_LIVE_SNAPLEN;
    pcap_set_snaplen(li->p, snap);
    pcap_set_promisc(li->p, o->promisc ? 1 : 0);
    pcap_set_timeout(li->p, 100); /* ms; only used without immediate mode */
    if (o->immediate && pcap_set_immediate_mode(li->p, 1) != 0)
        fprintf(stderr, "sipladder: live: warning: '%s': immediate mode not available; packets may be delivered "
                        "in batches\n", li->name);
    int kib = o->buffer_kib > 0 ? o->buffer_kib : CAPTURE_LIVE_BUFFER_KIB;
    if (pcap_set_buffer_size(li->p, kib * 1024) != 0)
        fprintf(stderr, "sipladder: live: warning: '%s': cannot set the kernel buffer to %d KiB; libpcap's default "
                        "is used\n", li->name, kib);
    li->nano = pcap_set_tstamp_precision(li->p, PCAP_TSTAMP_PRECISION_NANO) == 0;
    int rc = pcap_activate(li->p);
    if (rc < 0) {
        explain_live_error(li->name, rc, pcap_geterr(li->p), o);
        return -1;
    }
    if (rc > 0)
        explain_live_warning(li->name, rc, pcap_geterr(li->p));
    li->nano = pcap_get_tstamp_precision(li->p) == PCAP_TSTAMP_PRECISION_NANO;
    li->dlt = live_pick_dlt(li);
    if (li->dlt < 0)
        return -1;
    li->snaplen = pcap_snapshot(li->p);
    if (o->filter) {
        bpf_u_int32 net = 0, mask = 0;
        if (pcap_lookupnet(li->name, &net, &mask, errbuf) != 0)
            mask = PCAP_NETMASK_UNKNOWN;
        struct bpf_program prog;
        if (pcap_compile(li->p, &prog, o->filter, 1, mask) != 0) {
            fprintf(stderr, "sipladder: live: bad filter '%s' for '%s': %s\n", o->filter, li->name, pcap_geterr(li->p));
            return -1;
        }
        rc = pcap_setfilter(li->p, &prog);
        pcap_freecode(&prog);
        if (rc != 0) {
            fprintf(stderr, "sipladder: live: cannot install the filter on '%s': %s\n", li->name, pcap_geterr(li->p));
            return -1;
        }
    }
    if (pcap_setnonblock(li->p, 1, errbuf) != 0) {
        fprintf(stderr, "sipladder: live: cannot make '%s' non-blocking: %s\n", li->name, errbuf);
        return -1;
    }
    li->fd = pcap_get_selectable_fd(li->p);
    return 0;
}

struct capture_live *capture_live_open(const struct capture_live_opts *o)
{
    if (o->nifaces <= 0)
        return NULL;
    struct capture_live *cl = xcalloc(1, sizeof(*cl));
    cl->ifs = xcalloc((size_t)o->nifaces, sizeof(*cl->ifs));
    cl->pfd = xcalloc((size_t)o->nifaces, sizeof(*cl->pfd));
    cl->n = o->nifaces;
    for (int i = 0; i < o->nifaces; i++) {
        cl->ifs[i].name = xstrdup(o->ifaces[i]);
        cl->ifs[i].fd = -1;
    }
    for (int i = 0; i < o->nifaces; i++) {
        for (int j = 0; j < i; j++)
            if (strcmp(o->ifaces[j], o->ifaces[i]) == 0) {
                fprintf(stderr, "sipladder: live: interface '%s' given twice\n", o->ifaces[i]);
                capture_live_close(cl);
                return NULL;
            }
        if (live_open_one(&cl->ifs[i], o) != 0) {
            capture_live_close(cl);
            return NULL;
        }
    }
    return cl;
}

int capture_live_count(const struct capture_live *cl)
{
    return cl->n;
}

const char *capture_live_name(const struct capture_live *cl, int i)
{
    return cl->ifs[i].name;
}

int capture_live_dlt(const struct capture_live *cl, int i)
{
    return cl->ifs[i].dlt;
}

const char *capture_live_dlt_name(const struct capture_live *cl, int i)
{
    const char *n = pcap_datalink_val_to_name(cl->ifs[i].dlt);
    return n ? n : "?";
}

const char *capture_live_dlt_descr(const struct capture_live *cl, int i)
{
    const char *n = pcap_datalink_val_to_description(cl->ifs[i].dlt);
    return n ? n : "?";
}

int capture_live_snaplen(const struct capture_live *cl, int i)
{
    return cl->ifs[i].snaplen;
}

int capture_live_nano(const struct capture_live *cl, int i)
{
    return cl->ifs[i].nano;
}

static void live_handler(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct capture_live *cl = (struct capture_live *)(void *)user;
    struct live_if *li = cl->cur;
    int64_t frac = (int64_t)h->ts.tv_usec;
    if (!li->nano)
        frac *= 1000;
    struct frame f = {
        .file = (uint32_t)cl->cur_idx,
        .no = ++li->no,
        .ts = (int64_t)h->ts.tv_sec * 1000000000LL + frac,
        .caplen = h->caplen,
        .len = h->len,
        .dlt = li->dlt,
        .data = data,
    };
    cl->cb(cl->ctx, &f);
}

int capture_live_poll(struct capture_live *cl, int timeout_ms, int batch, void (*cb)(void *ctx, const struct frame *f),
                      void *ctx)
{
    int nfd = 0, unselectable = 0;
    for (int i = 0; i < cl->n; i++) {
        if (cl->ifs[i].fd >= 0) {
            cl->pfd[nfd].fd = cl->ifs[i].fd;
            cl->pfd[nfd].events = POLLIN;
            cl->pfd[nfd].revents = 0;
            nfd++;
        } else {
            unselectable = 1;
        }
    }
    int rc = poll(cl->pfd, (nfds_t)nfd, unselectable && timeout_ms > 10 ? 10 : timeout_ms);
    if (rc < 0 && errno != EINTR) {
        fprintf(stderr, "sipladder: live: poll: %s\n", strerror(errno));
        return -1;
    }
    if (rc <= 0 && !unselectable)
        return 0;
    cl->cb = cb;
    cl->ctx = ctx;
    int total = 0, k = 0;
    for (int i = 0; i < cl->n; i++) {
        struct live_if *li = &cl->ifs[i];
        short rev = 0;
        if (li->fd >= 0)
            rev = rc > 0 ? cl->pfd[k++].revents : 0;
        if (li->fd >= 0 && !rev)
            continue;
        cl->cur = li;
        cl->cur_idx = i;
        int got = pcap_dispatch(li->p, batch > 0 ? batch : -1, live_handler, (u_char *)(void *)cl);
        if (got == PCAP_ERROR_BREAK)
            return CAPTURE_LIVE_BROKEN;
        if (got < 0) {
            const char *e = pcap_geterr(li->p);
            if (strstr(e, "went down") || strstr(e, "ENETDOWN") || strstr(e, "No such device"))
                fprintf(stderr, "sipladder: live: '%s' went down or was removed (%s); capture stopped\n", li->name, e);
            else
                fprintf(stderr, "sipladder: live: capture error on '%s': %s\n", li->name, e);
            return -1;
        }
        if (got == 0 && (rev & (POLLERR | POLLHUP | POLLNVAL))) {
            fprintf(stderr, "sipladder: live: '%s' went down or was removed (its capture descriptor reports an "
                            "error); capture stopped\n", li->name);
            return -1;
        }
        total += got;
    }
    return total;
}

void capture_live_breakloop(struct capture_live *cl)
{
    for (int i = 0; i < cl->n; i++)
        if (cl->ifs[i].p)
            pcap_breakloop(cl->ifs[i].p);
}

void capture_live_stats(struct capture_live *cl, int i, struct capture_live_stats *st)
{
    struct live_if *li = &cl->ifs[i];
    struct pcap_stat ps;
    memset(st, 0, sizeof(*st));
    if (!li->p || pcap_stats(li->p, &ps) != 0)
        return;
    li->recv += (unsigned int)(ps.ps_recv - li->last_recv);
    li->drop += (unsigned int)(ps.ps_drop - li->last_drop);
    li->ifdrop += (unsigned int)(ps.ps_ifdrop - li->last_ifdrop);
    li->last_recv = ps.ps_recv;
    li->last_drop = ps.ps_drop;
    li->last_ifdrop = ps.ps_ifdrop;
    st->recv = li->recv;
    st->drop = li->drop;
    st->ifdrop = li->ifdrop;
    st->ok = 1;
}

void capture_live_close(struct capture_live *cl)
{
    if (!cl)
        return;
    for (int i = 0; i < cl->n; i++) {
        if (cl->ifs[i].p)
            pcap_close(cl->ifs[i].p);
        free(cl->ifs[i].name);
    }
    free(cl->ifs);
    free(cl->pfd);
    free(cl);
}

int capture_list_interfaces(FILE *out)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, errbuf) != 0) {
        fprintf(stderr, "sipladder: live: cannot list interfaces: %s\n", errbuf);
        return -1;
    }
    if (!all) {
        fprintf(stderr, "sipladder: live: no interface to capture on (as a user without capture permission the "
                        "list can be empty: run as root or see `setcap` in doc/live.md)\n");
        return -1;
    }
    int i = 1;
    for (pcap_if_t *d = all; d; d = d->next, i++) {
        fprintf(out, "%d.%s", i, d->name);
        if (d->description)
            fprintf(out, " (%s)", d->description);
        fputs(" [", out);
        const char *sep = "";
        if (d->flags & PCAP_IF_LOOPBACK) {
            fprintf(out, "%sLoopback", sep);
            sep = ", ";
        }
        if (d->flags & PCAP_IF_UP) {
            fprintf(out, "%sUp", sep);
            sep = ", ";
        }
        if (d->flags & PCAP_IF_RUNNING) {
            fprintf(out, "%sRunning", sep);
            sep = ", ";
        }
        switch (d->flags & PCAP_IF_CONNECTION_STATUS) {
        case PCAP_IF_CONNECTION_STATUS_CONNECTED:
            fprintf(out, "%sConnected", sep);
            break;
        case PCAP_IF_CONNECTION_STATUS_DISCONNECTED:
            fprintf(out, "%sDisconnected", sep);
            break;
        default:
            break;
        }
        fputs("]\n", out);
    }
    pcap_freealldevs(all);
    return 0;
}
