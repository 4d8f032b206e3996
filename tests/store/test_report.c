/* The airtime report on a real store: a December with known plays whose figures are worked out
 * by hand below (box airtime, programme airtime with the 80 % rule, the 90 % rule for partial
 * plays, per-line percentages, coverage), the CSV exports and period parsing. */
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
#include "report.h"
#include "store.h"
#include "store_boxes.h"
#include "store_communes.h"
#include "store_audit.h"
#include "store_contracts.h"
#include "vtime.h"

#include "box_fixture.h"

static int n_plays;

static void add_play(bf_fixture *f, const char *airing, int64_t box, const char *media,
                     int64_t start, int64_t played, const char *outcome)
{
    char id[32];
    snprintf(id, sizeof id, "play-%03d", ++n_plays);
    bf_sql(f,
           "INSERT INTO plays(id, airing_id, box_id, media_sha256, scheduled_ms, started_ms,"
           " ended_ms, played_ms, outcome, received_ms) VALUES (%Q, %Q, %lld, %Q, %lld, %lld, %lld,"
           " %lld, %Q, 0)",
           id, airing, (long long)box, media, (long long)start, (long long)start,
           (long long)(start + played), (long long)played, outcome);
}

/* Communes A (boxes a1…a5) and B (b1). Contract for 2026: news 2 pieces a month × 2 airings,
 * 1–4 min; report 1 a month × 1. Pieces approved 01/12: 1 news 3 min (exemplar about A),
 * 2 news 5 min (outside the bounds), 3 report 10 min. December airings:
 *   X1 piece 1, communes [A] (5 boxes): a1–a4 completed → 4/5 = 80 % → reached
 *   X2 piece 1, all (6 boxes): a1, a4 completed; a2 partial 170 s (94 % ≥ 90 %: reached);
 *      a3 partial 150 s (83 %: airtime, not reach); b1 missed; a5 nothing → 3/6: not reached
 *   X3 piece 2, boxes [b1]: completed → reached
 *   X4 piece 3, all: 6 completed → reached
 *   W  piece 3, withdrawn by a version published before it started: not counted
 *   N  piece 1 on 20/11 with one play: outside December */
typedef struct world {
    int64_t a, b, box[6]; /* a1…a5, b1 */
    int64_t contract;
} world;

static void make_world(bf_fixture *f, world *w)
{
    char m1[HASH_SHA256_HEX_LEN + 1], m2[HASH_SHA256_HEX_LEN + 1], m3[HASH_SHA256_HEX_LEN + 1];
    const char *names[] = {"a1", "a2", "a3", "a4", "a5", "b1"};
    n_plays = 0;
    w->a = bf_add_commune(f, "Bằng Lãng");
    w->b = bf_add_commune(f, "Nà Pài");
    for (int i = 0; i < 6; i++)
        w->box[i] = bf_add_box(f, names[i], i < 5 ? "Bằng Lãng" : "Nà Pài");
    bf_add_media(f, "m1", 180000, m1);
    bf_add_media(f, "m2", 300000, m2);
    bf_add_media(f, "m3", 600000, m3);
    int64_t approved = bf_local(f, 2026, 12, 1, 1, 0);
    bf_add_piece(f, 1, "Gương sáng Bằng Lãng", "news", m1, 180000, approved, "Ông A", w->a);
    bf_add_piece(f, 2, "Tin dài", "news", m2, 300000, approved, NULL, 0);
    bf_add_piece(f, 3, "Phóng sự, \"đặc biệt\"", "report", m3, 600000, approved, NULL, 0);

    int64_t v0 = bf_add_version(f, "2026-11", bf_local(f, 2026, 11, 1, 0, 0));
    int64_t n = bf_local(f, 2026, 11, 20, 6, 0);
    bf_add_airing(f, "N", v0, 1, m1, n, 180000, "all", "[]");
    add_play(f, "N", w->box[0], m1, n, 180000, "completed");

    int64_t v1 = bf_add_version(f, "2026-12", bf_local(f, 2026, 11, 28, 0, 0));
    char *ta = g_strdup_printf("[%lld]", (long long)w->a);
    char *tb = g_strdup_printf("[%lld]", (long long)w->box[5]);
    int64_t x1 = bf_local(f, 2026, 12, 5, 6, 0), x2 = bf_local(f, 2026, 12, 6, 6, 0);
    int64_t x3 = bf_local(f, 2026, 12, 7, 6, 0), x4 = bf_local(f, 2026, 12, 8, 6, 0);
    bf_add_airing(f, "X1", v1, 1, m1, x1, 180000, "communes", ta);
    bf_add_airing(f, "X2", v1, 1, m1, x2, 180000, "all", "[]");
    bf_add_airing(f, "X3", v1, 2, m2, x3, 300000, "boxes", tb);
    bf_add_airing(f, "X4", v1, 3, m3, x4, 600000, "all", "[]");
    bf_add_airing(f, "W", v1, 3, m3, bf_local(f, 2026, 12, 9, 6, 0), 600000, "all", "[]");
    int64_t v2 = bf_add_version(f, "2026-12", bf_local(f, 2026, 12, 1, 0, 0));
    bf_sql(f, "UPDATE airings SET withdrawn_version_id = %lld WHERE id = 'W'", (long long)v2);
    g_free(ta);
    g_free(tb);
    for (int i = 0; i < 4; i++)
        add_play(f, "X1", w->box[i], m1, x1, 180000, "completed");
    add_play(f, "X2", w->box[0], m1, x2, 180000, "completed");
    add_play(f, "X2", w->box[1], m1, x2, 170000, "partial");
    add_play(f, "X2", w->box[2], m1, x2, 150000, "partial");
    add_play(f, "X2", w->box[3], m1, x2, 180000, "completed");
    add_play(f, "X2", w->box[5], m1, x2, 0, "missed");
    add_play(f, "X3", w->box[5], m2, x3, 300000, "completed");
    for (int i = 0; i < 6; i++)
        add_play(f, "X4", w->box[i], m3, x4, 600000, "completed");

    json_t *c = json_pack("{s:s, s:s, s:s, s:[{s:s, s:i, s:i, s:i, s:i}, {s:s, s:i, s:i}]}",
                          "title", "Hợp đồng phát thanh 2026", "from", "2026-01-01", "until",
                          "2026-12-31", "lines", "genre", "news", "pieces_per_month", 2,
                          "airings_per_piece", 2, "min_ms", 60000, "max_ms", 240000, "genre",
                          "report", "pieces_per_month", 1, "airings_per_piece", 1);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_contract_create(f->s, WHO, c, &w->contract), 0);
    assert_int_equal(store_commit(f->s), 0);
    json_decref(c);
}

static json_int_t num(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        fail_msg("%s is not an integer", k);
    return json_integer_value(v);
}

static json_t *build(bf_fixture *f, const char *period, bool evidence)
{
    report_period p;
    json_t *r = NULL;
    report_opts o = {.tz = f->tz, .evidence = evidence};
    assert_int_equal(report_period_parse(period, &p), 0);
    if (report_build(f->s, &p, &o, &r) != 0)
        fail_msg("report: %s", store_errmsg(f->s));
    return r;
}

static json_t *by_name(const json_t *a, const char *key, const char *value)
{
    for (size_t i = 0; i < json_array_size(a); i++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(a, i), key)), value))
            return json_array_get(a, i);
    fail_msg("no %s = %s", key, value);
    return NULL;
}

static void test_month_figures(void **state)
{
    bf_fixture *f = *state;
    world w;
    make_world(f, &w);
    json_t *r = build(f, "2026-12", false);

    /* box airtime: X1 4 × 180 + X2 (180 + 170 + 150 + 180) + X3 300 + X4 6 × 600 seconds */
    assert_int_equal(num(r, "box_airtime_ms"), 720000 + 680000 + 300000 + 3600000);
    /* programme airtime: X1 (80 % of 5 exactly), X3, X4; not X2 (3 of 6) */
    assert_int_equal(num(r, "programme_airtime_ms"), 180000 + 300000 + 600000);
    assert_int_equal(num(r, "airings_scheduled"), 4);
    assert_int_equal(num(r, "airings_reached"), 3);
    assert_int_equal(num(json_object_get(r, "contract"), "id"), w.contract);

    json_t *lines = json_object_get(r, "lines");
    assert_int_equal(json_array_size(lines), 2);
    json_t *news = by_name(lines, "genre", "news");
    assert_string_equal(json_string_value(json_object_get(news, "label")), "Tin");
    assert_int_equal(num(news, "pieces_contracted"), 2);
    assert_int_equal(num(news, "pieces_approved"), 2);
    assert_int_equal(num(news, "pieces_aired"), 2);
    assert_int_equal(num(news, "airings_contracted"), 4);
    assert_int_equal(num(news, "airings_scheduled"), 3);
    assert_int_equal(num(news, "airings_reached"), 2);
    assert_int_equal(num(news, "airings_missed"), 1);
    assert_int_equal(num(news, "ms_scheduled"), 660000);
    assert_int_equal(num(news, "ms_delivered"), 480000);
    assert_int_equal(num(news, "delivered_permille"), 727); /* 480/660 rounded down */
    assert_int_equal(num(news, "reached_permille"), 500);
    assert_int_equal(num(news, "aired_permille"), 1000);
    json_t *oob = json_object_get(news, "out_of_bounds");
    assert_int_equal(json_array_size(oob), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(oob, 0), "title")),
                        "Tin dài");
    json_t *rep = by_name(lines, "genre", "report");
    assert_int_equal(num(rep, "ms_delivered"), 600000);
    assert_int_equal(num(rep, "delivered_permille"), 1000);
    json_t *tot = json_object_get(r, "totals");
    assert_int_equal(num(tot, "ms_scheduled"), 1260000);
    assert_int_equal(num(tot, "ms_delivered"), 1080000);
    assert_int_equal(num(tot, "delivered_permille"), 857);
    assert_int_equal(num(tot, "airings_contracted"), 5);

    json_t *communes = json_object_get(r, "communes");
    json_t *ca = by_name(communes, "name", "Bằng Lãng"), *cb = by_name(communes, "name", "Nà Pài");
    assert_int_equal(num(ca, "boxes"), 5);
    assert_int_equal(num(ca, "airings_scheduled"), 3); /* X1, X2, X4 */
    assert_int_equal(num(ca, "airings_reached"), 2);   /* X2: 3 of 5 there */
    assert_int_equal(num(ca, "box_airtime_ms"), 720000 + 680000 + 3000000);
    assert_true(json_is_true(json_object_get(ca, "has_own_exemplar")));
    assert_int_equal(num(cb, "airings_scheduled"), 3); /* X2, X3, X4 */
    assert_int_equal(num(cb, "airings_reached"), 2);
    assert_int_equal(num(cb, "box_airtime_ms"), 900000);
    json_t *missing = json_object_get(r, "missing_exemplar");
    assert_int_equal(json_array_size(missing), 1);
    assert_string_equal(json_string_value(json_array_get(missing, 0)), "Nà Pài");
    json_t *year = json_object_get(r, "exemplar_year");
    assert_int_equal(num(year, "year"), 2026);
    assert_int_equal(json_array_size(json_object_get(year, "missing")), 1);

    json_t *a3 = by_name(json_object_get(r, "boxes"), "name", "a3");
    assert_int_equal(num(a3, "airtime_ms"), 180000 + 150000 + 600000);
    json_t *months = json_object_get(r, "by_month");
    assert_int_equal(json_array_size(months), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(months, 0), "month")),
                        "2026-12");
    assert_int_equal(num(json_array_get(months, 0), "box_airtime_ms"), 5300000);
    assert_int_equal(num(json_array_get(months, 0), "ms_delivered"), 1080000);
    assert_null(json_object_get(r, "evidence"));
    json_decref(r);
}

static void test_evidence_and_csv(void **state)
{
    bf_fixture *f = *state;
    world w;
    make_world(f, &w);
    json_t *r = build(f, "2026-12", true);
    json_t *ev = json_object_get(r, "evidence");
    assert_int_equal(json_array_size(ev), 4);
    json_t *x2 = by_name(ev, "airing", "X2");
    assert_int_equal(num(x2, "target_boxes"), 6);
    assert_int_equal(num(x2, "reached_boxes"), 3);
    assert_true(json_is_false(json_object_get(x2, "reached")));
    json_t *boxes = json_object_get(x2, "boxes");
    assert_string_equal(json_string_value(json_object_get(by_name(boxes, "name", "a3"), "status")),
                        "partial_short");
    assert_string_equal(json_string_value(json_object_get(by_name(boxes, "name", "a2"), "status")),
                        "reached");
    assert_string_equal(json_string_value(json_object_get(by_name(boxes, "name", "a5"), "status")),
                        "no_report");
    assert_true(json_is_null(json_object_get(by_name(boxes, "name", "a5"), "play")));
    assert_string_equal(json_string_value(json_object_get(by_name(boxes, "name", "b1"), "status")),
                        "missed");

    char *csv = NULL;
    size_t len = 0;
    assert_int_equal(report_csv(r, &csv, &len), 0);
    assert_int_equal(strlen(csv), len);
    assert_memory_equal(csv, "\xEF\xBB\xBF", 3);
    char **rows = g_strsplit(csv + 3, "\r\n", -1);
    assert_int_equal(g_strv_length(rows), 5); /* header, news, report, totals, "" after CRLF */
    assert_string_equal(rows[4], "");
    assert_true(g_str_has_prefix(rows[0], "Thể loại,"));
    assert_string_equal(rows[1], "Tin,2,2,2,4,3,2,1,11.0,8.0,72.7,50.0,1");
    assert_string_equal(rows[2], "Phóng sự,1,1,1,1,1,1,0,10.0,10.0,100.0,100.0,0");
    assert_string_equal(rows[3], "Tổng cộng,3,3,3,5,4,3,1,21.0,18.0,85.7,60.0,1");
    for (int i = 0; i < 4; i++)
        assert_null(strchr(rows[i], '\n'));
    g_strfreev(rows);
    g_free(csv);

    assert_int_equal(report_evidence_csv(r, f->tz, &csv, &len), 0);
    assert_memory_equal(csv, "\xEF\xBB\xBF", 3);
    rows = g_strsplit(csv + 3, "\r\n", -1);
    /* header + 5 + 6 + 1 + 6 rows */
    assert_int_equal(g_strv_length(rows), 1 + 18 + 1);
    assert_non_null(strstr(csv, "X2,06/12/2026,06:00:00,Gương sáng Bằng Lãng,Tin,180.000,a3,"
                                "Bằng Lãng,"));
    /* a title with a comma and quotes is quoted, quotes doubled */
    assert_non_null(strstr(csv, ",\"Phóng sự, \"\"đặc biệt\"\"\",Phóng sự,600.000,"));
    g_strfreev(rows);
    g_free(csv);

    /* Text from people that a spreadsheet would run as a formula becomes text. */
    json_object_set_new(x2, "title", json_string("=HYPERLINK(\"http://x.invalid\",\"bấm\")"));
    json_object_set_new(json_array_get(json_object_get(x2, "boxes"), 0), "name",
                        json_string("@SUM(A1:A9)"));
    json_object_set_new(json_array_get(json_object_get(x2, "boxes"), 1), "name",
                        json_string("-2+3"));
    assert_int_equal(report_evidence_csv(r, f->tz, &csv, &len), 0);
    assert_null(strstr(csv, ",=HYPERLINK"));
    assert_non_null(strstr(csv, ",\"'=HYPERLINK(\"\"http://x.invalid\"\",\"\"bấm\"\")\","));
    assert_non_null(strstr(csv, ",\"'@SUM(A1:A9)\","));
    assert_non_null(strstr(csv, ",\"'-2+3\","));
    assert_non_null(strstr(csv, ",180.000,")); /* numbers stay numbers */
    g_free(csv);
    json_decref(r);

    r = build(f, "2026-12", false);
    assert_int_equal(report_evidence_csv(r, f->tz, &csv, &len), -EINVAL);
    json_decref(r);
}

static void test_quarter_and_year(void **state)
{
    bf_fixture *f = *state;
    world w;
    char m4[HASH_SHA256_HEX_LEN + 1];
    make_world(f, &w);
    /* an interview with an exemplar about B, reaching b1 in November: B has its exemplar for
     * 2026, though not in December */
    bf_add_media(f, "m4", 240000, m4);
    bf_add_piece(f, 4, "Gương sáng Nà Pài", "interview", m4, 240000, bf_local(f, 2026, 11, 1, 0, 0),
                 "Bà B", w.b);
    int64_t v = bf_add_version(f, "2026-11", bf_local(f, 2026, 11, 2, 0, 0));
    char *tb = g_strdup_printf("[%lld]", (long long)w.box[5]);
    int64_t x5 = bf_local(f, 2026, 11, 10, 6, 0);
    bf_add_airing(f, "X5", v, 4, m4, x5, 240000, "boxes", tb);
    g_free(tb);
    add_play(f, "X5", w.box[5], m4, x5, 240000, "completed");
    json_t *r = build(f, "2026-12", false);
    json_t *missing = json_object_get(r, "missing_exemplar");
    assert_int_equal(json_array_size(missing), 1);
    assert_string_equal(json_string_value(json_array_get(missing, 0)), "Nà Pài");
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(r, "exemplar_year"), "missing")), 0);
    json_decref(r);
    r = build(f, "2026-11", false);
    missing = json_object_get(r, "missing_exemplar");
    assert_int_equal(json_array_size(missing), 1);
    assert_string_equal(json_string_value(json_array_get(missing, 0)), "Bằng Lãng");
    json_decref(r);

    r = build(f, "2026-Q4", false);
    json_t *news = by_name(json_object_get(r, "lines"), "genre", "news");
    assert_int_equal(num(news, "pieces_contracted"), 6);
    assert_int_equal(num(news, "airings_scheduled"), 4); /* N in November too */
    assert_int_equal(json_array_size(json_object_get(r, "by_month")), 2);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "period"), "label")),
                        "Quý 4/2026");
    json_decref(r);
    r = build(f, "2026", false);
    news = by_name(json_object_get(r, "lines"), "genre", "news");
    assert_int_equal(num(news, "pieces_contracted"), 24);
    assert_int_equal(json_array_size(json_object_get(r, "missing_exemplar")), 0);
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(r, "exemplar_year"), "missing")), 0);
    json_decref(r);
    /* no contract for 2025: figures without lines */
    r = build(f, "2025-03", false);
    assert_true(json_is_null(json_object_get(r, "contract")));
    assert_int_equal(json_array_size(json_object_get(r, "lines")), 0);
    assert_int_equal(num(r, "airings_scheduled"), 0);
    json_decref(r);
    report_period p;
    json_t *out = NULL;
    report_opts o = {.tz = f->tz, .contract_id = 77};
    assert_int_equal(report_period_parse("2026-12", &p), 0);
    assert_int_equal(report_build(f->s, &p, &o, &out), -ENOENT);
}

static void test_period_parse(void **state)
{
    (void)state;
    report_period p;
    int32_t d = 0;
    assert_int_equal(report_period_parse("2026-02", &p), 0);
    assert_int_equal(p.kind, REPORT_MONTH);
    assert_int_equal(vtime_parse_date("2026-02-28", &d), 0);
    assert_int_equal(p.last_day, d);
    assert_int_equal(report_period_parse("2024-q1", &p), 0);
    assert_int_equal(p.kind, REPORT_QUARTER);
    assert_string_equal(p.text, "2024-Q1");
    assert_int_equal(vtime_parse_date("2024-03-31", &d), 0);
    assert_int_equal(p.last_day, d);
    assert_int_equal(report_period_parse("2026", &p), 0);
    assert_int_equal(p.kind, REPORT_YEAR);
    const char *bad[] = {"2026-13", "2026-Q5",    "2026-Q0", "26",   "2026-1", "abcd",
                         "",        "2026-12-01", "+026",    "1969", "2026-Q", "2026-00"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        if (report_period_parse(bad[i], &p) != -EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
}

static void test_contracts_crud(void **state)
{
    bf_fixture *f = *state;
    world w;
    json_t *c = NULL;
    make_world(f, &w);
    assert_int_equal(store_begin(f->s), 0);
    json_t *line = json_pack("{s:s, s:i, s:i}", "genre", "interview", "pieces_per_period", 5,
                             "airings_per_piece", 3);
    assert_int_equal(store_contract_line_set(f->s, WHO, w.contract, line), 0);
    json_decref(line);
    line = json_pack("{s:s, s:i, s:i}", "genre", "jingle", "pieces_per_month", 1,
                     "airings_per_piece", 1);
    assert_int_equal(store_contract_line_set(f->s, WHO, w.contract, line), -EINVAL);
    json_decref(line);
    line = json_pack("{s:s, s:i, s:i}", "genre", "news", "pieces_per_month", 1, "pieces_per_period",
                     1);
    assert_int_equal(store_contract_line_set(f->s, WHO, w.contract, line), -EINVAL);
    json_decref(line);
    json_t *upd = json_pack("{s:s, s:i}", "title", "HĐ sửa", "reach_permille", 900);
    assert_int_equal(store_contract_update(f->s, WHO, w.contract, upd), 0);
    json_decref(upd);
    upd = json_pack("{s:s}", "until", "2025-01-01"); /* before from */
    assert_int_equal(store_contract_update(f->s, WHO, w.contract, upd), -EINVAL);
    assert_int_equal(store_contract_update(f->s, WHO, 999, upd), -ENOENT);
    json_decref(upd);
    assert_int_equal(store_contract_line_delete(f->s, WHO, w.contract, "report"), 0);
    assert_int_equal(store_contract_line_delete(f->s, WHO, w.contract, "report"), -ENOENT);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(store_contract_get(f->s, w.contract, &c), 0);
    assert_string_equal(json_string_value(json_object_get(c, "title")), "HĐ sửa");
    assert_int_equal(num(c, "reach_permille"), 900);
    json_t *lines = json_object_get(c, "lines");
    assert_int_equal(json_array_size(lines), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(lines, 1), "genre")),
                        "interview");
    assert_int_equal(num(json_array_get(lines, 1), "pieces_per_period"), 5);
    json_decref(c);
    int64_t n = 0;
    assert_int_equal(store_audit_count(f->s, "contract.create", &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_audit_count(f->s, "contract.line", &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_contract_delete(f->s, WHO, w.contract), 0);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(store_contract_list(f->s, &c), 0);
    assert_int_equal(json_array_size(json_object_get(c, "contracts")), 0);
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_month_figures, bf_setup, bf_teardown),
        cmocka_unit_test_setup_teardown(test_evidence_and_csv, bf_setup, bf_teardown),
        cmocka_unit_test_setup_teardown(test_quarter_and_year, bf_setup, bf_teardown),
        cmocka_unit_test(test_period_parse),
        cmocka_unit_test_setup_teardown(test_contracts_crud, bf_setup, bf_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
