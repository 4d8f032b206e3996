/* http_queue: see http_queue.h. A job waits in its client's FIFO; the clients with jobs waiting
 * form a ring, and each time the queue may start a job it takes the head of the FIFO of the
 * client whose turn it is (next_client) and moves that client to the back of the ring. */
#include "http_queue.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "http_internal.h"
#include "log.h"
#include "wallclock.h"

#define FULL_LOG_MS (60 * 1000) /* at most one "full" warning a minute per queue */

typedef struct client client;

typedef struct job {
    uv_work_t work;
    http_queue *q;
    client *c;
    http_req *r;
    int (*fn)(void *arg);
    void (*done)(http_req *r, void *arg, int status);
    void (*drop)(void *arg);
    void *arg;
    int status;
    struct job *next; /* in its client's FIFO */
} job;

struct client {
    char key[HTTP_ADDR_MAX];
    job *head, *tail; /* waiting */
    unsigned waiting, running;
    bool in_ring;
    client *ring_next;
};

struct http_queue {
    http_server *srv;
    char *name;
    http_queue_config cfg;
    GHashTable *clients;           /* key → client, while it has jobs waiting or running */
    client *ring_head, *ring_tail; /* clients with jobs waiting, in turn */
    size_t waiting, running;
    int64_t full_logged_ms;
    http_queue *next; /* the server's list */
};

int http_queue_new(http_server *srv, const http_queue_config *cfg, http_queue **out)
{
    http_queue *q = g_new0(http_queue, 1);
    q->srv = srv;
    q->cfg = *cfg;
    q->name = g_strdup(cfg->name ? cfg->name : "work");
    q->cfg.name = q->name;
    if (q->cfg.running == 0)
        q->cfg.running = 1;
    if (q->cfg.retry_after_s == 0)
        q->cfg.retry_after_s = 1;
    q->clients = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    q->next = srv->queues;
    srv->queues = q;
    *out = q;
    return 0;
}

size_t http_queue_waiting(const http_queue *q)
{
    return q->waiting;
}

size_t http_queue_running(const http_queue *q)
{
    return q->running;
}

/* ---- clients and the ring ---- */

static void ring_push(http_queue *q, client *c)
{
    c->ring_next = NULL;
    c->in_ring = true;
    if (q->ring_tail)
        q->ring_tail->ring_next = c;
    else
        q->ring_head = c;
    q->ring_tail = c;
}

static void ring_remove(http_queue *q, client *c)
{
    client *prev = NULL;
    for (client *x = q->ring_head; x; prev = x, x = x->ring_next) {
        if (x != c)
            continue;
        if (prev)
            prev->ring_next = c->ring_next;
        else
            q->ring_head = c->ring_next;
        if (q->ring_tail == c)
            q->ring_tail = prev;
        break;
    }
    c->ring_next = NULL;
    c->in_ring = false;
}

/* A client with nothing waiting or running is forgotten. */
static void client_release(http_queue *q, client *c)
{
    if (c->waiting == 0 && c->running == 0)
        g_hash_table_remove(q->clients, c->key);
}

/* Takes j out of its client's FIFO. */
static void unlink_job(http_queue *q, job *j)
{
    client *c = j->c;
    job *prev = NULL;
    for (job *x = c->head; x; prev = x, x = x->next) {
        if (x != j)
            continue;
        if (prev)
            prev->next = j->next;
        else
            c->head = j->next;
        if (c->tail == j)
            c->tail = prev;
        break;
    }
    j->next = NULL;
    c->waiting--;
    q->waiting--;
    if (c->waiting == 0 && c->in_ring)
        ring_remove(q, c);
}

/* ---- running ---- */

static void job_run(uv_work_t *w)
{
    job *j = w->data;
    j->status = j->fn(j->arg);
}

static void pump(http_queue *q);

static void job_finished(uv_work_t *w, int status)
{
    (void)status; /* never cancelled: uv_cancel is not used */
    job *j = w->data;
    http_queue *q = j->q;
    http_req *r = j->r;
    http_server *srv = q->srv;
    j->c->running--;
    q->running--;
    client_release(q, j->c);
    srv->n_deferred--;
    r->deferred = false;
    pump(q); /* the pool gets the next job before this one's reply is built */
    j->done(r, j->arg, j->status);
    g_free(j);
    http_req_after_work(r);
    http_srv_check_closed(srv);
}

static void start(http_queue *q, job *j)
{
    http_req *r = j->r;
    /* running work cannot be stopped: the watch has nothing more to do */
    http_req_unwatch(r);
    r->on_cancel = NULL;
    r->cancel_arg = NULL;
    j->c->running++;
    q->running++;
    j->work.data = j;
    /* uv_queue_work fails only without a work callback */
    uv_queue_work(q->srv->loop, &j->work, job_run, job_finished);
}

/* Whose turn: of the clients with work waiting, the first in the ring among those with the
 * fewest jobs running; none holds more than half the running places (at least one). So a
 * client flooding the queue always leaves a place to anyone else, whose job starts at once
 * instead of after one of the flood's; NULL when only such clients wait. */
static client *next_client(http_queue *q)
{
    unsigned most = (q->cfg.running + 1) / 2;
    client *best = NULL;
    for (client *c = q->ring_head; c; c = c->ring_next)
        if (c->running < most && (!best || c->running < best->running))
            best = c;
    return best;
}

static void pump(http_queue *q)
{
    client *c;
    while (q->running < q->cfg.running && (c = next_client(q))) {
        ring_remove(q, c);
        job *j = c->head;
        c->head = j->next;
        if (!c->head)
            c->tail = NULL;
        j->next = NULL;
        c->waiting--;
        q->waiting--;
        if (c->head)
            ring_push(q, c); /* to the back: the others' turn first */
        start(q, j);
    }
}

/* ---- leaving ---- */

/* The request leaves the queue unanswered by its work: the job goes, drop frees its argument. */
static void discard(http_queue *q, job *j)
{
    http_req *r = j->r;
    unlink_job(q, j);
    client_release(q, j->c);
    http_req_unwatch(r);
    r->on_cancel = NULL;
    r->cancel_arg = NULL;
    r->deferred = false;
    q->srv->n_deferred--;
    if (j->drop)
        j->drop(j->arg);
    g_free(j);
}

/* r's client left while its job waited (the watch's cancel callback): the caller, http_reply.c,
 * then resumes r cancelled, and MHD closes the connection. */
static void on_client_gone(http_req *r, void *arg)
{
    job *j = arg;
    http_queue *q = j->q;
    log_debug("http: %s queue: %s %s from %s: client left while waiting, job dropped", q->name,
              http_method(r), http_path(r), j->c->key);
    discard(q, j);
}

void http_queues_close(http_server *srv)
{
    for (http_queue *q = srv->queues; q; q = q->next) {
        while (q->ring_head) {
            job *j = q->ring_head->head;
            http_req *r = j->r;
            discard(q, j);
            http_reply_error(r, 503, "shutting_down", "Máy chủ đang dừng, vui lòng thử lại sau.");
        }
    }
}

void http_queues_free(http_server *srv)
{
    while (srv->queues) {
        http_queue *q = srv->queues;
        srv->queues = q->next;
        g_hash_table_destroy(q->clients);
        g_free(q->name);
        g_free(q);
    }
}

/* ---- entering ---- */

static int refuse(http_queue *q, http_req *r, const char *key, bool client_full)
{
    char retry[16];
    int64_t now = wallclock_now_ms();
    if (!client_full && now - q->full_logged_ms >= FULL_LOG_MS) {
        log_warn("http: %s queue full (%zu waiting, %zu running): refusing with 503", q->name,
                 q->waiting, q->running);
        q->full_logged_ms = now;
    } else {
        log_debug("http: %s queue: refused %s (%s)", q->name, key,
                  client_full ? "its share is full" : "full");
    }
    g_snprintf(retry, sizeof retry, "%u", q->cfg.retry_after_s);
    http_add_header(r, "Retry-After", retry);
    http_reply_error(r, 503, "busy", "Máy chủ đang bận, vui lòng thử lại sau %u giây.",
                     q->cfg.retry_after_s);
    return -EBUSY;
}

int http_queue_defer(http_queue *q, http_req *r, int (*work)(void *arg),
                     void (*done)(http_req *r, void *arg, int status), void (*drop)(void *arg),
                     void *arg)
{
    char key[HTTP_ADDR_MAX];
    int rc = 0;
    if (r->replied || r->deferred || r->held) {
        rc = -EALREADY;
        goto out;
    }
    if (q->srv->closing) {
        http_reply_error(r, 503, "shutting_down", "Máy chủ đang dừng, vui lòng thử lại sau.");
        rc = -ESHUTDOWN;
        goto out;
    }
    http_client_key(r, key);
    client *c = g_hash_table_lookup(q->clients, key);
    bool runs_now = q->running < q->cfg.running && !q->ring_head &&
                    (!c || c->running < (q->cfg.running + 1) / 2);
    if (q->cfg.per_client && c && c->waiting + c->running >= q->cfg.per_client) {
        rc = refuse(q, r, key, true);
        goto out;
    }
    if (!runs_now && q->waiting >= q->cfg.waiting) {
        rc = refuse(q, r, key, false);
        goto out;
    }
    if (!c) {
        c = g_new0(client, 1);
        g_strlcpy(c->key, key, sizeof c->key);
        g_hash_table_insert(q->clients, c->key, c);
    }
    job *j = g_new0(job, 1);
    *j = (job){.q = q, .c = c, .r = r, .fn = work, .done = done, .drop = drop, .arg = arg};
    if (c->tail)
        c->tail->next = j;
    else
        c->head = j;
    c->tail = j;
    c->waiting++;
    q->waiting++;
    if (!c->in_ring)
        ring_push(q, c);
    r->deferred = true;
    q->srv->n_deferred++;
    http_req_suspend(r);
    r->on_cancel = on_client_gone;
    r->cancel_arg = j;
    pump(q);
    if (r->cancel_arg == j) { /* still waiting: watch for its client leaving */
        http_req_watch(r);
        log_debug("http: %s queue: %s %s from %s waits (%zu waiting, %zu running)", q->name,
                  http_method(r), http_path(r), key, q->waiting, q->running);
    }
    return 0;
out:
    if (drop)
        drop(arg);
    return rc;
}
