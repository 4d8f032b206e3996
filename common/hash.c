/* hash: SHA-256 of buffers and files as lowercase hex (GChecksum). */
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

/* Large enough to keep read() calls few on media files, small enough for any thread. */
#define READ_CHUNK (64 * 1024)

static void update(GChecksum *ck, const void *data, size_t len)
{
    /* g_checksum_update takes a gssize; feed huge buffers in pieces. */
    const guchar *p = data;
    while (len > 0) {
        size_t n = len > G_MAXSSIZE ? G_MAXSSIZE : len;
        g_checksum_update(ck, p, (gssize)n);
        p += n;
        len -= n;
    }
}

static void finish(GChecksum *ck, char hex[HASH_SHA256_HEX_LEN + 1])
{
    /* GChecksum's hex digest is lowercase, which is the form media are named by. */
    memcpy(hex, g_checksum_get_string(ck), HASH_SHA256_HEX_LEN);
    hex[HASH_SHA256_HEX_LEN] = '\0';
    g_checksum_free(ck);
}

void hash_sha256_buf(const void *data, size_t len, char hex[HASH_SHA256_HEX_LEN + 1])
{
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    update(ck, data, len);
    finish(ck, hex);
}

static int hash_fd(int fd, GChecksum *ck)
{
    guchar *buf = g_malloc(READ_CHUNK);
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            break;
        }
        if (n == 0)
            break;
        g_checksum_update(ck, buf, n);
    }
    g_free(buf);
    return rc;
}

int hash_sha256_file(const char *path, char hex[HASH_SHA256_HEX_LEN + 1])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    int rc = hash_fd(fd, ck);
    close(fd);
    if (rc < 0) {
        g_checksum_free(ck);
        return rc;
    }
    finish(ck, hex);
    return 0;
}

bool hash_is_sha256_hex(const char *s)
{
    if (s == NULL)
        return false;
    size_t i = 0;
    for (; s[i] != '\0'; i++) {
        if (i == HASH_SHA256_HEX_LEN ||
            !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return i == HASH_SHA256_HEX_LEN;
}
