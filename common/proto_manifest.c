/* proto_manifest: the manifest a box pulls (box, airings, media) as JSON and back. */
#include "proto.h"

#include <errno.h>
#include <string.h>

#include "proto_json.h"

#define MANIFEST_POLL_MAX 86400

void proto_airing_clear(proto_airing *a)
{
    g_free(a->id);
    g_free(a->program);
    g_free(a->title);
    g_free(a->genre);
    memset(a, 0, sizeof *a);
}

void proto_media_clear(proto_media *m)
{
    g_free(m->url);
    memset(m, 0, sizeof *m);
}

static void box_clear(proto_box *b)
{
    g_free(b->id);
    g_free(b->name);
    g_free(b->commune);
    memset(b, 0, sizeof *b);
}

void proto_manifest_clear(proto_manifest *m)
{
    box_clear(&m->box);
    for (size_t i = 0; i < m->n_airings; i++)
        proto_airing_clear(&m->airings[i]);
    g_free(m->airings);
    for (size_t i = 0; i < m->n_media; i++)
        proto_media_clear(&m->media[i]);
    g_free(m->media);
    memset(m, 0, sizeof *m);
}

/* ---- encoding ---- */

json_t *proto_airing_to_json(const proto_airing *a, GTimeZone *tz)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= json_object_set_new(o, "id", pj_jstring(a->id));
    rc |= json_object_set_new(o, "start", pj_jtime(a->start_ms, tz));
    rc |= json_object_set_new(o, "duration_ms", pj_jint(a->duration_ms));
    rc |= json_object_set_new(o, "priority", pj_jstring(proto_priority_name(a->priority)));
    rc |= json_object_set_new(o, "program", pj_jstring(a->program));
    rc |= json_object_set_new(o, "title", pj_jstring(a->title));
    rc |= json_object_set_new(o, "genre", pj_jstring(a->genre));
    rc |= json_object_set_new(o, "media", pj_jstring(a->media));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *proto_media_url(const char *sha256)
{
    return g_strdup_printf("/media/%s.opus", sha256);
}

json_t *proto_media_to_json(const proto_media *m)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= json_object_set_new(o, "sha256", pj_jstring(m->sha256));
    rc |= json_object_set_new(o, "bytes", pj_jint(m->bytes));
    rc |= json_object_set_new(o, "duration_ms", pj_jint(m->duration_ms));
    rc |= json_object_set_new(o, "url", pj_jstring(m->url));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *box_to_json(const proto_box *b)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= json_object_set_new(o, "id", pj_jstring(b->id));
    rc |= json_object_set_new(o, "name", pj_jstring(b->name));
    rc |= json_object_set_new(o, "commune", pj_jstring(b->commune));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *airings_to_json(const proto_airing *v, size_t n, GTimeZone *tz)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, proto_airing_to_json(&v[i], tz)) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

static json_t *media_list_to_json(const proto_media *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, proto_media_to_json(&v[i])) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

json_t *proto_manifest_to_json(const proto_manifest *m, GTimeZone *tz)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= json_object_set_new(o, "box", box_to_json(&m->box));
    rc |= json_object_set_new(o, "server_time", pj_jtime(m->server_time_ms, tz));
    rc |= json_object_set_new(o, "horizon_end", pj_jtime(m->horizon_end_ms, tz));
    rc |= json_object_set_new(o, "poll_seconds", pj_jint(m->poll_seconds));
    rc |= json_object_set_new(o, "volume", pj_jint(m->volume));
    rc |= json_object_set_new(o, "airings", airings_to_json(m->airings, m->n_airings, tz));
    rc |= json_object_set_new(o, "media", media_list_to_json(m->media, m->n_media));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- decoding ---- */

static int priority_from_json(const json_t *v, const char *path, proto_priority *out, char *err)
{
    const char *s = NULL;
    int rc = pj_string_ref(v, path, "priority", PJ_RULE_NAME, &s, err);
    if (rc == 0 && proto_priority_parse(s, out) != 0)
        rc = pj_fail(err, path, "priority", "not one of normal, priority, emergency");
    return rc;
}

int proto_airing_decode_at(const json_t *j, const char *path, proto_airing *out, char *err)
{
    json_t *id = NULL, *start = NULL, *dur = NULL, *prio = NULL, *program = NULL;
    json_t *title = NULL, *genre = NULL, *media = NULL;
    const pj_rule program_rule = {PJ_LINE, PROTO_NAME_MAX, PJ_OPTIONAL};
    const pj_rule title_rule = {PJ_LINE, PROTO_TITLE_MAX, PJ_REQUIRED};
    int rc = pj_members(j, path, err, "{s?o s?o s?o s?o s?o s?o s?o s?o}", "id", &id, "start",
                        &start, "duration_ms", &dur, "priority", &prio, "program", &program,
                        "title", &title, "genre", &genre, "media", &media);
    if (rc == 0)
        rc = pj_string(id, path, "id", PJ_RULE_ID, &out->id, err);
    if (rc == 0)
        rc = pj_time(start, path, "start", &out->start_ms, err);
    if (rc == 0)
        rc = pj_int(dur, path, "duration_ms", 0, INT64_MAX, &out->duration_ms, err);
    if (rc == 0)
        rc = priority_from_json(prio, path, &out->priority, err);
    if (rc == 0)
        rc = pj_string(program, path, "program", program_rule, &out->program, err);
    if (rc == 0)
        rc = pj_string(title, path, "title", title_rule, &out->title, err);
    if (rc == 0)
        rc = pj_string(genre, path, "genre", PJ_RULE_NAME, &out->genre, err);
    if (rc == 0)
        rc = pj_string_buf(media, path, "media", PJ_RULE_SHA256, out->media, err);
    if (rc != 0)
        proto_airing_clear(out);
    /* "" and absent both mean a one-off airing, which the struct spells NULL. */
    if (rc == 0 && out->program && !out->program[0])
        g_clear_pointer(&out->program, g_free);
    return rc;
}

int proto_airing_from_json(const json_t *j, proto_airing *out, char err[PROTO_ERR_MAX])
{
    return proto_airing_decode_at(j, "", out, err);
}

static int media_decode_at(const json_t *j, const char *path, proto_media *out, char *err)
{
    json_t *sha = NULL, *bytes = NULL, *dur = NULL, *url = NULL;
    const pj_rule url_rule = {PJ_LINE, PROTO_URL_MAX, PJ_REQUIRED};
    int rc = pj_members(j, path, err, "{s?o s?o s?o s?o}", "sha256", &sha, "bytes", &bytes,
                        "duration_ms", &dur, "url", &url);
    if (rc == 0)
        rc = pj_string_buf(sha, path, "sha256", PJ_RULE_SHA256, out->sha256, err);
    if (rc == 0)
        rc = pj_int(bytes, path, "bytes", 0, INT64_MAX, &out->bytes, err);
    if (rc == 0)
        rc = pj_int(dur, path, "duration_ms", 0, INT64_MAX, &out->duration_ms, err);
    if (rc == 0)
        rc = pj_string(url, path, "url", url_rule, &out->url, err);
    if (rc == 0 && !out->url[0])
        rc = pj_fail(err, path, "url", "must not be empty");
    if (rc != 0)
        proto_media_clear(out);
    return rc;
}

static int box_from_json(const json_t *j, proto_box *out, char *err)
{
    json_t *id = NULL, *name = NULL, *commune = NULL;
    int rc =
        pj_members(j, "box", err, "{s?o s?o s?o}", "id", &id, "name", &name, "commune", &commune);
    if (rc == 0)
        rc = pj_string(id, "box", "id", PJ_RULE_ID, &out->id, err);
    if (rc == 0)
        rc = pj_string(name, "box", "name", PJ_RULE_NAME, &out->name, err);
    if (rc == 0)
        rc = pj_string(commune, "box", "commune", PJ_RULE_NAME, &out->commune, err);
    return rc;
}

static int airings_from_json(const json_t *v, proto_manifest *m, char *err)
{
    size_t n = 0;
    int rc = pj_array(v, "", "airings", &n, err);
    if (rc != 0)
        return rc;
    m->airings = g_new0(proto_airing, n);
    char where[PJ_PATH_MAX];
    for (size_t i = 0; i < n && rc == 0; i++) {
        pj_index(where, "", "airings", i);
        rc = proto_airing_decode_at(json_array_get(v, i), where, &m->airings[i], err);
        if (rc == 0)
            m->n_airings = i + 1; /* count only what is filled, for the clear on failure */
    }
    return rc;
}

static int media_from_json(const json_t *v, proto_manifest *m, char *err)
{
    size_t n = 0;
    int rc = pj_array(v, "", "media", &n, err);
    if (rc != 0)
        return rc;
    m->media = g_new0(proto_media, n);
    char where[PJ_PATH_MAX];
    for (size_t i = 0; i < n && rc == 0; i++) {
        pj_index(where, "", "media", i);
        rc = media_decode_at(json_array_get(v, i), where, &m->media[i], err);
        if (rc == 0)
            m->n_media = i + 1;
    }
    return rc;
}

/* A box must be able to fetch everything it is told to play. */
static int check_media_listed(const proto_manifest *m, char *err)
{
    GHashTable *listed = g_hash_table_new(g_str_hash, g_str_equal);
    int rc = 0;
    for (size_t i = 0; i < m->n_media; i++)
        g_hash_table_add(listed, (gpointer)m->media[i].sha256);
    for (size_t i = 0; i < m->n_airings && rc == 0; i++) {
        if (!g_hash_table_contains(listed, m->airings[i].media)) {
            char where[PJ_PATH_MAX];
            pj_index(where, "", "airings", i);
            rc = pj_fail(err, where, "media", "not listed in media");
        }
    }
    g_hash_table_destroy(listed);
    return rc;
}

int proto_manifest_from_json(const json_t *j, proto_manifest *out, char err[PROTO_ERR_MAX])
{
    json_t *box = NULL, *server_time = NULL, *horizon = NULL, *poll = NULL, *volume = NULL;
    json_t *airings = NULL, *media = NULL;
    int rc = pj_members(j, "", err, "{s?o s?o s?o s?o s?o s?o s?o}", "box", &box, "server_time",
                        &server_time, "horizon_end", &horizon, "poll_seconds", &poll, "volume",
                        &volume, "airings", &airings, "media", &media);
    if (rc == 0 && !box)
        rc = pj_fail(err, "", "box", "missing");
    if (rc == 0)
        rc = box_from_json(box, &out->box, err);
    if (rc == 0)
        rc = pj_time(server_time, "", "server_time", &out->server_time_ms, err);
    if (rc == 0)
        rc = pj_time(horizon, "", "horizon_end", &out->horizon_end_ms, err);
    if (rc == 0)
        rc = pj_int_small(poll, "", "poll_seconds", 1, MANIFEST_POLL_MAX, &out->poll_seconds, err);
    if (rc == 0)
        rc = pj_int_small(volume, "", "volume", 0, 100, &out->volume, err);
    if (rc == 0)
        rc = airings_from_json(airings, out, err);
    if (rc == 0)
        rc = media_from_json(media, out, err);
    if (rc == 0)
        rc = check_media_listed(out, err);
    if (rc != 0)
        proto_manifest_clear(out);
    return rc;
}
