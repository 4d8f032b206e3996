/* store_internal: what the store's own files share and no layer above may use. The SQL and the
 * sqlite3 handles stay behind the store's functions, so only daemon/store/ includes this.
 * Statements from store_prepare belong to the store (see store.h); strings from store_col_dup
 * are the caller's to g_free. */
#ifndef LOALANG_STORE_INTERNAL_H
#define LOALANG_STORE_INTERNAL_H

#include <glib.h>
#include <sqlite3.h>
#include <stdint.h>

#include "store.h"
#include "store_memo.h"

/* A cached statement for sql, reset and with its bindings cleared. Owned by the store; valid
 * until the next store_prepare of the same text (which resets it), so don't nest uses. */
int store_prepare(store *s, const char *sql, sqlite3_stmt **out);
/* Steps a statement that returns no rows, resets it; 0 or the mapped error. */
int store_exec_stmt(store *s, sqlite3_stmt *st);

/* The store's memos (store_memo.h), each made on first use; NULL if it cannot be made (the
 * caller then reads the database). Owned by s. */
typedef enum store_memo_kind {
    STORE_MEMO_TOKENS,    /* keyed box-token hash (32 bytes) → box id (int64_t) */
    STORE_MEMO_MEDIA,     /* sha256 hex (64 bytes) → store_media */
    STORE_MEMO_MEDIA_BOX, /* sha256 hex and box id (72 bytes) → reaches it (uint8_t) */
    STORE_MEMO_KINDS
} store_memo_kind;
store_memo *store_memo_of(store *s, store_memo_kind kind);
/* Reads through memo kind: val from the memo when it was put at the current generation, else
 * read(s, key, val) and, when that succeeds, remembered. The generation is read before the
 * database, so a commit in between only makes the next call read again. */
int store_memo_read(store *s, store_memo_kind kind, const void *key, void *val,
                    int (*read)(store *s, const void *key, void *val));

/* Column i as a g_malloc'd copy (caller g_frees), NULL for SQL NULL. */
static inline char *store_col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? g_strdup((const char *)t) : NULL;
}

/* The targeting rule's SQL form (the rule and its C form: store_targets.h), a boolean
 * expression on a row aliased `a` with columns target_kind and targets (airings,
 * plan_airings): the box is bound with store_targets_bind (store_targets.c). A statement
 * holding it binds its other parameters by name too: SQLite numbers a named parameter after
 * the largest index seen so far, so a "?1" written after the fragment would be
 * :target_commune. */
#define STORE_TARGETS_SQL                                                                          \
    "(a.target_kind = 'all'"                                                                       \
    " OR (a.target_kind = 'communes' AND EXISTS (SELECT 1 FROM json_each(a.targets)"               \
    " WHERE json_each.value = :target_commune))"                                                   \
    " OR (a.target_kind = 'boxes' AND EXISTS (SELECT 1 FROM json_each(a.targets)"                  \
    " WHERE json_each.value = :target_box)))"

/* Binds the box (and its commune) a statement holding STORE_TARGETS_SQL asks about. */
void store_targets_bind(sqlite3_stmt *st, int64_t box_id, int64_t commune_id);

#endif
