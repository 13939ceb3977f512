/* capture.c - the libpcap loops for files and live interfaces (see capture.h).
 *
 * Files are opened with pcap_open_offline, which recognises pcap, nanosecond
 * pcap and pcapng by their magic number, never by name; timestamps are asked
 * in microseconds. A link type the decoder does not know stops that file with
 * one error line naming the file and the type. A read error mid-file (a cut
 * or damaged capture) ends the file with a warning; what was read counts.
 */
#include "capture.h"

#include <errno.h>
#include <poll.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "pcapmap.h"
#include "ictwatch/log.h"

#define FILE_POLL_EVERY 4096
#define FILE_READ_BUFFER (1u << 20)

static bool compile_filter(pcap_t *p, const char *what, const char *bpf, struct bpf_program *prog,
                           const struct log_ctx *lg)
{
    if (pcap_compile(p, prog, bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        log_error(lg, "%s: bad BPF filter '%s': %s", what, bpf, pcap_geterr(p));
        return false;
    }
    return true;
}

static bool set_filter(pcap_t *p, const char *what, const char *bpf, const struct log_ctx *lg)
{
    struct bpf_program prog;
    if (!bpf || !*bpf)
        return true;
    if (!compile_filter(p, what, bpf, &prog, lg))
        return false;
    int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc < 0) {
        log_error(lg, "%s: cannot set BPF filter: %s", what, pcap_geterr(p));
        return false;
    }
    return true;
}

static bool link_supported(pcap_t *p, const char *what, const struct log_ctx *lg)
{
    int dlt = pcap_datalink(p);
    if (decode_link_supported(dlt))
        return true;
    /* libpcap 1.10 has no names for the sixteen private types DLT_USER0..15 (147..162). */
    char user[16];
    const char *name = pcap_datalink_val_to_name(dlt);
    if (!name && dlt >= 147 && dlt <= 162) {
        snprintf(user, sizeof(user), "USER%d", dlt - 147);
        name = user;
    }
    log_error(lg, "%s: unsupported link type %s (%d); file skipped", what, name ? name : "unknown", dlt);
    return false;
}

static void fill_frame(struct capture_frame *fr, int dlt, const struct pcap_pkthdr *h,
                       const u_char *data, uint64_t cnt)
{
    fr->dlt = dlt;
    /* A hostile file can give any seconds and a negative fraction. */
    int64_t us = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;
    fr->ts = us > 0 ? (ictw_usec)us : 0;
    fr->caplen = h->caplen;
    fr->wire_len = h->len;
    fr->data = data;
    fr->pcap_cnt = cnt;
}

/* Replays a classic pcap file from its memory map (see pcapmap.h). */
static enum capture_result replay_mapped(struct pcapmap *m, int dlt, const struct bpf_program *filter,
                                         const struct capture_callbacks *cb, const char *path,
                                         const struct log_ctx *lg)
{
    struct pcapmap_record rec;
    struct capture_frame fr = {.dlt = dlt};
    uint64_t cnt = 0;
    enum pcapmap_result r;
    while ((r = pcapmap_next(m, &rec)) == PCAPMAP_PACKET) {
        cnt++;
        if (filter) {
            struct pcap_pkthdr h = {{(time_t)(rec.ts / ICTW_USEC_PER_SEC), (suseconds_t)(rec.ts % ICTW_USEC_PER_SEC)},
                                    rec.caplen, rec.wire_len};
            if (!pcap_offline_filter(filter, &h, rec.data))
                continue;
        }
        fr.ts = rec.ts;
        fr.caplen = rec.caplen;
        fr.wire_len = rec.wire_len;
        fr.data = rec.data;
        fr.pcap_cnt = cnt;
        cb->frame(cb->arg, &fr);
        if ((cnt % FILE_POLL_EVERY) == 0 && cb->poll && !cb->poll(cb->arg))
            return CAPTURE_STOPPED;
    }
    if (r == PCAPMAP_END)
        return CAPTURE_OK;
    log_warn(lg, "%s: capture %s after packet %llu; using the packets read", path,
             r == PCAPMAP_CUT ? "truncated (a record runs past the end of the file)"
                              : "damaged (a record claims more than 262144 captured bytes)",
             (unsigned long long)cnt);
    return CAPTURE_TRUNCATED;
}

/* Replays any file libpcap reads (pcapng, a pipe). */
static enum capture_result replay_libpcap(pcap_t *p, int dlt, const struct capture_callbacks *cb,
                                          const char *path, const struct log_ctx *lg)
{
    uint64_t cnt = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    struct capture_frame fr;
    for (;;) {
        int rc = pcap_next_ex(p, &h, &data);
        if (rc == 1) {
            cnt++;
            fill_frame(&fr, dlt, h, data, cnt);
            cb->frame(cb->arg, &fr);
            if ((cnt % FILE_POLL_EVERY) == 0 && cb->poll && !cb->poll(cb->arg))
                return CAPTURE_STOPPED;
        } else if (rc == PCAP_ERROR_BREAK) {
            return CAPTURE_OK;
        } else {
            log_warn(lg, "%s: capture damaged or truncated after packet %llu (%s); using the packets read",
                     path, (unsigned long long)cnt, pcap_geterr(p));
            return CAPTURE_TRUNCATED;
        }
    }
}

enum capture_result capture_file(const char *path, const char *bpf, const struct capture_callbacks *cb,
                                 const struct log_ctx *lg)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    /* libpcap opens every file: it validates the header, tells the link type
     * and compiles the filter. Our own FILE has a large buffer: libpcap reads
     * every record with two small freads, and stdio's default buffer turns
     * that into a read(2) per few packets. */
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");   /* "-": a pipe */
    if (!fp) {
        log_error(lg, "%s: cannot open: %s", path, strerror(errno));
        return CAPTURE_FAILED;
    }
    char *iobuf = malloc(FILE_READ_BUFFER);
    if (iobuf)
        setvbuf(fp, iobuf, _IOFBF, FILE_READ_BUFFER);
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!p) {
        log_error(lg, "%s: cannot read capture: %s", path, errbuf);
        fclose(fp);
        free(iobuf);
        return CAPTURE_FAILED;
    }
    struct bpf_program prog;
    bool filtered = bpf && *bpf;
    if (!link_supported(p, path, lg) || (filtered && !compile_filter(p, path, bpf, &prog, lg))) {
        pcap_close(p);
        free(iobuf);
        return CAPTURE_FAILED;
    }
    int dlt = pcap_datalink(p);
    enum capture_result res;
    struct pcapmap m;
    if (fp != stdin && pcapmap_open(&m, path) == 0) {
        res = replay_mapped(&m, dlt, filtered ? &prog : NULL, cb, path, lg);
        pcapmap_close(&m);
    } else if (filtered && pcap_setfilter(p, &prog) < 0) {
        log_error(lg, "%s: cannot set BPF filter: %s", path, pcap_geterr(p));
        res = CAPTURE_FAILED;
    } else {
        res = replay_libpcap(p, dlt, cb, path, lg);
    }
    if (filtered)
        pcap_freecode(&prog);
    pcap_close(p);   /* closes fp too */
    free(iobuf);
    return res;
}

static void read_counters(pcap_t *p, struct capture_counters *ctr)
{
    struct pcap_stat ps;
    if (ctr && pcap_stats(p, &ps) == 0) {
        ctr->kernel_packets = ps.ps_recv;
        ctr->kernel_drops = ps.ps_drop;
        ctr->ifdrops = ps.ps_ifdrop;
    }
}

static pcap_t *open_live(const struct capture_live_opts *o, const struct log_ctx *lg)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(o->iface, errbuf);
    if (!p) {
        log_error(lg, "%s: cannot open interface: %s", o->iface, errbuf);
        return NULL;
    }
    pcap_set_snaplen(p, o->snaplen > 0 ? o->snaplen : 65535);
    pcap_set_promisc(p, o->promisc ? 1 : 0);
    pcap_set_buffer_size(p, o->buffer_size > 0 ? o->buffer_size : 64 << 20);
    pcap_set_timeout(p, 100);
    pcap_set_immediate_mode(p, 0);
    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
    int rc = pcap_activate(p);
    if (rc < 0) {
        log_error(lg, "%s: cannot start capture: %s (run as root or give CAP_NET_RAW)", o->iface,
                  pcap_geterr(p));
        pcap_close(p);
        return NULL;
    }
    if (rc > 0)
        log_warn(lg, "%s: %s", o->iface, pcap_statustostr(rc));
    return p;
}

struct live_dispatch {
    const struct capture_callbacks *cb;
    int dlt;
};

static void live_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    const struct live_dispatch *ld = (const struct live_dispatch *)user;
    struct capture_frame fr;
    fill_frame(&fr, ld->dlt, h, data, 0);
    ld->cb->frame(ld->cb->arg, &fr);
}

/* Non-blocking reads and our own poll(2): a signal interrupts the wait at
 * once (libpcap's blocking read would restart it), and the caller's poll
 * callback runs at least every 100 ms even when no packet comes. */
enum capture_result capture_live(const struct capture_live_opts *o, const struct capture_callbacks *cb,
                                 struct capture_counters *ctr, const struct log_ctx *lg)
{
    pcap_t *p = open_live(o, lg);
    if (!p)
        return CAPTURE_FAILED;
    char errbuf[PCAP_ERRBUF_SIZE];
    int fd = pcap_get_selectable_fd(p);
    if (!link_supported(p, o->iface, lg) || !set_filter(p, o->iface, o->bpf, lg) || fd < 0 ||
        pcap_setnonblock(p, 1, errbuf) < 0) {
        if (fd < 0)
            log_error(lg, "%s: no selectable descriptor for this capture", o->iface);
        pcap_close(p);
        return CAPTURE_FAILED;
    }
    struct live_dispatch ld = {cb, pcap_datalink(p)};
    enum capture_result res = CAPTURE_STOPPED;
    ictw_usec next_poll = ictw_monotonic();
    for (;;) {
        int n = pcap_dispatch(p, 256, live_packet, (u_char *)&ld);
        if (n < 0) {
            log_error(lg, "%s: capture error: %s", o->iface, pcap_geterr(p));
            res = CAPTURE_FAILED;
            break;
        }
        ictw_usec now = ictw_monotonic();
        if (n == 0 || now >= next_poll) {
            next_poll = now + 100000;
            read_counters(p, ctr);
            if (cb->poll && !cb->poll(cb->arg))
                break;
        }
        if (n == 0) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            poll(&pfd, 1, 100);   /* EINTR on a signal: fine, loop and poll again */
        }
    }
    read_counters(p, ctr);
    pcap_close(p);
    return res;
}
