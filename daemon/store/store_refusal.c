/* store_refusal: see store_refusal.h. */
#include "store_refusal.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

int store_refuse_facts(store *s, store_refusal *why, int err, const char *code, const char *words,
                       json_t *facts)
{
    if (why) {
        memset(why, 0, sizeof *why);
        g_strlcpy(why->code, code, sizeof why->code);
        g_strlcpy(why->words, words, sizeof why->words);
        char *text = facts ? json_dumps(facts, JSON_COMPACT) : NULL;
        g_strlcpy(why->facts, text && strlen(text) < sizeof why->facts ? text : "{}",
                  sizeof why->facts);
        free(text);
    }
    json_decref(facts);
    return store_failf(s, err, "refused: %s", code);
}
