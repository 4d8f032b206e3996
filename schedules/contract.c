/* contract: per-line figures (see contract.h), from the evidence accounting.c laid out. */
#include "contract.h"

#include "vtime.h"

/* Month shares are summed in 1/377580ths of a month: 377580 = lcm(28, 29, 30, 31), so a day of
 * any month is a whole number of units and a sum over months stays exact until the one final
 * rounding. */
#define MONTH_UNITS 377580

static int64_t month_units(int32_t first, int32_t last)
{
    int64_t units = 0;
    for (int32_t day = first; day <= last;) {
        int y, m, dom;
        vtime_civil_from_day(day, &y, &m, &dom);
        int dim = vtime_days_in_month(y, m);
        int32_t end = MIN(day + (dim - dom), last);
        units += (int64_t)(end - day + 1) * (MONTH_UNITS / dim);
        day = end + 1;
    }
    return units;
}

/* num / den rounded to nearest, halves up. */
static uint64_t div_round(uint64_t num, uint64_t den)
{
    return (2 * num + den) / (2 * den);
}

uint64_t acct_pieces_contracted(const acct_contract *c, const acct_line *l, int32_t first,
                                int32_t last)
{
    if (first > last)
        return 0;
    if (l->pieces_per_month)
        return div_round((uint64_t)l->pieces_per_month * (uint64_t)month_units(first, last),
                         MONTH_UNITS);
    uint64_t contract_days = (uint64_t)((int64_t)c->until_day - c->from_day + 1);
    return div_round((uint64_t)l->pieces_per_period * (uint64_t)(last - first + 1), contract_days);
}

bool *acct_pieces_aired(const acct_input *in, const acct_report *r)
{
    bool *aired = g_new0(bool, in->n_pieces + 1);
    for (size_t k = 0; k < r->n_evidence; k++) {
        if (r->evidence[k].reached)
            aired[in->airings[r->evidence[k].airing].piece] = true;
    }
    return aired;
}

static bool *pieces_scheduled(const acct_input *in, const acct_report *r)
{
    bool *scheduled = g_new0(bool, in->n_pieces + 1);
    for (size_t k = 0; k < r->n_evidence; k++)
        scheduled[in->airings[r->evidence[k].airing].piece] = true;
    return scheduled;
}

/* Rounded down, so that 1000 is only ever shown for a full delivery; -1 for "no base". */
static int64_t permille(uint64_t num, uint64_t den)
{
    return den == 0 ? -1 : (int64_t)(num * 1000 / den);
}

static bool in_bounds(const acct_line *l, int64_t ms)
{
    return (l->min_ms == 0 || ms >= l->min_ms) && (l->max_ms == 0 || ms <= l->max_ms);
}

static void count_airings(const acct_input *in, const acct_report *r, acct_line_report *lr)
{
    for (size_t k = 0; k < r->n_evidence; k++) {
        const acct_airing_evidence *e = &r->evidence[k];
        const acct_airing *a = &in->airings[e->airing];
        if (in->pieces[a->piece].genre != lr->genre)
            continue;
        lr->airings_scheduled++;
        lr->ms_scheduled += a->duration_ms;
        lr->airings_unapproved += !e->approved_before;
        if (e->reached) {
            lr->airings_reached++;
            lr->ms_delivered += a->duration_ms;
        }
    }
    lr->airings_missed = lr->airings_scheduled - lr->airings_reached;
}

static bool approved_in_period(const acct_input *in, size_t piece)
{
    int64_t when = in->approved_ms[piece];
    return when != INT64_MIN && when >= in->from_ms && when < in->until_ms;
}

static void count_pieces(const acct_input *in, const acct_line *l, const bool *aired,
                         const bool *scheduled, acct_line_report *lr)
{
    GArray *oob = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (uint32_t p = 0; p < in->n_pieces; p++) {
        if (in->pieces[p].genre != l->genre)
            continue;
        bool approved = approved_in_period(in, p);
        lr->pieces_approved += approved;
        lr->pieces_aired += aired[p];
        if ((approved || scheduled[p]) && !in_bounds(l, in->pieces[p].duration_ms))
            g_array_append_val(oob, p);
    }
    lr->n_out_of_bounds = oob->len;
    lr->out_of_bounds = (uint32_t *)g_array_free(oob, oob->len == 0);
}

void acct_lines_compute(const acct_input *in, acct_report *r)
{
    const acct_contract *c = in->contract;
    bool *aired = acct_pieces_aired(in, r);
    bool *scheduled = pieces_scheduled(in, r);
    r->n_lines = c->n_lines;
    r->lines = g_new0(acct_line_report, c->n_lines + 1);
    for (size_t i = 0; i < c->n_lines; i++) {
        const acct_line *l = &c->lines[i];
        acct_line_report *lr = &r->lines[i];
        lr->genre = l->genre;
        lr->pieces_contracted = acct_pieces_contracted(c, l, r->first_day, r->last_day);
        lr->airings_contracted = lr->pieces_contracted * l->airings_per_piece;
        count_airings(in, r, lr);
        count_pieces(in, l, aired, scheduled, lr);
        lr->delivered_permille = permille((uint64_t)lr->ms_delivered, (uint64_t)lr->ms_scheduled);
        lr->reached_permille = permille(lr->airings_reached, lr->airings_contracted);
        lr->aired_permille = permille(lr->pieces_aired, lr->pieces_contracted);
    }
    g_free(aired);
    g_free(scheduled);
}
