/* http_internal: the server's and the request's private state, shared by http.c (server
 * lifecycle and the MHD/libuv glue), http_route.c (routing, request dispatch, accessors) and
 * http_reply.c (replies, suspend/resume, deferred work). Not part of the public API. */
#ifndef LOALANG_HTTP_INTERNAL_H
#define LOALANG_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <stdbool.h>

#include "http.h"

#define HTTP_SEGS_MAX 32 /* path segments; deeper paths are 404 */

typedef struct route_ent {
    const http_route *rt;
    void *ud;
    char **segs; /* the pattern split at '/'; g_strfreev */
    size_t n;
    bool rest; /* last segment is "*name" */
} route_ent;

typedef enum req_phase {
    PH_BODY,    /* headers in, reading the body */
    PH_DISCARD, /* replied early; the rest of the body is dropped */
    PH_HANDLED, /* handler ran; waiting for the reply to be queued or the request to end */
} req_phase;

/* A socket watch for a connection's suspended requests: MHD removes suspended connections from
 * its epoll set, so it cannot see the client leave; this uv_poll does (UV_DISCONNECT, errors).
 * One per connection, made at its first hold and kept until MHD closes the connection (a box's
 * every poll would otherwise add and remove it, four epoll_ctl calls each); it watches only
 * while a request is held. Allocated apart because uv_close completes after MHD lets go. */
typedef struct req_watch {
    uv_poll_t poll;
    http_req *r; /* the request held now, or NULL */
    http_server *srv;
    bool active; /* uv_poll started */
} req_watch;

/* MHD's per-connection context (its socket_context): the watch, once made, and the deadline
 * for the next request's headers while the connection waits for them (http_conn.c). */
typedef enum conn_wait { CONN_BUSY, CONN_FRESH, CONN_IDLE } conn_wait;
typedef struct conn_ctx {
    req_watch *watch;
    int fd;
    conn_wait wait;       /* which deadline list it is on; BUSY: none */
    uint64_t deadline_ms; /* loop time */
    struct conn_ctx *prev, *next;
} conn_ctx;

typedef struct conn_list {
    conn_ctx *head, *tail; /* by deadline: every entry of a list waits as long */
} conn_list;

struct http_req {
    http_server *srv;
    struct MHD_Connection *conn;
    const char *method; /* MHD's, valid for the request */
    const char *path;   /* MHD's decoded URL */
    const route_ent *route;
    req_phase phase;
    /* path parameters: names borrowed from the pattern, values into pathbuf or path */
    char *pathbuf;
    const char *pnames[HTTP_PARAMS_MAX];
    const char *pvals[HTTP_PARAMS_MAX];
    size_t nparams;
    size_t limit;      /* body bytes allowed */
    uint64_t received; /* body bytes seen */
    char *body;        /* buffered body, NUL-terminated */
    size_t body_len, body_cap;
    void *state;
    void (*state_free)(void *);
    char **hdrs; /* pending extra headers: name, value, name, value … (NULL-terminated) */
    size_t n_hdrs;
    struct MHD_Response *resp; /* the reply, waiting to be queued (shared's when shared) */
    http_shared *shared;       /* a reference, held until the reply is queued */
    unsigned status;
    bool replied;
    bool suspended; /* MHD connection suspended (held or deferred) */
    bool held;      /* suspended by http_suspend, in srv's held list */
    bool cancelled; /* client gone or server closing: close the connection on resume */
    bool deferred;  /* work in the thread pool */
    bool ended;     /* MHD reported the request complete; freed when the work returns */
    void (*on_cancel)(http_req *r, void *arg);
    void *cancel_arg;
    req_watch *watch;
    http_req *prev, *next; /* held list */
};

struct http_server {
    uv_loop_t *loop;
    struct MHD_Daemon *mhd;
    uv_poll_t poll;
    uv_timer_t timer;
    uv_timer_t grace;
    uv_timer_t sweep;      /* closes connections past their header deadline */
    conn_list fresh, idle; /* connections waiting for a request's headers */
    uint64_t header_ms;    /* a new connection's first request headers: this long */
    uint64_t idle_ms;      /* a kept-alive connection's next request headers: this long */
    uint16_t port;
    bool tls;
    size_t max_body;
    route_ent *routes;
    size_t n_routes;
    http_req *held_head; /* long-polls held (http_suspend) */
    size_t n_held;
    size_t n_deferred;
    size_t n_active;           /* requests begun and not yet reported complete by MHD */
    struct http_queue *queues; /* http_queue.c's, freed with the server */
    char *trusted_proxy;       /* canonical (http_address_canon), or NULL */
    bool in_run, need_run;
    bool closing, stopped;
    int handles_open; /* uv handles (server's and watches') not yet closed */
    void (*close_cb)(void *arg);
    void *close_arg;
};

/* http.c */
void http_srv_run(http_server *srv); /* MHD_run now (or again after the current run) */
/* MHD_run on the loop's next turn (or again after the current run). Used after a resume, so
 * that the request is never completed and freed under the code that resumed it. */
void http_srv_kick(http_server *srv);
void http_srv_check_closed(http_server *srv);
/* One of the server's uv handles (or a request's watch) finished closing. */
void http_srv_handle_closed(http_server *srv);

/* http_queue.c: at close, every job still waiting is dropped and answered 503; with the server,
 * the queues are freed. */
void http_queues_close(http_server *srv);
void http_queues_free(http_server *srv);

/* http_route.c */

enum MHD_Result http_on_access(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **con_cls);
void http_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                       enum MHD_RequestTerminationCode toe);
void http_routes_free(http_server *srv);

/* http_reply.c */
/* Queues r's pending reply on its connection (inside the access handler only). */
enum MHD_Result http_req_flush(http_req *r);
/* Held request ends without its owner: stop the watch, run on_cancel, leave the held list. */
void http_req_cancel(http_req *r);
void http_req_unwatch(http_req *r);
void http_req_free(http_req *r);
/* Suspends r's connection (held or waiting for work) / resumes it (a no-op unless suspended). */
void http_req_suspend(http_req *r);
void http_req_resume(http_req *r);
/* Watches r's socket while it is suspended: when the client leaves, r->on_cancel runs (with
 * r->cancel_arg), then r is resumed cancelled and MHD closes the connection. */
void http_req_watch(http_req *r);
/* After deferred work's done callback: frees r if it ended meanwhile, or answers 500 when done
 * left it without a reply. */
void http_req_after_work(http_req *r);

/* http_conn.c */
/* MHD_OPTION_NOTIFY_CONNECTION: a conn_ctx per connection, on the fresh deadline list; its
 * watch closes with it. */
void http_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe);
/* A request's headers are in: no deadline until the request completes. */
void http_conn_headers_in(http_server *srv, struct MHD_Connection *c);
/* The request completed and the connection stays open: its next headers have idle_ms. */
void http_conn_request_done(http_server *srv, struct MHD_Connection *c);
/* Starts the sweep timer (once, at server start). */
void http_conn_start_sweep(http_server *srv);
/* The connection's context (NULL if MHD has none). */
conn_ctx *http_conn_ctx(struct MHD_Connection *c);
/* req_watch closed (uv_close callback): frees it. */
void http_watch_closed(uv_handle_t *h);

#endif
