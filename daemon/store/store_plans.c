/* store_plans: month plans and their items (see store_plans.h). The working schedule lives in
 * store_plan_airings.c. */
#include "store_plans.h"
#include "store_internal.h"

#include <errno.h>
#include <string.h>

#include "store_audit.h"
#include "store_refusal.h"
#include "vtime.h"
#include "wallclock.h"

#define THEME_MAX 512

static int check_month(store *s, const char *month, int32_t *from, int32_t *until,
                       store_refusal *why)
{
    int y, m;
    if (!month || vtime_parse_month(month, &y, &m) != 0 || vtime_day_from_civil(y, m, 1, from) != 0)
        return store_refuse_facts(s, why, -EINVAL, "bad_month", "plan_month_format",
                                  json_pack("{s:s}", "month", month ? month : ""));
    *until = *from + vtime_days_in_month(y, m) - 1;
    return 0;
}

static int plan_exists(store *s, const char *month, bool *out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT 1 FROM month_plans WHERE month = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, rc, "find plan");
}

int store_plan_ensure(store *s, const char *who, const char *month, store_refusal *why)
{
    int32_t from = 0, until = 0; /* set by check_month; gcc -O3 cannot see it */
    bool exists = false;
    sqlite3_stmt *st = NULL;
    int ret = check_month(s, month, &from, &until, why);
    if (ret == 0)
        ret = plan_exists(s, month, &exists);
    if (ret != 0 || exists)
        return ret;
    ret = store_prepare(
        s, "INSERT INTO month_plans(month, created_ms, updated_ms) VALUES (?1, ?2, ?2)", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, wallclock_now_ms());
    ret = store_exec_stmt(s, st);
    char entity[32];
    g_snprintf(entity, sizeof entity, "plan:%s", month);
    json_t *after = json_pack("{s:s}", "month", month);
    if (ret == 0)
        ret = store_audit(s, who, "plan.create", entity, NULL, after);
    json_decref(after);
    return ret;
}

int store_plan_set_theme(store *s, const char *who, const char *month, const char *theme,
                         store_refusal *why)
{
    char *t = NULL;
    sqlite3_stmt *st = NULL;
    if (theme && *theme && store_name_normalize(theme, THEME_MAX, &t) != 0)
        return store_refuse_facts(s, why, -EINVAL, "bad_theme", "plan_theme", NULL);
    int ret = store_plan_ensure(s, who, month, why);
    if (ret == 0)
        ret = store_prepare(
            s, "UPDATE month_plans SET theme = ?2, updated_ms = ?3 WHERE month = ?1", &st);
    if (ret == 0) {
        sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, t, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, wallclock_now_ms());
        ret = store_exec_stmt(s, st);
    }
    if (ret == 0) {
        char entity[32];
        g_snprintf(entity, sizeof entity, "plan:%s", month);
        json_t *after = json_pack("{s:s?}", "theme", t);
        ret = store_audit(s, who, "plan.theme", entity, NULL, after);
        json_decref(after);
    }
    g_free(t);
    return ret;
}

/* ---- items: JSON ↔ row ---- */

typedef struct item {
    char *piece;
    int64_t airings;
    char *window_from, *window_until;
    char *communes; /* JSON ids */
    char *pins;     /* JSON */
} item;

static void item_clear(item *it)
{
    g_free(it->piece);
    g_free(it->window_from);
    g_free(it->window_until);
    g_free(it->communes);
    g_free(it->pins);
    memset(it, 0, sizeof *it);
}

static int read_item(store *s, const char *month, const char *piece, item *out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "SELECT airings, window_from, window_until, communes, pins FROM"
                            " plan_items WHERE month = ?1 AND piece_id = ?2",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, piece, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = (item){g_strdup(piece),      sqlite3_column_int64(st, 0), store_col_dup(st, 1),
                      store_col_dup(st, 2), store_col_dup(st, 3),        store_col_dup(st, 4)};
    else
        ret = rc == SQLITE_DONE ? store_failf(s, -ENOENT, "no item") : store_fail(s, rc, "item");
    sqlite3_reset(st);
    return ret;
}

/* The piece must exist, be approved and not be a jingle. */
static int check_piece(store *s, const char *id, store_refusal *why)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT title, genre, status FROM pieces WHERE id = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW)
        ret = store_refuse_facts(s, why, -ENOENT, "unknown_piece", "piece_unknown",
                                 json_pack("{s:s}", "piece", id));
    else if (strcmp((const char *)sqlite3_column_text(st, 1), "jingle") == 0)
        ret = store_refuse_facts(
            s, why, -EINVAL, "jingle_in_plan", "plan_jingle",
            json_pack("{s:s?}", "title", (const char *)sqlite3_column_text(st, 0)));
    else if (strcmp((const char *)sqlite3_column_text(st, 2), "approved") != 0)
        ret = store_refuse_facts(
            s, why, -EINVAL, "piece_not_approved", "piece_not_approved",
            json_pack("{s:s?}", "title", (const char *)sqlite3_column_text(st, 0)));
    sqlite3_reset(st);
    return ret;
}

static int parse_day(store *s, const json_t *v, int32_t from, int32_t until, char **out,
                     store_refusal *why)
{
    int32_t d;
    if (json_is_null(v)) {
        g_free(*out);
        *out = NULL;
        return 0;
    }
    if (!json_is_string(v) || vtime_parse_date(json_string_value(v), &d) != 0)
        return store_refuse_facts(s, why, -EINVAL, "bad_date", "plan_date", NULL);
    if (d < from || d > until)
        return store_refuse_facts(s, why, -EINVAL, "date_outside_month", "plan_date_outside",
                                  json_pack("{s:s?}", "date", json_string_value(v)));
    g_free(*out);
    *out = g_strdup(json_string_value(v));
    return 0;
}

static bool program_exists(store *s, const char *id)
{
    sqlite3_stmt *st = NULL;
    if (store_prepare(s, "SELECT 1 FROM programs WHERE id = ?1", &st) != 0)
        return false;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    return found;
}

/* pins → normalised JSON text; each day in the month and the window. */
static int parse_pins(store *s, const json_t *v, int32_t from, int32_t until, item *it,
                      store_refusal *why)
{
    size_t i;
    json_t *x, *out = json_array();
    int ret = json_is_array(v) && json_array_size(v) <= STORE_PLAN_AIRINGS_MAX
                  ? 0
                  : store_refuse_facts(s, why, -EINVAL, "bad_item", "plan_pins_shape", NULL);
    json_array_foreach(v, i, x)
    {
        char *day = NULL;
        json_t *prog = json_object_get(x, "program");
        if (ret == 0 && !json_is_object(x))
            ret = store_refuse_facts(s, why, -EINVAL, "bad_item", "plan_pin_shape", NULL);
        if (ret == 0 && !json_object_get(x, "day"))
            ret = store_refuse_facts(s, why, -EINVAL, "bad_date", "plan_pin_no_day", NULL);
        if (ret == 0)
            ret = parse_day(s, json_object_get(x, "day"), from, until, &day, why);
        if (ret == 0 && prog && !json_is_null(prog) &&
            (!json_is_string(prog) || !program_exists(s, json_string_value(prog))))
            ret =
                store_refuse_facts(s, why, -EINVAL, "unknown_program", "program_unknown_named",
                                   json_pack("{s:s}", "program",
                                             json_is_string(prog) ? json_string_value(prog) : "?"));
        if (ret == 0 && ((it->window_from && strcmp(day, it->window_from) < 0) ||
                         (it->window_until && strcmp(day, it->window_until) > 0)))
            ret = store_refuse_facts(s, why, -EINVAL, "pin_outside_window", "plan_pin_outside",
                                     json_pack("{s:s?}", "day", day));
        if (ret == 0)
            json_array_append_new(out, json_pack("{s:s, s:O?}", "day", day, "program",
                                                 json_is_string(prog) ? prog : NULL));
        g_free(day);
        if (ret != 0)
            break;
    }
    if (ret == 0) {
        char *t = json_dumps(out, JSON_COMPACT);
        g_free(it->pins);
        it->pins = g_strdup(t);
        free(t);
    }
    json_decref(out);
    return ret;
}

static int apply_item(store *s, const json_t *in, int32_t from, int32_t until, item *it,
                      store_refusal *why)
{
    json_t *v;
    int ret = 0;
    if (!json_is_object(in))
        return store_refuse_facts(s, why, -EINVAL, "bad_item", "plan_item_not_object", NULL);
    if ((v = json_object_get(in, "airings"))) {
        json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;
        if (n < 0 || n > STORE_PLAN_AIRINGS_MAX)
            return store_refuse_facts(s, why, -EINVAL, "bad_airings", "plan_airings",
                                      json_pack("{s:i}", "max", STORE_PLAN_AIRINGS_MAX));
        it->airings = n;
    }
    if ((v = json_object_get(in, "window_from")))
        ret = parse_day(s, v, from, until, &it->window_from, why);
    if (ret == 0 && (v = json_object_get(in, "window_until")))
        ret = parse_day(s, v, from, until, &it->window_until, why);
    if (ret == 0 && it->window_from && it->window_until &&
        strcmp(it->window_from, it->window_until) > 0)
        ret = store_refuse_facts(s, why, -EINVAL, "bad_window", "plan_window_order", NULL);
    if (ret == 0 && (v = json_object_get(in, "communes"))) {
        const char *kind = NULL;
        char *ids = NULL;
        if (json_is_array(v) && json_array_size(v) == 0) {
            ids = g_strdup("[]");
        } else {
            json_t *t = json_pack("{s:s, s:O}", "kind", "communes", "communes", v);
            ret = store_targets_from_json(s, t, &kind, &ids, why);
            json_decref(t);
        }
        if (ret == 0) {
            g_free(it->communes);
            it->communes = ids;
        }
    }
    /* pins are checked against the window, old or new */
    json_t *pins = json_object_get(in, "pins");
    json_t *old = NULL;
    if (ret == 0 && !pins && it->pins)
        pins = old = json_loads(it->pins, 0, NULL);
    if (ret == 0 && pins)
        ret = parse_pins(s, pins, from, until, it, why);
    json_decref(old);
    return ret;
}

static int write_item(store *s, const char *month, const item *it, bool insert)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(
        s,
        insert ? "INSERT INTO plan_items(month, piece_id, position, airings, window_from,"
                 " window_until, communes, pins) VALUES (?1, ?2, (SELECT coalesce(max(position),"
                 " 0) + 1 FROM plan_items WHERE month = ?1), ?3, ?4, ?5, ?6, ?7)"
               : "UPDATE plan_items SET airings = ?3, window_from = ?4, window_until = ?5,"
                 " communes = ?6, pins = ?7 WHERE month = ?1 AND piece_id = ?2",
        &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, it->piece, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, it->airings);
    sqlite3_bind_text(st, 4, it->window_from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, it->window_until, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, it->communes ? it->communes : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, it->pins ? it->pins : "[]", -1, SQLITE_STATIC);
    ret = store_exec_stmt(s, st);
    if (ret == 0 && !insert && sqlite3_changes(store_db(s)) == 0)
        ret = store_failf(s, -ENOENT, "no item");
    return ret;
}

/* The item as the API shows it (names for communes, piece details). */
static json_t *item_json(store *s, const item *it)
{
    sqlite3_stmt *st = NULL;
    json_t *o =
        json_pack("{s:s, s:I, s:s?, s:s?}", "piece", it->piece, "airings", (json_int_t)it->airings,
                  "window_from", it->window_from, "window_until", it->window_until);
    json_t *c = store_targets_to_json(s, "communes", it->communes);
    json_object_set(o, "communes", json_object_get(c, "communes"));
    json_decref(c);
    json_t *pins = json_loads(it->pins ? it->pins : "[]", 0, NULL);
    json_object_set_new(o, "pins", pins ? pins : json_array());
    if (store_prepare(s, "SELECT title, genre, duration_ms, status FROM pieces WHERE id = ?1",
                      &st) == 0) {
        sqlite3_bind_text(st, 1, it->piece, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            json_t *d = json_pack("{s:s, s:s, s:I, s:s}", "title", sqlite3_column_text(st, 0),
                                  "genre", sqlite3_column_text(st, 1), "duration_ms",
                                  (json_int_t)sqlite3_column_int64(st, 2), "status",
                                  sqlite3_column_text(st, 3));
            json_object_update(o, d);
            json_decref(d);
        }
        sqlite3_reset(st);
    }
    return o;
}

static int audit_item(store *s, const char *who, const char *action, const char *month,
                      const item *before, const item *after)
{
    char entity[96];
    g_snprintf(entity, sizeof entity, "plan:%s:%s", month, (after ? after : before)->piece);
    json_t *b = before ? item_json(s, before) : NULL, *a = after ? item_json(s, after) : NULL;
    int ret = store_audit(s, who, action, entity, b, a);
    json_decref(b);
    json_decref(a);
    return ret;
}

int store_plan_item_add(store *s, const char *who, const char *month, const json_t *in,
                        store_refusal *why)
{
    int32_t from = 0, until = 0; /* set by check_month; gcc -O3 cannot see it */
    item it = {0}, old = {0};
    const char *piece = json_string_value(json_object_get(in, "piece"));
    int ret = check_month(s, month, &from, &until, why);
    if (ret == 0 && !piece)
        ret = store_refuse_facts(s, why, -EINVAL, "bad_item", "plan_item_no_piece", NULL);
    if (ret == 0)
        ret = check_piece(s, piece, why);
    if (ret == 0 && read_item(s, month, piece, &old) == 0)
        ret = store_refuse_facts(s, why, -EEXIST, "item_exists", "plan_item_exists", NULL);
    it.piece = g_strdup(piece);
    if (ret == 0)
        ret = apply_item(s, in, from, until, &it, why);
    if (ret == 0)
        ret = store_plan_ensure(s, who, month, why);
    if (ret == 0)
        ret = write_item(s, month, &it, true);
    if (ret == 0)
        ret = audit_item(s, who, "plan.item_add", month, NULL, &it);
    item_clear(&it);
    item_clear(&old);
    return ret;
}

int store_plan_item_update(store *s, const char *who, const char *month, const char *piece_id,
                           const json_t *changes, store_refusal *why)
{
    int32_t from = 0, until = 0; /* set by check_month; gcc -O3 cannot see it */
    item it = {0}, old = {0};
    int ret = check_month(s, month, &from, &until, why);
    if (ret == 0 && read_item(s, month, piece_id ? piece_id : "", &old) != 0)
        ret = store_refuse_facts(s, why, -ENOENT, "not_found", "plan_item_unknown", NULL);
    if (ret == 0) {
        it = (item){g_strdup(old.piece),       old.airings,
                    g_strdup(old.window_from), g_strdup(old.window_until),
                    g_strdup(old.communes),    g_strdup(old.pins)};
        ret = apply_item(s, changes, from, until, &it, why);
    }
    if (ret == 0)
        ret = write_item(s, month, &it, false);
    if (ret == 0)
        ret = audit_item(s, who, "plan.item_update", month, &old, &it);
    item_clear(&it);
    item_clear(&old);
    return ret;
}

int store_plan_item_remove(store *s, const char *who, const char *month, const char *piece_id,
                           store_refusal *why)
{
    item old = {0};
    sqlite3_stmt *st = NULL;
    int ret = read_item(s, month ? month : "", piece_id ? piece_id : "", &old);
    if (ret == -ENOENT)
        ret = store_refuse_facts(s, why, -ENOENT, "not_found", "plan_item_unknown", NULL);
    if (ret == 0)
        ret = store_prepare(s, "DELETE FROM plan_items WHERE month = ?1 AND piece_id = ?2", &st);
    if (ret == 0) {
        sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, piece_id, -1, SQLITE_TRANSIENT);
        ret = store_exec_stmt(s, st);
    }
    if (ret == 0)
        ret = audit_item(s, who, "plan.item_remove", month, &old, NULL);
    item_clear(&old);
    return ret;
}

int store_plan_items_clear(store *s, const char *who, const char *month)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "DELETE FROM plan_items WHERE month = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    ret = store_exec_stmt(s, st);
    char entity[32];
    g_snprintf(entity, sizeof entity, "plan:%s", month);
    json_t *after = json_pack("{s:I}", "removed", (json_int_t)sqlite3_changes(store_db(s)));
    if (ret == 0)
        ret = store_audit(s, who, "plan.items_clear", entity, NULL, after);
    json_decref(after);
    return ret;
}

/* ---- reading a plan ---- */

static int items_json(store *s, const char *month, json_t *items)
{
    sqlite3_stmt *st = NULL;
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    int rc = SQLITE_DONE;
    int ret = store_prepare(s,
                            "SELECT piece_id FROM plan_items WHERE month = ?1 ORDER BY position,"
                            " piece_id",
                            &st);
    if (ret == 0) {
        sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            g_ptr_array_add(ids, store_col_dup(st, 0));
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            ret = store_fail(s, rc, "list items");
    }
    for (guint i = 0; ret == 0 && i < ids->len; i++) {
        item it = {0};
        ret = read_item(s, month, ids->pdata[i], &it);
        if (ret == 0)
            json_array_append_new(items, item_json(s, &it));
        item_clear(&it);
    }
    g_ptr_array_free(ids, TRUE);
    return ret;
}

static json_t *published_json(store *s, const char *month)
{
    sqlite3_stmt *st = NULL;
    json_t *o = json_null();
    if (store_prepare(s,
                      "SELECT version, published_ms FROM schedule_versions WHERE month = ?1 AND"
                      " kind = 'month' ORDER BY version DESC LIMIT 1",
                      &st) != 0)
        return o;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        o = json_pack("{s:I, s:I}", "version", (json_int_t)sqlite3_column_int64(st, 0),
                      "published_ms", (json_int_t)sqlite3_column_int64(st, 1));
    sqlite3_reset(st);
    return o;
}

int store_plan_get(store *s, const char *month, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *o = NULL;
    int ret = store_prepare(s,
                            "SELECT theme, (SELECT count(*) FROM plan_airings a WHERE a.month ="
                            " p.month) FROM month_plans p WHERE month = ?1",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, month ? month : "", -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        o = json_pack("{s:s, s:s?, s:I}", "month", month, "theme", sqlite3_column_text(st, 0),
                      "airings", (json_int_t)sqlite3_column_int64(st, 1));
    else
        ret = rc == SQLITE_DONE ? store_failf(s, -ENOENT, "no plan") : store_fail(s, rc, "plan");
    sqlite3_reset(st);
    if (ret != 0)
        return ret;
    json_t *items = json_array();
    json_object_set_new(o, "items", items);
    json_object_set_new(o, "published", published_json(s, month));
    ret = items_json(s, month, items);
    if (ret != 0) {
        json_decref(o);
        return ret;
    }
    *out = o;
    return 0;
}
