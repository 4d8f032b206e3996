/* cmd_contract: `contract add TITLE --from D --until D [--reach PERCENT]`, `contract line ID
 * --genre G (--pieces-per-month N | --pieces-per-period N) --airings-per-piece N
 * [--min-minutes M] [--max-minutes M]` and `contract list` on a data dir. Each change runs in
 * one write transaction with its audit row (who = "cli:<unix user>"). Vietnamese messages on
 * stderr; exit 1 refused, 2 bad command line. */
#include "commands.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model.h"
#include "store.h"
#include "store_contracts.h"
#include "vtime.h"

#define PROG "loalangd"
#define USAGE                                                                                      \
    "cách dùng: " PROG " -d THƯ_MỤC contract add TÊN --from YYYY-MM-DD --until YYYY-MM-DD "    \
    "[--reach PHẦN_TRĂM] | contract line MÃ --genre THỂ_LOẠI --pieces-per-month N "        \
    "--airings-per-piece N [--min-minutes M] [--max-minutes M] | contract list"

typedef struct opts {
    char *from, *until, *genre;
    gint reach;
    gint per_month, per_period, airings;
    gdouble min_minutes, max_minutes;
} opts;

static int parse_opts(int *argc, char ***argv, opts *o)
{
    GOptionEntry entries[] = {
        {"from", 0, 0, G_OPTION_ARG_STRING, &o->from, "ngày bắt đầu hợp đồng", "YYYY-MM-DD"},
        {"until", 0, 0, G_OPTION_ARG_STRING, &o->until, "ngày kết thúc hợp đồng", "YYYY-MM-DD"},
        {"reach", 0, 0, G_OPTION_ARG_INT, &o->reach,
         "tỷ lệ cụm loa phải phát để lượt phát đạt (mặc định 80)", "PHẦN_TRĂM"},
        {"genre", 0, 0, G_OPTION_ARG_STRING, &o->genre, "news, article, report hoặc interview",
         "THỂ_LOẠI"},
        {"pieces-per-month", 0, 0, G_OPTION_ARG_INT, &o->per_month, "số tin/bài mỗi tháng", "N"},
        {"pieces-per-period", 0, 0, G_OPTION_ARG_INT, &o->per_period,
         "số tin/bài cho cả thời hạn hợp đồng", "N"},
        {"airings-per-piece", 0, 0, G_OPTION_ARG_INT, &o->airings, "số lượt phát mỗi tin/bài", "N"},
        {"min-minutes", 0, 0, G_OPTION_ARG_DOUBLE, &o->min_minutes, "thời lượng tối thiểu", "M"},
        {"max-minutes", 0, 0, G_OPTION_ARG_DOUBLE, &o->max_minutes, "thời lượng tối đa", "M"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    return cli_parse(PROG, "add|line|list — hợp đồng phát sóng", entries, argc, argv);
}

typedef int (*change_fn)(store *s, const char *who, json_t *in, int64_t *id);

/* Runs fn in one transaction; messages for refusals. */
static int run_change(const cmd_globals *g, change_fn fn, json_t *in, int64_t *id)
{
    store *s = NULL;
    char *who = cmd_who();
    int rc = cmd_store_open(g, &s);
    if (rc == 0 && (rc = store_begin(s)) == 0) {
        rc = fn(s, who, in, id);
        if (rc == 0)
            rc = store_commit(s);
        if (rc == -ENOENT)
            cli_error(PROG, "không có hợp đồng số %" PRId64, *id);
        else if (rc == -EINVAL)
            cli_error(PROG, "thông tin hợp đồng không hợp lệ (%s)", store_errmsg(s));
        else if (rc != 0)
            cli_error(PROG, "lỗi cơ sở dữ liệu: %s", store_errmsg(s));
        store_rollback(s);
    }
    store_close(s);
    g_free(who);
    return rc;
}

static int do_add(store *s, const char *who, json_t *in, int64_t *id)
{
    return store_contract_create(s, who, in, id);
}

static int do_line(store *s, const char *who, json_t *in, int64_t *id)
{
    return store_contract_line_set(s, who, *id, in);
}

static int contract_add(const cmd_globals *g, const char *title, const opts *o)
{
    int32_t day;
    int64_t id = 0;
    if (!o->from || !o->until || vtime_parse_date(o->from, &day) != 0 ||
        vtime_parse_date(o->until, &day) != 0 || o->reach < 0 || o->reach > 100) {
        cli_error(PROG, "cần --from và --until dạng YYYY-MM-DD, --reach từ 1 đến 100");
        return 2;
    }
    json_t *in = json_pack("{s:s, s:s, s:s, s:i}", "title", title, "from", o->from, "until",
                           o->until, "reach_permille", o->reach ? o->reach * 10 : 800);
    int rc = run_change(g, do_add, in, &id);
    json_decref(in);
    if (rc != 0)
        return 1;
    printf("%" PRId64 "\n", id);
    return 0;
}

static int contract_line(const cmd_globals *g, const char *id_text, const opts *o)
{
    char *end = NULL;
    int64_t id = g_ascii_strtoll(id_text, &end, 10);
    sched_genre genre = SCHED_GENRE_JINGLE;
    if (o->genre && (sched_genre_parse(o->genre, &genre) != 0 || genre == SCHED_GENRE_JINGLE)) {
        cli_error(PROG, "thể loại phải là news, article, report hoặc interview");
        return 2;
    }
    if (o->per_month && o->per_period) {
        cli_error(PROG, "chỉ dùng một trong --pieces-per-month và --pieces-per-period");
        return 2;
    }
    if (o->max_minutes > 0 && o->max_minutes < o->min_minutes) {
        cli_error(PROG, "--max-minutes phải lớn hơn hoặc bằng --min-minutes");
        return 2;
    }
    if (!o->genre || *end || id <= 0 || o->per_month < 0 || o->per_period < 0 || o->airings < 0 ||
        o->min_minutes < 0 || o->max_minutes < 0 || o->min_minutes > 1440 ||
        o->max_minutes > 1440) {
        cli_error(PROG, "%s", USAGE);
        return 2;
    }
    json_t *in = json_pack("{s:s, s:i, s:i, s:i, s:I, s:I}", "genre", o->genre, "pieces_per_month",
                           o->per_month, "pieces_per_period", o->per_period, "airings_per_piece",
                           o->airings, "min_ms", (json_int_t)(o->min_minutes * 60000.0 + 0.5),
                           "max_ms", (json_int_t)(o->max_minutes * 60000.0 + 0.5));
    int rc = run_change(g, do_line, in, &id);
    json_decref(in);
    if (rc != 0)
        return 1;
    printf("Đã đặt dòng \"%s\" của hợp đồng số %" PRId64 "\n", sched_genre_label_vn(genre), id);
    return 0;
}

static int contract_list(const cmd_globals *g)
{
    store *s = NULL;
    json_t *all = NULL;
    if (cmd_store_open(g, &s) != 0)
        return 1;
    int rc = store_contract_list(s, &all);
    if (rc != 0) {
        cli_error(PROG, "lỗi cơ sở dữ liệu: %s", store_errmsg(s));
    } else {
        char *text = json_dumps(json_object_get(all, "contracts"), JSON_INDENT(2));
        printf("%s\n", text ? text : "[]");
        free(text);
    }
    json_decref(all);
    store_close(s);
    return rc ? 1 : 0;
}

int cmd_contract(const cmd_globals *g, int argc, char **argv)
{
    opts o = {0};
    int status = 2;
    if (parse_opts(&argc, &argv, &o) != 0)
        goto out;
    if (argc == 3 && !strcmp(argv[1], "add"))
        status = contract_add(g, argv[2], &o);
    else if (argc == 3 && !strcmp(argv[1], "line"))
        status = contract_line(g, argv[2], &o);
    else if (argc == 2 && !strcmp(argv[1], "list"))
        status = contract_list(g);
    else
        cli_error(PROG, "%s", USAGE);
out:
    g_free(o.from);
    g_free(o.until);
    g_free(o.genre);
    return status;
}
