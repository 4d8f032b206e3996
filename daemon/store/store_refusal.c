/* store_refusal: see store_refusal.h. */
#include "store_refusal.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>

int store_refuse(store *s, store_refusal *why, int err, const char *code, const char *fmt, ...)
{
    if (why) {
        va_list ap;
        va_start(ap, fmt);
        g_strlcpy(why->code, code, sizeof why->code);
        vsnprintf(why->message, sizeof why->message, fmt, ap);
        va_end(ap);
    }
    return store_failf(s, err, "refused: %s", code);
}
