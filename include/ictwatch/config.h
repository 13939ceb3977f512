/* config.h - the "key = value" configuration file both programs read.
 *
 *   # a comment
 *   sensor-id = kz-ala-01
 *   rule-files = rules/ics.rules        <- a key given twice keeps both values
 *   HOME_NET = [10.0.0.0/8,192.168.0.0/16]   <- UPPERCASE keys are rule variables
 *
 * Values are trimmed; a value wrapped in double quotes loses them. Entries
 * remember their file and line so that a module rejecting a value can say
 * exactly where it came from. Command-line settings (--set KEY=VALUE) are
 * added after the file and win for single-valued keys.
 *
 * Each program checks the keys against its own table of known keys so that
 * a typo is an error with file:line, not a silently ignored setting.
 */
#ifndef ICTWATCH_CONFIG_H
#define ICTWATCH_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct config_entry {
    char *key;
    char *value;
    char *origin;   /* file name, or "command line" */
    int line;       /* 0 for the command line */
};

struct config {
    struct config_entry *e;
    size_t n, cap;
};

void config_init(struct config *c);
void config_free(struct config *c);

/* Reads a file; on a syntax error writes "FILE:LINE: what" into err and
 * returns -1 (entries read before the error are kept). */
int config_load_file(struct config *c, const char *path, char *err, size_t errlen);
/* Parses "KEY=VALUE" as given to --set; -1 with err on a missing '='. */
int config_set_arg(struct config *c, const char *arg, char *err, size_t errlen);
int config_add(struct config *c, const char *key, const char *value, const char *origin, int line);

/* The last value of key, or NULL. */
const struct config_entry *config_find(const struct config *c, const char *key);
const char *config_get(const struct config *c, const char *key);
/* Iterates all values of key: start with *pos = 0; NULL at the end. */
const struct config_entry *config_next(const struct config *c, const char *key, size_t *pos);

/* Typed getters: return 0 and set *out (left unchanged when the key is absent),
 * or -1 after writing "FILE:LINE: KEY: what is wrong" into err. */
int config_get_uint(const struct config *c, const char *key, uint64_t max, uint64_t *out,
                    char *err, size_t errlen);
int config_get_bool(const struct config *c, const char *key, bool *out, char *err, size_t errlen);
int config_get_duration(const struct config *c, const char *key, uint64_t *seconds,
                        char *err, size_t errlen);
int config_get_size(const struct config *c, const char *key, uint64_t *bytes,
                    char *err, size_t errlen);

/* True for rule-variable names: [A-Z][A-Z0-9_]*. */
bool config_is_variable(const char *key);
/* Checks every non-variable key with is_known(). Writes the first unknown one
 * as "FILE:LINE: unknown setting 'k'" and returns -1. */
int config_check_keys(const struct config *c, bool (*is_known)(const char *key), char *err,
                      size_t errlen);

#endif
