/* test_uuid.c - UUIDv5 and deterministic STIX ids.
 *
 * Expected values were computed once with Python's uuid module
 * (uuid.uuid5(namespace, name)) and are written here as literals; the STIX
 * SCO example is the one verified in ../shared/reference/sharing.md 1.1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "uuid.h"

static void assert_uuid5(const struct uuid *ns, const char *name, const char *expect)
{
    struct uuid u;
    char buf[UUID_STRLEN];
    uuid_v5(ns, name, strlen(name), &u);
    assert_string_equal(uuid_format(&u, buf, sizeof(buf)), expect);
}

static void test_uuid5_python_values(void **state)
{
    (void)state;
    assert_uuid5(&uuid_ns_dns, "python.org", "886313e1-3b8a-5372-9b90-0c9aee199e5d");
    assert_uuid5(&uuid_ns_dns, "www.example.com", "2ed6657d-e927-568b-95e1-2665a8aea6a2");
    assert_uuid5(&uuid_ns_url, "https://www.python.org/", "5406f80d-92e9-51cd-a176-77445955e733");
    assert_uuid5(&uuid_ns_url, "http://example.com/", "0a300ee9-f9e4-5697-a51a-efc7fafaba67");
    assert_uuid5(&uuid_ns_url, "", "1b4db7eb-4057-5ddf-91e0-36dec72071f5");
    assert_uuid5(&uuid_ns_oid, "1.3.6.1", "1447fa61-5277-5fef-a9b3-fbc6e44f4af3");
    assert_uuid5(&uuid_ns_x500, "cn=John Doe,o=Acme,c=US", "8c5ea317-d154-5eb0-a4b5-06f7993bb3e6");
}

static void test_uuid5_long_name(void **state)
{
    /* A name longer than one SHA-1 block after the namespace. */
    (void)state;
    char name[201];
    memset(name, 'x', 200);
    name[200] = '\0';
    assert_uuid5(&uuid_ns_url, name, "cd3580b9-d244-586a-8077-74317319b48d");
}

static void test_uuid_version_and_variant_bits(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        struct uuid u;
        uint8_t name[2] = {(uint8_t)i, (uint8_t)(i * 31)};
        uuid_v5(&uuid_ns_dns, name, sizeof(name), &u);
        assert_int_equal(u.b[6] >> 4, 5);
        assert_int_equal(u.b[8] >> 6, 2);
    }
}

static void test_uuid_parse_format_roundtrip(void **state)
{
    (void)state;
    struct uuid u;
    char buf[UUID_STRLEN];
    assert_int_equal(uuid_parse("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", &u), 0);
    assert_memory_equal(u.b, uuid_ns_dns.b, 16);
    assert_string_equal(uuid_format(&u, buf, sizeof(buf)), "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    assert_int_equal(uuid_parse("00abedb4-aa42-466c-9c01-fed23315a9b7", &u), 0);
    assert_memory_equal(u.b, uuid_ns_stix_sco.b, 16);

    assert_int_equal(uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c", &u), -1);
    assert_int_equal(uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c88", &u), -1);
    assert_int_equal(uuid_parse("6ba7b8109dad-11d1-80b4-00c04fd430c8-", &u), -1);
    assert_int_equal(uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430cg", &u), -1);
    assert_int_equal(uuid_parse("", &u), -1);
    /* Too small a buffer gives an empty string, never a cut UUID. */
    assert_string_equal(uuid_format(&uuid_ns_dns, buf, UUID_STRLEN - 1), "");
}

static void test_uuid_project_namespace_is_its_derivation(void **state)
{
    (void)state;
    struct uuid u;
    const char *name = "urn:ictwatch:stix";
    uuid_v5(&uuid_ns_url, name, strlen(name), &u);
    assert_memory_equal(u.b, uuid_ns_ictwatch.b, 16);
    char buf[UUID_STRLEN];
    uuid_producer_namespace("CERT-KZ", &u);
    assert_string_equal(uuid_format(&u, buf, sizeof(buf)), "9dd10c84-82bf-5fe6-baeb-ebded33d3b24");
}

static void test_stix_sco_id_reference_example(void **state)
{
    (void)state;
    char id[UUID_STIX_ID_MAX];
    int n = uuid_stix_sco_id("ipv4-addr", "{\"value\":\"203.0.113.45\"}", id, sizeof(id));
    assert_string_equal(id, "ipv4-addr--cb9d70c5-d244-531c-9efb-bcae57adc793");
    assert_int_equal(n, (int)strlen(id));
}

static void test_stix_id_own_objects(void **state)
{
    /* Python: uuid5(uuid5(uuid5(URL, "urn:ictwatch:stix"), "CERT-KZ"), TYPE + "|" + NAME). */
    (void)state;
    struct uuid ns;
    char id[UUID_STIX_ID_MAX];
    const char *name = "203.0.113.0/24|scope=KZ|1795690800|3600";
    uuid_producer_namespace("CERT-KZ", &ns);
    assert_true(uuid_stix_id(&ns, "sighting", name, id, sizeof(id)) > 0);
    assert_string_equal(id, "sighting--cbaf4b69-6fc7-5a21-b29b-9800db484e90");
    assert_true(uuid_stix_id(&ns, "indicator", name, id, sizeof(id)) > 0);
    assert_string_equal(id, "indicator--84e14729-743a-57a4-b044-9ad8cb85f685");

    /* Deterministic: the same inputs give the same id again. */
    char again[UUID_STIX_ID_MAX];
    uuid_stix_id(&ns, "indicator", name, again, sizeof(again));
    assert_string_equal(id, again);

    /* Another producer gets another id for the same object name. */
    struct uuid other;
    uuid_producer_namespace("CERT-UZ", &other);
    uuid_stix_id(&other, "indicator", name, again, sizeof(again));
    assert_string_not_equal(id, again);
}

static void test_stix_id_rejects_bad_types_and_small_buffers(void **state)
{
    (void)state;
    char id[UUID_STIX_ID_MAX];
    static const char *const bad[] = {"", "ab", "Indicator", "1ndicator", "ind--icator",
                                      "ind_icator", "ind icator"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        strcpy(id, "junk");
        assert_int_equal(uuid_stix_id(&uuid_ns_ictwatch, bad[i], "x", id, sizeof(id)), -1);
        assert_string_equal(id, "");
    }
    char big_type[252];
    memset(big_type, 'a', 251);
    big_type[251] = '\0';
    assert_int_equal(uuid_stix_sco_id(big_type, "{}", id, sizeof(id)), -1);
    big_type[250] = '\0';
    assert_int_equal(uuid_stix_sco_id(big_type, "{}", id, sizeof(id)), 250 + 2 + 36);

    char small[20];
    assert_int_equal(uuid_stix_id(&uuid_ns_ictwatch, "indicator", "x", small, sizeof(small)), -1);
    assert_string_equal(small, "");
    assert_int_equal(uuid_stix_id(&uuid_ns_ictwatch, "x-ictwatch-agg", "x", id, sizeof(id)),
                     (int)strlen("x-ictwatch-agg--") + 36);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid5_python_values),
        cmocka_unit_test(test_uuid5_long_name),
        cmocka_unit_test(test_uuid_version_and_variant_bits),
        cmocka_unit_test(test_uuid_parse_format_roundtrip),
        cmocka_unit_test(test_uuid_project_namespace_is_its_derivation),
        cmocka_unit_test(test_stix_sco_id_reference_example),
        cmocka_unit_test(test_stix_id_own_objects),
        cmocka_unit_test(test_stix_id_rejects_bad_types_and_small_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
