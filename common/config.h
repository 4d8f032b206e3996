/* config: the daemon's and player's configuration files (GKeyFile "key = value" groups).
 * Typed getters with defaults and range checks, so a bad value is reported with its group,
 * key and file instead of silently becoming 0. */
#ifndef LOALANG_CONFIG_H
#define LOALANG_CONFIG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct config config;

/* Loads path. On failure returns -ENOENT / -EINVAL and, when err is non-NULL, sets *err to a
 * g_malloc'd message naming the file (caller g_free()s). *out is freed with config_free. */
int config_load(const char *path, config **out, char **err);
/* An empty configuration (every getter returns its default). */
config *config_new_empty(void);
void config_free(config *cfg);

/* Each getter: key absent → *out = def, return 0. Present but invalid or out of [min,max]
 * → -EINVAL with a g_malloc'd message in *err (when err non-NULL) naming file, group, key.
 * config_get_string's *out is g_malloc'd (or a g_strdup of def; NULL if def is NULL). */
int config_get_string(const config *cfg, const char *group, const char *key, const char *def,
                      char **out, char **err);
int config_get_int(const config *cfg, const char *group, const char *key, int64_t def, int64_t min,
                   int64_t max, int64_t *out, char **err);
int config_get_bool(const config *cfg, const char *group, const char *key, bool def, bool *out,
                    char **err);

#endif
