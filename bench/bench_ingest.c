/* bench_ingest: three measures of ingest (issues #3 and #11).
 *
 * 1. A 10-minute WAV, ingest_file against gst-launch-1.0 doing the same decode + encode in the
 *    same run (issue #3, goal <= 1.5x):
 *      filesrc ! decodebin ! audioconvert ! audioresample ! audio/x-raw,channels=1,rate=48000 !
 *      opusenc bitrate=32000 audio-type=voice ! oggmux ! filesink
 *    ingest_file does that plus what the reference does not: loudness and true peak of the
 *    input and of the output (libebur128, read back with opusfile), fsync, sha256, rename.
 * 2. A 10-minute MP3 (issue #11, goal <= 1.1x): the decode pass through the isolated decoder
 *    (ingest_decode: spawn loalang-decode, sandbox, PCM over a pipe, loudness, temp file)
 *    against the in-process decode ingest had before (below, as it was: decodebin in this
 *    process, an appsink feeding libebur128 and the temp file); and the whole ingest_file, so
 *    the whole ingest's ratio follows: (whole) / (whole - isolated decode + in-process decode).
 * 3. The hostile WAV of issue #11 (16 KB of PCM whose header says 1 Hz): the time to refuse
 *    it and the largest temp PCM file this process held meanwhile (a thread reads the sizes of
 *    this process's open .ingest-pcm-* files every 2 ms; they are unlinked, so only their fds
 *    show them).
 * The inputs are espeak-ng speech repeated to 10 minutes, made outside the timed regions and
 * read once beforehand so every side starts from the page cache. Runs alternate the sides;
 * wall-clock times (CLOCK_MONOTONIC) are reported as best and median, and the ratio of the
 * medians; CPU seconds (getrusage, this process and its waited-for children) too, since on a
 * shared 2-core machine the wall clock of a program that uses both cores depends on what else
 * runs.
 * The decoder always runs orc's C fallbacks (ORC_CODE=backup: its sandbox forbids the JIT's
 * executable temp files), as the daemon's systemd unit makes every GStreamer in it do; run the
 * benchmark with ORC_CODE=backup for the in-process side to match (docs/benchmarks.md has both).
 * Usage: bench_ingest [RUNS [SECTIONS]] (default 3 runs, sections 123). */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <ebur128.h>
#include <fcntl.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "ingest.h"
#include "ingest_decode.h"

#define SECONDS  600
#define GOAL     1.5
#define GOAL_MP3 1.1

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process and of its waited-for children. */
static double cpu_s(void)
{
    struct rusage u, c;
    getrusage(RUSAGE_SELF, &u);
    getrusage(RUSAGE_CHILDREN, &c);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec + c.ru_utime.tv_sec + c.ru_stime.tv_sec) +
           (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec + c.ru_utime.tv_usec +
                    c.ru_stime.tv_usec) /
               1e6;
}

static int sh(const char *dir, const char *cmd)
{
    const char *argv[] = {"/bin/sh", "-ec", cmd, NULL};
    int status = -1;
    if (!g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                      &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL)) {
        fprintf(stderr, "bench_ingest: failed: %s\n", cmd);
        return -1;
    }
    return 0;
}

static int make_input(const char *dir)
{
    char cmd[1024];
    if (sh(dir, "espeak-ng -v vi -w voice.wav 'Thông báo của Ủy ban nhân dân xã về lịch tiêm "
                "phòng cho đàn gia súc, gia cầm trong tháng này. Đề nghị bà con chuẩn bị đầy "
                "đủ, đưa gia súc đến điểm tiêm đúng giờ.'") != 0)
        return -1;
    /* The MP3 as a phone or an editor would export it: 44.1 kHz stereo, 128 kbit/s. */
    g_snprintf(cmd, sizeof cmd,
               "sox voice.wav -r 44100 -c 2 -b 16 ten.wav repeat 200 trim 0 %d && "
               "gst-launch-1.0 -q filesrc location=ten.wav ! wavparse ! audioconvert ! "
               "lamemp3enc target=bitrate bitrate=128 ! id3v2mux ! filesink location=ten.mp3 && "
               "sox -n -r 8000 -c 1 -b 16 hz1.wav synth 8192s sine 440 && "
               "printf '\\001\\000\\000\\000\\002\\000\\000\\000' | "
               "dd of=hz1.wav bs=1 seek=24 conv=notrunc status=none && "
               "cat ten.wav ten.mp3 hz1.wav > /dev/null",
               SECONDS);
    return sh(dir, cmd);
}

static double reference(const char *dir, double *cpu)
{
    double t0 = now_s(), c0 = cpu_s();
    if (sh(dir, "gst-launch-1.0 -q filesrc location=ten.wav ! decodebin ! audioconvert ! "
                "audioresample ! audio/x-raw,channels=1,rate=48000 ! opusenc bitrate=32000 "
                "audio-type=voice ! oggmux ! filesink location=ref.opus") != 0)
        return -1;
    *cpu = cpu_s() - c0;
    return now_s() - t0;
}

static ingest_opts opts(void)
{
    ingest_opts o;
    ingest_opts_default(&o);
    o.decoder = LOALANG_DECODE_PATH;
    return o;
}

/* ingest_file of dir/name into a fresh dir/media; want is the expected result. */
static double ours(const char *dir, const char *name, int want, ingest_result *r, double *cpu)
{
    char *src = g_build_filename(dir, name, NULL);
    char *media = g_build_filename(dir, "media", NULL);
    ingest_opts o = opts();
    double t = -1;
    if (sh(dir, "rm -rf media && mkdir media") == 0) {
        double t0 = now_s(), c0 = cpu_s();
        int rc = ingest_file(src, media, &o, r);
        t = now_s() - t0;
        *cpu = cpu_s() - c0;
        if (rc != want) {
            fprintf(stderr, "bench_ingest: ingest of %s: %s (%s)\n", name, ingest_error_code(rc),
                    r->detail);
            t = -1;
        }
    }
    g_free(media);
    g_free(src);
    return t;
}

/* ---- the decode pass: isolated (ingest_decode) and in-process (as ingest had it before) ---- */

static double isolated_decode(const char *dir, const char *name, double *cpu)
{
    char *src = g_build_filename(dir, name, NULL);
    char detail[INGEST_DETAIL_MAX];
    ingest_pcm pcm = {.fd = -1};
    ingest_opts o = opts();
    int fd = open(src, O_RDONLY | O_CLOEXEC);
    double t0 = now_s(), c0 = cpu_s();
    int rc = fd < 0 ? -1 : ingest_decode(fd, dir, &o, &pcm, detail, sizeof detail);
    double t = now_s() - t0;
    *cpu = cpu_s() - c0;
    if (rc != 0) {
        fprintf(stderr, "bench_ingest: isolated decode: %s\n", fd < 0 ? "open" : detail);
        t = -1;
    }
    ingest_pcm_release(&pcm);
    if (fd >= 0)
        close(fd);
    g_free(src);
    return t;
}

typedef struct inproc {
    int fd;
    ebur128_state *r128;
    size_t n;
    bool failed;
} inproc;

static GstFlowReturn inproc_sample(GstAppSink *sink, gpointer user)
{
    inproc *c = user;
    GstSample *sample = gst_app_sink_pull_sample(sink);
    GstMapInfo map;
    if (!sample)
        return GST_FLOW_EOS;
    GstBuffer *buf = gst_sample_get_buffer(sample);
    if (buf && gst_buffer_map(buf, &map, GST_MAP_READ)) {
        size_t frames = map.size / sizeof(float);
        if (fileio_write_all(c->fd, map.data, frames * sizeof(float)) != 0)
            c->failed = true;
        ebur128_add_frames_float(c->r128, (const float *)(const void *)map.data, frames);
        c->n += frames;
        gst_buffer_unmap(buf, &map);
    }
    gst_sample_unref(sample);
    return c->failed ? GST_FLOW_ERROR : GST_FLOW_OK;
}

/* ingest_decode.c before issue #11, with its pipeline, its appsink and its temp file. */
static double inproc_decode(const char *dir, const char *name, double *cpu)
{
    char *src = g_build_filename(dir, name, NULL);
    char *tmp = g_build_filename(dir, ".ingest-pcm-XXXXXX", NULL);
    inproc c = {.fd = g_mkstemp(tmp)};
    double t = -1, t0 = now_s(), c0 = cpu_s(), lufs = 0;
    unlink(tmp);
    c.r128 = ebur128_init(1, 48000, EBUR128_MODE_I);
    GstElement *pipe =
        gst_parse_launch("filesrc name=src ! decodebin ! audioconvert ! audioresample ! "
                         "audio/x-raw,format=F32LE,layout=interleaved,channels=1,rate=48000 ! "
                         "queue max-size-buffers=0 max-size-time=0 max-size-bytes=4194304 ! "
                         "appsink name=sink sync=false",
                         NULL);
    GstElement *fsrc = gst_bin_get_by_name(GST_BIN(pipe), "src");
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
    GstAppSinkCallbacks cb = {.new_sample = inproc_sample};
    g_object_set(fsrc, "location", src, NULL);
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, &c, NULL);
    GstBus *bus = gst_element_get_bus(pipe);
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    GstMessage *msg =
        gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    bool ok = msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS && !c.failed && c.n > 0 &&
              ebur128_loudness_global(c.r128, &lufs) == EBUR128_SUCCESS;
    if (ok) {
        /* ingest_decode then mapped the PCM for the encoder */
        void *map = mmap(NULL, c.n * sizeof(float), PROT_READ, MAP_PRIVATE, c.fd, 0);
        ok = map != MAP_FAILED;
        if (ok)
            munmap(map, c.n * sizeof(float));
    }
    gst_element_set_state(pipe, GST_STATE_NULL);
    t = now_s() - t0;
    *cpu = cpu_s() - c0;
    if (!ok) {
        fprintf(stderr, "bench_ingest: in-process decode failed\n");
        t = -1;
    }
    if (msg)
        gst_message_unref(msg);
    gst_object_unref(bus);
    gst_object_unref(fsrc);
    gst_object_unref(sink);
    gst_object_unref(pipe);
    ebur128_destroy(&c.r128);
    close(c.fd);
    g_free(tmp);
    g_free(src);
    return t;
}

/* ---- the largest temp PCM file held by this process while a refusal runs ---- */

typedef struct watch {
    volatile bool stop;
    int64_t peak;
} watch;

static gpointer watch_run(gpointer data)
{
    watch *w = data;
    while (!w->stop) {
        GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
        for (const char *e; d && (e = g_dir_read_name(d));) {
            char *p = g_build_filename("/proc/self/fd", e, NULL);
            char *target = g_file_read_link(p, NULL);
            struct stat st;
            if (target && strstr(target, ".ingest-pcm-") && stat(p, &st) == 0 &&
                (int64_t)st.st_blocks * 512 > w->peak)
                w->peak = (int64_t)st.st_blocks * 512;
            g_free(target);
            g_free(p);
        }
        if (d)
            g_dir_close(d);
        g_usleep(2000);
    }
    return NULL;
}

/* The 1-minute load average, as text ending in a newline. */
static const char *load(void)
{
    static char buf[64];
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f || !fgets(buf, sizeof buf, f))
        g_strlcpy(buf, "?\n", sizeof buf);
    if (f)
        fclose(f);
    char *sp = strchr(buf, ' ');
    if (sp)
        strcpy(sp, "\n");
    return buf;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void best_median(double *v, int n, double *best, double *med)
{
    double *c = g_memdup2(v, sizeof *v * (size_t)n);
    qsort(c, (size_t)n, sizeof *c, cmp);
    *best = c[0];
    *med = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    g_free(c);
}

static double median(double *v, int n)
{
    double b, m;
    best_median(v, n, &b, &m);
    return m;
}

/* Section 1: the WAV against gst-launch. */
static int wav_vs_gst_launch(const char *dir, int runs)
{
    double *a = g_new(double, runs), *b = g_new(double, runs);
    double *ac = g_new(double, runs), *bc = g_new(double, runs);
    ingest_result r = {0};
    int status = -1;
    printf("== 1. %d s of speech, WAV 44.1 kHz stereo 16-bit -> mono 48 kHz Opus 32 kbit/s voice\n",
           SECONDS);
    for (int i = 0; i < runs; i++) {
        if ((a[i] = ours(dir, "ten.wav", 0, &r, &ac[i])) < 0 || (b[i] = reference(dir, &bc[i])) < 0)
            goto out;
        printf("run %d: ingest_file %.2f s (cpu %.2f s), gst-launch %.2f s (cpu %.2f s), load %s",
               i + 1, a[i], ac[i], b[i], bc[i], load());
        fflush(stdout);
    }
    double ab, am, bb, bm;
    best_median(a, runs, &ab, &am);
    best_median(b, runs, &bb, &bm);
    printf("ingest_file: best %.2f s, median %.2f s (%.0fx real time); loudness %.1f -> %.1f "
           "LUFS, true peak %.1f dBTP, %lld bytes\n",
           ab, am, SECONDS / am, r.loudness_in_lufs, r.loudness_out_lufs, r.true_peak_dbtp,
           (long long)r.bytes);
    printf("gst-launch:  best %.2f s, median %.2f s (%.0fx real time)\n", bb, bm, SECONDS / bm);
    printf("ratio ingest_file / gst-launch, wall (medians): %.2f (goal <= %.1f); best: %.2f\n",
           am / bm, GOAL, ab / bb);
    printf("ratio ingest_file / gst-launch, cpu (medians): %.2f (%.2f s / %.2f s)\n",
           median(ac, runs) / median(bc, runs), median(ac, runs), median(bc, runs));
    status = 0;
out:
    g_free(a);
    g_free(b);
    g_free(ac);
    g_free(bc);
    return status;
}

/* Section 2: the MP3's decode, isolated against in-process, and its whole ingest. */
static int mp3_isolated_vs_inproc(const char *dir, int runs)
{
    double *iso = g_new(double, runs), *inp = g_new(double, runs), *whole = g_new(double, runs);
    double *isoc = g_new(double, runs), *inpc = g_new(double, runs), *wholec = g_new(double, runs);
    ingest_result r = {0};
    int status = -1;
    printf("== 2. %d s of speech, MP3 44.1 kHz stereo 128 kbit/s: decode pass isolated "
           "(loalang-decode) vs in-process (before #11)\n",
           SECONDS);
    for (int i = 0; i < runs; i++) {
        if ((iso[i] = isolated_decode(dir, "ten.mp3", &isoc[i])) < 0 ||
            (inp[i] = inproc_decode(dir, "ten.mp3", &inpc[i])) < 0 ||
            (whole[i] = ours(dir, "ten.mp3", 0, &r, &wholec[i])) < 0)
            goto out;
        printf("run %d: decode isolated %.2f s (cpu %.2f s), in-process %.2f s (cpu %.2f s); "
               "whole ingest_file %.2f s (cpu %.2f s), load %s",
               i + 1, iso[i], isoc[i], inp[i], inpc[i], whole[i], wholec[i], load());
        fflush(stdout);
    }
    double ib, im, pb, pm, wb, wm;
    best_median(iso, runs, &ib, &im);
    best_median(inp, runs, &pb, &pm);
    best_median(whole, runs, &wb, &wm);
    printf("decode isolated:   best %.2f s, median %.2f s\n", ib, im);
    printf("decode in-process: best %.2f s, median %.2f s\n", pb, pm);
    printf("ratio decode isolated / in-process, wall (medians): %.2f; best: %.2f; cpu: %.2f\n",
           im / pm, ib / pb, median(isoc, runs) / median(inpc, runs));
    printf("whole ingest_file: best %.2f s, median %.2f s; with the in-process decode it would "
           "be %.2f s: ratio %.2f (goal <= %.1f)\n",
           wb, wm, wm - im + pm, wm / (wm - im + pm), GOAL_MP3);
    status = 0;
out:
    g_free(iso);
    g_free(inp);
    g_free(whole);
    g_free(isoc);
    g_free(inpc);
    g_free(wholec);
    return status;
}

/* Section 3: the 1 Hz WAV's refusal. */
static int hostile(const char *dir, int runs)
{
    double *t = g_new(double, runs), *c = g_new(double, runs);
    int64_t peak = 0;
    ingest_result r = {0};
    int status = -1;
    printf("== 3. hostile WAV: 16 KB of 16-bit PCM whose header says 1 Hz\n");
    for (int i = 0; i < runs; i++) {
        watch w = {0};
        GThread *th = g_thread_new("watch", watch_run, &w);
        t[i] = ours(dir, "hz1.wav", -INGEST_ERR_UNSUPPORTED, &r, &c[i]);
        w.stop = true;
        g_thread_join(th);
        if (t[i] < 0)
            goto out;
        peak = MAX(peak, w.peak);
        printf("run %d: refused (%s: %s) in %.3f s (cpu %.3f s), largest temp PCM %lld bytes\n",
               i + 1, ingest_error_code(-INGEST_ERR_UNSUPPORTED), r.detail, t[i], c[i],
               (long long)w.peak);
    }
    double b, m;
    best_median(t, runs, &b, &m);
    printf("refusal: best %.3f s, median %.3f s; largest temp PCM over the runs %lld bytes\n", b, m,
           (long long)peak);
    status = 0;
out:
    g_free(t);
    g_free(c);
    return status;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 3;
    if (runs < 1 || runs > 50)
        runs = 3;
    gst_init(NULL, NULL);
    char *dir = g_dir_make_tmp("loalang-bench-ingest-XXXXXX", NULL);
    int status = 1;
    if (!dir || make_input(dir) != 0)
        goto out;
    const char *sections = argc > 2 ? argv[2] : "123";
    printf("ORC_CODE=%s\n", g_getenv("ORC_CODE") ? g_getenv("ORC_CODE") : "(unset)");
    if ((strchr(sections, '1') && wav_vs_gst_launch(dir, runs) != 0) ||
        (strchr(sections, '2') && mp3_isolated_vs_inproc(dir, runs) != 0) ||
        (strchr(sections, '3') && hostile(dir, runs) != 0))
        goto out;
    status = 0;
out:
    if (dir) {
        char *rm = g_strdup_printf("rm -rf '%s'", dir);
        sh("/", rm);
        g_free(rm);
    }
    g_free(dir);
    return status;
}
