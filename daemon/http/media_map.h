/* media_map: shared read-only memory maps of media files, kept for reuse across downloads.
 * Media files are immutable and named by their hash, so a map stays valid while its inode
 * lives; a reply writes straight from it (one send per reply instead of MHD's 128 KiB
 * sendfile rounds). Loop thread only: nothing here locks. */
#ifndef LOALANG_MEDIA_MAP_H
#define LOALANG_MEDIA_MAP_H

#include <stddef.h>
#include <sys/stat.h>

typedef struct media_map media_map;
typedef struct media_map_ref media_map_ref;

/* A cache holding at most max_files maps of at most max_bytes in total (address space; the
 * pages are the page cache's). The caller owns the cache and frees it with media_map_free. */
int media_map_new(size_t max_files, size_t max_bytes, media_map **out);
/* Drops the cache's own references; maps still used by replies live until their last unref. */
void media_map_free(media_map *mm);

/* A reference to the map of the regular file open on fd, whose fstat is sb (the cache keys on
 * device, inode, size and mtime). fd stays the caller's. *out is the caller's: release it with
 * media_map_unref. -EINVAL for an empty file (nothing to map), else 0 or -errno from mmap. */
int media_map_get(media_map *mm, int fd, const struct stat *sb, media_map_ref **out);
/* The cached map of the file whose stat (by path) is sb, without opening it: a download of a
 * file already mapped then costs a stat, not open + fstat + close (a fifth of a small file's
 * time in the profile). *out as for media_map_get; -ENOENT when that file is not cached. */
int media_map_find(media_map *mm, const struct stat *sb, media_map_ref **out);
const char *media_map_data(const media_map_ref *ref);
size_t media_map_size(const media_map_ref *ref);
/* Has the signature of a free callback (void *) so a reply can release it. */
void media_map_unref(void *ref);

#endif
