/* store_refusal: why a store function refused a person's request, for the layer that answers
 * them. Any store (or publish) function may fill one; the API replies with it (api_refused)
 * and the CLI prints it. A plain value with fixed buffers: nothing to free. */
#ifndef LOALANG_STORE_REFUSAL_H
#define LOALANG_STORE_REFUSAL_H

#include "store.h"

/* Why a person's request was refused: a stable machine code (the API's error.code, e.g.
 * "program_conflict") and a Vietnamese message for people. Filled only on refusals
 * (-EINVAL, -EEXIST, -ENOENT, -EBUSY); callers may pass NULL. */
typedef struct store_refusal {
    char code[48];
    char message[512];
} store_refusal;

/* Fills why (when non-NULL), records code in store_errmsg and returns err. */
int store_refuse(store *s, store_refusal *why, int err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
