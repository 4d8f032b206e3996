/* Both programs answer --help and --version through their real binaries. */
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static int run(const char *bin, const char *arg, char **out)
{
    const char *argv[] = {bin, arg, NULL};
    int status = -1;
    gboolean ok = g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, NULL,
                               &status, NULL);
    assert_true(ok);
    return g_spawn_check_wait_status(status, NULL) ? 0 : 1;
}

static void test_version(void **state)
{
    (void)state;
    const char *bins[] = {LOALANGD_PATH, LOALANG_PLAYER_PATH};
    for (size_t i = 0; i < 2; i++) {
        char *out = NULL;
        assert_int_equal(run(bins[i], "--version", &out), 0);
        assert_non_null(strstr(out, LOALANG_VERSION));
        g_free(out);
    }
}

static void test_help(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(run(LOALANGD_PATH, "--help", &out), 0);
    assert_non_null(strstr(out, "schedule fill"));
    g_free(out);
    assert_int_equal(run(LOALANG_PLAYER_PATH, "--help", &out), 0);
    assert_non_null(strstr(out, "--config"));
    g_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
