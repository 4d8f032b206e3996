/* ingest_decode: see ingest_decode.h. */
#include "ingest_decode.h"

#include <ebur128.h>
#include <errno.h>
#include <fcntl.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fileio.h"
#include "ingest.h"

/* The queue puts loudness measurement and the PCM write on their own thread, beside the
 * decoder and resampler: the two cores work at once. */
#define PIPELINE                                                                                   \
    "filesrc name=src ! decodebin ! audioconvert ! audioresample ! "                               \
    "audio/x-raw,format=F32LE,layout=interleaved,channels=1,rate=48000 ! "                         \
    "queue max-size-buffers=0 max-size-time=0 max-size-bytes=4194304 ! "                           \
    "appsink name=sink sync=false"

typedef struct decode_ctx {
    int fd;
    ebur128_state *r128;
    size_t n_samples, max_samples;
    bool too_long, write_failed;
    int write_errno;
} decode_ctx;

static gpointer gst_init_once(gpointer unused)
{
    (void)unused;
    GError *err = NULL;
    if (gst_init_check(NULL, NULL, &err))
        return GINT_TO_POINTER(1);
    g_error_free(err);
    return GINT_TO_POINTER(0);
}

static bool gst_ready(void)
{
    static GOnce once = G_ONCE_INIT;
    return GPOINTER_TO_INT(g_once(&once, gst_init_once, NULL)) != 0;
}

/* Runs on the appsink's streaming thread, one buffer at a time. */
static GstFlowReturn on_sample(GstAppSink *sink, gpointer user)
{
    decode_ctx *c = user;
    GstSample *sample = gst_app_sink_pull_sample(sink);
    GstFlowReturn ret = GST_FLOW_OK;
    GstMapInfo map;
    if (!sample)
        return GST_FLOW_EOS;
    GstBuffer *buf = gst_sample_get_buffer(sample);
    if (!buf || !gst_buffer_map(buf, &map, GST_MAP_READ)) {
        gst_sample_unref(sample);
        return GST_FLOW_ERROR;
    }
    size_t frames = map.size / sizeof(float);
    if (c->n_samples + frames > c->max_samples) {
        c->too_long = true;
        ret = GST_FLOW_ERROR;
    } else if ((c->write_errno = -fileio_write_all(c->fd, map.data, frames * sizeof(float))) != 0) {
        c->write_failed = true;
        ret = GST_FLOW_ERROR;
    } else {
        ebur128_add_frames_float(c->r128, (const float *)(const void *)map.data, frames);
        c->n_samples += frames;
    }
    gst_buffer_unmap(buf, &map);
    gst_sample_unref(sample);
    return ret;
}

/* Maps a GStreamer error to why the upload is refused. */
static int classify(const GError *e, size_t n_samples)
{
    if (e->domain == GST_RESOURCE_ERROR)
        return -INGEST_ERR_IO;
    if ((e->domain == GST_STREAM_ERROR &&
         (e->code == GST_STREAM_ERROR_TYPE_NOT_FOUND || e->code == GST_STREAM_ERROR_WRONG_TYPE ||
          e->code == GST_STREAM_ERROR_CODEC_NOT_FOUND)) ||
        (e->domain == GST_CORE_ERROR && e->code == GST_CORE_ERROR_MISSING_PLUGIN))
        return -INGEST_ERR_NOT_AUDIO;
    /* decodebin found nothing to link to audioconvert (e.g. a video-only file) */
    if (n_samples == 0 && e->domain == GST_STREAM_ERROR && e->code == GST_STREAM_ERROR_FAILED)
        return -INGEST_ERR_NOT_AUDIO;
    return -INGEST_ERR_UNDECODABLE;
}

/* Plays the pipeline to its end; 0 on EOS or the classified error. */
static int run_pipeline(GstElement *pipe, decode_ctx *c, char *detail, size_t detail_len)
{
    GstBus *bus = gst_element_get_bus(pipe);
    int ret = 0;
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    GstMessage *msg =
        gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        GError *e = NULL;
        gst_message_parse_error(msg, &e, NULL);
        g_snprintf(detail, detail_len, "decode: %s", e ? e->message : "unknown error");
        ret = e ? classify(e, c->n_samples) : -INGEST_ERR_UNDECODABLE;
        g_clear_error(&e);
    }
    if (c->too_long) {
        ret = -INGEST_ERR_TOO_LONG;
        g_snprintf(detail, detail_len, "longer than %zu samples", c->max_samples);
    } else if (c->write_failed) {
        ret = -INGEST_ERR_IO;
        g_snprintf(detail, detail_len, "writing PCM temp: %s", g_strerror(c->write_errno));
    }
    if (msg)
        gst_message_unref(msg);
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(bus);
    return ret;
}

static int decode_into(const char *src, decode_ctx *c, char *detail, size_t detail_len)
{
    GError *err = NULL;
    GstElement *pipe = gst_parse_launch(PIPELINE, &err);
    if (!pipe) {
        g_snprintf(detail, detail_len, "pipeline: %s", err ? err->message : "?");
        g_clear_error(&err);
        return -INGEST_ERR_INTERNAL;
    }
    g_clear_error(&err);
    GstElement *fsrc = gst_bin_get_by_name(GST_BIN(pipe), "src");
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
    GstAppSinkCallbacks cb = {.new_sample = on_sample};
    g_object_set(fsrc, "location", src, NULL);
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb, c, NULL);
    int ret = run_pipeline(pipe, c, detail, detail_len);
    gst_object_unref(fsrc);
    gst_object_unref(sink);
    gst_object_unref(pipe);
    return ret;
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

int ingest_decode(const char *src, const char *tmp_dir, size_t max_samples, ingest_pcm *out,
                  char *detail, size_t detail_len)
{
    decode_ctx c = {.max_samples = max_samples};
    int ret = 0;
    memset(out, 0, sizeof *out);
    out->fd = -1;
    if (!gst_ready()) {
        g_snprintf(detail, detail_len, "GStreamer failed to initialise");
        return -INGEST_ERR_INTERNAL;
    }
    if ((out->fd = c.fd = temp_fd(tmp_dir, detail, detail_len)) < 0)
        return -INGEST_ERR_IO;
    /* Loudness only: the peak that matters is the output's (ingest.c, encode_checked). */
    c.r128 = ebur128_init(1, INGEST_RATE, EBUR128_MODE_I);
    if (!c.r128) {
        ret = -INGEST_ERR_INTERNAL;
        goto out;
    }
    ret = decode_into(src, &c, detail, detail_len);
    if (ret == 0)
        ret = finish_measure(c.r128, out);
    if (ret == 0)
        ret = map_pcm(out, c.n_samples, detail, detail_len);
out:
    if (c.r128)
        ebur128_destroy(&c.r128);
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
