/* ingest_helper: see ingest_helper.h. */
#include "ingest_helper.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ingest.h"

#ifndef LOALANG_DECODE_INSTALL_DIR
#define LOALANG_DECODE_INSTALL_DIR "/usr/bin"
#endif

/* GStreamer may rewrite its registry cache (about 1 MiB) while it starts, before the helper
 * drops this limit to zero (decode_sandbox.c). */
#define FSIZE_AT_START ((rlim_t)64 << 20)
/* 0-4 and what GStreamer opens while it starts and plugs: plugins, the registry, GstPoll. */
#define NOFILE 64

char *ingest_helper_path(const char *configured)
{
    if (configured && *configured)
        return g_strdup(configured);
    char *self = g_file_read_link("/proc/self/exe", NULL);
    if (self) {
        char *dir = g_path_get_dirname(self);
        char *beside = g_build_filename(dir, INGEST_HELPER_NAME, NULL);
        g_free(dir);
        g_free(self);
        if (g_file_test(beside, G_FILE_TEST_IS_EXECUTABLE))
            return beside;
        g_free(beside);
    }
    return g_build_filename(LOALANG_DECODE_INSTALL_DIR, INGEST_HELPER_NAME, NULL);
}

/* Runs in the child between fork and exec: system calls only. */
static void child_setup(gpointer user)
{
    const ingest_helper_limits *lim = user;
    struct rlimit cpu = {(rlim_t)lim->cpu_s, (rlim_t)lim->cpu_s + 5};
    struct rlimit as = {(rlim_t)lim->mem_bytes, (rlim_t)lim->mem_bytes};
    struct rlimit fsize = {FSIZE_AT_START, FSIZE_AT_START};
    struct rlimit nofile = {NOFILE, NOFILE};
    struct rlimit none = {0, 0};
    /* A failure here leaves the limit unset: the helper's probe (tests) would show it, and
     * the helper refuses to run without its seccomp filter anyway. _exit would hide why. */
    (void)setrlimit(RLIMIT_CPU, &cpu);
#ifndef __SANITIZE_ADDRESS__
    /* AddressSanitizer reserves terabytes of address space for its shadow: a sanitizer build
     * runs its decoder without this one limit. */
    (void)setrlimit(RLIMIT_AS, &as);
#else
    (void)as;
#endif
    (void)setrlimit(RLIMIT_FSIZE, &fsize);
    (void)setrlimit(RLIMIT_NOFILE, &nofile);
    (void)setrlimit(RLIMIT_CORE, &none);
    /* Dies with the thread that started it; never gains privileges through exec; and does not
     * inherit the ambient CAP_NET_BIND_SERVICE the daemon's unit gives (systemd/loalangd.service).
     */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    (void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

int ingest_helper_spawn(const char *path, const char *const *args, int src_fd,
                        const ingest_helper_limits *lim, ingest_helper *h, char *detail,
                        size_t detail_len)
{
    int pcm[2] = {-1, -1}, status[2] = {-1, -1};
    GError *err = NULL;
    int ret = 0;
    memset(h, 0, sizeof *h);
    h->pcm_fd = h->status_fd = h->timer_fd = -1;
    h->pid = -1;
    if (pipe2(pcm, O_CLOEXEC) != 0 || pipe2(status, O_CLOEXEC) != 0) {
        g_snprintf(detail, detail_len, "pipe: %s", g_strerror(errno));
        ret = -INGEST_ERR_IO;
        goto out;
    }
    /* Larger than the default 64 KiB, so the decoder seldom waits for us; best effort. */
    (void)fcntl(pcm[0], F_SETPIPE_SZ, 1 << 20);
    h->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    struct itimerspec at = {.it_value = {.tv_sec = lim->wall_s > 0 ? lim->wall_s : 1}};
    if (h->timer_fd < 0 || timerfd_settime(h->timer_fd, 0, &at, NULL) != 0) {
        g_snprintf(detail, detail_len, "timerfd: %s", g_strerror(errno));
        ret = -INGEST_ERR_IO;
        goto out;
    }
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)path);
    for (size_t i = 0; args && args[i]; i++)
        g_ptr_array_add(argv, (gpointer)args[i]);
    g_ptr_array_add(argv, NULL);
    const int source_fds[] = {pcm[1], status[1]};
    const int target_fds[] = {INGEST_HELPER_FD_PCM, INGEST_HELPER_FD_STATUS};
    GPid pid = -1;
    /* GLib closes every other descriptor in the child: no socket of the daemon's reaches it. */
    gboolean ok = g_spawn_async_with_pipes_and_fds(
        "/", (const char *const *)argv->pdata, NULL,
        G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, child_setup, (gpointer)lim, src_fd,
        -1, -1, source_fds, target_fds, G_N_ELEMENTS(source_fds), &pid, NULL, NULL, NULL, &err);
    g_ptr_array_free(argv, TRUE);
    if (!ok) {
        g_snprintf(detail, detail_len, "running %s: %s", path, err ? err->message : "?");
        g_clear_error(&err);
        ret = -INGEST_ERR_INTERNAL;
        goto out;
    }
    h->pid = pid;
    h->pcm_fd = pcm[0];
    h->status_fd = status[0];
    pcm[0] = status[0] = -1;
out:
    close_fd(&pcm[0]);
    close_fd(&pcm[1]);
    close_fd(&status[0]);
    close_fd(&status[1]);
    if (ret != 0)
        close_fd(&h->timer_fd);
    return ret;
}

/* Keeps the first INGEST_HELPER_STATUS_MAX - 1 bytes; reads and drops the rest. */
static void read_status(ingest_helper *h)
{
    char buf[512];
    ssize_t n = read(h->status_fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        close_fd(&h->status_fd);
        return;
    }
    size_t room = sizeof h->status - 1 - h->status_len;
    size_t keep = MIN((size_t)n, room);
    memcpy(h->status + h->status_len, buf, keep);
    h->status_len += keep;
    h->status[h->status_len] = '\0';
}

/* Waits for fd (or, fd < 0, only for the status) until it is readable; -ETIMEDOUT past the
 * deadline. The status pipe is read meanwhile, so the helper never blocks on it. */
static int wait_for(ingest_helper *h, int fd)
{
    while (fd >= 0 || h->status_fd >= 0) {
        struct pollfd p[3] = {{.fd = h->timer_fd, .events = POLLIN},
                              {.fd = h->status_fd, .events = POLLIN},
                              {.fd = fd, .events = POLLIN}};
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (p[0].revents) {
            h->timed_out = true;
            return -ETIMEDOUT;
        }
        if (p[1].revents)
            read_status(h);
        if (fd >= 0 && p[2].revents)
            return 0;
    }
    return 0;
}

int ingest_helper_read(ingest_helper *h, void *buf, size_t len, size_t *got)
{
    *got = 0;
    if (h->pcm_fd < 0)
        return 0;
    for (;;) {
        int rc = wait_for(h, h->pcm_fd);
        if (rc != 0)
            return rc;
        ssize_t n = read(h->pcm_fd, buf, len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            close_fd(&h->pcm_fd);
        *got = (size_t)n;
        return 0;
    }
}

/* The first line of the status, for the log detail. */
static void status_line(const ingest_helper *h, char *detail, size_t detail_len)
{
    size_t n = strcspn(h->status, "\n");
    g_snprintf(detail, detail_len, "%.*s", (int)n, h->status);
}

static int outcome(const ingest_helper *h, int wstatus, char *detail, size_t detail_len)
{
    if (h->timed_out) {
        g_snprintf(detail, detail_len, "decoder still running at its deadline: killed");
        return -INGEST_ERR_DECODE_LIMIT;
    }
    if (WIFEXITED(wstatus)) {
        int code = WEXITSTATUS(wstatus);
        if (code == 0)
            return 0;
        status_line(h, detail, detail_len);
        if (code >= INGEST_ERR_NOT_AUDIO - INGEST_ERR_BASE &&
            code <= INGEST_ERR_LAST - INGEST_ERR_BASE)
            return -(INGEST_ERR_BASE + code);
        g_snprintf(detail, detail_len, "decoder exited with %d", code);
        return -INGEST_ERR_INTERNAL;
    }
    int sig = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
    /* SIGXCPU at the soft CPU limit, SIGKILL from the kernel at the hard one */
    if (sig == SIGXCPU || sig == SIGKILL) {
        g_snprintf(detail, detail_len, "decoder stopped at its CPU limit (%s)", g_strsignal(sig));
        return -INGEST_ERR_DECODE_LIMIT;
    }
    /* A crash on a file is the file's doing; so is running out of its address space. */
    g_snprintf(detail, detail_len, "decoder died: %s", g_strsignal(sig));
    return -INGEST_ERR_UNDECODABLE;
}

int ingest_helper_finish(ingest_helper *h, bool kill_it, char *detail, size_t detail_len)
{
    int wstatus = 0;
    if (h->pid <= 0)
        return 0;
    /* The status pipe closes when the helper ends (it cannot fork: decode_sandbox.c). */
    if (!kill_it && wait_for(h, -1) == -ETIMEDOUT)
        kill_it = true;
    if (kill_it)
        kill(h->pid, SIGKILL);
    while (waitpid(h->pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
    if (h->status_fd >= 0) {
        (void)fcntl(h->status_fd, F_SETFL, O_NONBLOCK);
        while (h->status_fd >= 0 && h->status_len < sizeof h->status - 1) {
            size_t before = h->status_len;
            read_status(h);
            if (h->status_len == before)
                break;
        }
    }
    int ret = kill_it && !h->timed_out ? 0 : outcome(h, wstatus, detail, detail_len);
    g_spawn_close_pid(h->pid);
    h->pid = -1;
    close_fd(&h->pcm_fd);
    close_fd(&h->status_fd);
    close_fd(&h->timer_fd);
    return ret;
}
