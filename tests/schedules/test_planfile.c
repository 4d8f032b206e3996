/* planfile: the sample plans parse to the expected structs; every kind of mistake a technician
 * can make is reported in Vietnamese on its line; no input crashes or leaks the parser. */
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "planfile.h"
#include "vtime.h"

#define SAMPLE  LOALANG_SOURCE_DIR "/schedules/examples/cho-don-2026-12.plan"
#define MINIMAL LOALANG_SOURCE_DIR "/schedules/examples/minimal.plan"

/* A valid head: district on lines 1-3, month on lines 4-5. */
#define HEAD                                                                                       \
    "[district]\n"                                                                                 \
    "name = Chợ Đồn\n"                                                                        \
    "communes = Bằng Lãng, Bản Thi, Nghĩa Tá\n"                                             \
    "[month]\n"                                                                                    \
    "month = 2026-12\n"
/* Without the month: lines 1-3. */
#define HEAD_NO_MONTH                                                                              \
    "[district]\n"                                                                                 \
    "name = Chợ Đồn\n"                                                                        \
    "communes = Bằng Lãng, Bản Thi, Nghĩa Tá\n"
/* A valid programme, lines 6-9 after HEAD. */
#define PROG                                                                                       \
    "[program sang]\n"                                                                             \
    "title = Bản tin sáng\n"                                                                    \
    "start = 06:00\n"                                                                              \
    "length = 30\n"

static char *read_sample(const char *path, gsize *len)
{
    char *buf = NULL;
    GError *err = NULL;
    if (!g_file_get_contents(path, &buf, len, &err))
        fail_msg("cannot read %s: %s", path, err->message);
    return buf;
}

static void dump(const plan_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        print_message("  %d: %s\n", d->items[i].line, d->items[i].message);
}

static plan *parse_ok(const char *text)
{
    plan *p = NULL;
    plan_diags d = {0};
    int rc = plan_parse(text, strlen(text), &p, &d);
    if (rc != 0)
        dump(&d);
    assert_int_equal(rc, 0);
    assert_non_null(p);
    assert_int_equal(d.n, 0);
    plan_diags_clear(&d);
    return p;
}

/* Parses text, expects failure and a diagnostic on `line` containing `needle`; with n > 0,
 * also exactly n diagnostics (no cascade of echo errors). */
static void expect_error_n(const char *text, size_t len, int line, const char *needle, size_t n)
{
    plan *p = (plan *)0x1;
    plan_diags d = {0};
    assert_int_equal(plan_parse(text, len, &p, &d), -EINVAL);
    assert_null(p);
    bool found = false;
    for (size_t i = 0; i < d.n; i++) {
        assert_true(g_utf8_validate(d.items[i].message, -1, NULL));
        if (d.items[i].line == line && strstr(d.items[i].message, needle))
            found = true;
    }
    if (!found || (n && d.n != n)) {
        print_message("wanted line %d “%s” (%zu diags), got:\n", line, needle, n);
        dump(&d);
    }
    assert_true(found);
    if (n)
        assert_int_equal(d.n, n);
    plan_diags_clear(&d);
}

static void expect_error(const char *text, int line, const char *needle)
{
    expect_error_n(text, strlen(text), line, needle, 1);
}

static const sched_plan_item *item_of(const plan *p, const char *piece_id)
{
    int idx = plan_find_piece(p, piece_id);
    assert_true(idx >= 0);
    for (size_t i = 0; i < p->month.n_items; i++) {
        if (p->month.items[i].piece == (uint32_t)idx)
            return &p->month.items[i];
    }
    fail_msg("piece %s is not in the month plan", piece_id);
    return NULL;
}

static int32_t day(int y, int m, int d)
{
    int32_t out;
    assert_int_equal(vtime_day_from_civil(y, m, d, &out), 0);
    return out;
}

/* 1-based line of the first line of text starting with `prefix`. */
static int line_of(const char *text, const char *prefix)
{
    int line = 1;
    for (const char *s = text; *s; line++) {
        if (strncmp(s, prefix, strlen(prefix)) == 0)
            return line;
        const char *nl = strchr(s, '\n');
        if (!nl)
            break;
        s = nl + 1;
    }
    fail_msg("no line starts with %s", prefix);
    return 0;
}

/* ---- the sample plans ---- */

static void test_sample_district(void **state)
{
    (void)state;
    gsize len;
    char *buf = read_sample(SAMPLE, &len);
    plan *p = parse_ok(buf);
    assert_string_equal(p->district_name, "Chợ Đồn");
    assert_string_equal(p->timezone, "Asia/Ho_Chi_Minh");
    assert_int_equal(p->district.n_communes, 18);
    assert_string_equal(p->district.communes[0].name, "Bằng Lũng");
    assert_string_equal(p->district.communes[17].id, "Yên Thịnh");
    assert_int_equal(plan_find_commune(p, "Bằng Lãng"), 1);
    assert_int_equal(plan_find_commune(p, "Hà Nội"), -1);
    assert_int_equal(p->district.n_boxes, 8);
    int b = plan_find_box(p, "bang-lang-1");
    assert_true(b >= 0);
    assert_int_equal(p->district.boxes[b].commune, 1);
    assert_string_equal(p->district.boxes[b].name, "Cụm loa thôn Nà Pài");
    assert_true(p->has_month);
    assert_int_equal(p->month.year, 2026);
    assert_int_equal(p->month.month, 12);
    assert_non_null(strstr(p->month.theme, "Kỷ niệm 82 năm"));
    plan_free(p);
    g_free(buf);
}

static void test_sample_programs(void **state)
{
    (void)state;
    gsize len;
    char *buf = read_sample(SAMPLE, &len);
    plan *p = parse_ok(buf);
    assert_int_equal(p->n_programs, 3);
    int s = plan_find_program(p, "sang"), n = plan_find_program(p, "ntvt");
    assert_true(s >= 0 && n >= 0);
    const sched_program *sang = &p->programs[s], *ntvt = &p->programs[n];
    assert_string_equal(sang->title, "Bản tin sáng");
    assert_int_equal(sang->start_s, 6 * 3600);
    assert_int_equal(sang->length_s, 30 * 60);
    assert_int_equal(sang->weekdays, 0x7f);
    assert_int_equal(sang->valid_from, INT32_MIN);
    assert_int_equal(sang->valid_until, INT32_MAX);
    assert_int_equal(sang->targets.kind, SCHED_TARGET_ALL);
    assert_int_equal(p->program_lines[s], line_of(buf, "[program sang]"));
    /* intro/outro point forward, at jingles */
    assert_int_equal(sang->intro, plan_find_piece(p, "nhac-hieu-sang"));
    assert_int_equal(p->pieces[sang->intro].genre, SCHED_GENRE_JINGLE);
    assert_int_equal(p->pieces[sang->intro].duration_ms, 20000);
    assert_int_equal(p->pieces[sang->outro].genre, SCHED_GENRE_JINGLE);
    assert_int_equal(p->pieces[sang->outro].duration_ms, 15000);
    assert_int_equal(p->programs[plan_find_program(p, "chieu")].intro, -1);
    /* T7 only, 19:00, three communes sorted by district order */
    assert_int_equal(ntvt->weekdays, 1 << 5);
    assert_int_equal(ntvt->start_s, 19 * 3600);
    assert_int_equal(ntvt->length_s, 15 * 60);
    assert_int_equal(ntvt->targets.kind, SCHED_TARGET_COMMUNES);
    assert_int_equal(ntvt->targets.n, 3);
    assert_int_equal(ntvt->targets.ids[0], plan_find_commune(p, "Bằng Lãng"));
    assert_int_equal(ntvt->targets.ids[1], plan_find_commune(p, "Bản Thi"));
    assert_int_equal(ntvt->targets.ids[2], plan_find_commune(p, "Nghĩa Tá"));
    plan_free(p);
    g_free(buf);
}

static void test_sample_pieces(void **state)
{
    (void)state;
    gsize len;
    char *buf = read_sample(SAMPLE, &len);
    plan *p = parse_ok(buf);
    assert_int_equal(p->n_pieces, 15);
    assert_int_equal(p->month.n_items, 13); /* the two jingles are not in it */
    int ps = plan_find_piece(p, "ps-ban-chi-huy-quan-su");
    assert_int_equal(p->pieces[ps].genre, SCHED_GENRE_REPORT);
    assert_int_equal(p->pieces[ps].duration_ms, (8 * 60 + 30) * 1000);
    assert_string_equal(p->pieces[ps].exemplar, "Ban Chỉ huy Quân sự huyện Chợ Đồn");
    assert_int_equal(p->pieces[ps].commune, -1);
    assert_int_equal(p->piece_lines[ps], line_of(buf, "[piece ps-ban-chi-huy-quan-su]"));
    const sched_plan_item *it = item_of(p, "ps-ban-chi-huy-quan-su");
    assert_int_equal(it->airings, 6);
    assert_int_equal(it->window_from, day(2026, 12, 15));
    assert_int_equal(it->window_until, day(2026, 12, 22));
    assert_int_equal(it->n_pins, 0);
    assert_int_equal(it->n_communes, 0);
    /* pinned on 22/12 in the morning programme */
    int bai = plan_find_piece(p, "bai-truyen-thong-bo-doi");
    assert_int_equal(p->pieces[bai].genre, SCHED_GENRE_ARTICLE);
    assert_int_equal(p->pieces[bai].priority, SCHED_PRIO_PRIORITY);
    it = item_of(p, "bai-truyen-thong-bo-doi");
    assert_int_equal(it->n_pins, 1);
    assert_int_equal(it->pins[0].day, day(2026, 12, 22));
    assert_int_equal(it->pins[0].day, 20809);
    assert_int_equal(it->pins[0].program, plan_find_program(p, "sang"));
    assert_int_equal(it->window_from, INT32_MIN);
    assert_int_equal(it->window_until, INT32_MAX);
    /* a full-date pin in any slot */
    it = item_of(p, "tin-tong-ket-thi-dua");
    assert_int_equal(it->pins[0].day, day(2026, 12, 28));
    assert_int_equal(it->pins[0].program, -1);
    /* two target communes, mapped to district indices */
    it = item_of(p, "ps-nuoi-lon-den-bang-lang");
    assert_int_equal(it->n_communes, 2);
    assert_int_equal(it->communes[0], 1);
    assert_int_equal(it->communes[1], 2);
    assert_int_equal(p->pieces[it->piece].commune, 1);
    /* items in file order, with their lines */
    assert_int_equal(p->month.items[0].piece, plan_find_piece(p, "tin-phat-dong-thi-dua"));
    assert_int_equal(p->item_lines[0], line_of(buf, "[piece tin-phat-dong-thi-dua]"));
    for (size_t i = 0; i < p->month.n_items; i++)
        assert_int_not_equal(p->pieces[p->month.items[i].piece].genre, SCHED_GENRE_JINGLE);
    plan_free(p);
    g_free(buf);
}

/* What the parser gives passes the engine's own structural check. */
static void test_sample_validates(void **state)
{
    (void)state;
    const char *paths[] = {SAMPLE, MINIMAL};
    for (size_t k = 0; k < G_N_ELEMENTS(paths); k++) {
        gsize len;
        char *buf = read_sample(paths[k], &len);
        plan *p = parse_ok(buf);
        GTimeZone *tz = NULL;
        assert_int_equal(vtime_zone_new(p->timezone, &tz), 0);
        sched_input in = {&p->district, p->programs, p->n_programs, p->pieces, p->n_pieces,
                          &p->month,    tz,          INT64_MIN};
        char err[200] = "";
        int rc = sched_input_validate(&in, err, sizeof err);
        if (rc != 0)
            print_message("%s: %s\n", paths[k], err);
        assert_int_equal(rc, 0);
        g_time_zone_unref(tz);
        plan_free(p);
        g_free(buf);
    }
}

static void test_minimal(void **state)
{
    (void)state;
    gsize len;
    char *buf = read_sample(MINIMAL, &len);
    plan *p = parse_ok(buf);
    assert_null(p->timezone);
    assert_int_equal(p->district.n_communes, 2);
    assert_int_equal(p->district.n_boxes, 0);
    assert_int_equal(p->n_programs, 1);
    assert_int_equal(p->n_pieces, 2);
    assert_int_equal(p->month.n_items, 2);
    assert_null(p->month.theme);
    assert_int_equal(p->month.items[0].airings, 4);
    assert_int_equal(p->month.items[1].airings, 3);
    assert_int_equal(p->pieces[1].duration_ms, 270000);
    plan_free(p);
    g_free(buf);
}

/* ---- accepted forms ---- */

/* Windows editors: BOM and CRLF. */
static void test_bom_crlf(void **state)
{
    (void)state;
    gsize len;
    char *buf = read_sample(MINIMAL, &len);
    char **lines = g_strsplit(buf, "\n", -1);
    char *joined = g_strjoinv("\r\n", lines);
    char *text = g_strconcat("\xEF\xBB\xBF", joined, NULL);
    plan *p = parse_ok(text);
    assert_string_equal(p->district.communes[1].name, "Bản Thi");
    assert_string_equal(p->pieces[0].title, "Xã Bằng Lãng ra quân làm đường giao thông nông thôn");
    assert_int_equal(p->program_lines[0], 10);
    plan_free(p);
    g_free(text);
    g_free(joined);
    g_strfreev(lines);
    g_free(buf);
}

/* The same name typed decomposed (NFD, some keyboards) matches the composed one. */
static void test_nfd_matches_nfc(void **state)
{
    (void)state;
    char *nfd = g_utf8_normalize("Bằng Lãng", -1, G_NORMALIZE_NFD);
    assert_string_not_equal(nfd, "Bằng Lãng");
    char *text = g_strconcat(HEAD, "[box b1]\ncommune = ", nfd, "\n", NULL);
    plan *p = parse_ok(text);
    assert_int_equal(p->district.boxes[0].commune, 0);
    assert_string_equal(p->district.boxes[0].name, "b1"); /* name defaults to the id */
    plan_free(p);
    g_free(text);
    g_free(nfd);
}

static void test_vocabulary_forms(void **state)
{
    (void)state;
    plan *p = parse_ok(HEAD "[program a]\ntitle = A\ndays = T2, t4, CN\nstart = 6:00\nlength = 1\n"
                            "[program b]\ntitle = B\ndays = mon, Wed\nstart = 07:00:30\nlength = "
                            "1440\nfrom = 2026-12-01\nuntil = 2026-12-01\n"
                            "[program c]\ntitle = C\ndays = Hằng ngày\nstart = 23:59\nlength = 5\n"
                            "[piece x]\ntitle = Bản tin #1 ; có dấu thăng\ngenre = Phóng sự\n"
                            "duration = 185\npriority = Khẩn cấp\n"
                            "[piece y]\ntitle = Y\ngenre = INTERVIEW\nduration = 1:02:03\n"
                            "priority = emergency\n"
                            "[piece z]\ntitle = Z\ngenre = bài\nduration = 6:00:00\n");
    assert_int_equal(p->programs[0].weekdays, 0x01 | 0x04 | 0x40);
    assert_int_equal(p->programs[0].start_s, 6 * 3600);
    assert_int_equal(p->programs[0].length_s, 60);
    assert_int_equal(p->programs[1].weekdays, 0x05);
    assert_int_equal(p->programs[1].start_s, 7 * 3600 + 30);
    assert_int_equal(p->programs[1].length_s, 86400);
    assert_int_equal(p->programs[1].valid_from, day(2026, 12, 1));
    assert_int_equal(p->programs[1].valid_until, day(2026, 12, 1));
    assert_int_equal(p->programs[2].weekdays, 0x7f);
    assert_string_equal(p->pieces[0].title, "Bản tin #1 ; có dấu thăng"); /* values are whole */
    assert_int_equal(p->pieces[0].genre, SCHED_GENRE_REPORT);
    assert_int_equal(p->pieces[0].duration_ms, 185000);
    assert_int_equal(p->pieces[0].priority, SCHED_PRIO_EMERGENCY);
    assert_int_equal(p->pieces[1].genre, SCHED_GENRE_INTERVIEW);
    assert_int_equal(p->pieces[1].duration_ms, 3723000);
    assert_int_equal(p->pieces[2].genre, SCHED_GENRE_ARTICLE);
    assert_int_equal(p->pieces[2].duration_ms, 6 * 3600 * 1000);
    assert_int_equal(p->pieces[2].priority, SCHED_PRIO_NORMAL);
    plan_free(p);
}

static void test_targets_sorted_and_boxes(void **state)
{
    (void)state;
    plan *p = parse_ok(HEAD "[box z9]\ncommune = Nghĩa Tá\n[box a1]\ncommune = Bằng Lãng\n"
                            "[program a]\ntitle = A\nstart = 06:00\nlength = 30\n"
                            "communes = Nghĩa Tá, Bằng Lãng\n"
                            "[program b]\ntitle = B\nstart = 07:00\nlength = 30\n"
                            "boxes = a1, z9\n");
    assert_int_equal(p->programs[0].targets.kind, SCHED_TARGET_COMMUNES);
    assert_int_equal(p->programs[0].targets.n, 2);
    assert_int_equal(p->programs[0].targets.ids[0], 0);
    assert_int_equal(p->programs[0].targets.ids[1], 2);
    assert_int_equal(p->programs[1].targets.kind, SCHED_TARGET_BOXES);
    assert_int_equal(p->programs[1].targets.ids[0], 0); /* z9 is box 0 (file order) */
    assert_int_equal(p->programs[1].targets.ids[1], 1);
    assert_int_equal(plan_find_box(p, "a1"), 1);
    plan_free(p);
}

/* Pins on several lines and in one list; airings are raised to the number of pins. */
static void test_pins_raise_airings(void **state)
{
    (void)state;
    plan *p = parse_ok(HEAD PROG "[piece p]\ntitle = T\ngenre = tin\nduration = 60\n"
                                 "airings = 1\npin = 3 sang, 2026-12-04\npin = 5\n"
                                 "window = 2026-12-03 .. 5\n");
    const sched_plan_item *it = &p->month.items[0];
    assert_int_equal(it->n_pins, 3);
    assert_int_equal(it->airings, 3);
    assert_int_equal(it->pins[0].day, day(2026, 12, 3));
    assert_int_equal(it->pins[0].program, 0);
    assert_int_equal(it->pins[1].day, day(2026, 12, 4));
    assert_int_equal(it->pins[1].program, -1);
    assert_int_equal(it->pins[2].day, day(2026, 12, 5));
    assert_int_equal(it->window_from, day(2026, 12, 3));
    assert_int_equal(it->window_until, day(2026, 12, 5));
    plan_free(p);
}

/* No [month]: the plan has no month, full dates still work, items are still listed. */
static void test_no_month(void **state)
{
    (void)state;
    plan *p = parse_ok(HEAD_NO_MONTH PROG
                       "[piece p]\ntitle = T\ngenre = tin\nduration = 60\npin = 2027-01-05\n");
    assert_false(p->has_month);
    assert_int_equal(p->month.year, 0);
    assert_int_equal(p->month.n_items, 1);
    assert_int_equal(p->month.items[0].airings, 1);
    assert_int_equal(p->month.items[0].pins[0].day, day(2027, 1, 5));
    plan_free(p);
}

/* ---- one test per kind of mistake ---- */

static void test_err_invalid_line(void **state)
{
    (void)state;
    expect_error(HEAD "Bản tin sáng lúc 6 giờ\n", 6, "dòng không hợp lệ");
    expect_error(HEAD "= 5\n", 6, "thiếu tên khoá");
    expect_error(HEAD "[piece p01] # ghi chú\n", 6, "dòng mục không hợp lệ");
}

static void test_err_unknown_section(void **state)
{
    (void)state;
    expect_error(HEAD "[chuong-trinh sang]\ntitle = x\n", 6,
                 "loại mục không hợp lệ “chuong-trinh”");
}

static void test_err_section_id(void **state)
{
    (void)state;
    expect_error(HEAD "[piece]\ntitle = x\n", 6, "thiếu mã");
    expect_error(HEAD "[piece tin 01]\n", 6, "mã “tin 01” không hợp lệ");
    expect_error(HEAD "[piece tin-sáng]\n", 6, "không hợp lệ");
    char *long_id = g_strnfill(65, 'a');
    char *text = g_strconcat(HEAD "[box ", long_id, "]\ncommune = Bản Thi\n", NULL);
    expect_error(text, 6, "1–64 ký tự");
    g_free(text);
    g_free(long_id);
    expect_error(HEAD "[month 12]\n", 6, "không có mã");
}

static void test_err_duplicate_section(void **state)
{
    (void)state;
    expect_error(HEAD PROG "[program sang]\ntitle = Lặp\n", 10,
                 "[program sang] đã khai báo ở dòng 6");
    expect_error(HEAD "[month]\nmonth = 2027-01\n", 6, "[month] đã khai báo ở dòng 4");
}

static void test_err_key_outside_section(void **state)
{
    (void)state;
    expect_error("name = Chợ Đồn\n" HEAD, 1, "nằm ngoài mọi mục");
}

static void test_err_unknown_key(void **state)
{
    (void)state;
    expect_error(HEAD PROG "tiêu đề = Bản tin\n", 10, "khoá không hợp lệ “tiêu đề”");
    expect_error(HEAD PROG "colour = đỏ\n", 10, "các khoá hợp lệ: title, days, start, length");
}

static void test_err_duplicate_key(void **state)
{
    (void)state;
    expect_error(HEAD PROG "start = 07:00\n", 10, "khoá “start” lặp lại (đã có ở dòng 8)");
}

static void test_err_missing_key(void **state)
{
    (void)state;
    expect_error(HEAD "[program sang]\ntitle = Sáng\nstart = 06:00\n", 6,
                 "[program sang] thiếu khoá bắt buộc “length”");
    expect_error(HEAD "[piece p]\ntitle = T\nduration = 60\n", 6, "thiếu khoá bắt buộc “genre”");
    expect_error(HEAD "[box b]\nname = Cụm loa\n", 6, "thiếu khoá bắt buộc “commune”");
    expect_error("[district]\nname = X\n", 1, "thiếu khoá bắt buộc “communes”");
    expect_error(HEAD_NO_MONTH "[month]\ntheme = Chủ đề\n", 4, "thiếu khoá bắt buộc “month”");
}

static void test_err_empty_value(void **state)
{
    (void)state;
    expect_error(HEAD PROG "[piece p]\ntitle =\ngenre = tin\nduration = 60\n", 11,
                 "khoá “title” chưa có giá trị");
}

static void test_err_genre(void **state)
{
    (void)state;
    expect_error(HEAD "[piece p]\ntitle = T\ngenre = tin tức\nduration = 60\n", 8,
                 "thể loại không hợp lệ “tin tức”");
}

static void test_err_priority(void **state)
{
    (void)state;
    expect_error(HEAD "[piece p]\ntitle = T\ngenre = tin\nduration = 60\npriority = gấp\n", 10,
                 "mức ưu tiên không hợp lệ “gấp”");
}

static void test_err_start(void **state)
{
    (void)state;
    expect_error(HEAD "[program s]\ntitle = S\nstart = 25:00\nlength = 30\n", 8,
                 "giờ bắt đầu không hợp lệ “25:00”");
    expect_error(HEAD "[program s]\ntitle = S\nstart = 06:60\nlength = 30\n", 8, "giờ bắt đầu");
    expect_error(HEAD "[program s]\ntitle = S\nstart = sáng\nlength = 30\n", 8, "giờ bắt đầu");
}

static void test_err_length(void **state)
{
    (void)state;
    expect_error(HEAD "[program s]\ntitle = S\nstart = 06:00\nlength = 0\n", 9,
                 "thời lượng không hợp lệ “0”");
    expect_error(HEAD "[program s]\ntitle = S\nstart = 06:00\nlength = 1441\n", 9, "1 đến 1440");
    expect_error(HEAD "[program s]\ntitle = S\nstart = 06:00\nlength = 30 phút\n", 9, "thời lượng");
}

static void test_err_duration(void **state)
{
    (void)state;
    const char *bad[] = {"0", "3:75", "0:00", "6:00:01", "1:5", "-5", "2 phút", "1:60:00"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *text =
            g_strdup_printf(HEAD "[piece p]\ntitle = T\ngenre = tin\nduration = %s\n", bad[i]);
        char *needle = g_strdup_printf("độ dài không hợp lệ “%s”", bad[i]);
        expect_error(text, 9, needle);
        g_free(needle);
        g_free(text);
    }
}

static void test_err_dates(void **state)
{
    (void)state;
    expect_error(HEAD PROG "from = 2026-02-30\n", 10, "ngày không hợp lệ “2026-02-30”");
    expect_error(HEAD PROG "until = 30/12/2026\n", 10, "YYYY-MM-DD");
    expect_error(HEAD PROG "from = 2026-12-10\nuntil = 2026-12-01\n", 11,
                 "ngày kết thúc “until” 01/12/2026 trước ngày bắt đầu “from” 10/12/2026");
    expect_error(HEAD_NO_MONTH "[month]\nmonth = 2026-13\n", 5, "tháng không hợp lệ “2026-13”");
}

/* The engine cannot fill the calendar's last month (no day after it), so the parser must not
 * hand it one: the plan would pass the file check and then fail sched_input_validate. */
static void test_err_last_month_of_the_calendar(void **state)
{
    (void)state;
    expect_error(HEAD_NO_MONTH "[month]\nmonth = 9999-12\n", 5, "tháng không hợp lệ “9999-12”");
    plan *p = parse_ok(HEAD_NO_MONTH "[month]\nmonth = 9999-11\n");
    assert_int_equal(p->month.year, 9999);
    plan_free(p);
}

static void test_err_window(void **state)
{
    (void)state;
    const char *piece = "[piece p]\ntitle = T\ngenre = tin\nduration = 60\n"; /* lines 6-9 */
    char *t = g_strconcat(HEAD, piece, "window = 22 .. 15\n", NULL);
    expect_error(t, 10, "khung ngày bị đảo ngược");
    g_free(t);
    t = g_strconcat(HEAD, piece, "window = 15 - 22\n", NULL);
    expect_error(t, 10, "khung ngày không hợp lệ");
    g_free(t);
    t = g_strconcat(HEAD, piece, "window = 2026-11-28 .. 2026-12-03\n", NULL);
    expect_error(t, 10, "nằm ngoài tháng 12/2026");
    g_free(t);
    t = g_strconcat(HEAD, piece, "window = 1 .. 32\n", NULL);
    expect_error(t, 10, "ngày không hợp lệ “32”");
    g_free(t);
}

static void test_err_pin_dates(void **state)
{
    (void)state;
    const char *piece = "[piece p]\ntitle = T\ngenre = tin\nduration = 60\n"; /* lines 6-9 */
    char *t = g_strconcat(HEAD, piece, "pin = 2027-01-02\n", NULL);
    expect_error(t, 10, "ngày “2027-01-02” nằm ngoài tháng 12/2026");
    g_free(t);
    t = g_strconcat(HEAD_NO_MONTH, piece, "pin = 22\n", NULL);
    expect_error(t, 8, "cần mục [month]");
    g_free(t);
    t = g_strconcat(HEAD, piece, "window = 10 .. 20\npin = 21\n", NULL);
    expect_error(t, 11, "nằm ngoài khung ngày “window”");
    g_free(t);
    t = g_strconcat(HEAD, piece, "pin = 22 sang thêm\n", NULL);
    expect_error(t, 10, "ghim không hợp lệ");
    g_free(t);
}

static void test_err_unknown_commune(void **state)
{
    (void)state;
    expect_error(HEAD "[box b]\ncommune = Hà Nội\n", 7, "không có xã “Hà Nội”");
    expect_error(HEAD PROG "communes = Bản Thi, Bản Thy\n", 10, "không có xã “Bản Thy”");
    expect_error(HEAD "[piece p]\ntitle = T\ngenre = tin\nduration = 60\ncommune = Bằng Lủng\n", 10,
                 "không có xã “Bằng Lủng”");
    expect_error(HEAD "[piece p]\ntitle = T\ngenre = tin\nduration = 60\ncommunes = X\n", 10,
                 "không có xã “X”");
}

static void test_err_duplicate_in_list(void **state)
{
    (void)state;
    expect_error(HEAD PROG "communes = Bản Thi, Bằng Lãng, Bản Thi\n", 10,
                 "“Bản Thi” lặp lại trong danh sách “communes”");
    expect_error("[district]\nname = X\ncommunes = A, B, A\n", 3, "xã “A” lặp lại");
    expect_error(HEAD PROG "days = T2, T3, T2\n", 10, "“T2” lặp lại");
    expect_error(HEAD PROG "communes = Bản Thi,, Bằng Lãng\n", 10, "mục trống");
}

static void test_err_days(void **state)
{
    (void)state;
    expect_error(HEAD PROG "days = T2, T8\n", 10, "ngày trong tuần không hợp lệ “T8”");
}

static void test_err_unknown_box(void **state)
{
    (void)state;
    expect_error(HEAD PROG "boxes = bang-lang-9\n", 10, "không có cụm loa “bang-lang-9”");
}

static void test_err_communes_and_boxes(void **state)
{
    (void)state;
    expect_error(HEAD "[box b]\ncommune = Bản Thi\n" PROG "communes = Bản Thi\nboxes = b\n", 13,
                 "chỉ dùng một trong hai khoá");
}

static void test_err_unknown_program_in_pin(void **state)
{
    (void)state;
    expect_error(HEAD PROG "[piece p]\ntitle = T\ngenre = tin\nduration = 60\npin = 22 toi\n", 14,
                 "không có chương trình “toi”");
}

static void test_err_pin_program_day(void **state)
{
    (void)state;
    /* 22/12/2026 is a Tuesday; the programme runs on Saturdays */
    expect_error(HEAD PROG "days = T7\n[piece p]\ntitle = T\ngenre = tin\nduration = 60\n"
                           "pin = 22 sang\n",
                 15, "không phát vào ngày 22/12/2026 (T3)");
    expect_error(HEAD PROG "[piece p]\ntitle = T\ngenre = tin\nduration = 60\n"
                           "pin = 22 sang\npin = 22 sang\n",
                 15, "ghim trùng");
}

static void test_err_intro_outro(void **state)
{
    (void)state;
    expect_error(HEAD PROG "intro = nhac-hieu\n", 10, "không có tin bài “nhac-hieu”");
    expect_error(HEAD PROG "outro = p\n[piece p]\ntitle = T\ngenre = tin\nduration = 60\n", 10,
                 "“outro” phải là một nhạc hiệu, nhưng [piece p] có thể loại “tin”");
}

static void test_err_jingles_fill_programme(void **state)
{
    (void)state;
    expect_error(HEAD "[program s]\ntitle = S\nstart = 06:00\nlength = 1\nintro = j1\n"
                      "outro = j2\n[piece j1]\ntitle = A\ngenre = jingle\nduration = 40\n"
                      "[piece j2]\ntitle = B\ngenre = jingle\nduration = 30\n",
                 9, "chiếm hết chương trình dài 1 phút");
}

static void test_err_constraint_on_jingle(void **state)
{
    (void)state;
    expect_error(HEAD "[piece j]\ntitle = Nhạc hiệu\ngenre = nhạc hiệu\nduration = 0:20\n"
                      "airings = 3\n",
                 10, "khoá “airings” không dùng cho nhạc hiệu");
    expect_error(HEAD PROG "[piece j]\ntitle = Nhạc hiệu\ngenre = jingle\nduration = 20\n"
                           "pin = 3 sang\n",
                 14, "khoá “pin” không dùng cho nhạc hiệu");
}

static void test_err_airings(void **state)
{
    (void)state;
    expect_error(HEAD "[piece p]\ntitle = T\ngenre = tin\nduration = 60\nairings = 0\n", 10,
                 "số lần phát không hợp lệ “0”");
    expect_error(HEAD "[piece p]\ntitle = T\ngenre = tin\nduration = 60\nairings = 1001\n", 10,
                 "từ 1 đến 1000");
}

static void test_err_missing_district(void **state)
{
    (void)state;
    expect_error("[month]\nmonth = 2026-12\n", 0, "thiếu mục [district]");
    expect_error("", 0, "thiếu mục [district]");
    expect_error("# chỉ có ghi chú\n\n", 0, "thiếu mục [district]");
}

static void test_err_no_communes(void **state)
{
    (void)state;
    expect_error("[district]\nname = Chợ Đồn\ncommunes =\n", 3, "huyện chưa có xã nào");
}

static void test_err_oversized(void **state)
{
    (void)state;
    char *title = g_strnfill(513, 'a');
    char *t =
        g_strconcat(HEAD "[piece p]\ntitle = ", title, "\ngenre = tin\nduration = 60\n", NULL);
    expect_error(t, 7, "giá trị của “title” quá dài: 513 byte (tối đa 512)");
    g_free(t);
    g_free(title);
    char *name = g_strnfill(257, 'b');
    t = g_strconcat("[district]\nname = ", name, "\ncommunes = A\n", NULL);
    expect_error(t, 2, "quá dài: 257 byte (tối đa 256)");
    g_free(t);
    t = g_strconcat("[district]\nname = X\ncommunes = A, ", name, "\n", NULL);
    expect_error(t, 3, "quá dài");
    g_free(t);
    g_free(name);
    /* more than 10,000 pins over several lines */
    GString *s = g_string_new(HEAD "[piece p]\ntitle = T\ngenre = tin\nduration = 60\n");
    for (int line = 0; line < 8; line++) {
        g_string_append(s, "pin = 1");
        for (int i = 0; i < 1300; i++)
            g_string_append(s, ", 1");
        g_string_append_c(s, '\n');
    }
    expect_error(s->str, 17, "quá nhiều ghim");
    g_string_free(s, TRUE);
    /* a line longer than 4096 bytes */
    char *pad = g_strnfill(4100, 'x');
    t = g_strconcat(HEAD "# ", pad, "\n", NULL);
    expect_error(t, 6, "dòng quá dài");
    g_free(t);
    g_free(pad);
}

static void test_err_file_too_large(void **state)
{
    (void)state;
    size_t len = (4u << 20) + 1;
    char *buf = g_malloc(len);
    memset(buf, '\n', len);
    memcpy(buf, HEAD, strlen(HEAD));
    expect_error_n(buf, len, 0, "quá lớn", 1);
    /* exactly 4 MiB is still read */
    plan *p = NULL;
    plan_diags d = {0};
    assert_int_equal(plan_parse(buf, len - 1, &p, &d), 0);
    plan_free(p);
    plan_diags_clear(&d);
    g_free(buf);
}

static void test_err_utf8(void **state)
{
    (void)state;
    /* "Chợ Đồn" in Windows-1258 bytes, as an old editor would save it */
    expect_error("[district]\nname = Ch\xF5 \xD0\xF4\xD2n\ncommunes = A\n", 2, "UTF-8");
    const char nul[] = "[district]\nname = X\ncommunes = A\n[month]\x00\n";
    expect_error_n(nul, sizeof nul - 1, 4, "UTF-8", 1);
}

/* Errors from both passes come out together, in line order. */
static void test_several_errors_in_line_order(void **state)
{
    (void)state;
    const char *text = HEAD  /* 1-5 */
        "[box b]\n"          /* 6 */
        "commune = Hà Nội\n" /* 7: unknown commune (build pass) */
        "[program sang]\n"   /* 8: missing length (build pass) */
        "title = Sáng\n"     /* 9 */
        "start = 25:00\n"    /* 10: bad start */
        "xin chào\n"         /* 11: invalid line (lexer) */
        "[piece p]\n"        /* 12 */
        "title = T\n"        /* 13 */
        "genre = tin\n"      /* 14 */
        "duration = 3:75\n"  /* 15: bad duration */
        "title = U\n";       /* 16: duplicate key (lexer) */
    plan *p = NULL;
    plan_diags d = {0};
    assert_int_equal(plan_parse(text, strlen(text), &p, &d), -EINVAL);
    assert_null(p);
    const int lines[] = {7, 8, 10, 11, 15, 16};
    const char *words[] = {"Hà Nội", "length", "25:00", "dòng không hợp lệ", "3:75", "lặp lại"};
    if (d.n != G_N_ELEMENTS(lines))
        dump(&d);
    assert_int_equal(d.n, G_N_ELEMENTS(lines));
    for (size_t i = 0; i < d.n; i++) {
        assert_int_equal(d.items[i].line, lines[i]);
        assert_non_null(strstr(d.items[i].message, words[i]));
    }
    plan_diags_clear(&d);
}

/* A garbage file gets a bounded list, ending with how many were left out. */
static void test_too_many_errors(void **state)
{
    (void)state;
    GString *s = g_string_new(NULL);
    for (int i = 0; i < 3000; i++)
        g_string_append(s, "rác\n");
    plan *p = NULL;
    plan_diags d = {0};
    assert_int_equal(plan_parse(s->str, s->len, &p, &d), -EINVAL);
    assert_true(d.n > 100 && d.n <= 1001);
    assert_int_equal(d.items[0].line, 1);
    assert_non_null(strstr(d.items[d.n - 1].message, "lỗi khác"));
    for (size_t i = 1; i < d.n; i++)
        assert_true(d.items[i].line >= d.items[i - 1].line);
    plan_diags_clear(&d);
    g_string_free(s, TRUE);
}

/* ---- robustness ---- */

static void check_outcome(const char *buf, size_t len)
{
    plan *p = NULL;
    plan_diags d = {0};
    int rc = plan_parse(buf, len, &p, &d);
    int n_lines = 1;
    for (size_t i = 0; i < len; i++)
        n_lines += buf[i] == '\n';
    if (rc == 0) {
        assert_non_null(p);
        assert_int_equal(d.n, 0);
    } else {
        assert_int_equal(rc, -EINVAL);
        assert_null(p);
        assert_true(d.n > 0);
    }
    for (size_t i = 0; i < d.n; i++) {
        assert_true(d.items[i].line >= 0 && d.items[i].line <= n_lines);
        assert_true(i == 0 || d.items[i].line >= d.items[i - 1].line);
        assert_true(g_utf8_validate(d.items[i].message, -1, NULL));
    }
    plan_free(p);
    plan_diags_clear(&d);
}

static void test_every_prefix(void **state)
{
    (void)state;
    gsize len;
    char *buf = read_sample(SAMPLE, &len);
    /* an exact-size copy per prefix, so ASan sees any read past the end */
    for (size_t n = 0; n <= len; n++) {
        char *copy = g_memdup2(buf, n);
        check_outcome(copy, n);
        g_free(copy);
    }
    g_free(buf);
}

static void test_random_mutations(void **state)
{
    (void)state;
    static const char *const bits[] = {
        "[",      "]", "=", "\n",   "\r\n",         ",",          " .. ",
        "#",      ";", " ", "ấ",    "\xE1",         "\xC2\xA0",   "[piece ",
        "pin = ", "1", ":", "\x00", "[district]\n", "communes = "};
    gsize len;
    char *sample = read_sample(SAMPLE, &len);
    GRand *r = g_rand_new_with_seed(20261222);
    for (int iter = 0; iter < 1500; iter++) {
        GString *s = g_string_new_len(sample, (gssize)len);
        int edits = g_rand_int_range(r, 1, 12);
        for (int k = 0; k < edits; k++) {
            gsize at = (gsize)g_rand_int_range(r, 0, (gint32)s->len + 1);
            const char *b = bits[g_rand_int_range(r, 0, G_N_ELEMENTS(bits))];
            if (g_rand_boolean(r))
                g_string_insert_len(s, (gssize)at, b, b[0] ? (gssize)strlen(b) : 1);
            else if (at < s->len)
                g_string_erase(s, (gssize)at, g_rand_int_range(r, 1, 40));
        }
        char *copy = g_memdup2(s->str, s->len);
        check_outcome(copy, s->len);
        g_free(copy);
        g_string_free(s, TRUE);
    }
    /* and pure noise */
    for (int iter = 0; iter < 300; iter++) {
        size_t n = (size_t)g_rand_int_range(r, 0, 600);
        GString *s = g_string_new(NULL);
        while (s->len < n) {
            const char *b = bits[g_rand_int_range(r, 0, G_N_ELEMENTS(bits))];
            g_string_append_len(s, b, b[0] ? (gssize)strlen(b) : 1);
        }
        check_outcome(s->str, s->len);
        g_string_free(s, TRUE);
    }
    g_rand_free(r);
    g_free(sample);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    plan *p = NULL;
    assert_int_equal(plan_parse(NULL, 5, &p, NULL), -EINVAL);
    assert_int_equal(plan_parse("x", 1, NULL, NULL), -EINVAL);
    /* diags may be NULL: the errors are then only counted */
    assert_int_equal(plan_parse("x", 1, &p, NULL), -EINVAL);
    assert_null(p);
    plan_free(NULL);
    plan_diags_clear(NULL);
    assert_int_equal(plan_find_piece(NULL, "x"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_district),
        cmocka_unit_test(test_sample_programs),
        cmocka_unit_test(test_sample_pieces),
        cmocka_unit_test(test_sample_validates),
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_bom_crlf),
        cmocka_unit_test(test_nfd_matches_nfc),
        cmocka_unit_test(test_vocabulary_forms),
        cmocka_unit_test(test_targets_sorted_and_boxes),
        cmocka_unit_test(test_pins_raise_airings),
        cmocka_unit_test(test_no_month),
        cmocka_unit_test(test_err_invalid_line),
        cmocka_unit_test(test_err_unknown_section),
        cmocka_unit_test(test_err_section_id),
        cmocka_unit_test(test_err_duplicate_section),
        cmocka_unit_test(test_err_key_outside_section),
        cmocka_unit_test(test_err_unknown_key),
        cmocka_unit_test(test_err_duplicate_key),
        cmocka_unit_test(test_err_missing_key),
        cmocka_unit_test(test_err_empty_value),
        cmocka_unit_test(test_err_genre),
        cmocka_unit_test(test_err_priority),
        cmocka_unit_test(test_err_start),
        cmocka_unit_test(test_err_length),
        cmocka_unit_test(test_err_duration),
        cmocka_unit_test(test_err_dates),
        cmocka_unit_test(test_err_last_month_of_the_calendar),
        cmocka_unit_test(test_err_window),
        cmocka_unit_test(test_err_pin_dates),
        cmocka_unit_test(test_err_unknown_commune),
        cmocka_unit_test(test_err_duplicate_in_list),
        cmocka_unit_test(test_err_days),
        cmocka_unit_test(test_err_unknown_box),
        cmocka_unit_test(test_err_communes_and_boxes),
        cmocka_unit_test(test_err_unknown_program_in_pin),
        cmocka_unit_test(test_err_pin_program_day),
        cmocka_unit_test(test_err_intro_outro),
        cmocka_unit_test(test_err_jingles_fill_programme),
        cmocka_unit_test(test_err_constraint_on_jingle),
        cmocka_unit_test(test_err_airings),
        cmocka_unit_test(test_err_missing_district),
        cmocka_unit_test(test_err_no_communes),
        cmocka_unit_test(test_err_oversized),
        cmocka_unit_test(test_err_file_too_large),
        cmocka_unit_test(test_err_utf8),
        cmocka_unit_test(test_several_errors_in_line_order),
        cmocka_unit_test(test_too_many_errors),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_random_mutations),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
