/* decode_sandbox: see decode_sandbox.h. A deny-list on top of the daemon's own systemd filter
 * (which the helper inherits): an allow-list of what GStreamer and the libav decoders call
 * would break with each library update, while what is denied here is exactly what a hijacked
 * decoder would need to reach anything outside its pipes: the network, another program, other
 * processes, the filesystem's contents. */
#include "decode_sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Denied outright: the network (socketpair stays: GstPoll, under every bus, is built on one
 * and it reaches nothing), other programs and new processes, other processes' memory, and
 * every call that changes the filesystem by name. */
static const char *const DENIED[] = {
    "socket",
    "connect",
    "bind",
    "listen",
    "accept",
    "accept4",
    "execve",
    "execveat",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_open",
    "pidfd_getfd",
    "tkill",
    "creat",
    "truncate",
    "rename",
    "renameat",
    "renameat2",
    "unlink",
    "unlinkat",
    "rmdir",
    "mkdir",
    "mkdirat",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "chmod",
    "fchmod",
    "fchmodat",
    "chown",
    "fchown",
    "lchown",
    "fchownat",
    "mknod",
    "mknodat",
    "utime",
    "utimes",
    "utimensat",
    "futimesat",
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "name_to_handle_at",
    "open_by_handle_at",
    "fanotify_init",
    "inotify_init",
    "inotify_init1",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "swapon",
    "swapoff",
    "reboot",
    "acct",
    "quotactl",
    "memfd_secret",
    "openat2",
    "fork",
    "vfork",
};

/* Open flags that write: a file may be opened to read (plugins, the registry, /proc), never
 * to write, create or truncate. */
static const int WRITE_FLAGS[] = {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND};

/* clone(2) flags that would make new namespaces (clone3's are behind a pointer: it is refused
 * with ENOSYS, and glibc then falls back to clone). */
static const int NS_FLAGS[] = {CLONE_NEWNS,  CLONE_NEWUSER, CLONE_NEWNET,   CLONE_NEWPID,
                               CLONE_NEWIPC, CLONE_NEWUTS,  CLONE_NEWCGROUP};

static int add(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
               const struct scmp_arg_cmp *cmp)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR)
        return 0; /* not on this architecture (mkdir on aarch64, say): nothing to deny */
    return seccomp_rule_add_array(ctx, action, nr, n, cmp);
}

static int build(scmp_filter_ctx ctx, pid_t self)
{
    const uint32_t deny = SCMP_ACT_ERRNO(EACCES);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < G_N_ELEMENTS(DENIED); i++)
        rc = add(ctx, deny, DENIED[i], 0, NULL);
    for (size_t i = 0; rc == 0 && i < G_N_ELEMENTS(WRITE_FLAGS); i++) {
        scmp_datum_t f = (scmp_datum_t)WRITE_FLAGS[i];
        struct scmp_arg_cmp open_cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, f, f);
        struct scmp_arg_cmp openat_cmp = SCMP_A2(SCMP_CMP_MASKED_EQ, f, f);
        rc = add(ctx, deny, "open", 1, &open_cmp);
        if (rc == 0)
            rc = add(ctx, deny, "openat", 1, &openat_cmp);
    }
    for (size_t i = 0; rc == 0 && i < G_N_ELEMENTS(NS_FLAGS); i++) {
        scmp_datum_t f = (scmp_datum_t)NS_FLAGS[i];
        struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, f, f);
        rc = add(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &cmp);
    }
    /* Threads only: a forked child could outlive the helper, holding its pipes open. */
    if (rc == 0) {
        struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
        rc = add(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &cmp);
    }
    if (rc == 0)
        rc = add(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
    /* Signals only to itself (abort() raises SIGABRT through tgkill on its own pid). */
    const char *const sig_calls[] = {"kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"};
    for (size_t i = 0; rc == 0 && i < G_N_ELEMENTS(sig_calls); i++) {
        struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_NE, (scmp_datum_t)self);
        rc = add(ctx, SCMP_ACT_ERRNO(EPERM), sig_calls[i], 1, &cmp);
    }
    return rc;
}

int decode_sandbox_enter(char *detail, size_t detail_len)
{
    const struct rlimit none = {0, 0};
    int rc;
    /* The daemon's unit already sets it; a daemon run by hand may not. seccomp needs it. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        rc = -errno;
        g_snprintf(detail, detail_len, "PR_SET_NO_NEW_PRIVS: %s", g_strerror(errno));
        return rc;
    }
    /* The registry cache is written by now, if it had to be: from here no file grows. A write
     * to a file then fails with EFBIG rather than killing the helper with SIGXFSZ. */
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &none) != 0) {
        rc = -errno;
        g_snprintf(detail, detail_len, "RLIMIT_FSIZE: %s", g_strerror(errno));
        return rc;
    }
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        g_snprintf(detail, detail_len, "seccomp_init failed");
        return -ENOMEM;
    }
    rc = build(ctx, getpid());
    /* Under systemd's SystemCallFilter the seccomp() call itself is refused; libseccomp then
     * loads through prctl(PR_SET_SECCOMP), which the unit allows. */
    if (rc == 0)
        rc = seccomp_load(ctx);
    if (rc != 0)
        g_snprintf(detail, detail_len, "seccomp: %s", g_strerror(-rc));
    seccomp_release(ctx);
    return rc;
}

/* ---- the probe ---- */

/* One line per check: "NAME ok" or "NAME FAILED", then why (the refusal's errno). */
static bool line(int fd, const char *what, bool ok, const char *why)
{
    char buf[160];
    int n = g_snprintf(buf, sizeof buf, "%s %s%s%s\n", what, ok ? "ok" : "FAILED", *why ? " " : "",
                       why);
    if (write(fd, buf, (size_t)MIN(n, (int)sizeof buf - 1)) < 0)
        return false;
    return ok;
}

/* An attempt the filter must refuse: ok when rc < 0, with the errno as why. */
static bool refused(int fd, const char *what, int rc, int err)
{
    return line(fd, what, rc < 0, rc < 0 ? g_strerror(err) : "it was allowed");
}

static bool try_socket(int fd, const char *what, int domain, int type)
{
    int s = socket(domain, type, 0);
    int err = errno;
    if (s >= 0)
        close(s);
    return refused(fd, what, s, err);
}

/* The status file's "Seccomp:" and "NoNewPrivs:" lines (2 = filter mode, 1 = set). */
static bool status_says(const char *key, const char *want)
{
    char *text = NULL;
    bool ok = false;
    if (g_file_get_contents("/proc/self/status", &text, NULL, NULL)) {
        char *at = strstr(text, key);
        if (at) {
            at += strlen(key);
            while (*at == ' ' || *at == '\t')
                at++;
            ok = strncmp(at, want, strlen(want)) == 0 && at[strlen(want)] == '\n';
        }
    }
    g_free(text);
    return ok;
}

/* No socket among fds 3 and up: none of the daemon's (listening socket, connections) leaked
 * into the helper. (0-2 may be one: systemd gives stderr as a journald socket; and a preloaded
 * library such as libfaketime may hold files of its own, so it is sockets that are counted.) */
static bool no_socket_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    bool ok = d != NULL;
    for (struct dirent *e; d && (e = readdir(d));) {
        int n = atoi(e->d_name);
        if (n < 3 || n == dirfd(d))
            continue;
        char path[64], target[128];
        g_snprintf(path, sizeof path, "/proc/self/fd/%d", n);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len > 0 && strncmp(target, "socket:", 7) == 0)
            ok = false;
    }
    if (d)
        closedir(d);
    return ok;
}

/* A limit is in force (soft and hard, not infinite); its value is the line's why. */
static bool limit_line(int fd, const char *what, int resource)
{
    struct rlimit l;
    char why[64] = "";
    bool ok =
        getrlimit(resource, &l) == 0 && l.rlim_cur != RLIM_INFINITY && l.rlim_max != RLIM_INFINITY;
    if (ok)
        g_snprintf(why, sizeof why, "%llu", (unsigned long long)l.rlim_cur);
    return line(fd, what, ok, why);
}

int decode_sandbox_probe(int fd, const char *dir)
{
    bool ok = true;
    ok &= try_socket(fd, "socket_inet", AF_INET, SOCK_STREAM);
    ok &= try_socket(fd, "socket_inet6", AF_INET6, SOCK_DGRAM);
    ok &= try_socket(fd, "socket_unix", AF_UNIX, SOCK_STREAM);
    ok &= try_socket(fd, "socket_netlink", AF_NETLINK, SOCK_RAW);
    char *path = g_build_filename(dir, "new", NULL);
    int w = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    int err = errno;
    if (w >= 0)
        close(w);
    ok &= refused(fd, "create_file", w, err);
    g_free(path);
    path = g_build_filename(dir, "existing", NULL); /* the caller made it */
    w = open(path, O_RDWR | O_CLOEXEC);
    err = errno;
    if (w >= 0)
        close(w);
    ok &= refused(fd, "open_for_writing", w, err);
    g_free(path);
    char *const argv[] = {"/bin/true", NULL};
    int rc = execve(argv[0], argv, environ);
    ok &= refused(fd, "execve", rc, errno);
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    ok &= refused(fd, "fork", child, errno);
    rc = kill(getppid(), 0);
    ok &= refused(fd, "signal_parent", rc, errno);
    rc = unshare(CLONE_NEWUSER);
    ok &= refused(fd, "unshare", rc, errno);
    ok &= line(fd, "seccomp_filter", status_says("Seccomp:", "2"), "");
    ok &= line(fd, "no_new_privs", status_says("NoNewPrivs:", "1"), "");
    ok &= line(fd, "no_socket_fds", no_socket_fds(), "");
    ok &= limit_line(fd, "limit_fsize", RLIMIT_FSIZE);
    ok &= limit_line(fd, "limit_core", RLIMIT_CORE);
    ok &= limit_line(fd, "limit_cpu", RLIMIT_CPU);
#ifndef __SANITIZE_ADDRESS__ /* not set for a sanitizer build (ingest_helper.c) */
    ok &= limit_line(fd, "limit_as", RLIMIT_AS);
#endif
    ok &= limit_line(fd, "limit_nofile", RLIMIT_NOFILE);
    const char *last = ok ? "ok\n" : "FAILED\n";
    if (write(fd, last, strlen(last)) < 0)
        return -EIO;
    return ok ? 0 : -EPERM;
}
