/* Contracts and reports over HTTP: contract CRUD and its lines with their refusals (in
 * Vietnamese), the report for a month, a quarter and a year as JSON, CSV and evidence CSV,
 * bad periods, unknown contracts, and who may read what. */
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
    ac *admin, *tech, *approver, *op;
} fx;

static int setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->t = td_start(NULL);
    ac_add_commune(f->t, "Xuân Lạc");
    f->admin = ac_user(f->t, "admin", "admin", NULL);
    f->tech = ac_user(f->t, "ktv", "technician", NULL);
    f->approver = ac_user(f->t, "noivu", "approver", NULL);
    f->op = ac_user(f->t, "canbo", "operator", "Xuân Lạc");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ac_free(f->admin);
    ac_free(f->tech);
    ac_free(f->approver);
    ac_free(f->op);
    assert_int_equal(td_stop(f->t), 0);
    td_free(f->t);
    g_free(f);
    return 0;
}

#define OK(j) json_decref(j)

static int64_t num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static void test_contracts(void **state)
{
    fx *f = *state;
    json_t *c =
        ac_req(f->approver, "POST",
               "{\"title\":\"Hợp đồng 2026\",\"from\":\"2026-01-01\",\"until\":\"2026-12-31\","
               "\"lines\":[{\"genre\":\"news\",\"pieces_per_month\":8,"
               "\"airings_per_piece\":3,\"min_ms\":60000,\"max_ms\":300000}]}",
               201, NULL, "/api/v1/contracts");
    int64_t id = num(c, "id");
    assert_true(id > 0);
    assert_string_equal(ac_str(c, "title"), "Hợp đồng 2026");
    assert_int_equal(num(c, "reach_permille"), 800);
    assert_int_equal(json_array_size(json_object_get(c, "lines")), 1);
    json_decref(c);
    c = ac_req(f->tech, "GET", NULL, 200, NULL, "/api/v1/contracts");
    assert_int_equal(json_array_size(json_object_get(c, "contracts")), 1);
    json_decref(c);
    OK(ac_req(f->tech, "GET", NULL, 200, NULL, "/api/v1/contracts/%lld", (long long)id));
    OK(ac_req(f->op, "GET", NULL, 403, NULL, "/api/v1/contracts"));
    OK(ac_req(f->op, "GET", NULL, 403, NULL, "/api/v1/contracts/%lld", (long long)id));
    OK(ac_req(f->tech, "POST", "{\"title\":\"X\",\"from\":\"2026-01-01\",\"until\":\"2026-02-01\"}",
              403, NULL, "/api/v1/contracts"));
    OK(ac_req(f->tech, "PATCH", "{\"title\":\"X\"}", 403, NULL, "/api/v1/contracts/%lld",
              (long long)id));
    const char *bad[] = {
        "{\"title\":\"X\",\"from\":\"2026-01-01\"}",
        "{\"title\":\"X\",\"from\":\"2026-13-01\",\"until\":\"2026-12-31\"}",
        "{\"title\":\"X\",\"from\":\"2026-06-01\",\"until\":\"2026-01-31\"}",
        "{\"title\":5,\"from\":\"2026-01-01\",\"until\":\"2026-12-31\"}",
        "{\"title\":\"X\",\"from\":\"2026-01-01\",\"until\":\"2026-12-31\",\"reach_permille\":0}",
        "{\"title\":\"X\",\"from\":\"2026-01-01\",\"until\":\"2026-12-31\",\"reach_permille\":"
        "\"80\"}",
        "{\"title\":\"X\",\"from\":\"2026-01-01\",\"until\":\"2026-12-31\",\"lines\":{}}",
        "{\"title\":\"X\",\"from\":\"2026-01-01\",\"until\":\"2026-12-31\","
        "\"lines\":[{\"genre\":\"opera\"}]}",
        "{\"title\":\"\xC3\x28\",\"from\":\"2026-01-01\",\"until\":\"2026-12-31\"}",
        "{\"title\":",
        "[]",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        OK(ac_req(f->approver, "POST", bad[i], 400, NULL, "/api/v1/contracts"));
    c = ac_req(f->admin, "PATCH", "{\"title\":\"Hợp đồng năm 2026\",\"reach_permille\":900}", 200,
               NULL, "/api/v1/contracts/%lld", (long long)id);
    assert_string_equal(ac_str(c, "title"), "Hợp đồng năm 2026");
    assert_int_equal(num(c, "reach_permille"), 900);
    assert_string_equal(ac_str(c, "from"), "2026-01-01");
    json_decref(c);
    OK(ac_req(f->approver, "PATCH", "{\"until\":\"2025-01-01\"}", 400, NULL,
              "/api/v1/contracts/%lld", (long long)id));
    OK(ac_req(f->approver, "PATCH", "{\"title\":\"X\"}", 404, NULL, "/api/v1/contracts/999"));
    OK(ac_req(f->approver, "PATCH", "{\"title\":\"X\"}", 404, NULL, "/api/v1/contracts/abc"));
    OK(ac_req(f->approver, "GET", NULL, 404, NULL, "/api/v1/contracts/999"));
    OK(ac_req(f->approver, "GET", NULL, 404, NULL, "/api/v1/contracts/-1"));
    /* Lines. */
    c = ac_req(f->approver, "PUT", "{\"pieces_per_period\":12,\"airings_per_piece\":2}", 200, NULL,
               "/api/v1/contracts/%lld/lines/report", (long long)id);
    assert_int_equal(json_array_size(json_object_get(c, "lines")), 2);
    json_decref(c);
    c = ac_req(f->approver, "PUT", "{\"pieces_per_month\":4}", 200, NULL,
               "/api/v1/contracts/%lld/lines/news", (long long)id);
    json_t *lines = json_object_get(c, "lines");
    assert_int_equal(json_array_size(lines), 2);
    assert_int_equal(num(json_array_get(lines, 0), "pieces_per_month"), 4);
    json_decref(c);
    struct {
        const char *genre, *body;
    } bad_lines[] = {
        {"opera", "{\"pieces_per_month\":4}"},
        {"jingle", "{\"pieces_per_month\":4}"},
        {"news", "{\"pieces_per_month\":4,\"pieces_per_period\":10}"},
        {"news", "{\"min_ms\":60000,\"max_ms\":1000}"},
        {"news", "{\"pieces_per_month\":-1}"},
        {"news", "{\"pieces_per_month\":\"4\"}"},
        {"news", "{\"airings_per_piece\":1.5}"},
        {"news", "[1]"},
        {"news", "{\"pieces_per_month\":"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad_lines); i++)
        OK(ac_req(f->approver, "PUT", bad_lines[i].body, 400, NULL,
                  "/api/v1/contracts/%lld/lines/%s", (long long)id, bad_lines[i].genre));
    OK(ac_req(f->approver, "PUT", "{\"pieces_per_month\":4}", 404, NULL,
              "/api/v1/contracts/999/lines/news"));
    OK(ac_req(f->tech, "PUT", "{\"pieces_per_month\":4}", 403, NULL,
              "/api/v1/contracts/%lld/lines/news", (long long)id));
    c = ac_req(f->approver, "DELETE", NULL, 200, NULL, "/api/v1/contracts/%lld/lines/report",
               (long long)id);
    assert_int_equal(json_array_size(json_object_get(c, "lines")), 1);
    json_decref(c);
    OK(ac_req(f->approver, "DELETE", NULL, 404, NULL, "/api/v1/contracts/%lld/lines/report",
              (long long)id));
    OK(ac_req(f->approver, "DELETE", NULL, 404, NULL, "/api/v1/contracts/%lld/lines/opera",
              (long long)id));
    /* Delete. */
    OK(ac_req(f->tech, "DELETE", NULL, 403, NULL, "/api/v1/contracts/%lld", (long long)id));
    OK(ac_req(f->approver, "DELETE", NULL, 204, NULL, "/api/v1/contracts/%lld", (long long)id));
    OK(ac_req(f->approver, "DELETE", NULL, 404, NULL, "/api/v1/contracts/%lld", (long long)id));
    OK(ac_req(f->approver, "GET", NULL, 404, NULL, "/api/v1/contracts/%lld", (long long)id));
}

/* The raw reply of a report request (g_free), with its headers. */
static char *fetch(fx *f, ac *c, const char *path, long *st, char **headers)
{
    char *cookie = g_strdup_printf("Cookie: %s", ac_cookie(c)), *out = NULL;
    const char *h[] = {cookie, NULL};
    assert_int_equal(td_request(f->t, "GET", path, h, NULL, 0, st, &out, headers), 0);
    g_free(cookie);
    return out;
}

static void test_reports(void **state)
{
    fx *f = *state;
    json_t *c =
        ac_req(f->approver, "POST",
               "{\"title\":\"Hợp đồng 2026\",\"from\":\"2026-01-01\",\"until\":\"2026-12-31\","
               "\"lines\":[{\"genre\":\"news\",\"pieces_per_month\":8,"
               "\"airings_per_piece\":3}]}",
               201, NULL, "/api/v1/contracts");
    int64_t id = num(c, "id");
    json_decref(c);
    const char *periods[][2] = {
        {"2026-12", "2026-12-01"}, {"2026-Q4", "2026-10-01"}, {"2026", "2026-01-01"}};
    for (size_t i = 0; i < G_N_ELEMENTS(periods); i++) {
        json_t *r = ac_req(f->tech, "GET", NULL, 200, NULL, "/api/v1/reports/%s", periods[i][0]);
        json_t *p = json_object_get(r, "period");
        assert_string_equal(ac_str(p, "text"), periods[i][0]);
        assert_string_equal(ac_str(p, "from"), periods[i][1]);
        assert_int_equal(num(json_object_get(r, "contract"), "id"), id);
        json_t *line = json_array_get(json_object_get(r, "lines"), 0);
        assert_string_equal(ac_str(line, "genre"), "news");
        assert_int_equal(num(line, "airings_scheduled"), 0);
        json_decref(r);
        r = ac_req(f->admin, "GET", NULL, 200, NULL, "/api/v1/reports/%s?contract=%lld&evidence=1",
                   periods[i][0], (long long)id);
        assert_true(json_is_array(json_object_get(r, "evidence")));
        json_decref(r);
        long st = 0;
        char *hdrs = NULL;
        char *path = g_strdup_printf("/api/v1/reports/%s?format=csv", periods[i][0]);
        char *csv = fetch(f, f->approver, path, &st, &hdrs);
        assert_int_equal(st, 200);
        assert_memory_equal(csv, "\xEF\xBB\xBF", 3);
        assert_true(g_utf8_validate(csv, -1, NULL));
        assert_non_null(strstr(csv, "\r\n"));
        assert_non_null(strstr(hdrs, "text/csv"));
        char *name = g_strdup_printf("bao-cao-%s.csv", periods[i][0]);
        assert_non_null(strstr(hdrs, name));
        g_free(name);
        g_free(csv);
        g_free(hdrs);
        g_free(path);
        path = g_strdup_printf("/api/v1/reports/%s?format=evidence-csv", periods[i][0]);
        csv = fetch(f, f->approver, path, &st, &hdrs);
        assert_int_equal(st, 200);
        assert_memory_equal(csv, "\xEF\xBB\xBF", 3);
        name = g_strdup_printf("bao-cao-%s-bang-chung.csv", periods[i][0]);
        assert_non_null(strstr(hdrs, name));
        g_free(name);
        g_free(csv);
        g_free(hdrs);
        g_free(path);
    }
    const char *bad[] = {"2026-13", "2026-Q5", "2026-Q0", "abc", "2026-1", "202", "2026-12-01"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        OK(ac_req(f->tech, "GET", NULL, 400, "bad_period", "/api/v1/reports/%s", bad[i]));
    OK(ac_req(f->tech, "GET", NULL, 404, "not_found", "/api/v1/reports/2026-12?contract=999"));
    OK(ac_req(f->tech, "GET", NULL, 400, NULL, "/api/v1/reports/2026-12?contract=abc"));
    OK(ac_req(f->tech, "GET", NULL, 400, NULL, "/api/v1/reports/2026-12?contract=0"));
    OK(ac_req(f->tech, "GET", NULL, 400, NULL, "/api/v1/reports/2026-12?format=xml"));
    OK(ac_req(f->op, "GET", NULL, 403, NULL, "/api/v1/reports/2026-12"));
    long st = 0;
    char *out = fetch(f, f->op, "/api/v1/reports/2026-12?format=csv", &st, NULL);
    assert_int_equal(st, 403);
    g_free(out);
    /* Without a session: 401. */
    assert_int_equal(
        td_request(f->t, "GET", "/api/v1/reports/2026-12", NULL, NULL, 0, &st, &out, NULL), 0);
    assert_int_equal(st, 401);
    g_free(out);
    /* A period no contract covers: a report without a contract. */
    json_t *r = ac_req(f->tech, "GET", NULL, 200, NULL, "/api/v1/reports/2030-01");
    assert_true(json_is_null(json_object_get(r, "contract")));
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_contracts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reports, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
