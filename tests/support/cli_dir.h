/* cli_dir: a temp data dir for tests of the loalangd commands, and runs of the real binary on
 * it with stdout and stderr captured. cli_dir_free removes the temp dir and frees everything;
 * out and err belong to the cli_dir and are replaced by the next run. */
#ifndef LOALANG_TEST_CLI_DIR_H
#define LOALANG_TEST_CLI_DIR_H

#include <stdbool.h>
#include <stdint.h>

struct store;

typedef struct cli_dir {
    char *tmp;       /* the temp dir */
    char *dir;       /* tmp/data, what -d names; not created (run "init") */
    char *out, *err; /* of the last run */
} cli_dir;

typedef struct cli_run_opts {
    bool no_dir;          /* leave out -d DIR */
    const char *password; /* piped to stdin as one line when non-NULL */
} cli_run_opts;

/* A new temp dir named from template ("loalang-cli-XXXXXX"). */
cli_dir *cli_dir_new(const char *template);
void cli_dir_free(cli_dir *d);
/* Runs loalangd [-d DIR] args… (NULL-terminated); fails the test unless it exits normally.
 * The exit status. */
int cli_run(cli_dir *d, ...);
int cli_run_with(cli_dir *d, cli_run_opts o, ...);
/* The last line of the last run's stdout, without trailing white space, e.g. the id that
 * `box add` or `piece import` prints alone there (g_free). */
char *cli_last_line(const cli_dir *d);
/* Opens the data dir's store; fails the test otherwise. The caller store_close()s it. */
struct store *cli_open_store(const cli_dir *d);
/* The integer in the first column of the first row of sql (e.g. "SELECT count(*) …") on the
 * data dir's store; fails the test when there is no row. */
int64_t cli_count(const cli_dir *d, const char *sql);

#endif
