/* ingest_helper: runs loalang-decode (daemon/ingest/decoder/), the process that parses an
 * upload, and talks to it. The daemon opens the source and hands over the fd; the helper gets
 * it as fd 0, a pipe for the PCM as fd 3 and a pipe for its status line as fd 4, nothing else
 * of the daemon's (no socket, no database). Its limits are set between fork and exec: CPU
 * seconds, address space, file size, descriptors, no core dump; it dies with the thread that
 * started it, and it is killed at a wall-clock deadline (a timerfd, so no clock is read).
 * The helper's exit status is 0 or its ingest code less INGEST_ERR_BASE.
 *
 * An ingest_helper is owned by the caller from spawn to ingest_helper_finish, which always
 * reaps the process and closes every fd. One thread at a time. */
#ifndef LOALANG_INGEST_HELPER_H
#define LOALANG_INGEST_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define INGEST_HELPER_NAME       "loalang-decode"
#define INGEST_HELPER_FD_PCM     3
#define INGEST_HELPER_FD_STATUS  4
#define INGEST_HELPER_STATUS_MAX 2048

typedef struct ingest_helper_limits {
    int32_t cpu_s;     /* RLIMIT_CPU, soft (SIGXCPU); the hard limit is 5 s more */
    int32_t wall_s;    /* killed this long after the start */
    int64_t mem_bytes; /* RLIMIT_AS */
} ingest_helper_limits;

typedef struct ingest_helper {
    pid_t pid;
    int pcm_fd, status_fd, timer_fd;
    bool timed_out;
    size_t status_len;
    char status[INGEST_HELPER_STATUS_MAX]; /* what it wrote on fd 4, NUL-terminated */
} ingest_helper;

/* The program to run: configured when not NULL, else loalang-decode beside the running
 * program (/proc/self/exe), else in the directory it is installed to. g_free it. */
char *ingest_helper_path(const char *configured);

/* Starts path with args (NULL-terminated, after argv[0]) reading src_fd. 0, or
 * -INGEST_ERR_INTERNAL (the program cannot be run) / -INGEST_ERR_IO with detail set; on
 * failure nothing is left running or open. */
int ingest_helper_spawn(const char *path, const char *const *args, int src_fd,
                        const ingest_helper_limits *lim, ingest_helper *h, char *detail,
                        size_t detail_len);

/* Reads up to len bytes of PCM, waiting as needed, and keeps the status text meanwhile.
 * 0 with *got > 0; 0 with *got == 0 at the end of the PCM; -ETIMEDOUT past the deadline;
 * another negative errno when the pipe fails. */
int ingest_helper_read(ingest_helper *h, void *buf, size_t len, size_t *got);

/* Kills the helper first when kill_it, then waits for it, reads the rest of its status and
 * closes everything. Returns what its end means: 0 (it decoded to the end), -INGEST_ERR_* as
 * it exited with, -INGEST_ERR_DECODE_LIMIT when the CPU limit or the deadline stopped it,
 * -INGEST_ERR_UNDECODABLE when it died of another signal (a crash on the file); detail tells.
 * When kill_it, returns 0 and the caller keeps its own reason. */
int ingest_helper_finish(ingest_helper *h, bool kill_it, char *detail, size_t detail_len);

#endif
