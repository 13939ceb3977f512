/* config.c - the "key = value" configuration store (see config.h).
 *
 * A flat array of entries in the order they were given; lookups scan from the
 * end so that a later setting (the command line) wins. Configurations hold
 * tens of entries, so a scan is cheaper than any index.
 */
#include "ictwatch/config.h"
#include "ictwatch/common.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_LINE 65536

void config_init(struct config *c)
{
    memset(c, 0, sizeof(*c));
}

void config_free(struct config *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].key);
        free(c->e[i].value);
        free(c->e[i].origin);
    }
    free(c->e);
    memset(c, 0, sizeof(*c));
}

int config_add(struct config *c, const char *key, const char *value, const char *origin, int line)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        struct config_entry *ne = realloc(c->e, cap * sizeof(*ne));
        if (!ne)
            return -1;
        c->e = ne;
        c->cap = cap;
    }
    struct config_entry *e = &c->e[c->n];
    e->key = strdup(key);
    e->value = strdup(value);
    e->origin = strdup(origin ? origin : "command line");
    e->line = line;
    if (!e->key || !e->value || !e->origin) {
        free(e->key);
        free(e->value);
        free(e->origin);
        return -1;
    }
    c->n++;
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static char *unquote(char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = '\0';
        return s + 1;
    }
    return s;
}

static bool valid_key(const char *k)
{
    if (!*k)
        return false;
    for (; *k; k++)
        if (!isalnum((unsigned char)*k) && *k != '-' && *k != '_' && *k != '.')
            return false;
    return true;
}

int config_load_file(struct config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(CONFIG_MAX_LINE);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int lineno = 0, rc = 0;
    while (fgets(buf, CONFIG_MAX_LINE, f)) {
        lineno++;
        size_t n = strlen(buf);
        if (n == CONFIG_MAX_LINE - 1 && buf[n - 1] != '\n') {
            snprintf(err, errlen, "%s:%d: line longer than %d bytes", path, lineno, CONFIG_MAX_LINE - 2);
            rc = -1;
            break;
        }
        char *s = trim(buf);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(s), *val = unquote(trim(eq + 1));
        if (!valid_key(key)) {
            snprintf(err, errlen, "%s:%d: bad setting name '%s'", path, lineno, key);
            rc = -1;
            break;
        }
        if (config_add(c, key, val, path, lineno)) {
            snprintf(err, errlen, "%s:%d: out of memory", path, lineno);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -1;
    }
    free(buf);
    fclose(f);
    return rc;
}

int config_set_arg(struct config *c, const char *arg, char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        snprintf(err, errlen, "--set %s: expected NAME=VALUE", arg);
        return -1;
    }
    char key[256];
    size_t kl = (size_t)(eq - arg);
    if (kl >= sizeof(key)) {
        snprintf(err, errlen, "--set: name too long");
        return -1;
    }
    memcpy(key, arg, kl);
    key[kl] = '\0';
    char *k = trim(key);
    if (!valid_key(k)) {
        snprintf(err, errlen, "--set %s: bad setting name '%s'", arg, k);
        return -1;
    }
    char *v = strdup(eq + 1);
    if (!v)
        return -1;
    int rc = config_add(c, k, unquote(trim(v)), "command line", 0);
    free(v);
    return rc;
}

const struct config_entry *config_find(const struct config *c, const char *key)
{
    for (size_t i = c->n; i > 0; i--)
        if (strcmp(c->e[i - 1].key, key) == 0)
            return &c->e[i - 1];
    return NULL;
}

const char *config_get(const struct config *c, const char *key)
{
    const struct config_entry *e = config_find(c, key);
    return e ? e->value : NULL;
}

const struct config_entry *config_next(const struct config *c, const char *key, size_t *pos)
{
    for (; *pos < c->n; (*pos)++)
        if (strcmp(c->e[*pos].key, key) == 0)
            return &c->e[(*pos)++];
    return NULL;
}

static void where(const struct config_entry *e, char *buf, size_t len)
{
    if (e->line > 0)
        snprintf(buf, len, "%s:%d", e->origin, e->line);
    else
        snprintf(buf, len, "%s", e->origin);
}

int config_get_uint(const struct config *c, const char *key, uint64_t max, uint64_t *out,
                    char *err, size_t errlen)
{
    const struct config_entry *e = config_find(c, key);
    if (!e)
        return 0;
    if (ictw_parse_uint(e->value, max, out)) {
        char w[512];
        where(e, w, sizeof(w));
        snprintf(err, errlen, "%s: %s: '%s' is not a whole number from 0 to %llu", w, key,
                 e->value, (unsigned long long)max);
        return -1;
    }
    return 0;
}

int config_get_bool(const struct config *c, const char *key, bool *out, char *err, size_t errlen)
{
    const struct config_entry *e = config_find(c, key);
    if (!e)
        return 0;
    const char *v = e->value;
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "on")) {
        *out = true;
    } else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") ||
               !strcasecmp(v, "off")) {
        *out = false;
    } else {
        char w[512];
        where(e, w, sizeof(w));
        snprintf(err, errlen, "%s: %s: '%s' is not yes or no", w, key, v);
        return -1;
    }
    return 0;
}

int config_get_duration(const struct config *c, const char *key, uint64_t *seconds,
                        char *err, size_t errlen)
{
    const struct config_entry *e = config_find(c, key);
    if (!e)
        return 0;
    int64_t v = ictw_parse_duration(e->value);
    if (v < 0) {
        char w[512];
        where(e, w, sizeof(w));
        snprintf(err, errlen, "%s: %s: '%s' is not a duration (e.g. 30, 30s, 5m, 2h, 7d)", w, key,
                 e->value);
        return -1;
    }
    *seconds = (uint64_t)v;
    return 0;
}

int config_get_size(const struct config *c, const char *key, uint64_t *bytes, char *err, size_t errlen)
{
    const struct config_entry *e = config_find(c, key);
    if (!e)
        return 0;
    int64_t v = ictw_parse_size(e->value);
    if (v < 0) {
        char w[512];
        where(e, w, sizeof(w));
        snprintf(err, errlen, "%s: %s: '%s' is not a size (e.g. 4096, 64k, 512m, 2g)", w, key,
                 e->value);
        return -1;
    }
    *bytes = (uint64_t)v;
    return 0;
}

bool config_is_variable(const char *key)
{
    if (!isupper((unsigned char)key[0]))
        return false;
    for (const char *p = key; *p; p++)
        if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
            return false;
    return true;
}

int config_check_keys(const struct config *c, bool (*is_known)(const char *key), char *err,
                      size_t errlen)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct config_entry *e = &c->e[i];
        if (config_is_variable(e->key))
            continue;
        if (!is_known(e->key)) {
            char w[512];
            where(e, w, sizeof(w));
            snprintf(err, errlen, "%s: unknown setting '%s'", w, e->key);
            return -1;
        }
    }
    return 0;
}
