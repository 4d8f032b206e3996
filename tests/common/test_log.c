/* log: level filtering, LOALANG_LOG, journald "<N>" lines versus timestamped plain lines. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

#define PLAIN_RE                                                                                   \
    "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d\\d:\\d\\d testd INFO hello 42\\n$"

/* stderr redirected into a temp file for the duration of one capture. */
typedef struct capture {
    char *path;
    int saved;
} capture;

static void capture_start(capture *c, bool as_journal)
{
    int fd = g_file_open_tmp("loalang-log-XXXXXX", &c->path, NULL);
    assert_true(fd >= 0);
    fflush(stderr);
    c->saved = dup(STDERR_FILENO);
    assert_true(c->saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    close(fd);
    struct stat st;
    assert_int_equal(fstat(STDERR_FILENO, &st), 0);
    char v[64];
    /* Off by one inode when not a journal: the format matches, the identity doesn't. */
    snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino + (as_journal ? 0 : 1));
    setenv("JOURNAL_STREAM", v, 1);
}

/* Restores stderr and returns what was written (g_free it). */
static char *capture_end(capture *c)
{
    fflush(stderr);
    assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
    close(c->saved);
    unsetenv("JOURNAL_STREAM");
    char *text = NULL;
    assert_true(g_file_get_contents(c->path, &text, NULL, NULL));
    g_unlink(c->path);
    g_free(c->path);
    return text;
}

static void test_env_read_once(void **state)
{
    (void)state;
    /* main() set LOALANG_LOG=debug before the first call. */
    assert_int_equal(log_get_level(), LOG_LEVEL_DEBUG);
    setenv("LOALANG_LOG", "error", 1);
    assert_int_equal(log_get_level(), LOG_LEVEL_DEBUG);
    log_set_level(LOG_LEVEL_INFO);
    assert_int_equal(log_get_level(), LOG_LEVEL_INFO);
}

static void test_level_parse(void **state)
{
    (void)state;
    log_level l = LOG_LEVEL_INFO;
    assert_int_equal(log_level_parse("error", &l), 0);
    assert_int_equal(l, LOG_LEVEL_ERROR);
    assert_int_equal(log_level_parse("warn", &l), 0);
    assert_int_equal(l, LOG_LEVEL_WARN);
    assert_int_equal(log_level_parse("info", &l), 0);
    assert_int_equal(l, LOG_LEVEL_INFO);
    assert_int_equal(log_level_parse("debug", &l), 0);
    assert_int_equal(l, LOG_LEVEL_DEBUG);
    l = LOG_LEVEL_WARN;
    const char *bad[] = {"", "ERROR", "warning", "inf", "debug ", "trace", "3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(log_level_parse(bad[i], &l), -EINVAL);
    assert_int_equal(log_level_parse(NULL, &l), -EINVAL);
    assert_int_equal(l, LOG_LEVEL_WARN);
}

static void test_filtering(void **state)
{
    (void)state;
    capture c;
    log_set_level(LOG_LEVEL_WARN);
    capture_start(&c, true);
    log_debug("d");
    log_info("i");
    log_warn("w");
    log_error("e");
    char *text = capture_end(&c);
    assert_string_equal(text, "<4>w\n<3>e\n");
    g_free(text);

    log_set_level(LOG_LEVEL_DEBUG);
    capture_start(&c, true);
    log_debug("d");
    log_info("i");
    text = capture_end(&c);
    assert_string_equal(text, "<7>d\n<6>i\n");
    g_free(text);

    log_set_level(LOG_LEVEL_ERROR);
    capture_start(&c, true);
    log_warn("w");
    log_error("e %s", "x");
    text = capture_end(&c);
    assert_string_equal(text, "<3>e x\n");
    g_free(text);
    log_set_level(LOG_LEVEL_INFO);
}

static void test_journal_and_plain(void **state)
{
    (void)state;
    capture c;
    log_set_ident("testd");
    capture_start(&c, true);
    log_error("disk full: %d%%", 99);
    char *text = capture_end(&c);
    assert_string_equal(text, "<3>disk full: 99%\n");
    g_free(text);

    capture_start(&c, false);
    log_info("hello %d", 42);
    text = capture_end(&c);
    if (!g_regex_match_simple(PLAIN_RE, text, 0, 0))
        fail_msg("plain line has the wrong shape: \"%s\"", text);
    g_free(text);

    /* No JOURNAL_STREAM at all, and a malformed one: both plain. */
    capture_start(&c, true);
    unsetenv("JOURNAL_STREAM");
    log_info("hello %d", 42);
    text = capture_end(&c);
    assert_true(g_regex_match_simple(PLAIN_RE, text, 0, 0));
    g_free(text);
    capture_start(&c, true);
    setenv("JOURNAL_STREAM", "garbage", 1);
    log_info("hello %d", 42);
    text = capture_end(&c);
    assert_true(g_regex_match_simple(PLAIN_RE, text, 0, 0));
    g_free(text);

    /* Levels are named in plain lines. */
    capture_start(&c, false);
    log_warn("w");
    log_error("e\n"); /* a trailing newline is not doubled */
    text = capture_end(&c);
    assert_true(g_regex_match_simple("^\\S+ testd WARN w\\n\\S+ testd ERROR e\\n$", text, 0, 0));
    g_free(text);
    log_set_ident("loalang");
}

static void test_long_line_and_errno(void **state)
{
    (void)state;
    capture c;
    char *big = g_strnfill(5000, 'x');
    capture_start(&c, true);
    errno = EAGAIN;
    log_error("%s|end", big);
    assert_int_equal(errno, EAGAIN);
    char *text = capture_end(&c);
    char *want = g_strdup_printf("<3>%s|end\n", big);
    assert_string_equal(text, want);
    g_free(want);
    g_free(text);
    g_free(big);
}

/* A value from outside (a user name, a path) cannot forge a line of its own or drive the
 * terminal: control characters, C1 controls, stray bytes that are not UTF-8 and the backslash
 * come out escaped; Vietnamese text stays as it is. */
static void test_escaped(void **state)
{
    (void)state;
    capture c;
    capture_start(&c, true);
    log_info("login failed for \"%s\" from %s", "admin\n<3>FORGED \"ktv\" locked\r", "127.0.0.1");
    log_warn("%s",
             "tab\there, bell\a, esc\x1b[31m, del\x7f, nel\xc2\x85, bad\xff\xc3, back\\slash");
    log_info("tên \"%s\"", "Nguyễn Thị Hoà");
    char *text = capture_end(&c);
    assert_string_equal(
        text, "<6>login failed for \"admin\\n<3>FORGED \"ktv\" locked\\r\" from 127.0.0.1\n"
              "<4>tab\\there, bell\\x07, esc\\x1b[31m, del\\x7f, nel\\xc2\\x85, "
              "bad\\xff\\xc3, back\\\\slash\n"
              "<6>tên \"Nguyễn Thị Hoà\"\n");
    g_free(text);
}

#define THREADS 4
#define LINES   500

static void *writer(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < LINES; i++)
        log_info("thread %d line %d %s", id, i, "padding-padding-padding-padding");
    return NULL;
}

/* Lines from libuv worker threads must come out whole, never interleaved. */
static void test_threads(void **state)
{
    (void)state;
    capture c;
    pthread_t t[THREADS];
    capture_start(&c, true);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, writer, (void *)(intptr_t)i), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    char *text = capture_end(&c);
    char **lines = g_strsplit(text, "\n", -1);
    int count = 0;
    for (char **l = lines; *l && **l; l++, count++) {
        int id, n;
        char tail[64];
        if (sscanf(*l, "<6>thread %d line %d %63s", &id, &n, tail) != 3 ||
            strcmp(tail, "padding-padding-padding-padding") != 0)
            fail_msg("torn line: \"%s\"", *l);
    }
    assert_int_equal(count, THREADS * LINES);
    g_strfreev(lines);
    g_free(text);
}

int main(void)
{
    setenv("LOALANG_LOG", "debug", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_read_once),
        cmocka_unit_test(test_level_parse),
        cmocka_unit_test(test_filtering),
        cmocka_unit_test(test_journal_and_plain),
        cmocka_unit_test(test_long_line_and_errno),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
