/* cli: see cli.h. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int cli_parse(GOptionContext *ctx, const char *prog, int *argc, char ***argv)
{
    GError *gerr = NULL;
    if (g_option_context_parse(ctx, argc, argv, &gerr))
        return 0;
    fprintf(stderr, "%s: %s\nXem \"%s --help\" để biết cách dùng.\n", prog, gerr->message, prog);
    g_error_free(gerr);
    return -EINVAL;
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
