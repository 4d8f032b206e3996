/* conflicts: overlapping programmes on shared targets, found by a sweep over the expanded
 * occurrences sorted by start (see conflicts.h). */
#include "conflicts.h"

#include "expand.h"
#include "targets.h"

static gint conflict_cmp(gconstpointer pa, gconstpointer pb)
{
    const sched_conflict *x = pa, *y = pb;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    return (x->b > y->b) - (x->b < y->b);
}

int sched_conflicts(const sched_district *d, const sched_program *programs, size_t n_programs,
                    int32_t day_from, int32_t day_until, GTimeZone *tz, sched_conflict **out,
                    size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    sched_slot *slots = NULL;
    size_t n = 0;
    int rc = sched_expand(programs, n_programs, day_from, day_until, tz, &slots, &n);
    if (rc != 0)
        return rc;
    /* Pairs already reported, keyed a * n_programs + b: a set, not an n² table, since a plan may
     * hold thousands of programmes and only a few of their pairs ever overlap. */
    GHashTable *seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    GArray *found = g_array_new(FALSE, FALSE, sizeof(sched_conflict));
    for (size_t i = 0; i < n; i++) {
        int64_t end = slots[i].start_ms + slots[i].length_ms;
        for (size_t j = i + 1; j < n && slots[j].start_ms < end; j++) {
            uint32_t a = MIN(slots[i].program, slots[j].program);
            uint32_t b = MAX(slots[i].program, slots[j].program);
            int64_t key = (int64_t)a * (int64_t)n_programs + b;
            if (a == b || g_hash_table_contains(seen, &key) ||
                !sched_targets_overlap(d, &programs[a].targets, &programs[b].targets))
                continue;
            g_hash_table_add(seen, g_memdup2(&key, sizeof key));
            int64_t until = MIN(end, slots[j].start_ms + slots[j].length_ms);
            sched_conflict c = {.a = a,
                                .b = b,
                                .day = slots[i].program == a ? slots[i].day : slots[j].day,
                                .overlap_from = slots[j].start_ms,
                                .overlap_ms = until - slots[j].start_ms};
            g_array_append_val(found, c);
        }
    }
    g_hash_table_destroy(seen);
    g_free(slots);
    g_array_sort(found, conflict_cmp);
    *n_out = found->len;
    *out = (sched_conflict *)g_array_free(found, found->len == 0);
    return 0;
}
