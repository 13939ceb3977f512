/* tlp.c - TLP 2.0 levels: parsing, wire names, and the release decision (rules in tlp.h).
 *
 * One table holds every name of a level so that the STIX id, the MISP tag
 * and the printed name can never disagree. The release decision fails
 * closed: a value outside the enum, or no recipient, is refused.
 */
#include "tlp.h"

#include <stdio.h>
#include <strings.h>

static const struct {
    const char *value;          /* "amber+strict": parse key, STIX tlp_2_0 */
    const char *name;           /* "TLP:AMBER+STRICT" */
    const char *misp_tag;
    const char *stix_id;
} levels[TLP_LEVELS] = {
    [TLP_CLEAR] = {"clear", "TLP:CLEAR", "tlp:clear",
                   "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"},
    [TLP_GREEN] = {"green", "TLP:GREEN", "tlp:green",
                   "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
    [TLP_AMBER] = {"amber", "TLP:AMBER", "tlp:amber",
                   "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
    [TLP_AMBER_STRICT] = {"amber+strict", "TLP:AMBER+STRICT", "tlp:amber+strict",
                          "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"},
    [TLP_RED] = {"red", "TLP:RED", "tlp:red",
                 "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"},
};

static bool level_ok(enum tlp_level l)
{
    return (unsigned)l < TLP_LEVELS;
}

int tlp_parse(const char *s, enum tlp_level *out, char *msg, size_t msglen)
{
    const char *word = strncasecmp(s, "tlp:", 4) == 0 ? s + 4 : s;
    for (unsigned i = 0; i < TLP_LEVELS; i++) {
        if (strcasecmp(word, levels[i].value) == 0) {
            *out = (enum tlp_level)i;
            return 0;
        }
    }
    if (strcasecmp(word, "white") == 0) {
        *out = TLP_CLEAR;
        if (msglen > 0)
            snprintf(msg, msglen, "TLP level '%s' is TLP 1.0 WHITE; read as TLP:CLEAR "
                     "(TLP 2.0), write CLEAR instead", s);
        return 1;
    }
    if (msglen > 0)
        snprintf(msg, msglen, "unknown TLP level '%s'; expected CLEAR, GREEN, AMBER, "
                 "AMBER+STRICT or RED (optionally prefixed with TLP:)", s);
    return -1;
}

const char *tlp_name(enum tlp_level l)
{
    return level_ok(l) ? levels[l].name : NULL;
}

const char *tlp_value(enum tlp_level l)
{
    return level_ok(l) ? levels[l].value : NULL;
}

const char *tlp_misp_tag(enum tlp_level l)
{
    return level_ok(l) ? levels[l].misp_tag : NULL;
}

const char *tlp_stix_marking_id(enum tlp_level l)
{
    return level_ok(l) ? levels[l].stix_id : NULL;
}

enum tlp_level tlp_max(enum tlp_level a, enum tlp_level b)
{
    return a > b ? a : b;
}

static bool named(const char *recipient, const char *const *allowed, size_t n_allowed)
{
    for (size_t i = 0; i < n_allowed; i++)
        if (allowed[i] && strcasecmp(allowed[i], recipient) == 0)
            return true;
    return false;
}

static bool decide(bool ok, const char *reason, const char **why)
{
    if (why)
        *why = reason;
    return ok;
}

bool tlp_may_release(enum tlp_level level, const char *recipient, const char *const *allowed,
                     size_t n_allowed, const char **why)
{
    if (!level_ok(level))
        return decide(false, "not a TLP level; nothing is released", why);
    if (level == TLP_RED)
        return decide(false, "TLP:RED never leaves the national collector", why);
    if (!recipient || !*recipient)
        return decide(false, "no recipient named; nothing is released", why);
    if (level == TLP_AMBER || level == TLP_AMBER_STRICT) {
        if (named(recipient, allowed, n_allowed))
            return decide(true, "recipient is named for TLP:AMBER in the configuration", why);
        return decide(false, "TLP:AMBER and TLP:AMBER+STRICT go only to recipients named in "
                      "the configuration", why);
    }
    return decide(true, "TLP:GREEN and TLP:CLEAR go to any configured destination", why);
}
