/* serve: the running daemon's start-up, systemd integration and orderly stop. */
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>

#include "api.h"
#include "ingest.h"
#include "store_media.h"
#include "cli.h"
#include "config.h"
#include "log.h"
#include "vtime.h"
#include "wallclock.h"

#define PROG "loalangd"

/* ---- modules ---- */

static int health_init(serve_ctx *ctx);
static int api_init(serve_ctx *ctx);

/* Every API module's start-up, in order. One line per module. */
static const serve_module_init modules[] = {
    health_init,
    api_init,
    NULL,
};

static int health_get(http_req *r, void *ud)
{
    serve_ctx *ctx = ud;
    char now[VTIME_RFC3339_MAX];
    vtime_format_rfc3339(wallclock_now_ms(), ctx->tz, now);
    return http_reply_json(
        r, 200,
        json_pack("{s:s,s:s,s:s}", "status", "ok", "version", LOALANG_VERSION, "server_time", now));
}

static const http_route health_routes[] = {
    {.method = "GET", .pattern = "/api/v1/health", .handler = health_get},
};

static int health_init(serve_ctx *ctx)
{
    return http_server_add_routes(ctx->http, health_routes, G_N_ELEMENTS(health_routes), ctx);
}

/* ---- configuration ---- */

int serve_parse_listen(const char *s, char **addr, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    guint64 p;
    *addr = NULL;
    if (!colon || colon == s || !g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &p, NULL))
        return -EINVAL;
    if (s[0] == '[') {
        if (colon[-1] != ']' || colon - s < 3)
            return -EINVAL;
        *addr = g_strndup(s + 1, (gsize)(colon - s - 2));
    } else {
        *addr = g_strndup(s, (gsize)(colon - s));
        if (strchr(*addr, ':')) { /* a bare IPv6 address needs brackets */
            g_clear_pointer(addr, g_free);
            return -EINVAL;
        }
    }
    unsigned char raw[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, *addr, raw) != 1 && inet_pton(AF_INET6, *addr, raw) != 1) {
        g_clear_pointer(addr, g_free); /* numeric only: no name lookups at start-up */
        return -EINVAL;
    }
    *port = (uint16_t)p;
    return 0;
}

static int get_double(const config *c, const char *file, const char *group, const char *key,
                      double def, double min, double max, double *out, char **err)
{
    char *s = NULL, *end = NULL;
    int rc = config_get_string(c, group, key, NULL, &s, err);
    *out = def;
    if (rc != 0 || !s)
        return rc;
    double v = g_ascii_strtod(g_strstrip(s), &end);
    if (end == s || *end != '\0' || v < min || v > max) {
        *err = g_strdup_printf("%s: [%s] %s = \"%s\": cần một số trong khoảng %g..%g", file, group,
                               key, s, min, max);
        rc = -EINVAL;
    } else {
        *out = v;
    }
    g_free(s);
    return rc;
}

/* Our own messages name the file like config.h's do. */
static int load_keys(const config *c, const char *file, serve_config *cfg, char **err)
{
    char *listen = NULL;
    int64_t v[7];
    int rc = config_get_string(c, "server", "listen", SERVE_DEFAULT_LISTEN, &listen, err);
    if (rc == 0 && serve_parse_listen(listen, &cfg->address, &cfg->port) != 0) {
        *err = g_strdup_printf("%s: [server] listen = \"%s\": cần dạng ĐỊA_CHỈ:CỔNG (địa chỉ số)",
                               file, listen);
        rc = -EINVAL;
    }
    g_free(listen);
    if (rc || (rc = config_get_string(c, "server", "tls_cert", NULL, &cfg->tls_cert, err)) ||
        (rc = config_get_string(c, "server", "tls_key", NULL, &cfg->tls_key, err)) ||
        (rc = config_get_string(c, "server", "web_dir", NULL, &cfg->web_dir, err)) ||
        (rc = config_get_string(c, "server", "trusted_proxy", NULL, &cfg->trusted_proxy, err)) ||
        (rc = config_get_string(c, "server", "time_zone", VTIME_DEFAULT_ZONE, &cfg->time_zone,
                                err)) ||
        (rc = config_get_int(c, "server", "max_body", HTTP_DEFAULT_MAX_BODY, 1024, 64 << 20, &v[0],
                             err)) ||
        (rc = config_get_int(c, "server", "max_upload_mb", 200, 1, 4096, &v[1], err)) ||
        (rc = config_get_int(c, "server", "max_upload_minutes", 120, 1, 24 * 60, &v[2], err)) ||
        (rc = config_get_int(c, "server", "per_ip_connections", SERVE_PER_IP_DEFAULT, 0, 1000000,
                             &v[3], err)) ||
        (rc = config_get_int(c, "server", "header_timeout_seconds", 10, 1, 75, &v[6], err)) ||
        (rc = config_get_int(c, "server", "manifest_horizon_days", 7, 1, 62, &v[4], err)) ||
        (rc = config_get_int(c, "server", "poll_seconds", 60, 5, 3600, &v[5], err)))
        return rc;
    cfg->max_body = (size_t)v[0];
    cfg->max_upload_mb = v[1];
    cfg->max_upload_minutes = v[2];
    cfg->per_ip_connections = (unsigned)v[3];
    cfg->header_timeout_s = (unsigned)v[6];
    cfg->manifest_horizon_days = (int)v[4];
    cfg->poll_seconds = (int)v[5];
    int64_t bitrate;
    if ((rc = get_double(c, file, "media", "target_lufs", -16, -40, -5, &cfg->target_lufs, err)) ||
        (rc = get_double(c, file, "media", "true_peak_dbtp", -1, -10, 0, &cfg->true_peak_dbtp,
                         err)) ||
        (rc = config_get_int(c, "media", "bitrate", 32000, 6000, 256000, &bitrate, err)))
        return rc;
    cfg->bitrate = (int)bitrate;
    if ((cfg->tls_cert != NULL) != (cfg->tls_key != NULL)) {
        *err =
            g_strdup_printf("%s: [server] tls_cert và tls_key phải được khai báo cùng nhau", file);
        return -EINVAL;
    }
    char canon[HTTP_ADDR_MAX];
    if (cfg->trusted_proxy && http_address_canon(g_strstrip(cfg->trusted_proxy), canon) != 0) {
        *err = g_strdup_printf("%s: [server] trusted_proxy = \"%s\": cần một địa chỉ IP dạng số",
                               file, cfg->trusted_proxy);
        return -EINVAL;
    }
    GTimeZone *tz = NULL;
    if (vtime_zone_new(cfg->time_zone, &tz) != 0) {
        *err = g_strdup_printf("%s: [server] time_zone = \"%s\": múi giờ không tồn tại", file,
                               cfg->time_zone);
        return -EINVAL;
    }
    g_time_zone_unref(tz);
    return 0;
}

int serve_config_load(const char *path, serve_config *cfg, char **err)
{
    config *c = NULL;
    memset(cfg, 0, sizeof *cfg);
    *err = NULL;
    int rc = path ? config_load(path, &c, err) : 0;
    if (rc != 0)
        return rc;
    if (!c)
        c = config_new_empty();
    rc = load_keys(c, path ? path : "(cấu hình mặc định)", cfg, err);
    config_free(c);
    return rc;
}

void serve_config_clear(serve_config *cfg)
{
    g_free(cfg->address);
    g_free(cfg->tls_cert);
    g_free(cfg->tls_key);
    g_free(cfg->time_zone);
    g_free(cfg->web_dir);
    g_free(cfg->trusted_proxy);
    memset(cfg, 0, sizeof *cfg);
}

/* ---- running ---- */

typedef struct at_close_hook {
    void (*fn)(void *);
    void *arg;
} at_close_hook;

int serve_at_close(serve_ctx *ctx, void (*fn)(void *arg), void *arg)
{
    at_close_hook h = {fn, arg};
    g_array_append_val(ctx->at_close, h);
    return 0;
}

/* The server is closed: the modules' hooks run, newest first. */
static void run_at_close(void *arg)
{
    serve_ctx *ctx = arg;
    ctx->http = NULL;
    for (guint i = ctx->at_close->len; i > 0; i--) {
        at_close_hook *h = &g_array_index(ctx->at_close, at_close_hook, i - 1);
        h->fn(h->arg);
    }
}

static void on_http_closed(void *arg)
{
    serve_ctx *ctx = arg;
    run_at_close(ctx);
    uv_close((uv_handle_t *)&ctx->sigterm, NULL);
    uv_close((uv_handle_t *)&ctx->sigint, NULL);
    uv_close((uv_handle_t *)&ctx->watchdog, NULL);
}

static void on_signal(uv_signal_t *s, int signum)
{
    serve_ctx *ctx = s->data;
    if (ctx->stopping)
        return;
    ctx->stopping = true;
    log_info("%s: stopping", strsignal(signum));
    sd_notify(0, "STOPPING=1");
    uv_timer_stop(&ctx->watchdog);
    uv_signal_stop(&ctx->sigterm);
    uv_signal_stop(&ctx->sigint);
    http_server_close(ctx->http, on_http_closed, ctx);
}

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    sd_notify(0, "WATCHDOG=1");
}

/* 10,000 boxes long-polling need more descriptors than the usual soft limit of 1024. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int start_http(serve_ctx *ctx)
{
    const serve_config *cfg = &ctx->cfg;
    http_config hc = {
        .address = cfg->address,
        .port = cfg->port,
        .tls_cert = cfg->tls_cert,
        .tls_key = cfg->tls_key,
        .max_body = cfg->max_body,
        .per_ip_limit = cfg->per_ip_connections,
        .header_timeout_s = cfg->header_timeout_s,
        .trusted_proxy = cfg->trusted_proxy,
    };
    int rc = http_server_start(ctx->loop, &hc, &ctx->http);
    if (rc == -EADDRINUSE)
        cli_error(PROG, "địa chỉ %s cổng %u đang được chương trình khác sử dụng", cfg->address,
                  cfg->port);
    else if (rc == -EINVAL && cfg->tls_cert)
        cli_error(PROG, "không dùng được chứng chỉ TLS %s hoặc khoá %s", cfg->tls_cert,
                  cfg->tls_key);
    else if (rc == -EINVAL || rc == -EADDRNOTAVAIL)
        cli_error(PROG, "không lắng nghe được tại địa chỉ %s", cfg->address);
    else if (rc == -EACCES)
        cli_error(PROG,
                  "không có quyền lắng nghe tại cổng %u (cổng dưới 1024 cần quyền "
                  "CAP_NET_BIND_SERVICE)",
                  cfg->port);
    else if (rc != 0)
        cli_error(PROG, "không khởi động được máy chủ HTTP (mã lỗi %d)", -rc);
    return rc;
}

static void announce(serve_ctx *ctx)
{
    const char *a = ctx->cfg.address;
    bool v6 = strchr(a, ':') != NULL;
    printf("%s: đang phục vụ tại %s://%s%s%s:%u\n", PROG, ctx->cfg.tls_cert ? "https" : "http",
           v6 ? "[" : "", a, v6 ? "]" : "", http_server_port(ctx->http));
    fflush(stdout);
    sd_notify(0, "READY=1");
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec >= 2000)
        uv_timer_start(&ctx->watchdog, on_watchdog, 0, usec / 2000);
}

static int start_modules(serve_ctx *ctx)
{
    for (size_t i = 0; modules[i]; i++) {
        int rc = modules[i](ctx);
        if (rc != 0) {
            log_error("module %zu failed to start: %s", i, g_strerror(-rc));
            return rc;
        }
    }
    return 0;
}

static void run_loop(serve_ctx *ctx)
{
    uv_signal_init(ctx->loop, &ctx->sigterm);
    uv_signal_init(ctx->loop, &ctx->sigint);
    uv_timer_init(ctx->loop, &ctx->watchdog);
    ctx->sigterm.data = ctx->sigint.data = ctx->watchdog.data = ctx;
    uv_signal_start(&ctx->sigterm, on_signal, SIGTERM);
    uv_signal_start(&ctx->sigint, on_signal, SIGINT);
    announce(ctx);
    uv_run(ctx->loop, UV_RUN_DEFAULT);
}

int serve_run(const char *data_dir, const serve_config *cfg)
{
    char err[STORE_ERR_MAX];
    uv_loop_t loop;
    serve_ctx ctx = {.loop = &loop, .cfg = *cfg, .data_dir = data_dir};
    ctx.at_close = g_array_new(FALSE, FALSE, sizeof(at_close_hook));
    raise_fd_limit();
    uv_loop_init(&loop);
    int rc = vtime_zone_new(cfg->time_zone, &ctx.tz);
    if (rc == 0)
        rc = vtime_set_zone(cfg->time_zone); /* before any thread formats a time */
    if (rc == 0 && (rc = store_open(data_dir, &ctx.db, err, sizeof err)) != 0) {
        if (rc == -ENOENT)
            cli_error(PROG, "thư mục dữ liệu %s chưa được khởi tạo (chạy \"%s -d %s init\")",
                      data_dir, PROG, data_dir);
        else
            cli_error(PROG, "không mở được cơ sở dữ liệu: %s", err);
    }
    if (rc == 0 && (rc = start_http(&ctx)) == 0 && (rc = start_modules(&ctx)) != 0) {
        cli_error(PROG, "không khởi động được dịch vụ");
        http_server_close(ctx.http, run_at_close, &ctx); /* modules started may have hooks */
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    if (rc == 0)
        run_loop(&ctx);
    uv_loop_close(&loop);
    store_close(ctx.db);
    if (ctx.tz)
        g_time_zone_unref(ctx.tz);
    g_array_free(ctx.at_close, TRUE);
    return rc;
}

/* ---- the API module ---- */

static void api_close_hook(void *arg)
{
    api_close(arg, NULL, NULL);
}

/* The API: its routes on the server, after what a crash left in the media dir is swept. */
static int api_init(serve_ctx *ctx)
{
    const serve_config *c = &ctx->cfg;
    api_options o = {
        .data_dir = ctx->data_dir,
        .max_upload_bytes = (uint64_t)c->max_upload_mb * 1024 * 1024,
        .max_upload_ms = c->max_upload_minutes * 60 * 1000,
        .horizon_days = c->manifest_horizon_days,
        .poll_seconds = c->poll_seconds,
        .target_lufs = c->target_lufs,
        .true_peak_dbtp = c->true_peak_dbtp,
        .bitrate = c->bitrate,
        .web_dir = c->web_dir,
    };
    api *a = NULL;
    char *media = g_build_filename(ctx->data_dir, STORE_MEDIA_DIR, NULL);
    int swept = ingest_sweep_temps(media), orphans = 0;
    g_free(media);
    /* What a crash left between writing a media file and committing its row. */
    if (store_media_sweep_orphans(ctx->db, ctx->data_dir, &orphans) != 0)
        log_warn("media sweep: %s", store_errmsg(ctx->db));
    if (swept > 0 || orphans > 0)
        log_info("removed %d temp and %d orphan media files left by a crash", swept, orphans);
    int rc = api_create(ctx->loop, ctx->http, ctx->db, &o, &a);
    if (rc == 0)
        rc = serve_at_close(ctx, api_close_hook, a);
    return rc;
}
