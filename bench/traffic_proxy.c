/* traffic_proxy: a TCP relay between loalang-player and loalangd that counts the bytes of each
 * kind of box-protocol request in both directions, for bench_box_day.sh. It can also cut some
 * media downloads short, the way a 3G link drops, to show what resuming them costs.
 * A request's kind comes from its request line: the player (libcurl) sends one request at a
 * time on a connection, so client bytes that follow server bytes start a new request.
 * Usage: traffic_proxy LISTEN_PORT TARGET_PORT [CUT_EVERY]
 *   CUT_EVERY N > 0: every Nth media response is cut after a pseudo-random 16–400 KiB.
 * Prints "ready" once listening; SIGUSR1 prints the counters as one line, SIGTERM prints them
 * and exits. Not a benchmark itself (bench/run.sh does not run it). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

enum kind { K_MEDIA, K_MANIFEST, K_EVENTS, K_PLAYS, K_STATUS, K_OTHER, K_N };
static const char *const KIND_NAMES[K_N] = {"media", "manifest", "events",
                                            "plays", "status",   "other"};

typedef struct counters {
    uint64_t requests[K_N], up[K_N], down[K_N], cuts;
} counters;

typedef struct side side;
typedef struct conn {
    uv_tcp_t client, server;
    enum kind kind;
    bool server_spoke;  /* the server sent bytes since the client's last request */
    uint64_t cut_after; /* 0: not cut; else media bytes left before the cut */
    int closing;
} conn;

static counters total;
static uv_loop_t *loop;
static struct sockaddr_in target;
static unsigned cut_every, media_seen;
static uint32_t rng = 2463534242u;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static enum kind kind_of(const char *buf, size_t len)
{
    static const struct {
        const char *prefix;
        enum kind k;
    } map[] = {
        {"GET /media/", K_MEDIA},
        {"GET /api/v1/box/manifest", K_MANIFEST},
        {"GET /api/v1/box/events", K_EVENTS},
        {"POST /api/v1/box/plays", K_PLAYS},
        {"POST /api/v1/box/status", K_STATUS},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        size_t n = strlen(map[i].prefix);
        if (len >= n && !memcmp(buf, map[i].prefix, n))
            return map[i].k;
    }
    return K_OTHER;
}

static void print_counters(void)
{
    printf("traffic");
    for (int k = 0; k < K_N; k++)
        printf(" %s=%llu/%llu/%llu", KIND_NAMES[k], (unsigned long long)total.requests[k],
               (unsigned long long)total.up[k], (unsigned long long)total.down[k]);
    printf(" cuts=%llu\n", (unsigned long long)total.cuts);
    fflush(stdout);
}

static void on_closed(uv_handle_t *h)
{
    conn *c = h->data;
    if (++c->closing == 2)
        free(c);
}

static void close_conn(conn *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->client))
        uv_close((uv_handle_t *)&c->client, on_closed);
    if (!uv_is_closing((uv_handle_t *)&c->server))
        uv_close((uv_handle_t *)&c->server, on_closed);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)h;
    buf->base = malloc(hint);
    buf->len = buf->base ? hint : 0;
}

typedef struct wreq {
    uv_write_t w;
    char *base;
} wreq;

static void on_written(uv_write_t *w, int status)
{
    wreq *r = (wreq *)w;
    (void)status;
    free(r->base);
    free(r);
}

/* Passes n bytes of base (owned, freed after the write) to dst. */
static void relay(uv_tcp_t *dst, char *base, size_t n)
{
    wreq *r = malloc(sizeof *r);
    if (!r) {
        free(base);
        return;
    }
    r->base = base;
    uv_buf_t b = uv_buf_init(base, (unsigned)n);
    if (uv_write(&r->w, (uv_stream_t *)dst, &b, 1, on_written) != 0)
        on_written(&r->w, -1);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    close_conn(req->data);
    free(req);
}

/* One side ended: what is queued for the other still goes out, then both close. A read error
 * closes at once. */
static void ended(conn *c, uv_tcp_t *peer, ssize_t n)
{
    uv_shutdown_t *req = n == UV_EOF ? malloc(sizeof *req) : NULL;
    if (req) {
        req->data = c;
        if (uv_shutdown(req, (uv_stream_t *)peer, on_shutdown) == 0)
            return;
        free(req);
    }
    close_conn(c);
}

static void on_client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    conn *c = s->data;
    if (n <= 0) {
        free(buf->base);
        if (n < 0)
            ended(c, &c->server, n);
        return;
    }
    if (c->server_spoke || c->kind == K_N) {
        c->kind = kind_of(buf->base, (size_t)n);
        c->server_spoke = false;
        total.requests[c->kind]++;
        c->cut_after = 0;
        if (c->kind == K_MEDIA && cut_every && ++media_seen % cut_every == 0)
            c->cut_after = 16384 + next_rand() % (384 * 1024);
    }
    total.up[c->kind] += (uint64_t)n;
    relay(&c->server, buf->base, (size_t)n);
}

static void on_server_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    conn *c = s->data;
    if (n <= 0) {
        free(buf->base);
        if (n < 0)
            ended(c, &c->client, n);
        return;
    }
    c->server_spoke = true;
    if (c->kind == K_N) /* the server spoke first: not HTTP as the player speaks it */
        c->kind = K_OTHER;
    size_t pass = (size_t)n;
    bool cut = false;
    if (c->cut_after) {
        if ((uint64_t)n >= c->cut_after) {
            pass = (size_t)c->cut_after;
            cut = true;
        }
        c->cut_after -= pass;
    }
    total.down[c->kind] += pass;
    relay(&c->client, buf->base, pass);
    if (cut) {
        total.cuts++;
        uv_read_stop((uv_stream_t *)&c->server);
        ended(c, &c->client, UV_EOF); /* exactly the counted bytes reach the player */
    }
}

static void on_server_connected(uv_connect_t *req, int status)
{
    conn *c = req->data;
    free(req);
    if (status != 0 || c->closing) {
        close_conn(c);
        return;
    }
    uv_read_start((uv_stream_t *)&c->client, on_alloc, on_client_read);
    uv_read_start((uv_stream_t *)&c->server, on_alloc, on_server_read);
}

static void on_accept(uv_stream_t *listener, int status)
{
    if (status != 0)
        return;
    conn *c = calloc(1, sizeof *c);
    uv_connect_t *req = malloc(sizeof *req);
    if (!c || !req) {
        free(c);
        free(req);
        return;
    }
    c->kind = K_N;
    uv_tcp_init(loop, &c->client);
    uv_tcp_init(loop, &c->server);
    c->client.data = c->server.data = req->data = c;
    if (uv_accept(listener, (uv_stream_t *)&c->client) != 0 ||
        uv_tcp_connect(req, &c->server, (const struct sockaddr *)&target, on_server_connected) !=
            0) {
        free(req);
        close_conn(c);
    }
}

static void on_signal(uv_signal_t *h, int sig)
{
    print_counters();
    if (sig == SIGTERM)
        uv_stop(h->loop);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: traffic_proxy LISTEN_PORT TARGET_PORT [CUT_EVERY]\n");
        return 2;
    }
    cut_every = argc > 3 ? (unsigned)atoi(argv[3]) : 0;
    loop = uv_default_loop();
    uv_tcp_t listener;
    uv_signal_t usr1, term;
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", atoi(argv[1]), &addr);
    uv_ip4_addr("127.0.0.1", atoi(argv[2]), &target);
    uv_tcp_init(loop, &listener);
    int rc = uv_tcp_bind(&listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&listener, 128, on_accept);
    if (rc != 0) {
        fprintf(stderr, "traffic_proxy: listen: %s\n", uv_strerror(rc));
        return 1;
    }
    uv_signal_init(loop, &usr1);
    uv_signal_init(loop, &term);
    uv_signal_start(&usr1, on_signal, SIGUSR1);
    uv_signal_start(&term, on_signal, SIGTERM);
    printf("ready\n");
    fflush(stdout);
    uv_run(loop, UV_RUN_DEFAULT);
    return 0;
}
