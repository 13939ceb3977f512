/* dpi.h - application protocol classification with nDPI 4.2.
 *
 * Each flow is fed to nDPI until it is classified and nDPI has no more
 * dissection to do; then the fields nDPI extracted are copied into a small
 * struct flow_app and the (large) nDPI flow state is freed, and nDPI is never
 * called for that flow again. A flow that is not classified after as many
 * packets as ndpiReader allows (TCP 80, UDP 24), or that ends first, goes
 * through ndpi_detection_giveup().
 *
 * dpi_process() returns which things became known with this packet, so the
 * rule engine can run its flow rules exactly once when a field appears.
 */
#ifndef ICTWATCH_DPI_H
#define ICTWATCH_DPI_H

#include <stdint.h>
#include <stdbool.h>
#include "flow.h"
#include "packet.h"

/* Bits returned by dpi_process / dpi_giveup. */
#define DPI_EV_CLASSIFIED  0x01   /* master/app protocol now known (or given up) */
#define DPI_EV_RISK        0x02   /* a new risk bit appeared */
#define DPI_EV_FIELDS      0x04   /* app-layer fields in flow->app changed */
#define DPI_EV_DONE        0x08   /* nDPI is done with this flow */

/* flow_app.known bits: which fields are set. */
#define APP_HOST        0x0001   /* server name: HTTP Host, TLS SNI, DNS query, DHCP host... */
#define APP_DNS_QUERY   0x0002
#define APP_TLS_SNI     0x0004
#define APP_HTTP_HOST   0x0008
#define APP_HTTP_URI    0x0010
#define APP_HTTP_METHOD 0x0020
#define APP_HTTP_UA     0x0040
#define APP_JA3         0x0080
#define APP_JA3S        0x0100
#define APP_TLS_VERSION 0x0200
#define APP_TLS_CERT    0x0400   /* issuer/subject/validity */
#define APP_HTTP_STATUS 0x0800
#define APP_SSH         0x1000

struct flow_app {
    uint32_t known;              /* APP_*: fields that are set */
    uint32_t changed;            /* APP_*: fields set or changed since the pipeline last
                                    cleared this (after the rules saw the packet) */
    char *host;                  /* nDPI host_server_name as extracted */
    char *dns_query;
    uint16_t dns_qtype;
    uint8_t dns_rcode;
    uint8_t dns_is_response;
    uint16_t dns_id;
    char *tls_sni;
    uint16_t tls_version;        /* 0x0303 = TLS 1.2 */
    char ja3[33], ja3s[33];
    char *tls_issuer, *tls_subject;
    uint32_t tls_notbefore, tls_notafter;   /* epoch seconds */
    char *http_host;             /* lowercase, without port */
    char *http_uri;
    char *http_method;
    char *http_user_agent;
    char *http_content_type;
    uint16_t http_status;
    char *ssh_client, *ssh_server;
};

struct dpi_config {
    uint16_t max_tcp_packets;    /* default 80, as ndpiReader */
    uint16_t max_udp_packets;    /* default 24 */
    uint16_t max_other_packets;  /* default 8 */
    const char *ja3_file;        /* nDPI malicious JA3 list, optional */
    const char *sha1_file;       /* nDPI malicious certificate SHA-1 list, optional */
};

struct dpi_stats {
    uint64_t packets;            /* calls into nDPI */
    uint64_t classified, gave_up, unknown;
    uint64_t memuse;             /* bytes of nDPI flow state held now */
};

struct dpi_ctx;
struct log_ctx;

void dpi_config_defaults(struct dpi_config *cfg);
struct dpi_ctx *dpi_new(const struct dpi_config *cfg, const struct log_ctx *lg);
void dpi_free(struct dpi_ctx *d);

/* Feeds one packet of a flow (direction dir) to nDPI unless the flow is done.
 * Returns DPI_EV_* bits. *mem_delta gets the change in bytes held for the flow. */
unsigned dpi_process(struct dpi_ctx *d, struct flow *f, const struct packet *p, int dir,
                     int64_t *mem_delta);
/* For a DNS flow, reads the question of this packet's message (nDPI only
 * extracts the first one); a new query name updates flow->app. Returns
 * DPI_EV_FIELDS when the query changed. */
unsigned dpi_dns_packet(struct dpi_ctx *d, struct flow *f, const struct packet *p, int64_t *mem_delta);
/* Ends classification of a flow that is still in progress (flow end). */
unsigned dpi_giveup(struct dpi_ctx *d, struct flow *f, int64_t *mem_delta);
/* Frees the nDPI state and the app fields of a flow. */
void dpi_flow_release(struct dpi_ctx *d, struct flow *f);
const struct dpi_stats *dpi_stats(const struct dpi_ctx *d);

/* Names. The buffer forms write "Master.App" or "Master". */
const char *dpi_proto_name(const struct dpi_ctx *d, uint16_t id);
char *dpi_flow_proto_name(const struct dpi_ctx *d, const struct flow *f, char *buf, size_t len);
const char *dpi_category_name(const struct dpi_ctx *d, uint16_t category);
/* Suricata's app_proto string for a flow ("http", "tls", "dns", "failed", ...),
 * nDPI's name in lowercase where Suricata has none (buf holds it); NULL while
 * classification is in progress. */
const char *dpi_app_proto(const struct dpi_ctx *d, const struct flow *f, char *buf, size_t len);
/* nDPI protocol id for a name as nDPI spells it (case-insensitive), or -1. */
int dpi_proto_by_name(const struct dpi_ctx *d, const char *name);

/* Risks: our own table of nDPI 4.2's risk ids (dpi_risk.c). */
#define DPI_RISK_MAX 64
const char *dpi_risk_code(int id);     /* "NDPI_TLS_SELFSIGNED_CERTIFICATE"; NULL if unknown */
const char *dpi_risk_text(int id);     /* "Self-signed Certificate" */
int dpi_risk_by_code(const char *code);/* id, or -1; accepts the code with or without "NDPI_" */
int dpi_risk_count(void);              /* number of risk ids in the table (42 for 4.2) */

/* TLS version number to Suricata's text ("TLS 1.2", "SSLv3", ...). */
const char *dpi_tls_version_name(uint16_t v, char *buf, size_t len);
/* DNS RR type number to its name ("A", "AAAA", "ANY", ...) or NULL. */
const char *dpi_dns_rrtype_name(uint16_t t);

#endif
