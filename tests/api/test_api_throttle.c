/* api_throttle in-process: attempts counted while they run, the window, and eviction of the
 * least recently used key (never a key with an attempt running) instead of forgetting all. */
#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api_throttle.h"

#define WINDOW (15LL * 60 * 1000)
#define T0     1000000 /* any instant: the throttle reads no clock */

static void test_running_attempts_count(void **state)
{
    (void)state;
    api_throttle *t = api_throttle_new(5, WINDOW, 100);
    int64_t retry = 0;
    for (int i = 0; i < 5; i++)
        assert_int_equal(api_throttle_begin(t, "ktv", T0, &retry), 0);
    /* five checks running: the sixth is refused before any has failed */
    assert_int_equal(api_throttle_begin(t, "ktv", T0, &retry), -EAGAIN);
    assert_int_equal(retry, 1000);
    /* a success frees its place without clearing anything */
    assert_false(api_throttle_end(t, "ktv", false, T0));
    for (int i = 0; i < 3; i++)
        assert_false(api_throttle_end(t, "ktv", true, T0 + 10));
    assert_false(api_throttle_end(t, "ktv", true, T0 + 20)); /* 4 failures, none running */
    assert_int_equal(api_throttle_failures(t, "ktv", T0 + 20), 4);
    assert_int_equal(api_throttle_begin(t, "ktv", T0 + 30, &retry), 0);
    assert_true(api_throttle_end(t, "ktv", true, T0 + 40)); /* the fifth: locked */
    assert_int_equal(api_throttle_begin(t, "ktv", T0 + 50, &retry), -EAGAIN);
    assert_int_equal(retry, T0 + 10 + WINDOW - (T0 + 50)); /* until the window ends */
    /* the window ends 15 minutes after its first failure */
    assert_int_equal(api_throttle_begin(t, "ktv", T0 + 10 + WINDOW, &retry), 0);
    assert_int_equal(api_throttle_failures(t, "ktv", T0 + 10 + WINDOW), 0);
    assert_int_equal(api_throttle_begin(t, "other", T0, &retry), 0);
    api_throttle_free(t);
}

static void test_eviction(void **state)
{
    (void)state;
    api_throttle *t = api_throttle_new(5, WINDOW, 3);
    int64_t retry = 0;
    const char *keys[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(api_throttle_begin(t, keys[i], T0, &retry), 0);
        api_throttle_end(t, keys[i], true, T0 + i);
    }
    /* "a" is touched again: "b" is now the least recently used */
    assert_int_equal(api_throttle_begin(t, "a", T0 + 10, &retry), 0);
    api_throttle_end(t, "a", true, T0 + 10);
    assert_int_equal(api_throttle_begin(t, "d", T0 + 20, &retry), 0);
    assert_int_equal(api_throttle_size(t), 3);
    assert_int_equal(api_throttle_failures(t, "b", T0 + 20), 0); /* evicted */
    assert_int_equal(api_throttle_failures(t, "a", T0 + 20), 2); /* kept */
    assert_int_equal(api_throttle_failures(t, "c", T0 + 20), 1); /* kept */

    /* a key with an attempt running is never evicted: "d" runs, so "c" goes, then "a" */
    assert_int_equal(api_throttle_begin(t, "e", T0 + 30, &retry), 0);
    assert_int_equal(api_throttle_failures(t, "c", T0 + 30), 0);
    assert_int_equal(api_throttle_begin(t, "f", T0 + 40, &retry), 0);
    assert_int_equal(api_throttle_failures(t, "a", T0 + 40), 0);
    /* now d, e, f all run: no room for another key */
    assert_int_equal(api_throttle_begin(t, "g", T0 + 50, &retry), -ENOSPC);
    assert_false(api_throttle_end(t, "d", true, T0 + 60));
    assert_int_equal(api_throttle_failures(t, "d", T0 + 60), 1);
    api_throttle_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_running_attempts_count),
        cmocka_unit_test(test_eviction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
