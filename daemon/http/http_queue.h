/* http_queue: bounded, fair queues in front of the libuv thread pool. Each queue (password
 * checks, ingest, reports) decides which deferred work goes to the pool and how much of its
 * work runs at once, so one kind of work never holds every pool thread the others need. Inside
 * a queue each client (http_client_key: an IPv4 address, an IPv6 /64) has its own FIFO with a
 * small cap, the clients with work waiting are served in turn (round-robin, fewest running
 * first), and no client runs more than half the queue's jobs at once (at least one): one
 * address sending hundreds of requests gets its cap's worth queued and the rest refused, and
 * a request from anyone else starts on the place the flood must leave free, not after it.
 *
 * A refused request is answered 503 `busy` with Retry-After. Work still waiting when its
 * client leaves (the socket is watched as a held request's is, http.h) is dropped without
 * running; work already running cannot be stopped and its reply goes nowhere.
 *
 * Ownership: a queue belongs to its server, which frees it after closing; callers borrow it for
 * the server's life. Loop thread only, except the work functions. */
#ifndef LOALANG_HTTP_QUEUE_H
#define LOALANG_HTTP_QUEUE_H

#include <stddef.h>

#include "http.h"

typedef struct http_queue http_queue;

typedef struct http_queue_config {
    const char *name;       /* for the logs: "password", "ingest", "report" (copied) */
    unsigned running;       /* most jobs in the pool at once; 0 = 1 */
    unsigned waiting;       /* most jobs waiting, all clients together; 0 = none wait */
    unsigned per_client;    /* most jobs of one client, waiting and running; 0 = no cap */
    unsigned retry_after_s; /* Retry-After of a refusal; 0 = 1 */
} http_queue_config;

/* A queue on srv. 0, or -ENOMEM. */
int http_queue_new(http_server *srv, const http_queue_config *cfg, http_queue **out);

/* Deferred work, through q: work(arg) runs on the libuv pool when q's turn for r's client comes,
 * then done(r, arg, work's result) on the loop, which must reply. drop(arg) (NULL: nothing to free)
 * runs instead of both when the work will never run: refused, client gone while waiting, or the
 * server closing. Returns 0 when queued (or already running); -EBUSY when q or the client's
 * share of it is full, and -ESHUTDOWN while the server closes, both after replying 503 (a
 * handler may return either: the request has its reply); -EALREADY when r already replied,
 * holds or defers. Whenever it returns non-zero, drop has run. */
int http_queue_defer(http_queue *q, http_req *r, int (*work)(void *arg),
                     void (*done)(http_req *r, void *arg, int status), void (*drop)(void *arg),
                     void *arg);

/* Jobs waiting / running now. */
size_t http_queue_waiting(const http_queue *q);
size_t http_queue_running(const http_queue *q);

#endif
