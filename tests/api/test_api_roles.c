/* The endpoint × role matrix (docs/architecture.md §7): every person's endpoint is called by each
 * role and by nobody. A role that may not use it gets 403 (nobody 401); a role that may gets
 * anything else (the minimal bodies sent here are often refused as invalid, 400, or point at
 * nothing, 404: that is past the role check). Box endpoints refuse people's sessions. */
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "api_client.h"
#include "daemon.h"

enum { ADMIN = 1, TECH = 2, APPROVER = 4, OPERATOR = 8, EVERYONE = 15 };

typedef struct endpoint {
    const char *method, *path, *body;
    unsigned allowed;
} endpoint;

#define SHA "0000000000000000000000000000000000000000000000000000000000000000"

static const endpoint MATRIX[] = {
    {"GET", "/api/v1/session", NULL, EVERYONE},
    {"GET", "/api/v1/users", NULL, ADMIN},
    {"POST", "/api/v1/users", "{}", ADMIN},
    {"PATCH", "/api/v1/users/999", "{}", ADMIN},
    {"GET", "/api/v1/communes", NULL, EVERYONE},
    {"POST", "/api/v1/communes", "{}", ADMIN},
    {"GET", "/api/v1/boxes", NULL, EVERYONE},
    {"POST", "/api/v1/boxes", "{}", ADMIN},
    {"POST", "/api/v1/boxes/999/revoke", NULL, ADMIN},
    {"GET", "/api/v1/boxes/status", NULL, EVERYONE},
    {"GET", "/api/v1/airings?from=2026-12-01", NULL, EVERYONE},
    {"GET", "/api/v1/programs", NULL, EVERYONE},
    {"POST", "/api/v1/programs", "{}", ADMIN | TECH},
    {"GET", "/api/v1/programs/nope", NULL, EVERYONE},
    {"PATCH", "/api/v1/programs/nope", "{}", ADMIN | TECH},
    {"DELETE", "/api/v1/programs/nope", NULL, ADMIN | TECH},
    {"GET", "/api/v1/plans/2026-12", NULL, ADMIN | TECH | APPROVER},
    {"PUT", "/api/v1/plans/2026-12", "{}", ADMIN | TECH},
    {"POST", "/api/v1/plans/2026-12/items", "{}", ADMIN | TECH},
    {"PATCH", "/api/v1/plans/2026-12/items/nope", "{}", ADMIN | TECH},
    {"DELETE", "/api/v1/plans/2026-12/items/nope", NULL, ADMIN | TECH},
    {"POST", "/api/v1/plans/2026-12/fill", NULL, ADMIN | TECH},
    {"GET", "/api/v1/plans/2026-12/airings", NULL, ADMIN | TECH | APPROVER},
    {"POST", "/api/v1/plans/2026-12/airings", "{}", ADMIN | TECH},
    {"PATCH", "/api/v1/plans/2026-12/airings/nope", "{}", ADMIN | TECH},
    {"DELETE", "/api/v1/plans/2026-12/airings/nope", NULL, ADMIN | TECH},
    {"GET", "/api/v1/plans/2026-12/conflicts", NULL, ADMIN | TECH | APPROVER},
    {"GET", "/api/v1/plans/2026-12/slots", NULL, ADMIN | TECH | APPROVER},
    {"POST", "/api/v1/plans/2026-12/publish", NULL, ADMIN | TECH},
    {"GET", "/api/v1/emergency", NULL, EVERYONE},
    {"POST", "/api/v1/emergency", "{}", ADMIN | TECH},
    {"POST", "/api/v1/emergency/nope/stop", NULL, ADMIN | TECH},
    {"GET", "/api/v1/contracts", NULL, ADMIN | TECH | APPROVER},
    {"POST", "/api/v1/contracts", "{}", ADMIN | APPROVER},
    {"GET", "/api/v1/contracts/999", NULL, ADMIN | TECH | APPROVER},
    {"PATCH", "/api/v1/contracts/999", "{}", ADMIN | APPROVER},
    {"DELETE", "/api/v1/contracts/999", NULL, ADMIN | APPROVER},
    {"PUT", "/api/v1/contracts/999/lines/news", "{}", ADMIN | APPROVER},
    {"DELETE", "/api/v1/contracts/999/lines/news", NULL, ADMIN | APPROVER},
    {"GET", "/api/v1/reports/2026-12", NULL, ADMIN | TECH | APPROVER},
    {"GET", "/api/v1/pieces", NULL, EVERYONE},
    {"POST", "/api/v1/pieces?title=x&genre=news", "{}", ADMIN | TECH},
    {"GET", "/api/v1/pieces/nope", NULL, EVERYONE},
    {"PATCH", "/api/v1/pieces/nope", "{}", ADMIN | TECH},
    {"POST", "/api/v1/pieces/nope/submit", NULL, ADMIN | TECH},
    {"POST", "/api/v1/pieces/nope/approve", NULL, APPROVER},
    {"POST", "/api/v1/pieces/nope/reject", "{\"note\":\"x\"}", APPROVER},
    {"POST", "/api/v1/pieces/nope/retire", NULL, ADMIN | TECH},
    {"GET", "/media/" SHA ".opus", NULL, EVERYONE},
};

static const char *const ROLES[] = {"admin", "technician", "approver", "operator"};

static void test_matrix(void **state)
{
    (void)state;
    td *t = td_start(NULL);
    ac *as[4];
    char *err = NULL;
    assert_int_equal(td_admin(t, NULL, NULL, &err, "commune", "add", "Xuân Lạc", NULL), 0);
    g_free(err);
    for (int i = 0; i < 4; i++)
        as[i] = ac_user(t, ROLES[i], ROLES[i], i == 3 ? "Xuân Lạc" : NULL);
    int checked = 0;
    for (size_t e = 0; e < G_N_ELEMENTS(MATRIX); e++) {
        const endpoint *ep = &MATRIX[e];
        json_t *body = ep->body ? json_loads(ep->body, 0, NULL) : NULL;
        for (int i = 0; i < 4; i++) {
            long st = 0;
            json_decref(ac_call(as[i], ep->method, ep->path, body, &st));
            bool allowed = ep->allowed & (1u << i);
            if (allowed ? (st == 401 || st == 403) : st != 403)
                fail_msg("%s %s as %s: %ld (%s)", ep->method, ep->path, ROLES[i], st,
                         allowed ? "should pass the role check" : "should be 403");
            checked++;
        }
        long st = 0;
        json_decref(ac_box_call(t, NULL, ep->method, ep->path, body, &st));
        if (st != 401)
            fail_msg("%s %s without a session: %ld, wanted 401", ep->method, ep->path, st);
        json_decref(body);
    }
    /* Box endpoints want a box token; a person's session is not one. */
    const char *box_paths[][2] = {{"GET", "/api/v1/box/manifest"},
                                  {"POST", "/api/v1/box/plays"},
                                  {"POST", "/api/v1/box/status"},
                                  {"GET", "/api/v1/box/events"}};
    for (size_t e = 0; e < G_N_ELEMENTS(box_paths); e++) {
        long st = 0;
        json_decref(ac_call(as[0], box_paths[e][0], box_paths[e][1], NULL, &st));
        assert_int_equal(st, 401);
    }
    assert_int_equal(checked, 4 * G_N_ELEMENTS(MATRIX));
    for (int i = 0; i < 4; i++)
        ac_free(as[i]);
    td_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
