/* sync: manifest polling with ETags, the stored manifest, and the events long-poll loop. */
#include "sync.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "statefile.h"

#define MANIFEST_FILE  "manifest.json"
#define ETAG_FILE      "manifest.etag"
#define CURSOR_FILE    "events.cursor"
#define EVENTS_WAIT_S  55
#define EVENTS_TIMEOUT 75
#define RETRY_MIN_MS   1000
#define RETRY_MAX_MS   60000
/* While the events long-poll answers, manifest_changed arrives within a second and a missed
 * one is replayed from the cursor, so the periodic manifest poll is only a safety net; on a
 * metered 3G link it was the largest share of a box's daily traffic (bench_box_day.sh). */
#define LIVE_POLL_S 1800

struct sync_state {
    uv_loop_t *loop;
    player_net *n;
    char *dir;
    int poll_override_s, poll_s;
    sync_callbacks cb;
    char *etag;
    int64_t cursor; /* -1: none yet (the daemon then starts from now) */
    net_req *manifest_req, *events_req;
    bool again;
    bool events_live; /* the last events long-poll was answered properly */
    unsigned manifest_failures, events_failures;
    uv_timer_t poll_timer, events_timer;
    int open_handles;
    char *last_error;
    uint64_t fetched, unchanged;
};

static void fetch_manifest(sync_state *s);
static void poll_events(sync_state *s);

static int64_t backoff(unsigned failures)
{
    int64_t d = RETRY_MIN_MS;
    for (unsigned i = 1; i < failures && d < RETRY_MAX_MS; i++)
        d *= 2;
    d = MIN(d, RETRY_MAX_MS);
    return d / 2 + g_random_int_range(0, (gint32)(d / 2 + 1));
}

static void set_error(sync_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(sync_state *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_free(s->last_error);
    s->last_error = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    log_warn("sync: %s", s->last_error);
}

/* Parses a manifest document; 0 and *m filled, or -EINVAL with the reason logged. */
static int parse_manifest(const char *body, size_t len, proto_manifest *m, char err[PROTO_ERR_MAX])
{
    json_t *doc = NULL;
    int rc = proto_json_load(body, len, SYNC_MANIFEST_MAX, &doc, err);
    if (rc == 0)
        rc = proto_manifest_from_json(doc, m, err);
    json_decref(doc);
    return rc;
}

static void load_stored(sync_state *s)
{
    char *body = NULL, *etag = NULL;
    size_t len = 0;
    char err[PROTO_ERR_MAX];
    proto_manifest m = {0};
    if (statefile_read(s->dir, MANIFEST_FILE, SYNC_MANIFEST_MAX, &body, &len) != 0)
        return;
    if (parse_manifest(body, len, &m, err) != 0) {
        log_warn("sync: the stored manifest is unreadable (%s); waiting for the server", err);
        goto out;
    }
    log_info("sync: stored manifest: %zu airings", m.n_airings);
    if (statefile_read(s->dir, ETAG_FILE, 1024, &etag, NULL) == 0) {
        s->etag = etag;
        etag = NULL;
    }
    s->poll_s = m.poll_seconds;
    s->cb.manifest(&m, true, s->cb.data);
    proto_manifest_clear(&m);
out:
    g_free(body);
    g_free(etag);
}

static void load_cursor(sync_state *s)
{
    char *text = NULL;
    s->cursor = -1;
    if (statefile_read(s->dir, CURSOR_FILE, 64, &text, NULL) == 0) {
        char *end = NULL;
        long long v = strtoll(text, &end, 10);
        if (end != text && v >= 0)
            s->cursor = v;
    }
    g_free(text);
}

int sync_new(uv_loop_t *loop, player_net *n, const char *state_dir, int poll_override_s,
             const sync_callbacks *cb, sync_state **out)
{
    sync_state *s = g_new0(sync_state, 1);
    s->loop = loop;
    s->n = n;
    s->dir = g_strdup(state_dir);
    s->poll_override_s = poll_override_s;
    s->poll_s = 60;
    s->cb = *cb;
    uv_timer_init(loop, &s->poll_timer);
    uv_timer_init(loop, &s->events_timer);
    s->poll_timer.data = s->events_timer.data = s;
    s->open_handles = 2;
    load_cursor(s);
    *out = s;
    return 0;
}

static void on_poll_timer(uv_timer_t *t)
{
    fetch_manifest(t->data);
}

static void schedule_poll(sync_state *s, int64_t ms)
{
    uv_timer_start(&s->poll_timer, on_poll_timer, (uint64_t)ms, 0);
}

static int64_t poll_ms(const sync_state *s)
{
    if (s->poll_override_s > 0)
        return (int64_t)s->poll_override_s * 1000;
    return (int64_t)(s->events_live ? MAX(s->poll_s, LIVE_POLL_S) : s->poll_s) * 1000;
}

/* The events channel came up or went down: the poll period changes with it. */
static void set_events_live(sync_state *s, bool live)
{
    if (s->events_live == live)
        return;
    s->events_live = live;
    log_info("sync: events %s; manifest poll every %" G_GINT64_FORMAT " s",
             live ? "answering" : "failing", poll_ms(s) / 1000);
    /* Only ever brought forward: a long-poll that keeps dropping and coming back must not
     * keep pushing the safety-net poll away. A fetch in flight or a retry reschedules itself. */
    if (s->manifest_req || s->manifest_failures)
        return;
    if (!uv_is_active((uv_handle_t *)&s->poll_timer) ||
        uv_timer_get_due_in(&s->poll_timer) > (uint64_t)poll_ms(s))
        schedule_poll(s, poll_ms(s));
}

static void accept_manifest(sync_state *s, const net_result *res)
{
    proto_manifest m = {0};
    char err[PROTO_ERR_MAX];
    if (parse_manifest(res->body, res->body_len, &m, err) != 0) {
        s->manifest_failures++;
        set_error(s, "manifest refused: %s", err);
        return;
    }
    int rc = statefile_write(s->dir, MANIFEST_FILE, res->body, res->body_len);
    if (rc == 0 && res->etag)
        rc = statefile_write(s->dir, ETAG_FILE, res->etag, strlen(res->etag));
    if (rc != 0)
        log_warn("sync: cannot store the manifest in %s: %s", s->dir, g_strerror(-rc));
    g_free(s->etag);
    s->etag = rc == 0 ? g_strdup(res->etag) : NULL;
    s->poll_s = m.poll_seconds;
    s->manifest_failures = 0;
    s->fetched++;
    log_info("sync: manifest: %zu airings, %zu media", m.n_airings, m.n_media);
    s->cb.manifest(&m, false, s->cb.data);
    proto_manifest_clear(&m);
}

static void on_manifest(const net_result *res, void *data)
{
    sync_state *s = data;
    s->manifest_req = NULL;
    if (res->rc != 0) {
        s->manifest_failures++;
        set_error(s, "manifest: %s", res->error);
    } else if (res->status == 304) {
        s->manifest_failures = 0;
        s->unchanged++;
    } else if (res->status == 200) {
        accept_manifest(s, res);
    } else {
        s->manifest_failures++;
        set_error(s, "manifest: HTTP %ld", res->status);
    }
    if (s->again) {
        s->again = false;
        fetch_manifest(s);
        return;
    }
    schedule_poll(s, s->manifest_failures ? MIN(backoff(s->manifest_failures), poll_ms(s))
                                          : poll_ms(s));
}

static void fetch_manifest(sync_state *s)
{
    if (s->manifest_req) {
        s->again = true;
        return;
    }
    net_opts o = {
        .fd = -1, .if_none_match = s->etag, .timeout_s = 120, .max_body = SYNC_MANIFEST_MAX};
    if (net_request(s->n, "/api/v1/box/manifest", &o, on_manifest, s, &s->manifest_req) != 0)
        schedule_poll(s, poll_ms(s));
}

void sync_refresh(sync_state *s)
{
    uv_timer_stop(&s->poll_timer);
    fetch_manifest(s);
}

/* ---- events ---- */

static void on_events_timer(uv_timer_t *t)
{
    poll_events(t->data);
}

static void save_cursor(sync_state *s, int64_t cursor)
{
    if (cursor == s->cursor)
        return;
    s->cursor = cursor;
    char text[32];
    int n = g_snprintf(text, sizeof text, "%" G_GINT64_FORMAT "\n", cursor);
    int rc = statefile_write(s->dir, CURSOR_FILE, text, (size_t)n);
    if (rc != 0)
        log_warn("sync: cannot store the events cursor in %s: %s", s->dir, g_strerror(-rc));
}

static void dispatch(sync_state *s, const proto_events *ev)
{
    bool changed = false;
    for (size_t i = 0; i < ev->n_events; i++) {
        const proto_event *e = &ev->events[i];
        if (e->type == PROTO_EVENT_MANIFEST_CHANGED)
            changed = true;
        else
            s->cb.event(e, s->cb.data);
    }
    if (changed)
        sync_refresh(s);
}

/* 0 when the answer was good; the next poll then follows at once. */
static int take_events(sync_state *s, const net_result *res)
{
    if (res->rc != 0) {
        set_error(s, "events: %s", res->error);
        return -EIO;
    }
    if (res->status != 200) {
        set_error(s, "events: HTTP %ld", res->status);
        return -EIO;
    }
    json_t *doc = NULL;
    proto_events ev = {0};
    char err[PROTO_ERR_MAX];
    int rc = proto_json_load(res->body, res->body_len, SYNC_MANIFEST_MAX, &doc, err);
    if (rc == 0)
        rc = proto_events_from_json(doc, &ev, err);
    json_decref(doc);
    if (rc != 0) {
        set_error(s, "events refused: %s", err);
        return rc;
    }
    dispatch(s, &ev);
    save_cursor(s, ev.cursor);
    proto_events_clear(&ev);
    return 0;
}

static void on_events(const net_result *res, void *data)
{
    sync_state *s = data;
    s->events_req = NULL;
    if (take_events(s, res) != 0) {
        set_events_live(s, false);
        uv_timer_start(&s->events_timer, on_events_timer, (uint64_t)backoff(++s->events_failures),
                       0);
        return;
    }
    s->events_failures = 0;
    set_events_live(s, true);
    /* A server that answers at once every time must not make this a busy loop. */
    uint64_t wait = res->done_ms - res->sent_ms < 1000 ? 1000 : 0;
    uv_timer_start(&s->events_timer, on_events_timer, wait, 0);
}

static void poll_events(sync_state *s)
{
    char path[96];
    if (s->cursor >= 0)
        g_snprintf(path, sizeof path, "/api/v1/box/events?after=%" G_GINT64_FORMAT "&wait=%d",
                   s->cursor, EVENTS_WAIT_S);
    else
        g_snprintf(path, sizeof path, "/api/v1/box/events?wait=%d", EVENTS_WAIT_S);
    net_opts o = {.fd = -1, .timeout_s = EVENTS_TIMEOUT, .max_body = SYNC_MANIFEST_MAX};
    if (net_request(s->n, path, &o, on_events, s, &s->events_req) != 0)
        uv_timer_start(&s->events_timer, on_events_timer, RETRY_MAX_MS, 0);
}

int sync_start(sync_state *s)
{
    load_stored(s);
    fetch_manifest(s);
    poll_events(s);
    return 0;
}

const char *sync_last_error(const sync_state *s)
{
    return s->last_error;
}

void sync_counts(const sync_state *s, uint64_t *fetched, uint64_t *unchanged)
{
    *fetched = s->fetched;
    *unchanged = s->unchanged;
}

static void closed(uv_handle_t *h)
{
    sync_state *s = h->data;
    if (--s->open_handles > 0)
        return;
    g_free(s->dir);
    g_free(s->etag);
    g_free(s->last_error);
    g_free(s);
}

void sync_free(sync_state *s)
{
    if (s == NULL)
        return;
    net_cancel(s->n, s->manifest_req);
    net_cancel(s->n, s->events_req);
    uv_close((uv_handle_t *)&s->poll_timer, closed);
    uv_close((uv_handle_t *)&s->events_timer, closed);
}
