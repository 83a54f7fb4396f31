/*
 * ladder.c - build the neutral ladder model (see ladder.h).
 */
#include "render/ladder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/sdp.h"
#include "dissect/sip_hdr.h"
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
        int v6 = m->addr.n && memchr(m->addr.p, ':', m->addr.n) != NULL;
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

static void lane_add_addr(struct lane *ln, const char *a)
{
    for (size_t i = 0; i < ln->naddrs; i++)
        if (strcmp(ln->addrs[i], a) == 0)
            return;
    ln->addrs = xgrow(ln->addrs, &ln->cap_addrs, ln->naddrs + 1, sizeof(*ln->addrs));
    ln->addrs[ln->naddrs++] = xstrdup(a);
}

static int same_host(const struct endpoint *a, const struct endpoint *b)
{
    return a->family == b->family && memcmp(a->addr, b->addr, a->family == 4 ? 4 : 16) == 0;
}

static uint32_t lane_of(struct ladder *L, const struct endpoint *e, const struct alias_table *a, unsigned flags)
{
    const char *alias = alias_lookup(a, e);
    char s[80];
    endpoint_str(e, s, sizeof s);
    for (size_t i = 0; i < L->nlanes; i++) {
        struct lane *ln = &L->lanes[i];
        int hit;
        if (alias)
            hit = strcmp(ln->name, alias) == 0;
        else if (flags & LADDER_MERGE_HOSTS)
            hit = !ln->aliased && same_host(&ln->ep, e);
        else
            hit = !ln->aliased && endpoint_eq(&ln->ep, e);
        if (hit) {
            lane_add_addr(ln, s);
            return (uint32_t)i;
        }
    }
    L->lanes = xgrow(L->lanes, &L->cap_lanes, L->nlanes + 1, sizeof(*L->lanes));
    struct lane *ln = &L->lanes[L->nlanes];
    memset(ln, 0, sizeof(*ln));
    ln->ep = *e;
    ln->addr = xstrdup(s);
    ln->aliased = alias != NULL;
    if (alias) {
        ln->name = xstrdup(alias);
    } else if (flags & LADDER_MERGE_HOSTS) {
        char h[64];
        endpoint_addr_str(e, h, sizeof h);
        ln->name = xstrdup(h);
    } else {
        ln->name = xstrdup(s);
    }
    lane_add_addr(ln, s);
    return (uint32_t)L->nlanes++;
}

/* ---- media spans from SDP offer/answer ------------------------------------ */

struct media_state {
    uint32_t call;
    int has_offer;
    uint32_t offer_from, offer_to;
    uint8_t offer_dir;
    char *offer_addr;      /* "addr:port" of the offer's first media */
    uint32_t open;         /* index into L->media, or NONE */
    uint32_t last_row;     /* last row of this call */
};

static struct media_state *media_state_of(struct media_state **v, size_t *n, size_t *cap, uint32_t call)
{
    for (size_t i = *n; i-- > 0;)
        if ((*v)[i].call == call)
            return &(*v)[i];
    *v = xgrow(*v, cap, *n + 1, sizeof(**v));
    struct media_state *st = &(*v)[(*n)++];
    memset(st, 0, sizeof(*st));
    st->call = call;
    st->open = NONE;
    return st;
}

static void media_addr(struct buf *b, const struct sdp_media *m)
{
    int v6 = m->addr.n && memchr(m->addr.p, ':', m->addr.n) != NULL;
    if (v6)
        buf_putc(b, '[');
    buf_put(b, m->addr.p, m->addr.n);
    if (v6)
        buf_putc(b, ']');
    buf_printf(b, ":%u", m->port);
}

static void media_close(struct ladder *L, struct media_state *st, uint32_t row)
{
    if (st->open != NONE) {
        L->media[st->open].row1 = row;
        L->media[st->open].open = 0;
        st->open = NONE;
    }
}

/* One SDP body seen on row `ri` (not a retransmission). */
static void media_sdp(struct ladder *L, struct media_state *st, uint32_t ri, int is_request,
                      const struct sdp_summary *sd)
{
    const struct row *r = &L->rows[ri];
    const struct sdp_media *m0 = &sd->media[0];
    if (st->has_offer && st->offer_from == r->to && st->offer_to == r->from) {
        /* the answer */
        struct buf lab = {0}, det = {0};
        for (unsigned i = 0; i < sd->nmedia; i++) {
            const struct sdp_media *m = &sd->media[i];
            if (!m->port)
                continue;
            if (lab.n)
                buf_puts(&lab, " + ");
            if (!slice_eq(m->type, "audio")) {
                buf_put(&lab, m->type.p, m->type.n);
                buf_putc(&lab, ' ');
            }
            const char *sn = m->nfmt ? static_pt_name(m->fmt[0].pt) : NULL;
            if (m->nfmt && m->fmt[0].name.n)
                buf_put(&lab, m->fmt[0].name.p, m->fmt[0].name.n);
            else if (sn)
                buf_puts(&lab, sn);
            else if (m->nfmt)
                buf_put(&lab, m->fmt[0].pt.p, m->fmt[0].pt.n);
        }
        media_close(L, st, ri);
        st->has_offer = 0;
        if (!lab.n) { /* every stream rejected (port 0): media stops */
            buf_free(&lab);
            free(st->offer_addr);
            st->offer_addr = NULL;
            return;
        }
        uint8_t od = st->offer_dir ? st->offer_dir : SDP_DIR_SENDRECV;
        uint8_t ad = m0->dir ? m0->dir : SDP_DIR_SENDRECV;
        if (od == ad)
            buf_printf(&lab, " %s", sdp_dir_name((enum sdp_dir)od));
        else
            buf_printf(&lab, " %s/%s", sdp_dir_name((enum sdp_dir)od), sdp_dir_name((enum sdp_dir)ad));
        buf_puts(&det, st->offer_addr ? st->offer_addr : "?");
        buf_puts(&det, " \xe2\x87\x84 "); /* U+21C4 */
        media_addr(&det, m0);
        L->media = xgrow(L->media, &L->cap_media, L->nmedia + 1, sizeof(*L->media));
        struct media_span *ms = &L->media[L->nmedia];
        ms->row0 = ms->row1 = ri;
        ms->lane_a = r->to;
        ms->lane_b = r->from;
        ms->open = 1;
        ms->label = lab.p ? lab.p : xstrdup("");
        ms->detail = det.p ? det.p : xstrdup("");
        st->open = (uint32_t)L->nmedia++;
        free(st->offer_addr);
        st->offer_addr = NULL;
        return;
    }
    if (!is_request && st->open != NONE) {
        /* SDP repeated in a later response (183 then 200): same session */
        const struct media_span *ms = &L->media[st->open];
        if ((ms->lane_a == r->to && ms->lane_b == r->from) || (ms->lane_a == r->from && ms->lane_b == r->to))
            return;
    }
    /* an offer (in a request, or in a response to an offer-less INVITE) */
    struct buf a = {0};
    media_addr(&a, m0);
    free(st->offer_addr);
    st->offer_addr = a.p;
    st->has_offer = 1;
    st->offer_from = r->from;
    st->offer_to = r->to;
    st->offer_dir = m0->dir;
}

void ladder_build(struct ladder *L, const struct store *s, const uint32_t *msgs, size_t n,
                  const struct alias_table *aliases)
{
    ladder_build_ex(L, s, msgs, n, aliases, 0);
}

void ladder_build_ex(struct ladder *L, const struct store *s, const uint32_t *msgs, size_t n,
                     const struct alias_table *aliases, unsigned flags)
{
    memset(L, 0, sizeof(*L));
    struct buf b = {0};
    int64_t prev = 0;
    struct sip_hdr hdrs[64];
    struct media_state *mst = NULL;
    size_t nmst = 0, cap_mst = 0;
    for (size_t i = 0; i < n; i++) {
        const struct msg *m = &s->msgs[msgs[i]];
        L->rows = xgrow(L->rows, &L->cap_rows, L->nrows + 1, sizeof(*L->rows));
        struct row *r = &L->rows[L->nrows++];
        memset(r, 0, sizeof(*r));
        r->msg = m->index;
        r->from = lane_of(L, &m->src, aliases, flags);
        r->to = lane_of(L, &m->dst, aliases, flags);
        r->retrans = m->retrans;
        r->ts = m->ts;
        r->delta = i ? m->ts - prev : 0;
        r->call = m->call;
        r->dialog = m->dialog;
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
        /* R-URI user and Reason */
        buf_reset(&b);
        if (rc == SIP_OK && sm.is_request) {
            struct sip_uri u;
            if (sip_parse_uri(sip_span_slice(m->buf, sm.ruri), &u) && u.user.n)
                buf_put(&b, u.user.p, u.user.n);
        }
        r->ruri_user = xstrdup(b.p ? b.p : "");
        buf_reset(&b);
        if (rc == SIP_OK &&
            (sm.is_request ? (sm.method == SIP_M_BYE || sm.method == SIP_M_CANCEL) : sm.status >= 300)) {
            struct slice v = sip_hdr_first(&sm, m->buf, SIP_H_REASON);
            if (v.p)
                buf_put(&b, v.p, v.n);
        }
        r->reason = xstrdup(b.p ? b.p : "");
        /* n-th retransmission: the most recent row of the same message, + 1 */
        if (r->retrans) {
            r->rtx_no = 1;
            size_t lim = L->nrows > 1025 ? L->nrows - 1025 : 0;
            for (size_t k = L->nrows - 1; k-- > lim;) {
                const struct row *q = &L->rows[k];
                if (q->from == r->from && q->to == r->to && s->msgs[q->msg].txn == m->txn &&
                    strcmp(q->label, r->label) == 0) {
                    r->rtx_no = q->rtx_no + 1;
                    break;
                }
            }
        }
        /* media sessions */
        if (m->call != NONE && rc == SIP_OK) {
            uint32_t ri = (uint32_t)(L->nrows - 1);
            struct media_state *st = media_state_of(&mst, &nmst, &cap_mst, m->call);
            st->last_row = ri;
            if (!r->retrans) {
                struct sdp_summary sd;
                struct slice body = sip_span_slice(m->buf, sm.body);
                if (body.n && sdp_summarize(body, &sd) && sd.nmedia)
                    media_sdp(L, st, ri, sm.is_request, &sd);
                if (sm.is_request && (sm.method == SIP_M_BYE || sm.method == SIP_M_CANCEL)) {
                    media_close(L, st, ri);
                    st->has_offer = 0;
                } else if (!sm.is_request && sm.status >= 300 && m->cseq_method == SIP_M_INVITE) {
                    st->has_offer = 0; /* a failed (re-)INVITE leaves the old session as it was */
                }
            }
        }
    }
    for (size_t i = 0; i < nmst; i++) {
        if (mst[i].open != NONE)
            L->media[mst[i].open].row1 = mst[i].last_row;
        free(mst[i].offer_addr);
    }
    free(mst);
    buf_free(&b);
}

void ladder_free(struct ladder *L)
{
    for (size_t i = 0; i < L->nlanes; i++) {
        free(L->lanes[i].name);
        free(L->lanes[i].addr);
        for (size_t k = 0; k < L->lanes[i].naddrs; k++)
            free(L->lanes[i].addrs[k]);
        free(L->lanes[i].addrs);
    }
    for (size_t i = 0; i < L->nrows; i++) {
        free(L->rows[i].label);
        free(L->rows[i].note);
        free(L->rows[i].ruri_user);
        free(L->rows[i].reason);
    }
    for (size_t i = 0; i < L->nmedia; i++) {
        free(L->media[i].label);
        free(L->media[i].detail);
    }
    free(L->lanes);
    free(L->rows);
    free(L->media);
    memset(L, 0, sizeof(*L));
}
