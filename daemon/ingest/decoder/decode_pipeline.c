/* decode_pipeline: see decode_pipeline.h. decodebin still does the plugging — typefind, then
 * demuxer, parser, decoder — but each element it would plug is asked of autoplug-select first,
 * and only the allow-list's are tried: an upload never reaches code that people's files do not
 * need (Matroska, AVI, MOD trackers, the hundreds of libav decoders). */
#include "decode_pipeline.h"

#include <errno.h>
#include <gst/audio/audio.h>
#include <gst/gst.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "ingest.h"

/* fdsrc is push-only: wavparse in pull mode reads on past a data chunk of odd length into the
 * pad byte at the end of the file and gives up with no audio (a 22,050 Hz µ-law WAV from sox
 * or ffmpeg was refused as empty); in push mode it stops at the chunk's end. qtdemux and
 * asfdemux seek upstream in push mode when the index is at the end, which fdsrc allows on a
 * regular file. */
#define PIPELINE                                                                                   \
    "fdsrc name=src blocksize=65536 ! decodebin name=dec caps=audio/x-raw ! "                      \
    "audioconvert name=conv ! audioresample ! "                                                    \
    "audio/x-raw,format=F32LE,layout=interleaved,channels=1,rate=48000 ! "                         \
    "fdsink name=sink sync=false"

/* Every element decodebin may plug. Parsers and tag demuxers as well as decoders: a name not
 * here is skipped, and a stream nothing here takes is refused as unsupported. */
static const char *const ALLOWED[] = {
    /* WAV: PCM straight from wavparse; µ-law, A-law */
    "wavparse",
    "mulawdec",
    "alawdec",
    /* MP3, with its ID3 and APE tags */
    "id3demux",
    "apedemux",
    "mpegaudioparse",
    "mpg123audiodec",
    "avdec_mp3",
    "avdec_mp3float",
    /* FLAC, native or in Ogg */
    "flacparse",
    "flacdec",
    /* Ogg Vorbis, Ogg Opus */
    "oggdemux",
    "vorbisdec",
    "opusdec",
    /* AAC: raw ADTS, or in MP4/M4A/3GP (qtdemux) */
    "qtdemux",
    "aacparse",
    "avdec_aac",
    /* WMA in ASF */
    "asfdemux",
    "avdec_wmav1",
    "avdec_wmav2",
    /* AMR narrow- and wideband, raw or in 3GP */
    "amrparse",
    "amrnbdec",
    "amrwbdec",
    "avdec_amrnb",
    "avdec_amrwb",
};

/* Sample rates and channel counts a recorder or an editor writes; outside them a header lies
 * (a WAV "at 1 Hz" asks the resampler for 48,000 samples per input sample). */
#define RATE_MIN     4000
#define RATE_MAX     384000
#define CHANNELS_MAX 8

/* decodebin's GstAutoplugSelectResult (gst/playback/gstplay-enum.h, not installed). */
enum { SELECT_TRY = 0, SELECT_SKIP = 2 };

typedef struct decode_ctx {
    int64_t max_ms;
    GstAudioInfo info;
    bool have_info;
    uint64_t frames; /* at the source's rate */
    GMutex lock;     /* skipped: autoplug-select runs on streaming threads */
    char skipped[160];
} decode_ctx;

static int status_fd = -1;

void decode_pipeline_set_status_fd(int fd)
{
    status_fd = fd;
}

void decode_pipeline_exit(int err, const char *detail)
{
    char buf[INGEST_DETAIL_MAX + 1];
    size_t n = strlen(detail);
    if (n > INGEST_DETAIL_MAX - 1)
        n = INGEST_DETAIL_MAX - 1;
    memcpy(buf, detail, n);
    buf[n++] = '\n';
    if (status_fd >= 0 && write(status_fd, buf, n) < 0) {
        /* the daemon then reports the exit code without a detail */
    }
    int code = err < 0 ? -err : err;
    _exit(code == 0 ? 0 : code - INGEST_ERR_BASE);
}

static bool allowed(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(ALLOWED); i++)
        if (strcmp(name, ALLOWED[i]) == 0)
            return true;
    return false;
}

static int on_autoplug_select(GstElement *bin, GstPad *pad, GstCaps *caps,
                              GstElementFactory *factory, gpointer user)
{
    (void)bin;
    (void)pad;
    decode_ctx *c = user;
    const char *name = gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory));
    if (allowed(name))
        return SELECT_TRY;
    g_mutex_lock(&c->lock);
    if (!c->skipped[0]) {
        const GstStructure *s = gst_caps_get_structure(caps, 0);
        g_snprintf(c->skipped, sizeof c->skipped, "%s (%s)", s ? gst_structure_get_name(s) : "?",
                   name);
    }
    g_mutex_unlock(&c->lock);
    return SELECT_SKIP;
}

static void check_caps(decode_ctx *c, GstCaps *caps)
{
    char detail[INGEST_DETAIL_MAX];
    if (!gst_audio_info_from_caps(&c->info, caps))
        decode_pipeline_exit(-INGEST_ERR_UNDECODABLE, "decoded caps are not raw audio");
    if (c->info.rate < RATE_MIN || c->info.rate > RATE_MAX || c->info.channels < 1 ||
        c->info.channels > CHANNELS_MAX) {
        g_snprintf(detail, sizeof detail, "%d Hz, %d channels: outside %d-%d Hz, 1-%d channels",
                   c->info.rate, c->info.channels, RATE_MIN, RATE_MAX, CHANNELS_MAX);
        decode_pipeline_exit(-INGEST_ERR_UNSUPPORTED, detail);
    }
    c->have_info = true;
}

static void count(decode_ctx *c, GstBuffer *buf)
{
    char detail[INGEST_DETAIL_MAX];
    if (!c->have_info || c->info.bpf <= 0)
        decode_pipeline_exit(-INGEST_ERR_UNDECODABLE, "audio before its format");
    c->frames += gst_buffer_get_size(buf) / (guint)c->info.bpf;
    /* Before the resampler sees it: past the limit, not one more sample is worked on. */
    if (c->frames > (uint64_t)c->max_ms * (uint64_t)c->info.rate / 1000) {
        g_snprintf(detail, sizeof detail, "longer than %lld ms", (long long)c->max_ms);
        decode_pipeline_exit(-INGEST_ERR_TOO_LONG, detail);
    }
}

static gboolean count_one(GstBuffer **buf, guint idx, gpointer user)
{
    (void)idx;
    count(user, *buf);
    return TRUE;
}

/* On audioconvert's sink: the decoded audio at the source's rate, before any resampling. */
static GstPadProbeReturn on_decoded(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
    (void)pad;
    decode_ctx *c = user;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        count(c, GST_PAD_PROBE_INFO_BUFFER(info));
    } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
        gst_buffer_list_foreach(GST_PAD_PROBE_INFO_BUFFER_LIST(info), count_one, c);
    } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
        GstEvent *e = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(e) == GST_EVENT_CAPS) {
            GstCaps *caps = NULL;
            gst_event_parse_caps(e, &caps);
            check_caps(c, caps);
        }
    }
    return GST_PAD_PROBE_OK;
}

/* Maps a GStreamer error to why the upload is refused. */
static int classify(const GError *e, const decode_ctx *c)
{
    if (e->domain == GST_RESOURCE_ERROR)
        return -INGEST_ERR_IO;
    bool nothing = c->frames == 0;
    /* decodebin found a stream but every element for it was off the list */
    if (nothing && c->skipped[0])
        return -INGEST_ERR_UNSUPPORTED;
    if ((e->domain == GST_STREAM_ERROR &&
         (e->code == GST_STREAM_ERROR_TYPE_NOT_FOUND || e->code == GST_STREAM_ERROR_WRONG_TYPE ||
          e->code == GST_STREAM_ERROR_CODEC_NOT_FOUND)) ||
        (e->domain == GST_CORE_ERROR && e->code == GST_CORE_ERROR_MISSING_PLUGIN))
        return -INGEST_ERR_NOT_AUDIO;
    /* decodebin found nothing to link to audioconvert (e.g. a video-only file) */
    if (nothing && e->domain == GST_STREAM_ERROR && e->code == GST_STREAM_ERROR_FAILED)
        return -INGEST_ERR_NOT_AUDIO;
    return -INGEST_ERR_UNDECODABLE;
}

static int run(GstElement *pipe, decode_ctx *c, char *detail, size_t detail_len)
{
    GstBus *bus = gst_element_get_bus(pipe);
    int ret = 0;
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    GstMessage *msg =
        gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    if (msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        GError *e = NULL;
        gst_message_parse_error(msg, &e, NULL);
        ret = e ? classify(e, c) : -INGEST_ERR_UNDECODABLE;
        g_mutex_lock(&c->lock);
        if (ret == -INGEST_ERR_UNSUPPORTED)
            g_snprintf(detail, detail_len, "not on the list: %s", c->skipped);
        else
            g_snprintf(detail, detail_len, "decode: %s", e ? e->message : "unknown error");
        g_mutex_unlock(&c->lock);
        g_clear_error(&e);
    }
    if (msg)
        gst_message_unref(msg);
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(bus);
    return ret;
}

int decode_pipeline_run(int src_fd, int pcm_fd, int64_t max_ms, char *detail, size_t detail_len)
{
    decode_ctx c = {.max_ms = max_ms};
    GError *err = NULL;
    g_mutex_init(&c.lock);
    GstElement *pipe = gst_parse_launch(PIPELINE, &err);
    if (!pipe) {
        g_snprintf(detail, detail_len, "pipeline: %s", err ? err->message : "?");
        g_clear_error(&err);
        g_mutex_clear(&c.lock);
        return -INGEST_ERR_INTERNAL;
    }
    g_clear_error(&err);
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipe), "src");
    GstElement *dec = gst_bin_get_by_name(GST_BIN(pipe), "dec");
    GstElement *conv = gst_bin_get_by_name(GST_BIN(pipe), "conv");
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
    g_object_set(src, "fd", src_fd, NULL);
    g_object_set(sink, "fd", pcm_fd, NULL);
    g_signal_connect(dec, "autoplug-select", G_CALLBACK(on_autoplug_select), &c);
    GstPad *in = gst_element_get_static_pad(conv, "sink");
    gst_pad_add_probe(in,
                      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                          GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                      on_decoded, &c, NULL);
    int ret = run(pipe, &c, detail, detail_len);
    if (ret == 0 && c.frames == 0) {
        ret = -INGEST_ERR_EMPTY;
        g_snprintf(detail, detail_len, "no audio samples");
    }
    gst_object_unref(in);
    gst_object_unref(src);
    gst_object_unref(dec);
    gst_object_unref(conv);
    gst_object_unref(sink);
    gst_object_unref(pipe);
    g_mutex_clear(&c.lock);
    return ret;
}
