/* Engine bugs found by the property tests (test_fill_properties.c), each on the smallest input
 * that shows it. They stay as regression tests once fixed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "vtime.h"

/* Re-filling in the middle of the month (the daemon does this whenever the plan changes):
 * the airings must spread over the days left, not crowd the first days after now because
 * their ideal instants, spaced over the whole month, have already passed. One slot a day,
 * now = 16 Dec 00:00, 8 airings over 16 days: one every other day. */
static void test_spread_evenly_after_now(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    fx_program(&f, "Sáng", "06:00", 30);
    fx_piece(&f, SCHED_GENRE_NEWS, 60, 8);
    assert_int_equal(vtime_day_start(f.tz, fx_day(&f, 16), &f.in.now_ms), 0);
    sched_fill_result *r = fx_fill(&f);
    assert_int_equal(r->n_airings, 8);
    int32_t min_gap = INT32_MAX, max_gap = 0;
    for (size_t i = 1; i < r->n_airings; i++) {
        int32_t gap =
            r->slots[r->airings[i].slot].slot.day - r->slots[r->airings[i - 1].slot].slot.day;
        min_gap = MIN(min_gap, gap);
        max_gap = MAX(max_gap, gap);
    }
    if (max_gap - min_gap > 1)
        fail_msg("gaps between airings range from %d to %d days", min_gap, max_gap);
    sched_fill_result_free(r);
    fx_done(&f);
}

/* Two plan items naming the same piece (say, one per group of communes) must not make that
 * piece air twice in one slot on the same boxes: either the plan is refused, or the rule
 * "never twice in one slot" holds for the piece. */
static void test_same_piece_in_two_items(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    fx_program(&f, "Sáng", "06:00", 30);
    sched_plan_item *a = fx_piece(&f, SCHED_GENRE_NEWS, 60, 31);
    sched_plan_item *b = fx_piece(&f, SCHED_GENRE_NEWS, 60, 31);
    b->piece = a->piece;
    sched_fill_result *r = NULL;
    char err[128] = "";
    assert_int_equal(sched_fill(&f.in, &r, err, sizeof err), -EINVAL);
    assert_null(r);
    assert_non_null(strstr(err, "already in the plan"));
    fx_done(&f);
}

/* December 9999 passes validation, but its last day has no "next day" in the calendar: the
 * free airings must then not be reported as "slots full" while 31 slots stand empty. */
static void test_last_month_of_the_calendar(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 9999, 12, 1, 1);
    fx_program(&f, "Sáng", "06:00", 30);
    fx_piece(&f, SCHED_GENRE_NEWS, 60, 3);
    sched_fill_result *r = NULL;
    int rc = sched_fill(&f.in, &r, NULL, 0);
    if (rc == 0 && r->n_airings != 3)
        fail_msg("%zu of 3 airings placed in 31 empty slots, first reason %d", r->n_airings,
                 r->n_unplaced ? (int)r->unplaced[0].reason : -1);
    assert_true(rc == 0 || rc == -EINVAL);
    sched_fill_result_free(r);
    fx_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spread_evenly_after_now),
        cmocka_unit_test(test_same_piece_in_two_items),
        cmocka_unit_test(test_last_month_of_the_calendar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
