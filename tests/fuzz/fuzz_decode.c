/* fuzz_decode.c - libFuzzer target for the packet decoder and the defragmenter.
 *
 * The first input byte picks the link type (from the ones the decoder knows,
 * plus one it does not), the next two say how much of the rest was "on the
 * wire" beyond what was captured, and the rest is the frame. One decoder
 * context with a defragmenter lives across inputs, with packet time moving
 * forward, so fragments of different inputs meet, complete, time out and
 * get evicted under a small memory cap. Every pointer the decoder hands back
 * is checked to lie inside the capture or the defragmenter's output.
 *
 * Build and run: make fuzz && build-fuzz/fuzz_decode -max_len=2048
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "defrag.h"

static const int dlts[] = { 0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 192, 228, 229, 276, 147 };

static void check_span(const uint8_t *base, size_t len, const struct packet *p, const uint8_t *q,
                       uint32_t n)
{
    if (!q)
        return;
    /* Reassembled packets point into the defragmenter's buffer instead. */
    if (p->flags & PKT_REASSEMBLED)
        return;
    if (q < base || q > base + len || n > (size_t)(base + len - q))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct decode_ctx dc;
    static ictw_usec now = 1700000000ULL * ICTW_USEC_PER_SEC;
    if (!dc.defrag) {
        struct defrag_config cfg;
        defrag_config_defaults(&cfg);
        cfg.memcap = 256 * 1024;
        cfg.max_datagrams = 64;
        dc.defrag = defrag_new(&cfg);
    }
    if (size < 3)
        return 0;
    int dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
    uint32_t extra = (uint32_t)(data[1] << 8 | data[2]) & 0x3ff;
    data += 3;
    size -= 3;
    uint8_t *frame = malloc(size ? size : 1);        /* exact size: ASan sees any overread */
    memcpy(frame, data, size);

    struct packet p;
    memset(&p, 0, sizeof(p));
    now += 250000;
    p.ts = now;
    p.wire_len = (uint32_t)size + extra;
    enum decode_error err;
    enum decode_result r = decode_packet(&dc, dlt, frame, (uint32_t)size, &p, &err);
    if (r == DECODE_OK) {
        check_span(frame, size, &p, p.l3, p.l3_len);
        check_span(frame, size, &p, p.l4, p.l4_len);
        check_span(frame, size, &p, p.payload, p.payload_len);
        if (p.l3_len && p.l3)
            (void)p.l3[p.l3_len - 1];
        if (p.payload_len && p.payload)
            (void)p.payload[p.payload_len - 1];
    } else if (r == DECODE_FAILED && (err <= DECODE_ERR_NONE || err >= DECODE_ERR_COUNT)) {
        abort();
    }
    free(frame);
    return 0;
}
