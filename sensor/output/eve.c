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
#include <time.h>

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

static void key_time(struct jsonw *w, const char *key, ictw_usec t)
{
    char ts[ICTW_TIME_STRLEN];
    jsonw_key_str(w, key, ictw_time_format(t, ts, sizeof(ts)));
}

static void key_addr(struct jsonw *w, const char *key, const struct ictw_addr *a)
{
    char buf[ICTW_ADDR_STRLEN];
    jsonw_key_str(w, key, ictw_addr_format(a, buf, sizeof(buf)));
}

static bool has_ports(uint8_t proto)
{
    return proto == IPPROTO_NUM_TCP || proto == IPPROTO_NUM_UDP || proto == IPPROTO_NUM_SCTP;
}

static void write_vlan(struct jsonw *w, const struct flow *f)
{
    if (!f->vlan_count)
        return;
    jsonw_key(w, "vlan");
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
    jsonw_key(w, "tunnel");
    jsonw_object_begin(w);
    key_addr(w, "src_ip", &t->outer_src);
    key_addr(w, "dest_ip", &t->outer_dst);
    jsonw_key_str(w, "proto", eve_proto_name(t->outer_proto, buf, sizeof(buf)));
    jsonw_key_uint(w, "depth", t->depth);
    jsonw_key_str(w, "pkt_src", pkt_src_name(t, false));
    jsonw_object_end(w);
}

static void tls_date(struct jsonw *w, const char *key, uint32_t epoch)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    char buf[80];
    if (!epoch || !gmtime_r(&t, &tm))
        return;
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    jsonw_key_str(w, key, buf);
}

static void write_dns(struct jsonw *w, const struct flow_app *a)
{
    if (!a->dns_query)
        return;
    jsonw_key(w, "dns");
    jsonw_object_begin(w);
    jsonw_key_uint(w, "version", 3);
    jsonw_key_str(w, "type", "request");
    jsonw_key(w, "queries");
    jsonw_array_begin(w);
    jsonw_object_begin(w);
    jsonw_key_str(w, "rrname", a->dns_query);
    const char *t = dpi_dns_rrtype_name(a->dns_qtype);
    if (t) {
        jsonw_key_str(w, "rrtype", t);
    } else if (a->dns_qtype) {
        char buf[16];
        snprintf(buf, sizeof(buf), "TYPE%u", a->dns_qtype);
        jsonw_key_str(w, "rrtype", buf);
    }
    jsonw_object_end(w);
    jsonw_array_end(w);
    jsonw_object_end(w);
}

static void write_tls(struct jsonw *w, const struct flow_app *a)
{
    if (!(a->known & (APP_TLS_SNI | APP_TLS_VERSION | APP_JA3 | APP_JA3S | APP_TLS_CERT)))
        return;
    jsonw_key(w, "tls");
    jsonw_object_begin(w);
    if (a->tls_subject)
        jsonw_key_str(w, "subject", a->tls_subject);
    if (a->tls_issuer)
        jsonw_key_str(w, "issuerdn", a->tls_issuer);
    if (a->tls_sni)
        jsonw_key_str(w, "sni", a->tls_sni);
    if (a->tls_version) {
        char buf[32];
        jsonw_key_str(w, "version", dpi_tls_version_name(a->tls_version, buf, sizeof(buf)));
    }
    tls_date(w, "notbefore", a->tls_notbefore);
    tls_date(w, "notafter", a->tls_notafter);
    if (a->ja3[0]) {
        jsonw_key(w, "ja3");
        jsonw_object_begin(w);
        jsonw_key_str(w, "hash", a->ja3);
        jsonw_object_end(w);
    }
    if (a->ja3s[0]) {
        jsonw_key(w, "ja3s");
        jsonw_object_begin(w);
        jsonw_key_str(w, "hash", a->ja3s);
        jsonw_object_end(w);
    }
    jsonw_object_end(w);
}

static void write_http(struct jsonw *w, const struct flow_app *a)
{
    if (!(a->known & (APP_HTTP_HOST | APP_HTTP_URI | APP_HTTP_METHOD | APP_HTTP_UA | APP_HTTP_STATUS)))
        return;
    jsonw_key(w, "http");
    jsonw_object_begin(w);
    if (a->http_host)
        jsonw_key_str(w, "hostname", a->http_host);
    if (a->http_uri)
        jsonw_key_str(w, "url", a->http_uri);
    if (a->http_user_agent)
        jsonw_key_str(w, "http_user_agent", a->http_user_agent);
    if (a->http_content_type)
        jsonw_key_str(w, "http_content_type", a->http_content_type);
    if (a->http_method)
        jsonw_key_str(w, "http_method", a->http_method);
    if (a->http_status)
        jsonw_key_uint(w, "status", a->http_status);
    jsonw_object_end(w);
}

/* "SSH-2.0-OpenSSH_7.4" -> proto_version "2.0", software_version "OpenSSH_7.4". */
static void write_ssh_side(struct jsonw *w, const char *key, const char *banner)
{
    if (!banner)
        return;
    jsonw_key(w, key);
    jsonw_object_begin(w);
    if (strncmp(banner, "SSH-", 4) == 0) {
        const char *v = banner + 4, *dash = strchr(v, '-');
        if (dash) {
            jsonw_key(w, "proto_version");
            jsonw_strn(w, v, (size_t)(dash - v));
            jsonw_key_str(w, "software_version", dash + 1);
        } else {
            jsonw_key_str(w, "proto_version", v);
        }
    } else {
        jsonw_key_str(w, "software_version", banner);
    }
    jsonw_object_end(w);
}

static void write_ssh(struct jsonw *w, const struct flow_app *a)
{
    if (!(a->known & APP_SSH))
        return;
    jsonw_key(w, "ssh");
    jsonw_object_begin(w);
    write_ssh_side(w, "client", a->ssh_client);
    write_ssh_side(w, "server", a->ssh_server);
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
        jsonw_key_str(w, "app_proto", ap);
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
    jsonw_key(w, "ndpi");
    jsonw_object_begin(w);
    jsonw_key_str(w, "protocol", dpi_flow_proto_name(e->dpi, f, name, sizeof(name)));
    if (f->dpi.master_proto)
        jsonw_key_str(w, "master_protocol", dpi_proto_name(e->dpi, f->dpi.master_proto));
    if (f->dpi.app_proto)
        jsonw_key_str(w, "app_protocol", dpi_proto_name(e->dpi, f->dpi.app_proto));
    jsonw_key_str(w, "category", dpi_category_name(e->dpi, f->dpi.category));
    jsonw_key_str(w, "confidence", f->dpi.gave_up && f->dpi.master_proto + f->dpi.app_proto
                                       ? "guessed" : confidence_name(f->dpi.confidence));
    if (f->app && f->app->host)
        jsonw_key_str(w, "hostname", f->app->host);
    if (f->dpi.risk) {
        jsonw_key(w, "risks");
        jsonw_array_begin(w);
        for (int i = 1; i < DPI_RISK_MAX; i++) {
            if (!(f->dpi.risk & (1ULL << i)))
                continue;
            jsonw_object_begin(w);
            jsonw_key_uint(w, "id", (uint64_t)i);
            const char *code = dpi_risk_code(i), *text = dpi_risk_text(i);
            jsonw_key_str(w, "code", code ? code : "NDPI_UNKNOWN_RISK");
            jsonw_key_str(w, "text", text ? text : "unknown risk");
            jsonw_object_end(w);
        }
        jsonw_array_end(w);
    }
    if (f->tunnel.type != TUNNEL_NONE) {
        jsonw_key_str(w, "tunnel", decode_tunnel_name(f->tunnel.type));
        if (f->tunnel.id)
            jsonw_key_uint(w, "tunnel_id", f->tunnel.id);
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
    jsonw_key(w, "tcp");
    jsonw_object_begin(w);
    tcp_flags_hex(all, buf);
    jsonw_key_str(w, "tcp_flags", buf);
    tcp_flags_hex(f->tcp_flags[FLOW_TOSERVER], buf);
    jsonw_key_str(w, "tcp_flags_ts", buf);
    tcp_flags_hex(f->tcp_flags[FLOW_TOCLIENT], buf);
    jsonw_key_str(w, "tcp_flags_tc", buf);
    if (all & TCP_SYN) jsonw_key_bool(w, "syn", true);
    if (all & TCP_FIN) jsonw_key_bool(w, "fin", true);
    if (all & TCP_RST) jsonw_key_bool(w, "rst", true);
    if (all & TCP_PSH) jsonw_key_bool(w, "psh", true);
    if (all & TCP_ACK) jsonw_key_bool(w, "ack", true);
    if (all & TCP_URG) jsonw_key_bool(w, "urg", true);
    if (all & TCP_ECE) jsonw_key_bool(w, "ecn", true);
    if (all & TCP_CWR) jsonw_key_bool(w, "cwr", true);
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
    jsonw_key_str(w, "state", st);
    jsonw_object_end(w);
}

static void write_flow_counters(struct jsonw *w, const struct flow *f)
{
    jsonw_key_uint(w, "pkts_toserver", f->pkts[FLOW_TOSERVER]);
    jsonw_key_uint(w, "pkts_toclient", f->pkts[FLOW_TOCLIENT]);
    jsonw_key_uint(w, "bytes_toserver", f->bytes[FLOW_TOSERVER]);
    jsonw_key_uint(w, "bytes_toclient", f->bytes[FLOW_TOCLIENT]);
}

/* The 5-tuple part of the header; ports only for port-bearing protocols. */
static void write_tuple(struct jsonw *w, const struct ictw_addr *src, uint16_t sport,
                        const struct ictw_addr *dst, uint16_t dport, uint8_t proto, uint8_t ipv)
{
    char buf[8];
    key_addr(w, "src_ip", src);
    if (has_ports(proto))
        jsonw_key_uint(w, "src_port", sport);
    key_addr(w, "dest_ip", dst);
    if (has_ports(proto))
        jsonw_key_uint(w, "dest_port", dport);
    jsonw_key_str(w, "proto", eve_proto_name(proto, buf, sizeof(buf)));
    jsonw_key_uint(w, "ip_v", ipv);
}

void eve_write_flow(const struct eve_ctx *e, struct jsonw *w, const struct flow *f,
                    enum flow_end_reason reason, ictw_usec now)
{
    ictw_usec end = f->last_seen;
    (void)now;
    jsonw_object_begin(w);
    key_time(w, "timestamp", end);
    jsonw_key_uint(w, "flow_id", f->flow_id);
    if (e->in_iface)
        jsonw_key_str(w, "in_iface", e->in_iface);
    jsonw_key_str(w, "event_type", "flow");
    write_vlan(w, f);
    write_tuple(w, &f->cli, f->cli_port, &f->srv, f->srv_port, f->key.proto, f->ip_version);
    write_tunnel(w, &f->tunnel);
    write_app_layer(w, f);
    write_app_proto(e, w, f);

    jsonw_key(w, "flow");
    jsonw_object_begin(w);
    write_flow_counters(w, f);
    key_time(w, "start", f->first_seen);
    key_time(w, "end", end);
    jsonw_key_uint(w, "age", (end - f->first_seen) / ICTW_USEC_PER_SEC);
    if (f->flags & FLOW_F_EMERGENCY)
        jsonw_key_bool(w, "emergency", true);
    jsonw_key_str(w, "state", flow_state_name(f->state));
    jsonw_key_str(w, "reason", flow_end_reason_name(reason));
    jsonw_key_bool(w, "alerted", (f->flags & FLOW_F_ALERTED) != 0);
    jsonw_object_end(w);

    write_tcp(w, f);
    write_ndpi(e, w, f);
    jsonw_key_str(w, "host", e->host);
    jsonw_object_end(w);
}

static void write_alert_object(struct jsonw *w, const struct eve_alert_sig *sig)
{
    jsonw_key(w, "alert");
    jsonw_object_begin(w);
    jsonw_key_str(w, "action", "allowed");
    jsonw_key_uint(w, "gid", sig->gid);
    jsonw_key_uint(w, "signature_id", sig->sid);
    jsonw_key_uint(w, "rev", sig->rev);
    jsonw_key_str(w, "signature", sig->msg ? sig->msg : "");
    jsonw_key_str(w, "category", sig->category ? sig->category : "");
    jsonw_key_int(w, "severity", sig->severity);
    if (sig->references_json) {
        jsonw_key(w, "references");
        jsonw_raw(w, sig->references_json, strlen(sig->references_json));
    }
    if (sig->metadata_json) {
        jsonw_key(w, "metadata");
        jsonw_raw(w, sig->metadata_json, strlen(sig->metadata_json));
    }
    jsonw_object_end(w);
}

void eve_write_alert(const struct eve_ctx *e, struct jsonw *w, const struct eve_alert_sig *sig,
                     const struct flow *f, const struct packet *p, int dir, ictw_usec now)
{
    jsonw_object_begin(w);
    key_time(w, "timestamp", p ? p->ts : (now ? now : f->last_seen));
    jsonw_key_uint(w, "flow_id", f->flow_id);
    if (e->in_iface)
        jsonw_key_str(w, "in_iface", e->in_iface);
    if (p && p->pcap_cnt)
        jsonw_key_uint(w, "pcap_cnt", p->pcap_cnt);
    jsonw_key_str(w, "event_type", "alert");
    write_vlan(w, f);
    if (p) {
        write_tuple(w, &p->src, p->sport, &p->dst, p->dport, p->proto, p->ip_version);
        if (p->proto == IPPROTO_NUM_ICMP || p->proto == IPPROTO_NUM_ICMPV6) {
            jsonw_key_uint(w, "icmp_type", p->icmp_type);
            jsonw_key_uint(w, "icmp_code", p->icmp_code);
        }
        jsonw_key_str(w, "pkt_src", pkt_src_name(&p->tunnel, (p->flags & PKT_REASSEMBLED) != 0));
    } else {
        write_tuple(w, &f->cli, f->cli_port, &f->srv, f->srv_port, f->key.proto, f->ip_version);
    }
    write_alert_object(w, sig);
    write_tunnel(w, &f->tunnel);
    write_app_layer(w, f);
    write_app_proto(e, w, f);
    jsonw_key_str(w, "direction", dir == FLOW_TOCLIENT ? "to_client" : "to_server");

    jsonw_key(w, "flow");
    jsonw_object_begin(w);
    write_flow_counters(w, f);
    key_time(w, "start", f->first_seen);
    char buf[ICTW_ADDR_STRLEN];
    jsonw_key_str(w, "src_ip", ictw_addr_format(&f->cli, buf, sizeof(buf)));
    jsonw_key_str(w, "dest_ip", ictw_addr_format(&f->srv, buf, sizeof(buf)));
    if (has_ports(f->key.proto)) {
        jsonw_key_uint(w, "src_port", f->cli_port);
        jsonw_key_uint(w, "dest_port", f->srv_port);
    }
    jsonw_object_end(w);

    write_ndpi(e, w, f);
    jsonw_key_str(w, "host", e->host);
    jsonw_object_end(w);
}
