/* http: the daemon's HTTP server. libmicrohttpd in external-epoll mode driven by the libuv
 * loop (a uv_poll on MHD's epoll fd plus a uv_timer from MHD_get_timeout), a small router with
 * ":name" path parameters, bounded request bodies, JSON replies and errors, sendfile replies,
 * suspended requests (long-polls) and work deferred to the libuv thread pool (through the
 * bounded queues of http_queue.h).
 *
 * Threads: everything here runs on the loop thread, except the work functions given to
 * an http_queue (http_queue.h). A request (http_req) is owned by the server; handlers borrow it
 * until they reply (or, for suspended requests, until they resume it or its cancel callback ran).
 */
#ifndef LOALANG_HTTP_H
#define LOALANG_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define HTTP_DEFAULT_MAX_BODY (64 * 1024) /* bytes of a buffered (JSON) body */
#define HTTP_PARAMS_MAX       4           /* ":name" segments in one pattern */
#define HTTP_ADDR_MAX         64          /* a client address as text, or an IPv6 "/64" */

typedef struct http_server http_server;
typedef struct http_req http_req;

typedef struct http_config {
    const char *address;       /* numeric IPv4/IPv6 address; NULL = 127.0.0.1 */
    uint16_t port;             /* 0 = any free port (see http_server_port) */
    const char *tls_cert;      /* PEM file; with tls_key, HTTPS is served; NULL = plain HTTP */
    const char *tls_key;       /* PEM file */
    unsigned connection_limit; /* 0 = what RLIMIT_NOFILE allows, at least 20000 */
    unsigned timeout_s;        /* idle connection timeout; 0 = 75 s (above the 55 s long-poll) */
    unsigned header_timeout_s; /* a new connection's request headers must be in within; 0 = 10 s */
    size_t max_body;           /* default limit for buffered bodies; 0 = HTTP_DEFAULT_MAX_BODY */
    unsigned per_ip_limit;     /* connections from one IP address; 0 = no limit */
    const char *trusted_proxy; /* numeric address of a reverse proxy whose X-Forwarded-For is
                                  believed (http_client_address); NULL = none */
} http_config;

/* Called when the request's headers are in. Returns 0 once it has replied, suspended the
 * request or deferred work; a negative code makes the server answer 500 (when nothing was
 * replied yet) and log the code. */
typedef int (*http_handler)(http_req *r, void *ud);

/* Streaming body: called for every chunk of the body in order, then once with len 0 at the
 * end, before the route's handler runs. Returns 0, or a negative code to stop reading; the
 * callback must have replied (http_reply_error) before returning an error, else 500. A reply
 * made before the body's end goes out once the rest of the body has been read and dropped
 * (MHD cannot answer mid-body), with Connection: close; but a 401 or 413 closes the connection
 * at once, unanswered, so that nobody can make the server read a large body. Refuse what can
 * be refused on the headers with the route's on_headers instead: that is answered. */
typedef int (*http_body_fn)(http_req *r, const char *data, size_t len, void *ud);

typedef struct http_route {
    const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE"; GET routes also answer HEAD */
    const char *pattern; /* "/api/v1/pieces/:id"; a last segment "*name" takes the rest */
    http_handler handler;
    size_t max_body;      /* buffered body limit; 0 = server default; larger → 413 */
    http_body_fn on_body; /* set: the body streams here instead of being buffered; max_body
                             still bounds its total size (413) */
    /* Optional: runs when the headers are in, before any of the body is read (and before "100
     * Continue"): checks that can refuse an upload without reading it, such as the session.
     * Returns 0 to go on; a refusal replies and returns non-zero, and then the body is never
     * read and the connection closes. */
    http_handler on_headers;
} http_route;

/* Binds and starts serving on loop. The config's strings are copied. *out is released with
 * http_server_close. Errors: -EADDRINUSE, -EINVAL (bad address, unreadable TLS files), -EIO.
 * Ignores SIGPIPE process-wide, which lets MHD use sendfile for http_reply_fd. */
int http_server_start(uv_loop_t *loop, const http_config *cfg, http_server **out);
/* Adds routes (the array must outlive the server). ud is given to their callbacks. Routes are
 * matched in the order added; an unmatched path gets 404, a known path with another method
 * 405 with Allow. */
int http_server_add_routes(http_server *srv, const http_route *routes, size_t n, void *ud);
/* The bound port (useful when cfg.port was 0). */
uint16_t http_server_port(const http_server *srv);
/* Stops accepting, answers every suspended request with 503 (their cancel callbacks run),
 * waits for in-flight deferred work and (up to 5 s) for requests in progress, then closes the
 * loop handles; cb (may be NULL) runs once everything is closed and srv has been freed. */
void http_server_close(http_server *srv, void (*cb)(void *arg), void *arg);
/* Requests currently suspended (long-polls held). */
size_t http_server_suspended(const http_server *srv);

/* Request accessors; strings are borrowed from the request. */
const char *http_method(const http_req *r);
const char *http_path(const http_req *r);                     /* decoded path, without the query */
const char *http_param(const http_req *r, const char *name);  /* ":name" from the pattern */
const char *http_query(const http_req *r, const char *name);  /* NULL when absent */
const char *http_header(const http_req *r, const char *name); /* case-insensitive */
const char *http_cookie(const http_req *r, const char *name);
/* The client's address as text ("203.0.113.7", "2001:db8::7"; IPv4-mapped IPv6 as IPv4): the
 * peer's, or, when the peer is the configured trusted proxy, the last address of the request's
 * X-Forwarded-For (the one the proxy itself saw: whatever comes before it, the client may have
 * written). A missing or malformed X-Forwarded-For leaves the proxy's own address. */
void http_client_address(const http_req *r, char out[HTTP_ADDR_MAX]);
/* Did the request reach us over HTTPS: served with TLS here, or from the trusted proxy with
 * "X-Forwarded-Proto: https" (any other client may write that header; it counts only from the
 * proxy)? Decides the cookie's Secure flag and HSTS. */
bool http_secure(const http_req *r);
/* The client as per-client limits count it: its IPv4 address, or the /64 network of its IPv6
 * address ("2001:db8:0:7::/64"), since one subscriber is given a whole /64 to pick from. */
void http_client_key(const http_req *r, char out[HTTP_ADDR_MAX]);
/* The canonical text of a numeric IPv4 or IPv6 address, as the two above write it ("::ffff:
 * 10.0.0.1" → "10.0.0.1", "2001:DB8::0:1" → "2001:db8::1"): 0, or -EINVAL for anything else. */
int http_address_canon(const char *text, char out[HTTP_ADDR_MAX]);
/* The buffered body (NUL-terminated, len excludes the NUL); NULL with *len 0 when empty. */
const char *http_body(const http_req *r, size_t *len);
/* Parses the buffered body as one JSON value (jansson, with the depth and UTF-8 checks of
 * common/proto_json.h). On failure replies 400 itself and returns -EINVAL; the caller returns
 * 0. *out is the caller's (json_decref). */
int http_body_json(http_req *r, json_t **out);

/* Form bodies (multipart/form-data or application/x-www-form-urlencoded), parsed as they
 * stream through a route's on_body with libmicrohttpd's post processor. fn gets each field's
 * data in pieces (off = where this piece starts in the field's value; filename and
 * content_type NULL when the part has none) and returns 0 or a negative code to stop. */
typedef int (*http_form_fn)(void *arg, const char *field, const char *filename,
                            const char *content_type, uint64_t off, const char *data, size_t len);
typedef struct http_form http_form;
/* -EINVAL when the request's Content-Type is not a form. *out is freed with http_form_free. */
int http_form_new(http_req *r, http_form_fn fn, void *arg, http_form **out);
/* 0, fn's error, or -EINVAL for a malformed form. */
int http_form_feed(http_form *f, const char *data, size_t len);
/* 0 when the form ended properly, -EINVAL when it was cut short. */
int http_form_free(http_form *f);

/* Per-request state for handlers and body callbacks; free_fn runs when the request ends. */
void http_set_state(http_req *r, void *state, void (*free_fn)(void *));
void *http_state(const http_req *r);

/* Replies. Each request gets exactly one reply; 0 or a negative code. Headers added with
 * http_add_header go on the next reply. */
int http_add_header(http_req *r, const char *name, const char *value);
/* Does an If-None-Match value (NULL: absent) match the strong tag etag (quoted)? "*", or any
 * tag of its comma-separated list, weak ("W/…") or not (RFC 9110 §13.1.2: weak comparison). */
bool http_etag_matches(const char *if_none_match, const char *etag);

/* body is stolen (json_decref'd by the server); Content-Type application/json; charset=utf-8. */
int http_reply_json(http_req *r, unsigned status, json_t *body);
/* {"error":{"code":code,"message":message}}; message in Vietnamese for people. */
int http_reply_error(http_req *r, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* buf is copied. */
int http_reply_buf(http_req *r, unsigned status, const char *content_type, const void *buf,
                   size_t len);
/* No body (204, 304 …). */
int http_reply_empty(http_req *r, unsigned status);
/* len bytes of fd from offset, sent with sendfile; the server takes fd and closes it. */
int http_reply_fd(http_req *r, unsigned status, const char *content_type, int fd, uint64_t offset,
                  uint64_t len);

/* len bytes at data, sent as they are (one write with the headers when the socket takes it).
 * data must stay valid until release(cls) runs, which the server calls once the reply is done
 * with it, or at once if this fails. */
int http_reply_mem(http_req *r, unsigned status, const char *content_type, const void *data,
                   size_t len, void (*release)(void *cls), void *cls);

/* Long-polls: suspend keeps the connection open without a reply. The owner later calls one of
 * the resume functions, or any http_reply_* (on the loop thread). on_cancel runs instead when
 * the client goes away (its FIN or a socket error is seen) or the server closes; after it, r
 * must not be used. While the server is closing, suspend replies 503 and returns -ESHUTDOWN. */
int http_suspend(http_req *r, void (*on_cancel)(http_req *r, void *arg), void *arg);
int http_resume_json(http_req *r, unsigned status, json_t *body);

/* One JSON answer for many requests (an emergency to thousands of held long-polls): encoded
 * once and queued for each without a copy. Reference-counted; the creator holds one reference
 * and drops it with http_shared_unref when it has answered everyone. */
typedef struct http_shared http_shared;
/* body is stolen; NULL when out of memory. */
http_shared *http_shared_json(unsigned status, json_t *body);
void http_shared_unref(http_shared *s);
/* Answers r with s, as http_resume_json would with its body (takes its own reference). */
int http_reply_shared(http_req *r, http_shared *s);

#endif
