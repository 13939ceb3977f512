/* classification.c - Suricata's classification.config and reference.config.
 *
 *   config classification: trojan-activity,A Network Trojan was detected,1
 *   config reference: cve http://cve.mitre.org/cgi-bin/cvename.cgi?name=
 *
 * A classtype gives an alert its category (the description) and its default
 * priority (the EVE severity); a reference type gives the URL prefix that
 * `reference:cve,2021-44228` expands to in alert.references. Lines that are
 * empty or start with '#' are skipped; a bad line is reported with its file
 * and line and skipped.
 */
#include "detect_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

bool classification_valid_name(const char *s)
{
    if (!isalpha((unsigned char)*s))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
            return false;
    return true;
}

/* Returns the text after "config NAME:" or NULL. */
static char *after_prefix(char *line, const char *name)
{
    char *p = line;
    if (strncmp(p, "config", 6) != 0 || !isspace((unsigned char)p[6]))
        return NULL;
    p += 6;
    while (isspace((unsigned char)*p))
        p++;
    size_t n = strlen(name);
    if (strncmp(p, name, n) != 0)
        return NULL;
    p += n;
    while (isspace((unsigned char)*p))
        p++;
    if (*p != ':')
        return NULL;
    return p + 1;
}

static int class_line(void *arg, char *line, const char *path, int lineno, struct load_diag *d)
{
    struct classification *c = arg;
    char *v = after_prefix(line, "classification");
    if (!v) {
        diag_msg(d, LOG_WARN, path, lineno, "not a 'config classification:' line; skipped");
        return 0;
    }
    char *c1 = strchr(v, ',');
    char *c2 = c1 ? strrchr(c1 + 1, ',') : NULL;
    if (!c1 || !c2) {
        diag_msg(d, LOG_WARN, path, lineno, "expected 'config classification: name,description,priority'; skipped");
        return 0;
    }
    *c1 = *c2 = '\0';
    char *name = detect_trim(v), *desc = detect_trim(c1 + 1), *prio = detect_trim(c2 + 1);
    uint64_t pr;
    if (!classification_valid_name(name)) {
        diag_msg(d, LOG_WARN, path, lineno, "invalid classtype name '%s'; skipped", name);
        return 0;
    }
    if (ictw_parse_uint(prio, 255, &pr) < 0 || pr == 0) {
        diag_msg(d, LOG_WARN, path, lineno, "priority '%s' is not a number from 1 to 255; skipped", prio);
        return 0;
    }
    for (uint32_t i = 0; i < c->n; i++) {
        if (strcmp(c->v[i].name, name) == 0) {   /* a later definition wins, as in Suricata */
            char *nd = strdup(desc);
            if (!nd)
                return -1;
            free(c->v[i].desc);
            c->v[i].desc = nd;
            c->v[i].prio = (int)pr;
            return 0;
        }
    }
    if (c->n == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 64;
        struct class_entry *nv = realloc(c->v, cap * sizeof(*nv));
        if (!nv)
            return -1;
        c->v = nv;
        c->cap = cap;
    }
    c->v[c->n].name = strdup(name);
    c->v[c->n].desc = strdup(desc);
    c->v[c->n].prio = (int)pr;
    if (!c->v[c->n].name || !c->v[c->n].desc) {
        free(c->v[c->n].name);
        free(c->v[c->n].desc);
        return -1;
    }
    c->n++;
    return 0;
}

int classification_load(struct classification *c, const char *path, struct load_diag *d)
{
    return detect_for_each_line(path, "classification file", d, class_line, c);
}

const struct class_entry *classification_find(const struct classification *c, const char *name)
{
    for (uint32_t i = 0; c && i < c->n; i++)
        if (strcmp(c->v[i].name, name) == 0)
            return &c->v[i];
    return NULL;
}

void classification_free(struct classification *c)
{
    for (uint32_t i = 0; i < c->n; i++) {
        free(c->v[i].name);
        free(c->v[i].desc);
    }
    free(c->v);
    memset(c, 0, sizeof(*c));
}

static int ref_line(void *arg, char *line, const char *path, int lineno, struct load_diag *d)
{
    struct refconf *r = arg;
    char *v = after_prefix(line, "reference");
    if (!v) {
        diag_msg(d, LOG_WARN, path, lineno, "not a 'config reference:' line; skipped");
        return 0;
    }
    v = detect_trim(v);
    char *sp = v;
    while (*sp && !isspace((unsigned char)*sp))
        sp++;
    if (!*sp || sp == v) {
        diag_msg(d, LOG_WARN, path, lineno, "expected 'config reference: type url'; skipped");
        return 0;
    }
    *sp = '\0';
    char *url = detect_trim(sp + 1);
    for (char *q = v; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    for (uint32_t i = 0; i < r->n; i++) {
        if (strcmp(r->v[i].name, v) == 0) {
            char *nu = strdup(url);
            if (!nu)
                return -1;
            free(r->v[i].url);
            r->v[i].url = nu;
            return 0;
        }
    }
    if (r->n == r->cap) {
        uint32_t cap = r->cap ? r->cap * 2 : 16;
        struct ref_entry *nv = realloc(r->v, cap * sizeof(*nv));
        if (!nv)
            return -1;
        r->v = nv;
        r->cap = cap;
    }
    r->v[r->n].name = strdup(v);
    r->v[r->n].url = strdup(url);
    if (!r->v[r->n].name || !r->v[r->n].url) {
        free(r->v[r->n].name);
        free(r->v[r->n].url);
        return -1;
    }
    r->n++;
    return 0;
}

int refconf_load(struct refconf *r, const char *path, struct load_diag *d)
{
    return detect_for_each_line(path, "reference file", d, ref_line, r);
}

const struct ref_entry *refconf_find(const struct refconf *r, const char *name)
{
    for (uint32_t i = 0; r && i < r->n; i++)
        if (strcasecmp(r->v[i].name, name) == 0)
            return &r->v[i];
    return NULL;
}

void refconf_free(struct refconf *r)
{
    for (uint32_t i = 0; i < r->n; i++) {
        free(r->v[i].name);
        free(r->v[i].url);
    }
    free(r->v);
    memset(r, 0, sizeof(*r));
}
