/* Users, communes and boxes over HTTP: the token shown once and working at once, revocation
 * refusing the very next box request and ending a poll the box holds (revoked through the API
 * or by an admin command), operators confined to their commune, and bad input
 * (missing or mistyped fields, duplicates, unknown ids, oversized bodies) changing nothing. */
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "api_client.h"
#include "daemon.h"

typedef struct fx {
    td *t;
    ac *admin;
} fx;

static int setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->t = td_start(NULL);
    f->admin = ac_user(f->t, "admin", "admin", NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ac_free(f->admin);
    td_free(f->t);
    g_free(f);
    return 0;
}

/* POSTs a JSON text (packed by the caller) and checks the status; the reply is returned. */
static json_t *post(fx *f, const char *path, json_t *body, long want)
{
    long st = 0;
    json_t *j = ac_call(f->admin, "POST", path, body, &st);
    json_decref(body);
    if (st != want)
        fail_msg("POST %s: %ld, wanted %ld: %s", path, st, want, j ? json_dumps(j, 0) : "");
    return j;
}

static size_t count(fx *f, const char *path, const char *key)
{
    long st = 0;
    json_t *j = ac_call(f->admin, "GET", path, NULL, &st);
    assert_int_equal(st, 200);
    size_t n = json_array_size(json_object_get(j, key));
    json_decref(j);
    return n;
}

static void test_communes(void **state)
{
    fx *f = *state;
    json_decref(post(f, "/api/v1/communes", json_pack("{ss}", "name", "Bằng Khánh"), 201));
    json_t *j = post(f, "/api/v1/communes", json_pack("{ss}", "name", "Bằng Khánh"), 409);
    assert_string_equal(ac_error_code(j), "exists");
    json_decref(j);
    json_decref(post(f, "/api/v1/communes", json_pack("{si}", "name", 3), 400));
    json_decref(post(f, "/api/v1/communes", json_pack("{}"), 400));
    json_decref(post(f, "/api/v1/communes", json_pack("{ss}", "name", " có dấu cách "), 400));
    json_decref(post(f, "/api/v1/communes", json_pack("{ss}", "name", "dòng\nmới"), 400));
    /* "Xã A" with a right-to-left override would show as another name */
    json_decref(post(f, "/api/v1/communes", json_pack("{ss}", "name", "X\u00e3 \u202eA"), 400));
    assert_int_equal(count(f, "/api/v1/communes", "communes"), 1);
}

typedef struct held {
    td *t;
    const char *token;
    long status;
    json_t *answer;
} held;

/* A long-poll from the current cursor with a wait far longer than any revocation takes. */
static gpointer hold(gpointer p)
{
    held *h = p;
    long st = 0;
    json_t *now = ac_box_call(h->t, h->token, "GET", "/api/v1/box/events", NULL, &st);
    char *path = g_strdup_printf("/api/v1/box/events?after=%lld&wait=50",
                                 (long long)json_integer_value(json_object_get(now, "cursor")));
    json_decref(now);
    h->answer = ac_box_call(h->t, h->token, "GET", path, NULL, &h->status);
    g_free(path);
    return NULL;
}

/* A box holding a poll when it is revoked gets 401 then, not events until its wait ends:
 * revoked through the API, and by an admin command (another process). */
static void test_revocation_ends_held_poll(void **state)
{
    fx *f = *state;
    json_decref(post(f, "/api/v1/communes", json_pack("{ss}", "name", "Bằng Khánh"), 201));
    for (int via_cli = 0; via_cli < 2; via_cli++) {
        const char *name = via_cli ? "Bản Cậu" : "Nà Pài";
        json_t *j = post(f, "/api/v1/boxes",
                         json_pack("{ss ss}", "name", name, "commune", "Bằng Khánh"), 201);
        held h = {.t = f->t, .token = json_string_value(json_object_get(j, "token"))};
        GThread *th = g_thread_new("hold", hold, &h);
        g_usleep(500000); /* the poll is held */
        gint64 t0 = g_get_monotonic_time();
        if (via_cli) {
            assert_int_equal(td_admin(f->t, NULL, NULL, NULL, "box", "revoke", name, NULL), 0);
        } else {
            char *path = g_strdup_printf("/api/v1/boxes/%lld/revoke",
                                         (long long)json_integer_value(json_object_get(j, "id")));
            json_decref(post(f, path, NULL, 200));
            g_free(path);
        }
        g_thread_join(th);
        assert_int_equal(h.status, 401);
        assert_string_equal(ac_error_code(h.answer), "unauthenticated");
        /* not a timing assertion: ended by the revocation, long before its 50 s wait */
        assert_true(g_get_monotonic_time() - t0 < 25 * G_USEC_PER_SEC);
        json_decref(h.answer);
        json_decref(j);
    }
}

static void test_boxes_and_revocation(void **state)
{
    fx *f = *state;
    long st = 0;
    json_decref(post(f, "/api/v1/communes", json_pack("{ss}", "name", "Bằng Khánh"), 201));
    json_t *j = post(f, "/api/v1/boxes",
                     json_pack("{ss ss}", "name", "Nà Pài", "commune", "Bằng Khánh"), 201);
    char *token = g_strdup(json_string_value(json_object_get(j, "token")));
    char *path = g_strdup_printf("/api/v1/boxes/%lld/revoke",
                                 (long long)json_integer_value(json_object_get(j, "id")));
    json_decref(j);
    assert_true(strlen(token) >= 40);
    /* The token works at once, and the list never shows it. */
    json_decref(ac_box_call(f->t, token, "GET", "/api/v1/box/events", NULL, &st));
    assert_int_equal(st, 200);
    j = ac_call(f->admin, "GET", "/api/v1/boxes", NULL, &st);
    char *text = json_dumps(j, 0);
    assert_null(strstr(text, token));
    free(text);
    json_decref(j);
    j = post(f, "/api/v1/boxes", json_pack("{ss ss}", "name", "Khác", "commune", "Không có"), 400);
    assert_string_equal(ac_error_code(j), "unknown_commune");
    json_decref(j);
    json_decref(post(f, path, NULL, 200));
    j = ac_box_call(f->t, token, "GET", "/api/v1/box/events", NULL, &st);
    assert_int_equal(st, 401);
    json_decref(j);
    j = post(f, path, NULL, 409);
    assert_string_equal(ac_error_code(j), "already_revoked");
    json_decref(j);
    json_decref(post(f, "/api/v1/boxes/999/revoke", NULL, 404));
    json_decref(post(f, "/api/v1/boxes/abc/revoke", NULL, 404));
    json_decref(ac_box_call(f->t, NULL, "GET", "/api/v1/box/events", NULL, &st));
    assert_int_equal(st, 401);
    g_free(path);
    g_free(token);
}

static void test_operator_sees_own_commune(void **state)
{
    fx *f = *state;
    long st = 0;
    json_decref(post(f, "/api/v1/communes", json_pack("{ss}", "name", "Bằng Khánh"), 201));
    json_decref(post(f, "/api/v1/communes", json_pack("{ss}", "name", "Xuân Lạc"), 201));
    json_decref(
        post(f, "/api/v1/boxes", json_pack("{ss ss}", "name", "A", "commune", "Bằng Khánh"), 201));
    json_decref(
        post(f, "/api/v1/boxes", json_pack("{ss ss}", "name", "B", "commune", "Xuân Lạc"), 201));
    ac *op = ac_user(f->t, "canbo", "operator", "Xuân Lạc");
    json_t *j = ac_call(op, "GET", "/api/v1/boxes", NULL, &st);
    assert_int_equal(json_array_size(json_object_get(j, "boxes")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "boxes"), 0), "commune")),
                        "Xuân Lạc");
    json_decref(j);
    j = ac_call(op, "GET", "/api/v1/communes", NULL, &st);
    assert_int_equal(json_array_size(json_object_get(j, "communes")), 1);
    json_decref(j);
    j = ac_call(op, "GET", "/api/v1/airings?from=2026-12-01&commune=B%E1%BA%B1ng%20Kh%C3%A1nh",
                NULL, &st);
    assert_int_equal(st, 403);
    json_decref(j);
    ac_free(op);
}

static void test_users(void **state)
{
    fx *f = *state;
    json_decref(post(f, "/api/v1/communes", json_pack("{ss}", "name", "Xuân Lạc"), 201));
    json_decref(post(f, "/api/v1/users",
                     json_pack("{ss ss ss ss}", "name", "canbo", "role", "operator", "commune",
                               "Xuân Lạc", "password", "đủ tám ký tự"),
                     201));
    json_t *j = post(
        f, "/api/v1/users",
        json_pack("{ss ss ss}", "name", "ngắn", "role", "technician", "password", "1234567"), 400);
    assert_string_equal(ac_error_code(j), "weak_password");
    json_decref(j);
    json_decref(
        post(f, "/api/v1/users",
             json_pack("{ss ss ss}", "name", "op2", "role", "operator", "password", "đủ tám ký tự"),
             400)); /* operator without a commune */
    json_decref(post(
        f, "/api/v1/users",
        json_pack("{ss ss ss}", "name", "x", "role", "chief", "password", "đủ tám ký tự"), 400));
    json_decref(post(
        f, "/api/v1/users",
        json_pack("{ss ss ss}", "name", "canbo", "role", "technician", "password", "đủ tám ký tự"),
        409));
    assert_int_equal(count(f, "/api/v1/users", "users"), 2);
    ac *op = ac_login(f->t, "canbo", "đủ tám ký tự");
    long st = 0;
    json_decref(ac_call(op, "GET", "/api/v1/users", NULL, &st));
    assert_int_equal(st, 403);
    ac_free(op);
}

static void test_limits(void **state)
{
    fx *f = *state;
    long st = 0;
    char *cookie = g_strdup_printf("Cookie: %s", ac_cookie(f->admin));
    char *csrf = g_strdup_printf("X-CSRF-Token: %s", ac_csrf(f->admin));
    const char *h[] = {cookie, csrf, NULL};
    GString *big = g_string_new("{\"name\":\"");
    for (int i = 0; i < 10000; i++)
        g_string_append(big, "Bằng ");
    g_string_append(big, "\"}");
    char *out = NULL;
    assert_int_equal(
        td_request(f->t, "POST", "/api/v1/communes", h, big->str, big->len, &st, &out, NULL), 0);
    assert_int_equal(st, 413);
    g_free(out);
    g_string_free(big, TRUE);
    json_decref(post(f, "/api/v1/communes", json_pack("{ss}", "name", "x"), 201));
    json_decref(ac_call(f->admin, "GET", "/api/v1/nothing-here", NULL, &st));
    assert_int_equal(st, 404);
    json_decref(ac_call(f->admin, "PUT", "/api/v1/communes", NULL, &st));
    assert_int_equal(st, 405);
    /* A NUL smuggled into the path must not cut it short into a valid route. */
    json_decref(ac_call(f->admin, "GET", "/api/v1/communes%00.css", NULL, &st));
    assert_int_equal(st, 404);
    assert_int_equal(count(f, "/api/v1/communes", "communes"), 1);
    g_free(cookie);
    g_free(csrf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_communes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_boxes_and_revocation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revocation_ends_held_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operator_sees_own_commune, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
