/* plays_writer: group commit for box play reports (docs/architecture.md §5 POST /api/v1/box/plays).
 * A writer thread with its own store connection takes every batch queued since its last commit,
 * ingests them in one write transaction (store_plays_ingest_in_tx, each batch keeping its own
 * result) and commits once, durably; only then does each batch's callback run, on the loop
 * thread. One fsync thus serves every request that arrived meanwhile, and the loop never waits
 * for the disk.
 *
 * Ownership: the writer owns its thread, its store and the queued plays (given to it by
 * plays_writer_submit). Results passed to a callback are the callback's (json_decref). All
 * functions are called on the loop thread. */
#ifndef LOALANG_PLAYS_WRITER_H
#define LOALANG_PLAYS_WRITER_H

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

typedef struct plays_writer plays_writer;

/* Runs on the loop thread once the batch's group committed (rc 0, result the §5 answer in the
 * store's form, its refusals not yet worded: store_plays.h) or failed (rc as
 * store_plays_ingest_in_tx or the commit's code, result NULL, errmsg English for the log). Runs
 * exactly once per submitted batch, also when the writer stops. */
typedef void (*plays_writer_done)(void *arg, int rc, json_t *result, const char *errmsg);

/* Opens a store connection on data_dir and starts the thread. -ENOENT/-EPROTO/-EIO as
 * store_open, -ENOMEM. */
int plays_writer_start(uv_loop_t *loop, const char *data_dir, plays_writer **out);
/* Queues one box's batch (plays: the "plays" array; stolen). 0, or -ESHUTDOWN once stopping
 * (done is not called then). */
int plays_writer_submit(plays_writer *w, int64_t box_id, json_t *plays, plays_writer_done done,
                        void *arg);
/* Commits what is queued, joins the thread, runs the remaining callbacks, closes the store and
 * the loop handle; cb (may be NULL) runs once w is freed. */
void plays_writer_stop(plays_writer *w, void (*cb)(void *arg), void *arg);

/* Groups committed and batches in them since start (for logs and benchmarks). */
void plays_writer_stats(plays_writer *w, uint64_t *groups, uint64_t *batches);

#endif
