/* store_users: see store_users.h. */
#include "store_users.h"
#include "store_internal.h"

#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <string.h>

#include "log.h"
#include "store_audit.h"
#include "store_communes.h"
#include "wallclock.h"

static const char *const ROLES[] = {"admin", "technician", "approver", "operator"};

const char *store_role_name(store_role r)
{
    return (size_t)r < G_N_ELEMENTS(ROLES) ? ROLES[r] : "?";
}

int store_role_parse(const char *s, store_role *out)
{
    for (size_t i = 0; s && i < G_N_ELEMENTS(ROLES); i++) {
        if (!strcmp(s, ROLES[i])) {
            *out = (store_role)i;
            return 0;
        }
    }
    return -EINVAL;
}

int store_password_hash(const char *password, char out[STORE_PWHASH_MAX])
{
    size_t len = password ? strlen(password) : 0;
    if (!password || len > STORE_PASSWORD_MAX || !g_utf8_validate(password, -1, NULL) ||
        g_utf8_strlen(password, -1) < STORE_PASSWORD_MIN)
        return -EINVAL;
    if (crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return -ENOMEM;
    return 0;
}

static int insert(store *s, const char *name, store_role role, int64_t commune_id,
                  const char *pwhash, int64_t *id_out)
{
    sqlite3_stmt *st = NULL;
    int64_t now = wallclock_now_ms();
    int ret = store_prepare(s,
                            "INSERT INTO users(name, role, commune_id, password_hash,"
                            " created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, store_role_name(role), -1, SQLITE_STATIC);
    if (commune_id > 0)
        sqlite3_bind_int64(st, 3, commune_id);
    sqlite3_bind_text(st, 4, pwhash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
    ret = store_exec_stmt(s, st);
    if (ret == 0)
        *id_out = sqlite3_last_insert_rowid(store_db(s));
    return ret;
}

static int audit_add(store *s, const char *who, int64_t id, const char *name, store_role role,
                     int64_t commune_id)
{
    char entity[32];
    g_snprintf(entity, sizeof entity, "user:%" G_GINT64_FORMAT, id);
    json_t *after =
        json_pack("{sIssss}", "id", (json_int_t)id, "name", name, "role", store_role_name(role));
    if (commune_id > 0)
        json_object_set_new(after, "commune_id", json_integer(commune_id));
    int ret = store_audit(s, who, "user.add", entity, NULL, after);
    json_decref(after);
    return ret;
}

int store_user_add(store *s, const char *who, const char *name, store_role role,
                   const char *commune, const char *pwhash, int64_t *id_out)
{
    char *n = NULL;
    int64_t commune_id = 0, id = 0;
    int ret = store_name_normalize(name, STORE_USER_NAME_MAX, &n);
    if (ret != 0) {
        ret = store_failf(s, ret, "invalid user name");
        goto out;
    }
    if ((role == STORE_ROLE_OPERATOR) != (commune != NULL)) {
        ret = store_failf(s, -EINVAL, "operators, and only they, belong to a commune");
        goto out;
    }
    if (commune && (ret = store_commune_find(s, commune, &commune_id)) != 0)
        goto out;
    ret = insert(s, n, role, commune_id, pwhash, &id);
    if (ret == 0)
        ret = audit_add(s, who, id, n, role, commune_id);
    if (ret == 0 && id_out)
        *id_out = id;
out:
    g_free(n);
    return ret;
}

/* A hash to check wrong user names against, so that they take as long as wrong passwords
 * and response times do not tell which names exist. Made once per process. */
const char *store_users_dummy_hash(void)
{
    static char hash[STORE_PWHASH_MAX];
    static gsize done = 0;
    if (g_once_init_enter(&done)) {
        if (crypto_pwhash_str(hash, "loalang", 7, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            hash[0] = '\0';
        g_once_init_leave(&done, 1);
    }
    return hash;
}

int store_user_verify(store *s, const char *name, const char *password, int64_t *id_out,
                      store_role *role_out)
{
    sqlite3_stmt *st = NULL;
    char *n = NULL;
    if (!password || store_name_normalize(name, STORE_USER_NAME_MAX, &n) != 0)
        return store_failf(s, -EACCES, "bad user name or password");
    int ret = store_prepare(s,
                            "SELECT id, role, password_hash FROM users"
                            " WHERE name = ?1 AND disabled = 0",
                            &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_text(st, 1, n, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    store_role role = STORE_ROLE_OPERATOR;
    if (rc == SQLITE_ROW &&
        store_role_parse((const char *)sqlite3_column_text(st, 1), &role) == 0 &&
        crypto_pwhash_str_verify((const char *)sqlite3_column_text(st, 2), password,
                                 strlen(password)) == 0) {
        *id_out = sqlite3_column_int64(st, 0);
        *role_out = role;
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        /* The result is always a refusal; only the time spent matters. */
        if (rc == SQLITE_DONE &&
            crypto_pwhash_str_verify(store_users_dummy_hash(), password, strlen(password)) == 0)
            log_debug("dummy password hash matched");
        ret = store_failf(s, -EACCES, "bad user name or password");
    } else {
        ret = store_fail(s, rc, "verify user");
    }
    sqlite3_reset(st);
out:
    g_free(n);
    return ret;
}
