/* serve: `loalangd serve`, the running daemon. Reads the configuration, opens the store, starts
 * the HTTP server on one libuv loop, lets every API module add its routes, tells systemd it is
 * ready (and keeps its watchdog fed), and on SIGTERM/SIGINT closes the server, then the store.
 *
 * Ownership: serve_run owns the loop, the store and the server; modules borrow them through
 * serve_ctx for the life of the loop and release their own things in serve_at_close hooks. */
#ifndef LOALANG_SERVE_H
#define LOALANG_SERVE_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "http.h"
#include "store.h"

#define SERVE_DEFAULT_LISTEN "127.0.0.1:8080"

/* The configuration file's [server] and [media] groups (docs/server.md lists every key). */
/* Connections one address may hold unless configured: generous, because a carrier's NAT puts
 * hundreds of boxes (a few connections each) behind one address; small enough that one
 * client cannot take every connection the server has (docs/server.md). */
#define SERVE_PER_IP_DEFAULT 1000

typedef struct serve_config {
    char *address; /* numeric IPv4 or IPv6, from listen = ADDR:PORT */
    uint16_t port;
    char *tls_cert, *tls_key; /* both or neither; NULL = plain HTTP */
    char *time_zone;          /* IANA name; default Asia/Ho_Chi_Minh */
    size_t max_body;          /* bytes of a JSON request body */
    int64_t max_upload_mb;
    int64_t max_upload_minutes;
    unsigned per_ip_connections; /* 0 = no limit */
    unsigned header_timeout_s;   /* request headers must be in within this */
    char *trusted_proxy;         /* numeric address whose X-Forwarded-For is believed; NULL */
    int manifest_horizon_days;
    int poll_seconds; /* what boxes are told to use between polls */
    double target_lufs;
    double true_peak_dbtp;
    int bitrate;   /* bit/s of the Opus voice encoding */
    char *web_dir; /* the web UI's files; NULL = the build's default (api_web.c) */
} serve_config;

/* What every module gets at start-up. */
typedef struct serve_ctx {
    uv_loop_t *loop;
    store *db;
    http_server *http;
    serve_config cfg;
    GTimeZone *tz; /* cfg.time_zone, opened */
    const char *data_dir;
    /* private */
    GArray *at_close;
    uv_signal_t sigterm, sigint;
    uv_timer_t watchdog;
    bool stopping;
} serve_ctx;

/* A module's start-up: adds its routes (http_server_add_routes with ctx as ud, or its own
 * state) and starts its timers. 0, or a negative code that stops the daemon. */
typedef int (*serve_module_init)(serve_ctx *ctx);

/* Loads path (NULL: every default). Errors -ENOENT/-EINVAL with a Vietnamese message in *err
 * (g_free). cfg is cleared with serve_config_clear even on failure. */
int serve_config_load(const char *path, serve_config *cfg, char **err);
void serve_config_clear(serve_config *cfg);
/* "ADDR:PORT" or "[IPv6]:PORT" with a numeric address → *addr (g_malloc'd) and *port;
 * -EINVAL when malformed (host names included). */
int serve_parse_listen(const char *s, char **addr, uint16_t *port);

/* Runs fn(arg) when the daemon stops: after the HTTP server has closed (no request is in
 * progress), before the store closes. Hooks run in the reverse order of registration. */
int serve_at_close(serve_ctx *ctx, void (*fn)(void *arg), void *arg);

/* Runs the daemon until SIGTERM/SIGINT. Prints errors for people on stderr. Returns 0 after a
 * clean stop, -EADDRINUSE / -EINVAL / -ENOENT / -EIO when it could not start. */
int serve_run(const char *data_dir, const serve_config *cfg);

#endif
