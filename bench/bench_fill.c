/* bench_fill: how long sched_fill takes for a district's month (issue #2), and how that grows
 * with communes and with pieces. Inputs come from a fixed seed and are built outside the timed
 * region; each figure is the best and the median of RUNS fills (CLOCK_MONOTONIC). Per the
 * project rule, ratios are against references measured in the same run: the previous size,
 * the 1,000 communes × 300 pieces goal size, and an empty fill (no items: validation,
 * expansion, set-up and result only) on the same district and programmes.
 * Usage: bench_fill (the tables), or bench_fill COMMUNES PIECES N (N untimed fills of one size,
 * to run under perf or callgrind). */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expand.h"
#include "fill.h"
#include "vtime.h"

#define RUNS              31
#define GOAL_MS           100.0
#define GOAL_COMMUNES     1000
#define GOAL_PIECES       300
#define SEED              20261201u
#define YEAR              2026
#define MONTH             12
#define MAX_ITEM_COMMUNES 5

typedef struct bench_input {
    GRand *rng;
    sched_commune *communes;
    sched_box *boxes;
    sched_district d;
    sched_program progs[3];
    uint32_t *half, *tenth;
    sched_piece *pieces;
    sched_plan_item *items;
    sched_pin *pins;
    uint32_t *item_communes;
    sched_month_plan plan;
    sched_input in;
    int32_t month_first, month_days;
} bench_input;

typedef struct timing {
    double best, median;
} timing;

/* ---- the input ---------------------------------------------------------------------------- */

static int rnd(bench_input *b, int lo, int hi)
{
    return g_rand_int_range(b->rng, lo, hi + 1);
}

/* ~2 boxes per commune (1 to 3). */
static void make_district(bench_input *b, size_t n_communes)
{
    b->communes = g_new(sched_commune, n_communes);
    b->boxes = g_new(sched_box, n_communes * 3);
    size_t nb = 0;
    for (size_t c = 0; c < n_communes; c++) {
        b->communes[c] = (sched_commune){"xa", "Xã"};
        for (int k = rnd(b, 1, 3); k > 0; k--)
            b->boxes[nb++] = (sched_box){"loa", "Loa", (uint32_t)c};
    }
    b->d = (sched_district){b->communes, n_communes, b->boxes, nb};
}

/* About `percent`% of the communes, picked at random, in index order (so the list is sorted). */
static uint32_t *commune_share(bench_input *b, size_t n_communes, int percent, size_t *n)
{
    uint32_t *ids = g_new(uint32_t, n_communes);
    *n = 0;
    for (size_t c = 0; c < n_communes; c++) {
        if (rnd(b, 0, 99) < percent)
            ids[(*n)++] = (uint32_t)c;
    }
    if (*n == 0)
        ids[(*n)++] = 0;
    return ids;
}

/* Morning for everyone, noon for half the communes, evening for a tenth; 30 minutes each. */
static void make_programs(bench_input *b, size_t n_communes)
{
    static const int32_t starts[3] = {6 * 3600, 11 * 3600 + 30 * 60, 17 * 3600};
    size_t n_half = 0, n_tenth = 0;
    b->half = commune_share(b, n_communes, 50, &n_half);
    b->tenth = commune_share(b, n_communes, 10, &n_tenth);
    const sched_targets targets[3] = {{SCHED_TARGET_ALL, NULL, 0},
                                      {SCHED_TARGET_COMMUNES, b->half, n_half},
                                      {SCHED_TARGET_COMMUNES, b->tenth, n_tenth}};
    for (int i = 0; i < 3; i++) {
        b->progs[i] = (sched_program){.id = "ct",
                                      .title = "Chương trình",
                                      .weekdays = 0x7f,
                                      .start_s = starts[i],
                                      .length_s = 30 * 60,
                                      .valid_from = INT32_MIN,
                                      .valid_until = INT32_MAX,
                                      .targets = targets[i],
                                      .intro = -1,
                                      .outro = -1};
    }
}

/* Genre mix of a commune station: mostly news, then articles, reports and interviews. */
static void make_piece(bench_input *b, sched_piece *p, size_t n_communes)
{
    static const struct {
        sched_genre g;
        int percent, min_s, max_s;
    } mix[] = {{SCHED_GENRE_NEWS, 45, 60, 180},
               {SCHED_GENRE_ARTICLE, 30, 180, 300},
               {SCHED_GENRE_REPORT, 15, 300, 600},
               {SCHED_GENRE_INTERVIEW, 10, 240, 480}};
    int r = rnd(b, 0, 99), k = 0;
    while (r >= mix[k].percent) {
        r -= mix[k].percent;
        k++;
    }
    int prio = rnd(b, 0, 99);
    *p = (sched_piece){.id = "tb",
                       .title = "Tin bài",
                       .genre = mix[k].g,
                       .duration_ms = rnd(b, mix[k].min_s, mix[k].max_s) * 1000LL,
                       .exemplar = rnd(b, 0, 3) == 0 ? "Gương người tốt" : NULL,
                       .commune = rnd(b, 0, 3) == 0 ? rnd(b, 0, (int)n_communes - 1) : -1,
                       .priority = prio < 96   ? SCHED_PRIO_NORMAL
                                   : prio < 99 ? SCHED_PRIO_PRIORITY
                                               : SCHED_PRIO_EMERGENCY};
}

static int u32_cmp(const void *pa, const void *pb)
{
    uint32_t x = *(const uint32_t *)pa, y = *(const uint32_t *)pb;
    return (x > y) - (x < y);
}

/* 1 to 5 distinct communes, sorted. */
static size_t pick_communes(bench_input *b, uint32_t *ids, size_t n_communes)
{
    size_t n = 0, want = (size_t)rnd(b, 1, MAX_ITEM_COMMUNES);
    while (n < want && n < n_communes) {
        uint32_t c = (uint32_t)rnd(b, 0, (int)n_communes - 1);
        bool dup = false;
        for (size_t i = 0; i < n; i++)
            dup |= ids[i] == c;
        if (!dup)
            ids[n++] = c;
    }
    qsort(ids, n, sizeof *ids, u32_cmp);
    return n;
}

/* Airings 2-12; ~20% for a few communes, ~3% pinned, ~5% with a week's window. */
static void make_item(bench_input *b, size_t i, size_t n_communes)
{
    sched_plan_item *it = &b->items[i];
    *it = (sched_plan_item){.piece = (uint32_t)i,
                            .airings = (uint32_t)rnd(b, 2, 12),
                            .window_from = INT32_MIN,
                            .window_until = INT32_MAX};
    if (rnd(b, 0, 99) < 20) {
        it->communes = b->item_communes + i * MAX_ITEM_COMMUNES;
        it->n_communes = pick_communes(b, b->item_communes + i * MAX_ITEM_COMMUNES, n_communes);
    }
    if (rnd(b, 0, 99) < 3) {
        b->pins[i] = (sched_pin){b->month_first + rnd(b, 0, b->month_days - 1), rnd(b, 0, 2)};
        it->pins = &b->pins[i];
        it->n_pins = 1;
    }
    if (rnd(b, 0, 99) < 5) {
        it->window_from = b->month_first + rnd(b, 0, b->month_days - 7);
        it->window_until = it->window_from + 6;
    }
}

static void make_input(bench_input *b, size_t n_communes, size_t n_pieces, GTimeZone *tz)
{
    memset(b, 0, sizeof *b);
    b->rng = g_rand_new_with_seed(SEED);
    if (vtime_day_from_civil(YEAR, MONTH, 1, &b->month_first) != 0)
        abort();
    b->month_days = vtime_days_in_month(YEAR, MONTH);
    make_district(b, n_communes);
    make_programs(b, n_communes);
    b->pieces = g_new(sched_piece, n_pieces + 1);
    b->items = g_new(sched_plan_item, n_pieces + 1);
    b->pins = g_new(sched_pin, n_pieces + 1);
    b->item_communes = g_new(uint32_t, n_pieces * MAX_ITEM_COMMUNES + 1);
    for (size_t i = 0; i < n_pieces; i++) {
        make_piece(b, &b->pieces[i], n_communes);
        make_item(b, i, n_communes);
    }
    b->plan = (sched_month_plan){YEAR, MONTH, "Chủ đề tháng", b->items, n_pieces};
    b->in = (sched_input){&b->d, b->progs, 3, b->pieces, n_pieces, &b->plan, tz, INT64_MIN};
}

static void free_input(bench_input *b)
{
    g_rand_free(b->rng);
    g_free(b->communes);
    g_free(b->boxes);
    g_free(b->half);
    g_free(b->tenth);
    g_free(b->pieces);
    g_free(b->items);
    g_free(b->pins);
    g_free(b->item_communes);
}

/* ---- timing ------------------------------------------------------------------------------- */

static double clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int double_cmp(const void *pa, const void *pb)
{
    double x = *(const double *)pa, y = *(const double *)pb;
    return (x > y) - (x < y);
}

static timing summarize(double *t)
{
    qsort(t, RUNS, sizeof *t, double_cmp);
    return (timing){t[0], t[RUNS / 2]};
}

/* ---- the sizes ---------------------------------------------------------------------------- */

typedef struct row {
    size_t communes, pieces, boxes, slots, airings, unplaced, needed;
    timing fill, empty, expand;
} row;

typedef struct bench_case {
    bench_input b;
    sched_month_plan empty_plan;
    sched_input empty; /* the same input with no items */
    double fill[RUNS], empty_ms[RUNS], expand[RUNS];
} bench_case;

static double time_one_fill(const sched_input *in, sched_fill_result **keep)
{
    char err[256] = "";
    sched_fill_result *res = NULL;
    double t0 = clock_ms();
    int rc = sched_fill(in, &res, err, sizeof err);
    double t = clock_ms() - t0;
    if (rc != 0) {
        fprintf(stderr, "bench_fill: sched_fill: %d %s\n", rc, err);
        exit(1);
    }
    if (keep)
        *keep = res;
    else
        sched_fill_result_free(res);
    return t;
}

static double time_one_expand(const bench_input *b)
{
    sched_slot *slots = NULL;
    size_t n = 0;
    double t0 = clock_ms();
    sched_expand(b->progs, 3, b->month_first, b->month_first + b->month_days - 1, b->in.tz, &slots,
                 &n);
    double t = clock_ms() - t0;
    g_free(slots);
    return t;
}

/* Run r of every case in turn, so that a slow spell of the machine (frequency changes, other
 * processes) spreads over all sizes instead of biasing one. */
static void time_cases(bench_case *cases, size_t n)
{
    for (int r = 0; r < RUNS; r++) {
        for (size_t i = 0; i < n; i++) {
            cases[i].fill[r] = time_one_fill(&cases[i].b.in, NULL);
            cases[i].empty_ms[r] = time_one_fill(&cases[i].empty, NULL);
            cases[i].expand[r] = time_one_expand(&cases[i].b);
        }
    }
}

static row row_of(bench_case *c)
{
    const bench_input *b = &c->b;
    row r = {.communes = b->d.n_communes, .pieces = b->plan.n_items, .boxes = b->d.n_boxes};
    for (size_t i = 0; i < b->plan.n_items; i++)
        r.needed += MAX(MAX(b->items[i].airings, (uint32_t)b->items[i].n_pins), 1u);
    sched_fill_result *res = NULL;
    time_one_fill(&b->in, &res);
    r.slots = res->n_slots;
    r.airings = res->n_airings;
    for (size_t u = 0; u < res->n_unplaced; u++)
        r.unplaced += res->unplaced[u].missing;
    sched_fill_result_free(res);
    r.fill = summarize(c->fill);
    r.empty = summarize(c->empty_ms);
    r.expand = summarize(c->expand);
    return r;
}

static void print_header(const char *title)
{
    printf("\n%s\n", title);
    printf("%8s %6s %6s %5s %7s %7s %8s | %9s %9s | %9s %9s | %6s %10s\n", "communes", "pieces",
           "boxes", "slots", "needed", "placed", "unplaced", "fill best", "fill med", "empty med",
           "fill-emp", "x prev", "x 1000x300");
}

static void print_row(const row *r, const row *prev, double goal_median)
{
    char ratio_prev[16] = "-";
    if (prev)
        snprintf(ratio_prev, sizeof ratio_prev, "%.2f", r->fill.median / prev->fill.median);
    printf("%8zu %6zu %6zu %5zu %7zu %7zu %8zu | %6.2f ms %6.2f ms | %6.3f ms %6.2f ms | %6s "
           "%10.2f\n",
           r->communes, r->pieces, r->boxes, r->slots, r->needed, r->airings, r->unplaced,
           r->fill.best, r->fill.median, r->empty.median, r->fill.median - r->empty.median,
           ratio_prev, r->fill.median / goal_median);
}

static void print_series(const char *title, const row *rows, const size_t *idx, double goal)
{
    print_header(title);
    for (size_t i = 0; i < 4; i++)
        print_row(&rows[idx[i]], i ? &rows[idx[i - 1]] : NULL, goal);
}

/* "bench_fill C P N": N fills of C communes x P pieces, untimed, for perf and callgrind. */
static int profile(const char *c, const char *p, const char *n, GTimeZone *tz)
{
    bench_input b;
    make_input(&b, (size_t)atol(c), (size_t)atol(p), tz);
    for (long i = atol(n); i > 0; i--)
        time_one_fill(&b.in, NULL);
    free_input(&b);
    return 0;
}

int main(int argc, char **argv)
{
    GTimeZone *tz = NULL;
    if (vtime_zone_new(NULL, &tz) != 0)
        return 1;
    if (argc == 4)
        return profile(argv[1], argv[2], argv[3], tz);
    /* Seven inputs: communes 250..2000 at 300 pieces, then pieces 75..600 at 1,000 communes
     * (1,000 x 300, the goal size, is shared by both series). */
    static const size_t sizes[7][2] = {{250, 300}, {500, 300},  {1000, 300}, {2000, 300},
                                       {1000, 75}, {1000, 150}, {1000, 600}};
    static const size_t by_communes[4] = {0, 1, 2, 3}, by_pieces[4] = {4, 5, 2, 6};
    bench_case *cases = g_new0(bench_case, 7);
    for (size_t i = 0; i < 7; i++) {
        make_input(&cases[i].b, sizes[i][0], sizes[i][1], tz);
        cases[i].empty = cases[i].b.in;
        cases[i].empty_plan = (sched_month_plan){YEAR, MONTH, NULL, NULL, 0};
        cases[i].empty.plan = &cases[i].empty_plan;
    }
    time_cases(cases, 7);
    row rows[7];
    for (size_t i = 0; i < 7; i++)
        rows[i] = row_of(&cases[i]);
    const row *goal = &rows[2];
    printf("bench_fill: one month (%d-%02d, %s), 3 programmes a day x 30 min (all / half / a "
           "tenth of the communes), ~2 boxes per commune; pieces: news 1-3 min, articles 3-5, "
           "reports 5-10, interviews 4-8; airings 2-12 each, ~20%% for a few communes, ~3%% "
           "pinned, ~5%% with a week's window.\n"
           "Best and median of %d runs per size (runs interleaved across sizes). needed/placed/"
           "unplaced count airings. empty = the same fill with no items. x prev ~2.0 means "
           "linear.\n",
           YEAR, MONTH, VTIME_DEFAULT_ZONE, RUNS);
    print_series("Communes double (300 pieces):", rows, by_communes, goal->fill.median);
    print_series("Pieces double (1,000 communes):", rows, by_pieces, goal->fill.median);
    printf("\nGoal size 1,000 communes x 300 pieces: fill median %.2f ms (best %.2f ms) = %.3f x "
           "the %.0f ms goal.\n",
           goal->fill.median, goal->fill.best, goal->fill.median / GOAL_MS, GOAL_MS);
    printf("Same-run references at that size (medians): empty fill %.3f ms, sched_expand of the "
           "month alone %.4f ms.\n",
           goal->empty.median, goal->expand.median);
    for (size_t i = 0; i < 7; i++)
        free_input(&cases[i].b);
    g_free(cases);
    g_time_zone_unref(tz);
    return 0;
}
