/* queue: the durable play-report queue and airing log — reports survive a reopen and a
 * kill -9 right after queue_add returned, leave only when accepted or duplicate, rejected ones
 * are kept aside; one report per airing; the backoff schedule. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ids.h"
#include "player_test.h"
#include "queue.h"

typedef struct fx {
    char *dir, *db;
    player_queue *q;
} fx;

static int setup(void **state)
{
    ids_init();
    fx *f = g_new0(fx, 1);
    f->dir = g_dir_make_tmp("queue-XXXXXX", NULL);
    f->db = g_strdup_printf("%s/queue.db", f->dir);
    assert_int_equal(queue_open(f->db, &f->q), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    queue_close(f->q);
    char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    g_free(cmd);
    g_free(f->db);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static void play(proto_play *p, const char *airing, proto_outcome o)
{
    memset(p, 0, sizeof *p);
    ids_uuid4(p->id);
    p->airing = (char *)airing;
    memset(p->media, 'b', HASH_SHA256_HEX_LEN);
    p->scheduled_start_ms = 1709593200000;
    p->started_at_ms = p->scheduled_start_ms;
    p->ended_at_ms = p->started_at_ms + (o == PROTO_OUTCOME_MISSED ? 0 : 180000);
    p->played_ms = p->ended_at_ms - p->started_at_ms;
    p->outcome = o;
    p->detail = (char *)"";
}

static void batch(player_queue *q, proto_plays *out)
{
    char *body = NULL;
    size_t n = 0;
    assert_int_equal(queue_batch(q, QUEUE_BATCH_MAX, &body, &n), 0);
    memset(out, 0, sizeof *out);
    if (n == 0) {
        assert_null(body);
        return;
    }
    json_t *doc = NULL;
    char err[PROTO_ERR_MAX];
    assert_int_equal(proto_json_load(body, strlen(body), 1 << 20, &doc, err), 0);
    assert_int_equal(proto_plays_from_json(doc, out, err), 0);
    assert_int_equal(out->n_plays, n);
    json_decref(doc);
    g_free(body);
}

static void survives_reopen_in_order(void **state)
{
    fx *f = *state;
    proto_play p[3];
    const char *airings[] = {"a1", "a2", "a3"};
    for (int i = 0; i < 3; i++) {
        play(&p[i], airings[i], i == 1 ? PROTO_OUTCOME_MISSED : PROTO_OUTCOME_COMPLETED);
        assert_int_equal(queue_add(f->q, &p[i]), 0);
    }
    queue_close(f->q);
    assert_int_equal(queue_open(f->db, &f->q), 0);
    int64_t n = 0;
    assert_int_equal(queue_pending(f->q, &n), 0);
    assert_int_equal(n, 3);
    proto_plays b;
    batch(f->q, &b);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(b.plays[i].id, p[i].id);
        assert_string_equal(b.plays[i].airing, airings[i]);
        assert_int_equal(b.plays[i].outcome, p[i].outcome);
        assert_int_equal(b.plays[i].played_ms, p[i].played_ms);
    }
    proto_plays_clear(&b);
}

static void survives_kill_9(void **state)
{
    fx *f = *state;
    proto_play p;
    play(&p, "killed", PROTO_OUTCOME_COMPLETED);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        player_queue *q = NULL;
        if (queue_open(f->db, &q) != 0 || queue_add(q, &p) != 0)
            _exit(1);
        raise(SIGKILL); /* no close, no checkpoint */
        _exit(2);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    proto_plays b;
    batch(f->q, &b);
    assert_int_equal(b.n_plays, 1);
    assert_string_equal(b.plays[0].id, p.id);
    proto_plays_clear(&b);
}

static void one_report_per_airing(void **state)
{
    fx *f = *state;
    proto_play p, again;
    play(&p, "once", PROTO_OUTCOME_COMPLETED);
    play(&again, "once", PROTO_OUTCOME_MISSED);
    assert_int_equal(queue_add(f->q, &p), 0);
    assert_int_equal(queue_add(f->q, &again), -EEXIST);
    int64_t n = 0;
    assert_int_equal(queue_pending(f->q, &n), 0);
    assert_int_equal(n, 1);
}

static void started_then_reported(void **state)
{
    fx *f = *state;
    queue_started s = {.scheduled_ms = 1000, .started_ms = 1000};
    g_strlcpy(s.airing, "live", sizeof s.airing);
    ids_uuid4(s.play_id);
    memset(s.media, 'c', HASH_SHA256_HEX_LEN);
    queue_airing_state st;
    assert_int_equal(queue_airing_state_get(f->q, "live", &st), 0);
    assert_int_equal(st, QUEUE_AIRING_NONE);
    assert_int_equal(queue_mark_started(f->q, &s), 0);
    assert_int_equal(queue_mark_started(f->q, &s), -EEXIST); /* never started twice */
    assert_int_equal(queue_progress(f->q, "live", 45000), 0);
    queue_close(f->q); /* a power cut */
    assert_int_equal(queue_open(f->db, &f->q), 0);
    queue_started *v = NULL;
    size_t n = 0;
    assert_int_equal(queue_unfinished(f->q, &v, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].airing, "live");
    assert_string_equal(v[0].play_id, s.play_id);
    assert_int_equal(v[0].progress_ms, 45000);
    g_free(v);
    proto_play p;
    play(&p, "live", PROTO_OUTCOME_PARTIAL);
    assert_int_equal(queue_add(f->q, &p), 0);
    assert_int_equal(queue_airing_state_get(f->q, "live", &st), 0);
    assert_int_equal(st, QUEUE_AIRING_REPORTED);
    assert_int_equal(queue_unfinished(f->q, &v, &n), 0);
    assert_int_equal(n, 0);
    g_free(v);
}

static void settle_removes_acknowledged_keeps_rejected(void **state)
{
    fx *f = *state;
    proto_play p[4];
    const char *airings[] = {"x1", "x2", "x3", "x4"};
    for (int i = 0; i < 4; i++) {
        play(&p[i], airings[i], PROTO_OUTCOME_COMPLETED);
        assert_int_equal(queue_add(f->q, &p[i]), 0);
    }
    char *acc[] = {p[0].id}, *dup[] = {p[1].id};
    proto_rejected rej[] = {{.id = p[2].id, .error = (char *)"Buổi phát không thuộc hộp này."}};
    proto_plays_result r = {.accepted = acc,
                            .n_accepted = 1,
                            .duplicates = dup,
                            .n_duplicates = 1,
                            .rejected = rej,
                            .n_rejected = 1};
    size_t removed = 0, rejected = 0;
    assert_int_equal(queue_settle(f->q, &r, &removed, &rejected), 0);
    assert_int_equal(removed, 2);
    assert_int_equal(rejected, 1);
    int64_t n = 0;
    assert_int_equal(queue_pending(f->q, &n), 0);
    assert_int_equal(n, 1); /* p[3]: the daemon did not answer for it; it stays */
    assert_int_equal(queue_rejected_count(f->q, &n), 0);
    assert_int_equal(n, 1);
    proto_plays b;
    batch(f->q, &b);
    assert_int_equal(b.n_plays, 1);
    assert_string_equal(b.plays[0].id, p[3].id);
    proto_plays_clear(&b);
}

static void backoff_schedule(void **state)
{
    (void)state;
    /* Equal jitter: between half and all of min(2^attempt s, 5 min). */
    assert_int_equal(queue_backoff_ms(0, 0), 500);
    assert_int_equal(queue_backoff_ms(0, 500), 1000);
    assert_int_equal(queue_backoff_ms(3, 0), 4000);
    assert_true(queue_backoff_ms(3, UINT32_MAX) <= 8000);
    assert_int_equal(queue_backoff_ms(9, 0), 150000);
    assert_int_equal(queue_backoff_ms(40, 0), 150000);
    assert_true(queue_backoff_ms(40, UINT32_MAX) <= 300000);
    int64_t prev = 0;
    for (unsigned a = 0; a < 30; a++) {
        for (uint32_t r = 0; r < 5000; r += 997) {
            int64_t d = queue_backoff_ms(a, r);
            assert_true(d >= prev / 2 && d <= 300000);
        }
        int64_t low = queue_backoff_ms(a, 0);
        assert_true(low >= prev); /* never shorter than the previous attempt's floor */
        prev = low;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(survives_reopen_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(survives_kill_9, setup, teardown),
        cmocka_unit_test_setup_teardown(one_report_per_airing, setup, teardown),
        cmocka_unit_test_setup_teardown(started_then_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(settle_removes_acknowledged_keeps_rejected, setup,
                                        teardown),
        cmocka_unit_test(backoff_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
