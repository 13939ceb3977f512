/* gram.h - a hashed 4-gram prefilter for large, case-insensitive pattern sets.
 *
 * Same contract as ac.h (distinct patterns found in a buffer, each reported
 * once), for patterns of at least 4 bytes; see gram.c for why it exists.
 */
#ifndef ICTWATCH_DETECT_GRAM_H
#define ICTWATCH_DETECT_GRAM_H

#include <stddef.h>
#include <stdint.h>

#include "ac.h"

#define GRAM_MIN_LEN 4

struct gram;

/* Every input must be at least GRAM_MIN_LEN bytes; NULL otherwise or on OOM. */
struct gram *gram_build(const struct ac_input *in, size_t n);
void gram_free(struct gram *g);
uint32_t gram_pattern_count(const struct gram *g);
size_t gram_memory(const struct gram *g);
uint32_t gram_scan(const struct gram *g, const uint8_t *buf, size_t len, uint8_t *seen, uint32_t *out);
const uint32_t *gram_pattern_ids(const struct gram *g, uint32_t pat, uint32_t *n);

#endif
