/* cli: see cli.h. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int cli_parse(const char *prog, const char *summary, const GOptionEntry *entries, int *argc,
              char ***argv)
{
    GError *gerr = NULL;
    GOptionContext *ctx = g_option_context_new(summary);
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc = g_option_context_parse(ctx, argc, argv, &gerr) ? 0 : -EINVAL;
    if (rc != 0) {
        fprintf(stderr, "%s: %s\nXem \"%s --help\" để biết cách dùng.\n", prog, gerr->message,
                prog);
        g_error_free(gerr);
    }
    g_option_context_free(ctx);
    return rc;
}

void cli_print_version(const char *prog)
{
    printf("%s (loalang) %s\n", prog, LOALANG_VERSION);
}

void cli_error(const char *prog, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
