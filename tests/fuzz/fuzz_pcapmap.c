/* fuzz_pcapmap.c - libFuzzer target for the in-place pcap file reader.
 *
 * The input is a whole capture file, read with pcapmap_from_buffer() exactly
 * as a mapped file is. Every record handed out must lie inside the input,
 * with a capture length within libpcap's limit and the file's snapshot
 * length; the reader must stop (end, damage or cut) without reading past
 * the input, whatever the header and the record lengths claim.
 *
 * Build and run: make fuzz && build-fuzz/fuzz_pcapmap -max_len=4096
 */
#include <stdint.h>
#include <stdlib.h>

#include "pcapmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pcapmap m;
    if (pcapmap_from_buffer(&m, data, size) != 0)
        return 0;
    struct pcapmap_record r;
    enum pcapmap_result res;
    size_t records = 0;
    while ((res = pcapmap_next(&m, &r)) == PCAPMAP_PACKET) {
        if (r.caplen > 262144 || r.caplen > m.snaplen)
            abort();
        if (r.caplen && (r.data < data || r.data > data + size ||
                         r.caplen > (size_t)(data + size - r.data)))
            abort();
        if (++records > size)        /* each record takes at least its 16-byte header */
            abort();
    }
    if (res != PCAPMAP_END && res != PCAPMAP_DAMAGED && res != PCAPMAP_CUT)
        abort();
    pcapmap_close(&m);
    return 0;
}
