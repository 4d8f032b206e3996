/* config: typed getters, defaults, and errors that name the file, group and key. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

static const char SAMPLE[] = "# loalangd test configuration\n"
                             "[http]\n"
                             "port = 8080   \n"
                             "listen = 127.0.0.1\n"
                             "tls = true\n"
                             "big = 9223372036854775807\n"
                             "negative = -15\n"
                             "[bad]\n"
                             "port = 70000\n"
                             "workers = tám\n"
                             "ratio = 1.5\n"
                             "empty =\n"
                             "tls = có\n"
                             "[box]\n"
                             "name = Cụm loa thôn Nà Pài\n"
                             "escaped = a\\tb\\nc\n";

typedef struct fixture {
    char *path;
    config *cfg;
} fixture;

static char *write_temp(const char *text)
{
    char *path = NULL;
    int fd = g_file_open_tmp("loalang-config-XXXXXX.conf", &path, NULL);
    assert_true(fd >= 0);
    close(fd);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    return path;
}

static int setup(void **state)
{
    fixture *f = g_new0(fixture, 1);
    f->path = write_temp(SAMPLE);
    char *err = NULL;
    assert_int_equal(config_load(f->path, &f->cfg, &err), 0);
    assert_null(err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    config_free(f->cfg);
    g_unlink(f->path);
    g_free(f->path);
    g_free(f);
    return 0;
}

/* The message must say where the bad value is, so a technician can fix it. */
static void assert_names(char *err, const char *file, const char *group, const char *key)
{
    assert_non_null(err);
    if (!strstr(err, file) || !strstr(err, group) || !strstr(err, key))
        fail_msg("message does not name %s [%s] %s: \"%s\"", file, group, key, err);
    assert_true(g_utf8_validate(err, -1, NULL));
    g_free(err);
}

static void test_values(void **state)
{
    fixture *f = *state;
    int64_t n = 0;
    bool b = false;
    char *s = NULL;
    assert_int_equal(config_get_int(f->cfg, "http", "port", 1, 1, 65535, &n, NULL), 0);
    assert_int_equal(n, 8080);
    assert_int_equal(config_get_int(f->cfg, "http", "negative", 0, -100, 100, &n, NULL), 0);
    assert_int_equal(n, -15);
    assert_int_equal(config_get_int(f->cfg, "http", "big", 0, INT64_MIN, INT64_MAX, &n, NULL), 0);
    assert_true(n == INT64_MAX);
    assert_int_equal(config_get_bool(f->cfg, "http", "tls", false, &b, NULL), 0);
    assert_true(b);
    assert_int_equal(config_get_string(f->cfg, "http", "listen", "0.0.0.0", &s, NULL), 0);
    assert_string_equal(s, "127.0.0.1");
    g_free(s);
    assert_int_equal(config_get_string(f->cfg, "box", "name", NULL, &s, NULL), 0);
    assert_string_equal(s, "Cụm loa thôn Nà Pài");
    g_free(s);
    assert_int_equal(config_get_string(f->cfg, "box", "escaped", NULL, &s, NULL), 0);
    assert_string_equal(s, "a\tb\nc");
    g_free(s);
    assert_int_equal(config_get_string(f->cfg, "bad", "empty", "def", &s, NULL), 0);
    assert_string_equal(s, "");
    g_free(s);
}

static void test_defaults(void **state)
{
    fixture *f = *state;
    int64_t n = 0;
    bool b = true;
    char *s = NULL;
    assert_int_equal(config_get_int(f->cfg, "http", "absent", 60, 1, 10, &n, NULL), 0);
    assert_int_equal(n, 60); /* a default is the caller's word, not range-checked */
    assert_int_equal(config_get_int(f->cfg, "nogroup", "port", 7, 1, 10, &n, NULL), 0);
    assert_int_equal(n, 7);
    assert_int_equal(config_get_bool(f->cfg, "http", "absent", false, &b, NULL), 0);
    assert_false(b);
    assert_int_equal(config_get_string(f->cfg, "http", "absent", "x", &s, NULL), 0);
    assert_string_equal(s, "x");
    g_free(s);
    s = (char *)"sentinel";
    assert_int_equal(config_get_string(f->cfg, "http", "absent", NULL, &s, NULL), 0);
    assert_null(s);

    config *empty = config_new_empty();
    assert_int_equal(config_get_int(empty, "http", "port", 8080, 1, 65535, &n, NULL), 0);
    assert_int_equal(n, 8080);
    assert_int_equal(config_get_bool(empty, "http", "tls", true, &b, NULL), 0);
    assert_true(b);
    assert_int_equal(config_get_string(empty, "box", "name", "loa", &s, NULL), 0);
    assert_string_equal(s, "loa");
    g_free(s);
    config_free(empty);
    config_free(NULL);
}

static void test_bad_values(void **state)
{
    fixture *f = *state;
    int64_t n = 42;
    bool b = false;
    char *err = NULL;
    assert_int_equal(config_get_int(f->cfg, "bad", "port", 1, 1, 65535, &n, &err), -EINVAL);
    assert_non_null(strstr(err, "65535"));
    assert_names(err, f->path, "bad", "port");
    assert_int_equal(config_get_int(f->cfg, "http", "port", 1, 1, 1024, &n, &err), -EINVAL);
    assert_names(err, f->path, "http", "port");
    assert_int_equal(config_get_int(f->cfg, "http", "negative", 0, 0, 10, &n, &err), -EINVAL);
    assert_names(err, f->path, "http", "negative");
    assert_int_equal(config_get_int(f->cfg, "bad", "workers", 1, 1, 64, &n, &err), -EINVAL);
    assert_names(err, f->path, "bad", "workers");
    assert_int_equal(config_get_int(f->cfg, "bad", "ratio", 1, 0, 10, &n, &err), -EINVAL);
    assert_names(err, f->path, "bad", "ratio");
    assert_int_equal(config_get_int(f->cfg, "bad", "empty", 1, 0, 10, &n, &err), -EINVAL);
    assert_names(err, f->path, "bad", "empty");
    assert_int_equal(config_get_int(f->cfg, "http", "listen", 1, 0, 10, &n, NULL), -EINVAL);
    assert_int_equal(n, 42);

    assert_int_equal(config_get_bool(f->cfg, "bad", "tls", false, &b, &err), -EINVAL);
    assert_names(err, f->path, "bad", "tls");
    assert_int_equal(config_get_bool(f->cfg, "bad", "port", false, &b, &err), -EINVAL);
    assert_names(err, f->path, "bad", "port");
    assert_int_equal(config_get_bool(f->cfg, "bad", "empty", false, &b, NULL), -EINVAL);
    assert_false(b);
}

static void test_load_errors(void **state)
{
    (void)state;
    config *cfg = NULL;
    char *err = NULL;
    const char *missing = "/nonexistent/loalang/loalangd.conf";
    assert_int_equal(config_load(missing, &cfg, &err), -ENOENT);
    assert_null(cfg);
    assert_non_null(err);
    assert_non_null(strstr(err, missing));
    g_free(err);
    assert_int_equal(config_load(missing, &cfg, NULL), -ENOENT);

    char *path = write_temp("[http\nport = 1\n");
    assert_int_equal(config_load(path, &cfg, &err), -EINVAL);
    assert_null(cfg);
    assert_non_null(strstr(err, path));
    g_free(err);
    g_unlink(path);
    g_free(path);

    path = write_temp("port = 1\n"); /* key outside any group */
    assert_int_equal(config_load(path, &cfg, &err), -EINVAL);
    g_free(err);
    g_unlink(path);
    g_free(path);

    path = write_temp("");
    assert_int_equal(config_load(path, &cfg, &err), 0);
    int64_t n = 0;
    assert_int_equal(config_get_int(cfg, "http", "port", 80, 1, 65535, &n, &err), 0);
    assert_int_equal(n, 80);
    config_free(cfg);
    g_unlink(path);
    g_free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
