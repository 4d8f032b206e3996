/* The fill rules of docs/architecture.md §3, one test each, on hand-built inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "reason.h"
#include "vtime.h"

#define MIN_MS 60000LL

static uint32_t count_piece(const sched_fill_result *r, uint32_t piece)
{
    uint32_t n = 0;
    for (size_t i = 0; i < r->n_airings; i++)
        n += r->airings[i].kind == SCHED_AIRING_PIECE && r->airings[i].piece == piece;
    return n;
}

static const sched_unplaced *unplaced_of(const sched_fill_result *r, uint32_t piece)
{
    for (size_t i = 0; i < r->n_unplaced; i++) {
        if (r->unplaced[i].piece == piece)
            return &r->unplaced[i];
    }
    return NULL;
}

static void test_every_piece_gets_its_airings(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 3, 1);
    fx_program(&f, "Sáng", "06:00", 30);
    fx_program(&f, "Chiều", "17:00", 30);
    sched_plan_item *a = fx_piece(&f, SCHED_GENRE_NEWS, 120, 10);
    sched_plan_item *b = fx_piece(&f, SCHED_GENRE_REPORT, 480, 6);
    sched_fill_result *r = fx_fill(&f);
    assert_int_equal(r->n_slots, 62);
    assert_int_equal(count_piece(r, a->piece), 10);
    assert_int_equal(count_piece(r, b->piece), 6);
    assert_int_equal(r->n_unplaced, 0);
    sched_fill_result_free(r);
    fx_done(&f);
}

/* 4 airings in a 28-day month with one slot a day: one a week. */
static void test_repeats_spread_evenly(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2027, 2, 1, 1);
    fx_program(&f, "Sáng", "06:00", 30);
    sched_plan_item *a = fx_piece(&f, SCHED_GENRE_NEWS, 60, 4);
    sched_fill_result *r = fx_fill(&f);
    assert_int_equal(count_piece(r, a->piece), 4);
    int32_t days[4];
    size_t n = 0;
    for (size_t i = 0; i < r->n_airings; i++)
        days[n++] = r->slots[r->airings[i].slot].slot.day;
    for (size_t i = 1; i < 4; i++)
        assert_int_equal(days[i] - days[i - 1], 7);
    assert_true(days[0] - fx_day(&f, 1) <= 4);
    sched_fill_result_free(r);
    fx_done(&f);
}

/* Two slots a day: 31 airings land one per day; 40 need 9 days twice, never one slot twice. */
static void test_not_twice_a_day_unless_unavoidable(void **state)
{
    (void)state;
    uint32_t wants[] = {31, 40};
    for (size_t w = 0; w < 2; w++) {
        fx f;
        fx_init(&f, 2026, 12, 1, 1);
        fx_program(&f, "Sáng", "06:00", 30);
        fx_program(&f, "Chiều", "17:00", 30);
        sched_plan_item *a = fx_piece(&f, SCHED_GENRE_NEWS, 60, wants[w]);
        sched_fill_result *r = fx_fill(&f);
        assert_int_equal(count_piece(r, a->piece), wants[w]);
        int per_day[31] = {0};
        for (size_t i = 0; i < r->n_airings; i++)
            per_day[r->slots[r->airings[i].slot].slot.day - fx_day(&f, 1)]++;
        int twice = 0;
        for (int d = 0; d < 31; d++) {
            assert_true(per_day[d] >= 1 && per_day[d] <= 2);
            twice += per_day[d] == 2;
        }
        assert_int_equal(twice, (int)wants[w] - 31);
        sched_fill_result_free(r);
        fx_done(&f);
    }
}

static void test_never_twice_in_one_slot(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    fx_program(&f, "Sáng", "06:00", 60);
    sched_plan_item *a = fx_piece(&f, SCHED_GENRE_NEWS, 60, 35);
    sched_fill_result *r = fx_fill(&f); /* the invariant check forbids a piece twice a slot */
    assert_int_equal(count_piece(r, a->piece), 31);
    const sched_unplaced *u = unplaced_of(r, a->piece);
    assert_non_null(u);
    assert_int_equal(u->reason, SCHED_REASON_TOO_FEW_SLOTS);
    assert_int_equal(u->missing, 4);
    assert_int_equal(u->a, 31);
    assert_int_equal(u->b, 35);
    char text[256];
    sched_reason_text(u, &f.in, text, sizeof text);
    assert_non_null(strstr(text, "chỉ có 31 khung giờ"));
    sched_fill_result_free(r);
    fx_done(&f);
}

/* 31 slots of 10 min and 40 pieces of 3 min wanting 3 airings each: slots never overfill and
 * the shortfall is reported as a full month with the minutes missing. */
static void test_no_slot_overfilled_and_full_reason(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    fx_program(&f, "Sáng", "06:00", 10);
    for (int i = 0; i < 40; i++)
        fx_piece(&f, (sched_genre)(i % 4), 180, 3);
    sched_fill_result *r = fx_fill(&f); /* checks used ≤ length and counts */
    size_t placed = 0;
    for (size_t s = 0; s < r->n_slots; s++) {
        assert_true(r->slots[s].used_ms <= 10 * MIN_MS);
        placed += r->slots[s].n_airings;
    }
    assert_int_equal(placed, 31 * 3); /* 3 pieces of 3 min fit in 10 min */
    assert_true(r->n_unplaced > 0);
    uint32_t missing = 0;
    for (size_t i = 0; i < r->n_unplaced; i++) {
        assert_int_equal(r->unplaced[i].reason, SCHED_REASON_FULL);
        assert_int_equal(r->unplaced[i].a, r->unplaced[i].missing * 180000LL);
        missing += r->unplaced[i].missing;
    }
    assert_int_equal(missing, 40 * 3 - 31 * 3);
    char text[256];
    sched_reason_text(&r->unplaced[0], &f.in, text, sizeof text);
    assert_non_null(strstr(text, "đã đầy"));
    sched_fill_result_free(r);
    fx_done(&f);
}

/* One 5-minute slot on the 22nd only. A pinned normal piece keeps it against a priority one. */
static void test_pinned_first(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    sched_program *p = fx_program(&f, "Sáng", "06:00", 5);
    p->valid_from = p->valid_until = fx_day(&f, 22);
    sched_plan_item *prio = fx_piece(&f, SCHED_GENRE_NEWS, 180, 1);
    fx_piece_of(&f, prio)->priority = SCHED_PRIO_PRIORITY;
    sched_plan_item *pinned = fx_piece(&f, SCHED_GENRE_REPORT, 180, 1);
    sched_pin pin = {fx_day(&f, 22), 0};
    pinned->pins = &pin;
    pinned->n_pins = 1;
    sched_fill_result *r = fx_fill(&f);
    assert_int_equal(r->n_airings, 1);
    assert_int_equal(r->airings[0].piece, pinned->piece);
    assert_true(r->airings[0].pinned);
    const sched_unplaced *u = unplaced_of(r, prio->piece);
    assert_non_null(u);
    assert_int_equal(u->reason, SCHED_REASON_FULL);
    sched_fill_result_free(r);
    fx_done(&f);
}

/* Room for one of two pieces: the priority one wins whatever the item order, and inside a slot
 * priority items come first. */
static void test_priority_ahead_of_normal(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    sched_program *p = fx_program(&f, "Sáng", "06:00", 5);
    p->valid_from = p->valid_until = fx_day(&f, 3);
    sched_plan_item *normal = fx_piece(&f, SCHED_GENRE_NEWS, 180, 1);
    sched_plan_item *prio = fx_piece(&f, SCHED_GENRE_NEWS, 180, 1);
    fx_piece_of(&f, prio)->priority = SCHED_PRIO_PRIORITY;
    sched_fill_result *r = fx_fill(&f);
    assert_int_equal(r->n_airings, 1);
    assert_int_equal(r->airings[0].piece, prio->piece);
    assert_non_null(unplaced_of(r, normal->piece));
    sched_fill_result_free(r);
    fx_done(&f);

    fx_init(&f, 2026, 12, 1, 1);
    p = fx_program(&f, "Sáng", "06:00", 30);
    p->valid_from = p->valid_until = fx_day(&f, 3);
    fx_piece(&f, SCHED_GENRE_NEWS, 60, 1);
    fx_piece(&f, SCHED_GENRE_REPORT, 60, 1);
    prio = fx_piece(&f, SCHED_GENRE_ARTICLE, 60, 1);
    fx_piece_of(&f, prio)->priority = SCHED_PRIO_EMERGENCY;
    r = fx_fill(&f);
    assert_int_equal(r->n_airings, 3);
    assert_int_equal(r->airings[0].piece, prio->piece);
    assert_int_equal(r->airings[0].offset_ms, 0);
    assert_int_equal(r->airings[1].offset_ms, 60000);
    sched_fill_result_free(r);
    fx_done(&f);
}

/* news, news, report in one slot air as news, report, news. */
static void test_genres_mixed_in_slot(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    sched_program *p = fx_program(&f, "Sáng", "06:00", 30);
    p->valid_from = p->valid_until = fx_day(&f, 5);
    fx_piece(&f, SCHED_GENRE_NEWS, 60, 1);
    fx_piece(&f, SCHED_GENRE_NEWS, 60, 1);
    fx_piece(&f, SCHED_GENRE_REPORT, 60, 1);
    sched_fill_result *r = fx_fill(&f);
    assert_int_equal(r->n_airings, 3);
    for (size_t i = 1; i < 3; i++)
        assert_int_not_equal(f.pieces[r->airings[i].piece].genre,
                             f.pieces[r->airings[i - 1].piece].genre);
    sched_fill_result_free(r);
    fx_done(&f);
}

/* Genres also spread across slots: with room everywhere, two news items of 1 airing each and
 * a matching window do not end up together when another slot is equally close. */
static void test_deterministic(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 4, 2);
    fx_program(&f, "Sáng", "06:00", 30);
    fx_program(&f, "Chiều", "17:00", 20);
    for (int i = 0; i < 30; i++) {
        sched_plan_item *it = fx_piece(&f, (sched_genre)(i % 4), 60 + i * 13, 1 + (uint32_t)i % 7);
        fx_piece_of(&f, it)->priority = (sched_priority)(i % 5 == 0);
    }
    sched_fill_result *a = fx_fill(&f);
    sched_fill_result *b = fx_fill(&f);
    assert_int_equal(a->n_airings, b->n_airings);
    assert_int_equal(a->n_unplaced, b->n_unplaced);
    for (size_t i = 0; i < a->n_airings; i++) {
        assert_int_equal(a->airings[i].piece, b->airings[i].piece);
        assert_int_equal(a->airings[i].start_ms, b->airings[i].start_ms);
        assert_int_equal(a->airings[i].slot, b->airings[i].slot);
    }
    for (size_t i = 0; i < a->n_unplaced; i++)
        assert_memory_equal(&a->unplaced[i], &b->unplaced[i], sizeof(sched_unplaced));
    sched_fill_result_free(a);
    sched_fill_result_free(b);
    fx_done(&f);
}

static void test_window_respected_and_no_slot_reason(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    sched_program *p = fx_program(&f, "Thứ hai", "06:00", 30);
    p->weekdays = 0x01; /* Mondays: 7, 14, 21, 28 December 2026 */
    sched_plan_item *w = fx_piece(&f, SCHED_GENRE_NEWS, 60, 2);
    w->window_from = fx_day(&f, 10);
    w->window_until = fx_day(&f, 22);
    sched_plan_item *none = fx_piece(&f, SCHED_GENRE_NEWS, 60, 1);
    none->window_from = fx_day(&f, 15);
    none->window_until = fx_day(&f, 20);
    sched_fill_result *r = fx_fill(&f);
    assert_int_equal(count_piece(r, w->piece), 2);
    for (size_t i = 0; i < r->n_airings; i++) {
        int32_t day = r->slots[r->airings[i].slot].slot.day;
        assert_true(day == fx_day(&f, 14) || day == fx_day(&f, 21));
    }
    const sched_unplaced *u = unplaced_of(r, none->piece);
    assert_non_null(u);
    assert_int_equal(u->reason, SCHED_REASON_NO_SLOT);
    char text[256];
    sched_reason_text(u, &f.in, text, sizeof text);
    assert_non_null(strstr(text, "từ 15/12/2026 đến 20/12/2026"));
    sched_fill_result_free(r);
    fx_done(&f);
}

static void test_reasons_target_past_too_long(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 3, 1);
    sched_program *p = fx_program(&f, "Sáng", "06:00", 10);
    static const uint32_t prog_communes[] = {0, 1};
    p->targets = (sched_targets){SCHED_TARGET_COMMUNES, prog_communes, 2};
    sched_plan_item *elsewhere = fx_piece(&f, SCHED_GENRE_NEWS, 60, 1);
    static const uint32_t c2[] = {2};
    elsewhere->communes = c2;
    elsewhere->n_communes = 1;
    sched_plan_item *longp = fx_piece(&f, SCHED_GENRE_REPORT, 11 * 60, 1);
    sched_fill_result *r = fx_fill(&f);
    assert_int_equal(unplaced_of(r, elsewhere->piece)->reason, SCHED_REASON_NO_TARGET);
    const sched_unplaced *u = unplaced_of(r, longp->piece);
    assert_int_equal(u->reason, SCHED_REASON_TOO_LONG);
    char text[256];
    sched_reason_text(u, &f.in, text, sizeof text);
    assert_non_null(strstr(text, "11 phút"));
    sched_fill_result_free(r);

    /* now after the month: every slot has passed. */
    assert_int_equal(vtime_day_start(f.tz, fx_day(&f, 31) + 1, &f.in.now_ms), 0);
    r = fx_fill(&f);
    assert_int_equal(unplaced_of(r, longp->piece)->reason, SCHED_REASON_PAST);
    assert_int_equal(r->n_airings, 0);
    sched_fill_result_free(r);
    fx_done(&f);
}

/* now in the middle of the month: nothing is placed before it. */
static void test_now_skips_past_slots(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    fx_program(&f, "Sáng", "06:00", 30);
    fx_piece(&f, SCHED_GENRE_NEWS, 60, 10);
    assert_int_equal(vtime_day_start(f.tz, fx_day(&f, 16), &f.in.now_ms), 0);
    sched_fill_result *r = fx_fill(&f);
    assert_int_equal(r->n_airings, 10);
    for (size_t i = 0; i < r->n_airings; i++)
        assert_true(r->airings[i].start_ms >= f.in.now_ms);
    sched_fill_result_free(r);
    fx_done(&f);
}

static void test_pin_reasons(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    sched_program *p = fx_program(&f, "Thứ hai", "06:00", 5);
    p->weekdays = 0x01;
    sched_plan_item *it = fx_piece(&f, SCHED_GENRE_NEWS, 120, 0);
    sched_plan_item *big = fx_piece(&f, SCHED_GENRE_REPORT, 240, 0);
    sched_pin pins[] = {{fx_day(&f, 8), 0},  /* a Tuesday: no slot */
                        {fx_day(&f, 7), 0},  /* fine */
                        {fx_day(&f, 7), 0}}; /* twice */
    it->pins = pins;
    it->n_pins = 3;
    sched_pin big_pin = {fx_day(&f, 7), -1}; /* full: 2 min left, needs 4 */
    big->pins = &big_pin;
    big->n_pins = 1;
    sched_fill_result *r = fx_fill(&f);
    assert_int_equal(count_piece(r, it->piece), 1);
    sched_reason seen[3];
    size_t n = 0;
    for (size_t i = 0; i < r->n_unplaced; i++) {
        if (r->unplaced[i].piece == it->piece)
            seen[n++] = r->unplaced[i].reason;
    }
    assert_int_equal(n, 2);
    assert_int_equal(seen[0], SCHED_REASON_PIN_NO_SLOT);
    assert_int_equal(seen[1], SCHED_REASON_PIN_TWICE);
    const sched_unplaced *u = unplaced_of(r, big->piece);
    assert_int_equal(u->reason, SCHED_REASON_PIN_FULL);
    assert_int_equal(u->a, 3 * MIN_MS);
    char text[256];
    sched_reason_text(u, &f.in, text, sizeof text);
    assert_non_null(strstr(text, "07/12/2026"));
    sched_fill_result_free(r);
    fx_done(&f);
}

static void test_jingles_frame_the_slot(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    sched_program *p = fx_program(&f, "Sáng", "06:00", 5);
    p->valid_from = p->valid_until = fx_day(&f, 1);
    p->intro = fx_jingle(&f, 20);
    p->outro = fx_jingle(&f, 15);
    sched_plan_item *a = fx_piece(&f, SCHED_GENRE_NEWS, 120, 1);
    sched_plan_item *b = fx_piece(&f, SCHED_GENRE_REPORT, 120, 1);
    sched_plan_item *c = fx_piece(&f, SCHED_GENRE_NEWS, 30, 1); /* 20+240+15+30 > 300 s */
    sched_fill_result *r = fx_fill(&f);
    assert_int_equal(r->n_airings, 4);
    assert_int_equal(r->airings[0].kind, SCHED_AIRING_INTRO);
    assert_int_equal(r->airings[0].offset_ms, 0);
    assert_int_equal(r->airings[1].offset_ms, 20000);
    assert_int_equal(r->airings[2].offset_ms, 140000);
    assert_int_equal(r->airings[3].kind, SCHED_AIRING_OUTRO);
    assert_int_equal(r->airings[3].offset_ms, 260000);
    assert_int_equal(r->slots[0].used_ms, 275000);
    assert_non_null(unplaced_of(r, c->piece));
    (void)a;
    (void)b;
    sched_fill_result_free(r);
    fx_done(&f);
}

/* Pieces for different communes share a slot's time: each commune has its own timeline. */
static void test_commune_pieces_share_slot_time(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 2, 2);
    sched_program *p = fx_program(&f, "Sáng", "06:00", 6);
    p->valid_from = p->valid_until = fx_day(&f, 1);
    static const uint32_t c0[] = {0}, c1[] = {1};
    sched_plan_item *a = fx_piece(&f, SCHED_GENRE_NEWS, 300, 1);
    a->communes = c0;
    a->n_communes = 1;
    sched_plan_item *b = fx_piece(&f, SCHED_GENRE_NEWS, 300, 1);
    b->communes = c1;
    b->n_communes = 1;
    sched_fill_result *r = fx_fill(&f);
    assert_int_equal(r->n_airings, 2);
    assert_int_equal(r->airings[0].offset_ms, 0);
    assert_int_equal(r->airings[1].offset_ms, 0);
    /* Per-box view: boxes 0,1 are in commune 0 and hear a only; boxes 2,3 hear b only. */
    for (uint32_t box = 0; box < 4; box++) {
        uint32_t *idx = NULL;
        size_t n = 0;
        assert_int_equal(sched_box_airings(&f.d, r, box, &idx, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(r->airings[idx[0]].piece, box < 2 ? a->piece : b->piece);
        g_free(idx);
    }
    sched_fill_result_free(r);
    fx_done(&f);
}

/* A pinned normal piece for commune 0 is placed before a priority piece for everyone; the
 * final layout still airs the priority piece first, on every commune. */
static void test_priority_order_kept_with_partial_targets(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 2, 1);
    sched_program *p = fx_program(&f, "Sáng", "06:00", 9);
    p->valid_from = p->valid_until = fx_day(&f, 1);
    static const uint32_t c0[] = {0};
    sched_pin pin = {fx_day(&f, 1), 0};
    sched_plan_item *a = fx_piece(&f, SCHED_GENRE_NEWS, 300, 1); /* commune 0, pinned */
    a->communes = c0;
    a->n_communes = 1;
    a->pins = &pin;
    a->n_pins = 1;
    sched_plan_item *prio = fx_piece(&f, SCHED_GENRE_REPORT, 240, 1); /* everyone */
    fx_piece_of(&f, prio)->priority = SCHED_PRIO_PRIORITY;
    sched_fill_result *r = fx_fill(&f);
    assert_int_equal(r->n_airings, 2);
    assert_int_equal(r->airings[0].piece, prio->piece);
    assert_int_equal(r->airings[0].offset_ms, 0);
    assert_int_equal(r->airings[1].piece, a->piece);
    assert_int_equal(r->airings[1].offset_ms, 240000);
    sched_fill_result_free(r);
    fx_done(&f);
}

static void test_invalid_input_rejected(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 2026, 12, 1, 1);
    fx_program(&f, "Sáng", "06:00", 30);
    sched_plan_item *it = fx_piece(&f, SCHED_GENRE_NEWS, 60, 1);
    it->piece = 99;
    sched_fill_result *r = NULL;
    char err[128] = "";
    assert_int_equal(sched_fill(&f.in, &r, err, sizeof err), -EINVAL);
    assert_null(r);
    assert_true(strlen(err) > 0);
    /* Jingles that fill the whole slot leave no room: refused, not reported as "0 s free". */
    it->piece = 0;
    f.progs[0].length_s = 60;
    f.progs[0].intro = fx_jingle(&f, 40);
    f.progs[0].outro = fx_jingle(&f, 20);
    assert_int_equal(sched_fill(&f.in, &r, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "jingles"));
    fx_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_piece_gets_its_airings),
        cmocka_unit_test(test_repeats_spread_evenly),
        cmocka_unit_test(test_not_twice_a_day_unless_unavoidable),
        cmocka_unit_test(test_never_twice_in_one_slot),
        cmocka_unit_test(test_no_slot_overfilled_and_full_reason),
        cmocka_unit_test(test_pinned_first),
        cmocka_unit_test(test_priority_ahead_of_normal),
        cmocka_unit_test(test_genres_mixed_in_slot),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_window_respected_and_no_slot_reason),
        cmocka_unit_test(test_reasons_target_past_too_long),
        cmocka_unit_test(test_now_skips_past_slots),
        cmocka_unit_test(test_pin_reasons),
        cmocka_unit_test(test_jingles_frame_the_slot),
        cmocka_unit_test(test_commune_pieces_share_slot_time),
        cmocka_unit_test(test_priority_order_kept_with_partial_targets),
        cmocka_unit_test(test_invalid_input_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
