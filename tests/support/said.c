/* said: see said.h. */
#include "said.h"

#include "api_words.h"

const char *said(const store_refusal *why)
{
    static char buf[API_WORDS_MAX];
    api_words_refusal(why, buf, sizeof buf);
    return buf;
}
