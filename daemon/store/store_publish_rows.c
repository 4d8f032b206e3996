/* store_publish_rows: see store_publish_rows.h. */
#include "store_publish_rows.h"
#include "store_internal.h"

#include <string.h>

#include "wallclock.h"

void store_airing_row_clear(store_airing_row *r)
{
    g_free(r->id);
    g_free(r->piece);
    g_free(r->media);
    g_free(r->priority);
    g_free(r->program);
    g_free(r->program_title);
    g_free(r->kind);
    g_free(r->targets);
    memset(r, 0, sizeof *r);
}

static store_airing_row row_read(sqlite3_stmt *st)
{
    return (store_airing_row){store_col_dup(st, 0),        store_col_dup(st, 1),
                              store_col_dup(st, 2),        store_col_dup(st, 3),
                              store_col_dup(st, 4),        store_col_dup(st, 5),
                              store_col_dup(st, 6),        store_col_dup(st, 7),
                              sqlite3_column_int64(st, 8), sqlite3_column_int64(st, 9)};
}

static int rows_query(store *s, const char *sql, const char *month, int64_t from_ms, GArray *out)
{
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_DONE;
    int ret = store_prepare(s, sql, &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, from_ms);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_airing_row r = row_read(st);
        g_array_append_val(out, r);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "read airings");
}

int store_publish_working_rows(store *s, const char *month, int64_t from_ms, GArray *out)
{
    return rows_query(
        s,
        "SELECT a.id, a.piece_id, p.media_sha256, a.priority, a.program_id, coalesce(g.title, ''),"
        " a.target_kind, a.targets, a.start_ms, a.duration_ms FROM plan_airings a JOIN pieces p ON"
        " p.id = a.piece_id LEFT JOIN programs g ON g.id = a.program_id WHERE a.month = ?1 AND"
        " a.start_ms >= ?2 ORDER BY a.start_ms, a.id",
        month, from_ms, out);
}

int store_publish_live_rows(store *s, const char *month, int64_t from_ms, GArray *out)
{
    return rows_query(
        s,
        "SELECT a.id, a.piece_id, a.media_sha256, a.priority, a.program_id, a.program_title,"
        " a.target_kind, a.targets, a.start_ms, a.duration_ms FROM airings a JOIN schedule_versions"
        " v ON v.id = a.version_id WHERE v.month = ?1 AND v.kind = 'month' AND"
        " a.withdrawn_version_id IS NULL AND a.start_ms >= ?2",
        month, from_ms, out);
}

int store_publish_plan_exists(store *s, const char *month, bool *out)
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

int store_publish_unapproved_titles(store *s, const char *month, int64_t from_ms, GPtrArray **out)
{
    sqlite3_stmt *st = NULL;
    *out = g_ptr_array_new_with_free_func(g_free);
    int ret = store_prepare(s,
                            "SELECT DISTINCT p.title FROM plan_airings a JOIN pieces p ON p.id ="
                            " a.piece_id WHERE a.month = ?1 AND a.start_ms >= ?2 AND p.status <>"
                            " 'approved' ORDER BY p.title",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, from_ms);
    while (sqlite3_step(st) == SQLITE_ROW)
        g_ptr_array_add(*out, store_col_dup(st, 0));
    sqlite3_reset(st);
    return 0;
}

int store_publish_new_version(store *s, const char *who, const char *month, const char *kind,
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

int store_publish_insert_airing(store *s, int64_t version_id, const store_airing_row *r)
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

int store_publish_withdraw(store *s, const char *airing_id, int64_t version_id)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "UPDATE airings SET withdrawn_version_id = ?2 WHERE id = ?1 AND"
                            " withdrawn_version_id IS NULL",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, airing_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, version_id);
    return store_exec_stmt(s, st);
}

int store_publish_airing_id_used(store *s, const char *airing_id, bool *used)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT 1 FROM airings WHERE id = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, airing_id, -1, SQLITE_TRANSIENT);
    *used = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return 0;
}

int store_publish_rename_working(store *s, const char *old_id, const char *new_id)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "UPDATE plan_airings SET id = ?2 WHERE id = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, old_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, new_id, -1, SQLITE_TRANSIENT);
    return store_exec_stmt(s, st);
}

void store_publish_piece_clear(store_publish_piece *p)
{
    g_free(p->title);
    g_free(p->genre);
    g_free(p->status);
    g_free(p->media);
    g_free(p->priority);
    memset(p, 0, sizeof *p);
}

int store_publish_piece_get(store *s, const char *piece_id, store_publish_piece *out, bool *found)
{
    sqlite3_stmt *st = NULL;
    memset(out, 0, sizeof *out);
    *found = false;
    int ret = store_prepare(s,
                            "SELECT title, genre, status, media_sha256, duration_ms, priority FROM"
                            " pieces WHERE id = ?1",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, piece_id ? piece_id : "", -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *found = true;
        *out = (store_publish_piece){store_col_dup(st, 0), store_col_dup(st, 1),
                                     store_col_dup(st, 2), store_col_dup(st, 3),
                                     store_col_dup(st, 5), sqlite3_column_int64(st, 4)};
    }
    sqlite3_reset(st);
    return 0;
}

int store_publish_live_emergency_month(store *s, const char *airing_id, char **month_out)
{
    sqlite3_stmt *st = NULL;
    *month_out = NULL;
    int ret = store_prepare(s,
                            "SELECT v.month FROM airings a JOIN schedule_versions v ON v.id ="
                            " a.version_id WHERE a.id = ?1 AND v.kind = 'emergency' AND"
                            " a.withdrawn_version_id IS NULL",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, airing_id ? airing_id : "", -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        *month_out = store_col_dup(st, 0);
    sqlite3_reset(st);
    return 0;
}
