/* pcapmap.h - classic pcap files read in place from a memory map.
 *
 * Replaying a large capture through libpcap copies every byte twice (read(2)
 * out of the page cache, then fread into libpcap's buffer): about a tenth of
 * the sensor's time on the benchmark capture. For classic pcap files (the
 * microsecond and nanosecond magic numbers, either byte order) the sensor maps
 * the file and walks its records itself, handing out pointers into the map.
 * libpcap still opens the file first (it validates the header, gives the link
 * type and compiles the BPF filter, applied with pcap_offline_filter), and
 * reads everything else: pcapng, pipes, live capture.
 *
 * Records are checked as libpcap checks them: a capture length over 262144
 * bytes is damage; a record that runs past the end of the file is a cut;
 * both end the file after the packets before them. A capture length over the
 * file's snapshot length is clipped to it. Files written by libpcap before
 * format 2.3 have the two lengths in the other order; they are swapped back,
 * as libpcap does.
 */
#ifndef ICTWATCH_PCAPMAP_H
#define ICTWATCH_PCAPMAP_H

#include <stddef.h>
#include <stdint.h>
#include "ictwatch/common.h"

struct pcapmap {
    const uint8_t *base;
    size_t size, off;
    size_t released;             /* pages before this offset were handed back */
    bool mapped;                 /* base is an mmap of a file (not a caller's buffer) */
    bool swapped, nanosecond;
    uint8_t lengths_swapped;     /* files before format 2.3: 1 always, 2 when caplen > len */
    uint32_t snaplen;
};

struct pcapmap_record {
    ictw_usec ts;
    uint32_t caplen, wire_len;
    const uint8_t *data;
};

enum pcapmap_result { PCAPMAP_PACKET = 1, PCAPMAP_END = 0, PCAPMAP_DAMAGED = -1, PCAPMAP_CUT = -2 };

/* Maps path when it is a regular file in classic pcap format; 0 on success,
 * -1 when it is not (the caller reads it with libpcap). */
int pcapmap_open(struct pcapmap *m, const char *path);
void pcapmap_close(struct pcapmap *m);
/* The next record; on PCAPMAP_DAMAGED/PCAPMAP_CUT nothing more can be read. */
enum pcapmap_result pcapmap_next(struct pcapmap *m, struct pcapmap_record *r);
/* Maps an in-memory buffer (for tests); same rules as a file. */
int pcapmap_from_buffer(struct pcapmap *m, const uint8_t *buf, size_t len);

#endif
