/*
 * torture - write torture-test captures for sipladder's stream and
 * encapsulation layers (TCP reassembly, IPv4/IPv6 defragmentation, SIP
 * over WebSocket, SCTP and HEP3), each with the exact expected result.
 *
 *   torture [--list] OUTDIR [CASE...]
 *
 * For every case (all of them, or those named) it writes OUTDIR/CASE.pcap
 * and OUTDIR/CASE.expect; --list prints the case names and descriptions.
 * The output is deterministic (fixed addresses, ports, sequence numbers,
 * timestamps) and bounded; nothing is read from the network or the
 * environment.  tests/integration/torture.sh checks sipladder against it.
 *
 * The SIP messages are a realistic call: INVITE (SDP), 100, 180, 200
 * (SDP), ACK, BYE, 200, CRLF line ends, correct Content-Length.
 *
 * ---- How the expectations are made ----------------------------------------
 * TCP cases go through a model of a perfect receiver (struct conn): every
 * segment written is also "received" by it; a message is complete when
 * every byte of its direction's stream up to its last byte has been
 * received, and it is then appended to the expectations (so the expected
 * order is the order in which the messages become decodable; several
 * completed by one segment come in stream order).  At the end of the
 * capture a byte range that never arrived is a gap: the message it cuts is
 * expected flagged cut-by-gap, the bytes after it up to the next message
 * start are expected skipped (reported), and the first message after it is
 * expected flagged after-gap.  UDP, SCTP and HEP messages are expected in
 * packet order; a fragmented datagram when its last missing fragment
 * arrives.
 *
 * ---- Expectation file (line oriented, space separated) ----------------------
 *   # comment                 (the case's description and notes)
 *   case NAME
 *   order strict|stream
 *       strict  messages[] must be exactly the msg lines, in this order;
 *       stream  the same messages, but only their order within each
 *               direction (SRC -> DST) is checked: used where packets are
 *               written out of order and the interleaving of the two
 *               directions is the receiver's choice
 *   messages N
 *   msg KIND CSEQ CALL-ID SRC DST TRANSPORT FLAGS [time_us=T]
 *       KIND       request method or response status code
 *       SRC, DST   "ip:port", IPv6 "[ip]:port" (RFC 5952 text); for HEP the
 *                  original endpoints carried inside HEP
 *       TRANSPORT  UDP, TCP, SCTP or WS
 *       FLAGS      "-" or a comma-separated list from: cut-by-gap,
 *                  after-gap, hep (these must match exactly; so must
 *                  truncated, tunnelled, icmp-quoted and retransmission,
 *                  which no case expects), reassembled (listed where a TCP
 *                  message or a datagram certainly came from several
 *                  segments or fragments: it must then be present; it is
 *                  not required elsewhere)
 *       time_us=T  capture time in microseconds (HEP: the HEP timestamp)
 *   diag NAME VALUE          VALUE is N (exact) or >=N; NAME is one of
 *       gap, gap-bytes, cut, skipped-bytes, incomplete-bytes (TCP),
 *       reassembled-datagram, incomplete-datagram (IP fragments),
 *       anomalous, unparseable, uncorrelated, calls, dropped,
 *       event:KIND (count of a diagnostic event, 0 when absent);
 *       torture.sh maps them to sipladder's JSON
 *   end
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "pcapw.h"

#define EPOCH_SEC 1262347200ULL /* 2010-01-01 12:00:00 UTC */
#define STEP_NS 1000000U        /* 1 ms between packets unless a case says otherwise */
#define MAX_CALLIDS 4096

/* ---- small utilities -------------------------------------------------- */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("torture: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory");
    return q;
}

struct sb {
    char *p;
    size_t n, cap;
};

static void sb_put(struct sb *b, const void *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->n + n + 1)
            nc *= 2;
        b->p = xrealloc(b->p, nc);
        b->cap = nc;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_puts(struct sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0)
        die("bad format");
    char *tmp = xrealloc(NULL, (size_t)k + 1);
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)k + 1, fmt, ap);
    va_end(ap);
    sb_put(b, tmp, (size_t)k);
    free(tmp);
}

static void sb_free(struct sb *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        die("string too long: %s", src);
    memcpy(dst, src, n + 1);
}

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261U;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619U;
    return h;
}

/* ---- endpoints -------------------------------------------------------- */

struct node {
    pcapw_ep ep;
    char host[52];     /* 192.0.2.1 or [2001:db8::1] */
    char hostport[64]; /* host:port, as sipladder prints an endpoint */
};

static struct node mknode(const char *ip, uint16_t port)
{
    struct node n;
    memset(&n, 0, sizeof n);
    if (pcapw_addr_parse(ip, &n.ep.ip) != 0)
        die("bad address %s", ip);
    n.ep.port = port;
    snprintf(n.host, sizeof n.host, n.ep.ip.family == 6 ? "[%s]" : "%s", ip);
    snprintf(n.hostport, sizeof n.hostport, "%s:%u", n.host, (unsigned)port);
    return n;
}

/* ---- SIP messages ------------------------------------------------------- */

struct sipmsg {
    struct sb t;      /* the message bytes */
    char kind[16];    /* method or status code */
    unsigned cseq;
    char callid[96];
};

/* One call's parties and identifiers. */
struct callp {
    char callid[96];
    const char *tp;       /* Via transport token: UDP, TCP, SCTP, WS */
    struct node a, b;     /* caller, callee */
    const char *a_user, *b_user;
    char a_tag[24], b_tag[24];
    char a_contact[80], b_contact[80]; /* Via sent-by / Contact host[:port] */
    unsigned cseq;        /* the caller's INVITE CSeq */
    size_t invite_size;   /* 0 = natural size, else pad the SDP to this total */
};

static void callp_init(struct callp *p, const char *callid, const char *tp, const struct node *a,
                       const struct node *b)
{
    memset(p, 0, sizeof *p);
    copy_str(p->callid, sizeof p->callid, callid);
    p->tp = tp;
    p->a = *a;
    p->b = *b;
    p->a_user = "alice";
    p->b_user = "bob";
    uint32_t h = fnv(callid);
    snprintf(p->a_tag, sizeof p->a_tag, "%08x", h);
    snprintf(p->b_tag, sizeof p->b_tag, "%08x", h * 2654435761U + 1);
    copy_str(p->a_contact, sizeof p->a_contact, a->hostport);
    copy_str(p->b_contact, sizeof p->b_contact, b->hostport);
    p->cseq = 1;
}

struct txn {
    int from_b;         /* sent by the callee */
    const char *method;
    unsigned cseq;
    int in_dialog;      /* the request's To carries the peer's tag */
    char branch[48];
};

static void txn_init(struct txn *t, const struct callp *p, int from_b, const char *method, unsigned cseq,
                     int in_dialog)
{
    char k[200];
    snprintf(k, sizeof k, "%s/%s/%u/%d", p->callid, method, cseq, from_b);
    t->from_b = from_b;
    t->method = method;
    t->cseq = cseq;
    t->in_dialog = in_dialog;
    snprintf(t->branch, sizeof t->branch, "z9hG4bK%08x%04x", fnv(k), fnv(method) & 0xffffU);
}

static const char *tp_param(const char *tp)
{
    if (strcmp(tp, "TCP") == 0)
        return ";transport=tcp";
    if (strcmp(tp, "SCTP") == 0)
        return ";transport=sctp";
    if (strcmp(tp, "WS") == 0)
        return ";transport=ws";
    return "";
}

/* Via, From, To, Call-ID, CSeq (and Max-Forwards for requests). */
static void common_headers(struct sb *b, const struct callp *p, const struct txn *t, int response, int to_tag)
{
    const char *via = t->from_b ? p->b_contact : p->a_contact;
    const char *fu = t->from_b ? p->b_user : p->a_user, *tu = t->from_b ? p->a_user : p->b_user;
    const char *fh = t->from_b ? p->b.host : p->a.host, *th = t->from_b ? p->a.host : p->b.host;
    const char *ft = t->from_b ? p->b_tag : p->a_tag, *tt = t->from_b ? p->a_tag : p->b_tag;
    sb_printf(b, "Via: SIP/2.0/%s %s;branch=%s\r\n", p->tp, via, t->branch);
    if (!response)
        sb_puts(b, "Max-Forwards: 70\r\n");
    sb_printf(b, "From: \"%s\" <sip:%s@%s>;tag=%s\r\n", fu, fu, fh, ft);
    sb_printf(b, "To: <sip:%s@%s>%s%s\r\n", tu, th, (t->in_dialog || to_tag) ? ";tag=" : "",
              (t->in_dialog || to_tag) ? tt : "");
    sb_printf(b, "Call-ID: %s\r\n", p->callid);
    sb_printf(b, "CSeq: %u %s\r\n", t->cseq, t->method);
}

/* An SDP offer/answer; pad > 0 adds about that many bytes of attribute
 * lines (each at least 11 bytes). */
static void sdp_body(struct sb *b, const struct node *n, const char *user, uint32_t sess, unsigned rtp_port,
                     size_t pad)
{
    const char *ipv = n->ep.ip.family == 6 ? "IP6" : "IP4";
    char ip[52];
    copy_str(ip, sizeof ip, n->host);
    if (ip[0] == '[') {
        memmove(ip, ip + 1, strlen(ip));
        ip[strlen(ip) - 1] = 0;
    }
    sb_printf(b, "v=0\r\no=%s %u %u IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n", user, sess, sess, ipv, ip, ipv, ip);
    sb_printf(b, "m=audio %u RTP/AVP 0 8 101\r\n", rtp_port);
    sb_puts(b, "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
               "a=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n");
    unsigned line = 0;
    while (pad) {
        /* "a=x-pad:NNNN " + filler + CRLF, 11..78 bytes per line */
        size_t want = pad > 78 ? 78 : pad;
        if (pad > 78 && pad - 78 < 11)
            want = pad - 11;
        char head[32];
        int hl = snprintf(head, sizeof head, "a=x-pad:%u", line++ % 10000);
        size_t fill = want > (size_t)hl + 2 ? want - (size_t)hl - 2 : 0;
        sb_puts(b, head);
        for (size_t i = 0; i < fill; i++)
            sb_put(b, &"0123456789abcdef"[i % 16], 1);
        sb_puts(b, "\r\n");
        size_t wrote = (size_t)hl + fill + 2;
        pad = wrote >= pad ? 0 : pad - wrote;
    }
}

static void msg_reset(struct sipmsg *m)
{
    sb_free(&m->t);
    memset(m, 0, sizeof *m);
}

static void finish_msg(struct sipmsg *m, struct sb *head, const struct sb *body)
{
    sb_printf(head, "Content-Length: %zu\r\n\r\n", body->n);
    sb_put(head, body->p ? body->p : "", body->n);
    m->t = *head;
}

static void sip_request(struct sipmsg *m, const struct callp *p, const struct txn *t, int sdp, size_t pad)
{
    msg_reset(m);
    struct sb h = {0}, body = {0};
    const char *tpp = tp_param(p->tp);
    if (!t->in_dialog)
        sb_printf(&h, "%s sip:%s@%s%s SIP/2.0\r\n", t->method, p->b_user, p->b.hostport, tpp);
    else if (t->from_b)
        sb_printf(&h, "%s sip:%s@%s%s SIP/2.0\r\n", t->method, p->a_user, p->a_contact, tpp);
    else
        sb_printf(&h, "%s sip:%s@%s%s SIP/2.0\r\n", t->method, p->b_user, p->b_contact, tpp);
    common_headers(&h, p, t, 0, 0);
    if (strcmp(t->method, "INVITE") == 0) {
        sb_printf(&h, "Contact: <sip:%s@%s%s>\r\n", t->from_b ? p->b_user : p->a_user,
                  t->from_b ? p->b_contact : p->a_contact, tpp);
        sb_puts(&h, "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE\r\nSupported: replaces, timer\r\n");
    }
    if (strcmp(t->method, "BYE") == 0)
        sb_puts(&h, "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n");
    sb_puts(&h, "User-Agent: sipladder-torture/1.0\r\n");
    if (sdp) {
        sb_puts(&h, "Content-Type: application/sdp\r\n");
        sdp_body(&body, t->from_b ? &p->b : &p->a, t->from_b ? p->b_user : p->a_user, 10000000U + fnv(p->callid) % 90000000U,
                 49170, pad);
    }
    finish_msg(m, &h, &body);
    sb_free(&body);
    copy_str(m->kind, sizeof m->kind, t->method);
    m->cseq = t->cseq;
    copy_str(m->callid, sizeof m->callid, p->callid);
}

static void sip_response(struct sipmsg *m, const struct callp *p, const struct txn *t, int code, const char *reason,
                         int sdp)
{
    msg_reset(m);
    struct sb h = {0}, body = {0};
    sb_printf(&h, "SIP/2.0 %d %s\r\n", code, reason);
    common_headers(&h, p, t, 1, code > 100);
    int resp_b = !t->from_b; /* the responder */
    if (strcmp(t->method, "INVITE") == 0 && code > 100 && code < 300)
        sb_printf(&h, "Contact: <sip:%s@%s%s>\r\n", resp_b ? p->b_user : p->a_user,
                  resp_b ? p->b_contact : p->a_contact, tp_param(p->tp));
    sb_puts(&h, "Server: sipladder-torture/1.0\r\n");
    if (sdp) {
        sb_puts(&h, "Content-Type: application/sdp\r\n");
        sdp_body(&body, resp_b ? &p->b : &p->a, resp_b ? p->b_user : p->a_user, 10000000U + fnv(p->callid) % 80000000U + 7U,
                 51372, 0);
    }
    finish_msg(m, &h, &body);
    sb_free(&body);
    snprintf(m->kind, sizeof m->kind, "%d", code);
    m->cseq = t->cseq;
    copy_str(m->callid, sizeof m->callid, p->callid);
}

enum { C_INVITE = 0, C_100, C_180, C_200, C_ACK, C_BYE, C_BYE200, C__N };

struct call {
    struct callp p;
    struct sipmsg m[C__N];
};

/* The seven messages of a call from p->a (caller) to p->b (callee). */
static void call_make(struct call *c, const struct callp *p)
{
    memset(c, 0, sizeof *c);
    c->p = *p;
    struct txn inv, ack, bye;
    txn_init(&inv, p, 0, "INVITE", p->cseq, 0);
    txn_init(&ack, p, 0, "ACK", p->cseq, 1);
    txn_init(&bye, p, 0, "BYE", p->cseq + 1, 1);
    sip_request(&c->m[C_INVITE], p, &inv, 1, 0);
    if (p->invite_size) { /* pad the SDP until the INVITE has exactly the size asked */
        size_t pad = 0;
        for (int i = 0; i < 16 && c->m[C_INVITE].t.n != p->invite_size; i++) {
            size_t n = c->m[C_INVITE].t.n;
            if (n > p->invite_size && pad < n - p->invite_size)
                die("INVITE of %zu bytes cannot be made %zu", n, p->invite_size);
            pad = n < p->invite_size ? pad + (p->invite_size - n) : pad - (n - p->invite_size);
            sip_request(&c->m[C_INVITE], p, &inv, 1, pad);
        }
        if (c->m[C_INVITE].t.n != p->invite_size)
            die("cannot pad the INVITE to %zu bytes", p->invite_size);
    }
    sip_response(&c->m[C_100], p, &inv, 100, "Trying", 0);
    sip_response(&c->m[C_180], p, &inv, 180, "Ringing", 0);
    sip_response(&c->m[C_200], p, &inv, 200, "OK", 1);
    sip_request(&c->m[C_ACK], p, &ack, 0, 0);
    sip_request(&c->m[C_BYE], p, &bye, 0, 0);
    sip_response(&c->m[C_BYE200], p, &bye, 200, "OK", 0);
}

static void call_free(struct call *c)
{
    for (int i = 0; i < C__N; i++)
        msg_reset(&c->m[i]);
}

/* Messages of the call sent by the callee (responses to the caller's requests). */
static int by_callee(int i)
{
    return i == C_100 || i == C_180 || i == C_200 || i == C_BYE200;
}

/* ---- case context and expectations -------------------------------------- */

struct ctx {
    const char *name;
    pcapw *w;
    int64_t t;          /* ns since the epoch of the next packet */
    int64_t last;       /* time of the previous packet */
    uint32_t step;
    int order_stream;
    struct sb msgs;     /* "msg ..." lines */
    size_t nmsgs;
    struct sb notes;    /* "# ..." lines */
    char *callids[MAX_CALLIDS];
    size_t ncallids;
    long long gap, gap_bytes, cut, skipped, incomplete_bytes, reasm, incomplete_dgram, anomalous;
    struct {
        char name[40];
        char val[16];
    } ev[24];
    size_t nev;
};

static pcapw_ts ts_of(int64_t t)
{
    pcapw_ts ts = {(uint64_t)(t / 1000000000LL), (uint32_t)(t % 1000000000LL)};
    return ts;
}

/* Time of the next packet (then move the clock on). */
static pcapw_ts tick(struct ctx *cx)
{
    cx->last = cx->t;
    cx->t += cx->step;
    return ts_of(cx->last);
}

/* The previous packet's time again (a duplicated frame). */
static pcapw_ts again(struct ctx *cx)
{
    return ts_of(cx->last);
}

static void pause_ms(struct ctx *cx, unsigned ms)
{
    cx->t += (int64_t)ms * 1000000LL;
}

static void chk(struct ctx *cx, int rc)
{
    if (rc != 0)
        die("%s: %s", cx->name, pcapw_error(cx->w));
}

__attribute__((format(printf, 2, 3))) static void note(struct ctx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sb_printf(&cx->notes, "# %s\n", tmp);
}

static void ev_set(struct ctx *cx, const char *name, const char *val)
{
    for (size_t i = 0; i < cx->nev; i++)
        if (strcmp(cx->ev[i].name, name) == 0) {
            copy_str(cx->ev[i].val, sizeof cx->ev[i].val, val);
            return;
        }
    if (cx->nev >= sizeof cx->ev / sizeof cx->ev[0])
        die("too many events");
    copy_str(cx->ev[cx->nev].name, sizeof cx->ev[cx->nev].name, name);
    copy_str(cx->ev[cx->nev].val, sizeof cx->ev[cx->nev].val, val);
    cx->nev++;
}

/* One expected message. flags: "" or comma-separated; time_us < 0: not checked. */
static void expect_msg(struct ctx *cx, const char *kind, unsigned cseq, const char *callid, const char *src,
                       const char *dst, const char *transport, const char *flags, long long time_us)
{
    sb_printf(&cx->msgs, "msg %s %u %s %s %s %s %s", kind, cseq, callid, src, dst, transport,
              flags && *flags ? flags : "-");
    if (time_us >= 0)
        sb_printf(&cx->msgs, " time_us=%lld", time_us);
    sb_puts(&cx->msgs, "\n");
    cx->nmsgs++;
    for (size_t i = 0; i < cx->ncallids; i++)
        if (strcmp(cx->callids[i], callid) == 0)
            return;
    if (cx->ncallids >= MAX_CALLIDS)
        die("too many Call-IDs");
    cx->callids[cx->ncallids] = xrealloc(NULL, strlen(callid) + 1);
    memcpy(cx->callids[cx->ncallids++], callid, strlen(callid) + 1);
}

static void expect_sip(struct ctx *cx, const struct sipmsg *m, const struct node *src, const struct node *dst,
                       const char *transport, const char *flags, long long time_us)
{
    expect_msg(cx, m->kind, m->cseq, m->callid, src->hostport, dst->hostport, transport, flags, time_us);
}

static void ctx_begin(struct ctx *cx, const char *outdir, const char *name)
{
    memset(cx, 0, sizeof *cx);
    cx->name = name;
    cx->t = (int64_t)EPOCH_SEC * 1000000000LL;
    cx->step = STEP_NS;
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/%s.pcap", outdir, name);
    cx->w = pcapw_open(path, err, sizeof err);
    if (!cx->w)
        die("%s", err);
}

static void ctx_end(struct ctx *cx, const char *outdir, const char *title)
{
    if (pcapw_close(cx->w) != 0)
        die("%s: writing the capture failed", cx->name);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.expect", outdir, cx->name);
    FILE *f = fopen(path, "w");
    if (!f)
        die("%s: %s", path, strerror(errno));
    fprintf(f, "# torture case %s: %s\n", cx->name, title);
    fputs(cx->notes.p ? cx->notes.p : "", f);
    fprintf(f, "case %s\norder %s\nmessages %zu\n", cx->name, cx->order_stream ? "stream" : "strict", cx->nmsgs);
    fputs(cx->msgs.p ? cx->msgs.p : "", f);
    fprintf(f, "diag gap %lld\ndiag gap-bytes %lld\ndiag cut %lld\ndiag skipped-bytes %lld\n", cx->gap,
            cx->gap_bytes, cx->cut, cx->skipped);
    fprintf(f, "diag incomplete-bytes %lld\ndiag reassembled-datagram %lld\ndiag incomplete-datagram %lld\n",
            cx->incomplete_bytes, cx->reasm, cx->incomplete_dgram);
    fprintf(f, "diag anomalous %lld\ndiag unparseable 0\ndiag uncorrelated 0\ndiag calls %zu\ndiag dropped 0\n",
            cx->anomalous, cx->ncallids);
    /* diagnostic events that mean something was lost or not understood:
     * none unless the case expects them */
    static const char *const loss[] = {"tcp-gap", "tcp-incomplete-message", "tcp-non-sip-bytes", "ip-fragment",
                                       "limit-hit", "sip-unparseable", "websocket", "sctp", "hep",
                                       "sctp-not-decoded", "tcp-not-reassembled", "bad-ip-header",
                                       "bad-udp-header", "bad-link-header", "truncated-packet"};
    for (size_t i = 0; i < sizeof loss / sizeof loss[0]; i++) {
        const char *v = "0";
        for (size_t j = 0; j < cx->nev; j++)
            if (strcmp(cx->ev[j].name, loss[i]) == 0)
                v = cx->ev[j].val;
        fprintf(f, "diag event:%s %s\n", loss[i], v);
    }
    for (size_t j = 0; j < cx->nev; j++) { /* expected events outside the list */
        int listed = 0;
        for (size_t i = 0; i < sizeof loss / sizeof loss[0]; i++)
            listed |= strcmp(cx->ev[j].name, loss[i]) == 0;
        if (!listed)
            fprintf(f, "diag event:%s %s\n", cx->ev[j].name, cx->ev[j].val);
    }
    fputs("end\n", f);
    if (fclose(f) != 0)
        die("%s: write failed", path);
    sb_free(&cx->msgs);
    sb_free(&cx->notes);
    for (size_t i = 0; i < cx->ncallids; i++)
        free(cx->callids[i]);
}

/* ---- TCP connections with a perfect receiver ---------------------------- */

struct mark {               /* one SIP message inside a direction's stream */
    size_t start, end;      /* [start, end) of the stream */
    char kind[16];
    unsigned cseq;
    char callid[96];
    int whole;              /* some single segment carried all of it */
};

struct dstream {
    struct sb data;         /* every byte this direction sends */
    uint32_t isn;
    uint8_t *got;           /* got[i]: byte i was captured */
    size_t gotcap;
    size_t prefix;          /* bytes [0, prefix) received contiguously */
    size_t sent;            /* highest end written so far */
    int fin;                /* a FIN was written */
    struct mark *mk;
    size_t nmk, capmk, next; /* next: first message not completed yet */
};

struct seg {
    int dir;
    size_t off, len;
    uint8_t flags;
};

struct conn {
    struct ctx *cx;
    struct node c, s;       /* client (dir 0 sends c -> s), server */
    const char *transport;  /* expected transport name */
    struct dstream d[2];
    int defer;              /* queue segments instead of writing them */
    struct seg *q;
    size_t nq, capq;
};

static void conn_init(struct conn *cn, struct ctx *cx, const struct node *c, const struct node *s, uint32_t isn_c,
                      uint32_t isn_s, const char *transport)
{
    memset(cn, 0, sizeof *cn);
    cn->cx = cx;
    cn->c = *c;
    cn->s = *s;
    cn->d[0].isn = isn_c;
    cn->d[1].isn = isn_s;
    cn->transport = transport;
}

static void conn_free(struct conn *cn)
{
    for (int i = 0; i < 2; i++) {
        sb_free(&cn->d[i].data);
        free(cn->d[i].got);
        free(cn->d[i].mk);
    }
    free(cn->q);
}

/* Append raw bytes (no message) to a direction; returns their offset. */
static size_t conn_raw(struct conn *cn, int dir, const void *p, size_t n)
{
    struct dstream *d = &cn->d[dir];
    size_t off = d->data.n;
    sb_put(&d->data, p, n);
    if (d->gotcap < d->data.n) {
        size_t nc = d->data.n * 2;
        d->got = xrealloc(d->got, nc);
        memset(d->got + d->gotcap, 0, nc - d->gotcap);
        d->gotcap = nc;
    }
    return off;
}

/* Declare a message occupying [start, end) of a direction. */
static void conn_mark(struct conn *cn, int dir, size_t start, size_t end, const struct sipmsg *m)
{
    struct dstream *d = &cn->d[dir];
    if (d->nmk == d->capmk) {
        d->capmk = d->capmk ? d->capmk * 2 : 16;
        d->mk = xrealloc(d->mk, d->capmk * sizeof *d->mk);
    }
    struct mark *k = &d->mk[d->nmk++];
    memset(k, 0, sizeof *k);
    k->start = start;
    k->end = end;
    copy_str(k->kind, sizeof k->kind, m->kind);
    k->cseq = m->cseq;
    copy_str(k->callid, sizeof k->callid, m->callid);
}

/* Append a SIP message to a direction; returns its offset. */
static size_t conn_add(struct conn *cn, int dir, const struct sipmsg *m)
{
    size_t off = conn_raw(cn, dir, m->t.p, m->t.n);
    conn_mark(cn, dir, off, off + m->t.n, m);
    return off;
}

static void mark_expect(struct conn *cn, int dir, struct mark *k, const char *extra)
{
    char flags[64] = "";
    /* "reassembled" is required only for plain TCP messages that no single
     * segment carried (a cut message is stored from its head alone) */
    if (!k->whole && strcmp(cn->transport, "TCP") == 0 && !(extra && strstr(extra, "cut-by-gap")))
        copy_str(flags, sizeof flags, "reassembled");
    if (extra && *extra) {
        if (*flags)
            strcat(flags, ",");
        strcat(flags, extra);
    }
    const struct node *src = dir ? &cn->s : &cn->c, *dst = dir ? &cn->c : &cn->s;
    expect_msg(cn->cx, k->kind, k->cseq, k->callid, src->hostport, dst->hostport, cn->transport, flags, -1);
}

/* The perfect receiver gets [off, off + len) of a direction. */
static void receive(struct conn *cn, int dir, size_t off, size_t len)
{
    struct dstream *d = &cn->d[dir];
    memset(d->got + off, 1, len);
    for (size_t i = d->next; i < d->nmk; i++)
        if (d->mk[i].start >= off && d->mk[i].end <= off + len)
            d->mk[i].whole = 1;
    while (d->prefix < d->data.n && d->got[d->prefix])
        d->prefix++;
    while (d->next < d->nmk && d->mk[d->next].end <= d->prefix)
        mark_expect(cn, dir, &d->mk[d->next++], "");
}

static void write_seg(struct conn *cn, const struct seg *sg)
{
    struct dstream *d = &cn->d[sg->dir], *o = &cn->d[!sg->dir];
    const struct node *src = sg->dir ? &cn->s : &cn->c, *dst = sg->dir ? &cn->c : &cn->s;
    pcapw_tcp h;
    memset(&h, 0, sizeof h);
    h.seq = d->isn + 1U + (uint32_t)sg->off;
    h.ack = o->isn + 1U + (uint32_t)o->prefix + (o->fin && o->prefix == o->data.n ? 1U : 0U);
    h.flags = sg->flags;
    if (!sg->len) /* FIN or bare ACK: the next sequence number */
        h.seq = d->isn + 1U + (uint32_t)d->data.n + (d->fin ? 1U : 0U);
    if (sg->flags & PCAPW_TCP_FIN)
        d->fin = 1;
    chk(cn->cx, pcapw_write_tcp(cn->cx->w, tick(cn->cx), &src->ep, &dst->ep, &h, sg->len ? d->data.p + sg->off : NULL,
                                sg->len));
    if (sg->len)
        receive(cn, sg->dir, sg->off, sg->len);
}

/* Write a segment now, or queue it while the connection defers. */
static void put_seg(struct conn *cn, const struct seg *sg)
{
    if (!cn->defer) {
        write_seg(cn, sg);
        return;
    }
    if (cn->nq == cn->capq) {
        cn->capq = cn->capq ? cn->capq * 2 : 32;
        cn->q = xrealloc(cn->q, cn->capq * sizeof *cn->q);
    }
    cn->q[cn->nq++] = *sg;
}

/* Send bytes [off, off + len) of a direction as one segment. */
static void conn_seg(struct conn *cn, int dir, size_t off, size_t len)
{
    struct dstream *d = &cn->d[dir];
    if (off > d->data.n || len > d->data.n - off || !len)
        die("%s: segment [%zu,+%zu) outside the stream (%zu bytes)", cn->cx->name, off, len, d->data.n);
    if (off + len > d->sent)
        d->sent = off + len;
    struct seg sg = {dir, off, len, PCAPW_TCP_PSH | PCAPW_TCP_ACK};
    put_seg(cn, &sg);
}

/* Send everything not sent yet up to `upto` as one segment. */
static void conn_flush_to(struct conn *cn, int dir, size_t upto)
{
    struct dstream *d = &cn->d[dir];
    if (upto > d->sent)
        conn_seg(cn, dir, d->sent, upto - d->sent);
}

static void conn_flush(struct conn *cn, int dir)
{
    conn_flush_to(cn, dir, cn->d[dir].data.n);
}

/* Append a message and send it as one segment. */
static void conn_msg(struct conn *cn, int dir, const struct sipmsg *m)
{
    conn_add(cn, dir, m);
    conn_flush(cn, dir);
}

/* A segment without data (FIN, bare ACK) at the direction's next sequence number. */
static void conn_ctl(struct conn *cn, int dir, uint8_t flags)
{
    struct seg sg = {dir, 0, 0, flags};
    put_seg(cn, &sg);
}

/* SYN, SYN-ACK, ACK (always written at once). */
static void conn_handshake(struct conn *cn)
{
    struct ctx *cx = cn->cx;
    pcapw_tcp h;
    memset(&h, 0, sizeof h);
    h.seq = cn->d[0].isn;
    h.flags = PCAPW_TCP_SYN;
    h.mss = 1460;
    chk(cx, pcapw_write_tcp(cx->w, tick(cx), &cn->c.ep, &cn->s.ep, &h, NULL, 0));
    h.seq = cn->d[1].isn;
    h.ack = cn->d[0].isn + 1U;
    h.flags = PCAPW_TCP_SYN | PCAPW_TCP_ACK;
    chk(cx, pcapw_write_tcp(cx->w, tick(cx), &cn->s.ep, &cn->c.ep, &h, NULL, 0));
    memset(&h, 0, sizeof h);
    h.seq = cn->d[0].isn + 1U;
    h.ack = cn->d[1].isn + 1U;
    h.flags = PCAPW_TCP_ACK;
    chk(cx, pcapw_write_tcp(cx->w, tick(cx), &cn->c.ep, &cn->s.ep, &h, NULL, 0));
}

/* FIN from the client, FIN from the server, last ACK. */
static void conn_close(struct conn *cn)
{
    conn_ctl(cn, 0, PCAPW_TCP_FIN | PCAPW_TCP_ACK);
    conn_ctl(cn, 1, PCAPW_TCP_FIN | PCAPW_TCP_ACK);
    conn_ctl(cn, 0, PCAPW_TCP_ACK);
}

/* Write the queued segments in reverse order and stop deferring. */
static void conn_play_reversed(struct conn *cn)
{
    cn->defer = 0;
    for (size_t i = cn->nq; i > 0; i--)
        write_seg(cn, &cn->q[i - 1]);
    cn->nq = 0;
}

/* End of the capture: what a perfect receiver makes of the holes. */
static void conn_finish(struct conn *cn)
{
    struct ctx *cx = cn->cx;
    for (int dir = 0; dir < 2; dir++) {
        struct dstream *d = &cn->d[dir];
        while (d->next < d->nmk) {
            size_t hs = d->prefix, he = hs;
            while (he < d->data.n && !d->got[he])
                he++;
            if (he >= d->data.n)
                die("%s: messages left incomplete at the end of the stream (not modelled)", cx->name);
            cx->gap++;
            cx->gap_bytes += (long long)(he - hs);
            struct mark *k = &d->mk[d->next];
            if (k->start < hs) { /* its head arrived: shown, flagged */
                cx->cut++;
                cx->anomalous++;
                cx->incomplete_bytes += (long long)(hs - k->start);
                mark_expect(cn, dir, k, "cut-by-gap");
                d->next++;
            }
            while (d->next < d->nmk && d->mk[d->next].start < he)
                d->next++; /* begins inside the hole: lost (its tail is skipped) */
            size_t resume = d->next < d->nmk ? d->mk[d->next].start : d->data.n;
            cx->skipped += (long long)(resume - he);
            d->prefix = he;
            while (d->prefix < d->data.n && d->got[d->prefix])
                d->prefix++;
            int first = 1;
            while (d->next < d->nmk && d->mk[d->next].end <= d->prefix) {
                mark_expect(cn, dir, &d->mk[d->next++], first ? "after-gap" : "");
                first = 0;
            }
        }
    }
}

/* A whole call over one connection, one message per segment (caller is the client). */
static void conn_call(struct conn *cn, const struct call *k)
{
    for (int i = 0; i < C__N; i++)
        conn_msg(cn, by_callee(i) ? 1 : 0, &k->m[i]);
}

/* ---- the cases ---------------------------------------------------------- */

static struct node n_ua(uint16_t port)
{
    return mknode("192.0.2.10", port);
}

static struct node n_proxy(uint16_t port)
{
    return mknode("198.51.100.20", port);
}

static const char T_BASIC[] = "a full call over one TCP connection: SYN handshake, one message per segment, FIN";

static void case_tcp_basic(struct ctx *cx)
{
    struct node c = n_ua(49152), s = n_proxy(5060);
    struct callp p;
    callp_init(&p, "tcp-basic-1@192.0.2.10", "TCP", &c, &s);
    struct call k;
    call_make(&k, &p);
    struct conn cn;
    conn_init(&cn, cx, &c, &s, 0x1a2b3c4dU, 0x5e6f7081U, "TCP");
    conn_handshake(&cn);
    conn_msg(&cn, 0, &k.m[C_INVITE]);
    conn_ctl(&cn, 1, PCAPW_TCP_ACK);
    for (int i = C_100; i < C__N; i++)
        conn_msg(&cn, by_callee(i) ? 1 : 0, &k.m[i]);
    conn_close(&cn);
    conn_finish(&cn);
    conn_free(&cn);
    call_free(&k);
}

static const char T_SPLIT[] =
    "the INVITE split in two segments at every byte boundary, one connection (client port 20000+K, "
    "Call-ID tcp-split-K) per split point K, plus one connection sending it one byte per segment";

static void case_tcp_every_split(struct ctx *cx)
{
    struct node s = n_proxy(5060);
    struct node c0 = n_ua(20000);
    struct callp p;
    callp_init(&p, "tcp-split-0000@192.0.2.10", "TCP", &c0, &s);
    struct call k;
    call_make(&k, &p);
    size_t L = k.m[C_INVITE].t.n; /* every connection's INVITE has this length: the Call-IDs
                                   * tcp-split-0001.. and ports 200NN differ only in digits */
    call_free(&k);
    note(cx, "INVITE length %zu: split points 1..%zu; connection %zu sends it byte by byte", L, L - 1, L);
    for (size_t cut = 1; cut <= L; cut++) {
        struct node c = n_ua((uint16_t)(20000 + cut));
        char cid[96];
        snprintf(cid, sizeof cid, "tcp-split-%04zu@192.0.2.10", cut);
        callp_init(&p, cid, "TCP", &c, &s);
        call_make(&k, &p);
        if (k.m[C_INVITE].t.n != L)
            die("split INVITE length changed");
        struct conn cn;
        conn_init(&cn, cx, &c, &s, 1000003U * (uint32_t)cut, 0x80000000U + 7919U * (uint32_t)cut, "TCP");
        conn_handshake(&cn);
        conn_add(&cn, 0, &k.m[C_INVITE]);
        if (cut < L) {
            conn_seg(&cn, 0, 0, cut);
            conn_seg(&cn, 0, cut, L - cut);
        } else {
            for (size_t i = 0; i < L; i++)
                conn_seg(&cn, 0, i, 1);
        }
        for (int i = C_100; i < C__N; i++)
            conn_msg(&cn, by_callee(i) ? 1 : 0, &k.m[i]);
        conn_close(&cn);
        conn_finish(&cn);
        conn_free(&cn);
        call_free(&k);
    }
}

static const char T_COALESCED[] =
    "three calls on one connection between two proxies, several messages per segment and messages "
    "spanning segment boundaries (200+ACK+BYE+200, ACK+BYE, end of one message + start of the next)";

static void case_tcp_coalesced(struct ctx *cx)
{
    struct node c = n_ua(50100), s = n_proxy(5060);
    struct callp pa, pb, pc;
    callp_init(&pa, "tcp-coalesced-A@192.0.2.10", "TCP", &c, &s);  /* client calls */
    callp_init(&pb, "tcp-coalesced-B@198.51.100.20", "TCP", &s, &c); /* server calls */
    callp_init(&pc, "tcp-coalesced-C@198.51.100.20", "TCP", &s, &c);
    pb.a_user = pc.a_user = "carol";
    pb.b_user = pc.b_user = "dave";
    struct call A, B, C;
    call_make(&A, &pa);
    call_make(&B, &pb);
    call_make(&C, &pc);
    struct conn cn;
    conn_init(&cn, cx, &c, &s, 0x00c0ffeeU, 0x0badcafeU, "TCP");
    conn_handshake(&cn);
    /* 1 */ conn_msg(&cn, 1, &C.m[C_INVITE]);
    /* 2 */ conn_add(&cn, 0, &C.m[C_100]);
    conn_add(&cn, 0, &C.m[C_180]);
    conn_add(&cn, 0, &C.m[C_200]);
    conn_flush(&cn, 0);
    note(cx, "segment: 100+180+200 (call C, client->server)");
    /* 3 */ conn_msg(&cn, 1, &C.m[C_ACK]);
    /* 4 */ conn_msg(&cn, 0, &A.m[C_INVITE]);
    /* 5 */ conn_add(&cn, 1, &A.m[C_100]);
    conn_add(&cn, 1, &A.m[C_180]);
    size_t a200 = conn_add(&cn, 1, &A.m[C_200]);
    conn_flush_to(&cn, 1, a200 + 40);
    note(cx, "segment: 100+180+first 40 bytes of 200 (call A)");
    /* 6 */ size_t binv = conn_add(&cn, 1, &B.m[C_INVITE]);
    conn_flush_to(&cn, 1, binv + 300);
    note(cx, "segment: rest of 200 (A) + first 300 bytes of INVITE (B)");
    /* 7 */ conn_add(&cn, 1, &C.m[C_BYE]);
    conn_flush(&cn, 1);
    note(cx, "segment: rest of INVITE (B) + BYE (C)");
    /* 8 */ conn_add(&cn, 0, &B.m[C_100]);
    conn_add(&cn, 0, &B.m[C_180]);
    conn_flush(&cn, 0);
    /* 9 */ conn_add(&cn, 0, &B.m[C_200]);
    conn_add(&cn, 0, &A.m[C_ACK]);
    conn_add(&cn, 0, &A.m[C_BYE]);
    conn_add(&cn, 0, &C.m[C_BYE200]);
    conn_flush(&cn, 0);
    note(cx, "segment: 200 (B) + ACK (A) + BYE (A) + 200 (BYE of C)");
    /* 10 */ conn_add(&cn, 1, &A.m[C_BYE200]);
    conn_add(&cn, 1, &B.m[C_ACK]);
    conn_add(&cn, 1, &B.m[C_BYE]);
    conn_flush(&cn, 1);
    note(cx, "segment: 200 (BYE of A) + ACK (B) + BYE (B)");
    /* 11 */ conn_msg(&cn, 0, &B.m[C_BYE200]);
    conn_close(&cn);
    conn_finish(&cn);
    conn_free(&cn);
    call_free(&A);
    call_free(&B);
    call_free(&C);
}

static const char T_REVERSE[] =
    "every data segment (each message in two halves) and FIN of a connection written in reverse order: "
    "connection 1 (port 50200) after an in-order SYN handshake, connection 2 (port 50201) without any";

static void case_tcp_reverse(struct ctx *cx)
{
    struct node s = n_proxy(5060);
    for (int v = 0; v < 2; v++) {
        struct node c = n_ua((uint16_t)(50200 + v));
        struct callp p;
        callp_init(&p, v ? "tcp-reverse-nosyn@192.0.2.10" : "tcp-reverse-syn@192.0.2.10", "TCP", &c, &s);
        struct call k;
        call_make(&k, &p);
        struct conn cn;
        conn_init(&cn, cx, &c, &s, 0x31415926U + (uint32_t)v, 0x27182818U + (uint32_t)v, "TCP");
        if (!v)
            conn_handshake(&cn);
        cn.defer = 1;
        for (int i = 0; i < C__N; i++) {
            int dir = by_callee(i) ? 1 : 0;
            size_t off = conn_add(&cn, dir, &k.m[i]), half = k.m[i].t.n / 2;
            conn_seg(&cn, dir, off, half);
            conn_seg(&cn, dir, off + half, k.m[i].t.n - half);
        }
        conn_ctl(&cn, 0, PCAPW_TCP_FIN | PCAPW_TCP_ACK);
        conn_ctl(&cn, 1, PCAPW_TCP_FIN | PCAPW_TCP_ACK);
        conn_play_reversed(&cn);
        conn_ctl(&cn, 0, PCAPW_TCP_ACK);
        conn_finish(&cn);
        conn_free(&cn);
        call_free(&k);
    }
    cx->order_stream = 1;
    note(cx, "order stream: with reversed segments each direction completes at once; only the order "
             "within a direction is defined");
}

static const char T_DUP[] =
    "duplicated frames, retransmitted segments, and retransmissions with a different segmentation "
    "overlapping delivered data, new data and out-of-order data";

static void case_tcp_dup_retrans(struct ctx *cx)
{
    struct node c = n_ua(50300), s = n_proxy(5060);
    struct callp p;
    callp_init(&p, "tcp-dup-retrans-1@192.0.2.10", "TCP", &c, &s);
    struct call k;
    call_make(&k, &p);
    struct conn cn;
    conn_init(&cn, cx, &c, &s, 0x0ddba11U, 0x5eed5eedU, "TCP");
    conn_handshake(&cn);

    size_t inv = conn_add(&cn, 0, &k.m[C_INVITE]), L = k.m[C_INVITE].t.n;
    conn_seg(&cn, 0, inv, 500);
    { /* the same frame again with the same timestamp (a capture seeing each packet twice) */
        pcapw_tcp h = {cn.d[0].isn + 1U + (uint32_t)inv, cn.d[1].isn + 1U, PCAPW_TCP_PSH | PCAPW_TCP_ACK, 0, 0};
        chk(cx, pcapw_write_tcp(cx->w, again(cx), &c.ep, &s.ep, &h, cn.d[0].data.p + inv, 500));
    }
    conn_seg(&cn, 0, inv + 500, L - 500);
    note(cx, "INVITE: [0,500) written twice with the same timestamp, then [500,end)");

    size_t o = conn_add(&cn, 1, &k.m[C_100]);
    conn_flush(&cn, 1);
    pause_ms(cx, 200);
    conn_seg(&cn, 1, o, k.m[C_100].t.n);
    note(cx, "100: retransmitted 200 ms later, same bytes");
    conn_msg(&cn, 1, &k.m[C_180]);

    o = conn_add(&cn, 1, &k.m[C_200]);
    L = k.m[C_200].t.n;
    conn_seg(&cn, 1, o + 300, L - 300);
    conn_seg(&cn, 1, o, L);
    note(cx, "200: [300,end) first (out of order), then the whole message again in one segment");

    size_t ack = conn_add(&cn, 0, &k.m[C_ACK]), la = k.m[C_ACK].t.n;
    size_t bye = conn_add(&cn, 0, &k.m[C_BYE]), lb = k.m[C_BYE].t.n;
    conn_seg(&cn, 0, ack, la + 150);
    conn_seg(&cn, 0, bye + 100, 200);
    conn_seg(&cn, 0, bye + 250, lb - 250);
    pause_ms(cx, 200);
    conn_seg(&cn, 0, ack + la - 20, 20 + lb);
    note(cx, "ACK+BYE[0,150), BYE[100,300), BYE[250,end), then ACK[-20..]+BYE[0..end] again (all old)");

    o = conn_add(&cn, 1, &k.m[C_BYE200]);
    L = k.m[C_BYE200].t.n;
    conn_seg(&cn, 1, o + 150, L - 150);
    conn_seg(&cn, 1, o + 100, 150);
    conn_seg(&cn, 1, o, 120);
    note(cx, "200 (BYE): [150,end), [100,250) (both out of order, overlapping), then [0,120)");
    conn_close(&cn);
    conn_finish(&cn);
    conn_free(&cn);
    call_free(&k);
}

static const char T_HOLE[] =
    "a segment in the middle of the client's BYE is missing (BYE glare: the server sends its own BYE at "
    "the same time, so the client's next message is its 200 to that BYE)";

static void case_tcp_hole(struct ctx *cx)
{
    struct node c = n_ua(50700), s = n_proxy(5060);
    struct callp p;
    callp_init(&p, "tcp-hole-1@192.0.2.10", "TCP", &c, &s);
    struct call k;
    call_make(&k, &p);
    struct conn cn;
    conn_init(&cn, cx, &c, &s, 0x600dbeefU, 0x12345678U, "TCP");
    conn_handshake(&cn);
    for (int i = C_INVITE; i <= C_ACK; i++)
        conn_msg(&cn, by_callee(i) ? 1 : 0, &k.m[i]);
    /* the BYE's head ends 12 bytes after its CSeq line: Call-ID and CSeq are in it */
    const char *t = k.m[C_BYE].t.p, *cs = strstr(t, "\r\nCSeq:");
    if (!cs || !strstr(cs + 2, "\r\n"))
        die("no CSeq in the BYE");
    size_t head = (size_t)(strstr(cs + 2, "\r\n") - t) + 2 + 12, hole = 40, L = k.m[C_BYE].t.n;
    if (head + hole >= L)
        die("BYE too short for the hole");
    size_t bye = conn_add(&cn, 0, &k.m[C_BYE]);
    conn_seg(&cn, 0, bye, head);
    struct txn tb;
    txn_init(&tb, &p, 1, "BYE", 4001, 1);
    struct sipmsg sbye = {0}, sok = {0};
    sip_request(&sbye, &p, &tb, 0, 0);
    sip_response(&sok, &p, &tb, 200, "OK", 0);
    conn_msg(&cn, 1, &sbye);
    conn_seg(&cn, 0, bye + head + hole, L - head - hole);
    conn_msg(&cn, 0, &sok);
    conn_msg(&cn, 1, &k.m[C_BYE200]);
    conn_close(&cn);
    conn_finish(&cn);
    note(cx, "client BYE: %zu bytes: [0,%zu) sent, [%zu,%zu) never sent, [%zu,end) sent", L, head, head,
         head + hole, head + hole);
    note(cx, "expected: the BYE shown flagged cut-by-gap, the client's next message (200 to the "
             "server's BYE, CSeq 4001) flagged after-gap, the BYE's tail skipped and reported");
    cx->order_stream = 1;
    note(cx, "order stream: when a hole is given up on is the receiver's choice");
    ev_set(cx, "tcp-gap", "1");
    ev_set(cx, "tcp-incomplete-message", ">=1");
    ev_set(cx, "tcp-non-sip-bytes", ">=1");
    msg_reset(&sbye);
    msg_reset(&sok);
    conn_free(&cn);
    call_free(&k);
}

static const char T_WRAP[] =
    "sequence numbers wrapping past 2^32 inside the INVITE (whose segments cross the wrap and arrive "
    "out of order) and inside the 180; a second connection whose SYN takes sequence number 2^32-1";

static void case_tcp_wrap(struct ctx *cx)
{
    struct node s = n_proxy(5060);
    {
        struct node c = n_ua(50800);
        struct callp p;
        callp_init(&p, "tcp-wrap-1@192.0.2.10", "TCP", &c, &s);
        struct call k;
        call_make(&k, &p);
        size_t l100 = k.m[C_100].t.n, L = k.m[C_INVITE].t.n;
        struct conn cn;
        /* client data offset 300 has sequence number 0; server offset l100 + 50 too */
        conn_init(&cn, cx, &c, &s, (uint32_t)(0U - 301U), (uint32_t)(0U - 1U - (uint32_t)(l100 + 50)), "TCP");
        conn_handshake(&cn);
        conn_add(&cn, 0, &k.m[C_INVITE]);
        conn_seg(&cn, 0, 0, 200);
        conn_seg(&cn, 0, 600, L - 600);
        conn_seg(&cn, 0, 200, 400);
        note(cx, "connection 1: INVITE [0,200), [600,end) (after the wrap, early), [200,600) (across it)");
        for (int i = C_100; i < C__N; i++)
            conn_msg(&cn, by_callee(i) ? 1 : 0, &k.m[i]);
        conn_close(&cn);
        conn_finish(&cn);
        conn_free(&cn);
        call_free(&k);
    }
    {
        struct node c = n_ua(50801);
        struct callp p;
        callp_init(&p, "tcp-wrap-2@192.0.2.10", "TCP", &c, &s);
        struct call k;
        call_make(&k, &p);
        struct conn cn;
        conn_init(&cn, cx, &c, &s, 0xffffffffU, 0xfffffffeU, "TCP");
        conn_handshake(&cn);
        conn_call(&cn, &k);
        note(cx, "connection 2: client SYN at 2^32-1 (data from 0), server data from 2^32-1");
        conn_close(&cn);
        conn_finish(&cn);
        conn_free(&cn);
        call_free(&k);
    }
}

static const char T_KEEPALIVE[] =
    "RFC 5626 keep-alives between messages: CRLFCRLF pings and CRLF pongs in their own segments, "
    "glued before a message, and a ping split across two segments";

static void case_tcp_keepalive(struct ctx *cx)
{
    struct node c = n_ua(50400), s = n_proxy(5060);
    struct callp p;
    callp_init(&p, "tcp-keepalive-1@192.0.2.10", "TCP", &c, &s);
    struct call k;
    call_make(&k, &p);
    struct conn cn;
    conn_init(&cn, cx, &c, &s, 0x4b454550U, 0x414c4956U, "TCP");
    conn_handshake(&cn);
    conn_raw(&cn, 0, "\r\n\r\n", 4);
    conn_flush(&cn, 0);
    conn_raw(&cn, 1, "\r\n", 2);
    conn_flush(&cn, 1);
    conn_msg(&cn, 0, &k.m[C_INVITE]);
    conn_msg(&cn, 1, &k.m[C_100]);
    conn_msg(&cn, 1, &k.m[C_180]);
    conn_msg(&cn, 1, &k.m[C_200]);
    conn_raw(&cn, 0, "\r\n\r\n", 4);
    conn_flush(&cn, 0);
    conn_raw(&cn, 1, "\r\n", 2);
    conn_flush(&cn, 1);
    conn_raw(&cn, 0, "\r\n\r\n", 4);
    conn_msg(&cn, 0, &k.m[C_ACK]);
    size_t ka = conn_raw(&cn, 0, "\r\n\r\n", 4);
    conn_flush_to(&cn, 0, ka + 3);
    conn_msg(&cn, 0, &k.m[C_BYE]);
    conn_raw(&cn, 1, "\r\n", 2);
    conn_msg(&cn, 1, &k.m[C_BYE200]);
    conn_raw(&cn, 0, "\r\n\r\n", 4);
    conn_flush(&cn, 0);
    conn_raw(&cn, 1, "\r\n", 2);
    conn_flush(&cn, 1);
    note(cx, "client: ping, INVITE, ping, ping+ACK, \"\\r\\n\\r\" | \"\\n\"+BYE, ping; "
             "server: pong, 100, 180, 200, pong, pong+200, pong");
    conn_close(&cn);
    conn_finish(&cn);
    conn_free(&cn);
    call_free(&k);
}

static const char T_MIDSTREAM[] =
    "the capture starts in the middle of a connection (no SYN): the client's first segment is the last "
    "150 bytes of an INVITE, the server's first segment the tail of a 180 (from inside its Via value, "
    "\"SIP/2.0/TCP ...\") followed by a whole 200";

static void case_tcp_midstream(struct ctx *cx)
{
    struct node c = n_ua(50500), s = n_proxy(5060);
    struct callp p;
    callp_init(&p, "tcp-midstream-1@192.0.2.10", "TCP", &c, &s);
    struct call k;
    call_make(&k, &p);
    struct conn cn;
    conn_init(&cn, cx, &c, &s, 0x3a3a3a3aU, 0x5c5c5c5cU, "TCP");
    const struct sb *inv = &k.m[C_INVITE].t, *r180 = &k.m[C_180].t;
    conn_raw(&cn, 0, inv->p + inv->n - 150, 150);
    conn_flush(&cn, 0);
    const char *via = strstr(r180->p, "Via: ");
    if (!via)
        die("no Via in the 180");
    via += 5;
    size_t tail = r180->n - (size_t)(via - r180->p);
    conn_raw(&cn, 1, via, tail);
    conn_add(&cn, 1, &k.m[C_200]);
    conn_flush(&cn, 1);
    conn_msg(&cn, 0, &k.m[C_ACK]);
    conn_msg(&cn, 0, &k.m[C_BYE]);
    conn_msg(&cn, 1, &k.m[C_BYE200]);
    conn_close(&cn);
    conn_finish(&cn);
    cx->skipped += 150 + (long long)tail;
    note(cx, "skipped and reported: the INVITE tail (150 bytes) and the 180 tail (%zu bytes)", tail);
    ev_set(cx, "tcp-non-sip-bytes", ">=1");
    conn_free(&cn);
    call_free(&k);
}

static const char T_REUSE[] =
    "one connection carrying two calls one after the other, then the same four-tuple reused by a new "
    "connection (new SYN, new sequence numbers) carrying a third call";

static void case_tcp_reuse(struct ctx *cx)
{
    struct node c = n_ua(50600), s = n_proxy(5060);
    struct call k1, k2, k3;
    struct callp p;
    callp_init(&p, "tcp-reuse-1@192.0.2.10", "TCP", &c, &s);
    call_make(&k1, &p);
    callp_init(&p, "tcp-reuse-2@192.0.2.10", "TCP", &c, &s);
    p.cseq = 101;
    call_make(&k2, &p);
    callp_init(&p, "tcp-reuse-3@192.0.2.10", "TCP", &c, &s);
    call_make(&k3, &p);
    struct conn cn;
    conn_init(&cn, cx, &c, &s, 0x10000000U, 0x20000000U, "TCP");
    conn_handshake(&cn);
    conn_call(&cn, &k1);
    pause_ms(cx, 500);
    conn_call(&cn, &k2);
    conn_close(&cn);
    conn_finish(&cn);
    conn_free(&cn);
    pause_ms(cx, 1000);
    conn_init(&cn, cx, &c, &s, 0x30000000U, 0x40000000U, "TCP");
    conn_handshake(&cn);
    conn_call(&cn, &k3);
    conn_close(&cn);
    conn_finish(&cn);
    conn_free(&cn);
    call_free(&k1);
    call_free(&k2);
    call_free(&k3);
}

/* ---- IP fragments -------------------------------------------------------- */

static void frag_case(struct ctx *cx, int v6, int drop_middle)
{
    struct node a = v6 ? mknode("2001:db8::10", 5060) : n_ua(5060);
    struct node b = v6 ? mknode("2001:db8::20", 5060) : n_proxy(5060);
    struct callp p;
    callp_init(&p, v6 ? "ipv6-frag-1@2001:db8::10" : drop_middle ? "frag-missing-1@192.0.2.10" : "ipv4-frag-1@192.0.2.10",
               "UDP", &a, &b);
    p.invite_size = 4000;
    struct call k;
    call_make(&k, &p);
    uint8_t dg[4100];
    size_t n = pcapw_build_udp(&a.ep, &b.ep, k.m[C_INVITE].t.p, k.m[C_INVITE].t.n, dg, sizeof dg);
    if (n != 4008)
        die("UDP datagram of %zu bytes", n);
    size_t fs = v6 ? 1448 : 1480, off[3] = {0, fs, 2 * fs}, len[3] = {fs, fs, n - 2 * fs};
    int order[3] = {2, 1, 0}, nf = 3;
    if (drop_middle) {
        order[0] = 0;
        order[1] = 2;
        nf = 2;
    }
    for (int i = 0; i < nf; i++) {
        int f = order[i];
        int more = f < 2;
        if (v6)
            chk(cx, pcapw_write_ip6_fragment(cx->w, tick(cx), &a.ep.ip, &b.ep.ip, PCAPW_IPPROTO_UDP, 0x5eed0001U,
                                             (uint32_t)off[f], more, dg + off[f], len[f]));
        else
            chk(cx, pcapw_write_ip4_fragment(cx->w, tick(cx), &a.ep.ip, &b.ep.ip, PCAPW_IPPROTO_UDP, 0x04d2,
                                             (uint32_t)off[f], more, dg + off[f], len[f]));
    }
    note(cx, "INVITE: 4000 bytes of SIP, UDP datagram of %zu bytes in fragments at %zu (+%zu), %zu (+%zu), "
             "%zu (+%zu); written: %s",
         n, off[0], len[0], off[1], len[1], off[2], len[2], drop_middle ? "first, last (middle missing)" : "last, middle, first");
    if (drop_middle) {
        cx->incomplete_dgram = 1;
        ev_set(cx, "ip-fragment", ">=1");
        note(cx, "expected: no INVITE, the incomplete datagram reported; the rest of the call decoded");
    } else {
        cx->reasm = 1;
        expect_sip(cx, &k.m[C_INVITE], &a, &b, "UDP", "reassembled", -1);
    }
    for (int i = C_100; i < C__N; i++) {
        const struct node *src = by_callee(i) ? &b : &a, *dst = by_callee(i) ? &a : &b;
        pause_ms(cx, 20);
        chk(cx, pcapw_write_udp(cx->w, tick(cx), &src->ep, &dst->ep, k.m[i].t.p, k.m[i].t.n));
        expect_sip(cx, &k.m[i], src, dst, "UDP", "", -1);
    }
    call_free(&k);
}

static const char T_FRAG4[] = "a 4000-byte INVITE over UDP/IPv4 in three fragments written in reverse order";
static const char T_FRAG6[] =
    "a 4000-byte INVITE over UDP/IPv6 in three fragments (Fragment extension header) written in reverse order";
static const char T_FRAGMISS[] = "a 4000-byte INVITE over UDP/IPv4 in three fragments, the middle one missing";

static void case_ipv4_frag_reverse(struct ctx *cx)
{
    frag_case(cx, 0, 0);
}

static void case_ipv6_frag_reverse(struct ctx *cx)
{
    frag_case(cx, 1, 0);
}

static void case_frag_missing(struct ctx *cx)
{
    frag_case(cx, 0, 1);
}

/* ---- WebSocket ----------------------------------------------------------- */

/* Append one WebSocket frame to a direction; returns its offset, *len its size. */
static size_t ws_raw(struct conn *cn, int dir, int fin, uint8_t op, const uint8_t *mask, unsigned bits,
                     const void *p, size_t n, size_t *len)
{
    size_t cap = n + 16;
    uint8_t *f = xrealloc(NULL, cap);
    size_t fl = pcapw_ws_frame(f, cap, fin, op, mask, bits, p, n);
    if (!fl)
        die("cannot build a WebSocket frame");
    size_t off = conn_raw(cn, dir, f, fl);
    free(f);
    if (len)
        *len = fl;
    return off;
}

/* One SIP message in one WebSocket frame. */
static size_t ws_msg(struct conn *cn, int dir, const struct sipmsg *m, uint8_t op, const uint8_t *mask,
                     unsigned bits)
{
    size_t fl, off = ws_raw(cn, dir, 1, op, mask, bits, m->t.p, m->t.n, &fl);
    conn_mark(cn, dir, off, off + fl, m);
    return off;
}

static const char T_WS[] =
    "SIP over WebSocket on port 8088: HTTP Upgrade handshake, masked client frames (the INVITE's frame "
    "split across four TCP segments: inside the header, inside the masking key, inside the payload), "
    "unmasked server frames (text and binary, two in one segment, a 64-bit length), the ACK as a "
    "fragmented message (FIN=0 text + ping + continuation), close frames";

static void case_ws_masked_split(struct ctx *cx)
{
    static const uint8_t k1[4] = {0x37, 0xfa, 0x21, 0x3d}, k2[4] = {0x1c, 0x83, 0x5e, 0xa0},
                         k3[4] = {0xde, 0xad, 0xbe, 0xef}, k4[4] = {0x00, 0x7f, 0x80, 0xff},
                         k5[4] = {0x5a, 0xa5, 0x0f, 0xf0}, k6[4] = {0x12, 0x34, 0x56, 0x78};
    struct node c = n_ua(51000), s = n_proxy(8088);
    struct callp p;
    callp_init(&p, "ws-masked-split-1@df7jal23ls0d.invalid", "WS", &c, &s);
    copy_str(p.a_contact, sizeof p.a_contact, "df7jal23ls0d.invalid");
    struct call k;
    call_make(&k, &p);
    struct conn cn;
    conn_init(&cn, cx, &c, &s, 0x77777777U, 0x88888888U, "WS");
    conn_handshake(&cn);
    static const char up[] = "GET / HTTP/1.1\r\n"
                             "Host: 198.51.100.20:8088\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Origin: http://www.example.com\r\n"
                             "Sec-WebSocket-Protocol: sip\r\n"
                             "Sec-WebSocket-Version: 13\r\n\r\n";
    static const char ok[] = "HTTP/1.1 101 Switching Protocols\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                             "Sec-WebSocket-Protocol: sip\r\n\r\n";
    conn_raw(&cn, 0, up, sizeof up - 1);
    conn_flush(&cn, 0);
    conn_raw(&cn, 1, ok, sizeof ok - 1);
    conn_flush(&cn, 1);

    size_t f = ws_msg(&cn, 0, &k.m[C_INVITE], PCAPW_WS_TEXT, k1, 0), L = cn.d[0].data.n - f;
    conn_seg(&cn, 0, f, 1);       /* FIN/opcode byte only */
    conn_seg(&cn, 0, f + 1, 5);   /* mask bit + 126, 16-bit length, 2 bytes of the key */
    conn_seg(&cn, 0, f + 6, 114); /* rest of the key, 112 payload bytes */
    conn_seg(&cn, 0, f + 120, L - 120);
    note(cx, "INVITE frame (%zu bytes, 16-bit length, masked): segments [0,1) [1,6) [6,120) [120,end)", L);

    ws_msg(&cn, 1, &k.m[C_100], PCAPW_WS_TEXT, NULL, 0);
    conn_flush(&cn, 1);
    ws_msg(&cn, 1, &k.m[C_180], PCAPW_WS_BINARY, NULL, 0);
    ws_msg(&cn, 1, &k.m[C_200], PCAPW_WS_TEXT, NULL, 0);
    conn_flush(&cn, 1);
    note(cx, "100 text frame; 180 (binary frame) + 200 (text frame) in one segment");

    const struct sb *ack = &k.m[C_ACK].t;
    size_t la, lb;
    size_t fa = ws_raw(&cn, 0, 0, PCAPW_WS_TEXT, k2, 0, ack->p, 100, &la);
    ws_raw(&cn, 0, 1, PCAPW_WS_PING, k3, 0, "keepalive", 9, NULL);
    size_t fb = ws_raw(&cn, 0, 1, PCAPW_WS_CONT, k4, 0, ack->p + 100, ack->n - 100, &lb);
    conn_mark(&cn, 0, fa, fb + lb, &k.m[C_ACK]);
    conn_flush_to(&cn, 0, fb + 3);
    conn_flush(&cn, 0);
    ws_raw(&cn, 1, 1, PCAPW_WS_PONG, NULL, 0, "keepalive", 9, NULL);
    conn_flush(&cn, 1);
    note(cx, "ACK: text FIN=0 (100 bytes, 7-bit length) + ping + 3 bytes of the continuation | rest of the "
             "continuation (FIN=1, %zu bytes); pong from the server",
         ack->n - 100);

    size_t fy = ws_msg(&cn, 0, &k.m[C_BYE], PCAPW_WS_TEXT, k5, 0);
    conn_flush_to(&cn, 0, fy + 40);
    conn_flush(&cn, 0);
    ws_msg(&cn, 1, &k.m[C_BYE200], PCAPW_WS_TEXT, NULL, 64);
    conn_flush(&cn, 1);
    note(cx, "BYE frame split at byte 40; 200 (BYE) with a 64-bit length field (non-minimal, accepted by "
             "dissect/ws.h)");
    static const uint8_t bye_code[2] = {0x03, 0xe8};
    ws_raw(&cn, 0, 1, PCAPW_WS_CLOSE, k6, 0, bye_code, 2, NULL);
    conn_flush(&cn, 0);
    ws_raw(&cn, 1, 1, PCAPW_WS_CLOSE, NULL, 0, bye_code, 2, NULL);
    conn_flush(&cn, 1);
    conn_close(&cn);
    conn_finish(&cn);
    conn_free(&cn);
    call_free(&k);
}

/* ---- SCTP ---------------------------------------------------------------- */

static const char T_SCTP[] =
    "SIP over SCTP (RFC 4168): association set-up, packets bundling a SACK with several DATA chunks "
    "(each a whole SIP message, streams 0 and 1), shutdown";

static void sctp_sack(uint8_t v[12], uint32_t cum)
{
    memset(v, 0, 12);
    v[0] = (uint8_t)(cum >> 24);
    v[1] = (uint8_t)(cum >> 16);
    v[2] = (uint8_t)(cum >> 8);
    v[3] = (uint8_t)cum;
    v[4] = 0x00; /* a_rwnd 106496 */
    v[5] = 0x01;
    v[6] = 0xa0;
    v[7] = 0x00;
}

static void case_sctp_multi(struct ctx *cx)
{
    struct node a = n_ua(5060), b = n_proxy(5060);
    struct callp p;
    callp_init(&p, "sctp-multi-1@192.0.2.10", "SCTP", &a, &b);
    struct call k;
    call_make(&k, &p);
    const uint32_t tag_a = 0x11223344U, tag_b = 0x55667788U;
    /* INIT / INIT ACK / COOKIE ECHO / COOKIE ACK (RFC 9260 §5.1) */
    static const uint8_t init[16] = {0x11, 0x22, 0x33, 0x44, 0x00, 0x01, 0xa0, 0x00,
                                     0x00, 0x0a, 0x00, 0x0a, 0x00, 0x00, 0x03, 0xe8};
    static const uint8_t init_ack[36] = {0x55, 0x66, 0x77, 0x88, 0x00, 0x01, 0xa0, 0x00, 0x00, 0x0a, 0x00, 0x0a,
                                         0x00, 0x00, 0x13, 0x88, 0x00, 0x07, 0x00, 0x14, 'c',  'o',  'o',  'k',
                                         'i',  'e',  '-',  't',  'o',  'r',  't',  'u',  'r',  'e',  '-',  '1'};
    pcapw_sctp_chunk ch[4];
    memset(ch, 0, sizeof ch);
    ch[0].type = PCAPW_SCTP_INIT;
    ch[0].value = init;
    ch[0].len = sizeof init;
    chk(cx, pcapw_write_sctp(cx->w, tick(cx), &a.ep, &b.ep, 0, ch, 1));
    ch[0].type = PCAPW_SCTP_INIT_ACK;
    ch[0].value = init_ack;
    ch[0].len = sizeof init_ack;
    chk(cx, pcapw_write_sctp(cx->w, tick(cx), &b.ep, &a.ep, tag_a, ch, 1));
    ch[0].type = PCAPW_SCTP_COOKIE_ECHO;
    ch[0].value = init_ack + 20;
    ch[0].len = 16;
    chk(cx, pcapw_write_sctp(cx->w, tick(cx), &a.ep, &b.ep, tag_b, ch, 1));
    ch[0].type = PCAPW_SCTP_COOKIE_ACK;
    ch[0].value = NULL;
    ch[0].len = 0;
    chk(cx, pcapw_write_sctp(cx->w, tick(cx), &b.ep, &a.ep, tag_a, ch, 1));

    /* packets: {sender is callee, SACK?, messages} */
    static const struct {
        int from_b, sack;
        int msgs[3];
    } pk[] = {
        {0, 0, {C_INVITE, -1, -1}},
        {1, 1, {C_100, C_180, -1}},
        {1, 0, {C_200, -1, -1}},
        {0, 1, {C_ACK, C_BYE, -1}},
        {1, 1, {C_BYE200, -1, -1}},
    };
    uint32_t tsn[2] = {1000, 5000};
    uint16_t ssn[2][2] = {{0, 0}, {0, 0}};
    uint8_t sackv[12], *bufs[3] = {NULL, NULL, NULL};
    for (size_t i = 0; i < sizeof pk / sizeof pk[0]; i++) {
        int fb = pk[i].from_b;
        size_t nc = 0;
        memset(ch, 0, sizeof ch);
        if (pk[i].sack) {
            sctp_sack(sackv, tsn[!fb] - 1U);
            ch[nc].type = PCAPW_SCTP_SACK;
            ch[nc].value = sackv;
            ch[nc].len = sizeof sackv;
            nc++;
        }
        for (int j = 0; j < 3 && pk[i].msgs[j] >= 0; j++) {
            const struct sipmsg *m = &k.m[pk[i].msgs[j]];
            uint16_t sid = (uint16_t)(j & 1);
            pcapw_sctp_data d = {tsn[fb]++, sid, ssn[fb][sid]++, 0, PCAPW_SCTP_B | PCAPW_SCTP_E, m->t.p, m->t.n};
            bufs[j] = xrealloc(bufs[j], m->t.n + 12);
            if (pcapw_sctp_data_chunk(&ch[nc], &d, bufs[j], m->t.n + 12) != 0)
                die("DATA chunk");
            nc++;
        }
        const struct node *src = fb ? &b : &a, *dst = fb ? &a : &b;
        pause_ms(cx, 20);
        chk(cx, pcapw_write_sctp(cx->w, tick(cx), &src->ep, &dst->ep, fb ? tag_a : tag_b, ch, nc));
        for (int j = 0; j < 3 && pk[i].msgs[j] >= 0; j++)
            expect_sip(cx, &k.m[pk[i].msgs[j]], src, dst, "SCTP", "", -1);
    }
    for (int j = 0; j < 3; j++)
        free(bufs[j]);
    note(cx, "DATA chunk bundles: INVITE | SACK+100+180 | 200 | SACK+ACK+BYE | SACK+200");
    memset(ch, 0, sizeof ch);
    sctp_sack(sackv, tsn[1] - 1U);
    ch[0].type = PCAPW_SCTP_SHUTDOWN;
    ch[0].value = sackv;
    ch[0].len = 4;
    chk(cx, pcapw_write_sctp(cx->w, tick(cx), &a.ep, &b.ep, tag_b, ch, 1));
    ch[0].type = PCAPW_SCTP_SHUTDOWN_ACK;
    ch[0].value = NULL;
    ch[0].len = 0;
    chk(cx, pcapw_write_sctp(cx->w, tick(cx), &b.ep, &a.ep, tag_a, ch, 1));
    ch[0].type = PCAPW_SCTP_SHUTDOWN_COMPLETE;
    chk(cx, pcapw_write_sctp(cx->w, tick(cx), &a.ep, &b.ep, tag_b, ch, 1));
    call_free(&k);
}

/* ---- HEP3 ---------------------------------------------------------------- */

static const char T_HEP[] =
    "a UDP call mirrored by a capture agent (203.0.113.5) to a HEP collector (203.0.113.9:9060) as "
    "HEP3 packets; the original endpoints and timestamps (10 minutes earlier) are inside HEP";

static void case_hep3(struct ctx *cx)
{
    struct node agent = mknode("203.0.113.5", 47000), coll = mknode("203.0.113.9", 9060);
    struct node a = n_ua(5060), b = n_proxy(5060);
    struct callp p;
    callp_init(&p, "hep3-1@192.0.2.10", "UDP", &a, &b);
    struct call k;
    call_make(&k, &p);
    long long base_us = ((long long)EPOCH_SEC - 600) * 1000000LL + 123457;
    for (int i = 0; i < C__N; i++) {
        const struct node *src = by_callee(i) ? &b : &a, *dst = by_callee(i) ? &a : &b;
        long long t = base_us + (long long)i * 50311;
        pcapw_hep3 h;
        memset(&h, 0, sizeof h);
        h.src = src->ep;
        h.dst = dst->ep;
        h.ip_proto = PCAPW_IPPROTO_UDP;
        h.ts_sec = (uint32_t)(t / 1000000);
        h.ts_usec = (uint32_t)(t % 1000000);
        h.proto_type = 1;
        h.capture_id = 2001;
        uint8_t buf[4096];
        size_t n = pcapw_hep3_build(buf, sizeof buf, &h, k.m[i].t.p, k.m[i].t.n);
        if (!n)
            die("HEP3 packet");
        pause_ms(cx, 3);
        chk(cx, pcapw_write_udp(cx->w, tick(cx), &agent.ep, &coll.ep, buf, n));
        expect_sip(cx, &k.m[i], src, dst, "UDP", "hep", t);
    }
    note(cx, "time_us: the HEP timestamp (chunks 9/10), not the capture time of the outer packet");
    call_free(&k);
}

/* ---- main ----------------------------------------------------------------- */

static const struct tcase {
    const char *name;
    const char *title;
    void (*run)(struct ctx *cx);
} cases[] = {
    {"tcp-basic", T_BASIC, case_tcp_basic},
    {"tcp-every-split", T_SPLIT, case_tcp_every_split},
    {"tcp-coalesced", T_COALESCED, case_tcp_coalesced},
    {"tcp-reverse", T_REVERSE, case_tcp_reverse},
    {"tcp-dup-retrans", T_DUP, case_tcp_dup_retrans},
    {"tcp-hole", T_HOLE, case_tcp_hole},
    {"tcp-wrap", T_WRAP, case_tcp_wrap},
    {"tcp-keepalive", T_KEEPALIVE, case_tcp_keepalive},
    {"tcp-midstream", T_MIDSTREAM, case_tcp_midstream},
    {"tcp-reuse", T_REUSE, case_tcp_reuse},
    {"ipv4-frag-reverse", T_FRAG4, case_ipv4_frag_reverse},
    {"ipv6-frag-reverse", T_FRAG6, case_ipv6_frag_reverse},
    {"frag-missing", T_FRAGMISS, case_frag_missing},
    {"ws-masked-split", T_WS, case_ws_masked_split},
    {"sctp-multi", T_SCTP, case_sctp_multi},
    {"hep3", T_HEP, case_hep3},
};

static void usage(void)
{
    fputs("usage: torture [--list] OUTDIR [CASE...]\n"
          "  writes OUTDIR/CASE.pcap and OUTDIR/CASE.expect for every case (or those named)\n",
          stderr);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            printf("%-18s %s\n", cases[i].name, cases[i].title);
        return 0;
    }
    if (argc < 2 || argv[1][0] == '-') {
        usage();
        return 2;
    }
    const char *outdir = argv[1];
    for (int j = 2; j < argc; j++) {
        size_t i = 0;
        while (i < sizeof cases / sizeof cases[0] && strcmp(cases[i].name, argv[j]) != 0)
            i++;
        if (i == sizeof cases / sizeof cases[0]) {
            fprintf(stderr, "torture: no case %s (see --list)\n", argv[j]);
            return 2;
        }
    }
    if (mkdir(outdir, 0777) != 0 && errno != EEXIST)
        die("%s: %s", outdir, strerror(errno));
    int n = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int want = argc == 2;
        for (int j = 2; j < argc; j++)
            want |= strcmp(cases[i].name, argv[j]) == 0;
        if (!want)
            continue;
        struct ctx cx;
        ctx_begin(&cx, outdir, cases[i].name);
        cases[i].run(&cx);
        ctx_end(&cx, outdir, cases[i].title);
        n++;
    }
    fprintf(stderr, "torture: %d case%s written to %s\n", n, n == 1 ? "" : "s", outdir);
    return 0;
}
