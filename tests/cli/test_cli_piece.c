/* `loalangd piece …` through the real binary on a temp data dir, with audio made here by
 * espeak-ng: an import prints its summary and the piece id alone on the last line, and the
 * store then holds that piece and its media file; --approve walks it to approved; a refused
 * import (not audio, silence, bad genre, unknown commune, a file that is not there, named)
 * exits 1 in Vietnamese and leaves nothing in the database or in media/; list, approve,
 * reject. */
#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "cli_dir.h"
#include "store.h"
#include "store_internal.h" /* fixtures use the statement cache */
#include "store_media.h"
#include "store_pieces.h"
#include "vtime.h"

typedef struct fixture {
    cli_dir *cli;
    char *speech, *silence, *text; /* in cli->tmp */
} fixture;

#define run(f, ...)         cli_run((f)->cli, __VA_ARGS__, NULL)
#define assert_err(f, text) assert_non_null(strstr((f)->cli->err, text))

static void sh(const char *dir, const char *cmd)
{
    const char *argv[] = {"/bin/sh", "-ec", cmd, NULL};
    int status = -1;
    assert_true(g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                             NULL, &status, NULL));
    assert_true(g_spawn_check_wait_status(status, NULL));
}

static int setup(void **state)
{
    fixture *f = g_new0(fixture, 1);
    f->cli = cli_dir_new("loalang-cli-piece-XXXXXX");
    sh(f->cli->tmp, "espeak-ng -v vi -w speech.wav 'Bản tin sáng nay của đài truyền thanh xã.'");
    sh(f->cli->tmp, "sox -n -r 48000 -c 1 silence.wav trim 0 3");
    sh(f->cli->tmp, "echo 'không phải âm thanh' > notes.wav");
    f->speech = g_build_filename(f->cli->tmp, "speech.wav", NULL);
    f->silence = g_build_filename(f->cli->tmp, "silence.wav", NULL);
    f->text = g_build_filename(f->cli->tmp, "notes.wav", NULL);
    assert_int_equal(run(f, "init"), 0);
    assert_int_equal(run(f, "commune", "add", "Bằng Lãng"), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cli_dir_free(f->cli);
    g_free(f->speech);
    g_free(f->silence);
    g_free(f->text);
    g_free(f);
    return 0;
}

/* The piece as the store has it; NULL when there is none. */
static json_t *stored_piece(fixture *f, const char *id)
{
    store *s = cli_open_store(f->cli);
    GTimeZone *tz = NULL;
    json_t *p = NULL;
    assert_int_equal(vtime_zone_new(NULL, &tz), 0);
    store_piece_get(s, tz, id, &p);
    g_time_zone_unref(tz);
    store_close(s);
    return p;
}

/* Entries under media/, recursively (directories not counted). */
static int media_files(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    int n = 0;
    assert_non_null(d);
    for (const char *e; (e = g_dir_read_name(d));) {
        char *p = g_build_filename(dir, e, NULL);
        n += g_file_test(p, G_FILE_TEST_IS_DIR) ? media_files(p) : 1;
        g_free(p);
    }
    g_dir_close(d);
    return n;
}

static int files(fixture *f)
{
    char *m = g_build_filename(f->cli->dir, STORE_MEDIA_DIR, NULL);
    int n = media_files(m);
    g_free(m);
    return n;
}

static void test_import_prints_id_last(void **state)
{
    fixture *f = *state;
    assert_int_equal(run(f, "piece", "import", f->speech, "--title", "Bản tin sáng", "--genre",
                         "news", "--theme", "Chuyển đổi số", "--commune", "Bằng Lãng"),
                     0);
    assert_non_null(strstr(f->cli->out, "Thời lượng: 00:0"));
    assert_non_null(strstr(f->cli->out, "LUFS trước"));
    char *id = cli_last_line(f->cli);
    assert_true(ids_is_uuid(id));
    json_t *p = stored_piece(f, id);
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "status")), "draft");
    assert_string_equal(json_string_value(json_object_get(p, "commune")), "Bằng Lãng");
    const char *sha = json_string_value(json_object_get(json_object_get(p, "media"), "sha256"));
    char *path = NULL;
    assert_int_equal(store_media_path(f->cli->dir, sha, &path), 0);
    assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    assert_int_equal(files(f), 1);
    g_free(path);
    json_decref(p);
    g_free(id);

    /* The same audio again, approved at once: a second piece, still one file. */
    assert_int_equal(run(f, "piece", "import", f->speech, "--title=Phát lại", "--genre=article",
                         "--approve", "--priority", "priority"),
                     0);
    assert_non_null(strstr(f->cli->out, "dùng lại"));
    id = cli_last_line(f->cli);
    p = stored_piece(f, id);
    assert_string_equal(json_string_value(json_object_get(p, "status")), "approved");
    json_t *rv = json_object_get(p, "reviews");
    assert_int_equal(json_array_size(rv), 3);
    assert_true(
        g_str_has_prefix(json_string_value(json_object_get(json_array_get(rv, 2), "who")), "cli:"));
    json_decref(p);
    assert_int_equal(files(f), 1);
    assert_int_equal(cli_count(f->cli, "SELECT count(*) FROM media"), 1);

    assert_int_equal(run(f, "piece", "list"), 0);
    assert_non_null(strstr(f->cli->out, id));
    assert_non_null(strstr(f->cli->out, "đã duyệt"));
    assert_int_equal(run(f, "piece", "list", "--status", "draft"), 0);
    assert_null(strstr(f->cli->out, id));
    g_free(id);
}

static void assert_nothing_stored(fixture *f)
{
    assert_int_equal(cli_count(f->cli, "SELECT count(*) FROM pieces"), 0);
    assert_int_equal(cli_count(f->cli, "SELECT count(*) FROM media"), 0);
    assert_int_equal(cli_count(f->cli, "SELECT count(*) FROM audit WHERE action LIKE 'piece.%'"),
                     0);
    assert_int_equal(files(f), 0);
}

/* µ-law at 22,050 Hz with an odd number of samples (so an odd data chunk and its pad byte):
 * GStreamer's wavparse, in the pull mode the daemon once used, read past the chunk and gave no
 * audio, and the import was refused as empty. */
static void test_import_mulaw_22050(void **state)
{
    fixture *f = *state;
    sh(f->cli->tmp, "m=$(soxi -s speech.wav) && "
                    "sox speech.wav -e u-law mulaw.wav trim 0 $(( (m - 1) / 2 * 2 + 1 ))s");
    char *mulaw = g_build_filename(f->cli->tmp, "mulaw.wav", NULL);
    assert_int_equal(run(f, "piece", "import", mulaw, "--title", "Tin", "--genre", "news"), 0);
    assert_non_null(strstr(f->cli->out, "Thời lượng: 00:0"));
    assert_int_equal(files(f), 1);
    g_free(mulaw);
}

static void test_refused_imports_store_nothing(void **state)
{
    fixture *f = *state;
    assert_int_equal(run(f, "piece", "import", f->text, "--title", "T", "--genre", "news"), 1);
    assert_err(f, "không phải âm thanh");
    assert_int_equal(run(f, "piece", "import", f->silence, "--title", "T", "--genre", "news"), 1);
    assert_err(f, "im lặng");
    assert_int_equal(run(f, "piece", "import", f->speech, "--title", "T", "--genre", "nhạc"), 1);
    assert_err(f, "thể loại không hợp lệ");
    assert_int_equal(run(f, "piece", "import", f->speech, "--title", "T", "--genre", "news",
                         "--commune", "Không Có"),
                     1);
    assert_err(f, "không có xã");
    assert_int_equal(run(f, "piece", "import", f->speech, "--title", "", "--genre", "news"), 1);
    assert_err(f, "tiêu đề không hợp lệ");
    /* A missing file is named as missing, not as the server's read/write error. */
    assert_int_equal(
        run(f, "piece", "import", "/no/such/file.mp3", "--title", "T", "--genre", "news"), 1);
    assert_err(f, "không nhập được \"/no/such/file.mp3\": Không tìm thấy tệp");
    assert_null(strstr(f->cli->err, "Lỗi đọc/ghi"));
    assert_int_equal(run(f, "piece", "import", f->speech, "--genre", "news"), 2);
    assert_int_equal(
        run(f, "piece", "import", f->speech, "--title", "T", "--genre", "news", "--bogus"), 2);
    assert_nothing_stored(f);
}

static void test_approve_and_reject(void **state)
{
    fixture *f = *state;
    assert_int_equal(run(f, "piece", "import", f->speech, "--title", "T", "--genre", "news"), 0);
    char *id = cli_last_line(f->cli);
    assert_int_equal(run(f, "piece", "reject", id), 2);
    assert_int_equal(run(f, "piece", "reject", id, "--note", "Sai chính tả"), 0);
    json_t *p = stored_piece(f, id);
    assert_string_equal(json_string_value(json_object_get(p, "status")), "rejected");
    json_decref(p);
    assert_int_equal(run(f, "piece", "reject", id, "--note", "lần nữa"), 1);
    assert_err(f, "không thể chuyển");
    assert_int_equal(run(f, "piece", "approve", "00000000-0000-4000-8000-000000000000"), 1);
    assert_err(f, "không có tin bài");
    g_free(id);
    assert_int_equal(run(f, "piece", "import", f->speech, "--title", "U", "--genre", "news"), 0);
    id = cli_last_line(f->cli);
    assert_int_equal(run(f, "piece", "approve", id), 0);
    p = stored_piece(f, id);
    assert_string_equal(json_string_value(json_object_get(p, "status")), "approved");
    json_decref(p);
    g_free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_prints_id_last, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_mulaw_22050, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_imports_store_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_approve_and_reject, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
