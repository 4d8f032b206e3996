/* api_words: see api_words.h. Each sentence is a template: "{name}" is the fact of that name
 * (a string as is, an integer in decimal, an array joined with ", "), and "{name|filter}"
 * first puts each value in Vietnamese form: "date" a day number as dd/mm/yyyy, "month"
 * "YYYY-MM" as mm/yyyy, "time" an RFC 3339 instant as HH:MM:SS dd/mm/yyyy in the daemon's
 * zone, "quoted" a string in “”. A missing fact reads as "?", so a sentence never breaks off. */
#include "api_words.h"

#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <string.h>

#include "reason.h"
#include "vtime.h"

static const struct {
    const char *words, *text;
} SENTENCES[] = {
    /* targets (store_targets_from_json) */
    {"targets_empty_communes", "danh sách xã phải có ít nhất một tên"},
    {"targets_empty_boxes", "danh sách cụm loa phải có ít nhất một tên"},
    {"unknown_commune", "không có xã “{name}”"},
    {"unknown_box", "không có cụm loa “{name}”"},
    {"targets_shape", "nơi phát không hợp lệ: cần {\"kind\":\"all\"}, {\"kind\":\"communes\",…} "
                      "hoặc {\"kind\":\"boxes\",…}"},
    {"targets_kind", "loại nơi phát không hợp lệ: “{kind}”"},
    /* programmes (store_programs.c) */
    {"program_title", "tên chương trình phải có từ 1 đến 256 byte, không có ký tự điều khiển hay "
                      "khoảng trắng ở đầu và cuối"},
    {"program_weekdays", "ngày phát trong tuần phải là danh sách khác rỗng gồm mon, tue, wed, thu, "
                         "fri, sat, sun"},
    {"program_start", "giờ bắt đầu không hợp lệ (cần HH:MM, từ 00:00 đến 23:59)"},
    {"program_length", "thời lượng chương trình phải là số phút từ 1 đến 1440"},
    {"program_date", "ngày không hợp lệ (cần YYYY-MM-DD, ví dụ 2026-12-01)"},
    {"program_jingle", "nhạc hiệu “{piece}” không có hoặc chưa được duyệt (cần tin bài thể loại "
                       "nhạc hiệu đã duyệt)"},
    {"program_not_object", "dữ liệu chương trình phải là đối tượng JSON"},
    {"program_no_title", "thiếu tên chương trình"},
    {"program_no_weekdays", "thiếu ngày phát trong tuần"},
    {"program_no_start", "thiếu giờ bắt đầu"},
    {"program_no_length", "thiếu thời lượng chương trình"},
    {"program_dates_order", "ngày bắt đầu hiệu lực phải trước hoặc bằng ngày kết thúc"},
    {"program_title_taken", "đã có chương trình tên “{title}”"},
    {"program_overlap", "chương trình “{title}” trùng giờ với chương trình “{other}” trên cùng "
                        "xã/cụm loa: ngày {day|date} từ {from} đến {until}"},
    {"program_unknown", "không có chương trình này"},
    {"program_in_use", "chương trình “{title}” còn lần phát trong lịch đang soạn của tháng "
                       "{months|month}: xếp lại lịch hoặc xoá các lần phát đó trước"},
    /* monthly plans (store_plans.c, store_plan_airings.c) and publishing (publish.c) */
    {"month_bad", "tháng không hợp lệ: “{month}”"},
    {"plan_month_format", "tháng không hợp lệ: “{month}” (cần YYYY-MM, ví dụ 2026-12)"},
    {"plan_month_missing", "tháng {month} chưa có kế hoạch"},
    {"plan_theme", "chủ đề tháng phải có từ 1 đến 512 byte, không có ký tự điều khiển"},
    {"plan_theme_type", "Chủ đề tháng phải là chuỗi ký tự hoặc null."},
    {"piece_unknown", "không có tin bài “{piece}”"},
    {"piece_not_approved", "tin bài “{title}” chưa được duyệt"},
    {"plan_jingle", "“{title}” là nhạc hiệu: nhạc hiệu gắn với chương trình, không đưa vào kế "
                    "hoạch tháng"},
    {"plan_date", "ngày không hợp lệ (cần YYYY-MM-DD, ví dụ 2026-12-22)"},
    {"plan_date_outside", "ngày {date} không thuộc tháng của kế hoạch"},
    {"plan_pins_shape", "“pins” phải là danh sách {\"day\":…,\"program\":…}"},
    {"plan_pin_shape", "mỗi ghim phải là {\"day\":…}"},
    {"plan_pin_no_day", "ghim thiếu ngày (\"day\")"},
    {"program_unknown_named", "không có chương trình “{program}”"},
    {"plan_pin_outside", "ngày ghim {day} nằm ngoài khoảng ngày được phát của tin bài"},
    {"plan_item_not_object", "mục kế hoạch phải là đối tượng JSON"},
    {"plan_airings", "số lần phát phải là số nguyên từ 0 đến {max}"},
    {"plan_window_order", "ngày đầu của khoảng phát phải trước hoặc bằng ngày cuối"},
    {"plan_item_no_piece", "mục kế hoạch thiếu tin bài (\"piece\")"},
    {"plan_item_exists", "tin bài đã có trong kế hoạch tháng"},
    {"plan_item_unknown", "tin bài không có trong kế hoạch tháng"},
    {"plan_program_overlap", "chương trình “{title}” trùng giờ với “{other}” trên cùng xã/cụm loa "
                             "(ngày {day|date}): sửa chương trình rồi xếp lịch lại"},
    /* the fill's items left out (store_plan_fill_json) and hand edits' warnings */
    {"plan_skipped_not_approved", "tin bài chưa được duyệt (hoặc đã thu hồi)"},
    {"plan_skipped_gone", "tin bài không còn trong cơ sở dữ liệu"},
    {"plan_edit_overlap", "trùng giờ với “{other}” trên cụm loa “{box}” lúc {at|time}"},
    {"plan_edit_outside_slot", "lần phát nằm ngoài khung giờ của chương trình “{program}”"},
    {"airing_no_piece", "lần phát cần tin bài (\"piece\")"},
    {"airing_start", "thời điểm phát không hợp lệ (cần RFC 3339, ví dụ "
                     "2026-12-05T06:00:00+07:00)"},
    {"airing_outside_month", "thời điểm phát không thuộc tháng của kế hoạch"},
    {"airing_new_outside_month", "thời điểm phát mới không thuộc tháng của kế hoạch"},
    {"airing_unknown", "không có lần phát này trong lịch đang soạn"},
    {"plan_airing_not_in_month", "Không có lần phát này trong lịch đang soạn của tháng {month}."},
    {"priority", "mức ưu tiên không hợp lệ (normal, priority, emergency)"},
    {"priority_named", "mức ưu tiên không hợp lệ: “{priority}” (normal, priority, emergency)"},
    {"oneoff_start", "thời điểm phát không hợp lệ"},
    {"emergency_unknown", "không có lần phát khẩn cấp nào đang hiệu lực với mã này"},
    /* play reports (store_plays.c), after the code in a box's "rejected" list */
    {"play_invalid", "báo cáo không hợp lệ ({detail})"},
    {"play_foreign_id", "mã báo cáo đã được cụm loa khác dùng"},
    {"play_conflict", "mã báo cáo đã dùng cho một báo cáo khác"},
    {"play_unknown_airing", "không có lượt phát (airing) này"},
    {"play_not_targeted", "lượt phát này không giao cho cụm loa"},
    {"play_wrong_media", "tệp âm thanh khác với tệp của lượt phát"},
    {"play_missed_played", "lượt bị lỡ nhưng thời lượng đã phát khác 0"},
    {"play_bad_times", "thời gian bắt đầu, kết thúc và thời lượng mâu thuẫn"},
    {"play_too_long", "thời lượng đã phát dài hơn tệp âm thanh"},
    {"publish_pieces_not_approved", "không công bố được: các tin bài sau không còn được duyệt: "
                                    "{titles|quoted}. Bỏ chúng khỏi kế hoạch hoặc duyệt lại "
                                    "rồi xếp lịch lại"},
};

static const struct {
    const char *status, *vn;
} STATUSES[] = {
    {"draft", "nháp"},          {"submitted", "chờ duyệt"},   {"approved", "đã duyệt"},
    {"rejected", "bị từ chối"}, {"retired", "ngừng sử dụng"},
};

const char *api_words_piece_status(const char *status)
{
    for (size_t i = 0; status && i < G_N_ELEMENTS(STATUSES); i++)
        if (!strcmp(status, STATUSES[i].status))
            return STATUSES[i].vn;
    return NULL;
}

static void put_value(GString *out, const json_t *v, const char *filter)
{
    int64_t ms = 0;
    vtime_local l;
    if (json_is_string(v)) {
        const char *t = json_string_value(v);
        if (strcmp(filter, "month") == 0 && strlen(t) == 7)
            g_string_append_printf(out, "%.2s/%.4s", t + 5, t);
        else if (strcmp(filter, "time") == 0 && vtime_parse_rfc3339(t, &ms) == 0 &&
                 vtime_utc_to_local(vtime_zone(), ms, &l) == 0)
            g_string_append_printf(out, "%02d:%02d:%02d %02d/%02d/%04d", l.hour, l.minute, l.second,
                                   l.day, l.month, l.year);
        else if (strcmp(filter, "quoted") == 0)
            g_string_append_printf(out, "“%s”", t);
        else
            g_string_append(out, t);
    } else if (json_is_integer(v) && strcmp(filter, "date") == 0) {
        char date[16];
        vtime_format_date_vn((int32_t)json_integer_value(v), date, sizeof date);
        g_string_append(out, date);
    } else if (json_is_integer(v)) {
        g_string_append_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_array(v)) {
        size_t i;
        const json_t *x;
        json_array_foreach(v, i, x)
        {
            if (i)
                g_string_append(out, ", ");
            put_value(out, x, filter);
        }
    } else {
        g_string_append(out, "?");
    }
}

/* Fills template t from facts into out. A "{" that opens no "name}" is copied as it is (the
 * JSON examples in some sentences). */
static void fill(GString *out, const char *t, const json_t *facts)
{
    while (*t) {
        const char *close = *t == '{' ? strchr(t, '}') : NULL;
        size_t n = close ? (size_t)(close - t - 1) : 0;
        if (!close || n == 0 || strcspn(t + 1, "\"{:,") < n) {
            g_string_append_c(out, *t++);
            continue;
        }
        char *name = g_strndup(t + 1, n);
        char *bar = strchr(name, '|');
        if (bar)
            *bar = '\0';
        const json_t *v = json_object_get(facts, name);
        if (v)
            put_value(out, v, bar ? bar + 1 : "");
        else
            g_string_append(out, "?");
        g_free(name);
        t = close + 1;
    }
}

static const char *sentence(const char *words)
{
    for (size_t i = 0; words && i < G_N_ELEMENTS(SENTENCES); i++)
        if (strcmp(SENTENCES[i].words, words) == 0)
            return SENTENCES[i].text;
    return NULL;
}

int api_words_say(const char *words, const json_t *facts, char *buf, size_t len)
{
    const char *text = sentence(words);
    if (len)
        buf[0] = '\0';
    if (!text)
        return -ENOENT;
    GString *out = g_string_new(NULL);
    fill(out, text, facts);
    if (len)
        g_strlcpy(buf, out->str, len);
    g_string_free(out, TRUE);
    return 0;
}

/* The sentence named words told with facts, whole (no buffer cuts it); "?" for a name no
 * sentence has. */
static json_t *said_json(const char *words, const json_t *facts)
{
    const char *text = sentence(words);
    GString *out = g_string_new(NULL);
    fill(out, text ? text : "?", facts);
    json_t *j = json_string(out->str);
    g_string_free(out, TRUE);
    return j;
}

void api_words_refusal(const store_refusal *why, char *buf, size_t len)
{
    json_t *facts = json_loads(why->facts, 0, NULL);
    if (api_words_say(why->words, facts, buf, len) != 0 && len)
        g_strlcpy(buf, why->code, len);
    json_decref(facts);
}

/* {"id","error":"CODE: sentence"} for one of the store's refusals (store_plays.h). */
static json_t *play_refusal(const json_t *r)
{
    const char *code = json_string_value(json_object_get(r, "code"));
    const char *text = sentence(json_string_value(json_object_get(r, "words")));
    GString *error = g_string_new(code ? code : "?");
    if (text) {
        g_string_append(error, ": ");
        fill(error, text, json_object_get(r, "facts"));
    }
    json_t *out = json_pack("{s:O, s:s}", "id", json_object_get(r, "id"), "error", error->str);
    g_string_free(error, TRUE);
    return out;
}

int api_words_plays(json_t *result)
{
    const json_t *rejected = json_object_get(result, "rejected");
    if (json_array_size(rejected) == 0)
        return 0; /* the usual answer: nothing to word */
    json_t *said = json_array();
    size_t i;
    const json_t *r;
    json_array_foreach(rejected, i, r)
    {
        if (json_array_append_new(said, play_refusal(r)) != 0)
            break;
    }
    if (json_array_size(said) != json_array_size(rejected)) {
        json_decref(said);
        return -ENOMEM;
    }
    return json_object_set_new(result, "rejected", said) ? -ENOMEM : 0;
}

/* The engine's reason for the unplaced (schedules/reason.h) is cut to its buffer, which may
 * split a character: such a text is mended rather than lost. */
static json_t *text_json(const char *text)
{
    json_t *j = json_string(text);
    if (!j) {
        char *valid = g_utf8_make_valid(text, -1);
        j = json_string(valid);
        g_free(valid);
    }
    return j;
}

int api_words_fill(json_t *fill, const store_plan_fill_run *run)
{
    json_t *not_placed = json_object_get(fill, "not_placed");
    size_t n = run->res->n_unplaced;
    if (json_array_size(not_placed) != n + run->pi.n_skipped)
        return -EINVAL;
    for (size_t i = 0; i < json_array_size(not_placed); i++) {
        char why[API_WORDS_MAX];
        if (i < n)
            sched_reason_text(&run->res->unplaced[i], &run->pi.in, why, sizeof why);
        else
            api_words_say(run->pi.skipped[i - n].status ? "plan_skipped_not_approved"
                                                        : "plan_skipped_gone",
                          NULL, why, sizeof why);
        if (json_object_set_new(json_array_get(not_placed, i), "message", text_json(why)) != 0)
            return -ENOMEM;
    }
    return 0;
}

/* o with its member "words" replaced by "message" (the sentence told with o's "facts") and
 * "facts" dropped, the other members kept in order; NULL when out of memory. */
static json_t *worded_note(const json_t *o)
{
    json_t *out = json_object();
    const char *k;
    json_t *v;
    int rc = out ? 0 : -1;
    json_object_foreach((json_t *)o, k, v)
    {
        if (rc == 0 && strcmp(k, "words") == 0)
            rc = json_object_set_new(out, "message",
                                     said_json(json_string_value(v), json_object_get(o, "facts")));
        else if (rc == 0 && strcmp(k, "facts") != 0)
            rc = json_object_set(out, k, v);
    }
    if (rc != 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

int api_words_notes(json_t *notes)
{
    size_t i;
    json_t *o;
    json_array_foreach(notes, i, o)
    {
        json_t *said = worded_note(o);
        if (!said || json_array_set_new(notes, i, said) != 0)
            return -ENOMEM;
    }
    return 0;
}
