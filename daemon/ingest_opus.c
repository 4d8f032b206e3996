/* ingest_opus: see ingest_opus.h. */
#include "ingest_opus.h"

#include <ebur128.h>
#include <glib.h>
#include <math.h>
#include <opus/opusenc.h>
#include <opus/opusfile.h>

#include "ingest.h"
#include "ingest_decode.h"

/* A fixed Ogg serial number: the output must depend on the audio alone, so that the same
 * upload twice gives the same bytes and the same sha256 (libopusenc picks a random one). Each
 * media file is a single unchained stream, where the serial number has nothing to tell apart. */
#define OGG_SERIAL 0x6c6f616c              /* "loal" */
#define CHUNK      (INGEST_RATE / 50 * 48) /* samples per write: ~1 s */

int ingest_opus_gain_q78(double gain_db)
{
    double q = round(gain_db * 256.0);
    if (q > 32767)
        q = 32767;
    if (q < -32768)
        q = -32768;
    return (int)q;
}

static int configure(OggOpusEnc *enc, int32_t bitrate, int gain_q78)
{
    if (ope_encoder_ctl(enc, OPE_SET_SERIALNO(OGG_SERIAL)) != OPE_OK ||
        ope_encoder_ctl(enc, OPE_SET_HEADER_GAIN(gain_q78)) != OPE_OK ||
        ope_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate)) != OPE_OK ||
        ope_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPE_OK)
        return -1;
    return 0;
}

int ingest_opus_encode(const float *pcm, size_t n, const char *path, int32_t bitrate, int gain_q78,
                       char *detail, size_t detail_len)
{
    int err = OPE_OK, ret = 0;
    OggOpusComments *comments = ope_comments_create();
    OggOpusEnc *enc = NULL;
    if (!comments) {
        g_snprintf(detail, detail_len, "opus comments: out of memory");
        return -INGEST_ERR_INTERNAL;
    }
    enc = ope_encoder_create_file(path, comments, INGEST_RATE, 1, 0, &err);
    if (!enc) {
        g_snprintf(detail, detail_len, "opus encoder on %s: %s", path, ope_strerror(err));
        ret = err == OPE_CANNOT_OPEN ? -INGEST_ERR_IO : -INGEST_ERR_INTERNAL;
        goto out;
    }
    if (configure(enc, bitrate, gain_q78) != 0) {
        g_snprintf(detail, detail_len, "opus encoder refused its settings");
        ret = -INGEST_ERR_INTERNAL;
        goto out;
    }
    for (size_t i = 0; i < n && err == OPE_OK; i += CHUNK)
        err = ope_encoder_write_float(enc, pcm + i, (int)(n - i < CHUNK ? n - i : CHUNK));
    if (err == OPE_OK)
        err = ope_encoder_drain(enc);
    if (err != OPE_OK) {
        g_snprintf(detail, detail_len, "opus encode: %s", ope_strerror(err));
        ret = err == OPE_WRITE_FAIL ? -INGEST_ERR_IO : -INGEST_ERR_INTERNAL;
    }
out:
    if (enc)
        ope_encoder_destroy(enc);
    ope_comments_destroy(comments);
    return ret;
}

static int measure(OggOpusFile *of, ebur128_state *st, ingest_opus_check *out)
{
    float buf[5760]; /* 120 ms at 48 kHz, the longest Opus packet */
    int n;
    double peak = 0;
    while ((n = op_read_float(of, buf, (int)G_N_ELEMENTS(buf), NULL)) > 0)
        ebur128_add_frames_float(st, buf, (size_t)n);
    if (n < 0)
        return -INGEST_ERR_INTERNAL;
    if (ebur128_loudness_global(st, &out->loudness_lufs) != EBUR128_SUCCESS ||
        ebur128_true_peak(st, 0, &peak) != EBUR128_SUCCESS)
        return -INGEST_ERR_INTERNAL;
    out->true_peak_dbtp = peak > 0 ? 20 * log10(peak) : -HUGE_VAL;
    out->duration_ms = op_pcm_total(of, -1) * 1000 / INGEST_RATE;
    return 0;
}

int ingest_opus_check_file(const char *path, ingest_opus_check *out, char *detail,
                           size_t detail_len)
{
    int err = 0, ret;
    OggOpusFile *of = op_open_file(path, &err);
    if (!of) {
        g_snprintf(detail, detail_len, "opusfile cannot read back %s (%d)", path, err);
        return -INGEST_ERR_INTERNAL;
    }
    ebur128_state *st = ebur128_init(1, INGEST_RATE, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
    if (!st || op_channel_count(of, -1) != 1) {
        g_snprintf(detail, detail_len, "read back: not mono or out of memory");
        ret = -INGEST_ERR_INTERNAL;
    } else if ((ret = measure(of, st, out)) != 0) {
        g_snprintf(detail, detail_len, "read back: decoding %s failed", path);
    }
    if (st)
        ebur128_destroy(&st);
    op_free(of);
    return ret;
}
