/* store_plan_input: the database seen as schedule-engine input (schedules/model.h). Loads the
 * district (communes, boxes), the programmes and a month plan into engine structs, keeping the
 * maps between engine indices and database ids. Shared by store_programs (conflicts),
 * store_plans (fill, hand edits) and cmd_plan; everything is owned by the plan_input and
 * released with plan_input_clear. Only approved pieces enter the engine. */
#ifndef LOALANG_STORE_PLAN_INPUT_H
#define LOALANG_STORE_PLAN_INPUT_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "store.h"
#include "store_district.h"

/* A programme row as stored. */
typedef struct store_program_row {
    char *id, *title;
    int weekdays; /* bit 0 Monday … bit 6 Sunday */
    int32_t start_s, length_s;
    char *valid_from, *valid_until; /* 'YYYY-MM-DD' or NULL */
    char *target_kind;              /* "all", "communes", "boxes" */
    char *targets;                  /* JSON array of commune or box ids */
    char *intro, *outro;            /* piece ids or NULL */
    int64_t created_ms, updated_ms;
} store_program_row;

/* A plan item whose piece is not approved: kept out of the engine, reported by the fill. */
typedef struct plan_input_skipped {
    char *piece_id, *title, *status;
} plan_input_skipped;

typedef struct plan_input {
    GTimeZone *tz;       /* borrowed */
    store_district dist; /* owns what the district fields below point to */
    /* district: communes and boxes by id; index i ↔ commune_ids[i] / box_ids[i] */
    sched_commune *communes;
    int64_t *commune_ids;
    sched_box *boxes;
    int64_t *box_ids;
    sched_district district;
    /* programmes: programs[i] from rows[i] */
    store_program_row *rows;
    sched_program *programs;
    size_t n_programs;
    /* pieces: the programmes' approved jingles first, then the month's approved items */
    sched_piece *pieces;
    size_t n_pieces, cap_pieces;
    const char **piece_media; /* media sha256 of each piece */
    sched_plan_item *items;
    size_t n_items;
    uint32_t *item_needed; /* airings asked for each item, before past airings were deducted */
    plan_input_skipped *skipped;
    size_t n_skipped;
    char *month_text; /* 'YYYY-MM' */
    char *theme;
    sched_month_plan plan;
    sched_input in;
    GPtrArray *owned; /* every other g_malloc'd block the structs point into */
} plan_input;

/* Loads communes and boxes with store_district_load (revoked boxes included: they keep their
 * indices). */
int plan_input_district(store *s, plan_input *pi);
/* Loads every programme (by start time, then title) with approved jingles as pieces.
 * Needs the district. A jingle that is missing or not approved is left out (intro/outro -1). */
int plan_input_programs(store *s, plan_input *pi);
/* Loads a month plan's theme and items (-ENOENT when the month has no plan). Items whose piece
 * is not approved go to skipped. When now_ms > INT64_MIN, the plan_airings of each piece
 * starting before it are deducted from what the item still needs. Then sets pi->in. */
int plan_input_month(store *s, plan_input *pi, const char *month, int64_t now_ms);
/* All three above, for the month. */
int plan_input_load(store *s, GTimeZone *tz, const char *month, int64_t now_ms, plan_input *pi);
void plan_input_clear(plan_input *pi);

/* Indices of database ids; -1 when absent. */
int plan_input_commune_index(const plan_input *pi, int64_t id);
int plan_input_box_index(const plan_input *pi, int64_t id);
int plan_input_program_index(const plan_input *pi, const char *id);
int plan_input_piece_index(const plan_input *pi, const char *id);

/* Turns an engine target set into the stored form: kind text and a JSON array of database ids
 * (caller frees with g_free). */
const char *plan_input_target_kind_name(sched_target_kind k);
char *plan_input_targets_ids_json(const plan_input *pi, const sched_targets *t);
/* Stored form → engine targets. ids is g_malloc'd into pi->owned. -EINVAL on a bad form or an
 * unknown id. */
int plan_input_targets_from_db(plan_input *pi, const char *kind, const char *ids_json,
                               sched_targets *out);

/* Reads every programme row (same order as plan_input_programs). */
int store_program_rows(store *s, store_program_row **out, size_t *n_out);
void store_program_row_clear(store_program_row *r);
void store_program_rows_free(store_program_row *v, size_t n);
/* Local day of 'YYYY-MM-DD' or the given default when text is NULL. */
int32_t plan_input_day_or(const char *text, int32_t dflt);

#endif
