/* log: leveled diagnostics for engineers, on stderr. When stderr is the systemd journal
 * (JOURNAL_STREAM matches stderr) lines carry sd-daemon "<N>" priority prefixes and no
 * timestamp, since journald adds its own; otherwise an ISO timestamp and the level name.
 * Every message is one line: control characters, bytes that are not UTF-8 and the backslash
 * in it come out escaped (\n, \xNN, \\), so a logged value from outside cannot forge lines. */
#ifndef LOALANG_LOG_H
#define LOALANG_LOG_H

typedef enum log_level {
    LOG_LEVEL_ERROR = 3,
    LOG_LEVEL_WARN = 4,
    LOG_LEVEL_INFO = 6,
    LOG_LEVEL_DEBUG = 7,
} log_level;

/* Default LOG_LEVEL_INFO; also read once from LOALANG_LOG ("error", "warn", "info", "debug"). */
void log_set_level(log_level level);
log_level log_get_level(void);
/* "error" | "warn" | "info" | "debug" → level; -EINVAL otherwise. */
int log_level_parse(const char *name, log_level *out);
/* The program name printed before every line (default "loalang"); the string must outlive use. */
void log_set_ident(const char *ident);

void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
