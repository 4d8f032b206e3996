/* loalang-decode: the one process that parses uploaded audio. loalangd runs it per upload
 * (daemon/ingest/ingest_helper.c) with its limits already set; it reads the upload on fd 0,
 * writes mono 48 kHz F32LE PCM on fd 3 and one line of English detail on fd 4, and exits with
 * 0 or the ingest code less INGEST_ERR_BASE (ingest_helper.h). It enters its seccomp sandbox
 * before it reads a byte of the upload, and never decodes without it.
 *   loalang-decode --max-ms N       decode
 *   loalang-decode --probe DIR      enter the sandbox, then report what it refuses (tests)
 *   loalang-decode --spin           enter the sandbox, then burn CPU until stopped (tests of
 *                                   the CPU limit and the deadline) */
#include <gst/gst.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode_pipeline.h"
#include "decode_sandbox.h"
#include "ingest.h"
#include "ingest_helper.h"

int main(int argc, char **argv)
{
    char detail[INGEST_DETAIL_MAX] = "";
    decode_pipeline_set_status_fd(INGEST_HELPER_FD_STATUS);
    bool probe = argc == 3 && strcmp(argv[1], "--probe") == 0;
    bool spin = argc == 2 && strcmp(argv[1], "--spin") == 0;
    char *end = NULL;
    long long max_ms = argc == 3 ? strtoll(argv[2], &end, 10) : 0;
    if (!probe && !spin &&
        (argc != 3 || strcmp(argv[1], "--max-ms") != 0 || !end || *end || max_ms <= 0))
        decode_pipeline_exit(-INGEST_ERR_INTERNAL, "usage: loalang-decode --max-ms N");
    /* Two malloc arenas rather than one per streaming thread: each reserves 64 MiB of the
     * address space that RLIMIT_AS bounds. */
    mallopt(M_ARENA_MAX, 2);
    /* orc's code generator writes and maps executable temp files, which the sandbox forbids;
     * its C fallbacks are what the daemon's systemd unit (MemoryDenyWriteExecute) ran anyway. */
    setenv("ORC_CODE", "backup", 1);
    GError *err = NULL;
    if (!gst_init_check(NULL, NULL, &err)) {
        g_snprintf(detail, sizeof detail, "GStreamer: %s", err ? err->message : "?");
        decode_pipeline_exit(-INGEST_ERR_INTERNAL, detail);
    }
    if (decode_sandbox_enter(detail, sizeof detail) != 0)
        decode_pipeline_exit(-INGEST_ERR_INTERNAL, detail);
    /* _exit, here as in decode_pipeline_exit: nothing to flush, and LeakSanitizer's exit-time
     * scan (sanitizer builds) needs ptrace, which the sandbox forbids. */
    if (probe)
        _exit(decode_sandbox_probe(INGEST_HELPER_FD_STATUS, argv[2]) == 0 ? 0 : 1);
    for (volatile unsigned long n = 0; spin; n++)
        ;
    int rc = decode_pipeline_run(0, INGEST_HELPER_FD_PCM, max_ms, detail, sizeof detail);
    decode_pipeline_exit(rc, rc == 0 ? "ok" : detail);
}
