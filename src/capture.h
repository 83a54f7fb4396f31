/*
 * capture.h - offline capture reading with libpcap (pcap and pcapng,
 * several files merged in timestamp order, "-" for stdin, BPF filter,
 * nanosecond timestamps where the file has them).
 *
 * This is the only module that talks to libpcap.  Each frame is handed
 * to the callback as a borrowed `struct frame`, valid during the call.
 */
#ifndef SIPLADDER_SRC_CAPTURE_H
#define SIPLADDER_SRC_CAPTURE_H

#include <stdint.h>
#include <stdio.h>

#include "src/base/diag.h"
#include "src/packet.h"

struct capture_file_info {
    const char *name;
    int dlt;
    const char *dlt_name;
    uint64_t frames;
    int nano;          /* file had nanosecond precision */
    int error;         /* could not open, or a read error (message printed) */
    int truncated;     /* the file ended in the middle of a record */
};

struct capture_opts {
    const char *filter;   /* BPF, or NULL */
    uint64_t max_frames;  /* -c: stop after this many frames in total; 0 = all */
};

/* One input: a path ("-" = stdin), or an already open FILE (fp != NULL;
 * `name` is then only used in messages).  The FILE is closed by libpcap. */
struct capture_input {
    const char *name;
    FILE *fp;
};

/*
 * Read every input, merging by timestamp.  Returns the number of files
 * that failed to open or read (0 = all fine).  `info` receives one entry
 * per file (caller-allocated, nfiles entries).
 */
int capture_run(const struct capture_input *in, int nfiles, const struct capture_opts *o, struct diag *diag,
                struct capture_file_info *info, void (*cb)(void *ctx, const struct frame *f), void *ctx);

#endif
