/*
 * dtmf.c - DTMF payloads and bodies (see dtmf.h).  RFC 4733 §2.3 (payload
 * format), §2.5.1 (sender: marker on the first packet, duration updates,
 * three end packets), §2.5.2 (receiver: end-packet retransmissions, lost
 * start), §3.2 (event codes 0-16); SIP INFO dtmf-relay / dtmf bodies;
 * Cisco unsolicited NOTIFY (audio/telephone-event).
 */
#include "dissect/dtmf.h"

#include <string.h>

#include "dissect/rd.h"
#include "dissect/sip_hdr.h"

static const char EVENT_CHARS[] = "0123456789*#ABCD!";

char dtmf_event_char(unsigned event)
{
    return event < sizeof EVENT_CHARS - 1 ? EVENT_CHARS[event] : '?';
}

int dtmf_char_event(uint8_t c)
{
    if (c >= 'a' && c <= 'd')
        c = (uint8_t)(c - 'a' + 'A');
    for (int i = 0; i < (int)sizeof EVENT_CHARS - 1; i++)
        if ((uint8_t)EVENT_CHARS[i] == c)
            return i;
    return -1;
}

int dtmf_event_parse(const uint8_t *p, size_t n, struct dtmf_event *e)
{
    memset(e, 0, sizeof(*e));
    if (!p)
        return 0;
    struct rd r = rd_init(p, n);
    uint8_t ev = rd_u8(&r), b1 = rd_u8(&r);
    uint16_t dur = rd_u16(&r);
    if (r.err)
        return 0;
    e->event = ev;
    e->end = (uint8_t)(b1 >> 7);
    e->reserved = (uint8_t)((b1 >> 6) & 1);
    e->volume = (uint8_t)(b1 & 0x3f);
    e->duration = dur;
    return 1;
}

/* ---- tracker ---------------------------------------------------------- */

void dtmf_tracker_init(struct dtmf_tracker *t, uint32_t clock_rate)
{
    memset(t, 0, sizeof(*t));
    t->clock_rate = clock_rate ? clock_rate : 8000;
}

static void finish(struct dtmf_tracker *t, struct dtmf_digit *out)
{
    t->cur.duration_ms = (uint32_t)((uint64_t)t->cur.duration * 1000u / t->clock_rate);
    *out = t->cur;
    t->have_done = 1;
    t->done_ts = t->cur.rtp_ts;
    t->done_event = t->cur.event;
    t->active = 0;
    t->digits++;
}

int dtmf_tracker_add(struct dtmf_tracker *t, uint32_t rtp_ts, int marker, const struct dtmf_event *e,
                     int64_t arrival_ns, struct dtmf_digit out[DTMF_TRACKER_MAX_OUT])
{
    int k = 0;
    t->packets++;
    if (t->active && (rtp_ts != t->cur.rtp_ts || e->event != t->cur.event))
        finish(t, &out[k++]); /* its end packets were lost */
    if (!t->active && t->have_done && rtp_ts == t->done_ts && e->event == t->done_event) {
        if (e->end)
            t->end_retransmits++;
        else
            t->late_packets++;
        return k;
    }
    if (!t->active) {
        memset(&t->cur, 0, sizeof t->cur);
        t->active = 1;
        t->cur.event = e->event;
        t->cur.ch = dtmf_event_char(e->event);
        t->cur.rtp_ts = rtp_ts;
        t->cur.start_ns = arrival_ns;
        t->cur.start_lost = 1;
    }
    if (marker)
        t->cur.start_lost = 0;
    if (t->cur.packets < UINT16_MAX)
        t->cur.packets++;
    t->cur.volume = e->volume;
    if (e->duration > t->cur.duration)
        t->cur.duration = e->duration;
    if (e->end) {
        t->cur.end_seen = 1;
        t->cur.duration = e->duration ? e->duration : t->cur.duration; /* the E=1 duration is final */
        finish(t, &out[k++]);
    }
    return k;
}

int dtmf_tracker_flush(struct dtmf_tracker *t, struct dtmf_digit *out)
{
    if (!t->active)
        return 0;
    finish(t, out);
    return 1;
}

/* ---- SIP bodies ------------------------------------------------------- */

static struct slice trim_ws(struct slice s)
{
    while (s.n && is_lws(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && is_lws(s.p[s.n - 1]))
        s.n--;
    return s;
}

static int parse_uint(struct slice s, uint32_t max, uint32_t *v)
{
    uint64_t x = 0;
    if (!s.n || s.n > 10)
        return 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return 0;
        x = x * 10 + (uint64_t)(s.p[i] - '0');
    }
    if (x > max)
        return 0;
    *v = (uint32_t)x;
    return 1;
}

/* A key: one character 0-9 * # A-D ! or an event number 0..16. */
static int parse_key(struct slice s, struct dtmf_info *out)
{
    s = trim_ws(s);
    uint32_t ev;
    int e = -1;
    if (s.n == 1)
        e = dtmf_char_event(s.p[0]);
    else if (parse_uint(s, 16, &ev))
        e = (int)ev;
    if (e < 0)
        return 0;
    out->event = (uint8_t)e;
    out->ch = dtmf_event_char((unsigned)e);
    return 1;
}

int dtmf_relay_parse(struct slice body, struct dtmf_info *out)
{
    memset(out, 0, sizeof(*out));
    int found = 0;
    struct slice b = body;
    if (!b.p)
        return 0;
    while (b.n) {
        const uint8_t *nl = memchr(b.p, '\n', b.n);
        size_t ll = nl ? (size_t)(nl - b.p) : b.n;
        struct slice line = {b.p, ll};
        b.p += nl ? ll + 1 : ll;
        b.n -= nl ? ll + 1 : ll;
        const uint8_t *eq = memchr(line.p, '=', line.n);
        if (!eq)
            continue;
        struct slice name = trim_ws((struct slice){line.p, (size_t)(eq - line.p)});
        struct slice val = trim_ws((struct slice){eq + 1, line.n - (size_t)(eq + 1 - line.p)});
        if (slice_eq_ci(name, "signal") && !found) {
            struct dtmf_info k = {0};
            if (parse_key(val, &k)) {
                out->ch = k.ch;
                out->event = k.event;
                found = 1;
            }
        } else if (slice_eq_ci(name, "duration") && !out->has_duration) {
            uint32_t d;
            if (parse_uint(val, 3600000, &d)) {
                out->duration_ms = d;
                out->has_duration = 1;
            }
        }
    }
    if (found)
        out->end = 1;
    else
        memset(out, 0, sizeof(*out));
    return found;
}

int dtmf_plain_parse(struct slice body, struct dtmf_info *out)
{
    memset(out, 0, sizeof(*out));
    if (!body.p)
        return 0;
    if (!parse_key(body, out)) {
        memset(out, 0, sizeof(*out));
        return 0;
    }
    out->end = 1;
    return 1;
}

int dtmf_notify_parse(const uint8_t *p, size_t n, uint32_t rate, struct dtmf_info *out)
{
    struct dtmf_event e;
    memset(out, 0, sizeof(*out));
    if (!dtmf_event_parse(p, n, &e))
        return 0;
    if (!rate)
        rate = 1000;
    out->event = e.event;
    out->ch = dtmf_event_char(e.event);
    out->end = e.end;
    out->volume = e.volume;
    out->has_duration = 1;
    out->duration_ms = (uint32_t)((uint64_t)e.duration * 1000u / rate);
    return 1;
}

uint32_t dtmf_event_header_rate(struct slice v)
{
    if (!v.p)
        return 0;
    const uint8_t *semi = memchr(v.p, ';', v.n);
    if (!semi)
        return 0;
    struct slice params = {semi, v.n - (size_t)(semi - v.p)};
    struct slice val;
    uint32_t rate;
    if (!sip_param_get(params, "rate", &val) || !parse_uint(trim_ws(val), 10000000, &rate) || !rate)
        return 0;
    return rate;
}
