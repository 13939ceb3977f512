/* mpm.c - the prefilter a rule group scans with (see mpm.h).
 *
 * Small sets get the Aho-Corasick DFA: exact, one table load per byte, and
 * small enough to stay in cache. Large sets would make that table tens of
 * megabytes, and a scan would miss the cache on most bytes; they get the
 * 4-gram filter instead, whose hot bitmap is a few tens of kilobytes, and
 * their patterns shorter than 4 bytes (rare) a small DFA. Pattern indices
 * of the two parts are numbered one after the other.
 */
#include "mpm.h"
#include "gram.h"

#include <stdlib.h>
#include <string.h>

struct mpm {
    struct ac *ac;             /* all patterns (small set) or the short ones */
    struct gram *gram;         /* patterns of 4 bytes or more, in a large set */
    uint32_t ngram;
};

int mpm_ids_build(struct mpm_ids *x, const struct ac_input *in, size_t n, const uint32_t *pat_of_input,
                  uint32_t npat)
{
    x->start = calloc((size_t)npat + 1, sizeof(*x->start));
    x->ids = malloc((n ? n : 1) * sizeof(*x->ids));
    uint32_t *fill = calloc(npat ? npat : 1, sizeof(*fill));
    if (!x->start || !x->ids || !fill) {
        free(fill);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        x->start[pat_of_input[i] + 1]++;
    for (uint32_t p = 0; p < npat; p++)
        x->start[p + 1] += x->start[p];
    for (size_t i = 0; i < n; i++) {
        uint32_t p = pat_of_input[i];
        x->ids[x->start[p] + fill[p]++] = in[i].id;
    }
    free(fill);
    return 0;
}

const uint32_t *mpm_ids_of(const struct mpm_ids *x, uint32_t pat, uint32_t *n)
{
    *n = x->start[pat + 1] - x->start[pat];
    return &x->ids[x->start[pat]];
}

void mpm_ids_free(struct mpm_ids *x)
{
    free(x->start);
    free(x->ids);
    memset(x, 0, sizeof(*x));
}

void mpm_free(struct mpm *m)
{
    if (!m)
        return;
    ac_free(m->ac);
    gram_free(m->gram);
    free(m);
}

struct mpm *mpm_build(const struct ac_input *in, size_t n)
{
    if (n == 0)
        return NULL;
    struct mpm *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    if (n < MPM_GRAM_MIN_PATTERNS) {
        m->ac = ac_build(in, n);
        if (!m->ac)
            goto fail;
        return m;
    }
    struct ac_input *lng = malloc(n * sizeof(*lng)), *shrt = malloc(n * sizeof(*shrt));
    size_t nl = 0, ns = 0;
    if (!lng || !shrt) {
        free(lng);
        free(shrt);
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if (in[i].len >= GRAM_MIN_LEN)
            lng[nl++] = in[i];
        else
            shrt[ns++] = in[i];
    }
    m->gram = nl ? gram_build(lng, nl) : NULL;
    m->ac = ns ? ac_build(shrt, ns) : NULL;
    free(lng);
    free(shrt);
    if ((nl && !m->gram) || (ns && !m->ac))
        goto fail;
    m->ngram = gram_pattern_count(m->gram);
    return m;
fail:
    mpm_free(m);
    return NULL;
}

uint32_t mpm_pattern_count(const struct mpm *m)
{
    return m ? m->ngram + ac_pattern_count(m->ac) : 0;
}

size_t mpm_memory(const struct mpm *m)
{
    return m ? gram_memory(m->gram) + ac_memory(m->ac) : 0;
}

const char *mpm_algorithm(const struct mpm *m)
{
    if (!m)
        return "none";
    return m->gram ? (m->ac ? "4-gram filter + Aho-Corasick" : "4-gram filter") : "Aho-Corasick";
}

uint32_t mpm_scan(const struct mpm *m, const uint8_t *buf, size_t len, uint8_t *seen, uint32_t *out)
{
    if (!m)
        return 0;
    uint32_t n = m->gram ? gram_scan(m->gram, buf, len, seen, out) : 0;
    if (m->ac) {
        uint32_t k = ac_scan(m->ac, buf, len, seen + m->ngram, out + n);
        for (uint32_t i = 0; i < k; i++)
            out[n + i] += m->ngram;
        n += k;
    }
    return n;
}

const uint32_t *mpm_pattern_ids(const struct mpm *m, uint32_t pat, uint32_t *n)
{
    if (pat < m->ngram)
        return gram_pattern_ids(m->gram, pat, n);
    return ac_pattern_ids(m->ac, pat - m->ngram, n);
}
