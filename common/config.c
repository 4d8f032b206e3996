/* config: GKeyFile configuration with typed, range-checked getters. */
#include "config.h"

#include <errno.h>

struct config {
    GKeyFile *kf;
    char *path; /* NULL for an empty configuration */
};

static void set_err(char **err, char *msg)
{
    if (err != NULL)
        *err = msg;
    else
        g_free(msg);
}

static int load_error_code(const GError *e)
{
    if (e->domain == G_FILE_ERROR && e->code == G_FILE_ERROR_NOENT)
        return -ENOENT;
    if (e->domain == G_FILE_ERROR && e->code == G_FILE_ERROR_ACCES)
        return -EACCES;
    if (e->domain == G_FILE_ERROR)
        return -EIO;
    return -EINVAL; /* G_KEY_FILE_ERROR: the file is there but not a key file */
}

int config_load(const char *path, config **out, char **err)
{
    GError *e = NULL;
    GKeyFile *kf = g_key_file_new();
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &e)) {
        int rc = load_error_code(e);
        set_err(err, g_strdup_printf("không đọc được tệp cấu hình %s: %s", path, e->message));
        g_error_free(e);
        g_key_file_unref(kf);
        return rc;
    }
    config *cfg = g_new0(config, 1);
    cfg->kf = kf;
    cfg->path = g_strdup(path);
    *out = cfg;
    return 0;
}

config *config_new_empty(void)
{
    config *cfg = g_new0(config, 1);
    cfg->kf = g_key_file_new();
    return cfg;
}

void config_free(config *cfg)
{
    if (cfg == NULL)
        return;
    g_key_file_unref(cfg->kf);
    g_free(cfg->path);
    g_free(cfg);
}

static const char *file_name(const config *cfg)
{
    return cfg->path != NULL ? cfg->path : "(cấu hình trống)";
}

/* The raw text of group.key, or NULL when absent (the caller then uses its default). */
static char *raw_value(const config *cfg, const char *group, const char *key)
{
    return g_key_file_get_value(cfg->kf, group, key, NULL);
}

static int invalid(const config *cfg, const char *group, const char *key, const char *value,
                   const char *why, char **err)
{
    set_err(err,
            g_strdup_printf("%s: [%s] %s = \"%s\": %s", file_name(cfg), group, key, value, why));
    return -EINVAL;
}

int config_get_string(const config *cfg, const char *group, const char *key, const char *def,
                      char **out, char **err)
{
    GError *e = NULL;
    char *raw = raw_value(cfg, group, key);
    if (raw == NULL) {
        *out = g_strdup(def);
        return 0;
    }
    /* get_string handles the escapes (\n, \s, …) and rejects text that is not UTF-8. */
    char *v = g_key_file_get_string(cfg->kf, group, key, &e);
    int rc = 0;
    if (v == NULL) {
        char *safe = g_utf8_make_valid(raw, -1);
        rc =
            invalid(cfg, group, key, safe, "chuỗi không hợp lệ (cần UTF-8, thoát ký tự đúng)", err);
        g_free(safe);
        g_error_free(e);
    } else {
        *out = v;
    }
    g_free(raw);
    return rc;
}

int config_get_int(const config *cfg, const char *group, const char *key, int64_t def, int64_t min,
                   int64_t max, int64_t *out, char **err)
{
    GError *e = NULL;
    gint64 v;
    char *raw = raw_value(cfg, group, key);
    if (raw == NULL) {
        *out = def;
        return 0;
    }
    int rc = 0;
    g_strstrip(raw); /* GKeyFile keeps trailing blanks, which an editor may have left */
    if (!g_ascii_string_to_signed(raw, 10, min, max, &v, &e)) {
        char *why = e->code == G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS
                        ? g_strdup_printf("nằm ngoài khoảng cho phép %" G_GINT64_FORMAT
                                          "..%" G_GINT64_FORMAT,
                                          (gint64)min, (gint64)max)
                        : g_strdup("không phải số nguyên");
        rc = invalid(cfg, group, key, raw, why, err);
        g_free(why);
        g_error_free(e);
    } else {
        *out = v;
    }
    g_free(raw);
    return rc;
}

int config_get_bool(const config *cfg, const char *group, const char *key, bool def, bool *out,
                    char **err)
{
    GError *e = NULL;
    char *raw = raw_value(cfg, group, key);
    if (raw == NULL) {
        *out = def;
        return 0;
    }
    gboolean v = g_key_file_get_boolean(cfg->kf, group, key, &e);
    int rc = 0;
    if (e != NULL) {
        rc = invalid(cfg, group, key, raw, "cần true hoặc false", err);
        g_error_free(e);
    } else {
        *out = v != FALSE;
    }
    g_free(raw);
    return rc;
}
