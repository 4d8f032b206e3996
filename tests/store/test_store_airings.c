/* store_airings on a temp data dir: which published airings a commune sees (all, its own,
 * its boxes'), withdrawn ones hidden, the time range, and every box's plays attached. */
#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "store.h"
#include "store_airings.h"
#include "store_boxes.h"
#include "store_communes.h"
#include "vtime.h"
#include "tmpdir.h"

#define WHO "cli:test"
#define SHA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define T0  1764547200000LL /* 2025-12-01T00:00:00Z */

typedef struct fixture {
    char *tmp;
    store *s;
    int64_t c1, c2, b1, b2, b3;
} fixture;

static void exec(store *s, const char *sql)
{
    int rc = store_exec(s, sql);
    if (rc != 0)
        fail_msg("%s: %s", sql, store_errmsg(s));
}

static int setup(void **state)
{
    fixture *f = g_new0(fixture, 1);
    char tok[STORE_BOX_TOKEN_MAX];
    char *dir = NULL;
    f->tmp = tmpdir_new("loalang-airings-XXXXXX");
    f->s = tmpdir_store(f->tmp, &dir);
    g_free(dir);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_commune_add(f->s, WHO, "Bằng Khánh", &f->c1), 0);
    assert_int_equal(store_commune_add(f->s, WHO, "Xuân Lạc", &f->c2), 0);
    assert_int_equal(store_box_add(f->s, WHO, "Nà Pài", "Bằng Khánh", &f->b1, tok), 0);
    assert_int_equal(store_box_add(f->s, WHO, "Bản Chang", "Bằng Khánh", &f->b2, tok), 0);
    assert_int_equal(store_box_add(f->s, WHO, "Khuổi Tầu", "Xuân Lạc", &f->b3, tok), 0);
    assert_int_equal(store_commit(f->s), 0);
    exec(f->s, "INSERT INTO media VALUES ('" SHA "', 1000, 60000, -20, -16, -2, 0);"
               "INSERT INTO pieces(id, title, genre, status, media_sha256, duration_ms,"
               " approved_ms, created_ms, updated_ms) VALUES"
               " ('11111111-1111-4111-8111-111111111111', 'Bản tin', 'news', 'approved', '" SHA
               "', 60000, 1, 1, 1);"
               "INSERT INTO schedule_versions(month, version, published_ms, published_by)"
               " VALUES ('2025-12', 1, 1, 'cli:test'), ('2025-12', 2, 2, 'cli:test');");
    /* a1 all; a2 commune 2; a3 box b2 (commune 1); a4 withdrawn; a5 the next day. */
    char *sql = g_strdup_printf(
        "INSERT INTO airings(id, version_id, withdrawn_version_id, piece_id, media_sha256,"
        " start_ms, duration_ms, program_title, target_kind, targets) VALUES"
        " ('a1', 1, NULL, '11111111-1111-4111-8111-111111111111', '" SHA "', %lld, 60000,"
        "  'Sáng', 'all', '[]'),"
        " ('a2', 1, NULL, '11111111-1111-4111-8111-111111111111', '" SHA "', %lld, 60000,"
        "  'Sáng', 'communes', '[%lld]'),"
        " ('a3', 1, NULL, '11111111-1111-4111-8111-111111111111', '" SHA "', %lld, 60000,"
        "  'Sáng', 'boxes', '[%lld]'),"
        " ('a4', 1, 2, '11111111-1111-4111-8111-111111111111', '" SHA "', %lld, 60000,"
        "  'Sáng', 'all', '[]'),"
        " ('a5', 1, NULL, '11111111-1111-4111-8111-111111111111', '" SHA "', %lld, 60000,"
        "  'Sáng', 'all', '[]');"
        "INSERT INTO plays VALUES ('p1', 'a1', %lld, '" SHA "', %lld, %lld, %lld, 60000,"
        " 'completed', '', 0), ('p2', 'a1', %lld, '" SHA "', %lld, %lld, %lld, 0, 'missed',"
        " 'không có tệp', 0);",
        (long long)T0, (long long)T0 + 60000, (long long)f->c2, (long long)T0 + 120000,
        (long long)f->b2, (long long)T0 + 180000, (long long)T0 + 86400000, (long long)f->b1,
        (long long)T0, (long long)T0, (long long)T0 + 60000, (long long)f->b3, (long long)T0,
        (long long)T0, (long long)T0);
    exec(f->s, sql);
    g_free(sql);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->s);
    tmpdir_remove(f->tmp);
    g_free(f);
    return 0;
}

static json_t *list(fixture *f, int64_t commune, bool plays)
{
    store_airing_query q = {
        .from_ms = T0, .until_ms = T0 + 86400000, .commune_id = commune, .with_plays = plays};
    json_t *out = NULL;
    assert_int_equal(store_airings_list(f->s, &q, &out), 0);
    return json_object_get(out, "airings") ? out : NULL;
}

static const char *id_at(json_t *out, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(out, "airings"), i), "id"));
}

static void test_district(void **state)
{
    fixture *f = *state;
    json_t *out = list(f, 0, false);
    json_t *arr = json_object_get(out, "airings");
    assert_int_equal(json_array_size(arr), 3); /* a4 withdrawn, a5 outside the range */
    assert_string_equal(id_at(out, 0), "a1");
    assert_string_equal(id_at(out, 1), "a2");
    assert_string_equal(id_at(out, 2), "a3");
    json_t *a3 = json_array_get(arr, 2);
    assert_string_equal(json_string_value(json_object_get(json_object_get(a3, "targets"), "kind")),
                        "boxes");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(a3, "targets"), "names"), 0)),
                        "Bản Chang");
    assert_string_equal(json_string_value(json_object_get(a3, "start")),
                        "2025-12-01T07:02:00+07:00");
    assert_null(json_object_get(a3, "plays"));
    json_decref(out);
}

static void test_commune(void **state)
{
    fixture *f = *state;
    json_t *out = list(f, f->c1, false);
    assert_int_equal(json_array_size(json_object_get(out, "airings")), 2);
    assert_string_equal(id_at(out, 0), "a1");
    assert_string_equal(id_at(out, 1), "a3"); /* by its box */
    json_decref(out);
    out = list(f, f->c2, false);
    assert_int_equal(json_array_size(json_object_get(out, "airings")), 2);
    assert_string_equal(id_at(out, 1), "a2");
    json_decref(out);
}

static void test_plays(void **state)
{
    fixture *f = *state;
    json_t *out = list(f, 0, true);
    json_t *plays = json_object_get(json_array_get(json_object_get(out, "airings"), 0), "plays");
    assert_int_equal(json_array_size(plays), 2);
    /* By commune name: Bằng Khánh before Xuân Lạc. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(plays, 0), "outcome")),
                        "completed");
    assert_string_equal(json_string_value(json_object_get(json_array_get(plays, 1), "box")),
                        "Khuổi Tầu");
    json_decref(out);
}

static void test_bad_range(void **state)
{
    fixture *f = *state;
    store_airing_query q = {.from_ms = T0, .until_ms = T0};
    json_t *out = NULL;
    assert_int_equal(store_airings_list(f->s, &q, &out), -EINVAL);
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_district, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commune, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plays, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_range, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
