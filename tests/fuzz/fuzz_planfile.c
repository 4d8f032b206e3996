/* fuzz_planfile: libFuzzer target for plan files (docs/architecture.md §9). A plan that parses must
 * pass the engine's validation, then runs through conflicts and two fills of its month, in
 * Vietnam's zone and in its own: a crash, leak or UB anywhere from the parser to the reasons
 * counts. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conflicts.h"
#include "fill.h"
#include "planfile.h"
#include "reason.h"
#include "vtime.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static GTimeZone *tz;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (vtime_zone_new(NULL, &tz) != 0)
        abort();
    return 0;
}

/* A broken contract: as loud as a crash, so libFuzzer keeps the input. */
static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_planfile: %s: %s\n", what, detail ? detail : "");
    abort();
}

/* plan_parse's promises: an error means at least one message and no plan; messages are UTF-8
 * (they quote clipped user text) and come in line order. */
static void check_diags(int rc, const plan *p, const plan_diags *d)
{
    if ((rc == 0) != (p != NULL) || (rc != 0 && d->n == 0) || (rc == 0 && d->n != 0))
        die("result and diagnostics disagree", NULL);
    for (size_t i = 0; i < d->n; i++) {
        if (!d->items[i].message || !g_utf8_validate(d->items[i].message, -1, NULL))
            die("message is not UTF-8", NULL);
        if (d->items[i].line < 0 || (i > 0 && d->items[i].line < d->items[i - 1].line))
            die("messages out of line order", d->items[i].message);
    }
}

/* Every id the plan declares is found again at its own index. */
static void check_lookups(const plan *p)
{
    for (size_t i = 0; i < p->n_programs; i++) {
        if (plan_find_program(p, p->programs[i].id) != (int)i)
            die("plan_find_program", p->programs[i].id);
    }
    for (size_t i = 0; i < p->n_pieces; i++) {
        if (plan_find_piece(p, p->pieces[i].id) != (int)i)
            die("plan_find_piece", p->pieces[i].id);
    }
    for (size_t i = 0; i < p->district.n_communes; i++) {
        if (plan_find_commune(p, p->district.communes[i].name) != (int)i)
            die("plan_find_commune", p->district.communes[i].name);
    }
    for (size_t i = 0; i < p->district.n_boxes; i++) {
        if (plan_find_box(p, p->district.boxes[i].id) != (int)i)
            die("plan_find_box", p->district.boxes[i].id);
    }
}

static void use_result(const sched_input *in, const sched_fill_result *r)
{
    char why[512];
    for (size_t i = 0; i < r->n_unplaced; i++)
        sched_reason_text(&r->unplaced[i], in, why, sizeof why);
    for (size_t b = 0; b < in->district->n_boxes; b++) {
        uint32_t *idx = NULL;
        size_t n = 0;
        if (sched_box_airings(in->district, r, (uint32_t)b, &idx, &n) == 0)
            g_free(idx);
    }
}

static void fill(const sched_input *in)
{
    sched_fill_result *r = NULL;
    char err[256] = "";
    int rc = sched_fill(in, &r, err, sizeof err);
    if (rc == -EINVAL)
        die("sched_fill refuses a validated input", err);
    if (rc != 0)
        return;
    use_result(in, r);
    sched_fill_result_free(r);
}

static void run_engine(const plan *p, GTimeZone *zone)
{
    sched_month_plan month = p->month;
    if (!p->has_month) {
        month.year = 2026;
        month.month = 12;
    }
    sched_input in = {&p->district, p->programs, p->n_programs, p->pieces,
                      p->n_pieces,  &month,      zone,          INT64_MIN};
    char err[256] = "";
    if (sched_input_validate(&in, err, sizeof err) != 0)
        die("a parsed plan fails sched_input_validate", err);
    int32_t first, last;
    if (vtime_day_from_civil(month.year, month.month, 1, &first) != 0)
        die("the plan's month has no first day", NULL);
    last = first + vtime_days_in_month(month.year, month.month) - 1;
    sched_conflict *c = NULL;
    size_t n = 0;
    if (sched_conflicts(&p->district, p->programs, p->n_programs, first, last, zone, &c, &n) == 0)
        g_free(c);
    fill(&in);
    /* Again from the middle of the month: the paths for slots already past. */
    if (vtime_day_start(zone, first + 14, &in.now_ms) == 0)
        fill(&in);
}

/* In Vietnam's zone, and again in the plan's own when it names another one, as `loalangd
 * schedule` does: DST gaps and overlaps only happen there. */
static void run_engine_in_zones(const plan *p)
{
    run_engine(p, tz);
    GTimeZone *own = NULL;
    if (!p->timezone || strcmp(p->timezone, VTIME_DEFAULT_ZONE) == 0 ||
        vtime_zone_new(p->timezone, &own) != 0)
        return;
    run_engine(p, own);
    g_time_zone_unref(own);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    plan *p = NULL;
    plan_diags d = {0};
    int rc = plan_parse((const char *)data, size, &p, &d);
    check_diags(rc, p, &d);
    plan_diags_clear(&d);
    if (rc == 0) {
        check_lookups(p);
        run_engine_in_zones(p);
    }
    plan_free(p);
    return 0;
}
