/* store_plan_input: see store_plan_input.h. */
#include "store_plan_input.h"
#include "store_internal.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "vtime.h"

static void *own(plan_input *pi, void *p)
{
    if (!pi->owned)
        pi->owned = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(pi->owned, p);
    return p;
}

static const char *own_str(plan_input *pi, sqlite3_stmt *st, int i)
{
    return own(pi, store_col_dup(st, i));
}

int32_t plan_input_day_or(const char *text, int32_t dflt)
{
    int32_t d;
    return text && vtime_parse_date(text, &d) == 0 ? d : dflt;
}

int plan_input_district(store *s, plan_input *pi)
{
    int ret = store_district_load(s, STORE_DISTRICT_ANY_TIME_FROM, STORE_DISTRICT_ANY_TIME_UNTIL,
                                  &pi->dist);
    pi->communes = pi->dist.communes;
    pi->commune_ids = pi->dist.commune_ids;
    pi->boxes = pi->dist.boxes;
    pi->box_ids = pi->dist.box_ids;
    pi->district = pi->dist.district;
    return ret;
}

int plan_input_commune_index(const plan_input *pi, int64_t id)
{
    return store_district_commune_index(&pi->dist, id);
}

int plan_input_box_index(const plan_input *pi, int64_t id)
{
    return store_district_box_index(&pi->dist, id);
}

int plan_input_program_index(const plan_input *pi, const char *id)
{
    for (size_t i = 0; id && i < pi->n_programs; i++)
        if (strcmp(pi->programs[i].id, id) == 0)
            return (int)i;
    return -1;
}

int plan_input_piece_index(const plan_input *pi, const char *id)
{
    for (size_t i = 0; id && i < pi->n_pieces; i++)
        if (strcmp(pi->pieces[i].id, id) == 0)
            return (int)i;
    return -1;
}

const char *plan_input_target_kind_name(sched_target_kind k)
{
    return k == SCHED_TARGET_COMMUNES ? "communes" : k == SCHED_TARGET_BOXES ? "boxes" : "all";
}

char *plan_input_targets_ids_json(const plan_input *pi, const sched_targets *t)
{
    json_t *a = json_array();
    for (size_t i = 0; t->kind != SCHED_TARGET_ALL && i < t->n; i++) {
        /* an index from another district would store some other commune's or box's id */
        assert(t->ids[i] <
               (t->kind == SCHED_TARGET_COMMUNES ? pi->district.n_communes : pi->district.n_boxes));
        int64_t id =
            t->kind == SCHED_TARGET_COMMUNES ? pi->commune_ids[t->ids[i]] : pi->box_ids[t->ids[i]];
        json_array_append_new(a, json_integer(id));
    }
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    char *out = g_strdup(text ? text : "[]");
    free(text);
    return out;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts and removes duplicates in place; returns the new count. */
static size_t sort_unique(uint32_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u32);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    return k;
}

/* Reads one element of a stored JSON array into el (arg: the caller's): 1 kept, 0 skipped,
 * -EINVAL bad. */
typedef int (*put_fn)(plan_input *pi, const json_t *x, const void *arg, void *el);

/* A JSON array as stored (text; NULL = []) → *out, an array owned by pi of one `size`-byte
 * element per kept JSON element, each made by put. -EINVAL when the text is not an array or
 * put finds an element bad (*n_out then 0). */
static int stored_array(plan_input *pi, const char *text, size_t size, put_fn put, const void *arg,
                        void **out, size_t *n_out)
{
    json_t *a = json_loads(text ? text : "[]", 0, NULL);
    *out = NULL;
    *n_out = 0;
    if (!json_is_array(a)) {
        json_decref(a);
        return -EINVAL;
    }
    char *v = own(pi, g_malloc0(size * (json_array_size(a) + 1)));
    size_t i, n = 0;
    json_t *x;
    int ret = 0;
    json_array_foreach(a, i, x)
    {
        if ((ret = put(pi, x, arg, v + n * size)) < 0)
            break;
        n += (size_t)ret;
        ret = 0;
    }
    json_decref(a);
    *out = v;
    *n_out = ret == 0 ? n : 0;
    return ret;
}

/* A database id → its index among the boxes (*arg true) or the communes. */
static int put_index(plan_input *pi, const json_t *x, const void *boxes, void *el)
{
    int64_t id = json_integer_value(x);
    int ix = !json_is_integer(x)    ? -1
             : *(const bool *)boxes ? plan_input_box_index(pi, id)
                                    : plan_input_commune_index(pi, id);
    if (ix < 0)
        return -EINVAL;
    *(uint32_t *)el = (uint32_t)ix;
    return 1;
}

/* A JSON array of database ids → sorted unique indices. */
static int ids_from_json(plan_input *pi, const char *ids_json, bool boxes, uint32_t **out,
                         size_t *n_out)
{
    void *v = NULL;
    size_t n = 0;
    int ret = stored_array(pi, ids_json, sizeof(uint32_t), put_index, &boxes, &v, &n);
    *out = v;
    *n_out = n ? sort_unique(v, n) : 0;
    return ret;
}

int plan_input_targets_from_db(plan_input *pi, const char *kind, const char *ids_json,
                               sched_targets *out)
{
    *out = (sched_targets){.kind = SCHED_TARGET_ALL};
    if (!kind || strcmp(kind, "all") == 0)
        return 0;
    bool boxes = strcmp(kind, "boxes") == 0;
    if (!boxes && strcmp(kind, "communes") != 0)
        return -EINVAL;
    uint32_t *ids = NULL;
    size_t n = 0;
    int ret = ids_from_json(pi, ids_json, boxes, &ids, &n);
    if (ret == 0 && n == 0)
        ret = -EINVAL;
    *out = (sched_targets){boxes ? SCHED_TARGET_BOXES : SCHED_TARGET_COMMUNES, ids, n};
    return ret;
}

/* ---- programmes ---- */

void store_program_row_clear(store_program_row *r)
{
    g_free(r->id);
    g_free(r->title);
    g_free(r->valid_from);
    g_free(r->valid_until);
    g_free(r->target_kind);
    g_free(r->targets);
    g_free(r->intro);
    g_free(r->outro);
    memset(r, 0, sizeof *r);
}

void store_program_rows_free(store_program_row *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        store_program_row_clear(&v[i]);
    g_free(v);
}

int store_program_rows(store *s, store_program_row **out, size_t *n_out)
{
    sqlite3_stmt *st = NULL;
    GArray *v = g_array_new(FALSE, TRUE, sizeof(store_program_row));
    int rc = SQLITE_DONE;
    int ret = store_prepare(s,
                            "SELECT id, title, weekdays, start_s, length_s, valid_from,"
                            " valid_until, target_kind, targets, intro_piece, outro_piece,"
                            " created_ms, updated_ms FROM programs ORDER BY start_s, title, id",
                            &st);
    while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_program_row r = {
            .id = store_col_dup(st, 0),
            .title = store_col_dup(st, 1),
            .weekdays = sqlite3_column_int(st, 2),
            .start_s = sqlite3_column_int(st, 3),
            .length_s = sqlite3_column_int(st, 4),
            .valid_from = store_col_dup(st, 5),
            .valid_until = store_col_dup(st, 6),
            .target_kind = store_col_dup(st, 7),
            .targets = store_col_dup(st, 8),
            .intro = store_col_dup(st, 9),
            .outro = store_col_dup(st, 10),
            .created_ms = sqlite3_column_int64(st, 11),
            .updated_ms = sqlite3_column_int64(st, 12),
        };
        g_array_append_val(v, r);
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = store_fail(s, rc, "load programs");
    if (st)
        sqlite3_reset(st);
    *n_out = v->len;
    *out = (store_program_row *)(void *)g_array_free(v, FALSE);
    return ret;
}

static sched_piece *add_piece(plan_input *pi)
{
    if (pi->n_pieces == pi->cap_pieces) {
        pi->cap_pieces = pi->cap_pieces ? pi->cap_pieces * 2 : 16;
        pi->pieces = g_renew(sched_piece, pi->pieces, pi->cap_pieces);
        pi->piece_media = g_renew(const char *, pi->piece_media, pi->cap_pieces);
    }
    pi->piece_media[pi->n_pieces] = NULL;
    sched_piece *p = &pi->pieces[pi->n_pieces++];
    memset(p, 0, sizeof *p);
    p->commune = -1;
    return p;
}

#define PIECE_COLS                                                                                 \
    "SELECT id, title, genre, duration_ms, theme, exemplar, commune_id, priority, status,"         \
    " media_sha256 FROM pieces WHERE id = ?1"

/* Adds a piece by id; returns its index, -1 when absent or not approved (status_out gets the
 * status; NULL when absent). */
static int load_piece(store *s, plan_input *pi, const char *id, char **status_out, char **title_out,
                      int *ret_out)
{
    sqlite3_stmt *st = NULL;
    int ix = plan_input_piece_index(pi, id);
    *ret_out = 0;
    if (ix >= 0)
        return ix;
    if ((*ret_out = store_prepare(s, PIECE_COLS, &st)) != 0)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(st, 8);
        if (status_out)
            *status_out = g_strdup(status);
        if (title_out)
            *title_out = store_col_dup(st, 1);
        if (strcmp(status, "approved") == 0) {
            sched_piece *p = add_piece(pi);
            ix = (int)(pi->n_pieces - 1);
            p->id = own_str(pi, st, 0);
            p->title = own_str(pi, st, 1);
            sched_genre_parse((const char *)sqlite3_column_text(st, 2), &p->genre);
            p->duration_ms = sqlite3_column_int64(st, 3);
            p->theme = own_str(pi, st, 4);
            p->exemplar = own_str(pi, st, 5);
            if (sqlite3_column_type(st, 6) != SQLITE_NULL)
                p->commune = plan_input_commune_index(pi, sqlite3_column_int64(st, 6));
            sched_priority_parse((const char *)sqlite3_column_text(st, 7), &p->priority);
            pi->piece_media[ix] = own_str(pi, st, 9);
        }
    } else if (rc != SQLITE_DONE) {
        *ret_out = store_fail(s, rc, "load piece");
    }
    sqlite3_reset(st);
    return ix;
}

static int32_t jingle(store *s, plan_input *pi, const char *id, int *ret)
{
    *ret = 0;
    if (!id)
        return -1;
    int ix = load_piece(s, pi, id, NULL, NULL, ret);
    return ix >= 0 && pi->pieces[ix].genre == SCHED_GENRE_JINGLE ? ix : -1;
}

int plan_input_programs(store *s, plan_input *pi)
{
    size_t n = 0;
    int ret = store_program_rows(s, &pi->rows, &n);
    pi->n_programs = n;
    pi->programs = g_new0(sched_program, n + 1);
    for (size_t i = 0; ret == 0 && i < n; i++) {
        const store_program_row *r = &pi->rows[i];
        sched_program *p = &pi->programs[i];
        *p = (sched_program){.id = r->id,
                             .title = r->title,
                             .weekdays = (uint8_t)r->weekdays,
                             .start_s = r->start_s,
                             .length_s = r->length_s,
                             .valid_from = plan_input_day_or(r->valid_from, INT32_MIN),
                             .valid_until = plan_input_day_or(r->valid_until, INT32_MAX)};
        ret = plan_input_targets_from_db(pi, r->target_kind, r->targets, &p->targets);
        if (ret != 0) {
            ret = store_failf(s, -EINVAL, "program %s: bad targets", r->id);
            break;
        }
        p->intro = jingle(s, pi, r->intro, &ret);
        if (ret == 0)
            p->outro = jingle(s, pi, r->outro, &ret);
    }
    return ret;
}

/* ---- the month plan ---- */

static int month_range(const char *month, int32_t *from, int32_t *until)
{
    int y, m;
    if (vtime_parse_month(month, &y, &m) != 0 || vtime_day_from_civil(y, m, 1, from) != 0)
        return -EINVAL;
    *until = *from + vtime_days_in_month(y, m) - 1;
    return 0;
}

static int put_pin(plan_input *pi, const json_t *x, const void *arg, void *el)
{
    (void)arg;
    const char *day = json_string_value(json_object_get(x, "day"));
    json_t *prog = json_object_get(x, "program");
    int32_t d;
    if (!day || vtime_parse_date(day, &d) != 0)
        return -EINVAL;
    int p = json_is_string(prog) ? plan_input_program_index(pi, json_string_value(prog)) : -1;
    if (json_is_string(prog) && p < 0)
        return 0; /* the programme was deleted: the pin no longer means anything */
    *(sched_pin *)el = (sched_pin){d, p};
    return 1;
}

static int parse_pins(plan_input *pi, const char *text, sched_plan_item *it)
{
    void *v = NULL;
    int ret = stored_array(pi, text, sizeof(sched_pin), put_pin, NULL, &v, &it->n_pins);
    it->pins = v;
    return ret;
}

/* plan_airings of a piece in the month starting before now. */
static int past_airings(store *s, const char *month, const char *piece, int64_t now_ms,
                        uint32_t *out)
{
    sqlite3_stmt *st = NULL;
    *out = 0;
    if (now_ms == INT64_MIN)
        return 0;
    int ret = store_prepare(s,
                            "SELECT count(*) FROM plan_airings WHERE month = ?1 AND piece_id = ?2"
                            " AND start_ms < ?3",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, piece, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, now_ms);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = (uint32_t)sqlite3_column_int64(st, 0);
    else
        ret = store_fail(s, rc, "count past airings");
    sqlite3_reset(st);
    return ret;
}

typedef struct item_row {
    char *piece, *window_from, *window_until, *communes, *pins;
    uint32_t airings;
} item_row;

static void item_row_clear(item_row *r)
{
    g_free(r->piece);
    g_free(r->window_from);
    g_free(r->window_until);
    g_free(r->communes);
    g_free(r->pins);
}

static int read_items(store *s, const char *month, GArray *rows)
{
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_DONE;
    int ret = store_prepare(s,
                            "SELECT piece_id, airings, window_from, window_until, communes, pins"
                            " FROM plan_items WHERE month = ?1 ORDER BY position, piece_id",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        item_row r = {store_col_dup(st, 0), store_col_dup(st, 2),
                      store_col_dup(st, 3), store_col_dup(st, 4),
                      store_col_dup(st, 5), (uint32_t)sqlite3_column_int64(st, 1)};
        g_array_append_val(rows, r);
    }
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "load plan items");
    sqlite3_reset(st);
    return ret;
}

static int read_theme(store *s, const char *month, plan_input *pi)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT theme FROM month_plans WHERE month = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        pi->theme = store_col_dup(st, 0);
    else if (rc == SQLITE_DONE)
        ret = store_failf(s, -ENOENT, "no plan for %s", month);
    else
        ret = store_fail(s, rc, "load month plan");
    sqlite3_reset(st);
    return ret;
}

/* One item row → an engine item (or a skipped entry). */
static int add_item(store *s, plan_input *pi, const item_row *r, int64_t now_ms, int32_t from,
                    int32_t until)
{
    char *status = NULL, *title = NULL;
    int ret = 0;
    int ix = load_piece(s, pi, r->piece, &status, &title, &ret);
    if (ret == 0 && (ix < 0 || pi->pieces[ix].genre == SCHED_GENRE_JINGLE)) {
        plan_input_skipped k = {g_strdup(r->piece), title, status};
        pi->skipped = g_renew(plan_input_skipped, pi->skipped, pi->n_skipped + 1);
        pi->skipped[pi->n_skipped++] = k;
        return 0;
    }
    g_free(status);
    g_free(title);
    if (ret != 0)
        return ret;
    sched_plan_item *it = &pi->items[pi->n_items];
    *it = (sched_plan_item){.piece = (uint32_t)ix, .airings = r->airings};
    it->window_from = plan_input_day_or(r->window_from, INT32_MIN);
    it->window_until = plan_input_day_or(r->window_until, INT32_MAX);
    if (it->window_from < from)
        it->window_from = INT32_MIN;
    if (it->window_until > until)
        it->window_until = INT32_MAX;
    uint32_t *c = NULL;
    ret = ids_from_json(pi, r->communes, false, &c, &it->n_communes);
    it->communes = c;
    if (ret == 0)
        ret = parse_pins(pi, r->pins, it);
    if (ret != 0)
        return store_failf(s, -EINVAL, "plan item %s: bad communes or pins", r->piece);
    uint32_t past = 0, needed = it->airings > it->n_pins ? it->airings : (uint32_t)it->n_pins;
    if (needed == 0)
        needed = 1;
    pi->item_needed[pi->n_items] = needed;
    if ((ret = past_airings(s, pi->month_text, r->piece, now_ms, &past)) != 0)
        return ret;
    if (past >= needed)
        return 0; /* all aired already */
    if (past > 0) {
        it->airings = needed - past;
        if (it->n_pins > it->airings)
            it->n_pins = it->airings; /* the earliest pins have most likely aired */
    }
    pi->n_items++;
    return 0;
}

int plan_input_month(store *s, plan_input *pi, const char *month, int64_t now_ms)
{
    int32_t from = 0, until = 0;
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(item_row));
    int ret =
        month_range(month, &from, &until) == 0 ? 0 : store_failf(s, -EINVAL, "bad month %s", month);
    pi->month_text = g_strdup(month);
    if (ret == 0)
        ret = read_theme(s, month, pi);
    if (ret == 0)
        ret = read_items(s, month, rows);
    pi->items = g_new0(sched_plan_item, rows->len + 1);
    pi->item_needed = g_new0(uint32_t, rows->len + 1);
    for (guint i = 0; ret == 0 && i < rows->len; i++)
        ret = add_item(s, pi, &g_array_index(rows, item_row, i), now_ms, from, until);
    for (guint i = 0; i < rows->len; i++)
        item_row_clear(&g_array_index(rows, item_row, i));
    g_array_free(rows, TRUE);
    if (ret != 0)
        return ret;
    vtime_parse_month(month, &pi->plan.year, &pi->plan.month);
    pi->plan.theme = pi->theme;
    pi->plan.items = pi->items;
    pi->plan.n_items = pi->n_items;
    pi->in = (sched_input){.district = &pi->district,
                           .programs = pi->programs,
                           .n_programs = pi->n_programs,
                           .pieces = pi->pieces,
                           .n_pieces = pi->n_pieces,
                           .plan = &pi->plan,
                           .tz = pi->tz,
                           .now_ms = now_ms};
    return 0;
}

int plan_input_load(store *s, GTimeZone *tz, const char *month, int64_t now_ms, plan_input *pi)
{
    memset(pi, 0, sizeof *pi);
    pi->tz = tz;
    int ret = plan_input_district(s, pi);
    if (ret == 0)
        ret = plan_input_programs(s, pi);
    if (ret == 0 && month)
        ret = plan_input_month(s, pi, month, now_ms);
    return ret;
}

void plan_input_clear(plan_input *pi)
{
    store_district_clear(&pi->dist);
    store_program_rows_free(pi->rows, pi->n_programs);
    g_free(pi->programs);
    g_free(pi->pieces);
    g_free(pi->piece_media);
    g_free(pi->items);
    g_free(pi->item_needed);
    for (size_t i = 0; i < pi->n_skipped; i++) {
        g_free(pi->skipped[i].piece_id);
        g_free(pi->skipped[i].title);
        g_free(pi->skipped[i].status);
    }
    g_free(pi->skipped);
    g_free(pi->month_text);
    g_free(pi->theme);
    if (pi->owned)
        g_ptr_array_free(pi->owned, TRUE);
    memset(pi, 0, sizeof *pi);
}
