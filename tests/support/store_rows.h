/* store_rows: rows the schedule-side store tests need but whose writers are tested elsewhere,
 * inserted with plain SQL through the store's statement cache. Failures fail the running test. */
#ifndef LOALANG_TEST_STORE_ROWS_H
#define LOALANG_TEST_STORE_ROWS_H

#include "store.h"

/* A piece of `seconds` with its own media row, in `status` (approved_ms set); its new uuid
 * (g_free). */
char *sr_add_piece(store *s, const char *title, const char *genre, int seconds, const char *status);

#endif
