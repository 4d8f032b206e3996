/* coverage: per-commune figures (see coverage.h). Reach in a commune uses the same share as
 * reach of a whole airing, over the airing's target boxes in that commune. */
#include "coverage.h"

#include "contract.h"
#include "targets.h"

/* Scratch per commune, zero between airings: target boxes and reached boxes there. */
typedef struct tally {
    uint32_t *targeted;
    uint32_t *hit;
    GArray *heard; /* (commune << 32 | piece) for exemplar pieces reaching a commune */
} tally;

static void count_scheduled(const acct_input *in, const acct_airing *a, acct_report *r)
{
    for (uint32_t c = 0; c < in->district->n_communes; c++)
        r->communes[c].airings_scheduled +=
            sched_targets_include_commune(in->district, &a->targets, c);
}

static void count_reached(const acct_input *in, const acct_airing_evidence *e, tally *t,
                          acct_report *r)
{
    const sched_district *d = in->district;
    const acct_airing *a = &in->airings[e->airing];
    for (uint32_t j = 0; j < e->target_boxes; j++) {
        uint32_t c = d->boxes[e->boxes[j].box].commune;
        t->targeted[c]++;
        t->hit[c] += e->boxes[j].status == ACCT_REACHED;
    }
    /* Second pass: each commune is judged once, then its scratch is cleared. */
    for (uint32_t j = 0; j < e->target_boxes; j++) {
        uint32_t c = d->boxes[e->boxes[j].box].commune;
        if (t->targeted[c] == 0)
            continue;
        if ((int64_t)t->hit[c] * 1000 >= (int64_t)in->reach_permille * t->targeted[c]) {
            r->communes[c].airings_reached++;
            uint64_t key = (uint64_t)c << 32 | a->piece;
            if (in->pieces[a->piece].exemplar)
                g_array_append_val(t->heard, key);
        }
        t->targeted[c] = t->hit[c] = 0;
    }
}

static gint key_cmp(gconstpointer pa, gconstpointer pb)
{
    uint64_t x = *(const uint64_t *)pa, y = *(const uint64_t *)pb;
    return (x > y) - (x < y);
}

/* Distinct (commune, piece) pairs: an exemplar aired ten times in a commune counts once. */
static void count_heard(GArray *heard, acct_report *r)
{
    g_array_sort(heard, key_cmp);
    const uint64_t *k = (const uint64_t *)heard->data;
    for (size_t i = 0; i < heard->len; i++) {
        if (i == 0 || k[i] != k[i - 1])
            r->communes[k[i] >> 32].exemplars_heard++;
    }
}

static void own_exemplars(const acct_input *in, acct_report *r)
{
    bool *aired = acct_pieces_aired(in, r);
    for (size_t p = 0; p < in->n_pieces; p++) {
        const sched_piece *pc = &in->pieces[p];
        if (aired[p] && pc->exemplar && pc->commune >= 0)
            r->communes[pc->commune].has_own_exemplar = true;
    }
    g_free(aired);
    r->missing_exemplar = g_new0(uint32_t, r->n_communes + 1);
    for (uint32_t c = 0; c < r->n_communes; c++) {
        if (!r->communes[c].has_own_exemplar)
            r->missing_exemplar[r->n_missing_exemplar++] = c;
    }
}

void acct_coverage_compute(const acct_input *in, acct_report *r)
{
    const sched_district *d = in->district;
    r->n_communes = d->n_communes;
    r->communes = g_new0(acct_commune_report, d->n_communes + 1);
    for (size_t b = 0; b < d->n_boxes; b++) {
        r->communes[d->boxes[b].commune].boxes++;
        r->communes[d->boxes[b].commune].box_airtime_ms += r->box_airtime_by_box[b];
    }
    tally t = {g_new0(uint32_t, d->n_communes + 1), g_new0(uint32_t, d->n_communes + 1),
               g_array_new(FALSE, FALSE, sizeof(uint64_t))};
    for (size_t k = 0; k < r->n_evidence; k++) {
        count_scheduled(in, &in->airings[r->evidence[k].airing], r);
        count_reached(in, &r->evidence[k], &t, r);
    }
    count_heard(t.heard, r);
    g_free(t.targeted);
    g_free(t.hit);
    g_array_free(t.heard, TRUE);
    own_exemplars(in, r);
}
