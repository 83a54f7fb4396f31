/*
 * live.c - call summaries, --keep rules, safe file names, per-call pcaps,
 * the open-call cap and -Z for `sipladder live` (see live.h).
 */
#include "src/live.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "dissect/sip.h"
#include "src/base/util.h"
#include "src/media.h"
#include "src/pcapwrite.h"
#include "src/rtpstats.h"

live_media_fn live_media_summary;
void *live_media_ctx;

const char *live_end_name(enum live_end e)
{
    switch (e) {
    case LIVE_END_FINAL:
        return "final";
    case LIVE_END_IDLE:
        return "idle_timeout";
    case LIVE_END_SHED:
        return "shed";
    case LIVE_END_STOP:
        return "stopped";
    }
    return "?";
}

/* ---- call summary ------------------------------------------------------ */

static int ci_eq(const char *a, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    if (n != l)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower((uint8_t)a[i]) != ascii_lower((uint8_t)lit[i]))
            return 0;
    return 1;
}

int live_q850_cause(const char *reason, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* one reason-value: protocol *( ; param ) up to a comma outside quotes */
        size_t j = i;
        int inq = 0;
        while (j < n && (inq || reason[j] != ',')) {
            if (reason[j] == '"')
                inq = !inq;
            else if (reason[j] == '\\' && inq && j + 1 < n)
                j++;
            j++;
        }
        size_t a = i, b = i;
        while (a < j && is_lws((uint8_t)reason[a]))
            a++;
        b = a;
        while (b < j && reason[b] != ';' && !is_lws((uint8_t)reason[b]))
            b++;
        if (ci_eq(reason + a, b - a, "Q.850")) {
            /* find ;cause=N (not inside a quoted text) */
            int q = 0;
            for (size_t k = b; k < j; k++) {
                if (reason[k] == '"')
                    q = !q;
                else if (reason[k] == '\\' && q && k + 1 < j)
                    k++;
                if (q || reason[k] != ';')
                    continue;
                size_t p = k + 1;
                while (p < j && is_lws((uint8_t)reason[p]))
                    p++;
                if (j - p >= 5 && ci_eq(reason + p, 5, "cause")) {
                    p += 5;
                    while (p < j && is_lws((uint8_t)reason[p]))
                        p++;
                    if (p < j && reason[p] == '=') {
                        p++;
                        while (p < j && is_lws((uint8_t)reason[p]))
                            p++;
                        int v = 0, d = 0;
                        while (p < j && reason[p] >= '0' && reason[p] <= '9' && d < 4) {
                            v = v * 10 + (reason[p] - '0');
                            p++;
                            d++;
                        }
                        if (d)
                            return v;
                    }
                }
            }
        }
        i = j + 1;
    }
    return -1;
}

/* The first Reason header value of message `mi` into ci->reason; 1 if found. */
static int reason_of(const struct store *s, uint32_t mi, struct live_call_info *ci)
{
    if (mi == NONE || mi >= s->nmsgs)
        return 0;
    const struct msg *m = &s->msgs[mi];
    size_t maxh = s->lim->max_headers ? s->lim->max_headers : 1;
    struct sip_hdr *h = xcalloc(maxh, sizeof(*h));
    struct sip_msg sm;
    int found = 0;
    if (msg_parse(m, &sm, h, maxh) == SIP_OK) {
        struct slice v = slice_trim(sip_hdr_first(&sm, m->buf, SIP_H_REASON));
        if (v.p && v.n) {
            size_t k = v.n < sizeof ci->reason - 1 ? v.n : sizeof ci->reason - 1;
            memcpy(ci->reason, v.p, k);
            ci->reason[k] = 0;
            for (size_t i = 0; i < k; i++) /* a NUL inside would cut the text: make it visible instead */
                if (!ci->reason[i])
                    ci->reason[i] = '?';
            found = 1;
        }
    }
    free(h);
    return found;
}

void live_call_info(const struct store *s, const struct call *c, enum live_end end, struct live_call_info *ci)
{
    memset(ci, 0, sizeof(*ci));
    ci->end = end;
    ci->start = c->nmsgs ? s->msgs[c->first_msg].ts : 0;
    ci->last = ci->start;
    for (size_t i = 0; i < c->nmsgs; i++)
        if (s->msgs[c->msgs[i]].ts > ci->last)
            ci->last = s->msgs[c->msgs[i]].ts;
    ci->state = c->state;
    ci->progress = c->progress;
    ci->answered = c->answer_msg != NONE;
    ci->is_invite = c->is_invite;
    ci->final_code = c->final_status;
    ci->pdd = ci->setup = ci->duration = -1;
    int64_t t0 = c->invite_msg != NONE ? s->msgs[c->invite_msg].ts : 0;
    if (c->invite_msg != NONE && c->ring_msg != NONE)
        ci->pdd = s->msgs[c->ring_msg].ts - t0;
    if (c->invite_msg != NONE && c->answer_msg != NONE)
        ci->setup = s->msgs[c->answer_msg].ts - t0;
    if (c->bye_msg != NONE && c->answer_msg != NONE) {
        uint32_t st = c->ack_msg != NONE ? c->ack_msg : c->answer_msg;
        ci->duration = s->msgs[c->bye_msg].ts - s->msgs[st].ts;
    }
    /* where the Reason header that explains the end is: the BYE of a
     * completed call, else the failure response, then CANCEL */
    uint32_t order[3];
    if (c->state == CALL_COMPLETED) {
        order[0] = c->bye_msg;
        order[1] = c->final_status >= 300 ? c->final_msg : NONE;
        order[2] = c->cancel_msg;
    } else {
        order[0] = c->final_status >= 300 ? c->final_msg : NONE;
        order[1] = c->cancel_msg;
        order[2] = c->bye_msg;
    }
    for (int i = 0; i < 3; i++)
        if (reason_of(s, order[i], ci))
            break;
    ci->q850_cause = ci->reason[0] ? live_q850_cause(ci->reason, strlen(ci->reason)) : -1;
    if (c->final_msg != NONE && c->final_msg < s->nmsgs) {
        const struct msg *m = &s->msgs[c->final_msg];
        struct sip_msg sm;
        struct sip_hdr h[1];
        if (msg_parse(m, &sm, h, 0) == SIP_OK && !sm.is_request) {
            size_t k = sm.reason.len < sizeof ci->phrase - 1 ? sm.reason.len : sizeof ci->phrase - 1;
            memcpy(ci->phrase, m->buf + sm.reason.off, k);
            ci->phrase[k] = 0;
            for (size_t i = 0; i < k; i++)
                if (!ci->phrase[i])
                    ci->phrase[i] = '?';
        }
    }
}

void live_call_media(const struct media *md, const struct call *c, struct live_call_info *ci)
{
    ci->media[0] = 0;
    ci->one_way = 0;
    const struct media_call *mc = md ? media_call_find(md, c->call_id, c->call_id_len) : NULL;
    if (!mc)
        return;
    char codecs[64] = "";
    size_t rtp = 0;
    double worst_loss = -1, worst_mos = -1;
    for (size_t i = 0; i < mc->nstreams; i++) {
        const struct media_stream *ms = &md->streams[mc->streams[i]];
        if (ms->kind != MK_RTP || ms->packets < 2)
            continue;
        rtp++;
        struct rtp_result res;
        rtp_stats_result(&ms->st, &res);
        if (res.loss_pct > worst_loss)
            worst_loss = res.loss_pct;
        if (worst_mos < 0 || res.mos < worst_mos)
            worst_mos = res.mos;
        if (ms->codec[0] && !strstr(codecs, ms->codec)) {
            size_t l = strlen(codecs);
            snprintf(codecs + l, sizeof codecs - l, "%s%s", l ? "," : "", ms->codec);
        }
    }
    int n = 0;
    if (rtp)
        n = snprintf(ci->media, sizeof ci->media, "%s %zu stream%s loss %.1f%% MOS %.1f", codecs[0] ? codecs : "RTP",
                     rtp, rtp == 1 ? "" : "s", worst_loss < 0 ? 0.0 : worst_loss, worst_mos < 0 ? 0.0 : worst_mos);
    const char *ow = media_one_way(md, mc, c->answer_msg != NONE);
    if (ow && n >= 0 && (size_t)n < sizeof ci->media) {
        int expected = media_one_way_expected(mc);
        snprintf(ci->media + n, sizeof ci->media - (size_t)n, "%s%s%s%s", n ? ", " : "",
                 strcmp(ow, "no media") ? "one-way: " : "", ow, expected ? ", as negotiated" : "");
        ci->one_way = !expected;
    }
}

/* ---- --keep -------------------------------------------------------------- */

static int parse_ms(const char *v, int default_seconds, int64_t *ns)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || errno || d < 0 || d > 1e9)
        return -1;
    double mult;
    if (*end == 0)
        mult = default_seconds ? 1e9 : 1e6;
    else if (strcmp(end, "ms") == 0)
        mult = 1e6;
    else if (strcmp(end, "s") == 0)
        mult = 1e9;
    else
        return -1;
    *ns = (int64_t)(d * mult);
    return 0;
}

static int parse_one(struct keep_rule *r, const char *t, char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    if (!strcmp(t, "all"))
        r->kind = KEEP_ALL;
    else if (!strcmp(t, "failed"))
        r->kind = KEEP_FAILED;
    else if (!strcmp(t, "answered"))
        r->kind = KEEP_ANSWERED;
    else if (!strcmp(t, "cancelled") || !strcmp(t, "canceled"))
        r->kind = KEEP_CANCELLED;
    else if (!strcmp(t, "incomplete"))
        r->kind = KEEP_INCOMPLETE;
    else if (!strcmp(t, "one-way") || !strcmp(t, "oneway"))
        r->kind = KEEP_ONE_WAY;
    else if (!strncmp(t, "state=", 6)) {
        r->kind = KEEP_STATE;
        r->v = -1;
        for (int i = 0; i < CALL__STATE_COUNT; i++)
            if (!strcmp(t + 6, call_state_name((enum call_state)i)))
                r->v = i;
        if (r->v < 0) {
            snprintf(err, errlen, "unknown state '%s' (calling, ringing, in_call, completed, cancelled, rejected, "
                                  "busy, redirected, failed, not_finished)", t + 6);
            return -1;
        }
    } else if (!strncmp(t, "code=", 5)) {
        const char *v = t + 5;
        if (strlen(v) == 3 && v[0] >= '1' && v[0] <= '6' && (v[1] == 'x' || v[1] == 'X') &&
            (v[2] == 'x' || v[2] == 'X')) {
            r->kind = KEEP_CODE_CLASS;
            r->v = v[0] - '0';
        } else if (strlen(v) == 3 && v[0] >= '1' && v[0] <= '6' && v[1] >= '0' && v[1] <= '9' && v[2] >= '0' &&
                   v[2] <= '9') {
            r->kind = KEEP_CODE;
            r->v = atoi(v);
        } else {
            snprintf(err, errlen, "bad code '%s' (a status code like 503, or a class like 5xx)", v);
            return -1;
        }
    } else if (!strncmp(t, "cause=", 6)) {
        const char *v = t + 6;
        char *end;
        long n = strtol(v, &end, 10);
        if (end == v || *end || n < 0 || n > 127) {
            snprintf(err, errlen, "bad cause '%s' (a Q.850 cause number, 0-127)", v);
            return -1;
        }
        r->kind = KEEP_CAUSE;
        r->v = n;
    } else if (!strncmp(t, "pdd>", 4)) {
        r->kind = KEEP_PDD_GT;
        if (parse_ms(t + 4, 0, &r->v) != 0) {
            snprintf(err, errlen, "bad pdd '%s' (milliseconds, e.g. pdd>3000 or pdd>3s)", t + 4);
            return -1;
        }
    } else if (!strncmp(t, "duration>", 9) || !strncmp(t, "duration<", 9)) {
        r->kind = t[8] == '>' ? KEEP_DUR_GT : KEEP_DUR_LT;
        if (parse_ms(t + 9, 1, &r->v) != 0) {
            snprintf(err, errlen, "bad duration '%s' (seconds, e.g. duration<2 or duration>3600)", t + 9);
            return -1;
        }
    } else {
        snprintf(err, errlen, "unknown --keep rule '%s' (all, failed, answered, cancelled, incomplete, state=NAME, "
                              "code=NNN, code=Nxx, cause=N, pdd>MS, duration>S, duration<S, one-way)", t);
        return -1;
    }
    return 0;
}

int keep_parse(struct keep_rules *k, const char *spec, char *err, size_t errlen)
{
    char *copy = xstrdup(spec), *save = NULL;
    int rc = 0, any = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        size_t l = strlen(t);
        while (l && t[l - 1] == ' ')
            t[--l] = 0;
        if (!*t)
            continue;
        struct keep_rule r;
        if (parse_one(&r, t, err, errlen) != 0) {
            rc = -1;
            break;
        }
        if (r.kind == KEEP_ONE_WAY)
            k->needs_media = 1;
        k->r = xgrow(k->r, &k->cap, k->n + 1, sizeof(*k->r));
        k->r[k->n++] = r;
        any = 1;
    }
    if (rc == 0 && !any) {
        snprintf(err, errlen, "empty --keep rule");
        rc = -1;
    }
    free(copy);
    return rc;
}

static int rule_match(const struct keep_rule *r, const struct live_call_info *ci)
{
    switch (r->kind) {
    case KEEP_ALL:
        return 1;
    case KEEP_FAILED:
        return ci->state == CALL_REJECTED || ci->state == CALL_BUSY || ci->state == CALL_FAILED ||
               (ci->state == CALL_NOT_FINISHED && ci->end == LIVE_END_IDLE && !ci->answered);
    case KEEP_ANSWERED:
        return ci->answered;
    case KEEP_CANCELLED:
        return ci->state == CALL_CANCELLED;
    case KEEP_INCOMPLETE:
        return ci->state == CALL_NOT_FINISHED;
    case KEEP_STATE:
        return ci->state == r->v;
    case KEEP_CODE:
        return ci->final_code == r->v;
    case KEEP_CODE_CLASS:
        return ci->final_code / 100 == r->v;
    case KEEP_CAUSE:
        return ci->q850_cause == r->v;
    case KEEP_PDD_GT:
        return ci->pdd >= 0 && ci->pdd > r->v;
    case KEEP_DUR_GT:
        return ci->duration >= 0 && ci->duration > r->v;
    case KEEP_DUR_LT:
        return ci->duration >= 0 && ci->duration < r->v;
    case KEEP_ONE_WAY:
        return ci->one_way;
    }
    return 0;
}

int keep_match(const struct keep_rules *k, const struct live_call_info *ci)
{
    if (!k->n)
        return 1;
    for (size_t i = 0; i < k->n; i++)
        if (rule_match(&k->r[i], ci))
            return 1;
    return 0;
}

void keep_free(struct keep_rules *k)
{
    free(k->r);
    memset(k, 0, sizeof(*k));
}

/* ---- file names ------------------------------------------------------------ */

static int name_byte_ok(uint8_t ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch == '.' || ch == '@' || ch == '+' || ch == '=' || ch == '-';
}

char *live_call_filename(char *buf, size_t n, int64_t start_ns, const uint8_t *call_id, size_t len)
{
    if (!n)
        return buf;
    char t[32] = "00000000-000000.000";
    if (start_ns >= 0) {
        time_t sec = (time_t)(start_ns / 1000000000LL);
        int ms = (int)((start_ns / 1000000LL) % 1000);
        struct tm tm;
        if (gmtime_r(&sec, &tm)) {
            char d[24];
            if (strftime(d, sizeof d, "%Y%m%d-%H%M%S", &tm) > 0)
                snprintf(t, sizeof t, "%s.%03d", d, ms);
        }
    }
    uint64_t h = hash_bytes(call_id, len, 0);
    char shortf[LIVE_NAME_SHORT + 1];
    size_t k = 0;
    for (size_t i = 0; i < len && k < LIVE_NAME_SHORT; i++) {
        uint8_t ch = call_id[i];
        char o = name_byte_ok(ch) ? (char)ch : '_';
        if (o == '.' && k > 0 && shortf[k - 1] == '.')
            o = '_'; /* never ".." */
        shortf[k++] = o;
    }
    shortf[k] = 0;
    if (k)
        snprintf(buf, n, "%s-%016llx-%s", t, (unsigned long long)h, shortf);
    else
        snprintf(buf, n, "%s-%016llx", t, (unsigned long long)h);
    return buf;
}

/* ---- per-call pcap ----------------------------------------------------------- */

struct synth_flow {
    struct endpoint a, b; /* a -> b */
    uint32_t next_seq;
};

static uint32_t flow_isn(const struct endpoint *a, const struct endpoint *b)
{
    uint8_t k[2 * (1 + 16 + 2)];
    size_t o = 0;
    k[o++] = a->family;
    memcpy(k + o, a->addr, 16), o += 16;
    memcpy(k + o, &a->port, 2), o += 2;
    k[o++] = b->family;
    memcpy(k + o, b->addr, 16), o += 16;
    memcpy(k + o, &b->port, 2), o += 2;
    return (uint32_t)hash_bytes(k, o, 0x5eed);
}

static struct synth_flow *flow_get(struct synth_flow **fl, size_t *n, size_t *cap, const struct endpoint *a,
                                   const struct endpoint *b)
{
    for (size_t i = 0; i < *n; i++)
        if (endpoint_eq(&(*fl)[i].a, a) && endpoint_eq(&(*fl)[i].b, b))
            return &(*fl)[i];
    *fl = xgrow(*fl, cap, *n + 1, sizeof(**fl));
    struct synth_flow *f = &(*fl)[(*n)++];
    memset(f, 0, sizeof(*f));
    f->a = *a;
    f->b = *b;
    f->next_seq = flow_isn(a, b);
    return f;
}

long live_write_call_pcap(const struct store *s, const struct call *c, int fd)
{
    /* link type: the kept frames' one if they agree and synthesized frames
     * (if any are needed) can be built for it; else Ethernet throughout */
    int dlt = -1, mixed = 0, need_synth = 0;
    for (size_t i = 0; i < c->nmsgs; i++) {
        const struct msg *m = &s->msgs[c->msgs[i]];
        if (!m->raw) {
            need_synth = 1;
            continue;
        }
        if (dlt < 0)
            dlt = m->rawdlt;
        else if (dlt != m->rawdlt)
            mixed = 1;
    }
    int use_raw = dlt >= 0 && !mixed && (!need_synth || pcapout_synth_dlt_ok(dlt));
    int fdlt = use_raw ? dlt : 1 /* DLT_EN10MB */;
    FILE *fp = fdopen(fd, "wb");
    if (!fp) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    struct pcapout w;
    if (pcapout_open_fp(&w, fp, fdlt, 262144) != 0)
        return -1;
    uint8_t *frame = xmalloc(PCAPW_SYNTH_MAX_PAYLOAD + PCAPW_SYNTH_HDR_MAX);
    struct synth_flow *fl = NULL;
    size_t nfl = 0, capfl = 0;
    const struct msg *prev_raw = NULL;
    for (size_t i = 0; i < c->nmsgs; i++) {
        const struct msg *m = &s->msgs[c->msgs[i]];
        if (use_raw && m->raw) {
            /* several SIP messages in one SCTP packet share the frame: write it once */
            if (prev_raw && prev_raw->rawlen == m->rawlen && prev_raw->ts == m->ts &&
                memcmp(prev_raw->raw, m->raw, m->rawlen) == 0)
                continue;
            pcapout_write(&w, m->ts, m->raw, m->rawlen, m->rawwire);
            prev_raw = m;
            continue;
        }
        int tp = m->transport == TP_UDP ? TP_UDP : m->transport == TP_SCTP ? TP_SCTP : TP_TCP;
        flow_get(&fl, &nfl, &capfl, &m->src, &m->dst);
        struct synth_flow *r = flow_get(&fl, &nfl, &capfl, &m->dst, &m->src);
        struct synth_flow *f = flow_get(&fl, &nfl, &capfl, &m->src, &m->dst); /* fl may have moved */
        size_t off = 0;
        do {
            size_t chunk = m->len - off;
            if (chunk > PCAPW_SYNTH_MAX_PAYLOAD)
                chunk = PCAPW_SYNTH_MAX_PAYLOAD; /* TCP: more segments follow; UDP: cut (cannot be split) */
            size_t flen = pcapout_synth(frame, PCAPW_SYNTH_MAX_PAYLOAD + PCAPW_SYNTH_HDR_MAX, fdlt, &m->src, &m->dst,
                                      tp, f->next_seq, r->next_seq, m->buf + off, chunk);
            if (flen)
                pcapout_write(&w, m->ts, frame, (uint32_t)flen, (uint32_t)flen);
            f->next_seq += tp == TP_SCTP ? 1 : (uint32_t)chunk;
            off += chunk;
        } while (tp != TP_UDP && off < m->len);
    }
    free(fl);
    free(frame);
    long frames = (long)w.frames;
    if (pcapout_close(&w) != 0)
        return -1;
    return frames;
}

/* ---- open-call cap -------------------------------------------------------------- */

static int is_final_state(uint8_t st)
{
    return st != CALL_CALLING && st != CALL_RINGING && st != CALL_IN_CALL && st != CALL_NOT_FINISHED;
}

size_t live_open_calls(const struct store *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->ncalls; i++)
        n += !s->calls[i].flushed;
    return n;
}

struct shed_ent {
    int64_t ts;
    uint32_t idx;
};

static int shed_cmp(const void *a, const void *b)
{
    const struct shed_ent *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void emit_one(struct store *s, struct call *c, void (*emit)(void *ctx, const struct store *s, const struct call *c),
                     void *ctx)
{
    store_order_call(s, c);
    emit(ctx, s, c);
    store_mark_emitted(s, c);
}

size_t live_shed(struct store *s, size_t cap, void (*emit)(void *ctx, const struct store *s, const struct call *c),
                 void *ctx, size_t *final_emitted)
{
    size_t held = live_open_calls(s);
    if (final_emitted)
        *final_emitted = 0;
    if (held <= cap)
        return 0;
    size_t target = cap - cap / 10;
    size_t need = held - target;
    size_t nf = 0;
    for (size_t i = 0; i < s->ncalls && need; i++) {
        struct call *c = &s->calls[i];
        if (c->flushed || !is_final_state(c->state))
            continue;
        emit_one(s, c, emit, ctx);
        nf++;
        need--;
    }
    if (final_emitted)
        *final_emitted = nf;
    if (!need) {
        diag_limit(s->diag, "open-calls",
                   "limit open-calls=%zu reached (%zu calls held): %zu finished calls emitted early, none shed", cap,
                   held, nf);
        return 0;
    }
    struct shed_ent *v = xmalloc((held ? held : 1) * sizeof(*v));
    size_t nv = 0;
    for (size_t i = 0; i < s->ncalls; i++) {
        const struct call *c = &s->calls[i];
        if (c->flushed)
            continue;
        v[nv].ts = c->last_ts;
        v[nv].idx = (uint32_t)i;
        nv++;
    }
    qsort(v, nv, sizeof(*v), shed_cmp);
    size_t shed = 0;
    for (size_t k = 0; k < nv && shed < need; k++) {
        struct call *c = &s->calls[v[k].idx];
        c->progress = c->state;
        c->state = CALL_NOT_FINISHED;
        emit_one(s, c, emit, ctx);
        shed++;
    }
    free(v);
    diag_limit(s->diag, "open-calls",
               "limit open-calls=%zu reached (%zu calls held): %zu oldest open calls shed as not_finished, "
               "%zu finished calls emitted early",
               cap, held, shed, nf);
    return shed;
}

int live_compact(struct store *s)
{
    size_t in_calls = 0;
    for (size_t i = 0; i < s->ncalls; i++)
        in_calls += s->calls[i].nmsgs;
    size_t uncorrelated = s->nmsgs > in_calls ? s->nmsgs - in_calls : 0;
    size_t garbage = s->flushed_msgs + uncorrelated;
    if (garbage <= 4096 || garbage * 2 <= s->nmsgs)
        return 0;
    store_rebuild(s);
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    return 1;
}

/* ---- privileges ---------------------------------------------------------------- */

int live_drop_privileges(const char *user, char *err, size_t errlen)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        if (errno && errno != ENOENT && errno != ESRCH)
            snprintf(err, errlen, "-Z %s: cannot look the user up: %s", user, strerror(errno));
        else
            snprintf(err, errlen, "-Z %s: no such user (give an existing account, e.g. -Z nobody)", user);
        return -1;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    char name[256];
    snprintf(name, sizeof name, "%s", pw->pw_name);
    const char *hint = geteuid() != 0 ? " (-Z needs root, or the CAP_SETUID and CAP_SETGID capabilities)" : "";
    if (initgroups(name, gid) != 0) {
        if (setgroups(1, &gid) != 0) {
            snprintf(err, errlen, "-Z %s: cannot set the supplementary groups: %s%s", user, strerror(errno), hint);
            return -2;
        }
    }
    if (setgid(gid) != 0) {
        snprintf(err, errlen, "-Z %s: cannot change group to %u: %s%s", user, (unsigned)gid, strerror(errno), hint);
        return -2;
    }
    if (setuid(uid) != 0) {
        snprintf(err, errlen, "-Z %s: cannot change user to %u: %s%s", user, (unsigned)uid, strerror(errno), hint);
        return -2;
    }
    if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid) {
        snprintf(err, errlen, "-Z %s: the change did not take (uid %u/%u, gid %u/%u)", user, (unsigned)getuid(),
                 (unsigned)geteuid(), (unsigned)getgid(), (unsigned)getegid());
        return -2;
    }
    if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        snprintf(err, errlen, "-Z %s: root privileges could be regained after the change; refusing to go on", user);
        return -2;
    }
    return 0;
}
