/* cmd_schedule: `loalangd schedule fill|check PLAN` on plan files. */
#include "commands.h"

#include "cli.h"

int cmd_schedule(const cmd_globals *g, int argc, char **argv)
{
    (void)g;
    (void)argc;
    (void)argv;
    cli_error("loalangd", "lệnh schedule chưa sẵn sàng");
    return 1;
}
