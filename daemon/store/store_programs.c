/* store_programs: see store_programs.h. */
#include "store_programs.h"
#include "store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conflicts.h"
#include "ids.h"
#include "store_audit.h"
#include "store_plan_input.h"
#include "store_refusal.h"
#include "vtime.h"
#include "wallclock.h"

#define TITLE_MAX 256

static const char *const WEEKDAYS[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* ---- targets ---- */

static int name_ids(store *s, const json_t *names, bool boxes, json_t *ids, store_refusal *why)
{
    sqlite3_stmt *st = NULL;
    size_t i;
    json_t *x;
    if (!json_is_array(names) || json_array_size(names) == 0 || json_array_size(names) > 10000)
        return store_refuse_facts(s, why, -EINVAL, "bad_targets",
                                  boxes ? "targets_empty_boxes" : "targets_empty_communes", NULL);
    json_array_foreach(names, i, x)
    {
        char *n = NULL;
        int64_t id = -1;
        int ret = json_is_string(x) ? store_name_normalize(json_string_value(x), STORE_NAME_MAX, &n)
                                    : -EINVAL;
        if (ret == 0)
            ret = store_prepare(s,
                                boxes ? "SELECT id FROM boxes WHERE name = ?1"
                                      : "SELECT id FROM communes WHERE name = ?1",
                                &st);
        if (ret == 0) {
            sqlite3_bind_text(st, 1, n, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                id = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
        }
        if (id < 0)
            ret = store_refuse_facts(
                s, why, -EINVAL, boxes ? "unknown_box" : "unknown_commune",
                boxes ? "unknown_box" : "unknown_commune",
                json_pack("{s:s}", "name", json_is_string(x) ? json_string_value(x) : "?"));
        g_free(n);
        if (ret != 0)
            return ret;
        json_array_append_new(ids, json_integer(id));
    }
    return 0;
}

static int cmp_json_int(const void *a, const void *b)
{
    json_int_t x = json_integer_value(*(json_t *const *)a);
    json_int_t y = json_integer_value(*(json_t *const *)b);
    return (x > y) - (x < y);
}

/* Sorted, duplicates removed, as compact JSON text. */
static char *ids_text(json_t *ids)
{
    size_t n = json_array_size(ids);
    json_t **v = g_new0(json_t *, n + 1);
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(ids, i);
    qsort(v, n, sizeof *v, cmp_json_int);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        if (i == 0 || json_integer_value(v[i]) != json_integer_value(v[i - 1]))
            json_array_append(out, v[i]);
    char *t = json_dumps(out, JSON_COMPACT);
    char *r = g_strdup(t);
    free(t);
    json_decref(out);
    g_free(v);
    return r;
}

int store_targets_from_json(store *s, const json_t *in, const char **kind_out, char **ids_out,
                            store_refusal *why)
{
    const char *kind = in ? json_string_value(json_object_get(in, "kind")) : "all";
    *ids_out = NULL;
    if (!kind || (in && !json_is_object(in)))
        return store_refuse_facts(s, why, -EINVAL, "bad_targets", "targets_shape", NULL);
    if (strcmp(kind, "all") == 0) {
        *kind_out = "all";
        *ids_out = g_strdup("[]");
        return 0;
    }
    bool boxes = strcmp(kind, "boxes") == 0;
    if (!boxes && strcmp(kind, "communes") != 0)
        return store_refuse_facts(s, why, -EINVAL, "bad_targets", "targets_kind",
                                  json_pack("{s:s}", "kind", kind));
    json_t *ids = json_array();
    int ret = name_ids(s, json_object_get(in, boxes ? "boxes" : "communes"), boxes, ids, why);
    if (ret == 0) {
        *kind_out = boxes ? "boxes" : "communes";
        *ids_out = ids_text(ids);
    }
    json_decref(ids);
    return ret;
}

json_t *store_targets_to_json(store *s, const char *kind, const char *ids_json)
{
    json_t *o = json_pack("{s:s}", "kind", kind ? kind : "all");
    if (!kind || strcmp(kind, "all") == 0)
        return o;
    bool boxes = strcmp(kind, "boxes") == 0;
    json_t *ids = json_loads(ids_json ? ids_json : "[]", 0, NULL), *names = json_array(), *x;
    size_t i;
    sqlite3_stmt *st = NULL;
    json_array_foreach(ids, i, x)
    {
        if (store_prepare(s,
                          boxes ? "SELECT name FROM boxes WHERE id = ?1"
                                : "SELECT name FROM communes WHERE id = ?1",
                          &st) != 0)
            break;
        sqlite3_bind_int64(st, 1, json_integer_value(x));
        if (sqlite3_step(st) == SQLITE_ROW)
            json_array_append_new(names, json_string((const char *)sqlite3_column_text(st, 0)));
        sqlite3_reset(st);
    }
    json_decref(ids);
    json_object_set_new(o, boxes ? "boxes" : "communes", names);
    return o;
}

/* ---- JSON ↔ row ---- */

static json_t *row_json(store *s, const store_program_row *r)
{
    json_t *days = json_array();
    for (int i = 0; i < 7; i++)
        if (r->weekdays & (1 << i))
            json_array_append_new(days, json_string(WEEKDAYS[i]));
    char start[16];
    if (r->start_s % 60)
        snprintf(start, sizeof start, "%02d:%02d:%02d", r->start_s / 3600, r->start_s / 60 % 60,
                 r->start_s % 60);
    else
        snprintf(start, sizeof start, "%02d:%02d", r->start_s / 3600, r->start_s / 60 % 60);
    return json_pack("{s:s, s:s, s:o, s:s, s:i, s:s?, s:s?, s:o, s:s?, s:s?, s:I, s:I}", "id",
                     r->id, "title", r->title, "weekdays", days, "start", start, "length",
                     r->length_s / 60, "valid_from", r->valid_from, "valid_until", r->valid_until,
                     "targets", store_targets_to_json(s, r->target_kind, r->targets), "intro",
                     r->intro, "outro", r->outro, "created_ms", (json_int_t)r->created_ms,
                     "updated_ms", (json_int_t)r->updated_ms);
}

static int parse_title(store *s, const json_t *v, store_program_row *r, store_refusal *why)
{
    char *t = NULL;
    if (!json_is_string(v) || store_name_normalize(json_string_value(v), TITLE_MAX, &t) != 0)
        return store_refuse_facts(s, why, -EINVAL, "bad_title", "program_title", NULL);
    g_free(r->title);
    r->title = t;
    return 0;
}

static int parse_weekdays(store *s, const json_t *v, store_program_row *r, store_refusal *why)
{
    size_t i;
    json_t *x;
    int bits = 0;
    json_array_foreach(v, i, x)
    {
        int d = -1;
        for (int k = 0; k < 7 && json_is_string(x); k++)
            if (g_ascii_strcasecmp(json_string_value(x), WEEKDAYS[k]) == 0)
                d = k;
        if (d < 0) {
            bits = 0;
            break;
        }
        bits |= 1 << d;
    }
    if (!json_is_array(v) || bits == 0)
        return store_refuse_facts(s, why, -EINVAL, "bad_weekdays", "program_weekdays", NULL);
    r->weekdays = bits;
    return 0;
}

static int parse_start_length(store *s, const json_t *start, const json_t *len,
                              store_program_row *r, store_refusal *why)
{
    int32_t sec;
    if (start) {
        if (!json_is_string(start) || vtime_parse_hms(json_string_value(start), &sec) != 0)
            return store_refuse_facts(s, why, -EINVAL, "bad_start", "program_start", NULL);
        r->start_s = sec;
    }
    if (len) {
        json_int_t m = json_is_integer(len) ? json_integer_value(len) : 0;
        if (m < 1 || m > 1440)
            return store_refuse_facts(s, why, -EINVAL, "bad_length", "program_length", NULL);
        r->length_s = (int32_t)(m * 60);
    }
    return 0;
}

static int parse_date(store *s, const json_t *v, char **out, store_refusal *why)
{
    int32_t d;
    if (json_is_null(v)) {
        g_free(*out);
        *out = NULL;
        return 0;
    }
    if (!json_is_string(v) || vtime_parse_date(json_string_value(v), &d) != 0)
        return store_refuse_facts(s, why, -EINVAL, "bad_date", "program_date", NULL);
    g_free(*out);
    *out = g_strdup(json_string_value(v));
    return 0;
}

static int parse_jingle(store *s, const json_t *v, char **out, store_refusal *why)
{
    sqlite3_stmt *st = NULL;
    if (json_is_null(v)) {
        g_free(*out);
        *out = NULL;
        return 0;
    }
    const char *id = json_string_value(v);
    int ok = 0;
    int ret = store_prepare(s,
                            "SELECT genre = 'jingle' AND status = 'approved' FROM pieces"
                            " WHERE id = ?1",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id ? id : "", -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        ok = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (!ok)
        return store_refuse_facts(s, why, -EINVAL, "bad_jingle", "program_jingle",
                                  json_pack("{s:s}", "piece", id ? id : "?"));
    g_free(*out);
    *out = g_strdup(id);
    return 0;
}

/* Applies the members present in `in` to r. */
static int apply_json(store *s, const json_t *in, store_program_row *r, store_refusal *why)
{
    json_t *v;
    int ret = 0;
    if (!json_is_object(in))
        return store_refuse_facts(s, why, -EINVAL, "bad_request", "program_not_object", NULL);
    if ((v = json_object_get(in, "title")))
        ret = parse_title(s, v, r, why);
    if (ret == 0 && (v = json_object_get(in, "weekdays")))
        ret = parse_weekdays(s, v, r, why);
    if (ret == 0)
        ret = parse_start_length(s, json_object_get(in, "start"), json_object_get(in, "length"), r,
                                 why);
    if (ret == 0 && (v = json_object_get(in, "valid_from")))
        ret = parse_date(s, v, &r->valid_from, why);
    if (ret == 0 && (v = json_object_get(in, "valid_until")))
        ret = parse_date(s, v, &r->valid_until, why);
    if (ret == 0 && (v = json_object_get(in, "targets"))) {
        const char *kind = NULL;
        char *ids = NULL;
        ret = store_targets_from_json(s, v, &kind, &ids, why);
        if (ret == 0) {
            g_free(r->target_kind);
            g_free(r->targets);
            r->target_kind = g_strdup(kind);
            r->targets = ids;
        }
    }
    if (ret == 0 && (v = json_object_get(in, "intro")))
        ret = parse_jingle(s, v, &r->intro, why);
    if (ret == 0 && (v = json_object_get(in, "outro")))
        ret = parse_jingle(s, v, &r->outro, why);
    return ret;
}

static int check_complete(store *s, const store_program_row *r, store_refusal *why)
{
    if (!r->title)
        return store_refuse_facts(s, why, -EINVAL, "bad_title", "program_no_title", NULL);
    if (r->weekdays == 0)
        return store_refuse_facts(s, why, -EINVAL, "bad_weekdays", "program_no_weekdays", NULL);
    if (r->start_s < 0)
        return store_refuse_facts(s, why, -EINVAL, "bad_start", "program_no_start", NULL);
    if (r->length_s <= 0)
        return store_refuse_facts(s, why, -EINVAL, "bad_length", "program_no_length", NULL);
    if (r->valid_from && r->valid_until && strcmp(r->valid_from, r->valid_until) > 0)
        return store_refuse_facts(s, why, -EINVAL, "bad_dates", "program_dates_order", NULL);
    return 0;
}

static int title_taken(store *s, const store_program_row *r, store_refusal *why)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT 1 FROM programs WHERE title = ?1 AND id <> ?2", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, r->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return store_refuse_facts(s, why, -EEXIST, "title_taken", "program_title_taken",
                                  json_pack("{s:s}", "title", r->title));
    return 0;
}

/* ---- conflicts ---- */

static void local_hm(GTimeZone *tz, int64_t ms, char *buf, size_t len)
{
    vtime_local l = {0};
    vtime_utc_to_local(tz, ms, &l);
    snprintf(buf, len, "%02d:%02d", l.hour, l.minute);
}

/* The first overlap of two programmes from today on, over the first nine days both are valid:
 * their patterns repeat weekly, so a week, plus a slot crossing midnight, plus one, shows any
 * overlap. *found is false when there is none. */
static int pair_conflict(const plan_input *pi, const sched_program *a, const sched_program *b,
                         int32_t today, sched_conflict *out, bool *found)
{
    sched_program pair[2] = {*a, *b};
    pair[0].intro = pair[0].outro = pair[1].intro = pair[1].outro = -1;
    *found = false;
    int32_t lo = MAX(MAX(a->valid_from, b->valid_from), today - 1);
    int32_t hi = MIN(MIN(a->valid_until, b->valid_until), lo + 9);
    if (lo > hi)
        return 0;
    sched_conflict *c = NULL;
    size_t n = 0;
    int ret = sched_conflicts(&pi->district, pair, 2, lo - 1, hi, pi->tz, &c, &n);
    if (ret == 0 && n > 0) {
        *out = c[0];
        *found = true;
    }
    g_free(c);
    return ret;
}

/* What a sentence about an overlap names (api_words.h "program_overlap"): both titles, the
 * local day and the local times it runs from and until. A new reference. */
static json_t *overlap_facts(GTimeZone *tz, const sched_conflict *c, const char *title,
                             const char *other)
{
    char from[8], until[8];
    local_hm(tz, c->overlap_from, from, sizeof from);
    local_hm(tz, c->overlap_from + c->overlap_ms, until, sizeof until);
    return json_pack("{s:s, s:s, s:i, s:s, s:s}", "title", title, "other", other, "day", c->day,
                     "from", from, "until", until);
}

static int load_programs(store *s, GTimeZone *tz, plan_input *pi)
{
    memset(pi, 0, sizeof *pi);
    pi->tz = tz;
    int ret = plan_input_district(s, pi);
    return ret == 0 ? plan_input_programs(s, pi) : ret;
}

/* Checks the candidate against every other programme. */
static int check_conflicts(store *s, const store_program_row *r, GTimeZone *tz, int64_t now_ms,
                           store_refusal *why)
{
    plan_input pi;
    int32_t today = 0;
    int ret = load_programs(s, tz, &pi);
    vtime_day_of(tz, now_ms, &today);
    sched_program cand = {.id = r->id,
                          .title = r->title,
                          .weekdays = (uint8_t)r->weekdays,
                          .start_s = r->start_s,
                          .length_s = r->length_s,
                          .valid_from = plan_input_day_or(r->valid_from, INT32_MIN),
                          .valid_until = plan_input_day_or(r->valid_until, INT32_MAX),
                          .intro = -1,
                          .outro = -1};
    if (ret == 0 && plan_input_targets_from_db(&pi, r->target_kind, r->targets, &cand.targets) != 0)
        ret = store_failf(s, -EINVAL, "bad targets");
    for (size_t i = 0; ret == 0 && i < pi.n_programs; i++) {
        sched_conflict c;
        bool found = false;
        if (strcmp(pi.programs[i].id, r->id) == 0)
            continue;
        if (pair_conflict(&pi, &cand, &pi.programs[i], today, &c, &found) != 0)
            ret = store_failf(s, -EINVAL, "conflict check failed");
        if (ret == 0 && found) {
            ret = store_refuse_facts(s, why, -EBUSY, "program_conflict", "program_overlap",
                                     overlap_facts(tz, &c, r->title, pi.programs[i].title));
        }
    }
    plan_input_clear(&pi);
    return ret;
}

int store_program_conflicts(store *s, GTimeZone *tz, int64_t now_ms, json_t **out)
{
    plan_input pi;
    int32_t today = 0;
    json_t *list = json_array();
    int ret = load_programs(s, tz, &pi);
    vtime_day_of(tz, now_ms, &today);
    for (size_t i = 0; ret == 0 && i < pi.n_programs; i++)
        for (size_t k = i + 1; ret == 0 && k < pi.n_programs; k++) {
            const sched_program *a = &pi.programs[i], *b = &pi.programs[k];
            sched_conflict c;
            bool found = false;
            if ((ret = pair_conflict(&pi, a, b, today, &c, &found)) != 0 || !found)
                continue;
            char from[VTIME_RFC3339_MAX];
            vtime_format_rfc3339(c.overlap_from, tz, from);
            json_array_append_new(
                list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:o}", "a", a->id, "a_title",
                                a->title, "b", b->id, "b_title", b->title, "from", from,
                                "overlap_ms", (json_int_t)c.overlap_ms, "words", "program_overlap",
                                "facts", overlap_facts(tz, &c, a->title, b->title)));
        }
    plan_input_clear(&pi);
    if (ret != 0) {
        json_decref(list);
        return store_failf(s, ret, "program conflicts");
    }
    *out = json_pack("{s:o}", "conflicts", list);
    return 0;
}

/* ---- reads ---- */

static int find_row(store *s, const char *id, store_program_row *out)
{
    store_program_row *v = NULL;
    size_t n = 0;
    int ret = store_program_rows(s, &v, &n);
    for (size_t i = 0; ret == 0 && i < n; i++)
        if (strcmp(v[i].id, id) == 0) {
            *out = v[i];
            memset(&v[i], 0, sizeof v[i]);
            store_program_rows_free(v, n);
            return 0;
        }
    store_program_rows_free(v, n);
    return ret ? ret : store_failf(s, -ENOENT, "no program %s", id);
}

int store_program_get(store *s, const char *id, json_t **out)
{
    store_program_row r = {0};
    int ret = find_row(s, id ? id : "", &r);
    if (ret == 0)
        *out = row_json(s, &r);
    store_program_row_clear(&r);
    return ret;
}

int store_program_list(store *s, json_t **out)
{
    store_program_row *v = NULL;
    size_t n = 0;
    int ret = store_program_rows(s, &v, &n);
    json_t *a = json_array();
    for (size_t i = 0; ret == 0 && i < n; i++)
        json_array_append_new(a, row_json(s, &v[i]));
    store_program_rows_free(v, n);
    if (ret != 0) {
        json_decref(a);
        return ret;
    }
    *out = json_pack("{s:o}", "programs", a);
    return 0;
}

int store_program_find(store *s, const char *title, char **id_out)
{
    sqlite3_stmt *st = NULL;
    char *t = NULL;
    if (store_name_normalize(title, TITLE_MAX, &t) != 0)
        return store_failf(s, -ENOENT, "no program with an invalid title");
    int ret = store_prepare(s, "SELECT id FROM programs WHERE title = ?1", &st);
    if (ret == 0) {
        sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            *id_out = g_strdup((const char *)sqlite3_column_text(st, 0));
        else
            ret = rc == SQLITE_DONE ? store_failf(s, -ENOENT, "no program %s", t)
                                    : store_fail(s, rc, "find program");
        sqlite3_reset(st);
    }
    g_free(t);
    return ret;
}

/* ---- writes ---- */

static int write_row(store *s, const store_program_row *r, bool insert)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(
        s,
        insert ? "INSERT INTO programs(id, title, weekdays, start_s, length_s, valid_from,"
                 " valid_until, target_kind, targets, intro_piece, outro_piece, created_ms,"
                 " updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
               : "UPDATE programs SET title = ?2, weekdays = ?3, start_s = ?4, length_s = ?5,"
                 " valid_from = ?6, valid_until = ?7, target_kind = ?8, targets = ?9,"
                 " intro_piece = ?10, outro_piece = ?11, updated_ms = ?13 WHERE id = ?1",
        &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->title, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, r->weekdays);
    sqlite3_bind_int(st, 4, r->start_s);
    sqlite3_bind_int(st, 5, r->length_s);
    sqlite3_bind_text(st, 6, r->valid_from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->valid_until, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->target_kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, r->targets, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, r->intro, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, r->outro, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 12, r->created_ms);
    sqlite3_bind_int64(st, 13, r->updated_ms);
    return store_exec_stmt(s, st);
}

/* Validates r, writes it and its audit row, and returns the stored programme. */
static int save(store *s, const char *who, store_program_row *r, const json_t *before, bool insert,
                GTimeZone *tz, int64_t now_ms, json_t **out, store_refusal *why)
{
    char entity[64];
    int ret = check_complete(s, r, why);
    if (ret == 0)
        ret = title_taken(s, r, why);
    if (ret == 0)
        ret = check_conflicts(s, r, tz, now_ms, why);
    if (ret == 0)
        ret = write_row(s, r, insert);
    if (ret != 0)
        return ret;
    json_t *after = row_json(s, r);
    g_snprintf(entity, sizeof entity, "program:%s", r->id);
    ret = store_audit(s, who, insert ? "program.create" : "program.edit", entity, before, after);
    if (ret == 0 && out)
        *out = json_incref(after);
    json_decref(after);
    return ret;
}

int store_program_create(store *s, const char *who, const json_t *in, GTimeZone *tz, int64_t now_ms,
                         json_t **out, store_refusal *why)
{
    char id[IDS_UUID_LEN + 1];
    ids_uuid4(id);
    store_program_row r = {.id = g_strdup(id),
                           .weekdays = 0x7f,
                           .start_s = -1,
                           .target_kind = g_strdup("all"),
                           .targets = g_strdup("[]")};
    r.created_ms = r.updated_ms = wallclock_now_ms();
    int ret = apply_json(s, in, &r, why);
    if (ret == 0)
        ret = save(s, who, &r, NULL, true, tz, now_ms, out, why);
    store_program_row_clear(&r);
    return ret;
}

int store_program_edit(store *s, const char *who, const char *id, const json_t *in, GTimeZone *tz,
                       int64_t now_ms, json_t **out, store_refusal *why)
{
    store_program_row r = {0};
    json_t *before = NULL;
    int ret = find_row(s, id ? id : "", &r);
    if (ret == -ENOENT)
        ret = store_refuse_facts(s, why, -ENOENT, "not_found", "program_unknown", NULL);
    if (ret == 0) {
        before = row_json(s, &r);
        ret = apply_json(s, in, &r, why);
    }
    r.updated_ms = wallclock_now_ms();
    if (ret == 0)
        ret = save(s, who, &r, before, false, tz, now_ms, out, why);
    json_decref(before);
    store_program_row_clear(&r);
    return ret;
}

/* Months with working airings in the programme's slots from now on, as "YYYY-MM" strings
 * appended to the array months. */
static int busy_months(store *s, const char *id, int64_t now_ms, json_t *months)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "SELECT DISTINCT month FROM plan_airings WHERE program_id = ?1"
                            " AND start_ms >= ?2 ORDER BY month",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now_ms);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(st, 0);
        json_array_append_new(months, json_string(m));
    }
    sqlite3_reset(st);
    return 0;
}

int store_program_delete(store *s, const char *who, const char *id, int64_t now_ms,
                         store_refusal *why)
{
    store_program_row r = {0};
    sqlite3_stmt *st = NULL;
    json_t *before = NULL;
    json_t *months = json_array();
    char entity[64];
    int ret = find_row(s, id ? id : "", &r);
    if (ret == -ENOENT)
        ret = store_refuse_facts(s, why, -ENOENT, "not_found", "program_unknown", NULL);
    if (ret == 0)
        ret = busy_months(s, id, now_ms, months);
    if (ret == 0 && json_array_size(months))
        ret = store_refuse_facts(s, why, -EBUSY, "program_in_use", "program_in_use",
                                 json_pack("{s:s, s:O}", "title", r.title, "months", months));
    if (ret == 0)
        ret = store_prepare(s, "DELETE FROM programs WHERE id = ?1", &st);
    if (ret == 0) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        ret = store_exec_stmt(s, st);
    }
    if (ret == 0) {
        before = row_json(s, &r);
        g_snprintf(entity, sizeof entity, "program:%s", id);
        ret = store_audit(s, who, "program.delete", entity, before, NULL);
    }
    json_decref(before);
    json_decref(months);
    store_program_row_clear(&r);
    return ret;
}
