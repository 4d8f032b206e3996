/* End to end: a real loalangd on loopback and a real loalang-player process (WAV output), no
 * mocks. An emergency issued by a technician reaches the player by long-poll, its media is
 * fetched and verified, it plays (the WAV holds the speech), and exactly one `completed`
 * report reaches the daemon; a second emergency is stopped while it plays (`partial`); the
 * player is killed with SIGKILL while a third plays and restarted: the airing is reported
 * `partial` once and never played again; a cached file damaged while the player was stopped is
 * fetched again at the restart and plays whole. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "api_client.h"
#include "daemon.h"
#include "player_test.h"
#include "vtime.h"
#include "wallclock.h"

typedef struct fx {
    td *t;
    char listen[32];
    ac *tech, *approver, *admin;
    char *dir, *token_file, *piece, *sha;
    int64_t piece_ms;
    GPid player;
} fx;

static char *today(void)
{
    vtime_local l;
    vtime_utc_to_local(vtime_zone(), wallclock_now_ms(), &l);
    return g_strdup_printf("%04d-%02d-%02d", l.year, l.month, l.day);
}

static void make_piece(fx *f)
{
    char *wav = g_strdup_printf("%s/tin.wav", f->dir);
    char *cmd = g_strdup_printf("espeak-ng -v vi -w '%s' 'Thông báo khẩn của Ủy ban nhân dân "
                                "xã: nước sông đang lên nhanh, bà con không qua ngầm tràn.'",
                                wav);
    assert_int_equal(system(cmd), 0);
    g_free(cmd);
    gchar *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(wav, &data, &len, NULL));
    char *cookie = g_strdup_printf("Cookie: %s", ac_cookie(f->tech));
    char *csrf = g_strdup_printf("X-CSRF-Token: %s", ac_csrf(f->tech));
    const char *h[] = {cookie, csrf, "Content-Type: audio/wav", NULL};
    long st = 0;
    char *out = NULL;
    assert_int_equal(td_request(f->t, "POST", "/api/v1/pieces?title=Tin%20kh%E1%BA%A9n&genre=news",
                                h, data, len, &st, &out, NULL),
                     0);
    assert_int_equal(st, 201);
    json_t *p = json_loads(out, 0, NULL);
    f->piece = g_strdup(json_string_value(json_object_get(p, "id")));
    f->sha = g_strdup(json_string_value(json_object_get(json_object_get(p, "media"), "sha256")));
    f->piece_ms = json_integer_value(json_object_get(p, "duration_ms"));
    json_decref(p);
    assert_true(f->piece_ms > 2000);
    char *path = g_strdup_printf("/api/v1/pieces/%s/submit", f->piece);
    json_decref(ac_call(f->tech, "POST", path, NULL, &st));
    assert_int_equal(st, 200);
    g_free(path);
    path = g_strdup_printf("/api/v1/pieces/%s/approve", f->piece);
    json_decref(ac_call(f->approver, "POST", path, NULL, &st));
    assert_int_equal(st, 200);
    g_free(path);
    g_free(out);
    g_free(cookie);
    g_free(csrf);
    g_free(data);
    g_free(wav);
}

/* In the child: stderr (the player's log) also goes to DIR/player.log, for the tests to read. */
static void log_to_file(gpointer dir)
{
    char path[512];
    g_snprintf(path, sizeof path, "%s/player.log", (const char *)dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2(fd, 2);
        close(fd);
    }
}

static void start_player(fx *f)
{
    char *state = g_strdup_printf("%s/state", f->dir), *cache = g_strdup_printf("%s/cache", f->dir);
    char *out = g_strdup_printf("file:%s/out.wav", f->dir);
    char *argv[] = {LOALANG_PLAYER_PATH,
                    "--server",
                    (char *)td_url(f->t),
                    "--token-file",
                    f->token_file,
                    "--state-dir",
                    state,
                    "--cache-dir",
                    cache,
                    "--output",
                    out,
                    "--poll-seconds",
                    "2",
                    NULL};
    assert_true(g_spawn_async(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, log_to_file, f->dir,
                              &f->player, NULL));
    g_free(state);
    g_free(cache);
    g_free(out);
}

static int stop_player(fx *f, int sig)
{
    kill(f->player, sig);
    int status = 0;
    waitpid(f->player, &status, 0);
    g_spawn_close_pid(f->player);
    f->player = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static int setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->dir = g_dir_make_tmp("player-e2e-XXXXXX", NULL);
    td_free_listen(f->listen, sizeof f->listen);
    const char *args[] = {"--listen", f->listen, NULL};
    f->t = td_start(args);
    assert_non_null(strstr(td_url(f->t), f->listen));
    char *err = NULL;
    assert_int_equal(td_admin(f->t, NULL, NULL, &err, "commune", "add", "Bằng Lãng", NULL), 0);
    g_free(err);
    char *token = ac_add_box(f->t, "Nà Pài", "Bằng Lãng");
    f->token_file = g_strdup_printf("%s/token", f->dir);
    assert_true(g_file_set_contents(f->token_file, token, -1, NULL));
    g_free(token);
    f->admin = ac_user(f->t, "admin", "admin", NULL);
    f->tech = ac_user(f->t, "ktv", "technician", NULL);
    f->approver = ac_user(f->t, "noivu", "approver", NULL);
    make_piece(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f->player)
        stop_player(f, SIGKILL);
    ac_free(f->admin);
    ac_free(f->tech);
    ac_free(f->approver);
    assert_int_equal(td_stop(f->t), 0);
    td_free(f->t);
    char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    g_free(cmd);
    g_free(f->dir);
    g_free(f->token_file);
    g_free(f->piece);
    g_free(f->sha);
    g_free(f);
    return 0;
}

/* ---- what the daemon knows ---- */

static bool box_online(fx *f)
{
    long st = 0;
    json_t *r = ac_call(f->admin, "GET", "/api/v1/boxes/status", NULL, &st);
    bool on =
        st == 200 &&
        json_is_true(json_object_get(json_array_get(json_object_get(r, "boxes"), 0), "online"));
    json_decref(r);
    return on;
}

/* The plays the daemon holds for airing id (a new reference, or NULL when it has none). */
static json_t *plays_of(fx *f, const char *id)
{
    long st = 0;
    char *d = today();
    char *path = g_strdup_printf("/api/v1/airings?from=%s&plays=1", d);
    json_t *r = ac_call(f->admin, "GET", path, NULL, &st);
    g_free(path);
    g_free(d);
    json_t *found = NULL;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(r, "airings"), i, a)
    {
        if (strcmp(json_string_value(json_object_get(a, "id")), id) == 0)
            found = json_incref(json_object_get(a, "plays"));
    }
    json_decref(r);
    return found;
}

static bool wait_plays(fx *f, const char *id, size_t n, int timeout_s)
{
    for (int i = 0; i < timeout_s * 5; i++) {
        json_t *p = plays_of(f, id);
        size_t k = json_array_size(p);
        json_decref(p);
        if (k >= n)
            return true;
        g_usleep(200000);
    }
    return false;
}

/* A stopped emergency is withdrawn, and the API lists only what stands: read the daemon's
 * database (read-only) for its reports. The outcomes, one per line (g_free). */
static char *db_outcomes(fx *f, const char *id)
{
    char *cmd = g_strdup_printf("sqlite3 -readonly '%s/loalang.db' "
                                "\"SELECT outcome FROM plays WHERE airing_id = '%s'\"",
                                td_dir(f->t), id);
    char *out = NULL;
    assert_true(g_spawn_command_line_sync(cmd, &out, NULL, NULL, NULL));
    g_free(cmd);
    return out;
}

static char *wait_db_outcomes(fx *f, const char *id, int timeout_s)
{
    for (int i = 0; i < timeout_s * 5; i++) {
        char *o = db_outcomes(f, id);
        if (o[0])
            return o;
        g_free(o);
        g_usleep(200000);
    }
    return db_outcomes(f, id);
}

static char *emergency(fx *f)
{
    long st = 0;
    json_t *body = json_pack("{ss s{ss}}", "piece", f->piece, "targets", "kind", "all");
    json_t *r = ac_call(f->tech, "POST", "/api/v1/emergency", body, &st);
    assert_int_equal(st, 201);
    json_decref(body);
    const char *id = json_string_value(json_object_get(r, "id"));
    if (id == NULL)
        id = json_string_value(json_object_get(json_object_get(r, "airing"), "id"));
    assert_non_null(id);
    char *out = g_strdup(id);
    json_decref(r);
    return out;
}

static char *wav_of(fx *f, const char *airing)
{
    return g_strdup_printf("%s/out-%s.wav", f->dir, airing);
}

static const char *outcome(json_t *plays, size_t i)
{
    return json_string_value(json_object_get(json_array_get(plays, i), "outcome"));
}

static void wait_online(fx *f)
{
    for (int i = 0; i < 100 && !box_online(f); i++)
        g_usleep(100000);
    assert_true(box_online(f));
    g_usleep(1500000); /* the events long-poll is held by now */
}

static void emergency_plays_and_is_reported_once(void **state)
{
    fx *f = *state;
    start_player(f);
    wait_online(f);
    char *id = emergency(f);
    assert_true(wait_plays(f, id, 1, 60));
    g_usleep(3000000); /* a second report would have come by now */
    json_t *p = plays_of(f, id);
    assert_int_equal(json_array_size(p), 1);
    assert_string_equal(outcome(p, 0), "completed");
    json_decref(p);
    /* The WAV holds the piece: its length and not silence. */
    char *wav = wav_of(f, id), *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(wav, &data, &len, NULL));
    char *d = memmem(data, len, "data", 4);
    assert_non_null(d);
    uint32_t n = 0, rate_bytes = 0;
    memcpy(&n, d + 4, 4);
    memcpy(&rate_bytes, data + 28, 4);
    int64_t ms = (int64_t)n * 1000 / rate_bytes;
    printf("# WAV %" G_GINT64_FORMAT " ms for a %" G_GINT64_FORMAT " ms piece\n", ms, f->piece_ms);
    assert_true(ms > f->piece_ms * 9 / 10 && ms < f->piece_ms * 11 / 10 + 200);
    double sum = 0;
    const int16_t *s = (const int16_t *)(d + 8);
    for (uint32_t i = 0; i < n / 2; i++)
        sum += (double)s[i] * s[i];
    assert_true(sum / (n / 2) > 100.0 * 100.0);
    g_free(data);
    g_free(wav);
    /* The media is in the cache under its name, verified. */
    char *cached = g_strdup_printf("%s/cache/%s.opus", f->dir, f->sha);
    char hex[HASH_SHA256_HEX_LEN + 1];
    assert_int_equal(hash_sha256_file(cached, hex), 0);
    assert_string_equal(hex, f->sha);
    g_free(cached);
    assert_int_equal(stop_player(f, SIGTERM), 0);
    g_free(id);
}

static bool wav_growing(fx *f, const char *id)
{
    char *wav = wav_of(f, id);
    GStatBuf st;
    bool ok = g_stat(wav, &st) == 0 && st.st_size > 8000;
    g_free(wav);
    return ok;
}

static void wait_playing(fx *f, const char *id)
{
    for (int i = 0; i < 300 && !wav_growing(f, id); i++)
        g_usleep(100000);
    assert_true(wav_growing(f, id));
}

static void stop_cuts_the_emergency(void **state)
{
    fx *f = *state;
    start_player(f);
    wait_online(f);
    char *id = emergency(f);
    wait_playing(f, id);
    long st = 0;
    char *path = g_strdup_printf("/api/v1/emergency/%s/stop", id);
    json_decref(ac_call(f->tech, "POST", path, NULL, &st));
    assert_int_equal(st, 200);
    g_free(path);
    char *o = wait_db_outcomes(f, id, 30);
    g_usleep(2000000);
    g_free(o);
    o = db_outcomes(f, id);
    assert_string_equal(o, "partial\n"); /* one report, cut short */
    g_free(o);
    assert_int_equal(stop_player(f, SIGTERM), 0);
    g_free(id);
}

static void kill_9_while_playing_never_replays(void **state)
{
    fx *f = *state;
    start_player(f);
    wait_online(f);
    char *id = emergency(f);
    wait_playing(f, id);
    assert_int_equal(stop_player(f, SIGKILL), -SIGKILL);
    char *wav = wav_of(f, id);
    g_unlink(wav); /* whatever plays after the restart would write it again */
    start_player(f);
    assert_true(wait_plays(f, id, 1, 30));
    g_usleep(3000000);
    json_t *p = plays_of(f, id);
    assert_int_equal(json_array_size(p), 1);
    assert_string_equal(outcome(p, 0), "partial");
    json_decref(p);
    assert_false(g_file_test(wav, G_FILE_TEST_EXISTS)); /* not played a second time */
    assert_int_equal(stop_player(f, SIGTERM), 0);
    g_free(wav);
    g_free(id);
}

static char *month_of(int64_t ms)
{
    GTimeZone *tz = g_time_zone_new_identifier("Asia/Ho_Chi_Minh");
    GDateTime *d = g_date_time_new_from_unix_utc(ms / 1000), *l = g_date_time_to_timezone(d, tz);
    char *m = g_date_time_format(l, "%Y-%m");
    g_date_time_unref(l);
    g_date_time_unref(d);
    g_time_zone_unref(tz);
    return m;
}

/* A one-off airing of the piece at start_ms, added to its month's plan; returns its id. */
static char *add_airing(fx *f, int64_t start_ms)
{
    char start[VTIME_RFC3339_MAX];
    GTimeZone *tz = g_time_zone_new_identifier("Asia/Ho_Chi_Minh");
    assert_int_equal(vtime_format_rfc3339(start_ms, tz, start), 0);
    g_time_zone_unref(tz);
    char *month = month_of(start_ms), *path = g_strdup_printf("/api/v1/plans/%s/airings", month);
    json_t *body =
        json_pack("{ss ss s{ss}}", "piece", f->piece, "start", start, "targets", "kind", "all");
    long st = 0;
    json_t *r = ac_call(f->tech, "POST", path, body, &st);
    if (st != 201)
        fail_msg("add airing: %ld %s", st, json_dumps(r, 0));
    const char *id = json_string_value(json_object_get(r, "id"));
    if (id == NULL)
        id = json_string_value(json_object_get(json_object_get(r, "airing"), "id"));
    assert_non_null(id);
    char *out = g_strdup(id);
    json_decref(r);
    json_decref(body);
    g_free(path);
    g_free(month);
    return out;
}

static void publish(fx *f, int64_t ms)
{
    char *month = month_of(ms), *path = g_strdup_printf("/api/v1/plans/%s/publish", month);
    long st = 0;
    json_t *r = ac_call(f->tech, "POST", path, NULL, &st);
    if (st != 200)
        fail_msg("publish: %ld %s", st, json_dumps(r, 0));
    json_decref(r);
    g_free(path);
    g_free(month);
}

static void sleep_until(int64_t ms)
{
    while (pt_now_ms() < ms)
        g_usleep(100000);
}

static bool cached(fx *f)
{
    char *path = g_strdup_printf("%s/cache/%s.opus", f->dir, f->sha);
    bool ok = g_file_test(path, G_FILE_TEST_EXISTS);
    g_free(path);
    return ok;
}

/* Scheduled airings play from the cache with the daemon down, across a player restart with no
 * network (the stored manifest), and every report arrives once the daemon is back. */
static void offline_plays_from_cache_and_reports_later(void **state)
{
    fx *f = *state;
    int64_t t0 = pt_now_ms() + 20000;
    char *a = add_airing(f, t0);
    char *b = add_airing(f, t0 + f->piece_ms); /* back to back */
    int64_t tc = t0 + 2 * f->piece_ms + 12000;
    char *c = add_airing(f, tc);
    publish(f, t0);
    char *m0 = month_of(t0), *mc = month_of(tc);
    if (strcmp(m0, mc) != 0) /* the month ended in between */
        publish(f, tc);
    g_free(m0);
    g_free(mc);
    start_player(f);
    for (int i = 0; i < 150 && !cached(f); i++)
        g_usleep(100000);
    assert_true(cached(f));
    g_usleep(1000000);                  /* the manifest is stored by now */
    assert_int_equal(td_stop(f->t), 0); /* the network is gone */
    sleep_until(t0 + 2 * f->piece_ms + 2000);
    assert_int_equal(stop_player(f, SIGTERM), 0); /* a reboot, still offline */
    start_player(f);
    sleep_until(tc + f->piece_ms + 2000);
    td_restart(f->t);
    const char *ids[] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        assert_true(wait_plays(f, ids[i], 1, 60));
        char *wav = wav_of(f, ids[i]);
        assert_true(g_file_test(wav, G_FILE_TEST_EXISTS));
        g_free(wav);
    }
    g_usleep(2000000);
    for (int i = 0; i < 3; i++) {
        json_t *p = plays_of(f, ids[i]);
        assert_int_equal(json_array_size(p), 1);
        assert_string_equal(outcome(p, 0), "completed");
        json_decref(p);
    }
    assert_int_equal(stop_player(f, SIGTERM), 0);
    g_free(a);
    g_free(b);
    g_free(c);
}

/* The daemon's copy of the media, as it serves it. */
static char *served_path(fx *f)
{
    return g_strdup_printf("%s/media/%.2s/%s.opus", td_dir(f->t), f->sha, f->sha);
}

static void flip_byte(const char *path, size_t at)
{
    gchar *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    assert_true(at < len);
    data[at] ^= 0x5a;
    assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
    g_free(data);
}

static bool log_has(fx *f, const char *text)
{
    char *path = g_strdup_printf("%s/player.log", f->dir), *log = NULL;
    bool has = g_file_get_contents(path, &log, NULL, NULL) && strstr(log, text);
    g_free(log);
    g_free(path);
    return has;
}

/* The daemon serves wrong bytes (a damaged disk): the player refuses them, never puts them in
 * its cache, fetches again, and plays the right file once the server has it back. */
static void wrong_bytes_refused_never_played(void **state)
{
    fx *f = *state;
    char *served = served_path(f);
    flip_byte(served, 4000);
    int64_t t0 = pt_now_ms() + 25000;
    char *a = add_airing(f, t0);
    publish(f, t0);
    start_player(f);
    for (int i = 0; i < 200 && !log_has(f, "wrong sha256"); i++)
        g_usleep(100000);
    assert_true(log_has(f, "wrong sha256"));
    assert_false(cached(f)); /* refused: nothing playable in the player_cache */
    flip_byte(served, 4000); /* repaired */
    for (int i = 0; i < 300 && !cached(f); i++)
        g_usleep(100000);
    assert_true(cached(f));
    char *path = g_strdup_printf("%s/cache/%s.opus", f->dir, f->sha);
    char hex[HASH_SHA256_HEX_LEN + 1];
    assert_int_equal(hash_sha256_file(path, hex), 0);
    assert_string_equal(hex, f->sha);
    sleep_until(t0 + f->piece_ms + 1000);
    assert_true(wait_plays(f, a, 1, 30));
    json_t *p = plays_of(f, a);
    assert_int_equal(json_array_size(p), 1);
    assert_string_equal(outcome(p, 0), "completed");
    json_decref(p);
    assert_int_equal(stop_player(f, SIGTERM), 0);
    g_free(path);
    g_free(served);
    g_free(a);
}

/* Reads the WAV the player wrote for an airing: its length in ms. */
static int64_t wav_ms(fx *f, const char *airing)
{
    char *wav = wav_of(f, airing), *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(wav, &data, &len, NULL));
    char *d = memmem(data, len, "data", 4);
    assert_non_null(d);
    uint32_t n = 0, rate_bytes = 0;
    memcpy(&n, d + 4, 4);
    memcpy(&rate_bytes, data + 28, 4);
    g_free(data);
    g_free(wav);
    return (int64_t)n * 1000 / rate_bytes;
}

/* The finding of issue 11 (15): 32 bytes flipped in three places of a cached file while the
 * player was stopped (same size, inode and mtime). At the restart the file is hashed before it
 * plays, found damaged, deleted (a log line says so), fetched again from the daemon, and the
 * airing plays the whole piece: one `completed` report and a WAV of the piece's length. */
static void damaged_cache_fetched_again_at_restart(void **state)
{
    fx *f = *state;
    int64_t t0 = pt_now_ms() + 30000;
    char *a = add_airing(f, t0);
    publish(f, t0);
    start_player(f);
    for (int i = 0; i < 150 && !cached(f); i++)
        g_usleep(100000);
    assert_true(cached(f));
    g_usleep(1000000); /* the manifest is stored by now */
    assert_int_equal(stop_player(f, SIGTERM), 0);
    char *path = g_strdup_printf("%s/cache/%s.opus", f->dir, f->sha);
    const int at[] = {300, 550, 800};
    pt_damage(path, at, G_N_ELEMENTS(at));
    start_player(f);
    sleep_until(t0 + f->piece_ms + 1000);
    assert_true(wait_plays(f, a, 1, 30));
    g_usleep(2000000);
    json_t *p = plays_of(f, a);
    assert_int_equal(json_array_size(p), 1);
    int64_t ms = wav_ms(f, a);
    printf("# after the damage: %s, played_ms %" G_GINT64_FORMAT ", WAV %" G_GINT64_FORMAT
           " ms for a %" G_GINT64_FORMAT " ms piece\n",
           outcome(p, 0),
           (int64_t)json_integer_value(json_object_get(json_array_get(p, 0), "played_ms")), ms,
           f->piece_ms);
    assert_string_equal(outcome(p, 0), "completed");
    json_decref(p);
    assert_true(ms > f->piece_ms * 9 / 10 && ms < f->piece_ms * 11 / 10 + 200);
    assert_true(log_has(f, "damaged"));
    char hex[HASH_SHA256_HEX_LEN + 1];
    assert_int_equal(hash_sha256_file(path, hex), 0);
    assert_string_equal(hex, f->sha);
    assert_int_equal(stop_player(f, SIGTERM), 0);
    g_free(path);
    g_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(emergency_plays_and_is_reported_once, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_cuts_the_emergency, setup, teardown),
        cmocka_unit_test_setup_teardown(kill_9_while_playing_never_replays, setup, teardown),
        cmocka_unit_test_setup_teardown(offline_plays_from_cache_and_reports_later, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(wrong_bytes_refused_never_played, setup, teardown),
        cmocka_unit_test_setup_teardown(damaged_cache_fetched_again_at_restart, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
