/*
 * pcapng.h - our own pcapng reader (draft-ietf-opsawg-pcapng, "PCAP Now
 * Generic Capture File Format").
 *
 * Why not libpcap: libpcap 1.10 refuses a pcapng file whose interfaces
 * have different link-layer types ("an interface has a type 113 different
 * from the type of the first interface"), yet one file can legitimately
 * mix them (an Ethernet interface and a Linux-cooked "any" interface, or
 * files joined by mergecap).  This reader hands out every packet with the
 * link type of its own interface.  It does not use libpcap at all.
 *
 * What it reads:
 *   - Section Header Block (both byte orders; several sections per file,
 *     each one resets the interface list),
 *   - Interface Description Block (link type, snaplen, if_tsresol as a
 *     power of 10 or 2, if_tsoffset),
 *   - Enhanced Packet Block, Simple Packet Block (interface 0, no
 *     timestamp), obsolete Packet Block (type 2).
 * Every other block (NRB, ISB, DSB, custom, unknown) is skipped by length.
 * Numbering follows Wireshark (4.0), which shows custom blocks
 * (0x00000BAD, 0x40000BAD) and systemd Journal Export blocks (9) as
 * frames too: they are not delivered but do take a record number, so
 * frame numbers match what tshark shows (libpcap would not count them).
 *
 * Hostile input: one block is held at a time, in a buffer that grows with
 * the data actually read (a lying length costs at most about twice the
 * bytes really present), up to PCAPNG_MAX_BLOCK.  A block length must be
 * >= 12, a multiple of 4, equal to its trailing copy and <= the maximum;
 * captured lengths must fit in their block; interface ids must exist.
 * Any violation stops the file with a message naming the block's offset;
 * packets before it have been delivered.  A file that ends inside a block
 * is reported as truncated.
 */
#ifndef SIPLADDER_SRC_PCAPNG_H
#define SIPLADDER_SRC_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Largest block accepted (a sane bound: no real packet block is larger). */
#define PCAPNG_MAX_BLOCK (256u * 1024u * 1024u)
/* Most interfaces per section (bounds memory on hostile files). */
#define PCAPNG_MAX_IFACES 65536u

/* The 4 first bytes of every pcapng file (the SHB type; the same in both
 * byte orders). */
#define PCAPNG_MAGIC 0x0A0D0D0Au

struct pcapng_iface {
    int linktype;      /* LINKTYPE_ value from the IDB (not converted to a DLT_) */
    uint32_t snaplen;  /* 0 = no limit */
    uint8_t tsresol;   /* raw if_tsresol (default 6: microseconds) */
    int64_t tsoffset;  /* if_tsoffset, seconds (default 0) */
    uint32_t id;       /* interface id within its section */
    uint64_t section;  /* 1-based section number */
    uint32_t user;     /* free for the caller; 0 when the IDB is read */
};

struct pcapng_packet {
    struct pcapng_iface *iface;  /* valid until the next SHB (caller may set `user`) */
    int linktype;                /* iface->linktype */
    int has_ts;                  /* 0 for a Simple Packet Block (ts_ns is then 0) */
    int64_t ts_ns;               /* ns since the epoch, if_tsoffset applied, saturated */
    uint32_t caplen, len;        /* bytes present; bytes on the wire */
    const uint8_t *data;         /* valid until the next pcapng_next() */
    uint64_t offset;             /* file offset of the packet's block */
    uint64_t record;             /* 1-based record number, as Wireshark numbers frames */
};

struct pcapng_reader;

/*
 * Start reading a pcapng stream from `fp` (not closed by this module).
 * `prefix` holds the `nprefix` bytes the caller already consumed from
 * the start of the stream (e.g. the 4 magic bytes it peeked at); they are
 * read again first.  Never fails: a stream that is not pcapng is reported
 * by the first pcapng_next().
 */
struct pcapng_reader *pcapng_open(FILE *fp, const void *prefix, size_t nprefix);

/*
 * Next packet.  Returns 1 and fills *pkt, 0 at a clean end of the file,
 * -1 on error (pcapng_error() says why; pcapng_truncated() tells whether
 * the file ended in the middle of a block).  After 0 or -1 every further
 * call returns the same value.
 */
int pcapng_next(struct pcapng_reader *r, struct pcapng_packet *pkt);

const char *pcapng_error(const struct pcapng_reader *r);
int pcapng_truncated(const struct pcapng_reader *r);
/* LINKTYPE_ of the first IDB of the file, or -1 if none was read yet. */
int pcapng_first_linktype(const struct pcapng_reader *r);
/* Number of packet blocks (EPB, SPB, PB) returned so far. */
uint64_t pcapng_packets(const struct pcapng_reader *r);
void pcapng_close(struct pcapng_reader *r);

/*
 * Timestamp conversion (exposed for tests): `raw` in units of if_tsresol
 * `tsresol` (bit 7 clear: 10^-v s; set: 2^-(v&0x7f) s), plus `tsoffset`
 * seconds, to ns since the epoch; saturates at INT64_MIN/INT64_MAX.
 */
int64_t pcapng_ts_to_ns(uint64_t raw, uint8_t tsresol, int64_t tsoffset);

#endif
