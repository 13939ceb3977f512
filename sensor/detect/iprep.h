/* iprep.h - Suricata IP reputation: categories and per-address scores.
 *
 * Categories file:  <id>,<shortname>,<description>      (id 0-60)
 * Reputation file:  <ip or CIDR>,<category id>,<score>   (score 0-127)
 *
 * Single addresses go into a hash table, networks into a radix tree; a
 * lookup takes the address's own entry, else the longest network that
 * contains it (as Suricata's host table and CIDR tree). Read-only after
 * loading.
 */
#ifndef ICTWATCH_DETECT_IPREP_H
#define ICTWATCH_DETECT_IPREP_H

#include "detect_int.h"
#include "radix.h"

#define IPREP_MAX_CAT 60

struct iprep_val {
    uint8_t cat, score;
    uint32_t next;             /* index + 1 of the next value of the same address, 0 = end */
};

struct iprep {
    char *cat_name[IPREP_MAX_CAT + 1];
    struct hashset hosts;      /* 17-byte keys: family + 16 address bytes */
    uint32_t *host_head;       /* by host ordinal: first value index + 1 */
    uint32_t host_head_cap;
    struct radix nets;         /* value: first value index + 1 */
    struct iprep_val *vals;
    uint32_t nvals, vals_cap;
    uint64_t entries;
};

void iprep_init(struct iprep *r);
void iprep_free(struct iprep *r);
int iprep_load_categories(struct iprep *r, const char *path, struct load_diag *d);
/* Adds a reputation file; bad lines are reported and skipped. -1 if unreadable. */
int iprep_load_file(struct iprep *r, const char *path, struct load_diag *d);
int iprep_category(const struct iprep *r, const char *shortname);
/* Score of a for category cat, or -1 if it has none. */
int iprep_score(const struct iprep *r, const struct ictw_addr *a, int cat);
/* The same in two steps, so that one lookup serves every category: the
 * entry chain of a (0 = not listed), then the score of a category in it. */
uint32_t iprep_head(const struct iprep *r, const struct ictw_addr *a);
int iprep_score_in(const struct iprep *r, uint32_t head, int cat);
bool iprep_loaded(const struct iprep *r);

#endif
