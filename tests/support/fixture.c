/* fixture: see fixture.h. */
#include "fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vtime.h"

void fx_init(fx *f, int year, int month, size_t n_communes, size_t boxes_per_commune)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(vtime_zone_new(NULL, &f->tz), 0);
    for (size_t i = 0; i < n_communes; i++) {
        snprintf(f->commune_ids[i], sizeof f->commune_ids[i], "xa%zu", i);
        f->communes[i] = (sched_commune){f->commune_ids[i], f->commune_ids[i]};
    }
    size_t nb = n_communes * boxes_per_commune;
    assert_true(nb <= FX_MAX);
    for (size_t i = 0; i < nb; i++) {
        snprintf(f->box_ids[i], sizeof f->box_ids[i], "loa%zu", i);
        f->boxes[i] = (sched_box){f->box_ids[i], f->box_ids[i], (uint32_t)(i / boxes_per_commune)};
    }
    f->d = (sched_district){f->communes, n_communes, f->boxes, nb};
    f->plan = (sched_month_plan){.year = year, .month = month, .items = f->items};
    f->in = (sched_input){.district = &f->d,
                          .programs = f->progs,
                          .pieces = f->pieces,
                          .plan = &f->plan,
                          .tz = f->tz,
                          .now_ms = INT64_MIN};
}

void fx_done(fx *f)
{
    g_time_zone_unref(f->tz);
}

sched_program *fx_program(fx *f, const char *title, const char *hhmm, int minutes)
{
    assert_true(f->n_progs < FX_MAX);
    sched_program *p = &f->progs[f->n_progs++];
    int32_t start = 0;
    assert_int_equal(vtime_parse_hms(hhmm, &start), 0);
    *p = (sched_program){.id = title,
                         .title = title,
                         .weekdays = 0x7f,
                         .start_s = start,
                         .length_s = minutes * 60,
                         .valid_from = INT32_MIN,
                         .valid_until = INT32_MAX,
                         .targets = {SCHED_TARGET_ALL, NULL, 0},
                         .intro = -1,
                         .outro = -1};
    f->in.n_programs = f->n_progs;
    return p;
}

static uint32_t add_piece(fx *f, sched_genre g, int seconds)
{
    assert_true(f->n_pieces < FX_MAX);
    uint32_t i = (uint32_t)f->n_pieces++;
    snprintf(f->piece_ids[i], sizeof f->piece_ids[i], "p%u", i);
    f->pieces[i] = (sched_piece){.id = f->piece_ids[i],
                                 .title = f->piece_ids[i],
                                 .genre = g,
                                 .duration_ms = seconds * 1000LL,
                                 .commune = -1,
                                 .priority = SCHED_PRIO_NORMAL};
    f->in.n_pieces = f->n_pieces;
    return i;
}

sched_plan_item *fx_piece(fx *f, sched_genre g, int seconds, uint32_t airings)
{
    assert_true(f->plan.n_items < FX_MAX);
    sched_plan_item *it = &f->items[f->plan.n_items++];
    *it = (sched_plan_item){.piece = add_piece(f, g, seconds),
                            .airings = airings,
                            .window_from = INT32_MIN,
                            .window_until = INT32_MAX};
    return it;
}

int32_t fx_jingle(fx *f, int seconds)
{
    return (int32_t)add_piece(f, SCHED_GENRE_JINGLE, seconds);
}

sched_piece *fx_piece_of(fx *f, const sched_plan_item *it)
{
    return &f->pieces[it->piece];
}

int32_t fx_day(const fx *f, int dom)
{
    int32_t day = 0;
    assert_int_equal(vtime_day_from_civil(f->plan.year, f->plan.month, dom, &day), 0);
    return day;
}

sched_fill_result *fx_fill(fx *f)
{
    sched_fill_result *r = NULL;
    char err[256] = "";
    int rc = sched_fill(&f->in, &r, err, sizeof err);
    if (rc != 0)
        fail_msg("sched_fill: %d %s", rc, err);
    fx_check_invariants(f, r);
    return r;
}

static void check_slot(const fx *f, const sched_fill_result *r, size_t s)
{
    const sched_filled_slot *fs = &r->slots[s];
    assert_true(fs->used_ms <= fs->slot.length_ms);
    for (uint32_t k = fs->first_airing; k < fs->first_airing + fs->n_airings; k++) {
        const sched_airing *a = &r->airings[k];
        assert_int_equal(a->slot, s);
        assert_int_equal(a->start_ms, fs->slot.start_ms + a->offset_ms);
        assert_true(a->offset_ms >= 0);
        assert_true(a->offset_ms + a->duration_ms <= fs->slot.length_ms);
        if (k > fs->first_airing)
            assert_true(a->offset_ms >= r->airings[k - 1].offset_ms);
        for (uint32_t j = fs->first_airing; j < k; j++) {
            if (a->kind == SCHED_AIRING_PIECE && r->airings[j].kind == SCHED_AIRING_PIECE)
                assert_int_not_equal(r->airings[j].piece, a->piece);
        }
        (void)f;
    }
}

void fx_check_invariants(const fx *f, const sched_fill_result *r)
{
    for (size_t s = 0; s < r->n_slots; s++)
        check_slot(f, r, s);
    uint32_t *placed = g_new0(uint32_t, f->plan.n_items + 1);
    uint32_t *missing = g_new0(uint32_t, f->plan.n_items + 1);
    for (size_t k = 0; k < r->n_airings; k++) {
        if (r->airings[k].kind != SCHED_AIRING_PIECE)
            continue;
        for (size_t i = 0; i < f->plan.n_items; i++) {
            if (f->items[i].piece == r->airings[k].piece)
                placed[i]++;
        }
    }
    for (size_t u = 0; u < r->n_unplaced; u++)
        missing[r->unplaced[u].item] += r->unplaced[u].missing;
    for (size_t i = 0; i < f->plan.n_items; i++) {
        const sched_plan_item *it = &f->items[i];
        uint32_t need = MAX(MAX(it->airings, (uint32_t)it->n_pins), 1u);
        if (placed[i] + missing[i] != need)
            fail_msg("item %zu: placed %u + unplaced %u != needed %u", i, placed[i], missing[i],
                     need);
    }
    g_free(placed);
    g_free(missing);
}
