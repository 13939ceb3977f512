/* kw_flags.c - flags (tcp.flags): the TCP flags of the packet.
 *
 *   flags:[modifier]<flags>[,<ignored flags>];     e.g. flags:S,CE;  flags:+A;  flags:0;
 *
 * Letters F S R P A U C E (1 and 2 are the old names of C and E), 0 for no
 * flags. The packet's flags are masked by the ignored set, then: no
 * modifier = exactly these; '+' = all of these, others allowed; '*' = any of
 * these; '!' = not all of these (Suricata 8's meaning). The modifier may be
 * written before or after the letters. Only TCP packets match.
 */
#include "kw.h"

#include <stdlib.h>
#include <string.h>

enum { FM_EXACT = 0, FM_PLUS, FM_ANY, FM_NOT };

struct flags_sm {
    uint8_t flags, ignore, mode;
};

static const char letters[] = "FSRPAUCE";

static int flag_bit(char c)
{
    if (c == '1')
        c = 'C';
    if (c == '2')
        c = 'E';
    const char *p = strchr(letters, c);
    return p && c ? 1 << (p - letters) : -1;
}

static bool flags_match(const struct match_ctx *m, const void *data)
{
    const struct flags_sm *s = data;
    if (!m->p || m->p->proto != IPPROTO_NUM_TCP)
        return false;
    uint8_t f = m->p->tcp_flags & (uint8_t)~s->ignore;
    switch (s->mode) {
    case FM_EXACT: return f == s->flags;
    case FM_PLUS: return (f & s->flags) == s->flags;
    case FM_ANY: return (f & s->flags) != 0;
    case FM_NOT: return (f & s->flags) != s->flags;
    }
    return false;
}

static int parse_letters(struct parse_ctx *pc, const char *s, size_t n, uint8_t *out, int *mode,
                         bool allow_mod)
{
    *out = 0;
    bool zero = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t')
            continue;
        if (allow_mod && (c == '+' || c == '*' || c == '!')) {
            if (*mode != FM_EXACT)
                return pc_err(pc, "flags: only one modifier (+, * or !) is allowed");
            *mode = c == '+' ? FM_PLUS : c == '*' ? FM_ANY : FM_NOT;
            continue;
        }
        if (c == '0' && allow_mod) {
            zero = true;
            continue;
        }
        int b = flag_bit(c);
        if (b < 0)
            return pc_err(pc, "flags: unknown flag '%c' (use F S R P A U C E or 0)", c);
        *out |= (uint8_t)b;
    }
    if (zero && *out)
        return pc_err(pc, "flags: 0 (no flags) cannot be combined with other flags");
    if (allow_mod && !zero && !*out)
        return pc_err(pc, "flags: no flags given");
    return 0;
}

int kw_flags_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    if (pc->seen_flags)
        return pc_err(pc, "flags given twice");
    pc->seen_flags = true;
    struct flags_sm *s = calloc(1, sizeof(*s));
    if (!s)
        return pc_err(pc, "out of memory");
    const char *comma = strchr(v, ',');
    size_t n1 = comma ? (size_t)(comma - v) : strlen(v);
    int mode = FM_EXACT;
    if (parse_letters(pc, v, n1, &s->flags, &mode, true) < 0 ||
        (comma && parse_letters(pc, comma + 1, strlen(comma + 1), &s->ignore, &mode, false) < 0)) {
        free(s);
        return -1;
    }
    if (comma && !s->ignore) {
        free(s);
        return pc_err(pc, "flags: nothing after ','");
    }
    s->mode = (uint8_t)mode;
    /* What any matching packet must carry: the engine files the rule under it. */
    if (mode == FM_EXACT || mode == FM_PLUS)
        pc->r->tcp_need = s->flags & (uint8_t)~s->ignore;
    pc->r->tcp_none = mode == FM_EXACT && !s->flags && !(s->ignore & (uint8_t)~(TCP_CWR | TCP_ECE));
    return pc_add(pc, SML_PACKET, SM_GENERIC, kw_by_name("flags"), s, flags_match) ? 0 : -1;
}

static void print_letters(struct sbuf *out, uint8_t f)
{
    for (int i = 0; i < 8; i++)
        if (f & (1 << i))
            sbuf_add(out, &letters[i], 1);
}

void kw_flags_print(const struct sigmatch *sm, struct sbuf *out)
{
    const struct flags_sm *s = sm->data;
    sbuf_puts(out, "flags:");
    if (s->mode == FM_PLUS)
        sbuf_puts(out, "+");
    else if (s->mode == FM_ANY)
        sbuf_puts(out, "*");
    else if (s->mode == FM_NOT)
        sbuf_puts(out, "!");
    if (s->flags)
        print_letters(out, s->flags);
    else
        sbuf_puts(out, "0");
    if (s->ignore) {
        sbuf_puts(out, ",");
        print_letters(out, s->ignore);
    }
    sbuf_puts(out, "; ");
}
