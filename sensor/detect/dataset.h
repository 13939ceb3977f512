/* dataset.h - Suricata datasets: named, read-only sets of values loaded from files.
 *
 * A set is declared by the first rule that names it (type and load file)
 * and shared by every rule that uses the same name. Values are stored in a
 * hashset sized from the file's line count, so lookups are one hash probe.
 */
#ifndef ICTWATCH_DETECT_DATASET_H
#define ICTWATCH_DETECT_DATASET_H

#include "detect_int.h"

enum ds_type { DS_STRING = 0, DS_MD5, DS_SHA256, DS_IPV4, DS_IP, DS_TYPE_COUNT };

struct dataset {
    char *name;
    int type;
    char *load_given;          /* the load argument as written */
    char *path;                /* resolved path */
    struct hashset set;
    uint32_t bad_lines;
};

struct dataset_registry {
    struct dataset **v;
    uint32_t n, cap;
};

const char *dataset_type_name(int type);
int dataset_type_by_name(const char *s);
struct dataset *dataset_find(const struct dataset_registry *r, const char *name);
/* Loads a new set from path; NULL with err set when the file cannot be read. */
struct dataset *dataset_load(struct dataset_registry *r, const char *name, int type,
                             const char *load_given, const char *path, struct load_diag *d,
                             char *err, size_t errlen);
void dataset_registry_free(struct dataset_registry *r);
uint64_t dataset_registry_values(const struct dataset_registry *r);

#endif
