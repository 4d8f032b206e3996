/* store_targets: the one rule for which boxes an airing (or an event) reaches, as stored:
 * target_kind 'all' (every box), 'communes' (the boxes of the communes whose ids are listed) or
 * 'boxes' (the listed boxes), the ids a JSON array. A C form for rows already read, here, and
 * an SQL form for the store's queries (STORE_TARGETS_SQL, store_internal.h); tests check the
 * two agree (and the engine's, on its own model). */
#ifndef LOALANG_STORE_TARGETS_H
#define LOALANG_STORE_TARGETS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* True when targets (kind, ids) reach the box box_id in commune commune_id. kind NULL means
 * 'all'; an unknown kind reaches nothing; non-integer ids are ignored. ids is borrowed. */
bool store_targets_box(const char *kind, const json_t *ids, int64_t box_id, int64_t commune_id);
/* The same with the ids as stored text (a JSON array; NULL or unparsable: no ids). */
bool store_targets_box_text(const char *kind, const char *ids_json, int64_t box_id,
                            int64_t commune_id);

#endif
