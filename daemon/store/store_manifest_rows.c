/* store_manifest_rows: see store_manifest_rows.h. */
#include "store_manifest_rows.h"
#include "store_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "store_targets.h"

int store_manifest_latest_version(store *s, int64_t *out)
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

/* The manifest's text members are never NULL: the encoder writes them as strings. */
static char *text_or_empty(sqlite3_stmt *st, int i)
{
    char *t = store_col_dup(st, i);
    return t ? t : g_strdup("");
}

static void add_media(proto_manifest *m, GHashTable *seen, sqlite3_stmt *st)
{
    const char *sha = (const char *)sqlite3_column_text(st, 7);
    if (g_hash_table_contains(seen, sha))
        return;
    proto_media *md = &m->media[m->n_media++];
    g_strlcpy(md->sha256, sha, sizeof md->sha256);
    md->bytes = sqlite3_column_int64(st, 8);
    md->duration_ms = sqlite3_column_int64(st, 9);
    md->url = proto_media_url(md->sha256);
    g_hash_table_add(seen, md->sha256);
}

int store_manifest_airings(store *s, int64_t box_id, int64_t commune_id, int64_t from,
                           int64_t until, proto_manifest *m)
{
    sqlite3_stmt *st = NULL;
    size_t cap = m->n_airings;
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
    for (size_t i = 0; i < m->n_media; i++)
        g_hash_table_add(seen, m->media[i].sha256);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":from"), from);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":until"), until);
    store_targets_bind(st, box_id, commune_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (m->n_airings == cap) {
            cap = cap ? cap * 2 : 16;
            m->airings = g_renew(proto_airing, m->airings, cap);
            /* media never outnumber airings; keep pointers in `seen` valid by sizing once per
             * growth before any is added (the set is rebuilt here on growth). */
            m->media = g_renew(proto_media, m->media, cap);
            g_hash_table_remove_all(seen);
            for (size_t i = 0; i < m->n_media; i++)
                g_hash_table_add(seen, m->media[i].sha256);
        }
        proto_airing *a = &m->airings[m->n_airings++];
        memset(a, 0, sizeof *a);
        a->id = text_or_empty(st, 0);
        a->start_ms = sqlite3_column_int64(st, 1);
        a->duration_ms = sqlite3_column_int64(st, 2);
        proto_priority_parse((const char *)sqlite3_column_text(st, 3), &a->priority);
        a->program = text_or_empty(st, 4);
        a->title = text_or_empty(st, 5);
        a->genre = text_or_empty(st, 6);
        g_strlcpy(a->media, (const char *)sqlite3_column_text(st, 7), sizeof a->media);
        add_media(m, seen, st);
    }
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "manifest airings");
    sqlite3_reset(st);
    g_hash_table_destroy(seen);
    return ret;
}

int store_manifest_targeted(store *s, int64_t box_id, int64_t commune_id, const char *airing_id,
                            bool *out)
{
    sqlite3_stmt *st = NULL;
    *out = false;
    int ret = store_prepare(
        s,
        "SELECT " STORE_TARGETS_SQL " FROM airings a, boxes b"
        " WHERE a.id = :airing AND b.id = :target_box AND b.commune_id = :target_commune",
        &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":airing"), airing_id, -1,
                      SQLITE_STATIC);
    store_targets_bind(st, box_id, commune_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0) != 0;
    else if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "airing targets");
    sqlite3_reset(st);
    return ret;
}
