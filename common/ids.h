/* ids: random identifiers (UUIDv4 text) and secret tokens, from libsodium's CSPRNG.
 * Play ids are made by boxes and must never collide across 100,000 boxes; tokens are secrets. */
#ifndef LOALANG_IDS_H
#define LOALANG_IDS_H

#include <stdbool.h>
#include <stddef.h>

#define IDS_UUID_LEN 36

/* Initialises libsodium once; safe to call many times, from any thread. 0 or -EIO. */
int ids_init(void);
/* Writes a random RFC 4122 version-4 UUID, lowercase, "xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx". */
void ids_uuid4(char out[IDS_UUID_LEN + 1]);
/* True for any lowercase-or-uppercase hex UUID text of the 8-4-4-4-12 shape. */
bool ids_is_uuid(const char *s);
/* Writes a URL-safe random secret of `bytes` random bytes (base64url, no padding) into out;
 * out_len must be at least 4*bytes/3+2. Returns 0 or -ENOSPC. */
int ids_token(size_t bytes, char *out, size_t out_len);

#endif
