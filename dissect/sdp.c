/*
 * sdp.c - SDP summary and full parser (see sdp.h).  RFC 8866 §5: each
 * line is "<type>=<value>"; o= (§5.2), c= at session or media level
 * (§5.7), b= (§5.8), m= (§5.14), a=rtpmap (§6.6), fmtp (§6.15), ptime
 * (§6.4), maxptime (§6.5), direction attributes (§6.7); RFC 3605 a=rtcp;
 * RFC 5761 a=rtcp-mux; RFC 4568 a=crypto; RFC 8839 a=candidate; ITU-T
 * T.38 Annex D attributes; RFC 3264 §8.4 and RFC 2543 hold.
 */
#include "dissect/sdp.h"

#include <stddef.h>
#include <string.h>

#include "dissect/rtp.h"

const char *sdp_dir_name(enum sdp_dir d)
{
    switch (d) {
    case SDP_DIR_SENDRECV: return "sendrecv";
    case SDP_DIR_SENDONLY: return "sendonly";
    case SDP_DIR_RECVONLY: return "recvonly";
    case SDP_DIR_INACTIVE: return "inactive";
    default: return "";
    }
}

static struct slice next_tok(struct slice *s)
{
    while (s->n && (s->p[0] == ' ' || s->p[0] == '\t')) {
        s->p++;
        s->n--;
    }
    size_t i = 0;
    while (i < s->n && s->p[i] != ' ' && s->p[i] != '\t')
        i++;
    struct slice t = {s->p, i};
    s->p += i;
    s->n -= i;
    return t;
}

static uint32_t to_u32(struct slice t, int *ok)
{
    uint64_t v = 0;
    *ok = t.n > 0 && t.n <= 10;
    for (size_t i = 0; i < t.n && *ok; i++) {
        if (t.p[i] < '0' || t.p[i] > '9')
            *ok = 0;
        else
            v = v * 10 + (uint64_t)(t.p[i] - '0');
    }
    if (v > UINT32_MAX)
        *ok = 0;
    return *ok ? (uint32_t)v : 0;
}

static int dir_of(struct slice v)
{
    if (slice_eq(v, "sendrecv")) return SDP_DIR_SENDRECV;
    if (slice_eq(v, "sendonly")) return SDP_DIR_SENDONLY;
    if (slice_eq(v, "recvonly")) return SDP_DIR_RECVONLY;
    if (slice_eq(v, "inactive")) return SDP_DIR_INACTIVE;
    return SDP_DIR_NONE;
}

int sdp_summarize(struct slice body, struct sdp_summary *out)
{
    memset(out, 0, sizeof(*out));
    struct slice b = body;
    while (b.n && is_lws(b.p[0])) {
        b.p++;
        b.n--;
    }
    if (b.n < 2 || b.p[0] != 'v' || b.p[1] != '=')
        return 0;
    struct sdp_media *cur = NULL;
    int skip_media = 0;
    while (b.n) {
        const uint8_t *nl = memchr(b.p, '\n', b.n);
        size_t ll = nl ? (size_t)(nl - b.p) : b.n;
        struct slice line = {b.p, ll};
        b.p += nl ? ll + 1 : ll;
        b.n -= nl ? ll + 1 : ll;
        if (line.n && line.p[line.n - 1] == '\r')
            line.n--;
        if (!line.n)
            continue;
        if (line.n < 2 || line.p[1] != '=') {
            out->anomalies++;
            continue;
        }
        uint8_t type = line.p[0];
        struct slice v = {line.p + 2, line.n - 2};
        if (type == 'm') {
            if (out->nmedia >= SDP_MAX_MEDIA) {
                out->truncated = 1;
                skip_media = 1;
                cur = NULL;
                continue;
            }
            skip_media = 0;
            cur = &out->media[out->nmedia++];
            cur->type = next_tok(&v);
            struct slice port = next_tok(&v);
            const uint8_t *slash = memchr(port.p, '/', port.n);
            if (slash)
                port.n = (size_t)(slash - port.p);
            int ok;
            uint32_t pv = to_u32(port, &ok);
            cur->port = ok && pv <= 65535 ? (uint16_t)pv : 0;
            cur->proto = next_tok(&v);
            cur->addr = out->session_addr;
            cur->dir = out->session_dir;
            for (;;) {
                struct slice f = next_tok(&v);
                if (!f.n)
                    break;
                if (cur->nfmt >= SDP_MAX_FMTS) {
                    out->truncated = 1;
                    break;
                }
                cur->fmt[cur->nfmt++].pt = f;
            }
        } else if (type == 'c') {
            next_tok(&v); /* IN */
            next_tok(&v); /* IP4/IP6 */
            struct slice a = next_tok(&v);
            const uint8_t *slash = memchr(a.p, '/', a.n);
            if (slash)
                a.n = (size_t)(slash - a.p);
            if (cur)
                cur->addr = a;
            else if (!skip_media)
                out->session_addr = a;
        } else if (type == 'a') {
            int d = dir_of(v);
            if (d) {
                if (cur)
                    cur->dir = (uint8_t)d;
                else if (!skip_media)
                    out->session_dir = (uint8_t)d;
            } else if (cur && v.n > 7 && memcmp(v.p, "rtpmap:", 7) == 0) {
                struct slice r = {v.p + 7, v.n - 7};
                struct slice pt = next_tok(&r);
                struct slice enc = next_tok(&r);
                const uint8_t *slash = memchr(enc.p, '/', enc.n);
                struct slice name = {enc.p, slash ? (size_t)(slash - enc.p) : enc.n};
                uint32_t rate = 0;
                if (slash) {
                    struct slice rs = {slash + 1, enc.n - (size_t)(slash + 1 - enc.p)};
                    const uint8_t *s2 = memchr(rs.p, '/', rs.n);
                    if (s2)
                        rs.n = (size_t)(s2 - rs.p);
                    int ok;
                    rate = to_u32(rs, &ok);
                }
                for (unsigned i = 0; i < cur->nfmt; i++)
                    if (slice_eq_slice(cur->fmt[i].pt, pt)) {
                        cur->fmt[i].name = name;
                        cur->fmt[i].rate = rate;
                    }
            }
        }
    }
    /* session-level direction applies to media without their own */
    for (unsigned i = 0; i < out->nmedia; i++)
        if (!out->media[i].dir)
            out->media[i].dir = out->session_dir;
    return 1;
}

/* ---- full parser (sdp_parse) ------------------------------------------ */

const char *sdp_anom_name(enum sdp_anom a)
{
    switch (a) {
    case SDP_ANOM_NONE: return "";
    case SDP_ANOM_NOT_TYPE_EQ: return "sdp-not-type-equals";
    case SDP_ANOM_BAD_VERSION: return "sdp-bad-version";
    case SDP_ANOM_BAD_ORIGIN: return "sdp-bad-origin";
    case SDP_ANOM_DUP_SESSION_LINE: return "sdp-duplicate-session-line";
    case SDP_ANOM_BAD_CONNECTION: return "sdp-bad-connection";
    case SDP_ANOM_BAD_BANDWIDTH: return "sdp-bad-bandwidth";
    case SDP_ANOM_BAD_MEDIA: return "sdp-bad-media";
    case SDP_ANOM_BAD_PORT: return "sdp-bad-port";
    case SDP_ANOM_NO_FORMATS: return "sdp-no-formats";
    case SDP_ANOM_BAD_RTPMAP: return "sdp-bad-rtpmap";
    case SDP_ANOM_RTPMAP_NO_FMT: return "sdp-rtpmap-unknown-format";
    case SDP_ANOM_BAD_FMTP: return "sdp-bad-fmtp";
    case SDP_ANOM_BAD_PTIME: return "sdp-bad-ptime";
    case SDP_ANOM_BAD_RTCP: return "sdp-bad-rtcp";
    case SDP_ANOM_BAD_CRYPTO: return "sdp-bad-crypto";
    case SDP_ANOM_BAD_T38: return "sdp-bad-t38";
    case SDP_ANOM_MEDIA_ATTR_AT_SESSION: return "sdp-media-attribute-at-session";
    case SDP_ANOM_NO_CONNECTION: return "sdp-no-connection";
    case SDP_ANOM_NUL_BYTE: return "sdp-nul-byte";
    case SDP_ANOM_TOO_MANY: return "sdp-too-many";
    default: return "sdp-unknown";
    }
}

static void anom(struct sdp_desc *d, uint32_t line, enum sdp_anom kind)
{
    if (d->anom_total < UINT16_MAX)
        d->anom_total++;
    if (d->nanoms < SDP_MAX_ANOMS) {
        d->anoms[d->nanoms].line = line;
        d->anoms[d->nanoms].kind = (uint16_t)kind;
        d->nanoms++;
    }
}

static void too_many(struct sdp_desc *d, uint32_t line)
{
    if (!d->truncated)
        anom(d, line, SDP_ANOM_TOO_MANY);
    d->truncated = 1;
}

static struct slice before_char(struct slice s, uint8_t c)
{
    const uint8_t *q = s.n ? memchr(s.p, c, s.n) : NULL;
    if (q)
        s.n = (size_t)(q - s.p);
    return s;
}

static struct slice after_char(struct slice s, uint8_t c, int *found)
{
    const uint8_t *q = s.n ? memchr(s.p, c, s.n) : NULL;
    *found = q != NULL;
    if (!q)
        return (struct slice){s.p, 0};
    return (struct slice){q + 1, s.n - (size_t)(q + 1 - s.p)};
}

static struct slice rest_trim(struct slice v)
{
    while (v.n && (v.p[0] == ' ' || v.p[0] == '\t')) {
        v.p++;
        v.n--;
    }
    while (v.n && (v.p[v.n - 1] == ' ' || v.p[v.n - 1] == '\t'))
        v.n--;
    return v;
}

/* "20" or "20.5" -> 20; 0 on failure (sets *ok). */
static uint32_t to_ms(struct slice t, int *ok)
{
    struct slice ip = before_char(t, '.');
    uint32_t v = to_u32(ip, ok);
    if (*ok && ip.n < t.n) {
        struct slice frac = {ip.p + ip.n + 1, t.n - ip.n - 1};
        int fok;
        if (frac.n)
            (void)to_u32(frac, &fok);
        else
            fok = 1;
        *ok = fok;
    }
    return *ok ? v : 0;
}

/* c=<nettype> <addrtype> <address>[/ttl][/n] */
static int parse_conn(struct slice v, struct sdp_conn *c)
{
    struct slice net = next_tok(&v), at = next_tok(&v), a = next_tok(&v);
    memset(c, 0, sizeof(*c));
    if (!net.n || !at.n || !a.n || rest_trim(v).n)
        return 0;
    a = before_char(a, '/');
    if (!a.n)
        return 0;
    c->present = 1;
    c->addrtype = at;
    c->addr = a;
    return slice_eq_ci(net, "IN") && (slice_eq_ci(at, "IP4") || slice_eq_ci(at, "IP6"));
}

static int parse_bw(struct slice v, struct sdp_bw *b)
{
    int found;
    struct slice type = before_char(v, ':'), val = after_char(v, ':', &found);
    int ok;
    b->type = type;
    b->kbps = to_u32(rest_trim(val), &ok);
    return found && type.n && ok;
}

static void t38_init(struct sdp_t38 *t)
{
    memset(t, 0, sizeof(*t));
    t->version = -1;
    t->max_bitrate = t->max_buffer = t->max_datagram = -1;
}

static int name_eq_ci(struct slice name, const char *lit)
{
    return slice_eq_ci(name, lit);
}

/* Returns 1 when name is a T.38 attribute (handled), setting *bad on a bad value. */
static int t38_attr(struct sdp_t38 *t, struct slice name, struct slice val, int has_val, int *bad)
{
    int ok = 1;
    *bad = 0;
    val = rest_trim(val);
    if (name_eq_ci(name, "T38FaxVersion")) {
        uint32_t v = to_u32(val, &ok);
        if (ok && v <= 255)
            t->version = (int32_t)v;
        else
            *bad = 1;
    } else if (name_eq_ci(name, "T38MaxBitRate")) {
        uint32_t v = to_u32(val, &ok);
        if (ok)
            t->max_bitrate = v;
        else
            *bad = 1;
    } else if (name_eq_ci(name, "T38FaxMaxBuffer")) {
        uint32_t v = to_u32(val, &ok);
        if (ok)
            t->max_buffer = v;
        else
            *bad = 1;
    } else if (name_eq_ci(name, "T38FaxMaxDatagram")) {
        uint32_t v = to_u32(val, &ok);
        if (ok)
            t->max_datagram = v;
        else
            *bad = 1;
    } else if (name_eq_ci(name, "T38FaxRateManagement")) {
        if (val.n)
            t->rate_mgmt = val;
        else
            *bad = 1;
    } else if (name_eq_ci(name, "T38FaxUdpEC")) {
        if (val.n)
            t->udp_ec = val;
        else
            *bad = 1;
    } else if (name_eq_ci(name, "T38FaxFillBitRemoval") || name_eq_ci(name, "T38FaxTranscodingMMR") ||
               name_eq_ci(name, "T38FaxTranscodingJBIG")) {
        /* a flag; "T38FaxFillBitRemoval:1" / ":0" are common variants */
        uint8_t on = 1;
        if (has_val) {
            uint32_t v = to_u32(val, &ok);
            if (!ok || v > 1)
                *bad = 1;
            on = ok && v == 1;
        }
        if (name_eq_ci(name, "T38FaxFillBitRemoval"))
            t->fill_bit_removal = on;
        else if (name_eq_ci(name, "T38FaxTranscodingMMR"))
            t->transcoding_mmr = on;
        else
            t->transcoding_jbig = on;
    } else {
        return 0;
    }
    t->present = 1;
    return 1;
}

static struct sdp_payload *find_fmt(struct sdp_mdesc *m, struct slice pt)
{
    for (unsigned i = 0; i < m->nfmt; i++)
        if (slice_eq_slice(m->fmt[i].pt, pt))
            return &m->fmt[i];
    return NULL;
}

struct parse_state {
    struct sdp_desc *d;
    struct sdp_mdesc *cur;   /* NULL at session level or in a skipped section */
    int skipping;            /* inside a media section beyond the bound */
    int fmt_trunc;           /* current section had more formats than stored */
    int session_rtcp_mux;
    int seen_v, seen_s;
};

static void media_line(struct parse_state *st, struct slice v, uint32_t ln)
{
    struct sdp_desc *d = st->d;
    if (d->nmedia >= SDP_FULL_MAX_MEDIA) {
        too_many(d, ln);
        st->cur = NULL;
        st->skipping = 1;
        return;
    }
    st->skipping = 0;
    st->fmt_trunc = 0;
    struct sdp_mdesc *m = &d->media[d->nmedia++];
    memset(m, 0, sizeof(*m));
    st->cur = m;
    m->line = ln;
    m->nports = 1;
    t38_init(&m->t38);
    m->type = next_tok(&v);
    struct slice port = next_tok(&v);
    m->proto = next_tok(&v);
    if (!m->type.n || !port.n || !m->proto.n) {
        anom(d, ln, SDP_ANOM_BAD_MEDIA);
    }
    if (port.n) {
        int found, ok;
        struct slice cnt = after_char(port, '/', &found);
        uint32_t pv = to_u32(before_char(port, '/'), &ok);
        if (ok && pv <= 65535)
            m->port = (uint16_t)pv;
        else
            anom(d, ln, SDP_ANOM_BAD_PORT);
        if (found) {
            uint32_t cv = to_u32(cnt, &ok);
            if (ok && cv >= 1 && cv <= 65535)
                m->nports = (uint16_t)cv;
            else
                anom(d, ln, SDP_ANOM_BAD_PORT);
        }
    }
    if (!m->proto.n)
        return;
    for (;;) {
        struct slice f = next_tok(&v);
        if (!f.n)
            break;
        if (m->nfmt >= SDP_FULL_MAX_FMTS) {
            st->fmt_trunc = 1;
            too_many(d, ln);
            break;
        }
        struct sdp_payload *p = &m->fmt[m->nfmt++];
        p->pt = f;
        int ok;
        uint32_t n = to_u32(f, &ok);
        p->num = ok && n <= 127 ? (int16_t)n : -1;
    }
    if (!m->nfmt)
        anom(d, ln, SDP_ANOM_NO_FORMATS);
}

static void attr_line(struct parse_state *st, struct slice v, uint32_t ln)
{
    struct sdp_desc *d = st->d;
    struct sdp_mdesc *m = st->cur;
    if (st->skipping)
        return;
    int has_val;
    struct slice name = before_char(v, ':');
    struct slice val = after_char(v, ':', &has_val);
    if (m && m->nattrs < UINT16_MAX)
        m->nattrs++;
    int dir = has_val ? SDP_DIR_NONE : dir_of(name);
    if (dir) {
        if (m) {
            m->dir = (uint8_t)dir;
            m->dir_media = 1;
        } else {
            d->session_dir = (uint8_t)dir;
        }
        return;
    }
    if (slice_eq(name, "candidate")) {
        if (m) {
            if (m->ncandidates < UINT16_MAX)
                m->ncandidates++;
        } else if (d->session_candidates < UINT16_MAX) {
            d->session_candidates++;
        }
        return;
    }
    if (slice_eq(name, "fingerprint")) {
        if (m)
            m->has_fingerprint = 1;
        else
            d->session_fingerprint = 1;
        return;
    }
    if (slice_eq(name, "rtcp-mux")) {
        if (m)
            m->rtcp_mux = 1;
        else
            st->session_rtcp_mux = 1;
        return;
    }
    int bad;
    if (t38_attr(m ? &m->t38 : &d->t38, name, val, has_val, &bad)) {
        if (bad)
            anom(d, ln, SDP_ANOM_BAD_T38);
        return;
    }
    int media_only = slice_eq(name, "rtpmap") || slice_eq(name, "fmtp") || slice_eq(name, "ptime") ||
                     slice_eq(name, "maxptime") || slice_eq(name, "rtcp") || slice_eq(name, "crypto");
    if (!media_only)
        return; /* other attributes: counted only */
    if (!m) {
        anom(d, ln, SDP_ANOM_MEDIA_ATTR_AT_SESSION);
        return;
    }
    if (slice_eq(name, "rtpmap")) {
        struct slice r = val;
        struct slice pt = next_tok(&r), enc = next_tok(&r);
        int found, ok = 0;
        struct slice ename = before_char(enc, '/');
        struct slice params = after_char(enc, '/', &found);
        uint32_t rate = 0, ch = 0;
        if (found) {
            int f2;
            rate = to_u32(before_char(params, '/'), &ok);
            struct slice chs = after_char(params, '/', &f2);
            if (ok && f2) {
                ch = to_u32(chs, &ok);
                if (ch > 65535)
                    ok = 0;
            }
        }
        if (!pt.n || !ename.n || !ok || rest_trim(r).n) {
            anom(d, ln, SDP_ANOM_BAD_RTPMAP);
            if (!pt.n || !ename.n)
                return;
        }
        struct sdp_payload *p = find_fmt(m, pt);
        if (!p) {
            if (!st->fmt_trunc)
                anom(d, ln, SDP_ANOM_RTPMAP_NO_FMT);
            return;
        }
        p->name = ename;
        p->rate = ok ? rate : 0;
        p->channels = ok ? (uint16_t)ch : 0;
    } else if (slice_eq(name, "fmtp")) {
        struct slice r = val;
        struct slice pt = next_tok(&r);
        struct slice params = rest_trim(r);
        if (!pt.n || !params.n) {
            anom(d, ln, SDP_ANOM_BAD_FMTP);
            if (!pt.n)
                return;
        }
        struct sdp_payload *p = find_fmt(m, pt);
        if (!p) {
            if (!st->fmt_trunc)
                anom(d, ln, SDP_ANOM_RTPMAP_NO_FMT);
            return;
        }
        p->fmtp = params;
    } else if (slice_eq(name, "ptime") || slice_eq(name, "maxptime")) {
        int ok;
        uint32_t ms = to_ms(rest_trim(val), &ok);
        if (!ok || ms > 65535) {
            anom(d, ln, SDP_ANOM_BAD_PTIME);
            return;
        }
        if (name.n == 5)
            m->ptime = (uint16_t)ms;
        else
            m->maxptime = (uint16_t)ms;
    } else if (slice_eq(name, "rtcp")) {
        /* RFC 3605: a=rtcp:<port> [<nettype> <addrtype> <address>] */
        struct slice r = val;
        int ok;
        uint32_t port = to_u32(next_tok(&r), &ok);
        if (!ok || port > 65535) {
            anom(d, ln, SDP_ANOM_BAD_RTCP);
            return;
        }
        m->has_rtcp = 1;
        m->rtcp_port = (uint16_t)port;
        if (rest_trim(r).n) {
            struct sdp_conn c;
            if (parse_conn(r, &c))
                m->rtcp_addr = c.addr;
            else
                anom(d, ln, SDP_ANOM_BAD_RTCP);
        }
    } else { /* crypto: <tag> <crypto-suite> <key-params> [<session-params>] (RFC 4568 §9.1) */
        struct slice r = val;
        struct slice tag = next_tok(&r), suite = next_tok(&r), key = next_tok(&r);
        int ok;
        (void)to_u32(tag, &ok);
        if (!ok || !suite.n || !key.n) {
            anom(d, ln, SDP_ANOM_BAD_CRYPTO);
            if (!suite.n)
                return;
        }
        if (m->ncrypto < SDP_MAX_CRYPTO)
            m->crypto_suite[m->ncrypto++] = suite;
        else
            too_many(d, ln);
    }
}

int sdp_parse(struct slice body, struct sdp_desc *out)
{
    /* the media sections (most of the 39 KB) are cleared one by one as
     * they are used: clearing them all cost more than parsing */
    memset(out, 0, offsetof(struct sdp_desc, media));
    t38_init(&out->t38);
    struct slice b = body;
    if (!b.p)
        return 0;
    while (b.n && is_lws(b.p[0])) {
        b.p++;
        b.n--;
    }
    if (b.n < 2 || b.p[0] != 'v' || b.p[1] != '=') {
        memset(out, 0, offsetof(struct sdp_desc, media));
        return 0;
    }
    /* line numbers count from the real first line, blank lines included */
    uint32_t ln = 0;
    for (const uint8_t *q = body.p; q < b.p; q++)
        if (*q == '\n')
            ln++;
    struct parse_state st = {.d = out};
    while (b.n) {
        const uint8_t *nl = memchr(b.p, '\n', b.n);
        size_t ll = nl ? (size_t)(nl - b.p) : b.n;
        struct slice line = {b.p, ll};
        b.p += nl ? ll + 1 : ll;
        b.n -= nl ? ll + 1 : ll;
        if (ln < UINT32_MAX)
            ln++;
        if (line.n && line.p[line.n - 1] == '\r')
            line.n--;
        if (!line.n)
            continue;
        if (memchr(line.p, 0, line.n))
            anom(out, ln, SDP_ANOM_NUL_BYTE);
        uint8_t type = line.p[0];
        if (line.n < 2 || line.p[1] != '=' || type < 'a' || type > 'z') {
            anom(out, ln, SDP_ANOM_NOT_TYPE_EQ);
            continue;
        }
        struct slice v = {line.p + 2, line.n - 2};
        switch (type) {
        case 'v':
            if (st.seen_v)
                anom(out, ln, SDP_ANOM_DUP_SESSION_LINE);
            else if (!slice_eq(rest_trim(v), "0"))
                anom(out, ln, SDP_ANOM_BAD_VERSION);
            st.seen_v = 1;
            break;
        case 'o': {
            if (out->origin.present || st.cur || st.skipping) {
                anom(out, ln, SDP_ANOM_DUP_SESSION_LINE);
                break;
            }
            struct sdp_origin *o = &out->origin;
            o->present = 1;
            o->username = next_tok(&v);
            o->sess_id = next_tok(&v);
            o->sess_version = next_tok(&v);
            o->nettype = next_tok(&v);
            o->addrtype = next_tok(&v);
            o->addr = next_tok(&v);
            if (!o->addr.n || rest_trim(v).n)
                anom(out, ln, SDP_ANOM_BAD_ORIGIN);
            break;
        }
        case 's':
            if (st.seen_s || st.cur || st.skipping)
                anom(out, ln, SDP_ANOM_DUP_SESSION_LINE);
            else
                out->session_name = v;
            st.seen_s = 1;
            break;
        case 'c': {
            if (st.skipping)
                break;
            struct sdp_conn c;
            if (!parse_conn(v, &c))
                anom(out, ln, SDP_ANOM_BAD_CONNECTION);
            if (!c.present)
                break;
            if (st.cur) {
                st.cur->conn = c;
                st.cur->conn_media = 1;
            } else {
                out->conn = c;
            }
            break;
        }
        case 'b': {
            if (st.skipping)
                break;
            struct sdp_bw bw;
            if (!parse_bw(v, &bw)) {
                anom(out, ln, SDP_ANOM_BAD_BANDWIDTH);
                break;
            }
            uint8_t *nbw = st.cur ? &st.cur->nbw : &out->nbw;
            struct sdp_bw *arr = st.cur ? st.cur->bw : out->bw;
            if (*nbw < SDP_MAX_BW)
                arr[(*nbw)++] = bw;
            else
                too_many(out, ln);
            break;
        }
        case 'm':
            media_line(&st, v, ln);
            break;
        case 'a':
            attr_line(&st, v, ln);
            break;
        default:
            break; /* i= u= e= p= t= r= z= k= and unknown letters */
        }
    }
    out->lines = ln;
    /* effective values: media level overrides session level */
    for (unsigned i = 0; i < out->nmedia; i++) {
        struct sdp_mdesc *m = &out->media[i];
        if (!m->conn_media)
            m->conn = out->conn;
        if (!m->dir_media)
            m->dir = out->session_dir;
        if (!m->rtcp_mux && st.session_rtcp_mux)
            m->rtcp_mux = 1;
        if (out->session_fingerprint)
            m->has_fingerprint = 1;
        if (out->t38.present) {
            struct sdp_t38 *t = &m->t38, *s = &out->t38;
            if (t->version < 0) t->version = s->version;
            if (t->max_bitrate < 0) t->max_bitrate = s->max_bitrate;
            if (t->max_buffer < 0) t->max_buffer = s->max_buffer;
            if (t->max_datagram < 0) t->max_datagram = s->max_datagram;
            if (!t->rate_mgmt.n) t->rate_mgmt = s->rate_mgmt;
            if (!t->udp_ec.n) t->udp_ec = s->udp_ec;
            t->fill_bit_removal |= s->fill_bit_removal;
            t->transcoding_mmr |= s->transcoding_mmr;
            t->transcoding_jbig |= s->transcoding_jbig;
            t->present = 1;
        }
        if (m->port && !m->conn.present)
            anom(out, m->line, SDP_ANOM_NO_CONNECTION);
    }
    return 1;
}

/* ---- fingerprint, hold, helpers ---------------------------------------- */

static uint64_t h_bytes(uint64_t h, const uint8_t *p, size_t n, int fold, int drop_ws)
{
    uint8_t len[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    size_t kept = 0, k = 0;
    uint8_t chunk[128]; /* hashed a chunk at a time, not a byte at a time */
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (drop_ws && (c == ' ' || c == '\t'))
            continue;
        chunk[k++] = fold ? ascii_lower(c) : c;
        kept++;
        if (k == sizeof chunk) {
            h = hash_bytes(chunk, k, h);
            k = 0;
        }
    }
    if (k)
        h = hash_bytes(chunk, k, h);
    len[0] = (uint8_t)(kept >> 24);
    len[1] = (uint8_t)(kept >> 16);
    len[2] = (uint8_t)(kept >> 8);
    len[3] = (uint8_t)kept;
    return hash_bytes(len, sizeof len, h); /* length as a field separator */
}

static uint64_t h_slice(uint64_t h, struct slice s, int fold)
{
    return h_bytes(h, s.p, s.n, fold, 0);
}

static uint64_t h_u64(uint64_t h, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    return hash_bytes(b, sizeof b, h);
}

uint64_t sdp_fingerprint(const struct sdp_desc *d)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h = h_u64(h, d->nmedia);
    h = h_u64(h, d->truncated);
    for (unsigned i = 0; i < d->nmedia; i++) {
        const struct sdp_mdesc *m = &d->media[i];
        h = h_slice(h, m->type, 1);
        h = h_u64(h, m->port);
        h = h_u64(h, m->nports);
        h = h_slice(h, m->proto, 1);
        h = h_slice(h, m->conn.addr, 1);
        h = h_u64(h, m->dir ? m->dir : SDP_DIR_SENDRECV);
        h = h_u64(h, m->nfmt);
        for (unsigned k = 0; k < m->nfmt; k++) {
            const struct sdp_payload *p = &m->fmt[k];
            h = h_slice(h, p->pt, 1);
            h = h_slice(h, p->name, 1);
            h = h_u64(h, p->rate);
            h = h_u64(h, p->channels);
            h = h_bytes(h, p->fmtp.p, p->fmtp.n, 0, 1);
        }
        h = h_u64(h, m->ptime);
        h = h_u64(h, m->maxptime);
        h = h_u64(h, m->has_rtcp ? (uint64_t)m->rtcp_port + 1 : 0);
        h = h_slice(h, m->rtcp_addr, 1);
        h = h_u64(h, m->rtcp_mux);
        h = h_u64(h, m->ncrypto);
        for (unsigned k = 0; k < m->ncrypto; k++)
            h = h_slice(h, m->crypto_suite[k], 1);
        const struct sdp_t38 *t = &m->t38;
        h = h_u64(h, t->present);
        if (t->present) {
            h = h_u64(h, (uint64_t)(int64_t)t->version);
            h = h_u64(h, (uint64_t)t->max_bitrate);
            h = h_u64(h, (uint64_t)t->max_buffer);
            h = h_u64(h, (uint64_t)t->max_datagram);
            h = h_slice(h, t->rate_mgmt, 1);
            h = h_slice(h, t->udp_ec, 1);
            h = h_u64(h, (uint64_t)t->fill_bit_removal << 2 | (uint64_t)t->transcoding_mmr << 1 | t->transcoding_jbig);
        }
    }
    return h;
}

int sdp_media_equal(const struct sdp_desc *a, const struct sdp_desc *b)
{
    return sdp_fingerprint(a) == sdp_fingerprint(b);
}

static int is_zero_addr(struct slice a)
{
    return slice_eq(a, "0.0.0.0");
}

enum sdp_hold sdp_mdesc_hold(const struct sdp_mdesc *m)
{
    if (m->conn.present && is_zero_addr(m->conn.addr))
        return SDP_HOLD_ZERO_ADDR;
    if (m->dir == SDP_DIR_SENDONLY)
        return SDP_HOLD_SENDONLY;
    if (m->dir == SDP_DIR_INACTIVE)
        return SDP_HOLD_INACTIVE;
    return SDP_HOLD_NONE;
}

int sdp_is_hold(const struct sdp_desc *d)
{
    int active = 0;
    for (unsigned i = 0; i < d->nmedia; i++) {
        const struct sdp_mdesc *m = &d->media[i];
        if (!m->port || !(slice_eq_ci(m->type, "audio") || slice_eq_ci(m->type, "video")))
            continue;
        active++;
        if (sdp_mdesc_hold(m) == SDP_HOLD_NONE)
            return 0;
    }
    return active > 0;
}

const struct sdp_payload *sdp_payload_find(const struct sdp_mdesc *m, unsigned pt)
{
    for (unsigned i = 0; i < m->nfmt; i++)
        if (m->fmt[i].num >= 0 && (unsigned)m->fmt[i].num == pt)
            return &m->fmt[i];
    return NULL;
}

uint32_t sdp_clock_rate(const struct sdp_mdesc *m, unsigned pt)
{
    const struct sdp_payload *p = sdp_payload_find(m, pt);
    if (p && p->rate)
        return p->rate;
    uint32_t rate = 0;
    if (pt < 96 && rtp_static_pt(pt, NULL, &rate, NULL))
        return rate;
    return 0;
}

uint16_t sdp_rtcp_port(const struct sdp_mdesc *m, struct slice *addr)
{
    if (addr)
        *addr = (struct slice){m->rtcp_addr.p, m->rtcp_addr.n};
    if (!m->port)
        return 0;
    if (m->has_rtcp)
        return m->rtcp_port;
    if (m->rtcp_mux)
        return m->port;
    return m->port == 65535 ? 0 : (uint16_t)(m->port + 1);
}
