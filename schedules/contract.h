/* contract: the per-line figures of the contract report (accounting.h): pieces and airings
 * contracted for the period, approved, aired, scheduled and reached, airtime scheduled against
 * delivered, and the pieces outside the line's duration bounds. */
#ifndef LOALANG_SCHED_CONTRACT_H
#define LOALANG_SCHED_CONTRACT_H

#include "accounting.h"

/* Fills r->lines from a checked input and r's period days and evidence. */
void acct_lines_compute(const acct_input *in, acct_report *r);

/* Pieces contracted by line l over local days [first, last] (already within the contract):
 * see acct_line_report for the rule. 0 when first > last. */
uint64_t acct_pieces_contracted(const acct_contract *c, const acct_line *l, int32_t first,
                                int32_t last);

/* Per piece: has it ≥ 1 reached airing in r's evidence? g_free the result. */
bool *acct_pieces_aired(const acct_input *in, const acct_report *r);

#endif
