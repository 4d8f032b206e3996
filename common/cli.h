/* cli: shared command-line conventions for loalangd and loalang-player (GOptionContext).
 * Both programs answer --version the same way and report option errors in one format. */
#ifndef LOALANG_CLI_H
#define LOALANG_CLI_H

#include <glib.h>

/* Parses argv in place with entries (NULL-terminated; consumed options are removed), summary
 * the --help line after the program's name. On an option error prints "PROG: MESSAGE" and a
 * hint to use --help to stderr (in Vietnamese) and returns -EINVAL. */
int cli_parse(const char *prog, const char *summary, const GOptionEntry *entries, int *argc,
              char ***argv);
/* Prints "PROG (loalang) VERSION" to stdout. */
void cli_print_version(const char *prog);
/* Prints "PROG: " and the formatted message to stderr; for user-facing errors. */
void cli_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
