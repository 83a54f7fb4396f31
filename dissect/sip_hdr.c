/*
 * sip_hdr.c - on-demand parsers for SIP header values (see sip_hdr.h).
 *
 * Implements the value grammars of RFC 3261 §25.1: comma-separated
 * header lists (§7.3.1) honouring quoted-string and <...>, generic-param
 * lists, SIP/SIPS URIs (§19.1.1: user:password@host:port;params?headers,
 * IPv6 references per RFC 5118), tel: URIs (RFC 3966), name-addr /
 * addr-spec (§20.10: for a bare addr-spec, everything after ';' is a
 * header parameter), via-parm (§20.42, LWS allowed around '/' and ':'),
 * CSeq (§20.16), Content-Length (§20.14) and the branch magic cookie
 * (§8.1.1.7).
 *
 * Every function works on a borrowed (pointer, length) slice, never
 * assumes NUL termination, never allocates and never reads outside the
 * slice.  Quoted strings are returned raw: backslash escapes are kept.
 */
#include "dissect/sip_hdr.h"

#include "dissect/sip_chars.h"

#include <string.h>

const uint8_t sip_cc[256] = {
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x18, 0x90, 0x80, 0x80, 0x90, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x18, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x41, 0x00, 0x61, 0x61, 0x00,
    0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65,
    0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x00, 0x00, 0x00, 0x00, 0x21,
    0x01, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65,
    0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x65, 0x00, 0x00, 0x00, 0x01, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};


static inline struct slice sub(const uint8_t *p, size_t a, size_t b)
{
    return (struct slice){p + a, b - a};
}

static inline size_t skip_lws(const uint8_t *p, size_t i, size_t n)
{
    while (i < n && IS(p[i], C_LWS))
        i++;
    return i;
}

static inline struct slice trim(struct slice s)
{
    if (!s.p)
        return (struct slice){NULL, 0};
    while (s.n && IS(s.p[0], C_LWS)) {
        s.p++;
        s.n--;
    }
    while (s.n && IS(s.p[s.n - 1], C_LWS))
        s.n--;
    return s;
}

static int eq_ci(const uint8_t *a, const char *lit, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(a[i]) != ascii_lower((uint8_t)lit[i]))
            return 0;
    return 1;
}

static int slice_is_ci(struct slice s, const char *lit, size_t litlen)
{
    return s.n == litlen && eq_ci(s.p, lit, litlen);
}

/* Decimal port 1..65535 at p[*i..n); advances *i.  Returns 0 if invalid. */
static uint16_t parse_port(const uint8_t *p, size_t *i, size_t n)
{
    size_t j = *i;
    uint32_t v = 0;
    while (j < n && IS(p[j], C_DIGIT)) {
        v = v * 10 + (uint32_t)(p[j] - '0');
        if (v > 65535)
            return 0;
        j++;
    }
    if (j == *i || v == 0)
        return 0;
    *i = j;
    return (uint16_t)v;
}

/* Host at p[*i..lim): an IPv6 reference "[...]" or host characters.
 * Advances *i; returns 0 when empty or malformed. */
static int parse_host(const uint8_t *p, size_t *i, size_t lim, struct slice *host)
{
    size_t j = *i;
    if (j < lim && p[j] == '[') {
        size_t k = j + 1;
        while (k < lim && p[k] != ']') {
            uint8_t c = p[k];
            if (!(IS(c, C_DIGIT) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                  c == ':' || c == '.'))
                return 0;
            k++;
        }
        if (k >= lim || k == j + 1)
            return 0;
        *host = sub(p, j, k + 1);
        *i = k + 1;
        return 1;
    }
    while (j < lim && IS(p[j], C_HOST))
        j++;
    if (j == *i)
        return 0;
    *host = sub(p, *i, j);
    *i = j;
    return 1;
}

/* Bytes that change the state of the list splitter. */
static const uint8_t list_special[256] = {
    ['"'] = 1, [','] = 1, ['<'] = 1, ['>'] = 1, ['\\'] = 1,
};

int sip_next_value(struct slice *rest, struct slice *item)
{
    const uint8_t *p = rest->p;
    size_t n = rest->n, i = 0;

    *item = (struct slice){NULL, 0};
    if (!p) {
        rest->n = 0;
        return 0;
    }
    while (i < n && (p[i] == ',' || IS(p[i], C_LWS)))
        i++;
    if (i >= n) {
        rest->p = p + n;
        rest->n = 0;
        return 0;
    }
    size_t st = i;
    int quoted = 0, angle = 0;
    while (i < n) {
        while (i < n && !list_special[p[i]])
            i++;
        if (i >= n)
            break;
        uint8_t c = p[i];
        if (quoted) {
            if (c == '\\' && i + 1 < n) {
                i += 2;
                continue;
            }
            if (c == '"')
                quoted = 0;
        } else if (angle) {
            if (c == '>')
                angle = 0;
        } else if (c == '"') {
            quoted = 1;
        } else if (c == '<') {
            angle = 1;
        } else if (c == ',') {
            break;
        }
        i++;
    }
    *item = trim(sub(p, st, i));
    rest->p = p + i;
    rest->n = n - i;
    return 1;
}

/* Next generic-param of p[*pos..n) (RFC 3261 §25.1 generic-param,
 * ';'-separated, quoted values may hold ';').  Returns 0 at the end. */
static int next_param(const uint8_t *p, size_t n, size_t *pos, struct slice *name, struct slice *val)
{
    size_t i = *pos;

    while (i < n && (p[i] == ';' || IS(p[i], C_LWS)))
        i++;
    if (i >= n) {
        *pos = n;
        return 0;
    }
    size_t ns = i;
    while (i < n && p[i] != '=' && p[i] != ';' && !IS(p[i], C_LWS))
        i++;
    *name = sub(p, ns, i);
    i = skip_lws(p, i, n);
    *val = (struct slice){p + i, 0};
    if (i < n && p[i] == '=') {
        i = skip_lws(p, i + 1, n);
        size_t vs = i;
        if (i < n && p[i] == '"') {
            i++;
            while (i < n && p[i] != '"') {
                if (p[i] == '\\' && i + 1 < n)
                    i++;
                i++;
            }
            if (i < n)
                i++;
        }
        while (i < n && p[i] != ';')
            i++;
        size_t ve = i;
        while (ve > vs && IS(p[ve - 1], C_LWS))
            ve--;
        *val = sub(p, vs, ve);
    } else {
        while (i < n && p[i] != ';')
            i++;
    }
    *pos = i;
    return 1;
}

int sip_param_get(struct slice params, const char *name, struct slice *val)
{
    size_t pos = 0, nl = strlen(name);
    struct slice pn, pv;

    if (!params.p)
        return 0;
    while (next_param(params.p, params.n, &pos, &pn, &pv))
        if (pn.n == nl && eq_ci(pn.p, name, nl)) {
            if (val)
                *val = pv;
            return 1;
        }
    return 0;
}

int sip_parse_uri(struct slice s, struct sip_uri *u)
{
    memset(u, 0, sizeof *u);
    s = trim(s);
    if (!s.p || !s.n)
        return 0;
    const uint8_t *p = s.p;
    size_t n = s.n, i = 0;

    for (size_t k = 0; k < n; k++)
        if (IS(p[k], C_CTL | C_WS))
            return 0;
    if (!IS(p[0], C_ALPHA))
        return 0;
    while (i < n && IS(p[i], C_SCHEME))
        i++;
    if (i >= n || p[i] != ':')
        return 0;
    u->scheme = sub(p, 0, i);
    i++;

    /* Headers start at the first '?' (a user part may legally hold '?',
     * but a raw '@' inside Replaces=... is far more common). */
    const uint8_t *qm = i < n ? memchr(p + i, '?', n - i) : NULL;
    size_t q = qm ? (size_t)(qm - p) : n;
    if (qm)
        u->headers = sub(p, q + 1, n);

    int is_sip = slice_is_ci(u->scheme, "sip", 3) || slice_is_ci(u->scheme, "sips", 4);
    if (slice_is_ci(u->scheme, "tel", 3)) {
        size_t e = i;
        while (e < q && p[e] != ';')
            e++;
        if (e == i)
            return 0;
        u->user = sub(p, i, e);
        u->host = (struct slice){p + e, 0};
        if (e < q)
            u->params = sub(p, e, q);
        return 1;
    }

    int authority = 0;
    if (!is_sip && q - i >= 2 && p[i] == '/' && p[i + 1] == '/') {
        i += 2;
        authority = 1;
    }
    const uint8_t *at = i < q ? memchr(p + i, '@', q - i) : NULL;
    if (at) {
        size_t a = (size_t)(at - p), ue = i;
        while (ue < a && p[ue] != ':')
            ue++;
        u->user = sub(p, i, ue);
        i = a + 1;
    } else if (!is_sip && !authority) {
        /* opaque (urn:service:sos): keep it in user, no host */
        size_t e = i;
        while (e < q && p[e] != ';')
            e++;
        if (e == i)
            return 0;
        u->user = sub(p, i, e);
        u->host = (struct slice){p + e, 0};
        if (e < q)
            u->params = sub(p, e, q);
        return 1;
    }
    if (!parse_host(p, &i, q, &u->host))
        return 0;
    if (i < q && p[i] == ':') {
        i++;
        u->port = parse_port(p, &i, q);
        if (!u->port)
            return 0;
    }
    if (!is_sip)
        while (i < q && p[i] != ';')
            i++; /* path of a generic URI */
    if (i < q) {
        if (p[i] != ';')
            return 0;
        u->params = sub(p, i, q);
    }
    return 1;
}

int sip_parse_nameaddr(struct slice s, struct sip_nameaddr *na)
{
    memset(na, 0, sizeof *na);
    s = trim(s);
    if (!s.p || !s.n)
        return 0;
    const uint8_t *p = s.p;
    size_t n = s.n, i;
    int angle = 0;

    if (p[0] == '"') {
        i = 1;
        while (i < n && p[i] != '"') {
            if (p[i] == '\\' && i + 1 < n)
                i++;
            i++;
        }
        if (i >= n)
            return 0;
        na->display = sub(p, 1, i);
        i = skip_lws(p, i + 1, n);
        if (i >= n || p[i] != '<')
            return 0;
        angle = 1;
    } else {
        const uint8_t *lt = memchr(p, '<', n);
        if (lt) {
            i = (size_t)(lt - p);
            na->display = trim(sub(p, 0, i));
            angle = 1;
        } else {
            i = 0;
        }
    }

    struct slice rest;
    if (angle) {
        const uint8_t *gt = memchr(p + i + 1, '>', n - i - 1);
        if (!gt)
            return 0;
        size_t g = (size_t)(gt - p);
        na->uri = trim(sub(p, i + 1, g));
        rest = trim(sub(p, g + 1, n));
        if (rest.n && rest.p[0] != ';')
            return 0;
    } else {
        const uint8_t *sc = memchr(p, ';', n);
        size_t e = sc ? (size_t)(sc - p) : n;
        na->uri = trim(sub(p, 0, e));
        for (size_t k = 0; k < na->uri.n; k++)
            if (IS(na->uri.p[k], C_LWS) || na->uri.p[k] == '>' || na->uri.p[k] == '"')
                return 0;
        rest = sub(p, e, n);
    }
    if (!na->uri.n || !memchr(na->uri.p, ':', na->uri.n))
        return 0;
    if (rest.n)
        na->params = rest;
    if (sip_param_get(na->params, "tag", &na->tag))
        na->has_tag = 1;
    else
        na->tag = (struct slice){NULL, 0};
    return 1;
}

/* token at p[*i..n), advancing *i; returns its length. */
static size_t take_token(const uint8_t *p, size_t *i, size_t n)
{
    size_t j = *i;
    while (j < n && IS(p[j], C_TOKEN))
        j++;
    size_t len = j - *i;
    *i = j;
    return len;
}

int sip_parse_via(struct slice s, struct sip_via *v)
{
    memset(v, 0, sizeof *v);
    s = trim(s);
    if (!s.p || !s.n)
        return 0;
    const uint8_t *p = s.p;
    size_t n = s.n, i = 0;

    if (!take_token(p, &i, n))
        return 0;
    i = skip_lws(p, i, n);
    if (i >= n || p[i] != '/')
        return 0;
    i = skip_lws(p, i + 1, n);
    if (!take_token(p, &i, n))
        return 0;
    v->protocol = sub(p, 0, i);
    i = skip_lws(p, i, n);
    if (i >= n || p[i] != '/')
        return 0;
    i = skip_lws(p, i + 1, n);
    size_t ts = i;
    if (!take_token(p, &i, n))
        return 0;
    v->transport = sub(p, ts, i);
    if (i >= n || !IS(p[i], C_LWS))
        return 0;
    i = skip_lws(p, i, n);
    if (!parse_host(p, &i, n, &v->host))
        return 0;
    i = skip_lws(p, i, n);
    if (i < n && p[i] == ':') {
        i = skip_lws(p, i + 1, n);
        v->port = parse_port(p, &i, n);
        if (!v->port)
            return 0;
        i = skip_lws(p, i, n);
    }
    if (i < n) {
        if (p[i] != ';')
            return 0;
        v->params = sub(p, i, n);
    }
    /* one pass over the params; the first occurrence of each wins */
    size_t pos = 0;
    struct slice pn, pv;
    int seen_branch = 0, seen_received = 0;
    while (v->params.n && next_param(v->params.p, v->params.n, &pos, &pn, &pv)) {
        if (!seen_branch && pn.n == 6 && eq_ci(pn.p, "branch", 6)) {
            v->branch = pv;
            seen_branch = 1;
        } else if (!seen_received && pn.n == 8 && eq_ci(pn.p, "received", 8)) {
            v->received = pv;
            seen_received = 1;
        } else if (!v->has_rport && pn.n == 5 && eq_ci(pn.p, "rport", 5)) {
            v->rport = pv;
            v->has_rport = 1;
        }
    }
    return 1;
}

int sip_parse_cseq(struct slice s, struct sip_cseq *c)
{
    memset(c, 0, sizeof *c);
    s = trim(s);
    if (!s.p || !s.n)
        return 0;
    const uint8_t *p = s.p;
    size_t n = s.n, i = 0;
    uint64_t v = 0;

    while (i < n && IS(p[i], C_DIGIT)) {
        v = v * 10 + (uint64_t)(p[i] - '0');
        if (v > UINT32_MAX)
            return 0;
        i++;
    }
    if (i == 0 || i >= n || !IS(p[i], C_LWS))
        return 0;
    i = skip_lws(p, i, n);
    size_t ms = i;
    if (!take_token(p, &i, n) || i != n)
        return 0;
    c->seq = (uint32_t)v;
    c->method = sub(p, ms, n);
    return 1;
}

int64_t sip_parse_content_length(struct slice s)
{
    s = trim(s);
    if (!s.p || !s.n)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (!IS(s.p[i], C_DIGIT))
            return -1;
        int d = s.p[i] - '0';
        if (v > (INT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    return v;
}

int sip_branch_is_rfc3261(struct slice branch)
{
    return branch.p && branch.n >= 7 && memcmp(branch.p, "z9hG4bK", 7) == 0;
}
