/* api: creates the api object and registers every route file's table (see api.h). */
#include "api.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "media_map.h"
#include "ingest.h"
#include "log.h"
#include "store_media.h"

/* Work that a request sends to the libuv thread pool goes through one of these queues
 * (http_queue.h). Their running jobs add up to the pool's 4 threads, so password checks (64 MiB
 * of argon2id each) can never hold the threads that an upload or a report needs, and the
 * reverse. The caps per client address are small: one address flooding any of them gets a few
 * places and 503 for the rest, and everyone else is served in turn between its jobs. */
static const http_queue_config PASSWORDS = {
    .name = "password", .running = 2, .waiting = 32, .per_client = 4, .retry_after_s = 2};
static const http_queue_config INGESTS = {
    .name = "ingest", .running = 1, .waiting = 8, .per_client = 2, .retry_after_s = 30};
static const http_queue_config REPORTS = {
    .name = "report", .running = 1, .waiting = 16, .per_client = 2, .retry_after_s = 5};

typedef int (*routes_fn)(api *a);

/* One line per route file; the order only matters for overlapping patterns. */
static const routes_fn ROUTE_FILES[] = {
    /* clang-format off */
    api_routes_auth,
    api_routes_admin,
    api_routes_airings,
    api_routes_programs,
    api_routes_plans,
    api_routes_emergency,
    api_routes_contracts,
    api_routes_reports,
    api_routes_pieces,
    api_routes_media,
    api_routes_web,
    /* clang-format on */
};

int api_create(uv_loop_t *loop, http_server *srv, store *db, const api_options *opts, api **out)
{
    api *a = calloc(1, sizeof *a);
    if (!a)
        return -ENOMEM;
    a->loop = loop;
    a->http = srv;
    a->db = db;
    a->opt = *opts;
    a->data_dir = strdup(opts->data_dir ? opts->data_dir : ".");
    a->opt.data_dir = a->data_dir;
    int rc = a->data_dir ? api_events_create(a) : -ENOMEM;
    if (rc == 0 && (rc = http_queue_new(srv, &PASSWORDS, &a->passwords)) == 0 &&
        (rc = http_queue_new(srv, &INGESTS, &a->ingests)) == 0)
        rc = http_queue_new(srv, &REPORTS, &a->reports);
    if (rc == 0)
        rc = api_auth_create(a);
    if (rc == 0)
        rc = api_routes_box(a);
    for (size_t i = 0; rc == 0 && i < sizeof ROUTE_FILES / sizeof ROUTE_FILES[0]; i++)
        rc = ROUTE_FILES[i](a);
    if (rc != 0) {
        api_close(a, NULL, NULL); /* finishes while the caller runs the loop to stop */
        return rc;
    }
    *out = a;
    return 0;
}

void api_closed_one(api *a)
{
    if (--a->closing > 0)
        return;
    void (*cb)(void *) = a->close_cb;
    void *arg = a->close_arg;
    media_map_free(a->media_maps);
    free(a->data_dir);
    free(a);
    if (cb)
        cb(arg);
}

static void events_closed(void *arg)
{
    api_closed_one(arg);
}

void api_close(api *a, void (*cb)(void *arg), void *arg)
{
    a->close_cb = cb;
    a->close_arg = arg;
    a->closing = 1; /* held until every part has started closing */
    if (a->events) {
        a->closing++;
        api_events_close(a, events_closed, a);
    }
    if (a->box) {
        a->closing++;
        api_box_close(a);
    }
    if (a->auth) {
        a->closing++;
        api_auth_close(a);
    }
    api_closed_one(a);
}

store_media api_media_row(const ingest_result *r)
{
    store_media m = {.bytes = r->bytes,
                     .duration_ms = r->duration_ms,
                     .loudness_in_lufs = r->loudness_in_lufs,
                     .loudness_out_lufs = r->loudness_out_lufs,
                     .true_peak_dbtp = r->true_peak_dbtp};
    memcpy(m.sha256, r->sha256, sizeof m.sha256);
    return m;
}
