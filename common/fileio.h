/* fileio: small helpers on file descriptors shared by daemon and player. Nothing here
 * allocates; the caller owns (and closes) every descriptor it passes in. */
#ifndef LOALANG_FILEIO_H
#define LOALANG_FILEIO_H

#include <stddef.h>

/* Writes all len bytes of buf to fd, retrying short writes and EINTR. 0, -errno of the
 * failing write(2), or -EIO when write(2) wrote nothing without an error. */
int fileio_write_all(int fd, const void *buf, size_t len);

#endif
