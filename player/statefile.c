/* statefile: atomic replacement of small state files (temp + fsync + rename + dir fsync). */
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

int statefile_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

int statefile_write(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(dir, name, NULL);
    char *tmp = g_strconcat(path, ".tmp", NULL);
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    rc = fileio_write_all(fd, data, len);
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc == 0)
        rc = statefile_sync_dir(dir);
    if (rc != 0)
        unlink(tmp);
out:
    g_free(tmp);
    g_free(path);
    return rc;
}

int statefile_read(const char *dir, const char *name, size_t max, char **out, size_t *len)
{
    char *path = g_build_filename(dir, name, NULL);
    struct stat st;
    int rc = 0;
    gsize n = 0;
    if (stat(path, &st) != 0) {
        rc = -errno;
        goto out;
    }
    if ((size_t)st.st_size > max) {
        rc = -EFBIG;
        goto out;
    }
    if (!g_file_get_contents(path, out, &n, NULL)) {
        rc = -EIO;
        goto out;
    }
    if (len)
        *len = n;
out:
    g_free(path);
    return rc;
}
