/* store_report_rows: see store_report_rows.h. */
#include "store_report_rows.h"
#include "store_internal.h"

#include <string.h>

static const char *text(store_report_rows *r, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? g_string_chunk_insert_const(r->strs, (const char *)t) : NULL;
}

static bool is_null(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL;
}

static void piece_row(store_report_rows *r, sqlite3_stmt *st)
{
    store_report_piece p = {
        .id = text(r, st, 0),
        .title = text(r, st, 1),
        .genre = text(r, st, 2),
        .duration_ms = sqlite3_column_int64(st, 3),
        .exemplar = text(r, st, 4),
        .has_commune = !is_null(st, 5),
        .commune_id = sqlite3_column_int64(st, 5),
        .priority = text(r, st, 6),
        .has_approved = !is_null(st, 7),
        .approved_ms = sqlite3_column_int64(st, 7),
    };
    g_array_append_val(r->pieces, p);
}

static void airing_row(store_report_rows *r, sqlite3_stmt *st)
{
    store_report_airing a = {text(r, st, 0),
                             text(r, st, 1),
                             text(r, st, 4),
                             text(r, st, 5),
                             sqlite3_column_int64(st, 2),
                             sqlite3_column_int64(st, 3)};
    g_array_append_val(r->airings, a);
}

static void play_row(store_report_rows *r, sqlite3_stmt *st)
{
    store_report_play p = {text(r, st, 0),
                           text(r, st, 1),
                           text(r, st, 3),
                           sqlite3_column_int64(st, 2),
                           sqlite3_column_int64(st, 4),
                           sqlite3_column_int64(st, 5)};
    g_array_append_val(r->plays, p);
}

static void line_row(store_report_rows *r, sqlite3_stmt *st)
{
    store_report_line l = {text(r, st, 0),
                           sqlite3_column_int64(st, 1),
                           sqlite3_column_int64(st, 2),
                           sqlite3_column_int64(st, 3),
                           sqlite3_column_int64(st, 4),
                           sqlite3_column_int64(st, 5)};
    g_array_append_val(r->lines, l);
}

/* Runs sql with ?1 = a, ?2 = b and calls row for each row. */
typedef void (*row_fn)(store_report_rows *r, sqlite3_stmt *st);

static int each_row(store *s, store_report_rows *r, const char *sql, int64_t a, int64_t b,
                    row_fn row)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, sql, &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        row(r, st);
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "report query");
    sqlite3_reset(st);
    return ret;
}

int store_report_rows_load(store *s, int64_t from_ms, int64_t until_ms, int64_t contract_id,
                           store_report_rows *out)
{
    out->pieces = g_array_new(FALSE, TRUE, sizeof(store_report_piece));
    out->airings = g_array_new(FALSE, TRUE, sizeof(store_report_airing));
    out->plays = g_array_new(FALSE, TRUE, sizeof(store_report_play));
    out->lines = g_array_new(FALSE, TRUE, sizeof(store_report_line));
    out->strs = g_string_chunk_new(4096);
    int ret = each_row(s, out,
                       "SELECT id, title, genre, duration_ms, exemplar, commune_id, priority,"
                       " approved_ms FROM pieces ORDER BY id",
                       0, 0, piece_row);
    if (ret == 0)
        ret = each_row(s, out,
                       "SELECT a.id, a.piece_id, a.start_ms, a.duration_ms, a.target_kind,"
                       " a.targets FROM airings a"
                       " LEFT JOIN schedule_versions w ON w.id = a.withdrawn_version_id"
                       " WHERE a.start_ms >= ?1 AND a.start_ms < ?2"
                       " AND (w.id IS NULL OR w.published_ms > a.start_ms)"
                       " ORDER BY a.start_ms, a.id",
                       from_ms, until_ms, airing_row);
    if (ret == 0)
        ret = each_row(s, out,
                       "SELECT p.id, p.airing_id, p.box_id, p.outcome, p.played_ms, p.started_ms"
                       " FROM plays p JOIN airings a ON a.id = p.airing_id"
                       " WHERE a.start_ms >= ?1 AND a.start_ms < ?2 ORDER BY p.id",
                       from_ms, until_ms, play_row);
    if (ret == 0 && contract_id > 0)
        ret = each_row(s, out,
                       "SELECT genre, pieces_per_month, pieces_per_period, airings_per_piece,"
                       " min_ms, max_ms FROM contract_lines WHERE contract_id = ?1"
                       " ORDER BY CASE genre WHEN 'news' THEN 0 WHEN 'article' THEN 1"
                       " WHEN 'report' THEN 2 ELSE 3 END",
                       contract_id, 0, line_row);
    return ret;
}

void store_report_rows_clear(store_report_rows *r)
{
    if (r->pieces)
        g_array_free(r->pieces, TRUE);
    if (r->airings)
        g_array_free(r->airings, TRUE);
    if (r->plays)
        g_array_free(r->plays, TRUE);
    if (r->lines)
        g_array_free(r->lines, TRUE);
    if (r->strs)
        g_string_chunk_free(r->strs);
    memset(r, 0, sizeof *r);
}
