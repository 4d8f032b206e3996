/* cli_dir: see cli_dir.h. */
#include "cli_dir.h"

#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "store.h"
#include "store_internal.h"
#include "tmpdir.h"

cli_dir *cli_dir_new(const char *template)
{
    cli_dir *d = g_new0(cli_dir, 1);
    d->tmp = tmpdir_new(template);
    d->dir = g_build_filename(d->tmp, "data", NULL);
    return d;
}

void cli_dir_free(cli_dir *d)
{
    if (!d)
        return;
    tmpdir_remove(d->tmp);
    g_free(d->out);
    g_free(d->err);
    g_free(d->dir);
    g_free(d);
}

static int run_v(cli_dir *d, cli_run_opts o, va_list ap)
{
    GPtrArray *argv = g_ptr_array_new();
    char **env = g_get_environ();
    if (o.password) {
        /* The shell feeds the password as one line, as an operator's pipe would. */
        g_ptr_array_add(argv, "/bin/sh");
        g_ptr_array_add(argv, "-c");
        g_ptr_array_add(argv, "printf '%s\\n' \"$PW\" | \"$@\"");
        g_ptr_array_add(argv, "sh");
        env = g_environ_setenv(env, "PW", o.password, TRUE);
    }
    g_ptr_array_add(argv, LOALANGD_PATH);
    if (!o.no_dir) {
        g_ptr_array_add(argv, "-d");
        g_ptr_array_add(argv, d->dir);
    }
    for (const char *a; (a = va_arg(ap, const char *));)
        g_ptr_array_add(argv, (char *)a);
    g_ptr_array_add(argv, NULL);
    g_free(d->out);
    g_free(d->err);
    d->out = d->err = NULL;
    int status = -1;
    assert_true(g_spawn_sync(NULL, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &d->out,
                             &d->err, &status, NULL));
    g_ptr_array_free(argv, TRUE);
    g_strfreev(env);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

int cli_run(cli_dir *d, ...)
{
    va_list ap;
    va_start(ap, d);
    int rc = run_v(d, (cli_run_opts){0}, ap);
    va_end(ap);
    return rc;
}

int cli_run_with(cli_dir *d, cli_run_opts o, ...)
{
    va_list ap;
    va_start(ap, o);
    int rc = run_v(d, o, ap);
    va_end(ap);
    return rc;
}

char *cli_last_line(const cli_dir *d)
{
    char *copy = g_strchomp(g_strdup(d->out ? d->out : ""));
    const char *nl = strrchr(copy, '\n');
    char *last = g_strdup(nl ? nl + 1 : copy);
    g_free(copy);
    return last;
}

struct store *cli_open_store(const cli_dir *d)
{
    char err[STORE_ERR_MAX];
    store *s = NULL;
    if (store_open(d->dir, &s, err, sizeof err) != 0)
        fail_msg("cannot open the store in %s: %s", d->dir, err);
    return s;
}

int64_t cli_count(const cli_dir *d, const char *sql)
{
    store *s = cli_open_store(d);
    sqlite3_stmt *st = NULL;
    assert_int_equal(store_prepare(s, sql, &st), 0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    store_close(s);
    return n;
}
