/* plan_values: the syntax of a plan file's values — counts, durations, start times, genres,
 * priorities, weekday lists, comma lists and dates, including a bare day of the plan's month
 * ("22"). People write these by hand, so the forms are lenient where it is safe ("6:00",
 * "phóng sự" or "report", any case) and strict where a typo would change the meaning. */
#include "plan_internal.h"

#include "vtime.h"

#include <errno.h>
#include <string.h>

/* Digits only — no sign, no spaces — and value ≤ max. */
static bool parse_uint(const char *s, size_t n, int64_t max, int64_t *out)
{
    int64_t v = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!g_ascii_isdigit(s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

bool plan_parse_count(const char *s, int64_t max, int64_t *out)
{
    return parse_uint(s, strlen(s), max, out) && *out >= 1;
}

static bool two_digits_60(const char *s, size_t n, int64_t *out)
{
    return n == 2 && parse_uint(s, n, 59, out);
}

/* "185" seconds, "m:ss" or "h:mm:ss"; > 0 and ≤ 6 hours. */
int plan_parse_duration(const char *s, int64_t *ms_out)
{
    const char *c1 = strchr(s, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    int64_t h = 0, m = 0, sec = 0;
    bool ok;
    if (!c1)
        ok = parse_uint(s, strlen(s), MAX_DURATION_S, &sec);
    else if (!c2)
        ok = parse_uint(s, (size_t)(c1 - s), MAX_DURATION_S / 60, &m) &&
             two_digits_60(c1 + 1, strlen(c1 + 1), &sec);
    else
        ok = parse_uint(s, (size_t)(c1 - s), MAX_DURATION_S / 3600, &h) &&
             two_digits_60(c1 + 1, (size_t)(c2 - c1 - 1), &m) &&
             two_digits_60(c2 + 1, strlen(c2 + 1), &sec);
    int64_t total = h * 3600 + m * 60 + sec;
    if (!ok || total <= 0 || total > MAX_DURATION_S)
        return -EINVAL;
    *ms_out = total * 1000;
    return 0;
}

/* "HH:MM[:SS]"; people also write "6:00", which vtime's strict form lacks a zero for. */
int plan_parse_start(const char *s, int32_t *out)
{
    char buf[16];
    if (g_ascii_isdigit(s[0]) && s[1] == ':' && strlen(s) < sizeof buf - 1) {
        buf[0] = '0';
        strcpy(buf + 1, s);
        s = buf;
    }
    return vtime_parse_hms(s, out);
}

/* ---- words ---- */

typedef struct word {
    const char *text; /* casefolded NFC */
    int value;
} word;

static int find_word(const word *words, size_t n, const char *s)
{
    char *folded = g_utf8_casefold(s, -1);
    int r = -1;
    for (size_t i = 0; i < n && r < 0; i++) {
        if (strcmp(folded, words[i].text) == 0)
            r = words[i].value;
    }
    g_free(folded);
    return r;
}

int plan_parse_genre(const char *s, sched_genre *out)
{
    static const word vn[] = {
        {"tin", SCHED_GENRE_NEWS},
        {"bài", SCHED_GENRE_ARTICLE},
        {"bài viết", SCHED_GENRE_ARTICLE},
        {"phóng sự", SCHED_GENRE_REPORT},
        {"phỏng vấn", SCHED_GENRE_INTERVIEW},
        {"nhạc hiệu", SCHED_GENRE_JINGLE},
    };
    char *folded = g_utf8_casefold(s, -1);
    int rc = sched_genre_parse(folded, out);
    g_free(folded);
    if (rc == 0)
        return 0;
    int v = find_word(vn, G_N_ELEMENTS(vn), s);
    if (v < 0)
        return -EINVAL;
    *out = (sched_genre)v;
    return 0;
}

int plan_parse_priority(const char *s, sched_priority *out)
{
    static const word vn[] = {
        {"thường", SCHED_PRIO_NORMAL},
        {"ưu tiên", SCHED_PRIO_PRIORITY},
        {"khẩn cấp", SCHED_PRIO_EMERGENCY},
    };
    char *folded = g_utf8_casefold(s, -1);
    int rc = sched_priority_parse(folded, out);
    g_free(folded);
    if (rc == 0)
        return 0;
    int v = find_word(vn, G_N_ELEMENTS(vn), s);
    if (v < 0)
        return -EINVAL;
    *out = (sched_priority)v;
    return 0;
}

/* ---- lists ---- */

/* The entry as it goes into the list, or NULL after reporting why it cannot. */
static const char *list_item(plan_ctx *c, const plan_entry *e, const char *item, guint n_before)
{
    if (!*item)
        plan_error(c, e->line, "danh sách “%s” có mục trống (thừa dấu phẩy?)", e->name);
    else if (strlen(item) > MAX_VALUE)
        plan_error(c, e->line, "mục “%s” của danh sách “%s” quá dài: %zu byte (tối đa %d)",
                   plan_quote(c, item), e->name, strlen(item), MAX_VALUE);
    else if (n_before >= MAX_LIST)
        plan_error(c, e->line, "danh sách “%s” có quá nhiều mục (tối đa %d)", e->name, MAX_LIST);
    else
        return item;
    return NULL;
}

/* Stops at the first bad entry: the rest would mostly repeat its error. */
GPtrArray *plan_split_list(plan_ctx *c, const plan_entry *e)
{
    char *copy = g_string_chunk_insert(c->tmp, e->value);
    if (!*copy) {
        plan_error(c, e->line, "khoá “%s” chưa có giá trị", e->name);
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new();
    for (char *s = copy; s;) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        const char *item = list_item(c, e, plan_trim(s), out->len);
        if (!item) {
            g_ptr_array_unref(out);
            return NULL;
        }
        g_ptr_array_add(out, (gpointer)item);
        s = comma ? comma + 1 : NULL;
    }
    return out;
}

/* "hằng ngày", or a list of T2 … T7, CN (or mon … sun), each once. */
bool plan_parse_weekdays(plan_ctx *c, const plan_entry *e, uint8_t *mask_out)
{
    static const word every[] = {{"hằng ngày", 1}, {"hàng ngày", 1}, {"daily", 1}};
    static const word days[] = {{"t2", 0},  {"t3", 1},  {"t4", 2},  {"t5", 3},  {"t6", 4},
                                {"t7", 5},  {"cn", 6},  {"mon", 0}, {"tue", 1}, {"wed", 2},
                                {"thu", 3}, {"fri", 4}, {"sat", 5}, {"sun", 6}};
    if (find_word(every, G_N_ELEMENTS(every), e->value) >= 0) {
        *mask_out = 0x7f;
        return true;
    }
    GPtrArray *list = plan_split_list(c, e);
    if (!list)
        return false;
    unsigned mask = 0;
    bool ok = true;
    for (guint i = 0; i < list->len; i++) {
        const char *d = list->pdata[i];
        int bit = find_word(days, G_N_ELEMENTS(days), d);
        if (bit < 0)
            plan_error(c, e->line,
                       "ngày trong tuần không hợp lệ “%s”; dùng “hằng ngày” hoặc danh sách T2, "
                       "T3, T4, T5, T6, T7, CN",
                       plan_quote(c, d));
        else if (mask & (1u << bit))
            plan_error(c, e->line, "“%s” lặp lại trong danh sách “days”", d);
        ok = ok && bit >= 0 && !(mask & (1u << bit));
        if (bit >= 0)
            mask |= 1u << bit;
    }
    g_ptr_array_unref(list);
    if (ok)
        *mask_out = (uint8_t)mask;
    return ok;
}

/* ---- dates ---- */

/* A bare day of the plan's month ("22"). */
static bool parse_month_day(plan_ctx *c, int line, const char *text, int64_t dom, int32_t *out)
{
    if (c->month == MONTH_NONE)
        plan_error(c, line, "ngày “%s” chỉ ghi ngày trong tháng: cần mục [month] để biết tháng nào",
                   text);
    if (c->month != MONTH_OK)
        return false;
    const plan *p = plan_pub(c);
    if (vtime_day_from_civil(p->month.year, p->month.month, (int)dom, out) != 0) {
        plan_error(c, line, "ngày không hợp lệ “%s”: tháng %02d/%04d không có ngày này", text,
                   p->month.month, p->month.year);
        return false;
    }
    return true;
}

/* "YYYY-MM-DD", or with month_day also a day of the plan's month ("22"), and then a full date
 * must lie in that month. */
bool plan_parse_day(plan_ctx *c, int line, const char *text, bool month_day, int32_t *out)
{
    size_t n = strlen(text);
    int64_t dom;
    if (month_day && n <= 2 && parse_uint(text, n, 99, &dom))
        return parse_month_day(c, line, text, dom, out);
    if (vtime_parse_date(text, out) != 0) {
        plan_error(c, line, "ngày không hợp lệ “%s”: dùng YYYY-MM-DD (ví dụ 2026-12-22)%s",
                   plan_quote(c, text), month_day ? " hoặc ngày trong tháng (1–31)" : "");
        return false;
    }
    const plan *p = plan_pub(c);
    if (month_day && c->month == MONTH_OK && (*out < c->month_first || *out > c->month_last)) {
        plan_error(c, line, "ngày “%s” nằm ngoài tháng %02d/%04d của kế hoạch", text,
                   p->month.month, p->month.year);
        return false;
    }
    return true;
}
