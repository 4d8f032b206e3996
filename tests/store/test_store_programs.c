/* Programmes in the store: create/get/list/edit/delete through the JSON API shape, each
 * validation refusal with its code, conflicts with the other programme named, and the rule
 * that a refused change writes nothing (audit included). */
#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "store_rows.h"
#include "api_words.h"

#include "hash.h"
#include "ids.h"
#include "store.h"
#include "store_internal.h" /* fixtures use the statement cache */
#include "store_audit.h"
#include "store_boxes.h"
#include "store_communes.h"
#include "store_programs.h"
#include "vtime.h"
#include "said.h"
#include "tmpdir.h"

#define WHO "cli:test"

typedef struct fixture {
    char *tmp, *dir;
    store *s;
    GTimeZone *tz;
    int64_t now; /* 2026-11-20 */
} fixture;

static int setup(void **state)
{
    fixture *f = g_new0(fixture, 1);
    char token[STORE_BOX_TOKEN_MAX];
    f->tmp = tmpdir_new("loalang-prog-XXXXXX");
    f->s = tmpdir_store(f->tmp, &f->dir);
    assert_int_equal(vtime_zone_new("Asia/Ho_Chi_Minh", &f->tz), 0);
    assert_int_equal(vtime_parse_rfc3339("2026-11-20T08:00:00+07:00", &f->now), 0);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_commune_add(f->s, WHO, "Bằng Lãng", NULL), 0);
    assert_int_equal(store_commune_add(f->s, WHO, "Bản Thi", NULL), 0);
    assert_int_equal(store_commune_add(f->s, WHO, "Nghĩa Tá", NULL), 0);
    assert_int_equal(store_box_add(f->s, WHO, "Nà Pài", "Bằng Lãng", NULL, token), 0);
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
    g_free(f->dir);
    g_free(f);
    return 0;
}

/* Creates from JSON text in its own transaction; returns the error and fills why/out. */
static int create(fixture *f, const char *text, json_t **out, store_refusal *why)
{
    json_t *in = json_loads(text, 0, NULL);
    assert_non_null(in);
    assert_int_equal(store_begin(f->s), 0);
    int ret = store_program_create(f->s, WHO, in, f->tz, f->now, out, why);
    if (ret == 0)
        assert_int_equal(store_commit(f->s), 0);
    else
        store_rollback(f->s);
    json_decref(in);
    return ret;
}

static int64_t audits(fixture *f, const char *action)
{
    int64_t n = -1;
    assert_int_equal(store_audit_count(f->s, action, &n), 0);
    return n;
}

static void test_create_get_list(void **state)
{
    fixture *f = *state;
    store_refusal why = {0};
    json_t *p = NULL, *g = NULL, *l = NULL;
    char *jingle = sr_add_piece(f->s, "Nhạc hiệu sáng", "jingle", 20, "approved");
    char *text = g_strdup_printf(
        "{\"title\":\"Bản tin sáng\",\"weekdays\":[\"mon\",\"wed\",\"sat\"],\"start\":\"06:00\","
        "\"length\":30,\"valid_from\":\"2026-12-01\",\"targets\":{\"kind\":\"communes\","
        "\"communes\":[\"Bản Thi\",\"Bằng Lãng\"]},\"intro\":\"%s\"}",
        jingle);
    assert_int_equal(create(f, text, &p, &why), 0);
    const char *id = json_string_value(json_object_get(p, "id"));
    assert_true(ids_is_uuid(id));
    assert_int_equal(store_program_get(f->s, id, &g), 0);
    assert_true(json_equal(p, g));
    assert_string_equal(json_string_value(json_object_get(g, "start")), "06:00");
    assert_int_equal(json_integer_value(json_object_get(g, "length")), 30);
    json_t *days = json_object_get(g, "weekdays");
    assert_int_equal(json_array_size(days), 3);
    assert_string_equal(json_string_value(json_array_get(days, 2)), "sat");
    json_t *t = json_object_get(g, "targets");
    assert_string_equal(json_string_value(json_object_get(t, "kind")), "communes");
    /* stored by commune id: Bằng Lãng was added first */
    assert_string_equal(json_string_value(json_array_get(json_object_get(t, "communes"), 0)),
                        "Bằng Lãng");
    assert_string_equal(json_string_value(json_object_get(g, "intro")), jingle);
    assert_true(json_is_null(json_object_get(g, "valid_until")));
    assert_int_equal(store_program_list(f->s, &l), 0);
    assert_int_equal(json_array_size(json_object_get(l, "programs")), 1);
    assert_int_equal(audits(f, "program.create"), 1);
    char *found = NULL;
    assert_int_equal(store_program_find(f->s, "Bản tin sáng", &found), 0);
    assert_string_equal(found, id);
    assert_int_equal(store_program_find(f->s, "Không có", &found), -ENOENT);
    g_free(found);
    json_decref(p);
    json_decref(g);
    json_decref(l);
    g_free(text);
    g_free(jingle);
}

static void expect_refusal(fixture *f, const char *text, int err, const char *code)
{
    store_refusal why = {0};
    json_t *out = NULL;
    assert_int_equal(create(f, text, &out, &why), err);
    assert_null(out);
    assert_string_equal(why.code, code);
    assert_true(why.words[0] != '\0');
    assert_true(strlen(said(&why)) > 0);
    assert_true(g_utf8_validate(said(&why), -1, NULL));
    assert_null(strchr(said(&why), '{')); /* every fact the sentence names was given */
}

static void test_validation(void **state)
{
    fixture *f = *state;
    char *piece = sr_add_piece(f->s, "Tin thường", "news", 60, "approved");
    char *draft = sr_add_piece(f->s, "Nhạc hiệu nháp", "jingle", 10, "draft");
#define BASE "\"weekdays\":[\"mon\"],\"start\":\"06:00\",\"length\":30"
    expect_refusal(f, "{" BASE "}", -EINVAL, "bad_title");
    expect_refusal(f, "{\"title\":\" x\"," BASE "}", -EINVAL, "bad_title");
    expect_refusal(f,
                   "{\"title\":\"A\",\"weekdays\":[\"mon\",\"moon\"],\"start\":\"06:00\","
                   "\"length\":30}",
                   -EINVAL, "bad_weekdays");
    expect_refusal(f, "{\"title\":\"A\",\"weekdays\":[],\"start\":\"06:00\",\"length\":30}",
                   -EINVAL, "bad_weekdays");
    expect_refusal(f, "{\"title\":\"A\",\"weekdays\":[\"mon\"],\"start\":\"24:00\",\"length\":30}",
                   -EINVAL, "bad_start");
    expect_refusal(f, "{\"title\":\"A\",\"weekdays\":[\"mon\"],\"length\":30}", -EINVAL,
                   "bad_start");
    expect_refusal(f, "{\"title\":\"A\",\"weekdays\":[\"mon\"],\"start\":\"06:00\",\"length\":0}",
                   -EINVAL, "bad_length");
    expect_refusal(f,
                   "{\"title\":\"A\",\"weekdays\":[\"mon\"],\"start\":\"06:00\",\"length\":1441}",
                   -EINVAL, "bad_length");
    expect_refusal(f, "{\"title\":\"A\"," BASE ",\"valid_from\":\"2026-02-30\"}", -EINVAL,
                   "bad_date");
    expect_refusal(f,
                   "{\"title\":\"A\"," BASE ",\"valid_from\":\"2026-12-02\","
                   "\"valid_until\":\"2026-12-01\"}",
                   -EINVAL, "bad_dates");
    expect_refusal(f, "{\"title\":\"A\"," BASE ",\"targets\":{\"kind\":\"some\"}}", -EINVAL,
                   "bad_targets");
    expect_refusal(f, "{\"title\":\"A\"," BASE ",\"targets\":{\"kind\":\"communes\"}}", -EINVAL,
                   "bad_targets");
    expect_refusal(f,
                   "{\"title\":\"A\"," BASE
                   ",\"targets\":{\"kind\":\"communes\",\"communes\":[\"Hà Nội\"]}}",
                   -EINVAL, "unknown_commune");
    expect_refusal(f,
                   "{\"title\":\"A\"," BASE ",\"targets\":{\"kind\":\"boxes\",\"boxes\":[\"x\"]}}",
                   -EINVAL, "unknown_box");
    char *t1 = g_strdup_printf("{\"title\":\"A\"," BASE ",\"intro\":\"%s\"}", piece);
    char *t2 = g_strdup_printf("{\"title\":\"A\"," BASE ",\"outro\":\"%s\"}", draft);
    expect_refusal(f, t1, -EINVAL, "bad_jingle");
    expect_refusal(f, t2, -EINVAL, "bad_jingle");
    expect_refusal(f, "[1]", -EINVAL, "bad_request");
    assert_int_equal(audits(f, "program.create"), 0);
    json_t *l = NULL;
    assert_int_equal(store_program_list(f->s, &l), 0);
    assert_int_equal(json_array_size(json_object_get(l, "programs")), 0);
    json_decref(l);
    g_free(t1);
    g_free(t2);
    g_free(piece);
    g_free(draft);
}

static void test_conflicts(void **state)
{
    fixture *f = *state;
    store_refusal why = {0};
    json_t *a = NULL, *b = NULL;
    assert_int_equal(create(f,
                            "{\"title\":\"Bản tin sáng\",\"weekdays\":[\"mon\",\"tue\",\"wed\","
                            "\"thu\",\"fri\",\"sat\",\"sun\"],\"start\":\"06:00\",\"length\":30}",
                            &a, &why),
                     0);
    /* overlaps on Bản Thi, which "all" includes */
    assert_int_equal(create(f,
                            "{\"title\":\"Chuyên mục\",\"weekdays\":[\"sat\"],\"start\":\"06:15\","
                            "\"length\":30,\"targets\":{\"kind\":\"communes\",\"communes\":"
                            "[\"Bản Thi\"]}}",
                            &b, &why),
                     -EBUSY);
    assert_string_equal(why.code, "program_conflict");
    assert_non_null(strstr(said(&why), "chương trình “Chuyên mục” trùng giờ với chương trình "
                                       "“Bản tin sáng” trên cùng xã/cụm loa: ngày "));
    assert_non_null(strstr(said(&why), "/2026 từ 06:15 đến 06:30"));
    /* right after it: fine */
    assert_int_equal(create(f,
                            "{\"title\":\"Chuyên mục\",\"weekdays\":[\"sat\"],\"start\":\"06:30\","
                            "\"length\":30,\"targets\":{\"kind\":\"communes\",\"communes\":"
                            "[\"Bản Thi\"]}}",
                            &b, &why),
                     0);
    /* same time, another commune: fine; the same commune: refused */
    json_t *c = NULL;
    assert_int_equal(create(f,
                            "{\"title\":\"Xã Nghĩa Tá\",\"weekdays\":[\"sat\"],\"start\":\"06:40\","
                            "\"length\":10,\"targets\":{\"kind\":\"communes\",\"communes\":"
                            "[\"Nghĩa Tá\"]}}",
                            &c, &why),
                     0);
    json_decref(c);
    c = NULL;
    assert_int_equal(create(f,
                            "{\"title\":\"Trùng\",\"weekdays\":[\"sat\"],\"start\":\"06:45\","
                            "\"length\":10,\"targets\":{\"kind\":\"communes\",\"communes\":"
                            "[\"Nghĩa Tá\"]}}",
                            &c, &why),
                     -EBUSY);
    assert_non_null(strstr(said(&why), "“Xã Nghĩa Tá”"));
    /* another weekday at the same time: fine; a programme that ends before the other starts to
     * be valid: fine */
    assert_int_equal(create(f,
                            "{\"title\":\"Thứ hai\",\"weekdays\":[\"mon\"],\"start\":\"06:40\","
                            "\"length\":10,\"targets\":{\"kind\":\"communes\",\"communes\":"
                            "[\"Nghĩa Tá\"]}}",
                            &c, &why),
                     0);
    json_decref(c);
    /* edit into a conflict: refused and unchanged; title taken */
    const char *bid = json_string_value(json_object_get(b, "id"));
    json_t *e = json_pack("{s:s}", "start", "06:10"), *out = NULL, *g = NULL;
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_program_edit(f->s, WHO, bid, e, f->tz, f->now, &out, &why), -EBUSY);
    store_rollback(f->s);
    assert_string_equal(why.code, "program_conflict");
    json_decref(e);
    e = json_pack("{s:s}", "title", "Bản tin sáng");
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_program_edit(f->s, WHO, bid, e, f->tz, f->now, &out, &why), -EEXIST);
    store_rollback(f->s);
    assert_string_equal(why.code, "title_taken");
    json_decref(e);
    e = json_pack("{s:s, s:i}", "start", "07:00", "length", 45);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_program_edit(f->s, WHO, bid, e, f->tz, f->now, &out, &why), 0);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(store_program_get(f->s, bid, &g), 0);
    assert_string_equal(json_string_value(json_object_get(g, "start")), "07:00");
    assert_int_equal(json_integer_value(json_object_get(g, "length")), 45);
    assert_string_equal(json_string_value(json_object_get(g, "title")), "Chuyên mục");
    assert_int_equal(audits(f, "program.edit"), 1);
    assert_int_equal(store_program_edit(f->s, WHO, "nope", e, f->tz, f->now, &out, &why), -ENOENT);
    json_decref(e);
    json_decref(out);
    json_decref(g);
    json_decref(a);
    json_decref(b);
    /* a programme that ended before today does not conflict */
    c = NULL;
    assert_int_equal(create(f,
                            "{\"title\":\"Cũ\",\"weekdays\":[\"sat\"],\"start\":\"06:00\","
                            "\"length\":30,\"valid_until\":\"2026-11-01\"}",
                            &c, &why),
                     0);
    json_decref(c);
    /* the conflicts report: none through the API; one written behind its back */
    json_t *list = NULL;
    assert_int_equal(store_program_conflicts(f->s, f->tz, f->now, &list), 0);
    assert_int_equal(json_array_size(json_object_get(list, "conflicts")), 0);
    json_decref(list);
    assert_int_equal(store_exec(f->s, "INSERT INTO programs(id, title, weekdays, start_s,"
                                      " length_s, created_ms, updated_ms) VALUES"
                                      " ('00000000-0000-4000-8000-000000000001', 'Chen ngang',"
                                      " 1, 22500, 600, 0, 0)"),
                     0);
    assert_int_equal(store_program_conflicts(f->s, f->tz, f->now, &list), 0);
    json_t *cs = json_object_get(list, "conflicts");
    assert_int_equal(json_array_size(cs), 1);
    json_t *one = json_array_get(cs, 0);
    char msg[512];
    assert_int_equal(
        api_words_say("program_overlap", json_object_get(one, "facts"), msg, sizeof msg), 0);
    assert_non_null(strstr(msg, "“Chen ngang”"));
    assert_non_null(strstr(msg, " từ 06:15 đến 06:25"));
    assert_int_equal(json_integer_value(json_object_get(one, "overlap_ms")), 10 * 60000);
    /* as GET /api/v1/programs answers: the sentence in place of its name and facts */
    assert_int_equal(api_words_notes(cs), 0);
    static const char *const keys[] = {"a",    "a_title",    "b",      "b_title",
                                       "from", "overlap_ms", "message"};
    const char *k;
    json_t *v;
    size_t n = 0;
    json_object_foreach(json_array_get(cs, 0), k, v)
    {
        assert_true(n < G_N_ELEMENTS(keys));
        assert_string_equal(k, keys[n++]);
    }
    assert_int_equal(n, G_N_ELEMENTS(keys));
    assert_string_equal(json_string_value(json_object_get(json_array_get(cs, 0), "message")), msg);
    json_decref(list);
}

static void test_delete(void **state)
{
    fixture *f = *state;
    store_refusal why = {0};
    json_t *a = NULL;
    char *piece = sr_add_piece(f->s, "Tin", "news", 60, "approved");
    assert_int_equal(create(f,
                            "{\"title\":\"Bản tin chiều\",\"weekdays\":[\"mon\"],\"start\":"
                            "\"17:00\",\"length\":30}",
                            &a, &why),
                     0);
    const char *id = json_string_value(json_object_get(a, "id"));
    /* a working airing of December in its slot blocks the delete */
    assert_int_equal(store_exec(f->s, "INSERT INTO month_plans(month, created_ms, updated_ms)"
                                      " VALUES ('2026-12', 0, 0)"),
                     0);
    sqlite3_stmt *st = NULL;
    assert_int_equal(store_prepare(f->s,
                                   "INSERT INTO plan_airings(id, month, piece_id, start_ms,"
                                   " duration_ms, program_id) VALUES ('w1', '2026-12', ?1, ?2,"
                                   " 60000, ?3)",
                                   &st),
                     0);
    sqlite3_bind_text(st, 1, piece, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, f->now + 20LL * 86400000);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_TRANSIENT);
    assert_int_equal(store_exec_stmt(f->s, st), 0);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_program_delete(f->s, WHO, id, f->now, &why), -EBUSY);
    store_rollback(f->s);
    assert_string_equal(why.code, "program_in_use");
    assert_non_null(strstr(said(&why), "còn lần phát trong lịch đang soạn của tháng 12/2026: "
                                       "xếp lại lịch hoặc xoá các lần phát đó trước"));
    /* once that airing is in the past, the delete goes through */
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_program_delete(f->s, WHO, id, f->now + 30LL * 86400000, &why), 0);
    assert_int_equal(store_commit(f->s), 0);
    json_t *g = NULL;
    assert_int_equal(store_program_get(f->s, id, &g), -ENOENT);
    assert_int_equal(audits(f, "program.delete"), 1);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_program_delete(f->s, WHO, id, f->now, &why), -ENOENT);
    store_rollback(f->s);
    json_decref(a);
    g_free(piece);
}

int main(void)
{
    ids_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_get_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
