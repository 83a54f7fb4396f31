/*
 * select.c - call selection (see select.h).
 */
#include "src/select.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dissect/sip_hdr.h"
#include "src/base/util.h"

void filter_free(struct filter *f)
{
    free(f->call_ids);
    free(f->users);
    free(f->ips);
    free(f->methods);
    free(f->statuses);
    memset(f, 0, sizeof(*f));
}

int filter_parse_time(const char *s, int64_t *ns)
{
    char *end;
    double d = strtod(s, &end);
    if (*s && !*end) {
        *ns = (int64_t)(d * 1e9);
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, da, h, mi;
    double sec;
    char sep;
    if (sscanf(s, "%d-%d-%d%c%d:%d:%lf", &y, &mo, &da, &sep, &h, &mi, &sec) != 7 || (sep != 'T' && sep != ' '))
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = da;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = 0;
    time_t t = timegm(&tm);
    *ns = (int64_t)t * 1000000000LL + (int64_t)(sec * 1e9);
    return 0;
}

static int user_matches(struct slice hv, const char *user)
{
    struct sip_nameaddr na;
    struct sip_uri u;
    if (!hv.p || !sip_parse_nameaddr(hv, &na) || !sip_parse_uri(na.uri, &u))
        return 0;
    return slice_eq(u.user, user);
}

static int msg_matches_user(const struct msg *m, const char *user)
{
    struct sip_msg sm;
    struct sip_hdr h[64];
    if (msg_parse(m, &sm, h, 64) != SIP_OK)
        return 0;
    if (user_matches(sip_hdr_first(&sm, m->buf, SIP_H_FROM), user) ||
        user_matches(sip_hdr_first(&sm, m->buf, SIP_H_TO), user))
        return 1;
    if (sm.is_request) {
        struct sip_uri u;
        if (sip_parse_uri(sip_span_slice(m->buf, sm.ruri), &u) && slice_eq(u.user, user))
            return 1;
    }
    return 0;
}

static int ep_match(const struct endpoint *want, const struct endpoint *e)
{
    return want->family == e->family && memcmp(want->addr, e->addr, e->family == 4 ? 4 : 16) == 0 &&
           (want->port == 0 || want->port == e->port);
}

static int status_match(const char *spec, unsigned st)
{
    size_t l = strlen(spec);
    if (l == 3 && (spec[1] == 'x' || spec[1] == 'X') && (spec[2] == 'x' || spec[2] == 'X'))
        return spec[0] >= '1' && spec[0] <= '6' && st / 100 == (unsigned)(spec[0] - '0');
    return (unsigned)atoi(spec) == st;
}

static int call_selected(const struct store *s, const struct call *c, const struct filter *f)
{
    if (f->ncall_ids) {
        int ok = 0;
        for (size_t i = 0; i < f->ncall_ids && !ok; i++)
            ok = strlen(f->call_ids[i]) == c->call_id_len && memcmp(f->call_ids[i], c->call_id, c->call_id_len) == 0;
        if (!ok)
            return 0;
    }
    const struct msg *first = &s->msgs[c->msgs[0]];
    if (f->since && first->ts < f->since)
        return 0;
    if (f->until && first->ts > f->until)
        return 0;
    int need_user = f->nusers > 0, need_ip = f->nips > 0, need_m = f->nmethods > 0, need_st = f->nstatuses > 0;
    for (size_t k = 0; k < c->nmsgs && (need_user || need_ip || need_m || need_st); k++) {
        const struct msg *m = &s->msgs[c->msgs[k]];
        for (size_t i = 0; need_ip && i < f->nips; i++)
            if (ep_match(&f->ips[i], &m->src) || ep_match(&f->ips[i], &m->dst))
                need_ip = 0;
        for (size_t i = 0; need_user && i < f->nusers; i++)
            if (msg_matches_user(m, f->users[i]))
                need_user = 0;
        if (m->is_request)
            for (size_t i = 0; need_m && i < f->nmethods; i++) {
                struct sip_msg sm;
                struct sip_hdr h[1];
                if (msg_parse(m, &sm, h, 0) == SIP_OK && slice_eq_ci(sip_span_slice(m->buf, sm.method_s), f->methods[i]))
                    need_m = 0;
            }
        else
            for (size_t i = 0; need_st && i < f->nstatuses; i++)
                if (status_match(f->statuses[i], m->status))
                    need_st = 0;
    }
    return !(need_user || need_ip || need_m || need_st);
}

int select_call_matches(const struct store *s, const struct call *c, const struct filter *f)
{
    return !f->active || call_selected(s, c, f);
}

void select_calls(const struct store *s, const struct filter *f, struct selection *sel)
{
    memset(sel, 0, sizeof(*sel));
    sel->calls = xcalloc(s->ncalls ? s->ncalls : 1, sizeof(*sel->calls));
    sel->call_pos = xcalloc(s->ncalls ? s->ncalls : 1, sizeof(*sel->call_pos));
    for (size_t i = 0; i < s->ncalls; i++) {
        sel->call_pos[i] = NONE;
        if (!f->active || call_selected(s, &s->calls[i], f)) {
            sel->call_pos[i] = (uint32_t)sel->ncalls;
            sel->calls[sel->ncalls++] = (uint32_t)i;
        }
    }
    sel->msgs = xcalloc(s->nmsgs ? s->nmsgs : 1, sizeof(*sel->msgs));
    for (size_t i = 0; i < s->nmsgs; i++) {
        const struct msg *m = &s->msgs[i];
        if (m->call != NONE ? sel->call_pos[m->call] != NONE : !f->active)
            sel->msgs[sel->nmsgs++] = (uint32_t)i;
    }
    if (s->unordered) /* capture order: insertion sort, nearly sorted already */
        for (size_t i = 1; i < sel->nmsgs; i++) {
            uint32_t v = sel->msgs[i];
            size_t j = i;
            while (j > 0 && store_msg_before(s, v, sel->msgs[j - 1])) {
                sel->msgs[j] = sel->msgs[j - 1];
                j--;
            }
            sel->msgs[j] = v;
        }
}

void selection_free(struct selection *sel)
{
    free(sel->calls);
    free(sel->call_pos);
    free(sel->msgs);
    memset(sel, 0, sizeof(*sel));
}
