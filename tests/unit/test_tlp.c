/* test_tlp.c - TLP 2.0 levels: parsing, order, wire names, and release enforcement.
 *
 * The STIX marking ids and MISP tags are written here as literals (from
 * ../shared/reference/sharing.md 1.3 and 2); one test also looks each id up
 * in that file next to its level when the file is present (skipped otherwise).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tlp.h"
#include "uuid.h"

static const enum tlp_level all[TLP_LEVELS] = {TLP_CLEAR, TLP_GREEN, TLP_AMBER, TLP_AMBER_STRICT,
                                               TLP_RED};

static void test_parse_accepted_forms(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        enum tlp_level level;
    } v[] = {
        {"TLP:CLEAR", TLP_CLEAR},   {"clear", TLP_CLEAR},       {"tlp:clear", TLP_CLEAR},
        {"TLP:GREEN", TLP_GREEN},   {"Green", TLP_GREEN},       {"TLP:AMBER", TLP_AMBER},
        {"amber", TLP_AMBER},       {"TLP:AMBER+STRICT", TLP_AMBER_STRICT},
        {"amber+strict", TLP_AMBER_STRICT}, {"Tlp:Amber+Strict", TLP_AMBER_STRICT},
        {"TLP:RED", TLP_RED},       {"red", TLP_RED},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        enum tlp_level l = TLP_RED;
        char msg[256] = "";
        if (tlp_parse(v[i].text, &l, msg, sizeof(msg)) != 0)
            fail_msg("%s: %s", v[i].text, msg);
        assert_int_equal(l, v[i].level);
    }
}

static void test_parse_white_is_clear_with_a_note(void **state)
{
    (void)state;
    static const char *const v[] = {"white", "TLP:WHITE", "tlp:White"};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        enum tlp_level l = TLP_RED;
        char msg[256] = "";
        assert_int_equal(tlp_parse(v[i], &l, msg, sizeof(msg)), 1);
        assert_int_equal(l, TLP_CLEAR);
        assert_non_null(strstr(msg, "TLP:CLEAR"));
        assert_non_null(strstr(msg, v[i]));
    }
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const char *const v[] = {"", "TLP:", "amber strict", "AMBER_STRICT", "TLP: RED",
                                    "purple", "tlp:tlp:red", "redd", "TLP:EX:CHR"};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        enum tlp_level l = TLP_GREEN;
        char msg[256] = "";
        assert_int_equal(tlp_parse(v[i], &l, msg, sizeof(msg)), -1);
        assert_int_equal(l, TLP_GREEN);   /* untouched */
        assert_non_null(strstr(msg, "unknown TLP level"));
        assert_non_null(strstr(msg, "AMBER+STRICT"));
    }
}

static void test_order_and_max(void **state)
{
    (void)state;
    for (int i = 0; i < TLP_LEVELS; i++) {
        for (int j = 0; j < TLP_LEVELS; j++) {
            enum tlp_level m = tlp_max(all[i], all[j]);
            /* An aggregate is never below any of its inputs, and is one of them. */
            assert_true(m >= all[i] && m >= all[j]);
            assert_true(m == all[i] || m == all[j]);
            assert_int_equal(m, tlp_max(all[j], all[i]));
        }
    }
    assert_true(TLP_CLEAR < TLP_GREEN && TLP_GREEN < TLP_AMBER && TLP_AMBER < TLP_AMBER_STRICT &&
                TLP_AMBER_STRICT < TLP_RED);
    /* Folding several inputs: one AMBER+STRICT input makes the whole aggregate AMBER+STRICT. */
    enum tlp_level agg = TLP_CLEAR;
    static const enum tlp_level inputs[] = {TLP_GREEN, TLP_CLEAR, TLP_AMBER_STRICT, TLP_AMBER};
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
        agg = tlp_max(agg, inputs[i]);
    assert_int_equal(agg, TLP_AMBER_STRICT);
}

static const struct {
    enum tlp_level level;
    const char *name, *value, *misp, *stix;
} table[] = {
    {TLP_CLEAR, "TLP:CLEAR", "clear", "tlp:clear",
     "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"},
    {TLP_GREEN, "TLP:GREEN", "green", "tlp:green",
     "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
    {TLP_AMBER, "TLP:AMBER", "amber", "tlp:amber",
     "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
    {TLP_AMBER_STRICT, "TLP:AMBER+STRICT", "amber+strict", "tlp:amber+strict",
     "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"},
    {TLP_RED, "TLP:RED", "red", "tlp:red",
     "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"},
};

static void test_wire_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        enum tlp_level l = table[i].level, back;
        char msg[128];
        assert_string_equal(tlp_name(l), table[i].name);
        assert_string_equal(tlp_value(l), table[i].value);
        assert_string_equal(tlp_misp_tag(l), table[i].misp);
        assert_string_equal(tlp_stix_marking_id(l), table[i].stix);
        /* Every printed form parses back to the level. */
        assert_int_equal(tlp_parse(tlp_name(l), &back, msg, sizeof(msg)), 0);
        assert_int_equal(back, l);
        assert_int_equal(tlp_parse(tlp_misp_tag(l), &back, msg, sizeof(msg)), 0);
        assert_int_equal(back, l);
        /* The id is marking-definition--UUID. */
        struct uuid u;
        const char *id = tlp_stix_marking_id(l);
        assert_int_equal(uuid_parse(id + strlen("marking-definition--"), &u), 0);
    }
    assert_null(tlp_name((enum tlp_level)TLP_LEVELS));
    assert_null(tlp_stix_marking_id((enum tlp_level)-1));
    assert_null(tlp_misp_tag((enum tlp_level)7));
    assert_null(tlp_value((enum tlp_level)5));
    assert_string_equal(TLP_STIX_EXTENSION_ID,
                        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d");
}

/* Each id must stand in the reference's TLP 2.0 table on the row of its level. */
static void test_stix_ids_match_reference(void **state)
{
    (void)state;
    const char *shared = getenv("SHARED") ? getenv("SHARED") : "../shared";
    char path[512], line[512];
    snprintf(path, sizeof(path), "%s/reference/sharing.md", shared);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("# SKIP %s not found (the shared reference is outside the project)\n", path);
        skip();
    }
    int found[TLP_LEVELS] = {0};
    while (fgets(line, sizeof(line), f)) {
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
            /* "| AMBER+STRICT | `marking-definition--...` | amber+strict |" */
            char want[128];
            snprintf(want, sizeof(want), "`%s` | %s |", table[i].stix, table[i].value);
            if (strstr(line, want))
                found[i]++;
        }
    }
    fclose(f);
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (found[i] != 1)
            fail_msg("%s: id %s found %d times in %s", table[i].name, table[i].stix, found[i],
                     path);
}

/* ---- release enforcement ---- */

static const char *const amber_ok[] = {"CERT-SK", "regional-redis"};

static void test_red_is_refused_for_every_destination(void **state)
{
    (void)state;
    static const char *const dests[] = {"CERT-SK", "regional-redis", "CERT-UZ", "export-dir",
                                        "cert-sk", "", NULL};
    for (size_t i = 0; i < sizeof(dests) / sizeof(dests[0]); i++) {
        const char *why = NULL;
        assert_false(tlp_may_release(TLP_RED, dests[i], amber_ok, 2, &why));
        assert_non_null(strstr(why, "TLP:RED never leaves"));
        /* Even when that destination is the only one named for AMBER. */
        if (dests[i])
            assert_false(tlp_may_release(TLP_RED, dests[i], &dests[i], 1, NULL));
    }
}

static void test_amber_only_to_named_recipients(void **state)
{
    (void)state;
    static const enum tlp_level ambers[] = {TLP_AMBER, TLP_AMBER_STRICT};
    for (size_t i = 0; i < 2; i++) {
        const char *why = NULL;
        enum tlp_level l = ambers[i];
        assert_true(tlp_may_release(l, "CERT-SK", amber_ok, 2, &why));
        assert_true(tlp_may_release(l, "regional-redis", amber_ok, 2, NULL));
        assert_true(tlp_may_release(l, "cert-sk", amber_ok, 2, NULL));   /* case-insensitive */
        assert_false(tlp_may_release(l, "CERT-UZ", amber_ok, 2, &why));
        assert_non_null(strstr(why, "only to recipients named"));
        assert_false(tlp_may_release(l, "CERT-SKX", amber_ok, 2, NULL));
        assert_false(tlp_may_release(l, "CERT-SK", NULL, 0, NULL));
        assert_false(tlp_may_release(l, "CERT-SK", amber_ok, 0, NULL));
        assert_false(tlp_may_release(l, "", amber_ok, 2, NULL));
        assert_false(tlp_may_release(l, NULL, amber_ok, 2, NULL));
    }
}

static void test_green_and_clear_to_any_destination(void **state)
{
    (void)state;
    static const enum tlp_level open[] = {TLP_GREEN, TLP_CLEAR};
    for (size_t i = 0; i < 2; i++) {
        const char *why = NULL;
        assert_true(tlp_may_release(open[i], "CERT-UZ", amber_ok, 2, &why));
        assert_non_null(strstr(why, "any configured destination"));
        assert_true(tlp_may_release(open[i], "export-dir", NULL, 0, NULL));
        assert_false(tlp_may_release(open[i], "", NULL, 0, NULL));
        assert_false(tlp_may_release(open[i], NULL, NULL, 0, NULL));
    }
}

static void test_invalid_levels_are_refused(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_false(tlp_may_release((enum tlp_level)TLP_LEVELS, "CERT-SK", amber_ok, 2, &why));
    assert_non_null(strstr(why, "not a TLP level"));
    assert_false(tlp_may_release((enum tlp_level)-1, "CERT-SK", amber_ok, 2, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepted_forms),
        cmocka_unit_test(test_parse_white_is_clear_with_a_note),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_order_and_max),
        cmocka_unit_test(test_wire_names),
        cmocka_unit_test(test_stix_ids_match_reference),
        cmocka_unit_test(test_red_is_refused_for_every_destination),
        cmocka_unit_test(test_amber_only_to_named_recipients),
        cmocka_unit_test(test_green_and_clear_to_any_destination),
        cmocka_unit_test(test_invalid_levels_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
