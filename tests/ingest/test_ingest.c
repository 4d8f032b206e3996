/* Media ingest on real files made in the test (espeak-ng speech, sox, ffmpeg, gst-launch
 * encoders), decoded by this build's loalang-decode: every allowed format comes out mono 48 kHz
 * Opus of the right length, at -16 LUFS ±1 LU and under -1 dBTP as measured here independently
 * (opusfile + libebur128); the same audio twice is one file; each refusal gets its error and
 * leaves the media dir empty; containers and codecs off the list, and a header claiming 1 Hz,
 * are refused as unsupported. */
#include <ebur128.h>
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <glib/gstdio.h>
#include <math.h>
#include <opus/opusfile.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ingest.h"
#include "tmpdir.h"

#define SPEECH                                                                                                \
    "Thông báo của Ủy ban nhân dân xã về lịch tiêm phòng cho đàn gia súc, gia cầm trong " \
    "tháng này. Đề nghị bà con chuẩn bị đầy đủ."

typedef struct fixture {
    char *tmp;   /* inputs */
    char *media; /* fresh per test */
    int64_t speech_ms;
} fixture;

static fixture F;

static void sh(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    const char *argv[] = {"/bin/sh", "-ec", cmd, NULL};
    int status = -1;
    gboolean ok = g_spawn_sync(F.tmp, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, NULL);
    if (!ok || !g_spawn_check_wait_status(status, NULL))
        fail_msg("command failed: %s", cmd);
    g_free(cmd);
}

static char *in(const char *name)
{
    return g_build_filename(F.tmp, name, NULL);
}

/* One gst-launch encode of the speech WAV: src ! ENC ! filesink. */
static void encode(const char *out, const char *chain)
{
    sh("gst-launch-1.0 -q filesrc location=speech.wav ! wavparse ! audioconvert ! "
       "audioresample ! %s ! filesink location=%s",
       chain, out);
}

static int group_setup(void **state)
{
    (void)state;
    F.tmp = tmpdir_new("loalang-ingest-XXXXXX");
    /* Stereo 44.1 kHz with the speech twice: a common upload shape, and resampling + downmix.
     * Compressed the way a studio would, so that -16 LUFS fits under -1 dBTP; raw espeak-ng
     * output (peak-to-loudness 18.5 dB) is the peaky case,
     * where the peak ceiling wins over the loudness target. */
    sh("espeak-ng -v vi -w voice.wav '%s'", SPEECH);
    sh("sox voice.wav voice.wav -r 44100 -c 2 speech.wav "
       "compand 0,0.05 -80,-80,-30,-30,-10,-20,0,-20 0 -90 0");
    sh("sox voice.wav voice.wav -r 44100 -c 2 peaky.wav");
    sh("sox speech.wav -r 44100 -c 2 -b 24 speech24.wav");
    encode("speech.mp3", "lamemp3enc target=bitrate bitrate=96 ! id3v2mux");
    encode("speech.flac", "flacenc");
    encode("speech.ogg", "vorbisenc ! oggmux");
    encode("speech.opus", "opusenc ! oggmux");
    encode("speech.m4a", "avenc_aac ! mp4mux");
    encode("speech.wma", "avenc_wmav2 ! avmux_asf");
    encode("speech.amr", "audio/x-raw,rate=8000,channels=1 ! amrnbenc ! avmux_amr");
    encode("speech.3gp", "audio/x-raw,rate=8000,channels=1 ! amrnbenc ! 3gppmux");
    sh("ffmpeg -loglevel error -i speech.wav -c:a aac speech.aac");
    /* Mono 22,050 Hz with an odd number of samples: an odd-sized data chunk and its pad byte,
     * which GStreamer's wavparse read past in pull mode (refused as empty). ffmpeg's as the
     * report made it, and sox's. */
    sh("sox speech.wav -r 22050 -c 1 mono22k-any.wav && m=$(soxi -s mono22k-any.wav) && "
       "sox mono22k-any.wav mono22k.wav trim 0 $(( (m - 1) / 2 * 2 + 1 ))s");
    sh("ffmpeg -loglevel error -i mono22k.wav -c:a pcm_mulaw mulaw-ffmpeg.wav");
    sh("sox mono22k.wav -e u-law mulaw-sox.wav");
    sh("sox mono22k.wav -e a-law alaw.wav");
    /* Off the list: Matroska, AIFF, IMA ADPCM in a WAV. */
    sh("ffmpeg -loglevel error -i speech.wav -c:a aac speech.mka");
    sh("sox speech.wav speech.aiff");
    sh("sox speech.wav -e ima-adpcm adpcm.wav");
    /* 16 KB of PCM whose header says 1 Hz: 4.5 hours, or 786 M samples at 48 kHz to make. */
    sh("sox -n -r 8000 -c 1 -b 16 hz1.wav synth 8192s sine 440 && "
       "printf '\\001\\000\\000\\000\\002\\000\\000\\000' | "
       "dd of=hz1.wav bs=1 seek=24 conv=notrunc status=none");
    sh("sox -n -r 48000 -c 1 silence.wav trim 0 5");
    sh("sox -n -r 48000 -c 1 whisper.wav synth 5 pinknoise gain -75");
    sh("printf 'Đây không phải là âm thanh.\\n%%.0s' $(seq 200) > text.txt");
    sh("head -c 30 speech.wav > truncated.wav");
    /* A real FLAC header followed by (deterministic) garbage frames. */
    sh("(head -c 4000 speech.flac; seq 1 200000 | gzip -n -c) > corrupt.flac");
    sh(": > empty.wav");
    char *out = NULL;
    const char *argv[] = {"soxi", "-D", "speech.wav", NULL};
    assert_true(g_spawn_sync(F.tmp, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                             NULL, NULL, NULL));
    F.speech_ms = (int64_t)(g_ascii_strtod(out, NULL) * 1000);
    assert_true(F.speech_ms > 5000);
    g_free(out);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    tmpdir_remove(F.tmp);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    F.media = g_build_filename(F.tmp, "media", NULL);
    assert_int_equal(g_mkdir(F.media, 0700), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tmpdir_remove(F.media);
    return 0;
}

/* Every file under the media dir, recursively, temp files included. */
static int count_files(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    int n = 0;
    assert_non_null(d);
    for (const char *e; (e = g_dir_read_name(d));) {
        char *p = g_build_filename(dir, e, NULL);
        n += g_file_test(p, G_FILE_TEST_IS_DIR) ? count_files(p) : 1;
        g_free(p);
    }
    g_dir_close(d);
    return n;
}

typedef struct measured {
    int channels;
    int64_t duration_ms;
    double lufs, peak_dbtp;
} measured;

/* Decodes the stored file as a box would (header gain applied) and measures it here. */
static measured measure(const char *path)
{
    int err = 0;
    measured m = {0};
    OggOpusFile *of = op_open_file(path, &err);
    assert_non_null(of);
    m.channels = op_channel_count(of, -1);
    assert_int_equal(op_head(of, -1)->input_sample_rate, 48000);
    m.duration_ms = op_pcm_total(of, -1) / 48;
    ebur128_state *st = ebur128_init(1, 48000, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
    float buf[5760];
    int n;
    while ((n = op_read_float(of, buf, 5760, NULL)) > 0)
        ebur128_add_frames_float(st, buf, (size_t)n);
    assert_int_equal(n, 0);
    double peak = 0;
    ebur128_loudness_global(st, &m.lufs);
    ebur128_true_peak(st, 0, &peak);
    m.peak_dbtp = 20 * log10(peak);
    ebur128_destroy(&st);
    op_free(of);
    return m;
}

static char *stored_path(const ingest_result *r)
{
    char sub[3] = {r->sha256[0], r->sha256[1], 0};
    char *name = g_strconcat(r->sha256, ".opus", NULL);
    char *p = g_build_filename(F.media, sub, name, NULL);
    g_free(name);
    return p;
}

/* The defaults, with this build's decoder (the test program is not beside it). */
static ingest_opts opts(void)
{
    ingest_opts o;
    ingest_opts_default(&o);
    o.decoder = LOALANG_DECODE_PATH;
    return o;
}

static void ingest_ok(const char *file, ingest_result *r)
{
    char *src = in(file);
    ingest_opts o = opts();
    int rc = ingest_file(src, F.media, &o, r);
    if (rc != 0)
        fail_msg("%s: %s (%s)", file, ingest_error_code(rc), r->detail);
    g_free(src);
}

static void check_format(const char *file)
{
    ingest_result r;
    ingest_ok(file, &r);
    char *p = stored_path(&r);
    assert_true(hash_is_sha256_hex(r.sha256));
    assert_true(g_file_test(p, G_FILE_TEST_IS_REGULAR));
    measured m = measure(p);
    print_message("%s: %" PRId64 " ms, in %.2f LUFS, gain %.2f dB, out %.2f LUFS %.2f dBTP\n", file,
                  m.duration_ms, r.loudness_in_lufs, r.gain_db, m.lufs, m.peak_dbtp);
    assert_int_equal(m.channels, 1);
    /* Lossy inputs carry encoder delay and padding (MP3 without a LAME header: ~60 ms). */
    assert_true(llabs(m.duration_ms - F.speech_ms) <= 100);
    assert_true(llabs(r.duration_ms - m.duration_ms) <= 1);
    assert_true(fabs(m.lufs - -16.0) <= 1.0);
    assert_true(m.peak_dbtp <= -1.0);
    assert_true(fabs(r.loudness_out_lufs - m.lufs) < 0.01);
    assert_true(fabs(r.true_peak_dbtp - m.peak_dbtp) < 0.01);
    assert_true(r.loudness_in_lufs < -16.5 || r.loudness_in_lufs > -15.5 || r.gain_db != 0);
    GStatBuf st;
    assert_int_equal(g_stat(p, &st), 0);
    assert_int_equal(st.st_size, r.bytes);
    assert_int_equal(count_files(F.media), 1);
    g_free(p);
}

static void test_wav(void **s)
{
    (void)s;
    check_format("speech.wav");
}
static void test_wav24(void **s)
{
    (void)s;
    check_format("speech24.wav");
}
static void test_mp3(void **s)
{
    (void)s;
    check_format("speech.mp3");
}
static void test_flac(void **s)
{
    (void)s;
    check_format("speech.flac");
}
static void test_vorbis(void **s)
{
    (void)s;
    check_format("speech.ogg");
}
static void test_opus(void **s)
{
    (void)s;
    check_format("speech.opus");
}
static void test_m4a(void **s)
{
    (void)s;
    check_format("speech.m4a");
}

static void test_wma(void **s)
{
    (void)s;
    check_format("speech.wma");
}

static void test_amr(void **s)
{
    (void)s;
    check_format("speech.amr");
}

static void test_3gp(void **s)
{
    (void)s;
    check_format("speech.3gp");
}

static void test_aac_adts(void **s)
{
    (void)s;
    check_format("speech.aac");
}

static void test_mulaw_22050_ffmpeg(void **s)
{
    (void)s;
    check_format("mulaw-ffmpeg.wav");
}

static void test_mulaw_22050_sox(void **s)
{
    (void)s;
    check_format("mulaw-sox.wav");
}

static void test_alaw(void **s)
{
    (void)s;
    check_format("alaw.wav");
}

/* Raw synthetic speech peaks 18.5 dB over its loudness: the -1 dBTP ceiling wins, and the
 * piece ends up quieter than -16 LUFS rather than clipped (no limiter in the chain). */
static void test_peaky_input_is_held_under_the_ceiling(void **state)
{
    (void)state;
    ingest_result r;
    ingest_ok("peaky.wav", &r);
    char *p = stored_path(&r);
    measured m = measure(p);
    assert_true(m.peak_dbtp <= -1.0);
    assert_true(m.peak_dbtp > -2.0);
    assert_true(m.lufs < -16.5);
    assert_true(r.gain_db < -16.0 - r.loudness_in_lufs);
    g_free(p);
}

static void test_same_audio_twice_is_one_file(void **state)
{
    (void)state;
    ingest_result a, b;
    ingest_ok("speech.flac", &a);
    assert_false(a.deduplicated);
    ingest_ok("speech.flac", &b);
    assert_true(b.deduplicated);
    assert_string_equal(a.sha256, b.sha256);
    assert_int_equal(a.bytes, b.bytes);
    assert_int_equal(count_files(F.media), 1);
}

static void refused(const char *file, const ingest_opts *o, int want)
{
    ingest_result r;
    char *src = in(file);
    ingest_opts dflt = opts();
    int rc = ingest_file(src, F.media, o ? o : &dflt, &r);
    if (rc != -want)
        fail_msg("%s: got %s (%s), want %s", file, ingest_error_code(rc), r.detail,
                 ingest_error_code(want));
    assert_true(ingest_error_is_client(rc));
    assert_true(r.detail[0] != '\0');
    assert_int_equal(count_files(F.media), 0);
    g_free(src);
}

static void test_refusals(void **state)
{
    (void)state;
    ingest_opts o = opts();
    refused("text.txt", NULL, INGEST_ERR_NOT_AUDIO);
    refused("truncated.wav", NULL, INGEST_ERR_NOT_AUDIO);
    refused("corrupt.flac", NULL, INGEST_ERR_UNDECODABLE);
    refused("empty.wav", NULL, INGEST_ERR_EMPTY);
    refused("silence.wav", NULL, INGEST_ERR_SILENT);
    refused("whisper.wav", NULL, INGEST_ERR_SILENT);
    refused("media", NULL, INGEST_ERR_NOT_AUDIO); /* a directory */
    o.max_duration_ms = 3000;
    refused("speech.mp3", &o, INGEST_ERR_TOO_LONG);
    o = opts();
    o.max_bytes = 1000;
    refused("speech.wav", &o, INGEST_ERR_TOO_LARGE);
}

/* Refused by the decoder while it counts at the source's own rate, before the resampler: the
 * detail is the decoder's (in ms), not the daemon's count of 48 kHz samples. */
static void test_too_long_stops_in_the_decoder(void **state)
{
    (void)state;
    ingest_result r;
    ingest_opts o = opts();
    o.max_duration_ms = 3000;
    char *src = in("speech.flac");
    assert_int_equal(ingest_file(src, F.media, &o, &r), -INGEST_ERR_TOO_LONG);
    assert_string_equal(r.detail, "longer than 3000 ms");
    assert_int_equal(count_files(F.media), 0);
    g_free(src);
}

static void test_off_the_list_is_unsupported(void **state)
{
    (void)state;
    const char *files[] = {"speech.mka", "speech.aiff", "adpcm.wav"};
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++)
        refused(files[i], NULL, INGEST_ERR_UNSUPPORTED);
    ingest_result r;
    char *src = in("speech.mka");
    ingest_opts o = opts();
    assert_int_equal(ingest_file(src, F.media, &o, &r), -INGEST_ERR_UNSUPPORTED);
    assert_non_null(strstr(r.detail, "matroska"));
    g_free(src);
}

/* The header's rate is refused before a sample is made: no decode limit is reached (it would
 * take minutes and gigabytes), however short the deadline. */
static void test_one_hertz_wav_is_refused_at_once(void **state)
{
    (void)state;
    ingest_result r;
    ingest_opts o = opts();
    o.decode_wall_s = 20;
    o.decode_cpu_s = 5;
    char *src = in("hz1.wav");
    assert_int_equal(ingest_file(src, F.media, &o, &r), -INGEST_ERR_UNSUPPORTED);
    assert_non_null(strstr(r.detail, "1 Hz"));
    assert_int_equal(count_files(F.media), 0);
    g_free(src);
}

/* The CLI's mistake: named, and not worded as the server's read/write error. */
static void test_missing_source_is_named(void **state)
{
    (void)state;
    ingest_result r;
    char *src = in("nothing-here.wav");
    ingest_opts o = opts();
    int rc = ingest_file(src, F.media, &o, &r);
    assert_int_equal(rc, -INGEST_ERR_NO_SOURCE);
    assert_string_equal(ingest_error_code(rc), "no_source");
    assert_string_equal(ingest_error_message(rc), "Không tìm thấy tệp");
    assert_non_null(strstr(r.detail, src));
    assert_false(ingest_error_is_client(rc));
    assert_int_equal(count_files(F.media), 0);
    g_free(src);
}

static void test_missing_decoder_is_internal(void **state)
{
    (void)state;
    ingest_result r;
    char *src = in("speech.wav");
    ingest_opts o = opts();
    o.decoder = "/nonexistent/loalang-decode";
    assert_int_equal(ingest_file(src, F.media, &o, &r), -INGEST_ERR_INTERNAL);
    assert_non_null(strstr(r.detail, "/nonexistent/loalang-decode"));
    assert_int_equal(count_files(F.media), 0);
    g_free(src);
}

static void test_unwritable_media_dir_leaves_nothing(void **state)
{
    (void)state;
    ingest_result r;
    char *src = in("speech.wav");
    char *gone = g_build_filename(F.media, "absent", NULL);
    ingest_opts o = opts();
    assert_int_equal(ingest_file(src, gone, &o, &r), -INGEST_ERR_IO);
    assert_int_equal(count_files(F.media), 0);
    g_free(gone);
    g_free(src);
}

static void test_sweep_temps(void **state)
{
    (void)state;
    const char *names[] = {".ingest-abc123", ".ingest-pcm-xyz", "keep.opus"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *p = g_build_filename(F.media, names[i], NULL);
        assert_true(g_file_set_contents(p, "x", 1, NULL));
        g_free(p);
    }
    assert_int_equal(ingest_sweep_temps(F.media), 2);
    assert_int_equal(count_files(F.media), 1);
    char *gone = g_build_filename(F.media, "absent", NULL);
    assert_int_equal(ingest_sweep_temps(gone), -ENOENT);
    g_free(gone);
}

static void test_messages(void **state)
{
    (void)state;
    for (int e = INGEST_ERR_NOT_AUDIO; e <= INGEST_ERR_LAST; e++) {
        const char *m = ingest_error_message(-e);
        assert_true(g_utf8_validate(m, -1, NULL));
        assert_string_equal(m, ingest_error_message(e));
        for (int f = INGEST_ERR_NOT_AUDIO; f < e; f++) {
            assert_string_not_equal(m, ingest_error_message(f));
            assert_string_not_equal(ingest_error_code(e), ingest_error_code(f));
        }
    }
    assert_string_equal(ingest_error_code(-INGEST_ERR_SILENT), "silent");
    assert_true(ingest_error_is_client(-INGEST_ERR_TOO_LONG));
    assert_true(ingest_error_is_client(-INGEST_ERR_UNSUPPORTED));
    assert_true(ingest_error_is_client(-INGEST_ERR_DECODE_LIMIT));
    assert_false(ingest_error_is_client(-INGEST_ERR_INTERNAL));
    assert_false(ingest_error_is_client(-INGEST_ERR_IO));
    assert_false(ingest_error_is_client(-INGEST_ERR_NO_SOURCE));
    assert_string_equal(ingest_error_code(INGEST_ERR_UNSUPPORTED), "unsupported_format");
    assert_string_equal(ingest_error_code(INGEST_ERR_DECODE_LIMIT), "decode_limit");
    /* The codes cannot be mistaken for errnos (Linux's stop at 4095): -ENOENT once was
     * UNDECODABLE, and the API answered a corrupt upload with 404. */
    for (int e = INGEST_ERR_NOT_AUDIO; e <= INGEST_ERR_LAST; e++) {
        assert_true(e > 4095);
        assert_true(ingest_error_is_ingest(-e));
    }
    int errnos[] = {ENOENT, EINVAL, EIO, ENOMEM, EEXIST, EBUSY, ECANCELED};
    for (size_t i = 0; i < G_N_ELEMENTS(errnos); i++) {
        assert_false(ingest_error_is_ingest(-errnos[i]));
        assert_false(ingest_error_is_client(-errnos[i]));
        assert_string_equal(ingest_error_code(-errnos[i]), "internal");
    }
    assert_string_equal(ingest_error_code(0), "ok");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wav, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wav24, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mp3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flac, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vorbis, setup, teardown),
        cmocka_unit_test_setup_teardown(test_opus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_m4a, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wma, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_3gp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aac_adts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mulaw_22050_ffmpeg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mulaw_22050_sox, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alaw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peaky_input_is_held_under_the_ceiling, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_same_audio_twice_is_one_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_long_stops_in_the_decoder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_off_the_list_is_unsupported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_hertz_wav_is_refused_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_source_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_decoder_is_internal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_media_dir_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_temps, setup, teardown),
        cmocka_unit_test(test_messages),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
