/* targets: who hears what. Intersections of programme targets with a piece's communes, and the
 * per-box view: the airings of one box are those whose targets include it or its commune. */
#ifndef LOALANG_SCHED_TARGETS_H
#define LOALANG_SCHED_TARGETS_H

#include "model.h"

/* True when ids are strictly increasing and all below limit: the form every id list of the
 * model must have (it lets membership be a binary search and intersections a merge). */
bool sched_ids_valid(const uint32_t *ids, size_t n, size_t limit);

bool sched_targets_include_box(const sched_district *d, const sched_targets *t, uint32_t box);
bool sched_targets_include_commune(const sched_district *d, const sched_targets *t,
                                   uint32_t commune);
/* True when a and b share at least one box, or one commune (so that a box added to that
 * commune later would hear both). */
bool sched_targets_overlap(const sched_district *d, const sched_targets *a, const sched_targets *b);
/* Number of boxes the targets reach. */
size_t sched_targets_box_count(const sched_district *d, const sched_targets *t);

/* prog ∩ communes (communes strictly increasing; n_communes 0 means "no restriction", giving
 * prog itself). The result's ids are written to ids_buf, which must hold
 * max(prog->n, n_communes, d->n_boxes) entries; out->ids points into it (or at prog->ids).
 * The result may be empty (out->kind != ALL and out->n == 0). */
void sched_targets_intersect(const sched_district *d, const sched_targets *prog,
                             const uint32_t *communes, size_t n_communes, uint32_t *ids_buf,
                             sched_targets *out);

#endif
