/* store_gen: a change counter shared by every process that opens a data dir (the daemon and
 * admin commands), bumped after each of their commits. Reading it is one memory load, so a
 * cache of what the database said can be checked on every request without a read transaction
 * (whose lock calls were most of a small request's cost: docs/benchmarks.md). */
#ifndef LOALANG_STORE_GEN_H
#define LOALANG_STORE_GEN_H

#include <stdint.h>

#define STORE_GEN_NAME "loalang.db-gen" /* beside the database, same owner and mode */

typedef struct store_gen store_gen;

/* Maps DIR/STORE_GEN_NAME, creating it (0600) if missing. *out is closed with store_gen_close.
 * A negative errno when the file cannot be created or mapped. */
int store_gen_open(const char *dir, store_gen **out);
void store_gen_close(store_gen *g);

/* The current generation: it differs from an earlier reading if and only if some process
 * committed in between (unless 2^64 commits happened). Never 0, so 0 can mean "unknown". */
uint64_t store_gen_read(const store_gen *g);

/* Called after a commit is durable and visible (never before: a reader that saw the new number
 * must find the new data). */
void store_gen_bump(store_gen *g);

#endif
