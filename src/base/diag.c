/*
 * diag.c - counted diagnostics (see diag.h).
 */
#include "src/base/diag.h"

#include <stdarg.h>
#include <string.h>

static const char *const names[DIAG__COUNT] = {
    [DIAG_PCAP_ERROR] = "pcap-error",         [DIAG_LINKTYPE] = "unsupported-linktype",
    [DIAG_DUPLICATE] = "duplicate-frame",
    [DIAG_TRUNCATED] = "truncated-packet",     [DIAG_BAD_L2] = "bad-link-header",
    [DIAG_BAD_IP] = "bad-ip-header",           [DIAG_BAD_UDP] = "bad-udp-header",
    [DIAG_IP_FRAGMENT] = "ip-fragment",        [DIAG_TCP_SKIPPED] = "tcp-not-reassembled",
    [DIAG_SCTP_SKIPPED] = "sctp-not-decoded",  [DIAG_TUNNEL_DEPTH] = "tunnel-too-deep",
    [DIAG_SIP_BAD] = "sip-unparseable",        [DIAG_SIP_ANOMALY] = "sip-anomaly",
    [DIAG_SIP_UNCORRELATED] = "sip-uncorrelated", [DIAG_LIMIT] = "limit-hit",
    [DIAG_TCP_GAP] = "tcp-gap",                [DIAG_TCP_INCOMPLETE] = "tcp-incomplete-message",
    [DIAG_TCP_JUNK] = "tcp-non-sip-bytes",     [DIAG_ENCRYPTED] = "encrypted-signalling",
    [DIAG_WS] = "websocket",                   [DIAG_SCTP] = "sctp",
    [DIAG_HEP] = "hep",
};

const char *diag_kind_name(enum diag_kind k)
{
    return (unsigned)k < DIAG__COUNT ? names[k] : "?";
}

void diag_init(struct diag *d, int verbosity)
{
    memset(d, 0, sizeof(*d));
    d->verbosity = verbosity;
    d->print_max = 5;
    d->out = stderr;
}

static void vprint(struct diag *d, enum diag_kind kind, const char *fmt, va_list ap)
{
    if (d->verbosity == 0 || (d->verbosity == 1 && d->printed[kind] >= d->print_max))
        return;
    d->printed[kind]++;
    fprintf(d->out, "sipladder: ");
    if (d->file)
        fprintf(d->out, "%s: ", d->file);
    if (d->frame)
        fprintf(d->out, "frame %llu: ", (unsigned long long)d->frame);
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
}

void diag_report(struct diag *d, enum diag_kind kind, const char *fmt, ...)
{
    if ((unsigned)kind >= DIAG__COUNT)
        return;
    d->count[kind]++;
    va_list ap;
    va_start(ap, fmt);
    vprint(d, kind, fmt, ap);
    va_end(ap);
}

void diag_limit(struct diag *d, const char *limit_name, const char *fmt, ...)
{
    d->count[DIAG_LIMIT]++;
    unsigned i;
    for (i = 0; i < d->nlimit; i++)
        if (strcmp(d->limit[i].name, limit_name) == 0)
            break;
    if (i == d->nlimit && d->nlimit < sizeof(d->limit) / sizeof(d->limit[0])) {
        d->limit[i].name = limit_name;
        d->nlimit++;
    }
    if (i < d->nlimit)
        d->limit[i].hits++;
    va_list ap;
    va_start(ap, fmt);
    vprint(d, DIAG_LIMIT, fmt, ap);
    va_end(ap);
}
