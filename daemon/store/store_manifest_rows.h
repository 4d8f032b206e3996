/* store_manifest_rows: the rows a box's manifest is built from (publish/manifest.c), besides
 * the box itself (store_box_get): the latest schedule version, the live airings that target
 * the box with their media, and whether one airing targets a box. Reads only. The airings'
 * strings are g_malloc'd and released by proto_manifest_clear. */
#ifndef LOALANG_STORE_MANIFEST_ROWS_H
#define LOALANG_STORE_MANIFEST_ROWS_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"
#include "store.h"

/* The newest schedule version's id; 0 before the first publish. */
int store_manifest_latest_version(store *s, int64_t *out);

/* Appends to m the live (not withdrawn) airings targeting the box (store_targets.h) that start
 * before until and end after from, sorted by start then id, and their media once each.
 * Text columns that are NULL come back as "". */
int store_manifest_airings(store *s, int64_t box_id, int64_t commune_id, int64_t from,
                           int64_t until, proto_manifest *m);

/* Does airing_id (live or withdrawn) target the box of commune_id? false for an unknown id. */
int store_manifest_targeted(store *s, int64_t box_id, int64_t commune_id, const char *airing_id,
                            bool *out);

#endif
