/* report: see report.h. gather_* turn the store's rows (store_district, store_report_rows) into
 * the engine's plain arrays (db ids mapped to indices: the district's maps for communes and
 * boxes, hash tables for pieces and airings); json_* turn the engine's report into the
 * documented JSON. */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "accounting.h"
#include "store_contracts.h"
#include "store_district.h"
#include "store_report_rows.h"
#include "vtime.h"

typedef struct gather {
    store_district dist;                /* communes and boxes with their db ids */
    store_report_rows rows;             /* owns the strings the engine structs point to */
    GArray *pieces, *approved;          /* sched_piece; int64_t */
    GArray *airings, *plays, *lines;    /* acct_airing, acct_play, acct_line */
    GPtrArray *owned;                   /* target id arrays */
    GHashTable *piece_idx, *airing_idx; /* db id text → index + 1 */
    acct_contract contract;
} gather;

static void gather_init(gather *g)
{
    memset(g, 0, sizeof *g);
    g->pieces = g_array_new(FALSE, TRUE, sizeof(sched_piece));
    g->approved = g_array_new(FALSE, TRUE, sizeof(int64_t));
    g->airings = g_array_new(FALSE, TRUE, sizeof(acct_airing));
    g->plays = g_array_new(FALSE, TRUE, sizeof(acct_play));
    g->lines = g_array_new(FALSE, TRUE, sizeof(acct_line));
    g->owned = g_ptr_array_new_with_free_func(g_free);
    g->piece_idx = g_hash_table_new(g_str_hash, g_str_equal);
    g->airing_idx = g_hash_table_new(g_str_hash, g_str_equal);
}

static void gather_clear(gather *g)
{
    g_array_free(g->pieces, TRUE);
    g_array_free(g->approved, TRUE);
    g_array_free(g->airings, TRUE);
    g_array_free(g->plays, TRUE);
    g_array_free(g->lines, TRUE);
    g_ptr_array_free(g->owned, TRUE);
    g_hash_table_destroy(g->piece_idx);
    g_hash_table_destroy(g->airing_idx);
    store_report_rows_clear(&g->rows);
    store_district_clear(&g->dist);
}

/* index + 1 stored in a string-keyed table → index, -1 when absent. */
static int64_t lookup_text(GHashTable *h, const char *id)
{
    return id ? (int64_t)GPOINTER_TO_SIZE(g_hash_table_lookup(h, id)) - 1 : -1;
}

static void piece_add(gather *g, const store_report_piece *r)
{
    sched_piece p = {0};
    sched_genre genre = SCHED_GENRE_NEWS;
    sched_priority prio = SCHED_PRIO_NORMAL;
    sched_genre_parse(r->genre, &genre);
    sched_priority_parse(r->priority, &prio);
    p.id = r->id;
    p.title = r->title;
    p.genre = genre;
    p.duration_ms = CLAMP(r->duration_ms, 1, ACCT_MAX_MS);
    p.exemplar = r->exemplar;
    p.commune = r->has_commune ? store_district_commune_index(&g->dist, r->commune_id) : -1;
    p.priority = prio;
    int64_t approved = r->has_approved ? r->approved_ms : INT64_MIN;
    g_hash_table_insert(g->piece_idx, (gpointer)p.id, GSIZE_TO_POINTER(g->pieces->len + 1));
    g_array_append_val(g->pieces, p);
    g_array_append_val(g->approved, approved);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* targets JSON (db ids) → strictly increasing indices; unknown ids are dropped. */
static void parse_targets(gather *g, const char *kind, const char *json, sched_targets *t)
{
    bool communes = !strcmp(kind, "communes");
    memset(t, 0, sizeof *t);
    if (!strcmp(kind, "all"))
        return;
    t->kind = communes ? SCHED_TARGET_COMMUNES : SCHED_TARGET_BOXES;
    json_t *a = json_loads(json, 0, NULL);
    uint32_t *ids = g_new(uint32_t, json_array_size(a) + 1);
    size_t n = 0, k = 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        int64_t id = json_integer_value(json_array_get(a, i));
        int idx = communes ? store_district_commune_index(&g->dist, id)
                           : store_district_box_index(&g->dist, id);
        if (json_is_integer(json_array_get(a, i)) && idx >= 0)
            ids[n++] = (uint32_t)idx;
    }
    json_decref(a);
    qsort(ids, n, sizeof *ids, cmp_u32);
    for (size_t i = 0; i < n; i++)
        if (k == 0 || ids[k - 1] != ids[i])
            ids[k++] = ids[i];
    g_ptr_array_add(g->owned, ids);
    t->ids = ids;
    t->n = k;
}

static void airing_add(gather *g, const store_report_airing *r)
{
    acct_airing a = {0};
    int64_t piece = lookup_text(g->piece_idx, r->piece_id);
    if (piece < 0)
        return;
    a.id = r->id;
    a.piece = (uint32_t)piece;
    a.start_ms = r->start_ms;
    a.duration_ms = CLAMP(r->duration_ms, 1, ACCT_MAX_MS);
    parse_targets(g, r->target_kind, r->targets, &a.targets);
    g_hash_table_insert(g->airing_idx, (gpointer)a.id, GSIZE_TO_POINTER(g->airings->len + 1));
    g_array_append_val(g->airings, a);
}

static void play_add(gather *g, const store_report_play *r)
{
    acct_play p = {0};
    int64_t airing = lookup_text(g->airing_idx, r->airing_id);
    int box = store_district_box_index(&g->dist, r->box_id);
    if (airing < 0 || box < 0)
        return;
    p.id = r->id;
    p.airing = (uint32_t)airing;
    p.box = (uint32_t)box;
    proto_outcome_parse(r->outcome, &p.outcome);
    p.played_ms = CLAMP(r->played_ms, 0, ACCT_MAX_MS);
    p.started_at_ms = r->started_ms;
    g_array_append_val(g->plays, p);
}

static void line_add(gather *g, const store_report_line *r)
{
    acct_line l = {0};
    sched_genre_parse(r->genre, &l.genre);
    l.pieces_per_month = (uint32_t)r->pieces_per_month;
    l.pieces_per_period = (uint32_t)r->pieces_per_period;
    l.airings_per_piece = (uint32_t)r->airings_per_piece;
    l.min_ms = r->min_ms;
    l.max_ms = r->max_ms;
    g_array_append_val(g->lines, l);
}

/* Everything for [from, until) and contract_id (0: none): the district with the boxes that
 * existed during the period, then the rows mapped to engine indices. */
static int gather_all(store *s, gather *g, int64_t from, int64_t until, int64_t contract_id)
{
    int ret = store_district_load(s, from, until, &g->dist);
    if (ret == 0)
        ret = store_report_rows_load(s, from, until, contract_id, &g->rows);
    if (ret != 0)
        return ret;
    for (guint i = 0; i < g->rows.pieces->len; i++)
        piece_add(g, &g_array_index(g->rows.pieces, store_report_piece, i));
    for (guint i = 0; i < g->rows.airings->len; i++)
        airing_add(g, &g_array_index(g->rows.airings, store_report_airing, i));
    for (guint i = 0; i < g->rows.plays->len; i++)
        play_add(g, &g_array_index(g->rows.plays, store_report_play, i));
    for (guint i = 0; i < g->rows.lines->len; i++)
        line_add(g, &g_array_index(g->rows.lines, store_report_line, i));
    return 0;
}

/* ---- period ---- */

int report_period_parse(const char *text, report_period *out)
{
    int year = 0, n = 0, end = 0;
    char q = 0;
    memset(out, 0, sizeof *out);
    if (!text || strlen(text) >= sizeof out->text)
        return -EINVAL;
    if (strlen(text) == 4 && sscanf(text, "%4d%n", &year, &end) == 1 && end == 4) {
        out->kind = REPORT_YEAR;
    } else if (strlen(text) == 7 && sscanf(text, "%4d-%c%1d%n", &year, &q, &n, &end) == 3 &&
               end == 7 && (q == 'Q' || q == 'q') && n >= 1 && n <= 4) {
        out->kind = REPORT_QUARTER;
    } else if (vtime_parse_month(text, &year, &n) == 0) {
        out->kind = REPORT_MONTH;
    } else {
        return -EINVAL;
    }
    if (!g_ascii_isdigit(text[0]) || year < 1970 || year > 9999)
        return -EINVAL;
    int m0 = out->kind == REPORT_YEAR ? 1 : out->kind == REPORT_QUARTER ? 3 * n - 2 : n;
    int m1 = out->kind == REPORT_YEAR ? 12 : out->kind == REPORT_QUARTER ? 3 * n : n;
    if (vtime_day_from_civil(year, m0, 1, &out->first_day) != 0 ||
        vtime_day_from_civil(year, m1, vtime_days_in_month(year, m1), &out->last_day) != 0)
        return -EINVAL;
    out->year = year;
    out->number = out->kind == REPORT_YEAR ? 0 : n;
    g_strlcpy(out->text, text, sizeof out->text);
    /* Only a quarter: the quarter scan also sets q on a month ("2026-12" gives q = '1'). */
    if (out->kind == REPORT_QUARTER)
        out->text[5] = 'Q';
    return 0;
}

static void iso_date(int32_t day, char buf[16])
{
    int y, m, d;
    vtime_civil_from_day(day, &y, &m, &d);
    snprintf(buf, 16, "%04d-%02d-%02d", y, m, d);
}

static json_t *period_json(const report_period *p)
{
    char from[16], until[16];
    char *label = p->kind == REPORT_MONTH ? g_strdup_printf("Tháng %02d/%d", p->number, p->year)
                  : p->kind == REPORT_QUARTER ? g_strdup_printf("Quý %d/%d", p->number, p->year)
                                              : g_strdup_printf("Năm %d", p->year);
    iso_date(p->first_day, from);
    iso_date(p->last_day, until);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "text", p->text, "from", from, "until", until,
                          "label", label);
    g_free(label);
    return j;
}

/* ---- JSON of the engine's report ---- */

static json_t *permille(int64_t num, int64_t den)
{
    return json_integer(den > 0 ? num * 1000 / den : -1);
}

static json_t *out_of_bounds_json(const gather *g, const acct_line_report *l, const acct_line *cl)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n_out_of_bounds; i++) {
        const sched_piece *p = &g_array_index(g->pieces, sched_piece, l->out_of_bounds[i]);
        json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I, s:I}", "piece", p->id, "title",
                                           p->title, "duration_ms", (json_int_t)p->duration_ms,
                                           "min_ms", (json_int_t)cl->min_ms, "max_ms",
                                           (json_int_t)cl->max_ms));
    }
    return a;
}

static json_t *line_json(const gather *g, const acct_line_report *l, const acct_line *cl)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "genre",
        sched_genre_name(l->genre), "label", sched_genre_label_vn(l->genre), "pieces_contracted",
        (json_int_t)l->pieces_contracted, "pieces_approved", (json_int_t)l->pieces_approved,
        "pieces_aired", (json_int_t)l->pieces_aired, "airings_contracted",
        (json_int_t)l->airings_contracted, "airings_scheduled", (json_int_t)l->airings_scheduled,
        "airings_reached", (json_int_t)l->airings_reached, "airings_missed",
        (json_int_t)l->airings_missed, "airings_unapproved", (json_int_t)l->airings_unapproved,
        "ms_scheduled", (json_int_t)l->ms_scheduled, "ms_delivered", (json_int_t)l->ms_delivered);
    json_object_set_new(o, "delivered_permille", json_integer(l->delivered_permille));
    json_object_set_new(o, "reached_permille", json_integer(l->reached_permille));
    json_object_set_new(o, "aired_permille", json_integer(l->aired_permille));
    json_object_set_new(o, "out_of_bounds", out_of_bounds_json(g, l, cl));
    return o;
}

static const char *const SUMMED[] = {
    "pieces_contracted", "pieces_approved", "pieces_aired",   "airings_contracted",
    "airings_scheduled", "airings_reached", "airings_missed", "airings_unapproved",
    "ms_scheduled",      "ms_delivered",
};

static json_t *totals_json(const json_t *lines)
{
    json_t *t = json_object();
    for (size_t k = 0; k < G_N_ELEMENTS(SUMMED); k++) {
        json_int_t sum = 0;
        for (size_t i = 0; i < json_array_size(lines); i++)
            sum += json_integer_value(json_object_get(json_array_get(lines, i), SUMMED[k]));
        json_object_set_new(t, SUMMED[k], json_integer(sum));
    }
#define TOT(k) json_integer_value(json_object_get(t, k))
    json_object_set_new(t, "delivered_permille",
                        permille(TOT("ms_delivered"), TOT("ms_scheduled")));
    json_object_set_new(t, "reached_permille",
                        permille(TOT("airings_reached"), TOT("airings_contracted")));
    json_object_set_new(t, "aired_permille",
                        permille(TOT("pieces_aired"), TOT("pieces_contracted")));
#undef TOT
    return t;
}

static json_t *boxes_json(const gather *g, const acct_report *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < g->dist.district.n_boxes; i++) {
        const sched_box *b = &g->dist.boxes[i];
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:I}", "id",
                                           (json_int_t)g->dist.box_ids[i], "name", b->name,
                                           "commune", g->dist.communes[b->commune].name,
                                           "airtime_ms", (json_int_t)r->box_airtime_by_box[i]));
    }
    return a;
}

static json_t *missing_json(const gather *g, const acct_report *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_missing_exemplar; i++)
        json_array_append_new(a, json_string(g->dist.communes[r->missing_exemplar[i]].name));
    return a;
}

static json_t *communes_json(const gather *g, const acct_report *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_communes; i++) {
        const acct_commune_report *c = &r->communes[i];
        json_array_append_new(a, json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:b}", "id",
                                           (json_int_t)g->dist.commune_ids[i], "name",
                                           g->dist.communes[i].name, "boxes", (json_int_t)c->boxes,
                                           "airings_scheduled", (json_int_t)c->airings_scheduled,
                                           "airings_reached", (json_int_t)c->airings_reached,
                                           "box_airtime_ms", (json_int_t)c->box_airtime_ms,
                                           "exemplars_heard", (json_int_t)c->exemplars_heard,
                                           "has_own_exemplar", (int)c->has_own_exemplar));
    }
    return a;
}

/* Box airtime a pair contributes (acct's rule: confirmed plays, up to the airing's duration). */
static int64_t pair_airtime(const gather *g, const acct_box_evidence *b, int64_t duration)
{
    if (b->play < 0 || (b->status != ACCT_REACHED && b->status != ACCT_PARTIAL_SHORT))
        return 0;
    return MIN(g_array_index(g->plays, acct_play, b->play).played_ms, duration);
}

static json_t *by_month_json(const gather *g, const acct_report *r, GTimeZone *tz)
{
    json_t *months = json_object(); /* "YYYY-MM" → figures; kept in insertion (time) order */
    for (size_t i = 0; i < r->n_evidence; i++) {
        const acct_airing_evidence *e = &r->evidence[i];
        const acct_airing *a = &g_array_index(g->airings, acct_airing, e->airing);
        vtime_local lt;
        char key[16];
        vtime_utc_to_local(tz, a->start_ms, &lt);
        snprintf(key, sizeof key, "%04d-%02d", lt.year, lt.month);
        json_t *m = json_object_get(months, key);
        if (!m) {
            m = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "month", key, "airings_scheduled",
                          (json_int_t)0, "airings_reached", (json_int_t)0, "ms_scheduled",
                          (json_int_t)0, "ms_delivered", (json_int_t)0, "box_airtime_ms",
                          (json_int_t)0);
            json_object_set_new(months, key, m);
        }
        int64_t box_ms = 0;
        for (size_t k = 0; k < e->target_boxes; k++)
            box_ms += pair_airtime(g, &e->boxes[k], a->duration_ms);
#define ADD(k, v)                                                                                  \
    json_object_set_new(m, k, json_integer(json_integer_value(json_object_get(m, k)) + (v)))
        ADD("airings_scheduled", 1);
        ADD("airings_reached", e->reached ? 1 : 0);
        ADD("ms_scheduled", a->duration_ms);
        ADD("ms_delivered", e->reached ? a->duration_ms : 0);
        ADD("box_airtime_ms", box_ms);
#undef ADD
    }
    json_t *a = json_array(), *v;
    const char *k;
    json_object_foreach(months, k, v) json_array_append(a, v);
    json_decref(months);
    return a;
}

static json_t *jtime(int64_t ms, GTimeZone *tz)
{
    char buf[VTIME_RFC3339_MAX];
    return vtime_format_rfc3339(ms, tz, buf) == 0 ? json_string(buf) : json_null();
}

static json_t *box_evidence_json(const gather *g, const acct_box_evidence *b, GTimeZone *tz)
{
    const sched_box *box = &g->dist.boxes[b->box];
    const acct_play *p = b->play >= 0 ? &g_array_index(g->plays, acct_play, b->play) : NULL;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "box", (json_int_t)g->dist.box_ids[b->box],
                          "name", box->name, "commune", g->dist.communes[box->commune].name,
                          "status", acct_status_name(b->status));
    json_object_set_new(o, "status_label", json_string(acct_status_label_vn(b->status)));
    json_object_set_new(o, "play", p ? json_string(p->id) : json_null());
    json_object_set_new(o, "outcome",
                        p ? json_string(proto_outcome_name(p->outcome)) : json_null());
    json_object_set_new(o, "played_ms", p ? json_integer(p->played_ms) : json_null());
    json_object_set_new(o, "started", p ? jtime(p->started_at_ms, tz) : json_null());
    return o;
}

static json_t *evidence_json(const gather *g, const acct_report *r, GTimeZone *tz)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n_evidence; i++) {
        const acct_airing_evidence *e = &r->evidence[i];
        const acct_airing *ai = &g_array_index(g->airings, acct_airing, e->airing);
        const sched_piece *p = &g_array_index(g->pieces, sched_piece, ai->piece);
        json_t *boxes = json_array();
        for (size_t k = 0; k < e->target_boxes; k++)
            json_array_append_new(boxes, box_evidence_json(g, &e->boxes[k], tz));
        json_t *o =
            json_pack("{s:s, s:o, s:s, s:s, s:s, s:I, s:I, s:I, s:b, s:o}", "airing", ai->id,
                      "start", jtime(ai->start_ms, tz), "piece", p->id, "title", p->title, "genre",
                      sched_genre_name(p->genre), "duration_ms", (json_int_t)ai->duration_ms,
                      "target_boxes", (json_int_t)e->target_boxes, "reached_boxes",
                      (json_int_t)e->reached_boxes, "reached", (int)e->reached, "boxes", boxes);
        json_object_set_new(o, "genre_label", json_string(sched_genre_label_vn(p->genre)));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *report_json(const gather *g, const acct_report *r, const report_opts *o)
{
    json_t *lines = json_array();
    for (size_t i = 0; i < r->n_lines; i++)
        json_array_append_new(lines,
                              line_json(g, &r->lines[i], &g_array_index(g->lines, acct_line, i)));
    json_t *j = json_pack(
        "{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "lines", lines, "airings_scheduled",
        (json_int_t)r->n_evidence, "airings_reached", (json_int_t)r->airings_reached,
        "airings_no_target", (json_int_t)r->airings_no_target, "box_airtime_ms",
        (json_int_t)r->box_airtime_ms, "programme_airtime_ms", (json_int_t)r->programme_airtime_ms,
        "plays_counted", (json_int_t)r->plays_counted, "plays_retried",
        (json_int_t)r->plays_retried, "plays_foreign", (json_int_t)r->plays_foreign,
        "plays_ignored", (json_int_t)r->plays_ignored);
    json_object_set_new(j, "totals", totals_json(lines));
    json_object_set_new(j, "boxes", boxes_json(g, r));
    json_object_set_new(j, "communes", communes_json(g, r));
    json_object_set_new(j, "missing_exemplar", missing_json(g, r));
    json_object_set_new(j, "by_month", by_month_json(g, r, o->tz));
    if (o->evidence)
        json_object_set_new(j, "evidence", evidence_json(g, r, o->tz));
    return j;
}

/* ---- the report ---- */

typedef struct run {
    gather g;
    acct_report *r;
} run;

static int compute(store *s, const report_opts *o, int64_t contract_id, int32_t c_from,
                   int32_t c_until, uint32_t reach, int32_t first_day, int32_t last_day, run *out)
{
    int64_t from = 0, until = 0;
    char err[256];
    gather_init(&out->g);
    out->r = NULL;
    if (vtime_day_start(o->tz, first_day, &from) != 0 ||
        vtime_day_start(o->tz, last_day + 1, &until) != 0)
        return store_failf(s, -EINVAL, "report period out of range");
    int ret = gather_all(s, &out->g, from, until, contract_id);
    if (ret != 0)
        return ret;
    gather *g = &out->g;
    g->contract =
        (acct_contract){c_from, c_until, (const acct_line *)(void *)g->lines->data, g->lines->len};
    acct_input in = {
        .district = &g->dist.district,
        .pieces = (const sched_piece *)(void *)g->pieces->data,
        .approved_ms = (const int64_t *)(void *)g->approved->data,
        .n_pieces = g->pieces->len,
        .contract = &g->contract,
        .airings = (const acct_airing *)(void *)g->airings->data,
        .n_airings = g->airings->len,
        .plays = (const acct_play *)(void *)g->plays->data,
        .n_plays = g->plays->len,
        .from_ms = from,
        .until_ms = until,
        .tz = o->tz,
        .reach_permille = reach,
        .partial_permille = o->partial_permille ? o->partial_permille : ACCT_PARTIAL_DEFAULT,
    };
    if (acct_report_compute(&in, &out->r, err, sizeof err) != 0)
        return store_failf(s, -EINVAL, "accounting: %s", err);
    return 0;
}

static void run_clear(run *r)
{
    acct_report_free(r->r);
    gather_clear(&r->g);
}

typedef struct contract_head {
    int64_t id;
    json_t *json; /* NULL when no contract */
    int32_t from, until;
    uint32_t reach;
} contract_head;

static int find_contract(store *s, const report_period *p, const report_opts *o, contract_head *c)
{
    char from[16], until[16];
    memset(c, 0, sizeof *c);
    c->from = p->first_day;
    c->until = p->last_day;
    c->reach = ACCT_REACH_DEFAULT;
    iso_date(p->first_day, from);
    iso_date(p->last_day, until);
    c->id = o->contract_id;
    int ret = c->id > 0 ? 0 : store_contract_for_period(s, from, until, &c->id);
    if (ret == -ENOENT && o->contract_id <= 0)
        return 0;
    if (ret == 0)
        ret = store_contract_get(s, c->id, &c->json);
    if (ret != 0)
        return ret;
    vtime_parse_date(json_string_value(json_object_get(c->json, "from")), &c->from);
    vtime_parse_date(json_string_value(json_object_get(c->json, "until")), &c->until);
    c->reach = (uint32_t)json_integer_value(json_object_get(c->json, "reach_permille"));
    json_object_del(c->json, "lines");
    return 0;
}

/* Communes without an exemplar of their own over the calendar year up to the period's end. */
static int exemplar_year(store *s, const report_period *p, const report_opts *o,
                         const contract_head *c, json_t **out)
{
    run yr;
    int32_t jan1 = 0;
    vtime_day_from_civil(p->year, 1, 1, &jan1);
    int ret = compute(s, o, 0, MIN(jan1, c->from), MAX(p->last_day, c->until), c->reach, jan1,
                      p->last_day, &yr);
    if (ret == 0)
        *out = json_pack("{s:i, s:o}", "year", p->year, "missing", missing_json(&yr.g, yr.r));
    run_clear(&yr);
    return ret;
}

int report_build(store *s, const report_period *p, const report_opts *o, json_t **out)
{
    contract_head c;
    run main_run = {0};
    json_t *year = NULL;
    *out = NULL;
    int ret = find_contract(s, p, o, &c);
    if (ret != 0)
        return ret;
    ret = compute(s, o, c.json ? c.id : 0, c.from, c.until, c.reach, p->first_day, p->last_day,
                  &main_run);
    int32_t jan1 = 0;
    vtime_day_from_civil(p->year, 1, 1, &jan1);
    /* Coverage does not depend on the contract's days, so a period starting on 1 January
     * (a year, Q1, January) already is the year to date. */
    if (ret == 0 && p->first_day == jan1)
        year = json_pack("{s:i, s:o}", "year", p->year, "missing",
                         missing_json(&main_run.g, main_run.r));
    else if (ret == 0)
        ret = exemplar_year(s, p, o, &c, &year);
    if (ret == 0) {
        json_t *j = report_json(&main_run.g, main_run.r, o);
        json_object_set_new(j, "period", period_json(p));
        json_object_set_new(j, "contract", c.json ? json_incref(c.json) : json_null());
        json_object_set_new(j, "reach_permille", json_integer(c.reach));
        json_object_set_new(
            j, "partial_permille",
            json_integer(o->partial_permille ? o->partial_permille : ACCT_PARTIAL_DEFAULT));
        json_object_set_new(j, "exemplar_year", year);
        year = NULL;
        *out = j;
    }
    json_decref(year);
    json_decref(c.json);
    run_clear(&main_run);
    return ret;
}
