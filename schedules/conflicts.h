/* conflicts: two programmes that overlap in time on a shared target cannot both air there.
 * Found on the expanded occurrences, so weekdays, validity dates and slots that run past
 * midnight are all taken into account. */
#ifndef LOALANG_SCHED_CONFLICTS_H
#define LOALANG_SCHED_CONFLICTS_H

#include "model.h"

/* One conflicting pair, reported once with its first overlap. a < b (program indices). */
typedef struct sched_conflict {
    uint32_t a, b;
    int32_t day;          /* local day of the first overlapping occurrence of a */
    int64_t overlap_from; /* instant the first overlap starts */
    int64_t overlap_ms;   /* its length */
} sched_conflict;

/* Conflicts among programs over local days [day_from, day_until]. *out is g_malloc'd, sorted
 * by (a, b). Returns 0, or the errors of sched_expand. */
int sched_conflicts(const sched_district *d, const sched_program *programs, size_t n_programs,
                    int32_t day_from, int32_t day_until, GTimeZone *tz, sched_conflict **out,
                    size_t *n_out);

#endif
