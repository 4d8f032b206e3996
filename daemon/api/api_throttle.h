/* api_throttle: counts login attempts per key (a user name, a client address) in a fixed
 * window, so that a key is refused once its failures reach a limit. Attempts are counted from
 * the moment they are admitted, not when their password check ends: failures plus checks still
 * running may never exceed the limit, so guesses fired all at once get no more checks than
 * guesses sent one by one. A success does not clear the failures: they age out with the window.
 *
 * Bounded: at most max_keys keys are remembered; a new key evicts the one touched least
 * recently (never one with an attempt running), instead of forgetting everyone at once.
 *
 * Ownership: the throttle owns its keys (copied). Loop thread only; the caller passes "now"
 * (wallclock_now_ms), so nothing here reads a clock. */
#ifndef LOALANG_API_THROTTLE_H
#define LOALANG_API_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct api_throttle api_throttle;

/* limit failures in window_ms, at most max_keys keys (≥ 1). NULL when out of memory. */
api_throttle *api_throttle_new(int limit, int64_t window_ms, unsigned max_keys);
void api_throttle_free(api_throttle *t);

/* Admits an attempt for key: 0, and it counts as running until api_throttle_end. -EAGAIN when
 * failures plus running attempts have reached the limit (*retry_ms: until the window ends, or
 * 1000 when only running attempts fill it); -ENOSPC when every remembered key has an attempt
 * running (more running attempts than max_keys: the caller's queue should prevent that). */
int api_throttle_begin(api_throttle *t, const char *key, int64_t now_ms, int64_t *retry_ms);
/* Ends an attempt admitted by api_throttle_begin; failed counts a failure. True when this
 * failure reached the limit: the key is locked out from now until its window ends. */
bool api_throttle_end(api_throttle *t, const char *key, bool failed, int64_t now_ms);
/* The failures counted for key in its current window (0 when unknown or expired). */
int api_throttle_failures(const api_throttle *t, const char *key, int64_t now_ms);
/* Keys remembered now. */
unsigned api_throttle_size(const api_throttle *t);

#endif
