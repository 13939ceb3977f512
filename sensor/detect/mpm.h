/* mpm.h - multi-pattern matching: the prefilter a rule group scans with.
 *
 * One interface over two algorithms, chosen at build time by the size of
 * the pattern set: an Aho-Corasick DFA (ac.c) for small sets, whose table
 * fits in cache, and a hashed 4-gram filter (gram.c) for large ones, with
 * the few patterns shorter than 4 bytes in a small DFA beside it. Both fold
 * case and report each distinct pattern once per scan.
 */
#ifndef ICTWATCH_DETECT_MPM_H
#define ICTWATCH_DETECT_MPM_H

#include <stddef.h>
#include <stdint.h>

#include "ac.h"

/* Pattern sets at least this large use the 4-gram filter. */
#define MPM_GRAM_MIN_PATTERNS 256

struct mpm;

struct mpm *mpm_build(const struct ac_input *in, size_t n);
void mpm_free(struct mpm *m);
uint32_t mpm_pattern_count(const struct mpm *m);
size_t mpm_memory(const struct mpm *m);
/* As ac_scan: seen is zeroed scratch of mpm_pattern_count() bytes. */
uint32_t mpm_scan(const struct mpm *m, const uint8_t *buf, size_t len, uint8_t *seen, uint32_t *out);
const uint32_t *mpm_pattern_ids(const struct mpm *m, uint32_t pat, uint32_t *n);
const char *mpm_algorithm(const struct mpm *m);

/* Caller ids per pattern, shared by both algorithms. */
struct mpm_ids {
    uint32_t *start;           /* npat + 1 */
    uint32_t *ids;
};
int mpm_ids_build(struct mpm_ids *x, const struct ac_input *in, size_t n, const uint32_t *pat_of_input,
                  uint32_t npat);
const uint32_t *mpm_ids_of(const struct mpm_ids *x, uint32_t pat, uint32_t *n);
void mpm_ids_free(struct mpm_ids *x);

#endif
