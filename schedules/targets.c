/* targets: set operations on programme and piece targets (see targets.h). Id lists are sorted,
 * so membership is a binary search and intersections are merges. */
#include "targets.h"

static bool contains(const uint32_t *ids, size_t n, uint32_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] == x)
            return true;
        if (ids[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static bool sorted_overlap(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j])
            return true;
        if (a[i] < b[j])
            i++;
        else
            j++;
    }
    return false;
}

bool sched_ids_valid(const uint32_t *ids, size_t n, size_t limit)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] >= limit || (i > 0 && ids[i] <= ids[i - 1]))
            return false;
    }
    return true;
}

bool sched_targets_include_box(const sched_district *d, const sched_targets *t, uint32_t box)
{
    switch (t->kind) {
    case SCHED_TARGET_ALL:
        return box < d->n_boxes;
    case SCHED_TARGET_COMMUNES:
        return box < d->n_boxes && contains(t->ids, t->n, d->boxes[box].commune);
    case SCHED_TARGET_BOXES:
        return contains(t->ids, t->n, box);
    }
    return false;
}

bool sched_targets_include_commune(const sched_district *d, const sched_targets *t,
                                   uint32_t commune)
{
    switch (t->kind) {
    case SCHED_TARGET_ALL:
        return commune < d->n_communes;
    case SCHED_TARGET_COMMUNES:
        return contains(t->ids, t->n, commune);
    case SCHED_TARGET_BOXES:
        for (size_t i = 0; i < t->n; i++) {
            if (d->boxes[t->ids[i]].commune == commune)
                return true;
        }
        return false;
    }
    return false;
}

/* Does a list of communes contain the commune of any listed box? */
static bool communes_hold_box(const sched_district *d, const sched_targets *communes,
                              const sched_targets *boxes)
{
    for (size_t i = 0; i < boxes->n; i++) {
        if (contains(communes->ids, communes->n, d->boxes[boxes->ids[i]].commune))
            return true;
    }
    return false;
}

bool sched_targets_overlap(const sched_district *d, const sched_targets *a, const sched_targets *b)
{
    if (a->kind == SCHED_TARGET_ALL)
        return b->kind == SCHED_TARGET_ALL || b->n > 0;
    if (b->kind == SCHED_TARGET_ALL)
        return a->n > 0;
    if (a->kind == b->kind)
        return sorted_overlap(a->ids, a->n, b->ids, b->n);
    if (a->kind == SCHED_TARGET_COMMUNES)
        return communes_hold_box(d, a, b);
    return communes_hold_box(d, b, a);
}

size_t sched_targets_box_count(const sched_district *d, const sched_targets *t)
{
    if (t->kind == SCHED_TARGET_ALL)
        return d->n_boxes;
    if (t->kind == SCHED_TARGET_BOXES)
        return t->n;
    size_t n = 0;
    for (size_t i = 0; i < d->n_boxes; i++)
        n += contains(t->ids, t->n, d->boxes[i].commune);
    return n;
}

void sched_targets_intersect(const sched_district *d, const sched_targets *prog,
                             const uint32_t *communes, size_t n_communes, uint32_t *ids_buf,
                             sched_targets *out)
{
    if (n_communes == 0) {
        *out = *prog;
        return;
    }
    size_t n = 0;
    switch (prog->kind) {
    case SCHED_TARGET_ALL:
        for (size_t i = 0; i < n_communes; i++)
            ids_buf[n++] = communes[i];
        break;
    case SCHED_TARGET_COMMUNES:
        for (size_t i = 0, j = 0; i < prog->n && j < n_communes;) {
            if (prog->ids[i] == communes[j]) {
                ids_buf[n++] = prog->ids[i];
                i++, j++;
            } else if (prog->ids[i] < communes[j]) {
                i++;
            } else {
                j++;
            }
        }
        break;
    case SCHED_TARGET_BOXES:
        for (size_t i = 0; i < prog->n; i++) {
            if (contains(communes, n_communes, d->boxes[prog->ids[i]].commune))
                ids_buf[n++] = prog->ids[i];
        }
        break;
    }
    out->kind = prog->kind == SCHED_TARGET_BOXES ? SCHED_TARGET_BOXES : SCHED_TARGET_COMMUNES;
    out->ids = ids_buf;
    out->n = n;
}
