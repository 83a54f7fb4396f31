/*
 * ladder.h - the renderer-neutral ladder model.
 *
 * ladder_build() turns a set of stored messages (one call, or several
 * calls grouped) into lanes (one per endpoint, or per alias name, in
 * first-seen order) and rows (one per message: from-lane, to-lane, label,
 * times, SDP note, retransmission mark).  Every output format draws from
 * this model; none of them looks at lanes or rows any other way.
 *
 * Ownership: the ladder owns its strings; free with ladder_free().
 * All strings are raw bytes from the capture: each renderer escapes them
 * for its own format.
 */
#ifndef SIPLADDER_RENDER_LADDER_H
#define SIPLADDER_RENDER_LADDER_H

#include <stddef.h>
#include <stdint.h>

#include "src/base/buf.h"
#include "src/store.h"

struct alias {
    struct endpoint ep; /* port 0 = every port of that address */
    char *name;
};

struct alias_table {
    struct alias *v;
    size_t n, cap;
};

/* "IP[:PORT]=NAME"; returns 0 on success. */
int alias_add(struct alias_table *t, const char *spec);
/* File with one alias per line; '#' comments and blank lines skipped.
 * Returns 0, or -1 with a message on stderr naming the line. */
int alias_load_file(struct alias_table *t, const char *path);
void alias_free(struct alias_table *t);
/* Name for an endpoint, or NULL. */
const char *alias_lookup(const struct alias_table *t, const struct endpoint *e);

enum row_kind { ROW_REQUEST = 0, ROW_1XX, ROW_2XX, ROW_3XX, ROW_ERROR, ROW_BAD };

struct lane {
    struct endpoint ep;  /* first endpoint seen on this lane */
    char *name;          /* alias, or "ip:port" (with LADDER_MERGE_HOSTS: "ip") */
    char *addr;          /* "ip:port" of the first endpoint */
    /* every endpoint drawn on this lane ("ip:port", first-seen order; addrs[0] == addr) */
    char **addrs;
    size_t naddrs, cap_addrs;
    uint8_t aliased;     /* name comes from the alias table */
};

struct row {
    uint32_t msg;        /* store message index */
    uint32_t from, to;   /* lane indexes */
    uint8_t kind;        /* enum row_kind */
    uint8_t retrans;
    char *label;         /* "INVITE", "180 Ringing" (raw bytes) */
    char *note;          /* SDP summary or "", raw bytes */
    int64_t ts, delta;   /* ns; delta from the previous row */
    /* Added for the diagram renderers (text.c does not use them): */
    char *ruri_user;     /* requests: user part of the Request-URI ("" if none), raw bytes */
    char *reason;        /* BYE, CANCEL and responses >= 300: raw Reason header value, or "" */
    uint32_t rtx_no;     /* retransmissions: 1 for the first repeat of a message, 2 ... */
    uint32_t call;       /* store call index, or NONE */
    uint32_t dialog;     /* dialog index within the call, or NONE */
};

/* A media session negotiated by SDP offer/answer (not observed RTP):
 * from the row of the answer to the row that ended or replaced it. */
struct media_span {
    uint32_t row0, row1;   /* answer row .. BYE/CANCEL/next answer row (inclusive) */
    uint32_t lane_a, lane_b; /* offerer's and answerer's lanes */
    uint8_t open;          /* still running at the last row of the ladder */
    char *label;           /* "PCMU sendrecv", "PCMU sendonly/recvonly" (raw bytes) */
    char *detail;          /* "127.0.0.1:16061 <-> 127.0.0.1:16060" (raw bytes) */
};

struct ladder {
    struct lane *lanes;
    size_t nlanes, cap_lanes;
    struct row *rows;
    size_t nrows, cap_rows;
    struct media_span *media;
    size_t nmedia, cap_media;
};

void ladder_build(struct ladder *L, const struct store *s, const uint32_t *msgs, size_t n,
                  const struct alias_table *aliases);

enum ladder_flags {
    LADDER_MERGE_HOSTS = 1, /* one lane per IP address (all its ports) instead of per IP:port */
};
/* ladder_build() with flags (ladder_build() is ladder_build_ex(..., 0)). */
void ladder_build_ex(struct ladder *L, const struct store *s, const uint32_t *msgs, size_t n,
                     const struct alias_table *aliases, unsigned flags);
void ladder_free(struct ladder *L);

/* One-line SDP summary of a message body ("PCMU,telephone-event 10.0.0.1:4000 sendrecv"), appended to b.
 * Appends nothing when the body is not SDP. */
void sdp_note(struct buf *b, struct slice body);
/* "INVITE" or "180 Ringing" for a stored message. */
void msg_label(struct buf *b, const struct msg *m);

#endif
