/* store_communes: the communes (xã) of the district. Names are unique once normalised to NFC.
 * Writers run inside the caller's write transaction (store_begin) and audit themselves.
 * Lists are owned by the caller and released with store_commune_list_free. */
#ifndef LOALANG_STORE_COMMUNES_H
#define LOALANG_STORE_COMMUNES_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct store_commune {
    int64_t id;
    char *name;
    int64_t n_boxes; /* boxes registered, revoked included */
    int64_t created_ms;
} store_commune;

/* -EINVAL bad name, -EEXIST name taken. */
int store_commune_add(store *s, const char *who, const char *name, int64_t *id_out);
/* -ENOENT when no commune has this name. */
int store_commune_find(store *s, const char *name, int64_t *id_out);
/* All communes by name. */
int store_commune_list(store *s, store_commune **out, size_t *n_out);
void store_commune_list_free(store_commune *v, size_t n);

#endif
