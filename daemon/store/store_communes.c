/* store_communes: see store_communes.h. */
#include "store_communes.h"
#include "store_internal.h"

#include <errno.h>
#include <glib.h>
#include <jansson.h>

#include "store_audit.h"
#include "wallclock.h"

static int insert(store *s, const char *name, int64_t *id_out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "INSERT INTO communes(name, created_ms) VALUES (?1, ?2)", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, wallclock_now_ms());
    ret = store_exec_stmt(s, st);
    if (ret == 0)
        *id_out = sqlite3_last_insert_rowid(store_db(s));
    return ret;
}

int store_commune_add(store *s, const char *who, const char *name, int64_t *id_out)
{
    char *n = NULL;
    char entity[32];
    json_t *after = NULL;
    int64_t id = 0;
    int ret = store_name_normalize(name, STORE_NAME_MAX, &n);
    if (ret != 0) {
        ret = store_failf(s, ret, "invalid commune name");
        goto out;
    }
    ret = insert(s, n, &id);
    if (ret != 0)
        goto out;
    g_snprintf(entity, sizeof entity, "commune:%" G_GINT64_FORMAT, id);
    after = json_pack("{sIss}", "id", (json_int_t)id, "name", n);
    ret = store_audit(s, who, "commune.add", entity, NULL, after);
    if (ret == 0 && id_out)
        *id_out = id;
out:
    json_decref(after);
    g_free(n);
    return ret;
}

int store_commune_find(store *s, const char *name, int64_t *id_out)
{
    sqlite3_stmt *st = NULL;
    char *n = NULL;
    if (store_name_normalize(name, STORE_NAME_MAX, &n) != 0)
        return store_failf(s, -ENOENT, "no commune with an invalid name");
    int ret = store_prepare(s, "SELECT id FROM communes WHERE name = ?1", &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_text(st, 1, n, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id_out = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        ret = store_failf(s, -ENOENT, "no commune named %s", n);
    else
        ret = store_fail(s, rc, "find commune");
    sqlite3_reset(st);
out:
    g_free(n);
    return ret;
}

int store_commune_list(store *s, store_commune **out, size_t *n_out)
{
    sqlite3_stmt *st = NULL;
    GArray *v = g_array_new(FALSE, TRUE, sizeof(store_commune));
    int ret = store_prepare(s,
                            "SELECT c.id, c.name, c.created_ms,"
                            " (SELECT count(*) FROM boxes b WHERE b.commune_id = c.id)"
                            " FROM communes c ORDER BY c.name",
                            &st);
    int rc = SQLITE_DONE;
    while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_commune c = {
            .id = sqlite3_column_int64(st, 0),
            .name = g_strdup((const char *)sqlite3_column_text(st, 1)),
            .created_ms = sqlite3_column_int64(st, 2),
            .n_boxes = sqlite3_column_int64(st, 3),
        };
        g_array_append_val(v, c);
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = store_fail(s, rc, "list communes");
    if (st)
        sqlite3_reset(st);
    *n_out = v->len;
    *out = (store_commune *)(void *)g_array_free(v, FALSE);
    if (ret != 0) {
        store_commune_list_free(*out, *n_out);
        *out = NULL;
        *n_out = 0;
    }
    return ret;
}

void store_commune_list_free(store_commune *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        g_free(v[i].name);
    g_free(v);
}
