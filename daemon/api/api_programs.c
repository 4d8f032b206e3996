/* api_programs: the recurring programme slots (chương trình). Everyone reads them; the
 * centre's technicians and admins create, edit and delete them. An overlap with another
 * programme on a shared commune or box is refused, naming the other one. */
#include <errno.h>
#include <glib.h>

#include "api_internal.h"
#include "api_words.h"
#include "store_programs.h"
#include "store_refusal.h"
#include "vtime.h"
#include "wallclock.h"

#define WRITERS (API_ADMIN | API_TECH)

typedef struct prog_change {
    api_user by;
    const char *id;
    json_t *in, *out;
    store_refusal why;
} prog_change;

static int programs_get(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    json_t *list = NULL, *conflicts = NULL;
    if (api_user_require(r, a, API_EVERYONE, &u) != 0)
        return 0;
    int rc = store_program_list(a->db, &list);
    if (rc == 0)
        rc = store_program_conflicts(a->db, vtime_zone(), wallclock_now_ms(), &conflicts);
    if (rc != 0) {
        json_decref(list);
        return api_fail(r, a, rc, "chương trình");
    }
    /* Each conflict comes with its sentence's name and facts; the page reads the sentence. */
    if (api_words_notes(json_object_get(conflicts, "conflicts")) != 0) {
        json_decref(list);
        json_decref(conflicts);
        return api_fail(r, a, -ENOMEM, "chương trình");
    }
    /* Both come as {"programs":[…]} and {"conflicts":[…]}: one object for the page. */
    json_object_update(list, conflicts);
    json_decref(conflicts);
    return http_reply_json(r, 200, list);
}

static int program_get(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    json_t *p = NULL;
    if (api_user_require(r, a, API_EVERYONE, &u) != 0)
        return 0;
    int rc = store_program_get(a->db, http_param(r, "id"), &p);
    return rc ? api_fail(r, a, rc, "chương trình") : http_reply_json(r, 200, p);
}

static int create_tx(api *a, void *ctx)
{
    prog_change *c = ctx;
    return store_program_create(a->db, c->by.who, c->in, vtime_zone(), wallclock_now_ms(), &c->out,
                                &c->why);
}

static int edit_tx(api *a, void *ctx)
{
    prog_change *c = ctx;
    return store_program_edit(a->db, c->by.who, c->id, c->in, vtime_zone(), wallclock_now_ms(),
                              &c->out, &c->why);
}

static int delete_tx(api *a, void *ctx)
{
    prog_change *c = ctx;
    return store_program_delete(a->db, c->by.who, c->id, wallclock_now_ms(), &c->why);
}

static int change(http_req *r, api *a, int (*fn)(api *, void *), bool body, unsigned ok)
{
    prog_change c = {.id = http_param(r, "id")};
    if (api_user_require(r, a, WRITERS, &c.by) != 0 || (body && aj_object(r, &c.in) != 0))
        return 0;
    int rc = api_tx(a, fn, &c);
    json_decref(c.in);
    if (rc != 0) {
        json_decref(c.out);
        return api_refused(r, a, rc, &c.why, "chương trình");
    }
    return c.out ? http_reply_json(r, ok, c.out) : http_reply_empty(r, ok);
}

static int programs_post(http_req *r, void *ud)
{
    return change(r, ud, create_tx, true, 201);
}

static int program_patch(http_req *r, void *ud)
{
    return change(r, ud, edit_tx, true, 200);
}

static int program_delete(http_req *r, void *ud)
{
    return change(r, ud, delete_tx, false, 204);
}

static const http_route ROUTES[] = {
    {"GET", "/api/v1/programs", programs_get, 0, NULL, NULL},
    {"POST", "/api/v1/programs", programs_post, 16384, NULL, NULL},
    {"GET", "/api/v1/programs/:id", program_get, 0, NULL, NULL},
    {"PATCH", "/api/v1/programs/:id", program_patch, 16384, NULL, NULL},
    {"DELETE", "/api/v1/programs/:id", program_delete, 0, NULL, NULL},
};

int api_routes_programs(api *a)
{
    return http_server_add_routes(a->http, ROUTES, G_N_ELEMENTS(ROUTES), a);
}
