/* Sessions over HTTP against a real loalangd: login, cookie flags, me, logout, CSRF on
 * writes, wrong passwords, disabled users, malformed bodies. */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
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

/* n logins to name at once, each from its own loopback address 127.<net>.x.y, with the wrong
 * password except call number right_at (-1: none). */
static td_call *login_burst(td *t, const char *name, size_t n, int net, long right_at)
{
    td_call *calls = g_new0(td_call, n);
    for (size_t i = 0; i < n; i++) {
        calls[i].method = "POST";
        calls[i].path = "/api/v1/session";
        calls[i].headers = JSON;
        calls[i].body = g_strdup_printf("{\"user\":\"%s\",\"password\":\"%s\"}", name,
                                        (long)i == right_at ? AC_PASSWORD : "đoán mò");
        calls[i].from = g_strdup_printf("127.%d.%zu.%zu", net, (i + 1) / 250, (i + 1) % 250 + 1);
    }
    td_request_all(t, calls, n);
    return calls;
}

static void burst_free(td_call *calls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_free((char *)calls[i].body);
        g_free((char *)calls[i].from);
    }
    td_calls_free(calls, n);
    g_free(calls);
}

/* How many calls got status. */
static size_t count_status(const td_call *calls, size_t n, long status)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += calls[i].status == status;
    return k;
}

/* Guesses fired at once, from many addresses: the limit counts the checks still running, so no
 * more than 5 passwords are ever checked for a name in a window, however they arrive. The right
 * password among them does not reopen the window either. */
static void test_lockout_parallel(void **state)
{
    td *t = *state;
    char *out = NULL, *headers = NULL;
    ac_add_user(t, "ktv.lan", "technician", NULL);
    ac_add_user(t, "ktv.hoa", "technician", NULL);
    td_call *c = login_burst(t, "ktv.lan", 60, 1, -1);
    assert_int_equal(count_status(c, 60, 401), 5);
    assert_int_equal(count_status(c, 60, 429), 55);
    for (size_t i = 0; i < 60; i++)
        if (c[i].status == 429)
            assert_non_null(strstr(c[i].out, "too_many_attempts"));
    burst_free(c, 60);
    assert_int_equal(
        login_raw(t, "{\"user\":\"ktv.lan\",\"password\":\"" AC_PASSWORD "\"}", &out, &headers),
        429);
    assert_non_null(strstr(headers, "Retry-After: "));
    g_free(out);
    g_free(headers);

    /* 59 wrong and the right one at once: at most 5 are checked (6 if the right one was among
     * the first and left room for one more), never all 60. */
    c = login_burst(t, "ktv.hoa", 60, 2, 30);
    assert_true(count_status(c, 60, 401) + count_status(c, 60, 200) <= 6);
    assert_true(count_status(c, 60, 429) >= 54);
    burst_free(c, 60);

    /* Every failure and the lockout are logged with the name and the address, never the
     * password. */
    char *log = td_log(t);
    assert_non_null(strstr(log, "login: wrong password or name \"ktv.lan\" from 127.1."));
    assert_non_null(strstr(log, "login: name \"ktv.lan\" locked"));
    assert_null(strstr(log, "đoán mò"));
    assert_null(strstr(log, AC_PASSWORD));
    g_free(log);
}

/* One address may fail 20 times in 15 minutes whatever names it tries; then it is refused,
 * even with a right password, while another address is not. */
static void test_address_limit(void **state)
{
    td *t = *state;
    char *out = NULL, *headers = NULL;
    const char *right = "{\"user\":\"ktv.lan\",\"password\":\"" AC_PASSWORD "\"}";
    ac_add_user(t, "ktv.lan", "technician", NULL);
    td_call c = {.method = "POST", .path = "/api/v1/session", .headers = JSON, .from = "127.0.0.9"};
    for (int i = 0; i < 20; i++) {
        char *body = g_strdup_printf("{\"user\":\"khách.%d\",\"password\":\"đoán mò\"}", i);
        c.body = body;
        td_request_all(t, &c, 1);
        assert_int_equal(c.status, 401);
        td_calls_free(&c, 1);
        g_free(body);
    }
    c.body = right;
    td_request_all(t, &c, 1);
    assert_int_equal(c.status, 429);
    assert_non_null(strstr(c.out, "too_many_attempts"));
    assert_non_null(strstr(c.out, "địa chỉ"));
    assert_non_null(strstr(c.headers_out, "Retry-After: "));
    td_calls_free(&c, 1);
    c.from = "127.0.0.10";
    td_request_all(t, &c, 1);
    assert_int_equal(c.status, 200);
    td_calls_free(&c, 1);
    char *log = td_log(t);
    assert_non_null(strstr(log, "login: wrong password or name \"khách.19\" from 127.0.0.9"));
    assert_non_null(strstr(log, "login: address 127.0.0.9 locked"));
    g_free(log);
    (void)out;
    (void)headers;
}

/* One login from "from" with the header X-Forwarded-For: xff (NULL: none); its status. */
static long login_via(td *t, const char *from, const char *xff, const char *name,
                      const char *password)
{
    char *h = xff ? g_strdup_printf("X-Forwarded-For: %s", xff) : NULL;
    const char *headers[] = {JSON[0], h, NULL};
    char *body = g_strdup_printf("{\"user\":\"%s\",\"password\":\"%s\"}", name, password);
    td_call c = {.method = "POST",
                 .path = "/api/v1/session",
                 .headers = headers,
                 .body = body,
                 .from = from};
    td_request_all(t, &c, 1);
    td_calls_free(&c, 1);
    g_free(body);
    g_free(h);
    return c.status;
}

/* Behind a reverse proxy every client has the proxy's address: with trusted_proxy set, the
 * address the proxy appended to X-Forwarded-For is the client's (for the limits and the logs),
 * and IPv6 clients are counted by their /64. From anyone else the header means nothing. */
static void test_trusted_proxy(void **state)
{
    (void)state;
    td *t = td_start_config("[server]\ntrusted_proxy = 127.0.0.1\n", NULL);
    ac_add_user(t, "ktv.lan", "technician", NULL);
    for (int i = 0; i < 20; i++) {
        char *xff = g_strdup_printf("203.0.113.9, 2001:db8:7:7::%x", i + 1);
        char *name = g_strdup_printf("khách.%d", i);
        assert_int_equal(login_via(t, "127.0.0.1", xff, name, "đoán mò"), 401);
        g_free(name);
        g_free(xff);
    }
    /* another address of the same /64 is locked; another /64 is not */
    assert_int_equal(login_via(t, "127.0.0.1", "2001:db8:7:7:ffff::1", "ktv.lan", AC_PASSWORD),
                     429);
    assert_int_equal(login_via(t, "127.0.0.1", "2001:db8:7:8::1", "ktv.lan", AC_PASSWORD), 200);
    /* not from the proxy: the header is the client's own word, and ignored */
    assert_int_equal(login_via(t, "127.0.0.12", "2001:db8:7:7::1", "ktv.lan", AC_PASSWORD), 200);
    char *log = td_log(t);
    assert_non_null(strstr(log, "\"khách.19\" from 2001:db8:7:7::14 ("));
    assert_non_null(strstr(log, "login: address 2001:db8:7:7::/64 locked"));
    g_free(log);
    td_free(t);
}

/* A login from "from" with "X-Forwarded-Proto: https" when proto: its reply's header lines. */
static char *login_headers(td *t, const char *from, bool proto)
{
    const char *headers[] = {JSON[0], proto ? "X-Forwarded-Proto: https" : NULL, NULL};
    td_call c = {.method = "POST",
                 .path = "/api/v1/session",
                 .headers = headers,
                 .body = "{\"user\":\"ktv.lan\",\"password\":\"" AC_PASSWORD "\"}",
                 .from = from};
    td_request_all(t, &c, 1);
    assert_int_equal(c.status, 200);
    char *h = g_strdup(c.headers_out);
    td_calls_free(&c, 1);
    return h;
}

/* Behind a TLS proxy the session cookie is Secure and replies carry HSTS, when the trusted
 * proxy says the client came over HTTPS; the same header from anyone else changes nothing. */
static void test_proxy_https(void **state)
{
    (void)state;
    td *t = td_start_config("[server]\ntrusted_proxy = 127.0.0.1\n", NULL);
    ac_add_user(t, "ktv.lan", "technician", NULL);
    char *h = login_headers(t, "127.0.0.1", true);
    assert_non_null(strstr(h, "; Secure"));
    assert_non_null(strstr(h, "Strict-Transport-Security: max-age=31536000"));
    g_free(h);
    const char *plain[][2] = {{"127.0.0.1", ""}, {"127.0.0.12", "proto"}};
    for (size_t i = 0; i < G_N_ELEMENTS(plain); i++) {
        h = login_headers(t, plain[i][0], plain[i][1][0] != '\0');
        assert_non_null(strstr(h, "Set-Cookie: "));
        assert_null(strstr(h, "; Secure"));
        assert_null(strstr(h, "Strict-Transport-Security"));
        g_free(h);
    }
    td_free(t);
}

/* A flood of logins from one address: it gets its few places in the password queue and 503
 * busy with Retry-After for the rest, while a login from another address at the same moment
 * is served. */
static void test_login_flood(void **state)
{
    td *t = *state;
    enum { N = 41 };
    ac_add_user(t, "ktv.lan", "technician", NULL);
    td_call c[N] = {{0}};
    for (size_t i = 0; i < N; i++) {
        c[i].method = "POST";
        c[i].path = "/api/v1/session";
        c[i].headers = JSON;
        c[i].from = "127.0.0.7";
        c[i].body = g_strdup_printf("{\"user\":\"khách.%zu\",\"password\":\"đoán mò\"}", i);
    }
    g_free((char *)c[N / 2].body); /* the real user's, in the middle of the flood */
    c[N / 2].body = g_strdup("{\"user\":\"ktv.lan\",\"password\":\"" AC_PASSWORD "\"}");
    c[N / 2].from = "127.0.0.8";
    td_request_all(t, c, N);
    assert_int_equal(c[N / 2].status, 200);
    size_t busy = 0;
    for (size_t i = 0; i < N; i++) {
        if (i == N / 2)
            continue;
        if (c[i].status == 503) {
            busy++;
            assert_non_null(strstr(c[i].out, "\"busy\""));
            assert_non_null(strstr(c[i].out, "thử lại"));
            assert_non_null(strstr(c[i].headers_out, "Retry-After: "));
        } else if (c[i].status != 401 && c[i].status != 429) {
            fail_msg("junk login %zu: status %ld", i, c[i].status);
        }
    }
    assert_true(busy > 0);
    for (size_t i = 0; i < N; i++)
        g_free((char *)c[i].body);
    td_calls_free(c, N);
}

/* Waits until the daemon's log holds text. */
static bool log_has(td *t, const char *text)
{
    for (int i = 0; i < WAIT_MS / 10; i++) {
        char *log = td_log(t);
        bool found = strstr(log, text) != NULL;
        g_free(log);
        if (found)
            return true;
        g_usleep(10000);
    }
    return false;
}

typedef struct burst {
    td *t;
    td_call *calls;
    size_t n;
} burst;

static gpointer burst_thread(gpointer arg)
{
    burst *b = arg;
    td_request_all(b->t, b->calls, b->n);
    return NULL;
}

/* A login whose client leaves while its password check waits in the queue is dropped: the check
 * never runs, so it counts as no failure, and the attempt it held for the name is given back. */
static void test_left_login_dropped(void **state)
{
    (void)state;
    enum { N = 30 };
    setenv("LOALANG_LOG", "debug", 1); /* the queue says when the login waits and is dropped */
    td *t = td_start(NULL);
    unsetenv("LOALANG_LOG");
    ac_add_user(t, "ktv.lan", "technician", NULL);
    /* 30 checks from 30 addresses fill the queue's two threads and most of its places */
    td_call c[N] = {{0}};
    for (size_t i = 0; i < N; i++) {
        c[i].method = "POST";
        c[i].path = "/api/v1/session";
        c[i].headers = JSON;
        c[i].from = g_strdup_printf("127.3.0.%zu", i + 1);
        c[i].body = g_strdup_printf("{\"user\":\"khách.%zu\",\"password\":\"đoán mò\"}", i);
    }
    burst b = {t, c, N};
    GThread *th = g_thread_new("burst", burst_thread, &b);
    /* Each wait is bounded, and asserted only by what follows: the checks that ran. */
    log_has(t, "from 127.3.0.30 waits");

    /* ktv.lan's wrong password waits behind them; its client hangs up */
    struct sockaddr_in from = {.sin_family = AF_INET}, to = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.11", &from.sin_addr);
    const char *port = strrchr(td_url(t), ':') + 1;
    to.sin_port = htons((uint16_t)atoi(port));
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof from), 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof to), 0);
    const char *body = "{\"user\":\"ktv.lan\",\"password\":\"đoán mò\"}";
    char *req = g_strdup_printf("POST /api/v1/session HTTP/1.1\r\nHost: x\r\n"
                                "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                                strlen(body), body);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    g_free(req);
    log_has(t, "from 127.0.0.11 waits");
    close(fd);
    bool dropped = log_has(t, "from 127.0.0.11: client left while waiting, job dropped");
    g_thread_join(th);
    for (size_t i = 0; i < N; i++) {
        g_free((char *)c[i].from);
        g_free((char *)c[i].body);
    }
    td_calls_free(c, N);

    /* Its check never ran: ktv.lan still has all five tries. */
    char *out = NULL;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(login_raw(t, body, &out, NULL), 401);
        g_free(out);
    }
    assert_int_equal(login_raw(t, body, &out, NULL), 429);
    g_free(out);
    assert_true(dropped);
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
        cmocka_unit_test_setup_teardown(test_lockout_parallel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_address_limit, setup, teardown),
        cmocka_unit_test(test_trusted_proxy),
        cmocka_unit_test(test_proxy_https),
        cmocka_unit_test_setup_teardown(test_login_flood, setup, teardown),
        cmocka_unit_test(test_left_login_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
