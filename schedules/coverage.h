/* coverage: the per-commune figures of the contract report (accounting.h): boxes, airings
 * scheduled and reached there, box airtime, exemplars heard, and the communes still without an
 * exemplar of their own ("mỗi xã có ít nhất 01 điển hình", Bù Gia Mập plan). */
#ifndef LOALANG_SCHED_COVERAGE_H
#define LOALANG_SCHED_COVERAGE_H

#include "accounting.h"

/* Fills r->communes and r->missing_exemplar from a checked input and r's evidence and
 * per-box airtime. */
void acct_coverage_compute(const acct_input *in, acct_report *r);

#endif
