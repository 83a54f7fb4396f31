/*
 * kpi.h - call attempts and route-quality KPIs from the const store:
 * the data behind `sipladder report` (render/report.c prints it as text
 * or JSON; an SVG/PNG chart writer can draw from the same struct
 * kpi_report: `causes` for a bar chart, `buckets` for KPIs over time).
 *
 * KPIs after ITU-T E.411 and E.425 and carrier practice; the exact
 * formulas are in doc/kpi.md:
 *   ASR  = answered / completed attempts
 *   NER  = (answered + busy + no answer + rejected) / completed attempts (E.425)
 *   ACD  = ALOC = mean(BYE - 2xx) over answered calls ended by a BYE
 *   PDD  = SRD = first 18x or 2xx - first INVITE of the attempt (mean, p50/p95/p99)
 *   setup time = first 2xx - first INVITE;  short calls = duration < --short-call
 * An attempt is one INVITE call (a Call-ID with an initial INVITE) after
 * merging retries: 401/407/3xx/422 retries inside one Call-ID are already
 * one call in the store; a new Call-ID after a 3xx, 401, 407 or 422 final
 * is merged into the earlier call when it starts within the retry window
 * after that final, from the same caller address, with the same From tag
 * and From URI, or with the same From URI and To URI.
 *
 * Breakdowns: overall, per peer (unordered lane pair), per direction
 * (caller lane -> callee lane), per From domain, per To domain, per time
 * bucket (--interval, or automatic).
 *
 * Ownership: kpi_build() allocates everything in the report; kpi_free()
 * releases it.  The attempts' call_causes point into the store's bytes:
 * free the report before the store.  Strings taken from the capture (keys,
 * URIs) are raw bytes (NUL bytes replaced by '?'): renderers escape them.
 */
#ifndef SIPLADDER_SRC_KPI_H
#define SIPLADDER_SRC_KPI_H

#include <stddef.h>
#include <stdint.h>

#include "dissect/reason.h"
#include "src/causes.h"
#include "src/select.h"
#include "src/store.h"

#define KPI_NS_PER_S 1000000000LL

struct kpi_opts {
    int64_t short_call_ns;   /* answered calls shorter than this are short calls */
    int64_t interval_ns;     /* time bucket width; 0 = automatic (see kpi_auto_interval) */
    int64_t retry_window_ns; /* follow-up window for retries in a new Call-ID */
    /* Name of a lane for the peer/direction keys (an alias, say); NULL or a
     * NULL return = "ip:port".  The returned string is copied. */
    const char *(*lane_name)(void *ctx, const struct endpoint *e);
    void *lane_ctx;
};

#define KPI_OPTS_DEFAULT_INIT                                                                      \
    {                                                                                              \
        .short_call_ns = 10 * KPI_NS_PER_S, .interval_ns = 0, .retry_window_ns = 10 * KPI_NS_PER_S, \
        .lane_name = NULL, .lane_ctx = NULL,                                                       \
    }

/* Distribution of a time (ns).  n == 0: the other fields are 0. */
struct kpi_stat {
    size_t n;
    int64_t mean, p50, p95, p99, min, max; /* percentiles: nearest rank */
};

struct kpi_counts {
    uint64_t attempts;        /* counted attempts (retries merged) */
    uint64_t completed;       /* attempts - incomplete */
    uint64_t disp[DISP__COUNT];
    uint64_t user_determined; /* answered + busy + no answer + rejected */
    uint64_t ended;           /* answered and ended by a BYE (duration known) */
    uint64_t short_calls;     /* ended with duration < short_call_ns */
};

struct kpi_group {
    char *key;                /* "" for the overall group; time buckets: "" (see bucket) */
    int64_t bucket;           /* time buckets: start (ns since the epoch) */
    struct kpi_counts c;
    double asr, ner, short_ratio; /* -1 when the denominator is 0 */
    struct kpi_stat pdd, setup, duration;
};

struct kpi_attempt {
    struct call_causes cc;    /* the call (Call-ID) this entry is about */
    uint8_t counted;          /* 1: an attempt of its own; 0: merged into a later one */
    uint32_t merged_into;     /* index in kpi_report.att, or NONE */
    uint32_t retries;         /* earlier Call-IDs merged into this one */
    uint32_t first;           /* index in att of the chain's first call */
    int64_t start;            /* first INVITE of the chain (ns) */
    int64_t pdd, setup, duration; /* ns; -1 when not measured */
    char *from, *to;          /* URIs of the chain's first INVITE (raw bytes) */
    char *from_domain, *to_domain;
    char *from_tag;
    char *caller_lane, *callee_lane;
    char *peer, *direction;
};

struct kpi_status_count {
    uint16_t status;          /* 0: no final response (timer B) */
    uint64_t n;
};

struct kpi_cause_count {
    uint16_t cause;           /* 0: attempts without a cause */
    uint64_t n, from_reason, mapped, implied;
};

struct kpi_cell {
    uint16_t status, cause;
    uint64_t n;
};

struct kpi_report {
    struct kpi_opts opts;     /* as used (interval resolved) */
    struct kpi_attempt *att;  /* every INVITE call of the selection, by start time */
    size_t natt;
    uint64_t attempts;        /* att entries with counted == 1 */
    uint64_t retries_merged;  /* att entries merged into a later one */
    uint64_t non_invite_calls;      /* selected calls without any INVITE (REGISTER, OPTIONS, ...) */
    uint64_t calls_without_invite;  /* in-dialog traffic only (the capture began mid-call) */
    struct kpi_group overall;
    struct kpi_group *peers, *directions, *from_domains, *to_domains, *buckets;
    size_t npeers, ndirections, nfrom_domains, nto_domains, nbuckets;
    struct kpi_status_count *statuses; /* completed attempts by final status, by code */
    size_t nstatuses;
    struct kpi_cause_count *causes;    /* completed attempts by Q.850 cause, by value */
    size_t ncauses;
    struct kpi_cell *matrix;           /* status x cause, by status then cause */
    size_t nmatrix;
    uint64_t reason_values;            /* Reason values in the selected calls */
    uint64_t reason_anom_values;       /* ... with at least one anomaly */
    uint64_t reason_anoms[REASON_ANOM__COUNT]; /* values with each anomaly */
    uint64_t conflicts;                /* counted attempts whose final's Reason disagrees with the mapping */
    uint64_t multi_finals;             /* calls with two different finals on one INVITE transaction */
};

/* Build the report for the selected calls of s (after store_finish()).
 * o may be NULL (defaults). */
void kpi_build(struct kpi_report *r, const struct store *s, const struct selection *sel, const struct kpi_opts *o);
void kpi_free(struct kpi_report *r);

/* The interval kpi_build() picks when none is given: the smallest of 1 min,
 * 5 min, 15 min, 1 h, 6 h, 1 day giving at most 60 buckets over span_ns. */
int64_t kpi_auto_interval(int64_t span_ns);

/* Nearest-rank percentile (q in 1..100) of n sorted values. */
int64_t kpi_percentile(const int64_t *sorted, size_t n, unsigned q);

/* Parse a duration: "10s", "500ms", "1m", "2h", "1d", or plain seconds
 * ("1.5").  Returns 0 and sets *ns, -1 when not a positive duration. */
int kpi_parse_duration(const char *s, int64_t *ns);

#endif
