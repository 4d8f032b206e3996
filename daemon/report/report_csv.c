/* report_csv: the CSV exports of report.h, made from the report's JSON so that what the file
 * says is exactly what the API says. Excel opens UTF-8 only with a BOM; rows end in CRLF
 * (RFC 4180); numbers use a dot, never a thousands separator. Text that a spreadsheet would
 * take for a formula is neutralised (formula_like). */
#include "report.h"

#include <errno.h>
#include <string.h>

#include "vtime.h"

static const char BOM[] = "\xEF\xBB\xBF";

/* A plain decimal number, as the numeric columns hold ("-1.5" stays a number). */
static bool is_number(const char *s)
{
    char *end = NULL;
    if (!*s)
        return false;
    (void)g_ascii_strtod(s, &end);
    return *end == '\0' && strspn(s, "+-0123456789.") == strlen(s);
}

/* A cell a spreadsheet would run as a formula: "=HYPERLINK(…)" in a piece's title, say. OWASP's
 * advice, which Excel and LibreOffice honour: a leading apostrophe makes it text, shown as typed.
 */
static bool formula_like(const char *s)
{
    return strchr("=+-@\t\r", s[0]) && s[0] && !is_number(s);
}

static void field(GString *g, const char *s, bool last)
{
    bool formula = formula_like(s);
    if (formula || strpbrk(s, ",\"\r\n")) {
        g_string_append_c(g, '"');
        if (formula)
            g_string_append_c(g, '\'');
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                g_string_append_c(g, '"');
            g_string_append_c(g, *p);
        }
        g_string_append_c(g, '"');
    } else {
        g_string_append(g, s);
    }
    g_string_append(g, last ? "\r\n" : ",");
}

static void row(GString *g, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        field(g, v[i], i + 1 == n);
}

static json_int_t num(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* ms as minutes with one decimal, rounded half up. */
static void minutes(char *buf, size_t len, json_int_t ms)
{
    json_int_t tenths = (ms * 10 + 30000) / 60000;
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT ".%" JSON_INTEGER_FORMAT, tenths / 10, tenths % 10);
}

/* per-mille as a percentage with one decimal; "" when undefined (-1). */
static void percent(char *buf, size_t len, json_int_t pm)
{
    if (pm < 0)
        snprintf(buf, len, "%s", "");
    else
        snprintf(buf, len, "%" JSON_INTEGER_FORMAT ".%" JSON_INTEGER_FORMAT, pm / 10, pm % 10);
}

#define N_COLS 13

static void line_row(GString *g, const char *label, const json_t *l, size_t out_of_bounds)
{
    char c[N_COLS][32];
    const char *v[N_COLS];
    const char *keys[] = {"pieces_contracted",  "pieces_approved",   "pieces_aired",
                          "airings_contracted", "airings_scheduled", "airings_reached",
                          "airings_missed"};
    v[0] = label;
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        snprintf(c[i + 1], sizeof c[i + 1], "%" JSON_INTEGER_FORMAT, num(l, keys[i]));
        v[i + 1] = c[i + 1];
    }
    minutes(c[8], sizeof c[8], num(l, "ms_scheduled"));
    minutes(c[9], sizeof c[9], num(l, "ms_delivered"));
    percent(c[10], sizeof c[10], num(l, "delivered_permille"));
    percent(c[11], sizeof c[11], num(l, "reached_permille"));
    snprintf(c[12], sizeof c[12], "%zu", out_of_bounds);
    for (int i = 8; i < N_COLS; i++)
        v[i] = c[i];
    row(g, v, N_COLS);
}

int report_csv(const json_t *report, char **out, size_t *len_out)
{
    static const char *const head[N_COLS] = {
        "Thể loại",
        "Tin/bài theo hợp đồng",
        "Tin/bài đã duyệt",
        "Tin/bài đã phát",
        "Lượt phát theo hợp đồng",
        "Lượt phát đã xếp lịch",
        "Lượt phát đạt",
        "Lượt phát không đạt",
        "Phút theo lịch",
        "Phút đã phát",
        "Tỷ lệ phút đã phát (%)",
        "Tỷ lệ lượt đạt so với hợp đồng (%)",
        "Tin/bài ngoài giới hạn thời lượng",
    };
    json_t *lines = json_object_get(report, "lines");
    json_t *totals = json_object_get(report, "totals");
    if (!json_is_array(lines) || !json_is_object(totals))
        return -EINVAL;
    GString *g = g_string_new(BOM);
    row(g, head, N_COLS);
    size_t oob_total = 0;
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *l = json_array_get(lines, i);
        size_t oob = json_array_size(json_object_get(l, "out_of_bounds"));
        line_row(g, json_string_value(json_object_get(l, "label")), l, oob);
        oob_total += oob;
    }
    line_row(g, "Tổng cộng", totals, oob_total);
    if (len_out)
        *len_out = g->len;
    *out = g_string_free(g, FALSE);
    return 0;
}

static void local_parts(const char *rfc3339, GTimeZone *tz, char date[16], char time[16])
{
    int64_t ms = 0;
    vtime_local lt;
    date[0] = time[0] = '\0';
    if (!rfc3339 || vtime_parse_rfc3339(rfc3339, &ms) != 0 || vtime_utc_to_local(tz, ms, &lt) != 0)
        return;
    snprintf(date, 16, "%02d/%02d/%04d", lt.day, lt.month, lt.year);
    snprintf(time, 16, "%02d:%02d:%02d", lt.hour, lt.minute, lt.second);
}

static void seconds(char *buf, size_t len, const json_t *ms)
{
    if (!json_is_integer(ms)) {
        snprintf(buf, len, "%s", "");
        return;
    }
    json_int_t v = json_integer_value(ms);
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT ".%03" JSON_INTEGER_FORMAT, v / 1000, v % 1000);
}

#define N_EV 12

static void evidence_rows(GString *g, const json_t *e, GTimeZone *tz)
{
    char date[16], time[16], dur[32], played[32];
    json_t *boxes = json_object_get(e, "boxes");
    local_parts(json_string_value(json_object_get(e, "start")), tz, date, time);
    seconds(dur, sizeof dur, json_object_get(e, "duration_ms"));
    for (size_t k = 0; k < json_array_size(boxes); k++) {
        json_t *b = json_array_get(boxes, k);
        const char *play = json_string_value(json_object_get(b, "play"));
        const char *outcome = json_string_value(json_object_get(b, "outcome"));
        seconds(played, sizeof played, json_object_get(b, "played_ms"));
        const char *v[N_EV] = {
            json_string_value(json_object_get(e, "airing")),
            date,
            time,
            json_string_value(json_object_get(e, "title")),
            json_string_value(json_object_get(e, "genre_label")),
            dur,
            json_string_value(json_object_get(b, "name")),
            json_string_value(json_object_get(b, "commune")),
            json_string_value(json_object_get(b, "status_label")),
            outcome ? outcome : "",
            played,
            play ? play : "",
        };
        row(g, v, N_EV);
    }
}

int report_evidence_csv(const json_t *report, GTimeZone *tz, char **out, size_t *len_out)
{
    static const char *const head[N_EV] = {
        "Mã lượt phát",      "Ngày",       "Giờ", "Tin/bài", "Thể loại",
        "Thời lượng (giây)", "Cụm loa",    "Xã",  "Kết quả", "Báo cáo của cụm loa",
        "Đã phát (giây)",    "Mã báo cáo",
    };
    json_t *ev = json_object_get(report, "evidence");
    if (!json_is_array(ev))
        return -EINVAL;
    GString *g = g_string_new(BOM);
    row(g, head, N_EV);
    for (size_t i = 0; i < json_array_size(ev); i++)
        evidence_rows(g, json_array_get(ev, i), tz);
    if (len_out)
        *len_out = g->len;
    *out = g_string_free(g, FALSE);
    return 0;
}
