/* schedule_view: a filled month as people and programs read it: the Vietnamese table that
 * `loalangd schedule fill` prints, and its JSON form. Pure rendering of engine results. */
#ifndef LOALANG_SCHEDULE_VIEW_H
#define LOALANG_SCHEDULE_VIEW_H

#include <jansson.h>
#include <stdio.h>

#include "fill.h"
#include "planfile.h"

typedef struct schedule_view {
    const sched_input *in;
    const sched_fill_result *res;
    const char *district; /* may be NULL */
    const char *tz_name;
} schedule_view;

/* Writes the month as a readable table (dates dd/mm/yyyy, local times). */
void schedule_view_print(const schedule_view *v, FILE *out);
/* The month as JSON; new reference, caller json_decref()s. NULL on allocation failure. */
json_t *schedule_view_json(const schedule_view *v);

/* Reads and parses a plan file (at most 4 MiB). Every diagnostic goes to stderr as
 * "FILE:LINE: message" (Vietnamese), then a summary line naming `doing` ("chưa xếp lịch").
 * Returns 0 and *out, or a negative code (message already printed; prog prefixes I/O errors). */
int schedule_view_load_plan(const char *path, const char *prog, const char *doing, plan **out);

#endif
