/* cache: content-addressed media files, resumable verified downloads, eviction. */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "statefile.h"
#include "wallclock.h"

#define RETRY_MIN_MS   2000
#define RETRY_MAX_MS   (10 * 60 * 1000)
#define URGENT_KEEP_MS ((int64_t)24 * 3600 * 1000)

typedef enum want_state { W_IDLE, W_FETCHING, W_VERIFYING, W_DONE } want_state;

/* A file in the cache as last seen. verified: its sha256 was found right by this process while
 * it had this size, these times and this inode; anything else is hashed again before it plays. */
typedef struct file_info {
    int64_t size;
    int64_t mtime_ns, ctime_ns;
    uint64_t ino;
    bool verified;
} file_info;

typedef struct want {
    char sha[HASH_SHA256_HEX_LEN + 1];
    char *url;
    int64_t bytes;   /* expected size; 0 unknown */
    int64_t expect;  /* fetching: what this download may still write */
    int64_t need_ms; /* start of the soonest airing that needs it */
    int64_t urgent_until_ms;
    want_state state;
    unsigned failures;
    int64_t retry_at_ms;
    int fd;
    net_req *req;
    struct player_cache *c;
} want;

struct player_cache {
    uv_loop_t *loop;
    player_net *n;
    char *dir;
    int64_t cap;
    cache_limits limits;
    int64_t inflight;    /* bytes the downloads under way may still write */
    GHashTable *files;   /* sha → file_info* of the files in place (verified or not yet) */
    GHashTable *wants;   /* sha → want* */
    GHashTable *damaged; /* sha → sha: a damaged copy was deleted, no good one since */
    bool checking;       /* a check_job runs */
    int stop_checks;     /* atomic: the check_job stops between files */
    bool have_manifest;
    uv_timer_t retry;
    int fetching, jobs;
    bool closing, retry_closed;
    uint64_t rejected;
    cache_ready_cb ready;
    void *ready_data;
};

typedef struct verify_job {
    uv_work_t work;
    player_cache *c;
    char sha[HASH_SHA256_HEX_LEN + 1];
    char *part, *final;
    int rc; /* 0 verified and in place; -EBADMSG wrong hash; other: I/O */
    file_info info;
} verify_job;

/* Hashes the files found in the cache at start, soonest needed first, on one thread of the
 * pool (not one per file: the box decodes audio on the same two cores). */
typedef struct check_item {
    char sha[HASH_SHA256_HEX_LEN + 1];
    file_info seen; /* as the loop saw it; another file by then is not judged */
    int rc;         /* 0 right; -EBADMSG wrong (hex); -ESTALE changed meanwhile; else I/O */
    char hex[HASH_SHA256_HEX_LEN + 1];
} check_item;

typedef struct check_job {
    uv_work_t work;
    player_cache *c;
    char *dir;
    check_item *items;
    size_t n;
    int64_t bytes, started_us, took_us;
} check_job;

static void pump(player_cache *c);
static void check_files(player_cache *c);

static char *file_path(const player_cache *c, const char *sha, const char *suffix)
{
    char *name = g_strconcat(sha, ".opus", suffix, NULL);
    char *p = g_build_filename(c->dir, name, NULL);
    g_free(name);
    return p;
}

static void want_free(gpointer p)
{
    want *w = p;
    g_free(w->url);
    g_free(w);
}

static void drop_part(player_cache *c, const char *sha)
{
    char *p = file_path(c, sha, ".part");
    unlink(p);
    g_free(p);
}

static bool stat_info(const char *path, file_info *out)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    *out = (file_info){.size = st.st_size,
                       .mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
                       .ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec,
                       .ino = (uint64_t)st.st_ino};
    return true;
}

/* ctime too: it moves when bytes are written even if the mtime is put back. */
static bool same_file(const file_info *a, const file_info *b)
{
    return a->size == b->size && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns &&
           a->ino == b->ino;
}

static void scan(player_cache *c)
{
    GDir *d = g_dir_open(c->dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d)) != NULL) {
        char sha[HASH_SHA256_HEX_LEN + 1];
        if (!g_str_has_suffix(name, ".opus") || strlen(name) != HASH_SHA256_HEX_LEN + 5)
            continue;
        g_strlcpy(sha, name, sizeof sha);
        char *p = g_build_filename(c->dir, name, NULL);
        file_info fi;
        /* Not trusted yet: a file may have been damaged while the player was stopped. */
        if (hash_is_sha256_hex(sha) && stat_info(p, &fi))
            g_hash_table_insert(c->files, g_strdup(sha), g_memdup2(&fi, sizeof fi));
        g_free(p);
    }
    if (d)
        g_dir_close(d);
}

static void on_retry(uv_timer_t *t)
{
    pump(t->data);
}

int cache_open(uv_loop_t *loop, player_net *n, const char *dir, int64_t cap_bytes,
               player_cache **out)
{
    if (g_mkdir_with_parents(dir, 0750) != 0)
        return -errno;
    player_cache *c = g_new0(player_cache, 1);
    c->loop = loop;
    c->n = n;
    c->dir = g_strdup(dir);
    c->cap = cap_bytes;
    c->limits = CACHE_LIMITS_DEFAULT;
    c->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    c->wants = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, want_free);
    c->damaged = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    uv_timer_init(loop, &c->retry);
    c->retry.data = c;
    scan(c);
    *out = c;
    return 0;
}

void cache_set_ready_cb(player_cache *c, cache_ready_cb cb, void *data)
{
    c->ready = cb;
    c->ready_data = data;
}

void cache_set_limits(player_cache *c, const cache_limits *l)
{
    c->limits = *l;
}

bool cache_has(player_cache *c, const char *sha)
{
    return g_hash_table_contains(c->files, sha);
}

bool cache_damaged(const player_cache *c, const char *sha)
{
    return g_hash_table_contains(c->damaged, sha);
}

static want *want_get(player_cache *c, const char *sha, const char *url)
{
    want *w = g_hash_table_lookup(c->wants, sha);
    if (w == NULL) {
        w = g_new0(want, 1);
        g_strlcpy(w->sha, sha, sizeof w->sha);
        w->fd = -1;
        w->need_ms = INT64_MAX;
        w->c = c;
        g_hash_table_insert(c->wants, w->sha, w);
    }
    if (url && (w->url == NULL || strcmp(w->url, url) != 0)) {
        g_free(w->url);
        w->url = g_strdup(url);
    }
    if (cache_has(c, sha))
        w->state = W_DONE;
    return w;
}

/* The copy in place is unusable and has been deleted (or was gone): fetch the media again. */
static void lost(player_cache *c, const char *sha)
{
    g_hash_table_remove(c->files, sha);
    want *w = g_hash_table_lookup(c->wants, sha);
    if (w && w->state == W_DONE) {
        w->state = W_IDLE;
        w->retry_at_ms = 0;
    }
    pump(c);
}

/* A copy whose bytes are not its name's: deleted (a damaged file must never play), recorded so
 * that an airing it misses says why, and fetched again. */
static void drop_damaged(player_cache *c, const char *sha, const char *why)
{
    char *p = file_path(c, sha, "");
    if (unlink(p) != 0 && errno != ENOENT)
        log_error("cache: cannot delete the damaged %s: %s", p, g_strerror(errno));
    log_warn("cache: %s in %s is damaged (%s); deleted, fetching it again", sha, c->dir, why);
    g_free(p);
    g_hash_table_add(c->damaged, g_strdup(sha));
    lost(c, sha);
}

/* Hashes a file on the loop, before it plays: at most a few megabytes, a few milliseconds on a
 * box; the check job at start has usually done it already. */
static bool check_now(player_cache *c, const char *sha, const char *path, file_info *fi)
{
    char hex[HASH_SHA256_HEX_LEN + 1], why[96];
    int64_t t0 = wallclock_now_us();
    int rc = hash_sha256_file(path, hex);
    if (rc == 0 && strcmp(hex, sha) == 0) {
        fi->verified = true;
        log_debug("cache: %s verified before playing (%" G_GINT64_FORMAT " bytes, %" G_GINT64_FORMAT
                  " us)",
                  sha, fi->size, wallclock_now_us() - t0);
        return true;
    }
    if (rc == 0)
        g_snprintf(why, sizeof why, "its sha256 is %.16s…", hex);
    else
        g_snprintf(why, sizeof why, "unreadable: %s", g_strerror(-rc));
    drop_damaged(c, sha, why);
    return false;
}

char *cache_path(player_cache *c, const char *sha)
{
    file_info *fi = g_hash_table_lookup(c->files, sha), now;
    if (fi == NULL)
        return NULL;
    char *p = file_path(c, sha, "");
    if (!stat_info(p, &now)) {
        log_warn("cache: %s is no longer in %s; fetching it again", sha, c->dir);
        lost(c, sha);
        goto fail;
    }
    if (!same_file(fi, &now))
        *fi = now; /* changed since it was checked: not verified any more */
    if (fi->verified || check_now(c, sha, p, fi))
        return p;
fail:
    g_free(p);
    return NULL;
}

/* Drops wants no airing needs any more (downloads in flight finish on their own terms). */
static void forget_unneeded(player_cache *c, GHashTable *keep, int64_t now_ms)
{
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, c->wants);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        want *w = v;
        if (g_hash_table_contains(keep, k) || w->urgent_until_ms > now_ms)
            continue;
        if (w->state == W_FETCHING || w->state == W_VERIFYING)
            continue;
        g_hash_table_iter_remove(&it);
    }
}

/* .part files of media no airing needs any more: nothing will resume them. */
static void drop_stray_parts(player_cache *c)
{
    GDir *d = g_dir_open(c->dir, 0, NULL);
    GPtrArray *stray = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while (d && (name = g_dir_read_name(d)) != NULL) {
        char sha[HASH_SHA256_HEX_LEN + 1];
        if (!g_str_has_suffix(name, ".opus.part") || strlen(name) != HASH_SHA256_HEX_LEN + 10)
            continue;
        g_strlcpy(sha, name, sizeof sha);
        if (!g_hash_table_contains(c->wants, sha))
            g_ptr_array_add(stray, g_strdup(sha));
    }
    if (d)
        g_dir_close(d);
    for (guint i = 0; i < stray->len; i++) {
        log_info("cache: deleted the partial download of %s: no airing needs it",
                 (char *)stray->pdata[i]);
        drop_part(c, stray->pdata[i]);
    }
    g_ptr_array_free(stray, TRUE);
}

int cache_want(player_cache *c, const proto_manifest *m, int64_t now_ms)
{
    GHashTable *keep = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < m->n_airings; i++) {
        const proto_airing *a = &m->airings[i];
        if (a->start_ms + a->duration_ms <= now_ms)
            continue;
        const proto_media *md = NULL;
        for (size_t j = 0; j < m->n_media && !md; j++)
            md = strcmp(m->media[j].sha256, a->media) == 0 ? &m->media[j] : NULL;
        want *w = want_get(c, a->media, md ? md->url : NULL);
        if (g_hash_table_add(keep, w->sha))
            w->need_ms = a->start_ms;
        w->need_ms = MIN(w->need_ms, a->start_ms);
        w->bytes = md ? md->bytes : 0;
    }
    forget_unneeded(c, keep, now_ms);
    g_hash_table_destroy(keep);
    drop_stray_parts(c);
    c->have_manifest = true;
    pump(c);
    cache_evict(c, now_ms, NULL);
    check_files(c); /* after eviction: what no airing needs is not worth hashing */
    return 0;
}

int cache_want_urgent(player_cache *c, const char *sha, const char *url, int64_t now_ms)
{
    if (!hash_is_sha256_hex(sha))
        return -EINVAL;
    want *w = want_get(c, sha, url);
    w->need_ms = INT64_MIN; /* ahead of everything */
    w->urgent_until_ms = now_ms + URGENT_KEEP_MS;
    w->retry_at_ms = 0;
    pump(c);
    return 0;
}

/* ---- downloads ---- */

static void schedule_retry(player_cache *c, want *w, const char *why)
{
    (void)c; /* pump() re-arms the timer for the earliest retry */
    w->failures++;
    int64_t d = RETRY_MIN_MS;
    for (unsigned i = 1; i < w->failures && d < RETRY_MAX_MS; i++)
        d *= 2;
    d = MIN(d, RETRY_MAX_MS);
    d = d / 2 + g_random_int_range(0, (gint32)(d / 2 + 1));
    w->retry_at_ms = wallclock_now_ms() + d;
    w->state = W_IDLE;
    log_warn("cache: %s: %s; retry in %" G_GINT64_FORMAT " ms", w->sha, why, d);
}

static void verify_work(uv_work_t *req)
{
    verify_job *j = req->data;
    char hex[HASH_SHA256_HEX_LEN + 1];
    j->rc = hash_sha256_file(j->part, hex);
    if (j->rc == 0 && strcmp(hex, j->sha) != 0)
        j->rc = -EBADMSG;
    if (j->rc == -EBADMSG)
        unlink(j->part);
    /* The .part was fsync'd when the download ended; the rename is made durable here. */
    if (j->rc == 0 && rename(j->part, j->final) != 0)
        j->rc = -errno;
    if (j->rc == 0 && !stat_info(j->final, &j->info))
        j->rc = -errno;
    j->info.verified = j->rc == 0;
    if (j->rc == 0)
        statefile_sync_dir(j->c->dir);
}

static void cache_release(player_cache *c)
{
    g_hash_table_destroy(c->files);
    g_hash_table_destroy(c->wants);
    g_hash_table_destroy(c->damaged);
    g_free(c->dir);
    g_free(c);
}

static void retry_closed(uv_handle_t *h)
{
    player_cache *c = h->data;
    c->retry_closed = true;
    if (c->jobs == 0)
        cache_release(c);
}

static void verify_done(uv_work_t *req, int status)
{
    (void)status;
    verify_job *j = req->data;
    player_cache *c = j->c;
    c->jobs--;
    want *w = g_hash_table_lookup(c->wants, j->sha);
    if (c->closing) {
        if (c->jobs == 0 && c->retry_closed)
            cache_release(c);
        c = NULL;
    } else if (j->rc == 0) {
        g_hash_table_insert(c->files, g_strdup(j->sha), g_memdup2(&j->info, sizeof j->info));
        g_hash_table_remove(c->damaged, j->sha);
        log_info("cache: %s verified (%" G_GINT64_FORMAT " bytes)", j->sha, j->info.size);
        if (w)
            w->state = W_DONE;
        if (c->ready)
            c->ready(j->sha, c->ready_data);
    } else if (w) {
        if (j->rc == -EBADMSG)
            c->rejected++;
        char *why = j->rc == -EBADMSG
                        ? g_strdup("wrong sha256, deleted")
                        : g_strdup_printf("cannot verify it or move it into place in %s: %s",
                                          c->dir, g_strerror(-j->rc));
        schedule_retry(c, w, why);
        g_free(why);
    }
    g_free(j->part);
    g_free(j->final);
    g_free(j);
    if (c) {
        pump(c);
        cache_evict(c, wallclock_now_ms(), NULL);
    }
}

static void verify(player_cache *c, want *w)
{
    verify_job *j = g_new0(verify_job, 1);
    j->c = c;
    g_strlcpy(j->sha, w->sha, sizeof j->sha);
    j->part = file_path(c, w->sha, ".part");
    j->final = file_path(c, w->sha, "");
    j->work.data = j;
    w->state = W_VERIFYING;
    c->jobs++;
    uv_queue_work(c->loop, &j->work, verify_work, verify_done);
}

static void fetch_end(want *w)
{
    w->req = NULL;
    w->c->fetching--;
    w->c->inflight -= w->expect;
    w->expect = 0;
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}

/* The most a download of w may write: what the manifest declares. */
static int64_t limit_of(const want *w)
{
    return w->bytes > 0 ? w->bytes : CACHE_MEDIA_MAX_BYTES;
}

static int64_t free_bytes(const player_cache *c)
{
    struct statvfs v;
    if (statvfs(c->dir, &v) != 0)
        return INT64_MAX; /* cannot tell: the check made while writing still holds */
    return (int64_t)v.f_bavail * (int64_t)v.f_frsize;
}

/* After a failed attempt the .part stays only as a prefix the next try can resume: some bytes,
 * no more than the media has, and a transfer that was cut (not refused, not too large). */
static void fetched(const net_result *res, void *data)
{
    want *w = data;
    player_cache *c = w->c;
    bool ok = res->rc == 0 && (res->status == 200 || res->status == 206) && !res->etag_mismatch;
    int sync_err = ok && fsync(w->fd) != 0 ? errno : 0;
    struct stat st;
    int64_t size = fstat(w->fd, &st) == 0 ? st.st_size : -1;
    fetch_end(w);
    char *why = NULL;
    if (res->rc == -EFBIG) {
        drop_part(c, w->sha);
        why = g_strdup_printf("%s; aborted, nothing kept", res->error);
    } else if (res->rc == -ENOSPC || res->write_failed) {
        drop_part(c, w->sha); /* a full disk: the space goes back to the report queue */
        why = g_strdup_printf("%s, writing in %s; the partial file is deleted", res->error, c->dir);
    } else if (res->rc != 0) {
        if (size <= 0 || size > limit_of(w))
            drop_part(c, w->sha);
        why = g_strdup(res->error); /* a cut: the next try resumes the .part */
    } else if (sync_err != 0) {
        drop_part(c, w->sha);
        why = g_strdup_printf("cannot write in %s: %s", c->dir, g_strerror(sync_err));
    } else if (res->etag_mismatch || res->status == 416 || (w->bytes > 0 && size > w->bytes)) {
        drop_part(c, w->sha);
        why = g_strdup("partial file does not match the server's; starting over");
    } else if (!ok) {
        if (size <= 0)
            drop_part(c, w->sha);
        why = g_strdup_printf("HTTP %ld", res->status);
    } else if (w->bytes > 0 && size < w->bytes) {
        why = g_strdup("transfer ended early");
    } else {
        verify(c, w);
    }
    if (why)
        schedule_retry(c, w, why);
    g_free(why);
    pump(c);
}

/* Starts a download unless it would eat into the space kept free: the free space counts the
 * downloads under way at what they may still write. */
static void fetch(player_cache *c, want *w)
{
    char *part = file_path(c, w->sha, ".part");
    char *url = w->url ? g_strdup(w->url) : proto_media_url(w->sha);
    char etag[HASH_SHA256_HEX_LEN + 3], *why = NULL;
    struct stat st;
    int64_t limit = limit_of(w);
    w->fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (w->fd < 0 || fstat(w->fd, &st) != 0) {
        why = g_strdup_printf("cannot open %s: %s", part, g_strerror(errno));
        if (w->fd >= 0)
            close(w->fd);
        w->fd = -1;
        schedule_retry(c, w, why);
        goto out;
    }
    if (st.st_size > limit) { /* not a prefix of this media: start over */
        log_info("cache: %s: the .part holds more than the %" G_GINT64_FORMAT
                 " bytes declared; starting over",
                 w->sha, limit);
        if (ftruncate(w->fd, 0) == 0)
            st.st_size = 0;
    }
    if (w->bytes > 0 && st.st_size == w->bytes) { /* complete already */
        close(w->fd);
        w->fd = -1;
        verify(c, w);
        goto out;
    }
    int64_t need = w->bytes > 0 ? w->bytes - st.st_size : 0;
    int64_t room = free_bytes(c);
    if (room - c->inflight - need < c->limits.keep_free_bytes) {
        close(w->fd);
        w->fd = -1;
        if (st.st_size == 0)
            unlink(part);
        why =
            g_strdup_printf("not fetched: %" G_GINT64_FORMAT " bytes free in %s (%" G_GINT64_FORMAT
                            " promised to downloads under way); %" G_GINT64_FORMAT
                            " more would leave less than the %" G_GINT64_FORMAT
                            " bytes kept free for the report queue",
                            room, c->dir, c->inflight, need, c->limits.keep_free_bytes);
        schedule_retry(c, w, why);
        goto out;
    }
    g_snprintf(etag, sizeof etag, "\"%s\"", w->sha);
    net_opts o = {.fd = w->fd,
                  .range_from = st.st_size,
                  .if_range = etag,
                  .max_bytes = limit,
                  .keep_free = c->limits.keep_free_bytes,
                  .min_rate = c->limits.min_rate,
                  .slow_s = c->limits.slow_seconds};
    if (net_request(c->n, url, &o, fetched, w, &w->req) != 0) {
        close(w->fd);
        w->fd = -1;
        schedule_retry(c, w, "request not started");
        goto out;
    }
    if (st.st_size > 0)
        log_info("cache: %s resuming at %lld bytes", w->sha, (long long)st.st_size);
    w->state = W_FETCHING;
    w->expect = need;
    c->inflight += need;
    c->fetching++;
out:
    g_free(why);
    g_free(url);
    g_free(part);
}

static gint by_need(gconstpointer a, gconstpointer b)
{
    const want *x = *(want *const *)a, *y = *(want *const *)b;
    return x->need_ms < y->need_ms ? -1 : x->need_ms > y->need_ms;
}

/* Starts downloads up to CACHE_PARALLEL, soonest need first; re-arms the retry timer for
 * the earliest want waiting out a backoff. */
static void pump(player_cache *c)
{
    if (c->n == NULL || c->closing)
        return;
    int64_t now = wallclock_now_ms(), next_retry = INT64_MAX;
    GPtrArray *idle = g_ptr_array_new();
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, c->wants);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        want *w = v;
        if (w->state == W_IDLE && cache_has(c, w->sha))
            w->state = W_DONE;
        if (w->state != W_IDLE)
            continue;
        if (w->retry_at_ms > now)
            next_retry = MIN(next_retry, w->retry_at_ms);
        else
            g_ptr_array_add(idle, w);
    }
    g_ptr_array_sort(idle, by_need);
    for (guint i = 0; i < idle->len && c->fetching < CACHE_PARALLEL; i++)
        fetch(c, idle->pdata[i]);
    for (guint i = 0; i < idle->len; i++) { /* a fetch refused at once waits out its backoff */
        const want *w = idle->pdata[i];
        if (w->state == W_IDLE && w->retry_at_ms > now)
            next_retry = MIN(next_retry, w->retry_at_ms);
    }
    g_ptr_array_free(idle, TRUE);
    if (next_retry != INT64_MAX)
        uv_timer_start(&c->retry, on_retry, (uint64_t)MAX(next_retry - now, 1), 0);
}

/* ---- the files found at start ---- */

static void check_work(uv_work_t *req)
{
    check_job *j = req->data;
    j->started_us = wallclock_now_us();
    for (size_t i = 0; i < j->n; i++) {
        check_item *ci = &j->items[i];
        if (__atomic_load_n(&j->c->stop_checks, __ATOMIC_ACQUIRE)) {
            ci->rc = -ECANCELED;
            continue;
        }
        char *name = g_strconcat(ci->sha, ".opus", NULL);
        char *p = g_build_filename(j->dir, name, NULL);
        file_info before, after;
        if (!stat_info(p, &before) || !same_file(&before, &ci->seen)) {
            ci->rc = -ESTALE;
        } else {
            ci->rc = hash_sha256_file(p, ci->hex);
            j->bytes += ci->seen.size;
            if (ci->rc == 0 && (!stat_info(p, &after) || !same_file(&after, &ci->seen)))
                ci->rc = -ESTALE; /* changed while it was read: judged again before it plays */
            else if (ci->rc == 0 && strcmp(ci->hex, ci->sha) != 0)
                ci->rc = -EBADMSG;
        }
        g_free(p);
        g_free(name);
    }
    j->took_us = wallclock_now_us() - j->started_us;
}

static void check_done(uv_work_t *req, int status)
{
    (void)status;
    check_job *j = req->data;
    player_cache *c = j->c;
    size_t ok = 0, bad = 0;
    c->jobs--;
    c->checking = false;
    for (size_t i = 0; !c->closing && i < j->n; i++) {
        check_item *ci = &j->items[i];
        file_info *fi = g_hash_table_lookup(c->files, ci->sha);
        /* Judged already (before playing), or another file now: leave it to cache_path. */
        if (fi == NULL || fi->verified || !same_file(fi, &ci->seen) || ci->rc == -ESTALE ||
            ci->rc == -ECANCELED)
            continue;
        char why[96];
        if (ci->rc == 0) {
            fi->verified = true;
            ok++;
            continue;
        }
        if (ci->rc == -EBADMSG)
            g_snprintf(why, sizeof why, "its sha256 is %.16s…", ci->hex);
        else
            g_snprintf(why, sizeof why, "unreadable: %s", g_strerror(-ci->rc));
        bad++;
        drop_damaged(c, ci->sha, why);
    }
    if (!c->closing)
        log_info("cache: %zu files checked at start (%" G_GINT64_FORMAT " bytes, %" G_GINT64_FORMAT
                 " ms): %zu sound, %zu damaged",
                 j->n, j->bytes, j->took_us / 1000, ok, bad);
    else if (c->jobs == 0 && c->retry_closed)
        cache_release(c);
    g_free(j->items);
    g_free(j->dir);
    g_free(j);
}

static gint item_by_need(gconstpointer a, gconstpointer b, gpointer data)
{
    GHashTable *wants = data;
    const want *x = g_hash_table_lookup(wants, ((const check_item *)a)->sha);
    const want *y = g_hash_table_lookup(wants, ((const check_item *)b)->sha);
    int64_t nx = x ? x->need_ms : INT64_MAX, ny = y ? y->need_ms : INT64_MAX;
    return nx < ny ? -1 : nx > ny;
}

/* Starts hashing the files not verified yet, soonest needed first. */
static void check_files(player_cache *c)
{
    if (c->checking || c->closing)
        return;
    GArray *a = g_array_new(FALSE, TRUE, sizeof(check_item));
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, c->files);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        if (((file_info *)v)->verified)
            continue;
        check_item ci = {.seen = *(file_info *)v};
        g_strlcpy(ci.sha, k, sizeof ci.sha);
        g_array_append_val(a, ci);
    }
    if (a->len == 0) {
        g_array_free(a, TRUE);
        return;
    }
    g_array_sort_with_data(a, item_by_need, c->wants);
    check_job *j = g_new0(check_job, 1);
    j->c = c;
    j->dir = g_strdup(c->dir);
    j->n = a->len;
    j->items = (check_item *)(void *)g_array_free(a, FALSE);
    j->work.data = j;
    c->checking = true;
    c->jobs++;
    uv_queue_work(c->loop, &j->work, check_work, check_done);
}

size_t cache_unverified(const player_cache *c)
{
    size_t n = 0;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, c->files);
    while (g_hash_table_iter_next(&it, &k, &v))
        n += !((const file_info *)v)->verified;
    return n;
}

/* ---- eviction ---- */

static void evict_one(player_cache *c, const char *sha, const char *why)
{
    char *p = file_path(c, sha, "");
    if (unlink(p) == 0 || errno == ENOENT) {
        log_info("cache: evicted %s (%s)", sha, why);
        g_hash_table_remove(c->files, sha);
    }
    g_free(p);
}

static int64_t total_bytes(player_cache *c)
{
    int64_t total = 0;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, c->files);
    while (g_hash_table_iter_next(&it, &k, &v))
        total += ((const file_info *)v)->size;
    return total;
}

static gint by_need_desc(gconstpointer a, gconstpointer b)
{
    return -by_need(a, b);
}

int cache_evict(player_cache *c, int64_t now_ms, size_t *evicted)
{
    size_t n = 0;
    if (!c->have_manifest) /* nothing known about needs: keep everything */
        goto out;
    GPtrArray *gone = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *needed = g_ptr_array_new();
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, c->files);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        want *w = g_hash_table_lookup(c->wants, k);
        if (w == NULL)
            g_ptr_array_add(gone, g_strdup(k));
        else
            g_ptr_array_add(needed, w);
    }
    for (guint i = 0; i < gone->len; i++, n++)
        evict_one(c, gone->pdata[i], "no airing needs it");
    g_ptr_array_sort(needed, by_need_desc);
    int64_t total = total_bytes(c);
    for (guint i = 0; c->cap > 0 && total > c->cap && i < needed->len; i++) {
        want *w = needed->pdata[i];
        if (w->need_ms <= now_ms + CACHE_KEEP_AHEAD_MS)
            break; /* sorted: everything after is needed sooner */
        total -= ((const file_info *)g_hash_table_lookup(c->files, w->sha))->size;
        evict_one(c, w->sha, "over the cache cap; needed later");
        w->state = W_IDLE;
        w->retry_at_ms = w->need_ms - CACHE_KEEP_AHEAD_MS; /* fetched again in time */
        n++;
    }
    g_ptr_array_free(gone, TRUE);
    g_ptr_array_free(needed, TRUE);
out:
    if (evicted)
        *evicted = n;
    return 0;
}

void cache_stats(player_cache *c, int64_t *bytes, int64_t *files)
{
    *bytes = total_bytes(c);
    *files = g_hash_table_size(c->files);
}

char **cache_missing(player_cache *c)
{
    GPtrArray *a = g_ptr_array_new();
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, c->wants);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        if (!cache_has(c, k))
            g_ptr_array_add(a, g_strdup(k));
    }
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

uint64_t cache_rejected(const player_cache *c)
{
    return c->rejected;
}

void cache_free(player_cache *c)
{
    if (c == NULL)
        return;
    c->closing = true;
    __atomic_store_n(&c->stop_checks, 1, __ATOMIC_RELEASE);
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, c->wants);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        want *w = v;
        if (w->req) {
            net_cancel(c->n, w->req);
            fetch_end(w);
        }
    }
    uv_timer_stop(&c->retry);
    uv_close((uv_handle_t *)&c->retry, retry_closed);
}
