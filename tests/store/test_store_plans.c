/* Month plans in the store: items and their refusals, the fill from the database into the
 * working schedule (ids kept across refills, past airings kept and counted, unapproved
 * pieces reported, programme conflicts refused), hand edits with their warnings, and the
 * overlap check on boxes. */
#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "store_rows.h"

#include "hash.h"
#include "ids.h"
#include "store.h"
#include "store_internal.h" /* fixtures use the statement cache */
#include "store_audit.h"
#include "store_boxes.h"
#include "store_communes.h"
#include "store_plans.h"
#include "store_programs.h"
#include "vtime.h"
#include "said.h"
#include "tmpdir.h"

#define WHO "cli:test"
#define M   "2026-12"

typedef struct fixture {
    char *tmp, *dir;
    store *s;
    GTimeZone *tz;
    int64_t before; /* 2026-11-20, before the month */
    char *jingle, *news, *report, *article, *draft, *sang, *toi;
} fixture;

static void set_status(store *s, const char *piece, const char *status)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(store_prepare(s, "UPDATE pieces SET status = ?2 WHERE id = ?1", &st), 0);
    sqlite3_bind_text(st, 1, piece, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
    assert_int_equal(store_exec_stmt(s, st), 0);
}

static char *program(fixture *f, const char *text)
{
    json_t *in = json_loads(text, 0, NULL), *out = NULL;
    store_refusal why = {0};
    assert_non_null(in);
    assert_int_equal(store_program_create(f->s, WHO, in, f->tz, f->before, &out, &why), 0);
    char *id = g_strdup(json_string_value(json_object_get(out, "id")));
    json_decref(in);
    json_decref(out);
    return id;
}

static int setup(void **state)
{
    fixture *f = g_new0(fixture, 1);
    char token[STORE_BOX_TOKEN_MAX];
    f->tmp = tmpdir_new("loalang-plans-XXXXXX");
    f->s = tmpdir_store(f->tmp, &f->dir);
    assert_int_equal(vtime_zone_new("Asia/Ho_Chi_Minh", &f->tz), 0);
    assert_int_equal(vtime_parse_rfc3339("2026-11-20T08:00:00+07:00", &f->before), 0);
    assert_int_equal(store_begin(f->s), 0);
    const char *communes[] = {"Bằng Lãng", "Bản Thi", "Nghĩa Tá"};
    for (int i = 0; i < 3; i++) {
        char box[64];
        assert_int_equal(store_commune_add(f->s, WHO, communes[i], NULL), 0);
        g_snprintf(box, sizeof box, "Loa %s", communes[i]);
        assert_int_equal(store_box_add(f->s, WHO, box, communes[i], NULL, token), 0);
    }
    f->jingle = sr_add_piece(f->s, "Nhạc hiệu sáng", "jingle", 20, "approved");
    f->news = sr_add_piece(f->s, "Tin thi đua", "news", 60, "approved");
    f->report = sr_add_piece(f->s, "Phóng sự Bản Thi", "report", 300, "approved");
    f->article = sr_add_piece(f->s, "Bài 22/12", "article", 240, "approved");
    f->draft = sr_add_piece(f->s, "Tin nháp", "news", 60, "draft");
    char *t = g_strdup_printf("{\"title\":\"Bản tin sáng\",\"weekdays\":[\"mon\",\"tue\",\"wed\","
                              "\"thu\",\"fri\",\"sat\",\"sun\"],\"start\":\"06:00\",\"length\":30,"
                              "\"intro\":\"%s\"}",
                              f->jingle);
    f->sang = program(f, t);
    g_free(t);
    f->toi = program(f, "{\"title\":\"Tối thứ Bảy\",\"weekdays\":[\"sat\"],\"start\":\"19:00\","
                        "\"length\":15,\"targets\":{\"kind\":\"communes\",\"communes\":"
                        "[\"Bản Thi\",\"Nghĩa Tá\"]}}");
    assert_int_equal(store_commit(f->s), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->s);
    g_time_zone_unref(f->tz);
    tmpdir_remove(f->tmp);
    g_free(f->jingle);
    g_free(f->news);
    g_free(f->report);
    g_free(f->article);
    g_free(f->draft);
    g_free(f->sang);
    g_free(f->toi);
    g_free(f->dir);
    g_free(f);
    return 0;
}

/* Adds an item from JSON text (printf-style) in its own transaction. */
static int item(fixture *f, store_refusal *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    json_t *in = json_loads(text, 0, NULL);
    assert_non_null(in);
    assert_int_equal(store_begin(f->s), 0);
    int ret = store_plan_item_add(f->s, WHO, M, in, why);
    if (ret == 0)
        assert_int_equal(store_commit(f->s), 0);
    else
        store_rollback(f->s);
    json_decref(in);
    g_free(text);
    return ret;
}

static int64_t audits(fixture *f, const char *action)
{
    int64_t n = -1;
    assert_int_equal(store_audit_count(f->s, action, &n), 0);
    return n;
}

static void test_items(void **state)
{
    fixture *f = *state;
    store_refusal why = {0};
    json_t *p = NULL;
    assert_int_equal(store_plan_get(f->s, M, &p), -ENOENT);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_plan_set_theme(f->s, WHO, M, "Kỷ niệm 82 năm QĐND", &why), 0);
    assert_int_equal(store_plan_set_theme(f->s, WHO, "2026-13", "x", &why), -EINVAL);
    assert_string_equal(why.code, "bad_month");
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(item(f, &why, "{\"piece\":\"%s\",\"airings\":8}", f->news), 0);
    assert_int_equal(item(f, &why,
                          "{\"piece\":\"%s\",\"airings\":2,\"window_from\":\"2026-12-15\","
                          "\"window_until\":\"2026-12-25\",\"communes\":[\"Bản Thi\"],"
                          "\"pins\":[{\"day\":\"2026-12-22\",\"program\":\"%s\"}]}",
                          f->article, f->sang),
                     0);
    /* refusals, each with its code */
    struct {
        int err;
        const char *code;
        char *text;
    } bad[] = {
        {-ENOENT, "unknown_piece", g_strdup("{\"piece\":\"nope\"}")},
        {-EINVAL, "piece_not_approved", g_strdup_printf("{\"piece\":\"%s\"}", f->draft)},
        {-EINVAL, "jingle_in_plan", g_strdup_printf("{\"piece\":\"%s\"}", f->jingle)},
        {-EEXIST, "item_exists", g_strdup_printf("{\"piece\":\"%s\"}", f->news)},
        {-EINVAL, "bad_airings", g_strdup_printf("{\"piece\":\"%s\",\"airings\":1001}", f->report)},
        {-EINVAL, "date_outside_month",
         g_strdup_printf("{\"piece\":\"%s\",\"window_from\":\"2027-01-01\"}", f->report)},
        {-EINVAL, "bad_date",
         g_strdup_printf("{\"piece\":\"%s\",\"window_from\":\"22/12/2026\"}", f->report)},
        {-EINVAL, "bad_window",
         g_strdup_printf("{\"piece\":\"%s\",\"window_from\":\"2026-12-20\",\"window_until\":"
                         "\"2026-12-10\"}",
                         f->report)},
        {-EINVAL, "pin_outside_window",
         g_strdup_printf("{\"piece\":\"%s\",\"window_until\":\"2026-12-10\",\"pins\":[{\"day\":"
                         "\"2026-12-11\"}]}",
                         f->report)},
        {-EINVAL, "unknown_program",
         g_strdup_printf("{\"piece\":\"%s\",\"pins\":[{\"day\":\"2026-12-11\",\"program\":\"x\"}]}",
                         f->report)},
        {-EINVAL, "unknown_commune",
         g_strdup_printf("{\"piece\":\"%s\",\"communes\":[\"Hà Nội\"]}", f->report)},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        memset(&why, 0, sizeof why);
        assert_int_equal(item(f, &why, "%s", bad[i].text), bad[i].err);
        assert_string_equal(why.code, bad[i].code);
        g_free(bad[i].text);
    }
    assert_int_equal(store_plan_get(f->s, M, &p), 0);
    assert_string_equal(json_string_value(json_object_get(p, "theme")), "Kỷ niệm 82 năm QĐND");
    json_t *items = json_object_get(p, "items");
    assert_int_equal(json_array_size(items), 2);
    json_t *a = json_array_get(items, 1);
    assert_string_equal(json_string_value(json_object_get(a, "title")), "Bài 22/12");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "communes"), 0)),
                        "Bản Thi");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(a, "pins"), 0), "program")),
                        f->sang);
    assert_true(json_is_null(json_object_get(p, "published")));
    json_decref(p);
    /* update and remove */
    json_t *ch = json_pack("{s:i}", "airings", 3);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_plan_item_update(f->s, WHO, M, f->article, ch, &why), 0);
    assert_int_equal(store_plan_item_update(f->s, WHO, M, f->report, ch, &why), -ENOENT);
    assert_int_equal(store_plan_item_remove(f->s, WHO, M, f->news, &why), 0);
    assert_int_equal(store_plan_item_remove(f->s, WHO, M, f->news, &why), -ENOENT);
    assert_int_equal(store_commit(f->s), 0);
    json_decref(ch);
    assert_int_equal(store_plan_get(f->s, M, &p), 0);
    items = json_object_get(p, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "airings")), 3);
    json_decref(p);
    assert_int_equal(audits(f, "plan.item_add"), 2);
    assert_int_equal(audits(f, "plan.item_update"), 1);
    assert_int_equal(audits(f, "plan.item_remove"), 1);
}

static int fill(fixture *f, int64_t now, json_t **out, store_refusal *why)
{
    store_plan_fill_run run = {0};
    assert_int_equal(store_begin(f->s), 0);
    int ret = store_plan_fill(f->s, WHO, M, f->tz, now, &run, why);
    if (ret == 0) {
        assert_int_equal(store_commit(f->s), 0);
        *out = store_plan_fill_json(f->s, &run);
        assert_non_null(*out);
    } else {
        store_rollback(f->s);
    }
    store_plan_fill_run_clear(&run);
    return ret;
}

static size_t count_piece(const json_t *airings, const char *piece)
{
    size_t i, n = 0;
    json_t *a;
    json_array_foreach(airings, i, a) n +=
        strcmp(json_string_value(json_object_get(a, "piece")), piece) == 0;
    return n;
}

static void add_three(fixture *f)
{
    store_refusal why = {0};
    assert_int_equal(item(f, &why, "{\"piece\":\"%s\",\"airings\":8}", f->news), 0);
    assert_int_equal(
        item(f, &why, "{\"piece\":\"%s\",\"airings\":4,\"communes\":[\"Bản Thi\"]}", f->report), 0);
    assert_int_equal(item(f, &why,
                          "{\"piece\":\"%s\",\"pins\":[{\"day\":\"2026-12-22\",\"program\":"
                          "\"%s\"}]}",
                          f->article, f->sang),
                     0);
}

static void test_fill(void **state)
{
    fixture *f = *state;
    store_refusal why = {0};
    json_t *r = NULL, *r2 = NULL;
    assert_int_equal(fill(f, f->before, &r, &why), -ENOENT);
    assert_string_equal(why.code, "not_found");
    add_three(f);
    assert_int_equal(fill(f, f->before, &r, &why), 0);
    json_t *airings = json_object_get(r, "airings");
    assert_int_equal(count_piece(airings, f->news), 8);
    assert_int_equal(count_piece(airings, f->report), 4);
    assert_int_equal(count_piece(airings, f->article), 1);
    assert_int_equal(json_array_size(json_object_get(r, "not_placed")), 0);
    /* 31 morning slots + 4 Saturday evenings */
    assert_int_equal(json_array_size(json_object_get(r, "slots")), 35);
    size_t i;
    json_t *a;
    json_array_foreach(airings, i, a)
    {
        const char *piece = json_string_value(json_object_get(a, "piece"));
        const char *start = json_string_value(json_object_get(a, "start"));
        json_t *t = json_object_get(a, "targets");
        if (!strcmp(piece, f->article)) {
            assert_string_equal(start, "2026-12-22T06:00:20+07:00"); /* after the intro */
            assert_string_equal(json_string_value(json_object_get(a, "program")), f->sang);
        }
        if (!strcmp(piece, f->report)) {
            assert_string_equal(json_string_value(json_object_get(t, "kind")), "communes");
            assert_string_equal(
                json_string_value(json_array_get(json_object_get(t, "communes"), 0)), "Bản Thi");
        }
        if (!strcmp(piece, f->jingle))
            assert_true(g_str_has_suffix(start, "T06:00:00+07:00"));
    }
    /* a refill of the same plan gives the same airings, under the same ids */
    assert_int_equal(fill(f, f->before, &r2, &why), 0);
    assert_true(json_equal(json_object_get(r, "airings"), json_object_get(r2, "airings")));
    json_decref(r2);
    /* mid-month: what started is kept, and counts towards the items */
    int64_t mid = 0;
    assert_int_equal(vtime_parse_rfc3339("2026-12-16T00:00:00+07:00", &mid), 0);
    assert_int_equal(fill(f, mid, &r2, &why), 0);
    json_t *a2 = json_object_get(r2, "airings");
    assert_int_equal(count_piece(a2, f->news), 8);
    assert_int_equal(count_piece(a2, f->report), 4);
    json_array_foreach(airings, i, a)
    {
        int64_t at = 0;
        vtime_parse_rfc3339(json_string_value(json_object_get(a, "start")), &at);
        if (at < mid)
            assert_true(json_equal(a, json_array_get(a2, i)));
    }
    json_decref(r2);
    /* a piece no longer approved stays out and is reported */
    set_status(f->s, f->report, "retired");
    assert_int_equal(fill(f, f->before, &r2, &why), 0);
    assert_int_equal(count_piece(json_object_get(r2, "airings"), f->report), 0);
    json_t *np = json_array_get(json_object_get(r2, "not_placed"), 0);
    assert_string_equal(json_string_value(json_object_get(np, "reason")), "not_approved");
    assert_string_equal(json_string_value(json_object_get(np, "piece")), f->report);
    json_decref(r2);
    assert_int_equal(audits(f, "plan.fill"), 4);
    json_decref(r);
}

static void test_fill_refuses_conflicting_programmes(void **state)
{
    fixture *f = *state;
    store_refusal why = {0};
    json_t *r = NULL, *list = NULL;
    add_three(f);
    assert_int_equal(fill(f, f->before, &r, &why), 0);
    size_t before = json_array_size(json_object_get(r, "airings"));
    assert_true(before > 13);
    json_decref(r);
    /* a clash written behind the API's back (an older database, say) */
    assert_int_equal(store_exec(f->s, "INSERT INTO programs(id, title, weekdays, start_s,"
                                      " length_s, created_ms, updated_ms) VALUES"
                                      " ('00000000-0000-4000-8000-000000000001', 'Chen ngang',"
                                      " 127, 22500, 600, 0, 0)"),
                     0);
    assert_int_equal(fill(f, f->before, &r, &why), -EBUSY);
    assert_string_equal(why.code, "program_conflict");
    assert_non_null(strstr(said(&why), "“Bản tin sáng”"));
    assert_non_null(strstr(said(&why), "“Chen ngang”"));
    assert_int_equal(store_plan_airings_list(f->s, M, f->tz, &list), 0);
    assert_int_equal(json_array_size(json_object_get(list, "airings")), before);
    json_decref(list);
    assert_int_equal(audits(f, "plan.fill"), 1);
}

static json_t *find_piece(json_t *airings, const char *piece, size_t nth)
{
    size_t i;
    json_t *a;
    json_array_foreach(airings, i,
                       a) if (!strcmp(json_string_value(json_object_get(a, "piece")), piece) &&
                              nth-- == 0) return a;
    return NULL;
}

static bool has_warning(const json_t *r, const char *code)
{
    size_t i;
    json_t *w;
    json_array_foreach(
        json_object_get(r, "warnings"), i,
        w) if (!strcmp(json_string_value(json_object_get(w, "code")), code)) return true;
    return false;
}

/* Fact `name` of the first warning with that code (the store gives facts; the API words). */
static const char *warning_fact(const json_t *r, const char *code, const char *name)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(r, "warnings"), i, w)
    {
        if (!strcmp(json_string_value(json_object_get(w, "code")), code))
            return json_string_value(json_object_get(json_object_get(w, "facts"), name));
    }
    return NULL;
}

static void test_hand_edits(void **state)
{
    fixture *f = *state;
    store_refusal why = {0};
    json_t *r = NULL, *out = NULL, *c = NULL;
    add_three(f);
    assert_int_equal(fill(f, f->before, &r, &why), 0);
    assert_int_equal(store_plan_conflicts(f->s, M, f->tz, &c), 0);
    assert_int_equal(json_array_size(json_object_get(c, "conflicts")), 0);
    json_decref(c);
    json_t *airings = json_object_get(r, "airings");
    json_t *article = find_piece(airings, f->article, 0);
    const char *id = json_string_value(json_object_get(article, "id"));
    /* onto the intro jingle of the 22nd: an overlap on every box */
    int64_t at = 0;
    assert_int_equal(vtime_parse_rfc3339("2026-12-22T06:00:00+07:00", &at), 0);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_plan_airing_move(f->s, WHO, id, at, f->tz, &out, &why), 0);
    assert_int_equal(store_commit(f->s), 0);
    assert_true(has_warning(out, "overlap"));
    assert_false(has_warning(out, "outside_slot"));
    assert_string_equal(warning_fact(out, "overlap", "at"), "2026-12-22T06:00:00+07:00");
    assert_non_null(warning_fact(out, "overlap", "box"));
    assert_non_null(warning_fact(out, "overlap", "other"));
    json_decref(out);
    assert_int_equal(store_plan_conflicts(f->s, M, f->tz, &c), 0);
    assert_int_equal(json_array_size(json_object_get(c, "conflicts")), 3); /* one per box */
    json_decref(c);
    /* out of the slot, alone: only outside_slot */
    assert_int_equal(vtime_parse_rfc3339("2026-12-22T12:00:00+07:00", &at), 0);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_plan_airing_move(f->s, WHO, id, at, f->tz, &out, &why), 0);
    assert_int_equal(store_commit(f->s), 0);
    assert_false(has_warning(out, "overlap"));
    assert_true(has_warning(out, "outside_slot"));
    assert_non_null(warning_fact(out, "outside_slot", "program"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(out, "airing"), "start")),
                        "2026-12-22T12:00:00+07:00");
    json_decref(out);
    /* into another month: refused */
    assert_int_equal(vtime_parse_rfc3339("2027-01-02T12:00:00+07:00", &at), 0);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_plan_airing_move(f->s, WHO, id, at, f->tz, &out, &why), -EINVAL);
    store_rollback(f->s);
    assert_string_equal(why.code, "start_outside_month");
    /* a hand-added airing for one commune at the same time as the moved one: overlap on its
     * box only */
    json_t *in = json_pack("{s:s, s:s, s:{s:s, s:[s]}}", "piece", f->news, "start",
                           "2026-12-22T12:00:30+07:00", "targets", "kind", "communes", "communes",
                           "Nghĩa Tá");
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_plan_airing_add(f->s, WHO, M, in, f->tz, &out, &why), 0);
    assert_int_equal(store_commit(f->s), 0);
    json_decref(in);
    assert_true(has_warning(out, "overlap"));
    json_t *added = json_object_get(out, "airing");
    assert_int_equal(json_integer_value(json_object_get(added, "duration_ms")), 60000);
    assert_true(json_is_null(json_object_get(added, "program")));
    char *added_id = g_strdup(json_string_value(json_object_get(added, "id")));
    json_decref(out);
    assert_int_equal(store_plan_conflicts(f->s, M, f->tz, &c), 0);
    assert_int_equal(json_array_size(json_object_get(c, "conflicts")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(c, "conflicts"), 0), "box")),
                        "Loa Nghĩa Tá");
    json_decref(c);
    /* refusals of add: draft piece, bad start, another month */
    const char *bad[][2] = {{f->draft, "2026-12-05T10:00:00+07:00"},
                            {f->news, "5/12/2026 10:00"},
                            {f->news, "2026-11-30T10:00:00+07:00"}};
    const char *codes[] = {"piece_not_approved", "bad_start", "start_outside_month"};
    for (int i = 0; i < 3; i++) {
        in = json_pack("{s:s, s:s}", "piece", bad[i][0], "start", bad[i][1]);
        assert_int_equal(store_begin(f->s), 0);
        assert_int_equal(store_plan_airing_add(f->s, WHO, M, in, f->tz, &out, &why), -EINVAL);
        store_rollback(f->s);
        assert_string_equal(why.code, codes[i]);
        json_decref(in);
    }
    /* remove */
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_plan_airing_remove(f->s, WHO, added_id, &why), 0);
    assert_int_equal(store_plan_airing_remove(f->s, WHO, added_id, &why), -ENOENT);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(store_plan_conflicts(f->s, M, f->tz, &c), 0);
    assert_int_equal(json_array_size(json_object_get(c, "conflicts")), 0);
    json_decref(c);
    assert_int_equal(audits(f, "plan.airing_move"), 2);
    assert_int_equal(audits(f, "plan.airing_add"), 1);
    assert_int_equal(audits(f, "plan.airing_remove"), 1);
    g_free(added_id);
    json_decref(r);
}

/* Every member of every body given the wrong type: always a refusal with a code, never a
 * crash or a write. */
static void test_wrong_types(void **state)
{
    fixture *f = *state;
    const char *values[] = {"null",          "1",      "-1",  "1.5",    "true", "\"\"",
                            "\"x\"",         "[]",     "[1]", "[null]", "{}",   "{\"kind\":1}",
                            "[{\"day\":1}]", "[\"x\"]"};
    const char *item_keys[] = {"piece",        "airings",  "window_from",
                               "window_until", "communes", "pins"};
    const char *airing_keys[] = {"piece", "start", "targets", "priority", "program"};
    int64_t audit_before = -1, audit_after = -1;
    assert_int_equal(store_audit_count(f->s, "plan.item_add", &audit_before), 0);
    for (size_t v = 0; v < G_N_ELEMENTS(values); v++) {
        for (size_t k = 0; k < G_N_ELEMENTS(item_keys); k++) {
            store_refusal why = {0};
            char *text =
                g_strdup_printf("{\"piece\":\"%s\",\"%s\":%s}", f->news, item_keys[k], values[v]);
            int ret = item(f, &why, "%s", text);
            if (ret != 0)
                assert_true(why.code[0] != '\0');
            else { /* a few are fine (communes [], pins []): take the item out again */
                assert_int_equal(store_begin(f->s), 0);
                assert_int_equal(store_plan_item_remove(f->s, WHO, M, f->news, &why), 0);
                assert_int_equal(store_commit(f->s), 0);
            }
            g_free(text);
        }
        for (size_t k = 0; k < G_N_ELEMENTS(airing_keys); k++) {
            store_refusal why = {0};
            json_t *in = json_pack("{s:s, s:s}", "piece", f->news, "start",
                                   "2026-12-05T10:00:00+07:00"),
                   *out = NULL;
            json_object_set_new(in, airing_keys[k], json_loads(values[v], JSON_DECODE_ANY, NULL));
            assert_int_equal(store_begin(f->s), 0);
            int ret = store_plan_airing_add(f->s, WHO, M, in, f->tz, &out, &why);
            store_rollback(f->s);
            assert_true(ret == 0 || why.code[0] != '\0');
            json_decref(out);
            json_decref(in);
        }
        store_refusal why = {0};
        json_t *p = json_loads(values[v], JSON_DECODE_ANY, NULL), *out = NULL;
        assert_int_equal(store_begin(f->s), 0);
        assert_true(store_program_create(f->s, WHO, p, f->tz, f->before, &out, &why) < 0);
        store_rollback(f->s);
        assert_true(why.code[0] != '\0');
        json_decref(p);
    }
    int64_t removed = -1;
    assert_int_equal(store_audit_count(f->s, "plan.item_add", &audit_after), 0);
    assert_int_equal(store_audit_count(f->s, "plan.item_remove", &removed), 0);
    assert_int_equal(audit_after - audit_before, removed);
    assert_true(removed > 0);
    assert_int_equal(store_audit_count(f->s, "plan.airing_add", &removed), 0);
    assert_int_equal(removed, 0);
}

int main(void)
{
    ids_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_refuses_conflicting_programmes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hand_edits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_types, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
