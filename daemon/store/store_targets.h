/* store_targets: the one rule for which boxes an airing (or an event) reaches, as stored:
 * target_kind 'all' (every box), 'communes' (the boxes of the communes whose ids are listed) or
 * 'boxes' (the listed boxes), the ids a JSON array. A C form for rows already read and an SQL
 * form for queries; tests check the two agree (and the engine's, on its own model). */
#ifndef LOALANG_STORE_TARGETS_H
#define LOALANG_STORE_TARGETS_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* True when targets (kind, ids) reach the box box_id in commune commune_id. kind NULL means
 * 'all'; an unknown kind reaches nothing; non-integer ids are ignored. ids is borrowed. */
bool store_targets_box(const char *kind, const json_t *ids, int64_t box_id, int64_t commune_id);
/* The same with the ids as stored text (a JSON array; NULL or unparsable: no ids). */
bool store_targets_box_text(const char *kind, const char *ids_json, int64_t box_id,
                            int64_t commune_id);

/* SQL form, a boolean expression on a row aliased `a` with columns target_kind and targets
 * (airings, plan_airings): the box is bound with store_targets_bind. A statement holding it
 * binds its other parameters by name too: SQLite numbers a named parameter after the largest
 * index seen so far, so a "?1" written after the fragment would be :target_commune. */
#define STORE_TARGETS_SQL                                                                          \
    "(a.target_kind = 'all'"                                                                       \
    " OR (a.target_kind = 'communes' AND EXISTS (SELECT 1 FROM json_each(a.targets)"               \
    " WHERE json_each.value = :target_commune))"                                                   \
    " OR (a.target_kind = 'boxes' AND EXISTS (SELECT 1 FROM json_each(a.targets)"                  \
    " WHERE json_each.value = :target_box)))"

/* Binds the box (and its commune) a statement holding STORE_TARGETS_SQL asks about. */
void store_targets_bind(sqlite3_stmt *st, int64_t box_id, int64_t commune_id);

#endif
