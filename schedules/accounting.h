/* accounting: contract accounting (docs/architecture.md §6): from the published airings and the
 * boxes' play reports, what reached whom, the airtime delivered per contract line (genre), coverage
 * per commune and the evidence behind every figure — what Phòng Nội vụ checks at nghiệm thu. Pure:
 * data in, data out. Inputs are borrowed from the caller; the report owns its arrays. */
#ifndef LOALANG_SCHED_ACCOUNTING_H
#define LOALANG_SCHED_ACCOUNTING_H

#include "model.h"
#include "proto.h"

/* Thresholds are integers in per-mille (0 … 1000), so "≥ 80 %" is an exact integer compare:
 * reached * 1000 >= share * total. These are docs/architecture.md §6's defaults. */
#define ACCT_REACH_DEFAULT   800 /* share of an airing's target boxes it must reach */
#define ACCT_PARTIAL_DEFAULT 900 /* share of the airing a `partial` play must cover to reach */

/* Input bounds, checked (-EINVAL): they keep every sum and per-mille in int64 range. */
#define ACCT_MAX_ITEMS 10000000 /* pieces, airings, plays */
#define ACCT_MAX_COUNT 1000000  /* each count of a contract line */
#define ACCT_MAX_MS    86400000 /* durations, bounds and played_ms: no slot exceeds a day */

/* One contract line (số lượng theo hợp đồng): per genre, how many pieces — either per calendar
 * month or for the whole contract period, the other count 0 (both 0: nothing contracted) — how
 * many airings each piece gets, and duration bounds (0 = no bound). Jingles have no line. */
typedef struct acct_line {
    sched_genre genre;
    uint32_t pieces_per_month;
    uint32_t pieces_per_period;
    uint32_t airings_per_piece;
    int64_t min_ms, max_ms;
} acct_line;

/* The contract: its period as local day numbers (inclusive) and one line per genre. */
typedef struct acct_contract {
    int32_t from_day, until_day;
    const acct_line *lines;
    size_t n_lines;
} acct_contract;

/* A published airing. Airings of jingles are ignored (no evidence, no airtime, their plays are
 * counted as ignored); the airing's own duration is what reach and airtime use. */
typedef struct acct_airing {
    const char *id;
    uint32_t piece; /* index into pieces */
    int64_t start_ms;
    int64_t duration_ms; /* 1 … ACCT_MAX_MS */
    sched_targets targets;
} acct_airing;

/* A play report (docs/architecture.md §5) as stored by the daemon. */
typedef struct acct_play {
    const char *id;  /* the box's play id */
    uint32_t airing; /* index into airings */
    uint32_t box;    /* index into the district's boxes */
    proto_outcome outcome;
    int64_t played_ms; /* 0 … ACCT_MAX_MS; counted up to the airing's duration */
    int64_t started_at_ms;
} acct_play;

/* Everything the accounting needs. The period [from_ms, until_ms) is the month, quarter or year
 * reported; airings count when their start lies in it. A local day (in tz) belongs to the
 * period when its midnight does, so pass local midnights for whole months. approved_ms is
 * parallel to pieces: the instant Phòng Nội vụ approved each piece, INT64_MIN if never. */
typedef struct acct_input {
    const sched_district *district;
    const sched_piece *pieces;
    const int64_t *approved_ms;
    size_t n_pieces;
    const acct_contract *contract;
    const acct_airing *airings;
    size_t n_airings;
    const acct_play *plays;
    size_t n_plays;
    int64_t from_ms, until_ms;
    GTimeZone *tz;
    uint32_t reach_permille;   /* e.g. ACCT_REACH_DEFAULT */
    uint32_t partial_permille; /* e.g. ACCT_PARTIAL_DEFAULT */
} acct_input;

/* What one target box did with one airing, from its best report. Ordered best first: when a
 * pair has several reports (retries), the best status wins, then the longer play, then the
 * smaller play id, so the choice does not depend on the order reports arrived in. */
typedef enum acct_status {
    ACCT_REACHED,       /* completed, or partial ≥ partial share: counts for reach */
    ACCT_PARTIAL_SHORT, /* partial below the share: airtime counts, reach does not */
    ACCT_FAILED,        /* could not play: no airtime */
    ACCT_MISSED,        /* not cached or box off: no airtime */
    ACCT_NO_REPORT,     /* nothing reported */
    ACCT_STATUS_COUNT,
} acct_status;

typedef struct acct_box_evidence {
    uint32_t box;
    int32_t play; /* the best report: index into plays, or -1 (ACCT_NO_REPORT) */
    acct_status status;
} acct_box_evidence;

/* One airing of the period. reached: target_boxes > 0 and reached_boxes ≥ reach share of
 * them; no_target: the targets hold no box, so it cannot reach and counts as missed. */
typedef struct acct_airing_evidence {
    uint32_t airing; /* index into airings */
    uint32_t target_boxes;
    uint32_t reached_boxes;
    bool reached;
    bool no_target;
    bool approved_before;           /* the piece was approved at or before the airing's start */
    const acct_box_evidence *boxes; /* target_boxes entries by box index, in the report */
} acct_airing_evidence;

/* Per contract line, for the period. Contracted pieces: per-month lines count each local
 * calendar month of the period within the contract as 1, a partly covered month as its share
 * of days; per-period lines take the share of the contract's days the period covers. Both are
 * rounded to the nearest piece, halves up. Airings contracted = pieces × airings_per_piece.
 * Minutes are not contracted (the contract fixes counts and bounds each piece's length, not a
 * total), so airtime is given delivered against scheduled. Per-mille are rounded down (a
 * shortfall never shows as 1000) and may exceed 1000; -1 when the denominator is 0. Times: ms. */
typedef struct acct_line_report {
    sched_genre genre;
    uint64_t pieces_contracted;
    size_t pieces_approved; /* of the genre, approved within the period */
    size_t pieces_aired;    /* of the genre, with ≥ 1 reached airing in the period */
    uint64_t airings_contracted;
    size_t airings_scheduled;
    size_t airings_reached;
    size_t airings_missed;      /* scheduled − reached */
    size_t airings_unapproved;  /* scheduled before (or without) approval */
    int64_t ms_scheduled;       /* sum of durations of scheduled airings */
    int64_t ms_delivered;       /* programme airtime: sum of durations of reached airings */
    int64_t delivered_permille; /* ms_delivered / ms_scheduled */
    int64_t reached_permille;   /* airings_reached / airings_contracted */
    int64_t aired_permille;     /* pieces_aired / pieces_contracted */
    /* Pieces of the genre approved or scheduled in the period whose duration lies outside the
     * line's bounds, ascending piece indices. */
    uint32_t *out_of_bounds;
    size_t n_out_of_bounds;
} acct_line_report;

/* Per commune. An airing targets a commune when sched_targets_include_commune says so; it
 * reached the commune when its target boxes there number > 0 and it reached at least the reach
 * share of them. exemplars_heard: distinct pieces with an exemplar whose airing reached the
 * commune. has_own_exemplar: a piece with an exemplar about this commune reached (programme
 * level, anywhere) in the period — "mỗi xã có ít nhất 01 điển hình". */
typedef struct acct_commune_report {
    size_t boxes;
    size_t airings_scheduled;
    size_t airings_reached;
    int64_t box_airtime_ms;
    size_t exemplars_heard;
    bool has_own_exemplar;
} acct_commune_report;

typedef struct acct_report {
    /* Local days of the period inside the contract (days 0 when they do not meet). */
    int32_t first_day, last_day;
    int64_t days;
    /* Box airtime: played_ms of the best confirmed (completed or partial) report of each
     * (airing, target box) pair, in loudspeaker-ms. Foreign and ignored plays add nothing. */
    int64_t box_airtime_ms;
    int64_t *box_airtime_by_box;  /* one per district box */
    int64_t programme_airtime_ms; /* all genres, lines or not */
    size_t airings_reached;
    size_t airings_no_target;
    size_t plays_counted;    /* the best report of a pair */
    size_t plays_retried;    /* further reports of a pair already counted */
    size_t plays_foreign;    /* box not among the airing's targets: no reach, no airtime */
    size_t plays_ignored;    /* airing outside the period, or a jingle */
    acct_line_report *lines; /* in the contract's order */
    size_t n_lines;
    acct_commune_report *communes; /* one per district commune */
    size_t n_communes;
    uint32_t *missing_exemplar; /* communes without has_own_exemplar, ascending */
    size_t n_missing_exemplar;
    acct_airing_evidence *evidence; /* airings of the period (jingles aside), input order */
    size_t n_evidence;
    acct_box_evidence *box_evidence; /* storage behind evidence[].boxes */
    size_t n_box_evidence;
} acct_report;

/* Computes the report. Returns 0 and *out (free with acct_report_free), or -EINVAL with a
 * short English message in err (may be NULL) when the input breaks a rule above: missing
 * arrays, indices out of range, until_ms < from_ms, thresholds over 1000, bad targets, two
 * lines for one genre, a line with both counts. */
int acct_report_compute(const acct_input *in, acct_report **out, char *err, size_t err_len);
void acct_report_free(acct_report *r);

/* "reached", "partial_short", "failed", "missed", "no_report" and Vietnamese labels. */
const char *acct_status_name(acct_status s);
const char *acct_status_label_vn(acct_status s);

#endif
