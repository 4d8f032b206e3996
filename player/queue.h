/* queue: the box's durable memory of what it played (SQLite, WAL, synchronous=FULL).
 * - The play-report queue: every report is committed before anything else happens, sent in
 *   batches to POST /api/v1/box/plays with exponential backoff and jitter, and deleted only
 *   when the daemon answers accepted or duplicate; rejected reports move aside (logged).
 * - The airing log: an airing is recorded "started" (durably) before its pipeline goes to
 *   PLAYING and "reported" with its report, so no airing is ever played twice, even across
 *   a power cut. queue owns the database; the sender borrows the loop and the net. */
#ifndef LOALANG_PLAYER_QUEUE_H
#define LOALANG_PLAYER_QUEUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "net.h"
#include "proto.h"

#define QUEUE_BATCH_MAX 100

typedef struct player_queue player_queue;

typedef enum queue_airing_state {
    QUEUE_AIRING_NONE,     /* never started, never reported */
    QUEUE_AIRING_STARTED,  /* started, no report yet (a power cut came in between) */
    QUEUE_AIRING_REPORTED, /* its one report is written */
} queue_airing_state;

typedef struct queue_started {
    char airing[PROTO_ID_MAX + 1];
    char play_id[PROTO_ID_MAX + 1];
    char media[HASH_SHA256_HEX_LEN + 1];
    int64_t scheduled_ms, started_ms, progress_ms;
} queue_started;

/* Opens (creating) the database at path. 0 or -EIO. */
int queue_open(const char *path, player_queue **out);
/* Closes the database (free the net first: an answer must not arrive after this). */
void queue_close(player_queue *q);

/* Commits the report and marks its airing reported, in one transaction. -EEXIST when the
 * airing already has a report (the first one stands). Kicks the sender when it is idle. */
int queue_add(player_queue *q, const proto_play *p);
/* Records that the airing starts now, durably; -EEXIST when it was started or reported. */
int queue_mark_started(player_queue *q, const queue_started *s);
/* How much of a started airing has played (for a report after a power cut). */
int queue_progress(player_queue *q, const char *airing, int64_t played_ms);
int queue_airing_state_get(player_queue *q, const char *airing, queue_airing_state *out);
/* Airings started and never reported, oldest first: *out is g_malloc'd (caller g_free()s). */
int queue_unfinished(player_queue *q, queue_started **out, size_t *n);

/* The oldest pending reports (at most max), as the JSON body {"plays":[…]}. *n = 0 and *body
 * = NULL when the queue is empty. */
int queue_batch(player_queue *q, size_t max, char **body, size_t *n);
/* Applies a daemon answer: accepted and duplicate ids leave the queue, rejected ones move to
 * the rejected table. Counts are optional. */
int queue_settle(player_queue *q, const proto_plays_result *r, size_t *removed, size_t *rejected);
int queue_pending(player_queue *q, int64_t *n);
int queue_rejected_count(player_queue *q, int64_t *n);

/* Delay before retry number attempt (0 = first retry): 2^attempt seconds capped at 5 min,
 * "equal jitter" (half fixed, half from rnd), so 100,000 boxes do not come back in step. */
int64_t queue_backoff_ms(unsigned attempt, uint32_t rnd);

/* Starts sending on loop through n (sends at once when reports are pending). */
int queue_sender_start(player_queue *q, uv_loop_t *loop, player_net *n);
/* Stops sending (a backoff timer no longer keeps the loop alive); before net_free. */
void queue_sender_stop(player_queue *q);
/* Sends now unless a request is in flight or a backoff is running. */
void queue_kick(player_queue *q);
/* Number of batches the daemon answered since the sender started (for tests and status). */
uint64_t queue_sent_batches(const player_queue *q);

#endif
