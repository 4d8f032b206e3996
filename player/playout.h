/* playout: what the box plays and when. Turns the manifest's airings into a timeline (slots of
 * back-to-back items, priority items first in their slot), prerolls each item's pipeline ahead
 * of its instant, records the airing "started" durably before PLAYING, and writes exactly one
 * play report per airing into the queue: completed, partial (cut by an emergency, a stop, a
 * shutdown, or joined late), failed, or missed. Emergencies cut what plays and play at once;
 * the schedule then resumes by the clock. Drives the amplifier commands. playout owns its
 * items and pipelines; it borrows the loop, the queue and the cache. */
#ifndef LOALANG_PLAYER_PLAYOUT_H
#define LOALANG_PLAYER_PLAYOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "cache.h"
#include "player_config.h"
#include "proto.h"
#include "queue.h"

#define PLAYOUT_PREROLL_MS   3000 /* pipelines are built and prerolled this far ahead */
#define PLAYOUT_PLAY_LEAD_MS 250  /* PLAYING is set this early; the clock holds the first sample */
#define PLAYOUT_JOIN_MIN_MS  5000 /* a late join needs at least this much left to play */

typedef struct player_playout player_playout;

typedef struct playout_opts {
    player_output output;
    const char *output_path; /* PLAYER_OUTPUT_FILE: PATH.wav → PATH-<airing id>.wav */
    const char *device;
    int volume; /* 0…100, or -1: the manifest's */
    const char *amp_on_cmd, *amp_off_cmd;
    int64_t amp_lead_ms;
} playout_opts;

/* Every report written (after it is committed), with the wall-clock ns at which the sink
 * rendered the first buffer (fake output only; 0 otherwise). For tests and benchmarks. */
typedef void (*playout_report_cb)(const proto_play *p, int64_t first_buffer_ns, void *data);
/* Something a status report should mention happened (an airing began or ended). */
typedef void (*playout_change_cb)(void *data);

int playout_new(uv_loop_t *loop, const playout_opts *o, player_queue *q, player_cache *c,
                player_playout **out);
void playout_set_callbacks(player_playout *p, playout_report_cb report, playout_change_cb change,
                           void *data);
/* At boot: airings recorded started but never reported (a power cut while playing) get their
 * report now — partial, with the last recorded progress. They are never played again. */
int playout_recover(player_playout *p);
/* Replaces the timeline. Airings already started or reported keep their one report; what
 * plays goes on. Airings whose time has passed unplayed are reported missed. */
int playout_set_manifest(player_playout *p, const proto_manifest *m);
/* An emergency airing (from an event): cuts what plays and plays at once (or when its media
 * arrives, while its window lasts). Ignored when known already or over. */
int playout_emergency(player_playout *p, const proto_airing *a);
/* Cancels an emergency airing: cut if playing (partial), dropped if not started yet. */
int playout_stop(player_playout *p, const char *airing_id);
/* The cache verified a media file: items waiting for it can go. */
void playout_media_ready(player_playout *p, const char *sha256);
/* The airing playing now (borrowed, valid until the loop runs again), or NULL. */
const char *playout_playing(const player_playout *p);
int playout_volume(const player_playout *p);
/* Number of items not yet reported (tests wait for 0). */
size_t playout_pending(const player_playout *p);
/* Cuts what plays (reported partial), stops every pipeline and the amplifier, closes the
 * handles (the loop must run once more), then frees. */
void playout_free(player_playout *p);

/* The timeline's instants for n airings sorted by start: slots are runs of back-to-back
 * airings (each starts within 1 s of the previous end); inside a slot priority airings go
 * first and every item follows the previous without a gap. Fills order[] (indices into a)
 * and at_ms[] (the instant of a[order[i]]). Emergency airings keep their own start. */
void playout_timeline(const proto_airing *a, size_t n, size_t *order, int64_t *at_ms);

#endif
