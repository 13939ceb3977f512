/* addr.h - address and port sets of rule headers, and the variables they use.
 *
 * A rule header address ("[10.0.0.0/8,!10.1.0.0/16]", "$HOME_NET", "any")
 * becomes a set of disjoint, sorted address ranges per family; a port
 * expression becomes a set of sorted port ranges. Set algebra on ranges makes
 * Suricata's list semantics exact: a list is the union of its positive
 * elements (or everything, when it has none) minus the union of its negated
 * elements, nested lists included. Matching is a binary search.
 *
 * Variables come from the configuration (UPPERCASE keys, `--set NAME=VALUE`)
 * with Suricata's defaults for the names it ships (HOME_NET, EXTERNAL_NET,
 * HTTP_SERVERS, HTTP_PORTS, ...).
 */
#ifndef ICTWATCH_DETECT_ADDR_H
#define ICTWATCH_DETECT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ictwatch/common.h"
#include "ictwatch/config.h"

struct v4range {
    uint32_t lo, hi;              /* host order, inclusive */
};
struct v6key {
    uint64_t hi, lo;              /* the 128 bits as two host-order words */
};
struct v6range {
    struct v6key lo, hi;
};

struct addr_set {
    struct v4range *v4;
    struct v6range *v6;
    uint32_t n4, n6;
    bool any;                     /* covers every address of both families */
};

struct port_range {
    uint16_t lo, hi;
};
struct port_set {
    struct port_range *r;
    uint32_t n;
    bool any;
};

/* Variables: looked up in the config first, then in Suricata's defaults. */
struct detect_vars {
    const struct config *cfg;
};
const char *vars_lookup(const struct detect_vars *v, const char *name);

int addr_set_parse(const char *text, const struct detect_vars *vars, struct addr_set *out,
                   char *err, size_t errlen);
bool addr_set_match(const struct addr_set *s, const struct ictw_addr *a);
void addr_set_free(struct addr_set *s);

int port_set_parse(const char *text, const struct detect_vars *vars, struct port_set *out,
                   char *err, size_t errlen);
bool port_set_match(const struct port_set *s, uint16_t port);
void port_set_free(struct port_set *s);

struct v6key v6key_from(const uint8_t b[16]);

#endif
