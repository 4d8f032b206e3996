/* store_memo: a fact is given back only for its own key, at the generation it was put at, and
 * within its time to live; gen 0 never matches; a slot's newer fact replaces the older. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "store_memo.h"

static void key_of(unsigned char k[32], unsigned char seed)
{
    for (int i = 0; i < 32; i++)
        k[i] = (unsigned char)(seed * 31 + i * 7);
}

static void test_sizes(void **state)
{
    (void)state;
    store_memo *m = NULL;
    assert_int_equal(store_memo_new(0, 32, 8, &m), -EINVAL);
    assert_int_equal(store_memo_new(16, 0, 8, &m), -EINVAL);
    assert_int_equal(store_memo_new(16, 32, 0, &m), -EINVAL);
    assert_int_equal(store_memo_new(16, 257, 8, &m), -EINVAL);
    assert_null(m);
    store_memo_free(NULL);
}

static void test_get_put(void **state)
{
    (void)state;
    store_memo *m = NULL;
    unsigned char k[32], other[32];
    int64_t v = 42, got = 0;
    assert_int_equal(store_memo_new(64, sizeof k, sizeof v, &m), 0);
    key_of(k, 1);
    key_of(other, 2);
    assert_false(store_memo_get(m, 7, 1000, k, &got)); /* empty */
    store_memo_put(m, 7, 1000, k, &v);
    assert_true(store_memo_get(m, 7, 1000, k, &got));
    assert_int_equal(got, 42);
    assert_true(store_memo_get(m, 7, 1000 + STORE_MEMO_TTL_MS, k, &got));
    assert_false(store_memo_get(m, 7, 1001 + STORE_MEMO_TTL_MS, k, &got)); /* too old */
    assert_false(store_memo_get(m, 7, 999, k, &got));                      /* clock went back */
    assert_false(store_memo_get(m, 8, 1000, k, &got));                     /* a commit since */
    assert_false(store_memo_get(m, 0, 1000, k, &got));
    assert_false(store_memo_get(m, 7, 1000, other, &got));
    store_memo_put(m, 0, 1000, other, &v); /* unknown generation: not kept */
    assert_false(store_memo_get(m, 0, 1000, other, &got));
    store_memo_free(m);
}

/* One slot: every key lands on it, so the latest put wins and the earlier key misses. */
static void test_replace(void **state)
{
    (void)state;
    store_memo *m = NULL;
    unsigned char a[32], b[32];
    int64_t va = 1, vb = 2, got = 0;
    assert_int_equal(store_memo_new(1, sizeof a, sizeof va, &m), 0);
    key_of(a, 3);
    key_of(b, 4);
    store_memo_put(m, 5, 0, a, &va);
    store_memo_put(m, 5, 0, b, &vb);
    assert_false(store_memo_get(m, 5, 0, a, &got));
    assert_true(store_memo_get(m, 5, 0, b, &got));
    assert_int_equal(got, 2);
    store_memo_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_get_put),
        cmocka_unit_test(test_replace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
