/* queue: SQLite play-report queue and airing log, and the batch sender. */
#include "queue.h"

#include <errno.h>
#include <glib.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <string.h>

#include "log.h"
#include "vtime.h"
#include "wallclock.h"

#define BACKOFF_CAP_MS (5 * 60 * 1000)
#define SEND_TIMEOUT_S 60
#define PRUNE_AFTER_MS ((int64_t)40 * 24 * 3600 * 1000)

struct player_queue {
    sqlite3 *db;
    uv_loop_t *loop;
    player_net *n;
    uv_timer_t timer;
    bool timer_open, in_flight, backing_off;
    unsigned attempt;
    uint64_t batches;
};

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS plays(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL UNIQUE, body TEXT NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS rejected(id TEXT PRIMARY KEY, body TEXT NOT NULL,"
    " error TEXT NOT NULL, rejected_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS airings(airing TEXT PRIMARY KEY, play_id TEXT NOT NULL,"
    " media TEXT NOT NULL, scheduled_ms INTEGER NOT NULL, started_ms INTEGER NOT NULL,"
    " progress_ms INTEGER NOT NULL DEFAULT 0,"
    " state TEXT NOT NULL CHECK (state IN ('started','reported')));";

static int db_err(player_queue *q, const char *what)
{
    log_error("queue: %s: %s", what, sqlite3_errmsg(q->db));
    return -EIO;
}

static int exec(player_queue *q, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_error("queue: %s: %s", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -EIO;
    }
    return 0;
}

int queue_open(const char *path, player_queue **out)
{
    player_queue *q = g_new0(player_queue, 1);
    int rc = 0;
    if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = db_err(q, "open");
        goto out;
    }
    sqlite3_busy_timeout(q->db, 5000);
    /* FULL: a report acknowledged to nobody yet is still the only proof the airing aired. */
    if ((rc = exec(q, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")) != 0 ||
        (rc = exec(q, SCHEMA)) != 0)
        goto out;
out:
    if (rc != 0) {
        sqlite3_close(q->db);
        g_free(q);
        return rc;
    }
    *out = q;
    return 0;
}

static void timer_closed(uv_handle_t *h)
{
    g_free(h->data);
}

void queue_close(player_queue *q)
{
    if (q == NULL)
        return;
    sqlite3_close(q->db);
    q->db = NULL;
    if (q->timer_open) {
        /* The queue struct lives until the timer handle is released by the loop. */
        uv_timer_stop(&q->timer);
        q->timer.data = q;
        uv_close((uv_handle_t *)&q->timer, timer_closed);
    } else {
        g_free(q);
    }
}

static sqlite3_stmt *prep(player_queue *q, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_err(q, sql);
        return NULL;
    }
    return st;
}

/* Runs a statement with text/int64 parameters given as a format ("t" text, "i" int64). */
static int run(player_queue *q, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st = prep(q, sql);
    if (st == NULL)
        return -EIO;
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 't')
            sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
    }
    va_end(ap);
    int s = sqlite3_step(st);
    int rc = s == SQLITE_DONE || s == SQLITE_ROW ? 0 : (s == SQLITE_CONSTRAINT ? -EEXIST : -EIO);
    if (rc == -EIO)
        db_err(q, sql);
    sqlite3_finalize(st);
    return rc;
}

static int64_t count(player_queue *q, const char *sql)
{
    sqlite3_stmt *st = prep(q, sql);
    int64_t n = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int queue_airing_state_get(player_queue *q, const char *airing, queue_airing_state *out)
{
    sqlite3_stmt *st = prep(q, "SELECT state FROM airings WHERE airing = ?");
    if (st == NULL)
        return -EIO;
    sqlite3_bind_text(st, 1, airing, -1, SQLITE_TRANSIENT);
    int s = sqlite3_step(st);
    *out = QUEUE_AIRING_NONE;
    if (s == SQLITE_ROW)
        *out = strcmp((const char *)sqlite3_column_text(st, 0), "reported") == 0
                   ? QUEUE_AIRING_REPORTED
                   : QUEUE_AIRING_STARTED;
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : -EIO;
}

int queue_mark_started(player_queue *q, const queue_started *s)
{
    return run(q,
               "INSERT INTO airings(airing, play_id, media, scheduled_ms, started_ms, state)"
               " VALUES (?, ?, ?, ?, ?, 'started')",
               "tttii", s->airing, s->play_id, s->media, s->scheduled_ms, s->started_ms);
}

int queue_progress(player_queue *q, const char *airing, int64_t played_ms)
{
    return run(q, "UPDATE airings SET progress_ms = ? WHERE airing = ? AND state = 'started'", "it",
               played_ms, airing);
}

int queue_unfinished(player_queue *q, queue_started **out, size_t *n)
{
    sqlite3_stmt *st = prep(q, "SELECT airing, play_id, media, scheduled_ms, started_ms,"
                               " progress_ms FROM airings WHERE state = 'started'"
                               " ORDER BY started_ms");
    if (st == NULL)
        return -EIO;
    GArray *a = g_array_new(FALSE, TRUE, sizeof(queue_started));
    while (sqlite3_step(st) == SQLITE_ROW) {
        queue_started s = {0};
        g_strlcpy(s.airing, (const char *)sqlite3_column_text(st, 0), sizeof s.airing);
        g_strlcpy(s.play_id, (const char *)sqlite3_column_text(st, 1), sizeof s.play_id);
        g_strlcpy(s.media, (const char *)sqlite3_column_text(st, 2), sizeof s.media);
        s.scheduled_ms = sqlite3_column_int64(st, 3);
        s.started_ms = sqlite3_column_int64(st, 4);
        s.progress_ms = sqlite3_column_int64(st, 5);
        g_array_append_val(a, s);
    }
    sqlite3_finalize(st);
    *n = a->len;
    *out = (queue_started *)(void *)g_array_free(a, FALSE);
    return 0;
}

static int add_tx(player_queue *q, const proto_play *p, const char *body)
{
    queue_airing_state state;
    int rc = queue_airing_state_get(q, p->airing, &state);
    if (rc != 0)
        return rc;
    if (state == QUEUE_AIRING_REPORTED)
        return -EEXIST;
    int64_t now = wallclock_now_ms();
    if ((rc = run(q, "INSERT INTO plays(id, body, created_ms) VALUES (?, ?, ?)", "tti", p->id, body,
                  now)) != 0)
        return rc;
    if (state == QUEUE_AIRING_STARTED)
        return run(q, "UPDATE airings SET state = 'reported' WHERE airing = ?", "t", p->airing);
    /* Old log rows only ever answer "was this played?" for airings long gone. */
    if ((rc = run(q, "DELETE FROM airings WHERE scheduled_ms < ?", "i", now - PRUNE_AFTER_MS)) != 0)
        return rc;
    return run(q,
               "INSERT INTO airings(airing, play_id, media, scheduled_ms, started_ms, state)"
               " VALUES (?, ?, ?, ?, ?, 'reported')",
               "tttii", p->airing, p->id, p->media, p->scheduled_start_ms, p->started_at_ms);
}

int queue_add(player_queue *q, const proto_play *p)
{
    json_t *j = proto_play_to_json(p, vtime_zone());
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (body == NULL)
        return -ENOMEM;
    int rc = exec(q, "BEGIN IMMEDIATE");
    if (rc == 0) {
        rc = add_tx(q, p, body);
        int end = exec(q, rc == 0 ? "COMMIT" : "ROLLBACK");
        rc = rc ? rc : end;
    }
    free(body);
    if (rc == 0) {
        log_info("queue: %s airing %s (%s, %" G_GINT64_FORMAT " ms)", p->id, p->airing,
                 proto_outcome_name(p->outcome), p->played_ms);
        queue_kick(q);
    }
    return rc;
}

int queue_batch(player_queue *q, size_t max, char **body, size_t *n)
{
    sqlite3_stmt *st = prep(q, "SELECT body FROM plays ORDER BY seq LIMIT ?");
    if (st == NULL)
        return -EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
    GString *s = g_string_new("{\"plays\":[");
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n)
            g_string_append_c(s, ',');
        g_string_append(s, (const char *)sqlite3_column_text(st, 0));
        (*n)++;
    }
    sqlite3_finalize(st);
    g_string_append(s, "]}");
    *body = *n ? g_string_free(s, FALSE) : NULL;
    if (*n == 0)
        g_string_free(s, TRUE);
    return 0;
}

static int settle_tx(player_queue *q, const proto_plays_result *r, size_t *removed,
                     size_t *rejected)
{
    int rc = 0;
    char **lists[] = {r->accepted, r->duplicates};
    size_t lens[] = {r->n_accepted, r->n_duplicates};
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; i < lens[l] && rc == 0; i++) {
            rc = run(q, "DELETE FROM plays WHERE id = ?", "t", lists[l][i]);
            *removed += (size_t)sqlite3_changes(q->db);
        }
    }
    int64_t now = wallclock_now_ms();
    for (size_t i = 0; i < r->n_rejected && rc == 0; i++) {
        const proto_rejected *x = &r->rejected[i];
        rc = run(q,
                 "INSERT OR REPLACE INTO rejected(id, body, error, rejected_ms)"
                 " SELECT id, body, ?, ? FROM plays WHERE id = ?",
                 "tit", x->error, now, x->id);
        if (rc == 0 && sqlite3_changes(q->db) > 0) {
            log_warn("queue: the daemon rejected play %s: %s", x->id, x->error);
            (*rejected)++;
        }
        if (rc == 0)
            rc = run(q, "DELETE FROM plays WHERE id = ?", "t", x->id);
    }
    return rc;
}

int queue_settle(player_queue *q, const proto_plays_result *r, size_t *removed, size_t *rejected)
{
    size_t rm = 0, rj = 0;
    int rc = exec(q, "BEGIN IMMEDIATE");
    if (rc != 0)
        return rc;
    rc = settle_tx(q, r, &rm, &rj);
    int end = exec(q, rc == 0 ? "COMMIT" : "ROLLBACK");
    if (removed)
        *removed = rm;
    if (rejected)
        *rejected = rj;
    return rc ? rc : end;
}

int queue_pending(player_queue *q, int64_t *n)
{
    *n = count(q, "SELECT count(*) FROM plays");
    return *n < 0 ? -EIO : 0;
}

int queue_rejected_count(player_queue *q, int64_t *n)
{
    *n = count(q, "SELECT count(*) FROM rejected");
    return *n < 0 ? -EIO : 0;
}

int64_t queue_backoff_ms(unsigned attempt, uint32_t rnd)
{
    int64_t d = BACKOFF_CAP_MS;
    if (attempt < 20)
        d = MIN((int64_t)1000 << attempt, BACKOFF_CAP_MS);
    int64_t half = d / 2;
    return half + (int64_t)(rnd % (uint32_t)(half + 1));
}

/* ---- the sender ---- */

static void send_batch(player_queue *q);

static void on_timer(uv_timer_t *t)
{
    player_queue *q = t->data;
    q->backing_off = false;
    send_batch(q);
}

static void back_off(player_queue *q, const char *why)
{
    int64_t d = queue_backoff_ms(q->attempt++, g_random_int());
    log_warn("queue: sending plays failed (%s); retry in %" G_GINT64_FORMAT " ms", why, d);
    q->backing_off = true;
    uv_timer_start(&q->timer, on_timer, (uint64_t)d, 0);
}

static int settle_answer(player_queue *q, const net_result *res)
{
    json_t *doc = NULL;
    proto_plays_result r = {0};
    char err[PROTO_ERR_MAX];
    int rc = proto_json_load(res->body, res->body_len, 4u << 20, &doc, err);
    if (rc == 0)
        rc = proto_plays_result_from_json(doc, &r, err);
    json_decref(doc);
    if (rc != 0) {
        log_warn("queue: bad answer to plays: %s", err);
        return rc;
    }
    rc = queue_settle(q, &r, NULL, NULL);
    proto_plays_result_clear(&r);
    return rc;
}

static void on_sent(const net_result *res, void *data)
{
    player_queue *q = data;
    q->in_flight = false;
    if (q->db == NULL)
        return;
    if (res->rc != 0 || res->status != 200) {
        char why[160];
        if (res->rc != 0)
            g_strlcpy(why, res->error, sizeof why);
        else
            g_snprintf(why, sizeof why, "HTTP %ld", res->status);
        back_off(q, why);
        return;
    }
    if (settle_answer(q, res) != 0) {
        back_off(q, "unreadable answer");
        return;
    }
    q->attempt = 0;
    q->batches++;
    send_batch(q);
}

static void send_batch(player_queue *q)
{
    if (q->n == NULL || q->in_flight || q->backing_off || q->db == NULL)
        return;
    char *body = NULL;
    size_t n = 0;
    if (queue_batch(q, QUEUE_BATCH_MAX, &body, &n) != 0 || n == 0)
        return;
    net_opts o = {.post_json = body, .fd = -1, .timeout_s = SEND_TIMEOUT_S};
    int rc = net_request(q->n, "/api/v1/box/plays", &o, on_sent, q, NULL);
    g_free(body);
    if (rc == 0)
        q->in_flight = true;
    else
        back_off(q, "request not started");
}

int queue_sender_start(player_queue *q, uv_loop_t *loop, player_net *n)
{
    q->loop = loop;
    q->n = n;
    uv_timer_init(loop, &q->timer);
    q->timer.data = q;
    q->timer_open = true;
    send_batch(q);
    return 0;
}

void queue_sender_stop(player_queue *q)
{
    q->n = NULL;
    q->backing_off = false;
    if (q->timer_open)
        uv_timer_stop(&q->timer);
}

void queue_kick(player_queue *q)
{
    send_batch(q);
}

uint64_t queue_sent_batches(const player_queue *q)
{
    return q->batches;
}
