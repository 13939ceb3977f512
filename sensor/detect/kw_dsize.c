/* kw_dsize.c - dsize: the size of the packet's payload (generic integer syntax).
 *
 *   dsize:0;  dsize:>500;  dsize:100<>200;  dsize:!64;
 *
 * Only packets have a payload size: at flow end (no packet) it never
 * matches, and it cannot be combined with app-layer buffers (checked in
 * parse.c), as in Suricata.
 */
#include "kw.h"

static bool dsize_match(const struct match_ctx *m, const void *data)
{
    return m->p && uint_cmp_match(data, m->p->payload_len);
}

int kw_dsize_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    if (pc->seen_dsize)
        return pc_err(pc, "dsize given twice");
    pc->seen_dsize = true;
    return kw_uint_setup(pc, v, "dsize", 65535, dsize_match);
}

void kw_dsize_print(const struct sigmatch *sm, struct sbuf *out)
{
    kw_uint_print("dsize", sm, out);
}
