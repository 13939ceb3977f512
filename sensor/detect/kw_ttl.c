/* kw_ttl.c - ttl: the IPv4 TTL or IPv6 hop limit (generic integer syntax, 0-255). */
#include "kw.h"

#include <stdlib.h>

static bool ttl_match(const struct match_ctx *m, const void *data)
{
    return m->p && uint_cmp_match(data, m->p->ttl);
}

int kw_ttl_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    struct uint_cmp *c = malloc(sizeof(*c));
    if (!c)
        return pc_err(pc, "out of memory");
    char e[200];
    if (uint_cmp_parse(v, 255, c, e, sizeof(e)) < 0) {
        free(c);
        return pc_err(pc, "ttl: %s", e);
    }
    pc->r->flags |= RF_NEEDS_PACKET;
    return pc_add(pc, SML_PACKET, SM_GENERIC, kw_by_name("ttl"), c, ttl_match) ? 0 : -1;
}

void kw_ttl_print(const struct sigmatch *sm, struct sbuf *out)
{
    sbuf_puts(out, "ttl:");
    uint_cmp_print(sm->data, out);
    sbuf_puts(out, "; ");
}
