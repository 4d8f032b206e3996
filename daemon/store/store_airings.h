/* store_airings: what is on air, for people: the published airings of a time range, for the
 * whole district or one commune, each with what every box reported about it. This is the
 * operator's "today and this week" and "what played yesterday", and the evidence behind the
 * report's figures. Results are new jansson values owned by the caller. */
#ifndef LOALANG_STORE_AIRINGS_H
#define LOALANG_STORE_AIRINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"

#define STORE_AIRINGS_MAX 5000 /* most airings one query returns */

typedef struct store_airing_query {
    int64_t from_ms, until_ms; /* airings starting in [from, until) */
    int64_t commune_id;        /* 0 = every commune; else its airings, and of their target
                                * names and plays only its own (an operator's view) */
    bool with_plays;           /* add "plays": every box's reports for the airing */
    bool emergencies;          /* emergency airings only, stopped ones too ("stopped": bool) */
} store_airing_query;

/* {"airings":[{"id","start","end","duration_ms","priority","program","piece":{"id","title",
 * "genre"},"media","targets":{"kind","names":[…]},"plays":[{"box","commune","outcome",
 * "started","ended","played_ms","detail"}]}], "truncated": bool}, ordered by start. Only live
 * airings (published, not withdrawn), but for q->emergencies, where a withdrawn one is a
 * stopped one and stays listed. -EINVAL for an empty or inverted range. */
int store_airings_list(store *s, const store_airing_query *q, json_t **out);

/* Is sha256 the media of a live airing for commune_id (for everyone, naming it, or naming one
 * of its boxes)? What an operator of that commune may listen to. */
int store_airings_media_visible(store *s, const char *sha256, int64_t commune_id, bool *ok);

#endif
