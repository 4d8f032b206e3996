/* expand: programme recurrence → slot occurrences (see expand.h). */
#include "expand.h"

#include <errno.h>
#include <stdlib.h>

#include "vtime.h"

#define MAX_RANGE_DAYS 3660

bool sched_program_runs_on(const sched_program *p, int32_t day)
{
    if (day < p->valid_from || day > p->valid_until)
        return false;
    return (p->weekdays >> (vtime_weekday(day) - 1)) & 1u;
}

static int slot_cmp(const void *a, const void *b)
{
    const sched_slot *x = a, *y = b;
    if (x->start_ms != y->start_ms)
        return x->start_ms < y->start_ms ? -1 : 1;
    return (x->program > y->program) - (x->program < y->program);
}

int sched_expand(const sched_program *programs, size_t n_programs, int32_t day_from,
                 int32_t day_until, GTimeZone *tz, sched_slot **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (day_until < day_from || (int64_t)day_until - day_from >= MAX_RANGE_DAYS)
        return -EINVAL;
    GArray *slots = g_array_new(FALSE, FALSE, sizeof(sched_slot));
    for (int32_t day = day_from; day <= day_until; day++) {
        int y, m, d;
        vtime_civil_from_day(day, &y, &m, &d);
        for (size_t i = 0; i < n_programs; i++) {
            const sched_program *p = &programs[i];
            if (!sched_program_runs_on(p, day))
                continue;
            sched_slot s = {.program = (uint32_t)i, .day = day, .length_ms = p->length_s * 1000LL};
            /* A wall-clock start that does not exist that day (a DST gap) has no occurrence. */
            if (vtime_local_to_utc(tz, y, m, d, p->start_s / 3600, p->start_s / 60 % 60,
                                   p->start_s % 60, &s.start_ms) == 0)
                g_array_append_val(slots, s);
        }
    }
    if (slots->len > 1) /* an empty GArray's data is NULL, which qsort must not get */
        qsort(slots->data, slots->len, sizeof(sched_slot), slot_cmp);
    *n_out = slots->len;
    *out = (sched_slot *)g_array_free(slots, slots->len == 0);
    return 0;
}
