/* player_config: the player's settings, from a GKeyFile ([player] group) overridden by
 * command-line flags (named so as not to shadow common/config.h on the include path). Owns every
 * string in player_config; player_config_clear releases them. The token is read from its own
 * file (mode 0600), never from the configuration or the command line. */
#ifndef LOALANG_PLAYER_CONFIG_H
#define LOALANG_PLAYER_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

typedef enum player_output {
    PLAYER_OUTPUT_AUTO,  /* autoaudiosink */
    PLAYER_OUTPUT_ALSA,  /* alsasink (device = ALSA device name) */
    PLAYER_OUTPUT_PULSE, /* pulsesink (device = PulseAudio sink name) */
    PLAYER_OUTPUT_FILE,  /* one WAV per airing: PATH.wav → PATH-<airing id>.wav */
    PLAYER_OUTPUT_FAKE,  /* fakesink sync=true: real timing, no sound (tests, benchmarks) */
} player_output;

typedef struct player_config {
    char *server_url; /* "https://loa.example.vn" (no trailing slash) */
    char *token_file;
    char *token; /* read from token_file by player_config_load_token */
    char *cache_dir;
    char *state_dir;
    player_output output;
    char *output_path; /* PLAYER_OUTPUT_FILE only */
    char *device;      /* NULL: the sink's default */
    int volume;        /* 0…100, or -1: the manifest's volume */
    char *amp_on_cmd;  /* run with /bin/sh -c; NULL: no amplifier control */
    char *amp_off_cmd;
    int amp_lead_s;                /* amplifier on this long before a slot's first item */
    int64_t cache_cap_bytes;       /* 0: no cap */
    int64_t cache_keep_free_bytes; /* downloads leave this much free for the report queue */
    int download_min_rate;         /* bytes/s a download must beat over download_slow_seconds */
    int download_slow_seconds;
    char *ca_file;      /* extra CA bundle for HTTPS; NULL: the system's */
    int poll_seconds;   /* 0: the manifest's poll_seconds */
    int status_seconds; /* box status period */
} player_config;

/* Defaults (state /var/lib/loalang-player, cache /var/cache/loalang-player, output auto …)
 * overridden by the [player] group of path (when path is non-NULL). -ENOENT / -EINVAL with a
 * g_malloc'd message (Vietnamese) in *err naming the file and key. */
int player_config_load(const char *path, player_config *out, char **err);
/* "auto" | "alsa" | "pulse" | "fake" | "file:PATH.wav" → out (and out->output_path). */
int player_config_set_output(player_config *c, const char *spec, char **err);
/* Checks what the player cannot run without (server URL, directories) and reads the token
 * file (first line, whitespace trimmed). -EINVAL / -ENOENT with a message in *err. */
int player_config_finish(player_config *c, char **err);
void player_config_clear(player_config *c);

#endif
