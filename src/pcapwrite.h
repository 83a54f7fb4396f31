/*
 * pcapwrite.h - writing pcap files: one file (the per-call pcaps of
 * `sipladder live --out-dir`), a rotating ring of files (`live -w` with
 * -C/-G/-W, as tcpdump), and synthesized frames for messages whose
 * original packets were not kept (TCP and WebSocket streams, IP
 * reassembly, fragmented SCTP: see doc/live.md).
 *
 * Files are written through libpcap's dumper (so the link-type number in
 * the header is the right LINKTYPE_ for every DLT_), with nanosecond
 * timestamps (magic 0xa1b23c4d; tcpdump, tshark and Wireshark read it).
 */
#ifndef SIPLADDER_SRC_PCAPWRITE_H
#define SIPLADDER_SRC_PCAPWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "src/packet.h"

struct pcapout {
    void *dead;      /* pcap_t from pcap_open_dead */
    void *dumper;    /* pcap_dumper_t */
    int dlt;
    uint32_t snaplen;
    uint64_t bytes;  /* file size so far */
    uint64_t frames;
    int error;       /* a write failed (errno saved in err) */
    int err;
};

/* Start a pcap file on `fp` (owned from now on, closed by pcapout_close).
 * Returns 0, or -1 (fp closed, errno set). */
int pcapout_open_fp(struct pcapout *w, FILE *fp, int dlt, uint32_t snaplen);
int pcapout_open(struct pcapout *w, const char *path, int dlt, uint32_t snaplen);
/* Append one record.  caplen is cut to the file's snaplen. */
void pcapout_write(struct pcapout *w, int64_t ts_ns, const uint8_t *data, uint32_t caplen, uint32_t len);
/* Flush and close; returns 0, or -1 if any write failed (errno set). */
int pcapout_close(struct pcapout *w);
int pcapout_is_open(const struct pcapout *w);

/* ---- synthesized frames ---------------------------------------------- */

/* Link types pcapout_synth() can build a header for. */
int pcapout_synth_dlt_ok(int dlt);

/*
 * Build one frame carrying `payload` from src to dst over `transport`
 * (TP_UDP -> UDP; TP_SCTP -> SCTP with one DATA chunk, CRC32c set; any
 * other -> TCP with PSH|ACK and sequence number `seq`, ack `ack`), IPv4 or
 * IPv6 after the endpoints, with a link header for `dlt` (Ethernet with
 * locally administered MACs derived from the addresses, Linux SLL/SLL2,
 * raw IP, BSD loopback).  At most `cap` bytes are written; the payload
 * must fit in one IP packet (PCAPW_SYNTH_MAX_PAYLOAD).  Returns the frame
 * length, 0 when it does not fit.
 */
#define PCAPW_SYNTH_MAX_PAYLOAD 65480u
#define PCAPW_SYNTH_HDR_MAX 128u
size_t pcapout_synth(uint8_t *out, size_t cap, int dlt, const struct endpoint *src, const struct endpoint *dst,
                   int transport, uint32_t seq, uint32_t ack, const uint8_t *payload, size_t n);

/* CRC32c (Castagnoli) as SCTP uses it (RFC 4960 appendix B). */
uint32_t pcapout_crc32c(const uint8_t *p, size_t n);

/* ---- rotating capture files (-w FILE -C MB -G S -W N) ------------------ */

struct pcapring_opts {
    const char *path;     /* -w FILE ("-" = stdout, no rotation) */
    uint64_t size_bytes;  /* -C: rotate once the file is larger (0 = never) */
    int64_t secs;         /* -G: rotate every this many seconds (0 = never) */
    uint32_t count;       /* -W: ring of this many files (0 = unbounded) */
};

struct pcapring {
    struct pcapring_opts o;
    struct pcapout w;
    int dlt;
    uint32_t snaplen;
    uint64_t seq;         /* files opened so far */
    int64_t opened_ns;    /* (capture) time the current file was opened */
    char *cur;            /* its name */
    uint64_t frames, files_written;
    int failed;           /* could not open or write: stopped writing (said once) */
    dev_t dev;            /* identity of the current file, for reopen */
    ino_t ino;
};

/*
 * File names.  Without -C and -G: FILE.  With rotation: FILE expanded by
 * strftime() when it has a '%' and -G is given (local time of the file's
 * start, as tcpdump), then a counter: with -W N, 0..N-1 zero-padded to the
 * width of N-1, wrapping (the oldest file is overwritten); without -W,
 * nothing for the first file and 1, 2, ... after it (as tcpdump -C).
 * Writes the name into buf; returns buf.
 */
char *pcapring_name(const struct pcapring_opts *o, uint64_t seq, int64_t now_ns, char *buf, size_t n);

/* Open the first file.  Returns 0 or -1 (reason printed). */
int pcapring_open(struct pcapring *r, const struct pcapring_opts *o, int dlt, uint32_t snaplen, int64_t now_ns);
/* Write one frame, rotating first when -C or -G says so. */
void pcapring_write(struct pcapring *r, const struct frame *f, int64_t now_ns);
/* Time-based rotation check without a frame (called once a second). */
void pcapring_tick(struct pcapring *r, int64_t now_ns);
/* SIGHUP: without rotation, reopen FILE if it was moved or removed
 * (logrotate); with rotation, start the next file now. */
void pcapring_reopen(struct pcapring *r, int64_t now_ns);
/* Flush (the file stays open). */
void pcapring_flush(struct pcapring *r);
/* Returns -1 if writing failed at some point. */
int pcapring_close(struct pcapring *r);

#endif
