/* store_piece_match: see store_piece_match.h. */
#include "store_piece_match.h"
#include "store_internal.h"

#include <string.h>

void store_piece_match_clear(store_piece_match *m)
{
    g_free(m->id);
    g_free(m->status);
    g_free(m->genre);
    memset(m, 0, sizeof *m);
}

int store_piece_match_find(store *s, const char *id, const char *title, store_piece_match *out,
                           bool *found)
{
    sqlite3_stmt *st = NULL;
    memset(out, 0, sizeof *out);
    *found = false;
    int ret =
        store_prepare(s,
                      "SELECT id, status, genre, (SELECT count(*) FROM pieces q WHERE q.title ="
                      " ?2 AND q.status = 'approved') FROM pieces WHERE id = ?1 OR (title = ?2"
                      " AND NOT EXISTS (SELECT 1 FROM pieces r WHERE r.id = ?1)) ORDER BY"
                      " (id = ?1) DESC, (status = 'approved') DESC, created_ms DESC LIMIT 1",
                      &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *found = true;
        *out = (store_piece_match){store_col_dup(st, 0), store_col_dup(st, 1), store_col_dup(st, 2),
                                   sqlite3_column_int64(st, 3)};
    }
    sqlite3_reset(st);
    return 0;
}
