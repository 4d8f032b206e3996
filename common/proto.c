/* proto: the box protocol v1 (docs/architecture.md §5): enum names and the guarded document loader.
 * The codecs live beside it, one concern per file:
 *   proto_json.c      field checks and value builders shared by all codecs (internal)
 *   proto_manifest.c  manifest, box, airing, media
 *   proto_plays.c     play reports and the plays result
 *   proto_status.c    box status and server time
 *   proto_events.c    the long-poll events document
 *
 * Wire format (field names are the contract; unknown fields are ignored by both sides).
 * Times are RFC 3339 strings with a ±HH:MM offset; ids are 1–64 bytes of [A-Za-z0-9._:-];
 * sha256 values are 64 lowercase hex digits. Strings reject control characters, except \n and
 * \t in detail and last_error.
 *
 * GET /api/v1/box/manifest → manifest
 *   box            object  {id: id, name: string ≤256, commune: string ≤256}
 *   server_time    time
 *   horizon_end    time
 *   poll_seconds   integer 1…86400
 *   volume         integer 0…100
 *   airings        array (≤10000) of airing
 *   media          array (≤10000) of media; every airing's media must be listed here
 * airing (also the "airing" of an emergency event)
 *   id id; start time; duration_ms integer ≥0; priority "normal"|"priority"|"emergency";
 *   program string ≤256 ("" for one-off airings; optional, absent = ""); title string ≤512;
 *   genre string ≤256; media sha256
 * media
 *   sha256 sha256; bytes integer ≥0; duration_ms integer ≥0; url string ≤1024
 *
 * POST /api/v1/box/plays ← {"plays": [play, …]} (≤10000, no id twice)
 * play
 *   id id (made by the box); airing id; media sha256; scheduled_start time; started_at time;
 *   ended_at time (≥ started_at); played_ms integer ≥0, ≤ ended_at − started_at + 1000
 *   (0 for "missed"); outcome "completed"|"partial"|"failed"|"missed"; detail text ≤2048
 *   (optional, absent = "")
 * → plays result
 *   accepted [id, …]; duplicates [id, …]; rejected [{id: string ≤64 (may be "" when the
 *   report had no usable id), error: text ≤2048}, …]
 *
 * POST /api/v1/box/status ← box status
 *   agent_version string ≤256; uptime_s integer ≥0; clock_offset_ms integer (box − server);
 *   cache_bytes, cache_files integer ≥0; missing_media [sha256, …]; disk_free_bytes integer
 *   ≥0; playing airing id or null (optional); volume integer 0…100; last_error text ≤2048 or
 *   null (optional)
 * → server time
 *   {"server_time": time}
 *
 * GET /api/v1/box/events?after=<cursor> → events
 *   cursor integer ≥0; events array (≤10000) of one of
 *     {"type": "manifest_changed", "version": integer ≥0 (optional, 0 = unknown)}
 *     {"type": "emergency", "airing": airing}
 *     {"type": "stop", "airing": id of the emergency airing to cancel}
 *   Events of other types are skipped, so later versions can add types (§5: add, never break).
 */
#include "proto.h"

#include <errno.h>
#include <string.h>

#define PROTO_MAX_DEPTH 32

static const char *const priority_names[] = {"normal", "priority", "emergency"};
static const char *const outcome_names[] = {"completed", "partial", "failed", "missed"};
static const char *const event_names[] = {"manifest_changed", "emergency", "stop"};

static int parse_name(const char *s, const char *const *names, size_t n, int *out)
{
    for (size_t i = 0; s && i < n; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *proto_priority_name(proto_priority p)
{
    return (unsigned)p < G_N_ELEMENTS(priority_names) ? priority_names[p] : "?";
}

int proto_priority_parse(const char *s, proto_priority *out)
{
    int v = 0;
    int rc = parse_name(s, priority_names, G_N_ELEMENTS(priority_names), &v);
    if (rc == 0)
        *out = (proto_priority)v;
    return rc;
}

const char *proto_outcome_name(proto_outcome o)
{
    return (unsigned)o < G_N_ELEMENTS(outcome_names) ? outcome_names[o] : "?";
}

int proto_outcome_parse(const char *s, proto_outcome *out)
{
    int v = 0;
    int rc = parse_name(s, outcome_names, G_N_ELEMENTS(outcome_names), &v);
    if (rc == 0)
        *out = (proto_outcome)v;
    return rc;
}

const char *proto_event_type_name(proto_event_type t)
{
    return (unsigned)t < G_N_ELEMENTS(event_names) ? event_names[t] : "?";
}

/* Measures bracket nesting outside strings before jansson sees the text: its own limit is
 * 2048 levels of recursion, far more than any honest document needs. Malformed text is left
 * for the parser to report. */
static bool nesting_within(const char *buf, size_t len, int max)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_string) {
            if (c == '\\')
                i++; /* skip the escaped character, which may be a quote */
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                return false;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return true;
}

int proto_json_load(const char *buf, size_t len, size_t max_bytes, json_t **out,
                    char err[PROTO_ERR_MAX])
{
    *out = NULL;
    if (len > max_bytes) {
        g_snprintf(err, PROTO_ERR_MAX, "document of %zu bytes exceeds the limit of %zu bytes", len,
                   max_bytes);
        return -E2BIG;
    }
    if (!buf || !nesting_within(buf, len, PROTO_MAX_DEPTH)) {
        g_snprintf(err, PROTO_ERR_MAX, "%s", buf ? "nested deeper than 32 levels" : "no document");
        return -EINVAL;
    }
    json_error_t jerr;
    /* Without JSON_ALLOW_NUL jansson refuses \u0000; it always refuses invalid UTF-8 and
     * trailing garbage. JSON_DECODE_ANY lets a scalar through so the check below can name
     * the real problem. */
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!j) {
        g_snprintf(err, PROTO_ERR_MAX, "invalid JSON at line %d, column %d: %s", jerr.line,
                   jerr.column, jerr.text);
        return -EINVAL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        g_snprintf(err, PROTO_ERR_MAX, "top level: must be a JSON object");
        return -EINVAL;
    }
    *out = j;
    return 0;
}
