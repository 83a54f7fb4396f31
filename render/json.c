/*
 * json.c - JSON output through jansson (schema in doc/json.md).
 *
 * The document is streamed: the top-level object is framed by hand and
 * each message / call object is built, dumped and freed one at a time,
 * so memory does not grow with the size of the output.  Every string from
 * the capture is made valid UTF-8 first (invalid bytes become U+FFFD):
 * jansson refuses invalid UTF-8, and a JSON consumer must never choke.
 */
#include <jansson.h>
#include <string.h>

#include "dissect/sip.h"
#include "render/render.h"
#include "src/media.h"
#include "src/base/util.h"

#define SCHEMA "sipladder/1"

/* ---- allocation for jansson ---------------------------------------------
 * Each call's or message's tree is built, written and freed before the
 * next: a bump allocator in one reserved region serves those nodes and is
 * rewound whenever nothing allocated from it is alive.  malloc/free per
 * node was an eighth of the run.  Anything that does not fit, and every
 * pointer outside the region, goes to malloc/free; sanitizer builds use
 * malloc throughout so ASan still sees every node. */
#if defined(__SANITIZE_ADDRESS__)
#define JARENA 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JARENA 0
#endif
#endif
#ifndef JARENA
#define JARENA 1
#endif

#if JARENA
#include <stdlib.h>
#include <sys/mman.h>

#define JARENA_SIZE ((size_t)256 << 20) /* reserved, not committed */
#define JARENA_TRIM ((size_t)8 << 20)   /* give pages back above this */
static uint8_t *ja_base;
static size_t ja_top, ja_high;
static uint64_t ja_live;

static void *ja_malloc(size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (ja_base && need >= n && need <= JARENA_SIZE - ja_top) {
        void *p = ja_base + ja_top;
        ja_top += need;
        if (ja_top > ja_high)
            ja_high = ja_top;
        ja_live++;
        return p;
    }
    return malloc(n);
}

static void ja_free(void *p)
{
    if (!p)
        return;
    if (ja_base && (uint8_t *)p >= ja_base && (uint8_t *)p < ja_base + JARENA_SIZE) {
        if (--ja_live == 0) {
            if (ja_high > JARENA_TRIM) /* a big tree: return its pages */
                madvise(ja_base, ja_high, MADV_DONTNEED);
            ja_top = ja_high = 0;
        }
        return;
    }
    free(p);
}
#endif

static void json_alloc_init(void)
{
#if JARENA
    static int done;
    if (done)
        return;
    done = 1;
    void *m = mmap(NULL, JARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        return; /* malloc it is */
    ja_base = m;
    json_set_alloc_funcs(ja_malloc, ja_free);
#endif
}

static json_t *jstr(const void *p, size_t n)
{
    /* Valid UTF-8 (the usual case) goes to jansson as is, copied once;
     * otherwise invalid bytes become U+FFFD first. */
    if (utf8_valid_prefix(p, n) == n)
        return json_stringn_nocheck(n ? p : "", n);
    struct buf b = {0};
    buf_put_utf8_clean(&b, p, n);
    json_t *j = json_stringn_nocheck(b.p ? b.p : "", b.n);
    buf_free(&b);
    return j;
}

static json_t *jspan(const struct msg *m, struct sip_span sp)
{
    if (!sp.len)
        return json_null();
    return jstr(m->buf + sp.off, sp.len);
}

static json_t *jtime(int64_t ns)
{
    return json_real((double)ns / 1e9);
}

static json_t *jsecs(int64_t ns)
{
    return json_real((double)ns / 1e9);
}

static json_t *jep(const struct endpoint *e)
{
    char s[80];
    return json_string(endpoint_str(e, s, sizeof s));
}

/* Serialise a jansson tree exactly as json_dump_callback(JSON_COMPACT |
 * JSON_REAL_PRECISION(16)) does (the goldens pin this), but several times
 * faster: one pass, no callback per token.  Strings are already valid
 * UTF-8 (jstr); escaped like jansson: '"', '\\' and C0 controls. */
static void put_jstring(struct buf *b, const char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_put(b, p + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': buf_put(b, "\\\"", 2); break;
        case '\\': buf_put(b, "\\\\", 2); break;
        case '\b': buf_put(b, "\\b", 2); break;
        case '\f': buf_put(b, "\\f", 2); break;
        case '\n': buf_put(b, "\\n", 2); break;
        case '\r': buf_put(b, "\\r", 2); break;
        case '\t': buf_put(b, "\\t", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_put(b, u, 6);
        }
        }
    }
    buf_put(b, p + run, n - run);
    buf_putc(b, '"');
}

/* jansson's jsonp_dtostr with precision 16: %.16g, a ".0" when the text
 * would read back as an integer, no '+' and no leading zeros in the exponent. */
static void put_jreal(struct buf *b, double v)
{
    char t[64];
    int n = fmt_g16(v, t, sizeof t);
    if (n < 0)
        return;
    if (!strchr(t, '.') && !strchr(t, 'e')) {
        if ((size_t)n + 2 >= sizeof t)
            return;
        t[n++] = '.';
        t[n++] = '0';
        t[n] = 0;
    }
    char *e = strchr(t, 'e');
    if (e) {
        char *q = e + 1, *w = e + 1;
        if (*q == '-')
            *w++ = *q++;
        else if (*q == '+')
            q++;
        while (*q == '0' && q[1])
            q++;
        while (*q)
            *w++ = *q++;
        *w = 0;
        n = (int)(w - t);
    }
    buf_put(b, t, (size_t)n);
}

static void put_json(struct buf *b, json_t *j)
{
    char t[32];
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        buf_putc(b, '{');
        int first = 1;
        for (void *it = json_object_iter(j); it; it = json_object_iter_next(j, it)) {
            if (!first)
                buf_putc(b, ',');
            first = 0;
            const char *k = json_object_iter_key(it);
            put_jstring(b, k, json_object_iter_key_len(it));
            buf_putc(b, ':');
            put_json(b, json_object_iter_value(it));
        }
        buf_putc(b, '}');
        return;
    }
    case JSON_ARRAY: {
        buf_putc(b, '[');
        size_t n = json_array_size(j);
        for (size_t i = 0; i < n; i++) {
            if (i)
                buf_putc(b, ',');
            put_json(b, json_array_get(j, i));
        }
        buf_putc(b, ']');
        return;
    }
    case JSON_STRING:
        put_jstring(b, json_string_value(j), json_string_length(j));
        return;
    case JSON_INTEGER: {
        /* decimal by hand: snprintf dominated the serialisation */
        json_int_t v = json_integer_value(j);
        uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        char *e = t + sizeof t, *q = e;
        do {
            *--q = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (v < 0)
            *--q = '-';
        buf_put(b, q, (size_t)(e - q));
        return;
    }
    case JSON_REAL:
        put_jreal(b, json_real_value(j));
        return;
    case JSON_TRUE:
        buf_put(b, "true", 4);
        return;
    case JSON_FALSE:
        buf_put(b, "false", 5);
        return;
    default:
        buf_put(b, "null", 4);
        return;
    }
}

/* Serialise into one reusable buffer, then one fwrite. */
static int dump(FILE *out, json_t *j)
{
    static struct buf b; /* reused across calls; output is single-threaded */
    buf_reset(&b);
    put_json(&b, j);
    json_decref(j);
    if (b.n && fwrite(b.p, 1, b.n, out) != b.n)
        return -1;
    return 0;
}

static json_t *message_json(const struct render_ctx *r, const struct msg *m, size_t out_index)
{
    json_t *o = json_object();
    struct sip_msg sm;
    size_t maxh = r->s->lim->max_headers;
    struct sip_hdr *h = xcalloc(maxh ? maxh : 1, sizeof(*h));
    int rc = msg_parse(m, &sm, h, maxh);
    json_object_set_new(o, "index", json_integer((json_int_t)out_index));
    json_object_set_new(o, "frame", json_integer((json_int_t)m->frame));
    json_object_set_new(o, "file", json_integer((json_int_t)m->file));
    json_object_set_new(o, "time", jtime(m->ts));
    json_object_set_new(o, "src", jep(&m->src));
    json_object_set_new(o, "dst", jep(&m->dst));
    json_object_set_new(o, "transport", json_string(transport_name((enum transport)m->transport)));
    if (rc == SIP_OK) {
        json_object_set_new(o, "first_line", jstr(m->buf + sm.start.off, sm.start.len));
        if (sm.is_request) {
            json_object_set_new(o, "method", jstr(m->buf + sm.method_s.off, sm.method_s.len));
            json_object_set_new(o, "ruri", jstr(m->buf + sm.ruri.off, sm.ruri.len));
        } else {
            json_object_set_new(o, "status", json_integer(sm.status));
            json_object_set_new(o, "reason", jstr(m->buf + sm.reason.off, sm.reason.len));
        }
    } else {
        const uint8_t *nl = memchr(m->buf, '\n', m->len);
        size_t l = nl ? (size_t)(nl - m->buf) : m->len;
        if (l && m->buf[l - 1] == '\r')
            l--;
        json_object_set_new(o, "first_line", jstr(m->buf, l));
    }
    json_object_set_new(o, "call_id", jspan(m, m->call_id));
    json_object_set_new(o, "from_tag", jspan(m, m->from_tag));
    json_object_set_new(o, "to_tag", jspan(m, m->to_tag));
    if (rc == SIP_OK && m->has_cseq) {
        json_t *cs = json_object();
        json_object_set_new(cs, "seq", json_integer(m->cseq));
        struct slice v = sip_hdr_first(&sm, m->buf, SIP_H_CSEQ);
        /* method token after the number */
        size_t i = 0;
        while (i < v.n && !is_lws(v.p[i]))
            i++;
        while (i < v.n && is_lws(v.p[i]))
            i++;
        size_t j = i;
        while (j < v.n && !is_lws(v.p[j]))
            j++;
        json_object_set_new(cs, "method", jstr(v.p + i, j - i));
        json_object_set_new(o, "cseq", cs);
    } else {
        json_object_set_new(o, "cseq", json_null());
    }
    json_object_set_new(o, "retransmission", json_boolean(m->retrans));
    uint32_t cpos = m->call == NONE ? NONE : r->sel ? r->sel->call_pos[m->call] : 0;
    json_object_set_new(o, "call", cpos != NONE ? json_integer(cpos) : json_null());
    json_object_set_new(o, "dialog", m->dialog != NONE ? json_integer(m->dialog) : json_null());
    if (m->segments > 1 || m->first_frame != m->frame) {
        json_object_set_new(o, "first_frame", json_integer((json_int_t)m->first_frame));
        json_object_set_new(o, "segments", json_integer(m->segments));
    }
    if (m->gap_bytes)
        json_object_set_new(o, "gap_bytes_before", json_integer(m->gap_bytes));
    json_object_set_new(o, "length", json_integer(m->orig_len));
    if (m->len < m->orig_len)
        json_object_set_new(o, "stored_length", json_integer(m->len));
    json_t *flags = json_array();
    if (m->pkt_flags & PKT_TRUNCATED)
        json_array_append_new(flags, json_string("truncated"));
    if (m->pkt_flags & PKT_TUNNELLED)
        json_array_append_new(flags, json_string("tunnelled"));
    if (m->pkt_flags & PKT_ICMP_QUOTED)
        json_array_append_new(flags, json_string("icmp-quoted"));
    if (m->pkt_flags & PKT_REASSEMBLED)
        json_array_append_new(flags, json_string("reassembled"));
    if (m->pkt_flags & PKT_AFTER_GAP)
        json_array_append_new(flags, json_string("after-gap"));
    if (m->pkt_flags & PKT_GAP_CUT)
        json_array_append_new(flags, json_string("cut-by-gap"));
    if (m->pkt_flags & PKT_HEP)
        json_array_append_new(flags, json_string("hep"));
    json_object_set_new(o, "flags", flags);
    json_t *an = json_array();
    for (unsigned i = 0; i < sm.nanoms && i < SIP_MAX_ANOMS; i++) {
        json_t *a = json_object();
        json_object_set_new(a, "kind", json_string(sip_anom_name((enum sip_anom)sm.anoms[i].kind)));
        json_object_set_new(a, "offset", json_integer(sm.anoms[i].off));
        json_object_set_new(a, "text", json_string(sip_anom_text((enum sip_anom)sm.anoms[i].kind)));
        json_array_append_new(an, a);
    }
    if ((m->pkt_flags & PKT_TRUNCATED) && !(sm.anom_mask & (1ULL << SIP_ANOM_TRUNCATED))) {
        json_t *a = json_object();
        json_object_set_new(a, "kind", json_string(sip_anom_name(SIP_ANOM_TRUNCATED)));
        json_object_set_new(a, "offset", json_integer(m->len));
        json_object_set_new(a, "text", json_string(sip_anom_text(SIP_ANOM_TRUNCATED)));
        json_array_append_new(an, a);
    }
    json_object_set_new(o, "anomalies", an);
    if (sm.anom_total > sm.nanoms)
        json_object_set_new(o, "anomalies_not_listed", json_integer(sm.anom_total - sm.nanoms));
    json_t *hs = json_array();
    if (rc == SIP_OK) {
        for (uint32_t i = 0; i < sm.nhdrs; i++) {
            json_t *hh = json_object();
            json_object_set_new(hh, "name", jstr(m->buf + h[i].name.off, h[i].name.len));
            json_object_set_new(hh, "value", jstr(m->buf + h[i].value.off, h[i].value.len));
            json_array_append_new(hs, hh);
        }
        if (sm.hdr_total > sm.nhdrs)
            json_object_set_new(o, "headers_not_listed", json_integer(sm.hdr_total - sm.nhdrs));
    }
    json_object_set_new(o, "headers", hs);
    json_object_set_new(o, "body", rc == SIP_OK && sm.body.len ? jstr(m->buf + sm.body.off, sm.body.len) : json_null());
    free(h);
    return o;
}

static json_t *jssrc(uint32_t v)
{
    char t[16];
    snprintf(t, sizeof t, "0x%08x", v);
    return json_string(t);
}

/* One media stream; `call_pos` is its call's position in the output, or NONE. */
static json_t *stream_json(const struct render_ctx *r, const struct media_stream *ms, size_t index, uint32_t call_pos)
{
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer((json_int_t)index));
    json_object_set_new(o, "call", call_pos != NONE ? json_integer(call_pos) : json_null());
    json_object_set_new(o, "kind", json_string(media_kind_name((enum media_kind)ms->kind)));
    json_object_set_new(o, "matched_by", json_string(media_match_name((enum media_match)ms->match)));
    json_object_set_new(o, "src", jep(&ms->src));
    json_object_set_new(o, "dst", jep(&ms->dst));
    if (ms->match != MM_ORPHAN) {
        const struct endpoint *seen = ms->match == MM_SDP_DST ? &ms->dst : &ms->src;
        if (!endpoint_eq(seen, &ms->announced)) /* NAT: SDP said otherwise */
            json_object_set_new(o, "sdp_endpoint", jep(&ms->announced));
        json_object_set_new(o, "direction", json_string(ms->to_caller ? "to_caller" : "to_callee"));
    } else {
        json_object_set_new(o, "direction", json_null());
    }
    json_object_set_new(o, "start", jtime(ms->first_ns));
    json_object_set_new(o, "end", jtime(ms->last_ns));
    json_object_set_new(o, "packets", json_integer((json_int_t)ms->packets));
    json_object_set_new(o, "bytes", json_integer((json_int_t)ms->bytes));
    if (ms->kind == MK_RTP) {
        struct rtp_result res;
        rtp_stats_result(&ms->st, &res);
        json_object_set_new(o, "ssrc", jssrc(ms->ssrc));
        json_object_set_new(o, "payload_type", json_integer(res.pt));
        json_object_set_new(o, "codec", ms->codec[0] ? json_string(ms->codec) : json_null());
        json_object_set_new(o, "expected", json_integer((json_int_t)res.expected));
        json_object_set_new(o, "lost", json_integer((json_int_t)res.lost));
        json_object_set_new(o, "loss_pct", json_real(res.loss_pct));
        json_object_set_new(o, "duplicates", json_integer((json_int_t)res.duplicates));
        json_object_set_new(o, "out_of_order", json_integer((json_int_t)res.late));
        json_object_set_new(o, "sequence_errors", json_integer((json_int_t)(res.seq_gaps + res.bad_seq_pkts)));
        json_object_set_new(o, "ssrc_changes", json_integer((json_int_t)res.ssrc_changes));
        json_object_set_new(o, "payload_type_changes", json_integer((json_int_t)res.pt_changes));
        json_object_set_new(o, "markers", json_integer((json_int_t)res.markers));
        json_object_set_new(o, "jitter_mean_ms", res.jitter_valid ? json_real(res.jitter_mean_ms) : json_null());
        json_object_set_new(o, "jitter_max_ms", res.jitter_valid ? json_real(res.jitter_max_ms) : json_null());
        json_object_set_new(o, "max_delta_ms", json_real(res.max_delta_ms));
        json_t *q = json_object();
        json_object_set_new(q, "r_factor", json_real(res.r_factor));
        json_object_set_new(q, "mos", json_real(res.mos));
        json_object_set_new(q, "codec_model", json_string(res.codec ? res.codec : "default"));
        json_object_set_new(q, "estimate", json_true());
        json_object_set_new(o, "quality", q);
        json_t *dg = json_array();
        for (uint32_t i = 0; i < ms->ndigits; i++) {
            json_t *d = json_object();
            char ch[2] = {ms->digits[i].ch, 0};
            json_object_set_new(d, "digit", json_string(ch));
            json_object_set_new(d, "time", jtime(ms->digits[i].start_ns));
            json_object_set_new(d, "duration_ms", json_integer(ms->digits[i].duration_ms));
            json_object_set_new(d, "volume_dbm0", json_integer(-(json_int_t)ms->digits[i].volume));
            json_array_append_new(dg, d);
        }
        json_object_set_new(o, "dtmf", dg);
        if (ms->digits_total > ms->ndigits)
            json_object_set_new(o, "dtmf_not_listed", json_integer(ms->digits_total - ms->ndigits));
        json_t *rep = json_array();
        for (uint32_t i = 0; i < ms->nreports; i++) {
            const struct media_report *mr = &ms->reports[i];
            json_t *d = json_object();
            json_object_set_new(d, "reporter_ssrc", jssrc(mr->reporter_ssrc));
            json_object_set_new(d, "reports", json_integer(mr->reports));
            json_object_set_new(d, "fraction_lost_pct", json_real(mr->fraction_lost_pct));
            json_object_set_new(d, "cumulative_lost", json_integer(mr->cumulative_lost));
            json_object_set_new(d, "jitter_ms", json_real(mr->jitter_ms));
            json_object_set_new(d, "rtt_ms", mr->rtt_ms >= 0 ? json_real(mr->rtt_ms) : json_null());
            json_object_set_new(d, "xr_mos_lq", mr->xr_mos_lq > 0 ? json_real(mr->xr_mos_lq) : json_null());
            json_array_append_new(rep, d);
        }
        json_object_set_new(o, "rtcp_reports", rep);
    } else if (ms->kind == MK_RTCP) {
        json_object_set_new(o, "malformed", json_integer((json_int_t)ms->rtcp_bad));
    } else {
        json_object_set_new(o, "codec", json_string("T.38"));
    }
    (void)r;
    return o;
}

/* Media of a call: summary, stream indexes (into the output "streams"),
 * events tied to their messages. */
static void call_media_json(const struct render_ctx *r, const struct call *c, json_t *o, const uint32_t *stream_pos,
                            const uint32_t *msg_pos)
{
    const struct media *md = &r->pl->media;
    const struct media_call *mc = media_call_find(md, c->call_id, c->call_id_len);
    json_t *m = json_object();
    json_t *idx = json_array(), *codecs = json_array();
    double worst_loss = -1, worst_mos = -1;
    if (mc)
        for (size_t i = 0; i < mc->nstreams; i++) {
            const struct media_stream *ms = &md->streams[mc->streams[i]];
            if (stream_pos)
                json_array_append_new(idx, json_integer(stream_pos[mc->streams[i]]));
            if (ms->kind != MK_RTP || ms->packets < 2)
                continue;
            struct rtp_result res;
            rtp_stats_result(&ms->st, &res);
            if (res.loss_pct > worst_loss)
                worst_loss = res.loss_pct;
            if (worst_mos < 0 || res.mos < worst_mos)
                worst_mos = res.mos;
            int seen = 0;
            for (size_t k = 0; k < json_array_size(codecs); k++)
                if (ms->codec[0] && strcmp(json_string_value(json_array_get(codecs, k)), ms->codec) == 0)
                    seen = 1;
            if (!seen && ms->codec[0])
                json_array_append_new(codecs, json_string(ms->codec));
        }
    if (stream_pos)
        json_object_set_new(m, "streams", idx);
    else
        json_decref(idx);
    json_object_set_new(m, "codecs", codecs);
    json_object_set_new(m, "worst_loss_pct", worst_loss >= 0 ? json_real(worst_loss) : json_null());
    json_object_set_new(m, "worst_mos", worst_mos >= 0 ? json_real(worst_mos) : json_null());
    const char *ow = media_one_way(md, mc, c->answer_msg != NONE);
    json_object_set_new(m, "one_way", ow ? json_string(ow) : json_null());
    json_object_set_new(m, "one_way_expected", json_boolean(ow && media_one_way_expected(mc)));
    json_t *ev = json_array();
    if (mc)
        for (size_t i = 0; i < mc->nevents; i++) {
            const struct media_event *e = &mc->events[i];
            json_t *ej = json_object();
            json_object_set_new(ej, "kind", json_string(e->kind));
            json_object_set_new(ej, "text", jstr(e->text, strlen(e->text)));
            json_int_t at = -1;
            for (size_t k = 0; k < c->nmsgs; k++) {
                const struct msg *mm = &r->s->msgs[c->msgs[k]];
                if (mm->file == e->file && mm->frame == e->frame) {
                    at = msg_pos ? (json_int_t)msg_pos[c->msgs[k]] : (json_int_t)k;
                    break;
                }
            }
            json_object_set_new(ej, "message", at >= 0 ? json_integer(at) : json_null());
            json_array_append_new(ev, ej);
        }
    json_object_set_new(m, "events", ev);
    json_object_set_new(o, "media", m);
}

/* Output position of a stream's call, or NONE (orphan, or not selected). */
static uint32_t stream_call_pos(const struct render_ctx *r, const struct media_stream *ms)
{
    if (ms->call == NONE)
        return NONE;
    const struct media_call *mc = &r->pl->media.calls[ms->call];
    uint32_t ci;
    if (!hmap_get(&r->s->call_by_id, mc->call_id, mc->call_id_len, &ci))
        return NONE;
    return r->sel ? r->sel->call_pos[ci] : NONE;
}

static json_t *call_json(const struct render_ctx *r, const struct call *c, size_t pos)
{
    const struct store *s = r->s;
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer((json_int_t)pos));
    json_object_set_new(o, "call_id", jstr(c->call_id, c->call_id_len));
    json_object_set_new(o, "state", json_string(call_state_name((enum call_state)c->state)));
    if (c->state == CALL_NOT_FINISHED)
        json_object_set_new(o, "progress", json_string(call_state_name((enum call_state)c->progress)));
    json_object_set_new(o, "kind", json_string(c->is_invite ? "invite" : "non-invite"));
    struct buf b = {0};
    call_party(&b, s, c, 0);
    json_object_set_new(o, "from", jstr(b.p ? b.p : "", b.n));
    buf_reset(&b);
    call_party(&b, s, c, 1);
    json_object_set_new(o, "to", jstr(b.p ? b.p : "", b.n));
    buf_free(&b);
    json_object_set_new(o, "start", jtime(s->msgs[c->first_msg].ts));
    json_object_set_new(o, "end", jtime(s->msgs[c->msgs[c->nmsgs - 1]].ts));
    json_t *ds = json_array();
    for (size_t i = 0; i < c->ndialogs; i++) {
        const struct dialog *d = &s->dialogs[c->dialogs[i]];
        json_t *dj = json_object();
        json_object_set_new(dj, "index", json_integer((json_int_t)i));
        json_object_set_new(dj, "caller_tag", jstr(d->tag_a, d->tag_a_len));
        json_object_set_new(dj, "callee_tag", d->tag_b ? jstr(d->tag_b, d->tag_b_len) : json_null());
        const char *st = d->state == DLG_CONFIRMED ? "confirmed" : d->state == DLG_TERMINATED ? "terminated" : "early";
        json_object_set_new(dj, "state", json_string(st));
        json_object_set_new(dj, "messages", json_integer(d->nmsgs));
        json_object_set_new(dj, "final_status", d->final_status ? json_integer(d->final_status) : json_null());
        json_array_append_new(ds, dj);
    }
    json_object_set_new(o, "dialogs", ds);
    json_t *ms = json_array();
    for (size_t i = 0; i < c->nmsgs; i++)
        json_array_append_new(ms, json_integer(c->msgs[i]));
    json_object_set_new(o, "messages", ms);
    json_t *t = json_object();
    int64_t t0 = c->invite_msg != NONE ? s->msgs[c->invite_msg].ts : 0;
    json_object_set_new(t, "pdd", c->invite_msg != NONE && c->ring_msg != NONE ? jsecs(s->msgs[c->ring_msg].ts - t0) : json_null());
    json_object_set_new(t, "setup", c->invite_msg != NONE && c->answer_msg != NONE ? jsecs(s->msgs[c->answer_msg].ts - t0) : json_null());
    if (c->bye_msg != NONE && c->answer_msg != NONE) {
        uint32_t st = c->ack_msg != NONE ? c->ack_msg : c->answer_msg;
        json_object_set_new(t, "duration", jsecs(s->msgs[c->bye_msg].ts - s->msgs[st].ts));
    } else {
        json_object_set_new(t, "duration", json_null());
    }
    json_object_set_new(o, "timings", t);
    if (c->final_msg != NONE) {
        const struct msg *fm = &s->msgs[c->final_msg];
        struct sip_msg sm;
        struct sip_hdr h[1];
        json_t *fs = json_object();
        json_object_set_new(fs, "code", json_integer(fm->status));
        if (msg_parse(fm, &sm, h, 0) == SIP_OK)
            json_object_set_new(fs, "reason", jstr(fm->buf + sm.reason.off, sm.reason.len));
        json_object_set_new(fs, "message", json_integer(c->final_msg));
        json_object_set_new(o, "final_status", fs);
    } else {
        json_object_set_new(o, "final_status", json_null());
    }
    json_object_set_new(o, "released_by", c->released_by ? json_string(c->released_by == REL_CALLER ? "caller" : "callee") : json_null());
    if (c->expired)
        json_object_set_new(o, "expired", json_true());
    return o;
}

static json_t *diagnostics_json(const struct render_ctx *r)
{
    const struct pipeline *pl = r->pl;
    const struct store *s = r->s;
    const struct diag *d = pl->diag;
    json_t *o = json_object();
    json_object_set_new(o, "frames", json_integer((json_int_t)pl->dec.frames));
    json_object_set_new(o, "udp_packets", json_integer((json_int_t)pl->dec.udp_packets));
    json_object_set_new(o, "tcp_packets", json_integer((json_int_t)pl->dec.tcp_packets));
    json_object_set_new(o, "sctp_packets", json_integer((json_int_t)pl->dec.sctp_packets));
    json_t *fr = json_object();
    json_object_set_new(fr, "fragments", json_integer((json_int_t)pl->dec.fragments));
    json_object_set_new(fr, "reassembled", json_integer((json_int_t)pl->dec.reassembled));
    json_object_set_new(fr, "incomplete", json_integer((json_int_t)pl->dec.frag_incomplete));
    json_object_set_new(fr, "invalid", json_integer((json_int_t)pl->dec.frag_invalid));
    json_object_set_new(fr, "duplicates", json_integer((json_int_t)pl->dec.frag_duplicates));
    json_object_set_new(fr, "overlaps", json_integer((json_int_t)pl->dec.frag_overlaps));
    json_object_set_new(fr, "conflicting_overlaps", json_integer((json_int_t)pl->dec.frag_conflicts));
    json_object_set_new(o, "ip_reassembly", fr);
    json_object_set_new(o, "tunnelled", json_integer((json_int_t)pl->dec.tunnelled));
    json_object_set_new(o, "sip_messages", json_integer((json_int_t)s->nmsgs));
    json_object_set_new(o, "retransmissions", json_integer((json_int_t)s->retransmissions));
    json_object_set_new(o, "calls", json_integer((json_int_t)s->ncalls));
    json_object_set_new(o, "calls_selected", json_integer((json_int_t)r->sel->ncalls));
    json_object_set_new(o, "sip_unparseable", json_integer((json_int_t)s->sip_bad));
    json_object_set_new(o, "sip_uncorrelated", json_integer((json_int_t)s->sip_uncorrelated));
    json_object_set_new(o, "sip_with_anomalies", json_integer((json_int_t)s->sip_anomalous));
    json_t *tcp = json_object();
    json_object_set_new(tcp, "streams", json_integer((json_int_t)pl->tcp.streams));
    json_object_set_new(tcp, "segments", json_integer((json_int_t)pl->tcp.segments));
    json_object_set_new(tcp, "retransmitted_bytes", json_integer((json_int_t)pl->tcp.retrans_bytes));
    json_object_set_new(tcp, "overlap_bytes", json_integer((json_int_t)pl->tcp.overlap_bytes));
    json_object_set_new(tcp, "out_of_order_segments", json_integer((json_int_t)pl->tcp.ooo_segments));
    json_object_set_new(tcp, "gaps", json_integer((json_int_t)pl->tcp.gaps));
    json_object_set_new(tcp, "gap_bytes", json_integer((json_int_t)pl->tcp.gap_bytes));
    json_object_set_new(tcp, "streams_evicted", json_integer((json_int_t)pl->tcp.evicted));
    json_object_set_new(tcp, "streams_idle_closed", json_integer((json_int_t)pl->tcp.idle_closed));
    json_object_set_new(tcp, "sip_messages", json_integer((json_int_t)pl->ss.messages));
    json_object_set_new(tcp, "keepalives", json_integer((json_int_t)pl->ss.keepalives));
    json_object_set_new(tcp, "skipped_bytes", json_integer((json_int_t)pl->ss.junk_bytes));
    json_object_set_new(tcp, "cut_messages", json_integer((json_int_t)pl->ss.cut_messages));
    json_object_set_new(tcp, "incomplete_bytes", json_integer((json_int_t)pl->ss.incomplete_bytes));
    json_object_set_new(tcp, "websocket_streams", json_integer((json_int_t)pl->ss.ws_streams));
    json_object_set_new(o, "tcp", tcp);
    json_object_set_new(o, "hep_packets", json_integer((json_int_t)pl->hep_packets));
    json_t *mj = json_object();
    json_object_set_new(mj, "sdp_bodies", json_integer((json_int_t)pl->media.sdp_seen));
    json_object_set_new(mj, "sdp_with_anomalies", json_integer((json_int_t)pl->media.sdp_anomalies));
    json_object_set_new(mj, "expected_flows", json_integer((json_int_t)pl->media.flows_registered));
    json_object_set_new(mj, "streams", json_integer((json_int_t)pl->media.nstreams));
    json_object_set_new(mj, "rtp_packets", json_integer((json_int_t)pl->media.rtp_packets));
    json_object_set_new(mj, "rtcp_packets", json_integer((json_int_t)pl->media.rtcp_packets));
    json_object_set_new(mj, "udptl_packets", json_integer((json_int_t)pl->media.udptl_packets));
    json_object_set_new(mj, "orphan_rtp_packets", json_integer((json_int_t)pl->media.orphan_packets));
    json_object_set_new(o, "media", mj);
    json_object_set_new(o, "sctp_sip_messages", json_integer((json_int_t)pl->sctp_messages));
    json_t *enc = json_array();
    for (size_t i = 0; i < pl->ss.nenc; i++) {
        const struct enc_flow *e = &pl->ss.enc[i];
        json_t *ej = json_object();
        char t[160], a[80], b[80];
        snprintf(t, sizeof t, e->sip_port ? "encrypted SIP signalling between %s and %s"
                                          : "TLS flow between %s and %s (not a SIP port; may carry SIP over TLS or WSS)",
                 endpoint_str(&e->a, a, sizeof a), endpoint_str(&e->b, b, sizeof b));
        json_object_set_new(ej, "sip_port", json_boolean(e->sip_port));
        json_object_set_new(ej, "text", json_string(t));
        json_object_set_new(ej, "client", json_string(a));
        json_object_set_new(ej, "server", json_string(b));
        json_object_set_new(ej, "transport", json_string("TLS"));
        json_object_set_new(ej, "file", json_integer(e->file));
        json_object_set_new(ej, "first_frame", json_integer((json_int_t)e->first_frame));
        json_object_set_new(ej, "start", jtime(e->first_ts));
        json_object_set_new(ej, "end", jtime(e->last_ts));
        json_object_set_new(ej, "segments", json_integer((json_int_t)e->frames));
        json_object_set_new(ej, "bytes", json_integer((json_int_t)e->bytes));
        json_object_set_new(ej, "handshake_seen", json_boolean(e->handshake));
        json_array_append_new(enc, ej);
    }
    json_object_set_new(o, "encrypted", enc);
    json_object_set_new(o, "messages_dropped", json_integer((json_int_t)s->dropped_msgs));
    json_t *an = json_object();
    for (unsigned k = 1; k < SIP_ANOM__COUNT; k++)
        if (s->anom_by_kind[k])
            json_object_set_new(an, sip_anom_name((enum sip_anom)k), json_integer((json_int_t)s->anom_by_kind[k]));
    json_object_set_new(o, "anomalies", an);
    json_t *ev = json_object();
    for (unsigned k = 0; k < DIAG__COUNT; k++)
        if (d->count[k])
            json_object_set_new(ev, diag_kind_name((enum diag_kind)k), json_integer((json_int_t)d->count[k]));
    json_object_set_new(o, "events", ev);
    json_t *lh = json_object();
    for (unsigned k = 0; k < d->nlimit; k++)
        json_object_set_new(lh, d->limit[k].name, json_integer((json_int_t)d->limit[k].hits));
    json_object_set_new(o, "limits_hit", lh);
    return o;
}

int render_call_jsonl(const struct render_ctx *r, const struct call *c)
{
    json_t *cj = call_json(r, c, 0);
    json_object_del(cj, "index");
    json_t *ms = json_array();
    for (size_t k = 0; k < c->nmsgs; k++)
        json_array_append_new(ms, message_json(r, &r->s->msgs[c->msgs[k]], k));
    json_object_set_new(cj, "messages", ms);
    call_media_json(r, c, cj, NULL, NULL);
    {
        const struct media *md = &r->pl->media;
        const struct media_call *mc = media_call_find(md, c->call_id, c->call_id_len);
        json_t *st = json_array();
        for (size_t k = 0; mc && k < mc->nstreams; k++)
            json_array_append_new(st, stream_json(r, &md->streams[mc->streams[k]], k, 0));
        json_object_set_new(cj, "streams", st);
    }
    json_t *fs = json_object_get(cj, "final_status");
    if (json_is_object(fs))
        for (size_t k = 0; k < c->nmsgs; k++)
            if (c->msgs[k] == c->final_msg)
                json_object_set_new(fs, "message", json_integer((json_int_t)k));
    int rc = dump(r->out, cj);
    fputc('\n', r->out);
    return rc || ferror(r->out) ? -1 : 0;
}

int render_json(const struct render_ctx *r)
{
    FILE *out = r->out;
    const struct store *s = r->s;
    json_alloc_init();
    fputs("{\"schema\":\"" SCHEMA "\",\"files\":[", out);
    for (int i = 0; i < r->nfiles; i++) {
        const struct capture_file_info *fi = &r->files[i];
        json_t *f = json_object();
        json_object_set_new(f, "name", jstr(fi->name, strlen(fi->name)));
        json_object_set_new(f, "linktype", fi->dlt_name ? json_string(fi->dlt_name) : json_null());
        json_object_set_new(f, "frames", json_integer((json_int_t)fi->frames));
        json_object_set_new(f, "error", json_boolean(fi->error));
        json_object_set_new(f, "truncated", json_boolean(fi->truncated));
        json_object_set_new(f, "duplicates", json_integer((json_int_t)fi->duplicates));
        if (i)
            fputc(',', out);
        dump(out, f);
    }
    if (r->summary_only) {
        fprintf(out, "],\n\"messages_omitted\":%zu,\n\"calls\":[\n", r->sel->nmsgs);
    } else {
        fputs("],\n\"messages\":[\n", out);
        for (size_t i = 0; i < r->sel->nmsgs; i++) {
            if (i)
                fputs(",\n", out);
            dump(out, message_json(r, &s->msgs[r->sel->msgs[i]], i));
        }
        fputs("\n],\n\"calls\":[\n", out);
    }
    /* call.messages holds indexes into the output "messages" array */
    uint32_t *pos = xcalloc(s->nmsgs ? s->nmsgs : 1, sizeof(*pos));
    for (size_t i = 0; i < r->sel->nmsgs; i++)
        pos[r->sel->msgs[i]] = (uint32_t)i;
    const struct media *md = &r->pl->media;
    uint32_t *spos = xcalloc(md->nstreams ? md->nstreams : 1, sizeof(*spos));
    {
        uint32_t k = 0;
        for (size_t i = 0; i < md->nstreams; i++) {
            uint32_t cp = stream_call_pos(r, &md->streams[i]);
            spos[i] = (cp == NONE && (md->streams[i].call != NONE || r->sel->ncalls != s->ncalls)) ? NONE : k++;
        }
    }
    for (size_t i = 0; i < r->sel->ncalls; i++) {
        const struct call *c = &s->calls[r->sel->calls[i]];
        json_t *cj = call_json(r, c, i);
        call_media_json(r, c, cj, spos, pos);
        json_t *ms = json_object_get(cj, "messages");
        for (size_t k = 0; k < c->nmsgs; k++)
            json_array_set_new(ms, k, json_integer(pos[c->msgs[k]]));
        json_t *fs = json_object_get(cj, "final_status");
        if (json_is_object(fs))
            json_object_set_new(fs, "message", json_integer(pos[c->final_msg]));
        if (i)
            fputs(",\n", out);
        dump(out, cj);
    }
    free(pos);
    free(spos);
    /* media streams of the selected calls (and orphans when nothing is filtered) */
    fputs("\n],\n\"streams\":[\n", out);
    {
        size_t k = 0;
        for (size_t i = 0; i < md->nstreams; i++) {
            const struct media_stream *ms = &md->streams[i];
            uint32_t cp = stream_call_pos(r, ms);
            if (cp == NONE && (ms->call != NONE || r->sel->ncalls != s->ncalls))
                continue;
            if (k++)
                fputs(",\n", out);
            dump(out, stream_json(r, ms, k - 1, cp));
        }
    }
    fputs("\n],\n\"diagnostics\":", out);
    dump(out, diagnostics_json(r));
    fputs("}\n", out);
    return ferror(out) ? -1 : 0;
}

void render_summary(const struct render_ctx *r, FILE *f)
{
    const struct pipeline *pl = r->pl;
    const struct store *s = r->s;
    const struct diag *d = pl->diag;
    if (pl->stream.on) {
        fprintf(f, "sipladder: %d file%s, %llu frames, %llu SIP messages (%llu retransmissions), %llu calls streamed "
                   "(%llu expired while open), %llu store rebuilds\n",
                r->nfiles, r->nfiles == 1 ? "" : "s", (unsigned long long)pl->dec.frames,
                (unsigned long long)pl->sip_candidates + pl->ss.messages + pl->sctp_messages,
                (unsigned long long)s->retransmissions, (unsigned long long)s->calls_emitted,
                (unsigned long long)s->calls_expired, (unsigned long long)s->rebuilds);
    } else {
        fprintf(f, "sipladder: %d file%s, %llu frames, %zu SIP messages (%llu retransmissions), %zu calls",
                r->nfiles, r->nfiles == 1 ? "" : "s", (unsigned long long)pl->dec.frames, s->nmsgs,
                (unsigned long long)s->retransmissions, s->ncalls);
        if (r->sel->ncalls != s->ncalls)
            fprintf(f, " (%zu selected)", r->sel->ncalls);
        fputc('\n', f);
    }
    int any = 0;
    for (unsigned k = 1; k < SIP_ANOM__COUNT; k++)
        if (s->anom_by_kind[k])
            fprintf(f, "%s %s %llu", any++ ? "," : "sipladder: anomalies:", sip_anom_name((enum sip_anom)k),
                    (unsigned long long)s->anom_by_kind[k]);
    if (any)
        fputc('\n', f);
    any = 0;
    for (unsigned k = 0; k < DIAG__COUNT; k++)
        if (d->count[k] && k != DIAG_SIP_ANOMALY && k != DIAG_LIMIT)
            fprintf(f, "%s %s %llu", any++ ? "," : "sipladder: events:", diag_kind_name((enum diag_kind)k),
                    (unsigned long long)d->count[k]);
    if (any)
        fputc('\n', f);
    if (d->nlimit) {
        fprintf(f, "sipladder: limits hit:");
        for (unsigned k = 0; k < d->nlimit; k++)
            fprintf(f, "%s %s %llu", k ? "," : "", d->limit[k].name, (unsigned long long)d->limit[k].hits);
        fputc('\n', f);
    }
    if (pl->tcp.gaps || pl->ss.cut_messages || pl->ss.junk_bytes)
        fprintf(f, "sipladder: TCP: %llu gaps (%llu bytes lost), %llu SIP messages cut short, %llu bytes skipped to resynchronise\n",
                (unsigned long long)pl->tcp.gaps, (unsigned long long)pl->tcp.gap_bytes,
                (unsigned long long)pl->ss.cut_messages, (unsigned long long)pl->ss.junk_bytes);
    size_t other_tls = 0;
    for (size_t i = 0; i < pl->ss.nenc; i++) {
        char a[80], b[80];
        if (!pl->ss.enc[i].sip_port) {
            other_tls++;
            continue;
        }
        fprintf(f, "sipladder: encrypted SIP signalling between %s and %s (%llu segments, %llu bytes): not decodable without keys\n",
                endpoint_str(&pl->ss.enc[i].a, a, sizeof a), endpoint_str(&pl->ss.enc[i].b, b, sizeof b),
                (unsigned long long)pl->ss.enc[i].frames, (unsigned long long)pl->ss.enc[i].bytes);
    }
    if (other_tls)
        fprintf(f, "sipladder: %zu other TLS flow%s on non-SIP ports (listed in the JSON diagnostics; SIP over TLS/WSS there cannot be read)\n",
                other_tls, other_tls == 1 ? "" : "s");
    if (pl->dec.frag_incomplete || pl->dec.frag_invalid)
        fprintf(f, "sipladder: IP reassembly: %llu datagrams incomplete, %llu invalid: any SIP in them is missing (see the diagnostics above)\n",
                (unsigned long long)pl->dec.frag_incomplete, (unsigned long long)pl->dec.frag_invalid);
}
