/* bench_playout: how exactly loalang-player starts an airing, and what it costs at rest.
 *
 * 1. Start accuracy: N airings of real Opus speech played by the player's playout module
 *    (fakesink sync=true; the same queue, cache and libuv loop as on a box); each sample is
 *    the wall-clock time of the sink's first handoff minus the scheduled instant. Reference in
 *    the same run: the bare pipeline a `gst-launch-1.0` line would build (same elements, same
 *    REALTIME clock and base time, prerolled, no loop, no queue, no durable "started" record).
 * 2. The loalang-player program itself, with a stored manifest and no server: wake-ups per
 *    second at rest (context switches of all its threads), RSS at rest and while playing,
 *    CPU while playing; reference: gst-launch-1.0 playing the same file to fakesink sync=true.
 * Usage: bench_playout [AIRINGS]   (default 120) */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "ids.h"
#include "log.h"
#include "pipeline.h"
#include "playout.h"
#include "queue.h"
#include "vtime.h"

#define GAP_MS 400 /* between airings: separate starts, not a back-to-back handover */

typedef struct media {
    char dir[256], path[300];
    char sha[HASH_SHA256_HEX_LEN + 1];
    int64_t ms;
} media;

static int64_t now_ms(void)
{
    return g_get_real_time() / 1000;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int make_media(media *m, const char *dir, const char *name, const char *text)
{
    g_strlcpy(m->dir, dir, sizeof m->dir);
    g_snprintf(m->path, sizeof m->path, "%s/%s.opus", m->dir, name);
    char *cmd =
        g_strdup_printf("espeak-ng -v vi -w '%s/%s.wav' '%s' && gst-launch-1.0 -q "
                        "filesrc location='%s/%s.wav' ! wavparse ! audioconvert ! audioresample ! "
                        "opusenc bitrate=32000 audio-type=voice ! oggmux ! filesink location='%s'",
                        m->dir, name, text, m->dir, name, m->path);
    int rc = system(cmd);
    g_free(cmd);
    char *wav = g_strdup_printf("%s/%s.wav", m->dir, name);
    GStatBuf st;
    if (rc != 0 || g_stat(wav, &st) != 0 || hash_sha256_file(m->path, m->sha) != 0)
        rc = -1;
    m->ms = (int64_t)(st.st_size - 44) * 1000 / (22050 * 2);
    g_free(wav);
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void summary(const char *name, int64_t *v, size_t n, double *p50_out)
{
    qsort(v, n, sizeof *v, cmp_i64);
    size_t i99 = (n * 99 + 99) / 100; /* nearest rank: ceil(0.99 n) */
    double p50 = v[n / 2] / 1e6, p99 = v[MIN(i99, n) - 1] / 1e6;
    printf("%-34s n=%3zu  min %+8.3f  p50 %+8.3f  p99 %+8.3f  max %+8.3f ms\n", name, n, v[0] / 1e6,
           p50, p99, v[n - 1] / 1e6);
    *p50_out = p50;
}

/* ---- 1a. the playout module ---- */

typedef struct acc {
    int64_t *samples;
    size_t n;
} acc;

static void on_report(const proto_play *p, int64_t first_ns, void *data)
{
    acc *a = data;
    if (p->outcome == PROTO_OUTCOME_COMPLETED && first_ns > 0)
        a->samples[a->n++] = first_ns - p->scheduled_start_ms * 1000000;
}

static void keepalive(uv_timer_t *t)
{
    (void)t;
}

static size_t bench_module(const media *m, size_t n, int64_t *samples)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    char *cache_dir = g_strdup_printf("%s/cache", m->dir);
    char *db = g_strdup_printf("%s/queue.db", m->dir);
    g_mkdir_with_parents(cache_dir, 0700);
    char *dst = g_strdup_printf("%s/%s.opus", cache_dir, m->sha);
    char *data = NULL;
    gsize len = 0;
    g_file_get_contents(m->path, &data, &len, NULL);
    g_file_set_contents(dst, data, (gssize)len, NULL);
    player_queue *q = NULL;
    player_cache *c = NULL;
    player_playout *p = NULL;
    queue_open(db, &q);
    cache_open(&loop, NULL, cache_dir, 0, &c);
    playout_opts o = {.output = PLAYER_OUTPUT_FAKE, .volume = -1};
    playout_new(&loop, &o, q, c, &p);
    acc a = {.samples = samples};
    playout_set_callbacks(p, on_report, NULL, &a);
    proto_airing *air = g_new0(proto_airing, n);
    char **ids = g_new0(char *, n + 1);
    int64_t t0 = now_ms() + 3000;
    for (size_t i = 0; i < n; i++) {
        ids[i] = g_strdup_printf("bench-%zu", i);
        air[i].id = ids[i];
        air[i].start_ms = t0 + (int64_t)i * (m->ms + GAP_MS);
        air[i].duration_ms = m->ms;
        air[i].title = air[i].genre = (char *)"bench";
        memcpy(air[i].media, m->sha, sizeof air[i].media);
    }
    proto_manifest man = {.poll_seconds = 60, .volume = 80, .airings = air, .n_airings = n};
    playout_set_manifest(p, &man);
    uv_timer_t beat;
    uv_timer_init(&loop, &beat);
    uv_timer_start(&beat, keepalive, 200, 200);
    while (playout_pending(p) > 0)
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&beat, NULL);
    playout_free(p);
    cache_free(c);
    uv_run(&loop, UV_RUN_DEFAULT);
    queue_close(q);
    uv_loop_close(&loop);
    g_strfreev(ids);
    g_free(air);
    g_free(data);
    g_free(dst);
    g_free(db);
    g_free(cache_dir);
    return a.n;
}

/* ---- 1b. the bare pipeline ---- */

static void bare_handoff(GstElement *s, GstBuffer *b, GstPad *pad, gpointer data)
{
    (void)s;
    (void)b;
    (void)pad;
    int64_t *first = data;
    if (__atomic_load_n(first, __ATOMIC_ACQUIRE) == 0)
        __atomic_store_n(first, now_ns(), __ATOMIC_RELEASE);
}

static int64_t bare_one(const media *m, GstClock *clock, int64_t at_ms)
{
    char *desc = g_strdup_printf("filesrc location=\"%s\" ! oggdemux ! opusdec ! audioconvert ! "
                                 "audioresample ! volume ! fakesink name=sink sync=true "
                                 "signal-handoffs=true",
                                 m->path);
    GstElement *pipe = gst_parse_launch(desc, NULL);
    g_free(desc);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
    int64_t first = 0;
    g_signal_connect(sink, "handoff", G_CALLBACK(bare_handoff), &first);
    gst_pipeline_use_clock(GST_PIPELINE(pipe), clock);
    gst_element_set_start_time(pipe, GST_CLOCK_TIME_NONE);
    gst_element_set_state(pipe, GST_STATE_PAUSED);
    gst_element_get_state(pipe, NULL, NULL, GST_CLOCK_TIME_NONE);
    int64_t wait = at_ms - PLAYOUT_PLAY_LEAD_MS - now_ms();
    if (wait > 0)
        g_usleep((gulong)wait * 1000);
    gst_element_set_base_time(pipe, (GstClockTime)at_ms * GST_MSECOND);
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    GstBus *bus = gst_element_get_bus(pipe);
    GstMessage *msg =
        gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (msg)
        gst_message_unref(msg);
    gst_object_unref(bus);
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipe);
    return first ? first - at_ms * 1000000 : INT64_MIN;
}

static size_t bench_bare(const media *m, size_t n, int64_t *samples)
{
    GstClock *clock = pipeline_clock_new();
    size_t k = 0;
    int64_t at = now_ms() + 1000;
    for (size_t i = 0; i < n; i++, at += m->ms + GAP_MS) {
        if (at - now_ms() < 700) /* preroll needs a moment; keep the same lead as player_playout */
            at = now_ms() + 700;
        int64_t d = bare_one(m, clock, at);
        if (d != INT64_MIN)
            samples[k++] = d;
    }
    gst_object_unref(clock);
    return k;
}

/* ---- 2. the program ---- */

typedef struct procstat {
    long rss_kb;
    long long ctxt; /* voluntary + involuntary switches, all threads */
    long long cpu_ticks;
} procstat;

static int read_proc(pid_t pid, procstat *s)
{
    memset(s, 0, sizeof *s);
    char *dir = g_strdup_printf("/proc/%d/task", (int)pid);
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *t;
    while (d && (t = g_dir_read_name(d))) {
        char *path = g_strdup_printf("%s/%s/status", dir, t), *text = NULL;
        if (g_file_get_contents(path, &text, NULL, NULL)) {
            char *p = strstr(text, "voluntary_ctxt_switches:");
            char *q = strstr(text, "nonvoluntary_ctxt_switches:");
            if (p)
                s->ctxt += atoll(p + strlen("voluntary_ctxt_switches:"));
            if (q)
                s->ctxt += atoll(q + strlen("nonvoluntary_ctxt_switches:"));
        }
        g_free(text);
        g_free(path);
    }
    if (d)
        g_dir_close(d);
    g_free(dir);
    char *path = g_strdup_printf("/proc/%d/status", (int)pid), *text = NULL;
    if (g_file_get_contents(path, &text, NULL, NULL)) {
        char *p = strstr(text, "VmRSS:");
        if (p)
            s->rss_kb = atol(p + 6);
    }
    g_free(text);
    g_free(path);
    path = g_strdup_printf("/proc/%d/stat", (int)pid);
    if (g_file_get_contents(path, &text, NULL, NULL)) {
        char *p = strrchr(text, ')');
        long long utime = 0, stime = 0;
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &utime,
                        &stime) == 2)
            s->cpu_ticks = utime + stime;
    }
    g_free(text);
    g_free(path);
    return s->rss_kb > 0 ? 0 : -ENOENT;
}

/* A stored manifest with one long run of airings from at_ms on, as sync.c keeps it. */
static void write_manifest(const char *state, const media *m, int64_t at_ms, int n)
{
    proto_airing *a = g_new0(proto_airing, (size_t)n);
    char **ids = g_new0(char *, (size_t)n + 1);
    for (int i = 0; i < n; i++) {
        ids[i] = g_strdup_printf("prog-%d", i);
        a[i].id = ids[i];
        a[i].start_ms = at_ms + (int64_t)i * m->ms;
        a[i].duration_ms = m->ms;
        a[i].title = a[i].genre = (char *)"bench";
        memcpy(a[i].media, m->sha, sizeof a[i].media);
    }
    proto_media md = {.bytes = 0, .duration_ms = m->ms, .url = (char *)"/media/x.opus"};
    memcpy(md.sha256, m->sha, sizeof md.sha256);
    proto_manifest man = {.box = {.id = (char *)"b", .name = (char *)"b", .commune = (char *)"c"},
                          .server_time_ms = now_ms(),
                          .horizon_end_ms = at_ms + 86400000,
                          .poll_seconds = 60,
                          .volume = 80,
                          .airings = a,
                          .n_airings = (size_t)n,
                          .media = &md,
                          .n_media = 1};
    json_t *j = proto_manifest_to_json(&man, vtime_zone());
    char *path = g_strdup_printf("%s/manifest.json", state);
    json_dump_file(j, path, JSON_COMPACT);
    json_decref(j);
    g_free(path);
    g_strfreev(ids);
    g_free(a);
}

static void sample_for(pid_t pid, int seconds, procstat *from, procstat *to)
{
    read_proc(pid, from);
    sleep((unsigned)seconds);
    read_proc(pid, to);
}

static void bench_program(const char *self, const media *m)
{
    char *bin = g_strdup_printf("%s/../loalang-player", self);
    char *state = g_strdup_printf("%s/pstate", m->dir),
         *cdir = g_strdup_printf("%s/pcache", m->dir);
    char *token = g_strdup_printf("%s/token", m->dir);
    g_mkdir_with_parents(state, 0700);
    g_mkdir_with_parents(cdir, 0700);
    g_file_set_contents(token, "bench-token\n", -1, NULL);
    char *dst = g_strdup_printf("%s/%s.opus", cdir, m->sha), *data = NULL;
    gsize len = 0;
    g_file_get_contents(m->path, &data, &len, NULL);
    g_file_set_contents(dst, data, (gssize)len, NULL);
    const int idle_s = 20, settle_s = 5;
    const int play_s = (int)CLAMP(m->ms / 1000 - 3, 1, 10);
    int64_t play_at = now_ms() + (settle_s + idle_s + 3) * 1000;
    write_manifest(state, m, play_at, 1);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("LOALANG_LOG", "error", 1);
        execl(bin, bin, "-s", "http://127.0.0.1:9", "--token-file", token, "--state-dir", state,
              "--cache-dir", cdir, "-o", "fake", (char *)NULL);
        _exit(127);
    }
    sleep(settle_s);
    procstat a, b, c, d;
    sample_for(pid, idle_s, &a, &b);
    while (now_ms() < play_at + 1000)
        g_usleep(100000);
    sample_for(pid, play_s, &c, &d);
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    long hz = sysconf(_SC_CLK_TCK);
    printf("loalang-player at rest (no server):  %.2f wake-ups/s, RSS %.1f MB\n",
           (double)(b.ctxt - a.ctxt) / idle_s, b.rss_kb / 1024.0);
    printf("loalang-player playing:              RSS %.1f MB, CPU %.2f%%, exit %d\n",
           d.rss_kb / 1024.0, 100.0 * (double)(d.cpu_ticks - c.cpu_ticks) / hz / play_s,
           WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    /* Reference: gst-launch-1.0 playing the same file. */
    pid = fork();
    if (pid == 0) {
        char *loc = g_strdup_printf("location=%s", m->path);
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        execlp("gst-launch-1.0", "gst-launch-1.0", "-q", "filesrc", loc, "!", "oggdemux", "!",
               "opusdec", "!", "audioconvert", "!", "audioresample", "!", "volume", "!", "fakesink",
               "sync=true", (char *)NULL);
        _exit(127);
    }
    sleep(2);
    sample_for(pid, play_s, &c, &d);
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    printf("reference gst-launch-1.0 playing:    RSS %.1f MB, CPU %.2f%%\n", d.rss_kb / 1024.0,
           100.0 * (double)(d.cpu_ticks - c.cpu_ticks) / hz / play_s);
    g_free(data);
    g_free(dst);
    g_free(token);
    g_free(state);
    g_free(cdir);
    g_free(bin);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atoi(argv[1]) : 120;
    if (n < 1)
        n = 120;
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows in a pipe; nothing doubled by fork */
    log_set_level(LOG_LEVEL_ERROR);
    ids_init();
    gst_init(NULL, NULL);
    media m, talk;
    char *dir = g_dir_make_tmp("bench-playout-XXXXXX", NULL);
    int rc = make_media(&m, dir, "count", "Một, hai, ba, bốn.");
    if (rc == 0)
        rc = make_media(&talk, dir, "talk",
                        "Thông báo của Ủy ban nhân dân xã về lịch tiêm phòng cho đàn gia súc. "
                        "Bà con các thôn đưa trâu, bò, lợn đến điểm tiêm theo lịch. Cán bộ thú "
                        "y xã có mặt từ bảy giờ sáng đến mười một giờ trưa. Mọi thắc mắc xin "
                        "liên hệ trạm truyền thanh xã.");
    g_free(dir);
    if (rc != 0) {
        fprintf(stderr, "bench_playout: cannot make the test speech (espeak-ng, gst-launch-1.0)\n");
        return 1;
    }
    printf("media: %" G_GINT64_FORMAT " ms of Opus speech; %zu airings each, %d ms apart\n", m.ms,
           n, GAP_MS);
    int64_t *mod = g_new(int64_t, n), *bare = g_new(int64_t, n);
    size_t nm = bench_module(&m, n, mod);
    size_t nb = bench_bare(&m, n, bare);
    double p50m = 0, p50b = 0;
    printf("start accuracy (first handoff minus the scheduled instant):\n");
    summary("  loalang playout (loop, queue)", mod, nm, &p50m);
    summary("  reference: bare pipeline", bare, nb, &p50b);
    printf("  p50 ratio playout / bare: %.2f\n", p50b != 0 ? p50m / p50b : 0.0);
    char *self = g_path_get_dirname(argv[0]);
    printf("program figures with a %.1f s piece of speech:\n", talk.ms / 1000.0);
    bench_program(self, &talk);
    g_free(self);
    char *cmd = g_strdup_printf("rm -rf '%s'", m.dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_playout: cannot remove %s\n", m.dir);
    g_free(cmd);
    g_free(mod);
    g_free(bare);
    return 0;
}
