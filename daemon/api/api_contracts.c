/* api_contracts: the contracts between the centre and Phòng Nội vụ, with one line per genre.
 * Approvers and admins write them; technicians read them (they plan to meet them). */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "api_internal.h"
#include "store_contracts.h"

#define READERS (API_ADMIN | API_TECH | API_APPROVER)
#define WRITERS (API_ADMIN | API_APPROVER)

typedef struct contract_op {
    api_user by;
    int64_t id;
    const char *genre;
    json_t *in;
} contract_op;

static int id_param(http_req *r, int64_t *id)
{
    char *end = NULL;
    const char *s = http_param(r, "id");
    gint64 v = s ? g_ascii_strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || v <= 0) {
        http_reply_error(r, 404, "not_found", "Không tìm thấy hợp đồng.");
        return -ENOENT;
    }
    *id = v;
    return 0;
}

/* The contract store explains refusals in English (store_errmsg, for logs); people get the
 * Vietnamese sentence for it. Matched on a distinctive part of each store message. */
static const struct {
    const char *english, *vietnamese;
} REFUSALS[] = {
    {"both given", "Một dòng chỉ ghi số tin mỗi tháng hoặc số tin cả kỳ, không ghi cả hai."},
    {"max_ms below min_ms", "Thời lượng tối đa nhỏ hơn thời lượng tối thiểu."},
    {"line.genre", "Thể loại của dòng phải là news, article, report hoặc interview."},
    {"not an integer", "Các con số của dòng hợp đồng phải là số nguyên không âm, trong giới hạn."},
    {"not a date", "Ngày phải có dạng YYYY-MM-DD."},
    {"reach_permille", "Tỉ lệ phủ sóng (reach_permille) phải từ 1 đến 1000."},
    {"title:", "Tên hợp đồng không hợp lệ."},
    {"are required", "Hợp đồng cần tên (title), ngày bắt đầu (from) và ngày kết thúc (until)."},
    {"from after until", "Ngày bắt đầu hợp đồng nằm sau ngày kết thúc."},
    {"lines: not an array", "Trường \"lines\" phải là một mảng."},
    {"not an object", "Hợp đồng và mỗi dòng của nó phải là đối tượng JSON."},
};

static int contract_fail(http_req *r, api *a, int rc)
{
    if (rc != -EINVAL)
        return api_fail(r, a, rc, "hợp đồng");
    const char *why = store_errmsg(a->db);
    for (size_t i = 0; why && i < G_N_ELEMENTS(REFUSALS); i++)
        if (strstr(why, REFUSALS[i].english))
            return http_reply_error(r, 400, "invalid", "%s", REFUSALS[i].vietnamese);
    return http_reply_error(r, 400, "invalid", "Dữ liệu hợp đồng không hợp lệ.");
}

static int reply_contract(http_req *r, api *a, int64_t id, unsigned status)
{
    json_t *c = NULL;
    int rc = store_contract_get(a->db, id, &c);
    return rc ? contract_fail(r, a, rc) : http_reply_json(r, status, c);
}

static int contracts_get(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    json_t *list = NULL;
    if (api_user_require(r, a, READERS, &u) != 0)
        return 0;
    int rc = store_contract_list(a->db, &list);
    return rc ? contract_fail(r, a, rc) : http_reply_json(r, 200, list);
}

static int contract_get(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    int64_t id = 0;
    if (api_user_require(r, a, READERS, &u) != 0 || id_param(r, &id) != 0)
        return 0;
    return reply_contract(r, a, id, 200);
}

static int create_tx(api *a, void *ctx)
{
    contract_op *op = ctx;
    return store_contract_create(a->db, op->by.who, op->in, &op->id);
}

static int update_tx(api *a, void *ctx)
{
    contract_op *op = ctx;
    return store_contract_update(a->db, op->by.who, op->id, op->in);
}

static int delete_tx(api *a, void *ctx)
{
    contract_op *op = ctx;
    return store_contract_delete(a->db, op->by.who, op->id);
}

static int line_set_tx(api *a, void *ctx)
{
    contract_op *op = ctx;
    json_object_set_new(op->in, "genre", json_string(op->genre));
    return store_contract_line_set(a->db, op->by.who, op->id, op->in);
}

static int line_delete_tx(api *a, void *ctx)
{
    contract_op *op = ctx;
    return store_contract_line_delete(a->db, op->by.who, op->id, op->genre);
}

/* Checks the caller, the id (unless creating) and the body (when wanted), runs fn in a
 * transaction and answers with the contract. */
static int change(http_req *r, api *a, int (*fn)(api *, void *), bool with_id, bool body,
                  unsigned ok)
{
    contract_op op = {.genre = http_param(r, "genre")};
    if (api_user_require(r, a, WRITERS, &op.by) != 0 || (with_id && id_param(r, &op.id) != 0) ||
        (body && aj_object(r, &op.in) != 0))
        return 0;
    int rc = api_tx(a, fn, &op);
    json_decref(op.in);
    if (rc != 0)
        return contract_fail(r, a, rc);
    return fn == delete_tx ? http_reply_empty(r, 204) : reply_contract(r, a, op.id, ok);
}

static int contracts_post(http_req *r, void *ud)
{
    return change(r, ud, create_tx, false, true, 201);
}

static int contract_patch(http_req *r, void *ud)
{
    return change(r, ud, update_tx, true, true, 200);
}

static int contract_delete(http_req *r, void *ud)
{
    return change(r, ud, delete_tx, true, false, 204);
}

static int line_put(http_req *r, void *ud)
{
    return change(r, ud, line_set_tx, true, true, 200);
}

static int line_delete(http_req *r, void *ud)
{
    return change(r, ud, line_delete_tx, true, false, 200);
}

static const http_route ROUTES[] = {
    {"GET", "/api/v1/contracts", contracts_get, 0, NULL, NULL},
    {"POST", "/api/v1/contracts", contracts_post, 65536, NULL, NULL},
    {"GET", "/api/v1/contracts/:id", contract_get, 0, NULL, NULL},
    {"PATCH", "/api/v1/contracts/:id", contract_patch, 65536, NULL, NULL},
    {"DELETE", "/api/v1/contracts/:id", contract_delete, 0, NULL, NULL},
    {"PUT", "/api/v1/contracts/:id/lines/:genre", line_put, 8192, NULL, NULL},
    {"DELETE", "/api/v1/contracts/:id/lines/:genre", line_delete, 0, NULL, NULL},
};

int api_routes_contracts(api *a)
{
    return http_server_add_routes(a->http, ROUTES, G_N_ELEMENTS(ROUTES), a);
}
