/* replay: a plain main for a libFuzzer target, so its seed corpus and every reproducer in it run
 * in each CTest build (gcc, ASan) without libFuzzer. Arguments: files or directories of inputs;
 * a target reports a problem by aborting, as under libFuzzer. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    char *buf = NULL;
    gsize len = 0;
    GError *err = NULL;
    if (!g_file_get_contents(path, &buf, &len, &err)) {
        fprintf(stderr, "replay: %s\n", err->message);
        g_error_free(err);
        return -1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    g_free(buf);
    return 0;
}

static gint cmp_paths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or the files of a directory in name order, so a failing run is easy to repeat. */
static int run_path(const char *path, unsigned *count)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    if (!dir) {
        ++*count;
        return run_file(path);
    }
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    for (const char *n; (n = g_dir_read_name(dir));)
        g_ptr_array_add(paths, g_build_filename(path, n, NULL));
    g_dir_close(dir);
    g_ptr_array_sort(paths, cmp_paths);
    int rc = 0;
    for (guint i = 0; i < paths->len && rc == 0; i++) {
        ++*count;
        rc = run_file(paths->pdata[i]);
    }
    g_ptr_array_unref(paths);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        if (run_path(argv[i], &count) != 0)
            return 1;
    }
    printf("replay: %u inputs, no failure\n", count);
    return 0;
}
