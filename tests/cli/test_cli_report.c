/* `report` and `contract` through the real loalangd on a temp data dir: a contract made by the
 * commands, a month with one airing and its play (rows put in by SQL: publishing is another
 * module's), the table, the CSV on stdout, and the refusals (bad period: exit 2). */
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

#define assert_out(f, text)                                                                        \
    do {                                                                                           \
        if (!strstr((f)->out, text))                                                               \
            fail_msg("stdout lacks \"%s\":\n%s", text, (f)->out);                                  \
    } while (0)
#define assert_err(f, text)                                                                        \
    do {                                                                                           \
        if (!strstr((f)->err, text))                                                               \
            fail_msg("stderr lacks \"%s\":\n%s", text, (f)->err);                                  \
    } while (0)

static int setup(void **state)
{
    cli_dir *f = cli_dir_new("loalang-cli-report-XXXXXX");
    *state = f;
    assert_int_equal(cli_run(f, "init", NULL), 0);
    assert_int_equal(cli_run(f, "commune", "add", "Bằng Lãng", NULL), 0);
    assert_int_equal(cli_run(f, "box", "add", "Nà Pài 1", "--commune", "Bằng Lãng", NULL), 0);
    return 0;
}

static int teardown(void **state)
{
    cli_dir_free(*state);
    return 0;
}

/* One 3-minute news piece aired on 05/12/2026 06:00 +07:00 for all, played to the end by the
 * box, which was set up long before (`box add` stamped it with today, whatever day that is). */
static void publish_and_play(cli_dir *f)
{
    store *s = NULL;
    char err[STORE_ERR_MAX];
    const char *sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const char *piece = "00000001-0000-4000-8000-000000000001";
    const int64_t start = 1796425200000; /* 2026-12-05T06:00:00+07:00 */
    assert_int_equal(store_open(f->dir, &s, err, sizeof err), 0);
    char *q = sqlite3_mprintf(
        "UPDATE boxes SET created_ms = 0;"
        "INSERT INTO media(sha256, bytes, duration_ms, created_ms) VALUES (%Q, 1000, 180000, 0);"
        "INSERT INTO pieces(id, title, genre, status, media_sha256, duration_ms, approved_ms,"
        " created_ms, updated_ms) VALUES (%Q, 'Tin nông nghiệp', 'news', 'approved', %Q, 180000,"
        " %lld, 0, 0);"
        "INSERT INTO schedule_versions(month, version, published_ms, published_by)"
        " VALUES ('2026-12', 1, 0, 'test');"
        "INSERT INTO airings(id, version_id, piece_id, media_sha256, start_ms, duration_ms)"
        " VALUES ('A1', 1, %Q, %Q, %lld, 180000);"
        "INSERT INTO plays(id, airing_id, box_id, media_sha256, scheduled_ms, started_ms,"
        " ended_ms, played_ms, outcome, received_ms) VALUES ('p1', 'A1', 1, %Q, %lld, %lld,"
        " %lld, 180000, 'completed', 0);",
        sha, piece, sha, (long long)(start - 86400000), piece, sha, (long long)start, sha,
        (long long)start, (long long)start, (long long)(start + 180000));
    assert_int_equal(store_exec(s, q), 0);
    sqlite3_free(q);
    store_close(s);
}

static void test_contract_and_report(void **state)
{
    cli_dir *f = *state;
    publish_and_play(f);
    assert_int_equal(cli_run(f, "contract", "add", "Hợp đồng 2026", "--from", "2026-01-01",
                             "--until", "2026-12-31", NULL),
                     0);
    assert_string_equal(f->out, "1\n");
    assert_int_equal(cli_run(f, "contract", "line", "1", "--genre", "news", "--pieces-per-month",
                             "2", "--airings-per-piece", "1", "--min-minutes", "1", "--max-minutes",
                             "4", NULL),
                     0);
    assert_int_equal(cli_run(f, "contract", "list", NULL), 0);
    assert_out(f, "\"max_ms\": 240000");

    assert_int_equal(cli_run(f, "report", "2026-12", NULL), 0);
    assert_out(f, "Báo cáo thời lượng phát sóng — Tháng 12/2026 (01/12/2026 – 31/12/2026)");
    assert_out(f, "Hợp đồng số 1: Hợp đồng 2026");
    assert_out(f, "Tin\t2\t1\t1\t2\t1\t1\t0\t3.0\t3.0\t100.0%\t50.0%");
    assert_out(f, "Thời lượng phát của các cụm loa: 3.0 phút");

    assert_int_equal(cli_run(f, "report", "2026-12", "--csv", NULL), 0);
    assert_memory_equal(f->out, "\xEF\xBB\xBF", 3);
    assert_out(f, "\r\nTin,2,1,1,2,1,1,0,3.0,3.0,100.0,50.0,0\r\n");
    assert_out(f, "\r\nTổng cộng,");

    assert_int_equal(cli_run(f, "report", "2026-12", "--evidence-csv", NULL), 0);
    assert_out(f, "A1,05/12/2026,06:00:00,Tin nông nghiệp,Tin,180.000,Nà Pài 1,Bằng Lãng,");

    assert_int_equal(cli_run(f, "report", "2026-Q4", "--json", NULL), 0);
    assert_out(f, "\"programme_airtime_ms\": 180000");
}

static void test_refusals(void **state)
{
    cli_dir *f = *state;
    assert_int_equal(cli_run(f, "report", "2026-13", NULL), 2);
    assert_err(f, "kỳ báo cáo không hợp lệ");
    assert_int_equal(cli_run(f, "report", NULL), 2);
    assert_int_equal(cli_run(f, "report", "2026-12", "--csv", "--json", NULL), 2);
    assert_int_equal(cli_run(f, "report", "2026-12", "--contract", "9", NULL), 1);
    assert_err(f, "không có hợp đồng số 9");
    assert_int_equal(
        cli_run(f, "contract", "add", "X", "--from", "2026-02-30", "--until", "2026-12-31", NULL),
        2);
    assert_int_equal(
        cli_run(f, "contract", "add", "X", "--from", "2026-12-31", "--until", "2026-01-01", NULL),
        1);
    assert_err(f, "thông tin hợp đồng không hợp lệ");
    assert_int_equal(cli_run(f, "contract", "line", "5", "--genre", "news", NULL), 1);
    assert_err(f, "không có hợp đồng số 5");
    assert_int_equal(cli_run(f, "contract", "line", "abc", "--genre", "news", NULL), 2);
    assert_int_equal(cli_run(f, "contract", "line", "1", "--genre", "jingle", NULL), 2);
    assert_err(f, "thể loại phải là");
    assert_int_equal(cli_run(f, "contract", "line", "1", "--genre", "news", "--pieces-per-month",
                             "1", "--pieces-per-period", "2", NULL),
                     2);
    /* a report on an empty year works, without a contract */
    assert_int_equal(cli_run(f, "report", "2025", NULL), 0);
    assert_out(f, "Chưa có hợp đồng cho kỳ này");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_contract_and_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
