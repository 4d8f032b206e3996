/* http_route: one request's way through the server. MHD calls the access handler first with
 * the headers (the route is chosen and the declared size checked), then with each piece of
 * the body (buffered or streamed to the route's on_body), then once more with nothing when
 * the body is complete (the handler runs), and again after every resume (the reply that was
 * made meanwhile is queued). Also the request accessors. */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "http_internal.h"
#include "log.h"
#include "proto.h"

/* Bytes read and dropped after an early reply, beyond the limit, before giving up. */
#define DISCARD_SLACK (1u << 20)

void http_routes_free(http_server *srv)
{
    for (size_t i = 0; i < srv->n_routes; i++)
        g_strfreev(srv->routes[i].segs);
    g_free(srv->routes);
}

/* ---- routing ---- */

/* GET routes answer HEAD too: MHD sends the headers of the GET reply without its body. */
static bool method_matches(const route_ent *e, const char *method)
{
    return !strcmp(e->rt->method, method) ||
           (!strcmp(method, "HEAD") && !strcmp(e->rt->method, "GET"));
}

/* Does path (split into segs) fit e's pattern? Fills r's params when r is given. */
static bool path_matches(const route_ent *e, char **segs, size_t n, http_req *r)
{
    size_t np = 0;
    if (e->rest ? n < e->n : n != e->n)
        return false;
    for (size_t i = 0; i < e->n; i++) {
        const char *p = e->segs[i];
        if (p[0] == ':' || (p[0] == '*' && i == e->n - 1)) {
            if (p[0] == ':' && segs[i][0] == '\0')
                return false;
            if (r && np < HTTP_PARAMS_MAX) {
                r->pnames[np] = p + 1;
                /* "*rest" takes the remainder of the original path, slashes included */
                r->pvals[np] = p[0] == ':' ? segs[i] : r->path + 1 + (segs[i] - r->pathbuf);
                np++;
            }
        } else if (strcmp(p, segs[i]) != 0) {
            return false;
        }
    }
    if (r)
        r->nparams = np;
    return true;
}

static size_t split_path(http_req *r, char **segs)
{
    size_t n = 0;
    char *p = r->pathbuf;
    for (;;) {
        if (n == HTTP_SEGS_MAX)
            return n + 1; /* too deep: matches nothing */
        segs[n++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            return n;
        *slash = '\0';
        p = slash + 1;
    }
}

/* Picks the route, or replies 404 / 405 (with Allow). */
static void route_request(http_req *r)
{
    http_server *srv = r->srv;
    char *segs[HTTP_SEGS_MAX];
    GString *allow = NULL;
    r->pathbuf = g_strdup(r->path[0] == '/' ? r->path + 1 : r->path);
    size_t n = split_path(r, segs);
    if (n > HTTP_SEGS_MAX || r->path[0] != '/')
        goto not_found;
    for (size_t i = 0; i < srv->n_routes; i++) {
        const route_ent *e = &srv->routes[i];
        if (!path_matches(e, segs, n, NULL))
            continue;
        if (method_matches(e, r->method)) {
            path_matches(e, segs, n, r);
            r->route = e;
            goto out;
        }
        if (!allow)
            allow = g_string_new(NULL);
        if (!strstr(allow->str, e->rt->method))
            g_string_append_printf(allow, "%s%s", allow->len ? ", " : "", e->rt->method);
        if (!strcmp(e->rt->method, "GET") && !strstr(allow->str, "HEAD"))
            g_string_append(allow, ", HEAD");
    }
    if (allow) {
        http_add_header(r, "Allow", allow->str);
        http_reply_error(r, 405, "method_not_allowed",
                         "Phương thức %s không được hỗ trợ cho đường dẫn này.", r->method);
        goto out;
    }
not_found:
    http_reply_error(r, 404, "not_found", "Không tìm thấy đường dẫn yêu cầu.");
out:
    if (allow)
        g_string_free(allow, TRUE);
}

/* ---- the access handler ---- */

static bool has_body(http_req *r, uint64_t *declared, bool *known)
{
    const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Transfer-Encoding");
    *known = false;
    *declared = 0;
    if (cl) {
        char *end;
        *declared = g_ascii_strtoull(cl, &end, 10);
        *known = end != cl && *end == '\0';
    }
    return (*known && *declared > 0) || te != NULL;
}

static enum MHD_Result begin(http_server *srv, struct MHD_Connection *c, const char *url,
                             const char *method, void **con_cls)
{
    http_req *r = g_new0(http_req, 1);
    uint64_t declared;
    bool known;
    r->srv = srv;
    r->conn = c;
    r->method = method;
    r->path = url;
    *con_cls = r;
    srv->n_active++;
    route_request(r);
    bool body = has_body(r, &declared, &known);
    if (r->route) {
        r->limit = r->route->rt->max_body ? r->route->rt->max_body : srv->max_body;
        if (known && declared > r->limit)
            http_reply_error(r, 413, "too_large", "Nội dung yêu cầu quá lớn (tối đa %zu byte).",
                             r->limit);
        else if (known && !r->route->rt->on_body && declared > 0)
            r->body_cap = (size_t)declared + 1;
        if (!r->replied && r->route->rt->on_headers &&
            r->route->rt->on_headers(r, r->route->ud) != 0 && !r->replied)
            http_reply_error(r, 500, "internal", "Lỗi máy chủ nội bộ.");
    }
    r->phase = PH_BODY;
    /* An early reply is queued now only when a body follows: MHD then skips it and closes the
     * connection. Without a body it waits for the next call, which keeps the connection. */
    if (r->replied && body) {
        r->phase = PH_DISCARD;
        return http_req_flush(r);
    }
    return MHD_YES;
}

/* Grows the buffer by doubling, or to the declared Content-Length at once (body_cap preset). */
static int buffer_chunk(http_req *r, const char *data, size_t len)
{
    size_t need = r->body_len + len + 1;
    if (!r->body || need > r->body_cap) {
        size_t cap = r->body ? MAX(r->body_cap * 2, need) : MAX(r->body_cap, need);
        r->body_cap = MIN(cap, r->limit + 1); /* need <= limit + 1: body_chunk checked */
        r->body = g_realloc(r->body, r->body_cap);
    }
    memcpy(r->body + r->body_len, data, len);
    r->body_len += len;
    r->body[r->body_len] = '\0';
    return 0;
}

/* A body callback or the size check replied before the body ended. */
static enum MHD_Result reply_mid_body(http_req *r)
{
    r->phase = PH_DISCARD;
    /* A streamed body is an upload of up to hundreds of MB: reading the rest of one that is
     * too large, or not allowed, only to answer would let anyone make the server read it.
     * Close at once; the client sees the reset. Other refusals (a malformed form from a
     * logged-in technician) are still read to the end so the person gets the message. */
    if (r->route && r->route->rt->on_body && (r->status == 401 || r->status == 413))
        return MHD_NO;
    if (!r->shared) /* a shared answer goes to bodiless long-polls only */
        MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONNECTION, "close");
    /* MHD 0.9.75 refuses a reply while the body is being read (MHD_queue_response says
     * MHD_NO): the rest of a small body is read and dropped, then the reply goes out and the
     * connection closes. A body running far past its limit gets the connection closed. */
    return MHD_YES;
}

static enum MHD_Result body_chunk(http_req *r, const char *data, size_t len)
{
    r->received += len;
    if (r->received > r->limit) {
        if (!r->replied)
            http_reply_error(r, 413, "too_large", "Nội dung yêu cầu quá lớn (tối đa %zu byte).",
                             r->limit);
        return reply_mid_body(r);
    }
    if (!r->route->rt->on_body)
        return buffer_chunk(r, data, len) == 0 ? MHD_YES : MHD_NO;
    int rc = r->route->rt->on_body(r, data, len, r->route->ud);
    if (rc < 0 || r->replied) {
        if (!r->replied)
            http_reply_error(r, 500, "internal", "Lỗi máy chủ nội bộ.");
        return reply_mid_body(r);
    }
    return MHD_YES;
}

static void run_handler(http_req *r)
{
    const route_ent *e = r->route;
    int rc = 0;
    if (e->rt->on_body)
        rc = e->rt->on_body(r, NULL, 0, e->ud);
    if (rc == 0 && !r->replied)
        rc = e->rt->handler(r, e->ud);
    if (r->replied || r->suspended)
        return;
    if (rc < 0)
        log_error("http: %s %s: handler failed: %s", r->method, r->path, g_strerror(-rc));
    else
        log_error("http: %s %s: handler returned without a reply", r->method, r->path);
    http_reply_error(r, 500, "internal", "Lỗi máy chủ nội bộ.");
}

enum MHD_Result http_on_access(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **con_cls)
{
    (void)version;
    http_req *r = *con_cls;
    if (!r) {
        http_conn_headers_in(cls, c);
        return begin(cls, c, url, method, con_cls);
    }
    if (*size > 0) {
        size_t len = *size;
        *size = 0;
        if (r->phase == PH_BODY)
            return body_chunk(r, data, len);
        r->received += len;
        /* a body past twice its limit is not worth reading to the end: drop the connection */
        return r->received / 2 > r->limit + DISCARD_SLACK ? MHD_NO : MHD_YES;
    }
    if (r->phase != PH_HANDLED) {
        /* the body is complete */
        if (r->phase == PH_BODY && !r->replied)
            run_handler(r);
        r->phase = PH_HANDLED;
    }
    return http_req_flush(r);
}

void http_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                       enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    http_server *srv = cls;
    http_req *r = *con_cls;
    http_conn_request_done(srv, c);
    if (!r)
        return;
    *con_cls = NULL;
    srv->n_active--;
    if (r->held)
        http_req_cancel(r);
    r->ended = true;
    if (!r->deferred) /* else the work's completion frees it */
        http_req_free(r);
    http_srv_check_closed(srv);
}

/* ---- accessors ---- */

const char *http_method(const http_req *r)
{
    return r->method;
}

const char *http_path(const http_req *r)
{
    return r->path;
}

const char *http_param(const http_req *r, const char *name)
{
    for (size_t i = 0; i < r->nparams; i++)
        if (!strcmp(r->pnames[i], name))
            return r->pvals[i];
    return NULL;
}

const char *http_query(const http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(const http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(const http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

/* ---- the client's address ---- */

/* IPv4-mapped IPv6 (a dual-stack socket's IPv4 peers) is shown as the IPv4 address it is. */
static void text_of(int family, const void *addr, char out[HTTP_ADDR_MAX])
{
    const struct in6_addr *a6 = addr;
    if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(a6)) {
        family = AF_INET;
        addr = &a6->s6_addr[12];
    }
    if (!inet_ntop(family, addr, out, HTTP_ADDR_MAX))
        g_strlcpy(out, "?", HTTP_ADDR_MAX);
}

int http_address_canon(const char *in, char out[HTTP_ADDR_MAX])
{
    unsigned char raw[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, in, raw) == 1)
        text_of(AF_INET, raw, out);
    else if (inet_pton(AF_INET6, in, raw) == 1)
        text_of(AF_INET6, raw, out);
    else
        return -EINVAL;
    return 0;
}

static void peer_address(const http_req *r, char out[HTTP_ADDR_MAX])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        text_of(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out);
    else if (sa && sa->sa_family == AF_INET6)
        text_of(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out);
    else
        g_strlcpy(out, "?", HTTP_ADDR_MAX);
}

void http_client_address(const http_req *r, char out[HTTP_ADDR_MAX])
{
    peer_address(r, out);
    const char *proxy = r->srv->trusted_proxy;
    const char *xff = proxy && !strcmp(out, proxy) ? http_header(r, "X-Forwarded-For") : NULL;
    if (!xff)
        return;
    /* the proxy appends the address it saw: the last entry */
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    last += strspn(last, " \t");
    char buf[HTTP_ADDR_MAX];
    size_t n = strcspn(last, " \t");
    if (n == 0 || n >= sizeof buf)
        return;
    memcpy(buf, last, n);
    buf[n] = '\0';
    char canon[HTTP_ADDR_MAX];
    if (http_address_canon(buf, canon) == 0)
        g_strlcpy(out, canon, HTTP_ADDR_MAX);
}

bool http_secure(const http_req *r)
{
    char peer[HTTP_ADDR_MAX];
    if (r->srv->tls)
        return true;
    if (!r->srv->trusted_proxy)
        return false;
    peer_address(r, peer);
    const char *proto = http_header(r, "X-Forwarded-Proto");
    return !strcmp(peer, r->srv->trusted_proxy) && proto && !g_ascii_strcasecmp(proto, "https");
}

void http_client_key(const http_req *r, char out[HTTP_ADDR_MAX])
{
    struct in6_addr a6;
    http_client_address(r, out);
    if (!strchr(out, ':') || inet_pton(AF_INET6, out, &a6) != 1)
        return;
    memset(&a6.s6_addr[8], 0, 8);
    char net[HTTP_ADDR_MAX];
    if (inet_ntop(AF_INET6, &a6, net, sizeof net))
        g_snprintf(out, HTTP_ADDR_MAX, "%s/64", net);
}

const char *http_body(const http_req *r, size_t *len)
{
    *len = r->body_len;
    return r->body_len ? r->body : NULL;
}

int http_body_json(http_req *r, json_t **out)
{
    char err[PROTO_ERR_MAX];
    *out = NULL;
    int rc = proto_json_load(r->body, r->body_len, r->limit, out, err);
    if (rc == 0)
        return 0;
    log_debug("http: %s %s: bad JSON body: %s", r->method, r->path, err);
    if (r->body_len == 0)
        http_reply_error(r, 400, "bad_json", "Yêu cầu thiếu nội dung JSON.");
    else
        http_reply_error(r, 400, "bad_json",
                         "Nội dung yêu cầu không phải là một đối tượng JSON hợp lệ.");
    return -EINVAL;
}

void http_set_state(http_req *r, void *state, void (*free_fn)(void *))
{
    r->state = state;
    r->state_free = free_fn;
}

void *http_state(const http_req *r)
{
    return r->state;
}
