/* fuzz_proto: libFuzzer target for the box protocol's JSON codecs (docs/architecture.md §5, §9).
 * Loads the input as a peer's document and runs every decoder on it. A decoder that fails must
 * leave its struct cleared and a message; one that succeeds must survive encode → decode unchanged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "vtime.h"

#define MAX_DOC (1 << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static GTimeZone *tz;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (vtime_zone_new(NULL, &tz) != 0)
        abort();
    return 0;
}

/* A broken contract: as loud as a crash, so libFuzzer keeps the input. */
static void die(const char *codec, const char *what, const json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_SORT_KEYS) : NULL;
    fprintf(stderr, "fuzz_proto: %s: %s\n%s\n", codec, what, text ? text : "");
    free(text);
    abort();
}

/* ---- equality of decoded values ---- */

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool strv_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++) {
        if (!str_eq(a[i], b[i]))
            return false;
    }
    return true;
}

static bool airing_eq(const proto_airing *a, const proto_airing *b)
{
    return str_eq(a->id, b->id) && a->start_ms == b->start_ms && a->duration_ms == b->duration_ms &&
           a->priority == b->priority && str_eq(a->program, b->program) &&
           str_eq(a->title, b->title) && str_eq(a->genre, b->genre) &&
           strcmp(a->media, b->media) == 0;
}

static bool media_eq(const proto_media *a, const proto_media *b)
{
    return strcmp(a->sha256, b->sha256) == 0 && a->bytes == b->bytes &&
           a->duration_ms == b->duration_ms && str_eq(a->url, b->url);
}

static bool manifest_eq(const proto_manifest *a, const proto_manifest *b)
{
    bool eq = str_eq(a->box.id, b->box.id) && str_eq(a->box.name, b->box.name) &&
              str_eq(a->box.commune, b->box.commune) && a->server_time_ms == b->server_time_ms &&
              a->horizon_end_ms == b->horizon_end_ms && a->poll_seconds == b->poll_seconds &&
              a->volume == b->volume && a->n_airings == b->n_airings && a->n_media == b->n_media;
    for (size_t i = 0; eq && i < a->n_airings; i++)
        eq = airing_eq(&a->airings[i], &b->airings[i]);
    for (size_t i = 0; eq && i < a->n_media; i++)
        eq = media_eq(&a->media[i], &b->media[i]);
    return eq;
}

static bool play_eq(const proto_play *a, const proto_play *b)
{
    return strcmp(a->id, b->id) == 0 && str_eq(a->airing, b->airing) &&
           strcmp(a->media, b->media) == 0 && a->scheduled_start_ms == b->scheduled_start_ms &&
           a->started_at_ms == b->started_at_ms && a->ended_at_ms == b->ended_at_ms &&
           a->played_ms == b->played_ms && a->outcome == b->outcome && str_eq(a->detail, b->detail);
}

static bool plays_eq(const proto_plays *a, const proto_plays *b)
{
    bool eq = a->n_plays == b->n_plays;
    for (size_t i = 0; eq && i < a->n_plays; i++)
        eq = play_eq(&a->plays[i], &b->plays[i]);
    return eq;
}

static bool plays_result_eq(const proto_plays_result *a, const proto_plays_result *b)
{
    bool eq = strv_eq(a->accepted, a->n_accepted, b->accepted, b->n_accepted) &&
              strv_eq(a->duplicates, a->n_duplicates, b->duplicates, b->n_duplicates) &&
              a->n_rejected == b->n_rejected;
    for (size_t i = 0; eq && i < a->n_rejected; i++)
        eq = str_eq(a->rejected[i].id, b->rejected[i].id) &&
             str_eq(a->rejected[i].error, b->rejected[i].error);
    return eq;
}

static bool status_eq(const proto_box_status *a, const proto_box_status *b)
{
    return str_eq(a->agent_version, b->agent_version) && a->uptime_s == b->uptime_s &&
           a->clock_offset_ms == b->clock_offset_ms && a->cache_bytes == b->cache_bytes &&
           a->cache_files == b->cache_files &&
           strv_eq(a->missing_media, a->n_missing_media, b->missing_media, b->n_missing_media) &&
           a->disk_free_bytes == b->disk_free_bytes &&
           str_eq(a->playing_airing, b->playing_airing) && a->volume == b->volume &&
           str_eq(a->last_error, b->last_error);
}

static bool events_eq(const proto_events *a, const proto_events *b)
{
    bool eq = a->cursor == b->cursor && a->n_events == b->n_events;
    for (size_t i = 0; eq && i < a->n_events; i++) {
        const proto_event *x = &a->events[i], *y = &b->events[i];
        eq = x->type == y->type && airing_eq(&x->airing, &y->airing) &&
             str_eq(x->airing_id, y->airing_id) && x->version == y->version;
    }
    return eq;
}

static bool time_eq(const int64_t *a, const int64_t *b)
{
    return *a == *b;
}

/* ---- encoders with the zone, in the shape the round trip wants ---- */

static json_t *manifest_enc(const proto_manifest *m)
{
    return proto_manifest_to_json(m, tz);
}

static json_t *airing_enc(const proto_airing *a)
{
    return proto_airing_to_json(a, tz);
}

static json_t *plays_enc(const proto_plays *p)
{
    return proto_plays_to_json(p, tz);
}

static json_t *play_enc(const proto_play *p)
{
    return proto_play_to_json(p, tz);
}

static json_t *events_enc(const proto_events *e)
{
    return proto_events_to_json(e, tz);
}

static json_t *time_enc(const int64_t *ms)
{
    return proto_server_time_to_json(*ms, tz);
}

static void time_clear(int64_t *ms)
{
    *ms = 0;
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i])
            return false;
    }
    return true;
}

/* What a peer receives: the encoded value as text, loaded with the same limits. */
static json_t *over_the_wire(const char *codec, json_t *encoded)
{
    char *text = json_dumps(encoded, JSON_COMPACT);
    json_t *doc = NULL;
    char err[PROTO_ERR_MAX];
    if (!text || proto_json_load(text, strlen(text), MAX_DOC, &doc, err) != 0)
        die(codec, text ? err : "json_dumps failed", encoded);
    free(text);
    json_decref(encoded);
    return doc;
}

/* check_NAME(doc): decode doc as T into a zeroed value. On failure the value must still be
 * zero and err a message; on success encode, send as text, decode again and compare. */
#define ROUND_TRIP(NAME, T, DECODE, ENCODE, EQUAL, CLEAR)                                          \
    static void check_##NAME(const json_t *doc)                                                    \
    {                                                                                              \
        T a, b;                                                                                    \
        char err[PROTO_ERR_MAX];                                                                   \
        memset(&a, 0, sizeof a);                                                                   \
        memset(&b, 0, sizeof b);                                                                   \
        memset(err, 'x', sizeof err);                                                              \
        if (DECODE(doc, &a, err) != 0) {                                                           \
            if (!all_zero(&a, sizeof a) || !memchr(err, '\0', sizeof err))                         \
                die(#NAME, "a failed decode left a value or no message", doc);                     \
            return;                                                                                \
        }                                                                                          \
        json_t *again = ENCODE(&a);                                                                \
        if (!again)                                                                                \
            die(#NAME, "a decoded value does not encode", doc);                                    \
        again = over_the_wire(#NAME, again);                                                       \
        if (DECODE(again, &b, err) != 0)                                                           \
            die(#NAME, err, again);                                                                \
        if (!EQUAL(&a, &b))                                                                        \
            die(#NAME, "the value changed in encode → decode", again);                             \
        json_decref(again);                                                                        \
        CLEAR(&a);                                                                                 \
        CLEAR(&b);                                                                                 \
    }

ROUND_TRIP(manifest, proto_manifest, proto_manifest_from_json, manifest_enc, manifest_eq,
           proto_manifest_clear)
ROUND_TRIP(airing, proto_airing, proto_airing_from_json, airing_enc, airing_eq, proto_airing_clear)
ROUND_TRIP(plays, proto_plays, proto_plays_from_json, plays_enc, plays_eq, proto_plays_clear)
ROUND_TRIP(play, proto_play, proto_play_from_json, play_enc, play_eq, proto_play_clear)
ROUND_TRIP(plays_result, proto_plays_result, proto_plays_result_from_json,
           proto_plays_result_to_json, plays_result_eq, proto_plays_result_clear)
ROUND_TRIP(status, proto_box_status, proto_box_status_from_json, proto_box_status_to_json,
           status_eq, proto_box_status_clear)
ROUND_TRIP(events, proto_events, proto_events_from_json, events_enc, events_eq, proto_events_clear)
ROUND_TRIP(server_time, int64_t, proto_server_time_from_json, time_enc, time_eq, time_clear)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = NULL;
    char err[PROTO_ERR_MAX];
    if (proto_json_load((const char *)data, size, MAX_DOC, &doc, err) != 0)
        return 0;
    check_manifest(doc);
    check_airing(doc);
    check_plays(doc);
    check_play(doc);
    check_plays_result(doc);
    check_status(doc);
    check_events(doc);
    check_server_time(doc);
    json_decref(doc);
    return 0;
}
