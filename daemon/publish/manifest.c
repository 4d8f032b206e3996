/* manifest: see manifest.h. The cache keeps, per box, the encoded manifest without its
 * server_time member and the ETag of that text; a request splices "server_time" in front of
 * the other members (one allocation and copy), so a hit costs two indexed look-ups (latest
 * version, box row) and no JSON work. */
#include "manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "hash.h"
#include "store_boxes.h"
#include "store_manifest_rows.h"
#include "store_memo.h"
#include "vtime.h"

#define HORIZON_MAX 60

void manifest_opts_default(manifest_opts *o, GTimeZone *tz)
{
    o->tz = tz;
    o->horizon_days = MANIFEST_HORIZON_DEFAULT;
    o->poll_seconds = MANIFEST_POLL_DEFAULT;
    o->volume = MANIFEST_VOLUME_DEFAULT;
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

static int build_for(store *s, const manifest_opts *o, int64_t box_id, const store_box *b,
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
    ret = store_manifest_airings(s, box_id, b->commune_id, from, until, out);
    if (ret != 0)
        proto_manifest_clear(out);
    return ret;
}

int manifest_build(store *s, const manifest_opts *o, int64_t box_id, int64_t now_ms,
                   proto_manifest *out)
{
    store_box b = {0};
    memset(out, 0, sizeof *out);
    int ret = store_box_get(s, box_id, &b);
    if (ret == 0)
        ret = build_for(s, o, box_id, &b, now_ms, out);
    store_box_clear(&b);
    return ret;
}

int manifest_box_targeted(store *s, int64_t box_id, const char *airing_id, bool *out)
{
    store_box b = {0};
    *out = false;
    int ret = store_box_get(s, box_id, &b);
    if (ret == -ENOENT)
        return 0;
    if (ret == 0)
        ret = store_manifest_targeted(s, box_id, b.commune_id, airing_id, out);
    store_box_clear(&b);
    return ret;
}

/* ---- cache ---- */

typedef struct entry {
    int64_t version;
    int32_t day;
    uint64_t gen;     /* store generation when last found fresh … */
    int64_t check_ms; /* … and when: within STORE_MEMO_TTL_MS, no need to look again */
    store_box box;
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
    store_box_clear(&e->box);
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

static bool entry_fresh(const entry *e, int64_t version, int32_t day, const store_box *b)
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

static int rebuild(manifest_cache *c, store *s, int64_t box_id, store_box *b, int64_t version,
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

/* Nothing committed since e was last found fresh, and not long ago: serve it without reading. */
static bool entry_known(const entry *e, uint64_t gen, int32_t day, int64_t now_ms)
{
    return e && e->day == day && gen != 0 && e->gen == gen && now_ms >= e->check_ms &&
           now_ms - e->check_ms <= STORE_MEMO_TTL_MS;
}

/* Under c->lock: e's tag and, when wanted, its body. */
static int serve(manifest_cache *c, store *s, const entry *e, int64_t now_ms,
                 char etag[MANIFEST_ETAG_MAX], char **body_out, size_t *len_out)
{
    g_strlcpy(etag, e->etag, MANIFEST_ETAG_MAX);
    return body_out ? splice(s, e, now_ms, c->opts.tz, body_out, len_out) : 0;
}

int manifest_cache_get(manifest_cache *c, store *s, int64_t box_id, int64_t now_ms,
                       char etag[MANIFEST_ETAG_MAX], char **body_out, size_t *len_out)
{
    store_box b = {0};
    int64_t version = 0, from = 0, until = 0;
    int32_t day = 0;
    uint64_t gen = store_generation(s); /* before the reads it vouches for */
    if (day_window(&c->opts, now_ms, &day, &from, &until) != 0)
        return store_failf(s, -EINVAL, "bad time for the manifest");
    g_mutex_lock(&c->lock);
    entry *e = g_hash_table_lookup(c->entries, &box_id);
    int ret = entry_known(e, gen, day, now_ms) ? serve(c, s, e, now_ms, etag, body_out, len_out)
                                               : -EAGAIN;
    g_mutex_unlock(&c->lock);
    if (ret != -EAGAIN)
        return ret;
    ret = store_box_get(s, box_id, &b);
    if (ret == 0)
        ret = store_manifest_latest_version(s, &version);
    if (ret != 0)
        goto out;
    g_mutex_lock(&c->lock);
    e = g_hash_table_lookup(c->entries, &box_id);
    if (!e || !entry_fresh(e, version, day, &b))
        ret = rebuild(c, s, box_id, &b, version, day, now_ms, &e);
    if (ret == 0) {
        e->gen = gen;
        e->check_ms = now_ms;
        ret = serve(c, s, e, now_ms, etag, body_out, len_out);
    }
    g_mutex_unlock(&c->lock);
out:
    store_box_clear(&b);
    return ret;
}
