/* pipeline: exact-start playback of one file, bus on the libuv loop. */
#include "pipeline.h"

#include <errno.h>
#include <glib.h>
#include <gst/audio/audio.h>
#include <time.h>

#include "log.h"
#include "wallclock.h"

struct player_pipeline {
    GstElement *pipe;
    GstBus *bus;
    uv_poll_t *poll;
    pipeline_cb cb;
    void *data;
    bool waiting_preroll;
    bool to_file, playing, ended; /* a WAV output; PLAYING reached; EOS or error seen */
    gint64 first_ns;              /* written by the streaming thread (atomically) */
    gint64 played_ns;             /* audio pushed to the sink since the last flush (atomic) */
    GstAudioInfo info;            /* the raw audio's format; streaming thread only */
    bool have_info;
};

GstClock *pipeline_clock_new(void)
{
    GstClock *c = g_object_new(GST_TYPE_SYSTEM_CLOCK, "clock-type", GST_CLOCK_TYPE_REALTIME, NULL);
    gst_object_ref_sink(c);
    return c;
}

static void on_handoff(GstElement *sink, GstBuffer *buf, GstPad *pad, gpointer data)
{
    (void)sink;
    (void)buf;
    (void)pad;
    player_pipeline *pl = data;
    if (__atomic_load_n(&pl->first_ns, __ATOMIC_ACQUIRE) == 0) {
        gint64 ns = wallclock_now_us() * 1000;
        __atomic_store_n(&pl->first_ns, ns, __ATOMIC_RELEASE);
    }
}

int64_t pipeline_first_buffer_ns(const player_pipeline *pl)
{
    return __atomic_load_n(&pl->first_ns, __ATOMIC_ACQUIRE);
}

int64_t pipeline_played_ms(const player_pipeline *pl)
{
    return __atomic_load_n(&pl->played_ns, __ATOMIC_ACQUIRE) / (gint64)GST_MSECOND;
}

static void count(player_pipeline *pl, GstBuffer *buf)
{
    if (GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_GAP))
        return; /* silence standing in for missing audio is not the piece */
    GstClockTime ns = GST_BUFFER_DURATION(buf);
    if (pl->have_info && GST_AUDIO_INFO_BPF(&pl->info) > 0 && GST_AUDIO_INFO_RATE(&pl->info) > 0)
        ns = gst_util_uint64_scale(gst_buffer_get_size(buf) / GST_AUDIO_INFO_BPF(&pl->info),
                                   GST_SECOND, (guint64)GST_AUDIO_INFO_RATE(&pl->info));
    if (GST_CLOCK_TIME_IS_VALID(ns))
        __atomic_add_fetch(&pl->played_ns, (gint64)ns, __ATOMIC_RELEASE);
}

static gboolean count_one(GstBuffer **buf, guint idx, gpointer data)
{
    (void)idx;
    count(data, *buf);
    return TRUE;
}

/* On the streaming thread, at the sink's door: the samples that reach it are what the sink
 * plays. Holes in the stream (a damaged page the demuxer dropped) add nothing, though the sink
 * waits through them; a flush (a seek to join late) starts the count again. */
static GstPadProbeReturn on_audio(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    (void)pad;
    player_pipeline *pl = data;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        count(pl, GST_PAD_PROBE_INFO_BUFFER(info));
    } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
        gst_buffer_list_foreach(GST_PAD_PROBE_INFO_BUFFER_LIST(info), count_one, pl);
    } else if (info->type & (GST_PAD_PROBE_TYPE_EVENT_BOTH | GST_PAD_PROBE_TYPE_EVENT_FLUSH)) {
        GstEvent *e = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(e) == GST_EVENT_FLUSH_STOP) {
            __atomic_store_n(&pl->played_ns, 0, __ATOMIC_RELEASE);
        } else if (GST_EVENT_TYPE(e) == GST_EVENT_CAPS) {
            GstCaps *caps = NULL;
            gst_event_parse_caps(e, &caps);
            pl->have_info = gst_audio_info_from_caps(&pl->info, caps);
        }
    }
    return GST_PAD_PROBE_OK;
}

static void handle(player_pipeline *pl, GstMessage *m)
{
    switch (GST_MESSAGE_TYPE(m)) {
    case GST_MESSAGE_ASYNC_DONE:
        if (pl->waiting_preroll) {
            pl->waiting_preroll = false;
            pl->cb(pl, PIPELINE_PREROLLED, NULL, pl->data);
        }
        break;
    case GST_MESSAGE_EOS:
        pl->ended = true;
        pl->cb(pl, PIPELINE_EOS, NULL, pl->data);
        break;
    case GST_MESSAGE_ERROR: {
        GError *e = NULL;
        gst_message_parse_error(m, &e, NULL);
        pl->ended = true;
        pl->cb(pl, PIPELINE_ERROR, e ? e->message : "error", pl->data);
        if (e)
            g_error_free(e);
        break;
    }
    default:
        break;
    }
}

/* The callback may free the pipeline: stop reading the bus as soon as it has. */
static void on_bus(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    player_pipeline *pl = h->data;
    GstMessage *m;
    while (pl && (m = gst_bus_pop(pl->bus)) != NULL) {
        GstMessageType t = GST_MESSAGE_TYPE(m);
        bool final = t == GST_MESSAGE_EOS || t == GST_MESSAGE_ERROR;
        handle(pl, m);
        gst_message_unref(m);
        pl = h->data; /* NULL once pipeline_free ran */
        if (final)
            break;
    }
}

static char *sink_desc(const pipeline_opts *o)
{
    switch (o->output) {
    case PLAYER_OUTPUT_FAKE:
        return g_strdup("fakesink name=sink sync=true signal-handoffs=true");
    case PLAYER_OUTPUT_FILE:
        return g_strdup("wavenc ! filesink name=sink sync=true");
    case PLAYER_OUTPUT_ALSA:
        return g_strdup("alsasink name=sink");
    case PLAYER_OUTPUT_PULSE:
        return g_strdup("pulsesink name=sink");
    case PLAYER_OUTPUT_AUTO:
    default:
        return g_strdup("autoaudiosink name=sink");
    }
}

static int build(player_pipeline *pl, const char *media_path, const pipeline_opts *o)
{
    char *sink = sink_desc(o);
    char *desc = g_strdup_printf("filesrc name=src ! oggdemux ! opusdec ! audioconvert ! "
                                 "audioresample ! volume name=vol ! %s",
                                 sink);
    GError *e = NULL;
    pl->pipe = gst_parse_launch(desc, &e);
    g_free(desc);
    g_free(sink);
    if (pl->pipe == NULL || e != NULL) {
        log_error("playout: cannot build the pipeline: %s", e ? e->message : "?");
        if (e)
            g_error_free(e);
        return -EINVAL;
    }
    GstElement *src = gst_bin_get_by_name(GST_BIN(pl->pipe), "src");
    GstElement *vol = gst_bin_get_by_name(GST_BIN(pl->pipe), "vol");
    GstElement *snk = gst_bin_get_by_name(GST_BIN(pl->pipe), "sink");
    g_object_set(src, "location", media_path, NULL);
    g_object_set(vol, "volume", o->volume, NULL);
    if (o->output == PLAYER_OUTPUT_FILE)
        g_object_set(snk, "location", o->file_path, NULL);
    if (o->device && (o->output == PLAYER_OUTPUT_ALSA || o->output == PLAYER_OUTPUT_PULSE))
        g_object_set(snk, "device", o->device, NULL);
    if (o->output == PLAYER_OUTPUT_FAKE)
        g_signal_connect(snk, "handoff", G_CALLBACK(on_handoff), pl);
    GstPad *out = gst_element_get_static_pad(vol, "src");
    gst_pad_add_probe(out,
                      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                          GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
                      on_audio, pl, NULL);
    gst_object_unref(out);
    gst_object_unref(src);
    gst_object_unref(vol);
    gst_object_unref(snk);
    gst_pipeline_use_clock(GST_PIPELINE(pl->pipe), o->clock);
    gst_element_set_start_time(pl->pipe, GST_CLOCK_TIME_NONE);
    return 0;
}

int pipeline_new(uv_loop_t *loop, const char *media_path, const pipeline_opts *o, pipeline_cb cb,
                 void *data, player_pipeline **out)
{
    player_pipeline *pl = g_new0(player_pipeline, 1);
    pl->cb = cb;
    pl->data = data;
    pl->to_file = o->output == PLAYER_OUTPUT_FILE;
    int rc = build(pl, media_path, o);
    if (rc != 0) {
        if (pl->pipe)
            gst_object_unref(pl->pipe);
        g_free(pl);
        return rc;
    }
    pl->bus = gst_element_get_bus(pl->pipe);
    GPollFD pfd;
    gst_bus_get_pollfd(pl->bus, &pfd);
    pl->poll = g_new0(uv_poll_t, 1);
    uv_poll_init(loop, pl->poll, pfd.fd);
    pl->poll->data = pl;
    uv_poll_start(pl->poll, UV_READABLE, on_bus);
    pl->waiting_preroll = true;
    if (gst_element_set_state(pl->pipe, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
        pipeline_free(pl);
        return -EIO;
    }
    *out = pl;
    return 0;
}

int pipeline_seek(player_pipeline *pl, int64_t offset_ms)
{
    pl->waiting_preroll = true;
    if (!gst_element_seek_simple(pl->pipe, GST_FORMAT_TIME,
                                 GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
                                 offset_ms * GST_MSECOND)) {
        pl->waiting_preroll = false;
        return -EIO;
    }
    return 0;
}

int pipeline_play_at(player_pipeline *pl, int64_t at_ms)
{
    pl->waiting_preroll = false;
    gst_element_set_base_time(pl->pipe, (GstClockTime)at_ms * GST_MSECOND);
    if (gst_element_set_state(pl->pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        return -EIO;
    pl->playing = true;
    return 0;
}

/* wavenc writes the sizes into the WAV header on EOS: a play cut short (emergency, stop,
 * SIGTERM) still leaves a well-formed file. Bounded wait on the loop thread: only the buffer
 * in flight is ahead of the EOS. */
#define FILE_EOS_WAIT (500 * GST_MSECOND)
static void finish_file(player_pipeline *pl)
{
    if (!pl->to_file || !pl->playing || pl->ended)
        return;
    if (!gst_element_send_event(pl->pipe, gst_event_new_eos()))
        return;
    GstMessage *m =
        gst_bus_timed_pop_filtered(pl->bus, FILE_EOS_WAIT, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (m == NULL)
        log_warn("playout: the WAV output did not finish in time; its header may be wrong");
    else
        gst_message_unref(m);
}

static void poll_closed(uv_handle_t *h)
{
    g_free(h);
}

void pipeline_free(player_pipeline *pl)
{
    if (pl == NULL)
        return;
    uv_poll_stop(pl->poll);
    pl->poll->data = NULL;
    uv_close((uv_handle_t *)pl->poll, poll_closed);
    finish_file(pl);
    gst_element_set_state(pl->pipe, GST_STATE_NULL);
    gst_object_unref(pl->bus);
    gst_object_unref(pl->pipe);
    g_free(pl);
}
