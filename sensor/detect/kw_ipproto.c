/* kw_ipproto.c - ip_proto: the IP protocol of the packet, by number or name.
 *
 *   ip_proto:6;  ip_proto:gre;  ip_proto:!tcp;  ip_proto:>100;  ip_proto:<10;
 *
 * Names come from a table of our own (not /etc/protocols, so a rule means
 * the same on every machine).
 */
#include "kw.h"

#include <stdlib.h>
#include <string.h>

enum { IPP_EQ = 0, IPP_NE, IPP_LT, IPP_GT };

struct ipproto_sm {
    uint8_t mode, proto;
};

static const struct {
    const char *name;
    uint8_t num;
} proto_names[] = {
    {"hopopt", 0}, {"icmp", 1}, {"igmp", 2}, {"ipip", 4}, {"ipv4", 4}, {"tcp", 6}, {"egp", 8},
    {"udp", 17}, {"ipv6", 41}, {"ipv6-route", 43}, {"ipv6-frag", 44}, {"rsvp", 46}, {"gre", 47},
    {"esp", 50}, {"ah", 51}, {"ipv6-icmp", 58}, {"icmpv6", 58}, {"ipv6-nonxt", 59},
    {"ipv6-opts", 60}, {"eigrp", 88}, {"ospf", 89}, {"pim", 103}, {"vrrp", 112}, {"l2tp", 115},
    {"sctp", 132}, {"udplite", 136}, {"mpls-in-ip", 137},
};

static bool ipproto_match(const struct match_ctx *m, const void *data)
{
    const struct ipproto_sm *s = data;
    uint8_t p = m->v.proto;
    switch (s->mode) {
    case IPP_EQ: return p == s->proto;
    case IPP_NE: return p != s->proto;
    case IPP_LT: return p < s->proto;
    case IPP_GT: return p > s->proto;
    }
    return false;
}

int kw_ip_proto_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    struct ipproto_sm *s = calloc(1, sizeof(*s));
    if (!s)
        return pc_err(pc, "out of memory");
    const char *p = v;
    if (*p == '!') {
        s->mode = IPP_NE;
        p++;
    } else if (*p == '<') {
        s->mode = IPP_LT;
        p++;
    } else if (*p == '>') {
        s->mode = IPP_GT;
        p++;
    }
    while (*p == ' ')
        p++;
    uint64_t num;
    bool found = false;
    if (ictw_parse_uint(p, 255, &num) == 0) {
        s->proto = (uint8_t)num;
        found = true;
    } else {
        for (size_t i = 0; i < ICTW_ARRAY_LEN(proto_names); i++) {
            if (strcasecmp(proto_names[i].name, p) == 0) {
                s->proto = proto_names[i].num;
                found = true;
                break;
            }
        }
    }
    if (!found) {
        free(s);
        return pc_err(pc, "ip_proto: '%s' is not a protocol number (0-255) or known name", v);
    }
    if ((s->mode == IPP_LT && s->proto == 0) || (s->mode == IPP_GT && s->proto == 255)) {
        free(s);
        return pc_err(pc, "ip_proto: '%s' can never match", v);
    }
    return pc_add(pc, SML_PACKET, SM_GENERIC, kw_by_name("ip_proto"), s, ipproto_match) ? 0 : -1;
}

void kw_ip_proto_print(const struct sigmatch *sm, struct sbuf *out)
{
    const struct ipproto_sm *s = sm->data;
    static const char *const mod[] = {"", "!", "<", ">"};
    sbuf_printf(out, "ip_proto:%s%u; ", mod[s->mode], s->proto);
}
