/* Publishing: versions without copying (a republish keeps ids; changed airings are withdrawn
 * and published under new ids; removed ones withdrawn; started ones left alone), the event
 * each publish emits, refusal of unapproved pieces with nothing changed, one-off airings,
 * emergency start and stop, and the box-targeting rule in C and in SQL. */
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
#include "publish.h"
#include "store_targets.h"
#include "store.h"
#include "store_internal.h" /* fixtures use the statement cache */
#include "store_audit.h"
#include "store_boxes.h"
#include "store_communes.h"
#include "store_events.h"
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
    int64_t before;
    char *news, *report, *sang;
} fixture;

static int64_t count(fixture *f, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(store_prepare(f->s, sql, &st), 0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return n;
}

static int setup(void **state)
{
    fixture *f = g_new0(fixture, 1);
    char token[STORE_BOX_TOKEN_MAX];
    f->tmp = tmpdir_new("loalang-publish-XXXXXX");
    f->s = tmpdir_store(f->tmp, &f->dir);
    assert_int_equal(vtime_zone_new("Asia/Ho_Chi_Minh", &f->tz), 0);
    assert_int_equal(vtime_parse_rfc3339("2026-11-20T08:00:00+07:00", &f->before), 0);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_commune_add(f->s, WHO, "Bằng Lãng", NULL), 0);
    assert_int_equal(store_commune_add(f->s, WHO, "Bản Thi", NULL), 0);
    assert_int_equal(store_box_add(f->s, WHO, "Nà Pài", "Bằng Lãng", NULL, token), 0);
    assert_int_equal(store_box_add(f->s, WHO, "Nà Tùm", "Bản Thi", NULL, token), 0);
    f->news = sr_add_piece(f->s, "Tin thi đua", "news", 60, "approved");
    f->report = sr_add_piece(f->s, "Phóng sự", "report", 300, "approved");
    json_t *in =
               json_pack("{s:s, s:[sssssss], s:s, s:i}", "title", "Bản tin sáng", "weekdays", "mon",
                         "tue", "wed", "thu", "fri", "sat", "sun", "start", "06:00", "length", 30),
           *out = NULL;
    assert_int_equal(store_program_create(f->s, WHO, in, f->tz, f->before, &out, NULL), 0);
    f->sang = g_strdup(json_string_value(json_object_get(out, "id")));
    json_decref(in);
    json_decref(out);
    in = json_pack("{s:s, s:i}", "piece", f->news, "airings", 6);
    assert_int_equal(store_plan_item_add(f->s, WHO, M, in, NULL), 0);
    json_decref(in);
    in = json_pack("{s:s, s:i}", "piece", f->report, "airings", 4);
    assert_int_equal(store_plan_item_add(f->s, WHO, M, in, NULL), 0);
    json_decref(in);
    store_plan_fill_run run = {0};
    assert_int_equal(store_plan_fill(f->s, WHO, M, f->tz, f->before, &run, NULL), 0);
    store_plan_fill_run_clear(&run);
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
    g_free(f->news);
    g_free(f->report);
    g_free(f->sang);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static int publish(fixture *f, int64_t now, json_t **out, store_refusal *why)
{
    assert_int_equal(store_begin(f->s), 0);
    int ret = publish_month(f->s, WHO, M, now, out, why);
    if (ret == 0)
        assert_int_equal(store_commit(f->s), 0);
    else
        store_rollback(f->s);
    return ret;
}

static void expect_counts(const json_t *r, int64_t version, int64_t added, int64_t kept,
                          int64_t withdrawn)
{
    assert_int_equal(json_integer_value(json_object_get(r, "version")), version);
    assert_int_equal(json_integer_value(json_object_get(r, "new")), added);
    assert_int_equal(json_integer_value(json_object_get(r, "kept")), kept);
    assert_int_equal(json_integer_value(json_object_get(r, "withdrawn")), withdrawn);
}

/* The last event, as {"type","payload"}. */
static json_t *last_event(fixture *f)
{
    json_t *all = NULL;
    assert_int_equal(store_events_after(f->s, 0, &all), 0);
    json_t *e = json_incref(json_array_get(all, json_array_size(all) - 1));
    json_decref(all);
    assert_non_null(e);
    return e;
}

#define LIVE "SELECT count(*) FROM airings WHERE withdrawn_version_id IS NULL"

static void test_versions(void **state)
{
    fixture *f = *state;
    store_refusal why = {0};
    json_t *r = NULL, *list = NULL;
    int64_t n = count(f, "SELECT count(*) FROM plan_airings");
    assert_int_equal(n, 10);
    assert_int_equal(publish(f, f->before, &r, &why), 0);
    expect_counts(r, 1, n, 0, 0);
    assert_int_equal(count(f, LIVE), n);
    /* airing ids are the working airings' ids; media and programme title copied */
    assert_int_equal(count(f, "SELECT count(*) FROM airings a JOIN plan_airings p ON p.id = a.id"
                              " JOIN pieces q ON q.id = a.piece_id WHERE a.media_sha256 ="
                              " q.media_sha256 AND a.program_title = 'Bản tin sáng'"),
                     n);
    json_t *e = last_event(f);
    assert_string_equal(json_string_value(json_object_get(e, "type")), "manifest_changed");
    json_t *pl = json_object_get(e, "payload");
    assert_string_equal(json_string_value(json_object_get(pl, "month")), M);
    assert_int_equal(json_integer_value(json_object_get(pl, "version")),
                     json_integer_value(json_object_get(r, "version_id")));
    json_decref(e);
    json_decref(r);
    /* unchanged: everything kept */
    assert_int_equal(publish(f, f->before, &r, &why), 0);
    expect_counts(r, 2, 0, n, 0);
    json_decref(r);
    /* move one, remove one */
    assert_int_equal(store_plan_airings_list(f->s, M, f->tz, &list), 0);
    json_t *airings = json_object_get(list, "airings");
    char *moved = g_strdup(json_string_value(json_object_get(json_array_get(airings, 0), "id")));
    char *removed = g_strdup(json_string_value(json_object_get(json_array_get(airings, 1), "id")));
    int64_t at = 0;
    vtime_parse_rfc3339(json_string_value(json_object_get(json_array_get(airings, 0), "start")),
                        &at);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_plan_airing_move(f->s, WHO, moved, at + 600000, f->tz, NULL, &why), 0);
    assert_int_equal(store_plan_airing_remove(f->s, WHO, removed, &why), 0);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(publish(f, f->before, &r, &why), 0);
    expect_counts(r, 3, 1, n - 2, 2);
    int64_t v3 = json_integer_value(json_object_get(r, "version_id"));
    json_decref(r);
    assert_int_equal(count(f, LIVE), n - 1);
    char sql[256];
    g_snprintf(sql, sizeof sql,
               "SELECT count(*) FROM airings WHERE id IN ('%s', '%s') AND withdrawn_version_id = "
               "%" G_GINT64_FORMAT,
               moved, removed, v3);
    assert_int_equal(count(f, sql), 2);
    /* the moved working airing took the new airing's id; republishing changes nothing */
    g_snprintf(sql, sizeof sql, "SELECT count(*) FROM plan_airings WHERE id = '%s'", moved);
    assert_int_equal(count(f, sql), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM plan_airings p JOIN airings a ON a.id = p.id"
                              " WHERE a.withdrawn_version_id IS NULL"),
                     n - 1);
    assert_int_equal(publish(f, f->before, &r, &why), 0);
    expect_counts(r, 4, 0, n - 1, 0);
    json_decref(r);
    /* a programme renamed: its airings carry the title, so they are published again */
    json_t *ch = json_pack("{s:s}", "title", "Bản tin buổi sáng");
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_program_edit(f->s, WHO, f->sang, ch, f->tz, f->before, NULL, &why), 0);
    assert_int_equal(store_commit(f->s), 0);
    json_decref(ch);
    assert_int_equal(publish(f, f->before, &r, &why), 0);
    expect_counts(r, 5, n - 1, 0, n - 1);
    json_decref(r);
    /* started airings are history: removing them from the working schedule withdraws nothing */
    int64_t mid = 0;
    vtime_parse_rfc3339("2026-12-16T00:00:00+07:00", &mid);
    g_snprintf(sql, sizeof sql, "DELETE FROM plan_airings WHERE start_ms < %" G_GINT64_FORMAT, mid);
    assert_int_equal(store_exec(f->s, sql), 0);
    assert_int_equal(publish(f, mid, &r, &why), 0);
    assert_int_equal(json_integer_value(json_object_get(r, "withdrawn")), 0);
    assert_int_equal(json_integer_value(json_object_get(r, "new")), 0);
    json_decref(r);
    assert_int_equal(count(f, LIVE), n - 1);
    int64_t audits = 0;
    assert_int_equal(store_audit_count(f->s, "schedule.publish", &audits), 0);
    assert_int_equal(audits, 6);
    json_decref(list);
    g_free(moved);
    g_free(removed);
}

static void test_unapproved_refused(void **state)
{
    fixture *f = *state;
    store_refusal why = {0};
    json_t *r = NULL;
    assert_int_equal(publish(f, f->before, &r, &why), 0);
    json_decref(r);
    r = NULL;
    assert_int_equal(store_exec(f->s, "UPDATE pieces SET status = 'retired' WHERE title ="
                                      " 'Phóng sự'"),
                     0);
    int64_t versions = count(f, "SELECT count(*) FROM schedule_versions");
    int64_t events = count(f, "SELECT count(*) FROM events");
    int64_t live = count(f, LIVE);
    assert_int_equal(publish(f, f->before, &r, &why), -EINVAL);
    assert_null(r);
    assert_string_equal(why.code, "pieces_not_approved");
    assert_non_null(strstr(said(&why), "“Phóng sự”"));
    assert_null(strstr(said(&why), "Tin thi đua"));
    assert_int_equal(count(f, "SELECT count(*) FROM schedule_versions"), versions);
    assert_int_equal(count(f, "SELECT count(*) FROM events"), events);
    assert_int_equal(count(f, LIVE), live);
    /* no plan at all */
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(publish_month(f->s, WHO, "2027-01", f->before, &r, &why), -ENOENT);
    store_rollback(f->s);
    assert_string_equal(why.code, "not_found");
}

static void test_oneoff(void **state)
{
    fixture *f = *state;
    store_refusal why = {0};
    json_t *a = NULL;
    int64_t at = 0;
    vtime_parse_rfc3339("2027-01-03T09:30:00+07:00", &at);
    json_t *t = json_pack("{s:s, s:[s]}", "kind", "communes", "communes", "Bản Thi");
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(publish_oneoff(f->s, WHO, f->news, at, t, "priority", f->tz, &a, &why), 0);
    assert_int_equal(store_commit(f->s), 0);
    const char *id = json_string_value(json_object_get(a, "id"));
    assert_true(ids_is_uuid(id));
    assert_string_equal(json_string_value(json_object_get(a, "start")),
                        "2027-01-03T09:30:00+07:00");
    assert_string_equal(json_string_value(json_object_get(a, "priority")), "priority");
    assert_string_equal(json_string_value(json_object_get(a, "title")), "Tin thi đua");
    assert_int_equal(json_integer_value(json_object_get(a, "duration_ms")), 60000);
    assert_int_equal(count(f, "SELECT count(*) FROM schedule_versions WHERE month = '2027-01'"
                              " AND kind = 'oneoff' AND version = 1"),
                     1);
    assert_int_equal(count(f, "SELECT count(*) FROM airings a JOIN communes c ON c.name ="
                              " 'Bản Thi' WHERE a.target_kind = 'communes' AND a.targets ="
                              " json_array(c.id) AND a.priority = 'priority'"),
                     1);
    json_t *e = last_event(f);
    assert_string_equal(json_string_value(json_object_get(e, "type")), "manifest_changed");
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "payload"), "month")),
                        "2027-01");
    json_decref(e);
    json_decref(a);
    json_decref(t);
    /* refusals change nothing */
    int64_t versions = count(f, "SELECT count(*) FROM schedule_versions");
    char *draft = sr_add_piece(f->s, "Nháp", "news", 30, "draft");
    t = json_pack("{s:s, s:[s]}", "kind", "communes", "communes", "Hà Nội");
    struct {
        const char *piece, *prio;
        json_t *targets;
        const char *code;
    } bad[] = {{"nope", NULL, NULL, "unknown_piece"},
               {draft, NULL, NULL, "piece_not_approved"},
               {f->news, "urgent", NULL, "bad_priority"},
               {f->news, NULL, t, "unknown_commune"}};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        a = NULL;
        assert_int_equal(store_begin(f->s), 0);
        assert_true(publish_oneoff(f->s, WHO, bad[i].piece, at, bad[i].targets, bad[i].prio, f->tz,
                                   &a, &why) < 0);
        store_rollback(f->s);
        assert_null(a);
        assert_string_equal(why.code, bad[i].code);
    }
    assert_int_equal(count(f, "SELECT count(*) FROM schedule_versions"), versions);
    json_decref(t);
    g_free(draft);
}

static void test_emergency(void **state)
{
    fixture *f = *state;
    store_refusal why = {0};
    json_t *a = NULL;
    int64_t now = 0;
    vtime_parse_rfc3339("2026-12-10T14:03:00+07:00", &now);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(publish_emergency(f->s, WHO, f->news, NULL, f->tz, now, &a, &why), 0);
    assert_int_equal(store_commit(f->s), 0);
    const char *id = json_string_value(json_object_get(a, "id"));
    assert_string_equal(json_string_value(json_object_get(a, "priority")), "emergency");
    assert_string_equal(json_string_value(json_object_get(a, "start")),
                        "2026-12-10T14:03:00+07:00");
    json_t *e = last_event(f);
    assert_string_equal(json_string_value(json_object_get(e, "type")), "emergency");
    json_t *pl = json_object_get(e, "payload");
    assert_true(json_equal(json_object_get(pl, "airing"), a));
    assert_string_equal(json_string_value(json_object_get(json_object_get(pl, "targets"), "kind")),
                        "all");
    json_decref(e);
    assert_int_equal(count(f, "SELECT count(*) FROM schedule_versions WHERE kind = 'emergency'"),
                     1);
    /* stop */
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(publish_emergency_stop(f->s, WHO, id, &why), 0);
    assert_int_equal(store_commit(f->s), 0);
    e = last_event(f);
    assert_string_equal(json_string_value(json_object_get(e, "type")), "stop");
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "payload"), "airing")),
                        id);
    json_decref(e);
    char sql[160];
    g_snprintf(sql, sizeof sql,
               "SELECT count(*) FROM airings WHERE id = '%s' AND withdrawn_version_id IS NOT NULL",
               id);
    assert_int_equal(count(f, sql), 1);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(publish_emergency_stop(f->s, WHO, id, &why), -ENOENT);
    store_rollback(f->s);
    assert_string_equal(why.code, "not_found");
    json_decref(a);
    /* an emergency for boxes: targets carry box ids */
    json_t *t = json_pack("{s:s, s:[s]}", "kind", "boxes", "boxes", "Nà Tùm");
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(publish_emergency(f->s, WHO, f->report, t, f->tz, now, &a, &why), 0);
    assert_int_equal(store_commit(f->s), 0);
    e = last_event(f);
    json_t *ids = json_object_get(json_object_get(json_object_get(e, "payload"), "targets"), "ids");
    assert_int_equal(json_array_size(ids), 1);
    assert_int_equal(json_integer_value(json_array_get(ids, 0)),
                     count(f, "SELECT id FROM boxes WHERE name = 'Nà Tùm'"));
    json_decref(e);
    json_decref(t);
    json_decref(a);
    int64_t n = 0;
    assert_int_equal(store_audit_count(f->s, "emergency.start", &n), 0);
    assert_int_equal(n, 2);
}

static void test_targets_box(void **state)
{
    fixture *f = *state;
    /* the SQL form agrees with the C form on every (airing, box) pair of the working month:
     * plan rows as the fill and the publisher leave them */
    json_t *t = json_pack("{s:s, s:[s]}", "kind", "boxes", "boxes", "Nà Pài");
    json_t *in = json_pack("{s:s, s:s, s:O}", "piece", f->news, "start",
                           "2026-12-03T12:00:00+07:00", "targets", t),
           *out = NULL;
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_plan_airing_add(f->s, WHO, M, in, f->tz, &out, NULL), 0);
    json_decref(in);
    json_decref(out);
    json_decref(t);
    t = json_pack("{s:s, s:[s]}", "kind", "communes", "communes", "Bản Thi");
    in = json_pack("{s:s, s:s, s:O}", "piece", f->news, "start", "2026-12-03T13:00:00+07:00",
                   "targets", t);
    assert_int_equal(store_plan_airing_add(f->s, WHO, M, in, f->tz, &out, NULL), 0);
    assert_int_equal(store_commit(f->s), 0);
    json_decref(in);
    json_decref(out);
    json_decref(t);
    int rows = 0, yes = 0;
    sqlite3_stmt *per = NULL;
    assert_int_equal(store_prepare(f->s,
                                   "SELECT a.target_kind, a.targets, " STORE_TARGETS_SQL
                                   " FROM plan_airings a",
                                   &per),
                     0);
    for (int64_t box = 1; box <= 2; box++) {
        int64_t commune = box; /* each box in the commune of the same id */
        sqlite3_reset(per);
        store_targets_bind(per, box, commune);
        while (sqlite3_step(per) == SQLITE_ROW) {
            bool c =
                store_targets_box_text((const char *)sqlite3_column_text(per, 0),
                                       (const char *)sqlite3_column_text(per, 1), box, commune);
            assert_int_equal(c, sqlite3_column_int(per, 2));
            rows++;
            yes += c;
        }
    }
    sqlite3_reset(per);
    assert_int_equal(rows, 2 * 12);
    assert_int_equal(yes, 2 * 10 + 1 + 1);
}

int main(void)
{
    ids_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unapproved_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oneoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emergency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_targets_box, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
