/*
 * bench/floor.c - the benchmark floor: a bare libpcap offline read loop.
 *
 * Opens FILE with pcap_open_offline(), walks it with pcap_next_ex() and
 * folds every captured byte of every packet into a checksum that it prints,
 * so the compiler cannot drop the loop.  Any tool that reads the same file
 * does at least this much work; run.sh reports other tools as ratios to it.
 *
 * Usage: floor FILE
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: floor FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "floor: %s\n", err);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0, bytes = 0, sum = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        uint64_t s = 0;
        for (bpf_u_int32 i = 0; i < h->caplen; i++)
            s += data[i];
        sum = sum * 31 + s;
        packets++;
        bytes += h->caplen;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "floor: %s\n", pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    printf("packets %llu bytes %llu checksum %016llx\n", (unsigned long long)packets,
           (unsigned long long)bytes, (unsigned long long)sum);
    return 0;
}
