/* export.c - the export verb and the release settings shared with share (see export.h). */
#include "export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "aggread.h"
#include "ictwatch/common.h"
#include "misp.h"
#include "rconn.h"
#include "stix.h"

static int split_recipients(struct release *rel, const struct config *cfg)
{
    size_t pos = 0;
    const struct config_entry *e;
    while ((e = config_next(cfg, "tlp.amber-recipients", &pos))) {
        char *copy = strdup(e->value), *save = NULL;
        if (!copy)
            return -1;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            while (*t == ' ' || *t == '\t')
                t++;
            size_t n = strlen(t);
            while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
                t[--n] = '\0';
            if (!n)
                continue;
            char **na = realloc(rel->allowed, (rel->n_allowed + 1) * sizeof(*na));
            if (!na) {
                free(copy);
                return -1;
            }
            rel->allowed = na;
            if (!(rel->allowed[rel->n_allowed] = strdup(t))) {
                free(copy);
                return -1;
            }
            rel->n_allowed++;
        }
        free(copy);
    }
    return 0;
}

int export_prepare(struct release *rel, const struct coll_settings *s, const struct config *cfg,
                   const char *default_recipient, const struct log_ctx *lg)
{
    memset(rel, 0, sizeof(*rel));
    anon_policy_init(&rel->anon);
    char err[1024], msg[256];
    struct agg_query q;
    if (agg_query_setup(&q, s, cfg, NULL, err, sizeof(err))) {
        log_error(lg, "%s", err);
        return -1;
    }
    if (!config_get(cfg, "window") && settings_find_window(s, "day"))
        q.w = settings_find_window(s, "day");
    if (!config_get(cfg, "since"))
        q.since = q.until > 86400 ? q.until - 86400 : 0;
    if (!q.w->detail)
        log_warn(lg, "window %s keeps counts only: no source prefixes or sources to share", q.w->name);
    const char *tlp = config_get(cfg, "tlp");
    enum tlp_level base = TLP_GREEN;
    if (tlp && tlp_parse(tlp, &base, msg, sizeof(msg)) < 0) {
        log_error(lg, "--tlp %s: %s", tlp, msg);
        return -1;
    }
    if (sharedoc_policy(&rel->anon, cfg, err, sizeof(err))) {
        log_error(lg, "%s", err);
        return -1;
    }
    if (split_recipients(rel, cfg)) {
        log_error(lg, "out of memory");
        return -1;
    }
    const char *cc = config_get(cfg, "as");
    const char *producer = config_get(cfg, "producer");
    const char *recipient = config_get(cfg, "recipient");
    ictw_strlcpy(rel->country, cc ? cc : (s->nsensors ? s->sensors[0].country : "XX"), sizeof(rel->country));
    if (!cc && !s->nsensors)
        log_warn(lg, "no --as COUNTRY given: the shared aggregates say XX");
    if (producer)
        ictw_strlcpy(rel->producer, producer, sizeof(rel->producer));
    else
        snprintf(rel->producer, sizeof(rel->producer), "ictwatch national collector %s", rel->country);
    ictw_strlcpy(rel->recipient, recipient ? recipient : default_recipient, sizeof(rel->recipient));
    uuid_producer_namespace(rel->producer, &rel->ns);
    uint64_t threshold = 10;
    if (config_get_uint(cfg, "threshold", UINT32_MAX, &threshold, err, sizeof(err))) {
        log_error(lg, "%s", err);
        return -1;
    }
    struct share_spec *sp = &rel->spec;
    sp->window = q.w;
    sp->since = q.since;
    sp->until = q.until;
    sp->base = base;
    sp->recipient = rel->recipient;
    sp->allowed = (const char *const *)rel->allowed;
    sp->n_allowed = rel->n_allowed;
    sp->anon = &rel->anon;
    sp->threshold = threshold;
    sp->max_prefixes = 5000;
    sp->max_signatures = 200;
    sp->country = rel->country;
    sp->producer = rel->producer;
    sp->only_country = config_get(cfg, "filter.country");
    return 0;
}

void export_release_free(struct release *rel)
{
    for (size_t i = 0; i < rel->n_allowed; i++)
        free(rel->allowed[i]);
    free(rel->allowed);
    anon_policy_free(&rel->anon);
    memset(rel, 0, sizeof(*rel));
}

bool export_may_release(const struct release *rel, const struct log_ctx *lg)
{
    const char *why = NULL;
    if (tlp_may_release(rel->spec.base, rel->recipient, (const char *const *)rel->allowed, rel->n_allowed,
                        &why))
        return true;
    log_error(lg, "%s may not go to '%s': %s", tlp_name(rel->spec.base), rel->recipient, why ? why : "refused");
    return false;
}

static int make_dir(const char *dir, const struct log_ctx *lg)
{
    char path[4096];
    ictw_strlcpy(path, dir, sizeof(path));
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0750) && errno != EEXIST) {
            log_error(lg, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    if (mkdir(path, 0750) && errno != EEXIST) {
        log_error(lg, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_json(const struct share_doc *d, const struct release *rel, const char *path, char *err,
                      size_t errlen)
{
    struct jsonw w;
    char a[32], b[32], now[32];
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key_str(&w, "schema", "ictwatch-export/1");
    jsonw_key_str(&w, "country", d->country);
    jsonw_key_str(&w, "producer", d->producer);
    jsonw_key_str(&w, "tlp", tlp_name(d->level));
    jsonw_key_str(&w, "recipient", rel->recipient);
    sharedoc_time(rel->spec.since / rel->spec.window->size * rel->spec.window->size, a, sizeof(a));
    sharedoc_time(rel->spec.until, b, sizeof(b));
    sharedoc_time(ictw_wallclock() / ICTW_USEC_PER_SEC, now, sizeof(now));
    jsonw_key_str(&w, "since", a);
    jsonw_key_str(&w, "until", b);
    jsonw_key_str(&w, "generated", now);
    jsonw_key(&w, "windows");
    jsonw_array_begin(&w);
    for (size_t i = 0; i < d->n; i++)
        sharedoc_window_json(d, &d->w[i], &w);
    jsonw_array_end(&w);
    jsonw_object_end(&w);
    FILE *f = fopen(path, "w");
    int rc = -1;
    if (f && !w.failed && fwrite(w.buf, 1, w.len, f) == w.len && fputc('\n', f) != EOF)
        rc = 0;
    if (f && fclose(f))
        rc = -1;
    if (rc)
        snprintf(err, errlen, "%.900s: %s", path, strerror(errno));
    jsonw_free(&w);
    return rc;
}

int export_run(const struct coll_settings *s, const struct config *cfg, const struct log_ctx *lg)
{
    const char *fmt = config_get(cfg, "format");
    const char *out = config_get(cfg, "out");
    if (!fmt)
        fmt = "json";
    if (strcmp(fmt, "json") && strcmp(fmt, "stix") && strcmp(fmt, "misp")) {
        log_error(lg, "--format %s: expected json, stix or misp", fmt);
        return 2;
    }
    if (!out) {
        log_error(lg, "export needs --out DIR");
        return 2;
    }
    struct release rel;
    if (export_prepare(&rel, s, cfg, "export", lg)) {
        export_release_free(&rel);
        return 2;
    }
    int status = 1;
    if (strcmp(fmt, "json") && !anon_policy_keeps_addresses(&rel.anon)) {
        log_error(lg, "--anonymize hmac writes pseudonyms, not addresses: STIX and MISP need addresses "
                      "(use cryptopan or truncate, or --format json)");
        export_release_free(&rel);
        return 2;
    }
    if (!export_may_release(&rel, lg)) {
        export_release_free(&rel);
        return 1;
    }
    struct rconn r;
    struct share_doc d;
    sharedoc_init(&d);
    char err[1024], path[4096], a[32], b[32];
    if (rconn_open(&r, s->redis_url, s->redis_user, s->redis_password, s->redis_timeout_ms)) {
        log_error(lg, "%s", r.err);
        goto out;
    }
    if (sharedoc_build(&r, &rel.spec, &d, err, sizeof(err))) {
        log_error(lg, "%s", err);
        goto out;
    }
    if (make_dir(out, lg))
        goto out;
    sharedoc_time(rel.spec.since / rel.spec.window->size * rel.spec.window->size, a, sizeof(a));
    sharedoc_time(rel.spec.until, b, sizeof(b));
    int rc;
    if (!strcmp(fmt, "json")) {
        snprintf(path, sizeof(path), "%s/ictwatch-%s-%s-%s.json", out, rel.country, rel.spec.window->name, a);
        rc = write_json(&d, &rel, path, err, sizeof(err));
    } else if (!strcmp(fmt, "stix")) {
        snprintf(path, sizeof(path), "%s/stix-bundle-%s-%s-%s.json", out, rel.country, rel.spec.window->name, a);
        rc = stix_write_bundle(&d, &rel, path, err, sizeof(err));
    } else {
        snprintf(path, sizeof(path), "%s", out);
        rc = misp_write_feed(&d, &rel, out, err, sizeof(err));
    }
    if (rc) {
        log_error(lg, "%s", err);
        goto out;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < d.n; i++)
        total += d.w[i].total;
    printf("%s: %zu windows of %s from %s to %s, %llu alerts, %s, anonymisation %s/%s\n", path, d.n,
           rel.spec.window->name, a, b, (unsigned long long)total, tlp_name(d.level), d.anonymization, d.scope);
    if (d.withheld)
        log_warn(lg, "%llu alerts withheld: their TLP level may not go to '%s'", (unsigned long long)d.withheld,
                 rel.recipient);
    status = 0;
out:
    sharedoc_free(&d);
    rconn_close(&r);
    export_release_free(&rel);
    return status;
}
