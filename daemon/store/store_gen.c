/* store_gen: see store_gen.h. The counter is the first 8 bytes of a one-page shared mapping;
 * C11 atomics on it are safe across processes because a lock-free 64-bit atomic is a plain
 * aligned word on every target we build for (checked below). */
#include "store_gen.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define GEN_BYTES 4096

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "store_gen needs lock-free 64-bit atomics");

struct store_gen {
    _Atomic uint64_t *counter; /* in the shared mapping */
};

static int map_file(int fd, _Atomic uint64_t **out)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return -errno;
    /* Growing is idempotent, so two processes creating the file at once both succeed. */
    if (sb.st_size < GEN_BYTES && ftruncate(fd, GEN_BYTES) != 0)
        return -errno;
    void *p = mmap(NULL, GEN_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return -errno;
    *out = p;
    return 0;
}

int store_gen_open(const char *dir, store_gen **out)
{
    char *path = g_build_filename(dir, STORE_GEN_NAME, NULL);
    int ret = 0;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    _Atomic uint64_t *counter = NULL;
    *out = NULL;
    if (fd < 0) {
        ret = -errno;
        goto out;
    }
    ret = map_file(fd, &counter);
    if (ret != 0)
        goto out;
    *out = g_new0(store_gen, 1);
    (*out)->counter = counter;
out:
    if (fd >= 0)
        close(fd); /* the mapping stays valid */
    g_free(path);
    return ret;
}

void store_gen_close(store_gen *g)
{
    if (!g)
        return;
    munmap((void *)g->counter, GEN_BYTES);
    g_free(g);
}

uint64_t store_gen_read(const store_gen *g)
{
    /* +1: a new file reads 0, which callers take as "unknown" */
    return atomic_load_explicit(g->counter, memory_order_acquire) + 1;
}

void store_gen_bump(store_gen *g)
{
    uint64_t v = atomic_fetch_add_explicit(g->counter, 1, memory_order_release) + 2;
    if (v == 0) /* wrapped to the reserved 0: skip it */
        atomic_fetch_add_explicit(g->counter, 1, memory_order_release);
}
