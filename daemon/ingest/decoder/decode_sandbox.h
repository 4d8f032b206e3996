/* decode_sandbox: what loalang-decode does to itself before it reads a byte of an upload. The
 * daemon already set its resource limits before exec (ingest_helper.c); this adds the
 * seccomp filter — no socket(), no execve, no signals to other processes, no file opened for
 * writing, created, renamed or removed — and drops the file-size limit to zero. Call it after
 * gst_init (which may still have to write GStreamer's registry cache) and before the pipeline
 * is made. Owns nothing. */
#ifndef LOALANG_DECODE_SANDBOX_H
#define LOALANG_DECODE_SANDBOX_H

#include <stddef.h>

/* Installs the filter. 0, or a negative errno with detail set (the helper then refuses to
 * decode: an unsandboxed decode never runs). */
int decode_sandbox_enter(char *detail, size_t detail_len);

/* After decode_sandbox_enter: tries what the filter forbids (sockets, creating dir/new,
 * opening dir/existing for writing, execve, fork, signalling the parent, a user namespace) and
 * checks what must hold (filter mode, no_new_privs, no socket among its fds, the limits in
 * force), writing one line per check to fd: "NAME ok [errno text or limit]" or "NAME FAILED
 * …"; then "ok" or "FAILED". For tests/ingest/test_ingest_sandbox.c. 0 when every check
 * passed. */
int decode_sandbox_probe(int fd, const char *dir);

#endif
