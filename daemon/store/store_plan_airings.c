/* store_plan_airings: a month's working schedule: the engine's fill, hand edits and the
 * conflict check (see store_plans.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conflicts.h"
#include "store_internal.h"
#include "ids.h"
#include "store_refusal.h"
#include "store_targets.h"
#include "reason.h"
#include "store_audit.h"
#include "store_plans.h"
#include "vtime.h"

/* A working airing as read back (with the piece's and programme's titles). */
typedef struct wa {
    char *id, *piece, *title, *genre, *priority, *program, *program_title, *kind, *targets;
    int64_t start_ms, duration_ms;
} wa;

static void wa_clear(gpointer p)
{
    wa *a = p;
    g_free(a->id);
    g_free(a->piece);
    g_free(a->title);
    g_free(a->genre);
    g_free(a->priority);
    g_free(a->program);
    g_free(a->program_title);
    g_free(a->kind);
    g_free(a->targets);
}

#define WA_SELECT                                                                                  \
    "SELECT a.id, a.piece_id, p.title, p.genre, a.priority, a.program_id, g.title,"                \
    " a.target_kind, a.targets, a.start_ms, a.duration_ms FROM plan_airings a"                     \
    " JOIN pieces p ON p.id = a.piece_id LEFT JOIN programs g ON g.id = a.program_id"

static wa wa_read(sqlite3_stmt *st)
{
    return (wa){store_col_dup(st, 0),        store_col_dup(st, 1),        store_col_dup(st, 2),
                store_col_dup(st, 3),        store_col_dup(st, 4),        store_col_dup(st, 5),
                store_col_dup(st, 6),        store_col_dup(st, 7),        store_col_dup(st, 8),
                sqlite3_column_int64(st, 9), sqlite3_column_int64(st, 10)};
}

/* The month's working airings by start; g_array_free(…, TRUE) releases them. */
static int wa_month(store *s, const char *month, GArray **out)
{
    sqlite3_stmt *st = NULL;
    GArray *v = g_array_new(FALSE, TRUE, sizeof(wa));
    g_array_set_clear_func(v, wa_clear);
    int rc = SQLITE_DONE;
    int ret = store_prepare(s, WA_SELECT " WHERE a.month = ?1 ORDER BY a.start_ms, a.id", &st);
    if (ret == 0) {
        sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            wa a = wa_read(st);
            g_array_append_val(v, a);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            ret = store_fail(s, rc, "list plan airings");
    }
    *out = v;
    return ret;
}

static int wa_get(store *s, const char *id, wa *out, char **month_out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, WA_SELECT " WHERE a.id = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = wa_read(st);
    else
        ret = rc == SQLITE_DONE ? store_failf(s, -ENOENT, "no plan airing %s", id)
                                : store_fail(s, rc, "plan airing");
    sqlite3_reset(st);
    if (ret == 0 && month_out) {
        if ((ret = store_prepare(s, "SELECT month FROM plan_airings WHERE id = ?1", &st)) != 0)
            return ret;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            *month_out = store_col_dup(st, 0);
        sqlite3_reset(st);
    }
    return ret;
}

static json_t *time_json(GTimeZone *tz, int64_t ms)
{
    char buf[VTIME_RFC3339_MAX];
    vtime_format_rfc3339(ms, tz, buf);
    return json_string(buf);
}

static json_t *wa_json(store *s, const wa *a, GTimeZone *tz)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:s, s:s?, s:s?, s:o}", "id", a->id, "piece",
                     a->piece, "title", a->title, "genre", a->genre, "start",
                     time_json(tz, a->start_ms), "duration_ms", (json_int_t)a->duration_ms,
                     "priority", a->priority, "program", a->program, "program_title",
                     a->program_title, "targets", store_targets_to_json(s, a->kind, a->targets));
}

int store_plan_airings_list(store *s, const char *month, GTimeZone *tz, json_t **out)
{
    GArray *v = NULL;
    int ret = wa_month(s, month ? month : "", &v);
    json_t *a = json_array();
    for (guint i = 0; ret == 0 && i < v->len; i++)
        json_array_append_new(a, wa_json(s, &g_array_index(v, wa, i), tz));
    g_array_free(v, TRUE);
    if (ret != 0) {
        json_decref(a);
        return ret;
    }
    *out = json_pack("{s:s, s:o}", "month", month, "airings", a);
    return 0;
}

/* ---- conflicts: airings overlapping on a box ---- */

typedef struct live_box {
    int64_t id, commune;
    char *name;
} live_box;

static int boxes_load(store *s, GArray **out)
{
    sqlite3_stmt *st = NULL;
    GArray *v = g_array_new(FALSE, TRUE, sizeof(live_box));
    int ret = store_prepare(s,
                            "SELECT id, commune_id, name FROM boxes WHERE revoked = 0"
                            " ORDER BY id",
                            &st);
    while (ret == 0 && sqlite3_step(st) == SQLITE_ROW) {
        live_box b = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                      store_col_dup(st, 2)};
        g_array_append_val(v, b);
    }
    if (st)
        sqlite3_reset(st);
    *out = v;
    return ret;
}

static void boxes_free(GArray *v)
{
    for (guint i = 0; v && i < v->len; i++)
        g_free(g_array_index(v, live_box, i).name);
    if (v)
        g_array_free(v, TRUE);
}

static json_t *conflict_json(const wa *a, const wa *b, const live_box *box, GTimeZone *tz)
{
    int64_t end = MIN(a->start_ms + a->duration_ms, b->start_ms + b->duration_ms);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I}", "box", box->name, "a", a->id, "b",
                     b->id, "a_title", a->title, "b_title", b->title, "from",
                     time_json(tz, b->start_ms), "overlap_ms", (json_int_t)(end - b->start_ms));
}

/* Every overlapping pair on every live box; only pairs involving `only` when non-NULL. */
static int conflicts(store *s, const char *month, GTimeZone *tz, const char *only, json_t *out)
{
    GArray *v = NULL, *boxes = NULL;
    int ret = wa_month(s, month, &v);
    if (ret == 0)
        ret = boxes_load(s, &boxes);
    const wa **mine = g_new0(const wa *, v->len + 1);
    /* Each airing's target ids parsed once, not once per box. */
    json_t **ids = g_new0(json_t *, v->len + 1);
    for (guint i = 0; i < v->len; i++)
        ids[i] = json_loads(
            g_array_index(v, wa, i).targets ? g_array_index(v, wa, i).targets : "[]", 0, NULL);
    for (guint k = 0; ret == 0 && k < boxes->len; k++) {
        const live_box *b = &g_array_index(boxes, live_box, k);
        size_t n = 0;
        for (guint i = 0; i < v->len; i++) {
            const wa *a = &g_array_index(v, wa, i);
            if (store_targets_box(a->kind, ids[i], b->id, b->commune))
                mine[n++] = a; /* already by start */
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1;
                 j < n && mine[j]->start_ms < mine[i]->start_ms + mine[i]->duration_ms; j++)
                if (!only || !strcmp(mine[i]->id, only) || !strcmp(mine[j]->id, only))
                    json_array_append_new(out, conflict_json(mine[i], mine[j], b, tz));
    }
    for (guint i = 0; i < v->len; i++)
        json_decref(ids[i]);
    g_free(ids);
    g_free(mine);
    boxes_free(boxes);
    g_array_free(v, TRUE);
    return ret;
}

int store_plan_conflicts(store *s, const char *month, GTimeZone *tz, json_t **out)
{
    json_t *a = json_array();
    int ret = conflicts(s, month ? month : "", tz, NULL, a);
    if (ret != 0) {
        json_decref(a);
        return ret;
    }
    *out = json_pack("{s:o}", "conflicts", a);
    return 0;
}

/* ---- the fill ---- */

void store_plan_fill_run_clear(store_plan_fill_run *run)
{
    sched_fill_result_free(run->res);
    g_strfreev(run->airing_ids);
    plan_input_clear(&run->pi);
    memset(run, 0, sizeof *run);
}

static int refuse_program_conflicts(store *s, plan_input *pi, GTimeZone *tz, store_refusal *why)
{
    int32_t from, until;
    vtime_day_from_civil(pi->plan.year, pi->plan.month, 1, &from);
    until = from + vtime_days_in_month(pi->plan.year, pi->plan.month) - 1;
    sched_conflict *c = NULL;
    size_t n = 0;
    int ret = sched_conflicts(&pi->district, pi->programs, pi->n_programs, from, until, tz, &c, &n);
    if (ret != 0)
        ret = store_failf(s, ret, "program conflicts");
    else if (n > 0) {
        ret = store_refuse_facts(s, why, -EBUSY, "program_conflict", "plan_program_overlap",
                                 json_pack("{s:s, s:s, s:i}", "title", pi->programs[c[0].a].title,
                                           "other", pi->programs[c[0].b].title, "day", c[0].day));
    }
    g_free(c);
    return ret;
}

static char *airing_key(const char *piece, int64_t start, const char *program)
{
    return g_strdup_printf("%s|%" G_GINT64_FORMAT "|%s", piece, start, program ? program : "");
}

/* The ids of working airings from now on, by key; then deletes them. */
static int take_future(store *s, const char *month, int64_t now_ms, GHashTable *by_key)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "SELECT id, piece_id, start_ms, program_id FROM plan_airings WHERE"
                            " month = ?1 AND start_ms >= ?2",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now_ms);
    while (sqlite3_step(st) == SQLITE_ROW)
        g_hash_table_insert(by_key,
                            airing_key((const char *)sqlite3_column_text(st, 1),
                                       sqlite3_column_int64(st, 2),
                                       (const char *)sqlite3_column_text(st, 3)),
                            store_col_dup(st, 0));
    sqlite3_reset(st);
    if ((ret = store_prepare(s, "DELETE FROM plan_airings WHERE month = ?1 AND start_ms >= ?2",
                             &st)) != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now_ms);
    return store_exec_stmt(s, st);
}

static int insert_airing(store *s, const char *id, const char *month, const char *piece,
                         int64_t start, int64_t dur, const char *prio, const char *program,
                         const char *kind, const char *targets)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "INSERT INTO plan_airings(id, month, piece_id, start_ms, duration_ms,"
                            " priority, program_id, target_kind, targets) VALUES (?1, ?2, ?3, ?4,"
                            " ?5, ?6, ?7, ?8, ?9)",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, month, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, piece, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, start);
    sqlite3_bind_int64(st, 5, dur);
    sqlite3_bind_text(st, 6, prio, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, program, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, targets, -1, SQLITE_TRANSIENT);
    return store_exec_stmt(s, st);
}

static int write_result(store *s, const char *month, int64_t now_ms, store_plan_fill_run *run)
{
    const sched_fill_result *r = run->res;
    GHashTable *by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    int ret = take_future(s, month, now_ms, by_key);
    run->airing_ids = g_new0(char *, r->n_airings + 1);
    for (size_t i = 0; ret == 0 && i < r->n_airings; i++) {
        const sched_airing *a = &r->airings[i];
        const char *piece = run->pi.pieces[a->piece].id;
        const char *prog = run->pi.programs[r->slots[a->slot].slot.program].id;
        char *key = airing_key(piece, a->start_ms, prog), *id = NULL;
        gpointer k = NULL, old = NULL;
        if (g_hash_table_steal_extended(by_key, key, &k, &old)) {
            id = old;
            g_free(k);
        } else {
            id = g_malloc(IDS_UUID_LEN + 1);
            ids_uuid4(id);
        }
        g_free(key);
        char *targets = plan_input_targets_ids_json(&run->pi, &a->targets);
        ret = insert_airing(s, id, month, piece, a->start_ms, a->duration_ms,
                            sched_priority_name(a->priority), prog,
                            plan_input_target_kind_name(a->targets.kind), targets);
        g_free(targets);
        run->airing_ids[i] = id;
    }
    g_hash_table_destroy(by_key);
    return ret;
}

int store_plan_fill(store *s, const char *who, const char *month, GTimeZone *tz, int64_t now_ms,
                    store_plan_fill_run *run, store_refusal *why)
{
    char err[256] = "", entity[32];
    int y, m;
    memset(run, 0, sizeof *run);
    if (!month || vtime_parse_month(month, &y, &m) != 0)
        return store_refuse_facts(s, why, -EINVAL, "bad_month", "month_bad",
                                  json_pack("{s:s}", "month", month ? month : ""));
    int ret = plan_input_load(s, tz, month, now_ms, &run->pi);
    if (ret == -ENOENT)
        return store_refuse_facts(s, why, -ENOENT, "not_found", "plan_month_missing",
                                  json_pack("{s:s}", "month", month));
    if (ret == 0)
        ret = refuse_program_conflicts(s, &run->pi, tz, why);
    if (ret == 0 && sched_fill(&run->pi.in, &run->res, err, sizeof err) != 0)
        ret = store_failf(s, -EIO, "fill: %s", err);
    if (ret == 0)
        ret = write_result(s, month, now_ms, run);
    if (ret == 0) {
        json_t *after = json_pack("{s:I, s:I}", "airings", (json_int_t)run->res->n_airings,
                                  "not_placed", (json_int_t)run->res->n_unplaced);
        g_snprintf(entity, sizeof entity, "plan:%s", month);
        ret = store_audit(s, who, "plan.fill", entity, NULL, after);
        json_decref(after);
    }
    return ret;
}

static int percent(int64_t part, int64_t whole)
{
    return whole > 0 ? (int)((part * 100 + whole / 2) / whole) : 0;
}

/* One slot occurrence as the API shows it, from the fill or from the stored schedule. */
static json_t *slot_json(GTimeZone *tz, const char *program, const char *title,
                         const sched_slot *slot, int64_t used_ms, size_t n_airings)
{
    int y, m, d;
    char date[16];
    vtime_civil_from_day(slot->day, &y, &m, &d);
    snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
    return json_pack("{s:s, s:s, s:s, s:o, s:I, s:I, s:i, s:i}", "program", program,
                     "program_title", title, "date", date, "start", time_json(tz, slot->start_ms),
                     "length_ms", (json_int_t)slot->length_ms, "used_ms", (json_int_t)used_ms,
                     "fill_percent", percent(used_ms, slot->length_ms), "airings", (int)n_airings);
}

static json_t *slots_json(const store_plan_fill_run *run)
{
    json_t *a = json_array();
    for (size_t i = 0; i < run->res->n_slots; i++) {
        const sched_filled_slot *fs = &run->res->slots[i];
        const sched_program *p = &run->pi.programs[fs->slot.program];
        json_array_append_new(
            a, slot_json(run->pi.tz, p->id, p->title, &fs->slot, fs->used_ms, fs->n_airings));
    }
    return a;
}

/* The engine's unplaced, then the items left out; api_words_fill adds each one's message. */
static json_t *not_placed_json(const store_plan_fill_run *run)
{
    json_t *a = json_array();
    for (size_t i = 0; i < run->res->n_unplaced; i++) {
        const sched_unplaced *u = &run->res->unplaced[i];
        const sched_piece *pc = &run->pi.pieces[u->piece];
        json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:s}", "piece", pc->id, "title",
                                           pc->title, "missing", (int)u->missing, "reason",
                                           sched_reason_code(u->reason)));
    }
    for (size_t i = 0; i < run->pi.n_skipped; i++) {
        const plan_input_skipped *k = &run->pi.skipped[i];
        json_array_append_new(a, json_pack("{s:s, s:s?, s:i, s:s}", "piece", k->piece_id, "title",
                                           k->title, "missing", 0, "reason", "not_approved"));
    }
    return a;
}

json_t *store_plan_fill_json(store *s, const store_plan_fill_run *run)
{
    json_t *list = NULL;
    if (store_plan_airings_list(s, run->pi.month_text, run->pi.tz, &list) != 0)
        return NULL;
    json_object_set_new(list, "not_placed", not_placed_json(run));
    json_object_set_new(list, "slots", slots_json(run));
    return list;
}

/* The slot of each working airing is found again from its programme and start: the fill's
 * own answer is not stored, and hand edits change the schedule after it. */
int store_plan_slots(store *s, const char *month, GTimeZone *tz, json_t **out)
{
    plan_input pi = {.tz = tz};
    sched_slot *slots = NULL;
    size_t n = 0;
    GArray *v = NULL;
    int32_t from = 0;
    int y, m;
    if (!month || vtime_parse_month(month, &y, &m) != 0 ||
        vtime_day_from_civil(y, m, 1, &from) != 0)
        return store_refuse_facts(s, NULL, -EINVAL, "bad_month", "month_bad", NULL);
    int ret = plan_input_district(s, &pi);
    if (ret == 0)
        ret = plan_input_programs(s, &pi);
    if (ret == 0 && sched_expand(pi.programs, pi.n_programs, from,
                                 from + vtime_days_in_month(y, m) - 1, tz, &slots, &n) != 0)
        ret = store_failf(s, -EIO, "expand the programmes of %s", month);
    if (ret == 0)
        ret = wa_month(s, month, &v);
    json_t *list = json_array();
    guint lo = 0; /* slots and airings both go by start: the first airing not before the slot */
    for (size_t i = 0; ret == 0 && i < n; i++) {
        const sched_program *p = &pi.programs[slots[i].program];
        int64_t end = slots[i].start_ms + slots[i].length_ms, used = 0;
        size_t count = 0;
        while (lo < v->len && g_array_index(v, wa, lo).start_ms < slots[i].start_ms)
            lo++;
        for (guint j = lo; j < v->len && g_array_index(v, wa, j).start_ms < end; j++) {
            const wa *a = &g_array_index(v, wa, j);
            if (g_strcmp0(a->program, p->id) != 0)
                continue;
            /* A hand edit may run past the slot's end: shown as over 100%, as it is. */
            used = MAX(used, a->start_ms + a->duration_ms - slots[i].start_ms);
            count++;
        }
        json_array_append_new(list, slot_json(tz, p->id, p->title, &slots[i], used, count));
    }
    if (v)
        g_array_free(v, TRUE);
    g_free(slots);
    plan_input_clear(&pi);
    if (ret != 0) {
        json_decref(list);
        return ret;
    }
    *out = json_pack("{s:s, s:o}", "month", month, "slots", list);
    return 0;
}

/* ---- hand edits ---- */

/* True when [start, start + dur) lies inside an occurrence of the programme. */
static int inside_slot(store *s, GTimeZone *tz, const wa *a, bool *inside)
{
    plan_input pi = {.tz = tz};
    int32_t day = 0;
    *inside = true;
    if (!a->program)
        return 0;
    int ret = plan_input_district(s, &pi);
    if (ret == 0)
        ret = plan_input_programs(s, &pi);
    int p = ret == 0 ? plan_input_program_index(&pi, a->program) : -1;
    vtime_day_of(tz, a->start_ms, &day);
    sched_slot *slots = NULL;
    size_t n = 0;
    if (p >= 0 && sched_expand(&pi.programs[p], 1, day - 1, day, tz, &slots, &n) == 0) {
        *inside = false;
        for (size_t i = 0; i < n; i++)
            if (slots[i].start_ms <= a->start_ms &&
                a->start_ms + a->duration_ms <= slots[i].start_ms + slots[i].length_ms)
                *inside = true;
    }
    g_free(slots);
    plan_input_clear(&pi);
    return ret;
}

/* {"airing":…,"warnings":[…]} for the working airing `id`. */
static int edit_result(store *s, const char *id, GTimeZone *tz, json_t **out)
{
    wa a = {0};
    char *month = NULL;
    bool inside = true;
    json_t *pairs = json_array(), *warnings = json_array();
    int ret = wa_get(s, id, &a, &month);
    if (ret == 0)
        ret = conflicts(s, month, tz, id, pairs);
    if (ret == 0)
        ret = inside_slot(s, tz, &a, &inside);
    size_t i;
    json_t *c;
    json_array_foreach(pairs, i, c)
    {
        const char *other = strcmp(json_string_value(json_object_get(c, "a")), id) == 0
                                ? json_string_value(json_object_get(c, "b_title"))
                                : json_string_value(json_object_get(c, "a_title"));
        json_array_append_new(warnings, json_pack("{s:s, s:s, s:{s:s?, s:O, s:O}, s:O}", "code",
                                                  "overlap", "words", "plan_edit_overlap", "facts",
                                                  "other", other, "box", json_object_get(c, "box"),
                                                  "at", json_object_get(c, "from"), "conflict", c));
    }
    if (ret == 0 && !inside)
        json_array_append_new(warnings,
                              json_pack("{s:s, s:s, s:{s:s}}", "code", "outside_slot", "words",
                                        "plan_edit_outside_slot", "facts", "program",
                                        a.program_title ? a.program_title : ""));
    if (ret == 0 && out)
        *out = json_pack("{s:o, s:O}", "airing", wa_json(s, &a, tz), "warnings", warnings);
    json_decref(pairs);
    json_decref(warnings);
    wa_clear(&a);
    g_free(month);
    return ret;
}

static int audit_airing(store *s, const char *who, const char *action, const char *id,
                        json_t *before, GTimeZone *tz)
{
    char entity[96];
    wa a = {0};
    json_t *after = NULL;
    if (strcmp(action, "plan.airing_remove") != 0 && wa_get(s, id, &a, NULL) == 0)
        after = wa_json(s, &a, tz);
    g_snprintf(entity, sizeof entity, "plan_airing:%s", id);
    int ret = store_audit(s, who, action, entity, before, after);
    json_decref(after);
    wa_clear(&a);
    return ret;
}

static int month_of(GTimeZone *tz, int64_t ms, char month[8])
{
    vtime_local l = {0};
    int ret = vtime_utc_to_local(tz, ms, &l);
    g_snprintf(month, 8, "%04d-%02d", l.year, l.month);
    return ret;
}

typedef struct add_piece_info {
    int64_t duration_ms;
    char priority[16];
} add_piece_info;

static int approved_piece(store *s, const char *id, add_piece_info *out, store_refusal *why)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "SELECT title, status, duration_ms, priority FROM pieces"
                            " WHERE id = ?1",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW)
        ret = store_refuse_facts(s, why, -ENOENT, "unknown_piece", "piece_unknown",
                                 json_pack("{s:s}", "piece", id));
    else if (strcmp((const char *)sqlite3_column_text(st, 1), "approved") != 0)
        ret = store_refuse_facts(
            s, why, -EINVAL, "piece_not_approved", "piece_not_approved",
            json_pack("{s:s?}", "title", (const char *)sqlite3_column_text(st, 0)));
    else {
        out->duration_ms = sqlite3_column_int64(st, 2);
        g_strlcpy(out->priority, (const char *)sqlite3_column_text(st, 3), sizeof out->priority);
    }
    sqlite3_reset(st);
    return ret;
}

int store_plan_airing_add(store *s, const char *who, const char *month, const json_t *in,
                          GTimeZone *tz, json_t **out, store_refusal *why)
{
    const char *piece = json_string_value(json_object_get(in, "piece"));
    const char *start = json_string_value(json_object_get(in, "start"));
    const char *prio = json_string_value(json_object_get(in, "priority"));
    json_t *prog = json_object_get(in, "program");
    add_piece_info info = {0};
    int64_t start_ms = 0;
    char m[8] = "", id[IDS_UUID_LEN + 1];
    const char *kind = NULL;
    char *ids = NULL;
    sched_priority p;
    int ret = json_is_object(in) && piece
                  ? 0
                  : store_refuse_facts(s, why, -EINVAL, "bad_item", "airing_no_piece", NULL);
    if (ret == 0)
        ret = approved_piece(s, piece, &info, why);
    if (ret == 0 && (!start || vtime_parse_rfc3339(start, &start_ms) != 0))
        ret = store_refuse_facts(s, why, -EINVAL, "bad_start", "airing_start", NULL);
    if (ret == 0 && (month_of(tz, start_ms, m) != 0 || strcmp(m, month ? month : "") != 0))
        ret = store_refuse_facts(s, why, -EINVAL, "start_outside_month", "airing_outside_month",
                                 NULL);
    if (ret == 0 && prio && sched_priority_parse(prio, &p) != 0)
        ret = store_refuse_facts(s, why, -EINVAL, "bad_priority", "priority", NULL);
    if (ret == 0 && prog && !json_is_null(prog)) {
        json_t *pj = NULL;
        if (!json_is_string(prog) || store_program_get(s, json_string_value(prog), &pj) != 0)
            ret = store_refuse_facts(s, why, -EINVAL, "unknown_program", "program_unknown", NULL);
        json_decref(pj);
    }
    if (ret == 0)
        ret = store_targets_from_json(s, json_object_get(in, "targets"), &kind, &ids, why);
    if (ret == 0)
        ret = store_plan_ensure(s, who, month, why);
    ids_uuid4(id);
    if (ret == 0)
        ret = insert_airing(s, id, month, piece, start_ms, info.duration_ms,
                            prio ? prio : info.priority,
                            json_is_string(prog) ? json_string_value(prog) : NULL, kind, ids);
    if (ret == 0)
        ret = audit_airing(s, who, "plan.airing_add", id, NULL, tz);
    if (ret == 0)
        ret = edit_result(s, id, tz, out);
    g_free(ids);
    return ret;
}

static int airing_before(store *s, const char *id, GTimeZone *tz, wa *a, char **month,
                         json_t **before, store_refusal *why)
{
    int ret = wa_get(s, id ? id : "", a, month);
    if (ret == -ENOENT)
        return store_refuse_facts(s, why, -ENOENT, "not_found", "airing_unknown", NULL);
    if (ret == 0)
        *before = wa_json(s, a, tz);
    return ret;
}

int store_plan_airing_move(store *s, const char *who, const char *id, int64_t start_ms,
                           GTimeZone *tz, json_t **out, store_refusal *why)
{
    wa a = {0};
    char *month = NULL, m[8] = "";
    json_t *before = NULL;
    sqlite3_stmt *st = NULL;
    int ret = airing_before(s, id, tz, &a, &month, &before, why);
    if (ret == 0 && (month_of(tz, start_ms, m) != 0 || strcmp(m, month) != 0))
        ret = store_refuse_facts(s, why, -EINVAL, "start_outside_month", "airing_new_outside_month",
                                 NULL);
    if (ret == 0)
        ret = store_prepare(s, "UPDATE plan_airings SET start_ms = ?2 WHERE id = ?1", &st);
    if (ret == 0) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, start_ms);
        ret = store_exec_stmt(s, st);
    }
    if (ret == 0)
        ret = audit_airing(s, who, "plan.airing_move", id, before, tz);
    if (ret == 0)
        ret = edit_result(s, id, tz, out);
    json_decref(before);
    wa_clear(&a);
    g_free(month);
    return ret;
}

int store_plan_airing_remove(store *s, const char *who, const char *id, store_refusal *why)
{
    wa a = {0};
    char *month = NULL;
    json_t *before = NULL;
    sqlite3_stmt *st = NULL;
    GTimeZone *utc = g_time_zone_new_utc();
    int ret = airing_before(s, id, utc, &a, &month, &before, why);
    if (ret == 0)
        ret = store_prepare(s, "DELETE FROM plan_airings WHERE id = ?1", &st);
    if (ret == 0) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        ret = store_exec_stmt(s, st);
    }
    if (ret == 0)
        ret = audit_airing(s, who, "plan.airing_remove", id, before, utc);
    json_decref(before);
    wa_clear(&a);
    g_free(month);
    g_time_zone_unref(utc);
    return ret;
}
