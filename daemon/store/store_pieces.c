/* store_pieces: see store_pieces.h. */
#include "store_pieces.h"
#include "store_internal.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "store_audit.h"
#include "store_communes.h"
#include "store_media.h"
#include "vtime.h"
#include "wallclock.h"

#define LIST_DEFAULT 100

static const char *const GENRES[] = {"news", "article", "report", "interview", "jingle", NULL};
static const char *const PRIORITIES[] = {"normal", "priority", "emergency", NULL};
static const char *const STATUSES[] = {"draft", "submitted", "approved", "rejected", "retired"};
/* The flow, and the audit action each step writes. */
static const struct {
    const char *from, *to, *action;
} FLOW[] = {
    {"draft", "submitted", "piece.submit"},     {"rejected", "submitted", "piece.submit"},
    {"submitted", "approved", "piece.approve"}, {"submitted", "rejected", "piece.reject"},
    {"draft", "retired", "piece.retire"},       {"submitted", "retired", "piece.retire"},
    {"approved", "retired", "piece.retire"},
};

/* Columns of a piece as the API shows it; piece_json reads them by these positions. */
#define PIECE_COLS                                                                                 \
    "p.id, p.title, p.genre, p.theme, p.exemplar, c.name, p.priority, p.status,"                   \
    " p.duration_ms, p.created_ms, p.updated_ms, p.approved_ms, m.sha256, m.bytes,"                \
    " m.duration_ms, m.loudness_in_lufs, m.loudness_out_lufs, m.true_peak_dbtp"
#define PIECE_FROM                                                                                 \
    " FROM pieces p JOIN media m ON m.sha256 = p.media_sha256"                                     \
    " LEFT JOIN communes c ON c.id = p.commune_id"

static bool in_list(const char *v, const char *const *list)
{
    for (; v && *list; list++)
        if (!strcmp(v, *list))
            return true;
    return false;
}

bool store_piece_status_known(const char *status)
{
    for (size_t i = 0; status && i < G_N_ELEMENTS(STATUSES); i++)
        if (!strcmp(status, STATUSES[i]))
            return true;
    return false;
}

/* ---- reading ---- */

static json_t *text_or_null(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? json_string((const char *)t) : json_null();
}

static json_t *time_or_null(sqlite3_stmt *st, int i, GTimeZone *tz)
{
    char buf[VTIME_RFC3339_MAX];
    if (sqlite3_column_type(st, i) == SQLITE_NULL ||
        vtime_format_rfc3339(sqlite3_column_int64(st, i), tz, buf) != 0)
        return json_null();
    return json_string(buf);
}

static double real_col(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static json_t *piece_json(sqlite3_stmt *st, GTimeZone *tz)
{
    store_media m = {
        .bytes = sqlite3_column_int64(st, 13),
        .duration_ms = sqlite3_column_int64(st, 14),
        .loudness_in_lufs = real_col(st, 15),
        .loudness_out_lufs = real_col(st, 16),
        .true_peak_dbtp = real_col(st, 17),
    };
    g_strlcpy(m.sha256, (const char *)sqlite3_column_text(st, 12), sizeof m.sha256);
    return json_pack("{sssssssosososssssIsosososo}", "id", sqlite3_column_text(st, 0), "title",
                     sqlite3_column_text(st, 1), "genre", sqlite3_column_text(st, 2), "theme",
                     text_or_null(st, 3), "exemplar", text_or_null(st, 4), "commune",
                     text_or_null(st, 5), "priority", sqlite3_column_text(st, 6), "status",
                     sqlite3_column_text(st, 7), "duration_ms",
                     (json_int_t)sqlite3_column_int64(st, 8), "media", store_media_json(&m),
                     "created", time_or_null(st, 9, tz), "updated", time_or_null(st, 10, tz),
                     "approved", time_or_null(st, 11, tz));
}

static int reviews_json(store *s, GTimeZone *tz, const char *id, json_t **out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "SELECT who, at_ms, from_status, to_status, note FROM piece_reviews"
                            " WHERE piece_id = ?1 ORDER BY at_ms, id",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{sssosossss}", "who", sqlite3_column_text(st, 0),
                                             "at", time_or_null(st, 1, tz), "from",
                                             text_or_null(st, 2), "to", sqlite3_column_text(st, 3),
                                             "note", sqlite3_column_text(st, 4)));
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return store_fail(s, rc, "piece reviews");
    }
    *out = arr;
    return 0;
}

int store_piece_get(store *s, GTimeZone *tz, const char *id, json_t **out)
{
    sqlite3_stmt *st = NULL;
    json_t *piece = NULL, *reviews = NULL;
    *out = NULL;
    if (!id || !ids_is_uuid(id))
        return store_failf(s, -ENOENT, "no piece with a malformed id");
    int ret = store_prepare(s, "SELECT " PIECE_COLS PIECE_FROM " WHERE p.id = ?1", &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        piece = piece_json(st, tz);
    else
        ret = rc == SQLITE_DONE ? store_failf(s, -ENOENT, "no piece %s", id)
                                : store_fail(s, rc, "get piece");
    sqlite3_reset(st);
    if (ret == 0 && !piece)
        ret = store_failf(s, -ENOMEM, "piece json");
    if (ret == 0)
        ret = reviews_json(s, tz, id, &reviews);
    if (ret == 0)
        json_object_set_new(piece, "reviews", reviews);
    else
        json_decref(piece);
    if (ret == 0)
        *out = piece;
    return ret;
}

/* ---- listing ---- */

#define LIST_WHERE                                                                                 \
    " WHERE (?1 IS NULL OR (p.created_ms >= ?1 AND p.created_ms < ?2))"                            \
    " AND (?3 IS NULL OR (p.approved_ms >= ?3 AND p.approved_ms < ?4))"                            \
    " AND (?5 IS NULL OR p.genre = ?5) AND (?6 IS NULL OR p.status = ?6)"                          \
    " AND (?7 IS NULL OR c.name = ?7)"                                                             \
    " AND (?8 IS NULL OR p.title LIKE ?8 ESCAPE '\\' OR p.theme LIKE ?8 ESCAPE '\\'"               \
    " OR p.exemplar LIKE ?8 ESCAPE '\\')"                                                          \
    " AND (?9 IS NULL OR p.commune_id = ?9)"

typedef struct list_args {
    int64_t month[2], approved[2];
    bool has_month, has_approved;
    char *commune, *pattern;
} list_args;

static int month_range(GTimeZone *tz, const char *month, int64_t range[2])
{
    int y, m;
    if (vtime_parse_month(month, &y, &m) != 0 ||
        vtime_local_to_utc(tz, y, m, 1, 0, 0, 0, &range[0]) != 0 ||
        vtime_local_to_utc(tz, m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1, 0, 0, 0, &range[1]) !=
            0)
        return -EINVAL;
    return 0;
}

/* "%text%" with LIKE's wildcards and the escape character escaped. */
static char *like_pattern(const char *text)
{
    GString *p = g_string_new("%");
    for (const char *c = text; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            g_string_append_c(p, '\\');
        g_string_append_c(p, *c);
    }
    g_string_append_c(p, '%');
    return g_string_free(p, FALSE);
}

static int prepare_args(store *s, GTimeZone *tz, const store_piece_filter *f, list_args *a)
{
    if (f->month && (a->has_month = true) && month_range(tz, f->month, a->month) != 0)
        return store_failf(s, -EINVAL, "month filter must be YYYY-MM");
    if (f->approved_month && (a->has_approved = true) &&
        month_range(tz, f->approved_month, a->approved) != 0)
        return store_failf(s, -EINVAL, "approved month filter must be YYYY-MM");
    if (f->genre && !in_list(f->genre, GENRES))
        return store_failf(s, -EINVAL, "unknown genre filter");
    if (f->status && !store_piece_status_known(f->status))
        return store_failf(s, -EINVAL, "unknown status filter");
    if (f->commune && store_name_normalize(f->commune, STORE_NAME_MAX, &a->commune) != 0)
        return store_failf(s, -EINVAL, "invalid commune filter");
    if (f->text && !g_utf8_validate(f->text, -1, NULL))
        return store_failf(s, -EINVAL, "text filter is not UTF-8");
    if (f->text && *f->text)
        a->pattern = like_pattern(f->text);
    return 0;
}

static void bind_filters(sqlite3_stmt *st, const store_piece_filter *f, const list_args *a)
{
    if (a->has_month) {
        sqlite3_bind_int64(st, 1, a->month[0]);
        sqlite3_bind_int64(st, 2, a->month[1]);
    }
    if (a->has_approved) {
        sqlite3_bind_int64(st, 3, a->approved[0]);
        sqlite3_bind_int64(st, 4, a->approved[1]);
    }
    if (f->genre)
        sqlite3_bind_text(st, 5, f->genre, -1, SQLITE_STATIC);
    if (f->status)
        sqlite3_bind_text(st, 6, f->status, -1, SQLITE_STATIC);
    if (a->commune)
        sqlite3_bind_text(st, 7, a->commune, -1, SQLITE_STATIC);
    if (a->pattern)
        sqlite3_bind_text(st, 8, a->pattern, -1, SQLITE_STATIC);
    if (f->only_commune_id > 0)
        sqlite3_bind_int64(st, 9, f->only_commune_id);
}

static int list_count(store *s, const store_piece_filter *f, const list_args *a, int64_t *n)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "SELECT count(*)" PIECE_FROM LIST_WHERE, &st);
    if (ret != 0)
        return ret;
    bind_filters(st, f, a);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        ret = store_fail(s, rc, "count pieces");
    sqlite3_reset(st);
    return ret;
}

static int list_rows(store *s, GTimeZone *tz, const store_piece_filter *f, const list_args *a,
                     json_t *arr)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "SELECT " PIECE_COLS PIECE_FROM LIST_WHERE
                            " ORDER BY p.created_ms DESC, p.id LIMIT ?10 OFFSET ?11",
                            &st);
    if (ret != 0)
        return ret;
    bind_filters(st, f, a);
    int64_t limit = f->limit <= 0 ? LIST_DEFAULT : MIN(f->limit, STORE_PIECE_LIMIT_MAX);
    sqlite3_bind_int64(st, 10, limit);
    sqlite3_bind_int64(st, 11, MAX(f->offset, 0));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, piece_json(st, tz));
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "list pieces");
    sqlite3_reset(st);
    return ret;
}

int store_piece_list(store *s, GTimeZone *tz, const store_piece_filter *f, json_t **out)
{
    static const store_piece_filter none = {0};
    list_args a = {0};
    json_t *arr = json_array();
    int64_t total = 0;
    *out = NULL;
    if (!f)
        f = &none;
    int ret = prepare_args(s, tz, f, &a);
    if (ret == 0)
        ret = list_count(s, f, &a, &total);
    if (ret == 0)
        ret = list_rows(s, tz, f, &a, arr);
    if (ret == 0)
        *out = json_pack("{sOsI}", "pieces", arr, "total", (json_int_t)total);
    json_decref(arr);
    g_free(a.commune);
    g_free(a.pattern);
    return ret;
}

/* ---- writing ---- */

/* A piece's editable fields, validated and normalised; strings owned. */
typedef struct fields {
    char *title, *genre, *theme, *exemplar, *priority;
    int64_t commune_id; /* 0: none */
} fields;

static void fields_clear(fields *f)
{
    g_free(f->title);
    g_free(f->genre);
    g_free(f->theme);
    g_free(f->exemplar);
    g_free(f->priority);
    memset(f, 0, sizeof *f);
}

/* Optional text: NULL leaves *dst, "" clears it, anything else must be a valid name. */
static int set_optional(store *s, const char *v, char **dst, const char *what)
{
    char *n = NULL;
    if (!v)
        return 0;
    if (*v && store_name_normalize(v, STORE_PIECE_TITLE_MAX, &n) != 0)
        return store_failf(s, -EINVAL, "invalid %s", what);
    g_free(*dst);
    *dst = n;
    return 0;
}

static int set_choice(store *s, const char *v, const char *const *list, char **dst,
                      const char *what)
{
    if (!v)
        return 0;
    if (!in_list(v, list))
        return store_failf(s, -EINVAL, "unknown %s \"%s\"", what, v);
    g_free(*dst);
    *dst = g_strdup(v);
    return 0;
}

static int apply_meta(store *s, const store_piece_meta *m, fields *f)
{
    int ret;
    if (m->title) {
        char *t = NULL;
        if (store_name_normalize(m->title, STORE_PIECE_TITLE_MAX, &t) != 0)
            return store_failf(s, -EINVAL, "title must be 1-%d bytes of UTF-8 text",
                               STORE_PIECE_TITLE_MAX);
        g_free(f->title);
        f->title = t;
    }
    if ((ret = set_choice(s, m->genre, GENRES, &f->genre, "genre")) != 0 ||
        (ret = set_choice(s, m->priority, PRIORITIES, &f->priority, "priority")) != 0 ||
        (ret = set_optional(s, m->theme, &f->theme, "theme")) != 0 ||
        (ret = set_optional(s, m->exemplar, &f->exemplar, "exemplar")) != 0)
        return ret;
    if (m->commune && !*m->commune)
        f->commune_id = 0;
    else if (m->commune && (ret = store_commune_find(s, m->commune, &f->commune_id)) != 0)
        return ret;
    return 0;
}

static json_t *fields_json(const fields *f, const char *status)
{
    return json_pack("{sssssosososIss}", "title", f->title, "genre", f->genre, "theme",
                     f->theme ? json_string(f->theme) : json_null(), "exemplar",
                     f->exemplar ? json_string(f->exemplar) : json_null(), "priority",
                     json_string(f->priority), "commune_id", (json_int_t)f->commune_id, "status",
                     status);
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void bind_fields(sqlite3_stmt *st, const fields *f)
{
    sqlite3_bind_text(st, 2, f->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, f->genre, -1, SQLITE_STATIC);
    bind_opt_text(st, 4, f->theme);
    bind_opt_text(st, 5, f->exemplar);
    if (f->commune_id > 0)
        sqlite3_bind_int64(st, 6, f->commune_id);
    sqlite3_bind_text(st, 7, f->priority, -1, SQLITE_STATIC);
}

static int add_review(store *s, const char *who, const char *id, const char *from, const char *to,
                      const char *note, int64_t now)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "INSERT INTO piece_reviews(piece_id, who, at_ms, from_status,"
                            " to_status, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    bind_opt_text(st, 4, from);
    sqlite3_bind_text(st, 5, to, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, note ? note : "", -1, SQLITE_STATIC);
    return store_exec_stmt(s, st);
}

static int audit_piece(store *s, const char *who, const char *action, const char *id,
                       json_t *before, json_t *after)
{
    char entity[8 + IDS_UUID_LEN];
    g_snprintf(entity, sizeof entity, "piece:%s", id);
    int ret = store_audit(s, who, action, entity, before, after);
    json_decref(before);
    json_decref(after);
    return ret;
}

static int insert_piece(store *s, const char *id, const fields *f, const store_media *m,
                        int64_t now)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "INSERT INTO pieces(id, title, genre, theme, exemplar, commune_id,"
                            " priority, status, media_sha256, duration_ms, created_ms, updated_ms)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'draft', ?8, ?9, ?10, ?10)",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    bind_fields(st, f);
    sqlite3_bind_text(st, 8, m->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, m->duration_ms);
    sqlite3_bind_int64(st, 10, now);
    return store_exec_stmt(s, st);
}

int store_piece_create(store *s, const char *who, const char *media_sha256,
                       const store_piece_meta *m, char id_out[IDS_UUID_LEN + 1])
{
    fields f = {.priority = g_strdup("normal")};
    store_media media;
    char id[IDS_UUID_LEN + 1];
    int64_t now = wallclock_now_ms();
    int ret = 0;
    if (!m->title || !m->genre) {
        ret = store_failf(s, -EINVAL, "a piece needs a title and a genre");
        goto out;
    }
    if ((ret = apply_meta(s, m, &f)) != 0 || (ret = store_media_get(s, media_sha256, &media)) != 0)
        goto out;
    ids_uuid4(id);
    if ((ret = insert_piece(s, id, &f, &media, now)) != 0 ||
        (ret = add_review(s, who, id, NULL, "draft", "", now)) != 0)
        goto out;
    json_t *after = fields_json(&f, "draft");
    json_object_set_new(after, "media", json_string(media.sha256));
    ret = audit_piece(s, who, "piece.create", id, NULL, after);
    if (ret == 0 && id_out)
        memcpy(id_out, id, sizeof id);
out:
    fields_clear(&f);
    return ret;
}

/* The current editable fields and status of a piece; *status is g_free'd by the caller. */
static int load_fields(store *s, const char *id, fields *f, char **status)
{
    sqlite3_stmt *st = NULL;
    if (!id || !ids_is_uuid(id))
        return store_failf(s, -ENOENT, "no piece with a malformed id");
    int ret = store_prepare(s,
                            "SELECT title, genre, theme, exemplar, commune_id, priority, status"
                            " FROM pieces WHERE id = ?1",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        f->title = g_strdup((const char *)sqlite3_column_text(st, 0));
        f->genre = g_strdup((const char *)sqlite3_column_text(st, 1));
        f->theme = g_strdup((const char *)sqlite3_column_text(st, 2));
        f->exemplar = g_strdup((const char *)sqlite3_column_text(st, 3));
        f->commune_id = sqlite3_column_int64(st, 4);
        f->priority = g_strdup((const char *)sqlite3_column_text(st, 5));
        *status = g_strdup((const char *)sqlite3_column_text(st, 6));
    } else {
        ret = rc == SQLITE_DONE ? store_failf(s, -ENOENT, "no piece %s", id)
                                : store_fail(s, rc, "load piece");
    }
    sqlite3_reset(st);
    return ret;
}

static int update_row(store *s, const char *id, const fields *f)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "UPDATE pieces SET title = ?2, genre = ?3, theme = ?4, exemplar = ?5,"
                            " commune_id = ?6, priority = ?7, updated_ms = ?8 WHERE id = ?1",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    bind_fields(st, f);
    sqlite3_bind_int64(st, 8, wallclock_now_ms());
    return store_exec_stmt(s, st);
}

int store_piece_update(store *s, const char *who, const char *id, const store_piece_meta *m)
{
    fields f = {0};
    char *status = NULL;
    int ret = load_fields(s, id, &f, &status);
    if (ret != 0)
        goto out;
    if (strcmp(status, "draft") && strcmp(status, "rejected")) {
        ret = store_failf(s, -EPERM, "piece %s is %s: only draft or rejected pieces are edited", id,
                          status);
        goto out;
    }
    json_t *before = fields_json(&f, status);
    if ((ret = apply_meta(s, m, &f)) == 0 && (ret = update_row(s, id, &f)) == 0)
        ret = audit_piece(s, who, "piece.update", id, before, fields_json(&f, status));
    else
        json_decref(before);
out:
    fields_clear(&f);
    g_free(status);
    return ret;
}

static int set_status(store *s, const char *id, const char *from, const char *to, int64_t now)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "UPDATE pieces SET status = ?3, updated_ms = ?4, approved_ms ="
                            " CASE WHEN ?3 = 'approved' THEN ?4 ELSE approved_ms END"
                            " WHERE id = ?1 AND status = ?2",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    ret = store_exec_stmt(s, st);
    if (ret == 0 && sqlite3_changes(store_db(s)) != 1)
        ret = store_failf(s, -EIO, "piece %s changed status underneath", id);
    return ret;
}

static const char *flow_action(const char *from, const char *to)
{
    for (size_t i = 0; i < G_N_ELEMENTS(FLOW); i++)
        if (!strcmp(FLOW[i].from, from) && !strcmp(FLOW[i].to, to))
            return FLOW[i].action;
    return NULL;
}

static int check_note(store *s, const char *to, const char *note)
{
    if (note && (!g_utf8_validate(note, -1, NULL) || strlen(note) > STORE_PIECE_NOTE_MAX))
        return store_failf(s, -EINVAL, "note must be at most %d bytes of UTF-8",
                           STORE_PIECE_NOTE_MAX);
    bool blank = true;
    for (const char *p = note; p && *p && blank; p = g_utf8_next_char(p))
        blank = g_unichar_isspace(g_utf8_get_char(p));
    if (!strcmp(to, "rejected") && blank)
        return store_failf(s, -EINVAL, "a rejection needs a note saying why");
    return 0;
}

int store_piece_transition(store *s, const char *who, const char *id, const char *to,
                           const char *note)
{
    fields f = {0};
    char *from = NULL;
    int64_t now = wallclock_now_ms();
    const char *action = NULL;
    int ret = 0;
    if (!to || !store_piece_status_known(to)) {
        ret = store_failf(s, -EINVAL, "unknown status \"%s\"", to ? to : "(null)");
        goto out;
    }
    if ((ret = check_note(s, to, note)) != 0 || (ret = load_fields(s, id, &f, &from)) != 0)
        goto out;
    if (!(action = flow_action(from, to))) {
        ret = store_failf(s, -EINVAL, "a %s piece cannot become %s", from, to);
        goto out;
    }
    if ((ret = set_status(s, id, from, to, now)) != 0 ||
        (ret = add_review(s, who, id, from, to, note, now)) != 0)
        goto out;
    ret = audit_piece(s, who, action, id, json_pack("{ss}", "status", from),
                      json_pack("{ssss}", "status", to, "note", note ? note : ""));
out:
    fields_clear(&f);
    g_free(from);
    return ret;
}
