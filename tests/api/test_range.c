/* Range header parsing: single ranges, suffixes, open ends, and everything the RFC says to
 * ignore or refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "range.h"

static void expect(const char *h, uint64_t size, range_result want, uint64_t start, uint64_t len)
{
    uint64_t s = 12345, l = 12345;
    range_result got = range_parse(h, size, &s, &l);
    assert_int_equal(got, want);
    if (want == RANGE_PARTIAL) {
        assert_int_equal(s, start);
        assert_int_equal(l, len);
    }
}

static void test_simple(void **state)
{
    (void)state;
    expect("bytes=0-99", 1000, RANGE_PARTIAL, 0, 100);
    expect("bytes=100-", 1000, RANGE_PARTIAL, 100, 900);
    expect("bytes=999-999", 1000, RANGE_PARTIAL, 999, 1);
    expect("bytes=500-5000", 1000, RANGE_PARTIAL, 500, 500); /* last clamped */
    expect(" bytes=1-2 ", 1000, RANGE_PARTIAL, 1, 2);
}

static void test_suffix(void **state)
{
    (void)state;
    expect("bytes=-100", 1000, RANGE_PARTIAL, 900, 100);
    expect("bytes=-5000", 1000, RANGE_PARTIAL, 0, 1000);
    expect("bytes=-0", 1000, RANGE_UNSATISFIABLE, 0, 0);
    expect("bytes=-1", 0, RANGE_UNSATISFIABLE, 0, 0);
}

static void test_past_end(void **state)
{
    (void)state;
    expect("bytes=1000-", 1000, RANGE_UNSATISFIABLE, 0, 0);
    expect("bytes=1000-2000", 1000, RANGE_UNSATISFIABLE, 0, 0);
    expect("bytes=0-", 0, RANGE_UNSATISFIABLE, 0, 0);
}

static void test_ignored(void **state)
{
    (void)state;
    expect(NULL, 1000, RANGE_NONE, 0, 0);
    expect("", 1000, RANGE_NONE, 0, 0);
    expect("items=0-1", 1000, RANGE_NONE, 0, 0);
    expect("bytes=5-1", 1000, RANGE_NONE, 0, 0);
    expect("bytes=0-1,5-9", 1000, RANGE_NONE, 0, 0);
    expect("bytes=-", 1000, RANGE_NONE, 0, 0);
    expect("bytes=a-b", 1000, RANGE_NONE, 0, 0);
    expect("bytes=99999999999999999999-", 1000, RANGE_NONE, 0, 0);
    expect("bytes=1-2x", 1000, RANGE_NONE, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_suffix),
        cmocka_unit_test(test_past_end),
        cmocka_unit_test(test_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
