/* Play reports on a real store: accepted, duplicates, conflicts, other boxes' ids, airings not
 * for this box, wrong media, contradictory times, too long, one bad element alone, each
 * refusal as the box reads it once worded, the batch limit, and durability across a reopen. */
#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "hash.h"
#include "proto.h"
#include "store.h"
#include "store_boxes.h"
#include "store_communes.h"
#include "store_plays.h"
#include "vtime.h"

#include "api_words.h"
#include "box_fixture.h"

static void reopen(bf_fixture *f)
{
    char err[STORE_ERR_MAX];
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(store_open(f->dir, &f->s, err, sizeof err), 0);
}

static int64_t count(bf_fixture *f, const char *q)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(store_db(f->s), q, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Boxes a1 (commune A) and b1 (B); airing X for all (m1, 3 min), Y for commune B only. */
typedef struct world {
    int64_t a1, b1, start;
    char m1[HASH_SHA256_HEX_LEN + 1], m2[HASH_SHA256_HEX_LEN + 1];
} world;

static void make_world(bf_fixture *f, world *w)
{
    bf_add_commune(f, "A");
    int64_t b = bf_add_commune(f, "B");
    w->a1 = bf_add_box(f, "a1", "A");
    w->b1 = bf_add_box(f, "b1", "B");
    bf_add_media(f, "m1", 180000, w->m1);
    bf_add_media(f, "m2", 60000, w->m2);
    bf_add_piece(f, 1, "Tin", "news", w->m1, 180000, 1, NULL, 0);
    bf_add_piece(f, 2, "Bài", "article", w->m2, 60000, 1, NULL, 0);
    int64_t v = bf_add_version(f, "2026-12", 0);
    w->start = bf_local(f, 2026, 12, 10, 6, 0);
    bf_add_airing(f, "X", v, 1, w->m1, w->start, 180000, "all", "[]");
    char *t = g_strdup_printf("[%lld]", (long long)b);
    bf_add_airing(f, "Y", v, 2, w->m2, w->start + 600000, 60000, "communes", t);
    g_free(t);
}

/* A play of airing X by default: completed, 180 s. */
static json_t *play(bf_fixture *f, const world *w, const char *id, const char *airing,
                    const char *media, int64_t started, int64_t ended, int64_t played,
                    const char *outcome)
{
    char a[VTIME_RFC3339_MAX], b[VTIME_RFC3339_MAX], c[VTIME_RFC3339_MAX];
    vtime_format_rfc3339(w->start, f->tz, a);
    vtime_format_rfc3339(started, f->tz, b);
    vtime_format_rfc3339(ended, f->tz, c);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "id", id, "airing", airing,
                     "media", media, "scheduled_start", a, "started_at", b, "ended_at", c,
                     "played_ms", (json_int_t)played, "outcome", outcome, "detail", "");
}

static json_t *ok_play(bf_fixture *f, const world *w, const char *id)
{
    return play(f, w, id, "X", w->m1, w->start, w->start + 180000, 180000, "completed");
}

/* The store's result worded as the box receives it (api_words_plays; new reference). */
static json_t *worded(const json_t *r)
{
    json_t *w = json_deep_copy(r);
    assert_int_equal(api_words_plays(w), 0);
    return w;
}

static json_t *ingest(bf_fixture *f, int64_t box, json_t *plays /* stolen */)
{
    json_t *r = NULL;
    assert_int_equal(store_plays_ingest(f->s, box, plays, &r), 0);
    json_decref(plays);
    /* the store's form: each refusal a code and the name of its sentence */
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(r, "rejected"), i, x)
    {
        assert_non_null(json_string_value(json_object_get(x, "id")));
        assert_non_null(json_string_value(json_object_get(x, "code")));
        assert_non_null(json_string_value(json_object_get(x, "words")));
    }
    /* worded, the answer is a valid §5 result */
    json_t *w = worded(r);
    proto_plays_result pr = {0};
    char err[PROTO_ERR_MAX];
    if (proto_plays_result_from_json(w, &pr, err) != 0)
        fail_msg("result does not parse: %s", err);
    proto_plays_result_clear(&pr);
    json_decref(w);
    return r;
}

static size_t n_of(const json_t *r, const char *k)
{
    return json_array_size(json_object_get(r, k));
}

static const char *rejected_str(const json_t *r, size_t i, const char *key)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(r, "rejected"), i), key));
}

static const char *rejected_id(const json_t *r, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(r, "rejected"), i), "id"));
}

static void assert_code(const json_t *r, size_t i, const char *code)
{
    const char *c = rejected_str(r, i, "code");
    assert_non_null(c);
    if (strcmp(c, code) != 0)
        fail_msg("rejected[%zu] = \"%s\", expected %s", i, c, code);
}

static void test_accept_duplicate_conflict(void **state)
{
    bf_fixture *f = *state;
    world w;
    make_world(f, &w);
    json_t *r = ingest(f, w.a1, json_pack("[o, o]", ok_play(f, &w, "p1"), ok_play(f, &w, "p2")));
    assert_int_equal(n_of(r, "accepted"), 2);
    assert_int_equal(n_of(r, "duplicates") + n_of(r, "rejected"), 0);
    json_decref(r);
    assert_int_equal(count(f, "SELECT count(*) FROM plays"), 2);

    /* the same report again: a duplicate; different content under the same id: conflict;
     * the id from another box: refused */
    json_t *changed = play(f, &w, "p2", "X", w.m1, w.start, w.start + 100000, 100000, "partial");
    r = ingest(f, w.a1, json_pack("[o, o]", ok_play(f, &w, "p1"), changed));
    assert_int_equal(n_of(r, "duplicates"), 1);
    assert_int_equal(n_of(r, "accepted"), 0);
    assert_int_equal(n_of(r, "rejected"), 1);
    assert_code(r, 0, "conflict");
    assert_string_equal(rejected_id(r, 0), "p2");
    json_decref(r);
    r = ingest(f, w.b1, json_pack("[o]", ok_play(f, &w, "p1")));
    assert_int_equal(n_of(r, "rejected"), 1);
    assert_code(r, 0, "foreign_id");
    json_decref(r);
    assert_int_equal(count(f, "SELECT count(*) FROM plays"), 2);
    assert_int_equal(count(f, "SELECT played_ms FROM plays WHERE id = 'p2'"), 180000);
}

static void test_rejections(void **state)
{
    bf_fixture *f = *state;
    world w;
    make_world(f, &w);
    json_t *bad = json_pack("{s:s, s:s}", "id", "p-bad", "airing", "X");
    json_t *no_id = json_pack("{s:i}", "id", 5);
    json_t *plays = json_pack(
        "[o, o, o, o, o, o, o, o, o, o]",
        play(f, &w, "r-unknown", "nope", w.m1, w.start, w.start + 1000, 1000, "completed"),
        play(f, &w, "r-target", "Y", w.m2, w.start, w.start + 60000, 60000, "completed"),
        play(f, &w, "r-media", "X", w.m2, w.start, w.start + 60000, 60000, "completed"),
        play(f, &w, "r-missed", "X", w.m1, w.start, w.start, 5, "missed"),
        play(f, &w, "r-long", "X", w.m1, w.start, w.start + 200000, 190000, "completed"), bad,
        no_id, ok_play(f, &w, "good"),
        play(f, &w, "r-times", "X", w.m1, w.start, w.start + 1000, 60000, "partial"),
        play(f, &w, "missed-ok", "X", w.m1, w.start, w.start, 0, "missed"));
    json_t *r = ingest(f, w.a1, plays);
    assert_int_equal(n_of(r, "accepted"), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "accepted"), 0)),
                        "good");
    assert_int_equal(n_of(r, "rejected"), 8);
    /* missed with played_ms and played beyond ended − started are already refused by the
     * decoder (proto.h), so they come back as invalid with its reason */
    const char *codes[] = {"unknown_airing", "not_targeted", "wrong_media", "invalid",
                           "too_long",       "invalid",      "invalid",     "invalid"};
    const char *ids[] = {"r-unknown", "r-target", "r-media", "r-missed",
                         "r-long",    "p-bad",    "",        "r-times"};
    for (size_t i = 0; i < 8; i++) {
        assert_code(r, i, codes[i]);
        assert_string_equal(rejected_id(r, i), ids[i]);
    }
    /* an undecodable report carries the decoder's English reason as its fact */
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(r, "rejected"), 5), "facts"), "detail")),
        "media: missing");
    /* worded, the message after the code is Vietnamese for people */
    json_t *said = worded(r);
    assert_string_equal(rejected_str(said, 1, "error"),
                        "not_targeted: lượt phát này không giao cho cụm loa");
    assert_string_equal(rejected_str(said, 5, "error"),
                        "invalid: báo cáo không hợp lệ (media: missing)");
    json_decref(said);
    json_decref(r);
    assert_int_equal(count(f, "SELECT count(*) FROM plays"), 2);

    /* b1 is in commune B: Y is for it */
    r = ingest(f, w.b1,
               json_pack("[o]", play(f, &w, "b-y", "Y", w.m2, w.start, w.start + 60000, 60000,
                                     "completed")));
    assert_int_equal(n_of(r, "accepted"), 1);
    json_decref(r);
}

/* Every refusal the store can make, worded as the box receives it: the texts of docs/api.md,
 * also for those the decoder now catches first (bad_times). */
static void test_every_refusal_worded(void **state)
{
    (void)state;
    static const char *const said[][3] = {
        {"invalid", "play_invalid", "invalid: báo cáo không hợp lệ (played_ms: too large)"},
        {"foreign_id", "play_foreign_id", "foreign_id: mã báo cáo đã được cụm loa khác dùng"},
        {"conflict", "play_conflict", "conflict: mã báo cáo đã dùng cho một báo cáo khác"},
        {"unknown_airing", "play_unknown_airing",
         "unknown_airing: không có lượt phát (airing) này"},
        {"not_targeted", "play_not_targeted", "not_targeted: lượt phát này không giao cho cụm loa"},
        {"wrong_media", "play_wrong_media", "wrong_media: tệp âm thanh khác với tệp của lượt phát"},
        {"bad_times", "play_missed_played",
         "bad_times: lượt bị lỡ nhưng thời lượng đã phát khác 0"},
        {"bad_times", "play_bad_times",
         "bad_times: thời gian bắt đầu, kết thúc và thời lượng mâu thuẫn"},
        {"too_long", "play_too_long", "too_long: thời lượng đã phát dài hơn tệp âm thanh"},
    };
    json_t *rejected = json_array();
    for (size_t i = 0; i < G_N_ELEMENTS(said); i++)
        json_array_append_new(rejected, json_pack("{s:s, s:s, s:s}", "id", said[i][1], "code",
                                                  said[i][0], "words", said[i][1]));
    json_object_set_new(json_array_get(rejected, 0), "facts",
                        json_pack("{s:s}", "detail", "played_ms: too large"));
    json_t *r = json_pack("{s:[], s:[], s:o}", "accepted", "duplicates", "rejected", rejected);
    json_t *w = worded(r);
    for (size_t i = 0; i < G_N_ELEMENTS(said); i++) {
        assert_string_equal(rejected_str(w, i, "id"), said[i][1]);
        assert_string_equal(rejected_str(w, i, "error"), said[i][2]);
    }
    json_decref(w);
    json_decref(r);
}

static void test_limits(void **state)
{
    bf_fixture *f = *state;
    world w;
    json_t *r = NULL;
    make_world(f, &w);
    json_t *big = json_array();
    for (int i = 0; i <= STORE_PLAYS_BATCH_MAX; i++) {
        char id[32];
        snprintf(id, sizeof id, "big-%d", i);
        json_array_append_new(big, ok_play(f, &w, id));
    }
    assert_int_equal(store_plays_ingest(f->s, w.a1, big, &r), -E2BIG);
    assert_null(r);
    assert_int_equal(count(f, "SELECT count(*) FROM plays"), 0);
    /* exactly the limit is fine */
    assert_int_equal(json_array_remove(big, 0), 0);
    r = ingest(f, w.a1, big);
    assert_int_equal(n_of(r, "accepted"), STORE_PLAYS_BATCH_MAX);
    json_decref(r);
    json_t *obj = json_object();
    assert_int_equal(store_plays_ingest(f->s, w.a1, obj, &r), -EINVAL);
    json_decref(obj);
    json_t *one = json_pack("[o]", ok_play(f, &w, "x"));
    assert_int_equal(store_plays_ingest(f->s, 999, one, &r), -ENOENT);
    json_decref(one);
}

static void test_durable(void **state)
{
    bf_fixture *f = *state;
    world w;
    make_world(f, &w);
    json_t *r = ingest(f, w.a1, json_pack("[o]", ok_play(f, &w, "kept")));
    json_decref(r);
    reopen(f);
    assert_int_equal(count(f, "SELECT count(*) FROM plays WHERE id = 'kept' AND box_id = 1"), 1);
    r = ingest(f, w.a1, json_pack("[o]", ok_play(f, &w, "kept")));
    assert_int_equal(n_of(r, "duplicates"), 1);
    json_decref(r);
}

/* A child process ingests a batch on its own connection and is killed (SIGKILL) the moment
 * store_plays_ingest returns: what it answered as accepted is committed. (A kill keeps what
 * reached the OS; surviving a power cut is the fsync of synchronous=FULL, set by store.c.) */
static void test_killed_after_answer(void **state)
{
    bf_fixture *f = *state;
    world w;
    make_world(f, &w);
    json_t *plays = json_pack("[o, o]", ok_play(f, &w, "k1"), ok_play(f, &w, "k2"));
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char err[STORE_ERR_MAX];
        store *s = NULL;
        json_t *r = NULL;
        if (store_open(f->dir, &s, err, sizeof err) != 0 ||
            store_plays_ingest(s, w.a1, plays, &r) != 0 ||
            json_array_size(json_object_get(r, "accepted")) != 2)
            _exit(3);
        raise(SIGKILL);
        _exit(4);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    json_decref(plays);
    reopen(f);
    assert_int_equal(count(f, "SELECT count(*) FROM plays WHERE id IN ('k1', 'k2')"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_accept_duplicate_conflict, bf_setup, bf_teardown),
        cmocka_unit_test_setup_teardown(test_rejections, bf_setup, bf_teardown),
        cmocka_unit_test(test_every_refusal_worded),
        cmocka_unit_test_setup_teardown(test_limits, bf_setup, bf_teardown),
        cmocka_unit_test_setup_teardown(test_durable, bf_setup, bf_teardown),
        cmocka_unit_test_setup_teardown(test_killed_after_answer, bf_setup, bf_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
