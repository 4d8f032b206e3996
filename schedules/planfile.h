/* planfile: the hand-written plan format (docs/plan-format.md) → engine input. Parses a text
 * buffer (no I/O); every error a technician can make is reported in Vietnamese with its line. */
#ifndef LOALANG_SCHED_PLANFILE_H
#define LOALANG_SCHED_PLANFILE_H

#include "model.h"

typedef struct plan_diag {
    int line;      /* 1-based; 0 when the problem is not on one line (e.g. a missing section) */
    char *message; /* Vietnamese, g_malloc'd */
} plan_diag;

typedef struct plan_diags {
    plan_diag *items;
    size_t n;
} plan_diags;

/* A parsed plan. Owns every string and array the engine structs point to. */
typedef struct plan {
    char *district_name;
    char *timezone; /* IANA name; NULL when the file gives none */
    sched_district district;
    sched_program *programs;
    size_t n_programs;
    int *program_lines; /* line of each program's section header */
    sched_piece *pieces;
    size_t n_pieces;
    int *piece_lines;
    bool has_month; /* the file names its month; otherwise plan.year/month are 0 */
    sched_month_plan month;
    int *item_lines; /* line of each month item */
} plan;

/* Parses buf. Returns 0 and *out on success (diags may still hold nothing). Returns -EINVAL
 * with *out NULL when any error was found; diags then lists them all, in line order.
 * Free with plan_free / plan_diags_clear. */
int plan_parse(const char *buf, size_t len, plan **out, plan_diags *diags);
void plan_free(plan *p);
void plan_diags_clear(plan_diags *d);

/* Index lookups by id (exact, case-sensitive); -1 when absent. */
int plan_find_program(const plan *p, const char *id);
int plan_find_piece(const plan *p, const char *id);
int plan_find_commune(const plan *p, const char *name_or_id);
int plan_find_box(const plan *p, const char *id);

#endif
