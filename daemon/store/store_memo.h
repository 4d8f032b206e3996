/* store_memo: a small fixed-size cache of facts read from the database (a box token's box, a
 * media file's row), each kept with the store generation it was read at, so a fact is reused
 * only while no process has committed since, and never for longer than STORE_MEMO_TTL_MS (a
 * hand edit with the sqlite3 shell does not move the generation). Keys are fixed-length bytes
 * that attackers cannot aim at one slot (keyed hashes, content hashes); they are compared in
 * constant time. One thread at a time, like the store. */
#ifndef LOALANG_STORE_MEMO_H
#define LOALANG_STORE_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_MEMO_TTL_MS 10000

typedef struct store_memo store_memo;

/* slots entries of key_len and val_len bytes (each 1 … 256). *out is freed with
 * store_memo_free. -EINVAL for sizes out of range. */
int store_memo_new(size_t slots, size_t key_len, size_t val_len, store_memo **out);
void store_memo_free(store_memo *m);

/* Copies key's value into val and returns true when it was put at generation gen no longer
 * than the TTL before now_ms. gen 0 (unknown) never matches. */
bool store_memo_get(const store_memo *m, uint64_t gen, int64_t now_ms, const void *key, void *val);

/* Keeps key → val as read at generation gen (read before the database was), replacing whatever
 * shared its slot. */
void store_memo_put(store_memo *m, uint64_t gen, int64_t now_ms, const void *key, const void *val);

#endif
