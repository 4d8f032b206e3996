/* api_plans: the month plan (kế hoạch tháng) and its working schedule: theme, chosen pieces
 * with their constraints, the engine's fill, hand edits, conflicts, and publishing (a new
 * version the boxes are told about at once). Technicians and admins change plans; approvers
 * read them. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "api_internal.h"
#include "api_words.h"
#include "publish.h"
#include "store_plans.h"
#include "store_refusal.h"
#include "vtime.h"
#include "wallclock.h"

#define READERS (API_ADMIN | API_TECH | API_APPROVER)
#define WRITERS (API_ADMIN | API_TECH)

typedef struct plan_op {
    api_user by;
    const char *month, *id;
    json_t *in, *out;
    int64_t start_ms;
    store_plan_fill_run run;
    store_refusal why;
} plan_op;

/* Checks the caller and reads the month (and the body when wanted): 0 to go on. */
static int begin(http_req *r, api *a, unsigned roles, bool body, plan_op *op)
{
    if (api_user_require(r, a, roles, &op->by) != 0 ||
        api_month_param(r, "month", &op->month) != 0 || (body && aj_object(r, &op->in) != 0))
        return -1;
    op->id = http_param(r, "id"); /* a piece id or a working airing id, per route */
    return 0;
}

/* Runs fn in a transaction; replies with the plan (or op->out) or the refusal. */
static int finish(http_req *r, api *a, plan_op *op, int (*fn)(api *, void *), unsigned ok)
{
    int rc = api_tx(a, fn, op);
    json_decref(op->in);
    if (rc != 0) {
        json_decref(op->out);
        return api_refused(r, a, rc, &op->why, "kế hoạch tháng");
    }
    if (!op->out && (rc = store_plan_get(a->db, op->month, &op->out)) != 0)
        return api_fail(r, a, rc, "kế hoạch tháng");
    return http_reply_json(r, ok, op->out);
}

static int plan_get(http_req *r, void *ud)
{
    api *a = ud;
    plan_op op = {0};
    json_t *p = NULL;
    if (begin(r, a, READERS, false, &op) != 0)
        return 0;
    int rc = store_plan_get(a->db, op.month, &p);
    return rc ? api_fail(r, a, rc, "kế hoạch tháng") : http_reply_json(r, 200, p);
}

static int theme_tx(api *a, void *ctx)
{
    plan_op *op = ctx;
    const json_t *t = json_object_get(op->in, "theme");
    if (t && !json_is_string(t) && !json_is_null(t))
        return store_refuse_facts(a->db, &op->why, -EINVAL, "bad_theme", "plan_theme_type", NULL);
    return store_plan_set_theme(a->db, op->by.who, op->month, json_string_value(t), &op->why);
}

static int plan_put(http_req *r, void *ud)
{
    plan_op op = {0};
    return begin(r, ud, WRITERS, true, &op) ? 0 : finish(r, ud, &op, theme_tx, 200);
}

static int item_add_tx(api *a, void *ctx)
{
    plan_op *op = ctx;
    int rc = store_plan_ensure(a->db, op->by.who, op->month, &op->why);
    return rc ? rc : store_plan_item_add(a->db, op->by.who, op->month, op->in, &op->why);
}

static int item_update_tx(api *a, void *ctx)
{
    plan_op *op = ctx;
    return store_plan_item_update(a->db, op->by.who, op->month, op->id, op->in, &op->why);
}

static int item_remove_tx(api *a, void *ctx)
{
    plan_op *op = ctx;
    return store_plan_item_remove(a->db, op->by.who, op->month, op->id, &op->why);
}

static int item_post(http_req *r, void *ud)
{
    plan_op op = {0};
    return begin(r, ud, WRITERS, true, &op) ? 0 : finish(r, ud, &op, item_add_tx, 201);
}

static int item_patch(http_req *r, void *ud)
{
    plan_op op = {0};
    return begin(r, ud, WRITERS, true, &op) ? 0 : finish(r, ud, &op, item_update_tx, 200);
}

static int item_delete(http_req *r, void *ud)
{
    plan_op op = {0};
    return begin(r, ud, WRITERS, false, &op) ? 0 : finish(r, ud, &op, item_remove_tx, 200);
}

static int fill_tx(api *a, void *ctx)
{
    plan_op *op = ctx;
    int rc = store_plan_fill(a->db, op->by.who, op->month, vtime_zone(), wallclock_now_ms(),
                             &op->run, &op->why);
    if (rc == 0 && !(op->out = store_plan_fill_json(a->db, &op->run)))
        rc = -ENOMEM;
    if (rc == 0)
        rc = api_words_fill(op->out, &op->run);
    return rc;
}

static int plan_fill(http_req *r, void *ud)
{
    plan_op op = {0};
    if (begin(r, ud, WRITERS, false, &op) != 0)
        return 0;
    int rc = finish(r, ud, &op, fill_tx, 200);
    store_plan_fill_run_clear(&op.run);
    return rc;
}

static int airings_get(http_req *r, void *ud)
{
    api *a = ud;
    plan_op op = {0};
    json_t *out = NULL;
    if (begin(r, a, READERS, false, &op) != 0)
        return 0;
    int rc = store_plan_airings_list(a->db, op.month, vtime_zone(), &out);
    return rc ? api_fail(r, a, rc, "lịch đang soạn") : http_reply_json(r, 200, out);
}

static int conflicts_get(http_req *r, void *ud)
{
    api *a = ud;
    plan_op op = {0};
    json_t *out = NULL;
    if (begin(r, a, READERS, false, &op) != 0)
        return 0;
    int rc = store_plan_conflicts(a->db, op.month, vtime_zone(), &out);
    return rc ? api_fail(r, a, rc, "lịch đang soạn") : http_reply_json(r, 200, out);
}

/* The fill levels of the month's slots, read again from the working schedule: a page
 * reloaded after the fill still shows them. */
static int slots_get(http_req *r, void *ud)
{
    api *a = ud;
    plan_op op = {0};
    json_t *out = NULL;
    if (begin(r, a, READERS, false, &op) != 0)
        return 0;
    int rc = store_plan_slots(a->db, op.month, vtime_zone(), &out);
    return rc ? api_fail(r, a, rc, "khung giờ của tháng") : http_reply_json(r, 200, out);
}

static int airing_add_tx(api *a, void *ctx)
{
    plan_op *op = ctx;
    int rc = store_plan_airing_add(a->db, op->by.who, op->month, op->in, vtime_zone(), &op->out,
                                   &op->why);
    return rc ? rc : api_words_notes(json_object_get(op->out, "warnings"));
}

/* The store finds a working airing by id alone; the URL's month must be the airing's, or
 * /plans/2027-01/airings/ID would change December's schedule. */
static int airing_in_month(api *a, plan_op *op)
{
    json_t *list = NULL, *air;
    size_t i;
    int rc = store_plan_airings_list(a->db, op->month, vtime_zone(), &list);
    if (rc != 0)
        return rc;
    bool found = false;
    json_array_foreach(json_object_get(list, "airings"), i, air)
    {
        found = found || !g_strcmp0(json_string_value(json_object_get(air, "id")), op->id);
    }
    json_decref(list);
    return found ? 0
                 : store_refuse_facts(a->db, &op->why, -ENOENT, "not_found",
                                      "plan_airing_not_in_month",
                                      json_pack("{s:s}", "month", op->month));
}

static int airing_move_tx(api *a, void *ctx)
{
    plan_op *op = ctx;
    int rc = airing_in_month(a, op);
    if (rc != 0)
        return rc;
    rc = store_plan_airing_move(a->db, op->by.who, op->id, op->start_ms, vtime_zone(), &op->out,
                                &op->why);
    return rc ? rc : api_words_notes(json_object_get(op->out, "warnings"));
}

static int airing_remove_tx(api *a, void *ctx)
{
    plan_op *op = ctx;
    int rc = airing_in_month(a, op);
    if (rc != 0)
        return rc;
    return store_plan_airing_remove(a->db, op->by.who, op->id, &op->why);
}

static int airing_post(http_req *r, void *ud)
{
    plan_op op = {0};
    return begin(r, ud, WRITERS, true, &op) ? 0 : finish(r, ud, &op, airing_add_tx, 201);
}

static int airing_patch(http_req *r, void *ud)
{
    plan_op op = {0};
    const char *start = NULL;
    if (begin(r, ud, WRITERS, true, &op) != 0)
        return 0;
    if (aj_str(r, op.in, "start", AJ_REQUIRED, 64, &start) != 0) {
        json_decref(op.in);
        return 0;
    }
    if (vtime_parse_rfc3339(start, &op.start_ms) != 0) {
        json_decref(op.in);
        return http_reply_error(r, 400, "bad_start",
                                "Giờ phát phải có dạng RFC 3339, ví dụ 2026-12-01T06:00:00+07:00.");
    }
    return finish(r, ud, &op, airing_move_tx, 200);
}

static int airing_delete(http_req *r, void *ud)
{
    plan_op op = {0};
    return begin(r, ud, WRITERS, false, &op) ? 0 : finish(r, ud, &op, airing_remove_tx, 200);
}

static int publish_tx(api *a, void *ctx)
{
    plan_op *op = ctx;
    return publish_month(a->db, op->by.who, op->month, wallclock_now_ms(), &op->out, &op->why);
}

static int plan_publish(http_req *r, void *ud)
{
    api *a = ud;
    plan_op op = {0};
    if (begin(r, a, WRITERS, false, &op) != 0)
        return 0;
    int rc = finish(r, a, &op, publish_tx, 200);
    api_events_notify(a); /* boxes waiting on events hear of the new version now */
    return rc;
}

static const http_route ROUTES[] = {
    {"GET", "/api/v1/plans/:month", plan_get, 0, NULL, NULL},
    {"PUT", "/api/v1/plans/:month", plan_put, 8192, NULL, NULL},
    {"POST", "/api/v1/plans/:month/items", item_post, 65536, NULL, NULL},
    {"PATCH", "/api/v1/plans/:month/items/:id", item_patch, 65536, NULL, NULL},
    {"DELETE", "/api/v1/plans/:month/items/:id", item_delete, 0, NULL, NULL},
    {"POST", "/api/v1/plans/:month/fill", plan_fill, 0, NULL, NULL},
    {"GET", "/api/v1/plans/:month/airings", airings_get, 0, NULL, NULL},
    {"POST", "/api/v1/plans/:month/airings", airing_post, 16384, NULL, NULL},
    {"PATCH", "/api/v1/plans/:month/airings/:id", airing_patch, 4096, NULL, NULL},
    {"DELETE", "/api/v1/plans/:month/airings/:id", airing_delete, 0, NULL, NULL},
    {"GET", "/api/v1/plans/:month/conflicts", conflicts_get, 0, NULL, NULL},
    {"GET", "/api/v1/plans/:month/slots", slots_get, 0, NULL, NULL},
    {"POST", "/api/v1/plans/:month/publish", plan_publish, 0, NULL, NULL},
};

int api_routes_plans(api *a)
{
    return http_server_add_routes(a->http, ROUTES, G_N_ELEMENTS(ROUTES), a);
}
