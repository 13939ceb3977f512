/* eve.c - writes Suricata EVE JSON records for flows and alerts (see eve.h).
 *
 * Key order follows Suricata 8's writers (output-json.c CreateEveHeader,
 * output-json-alert.c, output-json-flow.c) so that diffing our output against
 * Suricata's, or feeding it to tools that expect its shape, works:
 *
 *   timestamp, flow_id, in_iface, pcap_cnt, event_type, vlan, src_ip, src_port,
 *   dest_ip, dest_port, proto, ip_v, icmp_type, icmp_code, pkt_src,
 *   <type part>, host
 *
 * Alerts: the top-level 5-tuple follows the packet, alert.flow the flow
 * (client = src), as Suricata does. App-layer objects (dns, tls, http, ssh)
 * are written from what nDPI extracted, in both alerts and flow records
 * (Suricata writes them only in alerts and their own event types; the
 * schema allows them in any record). Everything nDPI-specific goes into the
 * open `ndpi` object.
 */
#include "eve.h"

#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "dpi.h"

const char *eve_proto_name(uint8_t proto, char *buf, size_t len)
{
    switch (proto) {
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 4: return "IPIP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IPv6";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "IPv6-ICMP";
    case 89: return "OSPF";
    case 103: return "PIM";
    case 112: return "VRRP";
    case 132: return "SCTP";
    default:
        snprintf(buf, len, "%u", proto);
        return buf;
    }
}

/* Values that are our own text, never network data: times and addresses
 * (digits, '-', ':', '.', '+') and names from our tables ("TCP", "flow",
 * "established", ...). They are plain ASCII and need no escaping. The key
 * is a string literal (see JSONW_KEY). */
#define KEY_TIME(w, key, t) (JSONW_KEY(w, key), put_time(w, t))
#define KEY_ADDR(w, key, a) (JSONW_KEY(w, key), put_addr(w, a))
#define KEY_OWN(w, key, s) (JSONW_KEY(w, key), put_own(w, s))

static void put_own(struct jsonw *w, const char *s)
{
    jsonw_plain(w, s, strlen(s));
}

static void put_time(struct jsonw *w, ictw_usec t)
{
    char ts[ICTW_TIME_STRLEN];
    ictw_time_format(t, ts, sizeof(ts));
    jsonw_plain(w, ts, strlen(ts));
}

static void put_addr(struct jsonw *w, const struct ictw_addr *a)
{
    char buf[ICTW_ADDR_STRLEN];
    ictw_addr_format(a, buf, sizeof(buf));
    jsonw_plain(w, buf, strlen(buf));
}

static bool has_ports(uint8_t proto)
{
    return proto == IPPROTO_NUM_TCP || proto == IPPROTO_NUM_UDP || proto == IPPROTO_NUM_SCTP;
}

static void write_vlan(struct jsonw *w, const struct flow *f)
{
    if (!f->vlan_count)
        return;
    JSONW_KEY(w, "vlan");
    jsonw_array_begin(w);
    for (unsigned i = 0; i < f->vlan_count && i < PACKET_MAX_VLANS; i++)
        jsonw_uint(w, f->vlan[i]);
    jsonw_array_end(w);
}

static const char *pkt_src_name(const struct packet_tunnel *t, bool reassembled)
{
    switch (t->type) {
    case TUNNEL_GRE: return "gre tunnel";
    case TUNNEL_VXLAN: return "vxlan tunnel";
    case TUNNEL_GTPU: return "gtp-u tunnel";
    case TUNNEL_IPIP: return "ip-in-ip tunnel";
    case TUNNEL_TEREDO: return "teredo tunnel";
    default: return reassembled ? "defrag" : "wire/pcap";
    }
}

static void write_tunnel(struct jsonw *w, const struct packet_tunnel *t)
{
    if (t->type == TUNNEL_NONE)
        return;
    char buf[8];
    JSONW_KEY(w, "tunnel");
    jsonw_object_begin(w);
    KEY_ADDR(w, "src_ip", &t->outer_src);
    KEY_ADDR(w, "dest_ip", &t->outer_dst);
    KEY_OWN(w, "proto", eve_proto_name(t->outer_proto, buf, sizeof(buf)));
    JSONW_KEY_UINT(w, "depth", t->depth);
    KEY_OWN(w, "pkt_src", pkt_src_name(t, false));
    jsonw_object_end(w);
}

/* A certificate date, "2016-08-02T02:19:33" (UTC): the first 19 characters
 * of our packet-time format. */
static void put_tls_date(struct jsonw *w, uint32_t epoch)
{
    char ts[ICTW_TIME_STRLEN];
    ictw_time_format((ictw_usec)epoch * ICTW_USEC_PER_SEC, ts, sizeof(ts));
    jsonw_plain(w, ts, strnlen(ts, 19));
}

static void write_dns(struct jsonw *w, const struct flow_app *a)
{
    if (!a->dns_query)
        return;
    JSONW_KEY(w, "dns");
    jsonw_object_begin(w);
    JSONW_KEY_UINT(w, "version", 3);
    KEY_OWN(w, "type", "request");
    JSONW_KEY(w, "queries");
    jsonw_array_begin(w);
    jsonw_object_begin(w);
    JSONW_KEY_STR(w, "rrname", a->dns_query);
    const char *t = dpi_dns_rrtype_name(a->dns_qtype);
    if (t) {
        JSONW_KEY_STR(w, "rrtype", t);
    } else if (a->dns_qtype) {
        char buf[16];
        snprintf(buf, sizeof(buf), "TYPE%u", a->dns_qtype);
        JSONW_KEY_STR(w, "rrtype", buf);
    }
    jsonw_object_end(w);
    jsonw_array_end(w);
    jsonw_object_end(w);
}

static void write_tls(struct jsonw *w, const struct flow_app *a)
{
    if (!(a->known & (APP_TLS_SNI | APP_TLS_VERSION | APP_JA3 | APP_JA3S | APP_TLS_CERT)))
        return;
    JSONW_KEY(w, "tls");
    jsonw_object_begin(w);
    if (a->tls_subject)
        JSONW_KEY_STR(w, "subject", a->tls_subject);
    if (a->tls_issuer)
        JSONW_KEY_STR(w, "issuerdn", a->tls_issuer);
    if (a->tls_sni)
        JSONW_KEY_STR(w, "sni", a->tls_sni);
    if (a->tls_version) {
        char buf[32];
        JSONW_KEY_STR(w, "version", dpi_tls_version_name(a->tls_version, buf, sizeof(buf)));
    }
    if (a->tls_notbefore) {
        JSONW_KEY(w, "notbefore");
        put_tls_date(w, a->tls_notbefore);
    }
    if (a->tls_notafter) {
        JSONW_KEY(w, "notafter");
        put_tls_date(w, a->tls_notafter);
    }
    if (a->ja3[0]) {
        JSONW_KEY(w, "ja3");
        jsonw_object_begin(w);
        JSONW_KEY_STR(w, "hash", a->ja3);
        jsonw_object_end(w);
    }
    if (a->ja3s[0]) {
        JSONW_KEY(w, "ja3s");
        jsonw_object_begin(w);
        JSONW_KEY_STR(w, "hash", a->ja3s);
        jsonw_object_end(w);
    }
    jsonw_object_end(w);
}

static void write_http(struct jsonw *w, const struct flow_app *a)
{
    if (!(a->known & (APP_HTTP_HOST | APP_HTTP_URI | APP_HTTP_METHOD | APP_HTTP_UA | APP_HTTP_STATUS)))
        return;
    JSONW_KEY(w, "http");
    jsonw_object_begin(w);
    if (a->http_host)
        JSONW_KEY_STR(w, "hostname", a->http_host);
    if (a->http_uri)
        JSONW_KEY_STR(w, "url", a->http_uri);
    if (a->http_user_agent)
        JSONW_KEY_STR(w, "http_user_agent", a->http_user_agent);
    if (a->http_content_type)
        JSONW_KEY_STR(w, "http_content_type", a->http_content_type);
    if (a->http_method)
        JSONW_KEY_STR(w, "http_method", a->http_method);
    if (a->http_status)
        JSONW_KEY_UINT(w, "status", a->http_status);
    jsonw_object_end(w);
}

/* "SSH-2.0-OpenSSH_7.4" -> proto_version "2.0", software_version "OpenSSH_7.4". */
static void write_ssh_side(struct jsonw *w, const char *banner)
{
    jsonw_object_begin(w);
    if (strncmp(banner, "SSH-", 4) == 0) {
        const char *v = banner + 4, *dash = strchr(v, '-');
        if (dash) {
            JSONW_KEY(w, "proto_version");
            jsonw_strn(w, v, (size_t)(dash - v));
            JSONW_KEY_STR(w, "software_version", dash + 1);
        } else {
            JSONW_KEY_STR(w, "proto_version", v);
        }
    } else {
        JSONW_KEY_STR(w, "software_version", banner);
    }
    jsonw_object_end(w);
}

static void write_ssh(struct jsonw *w, const struct flow_app *a)
{
    if (!(a->known & APP_SSH))
        return;
    JSONW_KEY(w, "ssh");
    jsonw_object_begin(w);
    if (a->ssh_client) {
        JSONW_KEY(w, "client");
        write_ssh_side(w, a->ssh_client);
    }
    if (a->ssh_server) {
        JSONW_KEY(w, "server");
        write_ssh_side(w, a->ssh_server);
    }
    jsonw_object_end(w);
}

static void write_app_layer(struct jsonw *w, const struct flow *f)
{
    if (!f->app)
        return;
    write_dns(w, f->app);
    write_tls(w, f->app);
    write_http(w, f->app);
    write_ssh(w, f->app);
}

static void write_app_proto(const struct eve_ctx *e, struct jsonw *w, const struct flow *f)
{
    char buf[64];
    const char *ap = dpi_app_proto(e->dpi, f, buf, sizeof(buf));
    if (ap)
        JSONW_KEY_STR(w, "app_proto", ap);
}

static const char *confidence_name(uint8_t c)
{
    switch (c) {
    case 1: return "port";
    case 2: return "ip";
    case 3: return "dpi-cache";
    case 4: return "dpi";
    default: return "unknown";
    }
}

static void write_ndpi(const struct eve_ctx *e, struct jsonw *w, const struct flow *f)
{
    if (!f->dpi.packets && !(f->flags & FLOW_F_DPI_DONE))
        return;
    char name[128];
    JSONW_KEY(w, "ndpi");
    jsonw_object_begin(w);
    JSONW_KEY_STR(w, "protocol", dpi_flow_proto_name(e->dpi, f, name, sizeof(name)));
    if (f->dpi.master_proto)
        JSONW_KEY_STR(w, "master_protocol", dpi_proto_name(e->dpi, f->dpi.master_proto));
    if (f->dpi.app_proto)
        JSONW_KEY_STR(w, "app_protocol", dpi_proto_name(e->dpi, f->dpi.app_proto));
    JSONW_KEY_STR(w, "category", dpi_category_name(e->dpi, f->dpi.category));
    KEY_OWN(w, "confidence", f->dpi.gave_up && f->dpi.master_proto + f->dpi.app_proto
                                       ? "guessed" : confidence_name(f->dpi.confidence));
    if (f->app && f->app->host)
        JSONW_KEY_STR(w, "hostname", f->app->host);
    if (f->dpi.risk) {
        JSONW_KEY(w, "risks");
        jsonw_array_begin(w);
        for (int i = 1; i < DPI_RISK_MAX; i++) {
            if (!(f->dpi.risk & (1ULL << i)))
                continue;
            jsonw_object_begin(w);
            JSONW_KEY_UINT(w, "id", (uint64_t)i);
            const char *code = dpi_risk_code(i), *text = dpi_risk_text(i);
            JSONW_KEY_STR(w, "code", code ? code : "NDPI_UNKNOWN_RISK");
            JSONW_KEY_STR(w, "text", text ? text : "unknown risk");
            jsonw_object_end(w);
        }
        jsonw_array_end(w);
    }
    if (f->tunnel.type != TUNNEL_NONE) {
        KEY_OWN(w, "tunnel", decode_tunnel_name(f->tunnel.type));
        if (f->tunnel.id)
            JSONW_KEY_UINT(w, "tunnel_id", f->tunnel.id);
    }
    jsonw_object_end(w);
}

static void tcp_flags_hex(uint8_t v, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    buf[0] = hex[v >> 4];
    buf[1] = hex[v & 15];
    buf[2] = '\0';

}

static void write_tcp(struct jsonw *w, const struct flow *f)
{
    if (f->pclass != FLOW_CLASS_TCP)
        return;
    uint8_t all = f->tcp_flags[0] | f->tcp_flags[1];
    char buf[3];
    JSONW_KEY(w, "tcp");
    jsonw_object_begin(w);
    tcp_flags_hex(all, buf);
    KEY_OWN(w, "tcp_flags", buf);
    tcp_flags_hex(f->tcp_flags[FLOW_TOSERVER], buf);
    KEY_OWN(w, "tcp_flags_ts", buf);
    tcp_flags_hex(f->tcp_flags[FLOW_TOCLIENT], buf);
    KEY_OWN(w, "tcp_flags_tc", buf);
    if (all & TCP_SYN) JSONW_KEY_BOOL(w, "syn", true);
    if (all & TCP_FIN) JSONW_KEY_BOOL(w, "fin", true);
    if (all & TCP_RST) JSONW_KEY_BOOL(w, "rst", true);
    if (all & TCP_PSH) JSONW_KEY_BOOL(w, "psh", true);
    if (all & TCP_ACK) JSONW_KEY_BOOL(w, "ack", true);
    if (all & TCP_URG) JSONW_KEY_BOOL(w, "urg", true);
    if (all & TCP_ECE) JSONW_KEY_BOOL(w, "ecn", true);
    if (all & TCP_CWR) JSONW_KEY_BOOL(w, "cwr", true);
    const char *st;
    if (f->flags & FLOW_F_RST)
        st = "closed";
    else if (f->state == FLOW_STATE_CLOSED)
        st = "closed";
    else if (f->state == FLOW_STATE_ESTABLISHED)
        st = "established";
    else if (f->flags & FLOW_F_SYNACK_SEEN)
        st = "syn_recv";
    else
        st = "syn_sent";
    KEY_OWN(w, "state", st);
    jsonw_object_end(w);
}

static void write_flow_counters(struct jsonw *w, const struct flow *f)
{
    JSONW_KEY_UINT(w, "pkts_toserver", f->pkts[FLOW_TOSERVER]);
    JSONW_KEY_UINT(w, "pkts_toclient", f->pkts[FLOW_TOCLIENT]);
    JSONW_KEY_UINT(w, "bytes_toserver", f->bytes[FLOW_TOSERVER]);
    JSONW_KEY_UINT(w, "bytes_toclient", f->bytes[FLOW_TOCLIENT]);
}

/* The 5-tuple part of the header; ports only for port-bearing protocols. */
static void write_tuple(struct jsonw *w, const struct ictw_addr *src, uint16_t sport,
                        const struct ictw_addr *dst, uint16_t dport, uint8_t proto, uint8_t ipv)
{
    char buf[8];
    KEY_ADDR(w, "src_ip", src);
    if (has_ports(proto))
        JSONW_KEY_UINT(w, "src_port", sport);
    KEY_ADDR(w, "dest_ip", dst);
    if (has_ports(proto))
        JSONW_KEY_UINT(w, "dest_port", dport);
    KEY_OWN(w, "proto", eve_proto_name(proto, buf, sizeof(buf)));
    JSONW_KEY_UINT(w, "ip_v", ipv);
}

void eve_write_flow(const struct eve_ctx *e, struct jsonw *w, const struct flow *f,
                    enum flow_end_reason reason, ictw_usec now)
{
    ictw_usec end = f->last_seen;
    char end_text[ICTW_TIME_STRLEN];   /* the timestamp is the end: formatted once */
    size_t end_len = strlen(ictw_time_format(end, end_text, sizeof(end_text)));
    (void)now;
    jsonw_object_begin(w);
    JSONW_KEY(w, "timestamp");
    jsonw_plain(w, end_text, end_len);
    JSONW_KEY_UINT(w, "flow_id", f->flow_id);
    if (e->in_iface)
        JSONW_KEY_STR(w, "in_iface", e->in_iface);
    KEY_OWN(w, "event_type", "flow");
    write_vlan(w, f);
    write_tuple(w, &f->cli, f->cli_port, &f->srv, f->srv_port, f->key.proto, f->ip_version);
    write_tunnel(w, &f->tunnel);
    write_app_layer(w, f);
    write_app_proto(e, w, f);

    JSONW_KEY(w, "flow");
    jsonw_object_begin(w);
    write_flow_counters(w, f);
    KEY_TIME(w, "start", f->first_seen);
    JSONW_KEY(w, "end");
    jsonw_plain(w, end_text, end_len);
    JSONW_KEY_UINT(w, "age", (end - f->first_seen) / ICTW_USEC_PER_SEC);
    if (f->flags & FLOW_F_EMERGENCY)
        JSONW_KEY_BOOL(w, "emergency", true);
    KEY_OWN(w, "state", flow_state_name(f->state));
    KEY_OWN(w, "reason", flow_end_reason_name(reason));
    JSONW_KEY_BOOL(w, "alerted", (f->flags & FLOW_F_ALERTED) != 0);
    jsonw_object_end(w);

    write_tcp(w, f);
    write_ndpi(e, w, f);
    JSONW_KEY_STR(w, "host", e->host);
    jsonw_object_end(w);
}

static void write_alert_object(struct jsonw *w, const struct eve_alert_sig *sig)
{
    JSONW_KEY(w, "alert");
    jsonw_object_begin(w);
    KEY_OWN(w, "action", "allowed");
    JSONW_KEY_UINT(w, "gid", sig->gid);
    JSONW_KEY_UINT(w, "signature_id", sig->sid);
    JSONW_KEY_UINT(w, "rev", sig->rev);
    JSONW_KEY_STR(w, "signature", sig->msg ? sig->msg : "");
    JSONW_KEY_STR(w, "category", sig->category ? sig->category : "");
    JSONW_KEY_INT(w, "severity", sig->severity);
    if (sig->references_json) {
        JSONW_KEY(w, "references");
        jsonw_raw(w, sig->references_json, strlen(sig->references_json));
    }
    if (sig->metadata_json) {
        JSONW_KEY(w, "metadata");
        jsonw_raw(w, sig->metadata_json, strlen(sig->metadata_json));
    }
    jsonw_object_end(w);
}

void eve_write_alert(const struct eve_ctx *e, struct jsonw *w, const struct eve_alert_sig *sig,
                     const struct flow *f, const struct packet *p, int dir, ictw_usec now)
{
    jsonw_object_begin(w);
    KEY_TIME(w, "timestamp", p ? p->ts : (now ? now : f->last_seen));
    JSONW_KEY_UINT(w, "flow_id", f->flow_id);
    if (e->in_iface)
        JSONW_KEY_STR(w, "in_iface", e->in_iface);
    if (p && p->pcap_cnt)
        JSONW_KEY_UINT(w, "pcap_cnt", p->pcap_cnt);
    KEY_OWN(w, "event_type", "alert");
    write_vlan(w, f);
    if (p) {
        write_tuple(w, &p->src, p->sport, &p->dst, p->dport, p->proto, p->ip_version);
        if (p->proto == IPPROTO_NUM_ICMP || p->proto == IPPROTO_NUM_ICMPV6) {
            JSONW_KEY_UINT(w, "icmp_type", p->icmp_type);
            JSONW_KEY_UINT(w, "icmp_code", p->icmp_code);
        }
        KEY_OWN(w, "pkt_src", pkt_src_name(&p->tunnel, (p->flags & PKT_REASSEMBLED) != 0));
    } else {
        write_tuple(w, &f->cli, f->cli_port, &f->srv, f->srv_port, f->key.proto, f->ip_version);
    }
    write_alert_object(w, sig);
    write_tunnel(w, &f->tunnel);
    write_app_layer(w, f);
    write_app_proto(e, w, f);
    KEY_OWN(w, "direction", dir == FLOW_TOCLIENT ? "to_client" : "to_server");

    JSONW_KEY(w, "flow");
    jsonw_object_begin(w);
    write_flow_counters(w, f);
    KEY_TIME(w, "start", f->first_seen);
    KEY_ADDR(w, "src_ip", &f->cli);
    KEY_ADDR(w, "dest_ip", &f->srv);
    if (has_ports(f->key.proto)) {
        JSONW_KEY_UINT(w, "src_port", f->cli_port);
        JSONW_KEY_UINT(w, "dest_port", f->srv_port);
    }
    jsonw_object_end(w);

    write_ndpi(e, w, f);
    JSONW_KEY_STR(w, "host", e->host);
    jsonw_object_end(w);
}
