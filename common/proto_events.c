/* proto_events: the long-poll answer {"cursor": n, "events": […]} of GET /api/v1/box/events.
 * Events of a type this version does not know are skipped, not refused: the protocol grows by
 * adding (docs/architecture.md §5), and an old box must keep hearing emergencies from a newer
 * daemon. */
#include "proto.h"

#include <errno.h>
#include <string.h>

#include "proto_json.h"

void proto_event_clear(proto_event *e)
{
    proto_airing_clear(&e->airing);
    g_free(e->airing_id);
    memset(e, 0, sizeof *e);
}

void proto_events_clear(proto_events *e)
{
    for (size_t i = 0; i < e->n_events; i++)
        proto_event_clear(&e->events[i]);
    g_free(e->events);
    memset(e, 0, sizeof *e);
}

static json_t *event_to_json(const proto_event *e, GTimeZone *tz)
{
    json_t *o = json_object();
    int rc = json_object_set_new(o, "type", pj_jstring(proto_event_type_name(e->type)));
    switch (e->type) {
    case PROTO_EVENT_MANIFEST_CHANGED:
        rc |= json_object_set_new(o, "version", pj_jint(e->version));
        break;
    case PROTO_EVENT_EMERGENCY:
        rc |= json_object_set_new(o, "airing", proto_airing_to_json(&e->airing, tz));
        break;
    case PROTO_EVENT_STOP:
        rc |= json_object_set_new(o, "airing", pj_jstring(e->airing_id));
        break;
    default:
        rc = -1;
    }
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *proto_events_to_json(const proto_events *e, GTimeZone *tz)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < e->n_events; i++) {
        if (json_array_append_new(a, event_to_json(&e->events[i], tz)) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    if (!a)
        return NULL;
    json_t *o = json_object();
    int rc = json_object_set_new(o, "cursor", pj_jint(e->cursor));
    /* set_new takes a's reference even when it fails. */
    rc |= json_object_set_new(o, "events", a);
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Decodes one event into out. *known is false (and out untouched) for a type this version
 * does not know. */
static int event_decode_at(const json_t *j, const char *path, proto_event *out, bool *known,
                           char *err)
{
    json_t *type = NULL, *airing = NULL, *version = NULL;
    const char *type_s = NULL;
    char airing_path[PJ_PATH_MAX];
    int rc = pj_members(j, path, err, "{s?o s?o s?o}", "type", &type, "airing", &airing, "version",
                        &version);
    if (rc == 0)
        rc = pj_string_ref(type, path, "type", PJ_RULE_NAME, &type_s, err);
    if (rc != 0)
        return rc;
    *known = true;
    if (strcmp(type_s, "manifest_changed") == 0) {
        out->type = PROTO_EVENT_MANIFEST_CHANGED;
        if (version) /* optional: 0 means unknown */
            rc = pj_int(version, path, "version", 0, INT64_MAX, &out->version, err);
    } else if (strcmp(type_s, "emergency") == 0) {
        out->type = PROTO_EVENT_EMERGENCY;
        g_snprintf(airing_path, sizeof airing_path, "%s.airing", path);
        rc = airing ? proto_airing_decode_at(airing, airing_path, &out->airing, err)
                    : pj_fail(err, path, "airing", "missing");
    } else if (strcmp(type_s, "stop") == 0) {
        out->type = PROTO_EVENT_STOP;
        rc = pj_string(airing, path, "airing", PJ_RULE_ID, &out->airing_id, err);
    } else {
        *known = false;
    }
    return rc;
}

static int events_list(const json_t *v, proto_events *out, char *err)
{
    size_t n = 0;
    int rc = pj_array(v, "", "events", &n, err);
    if (rc != 0)
        return rc;
    out->events = g_new0(proto_event, n);
    char where[PJ_PATH_MAX];
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool known = false;
        pj_index(where, "", "events", i);
        /* n_events counts the slot first so the clear on failure frees a half-decoded one. */
        proto_event *e = &out->events[out->n_events++];
        rc = event_decode_at(json_array_get(v, i), where, e, &known, err);
        if (rc == 0 && !known)
            out->n_events--;
    }
    return rc;
}

int proto_events_from_json(const json_t *j, proto_events *out, char err[PROTO_ERR_MAX])
{
    json_t *cursor = NULL, *events = NULL;
    int rc = pj_members(j, "", err, "{s?o s?o}", "cursor", &cursor, "events", &events);
    if (rc == 0)
        rc = pj_int(cursor, "", "cursor", 0, INT64_MAX, &out->cursor, err);
    if (rc == 0)
        rc = events_list(events, out, err);
    if (rc != 0)
        proto_events_clear(out);
    return rc;
}
