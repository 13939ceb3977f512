/* misp.c - MISP feed writer (see misp.h). */
#include "misp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ictwatch/common.h"
#include "ictwatch/jsonw.h"
#include "md5.h"

#define MISP_TOP_SIGNATURES 20

static void uuid_text(const struct uuid *ns, const char *name, char *buf, size_t len)
{
    struct uuid u;
    uuid_v5(ns, name, strlen(name), &u);
    uuid_format(&u, buf, len);
}

static void tag_list(struct jsonw *w, enum tlp_level l)
{
    jsonw_key(w, "Tag");
    jsonw_array_begin(w);
    jsonw_object_begin(w);
    jsonw_key_str(w, "name", tlp_misp_tag(l));
    jsonw_key_bool(w, "exportable", true);
    jsonw_object_end(w);
    jsonw_array_end(w);
}

static void orgc(struct jsonw *w, const struct release *rel)
{
    char u[UUID_STRLEN], name[256];
    snprintf(name, sizeof(name), "misp-org|%s", rel->producer);
    uuid_text(&rel->ns, name, u, sizeof(u));
    jsonw_key(w, "Orgc");
    jsonw_object_begin(w);
    jsonw_key_str(w, "name", rel->producer);
    jsonw_key_str(w, "uuid", u);
    jsonw_object_end(w);
}

static bool real_address(const struct release *rel, const char *text)
{
    struct ictw_addr a;
    return rel->anon.method == ANON_NONE || (ictw_addr_parse(text, &a) == 0 && !anon_applies(&rel->anon, &a));
}

static void attribute(struct jsonw *w, const struct release *rel, const char *event, const char *type,
                      const char *category, const char *value, bool to_ids, const char *comment, const char *ts,
                      const char *first, const char *last)
{
    char name[1200], u[UUID_STRLEN];
    snprintf(name, sizeof(name), "misp-attr|%s|%s|%s", event, type, value);
    uuid_text(&rel->ns, name, u, sizeof(u));
    jsonw_object_begin(w);
    jsonw_key_str(w, "uuid", u);
    jsonw_key_str(w, "type", type);
    jsonw_key_str(w, "category", category);
    jsonw_key_str(w, "value", value);
    jsonw_key_bool(w, "to_ids", to_ids);
    jsonw_key_str(w, "distribution", "5");
    jsonw_key_str(w, "comment", comment);
    jsonw_key_str(w, "timestamp", ts);
    if (first) {
        jsonw_key_str(w, "first_seen", first);
        jsonw_key_str(w, "last_seen", last);
    }
    jsonw_object_end(w);
}

static int write_file(const char *path, const struct jsonw *w, char *err, size_t errlen)
{
    int rc = -1;
    FILE *f = fopen(path, "w");
    if (f && !w->failed && fwrite(w->buf, 1, w->len, f) == w->len && fputc('\n', f) != EOF)
        rc = 0;
    if (f && fclose(f))
        rc = -1;
    if (rc)
        snprintf(err, errlen, "%.900s: %s", path, strerror(errno));
    return rc;
}

int misp_write_feed(const struct share_doc *d, const struct release *rel, const char *dir, char *err,
                    size_t errlen)
{
    struct jsonw manifest, ev;
    char path[4096];
    jsonw_init(&manifest);
    jsonw_init(&ev);
    jsonw_object_begin(&manifest);
    snprintf(path, sizeof(path), "%s/hashes.csv", dir);
    FILE *hashes = fopen(path, "w");
    if (!hashes) {
        snprintf(err, errlen, "%.900s: %s", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < d->n && rc == 0; i++) {
        const struct share_window *win = &d->w[i];
        char name[256], u[UUID_STRLEN], info[256], date[16], ts[24], first[32], last[32], wend[32];
        snprintf(name, sizeof(name), "misp-event|%s|%llu|%llu", d->country, (unsigned long long)win->start,
                 (unsigned long long)win->length);
        uuid_text(&rel->ns, name, u, sizeof(u));
        time_t t = (time_t)win->start;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(date, sizeof(date), "%Y-%m-%d", &tm);
        sharedoc_time(win->start, first, sizeof(first));
        sharedoc_time(win->start + win->length, last, sizeof(last));
        sharedoc_time(win->start + win->length, wend, sizeof(wend));
        snprintf(ts, sizeof(ts), "%llu", (unsigned long long)(win->start + win->length));
        snprintf(info, sizeof(info), "ictwatch: %llu alerts seen by sensors in %s, %s to %s",
                 (unsigned long long)win->total, d->country, first, wend);

        jsonw_reset(&ev);
        jsonw_object_begin(&ev);
        jsonw_key(&ev, "Event");
        jsonw_object_begin(&ev);
        jsonw_key_str(&ev, "uuid", u);
        jsonw_key_str(&ev, "info", info);
        jsonw_key_str(&ev, "date", date);
        jsonw_key_str(&ev, "timestamp", ts);
        jsonw_key_str(&ev, "publish_timestamp", ts);
        jsonw_key_bool(&ev, "published", true);
        jsonw_key_str(&ev, "threat_level_id", "3");
        jsonw_key_str(&ev, "analysis", "2");
        jsonw_key_str(&ev, "distribution", "1");
        orgc(&ev, rel);
        tag_list(&ev, win->level);
        jsonw_key(&ev, "Attribute");
        jsonw_array_begin(&ev);
        for (size_t k = 0; k < win->sources.n; k++) {
            const struct share_count *s = &win->sources.v[k];
            char comment[128];
            snprintf(comment, sizeof(comment), "%llu alerts in the window (%s)", (unsigned long long)s->count,
                     d->anonymization);
            attribute(&ev, rel, u, "ip-src", "Network activity", s->key, real_address(rel, s->key), comment, ts,
                      first, last);
            char md5[33];
            md5_hex(s->key, strlen(s->key), md5);
            fprintf(hashes, "%s,%s\n", md5, u);
        }
        for (size_t k = 0; k < win->signatures.n && k < MISP_TOP_SIGNATURES; k++) {
            const struct share_count *s = &win->signatures.v[k];
            char text[1200];
            snprintf(text, sizeof(text), "%s %s: %llu alerts", s->key, s->label ? s->label : "",
                     (unsigned long long)s->count);
            attribute(&ev, rel, u, "text", "Other", text, false, "signature seen in the window", ts, NULL, NULL);
        }
        jsonw_array_end(&ev);
        jsonw_object_end(&ev);
        jsonw_object_end(&ev);
        snprintf(path, sizeof(path), "%s/%s.json", dir, u);
        rc = write_file(path, &ev, err, errlen);

        jsonw_key(&manifest, u);
        jsonw_object_begin(&manifest);
        jsonw_key_str(&manifest, "info", info);
        orgc(&manifest, rel);
        jsonw_key_str(&manifest, "analysis", "2");
        jsonw_key_str(&manifest, "threat_level_id", "3");
        jsonw_key_str(&manifest, "date", date);
        jsonw_key_str(&manifest, "timestamp", ts);
        tag_list(&manifest, win->level);
        jsonw_object_end(&manifest);
    }
    jsonw_object_end(&manifest);
    if (fclose(hashes) && rc == 0) {
        snprintf(err, errlen, "%s/hashes.csv: %s", dir, strerror(errno));
        rc = -1;
    }
    snprintf(path, sizeof(path), "%s/manifest.json", dir);
    if (rc == 0)
        rc = write_file(path, &manifest, err, errlen);
    jsonw_free(&manifest);
    jsonw_free(&ev);
    return rc;
}
