/* store_users_admin: login credentials, the user list and account changes (see
 * store_users.h). Split from store_users.c to keep each file about one thing. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "store_audit.h"
#include "store_internal.h"
#include "store_sessions.h"
#include "store_users.h"
#include "vtime.h"
#include "wallclock.h"

int store_user_credentials(store *s, const char *name, int64_t *id_out, store_role *role_out,
                           char *hash_out)
{
    sqlite3_stmt *st = NULL;
    char *n = NULL;
    int ret = 0;
    *id_out = 0;
    *role_out = STORE_ROLE_OPERATOR;
    g_strlcpy(hash_out, store_users_dummy_hash(), STORE_PWHASH_MAX);
    if (store_name_normalize(name, STORE_USER_NAME_MAX, &n) != 0)
        return 0;
    ret = store_prepare(s,
                        "SELECT id, role, password_hash FROM users WHERE name = ?1"
                        " AND disabled = 0",
                        &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_text(st, 1, n, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW &&
        store_role_parse((const char *)sqlite3_column_text(st, 1), role_out) == 0) {
        *id_out = sqlite3_column_int64(st, 0);
        g_strlcpy(hash_out, (const char *)sqlite3_column_text(st, 2), STORE_PWHASH_MAX);
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        ret = store_fail(s, rc, "user credentials");
    }
    sqlite3_reset(st);
out:
    g_free(n);
    return ret;
}

int store_password_verify(const char *hash, const char *password)
{
    size_t len = password ? strlen(password) : 0;
    if (!hash || !password || len > STORE_PASSWORD_MAX)
        return -EACCES;
    return crypto_pwhash_str_verify(hash, password, len) == 0 ? 0 : -EACCES;
}

static json_t *user_row(sqlite3_stmt *st)
{
    char when[VTIME_RFC3339_MAX];
    const char *commune = (const char *)sqlite3_column_text(st, 3);
    if (vtime_format_rfc3339(sqlite3_column_int64(st, 5), vtime_zone(), when) != 0)
        when[0] = '\0';
    return json_pack("{sI ss ss so sb ss}", "id", (json_int_t)sqlite3_column_int64(st, 0), "name",
                     (const char *)sqlite3_column_text(st, 1), "role",
                     (const char *)sqlite3_column_text(st, 2), "commune",
                     commune ? json_string(commune) : json_null(), "disabled",
                     sqlite3_column_int(st, 4), "created", when);
}

int store_user_list_json(store *s, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array();
    int ret = store_prepare(s,
                            "SELECT u.id, u.name, u.role, c.name, u.disabled, u.created_ms"
                            " FROM users u LEFT JOIN communes c ON c.id = u.commune_id"
                            " ORDER BY u.name",
                            &st);
    int rc = SQLITE_DONE;
    if (ret != 0)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *u = user_row(st);
        if (!u || json_array_append_new(arr, u) != 0) {
            ret = store_failf(s, -ENOMEM, "user list");
            break;
        }
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = store_fail(s, rc, "user list");
    sqlite3_reset(st);
out:
    if (ret == 0)
        *out = arr;
    else
        json_decref(arr);
    return ret;
}

static int update_user(store *s, const char *who, int64_t id, const char *sql, const char *action,
                       json_t *after, void (*bind)(sqlite3_stmt *, const void *), const void *v)
{
    sqlite3_stmt *st = NULL;
    char entity[40];
    int ret = store_prepare(s, sql, &st);
    if (ret != 0)
        goto out;
    bind(st, v);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int64(st, 3, wallclock_now_ms());
    if ((ret = store_exec_stmt(s, st)) != 0)
        goto out;
    if (sqlite3_changes(store_db(s)) == 0) {
        ret = store_failf(s, -ENOENT, "no user %" G_GINT64_FORMAT, id);
        goto out;
    }
    g_snprintf(entity, sizeof entity, "user:%" G_GINT64_FORMAT, id);
    ret = store_audit(s, who, action, entity, NULL, after);
    if (ret == 0)
        ret = store_session_delete_user(s, id);
out:
    json_decref(after);
    return ret;
}

static void bind_int(sqlite3_stmt *st, const void *v)
{
    sqlite3_bind_int(st, 1, *(const int *)v);
}

static void bind_text(sqlite3_stmt *st, const void *v)
{
    sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
}

int store_user_set_disabled(store *s, const char *who, int64_t id, bool disabled)
{
    int d = disabled ? 1 : 0;
    return update_user(s, who, id, "UPDATE users SET disabled = ?1, updated_ms = ?3 WHERE id = ?2",
                       disabled ? "user.disable" : "user.enable", json_pack("{sb}", "disabled", d),
                       bind_int, &d);
}

int store_user_set_password(store *s, const char *who, int64_t id, const char *pwhash)
{
    /* The audit row says that the password changed, never the hash. */
    return update_user(s, who, id,
                       "UPDATE users SET password_hash = ?1, updated_ms = ?3 WHERE id = ?2",
                       "user.password", NULL, bind_text, pwhash);
}
