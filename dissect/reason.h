/*
 * reason.h - parser of the SIP Reason header field (RFC 3326), pure.
 *
 *   Reason            =  "Reason" HCOLON reason-value *(COMMA reason-value)
 *   reason-value      =  protocol *(SEMI reason-params)
 *   protocol          =  "SIP" / "Q.850" / token
 *   reason-params     =  protocol-cause / reason-text / reason-extension
 *   protocol-cause    =  "cause" EQUAL cause
 *   cause             =  1*DIGIT
 *   reason-text       =  "text" EQUAL quoted-string
 *   reason-extension  =  generic-param
 *
 * Q.850 causes are 1..127 (ITU-T Q.850); SIP causes are status codes
 * 100..699 (RFC 3326 §2; RFC 6432 puts Q.850 causes in responses too).
 * A header may hold several values (one per protocol), and a message may
 * hold several Reason headers: walk each header's values with
 * reason_iter_next().
 *
 * Tolerance: nothing is rejected.  Every value is returned with what could
 * be read and a bit mask of anomalies (enum reason_anom) saying what was
 * wrong: an unknown protocol, a missing, duplicated, non-numeric or
 * out-of-range cause, an unquoted or unterminated text, junk.  Outputs are
 * slices into the caller's bytes; nothing allocates; no byte outside the
 * input is read.
 */
#ifndef SIPLADDER_DISSECT_REASON_H
#define SIPLADDER_DISSECT_REASON_H

#include <stdint.h>

#include "src/base/buf.h"
#include "src/base/util.h"

enum reason_proto {
    REASON_P_OTHER = 0,    /* a token no registry we know has */
    REASON_P_SIP,          /* "SIP": cause is a SIP status code */
    REASON_P_Q850,         /* "Q.850": cause is an ITU-T Q.850 cause value */
    REASON_P_REGISTERED,   /* another IANA-registered protocol (Preemption, 3GPP ...): cause not interpreted */
};

/* Anomalies of one reason-value; keep reason_anom_name()/_text() in sync. */
enum reason_anom {
    REASON_ANOM_EMPTY = 0,         /* empty value (empty header, ",," or a trailing comma) */
    REASON_ANOM_BAD_PROTOCOL,      /* protocol missing or not a token */
    REASON_ANOM_UNKNOWN_PROTOCOL,  /* protocol not SIP, Q.850 or another registered value */
    REASON_ANOM_NO_CAUSE,          /* no cause parameter (SIP, Q.850, registered protocols) */
    REASON_ANOM_BAD_CAUSE,         /* cause empty, quoted or not 1*DIGIT */
    REASON_ANOM_CAUSE_RANGE,       /* Q.850 outside 1..127, SIP outside 100..699 */
    REASON_ANOM_CAUSE_UNASSIGNED,  /* Q.850 value in 1..127 that Q.850 leaves unassigned */
    REASON_ANOM_DUP_CAUSE,         /* cause given twice (the first is kept) */
    REASON_ANOM_BAD_TEXT,          /* text not a quoted-string, or the quote is not closed */
    REASON_ANOM_DUP_TEXT,          /* text given twice (the first is kept) */
    REASON_ANOM_BAD_PARAM,         /* junk: empty parameter name, bytes that are not a parameter */
    REASON_ANOM__COUNT
};

struct reason_value {
    struct slice raw;      /* the whole value, trimmed */
    struct slice protocol; /* protocol token as written (may be empty) */
    uint8_t proto;         /* enum reason_proto */
    uint8_t has_cause;     /* a cause parameter with a usable number was found */
    uint32_t cause;        /* its value (saturates at 999999) when has_cause */
    struct slice cause_s;  /* the cause parameter's value as written (empty when absent) */
    uint8_t has_text;      /* a text parameter was found (quoted or not) */
    struct slice text;     /* its value without the surrounding quotes, escapes kept */
    struct slice params;   /* from the first ';' to the end of the value (may be empty) */
    uint32_t anoms;        /* bit (1u << enum reason_anom) per anomaly */
};

struct reason_iter {
    const uint8_t *p, *end;
    uint8_t started, after_comma, done;
};

/* Start walking the values of one Reason header value (as given by
 * sip_hdr_first() or a struct sip_hdr's value span). */
void reason_iter_init(struct reason_iter *it, struct slice v);

/* Next value: returns 1 and fills *rv, or 0 when there are no more.  An
 * empty header yields one value with REASON_ANOM_EMPTY; so does an empty
 * element between commas or after a trailing comma.  Each call consumes
 * at least one byte or ends the walk, so a walk takes at most n+1 calls. */
int reason_iter_next(struct reason_iter *it, struct reason_value *rv);

/* Append the text of a reason-text with its quoted-pairs undone ("\"" ->
 * '"', "\\" -> '\').  The bytes are still capture data: escape them for
 * the output format. */
void reason_text_put(struct buf *b, struct slice text);

/* Classify a protocol token (case-insensitive). */
enum reason_proto reason_proto_of(struct slice token);

/* Short kebab-case id ("cause-out-of-range") and one sentence. */
const char *reason_anom_name(enum reason_anom a);
const char *reason_anom_text(enum reason_anom a);

#endif
