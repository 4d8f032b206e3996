/* playout: real GStreamer pipelines (fakesink sync=true, WAV files) playing real Opus speech at
 * instants a couple of seconds ahead; checks order, outcomes, the report of every airing, the
 * WAV's length and that it is not silence. Timings are printed, never asserted. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cache.h"
#include "ids.h"
#include "player_test.h"
#include "playout.h"
#include "queue.h"

typedef struct rec {
    char airing[PROTO_ID_MAX + 1];
    proto_outcome outcome;
    int64_t scheduled, started, played, first_ns;
    char detail[256];
} rec;

typedef struct speech {
    char sha[HASH_SHA256_HEX_LEN + 1];
    int64_t ms;
} speech;

static char *g_media_dir;
static speech s_short, s_other, s_long;
/* s_long with three runs of 32 bytes flipped: three Ogg pages fail their CRC and about 1.5 s
 * of the speech is gone, but the timestamps after each hole go on; named by its own sha256, so
 * the cache finds it sound. */
static speech s_holed;
static const int holes[] = {250, 500, 750};

typedef struct fx {
    char *dir, *cache_dir;
    uv_loop_t loop;
    player_queue *q;
    player_cache *c;
    player_playout *p;
    rec recs[32];
    size_t n;
} fx;

static void on_report(const proto_play *p, int64_t first_ns, void *data)
{
    fx *f = data;
    assert_true(f->n < G_N_ELEMENTS(f->recs));
    rec *r = &f->recs[f->n++];
    g_strlcpy(r->airing, p->airing, sizeof r->airing);
    g_strlcpy(r->detail, p->detail, sizeof r->detail);
    r->outcome = p->outcome;
    r->scheduled = p->scheduled_start_ms;
    r->started = p->started_at_ms;
    r->played = p->played_ms;
    r->first_ns = first_ns;
    if (first_ns)
        printf("# %s: first buffer %+.3f ms from its instant\n", p->airing,
               (double)(first_ns - p->started_at_ms * 1000000) / 1e6);
}

static int group_setup(void **state)
{
    (void)state;
    ids_init();
    g_media_dir = g_dir_make_tmp("playout-media-XXXXXX", NULL);
    pt_make_speech(g_media_dir, "short", "Xin chào bà con thôn Nà Pài.", s_short.sha, &s_short.ms);
    pt_make_speech(g_media_dir, "other", "Bản tin sáng của xã Bằng Lãng.", s_other.sha,
                   &s_other.ms);
    pt_make_speech(
        g_media_dir, "long",
        "Thông báo khẩn cấp. Bão số ba sắp đổ bộ. Bà con chằng chống nhà cửa, "
        "không ra khơi, theo dõi tin tức trên loa truyền thanh của xã. Ban chỉ huy phòng "
        "chống thiên tai xã trực hai mươi bốn trên hai mươi bốn giờ.",
        s_long.sha, &s_long.ms);
    char *src = g_strdup_printf("%s/long.opus", g_media_dir);
    char *dst = g_strdup_printf("%s/holed.opus", g_media_dir);
    char *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(src, &data, &len, NULL));
    assert_true(g_file_set_contents(dst, data, (gssize)len, NULL));
    pt_damage(dst, holes, G_N_ELEMENTS(holes));
    assert_int_equal(hash_sha256_file(dst, s_holed.sha), 0);
    s_holed.ms = s_long.ms; /* the piece's length as the manifest gives it */
    g_free(data);
    g_free(src);
    g_free(dst);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char *cmd = g_strdup_printf("rm -rf '%s'", g_media_dir);
    assert_int_equal(system(cmd), 0);
    g_free(cmd);
    g_free(g_media_dir);
    return 0;
}

static void install(fx *f, const char *name, const speech *s)
{
    char *src = g_strdup_printf("%s/%s.opus", g_media_dir, name);
    pt_install(src, f->cache_dir, s->sha);
    g_free(src);
}

static fx *fx_open(player_output out, const char *wav)
{
    fx *f = g_new0(fx, 1);
    f->dir = g_dir_make_tmp("playout-XXXXXX", NULL);
    f->cache_dir = g_strdup_printf("%s/cache", f->dir);
    g_mkdir_with_parents(f->cache_dir, 0750);
    install(f, "short", &s_short);
    install(f, "other", &s_other);
    install(f, "long", &s_long);
    install(f, "holed", &s_holed);
    uv_loop_init(&f->loop);
    char *db = g_strdup_printf("%s/queue.db", f->dir);
    assert_int_equal(queue_open(db, &f->q), 0);
    g_free(db);
    assert_int_equal(cache_open(&f->loop, NULL, f->cache_dir, 0, &f->c), 0);
    char *wav_path = wav ? g_strdup_printf("%s/%s", f->dir, wav) : NULL;
    playout_opts o = {.output = out, .output_path = wav_path, .volume = -1};
    assert_int_equal(playout_new(&f->loop, &o, f->q, f->c, &f->p), 0);
    g_free(wav_path);
    playout_set_callbacks(f->p, on_report, NULL, f);
    return f;
}

static void fx_close(fx *f)
{
    playout_free(f->p);
    cache_free(f->c);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    queue_close(f->q);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    g_free(cmd);
    g_free(f->cache_dir);
    g_free(f->dir);
    g_free(f);
}

static void airing(proto_airing *a, const char *id, int64_t start, const speech *s,
                   proto_priority pr)
{
    memset(a, 0, sizeof *a);
    a->id = (char *)id;
    a->start_ms = start;
    a->duration_ms = s->ms;
    a->priority = pr;
    a->title = (char *)"Tin bài";
    a->genre = (char *)"news";
    g_strlcpy(a->media, s->sha, sizeof a->media);
}

/* A manifest over borrowed airings (nothing in it is freed). */
static proto_manifest manifest(proto_airing *a, size_t n, proto_media *media, size_t n_media)
{
    proto_manifest m = {.poll_seconds = 60, .volume = 80};
    m.airings = a;
    m.n_airings = n;
    m.media = media;
    m.n_media = n_media;
    return m;
}

static bool all_reported(void *data)
{
    fx *f = data;
    return playout_pending(f->p) == 0;
}

static const rec *find_rec(const fx *f, const char *airing)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->recs[i].airing, airing) == 0)
            return &f->recs[i];
    }
    return NULL;
}

/* ---- tests ---- */

static void timeline_priority_first(void **state)
{
    (void)state;
    proto_airing a[5];
    speech s10 = {.ms = 10000};
    airing(&a[0], "n1", 100000, &s10, PROTO_PRIORITY_NORMAL);
    airing(&a[1], "n2", 110000, &s10, PROTO_PRIORITY_NORMAL);
    airing(&a[2], "p1", 120000, &s10, PROTO_PRIORITY_PRIORITY);
    airing(&a[3], "later", 500000, &s10, PROTO_PRIORITY_NORMAL); /* its own slot */
    airing(&a[4], "gap", 510500, &s10, PROTO_PRIORITY_NORMAL);   /* 0.5 s gap: same slot */
    size_t order[5];
    int64_t at[5];
    playout_timeline(a, 5, order, at);
    assert_string_equal(a[order[0]].id, "p1");
    assert_int_equal(at[0], 100000);
    assert_string_equal(a[order[1]].id, "n1");
    assert_int_equal(at[1], 110000);
    assert_string_equal(a[order[2]].id, "n2");
    assert_int_equal(at[2], 120000);
    /* A slot that needs no reordering keeps the daemon's instants, gap included. */
    assert_string_equal(a[order[3]].id, "later");
    assert_int_equal(at[3], 500000);
    assert_int_equal(at[4], 510500);
}

static void back_to_back_on_time(void **state)
{
    (void)state;
    fx *f = fx_open(PLAYER_OUTPUT_FAKE, NULL);
    int64_t t0 = pt_now_ms() + 2000;
    proto_airing a[2];
    airing(&a[0], "a-first", t0, &s_short, PROTO_PRIORITY_NORMAL);
    airing(&a[1], "a-second", t0 + s_short.ms, &s_other, PROTO_PRIORITY_NORMAL);
    proto_manifest m = manifest(a, 2, NULL, 0);
    assert_int_equal(playout_set_manifest(f->p, &m), 0);
    assert_true(pt_run_until(&f->loop, all_reported, f, 30000));
    assert_int_equal(f->n, 2);
    assert_string_equal(f->recs[0].airing, "a-first");
    assert_string_equal(f->recs[1].airing, "a-second");
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(f->recs[i].outcome, PROTO_OUTCOME_COMPLETED);
        assert_int_equal(f->recs[i].started, f->recs[i].scheduled);
        assert_true(f->recs[i].first_ns > 0); /* the sink rendered it */
        assert_true(f->recs[i].played > 0);
    }
    int64_t pending = 0;
    assert_int_equal(queue_pending(f->q, &pending), 0);
    assert_int_equal(pending, 2);
    /* The same manifest again (a restart, a re-poll): nothing plays twice. */
    assert_int_equal(playout_set_manifest(f->p, &m), 0);
    assert_int_equal(playout_pending(f->p), 0);
    fx_close(f);
}

/* Reads a 16-bit PCM WAV written by wavenc; returns the duration and the RMS level. */
static void wav_stats(const char *path, int64_t *ms, double *rms)
{
    char *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    assert_true(len > 44);
    assert_memory_equal(data, "RIFF", 4);
    uint32_t rate, bytes_per_s;
    memcpy(&rate, data + 24, 4);
    memcpy(&bytes_per_s, data + 28, 4);
    char *p = memmem(data, len, "data", 4);
    assert_non_null(p);
    uint32_t n = 0;
    memcpy(&n, p + 4, 4);
    assert_true(n > 0 && p + 8 + n <= data + len);
    const int16_t *s = (const int16_t *)(p + 8);
    double sum = 0;
    for (uint32_t i = 0; i < n / 2; i++)
        sum += (double)s[i] * s[i];
    *rms = sum / (n / 2); /* mean square (no libm in the test link) */
    *ms = (int64_t)n * 1000 / bytes_per_s;
    g_free(data);
}

static void wav_output_has_the_speech(void **state)
{
    (void)state;
    fx *f = fx_open(PLAYER_OUTPUT_FILE, "out.wav");
    proto_airing a;
    airing(&a, "wav-1", pt_now_ms() + 2000, &s_other, PROTO_PRIORITY_NORMAL);
    proto_manifest m = manifest(&a, 1, NULL, 0);
    assert_int_equal(playout_set_manifest(f->p, &m), 0);
    assert_true(pt_run_until(&f->loop, all_reported, f, 30000));
    assert_int_equal(f->n, 1);
    assert_int_equal(f->recs[0].outcome, PROTO_OUTCOME_COMPLETED);
    char *path = g_strdup_printf("%s/out-wav-1.wav", f->dir);
    int64_t ms = 0;
    double rms = 0;
    wav_stats(path, &ms, &rms);
    printf("# WAV: %" PRId64 " ms (speech %" PRId64 " ms), mean square %.0f\n", ms, s_other.ms,
           rms);
    assert_true(ms > s_other.ms * 9 / 10 && ms < s_other.ms * 11 / 10 + 200);
    assert_true(rms > 100.0 * 100.0); /* speech, not silence (RMS above 100) */
    g_free(path);
    fx_close(f);
}

typedef struct emerg_ctx {
    fx *f;
    proto_airing e;
    bool sent;
} emerg_ctx;

static bool first_started_then_emergency(void *data)
{
    emerg_ctx *c = data;
    if (!c->sent && playout_playing(c->f->p) != NULL && pt_now_ms() > c->f->recs[0].scheduled + 0) {
        c->e.start_ms = pt_now_ms();
        assert_int_equal(playout_emergency(c->f->p, &c->e), 0);
        c->sent = true;
    }
    return c->sent && playout_pending(c->f->p) == 0;
}

static void emergency_cuts_then_schedule_resumes(void **state)
{
    (void)state;
    fx *f = fx_open(PLAYER_OUTPUT_FAKE, NULL);
    int64_t t0 = pt_now_ms() + 2000;
    proto_airing a[2];
    airing(&a[0], "cut-me", t0, &s_long, PROTO_PRIORITY_NORMAL);
    /* Well after the emergency: the schedule resumes by the clock. */
    airing(&a[1], "after", t0 + s_long.ms + 4000, &s_other, PROTO_PRIORITY_NORMAL);
    proto_manifest m = manifest(a, 2, NULL, 0);
    assert_int_equal(playout_set_manifest(f->p, &m), 0);
    emerg_ctx c = {.f = f};
    f->recs[0].scheduled = t0 + 1000; /* send the emergency a second into "cut-me" */
    airing(&c.e, "khan-cap", 0, &s_short, PROTO_PRIORITY_EMERGENCY);
    assert_true(pt_run_until(&f->loop, first_started_then_emergency, &c, 40000));
    assert_int_equal(f->n, 3);
    assert_string_equal(f->recs[0].airing, "cut-me");
    assert_int_equal(f->recs[0].outcome, PROTO_OUTCOME_PARTIAL);
    assert_true(f->recs[0].played < s_long.ms);
    assert_string_equal(f->recs[1].airing, "khan-cap");
    assert_int_equal(f->recs[1].outcome, PROTO_OUTCOME_COMPLETED);
    assert_string_equal(f->recs[2].airing, "after");
    assert_int_equal(f->recs[2].outcome, PROTO_OUTCOME_COMPLETED);
    fx_close(f);
}

/* A play cut short to a WAV file still leaves a well-formed WAV: header sizes match what was
 * played (wav_stats checks the data chunk lies within the file). */
static void cut_wav_is_well_formed(void **state)
{
    (void)state;
    fx *f = fx_open(PLAYER_OUTPUT_FILE, "out.wav");
    int64_t t0 = pt_now_ms() + 2000;
    proto_airing a;
    airing(&a, "cut-wav", t0, &s_long, PROTO_PRIORITY_NORMAL);
    proto_manifest m = manifest(&a, 1, NULL, 0);
    assert_int_equal(playout_set_manifest(f->p, &m), 0);
    emerg_ctx c = {.f = f};
    f->recs[0].scheduled = t0 + 1500;
    airing(&c.e, "khan-cap-wav", 0, &s_short, PROTO_PRIORITY_EMERGENCY);
    assert_true(pt_run_until(&f->loop, first_started_then_emergency, &c, 40000));
    const rec *r = find_rec(f, "cut-wav");
    assert_non_null(r);
    assert_int_equal(r->outcome, PROTO_OUTCOME_PARTIAL);
    char *path = g_strdup_printf("%s/out-cut-wav.wav", f->dir);
    int64_t ms = 0;
    double rms = 0;
    wav_stats(path, &ms, &rms);
    printf("# cut WAV: %" PRId64 " ms, reported played %" PRId64 " ms\n", ms, r->played);
    assert_true(ms > 0 && ms < s_long.ms);
    assert_true(ms > r->played - 500 && ms < r->played + 500);
    g_free(path);
    fx_close(f);
}

static void missing_media_missed_next_on_time(void **state)
{
    (void)state;
    fx *f = fx_open(PLAYER_OUTPUT_FAKE, NULL);
    int64_t t0 = pt_now_ms() + 2000;
    speech absent = {.ms = 1500};
    memset(absent.sha, 'a', HASH_SHA256_HEX_LEN);
    proto_airing a[2];
    airing(&a[0], "no-file", t0, &absent, PROTO_PRIORITY_NORMAL);
    airing(&a[1], "next", t0 + absent.ms, &s_short, PROTO_PRIORITY_NORMAL);
    proto_manifest m = manifest(a, 2, NULL, 0);
    assert_int_equal(playout_set_manifest(f->p, &m), 0);
    assert_true(pt_run_until(&f->loop, all_reported, f, 30000));
    assert_int_equal(f->n, 2);
    assert_string_equal(f->recs[0].airing, "no-file");
    assert_int_equal(f->recs[0].outcome, PROTO_OUTCOME_MISSED);
    assert_int_equal(f->recs[0].played, 0);
    const rec *n = find_rec(f, "next");
    assert_non_null(n);
    assert_int_equal(n->outcome, PROTO_OUTCOME_COMPLETED);
    assert_int_equal(n->started, n->scheduled); /* on time, not pushed back */
    fx_close(f);
}

static bool one_reported(void *data)
{
    return ((fx *)data)->n >= 1;
}

static void stop_cancels_emergency(void **state)
{
    (void)state;
    fx *f = fx_open(PLAYER_OUTPUT_FAKE, NULL);
    proto_airing e;
    airing(&e, "storm", pt_now_ms(), &s_long, PROTO_PRIORITY_EMERGENCY);
    assert_int_equal(playout_emergency(f->p, &e), 0);
    /* Known already: a repeated event changes nothing. */
    assert_int_equal(playout_emergency(f->p, &e), 0);
    assert_int_equal(playout_pending(f->p), 1);
    while (playout_playing(f->p) == NULL)
        uv_run(&f->loop, UV_RUN_ONCE);
    assert_int_equal(playout_stop(f->p, "storm"), 0);
    assert_true(pt_run_until(&f->loop, one_reported, f, 10000));
    assert_int_equal(f->recs[0].outcome, PROTO_OUTCOME_PARTIAL);
    assert_int_equal(playout_stop(f->p, "storm"), -ENOENT);
    fx_close(f);
}

static void late_boot_joins_and_restart_never_replays(void **state)
{
    (void)state;
    fx *f = fx_open(PLAYER_OUTPUT_FAKE, NULL);
    /* Booted 2 s into a long airing: it joins late and is reported partial. */
    proto_airing a[2];
    airing(&a[0], "in-progress", pt_now_ms() - 2000, &s_long, PROTO_PRIORITY_NORMAL);
    /* Over before the boot: reported missed. */
    airing(&a[1], "long-gone", pt_now_ms() - 60000, &s_short, PROTO_PRIORITY_NORMAL);
    proto_manifest m = manifest(a, 2, NULL, 0);
    assert_int_equal(playout_set_manifest(f->p, &m), 0);
    assert_true(pt_run_until(&f->loop, all_reported, f, 30000));
    const rec *gone = find_rec(f, "long-gone"), *late = find_rec(f, "in-progress");
    assert_non_null(gone);
    assert_int_equal(gone->outcome, PROTO_OUTCOME_MISSED);
    assert_non_null(late);
    assert_int_equal(late->outcome, PROTO_OUTCOME_PARTIAL);
    assert_true(late->started > late->scheduled);

    /* A power cut while an airing played: the start was recorded, the report was not. */
    queue_started s = {.scheduled_ms = 1000, .started_ms = 1000, .progress_ms = 15000};
    g_strlcpy(s.airing, "cut-by-power", sizeof s.airing);
    ids_uuid4(s.play_id);
    memcpy(s.media, s_short.sha, sizeof s.media);
    assert_int_equal(queue_mark_started(f->q, &s), 0);
    assert_int_equal(playout_recover(f->p), 0);
    queue_airing_state st;
    assert_int_equal(queue_airing_state_get(f->q, "cut-by-power", &st), 0);
    assert_int_equal(st, QUEUE_AIRING_REPORTED);
    proto_airing again;
    airing(&again, "cut-by-power", pt_now_ms() + 1000, &s_short, PROTO_PRIORITY_NORMAL);
    proto_manifest m2 = manifest(&again, 1, NULL, 0);
    assert_int_equal(playout_set_manifest(f->p, &m2), 0);
    assert_int_equal(playout_pending(f->p), 0); /* never played twice */
    fx_close(f);
}

/* A file whose audio has holes (timestamps go on after each): the sink waits through the holes,
 * so the wall clock says the whole piece played. What aired is what reached the sink: about
 * 1.5 s less, reported partial, and the WAV (what left the sink) agrees with played_ms. */
static void hole_in_the_audio_is_reported_partial(void **state)
{
    (void)state;
    fx *f = fx_open(PLAYER_OUTPUT_FILE, "out.wav");
    proto_airing a;
    airing(&a, "holed", pt_now_ms() + 2000, &s_holed, PROTO_PRIORITY_NORMAL);
    proto_manifest m = manifest(&a, 1, NULL, 0);
    assert_int_equal(playout_set_manifest(f->p, &m), 0);
    assert_true(pt_run_until(&f->loop, all_reported, f, 40000));
    assert_int_equal(f->n, 1);
    char *path = g_strdup_printf("%s/out-holed.wav", f->dir);
    int64_t ms = 0;
    double rms = 0;
    wav_stats(path, &ms, &rms);
    printf("# holed piece of %" PRId64 " ms: WAV %" PRId64 " ms, reported %s played %" PRId64
           " ms (%s)\n",
           s_holed.ms, ms, proto_outcome_name(f->recs[0].outcome), f->recs[0].played,
           f->recs[0].detail);
    assert_int_equal(f->recs[0].outcome, PROTO_OUTCOME_PARTIAL);
    assert_true(f->recs[0].played < s_holed.ms - 1000);
    assert_true(f->recs[0].played > ms - 200 && f->recs[0].played < ms + 200);
    g_free(path);
    fx_close(f);
}

/* Damaged in the cache while the box was off (same size, same mtime): verified before it is
 * first played, it is not played at all; with no server to fetch it again, its airing is
 * reported missed, saying why, and the next item plays on time. */
static void damaged_cached_file_is_not_played(void **state)
{
    (void)state;
    fx *f = fx_open(PLAYER_OUTPUT_FAKE, NULL);
    char *cached = g_strdup_printf("%s/%s.opus", f->cache_dir, s_other.sha);
    const int at[] = {500};
    pt_damage(cached, at, 1);
    int64_t t0 = pt_now_ms() + 2000;
    proto_airing a[2];
    airing(&a[0], "damaged", t0, &s_other, PROTO_PRIORITY_NORMAL);
    airing(&a[1], "after-damaged", t0 + s_other.ms, &s_short, PROTO_PRIORITY_NORMAL);
    proto_manifest m = manifest(a, 2, NULL, 0);
    assert_int_equal(playout_set_manifest(f->p, &m), 0);
    assert_true(pt_run_until(&f->loop, all_reported, f, 30000));
    const rec *d = find_rec(f, "damaged"), *n = find_rec(f, "after-damaged");
    assert_non_null(d);
    printf("# damaged: %s, played %" PRId64 " ms (%s)\n", proto_outcome_name(d->outcome), d->played,
           d->detail);
    assert_int_equal(d->outcome, PROTO_OUTCOME_MISSED);
    assert_int_equal(d->played, 0);
    assert_non_null(strstr(d->detail, "hỏng"));
    assert_false(g_file_test(cached, G_FILE_TEST_EXISTS)); /* the damaged copy is gone */
    assert_non_null(n);
    assert_int_equal(n->outcome, PROTO_OUTCOME_COMPLETED);
    assert_int_equal(n->started, n->scheduled);
    g_free(cached);
    fx_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timeline_priority_first),
        cmocka_unit_test(back_to_back_on_time),
        cmocka_unit_test(wav_output_has_the_speech),
        cmocka_unit_test(emergency_cuts_then_schedule_resumes),
        cmocka_unit_test(cut_wav_is_well_formed),
        cmocka_unit_test(missing_media_missed_next_on_time),
        cmocka_unit_test(stop_cancels_emergency),
        cmocka_unit_test(late_boot_joins_and_restart_never_replays),
        cmocka_unit_test(hole_in_the_audio_is_reported_partial),
        cmocka_unit_test(damaged_cached_file_is_not_played),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
