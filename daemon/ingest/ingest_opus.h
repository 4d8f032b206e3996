/* ingest_opus: the encode and the check of an ingest. Encodes mono 48 kHz PCM into an Ogg
 * Opus file with libopusenc, the normalisation gain in the OpusHead output gain (players apply
 * it: opusdec's apply-gain, opusfile's default); while it encodes, a second thread decodes the
 * pages as they come out with libopusfile, gain applied, into libebur128 — what listeners will
 * hear, measured at no extra wall-clock time on a second core. Plain functions on paths. */
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

/* Writes path (truncating it) and measures the result into *chk. 0 or -INGEST_ERR_IO /
 * -INGEST_ERR_INTERNAL (ingest.h) with detail set. */
int ingest_opus_encode(const float *pcm, size_t n, const char *path, int32_t bitrate, int gain_q78,
                       ingest_opus_check *chk, char *detail, size_t detail_len);

/* Rewrites the output gain of the OpusHead page of path in place (same size; page CRC
 * recomputed with libogg). The decoded audio is the same scaled by the gain change, so
 * loudness and true peak move by exactly that many dB: no second encode. */
int ingest_opus_set_gain(const char *path, int gain_q78, char *detail, size_t detail_len);

#endif
