/* store_district: the district (communes, boxes) as the schedule engine's sched_district, with
 * the maps between engine indices and database ids. The one loader both the plan input
 * (store_plan_input) and the report use. Everything is owned by the store_district and
 * released with store_district_clear. */
#ifndef LOALANG_STORE_DISTRICT_H
#define LOALANG_STORE_DISTRICT_H

#include <glib.h>
#include <stdint.h>

#include "model.h"
#include "store.h"

/* Pass as both bounds of store_district_load for every box, revoked ones included. */
#define STORE_DISTRICT_ANY_TIME_FROM  INT64_MIN
#define STORE_DISTRICT_ANY_TIME_UNTIL INT64_MAX

typedef struct store_district {
    /* index i ↔ commune_ids[i] / box_ids[i], both sorted by id */
    sched_commune *communes; /* id: the db id as text; name */
    int64_t *commune_ids;
    sched_box *boxes; /* commune: index into communes */
    int64_t *box_ids;
    sched_district district; /* points into the arrays above */
    GStringChunk *strs;
} store_district;

/* Loads every commune (by id) and the boxes (by id) that existed at some time in
 * [from_ms, until_ms): created before until_ms and not revoked before from_ms. With
 * STORE_DISTRICT_ANY_TIME_FROM/UNTIL, every box. A box whose commune is not loaded (the
 * foreign key forbids it) is left out. *out is zeroed first. */
int store_district_load(store *s, int64_t from_ms, int64_t until_ms, store_district *out);
void store_district_clear(store_district *d);

/* Indices of database ids; -1 when absent. */
int store_district_commune_index(const store_district *d, int64_t id);
int store_district_box_index(const store_district *d, int64_t id);

#endif
