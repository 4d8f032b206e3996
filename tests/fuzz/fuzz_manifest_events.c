/* fuzz_manifest_events: libFuzzer target for the two documents loalang-player takes from the
 * network and acts on without a person looking: the manifest and the events long-poll answer
 * (docs/architecture.md §5, §9). Parses them with the limits player/sync.c uses and checks what the
 * player relies on once a decode succeeds: every airing's media is listed with a valid sha256
 * (cache file names come from it), instants and durations add up without overflow (the
 * playout timeline sums them), poll period and volume in range, emergency events carry a
 * playable airing and stop events an id. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define SYNC_MANIFEST_MAX (16u << 20) /* player/sync.h */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void die(const char *what)
{
    fprintf(stderr, "fuzz_manifest_events: %s\n", what);
    abort();
}

static void check_airing(const proto_airing *a)
{
    if (!a->id || !a->id[0] || !hash_is_sha256_hex(a->media))
        die("airing without id or with a bad media name");
    if (a->duration_ms < 0 || a->start_ms > INT64_MAX - a->duration_ms)
        die("airing start + duration overflows");
}

static void check_manifest(const json_t *doc)
{
    proto_manifest m = {0};
    char err[PROTO_ERR_MAX];
    if (proto_manifest_from_json(doc, &m, err) != 0) {
        if (m.airings || m.media || m.box.id || !memchr(err, '\0', sizeof err))
            die("a refused manifest left data or no message");
        return;
    }
    if (m.poll_seconds < 1 || m.poll_seconds > 86400 || m.volume < 0 || m.volume > 100)
        die("poll_seconds or volume out of range");
    for (size_t i = 0; i < m.n_media; i++) {
        if (!hash_is_sha256_hex(m.media[i].sha256) || m.media[i].bytes < 0)
            die("media with a bad name or size");
    }
    for (size_t i = 0; i < m.n_airings; i++) {
        check_airing(&m.airings[i]);
        bool listed = false;
        for (size_t j = 0; j < m.n_media && !listed; j++)
            listed = strcmp(m.media[j].sha256, m.airings[i].media) == 0;
        if (!listed)
            die("an airing's media is not in the media list");
    }
    proto_manifest_clear(&m);
}

static void check_events(const json_t *doc)
{
    proto_events ev = {0};
    char err[PROTO_ERR_MAX];
    if (proto_events_from_json(doc, &ev, err) != 0) {
        if (ev.events || !memchr(err, '\0', sizeof err))
            die("refused events left data or no message");
        return;
    }
    if (ev.cursor < 0)
        die("negative cursor (the player stores it and sends it back)");
    for (size_t i = 0; i < ev.n_events; i++) {
        const proto_event *e = &ev.events[i];
        if (e->type == PROTO_EVENT_EMERGENCY)
            check_airing(&e->airing);
        if (e->type == PROTO_EVENT_STOP && (!e->airing_id || !e->airing_id[0]))
            die("stop event without an airing id");
    }
    proto_events_clear(&ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = NULL;
    char err[PROTO_ERR_MAX];
    if (proto_json_load((const char *)data, size, SYNC_MANIFEST_MAX, &doc, err) != 0)
        return 0;
    check_manifest(doc);
    check_events(doc);
    json_decref(doc);
    return 0;
}
