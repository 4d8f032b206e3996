/* Contract accounting (docs/architecture.md §6) on a month built by hand. Every expected figure is
 * worked out in the comments, so Phòng Nội vụ can check the rules against the numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "accounting.h"
#include "fixture.h"
#include "vtime.h"

/*
 * The district: 3 communes × 2 boxes: boxes 0,1 in xa0; 2,3 in xa1; 4,5 in xa2.
 *
 * Pieces (index: genre, duration, exemplar, approved):
 *   P0 news       120 s  "Ông A" about xa0   25/02 (before the month)
 *   P1 report     600 s  "HTX B" about xa2   01/03 00:00 (the period's first instant)
 *   P2 article    300 s  —                   04/03
 *   P3 interview 1000 s  "Chị C" (no commune) 21/03 (after its airing on 20/03)
 *   P4 jingle      10 s  (ignored by accounting)
 *   P5 news       200 s  —                   10/03 (never scheduled; over the news bound)
 *   P6 news       400 s  —                   02/04 (outside the period; not listed)
 *
 * Contract 01/01/2026 – 31/12/2026 (365 days):
 *   news       10 pieces / month, 3 airings each, 60–180 s
 *   article    20 pieces / year,  2 airings each, 120–600 s
 *   report      4 pieces / month, 2 airings each, 300–600 s
 *   interview   6 pieces / year,  1 airing each,  max 900 s (no minimum)
 *
 * Airings (index: piece, local start, targets):
 *   A0 P0 05/03 06:00 all        A1 P2 05/03 06:02 all      A2 P1 10/03 17:00 xa2
 *   A3 P0 12/03 06:00 xa0        A4 P3 20/03 17:00 all      A5 P0 25/03 06:00 no box
 *   A6 P2 01/04 00:00 all (the period's end: outside)      A7 P4 05/03 05:59 all (jingle)
 */
#define N_PIECES  7
#define N_AIRINGS 8
#define N_PLAYS   27

typedef struct afx {
    fx f;
    int64_t approved[N_PIECES];
    acct_line lines[4];
    acct_contract contract;
    acct_airing airings[N_AIRINGS];
    acct_play plays[N_PLAYS];
    char play_ids[N_PLAYS][8];
    acct_input in;
} afx;

static const uint32_t only_xa0[] = {0}, only_xa2[] = {2};

static int64_t at(const afx *a, int month, int dom, int hour, int minute)
{
    int64_t ms = 0;
    assert_int_equal(vtime_local_to_utc(a->f.tz, 2026, month, dom, hour, minute, 0, &ms), 0);
    return ms;
}

static int32_t day(int year, int month, int dom)
{
    int32_t d = 0;
    assert_int_equal(vtime_day_from_civil(year, month, dom, &d), 0);
    return d;
}

static void add_pieces(afx *a)
{
    fx *f = &a->f;
    static const struct {
        sched_genre g;
        int seconds;
    } spec[] = {{SCHED_GENRE_NEWS, 120},    {SCHED_GENRE_REPORT, 600},
                {SCHED_GENRE_ARTICLE, 300}, {SCHED_GENRE_INTERVIEW, 1000},
                {SCHED_GENRE_JINGLE, 10},   {SCHED_GENRE_NEWS, 200},
                {SCHED_GENRE_NEWS, 400}};
    for (size_t i = 0; i < N_PIECES; i++) {
        if (spec[i].g == SCHED_GENRE_JINGLE)
            assert_int_equal(fx_jingle(f, spec[i].seconds), (int32_t)i);
        else
            assert_int_equal(fx_piece(f, spec[i].g, spec[i].seconds, 1)->piece, i);
    }
    f->pieces[0].exemplar = "Ông A";
    f->pieces[0].commune = 0;
    f->pieces[1].exemplar = "HTX B";
    f->pieces[1].commune = 2;
    f->pieces[3].exemplar = "Chị C";
    int64_t approved[N_PIECES] = {at(a, 2, 25, 9, 0), at(a, 3, 1, 0, 0), at(a, 3, 4, 9, 0),
                                  at(a, 3, 21, 9, 0), INT64_MIN,         at(a, 3, 10, 9, 0),
                                  at(a, 4, 2, 9, 0)};
    memcpy(a->approved, approved, sizeof approved);
}

static void add_contract(afx *a)
{
    a->lines[0] = (acct_line){SCHED_GENRE_NEWS, 10, 0, 3, 60000, 180000};
    a->lines[1] = (acct_line){SCHED_GENRE_ARTICLE, 0, 20, 2, 120000, 600000};
    a->lines[2] = (acct_line){SCHED_GENRE_REPORT, 4, 0, 2, 300000, 600000};
    a->lines[3] = (acct_line){SCHED_GENRE_INTERVIEW, 0, 6, 1, 0, 900000};
    a->contract = (acct_contract){day(2026, 1, 1), day(2026, 12, 31), a->lines, 4};
}

static void add_airing(afx *a, size_t i, uint32_t piece, int64_t start, sched_targets t)
{
    static const char *const ids[N_AIRINGS] = {"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"};
    a->airings[i] = (acct_airing){ids[i], piece, start, a->f.pieces[piece].duration_ms, t};
}

static void add_airings(afx *a)
{
    sched_targets all = {SCHED_TARGET_ALL, NULL, 0};
    add_airing(a, 0, 0, at(a, 3, 5, 6, 0), all);
    add_airing(a, 1, 2, at(a, 3, 5, 6, 2), all);
    add_airing(a, 2, 1, at(a, 3, 10, 17, 0), (sched_targets){SCHED_TARGET_COMMUNES, only_xa2, 1});
    add_airing(a, 3, 0, at(a, 3, 12, 6, 0), (sched_targets){SCHED_TARGET_COMMUNES, only_xa0, 1});
    add_airing(a, 4, 3, at(a, 3, 20, 17, 0), all);
    add_airing(a, 5, 0, at(a, 3, 25, 6, 0), (sched_targets){SCHED_TARGET_BOXES, NULL, 0});
    add_airing(a, 6, 2, at(a, 4, 1, 0, 0), all);
    add_airing(a, 7, 4, at(a, 3, 5, 5, 59), all);
}

#define C PROTO_OUTCOME_COMPLETED
#define P PROTO_OUTCOME_PARTIAL
#define F PROTO_OUTCOME_FAILED
#define M PROTO_OUTCOME_MISSED

/* Play k: {airing, box, outcome, played_ms}. */
static const struct {
    uint32_t airing, box;
    proto_outcome outcome;
    int64_t played_ms;
} play_spec[N_PLAYS] = {
    /* 0–6, A0 (120 s): b2 partial 108 s = exactly 90 % reaches; b4 missed; play 6 is a worse
     * retry of b2 (partial 50 s) that must not replace play 2. */
    {0, 0, C, 120000},
    {0, 1, C, 120000},
    {0, 2, P, 108000},
    {0, 3, C, 120000},
    {0, 4, M, 0},
    {0, 5, C, 120000},
    {0, 2, P, 50000},
    /* 7–12, A1 (300 s): b1 partial 269.7 s = 89.9 % falls short; b3 failed. */
    {1, 0, C, 300000},
    {1, 1, P, 269700},
    {1, 2, C, 300000},
    {1, 3, F, 0},
    {1, 4, C, 300000},
    {1, 5, C, 300000},
    /* 13–15, A2 (600 s, xa2): b5 missed; play 15 from b0, which A2 does not target: foreign. */
    {2, 4, C, 600000},
    {2, 5, M, 0},
    {2, 0, C, 600000},
    /* 16–18, A3 (120 s, xa0): b0 failed, then a retry (18) completed: the retry wins. */
    {3, 0, F, 0},
    {3, 1, C, 120000},
    {3, 0, C, 120000},
    /* 19–23, A4 (1000 s): b3 partial 95 %; b5 sends nothing. */
    {4, 0, C, 1000000},
    {4, 1, C, 1000000},
    {4, 2, C, 1000000},
    {4, 3, P, 950000},
    {4, 4, C, 1000000},
    /* 24: A5 has no target box: foreign. 25: A6 is outside March. 26: A7 is a jingle. */
    {5, 2, C, 120000},
    {6, 0, C, 300000},
    {7, 0, C, 10000},
};

static void add_plays(afx *a)
{
    for (size_t k = 0; k < N_PLAYS; k++) {
        snprintf(a->play_ids[k], sizeof a->play_ids[k], "p%02zu", k);
        a->plays[k] = (acct_play){a->play_ids[k],         play_spec[k].airing,
                                  play_spec[k].box,       play_spec[k].outcome,
                                  play_spec[k].played_ms, a->airings[play_spec[k].airing].start_ms};
    }
}

/* The March report: [01/03 00:00, 01/04 00:00) local, default thresholds. */
static void afx_init(afx *a)
{
    memset(a, 0, sizeof *a);
    fx_init(&a->f, 2026, 3, 3, 2);
    add_pieces(a);
    add_contract(a);
    add_airings(a);
    add_plays(a);
    a->in = (acct_input){.district = &a->f.d,
                         .pieces = a->f.pieces,
                         .approved_ms = a->approved,
                         .n_pieces = N_PIECES,
                         .contract = &a->contract,
                         .airings = a->airings,
                         .n_airings = N_AIRINGS,
                         .plays = a->plays,
                         .n_plays = N_PLAYS,
                         .from_ms = at(a, 3, 1, 0, 0),
                         .until_ms = at(a, 4, 1, 0, 0),
                         .tz = a->f.tz,
                         .reach_permille = ACCT_REACH_DEFAULT,
                         .partial_permille = ACCT_PARTIAL_DEFAULT};
}

static acct_report *compute(const afx *a)
{
    acct_report *r = NULL;
    char err[256] = "";
    int rc = acct_report_compute(&a->in, &r, err, sizeof err);
    if (rc != 0)
        fail_msg("acct_report_compute: %d %s", rc, err);
    return r;
}

static const acct_line_report *line_of(const acct_report *r, sched_genre g)
{
    for (size_t i = 0; i < r->n_lines; i++) {
        if (r->lines[i].genre == g)
            return &r->lines[i];
    }
    fail_msg("no line for %s", sched_genre_name(g));
    return NULL;
}

#define R ACCT_REACHED
#define S ACCT_PARTIAL_SHORT
#define X ACCT_FAILED
#define Z ACCT_MISSED
#define N ACCT_NO_REPORT

static void check_evidence(const acct_airing_evidence *e, uint32_t airing, const uint32_t *boxes,
                           const int32_t *plays, const acct_status *st, uint32_t n)
{
    assert_int_equal(e->airing, airing);
    assert_int_equal(e->target_boxes, n);
    for (uint32_t j = 0; j < n; j++) {
        assert_int_equal(e->boxes[j].box, boxes[j]);
        assert_int_equal(e->boxes[j].play, plays[j]);
        assert_int_equal(e->boxes[j].status, st[j]);
    }
}

/* Evidence: A6 (April) and A7 (jingle) are left out, so 6 airings with 6+6+2+2+6+0 = 22 box
 * records. Reach needs ≥ 80 % of the target boxes: A0 5/6 = 83 % yes; A1 4/6 = 67 % no (b1
 * short at 89.9 %, b3 failed); A2 1/2 no; A3 2/2 yes; A4 5/6 yes (b5 no report); A5 has no box:
 * missed and flagged. */
static void test_evidence_and_reach(void **state)
{
    (void)state;
    afx a;
    afx_init(&a);
    acct_report *r = compute(&a);
    assert_int_equal(r->n_evidence, 6);
    assert_int_equal(r->n_box_evidence, 22);
    static const uint32_t all[] = {0, 1, 2, 3, 4, 5}, xa0[] = {0, 1}, xa2[] = {4, 5};
    check_evidence(&r->evidence[0], 0, all, (int32_t[]){0, 1, 2, 3, 4, 5},
                   (acct_status[]){R, R, R, R, Z, R}, 6);
    check_evidence(&r->evidence[1], 1, all, (int32_t[]){7, 8, 9, 10, 11, 12},
                   (acct_status[]){R, S, R, X, R, R}, 6);
    check_evidence(&r->evidence[2], 2, xa2, (int32_t[]){13, 14}, (acct_status[]){R, Z}, 2);
    check_evidence(&r->evidence[3], 3, xa0, (int32_t[]){18, 17}, (acct_status[]){R, R}, 2);
    check_evidence(&r->evidence[4], 4, all, (int32_t[]){19, 20, 21, 22, 23, -1},
                   (acct_status[]){R, R, R, R, R, N}, 6);
    check_evidence(&r->evidence[5], 5, all, NULL, NULL, 0);
    static const uint32_t reached_boxes[] = {5, 4, 1, 2, 5, 0};
    static const bool reached[] = {true, false, false, true, true, false};
    for (size_t k = 0; k < 6; k++) {
        assert_int_equal(r->evidence[k].reached_boxes, reached_boxes[k]);
        assert_int_equal(r->evidence[k].reached, reached[k]);
        assert_int_equal(r->evidence[k].no_target, k == 5);
        /* Only P3 (A4) aired before its approval (20/03 vs 21/03). */
        assert_int_equal(r->evidence[k].approved_before, k != 4);
    }
    assert_int_equal(r->airings_reached, 3);
    assert_int_equal(r->airings_no_target, 1);
    /* 27 plays: 25, 26 ignored; 15, 24 foreign; of the 23 left, 21 are a pair's best (every
     * box record but A4/b5) and 2 are retries (6, 16). */
    assert_int_equal(r->plays_ignored, 2);
    assert_int_equal(r->plays_foreign, 2);
    assert_int_equal(r->plays_counted, 21);
    assert_int_equal(r->plays_retried, 2);
    acct_report_free(r);
    fx_done(&a.f);
}

/* Box airtime: played_ms of each box's best confirmed report (completed or partial).
 *   b0: A0 120 000 + A1 300 000 + A3 120 000 + A4 1 000 000 = 1 540 000 (A2 foreign, A6, A7 out)
 *   b1: A0 120 000 + A1 269 700 + A3 120 000 + A4 1 000 000 = 1 509 700
 *   b2: A0 108 000 + A1 300 000 + A4 1 000 000             = 1 408 000 (A5 foreign)
 *   b3: A0 120 000 + A1 0 (failed) + A4 950 000            = 1 070 000
 *   b4: A0 0 (missed) + A1 300 000 + A2 600 000 + A4 1 000 000 = 1 900 000
 *   b5: A0 120 000 + A1 300 000 + A2 0 (missed)            =   420 000
 *   total 7 847 700. Programme airtime: A0 120 000 + A3 120 000 + A4 1 000 000 = 1 240 000. */
static void test_box_and_programme_airtime(void **state)
{
    (void)state;
    afx a;
    afx_init(&a);
    acct_report *r = compute(&a);
    static const int64_t by_box[] = {1540000, 1509700, 1408000, 1070000, 1900000, 420000};
    for (size_t b = 0; b < 6; b++)
        assert_int_equal(r->box_airtime_by_box[b], by_box[b]);
    assert_int_equal(r->box_airtime_ms, 7847700);
    assert_int_equal(r->programme_airtime_ms, 1240000);
    acct_report_free(r);
    fx_done(&a.f);
}

/* March, per line (per-mille rounded down):
 *   news: contracted 10 × 1 month = 10, airings 30. Approved in March: P5 (P0 in Feb, P6 in
 *     Apr) = 1. Aired: P0 = 1. Scheduled A0, A3, A5 = 3, reached A0, A3 = 2, missed 1.
 *     360 000 ms scheduled, 240 000 delivered: 666 ‰. Reached 2/30 = 66 ‰. Aired 1/10 = 100 ‰.
 *     Out of 60–180 s: P5 (200 s, approved in March); P6 (400 s) is neither approved nor
 *     scheduled in March, so it is not listed.
 *   article: 20 × 31/365 = 1.70 → 2, airings 4. Approved P2 = 1, aired 0. A1 scheduled, not
 *     reached (A6 is April): 300 000 vs 0 = 0 ‰; 0/4 = 0 ‰; 0/2 = 0 ‰. None out of bounds.
 *   report: 4, airings 8. P1 approved at the period's first instant = 1, aired 0. A2: 1
 *     scheduled, 0 reached, 600 000 vs 0. P1 at 600 s is on the bound, inside.
 *   interview: 6 × 31/365 = 0.51 → 1, airings 1. P3 approved 1, aired 1; A4 reached but aired
 *     before approval (unapproved 1). 1 000 000 vs 1 000 000 = 1000 ‰, 1/1, 1/1. P3 > 900 s. */
static void test_lines_month(void **state)
{
    (void)state;
    afx a;
    afx_init(&a);
    acct_report *r = compute(&a);
    assert_int_equal(r->n_lines, 4);
    assert_int_equal(r->lines[1].genre, SCHED_GENRE_ARTICLE); /* contract order */
    assert_int_equal(r->first_day, day(2026, 3, 1));
    assert_int_equal(r->last_day, day(2026, 3, 31));
    assert_int_equal(r->days, 31);
    struct {
        sched_genre g;
        uint64_t pc;
        size_t pap, pai;
        uint64_t ac;
        size_t as, ar, am, au;
        int64_t ms_s, ms_d, dpm, rpm, apm;
        uint32_t oob;
    } want[] = {
        {SCHED_GENRE_NEWS, 10, 1, 1, 30, 3, 2, 1, 0, 360000, 240000, 666, 66, 100, 5},
        {SCHED_GENRE_ARTICLE, 2, 1, 0, 4, 1, 0, 1, 0, 300000, 0, 0, 0, 0, UINT32_MAX},
        {SCHED_GENRE_REPORT, 4, 1, 0, 8, 1, 0, 1, 0, 600000, 0, 0, 0, 0, UINT32_MAX},
        {SCHED_GENRE_INTERVIEW, 1, 1, 1, 1, 1, 1, 0, 1, 1000000, 1000000, 1000, 1000, 1000, 3},
    };
    for (size_t i = 0; i < 4; i++) {
        const acct_line_report *l = line_of(r, want[i].g);
        assert_int_equal(l->pieces_contracted, want[i].pc);
        assert_int_equal(l->pieces_approved, want[i].pap);
        assert_int_equal(l->pieces_aired, want[i].pai);
        assert_int_equal(l->airings_contracted, want[i].ac);
        assert_int_equal(l->airings_scheduled, want[i].as);
        assert_int_equal(l->airings_reached, want[i].ar);
        assert_int_equal(l->airings_missed, want[i].am);
        assert_int_equal(l->airings_unapproved, want[i].au);
        assert_int_equal(l->ms_scheduled, want[i].ms_s);
        assert_int_equal(l->ms_delivered, want[i].ms_d);
        assert_int_equal(l->delivered_permille, want[i].dpm);
        assert_int_equal(l->reached_permille, want[i].rpm);
        assert_int_equal(l->aired_permille, want[i].apm);
        assert_int_equal(l->n_out_of_bounds, want[i].oob == UINT32_MAX ? 0 : 1);
        if (want[i].oob != UINT32_MAX)
            assert_int_equal(l->out_of_bounds[0], want[i].oob);
    }
    acct_report_free(r);
    /* P3 never approved: not counted as approved, but scheduled, so still listed. */
    a.approved[3] = INT64_MIN;
    r = compute(&a);
    const acct_line_report *iv = line_of(r, SCHED_GENRE_INTERVIEW);
    assert_int_equal(iv->pieces_approved, 0);
    assert_int_equal(iv->airings_unapproved, 1);
    assert_int_equal(iv->n_out_of_bounds, 1);
    assert_int_equal(iv->out_of_bounds[0], 3);
    acct_report_free(r);
    fx_done(&a.f);
}

/* Q1 [01/01, 01/04): 90 days, the same airings (all of them in March).
 *   news 10 × 3 months = 30, airings 90; approved P0 (25/02) and P5 = 2; reached 2/90 = 22 ‰;
 *     aired 1/30 = 33 ‰; out of bounds still only P5.
 *   article 20 × 90/365 = 4.93 → 5, airings 10.  report 4 × 3 = 12, airings 24.
 *   interview 6 × 90/365 = 1.48 → 1, airings 1. */
static void test_lines_quarter(void **state)
{
    (void)state;
    afx a;
    afx_init(&a);
    a.in.from_ms = at(&a, 1, 1, 0, 0);
    acct_report *r = compute(&a);
    assert_int_equal(r->days, 90);
    const acct_line_report *news = line_of(r, SCHED_GENRE_NEWS);
    assert_int_equal(news->pieces_contracted, 30);
    assert_int_equal(news->airings_contracted, 90);
    assert_int_equal(news->pieces_approved, 2);
    assert_int_equal(news->reached_permille, 22);
    assert_int_equal(news->aired_permille, 33);
    assert_int_equal(news->n_out_of_bounds, 1);
    assert_int_equal(news->out_of_bounds[0], 5);
    assert_int_equal(line_of(r, SCHED_GENRE_ARTICLE)->pieces_contracted, 5);
    assert_int_equal(line_of(r, SCHED_GENRE_ARTICLE)->airings_contracted, 10);
    assert_int_equal(line_of(r, SCHED_GENRE_REPORT)->pieces_contracted, 12);
    assert_int_equal(line_of(r, SCHED_GENRE_REPORT)->airings_contracted, 24);
    assert_int_equal(line_of(r, SCHED_GENRE_INTERVIEW)->pieces_contracted, 1);
    assert_int_equal(r->airings_reached, 3);
    acct_report_free(r);
    fx_done(&a.f);
}

/* Per commune (2 boxes each, so reaching a commune needs both: 1/2 = 50 % < 80 %):
 *   scheduled: xa0 A0 A1 A3 A4 = 4; xa1 A0 A1 A4 = 3; xa2 A0 A1 A2 A4 = 4 (A5 targets none).
 *   reached:   xa0 A0 A3 A4 = 3 (A1: b1 short); xa1 A0 A4 = 2 (A1: b3 failed);
 *              xa2 A1 = 1 (A0: b4 missed; A2: b5 missed; A4: b5 no report) — A1 reached xa2
 *              though it missed the district-wide 80 %.
 *   box airtime: xa0 1 540 000 + 1 509 700 = 3 049 700; xa1 1 408 000 + 1 070 000 = 2 478 000;
 *              xa2 1 900 000 + 420 000 = 2 320 000.
 *   exemplars heard: xa0 P0 (A0 and A3: once) + P3 = 2; xa1 P0 + P3 = 2; xa2 none.
 *   own exemplar: xa0 yes (P0 reached); xa1 has no piece; xa2's P1 never reached → [1, 2]. */
static void test_commune_coverage(void **state)
{
    (void)state;
    afx a;
    afx_init(&a);
    acct_report *r = compute(&a);
    assert_int_equal(r->n_communes, 3);
    static const size_t sched[] = {4, 3, 4}, reached[] = {3, 2, 1}, heard[] = {2, 2, 0};
    static const int64_t airtime[] = {3049700, 2478000, 2320000};
    for (size_t c = 0; c < 3; c++) {
        assert_int_equal(r->communes[c].boxes, 2);
        assert_int_equal(r->communes[c].airings_scheduled, sched[c]);
        assert_int_equal(r->communes[c].airings_reached, reached[c]);
        assert_int_equal(r->communes[c].box_airtime_ms, airtime[c]);
        assert_int_equal(r->communes[c].exemplars_heard, heard[c]);
        assert_int_equal(r->communes[c].has_own_exemplar, c == 0);
    }
    assert_int_equal(r->n_missing_exemplar, 2);
    assert_int_equal(r->missing_exemplar[0], 1);
    assert_int_equal(r->missing_exemplar[1], 2);
    acct_report_free(r);
    fx_done(&a.f);
}

/* A commune's own exemplar counts when the piece reached anywhere: P5 becomes an exemplar about
 * xa1 aired only to xa0 (A5 retargeted there, both boxes complete). xa1 now has its own
 * exemplar without hearing it (exemplars heard stays 2: P0, P3); xa0 hears 3. */
static void test_own_exemplar_reached_anywhere(void **state)
{
    (void)state;
    afx a;
    afx_init(&a);
    a.f.pieces[5].exemplar = "Bà D";
    a.f.pieces[5].commune = 1;
    a.airings[5].piece = 5;
    a.airings[5].duration_ms = 200000;
    a.airings[5].targets = (sched_targets){SCHED_TARGET_COMMUNES, only_xa0, 1};
    a.plays[24] = (acct_play){"q1", 5, 0, C, 200000, 0};
    a.plays[25] = (acct_play){"q2", 5, 1, C, 200000, 0};
    acct_report *r = compute(&a);
    assert_true(r->evidence[5].reached);
    assert_true(r->communes[1].has_own_exemplar);
    assert_int_equal(r->communes[1].exemplars_heard, 2);
    assert_int_equal(r->communes[0].exemplars_heard, 3);
    assert_int_equal(r->n_missing_exemplar, 1);
    assert_int_equal(r->missing_exemplar[0], 2);
    acct_report_free(r);
    fx_done(&a.f);
}

/* Thresholds are exact integer compares. A1 reached 4 of 6 boxes: 4 × 1000 = 4000 ≥ 666 × 6 =
 * 3996 reaches, ≥ 667 × 6 = 4002 does not. A1/b1 played 269 700 of 300 000: with the partial
 * share at 899 ‰ (269 700 × 1000 ≥ 899 × 300 000) it reaches, and A1 then has 5 of 6. */
static void test_thresholds_exact(void **state)
{
    (void)state;
    afx a;
    afx_init(&a);
    a.in.reach_permille = 666;
    acct_report *r = compute(&a);
    assert_true(r->evidence[1].reached);
    assert_int_equal(r->airings_reached, 4);
    acct_report_free(r);
    a.in.reach_permille = 667;
    r = compute(&a);
    assert_false(r->evidence[1].reached);
    acct_report_free(r);
    /* At 500 ‰, 1 of 2 boxes (1000 ≥ 500 × 2) reaches: A2 does, and so do xa0 (A0 A1 A3 A4),
     * xa1 (A0 A1 A4) and xa2 (A0 A1 A2 A4); P1 now reached, xa2 has its own exemplar. */
    a.in.reach_permille = 500;
    r = compute(&a);
    assert_true(r->evidence[2].reached);
    assert_int_equal(r->airings_reached, 5);
    assert_int_equal(r->communes[0].airings_reached, 4);
    assert_int_equal(r->communes[1].airings_reached, 3);
    assert_int_equal(r->communes[2].airings_reached, 4);
    assert_int_equal(r->n_missing_exemplar, 1);
    assert_int_equal(r->missing_exemplar[0], 1);
    acct_report_free(r);
    a.in.reach_permille = 667;
    r = compute(&a);
    assert_false(r->evidence[1].reached);
    assert_true(r->evidence[0].reached); /* 5/6 still reaches */
    acct_report_free(r);
    a.in.reach_permille = ACCT_REACH_DEFAULT;
    a.in.partial_permille = 899;
    r = compute(&a);
    assert_int_equal(r->evidence[1].boxes[1].status, ACCT_REACHED);
    assert_int_equal(r->evidence[1].reached_boxes, 5);
    assert_true(r->evidence[1].reached);
    /* Box airtime does not depend on the partial share. */
    assert_int_equal(r->box_airtime_ms, 7847700);
    acct_report_free(r);
    fx_done(&a.f);
}

/* Retries: the best report of a pair wins whatever the order; between equals (same status,
 * same length) the smaller play id wins. Three reports for A3/b0: failed "p16", completed
 * "zz", completed "aa" — "aa" is chosen both forwards and backwards. Two short partials for
 * A1/b1, "a0" 100 000 and "z9" 269 700: the longer wins despite its id. A3/b1 reports 125 000
 * of a 120 000 airing: 120 000 counts. Airtime 120 000 + 269 700 + 120 000 = 509 700. */
static void test_retry_choice_independent_of_order(void **state)
{
    (void)state;
    for (int backwards = 0; backwards < 2; backwards++) {
        afx a;
        afx_init(&a);
        acct_play extra[6] = {a.plays[16], a.plays[18], a.plays[18],
                              a.plays[8],  a.plays[8],  a.plays[17]};
        extra[1].id = "zz";
        extra[2].id = "aa";
        extra[3].id = "a0";
        extra[3].played_ms = 100000;
        extra[4].id = "z9";
        extra[5].played_ms = 125000;
        acct_play list[6];
        for (size_t i = 0; i < 6; i++)
            list[i] = extra[backwards ? 5 - i : i];
        a.in.plays = list;
        a.in.n_plays = 6;
        acct_report *r = compute(&a);
        const acct_box_evidence *be = &r->evidence[3].boxes[0];
        assert_int_equal(be->status, ACCT_REACHED);
        assert_string_equal(list[be->play].id, "aa");
        be = &r->evidence[1].boxes[1];
        assert_int_equal(be->status, ACCT_PARTIAL_SHORT);
        assert_string_equal(list[be->play].id, "z9");
        assert_int_equal(r->plays_counted, 3);
        assert_int_equal(r->plays_retried, 3);
        assert_int_equal(r->box_airtime_by_box[1], 389700);
        assert_int_equal(r->box_airtime_ms, 509700);
        acct_report_free(r);
        fx_done(&a.f);
    }
}

/* Proration.
 *   Second half of March [16/03, 01/04): 16 days; news 10 × 16/31 = 5.16 → 5, report at 30 a
 *   month 30 × 16/31 = 15.48 → 15 (not 16: March has 31 days); A4 and A5 only.
 *   The start is inclusive: from A0's start, A0 – A5 count; a millisecond later A0 is out.
 *   Contract 15/02/2026 – 14/02/2027 (365 days) and Q1: the days within it are 15/02 – 31/03
 *   (45): 14/28 of February + March = 1.5 months; news at 1 a month → 1.5 → 2 (halves up),
 *   report at 3 → 4.5 → 5; article 20 × 45/365 = 2.47 → 2.
 *   Contract 01/03 – 10/03, period from 06/03: 5 of 10 days; 1 a period → 0.5 → 1; 3 → 1.5 → 2. */
static void test_proration(void **state)
{
    (void)state;
    afx a;
    afx_init(&a);
    a.in.from_ms = at(&a, 3, 16, 0, 0);
    a.lines[2].pieces_per_month = 30;
    acct_report *r = compute(&a);
    assert_int_equal(r->days, 16);
    assert_int_equal(line_of(r, SCHED_GENRE_NEWS)->pieces_contracted, 5);
    assert_int_equal(line_of(r, SCHED_GENRE_REPORT)->pieces_contracted, 15);
    assert_int_equal(r->n_evidence, 2);
    acct_report_free(r);

    a.in.from_ms = a.airings[0].start_ms;
    r = compute(&a);
    assert_int_equal(r->n_evidence, 6);
    acct_report_free(r);
    a.in.from_ms++;
    r = compute(&a);
    assert_int_equal(r->n_evidence, 5);
    assert_int_equal(r->evidence[0].airing, 1);
    acct_report_free(r);

    a.in.from_ms = at(&a, 1, 1, 0, 0);
    a.contract.from_day = day(2026, 2, 15);
    a.contract.until_day = day(2027, 2, 14);
    a.lines[0].pieces_per_month = 1;
    a.lines[2].pieces_per_month = 3;
    r = compute(&a);
    assert_int_equal(r->first_day, day(2026, 2, 15));
    assert_int_equal(r->days, 45);
    assert_int_equal(line_of(r, SCHED_GENRE_NEWS)->pieces_contracted, 2);
    assert_int_equal(line_of(r, SCHED_GENRE_REPORT)->pieces_contracted, 5);
    assert_int_equal(line_of(r, SCHED_GENRE_REPORT)->airings_contracted, 10);
    assert_int_equal(line_of(r, SCHED_GENRE_ARTICLE)->pieces_contracted, 2);
    acct_report_free(r);

    a.in.from_ms = at(&a, 3, 6, 0, 0);
    a.contract.from_day = day(2026, 3, 1);
    a.contract.until_day = day(2026, 3, 10);
    a.lines[1].pieces_per_period = 1;
    a.lines[3].pieces_per_period = 3;
    r = compute(&a);
    assert_int_equal(r->days, 5);
    assert_int_equal(r->last_day, day(2026, 3, 10));
    assert_int_equal(line_of(r, SCHED_GENRE_ARTICLE)->pieces_contracted, 1);
    assert_int_equal(line_of(r, SCHED_GENRE_INTERVIEW)->pieces_contracted, 2);
    acct_report_free(r);
    fx_done(&a.f);
}

/* A day belongs to the period when its local midnight does. UTC month bounds (07:00 local) make
 * that 02/03 – 01/04; a period outside the contract has no days and contracts nothing. */
static void test_period_days(void **state)
{
    (void)state;
    afx a;
    afx_init(&a);
    int64_t utc_march = 0, utc_april = 0;
    assert_int_equal(vtime_parse_rfc3339("2026-03-01T00:00:00Z", &utc_march), 0);
    assert_int_equal(vtime_parse_rfc3339("2026-04-01T00:00:00Z", &utc_april), 0);
    a.in.from_ms = utc_march;
    a.in.until_ms = utc_april;
    acct_report *r = compute(&a);
    assert_int_equal(r->first_day, day(2026, 3, 2));
    assert_int_equal(r->last_day, day(2026, 4, 1));
    assert_int_equal(r->days, 31);
    acct_report_free(r);

    a.in.from_ms = at(&a, 3, 1, 0, 0);
    a.contract.from_day = day(2025, 1, 1);
    a.contract.until_day = day(2025, 12, 31);
    r = compute(&a);
    assert_int_equal(r->days, 0);
    assert_int_equal(line_of(r, SCHED_GENRE_NEWS)->pieces_contracted, 0);
    assert_int_equal(line_of(r, SCHED_GENRE_NEWS)->reached_permille, -1);
    assert_int_equal(line_of(r, SCHED_GENRE_NEWS)->airings_reached, 2); /* still reported */
    acct_report_free(r);

    a.contract.from_day = day(2026, 1, 1);
    a.contract.until_day = day(2026, 12, 31);
    a.in.until_ms = a.in.from_ms; /* empty period */
    r = compute(&a);
    assert_int_equal(line_of(r, SCHED_GENRE_NEWS)->pieces_contracted, 0);
    assert_int_equal(r->days, 0);
    assert_int_equal(r->n_evidence, 0);
    assert_int_equal(r->plays_ignored, N_PLAYS);
    assert_int_equal(line_of(r, SCHED_GENRE_NEWS)->delivered_permille, -1);
    acct_report_free(r);
    fx_done(&a.f);
}

static void expect_einval(const afx *a, const char *what)
{
    acct_report *r = (acct_report *)(uintptr_t)1;
    char err[256] = "";
    assert_int_equal(acct_report_compute(&a->in, &r, err, sizeof err), -EINVAL);
    assert_null(r);
    if (strstr(err, what) == NULL)
        fail_msg("expected '%s' in '%s'", what, err);
}

static void test_invalid_input(void **state)
{
    (void)state;
    afx a;
    static const uint32_t unsorted[] = {3, 1};
#define CASE(what, stmt)                                                                           \
    do {                                                                                           \
        afx_init(&a);                                                                              \
        stmt;                                                                                      \
        expect_einval(&a, what);                                                                   \
        fx_done(&a.f);                                                                             \
    } while (0)
    CASE("period", a.in.until_ms = a.in.from_ms - 1);
    CASE("thresholds", a.in.reach_permille = 1001);
    CASE("thresholds", a.in.partial_permille = 1001);
    CASE("input", a.in.tz = NULL);
    CASE("input", a.in.district = NULL);
    CASE("input", a.in.approved_ms = NULL);
    CASE("play 3", a.plays[3].airing = N_AIRINGS);
    CASE("play 4", a.plays[4].box = 6);
    CASE("play 5", a.plays[5].played_ms = -1);
    CASE("play 6", a.plays[6].outcome = (proto_outcome)9);
    CASE("airing 2", a.airings[2].piece = N_PIECES);
    CASE("airing 1", a.airings[1].duration_ms = 0);
    CASE("airing 0", (a.airings[0].targets = (sched_targets){SCHED_TARGET_BOXES, unsorted, 2}));
    CASE("airing 3", (a.airings[3].targets = (sched_targets){SCHED_TARGET_COMMUNES, unsorted, 1}));
    CASE("line 2", a.lines[2].genre = SCHED_GENRE_NEWS);
    CASE("line 0", a.lines[0].pieces_per_period = 1);
    CASE("line 1", a.lines[1].genre = SCHED_GENRE_JINGLE);
    CASE("line 3", a.lines[3].min_ms = 1000000);
    CASE("line 0", a.lines[0].airings_per_piece = ACCT_MAX_COUNT + 1);
    CASE("contract", a.contract.until_day = a.contract.from_day - 1);
    CASE("piece 1", a.f.pieces[1].commune = 3);
    CASE("box 5", a.f.boxes[5].commune = 3);
#undef CASE
    afx_init(&a);
    assert_int_equal(acct_report_compute(NULL, &(acct_report *){NULL}, NULL, 0), -EINVAL);
    fx_done(&a.f);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(acct_status_name(ACCT_PARTIAL_SHORT), "partial_short");
    assert_string_equal(acct_status_name(ACCT_NO_REPORT), "no_report");
    assert_string_equal(acct_status_label_vn(ACCT_REACHED), "Đã phát");
    assert_string_equal(acct_status_label_vn(ACCT_MISSED), "Bỏ lỡ");
    assert_string_equal(acct_status_name(ACCT_STATUS_COUNT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evidence_and_reach),
        cmocka_unit_test(test_box_and_programme_airtime),
        cmocka_unit_test(test_lines_month),
        cmocka_unit_test(test_lines_quarter),
        cmocka_unit_test(test_commune_coverage),
        cmocka_unit_test(test_own_exemplar_reached_anywhere),
        cmocka_unit_test(test_thresholds_exact),
        cmocka_unit_test(test_retry_choice_independent_of_order),
        cmocka_unit_test(test_proration),
        cmocka_unit_test(test_period_days),
        cmocka_unit_test(test_invalid_input),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
