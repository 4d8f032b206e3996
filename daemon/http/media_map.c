/* media_map: a small LRU of read-only maps of media files, each counted by reference. A map
 * of a file deleted since (orphan sweep) keeps its blocks until it leaves the cache: at most
 * the cache's byte cap. */
#include "media_map.h"

#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <sys/mman.h>

struct media_map_ref {
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
    char *data;
    size_t size;
    unsigned refs;
    GList *link; /* in the cache's LRU while cached, else NULL */
};

struct media_map {
    GQueue lru; /* most recently used at the head */
    size_t max_files, max_bytes, bytes;
};

int media_map_new(size_t max_files, size_t max_bytes, media_map **out)
{
    if (!max_files || !max_bytes)
        return -EINVAL;
    media_map *mm = g_new0(media_map, 1);
    g_queue_init(&mm->lru);
    mm->max_files = max_files;
    mm->max_bytes = max_bytes;
    *out = mm;
    return 0;
}

void media_map_unref(void *p)
{
    media_map_ref *ref = p;
    if (!ref || --ref->refs)
        return;
    munmap(ref->data, ref->size);
    g_free(ref);
}

static void uncache(media_map *mm, media_map_ref *ref)
{
    g_queue_delete_link(&mm->lru, ref->link);
    ref->link = NULL;
    mm->bytes -= ref->size;
    media_map_unref(ref);
}

void media_map_free(media_map *mm)
{
    if (!mm)
        return;
    while (mm->lru.head)
        uncache(mm, mm->lru.head->data);
    g_free(mm);
}

static bool same_file(const media_map_ref *ref, const struct stat *sb)
{
    return ref->dev == sb->st_dev && ref->ino == sb->st_ino && ref->size == (size_t)sb->st_size &&
           ref->mtime.tv_sec == sb->st_mtim.tv_sec && ref->mtime.tv_nsec == sb->st_mtim.tv_nsec;
}

static media_map_ref *lookup(media_map *mm, const struct stat *sb)
{
    for (GList *l = mm->lru.head; l; l = l->next) {
        media_map_ref *ref = l->data;
        if (same_file(ref, sb)) {
            g_queue_unlink(&mm->lru, l);
            g_queue_push_head_link(&mm->lru, l);
            return ref;
        }
    }
    return NULL;
}

static void insert(media_map *mm, media_map_ref *ref)
{
    if (ref->size > mm->max_bytes)
        return; /* served from its own map, never kept */
    while (mm->lru.length &&
           (mm->lru.length >= mm->max_files || mm->bytes + ref->size > mm->max_bytes))
        uncache(mm, mm->lru.tail->data);
    ref->refs++;
    g_queue_push_head(&mm->lru, ref);
    ref->link = mm->lru.head;
    mm->bytes += ref->size;
}

int media_map_get(media_map *mm, int fd, const struct stat *sb, media_map_ref **out)
{
    if (!S_ISREG(sb->st_mode) || sb->st_size <= 0)
        return -EINVAL;
    media_map_ref *ref = lookup(mm, sb);
    if (!ref) {
        /* Read-ahead, not MAP_POPULATE: a file not in the page cache is then read while the
         * first reply goes out (which waits on the pages it reaches, as sendfile did), not in
         * one synchronous read here before it. Media just ingested or fetched by other boxes
         * is in the page cache anyway. */
        void *p = mmap(NULL, (size_t)sb->st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            return -errno;
        (void)madvise(p, (size_t)sb->st_size, MADV_WILLNEED); /* advice only */
        ref = g_new0(media_map_ref, 1);
        *ref = (media_map_ref){.dev = sb->st_dev,
                               .ino = sb->st_ino,
                               .mtime = sb->st_mtim,
                               .data = p,
                               .size = (size_t)sb->st_size};
        insert(mm, ref);
    }
    ref->refs++;
    *out = ref;
    return 0;
}

int media_map_find(media_map *mm, const struct stat *sb, media_map_ref **out)
{
    media_map_ref *ref = S_ISREG(sb->st_mode) ? lookup(mm, sb) : NULL;
    *out = NULL;
    if (!ref)
        return -ENOENT;
    ref->refs++;
    *out = ref;
    return 0;
}

const char *media_map_data(const media_map_ref *ref)
{
    return ref->data;
}

size_t media_map_size(const media_map_ref *ref)
{
    return ref->size;
}
