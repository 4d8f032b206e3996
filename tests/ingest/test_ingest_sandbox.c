/* loalang-decode, run the way ingest runs it (ingest_helper_spawn): inside its sandbox it
 * cannot open a socket of any family, create or write a file, run a program, fork, signal its
 * parent or make a namespace; none of the spawning process's sockets reached it; and the
 * limits the daemon set are in force. A decoder that burns CPU is stopped at its CPU limit, and one
 * still running at its deadline is killed: both are refused as decode_limit. */
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "ingest.h"
#include "ingest_helper.h"
#include "tmpdir.h"

/* Runs the helper with args and reads its PCM (none) to the end; its status text in *text. */
static int run(const char *const *args, const ingest_helper_limits *lim, int src_fd, char **text,
               char *detail, size_t detail_len)
{
    ingest_helper h;
    int rc = ingest_helper_spawn(LOALANG_DECODE_PATH, args, src_fd, lim, &h, detail, detail_len);
    assert_int_equal(rc, 0);
    char buf[4096];
    size_t got = 0;
    int read_rc;
    while ((read_rc = ingest_helper_read(&h, buf, sizeof buf, &got)) == 0 && got > 0)
        ;
    rc = ingest_helper_finish(&h, false, detail, detail_len);
    *text = g_strdup(h.status);
    if (read_rc == -ETIMEDOUT)
        assert_int_equal(rc, -INGEST_ERR_DECODE_LIMIT);
    return rc;
}

/* The value after "NAME ok " in the probe's report, or fails the test. */
static const char *ok_line(const char *text, const char *name, char *val, size_t len)
{
    char *key = g_strdup_printf("\n%s ok", name);
    char *full = g_strdup_printf("\n%s", text);
    const char *at = strstr(full, key);
    if (!at)
        fail_msg("no \"%s ok\" in the probe's report:\n%s", name, text);
    at += strlen(key);
    if (*at == ' ')
        at++;
    size_t n = strcspn(at, "\n");
    g_snprintf(val, len, "%.*s", (int)n, at);
    g_free(key);
    g_free(full);
    return val;
}

static void test_probe_inside_the_sandbox(void **state)
{
    (void)state;
    char *dir = tmpdir_new("loalang-sandbox-XXXXXX");
    char *existing = g_build_filename(dir, "existing", NULL);
    assert_true(g_file_set_contents(existing, "x", 1, NULL));
    /* A socket of the test's own, open in the spawning process: it must not reach the child. */
    int leak = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int leak2 = socket(AF_UNIX, SOCK_STREAM, 0); /* not even without CLOEXEC */
    assert_true(leak >= 0 && leak2 >= 0);
    const char *args[] = {"--probe", dir, NULL};
    ingest_helper_limits lim = {.cpu_s = 7, .wall_s = 60, .mem_bytes = (int64_t)768 << 20};
    char detail[INGEST_DETAIL_MAX] = "", val[64], *text = NULL;
    int rc = run(args, &lim, -1, &text, detail, sizeof detail);
    print_message("%s", text);
    assert_int_equal(rc, 0);
    const char *denied[] = {"socket_inet",   "socket_inet6",     "socket_unix", "socket_netlink",
                            "create_file",   "open_for_writing", "execve",      "fork",
                            "signal_parent", "unshare"};
    for (size_t i = 0; i < G_N_ELEMENTS(denied); i++)
        ok_line(text, denied[i], val, sizeof val);
    assert_string_equal(ok_line(text, "socket_inet", val, sizeof val), "Permission denied");
    ok_line(text, "seccomp_filter", val, sizeof val);
    ok_line(text, "no_new_privs", val, sizeof val);
    ok_line(text, "no_socket_fds", val, sizeof val);
    assert_string_equal(ok_line(text, "limit_cpu", val, sizeof val), "7");
#ifndef __SANITIZE_ADDRESS__ /* ingest_helper.c: no RLIMIT_AS under AddressSanitizer */
    assert_string_equal(ok_line(text, "limit_as", val, sizeof val), "805306368");
#endif
    assert_string_equal(ok_line(text, "limit_fsize", val, sizeof val), "0");
    assert_string_equal(ok_line(text, "limit_core", val, sizeof val), "0");
    assert_string_equal(ok_line(text, "limit_nofile", val, sizeof val), "64");
    assert_true(g_str_has_suffix(text, "\nok\n"));
    /* Nothing was made or written in dir. */
    char *made = g_build_filename(dir, "new", NULL);
    char *content = NULL;
    assert_false(g_file_test(made, G_FILE_TEST_EXISTS));
    assert_true(g_file_get_contents(existing, &content, NULL, NULL));
    assert_string_equal(content, "x");
    close(leak);
    close(leak2);
    g_free(content);
    g_free(made);
    g_free(text);
    g_free(existing);
    tmpdir_remove(dir);
}

static void test_cpu_limit_stops_it(void **state)
{
    (void)state;
    const char *args[] = {"--spin", NULL};
    ingest_helper_limits lim = {.cpu_s = 1, .wall_s = 120, .mem_bytes = (int64_t)768 << 20};
    char detail[INGEST_DETAIL_MAX] = "", *text = NULL;
    assert_int_equal(run(args, &lim, -1, &text, detail, sizeof detail), -INGEST_ERR_DECODE_LIMIT);
    assert_non_null(strstr(detail, "CPU limit"));
    g_free(text);
}

static void test_deadline_kills_it(void **state)
{
    (void)state;
    const char *args[] = {"--spin", NULL};
    ingest_helper_limits lim = {.cpu_s = 120, .wall_s = 1, .mem_bytes = (int64_t)768 << 20};
    char detail[INGEST_DETAIL_MAX] = "", *text = NULL;
    assert_int_equal(run(args, &lim, -1, &text, detail, sizeof detail), -INGEST_ERR_DECODE_LIMIT);
    assert_non_null(strstr(detail, "deadline"));
    g_free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_inside_the_sandbox),
        cmocka_unit_test(test_cpu_limit_stops_it),
        cmocka_unit_test(test_deadline_kills_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
