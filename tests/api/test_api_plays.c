/* Play reports through the group-commit writer (daemon/store/plays_writer.c): several batches in
 * one transaction keep their own results and see each other's ids; over HTTP, concurrent batches
 * from several boxes are all answered and stored, the same ids posted at once by several
 * requests are accepted exactly once, and every report acknowledged before a SIGKILL is in the
 * database afterwards. */
#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "daemon.h"
#include "hash.h"
#include "store.h"
#include "store_boxes.h"
#include "store_communes.h"
#include "store_plays.h"

#define N_BOXES 4
#define WHO     "cli:test"

typedef struct fx {
    td *t;
    int64_t box_ids[N_BOXES];
    char tokens[N_BOXES][STORE_BOX_TOKEN_MAX];
    char sha[HASH_SHA256_HEX_LEN + 1];
} fx;

static void sql(store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *q = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    char *msg = NULL;
    if (sqlite3_exec(store_db(s), q, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", q, msg);
    sqlite3_free(q);
}

/* A commune with N_BOXES boxes, airing "X" for all of them (3 min of media) and airing "Y"
 * for box 1 alone, written straight into the store of a daemon not yet running. */
static void make_world(fx *f)
{
    char err[STORE_ERR_MAX];
    store *s = NULL;
    int64_t commune = 0;
    assert_int_equal(store_open(td_dir(f->t), &s, err, sizeof err), 0);
    assert_int_equal(store_begin(s), 0);
    assert_int_equal(store_commune_add(s, WHO, "Bằng Khánh", &commune), 0);
    for (int i = 0; i < N_BOXES; i++) {
        char name[16];
        snprintf(name, sizeof name, "loa %d", i);
        assert_int_equal(store_box_add(s, WHO, name, "Bằng Khánh", &f->box_ids[i], f->tokens[i]),
                         0);
    }
    assert_int_equal(store_commit(s), 0);
    hash_sha256_buf("m1", 2, f->sha);
    sql(s, "INSERT INTO media(sha256, bytes, duration_ms, created_ms) VALUES (%Q, 1000, 180000, 0)",
        f->sha);
    sql(s,
        "INSERT INTO pieces(id, title, genre, status, media_sha256, duration_ms, approved_ms,"
        " created_ms, updated_ms) VALUES ('00000001-0000-4000-8000-000000000001', 'Tin',"
        " 'news', 'approved', %Q, 180000, 1, 0, 0)",
        f->sha);
    sql(s, "INSERT INTO schedule_versions(month, version, published_ms, published_by)"
           " VALUES ('2030-01', 1, 0, 'test')");
    sql(s,
        "INSERT INTO airings(id, version_id, piece_id, media_sha256, start_ms, duration_ms,"
        " program_title, target_kind, targets) VALUES ('X', %lld,"
        " '00000001-0000-4000-8000-000000000001', %Q, 1893448800000, 180000, 'Bản tin sáng',"
        " 'all', '[]')",
        (long long)sqlite3_last_insert_rowid(store_db(s)), f->sha);
    sql(s,
        "INSERT INTO airings(id, version_id, piece_id, media_sha256, start_ms, duration_ms,"
        " program_title, target_kind, targets) SELECT 'Y', version_id, piece_id, media_sha256,"
        " start_ms + 600000, duration_ms, program_title, 'boxes', '[%lld]' FROM airings"
        " WHERE id = 'X'",
        (long long)f->box_ids[1]);
    store_close(s);
}

static int setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->t = td_new();
    make_world(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    td_free(f->t);
    g_free(f);
    return 0;
}

static void play_id(char out[40], unsigned tag, unsigned n)
{
    snprintf(out, 40, "%08x-0000-4000-8000-%012x", tag, n);
}

static json_t *play(const fx *f, const char *id)
{
    return json_pack("{ss ss ss ss ss ss si ss ss}", "id", id, "airing", "X", "media", f->sha,
                     "scheduled_start", "2030-01-01T06:00:00+07:00", "started_at",
                     "2030-01-01T06:00:00+07:00", "ended_at", "2030-01-01T06:03:00+07:00",
                     "played_ms", 180000, "outcome", "completed", "detail", "");
}

/* Plays tag-first … tag-(first+n-1). */
static json_t *plays(const fx *f, unsigned tag, unsigned first, unsigned n)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < n; i++) {
        char id[40];
        play_id(id, tag, first + i);
        json_array_append_new(a, play(f, id));
    }
    return a;
}

static size_t n_of(const json_t *r, const char *k)
{
    return json_array_size(json_object_get(r, k));
}

static int64_t count_plays(fx *f, const char *where)
{
    char err[STORE_ERR_MAX];
    store *s = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(store_open(td_dir(f->t), &s, err, sizeof err), 0);
    char *q = g_strdup_printf("SELECT count(*) FROM plays WHERE %s", where);
    assert_int_equal(sqlite3_prepare_v2(store_db(s), q, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    store_close(s);
    g_free(q);
    return n;
}

/* ---- store level: one transaction, several batches ---- */

static void test_batches_in_one_transaction(void **state)
{
    fx *f = *state;
    char err[STORE_ERR_MAX], id[40];
    store *s = NULL;
    json_t *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL;
    assert_int_equal(store_open(td_dir(f->t), &s, err, sizeof err), 0);
    json_t *a = plays(f, 1, 0, 3), *b = plays(f, 1, 2, 3); /* b repeats a's last id */
    play_id(id, 1, 0);
    json_t *c = json_pack("[o]", play(f, id)); /* a's first id from another box */
    assert_int_equal(store_begin(s), 0);
    assert_int_equal(store_plays_ingest_in_tx(s, f->box_ids[0], a, 1000, &r1), 0);
    assert_int_equal(store_plays_ingest_in_tx(s, f->box_ids[0], b, 1000, &r2), 0);
    /* a batch that fails leaves the others in the transaction */
    assert_int_equal(store_plays_ingest_in_tx(s, 999999, b, 1000, &r3), -ENOENT);
    assert_null(r3);
    assert_int_equal(store_plays_ingest_in_tx(s, f->box_ids[1], c, 1000, &r4), 0);
    assert_int_equal(store_commit(s), 0);
    assert_int_equal(n_of(r1, "accepted"), 3);
    assert_int_equal(n_of(r2, "accepted"), 2);
    assert_int_equal(n_of(r2, "duplicates"), 1);
    assert_int_equal(n_of(r4, "accepted"), 0);
    assert_int_equal(n_of(r4, "rejected"), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r4, "rejected"), 0), "code")),
                        "foreign_id");
    store_close(s);
    assert_int_equal(count_plays(f, "id LIKE '00000001-%'"), 5);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(r1);
    json_decref(r2);
    json_decref(r4);
}

/* ---- over HTTP, from threads (no cmocka asserts off the main thread) ---- */

typedef struct poster {
    fx *f;
    int box;
    unsigned tag, first, n_batches, per_batch;
    bool same_batch;   /* post plays(tag, 0, per_batch) every time */
    bool until_failed; /* keep going until a request fails (the daemon was killed) */
    gint *go;
    /* results */
    gint ok, finished; /* read by the main thread while posting */
    unsigned failed;
    size_t accepted, duplicates, rejected;
    GPtrArray *acked; /* char *: every id answered as accepted or duplicate */
} poster;

static int post(poster *p, const json_t *batch, json_t **result)
{
    char *auth = g_strdup_printf("Authorization: Bearer %s", p->f->tokens[p->box]);
    const char *h[] = {"Content-Type: application/json", auth, NULL};
    json_t *body = json_pack("{sO}", "plays", batch);
    char *text = json_dumps(body, JSON_COMPACT), *out = NULL;
    long st = 0;
    int rc =
        td_request(p->f->t, "POST", "/api/v1/box/plays", h, text, strlen(text), &st, &out, NULL);
    *result = rc == 0 && st == 200 ? json_loads(out, 0, NULL) : NULL;
    json_decref(body);
    free(text);
    g_free(out);
    g_free(auth);
    return *result ? 0 : -EIO;
}

static void collect(poster *p, const json_t *r, const char *key)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, key), i, v)
        g_ptr_array_add(p->acked, g_strdup(json_string_value(v)));
}

static gpointer poster_main(gpointer arg)
{
    poster *p = arg;
    while (!g_atomic_int_get(p->go))
        g_usleep(100);
    for (unsigned i = 0; p->until_failed || i < p->n_batches; i++) {
        unsigned first = p->same_batch ? 0 : p->first + i * p->per_batch;
        json_t *batch = plays(p->f, p->tag, first, p->per_batch), *r = NULL;
        int rc = post(p, batch, &r);
        json_decref(batch);
        if (rc != 0) {
            p->failed++;
            if (p->until_failed)
                break;
            continue;
        }
        g_atomic_int_inc(&p->ok);
        p->accepted += n_of(r, "accepted");
        p->duplicates += n_of(r, "duplicates");
        p->rejected += n_of(r, "rejected");
        collect(p, r, "accepted");
        collect(p, r, "duplicates");
        json_decref(r);
        if (p->until_failed && i > 100000)
            break;
    }
    g_atomic_int_set(&p->finished, 1);
    return NULL;
}

static void run_posters(poster *ps, size_t n)
{
    GThread *th[16];
    gint go = 0;
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++) {
        ps[i].go = &go;
        ps[i].acked = g_ptr_array_new_with_free_func(g_free);
        th[i] = g_thread_new("poster", poster_main, &ps[i]);
    }
    g_atomic_int_set(&go, 1);
    for (size_t i = 0; i < n; i++)
        g_thread_join(th[i]);
}

static void free_posters(poster *ps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g_ptr_array_free(ps[i].acked, TRUE);
}

static void test_concurrent_boxes(void **state)
{
    fx *f = *state;
    poster ps[2 * N_BOXES] = {0};
    td_restart(f->t);
    for (int i = 0; i < 2 * N_BOXES; i++)
        ps[i] = (poster){.f = f,
                         .box = i % N_BOXES,
                         .tag = 0x100 + (unsigned)i,
                         .n_batches = 10,
                         .per_batch = 100};
    run_posters(ps, G_N_ELEMENTS(ps));
    for (size_t i = 0; i < G_N_ELEMENTS(ps); i++) {
        assert_int_equal(ps[i].failed, 0);
        assert_int_equal(ps[i].accepted, 1000);
        assert_int_equal(ps[i].duplicates, 0);
        assert_int_equal(ps[i].rejected, 0);
    }
    assert_int_equal(count_plays(f, "id LIKE '0000010_-%'"), 8000);
    /* each box's rows carry that box */
    assert_int_equal(count_plays(f, "id LIKE '0000010_-%' AND box_id = (SELECT id FROM boxes"
                                    " WHERE name = 'loa 0')"),
                     2000);
    free_posters(ps, G_N_ELEMENTS(ps));
}

static void test_same_ids_at_once(void **state)
{
    fx *f = *state;
    poster ps[8] = {0};
    td_restart(f->t);
    /* six requests of box 0 and two of box 1 carry the same 100 ids at the same moment */
    for (int i = 0; i < 8; i++)
        ps[i] = (poster){.f = f,
                         .box = i < 6 ? 0 : 1,
                         .tag = 0x200,
                         .n_batches = 3,
                         .per_batch = 100,
                         .same_batch = true};
    run_posters(ps, G_N_ELEMENTS(ps));
    size_t accepted = 0, dups = 0, rejected = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(ps); i++) {
        assert_int_equal(ps[i].failed, 0);
        accepted += ps[i].accepted;
        dups += ps[i].duplicates;
        rejected += ps[i].rejected;
        assert_int_equal(ps[i].accepted + ps[i].duplicates + ps[i].rejected, 300);
    }
    assert_int_equal(accepted, 100); /* each id once, whoever came first */
    assert_int_equal(accepted + dups + rejected, 8 * 300);
    /* the box that won an id sees duplicates, the other box foreign_id refusals */
    assert_int_equal(count_plays(f, "id LIKE '00000200-%'"), 100);
    free_posters(ps, G_N_ELEMENTS(ps));

    /* one batch naming an id twice: once accepted, once a duplicate */
    char id[40];
    play_id(id, 0x201, 1);
    poster one = {.f = f, .box = 2, .acked = g_ptr_array_new_with_free_func(g_free)};
    json_t *batch = json_pack("[oo]", play(f, id), play(f, id)), *r = NULL;
    assert_int_equal(post(&one, batch, &r), 0);
    assert_int_equal(n_of(r, "accepted"), 1);
    assert_int_equal(n_of(r, "duplicates"), 1);
    json_decref(r);
    json_decref(batch);
    g_ptr_array_free(one.acked, TRUE);
}

static json_t *play_of(const char *id, const char *airing, const char *sha, const char *ended,
                       int played)
{
    return json_pack("{ss ss ss ss ss ss si ss ss}", "id", id, "airing", airing, "media", sha,
                     "scheduled_start", "2030-01-01T06:00:00+07:00", "started_at",
                     "2030-01-01T06:00:00+07:00", "ended_at", ended, "played_ms", played, "outcome",
                     "completed", "detail", "");
}

/* What a box reads for each refusal, to the letter (docs/api.md: "CODE: lời nhắn"). */
static void test_refusals_on_the_wire(void **state)
{
    fx *f = *state;
    char other[HASH_SHA256_HEX_LEN + 1], id[40];
    td_restart(f->t);
    hash_sha256_buf("m2", 2, other);
    play_id(id, 0x400, 1);
    poster b0 = {.f = f, .box = 0}, b1 = {.f = f, .box = 1};
    json_t *r = NULL, *batch = json_pack("[o]", play(f, id));
    assert_int_equal(post(&b0, batch, &r), 0);
    assert_int_equal(n_of(r, "accepted"), 1);
    json_decref(r);
    json_decref(batch);
    batch = json_pack("[o o o o o o]",
                      play_of("r-unknown", "nope", f->sha, "2030-01-01T06:03:00+07:00", 1000),
                      play_of("r-target", "Y", f->sha, "2030-01-01T06:03:00+07:00", 1000),
                      play_of("r-media", "X", other, "2030-01-01T06:03:00+07:00", 1000),
                      play_of("r-long", "X", f->sha, "2030-01-01T06:04:00+07:00", 190000),
                      json_pack("{ss ss}", "id", "r-bad", "airing", "X"),
                      play_of(id, "X", f->sha, "2030-01-01T06:01:00+07:00", 60000));
    assert_int_equal(post(&b0, batch, &r), 0);
    json_t *want =
        json_pack("[{ss ss} {ss ss} {ss ss} {ss ss} {ss ss} {ss ss}]", "id", "r-unknown", "error",
                  "unknown_airing: không có lượt phát (airing) này", "id", "r-target", "error",
                  "not_targeted: lượt phát này không giao cho cụm loa", "id", "r-media", "error",
                  "wrong_media: tệp âm thanh khác với tệp của lượt phát", "id", "r-long", "error",
                  "too_long: thời lượng đã phát dài hơn tệp âm thanh", "id", "r-bad", "error",
                  "invalid: báo cáo không hợp lệ (media: missing)", "id", id, "error",
                  "conflict: mã báo cáo đã dùng cho một báo cáo khác");
    if (!json_equal(json_object_get(r, "rejected"), want)) {
        char *got = json_dumps(json_object_get(r, "rejected"), JSON_INDENT(1));
        fail_msg("rejected:\n%s", got);
    }
    json_decref(want);
    json_decref(r);
    json_decref(batch);
    batch = json_pack("[o]", play(f, id));
    assert_int_equal(post(&b1, batch, &r), 0);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r, "rejected"), 0), "error")),
                        "foreign_id: mã báo cáo đã được cụm loa khác dùng");
    json_decref(r);
    json_decref(batch);
}

static void test_acknowledged_survive_kill(void **state)
{
    fx *f = *state;
    poster ps[N_BOXES] = {0};
    td_restart(f->t);
    for (int i = 0; i < N_BOXES; i++)
        ps[i] = (poster){
            .f = f, .box = i, .tag = 0x300 + (unsigned)i, .per_batch = 100, .until_failed = true};
    /* the posters run until the daemon dies under them, after about a second */
    gint go = 0;
    GThread *th[N_BOXES];
    for (int i = 0; i < N_BOXES; i++) {
        ps[i].go = &go;
        ps[i].acked = g_ptr_array_new_with_free_func(g_free);
        th[i] = g_thread_new("poster", poster_main, &ps[i]);
    }
    g_atomic_int_set(&go, 1);
    /* kill while every box is posting and each has had some batches acknowledged */
    for (int i = 0; i < N_BOXES; i++)
        while (g_atomic_int_get(&ps[i].ok) < 3 && !g_atomic_int_get(&ps[i].finished))
            g_usleep(10 * 1000);
    td_kill(f->t);
    for (int i = 0; i < N_BOXES; i++)
        g_thread_join(th[i]);
    for (int i = 0; i < N_BOXES; i++)
        assert_true(ps[i].ok >= 3); /* none stopped early: it failed before the kill */
    /* every acknowledged id is in the database the daemon left */
    char err[STORE_ERR_MAX];
    store *s = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(store_open(td_dir(f->t), &s, err, sizeof err), 0);
    assert_int_equal(
        sqlite3_prepare_v2(store_db(s), "SELECT 1 FROM plays WHERE id = ?1", -1, &st, NULL),
        SQLITE_OK);
    for (int i = 0; i < N_BOXES; i++) {
        for (guint k = 0; k < ps[i].acked->len; k++) {
            sqlite3_bind_text(st, 1, ps[i].acked->pdata[k], -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_ROW)
                fail_msg("acknowledged play %s lost", (char *)ps[i].acked->pdata[k]);
            sqlite3_reset(st);
        }
    }
    sqlite3_finalize(st);
    store_close(s);
    /* after a restart the box's retry of its first batch is all duplicates */
    td_restart(f->t);
    json_t *batch = plays(f, 0x300, 0, 100), *r = NULL;
    assert_int_equal(post(&ps[0], batch, &r), 0);
    assert_int_equal(n_of(r, "duplicates"), 100);
    json_decref(r);
    json_decref(batch);
    free_posters(ps, N_BOXES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batches_in_one_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_boxes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_ids_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_on_the_wire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acknowledged_survive_kill, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
