/* ingest_decode: see ingest_decode.h. The decoder runs on one core, this thread (loudness and
 * the PCM write) on the other, a pipe between them. */
#include "ingest_decode.h"

#include <ebur128.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fileio.h"
#include "ingest_helper.h"

#define CHUNK (256 * 1024)

/* Reads the helper's PCM to its end into fd and r128; *n_samples counts. The helper is
 * finished (reaped) whatever happens. */
static int pump(ingest_helper *h, int fd, ebur128_state *r128, size_t max_samples,
                size_t *n_samples, char *detail, size_t detail_len)
{
    float *buf = g_malloc(CHUNK);
    size_t carry = 0; /* bytes of a sample cut by the pipe, kept at buf's start */
    int ret = 0, rc;
    for (;;) {
        size_t got = 0;
        if ((rc = ingest_helper_read(h, (char *)buf + carry, CHUNK - carry, &got)) != 0) {
            if (rc != -ETIMEDOUT) {
                g_snprintf(detail, detail_len, "reading the decoder: %s", g_strerror(-rc));
                ret = -INGEST_ERR_IO;
            }
            break; /* a timeout is worded by ingest_helper_finish */
        }
        if (got == 0)
            break;
        size_t bytes = carry + got, frames = bytes / sizeof(float);
        if (*n_samples + frames > max_samples) {
            g_snprintf(detail, detail_len, "longer than %zu samples", max_samples);
            ret = -INGEST_ERR_TOO_LONG;
            break;
        }
        if ((rc = fileio_write_all(fd, buf, frames * sizeof(float))) != 0) {
            g_snprintf(detail, detail_len, "writing PCM temp: %s", g_strerror(-rc));
            ret = -INGEST_ERR_IO;
            break;
        }
        ebur128_add_frames_float(r128, buf, frames);
        *n_samples += frames;
        carry = bytes - frames * sizeof(float);
        memmove(buf, (char *)buf + frames * sizeof(float), carry);
    }
    g_free(buf);
    /* Our own reason stands over the helper's; a clean end or a timeout is the helper's. */
    bool stop = ret != 0 || rc == -ETIMEDOUT;
    char why[INGEST_DETAIL_MAX] = "";
    int end = ingest_helper_finish(h, stop, why, sizeof why);
    if (ret == 0 && end != 0) {
        g_strlcpy(detail, why, detail_len);
        ret = end;
    }
    return ret;
}

static int decode_into(int src_fd, const ingest_opts *o, int fd, ebur128_state *r128,
                       size_t *n_samples, char *detail, size_t detail_len)
{
    char max_ms[32];
    g_snprintf(max_ms, sizeof max_ms, "%lld", (long long)o->max_duration_ms);
    const char *args[] = {"--max-ms", max_ms, NULL};
    ingest_helper_limits lim = {
        .cpu_s = o->decode_cpu_s, .wall_s = o->decode_wall_s, .mem_bytes = o->decode_mem_bytes};
    ingest_helper h;
    char *path = ingest_helper_path(o->decoder);
    int ret = ingest_helper_spawn(path, args, src_fd, &lim, &h, detail, detail_len);
    g_free(path);
    if (ret != 0)
        return ret;
    size_t max_samples = (size_t)(o->max_duration_ms * (INGEST_RATE / 1000));
    return pump(&h, fd, r128, max_samples, n_samples, detail, detail_len);
}

/* An unlinked temp file in dir: nothing to clean up whatever happens to the process. */
static int temp_fd(const char *dir, char *detail, size_t detail_len)
{
    char *path = g_build_filename(dir, ".ingest-pcm-XXXXXX", NULL);
    int fd = g_mkstemp_full(path, O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        g_snprintf(detail, detail_len, "temp file in %s: %s", dir, g_strerror(errno));
    else
        unlink(path);
    g_free(path);
    return fd;
}

static int finish_measure(ebur128_state *st, ingest_pcm *out)
{
    return ebur128_loudness_global(st, &out->loudness_lufs) == EBUR128_SUCCESS
               ? 0
               : -INGEST_ERR_INTERNAL;
}

static int map_pcm(ingest_pcm *out, size_t n, char *detail, size_t detail_len)
{
    out->n_samples = n;
    if (n == 0)
        return 0;
    out->map_len = n * sizeof(float);
    void *p = mmap(NULL, out->map_len, PROT_READ, MAP_PRIVATE, out->fd, 0);
    if (p == MAP_FAILED) {
        out->map_len = 0;
        g_snprintf(detail, detail_len, "mmap PCM: %s", g_strerror(errno));
        return -INGEST_ERR_IO;
    }
    madvise(p, out->map_len, MADV_SEQUENTIAL);
    out->samples = p;
    return 0;
}

int ingest_decode(int src_fd, const char *tmp_dir, const ingest_opts *o, ingest_pcm *out,
                  char *detail, size_t detail_len)
{
    ebur128_state *r128 = NULL;
    size_t n_samples = 0;
    int ret = 0;
    memset(out, 0, sizeof *out);
    if ((out->fd = temp_fd(tmp_dir, detail, detail_len)) < 0)
        return -INGEST_ERR_IO;
    /* Loudness only: the peak that matters is the output's (ingest.c, encode_checked). */
    r128 = ebur128_init(1, INGEST_RATE, EBUR128_MODE_I);
    if (!r128) {
        ret = -INGEST_ERR_INTERNAL;
        goto out;
    }
    ret = decode_into(src_fd, o, out->fd, r128, &n_samples, detail, detail_len);
    if (ret == 0)
        ret = finish_measure(r128, out);
    if (ret == 0)
        ret = map_pcm(out, n_samples, detail, detail_len);
out:
    if (r128)
        ebur128_destroy(&r128);
    if (ret != 0)
        ingest_pcm_release(out);
    return ret;
}

void ingest_pcm_release(ingest_pcm *p)
{
    if (p->map_len)
        munmap((void *)p->samples, p->map_len);
    if (p->fd >= 0)
        close(p->fd);
    memset(p, 0, sizeof *p);
    p->fd = -1;
}
