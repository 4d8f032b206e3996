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

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
    if (p[0] < 0xc2 || p[0] > 0xf4 || n < len)
        return 0;
    /* the second byte's range excludes overlong forms, surrogates and code points past U+10FFFF */
    unsigned char lo = p[0] == 0xe0 ? 0xa0 : p[0] == 0xf0 ? 0x90 : 0x80;
    unsigned char hi = p[0] == 0xed ? 0x9f : p[0] == 0xf4 ? 0x8f : 0xbf;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* The one rule for what reaches the log: a message often carries values from outside (a user
 * name, a path, a header), so nothing in it may end the line, forge another, or drive a
 * terminal. Control characters (C0, DEL and the C1 range, and U+2028/U+2029, which some
 * viewers break lines at) and bytes that are not UTF-8 become \xNN (\n, \r, \t by name), and
 * the backslash itself is doubled so that an escape in the log always means one. out holds
 * 4 * n bytes; returns the length written. */
static size_t escape(const char *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)in;
    char *w = out;
    for (size_t i = 0; i < n;) {
        unsigned char b = p[i];
        size_t len = b < 0x80 ? 1 : utf8_len(p + i, n - i);
        bool c1 = len == 2 && b == 0xc2 && p[i + 1] < 0xa0;
        bool sep = len == 3 && b == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] | 1) == 0xa9;
        if (len > 1 && !c1 && !sep) {
            memcpy(w, p + i, len);
            w += len;
            i += len;
            continue;
        }
        size_t k = len ? len : 1; /* an invalid byte alone; a C1 or separator whole */
        for (size_t j = i; j < i + k; j++) {
            b = p[j];
            if (b >= 0x20 && b < 0x7f && b != '\\') {
                *w++ = (char)b;
                continue;
            }
            *w++ = '\\';
            if (b == '\n' || b == '\r' || b == '\t' || b == '\\') {
                *w++ = b == '\n' ? 'n' : b == '\r' ? 'r' : b == '\t' ? 't' : '\\';
            } else {
                *w++ = 'x';
                *w++ = hex[b >> 4];
                *w++ = hex[b & 15];
            }
        }
        i += k;
    }
    return (size_t)(w - out);
}

/* Formats the message, escapes it (escape above) after prefix, adds '\n' and writes it with one
 * write(2), so lines from several threads do not interleave. */
static void emit(const char *prefix, const char *fmt, va_list ap)
{
    char stack[LINE_STACK], out_stack[LINE_STACK];
    char *msg = stack, *line = out_stack;
    size_t plen = strlen(prefix);
    va_list again;
    va_copy(again, ap);
    int mlen = vsnprintf(msg, sizeof stack, fmt, ap);
    if (mlen < 0)
        goto out;
    if ((size_t)mlen >= sizeof stack) {
        if ((msg = malloc((size_t)mlen + 1)) == NULL)
            goto out;
        vsnprintf(msg, (size_t)mlen + 1, fmt, again);
    }
    size_t n = (size_t)mlen;
    if (n > 0 && msg[n - 1] == '\n')
        n--; /* callers sometimes end with a newline of their own */
    size_t need = plen + 4 * n + 1;
    if (need > sizeof out_stack && (line = malloc(need)) == NULL)
        goto out;
    memcpy(line, prefix, plen);
    size_t len = plen + escape(msg, n, line + plen);
    line[len++] = '\n';
    (void)fileio_write_all(STDERR_FILENO, line, len);
out:
    if (msg != stack)
        free(msg);
    if (line != out_stack)
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
