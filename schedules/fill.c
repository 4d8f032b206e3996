/* fill: the month filler (see fill.h for the rules it keeps).
 *
 * Each slot occurrence keeps a timeline per target unit (a commune, or a box for programmes
 * aimed at boxes), so a piece for two communes does not take the slot from the others. Items
 * that go to every target of the slot — the common case — move a shared floor in O(1); only
 * partial items touch per-unit ends. Placement is greedy in a fixed order (pins, then by
 * priority, then most constrained first), each airing going to the free slot closest to its
 * evenly spaced ideal instant; a final pass orders each slot (priority first, genres mixed). */
#include "fill.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"
#include "vtime.h"

#define HOUR_MS 3600000LL
/* Larger than any distance inside a month: a second airing on one day only when unavoidable. */
#define DAY_PENALTY   (1000 * 24 * HOUR_MS)
#define GENRE_PENALTY (2 * HOUR_MS) /* per item of the same genre already in the slot */
#define LOAD_PENALTY  HOUR_MS       /* times the slot's fill fraction: spreads the load */

typedef struct slot_state {
    int64_t cap_ms;    /* content capacity: the length minus the jingles */
    int64_t floor_ms;  /* every unit is busy until here (content-relative) */
    int64_t max_ms;    /* the busiest unit's end */
    int64_t *unit_end; /* per-unit ends above the floor; allocated on the first partial item */
    size_t n_units;
    uint16_t genre_count[SCHED_GENRE_COUNT];
    bool usable; /* starts at or after now */
} slot_state;

/* A programme's targets as one item sees them. */
typedef struct view {
    sched_targets t;
    bool full, empty;
} view;

typedef struct placement {
    uint32_t slot, item, seq;
    int64_t offset_ms; /* content-relative, from the incremental timeline */
    bool pinned, full;
    uint8_t rank, genre;
    sched_targets t; /* when !full: ids live at ids_off in fill_ctx.ids */
    size_t ids_off;
} placement;

typedef struct fill_ctx {
    const sched_input *in;
    sched_slot *slots;
    size_t n_slots;
    slot_state *st;
    int32_t month_first, month_last;
    GArray *placements; /* placement */
    GArray *ids;        /* uint32_t: targets of partial placements */
    GArray *unplaced;   /* sched_unplaced */
    /* Scratch for the item being placed. */
    view *views;        /* per programme */
    uint32_t *view_ids; /* per programme, max_units entries each */
    size_t max_units;
    uint8_t *item_in_slot; /* per slot */
    uint16_t *item_on_day; /* per day of the month */
} fill_ctx;

static int64_t piece_ms(const fill_ctx *c, int32_t idx)
{
    return idx >= 0 ? c->in->pieces[idx].duration_ms : 0;
}

static const sched_plan_item *item_at(const fill_ctx *c, uint32_t item)
{
    return &c->in->plan->items[item];
}

static uint32_t item_need(const sched_plan_item *it)
{
    uint32_t need = it->airings > it->n_pins ? it->airings : (uint32_t)it->n_pins;
    return need ? need : 1;
}

/* ---- slot timelines ---------------------------------------------------------------------- */

static int64_t tl_start(const slot_state *s, const view *v)
{
    if (v->full)
        return s->max_ms;
    int64_t at = s->floor_ms;
    for (size_t i = 0; s->unit_end && i < v->t.n; i++)
        at = MAX(at, s->unit_end[v->t.ids[i]]);
    return at;
}

static void tl_commit(slot_state *s, const view *v, int64_t start, int64_t dur)
{
    int64_t end = start + dur;
    if (v->full) {
        s->floor_ms = s->max_ms = end;
        return;
    }
    if (!s->unit_end)
        s->unit_end = g_new0(int64_t, s->n_units);
    for (size_t i = 0; i < v->t.n; i++)
        s->unit_end[v->t.ids[i]] = end;
    s->max_ms = MAX(s->max_ms, end);
}

/* ---- setup ------------------------------------------------------------------------------- */

static int setup(fill_ctx *c)
{
    const sched_input *in = c->in;
    const sched_district *d = in->district;
    int rc = vtime_day_from_civil(in->plan->year, in->plan->month, 1, &c->month_first);
    if (rc != 0)
        return rc;
    c->month_last = c->month_first + vtime_days_in_month(in->plan->year, in->plan->month) - 1;
    rc = sched_expand(in->programs, in->n_programs, c->month_first, c->month_last, in->tz,
                      &c->slots, &c->n_slots);
    if (rc != 0)
        return rc;
    c->st = g_new0(slot_state, c->n_slots);
    for (size_t i = 0; i < c->n_slots; i++) {
        const sched_program *p = &in->programs[c->slots[i].program];
        slot_state *s = &c->st[i];
        s->cap_ms = c->slots[i].length_ms - piece_ms(c, p->intro) - piece_ms(c, p->outro);
        s->n_units = p->targets.kind == SCHED_TARGET_BOXES ? d->n_boxes : d->n_communes;
        s->usable = c->slots[i].start_ms >= in->now_ms;
    }
    c->max_units = MAX(MAX(d->n_communes, d->n_boxes), 1);
    c->views = g_new0(view, in->n_programs + 1);
    c->view_ids = g_new(uint32_t, (in->n_programs + 1) * c->max_units);
    c->item_in_slot = g_new0(uint8_t, c->n_slots + 1);
    c->item_on_day = g_new0(uint16_t, (size_t)(c->month_last - c->month_first + 1));
    c->placements = g_array_new(FALSE, FALSE, sizeof(placement));
    c->ids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    c->unplaced = g_array_new(FALSE, FALSE, sizeof(sched_unplaced));
    return 0;
}

static void teardown(fill_ctx *c)
{
    for (size_t i = 0; c->st && i < c->n_slots; i++)
        g_free(c->st[i].unit_end);
    g_free(c->st);
    g_free(c->slots);
    g_free(c->views);
    g_free(c->view_ids);
    g_free(c->item_in_slot);
    g_free(c->item_on_day);
    if (c->placements)
        g_array_free(c->placements, TRUE);
    if (c->ids)
        g_array_free(c->ids, TRUE);
    if (c->unplaced)
        g_array_free(c->unplaced, TRUE);
}

/* How each programme's targets meet this item's communes. */
static void compute_views(fill_ctx *c, const sched_plan_item *it)
{
    const sched_input *in = c->in;
    for (size_t p = 0; p < in->n_programs; p++) {
        const sched_targets *pt = &in->programs[p].targets;
        view *v = &c->views[p];
        sched_targets_intersect(in->district, pt, it->communes, it->n_communes,
                                c->view_ids + p * c->max_units, &v->t);
        /* Full: the item reaches every target of the programme, so it moves the shared floor. */
        size_t whole = pt->kind == SCHED_TARGET_ALL ? in->district->n_communes : pt->n;
        v->full = it->n_communes == 0 || v->t.n == whole;
        v->empty = v->t.kind != SCHED_TARGET_ALL && v->t.n == 0;
    }
}

/* ---- placing ----------------------------------------------------------------------------- */

static void add_unplaced(fill_ctx *c, uint32_t item, uint32_t missing, sched_reason r, int32_t day,
                         int32_t program, int64_t a, int64_t b)
{
    sched_unplaced u = {.item = item,
                        .piece = item_at(c, item)->piece,
                        .missing = missing,
                        .reason = r,
                        .day = day,
                        .program = program,
                        .a = a,
                        .b = b};
    g_array_append_val(c->unplaced, u);
}

static void place(fill_ctx *c, uint32_t item, uint32_t slot, bool pinned)
{
    const sched_piece *pc = &c->in->pieces[item_at(c, item)->piece];
    const view *v = &c->views[c->slots[slot].program];
    slot_state *s = &c->st[slot];
    placement pl = {.slot = slot,
                    .item = item,
                    .seq = c->placements->len,
                    .offset_ms = tl_start(s, v),
                    .pinned = pinned,
                    .full = v->full,
                    .rank = (uint8_t)pc->priority,
                    .genre = (uint8_t)pc->genre,
                    .t = v->t,
                    .ids_off = c->ids->len};
    if (!v->full)
        g_array_append_vals(c->ids, v->t.ids, (guint)v->t.n);
    g_array_append_val(c->placements, pl);
    tl_commit(s, v, pl.offset_ms, pc->duration_ms);
    s->genre_count[pc->genre]++;
    c->item_in_slot[slot] = 1;
    c->item_on_day[c->slots[slot].day - c->month_first]++;
}

static bool fits(const fill_ctx *c, uint32_t slot, int64_t dur)
{
    const view *v = &c->views[c->slots[slot].program];
    return !v->empty && tl_start(&c->st[slot], v) + dur <= c->st[slot].cap_ms;
}

/* Places one pin, or records why it cannot be placed. */
static void place_pin(fill_ctx *c, uint32_t item, const sched_pin *pin)
{
    int64_t dur = c->in->pieces[item_at(c, item)->piece].duration_ms;
    size_t matched = 0, future = 0, reach = 0, fresh = 0;
    int64_t best_free = 0;
    for (uint32_t s = 0; s < c->n_slots; s++) {
        if (c->slots[s].day != pin->day ||
            (pin->program >= 0 && c->slots[s].program != (uint32_t)pin->program))
            continue;
        matched++;
        if (!c->st[s].usable)
            continue;
        future++;
        const view *v = &c->views[c->slots[s].program];
        if (v->empty)
            continue;
        reach++;
        if (c->item_in_slot[s])
            continue;
        fresh++;
        if (fits(c, s, dur)) {
            place(c, item, s, true);
            return;
        }
        best_free = MAX(best_free, c->st[s].cap_ms - tl_start(&c->st[s], v));
    }
    sched_reason r = !matched  ? SCHED_REASON_PIN_NO_SLOT
                     : !future ? SCHED_REASON_PIN_PAST
                     : !reach  ? SCHED_REASON_PIN_NO_TARGET
                     : !fresh  ? SCHED_REASON_PIN_TWICE
                               : SCHED_REASON_PIN_FULL;
    add_unplaced(c, item, 1, r, pin->day, pin->program, r == SCHED_REASON_PIN_FULL ? best_free : 0,
                 r == SCHED_REASON_PIN_FULL ? dur : 0);
}

static bool candidate(const fill_ctx *c, uint32_t s, int32_t wf, int32_t wu, int64_t dur)
{
    return c->st[s].usable && c->slots[s].day >= wf && c->slots[s].day <= wu &&
           !c->views[c->slots[s].program].empty && c->st[s].cap_ms >= dur;
}

static int64_t cost(const fill_ctx *c, uint32_t s, int64_t ideal, sched_genre g, int64_t end)
{
    int64_t k = c->slots[s].start_ms - ideal;
    k = k < 0 ? -k : k;
    if (c->item_on_day[c->slots[s].day - c->month_first])
        k += DAY_PENALTY;
    k += c->st[s].genre_count[g] * GENRE_PENALTY;
    return k + end * LOAD_PENALTY / c->st[s].cap_ms;
}

/* The free slot closest to `ideal`, or UINT32_MAX. */
static uint32_t best_slot(const fill_ctx *c, int32_t wf, int32_t wu, const sched_piece *pc,
                          int64_t ideal)
{
    uint32_t best = UINT32_MAX;
    int64_t best_cost = INT64_MAX;
    for (uint32_t s = 0; s < c->n_slots; s++) {
        if (c->item_in_slot[s] || !candidate(c, s, wf, wu, pc->duration_ms))
            continue;
        int64_t end = tl_start(&c->st[s], &c->views[c->slots[s].program]) + pc->duration_ms;
        if (end > c->st[s].cap_ms)
            continue;
        int64_t k = cost(c, s, ideal, pc->genre, end);
        if (k < best_cost) {
            best_cost = k;
            best = s;
        }
    }
    return best;
}

static void window_of(const fill_ctx *c, const sched_plan_item *it, int32_t *wf, int32_t *wu)
{
    *wf = MAX(it->window_from, c->month_first);
    *wu = MIN(it->window_until, c->month_last);
}

/* Why `missing` airings of an item found no slot: the first rule that explains it. */
static void explain(fill_ctx *c, uint32_t item, uint32_t missing)
{
    const sched_plan_item *it = item_at(c, item);
    int64_t dur = c->in->pieces[it->piece].duration_ms;
    int32_t wf, wu;
    window_of(c, it, &wf, &wu);
    size_t in_window = 0, reach = 0, future = 0, cands = 0;
    int64_t max_cap = 0, free_ms = 0;
    for (uint32_t s = 0; s < c->n_slots; s++) {
        if (c->slots[s].day < wf || c->slots[s].day > wu)
            continue;
        in_window++;
        const view *v = &c->views[c->slots[s].program];
        if (v->empty)
            continue;
        reach++;
        if (!c->st[s].usable)
            continue;
        future++;
        max_cap = MAX(max_cap, c->st[s].cap_ms);
        if (c->st[s].cap_ms < dur)
            continue;
        cands++;
        if (!c->item_in_slot[s])
            free_ms += MAX(0, c->st[s].cap_ms - tl_start(&c->st[s], v));
    }
    uint32_t need = item_need(it);
    if (!in_window)
        add_unplaced(c, item, missing, SCHED_REASON_NO_SLOT, 0, -1, wf, wu);
    else if (!reach)
        add_unplaced(c, item, missing, SCHED_REASON_NO_TARGET, 0, -1, 0, 0);
    else if (!future)
        add_unplaced(c, item, missing, SCHED_REASON_PAST, 0, -1, 0, 0);
    else if (max_cap < dur)
        add_unplaced(c, item, missing, SCHED_REASON_TOO_LONG, 0, -1, dur, max_cap);
    else if (cands < need)
        add_unplaced(c, item, missing, SCHED_REASON_TOO_FEW_SLOTS, 0, -1, (int64_t)cands, need);
    else
        add_unplaced(c, item, missing, SCHED_REASON_FULL, 0, -1, missing * dur, free_ms);
}

static void place_free(fill_ctx *c, uint32_t item, uint32_t count)
{
    const sched_plan_item *it = item_at(c, item);
    const sched_piece *pc = &c->in->pieces[it->piece];
    int32_t wf, wu;
    window_of(c, it, &wf, &wu);
    int64_t from = 0, until = 0;
    if (count == 0)
        return;
    if (wf > wu || vtime_day_start(c->in->tz, wf, &from) != 0 ||
        vtime_day_start(c->in->tz, wu + 1, &until) != 0) {
        explain(c, item, count);
        return;
    }
    from = MAX(from, MIN(c->in->now_ms, until)); /* spread over what is left, not the past */
    for (uint32_t i = 0; i < count; i++) {
        int64_t ideal = from + (until - from) * (2 * i + 1) / (2 * (int64_t)count);
        uint32_t s = best_slot(c, wf, wu, pc, ideal);
        if (s == UINT32_MAX) {
            explain(c, item, count - i);
            return;
        }
        place(c, item, s, false);
    }
}

/* ---- order ------------------------------------------------------------------------------- */

typedef struct item_key {
    uint32_t item;
    uint8_t rank;
    size_t options; /* candidate slots per airing needed: fewer goes first */
    int64_t dur;
} item_key;

static int key_cmp(const void *pa, const void *pb)
{
    const item_key *x = pa, *y = pb;
    if (x->rank != y->rank)
        return x->rank > y->rank ? -1 : 1;
    if (x->options != y->options)
        return x->options < y->options ? -1 : 1;
    if (x->dur != y->dur)
        return x->dur > y->dur ? -1 : 1;
    return (x->item > y->item) - (x->item < y->item);
}

static item_key *order_items(fill_ctx *c)
{
    const sched_month_plan *m = c->in->plan;
    item_key *keys = g_new(item_key, m->n_items + 1);
    for (uint32_t i = 0; i < m->n_items; i++) {
        const sched_plan_item *it = &m->items[i];
        const sched_piece *pc = &c->in->pieces[it->piece];
        int32_t wf, wu;
        window_of(c, it, &wf, &wu);
        compute_views(c, it);
        size_t n = 0;
        for (uint32_t s = 0; s < c->n_slots; s++)
            n += candidate(c, s, wf, wu, pc->duration_ms);
        keys[i] = (item_key){i, (uint8_t)pc->priority, n / item_need(it), pc->duration_ms};
    }
    qsort(keys, m->n_items, sizeof(item_key), key_cmp);
    return keys;
}

/* Sets (on) or clears the per-item scratch marks of placements [from, to) of `item`
 * (UINT32_MAX: of any item). */
static void mark_item(fill_ctx *c, uint32_t item, guint from, guint to, bool on)
{
    for (guint k = from; k < to; k++) {
        const placement *p = &g_array_index(c->placements, placement, k);
        if (item != UINT32_MAX && p->item != item)
            continue;
        uint16_t *day = &c->item_on_day[c->slots[p->slot].day - c->month_first];
        c->item_in_slot[p->slot] = on;
        *day = on ? (uint16_t)(*day + 1) : 0;
    }
}

static void place_all(fill_ctx *c)
{
    const sched_month_plan *m = c->in->plan;
    item_key *keys = order_items(c);
    /* Pins first, across all items, so no free airing takes a pinned slot. */
    for (size_t k = 0; k < m->n_items; k++) {
        const sched_plan_item *it = &m->items[keys[k].item];
        guint since = c->placements->len;
        compute_views(c, it);
        for (size_t p = 0; p < it->n_pins; p++)
            place_pin(c, keys[k].item, &it->pins[p]);
        mark_item(c, UINT32_MAX, since, c->placements->len, false);
    }
    guint pinned = c->placements->len;
    for (size_t k = 0; k < m->n_items; k++) {
        uint32_t item = keys[k].item;
        const sched_plan_item *it = &m->items[item];
        guint since = c->placements->len;
        compute_views(c, it);
        mark_item(c, item, 0, pinned, true); /* its pins count for the slot and day rules */
        place_free(c, item, item_need(it) - (uint32_t)it->n_pins);
        mark_item(c, item, 0, pinned, false);
        mark_item(c, UINT32_MAX, since, c->placements->len, false);
    }
    g_free(keys);
}

/* ---- layout and result ------------------------------------------------------------------- */

static sched_targets placement_targets(const fill_ctx *c, const placement *p)
{
    if (p->full)
        return c->in->programs[c->slots[p->slot].program].targets;
    sched_targets t = p->t;
    t.ids = (const uint32_t *)c->ids->data + p->ids_off;
    return t;
}

/* Final order inside a slot: higher priority first; within a priority, placement order, with
 * (when mix) the next item taken from another genre than the last whenever one is left. */
static void order_slot(const placement *ps, size_t n, bool mix, placement *out)
{
    bool *taken = g_new0(bool, n);
    size_t k = 0;
    int last = -1;
    for (int rank = SCHED_PRIO_EMERGENCY; rank >= SCHED_PRIO_NORMAL; rank--) {
        for (;;) {
            size_t pick = n;
            for (size_t i = 0; i < n; i++) {
                if (taken[i] || ps[i].rank != rank)
                    continue;
                if (pick == n)
                    pick = i;
                if (!mix || ps[i].genre != last) {
                    pick = i;
                    break;
                }
            }
            if (pick == n)
                break;
            taken[pick] = true;
            last = ps[pick].genre;
            out[k++] = ps[pick];
        }
    }
    g_free(taken);
}

/* Lays the ordered items out on a fresh timeline. False (offsets untouched) when that order
 * would overfill the slot, which only mixed partial targets can cause. */
static bool relayout(const fill_ctx *c, uint32_t slot, placement *ps, size_t n)
{
    slot_state tmp = {.cap_ms = c->st[slot].cap_ms, .n_units = c->st[slot].n_units};
    int64_t *offs = g_new(int64_t, n);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        view v = {.t = placement_targets(c, &ps[i]), .full = ps[i].full};
        int64_t dur = c->in->pieces[item_at(c, ps[i].item)->piece].duration_ms;
        offs[i] = tl_start(&tmp, &v);
        ok = offs[i] + dur <= tmp.cap_ms;
        tl_commit(&tmp, &v, offs[i], dur);
    }
    for (size_t i = 0; ok && i < n; i++)
        ps[i].offset_ms = offs[i];
    g_free(tmp.unit_end);
    g_free(offs);
    return ok;
}

typedef struct out_ctx {
    GArray *airings; /* sched_airing */
    GArray *ids;     /* uint32_t */
    GArray *id_offs; /* size_t per airing; SIZE_MAX when targets are ALL */
} out_ctx;

static void emit_airing(out_ctx *o, const sched_airing *a)
{
    size_t off = SIZE_MAX;
    if (a->targets.kind != SCHED_TARGET_ALL) {
        off = o->ids->len;
        g_array_append_vals(o->ids, a->targets.ids, (guint)a->targets.n);
    }
    g_array_append_val(o->airings, *a);
    g_array_append_val(o->id_offs, off);
}

static int airing_cmp(gconstpointer pa, gconstpointer pb, gpointer data)
{
    (void)data;
    const sched_airing *x = pa, *y = pb;
    if (x->offset_ms != y->offset_ms)
        return x->offset_ms < y->offset_ms ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

/* Emits one slot's airings (jingles around its pieces) and returns the slot's used time. */
static int64_t emit_slot(const fill_ctx *c, out_ctx *o, uint32_t slot, placement *ps, size_t n)
{
    const sched_program *prog = &c->in->programs[c->slots[slot].program];
    placement *ordered = g_new(placement, n);
    /* Mixed partial targets can make an order overfill the slot: then drop genre mixing,
     * then priority, down to the placement order, which is known to fit. */
    order_slot(ps, n, true, ordered);
    if (!relayout(c, slot, ordered, n)) {
        order_slot(ps, n, false, ordered);
        if (!relayout(c, slot, ordered, n))
            memcpy(ordered, ps, n * sizeof(placement));
    }
    int64_t intro = piece_ms(c, prog->intro), end = 0;
    GArray *local = g_array_sized_new(FALSE, FALSE, sizeof(sched_airing), (guint)n + 2);
    for (size_t i = 0; i < n; i++) {
        const sched_piece *pc = &c->in->pieces[item_at(c, ordered[i].item)->piece];
        sched_airing a = {.slot = slot,
                          .piece = item_at(c, ordered[i].item)->piece,
                          .kind = SCHED_AIRING_PIECE,
                          .offset_ms = intro + ordered[i].offset_ms,
                          .duration_ms = pc->duration_ms,
                          .priority = pc->priority,
                          .pinned = ordered[i].pinned,
                          .targets = placement_targets(c, &ordered[i])};
        end = MAX(end, ordered[i].offset_ms + pc->duration_ms);
        g_array_append_val(local, a);
    }
    g_array_sort_with_data(local, airing_cmp, NULL); /* stable: keeps the order of equal offsets */
    sched_airing jingle = {.slot = slot, .targets = prog->targets, .priority = SCHED_PRIO_NORMAL};
    if (prog->intro >= 0) {
        jingle.piece = (uint32_t)prog->intro;
        jingle.kind = SCHED_AIRING_INTRO;
        jingle.duration_ms = intro;
        g_array_prepend_val(local, jingle);
    }
    if (prog->outro >= 0) {
        jingle.piece = (uint32_t)prog->outro;
        jingle.kind = SCHED_AIRING_OUTRO;
        jingle.offset_ms = intro + end;
        jingle.duration_ms = piece_ms(c, prog->outro);
        g_array_append_val(local, jingle);
    }
    for (guint i = 0; i < local->len; i++) {
        sched_airing *a = &g_array_index(local, sched_airing, i);
        a->start_ms = c->slots[slot].start_ms + a->offset_ms;
        emit_airing(o, a);
    }
    g_array_free(local, TRUE);
    g_free(ordered);
    return intro + end + piece_ms(c, prog->outro);
}

static int placement_cmp(const void *pa, const void *pb)
{
    const placement *x = pa, *y = pb;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int unplaced_cmp(const void *pa, const void *pb)
{
    const sched_unplaced *x = pa, *y = pb;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    if (x->reason != y->reason)
        return x->reason < y->reason ? -1 : 1;
    return (x->day > y->day) - (x->day < y->day);
}

static sched_fill_result *build_result(fill_ctx *c)
{
    sched_fill_result *r = g_new0(sched_fill_result, 1);
    out_ctx o = {g_array_new(FALSE, FALSE, sizeof(sched_airing)),
                 g_array_new(FALSE, FALSE, sizeof(uint32_t)),
                 g_array_new(FALSE, FALSE, sizeof(size_t))};
    placement *ps = (placement *)c->placements->data;
    size_t np = c->placements->len;
    if (np > 1) /* an empty GArray's data is NULL, which qsort must not get */
        qsort(ps, np, sizeof(placement), placement_cmp);
    r->n_slots = c->n_slots;
    r->slots = g_new0(sched_filled_slot, c->n_slots + 1);
    for (size_t s = 0, k = 0; s < c->n_slots; s++) {
        size_t first = k;
        while (k < np && ps[k].slot == s)
            k++;
        r->slots[s].slot = c->slots[s];
        r->slots[s].first_airing = o.airings->len;
        if (k > first)
            r->slots[s].used_ms = emit_slot(c, &o, (uint32_t)s, ps + first, k - first);
        r->slots[s].n_airings = o.airings->len - r->slots[s].first_airing;
    }
    r->n_airings = o.airings->len;
    r->airings = (sched_airing *)g_array_free(o.airings, FALSE);
    r->target_ids = (uint32_t *)g_array_free(o.ids, FALSE);
    for (size_t i = 0; i < r->n_airings; i++) {
        size_t off = g_array_index(o.id_offs, size_t, i);
        if (off != SIZE_MAX)
            r->airings[i].targets.ids = r->target_ids + off;
    }
    g_array_free(o.id_offs, TRUE);
    if (c->unplaced->len > 1)
        qsort(c->unplaced->data, c->unplaced->len, sizeof(sched_unplaced), unplaced_cmp);
    r->n_unplaced = c->unplaced->len;
    r->unplaced = (sched_unplaced *)g_array_free(c->unplaced, FALSE);
    c->unplaced = NULL;
    return r;
}

int sched_fill(const sched_input *in, sched_fill_result **out, char *err, size_t err_len)
{
    *out = NULL;
    int rc = sched_input_validate(in, err, err_len);
    if (rc != 0)
        return rc;
    fill_ctx c = {.in = in};
    rc = setup(&c);
    if (rc != 0) {
        if (err)
            g_strlcpy(err, "plan: month out of the calendar's range", err_len);
        goto out;
    }
    place_all(&c);
    *out = build_result(&c);
out:
    teardown(&c);
    return rc;
}

void sched_fill_result_free(sched_fill_result *r)
{
    if (!r)
        return;
    g_free(r->slots);
    g_free(r->airings);
    g_free(r->unplaced);
    g_free(r->target_ids);
    g_free(r);
}

static int start_cmp(gconstpointer pa, gconstpointer pb, gpointer data)
{
    const sched_airing *a = data;
    int64_t x = a[*(const uint32_t *)pa].start_ms, y = a[*(const uint32_t *)pb].start_ms;
    return (x > y) - (x < y);
}

int sched_box_airings(const sched_district *d, const sched_fill_result *r, uint32_t box,
                      uint32_t **idx, size_t *n)
{
    *idx = NULL;
    *n = 0;
    if (box >= d->n_boxes)
        return -EINVAL;
    GArray *found = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (uint32_t i = 0; i < r->n_airings; i++) {
        if (sched_targets_include_box(d, &r->airings[i].targets, box))
            g_array_append_val(found, i);
    }
    g_array_sort_with_data(found, start_cmp, r->airings);
    *n = found->len;
    *idx = (uint32_t *)g_array_free(found, found->len == 0);
    return 0;
}
