/* store_boxes: loudspeaker boxes and their bearer tokens. A token is shown once, at creation;
 * the store keeps only its keyed hash (crypto_generichash with the per-install key). Writers
 * run inside the caller's write transaction and audit themselves; lists are caller-owned and
 * released with store_box_list_free. */
#ifndef LOALANG_STORE_BOXES_H
#define LOALANG_STORE_BOXES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define STORE_BOX_TOKEN_BYTES 32 /* random bytes in a token */
#define STORE_BOX_TOKEN_MAX   48 /* its base64url text with NUL fits here */

typedef struct store_box {
    int64_t id;
    char *name;
    char *commune;
    int64_t commune_id;
    bool revoked;
    int64_t created_ms;
    int64_t revoked_ms; /* 0 when not revoked */
} store_box;

/* Registers a box in an existing commune and writes its new token into token_out.
 * -EINVAL bad name, -EEXIST name taken, -ENOENT no such commune. */
int store_box_add(store *s, const char *who, const char *name, const char *commune, int64_t *id_out,
                  char token_out[STORE_BOX_TOKEN_MAX]);
/* The box a token belongs to; -EACCES for an unknown, malformed or revoked token. */
int store_box_verify(store *s, const char *token, int64_t *box_id_out);
/* -ENOENT no such box, -EALREADY already revoked. */
int store_box_revoke(store *s, const char *who, const char *name);
/* The ids of revoked boxes, ascending, into *ids_out (g_free; NULL when none). */
int store_box_revoked_ids(store *s, int64_t **ids_out, size_t *n_out);
/* All boxes by commune, then name. */
int store_box_list(store *s, store_box **out, size_t *n_out);
void store_box_list_free(store_box *v, size_t n);
/* One box by id; out's strings are released with store_box_clear. -ENOENT no such box. */
int store_box_get(store *s, int64_t id, store_box *out);
void store_box_clear(store_box *b);

#endif
