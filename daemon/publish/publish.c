/* publish: see publish.h. */
#include "publish.h"

#include <errno.h>
#include <string.h>

#include "ids.h"
#include "proto.h"
#include "store_audit.h"
#include "store_events.h"
#include "store_publish_rows.h"
#include "store_refusal.h"
#include "vtime.h"
#include "wallclock.h"

typedef store_airing_row row;

/* GArray's clear function. */
static void row_clear(gpointer p)
{
    store_airing_row_clear(p);
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool row_equal(const row *a, const row *b)
{
    return same(a->piece, b->piece) && same(a->media, b->media) && same(a->priority, b->priority) &&
           same(a->program, b->program) && same(a->program_title, b->program_title) &&
           same(a->kind, b->kind) && same(a->targets, b->targets) && a->start_ms == b->start_ms &&
           a->duration_ms == b->duration_ms;
}

/* Gives the working airing a fresh id (airing ids are never reused). */
static int renew_id(store *s, row *w)
{
    char id[IDS_UUID_LEN + 1];
    ids_uuid4(id);
    int ret = store_publish_rename_working(s, w->id, id);
    g_free(w->id);
    w->id = g_strdup(id);
    return ret;
}

static int refuse_unapproved(store *s, const char *month, int64_t now_ms, store_refusal *why)
{
    GPtrArray *v = NULL;
    json_t *titles = json_array();
    int ret = store_publish_unapproved_titles(s, month, now_ms, &v);
    for (guint i = 0; ret == 0 && i < v->len; i++)
        json_array_append_new(titles, json_string((const char *)g_ptr_array_index(v, i)));
    if (ret == 0 && json_array_size(titles))
        ret =
            store_refuse_facts(s, why, -EINVAL, "pieces_not_approved",
                               "publish_pieces_not_approved", json_pack("{s:O}", "titles", titles));
    json_decref(titles);
    if (v)
        g_ptr_array_unref(v);
    return ret;
}

typedef struct counts {
    int64_t added, kept, withdrawn;
} counts;

/* Working airings against live ones: keep, replace or add each; withdraw what is left. */
static int apply_month(store *s, GArray *working, GArray *live, int64_t vid, counts *c)
{
    GHashTable *by_id = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < live->len; i++) {
        row *l = &g_array_index(live, row, i);
        g_hash_table_insert(by_id, l->id, l);
    }
    int ret = 0;
    for (guint i = 0; ret == 0 && i < working->len; i++) {
        row *w = &g_array_index(working, row, i);
        row *l = g_hash_table_lookup(by_id, w->id);
        bool used = false;
        if (l && row_equal(l, w)) {
            g_hash_table_remove(by_id, w->id);
            c->kept++;
            continue;
        }
        if (l) {
            g_hash_table_remove(by_id, w->id);
            ret = store_publish_withdraw(s, l->id, vid);
            c->withdrawn += ret == 0;
        }
        if (ret == 0)
            ret = store_publish_airing_id_used(s, w->id, &used);
        if (ret == 0 && used)
            ret = renew_id(s, w);
        if (ret == 0)
            ret = store_publish_insert_airing(s, vid, w);
        c->added += ret == 0;
    }
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, by_id);
    while (ret == 0 && g_hash_table_iter_next(&it, &k, &v)) {
        ret = store_publish_withdraw(s, k, vid);
        c->withdrawn++;
    }
    g_hash_table_destroy(by_id);
    return ret;
}

static int finish(store *s, const char *who, const char *action, const char *entity,
                  const char *event, json_t *payload, json_t *result)
{
    int ret = store_event_add(s, event, payload, NULL);
    if (ret == 0)
        ret = store_audit(s, who, action, entity, NULL, result);
    return ret;
}

int publish_month(store *s, const char *who, const char *month, int64_t now_ms, json_t **out,
                  store_refusal *why)
{
    int y, m;
    bool exists = false;
    int64_t vid = 0, version = 0;
    counts c = {0};
    GArray *working = g_array_new(FALSE, TRUE, sizeof(row)),
           *live = g_array_new(FALSE, TRUE, sizeof(row));
    g_array_set_clear_func(working, row_clear);
    g_array_set_clear_func(live, row_clear);
    int ret = month && vtime_parse_month(month, &y, &m) == 0
                  ? store_publish_plan_exists(s, month, &exists)
                  : store_refuse_facts(s, why, -EINVAL, "bad_month", "month_bad",
                                       json_pack("{s:s}", "month", month ? month : ""));
    if (ret == 0 && !exists)
        ret = store_refuse_facts(s, why, -ENOENT, "not_found", "plan_month_missing",
                                 json_pack("{s:s}", "month", month));
    if (ret == 0)
        ret = refuse_unapproved(s, month, now_ms, why);
    if (ret == 0)
        ret = store_publish_working_rows(s, month, now_ms, working);
    if (ret == 0)
        ret = store_publish_live_rows(s, month, now_ms, live);
    if (ret == 0)
        ret = store_publish_new_version(s, who, month, "month", &vid, &version);
    if (ret == 0)
        ret = apply_month(s, working, live, vid, &c);
    if (ret == 0) {
        char entity[32];
        g_snprintf(entity, sizeof entity, "schedule:%s", month);
        json_t *result = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "month", month, "version",
                                   (json_int_t)version, "version_id", (json_int_t)vid, "new",
                                   (json_int_t)c.added, "kept", (json_int_t)c.kept, "withdrawn",
                                   (json_int_t)c.withdrawn);
        json_t *payload = json_pack("{s:s, s:I, s:I}", "month", month, "version", (json_int_t)vid,
                                    "month_version", (json_int_t)version);
        ret = finish(s, who, "schedule.publish", entity, "manifest_changed", payload, result);
        if (ret == 0 && out)
            *out = json_incref(result);
        json_decref(payload);
        json_decref(result);
    }
    g_array_free(working, TRUE);
    g_array_free(live, TRUE);
    return ret;
}

/* ---- single airings ---- */

typedef struct single {
    row r;
    char *title, *genre;
    json_t *targets_in; /* borrowed */
} single;

static int load_single(store *s, single *a, const char *piece_id, const char *priority,
                       store_refusal *why)
{
    store_publish_piece p = {0};
    bool found = false;
    int ret = store_publish_piece_get(s, piece_id, &p, &found);
    if (ret != 0)
        goto out;
    if (!found)
        ret = store_refuse_facts(s, why, -ENOENT, "unknown_piece", "piece_unknown",
                                 json_pack("{s:s}", "piece", piece_id ? piece_id : ""));
    else if (strcmp(p.status, "approved") != 0)
        ret = store_refuse_facts(s, why, -EINVAL, "piece_not_approved", "piece_not_approved",
                                 json_pack("{s:s?}", "title", p.title));
    else {
        a->title = g_steal_pointer(&p.title);
        a->genre = g_steal_pointer(&p.genre);
        a->r.piece = g_strdup(piece_id);
        a->r.media = g_steal_pointer(&p.media);
        a->r.duration_ms = p.duration_ms;
        a->r.priority = priority ? g_strdup(priority) : g_steal_pointer(&p.priority);
    }
    proto_priority pr;
    if (ret == 0 && proto_priority_parse(a->r.priority, &pr) != 0)
        ret = store_refuse_facts(s, why, -EINVAL, "bad_priority", "priority_named",
                                 json_pack("{s:s?}", "priority", a->r.priority));
out:
    store_publish_piece_clear(&p);
    return ret;
}

static json_t *manifest_airing(const single *a, GTimeZone *tz)
{
    proto_airing p = {.id = a->r.id,
                      .start_ms = a->r.start_ms,
                      .duration_ms = a->r.duration_ms,
                      .title = a->title,
                      .genre = a->genre};
    proto_priority_parse(a->r.priority, &p.priority);
    g_strlcpy(p.media, a->r.media, sizeof p.media);
    return proto_airing_to_json(&p, tz);
}

static void single_clear(single *a)
{
    row_clear(&a->r);
    g_free(a->title);
    g_free(a->genre);
}

/* Loads, checks and inserts a single airing in a new version of `kind`. */
static int publish_single(store *s, const char *who, single *a, const char *kind, GTimeZone *tz,
                          int64_t *vid, int64_t *version, char month[8], store_refusal *why)
{
    const char *tkind = NULL;
    char id[IDS_UUID_LEN + 1];
    vtime_local l = {0};
    int ret = store_targets_from_json(s, a->targets_in, &tkind, &a->r.targets, why);
    if (ret == 0 &&
        (!vtime_instant_writable(a->r.start_ms) || vtime_utc_to_local(tz, a->r.start_ms, &l) != 0))
        ret = store_refuse_facts(s, why, -EINVAL, "bad_start", "oneoff_start", NULL);
    if (ret != 0)
        return ret;
    g_snprintf(month, 8, "%04d-%02d", l.year, l.month);
    a->r.kind = g_strdup(tkind);
    ids_uuid4(id);
    a->r.id = g_strdup(id);
    ret = store_publish_new_version(s, who, month, kind, vid, version);
    if (ret == 0)
        ret = store_publish_insert_airing(s, *vid, &a->r);
    return ret;
}

int publish_oneoff(store *s, const char *who, const char *piece_id, int64_t start_ms,
                   const json_t *targets, const char *priority, GTimeZone *tz, json_t **airing_out,
                   store_refusal *why)
{
    single a = {.r.start_ms = start_ms, .targets_in = (json_t *)targets};
    int64_t vid = 0, version = 0;
    char month[8], entity[64];
    int ret = load_single(s, &a, piece_id, priority, why);
    if (ret == 0)
        ret = publish_single(s, who, &a, "oneoff", tz, &vid, &version, month, why);
    if (ret == 0) {
        json_t *air = manifest_airing(&a, tz);
        json_object_set_new(air, "targets", store_targets_to_json(s, a.r.kind, a.r.targets));
        json_object_set_new(air, "version", json_integer(version));
        json_t *payload = json_pack("{s:s, s:I, s:I}", "month", month, "version", (json_int_t)vid,
                                    "month_version", (json_int_t)version);
        g_snprintf(entity, sizeof entity, "airing:%s", a.r.id);
        ret = finish(s, who, "airing.add", entity, "manifest_changed", payload, air);
        if (ret == 0 && airing_out)
            *airing_out = json_incref(air);
        json_decref(payload);
        json_decref(air);
    }
    single_clear(&a);
    return ret;
}

int publish_emergency(store *s, const char *who, const char *piece_id, const json_t *targets,
                      GTimeZone *tz, int64_t now_ms, json_t **airing_out, store_refusal *why)
{
    single a = {.r.start_ms = now_ms, .targets_in = (json_t *)targets};
    int64_t vid = 0, version = 0;
    char month[8], entity[64];
    int ret = load_single(s, &a, piece_id, "emergency", why);
    if (ret == 0)
        ret = publish_single(s, who, &a, "emergency", tz, &vid, &version, month, why);
    if (ret == 0) {
        json_t *air = manifest_airing(&a, tz);
        json_t *ids = json_loads(a.r.targets, 0, NULL);
        json_t *payload = json_pack("{s:O, s:{s:s, s:o}}", "airing", air, "targets", "kind",
                                    a.r.kind, "ids", ids ? ids : json_array());
        json_t *audit = json_pack("{s:O, s:o}", "airing", air, "targets",
                                  store_targets_to_json(s, a.r.kind, a.r.targets));
        g_snprintf(entity, sizeof entity, "airing:%s", a.r.id);
        ret = finish(s, who, "emergency.start", entity, "emergency", payload, audit);
        if (ret == 0 && airing_out)
            *airing_out = json_incref(air);
        json_decref(audit);
        json_decref(payload);
        json_decref(air);
    }
    single_clear(&a);
    return ret;
}

int publish_emergency_stop(store *s, const char *who, const char *airing_id, store_refusal *why)
{
    char *month = NULL, entity[96];
    int64_t vid = 0, version = 0;
    int ret = store_publish_live_emergency_month(s, airing_id, &month);
    if (ret != 0)
        return ret;
    if (!month)
        return store_refuse_facts(s, why, -ENOENT, "not_found", "emergency_unknown", NULL);
    ret = store_publish_new_version(s, who, month, "emergency", &vid, &version);
    if (ret == 0)
        ret = store_publish_withdraw(s, airing_id, vid);
    if (ret == 0) {
        json_t *payload = json_pack("{s:s}", "airing", airing_id);
        json_t *audit = json_pack("{s:s, s:I}", "airing", airing_id, "version_id", (json_int_t)vid);
        g_snprintf(entity, sizeof entity, "airing:%s", airing_id);
        ret = finish(s, who, "emergency.stop", entity, "stop", payload, audit);
        json_decref(audit);
        json_decref(payload);
    }
    g_free(month);
    return ret;
}
