/* proto_status: the state a box posts (POST /api/v1/box/status) and the daemon's answer,
 * {"server_time": …}, from which the box estimates its clock offset. */
#include "proto.h"

#include <errno.h>
#include <string.h>

#include "proto_json.h"

void proto_box_status_clear(proto_box_status *s)
{
    g_free(s->agent_version);
    for (size_t i = 0; i < s->n_missing_media; i++)
        g_free(s->missing_media[i]);
    g_free(s->missing_media);
    g_free(s->playing_airing);
    g_free(s->last_error);
    memset(s, 0, sizeof *s);
}

json_t *proto_box_status_to_json(const proto_box_status *s)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= json_object_set_new(o, "agent_version", pj_jstring(s->agent_version));
    rc |= json_object_set_new(o, "uptime_s", pj_jint(s->uptime_s));
    rc |= json_object_set_new(o, "clock_offset_ms", pj_jint(s->clock_offset_ms));
    rc |= json_object_set_new(o, "cache_bytes", pj_jint(s->cache_bytes));
    rc |= json_object_set_new(o, "cache_files", pj_jint(s->cache_files));
    rc |=
        json_object_set_new(o, "missing_media", pj_jstrings(s->missing_media, s->n_missing_media));
    rc |= json_object_set_new(o, "disk_free_bytes", pj_jint(s->disk_free_bytes));
    rc |= json_object_set_new(o, "playing", pj_jnullable(s->playing_airing));
    rc |= json_object_set_new(o, "volume", pj_jint(s->volume));
    rc |= json_object_set_new(o, "last_error", pj_jnullable(s->last_error));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int status_counters(const json_t *j, proto_box_status *out, char *err)
{
    json_t *uptime = NULL, *offset = NULL, *cache_bytes = NULL, *cache_files = NULL;
    json_t *disk = NULL, *volume = NULL;
    int rc = pj_members(j, "", err, "{s?o s?o s?o s?o s?o s?o}", "uptime_s", &uptime,
                        "clock_offset_ms", &offset, "cache_bytes", &cache_bytes, "cache_files",
                        &cache_files, "disk_free_bytes", &disk, "volume", &volume);
    if (rc == 0)
        rc = pj_int(uptime, "", "uptime_s", 0, INT64_MAX, &out->uptime_s, err);
    if (rc == 0)
        rc =
            pj_int(offset, "", "clock_offset_ms", INT64_MIN, INT64_MAX, &out->clock_offset_ms, err);
    if (rc == 0)
        rc = pj_int(cache_bytes, "", "cache_bytes", 0, INT64_MAX, &out->cache_bytes, err);
    if (rc == 0)
        rc = pj_int(cache_files, "", "cache_files", 0, INT64_MAX, &out->cache_files, err);
    if (rc == 0)
        rc = pj_int(disk, "", "disk_free_bytes", 0, INT64_MAX, &out->disk_free_bytes, err);
    if (rc == 0)
        rc = pj_int_small(volume, "", "volume", 0, 100, &out->volume, err);
    return rc;
}

static int status_strings(const json_t *j, proto_box_status *out, char *err)
{
    json_t *version = NULL, *missing = NULL, *playing = NULL, *last_error = NULL;
    /* A box that is idle or has had no error may also leave these out. */
    const pj_rule playing_rule = {PJ_ID, PROTO_ID_MAX, PJ_OPTIONAL | PJ_NULLABLE};
    const pj_rule error_rule = {PJ_TEXT, PROTO_TEXT_MAX, PJ_OPTIONAL | PJ_NULLABLE};
    int rc = pj_members(j, "", err, "{s?o s?o s?o s?o}", "agent_version", &version, "missing_media",
                        &missing, "playing", &playing, "last_error", &last_error);
    if (rc == 0)
        rc = pj_string(version, "", "agent_version", PJ_RULE_NAME, &out->agent_version, err);
    if (rc == 0)
        rc = pj_strings(missing, "", "missing_media", PJ_RULE_SHA256, &out->missing_media,
                        &out->n_missing_media, err);
    if (rc == 0)
        rc = pj_string(playing, "", "playing", playing_rule, &out->playing_airing, err);
    if (rc == 0)
        rc = pj_string(last_error, "", "last_error", error_rule, &out->last_error, err);
    return rc;
}

int proto_box_status_from_json(const json_t *j, proto_box_status *out, char err[PROTO_ERR_MAX])
{
    int rc = status_strings(j, out, err);
    if (rc == 0)
        rc = status_counters(j, out, err);
    if (rc != 0)
        proto_box_status_clear(out);
    return rc;
}

json_t *proto_server_time_to_json(int64_t server_time_ms, GTimeZone *tz)
{
    json_t *o = json_object();
    if (json_object_set_new(o, "server_time", pj_jtime(server_time_ms, tz)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int proto_server_time_from_json(const json_t *j, int64_t *out, char err[PROTO_ERR_MAX])
{
    json_t *t = NULL;
    int rc = pj_members(j, "", err, "{s?o}", "server_time", &t);
    if (rc == 0)
        rc = pj_time(t, "", "server_time", out, err);
    return rc;
}
