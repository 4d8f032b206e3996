/* api_box: the box protocol's manifest, plays and status (docs/architecture.md §5), and the box
 * list for people. The manifest comes from a cache rebuilt once per publish version (manifest.h),
 * so a conditional GET costs a hash lookup; plays are acknowledged only once committed durably,
 * their refusals worded here (api_words.h) from the store's codes.
 * Every box request marks the box as heard from (in memory; flushed every 30 s and at stop). */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_words.h"
#include "log.h"
#include "manifest.h"
#include "plays_writer.h"
#include "store_plays.h"
#include "store_status.h"
#include "vtime.h"
#include "wallclock.h"

#define FLUSH_MS        30000
#define PLAYS_BODY_MAX  (2 * 1024 * 1024) /* 1000 reports of up to ~2 KB */
#define STATUS_BODY_MAX (64 * 1024)

struct api_box {
    manifest_cache *manifests;
    store_contacts *contacts;
    uv_timer_t flush;
    plays_writer *plays;
};

/* The box making the request, marked as heard from; 0, or replied 401 and -EACCES. */
int api_box_seen(http_req *r, api *a, int64_t *box_id)
{
    int rc = api_box_require(r, a, box_id);
    if (rc == 0)
        store_contacts_touch(a->box->contacts, *box_id, wallclock_now_ms());
    return rc;
}

static int manifest_get(http_req *r, void *ud)
{
    api *a = ud;
    int64_t box_id = 0, now = wallclock_now_ms();
    char etag[MANIFEST_ETAG_MAX], *body = NULL;
    size_t len = 0;
    bool tx = store_read_begin(a->db) == 0;
    int rc = api_box_seen(r, a, &box_id);
    if (rc != 0) {
        store_read_end(a->db, tx);
        return 0;
    }
    /* Without a tag to compare, the body is wanted: one cache look-up, not two. */
    const char *inm = http_header(r, "If-None-Match");
    rc = manifest_cache_get(a->box->manifests, a->db, box_id, now, etag, inm ? NULL : &body,
                            inm ? NULL : &len);
    if (rc == 0 && inm && !http_etag_matches(inm, etag))
        rc = manifest_cache_get(a->box->manifests, a->db, box_id, now, etag, &body, &len);
    store_read_end(a->db, tx);
    if (rc != 0)
        return api_fail(r, a, rc, "lịch phát của cụm loa");
    http_add_header(r, "ETag", etag);
    http_add_header(r, "Cache-Control", "no-cache");
    if (!body)
        return http_reply_empty(r, 304);
    rc = http_reply_buf(r, 200, "application/json; charset=utf-8", body, len);
    g_free(body);
    return rc;
}

/* A plays request waiting for its group's commit; r is NULL once the client left. */
typedef struct plays_wait {
    api *a;
    http_req *r;
} plays_wait;

static void plays_cancel(http_req *r, void *arg)
{
    (void)r;
    ((plays_wait *)arg)->r = NULL;
}

static void plays_done(void *arg, int rc, json_t *result, const char *errmsg)
{
    plays_wait *pw = arg;
    http_req *r = pw->r;
    g_free(pw);
    if (!r) {
        json_decref(result);
        return;
    }
    if (rc == 0 && (rc = api_words_plays(result)) != 0) {
        json_decref(result);
        errmsg = "wording the refused plays";
    }
    if (rc == 0) {
        http_resume_json(r, 200, result);
    } else if (rc == -ENOENT) {
        http_reply_error(r, 404, "not_found", "Không tìm thấy cụm loa.");
    } else if (rc == -EBUSY) {
        http_reply_error(r, 503, "busy", "Hệ thống đang bận, vui lòng thử lại.");
    } else {
        log_error("POST /api/v1/box/plays: %s (%d)", errmsg ? errmsg : "?", rc);
        http_reply_error(r, 500, "internal", "Lỗi máy chủ khi xử lý bản ghi phát.");
    }
}

/* Checked here, written by the plays writer; the answer waits for the durable commit. */
static int plays_post(http_req *r, void *ud)
{
    api *a = ud;
    int64_t box_id = 0;
    json_t *body = NULL;
    if (api_box_seen(r, a, &box_id) != 0 || aj_object(r, &body) != 0)
        return 0;
    json_t *plays = json_incref(json_object_get(body, "plays"));
    json_decref(body);
    if (!json_is_array(plays)) {
        json_decref(plays);
        return http_reply_error(r, 400, "invalid_field", "Trường \"plays\" phải là một mảng.");
    }
    if (json_array_size(plays) > STORE_PLAYS_BATCH_MAX) {
        json_decref(plays);
        return http_reply_error(r, 413, "too_many", "Mỗi lần gửi tối đa %d bản ghi phát.",
                                STORE_PLAYS_BATCH_MAX);
    }
    plays_wait *pw = g_new0(plays_wait, 1);
    pw->a = a;
    pw->r = r;
    int rc = http_suspend(r, plays_cancel, pw);
    if (rc != 0) { /* already answered (503 while stopping) */
        json_decref(plays);
        g_free(pw);
        return 0;
    }
    rc = plays_writer_submit(a->box->plays, box_id, plays, plays_done, pw);
    if (rc != 0) {
        g_free(pw);
        return http_reply_error(r, 503, "shutting_down",
                                "Máy chủ đang dừng, vui lòng thử lại sau.");
    }
    return 0;
}

static int status_post(http_req *r, void *ud)
{
    api *a = ud;
    int64_t box_id = 0, now = wallclock_now_ms();
    json_t *body = NULL, *out = NULL;
    if (api_box_seen(r, a, &box_id) != 0 || aj_object(r, &body) != 0)
        return 0;
    int rc = store_status_report(a->db, box_id, body, now, vtime_zone(), &out);
    json_decref(body);
    if (rc == -EINVAL)
        return http_reply_error(r, 400, "invalid", "Trạng thái cụm loa không hợp lệ: %s",
                                store_errmsg(a->db));
    if (rc != 0)
        return api_fail(r, a, rc, "trạng thái cụm loa");
    return http_reply_json(r, 200, out);
}

static int boxes_status_get(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    json_t *out = NULL;
    if (api_user_require(r, a, API_EVERYONE, &u) != 0)
        return 0;
    int64_t commune = u.u.role == STORE_ROLE_OPERATOR ? u.u.commune_id : 0;
    int rc = store_status_list(a->db, a->box->contacts, commune, a->opt.poll_seconds,
                               wallclock_now_ms(), vtime_zone(), &out);
    return rc ? api_fail(r, a, rc, "trạng thái cụm loa") : http_reply_json(r, 200, out);
}

static void on_flush(uv_timer_t *t)
{
    api *a = t->data;
    if (store_contacts_flush(a->box->contacts, a->db) != 0)
        log_warn("box contacts flush: %s", store_errmsg(a->db));
}

static const http_route ROUTES[] = {
    {"GET", "/api/v1/box/manifest", manifest_get, 0, NULL, NULL},
    {"POST", "/api/v1/box/plays", plays_post, PLAYS_BODY_MAX, NULL, NULL},
    {"POST", "/api/v1/box/status", status_post, STATUS_BODY_MAX, NULL, NULL},
    {"GET", "/api/v1/boxes/status", boxes_status_get, 0, NULL, NULL},
};

int api_routes_box(api *a)
{
    manifest_opts mo;
    struct api_box *b = calloc(1, sizeof *b);
    if (!b)
        return -ENOMEM;
    manifest_opts_default(&mo, vtime_zone());
    if (a->opt.horizon_days > 0)
        mo.horizon_days = a->opt.horizon_days;
    if (a->opt.poll_seconds > 0)
        mo.poll_seconds = a->opt.poll_seconds;
    b->manifests = manifest_cache_new(&mo);
    b->contacts = store_contacts_new((int64_t)STORE_STATUS_OFFLINE_POLLS * mo.poll_seconds * 1000);
    a->box = b;
    int rc = b->manifests && b->contacts ? store_contacts_load(b->contacts, a->db) : -ENOMEM;
    if (rc == 0)
        rc = plays_writer_start(a->loop, a->data_dir, &b->plays);
    if (rc == 0 && (rc = uv_timer_init(a->loop, &b->flush)) != 0)
        plays_writer_stop(b->plays, NULL, NULL);
    if (rc != 0) {
        manifest_cache_free(b->manifests);
        store_contacts_free(b->contacts);
        free(b);
        a->box = NULL;
        return rc;
    }
    b->flush.data = a;
    uv_timer_start(&b->flush, on_flush, FLUSH_MS, FLUSH_MS);
    return http_server_add_routes(a->http, ROUTES, G_N_ELEMENTS(ROUTES), a);
}

static void on_box_closed(uv_handle_t *h)
{
    api *a = h->data;
    struct api_box *b = a->box;
    a->box = NULL;
    manifest_cache_free(b->manifests);
    store_contacts_free(b->contacts);
    free(b);
    api_closed_one(a);
}

static void on_writer_stopped(void *arg)
{
    api_closed_one(arg);
}

void api_box_close(api *a)
{
    a->closing++; /* the plays writer's handle */
    plays_writer_stop(a->box->plays, on_writer_stopped, a);
    if (store_contacts_flush(a->box->contacts, a->db) != 0)
        log_warn("box contacts flush at stop: %s", store_errmsg(a->db));
    uv_timer_stop(&a->box->flush);
    uv_close((uv_handle_t *)&a->box->flush, on_box_closed);
}
