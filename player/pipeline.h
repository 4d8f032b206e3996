/* pipeline: one GStreamer pipeline playing one cached Ogg Opus file at an exact wall-clock
 * instant (docs/architecture.md §10): filesrc ! oggdemux ! opusdec ! audioconvert ! audioresample !
 * volume ! sink, on a shared REALTIME system clock with start_time NONE and base_time = the
 * instant, prerolled to PAUSED ahead of time. Its bus is read on the libuv loop through
 * gst_bus_get_pollfd and a uv_poll. The pipeline owns its GStreamer objects and its poll
 * handle; the caller owns the pipeline and the clock it lends. */
#ifndef LOALANG_PLAYER_PIPELINE_H
#define LOALANG_PLAYER_PIPELINE_H

#include <gst/gst.h>
#include <stdint.h>
#include <uv.h>

#include "player_config.h"

typedef struct player_pipeline player_pipeline;

typedef enum pipeline_event {
    PIPELINE_PREROLLED, /* PAUSED with the first buffer at the sink (also after a seek) */
    PIPELINE_EOS,       /* played to the end */
    PIPELINE_ERROR,     /* decode or output error; message given */
} pipeline_event;

typedef void (*pipeline_cb)(player_pipeline *pl, pipeline_event ev, const char *message,
                            void *data);

typedef struct pipeline_opts {
    player_output output;
    const char *file_path; /* PLAYER_OUTPUT_FILE: the WAV to write */
    const char *device;    /* NULL: the sink's default */
    double volume;         /* 0.0 … 1.0 */
    GstClock *clock;       /* the REALTIME system clock all pipelines share */
} pipeline_opts;

/* Makes the clock pipelines share: a GstSystemClock of type REALTIME (the process-wide system
 * clock is left alone). Caller gst_object_unref()s it. */
GstClock *pipeline_clock_new(void);
/* Builds the pipeline for media_path and starts prerolling it (PAUSED). */
int pipeline_new(uv_loop_t *loop, const char *media_path, const pipeline_opts *o, pipeline_cb cb,
                 void *data, player_pipeline **out);
/* Flushing, accurate seek to offset_ms into the media (joining an airing late); another
 * PIPELINE_PREROLLED follows. */
int pipeline_seek(player_pipeline *pl, int64_t offset_ms);
/* Sets base_time to at_ms (epoch ms) and goes to PLAYING: the first sample leaves at at_ms. */
int pipeline_play_at(player_pipeline *pl, int64_t at_ms);
/* Milliseconds of audio that reached the sink since preroll (or since the last seek), counted
 * in samples: holes in the stream are not counted though the sink's clock runs through them.
 * The sink may still hold the last buffer or two (tens of ms) when the pipeline is cut. */
int64_t pipeline_played_ms(const player_pipeline *pl);
/* For PLAYER_OUTPUT_FAKE: wall-clock ns when the sink rendered its first buffer, 0 before. */
int64_t pipeline_first_buffer_ns(const player_pipeline *pl);
/* Stops (NULL state), releases the GStreamer objects; the poll handle is freed by the loop. */
void pipeline_free(player_pipeline *pl);

#endif
