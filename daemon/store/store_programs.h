/* store_programs: the periodic programmes (chương trình định kỳ) as the API shows them.
 * Writers run inside the caller's write transaction and audit themselves. A programme that
 * would overlap another in time on a shared commune or box is refused, naming the other one
 * (schedules/conflicts.h on the expanded occurrences). Results are new jansson references.
 *
 * Programme JSON (in and out):
 *   {"id":"uuid","title":"Bản tin sáng","weekdays":["mon","wed"],"start":"06:00","length":30,
 *    "valid_from":"2026-12-01"|null,"valid_until":null,
 *    "targets":{"kind":"all"} | {"kind":"communes","communes":[names]}
 *              | {"kind":"boxes","boxes":[names]},
 *    "intro":piece id|null,"outro":piece id|null,"created_ms":…,"updated_ms":…}
 * length is in minutes (1 … 1440); start is local "HH:MM" (or "HH:MM:SS"). */
#ifndef LOALANG_STORE_PROGRAMS_H
#define LOALANG_STORE_PROGRAMS_H

#include <glib.h>
#include <jansson.h>
#include <stdint.h>

#include "store.h"
#include "store_refusal.h"

/* Creates a programme from JSON (id is generated; created_ms/updated_ms ignored). tz turns
 * local times into instants for the conflict check; now_ms: programmes that ended before
 * today are not checked against. Codes: bad_title, bad_weekdays, bad_start, bad_length,
 * bad_date, bad_dates, bad_targets, unknown_commune, unknown_box, bad_jingle, title_taken
 * (-EEXIST), program_conflict. */
int store_program_create(store *s, const char *who, const json_t *in, GTimeZone *tz, int64_t now_ms,
                         json_t **out, store_refusal *why);
/* Changes the members present in `in` (others keep their values); same checks as create;
 * -ENOENT (not_found) for an unknown id. */
int store_program_edit(store *s, const char *who, const char *id, const json_t *in, GTimeZone *tz,
                       int64_t now_ms, json_t **out, store_refusal *why);
/* Pairs of programmes that overlap from today on (data written before these checks, or by
 * hand): {"conflicts":[{"a","a_title","b","b_title","from" (RFC 3339),"overlap_ms",
 * "words","facts"}]}, each pair once with its first overlap; words names api_words'
 * "program_overlap" sentence and facts what it names (api_words_notes replaces both with that
 * "message"). */
int store_program_conflicts(store *s, GTimeZone *tz, int64_t now_ms, json_t **out);
/* -ENOENT when absent. */
int store_program_get(store *s, const char *id, json_t **out);
/* {"programs":[…]} by start time, then title. */
int store_program_list(store *s, json_t **out);
/* The id of the programme with this title (NFC), or -ENOENT. *id_out is g_free'd. */
int store_program_find(store *s, const char *title, char **id_out);
/* Deletes a programme. Refused with -EBUSY (program_in_use) while unpublished working
 * airings (plan_airings) from now on sit in its slots: refill or remove them first. Published
 * airings keep their programme title (program_title) and lose the link (ON DELETE SET NULL). */
int store_program_delete(store *s, const char *who, const char *id, int64_t now_ms,
                         store_refusal *why);

/* Target JSON (names) ↔ stored form (kind + JSON array of ids, sorted, no duplicates).
 * *ids_out is g_free'd. Codes: bad_targets, unknown_commune, unknown_box. */
int store_targets_from_json(store *s, const json_t *in, const char **kind_out, char **ids_out,
                            store_refusal *why);
/* New reference; ids that no longer exist are left out. */
json_t *store_targets_to_json(store *s, const char *kind, const char *ids_json);

#endif
