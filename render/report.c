/*
 * report.c - text and JSON output of `sipladder report` (see report.h;
 * KPI formulas in doc/kpi.md, JSON schema in doc/json.md "Report JSON").
 *
 * References: ITU-T E.411 / E.425 (ASR, NER), ITU-T Q.850 (cause names
 * and classes), RFC 3326 (Reason), RFC 3398 §7.2.4.1 and the seed's Cisco
 * UCM Table 1-26 (SIP -> Q.850 mapping).
 *
 * Text: every capture byte goes through buf_put_escaped() (clipped to its
 * column), so packet data never drives the terminal.  JSON: every capture
 * string is made valid UTF-8 first (buf_put_utf8_clean), as render/json.c
 * does; each call object is built, dumped and freed one at a time.
 */
#include "render/report.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "dissect/q850.h"
#include "dissect/reason.h"
#include "dissect/sip.h"
#include "dissect/sipq850.h"
#include "src/base/buf.h"
#include "src/base/util.h"

#define SCHEMA "sipladder-report/1"
#define TOP_PEERS 10

/* ---- text helpers ------------------------------------------------------------ */

static void pad(struct buf *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_putc(b, ' ');
}

/* Escaped copy of s, clipped to maxw display columns ("~" marks the cut);
 * returns the width used. */
static size_t put_clip(struct buf *b, const char *s, size_t maxw)
{
    size_t n = strlen(s);
    size_t w = escaped_width((const uint8_t *)s, n);
    if (w <= maxw) {
        buf_put_escaped(b, (const uint8_t *)s, n);
        return w;
    }
    size_t used = 0, i = 0;
    while (i < n) {
        size_t l = 1;
        while (i + l < n && ((uint8_t)s[i + l] & 0xc0) == 0x80)
            l++;
        size_t cw = escaped_width((const uint8_t *)s + i, l);
        if (used + cw + 1 > maxw)
            break;
        buf_put_escaped(b, (const uint8_t *)s + i, l);
        used += cw;
        i += l;
    }
    buf_putc(b, '~');
    return used + 1;
}

/* Left-aligned cell of width w followed by sep spaces. */
static void cell(struct buf *b, const char *s, size_t w, size_t sep)
{
    size_t used = put_clip(b, s, w);
    pad(b, w - used + sep);
}

static const char *pct(char *o, size_t n, double ratio)
{
    if (ratio < 0)
        snprintf(o, n, "-");
    else
        snprintf(o, n, "%.1f%%", ratio * 100.0);
    return o;
}

static const char *secs(char *o, size_t n, int64_t ns)
{
    snprintf(o, n, "%.3f s", (double)ns / 1e9);
    return o;
}

static const char *interval_str(char *o, size_t n, int64_t ns)
{
    int64_t s = ns / KPI_NS_PER_S;
    if (ns % KPI_NS_PER_S)
        snprintf(o, n, "%.3f s", (double)ns / 1e9);
    else if (s % 86400 == 0)
        snprintf(o, n, "%lld d", (long long)(s / 86400));
    else if (s % 3600 == 0)
        snprintf(o, n, "%lld h", (long long)(s / 3600));
    else if (s % 60 == 0)
        snprintf(o, n, "%lld min", (long long)(s / 60));
    else
        snprintf(o, n, "%lld s", (long long)s);
    return o;
}

static double share(uint64_t n, uint64_t of)
{
    return of ? (double)n * 100.0 / (double)of : 0.0;
}

static const char *status_phrase(unsigned st)
{
    if (!st)
        return "(no final response)";
    const char *p = sip_reason_default(st);
    return *p ? p : "(unknown code)";
}

static void stat_line(struct buf *b, const char *label, const struct kpi_stat *st, const char *what)
{
    char t[4][32];
    buf_printf(b, "  %-13s", label);
    if (!st->n) {
        buf_printf(b, "-        (%s: none)\n", what);
        return;
    }
    buf_printf(b, "mean %s   p50 %s   p95 %s   p99 %s   (n=%zu: %s)\n", secs(t[0], sizeof t[0], st->mean),
               secs(t[1], sizeof t[1], st->p50), secs(t[2], sizeof t[2], st->p95), secs(t[3], sizeof t[3], st->p99),
               st->n, what);
}

static void group_table(struct buf *b, const char *title, const char *keyname, const struct kpi_group *g, size_t n,
                        size_t limit, int failing)
{
    buf_printf(b, "\n%s\n", title);
    if (!n) {
        buf_puts(b, "  (none)\n");
        return;
    }
    buf_puts(b, "  ");
    cell(b, keyname, 44, 1);
    buf_printf(b, "%8s %8s %7s %7s %9s %10s %10s\n", "attempts", "answered", "ASR", "NER", failing ? "failures" : "ACD",
               "PDD p50", "PDD p95");
    for (size_t i = 0; i < n && i < limit; i++) {
        const struct kpi_group *x = &g[i];
        char a[16], e[16], d[32], p50[32], p95[32];
        buf_puts(b, "  ");
        if (x->key[0]) {
            cell(b, x->key, 44, 1);
        } else {
            char tb[40];
            fmt_time_utc(tb, sizeof tb, x->bucket, 1);
            tb[19] = 0; /* whole seconds */
            cell(b, tb, 44, 1);
        }
        buf_printf(b, "%8llu %8llu %7s %7s ", (unsigned long long)x->c.attempts,
                   (unsigned long long)x->c.disp[DISP_ANSWERED], pct(a, sizeof a, x->asr), pct(e, sizeof e, x->ner));
        if (failing)
            buf_printf(b, "%9llu ", (unsigned long long)(x->c.completed - x->c.user_determined));
        else
            buf_printf(b, "%9s ", x->duration.n ? secs(d, sizeof d, x->duration.mean) : "-");
        buf_printf(b, "%10s %10s\n", x->pdd.n ? secs(p50, sizeof p50, x->pdd.p50) : "-",
                   x->pdd.n ? secs(p95, sizeof p95, x->pdd.p95) : "-");
    }
    if (n > limit)
        buf_printf(b, "  ... %zu more\n", n - limit);
}

static int cmp_failing(const void *a, const void *b)
{
    const struct kpi_group *x = a, *y = b;
    uint64_t fx = x->c.completed - x->c.user_determined, fy = y->c.completed - y->c.user_determined;
    if (fx != fy)
        return fx > fy ? -1 : 1;
    uint64_t ux = x->c.completed - x->c.disp[DISP_ANSWERED], uy = y->c.completed - y->c.disp[DISP_ANSWERED];
    if (ux != uy)
        return ux > uy ? -1 : 1;
    return strcmp(x->key, y->key);
}

static const char *map_short(uint8_t src)
{
    switch (src) {
    case SIPQ850_SEED: return "Table 1-26";
    case SIPQ850_RFC3398: return "RFC 3398";
    case SIPQ850_RFC4497: return "RFC 4497";
    default: return "no mapping";
    }
}

/* "17 User busy [mapped by Table 1-26]" for a call. */
static void cause_text(struct buf *b, const struct call_causes *cc)
{
    if (!cc->cause) {
        buf_puts(b, "-");
        return;
    }
    buf_printf(b, "%u %s [", cc->cause, q850_name(cc->cause));
    if (cc->cause_src == CAUSE_MAPPED)
        buf_printf(b, "mapped by %s", map_short(cc->mapped_src));
    else if (cc->cause_src == CAUSE_REASON)
        buf_puts(b, "Reason");
    else
        buf_puts(b, cc->release_kind == RELK_TIMEOUT ? "implied: timer B" : "implied: BYE");
    buf_putc(b, ']');
    if (cc->conflict)
        buf_printf(b, " CONFLICT: %s maps %u to %u %s", map_short(cc->mapped_src), cc->final_status, cc->mapped_cause,
                   q850_name(cc->mapped_cause));
}

static void msg_label_of(char *o, size_t n, const struct msg *m)
{
    if (m->is_request)
        snprintf(o, n, "%s", m->method ? sip_method_name((enum sip_method)m->method) : "request");
    else
        snprintf(o, n, "%u", m->status);
}

int report_text(const struct render_ctx *r, const struct kpi_report *k)
{
    const struct store *s = r->s;
    const struct kpi_group *o = &k->overall;
    struct buf b = {0};
    char t1[64], t2[64], t3[64];

    buf_puts(&b, "=== sipladder report ===\n");
    buf_printf(&b, "Input: %d file%s, %zu SIP message%s, %zu call%s (Call-IDs)\n", r->nfiles, r->nfiles == 1 ? "" : "s",
               s->nmsgs, s->nmsgs == 1 ? "" : "s", r->sel->ncalls, r->sel->ncalls == 1 ? "" : "s");
    buf_printf(&b, "INVITE attempts: %llu (%llu completed, %llu incomplete at the capture end; %llu retr%s in a new "
                   "Call-ID merged)\n",
               (unsigned long long)k->attempts, (unsigned long long)o->c.completed,
               (unsigned long long)o->c.disp[DISP_INCOMPLETE], (unsigned long long)k->retries_merged,
               k->retries_merged == 1 ? "y" : "ies");
    buf_printf(&b, "Not counted: %llu non-INVITE call%s, %llu call%s without their initial INVITE\n",
               (unsigned long long)k->non_invite_calls, k->non_invite_calls == 1 ? "" : "s",
               (unsigned long long)k->calls_without_invite, k->calls_without_invite == 1 ? "" : "s");
    buf_printf(&b, "Options: short call < %s, interval %s, retry window %s\n",
               secs(t1, sizeof t1, k->opts.short_call_ns), interval_str(t2, sizeof t2, k->opts.interval_ns),
               secs(t3, sizeof t3, k->opts.retry_window_ns));

    /* headline */
    buf_puts(&b, "\nKPIs (ITU-T E.411 / E.425; formulas in doc/kpi.md)\n");
    buf_printf(&b, "  %-13s%-9s(%llu answered / %llu completed attempts)\n", "ASR", pct(t1, sizeof t1, o->asr),
               (unsigned long long)o->c.disp[DISP_ANSWERED], (unsigned long long)o->c.completed);
    buf_printf(&b, "  %-13s%-9s(%llu answered, busy, no answer or rejected / %llu)\n", "NER",
               pct(t1, sizeof t1, o->ner), (unsigned long long)o->c.user_determined,
               (unsigned long long)o->c.completed);
    if (o->duration.n)
        buf_printf(&b, "  %-13s%-9s(mean over %zu answered call%s ended by a BYE)\n", "ACD (ALOC)",
                   secs(t1, sizeof t1, o->duration.mean), o->duration.n, o->duration.n == 1 ? "" : "s");
    else
        buf_printf(&b, "  %-13s%-9s(no answered call ended by a BYE)\n", "ACD (ALOC)", "-");
    buf_printf(&b, "  %-13s%-9s(%llu of %llu ended calls shorter than %s)\n", "Short calls",
               pct(t1, sizeof t1, o->short_ratio), (unsigned long long)o->c.short_calls,
               (unsigned long long)o->c.ended, secs(t2, sizeof t2, k->opts.short_call_ns));
    stat_line(&b, "PDD (SRD)", &o->pdd, "attempts with an 18x or 2xx");
    stat_line(&b, "Setup time", &o->setup, "answered attempts");
    stat_line(&b, "Duration", &o->duration, "answered calls ended by a BYE");

    /* dispositions */
    buf_puts(&b, "\nDispositions\n");
    buf_printf(&b, "  %-22s %8s %7s\n", "disposition", "attempts", "%");
    for (int d = 0; d < DISP__COUNT; d++)
        buf_printf(&b, "  %-22s %8llu %7.1f\n", disposition_label((enum disposition)d),
                   (unsigned long long)o->c.disp[d], share(o->c.disp[d], o->c.attempts));

    /* final SIP codes */
    buf_puts(&b, "\nFinal SIP status (completed attempts)\n");
    buf_printf(&b, "  %4s  %-34s %8s %7s\n", "code", "phrase (RFC 3261)", "attempts", "%");
    for (size_t i = 0; i < k->nstatuses; i++) {
        const struct kpi_status_count *x = &k->statuses[i];
        buf_printf(&b, "  %4s  %-34s %8llu %7.1f\n", x->status ? (snprintf(t1, sizeof t1, "%u", x->status), t1) : "-",
                   status_phrase(x->status), (unsigned long long)x->n, share(x->n, o->c.completed));
    }
    if (!k->nstatuses)
        buf_puts(&b, "  (none)\n");

    /* causes */
    buf_printf(&b, "\nQ.850 causes (from a Reason header, else mapped from the SIP status, else implied; %s)\n",
               q850_reference());
    buf_printf(&b, "  %5s %8s %7s %6s %6s %7s  %-33s %s\n", "cause", "attempts", "%", "reason", "mapped", "implied",
               "class", "name");
    for (size_t i = 0; i < k->ncauses; i++) {
        const struct kpi_cause_count *x = &k->causes[i];
        buf_printf(&b, "  %5s %8llu %7.1f %6llu %6llu %7llu  %-33s %s\n",
                   x->cause ? (snprintf(t1, sizeof t1, "%u", x->cause), t1) : "-", (unsigned long long)x->n,
                   share(x->n, o->c.completed), (unsigned long long)x->from_reason, (unsigned long long)x->mapped,
                   (unsigned long long)x->implied, x->cause ? q850_class_name(q850_class(x->cause)) : "",
                   x->cause ? q850_name(x->cause) : "(no cause)");
    }
    if (!k->ncauses)
        buf_puts(&b, "  (none)\n");

    /* matrix */
    buf_puts(&b, "\nSIP status x Q.850 cause (completed attempts)\n");
    if (!k->nmatrix) {
        buf_puts(&b, "  (none)\n");
    } else {
        buf_printf(&b, "  %-6s", "code");
        for (size_t i = 0; i < k->ncauses; i++)
            buf_printf(&b, " %5s", k->causes[i].cause ? (snprintf(t1, sizeof t1, "%u", k->causes[i].cause), t1) : "-");
        buf_putc(&b, '\n');
        for (size_t i = 0; i < k->nstatuses; i++) {
            uint16_t st = k->statuses[i].status;
            buf_printf(&b, "  %-6s", st ? (snprintf(t1, sizeof t1, "%u", st), t1) : "-");
            for (size_t j = 0; j < k->ncauses; j++) {
                uint64_t n = 0;
                for (size_t m = 0; m < k->nmatrix; m++)
                    if (k->matrix[m].status == st && k->matrix[m].cause == k->causes[j].cause)
                        n = k->matrix[m].n;
                if (n)
                    buf_printf(&b, " %5llu", (unsigned long long)n);
                else
                    buf_printf(&b, " %5s", ".");
            }
            buf_putc(&b, '\n');
        }
    }
    buf_printf(&b, "  Reason cause disagreeing with the mapping on the final response: %llu attempt%s\n",
               (unsigned long long)k->conflicts, k->conflicts == 1 ? "" : "s");
    if (k->multi_finals)
        buf_printf(&b, "  Two different final responses on one INVITE transaction: %llu call%s\n",
                   (unsigned long long)k->multi_finals, k->multi_finals == 1 ? "" : "s");

    /* Reason anomalies */
    buf_printf(&b, "\nReason headers (RFC 3326): %llu value%s, %llu with anomalies\n",
               (unsigned long long)k->reason_values, k->reason_values == 1 ? "" : "s",
               (unsigned long long)k->reason_anom_values);
    for (unsigned a = 0; a < REASON_ANOM__COUNT; a++)
        if (k->reason_anoms[a])
            buf_printf(&b, "  %-20s %6llu  %s\n", reason_anom_name((enum reason_anom)a),
                       (unsigned long long)k->reason_anoms[a], reason_anom_text((enum reason_anom)a));
    for (size_t i = 0; i < k->natt; i++) {
        const struct call_causes *cc = &k->att[i].cc;
        for (size_t j = 0; j < cc->nreasons; j++) {
            const struct call_reason *x = &cc->reasons[j];
            if (!x->anoms)
                continue;
            const struct msg *m = &s->msgs[x->msg];
            char lab[32];
            msg_label_of(lab, sizeof lab, m);
            buf_printf(&b, "  frame %llu %s: Reason: ", (unsigned long long)m->frame, lab);
            buf_put_escaped(&b, m->buf + x->raw.off, x->raw.len > 120 ? 120 : x->raw.len);
            buf_puts(&b, "  [");
            int first = 1;
            for (unsigned a = 0; a < REASON_ANOM__COUNT; a++)
                if (x->anoms & (1u << a)) {
                    buf_printf(&b, "%s%s", first ? "" : ", ", reason_anom_name((enum reason_anom)a));
                    first = 0;
                }
            buf_puts(&b, "]  [");
            const struct call *ac = &s->calls[cc->call];
            buf_put_escaped(&b, ac->call_id, ac->call_id_len > 80 ? 80 : ac->call_id_len);
            buf_puts(&b, "]\n");
        }
    }

    /* peers, top failing first */
    struct kpi_group *fp = xcalloc(k->npeers ? k->npeers : 1, sizeof(*fp));
    if (k->npeers)
        memcpy(fp, k->peers, k->npeers * sizeof(*fp));
    qsort(fp, k->npeers, sizeof(*fp), cmp_failing);
    group_table(&b, "Top failing peers (failures: completed attempts not answered, busy, no answer or rejected)", "peer (lane pair)", fp,
                k->npeers, TOP_PEERS, 1);
    free(fp);
    group_table(&b, "By peer", "peer (lane pair)", k->peers, k->npeers, (size_t)-1, 0);
    group_table(&b, "By direction", "caller lane -> callee lane", k->directions, k->ndirections, (size_t)-1, 0);
    group_table(&b, "By From domain", "From domain", k->from_domains, k->nfrom_domains, (size_t)-1, 0);
    group_table(&b, "By To domain", "To domain", k->to_domains, k->nto_domains, (size_t)-1, 0);
    char title[96];
    snprintf(title, sizeof title, "By time (interval %s; buckets start at UTC multiples of it)",
             interval_str(t1, sizeof t1, k->opts.interval_ns));
    group_table(&b, title, "bucket start (UTC)", k->buckets, k->nbuckets, (size_t)-1, 0);
    fwrite(b.p, 1, b.n, r->out);
    buf_reset(&b);

    /* failed calls */
    size_t nf = 0;
    for (size_t i = 0; i < k->natt; i++) {
        const struct kpi_attempt *t = &k->att[i];
        if (!t->counted || t->cc.disposition == DISP_ANSWERED || t->cc.disposition == DISP_INCOMPLETE)
            continue;
        if (!nf++) {
            buf_puts(&b, "\nFailed calls (completed, not answered)\n  ");
            cell(&b, "time (UTC)", 23, 1);
            buf_printf(&b, "%4s ", "code");
            cell(&b, "disposition", 19, 1);
            cell(&b, "released by", 24, 1);
            cell(&b, "from", 26, 1);
            cell(&b, "to", 26, 1);
            buf_puts(&b, "Q.850 cause [source]  [Call-ID]\n");
        }
        const struct call_causes *cc = &t->cc;
        char tb[64];
        fmt_time_utc(tb, sizeof tb, t->start, 1);
        tb[23] = 0; /* milliseconds */
        buf_puts(&b, "  ");
        cell(&b, tb, 23, 1);
        buf_printf(&b, "%4s ", cc->final_status ? (snprintf(t1, sizeof t1, "%u", cc->final_status), t1) : "-");
        cell(&b, disposition_label((enum disposition)cc->disposition), 19, 1);
        snprintf(t2, sizeof t2, "%s%s%s%s", cc->release_side ? rel_side_name((enum rel_side)cc->release_side) : "-",
                 cc->release_kind ? " (" : "", rel_kind_name((enum rel_kind)cc->release_kind), cc->release_kind ? ")" : "");
        cell(&b, t2, 24, 1);
        cell(&b, t->from, 26, 1);
        cell(&b, t->to, 26, 1);
        cause_text(&b, cc);
        buf_puts(&b, "  [");
        const struct call *c = &s->calls[cc->call];
        buf_put_escaped(&b, c->call_id, c->call_id_len > 80 ? 80 : c->call_id_len);
        buf_puts(&b, "]\n");
        fwrite(b.p, 1, b.n, r->out);
        buf_reset(&b);
    }
    if (!nf)
        buf_puts(&b, "\nFailed calls: none\n");
    fwrite(b.p ? b.p : "", 1, b.n, r->out);
    buf_free(&b);
    return ferror(r->out) ? -1 : 0;
}

/* ---- JSON ---------------------------------------------------------------------- */

static json_t *jstr(const void *p, size_t n)
{
    struct buf b = {0};
    buf_put_utf8_clean(&b, p, n);
    json_t *j = json_stringn(b.p ? b.p : "", b.n);
    buf_free(&b);
    return j ? j : json_string("");
}

static json_t *jcstr(const char *s)
{
    return jstr(s, strlen(s));
}

static json_t *jsecs(int64_t ns)
{
    return json_real((double)ns / 1e9);
}

static json_t *jratio(double r)
{
    return r < 0 ? json_null() : json_real(r);
}

static int dump(FILE *out, json_t *j)
{
    int rc = json_dumpf(j, out, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(j);
    return rc;
}

static json_t *stat_json(const struct kpi_stat *st)
{
    if (!st->n)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "n", json_integer((json_int_t)st->n));
    json_object_set_new(o, "mean", jsecs(st->mean));
    json_object_set_new(o, "p50", jsecs(st->p50));
    json_object_set_new(o, "p95", jsecs(st->p95));
    json_object_set_new(o, "p99", jsecs(st->p99));
    json_object_set_new(o, "min", jsecs(st->min));
    json_object_set_new(o, "max", jsecs(st->max));
    return o;
}

static json_t *group_json(const struct kpi_group *g, int with_key, int with_bucket)
{
    json_t *o = json_object();
    if (with_key)
        json_object_set_new(o, "key", jcstr(g->key));
    if (with_bucket)
        json_object_set_new(o, "start", jsecs(g->bucket));
    json_object_set_new(o, "attempts", json_integer((json_int_t)g->c.attempts));
    json_object_set_new(o, "completed", json_integer((json_int_t)g->c.completed));
    json_object_set_new(o, "answered", json_integer((json_int_t)g->c.disp[DISP_ANSWERED]));
    json_object_set_new(o, "user_determined", json_integer((json_int_t)g->c.user_determined));
    json_t *d = json_object();
    for (int i = 0; i < DISP__COUNT; i++)
        json_object_set_new(d, disposition_name((enum disposition)i), json_integer((json_int_t)g->c.disp[i]));
    json_object_set_new(o, "dispositions", d);
    json_object_set_new(o, "asr", jratio(g->asr));
    json_object_set_new(o, "ner", jratio(g->ner));
    json_object_set_new(o, "acd", g->duration.n ? jsecs(g->duration.mean) : json_null());
    json_object_set_new(o, "aloc", g->duration.n ? jsecs(g->duration.mean) : json_null());
    json_t *sc = json_object();
    json_object_set_new(sc, "count", json_integer((json_int_t)g->c.short_calls));
    json_object_set_new(sc, "ended", json_integer((json_int_t)g->c.ended));
    json_object_set_new(sc, "ratio", jratio(g->short_ratio));
    json_object_set_new(o, "short_calls", sc);
    json_object_set_new(o, "pdd", stat_json(&g->pdd));
    json_object_set_new(o, "setup", stat_json(&g->setup));
    json_object_set_new(o, "duration", stat_json(&g->duration));
    return o;
}

static json_t *groups_json(const struct kpi_group *g, size_t n, int bucket)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, group_json(&g[i], !bucket, bucket));
    return a;
}

static json_t *cause_obj(unsigned cause)
{
    json_t *o = json_object();
    json_object_set_new(o, "cause", json_integer(cause));
    json_object_set_new(o, "name", json_string(q850_name(cause)));
    json_object_set_new(o, "class", json_string(q850_class_name(q850_class(cause))));
    return o;
}

static json_t *call_json(const struct render_ctx *r, const struct kpi_report *k, const struct kpi_attempt *t)
{
    const struct store *s = r->s;
    const struct call_causes *cc = &t->cc;
    const struct call *c = &s->calls[cc->call];
    char eb[80];
    json_t *o = json_object();
    json_object_set_new(o, "call_id", jstr(c->call_id, c->call_id_len));
    json_object_set_new(o, "start", jsecs(cc->start));
    json_object_set_new(o, "counted", json_boolean(t->counted));
    if (t->merged_into != NONE) {
        const struct call *mc = &s->calls[k->att[t->merged_into].cc.call];
        json_object_set_new(o, "merged_into", jstr(mc->call_id, mc->call_id_len));
    } else {
        json_object_set_new(o, "merged_into", json_null());
    }
    json_object_set_new(o, "retries", json_integer(t->retries));
    json_object_set_new(o, "from", jcstr(t->from));
    json_object_set_new(o, "to", jcstr(t->to));
    json_object_set_new(o, "from_domain", jcstr(t->from_domain));
    json_object_set_new(o, "to_domain", jcstr(t->to_domain));
    json_object_set_new(o, "caller", cc->caller.family ? json_string(endpoint_str(&cc->caller, eb, sizeof eb)) : json_null());
    json_object_set_new(o, "callee", cc->callee.family ? json_string(endpoint_str(&cc->callee, eb, sizeof eb)) : json_null());
    json_object_set_new(o, "peer", jcstr(t->peer));
    json_object_set_new(o, "direction", jcstr(t->direction));
    json_object_set_new(o, "disposition", json_string(disposition_name((enum disposition)cc->disposition)));
    json_object_set_new(o, "final_status", cc->final_status ? json_integer(cc->final_status) : json_null());
    if (cc->cause) {
        json_t *q = cause_obj(cc->cause);
        json_object_set_new(q, "source", json_string(cause_src_name((enum cause_src)cc->cause_src)));
        if (cc->cause_msg != NONE)
            json_object_set_new(q, "frame", json_integer((json_int_t)s->msgs[cc->cause_msg].frame));
        json_object_set_new(o, "q850", q);
    } else {
        json_object_set_new(o, "q850", json_null());
    }
    if (cc->mapped_cause) {
        json_t *mp = cause_obj(cc->mapped_cause);
        json_object_set_new(mp, "source", json_string(sipq850_source_id((enum sipq850_source)cc->mapped_src)));
        json_object_set_new(o, "mapped", mp);
    } else {
        json_object_set_new(o, "mapped", json_null());
    }
    json_object_set_new(o, "conflict", json_boolean(cc->conflict));
    if (cc->release_kind) {
        json_t *rl = json_object();
        json_object_set_new(rl, "side", cc->release_side ? json_string(rel_side_name((enum rel_side)cc->release_side)) : json_null());
        json_object_set_new(rl, "by", json_string(rel_kind_name((enum rel_kind)cc->release_kind)));
        json_object_set_new(rl, "time", jsecs(cc->release_ts));
        json_object_set_new(rl, "frame", cc->release_msg != NONE ? json_integer((json_int_t)s->msgs[cc->release_msg].frame)
                                                                 : json_null());
        json_object_set_new(o, "release", rl);
    } else {
        json_object_set_new(o, "release", json_null());
    }
    json_object_set_new(o, "pdd", t->pdd >= 0 ? jsecs(t->pdd) : json_null());
    json_object_set_new(o, "setup", t->setup >= 0 ? jsecs(t->setup) : json_null());
    json_object_set_new(o, "duration", t->duration >= 0 ? jsecs(t->duration) : json_null());
    if (cc->multi_final[0]) {
        json_t *mf = json_array();
        json_array_append_new(mf, json_integer(cc->multi_final[0]));
        json_array_append_new(mf, json_integer(cc->multi_final[1]));
        json_object_set_new(o, "two_finals", mf);
    } else {
        json_object_set_new(o, "two_finals", json_null());
    }
    json_t *rs = json_array();
    for (size_t i = 0; i < cc->nreasons; i++) {
        const struct call_reason *x = &cc->reasons[i];
        const struct msg *m = &s->msgs[x->msg];
        char lab[32];
        msg_label_of(lab, sizeof lab, m);
        json_t *ro = json_object();
        json_object_set_new(ro, "frame", json_integer((json_int_t)m->frame));
        json_object_set_new(ro, "file", json_integer(m->file));
        json_object_set_new(ro, "message", json_string(lab));
        json_object_set_new(ro, "value", jstr(m->buf + x->raw.off, x->raw.len));
        json_object_set_new(ro, "protocol", jstr(m->buf + x->protocol.off, x->protocol.len));
        json_object_set_new(ro, "cause", x->has_cause ? json_integer(x->cause) : json_null());
        if (x->has_cause && x->proto == REASON_P_Q850 && x->cause >= 1 && x->cause <= Q850_MAX)
            json_object_set_new(ro, "name", json_string(q850_name(x->cause)));
        if (x->has_text) {
            struct buf tb = {0};
            reason_text_put(&tb, (struct slice){m->buf + x->text.off, x->text.len});
            json_object_set_new(ro, "text", jstr(tb.p ? tb.p : "", tb.n));
            buf_free(&tb);
        } else {
            json_object_set_new(ro, "text", json_null());
        }
        json_t *an = json_array();
        for (unsigned a = 0; a < REASON_ANOM__COUNT; a++)
            if (x->anoms & (1u << a))
                json_array_append_new(an, json_string(reason_anom_name((enum reason_anom)a)));
        json_object_set_new(ro, "anomalies", an);
        json_array_append_new(rs, ro);
    }
    json_object_set_new(o, "reasons", rs);
    return o;
}

int report_json(const struct render_ctx *r, const struct kpi_report *k)
{
    FILE *out = r->out;
    const struct kpi_group *o = &k->overall;
    fputs("{\"schema\":\"" SCHEMA "\",\"files\":[", out);
    for (int i = 0; i < r->nfiles; i++) {
        const struct capture_file_info *fi = &r->files[i];
        json_t *f = json_object();
        json_object_set_new(f, "name", jcstr(fi->name));
        json_object_set_new(f, "frames", json_integer((json_int_t)fi->frames));
        json_object_set_new(f, "error", json_boolean(fi->error));
        json_object_set_new(f, "truncated", json_boolean(fi->truncated));
        if (i)
            fputc(',', out);
        dump(out, f);
    }
    fputs("],\n\"options\":", out);
    json_t *op = json_object();
    json_object_set_new(op, "short_call", jsecs(k->opts.short_call_ns));
    json_object_set_new(op, "interval", jsecs(k->opts.interval_ns));
    json_object_set_new(op, "retry_window", jsecs(k->opts.retry_window_ns));
    dump(out, op);

    fputs(",\n\"summary\":", out);
    json_t *sm = json_object();
    json_object_set_new(sm, "sip_messages", json_integer((json_int_t)r->s->nmsgs));
    json_object_set_new(sm, "calls", json_integer((json_int_t)r->sel->ncalls));
    json_object_set_new(sm, "attempts", json_integer((json_int_t)k->attempts));
    json_object_set_new(sm, "completed", json_integer((json_int_t)o->c.completed));
    json_object_set_new(sm, "incomplete", json_integer((json_int_t)o->c.disp[DISP_INCOMPLETE]));
    json_object_set_new(sm, "retries_merged", json_integer((json_int_t)k->retries_merged));
    json_object_set_new(sm, "non_invite_calls", json_integer((json_int_t)k->non_invite_calls));
    json_object_set_new(sm, "calls_without_invite", json_integer((json_int_t)k->calls_without_invite));
    dump(out, sm);

    fputs(",\n\"kpi\":", out);
    dump(out, group_json(o, 0, 0));

    fputs(",\n\"sip_status\":", out);
    json_t *ss = json_array();
    for (size_t i = 0; i < k->nstatuses; i++) {
        const struct kpi_status_count *x = &k->statuses[i];
        json_t *e = json_object();
        json_object_set_new(e, "code", x->status ? json_integer(x->status) : json_null());
        json_object_set_new(e, "phrase", json_string(status_phrase(x->status)));
        json_object_set_new(e, "count", json_integer((json_int_t)x->n));
        json_object_set_new(e, "percent", json_real(share(x->n, o->c.completed)));
        json_array_append_new(ss, e);
    }
    dump(out, ss);

    fputs(",\n\"q850_causes\":", out);
    json_t *cs = json_array();
    for (size_t i = 0; i < k->ncauses; i++) {
        const struct kpi_cause_count *x = &k->causes[i];
        json_t *e = x->cause ? cause_obj(x->cause) : json_object();
        if (!x->cause) {
            json_object_set_new(e, "cause", json_null());
            json_object_set_new(e, "name", json_string("no cause"));
        }
        json_object_set_new(e, "count", json_integer((json_int_t)x->n));
        json_object_set_new(e, "percent", json_real(share(x->n, o->c.completed)));
        json_object_set_new(e, "from_reason", json_integer((json_int_t)x->from_reason));
        json_object_set_new(e, "mapped", json_integer((json_int_t)x->mapped));
        json_object_set_new(e, "implied", json_integer((json_int_t)x->implied));
        json_array_append_new(cs, e);
    }
    dump(out, cs);

    fputs(",\n\"matrix\":", out);
    json_t *mx = json_array();
    for (size_t i = 0; i < k->nmatrix; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "code", k->matrix[i].status ? json_integer(k->matrix[i].status) : json_null());
        json_object_set_new(e, "cause", k->matrix[i].cause ? json_integer(k->matrix[i].cause) : json_null());
        json_object_set_new(e, "count", json_integer((json_int_t)k->matrix[i].n));
        json_array_append_new(mx, e);
    }
    dump(out, mx);

    fprintf(out, ",\n\"conflicts\":%llu,\n\"two_finals\":%llu", (unsigned long long)k->conflicts,
            (unsigned long long)k->multi_finals);

    fputs(",\n\"reason_anomalies\":", out);
    json_t *ra = json_object();
    json_object_set_new(ra, "values", json_integer((json_int_t)k->reason_values));
    json_object_set_new(ra, "with_anomalies", json_integer((json_int_t)k->reason_anom_values));
    json_t *bk = json_object();
    for (unsigned a = 0; a < REASON_ANOM__COUNT; a++)
        if (k->reason_anoms[a])
            json_object_set_new(bk, reason_anom_name((enum reason_anom)a), json_integer((json_int_t)k->reason_anoms[a]));
    json_object_set_new(ra, "by_kind", bk);
    dump(out, ra);

    fputs(",\n\"top_failing_peers\":", out);
    struct kpi_group *fp = xcalloc(k->npeers ? k->npeers : 1, sizeof(*fp));
    if (k->npeers)
        memcpy(fp, k->peers, k->npeers * sizeof(*fp));
    qsort(fp, k->npeers, sizeof(*fp), cmp_failing);
    json_t *tf = json_array();
    for (size_t i = 0; i < k->npeers && i < TOP_PEERS; i++) {
        json_t *g = group_json(&fp[i], 1, 0);
        json_object_set_new(g, "failures", json_integer((json_int_t)(fp[i].c.completed - fp[i].c.user_determined)));
        json_array_append_new(tf, g);
    }
    free(fp);
    dump(out, tf);

    fputs(",\n\"breakdowns\":{\"peer\":", out);
    dump(out, groups_json(k->peers, k->npeers, 0));
    fputs(",\n\"direction\":", out);
    dump(out, groups_json(k->directions, k->ndirections, 0));
    fputs(",\n\"from_domain\":", out);
    dump(out, groups_json(k->from_domains, k->nfrom_domains, 0));
    fputs(",\n\"to_domain\":", out);
    dump(out, groups_json(k->to_domains, k->nto_domains, 0));
    fputs(",\n\"time\":", out);
    dump(out, groups_json(k->buckets, k->nbuckets, 1));
    fputs("},\n\"failed_calls\":", out);
    json_t *fc = json_array();
    for (size_t i = 0; i < k->natt; i++) {
        const struct kpi_attempt *t = &k->att[i];
        if (t->counted && t->cc.disposition != DISP_ANSWERED && t->cc.disposition != DISP_INCOMPLETE)
            json_array_append_new(fc, json_integer((json_int_t)i));
    }
    dump(out, fc);
    fputs(",\n\"calls\":[\n", out);
    for (size_t i = 0; i < k->natt; i++) {
        if (i)
            fputs(",\n", out);
        dump(out, call_json(r, k, &k->att[i]));
    }
    fputs("\n]}\n", out);
    return ferror(out) ? -1 : 0;
}
