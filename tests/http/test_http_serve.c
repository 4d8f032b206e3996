/* `loalangd serve`, the real binary: start-up line, health, stop on SIGTERM, command-line
 * and start-up errors, connection limits and the header deadline, TLS, kill -9 and restart on
 * the same data dir. */
#include <arpa/inet.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon.h"
#include "vtime.h"

static uint16_t url_port(const td *t)
{
    const char *colon = strrchr(td_url(t), ':');
    assert_non_null(colon);
    return (uint16_t)atoi(colon + 1);
}

static void check_health(td *t)
{
    long status;
    char *body = NULL;
    assert_int_equal(td_request(t, "GET", "/api/v1/health", NULL, NULL, 0, &status, &body, NULL),
                     0);
    assert_int_equal(status, 200);
    json_t *j = json_loads(body, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
    assert_string_equal(json_string_value(json_object_get(j, "version")), LOALANG_VERSION);
    const char *now = json_string_value(json_object_get(j, "server_time"));
    int64_t ms;
    assert_int_equal(vtime_parse_rfc3339(now, &ms), 0);
    assert_non_null(strstr(now, "+07:00")); /* local time, Asia/Ho_Chi_Minh */
    json_decref(j);
    g_free(body);
}

static void test_health_and_stop(void **state)
{
    (void)state;
    td *t = td_start(NULL);
    assert_true(g_str_has_prefix(td_url(t), "http://127.0.0.1:"));
    assert_true(url_port(t) > 0);
    check_health(t);
    /* admin commands work on the dir while the daemon runs */
    char *out = NULL;
    assert_int_equal(td_admin(t, NULL, &out, NULL, "commune", "add", "Xã Đông Sơn", NULL), 0);
    g_free(out);
    assert_int_equal(td_stop(t), 0);
    td_free(t);
}

static int connect_to(uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* A request whose body never finishes, and an idle keep-alive connection: SIGTERM still ends
 * the daemon with status 0, and both connections are closed. */
static void test_stop_with_request_in_progress(void **state)
{
    (void)state;
    td *t = td_start(NULL);
    int busy = connect_to(url_port(t));
    int idle = connect_to(url_port(t));
    const char *partial = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                          "\r\n{\"half\":";
    assert_true(write(busy, partial, strlen(partial)) == (ssize_t)strlen(partial));
    const char *full = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_true(write(idle, full, strlen(full)) == (ssize_t)strlen(full));
    char buf[4096];
    assert_true(read(idle, buf, sizeof buf) > 0); /* answered, connection kept open */
    assert_int_equal(td_stop(t), 0);
    char *log = td_log(t);
    assert_non_null(strstr(log, "stopping"));
    g_free(log);
    ssize_t n;
    while ((n = read(busy, buf, sizeof buf)) > 0) {
    }
    assert_true(n <= 0);
    while ((n = read(idle, buf, sizeof buf)) > 0) {
    }
    close(busy);
    close(idle);
    td_free(t);
}

static void test_bad_listen(void **state)
{
    (void)state;
    td *t = td_new();
    const char *bad[] = {"nonsense", "127.0.0.1",      "127.0.0.1:99999", "::1:80",
                         ":80",      "localhost:8080", "999.1.1.1:80",    "[::1:80"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *err = NULL;
        assert_int_equal(td_admin(t, NULL, NULL, &err, "serve", "--listen", bad[i], NULL), 2);
        assert_non_null(strstr(err, "địa chỉ lắng nghe không hợp lệ"));
        g_free(err);
    }
    char *err = NULL;
    assert_int_equal(td_admin(t, NULL, NULL, &err, "serve", "--bogus", NULL), 2);
    g_free(err);
    /* well formed, but not an address of this machine */
    assert_int_equal(td_admin(t, NULL, NULL, &err, "serve", "--listen", "192.0.2.1:8080", NULL), 1);
    assert_non_null(strstr(err, "không lắng nghe được"));
    g_free(err);
    td_free(t);
}

static void test_port_in_use(void **state)
{
    (void)state;
    td *a = td_start(NULL);
    td *b = td_new();
    char *listen = g_strdup_printf("127.0.0.1:%u", url_port(a));
    char *err = NULL;
    assert_int_equal(td_admin(b, NULL, NULL, &err, "serve", "--listen", listen, NULL), 1);
    assert_non_null(strstr(err, "đang được chương trình khác sử dụng"));
    g_free(err);
    g_free(listen);
    check_health(a);
    assert_int_equal(td_stop(a), 0);
    td_free(a);
    td_free(b);
}

static void test_bad_config(void **state)
{
    (void)state;
    td *t = td_new();
    char *path = g_build_filename(td_dir(t), "bad.conf", NULL);
    assert_true(g_file_set_contents(path, "[server]\nmax_body = lots\n", -1, NULL));
    char *err = NULL;
    assert_int_equal(td_admin(t, NULL, NULL, &err, "serve", "--config", path, NULL), 1);
    assert_non_null(strstr(err, "max_body"));
    g_free(err);
    assert_true(g_file_set_contents(path, "[server]\ntrusted_proxy = proxy.local\n", -1, NULL));
    assert_int_equal(td_admin(t, NULL, NULL, &err, "serve", "--config", path, NULL), 1);
    assert_non_null(strstr(err, "trusted_proxy"));
    assert_non_null(strstr(err, "địa chỉ IP"));
    g_free(err);
    assert_int_equal(td_admin(t, NULL, NULL, &err, "serve", "--config", "/nonexistent.conf", NULL),
                     1);
    assert_non_null(strstr(err, "không đọc được tệp cấu hình"));
    g_free(err);
    g_free(path);
    td_free(t);
}

/* Sends a GET for health on fd; true when an HTTP answer came back. */
static bool answered(int fd)
{
    const char *req = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
    char buf[1024];
    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    return n > 12 && !strncmp(buf, "HTTP/1.1 200", 12);
}

static void test_per_ip_limit(void **state)
{
    (void)state;
    td *t = td_start_config("[server]\nper_ip_connections = 2\n", NULL);
    int a = connect_to(url_port(t)), b = connect_to(url_port(t));
    assert_true(answered(a));
    assert_true(answered(b));
    int c = connect_to(url_port(t)); /* the kernel accepts it; the server closes it at once */
    assert_false(answered(c));
    close(c);
    close(a);
    /* a slot is free again once the server has seen a close */
    bool ok = false;
    for (int i = 0; i < 100 && !ok; i++) {
        int d = connect_to(url_port(t));
        ok = answered(d);
        close(d);
        if (!ok)
            g_usleep(20000);
    }
    assert_true(ok);
    close(b);
    assert_int_equal(td_stop(t), 0);
    td_free(t);
}

/* Waits up to max_s for the server to close fd (read returns 0 or an error), dribbling one
 * byte of a header every 500 ms meanwhile when drip is set. True once closed. */
static bool closed_within(int fd, int max_s, bool drip)
{
    for (int i = 0; i < max_s * 2; i++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 500) > 0) {
            char c;
            return read(fd, &c, 1) <= 0;
        }
        if (drip && write(fd, "x", 1) != 1)
            return true; /* reset by the server */
    }
    return false;
}

/* A client that opens connections and dribbles its headers (or sends nothing) is cut off after
 * header_timeout_seconds, however steadily it dribbles; a long-poll whose headers came in
 * whole is held longer than that and answered; a whole request on a kept-alive connection
 * after a pause shorter than the idle timeout is served. */
static void test_header_deadline(void **state)
{
    (void)state;
    td *t = td_start_config("[server]\nheader_timeout_seconds = 2\n", NULL);
    int drip = connect_to(url_port(t)), silent = connect_to(url_port(t));
    const char *start = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    assert_true(write(drip, start, strlen(start)) == (ssize_t)strlen(start));
    /* bounds, not timings: far beyond the 2 s deadline, far below MHD's 75 s idle timeout */
    assert_true(closed_within(drip, 30, true));
    assert_true(closed_within(silent, 30, false));
    close(drip);
    close(silent);

    int keep = connect_to(url_port(t));
    assert_true(answered(keep));
    g_usleep(3 * G_USEC_PER_SEC); /* longer than the header deadline of a new connection */
    assert_true(answered(keep));
    close(keep);
    check_health(t);
    assert_int_equal(td_stop(t), 0);
    td_free(t);
}

/* Without configuration one address may not hold every connection: the default limit (1000)
 * refuses the connection after it. */
static void test_per_ip_default(void **state)
{
    (void)state;
    struct rlimit rl; /* 1001 sockets: more than a default soft limit of 1024 leaves room for */
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    rl.rlim_cur = rl.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    assert_true(rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1100);
    td *t = td_start(NULL);
    int fds[1001];
    for (int i = 0; i < 1000; i++) {
        fds[i] = connect_to(url_port(t));
        if (i % 100 == 99) /* in batches, so the accept queue never overflows */
            assert_true(answered(fds[i]));
    }
    fds[1000] = connect_to(url_port(t));
    assert_false(answered(fds[1000]));
    for (int i = 0; i <= 1000; i++)
        close(fds[i]);
    assert_int_equal(td_stop(t), 0);
    td_free(t);
}

static void test_kill_and_restart(void **state)
{
    (void)state;
    td *t = td_start(NULL);
    check_health(t);
    td_kill(t);
    td_restart(t);
    check_health(t);
    assert_int_equal(td_stop(t), 0);
    td_free(t);
}

/* Does `openssl s_client` complete a handshake with t with this version flag and cipher list
 * (NULL: openssl's default)? */
static bool tls_handshake(td *t, const char *version, const char *ciphers)
{
    char *connect = g_strdup_printf("127.0.0.1:%u", url_port(t));
    const char *argv[] = {"openssl", "s_client", "-connect",
                          connect,   version,    ciphers ? "-cipher" : NULL,
                          ciphers,   NULL};
    char *out = NULL;
    int wait = 0;
    assert_true(
        g_spawn_sync(NULL, (char **)argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL | G_SPAWN_STDIN_FROM_DEV_NULL,
                     NULL, NULL, &out, NULL, &wait, NULL));
    bool ok = strstr(out, "Cipher is (NONE)") == NULL && strstr(out, ", Cipher is ") != NULL;
    g_free(out);
    g_free(connect);
    return ok;
}

static void test_tls(void **state)
{
    (void)state;
    td *t = td_new();
    char *cert = g_build_filename(td_dir(t), "cert.pem", NULL);
    char *key = g_build_filename(td_dir(t), "key.pem", NULL);
    char *conf = g_build_filename(td_dir(t), "tls.conf", NULL);
    const char *argv[] = {"openssl",  "req",
                          "-x509",    "-newkey",
                          "rsa:2048", "-nodes",
                          "-keyout",  key,
                          "-out",     cert,
                          "-days",    "2",
                          "-subj",    "/CN=127.0.0.1",
                          "-addext",  "subjectAltName=IP:127.0.0.1",
                          NULL};
    int wait = 0;
    GError *e = NULL;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, NULL, NULL, &wait, &e))
        fail_msg("openssl is needed (.ci/install-deps installs it): %s", e->message);
    assert_true(g_spawn_check_wait_status(wait, NULL));
    char *text = g_strdup_printf("[server]\ntls_cert = %s\ntls_key = %s\n", cert, key);
    assert_true(g_file_set_contents(conf, text, -1, NULL));
    const char *args[] = {"--config", conf, NULL};
    char *err = NULL;
    int rc = td_launch(t, args, &err);
    if (rc != 0)
        fail_msg("TLS serve did not start: %s", err);
    assert_true(g_str_has_prefix(td_url(t), "https://127.0.0.1:"));
    td_set_ca(t, cert);
    check_health(t);
    /* TLS 1.0/1.1 and CBC suites are refused even to a client that offers nothing else;
     * replies tell browsers to stay on HTTPS */
    assert_false(tls_handshake(t, "-tls1_1", "DEFAULT@SECLEVEL=0"));
    assert_false(tls_handshake(t, "-tls1_2", "AES128-SHA"));
    assert_true(tls_handshake(t, "-tls1_2", NULL));
    assert_true(tls_handshake(t, "-tls1_3", NULL));
    char *headers = NULL;
    long st = 0;
    assert_int_equal(td_request(t, "GET", "/api/v1/health", NULL, NULL, 0, &st, NULL, &headers), 0);
    assert_non_null(strstr(headers, "Strict-Transport-Security: max-age=31536000"));
    g_free(headers);
    assert_int_equal(td_stop(t), 0);

    /* a key that does not match its certificate's format: refused at start */
    assert_true(g_file_set_contents(key, "not a key\n", -1, NULL));
    assert_int_equal(td_launch(t, args, &err), 1);
    g_free(err);
    err = NULL;
    /* Any free port: the default 8080 may be taken on a shared machine (a demo running). */
    assert_int_equal(
        td_admin(t, NULL, NULL, &err, "serve", "--listen", "127.0.0.1:0", "--config", conf, NULL),
        1);
    assert_non_null(strstr(err, "chứng chỉ TLS"));
    g_free(err);
    g_free(text);
    g_free(cert);
    g_free(key);
    g_free(conf);
    td_free(t);
}

/* Waits for a datagram on fd containing want; false when none came in 30 s. */
static bool notified(int fd, const char *want)
{
    char buf[512];
    for (int i = 0; i < 300; i++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        if (strstr(buf, want))
            return true;
    }
    return false;
}

/* systemd's notify protocol, with a socket of our own standing in for systemd's. */
static void test_sd_notify(void **state)
{
    (void)state;
    td *t = td_new();
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    g_snprintf(a.sun_path, sizeof a.sun_path, "%s/notify", td_dir(t));
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    g_setenv("NOTIFY_SOCKET", a.sun_path, TRUE);
    g_setenv("WATCHDOG_USEC", "200000", TRUE);
    char *err = NULL;
    int rc = td_launch(t, NULL, &err);
    g_unsetenv("NOTIFY_SOCKET");
    g_unsetenv("WATCHDOG_USEC");
    if (rc != 0)
        fail_msg("serve did not start: %s", err);
    assert_true(notified(fd, "READY=1"));
    assert_true(notified(fd, "WATCHDOG=1"));
    assert_true(notified(fd, "WATCHDOG=1"));
    assert_int_equal(td_stop(t), 0);
    assert_true(notified(fd, "STOPPING=1"));
    close(fd);
    td_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_and_stop),
        cmocka_unit_test(test_stop_with_request_in_progress),
        cmocka_unit_test(test_bad_listen),
        cmocka_unit_test(test_port_in_use),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_per_ip_limit),
        cmocka_unit_test(test_header_deadline),
        cmocka_unit_test(test_per_ip_default),
        cmocka_unit_test(test_kill_and_restart),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_sd_notify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
