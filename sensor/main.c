/* main.c - ictwatch-sensor: command line, signals, and the capture loop.
 *
 * Every command-line option maps to a config key (options.c); options are
 * added to the configuration after the config file (-c), so the command line
 * wins. Then the stages are built (sensor.c) and the packets of each file, or
 * of the live interface, run through them.
 *
 * Signals only set flags (the one piece of global state in the program,
 * because a signal handler cannot reach a context): SIGINT/SIGTERM stop,
 * SIGUSR1 prints statistics, SIGHUP reloads the rules. The capture loop polls
 * the flags.
 *
 * Exit status: 0 all input read (a cut file still counts as read, with a
 * warning), 1 some input could not be read (missing file, unsupported link
 * type, capture error), 2 bad command line or configuration.
 */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "options.h"
#include "sensor.h"

static struct sensor_signals signals_seen;

static void on_stop(int sig)
{
    (void)sig;
    signals_seen.stop = 1;
}

static void on_usr1(int sig)
{
    (void)sig;
    signals_seen.dump_stats = 1;
}

static void on_hup(int sig)
{
    (void)sig;
    signals_seen.reload = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* ---- command line --------------------------------------------------------- */

enum { OPT_CONFIG = 'c', OPT_HELP = 'h', OPT_VERSION = 'V', OPT_QUIET = 'q', OPT_VERBOSE = 'v',
       OPT_SET = 1000, OPT_TABLE = 2000 };

static void usage(FILE *o)
{
    fprintf(o, "usage: ictwatch-sensor [options] (-r FILE ... | -i IFACE)\n\n"
               "  -c, --config FILE          read settings from FILE (key = value)\n"
               "      --set KEY=VALUE        set any setting or rule variable (e.g. HOME_NET=[10.0.0.0/8])\n"
               "  -q, --quiet                only errors on stderr\n"
               "  -v, --verbose              more messages\n"
               "  -V, --version              print the version\n"
               "  -h, --help                 this help\n");
    for (unsigned i = 0; i < sensor_options_count; i++) {
        const struct sensor_option *so = &sensor_options[i];
        if (!so->long_opt)
            continue;
        char left[64];
        if (so->short_opt)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", so->short_opt, so->long_opt,
                     so->has_arg ? " " : "", so->has_arg ? so->arg_name : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", so->long_opt, so->has_arg ? " " : "",
                     so->has_arg ? so->arg_name : "");
        fprintf(o, "  %-25s  %s\n", left, so->help);
    }
    fprintf(o, "\nEvery setting can also go in the config file; see docs/sensor.md.\n");
}

struct cli {
    struct config from_cli;     /* options given on the command line, in order */
    const char *config_file;
    enum log_level level;
    bool done;                  /* --help or --version handled */
};

static int parse_cli(int argc, char **argv, struct cli *c)
{
    struct option longopts[sensor_options_count + 8];
    char shortopts[3 * sensor_options_count + 16];
    unsigned n = 0;
    size_t sl = 0;
    sl += (size_t)snprintf(shortopts + sl, sizeof(shortopts) - sl, "c:hVqv");
    longopts[n++] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
    longopts[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
    longopts[n++] = (struct option){"version", no_argument, NULL, OPT_VERSION};
    longopts[n++] = (struct option){"quiet", no_argument, NULL, OPT_QUIET};
    longopts[n++] = (struct option){"verbose", no_argument, NULL, OPT_VERBOSE};
    longopts[n++] = (struct option){"set", required_argument, NULL, OPT_SET};
    for (unsigned i = 0; i < sensor_options_count; i++) {
        const struct sensor_option *so = &sensor_options[i];
        if (so->long_opt)
            longopts[n++] = (struct option){so->long_opt, so->has_arg ? required_argument : no_argument,
                                            NULL, OPT_TABLE + (int)i};
        if (so->short_opt) {
            shortopts[sl++] = so->short_opt;
            if (so->has_arg)
                shortopts[sl++] = ':';
        }
    }
    shortopts[sl] = '\0';
    longopts[n] = (struct option){NULL, 0, NULL, 0};

    char err[512];
    int opt;
    while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        int idx = -1;
        if (opt >= OPT_TABLE) {
            idx = opt - OPT_TABLE;
        } else if (opt != OPT_CONFIG && opt != OPT_HELP && opt != OPT_VERSION && opt != OPT_QUIET &&
                   opt != OPT_VERBOSE && opt != OPT_SET && opt != '?') {
            for (unsigned i = 0; i < sensor_options_count; i++)
                if (sensor_options[i].short_opt == opt)
                    idx = (int)i;
        }
        if (idx >= 0) {
            const struct sensor_option *so = &sensor_options[idx];
            config_add(&c->from_cli, so->key, so->has_arg ? optarg : "yes", "command line", 0);
            continue;
        }
        switch (opt) {
        case OPT_CONFIG: c->config_file = optarg; break;
        case OPT_QUIET: c->level = LOG_ERROR; break;
        case OPT_VERBOSE: c->level = c->level < LOG_DEBUG ? c->level + 1 : LOG_DEBUG; break;
        case OPT_HELP: usage(stdout); c->done = true; return 0;
        case OPT_VERSION: printf("ictwatch-sensor %s\n", ICTW_VERSION); c->done = true; return 0;
        case OPT_SET:
            if (config_set_arg(&c->from_cli, optarg, err, sizeof(err))) {
                fprintf(stderr, "ictwatch-sensor: %s\n", err);
                return -1;
            }
            break;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ictwatch-sensor: unexpected argument '%s' (files are read with -r FILE)\n", argv[optind]);
        return -1;
    }
    return 0;
}

/* Config file first, then the command line, so the command line wins. */
static int build_config(struct sensor *s, struct cli *c)
{
    char err[1024];
    if (c->config_file && config_load_file(&s->cfg, c->config_file, err, sizeof(err))) {
        log_error(&s->log, "%s", err);
        return -1;
    }
    for (size_t i = 0; i < c->from_cli.n; i++) {
        const struct config_entry *e = &c->from_cli.e[i];
        config_add(&s->cfg, e->key, e->value, e->origin, e->line);
    }
    if (config_check_keys(&s->cfg, sensor_option_known, err, sizeof(err))) {
        log_error(&s->log, "%s", err);
        return -1;
    }
    if (!config_get(&s->cfg, "sensor-id")) {
        char host[256] = "sensor";
        gethostname(host, sizeof(host) - 1);
        host[sizeof(host) - 1] = '\0';
        config_add(&s->cfg, "sensor-id", host, "default (hostname)", 0);
    }
    if (config_find(&s->cfg, "no-promisc"))
        config_add(&s->cfg, "promisc", "no", "command line", 0);
    return 0;
}

/* ---- the loop ---------------------------------------------------------- */

struct run_state {
    struct sensor *s;
    ictw_usec next_progress;
    uint64_t last_packets;
    ictw_usec last_progress;
    ictw_usec next_heartbeat;
};

static void on_frame(void *arg, const struct capture_frame *fr)
{
    struct run_state *rs = arg;
    sensor_process_packet(rs->s, fr->dlt, fr->ts, fr->caplen, fr->wire_len, fr->data, fr->pcap_cnt);
}

static void print_progress(struct run_state *rs, ictw_usec now)
{
    struct sensor *s = rs->s;
    double dt = (double)(now - rs->last_progress) / 1e6;
    double pps = dt > 0 ? (double)(s->stats.packets - rs->last_packets) / dt : 0;
    fprintf(stderr, "\r%s: %llu packets, %.0f packets/s, %llu flows, %llu alerts   ",
            s->in_file ? s->in_file : "capture", (unsigned long long)s->stats.packets, pps,
            (unsigned long long)flow_table_stats(s->flows)->created, (unsigned long long)s->stats.alerts);
    rs->last_packets = s->stats.packets;
    rs->last_progress = now;
}

static bool on_poll(void *arg)
{
    struct run_state *rs = arg;
    struct sensor *s = rs->s;
    if (s->sig->dump_stats) {
        s->sig->dump_stats = 0;
        sensor_print_stats(s);
    }
    ictw_usec mono = ictw_monotonic();
    if (mono >= rs->next_heartbeat) {
        sensor_heartbeat(s);
        rs->next_heartbeat = mono + ICTW_USEC_PER_SEC;
    }
    if (s->eve.in_iface)
        output_flush(s->out);   /* live: records reach the file within 100 ms */
    if (s->progress) {
        ictw_usec now = ictw_monotonic();
        if (now >= rs->next_progress) {
            if (rs->last_progress)
                print_progress(rs, now);
            else
                rs->last_progress = now;
            rs->next_progress = now + ICTW_USEC_PER_SEC;
        }
    }
    return !s->sig->stop;
}

static int run_files(struct sensor *s, struct run_state *rs)
{
    struct capture_callbacks cb = {on_frame, on_poll, rs};
    const char *bpf = config_get(&s->cfg, "bpf");
    int failed = 0;
    size_t pos = 0;
    const struct config_entry *e;
    while ((e = config_next(&s->cfg, "pcap-file", &pos)) && !s->sig->stop) {
        s->in_file = e->value;
        enum capture_result r = capture_file(e->value, bpf, &cb, &s->log);
        if (r == CAPTURE_FAILED) {
            s->stats.files_failed++;
            failed = 1;
        } else {
            s->stats.files_ok++;
            if (r == CAPTURE_TRUNCATED)
                s->stats.files_truncated++;
        }
    }
    return failed;
}

static int run_live(struct sensor *s, struct run_state *rs)
{
    struct capture_callbacks cb = {on_frame, on_poll, rs};
    struct capture_live_opts o = {0};
    struct capture_counters ctr = {0};
    char err[512];
    uint64_t v = 65535, bufsz = 64ULL << 20;
    bool promisc = true;
    o.iface = config_get(&s->cfg, "interface");
    o.bpf = config_get(&s->cfg, "bpf");
    if (config_get_uint(&s->cfg, "snaplen", 262144, &v, err, sizeof(err)) ||
        config_get_size(&s->cfg, "buffer-size", &bufsz, err, sizeof(err)) ||
        config_get_bool(&s->cfg, "promisc", &promisc, err, sizeof(err)) || bufsz > (1ULL << 31)) {
        log_error(&s->log, "%s", err);
        return 2;
    }
    o.snaplen = (int)v;
    o.buffer_size = (int)bufsz;
    o.promisc = promisc;
    s->in_file = o.iface;
    enum capture_result r = capture_live(&o, &cb, &ctr, &s->log);
    s->stats.kernel_packets = ctr.kernel_packets;
    s->stats.kernel_drops = ctr.kernel_drops;
    s->stats.ifdrops = ctr.ifdrops;
    return r == CAPTURE_FAILED ? 1 : 0;
}

static bool want_progress(struct sensor *s)
{
    bool p = isatty(STDERR_FILENO) && s->log.level >= LOG_INFO;
    char err[512];
    if (config_get_bool(&s->cfg, "progress", &p, err, sizeof(err)))
        log_warn(&s->log, "%s", err);
    return p;
}

/* Flows come and go by the thousand per second: keep freed memory in the
 * process instead of returning it to the kernel and faulting it back in. */
static void tune_malloc(void)
{
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
}

int main(int argc, char **argv)
{
    struct cli c;
    tune_malloc();
    memset(&c, 0, sizeof(c));
    config_init(&c.from_cli);
    c.level = LOG_INFO;
    if (parse_cli(argc, argv, &c)) {
        config_free(&c.from_cli);
        return 2;
    }
    if (c.done) {
        config_free(&c.from_cli);
        return 0;
    }

    struct sensor *s = calloc(1, sizeof(*s));
    if (!s)
        return 2;
    s->log.prog = "ictwatch-sensor";
    s->log.level = c.level;
    s->sig = &signals_seen;
    config_init(&s->cfg);
    int rc = build_config(s, &c);
    config_free(&c.from_cli);

    bool files = config_find(&s->cfg, "pcap-file") != NULL;
    bool live = config_get(&s->cfg, "interface") != NULL;
    if (rc == 0 && files == live) {
        log_error(&s->log, "give either -r FILE (one or more) or -i IFACE; see --help");
        rc = -1;
    }
    if (rc == 0 && sensor_init(s))
        rc = -1;
    if (rc) {
        sensor_free(s);
        config_free(&s->cfg);
        free(s);
        return 2;
    }

    install_signals();
    s->progress = want_progress(s);
    struct run_state rs = {.s = s};
    int status = files ? run_files(s, &rs) : run_live(s, &rs);
    if (s->progress && rs.last_progress)
        fputc('\n', stderr);
    sensor_finish(s);
    if (s->log.level >= LOG_INFO)
        sensor_print_stats(s);
    sensor_free(s);
    config_free(&s->cfg);
    free(s);
    return status;
}
