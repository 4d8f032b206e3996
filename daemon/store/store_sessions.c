/* store_sessions: see store_sessions.h. */
#include "store_sessions.h"
#include "store_internal.h"

#include <errno.h>
#include <glib.h>
#include <sodium.h>
#include <string.h>

#include "ids.h"

#define HASH_BYTES 32

static int token_hash(store *s, const char *token, unsigned char out[HASH_BYTES])
{
    size_t n = token ? strlen(token) : 0;
    if (n < 16 || n >= STORE_SESSION_TOKEN_MAX)
        return -EACCES;
    crypto_generichash(out, HASH_BYTES, (const unsigned char *)token, n, store_key(s),
                       STORE_KEY_BYTES);
    return 0;
}

int store_session_create(store *s, int64_t user_id, int64_t now_ms,
                         char token_out[STORE_SESSION_TOKEN_MAX], char csrf_out[STORE_CSRF_MAX])
{
    unsigned char h[HASH_BYTES];
    sqlite3_stmt *st = NULL;
    if (ids_token(STORE_BOX_TOKEN_BYTES, token_out, STORE_SESSION_TOKEN_MAX) != 0 ||
        ids_token(24, csrf_out, STORE_CSRF_MAX) != 0 || token_hash(s, token_out, h) != 0)
        return store_failf(s, -EIO, "session token");
    int ret = store_prepare(s,
                            "INSERT INTO sessions(token_hash, user_id, csrf_token, created_ms,"
                            " expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_blob(st, 1, h, HASH_BYTES, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_text(st, 3, csrf_out, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now_ms);
    sqlite3_bind_int64(st, 5, now_ms + STORE_SESSION_TTL_MS);
    return store_exec_stmt(s, st);
}

static void copy_col(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
    const char *v = (const char *)sqlite3_column_text(st, col);
    g_strlcpy(dst, v ? v : "", cap);
}

int store_session_lookup(store *s, const char *token, int64_t now_ms, store_session_user *out)
{
    unsigned char h[HASH_BYTES];
    sqlite3_stmt *st = NULL;
    if (token_hash(s, token, h) != 0)
        return store_failf(s, -EACCES, "malformed session token");
    int ret = store_prepare(s,
                            "SELECT u.id, u.name, u.role, coalesce(u.commune_id, 0),"
                            " coalesce(c.name, ''), x.csrf_token, x.expires_ms"
                            " FROM sessions x JOIN users u ON u.id = x.user_id"
                            " LEFT JOIN communes c ON c.id = u.commune_id"
                            " WHERE x.token_hash = ?1 AND x.expires_ms > ?2 AND u.disabled = 0",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_blob(st, 1, h, HASH_BYTES, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now_ms);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->user_id = sqlite3_column_int64(st, 0);
        copy_col(out->name, sizeof out->name, st, 1);
        if (store_role_parse((const char *)sqlite3_column_text(st, 2), &out->role) != 0)
            ret = store_failf(s, -EIO, "bad role in users");
        out->commune_id = sqlite3_column_int64(st, 3);
        copy_col(out->commune, sizeof out->commune, st, 4);
        copy_col(out->csrf, sizeof out->csrf, st, 5);
        out->expires_ms = sqlite3_column_int64(st, 6);
    } else if (rc == SQLITE_DONE) {
        ret = store_failf(s, -EACCES, "no such session");
    } else {
        ret = store_fail(s, rc, "session lookup");
    }
    sqlite3_reset(st);
    return ret;
}

int store_session_delete(store *s, const char *token)
{
    unsigned char h[HASH_BYTES];
    sqlite3_stmt *st = NULL;
    if (token_hash(s, token, h) != 0)
        return 0;
    int ret = store_prepare(s, "DELETE FROM sessions WHERE token_hash = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_blob(st, 1, h, HASH_BYTES, SQLITE_TRANSIENT);
    return store_exec_stmt(s, st);
}

int store_session_delete_user(store *s, int64_t user_id)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "DELETE FROM sessions WHERE user_id = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, user_id);
    return store_exec_stmt(s, st);
}

int store_session_purge(store *s, int64_t now_ms, int64_t *n_out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "DELETE FROM sessions WHERE expires_ms <= ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, now_ms);
    ret = store_exec_stmt(s, st);
    if (ret == 0 && n_out)
        *n_out = sqlite3_changes(store_db(s));
    return ret;
}
