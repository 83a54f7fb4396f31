/*
 * sdp.c - SDP summary (see sdp.h).  RFC 8866 §5: each line is
 * "<type>=<value>"; c= at session or media level (§5.7), m= (§5.14),
 * a=rtpmap (§6.6), direction attributes (§6.7).
 */
#include "dissect/sdp.h"

#include <string.h>

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
