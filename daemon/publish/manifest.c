/* manifest: see manifest.h. The cache keeps, per box, the encoded manifest without its
 * server_time member and the ETag of that text; a request splices "server_time" in front of
 * the other members (one allocation and copy), so a hit costs two indexed look-ups (latest
 * version, box row) and no JSON work. */
#include "manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "hash.h"
#include "store_targets.h"
#include "vtime.h"

#define HORIZON_MAX 60

void manifest_opts_default(manifest_opts *o, GTimeZone *tz)
{
    o->tz = tz;
    o->horizon_days = MANIFEST_HORIZON_DEFAULT;
    o->poll_seconds = MANIFEST_POLL_DEFAULT;
    o->volume = MANIFEST_VOLUME_DEFAULT;
}

/* The box row a manifest depends on. */
typedef struct box_row {
    char *name, *commune;
    int64_t commune_id;
    bool revoked;
} box_row;

static void box_row_clear(box_row *b)
{
    g_free(b->name);
    g_free(b->commune);
    memset(b, 0, sizeof *b);
}

static int load_box(store *s, int64_t box_id, box_row *out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "SELECT b.name, c.name, b.commune_id, b.revoked FROM boxes b"
                            " JOIN communes c ON c.id = b.commune_id WHERE b.id = ?1",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, box_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->name = g_strdup((const char *)sqlite3_column_text(st, 0));
        out->commune = g_strdup((const char *)sqlite3_column_text(st, 1));
        out->commune_id = sqlite3_column_int64(st, 2);
        out->revoked = sqlite3_column_int(st, 3) != 0;
    } else if (rc == SQLITE_DONE) {
        ret = store_failf(s, -ENOENT, "no box %" PRId64, box_id);
    } else {
        ret = store_fail(s, rc, "load box");
    }
    sqlite3_reset(st);
    return ret;
}

static int latest_version(store *s, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT coalesce(max(id), 0) FROM schedule_versions", &st);
    if (ret != 0)
        return ret;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        ret = store_fail(s, rc, "latest version");
    sqlite3_reset(st);
    return ret;
}

/* [from, horizon_end): today's local midnight and the one horizon_days later. */
static int day_window(const manifest_opts *o, int64_t now_ms, int32_t *day, int64_t *from,
                      int64_t *until)
{
    int rc = vtime_day_of(o->tz, now_ms, day);
    if (rc == 0)
        rc = vtime_day_start(o->tz, *day, from);
    if (rc == 0)
        rc = vtime_day_start(o->tz, *day + o->horizon_days, until);
    return rc;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return g_strdup(t ? (const char *)t : "");
}

static int add_media(proto_manifest *m, GHashTable *seen, sqlite3_stmt *st)
{
    const char *sha = (const char *)sqlite3_column_text(st, 7);
    if (g_hash_table_contains(seen, sha))
        return 0;
    proto_media *md = &m->media[m->n_media++];
    g_strlcpy(md->sha256, sha, sizeof md->sha256);
    md->bytes = sqlite3_column_int64(st, 8);
    md->duration_ms = sqlite3_column_int64(st, 9);
    md->url = proto_media_url(md->sha256);
    g_hash_table_add(seen, md->sha256);
    return 0;
}

static int load_airings(store *s, int64_t box_id, int64_t commune_id, int64_t from, int64_t until,
                        proto_manifest *m)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int ret = store_prepare(s,
                            "SELECT a.id, a.start_ms, a.duration_ms, a.priority, a.program_title,"
                            " p.title, p.genre, a.media_sha256, md.bytes, md.duration_ms"
                            " FROM airings a JOIN pieces p ON p.id = a.piece_id"
                            " JOIN media md ON md.sha256 = a.media_sha256"
                            " WHERE a.withdrawn_version_id IS NULL AND a.start_ms < :until"
                            " AND a.start_ms > :from - 86400000"
                            " AND a.start_ms + a.duration_ms > :from"
                            " AND " STORE_TARGETS_SQL " ORDER BY a.start_ms, a.id",
                            &st);
    if (ret != 0)
        return ret;
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":from"), from);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":until"), until);
    store_targets_bind(st, box_id, commune_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (m->n_airings == cap) {
            cap = cap ? cap * 2 : 16;
            m->airings = g_renew(proto_airing, m->airings, cap);
            /* media never outnumber airings; keep pointers in `seen` valid by sizing once per
             * growth before any is added (the set is rebuilt below on growth). */
            m->media = g_renew(proto_media, m->media, cap);
            g_hash_table_remove_all(seen);
            for (size_t i = 0; i < m->n_media; i++)
                g_hash_table_add(seen, m->media[i].sha256);
        }
        proto_airing *a = &m->airings[m->n_airings++];
        memset(a, 0, sizeof *a);
        a->id = col_dup(st, 0);
        a->start_ms = sqlite3_column_int64(st, 1);
        a->duration_ms = sqlite3_column_int64(st, 2);
        proto_priority_parse((const char *)sqlite3_column_text(st, 3), &a->priority);
        a->program = col_dup(st, 4);
        a->title = col_dup(st, 5);
        a->genre = col_dup(st, 6);
        g_strlcpy(a->media, (const char *)sqlite3_column_text(st, 7), sizeof a->media);
        add_media(m, seen, st);
    }
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "manifest airings");
    sqlite3_reset(st);
    g_hash_table_destroy(seen);
    return ret;
}

static int build_for(store *s, const manifest_opts *o, int64_t box_id, const box_row *b,
                     int64_t now_ms, proto_manifest *out)
{
    int32_t day = 0;
    int64_t from = 0, until = 0;
    memset(out, 0, sizeof *out);
    if (b->revoked)
        return store_failf(s, -EACCES, "box %" PRId64 " is revoked", box_id);
    int ret = day_window(o, now_ms, &day, &from, &until);
    if (ret != 0)
        return store_failf(s, ret, "bad time for the manifest");
    out->box.id = g_strdup_printf("%" PRId64, box_id);
    out->box.name = g_strdup(b->name);
    out->box.commune = g_strdup(b->commune);
    out->server_time_ms = now_ms;
    out->horizon_end_ms = until;
    out->poll_seconds = o->poll_seconds;
    out->volume = o->volume;
    ret = load_airings(s, box_id, b->commune_id, from, until, out);
    if (ret != 0)
        proto_manifest_clear(out);
    return ret;
}

int manifest_build(store *s, const manifest_opts *o, int64_t box_id, int64_t now_ms,
                   proto_manifest *out)
{
    box_row b = {0};
    memset(out, 0, sizeof *out);
    int ret = load_box(s, box_id, &b);
    if (ret == 0)
        ret = build_for(s, o, box_id, &b, now_ms, out);
    box_row_clear(&b);
    return ret;
}

int manifest_box_targeted(store *s, int64_t box_id, const char *airing_id, bool *out)
{
    sqlite3_stmt *st = NULL;
    *out = false;
    int ret =
        store_prepare(s,
                      "SELECT " STORE_TARGETS_SQL " FROM airings a, boxes b"
                      " WHERE a.id = :airing AND b.id = :target_box AND b.commune_id = :target_commune",
                      &st);
    if (ret != 0)
        return ret;
    box_row b = {0};
    ret = load_box(s, box_id, &b);
    if (ret == -ENOENT)
        return 0;
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":airing"), airing_id, -1, SQLITE_STATIC);
    store_targets_bind(st, box_id, b.commune_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0) != 0;
    else if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "airing targets");
    sqlite3_reset(st);
    box_row_clear(&b);
    return ret;
}

/* ---- cache ---- */

typedef struct entry {
    int64_t version;
    int32_t day;
    box_row box;
    char etag[MANIFEST_ETAG_MAX];
    char *rest; /* the encoded manifest without server_time, from its first member on */
    size_t rest_len;
} entry;

struct manifest_cache {
    manifest_opts opts;
    GMutex lock;
    GHashTable *entries; /* box id (gint64 *) → entry * */
    uint64_t builds;
};

static void entry_free(gpointer p)
{
    entry *e = p;
    box_row_clear(&e->box);
    g_free(e->rest);
    g_free(e);
}

manifest_cache *manifest_cache_new(const manifest_opts *o)
{
    manifest_cache *c = g_new0(manifest_cache, 1);
    c->opts = *o;
    g_time_zone_ref(o->tz);
    g_mutex_init(&c->lock);
    c->entries = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, entry_free);
    return c;
}

void manifest_cache_free(manifest_cache *c)
{
    if (!c)
        return;
    g_hash_table_destroy(c->entries);
    g_mutex_clear(&c->lock);
    g_time_zone_unref(c->opts.tz);
    g_free(c);
}

uint64_t manifest_cache_builds(manifest_cache *c)
{
    g_mutex_lock(&c->lock);
    uint64_t n = c->builds;
    g_mutex_unlock(&c->lock);
    return n;
}

static bool entry_fresh(const entry *e, int64_t version, int32_t day, const box_row *b)
{
    return e->version == version && e->day == day && e->box.commune_id == b->commune_id &&
           e->box.revoked == b->revoked && !strcmp(e->box.name, b->name) &&
           !strcmp(e->box.commune, b->commune);
}

/* Encodes m without server_time into a new entry. */
static int encode_entry(store *s, const proto_manifest *m, GTimeZone *tz, entry *e)
{
    json_t *j = proto_manifest_to_json(m, tz);
    if (!j)
        return store_failf(s, -ENOMEM, "encode manifest");
    json_object_del(j, "server_time");
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!text || text[0] != '{' || text[1] == '}') {
        free(text);
        return store_failf(s, -ENOMEM, "encode manifest");
    }
    char hex[HASH_SHA256_HEX_LEN + 1];
    size_t len = strlen(text);
    hash_sha256_buf(text, len, hex);
    snprintf(e->etag, sizeof e->etag, "\"%s\"", hex);
    e->rest = g_strndup(text + 1, len - 1);
    e->rest_len = len - 1;
    free(text);
    return 0;
}

static int rebuild(manifest_cache *c, store *s, int64_t box_id, box_row *b, int64_t version,
                   int32_t day, int64_t now_ms, entry **out)
{
    proto_manifest m;
    int ret = build_for(s, &c->opts, box_id, b, now_ms, &m);
    if (ret != 0)
        return ret;
    entry *e = g_new0(entry, 1);
    ret = encode_entry(s, &m, c->opts.tz, e);
    proto_manifest_clear(&m);
    if (ret != 0) {
        entry_free(e);
        return ret;
    }
    e->version = version;
    e->day = day;
    e->box = *b;
    memset(b, 0, sizeof *b);
    g_hash_table_replace(c->entries, g_memdup2(&box_id, sizeof box_id), e);
    c->builds++;
    *out = e;
    return 0;
}

static int splice(store *s, const entry *e, int64_t now_ms, GTimeZone *tz, char **body_out,
                  size_t *len_out)
{
    char t[VTIME_RFC3339_MAX];
    if (vtime_format_rfc3339(now_ms, tz, t) != 0)
        return store_failf(s, -EINVAL, "bad server time");
    GString *g = g_string_sized_new(e->rest_len + 64);
    g_string_append(g, "{\"server_time\":\"");
    g_string_append(g, t);
    g_string_append(g, "\",");
    g_string_append_len(g, e->rest, (gssize)e->rest_len);
    if (len_out)
        *len_out = g->len;
    *body_out = g_string_free(g, FALSE);
    return 0;
}

int manifest_cache_get(manifest_cache *c, store *s, int64_t box_id, int64_t now_ms,
                       char etag[MANIFEST_ETAG_MAX], char **body_out, size_t *len_out)
{
    box_row b = {0};
    int64_t version = 0, from = 0, until = 0;
    int32_t day = 0;
    entry *e = NULL;
    int ret = load_box(s, box_id, &b);
    if (ret == 0)
        ret = latest_version(s, &version);
    if (ret == 0 && day_window(&c->opts, now_ms, &day, &from, &until) != 0)
        ret = store_failf(s, -EINVAL, "bad time for the manifest");
    if (ret != 0)
        goto out;
    g_mutex_lock(&c->lock);
    e = g_hash_table_lookup(c->entries, &box_id);
    if (!e || !entry_fresh(e, version, day, &b))
        ret = rebuild(c, s, box_id, &b, version, day, now_ms, &e);
    if (ret == 0) {
        g_strlcpy(etag, e->etag, MANIFEST_ETAG_MAX);
        if (body_out)
            ret = splice(s, e, now_ms, c->opts.tz, body_out, len_out);
    }
    g_mutex_unlock(&c->lock);
out:
    box_row_clear(&b);
    return ret;
}
