/* decode_pipeline: the GStreamer side of loalang-decode. Reads the upload from an fd, lets
 * through only the containers and decoders of the allow-list (docs/media.md: WAV with PCM,
 * µ-law or A-law; MP3; FLAC; Ogg Vorbis and Opus; AAC/M4A; WMA; AMR and 3GP), refuses absurd
 * sample rates and channel counts, and stops as soon as the decoded audio passes the length
 * limit, counted at the source's own rate before any resampling. Writes mono 48 kHz F32LE
 * to another fd. Owns nothing after it returns. */
#ifndef LOALANG_DECODE_PIPELINE_H
#define LOALANG_DECODE_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

/* Decodes src_fd to pcm_fd until the end. gst_init must have run. 0, or -INGEST_ERR_*
 * (ingest.h) with detail set. On TOO_LONG and on a refused format it does not return: the
 * streaming thread writes the status and ends the process at once (decode_pipeline_exit), so
 * not one more buffer is decoded. */
int decode_pipeline_run(int src_fd, int pcm_fd, int64_t max_ms, char *detail, size_t detail_len);

/* Writes "detail\n" to the status fd set by decode_pipeline_set_status_fd and ends the process
 * with the ingest code as exit status (ingest_helper.h). Async-signal-safe enough for a
 * streaming thread: one write, then _exit. */
void decode_pipeline_exit(int err, const char *detail) __attribute__((noreturn));
void decode_pipeline_set_status_fd(int fd);

#endif
