/* api: the daemon's HTTP API (docs/api.md) on top of http.h and the store. One api object per
 * serving process: it owns the routes' shared state (the box-event waiters, the manifest
 * cache) and borrows the loop, the HTTP server and the store, which must outlive it. */
#ifndef LOALANG_API_H
#define LOALANG_API_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "http.h"
#include "ingest.h"
#include "store.h"
#include "store_media.h"

typedef struct api_options {
    const char *data_dir;
    uint64_t max_upload_bytes; /* pieces' audio files */
    int64_t max_upload_ms;     /* pieces' duration */
    int horizon_days;          /* manifest horizon */
    int poll_seconds;          /* told to boxes */
    double target_lufs;        /* ingest loudness target */
    double true_peak_dbtp;     /* ingest true-peak ceiling */
    int bitrate;               /* ingest Opus bitrate, bit/s */
    const char *web_dir;       /* the UI's files (api_web.c); NULL = built-in default; borrowed */
} api_options;

typedef struct api api;

/* Registers every route on srv. opts' strings are copied. *out is released with api_free,
 * after the HTTP server has closed (no request may still refer to it). */
int api_create(uv_loop_t *loop, http_server *srv, store *db, const api_options *opts, api **out);
/* Closes the api's own handles (timers); cb runs when they are closed and the api is freed. */
void api_close(api *a, void (*cb)(void *arg), void *arg);

/* The media row of what ingest measured (sha256, bytes, duration, loudness), for the API's
 * uploads and the CLI's imports: the one place that knows both the ingest and the store. */
store_media api_media_row(const ingest_result *r);

#endif
