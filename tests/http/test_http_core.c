/* http.c in-process: the server runs on its own libuv loop in a thread; the test thread is the
 * client (libcurl) and asks the loop thread for anything touching the server (resume, close)
 * through a uv_async. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "http.h"
#include "http_queue.h"

#define WAIT_MS 20000 /* upper bound for waiting on the loop thread; never a timing assertion */

typedef struct core {
    uv_loop_t loop;
    uv_async_t async;
    http_server *srv;
    uint16_t port;
    GThread *thread;
    GAsyncQueue *calls; /* (void (*)(struct core *)) to run on the loop thread */
    http_req *held[8];
    atomic_int n_held;
    atomic_int cancelled;
    atomic_int closed;
    atomic_int work_started;
    atomic_int gate; /* deferred work waits until this is set */
    char *dir;
    http_queue *queue;    /* /queued's */
    http_queue *queue2;   /* /queued2\'s: two running */
    GAsyncQueue *started; /* ids of the queued jobs, as they start (g_free) */
    atomic_int dropped;   /* queued jobs dropped unrun */
    atomic_int waiting;   /* http_queue_waiting, sampled on the loop (do_sample) */
    atomic_int waiting2;  /* the same for queue2 */
} core;

static core C;

/* ---- handlers ---- */

static int h_echo(http_req *r, void *ud)
{
    (void)ud;
    const char *q = http_query(r, "q"), *h = http_header(r, "x-test"), *k = http_cookie(r, "k");
    return http_reply_json(r, 200,
                           json_pack("{s:s,s:s?,s:s?,s:s,s:s?,s:s?,s:s?}", "method", http_method(r),
                                     "a", http_param(r, "a"), "b", http_param(r, "b"), "path",
                                     http_path(r), "q", q, "h", h, "cookie", k));
}

static int h_rest(http_req *r, void *ud)
{
    (void)ud;
    return http_reply_json(r, 200, json_pack("{s:s}", "rest", http_param(r, "rest")));
}

static int h_json(http_req *r, void *ud)
{
    (void)ud;
    json_t *j;
    if (http_body_json(r, &j) != 0)
        return 0;
    return http_reply_json(r, 201, j);
}

typedef struct stream_state {
    size_t bytes, chunks;
    uint32_t sum; /* order-sensitive checksum of the bytes */
    bool ended;
} stream_state;

static uint32_t fnv(uint32_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

static int on_stream(http_req *r, const char *data, size_t len, void *ud)
{
    (void)ud;
    stream_state *s = http_state(r);
    if (!s) {
        s = g_new0(stream_state, 1);
        s->sum = 2166136261u;
        http_set_state(r, s, g_free);
    }
    if (len == 0) {
        s->ended = true;
        return 0;
    }
    if (memmem(data, len, "BAD", 3)) {
        http_reply_error(r, 422, "bad_data", "Dữ liệu không hợp lệ.");
        return -EINVAL;
    }
    s->bytes += len;
    s->chunks++;
    s->sum = fnv(s->sum, data, len);
    return 0;
}

static int h_stream(http_req *r, void *ud)
{
    (void)ud;
    stream_state *s = http_state(r);
    return http_reply_json(r, 200,
                           json_pack("{s:I,s:I,s:I,s:b}", "bytes", (json_int_t)(s ? s->bytes : 0),
                                     "chunks", (json_int_t)(s ? s->chunks : 0), "sum",
                                     (json_int_t)(s ? s->sum : 0), "ended", s && s->ended));
}

static int h_file(http_req *r, void *ud)
{
    (void)ud;
    char *path = g_build_filename(C.dir, "big", NULL);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    g_free(path);
    if (fd < 0)
        return -errno;
    uint64_t off = g_ascii_strtoull(http_query(r, "off") ? http_query(r, "off") : "0", NULL, 10);
    uint64_t len = g_ascii_strtoull(http_query(r, "len"), NULL, 10);
    return http_reply_fd(r, 200, "application/octet-stream", fd, off, len);
}

static void on_cancel(http_req *r, void *arg)
{
    (void)arg;
    for (int i = 0; i < 8; i++)
        if (C.held[i] == r)
            C.held[i] = NULL;
    atomic_fetch_add(&C.cancelled, 1);
    atomic_fetch_sub(&C.n_held, 1);
}

static int h_hold(http_req *r, void *ud)
{
    (void)ud;
    int rc = http_suspend(r, on_cancel, NULL);
    if (rc != 0)
        return rc;
    for (int i = 0; i < 8; i++) {
        if (!C.held[i]) {
            C.held[i] = r;
            break;
        }
    }
    atomic_fetch_add(&C.n_held, 1);
    return 0;
}

/* A long-poll that finds its answer at once: suspended and answered in the same call. */
static int h_hold_ready(http_req *r, void *ud)
{
    (void)ud;
    int rc = http_suspend(r, on_cancel, NULL);
    if (rc != 0)
        return rc;
    return http_resume_json(r, 200, json_pack("{s:b}", "ready", 1));
}

static int work(void *arg)
{
    (void)arg;
    atomic_store(&C.work_started, 1);
    while (!atomic_load(&C.gate))
        g_usleep(1000);
    return 42;
}

static void work_done(http_req *r, void *arg, int status)
{
    (void)arg;
    http_reply_json(r, 200, json_pack("{s:i}", "status", status));
}

static int h_defer(http_req *r, void *ud)
{
    (void)ud;
    return http_queue_defer(C.queue, r, work, work_done, NULL, NULL);
}

/* /queued?id=X: work through C.queue that records X when it starts, then waits for the gate. */
static int queued_work(void *arg)
{
    g_async_queue_push(C.started, g_strdup(arg));
    while (!atomic_load(&C.gate))
        g_usleep(1000);
    return 7;
}

static void queued_done(http_req *r, void *arg, int status)
{
    http_reply_json(r, 200, json_pack("{s:s,s:i}", "id", (char *)arg, "status", status));
    g_free(arg);
}

static void queued_drop(void *arg)
{
    g_free(arg);
    atomic_fetch_add(&C.dropped, 1);
}

static int h_queued(http_req *r, void *ud)
{
    (void)ud;
    return http_queue_defer(C.queue, r, queued_work, queued_done, queued_drop,
                            g_strdup(http_query(r, "id")));
}

static int h_queued2(http_req *r, void *ud)
{
    (void)ud;
    return http_queue_defer(C.queue2, r, queued_work, queued_done, queued_drop,
                            g_strdup(http_query(r, "id")));
}

static int h_fail(http_req *r, void *ud)
{
    (void)r;
    (void)ud;
    return -EIO;
}

static int h_noreply(http_req *r, void *ud)
{
    (void)r;
    (void)ud;
    return 0;
}

static const http_route routes[] = {
    {"GET", "/echo/:a/:b", h_echo, 0, NULL, NULL},
    {"DELETE", "/echo/:a/:b", h_echo, 0, NULL, NULL},
    {"GET", "/files/*rest", h_rest, 0, NULL, NULL},
    {"POST", "/json", h_json, 1024, NULL, NULL},
    {"PUT", "/stream", h_stream, 1 << 20, on_stream, NULL},
    {"GET", "/file", h_file, 0, NULL, NULL},
    {"GET", "/hold", h_hold, 0, NULL, NULL},
    {"GET", "/hold/ready", h_hold_ready, 0, NULL, NULL},
    {"GET", "/defer", h_defer, 0, NULL, NULL},
    {"GET", "/queued", h_queued, 0, NULL, NULL},
    {"GET", "/queued2", h_queued2, 0, NULL, NULL},
    {"GET", "/fail", h_fail, 0, NULL, NULL},
    {"GET", "/noreply", h_noreply, 0, NULL, NULL},
};

/* ---- the loop thread ---- */

static void on_async(uv_async_t *a)
{
    (void)a;
    void (*fn)(core *);
    while ((fn = g_async_queue_try_pop(C.calls)))
        fn(&C);
}

static gpointer loop_main(gpointer arg)
{
    (void)arg;
    uv_run(&C.loop, UV_RUN_DEFAULT);
    return NULL;
}

static void call_on_loop(void (*fn)(core *))
{
    g_async_queue_push(C.calls, fn);
    uv_async_send(&C.async);
}

static void on_closed(void *arg)
{
    (void)arg;
    atomic_store(&C.closed, 1);
    uv_close((uv_handle_t *)&C.async, NULL);
}

static void do_sample(core *c)
{
    atomic_store(&c->waiting, (int)http_queue_waiting(c->queue));
    atomic_store(&c->waiting2, (int)http_queue_waiting(c->queue2));
}

/* Waits until the queue (C.waiting) or queue2 (C.waiting2) holds want jobs waiting. */
static bool wait_sampled(atomic_int *which, int want)
{
    for (int i = 0; i < WAIT_MS; i++) {
        call_on_loop(do_sample);
        g_usleep(1000);
        if (atomic_load(which) == want)
            return true;
    }
    return false;
}

static bool wait_waiting(int want)
{
    return wait_sampled(&C.waiting, want);
}

static void do_close(core *c)
{
    http_server_close(c->srv, on_closed, NULL);
}

static void do_release(core *c)
{
    for (int i = 0; i < 8; i++) {
        if (c->held[i]) {
            http_req *r = c->held[i];
            c->held[i] = NULL;
            atomic_fetch_sub(&c->n_held, 1);
            assert_int_equal(http_resume_json(r, 200, json_pack("{s:b}", "released", 1)), 0);
        }
    }
}

static bool wait_for(atomic_int *v, int want)
{
    for (int i = 0; i < WAIT_MS; i++) {
        if (atomic_load(v) == want)
            return true;
        g_usleep(1000);
    }
    return false;
}

static int setup(void **state)
{
    (void)state;
    memset(&C, 0, sizeof C);
    char tmpl[] = "/tmp/loalang-http-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    C.dir = g_strdup(tmpl);
    C.calls = g_async_queue_new();
    uv_loop_init(&C.loop);
    uv_async_init(&C.loop, &C.async, on_async);
    http_config cfg = {.port = 0, .max_body = 4096};
    assert_int_equal(http_server_start(&C.loop, &cfg, &C.srv), 0);
    assert_int_equal(http_server_add_routes(C.srv, routes, G_N_ELEMENTS(routes), NULL), 0);
    /* one job at a time, four waiting, three per client */
    http_queue_config qc = {
        .name = "test", .running = 1, .waiting = 4, .per_client = 3, .retry_after_s = 7};
    assert_int_equal(http_queue_new(C.srv, &qc, &C.queue), 0);
    http_queue_config qc2 = {.name = "test2", .running = 2, .waiting = 8, .per_client = 4};
    assert_int_equal(http_queue_new(C.srv, &qc2, &C.queue2), 0);
    C.started = g_async_queue_new_full(g_free);
    C.port = http_server_port(C.srv);
    assert_true(C.port > 0);
    C.thread = g_thread_new("loop", loop_main, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    atomic_store(&C.gate, 1); /* a test that failed may have left work waiting on it */
    if (!atomic_load(&C.closed))
        call_on_loop(do_close);
    g_thread_join(C.thread);
    assert_int_equal(atomic_load(&C.closed), 1);
    assert_int_equal(uv_loop_close(&C.loop), 0);
    g_async_queue_unref(C.calls);
    g_async_queue_unref(C.started);
    char *big = g_build_filename(C.dir, "big", NULL);
    unlink(big);
    g_free(big);
    rmdir(C.dir);
    g_free(C.dir);
    return 0;
}

/* ---- the client ---- */

typedef struct resp {
    long status;
    GString *body, *headers;
    CURLcode rc;
} resp;

static size_t collect(char *d, size_t s, size_t n, void *ud)
{
    g_string_append_len(ud, d, (gssize)(s * n));
    return s * n;
}

typedef struct chunked_src {
    size_t left;
    uint32_t sum;
    char fill;
} chunked_src;

static size_t read_chunked(char *buf, size_t s, size_t n, void *ud)
{
    chunked_src *src = ud;
    size_t k = MIN(s * n, src->left);
    k = MIN(k, 7001); /* odd sizes, so chunks don't line up with anything */
    for (size_t i = 0; i < k; i++)
        buf[i] = (char)(src->fill + (char)((src->left - i) % 23));
    src->sum = fnv(src->sum, buf, k);
    src->left -= k;
    return k;
}

/* The source address of request() on this thread (NULL: the kernel's choice, 127.0.0.1). */
static __thread const char *request_from;

/* One request. body NULL = none; chunked != NULL streams that source with chunked encoding. */
static resp request(const char *method, const char *path, const char *const *headers,
                    const char *body, size_t len, chunked_src *chunked, long timeout_ms)
{
    resp out = {0, g_string_new(NULL), g_string_new(NULL), CURLE_OK};
    char *url = g_strdup_printf("http://127.0.0.1:%u%s", C.port, path);
    struct curl_slist *hl = NULL;
    CURL *c = curl_easy_init();
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (chunked) {
        hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, read_chunked);
        curl_easy_setopt(c, CURLOPT_READDATA, chunked);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out.headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms ? timeout_ms : 60000L);
    char *iface = request_from ? g_strconcat("host!", request_from, NULL) : NULL;
    if (iface)
        curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
    out.rc = curl_easy_perform(c);
    g_free(iface);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    g_free(url);
    return out;
}

static void resp_free(resp *r)
{
    g_string_free(r->body, TRUE);
    g_string_free(r->headers, TRUE);
}

static json_t *body_json(const resp *r)
{
    json_t *j = json_loads(r->body->str, 0, NULL);
    if (!j)
        fail_msg("not JSON: %s", r->body->str);
    return j;
}

static const char *jstr(json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

/* The error code of an {"error":{…}} body; the message must be present. */
static void assert_error(const resp *r, long status, const char *code)
{
    assert_int_equal(r->status, status);
    json_t *j = body_json(r);
    json_t *e = json_object_get(j, "error");
    assert_string_equal(jstr(e, "code"), code);
    assert_non_null(jstr(e, "message"));
    json_decref(j);
}

/* ---- tests ---- */

/* If-None-Match as caches and boxes send it: one tag, a list, weak tags, "*", spaces. */
static void test_etag_matches(void **state)
{
    (void)state;
    const char *tag = "\"abc\"";
    assert_false(http_etag_matches(NULL, tag));
    assert_false(http_etag_matches("", tag));
    assert_true(http_etag_matches("\"abc\"", tag));
    assert_true(http_etag_matches("W/\"abc\"", tag));
    assert_true(http_etag_matches("*", tag));
    assert_true(http_etag_matches("\"x\", \"abc\"", tag));
    assert_true(http_etag_matches(" \"x\" ,W/\"abc\" ", tag));
    assert_false(http_etag_matches("\"abcd\"", tag));
    assert_false(http_etag_matches("\"ab\"", tag));
    assert_false(http_etag_matches("abc", tag));
    assert_false(http_etag_matches("\"x\",,", tag));
    assert_false(http_etag_matches("**", tag));
}

static void test_routing(void **state)
{
    (void)state;
    const char *hdr[] = {"X-Test: hi", "Cookie: k=v; other=1", NULL};
    resp r = request("GET", "/echo/x%20y/2?q=%C4%91i", hdr, NULL, 0, NULL, 0);
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    assert_string_equal(jstr(j, "a"), "x y");
    assert_string_equal(jstr(j, "b"), "2");
    assert_string_equal(jstr(j, "q"), "đi");
    assert_string_equal(jstr(j, "h"), "hi");
    assert_string_equal(jstr(j, "cookie"), "v");
    assert_string_equal(jstr(j, "path"), "/echo/x y/2");
    assert_non_null(strstr(r.headers->str, "application/json"));
    json_decref(j);
    resp_free(&r);

    r = request("GET", "/files/a/b/c.txt", NULL, NULL, 0, NULL, 0);
    j = body_json(&r);
    assert_string_equal(jstr(j, "rest"), "a/b/c.txt");
    json_decref(j);
    resp_free(&r);

    const char *missing[] = {"/", "/echo/1", "/echo/1/2/3", "/echo//2", "/nothing"};
    for (size_t i = 0; i < G_N_ELEMENTS(missing); i++) {
        r = request("GET", missing[i], NULL, NULL, 0, NULL, 0);
        assert_error(&r, 404, "not_found");
        resp_free(&r);
    }
}

static void test_method_not_allowed_and_head(void **state)
{
    (void)state;
    resp r = request("POST", "/echo/1/2", NULL, "{}", 2, NULL, 0);
    assert_error(&r, 405, "method_not_allowed");
    assert_non_null(strstr(r.headers->str, "Allow: GET, HEAD, DELETE"));
    resp_free(&r);

    r = request("DELETE", "/echo/1/2", NULL, NULL, 0, NULL, 0);
    assert_int_equal(r.status, 200);
    resp_free(&r);

    r = request("HEAD", "/echo/1/2", NULL, NULL, 0, NULL, 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body->len, 0);
    assert_non_null(strstr(r.headers->str, "Content-Length: "));
    resp_free(&r);
}

static void test_json_body(void **state)
{
    (void)state;
    const char *ok = "{\"tên\":\"Xã Đông\",\"n\":[1,2]}";
    resp r = request("POST", "/json", NULL, ok, strlen(ok), NULL, 0);
    assert_int_equal(r.status, 201);
    json_t *j = body_json(&r);
    assert_string_equal(jstr(j, "tên"), "Xã Đông");
    json_decref(j);
    resp_free(&r);

    const char *bad[] = {"{", "[1]", "{\"a\":1}x", "\xff\xfe", "", "{\"a\":1,\"a\":2}"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        r = request("POST", "/json", NULL, bad[i], strlen(bad[i]), NULL, 0);
        assert_error(&r, 400, "bad_json");
        resp_free(&r);
    }
    GString *deep = g_string_new(NULL);
    for (int i = 0; i < 40; i++)
        g_string_append(deep, "{\"a\":");
    g_string_append(deep, "1");
    for (int i = 0; i < 40; i++)
        g_string_append_c(deep, '}');
    r = request("POST", "/json", NULL, deep->str, deep->len, NULL, 0);
    assert_error(&r, 400, "bad_json");
    resp_free(&r);
    g_string_free(deep, TRUE);

    /* exactly at the route's limit (1024 bytes) is accepted, one byte more is not */
    for (size_t size = 1024; size <= 1025; size++) {
        GString *doc = g_string_new("{\"a\":\"");
        while (doc->len < size - 2)
            g_string_append_c(doc, 'x');
        g_string_append(doc, "\"}");
        assert_int_equal(doc->len, size);
        r = request("POST", "/json", NULL, doc->str, doc->len, NULL, 0);
        if (size == 1024) {
            assert_int_equal(r.status, 201);
            j = body_json(&r);
            assert_int_equal(strlen(jstr(j, "a")), 1024 - 8);
            json_decref(j);
        } else {
            assert_error(&r, 413, "too_large");
        }
        resp_free(&r);
        g_string_free(doc, TRUE);
    }
}

static void test_too_large(void **state)
{
    (void)state;
    /* declared: refused before the body is read */
    char *big = g_malloc(2000);
    memset(big, ' ', 2000);
    big[0] = '{';
    big[1999] = '}';
    resp r = request("POST", "/json", NULL, big, 2000, NULL, 0);
    assert_error(&r, 413, "too_large");
    resp_free(&r);
    g_free(big);
    /* a streamed body (an upload) with chunked encoding, found too large while reading: the
     * connection is closed at once rather than the rest read only to answer 413 */
    chunked_src src = {.left = 3 << 20, .sum = 2166136261u, .fill = 'a'};
    r = request("PUT", "/stream", NULL, NULL, 0, &src, 0);
    assert_int_not_equal(r.rc, CURLE_OK);
    assert_int_not_equal(r.status, 413);
    resp_free(&r);
    /* the server still works afterwards */
    r = request("GET", "/echo/1/2", NULL, NULL, 0, NULL, 0);
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

static void test_streaming_body(void **state)
{
    (void)state;
    chunked_src src = {.left = 300000, .sum = 2166136261u, .fill = 'a'};
    resp r = request("PUT", "/stream", NULL, NULL, 0, &src, 0);
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "bytes")), 300000);
    assert_true(json_integer_value(json_object_get(j, "chunks")) >= 1);
    assert_int_equal((uint32_t)json_integer_value(json_object_get(j, "sum")), src.sum);
    assert_true(json_is_true(json_object_get(j, "ended")));
    json_decref(j);
    resp_free(&r);

    /* the body callback refuses: its own reply goes out */
    r = request("PUT", "/stream", NULL, "xxBADxx", 7, NULL, 0);
    assert_error(&r, 422, "bad_data");
    resp_free(&r);
}

static void test_fd_reply(void **state)
{
    (void)state;
    size_t n = 8u << 20;
    char *data = g_malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)(i * 7 + i / 4096);
    char *path = g_build_filename(C.dir, "big", NULL);
    assert_true(g_file_set_contents(path, data, (gssize)n, NULL));
    g_free(path);

    char q[64];
    g_snprintf(q, sizeof q, "/file?len=%zu", n);
    resp r = request("GET", q, NULL, NULL, 0, NULL, 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body->len, n);
    assert_memory_equal(r.body->str, data, n);
    resp_free(&r);

    r = request("GET", "/file?off=1000000&len=12345", NULL, NULL, 0, NULL, 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body->len, 12345);
    assert_memory_equal(r.body->str, data + 1000000, 12345);
    resp_free(&r);
    g_free(data);
}

static void test_handler_errors(void **state)
{
    (void)state;
    resp r = request("GET", "/fail", NULL, NULL, 0, NULL, 0);
    assert_error(&r, 500, "internal");
    resp_free(&r);
    r = request("GET", "/noreply", NULL, NULL, 0, NULL, 0);
    assert_error(&r, 500, "internal");
    resp_free(&r);
}

typedef struct bg {
    const char *path;
    resp r;
    const char *from; /* source address, or NULL */
} bg;

static gpointer bg_request(gpointer arg)
{
    bg *b = arg;
    request_from = b->from;
    b->r = request("GET", b->path, NULL, NULL, 0, NULL, 0);
    return NULL;
}

static void test_suspend_resume(void **state)
{
    (void)state;
    bg b[3] = {{.path = "/hold"}, {.path = "/hold"}, {.path = "/hold"}};
    GThread *t[3];
    for (int i = 0; i < 3; i++)
        t[i] = g_thread_new("bg", bg_request, &b[i]);
    assert_true(wait_for(&C.n_held, 3));
    /* other requests are served while those are held */
    resp r = request("GET", "/echo/1/2", NULL, NULL, 0, NULL, 0);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    call_on_loop(do_release);
    for (int i = 0; i < 3; i++) {
        g_thread_join(t[i]);
        assert_int_equal(b[i].r.status, 200);
        assert_non_null(strstr(b[i].r.body->str, "released"));
        resp_free(&b[i].r);
    }
    assert_int_equal(atomic_load(&C.cancelled), 0);

    for (int i = 0; i < 3; i++) { /* on the same and on new connections alike */
        r = request("GET", "/hold/ready", NULL, NULL, 0, NULL, 0);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(r.body->str, "ready"));
        resp_free(&r);
    }
    assert_int_equal(atomic_load(&C.cancelled), 0);
}

static void test_cancel_on_disconnect(void **state)
{
    (void)state;
    /* the client gives up; the server notices and runs the cancel callback */
    resp r = request("GET", "/hold", NULL, NULL, 0, NULL, 300);
    assert_int_equal(r.rc, CURLE_OPERATION_TIMEDOUT);
    resp_free(&r);
    assert_true(wait_for(&C.cancelled, 1));
    assert_int_equal(atomic_load(&C.n_held), 0);
    r = request("GET", "/echo/1/2", NULL, NULL, 0, NULL, 0);
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

/* A raw keep-alive connection to the server; -1 fails the test. */
static int raw_connect(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(C.port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void raw_send(int fd, const char *path)
{
    char *req = g_strdup_printf("GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    g_free(req);
}

/* Reads until the end of one answer's body (a JSON object); its text (g_free). */
static char *raw_answer(int fd)
{
    GString *in = g_string_new(NULL);
    char buf[1024];
    while (!strstr(in->str, "\r\n\r\n") || !g_str_has_suffix(in->str, "}")) {
        ssize_t n = read(fd, buf, sizeof buf);
        assert_true(n > 0);
        g_string_append_len(in, buf, n);
    }
    return g_string_free(in, FALSE);
}

/* Holds one after another on one connection share the connection's watch: each is answered,
 * and the client leaving during the third is still seen. Then the client leaves while nothing
 * is held, and the server goes on serving. */
static void test_holds_on_one_connection(void **state)
{
    (void)state;
    int fd = raw_connect();
    for (int i = 0; i < 2; i++) {
        raw_send(fd, "/hold");
        assert_true(wait_for(&C.n_held, 1));
        call_on_loop(do_release);
        char *a = raw_answer(fd);
        assert_non_null(strstr(a, "released"));
        g_free(a);
    }
    raw_send(fd, "/hold");
    assert_true(wait_for(&C.n_held, 1));
    close(fd);
    assert_true(wait_for(&C.cancelled, 1));
    assert_int_equal(atomic_load(&C.n_held), 0);

    fd = raw_connect();
    raw_send(fd, "/hold");
    assert_true(wait_for(&C.n_held, 1));
    call_on_loop(do_release);
    g_free(raw_answer(fd));
    close(fd); /* nothing held now */
    resp r = request("GET", "/echo/1/2", NULL, NULL, 0, NULL, 0);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    assert_int_equal(atomic_load(&C.cancelled), 1);
}

static void test_close_answers_held(void **state)
{
    (void)state;
    bg b = {.path = "/hold"};
    GThread *t = g_thread_new("bg", bg_request, &b);
    assert_true(wait_for(&C.n_held, 1));
    call_on_loop(do_close);
    g_thread_join(t);
    assert_error(&b.r, 503, "shutting_down");
    resp_free(&b.r);
    assert_int_equal(atomic_load(&C.cancelled), 1);
    assert_true(wait_for(&C.closed, 1));
}

static void test_defer(void **state)
{
    (void)state;
    atomic_store(&C.gate, 1);
    resp r = request("GET", "/defer", NULL, NULL, 0, NULL, 0);
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 42);
    json_decref(j);
    resp_free(&r);
}

static void test_close_waits_for_deferred(void **state)
{
    (void)state;
    bg b = {.path = "/defer"};
    GThread *t = g_thread_new("bg", bg_request, &b);
    assert_true(wait_for(&C.work_started, 1));
    call_on_loop(do_close);
    /* the work is still blocked on the gate, so the server cannot have closed */
    g_usleep(100000);
    assert_int_equal(atomic_load(&C.closed), 0);
    atomic_store(&C.gate, 1);
    g_thread_join(t);
    assert_int_equal(b.r.status, 200);
    resp_free(&b.r);
    assert_true(wait_for(&C.closed, 1));
}

/* The id of the next queued job to start (g_free), or NULL after WAIT_MS. */
static char *next_started(void)
{
    return g_async_queue_timeout_pop(C.started, (guint64)WAIT_MS * 1000);
}

/* Jobs of one queue: one runs at a time; each client address has its own FIFO and a cap of 3,
 * the queue a cap of 4 waiting; refusals are 503 with Retry-After; the clients take turns, so
 * b1 and c1 start before a3 although a3 came first. */
static void test_queue_turns(void **state)
{
    (void)state;
    bg b[] = {{.path = "/queued?id=a1", .from = "127.0.0.2"},
              {.path = "/queued?id=a2", .from = "127.0.0.2"},
              {.path = "/queued?id=a3", .from = "127.0.0.2"},
              {.path = "/queued?id=b1", .from = "127.0.0.3"},
              {.path = "/queued?id=c1", .from = "127.0.0.4"}};
    GThread *t[G_N_ELEMENTS(b)];
    t[0] = g_thread_new("bg", bg_request, &b[0]);
    char *id = next_started(); /* a1 runs, held by the gate */
    assert_string_equal(id, "a1");
    g_free(id);
    for (size_t i = 1; i < G_N_ELEMENTS(b); i++) {
        t[i] = g_thread_new("bg", bg_request, &b[i]);
        assert_true(wait_waiting((int)i)); /* in this order */
    }
    /* a's share is full (one running, two waiting) */
    request_from = "127.0.0.2";
    resp r = request("GET", "/queued?id=a4", NULL, NULL, 0, NULL, 0);
    assert_error(&r, 503, "busy");
    assert_non_null(strstr(r.headers->str, "Retry-After: 7\r\n"));
    resp_free(&r);
    /* the queue is full (four waiting) for a client it has never seen */
    request_from = "127.0.0.5";
    r = request("GET", "/queued?id=d1", NULL, NULL, 0, NULL, 0);
    assert_error(&r, 503, "busy");
    assert_non_null(strstr(r.headers->str, "Retry-After: 7\r\n"));
    resp_free(&r);
    request_from = NULL;
    assert_int_equal(atomic_load(&C.dropped), 2); /* the refused jobs' arguments were freed */

    atomic_store(&C.gate, 1);
    const char *order[] = {"a2", "b1", "c1", "a3"};
    for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
        id = next_started();
        assert_non_null(id);
        assert_string_equal(id, order[i]);
        g_free(id);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(b); i++) {
        g_thread_join(t[i]);
        assert_int_equal(b[i].r.status, 200);
        resp_free(&b[i].r);
    }
}

/* With two places to run, one client never takes both: its second job waits while the other
 * place stays free, and a job from anyone else starts there at once. */
static void test_queue_leaves_a_place(void **state)
{
    (void)state;
    bg b[] = {{.path = "/queued2?id=a1", .from = "127.0.0.2"},
              {.path = "/queued2?id=a2", .from = "127.0.0.2"},
              {.path = "/queued2?id=b1", .from = "127.0.0.3"}};
    GThread *t[3];
    t[0] = g_thread_new("bg", bg_request, &b[0]);
    char *id = next_started();
    assert_string_equal(id, "a1");
    g_free(id);
    t[1] = g_thread_new("bg", bg_request, &b[1]);
    assert_true(wait_sampled(&C.waiting2, 1)); /* a2 waits, a place free */
    t[2] = g_thread_new("bg", bg_request, &b[2]);
    id = next_started(); /* b1 starts while a1 still runs */
    assert_string_equal(id, "b1");
    g_free(id);
    assert_true(wait_sampled(&C.waiting2, 1));
    atomic_store(&C.gate, 1);
    id = next_started();
    assert_string_equal(id, "a2");
    g_free(id);
    for (int i = 0; i < 3; i++) {
        g_thread_join(t[i]);
        assert_int_equal(b[i].r.status, 200);
        resp_free(&b[i].r);
    }
}

/* A client that leaves while its job waits: the job is dropped unrun (its argument freed), and
 * the queue goes on with the others. */
static void test_queue_drops_gone_client(void **state)
{
    (void)state;
    bg a = {.path = "/queued?id=a1", .from = "127.0.0.2"};
    GThread *t = g_thread_new("bg", bg_request, &a);
    char *id = next_started();
    assert_string_equal(id, "a1");
    g_free(id);
    int fd = raw_connect();
    raw_send(fd, "/queued?id=gone");
    assert_true(wait_waiting(1));
    close(fd);
    assert_true(wait_for(&C.dropped, 1));
    assert_true(wait_waiting(0));
    bg b = {.path = "/queued?id=b1", .from = "127.0.0.3"};
    GThread *tb = g_thread_new("bg", bg_request, &b);
    assert_true(wait_waiting(1));
    atomic_store(&C.gate, 1);
    g_thread_join(t);
    g_thread_join(tb);
    assert_int_equal(a.r.status, 200);
    assert_int_equal(b.r.status, 200);
    resp_free(&a.r);
    resp_free(&b.r);
    id = next_started();
    assert_string_equal(id, "b1"); /* "gone" never ran */
    g_free(id);
    assert_null(g_async_queue_try_pop(C.started));
}

/* Closing: jobs still waiting are answered 503 shutting_down (dropped unrun); the running one
 * finishes and is answered. */
static void test_queue_close(void **state)
{
    (void)state;
    bg b[] = {{.path = "/queued?id=a1", .from = "127.0.0.2"},
              {.path = "/queued?id=b1", .from = "127.0.0.3"}};
    GThread *t0 = g_thread_new("bg", bg_request, &b[0]);
    char *id = next_started();
    g_free(id);
    GThread *t1 = g_thread_new("bg", bg_request, &b[1]);
    assert_true(wait_waiting(1));
    call_on_loop(do_close);
    g_thread_join(t1);
    assert_error(&b[1].r, 503, "shutting_down");
    assert_int_equal(atomic_load(&C.dropped), 1);
    assert_int_equal(atomic_load(&C.closed), 0); /* the running job holds the close */
    atomic_store(&C.gate, 1);
    g_thread_join(t0);
    assert_int_equal(b[0].r.status, 200);
    resp_free(&b[0].r);
    resp_free(&b[1].r);
    assert_true(wait_for(&C.closed, 1));
}

static void test_start_errors(void **state)
{
    (void)state;
    uv_loop_t loop;
    http_server *s = NULL;
    uv_loop_init(&loop);
    http_config bad_addr = {.address = "not-an-address"};
    assert_int_equal(http_server_start(&loop, &bad_addr, &s), -EINVAL);
    assert_null(s);
    http_config in_use = {.port = C.port};
    assert_int_equal(http_server_start(&loop, &in_use, &s), -EADDRINUSE);
    http_config no_key = {.tls_cert = "/nonexistent.pem", .tls_key = "/nonexistent.key"};
    assert_int_equal(http_server_start(&loop, &no_key, &s), -EINVAL);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_etag_matches),
        cmocka_unit_test_setup_teardown(test_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_method_not_allowed_and_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streaming_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fd_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handler_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suspend_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_on_disconnect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_holds_on_one_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_answers_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_waits_for_deferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_turns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_leaves_a_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_drops_gone_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_close, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
