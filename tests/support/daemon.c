/* daemon: a real loalangd under test (see daemon.h). */
#include "daemon.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glib.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vtime.h"
#include "wallclock.h"

#define READY_TEXT     "đang phục vụ tại "
#define START_TIMEOUT  30000 /* ms; sanitizer builds start slowly on a busy machine */
#define MAX_EXTRA_ARGS 16

extern char **environ;

struct td {
    char *root; /* mkdtemp'd: data/ and serve.log inside */
    char *dir;
    char *log;
    char *url;
    char *ca;
    char **extra; /* the launch arguments, for td_restart */
    pid_t pid;
    int out_fd; /* the daemon's stdout */
};

static int spawn(const char *const *argv, int in_fd, int out_fd, int err_fd, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (in_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
    if (out_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
    if (err_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
    int rc = posix_spawn(pid, argv[0], &fa, NULL, (char **)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return -rc;
}

static int wait_status(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path)
{
    char *s = NULL;
    if (!g_file_get_contents(path, &s, NULL, NULL))
        s = g_strdup("");
    return s;
}

td *td_new(void)
{
    static gsize curl_once;
    if (g_once_init_enter(&curl_once)) {
        curl_global_init(CURL_GLOBAL_ALL);
        signal(SIGPIPE, SIG_IGN);
        g_once_init_leave(&curl_once, 1);
    }
    td *t = g_new0(td, 1);
    char tmpl[] = "/tmp/loalang-td-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    t->root = g_strdup(tmpl);
    t->dir = g_build_filename(t->root, "data", NULL);
    t->log = g_build_filename(t->root, "serve.log", NULL);
    t->pid = -1;
    t->out_fd = -1;
    char *err = NULL;
    int rc = td_admin(t, NULL, NULL, &err, "init", NULL);
    if (rc != 0)
        fail_msg("loalangd init failed (%d): %s", rc, err);
    g_free(err);
    return t;
}

/* Reads the daemon's stdout until the address line; NULL on EOF or timeout. */
static char *read_address(int fd)
{
    GString *buf = g_string_new(NULL);
    char *url = NULL;
    gint64 deadline = g_get_monotonic_time() + START_TIMEOUT * 1000LL;
    for (;;) {
        char *nl = strchr(buf->str, '\n');
        char *at = strstr(buf->str, READY_TEXT);
        if (nl && at && at < nl) {
            url = g_strndup(at + strlen(READY_TEXT), (gsize)(nl - at - strlen(READY_TEXT)));
            break;
        }
        int left = (int)((deadline - g_get_monotonic_time()) / 1000);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, left) <= 0)
            break;
        char chunk[256];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0)
            break;
        g_string_append_len(buf, chunk, n);
    }
    g_string_free(buf, TRUE);
    return url;
}

int td_launch(td *t, const char *const *extra_args, char **err_out)
{
    const char *argv[8 + MAX_EXTRA_ARGS] = {LOALANGD_PATH, "-d",       t->dir,
                                            "serve",       "--listen", "127.0.0.1:0"};
    size_t n = 6;
    int pipefd[2];
    if (extra_args != (const char *const *)t->extra) {
        g_strfreev(t->extra);
        t->extra = g_strdupv((char **)extra_args);
    }
    for (size_t i = 0; t->extra && t->extra[i] && n < G_N_ELEMENTS(argv) - 1; i++)
        argv[n++] = t->extra[i];
    argv[n] = NULL;
    int log_fd = open(t->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    assert_true(log_fd >= 0);
    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
    assert_int_equal(spawn(argv, -1, pipefd[1], log_fd, &t->pid), 0);
    close(pipefd[1]);
    close(log_fd);
    t->out_fd = pipefd[0];
    g_free(t->url);
    t->url = read_address(t->out_fd);
    if (t->url)
        return 0;
    kill(t->pid, SIGKILL); /* a no-op when it already exited */
    int status = wait_status(t->pid);
    t->pid = -1;
    close(t->out_fd);
    t->out_fd = -1;
    if (err_out)
        *err_out = slurp(t->log);
    return status > 0 ? status : 255;
}

td *td_start(const char *const *extra_args)
{
    td *t = td_new();
    char *err = NULL;
    int rc = td_launch(t, extra_args, &err);
    if (rc != 0)
        fail_msg("loalangd serve did not start (exit %d): %s", rc, err);
    return t;
}

td *td_start_config(const char *config_text, const char *const *extra_args)
{
    td *t = td_new();
    char *conf = g_build_filename(t->root, "loalangd.conf", NULL);
    const char *args[2 + MAX_EXTRA_ARGS + 1] = {"--config", conf};
    size_t n = 2;
    assert_true(g_file_set_contents(conf, config_text, -1, NULL));
    for (size_t i = 0; extra_args && extra_args[i] && n < G_N_ELEMENTS(args) - 1; i++)
        args[n++] = extra_args[i];
    char *err = NULL;
    int rc = td_launch(t, args, &err);
    if (rc != 0)
        fail_msg("loalangd serve --config did not start (exit %d): %s", rc, err);
    g_free(conf);
    return t;
}

void td_restart(td *t)
{
    char *err = NULL;
    assert_int_equal(t->pid, -1);
    int rc = td_launch(t, (const char *const *)t->extra, &err);
    if (rc != 0)
        fail_msg("loalangd serve did not restart (exit %d): %s", rc, err);
}

const char *td_url(const td *t)
{
    return t->url;
}

const char *td_dir(const td *t)
{
    return t->dir;
}

pid_t td_pid(const td *t)
{
    return t->pid;
}

char *td_log(const td *t)
{
    return slurp(t->log);
}

void td_set_ca(td *t, const char *pem_path)
{
    g_free(t->ca);
    t->ca = g_strdup(pem_path);
}

static size_t collect(char *data, size_t size, size_t n, void *ud)
{
    g_string_append_len(ud, data, (gssize)(size * n));
    return size * n;
}

int td_request(td *t, const char *method, const char *path, const char *const *headers,
               const void *body, size_t body_len, long *status, char **body_out, char **headers_out)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL;
    GString *b = g_string_new(NULL), *h = g_string_new(NULL);
    char *url = g_strconcat(t->url, path, NULL);
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    if (t->ca)
        curl_easy_setopt(c, CURLOPT_CAINFO, t->ca);
    CURLcode rc = curl_easy_perform(c);
    if (status) {
        *status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    }
    if (body_out)
        *body_out = g_strdup(b->str);
    if (headers_out)
        *headers_out = g_strdup(h->str);
    g_string_free(b, TRUE);
    g_string_free(h, TRUE);
    g_free(url);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return (int)rc;
}

void td_request_all(td *t, td_call *calls, size_t n)
{
    CURLM *m = curl_multi_init();
    CURL **easy = g_new0(CURL *, n);
    GString **b = g_new0(GString *, n), **h = g_new0(GString *, n);
    struct curl_slist **hl = g_new0(struct curl_slist *, n);
    char **urls = g_new0(char *, n), **ifaces = g_new0(char *, n);
    for (size_t i = 0; i < n; i++) {
        td_call *k = &calls[i];
        CURL *c = easy[i] = curl_easy_init();
        b[i] = g_string_new(NULL);
        h[i] = g_string_new(NULL);
        urls[i] = g_strconcat(t->url, k->path, NULL);
        for (size_t j = 0; k->headers && k->headers[j]; j++)
            hl[i] = curl_slist_append(hl[i], k->headers[j]);
        curl_easy_setopt(c, CURLOPT_URL, urls[i]);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, k->method);
        if (k->body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, k->body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(k->body));
        }
        if (k->from) {
            ifaces[i] = g_strconcat("host!", k->from, NULL);
            curl_easy_setopt(c, CURLOPT_INTERFACE, ifaces[i]);
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl[i]);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, b[i]);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, h[i]);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
        curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
        if (t->ca)
            curl_easy_setopt(c, CURLOPT_CAINFO, t->ca);
        curl_multi_add_handle(m, c);
    }
    int running = 1;
    while (running) {
        assert_int_equal(curl_multi_perform(m, &running), CURLM_OK);
        if (running)
            assert_int_equal(curl_multi_poll(m, NULL, 0, 1000, NULL), CURLM_OK);
    }
    for (size_t i = 0; i < n; i++) {
        calls[i].status = 0;
        curl_easy_getinfo(easy[i], CURLINFO_RESPONSE_CODE, &calls[i].status);
        calls[i].out = g_string_free(b[i], FALSE);
        calls[i].headers_out = g_string_free(h[i], FALSE);
        curl_multi_remove_handle(m, easy[i]);
        curl_easy_cleanup(easy[i]);
        curl_slist_free_all(hl[i]);
        g_free(urls[i]);
        g_free(ifaces[i]);
    }
    curl_multi_cleanup(m);
    g_free(easy);
    g_free(b);
    g_free(h);
    g_free(hl);
    g_free(urls);
    g_free(ifaces);
}

void td_calls_free(td_call *calls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_free(calls[i].out);
        g_free(calls[i].headers_out);
        calls[i].out = calls[i].headers_out = NULL;
    }
}

static int tmp_fd(char **path)
{
    int fd = g_file_open_tmp("loalang-td-XXXXXX", path, NULL);
    assert_true(fd >= 0);
    return fd;
}

int td_admin(td *t, const char *stdin_text, char **out, char **err, const char *arg, ...)
{
    const char *argv[64] = {LOALANGD_PATH, "-d", t->dir};
    size_t n = 3;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a && n < G_N_ELEMENTS(argv) - 1; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    char *paths[3];
    int fds[3];
    for (int i = 0; i < 3; i++)
        fds[i] = tmp_fd(&paths[i]);
    if (stdin_text) {
        assert_true(write(fds[0], stdin_text, strlen(stdin_text)) == (ssize_t)strlen(stdin_text));
        lseek(fds[0], 0, SEEK_SET);
    }
    pid_t pid;
    assert_int_equal(spawn(argv, fds[0], fds[1], fds[2], &pid), 0);
    int status = wait_status(pid);
    char **outs[3] = {NULL, out, err};
    for (int i = 0; i < 3; i++) {
        close(fds[i]);
        if (outs[i])
            *outs[i] = slurp(paths[i]);
        unlink(paths[i]);
        g_free(paths[i]);
    }
    return status;
}

static void reap(td *t, int sig, int *status)
{
    if (t->pid < 0) {
        *status = -1;
        return;
    }
    kill(t->pid, sig);
    *status = wait_status(t->pid);
    t->pid = -1;
    close(t->out_fd);
    t->out_fd = -1;
}

int td_stop(td *t)
{
    int status;
    reap(t, SIGTERM, &status);
    return status;
}

void td_kill(td *t)
{
    int status;
    reap(t, SIGKILL, &status);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void td_free(td *t)
{
    if (!t)
        return;
    td_kill(t);
    nftw(t->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    g_free(t->root);
    g_free(t->dir);
    g_free(t->log);
    g_free(t->url);
    g_free(t->ca);
    g_strfreev(t->extra);
    g_free(t);
}

void td_free_listen(char *out, size_t len)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
    g_snprintf(out, len, "127.0.0.1:%d", ntohs(a.sin_port));
    close(s);
}

char *td_month(int delta)
{
    vtime_local l;
    if (vtime_utc_to_local(vtime_zone(), wallclock_now_ms(), &l) != 0)
        fail_msg("td_month: the clock is out of range");
    int m = l.year * 12 + (l.month - 1) + delta;
    return g_strdup_printf("%04d-%02d", m / 12, m % 12 + 1);
}
