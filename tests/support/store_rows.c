/* store_rows: see store_rows.h. */
#include "store_rows.h"

#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hash.h"
#include "store_internal.h" /* fixtures use the statement cache */
#include "ids.h"

char *sr_add_piece(store *s, const char *title, const char *genre, int seconds, const char *status)
{
    char id[IDS_UUID_LEN + 1], sha[HASH_SHA256_HEX_LEN + 1];
    ids_uuid4(id);
    hash_sha256_buf(id, strlen(id), sha);
    sqlite3_stmt *st = NULL;
    assert_int_equal(store_prepare(s,
                                   "INSERT INTO media(sha256, bytes, duration_ms, created_ms)"
                                   " VALUES (?1, 1000, ?2, 0)",
                                   &st),
                     0);
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, seconds * 1000LL);
    assert_int_equal(store_exec_stmt(s, st), 0);
    assert_int_equal(store_prepare(s,
                                   "INSERT INTO pieces(id, title, genre, status, media_sha256,"
                                   " duration_ms, approved_ms, created_ms, updated_ms) VALUES"
                                   " (?1, ?2, ?3, ?4, ?5, ?6, 1, 0, 0)",
                                   &st),
                     0);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, genre, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, sha, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, seconds * 1000LL);
    assert_int_equal(store_exec_stmt(s, st), 0);
    return g_strdup(id);
}
