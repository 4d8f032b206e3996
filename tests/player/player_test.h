/* player_test: helpers shared by the player's tests (header-only: the test glob compiles
 * test_*.c files only). Real speech made with espeak-ng, encoded to Ogg Opus with GStreamer's
 * own command-line tool, so the files are what the daemon's ingest would hand a box. */
#ifndef LOALANG_PLAYER_TEST_H
#define LOALANG_PLAYER_TEST_H

#include <glib.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "hash.h"
#include "wallclock.h"

/* Speaks text into dir/name.opus; returns its sha256 and the speech's duration (from the
 * WAV: espeak-ng writes 22050 Hz mono 16-bit). Aborts the test program on failure. */
static inline void pt_make_speech(const char *dir, const char *name, const char *text,
                                  char sha[HASH_SHA256_HEX_LEN + 1], int64_t *duration_ms)
{
    char *wav = g_strdup_printf("%s/%s.wav", dir, name);
    char *opus = g_strdup_printf("%s/%s.opus", dir, name);
    char *cmd = g_strdup_printf(
        "espeak-ng -v vi -w '%s' '%s' && gst-launch-1.0 -q filesrc location='%s' ! wavparse ! "
        "audioconvert ! audioresample ! opusenc bitrate=32000 audio-type=voice ! oggmux ! "
        "filesink location='%s'",
        wav, text, wav, opus);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make test speech: %s\n", cmd);
        abort();
    }
    GStatBuf st;
    if (g_stat(wav, &st) != 0 || hash_sha256_file(opus, sha) != 0)
        abort();
    *duration_ms = (int64_t)(st.st_size - 44) * 1000 / (22050 * 2);
    g_free(cmd);
    g_free(wav);
    g_free(opus);
}

/* Copies src into the cache directory under its content name, as a verified download is. */
static inline void pt_install(const char *src, const char *cache_dir, const char *sha)
{
    char *dst = g_strdup_printf("%s/%s.opus", cache_dir, sha);
    char *data = NULL;
    gsize len = 0;
    g_mkdir_with_parents(cache_dir, 0750);
    if (!g_file_get_contents(src, &data, &len, NULL) ||
        !g_file_set_contents(dst, data, (gssize)len, NULL))
        abort();
    g_free(data);
    g_free(dst);
}

/* Damages a file the way a failing SD card does: n_at runs of 32 bytes, at the given fractions
 * (per mille) of its length, are flipped in place; its size, inode and modification time stay
 * the same. */
static inline void pt_damage(const char *path, const int *per_mille, size_t n_at)
{
    struct stat st;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 64)
        abort();
    for (size_t i = 0; i < n_at; i++) {
        unsigned char buf[32];
        off_t at = (off_t)(st.st_size - 32) * per_mille[i] / 1000;
        if (pread(fd, buf, sizeof buf, at) != (ssize_t)sizeof buf)
            abort();
        for (size_t k = 0; k < sizeof buf; k++)
            buf[k] ^= 0x5a;
        if (pwrite(fd, buf, sizeof buf, at) != (ssize_t)sizeof buf)
            abort();
    }
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (futimens(fd, times) != 0)
        abort();
    close(fd);
}

static inline void pt_keepalive(uv_timer_t *t)
{
    (void)t;
}

/* Runs the loop until done(data) or timeout_ms of wall time; returns done(data). */
static inline bool pt_run_until(uv_loop_t *loop, bool (*done)(void *), void *data,
                                int64_t timeout_ms)
{
    uv_timer_t beat;
    uv_timer_init(loop, &beat);
    uv_timer_start(&beat, pt_keepalive, 50, 50);
    int64_t end = g_get_monotonic_time() / 1000 + timeout_ms;
    bool ok = false;
    while (!(ok = done(data)) && g_get_monotonic_time() / 1000 < end)
        uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&beat, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return ok;
}

static inline int64_t pt_now_ms(void)
{
    return wallclock_now_ms();
}

#endif
