/*
 * select.h - choosing calls with the command-line filters.
 *
 * A call is selected when every given filter kind matches (kinds AND,
 * values of one kind OR):
 *   call_ids  exact Call-ID
 *   users     user part of From, To or Request-URI (any message of the call)
 *   ips       source or destination address (and port, if given) of any message
 *   methods   any request of the call has this method (case-insensitive)
 *   statuses  any response has this code; "4xx" matches a class
 *   since/until  the call's first message lies in [since, until]
 */
#ifndef SIPLADDER_SRC_SELECT_H
#define SIPLADDER_SRC_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "src/store.h"

struct filter {
    const char **call_ids; size_t ncall_ids, cap_call_ids;
    const char **users; size_t nusers, cap_users;
    struct endpoint *ips; size_t nips, cap_ips;
    const char **methods; size_t nmethods, cap_methods;
    const char **statuses; size_t nstatuses, cap_statuses;
    int64_t since, until; /* ns; 0 = unset */
    int active;
};

struct selection {
    uint32_t *calls; size_t ncalls;  /* store call indexes, in order */
    uint32_t *call_pos;              /* store call index -> position in calls, or NONE */
    uint32_t *msgs; size_t nmsgs;    /* store message indexes to output, capture order */
};

void filter_free(struct filter *f);
/* Parse a --since/--until value: epoch seconds ("1700000000.5") or
 * "YYYY-MM-DD[ T]HH:MM:SS[.frac]" in UTC.  Returns 0 on success. */
int filter_parse_time(const char *s, int64_t *ns);
void select_calls(const struct store *s, const struct filter *f, struct selection *sel);
/* Does one call pass the filter?  (1 when the filter is not active.) */
int select_call_matches(const struct store *s, const struct call *c, const struct filter *f);
void selection_free(struct selection *sel);

#endif
