/* kw_sticky.c - sticky buffers and the legacy buffer modifiers.
 *
 *   dns.query; content:"evil"; endswith;      tls.sni; dataset:isset,bad-sni;
 *   http.host, http.uri, http.method, http.user_agent, ja3.hash, ja3s.hash,
 *   ip.src, ip.dst (for datasets of type ip), pkt_data (back to the payload)
 *
 * A sticky buffer keyword sends the payload keywords after it to that
 * buffer until the next buffer keyword. The legacy spellings dns_query,
 * tls_sni, ja3_hash, ja3s_hash are aliases. The old HTTP forms http_uri,
 * http_host, http_method and http_user_agent are content *modifiers*, as in
 * Suricata: they move the content just before them into the buffer.
 *
 * The app-layer buffers are filled from what nDPI extracted for the flow
 * (struct flow_app): the rule is evaluated once, when the field becomes
 * known, not on every packet.
 */
#include "kw.h"

#include <string.h>

int kw_sticky_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)v;
    (void)neg;
    const struct kw_def *kw = pc->cur_kw;
    pc->cur_buf = kw->buf;
    pc->cur_buf_used = false;
    pc->cur_buf_kw = kw->name;
    return 0;
}

int kw_legacy_buffer_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)v;
    (void)neg;
    const struct kw_def *kw = pc->cur_kw;
    struct sm_list *pl = &pc->r->lists[BUF_PAYLOAD];
    if (!pc->last_content || pc->last_content_list != BUF_PAYLOAD || pl->n == 0 ||
        pl->v[pl->n - 1].data != pc->last_content)
        return pc_err(pc, "%s needs a content of the packet payload just before it", kw->name);
    struct sigmatch sm = pl->v[--pl->n];
    if (pl->n == 0)
        pc->r->buf_mask &= ~BUF_BIT(BUF_PAYLOAD);
    if (!pc_add(pc, kw->buf, sm.type, sm.kw, sm.data, NULL))
        return -1;
    pc->last_content_list = kw->buf;
    pc->last_payload_list = kw->buf;
    return 0;
}
