/* store_publish_rows: the reads and writes publishing is made of (publish/publish.c decides
 * what to keep, add and withdraw): working and live airing rows, schedule versions, airing
 * inserts and withdrawals, and the piece a single airing plays. Writers run inside the
 * caller's write transaction. Strings in the structs are g_malloc'd; the _clear functions
 * release them, and arrays of titles come with g_free as their free function. */
#ifndef LOALANG_STORE_PUBLISH_ROWS_H
#define LOALANG_STORE_PUBLISH_ROWS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* A row of airings (or a working airing with its piece's media and programme's title). */
typedef struct store_airing_row {
    char *id, *piece, *media, *priority, *program, *program_title, *kind, *targets;
    int64_t start_ms, duration_ms;
} store_airing_row;

void store_airing_row_clear(store_airing_row *r);

/* Appends to out (a GArray of store_airing_row) the month's working airings (plan_airings)
 * starting at or after from_ms, by start then id; program_title is "" without a programme. */
int store_publish_working_rows(store *s, const char *month, int64_t from_ms, GArray *out);
/* Appends the month's live airings published by a 'month' version, starting at or after
 * from_ms. */
int store_publish_live_rows(store *s, const char *month, int64_t from_ms, GArray *out);

/* Does month have a month_plans row? */
int store_publish_plan_exists(store *s, const char *month, bool *out);
/* Titles (sorted, distinct) of the month's working airings from from_ms whose piece is no
 * longer approved; *out is a new GPtrArray (g_ptr_array_unref it). */
int store_publish_unapproved_titles(store *s, const char *month, int64_t from_ms, GPtrArray **out);

/* A new schedule_versions row of kind, published now by who; the month's version counter
 * covers every kind. *id_out is its row id, *version_out its number in the month. */
int store_publish_new_version(store *s, const char *who, const char *month, const char *kind,
                              int64_t *id_out, int64_t *version_out);
/* Inserts r as an airing of version_id (a NULL program_title is stored as ""). */
int store_publish_insert_airing(store *s, int64_t version_id, const store_airing_row *r);
/* Withdraws a live airing in version_id; an already withdrawn one is left as it is. */
int store_publish_withdraw(store *s, const char *airing_id, int64_t version_id);
/* Has an airing (live or withdrawn) ever had this id? */
int store_publish_airing_id_used(store *s, const char *airing_id, bool *used);
/* Renames a working airing (airing ids are never reused once published). */
int store_publish_rename_working(store *s, const char *old_id, const char *new_id);

/* The piece a single airing plays. */
typedef struct store_publish_piece {
    char *title, *genre, *status, *media, *priority;
    int64_t duration_ms;
} store_publish_piece;

/* *found false (and *out zeroed) when there is no such piece. */
int store_publish_piece_get(store *s, const char *piece_id, store_publish_piece *out, bool *found);
void store_publish_piece_clear(store_publish_piece *p);

/* The month of the live emergency airing airing_id; *month_out NULL when there is none,
 * else g_free'd by the caller. */
int store_publish_live_emergency_month(store *s, const char *airing_id, char **month_out);

#endif
