/* loalangd: the central daemon's entry point. Parses the global options and hands the rest
 * of the command line to the subcommand named first (see commands.h). */
#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char *const PROG = "loalangd";

/* One "  LEFT  summary" row; pads by characters, not bytes (the text is Vietnamese), and puts
 * the summary on its own line when LEFT is too long. */
static void print_row(const char *left, const char *summary)
{
    long pad = 38 - g_utf8_strlen(left, -1);
    if (pad > 0)
        printf("  %s%*s %s\n", left, (int)pad, "", summary);
    else
        printf("  %s\n  %38s %s\n", left, "", summary);
}

static void print_usage(void)
{
    printf("Cách dùng: %s [-d THƯ_MỤC] LỆNH [THAM SỐ…]\n\nLệnh:\n", PROG);
    for (const cmd_entry *c = cmd_table; c->name; c++)
        print_row(c->usage, c->summary);
    printf("\nTuỳ chọn chung:\n");
    print_row("-d, --data-dir THƯ_MỤC", "thư mục dữ liệu của loalangd");
    print_row("-h, --help", "in hướng dẫn này");
    print_row("-V, --version", "in phiên bản");
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
