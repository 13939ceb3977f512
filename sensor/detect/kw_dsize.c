/* kw_dsize.c - dsize: the size of the packet's payload (generic integer syntax).
 *
 *   dsize:0;  dsize:>500;  dsize:100<>200;  dsize:!64;
 *
 * Only packets have a payload size: at flow end (no packet) it never
 * matches, and it cannot be combined with app-layer buffers (checked in
 * parse.c), as in Suricata.
 */
#include "kw.h"

#include <stdlib.h>

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
    struct uint_cmp *c = malloc(sizeof(*c));
    if (!c)
        return pc_err(pc, "out of memory");
    char e[200];
    if (uint_cmp_parse(v, 65535, c, e, sizeof(e)) < 0) {
        free(c);
        return pc_err(pc, "dsize: %s", e);
    }
    pc->r->flags |= RF_NEEDS_PACKET;
    return pc_add(pc, SML_PACKET, SM_GENERIC, kw_by_name("dsize"), c, dsize_match) ? 0 : -1;
}

void kw_dsize_print(const struct sigmatch *sm, struct sbuf *out)
{
    sbuf_puts(out, "dsize:");
    uint_cmp_print(sm->data, out);
    sbuf_puts(out, "; ");
}
