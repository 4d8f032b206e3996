/* store_boxes: see store_boxes.h. */
#include "store_boxes.h"
#include "store_internal.h"

#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <sodium.h>
#include <string.h>

#include "ids.h"
#include "store_audit.h"
#include "store_communes.h"
#include "wallclock.h"

#define HASH_BYTES 32
_Static_assert(HASH_BYTES == 32, "STORE_MEMO_TOKENS keys are 32 bytes");

static void token_hash(store *s, const char *token, unsigned char out[HASH_BYTES])
{
    crypto_generichash(out, HASH_BYTES, (const unsigned char *)token, strlen(token), store_key(s),
                       STORE_KEY_BYTES);
}

static int insert(store *s, const char *name, int64_t commune_id, const unsigned char *hash,
                  int64_t *id_out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "INSERT INTO boxes(name, commune_id, token_hash, created_ms)"
                            " VALUES (?1, ?2, ?3, ?4)",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, commune_id);
    sqlite3_bind_blob(st, 3, hash, HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, wallclock_now_ms());
    ret = store_exec_stmt(s, st);
    if (ret == 0)
        *id_out = sqlite3_last_insert_rowid(store_db(s));
    return ret;
}

static int audit_box(store *s, const char *who, const char *action, int64_t id, json_t *before,
                     json_t *after)
{
    char entity[32];
    g_snprintf(entity, sizeof entity, "box:%" G_GINT64_FORMAT, id);
    int ret = store_audit(s, who, action, entity, before, after);
    json_decref(before);
    json_decref(after);
    return ret;
}

int store_box_add(store *s, const char *who, const char *name, const char *commune, int64_t *id_out,
                  char token_out[STORE_BOX_TOKEN_MAX])
{
    char *n = NULL;
    unsigned char hash[HASH_BYTES];
    char token[STORE_BOX_TOKEN_MAX];
    int64_t commune_id = 0, id = 0;
    int ret = store_name_normalize(name, STORE_NAME_MAX, &n);
    if (ret != 0) {
        ret = store_failf(s, ret, "invalid box name");
        goto out;
    }
    ret = store_commune_find(s, commune, &commune_id);
    if (ret != 0)
        goto out;
    ret = ids_token(STORE_BOX_TOKEN_BYTES, token, sizeof token);
    if (ret != 0)
        goto out;
    token_hash(s, token, hash);
    ret = insert(s, n, commune_id, hash, &id);
    if (ret != 0)
        goto out;
    /* The audit row records the box, never its token or hash. */
    ret = audit_box(s, who, "box.add", id, NULL,
                    json_pack("{sIsssI}", "id", (json_int_t)id, "name", n, "commune_id",
                              (json_int_t)commune_id));
    if (ret != 0)
        goto out;
    memcpy(token_out, token, sizeof token);
    if (id_out)
        *id_out = id;
out:
    sodium_memzero(token, sizeof token);
    g_free(n);
    return ret;
}

/* The box whose keyed token hash (HASH_BYTES at key) is, if it is not revoked, into val (an
 * int64_t); -EACCES otherwise. */
static int verify_hash(store *s, const void *key, void *val)
{
    const unsigned char *hash = key;
    int64_t *box_id_out = val;
    sqlite3_stmt *st = NULL;
    /* The index lookup compares keyed hashes an attacker cannot predict, so its timing leaks
     * nothing about valid tokens; the constant-time compare below is the actual check. */
    int ret =
        store_prepare(s, "SELECT id, token_hash, revoked FROM boxes WHERE token_hash = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_blob(st, 1, hash, HASH_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == HASH_BYTES &&
        sodium_memcmp(sqlite3_column_blob(st, 1), hash, HASH_BYTES) == 0 &&
        sqlite3_column_int(st, 2) == 0)
        *box_id_out = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        ret = store_failf(s, -EACCES, "unknown or revoked box token");
    else
        ret = store_fail(s, rc, "verify box token");
    sqlite3_reset(st);
    return ret;
}

int store_box_verify(store *s, const char *token, int64_t *box_id_out)
{
    unsigned char hash[HASH_BYTES];
    if (!token || strlen(token) >= STORE_BOX_TOKEN_MAX)
        return store_failf(s, -EACCES, "malformed box token");
    token_hash(s, token, hash);
    /* Boxes ask every minute and several times per airing: a token found valid at this
     * generation is still valid (revoking it is a commit, which moves the generation). */
    return store_memo_read(s, STORE_MEMO_TOKENS, hash, box_id_out, verify_hash);
}

/* Reads id and revoked flag of the box named n. */
static int find(store *s, const char *n, int64_t *id, bool *revoked)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT id, revoked FROM boxes WHERE name = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, n, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        *revoked = sqlite3_column_int(st, 1) != 0;
    } else {
        ret = rc == SQLITE_DONE ? store_failf(s, -ENOENT, "no box named %s", n)
                                : store_fail(s, rc, "find box");
    }
    sqlite3_reset(st);
    return ret;
}

int store_box_revoke(store *s, const char *who, const char *name)
{
    sqlite3_stmt *st = NULL;
    char *n = NULL;
    int64_t id = 0, now = wallclock_now_ms();
    bool revoked = false;
    int ret = store_name_normalize(name, STORE_NAME_MAX, &n);
    ret = ret ? store_failf(s, -ENOENT, "no box with an invalid name") : find(s, n, &id, &revoked);
    if (ret == 0 && revoked)
        ret = store_failf(s, -EALREADY, "box %s is already revoked", n);
    if (ret == 0)
        ret = store_prepare(s, "UPDATE boxes SET revoked = 1, revoked_ms = ?2 WHERE id = ?1", &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    ret = store_exec_stmt(s, st);
    if (ret == 0)
        ret = audit_box(s, who, "box.revoke", id, json_pack("{sb}", "revoked", 0),
                        json_pack("{sbsI}", "revoked", 1, "revoked_ms", (json_int_t)now));
out:
    g_free(n);
    return ret;
}

#define BOX_COLUMNS                                                                                \
    "b.id, b.name, c.name, b.revoked, b.created_ms, coalesce(b.revoked_ms, 0), b.commune_id"

static void box_from_row(sqlite3_stmt *st, store_box *b)
{
    *b = (store_box){
        .id = sqlite3_column_int64(st, 0),
        .name = g_strdup((const char *)sqlite3_column_text(st, 1)),
        .commune = g_strdup((const char *)sqlite3_column_text(st, 2)),
        .revoked = sqlite3_column_int(st, 3) != 0,
        .created_ms = sqlite3_column_int64(st, 4),
        .revoked_ms = sqlite3_column_int64(st, 5),
        .commune_id = sqlite3_column_int64(st, 6),
    };
}

int store_box_get(store *s, int64_t id, store_box *out)
{
    sqlite3_stmt *st = NULL;
    int ret =
        store_prepare(s,
                      "SELECT " BOX_COLUMNS " FROM boxes b JOIN communes c ON c.id = b.commune_id"
                      " WHERE b.id = ?1",
                      &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        box_from_row(st, out);
    else
        ret = rc == SQLITE_DONE ? store_failf(s, -ENOENT, "no box %" G_GINT64_FORMAT, id)
                                : store_fail(s, rc, "get box");
    sqlite3_reset(st);
    return ret;
}

void store_box_clear(store_box *b)
{
    g_free(b->name);
    g_free(b->commune);
    b->name = b->commune = NULL;
}

int store_box_list(store *s, store_box **out, size_t *n_out)
{
    sqlite3_stmt *st = NULL;
    GArray *v = g_array_new(FALSE, TRUE, sizeof(store_box));
    int ret =
        store_prepare(s,
                      "SELECT " BOX_COLUMNS " FROM boxes b JOIN communes c ON c.id = b.commune_id"
                      " ORDER BY c.name, b.name",
                      &st);
    int rc = SQLITE_DONE;
    while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_box b;
        box_from_row(st, &b);
        g_array_append_val(v, b);
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = store_fail(s, rc, "list boxes");
    if (st)
        sqlite3_reset(st);
    *n_out = v->len;
    *out = (store_box *)(void *)g_array_free(v, FALSE);
    if (ret != 0) {
        store_box_list_free(*out, *n_out);
        *out = NULL;
        *n_out = 0;
    }
    return ret;
}

void store_box_list_free(store_box *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        g_free(v[i].name);
        g_free(v[i].commune);
    }
    g_free(v);
}

int store_box_revoked_ids(store *s, int64_t **ids_out, size_t *n_out)
{
    sqlite3_stmt *st = NULL;
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
    int ret = store_prepare(s, "SELECT id FROM boxes WHERE revoked = 1 ORDER BY id", &st);
    int rc = SQLITE_DONE;
    while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        g_array_append_val(ids, id);
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = store_fail(s, rc, "revoked boxes");
    if (st)
        sqlite3_reset(st);
    *n_out = ret == 0 ? ids->len : 0;
    *ids_out = NULL;
    if (*n_out > 0)
        *ids_out = (int64_t *)(void *)g_array_free(ids, FALSE);
    else
        g_array_free(ids, TRUE);
    return ret;
}
