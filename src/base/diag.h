/*
 * diag.h - diagnostics: counted events with a clear sentence each.
 *
 * Every layer reports what it could not do through diag_report(): the
 * event is counted by kind, and the first few of each kind are printed on
 * stderr as "sipladder: FILE: frame N: cause" (all of them with -v, none
 * with -q).  The end-of-run summary and the JSON "diagnostics" object are
 * built from the counters, so nothing dropped or truncated goes unsaid.
 */
#ifndef SIPLADDER_BASE_DIAG_H
#define SIPLADDER_BASE_DIAG_H

#include <stdint.h>
#include <stdio.h>

enum diag_kind {
    DIAG_PCAP_ERROR = 0,     /* libpcap read error / truncated file */
    DIAG_LINKTYPE,           /* unsupported link-layer type */
    DIAG_DUPLICATE,          /* frame seen twice (same bytes and timestamp); counted once */
    DIAG_TRUNCATED,          /* packet cut by snaplen before the payload */
    DIAG_BAD_L2,             /* malformed link/tunnel header */
    DIAG_BAD_IP,             /* malformed IPv4/IPv6 header */
    DIAG_BAD_UDP,            /* malformed UDP header */
    DIAG_IP_FRAGMENT,        /* IP fragment not reassembled */
    DIAG_TCP_SKIPPED,        /* TCP segment carrying SIP-like data, not reassembled */
    DIAG_SCTP_SKIPPED,       /* SCTP packet not decoded */
    DIAG_TUNNEL_DEPTH,       /* encapsulation nested too deep */
    DIAG_SIP_BAD,            /* SIP-looking payload with no usable start line */
    DIAG_SIP_ANOMALY,        /* SIP message kept with anomalies */
    DIAG_SIP_UNCORRELATED,   /* SIP message missing Call-ID/From/To/CSeq */
    DIAG_LIMIT,              /* a configured limit was hit */
    DIAG_TCP_GAP,            /* bytes missing in a TCP stream */
    DIAG_TCP_INCOMPLETE,     /* a SIP message left incomplete at the end of a TCP stream */
    DIAG_TCP_JUNK,           /* non-SIP bytes skipped inside a SIP TCP stream */
    DIAG_ENCRYPTED,          /* TLS-protected signalling (cannot be decoded without keys) */
    DIAG_WS,                 /* WebSocket protocol problem */
    DIAG_SCTP,               /* SCTP problem (malformed chunk, reassembly) */
    DIAG_HEP,                /* HEP encapsulation problem */
    DIAG__COUNT
};

struct diag {
    uint64_t count[DIAG__COUNT];
    uint64_t printed[DIAG__COUNT];
    int verbosity;          /* 0 quiet, 1 normal (first few), 2 all */
    unsigned print_max;     /* per kind, at verbosity 1 */
    FILE *out;              /* stderr */
    const char *file;       /* current input name */
    uint64_t frame;         /* current frame number (1-based), 0 = none */
    /* named limit counters: limit name -> times hit */
    struct {
        const char *name;
        uint64_t hits;
    } limit[16];
    unsigned nlimit;
};

void diag_init(struct diag *d, int verbosity);
/* Count one event of `kind` at the current file/frame and maybe print it. */
void diag_report(struct diag *d, enum diag_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A limit was hit: counts DIAG_LIMIT and the named limit. */
void diag_limit(struct diag *d, const char *limit_name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *diag_kind_name(enum diag_kind k);

#endif
