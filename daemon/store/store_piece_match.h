/* store_piece_match: which stored piece a plan file's [piece …] section names (cmd_plan's
 * import): by id first, else by title. Read only; the strings in a match are g_malloc'd and
 * released with store_piece_match_clear. */
#ifndef LOALANG_STORE_PIECE_MATCH_H
#define LOALANG_STORE_PIECE_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

typedef struct store_piece_match {
    char *id, *status, *genre;
    int64_t approved_with_title; /* approved pieces with the title asked for */
} store_piece_match;

/* The piece with id, or when there is none, the piece titled title (NFC), approved first,
 * newest first. *found false (and *out zeroed) when neither exists. */
int store_piece_match_find(store *s, const char *id, const char *title, store_piece_match *out,
                           bool *found);
void store_piece_match_clear(store_piece_match *m);

#endif
