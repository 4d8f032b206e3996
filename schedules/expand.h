/* expand: programs → slot occurrences over a range of local days. The calendar work of the
 * engine: weekdays, validity dates and the local→UTC conversion all happen here. */
#ifndef LOALANG_SCHED_EXPAND_H
#define LOALANG_SCHED_EXPAND_H

#include "model.h"

/* One occurrence of a program's slot. */
typedef struct sched_slot {
    uint32_t program;  /* index into programs */
    int32_t day;       /* local day of the start */
    int64_t start_ms;  /* instant the slot starts */
    int64_t length_ms; /* the program's length */
} sched_slot;

/* Every occurrence of every program on local days [day_from, day_until], sorted by start
 * instant, then program index. *out is g_malloc'd (g_free it); NULL when *n_out is 0.
 * Returns 0, or -EINVAL when the range is reversed or longer than 3660 days. */
int sched_expand(const sched_program *programs, size_t n_programs, int32_t day_from,
                 int32_t day_until, GTimeZone *tz, sched_slot **out, size_t *n_out);

/* True when program p has an occurrence on local day `day` (weekday and validity). */
bool sched_program_runs_on(const sched_program *p, int32_t day);

#endif
