/* store_events: the event log boxes long-poll (docs/architecture.md §5): manifest_changed,
 * emergency, stop. The cursor is the row's AUTOINCREMENT id, so it only grows and is never reused,
 * even across restarts. Payloads are JSON objects; events are global and each box filters the ones
 * that target it. */
#ifndef LOALANG_STORE_EVENTS_H
#define LOALANG_STORE_EVENTS_H

#include <jansson.h>
#include <stdint.h>

#include "store.h"

#define STORE_EVENTS_BATCH 100 /* most events returned by one read */

/* Appends an event; type is "manifest_changed", "emergency" or "stop" (-EINVAL otherwise).
 * payload is borrowed (NULL = {}). Runs in the caller's transaction when one is open. */
int store_event_add(store *s, const char *type, const json_t *payload, int64_t *cursor_out);

/* Events with cursor > after, oldest first, at most STORE_EVENTS_BATCH: *out is a new JSON
 * array of {"cursor":N,"type":T,"at_ms":MS,"payload":{…}} (caller json_decref's it). */
int store_events_after(store *s, int64_t after, json_t **out);

/* The newest cursor (0 when there are no events). */
int store_events_last(store *s, int64_t *out);

#endif
