/* Programme recurrence in real time zones (sched_expand, sched_program_runs_on) and the
 * conflicts found on the expanded occurrences. Expected instants are written as RFC 3339. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "conflicts.h"
#include "expand.h"
#include "fixture.h"
#include "vtime.h"

#define MIN_MS 60000LL

static int64_t at(const char *rfc3339)
{
    int64_t ms = 0;
    assert_int_equal(vtime_parse_rfc3339(rfc3339, &ms), 0);
    return ms;
}

static int32_t day_of(int y, int m, int d)
{
    int32_t day = 0;
    assert_int_equal(vtime_day_from_civil(y, m, d, &day), 0);
    return day;
}

/* Occurrences of f's programmes over the month of f's plan. */
static sched_slot *expand_month(fx *f, size_t *n)
{
    int32_t first = fx_day(f, 1);
    int32_t last = first + vtime_days_in_month(f->plan.year, f->plan.month) - 1;
    sched_slot *slots = NULL;
    assert_int_equal(sched_expand(f->progs, f->n_progs, first, last, f->tz, &slots, n), 0);
    return slots;
}

/* ---- sched_expand ----------------------------------------------------------------------- */

/* Local midnight is 17:00 UTC the day before (UTC+7, no DST). */
static void test_midnight_is_17h_utc_the_day_before(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    fx_program(&f, "Nửa đêm", "00:00", 30);
    size_t n = 0;
    sched_slot *s = expand_month(&f, &n);
    assert_int_equal(n, 31);
    assert_int_equal(s[0].start_ms, at("2026-11-30T17:00:00Z"));
    assert_int_equal(s[0].day, fx_day(&f, 1));
    assert_int_equal(s[30].start_ms, at("2026-12-30T17:00:00Z"));
    assert_int_equal(s[30].day, fx_day(&f, 31));
    for (size_t i = 1; i < n; i++)
        assert_int_equal(s[i].start_ms - s[i - 1].start_ms, 24 * 60 * MIN_MS);
    g_free(s);
    fx_done(&f);
}

static void test_one_slot_a_day_in_every_month_length(void **state)
{
    (void)state;
    static const struct {
        int year, month;
        size_t days;
    } months[] = {{2026, 12, 31}, {2027, 2, 28}, {2028, 2, 29}, {2026, 11, 30},
                  {2027, 4, 30},  {2100, 2, 28}, {2000, 2, 29}};
    for (size_t i = 0; i < G_N_ELEMENTS(months); i++) {
        fx f;
        fx_init(&f, months[i].year, months[i].month, 1, 1);
        fx_program(&f, "Sáng", "06:00", 30);
        size_t n = 0;
        sched_slot *s = expand_month(&f, &n);
        assert_int_equal(n, months[i].days);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(s[k].day, fx_day(&f, (int)k + 1));
        g_free(s);
        fx_done(&f);
    }
}

static void test_weekday_masks(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    fx_program(&f, "Thứ hai", "06:00", 30)->weekdays = 0x01; /* bit 0 = Monday */
    size_t n = 0;
    sched_slot *s = expand_month(&f, &n);
    assert_int_equal(n, 4);
    static const int mondays[] = {7, 14, 21, 28};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(s[i].day, fx_day(&f, mondays[i]));
        assert_int_equal(vtime_weekday(s[i].day), 1);
    }
    g_free(s);

    f.progs[0].weekdays = 0x60; /* Saturday and Sunday: 5 6 12 13 19 20 26 27 */
    s = expand_month(&f, &n);
    assert_int_equal(n, 8);
    assert_int_equal(s[0].day, fx_day(&f, 5));
    assert_int_equal(s[7].day, fx_day(&f, 27));
    g_free(s);
    fx_done(&f);
}

static void test_validity_clips_the_month(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    sched_program *p = fx_program(&f, "Sáng", "06:00", 30);
    p->valid_from = fx_day(&f, 10);
    p->valid_until = fx_day(&f, 20);
    size_t n = 0;
    sched_slot *s = expand_month(&f, &n);
    assert_int_equal(n, 11);
    assert_int_equal(s[0].day, fx_day(&f, 10));
    assert_int_equal(s[10].day, fx_day(&f, 20));
    g_free(s);

    p->valid_from = fx_day(&f, 1) - 40; /* from before the month, until its 3rd day */
    p->valid_until = fx_day(&f, 3);
    s = expand_month(&f, &n);
    assert_int_equal(n, 3);
    g_free(s);

    p->valid_from = fx_day(&f, 1) - 40; /* entirely before the month */
    p->valid_until = fx_day(&f, 1) - 1;
    s = expand_month(&f, &n);
    assert_int_equal(n, 0);
    assert_null(s);
    fx_done(&f);
}

/* Sorted by start instant, then programme index; a 23:40 slot sorts before the next
 * day's 00:00. */
static void test_sorted_by_start_then_program(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    fx_program(&f, "Sáng", "06:00", 30);     /* 0 */
    fx_program(&f, "Sớm", "05:00", 30);      /* 1 */
    fx_program(&f, "Sáng bis", "06:00", 30); /* 2 */
    fx_program(&f, "Khuya", "23:40", 20);    /* 3 */
    fx_program(&f, "Nửa đêm", "00:00", 20);  /* 4 */
    size_t n = 0;
    sched_slot *s = expand_month(&f, &n);
    assert_int_equal(n, 5 * 31);
    static const uint32_t day_order[] = {4, 1, 0, 2, 3};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(s[i].program, day_order[i % 5]);
        assert_int_equal(s[i].day, fx_day(&f, (int)(i / 5) + 1));
        if (i > 0)
            assert_true(s[i].start_ms >= s[i - 1].start_ms);
    }
    g_free(s);
    fx_done(&f);
}

static void test_slot_running_past_midnight(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    sched_program *p = fx_program(&f, "Khuya", "23:40", 40);
    p->valid_from = p->valid_until = fx_day(&f, 31);
    size_t n = 0;
    sched_slot *s = expand_month(&f, &n);
    assert_int_equal(n, 1);
    assert_int_equal(s[0].day, fx_day(&f, 31)); /* the day it starts on */
    assert_int_equal(s[0].start_ms, at("2026-12-31T23:40:00+07:00"));
    assert_int_equal(s[0].length_ms, 40 * MIN_MS);
    assert_int_equal(s[0].start_ms + s[0].length_ms, at("2027-01-01T00:20:00+07:00"));
    g_free(s);
    fx_done(&f);
}

/* Europe/Berlin: 02:30 does not exist on 28 March 2027 (02:00 → 03:00), and exists twice on
 * 31 October 2027 (the earlier instant, still summer time, is taken). */
static void test_dst_gap_and_fold(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2027, 3, 1, 1);
    g_time_zone_unref(f.tz);
    assert_int_equal(vtime_zone_new("Europe/Berlin", &f.tz), 0);
    fx_program(&f, "Đêm", "02:30", 20);
    size_t n = 0;
    sched_slot *s = expand_month(&f, &n);
    assert_int_equal(n, 30);
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(s[i].day, fx_day(&f, 28));
    assert_int_equal(s[26].start_ms, at("2027-03-27T02:30:00+01:00"));
    assert_int_equal(s[27].start_ms, at("2027-03-29T02:30:00+02:00"));
    g_free(s);

    f.plan.month = 10;
    s = expand_month(&f, &n);
    assert_int_equal(n, 31);
    assert_int_equal(s[30].start_ms, at("2027-10-31T02:30:00+02:00"));
    g_free(s);
    fx_done(&f);
}

static void test_range_errors(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    fx_program(&f, "Sáng", "06:00", 30);
    int32_t d = fx_day(&f, 1);
    sched_slot *s = (sched_slot *)&f; /* must be reset */
    size_t n = 99;
    assert_int_equal(sched_expand(f.progs, 1, d, d - 1, f.tz, &s, &n), -EINVAL);
    assert_null(s);
    assert_int_equal(n, 0);
    assert_int_equal(sched_expand(f.progs, 1, d, d + 3660, f.tz, &s, &n), -EINVAL); /* 3661 */
    assert_int_equal(sched_expand(f.progs, 1, d, d + 3659, f.tz, &s, &n), 0);       /* 3660 days */
    assert_int_equal(n, 3660);
    g_free(s);
    assert_int_equal(sched_expand(f.progs, 1, d, d, f.tz, &s, &n), 0); /* one day */
    assert_int_equal(n, 1);
    g_free(s);
    assert_int_equal(sched_expand(f.progs, 0, d, d + 30, f.tz, &s, &n), 0);
    assert_int_equal(n, 0);
    assert_null(s);
    sched_conflict *c = NULL;
    assert_int_equal(sched_conflicts(&f.d, f.progs, 1, d, d - 1, f.tz, &c, &n), -EINVAL);
    assert_null(c);
    fx_done(&f);
}

static void test_program_runs_on(void **state)
{
    (void)state;
    sched_program p = {.weekdays = 0x41, .valid_from = INT32_MIN, .valid_until = INT32_MAX};
    int32_t mon = day_of(2026, 12, 7), tue = day_of(2026, 12, 8), sun = day_of(2026, 12, 13);
    assert_true(sched_program_runs_on(&p, mon));
    assert_false(sched_program_runs_on(&p, tue));
    assert_true(sched_program_runs_on(&p, sun));
    p.valid_from = mon; /* validity is inclusive at both ends */
    p.valid_until = sun;
    assert_true(sched_program_runs_on(&p, mon));
    assert_true(sched_program_runs_on(&p, sun));
    assert_false(sched_program_runs_on(&p, mon - 1)); /* a Sunday, before validity */
    assert_false(sched_program_runs_on(&p, sun + 1)); /* a Monday, after it */
    p.weekdays = 0x7f;
    p.valid_from = p.valid_until = tue;
    assert_true(sched_program_runs_on(&p, tue));
    assert_false(sched_program_runs_on(&p, mon));
}

/* ---- conflicts -------------------------------------------------------------------------- */

static sched_conflict *conflicts_of(fx *f, int32_t from, int32_t until, size_t *n)
{
    sched_conflict *c = NULL;
    assert_int_equal(sched_conflicts(&f->d, f->progs, f->n_progs, from, until, f->tz, &c, n), 0);
    return c;
}

/* 06:00+30 and 06:15+30 every day, both for everyone: one conflict naming both, first seen
 * on the first day of the range, 06:15 to 06:30. */
static void test_conflict_on_all_targets(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 2, 1);
    fx_program(&f, "Sáng", "06:00", 30);
    fx_program(&f, "Nhạc", "08:00", 30); /* no overlap with either */
    fx_program(&f, "Sáng 2", "06:15", 30);
    size_t n = 0;
    sched_conflict *c = conflicts_of(&f, fx_day(&f, 1), fx_day(&f, 31), &n);
    assert_int_equal(n, 1);
    assert_int_equal(c[0].a, 0);
    assert_int_equal(c[0].b, 2);
    assert_int_equal(c[0].day, fx_day(&f, 1));
    assert_int_equal(c[0].overlap_from, at("2026-12-01T06:15:00+07:00"));
    assert_int_equal(c[0].overlap_ms, 15 * MIN_MS);
    g_free(c);

    c = conflicts_of(&f, fx_day(&f, 10), fx_day(&f, 12), &n); /* first in the range */
    assert_int_equal(n, 1);
    assert_int_equal(c[0].day, fx_day(&f, 10));
    assert_int_equal(c[0].overlap_from, at("2026-12-10T06:15:00+07:00"));
    g_free(c);
    fx_done(&f);
}

static void test_no_conflict_on_disjoint_communes(void **state)
{
    (void)state;
    static const uint32_t c01[] = {0, 1}, c23[] = {2, 3};
    fx f;
    fx_init(&f, 2026, 12, 4, 2);
    fx_program(&f, "A", "06:00", 30)->targets = (sched_targets){SCHED_TARGET_COMMUNES, c01, 2};
    fx_program(&f, "B", "06:00", 30)->targets = (sched_targets){SCHED_TARGET_COMMUNES, c23, 2};
    size_t n = 9;
    sched_conflict *c = conflicts_of(&f, fx_day(&f, 1), fx_day(&f, 31), &n);
    assert_int_equal(n, 0);
    assert_null(c);
    fx_done(&f);
}

/* Box 5 lies in commune 2 (two boxes per commune): a programme for box 5 collides with one
 * for communes 1 and 2, not with one for commune 3 nor with one for box 4 only. */
static void test_box_target_inside_commune_target(void **state)
{
    (void)state;
    static const uint32_t box5[] = {5}, box4[] = {4}, c12[] = {1, 2}, c3[] = {3};
    fx f;
    fx_init(&f, 2026, 12, 4, 2);
    fx_program(&f, "Loa 5", "06:10", 30)->targets = (sched_targets){SCHED_TARGET_BOXES, box5, 1};
    fx_program(&f, "Xã 1,2", "06:00", 30)->targets = (sched_targets){SCHED_TARGET_COMMUNES, c12, 2};
    fx_program(&f, "Xã 3", "06:00", 60)->targets = (sched_targets){SCHED_TARGET_COMMUNES, c3, 1};
    fx_program(&f, "Loa 4", "06:00", 60)->targets = (sched_targets){SCHED_TARGET_BOXES, box4, 1};
    size_t n = 0;
    sched_conflict *c = conflicts_of(&f, fx_day(&f, 1), fx_day(&f, 31), &n);
    assert_int_equal(n, 2); /* 0/1: box 5 in commune 2; 1/3: box 4 in commune 2 */
    assert_int_equal(c[0].a, 0);
    assert_int_equal(c[0].b, 1);
    assert_int_equal(c[0].overlap_from, at("2026-12-01T06:10:00+07:00"));
    assert_int_equal(c[0].overlap_ms, 20 * MIN_MS);
    assert_int_equal(c[1].a, 1);
    assert_int_equal(c[1].b, 3);
    g_free(c);
    fx_done(&f);
}

static void test_no_conflict_on_different_weekdays(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    fx_program(&f, "Thứ hai", "06:00", 60)->weekdays = 0x01;
    fx_program(&f, "Thứ ba", "06:00", 60)->weekdays = 0x02;
    size_t n = 9;
    sched_conflict *c = conflicts_of(&f, fx_day(&f, 1), fx_day(&f, 31), &n);
    assert_int_equal(n, 0);
    g_free(c);
    fx_done(&f);
}

/* 23:30 for 60 minutes runs into the next day's 00:00 programme, whichever is listed first;
 * day is the local day of programme a's occurrence. */
static void test_conflict_across_midnight(void **state)
{
    (void)state;
    for (int late_first = 1; late_first >= 0; late_first--) {
        fx f;
        fx_init(&f, 2026, 12, 1, 1);
        fx_program(&f, "P0", "00:00", 20);
        fx_program(&f, "P1", "00:00", 20);
        sched_program *late = &f.progs[late_first ? 0 : 1];
        sched_program *midnight = &f.progs[late_first ? 1 : 0];
        late->start_s = 23 * 3600 + 30 * 60;
        late->length_s = 3600;
        late->valid_from = late->valid_until = fx_day(&f, 14);
        midnight->valid_from = midnight->valid_until = fx_day(&f, 15);
        size_t n = 0;
        sched_conflict *c = conflicts_of(&f, fx_day(&f, 1), fx_day(&f, 31), &n);
        assert_int_equal(n, 1);
        assert_int_equal(c[0].a, 0);
        assert_int_equal(c[0].b, 1);
        assert_int_equal(c[0].day, fx_day(&f, late_first ? 14 : 15));
        assert_int_equal(c[0].overlap_from, at("2026-12-15T00:00:00+07:00"));
        assert_int_equal(c[0].overlap_ms, 20 * MIN_MS);
        g_free(c);
        fx_done(&f);
    }
}

static void test_no_conflict_when_validity_apart(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    sched_program *a = fx_program(&f, "Cũ", "06:00", 30);
    sched_program *b = fx_program(&f, "Mới", "06:00", 30);
    a->valid_until = fx_day(&f, 15);
    b->valid_from = fx_day(&f, 16);
    size_t n = 9;
    sched_conflict *c = conflicts_of(&f, fx_day(&f, 1), fx_day(&f, 31), &n);
    assert_int_equal(n, 0);
    g_free(c);

    b->valid_from = fx_day(&f, 15); /* one shared day is enough */
    c = conflicts_of(&f, fx_day(&f, 1), fx_day(&f, 31), &n);
    assert_int_equal(n, 1);
    assert_int_equal(c[0].day, fx_day(&f, 15));
    g_free(c);
    fx_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_midnight_is_17h_utc_the_day_before),
        cmocka_unit_test(test_one_slot_a_day_in_every_month_length),
        cmocka_unit_test(test_weekday_masks),
        cmocka_unit_test(test_validity_clips_the_month),
        cmocka_unit_test(test_sorted_by_start_then_program),
        cmocka_unit_test(test_slot_running_past_midnight),
        cmocka_unit_test(test_dst_gap_and_fold),
        cmocka_unit_test(test_range_errors),
        cmocka_unit_test(test_program_runs_on),
        cmocka_unit_test(test_conflict_on_all_targets),
        cmocka_unit_test(test_no_conflict_on_disjoint_communes),
        cmocka_unit_test(test_box_target_inside_commune_target),
        cmocka_unit_test(test_no_conflict_on_different_weekdays),
        cmocka_unit_test(test_conflict_across_midnight),
        cmocka_unit_test(test_no_conflict_when_validity_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
