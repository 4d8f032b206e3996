/* loalangd: the central daemon's entry point. Parses the global options and hands the rest
 * of the command line to the subcommand named first (see commands.h). */
#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char *const PROG = "loalangd";

static void print_usage(void)
{
    printf("Cách dùng: %s [-d THƯ_MỤC] LỆNH [THAM SỐ…]\n\n"
           "Lệnh:\n",
           PROG);
    for (const cmd_entry *c = cmd_table; c->name; c++) {
        /* Pad by characters, not bytes: the usages hold Vietnamese letters. */
        long pad = 38 - g_utf8_strlen(c->usage, -1);
        if (pad > 0)
            printf("  %s%*s %s\n", c->usage, (int)pad, "", c->summary);
        else
            printf("  %s\n  %38s %s\n", c->usage, "", c->summary);
    }
    printf("\nTuỳ chọn chung:\n"
           "  -d, --data-dir THƯ_MỤC                  thư mục dữ liệu của loalangd\n"
           "  -h, --help                              in hướng dẫn này\n"
           "  -V, --version                           in phiên bản\n");
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    cmd_globals g = {0};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            print_usage();
            return 0;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            cli_print_version(PROG);
            return 0;
        } else if ((!strcmp(a, "-d") || !strcmp(a, "--data-dir")) && i + 1 < argc) {
            g.data_dir = argv[++i];
        } else if (!strncmp(a, "--data-dir=", 11)) {
            g.data_dir = a + 11;
        } else {
            cli_error(PROG, "tuỳ chọn không hợp lệ: %s\nXem \"%s --help\".", a, PROG);
            return 2;
        }
    }
    if (i >= argc) {
        print_usage();
        return 2;
    }
    for (const cmd_entry *c = cmd_table; c->name; c++) {
        if (!strcmp(argv[i], c->name))
            return c->run(&g, argc - i, argv + i);
    }
    cli_error(PROG, "lệnh không hợp lệ: %s\nXem \"%s --help\".", argv[i], PROG);
    return 2;
}
