/* proto: the box protocol v1 (docs/architecture.md §5) as C types, with strict JSON codecs
 * (jansson). Decoders validate everything a peer could get wrong and name the offending field in
 * the error ("airings[2].start: not an RFC 3339 time"); unknown fields are ignored, as §5 says. */
#ifndef LOALANG_PROTO_H
#define LOALANG_PROTO_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "ids.h"

/* Bounds every decoder enforces (bytes of UTF-8, excluding NUL). */
#define PROTO_ID_MAX    64   /* airing ids, box ids, play ids */
#define PROTO_NAME_MAX  256  /* box, commune, programme names, genres */
#define PROTO_TITLE_MAX 512  /* piece titles */
#define PROTO_TEXT_MAX  2048 /* detail, last_error, free text */
#define PROTO_URL_MAX   1024
#define PROTO_MAX_ITEMS 10000 /* airings, media, plays, events per document */
#define PROTO_ERR_MAX   256   /* size of the error buffers decoders fill */

typedef enum proto_priority {
    PROTO_PRIORITY_NORMAL,
    PROTO_PRIORITY_PRIORITY,
    PROTO_PRIORITY_EMERGENCY,
} proto_priority;

typedef enum proto_outcome {
    PROTO_OUTCOME_COMPLETED,
    PROTO_OUTCOME_PARTIAL,
    PROTO_OUTCOME_FAILED,
    PROTO_OUTCOME_MISSED,
} proto_outcome;

typedef enum proto_event_type {
    PROTO_EVENT_MANIFEST_CHANGED,
    PROTO_EVENT_EMERGENCY,
    PROTO_EVENT_STOP,
} proto_event_type;

/* Strings in these structs are owned by the struct (g_malloc'd) and released by the matching
 * *_clear function; a zero-initialised struct is valid to clear. */

typedef struct proto_box {
    char *id, *name, *commune;
} proto_box;

typedef struct proto_airing {
    char *id;
    int64_t start_ms;
    int64_t duration_ms;
    proto_priority priority;
    char *program; /* may be NULL (one-off airings); encoded as "" */
    char *title;
    char *genre;
    char media[HASH_SHA256_HEX_LEN + 1];
} proto_airing;

typedef struct proto_media {
    char sha256[HASH_SHA256_HEX_LEN + 1];
    int64_t bytes;
    int64_t duration_ms;
    char *url;
} proto_media;

typedef struct proto_manifest {
    proto_box box;
    int64_t server_time_ms;
    int64_t horizon_end_ms;
    int poll_seconds; /* 1 … 86400 */
    int volume;       /* 0 … 100 */
    proto_airing *airings;
    size_t n_airings;
    proto_media *media;
    size_t n_media;
} proto_manifest;

typedef struct proto_play {
    char id[PROTO_ID_MAX + 1];
    char *airing;
    char media[HASH_SHA256_HEX_LEN + 1];
    int64_t scheduled_start_ms;
    int64_t started_at_ms; /* for `missed`: equal to scheduled_start */
    int64_t ended_at_ms;
    int64_t played_ms;
    proto_outcome outcome;
    char *detail; /* never NULL after decode ("" when absent) */
} proto_play;

typedef struct proto_plays {
    proto_play *plays;
    size_t n_plays;
} proto_plays;

typedef struct proto_rejected {
    char *id;
    char *error;
} proto_rejected;

typedef struct proto_plays_result {
    char **accepted;
    size_t n_accepted;
    char **duplicates;
    size_t n_duplicates;
    proto_rejected *rejected;
    size_t n_rejected;
} proto_plays_result;

typedef struct proto_box_status {
    char *agent_version;
    int64_t uptime_s;
    int64_t clock_offset_ms; /* box clock minus server clock, estimated */
    int64_t cache_bytes;
    int64_t cache_files;
    char **missing_media; /* sha256 hex strings */
    size_t n_missing_media;
    int64_t disk_free_bytes;
    char *playing_airing; /* NULL when idle; encoded as null */
    int volume;
    char *last_error; /* NULL when none; encoded as null */
} proto_box_status;

typedef struct proto_event {
    proto_event_type type;
    proto_airing airing; /* PROTO_EVENT_EMERGENCY only */
    char *airing_id;     /* PROTO_EVENT_STOP: the emergency airing to cancel */
    int64_t version;     /* PROTO_EVENT_MANIFEST_CHANGED: publish version, 0 if unknown */
} proto_event;

typedef struct proto_events {
    int64_t cursor;
    proto_event *events;
    size_t n_events;
} proto_events;

/* Text forms: "normal"/"priority"/"emergency", "completed"/"partial"/"failed"/"missed",
 * "manifest_changed"/"emergency"/"stop". *_parse return 0 or -EINVAL. */
const char *proto_priority_name(proto_priority p);
int proto_priority_parse(const char *s, proto_priority *out);
const char *proto_outcome_name(proto_outcome o);
int proto_outcome_parse(const char *s, proto_outcome *out);
const char *proto_event_type_name(proto_event_type t);

/* Where the daemon serves a media file and where a box fetches it when the manifest names no
 * url: "/media/SHA256.opus" (g_free it). */
char *proto_media_url(const char *sha256);

/* Encoders return a new json_t reference (caller json_decref()s), or NULL on allocation
 * failure. Times are written in zone tz (RFC 3339 with offset). */
json_t *proto_manifest_to_json(const proto_manifest *m, GTimeZone *tz);
json_t *proto_airing_to_json(const proto_airing *a, GTimeZone *tz);
json_t *proto_media_to_json(const proto_media *m);
json_t *proto_plays_to_json(const proto_plays *p, GTimeZone *tz);
json_t *proto_play_to_json(const proto_play *p, GTimeZone *tz);
json_t *proto_plays_result_to_json(const proto_plays_result *r);
json_t *proto_box_status_to_json(const proto_box_status *s);
json_t *proto_events_to_json(const proto_events *e, GTimeZone *tz);
json_t *proto_server_time_to_json(int64_t server_time_ms, GTimeZone *tz);

/* Decoders fill *out (which must be zeroed or cleared) and return 0, or return -EINVAL with a
 * NUL-terminated message naming the field in err (PROTO_ERR_MAX bytes) and leave *out cleared.
 * Semantic checks beyond types: ids non-empty and ≤ PROTO_ID_MAX; sha256 via hash_is_sha256_hex;
 * times RFC 3339 within UTC 0001-01-02 … 9999-12-30 (so any zone can write them back);
 * durations, bytes, played_ms ≥ 0; started_at ≤ ended_at; played_ms ≤
 * ended_at − started_at + 1000 (clock granularity); volume 0–100; array sizes ≤ PROTO_MAX_ITEMS;
 * every airing's media listed in "media" (manifest); no duplicate play ids in one batch. */
int proto_manifest_from_json(const json_t *j, proto_manifest *out, char err[PROTO_ERR_MAX]);
int proto_airing_from_json(const json_t *j, proto_airing *out, char err[PROTO_ERR_MAX]);
int proto_plays_from_json(const json_t *j, proto_plays *out, char err[PROTO_ERR_MAX]);
int proto_play_from_json(const json_t *j, proto_play *out, char err[PROTO_ERR_MAX]);
int proto_plays_result_from_json(const json_t *j, proto_plays_result *out, char err[PROTO_ERR_MAX]);
int proto_box_status_from_json(const json_t *j, proto_box_status *out, char err[PROTO_ERR_MAX]);
int proto_events_from_json(const json_t *j, proto_events *out, char err[PROTO_ERR_MAX]);
int proto_server_time_from_json(const json_t *j, int64_t *out, char err[PROTO_ERR_MAX]);

/* Parses a whole JSON document from a buffer with the limits every peer gets: at most
 * max_bytes, nesting at most 32 deep, valid UTF-8, no NUL in strings, one top-level object.
 * On error returns -EINVAL (or -E2BIG when over max_bytes) and a message in err. */
int proto_json_load(const char *buf, size_t len, size_t max_bytes, json_t **out,
                    char err[PROTO_ERR_MAX]);

void proto_airing_clear(proto_airing *a);
void proto_media_clear(proto_media *m);
void proto_manifest_clear(proto_manifest *m);
void proto_play_clear(proto_play *p);
void proto_plays_clear(proto_plays *p);
void proto_plays_result_clear(proto_plays_result *r);
void proto_box_status_clear(proto_box_status *s);
void proto_event_clear(proto_event *e);
void proto_events_clear(proto_events *e);

#endif
