/*
 * reason.c - RFC 3326 Reason header parser (see reason.h).
 *
 * One pass over the value, byte by byte; quoted strings (RFC 3261 §25.1
 * quoted-string with quoted-pair escapes) are skipped as a whole so a
 * ',' or ';' inside a text never splits a value.  Q.850 cause values are
 * checked against dissect/q850.c.
 */
#include "dissect/reason.h"

#include <stddef.h>

#include "dissect/q850.h"

#define CAUSE_MAX 999999u

/* RFC 3261 §25.1 token characters. */
static int is_token(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    switch (c) {
    case '-': case '.': case '!': case '%': case '*': case '_': case '+': case '`': case '\'': case '~':
        return 1;
    default:
        return 0;
    }
}

static const uint8_t *skip_lws(const uint8_t *p, const uint8_t *e)
{
    while (p < e && is_lws(*p))
        p++;
    return p;
}

/* p points at '"': returns the position after the closing quote, or e
 * when the string is not closed (*closed = 0). */
static const uint8_t *skip_quoted(const uint8_t *p, const uint8_t *e, int *closed)
{
    p++;
    while (p < e) {
        if (*p == '\\') {
            p += (e - p >= 2) ? 2 : 1;
            continue;
        }
        if (*p == '"') {
            *closed = 1;
            return p + 1;
        }
        p++;
    }
    *closed = 0;
    return e;
}

/* Skip junk up to the next ';' or ',' outside quotes (or e). */
static const uint8_t *skip_junk(const uint8_t *p, const uint8_t *e)
{
    while (p < e && *p != ';' && *p != ',') {
        if (*p == '"') {
            int closed;
            p = skip_quoted(p, e, &closed);
        } else {
            p++;
        }
    }
    return p;
}

/* Registered protocol values other than SIP and Q.850 (IANA "Reason
 * Protocols": RFC 4411 Preemption, RFC 8224 STIR, and the 3GPP values of
 * TS 24.229 / 24.301 / 36.413 / 24.501 / 38.413).  Their causes are kept
 * but not interpreted. */
static const char *const registered[] = {
    "Preemption", "STIR", "EMM", "ESM", "S1AP-RNL", "S1AP-TL", "S1AP-NAS", "S1AP-Misc", "S1AP-Prot",
    "DIAMETER", "IKEV2", "RELEASE_CAUSE", "FAILURE_CAUSE", "5GMM", "5GSM", "NGAP-RNL", "NGAP-TL",
    "NGAP-NAS", "NGAP-Misc", "NGAP-Prot",
};

enum reason_proto reason_proto_of(struct slice t)
{
    if (slice_eq_ci(t, "SIP"))
        return REASON_P_SIP;
    if (slice_eq_ci(t, "Q.850"))
        return REASON_P_Q850;
    for (size_t i = 0; i < sizeof registered / sizeof registered[0]; i++)
        if (slice_eq_ci(t, registered[i]))
            return REASON_P_REGISTERED;
    return REASON_P_OTHER;
}

void reason_iter_init(struct reason_iter *it, struct slice v)
{
    it->p = v.p;
    it->end = v.p ? v.p + v.n : NULL;
    it->started = it->after_comma = it->done = 0;
}

static void set_anom(struct reason_value *rv, enum reason_anom a)
{
    rv->anoms |= 1u << a;
}

/* Parse one parameter starting after its ';'.  Returns the position after
 * the parameter (at ';', ',' or e). */
static const uint8_t *param(struct reason_value *rv, const uint8_t *p, const uint8_t *e)
{
    p = skip_lws(p, e);
    const uint8_t *n0 = p;
    while (p < e && is_token(*p))
        p++;
    struct slice name = {n0, (size_t)(p - n0)};
    if (!name.n) {
        set_anom(rv, REASON_ANOM_BAD_PARAM);
        return skip_junk(p, e);
    }
    p = skip_lws(p, e);
    struct slice val = {p, 0};
    int has_val = 0, quoted = 0, closed = 1;
    if (p < e && *p == '=') {
        has_val = 1;
        p = skip_lws(p + 1, e);
        if (p < e && *p == '"') {
            quoted = 1;
            const uint8_t *q = skip_quoted(p, e, &closed);
            val = (struct slice){p + 1, (size_t)(q - p - 1) - (closed ? 1 : 0)};
            p = q;
        } else {
            const uint8_t *v0 = p;
            while (p < e && !is_lws(*p) && *p != ';' && *p != ',' && *p != '"')
                p++;
            val = (struct slice){v0, (size_t)(p - v0)};
        }
    }
    if (slice_eq_ci(name, "cause")) {
        if (rv->cause_s.p || rv->has_cause) {
            set_anom(rv, REASON_ANOM_DUP_CAUSE);
        } else {
            rv->cause_s = has_val ? val : (struct slice){name.p + name.n, 0};
            int digits = has_val && !quoted && val.n > 0;
            uint32_t v = 0;
            for (size_t i = 0; digits && i < val.n; i++) {
                if (val.p[i] < '0' || val.p[i] > '9')
                    digits = 0;
                else if (v <= CAUSE_MAX)
                    v = v * 10 + (uint32_t)(val.p[i] - '0');
            }
            if (digits) {
                rv->has_cause = 1;
                rv->cause = v > CAUSE_MAX ? CAUSE_MAX : v;
            } else {
                set_anom(rv, REASON_ANOM_BAD_CAUSE);
            }
        }
    } else if (slice_eq_ci(name, "text")) {
        if (rv->has_text) {
            set_anom(rv, REASON_ANOM_DUP_TEXT);
        } else {
            rv->has_text = 1;
            rv->text = val;
            if (!has_val || !quoted || !closed)
                set_anom(rv, REASON_ANOM_BAD_TEXT);
        }
    }
    p = skip_lws(p, e);
    if (p < e && *p != ';' && *p != ',') {
        set_anom(rv, REASON_ANOM_BAD_PARAM);
        p = skip_junk(p, e);
    }
    return p;
}

static void validate(struct reason_value *rv)
{
    if (rv->anoms & (1u << REASON_ANOM_EMPTY))
        return;
    if (!rv->protocol.n) {
        set_anom(rv, REASON_ANOM_BAD_PROTOCOL);
        return;
    }
    if (rv->proto == REASON_P_OTHER) {
        set_anom(rv, REASON_ANOM_UNKNOWN_PROTOCOL);
        return;
    }
    if (!rv->has_cause) {
        if (!(rv->anoms & (1u << REASON_ANOM_BAD_CAUSE)))
            set_anom(rv, REASON_ANOM_NO_CAUSE);
        return;
    }
    if (rv->proto == REASON_P_Q850) {
        if (rv->cause < 1 || rv->cause > Q850_MAX)
            set_anom(rv, REASON_ANOM_CAUSE_RANGE);
        else if (!q850_is_assigned(rv->cause))
            set_anom(rv, REASON_ANOM_CAUSE_UNASSIGNED);
    } else if (rv->proto == REASON_P_SIP) {
        if (rv->cause < 100 || rv->cause > 699)
            set_anom(rv, REASON_ANOM_CAUSE_RANGE);
    }
}

int reason_iter_next(struct reason_iter *it, struct reason_value *rv)
{
    *rv = (struct reason_value){0};
    if (it->done || !it->p)
        return 0;
    const uint8_t *p = skip_lws(it->p, it->end), *e = it->end;
    if (p >= e) {
        it->p = e;
        it->done = 1;
        if (!it->started || it->after_comma) {
            rv->raw = (struct slice){e, 0};
            rv->protocol = rv->params = rv->raw;
            set_anom(rv, REASON_ANOM_EMPTY);
            return 1;
        }
        return 0;
    }
    it->started = 1;
    it->after_comma = 0;
    const uint8_t *v0 = p;
    if (*p == ',') { /* empty element */
        it->p = p + 1;
        it->after_comma = 1;
        rv->raw = rv->protocol = rv->params = (struct slice){p, 0};
        set_anom(rv, REASON_ANOM_EMPTY);
        return 1;
    }
    const uint8_t *t0 = p;
    while (p < e && is_token(*p))
        p++;
    rv->protocol = (struct slice){t0, (size_t)(p - t0)};
    rv->proto = (uint8_t)reason_proto_of(rv->protocol);
    p = skip_lws(p, e);
    if (p < e && *p != ';' && *p != ',') {
        /* bytes that are neither a parameter nor the end of the value */
        if (!rv->protocol.n)
            set_anom(rv, REASON_ANOM_BAD_PROTOCOL);
        else
            set_anom(rv, REASON_ANOM_BAD_PARAM);
        p = skip_junk(p, e);
    }
    rv->params = (struct slice){p, 0};
    const uint8_t *pstart = p;
    while (p < e && *p == ';') {
        p = param(rv, p + 1, e);
    }
    /* p is at ',' or e */
    const uint8_t *vend = p;
    while (vend > v0 && is_lws(vend[-1]))
        vend--;
    rv->raw = (struct slice){v0, (size_t)(vend - v0)};
    rv->params = (struct slice){pstart, vend > pstart ? (size_t)(vend - pstart) : 0};
    if (p < e && *p == ',') {
        it->p = p + 1;
        it->after_comma = 1;
    } else {
        it->p = e;
        it->done = 1;
    }
    validate(rv);
    return 1;
}

void reason_text_put(struct buf *b, struct slice text)
{
    size_t i = 0, run = 0;
    while (i < text.n) {
        if (text.p[i] == '\\' && i + 1 < text.n) {
            if (i > run)
                buf_put(b, text.p + run, i - run);
            buf_put(b, text.p + i + 1, 1);
            i += 2;
            run = i;
            continue;
        }
        i++;
    }
    if (text.n > run)
        buf_put(b, text.p + run, text.n - run);
}

static const char *const anom_names[REASON_ANOM__COUNT] = {
    [REASON_ANOM_EMPTY] = "empty-value",
    [REASON_ANOM_BAD_PROTOCOL] = "bad-protocol",
    [REASON_ANOM_UNKNOWN_PROTOCOL] = "unknown-protocol",
    [REASON_ANOM_NO_CAUSE] = "missing-cause",
    [REASON_ANOM_BAD_CAUSE] = "bad-cause",
    [REASON_ANOM_CAUSE_RANGE] = "cause-out-of-range",
    [REASON_ANOM_CAUSE_UNASSIGNED] = "cause-unassigned",
    [REASON_ANOM_DUP_CAUSE] = "duplicate-cause",
    [REASON_ANOM_BAD_TEXT] = "bad-text",
    [REASON_ANOM_DUP_TEXT] = "duplicate-text",
    [REASON_ANOM_BAD_PARAM] = "bad-parameter",
};

static const char *const anom_texts[REASON_ANOM__COUNT] = {
    [REASON_ANOM_EMPTY] = "empty Reason value",
    [REASON_ANOM_BAD_PROTOCOL] = "Reason value without a protocol token",
    [REASON_ANOM_UNKNOWN_PROTOCOL] = "Reason protocol is not SIP, Q.850 or another registered value",
    [REASON_ANOM_NO_CAUSE] = "Reason value without a cause parameter",
    [REASON_ANOM_BAD_CAUSE] = "Reason cause is not a decimal number",
    [REASON_ANOM_CAUSE_RANGE] = "Reason cause out of range (Q.850: 1-127, SIP: 100-699)",
    [REASON_ANOM_CAUSE_UNASSIGNED] = "Q.850 cause value that Q.850 leaves unassigned",
    [REASON_ANOM_DUP_CAUSE] = "Reason cause parameter given twice (first kept)",
    [REASON_ANOM_BAD_TEXT] = "Reason text is not a (closed) quoted string",
    [REASON_ANOM_DUP_TEXT] = "Reason text parameter given twice (first kept)",
    [REASON_ANOM_BAD_PARAM] = "bytes in the Reason value that are not a parameter",
};

const char *reason_anom_name(enum reason_anom a)
{
    return (unsigned)a < REASON_ANOM__COUNT ? anom_names[a] : "?";
}

const char *reason_anom_text(enum reason_anom a)
{
    return (unsigned)a < REASON_ANOM__COUNT ? anom_texts[a] : "?";
}
