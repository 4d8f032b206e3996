/* fixture: builds small engine inputs by hand for the schedule tests. Fixed-size storage so
 * tests read as data; everything lives in the struct (nothing to free but the zone). */
#ifndef LOALANG_TEST_FIXTURE_H
#define LOALANG_TEST_FIXTURE_H

#include "fill.h"
#include "model.h"

#define FX_MAX 64

typedef struct fx {
    sched_commune communes[FX_MAX];
    sched_box boxes[FX_MAX];
    char box_ids[FX_MAX][24];
    char commune_ids[FX_MAX][24];
    sched_district d;
    sched_program progs[FX_MAX];
    size_t n_progs;
    sched_piece pieces[FX_MAX];
    char piece_ids[FX_MAX][24];
    size_t n_pieces;
    sched_plan_item items[FX_MAX];
    sched_month_plan plan;
    sched_input in;
    GTimeZone *tz;
} fx;

/* A month in Asia/Ho_Chi_Minh with n_communes communes, each with boxes_per_commune boxes
 * (box i belongs to commune i / boxes_per_commune). now = INT64_MIN. */
void fx_init(fx *f, int year, int month, size_t n_communes, size_t boxes_per_commune);
void fx_done(fx *f);
/* Adds an every-day programme for all communes; returns it for further tweaks. */
sched_program *fx_program(fx *f, const char *title, const char *hhmm, int minutes);
/* Adds a piece (normal priority) and a month item needing `airings`; returns the item. */
sched_plan_item *fx_piece(fx *f, sched_genre g, int seconds, uint32_t airings);
/* Adds a jingle piece (not in the month plan); returns its index. */
int32_t fx_jingle(fx *f, int seconds);
sched_piece *fx_piece_of(fx *f, const sched_plan_item *it);
/* Day number of a day of the fixture's month. */
int32_t fx_day(const fx *f, int dom);
sched_fill_result *fx_fill(fx *f);
/* Checks the invariants every fill must keep (no overfill, no piece twice in a slot, counts
 * placed + unplaced = needed, airings inside their slot) and fails the test otherwise. */
void fx_check_invariants(const fx *f, const sched_fill_result *r);

#endif
