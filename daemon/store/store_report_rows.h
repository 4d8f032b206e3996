/* store_report_rows: the rows a report (report/report.c) is computed from, for a period
 * [from_ms, until_ms): every piece, the airings that started in it and were still on air then,
 * their plays, and a contract's lines. Ids stay database ids; the report maps them to engine
 * indices. Strings live in the rows' GStringChunk; store_report_rows_clear releases all. */
#ifndef LOALANG_STORE_REPORT_ROWS_H
#define LOALANG_STORE_REPORT_ROWS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"

typedef struct store_report_piece {
    const char *id, *title, *genre, *priority;
    const char *exemplar; /* NULL when none */
    int64_t duration_ms;
    bool has_commune, has_approved;
    int64_t commune_id, approved_ms;
} store_report_piece;

typedef struct store_report_airing {
    const char *id, *piece_id, *target_kind, *targets; /* targets: JSON array of db ids */
    int64_t start_ms, duration_ms;
} store_report_airing;

typedef struct store_report_play {
    const char *id, *airing_id, *outcome;
    int64_t box_id, played_ms, started_ms;
} store_report_play;

typedef struct store_report_line {
    const char *genre;
    int64_t pieces_per_month, pieces_per_period, airings_per_piece, min_ms, max_ms;
} store_report_line;

typedef struct store_report_rows {
    GArray *pieces;  /* store_report_piece, by id */
    GArray *airings; /* store_report_airing, by start then id */
    GArray *plays;   /* store_report_play, by id */
    GArray *lines;   /* store_report_line: news, article, report, then the rest */
    GStringChunk *strs;
} store_report_rows;

/* Airings start in [from_ms, until_ms) and were not withdrawn before they started; plays are
 * those of these airings; lines only when contract_id > 0. *out is initialised first, so
 * clear it whatever the result. */
int store_report_rows_load(store *s, int64_t from_ms, int64_t until_ms, int64_t contract_id,
                           store_report_rows *out);
void store_report_rows_clear(store_report_rows *r);

#endif
