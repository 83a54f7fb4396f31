/*
 * fuzz_pcapng.c - libFuzzer target for the pcapng reader alone
 * (src/pcapng.c, draft-ietf-opsawg-pcapng): the input is a pcapng file
 * held in memory.  Its first bytes (up to 4) are handed over as the
 * replayed prefix, the rest is read through fmemopen(), as capture.c does
 * after peeking at the magic.  Every byte of every packet is read so that
 * ASan checks the bounds; the reader must end with 0 or -1 and a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/pcapng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t npre = size < 4 ? size : 4;
    FILE *f = size > npre ? fmemopen((void *)(data + npre), size - npre, "rb") : fopen("/dev/null", "rb");
    if (!f)
        return 0;
    struct pcapng_reader *r = pcapng_open(f, data, npre);
    struct pcapng_packet pk;
    volatile uint32_t sum = 0;
    uint64_t n = 0;
    int rc;
    while ((rc = pcapng_next(r, &pk)) == 1) {
        n++;
        if (!pk.iface || pk.linktype != pk.iface->linktype || (!pk.has_ts && pk.ts_ns != 0))
            abort();
        for (uint32_t i = 0; i < pk.caplen; i++)
            sum += pk.data[i];
        pk.iface->user++;
    }
    (void)sum;
    if (rc != 0 && rc != -1)
        abort();
    if (rc == -1 && !pcapng_error(r)[0])
        abort(); /* every error is explained */
    if (pcapng_truncated(r) && rc != -1)
        abort();
    if (n != pcapng_packets(r) || pcapng_next(r, &pk) != rc)
        abort();
    pcapng_close(r);
    fclose(f);
    return 0;
}
