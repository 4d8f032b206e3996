/* api_pieces: radio pieces (tin bài). Uploads stream to a temp file in the media dir (never
 * whole in memory), as a multipart form (field "file" plus the metadata fields) or as a raw
 * audio body with the metadata in the query string; the ingest (decode, loudness, Opus) runs
 * in the thread pool, then the media row and the draft piece are committed together. The
 * review flow: technicians submit and retire, approvers (Phòng Nội vụ) approve or reject with
 * a note; every step is audited. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_internal.h"
#include "api_words.h"
#include "fileio.h"
#include "ingest.h"
#include "log.h"
#include "store_media.h"
#include "store_pieces.h"
#include "vtime.h"

#define WRITERS      (API_ADMIN | API_TECH)
#define FIELD_MAX    2048
#define UPLOAD_ROUTE ((size_t)64 << 30) /* the configured limit is checked while streaming */

static const char *const META_FIELDS[] = {"title",   "genre",    "theme", "exemplar",
                                          "commune", "priority", "submit"};

typedef struct upload {
    api *a;
    api_user by;
    int fd;
    char *tmp;
    uint64_t bytes;
    http_form *form;
    bool is_form;       /* form stays NULL once the body ended; this does not */
    GHashTable *fields; /* name → GString, the form's text fields */
    bool has_file;
    store_piece_meta meta;
    json_t *meta_json;
    bool submit;
    ingest_opts opts;
    ingest_result res;
    char id[IDS_UUID_LEN + 1];
} upload;

/* Removes the upload's temp file. Called before any reply is queued, not only when the
 * request is freed (after the reply went out): whoever reads a reply finds no temp left. */
static void drop_temp(upload *u)
{
    if (u->fd >= 0)
        close(u->fd);
    u->fd = -1;
    if (u->tmp) {
        unlink(u->tmp);
        g_free(u->tmp);
        u->tmp = NULL;
    }
}

static void upload_free(void *p)
{
    upload *u = p;
    drop_temp(u);
    http_form_free(u->form);
    if (u->fields)
        g_hash_table_destroy(u->fields);
    json_decref(u->meta_json);
    free(u);
}

/* Appends to the upload's temp file; any failure is -EIO (answered with a 500). */
static int upload_write(upload *u, const char *data, size_t len)
{
    return fileio_write_all(u->fd, data, len) == 0 ? 0 : -EIO;
}

static bool is_meta(const char *field)
{
    for (size_t i = 0; field && i < G_N_ELEMENTS(META_FIELDS); i++)
        if (!strcmp(field, META_FIELDS[i]))
            return true;
    return false;
}

/* One piece of a form field: the file goes to the temp file, metadata into fields. */
static int on_field(void *arg, const char *field, const char *filename, const char *type,
                    uint64_t off, const char *data, size_t len)
{
    (void)type;
    (void)off;
    upload *u = arg;
    if (field && !strcmp(field, "file")) {
        u->has_file = u->has_file || filename != NULL || len > 0;
        return upload_write(u, data, len);
    }
    if (!is_meta(field))
        return 0; /* unknown fields are ignored, as in JSON bodies */
    GString *v = g_hash_table_lookup(u->fields, field);
    if (!v) {
        v = g_string_new(NULL);
        g_hash_table_insert(u->fields, g_strdup(field), v);
    }
    if (v->len + len > FIELD_MAX)
        return -E2BIG;
    g_string_append_len(v, data, (gssize)len);
    return 0;
}

static void free_gstring(gpointer p)
{
    g_string_free(p, TRUE);
}

/* The first chunk: who is uploading, and where the bytes go. */
static int upload_start(http_req *r, api *a, upload **out)
{
    upload *u = calloc(1, sizeof *u);
    if (!u)
        return -ENOMEM;
    u->a = a;
    u->fd = -1;
    http_set_state(r, u, upload_free);
    if (api_user_require(r, a, WRITERS, &u->by) != 0)
        return -EACCES;
    /* Named like ingest's temp files so that a crash's leftovers are swept at start-up. */
    u->tmp = g_strdup_printf("%s/%s/.ingest-upload-XXXXXX", a->data_dir, STORE_MEDIA_DIR);
    u->fd = g_mkstemp_full(u->tmp, O_RDWR | O_CLOEXEC, 0600);
    if (u->fd < 0) {
        g_free(u->tmp);
        u->tmp = NULL;
        log_error("upload temp file: %s", g_strerror(errno));
        http_reply_error(r, 500, "internal", "Không ghi được tệp tải lên.");
        return -EIO;
    }
    u->fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_gstring);
    const char *ct = http_header(r, "Content-Type");
    if (ct && (g_str_has_prefix(ct, "multipart/form-data") ||
               g_str_has_prefix(ct, "application/x-www-form-urlencoded"))) {
        u->is_form = true;
        int rc = http_form_new(r, on_field, u, &u->form);
        if (rc != 0) {
            http_reply_error(r, 400, "bad_form", "Biểu mẫu tải lên không hợp lệ.");
            return rc;
        }
    }
    *out = u;
    return 0;
}

static int refuse_too_large(http_req *r, api *a)
{
    http_reply_error(r, 413, "too_large", "Tệp tải lên quá lớn (tối đa %llu MB).",
                     (unsigned long long)(a->opt.max_upload_bytes >> 20));
    return -EFBIG;
}

/* Before the body: the uploader's session and the declared size, so that nobody can make the
 * server read hundreds of MB first (the body's route limit is far above the configured one). */
static int upload_headers(http_req *r, void *ud)
{
    api *a = ud;
    api_user by;
    if (api_user_require(r, a, WRITERS, &by) != 0)
        return -EACCES;
    const char *cl = http_header(r, "Content-Length");
    guint64 declared = cl ? g_ascii_strtoull(cl, NULL, 10) : 0;
    if (a->opt.max_upload_bytes && declared > a->opt.max_upload_bytes)
        return refuse_too_large(r, a);
    return 0;
}

static int upload_body(http_req *r, const char *data, size_t len, void *ud)
{
    api *a = ud;
    upload *u = http_state(r);
    int rc = 0;
    if (!u && (rc = upload_start(r, a, &u)) != 0) {
        if ((u = http_state(r)))
            drop_temp(u);
        return rc;
    }
    if (len == 0) {
        if (u->form) {
            rc = http_form_free(u->form);
            u->form = NULL;
            if (rc != 0) {
                drop_temp(u);
                http_reply_error(r, 400, "bad_form", "Biểu mẫu tải lên bị cắt ngang hoặc sai.");
                return rc;
            }
        }
        return 0;
    }
    u->bytes += len;
    if (a->opt.max_upload_bytes && u->bytes > a->opt.max_upload_bytes) {
        drop_temp(u);
        return refuse_too_large(r, a);
    }
    rc = u->form ? http_form_feed(u->form, data, len) : upload_write(u, data, len);
    if (rc != 0)
        drop_temp(u);
    if (rc == -E2BIG)
        http_reply_error(r, 400, "invalid_field", "Một trường của biểu mẫu quá dài.");
    else if (rc == -EIO)
        http_reply_error(r, 500, "internal", "Không ghi được tệp tải lên.");
    else if (rc != 0)
        http_reply_error(r, 400, "bad_form", "Biểu mẫu tải lên không hợp lệ.");
    return rc;
}

/* A metadata field from the form, else from the query string; NULL when absent. */
static const char *meta_value(http_req *r, upload *u, const char *name)
{
    GString *v = u->fields ? g_hash_table_lookup(u->fields, name) : NULL;
    return v ? v->str : http_query(r, name);
}

static int read_meta(http_req *r, upload *u)
{
    json_t *o = json_object();
    for (size_t i = 0; i < G_N_ELEMENTS(META_FIELDS); i++) {
        const char *v = meta_value(r, u, META_FIELDS[i]);
        if (v && *v)
            json_object_set_new(o, META_FIELDS[i], json_string(v));
    }
    /* json_string refuses invalid UTF-8: such a field is simply absent, then required or
     * refused below with the field's name. */
    int rc = aj_str(r, o, "title", AJ_REQUIRED, STORE_PIECE_TITLE_MAX, &u->meta.title);
    if (rc == 0)
        rc = aj_str(r, o, "genre", AJ_REQUIRED, 16, &u->meta.genre);
    if (rc == 0)
        rc = aj_str(r, o, "theme", AJ_OPTIONAL, STORE_PIECE_TITLE_MAX, &u->meta.theme);
    if (rc == 0)
        rc = aj_str(r, o, "exemplar", AJ_OPTIONAL, STORE_PIECE_TITLE_MAX, &u->meta.exemplar);
    if (rc == 0)
        rc = aj_str(r, o, "commune", AJ_OPTIONAL, STORE_NAME_MAX, &u->meta.commune);
    if (rc == 0)
        rc = aj_str(r, o, "priority", AJ_OPTIONAL, 16, &u->meta.priority);
    const char *submit = json_string_value(json_object_get(o, "submit"));
    u->submit = submit && (!strcmp(submit, "1") || !strcmp(submit, "true"));
    u->meta_json = o; /* the meta strings borrow from it */
    return rc;
}

static int ingest_work(void *arg)
{
    upload *u = arg;
    char *media = g_build_filename(u->a->data_dir, STORE_MEDIA_DIR, NULL);
    int rc = ingest_file(u->tmp, media, &u->opts, &u->res);
    g_free(media);
    return rc;
}

static int record_tx(api *a, void *ctx)
{
    upload *u = ctx;
    store_media m = api_media_row(&u->res);
    int rc = store_media_put(a->db, &m, NULL, NULL);
    if (rc == 0)
        rc = store_piece_create(a->db, u->by.who, u->res.sha256, &u->meta, u->id);
    if (rc == 0 && u->submit)
        rc = store_piece_transition(a->db, u->by.who, u->id, "submitted", NULL);
    return rc;
}

static void ingested(http_req *r, void *arg, int status)
{
    upload *u = arg;
    api *a = u->a;
    json_t *piece = NULL;
    if (status != 0 && !ingest_error_is_client(status))
        log_error("ingest %s: %s", u->tmp, u->res.detail);
    drop_temp(u); /* ingested or refused, the upload itself is done with */
    if (status != 0) {
        if (ingest_error_is_client(status)) {
            http_reply_error(r, status == -INGEST_ERR_TOO_LARGE ? 413 : 422,
                             ingest_error_code(status), "%s", ingest_error_message(status));
        } else {
            http_reply_error(r, 500, "internal", "%s", ingest_error_message(status));
        }
        return;
    }
    int rc = api_tx(a, record_tx, u);
    if (rc != 0) {
        if (!u->res.deduplicated)
            store_media_discard_new(a->db, a->data_dir, u->res.sha256);
        if (rc == -ENOENT)
            http_reply_error(r, 400, "unknown_commune", "Không có xã \"%s\".",
                             u->meta.commune ? u->meta.commune : "");
        else if (rc == -EINVAL)
            http_reply_error(r, 400, "invalid",
                             "Thông tin tin bài không hợp lệ: tiêu đề, thể loại (news, article, "
                             "report, interview, jingle) hoặc mức ưu tiên.");
        else
            api_fail(r, a, rc, "tin bài");
        return;
    }
    rc = store_piece_get(a->db, vtime_zone(), u->id, &piece);
    if (rc != 0) {
        api_fail(r, a, rc, "tin bài");
        return;
    }
    json_object_set_new(piece, "deduplicated", json_boolean(u->res.deduplicated));
    http_reply_json(r, 201, piece);
}

static int upload_done(http_req *r, void *ud)
{
    api *a = ud;
    upload *u = http_state(r);
    if (!u)
        return http_reply_error(r, 400, "empty", "%s", ingest_error_message(-INGEST_ERR_EMPTY));
    if (read_meta(r, u) != 0) {
        drop_temp(u);
        return 0;
    }
    if (u->is_form && !u->has_file) {
        drop_temp(u);
        return http_reply_error(r, 400, "invalid_field", "Thiếu tệp âm thanh (trường \"file\").");
    }
    close(u->fd);
    u->fd = -1;
    ingest_opts_default(&u->opts);
    if (a->opt.bitrate > 0)
        u->opts.bitrate = a->opt.bitrate;
    if (a->opt.target_lufs < 0)
        u->opts.target_lufs = a->opt.target_lufs;
    if (a->opt.true_peak_dbtp < 0)
        u->opts.max_true_peak = a->opt.true_peak_dbtp;
    if (a->opt.max_upload_bytes > 0)
        u->opts.max_bytes = (int64_t)a->opt.max_upload_bytes;
    if (a->opt.max_upload_ms > 0)
        u->opts.max_duration_ms = a->opt.max_upload_ms;
    return http_queue_defer(a->ingests, r, ingest_work, ingested, NULL, u);
}

/* ---- reading ---- */

#define READERS (API_ADMIN | API_TECH | API_APPROVER | API_OPERATOR)

static int pieces_get(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    store_piece_filter f = {0};
    json_t *out = NULL;
    char *end = NULL;
    if (api_user_require(r, a, READERS, &u) != 0)
        return 0;
    f.month = http_query(r, "month");
    f.approved_month = http_query(r, "approved_month");
    f.genre = http_query(r, "genre");
    f.status = http_query(r, "status");
    f.commune = http_query(r, "commune");
    f.text = http_query(r, "text");
    const char *limit = http_query(r, "limit"), *offset = http_query(r, "offset");
    if (limit && ((f.limit = g_ascii_strtoll(limit, &end, 10)) <= 0 || *end))
        return http_reply_error(r, 400, "invalid_query", "Tham số limit phải là số dương.");
    if (offset && ((f.offset = g_ascii_strtoll(offset, &end, 10)) < 0 || *end))
        return http_reply_error(r, 400, "invalid_query", "Tham số offset phải là số không âm.");
    if (u.u.role == STORE_ROLE_OPERATOR)
        f.only_commune_id = u.u.commune_id;
    int rc = store_piece_list(a->db, vtime_zone(), &f, &out);
    if (rc == -EINVAL)
        return http_reply_error(r, 400, "invalid_query",
                                "Bộ lọc không hợp lệ (tháng dạng YYYY-MM, thể loại, trạng thái).");
    return rc ? api_fail(r, a, rc, "tin bài") : http_reply_json(r, 200, out);
}

/* The piece, when u may see it (operators: pieces about their commune); replied otherwise. */
static int load_piece(http_req *r, api *a, const api_user *u, json_t **out)
{
    int rc = store_piece_get(a->db, vtime_zone(), http_param(r, "id"), out);
    if (rc != 0) {
        api_fail(r, a, rc, "tin bài");
        return rc;
    }
    const char *commune = json_string_value(json_object_get(*out, "commune"));
    if (u->u.role == STORE_ROLE_OPERATOR && (!commune || strcmp(commune, u->u.commune) != 0)) {
        json_decref(*out);
        http_reply_error(r, 404, "not_found", "Không tìm thấy tin bài.");
        return -ENOENT;
    }
    return 0;
}

static int piece_get(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    json_t *p = NULL;
    if (api_user_require(r, a, READERS, &u) != 0 || load_piece(r, a, &u, &p) != 0)
        return 0;
    return http_reply_json(r, 200, p);
}

/* ---- changes ---- */

typedef struct piece_op {
    api_user by;
    const char *id, *to, *note;
    store_piece_meta meta;
} piece_op;

static int update_tx(api *a, void *ctx)
{
    piece_op *op = ctx;
    return store_piece_update(a->db, op->by.who, op->id, &op->meta);
}

static int transition_tx(api *a, void *ctx)
{
    piece_op *op = ctx;
    return store_piece_transition(a->db, op->by.who, op->id, op->to, op->note);
}

static int reply_piece(http_req *r, api *a, const char *id)
{
    json_t *p = NULL;
    int rc = store_piece_get(a->db, vtime_zone(), id, &p);
    return rc ? api_fail(r, a, rc, "tin bài") : http_reply_json(r, 200, p);
}

/* The store says -ENOENT for an unknown piece and for an unknown commune alike. */
static bool piece_exists(api *a, const char *id)
{
    json_t *p = NULL;
    if (store_piece_get(a->db, vtime_zone(), id, &p) != 0)
        return false;
    json_decref(p);
    return true;
}

static int piece_patch(http_req *r, void *ud)
{
    api *a = ud;
    piece_op op = {.id = http_param(r, "id")};
    json_t *body = NULL;
    if (api_user_require(r, a, WRITERS, &op.by) != 0 || aj_object(r, &body) != 0)
        return 0;
    const unsigned opt = AJ_OPTIONAL;
    if (aj_str(r, body, "title", opt, STORE_PIECE_TITLE_MAX, &op.meta.title) != 0 ||
        aj_str(r, body, "genre", opt, 16, &op.meta.genre) != 0 ||
        aj_str(r, body, "priority", opt, 16, &op.meta.priority) != 0 ||
        aj_str(r, body, "theme", opt | AJ_NULLABLE, STORE_PIECE_TITLE_MAX, &op.meta.theme) != 0 ||
        aj_str(r, body, "exemplar", opt | AJ_NULLABLE, STORE_PIECE_TITLE_MAX, &op.meta.exemplar) !=
            0 ||
        aj_str(r, body, "commune", opt | AJ_NULLABLE, STORE_NAME_MAX, &op.meta.commune) != 0)
        goto out;
    /* null clears a field; the store clears on "". */
    if (json_is_null(json_object_get(body, "theme")))
        op.meta.theme = "";
    if (json_is_null(json_object_get(body, "exemplar")))
        op.meta.exemplar = "";
    if (json_is_null(json_object_get(body, "commune")))
        op.meta.commune = "";
    int rc = api_tx(a, update_tx, &op);
    if (rc == -EPERM)
        http_reply_error(r, 409, "not_editable",
                         "Chỉ sửa được tin bài ở trạng thái nháp hoặc bị từ chối.");
    else if (rc == -EINVAL)
        http_reply_error(r, 400, "invalid",
                         "Thông tin tin bài không hợp lệ: tiêu đề, thể loại hoặc mức ưu tiên.");
    else if (rc == -ENOENT && op.meta.commune && *op.meta.commune && piece_exists(a, op.id))
        http_reply_error(r, 400, "unknown_commune", "Không có xã \"%s\".", op.meta.commune);
    else if (rc != 0)
        api_fail(r, a, rc, "tin bài");
    else
        reply_piece(r, a, op.id);
out:
    json_decref(body);
    return 0;
}

static int transition(http_req *r, api *a, unsigned roles, const char *to, bool note_required)
{
    piece_op op = {.id = http_param(r, "id"), .to = to};
    json_t *body = NULL, *current = NULL;
    size_t len = 0;
    if (api_user_require(r, a, roles, &op.by) != 0)
        return 0;
    if (http_body(r, &len) && len > 0) {
        if (aj_object(r, &body) != 0)
            goto out;
        /* An empty note is no note (a form's untouched text box), not an error. */
        const json_t *note = json_object_get(body, "note");
        if (!(json_is_string(note) && json_string_length(note) == 0) &&
            aj_str(r, body, "note", AJ_OPTIONAL, STORE_PIECE_NOTE_MAX, &op.note) != 0)
            goto out;
    }
    if (note_required && !op.note) {
        http_reply_error(r, 400, "note_required", "Cần ghi lý do khi từ chối tin bài.");
        goto out;
    }
    int rc = api_tx(a, transition_tx, &op);
    if (rc == -EINVAL && store_piece_get(a->db, vtime_zone(), op.id, &current) == 0) {
        const char *from = json_string_value(json_object_get(current, "status"));
        http_reply_error(r, 409, "bad_transition",
                         "Không thể chuyển tin bài từ trạng thái \"%s\" sang \"%s\".",
                         api_words_piece_status(from), api_words_piece_status(to));
    } else if (rc != 0) {
        api_fail(r, a, rc, "tin bài");
    } else {
        reply_piece(r, a, op.id);
    }
out:
    json_decref(current);
    json_decref(body);
    return 0;
}

static int piece_submit(http_req *r, void *ud)
{
    return transition(r, ud, WRITERS, "submitted", false);
}

static int piece_approve(http_req *r, void *ud)
{
    return transition(r, ud, API_APPROVER, "approved", false);
}

static int piece_reject(http_req *r, void *ud)
{
    return transition(r, ud, API_APPROVER, "rejected", true);
}

static int piece_retire(http_req *r, void *ud)
{
    return transition(r, ud, WRITERS, "retired", false);
}

static const http_route ROUTES[] = {
    {"POST", "/api/v1/pieces", upload_done, UPLOAD_ROUTE, upload_body, upload_headers},
    {"GET", "/api/v1/pieces", pieces_get, 0, NULL, NULL},
    {"GET", "/api/v1/pieces/:id", piece_get, 0, NULL, NULL},
    {"PATCH", "/api/v1/pieces/:id", piece_patch, 16384, NULL, NULL},
    {"POST", "/api/v1/pieces/:id/submit", piece_submit, 8192, NULL, NULL},
    {"POST", "/api/v1/pieces/:id/approve", piece_approve, 8192, NULL, NULL},
    {"POST", "/api/v1/pieces/:id/reject", piece_reject, 8192, NULL, NULL},
    {"POST", "/api/v1/pieces/:id/retire", piece_retire, 8192, NULL, NULL},
};

int api_routes_pieces(api *a)
{
    return http_server_add_routes(a->http, ROUTES, G_N_ELEMENTS(ROUTES), a);
}
