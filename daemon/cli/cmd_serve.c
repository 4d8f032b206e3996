/* cmd_serve: `loalangd -d DIR serve [--listen ADDR:PORT] [--config FILE]`, the daemon itself
 * (serve.h). Exit 0 after a clean stop, 1 when it cannot start, 2 on a bad command line. */
#include <errno.h>
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "serve.h"

#define PROG "loalangd"

int cmd_serve(const cmd_globals *g, int argc, char **argv)
{
    char *listen = NULL, *config_path = NULL, *err = NULL, *addr = NULL;
    uint16_t port = 0;
    serve_config cfg;
    int status = 2;
    GOptionEntry entries[] = {
        {"listen", 0, 0, G_OPTION_ARG_STRING, &listen, "địa chỉ và cổng lắng nghe", "ĐỊA_CHỈ:CỔNG"},
        {"config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, "tệp cấu hình", "TỆP"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    memset(&cfg, 0, sizeof cfg);
    if (cli_parse(PROG, "- chạy máy chủ loalangd", entries, &argc, &argv) != 0)
        goto out;
    if (argc != 1) {
        cli_error(PROG, "cách dùng: %s -d THƯ_MỤC serve [--listen ĐỊA_CHỈ:CỔNG] [--config TỆP]",
                  PROG);
        goto out;
    }
    if (!g->data_dir) {
        cli_error(PROG, "thiếu thư mục dữ liệu: dùng -d THƯ_MỤC");
        goto out;
    }
    if (listen && serve_parse_listen(listen, &addr, &port) != 0) {
        cli_error(PROG,
                  "địa chỉ lắng nghe không hợp lệ: \"%s\" (cần dạng ĐỊA_CHỈ:CỔNG, "
                  "ví dụ 127.0.0.1:8080 hoặc [::1]:8080)",
                  listen);
        goto out;
    }
    status = 1;
    if (serve_config_load(config_path, &cfg, &err) != 0) {
        cli_error(PROG, "%s", err);
        goto out;
    }
    if (addr) {
        g_free(cfg.address);
        cfg.address = g_steal_pointer(&addr);
        cfg.port = port;
    }
    status = serve_run(g->data_dir, &cfg) == 0 ? 0 : 1;
out:
    serve_config_clear(&cfg);
    g_free(listen);
    g_free(addr);
    g_free(config_path);
    g_free(err);
    return status;
}
