/* ac.c - Aho-Corasick prefilter (see ac.h).
 *
 * Design: a full DFA over a compressed alphabet. Every byte value that occurs
 * in a (lowercased) pattern gets its own class, upper and lower case letters
 * share one, and every other byte falls into class 0; the transition table
 * then has `nclasses` columns instead of 256, which keeps ten thousand
 * patterns in a few tens of megabytes while the scan loop stays one table
 * load per byte with no failure-link chasing.
 *
 * Table entries hold the next state already multiplied by `nclasses` (so the
 * loop adds the class and loads), with the top bit set when the target state
 * has an output. Outputs are one pattern per state plus a link to the next
 * state on the suffix chain that has one (the dictionary-suffix link), so a
 * pattern that is a suffix of many others is stored once.
 *
 * Identical patterns (after folding and truncation) are merged; each keeps
 * the list of caller ids (rules) that share it.
 *
 * A scan is a chain of dependent loads (each next state needs the previous
 * one), so it runs at the latency of a load per byte. Two ways around it:
 *  - few distinct first bytes (up to AC_SKIP_MAX_START byte values, case
 *    variants counted): at the root, bytes that start no pattern are skipped
 *    with independent lookups, four at a time, and the automaton only runs
 *    from a possible start until it falls back to the root (on payloads of
 *    the benchmark capture 0.4-0.8 ns/byte instead of 1.9);
 *  - otherwise longer buffers are cut in two halves walked side by side,
 *    the second starting from the root (maxlen - 1) bytes before the middle
 *    so that no match across the cut is lost: two independent chains,
 *    about 1.8 times the bytes per cycle. A pattern found by both is
 *    reported once (the seen map).
 */
#include "ac.h"
#include "mpm.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define OUT_FLAG 0x80000000u

struct ac {
    uint32_t *table;          /* nstates * ncls entries */
    uint32_t nstates, ncls;
    uint8_t cls[256];
    int32_t *state_pat;       /* pattern ending at a state, -1 */
    uint32_t *dict;           /* next state with output on the suffix chain, 0 = none */
    uint32_t npat;
    uint32_t maxlen;          /* longest pattern in the automaton */
    uint32_t nstart;          /* byte values that leave the root */
    uint8_t start[256];       /* 1 for those */
    struct mpm_ids ids;
};

static uint8_t fold(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

uint32_t ac_pattern_count(const struct ac *a)
{
    return a ? a->npat : 0;
}

size_t ac_memory(const struct ac *a)
{
    if (!a)
        return 0;
    return (size_t)a->nstates * a->ncls * 4 + (size_t)a->nstates * 8 + (size_t)a->npat * 8;
}

void ac_free(struct ac *a)
{
    if (!a)
        return;
    free(a->table);
    free(a->state_pat);
    free(a->dict);
    mpm_ids_free(&a->ids);
    free(a);
}

static void build_alphabet(struct ac *a, const struct ac_input *in, size_t n)
{
    bool used[256] = {false};
    for (size_t i = 0; i < n; i++) {
        uint32_t len = in[i].len < AC_MAX_PATTERN ? in[i].len : AC_MAX_PATTERN;
        for (uint32_t j = 0; j < len; j++)
            used[fold(in[i].p[j])] = true;
    }
    uint32_t next = 1;
    memset(a->cls, 0, sizeof(a->cls));
    for (int c = 0; c < 256; c++)
        if (used[c])
            a->cls[c] = (uint8_t)next++;
    for (int c = 'A'; c <= 'Z'; c++)
        a->cls[c] = a->cls[c + 32];
    a->ncls = next;
}

/* Trie of the patterns; returns the number of states, assigns pattern ids
 * per state (merging identical patterns). pat_of_input gets each input's pattern. */
static int build_trie(struct ac *a, const struct ac_input *in, size_t n, uint32_t *pat_of_input,
                      uint32_t max_states)
{
    uint32_t ncls = a->ncls;
    a->nstates = 1;
    a->npat = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t len = in[i].len < AC_MAX_PATTERN ? in[i].len : AC_MAX_PATTERN;
        if (len > a->maxlen)
            a->maxlen = len;
        uint32_t s = 0;
        for (uint32_t j = 0; j < len; j++) {
            uint32_t c = a->cls[in[i].p[j]];
            uint32_t *t = &a->table[(size_t)s * ncls + c];
            if (*t == 0) {
                if (a->nstates >= max_states)
                    return -1;
                a->state_pat[a->nstates] = -1;
                *t = a->nstates++;
            }
            s = *t;
        }
        if (a->state_pat[s] < 0)
            a->state_pat[s] = (int32_t)a->npat++;
        pat_of_input[i] = (uint32_t)a->state_pat[s];
    }
    return 0;
}

/* Turns the trie into a DFA (BFS, failure rows copied from shallower states). */
static int build_dfa(struct ac *a)
{
    uint32_t ncls = a->ncls;
    uint32_t *queue = malloc((size_t)a->nstates * sizeof(*queue));
    uint32_t *fail = calloc(a->nstates, sizeof(*fail));
    if (!queue || !fail) {
        free(queue);
        free(fail);
        return -1;
    }
    uint32_t qh = 0, qt = 0;
    a->dict[0] = 0;
    for (uint32_t c = 0; c < ncls; c++) {
        uint32_t t = a->table[c];
        if (t) {
            fail[t] = 0;
            a->dict[t] = 0;
            queue[qt++] = t;
        }
    }
    while (qh < qt) {
        uint32_t s = queue[qh++];
        uint32_t *row = &a->table[(size_t)s * ncls];
        const uint32_t *frow = &a->table[(size_t)fail[s] * ncls];
        for (uint32_t c = 0; c < ncls; c++) {
            uint32_t t = row[c];
            if (t) {
                uint32_t f = frow[c];
                fail[t] = f;
                a->dict[t] = a->state_pat[f] >= 0 ? f : a->dict[f];
                queue[qt++] = t;
            } else {
                row[c] = frow[c];
            }
        }
    }
    free(queue);
    free(fail);
    /* Premultiply and flag targets with output. */
    size_t cells = (size_t)a->nstates * ncls;
    for (size_t i = 0; i < cells; i++) {
        uint32_t t = a->table[i];
        uint32_t v = t * ncls;
        if (a->state_pat[t] >= 0 || a->dict[t])
            v |= OUT_FLAG;
        a->table[i] = v;
    }
    return 0;
}

struct ac *ac_build(const struct ac_input *in, size_t n)
{
    if (n == 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (in[i].len == 0)
            return NULL;   /* an empty pattern would match everywhere: not a prefilter */
    struct ac *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    build_alphabet(a, in, n);
    uint64_t max_states = 1;
    for (size_t i = 0; i < n; i++)
        max_states += in[i].len < AC_MAX_PATTERN ? in[i].len : AC_MAX_PATTERN;
    if (max_states * a->ncls >= (OUT_FLAG / 2))
        goto fail;
    uint32_t *pat_of_input = malloc(n * sizeof(*pat_of_input));
    a->table = calloc((size_t)max_states * a->ncls, sizeof(*a->table));
    a->state_pat = malloc((size_t)max_states * sizeof(*a->state_pat));
    if (!pat_of_input || !a->table || !a->state_pat) {
        free(pat_of_input);
        goto fail;
    }
    a->state_pat[0] = -1;
    if (build_trie(a, in, n, pat_of_input, (uint32_t)max_states) < 0) {
        free(pat_of_input);
        goto fail;
    }
    /* Shrink to the states actually used. */
    uint32_t *t = realloc(a->table, (size_t)a->nstates * a->ncls * sizeof(*t));
    if (t)
        a->table = t;
    int32_t *sp = realloc(a->state_pat, (size_t)a->nstates * sizeof(*sp));
    if (sp)
        a->state_pat = sp;
    a->dict = calloc(a->nstates, sizeof(*a->dict));
    if (!a->dict || build_dfa(a) < 0 || mpm_ids_build(&a->ids, in, n, pat_of_input, a->npat) < 0) {
        free(pat_of_input);
        goto fail;
    }
    free(pat_of_input);
    for (int c = 0; c < 256; c++) {
        a->start[c] = a->table[a->cls[c]] != 0;
        a->nstart += a->start[c];
    }
    return a;
fail:
    ac_free(a);
    return NULL;
}

static uint32_t report_state(const struct ac *a, uint32_t state, uint8_t *seen, uint32_t *out,
                             uint32_t nout)
{
    uint32_t s = state;
    if (a->state_pat[s] < 0)
        s = a->dict[s];
    while (s) {
        uint32_t p = (uint32_t)a->state_pat[s];
        if (!seen[p]) {
            seen[p] = 1;
            out[nout++] = p;
        }
        s = a->dict[s];
    }
    return nout;
}

/* Buffers shorter than this are walked as one chain. */
#define AC_SPLIT_MIN 96
/* Above this many start bytes skipping costs more than it saves. */
#define AC_SKIP_MAX_START 32

static uint32_t scan_skip(const struct ac *a, const uint8_t *buf, size_t len, uint8_t *seen,
                          uint32_t *out)
{
    const uint32_t *table = a->table;
    const uint8_t *cls = a->cls, *start = a->start;
    uint32_t s = 0, nout = 0;
    size_t i = 0;
    while (i < len) {
        if (s == 0) {
            while (i + 4 <= len &&
                   !(start[buf[i]] | start[buf[i + 1]] | start[buf[i + 2]] | start[buf[i + 3]]))
                i += 4;
            while (i < len && !start[buf[i]])
                i++;
            if (i == len)
                break;
        }
        uint32_t e = table[s + cls[buf[i++]]];
        s = e & ~OUT_FLAG;
        if (e & OUT_FLAG)
            nout = report_state(a, s / a->ncls, seen, out, nout);
    }
    return nout;
}

/* One chain over n bytes from *state. */
static inline uint32_t walk(const struct ac *a, const uint8_t *buf, size_t n, uint32_t *state,
                            uint8_t *seen, uint32_t *out, uint32_t nout)
{
    const uint32_t *table = a->table;
    const uint8_t *cls = a->cls;
    uint32_t s = *state;
    for (size_t i = 0; i < n; i++) {
        uint32_t e = table[s + cls[buf[i]]];
        s = e & ~OUT_FLAG;
        if (e & OUT_FLAG)
            nout = report_state(a, s / a->ncls, seen, out, nout);
    }
    *state = s;
    return nout;
}

static uint32_t scan_split(const struct ac *a, const uint8_t *buf, size_t len, uint8_t *seen,
                           uint32_t *out)
{
    const uint32_t *table = a->table;
    const uint8_t *cls = a->cls;
    uint32_t s = 0, nout = 0;
    if (len >= AC_SPLIT_MIN) {
        size_t half = len / 2;
        const uint8_t *b2 = buf + half - (a->maxlen - 1);
        size_t n2 = len - half + (a->maxlen - 1);
        uint32_t s2 = 0;
        for (size_t i = 0; i < half; i++) {
            uint32_t e1 = table[s + cls[buf[i]]];
            uint32_t e2 = table[s2 + cls[b2[i]]];
            s = e1 & ~OUT_FLAG;
            s2 = e2 & ~OUT_FLAG;
            if ((e1 | e2) & OUT_FLAG) {
                if (e1 & OUT_FLAG)
                    nout = report_state(a, s / a->ncls, seen, out, nout);
                if (e2 & OUT_FLAG)
                    nout = report_state(a, s2 / a->ncls, seen, out, nout);
            }
        }
        /* the second chain is (maxlen - 1) or (maxlen) bytes longer */
        return walk(a, b2 + half, n2 - half, &s2, seen, out, nout);
    }
    return walk(a, buf, len, &s, seen, out, nout);
}

uint32_t ac_scan(const struct ac *a, const uint8_t *buf, size_t len, uint8_t *seen, uint32_t *out)
{
    if (!a || len == 0)
        return 0;
    uint32_t nout = a->nstart <= AC_SKIP_MAX_START ? scan_skip(a, buf, len, seen, out)
                                                   : scan_split(a, buf, len, seen, out);
    for (uint32_t i = 0; i < nout; i++)
        seen[out[i]] = 0;
    return nout;
}

const uint32_t *ac_pattern_ids(const struct ac *a, uint32_t pat, uint32_t *n)
{
    return mpm_ids_of(&a->ids, pat, n);
}
