/* fill: a month plan + programs → airings (docs/architecture.md §3). Pinned items first; emergency
 * and priority ahead of normal; each piece gets its airings, spread evenly, never twice in a slot
 * and not twice a day unless unavoidable; no slot overfilled; genres mixed; deterministic.
 * What cannot be placed comes back with a reason (see reason.h for the Vietnamese text). */
#ifndef LOALANG_SCHED_FILL_H
#define LOALANG_SCHED_FILL_H

#include "expand.h"
#include "model.h"

typedef enum sched_airing_kind {
    SCHED_AIRING_PIECE,
    SCHED_AIRING_INTRO, /* the programme's intro jingle, at offset 0 */
    SCHED_AIRING_OUTRO, /* its outro jingle, after the slot's last piece */
} sched_airing_kind;

typedef struct sched_airing {
    uint32_t slot;  /* index into the result's slots */
    uint32_t piece; /* index into the input's pieces */
    sched_airing_kind kind;
    int64_t offset_ms;   /* from the slot's start */
    int64_t start_ms;    /* slot start + offset */
    int64_t duration_ms; /* the piece's duration */
    sched_priority priority;
    bool pinned;
    sched_targets targets; /* ids owned by the result */
} sched_airing;

/* A filled slot occurrence. used_ms: end of the last item on its busiest target (≤ length). */
typedef struct sched_filled_slot {
    sched_slot slot;
    int64_t used_ms;
    uint32_t first_airing; /* this slot's airings are airings[first_airing … +n_airings) */
    uint32_t n_airings;
} sched_filled_slot;

typedef enum sched_reason {
    SCHED_REASON_NO_SLOT,       /* no programme slot in the window; a, b: its first, last day */
    SCHED_REASON_NO_TARGET,     /* no programme reaches the item's communes */
    SCHED_REASON_PAST,          /* every fitting slot has already started (now) */
    SCHED_REASON_TOO_LONG,      /* a: piece ms, b: longest usable slot ms */
    SCHED_REASON_TOO_FEW_SLOTS, /* a: usable slots, b: airings needed */
    SCHED_REASON_FULL,          /* a: ms still needed, b: free ms left in the fitting slots */
    SCHED_REASON_PIN_NO_SLOT,   /* day/program: the pinned slot does not exist */
    SCHED_REASON_PIN_PAST,      /* day/program: the pinned slot has started */
    SCHED_REASON_PIN_FULL,      /* day/program; a: free ms, b: needed ms */
    SCHED_REASON_PIN_NO_TARGET, /* day/program: that slot does not reach the item's communes */
    SCHED_REASON_PIN_TWICE,     /* day/program: the same slot pinned twice for one piece */
} sched_reason;

typedef struct sched_unplaced {
    uint32_t item;    /* index into the plan's items */
    uint32_t piece;   /* index into pieces */
    uint32_t missing; /* airings not placed for this reason */
    sched_reason reason;
    int32_t day;     /* pins: the pinned day; otherwise 0 */
    int32_t program; /* pins: the pinned program (-1 = any); otherwise -1 */
    int64_t a, b;    /* figures, see sched_reason */
} sched_unplaced;

typedef struct sched_fill_result {
    sched_filled_slot *slots; /* every slot of the month, sorted by start then program */
    size_t n_slots;
    sched_airing *airings; /* by slot, then offset */
    size_t n_airings;
    sched_unplaced *unplaced; /* by item, then reason */
    size_t n_unplaced;
    uint32_t *target_ids; /* storage behind every airing's targets.ids */
} sched_fill_result;

/* Fills in->plan's month. Returns 0 and a result (free with sched_fill_result_free), or
 * -EINVAL when sched_input_validate fails (message in err, may be NULL), -ENOMEM. */
int sched_fill(const sched_input *in, sched_fill_result **out, char *err, size_t err_len);
void sched_fill_result_free(sched_fill_result *r);

/* The indices of the airings one box plays, in start order. *idx is g_malloc'd. */
int sched_box_airings(const sched_district *d, const sched_fill_result *r, uint32_t box,
                      uint32_t **idx, size_t *n);

#endif
