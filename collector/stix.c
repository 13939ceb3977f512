/* stix.c - STIX 2.1 bundle writer (see stix.h). */
#include "stix.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ictwatch/common.h"
#include "ictwatch/jsonw.h"

/* "2026-11-26T00:00:00.000Z": STIX wants milliseconds on created/modified. */
static void stix_time(uint64_t seconds, char *buf, size_t len)
{
    time_t t = (time_t)seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

static void marking_object(struct jsonw *w, enum tlp_level l)
{
    jsonw_object_begin(w);
    jsonw_key_str(w, "type", "marking-definition");
    jsonw_key_str(w, "spec_version", "2.1");
    jsonw_key_str(w, "id", tlp_stix_marking_id(l));
    jsonw_key_str(w, "created", TLP_STIX_MARKING_CREATED);
    jsonw_key_str(w, "name", tlp_name(l));
    jsonw_key(w, "extensions");
    jsonw_object_begin(w);
    jsonw_key(w, TLP_STIX_EXTENSION_ID);
    jsonw_object_begin(w);
    jsonw_key_str(w, "extension_type", "property-extension");
    jsonw_key_str(w, "tlp_2_0", tlp_value(l));
    jsonw_object_end(w);
    jsonw_object_end(w);
    jsonw_object_end(w);
}

static void common(struct jsonw *w, const char *type, const char *id, const char *created, const char *modified,
                   const char *creator, enum tlp_level l)
{
    jsonw_key_str(w, "type", type);
    jsonw_key_str(w, "spec_version", "2.1");
    jsonw_key_str(w, "id", id);
    if (creator)
        jsonw_key_str(w, "created_by_ref", creator);
    jsonw_key_str(w, "created", created);
    jsonw_key_str(w, "modified", modified);
    jsonw_key(w, "object_marking_refs");
    jsonw_array_begin(w);
    jsonw_str(w, tlp_stix_marking_id(l));
    jsonw_array_end(w);
}

static void window_objects(struct jsonw *w, const struct share_doc *d, const struct share_window *win,
                           const struct release *rel, const char *identity, const char *location, uint64_t now)
{
    char created[40], modified[40], first[32], last[32];
    uint64_t end = win->start + win->length;
    stix_time(end, created, sizeof(created));
    stix_time(now > end ? now : end, modified, sizeof(modified));
    sharedoc_time(win->start, first, sizeof(first));
    sharedoc_time(end, last, sizeof(last));
    for (size_t i = 0; i < win->sources.n; i++) {
        const struct share_count *src = &win->sources.v[i];
        struct ictw_addr a;
        if (ictw_addr_parse(src->key, &a))
            continue; /* not an address (never with the policies allowed for STIX) */
        char name[256], ind[UUID_STIX_ID_MAX], sig[UUID_STIX_ID_MAX], pattern[160], title[256];
        snprintf(name, sizeof(name), "%s|%s|%llu|%llu", src->key, d->country, (unsigned long long)win->start,
                 (unsigned long long)win->length);
        uuid_stix_id(&rel->ns, "indicator", name, ind, sizeof(ind));
        uuid_stix_id(&rel->ns, "sighting", name, sig, sizeof(sig));
        snprintf(pattern, sizeof(pattern), "[%s:value = '%s']", a.family == 4 ? "ipv4-addr" : "ipv6-addr", src->key);
        snprintf(title, sizeof(title), "Source of %llu alerts seen by sensors in %s",
                 (unsigned long long)src->count, d->country);
        jsonw_object_begin(w);
        common(w, "indicator", ind, created, modified, identity, win->level);
        jsonw_key_str(w, "name", title);
        jsonw_key(w, "indicator_types");
        jsonw_array_begin(w);
        jsonw_str(w, "malicious-activity");
        jsonw_array_end(w);
        jsonw_key_str(w, "pattern", pattern);
        jsonw_key_str(w, "pattern_type", "stix");
        jsonw_key_str(w, "pattern_version", "2.1");
        jsonw_key_str(w, "valid_from", first);
        jsonw_object_end(w);

        jsonw_object_begin(w);
        common(w, "sighting", sig, created, modified, identity, win->level);
        jsonw_key_str(w, "sighting_of_ref", ind);
        jsonw_key_str(w, "first_seen", first);
        jsonw_key_str(w, "last_seen", last);
        jsonw_key_uint(w, "count", src->count > 999999999 ? 999999999 : src->count);
        jsonw_key_bool(w, "summary", true);
        jsonw_key(w, "where_sighted_refs");
        jsonw_array_begin(w);
        jsonw_str(w, location);
        jsonw_array_end(w);
        jsonw_object_end(w);
    }
}

int stix_write_bundle(const struct share_doc *d, const struct release *rel, const char *path, char *err,
                      size_t errlen)
{
    struct jsonw w;
    char identity[UUID_STIX_ID_MAX], location[UUID_STIX_ID_MAX], bundle[UUID_STIX_ID_MAX], name[256];
    char first[40];
    uint64_t now = ictw_wallclock() / ICTW_USEC_PER_SEC;
    uint64_t earliest = d->n ? d->w[0].start : rel->spec.since;
    for (size_t i = 0; i < d->n; i++)
        earliest = ICTW_MIN(earliest, d->w[i].start);
    uuid_stix_id(&rel->ns, "identity", rel->producer, identity, sizeof(identity));
    uuid_stix_id(&rel->ns, "location", d->country, location, sizeof(location));
    snprintf(name, sizeof(name), "%s|%s|%llu|%llu", d->country, rel->spec.window->name,
             (unsigned long long)rel->spec.since, (unsigned long long)rel->spec.until);
    uuid_stix_id(&rel->ns, "bundle", name, bundle, sizeof(bundle));
    stix_time(earliest, first, sizeof(first));

    bool used[TLP_LEVELS] = {false};
    used[d->level] = true;
    for (size_t i = 0; i < d->n; i++)
        used[d->w[i].level] = true;

    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key_str(&w, "type", "bundle");
    jsonw_key_str(&w, "id", bundle);
    jsonw_key(&w, "objects");
    jsonw_array_begin(&w);
    for (int l = 0; l < TLP_LEVELS; l++)
        if (used[l])
            marking_object(&w, (enum tlp_level)l);
    jsonw_object_begin(&w);
    common(&w, "identity", identity, first, first, NULL, d->level);
    jsonw_key_str(&w, "name", rel->producer);
    jsonw_key_str(&w, "identity_class", "organization");
    jsonw_key(&w, "sectors");
    jsonw_array_begin(&w);
    jsonw_str(&w, "government");
    jsonw_array_end(&w);
    jsonw_object_end(&w);
    jsonw_object_begin(&w);
    common(&w, "location", location, first, first, identity, d->level);
    jsonw_key_str(&w, "name", d->country);
    jsonw_key_str(&w, "country", d->country);
    jsonw_object_end(&w);
    for (size_t i = 0; i < d->n; i++)
        window_objects(&w, d, &d->w[i], rel, identity, location, now);
    jsonw_array_end(&w);
    jsonw_object_end(&w);

    int rc = -1;
    FILE *f = fopen(path, "w");
    if (f && !w.failed && fwrite(w.buf, 1, w.len, f) == w.len && fputc('\n', f) != EOF)
        rc = 0;
    if (f && fclose(f))
        rc = -1;
    if (rc)
        snprintf(err, errlen, "%.900s: %s", path, strerror(errno));
    jsonw_free(&w);
    return rc;
}
