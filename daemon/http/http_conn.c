/* http_conn: per-connection state kept beside MHD's (conn_ctx, http_internal.h) and the deadline
 * for a request's headers. MHD's own timeout is an idle timeout: a client dripping one byte of
 * headers every few seconds would hold its connection for ever, and a few thousand such
 * connections would hold them all. A connection waiting for headers sits on one of two FIFO
 * lists (a new one: header_ms; a kept-alive one between requests: idle_ms); a timer shuts
 * down the socket of whatever is past its deadline, and MHD then closes it as a client that
 * left. Held long-polls and bodies being read have their headers in and are on no list. */
#include <glib.h>
#include <sys/socket.h>

#include "http_internal.h"
#include "log.h"

#define SWEEP_MS 1000

conn_ctx *http_conn_ctx(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static conn_list *list_of(http_server *srv, conn_wait w)
{
    return w == CONN_FRESH ? &srv->fresh : &srv->idle;
}

static void unlink_ctx(http_server *srv, conn_ctx *x)
{
    if (x->wait == CONN_BUSY)
        return;
    conn_list *l = list_of(srv, x->wait);
    if (x->prev)
        x->prev->next = x->next;
    else
        l->head = x->next;
    if (x->next)
        x->next->prev = x->prev;
    else
        l->tail = x->prev;
    x->prev = x->next = NULL;
    x->wait = CONN_BUSY;
}

/* Appends: every entry of a list waits as long, so the list stays in deadline order. */
static void wait_headers(http_server *srv, conn_ctx *x, conn_wait w)
{
    unlink_ctx(srv, x);
    conn_list *l = list_of(srv, w);
    x->wait = w;
    x->deadline_ms = uv_now(srv->loop) + (w == CONN_FRESH ? srv->header_ms : srv->idle_ms);
    x->prev = l->tail;
    if (l->tail)
        l->tail->next = x;
    else
        l->head = x;
    l->tail = x;
}

void http_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe)
{
    http_server *srv = cls;
    conn_ctx *x = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        x = g_new0(conn_ctx, 1);
        x->fd = ci ? ci->connect_fd : -1;
        *socket_context = x;
        wait_headers(srv, x, CONN_FRESH);
        return;
    }
    if (!x)
        return;
    unlink_ctx(srv, x);
    /* Before MHD closes the socket: uv_close takes it out of the loop's epoll now. */
    if (x->watch) {
        if (x->watch->r)
            x->watch->r->watch = NULL;
        uv_close((uv_handle_t *)&x->watch->poll, http_watch_closed);
    }
    g_free(x);
    *socket_context = NULL;
}

void http_conn_headers_in(http_server *srv, struct MHD_Connection *c)
{
    conn_ctx *x = http_conn_ctx(c);
    if (x)
        unlink_ctx(srv, x);
}

void http_conn_request_done(http_server *srv, struct MHD_Connection *c)
{
    conn_ctx *x = http_conn_ctx(c);
    if (x && !srv->closing)
        wait_headers(srv, x, CONN_IDLE);
}

static void expire(http_server *srv, conn_list *l, uint64_t now)
{
    while (l->head && l->head->deadline_ms <= now) {
        conn_ctx *x = l->head;
        unlink_ctx(srv, x);
        log_debug("http: connection closed: no request headers within the deadline");
        if (x->fd >= 0)
            shutdown(x->fd, SHUT_RDWR); /* MHD sees the end and closes it */
    }
}

static void on_sweep(uv_timer_t *t)
{
    http_server *srv = t->data;
    uint64_t now = uv_now(srv->loop);
    expire(srv, &srv->fresh, now);
    expire(srv, &srv->idle, now);
    http_srv_kick(srv);
}

void http_conn_start_sweep(http_server *srv)
{
    uv_timer_start(&srv->sweep, on_sweep, SWEEP_MS, SWEEP_MS);
}
