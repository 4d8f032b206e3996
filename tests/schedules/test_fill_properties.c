/* Property tests of the schedule engine (docs/architecture.md §9): random districts, programmes and
 * month plans from seeded generators, and the invariants every fill must keep, checked against
 * brute-force recomputations. Each case has its own seed; a failure names it, and
 * LOALANG_PROP_SEED=<seed> reruns that one case (LOALANG_PROP_CASES=<n> changes the count). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conflicts.h"
#include "expand.h"
#include "fill.h"
#include "reason.h"
#include "targets.h"
#include "vtime.h"

#define BASE_SEED     20261201u
#define DEFAULT_CASES 1000
#define HOUR_MS       3600000LL

/* ---- failing with the seed ------------------------------------------------------------------ */

static guint32 cur_seed;

static void G_GNUC_PRINTF(1, 2) prop_fail(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fail_msg("seed %u (rerun with LOALANG_PROP_SEED=%u): %s", cur_seed, cur_seed, msg);
}

#define PROP(cond, ...)                                                                            \
    do {                                                                                           \
        if (!(cond))                                                                               \
            prop_fail(__VA_ARGS__);                                                                \
    } while (0)

/* ---- the generator -------------------------------------------------------------------------- */

typedef struct gen {
    GRand *rng;
    GPtrArray *arena; /* everything below that was allocated, freed with the case */
    GTimeZone *tz;
    sched_commune *communes;
    sched_box *boxes;
    sched_district d;
    sched_program *progs;
    sched_piece *pieces;
    uint32_t *jingles; /* piece indices of the jingles */
    size_t n_jingles;
    sched_plan_item *items;
    sched_month_plan plan;
    sched_input in;
    int32_t month_first, month_last;
    bool sparse; /* few short pieces in long slots: room everywhere */
} gen;

static GTimeZone *zone_hcm, *zone_berlin;

static void *gen_alloc(gen *g, size_t n, size_t size)
{
    void *p = g_malloc0_n(n + 1, size); /* +1: never NULL, even for empty arrays */
    g_ptr_array_add(g->arena, p);
    return p;
}

static int rint_in(gen *g, int lo, int hi)
{
    return g_rand_int_range(g->rng, lo, hi + 1);
}

static bool chance(gen *g, int percent)
{
    return g_rand_int_range(g->rng, 0, 100) < percent;
}

/* A non-empty sorted subset of [0, n), usually small. */
static const uint32_t *random_subset(gen *g, size_t n, size_t *n_out)
{
    uint32_t *ids = gen_alloc(g, n, sizeof(uint32_t));
    int percent = chance(g, 50) ? 10 : rint_in(g, 20, 90);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (chance(g, percent))
            ids[k++] = (uint32_t)i;
    }
    if (k == 0)
        ids[k++] = (uint32_t)rint_in(g, 0, (int)n - 1);
    *n_out = k;
    return ids;
}

static void gen_month(gen *g)
{
    static const int feb_years[] = {2027, 2028, 2100, 2000, 2024};
    if (chance(g, 20)) {
        g->plan.year = feb_years[rint_in(g, 0, G_N_ELEMENTS(feb_years) - 1)];
        g->plan.month = 2;
    } else {
        g->plan.year = rint_in(g, 2024, 2035);
        g->plan.month = rint_in(g, 1, 12);
    }
    assert_int_equal(vtime_day_from_civil(g->plan.year, g->plan.month, 1, &g->month_first), 0);
    g->month_last = g->month_first + vtime_days_in_month(g->plan.year, g->plan.month) - 1;
}

static void gen_district(gen *g)
{
    size_t nc = (size_t)rint_in(g, 1, 30);
    g->communes = gen_alloc(g, nc, sizeof(sched_commune));
    g->boxes = gen_alloc(g, nc * 4, sizeof(sched_box));
    size_t nb = 0;
    for (size_t c = 0; c < nc; c++) {
        g->communes[c] = (sched_commune){"xa", "Xã"};
        for (int k = rint_in(g, 0, 4); k > 0; k--)
            g->boxes[nb++] = (sched_box){"loa", "Loa", (uint32_t)c};
    }
    /* Boxes need not be grouped by commune: shuffle them sometimes. */
    for (size_t i = nb; chance(g, 30) && i > 1; i--) {
        size_t j = (size_t)rint_in(g, 0, (int)i - 1);
        sched_box t = g->boxes[i - 1];
        g->boxes[i - 1] = g->boxes[j];
        g->boxes[j] = t;
    }
    g->d = (sched_district){g->communes, nc, g->boxes, nb};
}

static int32_t gen_start(gen *g)
{
    static const int32_t near_midnight[] = {23 * 3600 + 40 * 60, 23 * 3600 + 30 * 60,
                                            23 * 3600 + 59 * 60, 0,
                                            23 * 3600 + 55 * 60, 1800};
    if (chance(g, 35))
        return near_midnight[rint_in(g, 0, G_N_ELEMENTS(near_midnight) - 1)];
    return rint_in(g, 0, 1439) * 60 + (chance(g, 10) ? rint_in(g, 0, 59) : 0);
}

static sched_targets gen_targets(gen *g)
{
    sched_targets t = {SCHED_TARGET_ALL, NULL, 0};
    int r = rint_in(g, 0, 3);
    if (r == 2 || (r == 3 && g->d.n_boxes == 0)) {
        t.kind = SCHED_TARGET_COMMUNES;
        t.ids = random_subset(g, g->d.n_communes, &t.n);
    } else if (r == 3) {
        t.kind = SCHED_TARGET_BOXES;
        t.ids = random_subset(g, g->d.n_boxes, &t.n);
    }
    return t;
}

static int32_t gen_jingle_ref(gen *g)
{
    if (g->n_jingles == 0 || !chance(g, 25))
        return -1;
    return (int32_t)g->jingles[rint_in(g, 0, (int)g->n_jingles - 1)];
}

static void gen_validity(gen *g, sched_program *p)
{
    p->valid_from = INT32_MIN;
    p->valid_until = INT32_MAX;
    if (!chance(g, 25))
        return;
    int32_t from = g->month_first + rint_in(g, -10, 35);
    if (chance(g, 80))
        p->valid_from = from;
    if (chance(g, 80))
        p->valid_until = from + rint_in(g, 0, 40);
}

static void gen_programs(gen *g, size_t n)
{
    g->progs = gen_alloc(g, n, sizeof(sched_program));
    for (size_t i = 0; i < n; i++) {
        sched_program *p = &g->progs[i];
        p->id = p->title = g_ptr_array_index(g->arena, 0); /* the case's name string */
        p->weekdays = chance(g, 50) ? 0x7f : (uint8_t)rint_in(g, 1, 0x7f);
        p->start_s = gen_start(g);
        p->length_s = (g->sparse ? rint_in(g, 30, 90) : rint_in(g, 5, 90)) * 60;
        gen_validity(g, p);
        p->targets = gen_targets(g);
        p->intro = gen_jingle_ref(g);
        p->outro = gen_jingle_ref(g);
    }
}

static void gen_piece(gen *g, sched_piece *p)
{
    *p = (sched_piece){.id = "p", .title = "Tin bài", .commune = -1};
    p->genre = (sched_genre)rint_in(g, 0, 3);
    p->duration_ms = (g->sparse ? rint_in(g, 20, 120) : rint_in(g, 20, 900)) * 1000LL;
    if (chance(g, 10))
        p->duration_ms += rint_in(g, 1, 999);
    int r = rint_in(g, 0, 99);
    p->priority = r < 80 ? SCHED_PRIO_NORMAL : r < 92 ? SCHED_PRIO_PRIORITY : SCHED_PRIO_EMERGENCY;
    if (chance(g, 30))
        p->exemplar = "Tổ dân phòng số 3";
    if (chance(g, 30))
        p->commune = rint_in(g, 0, (int)g->d.n_communes - 1);
}

/* Pieces for the items, a few jingles and a few unused pieces, in a shuffled order. */
static void gen_pieces(gen *g, size_t n_items, size_t *item_piece)
{
    g->n_jingles = g->sparse ? 0 : (size_t)rint_in(g, 0, 3);
    size_t n = n_items + g->n_jingles + (size_t)rint_in(g, 0, 3);
    uint32_t *perm = gen_alloc(g, n, sizeof(uint32_t));
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)rint_in(g, 0, (int)i - 1);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    g->pieces = gen_alloc(g, n, sizeof(sched_piece));
    g->jingles = gen_alloc(g, g->n_jingles, sizeof(uint32_t));
    for (size_t i = 0; i < n; i++)
        gen_piece(g, &g->pieces[perm[i]]);
    for (size_t i = 0; i < n_items; i++)
        item_piece[i] = perm[i];
    for (size_t j = 0; j < g->n_jingles; j++) {
        sched_piece *p = &g->pieces[perm[n_items + j]];
        p->genre = SCHED_GENRE_JINGLE;
        p->priority = SCHED_PRIO_NORMAL;
        /* Mostly short; sometimes long enough to eat a short slot whole. */
        p->duration_ms = (chance(g, 5) ? rint_in(g, 60, 400) : rint_in(g, 5, 30)) * 1000LL;
        g->jingles[j] = perm[n_items + j];
    }
    g->in.n_pieces = n;
}

/* A pin on a real slot of the month (usually), or on a day or programme without one. */
static sched_pin gen_pin(gen *g, const sched_slot *slots, size_t n_slots)
{
    sched_pin pin;
    if (n_slots > 0 && chance(g, 65)) {
        const sched_slot *s = &slots[rint_in(g, 0, (int)n_slots - 1)];
        pin.day = s->day;
        pin.program = chance(g, 60) ? (int32_t)s->program : -1;
        return pin;
    }
    pin.day = chance(g, 30)
                  ? g->month_first + (chance(g, 50) ? -rint_in(g, 1, 5) : rint_in(g, 28, 35))
                  : rint_in(g, g->month_first, g->month_last);
    pin.program = chance(g, 30) ? -1 : rint_in(g, 0, (int)g->in.n_programs - 1);
    return pin;
}

static void gen_item_constraints(gen *g, sched_plan_item *it, const sched_slot *slots,
                                 size_t n_slots)
{
    if (chance(g, 15)) {
        size_t n = (size_t)rint_in(g, 1, 3);
        sched_pin *pins = gen_alloc(g, n, sizeof(sched_pin));
        for (size_t k = 0; k < n; k++)
            pins[k] = k > 0 && chance(g, 15) ? pins[k - 1] : gen_pin(g, slots, n_slots);
        it->pins = pins;
        it->n_pins = n;
    }
    it->window_from = INT32_MIN;
    it->window_until = INT32_MAX;
    if (chance(g, 20)) {
        int32_t from = g->month_first + rint_in(g, -5, 33);
        if (chance(g, 80))
            it->window_from = from;
        if (chance(g, 80))
            it->window_until = from + rint_in(g, 0, 20);
    }
    if (chance(g, 25))
        it->communes = random_subset(g, g->d.n_communes, &it->n_communes);
}

static void gen_items(gen *g, size_t n, const size_t *item_piece)
{
    sched_slot *slots = NULL;
    size_t n_slots = 0;
    assert_int_equal(sched_expand(g->progs, g->in.n_programs, g->month_first, g->month_last, g->tz,
                                  &slots, &n_slots),
                     0);
    g->items = gen_alloc(g, n, sizeof(sched_plan_item));
    for (size_t i = 0; i < n; i++) {
        sched_plan_item *it = &g->items[i];
        it->piece = (uint32_t)item_piece[i];
        it->airings = g->sparse ? (uint32_t)rint_in(g, 1, 8) : (uint32_t)rint_in(g, 1, 40);
        if (chance(g, 5))
            it->airings = 0;
        gen_item_constraints(g, it, slots, n_slots);
    }
    g_free(slots);
}

static void gen_now(gen *g)
{
    int64_t from, until;
    assert_int_equal(vtime_day_start(g->tz, g->month_first, &from), 0);
    assert_int_equal(vtime_day_start(g->tz, g->month_last + 1, &until), 0);
    int r = rint_in(g, 0, 99);
    if (r < 25)
        g->in.now_ms = from + (int64_t)(g_rand_double(g->rng) * (double)(until - from));
    else if (r < 30)
        g->in.now_ms = until + rint_in(g, 0, 3) * HOUR_MS;
    else if (r < 35)
        g->in.now_ms = from - rint_in(g, 1, 48) * HOUR_MS;
    else
        g->in.now_ms = INT64_MIN;
}

static void gen_init(gen *g, guint32 seed)
{
    memset(g, 0, sizeof *g);
    g->rng = g_rand_new_with_seed(seed);
    g->arena = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(g->arena, g_strdup_printf("Chương trình (seed %u)", seed));
    g->sparse = chance(g, 15);
    g->tz = chance(g, 15) ? zone_berlin : zone_hcm;
    gen_month(g);
    gen_district(g);
    size_t n_programs = (size_t)rint_in(g, 1, 6);
    size_t n_items = g->sparse ? (size_t)rint_in(g, 1, 5) : (size_t)rint_in(g, 0, 60);
    size_t *item_piece = g_new0(size_t, n_items + 1);
    gen_pieces(g, n_items, item_piece);
    g->in.n_programs = n_programs;
    gen_programs(g, n_programs);
    gen_items(g, n_items, item_piece);
    g_free(item_piece);
    g->plan.theme = "Học tập và làm theo tấm gương đạo đức Hồ Chí Minh";
    g->plan.items = g->items;
    g->plan.n_items = n_items;
    g->in.district = &g->d;
    g->in.programs = g->progs;
    g->in.pieces = g->pieces;
    g->in.plan = &g->plan;
    g->in.tz = g->tz;
    gen_now(g);
}

static void gen_done(gen *g)
{
    g_ptr_array_free(g->arena, TRUE);
    g_rand_free(g->rng);
}

/* ---- what the run saw (so a generator that stops reaching a rule is noticed) ---------------- */

typedef struct stats {
    size_t cases, airings, unplaced_by_reason[SCHED_REASON_PIN_TWICE + 1];
    size_t conflicts, strict_prio_slots, mixed_slots, mixed_prio_inversions;
    size_t spread_items; /* items the "not twice a day" property was checked on */
} stats;

/* ---- brute-force references ----------------------------------------------------------------- */

static int slot_order(const void *pa, const void *pb)
{
    const sched_slot *x = pa, *y = pb;
    if (x->start_ms != y->start_ms)
        return x->start_ms < y->start_ms ? -1 : 1;
    return (x->program > y->program) - (x->program < y->program);
}

/* The month's occurrences, computed day by day with GDate for the weekday. */
static sched_slot *brute_expand(const gen *g, size_t *n_out)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(sched_slot));
    for (int32_t day = g->month_first; day <= g->month_last; day++) {
        int y, m, dom;
        vtime_civil_from_day(day, &y, &m, &dom);
        GDate *date = g_date_new_dmy((GDateDay)dom, (GDateMonth)m, (GDateYear)y);
        int wd = g_date_get_weekday(date); /* 1 = Monday */
        g_date_free(date);
        for (size_t i = 0; i < g->in.n_programs; i++) {
            const sched_program *p = &g->progs[i];
            if (!(p->weekdays & (1u << (wd - 1))) || day < p->valid_from || day > p->valid_until)
                continue;
            sched_slot s = {(uint32_t)i, day, 0, p->length_s * 1000LL};
            if (vtime_local_to_utc(g->tz, y, m, dom, p->start_s / 3600, p->start_s / 60 % 60,
                                   p->start_s % 60, &s.start_ms) == 0)
                g_array_append_val(out, s);
        }
    }
    g_array_sort(out, slot_order);
    *n_out = out->len;
    return (sched_slot *)g_array_free(out, FALSE);
}

static bool has_id(const uint32_t *ids, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == x)
            return true;
    }
    return false;
}

/* Brute-force membership, independent of targets.c. */
static bool box_in(const gen *g, const sched_targets *t, uint32_t b)
{
    if (t->kind == SCHED_TARGET_BOXES)
        return has_id(t->ids, t->n, b);
    return t->kind == SCHED_TARGET_ALL || has_id(t->ids, t->n, g->boxes[b].commune);
}

/* Does an item with these communes reach box b through programme targets t? */
static bool item_reaches_box(const gen *g, const sched_targets *t, const sched_plan_item *it,
                             uint32_t b)
{
    return box_in(g, t, b) &&
           (it->n_communes == 0 || has_id(it->communes, it->n_communes, g->boxes[b].commune));
}

/* The engine's notion of "the programme reaches the item": a non-empty id intersection. */
static bool item_reaches_program(const gen *g, const sched_targets *t, const sched_plan_item *it)
{
    if (it->n_communes == 0 || t->kind == SCHED_TARGET_ALL)
        return true;
    for (size_t i = 0; i < t->n; i++) {
        uint32_t c = t->kind == SCHED_TARGET_BOXES ? g->boxes[t->ids[i]].commune : t->ids[i];
        if (has_id(it->communes, it->n_communes, c))
            return true;
    }
    return false;
}

static bool same_targets(const sched_targets *a, const sched_targets *b)
{
    if (a->kind != b->kind || (a->kind != SCHED_TARGET_ALL && a->n != b->n))
        return false;
    return a->kind == SCHED_TARGET_ALL || a->n == 0 ||
           memcmp(a->ids, b->ids, a->n * sizeof(uint32_t)) == 0;
}

static int32_t *item_of_piece(const gen *g)
{
    int32_t *of = g_new(int32_t, g->in.n_pieces + 1);
    for (size_t i = 0; i <= g->in.n_pieces; i++)
        of[i] = -1;
    for (size_t i = 0; i < g->plan.n_items; i++)
        of[g->items[i].piece] = (int32_t)i; /* the generator gives each item its own piece */
    return of;
}

static uint32_t need_of(const sched_plan_item *it)
{
    return MAX(MAX(it->airings, (uint32_t)it->n_pins), 1u);
}

/* ---- slots ---------------------------------------------------------------------------------- */

static void check_slots(const gen *g, const sched_fill_result *r)
{
    size_t n = 0;
    sched_slot *want = brute_expand(g, &n);
    PROP(r->n_slots == n, "%zu slots, brute force expects %zu", r->n_slots, n);
    uint32_t next = 0;
    for (size_t s = 0; s < n; s++) {
        const sched_filled_slot *fs = &r->slots[s];
        PROP(fs->slot.program == want[s].program && fs->slot.day == want[s].day &&
                 fs->slot.start_ms == want[s].start_ms && fs->slot.length_ms == want[s].length_ms,
             "slot %zu differs from the brute-force expansion", s);
        PROP(fs->slot.day >= g->month_first && fs->slot.day <= g->month_last,
             "slot %zu outside the month", s);
        PROP(fs->first_airing == next, "slot %zu: airings not contiguous", s);
        PROP(fs->used_ms >= 0 && fs->used_ms <= fs->slot.length_ms, "slot %zu overfilled", s);
        next += fs->n_airings;
    }
    PROP(next == r->n_airings, "slots hold %u airings of %zu", next, r->n_airings);
    g_free(want);
}

/* ---- airings -------------------------------------------------------------------------------- */

/* Targets are exactly programme ∩ item communes, at box level and at commune level. */
static void check_piece_targets(const gen *g, const sched_airing *a, const sched_program *p,
                                const sched_plan_item *it, size_t k)
{
    const sched_targets *t = &a->targets;
    PROP(t->kind == p->targets.kind ||
             (p->targets.kind == SCHED_TARGET_ALL && t->kind == SCHED_TARGET_COMMUNES),
         "airing %zu: target kind %d under a programme of kind %d", k, t->kind, p->targets.kind);
    PROP(t->kind == SCHED_TARGET_ALL || t->n > 0, "airing %zu has no target", k);
    for (size_t i = 0; t->kind != SCHED_TARGET_ALL && i < t->n; i++)
        PROP(i == 0 || t->ids[i] > t->ids[i - 1], "airing %zu: target ids not increasing", k);
    if (it->n_communes == 0)
        PROP(same_targets(t, &p->targets), "airing %zu: targets differ from its programme's", k);
    for (uint32_t b = 0; b < g->d.n_boxes; b++) {
        bool in = box_in(g, t, b);
        PROP(in == sched_targets_include_box(&g->d, t, b), "airing %zu: box %u membership", k, b);
        PROP(in == item_reaches_box(g, &p->targets, it, b),
             "airing %zu: box %u %s, programme ∩ item says otherwise", k, b,
             in ? "included" : "left out");
    }
    for (size_t i = 0; t->kind == SCHED_TARGET_COMMUNES && i < t->n; i++) {
        PROP(sched_targets_include_commune(&g->d, &p->targets, t->ids[i]) &&
                 (it->n_communes == 0 || has_id(it->communes, it->n_communes, t->ids[i])),
             "airing %zu: commune %u outside programme or item", k, t->ids[i]);
    }
}

static void check_piece_airing(const gen *g, const sched_fill_result *r, size_t k,
                               const int32_t *item_of)
{
    const sched_airing *a = &r->airings[k];
    const sched_filled_slot *fs = &r->slots[a->slot];
    int32_t item = item_of[a->piece];
    PROP(item >= 0, "airing %zu: piece %u is in no plan item", k, a->piece);
    const sched_plan_item *it = &g->items[item];
    PROP(a->priority == g->pieces[a->piece].priority, "airing %zu: wrong priority", k);
    for (uint32_t j = fs->first_airing; j < k; j++)
        PROP(r->airings[j].kind != SCHED_AIRING_PIECE || r->airings[j].piece != a->piece,
             "piece %u twice in slot %u", a->piece, a->slot);
    if (!a->pinned) {
        int32_t wf = MAX(it->window_from, g->month_first);
        int32_t wu = MIN(it->window_until, g->month_last);
        PROP(fs->slot.day >= wf && fs->slot.day <= wu, "airing %zu: day %d outside window", k,
             fs->slot.day);
    }
    check_piece_targets(g, a, &g->progs[fs->slot.program], it, k);
}

static void check_jingles(const gen *g, const sched_fill_result *r, size_t s)
{
    const sched_filled_slot *fs = &r->slots[s];
    const sched_program *p = &g->progs[fs->slot.program];
    int64_t end = 0, pieces = 0;
    uint32_t first = fs->first_airing, last = first + fs->n_airings;
    for (uint32_t k = first; k < last; k++) {
        const sched_airing *a = &r->airings[k];
        end = MAX(end, a->offset_ms + a->duration_ms);
        if (a->kind == SCHED_AIRING_PIECE) {
            pieces++;
            continue;
        }
        PROP(same_targets(&a->targets, &p->targets), "jingle %u: not the programme's targets", k);
        if (a->kind == SCHED_AIRING_INTRO)
            PROP(k == first && a->offset_ms == 0 && a->piece == (uint32_t)p->intro,
                 "slot %zu: intro misplaced", s);
        else
            PROP(k == last - 1 && a->piece == (uint32_t)p->outro, "slot %zu: outro misplaced", s);
    }
    if (pieces == 0) {
        PROP(fs->n_airings == 0 && fs->used_ms == 0, "slot %zu: jingles without pieces", s);
        return;
    }
    PROP((p->intro >= 0) == (r->airings[first].kind == SCHED_AIRING_INTRO),
         "slot %zu: intro missing or extra", s);
    PROP((p->outro >= 0) == (r->airings[last - 1].kind == SCHED_AIRING_OUTRO),
         "slot %zu: outro missing or extra", s);
    if (p->outro >= 0)
        PROP(r->airings[last - 1].offset_ms + r->airings[last - 1].duration_ms == end,
             "slot %zu: outro is not last to end", s);
    PROP(fs->used_ms == end, "slot %zu: used %" PRId64 " ms, airings end at %" PRId64, s,
         fs->used_ms, end);
}

static void check_airings(const gen *g, const sched_fill_result *r, const int32_t *item_of)
{
    for (size_t s = 0; s < r->n_slots; s++) {
        const sched_filled_slot *fs = &r->slots[s];
        for (uint32_t k = fs->first_airing; k < fs->first_airing + fs->n_airings; k++) {
            const sched_airing *a = &r->airings[k];
            PROP(a->slot == s, "airing %u names slot %u, lies in %zu", k, a->slot, s);
            PROP(a->start_ms == fs->slot.start_ms + a->offset_ms, "airing %u: start", k);
            PROP(a->offset_ms >= 0 && a->offset_ms + a->duration_ms <= fs->slot.length_ms,
                 "airing %u overruns slot %zu", k, s);
            PROP(a->start_ms >= g->in.now_ms, "airing %u starts before now", k);
            PROP(k == fs->first_airing || a->offset_ms >= r->airings[k - 1].offset_ms,
                 "slot %zu: airings not by offset", s);
            PROP(a->piece < g->in.n_pieces && a->duration_ms == g->pieces[a->piece].duration_ms,
                 "airing %u: piece or duration", k);
            if (a->kind == SCHED_AIRING_PIECE)
                check_piece_airing(g, r, k, item_of);
        }
        check_jingles(g, r, s);
    }
}

/* ---- per box inside a slot: no overlap, priorities first ------------------------------------ */

static bool slot_all_full(const gen *g, const sched_fill_result *r, const sched_filled_slot *fs)
{
    const sched_program *p = &g->progs[fs->slot.program];
    for (uint32_t k = fs->first_airing; k < fs->first_airing + fs->n_airings; k++) {
        if (!same_targets(&r->airings[k].targets, &p->targets))
            return false;
    }
    return true;
}

/* The box's airings in the slot (offset order) must not overlap; higher priorities must come
 * first. Returns the number of priority inversions seen. */
static size_t check_box_in_slot(const gen *g, const sched_fill_result *r, size_t s, uint32_t b)
{
    const sched_filled_slot *fs = &r->slots[s];
    const sched_airing *prev = NULL;
    int rank = SCHED_PRIO_EMERGENCY;
    size_t inversions = 0;
    for (uint32_t k = fs->first_airing; k < fs->first_airing + fs->n_airings; k++) {
        const sched_airing *a = &r->airings[k];
        if (!box_in(g, &a->targets, b))
            continue;
        PROP(!prev || prev->offset_ms + prev->duration_ms <= a->offset_ms,
             "slot %zu, box %u: airings %td and %u overlap", s, b, prev - r->airings, k);
        prev = a;
        if (a->kind != SCHED_AIRING_PIECE)
            continue;
        inversions += (int)a->priority > rank;
        rank = MIN(rank, (int)a->priority);
    }
    return inversions;
}

static void check_boxes(const gen *g, const sched_fill_result *r, stats *st)
{
    for (size_t s = 0; s < r->n_slots; s++) {
        bool strict = slot_all_full(g, r, &r->slots[s]);
        size_t inversions = 0;
        for (uint32_t b = 0; b < g->d.n_boxes; b++)
            inversions += check_box_in_slot(g, r, s, b);
        if (r->slots[s].n_airings == 0)
            continue;
        if (strict) {
            PROP(inversions == 0, "slot %zu: a lower priority airs before a higher one", s);
            st->strict_prio_slots++;
        } else {
            st->mixed_slots++;
            st->mixed_prio_inversions += inversions > 0;
        }
    }
}

/* ---- counts, pins and reasons --------------------------------------------------------------- */

static bool is_pin_reason(sched_reason r)
{
    return r >= SCHED_REASON_PIN_NO_SLOT;
}

static bool pin_matches(const sched_pin *pin, const sched_slot *s, bool exact)
{
    return pin->day == s->day && (exact ? pin->program == (int32_t)s->program : pin->program == -1);
}

/* Gives each pinned airing a pin of its own: programme pins first (each names one slot, and
 * an item airs once per slot, so this greedy matching is maximal), then any-slot pins. */
static void check_pinned(const gen *g, const sched_fill_result *r, uint32_t item)
{
    const sched_plan_item *it = &g->items[item];
    bool used[8] = {false};
    assert_true(it->n_pins <= G_N_ELEMENTS(used));
    for (size_t k = 0; k < r->n_airings; k++) {
        const sched_airing *a = &r->airings[k];
        if (a->kind != SCHED_AIRING_PIECE || a->piece != it->piece || !a->pinned)
            continue;
        const sched_slot *s = &r->slots[a->slot].slot;
        size_t hit = it->n_pins;
        for (int exact = 1; exact >= 0 && hit == it->n_pins; exact--) {
            for (size_t p = 0; p < it->n_pins && hit == it->n_pins; p++) {
                if (!used[p] && pin_matches(&it->pins[p], s, exact))
                    hit = p;
            }
        }
        PROP(hit < it->n_pins, "item %u: pinned airing %zu matches none of its pins", item, k);
        used[hit] = true;
    }
}

static void check_counts(const gen *g, const sched_fill_result *r)
{
    size_t n = g->plan.n_items + 1;
    uint32_t *free_placed = g_new0(uint32_t, n), *pin_placed = g_new0(uint32_t, n);
    uint32_t *free_missing = g_new0(uint32_t, n), *pin_missing = g_new0(uint32_t, n);
    int32_t *item_of = item_of_piece(g);
    for (size_t k = 0; k < r->n_airings; k++) {
        const sched_airing *a = &r->airings[k];
        if (a->kind == SCHED_AIRING_PIECE)
            (a->pinned ? pin_placed : free_placed)[item_of[a->piece]]++;
    }
    for (size_t u = 0; u < r->n_unplaced; u++) {
        const sched_unplaced *x = &r->unplaced[u];
        (is_pin_reason(x->reason) ? pin_missing : free_missing)[x->item] += x->missing;
    }
    for (uint32_t i = 0; i < g->plan.n_items; i++) {
        const sched_plan_item *it = &g->items[i];
        PROP(pin_placed[i] + pin_missing[i] == it->n_pins,
             "item %u: %u pins placed + %u unplaced != %zu pins", i, pin_placed[i], pin_missing[i],
             it->n_pins);
        PROP(free_placed[i] + free_missing[i] == need_of(it) - it->n_pins,
             "item %u: placed %u + unplaced %u != needed %zu", i, free_placed[i], free_missing[i],
             need_of(it) - it->n_pins);
        check_pinned(g, r, i);
    }
    g_free(item_of);
    g_free(free_placed);
    g_free(pin_placed);
    g_free(free_missing);
    g_free(pin_missing);
}

static void check_one_unplaced(const gen *g, const sched_unplaced *u, size_t k)
{
    PROP(u->item < g->plan.n_items && u->piece == g->items[u->item].piece,
         "unplaced %zu: item/piece", k);
    PROP(u->missing > 0, "unplaced %zu: nothing missing", k);
    PROP((unsigned)u->reason <= SCHED_REASON_PIN_TWICE &&
             strcmp(sched_reason_code(u->reason), "unknown") != 0,
         "unplaced %zu: reason %d", k, u->reason);
    char text[512] = "";
    sched_reason_text(u, &g->in, text, sizeof text);
    PROP(text[0] != '\0' && g_utf8_validate(text, -1, NULL) &&
             strcmp(text, "lý do không xác định") != 0,
         "unplaced %zu: no Vietnamese text", k);
    const sched_plan_item *it = &g->items[u->item];
    if (!is_pin_reason(u->reason)) {
        PROP(u->day == 0 && u->program == -1, "unplaced %zu: day/program on a free reason", k);
    } else {
        bool named = false;
        for (size_t p = 0; p < it->n_pins; p++)
            named |= it->pins[p].day == u->day && it->pins[p].program == u->program;
        PROP(named && u->missing == 1, "unplaced %zu: not one of the item's pins", k);
    }
    int64_t dur = g->pieces[u->piece].duration_ms;
    if (u->reason == SCHED_REASON_FULL)
        PROP(u->a == u->missing * dur && u->b >= 0, "unplaced %zu: full figures", k);
    if (u->reason == SCHED_REASON_TOO_FEW_SLOTS)
        PROP(u->a < u->b && u->b == need_of(it), "unplaced %zu: too-few figures", k);
    if (u->reason == SCHED_REASON_TOO_LONG)
        PROP(u->a == dur && u->b < dur, "unplaced %zu: too-long figures", k);
}

/* ---- reasons are true ----------------------------------------------------------------------- */

static int64_t content_cap(const gen *g, const sched_program *p)
{
    int64_t cap = p->length_s * 1000LL;
    cap -= p->intro >= 0 ? g->pieces[p->intro].duration_ms : 0;
    return cap - (p->outro >= 0 ? g->pieces[p->outro].duration_ms : 0);
}

/* What the month offers an item's free airings, counted the slow way. */
typedef struct offer {
    size_t in_window, reach, future, cands;
    int64_t max_cap;
} offer;

static offer offer_of(const gen *g, const sched_fill_result *r, const sched_plan_item *it)
{
    offer o = {0};
    int32_t wf = MAX(it->window_from, g->month_first), wu = MIN(it->window_until, g->month_last);
    int64_t dur = g->pieces[it->piece].duration_ms;
    for (size_t s = 0; s < r->n_slots; s++) {
        const sched_slot *sl = &r->slots[s].slot;
        const sched_program *p = &g->progs[sl->program];
        if (sl->day < wf || sl->day > wu)
            continue;
        o.in_window++;
        if (!item_reaches_program(g, &p->targets, it))
            continue;
        o.reach++;
        if (sl->start_ms < g->in.now_ms)
            continue;
        o.future++;
        o.max_cap = MAX(o.max_cap, content_cap(g, p));
        o.cands += content_cap(g, p) >= dur;
    }
    return o;
}

static void check_free_reason(const gen *g, const sched_fill_result *r, const sched_unplaced *u)
{
    const sched_plan_item *it = &g->items[u->item];
    offer o = offer_of(g, r, it);
    int64_t dur = g->pieces[it->piece].duration_ms;
    const char *code = sched_reason_code(u->reason);
    switch (u->reason) {
    case SCHED_REASON_NO_SLOT:
        PROP(o.in_window == 0 && u->a == MAX(it->window_from, g->month_first) &&
                 u->b == MIN(it->window_until, g->month_last),
             "item %u: %s, yet %zu slots in the window", u->item, code, o.in_window);
        break;
    case SCHED_REASON_NO_TARGET:
        PROP(o.in_window > 0 && o.reach == 0, "item %u: %s is not true", u->item, code);
        break;
    case SCHED_REASON_PAST:
        PROP(o.reach > 0 && o.future == 0, "item %u: %s is not true", u->item, code);
        break;
    case SCHED_REASON_TOO_LONG:
        PROP(o.future > 0 && o.max_cap < dur && u->b == o.max_cap, "item %u: %s is not true",
             u->item, code);
        break;
    case SCHED_REASON_TOO_FEW_SLOTS:
        PROP(o.max_cap >= dur && (int64_t)o.cands == u->a && o.cands < need_of(it),
             "item %u: %s with %zu candidate slots", u->item, code, o.cands);
        break;
    default: /* full */
        PROP(o.cands >= need_of(it), "item %u: %s with only %zu candidate slots", u->item, code,
             o.cands);
    }
}

static bool slot_has_piece(const sched_fill_result *r, size_t s, uint32_t piece)
{
    const sched_filled_slot *fs = &r->slots[s];
    for (uint32_t k = fs->first_airing; k < fs->first_airing + fs->n_airings; k++) {
        if (r->airings[k].kind == SCHED_AIRING_PIECE && r->airings[k].piece == piece)
            return true;
    }
    return false;
}

static void check_pin_reason(const gen *g, const sched_fill_result *r, const sched_unplaced *u)
{
    const sched_plan_item *it = &g->items[u->item];
    size_t matched = 0, future = 0, reach = 0, fresh = 0;
    for (size_t s = 0; s < r->n_slots; s++) {
        const sched_slot *sl = &r->slots[s].slot;
        if (sl->day != u->day || (u->program >= 0 && sl->program != (uint32_t)u->program))
            continue;
        matched++;
        if (sl->start_ms < g->in.now_ms)
            continue;
        future++;
        if (!item_reaches_program(g, &g->progs[sl->program].targets, it))
            continue;
        reach++;
        fresh += !slot_has_piece(r, s, it->piece);
    }
    sched_reason want = !matched  ? SCHED_REASON_PIN_NO_SLOT
                        : !future ? SCHED_REASON_PIN_PAST
                        : !reach  ? SCHED_REASON_PIN_NO_TARGET
                        : !fresh  ? SCHED_REASON_PIN_TWICE
                                  : SCHED_REASON_PIN_FULL;
    PROP(u->reason == want, "item %u, pin %d/%d: %s, the slots say %s", u->item, u->day, u->program,
         sched_reason_code(u->reason), sched_reason_code(want));
    if (want == SCHED_REASON_PIN_FULL)
        PROP(u->b == g->pieces[it->piece].duration_ms && u->a < u->b, "item %u: pin_full figures",
             u->item);
}

static void check_unplaced(const gen *g, const sched_fill_result *r, stats *st)
{
    for (size_t k = 0; k < r->n_unplaced; k++) {
        const sched_unplaced *u = &r->unplaced[k];
        check_one_unplaced(g, u, k);
        if (is_pin_reason(u->reason))
            check_pin_reason(g, r, u);
        else
            check_free_reason(g, r, u);
        PROP(k == 0 || r->unplaced[k - 1].item <= u->item, "unplaced not sorted by item");
        st->unplaced_by_reason[u->reason]++;
    }
}

/* ---- per-box view --------------------------------------------------------------------------- */

static void check_box_view(const gen *g, const sched_fill_result *r)
{
    uint32_t *want = g_new(uint32_t, r->n_airings + 1);
    for (uint32_t b = 0; b < g->d.n_boxes; b++) {
        size_t n = 0;
        for (uint32_t k = 0; k < r->n_airings; k++) {
            if (!box_in(g, &r->airings[k].targets, b))
                continue;
            /* Insertion keeps airings of equal start in result order. */
            size_t at = n++;
            for (; at > 0 && r->airings[want[at - 1]].start_ms > r->airings[k].start_ms; at--)
                want[at] = want[at - 1];
            want[at] = k;
        }
        uint32_t *got = NULL;
        size_t n_got = 0;
        PROP(sched_box_airings(&g->d, r, b, &got, &n_got) == 0, "box view of %u failed", b);
        PROP(n_got == n, "box %u: view has %zu airings, brute force %zu", b, n_got, n);
        for (size_t i = 0; i < n; i++)
            PROP(got[i] == want[i], "box %u: view differs at %zu", b, i);
        g_free(got);
    }
    uint32_t *none = NULL;
    size_t n_none = 0;
    PROP(sched_box_airings(&g->d, r, (uint32_t)g->d.n_boxes, &none, &n_none) == -EINVAL,
         "box view of a box out of range");
    g_free(want);
}

/* ---- determinism ---------------------------------------------------------------------------- */

static void check_same(const sched_fill_result *x, const sched_fill_result *y)
{
    PROP(x->n_slots == y->n_slots && x->n_airings == y->n_airings && x->n_unplaced == y->n_unplaced,
         "second fill differs in size");
    PROP(memcmp(x->slots, y->slots, x->n_slots * sizeof *x->slots) == 0, "slots differ");
    for (size_t k = 0; k < x->n_airings; k++) {
        const sched_airing *a = &x->airings[k], *b = &y->airings[k];
        PROP(a->slot == b->slot && a->piece == b->piece && a->kind == b->kind &&
                 a->offset_ms == b->offset_ms && a->start_ms == b->start_ms &&
                 a->duration_ms == b->duration_ms && a->priority == b->priority &&
                 a->pinned == b->pinned && same_targets(&a->targets, &b->targets),
             "second fill differs at airing %zu", k);
    }
    for (size_t k = 0; k < x->n_unplaced; k++) {
        const sched_unplaced *a = &x->unplaced[k], *b = &y->unplaced[k];
        PROP(a->item == b->item && a->missing == b->missing && a->reason == b->reason &&
                 a->day == b->day && a->program == b->program && a->a == b->a && a->b == b->b,
             "second fill differs at unplaced %zu", k);
    }
}

/* ---- conflicts against a brute force over occurrences --------------------------------------- */

/* Programmes overlap on targets when they share a box, or (both aimed at communes) a commune. */
static bool brute_targets_overlap(const gen *g, const sched_targets *a, const sched_targets *b)
{
    for (uint32_t x = 0; x < g->d.n_boxes; x++) {
        if (box_in(g, a, x) && box_in(g, b, x))
            return true;
    }
    if (a->kind == SCHED_TARGET_BOXES || b->kind == SCHED_TARGET_BOXES)
        return false;
    for (uint32_t c = 0; c < g->d.n_communes; c++) {
        if ((a->kind == SCHED_TARGET_ALL || has_id(a->ids, a->n, c)) &&
            (b->kind == SCHED_TARGET_ALL || has_id(b->ids, b->n, c)))
            return true;
    }
    return false;
}

/* Calls fn on every overlapping occurrence pair (x of the lower programme, y of the higher). */
typedef void (*pair_fn)(const sched_slot *x, const sched_slot *y, void *data);

static void each_overlap(const sched_slot *occ, size_t n, pair_fn fn, void *data)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            const sched_slot *x = &occ[i], *y = &occ[j];
            if (x->program >= y->program)
                continue;
            if (MAX(x->start_ms, y->start_ms) <
                MIN(x->start_ms + x->length_ms, y->start_ms + y->length_ms))
                fn(x, y, data);
        }
    }
}

typedef struct first_overlaps {
    size_t np;
    const bool *shared; /* [a * np + b]: targets overlap */
    int64_t *first;     /* [a * np + b]: earliest overlap instant, INT64_MAX if none */
} first_overlaps;

static void note_first(const sched_slot *x, const sched_slot *y, void *data)
{
    first_overlaps *f = data;
    size_t k = x->program * f->np + y->program;
    if (f->shared[k])
        f->first[k] = MIN(f->first[k], MAX(x->start_ms, y->start_ms));
}

/* Is the reported (day, overlap_ms) that of an occurrence pair overlapping from c->overlap_from? */
typedef struct witness {
    const sched_conflict *c;
    bool seen;
} witness;

static void find_witness(const sched_slot *x, const sched_slot *y, void *data)
{
    witness *w = data;
    int64_t from = MAX(x->start_ms, y->start_ms);
    int64_t until = MIN(x->start_ms + x->length_ms, y->start_ms + y->length_ms);
    if (x->program == w->c->a && y->program == w->c->b && from == w->c->overlap_from &&
        until - from == w->c->overlap_ms && x->day == w->c->day)
        w->seen = true;
}

static void check_conflict_list(const sched_conflict *cs, size_t n, const first_overlaps *f,
                                const sched_slot *occ, size_t n_occ)
{
    size_t k = 0;
    for (uint32_t a = 0; a < f->np; a++) {
        for (uint32_t b = a + 1; b < f->np; b++) {
            int64_t first = f->first[a * f->np + b];
            if (first == INT64_MAX)
                continue;
            PROP(k < n && cs[k].a == a && cs[k].b == b, "conflict %u/%u not reported", a, b);
            PROP(cs[k].overlap_from == first,
                 "conflict %u/%u: first overlap %" PRId64 ", brute force %" PRId64, a, b,
                 cs[k].overlap_from, first);
            witness w = {&cs[k], false};
            each_overlap(occ, n_occ, find_witness, &w);
            PROP(w.seen, "conflict %u/%u: day or length match no occurrence pair", a, b);
            k++;
        }
    }
    PROP(k == n, "%zu conflicts reported, brute force finds %zu", n, k);
}

static void check_conflicts(const gen *g, stats *st)
{
    size_t np = g->in.n_programs, n_occ = 0, n = 0;
    bool *shared = g_new0(bool, np *np);
    for (uint32_t a = 0; a < np; a++) {
        for (uint32_t b = a + 1; b < np; b++) {
            shared[a * np + b] =
                brute_targets_overlap(g, &g->progs[a].targets, &g->progs[b].targets);
            PROP(shared[a * np + b] ==
                     sched_targets_overlap(&g->d, &g->progs[a].targets, &g->progs[b].targets),
                 "sched_targets_overlap(%u, %u) disagrees with brute force", a, b);
        }
    }
    first_overlaps f = {np, shared, g_new(int64_t, np * np)};
    for (size_t i = 0; i < np * np; i++)
        f.first[i] = INT64_MAX;
    sched_slot *occ = brute_expand(g, &n_occ);
    each_overlap(occ, n_occ, note_first, &f);
    sched_conflict *cs = NULL;
    PROP(sched_conflicts(&g->d, g->progs, np, g->month_first, g->month_last, g->tz, &cs, &n) == 0,
         "sched_conflicts failed");
    check_conflict_list(cs, n, &f, occ, n_occ);
    st->conflicts += n;
    g_free(cs);
    g_free(occ);
    g_free(f.first);
    g_free(shared);
}

/* ---- "not twice a day unless unavoidable", where it is checkable ---------------------------- */

/* With few airings wanted in total (≤ a quarter of the slots) and every slot able to hold all
 * the month's pieces three times over, nothing is ever crowded out: an item without pins or
 * window gets all its airings when it has enough candidate slots, and never airs twice a day
 * when it needs no more airings than there are days with a candidate slot. */
static bool roomy(const gen *g, const sched_fill_result *r)
{
    uint64_t need = 0;
    int64_t all_ms = 0;
    for (size_t i = 0; i < g->plan.n_items; i++) {
        need += need_of(&g->items[i]);
        all_ms += g->pieces[g->items[i].piece].duration_ms;
    }
    if (need * 4 > r->n_slots)
        return false;
    for (size_t s = 0; s < r->n_slots; s++) {
        const sched_program *p = &g->progs[r->slots[s].slot.program];
        int64_t cap = p->length_s * 1000LL;
        cap -= (p->intro >= 0 ? g->pieces[p->intro].duration_ms : 0) +
               (p->outro >= 0 ? g->pieces[p->outro].duration_ms : 0);
        if (cap < 3 * all_ms)
            return false;
    }
    return true;
}

static void check_spread_item(const gen *g, const sched_fill_result *r, uint32_t item, stats *st)
{
    const sched_plan_item *it = &g->items[item];
    uint32_t days_with_slot = 0, cands = 0, placed = 0, max_a_day = 0;
    uint32_t per_day[31] = {0};
    bool slot_day[31] = {false};
    for (size_t s = 0; s < r->n_slots; s++) {
        const sched_slot *sl = &r->slots[s].slot;
        if (sl->start_ms < g->in.now_ms ||
            !item_reaches_program(g, &g->progs[sl->program].targets, it))
            continue;
        cands++;
        days_with_slot += !slot_day[sl->day - g->month_first];
        slot_day[sl->day - g->month_first] = true;
    }
    for (size_t k = 0; k < r->n_airings; k++) {
        const sched_airing *a = &r->airings[k];
        if (a->kind != SCHED_AIRING_PIECE || a->piece != it->piece)
            continue;
        placed++;
        uint32_t n = ++per_day[r->slots[a->slot].slot.day - g->month_first];
        max_a_day = MAX(max_a_day, n); /* MAX evaluates twice: no ++ inside */
    }
    uint32_t need = need_of(it);
    if (need <= cands)
        PROP(placed == need, "roomy month: item %u placed %u of %u with %u candidate slots", item,
             placed, need, cands);
    if (need <= days_with_slot) {
        PROP(max_a_day <= 1, "roomy month: item %u airs %u times a day though %u days have a slot",
             item, max_a_day, days_with_slot);
        st->spread_items += need >= 2;
    }
}

static void check_spread(const gen *g, const sched_fill_result *r, stats *st)
{
    if (!roomy(g, r))
        return;
    for (uint32_t i = 0; i < g->plan.n_items; i++) {
        const sched_plan_item *it = &g->items[i];
        if (it->n_pins == 0 && it->window_from == INT32_MIN && it->window_until == INT32_MAX)
            check_spread_item(g, r, i, st);
    }
}

/* ---- a readable dump of one case (LOALANG_PROP_DUMP=1 with LOALANG_PROP_SEED) --------------- */

static void dump_targets(const char *what, const sched_targets *t)
{
    static const char *const kinds[] = {"all", "communes", "boxes"};
    print_message("%s %s", what, (unsigned)t->kind < 3 ? kinds[t->kind] : "?");
    for (size_t i = 0; t->kind != SCHED_TARGET_ALL && i < t->n; i++)
        print_message(" %u", t->ids[i]);
}

static void dump_input(const gen *g)
{
    print_message("month %d-%02d (days %d..%d), %zu communes, %zu boxes, now %" PRId64 ", %s\n",
                  g->plan.year, g->plan.month, g->month_first, g->month_last, g->d.n_communes,
                  g->d.n_boxes, g->in.now_ms, g->tz == zone_hcm ? "HCM" : "Berlin");
    for (size_t i = 0; i < g->in.n_programs; i++) {
        const sched_program *p = &g->progs[i];
        print_message("prog %zu: wd %02x start %d len %d valid %d..%d intro %d outro %d ", i,
                      p->weekdays, p->start_s, p->length_s, p->valid_from, p->valid_until, p->intro,
                      p->outro);
        dump_targets("targets", &p->targets);
        print_message("\n");
    }
    for (size_t i = 0; i < g->plan.n_items; i++) {
        const sched_plan_item *it = &g->items[i];
        const sched_piece *pc = &g->pieces[it->piece];
        print_message("item %zu: piece %u genre %d dur %" PRId64 " prio %d airings %u window "
                      "%d..%d pins",
                      i, it->piece, pc->genre, pc->duration_ms, pc->priority, it->airings,
                      it->window_from, it->window_until);
        for (size_t k = 0; k < it->n_pins; k++)
            print_message(" %d/%d", it->pins[k].day, it->pins[k].program);
        sched_targets t = {SCHED_TARGET_COMMUNES, it->communes, it->n_communes};
        dump_targets(" communes", &t);
        print_message("\n");
    }
}

static void dump_result(const sched_fill_result *r)
{
    for (size_t s = 0; s < r->n_slots; s++) {
        const sched_filled_slot *fs = &r->slots[s];
        print_message("slot %zu: prog %u day %d start %" PRId64 " used %" PRId64 "\n", s,
                      fs->slot.program, fs->slot.day, fs->slot.start_ms, fs->used_ms);
        for (uint32_t k = fs->first_airing; k < fs->first_airing + fs->n_airings; k++) {
            const sched_airing *a = &r->airings[k];
            print_message("  airing %u: piece %u kind %d off %" PRId64 " dur %" PRId64
                          " prio %d%s ",
                          k, a->piece, a->kind, a->offset_ms, a->duration_ms, a->priority,
                          a->pinned ? " pinned" : "");
            dump_targets("targets", &a->targets);
            print_message("\n");
        }
    }
    for (size_t u = 0; u < r->n_unplaced; u++) {
        const sched_unplaced *x = &r->unplaced[u];
        print_message("unplaced item %u: %u %s day %d prog %d a %" PRId64 " b %" PRId64 "\n",
                      x->item, x->missing, sched_reason_code(x->reason), x->day, x->program, x->a,
                      x->b);
    }
}

/* ---- the random fills ----------------------------------------------------------------------- */

static void run_case(guint32 seed, stats *st)
{
    cur_seed = seed;
    gen g;
    gen_init(&g, seed);
    char err[256] = "";
    sched_fill_result *r = NULL, *again = NULL;
    int rc = sched_fill(&g.in, &r, err, sizeof err);
    PROP(rc == 0 && r != NULL, "sched_fill: %d %s", rc, err);
    if (getenv("LOALANG_PROP_DUMP")) {
        dump_input(&g);
        dump_result(r);
    }
    check_slots(&g, r);
    int32_t *item_of = item_of_piece(&g);
    check_airings(&g, r, item_of);
    g_free(item_of);
    check_boxes(&g, r, st);
    check_counts(&g, r);
    check_unplaced(&g, r, st);
    check_box_view(&g, r);
    check_spread(&g, r, st);
    PROP(sched_fill(&g.in, &again, NULL, 0) == 0, "second fill failed");
    check_same(r, again);
    check_conflicts(&g, st);
    st->cases++;
    st->airings += r->n_airings;
    sched_fill_result_free(r);
    sched_fill_result_free(again);
    gen_done(&g);
}

static guint32 env_u32(const char *name, guint32 dflt, bool *set)
{
    const char *v = getenv(name);
    if (set)
        *set = v && *v;
    return v && *v ? (guint32)strtoul(v, NULL, 10) : dflt;
}

static void print_stats(const stats *st)
{
    print_message("%zu cases, %zu airings, %zu conflicts; priority order checked in %zu slots "
                  "(%zu of %zu slots with partial targets had an inversion); spread checked on "
                  "%zu items\nunplaced by reason:",
                  st->cases, st->airings, st->conflicts, st->strict_prio_slots,
                  st->mixed_prio_inversions, st->mixed_slots, st->spread_items);
    for (int r = 0; r <= SCHED_REASON_PIN_TWICE; r++)
        print_message(" %s=%zu", sched_reason_code((sched_reason)r), st->unplaced_by_reason[r]);
    print_message("\n");
}

static void test_random_fills(void **state)
{
    (void)state;
    stats st = {0};
    bool one = false;
    guint32 seed = env_u32("LOALANG_PROP_SEED", 0, &one);
    guint32 n = one ? 1 : env_u32("LOALANG_PROP_CASES", DEFAULT_CASES, NULL);
    for (guint32 i = 0; i < n; i++)
        run_case(one ? seed : BASE_SEED + i, &st);
    print_stats(&st);
    if (one || n < DEFAULT_CASES)
        return;
    /* The generator must keep reaching every rule, or the properties prove little. */
    for (int r = 0; r <= SCHED_REASON_PIN_TWICE; r++)
        assert_true(st.unplaced_by_reason[r] > 0);
    assert_true(st.conflicts > 0 && st.strict_prio_slots > 100 && st.spread_items >= 50);
}

/* ---- invalid inputs ------------------------------------------------------------------------- */

static uint32_t *ids2(gen *g, uint32_t a, uint32_t b)
{
    uint32_t *ids = gen_alloc(g, 2, sizeof(uint32_t));
    ids[0] = a;
    ids[1] = b;
    return ids;
}

static bool break_program(gen *g, int m)
{
    sched_program *p = &g->progs[rint_in(g, 0, (int)g->in.n_programs - 1)];
    uint32_t nc = (uint32_t)g->d.n_communes;
    switch (m) {
    case 0:
        p->weekdays = chance(g, 50) ? 0 : 0x80;
        return true;
    case 1:
        p->start_s = chance(g, 50) ? 86400 : -1;
        return true;
    case 2:
        p->length_s = chance(g, 50) ? 59 : 86401;
        return true;
    case 3:
        p->valid_until = g->month_first;
        p->valid_from = g->month_first + 1;
        return true;
    case 4: /* unsorted, repeated, out of range */
        p->targets = (sched_targets){SCHED_TARGET_COMMUNES, ids2(g, nc > 1 ? 1 : 0, 0), 2};
        if (chance(g, 30))
            p->targets.ids = ids2(g, 0, nc);
        return true;
    case 5:
        p->targets = (sched_targets){SCHED_TARGET_BOXES, NULL, 0};
        return true;
    case 6:
        p->targets.kind = (sched_target_kind)7;
        return true;
    case 7:
        if (g->plan.n_items == 0)
            return false;
        p->intro = (int32_t)g->items[0].piece; /* not a jingle */
        return true;
    case 8:
        p->outro = chance(g, 50) ? (int32_t)g->in.n_pieces : -2;
        return true;
    }
    return false;
}

static bool break_piece(gen *g, int m)
{
    if (g->in.n_pieces == 0)
        return false;
    sched_piece *pc = &g->pieces[rint_in(g, 0, (int)g->in.n_pieces - 1)];
    switch (m) {
    case 9:
        pc->duration_ms = chance(g, 50) ? 0 : -1000;
        return true;
    case 10:
        pc->genre = SCHED_GENRE_COUNT;
        return true;
    case 11:
        pc->commune = chance(g, 50) ? (int32_t)g->d.n_communes : -2;
        return true;
    case 12:
        pc->priority = (sched_priority)3;
        return true;
    }
    return false;
}

static bool break_item(gen *g, int m)
{
    if (g->plan.n_items == 0)
        return false;
    sched_plan_item *it = &g->items[rint_in(g, 0, (int)g->plan.n_items - 1)];
    switch (m) {
    case 13:
        it->piece = (uint32_t)g->in.n_pieces;
        return true;
    case 14:
        if (g->n_jingles == 0)
            return false;
        it->piece = g->jingles[0];
        return true;
    case 15:
        it->window_from = g->month_first + 5;
        it->window_until = g->month_first + 4;
        return true;
    case 16:
        it->communes = chance(g, 50) ? ids2(g, 0, 0) : ids2(g, 0, (uint32_t)g->d.n_communes);
        it->n_communes = 2;
        return true;
    case 17: {
        sched_pin *pin = gen_alloc(g, 1, sizeof(sched_pin));
        *pin = (sched_pin){g->month_first, chance(g, 50) ? (int32_t)g->in.n_programs : -2};
        it->pins = pin;
        it->n_pins = 1;
        return true;
    }
    }
    return false;
}

static bool break_input(gen *g, int m)
{
    switch (m) {
    case 18:
        if (g->d.n_boxes == 0)
            return false;
        g->boxes[rint_in(g, 0, (int)g->d.n_boxes - 1)].commune = (uint32_t)g->d.n_communes;
        return true;
    case 19:
        g->plan.month = chance(g, 50) ? 0 : 13;
        return true;
    case 20:
        g->plan.year = chance(g, 50) ? 1899 : 10000;
        return true;
    case 21:
        g->in.tz = NULL;
        return true;
    case 22:
        g->in.programs = NULL;
        return true;
    case 23:
        if (chance(g, 50))
            g->in.district = NULL;
        else
            g->in.plan = NULL;
        return true;
    }
    return m < 9 ? break_program(g, m) : m < 13 ? break_piece(g, m) : break_item(g, m);
}

#define N_BREAKS 24

static void test_invalid_inputs_rejected(void **state)
{
    (void)state;
    size_t tried[N_BREAKS] = {0};
    for (guint32 i = 0; i < 10 * N_BREAKS; i++) {
        cur_seed = BASE_SEED + 900000u + i;
        gen g;
        gen_init(&g, cur_seed);
        char err[256] = "";
        PROP(sched_input_validate(&g.in, err, sizeof err) == 0, "generated input invalid: %s", err);
        int m = (int)(i % N_BREAKS);
        if (break_input(&g, m)) {
            sched_fill_result *r = (sched_fill_result *)&g; /* must be reset to NULL */
            err[0] = '\0';
            PROP(sched_fill(&g.in, &r, err, sizeof err) == -EINVAL, "break %d accepted", m);
            PROP(r == NULL && err[0] != '\0', "break %d: result or message", m);
            PROP(sched_fill(&g.in, &r, NULL, 0) == -EINVAL, "break %d: err NULL", m);
            tried[m]++;
        }
        gen_done(&g);
    }
    for (int m = 0; m < N_BREAKS; m++)
        assert_true(tried[m] > 0);
}

int main(void)
{
    assert_int_equal(vtime_zone_new(NULL, &zone_hcm), 0);
    assert_int_equal(vtime_zone_new("Europe/Berlin", &zone_berlin), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_fills),
        cmocka_unit_test(test_invalid_inputs_rejected),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    g_time_zone_unref(zone_hcm);
    g_time_zone_unref(zone_berlin);
    return rc;
}
