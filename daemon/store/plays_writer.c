/* plays_writer: see plays_writer.h. Two queues under one mutex: `todo` (loop → writer, woken by
 * a condition variable) and `done` (writer → loop, woken by a uv_async). The writer swaps the
 * whole todo queue out at once, so a group is everything that arrived during the previous
 * commit: under load groups grow by themselves, when idle a batch commits alone at once. */
#include "plays_writer.h"

#include <errno.h>
#include <glib.h>
#include <stdbool.h>

#include "log.h"
#include "store.h"
#include "store_plays.h"
#include "wallclock.h"

typedef struct job {
    int64_t box_id;
    json_t *plays, *result;
    int rc;
    char *errmsg;
    plays_writer_done done;
    void *arg;
} job;

struct plays_writer {
    store *db;
    GThread *thread;
    GMutex lock;
    GCond wake;
    GPtrArray *todo, *finished; /* job *, under lock */
    bool stopping;
    uv_async_t async;
    uint64_t groups, batches; /* under lock */
    void (*close_cb)(void *arg);
    void *close_arg;
};

static void job_fail(job *j, int rc, const char *msg)
{
    j->rc = rc;
    json_decref(j->result);
    j->result = NULL;
    g_free(j->errmsg);
    j->errmsg = g_strdup(msg);
}

/* One transaction for the whole group; a batch's own error leaves the others to commit. */
static void write_group(plays_writer *w, GPtrArray *group)
{
    int64_t now = wallclock_now_ms();
    int rc = store_begin(w->db);
    for (guint i = 0; rc == 0 && i < group->len; i++) {
        job *j = group->pdata[i];
        j->rc = store_plays_ingest_in_tx(w->db, j->box_id, j->plays, now, &j->result);
        if (j->rc != 0)
            job_fail(j, j->rc, store_errmsg(w->db));
    }
    if (rc == 0)
        rc = store_commit(w->db);
    if (rc != 0) {
        store_rollback(w->db);
        log_error("plays: group of %u batches not committed: %s", group->len, store_errmsg(w->db));
        for (guint i = 0; i < group->len; i++) {
            job *j = group->pdata[i];
            if (j->rc == 0)
                job_fail(j, rc, store_errmsg(w->db));
        }
    }
}

static gpointer writer_main(gpointer p)
{
    plays_writer *w = p;
    g_mutex_lock(&w->lock);
    for (;;) {
        while (w->todo->len == 0 && !w->stopping)
            g_cond_wait(&w->wake, &w->lock);
        if (w->todo->len == 0)
            break;
        GPtrArray *group = w->todo;
        w->todo = g_ptr_array_new();
        g_mutex_unlock(&w->lock);
        write_group(w, group);
        g_mutex_lock(&w->lock);
        w->groups++;
        w->batches += group->len;
        g_ptr_array_extend_and_steal(w->finished, group);
        uv_async_send(&w->async);
    }
    g_mutex_unlock(&w->lock);
    return NULL;
}

static void job_free(job *j)
{
    json_decref(j->plays);
    json_decref(j->result);
    g_free(j->errmsg);
    g_free(j);
}

/* Answers on the loop thread, after the commit. */
static void on_finished(uv_async_t *h)
{
    plays_writer *w = h->data;
    g_mutex_lock(&w->lock);
    GPtrArray *fin = w->finished;
    w->finished = g_ptr_array_new();
    g_mutex_unlock(&w->lock);
    for (guint i = 0; i < fin->len; i++) {
        job *j = fin->pdata[i];
        json_t *result = j->result;
        j->result = NULL;
        j->done(j->arg, j->rc, result, j->errmsg);
        job_free(j);
    }
    g_ptr_array_free(fin, TRUE);
}

int plays_writer_start(uv_loop_t *loop, const char *data_dir, plays_writer **out)
{
    char err[STORE_ERR_MAX];
    plays_writer *w = g_new0(plays_writer, 1);
    int rc = store_open(data_dir, &w->db, err, sizeof err);
    if (rc != 0) {
        log_error("plays writer: %s", err);
        g_free(w);
        return rc;
    }
    rc = uv_async_init(loop, &w->async, on_finished);
    if (rc != 0) {
        store_close(w->db);
        g_free(w);
        return -EIO;
    }
    w->async.data = w;
    g_mutex_init(&w->lock);
    g_cond_init(&w->wake);
    w->todo = g_ptr_array_new();
    w->finished = g_ptr_array_new();
    w->thread = g_thread_new("plays-writer", writer_main, w);
    *out = w;
    return 0;
}

int plays_writer_submit(plays_writer *w, int64_t box_id, json_t *plays, plays_writer_done done,
                        void *arg)
{
    if (w->stopping) {
        json_decref(plays);
        return -ESHUTDOWN;
    }
    job *j = g_new0(job, 1);
    j->box_id = box_id;
    j->plays = plays;
    j->done = done;
    j->arg = arg;
    g_mutex_lock(&w->lock);
    g_ptr_array_add(w->todo, j);
    g_cond_signal(&w->wake);
    g_mutex_unlock(&w->lock);
    return 0;
}

static void on_closed(uv_handle_t *h)
{
    plays_writer *w = h->data;
    void (*cb)(void *) = w->close_cb;
    void *arg = w->close_arg;
    g_ptr_array_free(w->todo, TRUE);
    g_ptr_array_free(w->finished, TRUE);
    g_mutex_clear(&w->lock);
    g_cond_clear(&w->wake);
    g_free(w);
    if (cb)
        cb(arg);
}

void plays_writer_stop(plays_writer *w, void (*cb)(void *arg), void *arg)
{
    g_mutex_lock(&w->lock);
    w->stopping = true;
    g_cond_signal(&w->wake);
    g_mutex_unlock(&w->lock);
    g_thread_join(w->thread); /* at most one group's commit */
    on_finished(&w->async);
    log_info("plays: %" G_GUINT64_FORMAT " batches in %" G_GUINT64_FORMAT " commits", w->batches,
             w->groups);
    store_close(w->db);
    w->close_cb = cb;
    w->close_arg = arg;
    uv_close((uv_handle_t *)&w->async, on_closed);
}

void plays_writer_stats(plays_writer *w, uint64_t *groups, uint64_t *batches)
{
    g_mutex_lock(&w->lock);
    *groups = w->groups;
    *batches = w->batches;
    g_mutex_unlock(&w->lock);
}
