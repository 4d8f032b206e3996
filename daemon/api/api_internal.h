/* api_internal: what the api_*.c route files share: the api object, the caller's identity
 * (a logged-in person or a box), error replies for store codes, and JSON field readers that
 * answer 400 in Vietnamese themselves. Not part of api.h's public face. */
#ifndef LOALANG_API_INTERNAL_H
#define LOALANG_API_INTERNAL_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api.h"
#include "http.h"
#include "http_queue.h"
#include "store.h"
#include "store_sessions.h"

#define API_SESSION_COOKIE "loalang_session"
#define API_CSRF_HEADER    "X-CSRF-Token"
#define API_WHO_MAX        (STORE_USER_NAME_MAX + 8)

typedef struct api_events api_events; /* api_events.c: held long-polls */
struct api_box;                       /* api_box.c: manifest cache, box contacts */
struct api_auth;                      /* api_auth.c: login throttles, the session purge */

struct api {
    uv_loop_t *loop;
    http_server *http;
    store *db;
    api_options opt;
    char *data_dir;
    api_events *events;
    struct api_box *box;
    struct api_auth *auth;
    /* api.c: the thread pool's queues (http_queue.h), owned by the HTTP server */
    http_queue *passwords, *ingests, *reports;
    struct media_map *media_maps; /* api_media.c's maps of recently served media */
    /* closing: parts whose loop handles are still closing, then cb */
    int closing;
    void (*close_cb)(void *arg);
    void *close_arg;
};

/* A part of the api finished closing its handles (api.c frees the api after the last). */
void api_closed_one(api *a);
/* api_box.c: flushes box contacts, stops the plays writer (counted in a->closing) and closes
 * its timer. */
void api_box_close(api *a);
/* api_auth.c: the login throttles, and the timer that deletes expired sessions (it runs at
 * start, then every API_SESSION_PURGE_MS). */
#define API_SESSION_PURGE_MS (3600LL * 1000)
int api_auth_create(api *a);
/* Closes the purge timer (counted in a->closing) and frees the throttles. */
void api_auth_close(api *a);

/* Role sets for api_user. */
#define API_ROLE(r)  (1u << (r))
#define API_ADMIN    API_ROLE(STORE_ROLE_ADMIN)
#define API_TECH     API_ROLE(STORE_ROLE_TECHNICIAN)
#define API_APPROVER API_ROLE(STORE_ROLE_APPROVER)
#define API_OPERATOR API_ROLE(STORE_ROLE_OPERATOR)
#define API_EVERYONE (API_ADMIN | API_TECH | API_APPROVER | API_OPERATOR)

typedef struct api_user {
    store_session_user u;
    char who[API_WHO_MAX]; /* "user:NAME", for audit rows */
} api_user;

/* The logged-in person, checked against roles; state-changing methods also need the CSRF
 * header. On refusal replies 401/403 itself and returns -EACCES (the handler returns 0). */
int api_user_require(http_req *r, api *a, unsigned roles, api_user *out);
/* The box whose bearer token came with the request; 401 and -EACCES otherwise. */
int api_box_require(http_req *r, api *a, int64_t *box_id);
/* The 401 a box gets for a bad or revoked token; returns -EACCES. */
int api_box_refuse(http_req *r);
/* The same, and marks the box as heard from (every box-protocol request uses this). */
int api_box_seen(http_req *r, api *a, int64_t *box_id);
/* True when u may see commune_id's data (operators only their own). */
bool api_user_sees_commune(const api_user *u, int64_t commune_id);

/* Replies for a store error code: -ENOENT 404, -EEXIST 409, -EINVAL 400, -EACCES 403,
 * -EBUSY 503, else 500 (logged with the store's message). what: Vietnamese, e.g. "xã".
 * Returns 0 so handlers can `return api_fail(…)`. */
int api_fail(http_req *r, api *a, int rc, const char *what);

/* Replies for a refusal from a store function that explains itself (store_refusal.h's
 * store_refusal): the refusal's code and Vietnamese message with a status from rc (-ENOENT
 * 404, -EEXIST and -EBUSY 409, -EINVAL 400); without a code, as api_fail. Returns 0. */
struct store_refusal;
int api_refused(http_req *r, api *a, int rc, const struct store_refusal *why, const char *what);
/* Runs fn(a, ctx) in one write transaction (the change and its audit row commit together,
 * durably) and returns its code; rolled back on failure. */
int api_tx(api *a, int (*fn)(api *a, void *ctx), void *ctx);
/* A month "YYYY-MM" from the path: 0, or replies 400 and returns -EINVAL. */
int api_month_param(http_req *r, const char *name, const char **out);

/* JSON field readers for request bodies. Each replies 400 with a Vietnamese message naming
 * the field and returns -EINVAL when the field is missing (AJ_REQUIRED), of the wrong type
 * or out of bounds; an absent optional field leaves *out untouched. Strings are borrowed from
 * o, valid UTF-8 without control characters, 1..max bytes. r may be NULL for aj_str, aj_int
 * and aj_bool: the same checks without a reply (tests/fuzz/fuzz_api.c). */
#define AJ_REQUIRED 0u
#define AJ_OPTIONAL 1u
#define AJ_NULLABLE 2u                    /* JSON null → *out = NULL (strings only) */
int aj_object(http_req *r, json_t **out); /* the body; must be an object */
int aj_str(http_req *r, const json_t *o, const char *key, unsigned flags, size_t max,
           const char **out);
int aj_int(http_req *r, const json_t *o, const char *key, unsigned flags, int64_t min, int64_t max,
           int64_t *out);
int aj_bool(http_req *r, const json_t *o, const char *key, unsigned flags, bool *out);

/* RFC 3339 in the process zone, or JSON null for 0. */
json_t *aj_time(int64_t ms);

/* Route tables, one per api_*.c file. */
int api_routes_auth(api *a);
int api_routes_admin(api *a);
int api_routes_media(api *a);
int api_routes_box(api *a);
int api_routes_airings(api *a);
int api_routes_programs(api *a);
int api_routes_plans(api *a);
int api_routes_emergency(api *a);
int api_routes_contracts(api *a);
int api_routes_reports(api *a);
int api_routes_pieces(api *a);
int api_routes_web(api *a);

/* api_events.c: long-polls of boxes. api_events_notify wakes waiters after this process
 * added events; events added by other processes (admin commands) are noticed by a timer. */
int api_events_create(api *a);
void api_events_close(api *a, void (*cb)(void *arg), void *arg);
void api_events_notify(api *a);
/* Ends (401) the held polls of boxes revoked since they were held, in this process (call after
 * a revocation) or another (the timer calls it when the database changed). */
void api_events_revoked(api *a);

#endif
