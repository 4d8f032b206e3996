/* ingest: turns an uploaded audio file of an allowed format (WAV, MP3, FLAC, Ogg Vorbis/Opus,
 * AAC/M4A, WMA, AMR/3GP) into the media store's form — mono 48 kHz Ogg Opus,
 * loudness-normalised through the OpusHead output gain — named by its sha256 under
 * MEDIA_DIR/<aa>/<sha256>.opus (docs/media.md). The upload is parsed only by a separate,
 * sandboxed and limited process, loalang-decode (ingest_helper.h); this process sees PCM.
 *
 * Thread-safe and store-free: it runs in the libuv thread pool (and starts one thread of its
 * own while it encodes, to measure the output on the other core); the caller writes the media
 * row (store_media.h) only after ingest_file returned, i.e. once the file is durable. On any
 * error nothing is left on disk. Owns nothing after it returns. */
#ifndef LOALANG_INGEST_H
#define LOALANG_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"

/* Why an ingest failed. ingest_file returns the negated value. ingest_error_is_client tells the
 * upload's fault (an HTTP 4xx) from the server's (5xx). The codes live in
 * their own range, above any errno (as libuv's and curl's do), so a caller that also sees
 * negative errnos (api_fail turns -ENOENT into a 404) can never mistake one for the other. */
#define INGEST_ERR_BASE 10000
typedef enum ingest_error {
    INGEST_OK = 0,
    INGEST_ERR_NOT_AUDIO = INGEST_ERR_BASE + 1, /* no audio stream found */
    INGEST_ERR_UNDECODABLE, /* looks like audio but decoding failed: truncated, corrupt */
    INGEST_ERR_EMPTY,       /* zero bytes, or no samples */
    INGEST_ERR_SILENT,      /* integrated loudness below opts.silence_lufs, or no gating block */
    INGEST_ERR_TOO_LARGE,   /* more than opts.max_bytes */
    INGEST_ERR_TOO_LONG,    /* more than opts.max_duration_ms of audio */
    INGEST_ERR_IO,          /* reading the source or writing the media dir failed */
    INGEST_ERR_INTERNAL, /* a library refused (GStreamer init, encoder), the decoder is missing */
    INGEST_ERR_UNSUPPORTED,  /* a container or codec off the list, or an absurd rate/channels */
    INGEST_ERR_DECODE_LIMIT, /* the decoder passed its CPU, memory or wall-clock limit */
    INGEST_ERR_NO_SOURCE,    /* the source file does not exist (the CLI's mistake; for an
                                upload it is the server's own temp file: 5xx) */
} ingest_error;
#define INGEST_ERR_LAST INGEST_ERR_NO_SOURCE

#define INGEST_DETAIL_MAX 256

typedef struct ingest_opts {
    int32_t bitrate;         /* Opus bits/s; 32000 */
    double target_lufs;      /* integrated loudness after normalisation; -16 */
    double max_true_peak;    /* dBTP ceiling after normalisation; -1 */
    double silence_lufs;     /* below this the upload is refused as silent; -60 */
    int64_t max_bytes;       /* source size limit; 512 MiB */
    int64_t max_duration_ms; /* decoded length limit; 1 hour */
    /* The decoder process (ingest_helper.h). NULL: loalang-decode next to the running
     * program, else in the directory it is installed to. */
    const char *decoder;
    int32_t decode_cpu_s;     /* its RLIMIT_CPU; 120 s (an hour of MP3 takes ~15 s here) */
    int32_t decode_wall_s;    /* killed after this long; 300 s */
    int64_t decode_mem_bytes; /* its RLIMIT_AS; 1 GiB */
} ingest_opts;

typedef struct ingest_result {
    char sha256[HASH_SHA256_HEX_LEN + 1];
    int64_t bytes;       /* of the Opus file */
    int64_t duration_ms; /* of the Opus file (pre-skip excluded) */
    double loudness_in_lufs;
    double loudness_out_lufs; /* measured on the Opus file decoded with its header gain */
    double true_peak_dbtp;    /* after, as above */
    double gain_db;           /* written into the OpusHead output gain */
    bool deduplicated;        /* the same file was already in the store; nothing was written */
    char detail[INGEST_DETAIL_MAX]; /* English detail of a failure, for logs */
} ingest_result;

/* Fills opts with the defaults above. */
void ingest_opts_default(ingest_opts *opts);

/* Ingests src_path into media_dir (which must exist). opts NULL = defaults. 0 with *out
 * filled, or -INGEST_ERR_* with out->detail set. */
int ingest_file(const char *src_path, const char *media_dir, const ingest_opts *opts,
                ingest_result *out);

/* Removes temp files (.ingest-*) a crash left in media_dir. Call once at daemon start, before
 * any ingest runs (a running ingest's temp file would be removed too). Returns the number
 * removed, or a negative errno when media_dir cannot be read. */
int ingest_sweep_temps(const char *media_dir);

/* The Vietnamese message for an ingest error (either sign), for people. Static storage. Any
 * other value (an errno, say) reads as INTERNAL. */
const char *ingest_error_message(int err);
/* Stable English code for APIs and logs: "not_audio", "too_long" … Static storage. */
const char *ingest_error_code(int err);
/* True when the error is the upload's fault (answer 4xx), false for the server's and for any
 * value that is not an ingest code. */
bool ingest_error_is_client(int err);
/* True when err (either sign) is one of INGEST_ERR_*. */
bool ingest_error_is_ingest(int err);

#endif
