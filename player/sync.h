/* sync: keeps the box's manifest current and listens for events. The manifest is fetched at
 * start, at once on a manifest_changed event, and every poll_seconds while the events
 * long-poll fails (every 30 min while it answers), with If-None-Match; the
 * last good one is kept in the state directory (atomically) and handed over at boot, before
 * any network, so a box with no link still plays its schedule. The events long-poll loop
 * (GET /api/v1/box/events?after=CURSOR, cursor kept on disk) backs off on errors and passes
 * emergency and stop events on. sync owns its timers and requests; it borrows loop and net. */
#ifndef LOALANG_PLAYER_SYNC_H
#define LOALANG_PLAYER_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "net.h"
#include "proto.h"

#define SYNC_MANIFEST_MAX (16u << 20)

typedef struct sync_state sync_state;

typedef struct sync_callbacks {
    /* A new manifest (from_disk: the stored one, at boot). Borrowed for the call. */
    void (*manifest)(const proto_manifest *m, bool from_disk, void *data);
    /* An emergency or stop event. Borrowed for the call. */
    void (*event)(const proto_event *e, void *data);
    void *data;
} sync_callbacks;

/* poll_override_s 0: the manifest's poll_seconds. */
int sync_new(uv_loop_t *loop, player_net *n, const char *state_dir, int poll_override_s,
             const sync_callbacks *cb, sync_state **out);
/* Hands over the stored manifest (if any), then starts fetching and the events loop. */
int sync_start(sync_state *s);
/* Fetches the manifest now (or right after the fetch in flight). */
void sync_refresh(sync_state *s);
/* The last sync error (English, for the status report), or NULL. Borrowed. */
const char *sync_last_error(const sync_state *s);
/* Number of manifests received (200) and confirmed unchanged (304): for tests. */
void sync_counts(const sync_state *s, uint64_t *fetched, uint64_t *unchanged);
/* Cancels requests and closes timers (free the net after this). */
void sync_free(sync_state *s);

#endif
