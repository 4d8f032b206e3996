/* api_throttle: see api_throttle.h. A hash table of keys and a list of the same entries from
 * the least to the most recently touched, for eviction. */
#include "api_throttle.h"

#include <errno.h>
#include <glib.h>

typedef struct entry {
    char *key;
    int failures;
    int running;
    int64_t first_ms; /* the window's start: its first failure (0: no failure counted) */
    GList link;       /* in lru; link.data is the entry */
} entry;

struct api_throttle {
    int limit;
    int64_t window_ms;
    unsigned max_keys;
    GHashTable *keys; /* entry->key → entry; the table frees entries */
    GQueue lru;       /* head: touched least recently */
};

static void entry_free(gpointer p)
{
    entry *e = p;
    g_free(e->key);
    g_free(e);
}

api_throttle *api_throttle_new(int limit, int64_t window_ms, unsigned max_keys)
{
    api_throttle *t = g_new0(api_throttle, 1);
    t->limit = limit;
    t->window_ms = window_ms;
    t->max_keys = max_keys ? max_keys : 1;
    t->keys = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
    g_queue_init(&t->lru);
    return t;
}

void api_throttle_free(api_throttle *t)
{
    if (!t)
        return;
    g_hash_table_destroy(t->keys);
    g_free(t);
}

static bool expired(const api_throttle *t, const entry *e, int64_t now_ms)
{
    return e->failures > 0 && now_ms - e->first_ms >= t->window_ms;
}

/* A window that has ended is forgotten: the next failure opens a new one. */
static void age(const api_throttle *t, entry *e, int64_t now_ms)
{
    if (expired(t, e, now_ms)) {
        e->failures = 0;
        e->first_ms = 0;
    }
}

static void touch(api_throttle *t, entry *e)
{
    g_queue_unlink(&t->lru, &e->link);
    g_queue_push_tail_link(&t->lru, &e->link);
}

static void forget(api_throttle *t, entry *e)
{
    g_queue_unlink(&t->lru, &e->link);
    g_hash_table_remove(t->keys, e->key);
}

/* Room for one more key: the least recently touched key with no attempt running goes. Keys
 * with a running attempt stay, or their end would find nothing to count against. */
static int make_room(api_throttle *t)
{
    if (g_hash_table_size(t->keys) < t->max_keys)
        return 0;
    for (GList *l = t->lru.head; l; l = l->next) {
        entry *e = l->data;
        if (e->running == 0) {
            forget(t, e);
            return 0;
        }
    }
    return -ENOSPC;
}

int api_throttle_begin(api_throttle *t, const char *key, int64_t now_ms, int64_t *retry_ms)
{
    entry *e = g_hash_table_lookup(t->keys, key);
    if (e)
        age(t, e, now_ms);
    if (e && e->failures + e->running >= t->limit) {
        int64_t wait = e->failures > 0 ? e->first_ms + t->window_ms - now_ms : 1000;
        *retry_ms = wait < 1000 ? 1000 : wait;
        return -EAGAIN;
    }
    if (!e) {
        int rc = make_room(t);
        if (rc != 0) {
            *retry_ms = 1000;
            return rc;
        }
        e = g_new0(entry, 1);
        e->key = g_strdup(key);
        e->link.data = e;
        g_hash_table_insert(t->keys, e->key, e);
        g_queue_push_tail_link(&t->lru, &e->link);
    }
    e->running++;
    touch(t, e);
    return 0;
}

bool api_throttle_end(api_throttle *t, const char *key, bool failed, int64_t now_ms)
{
    entry *e = g_hash_table_lookup(t->keys, key);
    bool locked = false;
    if (!e)
        return false;
    if (e->running > 0)
        e->running--;
    age(t, e, now_ms);
    if (failed) {
        if (e->failures == 0)
            e->first_ms = now_ms;
        e->failures++;
        locked = e->failures == t->limit;
    }
    if (e->failures == 0 && e->running == 0)
        forget(t, e); /* nothing left to count */
    else
        touch(t, e);
    return locked;
}

int api_throttle_failures(const api_throttle *t, const char *key, int64_t now_ms)
{
    const entry *e = g_hash_table_lookup(t->keys, key);
    return e && !expired(t, e, now_ms) ? e->failures : 0;
}

unsigned api_throttle_size(const api_throttle *t)
{
    return g_hash_table_size(t->keys);
}
