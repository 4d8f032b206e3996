/* ingest_opus: the encode and the check of an ingest. Encodes mono 48 kHz PCM into an Ogg
 * Opus file with libopusenc, the normalisation gain in the OpusHead output gain (players apply
 * it: opusdec's apply-gain, opusfile's default), then reads the file back with libopusfile,
 * gain applied, to measure what listeners will hear. Plain functions on paths; no state. */
#ifndef LOALANG_INGEST_OPUS_H
#define LOALANG_INGEST_OPUS_H

#include <stddef.h>
#include <stdint.h>

typedef struct ingest_opus_check {
    double loudness_lufs;
    double true_peak_dbtp;
    int64_t duration_ms;
} ingest_opus_check;

/* Q7.8 dB, as OpusHead stores it, clamped to its range. */
int ingest_opus_gain_q78(double gain_db);

/* Writes path (truncating it). 0 or -INGEST_ERR_INTERNAL/-INGEST_ERR_IO with detail set. */
int ingest_opus_encode(const float *pcm, size_t n, const char *path, int32_t bitrate, int gain_q78,
                       char *detail, size_t detail_len);

/* Decodes path with its header gain into libebur128. 0 or -INGEST_ERR_* with detail set. */
int ingest_opus_check_file(const char *path, ingest_opus_check *out, char *detail,
                           size_t detail_len);

#endif
