/* bench_ingest: ingest of a 10-minute WAV (issue #3, goal ≤ 1.5× the reference) against
 * gst-launch-1.0 doing the same decode + encode in the same run:
 *   filesrc ! decodebin ! audioconvert ! audioresample ! audio/x-raw,channels=1,rate=48000 !
 *   opusenc bitrate=32000 audio-type=voice ! oggmux ! filesink
 * ingest_file does that plus what the reference does not: loudness and true peak of the input
 * and of the output (libebur128, read back with opusfile), fsync, sha256 and the rename.
 * The input is espeak-ng speech repeated to 10 minutes, 44.1 kHz stereo 16-bit (what a
 * recorder or an editor exports), made outside the timed region and read once beforehand so
 * both sides start from the page cache. Runs alternate ours / reference; wall-clock times
 * (CLOCK_MONOTONIC) of each are reported as best and median, and the ratio of the medians;
 * CPU seconds (getrusage) too, since on a shared 2-core machine the wall clock of a program
 * that uses both cores depends on what else runs.
 * Usage: bench_ingest [RUNS] (default 3). */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ingest.h"

#define SECONDS 600
#define GOAL    1.5

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process, or of its waited-for children. */
static double cpu_s(int who)
{
    struct rusage u;
    getrusage(who, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
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
    char cmd[512];
    if (sh(dir, "espeak-ng -v vi -w voice.wav 'Thông báo của Ủy ban nhân dân xã về lịch tiêm "
                "phòng cho đàn gia súc, gia cầm trong tháng này. Đề nghị bà con chuẩn bị đầy "
                "đủ, đưa gia súc đến điểm tiêm đúng giờ.'") != 0)
        return -1;
    g_snprintf(cmd, sizeof cmd,
               "sox voice.wav -r 44100 -c 2 -b 16 ten.wav repeat 200 trim 0 %d && "
               "cat ten.wav > /dev/null",
               SECONDS);
    return sh(dir, cmd);
}

static double reference(const char *dir, double *cpu)
{
    double t0 = now_s(), c0 = cpu_s(RUSAGE_CHILDREN);
    if (sh(dir, "gst-launch-1.0 -q filesrc location=ten.wav ! decodebin ! audioconvert ! "
                "audioresample ! audio/x-raw,channels=1,rate=48000 ! opusenc bitrate=32000 "
                "audio-type=voice ! oggmux ! filesink location=ref.opus") != 0)
        return -1;
    *cpu = cpu_s(RUSAGE_CHILDREN) - c0;
    return now_s() - t0;
}

static double ours(const char *dir, ingest_result *r, double *cpu)
{
    char *src = g_build_filename(dir, "ten.wav", NULL);
    char *media = g_build_filename(dir, "media", NULL);
    char *clean = g_strdup_printf("rm -rf media && mkdir media");
    double t = -1;
    if (sh(dir, clean) == 0) {
        double t0 = now_s(), c0 = cpu_s(RUSAGE_SELF);
        int rc = ingest_file(src, media, NULL, r);
        t = now_s() - t0;
        *cpu = cpu_s(RUSAGE_SELF) - c0;
        if (rc != 0) {
            fprintf(stderr, "bench_ingest: ingest failed: %s (%s)\n", ingest_error_code(rc),
                    r->detail);
            t = -1;
        }
    }
    g_free(clean);
    g_free(media);
    g_free(src);
    return t;
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
    qsort(v, (size_t)n, sizeof *v, cmp);
    *best = v[0];
    *med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 3;
    if (runs < 1 || runs > 50)
        runs = 3;
    char *dir = g_dir_make_tmp("loalang-bench-ingest-XXXXXX", NULL);
    double *a = g_new(double, runs), *b = g_new(double, runs);
    double *ac = g_new(double, runs), *bc = g_new(double, runs);
    ingest_result r = {0};
    int status = 1;
    if (!dir || make_input(dir) != 0)
        goto out;
    printf("input: %d s of speech, WAV 44.1 kHz stereo 16-bit; output mono 48 kHz Opus 32 kbit/s "
           "voice\n",
           SECONDS);
    for (int i = 0; i < runs; i++) {
        if ((a[i] = ours(dir, &r, &ac[i])) < 0 || (b[i] = reference(dir, &bc[i])) < 0)
            goto out;
        printf("run %d: ingest_file %.2f s (cpu %.2f s), gst-launch %.2f s (cpu %.2f s), load %s",
               i + 1, a[i], ac[i], b[i], bc[i], load());
        fflush(stdout);
    }
    double ab, am, bb, bm, acb, acm, bcb, bcm;
    best_median(a, runs, &ab, &am);
    best_median(b, runs, &bb, &bm);
    best_median(ac, runs, &acb, &acm);
    best_median(bc, runs, &bcb, &bcm);
    printf("ingest_file: best %.2f s, median %.2f s (%.0fx real time); loudness %.1f -> %.1f "
           "LUFS, true peak %.1f dBTP, %lld bytes\n",
           ab, am, SECONDS / am, r.loudness_in_lufs, r.loudness_out_lufs, r.true_peak_dbtp,
           (long long)r.bytes);
    printf("gst-launch:  best %.2f s, median %.2f s (%.0fx real time)\n", bb, bm, SECONDS / bm);
    printf("ratio ingest_file / gst-launch, wall (medians): %.2f (goal <= %.1f); best: %.2f\n",
           am / bm, GOAL, ab / bb);
    printf("ratio ingest_file / gst-launch, cpu (medians): %.2f (%.2f s / %.2f s)\n", acm / bcm,
           acm, bcm);
    status = 0;
out:
    if (dir) {
        char *rm = g_strdup_printf("rm -rf '%s'", dir);
        sh("/", rm);
        g_free(rm);
    }
    g_free(a);
    g_free(b);
    g_free(ac);
    g_free(bc);
    g_free(dir);
    return status;
}
