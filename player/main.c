/* loalang-player: the agent on each loudspeaker box. This entry point parses the options;
 * the manifest sync, media cache, playout and report queue arrive with issue 4. */
#include <glib.h>
#include <locale.h>
#include <stdio.h>

#include "cli.h"

static const char *const PROG = "loalang-player";

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    gboolean version = FALSE;
    char *config_path = NULL;
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "tệp cấu hình", "TỆP"},
        {"version", 'V', 0, G_OPTION_ARG_NONE, &version, "in phiên bản", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *ctx = g_option_context_new("— tác tử phát trên cụm loa");
    g_option_context_add_main_entries(ctx, entries, NULL);
    int rc = cli_parse(ctx, PROG, &argc, &argv);
    g_option_context_free(ctx);
    if (rc != 0)
        return 2;
    if (version) {
        cli_print_version(PROG);
        g_free(config_path);
        return 0;
    }
    cli_error(PROG, "chưa thể phát: phần phát của loalang-player chưa được xây dựng "
                    "(đang phát triển).");
    g_free(config_path);
    return 1;
}
