/* player_config: the player's [player] settings with defaults, flags applied over them by main. */
#include "player_config.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "cache.h"
#include "config.h"

#define GROUP "player"

static void set_defaults(player_config *c)
{
    memset(c, 0, sizeof *c);
    c->token_file = g_strdup("/etc/loalang/player.token");
    c->cache_dir = g_strdup("/var/cache/loalang-player");
    c->state_dir = g_strdup("/var/lib/loalang-player");
    c->output = PLAYER_OUTPUT_AUTO;
    c->volume = -1;
    c->amp_lead_s = 5;
    c->cache_cap_bytes = (int64_t)2 << 30;
    c->cache_keep_free_bytes = CACHE_KEEP_FREE_DEFAULT;
    c->download_min_rate = (int)CACHE_MIN_RATE_DEFAULT;
    c->download_slow_seconds = (int)CACHE_SLOW_SECONDS_DEFAULT;
    c->status_seconds = 300;
}

static void replace(char **slot, char *value)
{
    g_free(*slot);
    *slot = value;
}

/* A string key: absent → keep the default; present and empty → NULL. */
static int get_str(const config *cfg, const char *key, char **slot, char **err)
{
    char *v = NULL;
    int rc = config_get_string(cfg, GROUP, key, *slot, &v, err);
    if (rc != 0)
        return rc;
    if (v != NULL && v[0] == '\0') {
        g_free(v);
        v = NULL;
    }
    replace(slot, v);
    return 0;
}

static int get_int(const config *cfg, const char *key, int64_t min, int64_t max, int *slot,
                   char **err)
{
    int64_t v = 0;
    int rc = config_get_int(cfg, GROUP, key, *slot, min, max, &v, err);
    if (rc == 0)
        *slot = (int)v;
    return rc;
}

int player_config_set_output(player_config *c, const char *spec, char **err)
{
    static const struct {
        const char *name;
        player_output kind;
    } kinds[] = {{"auto", PLAYER_OUTPUT_AUTO},
                 {"alsa", PLAYER_OUTPUT_ALSA},
                 {"pulse", PLAYER_OUTPUT_PULSE},
                 {"fake", PLAYER_OUTPUT_FAKE}};
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
        if (strcmp(spec, kinds[i].name) == 0) {
            c->output = kinds[i].kind;
            replace(&c->output_path, NULL);
            return 0;
        }
    }
    if (g_str_has_prefix(spec, "file:") && g_str_has_suffix(spec, ".wav") && strlen(spec) > 9) {
        c->output = PLAYER_OUTPUT_FILE;
        replace(&c->output_path, g_strdup(spec + 5));
        return 0;
    }
    if (err != NULL)
        *err = g_strdup_printf("đầu ra không hợp lệ: “%s” (auto, alsa, pulse, fake hoặc "
                               "file:ĐƯỜNG_DẪN.wav)",
                               spec);
    return -EINVAL;
}

static int load_keys(const config *cfg, player_config *c, char **err)
{
    int rc = 0;
    char *output = NULL;
    int64_t cap = c->cache_cap_bytes, keep_free = c->cache_keep_free_bytes;
    if ((rc = get_str(cfg, "server_url", &c->server_url, err)) != 0 ||
        (rc = get_str(cfg, "token_file", &c->token_file, err)) != 0 ||
        (rc = get_str(cfg, "cache_dir", &c->cache_dir, err)) != 0 ||
        (rc = get_str(cfg, "state_dir", &c->state_dir, err)) != 0 ||
        (rc = get_str(cfg, "device", &c->device, err)) != 0 ||
        (rc = get_str(cfg, "amplifier_on", &c->amp_on_cmd, err)) != 0 ||
        (rc = get_str(cfg, "amplifier_off", &c->amp_off_cmd, err)) != 0 ||
        (rc = get_str(cfg, "ca_file", &c->ca_file, err)) != 0 ||
        (rc = get_int(cfg, "volume", -1, 100, &c->volume, err)) != 0 ||
        (rc = get_int(cfg, "amplifier_lead_seconds", 0, 600, &c->amp_lead_s, err)) != 0 ||
        (rc = get_int(cfg, "poll_seconds", 0, 86400, &c->poll_seconds, err)) != 0 ||
        (rc = get_int(cfg, "status_seconds", 10, 86400, &c->status_seconds, err)) != 0 ||
        (rc = get_int(cfg, "download_min_rate", 1, 1 << 30, &c->download_min_rate, err)) != 0 ||
        (rc = get_int(cfg, "download_slow_seconds", 1, 3600, &c->download_slow_seconds, err)) !=
            0 ||
        (rc = config_get_int(cfg, GROUP, "cache_cap_bytes", cap, 0, INT64_MAX, &cap, err)) != 0 ||
        (rc = config_get_int(cfg, GROUP, "cache_keep_free_bytes", keep_free, 0, INT64_MAX,
                             &keep_free, err)) != 0 ||
        (rc = config_get_string(cfg, GROUP, "output", NULL, &output, err)) != 0)
        goto out;
    c->cache_cap_bytes = cap;
    c->cache_keep_free_bytes = keep_free;
    if (output != NULL)
        rc = player_config_set_output(c, output, err);
out:
    g_free(output);
    return rc;
}

int player_config_load(const char *path, player_config *out, char **err)
{
    set_defaults(out);
    config *cfg = NULL;
    int rc = path ? config_load(path, &cfg, err) : 0;
    if (rc != 0)
        return rc;
    if (cfg == NULL)
        cfg = config_new_empty();
    rc = load_keys(cfg, out, err);
    config_free(cfg);
    if (rc != 0)
        player_config_clear(out);
    return rc;
}

int player_config_finish(player_config *c, char **err)
{
    if (c->server_url == NULL || !(g_str_has_prefix(c->server_url, "http://") ||
                                   g_str_has_prefix(c->server_url, "https://"))) {
        *err = g_strdup("thiếu server_url (http:// hoặc https://) trong cấu hình");
        return -EINVAL;
    }
    size_t n = strlen(c->server_url);
    while (n > 0 && c->server_url[n - 1] == '/')
        c->server_url[--n] = '\0';
    if (c->cache_dir == NULL || c->state_dir == NULL) {
        *err = g_strdup("thiếu cache_dir hoặc state_dir trong cấu hình");
        return -EINVAL;
    }
    char *text = NULL;
    GError *e = NULL;
    if (c->token_file == NULL || !g_file_get_contents(c->token_file, &text, NULL, &e)) {
        *err = g_strdup_printf("không đọc được tệp mã truy cập %s: %s",
                               c->token_file ? c->token_file : "(chưa đặt)",
                               e ? e->message : "thiếu token_file");
        if (e)
            g_error_free(e);
        return -ENOENT;
    }
    char *nl = strchr(text, '\n');
    if (nl)
        *nl = '\0';
    g_strstrip(text);
    if (text[0] == '\0' || strpbrk(text, " \t\r") != NULL) {
        *err = g_strdup_printf("tệp mã truy cập %s trống hoặc sai dạng", c->token_file);
        g_free(text);
        return -EINVAL;
    }
    replace(&c->token, text);
    return 0;
}

void player_config_clear(player_config *c)
{
    char **strs[] = {&c->server_url,  &c->token_file,  &c->token,  &c->cache_dir,
                     &c->state_dir,   &c->output_path, &c->device, &c->amp_on_cmd,
                     &c->amp_off_cmd, &c->ca_file};
    for (size_t i = 0; i < G_N_ELEMENTS(strs); i++)
        replace(strs[i], NULL);
}
