/* The targeting rule (store_targets): its C form, its SQL form as production runs it
 * (STORE_TARGETS_SQL on an airings row), and the engine's sched_targets_include_box on the same
 * district agree on random targets, boxes and communes. */
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "store_internal.h" /* the rule's SQL form */
#include "store_targets.h"
#include "targets.h"

#define N_COMMUNES 6
#define N_BOXES    14
#define ROUNDS     3000

static void test_fixed_cases(void **state)
{
    (void)state;
    json_t *ids = json_pack("[i,i]", 2, 5);
    assert_true(store_targets_box("all", NULL, 1, 1));
    assert_true(store_targets_box(NULL, NULL, 1, 1));
    assert_true(store_targets_box("communes", ids, 1, 5));
    assert_false(store_targets_box("communes", ids, 5, 1));
    assert_true(store_targets_box("boxes", ids, 2, 9));
    assert_false(store_targets_box("boxes", ids, 9, 2));
    assert_false(store_targets_box("other", ids, 2, 2));
    json_decref(ids);
    assert_true(store_targets_box_text("boxes", "[7]", 7, 1));
    assert_false(store_targets_box_text("boxes", "[\"7\"]", 7, 1)); /* ids are integers */
    assert_false(store_targets_box_text("boxes", "not json", 7, 1));
    assert_false(store_targets_box_text("communes", NULL, 7, 1));
}

/* Random ids in 1..limit, stored in random order with duplicates now and then. */
static json_t *random_ids(GRand *r, int limit)
{
    json_t *a = json_array();
    int n = g_rand_int_range(r, 0, 5);
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_integer(g_rand_int_range(r, 1, limit + 1)));
    return a;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The engine's form of stored ids (1-based database ids → sorted unique 0-based indices). */
static size_t engine_ids(const json_t *ids, uint32_t *out)
{
    size_t n = 0, i, k = 0;
    const json_t *v;
    json_array_foreach(ids, i, v) out[n++] = (uint32_t)json_integer_value(v) - 1;
    qsort(out, n, sizeof *out, cmp_u32);
    for (i = 0; i < n; i++)
        if (k == 0 || out[k - 1] != out[i])
            out[k++] = out[i];
    return k;
}

static void test_sql_c_and_engine_agree(void **state)
{
    (void)state;
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL, *q = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE airings(id INTEGER PRIMARY KEY,"
                                  " target_kind TEXT, targets TEXT)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO airings(target_kind, targets) VALUES (?1, ?2)",
                                        -1, &ins, NULL),
                     SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT " STORE_TARGETS_SQL " FROM airings a WHERE a.id = :id", -1,
                           &q, NULL),
        SQLITE_OK);
    sched_commune communes[N_COMMUNES] = {0};
    sched_box boxes[N_BOXES] = {0};
    GRand *r = g_rand_new_with_seed(20261201);
    for (int b = 0; b < N_BOXES; b++)
        boxes[b].commune = (uint32_t)g_rand_int_range(r, 0, N_COMMUNES);
    sched_district d = {communes, N_COMMUNES, boxes, N_BOXES};
    static const char *kinds[] = {"all", "communes", "boxes"};
    int reached = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int k = g_rand_int_range(r, 0, 3);
        json_t *ids = random_ids(r, k == 2 ? N_BOXES : N_COMMUNES);
        char *text = json_dumps(ids, JSON_COMPACT);
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, kinds[k], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, text, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        int64_t row = sqlite3_last_insert_rowid(db);
        uint32_t eids[8];
        sched_targets t = {(sched_target_kind)k, eids, engine_ids(ids, eids)};
        for (uint32_t b = 0; b < N_BOXES; b++) {
            int64_t box_id = b + 1, commune_id = boxes[b].commune + 1;
            bool c = store_targets_box_text(kinds[k], text, box_id, commune_id);
            sqlite3_reset(q);
            sqlite3_bind_int64(q, sqlite3_bind_parameter_index(q, ":id"), row);
            store_targets_bind(q, box_id, commune_id);
            assert_int_equal(sqlite3_step(q), SQLITE_ROW);
            assert_int_equal(c, sqlite3_column_int(q, 0));
            assert_int_equal(c, sched_targets_include_box(&d, &t, b));
            reached += c;
        }
        free(text);
        json_decref(ids);
    }
    /* the draw reached some boxes and missed others */
    assert_true(reached > 0 && reached < ROUNDS * N_BOXES);
    g_rand_free(r);
    sqlite3_finalize(ins);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_cases),
        cmocka_unit_test(test_sql_c_and_engine_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
