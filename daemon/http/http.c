/* http: server lifecycle and the glue between libmicrohttpd (external epoll) and libuv.
 * MHD's epoll fd sits in a uv_poll; after every poll or timer event, and after a request is
 * resumed, MHD_run does the work and the timer is re-armed from MHD_get_timeout. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_internal.h"
#include "log.h"

#define DEFAULT_CONNECTIONS 20000 /* the floor when connection_limit is 0 */
/* Descriptors kept for all but connections: SQLite, media files being opened, logs, pipes. */
#define FD_RESERVE        256
#define DEFAULT_TIMEOUT_S 75
#define DEFAULT_HEADER_S                                                                           \
    10 /* a 3G box sends its few hundred bytes of headers in well under 1 s                        \
        */
#define LISTEN_BACKLOG 1024
/* Each connection's MHD memory pool (request line, headers, read buffer, reply headers). MHD
 * zeroes all of it after every answer, touching every page: the profile of an emergency to
 * 8,000 held polls spent 56 % of the daemon's CPU in that memset and its page faults, and each
 * answered connection kept 16 KiB resident (50,000 boxes: 800 MB). 8 KiB still holds this API's
 * requests (a box's are about 300 bytes of headers, a browser's 1-2 KB) with room to spare. */
#define CONNECTION_MEMORY (8 * 1024)
#define CLOSE_GRACE_MS    5000 /* longest wait for requests in progress at close */
/* GnuTLS priorities: TLS 1.2 and 1.3 only (1.0 and 1.1 are broken and every browser and the
 * boxes' libcurl speak 1.2), AEAD ciphers with forward secrecy; the rest as GnuTLS's SECURE128. */
#define TLS_PRIORITIES                                                                             \
    "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"         \
    "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA:+DHE-RSA"

static void rearm_timer(http_server *srv);

#define RUN_SPINS 16 /* most MHD_run rounds per wake-up while work is ready */

void http_srv_run(http_server *srv)
{
    if (srv->stopped)
        return;
    if (srv->in_run) {
        /* MHD_run is not reentrant: a handler resumed a request from inside it. */
        srv->need_run = true;
        return;
    }
    srv->in_run = true;
    int spins = 0;
    MHD_UNSIGNED_LONG_LONG ms = 1;
    do {
        srv->need_run = false;
        MHD_run(srv->mhd);
        /* A file reply goes out 128 KiB per MHD_run (MHD's sendfile chunk in this mode): while
         * MHD says more is ready now, go on here rather than through another loop turn. */
    } while (!srv->stopped &&
             (srv->need_run ||
              (++spins < RUN_SPINS && MHD_get_timeout(srv->mhd, &ms) == MHD_YES && ms == 0)));
    srv->in_run = false;
    rearm_timer(srv);
    http_srv_check_closed(srv);
}

static void on_timer(uv_timer_t *t)
{
    http_srv_run(t->data);
}

void http_srv_kick(http_server *srv)
{
    if (srv->stopped)
        return;
    if (srv->in_run)
        srv->need_run = true;
    else
        uv_timer_start(&srv->timer, on_timer, 0, 0);
}

static void rearm_timer(http_server *srv)
{
    MHD_UNSIGNED_LONG_LONG ms;
    if (srv->stopped)
        return;
    if (MHD_get_timeout(srv->mhd, &ms) == MHD_YES)
        uv_timer_start(&srv->timer, on_timer, (uint64_t)ms, 0);
    else
        uv_timer_stop(&srv->timer);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    http_srv_run(p->data);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char *msg = g_strdup_vprintf(fmt, ap);
    /* how we close a connection whose held client left (http_reply.c): routine, not a fault */
    if (g_str_has_prefix(msg, "Application reported internal error"))
        log_debug("http: %s", g_strchomp(msg));
    else
        log_warn("http: %s", g_strchomp(msg));
    g_free(msg);
}

static int hex_digit(char c)
{
    return g_ascii_xdigit_value(c);
}

/* Percent-decoding of paths and query values, in place, like MHD's own except that "%00" stays
 * as it is: a decoded NUL would cut the C string short, so "/static/a.js%00.css" would reach a
 * handler as "/static/a.js". Left encoded, it matches nothing and fails as a bad name. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    char *w = s;
    for (const char *r = s; *r; w++) {
        int hi, lo;
        if (r[0] == '%' && (hi = hex_digit(r[1])) >= 0 && (lo = hex_digit(r[2])) >= 0 &&
            (hi | lo) != 0) {
            *w = (char)(hi * 16 + lo);
            r += 3;
        } else {
            *w = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* Binds the listening socket ourselves, so the caller learns why it failed (MHD_start_daemon
 * only says NULL) and the real port when port 0 was asked for. */
static int bind_listener(const char *address, uint16_t port, int *fd_out, uint16_t *port_out)
{
    struct sockaddr_storage ss = {0};
    socklen_t slen;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    const char *a = address ? address : "127.0.0.1";
    if (inet_pton(AF_INET, a, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        slen = sizeof *v4;
    } else if (inet_pton(AF_INET6, a, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        slen = sizeof *v6;
    } else {
        return -EINVAL;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    int rc = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss.ss_family == AF_INET6) { /* "[::]" serves IPv4 too, whatever the sysctl says */
        int zero = 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    if (bind(fd, (struct sockaddr *)&ss, slen) < 0 || listen(fd, LISTEN_BACKLOG) < 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &slen) < 0) {
        rc = errno == EADDRNOTAVAIL ? -EINVAL : -errno;
        close(fd);
        return rc;
    }
    *port_out = ntohs(ss.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
    *fd_out = fd;
    return 0;
}

static int read_pem(const char *path, char **out)
{
    if (!g_file_get_contents(path, out, NULL, NULL)) {
        log_error("http: cannot read %s", path);
        return -EINVAL;
    }
    return 0;
}

/* connection_limit 0: as many as the descriptor limit allows (the daemon raises its soft
 * limit at start), so 50,000 held long-polls fit when the hard limit does; never fewer than
 * DEFAULT_CONNECTIONS, which MHD refuses politely (it closes the new socket) if fds run out. */
static unsigned default_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur < DEFAULT_CONNECTIONS + FD_RESERVE)
        return DEFAULT_CONNECTIONS;
    return rl.rlim_cur - FD_RESERVE > 1000000 ? 1000000 : (unsigned)(rl.rlim_cur - FD_RESERVE);
}

static struct MHD_Daemon *start_mhd(http_server *srv, const http_config *cfg, int fd,
                                    const char *cert, const char *key)
{
    unsigned flags = MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    unsigned limit = cfg->connection_limit ? cfg->connection_limit : default_limit();
    unsigned timeout = cfg->timeout_s ? cfg->timeout_s : DEFAULT_TIMEOUT_S;
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES},
        {MHD_OPTION_END, 0, NULL},
    };
    if (cert)
        flags |= MHD_USE_TLS;
    /* SIGPIPE is ignored process-wide (http_server_start), which lets MHD use sendfile. */
    return MHD_start_daemon(
        flags, 0, NULL, NULL, http_on_access, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, http_on_connection, srv, MHD_OPTION_CONNECTION_LIMIT, limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        cfg->per_ip_limit, MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, MHD_OPTION_UNESCAPE_CALLBACK,
        unescape, NULL, MHD_OPTION_ARRAY, cert ? tls : tls + 3, MHD_OPTION_END);
}

int http_server_start(uv_loop_t *loop, const http_config *cfg, http_server **out)
{
    char *cert = NULL, *key = NULL;
    int fd = -1;
    http_server *srv = g_new0(http_server, 1);
    int rc = -EINVAL;
    srv->loop = loop;
    srv->max_body = cfg->max_body ? cfg->max_body : HTTP_DEFAULT_MAX_BODY;
    srv->header_ms = 1000u * (cfg->header_timeout_s ? cfg->header_timeout_s : DEFAULT_HEADER_S);
    srv->idle_ms = 1000u * (cfg->timeout_s ? cfg->timeout_s : DEFAULT_TIMEOUT_S);
    if ((cfg->tls_cert != NULL) != (cfg->tls_key != NULL))
        goto out;
    if (cfg->trusted_proxy) {
        char canon[HTTP_ADDR_MAX];
        if (http_address_canon(cfg->trusted_proxy, canon) != 0)
            goto out;
        srv->trusted_proxy = g_strdup(canon);
    }
    if (cfg->tls_cert &&
        ((rc = read_pem(cfg->tls_cert, &cert)) != 0 || (rc = read_pem(cfg->tls_key, &key)) != 0))
        goto out;
    signal(SIGPIPE, SIG_IGN);
    if ((rc = bind_listener(cfg->address, cfg->port, &fd, &srv->port)) != 0)
        goto out;
    srv->tls = cert != NULL;
    srv->mhd = start_mhd(srv, cfg, fd, cert, key);
    if (!srv->mhd) {
        rc = cert ? -EINVAL : -EIO; /* the socket is ours: a bad key or cert is the likely cause */
        close(fd);
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    if (uv_poll_init(loop, &srv->poll, info->epoll_fd) != 0) {
        MHD_stop_daemon(srv->mhd);
        rc = -EIO;
        goto out;
    }
    uv_timer_init(loop, &srv->timer);
    uv_timer_init(loop, &srv->grace);
    uv_timer_init(loop, &srv->sweep);
    srv->timer.data = srv->grace.data = srv->sweep.data = srv->poll.data = srv;
    srv->handles_open = 4;
    uv_poll_start(&srv->poll, UV_READABLE, on_poll);
    http_conn_start_sweep(srv);
    rearm_timer(srv);
out:
    if (rc != 0 && srv) {
        g_free(srv->trusted_proxy);
        g_free(srv);
        srv = NULL;
    }
    if (key)
        memset(key, 0, strlen(key)); /* the private key need not linger in freed memory */
    g_free(cert);
    g_free(key);
    *out = srv;
    return rc;
}

int http_server_add_routes(http_server *srv, const http_route *routes, size_t n, void *ud)
{
    srv->routes = g_renew(route_ent, srv->routes, srv->n_routes + n);
    for (size_t i = 0; i < n; i++) {
        route_ent *e = &srv->routes[srv->n_routes + i];
        const char *p = routes[i].pattern;
        e->rt = &routes[i];
        e->ud = ud;
        e->segs = g_strsplit(p[0] == '/' ? p + 1 : p, "/", HTTP_SEGS_MAX + 1);
        e->n = g_strv_length(e->segs);
        if (e->n == 0) { /* "/": one empty segment, as the request path "/" splits */
            g_strfreev(e->segs);
            e->segs = g_new0(char *, 2);
            e->segs[0] = g_strdup("");
            e->n = 1;
        }
        e->rest = e->n > 0 && e->segs[e->n - 1][0] == '*';
    }
    srv->n_routes += n;
    return 0;
}

uint16_t http_server_port(const http_server *srv)
{
    return srv->port;
}

size_t http_server_suspended(const http_server *srv)
{
    return srv->n_held;
}

static void on_handle_closed(uv_handle_t *h)
{
    http_srv_handle_closed(h->data);
}

void http_srv_handle_closed(http_server *srv)
{
    if (--srv->handles_open > 0)
        return;
    void (*cb)(void *) = srv->close_cb;
    void *arg = srv->close_arg;
    http_routes_free(srv);
    http_queues_free(srv);
    g_free(srv->trusted_proxy);
    g_free(srv);
    if (cb)
        cb(arg);
}

static void finish_close(http_server *srv)
{
    srv->stopped = true;
    uv_timer_stop(&srv->grace);
    MHD_stop_daemon(srv->mhd);
    srv->mhd = NULL;
    uv_close((uv_handle_t *)&srv->poll, on_handle_closed);
    uv_close((uv_handle_t *)&srv->timer, on_handle_closed);
    uv_close((uv_handle_t *)&srv->grace, on_handle_closed);
    uv_close((uv_handle_t *)&srv->sweep, on_handle_closed);
}

/* Close waits for deferred work (its done callback must run on a live server) and, up to
 * CLOSE_GRACE_MS, for requests in progress to be answered. */
void http_srv_check_closed(http_server *srv)
{
    if (!srv->closing || srv->stopped || srv->in_run || srv->n_deferred > 0)
        return;
    if (srv->n_active == 0 || !uv_is_active((uv_handle_t *)&srv->grace))
        finish_close(srv);
}

static void on_grace(uv_timer_t *t)
{
    http_server *srv = t->data;
    if (srv->n_deferred > 0) {
        uv_timer_start(&srv->grace, on_grace, 100, 0); /* work cannot be interrupted */
        return;
    }
    log_warn("http: closing with %zu requests still in progress", srv->n_active);
    finish_close(srv);
}

void http_server_close(http_server *srv, void (*cb)(void *arg), void *arg)
{
    srv->close_cb = cb;
    srv->close_arg = arg;
    if (srv->closing)
        return;
    srv->closing = true;
    if (!srv->mhd) {
        finish_close(srv);
        return;
    }
    MHD_socket lfd = MHD_quiesce_daemon(srv->mhd);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    while (srv->held_head) {
        http_req *r = srv->held_head;
        http_req_cancel(r);
        http_reply_error(r, 503, "shutting_down", "Máy chủ đang dừng, vui lòng thử lại sau.");
    }
    http_queues_close(srv);
    uv_timer_start(&srv->grace, on_grace, CLOSE_GRACE_MS, 0);
    http_srv_run(srv);
    http_srv_check_closed(srv);
}
