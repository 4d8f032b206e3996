/* ingest: see ingest.h. The order of work, and why (docs/media.md):
 * 1. open the source and check its size (cheap refusals first);
 * 2. decode once, in the sandboxed loalang-decode, into an unlinked temp PCM file while
 *    measuring loudness (ingest_decode);
 * 3. encode from that PCM with the gain in the header — the gain must be known before the
 *    header is written, and the PCM is on hand, so this never decodes twice — while a second
 *    thread decodes the pages as they come out and measures them (ingest_opus);
 * 4. set the final header gain from that measurement of the output (encode_checked);
 * 5. fsync, hash, rename into media/<aa>/<sha256>.opus, fsync the directory. */
#include "ingest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest_decode.h"
#include "ingest_opus.h"

#define TEMP_PREFIX ".ingest-"

void ingest_opts_default(ingest_opts *o)
{
    *o = (ingest_opts){
        .bitrate = 32000,
        .target_lufs = -16.0,
        .max_true_peak = -1.0,
        .silence_lufs = -60.0,
        .max_bytes = (int64_t)512 << 20,
        .max_duration_ms = 3600 * 1000,
        .decode_cpu_s = 120,
        .decode_wall_s = 300,
        .decode_mem_bytes = (int64_t)1 << 30,
    };
}

static int fail(ingest_result *out, int err, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static int fail(ingest_result *out, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_vsnprintf(out->detail, sizeof out->detail, fmt, ap);
    va_end(ap);
    return err;
}

/* Opens the source for the decoder (it gets this fd: it needs no path and no right to open
 * anything by name) and checks it; *fd_out is -1 on failure. */
static int open_source(const char *src, const ingest_opts *o, int *fd_out, ingest_result *out)
{
    struct stat st;
    *fd_out = -1;
    /* O_NONBLOCK: a FIFO given to the CLI must not hang the open; it is refused below. */
    int fd = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
        return fail(out, -INGEST_ERR_NO_SOURCE, "source %s: %s", src, g_strerror(errno));
    if (fd < 0)
        return fail(out, -INGEST_ERR_IO, "source %s: %s", src, g_strerror(errno));
    int ret = 0;
    if (fstat(fd, &st) != 0)
        ret = fail(out, -INGEST_ERR_IO, "source %s: %s", src, g_strerror(errno));
    else if (!S_ISREG(st.st_mode))
        ret = fail(out, -INGEST_ERR_NOT_AUDIO, "source %s is not a regular file", src);
    else if (st.st_size == 0)
        ret = fail(out, -INGEST_ERR_EMPTY, "source is empty");
    else if (st.st_size > o->max_bytes)
        ret = fail(out, -INGEST_ERR_TOO_LARGE, "source has %lld bytes, limit %lld",
                   (long long)st.st_size, (long long)o->max_bytes);
    else if (fcntl(fd, F_SETFL, 0) != 0)
        ret = fail(out, -INGEST_ERR_IO, "source %s: %s", src, g_strerror(errno));
    if (ret != 0)
        close(fd);
    else
        *fd_out = fd;
    return ret;
}

static int check_pcm(const ingest_pcm *p, const ingest_opts *o, ingest_result *out)
{
    if (p->n_samples == 0)
        return fail(out, -INGEST_ERR_EMPTY, "no audio samples");
    if (!isfinite(p->loudness_lufs) || p->loudness_lufs < o->silence_lufs)
        return fail(out, -INGEST_ERR_SILENT, "integrated loudness %.1f LUFS", p->loudness_lufs);
    return 0;
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int ret = fsync(fd) == 0 ? 0 : -errno;
    close(fd);
    return ret;
}

/* Encodes once with the gain the input's loudness asks for (OPE_SET_HEADER_GAIN), measuring
 * the output as it is written. The output gain only scales the decoded audio — the encoder
 * never sees it — so the final gain is then set from the output's own loudness and true peak:
 * min(target - loudness, ceiling - peak), rounded down to a Q7.8 step, rewritten in place when
 * it differs. Loudness and peak move by exactly that step; no second encode, no second decode,
 * and the peak ceiling holds for what the boxes will play rather than for the input. */
static int encode_checked(const ingest_pcm *p, const char *tmp, const ingest_opts *o,
                          ingest_result *out)
{
    ingest_opus_check chk;
    int q = ingest_opus_gain_q78(o->target_lufs - p->loudness_lufs);
    int ret = ingest_opus_encode(p->samples, p->n_samples, tmp, o->bitrate, q, &chk, out->detail,
                                 sizeof out->detail);
    if (ret != 0)
        return ret;
    double room = fmin(o->target_lufs - chk.loudness_lufs, o->max_true_peak - chk.true_peak_dbtp);
    int step = ingest_opus_gain_q78(q / 256.0 + floor(room * 256.0) / 256.0) - q;
    if (step != 0 &&
        (ret = ingest_opus_set_gain(tmp, q + step, out->detail, sizeof out->detail)) != 0)
        return ret;
    out->gain_db = (q + step) / 256.0;
    out->loudness_out_lufs = chk.loudness_lufs + step / 256.0;
    out->true_peak_dbtp = chk.true_peak_dbtp + step / 256.0;
    out->duration_ms = chk.duration_ms;
    return 0;
}

/* Moves the durable temp file to its content name, or drops it when that name exists. */
static int place(const char *tmp, const char *media_dir, ingest_result *out)
{
    char sub[3] = {out->sha256[0], out->sha256[1], '\0'};
    char *dir = g_build_filename(media_dir, sub, NULL);
    char *name = g_strconcat(out->sha256, ".opus", NULL);
    char *final = g_build_filename(dir, name, NULL);
    int ret = 0;
    bool made = g_mkdir(dir, 0750) == 0;
    if (!made && errno != EEXIST) {
        ret = fail(out, -INGEST_ERR_IO, "mkdir %s: %s", dir, g_strerror(errno));
        goto out;
    }
    if (g_file_test(final, G_FILE_TEST_EXISTS)) {
        out->deduplicated = true;
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, final) != 0) {
        ret = fail(out, -INGEST_ERR_IO, "rename to %s: %s", final, g_strerror(errno));
        goto out;
    }
    /* The new name, and a new aa/ itself, are durable only once their directories are. */
    if (fsync_path(dir, O_RDONLY | O_DIRECTORY) != 0 ||
        (made && fsync_path(media_dir, O_RDONLY | O_DIRECTORY) != 0)) {
        unlink(final);
        ret = fail(out, -INGEST_ERR_IO, "fsync %s: %s", dir, g_strerror(errno));
    }
out:
    g_free(final);
    g_free(name);
    g_free(dir);
    return ret;
}

static int finish(const char *tmp, const char *media_dir, ingest_result *out)
{
    struct stat st;
    int rc = fsync_path(tmp, O_RDONLY);
    if (rc != 0)
        return fail(out, -INGEST_ERR_IO, "fsync %s: %s", tmp, g_strerror(-rc));
    if (stat(tmp, &st) != 0)
        return fail(out, -INGEST_ERR_IO, "stat %s: %s", tmp, g_strerror(errno));
    out->bytes = st.st_size;
    if ((rc = hash_sha256_file(tmp, out->sha256)) != 0)
        return fail(out, -INGEST_ERR_IO, "hash %s: %s", tmp, g_strerror(-rc));
    return place(tmp, media_dir, out);
}

/* A name for the Opus temp file; the file itself is created by the encoder. */
static char *temp_opus(const char *media_dir, ingest_result *out)
{
    char *tmp = g_build_filename(media_dir, TEMP_PREFIX "XXXXXX", NULL);
    int fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0640);
    if (fd < 0) {
        fail(out, -INGEST_ERR_IO, "temp file in %s: %s", media_dir, g_strerror(errno));
        g_free(tmp);
        return NULL;
    }
    close(fd);
    return tmp;
}

int ingest_file(const char *src_path, const char *media_dir, const ingest_opts *opts,
                ingest_result *out)
{
    ingest_opts defaults;
    ingest_pcm pcm = {.fd = -1};
    char *tmp = NULL;
    int src = -1;
    if (!opts) {
        ingest_opts_default(&defaults);
        opts = &defaults;
    }
    memset(out, 0, sizeof *out);
    int ret = open_source(src_path, opts, &src, out);
    if (ret != 0)
        return ret;
    ret = ingest_decode(src, media_dir, opts, &pcm, out->detail, sizeof out->detail);
    close(src);
    if (ret == 0)
        ret = check_pcm(&pcm, opts, out);
    if (ret != 0)
        goto out;
    out->loudness_in_lufs = pcm.loudness_lufs;
    if (!(tmp = temp_opus(media_dir, out))) {
        ret = -INGEST_ERR_IO;
        goto out;
    }
    ret = encode_checked(&pcm, tmp, opts, out);
    ingest_pcm_release(&pcm);
    if (ret == 0)
        ret = finish(tmp, media_dir, out);
out:
    ingest_pcm_release(&pcm);
    if (ret != 0 && tmp)
        unlink(tmp);
    g_free(tmp);
    return ret;
}

int ingest_sweep_temps(const char *media_dir)
{
    DIR *d = opendir(media_dir);
    int n = 0;
    if (!d)
        return -errno;
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, TEMP_PREFIX, strlen(TEMP_PREFIX)) != 0)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            n++;
    }
    closedir(d);
    return n;
}

/* Indexed by code - INGEST_ERR_BASE; slot 0 is INGEST_OK. */
#define SLOT(e) ((e)-INGEST_ERR_BASE)
static const struct {
    const char *code, *message;
} ERRORS[] = {
    [0] = {"ok", "Thành công"},
    [SLOT(INGEST_ERR_NOT_AUDIO)] = {"not_audio",
                                    "Tệp không phải âm thanh hoặc định dạng không hỗ trợ"},
    [SLOT(INGEST_ERR_UNDECODABLE)] = {"undecodable", "Tệp âm thanh bị hỏng, không giải mã được"},
    [SLOT(INGEST_ERR_EMPTY)] = {"empty", "Tệp rỗng, không có âm thanh"},
    [SLOT(INGEST_ERR_SILENT)] = {"silent", "Tệp âm thanh im lặng hoặc quá nhỏ, không nghe được"},
    [SLOT(INGEST_ERR_TOO_LARGE)] = {"too_large", "Tệp quá lớn, vượt giới hạn cho phép"},
    [SLOT(INGEST_ERR_TOO_LONG)] = {"too_long", "Âm thanh quá dài, vượt thời lượng cho phép"},
    [SLOT(INGEST_ERR_IO)] = {"io", "Lỗi đọc/ghi trên máy chủ khi xử lý tệp"},
    [SLOT(INGEST_ERR_INTERNAL)] = {"internal", "Lỗi nội bộ của máy chủ khi xử lý âm thanh"},
    [SLOT(INGEST_ERR_UNSUPPORTED)] = {"unsupported_format",
                                      "Định dạng âm thanh không được hỗ trợ. Hãy gửi tệp WAV, MP3, "
                                      "FLAC, Ogg (Vorbis, Opus), AAC/M4A, WMA hoặc AMR/3GP"},
    [SLOT(INGEST_ERR_DECODE_LIMIT)] = {"decode_limit",
                                       "Tệp cần quá nhiều thời gian hoặc bộ nhớ để giải mã, "
                                       "máy chủ đã dừng xử lý"},
    [SLOT(INGEST_ERR_NO_SOURCE)] = {"no_source", "Không tìm thấy tệp"},
};

bool ingest_error_is_ingest(int err)
{
    int e = err < 0 ? -err : err;
    return e >= INGEST_ERR_NOT_AUDIO && e <= INGEST_ERR_LAST;
}

/* Anything that is neither 0 nor an ingest code (an errno from the HTTP layer's thread pool,
 * say) reads as INTERNAL: the server's fault, never the upload's. */
static int index_of(int err)
{
    if (err == 0)
        return 0;
    int e = err < 0 ? -err : err;
    return SLOT(ingest_error_is_ingest(e) ? e : INGEST_ERR_INTERNAL);
}

const char *ingest_error_message(int err)
{
    return ERRORS[index_of(err)].message;
}

const char *ingest_error_code(int err)
{
    return ERRORS[index_of(err)].code;
}

bool ingest_error_is_client(int err)
{
    switch (index_of(err) + INGEST_ERR_BASE) {
    case INGEST_ERR_NOT_AUDIO:
    case INGEST_ERR_UNDECODABLE:
    case INGEST_ERR_EMPTY:
    case INGEST_ERR_SILENT:
    case INGEST_ERR_TOO_LARGE:
    case INGEST_ERR_TOO_LONG:
    case INGEST_ERR_UNSUPPORTED:
    case INGEST_ERR_DECODE_LIMIT:
        return true;
    default: /* IO, INTERNAL, and NO_SOURCE: an upload's source is the server's temp file */
        return false;
    }
}
