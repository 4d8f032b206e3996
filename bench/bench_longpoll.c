/* bench_longpoll: what N held long-polls (GET /api/v1/box/events) cost a running loalangd, and
 * how fast an emergency reaches all of them. One thread, epoll, N non-blocking sockets: reads
 * the daemon's VmRSS idle (the reference), opens the N polls (a few hundred connects in flight
 * at a time, so the listen backlog never overflows), reads VmRSS with all held, then runs the
 * trigger command (a curl POST of an emergency) and times until every poll got its whole
 * answer; then every poll asks again on its connection and a second emergency is timed the same
 * way: what a box network in steady state sees, whose connections have all been answered
 * before. All polls share one box token (the daemon keys nothing per connection on it).
 * Driven by bench_http.sh; run alone it says so and exits 0.
 *
 * N is the number of boxes (polls). To a loopback HOST the polls come from 127.0.0.2, .3, …
 * (SRC_PER_ADDR each), as boxes come from many carrier addresses: one address has only about
 * 28,000 ephemeral ports, and the daemon holds at most per_ip_connections (1,000) from one.
 *
 * Usage: bench_longpoll HOST PORT TOKEN N DAEMON_PID TRIGGER_COMMAND */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define IN_FLIGHT    256 /* connects not yet answered by the kernel */
#define SRC_PER_ADDR 900 /* polls per source address (loopback only): under the per-IP limit */
#define OPEN_SECS    180 /* longest time to open all polls */
#define ROUNDS       2   /* emergencies: the first answer on each connection, then the next */

typedef enum state { CONNECTING, SENT, DONE, FAILED } state;

typedef struct poll_conn {
    int fd;
    state st;
    GString *in;
} poll_conn;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(const char *pid)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%s/status", pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* user + system CPU of the process so far, in ms */
static double cpu_ms(const char *pid)
{
    char path[64], buf[1024];
    unsigned long ut = 0, st = 0;
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "r");
    if (f && fgets(buf, sizeof buf, f)) {
        const char *p = strrchr(buf, ')'); /* the name may hold spaces */
        if (p)
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    }
    if (f)
        fclose(f);
    return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* src: 0 = the kernel's choice, else the i-th loopback source address 127.0.0.(1 + i). */
static int open_socket(const struct sockaddr_in *sa, bool nonblock, unsigned src)
{
    int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (src > 0) {
        struct sockaddr_in from = {.sin_family = AF_INET,
                                   .sin_addr.s_addr = htonl(0x7f000001u + src)};
        /* the port is chosen at connect, per destination, not from bind's smaller pool */
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(fd, (const struct sockaddr *)&from, sizeof from) < 0) {
            close(fd);
            return -1;
        }
    }
    if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* True once buf holds a whole response (headers and Content-Length bytes of body). */
static bool complete(const GString *buf, const char **body)
{
    const char *end = strstr(buf->str, "\r\n\r\n");
    if (!end)
        return false;
    const char *cl = strcasestr(buf->str, "\r\nContent-Length:");
    long n = cl && cl < end ? strtol(cl + 17, NULL, 10) : 0;
    *body = end + 4;
    return (long)(buf->len - (size_t)(end + 4 - buf->str)) >= n;
}

/* The events cursor now: one blocking request without "after". */
static long long cursor_now(const struct sockaddr_in *sa, const char *req0)
{
    int fd = open_socket(sa, false, 0);
    GString *in = g_string_new(NULL);
    const char *body = NULL;
    long long cur = -1;
    char buf[4096];
    if (fd >= 0 && write(fd, req0, strlen(req0)) == (ssize_t)strlen(req0)) {
        ssize_t n;
        while (!complete(in, &body) && (n = read(fd, buf, sizeof buf)) > 0)
            g_string_append_len(in, buf, n);
        json_t *j = body ? json_loads(body, 0, NULL) : NULL;
        if (json_is_integer(json_object_get(j, "cursor")))
            cur = json_integer_value(json_object_get(j, "cursor"));
        json_decref(j);
    }
    if (fd >= 0)
        close(fd);
    g_string_free(in, TRUE);
    return cur;
}

/* Reads what fd has; DONE once the answer is whole, FAILED on EOF or error before that. */
static double t_first;

static void on_readable(poll_conn *c, size_t *answered, double *t_last)
{
    char buf[8192];
    const char *body = NULL;
    for (;;) {
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n > 0) {
            g_string_append_len(c->in, buf, n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            break;
        c->st = FAILED; /* closed before the answer was whole */
        close(c->fd);
        return;
    }
    if (complete(c->in, &body)) {
        c->st = DONE;
        (*answered)++;
        *t_last = now_s();
        if (*answered == 1)
            t_first = *t_last;
    }
}

/* A poll answered before the emergency (its 55 s wait ran out while the rest were still being
 * opened, on a loaded machine) is asked again on the same connection, as a box does. */
static void renew(poll_conn *c, const char *req, size_t req_len, size_t *answered, size_t *renewed)
{
    if (c->st != DONE)
        return;
    (*answered)--;
    g_string_truncate(c->in, 0);
    if (write(c->fd, req, req_len) != (ssize_t)req_len) {
        c->st = FAILED;
        close(c->fd);
        return;
    }
    c->st = SENT;
    (*renewed)++;
}

/* Runs the trigger without waiting for it and reads answers meanwhile (a daemon may answer
 * polls before it answers the trigger); times until every waiting poll has its answer. Round 0
 * is the first answer on each connection, round 1 the next on the same connections, as in
 * steady state: a box's connection has been answered before, so its buffers are in memory. */
static size_t emergency_round(int k, int ep, poll_conn *cs, size_t n, size_t waiting,
                              const char *pid, const char *trigger)
{
    struct epoll_event evs[512];
    const char *argv[] = {"/bin/sh", "-c", trigger, NULL};
    GPid child = 0;
    int trc = -1;
    double c0 = cpu_ms(pid), t0 = now_s(), t_trig = 0, t_last = t0;
    size_t got = 0;
    (void)n;
    t_first = 0;
    if (!g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &child,
                       NULL))
        return 0;
    while ((got < waiting || child) && now_s() - t0 < 30) {
        int status = 0;
        if (child && waitpid(child, &status, WNOHANG) == child) {
            trc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            t_trig = now_s() - t0;
            child = 0;
        }
        int m = epoll_wait(ep, evs, 512, 10);
        for (int i = 0; i < m; i++) {
            poll_conn *c = evs[i].data.ptr;
            if (c->st == SENT)
                on_readable(c, &got, &t_last);
        }
    }
    double cpu = cpu_ms(pid) - c0;
    size_t lost = 0;
    for (size_t i = 0; i < n; i++)
        lost += cs[i].st == FAILED;
    printf("emergency %d (%s): trigger command %.0f ms (exit %d); first poll answered after %.0f "
           "ms, all %zu of %zu after %.0f ms (%zu connections lost); loalangd used %.0f ms of "
           "CPU meanwhile (%.1f µs per poll)\n",
           k + 1, k == 0 ? "first answer on each connection" : "connections answered before",
           t_trig * 1e3, trc, got ? (t_first - t0) * 1e3 : 0.0, got, waiting, (t_last - t0) * 1e3,
           lost, cpu, got ? cpu * 1e3 / (double)got : 0.0);
    /* answered connections stay open (keep-alive): what their reset buffers cost */
    printf("loalangd RSS after the answers, connections kept open: %.1f MB\n",
           rss_kb(pid) / 1024.0);
    return got;
}

/* Every answered poll asks again after the cursor its answer gave, on the same connection, as
 * a box does; waits a second for the daemon to hold them all. The number now waiting. */
static size_t ask_again(int ep, poll_conn *cs, size_t n, const char *host, const char *token)
{
    struct epoll_event evs[512];
    size_t waiting = 0, early = 0;
    double t_last = 0;
    for (size_t i = 0; i < n; i++) {
        poll_conn *c = &cs[i];
        const char *body = NULL;
        if (c->st != DONE || !complete(c->in, &body))
            continue;
        json_t *j = json_loads(body, 0, NULL);
        long long cur = json_integer_value(json_object_get(j, "cursor"));
        json_decref(j);
        char *req = g_strdup_printf("GET /api/v1/box/events?after=%lld&wait=55 HTTP/1.1\r\nHost: "
                                    "%s\r\nAuthorization: Bearer %s\r\n\r\n",
                                    cur, host, token);
        g_string_truncate(c->in, 0);
        if (write(c->fd, req, strlen(req)) == (ssize_t)strlen(req)) {
            c->st = SENT;
            waiting++;
        } else {
            c->st = FAILED;
            close(c->fd);
        }
        g_free(req);
    }
    for (double t = now_s(); now_s() - t < 1.0 + (double)n / 20000.0;) {
        int k = epoll_wait(ep, evs, 512, 100);
        for (int i = 0; i < k; i++) {
            poll_conn *c = evs[i].data.ptr;
            if (c->st == SENT)
                on_readable(c, &early, &t_last);
        }
    }
    return waiting - early;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        printf("bench_longpoll: driven by bench/bench_http.sh (needs a running loalangd)\n");
        return 0;
    }
    size_t n = strtoul(argv[4], NULL, 10);
    const char *pid = argv[5];
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < n + 16) {
        fprintf(stderr, "bench_longpoll: RLIMIT_NOFILE %lu is below %zu\n",
                (unsigned long)rl.rlim_cur, n + 16);
        return 1;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    inet_pton(AF_INET, argv[1], &sa.sin_addr);
    bool loopback = (ntohl(sa.sin_addr.s_addr) >> 24) == 127;
    char *req0 = g_strdup_printf("GET /api/v1/box/events HTTP/1.1\r\nHost: %s\r\nAuthorization: "
                                 "Bearer %s\r\nConnection: close\r\n\r\n",
                                 argv[1], argv[3]);
    long long cur = cursor_now(&sa, req0);
    if (cur < 0) {
        fprintf(stderr, "bench_longpoll: no events cursor from the daemon\n");
        return 1;
    }
    char *req = g_strdup_printf("GET /api/v1/box/events?after=%lld&wait=55 HTTP/1.1\r\nHost: "
                                "%s\r\nAuthorization: Bearer %s\r\n\r\n",
                                cur, argv[1], argv[3]);
    size_t req_len = strlen(req);
    long idle_kb = rss_kb(pid);

    int ep = epoll_create1(0);
    poll_conn *cs = g_new0(poll_conn, n);
    size_t opened = 0, sent = 0, failed = 0, early = 0, renewed = 0, in_flight = 0;
    struct epoll_event evs[512];
    double t_open = now_s(), t_last = 0;
    while (sent + failed < n && now_s() - t_open < OPEN_SECS) {
        while (opened < n && in_flight < IN_FLIGHT) {
            poll_conn *c = &cs[opened++];
            c->in = g_string_new(NULL);
            c->fd =
                open_socket(&sa, true, loopback ? 1 + (unsigned)((opened - 1) / SRC_PER_ADDR) : 0);
            if (c->fd < 0) {
                c->st = FAILED;
                failed++;
                continue;
            }
            struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
            epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e);
            in_flight++;
        }
        int k = epoll_wait(ep, evs, 512, 100);
        for (int i = 0; i < k; i++) {
            poll_conn *c = evs[i].data.ptr;
            if (c->st == CONNECTING) {
                int err = 0;
                socklen_t el = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
                in_flight--;
                if (err || write(c->fd, req, req_len) != (ssize_t)req_len) {
                    c->st = FAILED;
                    failed++;
                    close(c->fd);
                    continue;
                }
                c->st = SENT;
                sent++;
                struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
            } else if (c->st == SENT) {
                on_readable(c, &early, &t_last); /* only a wait that ran out answers yet */
                renew(c, req, req_len, &early, &renewed);
            }
        }
    }
    double t_held = now_s() - t_open;
    /* let the daemon read the last requests and suspend them */
    for (double t = now_s(); now_s() - t < 1.0;) {
        int k = epoll_wait(ep, evs, 512, 100);
        for (int i = 0; i < k; i++) {
            poll_conn *c = evs[i].data.ptr;
            if (c->st == SENT) {
                on_readable(c, &early, &t_last);
                renew(c, req, req_len, &early, &renewed);
            }
        }
    }
    long held_kb = rss_kb(pid);
    size_t waiting = sent - early;

    printf("long-polls: %zu opened in %.2f s (%zu failed to connect or send, %zu answered before "
           "the emergency, %zu of them asked again after their wait ran out)\n",
           sent, t_held, failed, early + renewed, renewed);
    printf("loalangd RSS idle %.1f MB, with %zu polls held %.1f MB (%.2f KB per poll)\n",
           idle_kb / 1024.0, waiting, held_kb / 1024.0,
           waiting ? (double)(held_kb - idle_kb) / (double)waiting : 0.0);
    bool all = waiting == n;
    for (int k = 0; k < ROUNDS && all; k++) {
        all = emergency_round(k, ep, cs, n, waiting, pid, argv[6]) == waiting;
        if (k + 1 < ROUNDS)
            waiting = ask_again(ep, cs, n, argv[1], argv[3]);
    }
    for (size_t i = 0; i < n; i++) {
        if (cs[i].st != FAILED && cs[i].fd >= 0)
            close(cs[i].fd);
        if (cs[i].in)
            g_string_free(cs[i].in, TRUE);
    }
    g_free(cs);
    g_free(req);
    g_free(req0);
    close(ep);
    return all ? 0 : 1;
}
