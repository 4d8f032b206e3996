/* api_events: GET /api/v1/box/events, the boxes' long-poll (docs/architecture.md §5). A box without
 * new events for it is suspended (no thread, no timer of its own: ~1 KB each) in a FIFO whose head
 * always expires first, since every wait has the same length. New events wake the waiters at once
 * when this process added them (api_events_notify), or within a tick when another process did (an
 * admin command: PRAGMA data_version changes).
 *
 * Stored event payloads carry "targets" ({"kind":"all"|"communes"|"boxes","ids":[…]}) for
 * emergencies and stops; a box sees only the events that target it, without "targets". */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "log.h"
#include "store_boxes.h"
#include "store_events.h"
#include "store_targets.h"
#include "wallclock.h"

#define WAIT_MAX_S 55
#define TICK_MS    250

typedef struct waiter {
    http_req *r;
    api_events *ev;
    int64_t box_id, commune_id, after, deadline_ms;
    struct waiter *prev, *next;
} waiter;

struct api_events {
    api *a;
    uv_timer_t tick;
    waiter *head, *tail;
    size_t n;
    int64_t data_version, last_cursor;
    void (*close_cb)(void *arg);
    void *close_arg;
};

static bool targets_box(const json_t *payload, int64_t box_id, int64_t commune_id)
{
    const json_t *t = json_object_get(payload, "targets");
    if (!t) /* events for every box (manifest_changed) carry no targets */
        return true;
    return store_targets_box(json_string_value(json_object_get(t, "kind")),
                             json_object_get(t, "ids"), box_id, commune_id);
}

/* Which events of rows (store_events_after) after `after` target the box: their indices into
 * rows, comma-separated, into key (emptied first). Boxes with the same key get the same answer. */
static void match_key(const json_t *rows, int64_t after, int64_t box_id, int64_t commune_id,
                      GString *key)
{
    size_t i;
    const json_t *row;
    g_string_truncate(key, 0);
    json_array_foreach(rows, i, row)
    {
        if (json_integer_value(json_object_get(row, "cursor")) > after &&
            targets_box(json_object_get(row, "payload"), box_id, commune_id))
            g_string_append_printf(key, "%zu,", i);
    }
}

/* The events of rows at the indices of key (match_key), in wire form. */
static json_t *events_at(const json_t *rows, const char *key)
{
    json_t *out = json_array();
    for (char *end = NULL; *key; key = end + 1) {
        const json_t *row = json_array_get(rows, strtoul(key, &end, 10));
        json_t *e = json_deep_copy(json_object_get(row, "payload"));
        json_object_del(e, "targets");
        json_object_del(e, "month");
        json_object_set(e, "type", json_object_get(row, "type"));
        json_array_append_new(out, e);
    }
    return out;
}

/* The events of rows after `after` that target the box, in wire form. */
static json_t *events_for(const json_t *rows, int64_t after, int64_t box_id, int64_t commune_id)
{
    GString *key = g_string_new(NULL);
    match_key(rows, after, box_id, commune_id, key);
    json_t *out = events_at(rows, key->str);
    g_string_free(key, TRUE);
    return out;
}

static json_t *answer(int64_t cursor, json_t *events)
{
    return json_pack("{sI so}", "cursor", (json_int_t)cursor, "events", events);
}

static void unlink_waiter(api_events *ev, waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        ev->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        ev->tail = w->prev;
    ev->n--;
}

static void resume(waiter *w, json_t *body)
{
    api_events *ev = w->ev;
    unlink_waiter(ev, w);
    http_resume_json(w->r, 200, body);
    free(w);
}

/* The answer for the boxes whose events in rows are those of key, made once per batch. */
static http_shared *shared_answer(GHashTable *answers, const json_t *rows, const char *key,
                                  int64_t upto)
{
    http_shared *s = g_hash_table_lookup(answers, key);
    if (!s && (s = http_shared_json(200, answer(upto, events_at(rows, key)))) != NULL)
        g_hash_table_insert(answers, g_strdup(key), s);
    return s;
}

/* Answers every waiter with something in rows; the others move their cursor to upto. An
 * emergency to every box is one answer for all, encoded once and sent without copies. */
static void answer_batch(api_events *ev, const json_t *rows, int64_t upto)
{
    GHashTable *answers =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)http_shared_unref);
    GString *key = g_string_new(NULL);
    for (waiter *w = ev->head, *next; w; w = next) {
        next = w->next;
        match_key(rows, w->after, w->box_id, w->commune_id, key);
        if (key->len == 0) {
            if (w->after < upto)
                w->after = upto; /* nothing for it up to here */
            continue;
        }
        http_shared *s = shared_answer(answers, rows, key->str, upto);
        unlink_waiter(ev, w);
        if (s)
            http_reply_shared(w->r, s);
        else
            http_resume_json(w->r, 200, answer(upto, events_at(rows, key->str)));
        free(w);
    }
    g_string_free(key, TRUE);
    g_hash_table_destroy(answers);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void on_cancel(http_req *r, void *arg)
{
    (void)r;
    waiter *w = arg;
    unlink_waiter(w->ev, w);
    free(w);
}

/* Reads what is new since the oldest waiter's cursor once, then answers every waiter that
 * has something; the others keep waiting. */
static void wake(api_events *ev)
{
    json_t *rows = NULL;
    int64_t last = 0, min_after = INT64_MAX;
    if (store_events_last(ev->a->db, &last) != 0 || last <= ev->last_cursor)
        return;
    for (waiter *w = ev->head; w; w = w->next)
        min_after = w->after < min_after ? w->after : min_after;
    int64_t from = min_after == INT64_MAX ? last : min_after;
    /* Read in batches until the newest event: a burst larger than one batch still reaches
     * everyone. */
    while (from < last && store_events_after(ev->a->db, from, &rows) == 0) {
        size_t n = json_array_size(rows);
        int64_t upto =
            n ? json_integer_value(json_object_get(json_array_get(rows, n - 1), "cursor")) : last;
        answer_batch(ev, rows, upto);
        json_decref(rows);
        rows = NULL;
        if (n == 0)
            break;
        from = upto;
    }
    ev->last_cursor = last;
}

void api_events_notify(api *a)
{
    wake(a->events);
}

void api_events_revoked(api *a)
{
    api_events *ev = a->events;
    int64_t *ids = NULL;
    size_t n = 0;
    if (!ev->head || store_box_revoked_ids(a->db, &ids, &n) != 0 || n == 0)
        return;
    for (waiter *w = ev->head, *next; w; w = next) {
        next = w->next;
        if (!bsearch(&w->box_id, ids, n, sizeof *ids, cmp_id))
            continue;
        unlink_waiter(ev, w);
        api_box_refuse(w->r);
        free(w);
    }
    g_free(ids);
}

static void on_tick(uv_timer_t *t)
{
    api_events *ev = t->data;
    int64_t dv = 0, now = wallclock_now_ms();
    if (store_data_version(ev->a->db, &dv) == 0 && dv != ev->data_version) {
        ev->data_version = dv;
        wake(ev);
        api_events_revoked(ev->a); /* an admin command may have revoked a waiting box */
    }
    while (ev->head && ev->head->deadline_ms <= now)
        resume(ev->head,
               answer(ev->head->after > ev->last_cursor ? ev->head->after : ev->last_cursor,
                      json_array()));
}

static int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end = NULL;
    if (!s || !*s)
        return -EINVAL;
    gint64 v = g_ascii_strtoll(s, &end, 10);
    if (*end || v < min || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

static int events_get(http_req *r, void *ud)
{
    api *a = ud;
    api_events *ev = a->events;
    int64_t box_id = 0, after = 0, wait_s = WAIT_MAX_S, last = 0;
    store_box box = {0};
    json_t *rows = NULL;
    const char *q_after = http_query(r, "after"), *q_wait = http_query(r, "wait");
    if (api_box_seen(r, a, &box_id) != 0)
        return 0;
    if ((q_after && parse_i64(q_after, 0, INT64_MAX, &after) != 0) ||
        (q_wait && parse_i64(q_wait, 0, WAIT_MAX_S, &wait_s) != 0))
        return http_reply_error(r, 400, "invalid_query",
                                "Tham số after phải là số nguyên không âm, wait từ 0 đến %d.",
                                WAIT_MAX_S);
    int rc = store_box_get(a->db, box_id, &box);
    if (rc == 0)
        rc = store_events_last(a->db, &last);
    if (rc != 0)
        goto fail;
    /* No cursor yet, or one from another database: start from now. */
    if (!q_after || after > last) {
        store_box_clear(&box);
        return http_reply_json(r, 200, answer(last, json_array()));
    }
    if (after < last) {
        if ((rc = store_events_after(a->db, after, &rows)) != 0)
            goto fail;
        size_t n = json_array_size(rows);
        int64_t upto = json_integer_value(json_object_get(json_array_get(rows, n - 1), "cursor"));
        json_t *mine = events_for(rows, after, box_id, box.commune_id);
        json_decref(rows);
        if (json_array_size(mine) > 0 || wait_s == 0) {
            store_box_clear(&box);
            return http_reply_json(r, 200, answer(upto, mine));
        }
        json_decref(mine);
        after = upto;
    }
    if (wait_s == 0) {
        store_box_clear(&box);
        return http_reply_json(r, 200, answer(after, json_array()));
    }
    waiter *w = calloc(1, sizeof *w);
    if (!w) {
        rc = -ENOMEM;
        goto fail;
    }
    *w = (waiter){.r = r,
                  .ev = ev,
                  .box_id = box_id,
                  .commune_id = box.commune_id,
                  .after = after,
                  .deadline_ms = wallclock_now_ms() + wait_s * 1000,
                  .prev = ev->tail};
    /* Waits are FIFO by deadline only when they share a length; a shorter wait (tests) goes
     * in order from the tail. */
    while (w->prev && w->prev->deadline_ms > w->deadline_ms)
        w->prev = w->prev->prev;
    w->next = w->prev ? w->prev->next : ev->head;
    if (w->prev)
        w->prev->next = w;
    else
        ev->head = w;
    if (w->next)
        w->next->prev = w;
    else
        ev->tail = w;
    ev->n++;
    store_box_clear(&box);
    rc = http_suspend(r, on_cancel, w);
    if (rc != 0) {
        unlink_waiter(ev, w);
        free(w);
        return rc;
    }
    return 0;
fail:
    store_box_clear(&box);
    return api_fail(r, a, rc, "sự kiện");
}

static const http_route ROUTES[] = {
    {"GET", "/api/v1/box/events", events_get, 0, NULL, NULL},
};

int api_events_create(api *a)
{
    api_events *ev = calloc(1, sizeof *ev);
    if (!ev)
        return -ENOMEM;
    ev->a = a;
    a->events = ev;
    int rc = store_data_version(a->db, &ev->data_version);
    if (rc == 0)
        rc = store_events_last(a->db, &ev->last_cursor);
    if (rc == 0)
        rc = uv_timer_init(a->loop, &ev->tick);
    if (rc != 0) {
        a->events = NULL;
        free(ev);
        return rc;
    }
    ev->tick.data = ev;
    uv_timer_start(&ev->tick, on_tick, TICK_MS, TICK_MS);
    return http_server_add_routes(a->http, ROUTES, G_N_ELEMENTS(ROUTES), a);
}

static void on_closed(uv_handle_t *h)
{
    api_events *ev = h->data;
    void (*cb)(void *) = ev->close_cb;
    void *arg = ev->close_arg;
    free(ev);
    if (cb)
        cb(arg);
}

/* The HTTP server answers held requests (503) and runs their cancel callbacks when it closes;
 * by the time this runs no waiter is left. */
void api_events_close(api *a, void (*cb)(void *arg), void *arg)
{
    api_events *ev = a->events;
    a->events = NULL;
    if (ev->n)
        log_warn("closing events with %zu waiters", ev->n);
    ev->close_cb = cb;
    ev->close_arg = arg;
    uv_timer_stop(&ev->tick);
    uv_close((uv_handle_t *)&ev->tick, on_closed);
}
