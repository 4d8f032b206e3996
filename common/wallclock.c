/* wallclock: an injectable source of the current time. */
#include "wallclock.h"

#include <glib.h>

static wallclock_fn source;
static void *source_ctx;
static int64_t frozen_us;

static int64_t frozen(void *ctx)
{
    (void)ctx;
    return __atomic_load_n(&frozen_us, __ATOMIC_RELAXED);
}

int64_t wallclock_now_us(void)
{
    wallclock_fn fn = __atomic_load_n(&source, __ATOMIC_ACQUIRE);
    return fn ? fn(__atomic_load_n(&source_ctx, __ATOMIC_RELAXED)) : g_get_real_time();
}

int64_t wallclock_now_ms(void)
{
    return wallclock_now_us() / 1000;
}

void wallclock_set(wallclock_fn fn, void *ctx)
{
    __atomic_store_n(&source_ctx, ctx, __ATOMIC_RELAXED);
    __atomic_store_n(&source, fn, __ATOMIC_RELEASE);
}

void wallclock_freeze_ms(int64_t ms)
{
    __atomic_store_n(&frozen_us, ms * 1000, __ATOMIC_RELAXED);
    wallclock_set(frozen, NULL);
}
