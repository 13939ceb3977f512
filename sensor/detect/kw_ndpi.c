/* kw_ndpi.c - ndpi-protocol and ndpi-risk, with Suricata 8's syntax (its nDPI plugin).
 *
 *   ndpi-protocol:TLS;  ndpi-protocol:!HTTP;  ndpi-protocol:TLS.YouTube;
 *   ndpi-risk:NDPI_TLS_SELFSIGNED_CERTIFICATE;  ndpi-risk:!NDPI_TLS_MISSING_SNI;
 *   ndpi-risk:TLS_OBSOLETE_VERSION,TLS_WEAK_CIPHER;   ndpi-risk:96;
 *
 * Protocol names are nDPI's (any case); a single name matches the flow's
 * master or application protocol, "Master.App" needs both. Risks are nDPI
 * risk codes (with or without the NDPI_ prefix) or a decimal bitmask; ALL
 * listed risks must be set. '!' inverts. Both match only once nDPI has
 * classified the flow (or given up), and rules made of them run when the
 * classification or a new risk appears.
 */
#include "kw.h"

#include <stdlib.h>
#include <string.h>

struct ndpi_proto_sm {
    uint16_t master, app;
    bool pair, negated;
    char *text;
    struct app_proto_set group;   /* for grouping rules by the protocol they need */
};

struct ndpi_risk_sm {
    uint64_t mask;
    bool negated;
    char *text;
};

static void free_proto(void *p)
{
    struct ndpi_proto_sm *s = p;
    if (s)
        free(s->text);
    free(s);
}

static void free_risk(void *p)
{
    struct ndpi_risk_sm *s = p;
    if (s)
        free(s->text);
    free(s);
}

void kw_ndpi_protocol_free(void *p)
{
    free_proto(p);
}

void kw_ndpi_risk_free(void *p)
{
    free_risk(p);
}

static bool proto_match(const struct match_ctx *m, const void *data)
{
    const struct ndpi_proto_sm *s = data;
    if (!m->f || !flow_dpi_known(m->f))
        return false;
    const struct flow_dpi *d = &m->f->dpi;
    bool hit = s->pair ? (d->master_proto == s->master && d->app_proto == s->app)
                       : (d->master_proto == s->master || d->app_proto == s->master);
    return s->negated ? !hit : hit;
}

static bool risk_match(const struct match_ctx *m, const void *data)
{
    const struct ndpi_risk_sm *s = data;
    if (!m->f || !flow_dpi_known(m->f))
        return false;
    bool hit = (m->f->dpi.risk & s->mask) == s->mask;
    return s->negated ? !hit : hit;
}

int kw_ndpi_protocol_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    if (!pc->env->dpi)
        return pc_err(pc, "ndpi-protocol: nDPI is not available to resolve '%s'", v);
    struct ndpi_proto_sm *s = calloc(1, sizeof(*s));
    if (!s || !(s->text = strdup(v))) {
        free(s);
        return pc_err(pc, "out of memory");
    }
    s->negated = neg;
    int id = dpi_proto_by_name(pc->env->dpi, v);
    if (id >= 0) {
        s->master = (uint16_t)id;
    } else {
        const char *dot = strchr(v, '.');
        char m[64];
        int a = -1, mi = -1;
        if (dot && (size_t)(dot - v) < sizeof(m)) {
            memcpy(m, v, (size_t)(dot - v));
            m[dot - v] = '\0';
            mi = dpi_proto_by_name(pc->env->dpi, m);
            a = dpi_proto_by_name(pc->env->dpi, dot + 1);
        }
        if (mi < 0 || a < 0) {
            free_proto(s);
            return pc_err(pc, "ndpi-protocol: unknown nDPI protocol '%s'", v);
        }
        s->master = (uint16_t)mi;
        s->app = (uint16_t)a;
        s->pair = true;
    }
    if (!neg) {
        s->group.ids[0] = s->master;
        s->group.n = 1;
        s->group.name_idx = -1;
        if (!pc->r->need_proto)
            pc->r->need_proto = &s->group;
    }
    return pc_add(pc, SML_FLOW, SM_GENERIC, kw_by_name("ndpi-protocol"), s, proto_match) ? 0 : -1;
}

int kw_ndpi_risk_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    struct ndpi_risk_sm *s = calloc(1, sizeof(*s));
    if (!s || !(s->text = strdup(v))) {
        free(s);
        return pc_err(pc, "out of memory");
    }
    s->negated = neg;
    uint64_t mask;
    if (ictw_parse_uint(v, UINT64_MAX - 1, &mask) == 0) {
        if (mask == 0) {
            free_risk(s);
            return pc_err(pc, "ndpi-risk: the mask must not be 0");
        }
        s->mask = mask;
    } else {
        char buf[1024];
        if (strlen(v) >= sizeof(buf)) {
            free_risk(s);
            return pc_err(pc, "ndpi-risk: value too long");
        }
        strcpy(buf, v);
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            t = detect_trim(t);
            int id = dpi_risk_by_code(t);
            if (id <= 0 || id >= 64) {
                free_risk(s);
                return pc_err(pc, "ndpi-risk: unknown risk '%s'", t);
            }
            s->mask |= 1ULL << id;
        }
        if (!s->mask) {
            free_risk(s);
            return pc_err(pc, "ndpi-risk needs a value");
        }
    }
    return pc_add(pc, SML_FLOW, SM_GENERIC, kw_by_name("ndpi-risk"), s, risk_match) ? 0 : -1;
}

void kw_ndpi_protocol_print(const struct sigmatch *sm, struct sbuf *out)
{
    const struct ndpi_proto_sm *s = sm->data;
    sbuf_printf(out, "ndpi-protocol:%s%s; ", s->negated ? "!" : "", s->text);
}

void kw_ndpi_risk_print(const struct sigmatch *sm, struct sbuf *out)
{
    const struct ndpi_risk_sm *s = sm->data;
    sbuf_printf(out, "ndpi-risk:%s%s; ", s->negated ? "!" : "", s->text);
}
