/* store_contracts: see store_contracts.h. Members are checked here with English reasons; the
 * schema's CHECKs stay the last word. */
#include "store_contracts.h"
#include "store_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "model.h"
#include "store_audit.h"
#include "vtime.h"
#include "wallclock.h"

#define TITLE_MAX 512
#define COUNT_MAX 1000000
#define MS_MAX    86400000

static int get_count(store *s, const json_t *o, const char *key, int64_t max, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
        return store_failf(s, -EINVAL, "%s: not an integer 0 … %" PRId64, key, max);
    *out = json_integer_value(v);
    return 0;
}

typedef struct line {
    char genre[16];
    int64_t per_month, per_period, airings, min_ms, max_ms;
} line;

static int parse_line(store *s, const json_t *j, line *l)
{
    sched_genre g;
    const char *genre = json_string_value(json_object_get(j, "genre"));
    memset(l, 0, sizeof *l);
    if (!json_is_object(j))
        return store_failf(s, -EINVAL, "line: not an object");
    if (!genre || sched_genre_parse(genre, &g) != 0 || g == SCHED_GENRE_JINGLE)
        return store_failf(s, -EINVAL, "line.genre: not news, article, report or interview");
    g_strlcpy(l->genre, genre, sizeof l->genre);
    int ret = get_count(s, j, "pieces_per_month", COUNT_MAX, &l->per_month);
    if (ret == 0)
        ret = get_count(s, j, "pieces_per_period", COUNT_MAX, &l->per_period);
    if (ret == 0)
        ret = get_count(s, j, "airings_per_piece", COUNT_MAX, &l->airings);
    if (ret == 0)
        ret = get_count(s, j, "min_ms", MS_MAX, &l->min_ms);
    if (ret == 0)
        ret = get_count(s, j, "max_ms", MS_MAX, &l->max_ms);
    if (ret == 0 && l->per_month && l->per_period)
        ret = store_failf(s, -EINVAL, "line: pieces per month and per period both given");
    if (ret == 0 && l->max_ms && l->max_ms < l->min_ms)
        ret = store_failf(s, -EINVAL, "line: max_ms below min_ms");
    return ret;
}

static int insert_line(store *s, int64_t id, const line *l)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "INSERT INTO contract_lines(contract_id, genre, pieces_per_month,"
                            " pieces_per_period, airings_per_piece, min_ms, max_ms)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                            " ON CONFLICT(contract_id, genre) DO UPDATE SET"
                            " pieces_per_month = excluded.pieces_per_month,"
                            " pieces_per_period = excluded.pieces_per_period,"
                            " airings_per_piece = excluded.airings_per_piece,"
                            " min_ms = excluded.min_ms, max_ms = excluded.max_ms",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, l->genre, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, l->per_month);
    sqlite3_bind_int64(st, 4, l->per_period);
    sqlite3_bind_int64(st, 5, l->airings);
    sqlite3_bind_int64(st, 6, l->min_ms);
    sqlite3_bind_int64(st, 7, l->max_ms);
    return store_exec_stmt(s, st);
}

static int exec_id(store *s, const char *sql, int64_t id)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, sql, &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, id);
    return store_exec_stmt(s, st);
}

/* Replaces all lines with the array lines (NULL: keep them). */
static int set_lines(store *s, int64_t id, const json_t *lines)
{
    line l;
    if (!lines)
        return 0;
    if (!json_is_array(lines))
        return store_failf(s, -EINVAL, "lines: not an array");
    int ret = exec_id(s, "DELETE FROM contract_lines WHERE contract_id = ?1", id);
    for (size_t i = 0; ret == 0 && i < json_array_size(lines); i++) {
        ret = parse_line(s, json_array_get(lines, i), &l);
        if (ret == 0)
            ret = insert_line(s, id, &l);
    }
    return ret;
}

typedef struct head {
    char *title;
    char from[16], until[16];
    int64_t reach;
} head;

/* Overwrites h's members with those present in in. */
static int parse_head(store *s, const json_t *in, head *h)
{
    int32_t day;
    json_t *t = json_object_get(in, "title");
    const char *keys[] = {"from", "until"};
    char *dst[] = {h->from, h->until};
    if (!json_is_object(in))
        return store_failf(s, -EINVAL, "contract: not an object");
    if (t) {
        char *norm = NULL;
        if (!json_is_string(t) || store_name_normalize(json_string_value(t), TITLE_MAX, &norm))
            return store_failf(s, -EINVAL, "title: not a valid title");
        g_free(h->title);
        h->title = norm;
    }
    for (int i = 0; i < 2; i++) {
        json_t *v = json_object_get(in, keys[i]);
        if (!v)
            continue;
        if (!json_is_string(v) || vtime_parse_date(json_string_value(v), &day) != 0)
            return store_failf(s, -EINVAL, "%s: not a date YYYY-MM-DD", keys[i]);
        g_strlcpy(dst[i], json_string_value(v), sizeof h->from);
    }
    int ret = get_count(s, in, "reach_permille", 1000, &h->reach);
    if (ret == 0 && h->reach < 1)
        ret = store_failf(s, -EINVAL, "reach_permille: not 1 … 1000");
    if (ret == 0 && (!h->title || !h->from[0] || !h->until[0]))
        ret = store_failf(s, -EINVAL, "contract: title, from and until are required");
    if (ret == 0 && strcmp(h->from, h->until) > 0)
        ret = store_failf(s, -EINVAL, "contract: from after until");
    return ret;
}

static int load_head(store *s, int64_t id, head *h)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "SELECT title, from_date, until_date, reach_permille FROM contracts"
                            " WHERE id = ?1",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        h->title = g_strdup((const char *)sqlite3_column_text(st, 0));
        g_strlcpy(h->from, (const char *)sqlite3_column_text(st, 1), sizeof h->from);
        g_strlcpy(h->until, (const char *)sqlite3_column_text(st, 2), sizeof h->until);
        h->reach = sqlite3_column_int64(st, 3);
    } else if (rc == SQLITE_DONE) {
        ret = store_failf(s, -ENOENT, "no contract %" PRId64, id);
    } else {
        ret = store_fail(s, rc, "load contract");
    }
    sqlite3_reset(st);
    return ret;
}

static int audit(store *s, const char *who, const char *action, int64_t id, json_t *before)
{
    json_t *after = NULL;
    char entity[48];
    snprintf(entity, sizeof entity, "contract:%" PRId64, id);
    int ret = store_contract_get(s, id, &after);
    if (ret == -ENOENT)
        ret = 0;
    if (ret == 0)
        ret = store_audit(s, who, action, entity, before, after);
    json_decref(after);
    return ret;
}

int store_contract_create(store *s, const char *who, const json_t *in, int64_t *id_out)
{
    head h = {.reach = 800};
    sqlite3_stmt *st = NULL;
    int64_t now = wallclock_now_ms();
    int ret = parse_head(s, in, &h);
    if (ret == 0)
        ret = store_prepare(s,
                            "INSERT INTO contracts(title, from_date, until_date, reach_permille,"
                            " created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                            &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_text(st, 1, h.title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, h.from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, h.until, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, h.reach);
    sqlite3_bind_int64(st, 5, now);
    ret = store_exec_stmt(s, st);
    if (ret != 0)
        goto out;
    int64_t id = sqlite3_last_insert_rowid(store_db(s));
    ret = set_lines(s, id, json_object_get(in, "lines"));
    if (ret == 0)
        ret = audit(s, who, "contract.create", id, NULL);
    if (ret == 0 && id_out)
        *id_out = id;
out:
    g_free(h.title);
    return ret;
}

int store_contract_update(store *s, const char *who, int64_t id, const json_t *in)
{
    head h = {0};
    json_t *before = NULL;
    sqlite3_stmt *st = NULL;
    int ret = store_contract_get(s, id, &before);
    if (ret == 0)
        ret = load_head(s, id, &h);
    if (ret == 0)
        ret = parse_head(s, in, &h);
    if (ret == 0)
        ret = store_prepare(s,
                            "UPDATE contracts SET title = ?2, from_date = ?3, until_date = ?4,"
                            " reach_permille = ?5, updated_ms = ?6 WHERE id = ?1",
                            &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, h.title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, h.from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, h.until, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, h.reach);
    sqlite3_bind_int64(st, 6, wallclock_now_ms());
    ret = store_exec_stmt(s, st);
    if (ret == 0)
        ret = set_lines(s, id, json_object_get(in, "lines"));
    if (ret == 0)
        ret = audit(s, who, "contract.update", id, before);
out:
    json_decref(before);
    g_free(h.title);
    return ret;
}

static int touch(store *s, int64_t id)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "UPDATE contracts SET updated_ms = ?2 WHERE id = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, wallclock_now_ms());
    return store_exec_stmt(s, st);
}

int store_contract_line_set(store *s, const char *who, int64_t id, const json_t *j)
{
    line l;
    json_t *before = NULL;
    int ret = store_contract_get(s, id, &before);
    if (ret == 0)
        ret = parse_line(s, j, &l);
    if (ret == 0)
        ret = insert_line(s, id, &l);
    if (ret == 0)
        ret = touch(s, id);
    if (ret == 0)
        ret = audit(s, who, "contract.line", id, before);
    json_decref(before);
    return ret;
}

int store_contract_line_delete(store *s, const char *who, int64_t id, const char *genre)
{
    sqlite3_stmt *st = NULL;
    json_t *before = NULL;
    int ret = store_contract_get(s, id, &before);
    if (ret == 0)
        ret = store_prepare(s, "DELETE FROM contract_lines WHERE contract_id = ?1 AND genre = ?2",
                            &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, genre, -1, SQLITE_STATIC);
    ret = store_exec_stmt(s, st);
    if (ret == 0 && sqlite3_changes(store_db(s)) == 0)
        ret = store_failf(s, -ENOENT, "contract %" PRId64 " has no %s line", id, genre);
    if (ret == 0)
        ret = touch(s, id);
    if (ret == 0)
        ret = audit(s, who, "contract.line_delete", id, before);
out:
    json_decref(before);
    return ret;
}

int store_contract_delete(store *s, const char *who, int64_t id)
{
    json_t *before = NULL;
    int ret = store_contract_get(s, id, &before);
    if (ret == 0)
        ret = exec_id(s, "DELETE FROM contract_lines WHERE contract_id = ?1", id);
    if (ret == 0)
        ret = exec_id(s, "DELETE FROM contracts WHERE id = ?1", id);
    if (ret == 0)
        ret = audit(s, who, "contract.delete", id, before);
    json_decref(before);
    return ret;
}

static int lines_json(store *s, int64_t id, json_t **out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "SELECT genre, pieces_per_month, pieces_per_period, airings_per_piece,"
                            " min_ms, max_ms FROM contract_lines WHERE contract_id = ?1"
                            " ORDER BY CASE genre WHEN 'news' THEN 0 WHEN 'article' THEN 1"
                            " WHEN 'report' THEN 2 ELSE 3 END",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_int64(st, 1, id);
    json_t *a = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(
            a, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "genre", sqlite3_column_text(st, 0),
                         "pieces_per_month", (json_int_t)sqlite3_column_int64(st, 1),
                         "pieces_per_period", (json_int_t)sqlite3_column_int64(st, 2),
                         "airings_per_piece", (json_int_t)sqlite3_column_int64(st, 3), "min_ms",
                         (json_int_t)sqlite3_column_int64(st, 4), "max_ms",
                         (json_int_t)sqlite3_column_int64(st, 5)));
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "contract lines");
    sqlite3_reset(st);
    if (ret == 0)
        *out = a;
    else
        json_decref(a);
    return ret;
}

int store_contract_get(store *s, int64_t id, json_t **out)
{
    head h = {0};
    json_t *lines = NULL;
    *out = NULL;
    int ret = load_head(s, id, &h);
    if (ret == 0)
        ret = lines_json(s, id, &lines);
    if (ret == 0)
        *out = json_pack("{s:I, s:s, s:s, s:s, s:I, s:o}", "id", (json_int_t)id, "title", h.title,
                         "from", h.from, "until", h.until, "reach_permille", (json_int_t)h.reach,
                         "lines", lines);
    g_free(h.title);
    return ret;
}

static int ids_where(store *s, const char *sql, const char *a, const char *b, GArray *ids)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, sql, &st);
    if (ret != 0)
        return ret;
    if (a)
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        g_array_append_val(ids, id);
    }
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "list contracts");
    sqlite3_reset(st);
    return ret;
}

int store_contract_list(store *s, json_t **out)
{
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
    json_t *a = json_array();
    int ret = ids_where(s, "SELECT id FROM contracts ORDER BY from_date, id", NULL, NULL, ids);
    for (guint i = 0; ret == 0 && i < ids->len; i++) {
        json_t *c = NULL;
        ret = store_contract_get(s, g_array_index(ids, int64_t, i), &c);
        if (ret == 0)
            json_array_append_new(a, c);
    }
    g_array_free(ids, TRUE);
    if (ret == 0)
        *out = json_pack("{s:o}", "contracts", a);
    else
        json_decref(a);
    return ret;
}

int store_contract_for_period(store *s, const char *from_date, const char *until_date,
                              int64_t *id_out)
{
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
    /* Overlap in days: julianday of the later start to the earlier end. */
    int ret = ids_where(s,
                        "SELECT id FROM contracts WHERE from_date <= ?2 AND until_date >= ?1"
                        " ORDER BY julianday(min(until_date, ?2)) - julianday(max(from_date, ?1))"
                        " DESC, id DESC LIMIT 1",
                        from_date, until_date, ids);
    if (ret == 0 && ids->len == 0)
        ret = store_failf(s, -ENOENT, "no contract covers %s … %s", from_date, until_date);
    if (ret == 0)
        *id_out = g_array_index(ids, int64_t, 0);
    g_array_free(ids, TRUE);
    return ret;
}
