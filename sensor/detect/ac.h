/* ac.h - case-insensitive Aho-Corasick automaton, the multi-pattern prefilter.
 *
 * Built once at load from the fast patterns of a rule group; scanning a
 * buffer reports each distinct pattern that occurs in it (once, however
 * often it occurs). A hit only makes its rules candidates: the full rule
 * (case, positions, other keywords) is checked afterwards, so the automaton
 * may fold case and truncate long patterns without losing matches.
 */
#ifndef ICTWATCH_DETECT_AC_H
#define ICTWATCH_DETECT_AC_H

#include <stddef.h>
#include <stdint.h>

/* Longest pattern prefix put into the automaton. */
#define AC_MAX_PATTERN 32

struct ac_input {
    const uint8_t *p;
    uint32_t len;
    uint32_t id;               /* caller's id (a rule index); several ids may share a pattern */
};

struct ac;

/* Returns NULL on out of memory, when n == 0 or when a pattern is empty. */
struct ac *ac_build(const struct ac_input *in, size_t n);
void ac_free(struct ac *a);

uint32_t ac_pattern_count(const struct ac *a);
size_t ac_memory(const struct ac *a);

/* Scans buf. `seen` is caller scratch of ac_pattern_count() bytes, all zero;
 * it is zero again on return. Writes the indices of the distinct patterns
 * found to out (room for ac_pattern_count() entries) and returns how many. */
uint32_t ac_scan(const struct ac *a, const uint8_t *buf, size_t len, uint8_t *seen, uint32_t *out);

/* The caller ids of pattern `pat`. */
const uint32_t *ac_pattern_ids(const struct ac *a, uint32_t pat, uint32_t *n);

#endif
