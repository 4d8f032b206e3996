/* store_media: see store_media.h. */
#include "store_media.h"
#include "proto.h"
#include "store_boxes.h"
#include "store_internal.h"
#include "wallclock.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define MEDIA_COLS                                                                                 \
    "m.sha256, m.bytes, m.duration_ms, m.loudness_in_lufs, m.loudness_out_lufs,"                   \
    " m.true_peak_dbtp, m.created_ms,"                                                             \
    " EXISTS (SELECT 1 FROM airings a WHERE a.media_sha256 = m.sha256"                             \
    " AND a.withdrawn_version_id IS NULL)"

static void bind_real(sqlite3_stmt *st, int i, double v)
{
    /* -inf (digital silence) has no JSON or SQL REAL form worth keeping. */
    if (isfinite(v))
        sqlite3_bind_double(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static double column_real(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static void read_row(sqlite3_stmt *st, store_media *m)
{
    g_strlcpy(m->sha256, (const char *)sqlite3_column_text(st, 0), sizeof m->sha256);
    m->bytes = sqlite3_column_int64(st, 1);
    m->duration_ms = sqlite3_column_int64(st, 2);
    m->loudness_in_lufs = column_real(st, 3);
    m->loudness_out_lufs = column_real(st, 4);
    m->true_peak_dbtp = column_real(st, 5);
    m->created_ms = sqlite3_column_int64(st, 6);
    m->published = sqlite3_column_int(st, 7) != 0;
}

int store_media_put(store *s, const store_media *r, store_media *out, bool *created_out)
{
    sqlite3_stmt *st = NULL;
    if (!hash_is_sha256_hex(r->sha256))
        return store_failf(s, -EINVAL, "media without a valid sha256");
    int ret = store_prepare(s,
                            "INSERT INTO media(sha256, bytes, duration_ms, loudness_in_lufs,"
                            " loudness_out_lufs, true_peak_dbtp, created_ms)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(sha256) DO NOTHING",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, r->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, r->bytes);
    sqlite3_bind_int64(st, 3, r->duration_ms);
    bind_real(st, 4, r->loudness_in_lufs);
    bind_real(st, 5, r->loudness_out_lufs);
    bind_real(st, 6, r->true_peak_dbtp);
    sqlite3_bind_int64(st, 7, wallclock_now_ms());
    ret = store_exec_stmt(s, st);
    if (ret != 0)
        return ret;
    if (created_out)
        *created_out = sqlite3_changes(store_db(s)) > 0;
    store_media scratch;
    return store_media_get(s, r->sha256, out ? out : &scratch);
}

static int media_read(store *s, const void *key, void *val)
{
    const char *sha256 = key; /* validated, NUL-terminated */
    store_media *out = val;
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT " MEDIA_COLS " FROM media m WHERE m.sha256 = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_row(st, out);
    else if (rc == SQLITE_DONE)
        ret = store_failf(s, -ENOENT, "no media %s", sha256);
    else
        ret = store_fail(s, rc, "get media");
    sqlite3_reset(st);
    return ret;
}

int store_media_get(store *s, const char *sha256, store_media *out)
{
    if (!sha256 || !hash_is_sha256_hex(sha256))
        return store_failf(s, -EINVAL, "not a sha256");
    /* Every box downloads each file of the month: the row (and whether it is on air) read at
     * this generation is still the row. */
    return store_memo_read(s, STORE_MEMO_MEDIA, sha256, out, media_read);
}

/* key: sha256 hex (64 bytes) then the box id; val: uint8_t, does a live airing of that media
 * reach the box. */
static int media_reaches_box(store *s, const void *key, void *val)
{
    sqlite3_stmt *st = NULL;
    store_box b = {0};
    char sha256[HASH_SHA256_HEX_LEN + 1] = {0};
    int64_t box_id;
    uint8_t *ok = val;
    memcpy(sha256, key, HASH_SHA256_HEX_LEN);
    memcpy(&box_id, (const char *)key + HASH_SHA256_HEX_LEN, sizeof box_id);
    *ok = 0;
    int ret = store_box_get(s, box_id, &b);
    if (ret == -ENOENT)
        return 0;
    if (ret == 0)
        ret = store_prepare(s,
                            "SELECT EXISTS (SELECT 1 FROM airings a WHERE a.media_sha256 = :sha"
                            " AND a.withdrawn_version_id IS NULL AND " STORE_TARGETS_SQL ")",
                            &st);
    if (ret == 0) {
        sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":sha"), sha256, -1, SQLITE_STATIC);
        store_targets_bind(st, box_id, b.commune_id);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            *ok = sqlite3_column_int(st, 0) != 0;
        else
            ret = store_fail(s, rc, "media for box");
        sqlite3_reset(st);
    }
    store_box_clear(&b);
    return ret;
}

int store_media_for_box(store *s, const char *sha256, int64_t box_id, bool *ok)
{
    unsigned char key[HASH_SHA256_HEX_LEN + sizeof box_id];
    uint8_t v = 0;
    if (!sha256 || !hash_is_sha256_hex(sha256))
        return store_failf(s, -EINVAL, "not a sha256");
    memcpy(key, sha256, HASH_SHA256_HEX_LEN);
    memcpy(key + HASH_SHA256_HEX_LEN, &box_id, sizeof box_id);
    /* Asked at every download of every box: remembered like the media row. */
    int ret = store_memo_read(s, STORE_MEMO_MEDIA_BOX, key, &v, media_reaches_box);
    *ok = v != 0;
    return ret;
}

int store_media_path(const char *dir, const char *sha256, char **out)
{
    *out = NULL;
    if (!dir || !sha256 || !hash_is_sha256_hex(sha256))
        return -EINVAL;
    char sub[3] = {sha256[0], sha256[1], '\0'};
    char *name = g_strconcat(sha256, ".opus", NULL);
    *out = g_build_filename(dir, STORE_MEDIA_DIR, sub, name, NULL);
    g_free(name);
    return 0;
}

static json_t *real_or_null(double v)
{
    return isfinite(v) ? json_real(round(v * 100) / 100) : json_null();
}

json_t *store_media_json(const store_media *m)
{
    char *url = proto_media_url(m->sha256);
    json_t *j = json_pack("{sssIsIsosososs}", "sha256", m->sha256, "bytes", (json_int_t)m->bytes,
                          "duration_ms", (json_int_t)m->duration_ms, "loudness_in_lufs",
                          real_or_null(m->loudness_in_lufs), "loudness_out_lufs",
                          real_or_null(m->loudness_out_lufs), "true_peak_dbtp",
                          real_or_null(m->true_peak_dbtp), "url", url);
    g_free(url);
    return j;
}

void store_media_discard_new(store *s, const char *dir, const char *sha256)
{
    store_media m;
    char *path = NULL;
    if (store_media_get(s, sha256, &m) != -ENOENT || store_media_path(dir, sha256, &path) != 0)
        return;
    unlink(path);
    g_free(path);
}

/* Removes DIR/media/aa/<sha>.opus files of one subdirectory that have no row. */
static int sweep_dir(store *s, const char *sub, int *removed)
{
    GDir *d = g_dir_open(sub, 0, NULL);
    const char *name;
    store_media m;
    if (!d)
        return 0;
    while ((name = g_dir_read_name(d))) {
        char sha[HASH_SHA256_HEX_LEN + 1];
        if (strlen(name) != HASH_SHA256_HEX_LEN + 5 || !g_str_has_suffix(name, ".opus"))
            continue;
        memcpy(sha, name, HASH_SHA256_HEX_LEN);
        sha[HASH_SHA256_HEX_LEN] = '\0';
        int rc = hash_is_sha256_hex(sha) ? store_media_get(s, sha, &m) : 0;
        if (rc == -ENOENT) {
            char *path = g_build_filename(sub, name, NULL);
            if (unlink(path) == 0)
                (*removed)++;
            g_free(path);
        } else if (rc != 0) {
            g_dir_close(d);
            return rc;
        }
    }
    g_dir_close(d);
    return 0;
}

int store_media_sweep_orphans(store *s, const char *dir, int *removed_out)
{
    char *media = g_build_filename(dir, STORE_MEDIA_DIR, NULL);
    GDir *d = g_dir_open(media, 0, NULL);
    const char *name;
    int removed = 0, rc = 0;
    if (!d) {
        g_free(media);
        return store_failf(s, -EIO, "cannot read %s/%s", dir, STORE_MEDIA_DIR);
    }
    while (rc == 0 && (name = g_dir_read_name(d))) {
        if (strlen(name) != 2 || !g_ascii_isxdigit(name[0]) || !g_ascii_isxdigit(name[1]))
            continue;
        char *sub = g_build_filename(media, name, NULL);
        rc = sweep_dir(s, sub, &removed);
        g_free(sub);
    }
    g_dir_close(d);
    g_free(media);
    if (removed_out)
        *removed_out = removed;
    return rc;
}
