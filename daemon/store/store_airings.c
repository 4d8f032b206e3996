/* store_airings: see store_airings.h. */
#include "store_airings.h"
#include "store_internal.h"

#include <errno.h>
#include <glib.h>

#include "vtime.h"

/* An airing targets commune ?3 when it is for everyone, names the commune, or names one of
 * the commune's boxes. */
#define TARGETS_COMMUNE                                                                            \
    "(?3 = 0 OR a.target_kind = 'all'"                                                             \
    " OR (a.target_kind = 'communes' AND EXISTS (SELECT 1 FROM json_each(a.targets) j"             \
    "     WHERE j.value = ?3))"                                                                    \
    " OR (a.target_kind = 'boxes' AND EXISTS (SELECT 1 FROM json_each(a.targets) j"                \
    "     JOIN boxes b ON b.id = j.value WHERE b.commune_id = ?3)))"

static json_t *time_json(int64_t ms)
{
    char buf[VTIME_RFC3339_MAX];
    if (vtime_format_rfc3339(ms, vtime_zone(), buf) != 0)
        return json_null();
    return json_string(buf);
}

static const char *text(sqlite3_stmt *st, int col)
{
    const char *v = (const char *)sqlite3_column_text(st, col);
    return v ? v : "";
}

/* The names the targets JSON refers to (communes or boxes), for people to read; only those in
 * commune_id when it is not 0. */
static int target_names(store *s, const char *kind, const char *ids, int64_t commune_id,
                        json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *names = json_array();
    int ret = 0, rc;
    if (!g_strcmp0(kind, "all"))
        goto out;
    ret = store_prepare(s,
                        !g_strcmp0(kind, "communes")
                            ? "SELECT c.name FROM json_each(?1) j JOIN communes c ON c.id = j.value"
                              " WHERE ?2 = 0 OR c.id = ?2 ORDER BY c.name"
                            : "SELECT b.name FROM json_each(?1) j JOIN boxes b ON b.id = j.value"
                              " WHERE ?2 = 0 OR b.commune_id = ?2 ORDER BY b.name",
                        &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_text(st, 1, ids, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, commune_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(names, json_string(text(st, 0)));
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "airing targets");
    sqlite3_reset(st);
out:
    *out = json_pack("{ss so}", "kind", kind, "names", names);
    return ret;
}

/* The plays of an airing; only by commune_id's boxes when it is not 0. */
static int plays_of(store *s, const char *airing_id, int64_t commune_id, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array();
    int rc, ret = store_prepare(s,
                                "SELECT b.name, c.name, p.outcome, p.started_ms, p.ended_ms,"
                                " p.played_ms, p.detail FROM plays p"
                                " JOIN boxes b ON b.id = p.box_id"
                                " JOIN communes c ON c.id = b.commune_id"
                                " WHERE p.airing_id = ?1 AND (?2 = 0 OR c.id = ?2)"
                                " ORDER BY c.name, b.name, p.started_ms",
                                &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_text(st, 1, airing_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, commune_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{ss ss ss so so sI ss}", "box", text(st, 0),
                                             "commune", text(st, 1), "outcome", text(st, 2),
                                             "started", time_json(sqlite3_column_int64(st, 3)),
                                             "ended", time_json(sqlite3_column_int64(st, 4)),
                                             "played_ms", (json_int_t)sqlite3_column_int64(st, 5),
                                             "detail", text(st, 6)));
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "airing plays");
    sqlite3_reset(st);
out:
    *out = arr;
    return ret;
}

/* Reads the airing rows first and adds names and plays afterwards, so that one cached
 * statement steps at a time. */
static int read_rows(store *s, const store_airing_query *q, json_t *list, bool *truncated)
{
    sqlite3_stmt *st = NULL;
    int rc, ret = store_prepare(s,
                                "SELECT a.id, a.start_ms, a.duration_ms, a.priority,"
                                " a.program_title, p.id, p.title, p.genre, a.media_sha256,"
                                " a.target_kind, a.targets, a.withdrawn_version_id IS NOT NULL"
                                " FROM airings a JOIN pieces p ON p.id = a.piece_id"
                                " WHERE (a.withdrawn_version_id IS NULL OR ?5)"
                                " AND (NOT ?5 OR a.priority = 'emergency')"
                                " AND a.start_ms >= ?1 AND a.start_ms < ?2 AND " TARGETS_COMMUNE
                                " ORDER BY a.start_ms, a.id LIMIT ?4",
                                &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, q->from_ms);
    sqlite3_bind_int64(st, 2, q->until_ms);
    sqlite3_bind_int64(st, 3, q->commune_id);
    sqlite3_bind_int(st, 4, STORE_AIRINGS_MAX + 1);
    sqlite3_bind_int(st, 5, q->emergencies);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (json_array_size(list) == STORE_AIRINGS_MAX) {
            *truncated = true;
            continue;
        }
        int64_t start = sqlite3_column_int64(st, 1), dur = sqlite3_column_int64(st, 2);
        json_array_append_new(
            list,
            json_pack("{ss so so sI ss ss s{ss ss ss} ss s{ss ss}}", "id", text(st, 0), "start",
                      time_json(start), "end", time_json(start + dur), "duration_ms",
                      (json_int_t)dur, "priority", text(st, 3), "program", text(st, 4), "piece",
                      "id", text(st, 5), "title", text(st, 6), "genre", text(st, 7), "media",
                      text(st, 8), "targets", "kind", text(st, 9), "ids", text(st, 10)));
        if (q->emergencies)
            json_object_set_new(json_array_get(list, json_array_size(list) - 1), "stopped",
                                json_boolean(sqlite3_column_int(st, 11)));
    }
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "list airings");
    sqlite3_reset(st);
    return ret;
}

int store_airings_list(store *s, const store_airing_query *q, json_t **out)
{
    json_t *list = json_array();
    bool truncated = false;
    size_t i;
    json_t *a;
    int ret = q->from_ms < q->until_ms ? 0 : store_failf(s, -EINVAL, "empty airing range");
    if (ret == 0)
        ret = read_rows(s, q, list, &truncated);
    json_array_foreach(list, i, a)
    {
        if (ret != 0)
            break;
        json_t *t = json_object_get(a, "targets"), *names = NULL, *plays = NULL;
        ret = target_names(s, json_string_value(json_object_get(t, "kind")),
                           json_string_value(json_object_get(t, "ids")), q->commune_id, &names);
        json_object_set_new(a, "targets", names);
        if (ret == 0 && q->with_plays) {
            ret = plays_of(s, json_string_value(json_object_get(a, "id")), q->commune_id, &plays);
            json_object_set_new(a, "plays", plays);
        }
    }
    if (ret != 0) {
        json_decref(list);
        return ret;
    }
    *out = json_pack("{so sb}", "airings", list, "truncated", truncated);
    return 0;
}

int store_airings_media_visible(store *s, const char *sha256, int64_t commune_id, bool *ok)
{
    sqlite3_stmt *st = NULL;
    *ok = false;
    if (commune_id <= 0)
        return 0; /* ?3 = 0 would mean every commune */
    int ret = store_prepare(s,
                            "SELECT EXISTS (SELECT 1 FROM airings a WHERE a.media_sha256 = ?1"
                            " AND a.withdrawn_version_id IS NULL AND " TARGETS_COMMUNE ")",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, commune_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *ok = sqlite3_column_int(st, 0) != 0;
    else
        ret = store_fail(s, rc, "media for commune");
    sqlite3_reset(st);
    return ret;
}
