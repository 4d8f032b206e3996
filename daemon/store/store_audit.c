/* store_audit: see store_audit.h. */
#include "store_audit.h"
#include "store_internal.h"
#include "wallclock.h"

#include <errno.h>
#include <stdlib.h>

static char *dump(const json_t *j)
{
    return j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

int store_audit(store *s, const char *who, const char *action, const char *entity,
                const json_t *before, const json_t *after)
{
    sqlite3_stmt *st = NULL;
    char *b = dump(before), *a = dump(after);
    int ret = 0;
    if (sqlite3_get_autocommit(store_db(s))) {
        ret = store_failf(s, -EINVAL, "audit %s outside a transaction", action);
        goto out;
    }
    ret = store_prepare(s,
                        "INSERT INTO audit(at_ms, who, action, entity, before, after)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_int64(st, 1, wallclock_now_ms());
    sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, b, -1, SQLITE_STATIC); /* NULL binds SQL NULL */
    sqlite3_bind_text(st, 6, a, -1, SQLITE_STATIC);
    ret = store_exec_stmt(s, st);
out:
    free(b);
    free(a);
    return ret;
}

int store_audit_count(store *s, const char *action, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT count(*) FROM audit WHERE action = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        ret = store_fail(s, rc, "count audit");
    sqlite3_reset(st);
    return ret;
}
