/* Programmes and month plans over HTTP: programme CRUD with its refusals (conflicts naming the
 * other programme, deleting one in use), the month's theme and items with every refusal code,
 * the fill's result, the slots' fill levels read back, hand edits with their warnings,
 * conflicts, publishing and republishing, bad month strings, roles, and GET /api/v1/airings
 * for a range of days. */
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

typedef struct fx {
    td *t;
    ac *tech, *approver, *op;
    char *wav, *month, *next_month;
    char *piece, *piece2, *draft;
} fx;

static char *month_after(int n)
{
    return td_month(n);
}

static int setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->wav = ac_sox("tin.wav", "-r 44100 -c 1", "synth 4 sine 440 vol 0.3");
    f->t = td_start(NULL);
    ac_add_commune(f->t, "Bằng Khánh");
    ac_add_commune(f->t, "Xuân Lạc");
    g_free(ac_add_box(f->t, "Nà Pài", "Bằng Khánh"));
    g_free(ac_add_box(f->t, "Bản Chang", "Xuân Lạc"));
    f->tech = ac_user(f->t, "ktv", "technician", NULL);
    f->approver = ac_user(f->t, "noivu", "approver", NULL);
    f->op = ac_user(f->t, "canbo", "operator", "Xuân Lạc");
    f->month = month_after(1);
    f->next_month = month_after(2);
    f->piece = ac_approved_piece(f->tech, f->approver, f->wav, "title=Tin%20A&genre=news");
    f->piece2 = ac_approved_piece(f->tech, f->approver, f->wav, "title=Tin%20B&genre=report");
    f->draft = ac_uploaded_piece(f->tech, f->wav, "title=Nh%C3%A1p&genre=news");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ac_free(f->tech);
    ac_free(f->approver);
    ac_free(f->op);
    assert_int_equal(td_stop(f->t), 0);
    td_free(f->t);
    ac_rm_file(f->wav);
    g_free(f->month);
    g_free(f->next_month);
    g_free(f->piece);
    g_free(f->piece2);
    g_free(f->draft);
    g_free(f);
    return 0;
}

#define OK(j) json_decref(j)

static char *create_program(fx *f, const char *title, const char *start, int length,
                            const char *targets)
{
    char *body = g_strdup_printf("{\"title\":\"%s\",\"weekdays\":[\"mon\",\"tue\",\"wed\",\"thu\","
                                 "\"fri\",\"sat\",\"sun\"],\"start\":\"%s\",\"length\":%d,"
                                 "\"targets\":%s}",
                                 title, start, length, targets);
    json_t *p = ac_req(f->tech, "POST", body, 201, NULL, "/api/v1/programs");
    char *id = g_strdup(ac_str(p, "id"));
    json_decref(p);
    g_free(body);
    return id;
}

static void test_programs(void **state)
{
    fx *f = *state;
    char *id = create_program(f, "Bản tin sáng", "06:00", 30, "{\"kind\":\"all\"}");
    json_t *j = ac_req(f->op, "GET", NULL, 200, NULL, "/api/v1/programs");
    assert_int_equal(json_array_size(json_object_get(j, "programs")), 1);
    assert_int_equal(json_array_size(json_object_get(j, "conflicts")), 0);
    json_decref(j);
    j = ac_req(f->approver, "GET", NULL, 200, NULL, "/api/v1/programs/%s", id);
    assert_string_equal(ac_str(j, "title"), "Bản tin sáng");
    assert_int_equal(json_integer_value(json_object_get(j, "length")), 30);
    json_decref(j);
    /* An overlap on a shared commune is refused, naming the other programme. */
    j = ac_req(f->tech, "POST",
               "{\"title\":\"Trùng giờ\",\"weekdays\":[\"wed\"],\"start\":\"06:15\",\"length\":20,"
               "\"targets\":{\"kind\":\"communes\",\"communes\":[\"Xuân Lạc\"]}}",
               409, "program_conflict", "/api/v1/programs");
    assert_non_null(strstr(ac_str(json_object_get(j, "error"), "message"), "Bản tin sáng"));
    json_decref(j);
    const char *bad[][2] = {
        {"{\"title\":\"X\",\"weekdays\":[\"xyz\"],\"start\":\"09:00\",\"length\":10,"
         "\"targets\":{\"kind\":\"all\"}}",
         "bad_weekdays"},
        {"{\"title\":\"X\",\"weekdays\":[],\"start\":\"09:00\",\"length\":10,"
         "\"targets\":{\"kind\":\"all\"}}",
         "bad_weekdays"},
        {"{\"title\":\"X\",\"weekdays\":\"mon\",\"start\":\"09:00\",\"length\":10,"
         "\"targets\":{\"kind\":\"all\"}}",
         "bad_weekdays"},
        {"{\"title\":\"X\",\"weekdays\":[\"mon\"],\"start\":\"25:00\",\"length\":10,"
         "\"targets\":{\"kind\":\"all\"}}",
         "bad_start"},
        {"{\"title\":\"X\",\"weekdays\":[\"mon\"],\"start\":\"9h\",\"length\":10,"
         "\"targets\":{\"kind\":\"all\"}}",
         "bad_start"},
        {"{\"title\":\"X\",\"weekdays\":[\"mon\"],\"start\":\"09:00\",\"length\":0,"
         "\"targets\":{\"kind\":\"all\"}}",
         "bad_length"},
        {"{\"title\":\"X\",\"weekdays\":[\"mon\"],\"start\":\"09:00\",\"length\":1441,"
         "\"targets\":{\"kind\":\"all\"}}",
         "bad_length"},
        {"{\"title\":\"X\",\"weekdays\":[\"mon\"],\"start\":\"09:00\",\"length\":\"10\","
         "\"targets\":{\"kind\":\"all\"}}",
         "bad_length"},
        {"{\"title\":\"X\",\"weekdays\":[\"mon\"],\"start\":\"09:00\",\"length\":10,"
         "\"targets\":{\"kind\":\"moon\"}}",
         "bad_targets"},
        {"{\"title\":\"X\",\"weekdays\":[\"mon\"],\"start\":\"09:00\",\"length\":10,"
         "\"targets\":\"all\"}",
         "bad_targets"},
        {"{\"title\":\"\",\"weekdays\":[\"mon\"],\"start\":\"09:00\",\"length\":10,"
         "\"targets\":{\"kind\":\"all\"}}",
         "bad_title"},
        {"{\"title\":\"X\",\"weekdays\":[\"mon\"],\"start\":\"09:00\",\"length\":10,"
         "\"targets\":{\"kind\":\"all\"},\"valid_from\":\"2026-02-30\"}",
         "bad_date"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        OK(ac_req(f->tech, "POST", bad[i][0], 400, bad[i][1], "/api/v1/programs"));
    json_decref(ac_req(f->tech, "POST",
                       "{\"title\":\"X\",\"weekdays\":[\"mon\"],\"start\":\"09:00\",\"length\":10,"
                       "\"targets\":{\"kind\":\"communes\",\"communes\":[\"Atlantis\"]}}",
                       4, "unknown_commune", "/api/v1/programs"));
    OK(ac_req(
        f->tech, "POST",
        "{\"title\":\"Bản tin sáng\",\"weekdays\":[\"mon\"],\"start\":\"20:00\",\"length\":10,"
        "\"targets\":{\"kind\":\"all\"}}",
        409, "title_taken", "/api/v1/programs"));
    OK(ac_req(f->tech, "POST", "{\"title\":", 400, NULL, "/api/v1/programs"));
    OK(ac_req(f->tech, "POST", "[]", 400, NULL, "/api/v1/programs"));
    OK(ac_req(f->tech, "POST", "{\"title\":\"\xC3\x28\"}", 400, NULL, "/api/v1/programs"));
    OK(ac_req(f->approver, "POST",
              "{\"title\":\"Y\",\"weekdays\":[\"mon\"],\"start\":\"21:00\",\"length\":10,"
              "\"targets\":{\"kind\":\"all\"}}",
              403, NULL, "/api/v1/programs"));
    OK(ac_req(f->op, "DELETE", NULL, 403, NULL, "/api/v1/programs/%s", id));
    /* Edits: only what is given changes; the same checks. */
    j = ac_req(f->tech, "PATCH", "{\"start\":\"07:00\",\"length\":45}", 200, NULL,
               "/api/v1/programs/%s", id);
    assert_string_equal(ac_str(j, "start"), "07:00");
    assert_string_equal(ac_str(j, "title"), "Bản tin sáng");
    json_decref(j);
    OK(ac_req(f->tech, "PATCH", "{\"length\":-5}", 400, "bad_length", "/api/v1/programs/%s", id));
    OK(ac_req(f->tech, "PATCH", "{\"length\":10}", 404, NULL,
              "/api/v1/programs/00000000-0000-4000-8000-000000000000"));
    OK(ac_req(f->tech, "GET", NULL, 404, NULL, "/api/v1/programs/nope"));
    char *other = create_program(f, "Thời sự tối", "19:00", 30, "{\"kind\":\"all\"}");
    OK(ac_req(f->tech, "PATCH", "{\"start\":\"07:10\"}", 409, "program_conflict",
              "/api/v1/programs/%s", other));
    g_free(other);
    g_free(id);
}

static void test_program_in_use(void **state)
{
    fx *f = *state;
    char *id = create_program(f, "Bản tin sáng", "06:00", 30, "{\"kind\":\"all\"}");
    char *item = g_strdup_printf("{\"piece\":\"%s\",\"airings\":2}", f->piece);
    OK(ac_req(f->tech, "POST", item, 201, NULL, "/api/v1/plans/%s/items", f->month));
    g_free(item);
    OK(ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/plans/%s/fill", f->month));
    json_t *j = ac_req(f->tech, "DELETE", NULL, 409, "program_in_use", "/api/v1/programs/%s", id);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
               "Bản tin sáng"));
    json_decref(j);
    char *unused = create_program(f, "Ca nhạc", "20:00", 30, "{\"kind\":\"all\"}");
    OK(ac_req(f->tech, "DELETE", NULL, 204, NULL, "/api/v1/programs/%s", unused));
    OK(ac_req(f->tech, "GET", NULL, 404, NULL, "/api/v1/programs/%s", unused));
    OK(ac_req(f->tech, "DELETE", NULL, 404, NULL, "/api/v1/programs/%s", unused));
    /* Once the item is gone and the month refilled, the programme can go. */
    OK(ac_req(f->tech, "DELETE", NULL, 200, NULL, "/api/v1/plans/%s/items/%s", f->month, f->piece));
    OK(ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/plans/%s/fill", f->month));
    OK(ac_req(f->tech, "DELETE", NULL, 204, NULL, "/api/v1/programs/%s", id));
    g_free(unused);
    g_free(id);
}

static void test_bad_months(void **state)
{
    fx *f = *state;
    const char *bad[] = {"2026-13", "2026-1", "abcd-ef", "2026-00", "2026-011", "26-12"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        OK(ac_req(f->tech, "GET", NULL, 400, "bad_month", "/api/v1/plans/%s", bad[i]));
        OK(ac_req(f->tech, "PUT", "{\"theme\":\"A\"}", 400, "bad_month", "/api/v1/plans/%s",
                  bad[i]));
        OK(ac_req(f->tech, "POST", "{\"piece\":\"x\"}", 400, "bad_month", "/api/v1/plans/%s/items",
                  bad[i]));
        OK(ac_req(f->tech, "POST", NULL, 400, "bad_month", "/api/v1/plans/%s/fill", bad[i]));
        OK(ac_req(f->tech, "POST", NULL, 400, "bad_month", "/api/v1/plans/%s/publish", bad[i]));
        OK(ac_req(f->tech, "GET", NULL, 400, "bad_month", "/api/v1/plans/%s/conflicts", bad[i]));
        OK(ac_req(f->tech, "GET", NULL, 400, "bad_month", "/api/v1/plans/%s/slots", bad[i]));
    }
    OK(ac_req(f->tech, "GET", NULL, 404, NULL, "/api/v1/plans/%s", f->month));
    OK(ac_req(f->tech, "POST", NULL, 404, NULL, "/api/v1/plans/%s/fill", f->month));
    OK(ac_req(f->tech, "POST", NULL, 404, NULL, "/api/v1/plans/%s/publish", f->month));
}

static void test_theme_and_items(void **state)
{
    fx *f = *state;
    const char *m = f->month;
    json_t *j = ac_req(f->tech, "PUT", "{\"theme\":\"An toàn giao thông\"}", 200, NULL,
                       "/api/v1/plans/%s", m);
    assert_string_equal(ac_str(j, "theme"), "An toàn giao thông");
    json_decref(j);
    j = ac_req(f->tech, "PUT", "{\"theme\":5}", 400, "bad_theme", "/api/v1/plans/%s", m);
    assert_string_equal(ac_str(json_object_get(j, "error"), "message"),
                        "Chủ đề tháng phải là chuỗi ký tự hoặc null.");
    json_decref(j);
    OK(ac_req(f->tech, "PUT", "{\"theme\":", 400, NULL, "/api/v1/plans/%s", m));
    OK(ac_req(f->approver, "PUT", "{\"theme\":\"B\"}", 403, NULL, "/api/v1/plans/%s", m));
    OK(ac_req(f->op, "GET", NULL, 403, NULL, "/api/v1/plans/%s", m));
    j = ac_req(f->approver, "GET", NULL, 200, NULL, "/api/v1/plans/%s", m);
    assert_string_equal(ac_str(j, "theme"), "An toàn giao thông");
    json_decref(j);
    char *long_theme = g_strdup_printf("{\"theme\":\"%*s\"}", 600, "x");
    OK(ac_req(f->tech, "PUT", long_theme, 400, NULL, "/api/v1/plans/%s", m));
    g_free(long_theme);
    OK(ac_req(f->tech, "PUT", "{\"theme\":\"a\\u0001b\"}", 400, NULL, "/api/v1/plans/%s", m));
    OK(ac_req(f->tech, "PUT", "{\"theme\":\"\xC3\x28\"}", 400, NULL, "/api/v1/plans/%s", m));
    char *huge = g_strdup_printf("{\"piece\":\"%s\",\"pad\":\"%*s\"}", f->piece, 70000, "x");
    OK(ac_req(f->tech, "POST", huge, 413, NULL, "/api/v1/plans/%s/items", m));
    g_free(huge);
    j = ac_req(f->tech, "PUT", "{\"theme\":null}", 200, NULL, "/api/v1/plans/%s", m);
    assert_true(json_is_null(json_object_get(j, "theme")));
    json_decref(j);
    /* Items. */
    char *body = g_strdup_printf("{\"piece\":\"%s\",\"airings\":3,\"window_from\":\"%s-05\","
                                 "\"window_until\":\"%s-20\",\"communes\":[\"Bằng Khánh\"]}",
                                 f->piece, m, m);
    j = ac_req(f->tech, "POST", body, 201, NULL, "/api/v1/plans/%s/items", m);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(ac_str(json_array_get(items, 0), "piece"), f->piece);
    assert_string_equal(ac_str(json_array_get(items, 0), "title"), "Tin A");
    json_decref(j);
    OK(ac_req(f->tech, "POST", body, 409, "item_exists", "/api/v1/plans/%s/items", m));
    g_free(body);
#define ITEM(piece, rest) g_strdup_printf("{\"piece\":\"%s\"%s}", piece, rest)
    struct {
        char *body;
        long status;
        const char *code;
    } bad[] = {
        {ITEM("00000000-0000-4000-8000-000000000000", ""), 4, "unknown_piece"},
        {ITEM(f->draft, ""), 400, "piece_not_approved"},
        {ITEM(f->piece2, ",\"airings\":1001"), 400, "bad_airings"},
        {ITEM(f->piece2, ",\"airings\":-1"), 400, "bad_airings"},
        {ITEM(f->piece2, ",\"airings\":\"3\""), 400, "bad_airings"},
        {ITEM(f->piece2, ",\"window_from\":\"2001-01-01\""), 400, "date_outside_month"},
        {ITEM(f->piece2, ",\"window_from\":\"tomorrow\""), 400, "bad_date"},
        {g_strdup_printf("{\"piece\":\"%s\",\"window_from\":\"%s-20\",\"window_until\":\"%s-05\"}",
                         f->piece2, m, m),
         400, "bad_window"},
        {ITEM(f->piece2, ",\"communes\":[\"Atlantis\"]"), 4, "unknown_commune"},
        {g_strdup_printf("{\"piece\":\"%s\",\"window_from\":\"%s-10\",\"window_until\":\"%s-12\","
                         "\"pins\":[{\"day\":\"%s-20\"}]}",
                         f->piece2, m, m, m),
         400, "pin_outside_window"},
        {g_strdup_printf("{\"piece\":\"%s\",\"pins\":[{\"day\":\"%s-10\",\"program\":"
                         "\"00000000-0000-4000-8000-000000000000\"}]}",
                         f->piece2, m),
         4, "unknown_program"},
        {g_strdup("{\"airings\":3}"), 400, NULL},
        {g_strdup("{\"piece\":7}"), 400, NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        json_t *r = ac_req(f->tech, "POST", bad[i].body, bad[i].status, bad[i].code,
                           "/api/v1/plans/%s/items", m);
        json_decref(r);
        g_free(bad[i].body);
    }
    /* Updates and removal. */
    j = ac_req(f->tech, "PATCH", "{\"airings\":2,\"communes\":[]}", 200, NULL,
               "/api/v1/plans/%s/items/%s", m, f->piece);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(j, "items"), 0), "airings")),
                     2);
    json_decref(j);
    OK(ac_req(f->tech, "PATCH", "{\"airings\":5000}", 400, "bad_airings",
              "/api/v1/plans/%s/items/%s", m, f->piece));
    OK(ac_req(f->tech, "PATCH", "{\"window_from\":\"2001-01-01\"}", 400, "date_outside_month",
              "/api/v1/plans/%s/items/%s", m, f->piece));
    OK(ac_req(f->tech, "PATCH", "{\"airings\":2}", 404, NULL, "/api/v1/plans/%s/items/%s", m,
              f->piece2));
    OK(ac_req(f->tech, "PATCH", "{\"airings\":2}", 404, NULL, "/api/v1/plans/%s/items/%s",
              f->next_month, f->piece));
    j = ac_req(f->tech, "DELETE", NULL, 200, NULL, "/api/v1/plans/%s/items/%s", m, f->piece);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    OK(ac_req(f->tech, "DELETE", NULL, 404, NULL, "/api/v1/plans/%s/items/%s", m, f->piece));
}

static int64_t num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* A programme on Bằng Khánh only, the two pieces in the month, filled. */
static void fill_month(fx *f, char **prog)
{
    *prog = create_program(f, "Bản tin sáng", "06:00", 30,
                           "{\"kind\":\"communes\",\"communes\":[\"Bằng Khánh\"]}");
    char *body = g_strdup_printf("{\"piece\":\"%s\",\"airings\":3}", f->piece);
    OK(ac_req(f->tech, "POST", body, 201, NULL, "/api/v1/plans/%s/items", f->month));
    g_free(body);
    /* More airings than the month has slots: one piece plays at most once a slot. */
    body = g_strdup_printf("{\"piece\":\"%s\",\"airings\":1000}", f->piece2);
    OK(ac_req(f->tech, "POST", body, 201, NULL, "/api/v1/plans/%s/items", f->month));
    g_free(body);
}

/* The message of the hand edit's warning with that code, or NULL. */
static const char *warning(const json_t *edit, const char *code)
{
    const json_t *w = json_object_get(edit, "warnings");
    for (size_t i = 0; i < json_array_size(w); i++)
        if (!g_strcmp0(ac_str(json_array_get(w, i), "code"), code))
            return ac_str(json_array_get(w, i), "message");
    return NULL;
}

static void test_fill_edit_publish(void **state)
{
    fx *f = *state;
    const char *m = f->month;
    char *prog = NULL;
    fill_month(f, &prog);
    OK(ac_req(f->approver, "POST", NULL, 403, NULL, "/api/v1/plans/%s/fill", m));
    json_t *fill = ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/plans/%s/fill", m);
    json_t *airings = json_object_get(fill, "airings");
    size_t n = json_array_size(airings);
    json_t *slots = json_object_get(fill, "slots");
    assert_true(json_array_size(slots) >= 28);
    assert_true(n >= 3 + 28 && n <= 3 + 31);
    json_t *slot = json_array_get(slots, 0);
    assert_string_equal(ac_str(slot, "program"), prog);
    assert_string_equal(ac_str(slot, "program_title"), "Bản tin sáng");
    assert_int_equal(num(slot, "length_ms"), 30 * 60000);
    assert_non_null(json_object_get(slot, "fill_percent"));
    json_t *np = json_array_get(json_object_get(fill, "not_placed"), 0);
    assert_non_null(np);
    assert_string_equal(ac_str(np, "piece"), f->piece2);
    assert_true(num(np, "missing") >= 1000 - 31);
    assert_non_null(ac_str(np, "reason"));
    assert_false(g_str_is_ascii(ac_str(np, "message")));
    json_t *a0 = json_array_get(airings, 0);
    char *first = g_strdup(ac_str(a0, "id"));
    /* Another airing's start (not the one moved below). */
    char *start = g_strdup(ac_str(json_array_get(airings, 1), "start"));
    char *title1 = g_strdup(ac_str(json_array_get(airings, 1), "title"));
    assert_string_equal(ac_str(a0, "program"), prog);
    json_decref(fill);
    json_t *list = ac_req(f->approver, "GET", NULL, 200, NULL, "/api/v1/plans/%s/airings", m);
    assert_int_equal(json_array_size(json_object_get(list, "airings")), n);
    json_decref(list);
    /* Hand edits. */
    OK(ac_req(f->tech, "PATCH", "{\"start\":\"mai lúc 6 giờ\"}", 400, "bad_start",
              "/api/v1/plans/%s/airings/%s", m, first));
    OK(ac_req(f->tech, "PATCH", "{\"start\":\"2026-12-01 06:00\"}", 400, "bad_start",
              "/api/v1/plans/%s/airings/%s", m, first));
    OK(ac_req(f->tech, "PATCH", "{\"start\":6}", 400, NULL, "/api/v1/plans/%s/airings/%s", m,
              first));
    OK(ac_req(f->tech, "PATCH", "{}", 400, NULL, "/api/v1/plans/%s/airings/%s", m, first));
    char *at3 = g_strdup_printf("{\"start\":\"%s-15T03:00:00+07:00\"}", m);
    json_t *mv = ac_req(f->tech, "PATCH", at3, 200, NULL, "/api/v1/plans/%s/airings/%s", m, first);
    assert_string_equal(warning(mv, "outside_slot"),
                        "lần phát nằm ngoài khung giờ của chương trình “Bản tin sáng”");
    json_decref(mv);
    mv = ac_req(f->tech, "PATCH", at3, 404, "not_found", "/api/v1/plans/%s/airings/nope", m);
    char *nope = g_strdup_printf("Không có lần phát này trong lịch đang soạn của tháng %s.", m);
    assert_string_equal(ac_str(json_object_get(mv, "error"), "message"), nope);
    g_free(nope);
    json_decref(mv);
    g_free(at3);
    /* An airing added on top of another one: an overlap warning, and a conflict listed. */
    char *add = g_strdup_printf("{\"piece\":\"%s\",\"start\":\"%s\"}", f->piece2, start);
    json_t *added = ac_req(f->tech, "POST", add, 201, NULL, "/api/v1/plans/%s/airings", m);
    /* "…lúc HH:MM:SS dd/mm/yyyy", local time as the start reads */
    char *said = g_strdup_printf("trùng giờ với “%s” trên cụm loa “Nà Pài” lúc %.8s %.2s/%.2s/%.4s",
                                 title1, start + 11, start + 8, start + 5, start);
    assert_string_equal(warning(added, "overlap"), said);
    g_free(said);
    g_free(title1);
    char *extra = g_strdup(ac_str(json_object_get(added, "airing"), "id"));
    json_decref(added);
    g_free(add);
    json_t *c = ac_req(f->approver, "GET", NULL, 200, NULL, "/api/v1/plans/%s/conflicts", m);
    assert_true(json_array_size(json_object_get(c, "conflicts")) >= 1);
    json_decref(c);
    add = g_strdup_printf("{\"piece\":\"%s\",\"start\":\"%s\"}", f->draft, start);
    OK(ac_req(f->tech, "POST", add, 400, "piece_not_approved", "/api/v1/plans/%s/airings", m));
    g_free(add);
    add = g_strdup_printf("{\"piece\":\"%s\",\"start\":\"2001-01-01T06:00:00+07:00\"}", f->piece);
    OK(ac_req(f->tech, "POST", add, 400, "start_outside_month", "/api/v1/plans/%s/airings", m));
    g_free(add);
    add = g_strdup_printf("{\"piece\":\"%s\",\"start\":\"hôm nay\"}", f->piece);
    OK(ac_req(f->tech, "POST", add, 400, "bad_start", "/api/v1/plans/%s/airings", m));
    g_free(add);
    /* Publish, then again: the same ids, nothing new. */
    json_t *p = ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/plans/%s/publish", m);
    assert_int_equal(num(p, "new"), n + 1);
    assert_int_equal(num(p, "version"), 1);
    json_decref(p);
    p = ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/plans/%s/publish", m);
    assert_int_equal(num(p, "new"), 0);
    assert_int_equal(num(p, "kept"), n + 1);
    assert_int_equal(num(p, "withdrawn"), 0);
    assert_int_equal(num(p, "version"), 2);
    json_decref(p);
    json_t *plan = ac_req(f->approver, "GET", NULL, 200, NULL, "/api/v1/plans/%s", m);
    assert_int_equal(num(json_object_get(plan, "published"), "version"), 2);
    json_decref(plan);
    /* The month in the path is the airing's: another month's path does not reach it. */
    OK(ac_req(f->tech, "DELETE", NULL, 404, NULL, "/api/v1/plans/%s/airings/%s", f->next_month,
              extra));
    OK(ac_req(f->tech, "PATCH", "{\"start\":\"2030-01-01T06:00:00+07:00\"}", 404, NULL,
              "/api/v1/plans/%s/airings/%s", f->next_month, extra));
    /* A removed airing is withdrawn at the next publish. */
    OK(ac_req(f->tech, "DELETE", NULL, 200, NULL, "/api/v1/plans/%s/airings/%s", m, extra));
    OK(ac_req(f->tech, "DELETE", NULL, 404, NULL, "/api/v1/plans/%s/airings/%s", m, extra));
    p = ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/plans/%s/publish", m);
    assert_int_equal(num(p, "withdrawn"), 1);
    assert_int_equal(num(p, "new"), 0);
    json_decref(p);
    OK(ac_req(f->approver, "POST", NULL, 403, NULL, "/api/v1/plans/%s/publish", m));
    g_free(extra);
    g_free(start);
    g_free(first);
    g_free(prog);
}

/* GET …/slots: the fill levels read back from the working schedule are the fill's own, follow
 * hand edits, and exist (empty) before the month has a plan. */
static void test_slots(void **state)
{
    fx *f = *state;
    const char *m = f->month;
    char *prog = NULL;
    fill_month(f, &prog);
    json_t *fill = ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/plans/%s/fill", m);
    json_t *got = ac_req(f->approver, "GET", NULL, 200, NULL, "/api/v1/plans/%s/slots", m);
    assert_string_equal(ac_str(got, "month"), m);
    json_t *slots = json_object_get(got, "slots");
    assert_true(json_array_size(slots) >= 28);
    assert_true(json_equal(slots, json_object_get(fill, "slots")));
    json_t *s0 = json_array_get(slots, 0);
    assert_string_equal(ac_str(s0, "program"), prog);
    assert_true(num(s0, "used_ms") > 0 && num(s0, "fill_percent") >= 0);
    int64_t before = num(s0, "airings");
    assert_true(before >= 1);
    /* Removing the month's first airing empties its place in the first slot. */
    char *first = g_strdup(ac_str(json_array_get(json_object_get(fill, "airings"), 0), "id"));
    json_decref(fill);
    json_decref(got);
    OK(ac_req(f->tech, "DELETE", NULL, 200, NULL, "/api/v1/plans/%s/airings/%s", m, first));
    got = ac_req(f->tech, "GET", NULL, 200, NULL, "/api/v1/plans/%s/slots", m);
    assert_int_equal(num(json_array_get(json_object_get(got, "slots"), 0), "airings"), before - 1);
    json_decref(got);
    g_free(first);
    /* No plan yet: the programme's slots, all empty. */
    OK(ac_req(f->tech, "GET", NULL, 404, NULL, "/api/v1/plans/%s", f->next_month));
    got = ac_req(f->tech, "GET", NULL, 200, NULL, "/api/v1/plans/%s/slots", f->next_month);
    slots = json_object_get(got, "slots");
    assert_true(json_array_size(slots) >= 28);
    for (size_t i = 0; i < json_array_size(slots); i++) {
        assert_int_equal(num(json_array_get(slots, i), "used_ms"), 0);
        assert_int_equal(num(json_array_get(slots, i), "airings"), 0);
    }
    json_decref(got);
    OK(ac_req(f->op, "GET", NULL, 403, NULL, "/api/v1/plans/%s/slots", m));
    g_free(prog);
}

/* A pinned piece airs on its day in its programme; jingles never enter a month plan. */
static void test_pins(void **state)
{
    fx *f = *state;
    const char *m = f->month;
    char *prog = create_program(f, "Bản tin sáng", "06:00", 30, "{\"kind\":\"all\"}");
    char *body = g_strdup_printf("{\"piece\":\"%s\",\"airings\":0,\"pins\":[{\"day\":\"%s-10\","
                                 "\"program\":\"%s\"},{\"day\":\"%s-20\"}]}",
                                 f->piece, m, prog, m);
    OK(ac_req(f->tech, "POST", body, 201, NULL, "/api/v1/plans/%s/items", m));
    g_free(body);
    json_t *fill = ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/plans/%s/fill", m);
    json_t *airings = json_object_get(fill, "airings");
    assert_int_equal(json_array_size(airings), 2);
    char *d10 = g_strdup_printf("%s-10T06:", m), *d20 = g_strdup_printf("%s-20T06:", m);
    assert_true(g_str_has_prefix(ac_str(json_array_get(airings, 0), "start"), d10));
    assert_true(g_str_has_prefix(ac_str(json_array_get(airings, 1), "start"), d20));
    assert_string_equal(ac_str(json_array_get(airings, 0), "program"), prog);
    assert_int_equal(json_array_size(json_object_get(fill, "not_placed")), 0);
    json_decref(fill);
    g_free(d10);
    g_free(d20);
    char *jingle =
        ac_approved_piece(f->tech, f->approver, f->wav, "title=Nh%E1%BA%A1c&genre=jingle");
    body = g_strdup_printf("{\"piece\":\"%s\"}", jingle);
    OK(ac_req(f->tech, "POST", body, 400, "jingle_in_plan", "/api/v1/plans/%s/items", m));
    g_free(body);
    g_free(jingle);
    g_free(prog);
}

/* A piece retired after the fill: the fill reports it, publishing is refused naming it. */
static void test_publish_unapproved(void **state)
{
    fx *f = *state;
    const char *m = f->month;
    char *prog = NULL;
    fill_month(f, &prog);
    OK(ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/plans/%s/fill", m));
    OK(ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/pieces/%s/retire", f->piece));
    json_t *p =
        ac_req(f->tech, "POST", NULL, 4, "pieces_not_approved", "/api/v1/plans/%s/publish", m);
    assert_non_null(strstr(ac_str(json_object_get(p, "error"), "message"), "Tin A"));
    json_decref(p);
    json_t *fill = ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/plans/%s/fill", m);
    gboolean reported = FALSE;
    json_t *np = json_object_get(fill, "not_placed");
    for (size_t i = 0; i < json_array_size(np); i++)
        reported |= !g_strcmp0(ac_str(json_array_get(np, i), "reason"), "not_approved") &&
                    !g_strcmp0(ac_str(json_array_get(np, i), "piece"), f->piece) &&
                    !g_strcmp0(ac_str(json_array_get(np, i), "message"),
                               "tin bài chưa được duyệt (hoặc đã thu hồi)");
    assert_true(reported);
    json_decref(fill);
    p = ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/plans/%s/publish", m);
    assert_true(json_integer_value(json_object_get(p, "new")) > 0);
    json_decref(p);
    g_free(prog);
}

static int64_t airings_count(ac *c, long want, const char *query)
{
    json_t *j = ac_req(c, "GET", NULL, want, NULL, "/api/v1/airings?%s", query);
    int64_t n = (int64_t)json_array_size(json_object_get(j, "airings"));
    json_decref(j);
    return n;
}

static void test_airings_range(void **state)
{
    fx *f = *state;
    const char *m = f->month;
    char *prog = NULL;
    fill_month(f, &prog);
    json_t *fill = ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/plans/%s/fill", m);
    size_t n = json_array_size(json_object_get(fill, "airings"));
    json_decref(fill);
    OK(ac_req(f->tech, "POST", NULL, 200, NULL, "/api/v1/plans/%s/publish", m));
    char *q = g_strdup_printf("from=%s-01&to=%s-28", m, m);
    int64_t in28 = airings_count(f->tech, 200, q);
    assert_true(in28 >= 28 && (size_t)in28 <= n);
    g_free(q);
    q = g_strdup_printf("from=%s-10", m); /* one day */
    int64_t day = airings_count(f->tech, 200, q);
    assert_true(day >= 1 && day <= 3);
    g_free(q);
    /* The programme is for Bằng Khánh: Xuân Lạc's operator sees none of it. */
    q = g_strdup_printf("from=%s-01&to=%s-28", m, m);
    assert_int_equal(airings_count(f->op, 200, q), 0);
    g_free(q);
    q = g_strdup_printf("from=%s-01&to=%s-28&commune=B%%E1%%BA%%B1ng%%20Kh%%C3%%A1nh", m, m);
    assert_int_equal(airings_count(f->tech, 200, q), in28);
    OK(ac_req(f->op, "GET", NULL, 403, NULL, "/api/v1/airings?%s", q));
    g_free(q);
    q = g_strdup_printf("from=%s-01&to=%s-28&commune=Xu%%C3%%A2n%%20L%%E1%%BA%%A1c", m, m);
    assert_int_equal(airings_count(f->op, 200, q), 0);
    assert_int_equal(airings_count(f->tech, 200, q), 0);
    g_free(q);
    q = g_strdup_printf("from=%s-01&commune=Atlantis", m);
    OK(ac_req(f->tech, "GET", NULL, 404, NULL, "/api/v1/airings?%s", q));
    g_free(q);
    const char *bad[] = {"",
                         "from=2026-02-30",
                         "from=tomorrow",
                         "from=2026-1-01",
                         "from=2026-12-10&to=2026-12-01",
                         "from=2026-01-01&to=2026-06-01",
                         "from=2026-12-01&to=x",
                         "from=2026-12-01extra",
                         "from=2026-%2B1-01",
                         "from=2026-%201-01",
                         "from=2026-12-01&to=2026-12-%2B2"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        OK(ac_req(f->tech, "GET", NULL, 400, NULL, "/api/v1/airings?%s", bad[i]));
    /* 92 days is the most. */
    OK(ac_req(f->tech, "GET", NULL, 200, NULL, "/api/v1/airings?from=2026-01-01&to=2026-04-02"));
    OK(ac_req(f->tech, "GET", NULL, 400, NULL, "/api/v1/airings?from=2026-01-01&to=2026-04-03"));
    g_free(prog);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_programs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_program_in_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_months, setup, teardown),
        cmocka_unit_test_setup_teardown(test_theme_and_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_edit_publish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_unapproved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_airings_range, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
