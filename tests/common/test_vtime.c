/* vtime: Vietnam time, RFC 3339, day numbers, DST edge cases and Vietnamese formatting. */
#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vtime.h"

static GTimeZone *zone(const char *name)
{
    GTimeZone *tz = NULL;
    assert_int_equal(vtime_zone_new(name, &tz), 0);
    assert_non_null(tz);
    return tz;
}

static int64_t instant(const char *rfc3339)
{
    int64_t ms = 0;
    assert_int_equal(vtime_parse_rfc3339(rfc3339, &ms), 0);
    return ms;
}

static int32_t day_of_civil(int y, int m, int d)
{
    int32_t day = 0;
    assert_int_equal(vtime_day_from_civil(y, m, d, &day), 0);
    return day;
}

static void assert_formats(int64_t ms, GTimeZone *tz, const char *want)
{
    char buf[VTIME_RFC3339_MAX];
    assert_int_equal(vtime_format_rfc3339(ms, tz, buf), 0);
    assert_string_equal(buf, want);
}

static void test_zone_new(void **state)
{
    (void)state;
    GTimeZone *tz = zone(NULL);
    assert_string_equal(g_time_zone_get_identifier(tz), VTIME_DEFAULT_ZONE);
    g_time_zone_unref(tz);
    tz = zone("");
    assert_string_equal(g_time_zone_get_identifier(tz), VTIME_DEFAULT_ZONE);
    g_time_zone_unref(tz);
    tz = zone("Europe/Berlin");
    g_time_zone_unref(tz);

    tz = (GTimeZone *)0x1;
    assert_int_equal(vtime_zone_new("Mars/Olympus", &tz), -EINVAL);
    assert_ptr_equal(tz, (GTimeZone *)0x1); /* untouched on failure */
}

static void test_midnight_vietnam(void **state)
{
    (void)state;
    GTimeZone *tz = zone(NULL);
    int64_t ms = 0;
    assert_int_equal(vtime_local_to_utc(tz, 2024, 3, 5, 0, 0, 0, &ms), 0);
    assert_int_equal(ms, instant("2024-03-04T17:00:00Z"));
    assert_int_equal(ms, INT64_C(1709571600000));
    assert_int_equal(vtime_local_to_utc(tz, 2024, 3, 5, 6, 0, 0, &ms), 0);
    assert_int_equal(ms, instant("2024-03-04T23:00:00Z"));
    /* Midnight of the first of a month and of a year falls on the previous one in UTC. */
    assert_int_equal(vtime_local_to_utc(tz, 2024, 3, 1, 0, 0, 0, &ms), 0);
    assert_int_equal(ms, instant("2024-02-29T17:00:00Z"));
    assert_int_equal(vtime_local_to_utc(tz, 2024, 1, 1, 0, 0, 0, &ms), 0);
    assert_int_equal(ms, instant("2023-12-31T17:00:00Z"));
    g_time_zone_unref(tz);
}

static void test_local_to_utc_ranges(void **state)
{
    (void)state;
    GTimeZone *tz = zone(NULL);
    int64_t ms = 42;
    assert_int_equal(vtime_local_to_utc(tz, 2024, 2, 30, 0, 0, 0, &ms), -EINVAL);
    assert_int_equal(vtime_local_to_utc(tz, 2023, 2, 29, 0, 0, 0, &ms), -EINVAL);
    assert_int_equal(vtime_local_to_utc(tz, 2024, 4, 31, 0, 0, 0, &ms), -EINVAL);
    assert_int_equal(vtime_local_to_utc(tz, 2024, 13, 1, 0, 0, 0, &ms), -EINVAL);
    assert_int_equal(vtime_local_to_utc(tz, 2024, 0, 1, 0, 0, 0, &ms), -EINVAL);
    assert_int_equal(vtime_local_to_utc(tz, 2024, 3, 5, 24, 0, 0, &ms), -EINVAL);
    assert_int_equal(vtime_local_to_utc(tz, 2024, 3, 5, -1, 0, 0, &ms), -EINVAL);
    assert_int_equal(vtime_local_to_utc(tz, 2024, 3, 5, 6, 60, 0, &ms), -EINVAL);
    assert_int_equal(vtime_local_to_utc(tz, 2024, 3, 5, 6, 0, 60, &ms), -EINVAL);
    assert_int_equal(ms, 42);
    assert_int_equal(vtime_local_to_utc(tz, 2024, 2, 29, 23, 59, 59, &ms), 0);
    assert_int_equal(ms, instant("2024-02-29T16:59:59Z"));
    assert_int_equal(vtime_local_to_utc(tz, 2024, 3, 31, 12, 0, 0, &ms), 0);
    g_time_zone_unref(tz);
}

static void test_month_boundaries(void **state)
{
    (void)state;
    int y, m, d;
    vtime_civil_from_day(day_of_civil(2024, 1, 31) + 1, &y, &m, &d);
    assert_true(y == 2024 && m == 2 && d == 1);
    vtime_civil_from_day(day_of_civil(2023, 12, 31) + 1, &y, &m, &d);
    assert_true(y == 2024 && m == 1 && d == 1);
    vtime_civil_from_day(day_of_civil(2024, 2, 28) + 1, &y, &m, &d);
    assert_true(y == 2024 && m == 2 && d == 29);
    vtime_civil_from_day(day_of_civil(2024, 2, 29) + 1, &y, &m, &d);
    assert_true(y == 2024 && m == 3 && d == 1);
    vtime_civil_from_day(day_of_civil(2023, 2, 28) + 1, &y, &m, &d);
    assert_true(y == 2023 && m == 3 && d == 1);
    vtime_civil_from_day(day_of_civil(2024, 3, 30) + 1, &y, &m, &d);
    assert_true(y == 2024 && m == 3 && d == 31);
    vtime_civil_from_day(day_of_civil(2024, 4, 30) + 1, &y, &m, &d);
    assert_true(y == 2024 && m == 5 && d == 1);

    assert_int_equal(vtime_days_in_month(2024, 2), 29);
    assert_int_equal(vtime_days_in_month(2023, 2), 28);
    assert_int_equal(vtime_days_in_month(1900, 2), 28);
    assert_int_equal(vtime_days_in_month(2000, 2), 29);
    assert_int_equal(vtime_days_in_month(2024, 3), 31);
    assert_int_equal(vtime_days_in_month(2024, 4), 30);
    assert_int_equal(vtime_days_in_month(2024, 12), 31);
    assert_int_equal(vtime_days_in_month(2024, 13), 0);
    assert_int_equal(vtime_days_in_month(2024, 0), 0);
    assert_int_equal(day_of_civil(2024, 4, 1) - day_of_civil(2024, 3, 1), 31);
    assert_int_equal(day_of_civil(2024, 3, 1) - day_of_civil(2024, 2, 1), 29);
    assert_int_equal(day_of_civil(2023, 3, 1) - day_of_civil(2023, 2, 1), 28);
}

static void test_day_numbers(void **state)
{
    (void)state;
    int32_t day = -1;
    assert_int_equal(day_of_civil(1970, 1, 1), 0);
    assert_int_equal(day_of_civil(1969, 12, 31), -1);
    assert_int_equal(day_of_civil(2024, 3, 5), 19787);
    int y, m, d;
    vtime_civil_from_day(19787, &y, &m, &d);
    assert_true(y == 2024 && m == 3 && d == 5);
    vtime_civil_from_day(-1, &y, &m, &d);
    assert_true(y == 1969 && m == 12 && d == 31);
    vtime_civil_from_day(INT32_MAX, &y, &m, &d);
    assert_true(y == 0 && m == 0 && d == 0);

    assert_int_equal(vtime_weekday(day_of_civil(2024, 3, 5)), 2);
    assert_int_equal(vtime_weekday(0), 4);
    assert_int_equal(vtime_weekday(-1), 3);
    assert_int_equal(vtime_weekday(day_of_civil(2024, 3, 10)), 7);
    assert_int_equal(vtime_weekday(day_of_civil(2024, 3, 11)), 1);

    assert_int_equal(vtime_day_from_civil(2024, 2, 30, &day), -EINVAL);
    assert_int_equal(vtime_day_from_civil(2023, 2, 29, &day), -EINVAL);
    assert_int_equal(vtime_day_from_civil(2024, 4, 31, &day), -EINVAL);
    assert_int_equal(vtime_day_from_civil(2024, 13, 1, &day), -EINVAL);
    assert_int_equal(vtime_day_from_civil(2024, 1, 0, &day), -EINVAL);
    assert_int_equal(vtime_day_from_civil(1899, 12, 31, &day), -EINVAL);
    assert_int_equal(vtime_day_from_civil(10000, 1, 1, &day), -EINVAL);
    assert_int_equal(day, -1);
    assert_int_equal(day_of_civil(9999, 12, 31), 2932896);
    assert_int_equal(day_of_civil(1900, 1, 1), -25567);
}

static void test_rfc3339_round_trip(void **state)
{
    (void)state;
    GTimeZone *tz = zone(NULL);
    const char *same[] = {
        "2024-03-05T06:00:00+07:00",     "2024-03-05T06:00:00.123+07:00",
        "2024-03-05T06:00:00.001+07:00", "2024-12-31T23:59:59.999+07:00",
        "2024-02-29T00:00:00+07:00",     "1999-01-01T00:00:00+07:00",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        assert_formats(instant(same[i]), tz, same[i]);

    /* Other offsets are accepted on parse and come back in Vietnam time. */
    assert_formats(instant("2024-03-04T23:00:00Z"), tz, "2024-03-05T06:00:00+07:00");
    assert_formats(instant("2024-03-05T00:30:00-05:30"), tz, "2024-03-05T13:00:00+07:00");
    assert_formats(instant("2024-03-05T10:30:00+05:30"), tz, "2024-03-05T12:00:00+07:00");
    assert_formats(instant("2024-03-04T16:59:59.5Z"), tz, "2024-03-04T23:59:59.500+07:00");
    assert_formats(instant("2024-03-05T06:00:00.000+07:00"), tz, "2024-03-05T06:00:00+07:00");
    assert_formats(instant("2024-03-05T06:00:00.123999999+07:00"), tz,
                   "2024-03-05T06:00:00.123+07:00");
    assert_formats(instant("2024-03-04t23:00:00z"), tz, "2024-03-05T06:00:00+07:00");
    assert_formats(instant("2024-03-05 06:00:00+07:00"), tz, "2024-03-05T06:00:00+07:00");

    assert_int_equal(instant("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(instant("1970-01-01T07:00:00.001+07:00"), 1);
    assert_int_equal(instant("1969-12-31T23:59:59.999Z"), -1);
    assert_int_equal(instant("2024-03-05T06:00:00-00:00"), instant("2024-03-05T06:00:00Z"));
    g_time_zone_unref(tz);
}

static void test_rfc3339_format_offsets(void **state)
{
    (void)state;
    GTimeZone *utc = zone("UTC");
    GTimeZone *ny = zone("America/New_York");
    GTimeZone *kolkata = zone("Asia/Kolkata");
    int64_t ms = instant("2024-03-05T06:00:00+07:00");
    assert_formats(ms, utc, "2024-03-04T23:00:00+00:00"); /* never "Z" */
    assert_formats(ms, ny, "2024-03-04T18:00:00-05:00");
    assert_formats(ms, kolkata, "2024-03-05T04:30:00+05:30");
    assert_formats(instant("2024-07-01T12:00:00Z"), ny, "2024-07-01T08:00:00-04:00");
    /* The whole supported range, and a clean refusal beyond it. */
    assert_formats(instant("0001-01-01T00:00:00Z"), utc, "0001-01-01T00:00:00+00:00");
    assert_formats(instant("9999-12-31T23:59:59.999Z"), utc, "9999-12-31T23:59:59.999+00:00");
    char buf[VTIME_RFC3339_MAX];
    /* Before 1911 Vietnam ran on +07:06:30, which RFC 3339 cannot write: the text must still
     * name the right instant. */
    GTimeZone *vn = zone(NULL);
    int64_t old = instant("1900-06-01T00:00:00Z");
    assert_int_equal(vtime_format_rfc3339(old, vn, buf), 0);
    assert_string_equal(buf, "1900-06-01T07:06:00+07:06");
    assert_int_equal(instant(buf), old);
    g_time_zone_unref(vn);
    assert_int_equal(vtime_format_rfc3339(INT64_MAX, utc, buf), -ERANGE);
    assert_int_equal(vtime_format_rfc3339(INT64_MIN, utc, buf), -ERANGE);
    g_time_zone_unref(utc);
    g_time_zone_unref(ny);
    g_time_zone_unref(kolkata);
}

/* Every zone can write these instants (the proto decoders hold peers' times to them). */
static void test_instant_writable(void **state)
{
    (void)state;
    int64_t first = instant("0001-01-02T00:00:00Z"), last = instant("9999-12-30T23:59:59.999Z");
    assert_true(vtime_instant_writable(first));
    assert_true(vtime_instant_writable(last));
    assert_false(vtime_instant_writable(first - 1));
    assert_false(vtime_instant_writable(last + 1));
    assert_false(vtime_instant_writable(INT64_MIN));
    assert_false(vtime_instant_writable(INT64_MAX));
    const char *zones[] = {"Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Ho_Chi_Minh", "UTC"};
    char buf[VTIME_RFC3339_MAX];
    for (size_t i = 0; i < G_N_ELEMENTS(zones); i++) {
        GTimeZone *z = zone(zones[i]);
        assert_int_equal(vtime_format_rfc3339(first, z, buf), 0);
        assert_int_equal(instant(buf), first);
        assert_int_equal(vtime_format_rfc3339(last, z, buf), 0);
        assert_int_equal(instant(buf), last);
        g_time_zone_unref(z);
    }
}

static void test_rfc3339_rejects(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "garbage",
        "2024-03-05T06:00:00",         /* no offset */
        "2024-03-05T06:00",            /* no seconds */
        "2024-03-05",                  /* date only */
        "2024-02-30T06:00:00+07:00",   /* impossible date */
        "2023-02-29T06:00:00+07:00",   /* not a leap year */
        "2024-04-31T06:00:00+07:00",   /* 30-day month */
        "2024-13-01T06:00:00+07:00",   /* month 13 */
        "2024-00-10T06:00:00+07:00",   /* month 0 */
        "2024-03-00T06:00:00+07:00",   /* day 0 */
        "0000-03-05T06:00:00+07:00",   /* year 0 */
        "2024-03-05T24:00:00+07:00",   /* hour 24 */
        "2024-03-05T25:00:00+07:00",   /* hour 25 */
        "2024-03-05T06:60:00+07:00",   /* minute 60 */
        "2024-03-05T06:00:60+07:00",   /* leap second */
        "2024-03-05T06:00:00+07:00x",  /* trailing */
        "2024-03-05T06:00:00+07:00 ",  /* trailing space */
        " 2024-03-05T06:00:00+07:00",  /* leading space */
        "2024-03-05T06:00:00+0700",    /* offset without colon */
        "2024-03-05T06:00:00+07",      /* short offset */
        "2024-03-05T06:00:00+24:00",   /* offset hour */
        "2024-03-05T06:00:00+07:60",   /* offset minute */
        "2024-03-05T06:00:00.+07:00",  /* empty fraction */
        "2024-03-05T06:00:00,5+07:00", /* comma fraction */
        "2024-03-05X06:00:00+07:00",   /* bad separator */
        "24-03-05T06:00:00+07:00",     /* two-digit year */
        "2024-3-05T06:00:00+07:00",    /* no leading zero */
        "2024-03-05T6:00:00+07:00",    /* no leading zero */
        "2024-03-05T06:00:00UTC",      /* zone name */
        "+2024-03-05T06:00:00+07:00",  /* signed year */
        "2024-03-05T06:00:00Z+07:00",  /* both */
        "2024-03-05T06:0a:00+07:00",   /* letter */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        if (vtime_parse_rfc3339(bad[i], &ms) != -EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(ms, 42);
    }
    int64_t ms;
    assert_int_equal(vtime_parse_rfc3339(NULL, &ms), -EINVAL);
}

static void test_utc_to_local(void **state)
{
    (void)state;
    GTimeZone *tz = zone(NULL);
    vtime_local l;
    assert_int_equal(vtime_utc_to_local(tz, instant("2024-03-04T23:00:30.250Z"), &l), 0);
    assert_int_equal(l.year, 2024);
    assert_int_equal(l.month, 3);
    assert_int_equal(l.day, 5);
    assert_int_equal(l.hour, 6);
    assert_int_equal(l.minute, 0);
    assert_int_equal(l.second, 30);
    assert_int_equal(l.millisecond, 250);
    assert_int_equal(l.weekday, 2);
    assert_int_equal(l.offset_s, 7 * 3600);
    /* Negative instants break down correctly too (South Vietnam was on +08:00 then). */
    assert_int_equal(vtime_utc_to_local(tz, -1, &l), 0);
    assert_true(l.year == 1970 && l.month == 1 && l.day == 1);
    assert_true(l.hour == 7 && l.minute == 59 && l.second == 59 && l.millisecond == 999);
    assert_int_equal(l.offset_s, 8 * 3600);
    assert_int_equal(vtime_utc_to_local(tz, INT64_MAX, &l), -ERANGE);
    g_time_zone_unref(tz);
}

static void test_dst_gap_and_overlap(void **state)
{
    (void)state;
    GTimeZone *tz = zone("Europe/Berlin");
    int64_t ms = 42;
    /* 02:00 → 03:00 on 2024-03-31: 02:30 never happens. */
    assert_int_equal(vtime_local_to_utc(tz, 2024, 3, 31, 2, 30, 0, &ms), -EINVAL);
    assert_int_equal(vtime_local_to_utc(tz, 2024, 3, 31, 2, 0, 0, &ms), -EINVAL);
    assert_int_equal(ms, 42);
    assert_int_equal(vtime_local_to_utc(tz, 2024, 3, 31, 1, 59, 59, &ms), 0);
    assert_int_equal(ms, instant("2024-03-31T00:59:59Z"));
    assert_int_equal(vtime_local_to_utc(tz, 2024, 3, 31, 3, 0, 0, &ms), 0);
    assert_int_equal(ms, instant("2024-03-31T01:00:00Z"));
    /* 03:00 → 02:00 on 2024-10-27: 02:30 happens twice; the first (CEST) wins. */
    assert_int_equal(vtime_local_to_utc(tz, 2024, 10, 27, 2, 30, 0, &ms), 0);
    assert_int_equal(ms, instant("2024-10-27T00:30:00Z"));
    assert_formats(ms, tz, "2024-10-27T02:30:00+02:00");
    assert_formats(ms + 3600 * 1000, tz, "2024-10-27T02:30:00+01:00");
    assert_int_equal(vtime_local_to_utc(tz, 2024, 10, 27, 3, 0, 0, &ms), 0);
    assert_int_equal(ms, instant("2024-10-27T02:00:00Z"));
    assert_int_equal(vtime_local_to_utc(tz, 2024, 7, 1, 12, 0, 0, &ms), 0);
    assert_int_equal(ms, instant("2024-07-01T10:00:00Z"));
    g_time_zone_unref(tz);
}

static void test_day_of_and_start(void **state)
{
    (void)state;
    GTimeZone *tz = zone(NULL);
    int32_t day = 0;
    int64_t ms = 0;
    int32_t mar5 = day_of_civil(2024, 3, 5);
    assert_int_equal(vtime_day_of(tz, instant("2024-03-04T16:59:59.999Z"), &day), 0);
    assert_int_equal(day, mar5 - 1);
    assert_int_equal(vtime_day_of(tz, instant("2024-03-04T17:00:00Z"), &day), 0);
    assert_int_equal(day, mar5);
    assert_int_equal(vtime_day_of(tz, instant("2024-03-05T16:59:59.999Z"), &day), 0);
    assert_int_equal(day, mar5);
    assert_int_equal(vtime_day_start(tz, mar5, &ms), 0);
    assert_int_equal(ms, instant("2024-03-04T17:00:00Z"));
    assert_int_equal(vtime_day_start(tz, mar5 + 1, &ms), 0);
    assert_int_equal(ms, instant("2024-03-05T17:00:00Z"));
    assert_int_equal(vtime_day_of(tz, INT64_MIN, &day), -ERANGE);
    assert_int_equal(vtime_day_start(tz, INT32_MAX, &ms), -ERANGE);
    g_time_zone_unref(tz);

    /* Berlin's short and long days: 23 and 25 hours. */
    tz = zone("Europe/Berlin");
    int64_t a, b, c;
    assert_int_equal(vtime_day_start(tz, day_of_civil(2024, 3, 31), &a), 0);
    assert_int_equal(vtime_day_start(tz, day_of_civil(2024, 4, 1), &b), 0);
    assert_int_equal(b - a, 23 * 3600 * 1000);
    assert_int_equal(vtime_day_start(tz, day_of_civil(2024, 10, 27), &b), 0);
    assert_int_equal(vtime_day_start(tz, day_of_civil(2024, 10, 28), &c), 0);
    assert_int_equal(c - b, 25 * 3600 * 1000);
    g_time_zone_unref(tz);

    /* São Paulo began DST at midnight: 2018-11-04 started at 01:00 local (03:00 UTC). */
    tz = zone("America/Sao_Paulo");
    int32_t nov4 = day_of_civil(2018, 11, 4);
    assert_int_equal(vtime_day_start(tz, nov4, &ms), 0);
    assert_int_equal(ms, instant("2018-11-04T03:00:00Z"));
    assert_int_equal(vtime_day_of(tz, ms, &day), 0);
    assert_int_equal(day, nov4);
    assert_int_equal(vtime_day_of(tz, ms - 1, &day), 0);
    assert_int_equal(day, nov4 - 1);
    g_time_zone_unref(tz);
}

static void test_parse_short_forms(void **state)
{
    (void)state;
    int32_t day = 0, secs = 0;
    int y = 0, m = 0;
    assert_int_equal(vtime_parse_date("2024-03-05", &day), 0);
    assert_int_equal(day, 19787);
    assert_int_equal(vtime_parse_date("2024-02-29", &day), 0);
    const char *bad_dates[] = {"2024-02-30", "2023-02-29",  "2024-3-05",  "2024-03-5",
                               "24-03-05",   "2024-03-05 ", "2024/03/05", "2024-03-05T00:00",
                               "",           "2024-13-01",  "1899-12-31", "abcd-ef-gh"};
    for (size_t i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++)
        if (vtime_parse_date(bad_dates[i], &day) != -EINVAL)
            fail_msg("date accepted \"%s\"", bad_dates[i]);

    assert_int_equal(vtime_parse_month("2024-03", &y, &m), 0);
    assert_true(y == 2024 && m == 3);
    assert_int_equal(vtime_parse_month("2024-12", &y, &m), 0);
    assert_true(y == 2024 && m == 12);
    const char *bad_months[] = {"2024-13", "2024-00", "2024-3",  "2024-03-01",
                                "202403",  "",        "2024-03 "};
    for (size_t i = 0; i < sizeof bad_months / sizeof bad_months[0]; i++)
        if (vtime_parse_month(bad_months[i], &y, &m) != -EINVAL)
            fail_msg("month accepted \"%s\"", bad_months[i]);

    assert_int_equal(vtime_parse_hms("06:00", &secs), 0);
    assert_int_equal(secs, 6 * 3600);
    assert_int_equal(vtime_parse_hms("00:00", &secs), 0);
    assert_int_equal(secs, 0);
    assert_int_equal(vtime_parse_hms("17:30:15", &secs), 0);
    assert_int_equal(secs, 17 * 3600 + 30 * 60 + 15);
    assert_int_equal(vtime_parse_hms("23:59:59", &secs), 0);
    assert_int_equal(secs, 86399);
    const char *bad_times[] = {"24:00", "25:00",  "06:60",   "06:00:60",    "6:00",
                               "06:0",  "06:00:", "06:00:0", "06:00:00:00", "",
                               "0600",  "06-00",  "06:00 ",  "aa:bb"};
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++)
        if (vtime_parse_hms(bad_times[i], &secs) != -EINVAL)
            fail_msg("time accepted \"%s\"", bad_times[i]);
    assert_int_equal(vtime_parse_hms(NULL, &secs), -EINVAL);
}

static void test_vietnamese_forms(void **state)
{
    (void)state;
    char buf[32];
    vtime_format_date_vn(day_of_civil(2024, 3, 5), buf, sizeof buf);
    assert_string_equal(buf, "05/03/2024");
    vtime_format_date_vn(day_of_civil(2023, 12, 31), buf, 11);
    assert_string_equal(buf, "31/12/2023");

    vtime_format_hms(6 * 3600, buf, 9);
    assert_string_equal(buf, "06:00");
    vtime_format_hms(6 * 3600 + 30, buf, 9);
    assert_string_equal(buf, "06:00:30");
    vtime_format_hms(0, buf, sizeof buf);
    assert_string_equal(buf, "00:00");
    vtime_format_hms(86399, buf, sizeof buf);
    assert_string_equal(buf, "23:59:59");

    vtime_format_duration(185000, buf, sizeof buf);
    assert_string_equal(buf, "3:05");
    vtime_format_duration(3723000, buf, sizeof buf);
    assert_string_equal(buf, "1:02:03");
    vtime_format_duration(0, buf, sizeof buf);
    assert_string_equal(buf, "0:00");
    vtime_format_duration(59999, buf, sizeof buf);
    assert_string_equal(buf, "0:59");
    vtime_format_duration(3600000, buf, sizeof buf);
    assert_string_equal(buf, "1:00:00");
    vtime_format_duration(12 * 3600000 + 5000, buf, sizeof buf);
    assert_string_equal(buf, "12:00:05");

    const char *names[] = {"T2", "T3", "T4", "T5", "T6", "T7", "CN"};
    for (int w = 1; w <= 7; w++)
        assert_string_equal(vtime_weekday_vn(w), names[w - 1]);
    assert_string_equal(vtime_weekday_vn(vtime_weekday(day_of_civil(2024, 3, 5))), "T3");
    assert_string_equal(vtime_weekday_vn(vtime_weekday(day_of_civil(2024, 3, 10))), "CN");
    assert_string_equal(vtime_weekday_vn(0), "?");
    assert_string_equal(vtime_weekday_vn(8), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zone_new),
        cmocka_unit_test(test_midnight_vietnam),
        cmocka_unit_test(test_local_to_utc_ranges),
        cmocka_unit_test(test_month_boundaries),
        cmocka_unit_test(test_day_numbers),
        cmocka_unit_test(test_rfc3339_round_trip),
        cmocka_unit_test(test_rfc3339_format_offsets),
        cmocka_unit_test(test_instant_writable),
        cmocka_unit_test(test_rfc3339_rejects),
        cmocka_unit_test(test_utc_to_local),
        cmocka_unit_test(test_dst_gap_and_overlap),
        cmocka_unit_test(test_day_of_and_start),
        cmocka_unit_test(test_parse_short_forms),
        cmocka_unit_test(test_vietnamese_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
