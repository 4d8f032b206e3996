/* store_media: the media table, one row per Opus file in DIR/media/<aa>/<sha256>.opus, and the
 * one way from a sha256 to a path. Rows are written after ingest made the file durable
 * (docs/architecture.md §4); a row is a fact about content, so it is not audited — the piece that
 * uses it is. Writers run inside the caller's write transaction. Paths are the caller's to g_free.
 */
#ifndef LOALANG_STORE_MEDIA_H
#define LOALANG_STORE_MEDIA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hash.h"
#include "store.h"

typedef struct store_media {
    char sha256[HASH_SHA256_HEX_LEN + 1];
    int64_t bytes;
    int64_t duration_ms;
    double loudness_in_lufs;
    double loudness_out_lufs;
    double true_peak_dbtp;
    int64_t created_ms;
    /* Belongs to a live published airing: its bytes may be cached publicly
     * (docs/architecture.md §5). */
    bool published;
} store_media;

/* Inserts the row for what ingest measured (in's sha256, bytes, duration and loudness; its
 * created_ms and published are the store's), or leaves the existing row of the same sha256
 * alone (identical audio uploaded twice). *out (may be NULL) gets the stored row; *created_out
 * (may be NULL) says whether it is new. -EINVAL for a row without a valid sha256. */
int store_media_put(store *s, const store_media *in, store_media *out, bool *created_out);

/* -EINVAL unless sha256 is 64 lowercase hex digits; -ENOENT when there is no such row. */
int store_media_get(store *s, const char *sha256, store_media *out);

/* Is sha256 the media of a live airing that reaches box_id, i.e. one its manifest may name?
 * *ok false for an unknown box. Remembered per change generation (store_memo.h). */
int store_media_for_box(store *s, const char *sha256, int64_t box_id, bool *ok);

/* DIR/media/<aa>/<sha256>.opus for a valid sha256 (64 lowercase hex digits), else -EINVAL and
 * no path: nothing else from a request ever reaches the filesystem (docs/architecture.md §7). */
int store_media_path(const char *dir, const char *sha256, char **out);

/* Removes the file of sha256 an ingest just wrote (not one it found already there) when its
 * row could not be committed, unless a media row names it. A crash between the rename and the
 * commit is covered by store_media_sweep_orphans at start-up. */
void store_media_discard_new(store *s, const char *dir, const char *sha256);

/* Removes media files that no media row names (DIR/media/<aa>/<sha256>.opus left by a crash
 * after ingest and before its row was committed). Call at start-up, before uploads run.
 * *removed_out (may be NULL) counts them. */
int store_media_sweep_orphans(store *s, const char *dir, int *removed_out);

/* The API's "media" object: sha256, bytes, duration_ms, loudness_in_lufs, loudness_out_lufs,
 * true_peak_dbtp, url. New reference; NULL only when out of memory. */
json_t *store_media_json(const store_media *m);

#endif
