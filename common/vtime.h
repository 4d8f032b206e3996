/* vtime: instants, local dates and wall-clock times in the configured zone.
 * Instants are UTC epoch milliseconds (int64_t); local calendar days are "day numbers"
 * (days since 1970-01-01 in the proleptic Gregorian calendar). Zones come from GTimeZone. */
#ifndef LOALANG_VTIME_H
#define LOALANG_VTIME_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define VTIME_DEFAULT_ZONE "Asia/Ho_Chi_Minh"
/* Longest RFC 3339 text we produce, with NUL: "2024-03-05T06:00:00.123+07:00". */
#define VTIME_RFC3339_MAX 32

/* A broken-down local time. weekday: 1 = Monday … 7 = Sunday (ISO 8601). */
typedef struct vtime_local {
    int year, month, day;
    int hour, minute, second, millisecond;
    int weekday;
    int32_t offset_s; /* UTC offset in force at that instant */
} vtime_local;

/* Opens a time zone by IANA name; NULL or "" means VTIME_DEFAULT_ZONE. Unknown names fail
 * with -EINVAL (GLib would silently fall back to UTC). Caller unrefs *out with g_time_zone_unref.
 */
int vtime_zone_new(const char *name, GTimeZone **out);

/* The process's zone for everything people read (the daemon's configured time_zone): set once
 * at start-up, before any thread uses it; until then VTIME_DEFAULT_ZONE. Borrowed: valid for
 * the life of the process. vtime_set_zone fails -EINVAL for an unknown name. */
GTimeZone *vtime_zone(void);
int vtime_set_zone(const char *name);

/* Parses RFC 3339 "YYYY-MM-DDTHH:MM:SS[.fff…]Z|±HH:MM" ('T' may also be 't' or ' ').
 * An offset is required. Fractions beyond milliseconds are truncated. -EINVAL on anything else
 * (including impossible dates such as 2024-02-30 or hour 24). */
int vtime_parse_rfc3339(const char *s, int64_t *ms_out);

/* True when every zone can write instant ms as RFC 3339, whatever its offset (under a day):
 * UTC 0001-01-02 … 9999-12-30. Times from peers are held to this, so that what is decoded can
 * always be encoded again. */
bool vtime_instant_writable(int64_t ms);

/* Formats an instant as RFC 3339 in zone tz with its offset ("+07:00"; "Z" only for a UTC zone
 * with offset 0 is NOT used: always ±HH:MM). Milliseconds are written only when non-zero. */
int vtime_format_rfc3339(int64_t ms, GTimeZone *tz, char buf[VTIME_RFC3339_MAX]);

/* Local wall-clock time in tz → instant. Non-existent local times (DST gaps) fail -EINVAL;
 * ambiguous ones take the earlier instant. Fields are range-checked. */
int vtime_local_to_utc(GTimeZone *tz, int year, int month, int day, int hour, int minute,
                       int second, int64_t *ms_out);

/* Instant → broken-down local time in tz. */
int vtime_utc_to_local(GTimeZone *tz, int64_t ms, vtime_local *out);

/* Day numbers: civil date ↔ days since 1970-01-01. vtime_day_from_civil fails -EINVAL for
 * impossible dates (month 13, 31/04, 29/02 of a common year, years outside 1900..9999). */
int vtime_day_from_civil(int year, int month, int day, int32_t *day_out);
void vtime_civil_from_day(int32_t day, int *year, int *month, int *dom);
/* ISO weekday of a day number: 1 = Monday … 7 = Sunday. */
int vtime_weekday(int32_t day);
int vtime_days_in_month(int year, int month);

/* The local day number that contains instant ms in tz. */
int vtime_day_of(GTimeZone *tz, int64_t ms, int32_t *day_out);
/* Instant of local midnight starting day number `day` in tz. */
int vtime_day_start(GTimeZone *tz, int32_t day, int64_t *ms_out);

/* Strict text forms (whole string must match; leading zeros required where shown):
 * "YYYY-MM-DD" → day number; "YYYY-MM" → year and month; "HH:MM" or "HH:MM:SS" → seconds
 * after local midnight (00:00 … 23:59:59). All fail -EINVAL on bad input. */
int vtime_parse_date(const char *s, int32_t *day_out);
int vtime_parse_month(const char *s, int *year_out, int *month_out);
int vtime_parse_hms(const char *s, int32_t *seconds_out);

/* Human forms for Vietnamese readers. buf needs at least 11 bytes for dates, 9 for times.
 * "dd/mm/yyyy", "HH:MM" (or "HH:MM:SS" when seconds != 0), "mm:ss" / "h:mm:ss" durations. */
void vtime_format_date_vn(int32_t day, char *buf, size_t len);
void vtime_format_hms(int32_t seconds, char *buf, size_t len);
void vtime_format_duration(int64_t ms, char *buf, size_t len);
/* Short Vietnamese weekday name: "T2" … "T7", "CN". */
const char *vtime_weekday_vn(int weekday);

#endif
