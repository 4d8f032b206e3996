/* api_words: the Vietnamese sentences people read for what the layers below report as codes
 * and facts (store_refusal.h, the refused play reports of store_plays.h, a fill's left-out
 * items and a hand edit's warnings of store_plans.h). The API answers with them and the CLI,
 * which links the API, prints the same ones, so both say a thing the same way. Writes into the
 * caller's buffer or the caller's JSON; nothing to free. */
#ifndef LOALANG_API_WORDS_H
#define LOALANG_API_WORDS_H

#include <jansson.h>
#include <stddef.h>

#include "store_plans.h"
#include "store_refusal.h"

/* The buffer callers give for one sentence; a longer one is cut. */
#define API_WORDS_MAX 512

/* The Vietnamese sentence for why into buf (len bytes, NUL-terminated, cut at len): its
 * words and facts told by the table in api_words.c, or its code when no sentence has that
 * name. */
void api_words_refusal(const store_refusal *why, char *buf, size_t len);

/* The sentence named words told with facts (a JSON object; NULL = none) into buf, as above.
 * -ENOENT (buf empty) when no sentence has that name. */
int api_words_say(const char *words, const json_t *facts, char *buf, size_t len);

/* Words the refusals of a plays result in place (store_plays.h): each rejected
 * {"id","code","words","facts"} becomes the {"id","error":"CODE: sentence"} of the box
 * protocol (docs/api.md). 0, or -ENOMEM (result then unchanged). */
int api_words_plays(json_t *result);

/* Adds to each entry of a fill's "not_placed" (store_plan_fill_json of run) the Vietnamese
 * "message" people read: the engine's reason (schedules/reason.h) or why the item was left out.
 * 0, -ENOMEM, or -EINVAL when fill is not run's. */
int api_words_fill(json_t *fill, const store_plan_fill_run *run);

/* Words in place each note of the array notes (a hand edit's warnings, store_plans.h; the
 * programmes' conflicts, store_programs.h): in each, the member "words" becomes "message", its
 * sentence told with the member "facts", which goes; the other members stay, in order. 0, or
 * -ENOMEM (notes then partly worded). */
int api_words_notes(json_t *notes);

/* The Vietnamese name of a piece status (store_pieces.h: "draft" → "nháp", "submitted" →
 * "chờ duyệt" …), for messages. Static storage; NULL if unknown. */
const char *api_words_piece_status(const char *status);

#endif
