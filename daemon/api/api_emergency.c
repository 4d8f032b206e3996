/* api_emergency: emergency announcements (phát khẩn cấp). A technician or admin starts one:
 * a piece and targets become an airing that starts now, and every targeted box waiting on
 * events hears of it at once; stop withdraws it. The list shows recent emergencies with what
 * each box reported. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "api_internal.h"
#include "publish.h"
#include "store_airings.h"
#include "store_refusal.h"
#include "vtime.h"
#include "wallclock.h"

#define WRITERS   (API_ADMIN | API_TECH)
#define RECENT_MS (6LL * 3600 * 1000)

typedef struct emergency_op {
    api_user by;
    const char *piece, *airing;
    const json_t *targets;
    json_t *out;
    store_refusal why;
} emergency_op;

static int start_tx(api *a, void *ctx)
{
    emergency_op *op = ctx;
    return publish_emergency(a->db, op->by.who, op->piece, op->targets, vtime_zone(),
                             wallclock_now_ms(), &op->out, &op->why);
}

static int stop_tx(api *a, void *ctx)
{
    emergency_op *op = ctx;
    return publish_emergency_stop(a->db, op->by.who, op->airing, &op->why);
}

static int emergency_post(http_req *r, void *ud)
{
    api *a = ud;
    emergency_op op = {0};
    json_t *body = NULL;
    if (api_user_require(r, a, WRITERS, &op.by) != 0 || aj_object(r, &body) != 0)
        return 0;
    if (aj_str(r, body, "piece", AJ_REQUIRED, 64, &op.piece) != 0)
        goto out;
    op.targets = json_object_get(body, "targets");
    int rc = api_tx(a, start_tx, &op);
    if (rc != 0) {
        api_refused(r, a, rc, &op.why, "phát khẩn cấp");
        goto out;
    }
    api_events_notify(a);
    http_reply_json(r, 201, json_pack("{so}", "airing", op.out));
out:
    json_decref(body);
    return 0;
}

static int emergency_stop(http_req *r, void *ud)
{
    api *a = ud;
    emergency_op op = {.airing = http_param(r, "id")};
    if (api_user_require(r, a, WRITERS, &op.by) != 0)
        return 0;
    int rc = api_tx(a, stop_tx, &op);
    if (rc != 0)
        return api_refused(r, a, rc, &op.why, "phát khẩn cấp");
    api_events_notify(a);
    return http_reply_json(r, 200, json_pack("{ss sb}", "airing", op.airing, "stopped", 1));
}

/* Emergency airings that started in the last hours, stopped ones too, with every box's
 * reports: what a stop cut short is still accounted for. */
static int emergency_get(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    json_t *all = NULL;
    int64_t now = wallclock_now_ms();
    store_airing_query q = {
        .from_ms = now - RECENT_MS, .until_ms = now + 1, .with_plays = true, .emergencies = true};
    if (api_user_require(r, a, API_EVERYONE, &u) != 0)
        return 0;
    if (u.u.role == STORE_ROLE_OPERATOR)
        q.commune_id = u.u.commune_id;
    int rc = store_airings_list(a->db, &q, &all);
    if (rc != 0)
        return api_fail(r, a, rc, "phát khẩn cấp");
    json_t *list = json_incref(json_object_get(all, "airings"));
    json_decref(all);
    return http_reply_json(r, 200, json_pack("{so}", "emergencies", list));
}

static const http_route ROUTES[] = {
    {"GET", "/api/v1/emergency", emergency_get, 0, NULL, NULL},
    {"POST", "/api/v1/emergency", emergency_post, 16384, NULL, NULL},
    {"POST", "/api/v1/emergency/:id/stop", emergency_stop, 0, NULL, NULL},
};

int api_routes_emergency(api *a)
{
    return http_server_add_routes(a->http, ROUTES, G_N_ELEMENTS(ROUTES), a);
}
