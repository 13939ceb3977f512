/* main.c - ictwatch-collector: command line, configuration, signals, verb dispatch.
 *
 *   ictwatch-collector VERB [-c FILE] [--set KEY=VALUE]... [options]
 *
 * The command line becomes config entries after the file's (so it wins), every
 * verb reads the same checked struct coll_settings, and the only global state is
 * the stop flag set by SIGTERM/SIGINT (read by the long-running verbs).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ictwatch/common.h"
#include "ictwatch/config.h"
#include "ictwatch/log.h"
#include "compare.h"
#include "export.h"
#include "ingest.h"
#include "report.h"
#include "settings.h"
#include "share.h"
#include "status.h"
#include "tail.h"

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

struct verb {
    const char *name;
    unsigned bit;
    const char *what;
};

static const struct verb verbs[] = {
    {"run", VERB_RUN, "consume the sensors' streams into aggregates until stopped"},
    {"report", VERB_REPORT, "aggregates as a table, JSON or CSV"},
    {"status", VERB_STATUS, "sensors, heartbeats, lag, pending and dead letters"},
    {"tail", VERB_TAIL, "live alerts from the pub/sub channel"},
    {"export", VERB_EXPORT, "anonymised, TLP-marked STIX 2.1, MISP feed or JSON files"},
    {"share", VERB_SHARE, "push anonymised aggregates to a regional Redis"},
    {"compare", VERB_COMPARE, "countries side by side from a regional Redis (table, JSON, HTML)"},
};

static void usage(FILE *f, const struct verb *only)
{
    fprintf(f, "usage: ictwatch-collector VERB [-c FILE] [--set KEY=VALUE]... [options]\n\nverbs:\n");
    for (size_t i = 0; i < ICTW_ARRAY_LEN(verbs); i++)
        fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].what);
    fprintf(f, "\noptions%s%s:\n  -c, --config FILE      settings file (key = value)\n"
               "      --set KEY=VALUE    any setting of the file\n  -h, --help             this text\n",
            only ? " of " : "", only ? only->name : "");
    for (unsigned i = 0; i < coll_options_count; i++) {
        const struct coll_option *o = &coll_options[i];
        if (!o->long_opt || (only && !(o->verbs & only->bit)))
            continue;
        char left[64];
        if (o->short_opt)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_opt, o->long_opt, o->has_arg ? " " : "",
                     o->has_arg ? o->arg_name : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", o->long_opt, o->has_arg ? " " : "",
                     o->has_arg ? o->arg_name : "");
        fprintf(f, "  %-22s %s\n", left, o->help);
    }
    fprintf(f, "\nAll settings, also those without an option: docs/collector.md.\n");
}

enum { OPT_SET = 1000, OPT_VERSION, OPT_BASE = 2000 };

/* Parses the command line into cmdline entries; returns 0, 1 (help shown) or -1. */
static int parse_args(int argc, char **argv, const struct verb *v, struct config *cmdline,
                      const char **config_file)
{
    struct option *lo = calloc(coll_options_count + 5, sizeof(*lo));
    char shorts[128] = "+c:h";
    if (!lo)
        return -1;
    size_t n = 0;
    lo[n++] = (struct option){"config", required_argument, NULL, 'c'};
    lo[n++] = (struct option){"set", required_argument, NULL, OPT_SET};
    lo[n++] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n++] = (struct option){"version", no_argument, NULL, OPT_VERSION};
    for (unsigned i = 0; i < coll_options_count; i++) {
        const struct coll_option *o = &coll_options[i];
        if (o->long_opt)
            lo[n++] = (struct option){o->long_opt, o->has_arg ? required_argument : no_argument, NULL,
                                      OPT_BASE + (int)i};
        if (o->short_opt) {
            size_t l = strlen(shorts);
            shorts[l] = o->short_opt;
            shorts[l + 1] = o->has_arg ? ':' : '\0';
            shorts[l + 2] = '\0';
        }
    }
    int rc = 0, c;
    char err[512];
    optind = 1;
    while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        const struct coll_option *o = NULL;
        if (c == 'c') {
            *config_file = optarg;
            continue;
        } else if (c == 'h') {
            usage(stdout, v);
            rc = 1;
            break;
        } else if (c == OPT_VERSION) {
            printf("ictwatch-collector %s\n", ICTW_VERSION);
            rc = 1;
            break;
        } else if (c == OPT_SET) {
            if (config_set_arg(cmdline, optarg, err, sizeof(err))) {
                fprintf(stderr, "ictwatch-collector: %s\n", err);
                rc = -1;
                break;
            }
            continue;
        } else if (c >= OPT_BASE) {
            o = &coll_options[c - OPT_BASE];
        } else {
            for (unsigned i = 0; i < coll_options_count; i++)
                if (coll_options[i].short_opt == c)
                    o = &coll_options[i];
        }
        if (!o) {
            fprintf(stderr, "ictwatch-collector %s: see --help\n", v->name);
            rc = -1;
            break;
        }
        if (!(o->verbs & v->bit)) {
            fprintf(stderr, "ictwatch-collector: --%s is not an option of '%s' (see %s --help)\n",
                    o->long_opt, v->name, v->name);
            rc = -1;
            break;
        }
        config_add(cmdline, o->key, o->has_arg ? optarg : "yes", "command line", 0);
    }
    if (rc == 0 && optind < argc) {
        fprintf(stderr, "ictwatch-collector %s: unexpected argument '%s'\n", v->name, argv[optind]);
        rc = -1;
    }
    free(lo);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout, NULL);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("ictwatch-collector %s\n", ICTW_VERSION);
        return 0;
    }
    const struct verb *v = NULL;
    for (size_t i = 0; i < ICTW_ARRAY_LEN(verbs); i++)
        if (!strcmp(argv[1], verbs[i].name))
            v = &verbs[i];
    if (!v) {
        fprintf(stderr, "ictwatch-collector: unknown verb '%s' (run, report, status, tail, export, share, compare)\n", argv[1]);
        return 2;
    }

    struct config cmdline, cfg;
    config_init(&cmdline);
    config_init(&cfg);
    const char *config_file = NULL;
    int rc = parse_args(argc - 1, argv + 1, v, &cmdline, &config_file);
    char err[1024];
    if (rc == 0 && config_file && config_load_file(&cfg, config_file, err, sizeof(err))) {
        fprintf(stderr, "ictwatch-collector: %s\n", err);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < cmdline.n; i++)
        config_add(&cfg, cmdline.e[i].key, cmdline.e[i].value, cmdline.e[i].origin, cmdline.e[i].line);
    config_free(&cmdline);

    struct coll_settings set;
    memset(&set, 0, sizeof(set));
    if (rc == 0 && settings_load(&set, &cfg, err, sizeof(err))) {
        fprintf(stderr, "ictwatch-collector: %s\n", err);
        rc = -1;
    }
    struct log_ctx lg = {"ictwatch-collector", LOG_INFO};
    if (config_get(&cfg, "verbose"))
        lg.level = LOG_DEBUG;
    if (config_get(&cfg, "quiet"))
        lg.level = LOG_ERROR;
    if (v->bit != VERB_RUN && !config_get(&cfg, "verbose"))
        lg.level = ICTW_MIN(lg.level, LOG_WARN);

    int status = rc < 0 ? 2 : 0;
    if (rc == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_stop;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        switch (v->bit) {
        case VERB_RUN:
            status = ingest_run(&set, &lg, &stop_flag, config_get(&cfg, "drain") != NULL);
            break;
        case VERB_REPORT:
            status = report_run(&set, &cfg, &lg);
            break;
        case VERB_STATUS:
            status = status_run(&set, &cfg, &lg);
            break;
        case VERB_TAIL:
            status = tail_run(&set, &cfg, &lg, &stop_flag);
            break;
        case VERB_EXPORT:
            status = export_run(&set, &cfg, &lg);
            break;
        case VERB_SHARE:
            status = share_run(&set, &cfg, &lg, &stop_flag);
            break;
        case VERB_COMPARE:
            status = compare_run(&set, &cfg, &lg);
            break;
        }
    }
    settings_free(&set);
    config_free(&cfg);
    return status;
}
