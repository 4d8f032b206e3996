/* fuzz_api: libFuzzer target for every JSON body the HTTP API accepts (docs/architecture.md §7,
 * §9). The first byte picks the route's body kind, the rest is the body text: it is loaded with the
 * limits every request gets (proto_json_load), read with the handler's field readers (aj_*,
 * without a reply) and handed to the store function the handler calls, on a store set up once
 * with fixtures (communes, a box, users, approved, draft, submitted and jingle pieces over media
 * rows, a programme, a filled and published month, a contract). Each call runs in a transaction
 * that is rolled back (plays and status commit their own: their rows are deleted after), so the
 * store stays the same from one input to the next. String values "$piece", "$program" … are
 * replaced by the fixtures' generated ids before the call (tests/fuzz/api.dict lists them). */
#include <errno.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "hash.h"
#include "ingest.h"
#include "proto.h"
#include "publish.h"
#include "store.h"
#include "store_internal.h" /* fixtures use the statement cache */
#include "store_boxes.h"
#include "store_communes.h"
#include "store_contracts.h"
#include "store_media.h"
#include "store_pieces.h"
#include "store_plans.h"
#include "store_plays.h"
#include "store_programs.h"
#include "store_status.h"
#include "store_users.h"
#include "vtime.h"
#include "wallclock.h"

#define WHO      "fuzz"
#define MONTH    "2030-01"
#define BODY_MAX (2 * 1024 * 1024) /* the largest route limit (plays) */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum kind {
    K_LOGIN,
    K_USER_ADD,
    K_USER_PATCH,
    K_COMMUNE_ADD,
    K_BOX_ADD,
    K_PROGRAM_CREATE,
    K_PROGRAM_EDIT,
    K_PLAN_THEME,
    K_ITEM_ADD,
    K_ITEM_UPDATE,
    K_AIRING_ADD,
    K_AIRING_MOVE,
    K_EMERGENCY,
    K_CONTRACT_CREATE,
    K_CONTRACT_UPDATE,
    K_CONTRACT_LINE,
    K_PLAYS,
    K_STATUS,
    K_PIECE_PATCH,
    K_PIECE_REVIEW,
    K_COUNT
};

static struct {
    char *tmp;
    store *s;
    GTimeZone *tz;
    int64_t now_ms, box_id, user_id, contract_id;
    char piece[IDS_UUID_LEN + 1], piece2[IDS_UUID_LEN + 1], draft[IDS_UUID_LEN + 1],
        submitted[IDS_UUID_LEN + 1], jingle[IDS_UUID_LEN + 1];
    char media[HASH_SHA256_HEX_LEN + 1]; /* of F.piece */
    char *program, *airing, *working;
    char pwhash[STORE_PWHASH_MAX];
} F;

static void die(const char *what, int rc)
{
    fprintf(stderr, "fuzz_api: %s: %d %s\n", what, rc, F.s ? store_errmsg(F.s) : "");
    abort();
}

static void must(int rc, const char *what)
{
    if (rc != 0)
        die(what, rc);
}

static void put_piece(const char *seed, const char *title, const char *genre,
                      char id[IDS_UUID_LEN + 1])
{
    store_media r = {.bytes = 12345,
                     .duration_ms = 60000,
                     .loudness_in_lufs = -23.0,
                     .loudness_out_lufs = -16.0,
                     .true_peak_dbtp = -1.5};
    hash_sha256_buf(seed, strlen(seed), r.sha256);
    must(store_media_put(F.s, &r, NULL, NULL), "media");
    store_piece_meta m = {.title = title, .genre = genre, .commune = "Bằng Khánh"};
    must(store_piece_create(F.s, WHO, r.sha256, &m, id), "piece");
    if (!F.media[0])
        memcpy(F.media, r.sha256, sizeof r.sha256);
}

static json_t *load(const char *text)
{
    char err[PROTO_ERR_MAX];
    json_t *j = NULL;
    if (proto_json_load(text, strlen(text), BODY_MAX, &j, err) != 0)
        die(text, -EINVAL);
    return j;
}

static void fixtures_people(void)
{
    int64_t id = 0;
    char token[STORE_BOX_TOKEN_MAX];
    must(store_commune_add(F.s, WHO, "Bằng Khánh", &id), "commune");
    must(store_commune_add(F.s, WHO, "Xuân Lạc", &id), "commune 2");
    must(store_box_add(F.s, WHO, "Nà Pài", "Bằng Khánh", &F.box_id, token), "box");
    must(store_box_add(F.s, WHO, "Khuổi Ó", "Xuân Lạc", &id, token), "box 2");
    /* One hash for every user: argon2id costs a tenth of a second a call. */
    must(store_password_hash("mật khẩu thử 2026", F.pwhash), "hash");
    must(store_user_add(F.s, WHO, "admin", STORE_ROLE_ADMIN, NULL, F.pwhash, &id), "admin");
    must(store_user_add(F.s, WHO, "canbo", STORE_ROLE_OPERATOR, "Xuân Lạc", F.pwhash, &F.user_id),
         "operator");
}

static void fixtures_pieces(void)
{
    put_piece("a", "Bản tin nông thôn mới", "news", F.piece);
    put_piece("b", "Phóng sự điển hình", "news", F.piece2);
    put_piece("c", "Bản nháp", "news", F.draft);
    put_piece("d", "Chờ duyệt", "news", F.submitted);
    put_piece("e", "Nhạc hiệu", "jingle", F.jingle);
    const char *approved[] = {F.piece, F.piece2, F.jingle};
    for (size_t i = 0; i < G_N_ELEMENTS(approved); i++) {
        must(store_piece_transition(F.s, WHO, approved[i], "submitted", NULL), "submit");
        must(store_piece_transition(F.s, WHO, approved[i], "approved", "Đạt"), "approve");
    }
    must(store_piece_transition(F.s, WHO, F.submitted, "submitted", NULL), "submit");
}

static void fixtures_schedule(void)
{
    store_refusal why;
    json_t *prog = load("{\"title\":\"Bản tin sáng\",\"weekdays\":[\"mon\",\"tue\",\"wed\","
                        "\"thu\",\"fri\",\"sat\",\"sun\"],\"start\":\"06:00\",\"length\":30,"
                        "\"targets\":{\"kind\":\"all\"}}");
    json_t *out = NULL;
    must(store_program_create(F.s, WHO, prog, F.tz, F.now_ms, &out, &why), "program");
    F.program = g_strdup(json_string_value(json_object_get(out, "id")));
    json_decref(out);
    json_decref(prog);
    json_t *item = json_pack("{ss si}", "piece", F.piece, "airings", 3);
    must(store_plan_ensure(F.s, WHO, MONTH, &why), "plan");
    must(store_plan_item_add(F.s, WHO, MONTH, item, &why), "item");
    json_decref(item);
    store_plan_fill_run run = {0};
    must(store_plan_fill(F.s, WHO, MONTH, F.tz, F.now_ms, &run, &why), "fill");
    store_plan_fill_run_clear(&run);
    must(publish_month(F.s, WHO, MONTH, F.now_ms, &out, &why), "publish");
    json_decref(out);
    must(store_plan_airings_list(F.s, MONTH, F.tz, &out), "airings");
    json_t *first = json_array_get(json_object_get(out, "airings"), 0);
    F.working = g_strdup(json_string_value(json_object_get(first, "id")));
    json_decref(out);
    sqlite3_stmt *st = NULL;
    must(store_prepare(F.s, "SELECT id FROM airings LIMIT 1", &st), "airing");
    if (sqlite3_step(st) != SQLITE_ROW)
        die("no published airing", -ENOENT);
    F.airing = g_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    json_t *c =
        load("{\"title\":\"Hợp đồng 2030\",\"from\":\"2030-01-01\",\"until\":\"2030-12-31\","
             "\"lines\":[{\"genre\":\"news\",\"pieces_per_month\":2,"
             "\"airings_per_piece\":2}]}");
    must(store_contract_create(F.s, WHO, c, &F.contract_id), "contract");
    json_decref(c);
    if (!F.working || !F.airing)
        die("fixture ids", -ENOENT);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[STORE_ERR_MAX];
    F.tz = vtime_zone();
    F.now_ms = wallclock_now_ms();
    F.tmp = g_dir_make_tmp("loalang-fuzz-api-XXXXXX", NULL);
    char *dir = g_build_filename(F.tmp, "data", NULL);
    if (!F.tmp || store_init(dir, err, sizeof err) != 0 || store_open(dir, &F.s, err, sizeof err))
        die(err, -EIO);
    g_free(dir);
    /* Durability is not what is fuzzed here; fsyncs would cost most of the time. */
    must(store_exec(F.s, "PRAGMA synchronous=OFF"), "pragma");
    must(store_begin(F.s), "begin");
    fixtures_people();
    fixtures_pieces();
    fixtures_schedule();
    must(store_commit(F.s), "commit");
    return 0;
}

/* Fixture ids for the placeholders the corpus and the dictionary use. */
static const char *placeholder(const char *s)
{
    static char box[24], user[24], contract[24];
    g_snprintf(box, sizeof box, "%" G_GINT64_FORMAT, F.box_id);
    g_snprintf(user, sizeof user, "%" G_GINT64_FORMAT, F.user_id);
    g_snprintf(contract, sizeof contract, "%" G_GINT64_FORMAT, F.contract_id);
    const char *map[][2] = {
        {"$piece", F.piece},         {"$piece2", F.piece2},   {"$draft", F.draft},
        {"$submitted", F.submitted}, {"$program", F.program}, {"$airing", F.airing},
        {"$working", F.working},     {"$jingle", F.jingle},   {"$month", MONTH},
        {"$media", F.media},         {"$box", box},           {"$user", user},
        {"$contract", contract}};
    for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
        if (strcmp(s, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

static void substitute(json_t *j, int depth)
{
    const char *key;
    json_t *v;
    size_t i;
    if (depth > 40)
        return;
    if (json_is_object(j)) {
        json_object_foreach(j, key, v)
        {
            const char *id = json_is_string(v) ? placeholder(json_string_value(v)) : NULL;
            if (id)
                json_object_set_new(j, key, json_string(id));
            else
                substitute(v, depth + 1);
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v)
        {
            const char *id = json_is_string(v) ? placeholder(json_string_value(v)) : NULL;
            if (id)
                json_array_set_new(j, i, json_string(id));
            else
                substitute(v, depth + 1);
        }
    }
}

/* ---- the handlers' reading of each body, then the store call: 0 or why it stopped ---- */

static int login(const json_t *b)
{
    const char *name = NULL, *password = NULL;
    int64_t id = 0;
    store_role role;
    char hash[STORE_PWHASH_MAX];
    int rc = aj_str(NULL, b, "user", AJ_REQUIRED, STORE_USER_NAME_MAX, &name);
    if (rc == 0)
        rc = aj_str(NULL, b, "password", AJ_REQUIRED, STORE_PASSWORD_MAX, &password);
    return rc ? rc : store_user_credentials(F.s, name, &id, &role, hash);
}

static int user_add(const json_t *b)
{
    const char *name = NULL, *role = NULL, *commune = NULL, *password = NULL;
    store_role r;
    int64_t id = 0;
    if (aj_str(NULL, b, "name", AJ_REQUIRED, STORE_USER_NAME_MAX, &name) != 0 ||
        aj_str(NULL, b, "role", AJ_REQUIRED, 32, &role) != 0 ||
        aj_str(NULL, b, "commune", AJ_OPTIONAL | AJ_NULLABLE, STORE_NAME_MAX, &commune) != 0 ||
        aj_str(NULL, b, "password", AJ_REQUIRED, STORE_PASSWORD_MAX, &password) != 0 ||
        store_role_parse(role, &r) != 0)
        return -EINVAL;
    return store_user_add(F.s, WHO, name, r, commune, F.pwhash, &id);
}

static int user_patch(const json_t *b)
{
    bool disabled = false;
    int rc = aj_bool(NULL, b, "disabled", AJ_REQUIRED, &disabled);
    return rc ? rc : store_user_set_disabled(F.s, WHO, F.user_id, disabled);
}

static int commune_add(const json_t *b)
{
    const char *name = NULL;
    int64_t id = 0;
    int rc = aj_str(NULL, b, "name", AJ_REQUIRED, STORE_NAME_MAX, &name);
    return rc ? rc : store_commune_add(F.s, WHO, name, &id);
}

static int box_add(const json_t *b)
{
    const char *name = NULL, *commune = NULL;
    int64_t id = 0;
    char token[STORE_BOX_TOKEN_MAX];
    int rc = aj_str(NULL, b, "name", AJ_REQUIRED, STORE_NAME_MAX, &name);
    if (rc == 0)
        rc = aj_str(NULL, b, "commune", AJ_REQUIRED, STORE_NAME_MAX, &commune);
    return rc ? rc : store_box_add(F.s, WHO, name, commune, &id, token);
}

static int plan_theme(const json_t *b)
{
    const json_t *t = json_object_get(b, "theme");
    if (t && !json_is_string(t) && !json_is_null(t))
        return -EINVAL;
    return store_plan_set_theme(F.s, WHO, MONTH, json_string_value(t), NULL);
}

static int airing_move(const json_t *b, json_t **out)
{
    const char *start = NULL;
    int64_t ms = 0;
    int rc = aj_str(NULL, b, "start", AJ_REQUIRED, 64, &start);
    if (rc == 0)
        rc = vtime_parse_rfc3339(start, &ms);
    return rc ? rc : store_plan_airing_move(F.s, WHO, F.working, ms, F.tz, out, NULL);
}

static int emergency(const json_t *b, json_t **out)
{
    const char *piece = NULL;
    int rc = aj_str(NULL, b, "piece", AJ_REQUIRED, 64, &piece);
    return rc ? rc
              : publish_emergency(F.s, WHO, piece, json_object_get(b, "targets"), F.tz, F.now_ms,
                                  out, NULL);
}

static int contract_line(json_t *b)
{
    /* The genre comes from the path; the handler writes it into the body. */
    const json_t *g = json_object_get(b, "genre");
    char *genre = g_strdup(json_is_string(g) ? json_string_value(g) : "news");
    json_object_set_new(b, "genre", json_string(genre));
    g_free(genre);
    return store_contract_line_set(F.s, WHO, F.contract_id, b);
}

static int piece_patch(const json_t *b)
{
    store_piece_meta m = {0};
    const unsigned opt = AJ_OPTIONAL;
    if (aj_str(NULL, b, "title", opt, STORE_PIECE_TITLE_MAX, &m.title) != 0 ||
        aj_str(NULL, b, "genre", opt, 16, &m.genre) != 0 ||
        aj_str(NULL, b, "priority", opt, 16, &m.priority) != 0 ||
        aj_str(NULL, b, "theme", opt | AJ_NULLABLE, STORE_PIECE_TITLE_MAX, &m.theme) != 0 ||
        aj_str(NULL, b, "exemplar", opt | AJ_NULLABLE, STORE_PIECE_TITLE_MAX, &m.exemplar) != 0 ||
        aj_str(NULL, b, "commune", opt | AJ_NULLABLE, STORE_NAME_MAX, &m.commune) != 0)
        return -EINVAL;
    if (json_is_null(json_object_get(b, "theme")))
        m.theme = "";
    if (json_is_null(json_object_get(b, "exemplar")))
        m.exemplar = "";
    if (json_is_null(json_object_get(b, "commune")))
        m.commune = "";
    return store_piece_update(F.s, WHO, F.draft, &m);
}

static int piece_review(const json_t *b, uint8_t sel)
{
    static const char *const to[] = {"approved", "rejected", "retired", "submitted"};
    const char *note = NULL;
    int rc = aj_str(NULL, b, "note", AJ_OPTIONAL, STORE_PIECE_NOTE_MAX, &note);
    return rc ? rc : store_piece_transition(F.s, WHO, F.submitted, to[sel % 4], note);
}

/* The writers that take the caller's transaction. */
static int in_tx(enum kind k, json_t *b, uint8_t sel)
{
    json_t *out = NULL;
    int64_t id = 0;
    int rc = -EINVAL;
    switch (k) {
    case K_LOGIN:
        rc = login(b);
        break;
    case K_USER_ADD:
        rc = user_add(b);
        break;
    case K_USER_PATCH:
        rc = user_patch(b);
        break;
    case K_COMMUNE_ADD:
        rc = commune_add(b);
        break;
    case K_BOX_ADD:
        rc = box_add(b);
        break;
    case K_PROGRAM_CREATE:
        rc = store_program_create(F.s, WHO, b, F.tz, F.now_ms, &out, NULL);
        break;
    case K_PROGRAM_EDIT:
        rc = store_program_edit(F.s, WHO, F.program, b, F.tz, F.now_ms, &out, NULL);
        break;
    case K_PLAN_THEME:
        rc = plan_theme(b);
        break;
    case K_ITEM_ADD:
        rc = store_plan_item_add(F.s, WHO, MONTH, b, NULL);
        break;
    case K_ITEM_UPDATE:
        rc = store_plan_item_update(F.s, WHO, MONTH, F.piece, b, NULL);
        break;
    case K_AIRING_ADD:
        rc = store_plan_airing_add(F.s, WHO, MONTH, b, F.tz, &out, NULL);
        break;
    case K_AIRING_MOVE:
        rc = airing_move(b, &out);
        break;
    case K_EMERGENCY:
        rc = emergency(b, &out);
        break;
    case K_CONTRACT_CREATE:
        rc = store_contract_create(F.s, WHO, b, &id);
        break;
    case K_CONTRACT_UPDATE:
        rc = store_contract_update(F.s, WHO, F.contract_id, b);
        break;
    case K_CONTRACT_LINE:
        rc = contract_line(b);
        break;
    case K_PIECE_PATCH:
        rc = piece_patch(b);
        break;
    case K_PIECE_REVIEW:
        rc = piece_review(b, sel);
        break;
    default:
        break;
    }
    json_decref(out);
    return rc;
}

/* Plays and status commit their own transaction, as in the handlers. */
static int own_tx(enum kind k, json_t *b)
{
    json_t *out = NULL;
    int rc = -EINVAL;
    if (k == K_PLAYS) {
        const json_t *plays = json_object_get(b, "plays");
        if (json_is_array(plays) && (rc = store_plays_ingest(F.s, F.box_id, plays, &out)) == 0)
            must(store_exec(F.s, "DELETE FROM plays"), "clean plays");
    } else if ((rc = store_status_report(F.s, F.box_id, b, F.now_ms, F.tz, &out)) == 0) {
        must(store_exec(F.s, "DELETE FROM box_status"), "clean status");
    }
    json_decref(out);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[PROTO_ERR_MAX];
    json_t *body = NULL;
    int rc;
    if (size < 1)
        return 0;
    enum kind k = (enum kind)(data[0] % K_COUNT);
    if (proto_json_load((const char *)data + 1, size - 1, BODY_MAX, &body, err) != 0 ||
        !json_is_object(body)) { /* aj_object refuses these */
        rc = -EBADMSG;
    } else if (k == K_PLAYS || k == K_STATUS) {
        substitute(body, 0);
        rc = own_tx(k, body);
    } else {
        substitute(body, 0);
        must(store_begin(F.s), "begin");
        rc = in_tx(k, body, (uint8_t)(data[0] / K_COUNT));
        store_rollback(F.s);
    }
    /* FUZZ_API_TRACE=1: how each input ends, to see that the seeds reach the store. */
    if (getenv("FUZZ_API_TRACE"))
        fprintf(stderr, "fuzz_api: kind %d: %d %s\n", (int)k, rc,
                rc && rc != -EBADMSG ? store_errmsg(F.s) : "");
    json_decref(body);
    return 0;
}
