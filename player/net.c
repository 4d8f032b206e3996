/* net: libcurl multi-socket on libuv, after curl's docs/examples/multi-uv.c (docs/architecture.md
 * §10). */
#include "net.h"
#include "wallclock.h"

#include <curl/curl.h>
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define DEFAULT_MAX_BODY (4u << 20)

struct player_net {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    char *base_url;
    char *auth_header;
    char *ca_file;
    GList *reqs;  /* net_req*, running */
    GList *socks; /* sock_ctx*, polled */
    bool closing;
};

struct net_req {
    player_net *n;
    CURL *easy;
    struct curl_slist *headers;
    net_cb cb;
    void *data;
    char *url;
    char *post;
    GString *body;
    size_t max_body;
    int fd;
    int64_t range_from, offset, file_bytes, max_bytes, keep_free;
    bool restarted, started_body, discard, etag_mismatch, write_failed;
    int fail_rc; /* why a callback of ours stopped the transfer, with fail_msg */
    char fail_msg[160];
    char *if_range;
    char *etag;
    char errbuf[CURL_ERROR_SIZE];
    int64_t sent_ms;
};

typedef struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    player_net *n;
} sock_ctx;

static void sock_closed(uv_handle_t *h)
{
    g_free(h->data);
}

static void sock_close(player_net *n, sock_ctx *s)
{
    n->socks = g_list_remove(n->socks, s);
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, sock_closed);
}

static void req_free(net_req *r)
{
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    if (r->body)
        g_string_free(r->body, TRUE);
    g_free(r->url);
    g_free(r->post);
    g_free(r->etag);
    g_free(r->if_range);
    g_free(r);
}

static void finish(net_req *r, CURLcode code)
{
    player_net *n = r->n;
    n->reqs = g_list_remove(n->reqs, r);
    curl_multi_remove_handle(n->multi, r->easy);
    net_result res = {.sent_ms = r->sent_ms,
                      .done_ms = wallclock_now_ms(),
                      .etag = r->etag,
                      .file_bytes = r->file_bytes,
                      .restarted = r->restarted,
                      .etag_mismatch = r->etag_mismatch,
                      .write_failed = r->write_failed};
    if (code == CURLE_OK) {
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &res.status);
        if (r->body) {
            res.body = r->body->str;
            res.body_len = r->body->len;
        }
    } else if (r->fail_rc != 0) {
        res.rc = r->fail_rc;
        res.error = r->fail_msg;
    } else {
        res.rc = code == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
        res.error = r->errbuf[0] ? r->errbuf : curl_easy_strerror(code);
    }
    r->cb(&res, r->data);
    req_free(r);
}

static void drain(player_net *n)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(n->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        net_req *r = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        finish(r, m->data.result);
    }
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    sock_ctx *s = h->data;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    else
        flags = ((events & UV_READABLE) ? CURL_CSELECT_IN : 0) |
                ((events & UV_WRITABLE) ? CURL_CSELECT_OUT : 0);
    int running = 0;
    player_net *n = s->n;
    curl_multi_socket_action(n->multi, s->fd, flags, &running);
    drain(n);
}

static void on_timeout(uv_timer_t *t)
{
    player_net *n = t->data;
    int running = 0;
    curl_multi_socket_action(n->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain(n);
}

/* CURLMOPT_TIMERFUNCTION: only (re)arms the timer; curl is never called from here. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    player_net *n = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&n->timer);
    else
        uv_timer_start(&n->timer, on_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

static int socket_cb(CURL *easy, curl_socket_t fd, int action, void *userp, void *socketp)
{
    (void)easy;
    player_net *n = userp;
    sock_ctx *s = socketp;
    if (action == CURL_POLL_REMOVE) {
        if (s) {
            sock_close(n, s);
            curl_multi_assign(n->multi, fd, NULL);
        }
        return 0;
    }
    if (s == NULL) {
        s = g_new0(sock_ctx, 1);
        s->fd = fd;
        s->n = n;
        if (uv_poll_init_socket(n->loop, &s->poll, fd) != 0) {
            g_free(s);
            return -1;
        }
        s->poll.data = s;
        n->socks = g_list_prepend(n->socks, s);
        curl_multi_assign(n->multi, fd, s);
    }
    int events = (action == CURL_POLL_IN || action == CURL_POLL_INOUT ? UV_READABLE : 0) |
                 (action == CURL_POLL_OUT || action == CURL_POLL_INOUT ? UV_WRITABLE : 0);
    uv_poll_start(&s->poll, events, on_poll);
    return 0;
}

int net_new(uv_loop_t *loop, const char *base_url, const char *token, const char *ca_file,
            player_net **out)
{
    static gsize once;
    if (g_once_init_enter(&once)) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        g_once_init_leave(&once, 1);
    }
    player_net *n = g_new0(player_net, 1);
    n->loop = loop;
    n->multi = curl_multi_init();
    if (n->multi == NULL) {
        g_free(n);
        return -ENOMEM;
    }
    n->base_url = g_strdup(base_url);
    n->auth_header = token ? g_strdup_printf("Authorization: Bearer %s", token) : NULL;
    n->ca_file = g_strdup(ca_file);
    uv_timer_init(loop, &n->timer);
    n->timer.data = n;
    curl_multi_setopt(n->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
    curl_multi_setopt(n->multi, CURLMOPT_SOCKETDATA, n);
    curl_multi_setopt(n->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(n->multi, CURLMOPT_TIMERDATA, n);
    *out = n;
    return 0;
}

/* Records why one of our callbacks stops the transfer (the first reason stands) and returns
 * what makes curl abort it. */
static size_t fail(net_req *r, int rc, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static size_t fail(net_req *r, int rc, const char *fmt, ...)
{
    if (r->fail_rc == 0) {
        va_list ap;
        va_start(ap, fmt);
        g_vsnprintf(r->fail_msg, sizeof r->fail_msg, fmt, ap);
        va_end(ap);
        r->fail_rc = rc;
    }
    return 0;
}

/* The end of a file answer's headers: a body announced longer than the file may be is refused
 * before any of it is written (a lying Content-Length must not fill the disk). */
static size_t headers_end(net_req *r, size_t len)
{
    long status = 0;
    curl_off_t cl = -1;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    if (r->max_bytes <= 0 || cl < 0 || (status != 200 && status != 206))
        return len;
    int64_t total = (status == 206 ? r->range_from : 0) + (int64_t)cl;
    if (total > r->max_bytes)
        return fail(r, -EFBIG,
                    "the server announces %" G_GINT64_FORMAT
                    " bytes, more than the %" G_GINT64_FORMAT " expected",
                    total, r->max_bytes);
    return len;
}

static size_t header_cb(char *buf, size_t size, size_t nitems, void *data)
{
    net_req *r = data;
    size_t len = size * nitems;
    if (r->fd >= 0 && (len == 2 || len == 1) && (buf[0] == '\r' || buf[0] == '\n'))
        return headers_end(r, len);
    if (len >= 5 && g_ascii_strncasecmp(buf, "HTTP/", 5) == 0) {
        g_free(r->etag); /* a new answer (after 100 Continue, say) */
        r->etag = NULL;
    } else if (len > 5 && g_ascii_strncasecmp(buf, "ETag:", 5) == 0) {
        g_free(r->etag);
        r->etag = g_strstrip(g_strndup(buf + 5, len - 5));
    }
    return len;
}

static size_t body_cb(char *buf, size_t size, size_t nmemb, void *data)
{
    net_req *r = data;
    size_t len = size * nmemb;
    if (r->body->len + len > r->max_body)
        return 0; /* CURLE_WRITE_ERROR */
    g_string_append_len(r->body, buf, (gssize)len);
    return len;
}

/* The first bytes of a file answer decide: 206 continues at range_from, 200 rewrites the file
 * from the start (the server ignored or refused the range), anything else is not stored. */
static int file_begin(net_req *r)
{
    long status = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    r->started_body = true;
    if (status == 206 && r->range_from > 0) {
        /* A 206 of another version must not be appended to what we have. */
        if (r->if_range && (r->etag == NULL || strcmp(r->etag, r->if_range) != 0)) {
            r->etag_mismatch = r->discard = true;
            return 0;
        }
        r->offset = r->range_from;
        return 0;
    }
    if (status != 200) {
        r->discard = true;
        return 0;
    }
    r->offset = 0;
    if (r->range_from > 0) {
        r->restarted = true;
        if (ftruncate(r->fd, 0) != 0) {
            int e = errno;
            r->write_failed = true;
            fail(r, -e, "%s", g_strerror(e));
            return -e;
        }
    }
    return 0;
}

static size_t file_cb(char *buf, size_t size, size_t nmemb, void *data)
{
    net_req *r = data;
    size_t len = size * nmemb;
    if (!r->started_body && file_begin(r) != 0)
        return 0;
    if (r->discard)
        return len;
    if (r->max_bytes > 0 && r->offset + (int64_t)len > r->max_bytes)
        return fail(r, -EFBIG, "the answer runs past the %" G_GINT64_FORMAT " bytes expected",
                    r->max_bytes);
    struct statvfs v;
    if (r->keep_free > 0 && fstatvfs(r->fd, &v) == 0 &&
        (int64_t)v.f_bavail * (int64_t)v.f_frsize - (int64_t)len < r->keep_free)
        return fail(r, -ENOSPC, "less than the %" G_GINT64_FORMAT " bytes kept free would be left",
                    r->keep_free);
    size_t done = 0;
    while (done < len) {
        ssize_t w = pwrite(r->fd, buf + done, len - done, (off_t)r->offset);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) { /* curl would only say "Failure writing output to destination" */
            int e = w < 0 ? errno : EIO;
            r->write_failed = true;
            return fail(r, -e, "%s", g_strerror(e));
        }
        done += (size_t)w;
        r->offset += w;
        r->file_bytes += w;
    }
    return len;
}

static void set_common(player_net *n, net_req *r, const net_opts *o)
{
    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "loalang-player/" LOALANG_VERSION);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    if (o->timeout_s > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT, o->timeout_s);
    if (n->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, n->ca_file);
    /* The token is for our server only, not for a CDN that a manifest URL may point at. */
    if (n->auth_header && g_str_has_prefix(r->url, n->base_url) &&
        (r->url[strlen(n->base_url)] == '/' || r->url[strlen(n->base_url)] == '\0'))
        r->headers = curl_slist_append(r->headers, n->auth_header);
}

static void set_body(net_req *r, const net_opts *o)
{
    CURL *e = r->easy;
    if (o->fd >= 0) {
        r->fd = o->fd;
        r->range_from = o->range_from;
        r->max_bytes = o->max_bytes;
        r->keep_free = o->keep_free;
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, file_cb);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, o->min_rate > 0 ? o->min_rate : 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, o->slow_s > 0 ? o->slow_s : 60L);
        if (o->range_from > 0) {
            char range[48];
            g_snprintf(range, sizeof range, "%" G_GINT64_FORMAT "-", o->range_from);
            curl_easy_setopt(e, CURLOPT_RANGE, range);
            if (o->if_range) {
                r->if_range = g_strdup(o->if_range);
                char *h = g_strdup_printf("If-Range: %s", o->if_range);
                r->headers = curl_slist_append(r->headers, h);
                g_free(h);
            }
        }
        return;
    }
    r->fd = -1;
    r->body = g_string_new(NULL);
    r->max_body = o->max_body ? o->max_body : DEFAULT_MAX_BODY;
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* manifests compress well */
    if (o->if_none_match) {
        char *h = g_strdup_printf("If-None-Match: %s", o->if_none_match);
        r->headers = curl_slist_append(r->headers, h);
        g_free(h);
    }
    if (o->post_json) {
        r->post = g_strdup(o->post_json);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->post);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(r->post));
        r->headers = curl_slist_append(r->headers, "Content-Type: application/json");
    }
}

int net_request(player_net *n, const char *path, const net_opts *o, net_cb cb, void *data,
                net_req **out)
{
    if (n->closing)
        return -ECANCELED;
    net_req *r = g_new0(net_req, 1);
    r->n = n;
    r->cb = cb;
    r->data = data;
    r->easy = curl_easy_init();
    if (r->easy == NULL) {
        g_free(r);
        return -ENOMEM;
    }
    r->url = (g_str_has_prefix(path, "http://") || g_str_has_prefix(path, "https://"))
                 ? g_strdup(path)
                 : g_strconcat(n->base_url, path, NULL);
    set_common(n, r, o);
    set_body(r, o);
    r->headers = curl_slist_append(r->headers, "Expect:");
    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
    r->sent_ms = wallclock_now_ms();
    if (curl_multi_add_handle(n->multi, r->easy) != CURLM_OK) {
        req_free(r);
        return -EIO;
    }
    n->reqs = g_list_prepend(n->reqs, r);
    if (out)
        *out = r;
    return 0;
}

void net_cancel(player_net *n, net_req *r)
{
    if (r == NULL || g_list_find(n->reqs, r) == NULL)
        return;
    n->reqs = g_list_remove(n->reqs, r);
    curl_multi_remove_handle(n->multi, r->easy);
    req_free(r);
}

static void net_closed(uv_handle_t *h)
{
    g_free(h->data);
}

void net_free(player_net *n)
{
    if (n == NULL)
        return;
    n->closing = true;
    while (n->reqs)
        net_cancel(n, n->reqs->data);
    curl_multi_cleanup(n->multi);
    while (n->socks)
        sock_close(n, n->socks->data);
    g_free(n->base_url);
    g_free(n->auth_header);
    g_free(n->ca_file);
    uv_timer_stop(&n->timer);
    n->timer.data = n;
    uv_close((uv_handle_t *)&n->timer, net_closed);
}
