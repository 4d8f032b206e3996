/* cmd_report: `report YYYY-MM|YYYY-Qn|YYYY [--csv | --evidence-csv | --json] [--contract ID]`
 * prints the airtime report (report.h) of a data dir: a Vietnamese table, or one of the CSV
 * exports (UTF-8 with BOM) or the JSON on stdout. Reads only. Exit 2 for a bad command line or
 * period, 1 when the report cannot be made. */
#include "commands.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "store.h"
#include "vtime.h"

#define PROG "loalangd"

typedef struct opts {
    gboolean csv, evidence_csv, json;
    gint64 contract;
    char *tz;
} opts;

static int parse_opts(int *argc, char ***argv, opts *o)
{
    GOptionEntry entries[] = {
        {"csv", 0, 0, G_OPTION_ARG_NONE, &o->csv, "in bảng theo dòng hợp đồng dạng CSV", NULL},
        {"evidence-csv", 0, 0, G_OPTION_ARG_NONE, &o->evidence_csv,
         "in bằng chứng (mỗi lượt phát, mỗi cụm loa) dạng CSV", NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &o->json, "in báo cáo dạng JSON", NULL},
        {"contract", 0, 0, G_OPTION_ARG_INT64, &o->contract,
         "mã hợp đồng (mặc định: hợp đồng của kỳ)", "MÃ"},
        {"tz", 0, 0, G_OPTION_ARG_STRING, &o->tz, "múi giờ (mặc định Asia/Ho_Chi_Minh)", "TÊN"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    return cli_parse(PROG, "KỲ — báo cáo thời lượng phát sóng", entries, argc, argv);
}

static json_int_t num(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void vn_date(const char *iso, char buf[16])
{
    int32_t day = 0;
    buf[0] = '\0';
    if (vtime_parse_date(iso, &day) == 0)
        vtime_format_date_vn(day, buf, 16);
}

static void fmt_minutes(json_int_t ms, char *buf, size_t len)
{
    json_int_t tenths = (ms * 10 + 30000) / 60000;
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT ".%" JSON_INTEGER_FORMAT, tenths / 10, tenths % 10);
}

static void fmt_percent(json_int_t pm, char *buf, size_t len)
{
    if (pm < 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%" JSON_INTEGER_FORMAT ".%" JSON_INTEGER_FORMAT "%%", pm / 10, pm % 10);
}

static void print_line(const char *label, const json_t *l)
{
    char ms[32], md[32], pd[32], pr[32];
    fmt_minutes(num(l, "ms_scheduled"), ms, sizeof ms);
    fmt_minutes(num(l, "ms_delivered"), md, sizeof md);
    fmt_percent(num(l, "delivered_permille"), pd, sizeof pd);
    fmt_percent(num(l, "reached_permille"), pr, sizeof pr);
    printf("%s\t%" JSON_INTEGER_FORMAT "\t%" JSON_INTEGER_FORMAT "\t%" JSON_INTEGER_FORMAT
           "\t%" JSON_INTEGER_FORMAT "\t%" JSON_INTEGER_FORMAT "\t%" JSON_INTEGER_FORMAT
           "\t%" JSON_INTEGER_FORMAT "\t%s\t%s\t%s\t%s\n",
           label, num(l, "pieces_contracted"), num(l, "pieces_approved"), num(l, "pieces_aired"),
           num(l, "airings_contracted"), num(l, "airings_scheduled"), num(l, "airings_reached"),
           num(l, "airings_missed"), ms, md, pd, pr);
}

static void print_head(const json_t *r)
{
    json_t *p = json_object_get(r, "period"), *c = json_object_get(r, "contract");
    char from[16], until[16];
    vn_date(str(p, "from"), from);
    vn_date(str(p, "until"), until);
    printf("Báo cáo thời lượng phát sóng — %s (%s – %s)\n", str(p, "label"), from, until);
    if (json_is_object(c)) {
        vn_date(str(c, "from"), from);
        vn_date(str(c, "until"), until);
        printf("Hợp đồng số %" JSON_INTEGER_FORMAT ": %s (%s – %s)\n", num(c, "id"),
               str(c, "title"), from, until);
    } else {
        printf("Chưa có hợp đồng cho kỳ này: chỉ có số liệu phát sóng.\n");
    }
    printf("Lượt phát đạt khi ít nhất %" JSON_INTEGER_FORMAT "%% cụm loa được giao phát trọn "
           "(hoặc phát ít nhất %" JSON_INTEGER_FORMAT "%% thời lượng).\n\n",
           num(r, "reach_permille") / 10, num(r, "partial_permille") / 10);
}

static void print_lines(const json_t *r)
{
    json_t *lines = json_object_get(r, "lines");
    printf("Thể loại\tTin/bài HĐ\tĐã duyệt\tĐã phát\tLượt HĐ\tLượt xếp lịch\tLượt đạt\t"
           "Không đạt\tPhút lịch\tPhút đã phát\tTỷ lệ phút\tTỷ lệ lượt đạt\n");
    for (size_t i = 0; i < json_array_size(lines); i++)
        print_line(str(json_array_get(lines, i), "label"), json_array_get(lines, i));
    print_line("Tổng cộng", json_object_get(r, "totals"));
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *l = json_array_get(lines, i), *oob = json_object_get(l, "out_of_bounds");
        for (size_t k = 0; k < json_array_size(oob); k++) {
            char d[16];
            vtime_format_duration(num(json_array_get(oob, k), "duration_ms"), d, sizeof d);
            printf("Ngoài giới hạn thời lượng (%s): %s — %s\n", str(l, "label"),
                   str(json_array_get(oob, k), "title"), d);
        }
    }
}

static void print_names(const char *title, const json_t *names)
{
    printf("%s: ", title);
    if (json_array_size(names) == 0)
        printf("không có");
    for (size_t i = 0; i < json_array_size(names); i++)
        printf("%s%s", i ? ", " : "", json_string_value(json_array_get(names, i)));
    printf("\n");
}

static void print_totals(const json_t *r)
{
    char a[32], b[32];
    fmt_minutes(num(r, "box_airtime_ms"), a, sizeof a);
    fmt_minutes(num(r, "programme_airtime_ms"), b, sizeof b);
    printf("\nLượt phát trong kỳ: %" JSON_INTEGER_FORMAT ", đạt: %" JSON_INTEGER_FORMAT "\n",
           num(r, "airings_scheduled"), num(r, "airings_reached"));
    printf("Thời lượng phát của các cụm loa: %s phút (loa-phút)\n", a);
    printf("Thời lượng chương trình đạt: %s phút\n\n", b);
    printf("Xã\tSố cụm loa\tLượt xếp lịch\tLượt đạt\tLoa-phút\tĐiển hình đã nghe\n");
    json_t *communes = json_object_get(r, "communes");
    for (size_t i = 0; i < json_array_size(communes); i++) {
        json_t *c = json_array_get(communes, i);
        fmt_minutes(num(c, "box_airtime_ms"), a, sizeof a);
        printf("%s\t%" JSON_INTEGER_FORMAT "\t%" JSON_INTEGER_FORMAT "\t%" JSON_INTEGER_FORMAT
               "\t%s\t%" JSON_INTEGER_FORMAT "\n",
               str(c, "name"), num(c, "boxes"), num(c, "airings_scheduled"),
               num(c, "airings_reached"), a, num(c, "exemplars_heard"));
    }
    char *t =
        g_strdup_printf("\nXã chưa có điển hình của mình được phát trong năm %" JSON_INTEGER_FORMAT,
                        num(json_object_get(r, "exemplar_year"), "year"));
    print_names(t, json_object_get(json_object_get(r, "exemplar_year"), "missing"));
    g_free(t);
}

static int emit(const json_t *r, const opts *o, GTimeZone *tz)
{
    char *text = NULL;
    size_t len = 0;
    if (o->json) {
        text = json_dumps(r, JSON_INDENT(2));
        len = text ? strlen(text) : 0;
    } else if (o->csv) {
        report_csv(r, &text, &len);
    } else if (o->evidence_csv) {
        report_evidence_csv(r, tz, &text, &len);
    } else {
        print_head(r);
        print_lines(r);
        print_totals(r);
        return 0;
    }
    if (!text)
        return -ENOMEM;
    fwrite(text, 1, len, stdout);
    if (o->json)
        putchar('\n');
    free(text);
    return 0;
}

static int make_report(const cmd_globals *g, const report_period *p, const opts *o, GTimeZone *tz)
{
    store *s = NULL;
    json_t *r = NULL;
    report_opts ro = {.tz = tz, .contract_id = o->contract, .evidence = o->evidence_csv};
    int rc = cmd_store_open(g, &s);
    if (rc != 0)
        return 1;
    rc = report_build(s, p, &ro, &r);
    if (rc == -ENOENT && o->contract > 0)
        cli_error(PROG, "không có hợp đồng số %" G_GINT64_FORMAT, o->contract);
    else if (rc != 0)
        cli_error(PROG, "không lập được báo cáo: %s", store_errmsg(s));
    if (rc == 0 && emit(r, o, tz) != 0) {
        cli_error(PROG, "hết bộ nhớ");
        rc = -ENOMEM;
    }
    json_decref(r);
    store_close(s);
    return rc ? 1 : 0;
}

int cmd_report(const cmd_globals *g, int argc, char **argv)
{
    opts o = {0};
    report_period p;
    GTimeZone *tz = NULL;
    int status = 2;
    if (parse_opts(&argc, &argv, &o) != 0)
        goto out;
    if (argc != 2 || o.csv + o.evidence_csv + o.json > 1) {
        cli_error(PROG,
                  "cách dùng: %s -d THƯ_MỤC report YYYY-MM|YYYY-Qn|YYYY "
                  "[--csv|--evidence-csv|--json] [--contract MÃ]",
                  PROG);
        goto out;
    }
    if (report_period_parse(argv[1], &p) != 0) {
        cli_error(PROG, "kỳ báo cáo không hợp lệ: \"%s\" (dùng YYYY-MM, YYYY-Qn hoặc YYYY)",
                  argv[1]);
        goto out;
    }
    if (vtime_zone_new(o.tz, &tz) != 0) {
        cli_error(PROG, "múi giờ không hợp lệ: \"%s\"", o.tz);
        goto out;
    }
    if (!g->data_dir) {
        cli_error(PROG, "thiếu thư mục dữ liệu: dùng -d THƯ_MỤC");
        goto out;
    }
    status = make_report(g, &p, &o, tz);
out:
    if (tz)
        g_time_zone_unref(tz);
    g_free(o.tz);
    return status;
}
