/* kw_icmp.c - itype and icode: the ICMP (or ICMPv6) type and code of the packet.
 *
 *   itype:8;  itype:>10;  icode:0;     (generic integer syntax, 0-255)
 *
 * Packets that are not ICMP never match.
 */
#include "kw.h"

#include <stdlib.h>

static bool is_icmp(const struct packet *p)
{
    return p && (p->proto == IPPROTO_NUM_ICMP || p->proto == IPPROTO_NUM_ICMPV6);
}

static bool itype_match(const struct match_ctx *m, const void *data)
{
    return is_icmp(m->p) && uint_cmp_match(data, m->p->icmp_type);
}

static bool icode_match(const struct match_ctx *m, const void *data)
{
    return is_icmp(m->p) && uint_cmp_match(data, m->p->icmp_code);
}

static int setup(struct parse_ctx *pc, const char *v, const char *name, sm_match_fn fn)
{
    struct uint_cmp *c = malloc(sizeof(*c));
    if (!c)
        return pc_err(pc, "out of memory");
    char e[200];
    if (uint_cmp_parse(v, 255, c, e, sizeof(e)) < 0) {
        free(c);
        return pc_err(pc, "%s: %s", name, e);
    }
    pc->r->flags |= RF_NEEDS_PACKET;
    return pc_add(pc, SML_PACKET, SM_GENERIC, kw_by_name(name), c, fn) ? 0 : -1;
}

int kw_itype_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    return setup(pc, v, "itype", itype_match);
}

int kw_icode_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    return setup(pc, v, "icode", icode_match);
}

void kw_itype_print(const struct sigmatch *sm, struct sbuf *out)
{
    sbuf_puts(out, "itype:");
    uint_cmp_print(sm->data, out);
    sbuf_puts(out, "; ");
}

void kw_icode_print(const struct sigmatch *sm, struct sbuf *out)
{
    sbuf_puts(out, "icode:");
    uint_cmp_print(sm->data, out);
    sbuf_puts(out, "; ");
}
