/* manifest: the §5 manifest of one box (its live airings up to the horizon and their media)
 * and a per-box cache of its encoded form, so the manifest is built once per publish version
 * and day rather than once per request. Reads only; the cache owns its entries, callers own the
 * bodies and proto structs they get. */
#ifndef LOALANG_MANIFEST_H
#define LOALANG_MANIFEST_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "store.h"

#define MANIFEST_HORIZON_DEFAULT 7  /* days */
#define MANIFEST_POLL_DEFAULT    60 /* seconds */
#define MANIFEST_VOLUME_DEFAULT  80
#define MANIFEST_ETAG_MAX        68 /* quoted 64 hex digits and NUL */

/* tz is borrowed and must outlive every use. */
typedef struct manifest_opts {
    GTimeZone *tz;
    int horizon_days; /* 1 … 60 */
    int poll_seconds; /* 1 … 86400 */
    int volume;       /* 0 … 100 */
} manifest_opts;

/* Fills *o with the defaults above and tz. */
void manifest_opts_default(manifest_opts *o, GTimeZone *tz);

/* Builds the manifest of box_id at now_ms into *out (zeroed; proto_manifest_clear it). The
 * airings are the live ones (not withdrawn) that target the box, start before horizon_end
 * (local midnight horizon_days after today) and end after today's local midnight — not after
 * now, so that the manifest and its ETag stay the same all day; the player skips what has
 * ended. Sorted by start, then id. -ENOENT no such box, -EACCES revoked box. */
int manifest_build(store *s, const manifest_opts *o, int64_t box_id, int64_t now_ms,
                   proto_manifest *out);

/* Is airing_id (live or withdrawn) addressed to box_id by its targets? *out false when the
 * airing does not exist. */
int manifest_box_targeted(store *s, int64_t box_id, const char *airing_id, bool *out);

typedef struct manifest_cache manifest_cache;

/* opts are copied and its tz referenced: a cache serves one set of options for its life (new
 * horizon, poll or volume settings: make a new cache). Free with manifest_cache_free. */
manifest_cache *manifest_cache_new(const manifest_opts *o);
void manifest_cache_free(manifest_cache *c);

/* The manifest of box_id for a request at now_ms. etag gets the strong ETag (quoted hash of
 * the manifest without server_time: it changes only with the content). When body_out is not
 * NULL it gets the JSON text (g_free) with server_time = now_ms spliced in, *len_out its
 * length; pass NULL to answer a matching If-None-Match with 304 without copying. An entry is
 * rebuilt when the latest schedule version, the box row (name, commune, revoked) or the local
 * day changes. The cache is locked internally, so threads may share it, each with its own
 * store. Errors as manifest_build. */
int manifest_cache_get(manifest_cache *c, store *s, int64_t box_id, int64_t now_ms,
                       char etag[MANIFEST_ETAG_MAX], char **body_out, size_t *len_out);

/* How many manifests the cache built (misses) since it was made: tests and benchmarks. */
uint64_t manifest_cache_builds(manifest_cache *c);

#endif
