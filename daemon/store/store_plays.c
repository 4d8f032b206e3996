/* store_plays: see store_plays.h. Per element: decode alone, look up its airing (with "targets
 * this box" computed in SQL), check, insert unless the id is taken, and only then classify the
 * earlier report. All on cached statements inside one BEGIN IMMEDIATE … COMMIT. */
#include "store_plays.h"
#include "store_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "store_boxes.h"
#include "store_targets.h"
#include "proto.h"
#include "wallclock.h"

typedef struct batch {
    GPtrArray *accepted, *duplicates; /* char * */
    json_t *rejected;                 /* [{"id","code","words","facts"?}] (store_plays.h) */
} batch;

/* Records a refusal as its code and the sentence that tells it, with the decoder's detail
 * (NULL = none) as its one fact; the API words it. */
static int reject(store *s, batch *b, const char *id, const char *code, const char *words,
                  const char *detail)
{
    json_t *r = json_pack("{s:s, s:s, s:s}", "id", id ? id : "", "code", code, "words", words);
    if (r && detail && json_object_set_new(r, "facts", json_pack("{s:s}", "detail", detail)) != 0) {
        json_decref(r);
        r = NULL;
    }
    if (!r || json_array_append_new(b->rejected, r) != 0)
        return store_failf(s, -ENOMEM, "record a refused play");
    return 0;
}

/* The id of an undecodable element, if it is usable as one line of ≤ PROTO_ID_MAX. */
static const char *raw_id(const json_t *el)
{
    const char *id = json_string_value(json_object_get(el, "id"));
    if (!id || strlen(id) > PROTO_ID_MAX || strpbrk(id, "\r\n"))
        return "";
    return id;
}

typedef enum prior { PRIOR_NONE, PRIOR_SAME, PRIOR_DIFFERENT, PRIOR_FOREIGN } prior;

/* A report's content, ?1 … ?9: what is stored, and what a re-report must repeat to be a
 * duplicate. */
static void bind_play(sqlite3_stmt *st, const proto_play *p)
{
    sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->airing, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, p->media, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, p->scheduled_start_ms);
    sqlite3_bind_int64(st, 5, p->started_at_ms);
    sqlite3_bind_int64(st, 6, p->ended_at_ms);
    sqlite3_bind_int64(st, 7, p->played_ms);
    sqlite3_bind_text(st, 8, proto_outcome_name(p->outcome), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, p->detail, -1, SQLITE_STATIC);
}

static int find_prior(store *s, int64_t box_id, const proto_play *p, prior *out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "SELECT box_id, airing_id = ?2 AND media_sha256 = ?3"
                            " AND scheduled_ms = ?4 AND started_ms = ?5 AND ended_ms = ?6"
                            " AND played_ms = ?7 AND outcome = ?8 AND detail = ?9"
                            " FROM plays WHERE id = ?1",
                            &st);
    if (ret != 0)
        return ret;
    bind_play(st, p);
    int rc = sqlite3_step(st);
    *out = PRIOR_NONE;
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_int64(st, 0) != box_id)
            *out = PRIOR_FOREIGN;
        else
            *out = sqlite3_column_int(st, 1) ? PRIOR_SAME : PRIOR_DIFFERENT;
    } else if (rc != SQLITE_DONE) {
        ret = store_fail(s, rc, "find play");
    }
    sqlite3_reset(st);
    return ret;
}

typedef struct airing_info {
    bool found, targeted;
    char media[HASH_SHA256_HEX_LEN + 1];
    int64_t media_ms;
} airing_info;

static int find_airing(store *s, int64_t box_id, int64_t commune_id, const char *id,
                       airing_info *out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "SELECT a.media_sha256, m.duration_ms, " STORE_TARGETS_SQL
                            " FROM airings a JOIN media m ON m.sha256 = a.media_sha256"
                            " WHERE a.id = :airing",
                            &st);
    if (ret != 0)
        return ret;
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":airing"), id, -1, SQLITE_STATIC);
    store_targets_bind(st, box_id, commune_id);
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->found = true;
        g_strlcpy(out->media, (const char *)sqlite3_column_text(st, 0), sizeof out->media);
        out->media_ms = sqlite3_column_int64(st, 1);
        out->targeted = sqlite3_column_int(st, 2) != 0;
    } else if (rc != SQLITE_DONE) {
        ret = store_fail(s, rc, "find airing");
    }
    sqlite3_reset(st);
    return ret;
}

/* *inserted false when the id is already taken (nothing written). */
static int insert_play(store *s, int64_t box_id, const proto_play *p, int64_t now_ms,
                       bool *inserted)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s,
                            "INSERT INTO plays(id, airing_id, media_sha256, scheduled_ms,"
                            " started_ms, ended_ms, played_ms, outcome, detail, box_id,"
                            " received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                            " ON CONFLICT(id) DO NOTHING",
                            &st);
    if (ret != 0)
        return ret;
    bind_play(st, p);
    sqlite3_bind_int64(st, 10, box_id);
    sqlite3_bind_int64(st, 11, now_ms);
    ret = store_exec_stmt(s, st);
    *inserted = ret == 0 && sqlite3_changes(store_db(s)) == 1;
    return ret;
}

/* Why a decoded play may not be stored: its code and the sentence's name (api_words.c). */
typedef struct refusal {
    const char *code, *words;
} refusal;

static const refusal UNKNOWN_AIRING = {"unknown_airing", "play_unknown_airing"};
static const refusal NOT_TARGETED = {"not_targeted", "play_not_targeted"};
static const refusal WRONG_MEDIA = {"wrong_media", "play_wrong_media"};
static const refusal MISSED_PLAYED = {"bad_times", "play_missed_played"};
static const refusal BAD_TIMES = {"bad_times", "play_bad_times"};
static const refusal TOO_LONG = {"too_long", "play_too_long"};

/* Checks a decoded play against its airing: NULL when it may be stored. The decoder already
 * holds the times to each other; those checks stay here too so the rule does not depend on it. */
static const refusal *check_play(const proto_play *p, const airing_info *a)
{
    if (!a->found)
        return &UNKNOWN_AIRING;
    if (!a->targeted)
        return &NOT_TARGETED;
    if (strcmp(p->media, a->media))
        return &WRONG_MEDIA;
    if (p->outcome == PROTO_OUTCOME_MISSED && p->played_ms != 0)
        return &MISSED_PLAYED;
    if (p->played_ms > p->ended_at_ms - p->started_at_ms + STORE_PLAYS_TOLERANCE_MS)
        return &BAD_TIMES;
    if (p->played_ms > a->media_ms + STORE_PLAYS_TOLERANCE_MS)
        return &TOO_LONG;
    return NULL;
}

/* Sorts an id already in the table into duplicate, conflict or foreign_id. */
static int classify_prior(store *s, int64_t box_id, const proto_play *p, batch *b)
{
    prior pr = PRIOR_NONE;
    int ret = find_prior(s, box_id, p, &pr);
    if (ret == 0 && pr == PRIOR_SAME)
        g_ptr_array_add(b->duplicates, g_strdup(p->id));
    else if (ret == 0 && pr == PRIOR_DIFFERENT)
        ret = reject(s, b, p->id, "conflict", "play_conflict", NULL);
    else if (ret == 0 && pr == PRIOR_FOREIGN)
        ret = reject(s, b, p->id, "foreign_id", "play_foreign_id", NULL);
    else if (ret == 0)
        ret = store_failf(s, -EIO, "play %s neither inserted nor found", p->id);
    return ret;
}

/* Validates, then inserts unless the id exists; only then is the earlier report looked up, so
 * a new report (the common case) costs one look-up (its airing) and one insert. A report that
 * fails validation is rejected for that reason even if its id was used before. */
static int ingest_one(store *s, int64_t box_id, int64_t commune_id, const json_t *el,
                      int64_t now_ms, batch *b)
{
    proto_play p = {0};
    char err[PROTO_ERR_MAX];
    airing_info a;
    const refusal *no = NULL;
    bool inserted = false;
    if (proto_play_from_json(el, &p, err) != 0)
        return reject(s, b, raw_id(el), "invalid", "play_invalid", err);
    int ret = find_airing(s, box_id, commune_id, p.airing, &a);
    if (ret == 0 && (no = check_play(&p, &a)) != NULL)
        ret = reject(s, b, p.id, no->code, no->words, NULL);
    else if (ret == 0)
        ret = insert_play(s, box_id, &p, now_ms, &inserted);
    if (ret == 0 && inserted)
        g_ptr_array_add(b->accepted, g_strdup(p.id));
    else if (ret == 0 && !no)
        ret = classify_prior(s, box_id, &p, b);
    proto_play_clear(&p);
    return ret;
}

static json_t *ids_json(const GPtrArray *ids)
{
    json_t *a = json_array();
    for (guint i = 0; a && i < ids->len; i++) {
        if (json_array_append_new(a, json_string(ids->pdata[i])) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}

static json_t *batch_result(batch *b)
{
    return json_pack("{s:o, s:o, s:O}", "accepted", ids_json(b->accepted), "duplicates",
                     ids_json(b->duplicates), "rejected", b->rejected);
}

/* The batch's writes sit in a savepoint, so a store error undoes this batch alone and the
 * caller's transaction stays usable for the other batches of its group. */
static int savepoint(store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, sql, &st);
    return ret ? ret : store_exec_stmt(s, st);
}

int store_plays_ingest_in_tx(store *s, int64_t box_id, const json_t *plays_array, int64_t now_ms,
                             json_t **result_out)
{
    int64_t commune_id = 0;
    *result_out = NULL;
    if (!json_is_array(plays_array))
        return store_failf(s, -EINVAL, "plays is not an array");
    if (json_array_size(plays_array) > STORE_PLAYS_BATCH_MAX)
        return store_failf(s, -E2BIG, "more than %d plays in a batch", STORE_PLAYS_BATCH_MAX);
    batch b = {g_ptr_array_new_with_free_func(g_free), g_ptr_array_new_with_free_func(g_free),
               json_array()};
    store_box box = {0};
    int ret = store_box_get(s, box_id, &box); /* -ENOENT: no such box */
    commune_id = box.commune_id;
    store_box_clear(&box);
    if (ret == 0)
        ret = savepoint(s, "SAVEPOINT plays_batch");
    if (ret != 0)
        goto out;
    for (size_t i = 0; ret == 0 && i < json_array_size(plays_array); i++)
        ret = ingest_one(s, box_id, commune_id, json_array_get(plays_array, i), now_ms, &b);
    if (ret != 0) {
        char *msg = g_strdup(store_errmsg(s)); /* the undo must not hide the cause */
        savepoint(s, "ROLLBACK TO plays_batch");
        savepoint(s, "RELEASE plays_batch");
        store_failf(s, ret, "%s", msg);
        g_free(msg);
        goto out;
    }
    ret = savepoint(s, "RELEASE plays_batch");
    if (ret == 0 && !(*result_out = batch_result(&b)))
        ret = store_failf(s, -ENOMEM, "encode plays result");
out:
    g_ptr_array_free(b.accepted, TRUE);
    g_ptr_array_free(b.duplicates, TRUE);
    json_decref(b.rejected);
    return ret;
}

int store_plays_ingest_at(store *s, int64_t box_id, const json_t *plays_array, int64_t now_ms,
                          json_t **result_out)
{
    *result_out = NULL;
    int ret = store_begin(s);
    if (ret == 0)
        ret = store_plays_ingest_in_tx(s, box_id, plays_array, now_ms, result_out);
    if (ret == 0)
        ret = store_commit(s);
    if (ret != 0) {
        store_rollback(s);
        json_decref(*result_out);
        *result_out = NULL;
    }
    return ret;
}

int store_plays_ingest(store *s, int64_t box_id, const json_t *plays_array, json_t **result_out)
{
    return store_plays_ingest_at(s, box_id, plays_array, wallclock_now_ms(), result_out);
}
