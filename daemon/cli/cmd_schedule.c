/* cmd_schedule: `loalangd schedule fill|check PLAN` — the engine on a hand-written plan file;
 * errors go to stderr as "FILE:LINE: message" (Vietnamese) so editors can jump to them. With
 * -d DIR and a YYYY-MM argument, `schedule fill YYYY-MM` fills the stored month plan into its
 * working schedule and `schedule publish YYYY-MM` publishes it (store_plans.h, publish.h). */
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api_words.h"
#include "cli.h"
#include "conflicts.h"
#include "publish.h"
#include "store.h"
#include "store_plans.h"
#include "fill.h"
#include "planfile.h"
#include "reason.h"
#include "schedule_view.h"
#include "store_refusal.h"
#include "vtime.h"
#include "wallclock.h"

#define PROG       "loalangd schedule"
#define CHECK_DAYS 366 /* conflicts over this many days when the plan names no month */

typedef struct opts {
    char *month, *tz, *now;
    gboolean json;
} opts;

/* Everything a run holds; released by run_clear. */
typedef struct run {
    const char *path;
    plan *p;
    GTimeZone *tz;
    char *tz_name;
    sched_input in;
} run;

static void run_clear(run *r)
{
    plan_free(r->p);
    if (r->tz)
        g_time_zone_unref(r->tz);
    g_free(r->tz_name);
}

static int load_plan(run *r)
{
    return schedule_view_load_plan(r->path, PROG, "chưa xếp lịch", &r->p);
}

/* The month comes from --month or the file; both must agree when both are given. */
static int settle_month(run *r, const char *month)
{
    sched_month_plan *m = &r->p->month;
    if (!month) {
        if (r->p->has_month)
            return 0;
        cli_error(PROG, "%s: tệp kế hoạch không ghi tháng; hãy thêm --month YYYY-MM", r->path);
        return -EINVAL;
    }
    int y, mo;
    if (vtime_parse_month(month, &y, &mo) != 0) {
        cli_error(PROG, "tháng không hợp lệ: “%s” (cần dạng YYYY-MM, ví dụ 2026-12)", month);
        return -EINVAL;
    }
    if (r->p->has_month && (m->year != y || m->month != mo)) {
        cli_error(PROG, "%s: kế hoạch là của tháng %02d/%04d, không phải %02d/%04d", r->path,
                  m->month, m->year, mo, y);
        return -EINVAL;
    }
    m->year = y;
    m->month = mo;
    return 0;
}

static int settle_zone_and_now(run *r, const opts *o)
{
    const char *name = o->tz ? o->tz : r->p->timezone ? r->p->timezone : VTIME_DEFAULT_ZONE;
    if (vtime_zone_new(name, &r->tz) != 0) {
        cli_error(PROG, "múi giờ không hợp lệ: “%s” (ví dụ Asia/Ho_Chi_Minh)", name);
        return -EINVAL;
    }
    r->tz_name = g_strdup(name);
    r->in = (sched_input){.district = &r->p->district,
                          .programs = r->p->programs,
                          .n_programs = r->p->n_programs,
                          .pieces = r->p->pieces,
                          .n_pieces = r->p->n_pieces,
                          .plan = &r->p->month,
                          .tz = r->tz,
                          .now_ms = INT64_MIN};
    if (o->now && vtime_parse_rfc3339(o->now, &r->in.now_ms) != 0) {
        cli_error(PROG,
                  "thời điểm --now không hợp lệ: “%s” (cần RFC 3339, ví dụ "
                  "2026-12-01T00:00:00+07:00)",
                  o->now);
        return -EINVAL;
    }
    return 0;
}

/* Prints each conflict; returns how many there are (or a negative error). */
static int report_conflicts(const run *r, int32_t from, int32_t until)
{
    sched_conflict *c = NULL;
    size_t n = 0;
    int rc = sched_conflicts(&r->p->district, r->p->programs, r->p->n_programs, from, until, r->tz,
                             &c, &n);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const sched_program *a = &r->p->programs[c[i].a], *b = &r->p->programs[c[i].b];
        char date[16], t0[16], t1[16];
        vtime_local l = {0};
        vtime_format_date_vn(c[i].day, date, sizeof date);
        vtime_utc_to_local(r->tz, c[i].overlap_from, &l);
        snprintf(t0, sizeof t0, "%02d:%02d", l.hour, l.minute);
        vtime_utc_to_local(r->tz, c[i].overlap_from + c[i].overlap_ms, &l);
        snprintf(t1, sizeof t1, "%02d:%02d", l.hour, l.minute);
        fprintf(stderr,
                "%s:%d: chương trình “%s” trùng giờ với “%s” (dòng %d) trên cùng xã/cụm loa: "
                "ngày %s từ %s đến %s\n",
                r->path, r->p->program_lines[c[i].a], a->title, b->title,
                r->p->program_lines[c[i].b], date, t0, t1);
    }
    g_free(c);
    return (int)n;
}

static int month_days(const run *r, int32_t *from, int32_t *until)
{
    const sched_month_plan *m = &r->p->month;
    int rc = vtime_day_from_civil(m->year, m->month, 1, from);
    *until = *from + vtime_days_in_month(m->year, m->month) - 1;
    return rc;
}

static int do_fill(run *r, const opts *o)
{
    int32_t from, until;
    if (month_days(r, &from, &until) != 0)
        return 1;
    int n = report_conflicts(r, from, until);
    if (n != 0) {
        fprintf(stderr,
                "%s: có chương trình trùng giờ; sửa lại rồi xếp lịch (xem “schedule "
                "check”).\n",
                r->path);
        return 1;
    }
    sched_fill_result *res = NULL;
    char err[256] = "";
    if (sched_fill(&r->in, &res, err, sizeof err) != 0) {
        cli_error(PROG, "không xếp được lịch: %s", err);
        return 1;
    }
    schedule_view v = {&r->in, res, r->p->district_name, r->tz_name};
    if (o->json) {
        json_t *j = schedule_view_json(&v);
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(j);
    } else {
        schedule_view_print(&v, stdout);
    }
    sched_fill_result_free(res);
    return 0;
}

/* Conflicts over the plan's month, or over a year from today when it names none; then, with
 * a month, what the fill could not place, as warnings. */
static int do_check(run *r)
{
    int32_t from, until;
    if (r->p->has_month) {
        if (month_days(r, &from, &until) != 0)
            return 1;
    } else {
        vtime_day_of(r->tz, wallclock_now_ms(), &from);
        until = from + CHECK_DAYS - 1;
    }
    int n = report_conflicts(r, from, until);
    if (n != 0) {
        fprintf(stderr, "%s: %d cặp chương trình trùng giờ.\n", r->path, n);
        return 1;
    }
    size_t warnings = 0;
    if (r->p->has_month) {
        sched_fill_result *res = NULL;
        if (sched_fill(&r->in, &res, NULL, 0) != 0)
            return 1;
        for (size_t i = 0; i < res->n_unplaced; i++, warnings++) {
            const sched_unplaced *u = &res->unplaced[i];
            char why[512];
            sched_reason_text(u, &r->in, why, sizeof why);
            fprintf(stderr, "%s:%d: cảnh báo: “%s” thiếu %u lần phát — %s\n", r->path,
                    r->p->piece_lines[u->piece], r->p->pieces[u->piece].title, u->missing, why);
        }
        sched_fill_result_free(res);
    }
    printf("Kế hoạch hợp lệ: %zu xã, %zu cụm loa, %zu chương trình, %zu tin bài trong tháng%s.\n",
           r->p->district.n_communes, r->p->district.n_boxes, r->p->n_programs, r->p->month.n_items,
           warnings ? " (có cảnh báo)" : "");
    return 0;
}

static int parse_opts(int *argc, char ***argv, opts *o)
{
    GOptionEntry entries[] = {
        {"month", 'm', 0, G_OPTION_ARG_STRING, &o->month, "tháng cần xếp lịch", "YYYY-MM"},
        {"json", 'j', 0, G_OPTION_ARG_NONE, &o->json, "in lịch dạng JSON", NULL},
        {"tz", 0, 0, G_OPTION_ARG_STRING, &o->tz,
         "múi giờ (mặc định theo tệp, rồi "
         "Asia/Ho_Chi_Minh)",
         "TÊN"},
        {"now", 0, 0, G_OPTION_ARG_STRING, &o->now, "bỏ qua các khung giờ trước thời điểm này",
         "RFC3339"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    return cli_parse(PROG, "fill|check KẾ_HOẠCH — xếp hoặc kiểm tra lịch", entries, argc, argv);
}

/* ---- on the data dir ---- */

static bool is_month(const char *s)
{
    int y, m;
    return vtime_parse_month(s, &y, &m) == 0;
}

static void print_skipped(const plan_input *pi)
{
    char why[API_WORDS_MAX];
    for (size_t i = 0; i < pi->n_skipped; i++) {
        api_words_say(pi->skipped[i].status ? "plan_skipped_not_approved" : "plan_skipped_gone",
                      NULL, why, sizeof why);
        printf("  • “%s” (%s): không xếp — %s\n", pi->skipped[i].title ? pi->skipped[i].title : "?",
               pi->skipped[i].piece_id, why);
    }
}

static int db_fill(store *s, const char *month, const opts *o, GTimeZone *tz, int64_t now)
{
    store_plan_fill_run fr = {0};
    store_refusal why = {0};
    char words[API_WORDS_MAX];
    char *who = cmd_who();
    int rc = store_begin(s);
    if (rc == 0) {
        rc = store_plan_fill(s, who, month, tz, now, &fr, &why);
        if (rc == 0)
            rc = store_commit(s);
        if (rc != 0) {
            store_rollback(s);
            cli_error(PROG, "%s", cmd_refusal_text(s, &why, words, sizeof words));
        }
    }
    if (rc == 0 && o->json) {
        json_t *j = store_plan_fill_json(s, &fr);
        if (j)
            rc = api_words_fill(j, &fr);
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(j);
    } else if (rc == 0) {
        schedule_view v = {&fr.pi.in, fr.res, NULL, o->tz ? o->tz : VTIME_DEFAULT_ZONE};
        schedule_view_print(&v, stdout);
        if (fr.pi.n_skipped) {
            printf("\nKHÔNG ĐƯA VÀO LỊCH: %zu tin bài\n", fr.pi.n_skipped);
            print_skipped(&fr.pi);
        }
        printf("\nĐã lưu %zu lần phát vào lịch đang soạn của tháng %.2s/%.4s (chưa công bố).\n",
               fr.res->n_airings, month + 5, month);
    }
    store_plan_fill_run_clear(&fr);
    g_free(who);
    return rc ? 1 : 0;
}

static int db_publish(store *s, const char *month, int64_t now)
{
    store_refusal why = {0};
    char words[API_WORDS_MAX];
    json_t *out = NULL;
    char *who = cmd_who();
    int rc = store_begin(s);
    if (rc == 0) {
        rc = publish_month(s, who, month, now, &out, &why);
        if (rc == 0)
            rc = store_commit(s);
        if (rc != 0) {
            store_rollback(s);
            cli_error(PROG, "%s", cmd_refusal_text(s, &why, words, sizeof words));
        }
    }
    if (rc == 0)
        printf("Đã công bố lịch tháng %.2s/%.4s, phiên bản %" JSON_INTEGER_FORMAT
               ": %" JSON_INTEGER_FORMAT " lần phát mới, %" JSON_INTEGER_FORMAT
               " giữ nguyên, %" JSON_INTEGER_FORMAT " rút lại.\n",
               month + 5, month, json_integer_value(json_object_get(out, "version")),
               json_integer_value(json_object_get(out, "new")),
               json_integer_value(json_object_get(out, "kept")),
               json_integer_value(json_object_get(out, "withdrawn")));
    json_decref(out);
    g_free(who);
    return rc ? 1 : 0;
}

static int on_data_dir(const cmd_globals *g, const char *what, const char *month, const opts *o)
{
    GTimeZone *tz = NULL;
    store *s = NULL;
    int64_t now = wallclock_now_ms();
    if (vtime_zone_new(o->tz, &tz) != 0) {
        cli_error(PROG, "múi giờ không hợp lệ: “%s” (ví dụ Asia/Ho_Chi_Minh)", o->tz);
        return 2;
    }
    if (o->now && vtime_parse_rfc3339(o->now, &now) != 0) {
        cli_error(PROG, "thời điểm --now không hợp lệ: “%s” (cần RFC 3339)", o->now);
        g_time_zone_unref(tz);
        return 2;
    }
    int status = 1;
    if (cmd_store_open(g, &s) == 0)
        status =
            strcmp(what, "fill") == 0 ? db_fill(s, month, o, tz, now) : db_publish(s, month, now);
    store_close(s);
    g_time_zone_unref(tz);
    return status;
}

int cmd_schedule(const cmd_globals *g, int argc, char **argv)
{
    opts o = {0};
    run r = {0};
    int status = 2;
    if (parse_opts(&argc, &argv, &o) != 0)
        goto out;
    if (argc == 3 && g->data_dir && is_month(argv[2]) &&
        (strcmp(argv[1], "fill") == 0 || strcmp(argv[1], "publish") == 0)) {
        status = on_data_dir(g, argv[1], argv[2], &o);
        goto out;
    }
    if (argc == 3 && !g->data_dir && is_month(argv[2]) &&
        !g_file_test(argv[2], G_FILE_TEST_EXISTS)) {
        cli_error(PROG, "xếp hoặc công bố lịch tháng %s cần thư mục dữ liệu: dùng -d THƯ_MỤC",
                  argv[2]);
        goto out;
    }
    if (argc == 3 && strcmp(argv[1], "publish") == 0) {
        cli_error(PROG, "cách dùng: loalangd -d THƯ_MỤC schedule publish YYYY-MM");
        goto out;
    }
    if (argc != 3 || (strcmp(argv[1], "fill") != 0 && strcmp(argv[1], "check") != 0)) {
        cli_error(PROG, "cách dùng: loalangd schedule fill|check KẾ_HOẠCH [--month YYYY-MM] "
                        "[--json] | loalangd -d THƯ_MỤC schedule fill|publish YYYY-MM");
        goto out;
    }
    r.path = argv[2];
    status = 1;
    if (load_plan(&r) != 0 || (strcmp(argv[1], "fill") == 0 && settle_month(&r, o.month) != 0) ||
        (o.month && strcmp(argv[1], "check") == 0 && settle_month(&r, o.month) != 0) ||
        settle_zone_and_now(&r, &o) != 0)
        goto out;
    status = strcmp(argv[1], "fill") == 0 ? do_fill(&r, &o) : do_check(&r);
out:
    run_clear(&r);
    g_free(o.month);
    g_free(o.tz);
    g_free(o.now);
    return status;
}
