/* ingest_decode: the single decode pass of an ingest. GStreamer decodes the source to mono
 * 48 kHz float PCM, which goes both into libebur128 (integrated loudness of the input) and
 * into an unlinked, memory-mapped temp file that the encoder then reads (ingest_opus.h).
 * The PCM belongs to the caller until ingest_pcm_release; no name of it is ever on disk. */
#ifndef LOALANG_INGEST_DECODE_H
#define LOALANG_INGEST_DECODE_H

#include <stddef.h>
#include <stdint.h>

#define INGEST_RATE 48000

typedef struct ingest_pcm {
    const float *samples; /* n_samples mono samples at INGEST_RATE, mapped read-only */
    size_t n_samples;
    double loudness_lufs; /* -HUGE_VAL when no gating block passed */
    /* private */
    int fd;
    size_t map_len;
} ingest_pcm;

/* Decodes src into *out; the temp file goes into tmp_dir. Stops early with TOO_LONG past
 * max_samples. 0 or -INGEST_ERR_* (ingest.h) with detail set. */
int ingest_decode(const char *src, const char *tmp_dir, size_t max_samples, ingest_pcm *out,
                  char *detail, size_t detail_len);
/* Unmaps and closes; safe on a released struct, or one initialised with .fd = -1. */
void ingest_pcm_release(ingest_pcm *p);

#endif
