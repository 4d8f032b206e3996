/* log: leveled stderr diagnostics, plain or in sd-daemon "<N>" form under journald. */
#include "log.h"
#include "fileio.h"
#include "wallclock.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Most lines fit here; longer ones take a heap buffer. */
#define LINE_STACK 1024

static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static atomic_int current_level = LOG_LEVEL_INFO;
static _Atomic(const char *) current_ident = "loalang";

static void read_env(void)
{
    log_level level;
    const char *v = getenv("LOALANG_LOG");
    if (v != NULL && log_level_parse(v, &level) == 0)
        atomic_store(&current_level, (int)level);
}

void log_set_level(log_level level)
{
    /* Read the environment first so it cannot later undo an explicit choice. */
    pthread_once(&env_once, read_env);
    atomic_store(&current_level, (int)level);
}

log_level log_get_level(void)
{
    pthread_once(&env_once, read_env);
    return (log_level)atomic_load(&current_level);
}

int log_level_parse(const char *name, log_level *out)
{
    static const struct {
        const char *name;
        log_level level;
    } names[] = {{"error", LOG_LEVEL_ERROR},
                 {"warn", LOG_LEVEL_WARN},
                 {"info", LOG_LEVEL_INFO},
                 {"debug", LOG_LEVEL_DEBUG}};
    for (size_t i = 0; name != NULL && i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].level;
            return 0;
        }
    }
    return -EINVAL;
}

void log_set_ident(const char *ident)
{
    atomic_store(&current_ident, ident);
}

static const char *level_name(log_level level)
{
    switch (level) {
    case LOG_LEVEL_ERROR:
        return "ERROR";
    case LOG_LEVEL_WARN:
        return "WARN";
    case LOG_LEVEL_INFO:
        return "INFO";
    case LOG_LEVEL_DEBUG:
        return "DEBUG";
    }
    return "?";
}

/* systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it connected; checked per line
 * because stderr may be redirected after start-up. */
static bool stderr_is_journal(void)
{
    const char *v = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (v == NULL || sscanf(v, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* "2024-03-05T06:00:00.123+07:00" in the process's local zone. */
static void format_now(char *buf, size_t len)
{
    int64_t us = wallclock_now_us();
    time_t sec = (time_t)(us / 1000000);
    struct tm tm;
    localtime_r(&sec, &tm);
    long off = tm.tm_gmtoff / 60;
    char sign = off < 0 ? '-' : '+';
    off = off < 0 ? -off : off;
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ld%c%02ld:%02ld", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (long)(us % 1000000 / 1000), sign, off / 60, off % 60);
}

/* Formats prefix + message + '\n' and writes it with one write(2), so lines from several
 * threads do not interleave. */
static void emit(const char *prefix, const char *fmt, va_list ap)
{
    char stack[LINE_STACK];
    char *line = stack;
    size_t plen = strlen(prefix);
    va_list again;
    va_copy(again, ap);
    memcpy(line, prefix, plen);
    int mlen = vsnprintf(line + plen, sizeof stack - plen, fmt, ap);
    if (mlen < 0)
        goto out;
    size_t need = plen + (size_t)mlen + 2; /* room for the '\n' and vsnprintf's NUL */
    if (need > sizeof stack) {
        if ((line = malloc(need)) == NULL)
            goto out;
        memcpy(line, prefix, plen);
        vsnprintf(line + plen, need - plen, fmt, again);
    }
    size_t len = plen + (size_t)mlen;
    if (mlen > 0 && line[len - 1] == '\n')
        len--; /* callers sometimes end with a newline of their own */
    line[len++] = '\n';
    (void)fileio_write_all(STDERR_FILENO, line, len);
out:
    if (line != stack)
        free(line);
    va_end(again);
}

void log_msg(log_level level, const char *fmt, ...)
{
    if ((int)level > (int)log_get_level())
        return;
    int saved_errno = errno; /* callers often log and then look at errno */
    char prefix[256];
    if (stderr_is_journal()) {
        snprintf(prefix, sizeof prefix, "<%d>", (int)level);
    } else {
        char ts[96];
        format_now(ts, sizeof ts);
        snprintf(prefix, sizeof prefix, "%s %s %s ", ts, atomic_load(&current_ident),
                 level_name(level));
    }
    va_list ap;
    va_start(ap, fmt);
    emit(prefix, fmt, ap);
    va_end(ap);
    errno = saved_errno;
}
