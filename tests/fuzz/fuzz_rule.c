/* fuzz_rule.c - libFuzzer target for the rule parser and the buffer inspector.
 *
 * Input: rule text, a NUL byte, then a payload. The rule is parsed as the
 * loader would (every keyword, hostile values); a rule that parses must
 * print back to text that parses to the same text again (round trip), and
 * each of its buffer lists is then run against the payload with the same
 * inspector the engine uses (content positions, backtracking, pcre,
 * isdataat), so patterns and payloads both come from the fuzzer.
 *
 * Build and run: make fuzz && build-fuzz/fuzz_rule -max_len=4096
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"
#include "detect/dataset.h"
#include "detect/iprep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct load_env env;
static struct log_ctx lg = {"fuzz", LOG_ERROR};
static struct load_diag diag;
static struct config cfg;
static struct classification cls;
static struct refconf refs;
static struct iprep rep;
static struct dataset_registry datasets;
static struct flowbit_names fb;
static pcre2_match_data *md;
static pcre2_match_context *mc;

static void setup(void)
{
    struct dpi_config dc;
    dpi_config_defaults(&dc);
    config_init(&cfg);
    iprep_init(&rep);
    diag.lg = &lg;
    env.cfg = &cfg;
    env.dpi = dpi_new(&dc, &lg);
    env.diag = &diag;
    env.cls = &cls;
    env.refs = &refs;
    env.iprep = &rep;
    env.datasets = &datasets;
    env.fbnames = &fb;
    md = pcre2_match_data_create(1, NULL);
    mc = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(mc, 3500);
    pcre2_set_depth_limit(mc, 1500);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!env.cfg)
        setup();
    const uint8_t *nul = memchr(data, 0, size);
    size_t tlen = nul ? (size_t)(nul - data) : size;
    char *text = malloc(tlen + 1);
    if (!text)
        return 0;
    memcpy(text, data, tlen);
    text[tlen] = '\0';
    const uint8_t *payload = nul ? nul + 1 : (const uint8_t *)"";
    uint32_t plen = nul ? (uint32_t)(size - tlen - 1) : 0;

    char err[DETECT_ERRLEN];
    struct rule *r = rule_parse(&env, text, "fuzz.rules", 1, err, sizeof(err));
    free(text);
    if (!r)
        return 0;
    char *s1 = rule_format(r);
    if (s1) {
        struct rule *r2 = rule_parse(&env, s1, "fuzz.rules", 1, err, sizeof(err));
        if (!r2)
            abort();   /* a printed rule must parse */
        char *s2 = rule_format(r2);
        if (!s2 || strcmp(s1, s2) != 0)
            abort();   /* and print the same */
        free(s2);
        rule_free(r2);
        free(s1);
    }
    struct match_ctx m;
    memset(&m, 0, sizeof(m));
    m.pcre_md = md;
    m.pcre_mctx = mc;
    uint32_t budget = 3000;
    m.budget = &budget;
    for (int b = 0; b < BUF_COUNT; b++)
        if (r->lists[b].n)
            inspect_buffer(&m, &r->lists[b], plen ? payload : (const uint8_t *)"", plen);
    rule_free(r);
    /* keep the shared tables from growing without bound across inputs */
    if (fb.n > 4096)
        flowbit_names_free(&fb);
    return 0;
}
