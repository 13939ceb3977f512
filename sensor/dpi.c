/* dpi.c - application protocol classification with nDPI 4.2 (see dpi.h).
 *
 * Life of a flow here:
 *   1. first packet: allocate nDPI's flow state (688 bytes in 4.2);
 *   2. every packet: ndpi_detection_process_packet() until nDPI names the
 *      protocol, then, while ndpi_extra_dissection_possible() says nDPI
 *      still wants packets (TLS certificates, DNS answers, HTTP responses),
 *      keep feeding it;
 *   3. when nDPI is done, or the packet budget (as ndpiReader's: TCP 80,
 *      UDP 24) runs out, or the flow ends: giveup if still unknown, copy the
 *      extracted fields into flow->app, free nDPI's state, set
 *      FLOW_F_DPI_DONE. From then on a packet of the flow costs nDPI nothing.
 *
 * Fields are copied as soon as the protocol is known (not only at the end),
 * so that rules on the SNI or the DNS query fire on the packet that carried
 * it. Each copy compares with what is held and reports DPI_EV_FIELDS only on
 * a change.
 */
#include "dpi.h"

#include <ndpi_api.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "fmt.h"
#include "ictwatch/log.h"

struct dpi_ctx {
    struct ndpi_detection_module_struct *ndpi;
    struct dpi_config cfg;
    struct dpi_stats st;
    uint16_t nprotos;
};

void dpi_config_defaults(struct dpi_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_tcp_packets = 80;
    cfg->max_udp_packets = 24;
    cfg->max_other_packets = 8;
}

struct dpi_ctx *dpi_new(const struct dpi_config *cfg, const struct log_ctx *lg)
{
    struct dpi_ctx *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->cfg = *cfg;
    d->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (!d->ndpi) {
        log_error(lg, "nDPI: cannot initialise the detection module");
        free(d);
        return NULL;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(d->ndpi, &all);
    if (cfg->ja3_file && ndpi_load_malicious_ja3_file(d->ndpi, cfg->ja3_file) < 0)
        log_warn(lg, "%s: cannot load the malicious JA3 list", cfg->ja3_file);
    if (cfg->sha1_file && ndpi_load_malicious_sha1_file(d->ndpi, cfg->sha1_file) < 0)
        log_warn(lg, "%s: cannot load the malicious certificate SHA-1 list", cfg->sha1_file);
    ndpi_finalize_initialization(d->ndpi);
    d->nprotos = (uint16_t)ndpi_get_num_supported_protocols(d->ndpi);
    return d;
}

void dpi_free(struct dpi_ctx *d)
{
    if (!d)
        return;
    ndpi_exit_detection_module(d->ndpi);
    free(d);
}

const struct dpi_stats *dpi_stats(const struct dpi_ctx *d)
{
    return &d->st;
}

/* ---- names -------------------------------------------------------------- */

const char *dpi_proto_name(const struct dpi_ctx *d, uint16_t id)
{
    const char *n = ndpi_get_proto_name(d->ndpi, id);
    return n ? n : "Unknown";
}

char *dpi_flow_proto_name(const struct dpi_ctx *d, const struct flow *f, char *buf, size_t len)
{
    uint16_t m = f->dpi.master_proto, a = f->dpi.app_proto;
    if (m && a && m != a)
        fmt_snprintf(buf, len, "%s.%s", dpi_proto_name(d, m), dpi_proto_name(d, a));
    else
        fmt_snprintf(buf, len, "%s", dpi_proto_name(d, a ? a : m));
    return buf;
}

const char *dpi_category_name(const struct dpi_ctx *d, uint16_t category)
{
    const char *n = ndpi_category_get_name(d->ndpi, (ndpi_protocol_category_t)category);
    return n ? n : "Unspecified";
}

int dpi_proto_by_name(const struct dpi_ctx *d, const char *name)
{
    for (uint16_t i = 0; i < d->nprotos; i++) {
        const char *n = ndpi_get_proto_name(d->ndpi, i);
        if (n && strcasecmp(n, name) == 0)
            return i;
    }
    return -1;
}

/* nDPI protocol names that Suricata calls differently in app_proto. */
static const struct { const char *ndpi, *suricata; } app_proto_map[] = {
    {"HTTP", "http"}, {"HTTP_Proxy", "http"}, {"HTTP_Connect", "http"}, {"TLS", "tls"},
    {"DNS", "dns"}, {"SSH", "ssh"}, {"SMTP", "smtp"}, {"SMTPS", "tls"}, {"FTP_CONTROL", "ftp"},
    {"FTP_DATA", "ftp-data"}, {"SMBv1", "smb"}, {"SMBv23", "smb"}, {"DHCP", "dhcp"},
    {"DHCPV6", "dhcp"}, {"Modbus", "modbus"}, {"DNP3", "dnp3"}, {"EthernetIP", "enip"},
    {"NTP", "ntp"}, {"Kerberos", "krb5"}, {"SNMP", "snmp"}, {"SIP", "sip"}, {"RDP", "rdp"},
    {"VNC", "rfb"}, {"MQTT", "mqtt"}, {"IPsec", "ike"}, {"NFS", "nfs"}, {"TFTP", "tftp"},
    {"Telnet", "telnet"}, {"PostgreSQL", "pgsql"}, {"QUIC", "quic"}, {"IEC60870", "iec104"},
    {"s7comm", "s7comm"}, {"IMAP", "imap"}, {"IMAPS", "tls"}, {"POP3", "pop3"}, {"POP3S", "tls"},
    {"IRC", "irc"}, {"DCE_RPC", "dcerpc"}, {"LDAP", "ldap"}, {"MySQL", "mysql"},
    {"DoH_DoT", "doh"}, {"BitTorrent", "bittorrent"}, {"DTLS", "tls"},
};

const char *dpi_app_proto(const struct dpi_ctx *d, const struct flow *f, char *buf, size_t len)
{
    if (!(f->flags & FLOW_F_DPI_DONE) && !f->dpi.classified)
        return NULL;
    if (!f->dpi.classified)
        return "failed";    /* given up, or only a guess by port: Suricata says "failed" */
    uint16_t id = f->dpi.master_proto ? f->dpi.master_proto : f->dpi.app_proto;
    const char *n = dpi_proto_name(d, id);
    for (size_t i = 0; i < ICTW_ARRAY_LEN(app_proto_map); i++)
        if (strcmp(app_proto_map[i].ndpi, n) == 0)
            return app_proto_map[i].suricata;
    /* Suricata's names are lowercase; keep nDPI's spelling otherwise. */
    size_t i = 0;
    for (; n[i] && i + 1 < len; i++)
        buf[i] = (char)tolower((unsigned char)n[i]);
    buf[i] = '\0';
    return buf;
}

/* ---- field extraction --------------------------------------------------- */

/* Replaces *dst with a copy of src (NUL-terminated within max bytes) when
 * different; returns 1 when it changed. Adds the allocation to *mem. */
static int set_str(char **dst, const char *src, size_t max, int64_t *mem)
{
    if (!src || !src[0])
        return 0;
    size_t n = strnlen(src, max);
    if (*dst && strlen(*dst) == n && memcmp(*dst, src, n) == 0)
        return 0;
    char *c = malloc(n + 1);
    if (!c)
        return 0;
    memcpy(c, src, n);
    c[n] = '\0';
    if (*dst)
        *mem -= (int64_t)strlen(*dst) + 1;
    free(*dst);
    *dst = c;
    *mem += (int64_t)n + 1;
    return 1;
}

/* HTTP Host as Suricata's http.host: lowercase, no port. */
static int set_http_host(char **dst, const char *host, int64_t *mem)
{
    char tmp[128];
    size_t n = 0;
    for (; host[n] && host[n] != ':' && n < sizeof(tmp) - 1; n++)
        tmp[n] = (char)tolower((unsigned char)host[n]);
    tmp[n] = '\0';
    /* An IPv6 literal "[::1]:80" keeps its brackets; the ':' cut above would
     * break it, so take it whole up to ']'. */
    if (host[0] == '[') {
        const char *e = strchr(host, ']');
        n = e ? (size_t)(e - host + 1) : strnlen(host, sizeof(tmp) - 1);
        if (n > sizeof(tmp) - 1)
            n = sizeof(tmp) - 1;
        for (size_t i = 0; i < n; i++)
            tmp[i] = (char)tolower((unsigned char)host[i]);
        tmp[n] = '\0';
    }
    return set_str(dst, tmp, sizeof(tmp), mem);
}

static struct flow_app *app_of(struct flow *f, int64_t *mem)
{
    if (!f->app) {
        f->app = calloc(1, sizeof(*f->app));
        if (f->app)
            *mem += (int64_t)sizeof(*f->app);
    }
    return f->app;
}

static bool proto_is(const struct flow *f, uint16_t id)
{
    return f->dpi.master_proto == id || f->dpi.app_proto == id;
}

static unsigned extract_dns(struct flow_app *a, const struct ndpi_flow_struct *nf, int64_t *mem)
{
    unsigned ch = 0;
    if (set_str(&a->dns_query, nf->host_server_name, sizeof(nf->host_server_name), mem))
        ch |= APP_DNS_QUERY;
    if (a->dns_query)
        a->known |= APP_DNS_QUERY;
    if (nf->protos.dns.query_type && a->dns_qtype != nf->protos.dns.query_type) {
        a->dns_qtype = nf->protos.dns.query_type;
        ch |= APP_DNS_QUERY;
    }
    a->dns_rcode = nf->protos.dns.reply_code;
    a->dns_is_response = !nf->protos.dns.is_query;
    return ch;
}

static unsigned extract_tls(struct flow_app *a, const struct ndpi_flow_struct *nf, int64_t *mem)
{
    unsigned ch = 0;
    if (set_str(&a->tls_sni, nf->host_server_name, sizeof(nf->host_server_name), mem)) {
        a->known |= APP_TLS_SNI;
        ch |= APP_TLS_SNI;
    }
    if (nf->protos.tls_quic.ssl_version && a->tls_version != nf->protos.tls_quic.ssl_version) {
        a->tls_version = nf->protos.tls_quic.ssl_version;
        a->known |= APP_TLS_VERSION;
        ch |= APP_TLS_VERSION;
    }
    if (nf->protos.tls_quic.ja3_client[0] && strcmp(a->ja3, nf->protos.tls_quic.ja3_client)) {
        ictw_strlcpy(a->ja3, nf->protos.tls_quic.ja3_client, sizeof(a->ja3));
        a->known |= APP_JA3;
        ch |= APP_JA3;
    }
    if (nf->protos.tls_quic.ja3_server[0] && strcmp(a->ja3s, nf->protos.tls_quic.ja3_server)) {
        ictw_strlcpy(a->ja3s, nf->protos.tls_quic.ja3_server, sizeof(a->ja3s));
        a->known |= APP_JA3S;
        ch |= APP_JA3S;
    }
    unsigned cert = 0;
    cert |= (unsigned)set_str(&a->tls_issuer, nf->protos.tls_quic.issuerDN, 1024, mem);
    cert |= (unsigned)set_str(&a->tls_subject, nf->protos.tls_quic.subjectDN, 1024, mem);
    if (nf->protos.tls_quic.notBefore && a->tls_notbefore != nf->protos.tls_quic.notBefore) {
        a->tls_notbefore = nf->protos.tls_quic.notBefore;
        a->tls_notafter = nf->protos.tls_quic.notAfter;
        cert = 1;
    }
    if (cert) {
        a->known |= APP_TLS_CERT;
        ch |= APP_TLS_CERT;
    }
    return ch;
}

/* The URL checks ndpiReader runs on every HTTP URL (SQL injection, XSS, RCE
 * patterns): nDPI 4.2 sets these risks only through ndpi_validate_url(). */
static void check_url_risk(struct flow *f, const char *url)
{
    char copy[8192];
    ictw_strlcpy(copy, url, sizeof(copy));
    ndpi_risk_enum r = ndpi_validate_url(copy);
    if (r != NDPI_NO_RISK && (int)r < DPI_RISK_MAX)
        f->dpi.risk |= 1ULL << r;
}

static unsigned extract_http(struct dpi_ctx *d, struct flow *f, struct flow_app *a,
                             struct ndpi_flow_struct *nf, int64_t *mem)
{
    unsigned ch = 0;
    if (nf->host_server_name[0] && set_http_host(&a->http_host, nf->host_server_name, mem)) {
        a->known |= APP_HTTP_HOST;
        ch |= APP_HTTP_HOST;
    }
    /* nDPI 4.2 keeps "host/path" in http.url; http.uri is the path. */
    const char *uri = nf->http.url;
    if (uri && uri[0] != '/') {
        const char *slash = strchr(uri, '/');
        uri = slash ? slash : "/";
    }
    if (uri && set_str(&a->http_uri, uri, 8192, mem)) {
        a->known |= APP_HTTP_URI;
        ch |= APP_HTTP_URI;
        check_url_risk(f, nf->http.url);
    }
    ndpi_http_method m = ndpi_get_http_method(d->ndpi, nf);
    if (m != NDPI_HTTP_METHOD_UNKNOWN && set_str(&a->http_method, ndpi_http_method2str(m), 16, mem)) {
        a->known |= APP_HTTP_METHOD;
        ch |= APP_HTTP_METHOD;
    }
    if (set_str(&a->http_user_agent, nf->http.user_agent, 1024, mem)) {
        a->known |= APP_HTTP_UA;
        ch |= APP_HTTP_UA;
    }
    set_str(&a->http_content_type, nf->http.content_type, 256, mem);
    if (nf->http.response_status_code && a->http_status != nf->http.response_status_code) {
        a->http_status = nf->http.response_status_code;
        a->known |= APP_HTTP_STATUS;
        ch |= APP_HTTP_STATUS;
    }
    return ch;
}

/* Copies what nDPI knows about the flow; returns DPI_EV_FIELDS on a change. */
static unsigned extract_fields(struct dpi_ctx *d, struct flow *f, struct ndpi_flow_struct *nf,
                               int64_t *mem)
{
    struct flow_app *a = app_of(f, mem);
    if (!a)
        return 0;
    unsigned ch = 0;
    if (set_str(&a->host, nf->host_server_name, sizeof(nf->host_server_name), mem))
        ch |= APP_HOST;
    if (a->host)
        a->known |= APP_HOST;
    if (proto_is(f, NDPI_PROTOCOL_DNS) || proto_is(f, NDPI_PROTOCOL_MDNS) ||
        proto_is(f, NDPI_PROTOCOL_LLMNR))
        ch |= extract_dns(a, nf, mem);
    else if (proto_is(f, NDPI_PROTOCOL_TLS) || proto_is(f, NDPI_PROTOCOL_QUIC) ||
             proto_is(f, NDPI_PROTOCOL_DTLS))
        ch |= extract_tls(a, nf, mem);
    else if (proto_is(f, NDPI_PROTOCOL_HTTP) || proto_is(f, NDPI_PROTOCOL_HTTP_PROXY) ||
             proto_is(f, NDPI_PROTOCOL_HTTP_CONNECT) || nf->http.url)
        ch |= extract_http(d, f, a, nf, mem);
    if (proto_is(f, NDPI_PROTOCOL_SSH)) {
        if (set_str(&a->ssh_client, nf->protos.ssh.client_signature,
                    sizeof(nf->protos.ssh.client_signature), mem) |
            set_str(&a->ssh_server, nf->protos.ssh.server_signature,
                    sizeof(nf->protos.ssh.server_signature), mem)) {
            a->known |= APP_SSH;
            ch |= APP_SSH;
        }
    }
    a->changed |= ch;
    return ch ? DPI_EV_FIELDS : 0;
}

unsigned dpi_dns_packet(struct dpi_ctx *d, struct flow *f, const struct packet *p, int64_t *mem)
{
    (void)d;
    *mem = 0;
    if (!proto_is(f, NDPI_PROTOCOL_DNS) || !p->payload_len)
        return 0;
    const uint8_t *msg = p->payload;
    size_t len = p->payload_len;
    if (p->proto == IPPROTO_NUM_TCP) {
        if (len < 2)
            return 0;
        msg += 2;
        len -= 2;
    }
    struct dns_question q;
    if (dns_parse_question(msg, len, &q) || q.response || q.name_len == 0)
        return 0;
    struct flow_app *a = app_of(f, mem);
    if (!a)
        return 0;
    bool same = a->dns_query && strlen(a->dns_query) == q.name_len &&
                memcmp(a->dns_query, q.name, q.name_len) == 0 && a->dns_qtype == q.qtype;
    if (same)
        return 0;
    set_str(&a->dns_query, q.name, sizeof(q.name), mem);
    a->dns_qtype = q.qtype;
    a->dns_id = q.id;
    a->known |= APP_DNS_QUERY;
    a->changed |= APP_DNS_QUERY;
    return DPI_EV_FIELDS;
}

/* ---- classification ------------------------------------------------------ */

static unsigned take_result(struct dpi_ctx *d, struct flow *f, ndpi_protocol r, bool by_dpi)
{
    (void)d;
    unsigned ev = 0;
    uint16_t before_m = f->dpi.master_proto, before_a = f->dpi.app_proto;
    f->dpi.master_proto = r.master_protocol;
    f->dpi.app_proto = r.app_protocol;
    f->dpi.category = (uint16_t)r.category;
    if (by_dpi && r.app_protocol != NDPI_PROTOCOL_UNKNOWN && !f->dpi.classified) {
        f->dpi.classified = 1;
        ev |= DPI_EV_CLASSIFIED;
    } else if (before_m != f->dpi.master_proto || before_a != f->dpi.app_proto) {
        ev |= DPI_EV_CLASSIFIED;
    }
    if (f->ndpi) {
        f->dpi.confidence = (uint8_t)f->ndpi->confidence;
        if ((f->ndpi->risk & ~f->dpi.risk) != 0) {
            f->dpi.risk |= f->ndpi->risk;
            ev |= DPI_EV_RISK;
        }
    }
    return ev;
}

static void release_ndpi(struct dpi_ctx *d, struct flow *f, int64_t *mem)
{
    if (!f->ndpi)
        return;
    ndpi_free_flow(f->ndpi);
    f->ndpi = NULL;
    *mem -= (int64_t)SIZEOF_FLOW_STRUCT;
    d->st.memuse -= SIZEOF_FLOW_STRUCT;
}

static uint16_t packet_budget(const struct dpi_ctx *d, const struct flow *f)
{
    switch (f->pclass) {
    case FLOW_CLASS_TCP: return d->cfg.max_tcp_packets;
    case FLOW_CLASS_UDP: return d->cfg.max_udp_packets;
    default: return d->cfg.max_other_packets;
    }
}

/* Ends classification: giveup when still unknown, last copy of fields,
 * nDPI state freed. */
static unsigned finish(struct dpi_ctx *d, struct flow *f, int64_t *mem)
{
    unsigned ev = 0;
    if (!f->dpi.classified && f->ndpi) {
        uint8_t guessed = 0;
        ndpi_protocol r = ndpi_detection_giveup(d->ndpi, f->ndpi, 1, &guessed);
        ev |= take_result(d, f, r, false);
        f->dpi.gave_up = 1;
        d->st.gave_up++;
        if (r.app_protocol == NDPI_PROTOCOL_UNKNOWN && r.master_protocol == NDPI_PROTOCOL_UNKNOWN)
            d->st.unknown++;
        ev |= DPI_EV_CLASSIFIED;
    }
    if (f->ndpi) {
        if (f->ndpi->risk & ~f->dpi.risk) {
            f->dpi.risk |= f->ndpi->risk;
            ev |= DPI_EV_RISK;
        }
        ev |= extract_fields(d, f, f->ndpi, mem);
        release_ndpi(d, f, mem);
    }
    f->flags |= FLOW_F_DPI_DONE;
    return ev | DPI_EV_DONE;
}

unsigned dpi_process(struct dpi_ctx *d, struct flow *f, const struct packet *p, int dir,
                     int64_t *mem_delta)
{
    (void)dir;
    *mem_delta = 0;
    if (f->flags & FLOW_F_DPI_DONE)
        return 0;
    if (!f->ndpi) {
        f->ndpi = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
        if (!f->ndpi)
            return 0;
        memset(f->ndpi, 0, SIZEOF_FLOW_STRUCT);
        *mem_delta += (int64_t)SIZEOF_FLOW_STRUCT;
        d->st.memuse += SIZEOF_FLOW_STRUCT;
    }
    uint32_t len = p->l3_len > 65535 ? 65535 : p->l3_len;
    ndpi_protocol r = ndpi_detection_process_packet(d->ndpi, f->ndpi, p->l3, (unsigned short)len,
                                                    p->ts / 1000);
    d->st.packets++;
    f->dpi.packets++;
    bool was_classified = f->dpi.classified;
    unsigned ev = take_result(d, f, r, true);
    if (!was_classified && f->dpi.classified)
        d->st.classified++;

    if (f->dpi.classified) {
        ev |= extract_fields(d, f, f->ndpi, mem_delta);
        if (!ndpi_extra_dissection_possible(d->ndpi, f->ndpi) || f->dpi.packets >= packet_budget(d, f))
            ev |= finish(d, f, mem_delta);
    } else if (f->dpi.packets > packet_budget(d, f)) {
        ev |= finish(d, f, mem_delta);
    }
    return ev;
}

unsigned dpi_giveup(struct dpi_ctx *d, struct flow *f, int64_t *mem_delta)
{
    *mem_delta = 0;
    if (f->flags & FLOW_F_DPI_DONE)
        return 0;
    if (!f->ndpi) {
        /* Never saw a packet nDPI could take: unknown. */
        f->flags |= FLOW_F_DPI_DONE;
        f->dpi.gave_up = 1;
        d->st.unknown++;
        return DPI_EV_CLASSIFIED | DPI_EV_DONE;
    }
    return finish(d, f, mem_delta);
}

static void free_app(struct flow_app *a)
{
    free(a->host);
    free(a->dns_query);
    free(a->tls_sni);
    free(a->tls_issuer);
    free(a->tls_subject);
    free(a->http_host);
    free(a->http_uri);
    free(a->http_method);
    free(a->http_user_agent);
    free(a->http_content_type);
    free(a->ssh_client);
    free(a->ssh_server);
    free(a);
}

void dpi_flow_release(struct dpi_ctx *d, struct flow *f)
{
    int64_t mem = 0;
    release_ndpi(d, f, &mem);
    if (f->app) {
        free_app(f->app);
        f->app = NULL;
    }
}
