/* cache: the box's media files, named by content (cache/<sha256>.opus). Fetches what the
 * manifest's airings need, soonest airing first, two at a time; downloads go to .part files
 * resumed with Range/If-Range and are renamed into place only after their sha256 is verified
 * (on the thread pool), so a kill -9 at any moment leaves nothing playable that is corrupt.
 * Files found at start are trusted only once hashed again (soonest needed first, on the pool;
 * on the loop if one must play before its turn), as is a file changed since it was hashed.
 * A download stops as soon as it would pass the size the manifest declares, or leave less free
 * space than the reserve the report queue needs; a .part outlives a failed attempt only as a
 * prefix to resume. Evicts media no airing needs, then the furthest-needed when over the cap,
 * never media needed within 48 hours. cache owns its files and downloads; it borrows the loop
 * and the net. */
#ifndef LOALANG_PLAYER_CACHE_H
#define LOALANG_PLAYER_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "net.h"
#include "proto.h"

#define CACHE_PARALLEL      2
#define CACHE_KEEP_AHEAD_MS ((int64_t)48 * 3600 * 1000)
/* A download whose size no manifest declares (an emergency known only from its event) stops
 * here: an hour of speech at the daemon's 32 kbit/s is about 15 MB. */
#define CACHE_MEDIA_MAX_BYTES ((int64_t)64 << 20)

/* What downloads may take. keep_free_bytes: free space left on the cache's filesystem for the
 * report queue and the state files (no download starts, or goes on, that would leave less).
 * A download slower than min_rate bytes/s over slow_seconds is dropped and retried with the
 * backoff: it holds one of the CACHE_PARALLEL slots. 2 KB/s (16 kbit/s) is far below what even a
 * poor 3G link gives (100 kbit/s and up); the window lets a stalled link recover first. */
typedef struct cache_limits {
    int64_t keep_free_bytes;
    long min_rate, slow_seconds;
} cache_limits;
#define CACHE_KEEP_FREE_DEFAULT    ((int64_t)32 << 20)
#define CACHE_MIN_RATE_DEFAULT     2048L
#define CACHE_SLOW_SECONDS_DEFAULT 60L
#define CACHE_LIMITS_DEFAULT                                                                       \
    ((cache_limits){.keep_free_bytes = CACHE_KEEP_FREE_DEFAULT,                                    \
                    .min_rate = CACHE_MIN_RATE_DEFAULT,                                            \
                    .slow_seconds = CACHE_SLOW_SECONDS_DEFAULT})

typedef struct player_cache player_cache;

/* Called on the loop when a media file has been verified and is ready to play. */
typedef void (*cache_ready_cb)(const char *sha256, void *data);

/* Opens dir (created if absent) and lists the verified files in it. n may be NULL: then
 * nothing is downloaded (playout tests, a box with no server configured). cap_bytes 0: none. */
int cache_open(uv_loop_t *loop, player_net *n, const char *dir, int64_t cap_bytes,
               player_cache **out);
void cache_set_ready_cb(player_cache *c, cache_ready_cb cb, void *data);
/* CACHE_LIMITS_DEFAULT until set; applies to downloads started afterwards. */
void cache_set_limits(player_cache *c, const cache_limits *l);
/* Replaces the set of wanted media by what the manifest's airings that end after now need,
 * starts downloads and evicts. Emergency media asked for by cache_want_urgent stay wanted. */
int cache_want(player_cache *c, const proto_manifest *m, int64_t now_ms);
/* Fetches one media ahead of everything else (an emergency). url NULL: /media/<sha>.opus. */
int cache_want_urgent(player_cache *c, const char *sha256, const char *url, int64_t now_ms);
/* The path (g_malloc'd) of a copy whose sha256 is right, or NULL when there is none. A copy
 * not verified since start, or changed since (size, mtime, ctime, inode), is hashed first, on
 * the loop; a damaged one is deleted, logged and fetched again. */
char *cache_path(player_cache *c, const char *sha256);
/* A copy is in place: verified, or found at start and not checked yet. */
bool cache_has(player_cache *c, const char *sha256);
/* A damaged copy was deleted since open and no good one has arrived since. */
bool cache_damaged(const player_cache *c, const char *sha256);
/* Files in place not verified since open (tests, benchmarks: 0 once the check at start ended). */
size_t cache_unverified(const player_cache *c);
/* Deletes what the eviction rules allow; *evicted (may be NULL) counts the files. */
int cache_evict(player_cache *c, int64_t now_ms, size_t *evicted);
void cache_stats(player_cache *c, int64_t *bytes, int64_t *files);
/* Wanted media not cached yet: a g_malloc'd NULL-terminated array (g_strfreev). */
char **cache_missing(player_cache *c);
/* Number of downloads that failed verification since open (tests, status). */
uint64_t cache_rejected(const player_cache *c);
/* Cancels downloads; the struct is released once hashing jobs in flight have finished. */
void cache_free(player_cache *c);

#endif
