/*
 * ladder.c - build the neutral ladder model (see ladder.h).
 */
#include "render/ladder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/sdp.h"
#include "src/base/util.h"

int alias_add(struct alias_table *t, const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1])
        return -1;
    char addr[128];
    size_t al = (size_t)(eq - spec);
    if (al >= sizeof addr)
        return -1;
    memcpy(addr, spec, al);
    addr[al] = 0;
    struct endpoint e;
    if (endpoint_parse(addr, &e) != 0)
        return -1;
    t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
    t->v[t->n].ep = e;
    t->v[t->n].name = xstrdup(eq + 1);
    t->n++;
    return 0;
}

int alias_load_file(struct alias_table *t, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "sipladder: %s: cannot open alias file: %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    unsigned no = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        no++;
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t'))
            line[--l] = 0;
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#')
            continue;
        if (alias_add(t, s) != 0) {
            fprintf(stderr, "sipladder: %s:%u: bad alias '%s' (expected IP[:PORT]=NAME)\n", path, no, s);
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

void alias_free(struct alias_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].name);
    free(t->v);
    memset(t, 0, sizeof(*t));
}

const char *alias_lookup(const struct alias_table *t, const struct endpoint *e)
{
    if (!t)
        return NULL;
    const char *any = NULL;
    for (size_t i = 0; i < t->n; i++) {
        const struct endpoint *a = &t->v[i].ep;
        if (a->family != e->family || memcmp(a->addr, e->addr, a->family == 4 ? 4 : 16) != 0)
            continue;
        if (a->port == e->port)
            return t->v[i].name;
        if (a->port == 0 && !any)
            any = t->v[i].name;
    }
    return any;
}

static const char *static_pt_name(struct slice pt)
{
    static const struct {
        const char *pt, *name;
    } tab[] = {{"0", "PCMU"}, {"3", "GSM"},  {"4", "G723"}, {"8", "PCMA"},  {"9", "G722"},
               {"13", "CN"},  {"15", "G728"}, {"18", "G729"}, {"34", "H263"}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (slice_eq(pt, tab[i].pt))
            return tab[i].name;
    return NULL;
}

void sdp_note(struct buf *b, struct slice body)
{
    struct sdp_summary s;
    if (!body.n || !sdp_summarize(body, &s))
        return;
    for (unsigned i = 0; i < s.nmedia; i++) {
        const struct sdp_media *m = &s.media[i];
        if (i)
            buf_puts(b, "; ");
        if (!slice_eq(m->type, "audio")) {
            buf_put(b, m->type.p, m->type.n);
            buf_putc(b, ' ');
        }
        for (unsigned k = 0; k < m->nfmt; k++) {
            if (k)
                buf_putc(b, ',');
            const char *sn = static_pt_name(m->fmt[k].pt);
            if (m->fmt[k].name.n)
                buf_put(b, m->fmt[k].name.p, m->fmt[k].name.n);
            else if (sn)
                buf_puts(b, sn);
            else
                buf_put(b, m->fmt[k].pt.p, m->fmt[k].pt.n);
        }
        buf_putc(b, ' ');
        int v6 = memchr(m->addr.p, ':', m->addr.n) != NULL;
        if (v6)
            buf_putc(b, '[');
        buf_put(b, m->addr.p, m->addr.n);
        if (v6)
            buf_putc(b, ']');
        buf_printf(b, ":%u", m->port);
        if (m->dir)
            buf_printf(b, " %s", sdp_dir_name((enum sdp_dir)m->dir));
    }
    if (s.truncated)
        buf_puts(b, " ...");
}

void msg_label(struct buf *b, const struct msg *m)
{
    struct sip_msg sm;
    struct sip_hdr h[1];
    int rc = msg_parse(m, &sm, h, 0);
    if (rc != SIP_OK) {
        buf_puts(b, "(malformed)");
        return;
    }
    if (sm.is_request) {
        buf_put(b, m->buf + sm.method_s.off, sm.method_s.len);
    } else {
        buf_printf(b, "%u", sm.status);
        if (sm.reason.len) {
            buf_putc(b, ' ');
            buf_put(b, m->buf + sm.reason.off, sm.reason.len);
        }
    }
}

static uint32_t lane_of(struct ladder *L, const struct endpoint *e, const struct alias_table *a)
{
    const char *alias = alias_lookup(a, e);
    for (size_t i = 0; i < L->nlanes; i++) {
        if (alias ? strcmp(L->lanes[i].name, alias) == 0 : (endpoint_eq(&L->lanes[i].ep, e) &&
                                                             strcmp(L->lanes[i].name, L->lanes[i].addr) == 0))
            return (uint32_t)i;
    }
    L->lanes = xgrow(L->lanes, &L->cap_lanes, L->nlanes + 1, sizeof(*L->lanes));
    struct lane *ln = &L->lanes[L->nlanes];
    char s[80];
    endpoint_str(e, s, sizeof s);
    ln->ep = *e;
    ln->addr = xstrdup(s);
    ln->name = xstrdup(alias ? alias : s);
    return (uint32_t)L->nlanes++;
}

void ladder_build(struct ladder *L, const struct store *s, const uint32_t *msgs, size_t n,
                  const struct alias_table *aliases)
{
    memset(L, 0, sizeof(*L));
    struct buf b = {0};
    int64_t prev = 0;
    struct sip_hdr hdrs[64];
    for (size_t i = 0; i < n; i++) {
        const struct msg *m = &s->msgs[msgs[i]];
        L->rows = xgrow(L->rows, &L->cap_rows, L->nrows + 1, sizeof(*L->rows));
        struct row *r = &L->rows[L->nrows++];
        memset(r, 0, sizeof(*r));
        r->msg = m->index;
        r->from = lane_of(L, &m->src, aliases);
        r->to = lane_of(L, &m->dst, aliases);
        r->retrans = m->retrans;
        r->ts = m->ts;
        r->delta = i ? m->ts - prev : 0;
        prev = m->ts;
        struct sip_msg sm;
        int rc = msg_parse(m, &sm, hdrs, 64);
        if (rc != SIP_OK)
            r->kind = ROW_BAD;
        else if (sm.is_request)
            r->kind = ROW_REQUEST;
        else
            r->kind = sm.status < 200 ? ROW_1XX : sm.status < 300 ? ROW_2XX : sm.status < 400 ? ROW_3XX : ROW_ERROR;
        buf_reset(&b);
        msg_label(&b, m);
        r->label = xstrdup(b.p ? b.p : "");
        buf_reset(&b);
        if (rc == SIP_OK)
            sdp_note(&b, sip_span_slice(m->buf, sm.body));
        r->note = xstrdup(b.p ? b.p : "");
    }
    buf_free(&b);
}

void ladder_free(struct ladder *L)
{
    for (size_t i = 0; i < L->nlanes; i++) {
        free(L->lanes[i].name);
        free(L->lanes[i].addr);
    }
    for (size_t i = 0; i < L->nrows; i++) {
        free(L->rows[i].label);
        free(L->rows[i].note);
    }
    free(L->lanes);
    free(L->rows);
    memset(L, 0, sizeof(*L));
}
