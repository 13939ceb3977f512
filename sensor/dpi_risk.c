/* dpi_risk.c - our table of nDPI 4.2's flow risks: id, code and text.
 *
 * nDPI 4.2 only offers human strings for its risks (ndpi_risk2str), and those
 * changed between versions. Rules and EVE consumers need a stable name, so we
 * keep the enum names of nDPI 4.2 (ndpi_risk_enum, ids 1..41) as codes, the
 * same spelling Suricata 8's ndpi-risk keyword uses, plus a short text.
 */
#include "dpi.h"

#include <string.h>
#include <strings.h>
#include <stdio.h>

struct risk_name {
    const char *code;
    const char *text;
};

/* Index = nDPI 4.2 risk id. */
static const struct risk_name risks[] = {
    [0] = {"NDPI_NO_RISK", "No risk"},
    [1] = {"NDPI_URL_POSSIBLE_XSS", "XSS attack"},
    [2] = {"NDPI_URL_POSSIBLE_SQL_INJECTION", "SQL injection"},
    [3] = {"NDPI_URL_POSSIBLE_RCE_INJECTION", "RCE injection"},
    [4] = {"NDPI_BINARY_APPLICATION_TRANSFER", "Binary application transfer"},
    [5] = {"NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT", "Known protocol on non standard port"},
    [6] = {"NDPI_TLS_SELFSIGNED_CERTIFICATE", "Self-signed certificate"},
    [7] = {"NDPI_TLS_OBSOLETE_VERSION", "Obsolete TLS version (older than 1.2)"},
    [8] = {"NDPI_TLS_WEAK_CIPHER", "Weak TLS cipher"},
    [9] = {"NDPI_TLS_CERTIFICATE_EXPIRED", "TLS certificate expired"},
    [10] = {"NDPI_TLS_CERTIFICATE_MISMATCH", "TLS certificate mismatch"},
    [11] = {"NDPI_HTTP_SUSPICIOUS_USER_AGENT", "HTTP suspicious user-agent"},
    [12] = {"NDPI_HTTP_NUMERIC_IP_HOST", "HTTP numeric IP host contacted"},
    [13] = {"NDPI_HTTP_SUSPICIOUS_URL", "HTTP suspicious URL"},
    [14] = {"NDPI_HTTP_SUSPICIOUS_HEADER", "HTTP suspicious header"},
    [15] = {"NDPI_TLS_NOT_CARRYING_HTTPS", "TLS (probably) not carrying HTTPS"},
    [16] = {"NDPI_SUSPICIOUS_DGA_DOMAIN", "Suspicious DGA domain name"},
    [17] = {"NDPI_MALFORMED_PACKET", "Malformed packet"},
    [18] = {"NDPI_SSH_OBSOLETE_CLIENT_VERSION_OR_CIPHER", "SSH obsolete client version/cipher"},
    [19] = {"NDPI_SSH_OBSOLETE_SERVER_VERSION_OR_CIPHER", "SSH obsolete server version/cipher"},
    [20] = {"NDPI_SMB_INSECURE_VERSION", "SMB insecure version"},
    [21] = {"NDPI_TLS_SUSPICIOUS_ESNI_USAGE", "TLS suspicious ESNI usage"},
    [22] = {"NDPI_UNSAFE_PROTOCOL", "Unsafe protocol"},
    [23] = {"NDPI_DNS_SUSPICIOUS_TRAFFIC", "Suspicious DNS traffic"},
    [24] = {"NDPI_TLS_MISSING_SNI", "SNI TLS extension was missing"},
    [25] = {"NDPI_HTTP_SUSPICIOUS_CONTENT", "HTTP suspicious content"},
    [26] = {"NDPI_RISKY_ASN", "Risky ASN"},
    [27] = {"NDPI_RISKY_DOMAIN", "Risky domain name"},
    [28] = {"NDPI_MALICIOUS_JA3", "Possibly malicious JA3 fingerprint"},
    [29] = {"NDPI_MALICIOUS_SHA1_CERTIFICATE", "Possibly malicious SSL certificate SHA1 fingerprint"},
    [30] = {"NDPI_DESKTOP_OR_FILE_SHARING_SESSION", "Desktop/file sharing session"},
    [31] = {"NDPI_TLS_UNCOMMON_ALPN", "Uncommon TLS ALPN"},
    [32] = {"NDPI_TLS_CERT_VALIDITY_TOO_LONG", "TLS certificate validity longer than 13 months"},
    [33] = {"NDPI_TLS_SUSPICIOUS_EXTENSION", "TLS suspicious extension"},
    [34] = {"NDPI_TLS_FATAL_ALERT", "TLS fatal alert"},
    [35] = {"NDPI_SUSPICIOUS_ENTROPY", "Suspicious entropy"},
    [36] = {"NDPI_CLEAR_TEXT_CREDENTIALS", "Clear-text credentials"},
    [37] = {"NDPI_DNS_LARGE_PACKET", "DNS packet larger than 512 bytes"},
    [38] = {"NDPI_DNS_FRAGMENTED", "Fragmented DNS message"},
    [39] = {"NDPI_INVALID_CHARACTERS", "Text contains non-printable characters"},
    [40] = {"NDPI_POSSIBLE_EXPLOIT", "Possible exploit detected"},
    [41] = {"NDPI_TLS_CERTIFICATE_ABOUT_TO_EXPIRE", "TLS certificate about to expire"},
};

int dpi_risk_count(void)
{
    return (int)ICTW_ARRAY_LEN(risks);
}

const char *dpi_risk_code(int id)
{
    if (id < 0 || id >= (int)ICTW_ARRAY_LEN(risks))
        return NULL;
    return risks[id].code;
}

const char *dpi_risk_text(int id)
{
    if (id < 0 || id >= (int)ICTW_ARRAY_LEN(risks))
        return NULL;
    return risks[id].text;
}

int dpi_risk_by_code(const char *code)
{
    if (!code)
        return -1;
    const char *bare = strncasecmp(code, "NDPI_", 5) == 0 ? code + 5 : code;
    for (int i = 1; i < (int)ICTW_ARRAY_LEN(risks); i++)
        if (strcasecmp(risks[i].code + 5, bare) == 0)
            return i;
    return -1;
}

const char *dpi_tls_version_name(uint16_t v, char *buf, size_t len)
{
    switch (v) {
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    case 0xfeff: return "DTLS 1.0";
    case 0xfefd: return "DTLS 1.2";
    case 0x0002: return "SSLv2";
    default:
        if ((v >> 8) == 0x7f) {
            snprintf(buf, len, "TLS 1.3 draft %u", v & 0xff);
            return buf;
        }
        snprintf(buf, len, "0x%04x", v);
        return buf;
    }
}

const char *dpi_dns_rrtype_name(uint16_t t)
{
    switch (t) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 12: return "PTR";
    case 13: return "HINFO";
    case 15: return "MX";
    case 16: return "TXT";
    case 17: return "RP";
    case 18: return "AFSDB";
    case 24: return "SIG";
    case 25: return "KEY";
    case 28: return "AAAA";
    case 29: return "LOC";
    case 33: return "SRV";
    case 35: return "NAPTR";
    case 39: return "DNAME";
    case 41: return "OPT";
    case 43: return "DS";
    case 46: return "RRSIG";
    case 47: return "NSEC";
    case 48: return "DNSKEY";
    case 50: return "NSEC3";
    case 52: return "TLSA";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 99: return "SPF";
    case 250: return "TSIG";
    case 251: return "IXFR";
    case 252: return "AXFR";
    case 255: return "ANY";
    case 256: return "URI";
    case 257: return "CAA";
    case 10: return "NULL";
    default: return NULL;
    }
}
