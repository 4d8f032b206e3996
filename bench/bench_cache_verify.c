/* bench_cache_verify: what loalang-player pays at start to hash its whole media cache again
 * before it trusts it (docs/player.md, "Faults the player survives").
 *
 * FILES files of KIB_EACH KiB (random bytes: SHA-256 costs the same on any content) are put in
 * a cache directory under their sha256 names; then, each RUNS times (the median is printed):
 *   player     the player's cache module as on a box: cache_open, cache_want with a manifest
 *              needing every file, the libuv loop run until the check at start has hashed them
 *              all (cache_unverified() = 0); timed from cache_want to the end of the check.
 *   sha256sum  coreutils' sha256sum over the same files (one process), the reference.
 *   read       a plain read() of the same files in 64 KiB pieces: the I/O floor.
 * Twice: warm (the files in the page cache, a box that just wrote them) and cold (each file
 * dropped from the page cache with posix_fadvise(DONTNEED) before every run, a box after a
 * power cut). Other processes' page cache is left alone.
 * Usage: bench_cache_verify [FILES [KIB_EACH [RUNS]]]   (default 64 files of 1536 KiB, 5 runs;
 * the files go under $TMPDIR) */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "cache.h"
#include "hash.h"
#include "log.h"
#include "wallclock.h"

typedef char sha_hex[HASH_SHA256_HEX_LEN + 1];

typedef struct set {
    char *dir, *cache_dir;
    sha_hex *sha;
    char **paths;
    size_t n;
    int64_t bytes;
} set;

static int64_t mono_us(void)
{
    return g_get_monotonic_time();
}

static void make_set(set *s, size_t n, size_t kib)
{
    s->dir = g_dir_make_tmp("bench-cache-XXXXXX", NULL);
    s->cache_dir = g_build_filename(s->dir, "cache", NULL);
    g_mkdir_with_parents(s->cache_dir, 0750);
    s->n = n;
    s->sha = g_new0(sha_hex, n);
    s->paths = g_new0(char *, n + 1);
    size_t len = kib * 1024;
    guint8 *data = g_malloc(len);
    GRand *r = g_rand_new_with_seed(11);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < len; k += 4) {
            guint32 v = g_rand_int(r);
            memcpy(data + k, &v, MIN(4, len - k));
        }
        hash_sha256_buf(data, len, s->sha[i]);
        char *name = g_strconcat(s->sha[i], ".opus", NULL);
        s->paths[i] = g_build_filename(s->cache_dir, name, NULL);
        g_free(name);
        int fd = open(s->paths[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (fd < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
            fprintf(stderr, "cannot write %s: %s\n", s->paths[i], g_strerror(errno));
            exit(1);
        }
        close(fd);
        s->bytes += (int64_t)len;
    }
    g_rand_free(r);
    g_free(data);
}

/* Drops our files' pages from the page cache (they were fsync'd, so the pages are clean). */
static void drop_pages(const set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        int fd = open(s->paths[i], O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
            close(fd);
        }
    }
}

static bool all_checked(player_cache *c)
{
    return cache_unverified(c) == 0;
}

static int64_t run_player(const set *s)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    player_cache *c = NULL;
    if (cache_open(&loop, NULL, s->cache_dir, 0, &c) != 0)
        exit(1);
    proto_airing *a = g_new0(proto_airing, s->n);
    proto_media *md = g_new0(proto_media, s->n);
    int64_t now = wallclock_now_ms();
    for (size_t i = 0; i < s->n; i++) {
        a[i].id = (char *)"a";
        a[i].start_ms = now + 3600000 + (int64_t)i * 60000;
        a[i].duration_ms = 60000;
        memcpy(a[i].media, s->sha[i], sizeof a[i].media);
        memcpy(md[i].sha256, s->sha[i], sizeof md[i].sha256);
        md[i].bytes = s->bytes / (int64_t)s->n;
    }
    proto_manifest m = {.airings = a, .n_airings = s->n, .media = md, .n_media = s->n};
    int64_t t0 = mono_us();
    cache_want(c, &m, now);
    while (!all_checked(c))
        uv_run(&loop, UV_RUN_ONCE);
    int64_t took = mono_us() - t0;
    size_t left = 0;
    for (size_t i = 0; i < s->n; i++)
        left += cache_has(c, s->sha[i]);
    if (left != s->n) {
        fprintf(stderr, "the player dropped %zu sound files\n", s->n - left);
        exit(1);
    }
    cache_free(c);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    g_free(a);
    g_free(md);
    return took;
}

static int64_t run_sha256sum(const set *s)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, "sha256sum");
    for (size_t i = 0; i < s->n; i++)
        g_ptr_array_add(argv, s->paths[i]);
    g_ptr_array_add(argv, NULL);
    int status = 0;
    int64_t t0 = mono_us();
    gboolean ok = g_spawn_sync(NULL, (char **)argv->pdata, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               NULL, &status, NULL);
    int64_t took = mono_us() - t0;
    g_ptr_array_free(argv, TRUE);
    if (!ok || !g_spawn_check_wait_status(status, NULL)) {
        fprintf(stderr, "sha256sum failed\n");
        exit(1);
    }
    return took;
}

static int64_t run_read(const set *s)
{
    guint8 *buf = g_malloc(64 * 1024);
    int64_t t0 = mono_us(), total = 0;
    for (size_t i = 0; i < s->n; i++) {
        int fd = open(s->paths[i], O_RDONLY | O_CLOEXEC);
        ssize_t got;
        while (fd >= 0 && (got = read(fd, buf, 64 * 1024)) > 0)
            total += got;
        if (fd >= 0)
            close(fd);
    }
    int64_t took = mono_us() - t0;
    g_free(buf);
    if (total != s->bytes)
        exit(1);
    return took;
}

static int by_value(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t median(int64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return v[n / 2];
}

static void measure(const set *s, int runs, bool cold)
{
    int64_t player[16], sum[16], rd[16];
    for (int r = 0; r < runs; r++) {
        if (cold)
            drop_pages(s);
        player[r] = run_player(s);
        if (cold)
            drop_pages(s);
        sum[r] = run_sha256sum(s);
        if (cold)
            drop_pages(s);
        rd[r] = run_read(s);
    }
    double mb = (double)s->bytes / 1e6;
    int64_t p = median(player, runs), q = median(sum, runs), t = median(rd, runs);
    printf("%s page cache, median of %d runs:\n", cold ? "cold" : "warm", runs);
    printf("  player (check at start)  %8.1f ms  %7.1f MB/s\n", (double)p / 1000,
           mb / ((double)p / 1e6));
    printf("  reference: sha256sum     %8.1f ms  %7.1f MB/s\n", (double)q / 1000,
           mb / ((double)q / 1e6));
    printf("  floor: plain read()      %8.1f ms  %7.1f MB/s\n", (double)t / 1000,
           mb / ((double)t / 1e6));
    printf("  ratio player / sha256sum: %.2f   player / read: %.1f\n", (double)p / (double)q,
           (double)p / (double)t);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atoi(argv[1]) : 64;
    size_t kib = argc > 2 ? (size_t)atoi(argv[2]) : 1536;
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    if (n == 0 || kib == 0 || runs < 1 || runs > 16) {
        fprintf(stderr, "usage: bench_cache_verify [FILES [KIB_EACH [RUNS ≤ 16]]]\n");
        return 2;
    }
    log_set_level(LOG_LEVEL_WARN);
    set s = {0};
    make_set(&s, n, kib);
    printf("cache: %zu files, %.1f MB (%zu KiB each) in %s\n", s.n, (double)s.bytes / 1e6, kib,
           s.cache_dir);
    measure(&s, runs, false);
    measure(&s, runs, true);
    char *cmd = g_strdup_printf("rm -rf '%s'", s.dir);
    int rc = system(cmd);
    g_free(cmd);
    for (size_t i = 0; i < s.n; i++)
        g_free(s.paths[i]);
    g_free(s.paths);
    g_free(s.sha);
    g_free(s.cache_dir);
    g_free(s.dir);
    return rc == 0 ? 0 : 1;
}
