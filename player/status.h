/* status: the box's status report (docs/architecture.md §5, proto_box_status) — POST
 * /api/v1/box/status every few minutes and soon after notable events — and the clock offset it
 * yields: the box's clock minus the server's, from server_time and the request's round trip (the
 * midpoint estimate), with a warning when it is off by more than 2 s. status owns its timers; it
 * borrows the loop and the net and asks the caller to fill in what the other modules know. */
#ifndef LOALANG_PLAYER_STATUS_H
#define LOALANG_PLAYER_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "net.h"
#include "proto.h"

#define STATUS_CLOCK_WARN_MS 2000

typedef struct player_status player_status;

/* Fills cache_bytes/files, missing_media, disk_free_bytes, playing_airing, volume and
 * last_error (g_malloc'd strings; status clears the struct after sending). agent_version,
 * uptime_s and clock_offset_ms are status's own. */
typedef void (*status_fill_cb)(proto_box_status *s, void *data);

int status_new(uv_loop_t *loop, player_net *n, int period_s, status_fill_cb fill, void *data,
               player_status **out);
/* Sends now, then every period. */
void status_start(player_status *st);
/* Sends within a couple of seconds (several kicks make one report). */
void status_kick(player_status *st);
/* The latest estimate; false when no answer came yet. */
bool status_clock_offset(const player_status *st, int64_t *offset_ms);
/* The offset estimate from one exchange: box clock minus server clock. */
int64_t status_offset_estimate(int64_t sent_ms, int64_t received_ms, int64_t server_ms);
/* Number of reports the daemon answered with 200. */
uint64_t status_sent(const player_status *st);
/* Cancels the request in flight and closes the timers (free the net after this). */
void status_free(player_status *st);

#endif
