/* store_refusal: why a store function refused a person's request, for the layer that answers
 * them. The store says what happened — a code, which sentence tells it and the facts the
 * sentence names — and api_words.h words it in Vietnamese for the API and the CLI. A plain
 * value with fixed buffers: nothing to free, safe to fill twice. */
#ifndef LOALANG_STORE_REFUSAL_H
#define LOALANG_STORE_REFUSAL_H

#include <jansson.h>

#include "store.h"

/* Why a person's request was refused. Filled only on refusals (-EINVAL, -EEXIST, -ENOENT,
 * -EBUSY); callers may pass NULL. code is stable, the API's error.code (e.g.
 * "program_conflict"); words names the sentence (api_words.c) and facts holds, as a compact
 * JSON object, the titles, names and dates it needs (e.g. {"title":…,"other":…}), so that
 * one code can be told in several ways. */
typedef struct store_refusal {
    char code[48];
    char words[48];
    char facts[1024];
} store_refusal;

/* Fills why (when non-NULL) with code, words and facts (NULL = none; the reference is
 * stolen, also when why is NULL), records code in store_errmsg and returns err. Facts that
 * do not fit in why->facts are dropped whole (the sentence then lacks them), never cut. */
int store_refuse_facts(store *s, store_refusal *why, int err, const char *code, const char *words,
                       json_t *facts);

#endif
