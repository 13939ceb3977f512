/* vars.c - rule variables ($HOME_NET, $HTTP_PORTS, ...).
 *
 * A variable is an UPPERCASE configuration key (from the config file or
 * `--set NAME=VALUE`); the last value given wins. Names that Suricata's
 * default suricata.yaml defines have the same defaults here, so rules written
 * for Suricata load unchanged. Whether a variable is an address or a port
 * group follows from where the rule uses it, not from its name.
 */
#include "addr.h"

#include <string.h>

struct var_default {
    const char *name, *value;
};

/* Suricata's default address-groups and port-groups. */
static const struct var_default var_defaults[] = {
    {"HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"},
    {"EXTERNAL_NET", "!$HOME_NET"},
    {"HTTP_SERVERS", "$HOME_NET"},
    {"SMTP_SERVERS", "$HOME_NET"},
    {"SQL_SERVERS", "$HOME_NET"},
    {"DNS_SERVERS", "$HOME_NET"},
    {"TELNET_SERVERS", "$HOME_NET"},
    {"AIM_SERVERS", "$EXTERNAL_NET"},
    {"DC_SERVERS", "$HOME_NET"},
    {"DNP3_SERVER", "$HOME_NET"},
    {"DNP3_CLIENT", "$HOME_NET"},
    {"MODBUS_CLIENT", "$HOME_NET"},
    {"MODBUS_SERVER", "$HOME_NET"},
    {"ENIP_CLIENT", "$HOME_NET"},
    {"ENIP_SERVER", "$HOME_NET"},
    {"HTTP_PORTS", "80"},
    {"SHELLCODE_PORTS", "!80"},
    {"ORACLE_PORTS", "1521"},
    {"SSH_PORTS", "22"},
    {"DNP3_PORTS", "20000"},
    {"MODBUS_PORTS", "502"},
    {"FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"},
    {"FTP_PORTS", "21"},
    {"GENEVE_PORTS", "6081"},
    {"VXLAN_PORTS", "4789"},
    {"TEREDO_PORTS", "3544"},
};

const char *vars_lookup(const struct detect_vars *v, const char *name)
{
    if (v && v->cfg) {
        const char *val = config_get(v->cfg, name);
        if (val)
            return val;
    }
    for (size_t i = 0; i < sizeof(var_defaults) / sizeof(var_defaults[0]); i++)
        if (strcmp(var_defaults[i].name, name) == 0)
            return var_defaults[i].value;
    return NULL;
}
