/*
 * test_reason.c - the RFC 3326 Reason header parser (dissect/reason.c) and
 * the ITU-T Q.850 cause table (dissect/q850.c): every form of the header
 * (several values in one header, quoted text with escaped quotes, extension
 * parameters, odd spacing and case), and every anomaly (missing cause,
 * unknown protocol, bad cause values such as 0, 128 and "abc", duplicated
 * parameters, unterminated text, junk, empty values).
 */
#include <stdio.h>
#include <string.h>

#include "dissect/q850.h"
#include "dissect/reason.h"
#include "src/base/buf.h"
#include "src/base/util.h"
#include "tests/unit/tap.h"

#define BIT(a) (1u << (a))

/* Parse a whole header value; returns the number of values (<= max). */
static size_t parse(const char *hv, struct reason_value *out, size_t max)
{
    struct reason_iter it;
    struct reason_value rv;
    size_t n = 0, guard = 0;
    reason_iter_init(&it, slice_cstr(hv));
    while (reason_iter_next(&it, &rv)) {
        if (n < max)
            out[n] = rv;
        n++;
        if (++guard > strlen(hv) + 2) {
            ok(0, "iterator does not terminate on '%s'", hv);
            break;
        }
    }
    return n;
}

static void text_is(struct slice t, const char *want, const char *name)
{
    struct buf b = {0};
    reason_text_put(&b, t);
    is_str(((struct slice){(const uint8_t *)(b.p ? b.p : ""), b.n}), want, name);
    buf_free(&b);
}

static void basic_forms(void)
{
    struct reason_value v[8];
    size_t n = parse("Q.850;cause=16", v, 8);
    is_int(n, 1, "Q.850;cause=16: one value");
    is_str(v[0].protocol, "Q.850", "protocol token");
    is_int(v[0].proto, REASON_P_Q850, "protocol Q.850");
    ok(v[0].has_cause, "has cause");
    is_int(v[0].cause, 16, "cause 16");
    is_int(v[0].anoms, 0, "no anomaly");
    ok(!v[0].has_text, "no text");
    is_str(v[0].raw, "Q.850;cause=16", "raw value");
    is_str(v[0].params, ";cause=16", "params span");

    n = parse("SIP ;cause=200 ;text=\"Call completed elsewhere\"", v, 8);
    is_int(n, 1, "SIP value with text: one value");
    is_int(v[0].proto, REASON_P_SIP, "protocol SIP");
    is_int(v[0].cause, 200, "SIP cause 200");
    ok(v[0].has_text, "has text");
    is_str(v[0].text, "Call completed elsewhere", "text without quotes");
    is_int(v[0].anoms, 0, "no anomaly with spaces before ';'");

    n = parse("q.850 ; CAUSE = 17 ; TEXT = \"User busy\"", v, 8);
    is_int(v[0].proto, REASON_P_Q850, "protocol and parameter names are case-insensitive");
    is_int(v[0].cause, 17, "spaces around '=' tolerated");
    is_str(v[0].text, "User busy", "TEXT parameter");
    is_int(v[0].anoms, 0, "no anomaly");

    /* several values in one header (RFC 3326 §2: one per protocol) */
    n = parse("SIP;cause=580;text=\"Precondition Failure\", Q.850;cause=47;text=\"Resource, unavailable\"", v, 8);
    is_int(n, 2, "two comma-separated values");
    is_int(v[0].proto, REASON_P_SIP, "first: SIP");
    is_int(v[0].cause, 580, "first: cause 580");
    is_int(v[1].proto, REASON_P_Q850, "second: Q.850");
    is_int(v[1].cause, 47, "second: cause 47");
    is_str(v[1].text, "Resource, unavailable", "comma inside the quoted text does not split");
    is_int(v[0].anoms | v[1].anoms, 0, "no anomaly in either");

    /* quoted text with escaped quotes and backslashes */
    n = parse("Q.850;cause=31;text=\"he said \\\"no\\\", then \\\\ left\"", v, 8);
    is_int(n, 1, "escaped quotes: one value");
    is_str(v[0].text, "he said \\\"no\\\", then \\\\ left", "text span keeps the quoted-pairs");
    text_is(v[0].text, "he said \"no\", then \\ left", "reason_text_put undoes the quoted-pairs");
    is_int(v[0].anoms, 0, "escaped quotes: no anomaly");

    /* extension parameters (RFC 8606 location, generic-param) */
    n = parse("Q.850;cause=16;location=LN;foo;bar=\"x;y\"", v, 8);
    is_int(v[0].cause, 16, "extension params: cause still read");
    is_int(v[0].anoms, 0, "extension params are not anomalies");

    /* folded header value: LWS includes CRLF */
    n = parse("Q.850\r\n ;cause=41", v, 8);
    is_int(v[0].cause, 41, "folded value");
    is_int(v[0].anoms, 0, "folded value: no anomaly");

    /* registered protocols other than SIP and Q.850 */
    n = parse("Preemption;cause=1;text=\"UA Preemption\"", v, 8);
    is_int(v[0].proto, REASON_P_REGISTERED, "Preemption is a registered protocol (RFC 4411)");
    is_int(v[0].anoms, 0, "registered protocol: no anomaly");
    n = parse("RELEASE_CAUSE;cause=1", v, 8);
    is_int(v[0].proto, REASON_P_REGISTERED, "3GPP RELEASE_CAUSE is registered");
}

static void anomalies(void)
{
    struct reason_value v[8];
    size_t n;

    n = parse("Q.850", v, 8);
    is_int(n, 1, "missing cause: one value");
    ok(v[0].anoms & BIT(REASON_ANOM_NO_CAUSE), "missing cause flagged");
    ok(!v[0].has_cause, "missing cause: has_cause 0");

    n = parse("Q.850;text=\"x\"", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_NO_CAUSE), "text but no cause: missing cause");
    is_str(v[0].text, "x", "text kept");

    n = parse("X-Vendor;cause=5", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_UNKNOWN_PROTOCOL), "unknown protocol flagged");
    is_int(v[0].proto, REASON_P_OTHER, "unknown protocol: OTHER");
    is_str(v[0].protocol, "X-Vendor", "unknown protocol token kept");
    is_int(v[0].cause, 5, "unknown protocol: cause still read");

    n = parse("Q.850;cause=0", v, 8);
    ok(v[0].has_cause && v[0].cause == 0, "cause 0 read");
    ok(v[0].anoms & BIT(REASON_ANOM_CAUSE_RANGE), "Q.850 cause 0 out of range");
    n = parse("Q.850;cause=128", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_CAUSE_RANGE), "Q.850 cause 128 out of range");
    n = parse("Q.850;cause=127", v, 8);
    is_int(v[0].anoms, 0, "Q.850 cause 127 fine");
    n = parse("Q.850;cause=1", v, 8);
    is_int(v[0].anoms, 0, "Q.850 cause 1 fine");
    n = parse("Q.850;cause=abc", v, 8);
    ok(!v[0].has_cause, "cause abc: no cause");
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_CAUSE), "cause abc: bad cause");
    ok(!(v[0].anoms & BIT(REASON_ANOM_NO_CAUSE)), "cause abc: not also 'missing'");
    is_str(v[0].cause_s, "abc", "cause abc: raw value kept");
    n = parse("Q.850;cause=", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_CAUSE), "empty cause: bad cause");
    n = parse("Q.850;cause", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_CAUSE), "cause without '=': bad cause");
    n = parse("Q.850;cause=\"16\"", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_CAUSE), "quoted cause: bad cause");
    n = parse("Q.850;cause=16x", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_CAUSE), "cause 16x: bad cause");
    n = parse("Q.850;cause=-1", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_CAUSE), "cause -1: bad cause");
    n = parse("Q.850;cause=99999999999999999999", v, 8);
    ok(v[0].has_cause && v[0].cause == 999999, "huge cause saturates");
    ok(v[0].anoms & BIT(REASON_ANOM_CAUSE_RANGE), "huge cause out of range");
    n = parse("Q.850;cause=10", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_CAUSE_UNASSIGNED), "Q.850 cause 10 unassigned");
    ok(!(v[0].anoms & BIT(REASON_ANOM_CAUSE_RANGE)), "unassigned is not out of range");
    n = parse("SIP;cause=99", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_CAUSE_RANGE), "SIP cause 99 out of range");
    n = parse("SIP;cause=700", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_CAUSE_RANGE), "SIP cause 700 out of range");
    n = parse("SIP;cause=603", v, 8);
    is_int(v[0].anoms, 0, "SIP cause 603 fine");

    n = parse("Q.850;cause=16;cause=17", v, 8);
    is_int(v[0].cause, 16, "duplicate cause: first kept");
    ok(v[0].anoms & BIT(REASON_ANOM_DUP_CAUSE), "duplicate cause flagged");
    n = parse("Q.850;cause=16;text=\"a\";text=\"b\"", v, 8);
    is_str(v[0].text, "a", "duplicate text: first kept");
    ok(v[0].anoms & BIT(REASON_ANOM_DUP_TEXT), "duplicate text flagged");
    n = parse("Q.850;cause=16;text=Normal", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_TEXT), "unquoted text flagged");
    is_str(v[0].text, "Normal", "unquoted text kept");
    n = parse("Q.850;cause=16;text=\"never closed, Q.850;cause=17", v, 8);
    is_int(n, 1, "unterminated text swallows the rest: one value");
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_TEXT), "unterminated text flagged");
    is_str(v[0].text, "never closed, Q.850;cause=17", "unterminated text runs to the end");
    n = parse("Q.850;cause=16;text=\"ends in backslash\\", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_TEXT), "text ending in a lone backslash: unterminated");

    n = parse("Q.850;;cause=16", v, 8);
    is_int(v[0].cause, 16, "empty parameter: cause still read");
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_PARAM), "empty parameter flagged");
    n = parse("Q.850 junk;cause=16", v, 8);
    is_int(v[0].cause, 16, "junk after protocol: cause still read");
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_PARAM), "junk after protocol flagged");
    n = parse("Q.850;cause=16 17", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_PARAM), "junk after a parameter flagged");
    n = parse(";cause=16", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_PROTOCOL), "no protocol flagged");
    is_int(v[0].cause, 16, "no protocol: cause read");
    n = parse("\"Q.850\";cause=16", v, 8);
    ok(v[0].anoms & BIT(REASON_ANOM_BAD_PROTOCOL), "quoted protocol flagged");

    /* empty values */
    n = parse("", v, 8);
    is_int(n, 1, "empty header: one value");
    ok(v[0].anoms & BIT(REASON_ANOM_EMPTY), "empty header flagged");
    n = parse("   ", v, 8);
    is_int(n, 1, "blank header: one value");
    ok(v[0].anoms & BIT(REASON_ANOM_EMPTY), "blank header flagged");
    n = parse("Q.850;cause=16,,SIP;cause=200", v, 8);
    is_int(n, 3, "',,': three values");
    ok(v[1].anoms & BIT(REASON_ANOM_EMPTY), "',,': the middle one is empty");
    is_int(v[2].cause, 200, "',,': the last one read");
    n = parse("Q.850;cause=16,", v, 8);
    is_int(n, 2, "trailing comma: two values");
    ok(v[1].anoms & BIT(REASON_ANOM_EMPTY), "trailing comma: an empty value");
    n = parse(",Q.850;cause=16", v, 8);
    is_int(n, 2, "leading comma: two values");
    ok(v[0].anoms & BIT(REASON_ANOM_EMPTY), "leading comma: an empty value");
    is_int(v[1].cause, 16, "leading comma: then the value");

    /* a NULL slice (header absent) yields nothing */
    struct reason_iter it;
    struct reason_value rv;
    reason_iter_init(&it, SLICE_NULL);
    ok(!reason_iter_next(&it, &rv), "NULL value: no values");

    /* every anomaly has a name and a sentence */
    int named = 1;
    for (unsigned a = 0; a < REASON_ANOM__COUNT; a++)
        named &= reason_anom_name((enum reason_anom)a)[0] != '?' && reason_anom_text((enum reason_anom)a)[0] != '?';
    ok(named, "every anomaly kind has a name and a text");
    is_str(slice_cstr(reason_anom_name(REASON_ANOM_CAUSE_RANGE)), "cause-out-of-range", "anomaly id");
}

static void hostile(void)
{
    /* bytes that are never SIP: NULs, high bytes, lone quotes, long runs */
    static const char *const inputs[] = {
        "\"", "\\", ";", ",", "=", ";=;=;=", "Q.850;cause=\"", "Q.850;text=\"\\", ",,,,,,,,", "Q.850;cause=1;;;;;;,",
        "\xff\xfe;cause=1", "Q.850;cause=1;text=\"\xc3\x28\"",
    };
    int fine = 1;
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        struct reason_value v[64];
        size_t n = parse(inputs[i], v, 64);
        for (size_t k = 0; k < n && k < 64; k++) {
            const uint8_t *b = (const uint8_t *)inputs[i], *e = b + strlen(inputs[i]);
            struct slice sl[5] = {v[k].raw, v[k].protocol, v[k].cause_s, v[k].text, v[k].params};
            for (int j = 0; j < 5; j++)
                if (sl[j].n && (sl[j].p < b || sl[j].p + sl[j].n > e))
                    fine = 0;
        }
    }
    ok(fine, "hostile inputs: every slice stays inside the input");
    /* embedded NUL inside a value */
    const uint8_t nul[] = {'Q', '.', '8', '5', '0', ';', 'c', 'a', 'u', 's', 'e', '=', '1', 0, '6'};
    struct reason_iter it;
    struct reason_value rv;
    reason_iter_init(&it, (struct slice){nul, sizeof nul});
    ok(reason_iter_next(&it, &rv), "NUL inside: a value");
    ok(rv.anoms & BIT(REASON_ANOM_BAD_CAUSE), "NUL inside the cause: bad cause");
}

static void q850_table(void)
{
    is_str(slice_cstr(q850_name(16)), "Normal call clearing", "Q.850 16");
    is_str(slice_cstr(q850_name(17)), "User busy", "Q.850 17");
    is_str(slice_cstr(q850_name(41)), "Temporary failure", "Q.850 41");
    is_str(slice_cstr(q850_name(47)), "Resource unavailable, unspecified", "Q.850 47");
    is_str(slice_cstr(q850_name(86)), "Call having the requested call identity has been cleared", "Q.850 86");
    is_str(slice_cstr(q850_name(97)), "Message type non-existent or not implemented", "Q.850 97");
    is_str(slice_cstr(q850_name(102)), "Recovery on timer expiry", "Q.850 102");
    is_str(slice_cstr(q850_name(127)), "Interworking, unspecified", "Q.850 127 (Table 1-26 prints 'Internal error')");
    is_str(slice_cstr(q850_name(10)), "unassigned cause value", "Q.850 10 is unassigned");
    ok(!q850_is_assigned(10) && !q850_is_assigned(126), "10 and 126 unassigned");
    ok(q850_is_assigned(1) && q850_is_assigned(127) && q850_is_assigned(14) && q850_is_assigned(24),
       "1, 14, 24, 127 assigned");
    ok(strstr(q850_name(0), "not a Q.850") != NULL, "0 named as not a Q.850 value");
    ok(strstr(q850_name(128), "not a Q.850") != NULL, "128 named as not a Q.850 value");
    ok(!q850_is_assigned(0) && !q850_is_assigned(128) && !q850_is_assigned(4000000000u), "0, 128, huge: not assigned");
    int n = 0, named = 1;
    for (unsigned c = 1; c <= Q850_MAX; c++) {
        n += q850_is_assigned(c);
        named &= q850_name(c)[0] != 0;
    }
    is_int(n, 71, "71 assigned values in 1..127");
    ok(named, "every value 1..127 has a name");
    is_int(q850_class(16), 1, "16: class 001");
    is_int(q850_class(34), 2, "34: class 010");
    is_int(q850_class(97), 6, "97: class 110");
    is_int(q850_class(127), 7, "127: class 111");
    is_int(q850_class(0), -1, "0: no class");
    is_str(slice_cstr(q850_class_name(q850_class(17))), "normal event", "class name normal event");
    is_str(slice_cstr(q850_class_name(q850_class(47))), "resource unavailable", "class name resource unavailable");
    is_str(slice_cstr(q850_class_name(q850_class(97))), "protocol error", "class name protocol error");
    is_str(slice_cstr(q850_class_name(q850_class(127))), "interworking", "class name interworking");
    is_str(slice_cstr(q850_class_name(9)), "", "invalid class: empty name");
    ok(strstr(q850_reference(), "Q.850") != NULL, "reference names Q.850");
}

int main(void)
{
    basic_forms();
    anomalies();
    hostile();
    q850_table();
    return tap_done();
}
