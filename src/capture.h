/*
 * capture.h - offline capture reading: pcap through libpcap, pcapng
 * through our own reader (src/pcapng.h: one file may mix link types),
 * several files merged in timestamp order, "-" for stdin, BPF filter,
 * nanosecond timestamps where the file has them, duplicate frames
 * (the same frame seen by two inputs, or twice in a row in one input)
 * counted once.
 *
 * This is the only module that talks to libpcap.  Each frame is handed
 * to the callback as a borrowed `struct frame`, valid during the call.
 * The exact duplicate rule is documented at the top of capture.c.
 */
#ifndef SIPLADDER_SRC_CAPTURE_H
#define SIPLADDER_SRC_CAPTURE_H

#include <stdint.h>
#include <stdio.h>

#include "src/base/diag.h"
#include "src/packet.h"

struct capture_file_info {
    const char *name;
    int dlt;           /* pcap: the file's; pcapng: the first interface's (-1: none) */
    const char *dlt_name;
    uint64_t frames;   /* frames delivered to the callback */
    uint64_t duplicates; /* frames not delivered as duplicates (see capture.c) */
    int nano;          /* file had nanosecond precision */
    int error;         /* could not open, or a read error (message printed) */
    int truncated;     /* the file ended in the middle of a record */
};

struct capture_opts {
    const char *filter;   /* BPF, or NULL */
    uint64_t max_frames;  /* -c: stop after this many frames in total; 0 = all */
};

/* One input: a path ("-" = stdin), or an already open FILE (fp != NULL;
 * `name` is then only used in messages).  capture_run() closes the FILE
 * (stdin excepted); it need not be seekable (pipes, fmemopen work). */
struct capture_input {
    const char *name;
    FILE *fp;
};

/*
 * Read every input, merging by timestamp.  Returns the number of files
 * that failed to open or read, or whose frames the filter could not be
 * compiled for (0 = all fine).  `info` receives one entry per file
 * (caller-allocated, nfiles entries).  Frames of unsupported link types
 * (pcapng interfaces) are counted as DIAG_LINKTYPE and not delivered; a
 * pcap file of an unsupported link type is skipped as a failure.
 * Frame numbers (`struct frame.no`) count every frame of the file.
 */
int capture_run(const struct capture_input *in, int nfiles, const struct capture_opts *o, struct diag *diag,
                struct capture_file_info *info, void (*cb)(void *ctx, const struct frame *f), void *ctx);

#endif
