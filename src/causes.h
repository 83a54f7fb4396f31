/*
 * causes.h - why a call ended and who ended it, from the const store.
 *
 * For one call: the disposition (answered, busy, no answer/cancelled,
 * rejected, redirected, failed, or incomplete at the capture end), the
 * deciding final SIP status, the ITU-T Q.850 cause (from a Reason header,
 * RFC 3326 / RFC 6432; else mapped from the SIP status by dissect/sipq850.h:
 * the seed's Cisco UCM Table 1-26, RFC 3398 §7.2.4.1, RFC 4497; else implied),
 * a flag when the Reason disagrees with the mapping, the releasing side
 * (caller, callee or intermediary, by the lane that sent the BYE, CANCEL or
 * final response), the release time, and every Reason value of the call
 * with its anomalies.  The rules are spelled out in doc/kpi.md ("Per call").
 *
 * Disposition classes follow ITU-T E.425's call outcome categories
 * (answer, user busy, ring no answer, terminal rejection; everything else
 * is a failure), decided on the Q.850 cause category of the final status.
 *
 * Ownership: struct call_causes owns its `reasons` array (call_causes_free);
 * the spans in it point into the store's message bytes, so the store must
 * outlive it.  Nothing here writes to the store.
 */
#ifndef SIPLADDER_SRC_CAUSES_H
#define SIPLADDER_SRC_CAUSES_H

#include <stdint.h>

#include "src/base/buf.h"
#include "src/store.h"

enum disposition {
    DISP_ANSWERED = 0,  /* a 2xx to the initial INVITE */
    DISP_BUSY,          /* user busy: Q.850 17 (486, 600) */
    DISP_NO_ANSWER,     /* ring no answer / cancelled: CANCEL, 487, Q.850 18/19 (480) */
    DISP_REJECTED,      /* terminal rejection/unavailability: Q.850 20/21 (403, 603, ...), other 6xx */
    DISP_REDIRECTED,    /* 3xx without a follow-up */
    DISP_FAILED,        /* every other final (404, 408, 5xx, ...), or no response within timer B */
    DISP_INCOMPLETE,    /* no final outcome when the capture ended */
    DISP__COUNT
};

enum cause_src {
    CAUSE_NONE = 0,
    CAUSE_REASON,   /* a Reason: Q.850;cause=N header of the call */
    CAUSE_MAPPED,   /* the final SIP status through the mapping table */
    CAUSE_IMPLIED,  /* BYE without Reason -> 16; no response within timer B -> 102 */
};

enum rel_side { SIDE_NONE = 0, SIDE_CALLER, SIDE_CALLEE, SIDE_INTERMEDIARY };

enum rel_kind { RELK_NONE = 0, RELK_BYE, RELK_CANCEL, RELK_RESPONSE, RELK_TIMEOUT };

/* Timer B (RFC 3261 §17.1.1.2: 64*T1) after which an INVITE without any
 * final response counts as failed, when the capture lasts that long. */
#define CAUSES_TIMER_B_NS (32LL * 1000000000LL)

/* One Reason value found in the call (BYE, CANCEL and responses). */
struct call_reason {
    uint32_t msg;                /* store message index */
    uint8_t proto;               /* enum reason_proto */
    uint8_t has_cause, has_text;
    uint32_t cause;
    uint32_t anoms;              /* enum reason_anom bits */
    struct sip_span raw, protocol, text; /* into s->msgs[msg].buf; text without quotes, escapes kept */
};

struct call_causes {
    uint32_t call;
    uint8_t is_attempt;       /* an INVITE call whose initial INVITE was seen */
    uint8_t disposition;      /* enum disposition (meaningful when is_attempt) */
    uint16_t final_status;    /* deciding final status, 0 = none */
    uint32_t final_msg;       /* its message, NONE */
    uint8_t release_kind;     /* enum rel_kind */
    uint8_t release_side;     /* enum rel_side */
    uint32_t release_msg;     /* BYE, CANCEL or final response; NONE */
    int64_t release_ts;       /* ns; 0 when not released */
    uint16_t cause;           /* Q.850 cause, 0 = none */
    uint8_t cause_src;        /* enum cause_src */
    uint32_t cause_msg;       /* message whose Reason gave the cause, NONE */
    uint16_t mapped_cause;    /* mapping of final_status (>= 300), 0 = none */
    uint8_t mapped_src;       /* enum sipq850_source */
    uint8_t conflict;         /* the final response's own Reason disagrees with the mapping */
    uint16_t multi_final[2];  /* two different final statuses on one INVITE transaction (0 = none) */
    int64_t start;            /* initial INVITE time (ns), 0 when none */
    int64_t ring_ts, answer_ts; /* first 18x / 2xx to an initial INVITE, 0 when none */
    struct endpoint caller, callee; /* callee.family 0 when unknown */
    struct call_reason *reasons;
    size_t nreasons;
    uint32_t reason_anoms;    /* OR of the anomalies of every value */
    uint32_t reason_anom_values; /* values with at least one anomaly */
};

/* Analyse call c of store s (after store_finish()). */
void call_causes_compute(const struct store *s, const struct call *c, struct call_causes *cc);
void call_causes_free(struct call_causes *cc);

/* One line, ASCII only (no capture bytes, so no escaping needed), without
 * a newline, for a ladder's release annotation, e.g.
 *   "released by callee (BYE) at 10:00:05.120 UTC: Q.850 16 Normal call clearing [Reason]"
 *   "released by intermediary (416 Unsupported URI Scheme) at ...: Q.850 97 ... [Reason];
 *    conflict: Table 1-26 maps 416 to 127"
 * Appended to b. */
void call_release_note(struct buf *b, const struct store *s, const struct call *c);

const char *disposition_name(enum disposition d); /* "answered", "busy", "no_answer", ... */
const char *disposition_label(enum disposition d); /* "no answer/cancelled", ... */
const char *rel_side_name(enum rel_side s);        /* "caller", "callee", "intermediary", "" */
const char *rel_kind_name(enum rel_kind k);        /* "BYE", "CANCEL", "response", "timer B", "" */
const char *cause_src_name(enum cause_src s);      /* "reason", "mapped", "implied", "none" */

/* E.425 user-determined outcome (answered, busy, no answer, rejected). */
int disposition_user_determined(enum disposition d);

#endif
