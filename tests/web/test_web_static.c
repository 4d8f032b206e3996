/* The web UI's files as loalangd serves them (daemon/api/api_web.c): `/` and /static/NAME from the
 * source tree's daemon/web by default or from [server] web_dir, with their types, ETag/304,
 * the security headers, and 404 for every name that is not a plain known file. */
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "daemon.h"

static char *header_value(const char *headers, const char *name)
{
    gchar **lines = g_strsplit(headers, "\r\n", -1);
    char *v = NULL;
    size_t n = strlen(name);
    for (gchar **l = lines; *l && !v; l++)
        if (!g_ascii_strncasecmp(*l, name, n) && (*l)[n] == ':')
            v = g_strstrip(g_strdup(*l + n + 1));
    g_strfreev(lines);
    return v;
}

static void get(td *t, const char *path, const char *const *hdrs, long *status, char **body,
                char **headers)
{
    assert_int_equal(td_request(t, "GET", path, hdrs, NULL, 0, status, body, headers), 0);
}

static void test_index_and_modules(void **state)
{
    (void)state;
    td *t = td_start(NULL);
    long st = 0;
    char *body = NULL, *hd = NULL;
    get(t, "/", NULL, &st, &body, &hd);
    assert_int_equal(st, 200);
    assert_non_null(strstr(body, "<script type=\"module\" src=\"/static/app.js\">"));
    char *ct = header_value(hd, "Content-Type"), *csp = header_value(hd, "Content-Security-Policy");
    assert_string_equal(ct, "text/html; charset=utf-8");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "script-src 'self'"));
    assert_non_null(strstr(csp, "frame-ancestors 'none'"));
    g_free(ct);
    g_free(csp);
    g_free(body);
    g_free(hd);

    get(t, "/static/app.js", NULL, &st, &body, &hd);
    assert_int_equal(st, 200);
    assert_non_null(strstr(body, "import"));
    ct = header_value(hd, "Content-Type");
    char *etag = header_value(hd, "ETag"), *cc = header_value(hd, "Cache-Control");
    assert_string_equal(ct, "text/javascript; charset=utf-8");
    assert_string_equal(cc, "no-cache");
    assert_non_null(etag);
    char *inm = g_strdup_printf("If-None-Match: %s", etag);
    const char *const cond[] = {inm, NULL};
    g_free(body);
    g_free(hd);
    get(t, "/static/app.js", cond, &st, &body, &hd);
    assert_int_equal(st, 304);
    g_free(body);
    g_free(hd);
    get(t, "/static/app.css", NULL, &st, &body, &hd);
    assert_int_equal(st, 200);
    g_free(ct);
    ct = header_value(hd, "Content-Type");
    assert_string_equal(ct, "text/css; charset=utf-8");
    g_free(ct);
    g_free(etag);
    g_free(cc);
    g_free(inm);
    g_free(body);
    g_free(hd);
    assert_int_equal(td_stop(t), 0);
    td_free(t);
}

/* Nothing outside the directory, nothing hidden, no other extension, no second dot. */
static void test_refused_names(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "/static/..%2Fapi_web.c",
        "/static/%2e%2e",
        "/static/.hidden.js",
        "/static/APP.JS",
        "/static/api_web.c",
        "/static/a.b.js",
        "/static/..%2F..%2FCMakeLists.txt",
        "/static/missing.js",
        "/static/%00.js",

        "/static/",
        "/index.htm",
    };
    td *t = td_start(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        long st = 0;
        get(t, bad[i], NULL, &st, NULL, NULL);
        if (st != 404)
            fail_msg("%s: %ld", bad[i], st);
    }
    assert_int_equal(td_stop(t), 0);
    td_free(t);
}

/* [server] web_dir replaces the built-in directory. */
static void test_web_dir_config(void **state)
{
    (void)state;
    char *dir = g_dir_make_tmp("loalang-webdir-XXXXXX", NULL);
    char *index = g_build_filename(dir, "index.html", NULL);
    char *text = g_strdup_printf("[server]\nweb_dir = %s\n", dir);
    assert_true(g_file_set_contents(index, "<!doctype html><title>thử</title>", -1, NULL));
    td *t = td_start_config(text, NULL);
    long st = 0;
    char *body = NULL;
    get(t, "/", NULL, &st, &body, NULL);
    assert_int_equal(st, 200);
    assert_string_equal(body, "<!doctype html><title>thử</title>");
    g_free(body);
    get(t, "/static/app.js", NULL, &st, NULL, NULL); /* not in that directory */
    assert_int_equal(st, 404);
    assert_int_equal(td_stop(t), 0);
    td_free(t);
    g_unlink(index);
    g_rmdir(dir);
    g_free(text);
    g_free(index);
    g_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_and_modules),
        cmocka_unit_test(test_refused_names),
        cmocka_unit_test(test_web_dir_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
