/* store_contracts: the contracts with Phòng Nội vụ the airtime reports are held against: a
 * title, a period (local dates, inclusive), the reach share and one line per genre (pieces per
 * month or per period, airings per piece, duration bounds). JSON in and out; writers run inside
 * the caller's write transaction and audit themselves (action contract.*, entity
 * "contract:ID"). Returned JSON is a new reference owned by the caller.
 *
 * Contract JSON: {"id", "title", "from": "YYYY-MM-DD", "until": "YYYY-MM-DD",
 * "reach_permille": 1…1000 (default 800), "lines": [line…]} — lines by genre order.
 * Line JSON: {"genre": news|article|report|interview, "pieces_per_month", "pieces_per_period"
 * (at most one non-zero), "airings_per_piece", "min_ms", "max_ms" (0 = no bound)}; absent
 * numbers are 0. */
#ifndef LOALANG_STORE_CONTRACTS_H
#define LOALANG_STORE_CONTRACTS_H

#include <jansson.h>
#include <stdint.h>

#include "store.h"

/* in: title, from, until, optional reach_permille and lines. -EINVAL with the reason in
 * store_errmsg for a bad member. */
int store_contract_create(store *s, const char *who, const json_t *in, int64_t *id_out);
/* Changes the members present in in (title, from, until, reach_permille; "lines" replaces all
 * lines). -ENOENT no such contract, -EINVAL as above. */
int store_contract_update(store *s, const char *who, int64_t id, const json_t *in);
/* Adds or replaces the line of line's genre. */
int store_contract_line_set(store *s, const char *who, int64_t id, const json_t *line);
/* -ENOENT when the contract has no line for genre. */
int store_contract_line_delete(store *s, const char *who, int64_t id, const char *genre);
/* Deletes the contract and its lines. */
int store_contract_delete(store *s, const char *who, int64_t id);
int store_contract_get(store *s, int64_t id, json_t **out);
/* {"contracts": [contract…]} by from date, then id. */
int store_contract_list(store *s, json_t **out);
/* The contract whose period overlaps [from_date, until_date] (YYYY-MM-DD) most, the newest on
 * a tie; -ENOENT when none overlaps. */
int store_contract_for_period(store *s, const char *from_date, const char *until_date,
                              int64_t *id_out);

#endif
