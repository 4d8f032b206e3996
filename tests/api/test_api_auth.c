/* Sessions over HTTP against a real loalangd: login, cookie flags, me, logout, CSRF on
 * writes, wrong passwords, disabled users, malformed bodies. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "api_client.h"
#include "daemon.h"
#include "store.h"
#include "store_sessions.h"
#include "store_users.h"
#include "wallclock.h"

#define WAIT_MS 20000 /* bound on waiting for the daemon; never a timing assertion */

static int setup(void **state)
{
    *state = td_start(NULL);
    return 0;
}

static int teardown(void **state)
{
    td_free(*state);
    return 0;
}

static long raw(td *t, const char *method, const char *path, const char *const *h, const char *body,
                char **out, char **headers)
{
    long status = 0;
    assert_int_equal(
        td_request(t, method, path, h, body, body ? strlen(body) : 0, &status, out, headers), 0);
    return status;
}

static const char *const JSON[] = {"Content-Type: application/json", NULL};

/* POST /api/v1/session with a JSON body, as the web UI sends it. */
static long login_raw(td *t, const char *body, char **out, char **headers)
{
    return raw(t, "POST", "/api/v1/session", JSON, body, out, headers);
}

static void test_login_cookie(void **state)
{
    td *t = *state;
    char *out = NULL, *headers = NULL;
    ac_add_user(t, "ktv.lan", "technician", NULL);
    long st =
        login_raw(t, "{\"user\":\"ktv.lan\",\"password\":\"" AC_PASSWORD "\"}", &out, &headers);
    assert_int_equal(st, 200);
    assert_non_null(strstr(headers, "HttpOnly"));
    assert_non_null(strstr(headers, "SameSite=Strict"));
    assert_null(strstr(headers, "Secure")); /* plain HTTP here */
    json_t *j = json_loads(out, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "user"), "role")),
                        "technician");
    assert_true(strlen(json_string_value(json_object_get(j, "csrf_token"))) >= 16);
    json_decref(j);
    g_free(out);
    g_free(headers);
}

static void test_bad_logins(void **state)
{
    td *t = *state;
    char *out = NULL;
    ac_add_user(t, "ktv.lan", "technician", NULL);
    const char *bodies[] = {
        "{\"user\":\"ktv.lan\",\"password\":\"sai mật khẩu\"}",
        "{\"user\":\"không.có\",\"password\":\"" AC_PASSWORD "\"}",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bodies); i++) {
        assert_int_equal(login_raw(t, bodies[i], &out, NULL), 401);
        assert_non_null(strstr(out, "bad_credentials"));
        assert_non_null(strstr(out, "Sai tên đăng nhập hoặc mật khẩu"));
        g_free(out);
    }
    const char *malformed[] = {"{", "[]", "{\"user\":1,\"password\":\"x\"}", "{\"user\":\"a\"}",
                               "{\"user\":\"a\xff\",\"password\":\"x\"}"};
    for (size_t i = 0; i < G_N_ELEMENTS(malformed); i++) {
        assert_int_equal(login_raw(t, malformed[i], &out, NULL), 400);
        g_free(out);
    }
}

/* The pages show dates in the station's configured zone, which the session answer names. */
static void test_session_zone(void **state)
{
    (void)state;
    td *t = td_start_config("[server]\ntime_zone = Asia/Bangkok\n", NULL);
    long st = 0;
    ac *c = ac_user(t, "admin", "admin", NULL);
    json_t *j = ac_call(c, "GET", "/api/v1/session", NULL, &st);
    assert_int_equal(st, 200);
    assert_string_equal(json_string_value(json_object_get(j, "time_zone")), "Asia/Bangkok");
    json_decref(j);
    ac_free(c);
    td_free(t);
}

static void test_me_logout(void **state)
{
    td *t = *state;
    long st = 0;
    ac *c = ac_user(t, "admin", "admin", NULL);
    json_t *j = ac_call(c, "GET", "/api/v1/session", NULL, &st);
    assert_int_equal(st, 200);
    assert_string_equal(json_string_value(json_object_get(j, "csrf_token")), ac_csrf(c));
    assert_string_equal(json_string_value(json_object_get(j, "time_zone")), "Asia/Ho_Chi_Minh");
    json_decref(j);
    j = ac_call(c, "DELETE", "/api/v1/session", NULL, &st);
    assert_int_equal(st, 204);
    json_decref(j);
    j = ac_call(c, "GET", "/api/v1/session", NULL, &st);
    assert_int_equal(st, 401);
    assert_string_equal(ac_error_code(j), "unauthenticated");
    json_decref(j);
    ac_free(c);
}

static void test_csrf(void **state)
{
    td *t = *state;
    char *out = NULL;
    ac *c = ac_user(t, "admin", "admin", NULL);
    char *cookie = g_strdup_printf("Cookie: %s", ac_cookie(c));
    const char *no_csrf[] = {cookie, NULL};
    const char *wrong[] = {cookie, "X-CSRF-Token: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL};
    assert_int_equal(raw(t, "POST", "/api/v1/communes", no_csrf, "{\"name\":\"Xã A\"}", &out, NULL),
                     403);
    assert_non_null(strstr(out, "\"csrf\""));
    g_free(out);
    assert_int_equal(raw(t, "POST", "/api/v1/communes", wrong, "{\"name\":\"Xã A\"}", &out, NULL),
                     403);
    g_free(out);
    /* Reads need no CSRF token; nothing was created by the refused writes. */
    assert_int_equal(raw(t, "GET", "/api/v1/communes", no_csrf, NULL, &out, NULL), 200);
    assert_string_equal(out, "{\"communes\":[]}");
    g_free(out);
    g_free(cookie);
    ac_free(c);
}

static void test_disabled_user(void **state)
{
    td *t = *state;
    long st = 0;
    ac *admin = ac_user(t, "admin", "admin", NULL);
    ac *tech = ac_user(t, "ktv", "technician", NULL);
    json_t *me = ac_call(tech, "GET", "/api/v1/session", NULL, &st);
    char *path = g_strdup_printf(
        "/api/v1/users/%lld",
        (long long)json_integer_value(json_object_get(json_object_get(me, "user"), "id")));
    json_decref(me);
    json_t *body = json_pack("{sb}", "disabled", 1);
    json_decref(ac_call(admin, "PATCH", path, body, &st));
    assert_int_equal(st, 200);
    json_decref(ac_call(tech, "GET", "/api/v1/session", NULL, &st));
    assert_int_equal(st, 401); /* the session ended with the account */
    char *out = NULL;
    assert_int_equal(
        login_raw(t, "{\"user\":\"ktv\",\"password\":\"" AC_PASSWORD "\"}", &out, NULL), 401);
    g_free(out);
    json_decref(body);
    g_free(path);
    ac_free(tech);
    ac_free(admin);
}

static void test_guessing_throttled(void **state)
{
    td *t = *state;
    char *out = NULL, *headers = NULL;
    ac_add_user(t, "ktv.lan", "technician", NULL);
    ac_add_user(t, "ktv.hoa", "technician", NULL);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(
            login_raw(t, "{\"user\":\"ktv.lan\",\"password\":\"đoán mò số mấy\"}", &out, NULL),
            401);
        g_free(out);
    }
    /* Even the right password is refused now, with a hint of when to come back. */
    assert_int_equal(
        login_raw(t, "{\"user\":\"ktv.lan\",\"password\":\"" AC_PASSWORD "\"}", &out, &headers),
        429);
    assert_non_null(strstr(out, "too_many_attempts"));
    assert_non_null(strstr(headers, "Retry-After: "));
    g_free(out);
    g_free(headers);
    /* Another account is not affected. */
    ac_free(ac_login(t, "ktv.hoa", AC_PASSWORD));
}

/* Login CSRF: a form on any site can post text/plain (or a urlencoded or multipart form) to the
 * login without a preflight and log the victim's browser into the attacker's account. Only
 * application/json is accepted, which a cross-site page cannot send without CORS. */
static void test_login_json_only(void **state)
{
    td *t = *state;
    char *out = NULL;
    ac_add_user(t, "ktv.lan", "technician", NULL);
    const char *body = "{\"user\":\"ktv.lan\",\"password\":\"" AC_PASSWORD "\"}";
    const char *plain[] = {"Content-Type: text/plain", NULL};
    const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    const char *multipart[] = {"Content-Type: multipart/form-data; boundary=x", NULL};
    const char *lookalike[] = {"Content-Type: application/jsonx", NULL};
    const char *none[] = {"Content-Type:", NULL}; /* curl sends none at all */
    const char *const *refused[] = {plain, form, multipart, lookalike, none};
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        assert_int_equal(raw(t, "POST", "/api/v1/session", refused[i], body, &out, NULL), 415);
        assert_non_null(strstr(out, "\"unsupported_media_type\""));
        assert_non_null(strstr(out, "application/json"));
        assert_non_null(strstr(out, "Đăng nhập"));
        g_free(out);
    }
    const char *with_charset[] = {"Content-Type: Application/JSON; charset=utf-8", NULL};
    assert_int_equal(raw(t, "POST", "/api/v1/session", with_charset, body, &out, NULL), 200);
    g_free(out);
}

/* A session's row is deleted once it has expired, by a timer of the running daemon (which also
 * runs at start): nothing else ever deletes it, and the table would grow with every login. The
 * rows are written here as they would have been 13 hours ago (the one clock, moved back), so
 * one is expired for the daemon and one is not. */
static void test_expired_sessions_purged(void **state)
{
    (void)state;
    char err[256], old[STORE_SESSION_TOKEN_MAX], live[STORE_SESSION_TOKEN_MAX];
    char csrf[STORE_CSRF_MAX], hash[STORE_PWHASH_MAX];
    store *s = NULL;
    int64_t id = 0;
    store_role role;
    store_session_user u;
    td *t = td_new();
    ac_add_user(t, "ktv.lan", "technician", NULL);
    assert_int_equal(store_open(td_dir(t), &s, err, sizeof err), 0);
    assert_int_equal(store_user_credentials(s, "ktv.lan", &id, &role, hash), 0);
    int64_t now = wallclock_now_ms();
    int64_t then = now - STORE_SESSION_TTL_MS - 3600 * 1000;
    wallclock_freeze_ms(then);
    assert_int_equal(store_session_create(s, id, wallclock_now_ms(), old, csrf), 0);
    wallclock_set(NULL, NULL);
    assert_int_equal(store_session_create(s, id, wallclock_now_ms(), live, csrf), 0);
    /* Both rows are there: seen from when each was made. */
    assert_int_equal(store_session_lookup(s, old, then + 1, &u), 0);
    assert_int_equal(store_session_lookup(s, live, now, &u), 0);

    assert_int_equal(td_launch(t, NULL, NULL), 0);
    int rc = 0;
    for (int i = 0; i < WAIT_MS / 10 && (rc = store_session_lookup(s, old, then + 1, &u)) == 0; i++)
        g_usleep(10000);
    assert_int_equal(rc, -EACCES); /* the expired row is gone, even seen from before it expired */
    assert_int_equal(store_session_lookup(s, live, wallclock_now_ms(), &u), 0);
    char *log = td_log(t);
    assert_non_null(strstr(log, "purged 1 expired session"));
    g_free(log);
    store_close(s);
    td_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_login_cookie, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_logins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_me_logout, setup, teardown),
        cmocka_unit_test(test_session_zone),
        cmocka_unit_test_setup_teardown(test_csrf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guessing_throttled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_json_only, setup, teardown),
        cmocka_unit_test(test_expired_sessions_purged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
