/* tmpdir: temp dirs for tests: made from a template, removed with all they hold, and a fresh
 * data dir inside one with its store open (the fixture of the tests that work on a store).
 * Failures fail the running cmocka test. Paths are g_malloc'd: tmpdir_remove frees the one it
 * removes, the caller g_frees the others; the store is the caller's (store_close). */
#ifndef LOALANG_TEST_TMPDIR_H
#define LOALANG_TEST_TMPDIR_H

#include "store.h"

/* A new temp dir named from template (e.g. "loalang-plans-XXXXXX"). */
char *tmpdir_new(const char *template);
/* Removes path and everything below it (rm -rf), then g_frees path; NULL does nothing. */
void tmpdir_remove(char *path);
/* Initialises the data dir tmp/data and opens its store; the data dir's path goes to
 * *dir_out. */
store *tmpdir_store(const char *tmp, char **dir_out);

#endif
