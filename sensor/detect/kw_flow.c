/* kw_flow.c - the flow keyword: direction and state of the packet's flow.
 *
 *   flow:to_server,established;     flow:from_server;     flow:not_established;
 *
 * to_server/from_client and to_client/from_server restrict the packet
 * direction (they also put the rule into the groups of that direction only);
 * established is the flow table's ESTABLISHED state, or a closed TCP flow
 * whose handshake was seen (Suricata keeps the established flag through the
 * closing states); UDP and others are established once both sides have
 * sent. only_frag/no_frag test whether the packet was reassembled from
 * fragments. There is no stream reassembly, so only_stream is refused and
 * no_stream always holds.
 */
#include "kw.h"

#include <stdlib.h>
#include <string.h>

struct flow_sm {
    uint8_t dir;          /* RDIR_* or 0 */
    int8_t established;   /* 1 established, -1 not_established, 0 either */
    int8_t frag;          /* 1 only_frag, -1 no_frag */
    bool stateless, no_stream;
};

bool match_established(const struct flow *f)
{
    if (!f)
        return false;
    if (f->state == FLOW_STATE_ESTABLISHED)
        return true;
    /* A closed flow counts only if it got through its handshake (or was
     * picked up mid-stream): SYN, SYN/ACK, RST never was established. */
    return f->state == FLOW_STATE_CLOSED && (f->flags & FLOW_F_WAS_ESTABLISHED);
}

bool kw_flow_direction_only(const void *data)
{
    const struct flow_sm *s = data;
    return s->established == 0 && s->frag == 0;
}

static bool flow_match(const struct match_ctx *m, const void *data)
{
    const struct flow_sm *s = data;
    if (s->dir && !(s->dir & (m->v.dir == FLOW_TOSERVER ? RDIR_TOSERVER : RDIR_TOCLIENT)))
        return false;
    if (s->established > 0 && !match_established(m->f))
        return false;
    if (s->established < 0 && match_established(m->f))
        return false;
    if (s->frag) {
        bool reassembled = m->p && (m->p->flags & PKT_REASSEMBLED);
        if ((s->frag > 0) != reassembled)
            return false;
    }
    return true;
}

static int set_opt(struct parse_ctx *pc, struct flow_sm *s, const char *o)
{
    if (!strcmp(o, "to_server") || !strcmp(o, "from_client")) {
        if (s->dir == RDIR_TOCLIENT)
            return pc_err(pc, "flow: to_server and to_client cannot be combined");
        s->dir = RDIR_TOSERVER;
    } else if (!strcmp(o, "to_client") || !strcmp(o, "from_server")) {
        if (s->dir == RDIR_TOSERVER)
            return pc_err(pc, "flow: to_server and to_client cannot be combined");
        s->dir = RDIR_TOCLIENT;
    } else if (!strcmp(o, "established")) {
        if (s->established < 0)
            return pc_err(pc, "flow: established and not_established cannot be combined");
        s->established = 1;
    } else if (!strcmp(o, "not_established")) {
        if (s->established > 0)
            return pc_err(pc, "flow: established and not_established cannot be combined");
        s->established = -1;
    } else if (!strcmp(o, "stateless")) {
        s->stateless = true;
    } else if (!strcmp(o, "only_frag")) {
        if (s->frag < 0)
            return pc_err(pc, "flow: only_frag and no_frag cannot be combined");
        s->frag = 1;
    } else if (!strcmp(o, "no_frag")) {
        if (s->frag > 0)
            return pc_err(pc, "flow: only_frag and no_frag cannot be combined");
        s->frag = -1;
    } else if (!strcmp(o, "no_stream")) {
        s->no_stream = true;
    } else if (!strcmp(o, "only_stream")) {
        return pc_err(pc, "flow: only_stream is not supported (no TCP stream reassembly)");
    } else {
        return pc_err(pc, "flow: unknown option '%s'", o);
    }
    return 0;
}

int kw_flow_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    if (pc->seen_flow)
        return pc_err(pc, "flow given twice");
    pc->seen_flow = true;
    struct flow_sm *s = calloc(1, sizeof(*s));
    if (!s)
        return pc_err(pc, "out of memory");
    char buf[256];
    if (strlen(v) >= sizeof(buf)) {
        free(s);
        return pc_err(pc, "flow: value too long");
    }
    strcpy(buf, v);
    char *save = NULL;
    int n = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = detect_trim(tok);
        if (set_opt(pc, s, tok) < 0) {
            free(s);
            return -1;
        }
        n++;
    }
    if (n == 0) {
        free(s);
        return pc_err(pc, "flow needs a value");
    }
    pc->r->explicit_dir = s->dir;
    return pc_add(pc, SML_PACKET, SM_GENERIC, kw_by_name("flow"), s, flow_match) ? 0 : -1;
}

void kw_flow_print(const struct sigmatch *sm, struct sbuf *out)
{
    const struct flow_sm *s = sm->data;
    const char *parts[6];
    int n = 0;
    if (s->dir == RDIR_TOSERVER)
        parts[n++] = "to_server";
    if (s->dir == RDIR_TOCLIENT)
        parts[n++] = "to_client";
    if (s->established > 0)
        parts[n++] = "established";
    if (s->established < 0)
        parts[n++] = "not_established";
    if (s->stateless)
        parts[n++] = "stateless";
    if (s->frag > 0)
        parts[n++] = "only_frag";
    if (s->frag < 0)
        parts[n++] = "no_frag";
    if (s->no_stream && n < 6)
        parts[n++] = "no_stream";
    sbuf_puts(out, "flow:");
    for (int i = 0; i < n; i++)
        sbuf_printf(out, "%s%s", i ? "," : "", parts[i]);
    sbuf_puts(out, "; ");
}
