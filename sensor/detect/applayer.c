/* applayer.c - Suricata's application protocol names, mapped to nDPI.
 *
 * A rule header protocol such as `http` or `dnp3`, and the values of
 * app-layer-protocol, name Suricata's app-layer parsers; ictwatch learns the
 * protocol of a flow from nDPI, so each Suricata name maps to the nDPI
 * protocol ids that mean the same thing (resolved by name through dpi.h at
 * load time). A flow matches when nDPI classified it (a guess at giveup is
 * "failed", as the sensor's EVE app_proto says) and its master or
 * application protocol is one of them, so "TLS.YouTube" is tls and
 * "DNS.Google" is dns. The
 * transport column lets the engine put such rules only into the protocol
 * groups that can carry them. The names the sensor writes as EVE app_proto
 * (dpi.c) are accepted too ("doh", "bittorrent").
 */
#include "detect_int.h"

#include <string.h>

struct app_row {
    const char *name;
    const char *ndpi[4];
    uint8_t pclass;
};

#define TU (PCLS_TCP | PCLS_UDP)

static const struct app_row app_rows[] = {
    {"http", {"HTTP", "HTTP_Connect", "HTTP_Proxy"}, PCLS_TCP},
    {"http1", {"HTTP", "HTTP_Connect", "HTTP_Proxy"}, PCLS_TCP},
    {"tls", {"TLS", "SMTPS", "IMAPS", "POP3S"}, PCLS_TCP},
    {"dns", {"DNS"}, TU},
    {"ssh", {"SSH"}, PCLS_TCP},
    {"smtp", {"SMTP"}, PCLS_TCP},
    {"ftp", {"FTP_CONTROL"}, PCLS_TCP},
    {"ftp-data", {"FTP_DATA"}, PCLS_TCP},
    {"smb", {"SMBv1", "SMBv23"}, PCLS_TCP},
    {"dcerpc", {"DCE_RPC"}, TU},
    {"dhcp", {"DHCP", "DHCPV6"}, PCLS_UDP},
    {"modbus", {"Modbus"}, PCLS_TCP},
    {"dnp3", {"DNP3"}, TU},
    {"enip", {"EthernetIP"}, TU},
    {"iec104", {"IEC60870"}, PCLS_TCP},
    {"s7comm", {"s7comm"}, PCLS_TCP},
    {"quic", {"QUIC"}, PCLS_UDP},
    {"ntp", {"NTP"}, PCLS_UDP},
    {"snmp", {"SNMP"}, PCLS_UDP},
    {"sip", {"SIP"}, TU},
    {"rdp", {"RDP"}, PCLS_TCP},
    {"rfb", {"VNC"}, PCLS_TCP},
    {"krb5", {"Kerberos"}, TU},
    {"nfs", {"NFS"}, TU},
    {"tftp", {"TFTP"}, PCLS_UDP},
    {"imap", {"IMAP"}, PCLS_TCP},
    {"pop3", {"POP3"}, PCLS_TCP},
    {"irc", {"IRC"}, PCLS_TCP},
    {"mqtt", {"MQTT"}, PCLS_TCP},
    {"telnet", {"Telnet"}, PCLS_TCP},
    {"ldap", {"LDAP"}, TU},
    {"pgsql", {"PostgreSQL"}, PCLS_TCP},
    {"mysql", {"MySQL"}, PCLS_TCP},
    {"ike", {"IPsec"}, PCLS_UDP},
    {"websocket", {"WebSocket"}, PCLS_TCP},
    {"doh", {"DoH_DoT"}, TU},
    {"doh2", {"DoH_DoT"}, TU},
    {"bittorrent", {"BitTorrent"}, TU},
    {"bittorrent-dht", {"BitTorrent"}, PCLS_UDP},
    {"http2", {NULL}, PCLS_TCP},     /* nDPI 4.2 does not tell HTTP/2 apart */
    {"failed", {NULL}, PCLS_ALL},
};

int app_proto_lookup(const struct dpi_ctx *dpi, const char *name, struct app_proto_set *out,
                     uint8_t *pclass)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < ICTW_ARRAY_LEN(app_rows); i++) {
        const struct app_row *row = &app_rows[i];
        if (strcasecmp(row->name, name) != 0)
            continue;
        out->name_idx = (int16_t)i;
        *pclass = row->pclass;
        if (strcmp(row->name, "failed") == 0) {
            out->failed = true;
            return 0;
        }
        for (int k = 0; k < 4 && row->ndpi[k]; k++) {
            int id = dpi ? dpi_proto_by_name(dpi, row->ndpi[k]) : -1;
            if (id > 0)
                out->ids[out->n++] = (uint16_t)id;
        }
        return out->n ? 0 : -2;
    }
    return -1;
}

const char *app_proto_name(const struct app_proto_set *s)
{
    if (s->name_idx >= 0 && (size_t)s->name_idx < ICTW_ARRAY_LEN(app_rows))
        return app_rows[s->name_idx].name;
    return "?";
}

bool flow_dpi_known(const struct flow *f)
{
    return f->dpi.classified || (f->flags & FLOW_F_DPI_DONE);
}

bool app_proto_match(const struct app_proto_set *s, const struct flow *f)
{
    if (!f || !flow_dpi_known(f))
        return false;
    if (s->failed)
        return !f->dpi.classified;
    /* As the EVE app_proto: a protocol only guessed at giveup is "failed". */
    if (!f->dpi.classified)
        return false;
    for (uint8_t i = 0; i < s->n; i++)
        if (f->dpi.master_proto == s->ids[i] || f->dpi.app_proto == s->ids[i])
            return true;
    return false;
}
