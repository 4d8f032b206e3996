/* The admin commands through the real loalangd on a temp data dir: each command's success,
 * each refusal (exit 1, Vietnamese message, nothing changed), and a box token printed alone on
 * the last line that the store then accepts. */
#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "cli_dir.h"
#include "store.h"
#include "store_internal.h" /* fixtures use the statement cache */
#include "store_audit.h"
#include "store_boxes.h"
#include "store_users.h"

#define assert_err(f, text) assert_non_null(strstr((f)->err, text))

static int setup(void **state)
{
    cli_dir *f = cli_dir_new("loalang-cli-XXXXXX");
    *state = f;
    return 0;
}

static int setup_init(void **state)
{
    setup(state);
    cli_dir *f = *state;
    assert_int_equal(cli_run(f, "init", NULL), 0);
    assert_int_equal(cli_run(f, "commune", "add", "Bằng Lãng", NULL), 0);
    return 0;
}

static int teardown(void **state)
{
    cli_dir_free(*state);
    return 0;
}

static void test_init(void **state)
{
    cli_dir *f = *state;
    assert_int_equal(cli_run(f, "init", NULL), 0);
    assert_non_null(strstr(f->out, "Đã khởi tạo"));
    char *db = g_build_filename(f->dir, STORE_DB_NAME, NULL);
    assert_true(g_file_test(db, G_FILE_TEST_IS_REGULAR));
    g_free(db);
    assert_int_equal(cli_run(f, "init", NULL), 1);
    assert_err(f, "thư mục dữ liệu đã được khởi tạo");
    assert_int_equal(cli_run_with(f, (cli_run_opts){.no_dir = true}, "init", NULL), 1);
    assert_err(f, "thiếu thư mục dữ liệu");
}

static void test_needs_initialised_dir(void **state)
{
    cli_dir *f = *state;
    assert_int_equal(cli_run(f, "commune", "add", "Bằng Lãng", NULL), 1);
    assert_err(f, "chưa được khởi tạo");
    assert_int_equal(cli_run(f, "box", "list", NULL), 1);
    assert_err(f, "chưa được khởi tạo");
    assert_false(g_file_test(f->dir, G_FILE_TEST_EXISTS));
    assert_int_equal(cli_run_with(f, (cli_run_opts){.no_dir = true}, "commune", "list", NULL), 1);
    assert_err(f, "thiếu thư mục dữ liệu");
}

static void test_commune(void **state)
{
    cli_dir *f = *state;
    assert_int_equal(cli_run(f, "commune", "add", "Yên Thịnh", NULL), 0);
    int64_t before = cli_count(f, "SELECT count(*) FROM audit");
    assert_int_equal(cli_run(f, "commune", "add", "Yên Thịnh", NULL), 1);
    assert_err(f, "xã \"Yên Thịnh\" đã có");
    assert_int_equal(cli_run(f, "commune", "add", "", NULL), 1);
    assert_err(f, "tên xã không hợp lệ");
    assert_int_equal(cli_count(f, "SELECT count(*) FROM audit"), before);
    assert_int_equal(cli_run(f, "commune", "list", NULL), 0);
    assert_non_null(strstr(f->out, "Tên xã"));
    assert_non_null(strstr(f->out, "\tBằng Lãng\t0\n"));
    assert_non_null(strstr(f->out, "\tYên Thịnh\t0\n"));
    assert_int_equal(cli_run(f, "commune", "remove", "x", NULL), 2);
}

static void test_box(void **state)
{
    cli_dir *f = *state;
    int64_t id = 0;
    assert_int_equal(cli_run(f, "box", "add", "Nà Pài", "--commune", "Bằng Lãng", NULL), 0);
    char *token = cli_last_line(f);
    assert_true(strlen(token) >= 43);
    assert_null(strchr(token, ' '));
    store *s = cli_open_store(f);
    assert_int_equal(store_box_verify(s, token, &id), 0);
    store_close(s);

    int64_t before = cli_count(f, "SELECT count(*) FROM audit");
    assert_int_equal(cli_run(f, "box", "add", "Nà Pài", "--commune", "Bằng Lãng", NULL), 1);
    assert_err(f, "cụm loa \"Nà Pài\" đã có");
    assert_int_equal(cli_run(f, "box", "add", "Khác", "--commune", "Không có", NULL), 1);
    assert_err(f, "không có xã \"Không có\"");
    assert_int_equal(cli_run(f, "box", "add", "Khác", NULL), 2);
    assert_int_equal(cli_run(f, "box", "revoke", "Không có", NULL), 1);
    assert_err(f, "không có cụm loa");
    assert_int_equal(cli_count(f, "SELECT count(*) FROM audit"), before);

    assert_int_equal(cli_run(f, "box", "revoke", "Nà Pài", NULL), 0);
    s = cli_open_store(f);
    assert_int_equal(store_box_verify(s, token, &id), -EACCES);
    store_close(s);
    assert_int_equal(cli_run(f, "box", "revoke", "Nà Pài", NULL), 1);
    assert_err(f, "đã bị thu hồi");
    assert_int_equal(cli_run(f, "box", "list", NULL), 0);
    assert_non_null(strstr(f->out, "Tên cụm loa"));
    assert_non_null(strstr(f->out, "\tNà Pài\tBằng Lãng\tđã thu hồi\n"));
    g_free(token);
}

static void test_user(void **state)
{
    cli_dir *f = *state;
    int64_t id = 0;
    store_role role = STORE_ROLE_ADMIN;
    cli_run_opts pw = {.password = "mật khẩu tốt"};
    assert_int_equal(cli_run_with(f, pw, "user", "add", "an", "--role", "admin", NULL), 0);
    assert_int_equal(cli_run_with(f, pw, "user", "add", "thu", "--role", "operator", "--commune",
                                  "Bằng Lãng", NULL),
                     0);
    store *s = cli_open_store(f);
    assert_int_equal(store_user_verify(s, "an", "mật khẩu tốt", &id, &role), 0);
    assert_int_equal(role, STORE_ROLE_ADMIN);
    assert_int_equal(store_user_verify(s, "thu", "mật khẩu tốt", &id, &role), 0);
    assert_int_equal(role, STORE_ROLE_OPERATOR);
    assert_int_equal(store_user_verify(s, "an", "sai", &id, &role), -EACCES);
    store_close(s);

    int64_t before = cli_count(f, "SELECT count(*) FROM audit");
    assert_int_equal(cli_run_with(f, pw, "user", "add", "an", "--role", "admin", NULL), 1);
    assert_err(f, "người dùng \"an\" đã có");
    assert_int_equal(cli_run_with(f, pw, "user", "add", "b", "--role", "operator", NULL), 1);
    assert_err(f, "phải có --commune");
    assert_int_equal(
        cli_run_with(f, pw, "user", "add", "b", "--role", "operator", "--commune", "Xa", NULL), 1);
    assert_err(f, "không có xã");
    assert_int_equal(cli_run_with(f, pw, "user", "add", "b", "--role", "boss", NULL), 1);
    assert_err(f, "vai trò không hợp lệ");
    assert_int_equal(cli_run_with(f, (cli_run_opts){.password = "ngắn"}, "user", "add", "b",
                                  "--role", "admin", NULL),
                     1);
    assert_err(f, "ít nhất 8 ký tự");
    assert_int_equal(cli_run_with(f, (cli_run_opts){.password = ""}, "user", "add", "b", "--role",
                                  "admin", NULL),
                     1);
    assert_err(f, "mật khẩu trống");
    assert_int_equal(cli_run(f, "user", "add", "b", "--role", "admin", NULL), 1); /* no stdin */
    assert_err(f, "mật khẩu trống");
    assert_int_equal(cli_run(f, "user", "add", "b", NULL), 2);
    assert_int_equal(cli_count(f, "SELECT count(*) FROM audit"), before);
}

static void test_audit_who(void **state)
{
    cli_dir *f = *state;
    store *s = cli_open_store(f);
    sqlite3_stmt *st = NULL;
    assert_int_equal(store_prepare(s, "SELECT who FROM audit WHERE action = 'commune.add'", &st),
                     0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *want = g_strdup_printf("cli:%s", g_get_user_name());
    assert_string_equal((const char *)sqlite3_column_text(st, 0), want);
    sqlite3_reset(st);
    g_free(want);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_needs_initialised_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commune, setup_init, teardown),
        cmocka_unit_test_setup_teardown(test_box, setup_init, teardown),
        cmocka_unit_test_setup_teardown(test_user, setup_init, teardown),
        cmocka_unit_test_setup_teardown(test_audit_who, setup_init, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
