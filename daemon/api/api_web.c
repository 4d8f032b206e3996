/* api_web: serves the web UI's static files (daemon/web) from a directory on disk: `/` is
 * index.html and `/static/NAME` the scripts, styles and icons. NAME must be a plain file name
 * of [a-z0-9_-] with one known extension, so nothing from the request can leave the directory
 * (no slash, no dot-dot, no hidden files). Files are small and read whole; the ETag is their
 * SHA-256 and Cache-Control asks browsers to revalidate, so an upgrade shows at once while a
 * slow link costs only a 304. A strict Content-Security-Policy forbids inline script and
 * foreign origins: the UI never needs either.
 *
 * The directory: [server] web_dir in the configuration, else LOALANG_WEB_DIR when the build
 * defines it, else daemon/web beside this source's folder (a build from the source tree). */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "api_internal.h"
#include "hash.h"
#include "log.h"

#define WEB_FILE_MAX (2u << 20) /* a UI file above this is a packaging mistake */
#define WEB_NAME_MAX 64

static const struct {
    const char *ext;
    const char *type;
} TYPES[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".json", "application/json; charset=utf-8"},
};

#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "                   \
    "frame-ancestors 'none'; form-action 'self'"

/* The Content-Type for a safe file name, or NULL when the name is not one we serve. */
static const char *web_type(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    const char *dot = name ? strchr(name, '.') : NULL;
    if (n == 0 || n > WEB_NAME_MAX || !dot || dot == name || strchr(dot + 1, '.'))
        return NULL;
    for (const char *p = name; p < dot; p++)
        if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '-' && *p != '_')
            return NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(TYPES); i++)
        if (!strcmp(dot, TYPES[i].ext))
            return TYPES[i].type;
    return NULL;
}

static char *web_dir(const api *a)
{
    if (a->opt.web_dir)
        return g_strdup(a->opt.web_dir);
#ifdef LOALANG_WEB_DIR
    return g_strdup(LOALANG_WEB_DIR);
#else
    char *src = g_path_get_dirname(__FILE__);
    char *dir = g_build_filename(src, "..", "web", NULL);
    g_free(src);
    return dir;
#endif
}

static int web_send(http_req *r, api *a, const char *name)
{
    const char *type = web_type(name);
    if (!type)
        return http_reply_error(r, 404, "not_found", "Không tìm thấy trang.");
    char *dir = web_dir(a), *path = g_build_filename(dir, name, NULL), *data = NULL;
    char sha[HASH_SHA256_HEX_LEN + 1], etag[HASH_SHA256_HEX_LEN + 3];
    gsize len = 0;
    GError *err = NULL;
    int rc;
    if (!g_file_get_contents(path, &data, &len, &err) || len > WEB_FILE_MAX) {
        log_warn("web: %s: %s", path, err ? err->message : "too large");
        rc = http_reply_error(r, 404, "not_found", "Không tìm thấy trang.");
        goto out;
    }
    hash_sha256_buf(data, len, sha);
    g_snprintf(etag, sizeof etag, "\"%.32s\"", sha);
    http_add_header(r, "ETag", etag);
    http_add_header(r, "Cache-Control", "no-cache");
    http_add_header(r, "X-Content-Type-Options", "nosniff");
    http_add_header(r, "Referrer-Policy", "same-origin");
    if (g_str_has_suffix(name, ".html")) {
        http_add_header(r, "Content-Security-Policy", CSP);
        http_add_header(r, "X-Frame-Options", "DENY");
    }
    if (http_etag_matches(http_header(r, "If-None-Match"), etag))
        rc = http_reply_empty(r, 304);
    else
        rc = http_reply_buf(r, 200, type, data, len);
out:
    if (err)
        g_error_free(err);
    g_free(data);
    g_free(path);
    g_free(dir);
    return rc;
}

static int web_index(http_req *r, void *ud)
{
    return web_send(r, ud, "index.html");
}

static int web_static(http_req *r, void *ud)
{
    return web_send(r, ud, http_param(r, "file"));
}

static const http_route ROUTES[] = {
    {"GET", "/", web_index, 0, NULL, NULL},
    {"GET", "/static/:file", web_static, 0, NULL, NULL},
};

int api_routes_web(api *a)
{
    return http_server_add_routes(a->http, ROUTES, G_N_ELEMENTS(ROUTES), a);
}
