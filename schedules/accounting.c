/* accounting: input checks, the evidence (best report per airing and target box), reach and
 * airtime; contract.c adds the per-line figures and coverage.c the per-commune ones. */
#include "accounting.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "contract.h"
#include "coverage.h"
#include "targets.h"
#include "vtime.h"

static const char *const status_names[ACCT_STATUS_COUNT] = {"reached", "partial_short", "failed",
                                                            "missed", "no_report"};
static const char *const status_labels[ACCT_STATUS_COUNT] = {"Đã phát", "Phát không đủ", "Lỗi phát",
                                                             "Bỏ lỡ", "Không có báo cáo"};

const char *acct_status_name(acct_status s)
{
    return (unsigned)s < ACCT_STATUS_COUNT ? status_names[s] : "?";
}

const char *acct_status_label_vn(acct_status s)
{
    return (unsigned)s < ACCT_STATUS_COUNT ? status_labels[s] : "?";
}

/* ---- input checks ---- */

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        if (err)                                                                                   \
            snprintf(err, err_len, __VA_ARGS__);                                                   \
        return -EINVAL;                                                                            \
    } while (0)

/* Unlike programme targets, an empty list is allowed here: such an airing is flagged. */
static bool targets_ok(const sched_district *d, const sched_targets *t)
{
    if (t->n > 0 && t->ids == NULL)
        return false;
    switch (t->kind) {
    case SCHED_TARGET_ALL:
        return true;
    case SCHED_TARGET_COMMUNES:
        return sched_ids_valid(t->ids, t->n, d->n_communes);
    case SCHED_TARGET_BOXES:
        return sched_ids_valid(t->ids, t->n, d->n_boxes);
    }
    return false;
}

static int check_district_pieces(const acct_input *in, char *err, size_t err_len)
{
    const sched_district *d = in->district;
    if ((d->n_communes && !d->communes) || (d->n_boxes && !d->boxes))
        FAIL("district: missing communes or boxes");
    for (size_t i = 0; i < d->n_boxes; i++) {
        if (d->boxes[i].commune >= d->n_communes)
            FAIL("box %zu: commune out of range", i);
    }
    for (size_t i = 0; i < in->n_pieces; i++) {
        const sched_piece *p = &in->pieces[i];
        if ((unsigned)p->genre >= SCHED_GENRE_COUNT || p->duration_ms <= 0 ||
            p->duration_ms > ACCT_MAX_MS)
            FAIL("piece %zu: bad genre or duration", i);
        if (p->commune < -1 || (p->commune >= 0 && (size_t)p->commune >= d->n_communes))
            FAIL("piece %zu: commune out of range", i);
    }
    return 0;
}

static int check_lines(const acct_contract *c, char *err, size_t err_len)
{
    int32_t lo = 0, hi = 0;
    if (vtime_day_from_civil(1900, 1, 1, &lo) < 0 || vtime_day_from_civil(9999, 12, 31, &hi) < 0 ||
        c->from_day < lo || c->until_day > hi || c->from_day > c->until_day)
        FAIL("contract: period out of range or ends before it starts");
    if (c->n_lines && !c->lines)
        FAIL("contract: missing lines");
    for (size_t i = 0; i < c->n_lines; i++) {
        const acct_line *l = &c->lines[i];
        if ((unsigned)l->genre >= SCHED_GENRE_JINGLE)
            FAIL("line %zu: bad genre (jingles have no line)", i);
        for (size_t k = 0; k < i; k++) {
            if (c->lines[k].genre == l->genre)
                FAIL("line %zu: second line for genre %s", i, sched_genre_name(l->genre));
        }
        if (l->pieces_per_month && l->pieces_per_period)
            FAIL("line %zu: both per-month and per-period counts", i);
        if (l->pieces_per_month > ACCT_MAX_COUNT || l->pieces_per_period > ACCT_MAX_COUNT ||
            l->airings_per_piece > ACCT_MAX_COUNT)
            FAIL("line %zu: count too large", i);
        if (l->min_ms < 0 || l->max_ms < 0 || l->min_ms > ACCT_MAX_MS || l->max_ms > ACCT_MAX_MS ||
            (l->max_ms > 0 && l->min_ms > l->max_ms))
            FAIL("line %zu: bad duration bounds", i);
    }
    return 0;
}

static int check_airings_plays(const acct_input *in, char *err, size_t err_len)
{
    for (size_t i = 0; i < in->n_airings; i++) {
        const acct_airing *a = &in->airings[i];
        if (!a->id || a->piece >= in->n_pieces)
            FAIL("airing %zu: missing id or piece out of range", i);
        if (a->duration_ms <= 0 || a->duration_ms > ACCT_MAX_MS)
            FAIL("airing %zu: bad duration", i);
        if (!targets_ok(in->district, &a->targets))
            FAIL("airing %zu: bad targets", i);
    }
    for (size_t i = 0; i < in->n_plays; i++) {
        const acct_play *p = &in->plays[i];
        if (!p->id || p->airing >= in->n_airings || p->box >= in->district->n_boxes)
            FAIL("play %zu: missing id, or airing or box out of range", i);
        if ((unsigned)p->outcome > PROTO_OUTCOME_MISSED || p->played_ms < 0 ||
            p->played_ms > ACCT_MAX_MS)
            FAIL("play %zu: bad outcome or played_ms", i);
    }
    return 0;
}

static int check_input(const acct_input *in, char *err, size_t err_len)
{
    if (!in || !in->district || !in->contract || !in->tz || (in->n_pieces && !in->pieces) ||
        (in->n_pieces && !in->approved_ms) || (in->n_airings && !in->airings) ||
        (in->n_plays && !in->plays))
        FAIL("input: missing district, contract, zone or arrays");
    if (in->n_pieces > ACCT_MAX_ITEMS || in->n_airings > ACCT_MAX_ITEMS ||
        in->n_plays > ACCT_MAX_ITEMS)
        FAIL("input: too many pieces, airings or plays");
    if (in->until_ms < in->from_ms)
        FAIL("period: until before from");
    if (in->reach_permille > 1000 || in->partial_permille > 1000)
        FAIL("thresholds: per-mille over 1000");
    int rc = check_district_pieces(in, err, err_len);
    if (rc == 0)
        rc = check_lines(in->contract, err, err_len);
    if (rc == 0)
        rc = check_airings_plays(in, err, err_len);
    return rc;
}

/* The period's local days within the contract: a day belongs to the period when its midnight
 * lies in [from_ms, until_ms). */
static int period_days(const acct_input *in, acct_report *r, char *err, size_t err_len)
{
    int32_t first = 0, last = 0;
    int64_t midnight = 0;
    int64_t end = in->until_ms > in->from_ms ? in->until_ms - 1 : in->from_ms;
    if (vtime_day_of(in->tz, in->from_ms, &first) < 0 || vtime_day_of(in->tz, end, &last) < 0 ||
        vtime_day_start(in->tz, first, &midnight) < 0)
        FAIL("period: outside the calendar's range");
    if (midnight < in->from_ms)
        first++;
    if (in->until_ms == in->from_ms)
        last = first - 1;
    r->first_day = MAX(first, in->contract->from_day);
    r->last_day = MIN(last, in->contract->until_day);
    r->days = MAX((int64_t)r->last_day - r->first_day + 1, 0);
    return 0;
}

/* ---- evidence ---- */

static int64_t counted_ms(const acct_input *in, const acct_play *p)
{
    return MIN(p->played_ms, in->airings[p->airing].duration_ms);
}

static acct_status play_status(const acct_input *in, const acct_play *p)
{
    switch (p->outcome) {
    case PROTO_OUTCOME_COMPLETED:
        return ACCT_REACHED;
    case PROTO_OUTCOME_PARTIAL:
        /* Exact: played ≥ share × duration, both sides integers. */
        return counted_ms(in, p) * 1000 >=
                       (int64_t)in->partial_permille * in->airings[p->airing].duration_ms
                   ? ACCT_REACHED
                   : ACCT_PARTIAL_SHORT;
    case PROTO_OUTCOME_FAILED:
        return ACCT_FAILED;
    case PROTO_OUTCOME_MISSED:
        break;
    }
    return ACCT_MISSED;
}

/* Is play a better record of its pair than the current best (status st_b)? */
static bool play_better(const acct_input *in, size_t a, acct_status st_a, int32_t b,
                        acct_status st_b)
{
    if (b < 0)
        return true;
    if (st_a != st_b)
        return st_a < st_b;
    const acct_play *pa = &in->plays[a], *pb = &in->plays[b];
    int64_t ma = counted_ms(in, pa), mb = counted_ms(in, pb);
    if (ma != mb)
        return ma > mb;
    int c = strcmp(pa->id, pb->id);
    return c != 0 ? c < 0 : a < (size_t)b;
}

static bool airing_counts(const acct_input *in, const acct_airing *a)
{
    return a->start_ms >= in->from_ms && a->start_ms < in->until_ms &&
           in->pieces[a->piece].genre != SCHED_GENRE_JINGLE;
}

/* Lays out evidence and box records (no report yet); ev_of maps airings to evidence or -1. */
static void layout_evidence(const acct_input *in, acct_report *r, int64_t *ev_of)
{
    const sched_district *d = in->district;
    size_t n_ev = 0, n_box = 0;
    for (size_t i = 0; i < in->n_airings; i++) {
        ev_of[i] = airing_counts(in, &in->airings[i]) ? (int64_t)n_ev++ : -1;
        if (ev_of[i] >= 0)
            n_box += sched_targets_box_count(d, &in->airings[i].targets);
    }
    r->evidence = g_new0(acct_airing_evidence, n_ev + 1);
    r->box_evidence = g_new0(acct_box_evidence, n_box + 1);
    r->n_evidence = n_ev;
    r->n_box_evidence = n_box;
    acct_box_evidence *next = r->box_evidence;
    for (size_t i = 0; i < in->n_airings; i++) {
        if (ev_of[i] < 0)
            continue;
        acct_airing_evidence *e = &r->evidence[ev_of[i]];
        e->airing = (uint32_t)i;
        e->boxes = next;
        for (uint32_t b = 0; b < d->n_boxes; b++) {
            if (sched_targets_include_box(d, &in->airings[i].targets, b))
                *next++ = (acct_box_evidence){b, -1, ACCT_NO_REPORT};
        }
        e->target_boxes = (uint32_t)(next - e->boxes);
    }
}

/* The record of box among the airing's targets (sorted by box), or NULL: a foreign play. */
static acct_box_evidence *find_box(acct_report *r, const acct_airing_evidence *e, uint32_t box)
{
    size_t lo = 0, hi = e->target_boxes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->boxes[mid].box == box)
            return &r->box_evidence[(size_t)(e->boxes - r->box_evidence) + mid];
        if (e->boxes[mid].box < box)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Keeps, for each (airing, target box), the best report; counts the others. */
static void assign_plays(const acct_input *in, acct_report *r, const int64_t *ev_of)
{
    size_t seen = 0;
    for (size_t i = 0; i < in->n_plays; i++) {
        const acct_play *p = &in->plays[i];
        if (ev_of[p->airing] < 0) {
            r->plays_ignored++;
            continue;
        }
        acct_box_evidence *be = find_box(r, &r->evidence[ev_of[p->airing]], p->box);
        if (!be) {
            r->plays_foreign++;
            continue;
        }
        seen++;
        acct_status st = play_status(in, p);
        if (play_better(in, i, st, be->play, be->status)) {
            be->play = (int32_t)i;
            be->status = st;
        }
    }
    for (size_t k = 0; k < r->n_box_evidence; k++)
        r->plays_counted += r->box_evidence[k].play >= 0;
    r->plays_retried = seen - r->plays_counted;
}

static bool approved_before(const acct_input *in, const acct_airing *a)
{
    int64_t when = in->approved_ms[a->piece];
    return when != INT64_MIN && when <= a->start_ms;
}

/* Reach per airing, box and programme airtime from the chosen reports. */
static void tally(const acct_input *in, acct_report *r)
{
    r->box_airtime_by_box = g_new0(int64_t, in->district->n_boxes + 1);
    for (size_t k = 0; k < r->n_evidence; k++) {
        acct_airing_evidence *e = &r->evidence[k];
        const acct_airing *a = &in->airings[e->airing];
        for (uint32_t j = 0; j < e->target_boxes; j++) {
            const acct_box_evidence *be = &e->boxes[j];
            e->reached_boxes += be->status == ACCT_REACHED;
            if (be->status == ACCT_REACHED || be->status == ACCT_PARTIAL_SHORT)
                r->box_airtime_by_box[be->box] += counted_ms(in, &in->plays[be->play]);
        }
        e->no_target = e->target_boxes == 0;
        e->reached = !e->no_target && (int64_t)e->reached_boxes * 1000 >=
                                          (int64_t)in->reach_permille * e->target_boxes;
        e->approved_before = approved_before(in, a);
        r->airings_reached += e->reached;
        r->airings_no_target += e->no_target;
        if (e->reached)
            r->programme_airtime_ms += a->duration_ms;
    }
    for (size_t b = 0; b < in->district->n_boxes; b++)
        r->box_airtime_ms += r->box_airtime_by_box[b];
}

int acct_report_compute(const acct_input *in, acct_report **out, char *err, size_t err_len)
{
    int64_t *ev_of = NULL;
    acct_report *r = NULL;
    int rc = -EINVAL;
    if (!out)
        goto out;
    *out = NULL;
    rc = check_input(in, err, err_len);
    if (rc != 0)
        goto out;
    r = g_new0(acct_report, 1);
    rc = period_days(in, r, err, err_len);
    if (rc != 0)
        goto out;
    ev_of = g_new(int64_t, in->n_airings + 1);
    layout_evidence(in, r, ev_of);
    assign_plays(in, r, ev_of);
    tally(in, r);
    acct_lines_compute(in, r);
    acct_coverage_compute(in, r);
    *out = r;
    r = NULL;
out:
    g_free(ev_of);
    acct_report_free(r);
    return rc;
}

void acct_report_free(acct_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_lines; i++)
        g_free(r->lines[i].out_of_bounds);
    g_free(r->lines);
    g_free(r->box_airtime_by_box);
    g_free(r->communes);
    g_free(r->missing_exemplar);
    g_free(r->evidence);
    g_free(r->box_evidence);
    g_free(r);
}
