/* player_config: defaults, the [player] group, output specs, the token file, and errors that
 * name what is wrong; the shipped example configuration loads. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cache.h"
#include "player_config.h"
#include "player_test.h"

static char *write_temp(const char *name, const char *text)
{
    char *dir = g_dir_make_tmp("pcfg-XXXXXX", NULL);
    char *path = g_build_filename(dir, name, NULL);
    assert_true(g_file_set_contents(path, text, -1, NULL));
    g_free(dir);
    return path;
}

/* Removes a file written by write_temp and its directory. */
static void remove_temp(char *path)
{
    char *dir = g_path_get_dirname(path);
    g_unlink(path);
    g_rmdir(dir);
    g_free(dir);
    g_free(path);
}

static void defaults_without_a_file(void **state)
{
    (void)state;
    player_config c;
    char *err = NULL;
    assert_int_equal(player_config_load(NULL, &c, &err), 0);
    assert_int_equal(c.output, PLAYER_OUTPUT_AUTO);
    assert_int_equal(c.volume, -1);
    assert_string_equal(c.state_dir, "/var/lib/loalang-player");
    assert_null(c.server_url);
    assert_int_equal(player_config_finish(&c, &err), -EINVAL); /* no server */
    assert_non_null(strstr(err, "server_url"));
    g_free(err);
    player_config_clear(&c);
}

static void file_and_token(void **state)
{
    (void)state;
    char *token = write_temp("token", "  s3cr3t-T0ken_x \n");
    char *text = g_strdup_printf("[player]\nserver_url = http://127.0.0.1:8080///\n"
                                 "token_file = %s\noutput = file:/tmp/out.wav\nvolume = 65\n"
                                 "amplifier_on = gpio on\ncache_cap_bytes = 1000000\n"
                                 "cache_keep_free_bytes = 5000000\ndownload_slow_seconds = 5\n",
                                 token);
    char *path = write_temp("player.conf", text);
    player_config c;
    char *err = NULL;
    assert_int_equal(player_config_load(path, &c, &err), 0);
    assert_int_equal(player_config_finish(&c, &err), 0);
    assert_string_equal(c.server_url, "http://127.0.0.1:8080");
    assert_string_equal(c.token, "s3cr3t-T0ken_x");
    assert_int_equal(c.output, PLAYER_OUTPUT_FILE);
    assert_string_equal(c.output_path, "/tmp/out.wav");
    assert_int_equal(c.volume, 65);
    assert_string_equal(c.amp_on_cmd, "gpio on");
    assert_null(c.amp_off_cmd);
    assert_int_equal(c.cache_cap_bytes, 1000000);
    assert_int_equal(c.cache_keep_free_bytes, 5000000);
    assert_int_equal(c.download_slow_seconds, 5);
    assert_int_equal(c.download_min_rate, CACHE_MIN_RATE_DEFAULT);
    assert_int_equal(player_config_set_output(&c, "fake", &err), 0);
    assert_int_equal(c.output, PLAYER_OUTPUT_FAKE);
    assert_null(c.output_path);
    assert_int_equal(player_config_set_output(&c, "file:no-suffix", &err), -EINVAL);
    assert_non_null(strstr(err, "file:"));
    g_free(err);
    player_config_clear(&c);
    g_free(text);
    remove_temp(path);
    remove_temp(token);
}

static void bad_values_are_named(void **state)
{
    (void)state;
    char *path = write_temp("bad.conf", "[player]\nvolume = 101\n");
    player_config c;
    char *err = NULL;
    assert_int_equal(player_config_load(path, &c, &err), -EINVAL);
    assert_non_null(strstr(err, "volume"));
    g_free(err);
    remove_temp(path);
    path = write_temp("bad2.conf", "[player]\noutput = loa\n");
    assert_int_equal(player_config_load(path, &c, &err), -EINVAL);
    assert_non_null(strstr(err, "loa"));
    g_free(err);
    remove_temp(path);
}

static void example_loads(void **state)
{
    (void)state;
    player_config c;
    char *err = NULL;
    assert_int_equal(
        player_config_load(LOALANG_SOURCE_DIR "/systemd/loalang-player.conf.example", &c, &err), 0);
    assert_string_equal(c.server_url, "https://loa.example.vn");
    assert_int_equal(c.amp_lead_s, 5);
    assert_int_equal(c.cache_keep_free_bytes, CACHE_KEEP_FREE_DEFAULT);
    player_config_clear(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_without_a_file),
        cmocka_unit_test(file_and_token),
        cmocka_unit_test(bad_values_are_named),
        cmocka_unit_test(example_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
