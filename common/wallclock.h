/* wallclock: the one place the code asks what time it is. Every "now" in the daemon, the player
 * and the tools comes from wallclock_now_ms/us, so a test (or a replay of a past day) sets the
 * time with one call and no result depends on the date the code happens to run on. */
#ifndef LOALANG_WALLCLOCK_H
#define LOALANG_WALLCLOCK_H

#include <stdint.h>

/* A clock source: UTC microseconds since the epoch. ctx is the caller's, passed back. */
typedef int64_t (*wallclock_fn)(void *ctx);

/* Now, as UTC epoch microseconds / milliseconds, from the installed source (the system's real
 * clock until wallclock_set is called). Safe from any thread. */
int64_t wallclock_now_us(void);
int64_t wallclock_now_ms(void);

/* Installs a source; fn NULL restores the real clock. Call it before the threads that read the
 * clock start (tests, start-up): a change while they run is seen, but not atomically with ctx. */
void wallclock_set(wallclock_fn fn, void *ctx);

/* A frozen clock at ms (UTC epoch milliseconds), for tests: wallclock_set with a fixed source. */
void wallclock_freeze_ms(int64_t ms);

#endif
