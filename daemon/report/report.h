/* report: the airtime report of docs/architecture.md §6 for a month, quarter or year. Gathers the
 * period's published airings, their target boxes, the play reports, the pieces and the contract's
 * lines from the store into the pure accounting engine (schedules/accounting.h) and returns its
 * figures as JSON; report_csv.c turns that JSON into the CSV exports. Reads only, on the store
 * handle it is given, so it may run on a worker thread with a connection of its own. The JSON
 * and strings returned are owned by the caller. */
#ifndef LOALANG_REPORT_H
#define LOALANG_REPORT_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"

typedef enum report_kind { REPORT_MONTH, REPORT_QUARTER, REPORT_YEAR } report_kind;

typedef struct report_period {
    report_kind kind;
    int year, number;            /* number: month 1–12, quarter 1–4, 0 for a year */
    int32_t first_day, last_day; /* local day numbers, inclusive */
    char text[12];               /* as given: "2026-12", "2026-Q4", "2026" */
} report_period;

/* "YYYY-MM", "YYYY-Qn" (n 1–4, 'q' accepted) or "YYYY", years 1970–9999. -EINVAL otherwise. */
int report_period_parse(const char *text, report_period *out);

typedef struct report_opts {
    GTimeZone *tz;             /* borrowed */
    int64_t contract_id;       /* 0: the contract overlapping the period most (none: no lines) */
    bool evidence;             /* add "evidence": every airing with every target box's record */
    uint32_t partial_permille; /* 0: ACCT_PARTIAL_DEFAULT */
} report_opts;

/* Builds the report JSON:
 * {"period": {"text","from","until","label"}, "contract": {id,title,from,until} | null,
 *  "reach_permille", "partial_permille",
 *  "lines": [{"genre","label","pieces_contracted","pieces_approved","pieces_aired",
 *             "airings_contracted","airings_scheduled","airings_reached","airings_missed",
 *             "airings_unapproved","ms_scheduled","ms_delivered","delivered_permille",
 *             "reached_permille","aired_permille","out_of_bounds":[{piece,title,duration_ms,
 *             min_ms,max_ms}]}],
 *  "totals": {the sums of the lines' counts and ms, and the three per-mille over the sums},
 *  "airings_scheduled", "airings_reached", "airings_no_target", "box_airtime_ms",
 *  "programme_airtime_ms", "plays_counted", "plays_retried", "plays_foreign", "plays_ignored",
 *  "boxes": [{id,name,commune,airtime_ms}],
 *  "communes": [{id,name,boxes,airings_scheduled,airings_reached,box_airtime_ms,
 *                exemplars_heard,has_own_exemplar}], "missing_exemplar": [names],
 *  "exemplar_year": {"year", "missing": [names]} (the calendar year up to the period's end),
 *  "by_month": [{"month","airings_scheduled","airings_reached","ms_scheduled","ms_delivered",
 *                "box_airtime_ms"}],
 *  "evidence": [{"airing","start","piece","title","genre","duration_ms","target_boxes",
 *                "reached_boxes","reached","genre_label","boxes":[{"box","name","commune","status","status_label",
 *                "play","outcome","played_ms","started"}]}]  (opts->evidence only)}
 * Per-mille are -1 when their denominator is 0. Boxes counted are those registered before the
 * period ends and not revoked before it starts. Airings withdrawn by a version published
 * before they started are not counted. -ENOENT when contract_id names no contract; store
 * errors otherwise (message in store_errmsg). */
int report_build(store *s, const report_period *p, const report_opts *o, json_t **out);

/* The line table as CSV: UTF-8 with BOM, CRLF, Vietnamese headers, one row per contract line
 * and a totals row; minutes and percentages with a dot and one decimal. g_free *out. */
int report_csv(const json_t *report, char **out, size_t *len_out);
/* The evidence as CSV (one row per airing and target box; needs opts.evidence); dates
 * dd/mm/yyyy, times HH:MM:SS local. -EINVAL when the report has no evidence. */
int report_evidence_csv(const json_t *report, GTimeZone *tz, char **out, size_t *len_out);

#endif
