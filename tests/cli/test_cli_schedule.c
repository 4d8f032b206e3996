/* `loalangd schedule fill|check` through the real binary: the sample month, the JSON form,
 * and bad plan files, each of which must give a clear message and a non-zero exit. */
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#define SAMPLE LOALANG_SOURCE_DIR "/schedules/examples/cho-don-2026-12.plan"

typedef struct outcome {
    int exit_code; /* -1 when killed by a signal */
    char *out, *err;
} outcome;

static outcome run(const char *const *args)
{
    const char *argv[16] = {LOALANGD_PATH};
    size_t n = 1;
    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    outcome o = {-1, NULL, NULL};
    int status = 0;
    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &o.out, &o.err,
                             &status, NULL));
    if (WIFEXITED(status))
        o.exit_code = WEXITSTATUS(status);
    return o;
}

static void outcome_clear(outcome *o)
{
    g_free(o->out);
    g_free(o->err);
}

static char *write_plan(const char *text)
{
    char *path = NULL;
    int fd = g_file_open_tmp("loalang-plan-XXXXXX.plan", &path, NULL);
    assert_true(fd >= 0);
    close(fd);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static void test_sample_month_table(void **state)
{
    (void)state;
    outcome o = run((const char *[]){"schedule", "fill", SAMPLE, NULL});
    assert_int_equal(o.exit_code, 0);
    assert_non_null(strstr(o.out, "LỊCH PHÁT SÓNG THÁNG 12/2026"));
    assert_non_null(strstr(o.out, "01/12/2026"));
    assert_non_null(strstr(o.out, "31/12/2026"));
    assert_non_null(strstr(o.out, "06:00"));
    assert_non_null(strstr(o.out, "lấp đầy"));
    assert_non_null(strstr(o.out, "TỔNG KẾT"));
    outcome_clear(&o);
    /* --month agreeing with the file is fine; another month is refused. */
    o = run((const char *[]){"schedule", "fill", SAMPLE, "--month", "2026-12", NULL});
    assert_int_equal(o.exit_code, 0);
    outcome_clear(&o);
    o = run((const char *[]){"schedule", "fill", SAMPLE, "--month", "2027-01", NULL});
    assert_int_equal(o.exit_code, 1);
    assert_non_null(strstr(o.err, "12/2026"));
    outcome_clear(&o);
}

/* The JSON form: every slot of December at 06:00 or 17:00 local, fills within the slot. */
static void test_sample_month_json(void **state)
{
    (void)state;
    outcome o = run((const char *[]){"schedule", "fill", SAMPLE, "--json", NULL});
    assert_int_equal(o.exit_code, 0);
    json_error_t jerr;
    json_t *j = json_loads(o.out, 0, &jerr);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "month")), "2026-12");
    json_t *slots = json_object_get(j, "slots");
    assert_true(json_array_size(slots) >= 62);
    size_t i, airings = 0;
    json_t *slot;
    json_array_foreach(slots, i, slot)
    {
        assert_true(json_integer_value(json_object_get(slot, "used_ms")) <=
                    json_integer_value(json_object_get(slot, "length_ms")));
        const char *start = json_string_value(json_object_get(slot, "start"));
        assert_non_null(strstr(start, "+07:00"));
        airings += json_array_size(json_object_get(slot, "airings"));
    }
    assert_true(airings > 50);
    json_decref(j);
    outcome_clear(&o);
}

static void test_check_sample(void **state)
{
    (void)state;
    outcome o = run((const char *[]){"schedule", "check", SAMPLE, NULL});
    assert_int_equal(o.exit_code, 0);
    assert_non_null(strstr(o.out, "Kế hoạch hợp lệ"));
    outcome_clear(&o);
}

static const char *const HEAD = "[district]\n"
                                "name = Thử\n"
                                "communes = Bằng Lãng, Nam Cường\n"
                                "[month]\n"
                                "month = 2026-12\n";

/* Each bad plan: exit 1, "FILE:LINE:" on stderr, a Vietnamese word naming the problem. */
static void expect_bad(const char *body, int line, const char *word)
{
    char *text = g_strconcat(HEAD, body, NULL);
    char *path = write_plan(text);
    const char *cmds[] = {"fill", "check"};
    for (size_t c = 0; c < 2; c++) {
        outcome o = run((const char *[]){"schedule", cmds[c], path, NULL});
        if (o.exit_code != 1 || !o.err)
            fail_msg("%s on bad plan: exit %d\n%s", cmds[c], o.exit_code, text);
        char *where = g_strdup_printf("%s:%d:", path, line);
        if (!strstr(o.err, where) || !strstr(o.err, word))
            fail_msg("expected “%s” and “%s” in:\n%s", where, word, o.err);
        assert_string_equal(o.out, "");
        g_free(where);
        outcome_clear(&o);
    }
    g_unlink(path);
    g_free(path);
    g_free(text);
}

static void test_bad_plans(void **state)
{
    (void)state;
    /* Line numbers count HEAD's five lines. */
    expect_bad("this is not a plan line\n", 6, "không hợp lệ");
    expect_bad("[piece a]\ntitle = A\ngenre = tin tức\nduration = 1:00\n", 8, "thể loại");
    expect_bad("[program s]\ntitle = S\nstart = 25:00\nlength = 30\n", 8, "25:00");
    expect_bad("[program s]\ntitle = S\nstart = 06:00\nlength = 30\ncommunes = Xã Ma\n", 10,
               "Xã Ma");
    expect_bad("[piece a]\ntitle = A\ngenre = news\nduration = 1:00\n"
               "[piece a]\ntitle = B\ngenre = news\nduration = 1:00\n",
               10, "dòng 6");
}

static void test_conflicting_programmes(void **state)
{
    (void)state;
    char *text = g_strconcat(HEAD,
                             "[program a]\ntitle = Sáng\nstart = 06:00\nlength = 30\n"
                             "[program b]\ntitle = Chuyên mục\nstart = 06:15\nlength = 30\n"
                             "communes = Nam Cường\n",
                             NULL);
    char *path = write_plan(text);
    const char *cmds[] = {"fill", "check"};
    for (size_t c = 0; c < 2; c++) {
        outcome o = run((const char *[]){"schedule", cmds[c], path, NULL});
        assert_int_equal(o.exit_code, 1);
        assert_non_null(strstr(o.err, "trùng giờ"));
        assert_non_null(strstr(o.err, "“Sáng”"));
        assert_non_null(strstr(o.err, "“Chuyên mục”"));
        assert_non_null(strstr(o.err, "06:15"));
        outcome_clear(&o);
    }
    g_unlink(path);
    g_free(path);
    g_free(text);
}

static void test_usage_errors(void **state)
{
    (void)state;
    outcome o = run((const char *[]){"schedule", "fill", "/nonexistent/plan", NULL});
    assert_int_equal(o.exit_code, 1);
    assert_non_null(strstr(o.err, "không đọc được"));
    outcome_clear(&o);
    o = run((const char *[]){"schedule", "fill", SAMPLE, "--month", "2026-13", NULL});
    assert_int_equal(o.exit_code, 1);
    assert_non_null(strstr(o.err, "tháng không hợp lệ"));
    outcome_clear(&o);
    o = run((const char *[]){"schedule", "fill", SAMPLE, "--tz", "Mars/Olympus", NULL});
    assert_int_equal(o.exit_code, 1);
    assert_non_null(strstr(o.err, "múi giờ"));
    outcome_clear(&o);
    o = run((const char *[]){"schedule", "frobnicate", SAMPLE, NULL});
    assert_int_equal(o.exit_code, 2);
    outcome_clear(&o);
    o = run((const char *[]){"schedule", "fill", SAMPLE, "--bogus", NULL});
    assert_int_equal(o.exit_code, 2);
    outcome_clear(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_month_table),     cmocka_unit_test(test_sample_month_json),
        cmocka_unit_test(test_check_sample),           cmocka_unit_test(test_bad_plans),
        cmocka_unit_test(test_conflicting_programmes), cmocka_unit_test(test_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
