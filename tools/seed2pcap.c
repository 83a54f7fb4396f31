/*
 * seed2pcap - turn the call flows of a Markdown-ish text conversion of the
 * Cisco Unified CM SIP trunk messaging guide into pcap captures plus
 * expectation files.
 *
 *   seed2pcap [--list] [--flow N] [--dump] SEEDFILE [OUTDIR]
 *
 *   --list     print the flows found: number, section, title, message
 *              count, Call-IDs (and the skip reason of flows that cannot
 *              be extracted); nothing is written
 *   --flow N   only flow N (the ordinal printed by --list, or a section
 *              number such as 4.1)
 *   --dump     also print every rebuilt SIP message on stdout
 *
 * For every flow that extracts cleanly it writes OUTDIR/NN-slug.pcap (one
 * UDP/IPv4 datagram per message, 20 ms apart from a fixed epoch, so the
 * output is deterministic) and OUTDIR/NN-slug.expect (format below).
 * Flows that cannot be extracted are reported on stderr as
 *   seed2pcap: flow NN (SECTION TITLE): skipped: REASON
 * and listed in OUTDIR/skipped.txt ("NN<TAB>section<TAB>title<TAB>reason").
 *
 * ---- How the text is read ------------------------------------------------
 * A flow starts at a "Title:" line; its number comes from the section
 * heading just above it ("### 1.4 ...", "## 12.2 ...", "**1.3 ...**") or,
 * failing that, from the "List of Scenarios" table of contents. Its nodes
 * come from the "Node = NAME, IP = ADDR" lines of its Configuration block.
 * A message starts at a line "[N] START-LINE" (with or without ** markers,
 * possibly glued to a "[diagram] Call-ID: [prev] [next]" marker). Page
 * noise ("Cisco Confidential", headings, diagram markers, ``` fences,
 * blank lines) is dropped wherever it appears, so messages cut by page
 * breaks are stitched back together. Markdown is undone: "**", trailing
 * two-space breaks, backslash escapes, &lt; &gt; &amp; &quot; and leading
 * indentation of header lines. A line that is neither a header nor a body
 * line continues the previous header (folded Authorization values). The
 * body starts at the first SDP ("x=") or XML ("<") line, or - for other
 * content types - at the first line after a gap that follows Content-Type
 * and a non-zero Content-Length. Content-Length is recomputed from the body
 * (CRLF line ends); disagreements with the printed value are recorded.
 *
 * Direction: a request goes from the node owning its top Via sent-by host
 * to the node owning its Request-URI host (with exactly two nodes, to the
 * other node whenever the R-URI host is a name or not a node; with more,
 * an unconfigured R-URI address becomes a node, and a name means the
 * sender's last peer in that Call-ID). When no top Via names a configured
 * node at all, the nodes are taken from the top-Via hosts. A response
 * goes back the way its request came (found by Call-ID, CSeq and branch;
 * without it, to the node of its top Via). Ports: the request's source
 * port is its Via sent-by port (5060 if absent), its destination port the
 * R-URI port when the R-URI names the destination node (else 5060).
 *
 * ---- Expectation file (line oriented, space separated) ----------------------
 *   # comment
 *   flow NN
 *   section S            ("-" when unknown)
 *   title TEXT...
 *   source FILE:FIRST-LAST   (line range of the flow in the seed)
 *   node ADDR NAME...
 *   messages N
 *   callids N
 *   callid CALL-ID       (one per distinct Call-ID, first-seen order)
 *   msg IDX KIND CSEQ CSEQ_METHOD CALL_ID SRC DST FROM_TAG TO_TAG TXN RTX
 *        KIND = method (requests) or status code (responses); SRC/DST are
 *        "ip:port" ("[v6]:port", the address as the text writes it); tags
 *        are "-" when absent; TXN numbers the transactions of the flow
 *        (same top-Via branch, Call-ID, From tag, CSeq number and method;
 *        an ACK for a non-2xx final response joins its INVITE's);
 *        RTX is 1 when the message repeats an earlier one of the same
 *        transaction with the same start line, direction, To tag and RSeq
 *        (what a capture tool should flag as a retransmission), else 0
 *   clmismatch IDX PRINTED ACTUAL   (printed Content-Length disagreed)
 *   note IDX TEXT...     (repairs made while reading the text; IDX 0 = the
 *                        whole flow)
 *   end
 *
 * Robustness: the input is untrusted; every loop and buffer is bounded
 * (see the MAX_* limits), odd text never crashes the tool, it only makes a
 * flow skipped.
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "pcapw.h"

#define MAX_INPUT (64u * 1024u * 1024u)
#define MAX_FLOWS 1000
#define MAX_NODES 16
#define MAX_MSGS 2000
#define MAX_HDRS 200
#define MAX_BODY_LINES 4000
#define MAX_MSG_BYTES 60000
#define MAX_NOTES 400
#define MAX_LINE 8192
#define MAX_TITLE 300
#define MAX_CALLIDS 200

#define EPOCH_SEC 1183143600ULL /* 2007-06-29 19:00:00 UTC */
#define STEP_NSEC 20000000U     /* 20 ms */

/* ---- small utilities -------------------------------------------------- */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("seed2pcap: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("seed2pcap: out of memory\n", stderr);
        exit(1);
    }
    return q;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

/* growable byte buffer */
struct sbuf {
    char *p;
    size_t n, cap;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
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

static void sb_puts(struct sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if ((size_t)k >= sizeof tmp)
        k = (int)sizeof tmp - 1;
    sb_put(b, tmp, (size_t)k);
}

static void sb_free(struct sbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* Bounded copy that always terminates (cuts overlong input). */
static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static int ieq_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (tolower(x) != tolower(y))
            return 0;
        if (!x)
            return 1;
    }
    return 1;
}

static int istarts(const char *s, const char *prefix)
{
    size_t n = strlen(prefix);
    return strlen(s) >= n && ieq_n(s, prefix, n);
}

static int ieq(const char *a, const char *b)
{
    return strlen(a) == strlen(b) && ieq_n(a, b, strlen(a));
}

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static void rtrim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || (unsigned char)s[n - 1] == 0xa0))
        s[--n] = 0;
}

/* Case-insensitive strstr. */
static const char *istrstr(const char *h, const char *n)
{
    size_t nl = strlen(n);
    if (!nl)
        return h;
    for (; *h; h++)
        if (ieq_n(h, n, nl))
            return h;
    return NULL;
}

/* ---- Markdown clean-up ---------------------------------------------------- */

/* Remove every "**", undo backslash escapes of Markdown punctuation and
 * decode the few HTML entities the conversion uses. Writes into out
 * (capacity cap, always NUL terminated). */
static void md_clean(const char *in, char *out, size_t cap)
{
    static const char punct[] = "\\`*_{}[]()#+-.!<>|~\"'";
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}, {"&#39;", '\''},
                {"&nbsp;", ' '}};
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 1 < cap;) {
        if (in[i] == '*' && in[i + 1] == '*') {
            i += 2;
            continue;
        }
        if (in[i] == '\\' && in[i + 1] && strchr(punct, in[i + 1])) {
            out[o++] = in[i + 1];
            i += 2;
            continue;
        }
        if (in[i] == '&') {
            int done = 0;
            for (size_t k = 0; k < sizeof ents / sizeof ents[0]; k++) {
                size_t l = strlen(ents[k].ent);
                if (strncmp(in + i, ents[k].ent, l) == 0) {
                    out[o++] = ents[k].c;
                    i += l;
                    done = 1;
                    break;
                }
            }
            if (done)
                continue;
        }
        if ((unsigned char)in[i] == 0xc2 && (unsigned char)in[i + 1] == 0xa0) { /* UTF-8 NBSP */
            out[o++] = ' ';
            i += 2;
            continue;
        }
        out[o++] = in[i++];
    }
    out[o] = 0;
}

/* ---- SIP text helpers ------------------------------------------------------ */

static int is_token_char(int c)
{
    return isalnum(c) || (c && strchr("-.!%*_+`'~", c) != NULL);
}

/* "Name: value" (optional blanks before the colon). Returns name length. */
static size_t header_name_len(const char *s)
{
    if (!isalpha((unsigned char)s[0]))
        return 0;
    size_t i = 0;
    while (is_token_char((unsigned char)s[i]) && i < 80)
        i++;
    size_t n = i;
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    return s[i] == ':' ? n : 0;
}

/* Header names that can only be SIP headers (used to tell a header that a
 * page break pushed below the body from a garbled body line). */
static int is_known_header(const char *name, size_t n)
{
    static const char *const known[] = {
        "Via", "From", "To", "Call-ID", "CSeq", "Contact", "Content-Length", "Content-Type", "Content-Disposition",
        "Max-Forwards", "Date", "Allow", "Allow-Events", "Supported", "Require", "Session-Expires", "Min-SE",
        "User-Agent", "Server", "Remote-Party-ID", "Expires", "Event", "Subscription-State", "Record-Route",
        "Route", "RSeq", "RAck", "Authorization", "WWW-Authenticate", "Proxy-Authorization", "Proxy-Authenticate",
        "Refer-To", "Referred-By", "Replaces", "Call-Info", "Timestamp", "Cisco-Guid", "P-Asserted-Identity",
        "SIP-ETag", "SIP-If-Match", "Accept", "Privacy", "Diversion", "Reason", "Warning", "Content-Encoding"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i]) == n && ieq_n(name, known[i], n))
            return 1;
    return 0;
}

static int is_sdp_line(const char *s)
{
    return s[0] >= 'a' && s[0] <= 'z' && s[1] == '=';
}

/* Request line "METHOD SP URI SP SIP/2.0" or status line "SIP/2.0 NNN ...". */
static int parse_start(const char *s, int *is_req, char *method, size_t mcap, char *uri, size_t ucap, int *status)
{
    if (strncmp(s, "SIP/2.0 ", 8) == 0) {
        const char *p = s + 8;
        if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
            return 0;
        if (p[3] && p[3] != ' ')
            return 0;
        *is_req = 0;
        *status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
        return *status >= 100 && *status <= 699;
    }
    size_t m = 0;
    while (isupper((unsigned char)s[m]) && m < 30)
        m++;
    if (m < 2 || s[m] != ' ' || m + 1 > mcap)
        return 0;
    const char *u = s + m + 1;
    const char *sp = strchr(u, ' ');
    if (!sp || sp == u)
        return 0;
    if (strcmp(skip_ws(sp), "SIP/2.0") != 0)
        return 0;
    if (!strchr(u, ':') || strchr(u, ':') > sp)
        return 0;
    if ((size_t)(sp - u) + 1 > ucap)
        return 0;
    memcpy(method, s, m);
    method[m] = 0;
    memcpy(uri, u, (size_t)(sp - u));
    uri[sp - u] = 0;
    *is_req = 1;
    return 1;
}

/* Host and port of a SIP URI ("sip:user@host:port;params"). */
static int uri_hostport(const char *uri, char *host, size_t hcap, int *port)
{
    const char *p = uri;
    const char *lt = strchr(p, '<');
    if (lt)
        p = lt + 1;
    p = skip_ws(p);
    if (istarts(p, "sips:"))
        p += 5;
    else if (istarts(p, "sip:"))
        p += 4;
    else if (istarts(p, "tel:"))
        return 0;
    const char *end = p + strcspn(p, ";?> ");
    const char *at = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            at = q;
    if (at)
        p = at + 1;
    const char *h = p, *he;
    if (*h == '[') {
        he = memchr(h, ']', (size_t)(end - h));
        if (!he)
            return 0;
        h++;
        p = he + 1;
    } else {
        he = h;
        while (he < end && *he != ':')
            he++;
        p = he;
    }
    if (he == h || (size_t)(he - h) + 1 > hcap)
        return 0;
    memcpy(host, h, (size_t)(he - h));
    host[he - h] = 0;
    *port = 0;
    if (p < end && *p == ':') {
        int v = 0;
        p++;
        while (p < end && isdigit((unsigned char)*p) && v < 70000)
            v = v * 10 + (*p++ - '0');
        if (v > 0 && v < 65536)
            *port = v;
    }
    return 1;
}

/* Top Via value: "SIP/2.0/UDP host:port;branch=..." -> host, port, branch. */
static int via_parse(const char *v, char *host, size_t hcap, int *port, char *branch, size_t bcap)
{
    branch[0] = 0;
    const char *p = skip_ws(v);
    if (!istarts(p, "SIP"))
        return 0;
    /* protocol: three slash-separated tokens, blanks allowed around '/' */
    for (int k = 0; k < 2; k++) {
        p = strchr(p, '/');
        if (!p)
            return 0;
        p++;
    }
    p = skip_ws(p);
    while (*p && *p != ' ' && *p != '\t')
        p++;
    p = skip_ws(p);
    const char *comma = strchr(p, ',');
    const char *end = comma ? comma : p + strlen(p);
    const char *h = p, *he;
    if (*h == '[') {
        he = memchr(h, ']', (size_t)(end - h));
        if (!he)
            return 0;
        h++;
        p = he + 1;
    } else {
        he = h;
        while (he < end && *he != ':' && *he != ';' && *he != ' ')
            he++;
        p = he;
    }
    if (he == h || (size_t)(he - h) + 1 > hcap)
        return 0;
    memcpy(host, h, (size_t)(he - h));
    host[he - h] = 0;
    *port = 0;
    p = skip_ws(p);
    if (*p == ':') {
        int v2 = 0;
        p = skip_ws(p + 1);
        while (isdigit((unsigned char)*p) && v2 < 70000)
            v2 = v2 * 10 + (*p++ - '0');
        if (v2 > 0 && v2 < 65536)
            *port = v2;
    }
    const char *b = istrstr(p, "branch=");
    if (b && b < end) {
        b += 7;
        size_t n = strcspn(b, ";, \t");
        if (b + n > end)
            n = (size_t)(end - b);
        if (n + 1 <= bcap) {
            memcpy(branch, b, n);
            branch[n] = 0;
        }
    }
    return 1;
}

/* tag parameter of a From/To value (outside <...>). */
static void tag_of(const char *v, char *tag, size_t cap)
{
    tag[0] = 0;
    const char *p = v;
    const char *gt = strchr(v, '>');
    if (strchr(v, '<') && gt)
        p = gt + 1;
    for (;;) {
        const char *t = istrstr(p, "tag=");
        if (!t)
            return;
        if (t == p || t[-1] == ';' || t[-1] == ' ') {
            t += 4;
            size_t n = strcspn(t, ";, \t>");
            if (n + 1 <= cap) {
                memcpy(tag, t, n);
                tag[n] = 0;
            }
            return;
        }
        p = t + 4;
    }
}

/* ---- input lines -------------------------------------------------------------- */

static char **g_lines;
static size_t g_nlines;

static int load_lines(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "seed2pcap: %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct sbuf all = {0};
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (all.n + k > MAX_INPUT) {
            fprintf(stderr, "seed2pcap: %s: larger than %u bytes\n", path, MAX_INPUT);
            fclose(f);
            sb_free(&all);
            return -1;
        }
        sb_put(&all, chunk, k);
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        fprintf(stderr, "seed2pcap: %s: read error\n", path);
        sb_free(&all);
        return -1;
    }
    if (!all.p)
        sb_put(&all, "", 0);
    size_t cap = 1024;
    g_lines = xmalloc(cap * sizeof *g_lines);
    g_nlines = 0;
    char *s = all.p;
    for (;;) {
        char *nl = memchr(s, '\n', (size_t)(all.p + all.n - s));
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (!nl && n == 0)
            break;
        if (n > MAX_LINE)
            n = MAX_LINE; /* overlong lines are cut: never a SIP message line */
        if (g_nlines == cap) {
            cap *= 2;
            g_lines = xrealloc(g_lines, cap * sizeof *g_lines);
        }
        char *l = xstrndup(s, n);
        for (size_t i = 0; i < n; i++)
            if (l[i] == '\r' || l[i] == 0)
                l[i] = ' ';
        rtrim(l);
        g_lines[g_nlines++] = l;
        if (!nl)
            break;
        s = nl + 1;
    }
    sb_free(&all);
    return 0;
}

/* ---- data model ------------------------------------------------------------------ */

struct node {
    char name[128];
    char addr[64];
    pcapw_addr ip;
};

struct hdr {
    char *name;
    char *value;
};

struct msg {
    int no;          /* [N] */
    size_t line;     /* 1-based line of the start line */
    char *start;     /* start line */
    int is_req;
    char method[32];
    char uri[1024];
    int status;
    struct hdr *hdrs;
    size_t nhdrs;
    char **body;
    size_t nbody;
    int body_omitted;
    long cl_printed; /* -1: none */
    char ct[128];
    /* derived */
    char call_id[512];
    char ftag[256], ttag[256];
    long cseq;
    char cseq_method[32];
    char via_host[256], branch[256];
    int via_port;
    char rseq[32];
    int src, dst; /* node indexes */
    int sport, dport;
    int txn, rtx;
    struct sbuf wire;
    long body_len;
};

struct note {
    int msg;
    char text[200];
};

struct flow {
    int ord;
    char section[32];
    char title[MAX_TITLE];
    char slug[96];
    size_t title_line, first_line, end_line; /* [first_line, end_line) 0-based */
    struct node nodes[MAX_NODES];
    int nnodes;
    struct msg *msgs;
    size_t nmsgs;
    struct note notes[MAX_NOTES];
    int nnotes;
    char skip[300];
    char *callids[MAX_CALLIDS];
    int ncallids;
};

static void flow_note(struct flow *f, int msg, const char *fmt, ...)
{
    if (f->nnotes >= MAX_NOTES)
        return;
    struct note *n = &f->notes[f->nnotes++];
    n->msg = msg;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->text, sizeof n->text, fmt, ap);
    va_end(ap);
    for (char *c = n->text; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
}

static void flow_skip(struct flow *f, const char *fmt, ...)
{
    if (f->skip[0])
        return; /* keep the first reason */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->skip, sizeof f->skip, fmt, ap);
    va_end(ap);
}

static void msg_free(struct msg *m)
{
    free(m->start);
    for (size_t i = 0; i < m->nhdrs; i++) {
        free(m->hdrs[i].name);
        free(m->hdrs[i].value);
    }
    free(m->hdrs);
    for (size_t i = 0; i < m->nbody; i++)
        free(m->body[i]);
    free(m->body);
    sb_free(&m->wire);
}

static void flow_free(struct flow *f)
{
    for (size_t i = 0; i < f->nmsgs; i++)
        msg_free(&f->msgs[i]);
    free(f->msgs);
    for (int i = 0; i < f->ncallids; i++)
        free(f->callids[i]);
}

static const char *hdr_get(const struct msg *m, const char *name, const char *compact)
{
    for (size_t i = 0; i < m->nhdrs; i++)
        if (ieq(m->hdrs[i].name, name) || (compact && ieq(m->hdrs[i].name, compact)))
            return m->hdrs[i].value;
    return NULL;
}

static void add_hdr(struct msg *m, const char *name, size_t nlen, const char *value)
{
    if (m->nhdrs >= MAX_HDRS)
        return;
    m->hdrs = xrealloc(m->hdrs, (m->nhdrs + 1) * sizeof *m->hdrs);
    m->hdrs[m->nhdrs].name = xstrndup(name, nlen);
    char *v = xstrdup(skip_ws(value));
    rtrim(v);
    m->hdrs[m->nhdrs].value = v;
    m->nhdrs++;
}

static void add_body(struct msg *m, const char *text)
{
    if (m->nbody >= MAX_BODY_LINES)
        return;
    m->body = xrealloc(m->body, (m->nbody + 1) * sizeof *m->body);
    char *t = xstrdup(text);
    rtrim(t);
    m->body[m->nbody++] = t;
}

/* ---- line classification ------------------------------------------------------- */

enum lkind { L_GAP, L_FENCE, L_START, L_TEXT };

struct cline {
    enum lkind kind;
    char text[MAX_LINE + 1]; /* cleaned; for L_START the start line */
    int indent;              /* leading blanks of the cleaned text */
    int no;                  /* L_START: [N] */
};

/* Remove a "[diagram] Call-ID: [prev] [next]" marker (in its several
 * Markdown spellings); returns the text after it (may be ""). */
static const char *strip_diagram(const char *s)
{
    const char *d = istrstr(s, "diagram");
    if (!d)
        return s;
    const char *nx = NULL, *q = d;
    while ((q = istrstr(q, "next")) != NULL) {
        nx = q;
        q += 4;
    }
    if (!nx) {
        const char *pv = istrstr(d, "prev");
        if (!pv)
            return s;
        nx = pv;
    }
    const char *p = nx + 4;
    while (*p && strchr("\\])(#* \t", *p))
        p++;
    return p;
}

static int is_heading_like(const char *t)
{
    /* "12.2 Periodic ..." / "1.3 Basic ..." left over from a heading */
    size_t i = 0;
    if (!isdigit((unsigned char)t[0]))
        return 0;
    while (isdigit((unsigned char)t[i]))
        i++;
    if (t[i] != '.')
        return 0;
    i++;
    if (!isdigit((unsigned char)t[i]))
        return 0;
    while (isdigit((unsigned char)t[i]))
        i++;
    return t[i] == ' ' && isupper((unsigned char)t[i + 1]);
}

static void classify(const char *raw, struct cline *c)
{
    c->kind = L_TEXT;
    c->indent = 0;
    c->no = 0;
    c->text[0] = 0;
    const char *s = skip_ws(raw);
    if (strncmp(s, "```", 3) == 0 || strncmp(s, "~~~", 3) == 0) {
        c->kind = L_FENCE;
        return;
    }
    if (!*s || istrstr(s, "Cisco Confidential")) {
        c->kind = L_GAP;
        return;
    }
    if (s[0] == '#' && (s[1] == '#' || s[1] == ' ')) {
        c->kind = L_GAP;
        return;
    }
    if (s[0] == '-' && s[1] == '-' && s[2] == '-') {
        c->kind = L_GAP;
        return;
    }
    const char *rest = strip_diagram(raw);
    if (rest != raw) {
        if (!*skip_ws(rest)) {
            c->kind = L_GAP;
            return;
        }
        raw = rest;
    }
    static char tmp[MAX_LINE + 1];
    md_clean(raw, tmp, sizeof tmp);
    rtrim(tmp);
    const char *t = tmp;
    while (*t == ' ' || *t == '\t') {
        c->indent++;
        t++;
    }
    if (!*t) {
        c->kind = L_GAP;
        return;
    }
    if (is_heading_like(t)) {
        c->kind = L_GAP;
        return;
    }
    if (t[0] == '[' && isdigit((unsigned char)t[1])) {
        int no = 0;
        size_t i = 1;
        while (isdigit((unsigned char)t[i]) && no < 100000)
            no = no * 10 + (t[i++] - '0');
        if (t[i] == ']' && no > 0) {
            const char *sl = skip_ws(t + i + 1);
            int isr, st;
            char mth[32], uri[1024];
            if (parse_start(sl, &isr, mth, sizeof mth, uri, sizeof uri, &st)) {
                c->kind = L_START;
                c->no = no;
                snprintf(c->text, sizeof c->text, "%s", sl);
                return;
            }
        }
    }
    snprintf(c->text, sizeof c->text, "%s", t);
}

/* ---- flow discovery ---------------------------------------------------------------- */

static void slugify(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    int dash = 0;
    for (size_t i = 0; in[i] && o + 2 < cap; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (isalnum(ch)) {
            if (dash && o)
                out[o++] = '-';
            dash = 0;
            out[o++] = (char)tolower(ch);
        } else {
            dash = 1;
        }
    }
    out[o] = 0;
    if (o > 60) { /* cut at a word boundary */
        out[60] = 0;
        char *d = strrchr(out, '-');
        if (d && d > out + 30)
            *d = 0;
    }
}

/* "N.N" followed by (a prefix of) the title somewhere in line s. */
static int find_section_in(const char *s, const char *title, char *sec, size_t cap)
{
    char clean[MAX_LINE + 1];
    md_clean(s, clean, sizeof clean);
    size_t tl = strlen(title);
    size_t want = tl < 16 ? tl : 16;
    for (const char *p = clean; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > clean && (isdigit((unsigned char)p[-1]) || p[-1] == '.')))
            continue;
        const char *q = p;
        while (isdigit((unsigned char)*q))
            q++;
        if (*q != '.' || !isdigit((unsigned char)q[1]))
            continue;
        q++;
        while (isdigit((unsigned char)*q))
            q++;
        const char *after = skip_ws(q);
        if (after == q || !want)
            continue;
        if (ieq_n(after, title, want)) {
            size_t n = (size_t)(q - p);
            if (n + 1 > cap)
                return 0;
            memcpy(sec, p, n);
            sec[n] = 0;
            return 1;
        }
    }
    return 0;
}

static int parse_node(const char *raw, struct node *nd)
{
    char clean[MAX_LINE + 1];
    md_clean(raw, clean, sizeof clean);
    const char *s = skip_ws(clean);
    if (!istarts(s, "Node"))
        return 0;
    s = skip_ws(s + 4);
    if (*s != '=')
        return 0;
    s = skip_ws(s + 1);
    /* the last "IP" followed by '=' (node names may contain "IP": "SIP Proxy") */
    const char *ip = NULL;
    for (const char *q = s; (q = istrstr(q, "IP")) != NULL; q += 2)
        if (*skip_ws(q + 2) == '=')
            ip = q;
    const char *comma = NULL;
    for (const char *q = s; ip && q < ip; q++)
        if (*q == ',')
            comma = q;
    if (!ip || !comma)
        return 0;
    size_t nl = (size_t)(comma - s);
    if (nl >= sizeof nd->name)
        nl = sizeof nd->name - 1;
    memcpy(nd->name, s, nl);
    nd->name[nl] = 0;
    rtrim(nd->name);
    const char *a = skip_ws(ip + 2);
    if (*a != '=')
        return 0;
    a = skip_ws(a + 1);
    size_t al = strcspn(a, " \t,;");
    if (!al || al >= sizeof nd->addr)
        return 0;
    memcpy(nd->addr, a, al);
    nd->addr[al] = 0;
    if (nd->addr[0] == '[' && nd->addr[al - 1] == ']') {
        memmove(nd->addr, nd->addr + 1, al - 2);
        nd->addr[al - 2] = 0;
    }
    return pcapw_addr_parse(nd->addr, &nd->ip) == 0;
}

static int node_by_host(const struct flow *f, const char *host)
{
    pcapw_addr a;
    if (pcapw_addr_parse(host, &a) != 0)
        return -1;
    for (int i = 0; i < f->nnodes; i++)
        if (f->nodes[i].ip.family == a.family &&
            memcmp(f->nodes[i].ip.addr, a.addr, a.family == 4 ? 4 : 16) == 0)
            return i;
    return -1;
}

/* ---- message reading ------------------------------------------------------------------ */

enum ctclass { CT_NONE, CT_SDP, CT_XML, CT_OTHER };

static enum ctclass ct_class(const char *ct)
{
    if (!ct[0])
        return CT_NONE;
    if (istrstr(ct, "sdp"))
        return CT_SDP;
    if (istrstr(ct, "xml"))
        return CT_XML;
    return CT_OTHER;
}

static void read_messages(struct flow *f)
{
    struct cline *c = xmalloc(sizeof *c);
    struct msg *m = NULL;
    int in_fence = 0, gap = 0, in_body = 0;
    for (size_t li = f->title_line + 1; li < f->end_line && !f->skip[0]; li++) {
        classify(g_lines[li], c);
        if (c->kind == L_FENCE) {
            in_fence = !in_fence;
            gap = 1;
            continue;
        }
        if (c->kind == L_GAP) {
            gap = 1;
            continue;
        }
        if (c->kind == L_START) {
            if (f->nmsgs >= MAX_MSGS) {
                flow_skip(f, "more than %d messages", MAX_MSGS);
                break;
            }
            f->msgs = xrealloc(f->msgs, (f->nmsgs + 1) * sizeof *f->msgs);
            m = &f->msgs[f->nmsgs++];
            memset(m, 0, sizeof *m);
            m->no = c->no;
            m->line = li + 1;
            m->start = xstrdup(c->text);
            m->cl_printed = -1;
            parse_start(m->start, &m->is_req, m->method, sizeof m->method, m->uri, sizeof m->uri, &m->status);
            in_body = 0;
            gap = 0;
            if ((size_t)c->no != f->nmsgs) {
                flow_skip(f, "message numbering: [%d] found where [%zu] was expected (line %zu)", c->no, f->nmsgs,
                          li + 1);
            }
            continue;
        }
        /* L_TEXT */
        if (!m) {
            gap = 0;
            continue; /* description text */
        }
        const char *t = c->text;
        int mi = (int)f->nmsgs;
        enum ctclass cc = ct_class(m->ct);
        if (!in_body) {
            size_t hn = header_name_len(t);
            int body_start = 0;
            if (strncmp(t, "{binary", 7) == 0)
                body_start = 1;
            else if (is_sdp_line(t) && !hn)
                body_start = 1;
            else if (t[0] == '<' && !hn)
                body_start = 1;
            else if (cc == CT_OTHER && m->cl_printed > 0 && gap)
                body_start = 1;
            if (body_start) {
                in_body = 1;
                if (!m->ct[0])
                    flow_note(f, mi, "body without a Content-Type header");
            } else if (hn) {
                const char *v = strchr(t, ':') + 1;
                add_hdr(m, t, hn, v);
                if (ieq_n(t, "Content-Length", hn) && hn == 14) {
                    char *e;
                    long cl = strtol(skip_ws(v), &e, 10);
                    m->cl_printed = (e != skip_ws(v) && cl >= 0 && cl < 10000000) ? cl : -1;
                } else if ((hn == 12 && ieq_n(t, "Content-Type", 12)) || (hn == 1 && (t[0] == 'c' || t[0] == 'C'))) {
                    snprintf(m->ct, sizeof m->ct, "%s", skip_ws(v));
                    rtrim(m->ct);
                }
                gap = 0;
                continue;
            } else if (m->nhdrs) {
                /* folded continuation of the previous header */
                struct hdr *h = &m->hdrs[m->nhdrs - 1];
                size_t ol = strlen(h->value);
                if (ol + strlen(t) + 2 < MAX_MSG_BYTES) {
                    h->value = xrealloc(h->value, ol + strlen(t) + 2);
                    h->value[ol] = ' ';
                    strcpy(h->value + ol + 1, t);
                }
                flow_note(f, mi, "line %zu joined to the %s header (folded/wrapped value)", li + 1, h->name);
                gap = 0;
                continue;
            } else {
                flow_skip(f, "message [%d]: text before any header at line %zu", m->no, li + 1);
                break;
            }
        }
        /* body line */
        if (strncmp(t, "{binary", 7) == 0) {
            m->body_omitted = 1;
            flow_note(f, mi, "binary body not shown in the text: sent without a body");
            gap = 0;
            continue;
        }
        if (cc == CT_SDP || (cc == CT_NONE && is_sdp_line(t))) {
            if (!is_sdp_line(t)) {
                size_t hn = header_name_len(t);
                if (hn && is_known_header(t, hn)) {
                    add_hdr(m, t, hn, strchr(t, ':') + 1);
                    flow_note(f, mi, "header line %zu found after the SDP body: moved to the header", li + 1);
                } else if (m->nbody) {
                    /* garbled SDP line ("aptime:20"): kept as the text has it */
                    add_body(m, t);
                    flow_note(f, mi, "line %zu in the SDP body is not an SDP line: kept as written", li + 1);
                } else {
                    flow_skip(f, "message [%d]: unexpected text in the SDP body at line %zu", m->no, li + 1);
                    break;
                }
                gap = 0;
                continue;
            }
            add_body(m, t);
        } else {
            /* XML and others: keep the indentation written inside a code
             * fence; outside, indentation is Markdown's */
            if (in_fence && c->indent > 0) {
                char tmp2[MAX_LINE + 64];
                snprintf(tmp2, sizeof tmp2, "%*s%s", c->indent > 32 ? 32 : c->indent, "", t);
                add_body(m, tmp2);
            } else {
                add_body(m, t);
            }
        }
        gap = 0;
    }
    free(c);
}

/* ---- derive, infer, rebuild ---------------------------------------------------------- */

static void derive(struct flow *f, struct msg *m)
{
    const char *v;
    v = hdr_get(m, "Call-ID", "i");
    if (v)
        snprintf(m->call_id, sizeof m->call_id, "%s", v);
    v = hdr_get(m, "From", "f");
    if (v)
        tag_of(v, m->ftag, sizeof m->ftag);
    v = hdr_get(m, "To", "t");
    if (v)
        tag_of(v, m->ttag, sizeof m->ttag);
    v = hdr_get(m, "CSeq", NULL);
    m->cseq = -1;
    if (v) {
        char *e;
        long n = strtol(v, &e, 10);
        if (e != v && n >= 0) {
            m->cseq = n;
            const char *mt = skip_ws(e);
            size_t ml = strcspn(mt, " \t");
            if (ml && ml < sizeof m->cseq_method) {
                memcpy(m->cseq_method, mt, ml);
                m->cseq_method[ml] = 0;
            }
        }
    }
    v = hdr_get(m, "RSeq", NULL);
    if (v)
        snprintf(m->rseq, sizeof m->rseq, "%s", v);
    v = hdr_get(m, "Via", "v");
    if (v && !via_parse(v, m->via_host, sizeof m->via_host, &m->via_port, m->branch, sizeof m->branch))
        m->via_host[0] = 0;
    (void)f;
}

static int has_space(const char *s)
{
    for (; *s; s++)
        if (isspace((unsigned char)*s))
            return 1;
    return 0;
}

static int check_message(struct flow *f, struct msg *m)
{
    static const char *const need[][2] = {{"Via", "v"}, {"From", "f"}, {"To", "t"}, {"Call-ID", "i"}, {"CSeq", NULL}};
    for (size_t k = 0; k < sizeof need / sizeof need[0]; k++)
        if (!hdr_get(m, need[k][0], need[k][1])) {
            flow_skip(f, "message [%d] (line %zu) has no %s header", m->no, m->line, need[k][0]);
            return 0;
        }
    if (!m->call_id[0] || has_space(m->call_id)) {
        flow_skip(f, "message [%d]: unusable Call-ID", m->no);
        return 0;
    }
    if (m->cseq < 0 || !m->cseq_method[0]) {
        flow_skip(f, "message [%d]: unusable CSeq", m->no);
        return 0;
    }
    if (m->is_req && strcmp(m->cseq_method, m->method) != 0)
        flow_note(f, m->no, "CSeq method %s differs from the request method %s", m->cseq_method, m->method);
    if (!m->via_host[0]) {
        flow_skip(f, "message [%d]: unusable Via", m->no);
        return 0;
    }
    if (has_space(m->ftag) || has_space(m->ttag)) {
        flow_skip(f, "message [%d]: tag with blanks", m->no);
        return 0;
    }
    return 1;
}

static int other_node(const struct flow *f, int n)
{
    if (f->nnodes != 2)
        return -1;
    return n == 0 ? 1 : n == 1 ? 0 : -1;
}

static void infer_direction(struct flow *f, size_t k)
{
    struct msg *m = &f->msgs[k];
    int via_node = node_by_host(f, m->via_host);
    if (m->is_req) {
        char host[256] = "";
        int uport = 0;
        int unode = -1;
        if (uri_hostport(m->uri, host, sizeof host, &uport))
            unode = node_by_host(f, host);
        int src = via_node, dst = -1;
        if (src < 0 && f->nnodes == 2 && unode >= 0) {
            src = other_node(f, unode);
            flow_note(f, m->no, "top Via host %s is not a node: sent from the other node", m->via_host);
        }
        if (src < 0) {
            flow_skip(f, "message [%d]: top Via host %s is not one of the nodes", m->no, m->via_host);
            return;
        }
        if (unode < 0 && f->nnodes > 2 && pcapw_addr_parse(host, &(pcapw_addr){0}) == 0) {
            /* more than two nodes and the R-URI names an address that is
             * not configured: the request goes to that address */
            if (f->nnodes >= MAX_NODES) {
                flow_skip(f, "more than %d nodes", MAX_NODES);
                return;
            }
            struct node *nd = &f->nodes[f->nnodes];
            memset(nd, 0, sizeof *nd);
            copy_str(nd->addr, sizeof nd->addr, host);
            snprintf(nd->name, sizeof nd->name, "R-URI-host-%d", f->nnodes + 1);
            if (pcapw_addr_parse(host, &nd->ip) != 0 || nd->ip.family != f->nodes[0].ip.family) {
                flow_skip(f, "message [%d]: R-URI host %s is not usable", m->no, host);
                return;
            }
            unode = f->nnodes++;
            flow_note(f, m->no, "R-URI host %s is not a configured node: added as a node", host);
        }
        if (unode >= 0 && unode != src)
            dst = unode;
        else if (f->nnodes == 2)
            dst = other_node(f, src);
        else {
            /* more nodes: the peer of the latest message of this Call-ID
             * that involved the sender */
            for (size_t j = k; j-- > 0;) {
                struct msg *p = &f->msgs[j];
                if (strcmp(p->call_id, m->call_id) != 0)
                    continue;
                if (p->src == src) {
                    dst = p->dst;
                    break;
                }
                if (p->dst == src) {
                    dst = p->src;
                    break;
                }
            }
            if (dst < 0) {
                flow_skip(f, "message [%d]: cannot tell where the request to %s goes (%d nodes)", m->no, m->uri,
                          f->nnodes);
                return;
            }
            flow_note(f, m->no, "R-URI host %s is not a node: sent to the sender's peer in this Call-ID", host);
        }
        m->src = src;
        m->dst = dst;
        m->sport = via_node == src && m->via_port ? m->via_port : 5060;
        m->dport = unode == dst && uport ? uport : 5060;
        return;
    }
    /* response: find its request */
    /* pass 0: Call-ID, CSeq and branch; pass 1: branch and CSeq only (RFC
     * 3261 §17.1.3 matching, survives a garbled Call-ID); pass 2: Call-ID
     * and CSeq only */
    const struct msg *req = NULL;
    int req_pass = -1;
    for (int pass = 0; pass < 3 && !req; pass++)
        for (size_t j = k; j-- > 0;) {
            const struct msg *p = &f->msgs[j];
            if (!p->is_req || p->cseq != m->cseq || strcmp(p->cseq_method, m->cseq_method) != 0)
                continue;
            if (pass != 1 && strcmp(p->call_id, m->call_id) != 0)
                continue;
            if (pass <= 1 && strcmp(p->branch, m->branch) != 0)
                continue;
            if (pass == 1 && strncmp(m->branch, "z9hG4bK", 7) != 0)
                continue;
            req = p;
            req_pass = pass;
            break;
        }
    if (req && req_pass == 1)
        flow_note(f, m->no, "response's Call-ID differs from its request's (matched by Via branch and CSeq)");
    if (req) {
        m->src = req->dst;
        m->dst = req->src;
        m->sport = req->dport;
        m->dport = req->sport;
        if (via_node >= 0 && via_node != req->src)
            flow_note(f, m->no, "response's top Via host %s is not where its request came from", m->via_host);
        if (strcmp(req->branch, m->branch) != 0)
            flow_note(f, m->no, "response's Via branch differs from its request's");
        return;
    }
    if (via_node < 0 || f->nnodes != 2) {
        flow_skip(f, "message [%d]: response without a request in the text, and its Via host %s gives no direction",
                  m->no, m->via_host);
        return;
    }
    m->dst = via_node;
    m->src = other_node(f, via_node);
    m->dport = m->via_port ? m->via_port : 5060;
    m->sport = 5060;
    flow_note(f, m->no, "response without its request in the text: sent to its top Via host");
}

static void rebuild(struct flow *f, struct msg *m)
{
    struct sbuf body = {0};
    if (!m->body_omitted)
        for (size_t i = 0; i < m->nbody; i++) {
            sb_puts(&body, m->body[i]);
            sb_puts(&body, "\r\n");
        }
    m->body_len = (long)body.n; /* a printed value that differs is reported as clmismatch */
    if (m->cl_printed > 0 && !m->nbody && !m->body_omitted)
        flow_note(f, m->no, "Content-Length %ld printed but the text shows no body", m->cl_printed);
    sb_puts(&m->wire, m->start);
    sb_puts(&m->wire, "\r\n");
    int have_cl = 0;
    for (size_t i = 0; i < m->nhdrs; i++) {
        const struct hdr *h = &m->hdrs[i];
        if (ieq(h->name, "Content-Length") || ieq(h->name, "l")) {
            if (have_cl) {
                flow_note(f, m->no, "duplicate Content-Length dropped");
                continue;
            }
            have_cl = 1;
            sb_printf(&m->wire, "%s: %ld\r\n", h->name, m->body_len);
            continue;
        }
        sb_puts(&m->wire, h->name);
        sb_puts(&m->wire, ": ");
        sb_puts(&m->wire, h->value);
        sb_puts(&m->wire, "\r\n");
    }
    if (!have_cl) {
        sb_printf(&m->wire, "Content-Length: %ld\r\n", m->body_len);
        flow_note(f, m->no, "no Content-Length in the text: added");
    }
    sb_puts(&m->wire, "\r\n");
    if (body.n)
        sb_put(&m->wire, body.p, body.n);
    sb_free(&body);
    if (m->wire.n > MAX_MSG_BYTES)
        flow_skip(f, "message [%d] is larger than %d bytes", m->no, MAX_MSG_BYTES);
}

static void assign_txns(struct flow *f)
{
    int ntxn = 0;
    for (size_t k = 0; k < f->nmsgs; k++) {
        struct msg *m = &f->msgs[k];
        m->txn = 0;
        /* a response: its request's transaction */
        for (size_t j = k; j-- > 0;) {
            struct msg *p = &f->msgs[j];
            int same_branch = strcmp(p->branch, m->branch) == 0;
            int same = same_branch && strcmp(p->call_id, m->call_id) == 0 && p->cseq == m->cseq &&
                       strcmp(p->ftag, m->ftag) == 0;
            if (!same)
                continue;
            if (strcmp(p->cseq_method, m->cseq_method) == 0) {
                m->txn = p->txn;
                break;
            }
            /* an ACK for a non-2xx final response belongs to the INVITE's
             * transaction (same branch); an ACK for a 2xx is its own */
            if (m->is_req && strcmp(m->method, "ACK") == 0 && strcmp(p->cseq_method, "INVITE") == 0) {
                int final = 0;
                for (size_t q = 0; q < k; q++) {
                    const struct msg *r = &f->msgs[q];
                    if (!r->is_req && r->txn == p->txn && r->status >= 200 && !final)
                        final = r->status;
                }
                if (final >= 300) {
                    m->txn = p->txn;
                    break;
                }
            }
        }
        if (!m->txn)
            m->txn = ++ntxn;
        /* retransmission: same txn, direction, start line, To tag, RSeq */
        m->rtx = 0;
        for (size_t j = 0; j < k; j++) {
            struct msg *p = &f->msgs[j];
            if (p->txn == m->txn && p->src == m->src && p->dst == m->dst && p->sport == m->sport &&
                p->dport == m->dport && strcmp(p->start, m->start) == 0 && strcmp(p->ttag, m->ttag) == 0 &&
                strcmp(p->rseq, m->rseq) == 0) {
                m->rtx = 1;
                break;
            }
        }
    }
}

/* When no message's top Via names a configured node, the Configuration
 * block does not describe the messages (the text has been seen to show one
 * lab's addresses above another lab's trace): take the nodes from the
 * distinct top-Via hosts instead, in order of appearance. */
static void remap_nodes(struct flow *f)
{
    for (size_t k = 0; k < f->nmsgs; k++)
        if (node_by_host(f, f->msgs[k].via_host) >= 0)
            return;
    struct node found[MAX_NODES];
    int n = 0;
    for (size_t k = 0; k < f->nmsgs; k++) {
        struct node nd;
        memset(&nd, 0, sizeof nd);
        if (pcapw_addr_parse(f->msgs[k].via_host, &nd.ip) != 0)
            continue;
        int dup = 0;
        for (int i = 0; i < n; i++)
            if (found[i].ip.family == nd.ip.family && memcmp(found[i].ip.addr, nd.ip.addr, 16) == 0)
                dup = 1;
        if (dup)
            continue;
        if (n >= MAX_NODES || nd.ip.family != f->nodes[0].ip.family) {
            flow_skip(f, "configured nodes appear in no Via, and the Via hosts cannot replace them");
            return;
        }
        copy_str(nd.addr, sizeof nd.addr, f->msgs[k].via_host);
        snprintf(nd.name, sizeof nd.name, "Via-host-%d", n + 1);
        found[n++] = nd;
    }
    if (n < 2) {
        flow_skip(f, "configured nodes appear in no Via, and the messages name fewer than two Via hosts");
        return;
    }
    struct sbuf b = {0};
    for (int i = 0; i < f->nnodes; i++)
        sb_printf(&b, "%s%s=%s", i ? ", " : "", f->nodes[i].name, f->nodes[i].addr);
    sb_puts(&b, " appear in no Via; nodes taken from the top Via hosts:");
    for (int i = 0; i < n; i++)
        sb_printf(&b, " %s", found[i].addr);
    flow_note(f, 0, "Configuration %s", b.p);
    sb_free(&b);
    for (int i = 0; i < n; i++)
        f->nodes[i] = found[i];
    f->nnodes = n;
}

static void endpoint_text(const struct flow *f, int node, int port, char *out, size_t cap)
{
    const struct node *n = &f->nodes[node];
    if (n->ip.family == 6)
        snprintf(out, cap, "[%s]:%d", n->addr, port);
    else
        snprintf(out, cap, "%s:%d", n->addr, port);
}

static void process_flow(struct flow *f)
{
    /* nodes: Configuration block, before the first message */
    for (size_t li = f->title_line + 1; li < f->end_line; li++) {
        struct cline c;
        classify(g_lines[li], &c);
        if (c.kind == L_START)
            break;
        struct node nd;
        memset(&nd, 0, sizeof nd);
        if (parse_node(g_lines[li], &nd)) {
            if (node_by_host(f, nd.addr) >= 0)
                continue;
            if (f->nnodes >= MAX_NODES) {
                flow_skip(f, "more than %d nodes", MAX_NODES);
                return;
            }
            f->nodes[f->nnodes++] = nd;
        }
    }
    if (f->nnodes < 2) {
        flow_skip(f, "fewer than two nodes in the Configuration block");
        return;
    }
    for (int i = 1; i < f->nnodes; i++)
        if (f->nodes[i].ip.family != f->nodes[0].ip.family) {
            flow_skip(f, "nodes mix IPv4 and IPv6");
            return;
        }
    read_messages(f);
    if (f->skip[0])
        return;
    if (!f->nmsgs) {
        flow_skip(f, "no messages");
        return;
    }
    for (size_t k = 0; k < f->nmsgs; k++) {
        derive(f, &f->msgs[k]);
        if (!check_message(f, &f->msgs[k]))
            return;
    }
    remap_nodes(f);
    for (size_t k = 0; k < f->nmsgs && !f->skip[0]; k++)
        infer_direction(f, k);
    if (f->skip[0])
        return;
    assign_txns(f);
    for (size_t k = 0; k < f->nmsgs && !f->skip[0]; k++)
        rebuild(f, &f->msgs[k]);
    for (size_t k = 0; k < f->nmsgs; k++) {
        const struct msg *m = &f->msgs[k];
        int seen = 0;
        for (int i = 0; i < f->ncallids; i++)
            if (strcmp(f->callids[i], m->call_id) == 0)
                seen = 1;
        if (!seen) {
            if (f->ncallids >= MAX_CALLIDS) {
                flow_skip(f, "more than %d Call-IDs", MAX_CALLIDS);
                return;
            }
            f->callids[f->ncallids++] = xstrdup(m->call_id);
        }
    }
}

/* ---- output ------------------------------------------------------------------------------- */

static int write_expect(const struct flow *f, const char *path, const char *seedname)
{
    struct sbuf b = {0};
    sb_puts(&b, "# seed2pcap expectation v1: derived from the seed text only (see tools/seed2pcap.c)\n");
    sb_printf(&b, "flow %02d\n", f->ord);
    sb_printf(&b, "section %s\n", f->section[0] ? f->section : "-");
    sb_printf(&b, "title %s\n", f->title);
    sb_printf(&b, "source %s:%zu-%zu\n", seedname, f->title_line + 1, f->end_line);
    for (int i = 0; i < f->nnodes; i++)
        sb_printf(&b, "node %s %s\n", f->nodes[i].addr, f->nodes[i].name);
    sb_printf(&b, "messages %zu\n", f->nmsgs);
    sb_printf(&b, "callids %d\n", f->ncallids);
    for (int i = 0; i < f->ncallids; i++)
        sb_printf(&b, "callid %s\n", f->callids[i]);
    sb_puts(&b, "# msg IDX KIND CSEQ CSEQ_METHOD CALL_ID SRC DST FROM_TAG TO_TAG TXN RTX\n");
    for (size_t k = 0; k < f->nmsgs; k++) {
        const struct msg *m = &f->msgs[k];
        char src[96], dst[96], kind[40];
        endpoint_text(f, m->src, m->sport, src, sizeof src);
        endpoint_text(f, m->dst, m->dport, dst, sizeof dst);
        if (m->is_req)
            snprintf(kind, sizeof kind, "%s", m->method);
        else
            snprintf(kind, sizeof kind, "%d", m->status);
        sb_printf(&b, "msg %d %s %ld %s %s %s %s %s %s %d %d\n", m->no, kind, m->cseq, m->cseq_method, m->call_id,
                  src, dst, m->ftag[0] ? m->ftag : "-", m->ttag[0] ? m->ttag : "-", m->txn, m->rtx);
    }
    for (size_t k = 0; k < f->nmsgs; k++) {
        const struct msg *m = &f->msgs[k];
        if (m->cl_printed >= 0 && m->cl_printed != m->body_len && !m->body_omitted)
            sb_printf(&b, "clmismatch %d %ld %ld\n", m->no, m->cl_printed, m->body_len);
    }
    for (int i = 0; i < f->nnotes; i++)
        sb_printf(&b, "note %d %s\n", f->notes[i].msg, f->notes[i].text);
    sb_puts(&b, "end\n");
    FILE *o = fopen(path, "wb");
    if (!o) {
        fprintf(stderr, "seed2pcap: %s: %s\n", path, strerror(errno));
        sb_free(&b);
        return -1;
    }
    int ok = fwrite(b.p, 1, b.n, o) == b.n;
    ok = (fclose(o) == 0) && ok;
    sb_free(&b);
    if (!ok)
        fprintf(stderr, "seed2pcap: %s: write error\n", path);
    return ok ? 0 : -1;
}

static int write_pcap(const struct flow *f, const char *path)
{
    char err[256];
    pcapw *w = pcapw_open(path, err, sizeof err);
    if (!w) {
        fprintf(stderr, "seed2pcap: %s\n", err);
        return -1;
    }
    for (size_t k = 0; k < f->nmsgs; k++) {
        const struct msg *m = &f->msgs[k];
        pcapw_ep s, d;
        s.ip = f->nodes[m->src].ip;
        s.port = (uint16_t)m->sport;
        d.ip = f->nodes[m->dst].ip;
        d.port = (uint16_t)m->dport;
        uint64_t ns = (uint64_t)k * STEP_NSEC;
        pcapw_ts ts = {EPOCH_SEC + ns / 1000000000U, (uint32_t)(ns % 1000000000U)};
        if (pcapw_write_udp(w, ts, &s, &d, m->wire.p, m->wire.n) != 0) {
            fprintf(stderr, "seed2pcap: %s: %s\n", path, pcapw_error(w));
            pcapw_close(w);
            return -1;
        }
    }
    if (pcapw_close(w) != 0) {
        fprintf(stderr, "seed2pcap: %s: write error\n", path);
        return -1;
    }
    return 0;
}

static void usage(void)
{
    fputs("usage: seed2pcap [--list] [--flow N] [--dump] SEEDFILE [OUTDIR]\n"
          "  --list     list the flows found (number, section, title, messages, Call-IDs)\n"
          "  --flow N   only flow N (ordinal from --list, or a section number like 4.1)\n"
          "  --dump     print each rebuilt SIP message\n"
          "Writes OUTDIR/NN-slug.pcap and OUTDIR/NN-slug.expect per flow (OUTDIR is\n"
          "required unless --list).\n",
          stderr);
}

int main(int argc, char **argv)
{
    int list = 0, dump = 0;
    const char *only = NULL, *seed = NULL, *outdir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0)
            list = 1;
        else if (strcmp(argv[i], "--dump") == 0)
            dump = 1;
        else if (strcmp(argv[i], "--flow") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strncmp(argv[i], "--flow=", 7) == 0)
            only = argv[i] + 7;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage();
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "seed2pcap: unknown option %s\n", argv[i]);
            usage();
            return 2;
        } else if (!seed)
            seed = argv[i];
        else if (!outdir)
            outdir = argv[i];
        else {
            usage();
            return 2;
        }
    }
    if (!seed || (!outdir && !list)) {
        usage();
        return 2;
    }
    if (load_lines(seed) != 0)
        return 1;
    const char *seedname = strrchr(seed, '/') ? strrchr(seed, '/') + 1 : seed;

    /* flows start at "Title:" lines */
    size_t *starts = xmalloc(sizeof *starts * (MAX_FLOWS + 1));
    size_t nstarts = 0;
    for (size_t li = 0; li < g_nlines && nstarts < MAX_FLOWS; li++) {
        char clean[MAX_LINE + 1];
        md_clean(g_lines[li], clean, sizeof clean);
        const char *s = skip_ws(clean);
        if (strncmp(s, "Title:", 6) == 0 && *skip_ws(s + 6))
            starts[nstarts++] = li;
    }
    if (!nstarts) {
        fprintf(stderr, "seed2pcap: %s: no call flows (\"Title:\" lines) found\n", seed);
        free(starts);
        return 1;
    }
    if (outdir && !list) {
        if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "seed2pcap: %s: %s\n", outdir, strerror(errno));
            free(starts);
            return 1;
        }
    }
    FILE *skipped = NULL;
    if (outdir && !list && !only) {
        char p[4096];
        snprintf(p, sizeof p, "%s/skipped.txt", outdir);
        skipped = fopen(p, "wb");
        if (!skipped) {
            fprintf(stderr, "seed2pcap: %s: %s\n", p, strerror(errno));
            free(starts);
            return 1;
        }
    }
    int rc = 0, nfound = 0, nok = 0, nskip = 0, matched = 0;
    for (size_t fi = 0; fi < nstarts; fi++) {
        struct flow *f = calloc(1, sizeof *f);
        if (!f) {
            fputs("seed2pcap: out of memory\n", stderr);
            return 1;
        }
        f->ord = (int)fi + 1;
        f->title_line = starts[fi];
        f->first_line = starts[fi];
        f->end_line = fi + 1 < nstarts ? starts[fi + 1] : g_nlines;
        {
            char clean[MAX_LINE + 1];
            md_clean(g_lines[f->title_line], clean, sizeof clean);
            const char *t = skip_ws(skip_ws(clean) + 6);
            snprintf(f->title, sizeof f->title, "%s", t);
            for (char *q = f->title; *q; q++)
                if (*q == '\t')
                    *q = ' ';
            rtrim(f->title);
        }
        /* section number: the heading just above, else the contents list */
        size_t lo = fi ? starts[fi - 1] + 1 : 0;
        size_t back = f->title_line > 12 ? f->title_line - 12 : 0;
        if (back < lo)
            back = lo;
        for (size_t li = f->title_line; li-- > back;)
            if (find_section_in(g_lines[li], f->title, f->section, sizeof f->section)) {
                f->first_line = li;
                break;
            }
        if (!f->section[0])
            for (size_t li = 0; li < starts[0]; li++) {
                char clean[MAX_LINE + 1];
                md_clean(g_lines[li], clean, sizeof clean);
                const char *s = skip_ws(clean);
                if (*s == '-')
                    s = skip_ws(s + 1);
                char sec[32];
                if (find_section_in(s, f->title, sec, sizeof sec) && isdigit((unsigned char)s[0])) {
                    const char *after = skip_ws(s + strlen(sec));
                    char t2[MAX_TITLE];
                    snprintf(t2, sizeof t2, "%s", after);
                    rtrim(t2);
                    if (ieq(t2, f->title)) {
                        snprintf(f->section, sizeof f->section, "%s", sec);
                        break;
                    }
                }
            }
        char base[160];
        {
            char words[MAX_TITLE + 40];
            snprintf(words, sizeof words, "%s %s", f->section, f->title);
            slugify(words, f->slug, sizeof f->slug);
            snprintf(base, sizeof base, "%02d-%s", f->ord, f->slug);
        }
        int selected = 1;
        if (only) {
            char ordtxt[16];
            snprintf(ordtxt, sizeof ordtxt, "%d", f->ord);
            selected = strcmp(only, ordtxt) == 0 || (f->section[0] && strcmp(only, f->section) == 0) ||
                       (atoi(only) == f->ord && strchr(only, '.') == NULL);
        }
        if (!selected) {
            free(f);
            continue;
        }
        matched++;
        nfound++;
        process_flow(f);
        if (list) {
            printf("%02d\t%s\t%s\t%zu messages", f->ord, f->section[0] ? f->section : "-", f->title, f->nmsgs);
            if (f->skip[0])
                printf("\tSKIPPED: %s\n", f->skip);
            else {
                printf("\t%d call-id%s:", f->ncallids, f->ncallids == 1 ? "" : "s");
                for (int i = 0; i < f->ncallids; i++)
                    printf(" %s", f->callids[i]);
                putchar('\n');
            }
        }
        if (f->skip[0]) {
            nskip++;
            fprintf(stderr, "seed2pcap: flow %02d (%s %s): skipped: %s\n", f->ord, f->section[0] ? f->section : "-",
                    f->title, f->skip);
            if (skipped)
                fprintf(skipped, "%02d\t%s\t%s\t%s\n", f->ord, f->section[0] ? f->section : "-", f->title, f->skip);
        } else {
            nok++;
            if (dump) {
                for (size_t k = 0; k < f->nmsgs; k++) {
                    const struct msg *m = &f->msgs[k];
                    printf("==== flow %02d msg %d (line %zu) %d->%d\n", f->ord, m->no, m->line, m->src, m->dst);
                    fwrite(m->wire.p, 1, m->wire.n, stdout);
                    printf("\n==== end\n");
                }
            }
            if (!list && outdir) {
                char p[4096];
                snprintf(p, sizeof p, "%s/%s.pcap", outdir, base);
                if (write_pcap(f, p) != 0)
                    rc = 1;
                snprintf(p, sizeof p, "%s/%s.expect", outdir, base);
                if (write_expect(f, p, seedname) != 0)
                    rc = 1;
            }
        }
        flow_free(f);
        free(f);
    }
    if (skipped && fclose(skipped) != 0)
        rc = 1;
    if (only && !matched) {
        fprintf(stderr, "seed2pcap: no flow %s\n", only);
        rc = 1;
    }
    fprintf(stderr, "seed2pcap: %d flows found, %d extracted, %d skipped\n", nfound, nok, nskip);
    for (size_t i = 0; i < g_nlines; i++)
        free(g_lines[i]);
    free(g_lines);
    free(starts);
    return rc;
}
