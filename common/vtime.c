/* vtime: instants, local calendar days and wall-clock times in a GTimeZone. */
#include "vtime.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SECS_PER_DAY 86400
/* GDate Julian day of 1970-01-01 (GDate counts 0001-01-01 as day 1). */
#define JULIAN_EPOCH 719163
/* Calendar limits for instants and parsed text: GDate's and GDateTime's common range. */
#define YEAR_MIN_ANY 1
#define YEAR_MAX_ANY 9999
/* Day numbers and local times the rest of the system handles. */
#define YEAR_MIN_CIVIL 1900

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool valid_date(int year, int month, int day, int year_min)
{
    if (year < year_min || year > YEAR_MAX_ANY || month < 1 || month > 12 || day < 1)
        return false;
    return day <= g_date_get_days_in_month((GDateMonth)month, (GDateYear)year);
}

/* Unchecked: callers have validated the date against [YEAR_MIN_ANY, YEAR_MAX_ANY]. */
static int32_t day_number(int year, int month, int day)
{
    GDate d;
    g_date_clear(&d, 1);
    g_date_set_dmy(&d, (GDateDay)day, (GDateMonth)month, (GDateYear)year);
    return (int32_t)((int64_t)g_date_get_julian(&d) - JULIAN_EPOCH);
}

/* Day numbers of 0001-01-01 and 9999-12-31 (checked by the tests). */
#define DAY_MIN (-719162)
#define DAY_MAX 2932896

static bool day_in_range(int64_t day)
{
    return day >= DAY_MIN && day <= DAY_MAX;
}

int vtime_zone_new(const char *name, GTimeZone **out)
{
    if (name == NULL || name[0] == '\0')
        name = VTIME_DEFAULT_ZONE;
    /* g_time_zone_new() would quietly give UTC for a misspelt name. */
    GTimeZone *tz = g_time_zone_new_identifier(name);
    if (tz == NULL)
        return -EINVAL;
    *out = tz;
    return 0;
}

static GTimeZone *process_zone;

GTimeZone *vtime_zone(void)
{
    static gsize once = 0;
    if (g_once_init_enter(&once)) {
        if (!process_zone && vtime_zone_new(NULL, &process_zone) != 0)
            process_zone = g_time_zone_new_utc(); /* tzdata missing: still well defined */
        g_once_init_leave(&once, 1);
    }
    return process_zone;
}

int vtime_set_zone(const char *name)
{
    GTimeZone *tz = NULL;
    int rc = vtime_zone_new(name, &tz);
    if (rc != 0)
        return rc;
    (void)vtime_zone();
    /* The previous zone is kept alive: readers may still hold it (it is borrowed). */
    process_zone = tz;
    return 0;
}

/* ---- strict text scanning ---- */

/* Reads exactly n decimal digits at *p, advancing it. */
static bool scan_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool scan_char(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

static bool scan_date(const char **p, int *y, int *m, int *d)
{
    return scan_digits(p, 4, y) && scan_char(p, '-') && scan_digits(p, 2, m) && scan_char(p, '-') &&
           scan_digits(p, 2, d);
}

static bool scan_hms(const char **p, int *h, int *m, int *s)
{
    if (!scan_digits(p, 2, h) || !scan_char(p, ':') || !scan_digits(p, 2, m) ||
        !scan_char(p, ':') || !scan_digits(p, 2, s))
        return false;
    return *h <= 23 && *m <= 59 && *s <= 59;
}

/* Optional ".fff…": keeps milliseconds, drops finer digits; at least one digit required. */
static bool scan_fraction(const char **p, int *ms)
{
    *ms = 0;
    if (!scan_char(p, '.'))
        return true;
    if (**p < '0' || **p > '9')
        return false;
    int scale = 100;
    for (; **p >= '0' && **p <= '9'; (*p)++) {
        *ms += (**p - '0') * scale;
        scale /= 10;
    }
    return true;
}

static bool scan_offset(const char **p, int32_t *offset_s)
{
    if (scan_char(p, 'Z') || scan_char(p, 'z')) {
        *offset_s = 0;
        return true;
    }
    char sign = **p;
    if (sign != '+' && sign != '-')
        return false;
    (*p)++;
    int h, m;
    if (!scan_digits(p, 2, &h) || !scan_char(p, ':') || !scan_digits(p, 2, &m) || h > 23 || m > 59)
        return false;
    *offset_s = (sign == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return true;
}

int vtime_parse_rfc3339(const char *s, int64_t *ms_out)
{
    int y, mo, d, h, mi, sec, ms;
    int32_t off;
    const char *p = s;
    if (s == NULL || !scan_date(&p, &y, &mo, &d))
        return -EINVAL;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -EINVAL;
    p++;
    if (!scan_hms(&p, &h, &mi, &sec) || !scan_fraction(&p, &ms) || !scan_offset(&p, &off) ||
        *p != '\0' || !valid_date(y, mo, d, YEAR_MIN_ANY))
        return -EINVAL;
    int64_t secs = (int64_t)day_number(y, mo, d) * SECS_PER_DAY + h * 3600 + mi * 60 + sec - off;
    *ms_out = secs * 1000 + ms;
    return 0;
}

/* ---- instants and zones ---- */

static int32_t offset_at(GTimeZone *tz, int64_t utc_s)
{
    int interval = g_time_zone_find_interval(tz, G_TIME_TYPE_UNIVERSAL, utc_s);
    return g_time_zone_get_offset(tz, interval);
}

/* Breaks down ms as seen with a fixed UTC offset. */
static int local_from_offset(int64_t ms, int32_t offset_s, vtime_local *out)
{
    /* Bound ms first so adding the offset cannot overflow. */
    if (ms < (int64_t)(DAY_MIN - 1) * SECS_PER_DAY * 1000 ||
        ms > (int64_t)(DAY_MAX + 2) * SECS_PER_DAY * 1000)
        return -ERANGE;
    int64_t local_ms = ms + (int64_t)offset_s * 1000;
    int64_t day = floor_div(local_ms, (int64_t)SECS_PER_DAY * 1000);
    if (!day_in_range(day))
        return -ERANGE;
    int64_t in_day = local_ms - day * SECS_PER_DAY * 1000;
    vtime_civil_from_day((int32_t)day, &out->year, &out->month, &out->day);
    out->hour = (int)(in_day / 3600000);
    out->minute = (int)(in_day / 60000 % 60);
    out->second = (int)(in_day / 1000 % 60);
    out->millisecond = (int)(in_day % 1000);
    out->weekday = vtime_weekday((int32_t)day);
    out->offset_s = offset_s;
    return 0;
}

int vtime_utc_to_local(GTimeZone *tz, int64_t ms, vtime_local *out)
{
    return local_from_offset(ms, offset_at(tz, floor_div(ms, 1000)), out);
}

bool vtime_instant_writable(int64_t ms)
{
    /* A day's margin at each end: no zone's offset reaches a day. */
    return ms >= (int64_t)(DAY_MIN + 1) * SECS_PER_DAY * 1000 &&
           ms < (int64_t)DAY_MAX * SECS_PER_DAY * 1000;
}

int vtime_format_rfc3339(int64_t ms, GTimeZone *tz, char buf[VTIME_RFC3339_MAX])
{
    vtime_local l;
    /* RFC 3339 offsets have no seconds (old LMT offsets do): truncate the offset and shift
     * the wall time with it so the text still names the same instant. */
    int32_t off = offset_at(tz, floor_div(ms, 1000));
    off -= off % 60;
    int rc = local_from_offset(ms, off, &l);
    if (rc < 0)
        return rc;
    int abs_off = off < 0 ? -off : off;
    /* Sized for any int so the compiler can prove no truncation; the fields are in range. */
    char frac[16] = "", tmp[96];
    if (l.millisecond != 0)
        snprintf(frac, sizeof frac, ".%03d", l.millisecond);
    int n = snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d%s%c%02d:%02d", l.year, l.month,
                     l.day, l.hour, l.minute, l.second, frac, off < 0 ? '-' : '+', abs_off / 3600,
                     abs_off / 60 % 60);
    if (n < 0 || n >= VTIME_RFC3339_MAX)
        return -ERANGE;
    memcpy(buf, tmp, (size_t)n + 1);
    return 0;
}

/* Earliest instant (seconds) whose local time in tz is local_s, or -EINVAL in a gap.
 * Candidate offsets come from a day either side, so this holds while transitions are
 * more than two days apart, which every real zone satisfies. */
static int resolve_local(GTimeZone *tz, int64_t local_s, int64_t *utc_out)
{
    int32_t cand[3] = {offset_at(tz, local_s - SECS_PER_DAY), offset_at(tz, local_s),
                       offset_at(tz, local_s + SECS_PER_DAY)};
    bool found = false;
    for (int i = 0; i < 3; i++) {
        int64_t utc = local_s - cand[i];
        if (offset_at(tz, utc) != cand[i] || (found && utc >= *utc_out))
            continue;
        *utc_out = utc;
        found = true;
    }
    return found ? 0 : -EINVAL;
}

int vtime_local_to_utc(GTimeZone *tz, int year, int month, int day, int hour, int minute,
                       int second, int64_t *ms_out)
{
    if (!valid_date(year, month, day, YEAR_MIN_CIVIL) || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 59)
        return -EINVAL;
    int64_t local_s =
        (int64_t)day_number(year, month, day) * SECS_PER_DAY + hour * 3600 + minute * 60 + second;
    int64_t utc;
    int rc = resolve_local(tz, local_s, &utc);
    if (rc < 0)
        return rc;
    *ms_out = utc * 1000;
    return 0;
}

/* ---- day numbers ---- */

int vtime_day_from_civil(int year, int month, int day, int32_t *day_out)
{
    if (!valid_date(year, month, day, YEAR_MIN_CIVIL))
        return -EINVAL;
    *day_out = day_number(year, month, day);
    return 0;
}

void vtime_civil_from_day(int32_t day, int *year, int *month, int *dom)
{
    if (!day_in_range(day)) {
        *year = *month = *dom = 0;
        return;
    }
    GDate d;
    g_date_clear(&d, 1);
    g_date_set_julian(&d, (guint32)((int64_t)day + JULIAN_EPOCH));
    *year = g_date_get_year(&d);
    *month = g_date_get_month(&d);
    *dom = g_date_get_day(&d);
}

int vtime_weekday(int32_t day)
{
    /* Day 0, 1970-01-01, was a Thursday (4). */
    return (int)(((int64_t)day + 3) % 7 + 7) % 7 + 1;
}

int vtime_days_in_month(int year, int month)
{
    if (year < YEAR_MIN_ANY || year > YEAR_MAX_ANY || month < 1 || month > 12)
        return 0;
    return g_date_get_days_in_month((GDateMonth)month, (GDateYear)year);
}

int vtime_day_of(GTimeZone *tz, int64_t ms, int32_t *day_out)
{
    vtime_local l;
    int rc = vtime_utc_to_local(tz, ms, &l);
    if (rc < 0)
        return rc;
    *day_out = day_number(l.year, l.month, l.day);
    return 0;
}

/* Where DST starts at midnight the day begins at the transition, found by bisection between
 * the two readings of local midnight (lo is before the transition, hi after). */
static int64_t gap_end(GTimeZone *tz, int64_t local_s)
{
    int64_t lo = local_s - offset_at(tz, local_s + SECS_PER_DAY);
    int64_t hi = local_s - offset_at(tz, local_s - SECS_PER_DAY);
    int32_t off_before = offset_at(tz, lo);
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (offset_at(tz, mid) == off_before)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

int vtime_day_start(GTimeZone *tz, int32_t day, int64_t *ms_out)
{
    if (!day_in_range(day))
        return -ERANGE;
    int64_t local_s = (int64_t)day * SECS_PER_DAY;
    int64_t utc;
    if (resolve_local(tz, local_s, &utc) < 0)
        utc = gap_end(tz, local_s);
    *ms_out = utc * 1000;
    return 0;
}

/* ---- strict short forms ---- */

int vtime_parse_date(const char *s, int32_t *day_out)
{
    int y, m, d;
    const char *p = s;
    if (s == NULL || !scan_date(&p, &y, &m, &d) || *p != '\0')
        return -EINVAL;
    return vtime_day_from_civil(y, m, d, day_out);
}

int vtime_parse_month(const char *s, int *year_out, int *month_out)
{
    int y, m;
    const char *p = s;
    if (s == NULL || !scan_digits(&p, 4, &y) || !scan_char(&p, '-') || !scan_digits(&p, 2, &m) ||
        *p != '\0' || !valid_date(y, m, 1, YEAR_MIN_CIVIL))
        return -EINVAL;
    *year_out = y;
    *month_out = m;
    return 0;
}

int vtime_parse_hms(const char *s, int32_t *seconds_out)
{
    int h, m, sec = 0;
    const char *p = s;
    if (s == NULL || !scan_digits(&p, 2, &h) || !scan_char(&p, ':') || !scan_digits(&p, 2, &m))
        return -EINVAL;
    if (scan_char(&p, ':') && !scan_digits(&p, 2, &sec))
        return -EINVAL;
    if (*p != '\0' || h > 23 || m > 59 || sec > 59)
        return -EINVAL;
    *seconds_out = h * 3600 + m * 60 + sec;
    return 0;
}

/* ---- Vietnamese human forms ---- */

void vtime_format_date_vn(int32_t day, char *buf, size_t len)
{
    int y, m, d;
    vtime_civil_from_day(day, &y, &m, &d);
    snprintf(buf, len, "%02d/%02d/%04d", d, m, y);
}

void vtime_format_hms(int32_t seconds, char *buf, size_t len)
{
    int64_t s = seconds < 0 ? -(int64_t)seconds : seconds;
    const char *sign = seconds < 0 ? "-" : "";
    int h = (int)(s / 3600), m = (int)(s / 60 % 60), sec = (int)(s % 60);
    if (sec != 0)
        snprintf(buf, len, "%s%02d:%02d:%02d", sign, h, m, sec);
    else
        snprintf(buf, len, "%s%02d:%02d", sign, h, m);
}

void vtime_format_duration(int64_t ms, char *buf, size_t len)
{
    /* Whole seconds elapsed, as a player's counter shows them. */
    uint64_t s = (ms < 0 ? -(uint64_t)ms : (uint64_t)ms) / 1000;
    const char *sign = ms < 0 ? "-" : "";
    unsigned long long h = s / 3600;
    unsigned m = (unsigned)(s / 60 % 60), sec = (unsigned)(s % 60);
    if (h > 0)
        snprintf(buf, len, "%s%llu:%02u:%02u", sign, h, m, sec);
    else
        snprintf(buf, len, "%s%u:%02u", sign, m, sec);
}

const char *vtime_weekday_vn(int weekday)
{
    static const char *const names[] = {"T2", "T3", "T4", "T5", "T6", "T7", "CN"};
    if (weekday < 1 || weekday > 7)
        return "?";
    return names[weekday - 1];
}
