/* reason: what a technician reads when a piece could not be placed, in Vietnamese, from the
 * reason code and figures the fill returns (the engine itself stays language-free). */
#ifndef LOALANG_SCHED_REASON_H
#define LOALANG_SCHED_REASON_H

#include "fill.h"

/* Stable machine code, e.g. "full", "pin_no_slot". */
const char *sched_reason_code(sched_reason r);
/* Writes e.g. "các khung giờ phù hợp đã đầy: còn thiếu 14 phút" into buf (always NUL-ended). */
void sched_reason_text(const sched_unplaced *u, const sched_input *in, char *buf, size_t len);

#endif
