/* ingest_opus: see ingest_opus.h. */
#include "ingest_opus.h"

#include <ebur128.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <math.h>
#include <ogg/ogg.h>
#include <opus/opusenc.h>
#include <opus/opusfile.h>
#include <string.h>
#include <unistd.h>

#include "ingest.h"
#include "ingest_decode.h"

/* A fixed Ogg serial number: the output must depend on the audio alone, so that the same
 * upload twice gives the same bytes and the same sha256 (libopusenc picks a random one). Each
 * media file is a single unchained stream, where the serial number has nothing to tell apart. */
#define OGG_SERIAL 0x6c6f616c              /* "loal" */
#define CHUNK      (INGEST_RATE / 50 * 48) /* samples per write: ~1 s */
#define HEAD_GAIN  16                      /* offset of the output gain in OpusHead */
#define HEAD_MAX   65536                   /* the OpusHead page is within the first bytes */

int ingest_opus_gain_q78(double gain_db)
{
    double q = round(gain_db * 256.0);
    if (q > 32767)
        q = 32767;
    if (q < -32768)
        q = -32768;
    return (int)q;
}

/* ---- the checking thread: pages in through a queue, loudness out ---- */

typedef struct checker {
    GAsyncQueue *pages; /* GBytes; an empty one ends the stream */
    GBytes *cur;
    size_t off;
    bool eof;
    ingest_opus_check out;
    int ret;
} checker;

static int checker_read(void *stream, unsigned char *ptr, int nbytes)
{
    checker *c = stream;
    while (!c->eof && (!c->cur || c->off == g_bytes_get_size(c->cur))) {
        if (c->cur)
            g_bytes_unref(c->cur);
        c->cur = g_async_queue_pop(c->pages);
        c->off = 0;
        c->eof = g_bytes_get_size(c->cur) == 0;
    }
    if (c->eof)
        return 0;
    size_t avail = g_bytes_get_size(c->cur) - c->off;
    size_t n = MIN(avail, (size_t)nbytes);
    memcpy(ptr, (const unsigned char *)g_bytes_get_data(c->cur, NULL) + c->off, n);
    c->off += n;
    return (int)n;
}

static int measure(OggOpusFile *of, ebur128_state *st, ingest_opus_check *out)
{
    float buf[5760]; /* 120 ms at 48 kHz, the longest Opus packet */
    int n;
    int64_t total = 0;
    double peak = 0;
    while ((n = op_read_float(of, buf, (int)G_N_ELEMENTS(buf), NULL)) > 0) {
        ebur128_add_frames_float(st, buf, (size_t)n);
        total += n;
    }
    if (n < 0 || ebur128_loudness_global(st, &out->loudness_lufs) != EBUR128_SUCCESS ||
        ebur128_true_peak(st, 0, &peak) != EBUR128_SUCCESS)
        return -INGEST_ERR_INTERNAL;
    out->true_peak_dbtp = peak > 0 ? 20 * log10(peak) : -HUGE_VAL;
    out->duration_ms = total * 1000 / INGEST_RATE;
    return 0;
}

static gpointer checker_run(gpointer data)
{
    checker *c = data;
    const OpusFileCallbacks cb = {.read = checker_read};
    int err = 0;
    ebur128_state *st = ebur128_init(1, INGEST_RATE, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
    OggOpusFile *of = st ? op_open_callbacks(c, &cb, NULL, 0, &err) : NULL;
    c->ret = of && op_channel_count(of, -1) == 1 ? measure(of, st, &c->out) : -INGEST_ERR_INTERNAL;
    if (of)
        op_free(of);
    if (st)
        ebur128_destroy(&st);
    /* Drain to the end marker, whatever happened, so nothing is left queued. */
    unsigned char sink[4096];
    while (checker_read(c, sink, sizeof sink) > 0)
        ;
    return NULL;
}

/* ---- the encoder ---- */

typedef struct sink {
    int fd;
    int write_errno;
    GAsyncQueue *pages;
} sink;

static int sink_write(void *user, const unsigned char *ptr, opus_int32 len)
{
    sink *k = user;
    const unsigned char *p = ptr;
    for (size_t left = (size_t)len; left > 0;) {
        ssize_t n = write(k->fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            k->write_errno = errno;
            return 1;
        }
        p += n;
        left -= (size_t)n;
    }
    g_async_queue_push(k->pages, g_bytes_new(ptr, (gsize)len));
    return 0;
}

static int sink_close(void *user)
{
    (void)user;
    return 0;
}

static int configure(OggOpusEnc *enc, int32_t bitrate, int gain_q78)
{
    if (ope_encoder_ctl(enc, OPE_SET_SERIALNO(OGG_SERIAL)) != OPE_OK ||
        ope_encoder_ctl(enc, OPE_SET_HEADER_GAIN(gain_q78)) != OPE_OK ||
        ope_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate)) != OPE_OK ||
        ope_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPE_OK)
        return -1;
    return 0;
}

static int encode_all(sink *k, const float *pcm, size_t n, int32_t bitrate, int gain_q78,
                      char *detail, size_t detail_len)
{
    const OpusEncCallbacks cb = {.write = sink_write, .close = sink_close};
    int err = OPE_OK, ret = 0;
    OggOpusComments *comments = ope_comments_create();
    OggOpusEnc *enc =
        comments ? ope_encoder_create_callbacks(&cb, k, comments, INGEST_RATE, 1, 0, &err) : NULL;
    if (!enc || configure(enc, bitrate, gain_q78) != 0) {
        g_snprintf(detail, detail_len, "opus encoder: %s", ope_strerror(enc ? OPE_OK : err));
        ret = -INGEST_ERR_INTERNAL;
        goto out;
    }
    for (size_t i = 0; i < n && err == OPE_OK; i += CHUNK)
        err = ope_encoder_write_float(enc, pcm + i, (int)MIN(n - i, (size_t)CHUNK));
    if (err == OPE_OK)
        err = ope_encoder_drain(enc);
    if (err != OPE_OK) {
        ret = k->write_errno ? -INGEST_ERR_IO : -INGEST_ERR_INTERNAL;
        g_snprintf(detail, detail_len, "opus encode: %s",
                   k->write_errno ? g_strerror(k->write_errno) : ope_strerror(err));
    }
out:
    if (enc)
        ope_encoder_destroy(enc);
    if (comments)
        ope_comments_destroy(comments);
    return ret;
}

int ingest_opus_encode(const float *pcm, size_t n, const char *path, int32_t bitrate, int gain_q78,
                       ingest_opus_check *chk, char *detail, size_t detail_len)
{
    checker c = {.pages = g_async_queue_new_full((GDestroyNotify)g_bytes_unref)};
    sink k = {.pages = c.pages};
    k.fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (k.fd < 0) {
        g_snprintf(detail, detail_len, "open %s: %s", path, g_strerror(errno));
        g_async_queue_unref(c.pages);
        return -INGEST_ERR_IO;
    }
    GThread *t = g_thread_new("ingest-check", checker_run, &c);
    int ret = encode_all(&k, pcm, n, bitrate, gain_q78, detail, detail_len);
    g_async_queue_push(c.pages, g_bytes_new(NULL, 0));
    g_thread_join(t);
    if (close(k.fd) != 0 && ret == 0) {
        g_snprintf(detail, detail_len, "close %s: %s", path, g_strerror(errno));
        ret = -INGEST_ERR_IO;
    }
    if (ret == 0 && (ret = c.ret) != 0)
        g_snprintf(detail, detail_len, "reading back the encoded stream failed");
    if (ret == 0)
        *chk = c.out;
    if (c.cur)
        g_bytes_unref(c.cur);
    g_async_queue_unref(c.pages);
    return ret;
}

/* ---- gain rewrite ---- */

static int rewrite_head(int fd, unsigned char *buf, ssize_t len, int gain_q78)
{
    ogg_sync_state oy;
    ogg_page og;
    int ret = -1;
    ogg_sync_init(&oy);
    char *dst = ogg_sync_buffer(&oy, len);
    memcpy(dst, buf, (size_t)len);
    ogg_sync_wrote(&oy, len);
    /* The stream starts with the OpusHead page (RFC 7845 §3), nothing before it. */
    if (ogg_sync_pageout(&oy, &og) == 1 && ogg_page_bos(&og) && og.body_len >= 19 &&
        !memcmp(og.body, "OpusHead", 8) && og.header == oy.data) {
        og.body[HEAD_GAIN] = (unsigned char)(gain_q78 & 0xff);
        og.body[HEAD_GAIN + 1] = (unsigned char)((gain_q78 >> 8) & 0xff);
        ogg_page_checksum_set(&og);
        if (pwrite(fd, og.header, (size_t)og.header_len, 0) == og.header_len &&
            pwrite(fd, og.body, (size_t)og.body_len, og.header_len) == og.body_len)
            ret = 0;
    }
    ogg_sync_clear(&oy);
    return ret;
}

int ingest_opus_set_gain(const char *path, int gain_q78, char *detail, size_t detail_len)
{
    unsigned char *buf = g_malloc(HEAD_MAX);
    int ret = 0;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    ssize_t len = fd < 0 ? -1 : pread(fd, buf, HEAD_MAX, 0);
    if (len <= 0 || rewrite_head(fd, buf, len, gain_q78) != 0) {
        g_snprintf(detail, detail_len, "rewriting the OpusHead gain of %s failed", path);
        ret = -INGEST_ERR_IO;
    }
    if (fd >= 0)
        close(fd);
    g_free(buf);
    return ret;
}
