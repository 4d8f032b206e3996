/* tmpdir: see tmpdir.h. */
#include "tmpdir.h"

#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

char *tmpdir_new(const char *template)
{
    char *path = g_dir_make_tmp(template, NULL);
    assert_non_null(path);
    return path;
}

void tmpdir_remove(char *path)
{
    if (!path)
        return;
    const char *argv[] = {"rm", "-rf", path, NULL};
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                 NULL);
    g_free(path);
}

store *tmpdir_store(const char *tmp, char **dir_out)
{
    char err[STORE_ERR_MAX];
    store *s = NULL;
    *dir_out = g_build_filename(tmp, "data", NULL);
    if (store_init(*dir_out, err, sizeof err) != 0 ||
        store_open(*dir_out, &s, err, sizeof err) != 0)
        fail_msg("store in %s: %s", *dir_out, err);
    return s;
}
