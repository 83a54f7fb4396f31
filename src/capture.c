/*
 * capture.c - libpcap offline reader with a k-way timestamp merge
 * (see capture.h).
 *
 * With several files, each handle keeps one frame of look-ahead (libpcap
 * guarantees the data until the next read on *that* handle), and the
 * earliest frame is delivered next; ties keep command-line order.
 */
#include "src/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"
#include "src/decode.h"

struct src {
    pcap_t *p;
    int idx;
    int has;          /* a frame is waiting */
    int done;
    struct pcap_pkthdr *h;
    const u_char *data;
    int64_t ts;
    uint64_t no;
};

static void explain_open_error(const char *name, const char *err, struct diag *diag)
{
    (void)diag;
    if (strstr(err, "unknown file format") || strstr(err, "bad dump file format"))
        fprintf(stderr, "sipladder: %s: not a pcap or pcapng capture file (%s)\n", name, err);
    else if (strstr(err, "truncated"))
        fprintf(stderr, "sipladder: %s: capture file is truncated or empty (%s)\n", name, err);
    else
        fprintf(stderr, "sipladder: %s: cannot read capture: %s\n", name, err);
}

static void advance(struct src *s, struct capture_file_info *fi, struct diag *diag)
{
    for (;;) {
        int rc = pcap_next_ex(s->p, &s->h, &s->data);
        if (rc == 1) {
            s->no++;
            s->has = 1;
            int64_t frac = (int64_t)s->h->ts.tv_usec;
            if (!fi->nano)
                frac *= 1000;
            s->ts = (int64_t)s->h->ts.tv_sec * 1000000000LL + frac;
            return;
        }
        s->has = 0;
        s->done = 1;
        if (rc == PCAP_ERROR) {
            const char *e = pcap_geterr(s->p);
            fi->error = 1;
            if (strstr(e, "truncated"))
                fi->truncated = 1;
            diag->file = fi->name;
            diag->frame = 0;
            diag_report(diag, DIAG_PCAP_ERROR,
                        "read error after frame %llu: %s; frames before it were analysed",
                        (unsigned long long)s->no, e);
        }
        return;
    }
}

int capture_run(const struct capture_input *in, int nfiles, const struct capture_opts *o, struct diag *diag,
                struct capture_file_info *info, void (*cb)(void *ctx, const struct frame *f), void *ctx)
{
    struct src *srcs = xcalloc((size_t)nfiles, sizeof(*srcs));
    int failed = 0;
    char errbuf[PCAP_ERRBUF_SIZE];

    for (int i = 0; i < nfiles; i++) {
        struct capture_file_info *fi = &info[i];
        memset(fi, 0, sizeof(*fi));
        fi->name = in[i].fp ? in[i].name : strcmp(in[i].name, "-") == 0 ? "(stdin)" : in[i].name;
        srcs[i].idx = i;
        errbuf[0] = 0;
        pcap_t *p = in[i].fp ? pcap_fopen_offline_with_tstamp_precision(in[i].fp, PCAP_TSTAMP_PRECISION_NANO, errbuf)
                             : pcap_open_offline_with_tstamp_precision(in[i].name, PCAP_TSTAMP_PRECISION_NANO, errbuf);
        if (!p) {
            if (in[i].fp)
                fclose(in[i].fp); /* libpcap closes it only on success */
            explain_open_error(fi->name, errbuf, diag);
            fi->error = 1;
            srcs[i].done = 1;
            failed++;
            continue;
        }
        fi->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
        fi->dlt = pcap_datalink(p);
        fi->dlt_name = pcap_datalink_val_to_name(fi->dlt);
        if (!decode_dlt_supported(fi->dlt)) {
            fprintf(stderr, "sipladder: %s: link-layer type %s (%d) is not supported; file skipped\n",
                    fi->name, fi->dlt_name ? fi->dlt_name : "?", fi->dlt);
            diag->count[DIAG_LINKTYPE]++;
            fi->error = 1;
            failed++;
            pcap_close(p);
            srcs[i].done = 1;
            continue;
        }
        if (o->filter) {
            struct bpf_program prog;
            if (pcap_compile(p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0 || pcap_setfilter(p, &prog) < 0) {
                fprintf(stderr, "sipladder: %s: bad filter '%s': %s\n", fi->name, o->filter, pcap_geterr(p));
                pcap_freecode(&prog);
                pcap_close(p);
                fi->error = 1;
                srcs[i].done = 1;
                failed++;
                continue;
            }
            pcap_freecode(&prog);
        }
        srcs[i].p = p;
        advance(&srcs[i], fi, diag);
    }

    uint64_t total = 0;
    for (;;) {
        int best = -1;
        for (int i = 0; i < nfiles; i++)
            if (srcs[i].has && (best < 0 || srcs[i].ts < srcs[best].ts))
                best = i;
        if (best < 0)
            break;
        if (o->max_frames && total >= o->max_frames)
            break;
        struct src *s = &srcs[best];
        struct frame f = {
            .file = (uint32_t)best,
            .no = s->no,
            .ts = s->ts,
            .caplen = s->h->caplen,
            .len = s->h->len,
            .dlt = info[best].dlt,
            .data = s->data,
        };
        info[best].frames++;
        total++;
        diag->file = info[best].name;
        diag->frame = f.no;
        cb(ctx, &f);
        advance(s, &info[best], diag);
    }
    diag->file = NULL;
    diag->frame = 0;
    for (int i = 0; i < nfiles; i++) {
        if (srcs[i].p)
            pcap_close(srcs[i].p);
        if (info[i].error && srcs[i].p)
            failed++;
    }
    free(srcs);
    return failed;
}
