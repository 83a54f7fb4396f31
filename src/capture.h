/*
 * capture.h - capture reading.  Offline: pcap through libpcap, pcapng
 * through our own reader (src/pcapng.h: one file may mix link types),
 * several files merged in timestamp order, "-" for stdin, BPF filter,
 * nanosecond timestamps where the file has them, duplicate frames
 * (the same frame seen by two inputs, or twice in a row in one input)
 * counted once.
 *
 * Live (`sipladder live`, doc/live.md): one libpcap handle per interface
 * (pcap_create + pcap_activate: snaplen, promiscuous mode, immediate
 * mode, kernel buffer, BPF filter), non-blocking, polled together; every
 * libpcap warning and error is turned into a sentence on stderr.
 *
 * This is the module that reads from libpcap (src/pcapwrite.c writes
 * pcap files through it).  Each frame is handed to the callback as a
 * borrowed `struct frame`, valid during the call.  The exact duplicate
 * rule is documented at the top of capture.c.
 */
#ifndef SIPLADDER_SRC_CAPTURE_H
#define SIPLADDER_SRC_CAPTURE_H

#include <signal.h>
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
    /* optional: capture_run() stops before the next frame once *stop is
     * non-zero (live --replay: SIGINT); NULL = read everything */
    const volatile sig_atomic_t *stop;
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

/* ---- live capture ------------------------------------------------------ */

#define CAPTURE_LIVE_SNAPLEN 65535  /* default: any IP packet whole (SIP over jumbo frames, fragments) */
#define CAPTURE_LIVE_BUFFER_KIB 32768 /* default kernel buffer when -B is not given (libpcap's is 2 MiB) */
#define CAPTURE_LIVE_BROKEN (-2)    /* capture_live_poll(): capture_live_breakloop() was called */

struct capture_live_opts {
    const char *const *ifaces; /* interface names ("any" = all, Linux) */
    int nifaces;
    int snaplen;        /* 0 = CAPTURE_LIVE_SNAPLEN */
    int promisc;        /* promiscuous mode (tcpdump's default; -p turns it off) */
    int immediate;      /* deliver each packet at once instead of filling kernel blocks */
    int buffer_kib;     /* kernel buffer (-B, KiB); 0 = CAPTURE_LIVE_BUFFER_KIB */
    const char *filter; /* BPF (tcpdump syntax), applied in the kernel; NULL = none */
};

struct capture_live_stats {
    uint64_t recv;   /* ps_recv: packets that passed the filter (64-bit: 32-bit wraps are followed) */
    uint64_t drop;   /* ps_drop: dropped by the kernel (buffer full: we did not read fast enough) */
    uint64_t ifdrop; /* ps_ifdrop: dropped by the interface or driver */
    int ok;          /* pcap_stats() worked */
};

struct capture_live;

/* Open and activate every interface.  Warnings (e.g. no promiscuous mode)
 * are printed and the capture goes on; on an error (no such device, no
 * permission - with the fix -, interface down, bad filter, unsupported
 * link type) the reason is printed, everything opened is closed and NULL
 * is returned. */
struct capture_live *capture_live_open(const struct capture_live_opts *o);
int capture_live_count(const struct capture_live *cl);
const char *capture_live_name(const struct capture_live *cl, int i);
int capture_live_dlt(const struct capture_live *cl, int i);
const char *capture_live_dlt_name(const struct capture_live *cl, int i);  /* e.g. "EN10MB" */
const char *capture_live_dlt_descr(const struct capture_live *cl, int i); /* e.g. "Ethernet" */
int capture_live_snaplen(const struct capture_live *cl, int i);
int capture_live_nano(const struct capture_live *cl, int i); /* nanosecond timestamps */

/* Wait up to `timeout_ms` for any interface to have packets (poll(2) on
 * the selectable descriptors, no busy loop), then deliver up to `batch`
 * frames per interface.  frame.file is the interface's index, frame.no
 * counts its frames.  Returns the number of frames delivered (0 on
 * timeout or EINTR), CAPTURE_LIVE_BROKEN after capture_live_breakloop(),
 * or -1 after a capture error (printed; e.g. the interface went down). */
int capture_live_poll(struct capture_live *cl, int timeout_ms, int batch, void (*cb)(void *ctx, const struct frame *f),
                      void *ctx);
/* Async-signal-safe: pcap_breakloop() on every handle, nothing else. */
void capture_live_breakloop(struct capture_live *cl);
/* Cumulative kernel counters of interface i. */
void capture_live_stats(struct capture_live *cl, int i, struct capture_live_stats *st);
void capture_live_close(struct capture_live *cl);

/* -D: list the interfaces libpcap can capture on (tcpdump -D style).
 * Returns 0, or -1 after printing why not. */
int capture_list_interfaces(FILE *out);

/* Link-type name and description of a DLT_ value (NULL when unknown). */
const char *capture_dlt_name(int dlt);

#endif
