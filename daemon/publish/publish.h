/* publish: makes a month's working schedule (plan_airings) what the boxes play, and the
 * one-off and emergency airings. Every publish is one schedule_versions row written in the
 * caller's transaction together with its airings, its audit row and the event that wakes the
 * boxes (store_events.h), so a box never sees half a publish.
 *
 * Versioning without copying: an airing row is live from the version that published it
 * (version_id) until a later version withdraws it (withdrawn_version_id). Republishing keeps
 * the id of every airing that did not change; a changed airing is withdrawn and published
 * again under a new id (the working airing takes that id, so the next publish matches it).
 * Airings that already started (start < now) are history: a publish leaves them alone. */
#ifndef LOALANG_PUBLISH_H
#define LOALANG_PUBLISH_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "store_programs.h"
#include "store_refusal.h"

/* Publishes the month: a new schedule_versions row (kind 'month', version = the month's last
 * + 1), working airings from now_ms on compared with the live month airings: unchanged ones
 * kept, changed and new ones inserted (media sha256 and programme title copied now), the rest
 * withdrawn; then the event manifest_changed {"month":M,"version":ID,"month_version":N}
 * (version is the global schedule_versions id, the §5 counter). *out:
 * {"month","version":N,"version_id":ID,"new":N,"kept":N,"withdrawn":N}.
 * Refused (nothing written): not_found (no plan), pieces_not_approved (a working airing from
 * now on uses a piece that is not approved any more; the message lists the titles). */
int publish_month(store *s, const char *who, const char *month, int64_t now_ms, json_t **out,
                  store_refusal *why);

/* Publishes one airing outside the month plan: its own version (kind 'oneoff') in the month
 * of start_ms (local, tz), a new uuid airing id. targets: NULL or {"kind":"all"} |
 * {"kind":"communes","communes":[names]} | {"kind":"boxes","boxes":[names]}; priority NULL =
 * the piece's. Event manifest_changed. *airing_out: the airing as in the manifest (§5) plus
 * "targets". Codes: unknown_piece, piece_not_approved, bad_priority, bad_targets,
 * unknown_commune, unknown_box, bad_start. */
int publish_oneoff(store *s, const char *who, const char *piece_id, int64_t start_ms,
                   const json_t *targets, const char *priority, GTimeZone *tz, json_t **airing_out,
                   store_refusal *why);

/* Emergency broadcast: a version of kind 'emergency' with one airing starting at now_ms,
 * priority emergency, and the event emergency {"airing":{manifest-shaped airing},
 * "targets":{"kind":K,"ids":[database ids]}}. (tz: the zone of the airing's "start" text.) */
int publish_emergency(store *s, const char *who, const char *piece_id, const json_t *targets,
                      GTimeZone *tz, int64_t now_ms, json_t **airing_out, store_refusal *why);
/* Withdraws an emergency airing (a new 'emergency' version withdraws it) and emits the event
 * stop {"airing":ID}. not_found: no such live emergency airing. */
int publish_emergency_stop(store *s, const char *who, const char *airing_id, store_refusal *why);

#endif
