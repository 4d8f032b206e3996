/* store_plays: the play reports boxes post (docs/architecture.md §5 POST /api/v1/box/plays). A
 * batch is validated element by element and written in one write transaction that is durable before
 * the answer goes out, so a box may forget what was accepted. Idempotent by play id.
 *
 * The result is the §5 answer in the store's form: {"accepted":[ids],"duplicates":[ids],
 * "rejected":[{"id","code","words","facts"?}]}, id "" when unusable. As with store_refusal.h,
 * code is the short English token a program matches, words names the sentence that tells it
 * and facts holds what the sentence names; api_words_plays turns each refusal into the
 * "error":"CODE: message" the box receives (the message Vietnamese, for the technician reading
 * the box's log). Codes (words):
 *   invalid       the element does not decode (play_invalid; facts.detail, the decoder's English
 *                 reason)
 *   foreign_id    the play id was already reported by another box (play_foreign_id)
 *   conflict      the id was reported before by this box with different content (play_conflict)
 *   unknown_airing  no such airing (play_unknown_airing)
 *   not_targeted  the airing is not addressed to this box (play_not_targeted)
 *   wrong_media   media differs from the airing's media (play_wrong_media)
 *   bad_times     missed with played_ms > 0 (play_missed_played), or times that contradict each
 *                 other (play_bad_times)
 *   too_long      played_ms beyond the media's duration (+ STORE_PLAYS_TOLERANCE_MS)
 *                 (play_too_long)
 * An identical re-report is a duplicate (not an error): the box lost our previous answer. */
#ifndef LOALANG_STORE_PLAYS_H
#define LOALANG_STORE_PLAYS_H

#include <jansson.h>
#include <stdint.h>

#include "store.h"

#define STORE_PLAYS_BATCH_MAX    1000
#define STORE_PLAYS_TOLERANCE_MS 1000 /* clock granularity, as the proto decoder allows */

/* Ingests plays_array (the "plays" member; a JSON array) for box_id at the store's clock and
 * commits. *result_out (json_decref) is the result above. -E2BIG more than STORE_PLAYS_BATCH_MAX
 * elements, -EINVAL not an array, -ENOENT no such box; store errors otherwise (nothing
 * written). Opens and commits its own transaction: call it outside one. */
int store_plays_ingest(store *s, int64_t box_id, const json_t *plays_array, json_t **result_out);

/* Same with the receive time given (tests, benchmarks). */
int store_plays_ingest_at(store *s, int64_t box_id, const json_t *plays_array, int64_t now_ms,
                          json_t **result_out);

/* One box's batch inside the caller's write transaction (store_begin … store_commit), for a
 * writer that commits many batches at once: the same checks and result as above, nothing
 * committed. Reports earlier in the same transaction count as reported (a second copy of an id
 * is a duplicate or a refusal). On an error this batch's writes are undone (a savepoint) and
 * the transaction stays usable; -ENOENT no such box, -EINVAL, -E2BIG as above. */
int store_plays_ingest_in_tx(store *s, int64_t box_id, const json_t *plays_array, int64_t now_ms,
                             json_t **result_out);

#endif
