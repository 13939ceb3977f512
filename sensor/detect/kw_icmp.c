/* kw_icmp.c - itype and icode: the ICMP (or ICMPv6) type and code of the packet.
 *
 *   itype:8;  itype:>10;  icode:0;     (generic integer syntax, 0-255)
 *
 * Packets that are not ICMP never match.
 */
#include "kw.h"

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

int kw_itype_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    return kw_uint_setup(pc, v, "itype", 255, itype_match);
}

int kw_icode_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    return kw_uint_setup(pc, v, "icode", 255, icode_match);
}

void kw_itype_print(const struct sigmatch *sm, struct sbuf *out)
{
    kw_uint_print("itype", sm, out);
}

void kw_icode_print(const struct sigmatch *sm, struct sbuf *out)
{
    kw_uint_print("icode", sm, out);
}
