/* net: the player's HTTP client — libcurl's multi-socket API driven by the player's libuv loop
 * (one uv_poll per socket, one uv_timer for curl's timeouts). A small request API: GET into
 * memory (with If-None-Match), GET into a file descriptor (with Range / If-Range), POST JSON.
 * The bearer token goes only to URLs under the server's base URL. net owns its requests; a
 * request's callback runs once, on the loop, unless the request was cancelled first. */
#ifndef LOALANG_PLAYER_NET_H
#define LOALANG_PLAYER_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct player_net player_net;
typedef struct net_req net_req;

typedef struct net_opts {
    const char *if_none_match; /* sent as If-None-Match */
    const char *post_json;     /* non-NULL: POST this body as application/json */
    int fd;                    /* ≥ 0: write the body of a 2xx answer to this file */
    int64_t range_from;        /* with fd: > 0 asks for bytes range_from- (a 206 appends) */
    const char *if_range;      /* with range_from: sent as If-Range (an ETag) */
    int64_t max_bytes;         /* with fd: the file never grows past this (a 206 appends at
                                  range_from); an answer announcing more (Content-Length) is
                                  aborted before a byte is written, one sending more as soon as
                                  it would pass it: rc -EFBIG. 0: no limit */
    int64_t keep_free;         /* with fd: a write that would leave less free space on the
                                  file's filesystem aborts the request instead (-ENOSPC) */
    long min_rate, slow_s;     /* with fd: slower than min_rate bytes/s for slow_s seconds
                                  aborts it (-ETIMEDOUT); 0: 1 byte/s, 60 s */
    long timeout_s;            /* whole request; 0: none (downloads use a low-speed limit) */
    size_t max_body;           /* memory answers; 0: 4 MiB */
} net_opts;

typedef struct net_result {
    int rc;            /* 0: an HTTP answer came (any status); < 0: it failed: -EFBIG larger
                          than max_bytes, -ENOSPC (keep_free), -ETIMEDOUT too slow or a
                          timeout, the errno of a failed write (write_failed), -EIO else */
    long status;       /* HTTP status, 0 when none */
    const char *error; /* rc < 0: what went wrong (ours, or curl's message) */
    const char *etag;  /* the answer's ETag, or NULL */
    const char *body;  /* memory requests: the body, NUL-terminated; else NULL */
    size_t body_len;
    int64_t sent_ms, done_ms; /* wall clock, epoch ms: when queued, when finished */
    int64_t file_bytes;       /* fd requests: bytes written to the file by this request */
    bool restarted;           /* fd requests: a 200 answered the Range; the file was rewritten */
    bool etag_mismatch;       /* fd requests: a 206 for another ETag than if_range: nothing
                                 was written */
    bool write_failed;        /* fd requests: the file could not be written; rc is the errno
                                 (-ENOSPC: the disk is full), error its strerror */
} net_result;

/* res and everything it points to are valid during the call only. The callback may start
 * new requests and cancel others, but must not free the net. */
typedef void (*net_cb)(const net_result *res, void *data);

/* base_url without trailing slash; token may be NULL (no Authorization header). */
int net_new(uv_loop_t *loop, const char *base_url, const char *token, const char *ca_file,
            player_net **out);
/* Starts a request; path is "/api/…" (joined to base_url) or an absolute http(s) URL. *out
 * (may be NULL) identifies it for net_cancel until the callback has run. */
int net_request(player_net *n, const char *path, const net_opts *o, net_cb cb, void *data,
                net_req **out);
/* Drops a request without calling its callback. */
void net_cancel(player_net *n, net_req *r);
/* Cancels every request and closes the handles; the loop must run once more to release them. */
void net_free(player_net *n);

#endif
