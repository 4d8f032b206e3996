/* statefile: small files of the player's state directory (the last good manifest, the events
 * cursor) written so that a power cut leaves either the old or the new content, never a mix:
 * temp file, fsync, rename, fsync of the directory. */
#ifndef LOALANG_PLAYER_STATEFILE_H
#define LOALANG_PLAYER_STATEFILE_H

#include <stddef.h>

/* Replaces dir/name with len bytes of data. 0 or a negative errno. */
int statefile_write(const char *dir, const char *name, const void *data, size_t len);
/* Reads dir/name into a g_malloc'd, NUL-terminated *out (caller g_free()s). -ENOENT when absent,
 * -EFBIG when over max bytes. */
int statefile_read(const char *dir, const char *name, size_t max, char **out, size_t *len);
/* fsync of a directory, so a rename or unlink in it survives a power cut. */
int statefile_sync_dir(const char *dir);

#endif
