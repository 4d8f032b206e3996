/* hash: SHA-256 of buffers and files, as the lowercase hex names media go by.
 * Media are addressed by content everywhere (store paths, URLs, manifests), so the hex form
 * and its validator live here. */
#ifndef LOALANG_HASH_H
#define LOALANG_HASH_H

#include <stdbool.h>
#include <stddef.h>

#define HASH_SHA256_HEX_LEN 64

/* Writes 64 lowercase hex digits and a NUL into hex. */
void hash_sha256_buf(const void *data, size_t len, char hex[HASH_SHA256_HEX_LEN + 1]);
/* Streams the file; returns 0, or a negative errno (-ENOENT, -EACCES, -EIO …). */
int hash_sha256_file(const char *path, char hex[HASH_SHA256_HEX_LEN + 1]);
/* True only for exactly 64 characters of [0-9a-f] (uppercase is rejected: one name per file). */
bool hash_is_sha256_hex(const char *s);

#endif
