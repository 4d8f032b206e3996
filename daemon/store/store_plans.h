/* store_plans: month plans (kế hoạch tháng): the theme, the pieces chosen for the month with
 * their constraints (plan_items), the engine's fill into the month's working schedule
 * (plan_airings), hand edits of that schedule and its conflict check. Nothing here is seen by
 * boxes until publish.h publishes the month. Writers run inside the caller's write
 * transaction and audit themselves; results are new jansson references in the API's shape.
 *
 * Item JSON: {"piece":ID,"airings":N (0 = as many as pins, at least 1; ≤ 1000),
 *   "window_from":"YYYY-MM-DD"|null,"window_until":…,"communes":[names],
 *   "pins":[{"day":"YYYY-MM-DD","program":ID|null}]}  (out: also title, genre, duration_ms,
 *   status). Days must lie in the month; only approved pieces that are not jingles.
 * Working airing JSON: {"id","piece","title","genre","start" (RFC 3339),"duration_ms",
 *   "priority","program":ID|null,"program_title":…|null,"targets":{…names…}}. */
#ifndef LOALANG_STORE_PLANS_H
#define LOALANG_STORE_PLANS_H

#include <glib.h>
#include <jansson.h>
#include <stdint.h>

#include "fill.h"
#include "store.h"
#include "store_plan_input.h"
#include "store_programs.h"
#include "store_refusal.h"

#define STORE_PLAN_AIRINGS_MAX 1000 /* per item */

/* {"month","theme"|null,"items":[…],"airings":N,"published":{"version":N,"published_ms":MS}
 * |null}. -ENOENT (not_found) when the month has no plan. */
int store_plan_get(store *s, const char *month, json_t **out);
/* Creates the month's plan when missing (bad_month for a malformed month). */
int store_plan_ensure(store *s, const char *who, const char *month, store_refusal *why);
/* Sets (NULL or "" clears) the theme, creating the plan when missing. */
int store_plan_set_theme(store *s, const char *who, const char *month, const char *theme,
                         store_refusal *why);

/* Adds an item (-EEXIST item_exists when the piece is already in the month). Codes:
 * bad_item, unknown_piece, piece_not_approved, jingle_in_plan, bad_airings, bad_date,
 * date_outside_month, bad_window, unknown_commune, unknown_program, pin_outside_window. */
int store_plan_item_add(store *s, const char *who, const char *month, const json_t *item,
                        store_refusal *why);
/* Replaces the members present in `changes`; -ENOENT not_found. */
int store_plan_item_update(store *s, const char *who, const char *month, const char *piece_id,
                           const json_t *changes, store_refusal *why);
int store_plan_item_remove(store *s, const char *who, const char *month, const char *piece_id,
                           store_refusal *why);
/* Removes every item of the month (plan import replaces them). */
int store_plan_items_clear(store *s, const char *who, const char *month);

/* A fill: the engine input built from the database and the engine's result. */
typedef struct store_plan_fill_run {
    plan_input pi;
    sched_fill_result *res;
    char **airing_ids; /* id of each result airing in plan_airings */
} store_plan_fill_run;

/* Fills the month with the engine: programmes, approved items, now_ms (slots that started
 * are not filled; working airings before now_ms stay, and count towards their items). The
 * month's working airings from now_ms on are replaced; an airing identical to one it
 * replaces (piece, start, programme) keeps its id, so publishing the same schedule again
 * changes nothing. Codes: not_found (no plan), program_conflict. */
int store_plan_fill(store *s, const char *who, const char *month, GTimeZone *tz, int64_t now_ms,
                    store_plan_fill_run *run, store_refusal *why);
/* {"month","airings":[working airings of the month],"not_placed":[{"piece","title",
 * "missing","reason"}],"slots":[{"program","program_title","date","start","length_ms",
 * "used_ms","fill_percent","airings"}]}. not_placed holds run->res->unplaced in order, then
 * run->pi.skipped in order (items whose piece is not approved, or gone: reason
 * "not_approved"); api_words_fill gives each the Vietnamese "message" people read. */
json_t *store_plan_fill_json(store *s, const store_plan_fill_run *run);
void store_plan_fill_run_clear(store_plan_fill_run *run);

/* {"month","slots":[…as the fill's slots…]}: every occurrence of every programme in the
 * month, with the fill level of the working schedule as it stands now (after hand edits): an
 * airing counts in a slot when it belongs to the programme and starts inside the occurrence;
 * used_ms is the end of the last such airing after the slot's start (past 100% when a hand
 * edit overfilled it). Works before the month has a plan (every slot empty). */
int store_plan_slots(store *s, const char *month, GTimeZone *tz, json_t **out);
/* {"month","airings":[…]} by start. */
int store_plan_airings_list(store *s, const char *month, GTimeZone *tz, json_t **out);
/* Hand edits. The result is {"airing":{…},"warnings":[{"code","words","facts",
 * "conflict"?}]}: an airing may be put anywhere, but overlaps with other airings on a box
 * ("overlap", words plan_edit_overlap, facts {"other":title,"box":name,"at":RFC 3339}, and the
 * pair as in store_plan_conflicts) and a start outside its programme's slot ("outside_slot",
 * plan_edit_outside_slot, facts {"program":title}) are reported; api_words_notes words them.
 * add: {"piece","start","targets"?,"priority"?,"program"?}; codes as items, plus bad_start,
 * start_outside_month. */
int store_plan_airing_add(store *s, const char *who, const char *month, const json_t *in,
                          GTimeZone *tz, json_t **out, store_refusal *why);
int store_plan_airing_move(store *s, const char *who, const char *id, int64_t start_ms,
                           GTimeZone *tz, json_t **out, store_refusal *why);
int store_plan_airing_remove(store *s, const char *who, const char *id, store_refusal *why);
/* Airings of the working schedule overlapping on a box: {"conflicts":[{"box","a","b",
 * "a_title","b_title","from","overlap_ms"}]}, one entry per pair and box. */
int store_plan_conflicts(store *s, const char *month, GTimeZone *tz, json_t **out);

#endif
