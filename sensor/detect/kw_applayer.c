/* kw_applayer.c - app-layer-protocol: the application protocol of the flow.
 *
 *   app-layer-protocol:http;  app-layer-protocol:!tls;  app-layer-protocol:failed;
 *   app-layer-protocol:dns,to_server;  app-layer-protocol:unknown;
 *
 * Names are Suricata's (applayer.c maps them to nDPI). "failed" means nDPI
 * gave up without a classification; "unknown" means classification is not
 * finished yet (it cannot be negated) and is tested per packet. A negated
 * protocol never matches while the protocol is unknown. Suricata's mode
 * argument (direction, to_server, to_client, either, final, original) is
 * accepted; nDPI classifies the flow as a whole, so all modes test the same.
 */
#include "kw.h"

#include <stdlib.h>
#include <string.h>

struct alp_sm {
    struct app_proto_set set;
    bool negated, unknown;
    char mode[16];
};

static bool alp_match(const struct match_ctx *m, const void *data)
{
    const struct alp_sm *s = data;
    if (s->unknown)
        return !m->f || !flow_dpi_known(m->f);
    if (!m->f || !flow_dpi_known(m->f))
        return false;
    bool hit = app_proto_match(&s->set, m->f);
    return s->negated ? !hit : hit;
}

static const char *const modes[] = {"direction", "to_server", "to_client", "either", "final",
                                    "original"};

int kw_app_layer_protocol_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    char buf[128];
    if (strlen(v) >= sizeof(buf))
        return pc_err(pc, "app-layer-protocol: value too long");
    strcpy(buf, v);
    struct alp_sm *s = calloc(1, sizeof(*s));
    if (!s)
        return pc_err(pc, "out of memory");
    char *comma = strchr(buf, ',');
    if (comma) {
        *comma = '\0';
        char *mode = detect_trim(comma + 1);
        bool ok = false;
        for (size_t i = 0; i < ICTW_ARRAY_LEN(modes); i++)
            ok |= strcmp(mode, modes[i]) == 0;
        if (!ok) {
            free(s);
            return pc_err(pc, "app-layer-protocol: unknown mode '%s'", mode);
        }
        ictw_strlcpy(s->mode, mode, sizeof(s->mode));
    }
    char *name = detect_trim(buf);
    s->negated = neg;
    if (strcmp(name, "unknown") == 0) {
        if (neg) {
            free(s);
            return pc_err(pc, "app-layer-protocol: 'unknown' cannot be negated");
        }
        s->unknown = true;
        return pc_add(pc, SML_PACKET, SM_GENERIC, kw_by_name("app-layer-protocol"), s, alp_match) ? 0 : -1;
    }
    uint8_t pclass;
    int rc = app_proto_lookup(pc->env->dpi, name, &s->set, &pclass);
    if (rc < 0) {
        free(s);
        if (rc == -2)
            return pc_err(pc, "app-layer-protocol: '%s' is not known to nDPI 4.2", name);
        return pc_err(pc, "app-layer-protocol: unknown protocol '%s'", name);
    }
    if (!neg && !s->set.failed && s->set.n && !pc->r->need_proto)
        pc->r->need_proto = &s->set;
    return pc_add(pc, SML_FLOW, SM_GENERIC, kw_by_name("app-layer-protocol"), s, alp_match) ? 0 : -1;
}

void kw_app_layer_protocol_print(const struct sigmatch *sm, struct sbuf *out)
{
    const struct alp_sm *s = sm->data;
    sbuf_printf(out, "app-layer-protocol:%s%s%s%s; ", s->negated ? "!" : "",
                s->unknown ? "unknown" : app_proto_name(&s->set), s->mode[0] ? "," : "", s->mode);
}
