/* Crash safety (docs/architecture.md §8) with a real daemon and a real kill -9: a box streams play
 * batches while the daemon is killed at a random moment, and after a restart every play that
 * was answered 200 is in the database (and the batch in flight can be sent again without a
 * conflict); an upload killed mid-body or mid-ingest leaves no piece, no media row and no file
 * in DIR/media once the daemon has started again. */
#include <curl/curl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "api_client.h"
#include "daemon.h"
#include "tmpdir.h"
#include "vtime.h"
#include "wallclock.h"

#define ROUNDS    4
#define BATCHES   50
#define PER_BATCH 100
#define GIVE_UP                                                                                    \
    (300 *                                                                                         \
     G_USEC_PER_SEC) /* bound on waits (sanitizer builds are slow), never a timing assertion */

typedef struct upload upload;

typedef struct fx {
    td *t;
    ac *tech, *approver;
    char *token, *tmp;
    upload *up; /* the upload in progress */
} fx;

static void run(const char *cmd)
{
    int status = 0;
    GError *e = NULL;
    if (!g_spawn_command_line_sync(cmd, NULL, NULL, &status, &e) || status != 0)
        fail_msg("%s failed: %s", cmd, e ? e->message : "exit status");
}

static int setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->tmp = tmpdir_new("loalang-crash-XXXXXX");
    f->t = td_start(NULL);
    ac_add_commune(f->t, "Bằng Khánh");
    f->token = ac_add_box(f->t, "Nà Pài", "Bằng Khánh");
    f->tech = ac_user(f->t, "ktv", "technician", NULL);
    f->approver = ac_user(f->t, "noivu", "approver", NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ac_free(f->tech);
    ac_free(f->approver);
    assert_int_equal(td_stop(f->t), 0);
    td_free(f->t);
    tmpdir_remove(f->tmp);
    g_free(f->token);
    g_free(f);
    return 0;
}

/* A WAV of `seconds` in the fixture's temp dir (made once per length). */
static char *wav(fx *f, int seconds)
{
    char *path = g_strdup_printf("%s/%d.wav", f->tmp, seconds);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        char *cmd =
            g_strdup_printf("sox -n -r 22050 -c 1 %s synth %d sine 440 vol 0.3", path, seconds);
        run(cmd);
        g_free(cmd);
    }
    return path;
}

/* The headers of a raw upload by the technician (g_strfreev). */
static char **upload_headers(fx *f)
{
    char **h = g_new0(char *, 4);
    h[0] = g_strdup_printf("Cookie: %s", ac_cookie(f->tech));
    h[1] = g_strdup_printf("X-CSRF-Token: %s", ac_csrf(f->tech));
    h[2] = g_strdup("Content-Type: audio/wav");
    return h;
}

#define UPLOAD_PATH "/api/v1/pieces?title=B%E1%BA%A3n%20tin&genre=news"

/* Uploads, submits and approves a short piece; its id and media sha256. */
static void approved_piece(fx *f, char **id, char **sha)
{
    char *path = wav(f, 4), *out = NULL, **h = upload_headers(f);
    gchar *data = NULL;
    gsize len = 0;
    long st = 0;
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    assert_int_equal(
        td_request(f->t, "POST", UPLOAD_PATH, (const char *const *)h, data, len, &st, &out, NULL),
        0);
    assert_int_equal(st, 201);
    json_t *p = json_loads(out, 0, NULL);
    *id = g_strdup(json_string_value(json_object_get(p, "id")));
    *sha = g_strdup(json_string_value(json_object_get(json_object_get(p, "media"), "sha256")));
    json_decref(p);
    const char *steps[][2] = {{"submit", NULL}, {"approve", "approver"}};
    for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
        char *step = g_strdup_printf("/api/v1/pieces/%s/%s", *id, steps[i][0]);
        json_decref(ac_call(steps[i][1] ? f->approver : f->tech, "POST", step, NULL, &st));
        assert_int_equal(st, 200);
        g_free(step);
    }
    g_strfreev(h);
    g_free(out);
    g_free(data);
    g_free(path);
}

/* Publishes one airing of the piece for every box through the CLI; its id. */
static char *published_airing(fx *f, const char *piece)
{
    vtime_local l;
    vtime_utc_to_local(vtime_zone(), wallclock_now_ms() + 86400000, &l);
    char *when = g_strdup_printf("%04d-%02d-%02dT06:00:00+07:00", l.year, l.month, l.day);
    char *out = NULL, *err = NULL;
    int rc =
        td_admin(f->t, NULL, &out, &err, "airing", "add", "--piece", piece, "--at", when, NULL);
    if (rc != 0)
        fail_msg("airing add: %s", err);
    g_strchomp(out);
    const char *last = strrchr(out, '\n');
    char *id = g_strdup(last ? last + 1 : out);
    g_free(out);
    g_free(err);
    g_free(when);
    return id;
}

/* ---- the play stream ---- */

typedef struct stream {
    char *url, *auth;
    const char *airing, *sha;
    int round;
    GPtrArray *accepted; /* play ids answered 200 in "accepted" or "duplicates" */
    char *in_flight;     /* the body of the batch whose answer never came (or NULL) */
    long odd_status;     /* a status other than 200 that did come back (0: none) */
    gint batches_done;   /* atomic: the test thread times the kill on it */
} stream;

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    g_string_append_len(ud, p, (gssize)(size * n));
    return size * n;
}

/* One POST with its own curl handle (the test thread may be killing the daemon meanwhile).
 * The CURLcode; *status and *out (g_free) when an answer came. */
static int post(const char *url, const char *auth, const char *body, long *status, char **out)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, auth);
    GString *b = g_string_new(NULL);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    CURLcode rc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    *out = g_string_free(b, FALSE);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return (int)rc;
}

static char *batch_body(const stream *s, int batch)
{
    json_t *plays = json_array();
    for (int i = 0; i < PER_BATCH; i++) {
        char id[40];
        g_snprintf(id, sizeof id, "%08x-%04x-4000-8000-%012x", (unsigned)s->round, (unsigned)batch,
                   (unsigned)i);
        json_array_append_new(
            plays, json_pack("{ss ss ss ss ss ss si ss ss}", "id", id, "airing", s->airing, "media",
                             s->sha, "scheduled_start", "2030-01-01T06:00:00+07:00", "started_at",
                             "2030-01-01T06:00:00+07:00", "ended_at", "2030-01-01T06:00:04+07:00",
                             "played_ms", 3900, "outcome", "completed", "detail", ""));
    }
    json_t *body = json_pack("{so}", "plays", plays);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return text;
}

/* Records the ids the answer acknowledges; false when something was rejected. */
static bool record(stream *s, const char *answer)
{
    json_t *j = json_loads(answer, 0, NULL);
    const char *lists[] = {"accepted", "duplicates"};
    size_t i;
    json_t *v;
    for (size_t l = 0; l < G_N_ELEMENTS(lists); l++)
        json_array_foreach(json_object_get(j, lists[l]), i, v)
        {
            const char *id = json_string_value(v);
            if (!id)
                id = json_string_value(json_object_get(v, "id"));
            g_ptr_array_add(s->accepted, g_strdup(id));
        }
    bool ok = json_array_size(json_object_get(j, "rejected")) == 0;
    json_decref(j);
    return ok;
}

static gpointer stream_thread(gpointer p)
{
    stream *s = p;
    for (int b = 0; b < BATCHES; b++) {
        char *body = batch_body(s, b), *out = NULL;
        long st = 0;
        int rc = post(s->url, s->auth, body, &st, &out);
        if (rc != CURLE_OK || st == 0) { /* the daemon died under this batch */
            g_atomic_pointer_set(&s->in_flight, body);
            g_free(out);
            return NULL;
        }
        if (st != 200 || !record(s, out)) {
            s->odd_status = st == 200 ? -1 : st;
            g_free(out);
            g_free(body);
            return NULL;
        }
        g_atomic_int_inc(&s->batches_done);
        g_free(out);
        g_free(body);
    }
    return NULL;
}

static GHashTable *stored_plays(fx *f)
{
    char *db_path = g_build_filename(td_dir(f->t), "loalang.db", NULL);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    GHashTable *ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM plays", -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        g_hash_table_add(ids, g_strdup((const char *)sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    g_free(db_path);
    return ids;
}

static int64_t count_rows(fx *f, const char *sql)
{
    char *db_path = g_build_filename(td_dir(f->t), "loalang.db", NULL);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    g_free(db_path);
    return n;
}

/* After the restart the batch in flight is sent again, as a box does: every element is
 * accepted or a duplicate, none conflicts with a half-written copy. */
static void resend(fx *f, stream *s)
{
    char *url = g_strconcat(td_url(f->t), "/api/v1/box/plays", NULL), *out = NULL;
    long st = 0;
    assert_int_equal(post(url, s->auth, s->in_flight, &st, &out), CURLE_OK);
    assert_int_equal(st, 200);
    size_t before = s->accepted->len;
    if (!record(s, out))
        fail_msg("the batch in flight, sent again: %s", out);
    assert_int_equal(s->accepted->len - before, PER_BATCH);
    g_free(out);
    g_free(url);
}

static void test_plays_survive_kill(void **state)
{
    fx *f = *state;
    char *piece = NULL, *sha = NULL;
    approved_piece(f, &piece, &sha);
    char *airing = published_airing(f, piece);
    size_t acked_total = 0, killed_mid_stream = 0;
    for (int round = 1; round <= ROUNDS; round++) {
        stream s = {.url = g_strconcat(td_url(f->t), "/api/v1/box/plays", NULL),
                    .auth = g_strdup_printf("Authorization: Bearer %s", f->token),
                    .airing = airing,
                    .sha = sha,
                    .round = round,
                    .accepted = g_ptr_array_new_with_free_func(g_free)};
        GThread *th = g_thread_new("plays", stream_thread, &s);
        /* A random moment in the stream (or, rarely, after its end): once the first batch is
         * answered, anywhere within the time the whole stream would take at that pace. */
        gint64 t0 = g_get_monotonic_time(), give_up = t0 + GIVE_UP;
        while (g_atomic_int_get(&s.batches_done) == 0 && !g_atomic_pointer_get(&s.in_flight) &&
               g_get_monotonic_time() < give_up)
            g_usleep(1000);
        gint64 batch_us = MAX(g_get_monotonic_time() - t0, 1000);
        g_usleep(
            (gulong)g_random_int_range(0, (gint32)MIN(batch_us * BATCHES * 3 / 4, G_MAXINT32)));
        td_kill(f->t);
        g_thread_join(th);
        if (s.odd_status != 0)
            fail_msg("round %d: a batch was answered %ld or had rejections", round, s.odd_status);
        td_restart(f->t);
        GHashTable *stored = stored_plays(f);
        for (size_t i = 0; i < s.accepted->len; i++)
            if (!g_hash_table_contains(stored, s.accepted->pdata[i]))
                fail_msg("round %d: play %s was acknowledged but is lost", round,
                         (char *)s.accepted->pdata[i]);
        g_hash_table_destroy(stored);
        print_message("round %d: %d batches acknowledged before the kill%s\n", round,
                      g_atomic_int_get(&s.batches_done), s.in_flight ? ", one in flight" : "");
        if (s.in_flight) {
            killed_mid_stream++;
            resend(f, &s);
        }
        acked_total += s.accepted->len;
        g_free(s.in_flight);
        g_free(s.url);
        g_free(s.auth);
        g_ptr_array_free(s.accepted, TRUE);
    }
    assert_true(acked_total > 0);
    /* Every acknowledged play is one row: nothing was lost and nothing doubled. */
    assert_int_equal(count_rows(f, "SELECT count(*) FROM plays"), (int64_t)acked_total);
    print_message("%zu plays acknowledged, %zu rounds killed mid-stream\n", acked_total,
                  killed_mid_stream);
    g_free(airing);
    g_free(piece);
    g_free(sha);
}

/* ---- uploads ---- */

struct upload {
    char *url;
    char **headers;
    gchar *data;
    gsize len, sent, stall_at; /* stall_at: stop feeding there until the kill (0: never) */
    GMutex lock;
    GCond cond;
    bool stalled, killed;
    int curl_rc;
    long status;
    gint finished; /* atomic: the request ended (answered or failed) */
};

static size_t feed(char *buf, size_t size, size_t n, void *ud)
{
    upload *u = ud;
    if (u->stall_at && u->sent >= u->stall_at) {
        g_mutex_lock(&u->lock);
        u->stalled = true;
        g_cond_broadcast(&u->cond);
        while (!u->killed)
            g_cond_wait(&u->cond, &u->lock);
        g_mutex_unlock(&u->lock);
        return CURL_READFUNC_ABORT;
    }
    size_t want = MIN(size * n, u->len - u->sent);
    if (u->stall_at)
        want = MIN(want, u->stall_at - u->sent);
    memcpy(buf, u->data + u->sent, want);
    u->sent += want;
    return want;
}

static gpointer upload_thread(gpointer p)
{
    upload *u = p;
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    GString *b = g_string_new(NULL);
    for (size_t i = 0; u->headers[i]; i++)
        h = curl_slist_append(h, u->headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, u->url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, feed);
    curl_easy_setopt(c, CURLOPT_READDATA, u);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)u->len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
    u->curl_rc = (int)curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &u->status);
    g_string_free(b, TRUE);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    g_atomic_int_set(&u->finished, 1);
    return NULL;
}

/* Names of the files under DIR/media (recursively), "aa/name" (g_ptr_array_unref). */
static void list_media(const char *dir, const char *rel, GPtrArray *out)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    if (!d)
        return;
    while ((name = g_dir_read_name(d))) {
        char *path = g_build_filename(dir, name, NULL);
        char *r = rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
        if (g_file_test(path, G_FILE_TEST_IS_DIR))
            list_media(path, r, out);
        else
            g_ptr_array_add(out, g_strdup(r));
        g_free(r);
        g_free(path);
    }
    g_dir_close(d);
}

static GPtrArray *media_files(fx *f)
{
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    char *dir = g_build_filename(td_dir(f->t), "media", NULL);
    list_media(dir, NULL, files);
    g_free(dir);
    return files;
}

/* A temp file of the ingest itself (decoded PCM or Opus being written), not the upload's. */
static bool ingesting(fx *f)
{
    GPtrArray *files = media_files(f);
    bool found = false;
    for (size_t i = 0; i < files->len; i++) {
        const char *base = strrchr(files->pdata[i], '/');
        base = base ? base + 1 : files->pdata[i];
        found = found ||
                (g_str_has_prefix(base, ".ingest-") && !g_str_has_prefix(base, ".ingest-upload-"));
    }
    g_ptr_array_unref(files);
    return found;
}

static bool receiving(fx *f)
{
    GPtrArray *files = media_files(f);
    bool found = false;
    for (size_t i = 0; i < files->len; i++)
        found = found || strstr(files->pdata[i], ".ingest-upload-") != NULL;
    g_ptr_array_unref(files);
    return found;
}

/* Waits for cond; false when it never came (the caller stops the upload before failing: the
 * upload thread uses the caller's stack). */
static bool wait_for(fx *f, bool (*cond)(fx *), upload *u)
{
    gint64 give_up = g_get_monotonic_time() + GIVE_UP;
    while (!cond(f)) {
        if (g_get_monotonic_time() > give_up || g_atomic_int_get(&u->finished))
            return false;
        g_usleep(2000);
    }
    return true;
}

static void assert_nothing_left(fx *f, const char *when)
{
    assert_int_equal(count_rows(f, "SELECT count(*) FROM pieces"), 0);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM media"), 0);
    GPtrArray *files = media_files(f);
    for (size_t i = 0; i < files->len; i++)
        print_error("%s: left in media: %s\n", when, (char *)files->pdata[i]);
    assert_int_equal(files->len, 0);
    g_ptr_array_unref(files);
    long st = 0;
    json_t *j = ac_call(f->tech, "GET", "/api/v1/pieces", NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 0);
    json_decref(j);
}

/* What the crash left before the restart sweeps it: the test would prove nothing otherwise. */
static void assert_leftovers(fx *f)
{
    GPtrArray *files = media_files(f);
    assert_true(files->len > 0);
    g_ptr_array_unref(files);
}

static void start_upload(fx *f, upload *u, int seconds)
{
    char *path = wav(f, seconds);
    memset(u, 0, sizeof *u);
    assert_true(g_file_get_contents(path, &u->data, &u->len, NULL));
    g_free(path);
    u->url = g_strconcat(td_url(f->t), UPLOAD_PATH, NULL);
    u->headers = upload_headers(f);
    g_mutex_init(&u->lock);
    g_cond_init(&u->cond);
}

/* Stops the upload (the daemon is dead by now) and frees it; false when it was answered. */
static bool end_upload(upload *u, GThread *th)
{
    g_mutex_lock(&u->lock);
    u->killed = true;
    g_cond_broadcast(&u->cond);
    g_mutex_unlock(&u->lock);
    g_thread_join(th);
    g_mutex_clear(&u->lock);
    g_cond_clear(&u->cond);
    g_strfreev(u->headers);
    g_free(u->url);
    g_free(u->data);
    return u->status < 200; /* curl reports the interim 100 Continue, if any */
}

static bool stalled_mid_body(fx *f)
{
    g_mutex_lock(&f->up->lock);
    bool stalled = f->up->stalled;
    g_mutex_unlock(&f->up->lock);
    return stalled && receiving(f);
}

/* A stored Opus file (DIR/media/<aa>/<sha256>.opus) has appeared: the ingest is done and the
 * media row and piece are being committed. */
static bool stored_opus(fx *f)
{
    GPtrArray *files = media_files(f);
    bool found = false;
    for (size_t i = 0; i < files->len; i++)
        found = found || (g_str_has_suffix(files->pdata[i], ".opus") &&
                          !strstr(files->pdata[i], ".ingest-"));
    g_ptr_array_unref(files);
    return found;
}

/* Uploads a WAV of `seconds` (stalling at half the body when asked), kills the daemon once
 * `moment` holds, checks the crash left something to sweep, restarts. */
static void kill_upload(fx *f, int seconds, bool stall, bool (*moment)(fx *), const char *what)
{
    upload u;
    start_upload(f, &u, seconds);
    u.stall_at = stall ? u.len / 2 : 0;
    f->up = &u;
    GThread *th = g_thread_new("upload", upload_thread, &u);
    bool seen = wait_for(f, moment, &u);
    td_kill(f->t);
    bool unanswered = end_upload(&u, th);
    f->up = NULL;
    if (!seen)
        fail_msg("%s: never got there (upload answered %ld, curl %d)", what, u.status, u.curl_rc);
    assert_true(unanswered); /* the daemon died before it could answer */
    if (moment != stored_opus)
        assert_leftovers(f);
    if (!stall && moment == ingesting)
        assert_int_equal(u.sent, u.len); /* the body was all there: this was the ingest */
    td_restart(f->t);
    ac_free(f->tech); /* a fresh session, whatever the restart kept */
    f->tech = ac_login(f->t, "ktv", AC_PASSWORD);
}

static void test_upload_killed_mid_body(void **state)
{
    fx *f = *state;
    kill_upload(f, 600, true, stalled_mid_body, "mid-body");
    assert_nothing_left(f, "mid-body");
}

static void test_upload_killed_mid_ingest(void **state)
{
    fx *f = *state;
    kill_upload(f, 600, false, ingesting, "mid-ingest");
    assert_nothing_left(f, "mid-ingest");
}

/* Killed as the Opus file lands: either the upload happened entirely (one piece, its media
 * row, its file and nothing else) or not at all (nothing left). */
static void test_upload_killed_at_commit(void **state)
{
    fx *f = *state;
    kill_upload(f, 60, false, stored_opus, "at commit");
    if (count_rows(f, "SELECT count(*) FROM pieces") == 0) {
        print_message("killed before the commit: nothing kept\n");
        assert_nothing_left(f, "at commit");
        return;
    }
    print_message("killed after the commit: the piece kept\n");
    assert_int_equal(count_rows(f, "SELECT count(*) FROM media"), 1);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM pieces p JOIN media m "
                                   "ON m.sha256 = p.media_sha256"),
                     1);
    GPtrArray *files = media_files(f);
    assert_int_equal(files->len, 1);
    assert_true(g_str_has_suffix(files->pdata[0], ".opus"));
    g_ptr_array_unref(files);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plays_survive_kill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_killed_mid_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_killed_mid_ingest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_killed_at_commit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
