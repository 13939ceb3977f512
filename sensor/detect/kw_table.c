/* kw_table.c - THE keyword table: every rule keyword ictwatch knows, one row each.
 *
 * A row gives the keyword's name and aliases, how its value is prepared
 * before its setup function sees it (KW_* flags: value required or
 * forbidden, quotes required, a leading '!' handled, sticky buffer, content
 * modifier) and its setup/print/free functions. Adding a keyword = one new
 * kw_*.c file and one row here, as in Suricata's sigmatch_table.
 *
 * Suricata keywords that ictwatch does not implement are listed too, so
 * that a rule using one gets "keyword 'x' is not supported" rather than
 * "unknown keyword".
 */
#include "kw.h"

#include <stdlib.h>
#include <string.h>

#define V KW_VALUE
#define NV KW_NOVALUE
#define ROW(n, a0, fl, b, name) {n, {a0, NULL, NULL}, fl, b, kw_##name##_setup, kw_##name##_print, free}
#define META(n, name) {n, {NULL, NULL, NULL}, V, -1, kw_##name##_setup, NULL, NULL}
#define MOD(n, name, fl) {n, {NULL, NULL, NULL}, (fl) | KW_CONTENT_MOD, -1, kw_##name##_setup, NULL, NULL}
#define STICKY(n, a0, b) {n, {a0, NULL, NULL}, NV | KW_STICKY, b, kw_sticky_setup, NULL, NULL}
#define LEGACY(n, b) {n, {NULL, NULL, NULL}, NV | KW_LEGACY_BUF | KW_CONTENT_MOD, b, kw_legacy_buffer_setup, NULL, NULL}
#define UNSUP(n) {n, {NULL, NULL, NULL}, KW_UNSUPPORTED, -1, NULL, NULL, NULL}

static const struct kw_def kw_table[] = {
    /* rule description: kw_meta.c */
    {"msg", {NULL, NULL, NULL}, V | KW_QUOTES, -1, kw_msg_setup, NULL, NULL},
    META("sid", sid),
    META("rev", rev),
    META("gid", gid),
    META("classtype", classtype),
    META("priority", priority),
    META("reference", reference),
    META("metadata", metadata),

    /* packet and flow state */
    ROW("flow", NULL, V, -1, flow),
    ROW("flags", "tcp.flags", V, -1, flags),
    ROW("dsize", NULL, V, -1, dsize),
    ROW("itype", NULL, V, -1, itype),
    ROW("icode", NULL, V, -1, icode),
    ROW("ttl", NULL, V, -1, ttl),
    ROW("ip_proto", NULL, V, -1, ip_proto),
    {"flowbits", {NULL, NULL, NULL}, V, -1, kw_flowbits_setup, kw_flowbits_print, kw_flowbits_free},
    {"noalert", {NULL, NULL, NULL}, NV, -1, kw_noalert_setup, NULL, NULL},
    ROW("iprep", NULL, V, -1, iprep),

    /* payload keywords: kw_content.c, kw_pcre.c, kw_isdataat.c, kw_dataset.c */
    {"content", {NULL, NULL, NULL}, V | KW_QUOTES | KW_NEGATE, -1, kw_content_setup,
     kw_content_print, content_free},
    MOD("nocase", nocase, NV),
    MOD("depth", depth, V),
    MOD("offset", offset, V),
    MOD("distance", distance, V),
    MOD("within", within, V),
    MOD("fast_pattern", fast_pattern, 0),
    MOD("startswith", startswith, NV),
    MOD("endswith", endswith, NV),
    {"pcre", {NULL, NULL, NULL}, V | KW_QUOTES | KW_NEGATE, -1, kw_pcre_setup, kw_pcre_print,
     kw_pcre_free},
    ROW("isdataat", NULL, V | KW_NEGATE, -1, isdataat),
    {"dataset", {NULL, NULL, NULL}, V, -1, kw_dataset_setup, kw_dataset_print, kw_dataset_free},

    /* thresholds: kw_threshold.c (stored on the rule, printed with it) */
    {"threshold", {NULL, NULL, NULL}, V, -1, kw_threshold_setup, NULL, NULL},
    {"detection_filter", {NULL, NULL, NULL}, V, -1, kw_detection_filter_setup, NULL, NULL},

    /* what nDPI concluded: kw_applayer.c, kw_ndpi.c */
    ROW("app-layer-protocol", NULL, V | KW_NEGATE, -1, app_layer_protocol),
    {"ndpi-protocol", {NULL, NULL, NULL}, V | KW_NEGATE, -1, kw_ndpi_protocol_setup,
     kw_ndpi_protocol_print, kw_ndpi_protocol_free},
    {"ndpi-risk", {NULL, NULL, NULL}, V | KW_NEGATE, -1, kw_ndpi_risk_setup, kw_ndpi_risk_print,
     kw_ndpi_risk_free},

    /* sticky buffers and legacy buffer modifiers: kw_sticky.c */
    STICKY("pkt_data", NULL, BUF_PAYLOAD),
    STICKY("dns.query", "dns_query", BUF_DNS_QUERY),
    STICKY("tls.sni", "tls_sni", BUF_TLS_SNI),
    STICKY("http.host", NULL, BUF_HTTP_HOST),
    STICKY("http.uri", NULL, BUF_HTTP_URI),
    STICKY("http.method", NULL, BUF_HTTP_METHOD),
    STICKY("http.user_agent", NULL, BUF_HTTP_UA),
    STICKY("ja3.hash", "ja3_hash", BUF_JA3),
    STICKY("ja3s.hash", "ja3s_hash", BUF_JA3S),
    STICKY("ip.src", NULL, BUF_IP_SRC),
    STICKY("ip.dst", NULL, BUF_IP_DST),
    LEGACY("http_host", BUF_HTTP_HOST),
    LEGACY("http_uri", BUF_HTTP_URI),
    LEGACY("http_method", BUF_HTTP_METHOD),
    LEGACY("http_user_agent", BUF_HTTP_UA),

    /* Suricata keywords ictwatch does not implement */
    UNSUP("byte_test"), UNSUP("byte_jump"), UNSUP("byte_extract"), UNSUP("byte_math"),
    UNSUP("bsize"), UNSUP("urilen"), UNSUP("uricontent"), UNSUP("file_data"), UNSUP("file.data"),
    UNSUP("http.header"), UNSUP("http_header"), UNSUP("http.cookie"), UNSUP("http_cookie"),
    UNSUP("http.request_body"), UNSUP("http_client_body"), UNSUP("http.response_body"),
    UNSUP("http_server_body"), UNSUP("http.stat_code"), UNSUP("http_stat_code"),
    UNSUP("http.stat_msg"), UNSUP("http_stat_msg"), UNSUP("http.content_type"),
    UNSUP("http.content_len"), UNSUP("http.request_line"), UNSUP("http.response_line"),
    UNSUP("http.start"), UNSUP("http.protocol"), UNSUP("http.referer"), UNSUP("http.accept"),
    UNSUP("http.connection"), UNSUP("http.server"), UNSUP("http.location"), UNSUP("http_raw_uri"),
    UNSUP("http.uri.raw"), UNSUP("http_raw_host"), UNSUP("http.host.raw"), UNSUP("http_raw_header"),
    UNSUP("http.header.raw"), UNSUP("http.header_names"), UNSUP("tls.cert_subject"),
    UNSUP("tls_cert_subject"), UNSUP("tls.cert_issuer"), UNSUP("tls_cert_issuer"),
    UNSUP("tls.cert_serial"), UNSUP("tls.cert_fingerprint"), UNSUP("tls.version"),
    UNSUP("tls_version"), UNSUP("ssl_version"), UNSUP("ssl_state"), UNSUP("tls.certs"),
    UNSUP("tls.cert_notbefore"), UNSUP("tls.cert_notafter"), UNSUP("tls_cert_expired"),
    UNSUP("ja3.string"), UNSUP("ja3s.string"), UNSUP("ja4.hash"), UNSUP("dns.opcode"),
    UNSUP("dns.answer.name"), UNSUP("dns.queries.rrname"), UNSUP("dns.rrtype"),
    UNSUP("ssh.proto"), UNSUP("ssh.software"), UNSUP("ssh_proto"), UNSUP("ssh_software"),
    UNSUP("ssh.hassh"), UNSUP("ssh.hassh.server"), UNSUP("flowint"), UNSUP("xbits"),
    UNSUP("hostbits"), UNSUP("tag"), UNSUP("replace"), UNSUP("target"), UNSUP("requires"),
    UNSUP("stream_size"), UNSUP("base64_decode"), UNSUP("base64_data"), UNSUP("rpc"),
    UNSUP("ack"), UNSUP("seq"), UNSUP("window"), UNSUP("id"), UNSUP("fragbits"),
    UNSUP("fragoffset"), UNSUP("tos"), UNSUP("ipopts"), UNSUP("sameip"), UNSUP("icmp_id"),
    UNSUP("icmp_seq"), UNSUP("asn1"), UNSUP("lua"), UNSUP("luajit"), UNSUP("filemagic"),
    UNSUP("filename"), UNSUP("fileext"), UNSUP("filestore"), UNSUP("filesize"),
    UNSUP("filemd5"), UNSUP("filesha1"), UNSUP("filesha256"), UNSUP("app-layer-event"),
    UNSUP("decode-event"), UNSUP("stream-event"), UNSUP("engine-event"), UNSUP("to_lowercase"),
    UNSUP("to_uppercase"), UNSUP("to_md5"), UNSUP("to_sha1"), UNSUP("to_sha256"),
    UNSUP("dotprefix"), UNSUP("pcrexform"), UNSUP("strip_whitespace"),
    UNSUP("compress_whitespace"), UNSUP("url_decode"), UNSUP("xor"), UNSUP("prefilter"),
    UNSUP("datarep"), UNSUP("tcp.mss"), UNSUP("tcp.hdr"), UNSUP("udp.hdr"), UNSUP("ipv4.hdr"),
    UNSUP("ipv6.hdr"), UNSUP("icmpv4.hdr"), UNSUP("icmpv6.hdr"), UNSUP("tcp.window"),
    UNSUP("entropy"), UNSUP("bypass"), UNSUP("config"), UNSUP("frame"), UNSUP("rawbytes"),
    UNSUP("ftpbounce"), UNSUP("ftpdata_command"), UNSUP("snmp.community"), UNSUP("sip.method"),
    UNSUP("modbus"), UNSUP("dnp3_func"), UNSUP("dnp3_ind"), UNSUP("dnp3_obj"), UNSUP("dnp3_data"),
    UNSUP("enip_command"), UNSUP("cip_service"), UNSUP("krb5_msg_type"), UNSUP("smb.share"),
    UNSUP("smb.named_pipe"), UNSUP("dce_iface"), UNSUP("dce_opnum"), UNSUP("dce_stub_data"),
};

static const size_t kw_count = sizeof(kw_table) / sizeof(kw_table[0]);

const struct kw_def *kw_lookup(const char *name)
{
    for (size_t i = 0; i < kw_count; i++) {
        const struct kw_def *k = &kw_table[i];
        if (strcmp(k->name, name) == 0)
            return k;
        for (int a = 0; a < 3 && k->alias[a]; a++)
            if (strcmp(k->alias[a], name) == 0)
                return k;
    }
    return NULL;
}

const struct kw_def *kw_by_name(const char *name)
{
    return kw_lookup(name);
}
