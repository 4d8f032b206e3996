/* proto_plays: play reports a box posts ({"plays": […]}) and the daemon's answer
 * ({"accepted": […], "duplicates": […], "rejected": […]}). */
#include "proto.h"

#include <errno.h>
#include <string.h>

#include "proto_json.h"

/* Box clocks tick in whole seconds on some hardware, so played_ms may exceed the span between
 * two second-rounded stamps by up to this much. */
#define PLAY_CLOCK_SLACK_MS 1000

void proto_play_clear(proto_play *p)
{
    g_free(p->airing);
    g_free(p->detail);
    memset(p, 0, sizeof *p);
}

void proto_plays_clear(proto_plays *p)
{
    for (size_t i = 0; i < p->n_plays; i++)
        proto_play_clear(&p->plays[i]);
    g_free(p->plays);
    memset(p, 0, sizeof *p);
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g_free(v[i]);
    g_free(v);
}

void proto_plays_result_clear(proto_plays_result *r)
{
    strv_free(r->accepted, r->n_accepted);
    strv_free(r->duplicates, r->n_duplicates);
    for (size_t i = 0; i < r->n_rejected; i++) {
        g_free(r->rejected[i].id);
        g_free(r->rejected[i].error);
    }
    g_free(r->rejected);
    memset(r, 0, sizeof *r);
}

/* ---- encoding ---- */

json_t *proto_play_to_json(const proto_play *p, GTimeZone *tz)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= json_object_set_new(o, "id", pj_jstring(p->id));
    rc |= json_object_set_new(o, "airing", pj_jstring(p->airing));
    rc |= json_object_set_new(o, "media", pj_jstring(p->media));
    rc |= json_object_set_new(o, "scheduled_start", pj_jtime(p->scheduled_start_ms, tz));
    rc |= json_object_set_new(o, "started_at", pj_jtime(p->started_at_ms, tz));
    rc |= json_object_set_new(o, "ended_at", pj_jtime(p->ended_at_ms, tz));
    rc |= json_object_set_new(o, "played_ms", pj_jint(p->played_ms));
    rc |= json_object_set_new(o, "outcome", pj_jstring(proto_outcome_name(p->outcome)));
    rc |= json_object_set_new(o, "detail", pj_jstring(p->detail));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *proto_plays_to_json(const proto_plays *p, GTimeZone *tz)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < p->n_plays; i++) {
        if (json_array_append_new(a, proto_play_to_json(&p->plays[i], tz)) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    if (!a)
        return NULL;
    json_t *o = json_object();
    /* set_new takes a's reference even when it fails (or when o is NULL). */
    if (json_object_set_new(o, "plays", a) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *rejected_to_json(const proto_rejected *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_t *o = json_object();
        int rc = json_object_set_new(o, "id", pj_jstring(v[i].id));
        rc |= json_object_set_new(o, "error", pj_jstring(v[i].error));
        if (rc != 0)
            json_decref(o);
        if (rc != 0 || json_array_append_new(a, o) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

json_t *proto_plays_result_to_json(const proto_plays_result *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int rc = 0;
    rc |= json_object_set_new(o, "accepted", pj_jstrings(r->accepted, r->n_accepted));
    rc |= json_object_set_new(o, "duplicates", pj_jstrings(r->duplicates, r->n_duplicates));
    rc |= json_object_set_new(o, "rejected", rejected_to_json(r->rejected, r->n_rejected));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- decoding ---- */

/* The times and durations a box reports must tell one consistent story (§5). */
static int check_play(const proto_play *p, const char *path, char *err)
{
    if (p->started_at_ms > p->ended_at_ms)
        return pj_fail(err, path, "started_at", "after ended_at");
    if (p->played_ms > p->ended_at_ms - p->started_at_ms + PLAY_CLOCK_SLACK_MS)
        return pj_fail(err, path, "played_ms", "longer than ended_at − started_at");
    if (p->outcome == PROTO_OUTCOME_MISSED && p->played_ms != 0)
        return pj_fail(err, path, "played_ms", "must be 0 when outcome is missed");
    return 0;
}

static int play_fields(const json_t *j, const char *path, proto_play *out, char *err)
{
    json_t *id = NULL, *airing = NULL, *media = NULL, *sched = NULL, *started = NULL;
    json_t *ended = NULL, *played = NULL, *outcome = NULL, *detail = NULL;
    const pj_rule detail_rule = {PJ_TEXT, PROTO_TEXT_MAX, PJ_OPTIONAL};
    const char *outcome_s = NULL;
    int rc = pj_members(j, path, err, "{s?o s?o s?o s?o s?o s?o s?o s?o s?o}", "id", &id, "airing",
                        &airing, "media", &media, "scheduled_start", &sched, "started_at", &started,
                        "ended_at", &ended, "played_ms", &played, "outcome", &outcome, "detail",
                        &detail);
    if (rc == 0)
        rc = pj_string_buf(id, path, "id", PJ_RULE_ID, out->id, err);
    if (rc == 0)
        rc = pj_string(airing, path, "airing", PJ_RULE_ID, &out->airing, err);
    if (rc == 0)
        rc = pj_string_buf(media, path, "media", PJ_RULE_SHA256, out->media, err);
    if (rc == 0)
        rc = pj_time(sched, path, "scheduled_start", &out->scheduled_start_ms, err);
    if (rc == 0)
        rc = pj_time(started, path, "started_at", &out->started_at_ms, err);
    if (rc == 0)
        rc = pj_time(ended, path, "ended_at", &out->ended_at_ms, err);
    if (rc == 0)
        rc = pj_int(played, path, "played_ms", 0, INT64_MAX, &out->played_ms, err);
    if (rc == 0)
        rc = pj_string_ref(outcome, path, "outcome", PJ_RULE_NAME, &outcome_s, err);
    if (rc == 0 && proto_outcome_parse(outcome_s, &out->outcome) != 0)
        rc = pj_fail(err, path, "outcome", "not one of completed, partial, failed, missed");
    if (rc == 0)
        rc = pj_string(detail, path, "detail", detail_rule, &out->detail, err);
    return rc;
}

static int play_decode_at(const json_t *j, const char *path, proto_play *out, char *err)
{
    int rc = play_fields(j, path, out, err);
    if (rc == 0)
        rc = check_play(out, path, err);
    if (rc == 0 && !out->detail)
        out->detail = g_strdup("");
    if (rc != 0)
        proto_play_clear(out);
    return rc;
}

int proto_play_from_json(const json_t *j, proto_play *out, char err[PROTO_ERR_MAX])
{
    return play_decode_at(j, "", out, err);
}

/* Play ids make delivery exactly-once; one batch naming an id twice is a box bug. */
static int check_unique_ids(const proto_plays *p, char *err)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    int rc = 0;
    for (size_t i = 0; i < p->n_plays && rc == 0; i++) {
        gpointer first = NULL;
        if (g_hash_table_lookup_extended(seen, p->plays[i].id, NULL, &first)) {
            char where[PJ_PATH_MAX];
            pj_index(where, "", "plays", i);
            rc = pj_fail(err, where, "id", "duplicate of plays[%zu].id", GPOINTER_TO_SIZE(first));
        } else {
            g_hash_table_insert(seen, p->plays[i].id, GSIZE_TO_POINTER(i));
        }
    }
    g_hash_table_destroy(seen);
    return rc;
}

int proto_plays_from_json(const json_t *j, proto_plays *out, char err[PROTO_ERR_MAX])
{
    json_t *plays = NULL;
    size_t n = 0;
    int rc = pj_members(j, "", err, "{s?o}", "plays", &plays);
    if (rc == 0)
        rc = pj_array(plays, "", "plays", &n, err);
    if (rc == 0)
        out->plays = g_new0(proto_play, n);
    char where[PJ_PATH_MAX];
    for (size_t i = 0; i < n && rc == 0; i++) {
        pj_index(where, "", "plays", i);
        rc = play_decode_at(json_array_get(plays, i), where, &out->plays[i], err);
        if (rc == 0)
            out->n_plays = i + 1;
    }
    if (rc == 0)
        rc = check_unique_ids(out, err);
    if (rc != 0)
        proto_plays_clear(out);
    return rc;
}

static int rejected_from_json(const json_t *v, proto_plays_result *r, char *err)
{
    /* The daemon may reject a report whose id was itself unusable, so the echoed id is only
     * held to "one line, ≤ PROTO_ID_MAX", and may be "". */
    const pj_rule id_rule = {PJ_LINE, PROTO_ID_MAX, PJ_REQUIRED};
    const pj_rule error_rule = {PJ_TEXT, PROTO_TEXT_MAX, PJ_REQUIRED};
    size_t n = 0;
    int rc = pj_array(v, "", "rejected", &n, err);
    if (rc == 0)
        r->rejected = g_new0(proto_rejected, n);
    char where[PJ_PATH_MAX];
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_t *id = NULL, *error = NULL;
        proto_rejected *x = &r->rejected[i];
        r->n_rejected = i + 1; /* the clear on failure frees whatever was filled */
        pj_index(where, "", "rejected", i);
        rc = pj_members(json_array_get(v, i), where, err, "{s?o s?o}", "id", &id, "error", &error);
        if (rc == 0)
            rc = pj_string(id, where, "id", id_rule, &x->id, err);
        if (rc == 0)
            rc = pj_string(error, where, "error", error_rule, &x->error, err);
    }
    return rc;
}

int proto_plays_result_from_json(const json_t *j, proto_plays_result *out, char err[PROTO_ERR_MAX])
{
    json_t *accepted = NULL, *duplicates = NULL, *rejected = NULL;
    int rc = pj_members(j, "", err, "{s?o s?o s?o}", "accepted", &accepted, "duplicates",
                        &duplicates, "rejected", &rejected);
    if (rc == 0)
        rc =
            pj_strings(accepted, "", "accepted", PJ_RULE_ID, &out->accepted, &out->n_accepted, err);
    if (rc == 0)
        rc = pj_strings(duplicates, "", "duplicates", PJ_RULE_ID, &out->duplicates,
                        &out->n_duplicates, err);
    if (rc == 0)
        rc = rejected_from_json(rejected, out, err);
    if (rc != 0)
        proto_plays_result_clear(out);
    return rc;
}
