/* said: a store refusal as people read it, for the store tests that check its wording (the
 * store gives the code and facts, api_words_refusal words them). The text lives in a static
 * buffer until the next call. */
#ifndef LOALANG_TEST_SAID_H
#define LOALANG_TEST_SAID_H

#include "store_refusal.h"

const char *said(const store_refusal *why);

#endif
