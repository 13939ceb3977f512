/* capture.h - packets from libpcap: files (pcap or pcapng, told apart by
 * content) and live interfaces.
 *
 * The capture loop hands every frame to a callback together with its link
 * type and timestamp, and calls a poll callback regularly (about every
 * 100 ms of wall time on a live interface, every 4096 packets on a file) so
 * the caller can act on signals, print progress and expire flows without
 * any timer thread.
 */
#ifndef ICTWATCH_CAPTURE_H
#define ICTWATCH_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include "ictwatch/common.h"

struct log_ctx;

struct capture_frame {
    int dlt;
    ictw_usec ts;
    uint32_t caplen, wire_len;
    const uint8_t *data;
    uint64_t pcap_cnt;      /* 1-based in the file; 0 live */
};

struct capture_counters {
    uint64_t kernel_packets, kernel_drops, ifdrops;   /* live only */
};

/* Return false from poll to stop the capture. */
struct capture_callbacks {
    void (*frame)(void *arg, const struct capture_frame *fr);
    bool (*poll)(void *arg);
    void *arg;
};

struct capture_live_opts {
    const char *iface;
    const char *bpf;
    int snaplen;            /* default 65535 */
    int buffer_size;        /* bytes; default 64 MiB */
    bool promisc;
};

enum capture_result {
    CAPTURE_OK = 0,
    CAPTURE_TRUNCATED,      /* read error mid-file: what was read counts */
    CAPTURE_STOPPED,        /* poll asked to stop */
    CAPTURE_FAILED          /* could not open / unsupported link type / bad filter */
};

/* Replays one file. `bpf` may be NULL. Errors and warnings are logged with
 * the file name. */
enum capture_result capture_file(const char *path, const char *bpf, const struct capture_callbacks *cb,
                                 const struct log_ctx *lg);
/* Captures live until poll returns false. Kernel counters are written to *ctr
 * each time poll is called (so they are current at the end). */
enum capture_result capture_live(const struct capture_live_opts *o, const struct capture_callbacks *cb,
                                 struct capture_counters *ctr, const struct log_ctx *lg);

#endif
