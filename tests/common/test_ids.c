/* ids: UUIDv4 shape and uniqueness, the UUID validator, tokens. */
#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ids.h"

#define MANY 10000

static void test_init(void **state)
{
    (void)state;
    assert_int_equal(ids_init(), 0);
    assert_int_equal(ids_init(), 0);
}

static void test_uuid_shape(void **state)
{
    (void)state;
    for (int n = 0; n < 200; n++) {
        char u[IDS_UUID_LEN + 1];
        memset(u, 'X', sizeof u);
        ids_uuid4(u);
        assert_int_equal(strlen(u), IDS_UUID_LEN);
        assert_true(ids_is_uuid(u));
        for (int i = 0; i < IDS_UUID_LEN; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23)
                assert_int_equal(u[i], '-');
            else
                assert_non_null(strchr("0123456789abcdef", u[i]));
        }
        assert_int_equal(u[14], '4');
        assert_non_null(strchr("89ab", u[19]));
    }
}

static void test_uuid_unique(void **state)
{
    (void)state;
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (int i = 0; i < MANY; i++) {
        char u[IDS_UUID_LEN + 1];
        ids_uuid4(u);
        assert_true(g_hash_table_add(seen, g_strdup(u)));
    }
    assert_int_equal(g_hash_table_size(seen), MANY);
    g_hash_table_unref(seen);
}

static void test_is_uuid(void **state)
{
    (void)state;
    assert_true(ids_is_uuid("123e4567-e89b-42d3-a456-426614174000"));
    assert_true(ids_is_uuid("123E4567-E89B-42D3-A456-426614174000"));
    assert_true(ids_is_uuid("00000000-0000-0000-0000-000000000000"));
    const char *bad[] = {
        "",
        "123e4567-e89b-42d3-a456-42661417400",   /* 35 */
        "123e4567-e89b-42d3-a456-4266141740000", /* 37 */
        "123e4567e89b-42d3-a456-4266141740000",  /* dash missing */
        "123e4567-e89b-42d3-a456_426614174000",  /* wrong separator */
        "123e4567-e89b-42d3-a456-42661417400g",  /* not hex */
        "{123e4567-e89b-42d3-a456-426614174000}",
        " 123e4567-e89b-42d3-a456-426614174000",
        "123e4567-e89b-42d3-a4560426614174000-",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ids_is_uuid(bad[i]))
            fail_msg("accepted \"%s\"", bad[i]);
    assert_false(ids_is_uuid(NULL));
}

static void test_token(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 2, 3, 16, 32, 33, 64};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t bytes = sizes[k];
        size_t cap = 4 * bytes / 3 + 2; /* the header's stated minimum */
        char *out = g_malloc(cap);
        assert_int_equal(ids_token(bytes, out, cap), 0);
        assert_int_equal(strlen(out), (4 * bytes + 2) / 3); /* unpadded base64 */
        for (const char *p = out; *p; p++)
            assert_true(g_ascii_isalnum(*p) || *p == '-' || *p == '_');
        g_free(out);
    }
    char a[64], b[64];
    assert_int_equal(ids_token(32, a, sizeof a), 0);
    assert_int_equal(ids_token(32, b, sizeof b), 0);
    assert_int_equal(strlen(a), 43);
    assert_string_not_equal(a, b);

    char small[43];
    memset(small, 'X', sizeof small);
    assert_int_equal(ids_token(32, small, sizeof small), -ENOSPC);
    assert_int_equal(small[0], 'X');
    assert_int_equal(ids_token(32, small, 0), -ENOSPC);
    char one[1];
    assert_int_equal(ids_token(0, one, sizeof one), 0);
    assert_string_equal(one, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),        cmocka_unit_test(test_uuid_shape),
        cmocka_unit_test(test_uuid_unique), cmocka_unit_test(test_is_uuid),
        cmocka_unit_test(test_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
