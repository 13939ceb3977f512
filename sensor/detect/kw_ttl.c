/* kw_ttl.c - ttl: the IPv4 TTL or IPv6 hop limit (generic integer syntax, 0-255). */
#include "kw.h"

static bool ttl_match(const struct match_ctx *m, const void *data)
{
    return m->p && uint_cmp_match(data, m->p->ttl);
}

int kw_ttl_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    return kw_uint_setup(pc, v, "ttl", 255, ttl_match);
}

void kw_ttl_print(const struct sigmatch *sm, struct sbuf *out)
{
    kw_uint_print("ttl", sm, out);
}
