/* proto_json: field helpers shared by the proto_*.c codecs. Internal to common/: not part of
 * the public face of proto.h.
 *
 * Decoding: a decoder fetches an object's members with pj_members (one json_unpack_ex call),
 * then checks each member with pj_string/pj_int/pj_time, passing the path of the enclosing
 * object ("airings[3]", "" at top level) and the member's key. The path is joined only when
 * something fails, so errors read "airings[3].start: not an RFC 3339 time with offset".
 *
 * Encoding: pj_j* build json_t values that json_object_set_new can take (it accepts and
 * rejects NULL values cleanly, so a failed allocation surfaces as a non-zero return). */
#ifndef LOALANG_PROTO_JSON_H
#define LOALANG_PROTO_JSON_H

#include <glib.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* Room for the longest path we build, e.g. "events[9999].airing.duration_ms". */
#define PJ_PATH_MAX 64

/* What characters a string may hold. Every kind rejects NUL and control characters
 * (C0, DEL, C1) except where noted: names end up in logs, CSV exports and web pages. */
typedef enum pj_kind {
    PJ_ID,     /* 1..max bytes of [A-Za-z0-9._:-]: safe in URLs, file names and logs */
    PJ_SHA256, /* exactly 64 lowercase hex digits (hash_is_sha256_hex) */
    PJ_LINE,   /* one line of text: names, titles, urls */
    PJ_TEXT,   /* free text: \n and \t allowed (detail, last_error) */
} pj_kind;

#define PJ_REQUIRED 0u
#define PJ_OPTIONAL 1u /* absent → NULL */
#define PJ_NULLABLE 2u /* JSON null → NULL */

typedef struct pj_rule {
    pj_kind kind;
    size_t max; /* bytes of UTF-8 */
    unsigned flags;
} pj_rule;

#define PJ_RULE_ID     ((pj_rule){PJ_ID, PROTO_ID_MAX, PJ_REQUIRED})
#define PJ_RULE_SHA256 ((pj_rule){PJ_SHA256, HASH_SHA256_HEX_LEN, PJ_REQUIRED})
#define PJ_RULE_NAME   ((pj_rule){PJ_LINE, PROTO_NAME_MAX, PJ_REQUIRED})

/* Writes "path.key: <message>" (or "path: …" / "key: …" when one is empty or NULL) into err
 * and returns -EINVAL, so callers can `return pj_fail(…)`. */
int pj_fail(char *err, const char *path, const char *key, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* Fails unless j is an object, then runs json_unpack_ex with fmt, which should only use
 * "s?o" pairs: members absent from j leave their json_t * untouched (set them NULL first). */
int pj_members(const json_t *j, const char *path, char *err, const char *fmt, ...);

/* Checks member v (NULL when absent) against rule. *out borrows from v (NULL for an absent
 * optional or a null nullable member). */
int pj_string_ref(const json_t *v, const char *path, const char *key, pj_rule rule,
                  const char **out, char *err);
/* Same, with a g_strdup'd copy in *out; *out is left NULL on failure. */
int pj_string(const json_t *v, const char *path, const char *key, pj_rule rule, char **out,
              char *err);
/* Fixed-size buffers: out must hold rule.max + 1 bytes. Required members only. */
int pj_string_buf(const json_t *v, const char *path, const char *key, pj_rule rule, char *out,
                  char *err);
/* An array of strings, each checked against rule (flags ignored: elements are required).
 * *out and *n are set only on success; elements are g_strdup'd. */
int pj_strings(const json_t *v, const char *path, const char *key, pj_rule rule, char ***out,
               size_t *n, char *err);

/* A required JSON integer in min … max. */
int pj_int(const json_t *v, const char *path, const char *key, int64_t min, int64_t max,
           int64_t *out, char *err);
/* pj_int for C int members (volume, poll_seconds); min and max must fit an int. */
int pj_int_small(const json_t *v, const char *path, const char *key, int min, int max, int *out,
                 char *err);
/* A required RFC 3339 time with offset, as UTC epoch milliseconds; vtime_instant_writable. */
int pj_time(const json_t *v, const char *path, const char *key, int64_t *out, char *err);
/* A required array of at most PROTO_MAX_ITEMS elements; *n gets its size. */
int pj_array(const json_t *v, const char *path, const char *key, size_t *n, char *err);
/* "path[i]" into buf (PJ_PATH_MAX bytes), for the elements of an array member. */
void pj_index(char *buf, const char *path, const char *key, size_t i);

/* Encoding. pj_jstring writes NULL as "", pj_jnullable writes it as null. */
json_t *pj_jstring(const char *s);
json_t *pj_jnullable(const char *s);
json_t *pj_jint(int64_t v);
json_t *pj_jtime(int64_t ms, GTimeZone *tz);
json_t *pj_jstrings(char *const *v, size_t n);

/* The airing decoder with a path prefix, shared by the manifest and the emergency event. */
int proto_airing_decode_at(const json_t *j, const char *path, proto_airing *out, char *err);

#endif
