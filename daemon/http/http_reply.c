/* http_reply: building replies, holding requests (suspend/resume with a watch on the client's
 * socket) and deferring work to the thread pool. A reply is built at once but MHD accepts it
 * only inside the access handler, so it waits in the request until the handler returns or,
 * for a suspended request, until the resume brings MHD back to the handler. */
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "http_internal.h"
#include "log.h"

/* ---- request lifetime ---- */

void http_req_free(http_req *r)
{
    if (r->state_free)
        r->state_free(r->state);
    if (r->shared)
        http_shared_unref(r->shared);
    else if (r->resp)
        MHD_destroy_response(r->resp);
    g_strfreev(r->hdrs);
    g_free(r->pathbuf);
    g_free(r->body);
    g_free(r);
}

void http_watch_closed(uv_handle_t *h)
{
    req_watch *w = h->data;
    http_server *srv = w->srv;
    g_free(w);
    http_srv_handle_closed(srv);
}

/* The watch stays with the connection, idle: no epoll_ctl until the next hold needs it. */
void http_req_unwatch(http_req *r)
{
    if (!r->watch)
        return;
    r->watch->r = NULL;
    r->watch = NULL;
}

static void held_unlink(http_req *r)
{
    http_server *srv = r->srv;
    if (!r->held)
        return;
    if (r->prev)
        r->prev->next = r->next;
    else
        srv->held_head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
    r->held = false;
    srv->n_held--;
}

void http_req_cancel(http_req *r)
{
    void (*fn)(http_req *, void *) = r->on_cancel;
    http_req_unwatch(r);
    held_unlink(r);
    r->on_cancel = NULL;
    if (fn)
        fn(r, r->cancel_arg);
}

void http_req_resume(http_req *r)
{
    if (!r->suspended)
        return;
    http_req_unwatch(r);
    held_unlink(r);
    r->suspended = false;
    MHD_resume_connection(r->conn);
    http_srv_kick(r->srv);
}

enum MHD_Result http_req_flush(http_req *r)
{
    if (r->resp) {
        enum MHD_Result ok = MHD_queue_response(r->conn, r->status, r->resp);
        if (r->shared) /* MHD holds its own count on the response while it sends it */
            http_shared_unref(r->shared);
        else
            MHD_destroy_response(r->resp);
        r->resp = NULL;
        r->shared = NULL;
        return ok;
    }
    /* cancelled: close the connection; otherwise suspended and waiting */
    return r->cancelled ? MHD_NO : MHD_YES;
}

/* ---- replies ---- */

int http_add_header(http_req *r, const char *name, const char *value)
{
    r->hdrs = g_renew(char *, r->hdrs, r->n_hdrs + 3);
    r->hdrs[r->n_hdrs++] = g_strdup(name);
    r->hdrs[r->n_hdrs++] = g_strdup(value);
    r->hdrs[r->n_hdrs] = NULL;
    return 0;
}

/* Takes resp: adds the pending headers and hands it to MHD now or on resume. */
static int set_reply(http_req *r, unsigned status, struct MHD_Response *resp)
{
    if (!resp)
        return -ENOMEM;
    if (r->replied || r->cancelled || r->ended) {
        MHD_destroy_response(resp);
        return r->replied ? -EALREADY : -ECANCELED;
    }
    for (size_t i = 0; i + 1 < r->n_hdrs; i += 2)
        MHD_add_response_header(resp, r->hdrs[i], r->hdrs[i + 1]);
    if (r->srv->closing)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    /* Reached over HTTPS: browsers must never fall back to plain HTTP for this host. */
    if (http_secure(r))
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    r->resp = resp;
    r->status = status;
    r->replied = true;
    if (r->suspended && !r->deferred)
        http_req_resume(r);
    return 0;
}

int http_reply_buf(http_req *r, unsigned status, const char *content_type, const void *buf,
                   size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)buf, MHD_RESPMEM_MUST_COPY);
    if (resp && content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    return set_reply(r, status, resp);
}

int http_reply_json(http_req *r, unsigned status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(body);
    if (!text)
        return -ENOMEM;
    /* jansson allocates with malloc (we never change its allocator), so MHD may free() it */
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return -ENOMEM;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    return set_reply(r, status, resp);
}

int http_reply_error(http_req *r, unsigned status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    g_free(msg);
    return http_reply_json(r, status, body);
}

int http_reply_empty(http_req *r, unsigned status)
{
    return set_reply(r, status, MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT));
}

int http_reply_fd(http_req *r, unsigned status, const char *content_type, int fd, uint64_t offset,
                  uint64_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_fd_at_offset64(len, fd, offset);
    if (!resp) {
        close(fd);
        return -EINVAL;
    }
    if (content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    return set_reply(r, status, resp);
}

int http_reply_mem(http_req *r, unsigned status, const char *content_type, const void *data,
                   size_t len, void (*release)(void *cls), void *cls)
{
    /* An iovec reply, unlike a file reply in this MHD mode, is not cut into 128 KiB rounds
     * interleaved with every other download: MHD hands it to one sendmsg with the headers. */
    struct MHD_IoVec iov = {.iov_base = data, .iov_len = len};
    struct MHD_Response *resp = MHD_create_response_from_iovec(&iov, 1, release, cls);
    if (!resp) {
        release(cls);
        return -EINVAL;
    }
    if (content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    return set_reply(r, status, resp);
}

/* ---- one answer for many ---- */

struct http_shared {
    struct MHD_Response *resp; /* one MHD count, dropped with the last of ours */
    const char *text;          /* the body, owned by resp */
    size_t len;
    unsigned status;
    unsigned refs;
};

http_shared *http_shared_json(unsigned status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(body);
    if (!text)
        return NULL;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer_with_free_callback(strlen(text), text, free);
    if (!resp) {
        free(text);
        return NULL;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    http_shared *s = g_new0(http_shared, 1);
    *s =
        (http_shared){.resp = resp, .text = text, .len = strlen(text), .status = status, .refs = 1};
    return s;
}

void http_shared_unref(http_shared *s)
{
    if (s && --s->refs == 0) {
        MHD_destroy_response(s->resp);
        g_free(s);
    }
}

int http_reply_shared(http_req *r, http_shared *s)
{
    /* Headers of this request alone cannot go on a response others share: answer with a copy. */
    if (r->n_hdrs > 0 || r->srv->closing)
        return http_reply_buf(r, s->status, "application/json; charset=utf-8", s->text, s->len);
    if (r->replied || r->cancelled || r->ended)
        return r->replied ? -EALREADY : -ECANCELED;
    s->refs++;
    r->shared = s;
    r->resp = s->resp;
    r->status = s->status;
    r->replied = true;
    if (r->suspended && !r->deferred)
        http_req_resume(r);
    return 0;
}

/* ---- holding requests ---- */

static void on_client_gone(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    req_watch *w = p->data;
    http_req *r = w->r;
    /* Level-triggered: with nothing held, MHD sees the end itself; stop until the next hold. */
    uv_poll_stop(&w->poll);
    w->active = false;
    if (!r)
        return;
    log_debug("http: %s %s: client left while held", r->method, r->path);
    http_req_cancel(r);
    r->cancelled = true;
    http_req_resume(r);
}

/* The connection's watch, made at its first hold. NULL if it cannot be made. */
static req_watch *conn_watch(http_req *r)
{
    conn_ctx *ctx = http_conn_ctx(r->conn);
    if (!ctx)
        return NULL;
    if (ctx->watch)
        return ctx->watch;
    req_watch *w = g_new0(req_watch, 1);
    w->srv = r->srv;
    w->poll.data = w;
    if (uv_poll_init_socket(r->srv->loop, &w->poll, ctx->fd) != 0) {
        g_free(w);
        return NULL;
    }
    r->srv->handles_open++;
    ctx->watch = w;
    return w;
}

/* MHD takes a suspended connection out of its epoll set and learns the client left only when
 * the request is resumed, so the socket is watched here for the peer's FIN or an error. */
void http_req_watch(http_req *r)
{
    req_watch *w = conn_watch(r);
    if (!w)
        return; /* not fatal: the request is still answered or cancelled at close */
    w->r = r;
    r->watch = w;
    if (!w->active && uv_poll_start(&w->poll, UV_DISCONNECT, on_client_gone) == 0)
        w->active = true;
}

void http_req_suspend(http_req *r)
{
    if (r->suspended)
        return;
    r->suspended = true;
    MHD_suspend_connection(r->conn);
}

int http_suspend(http_req *r, void (*on_cancel)(http_req *r, void *arg), void *arg)
{
    http_server *srv = r->srv;
    if (r->replied || r->held)
        return -EALREADY;
    if (srv->closing) {
        http_reply_error(r, 503, "shutting_down", "Máy chủ đang dừng, vui lòng thử lại sau.");
        return -ESHUTDOWN;
    }
    r->on_cancel = on_cancel;
    r->cancel_arg = arg;
    r->held = true;
    r->next = srv->held_head;
    if (r->next)
        r->next->prev = r;
    srv->held_head = r;
    srv->n_held++;
    http_req_suspend(r);
    http_req_watch(r);
    return 0;
}

int http_resume_json(http_req *r, unsigned status, json_t *body)
{
    return http_reply_json(r, status, body);
}

/* ---- deferred work ---- */

void http_req_after_work(http_req *r)
{
    if (r->ended && !r->deferred) {
        http_req_free(r);
    } else if (!r->replied && !r->deferred && !r->held) {
        /* done must reply, defer again or hold the request; anything else is a bug */
        log_error("http: %s %s: deferred work done without a reply", r->method, r->path);
        http_reply_error(r, 500, "internal", "Lỗi máy chủ nội bộ.");
    }
}

bool http_etag_matches(const char *if_none_match, const char *etag)
{
    /* Walked in place: a box's every manifest poll comes here, so no allocation. */
    size_t n = strlen(etag);
    for (const char *p = if_none_match; p && *p;) {
        p += strspn(p, " \t,");
        if (!strncmp(p, "W/", 2))
            p += 2;
        const char *end = p + strcspn(p, ","), *e = end;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        size_t len = (size_t)(e - p);
        if ((len == 1 && *p == '*') || (len == n && !memcmp(p, etag, n)))
            return true;
        p = end;
    }
    return false;
}
