/* loader.c - builds a rule engine from the configuration.
 *
 * Settings (config file keys; the command line adds the same keys):
 *   rule-files                    repeatable; relative to rules-dir when set (-S FILE
 *                                 on the command line: the path as given)
 *   rules-dir                     where rule files, classification.config and
 *                                 reference.config are looked up (default for the
 *                                 two .config files: the first rule file's directory)
 *   classification-file           default RULES_DIR/classification.config (optional)
 *   reference-file                default RULES_DIR/reference.config (optional)
 *   reputation-categories-file    iprep categories; reputation-files (repeatable),
 *   default-reputation-path       relative reputation files are taken from here
 *   strict-rules                  any rule error makes the load fail
 *   detect.encryption-handling    default | full
 *   detect.thresholds.max-entries threshold keys tracked at once (default 262144)
 *   UPPERCASE keys                rule variables (HOME_NET, HTTP_PORTS, ...)
 *
 * A rule that cannot be loaded is reported as FILE:LINE: what is wrong and
 * skipped; a duplicate sid (per gid) is such an error. A file that cannot be
 * read, a list that cannot be read, or any rule error in strict mode makes
 * the whole load fail (NULL), so that a reload keeps the rules it has.
 */
#include "engine.h"

#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int rules_read_file(const char *path, struct load_diag *d,
                    int (*fn)(void *arg, const char *text, int line), void *arg);

struct load_state {
    struct detect_engine *e;
    struct load_env env;
    struct load_diag *diag;
    struct hashset sids;        /* 8-byte gid:sid -> ordinal = index in e->rules */
    uint32_t cap;
    const char *file;
    unsigned loaded, failed;
    bool fatal;
};

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static const char *keep_name(struct detect_engine *e, const char *path)
{
    char **nf = realloc(e->files, (e->nfiles + 1) * sizeof(*nf));
    if (!nf)
        return NULL;
    e->files = nf;
    nf[e->nfiles] = strdup(path);
    return nf[e->nfiles] ? nf[e->nfiles++] : NULL;
}

static int on_rule(void *arg, const char *text, int line)
{
    struct load_state *ls = arg;
    char err[DETECT_ERRLEN];
    struct rule *r = rule_parse(&ls->env, text, ls->file, line, err, sizeof(err));
    if (!r) {
        diag_msg(ls->diag, LOG_ERROR, ls->file, line, "%s", err);
        ls->failed++;
        return 0;
    }
    uint32_t key[2] = {r->gid, r->sid};
    int64_t first = hashset_find(&ls->sids, key, sizeof(key));
    if (first >= 0) {
        const struct rule *o = ls->e->rules[first];
        diag_msg(ls->diag, LOG_ERROR, ls->file, line, "duplicate sid %u (gid %u), first defined at %s:%d",
                 r->sid, r->gid, o->file, o->line);
        rule_free(r);
        ls->failed++;
        return 0;
    }
    struct detect_engine *e = ls->e;
    if (e->nrules == ls->cap) {
        uint32_t cap = ls->cap ? ls->cap * 2 : 256;
        struct rule **nr = realloc(e->rules, cap * sizeof(*nr));
        if (!nr) {
            rule_free(r);
            ls->fatal = true;
            return -1;
        }
        e->rules = nr;
        ls->cap = cap;
    }
    if (hashset_insert(&ls->sids, key, sizeof(key), NULL) < 0) {
        rule_free(r);
        ls->fatal = true;
        return -1;
    }
    r->file_order = e->nrules;
    e->rules[e->nrules++] = r;
    ls->loaded++;
    return 0;
}

/* Path of an optional file: the setting if given (must exist), else
 * RULES_DIR/name if that exists, else NULL. *explicit tells which. */
static char *config_path(const struct config *cfg, const char *key, const char *rules_dir,
                         const char *name, bool *explicit_set)
{
    const char *v = cfg ? config_get(cfg, key) : NULL;
    *explicit_set = v != NULL;
    if (v)
        return strdup(v);
    if (!rules_dir)
        return NULL;
    char *p = detect_path_join(rules_dir, name);
    if (p && !file_exists(p)) {
        free(p);
        return NULL;
    }
    return p;
}

/* Where classification.config and reference.config are looked for when no
 * file is given: rules-dir, else the directory of the first rule file. */
static char *support_dir(const struct config *cfg, const char *rules_dir)
{
    if (rules_dir)
        return strdup(rules_dir);
    size_t pos = 0;
    const struct config_entry *first = cfg ? config_next(cfg, "rule-files", &pos) : NULL;
    return first ? detect_dirname(first->value) : NULL;
}

/* Reputation files are loaded by a thread while the rules are parsed: rules
 * need only the categories, which are read before it starts. */
struct rep_job {
    struct iprep *rep;
    const struct config *cfg;
    struct load_diag diag;      /* its own counters, added after the join */
    pthread_t th;
    bool started;
    int rc;
};

static void *rep_worker(void *arg)
{
    struct rep_job *j = arg;
    const char *repdir = config_get(j->cfg, "default-reputation-path");
    size_t pos = 0;
    const struct config_entry *ce;
    j->rc = 0;
    while ((ce = config_next(j->cfg, "reputation-files", &pos))) {
        char *rp = detect_path_join(repdir, ce->value);
        if (!rp || iprep_load_file(j->rep, rp, &j->diag) < 0) {
            free(rp);
            j->rc = -1;
            break;
        }
        free(rp);
    }
    return NULL;
}

static int rep_job_finish(struct rep_job *j, struct load_diag *d)
{
    if (!j->started)
        return 0;
    pthread_join(j->th, NULL);
    j->started = false;
    d->errors += j->diag.errors;
    d->warnings += j->diag.warnings;
    return j->rc;
}

static int load_support_files(struct load_state *ls, const struct config *cfg, const char *rules_dir_set,
                              struct rep_job *job)
{
    struct detect_engine *e = ls->e;
    char *rules_dir = support_dir(cfg, rules_dir_set);
    int rc = -1;
    bool expl;
    char *p = config_path(cfg, "classification-file", rules_dir, "classification.config", &expl);
    if (p) {
        if (classification_load(&e->cls, p, ls->diag) < 0) {
            free(p);
            goto done;
        }
        free(p);
    } else {
        log_info(ls->diag->lg, "no classification.config: classtypes give no category (set "
                 "rules-dir or classification-file)");
    }
    p = config_path(cfg, "reference-file", rules_dir, "reference.config", &expl);
    if (p) {
        if (refconf_load(&e->refs, p, ls->diag) < 0) {
            free(p);
            goto done;
        }
        free(p);
    }
    const char *cats = cfg ? config_get(cfg, "reputation-categories-file") : NULL;
    size_t pos = 0;
    const struct config_entry *ce = cfg ? config_next(cfg, "reputation-files", &pos) : NULL;
    if (ce && !cats) {
        diag_msg(ls->diag, LOG_ERROR, ce->origin, ce->line,
                 "reputation-files needs reputation-categories-file");
        goto done;
    }
    if (cats && iprep_load_categories(&e->iprep, cats, ls->diag) < 0)
        goto done;
    if (ce) {
        job->rep = &e->iprep;
        job->cfg = cfg;
        job->diag = (struct load_diag){ls->diag->lg, 0, 0, ls->diag->strict};
        if (pthread_create(&job->th, NULL, rep_worker, job) != 0) {
            rep_worker(job);   /* no thread: load it here */
            if (job->rc < 0)
                goto done;
        } else {
            job->started = true;
        }
    }
    rc = 0;
done:
    free(rules_dir);
    return rc;
}

static int load_rule_files(struct load_state *ls, const struct config *cfg, const char *rules_dir,
                           unsigned *files)
{
    size_t pos = 0;
    const struct config_entry *ce;
    while (cfg && (ce = config_next(cfg, "rule-files", &pos))) {
        /* As Suricata: -S FILE is used as given, rule-files of a config file
         * are relative to rules-dir. */
        bool from_cli = ce->line == 0 && strcmp(ce->origin, "command line") == 0;
        char *path = detect_path_join(from_cli ? NULL : rules_dir, ce->value);
        const char *name = path ? keep_name(ls->e, path) : NULL;
        free(path);
        if (!name)
            return -1;
        ls->file = name;
        (*files)++;
        int rc = rules_read_file(name, ls->diag, on_rule, ls);
        if (rc == -1) {
            diag_msg(ls->diag, LOG_ERROR, name, 0, "cannot read the rule file: %s", strerror(errno));
            return -1;
        }
        if (rc < 0 || ls->fatal || ls->env.list_unreadable)
            return -1;
    }
    return 0;
}

struct detect_engine *detect_engine_load_from(const struct detect_load_opts *o,
                                              struct detect_load_report *rep,
                                              const struct flowbit_names *inherit, uint32_t gen)
{
    ictw_usec t0 = ictw_monotonic();
    struct detect_load_report dummy;
    if (!rep)
        rep = &dummy;
    memset(rep, 0, sizeof(*rep));
    const struct config *cfg = o->cfg;
    bool strict = o->strict;
    char cerr[256];
    if (cfg && config_get_bool(cfg, "strict-rules", &strict, cerr, sizeof(cerr)) < 0) {
        log_error(o->lg, "%s", cerr);
        return NULL;
    }
    struct load_diag diag = {o->lg, 0, 0, strict || o->strict};
    struct detect_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->gen = gen;
    e->lg = o->lg;
    struct load_state ls;
    memset(&ls, 0, sizeof(ls));
    ls.e = e;
    ls.diag = &diag;
    const char *rules_dir = cfg ? config_get(cfg, "rules-dir") : NULL;
    ls.env.cfg = cfg;
    ls.env.dpi = o->dpi;
    ls.env.diag = &diag;
    ls.env.cls = &e->cls;
    ls.env.refs = &e->refs;
    ls.env.iprep = &e->iprep;
    ls.env.datasets = &e->datasets;
    ls.env.fbnames = &e->fbnames;
    ls.env.rules_dir = rules_dir;
    iprep_init(&e->iprep);
    struct rep_job job = {.started = false, .rc = 0};
    if (flowbit_names_copy(&e->fbnames, inherit) < 0 || hashset_init(&ls.sids, 8, 1024) < 0)
        goto fail;
    if (load_support_files(&ls, cfg, rules_dir, &job) < 0)
        goto fail;
    int rules_rc = load_rule_files(&ls, cfg, rules_dir, &rep->files);
    if (rep_job_finish(&job, &diag) < 0 || rules_rc < 0)
        goto fail;
    rep->loaded = ls.loaded;
    rep->failed = ls.failed;
    rep->warnings = diag.warnings;
    if (diag.strict && ls.failed) {
        log_error(o->lg, "%u rules loaded, %u failed: strict-rules refuses to continue", ls.loaded,
                  ls.failed);
        goto fail_quiet;
    }
    char err[512];
    if (engine_build(e, cfg, o->dpi, err, sizeof(err)) < 0) {
        log_error(o->lg, "%s", err);
        goto fail_quiet;
    }
    hashset_free(&ls.sids);
    log_msg(o->lg, ls.failed ? LOG_WARN : LOG_INFO,
            "%u rules loaded, %u failed (%u rule files, %" PRIu64 " dataset values, %" PRIu64
            " reputation entries, %.0f ms)",
            ls.loaded, ls.failed, rep->files, dataset_registry_values(&e->datasets),
            e->iprep.entries, (double)(ictw_monotonic() - t0) / 1000.0);
    return e;
fail:
    rep_job_finish(&job, &diag);
    rep->loaded = ls.loaded;
    rep->failed = ls.failed;
    rep->warnings = diag.warnings;
    log_error(o->lg, "the rules could not be loaded");
fail_quiet:
    hashset_free(&ls.sids);
    detect_engine_free(e);
    return NULL;
}

struct detect_engine *detect_engine_load(const struct detect_load_opts *o,
                                         struct detect_load_report *r)
{
    return detect_engine_load_from(o, r, NULL, 1);
}
