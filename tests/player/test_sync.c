/* sync against a real loalangd (poll_seconds = 5): while the events long-poll answers, the
 * manifest is not polled every poll_seconds (the start fetch and the poll already due); when the
 * events fail, polling at poll_seconds resumes and the manifest is confirmed again once the
 * daemon is back. */
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <cmocka.h>

#include "api_client.h"
#include "daemon.h"
#include "net.h"
#include "sync.h"

typedef struct fx {
    char *dir;
    char listen[32];
    td *t;
    uv_loop_t loop;
    player_net *n;
    sync_state *s;
    unsigned manifests;
} fx;

static void on_manifest(const proto_manifest *m, bool from_disk, void *data)
{
    (void)m;
    (void)from_disk;
    ((fx *)data)->manifests++;
}

static void on_event(const proto_event *e, void *data)
{
    (void)e;
    (void)data;
}

static void on_stop_timer(uv_timer_t *t)
{
    uv_stop(t->loop);
}

/* Runs the loop for ms milliseconds of wall time. */
static void run_for(fx *f, uint64_t ms)
{
    uv_timer_t t;
    uv_timer_init(&f->loop, &t);
    uv_timer_start(&t, on_stop_timer, ms, 0);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&f->loop, UV_RUN_NOWAIT);
}

static int setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->dir = g_dir_make_tmp("player-sync-XXXXXX", NULL);
    td_free_listen(f->listen, sizeof f->listen);
    const char *args[] = {"--listen", f->listen, NULL};
    f->t = td_start_config("[server]\npoll_seconds = 5\n", args);
    ac_add_commune(f->t, "Bằng Lãng");
    char *token = ac_add_box(f->t, "Nà Pài", "Bằng Lãng");
    assert_int_equal(uv_loop_init(&f->loop), 0);
    assert_int_equal(net_new(&f->loop, td_url(f->t), token, NULL, &f->n), 0);
    g_free(token);
    sync_callbacks cb = {.manifest = on_manifest, .event = on_event, .data = f};
    assert_int_equal(sync_new(&f->loop, f->n, f->dir, 0, &cb, &f->s), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    sync_free(f->s);
    net_free(f->n);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    td_stop(f->t);
    td_free(f->t);
    char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    g_free(cmd);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static void test_poll_follows_the_events_channel(void **state)
{
    fx *f = *state;
    uint64_t fetched = 0, unchanged = 0;
    assert_int_equal(sync_start(f->s), 0);
    /* Three poll periods and more with the long-poll held: the start fetch and, when the events
     * answered after it, the poll already due then (the period grows, a due poll is never
     * pushed away). When the events answer while the start fetch is still in flight (a loaded
     * machine), that fetch sets the next poll at the long period itself: no second poll. */
    run_for(f, 17000);
    sync_counts(f->s, &fetched, &unchanged);
    assert_int_equal(fetched, 1);
    assert_true(unchanged <= 1);
    assert_int_equal(f->manifests, 1);

    /* The daemon goes away: the held poll fails, polling every 5 s resumes (and fails). */
    assert_int_equal(td_stop(f->t), 0);
    run_for(f, 8000);
    const char *err = sync_last_error(f->s);
    assert_non_null(err);
    td_restart(f->t);
    /* Back: the next manifest poll confirms the schedule unchanged (304). */
    uint64_t before = unchanged;
    for (int i = 0; i < 30 && unchanged == before; i++) {
        run_for(f, 500);
        sync_counts(f->s, &fetched, &unchanged);
    }
    assert_int_equal(fetched, 1);
    assert_true(unchanged > before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_poll_follows_the_events_channel, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
