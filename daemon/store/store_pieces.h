/* store_pieces: pieces (tin bài) and their review history (piece_reviews). Readers return
 * jansson objects in the HTTP API's shape, so handlers send them as they are; the caller owns
 * (json_decref) what it gets. Writers run inside the caller's write transaction, write a
 * piece_reviews row for every status change and an audit row for every change.
 *
 * Status flow: draft → submitted → approved | rejected; rejected → submitted;
 * draft | submitted | approved → retired. Rejecting needs a note. Metadata can be edited only
 * while a piece is draft or rejected: what an approver approved does not change under them.
 *
 * Errors beyond store.h's: -EINVAL invalid field or a transition the flow does not allow
 * (store_errmsg says which), -ENOENT unknown piece, commune or media, -EPERM an edit of a
 * piece that is not draft or rejected. */
#ifndef LOALANG_STORE_PIECES_H
#define LOALANG_STORE_PIECES_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ids.h"
#include "store.h"

#define STORE_PIECE_TITLE_MAX 512 /* bytes of UTF-8, also for theme and exemplar */
#define STORE_PIECE_NOTE_MAX  2000
#define STORE_PIECE_LIMIT_MAX 500

/* Metadata given by a person. In create: title and genre required, the rest optional (NULL).
 * In update: NULL leaves a field as it is; "" clears theme, exemplar or commune. */
typedef struct store_piece_meta {
    const char *title;
    const char *genre;    /* news|article|report|interview|jingle */
    const char *theme;    /* the month's theme it serves */
    const char *exemplar; /* the exemplar (điển hình) it features */
    const char *commune;  /* name of the commune it is about */
    const char *priority; /* normal|priority|emergency; create default normal */
} store_piece_meta;

/* List filters; zero/NULL fields do not filter. Months are local calendar months in tz. */
typedef struct store_piece_filter {
    const char *month;          /* 'YYYY-MM': created in that month */
    const char *approved_month; /* 'YYYY-MM': (last) approved in that month */
    const char *genre;
    const char *status;
    const char *commune;     /* commune name */
    const char *text;        /* substring of title, theme or exemplar (ASCII case-insensitive) */
    int64_t only_commune_id; /* > 0: only pieces about this commune (an operator's view) */
    int64_t limit;           /* <= 0: 100; at most STORE_PIECE_LIMIT_MAX */
    int64_t offset;
} store_piece_filter;

/* A draft piece over existing media (its duration comes from the media row). */
int store_piece_create(store *s, const char *who, const char *media_sha256,
                       const store_piece_meta *m, char id_out[IDS_UUID_LEN + 1]);

/* The piece with its "reviews" (oldest first). Times are RFC 3339 in tz. */
int store_piece_get(store *s, GTimeZone *tz, const char *id, json_t **out);

/* {"pieces":[…],"total":N} newest first; total counts all matches, ignoring limit/offset. */
int store_piece_list(store *s, GTimeZone *tz, const store_piece_filter *f, json_t **out);

int store_piece_update(store *s, const char *who, const char *id, const store_piece_meta *m);

/* Moves a piece to status `to` along the flow above; note required for "rejected". */
int store_piece_transition(store *s, const char *who, const char *id, const char *to,
                           const char *note);

/* True when status is one of the statuses above ("draft", "submitted" …); api_words.h names
 * them in Vietnamese. */
bool store_piece_status_known(const char *status);

#endif
