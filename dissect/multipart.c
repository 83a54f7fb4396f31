/*
 * multipart.c - MIME multipart splitting (see multipart.h).
 *
 * RFC 2046 §5.1.1: each part is preceded by CRLF "--" boundary (the first
 * one may start the body), the close delimiter is "--" boundary "--".
 * Bare LF line ends are tolerated.  The boundary parameter may be quoted.
 */
#include "dissect/multipart.h"

#include <string.h>

static int ci_prefix(struct slice s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.n < n)
        return 0;
    return slice_eq_ci((struct slice){s.p, n}, lit);
}

/* The media type without parameters, trimmed. */
static struct slice media_type(struct slice ct)
{
    ct = slice_trim(ct);
    const uint8_t *semi = ct.n ? memchr(ct.p, ';', ct.n) : NULL;
    if (semi)
        ct.n = (size_t)(semi - ct.p);
    return slice_trim(ct);
}

int multipart_boundary(struct slice ct, struct slice *boundary)
{
    *boundary = SLICE_NULL;
    if (!ct.p || !ci_prefix(slice_trim(ct), "multipart/"))
        return 0;
    /* find ;boundary= (case-insensitive) */
    for (size_t i = 0; i < ct.n; i++) {
        if (ct.p[i] != ';')
            continue;
        size_t j = i + 1;
        while (j < ct.n && is_lws(ct.p[j]))
            j++;
        struct slice rest = {ct.p + j, ct.n - j};
        if (!ci_prefix(rest, "boundary"))
            continue;
        j += 8;
        while (j < ct.n && is_lws(ct.p[j]))
            j++;
        if (j >= ct.n || ct.p[j] != '=')
            continue;
        j++;
        while (j < ct.n && is_lws(ct.p[j]))
            j++;
        size_t a = j, z;
        if (j < ct.n && ct.p[j] == '"') {
            a = ++j;
            while (j < ct.n && ct.p[j] != '"')
                j++;
            z = j;
        } else {
            while (j < ct.n && ct.p[j] != ';' && !is_lws(ct.p[j]))
                j++;
            z = j;
        }
        /* RFC 2046: 1 to 70 characters */
        if (z > a && z - a <= 70)
            *boundary = (struct slice){ct.p + a, z - a};
        return 1;
    }
    return 1;
}

/* Position of the next delimiter line "--boundary" at or after `from`
 * (at the body start or right after a line end); n when none. */
static size_t next_delim(struct slice body, struct slice b, size_t from)
{
    size_t need = b.n + 2;
    for (size_t i = from; i + need <= body.n; i++) {
        if (body.p[i] != '-' || body.p[i + 1] != '-')
            continue;
        if (i != 0 && body.p[i - 1] != '\n')
            continue;
        if (memcmp(body.p + i + 2, b.p, b.n) != 0)
            continue;
        /* RFC 2046 §5.1.1: the boundary is followed by "--", white space or
         * the line end, so "--b1" does not match "--b10" */
        size_t k = i + need;
        if (k == body.n || body.p[k] == '\r' || body.p[k] == '\n' || body.p[k] == ' ' || body.p[k] == '\t' ||
            (k + 1 < body.n && body.p[k] == '-' && body.p[k + 1] == '-'))
            return i;
    }
    return body.n;
}

static size_t line_after(struct slice body, size_t i)
{
    const uint8_t *lf = i < body.n ? memchr(body.p + i, '\n', body.n - i) : NULL;
    return lf ? (size_t)(lf - body.p) + 1 : body.n;
}

/* Split one part into headers and body; find its Content-Type. */
static void split_part(struct slice raw, struct mp_part *pt)
{
    pt->headers = SLICE_NULL;
    pt->content_type = SLICE_NULL;
    pt->body = raw;
    /* a part with no headers starts with an empty line */
    size_t i = 0;
    if (raw.n && (raw.p[0] == '\n' || (raw.n > 1 && raw.p[0] == '\r' && raw.p[1] == '\n'))) {
        size_t skip = raw.p[0] == '\n' ? 1 : 2;
        pt->body = (struct slice){raw.p + skip, raw.n - skip};
        return;
    }
    while (i < raw.n) {
        size_t e = line_after(raw, i);
        size_t le = e;
        if (le > i && raw.p[le - 1] == '\n')
            le--;
        if (le > i && raw.p[le - 1] == '\r')
            le--;
        if (le == i) { /* empty line: end of headers */
            pt->headers = (struct slice){raw.p, i};
            pt->body = (struct slice){raw.p + e, raw.n - e};
            break;
        }
        struct slice line = {raw.p + i, le - i};
        if (ci_prefix(line, "content-type") || (line.n > 1 && (line.p[0] == 'c' || line.p[0] == 'C') &&
                                                  (line.p[1] == ':' || line.p[1] == ' '))) {
            const uint8_t *colon = memchr(line.p, ':', line.n);
            if (colon && !pt->content_type.p)
                pt->content_type = slice_trim((struct slice){colon + 1, line.n - (size_t)(colon + 1 - line.p)});
        }
        i = e;
    }
    if (i >= raw.n) { /* no empty line: all headers, no body */
        pt->headers = raw;
        pt->body = (struct slice){raw.p + raw.n, 0};
    }
}

int multipart_parse(struct slice ct, struct slice body, struct mp_part *parts, size_t max_parts, size_t *nparts)
{
    *nparts = 0;
    struct slice b;
    if (!multipart_boundary(ct, &b))
        return MP_NOT_MULTIPART;
    if (!b.n)
        return MP_NO_BOUNDARY;
    size_t d = next_delim(body, b, 0);
    if (d >= body.n)
        return MP_NO_PARTS;
    for (;;) {
        size_t after = d + 2 + b.n;
        if (after + 2 <= body.n && body.p[after] == '-' && body.p[after + 1] == '-')
            return MP_OK; /* close delimiter */
        size_t start = line_after(body, after);
        size_t nd = next_delim(body, b, start);
        /* the CRLF before a delimiter belongs to the delimiter */
        size_t end = nd;
        if (end > start && body.p[end - 1] == '\n')
            end--;
        if (end > start && body.p[end - 1] == '\r')
            end--;
        if (*nparts >= max_parts)
            return MP_TOO_MANY;
        split_part((struct slice){body.p + start, end > start ? end - start : 0}, &parts[*nparts]);
        (*nparts)++;
        if (nd >= body.n)
            return MP_UNTERMINATED;
        d = nd;
    }
}

static struct slice find_rec(struct slice ct, struct slice body, const char *want, int depth, int *too_deep)
{
    struct slice b;
    if (!multipart_boundary(ct, &b)) {
        if (ct.p && slice_eq_ci(media_type(ct), want))
            return body;
        return SLICE_NULL;
    }
    if (depth <= 0) {
        if (too_deep)
            *too_deep = 1;
        return SLICE_NULL;
    }
    struct mp_part parts[16];
    size_t np = 0;
    multipart_parse(ct, body, parts, sizeof parts / sizeof parts[0], &np);
    for (size_t i = 0; i < np; i++) {
        struct slice pct = parts[i].content_type;
        if (!pct.p)
            continue;
        struct slice r = find_rec(pct, parts[i].body, want, depth - 1, too_deep);
        if (r.p)
            return r;
    }
    return SLICE_NULL;
}

struct slice multipart_find(struct slice ct, struct slice body, const char *want, int max_depth, int *too_deep)
{
    if (too_deep)
        *too_deep = 0;
    return find_rec(ct, body, want, max_depth, too_deep);
}
