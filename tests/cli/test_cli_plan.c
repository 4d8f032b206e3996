/* Plans and publishing through the real loalangd on a temp data dir: `plan import` of the
 * Chợ Đồn sample (after its pieces were put in the store), `schedule fill YYYY-MM`,
 * `schedule publish YYYY-MM` twice, `airing add`; and bad inputs, each refused with a
 * Vietnamese message, the right exit status, and the database unchanged. */
#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "hash.h"
#include "ids.h"
#include "planfile.h"
#include "cli_dir.h"
#include "store.h"
#include "store_internal.h" /* fixtures use the statement cache */

#define SAMPLE LOALANG_SOURCE_DIR "/schedules/examples/cho-don-2026-12.plan"
#define NOW    "--now=2026-11-20T00:00:00+07:00"

#define assert_out(f, text) assert_non_null(strstr((f)->out, text))
#define assert_err(f, text) assert_non_null(strstr((f)->err, text))

/* Everything a refused command must leave alone, as one text. */
static char *snapshot(cli_dir *f)
{
    store *s = cli_open_store(f);
    sqlite3_stmt *st = NULL;
    assert_int_equal(
        store_prepare(s,
                      "SELECT (SELECT count(*) FROM audit) || '/' || (SELECT count(*)"
                      " FROM communes) || '/' || coalesce((SELECT group_concat(title ||"
                      " start_s || targets) FROM programs), '') || '/' || (SELECT count(*) FROM"
                      " plan_items) || '/' || (SELECT count(*) FROM plan_airings) ||"
                      " '/' || (SELECT count(*) FROM airings) || '/' || (SELECT"
                      " count(*) FROM events) || '/' || coalesce((SELECT theme FROM"
                      " month_plans), '')",
                      &st),
        0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *snap = g_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    store_close(s);
    return snap;
}

/* Puts every piece of a plan file in the store, approved, with its title, genre and
 * duration (the audio itself is another helper's business). */
static void add_pieces(cli_dir *f, const char *path, const char *status)
{
    char *buf = NULL;
    gsize len = 0;
    plan *p = NULL;
    plan_diags d = {0};
    assert_true(g_file_get_contents(path, &buf, &len, NULL));
    assert_int_equal(plan_parse(buf, len, &p, &d), 0);
    store *s = cli_open_store(f);
    for (size_t i = 0; i < p->n_pieces; i++) {
        char id[IDS_UUID_LEN + 1], sha[HASH_SHA256_HEX_LEN + 1];
        sqlite3_stmt *st = NULL;
        ids_uuid4(id);
        hash_sha256_buf(id, strlen(id), sha);
        assert_int_equal(store_prepare(s,
                                       "INSERT INTO media(sha256, bytes, duration_ms, created_ms)"
                                       " VALUES (?1, 1000, ?2, 0)",
                                       &st),
                         0);
        sqlite3_bind_text(st, 1, sha, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, p->pieces[i].duration_ms);
        assert_int_equal(store_exec_stmt(s, st), 0);
        assert_int_equal(store_prepare(s,
                                       "INSERT INTO pieces(id, title, genre, status, media_sha256,"
                                       " duration_ms, approved_ms, created_ms, updated_ms) VALUES"
                                       " (?1, ?2, ?3, ?4, ?5, ?6, 1, 0, 0)",
                                       &st),
                         0);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, p->pieces[i].title, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, sched_genre_name(p->pieces[i].genre), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, status, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, sha, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 6, p->pieces[i].duration_ms);
        assert_int_equal(store_exec_stmt(s, st), 0);
    }
    store_close(s);
    plan_free(p);
    plan_diags_clear(&d);
    g_free(buf);
}

static int setup(void **state)
{
    cli_dir *f = cli_dir_new("loalang-cliplan-XXXXXX");
    *state = f;
    assert_int_equal(cli_run(f, "init", NULL), 0);
    assert_int_equal(cli_run(f, "commune", "add", "Bằng Lãng", NULL), 0);
    assert_int_equal(
        cli_run(f, "box", "add", "Cụm loa thôn Nà Pài", "--commune", "Bằng Lãng", NULL), 0);
    add_pieces(f, SAMPLE, "approved");
    return 0;
}

static int teardown(void **state)
{
    cli_dir_free(*state);
    return 0;
}

static void test_import_fill_publish(void **state)
{
    cli_dir *f = *state;
    assert_int_equal(cli_run(f, "plan", "import", SAMPLE, NULL), 0);
    assert_out(f, "Đã nhập kế hoạch tháng 12/2026: 18 xã (17 mới), 3 chương trình mới");
    assert_out(f, "13 tin bài");
    assert_out(f, "Bỏ qua cụm loa “Cụm loa thôn Khuổi Nộc” (bang-lang-2)");
    assert_null(strstr(f->out, "Nà Pài")); /* registered: matched, not skipped */
    assert_int_equal(cli_count(f, "SELECT count(*) FROM communes"), 18);
    assert_int_equal(cli_count(f, "SELECT count(*) FROM programs"), 3);
    assert_int_equal(cli_count(f, "SELECT count(*) FROM plan_items WHERE month = '2026-12'"), 13);
    assert_int_equal(cli_count(f, "SELECT count(*) FROM programs p JOIN pieces j ON j.id ="
                                  " p.intro_piece WHERE p.title = 'Bản tin sáng' AND j.title ="
                                  " 'Nhạc hiệu Bản tin sáng'"),
                     1);
    assert_int_equal(
        cli_count(f, "SELECT count(*) FROM month_plans WHERE theme LIKE 'Kỷ niệm 82%'"), 1);
    /* importing again updates the programmes and replaces the items */
    assert_int_equal(cli_run(f, "plan", "import", SAMPLE, NULL), 0);
    assert_out(f, "0 chương trình mới, 3 chương trình cập nhật");
    assert_int_equal(cli_count(f, "SELECT count(*) FROM plan_items"), 13);
    /* fill: the same table as the file-based fill */
    assert_int_equal(cli_run(f, "schedule", "fill", "2026-12", NOW, NULL), 0);
    assert_out(f, "LỊCH PHÁT SÓNG THÁNG 12/2026");
    assert_out(f, "Chủ đề tháng: Kỷ niệm 82 năm");
    assert_out(f, "22/12/2026");
    assert_out(f, "CHƯA XẾP ĐƯỢC: 4 lần phát");
    assert_out(f, "TỔNG KẾT");
    assert_out(f, "(chưa công bố)");
    int64_t n = cli_count(f, "SELECT count(*) FROM plan_airings");
    assert_true(n > 100);
    assert_int_equal(cli_count(f, "SELECT count(*) FROM airings"), 0);
    /* publish, then publish again: nothing new */
    char *expect = g_strdup_printf(
        "phiên bản 1: %" G_GINT64_FORMAT " lần phát mới, 0 giữ nguyên, 0 rút lại", n);
    assert_int_equal(cli_run(f, "schedule", "publish", "2026-12", NOW, NULL), 0);
    assert_out(f, expect);
    g_free(expect);
    assert_int_equal(cli_run(f, "schedule", "fill", "2026-12", NOW, NULL), 0);
    expect = g_strdup_printf(
        "phiên bản 2: 0 lần phát mới, %" G_GINT64_FORMAT " giữ nguyên, 0 rút lại", n);
    assert_int_equal(cli_run(f, "schedule", "publish", "2026-12", NOW, NULL), 0);
    assert_out(f, expect);
    g_free(expect);
    assert_int_equal(cli_count(f, "SELECT count(*) FROM events WHERE type = 'manifest_changed'"),
                     2);
    /* the JSON form of the fill */
    assert_int_equal(cli_run(f, "schedule", "fill", "2026-12", NOW, "--json", NULL), 0);
    json_t *j = json_loads(f->out, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_array_size(json_object_get(j, "airings")), n);
    assert_int_equal(json_array_size(json_object_get(j, "not_placed")), 1);
    json_decref(j);
}

static void test_airing_add(void **state)
{
    cli_dir *f = *state;
    store *s = cli_open_store(f);
    sqlite3_stmt *st = NULL;
    assert_int_equal(store_prepare(s, "SELECT id FROM pieces WHERE genre = 'news' LIMIT 1", &st),
                     0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *piece = g_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    store_close(s);
    assert_int_equal(cli_run(f, "commune", "add", "Bản Thi", NULL), 0);
    assert_int_equal(cli_run(f, "airing", "add", "--piece", piece, "--at",
                             "2026-12-05T09:00:00+07:00", "--commune", "Bằng Lãng", "--commune",
                             "Bản Thi", "--priority", "priority", NULL),
                     0);
    assert_out(f, "lúc 09:00:00 ngày 05/12/2026");
    char *id = cli_last_line(f);
    assert_true(ids_is_uuid(id));
    char *sql = g_strdup_printf("SELECT count(*) FROM airings WHERE id = '%s' AND target_kind ="
                                " 'communes' AND json_array_length(targets) = 2 AND priority ="
                                " 'priority'",
                                id);
    assert_int_equal(cli_count(f, sql), 1);
    g_free(sql);
    g_free(id);
    /* no --commune: everyone */
    assert_int_equal(
        cli_run(f, "airing", "add", "--piece", piece, "--at", "2026-12-06T09:00:00+07:00", NULL),
        0);
    id = cli_last_line(f);
    sql =
        g_strdup_printf("SELECT count(*) FROM airings WHERE id = '%s' AND target_kind = 'all'", id);
    assert_int_equal(cli_count(f, sql), 1);
    g_free(sql);
    g_free(id);
    char *before = snapshot(f);
    /* bad command lines: 2 */
    assert_int_equal(cli_run(f, "airing", "add", "--at", "2026-12-06T09:00:00+07:00", NULL), 2);
    assert_err(f, "cách dùng");
    assert_int_equal(cli_run(f, "airing", "add", "--piece", piece, "--at", "06/12/2026 9:00", NULL),
                     2);
    assert_err(f, "thời điểm --at không hợp lệ");
    assert_int_equal(cli_run(f, "airing", "add", "--piece", piece, "--at", "2026-12-06T09:00:00Z",
                             "--priority", "gấp", NULL),
                     2);
    assert_err(f, "mức ưu tiên không hợp lệ");
    /* refused: 1 */
    assert_int_equal(cli_run(f, "airing", "add", "--piece", "khong-co", "--at",
                             "2026-12-06T09:00:00+07:00", NULL),
                     1);
    assert_err(f, "không có tin bài");
    assert_int_equal(cli_run(f, "airing", "add", "--piece", piece, "--at",
                             "2026-12-06T09:00:00+07:00", "--commune", "Hà Nội", NULL),
                     1);
    assert_err(f, "không có xã “Hà Nội”");
    char *after = snapshot(f);
    assert_string_equal(before, after);
    g_free(before);
    g_free(after);
    g_free(piece);
}

static char *write_plan(cli_dir *f, const char *name, const char *text)
{
    char *path = g_build_filename(f->tmp, name, NULL);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

#define HEAD                                                                                       \
    "[district]\nname = Chợ Đồn\ncommunes = Bằng Lãng, Xã Mới\n"                        \
    "[month]\nmonth = 2026-12\ntheme = Chủ đề khác\n"

static void test_bad_imports(void **state)
{
    cli_dir *f = *state;
    assert_int_equal(cli_run(f, "plan", "import", SAMPLE, NULL), 0);
    char *before = snapshot(f);
    struct {
        const char *name, *text, *message;
        int line;
    } bad[] = {
        {"syntax.plan", HEAD "[program x]\ntitle = A\nstart = 25:00\nlength = 10\n", "", 9},
        {"nopiece.plan",
         HEAD "[program x]\ntitle = Chiều\nstart = 15:00\nlength = 10\n"
              "[piece p]\ntitle = Không có trong kho\ngenre = tin\nduration = 60\n",
         "không có tin bài “Không có trong kho” trong cơ sở dữ liệu", 11},
        {"nomonth.plan", "[district]\nname = X\ncommunes = Bằng Lãng\n", "không có mục [month]", 0},
        {"box.plan",
         HEAD "[box la]\ncommune = Bằng Lãng\n[program x]\ntitle = Chiều\nstart = 15:00\n"
              "length = 10\nboxes = la\n",
         "cụm loa “la” chưa đăng ký", 9},
        {"conflict.plan", HEAD "[program x]\ntitle = Chen ngang\nstart = 06:10\nlength = 10\n",
         "trùng giờ với chương trình “Bản tin sáng”", 7},
        {"jingle.plan",
         HEAD "[program x]\ntitle = Chiều\nstart = 15:00\nlength = 10\nintro = tin\n"
              "[piece tin]\ntitle = Xã Ngọc Phái về đích nông thôn mới nâng cao\n"
              "genre = nhạc hiệu\nduration = 2:00\n",
         "không phải là nhạc hiệu", 12},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *path = write_plan(f, bad[i].name, bad[i].text);
        assert_int_equal(cli_run(f, "plan", "import", path, NULL), 1);
        char *where = bad[i].line ? g_strdup_printf("%s:%d: ", path, bad[i].line)
                                  : g_strdup_printf("%s: ", path);
        if (!strstr(f->err, where) || !strstr(f->err, bad[i].message))
            fail_msg("%s: expected “%s” and “%s” in:\n%s", bad[i].name, where, bad[i].message,
                     f->err);
        g_free(where);
        char *after = snapshot(f);
        assert_string_equal(before, after);
        g_free(after);
        g_free(path);
    }
    /* a piece that is not approved */
    add_pieces(f, SAMPLE, "submitted"); /* same titles again, none approved: by title, the
                                           approved copies still win */
    assert_int_equal(cli_run(f, "plan", "import", SAMPLE, NULL), 0);
    char *path = write_plan(f, "draft.plan",
                            HEAD "[program x]\ntitle = Chiều\nstart = 15:00\nlength = 10\n"
                                 "[piece p]\ntitle = Nhạc hiệu nháp\ngenre = tin\nduration = "
                                 "60\n");
    char *snap = snapshot(f);
    store *s = cli_open_store(f);
    assert_int_equal(store_exec(s,
                                "INSERT INTO media VALUES ('" /* a draft piece */
                                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',"
                                " 1, 1000, NULL, NULL, NULL, 0);"
                                "INSERT INTO pieces(id, title, genre, status, media_sha256,"
                                " duration_ms, created_ms, updated_ms) VALUES"
                                " ('00000000-0000-4000-8000-00000000000d', 'Nhạc hiệu nháp',"
                                " 'news', 'draft', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                "aaaaaaaaaaaaaaaaaaaa', 1000, 0, 0)"),
                     0);
    store_close(s);
    assert_int_equal(cli_run(f, "plan", "import", path, NULL), 1);
    assert_err(f, "tin bài “Nhạc hiệu nháp” chưa được duyệt");
    char *snap2 = snapshot(f);
    assert_string_equal(snap, snap2);
    g_free(snap);
    g_free(snap2);
    g_free(path);
    g_free(before);
}

/* A [piece] whose id is a store piece id is that piece, whatever its title in the file. */
static void test_import_by_id(void **state)
{
    cli_dir *f = *state;
    store *s = cli_open_store(f);
    sqlite3_stmt *st = NULL;
    assert_int_equal(store_prepare(s, "SELECT id FROM pieces WHERE genre = 'report' LIMIT 1", &st),
                     0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *piece = g_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    store_close(s);
    char *text = g_strdup_printf("[district]\nname = X\ncommunes = Bằng Lãng\n"
                                 "[month]\nmonth = 2027-02\n"
                                 "[program c]\ntitle = Trưa\nstart = 11:00\nlength = 15\n"
                                 "[piece %s]\ntitle = Tên khác hẳn\ngenre = tin\nduration = 60\n"
                                 "airings = 2\n",
                                 piece);
    char *path = write_plan(f, "byid.plan", text);
    assert_int_equal(cli_run(f, "plan", "import", path, NULL), 0);
    char *sql = g_strdup_printf("SELECT count(*) FROM plan_items WHERE month = '2027-02' AND"
                                " piece_id = '%s' AND airings = 2",
                                piece);
    assert_int_equal(cli_count(f, sql), 1);
    g_free(sql);
    g_free(path);
    g_free(text);
    g_free(piece);
}

static void test_usage(void **state)
{
    cli_dir *f = *state;
    assert_int_equal(cli_run(f, "plan", NULL), 2);
    assert_err(f, "cách dùng");
    assert_int_equal(cli_run(f, "plan", "import", "/nonexistent.plan", NULL), 1);
    assert_err(f, "không đọc được tệp kế hoạch");
    assert_int_equal(cli_run(f, "schedule", "fill", "2027-01", NULL), 1);
    assert_err(f, "tháng 2027-01 chưa có kế hoạch");
    assert_int_equal(cli_run(f, "schedule", "publish", "2027-01", NULL), 1);
    assert_err(f, "chưa có kế hoạch");
    assert_int_equal(cli_run(f, "schedule", "publish", "tháng-12", NULL), 2);
    g_free(f->out);
    g_free(f->err);
    const char *argv[] = {LOALANGD_PATH, "schedule", "publish", "2026-12", NULL};
    int status = -1;
    assert_true(g_spawn_sync(f->tmp, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &f->out,
                             &f->err, &status, NULL));
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 2);
    assert_err(f, "cần thư mục dữ liệu");
    assert_int_equal(cli_run(f, "schedule", "fill", "2026-12", "--now", "hôm qua", NULL), 2);
    assert_err(f, "--now không hợp lệ");
}

int main(void)
{
    ids_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_fill_publish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_airing_add, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_imports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_by_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
