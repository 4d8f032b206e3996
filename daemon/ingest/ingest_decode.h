/* ingest_decode: the single decode pass of an ingest. loalang-decode, a separate sandboxed
 * process (ingest_helper.h), parses the upload and sends back mono 48 kHz float PCM, which
 * goes here both into libebur128 (integrated loudness of the input) and into an unlinked,
 * memory-mapped temp file that the encoder then reads (ingest_opus.h). This process never
 * parses the upload itself. The PCM belongs to the caller until ingest_pcm_release; no name
 * of it is ever on disk. */
#ifndef LOALANG_INGEST_DECODE_H
#define LOALANG_INGEST_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "ingest.h"

#define INGEST_RATE 48000

typedef struct ingest_pcm {
    const float *samples; /* n_samples mono samples at INGEST_RATE, mapped read-only */
    size_t n_samples;
    double loudness_lufs; /* -HUGE_VAL when no gating block passed */
    /* private */
    int fd;
    size_t map_len;
} ingest_pcm;

/* Decodes the open source src_fd into *out with the decoder and limits of o; the temp file
 * goes into tmp_dir. Stops (and kills the decoder) with TOO_LONG as soon as the audio passes
 * o->max_duration_ms. 0 or -INGEST_ERR_* with detail set. */
int ingest_decode(int src_fd, const char *tmp_dir, const ingest_opts *o, ingest_pcm *out,
                  char *detail, size_t detail_len);
/* Unmaps and closes; safe on a released struct, or one initialised with .fd = -1. */
void ingest_pcm_release(ingest_pcm *p);

#endif
