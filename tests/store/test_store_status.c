/* Box status reports, contacts (online/since, flushed and loaded back) and the status list. */
#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hash.h"
#include "proto.h"
#include "store.h"
#include "store_boxes.h"
#include "store_communes.h"
#include "store_plays.h"
#include "store_status.h"
#include "vtime.h"

#include "box_fixture.h"

#define POLL 60

static json_t *status_json(const char *sha, int64_t offset, const char *playing)
{
    return json_pack("{s:s, s:i, s:I, s:i, s:i, s:[s], s:i, s:s?, s:i, s:n}", "agent_version",
                     "0.3.1", "uptime_s", 100, "clock_offset_ms", (json_int_t)offset, "cache_bytes",
                     1000, "cache_files", 2, "missing_media", sha, "disk_free_bytes", 5000,
                     "playing", playing, "volume", 70, "last_error");
}

static int64_t count_rows(bf_fixture *f, int64_t box)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(store_db(f->s),
                                        "SELECT count(*) FROM box_status WHERE box_id = ?1", -1,
                                        &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, box);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static json_t *find_box(const json_t *list, const char *name)
{
    json_t *boxes = json_object_get(list, "boxes");
    for (size_t i = 0; i < json_array_size(boxes); i++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(boxes, i), "name")), name))
            return json_array_get(boxes, i);
    fail_msg("no box %s", name);
    return NULL;
}

static void test_report_and_list(void **state)
{
    bf_fixture *f = *state;
    char m1[HASH_SHA256_HEX_LEN + 1];
    int64_t a = bf_add_commune(f, "Bằng Lãng");
    bf_add_commune(f, "Nà Pài");
    int64_t a1 = bf_add_box(f, "a1", "Bằng Lãng");
    int64_t b1 = bf_add_box(f, "b1", "Nà Pài");
    bf_add_box(f, "c1", "Nà Pài"); /* never heard from */
    bf_add_media(f, "m1", 180000, m1);
    bf_add_piece(f, 1, "Tin nông nghiệp", "news", m1, 180000, 1, NULL, 0);
    int64_t v = bf_add_version(f, "2026-12", 0);
    int64_t now = bf_local(f, 2026, 12, 10, 9, 0);
    bf_add_airing(f, "X", v, 1, m1, now - 3600000, 180000, "all", "[]");

    json_t *st = status_json(m1, -2500, "X"), *ans = NULL;
    /* a report older than STORE_STATUS_KEEP_DAYS goes when the next one comes */
    int64_t old = now - (STORE_STATUS_KEEP_DAYS + 1) * 86400000LL;
    assert_int_equal(store_status_report(f->s, a1, st, old, f->tz, &ans), 0);
    json_decref(ans);
    json_t *calm = status_json(m1, 1500, NULL); /* within the 2 s clock tolerance */
    assert_int_equal(store_status_report(f->s, b1, calm, old, f->tz, &ans), 0);
    json_decref(ans);
    json_decref(calm);
    assert_int_equal(store_status_report(f->s, a1, st, now, f->tz, &ans), 0);
    int64_t t = 0;
    char err[PROTO_ERR_MAX];
    assert_int_equal(proto_server_time_from_json(ans, &t, err), 0);
    assert_int_equal(t, now);
    json_decref(ans);
    assert_int_equal(count_rows(f, a1), 1);
    assert_int_equal(count_rows(f, b1), 1); /* pruned per box: b1 sent nothing new */
    assert_int_equal(store_status_report(f->s, 999, st, now, f->tz, &ans), -ENOENT);
    json_decref(st);
    st = json_pack("{s:s}", "agent_version", "x");
    json_object_set_new(st, "volume", json_integer(300));
    assert_int_equal(store_status_report(f->s, a1, st, now, f->tz, &ans), -EINVAL);
    assert_null(ans);
    json_decref(st);

    /* a play by a1 */
    char s1[VTIME_RFC3339_MAX], s2[VTIME_RFC3339_MAX];
    vtime_format_rfc3339(now - 3600000, f->tz, s1);
    vtime_format_rfc3339(now - 3600000 + 180000, f->tz, s2);
    json_t *plays = json_pack("[{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s}]", "id", "p1", "airing",
                              "X", "media", m1, "scheduled_start", s1, "started_at", s1, "ended_at",
                              s2, "played_ms", 180000, "outcome", "completed");
    assert_int_equal(store_plays_ingest(f->s, a1, plays, &ans), 0);
    json_decref(ans);
    json_decref(plays);

    store_contacts *c = store_contacts_new(STORE_STATUS_OFFLINE_POLLS * POLL * 1000);
    store_contacts_touch(c, a1, now - 100000);
    store_contacts_touch(c, a1, now - 10000); /* gap < 180 s: same run */
    store_contacts_touch(c, b1, now - 400000);
    json_t *list = NULL;
    assert_int_equal(store_status_list(f->s, c, 0, POLL, now, f->tz, &list), 0);
    assert_int_equal(json_array_size(json_object_get(list, "boxes")), 3);
    json_t *z = find_box(list, "c1");
    assert_true(json_is_false(json_object_get(z, "online")));
    const char *nulls[] = {"since",           "last_contact", "last_play", "missing_media",
                           "clock_offset_ms", "version",      "playing",   "status_at"};
    for (size_t i = 0; i < G_N_ELEMENTS(nulls); i++)
        if (!json_is_null(json_object_get(z, nulls[i])))
            fail_msg("c1.%s is not null", nulls[i]);
    json_t *x = find_box(list, "a1");
    char buf[VTIME_RFC3339_MAX];
    assert_true(json_is_true(json_object_get(x, "online")));
    vtime_format_rfc3339(now - 100000, f->tz, buf);
    assert_string_equal(json_string_value(json_object_get(x, "since")), buf);
    vtime_format_rfc3339(now - 10000, f->tz, buf);
    assert_string_equal(json_string_value(json_object_get(x, "last_contact")), buf);
    assert_string_equal(json_string_value(json_object_get(x, "commune")), "Bằng Lãng");
    assert_int_equal(json_integer_value(json_object_get(x, "missing_media")), 1);
    assert_int_equal(json_integer_value(json_object_get(x, "clock_offset_ms")), -2500);
    assert_true(json_is_true(json_object_get(x, "clock_warning")));
    assert_string_equal(json_string_value(json_object_get(x, "version")), "0.3.1");
    assert_string_equal(json_string_value(json_object_get(x, "playing")), "X");
    json_t *lp = json_object_get(x, "last_play");
    assert_string_equal(json_string_value(json_object_get(lp, "airing")), "X");
    assert_string_equal(json_string_value(json_object_get(lp, "title")), "Tin nông nghiệp");
    assert_string_equal(json_string_value(json_object_get(lp, "outcome")), "completed");
    assert_string_equal(json_string_value(json_object_get(lp, "started")), s1);

    json_t *y = find_box(list, "b1");
    assert_true(json_is_false(json_object_get(y, "online")));
    vtime_format_rfc3339(now - 400000, f->tz, buf);
    assert_string_equal(json_string_value(json_object_get(y, "since")), buf);
    assert_true(json_is_null(json_object_get(y, "last_play")));
    vtime_format_rfc3339(old, f->tz, buf); /* its only report, a month old */
    assert_string_equal(json_string_value(json_object_get(y, "status_at")), buf);
    assert_true(json_is_false(json_object_get(y, "clock_warning")));
    assert_int_equal(json_integer_value(json_object_get(y, "clock_offset_ms")), 1500);
    assert_true(json_is_null(json_object_get(y, "playing")));
    json_decref(list);

    /* b1 comes back after a long gap: a new run begins */
    store_contacts_touch(c, b1, now);
    assert_int_equal(store_status_list(f->s, c, 0, POLL, now + 1000, f->tz, &list), 0);
    y = find_box(list, "b1");
    assert_true(json_is_true(json_object_get(y, "online")));
    vtime_format_rfc3339(now, f->tz, buf);
    assert_string_equal(json_string_value(json_object_get(y, "since")), buf);
    json_decref(list);

    /* flushed, then read back without the in-memory map, and by a fresh map */
    assert_int_equal(store_contacts_flush(c, f->s), 0);
    assert_int_equal(store_contacts_flush(c, f->s), 0); /* nothing dirty: no-op */
    store_contacts_free(c);
    assert_int_equal(store_status_list(f->s, NULL, a, POLL, now + 1000, f->tz, &list), 0);
    assert_int_equal(json_array_size(json_object_get(list, "boxes")), 1); /* commune filter */
    x = find_box(list, "a1");
    assert_true(json_is_true(json_object_get(x, "online")));
    vtime_format_rfc3339(now - 100000, f->tz, buf);
    assert_string_equal(json_string_value(json_object_get(x, "since")), buf);
    json_decref(list);
    c = store_contacts_new(STORE_STATUS_OFFLINE_POLLS * POLL * 1000);
    assert_int_equal(store_contacts_load(c, f->s), 0);
    store_contacts_touch(c, a1, now + 5000);
    assert_int_equal(store_status_list(f->s, c, 0, POLL, now + 6000, f->tz, &list), 0);
    x = find_box(list, "a1");
    vtime_format_rfc3339(now - 100000, f->tz, buf); /* the run continues across the restart */
    assert_string_equal(json_string_value(json_object_get(x, "since")), buf);
    json_decref(list);
    store_contacts_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_report_and_list, bf_setup, bf_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
