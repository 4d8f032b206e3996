/* media_map: maps are shared while the file is the same, replaced when the file is, evicted
 * by count and by size, and outlive the cache while a reply still holds them. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "media_map.h"

typedef struct fx {
    char *dir;
} fx;

static int setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->dir = g_dir_make_tmp("loalang-media-map-XXXXXX", NULL);
    assert_non_null(f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    g_free(cmd);
    g_free(f->dir);
    g_free(f);
    return 0;
}

/* Writes text to dir/name through a new inode (temp + rename, like the media store). */
static void put(const fx *f, const char *name, const char *text)
{
    char *tmp = g_build_filename(f->dir, "tmp", NULL);
    char *path = g_build_filename(f->dir, name, NULL);
    assert_true(g_file_set_contents(tmp, text, -1, NULL));
    assert_int_equal(g_rename(tmp, path), 0);
    g_free(tmp);
    g_free(path);
}

/* Opens dir/name and takes a map of it; rc is media_map_get's. */
static int get(const fx *f, media_map *mm, const char *name, media_map_ref **ref)
{
    char *path = g_build_filename(f->dir, name, NULL);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    g_free(path);
    assert_true(fd >= 0);
    struct stat sb;
    assert_int_equal(fstat(fd, &sb), 0);
    int rc = media_map_get(mm, fd, &sb, ref);
    close(fd);
    return rc;
}

static void test_shared_while_same_file(void **state)
{
    fx *f = *state;
    media_map *mm;
    media_map_ref *a, *b;
    assert_int_equal(media_map_new(4, 1 << 20, &mm), 0);
    put(f, "a.opus", "bản tin sáng");
    assert_int_equal(get(f, mm, "a.opus", &a), 0);
    assert_int_equal(get(f, mm, "a.opus", &b), 0);
    assert_ptr_equal(a, b);
    assert_int_equal(media_map_size(a), strlen("bản tin sáng"));
    assert_memory_equal(media_map_data(a), "bản tin sáng", media_map_size(a));
    media_map_unref(a);
    media_map_unref(b);
    media_map_free(mm);
}

static void test_replaced_file_gets_new_map(void **state)
{
    fx *f = *state;
    media_map *mm;
    media_map_ref *a, *b;
    assert_int_equal(media_map_new(4, 1 << 20, &mm), 0);
    put(f, "a.opus", "cũ");
    assert_int_equal(get(f, mm, "a.opus", &a), 0);
    put(f, "a.opus", "mới");
    assert_int_equal(get(f, mm, "a.opus", &b), 0);
    assert_ptr_not_equal(a, b);
    /* The old map still reads the old bytes: a reply in flight is never torn. */
    assert_memory_equal(media_map_data(a), "cũ", strlen("cũ"));
    assert_memory_equal(media_map_data(b), "mới", strlen("mới"));
    media_map_unref(a);
    media_map_unref(b);
    media_map_free(mm);
}

static void test_eviction_by_count_and_bytes(void **state)
{
    fx *f = *state;
    media_map *mm;
    media_map_ref *a, *b, *c, *a2;
    assert_int_equal(media_map_new(2, 10, &mm), 0);
    put(f, "a", "aaaa");
    put(f, "b", "bbbb");
    put(f, "c", "cccc");
    assert_int_equal(get(f, mm, "a", &a), 0);
    assert_int_equal(get(f, mm, "b", &b), 0);
    assert_int_equal(get(f, mm, "c", &c), 0); /* a, the least recently used, leaves */
    assert_int_equal(get(f, mm, "a", &a2), 0);
    assert_ptr_not_equal(a, a2);
    assert_memory_equal(media_map_data(a), "aaaa", 4); /* still held, still readable */
    media_map_unref(a);
    media_map_unref(a2);
    media_map_unref(b);
    media_map_unref(c);
    /* Bigger than the whole cache: served, never kept. */
    put(f, "big", "0123456789ABCDEF");
    media_map_ref *big, *big2;
    assert_int_equal(get(f, mm, "big", &big), 0);
    assert_int_equal(get(f, mm, "big", &big2), 0);
    assert_ptr_not_equal(big, big2);
    media_map_unref(big);
    media_map_unref(big2);
    media_map_free(mm);
}

static void test_outlives_cache_and_refuses_empty(void **state)
{
    fx *f = *state;
    media_map *mm;
    media_map_ref *a, *e = NULL;
    assert_int_equal(media_map_new(4, 1 << 20, &mm), 0);
    put(f, "a", "còn đọc được");
    put(f, "empty", "");
    assert_int_equal(get(f, mm, "a", &a), 0);
    assert_int_equal(get(f, mm, "empty", &e), -EINVAL);
    assert_null(e);
    media_map_free(mm);
    assert_memory_equal(media_map_data(a), "còn đọc được", strlen("còn đọc được"));
    media_map_unref(a);
    assert_int_equal(media_map_new(0, 1, &mm), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shared_while_same_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replaced_file_gets_new_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eviction_by_count_and_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outlives_cache_and_refuses_empty, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
