/* publish: see publish.h. */
#include "publish.h"

#include <errno.h>
#include <string.h>

#include "ids.h"
#include "proto.h"
#include "store_audit.h"
#include "store_events.h"
#include "store_refusal.h"
#include "vtime.h"
#include "wallclock.h"

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? g_strdup((const char *)t) : NULL;
}

/* A row of airings (or a working airing with its piece's media and programme's title). */
typedef struct row {
    char *id, *piece, *media, *priority, *program, *program_title, *kind, *targets;
    int64_t start_ms, duration_ms;
} row;

static void row_clear(gpointer p)
{
    row *r = p;
    g_free(r->id);
    g_free(r->piece);
    g_free(r->media);
    g_free(r->priority);
    g_free(r->program);
    g_free(r->program_title);
    g_free(r->kind);
    g_free(r->targets);
}

static row row_read(sqlite3_stmt *st)
{
    return (row){col_dup(st, 0),
                 col_dup(st, 1),
                 col_dup(st, 2),
                 col_dup(st, 3),
                 col_dup(st, 4),
                 col_dup(st, 5),
                 col_dup(st, 6),
                 col_dup(st, 7),
                 sqlite3_column_int64(st, 8),
                 sqlite3_column_int64(st, 9)};
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool row_equal(const row *a, const row *b)
{
    return same(a->piece, b->piece) && same(a->media, b->media) && same(a->priority, b->priority) &&
           same(a->program, b->program) && same(a->program_title, b->program_title) &&
           same(a->kind, b->kind) && same(a->targets, b->targets) && a->start_ms == b->start_ms &&
           a->duration_ms == b->duration_ms;
}

static int rows_query(store *s, const char *sql, const char *month, int64_t now_ms, GArray *out)
{
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_DONE;
    int ret = store_prepare(s, sql, &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now_ms);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        row r = row_read(st);
        g_array_append_val(out, r);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "read airings");
}

#define LIVE_MONTH_SQL                                                                             \
    "SELECT a.id, a.piece_id, a.media_sha256, a.priority, a.program_id, a.program_title,"          \
    " a.target_kind, a.targets, a.start_ms, a.duration_ms FROM airings a JOIN schedule_versions"   \
    " v ON v.id = a.version_id WHERE v.month = ?1 AND v.kind = 'month' AND"                        \
    " a.withdrawn_version_id IS NULL AND a.start_ms >= ?2"

#define WORKING_SQL                                                                                \
    "SELECT a.id, a.piece_id, p.media_sha256, a.priority, a.program_id, coalesce(g.title, ''),"    \
    " a.target_kind, a.targets, a.start_ms, a.duration_ms FROM plan_airings a JOIN pieces p ON"    \
    " p.id = a.piece_id LEFT JOIN programs g ON g.id = a.program_id WHERE a.month = ?1 AND"        \
    " a.start_ms >= ?2 ORDER BY a.start_ms, a.id"

/* A new schedule_versions row; the month's version counter covers every kind. */
static int new_version(store *s, const char *who, const char *month, const char *kind,
                       int64_t *id_out, int64_t *version_out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "INSERT INTO schedule_versions(month, version, kind, published_ms,"
                            " published_by) VALUES (?1, (SELECT coalesce(max(version), 0) + 1"
                            " FROM schedule_versions WHERE month = ?1), ?2, ?3, ?4)",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, wallclock_now_ms());
    sqlite3_bind_text(st, 4, who, -1, SQLITE_TRANSIENT);
    if ((ret = store_exec_stmt(s, st)) != 0)
        return ret;
    *id_out = sqlite3_last_insert_rowid(store_db(s));
    if ((ret = store_prepare(s, "SELECT version FROM schedule_versions WHERE id = ?1", &st)) != 0)
        return ret;
    sqlite3_bind_int64(st, 1, *id_out);
    if (sqlite3_step(st) == SQLITE_ROW)
        *version_out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

static int insert_airing(store *s, int64_t version_id, const row *r)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "INSERT INTO airings(id, version_id, piece_id, media_sha256, start_ms,"
                            " duration_ms, priority, program_id, program_title, target_kind,"
                            " targets) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, version_id);
    sqlite3_bind_text(st, 3, r->piece, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->media, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, r->start_ms);
    sqlite3_bind_int64(st, 6, r->duration_ms);
    sqlite3_bind_text(st, 7, r->priority, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->program, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, r->program_title ? r->program_title : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, r->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, r->targets, -1, SQLITE_STATIC);
    return store_exec_stmt(s, st);
}

static int withdraw(store *s, const char *id, int64_t version_id)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "UPDATE airings SET withdrawn_version_id = ?2 WHERE id = ?1 AND"
                            " withdrawn_version_id IS NULL",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, version_id);
    return store_exec_stmt(s, st);
}

static int id_used(store *s, const char *id, bool *used)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT 1 FROM airings WHERE id = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    *used = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return 0;
}

/* Gives the working airing a fresh id (airing ids are never reused). */
static int renew_id(store *s, row *w)
{
    sqlite3_stmt *st = NULL;
    char id[IDS_UUID_LEN + 1];
    ids_uuid4(id);
    int ret = store_prepare(s, "UPDATE plan_airings SET id = ?2 WHERE id = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, w->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
    ret = store_exec_stmt(s, st);
    g_free(w->id);
    w->id = g_strdup(id);
    return ret;
}

static int refuse_unapproved(store *s, const char *month, int64_t now_ms, store_refusal *why)
{
    sqlite3_stmt *st = NULL;
    json_t *titles = json_array();
    int ret = store_prepare(s,
                            "SELECT DISTINCT p.title FROM plan_airings a JOIN pieces p ON p.id ="
                            " a.piece_id WHERE a.month = ?1 AND a.start_ms >= ?2 AND p.status <>"
                            " 'approved' ORDER BY p.title",
                            &st);
    if (ret == 0) {
        sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, now_ms);
        while (sqlite3_step(st) == SQLITE_ROW)
            json_array_append_new(titles, json_string((const char *)sqlite3_column_text(st, 0)));
        sqlite3_reset(st);
    }
    if (ret == 0 && json_array_size(titles))
        ret =
            store_refuse_facts(s, why, -EINVAL, "pieces_not_approved",
                               "publish_pieces_not_approved", json_pack("{s:O}", "titles", titles));
    json_decref(titles);
    return ret;
}

static int plan_exists(store *s, const char *month, bool *out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT 1 FROM month_plans WHERE month = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    *out = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return 0;
}

typedef struct counts {
    int64_t added, kept, withdrawn;
} counts;

/* Working airings against live ones: keep, replace or add each; withdraw what is left. */
static int apply_month(store *s, GArray *working, GArray *live, int64_t vid, counts *c)
{
    GHashTable *by_id = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < live->len; i++) {
        row *l = &g_array_index(live, row, i);
        g_hash_table_insert(by_id, l->id, l);
    }
    int ret = 0;
    for (guint i = 0; ret == 0 && i < working->len; i++) {
        row *w = &g_array_index(working, row, i);
        row *l = g_hash_table_lookup(by_id, w->id);
        bool used = false;
        if (l && row_equal(l, w)) {
            g_hash_table_remove(by_id, w->id);
            c->kept++;
            continue;
        }
        if (l) {
            g_hash_table_remove(by_id, w->id);
            ret = withdraw(s, l->id, vid);
            c->withdrawn += ret == 0;
        }
        if (ret == 0)
            ret = id_used(s, w->id, &used);
        if (ret == 0 && used)
            ret = renew_id(s, w);
        if (ret == 0)
            ret = insert_airing(s, vid, w);
        c->added += ret == 0;
    }
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, by_id);
    while (ret == 0 && g_hash_table_iter_next(&it, &k, &v)) {
        ret = withdraw(s, k, vid);
        c->withdrawn++;
    }
    g_hash_table_destroy(by_id);
    return ret;
}

static int finish(store *s, const char *who, const char *action, const char *entity,
                  const char *event, json_t *payload, json_t *result)
{
    int ret = store_event_add(s, event, payload, NULL);
    if (ret == 0)
        ret = store_audit(s, who, action, entity, NULL, result);
    return ret;
}

int publish_month(store *s, const char *who, const char *month, int64_t now_ms, json_t **out,
                  store_refusal *why)
{
    int y, m;
    bool exists = false;
    int64_t vid = 0, version = 0;
    counts c = {0};
    GArray *working = g_array_new(FALSE, TRUE, sizeof(row)),
           *live = g_array_new(FALSE, TRUE, sizeof(row));
    g_array_set_clear_func(working, row_clear);
    g_array_set_clear_func(live, row_clear);
    int ret = month && vtime_parse_month(month, &y, &m) == 0
                  ? plan_exists(s, month, &exists)
                  : store_refuse_facts(s, why, -EINVAL, "bad_month", "month_bad",
                                       json_pack("{s:s}", "month", month ? month : ""));
    if (ret == 0 && !exists)
        ret = store_refuse_facts(s, why, -ENOENT, "not_found", "plan_month_missing",
                                 json_pack("{s:s}", "month", month));
    if (ret == 0)
        ret = refuse_unapproved(s, month, now_ms, why);
    if (ret == 0)
        ret = rows_query(s, WORKING_SQL, month, now_ms, working);
    if (ret == 0)
        ret = rows_query(s, LIVE_MONTH_SQL, month, now_ms, live);
    if (ret == 0)
        ret = new_version(s, who, month, "month", &vid, &version);
    if (ret == 0)
        ret = apply_month(s, working, live, vid, &c);
    if (ret == 0) {
        char entity[32];
        g_snprintf(entity, sizeof entity, "schedule:%s", month);
        json_t *result = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "month", month, "version",
                                   (json_int_t)version, "version_id", (json_int_t)vid, "new",
                                   (json_int_t)c.added, "kept", (json_int_t)c.kept, "withdrawn",
                                   (json_int_t)c.withdrawn);
        json_t *payload = json_pack("{s:s, s:I, s:I}", "month", month, "version", (json_int_t)vid,
                                    "month_version", (json_int_t)version);
        ret = finish(s, who, "schedule.publish", entity, "manifest_changed", payload, result);
        if (ret == 0 && out)
            *out = json_incref(result);
        json_decref(payload);
        json_decref(result);
    }
    g_array_free(working, TRUE);
    g_array_free(live, TRUE);
    return ret;
}

/* ---- single airings ---- */

typedef struct single {
    row r;
    char *title, *genre;
    json_t *targets_in; /* borrowed */
} single;

static int load_single(store *s, single *a, const char *piece_id, const char *priority,
                       store_refusal *why)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "SELECT title, genre, status, media_sha256, duration_ms, priority FROM"
                            " pieces WHERE id = ?1",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, piece_id ? piece_id : "", -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW)
        ret = store_refuse_facts(s, why, -ENOENT, "unknown_piece", "piece_unknown",
                                 json_pack("{s:s}", "piece", piece_id ? piece_id : ""));
    else if (strcmp((const char *)sqlite3_column_text(st, 2), "approved") != 0)
        ret = store_refuse_facts(
            s, why, -EINVAL, "piece_not_approved", "piece_not_approved",
            json_pack("{s:s?}", "title", (const char *)sqlite3_column_text(st, 0)));
    else {
        a->title = col_dup(st, 0);
        a->genre = col_dup(st, 1);
        a->r.piece = g_strdup(piece_id);
        a->r.media = col_dup(st, 3);
        a->r.duration_ms = sqlite3_column_int64(st, 4);
        a->r.priority = priority ? g_strdup(priority) : col_dup(st, 5);
    }
    sqlite3_reset(st);
    proto_priority p;
    if (ret == 0 && proto_priority_parse(a->r.priority, &p) != 0)
        ret = store_refuse_facts(s, why, -EINVAL, "bad_priority", "priority_named",
                                 json_pack("{s:s?}", "priority", a->r.priority));
    return ret;
}

static json_t *manifest_airing(const single *a, GTimeZone *tz)
{
    proto_airing p = {.id = a->r.id,
                      .start_ms = a->r.start_ms,
                      .duration_ms = a->r.duration_ms,
                      .title = a->title,
                      .genre = a->genre};
    proto_priority_parse(a->r.priority, &p.priority);
    g_strlcpy(p.media, a->r.media, sizeof p.media);
    return proto_airing_to_json(&p, tz);
}

static void single_clear(single *a)
{
    row_clear(&a->r);
    g_free(a->title);
    g_free(a->genre);
}

/* Loads, checks and inserts a single airing in a new version of `kind`. */
static int publish_single(store *s, const char *who, single *a, const char *kind, GTimeZone *tz,
                          int64_t *vid, int64_t *version, char month[8], store_refusal *why)
{
    const char *tkind = NULL;
    char id[IDS_UUID_LEN + 1];
    vtime_local l = {0};
    int ret = store_targets_from_json(s, a->targets_in, &tkind, &a->r.targets, why);
    if (ret == 0 &&
        (!vtime_instant_writable(a->r.start_ms) || vtime_utc_to_local(tz, a->r.start_ms, &l) != 0))
        ret = store_refuse_facts(s, why, -EINVAL, "bad_start", "oneoff_start", NULL);
    if (ret != 0)
        return ret;
    g_snprintf(month, 8, "%04d-%02d", l.year, l.month);
    a->r.kind = g_strdup(tkind);
    ids_uuid4(id);
    a->r.id = g_strdup(id);
    ret = new_version(s, who, month, kind, vid, version);
    if (ret == 0)
        ret = insert_airing(s, *vid, &a->r);
    return ret;
}

int publish_oneoff(store *s, const char *who, const char *piece_id, int64_t start_ms,
                   const json_t *targets, const char *priority, GTimeZone *tz, json_t **airing_out,
                   store_refusal *why)
{
    single a = {.r.start_ms = start_ms, .targets_in = (json_t *)targets};
    int64_t vid = 0, version = 0;
    char month[8], entity[64];
    int ret = load_single(s, &a, piece_id, priority, why);
    if (ret == 0)
        ret = publish_single(s, who, &a, "oneoff", tz, &vid, &version, month, why);
    if (ret == 0) {
        json_t *air = manifest_airing(&a, tz);
        json_object_set_new(air, "targets", store_targets_to_json(s, a.r.kind, a.r.targets));
        json_object_set_new(air, "version", json_integer(version));
        json_t *payload = json_pack("{s:s, s:I, s:I}", "month", month, "version", (json_int_t)vid,
                                    "month_version", (json_int_t)version);
        g_snprintf(entity, sizeof entity, "airing:%s", a.r.id);
        ret = finish(s, who, "airing.add", entity, "manifest_changed", payload, air);
        if (ret == 0 && airing_out)
            *airing_out = json_incref(air);
        json_decref(payload);
        json_decref(air);
    }
    single_clear(&a);
    return ret;
}

int publish_emergency(store *s, const char *who, const char *piece_id, const json_t *targets,
                      GTimeZone *tz, int64_t now_ms, json_t **airing_out, store_refusal *why)
{
    single a = {.r.start_ms = now_ms, .targets_in = (json_t *)targets};
    int64_t vid = 0, version = 0;
    char month[8], entity[64];
    int ret = load_single(s, &a, piece_id, "emergency", why);
    if (ret == 0)
        ret = publish_single(s, who, &a, "emergency", tz, &vid, &version, month, why);
    if (ret == 0) {
        json_t *air = manifest_airing(&a, tz);
        json_t *ids = json_loads(a.r.targets, 0, NULL);
        json_t *payload = json_pack("{s:O, s:{s:s, s:o}}", "airing", air, "targets", "kind",
                                    a.r.kind, "ids", ids ? ids : json_array());
        json_t *audit = json_pack("{s:O, s:o}", "airing", air, "targets",
                                  store_targets_to_json(s, a.r.kind, a.r.targets));
        g_snprintf(entity, sizeof entity, "airing:%s", a.r.id);
        ret = finish(s, who, "emergency.start", entity, "emergency", payload, audit);
        if (ret == 0 && airing_out)
            *airing_out = json_incref(air);
        json_decref(audit);
        json_decref(payload);
        json_decref(air);
    }
    single_clear(&a);
    return ret;
}

int publish_emergency_stop(store *s, const char *who, const char *airing_id, store_refusal *why)
{
    sqlite3_stmt *st = NULL;
    char *month = NULL, entity[96];
    int64_t vid = 0, version = 0;
    int ret = store_prepare(s,
                            "SELECT v.month FROM airings a JOIN schedule_versions v ON v.id ="
                            " a.version_id WHERE a.id = ?1 AND v.kind = 'emergency' AND"
                            " a.withdrawn_version_id IS NULL",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, airing_id ? airing_id : "", -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        month = col_dup(st, 0);
    sqlite3_reset(st);
    if (!month)
        return store_refuse_facts(s, why, -ENOENT, "not_found", "emergency_unknown", NULL);
    ret = new_version(s, who, month, "emergency", &vid, &version);
    if (ret == 0)
        ret = withdraw(s, airing_id, vid);
    if (ret == 0) {
        json_t *payload = json_pack("{s:s}", "airing", airing_id);
        json_t *audit = json_pack("{s:s, s:I}", "airing", airing_id, "version_id", (json_int_t)vid);
        g_snprintf(entity, sizeof entity, "airing:%s", airing_id);
        ret = finish(s, who, "emergency.stop", entity, "stop", payload, audit);
        json_decref(audit);
        json_decref(payload);
    }
    g_free(month);
    return ret;
}
