/* api_admin: users, communes and boxes (admin; others read what their role needs). A box's
 * token is in the answer to its registration and nowhere else, ever. */
#include <errno.h>
#include <glib.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "store_audit.h"
#include "store_boxes.h"
#include "store_communes.h"
#include "store_users.h"

/* ---- users ---- */

typedef struct user_new {
    api *a;
    api_user by;
    char *name, *commune, *password;
    store_role role;
    char hash[STORE_PWHASH_MAX];
    int64_t id;
} user_new;

static void user_new_free(user_new *u)
{
    if (u->password) {
        sodium_memzero(u->password, strlen(u->password));
        free(u->password);
    }
    free(u->name);
    free(u->commune);
    free(u);
}

static void user_new_free_cb(void *arg)
{
    user_new_free(arg);
}

static int users_get(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    json_t *list = NULL;
    if (api_user_require(r, a, API_ADMIN, &u) != 0)
        return 0;
    int rc = store_user_list_json(a->db, &list);
    if (rc != 0)
        return api_fail(r, a, rc, "người dùng");
    return http_reply_json(r, 200, json_pack("{so}", "users", list));
}

static int hash_password(void *arg)
{
    user_new *u = arg;
    return store_password_hash(u->password, u->hash);
}

static int user_insert(api *a, void *ctx)
{
    user_new *u = ctx;
    return store_user_add(a->db, u->by.who, u->name, u->role, u->commune, u->hash, &u->id);
}

static void user_hashed(http_req *r, void *arg, int status)
{
    user_new *u = arg;
    api *a = u->a;
    int rc = status;
    if (rc == -EINVAL) {
        http_reply_error(r, 400, "weak_password", "Mật khẩu phải có ít nhất %d ký tự.",
                         STORE_PASSWORD_MIN);
        goto out;
    }
    if (rc == 0)
        rc = api_tx(a, user_insert, u);
    if (rc == -EEXIST)
        http_reply_error(r, 409, "exists", "Tên đăng nhập \"%s\" đã có.", u->name);
    else if (rc == -ENOENT)
        http_reply_error(r, 400, "unknown_commune", "Không có xã \"%s\".", u->commune);
    else if (rc == -EINVAL)
        http_reply_error(r, 400, "invalid",
                         "Tên người dùng không hợp lệ, hoặc xã không khớp vai trò (chỉ cán bộ xã "
                         "thuộc về một xã).");
    else if (rc != 0)
        api_fail(r, a, rc, "người dùng");
    else
        http_reply_json(r, 201,
                        json_pack("{sI ss ss}", "id", (json_int_t)u->id, "name", u->name, "role",
                                  store_role_name(u->role)));
out:
    user_new_free(u);
}

static int users_post(http_req *r, void *ud)
{
    api *a = ud;
    json_t *body = NULL;
    const char *name = NULL, *role = NULL, *commune = NULL, *password = NULL;
    user_new *u = NULL;
    int rc = 0;
    if (!(u = calloc(1, sizeof *u)))
        return -ENOMEM;
    if (api_user_require(r, a, API_ADMIN, &u->by) != 0 || aj_object(r, &body) != 0)
        goto out;
    if (aj_str(r, body, "name", AJ_REQUIRED, STORE_USER_NAME_MAX, &name) != 0 ||
        aj_str(r, body, "role", AJ_REQUIRED, 32, &role) != 0 ||
        aj_str(r, body, "commune", AJ_OPTIONAL | AJ_NULLABLE, STORE_NAME_MAX, &commune) != 0 ||
        aj_str(r, body, "password", AJ_REQUIRED, STORE_PASSWORD_MAX, &password) != 0)
        goto out;
    if (store_role_parse(role, &u->role) != 0) {
        http_reply_error(r, 400, "invalid_field",
                         "Vai trò phải là admin, technician, approver hoặc operator.");
        goto out;
    }
    u->a = a;
    u->name = strdup(name);
    u->commune = commune ? strdup(commune) : NULL;
    u->password = strdup(password);
    if (!u->name || !u->password || (commune && !u->commune)) {
        rc = -ENOMEM;
        goto out;
    }
    /* argon2id like a login's check: the same queue, which frees u if the hash never runs */
    rc = http_queue_defer(a->passwords, r, hash_password, user_hashed, user_new_free_cb, u);
    u = NULL;
    if (rc == -EBUSY || rc == -ESHUTDOWN)
        rc = 0; /* answered 503 */
out:
    if (u)
        user_new_free(u);
    json_decref(body);
    return rc;
}

typedef struct user_patch {
    api_user by;
    int64_t id;
    bool has_disabled, disabled;
} user_patch;

static int user_patch_tx(api *a, void *ctx)
{
    user_patch *p = ctx;
    return store_user_set_disabled(a->db, p->by.who, p->id, p->disabled);
}

static int user_patch_handler(http_req *r, void *ud)
{
    api *a = ud;
    user_patch p = {0};
    json_t *body = NULL;
    char *end = NULL;
    if (api_user_require(r, a, API_ADMIN, &p.by) != 0 || aj_object(r, &body) != 0)
        goto out;
    p.id = g_ascii_strtoll(http_param(r, "id"), &end, 10);
    if (!end || *end || p.id <= 0) {
        http_reply_error(r, 404, "not_found", "Không tìm thấy người dùng.");
        goto out;
    }
    if (aj_bool(r, body, "disabled", AJ_REQUIRED, &p.disabled) != 0)
        goto out;
    if (p.id == p.by.u.user_id && p.disabled) {
        http_reply_error(r, 400, "self", "Không thể tự khoá tài khoản của mình.");
        goto out;
    }
    int rc = api_tx(a, user_patch_tx, &p);
    if (rc != 0)
        api_fail(r, a, rc, "người dùng");
    else
        http_reply_json(r, 200,
                        json_pack("{sI sb}", "id", (json_int_t)p.id, "disabled", p.disabled));
out:
    json_decref(body);
    return 0;
}

/* ---- communes ---- */

static int communes_get(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    store_commune *v = NULL;
    size_t n = 0;
    if (api_user_require(r, a, API_EVERYONE, &u) != 0)
        return 0;
    int rc = store_commune_list(a->db, &v, &n);
    if (rc != 0)
        return api_fail(r, a, rc, "xã");
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        if (api_user_sees_commune(&u, v[i].id))
            json_array_append_new(arr, json_pack("{sI ss sI so}", "id", (json_int_t)v[i].id, "name",
                                                 v[i].name, "boxes", (json_int_t)v[i].n_boxes,
                                                 "created", aj_time(v[i].created_ms)));
    store_commune_list_free(v, n);
    return http_reply_json(r, 200, json_pack("{so}", "communes", arr));
}

typedef struct named {
    api_user by;
    const char *name, *commune;
    int64_t id;
    char token[STORE_BOX_TOKEN_MAX];
} named;

static int commune_add_tx(api *a, void *ctx)
{
    named *n = ctx;
    return store_commune_add(a->db, n->by.who, n->name, &n->id);
}

static int communes_post(http_req *r, void *ud)
{
    api *a = ud;
    named n = {0};
    json_t *body = NULL;
    if (api_user_require(r, a, API_ADMIN, &n.by) != 0 || aj_object(r, &body) != 0)
        goto out;
    if (aj_str(r, body, "name", AJ_REQUIRED, STORE_NAME_MAX, &n.name) != 0)
        goto out;
    int rc = api_tx(a, commune_add_tx, &n);
    if (rc == -EEXIST)
        http_reply_error(r, 409, "exists", "Xã \"%s\" đã có.", n.name);
    else if (rc != 0)
        api_fail(r, a, rc, "xã");
    else
        http_reply_json(r, 201, json_pack("{sI ss}", "id", (json_int_t)n.id, "name", n.name));
out:
    json_decref(body);
    return 0;
}

/* ---- boxes ---- */

static json_t *box_json(const store_box *b)
{
    return json_pack("{sI ss ss sI sb so so}", "id", (json_int_t)b->id, "name", b->name, "commune",
                     b->commune, "commune_id", (json_int_t)b->commune_id, "revoked", b->revoked,
                     "created", aj_time(b->created_ms), "revoked_at", aj_time(b->revoked_ms));
}

static int boxes_get(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    store_box *v = NULL;
    size_t n = 0;
    if (api_user_require(r, a, API_EVERYONE, &u) != 0)
        return 0;
    int rc = store_box_list(a->db, &v, &n);
    if (rc != 0)
        return api_fail(r, a, rc, "cụm loa");
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        if (api_user_sees_commune(&u, v[i].commune_id))
            json_array_append_new(arr, box_json(&v[i]));
    store_box_list_free(v, n);
    return http_reply_json(r, 200, json_pack("{so}", "boxes", arr));
}

static int box_add_tx(api *a, void *ctx)
{
    named *n = ctx;
    return store_box_add(a->db, n->by.who, n->name, n->commune, &n->id, n->token);
}

static int boxes_post(http_req *r, void *ud)
{
    api *a = ud;
    named n = {0};
    json_t *body = NULL;
    if (api_user_require(r, a, API_ADMIN, &n.by) != 0 || aj_object(r, &body) != 0)
        goto out;
    if (aj_str(r, body, "name", AJ_REQUIRED, STORE_NAME_MAX, &n.name) != 0 ||
        aj_str(r, body, "commune", AJ_REQUIRED, STORE_NAME_MAX, &n.commune) != 0)
        goto out;
    int rc = api_tx(a, box_add_tx, &n);
    if (rc == -EEXIST)
        http_reply_error(r, 409, "exists", "Cụm loa \"%s\" đã có.", n.name);
    else if (rc == -ENOENT)
        http_reply_error(r, 400, "unknown_commune", "Không có xã \"%s\".", n.commune);
    else if (rc != 0)
        api_fail(r, a, rc, "cụm loa");
    else
        http_reply_json(r, 201,
                        json_pack("{sI ss ss ss}", "id", (json_int_t)n.id, "name", n.name,
                                  "commune", n.commune, "token", n.token));
    sodium_memzero(n.token, sizeof n.token);
out:
    json_decref(body);
    return 0;
}

static int box_revoke_tx(api *a, void *ctx)
{
    named *n = ctx;
    return store_box_revoke(a->db, n->by.who, n->name);
}

static int box_revoke(http_req *r, void *ud)
{
    api *a = ud;
    named n = {0};
    store_box b = {0};
    char *end = NULL;
    if (api_user_require(r, a, API_ADMIN, &n.by) != 0)
        return 0;
    int64_t id = g_ascii_strtoll(http_param(r, "id"), &end, 10);
    int rc = (!end || *end || id <= 0) ? -ENOENT : store_box_get(a->db, id, &b);
    if (rc == 0) {
        n.name = b.name;
        rc = api_tx(a, box_revoke_tx, &n);
    }
    if (rc == -EALREADY)
        http_reply_error(r, 409, "already_revoked", "Cụm loa \"%s\" đã bị thu hồi trước đó.",
                         b.name);
    else if (rc != 0)
        api_fail(r, a, rc, "cụm loa");
    else {
        api_events_revoked(a); /* its held poll, if any, ends now */
        store_box_clear(&b);   /* read again: the answer shows the revocation time */
        rc = store_box_get(a->db, id, &b);
        if (rc == 0)
            http_reply_json(r, 200, box_json(&b));
        else
            api_fail(r, a, rc, "cụm loa");
    }
    store_box_clear(&b);
    return 0;
}

static const http_route ROUTES[] = {
    {"GET", "/api/v1/users", users_get, 0, NULL, NULL},
    {"POST", "/api/v1/users", users_post, 8192, NULL, NULL},
    {"PATCH", "/api/v1/users/:id", user_patch_handler, 4096, NULL, NULL},
    {"GET", "/api/v1/communes", communes_get, 0, NULL, NULL},
    {"POST", "/api/v1/communes", communes_post, 4096, NULL, NULL},
    {"GET", "/api/v1/boxes", boxes_get, 0, NULL, NULL},
    {"POST", "/api/v1/boxes", boxes_post, 4096, NULL, NULL},
    {"POST", "/api/v1/boxes/:id/revoke", box_revoke, 0, NULL, NULL},
};

int api_routes_admin(api *a)
{
    return http_server_add_routes(a->http, ROUTES, G_N_ELEMENTS(ROUTES), a);
}
