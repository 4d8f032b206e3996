/* store_events: see store_events.h. */
#include "store_events.h"
#include "store_internal.h"
#include "wallclock.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool type_ok(const char *t)
{
    return t && (!strcmp(t, "manifest_changed") || !strcmp(t, "emergency") || !strcmp(t, "stop"));
}

int store_event_add(store *s, const char *type, const json_t *payload, int64_t *cursor_out)
{
    sqlite3_stmt *st = NULL;
    char *p = NULL;
    int ret;
    if (!type_ok(type) || (payload && !json_is_object(payload)))
        return store_failf(s, -EINVAL, "bad event type or payload");
    p = payload ? json_dumps(payload, JSON_COMPACT) : strdup("{}");
    if (!p)
        return store_failf(s, -ENOMEM, "event payload");
    ret =
        store_prepare(s, "INSERT INTO events(type, payload, created_ms) VALUES (?1, ?2, ?3)", &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, wallclock_now_ms());
    ret = store_exec_stmt(s, st);
    if (ret == 0 && cursor_out)
        *cursor_out = sqlite3_last_insert_rowid(store_db(s));
out:
    free(p);
    return ret;
}

static json_t *event_row(sqlite3_stmt *st)
{
    const char *text = (const char *)sqlite3_column_text(st, 3);
    json_t *payload = json_loads(text ? text : "{}", 0, NULL);
    if (!payload)
        payload = json_object();
    return json_pack("{sI ss sI so}", "cursor", (json_int_t)sqlite3_column_int64(st, 0), "type",
                     (const char *)sqlite3_column_text(st, 1), "at_ms",
                     (json_int_t)sqlite3_column_int64(st, 2), "payload", payload);
}

int store_events_after(store *s, int64_t after, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array();
    int ret = arr ? 0 : -ENOMEM, rc;
    if (ret != 0)
        return store_failf(s, ret, "events array");
    ret = store_prepare(s,
                        "SELECT cursor, type, created_ms, payload FROM events WHERE cursor > ?1"
                        " ORDER BY cursor LIMIT ?2",
                        &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, STORE_EVENTS_BATCH);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *e = event_row(st);
        if (!e || json_array_append_new(arr, e) != 0) {
            ret = store_failf(s, -ENOMEM, "event row");
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "read events");
out:
    if (st)
        sqlite3_reset(st);
    if (ret == 0)
        *out = arr;
    else
        json_decref(arr);
    return ret;
}

int store_events_last(store *s, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT coalesce(max(cursor), 0) FROM events", &st);
    if (ret != 0)
        return ret;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        ret = store_fail(s, rc, "last event");
    sqlite3_reset(st);
    return ret;
}
