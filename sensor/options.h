/* options.h - the sensor's settings: one table for the config file and the command line.
 *
 * Every setting has a config-file key; most also have a command-line option.
 * main.c turns each option given on the command line into a config entry
 * ("command line" as origin), so modules read one struct config and report
 * bad values with where they came from. Adding a setting = adding one row to
 * the table in options.c.
 */
#ifndef ICTWATCH_OPTIONS_H
#define ICTWATCH_OPTIONS_H

#include <stdbool.h>

struct sensor_option {
    const char *key;        /* config key, e.g. "redis.url" */
    const char *long_opt;   /* command-line long option without "--", or NULL */
    char short_opt;         /* or 0 */
    bool has_arg;           /* false: a flag, stored as "yes" */
    bool repeatable;        /* may be given several times (all values kept) */
    const char *arg_name;   /* for --help */
    const char *help;
};

extern const struct sensor_option sensor_options[];
extern const unsigned sensor_options_count;

/* True when key is a setting of the table (for config_check_keys). */
bool sensor_option_known(const char *key);
const struct sensor_option *sensor_option_find(const char *key);

#endif
