/* pcap-count.c - the bare libpcap read the benchmark compares against: opens a
 * capture, reads every packet with pcap_next_ex and touches one byte of each,
 * nothing else. Usage: pcap-count FILE */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: pcap-count FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "pcap-count: %s\n", err);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    unsigned long long n = 0, sum = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        n++;
        sum += h->caplen ? d[h->caplen - 1] : 0;
    }
    pcap_close(p);
    printf("%llu packets (checksum %llu)\n", n, sum);
    return 0;
}
