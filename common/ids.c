/* ids: UUIDv4 play ids and secret tokens from libsodium's CSPRNG. */
#include "ids.h"

#include <errno.h>
#include <glib.h>
#include <sodium.h>

int ids_init(void)
{
    /* sodium_init is itself idempotent and thread-safe: 0 first time, 1 after, -1 on failure. */
    return sodium_init() < 0 ? -EIO : 0;
}

void ids_uuid4(char out[IDS_UUID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    (void)ids_init();
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    size_t o = 0;
    for (size_t i = 0; i < sizeof b; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0f];
    }
    out[o] = '\0';
}

bool ids_is_uuid(const char *s)
{
    if (s == NULL)
        return false;
    for (size_t i = 0; i < IDS_UUID_LEN; i++) {
        bool dash_here = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash_here ? s[i] != '-' : !g_ascii_isxdigit(s[i]))
            return false;
    }
    return s[IDS_UUID_LEN] == '\0';
}

int ids_token(size_t bytes, char *out, size_t out_len)
{
    const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    if (out_len < sodium_base64_ENCODED_LEN(bytes, variant))
        return -ENOSPC;
    (void)ids_init();
    unsigned char *raw = g_malloc(bytes > 0 ? bytes : 1);
    randombytes_buf(raw, bytes);
    sodium_bin2base64(out, out_len, raw, bytes, variant);
    /* The raw bytes are the secret too: don't leave them in freed memory. */
    sodium_memzero(raw, bytes);
    g_free(raw);
    return 0;
}
