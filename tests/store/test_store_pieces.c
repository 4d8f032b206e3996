/* Pieces and media in the store on a temp data dir: create/get in the API's shape, list
 * filters (months in Vietnam time, genre, status, commune, escaped text search, operator view,
 * paging), metadata edits only while draft or rejected, every status transition allowed and
 * refused, with the review history and audit rows each step leaves; media rows, the published
 * flag, and the sha256 → path guard. */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "store.h"
#include "api_words.h"
#include "store_audit.h"
#include "store_communes.h"
#include "store_media.h"
#include "store_pieces.h"
#include "vtime.h"
#include "tmpdir.h"

#define WHO "cli:test"

typedef struct fixture {
    char *tmp, *dir;
    store *s;
    GTimeZone *tz;
    char sha[HASH_SHA256_HEX_LEN + 1];
    int64_t commune_a, commune_b;
} fixture;

static void put_media(fixture *f, const char *seed, char sha[HASH_SHA256_HEX_LEN + 1])
{
    store_media r = {.bytes = 12345,
                     .duration_ms = 61500,
                     .loudness_in_lufs = -23.456,
                     .loudness_out_lufs = -16.04,
                     .true_peak_dbtp = -1.5};
    hash_sha256_buf(seed, strlen(seed), r.sha256);
    assert_int_equal(store_media_put(f->s, &r, NULL, NULL), 0);
    memcpy(sha, r.sha256, sizeof r.sha256);
}

static int setup(void **state)
{
    fixture *f = g_new0(fixture, 1);
    f->tmp = tmpdir_new("loalang-pieces-XXXXXX");
    f->s = tmpdir_store(f->tmp, &f->dir);
    assert_int_equal(vtime_zone_new(NULL, &f->tz), 0);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_commune_add(f->s, WHO, "Bằng Lãng", &f->commune_a), 0);
    assert_int_equal(store_commune_add(f->s, WHO, "Nà Pài", &f->commune_b), 0);
    put_media(f, "one", f->sha);
    assert_int_equal(store_commit(f->s), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->s);
    g_time_zone_unref(f->tz);
    tmpdir_remove(f->tmp);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static int create(fixture *f, store_piece_meta m, char id[IDS_UUID_LEN + 1])
{
    assert_int_equal(store_begin(f->s), 0);
    int rc = store_piece_create(f->s, WHO, f->sha, &m, id);
    if (rc == 0)
        assert_int_equal(store_commit(f->s), 0);
    else
        store_rollback(f->s);
    return rc;
}

static void make(fixture *f, const char *title, const char *genre, const char *commune,
                 char id[IDS_UUID_LEN + 1])
{
    assert_int_equal(
        create(f, (store_piece_meta){.title = title, .genre = genre, .commune = commune}, id), 0);
}

static int move(fixture *f, const char *id, const char *to, const char *note)
{
    assert_int_equal(store_begin(f->s), 0);
    int rc = store_piece_transition(f->s, WHO, id, to, note);
    if (rc == 0)
        assert_int_equal(store_commit(f->s), 0);
    else
        store_rollback(f->s);
    return rc;
}

static int update(fixture *f, const char *id, store_piece_meta m)
{
    assert_int_equal(store_begin(f->s), 0);
    int rc = store_piece_update(f->s, WHO, id, &m);
    if (rc == 0)
        assert_int_equal(store_commit(f->s), 0);
    else
        store_rollback(f->s);
    return rc;
}

static json_t *get(fixture *f, const char *id)
{
    json_t *p = NULL;
    assert_int_equal(store_piece_get(f->s, f->tz, id, &p), 0);
    return p;
}

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t audits(fixture *f, const char *action)
{
    int64_t n = -1;
    assert_int_equal(store_audit_count(f->s, action, &n), 0);
    return n;
}

static void test_create_and_get(void **state)
{
    fixture *f = *state;
    char id[IDS_UUID_LEN + 1];
    assert_int_equal(create(f,
                            (store_piece_meta){.title = "Gương sáng vượt khó",
                                               .genre = "report",
                                               .theme = "Thi đua yêu nước",
                                               .exemplar = "Bà Hoàng Thị Lan",
                                               .commune = "Bằng Lãng",
                                               .priority = "priority"},
                            id),
                     0);
    assert_true(ids_is_uuid(id));
    json_t *p = get(f, id);
    assert_string_equal(str(p, "id"), id);
    assert_string_equal(str(p, "title"), "Gương sáng vượt khó");
    assert_string_equal(str(p, "genre"), "report");
    assert_string_equal(str(p, "theme"), "Thi đua yêu nước");
    assert_string_equal(str(p, "exemplar"), "Bà Hoàng Thị Lan");
    assert_string_equal(str(p, "commune"), "Bằng Lãng");
    assert_string_equal(str(p, "priority"), "priority");
    assert_string_equal(str(p, "status"), "draft");
    assert_int_equal(json_integer_value(json_object_get(p, "duration_ms")), 61500);
    assert_true(json_is_null(json_object_get(p, "approved")));
    int64_t created = 0;
    assert_int_equal(vtime_parse_rfc3339(str(p, "created"), &created), 0);
    assert_non_null(strstr(str(p, "created"), "+07:00"));
    json_t *m = json_object_get(p, "media");
    assert_string_equal(str(m, "sha256"), f->sha);
    assert_int_equal(json_integer_value(json_object_get(m, "bytes")), 12345);
    assert_true(json_real_value(json_object_get(m, "loudness_in_lufs")) == -23.46);
    assert_true(json_real_value(json_object_get(m, "true_peak_dbtp")) == -1.5);
    char url[128];
    g_snprintf(url, sizeof url, "/media/%s.opus", f->sha);
    assert_string_equal(str(m, "url"), url);
    json_t *rv = json_object_get(p, "reviews");
    assert_int_equal(json_array_size(rv), 1);
    assert_string_equal(str(json_array_get(rv, 0), "who"), WHO);
    assert_true(json_is_null(json_object_get(json_array_get(rv, 0), "from")));
    assert_string_equal(str(json_array_get(rv, 0), "to"), "draft");
    assert_int_equal(audits(f, "piece.create"), 1);
    json_decref(p);

    /* Optional fields absent: null, default priority. */
    make(f, "Tin ngắn", "news", NULL, id);
    p = get(f, id);
    assert_true(json_is_null(json_object_get(p, "theme")));
    assert_true(json_is_null(json_object_get(p, "commune")));
    assert_string_equal(str(p, "priority"), "normal");
    json_decref(p);
    json_t *none = NULL;
    assert_int_equal(store_piece_get(f->s, f->tz, "00000000-0000-4000-8000-000000000000", &none),
                     -ENOENT);
    assert_int_equal(store_piece_get(f->s, f->tz, "../etc", &none), -ENOENT);
    assert_null(none);
}

static void test_create_refusals(void **state)
{
    fixture *f = *state;
    char id[IDS_UUID_LEN + 1];
    char *long_title = g_strnfill(513, 'a');
    char *max_title = g_strnfill(512, 'a');
    const struct {
        store_piece_meta m;
        int rc;
    } cases[] = {
        {{.title = "", .genre = "news"}, -EINVAL},
        {{.title = NULL, .genre = "news"}, -EINVAL},
        {{.title = "T", .genre = NULL}, -EINVAL},
        {{.title = long_title, .genre = "news"}, -EINVAL},
        {{.title = "bad \xff utf8", .genre = "news"}, -EINVAL},
        {{.title = "tab\tinside", .genre = "news"}, -EINVAL},
        {{.title = "T", .genre = "music"}, -EINVAL},
        {{.title = "T", .genre = "news", .priority = "urgent"}, -EINVAL},
        {{.title = "T", .genre = "news", .commune = "Không Có"}, -ENOENT},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        assert_int_equal(create(f, cases[i].m, id), cases[i].rc);
    assert_int_equal(audits(f, "piece.create"), 0);
    make(f, max_title, "jingle", NULL, id);
    /* Unknown media. */
    store_piece_meta m = {.title = "T", .genre = "news"};
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_piece_create(f->s, WHO, "ab", &m, id), -EINVAL);
    char other[HASH_SHA256_HEX_LEN + 1];
    hash_sha256_buf("nothing", 7, other);
    assert_int_equal(store_piece_create(f->s, WHO, other, &m, id), -ENOENT);
    store_rollback(f->s);
    g_free(long_title);
    g_free(max_title);
}

static int64_t total(fixture *f, store_piece_filter flt)
{
    json_t *l = NULL;
    assert_int_equal(store_piece_list(f->s, f->tz, &flt, &l), 0);
    int64_t n = json_integer_value(json_object_get(l, "total"));
    if (flt.limit == 0 && flt.offset == 0)
        assert_int_equal((int64_t)json_array_size(json_object_get(l, "pieces")), n);
    json_decref(l);
    return n;
}

static void set_ms(fixture *f, const char *id, const char *column, int64_t ms)
{
    char *sql = g_strdup_printf("UPDATE pieces SET %s = %" G_GINT64_FORMAT " WHERE id = '%s'",
                                column, ms, id);
    assert_int_equal(store_exec(f->s, sql), 0);
    g_free(sql);
}

static void test_list_filters(void **state)
{
    fixture *f = *state;
    char a[IDS_UUID_LEN + 1], b[IDS_UUID_LEN + 1], c[IDS_UUID_LEN + 1], d[IDS_UUID_LEN + 1];
    make(f, "Giảm 50% phí", "news", "Bằng Lãng", a);
    make(f, "Giảm 50x phí", "news", "Nà Pài", b);
    make(f, "Phóng sự_đặc biệt", "report", NULL, c);
    assert_int_equal(create(f,
                            (store_piece_meta){.title = "Phỏng vấn",
                                               .genre = "interview",
                                               .exemplar = "Ông Ma Văn Tình",
                                               .commune = "Bằng Lãng"},
                            d),
                     0);
    assert_int_equal(total(f, (store_piece_filter){0}), 4);
    assert_int_equal(total(f, (store_piece_filter){.genre = "news"}), 2);
    assert_int_equal(total(f, (store_piece_filter){.commune = "Bằng Lãng"}), 2);
    assert_int_equal(total(f, (store_piece_filter){.commune = "Không Có"}), 0);
    assert_int_equal(total(f, (store_piece_filter){.only_commune_id = f->commune_b}), 1);
    /* Wildcards are literal. */
    assert_int_equal(total(f, (store_piece_filter){.text = "50%"}), 1);
    assert_int_equal(total(f, (store_piece_filter){.text = "50"}), 2);
    assert_int_equal(total(f, (store_piece_filter){.text = "_"}), 1);
    assert_int_equal(total(f, (store_piece_filter){.text = "Ma Văn"}), 1);
    assert_int_equal(total(f, (store_piece_filter){.text = "không thấy"}), 0);
    /* Months are Vietnam-time months: 2024-02-29 17:30 UTC is 1 March 00:30 +07:00. */
    set_ms(f, a, "created_ms", 1709227800000);
    set_ms(f, b, "created_ms", 1709227800000 - 3600 * 1000);
    assert_int_equal(total(f, (store_piece_filter){.month = "2024-03"}), 1);
    assert_int_equal(total(f, (store_piece_filter){.month = "2024-02"}), 1);
    assert_int_equal(total(f, (store_piece_filter){.month = "2024-02", .genre = "report"}), 0);
    /* Status and approval month. */
    assert_int_equal(move(f, d, "submitted", NULL), 0);
    assert_int_equal(move(f, d, "approved", NULL), 0);
    assert_int_equal(total(f, (store_piece_filter){.status = "approved"}), 1);
    assert_int_equal(total(f, (store_piece_filter){.status = "draft"}), 3);
    set_ms(f, d, "approved_ms", 1709227800000);
    assert_int_equal(total(f, (store_piece_filter){.approved_month = "2024-03"}), 1);
    assert_int_equal(total(f, (store_piece_filter){.approved_month = "2024-02"}), 0);
    /* Paging: newest first, total ignores the page. */
    json_t *l = NULL;
    assert_int_equal(
        store_piece_list(f->s, f->tz, &(store_piece_filter){.limit = 2, .offset = 1}, &l), 0);
    assert_int_equal(json_integer_value(json_object_get(l, "total")), 4);
    json_t *page = json_object_get(l, "pieces");
    assert_int_equal(json_array_size(page), 2);
    assert_string_equal(str(json_array_get(page, 1), "id"), a); /* b is the oldest */
    assert_null(json_object_get(json_array_get(page, 0), "reviews"));
    json_decref(l);
    /* Bad filters. */
    const store_piece_filter bad[] = {
        {.month = "2024-13"}, {.month = "March"}, {.approved_month = "2024-1"},
        {.genre = "music"},   {.status = "gone"}, {.text = "\xc3"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        l = NULL;
        assert_int_equal(store_piece_list(f->s, f->tz, &bad[i], &l), -EINVAL);
        assert_null(l);
    }
}

static void test_update(void **state)
{
    fixture *f = *state;
    char id[IDS_UUID_LEN + 1];
    assert_int_equal(
        create(f,
               (store_piece_meta){
                   .title = "Cũ", .genre = "news", .theme = "Chủ đề", .commune = "Bằng Lãng"},
               id),
        0);
    assert_int_equal(
        update(f, id, (store_piece_meta){.title = "Mới", .theme = "", .commune = "Nà Pài"}), 0);
    json_t *p = get(f, id);
    assert_string_equal(str(p, "title"), "Mới");
    assert_string_equal(str(p, "genre"), "news");
    assert_true(json_is_null(json_object_get(p, "theme")));
    assert_string_equal(str(p, "commune"), "Nà Pài");
    json_decref(p);
    assert_int_equal(audits(f, "piece.update"), 1);
    assert_int_equal(update(f, id, (store_piece_meta){.genre = "music"}), -EINVAL);
    assert_int_equal(update(f, id, (store_piece_meta){.title = " "}), -EINVAL);
    assert_int_equal(update(f, id, (store_piece_meta){.commune = "Không Có"}), -ENOENT);
    assert_int_equal(
        update(f, "00000000-0000-4000-8000-000000000000", (store_piece_meta){.title = "x"}),
        -ENOENT);
    /* Submitted and approved pieces are frozen; rejected ones can be fixed. */
    assert_int_equal(move(f, id, "submitted", NULL), 0);
    assert_int_equal(update(f, id, (store_piece_meta){.title = "Sửa lén"}), -EPERM);
    assert_int_equal(move(f, id, "rejected", "Sai tên người"), 0);
    assert_int_equal(update(f, id, (store_piece_meta){.title = "Đã sửa"}), 0);
    assert_int_equal(move(f, id, "submitted", NULL), 0);
    assert_int_equal(move(f, id, "approved", NULL), 0);
    assert_int_equal(update(f, id, (store_piece_meta){.title = "Sửa lén"}), -EPERM);
    p = get(f, id);
    assert_string_equal(str(p, "title"), "Đã sửa");
    json_decref(p);
    assert_int_equal(audits(f, "piece.update"), 2);
}

static const char *const STATUSES[] = {"draft", "submitted", "approved", "rejected", "retired"};

/* Drives a new piece to `status` along the flow. */
static void reach(fixture *f, const char *status, char id[IDS_UUID_LEN + 1])
{
    make(f, "Tin", "news", NULL, id);
    if (!strcmp(status, "retired")) {
        assert_int_equal(move(f, id, "retired", NULL), 0);
        return;
    }
    if (strcmp(status, "draft"))
        assert_int_equal(move(f, id, "submitted", NULL), 0);
    if (!strcmp(status, "approved") || !strcmp(status, "rejected"))
        assert_int_equal(move(f, id, status, "ghi chú"), 0);
}

static bool allowed(const char *from, const char *to)
{
    static const char *const ok[][2] = {
        {"draft", "submitted"},    {"submitted", "approved"}, {"submitted", "rejected"},
        {"rejected", "submitted"}, {"approved", "retired"},   {"draft", "retired"},
        {"submitted", "retired"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(ok); i++)
        if (!strcmp(ok[i][0], from) && !strcmp(ok[i][1], to))
            return true;
    return false;
}

static void test_every_transition(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < G_N_ELEMENTS(STATUSES); i++) {
        for (size_t j = 0; j < G_N_ELEMENTS(STATUSES); j++) {
            char id[IDS_UUID_LEN + 1];
            reach(f, STATUSES[i], id);
            json_t *before = get(f, id);
            size_t n_reviews = json_array_size(json_object_get(before, "reviews"));
            int rc = move(f, id, STATUSES[j], "lý do");
            json_t *after = get(f, id);
            size_t n_after = json_array_size(json_object_get(after, "reviews"));
            if (allowed(STATUSES[i], STATUSES[j])) {
                assert_int_equal(rc, 0);
                assert_string_equal(str(after, "status"), STATUSES[j]);
                json_t *last = json_array_get(json_object_get(after, "reviews"), n_after - 1);
                assert_int_equal(n_after, n_reviews + 1);
                assert_string_equal(str(last, "from"), STATUSES[i]);
                assert_string_equal(str(last, "to"), STATUSES[j]);
                assert_string_equal(str(last, "note"), "lý do");
            } else {
                if (rc != -EINVAL)
                    fail_msg("%s -> %s gave %d", STATUSES[i], STATUSES[j], rc);
                assert_string_equal(str(after, "status"), STATUSES[i]);
                assert_int_equal(n_after, n_reviews);
            }
            json_decref(before);
            json_decref(after);
        }
    }
    /* Audit: one row per step taken (reach + the tested move), by action. */
    assert_true(audits(f, "piece.approve") >= 2);
    assert_true(audits(f, "piece.retire") >= 3);
}

static void test_reject_needs_note_and_approval_is_stamped(void **state)
{
    fixture *f = *state;
    char id[IDS_UUID_LEN + 1];
    make(f, "Tin", "news", NULL, id);
    assert_int_equal(move(f, id, "submitted", NULL), 0);
    assert_int_equal(move(f, id, "rejected", NULL), -EINVAL);
    assert_int_equal(move(f, id, "rejected", " \t"), -EINVAL);
    assert_int_equal(move(f, id, "rejected", "bad \xff"), -EINVAL);
    assert_int_equal(move(f, id, "published", NULL), -EINVAL);
    assert_int_equal(move(f, "00000000-0000-4000-8000-000000000000", "submitted", NULL), -ENOENT);
    assert_int_equal(audits(f, "piece.reject"), 0);
    assert_int_equal(move(f, id, "approved", NULL), 0);
    json_t *p = get(f, id);
    int64_t approved = 0;
    assert_int_equal(vtime_parse_rfc3339(str(p, "approved"), &approved), 0);
    assert_true(approved > 0);
    json_decref(p);
    /* Retirement keeps the approval time for the reports. */
    assert_int_equal(move(f, id, "retired", NULL), 0);
    p = get(f, id);
    assert_string_equal(str(p, "status"), "retired");
    assert_true(json_is_string(json_object_get(p, "approved")));
    json_t *rv = json_object_get(p, "reviews");
    assert_int_equal(json_array_size(rv), 4);
    json_decref(p);
    assert_int_equal(audits(f, "piece.submit"), 1);
    assert_int_equal(audits(f, "piece.approve"), 1);
    assert_int_equal(audits(f, "piece.retire"), 1);
    assert_true(store_piece_status_known("submitted"));
    assert_false(store_piece_status_known("nope"));
    assert_string_equal(api_words_piece_status("submitted"), "chờ duyệt");
    assert_null(api_words_piece_status("nope"));
}

static void test_media_rows(void **state)
{
    fixture *f = *state;
    store_media m;
    bool created = true;
    store_media r = {
        .bytes = 999, .duration_ms = 1000, .loudness_in_lufs = -30, .true_peak_dbtp = -INFINITY};
    memcpy(r.sha256, f->sha, sizeof r.sha256);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_media_put(f->s, &r, &m, &created), 0);
    assert_false(created);
    assert_int_equal(m.bytes, 12345); /* the first row stays */
    hash_sha256_buf("two", 3, r.sha256);
    assert_int_equal(store_media_put(f->s, &r, &m, &created), 0);
    assert_true(created);
    assert_true(isnan(m.true_peak_dbtp));
    memcpy(r.sha256, "ABC", 4);
    assert_int_equal(store_media_put(f->s, &r, NULL, NULL), -EINVAL);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(store_media_get(f->s, f->sha, &m), 0);
    assert_false(m.published);
    assert_int_equal(store_media_get(f->s, "00", &m), -EINVAL);
    /* Published once a live airing uses it; private again once that airing is withdrawn. */
    char id[IDS_UUID_LEN + 1];
    make(f, "Tin", "news", NULL, id);
    char *sql = g_strdup_printf(
        "INSERT INTO schedule_versions(month, version, published_ms, published_by)"
        " VALUES ('2024-03', 1, 1, 'x'), ('2024-03', 2, 2, 'x');"
        "INSERT INTO airings(id, version_id, piece_id, media_sha256, start_ms, duration_ms)"
        " VALUES ('a1', 1, '%s', '%s', 0, 1000);",
        id, f->sha);
    assert_int_equal(store_exec(f->s, sql), 0);
    g_free(sql);
    assert_int_equal(store_media_get(f->s, f->sha, &m), 0);
    assert_true(m.published);
    assert_int_equal(store_exec(f->s, "UPDATE airings SET withdrawn_version_id = 2"), 0);
    assert_int_equal(store_media_get(f->s, f->sha, &m), 0);
    assert_false(m.published);
}

static void test_media_path_guard(void **state)
{
    fixture *f = *state;
    char *p = NULL;
    assert_int_equal(store_media_path("/d", f->sha, &p), 0);
    char *want = g_strdup_printf("/d/media/%.2s/%s.opus", f->sha, f->sha);
    assert_string_equal(p, want);
    g_free(want);
    g_free(p);
    char upper[HASH_SHA256_HEX_LEN + 1];
    g_strlcpy(upper, f->sha, sizeof upper);
    for (char *c = upper; *c; c++)
        *c = g_ascii_toupper(*c);
    const char *bad[] = {"",
                         "../../etc/passwd",
                         "abc",
                         upper,
                         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde/",
                         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        p = (char *)"untouched";
        assert_int_equal(store_media_path("/d", bad[i], &p), -EINVAL);
        assert_null(p);
    }
    assert_int_equal(store_media_path("/d", NULL, &p), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_transition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_needs_note_and_approval_is_stamped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_media_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_media_path_guard, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
