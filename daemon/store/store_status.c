/* store_status: see store_status.h. */
#include "store_status.h"
#include "store_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "store_boxes.h"
#include "vtime.h"

#define DAY_MS 86400000LL

static int insert_status(store *s, int64_t box_id, const char *text, int64_t now_ms)
{
    sqlite3_stmt *st = NULL;
    int ret =
        store_prepare(s, "INSERT INTO box_status(box_id, at_ms, status) VALUES (?1, ?2, ?3)", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, box_id);
    sqlite3_bind_int64(st, 2, now_ms);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    ret = store_exec_stmt(s, st);
    if (ret != 0)
        return ret;
    ret = store_prepare(s, "DELETE FROM box_status WHERE box_id = ?1 AND at_ms < ?2", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, box_id);
    sqlite3_bind_int64(st, 2, now_ms - STORE_STATUS_KEEP_DAYS * DAY_MS);
    return store_exec_stmt(s, st);
}

int store_status_report(store *s, int64_t box_id, const json_t *status, int64_t now_ms,
                        GTimeZone *tz, json_t **out)
{
    proto_box_status bs = {0};
    store_box box = {0};
    char err[PROTO_ERR_MAX];
    char *text = NULL;
    *out = NULL;
    if (proto_box_status_from_json(status, &bs, err) != 0)
        return store_failf(s, -EINVAL, "%s", err);
    proto_box_status_clear(&bs);
    text = json_dumps(status, JSON_COMPACT);
    int ret = text ? store_begin(s) : store_failf(s, -ENOMEM, "encode status");
    if (ret != 0)
        goto out;
    ret = store_box_get(s, box_id, &box); /* -ENOENT: no such box */
    store_box_clear(&box);
    if (ret == 0)
        ret = insert_status(s, box_id, text, now_ms);
    if (ret == 0)
        ret = store_commit(s);
    if (ret != 0) {
        store_rollback(s);
        goto out;
    }
    *out = proto_server_time_to_json(now_ms, tz);
    if (!*out)
        ret = store_failf(s, -ENOMEM, "encode server time");
out:
    free(text);
    return ret;
}

/* ---- contacts ---- */

typedef struct contact {
    int64_t last_ms, since_ms;
    bool dirty;
} contact;

struct store_contacts {
    int64_t offline_after_ms;
    GMutex lock;
    GHashTable *map; /* box id (gint64 *) → contact * */
};

store_contacts *store_contacts_new(int64_t offline_after_ms)
{
    store_contacts *c = g_new0(store_contacts, 1);
    c->offline_after_ms = offline_after_ms;
    g_mutex_init(&c->lock);
    c->map = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    return c;
}

void store_contacts_free(store_contacts *c)
{
    if (!c)
        return;
    g_hash_table_destroy(c->map);
    g_mutex_clear(&c->lock);
    g_free(c);
}

static contact *lookup_or_add(store_contacts *c, int64_t box_id, bool *added)
{
    contact *k = g_hash_table_lookup(c->map, &box_id);
    *added = k == NULL;
    if (!k) {
        k = g_new0(contact, 1);
        g_hash_table_insert(c->map, g_memdup2(&box_id, sizeof box_id), k);
    }
    return k;
}

void store_contacts_touch(store_contacts *c, int64_t box_id, int64_t now_ms)
{
    bool added = false;
    g_mutex_lock(&c->lock);
    contact *k = lookup_or_add(c, box_id, &added);
    if (added || now_ms - k->last_ms >= c->offline_after_ms)
        k->since_ms = now_ms;
    if (now_ms > k->last_ms)
        k->last_ms = now_ms;
    if (k->since_ms > k->last_ms)
        k->since_ms = k->last_ms;
    k->dirty = true;
    g_mutex_unlock(&c->lock);
}

int store_contacts_load(store_contacts *c, store *s)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT box_id, last_ms, since_ms FROM box_contacts", &st);
    if (ret != 0)
        return ret;
    int rc;
    g_mutex_lock(&c->lock);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        bool added = false;
        contact *k = lookup_or_add(c, sqlite3_column_int64(st, 0), &added);
        if (added) {
            k->last_ms = sqlite3_column_int64(st, 1);
            k->since_ms = sqlite3_column_int64(st, 2);
        }
    }
    g_mutex_unlock(&c->lock);
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "load contacts");
    sqlite3_reset(st);
    return ret;
}

typedef struct pending {
    int64_t box_id;
    contact k;
} pending;

/* Takes the dirty entries out (clearing their flag) so the lock is not held across I/O. */
static GArray *take_dirty(store_contacts *c)
{
    GArray *v = g_array_new(FALSE, FALSE, sizeof(pending));
    GHashTableIter it;
    gpointer key, val;
    g_mutex_lock(&c->lock);
    g_hash_table_iter_init(&it, c->map);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        contact *k = val;
        if (!k->dirty)
            continue;
        pending p = {*(gint64 *)key, *k};
        g_array_append_val(v, p);
        k->dirty = false;
    }
    g_mutex_unlock(&c->lock);
    return v;
}

static void mark_dirty(store_contacts *c, GArray *v)
{
    g_mutex_lock(&c->lock);
    for (guint i = 0; i < v->len; i++) {
        contact *k = g_hash_table_lookup(c->map, &g_array_index(v, pending, i).box_id);
        if (k)
            k->dirty = true;
    }
    g_mutex_unlock(&c->lock);
}

static int write_contacts(store *s, GArray *v)
{
    sqlite3_stmt *st = NULL;
    int ret = 0;
    for (guint i = 0; ret == 0 && i < v->len; i++) {
        const pending *p = &g_array_index(v, pending, i);
        ret = store_prepare(s,
                            "INSERT INTO box_contacts(box_id, last_ms, since_ms)"
                            " SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM boxes WHERE id = ?1)"
                            " ON CONFLICT(box_id) DO UPDATE SET last_ms = excluded.last_ms,"
                            " since_ms = excluded.since_ms",
                            &st);
        if (ret != 0)
            break;
        sqlite3_bind_int64(st, 1, p->box_id);
        sqlite3_bind_int64(st, 2, p->k.last_ms);
        sqlite3_bind_int64(st, 3, p->k.since_ms);
        ret = store_exec_stmt(s, st);
    }
    return ret;
}

int store_contacts_flush(store_contacts *c, store *s)
{
    GArray *v = take_dirty(c);
    int ret = 0;
    if (v->len == 0)
        goto out;
    ret = store_begin(s);
    if (ret == 0)
        ret = write_contacts(s, v);
    if (ret == 0)
        ret = store_commit(s);
    if (ret != 0) {
        store_rollback(s);
        mark_dirty(c, v);
    }
out:
    g_array_free(v, TRUE);
    return ret;
}

/* ---- the list ---- */

static json_t *jtime(int64_t ms, GTimeZone *tz)
{
    char buf[VTIME_RFC3339_MAX];
    if (ms == INT64_MIN || vtime_format_rfc3339(ms, tz, buf) != 0)
        return json_null();
    return json_string(buf);
}

static int last_play(store *s, int64_t box_id, GTimeZone *tz, json_t **out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "SELECT p.airing_id, coalesce(pc.title, ''), p.started_ms, p.outcome"
                            " FROM plays p LEFT JOIN airings a ON a.id = p.airing_id"
                            " LEFT JOIN pieces pc ON pc.id = a.piece_id"
                            " WHERE p.box_id = ?1 ORDER BY p.started_ms DESC LIMIT 1",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, box_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out =
            json_pack("{s:s, s:s, s:o, s:s}", "airing", sqlite3_column_text(st, 0), "title",
                      sqlite3_column_text(st, 1), "started", jtime(sqlite3_column_int64(st, 2), tz),
                      "outcome", sqlite3_column_text(st, 3));
    else if (rc == SQLITE_DONE)
        *out = json_null();
    else
        ret = store_fail(s, rc, "last play");
    sqlite3_reset(st);
    return ret;
}

/* Adds the figures of the box's latest status report to o (nulls when none or unreadable). */
static int latest_status(store *s, int64_t box_id, GTimeZone *tz, json_t *o)
{
    sqlite3_stmt *st = NULL;
    proto_box_status bs = {0};
    char err[PROTO_ERR_MAX];
    bool have = false;
    int64_t at = INT64_MIN;
    int ret = store_prepare(s,
                            "SELECT at_ms, status FROM box_status WHERE box_id = ?1"
                            " ORDER BY at_ms DESC LIMIT 1",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, box_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        json_t *j = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
        have = j && proto_box_status_from_json(j, &bs, err) == 0;
        at = sqlite3_column_int64(st, 0);
        json_decref(j);
    } else if (rc != SQLITE_DONE) {
        ret = store_fail(s, rc, "latest status");
    }
    sqlite3_reset(st);
    json_object_set_new(o, "status_at", jtime(at, tz));
    json_object_set_new(o, "missing_media",
                        have ? json_integer((json_int_t)bs.n_missing_media) : json_null());
    json_object_set_new(o, "clock_offset_ms",
                        have ? json_integer(bs.clock_offset_ms) : json_null());
    json_object_set_new(
        o, "clock_warning",
        json_boolean(have && llabs(bs.clock_offset_ms) > STORE_STATUS_CLOCK_WARN_MS));
    json_object_set_new(o, "version", have ? json_string(bs.agent_version) : json_null());
    json_object_set_new(o, "playing",
                        have && bs.playing_airing ? json_string(bs.playing_airing) : json_null());
    proto_box_status_clear(&bs);
    return ret;
}

static void contact_of(store_contacts *c, int64_t box_id, sqlite3_stmt *st, contact *out)
{
    out->last_ms = out->since_ms = INT64_MIN;
    if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
        out->last_ms = sqlite3_column_int64(st, 5);
        out->since_ms = sqlite3_column_int64(st, 6);
    }
    if (!c)
        return;
    g_mutex_lock(&c->lock);
    contact *k = g_hash_table_lookup(c->map, &box_id);
    if (k && k->last_ms >= out->last_ms)
        *out = *k;
    g_mutex_unlock(&c->lock);
}

static json_t *box_entry(store_contacts *c, sqlite3_stmt *st, int64_t offline_after, int64_t now_ms,
                         GTimeZone *tz)
{
    int64_t id = sqlite3_column_int64(st, 0);
    contact k;
    contact_of(c, id, st, &k);
    bool seen = k.last_ms != INT64_MIN;
    bool online = seen && now_ms - k.last_ms < offline_after;
    return json_pack("{s:I, s:s, s:s, s:I, s:b, s:b, s:o, s:o}", "id", (json_int_t)id, "name",
                     sqlite3_column_text(st, 1), "commune", sqlite3_column_text(st, 2),
                     "commune_id", (json_int_t)sqlite3_column_int64(st, 3), "revoked",
                     sqlite3_column_int(st, 4), "online", online, "since",
                     jtime(online ? k.since_ms : k.last_ms, tz), "last_contact",
                     jtime(k.last_ms, tz));
}

int store_status_list(store *s, store_contacts *c, int64_t commune_id, int poll_seconds,
                      int64_t now_ms, GTimeZone *tz, json_t **out)
{
    sqlite3_stmt *st = NULL;
    int64_t offline_after = (int64_t)STORE_STATUS_OFFLINE_POLLS * poll_seconds * 1000;
    json_t *boxes = json_array();
    int ret = store_prepare(s,
                            "SELECT b.id, b.name, c.name, b.commune_id, b.revoked, k.last_ms,"
                            " k.since_ms FROM boxes b JOIN communes c ON c.id = b.commune_id"
                            " LEFT JOIN box_contacts k ON k.box_id = b.id"
                            " WHERE ?1 <= 0 OR b.commune_id = ?1 ORDER BY c.name, b.name",
                            &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_int64(st, 1, commune_id);
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        g_array_append_val(ids, id);
        json_array_append_new(boxes, box_entry(c, st, offline_after, now_ms, tz));
    }
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "list boxes");
    sqlite3_reset(st);
    /* The per-box look-ups run after the list statement is done with. */
    for (guint i = 0; ret == 0 && i < ids->len; i++) {
        json_t *o = json_array_get(boxes, i), *lp = NULL;
        int64_t id = g_array_index(ids, int64_t, i);
        ret = last_play(s, id, tz, &lp);
        if (ret == 0) {
            json_object_set_new(o, "last_play", lp);
            ret = latest_status(s, id, tz, o);
        }
    }
    g_array_free(ids, TRUE);
out:
    if (ret == 0)
        *out = json_pack("{s:o}", "boxes", boxes);
    else
        json_decref(boxes);
    return ret;
}
