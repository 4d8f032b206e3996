/* cmd_plan: `plan import FILE` (a plan file into the store: communes, programmes, the month
 * plan) and `airing add` (a one-off airing, published at once). Each runs in one write
 * transaction, so a refused command changes nothing. Messages for people are Vietnamese on
 * stderr; problems in a plan file are reported as FILE:LINE. Exit 1 refused, 2 bad usage.
 *
 * Import rules (docs/store.md, "Plans and publishing"):
 * - communes missing from the store are created; boxes are never created (they need tokens:
 *   `box add`), a [box] is matched to a registered box by name (its `name`, then its id); an
 *   unregistered box is skipped with a notice, unless a programme targets it (error);
 * - pieces must already be in the store: matched by id when the plan's id is a piece id,
 *   otherwise by exact title; they must be approved; a jingle must be a jingle;
 * - programmes are upserted by title (conflicts refused as for the API);
 * - the month plan's theme is set and its items are replaced by the file's. */
#include "commands.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api_words.h"
#include "cli.h"
#include "ids.h"
#include "publish.h"
#include "schedule_view.h"
#include "store.h"
#include "store_boxes.h"
#include "store_communes.h"
#include "store_piece_match.h"
#include "store_plans.h"
#include "store_programs.h"
#include "store_refusal.h"
#include "vtime.h"
#include "wallclock.h"

#define PROG "loalangd"

const char *cmd_refusal_text(store *s, const store_refusal *why, char *buf, size_t len)
{
    if (!why->code[0])
        return store_errmsg(s);
    api_words_refusal(why, buf, len);
    return buf;
}

/* ---- plan import ---- */

typedef struct import {
    const char *path;
    plan *p;
    GTimeZone *tz;
    char **box_names;   /* registered name of each plan box, or NULL */
    char **piece_ids;   /* store id of each plan piece */
    char **program_ids; /* store id of each plan programme */
    int errors;
    int communes_new, programs_new, programs_updated;
    char month[8];
} import;

static void import_clear(import *im)
{
    if (im->p) {
        for (size_t i = 0; im->box_names && i < im->p->district.n_boxes; i++)
            g_free(im->box_names[i]);
        for (size_t i = 0; im->piece_ids && i < im->p->n_pieces; i++)
            g_free(im->piece_ids[i]);
        for (size_t i = 0; im->program_ids && i < im->p->n_programs; i++)
            g_free(im->program_ids[i]);
    }
    g_free(im->box_names);
    g_free(im->piece_ids);
    g_free(im->program_ids);
    plan_free(im->p);
    if (im->tz)
        g_time_zone_unref(im->tz);
}

static void at_line(import *im, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void at_line(import *im, int line, const char *fmt, ...)
{
    va_list ap;
    if (line > 0)
        fprintf(stderr, "%s:%d: ", im->path, line);
    else
        fprintf(stderr, "%s: ", im->path);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    im->errors++;
}

static int import_communes(store *s, const char *who, import *im)
{
    for (size_t i = 0; i < im->p->district.n_communes; i++) {
        const char *name = im->p->district.communes[i].name;
        int64_t id;
        int rc = store_commune_find(s, name, &id);
        if (rc == -ENOENT) {
            rc = store_commune_add(s, who, name, NULL);
            im->communes_new += rc == 0;
        }
        if (rc != 0) {
            at_line(im, 0, "không thêm được xã “%s”: %s", name, store_errmsg(s));
            return rc;
        }
    }
    return 0;
}

static int import_boxes(store *s, import *im)
{
    store_box *v = NULL;
    size_t n = 0;
    int rc = store_box_list(s, &v, &n);
    im->box_names = g_new0(char *, im->p->district.n_boxes + 1);
    for (size_t i = 0; rc == 0 && i < im->p->district.n_boxes; i++) {
        const sched_box *b = &im->p->district.boxes[i];
        for (size_t k = 0; k < n && !im->box_names[i]; k++)
            if (!v[k].revoked && strcmp(v[k].name, b->name) == 0)
                im->box_names[i] = g_strdup(v[k].name);
        for (size_t k = 0; k < n && !im->box_names[i]; k++)
            if (!v[k].revoked && strcmp(v[k].name, b->id) == 0)
                im->box_names[i] = g_strdup(v[k].name);
        if (!im->box_names[i])
            printf("Bỏ qua cụm loa “%s” (%s): chưa đăng ký (đăng ký bằng \"box add\").\n", b->name,
                   b->id);
    }
    store_box_list_free(v, n);
    return rc;
}

/* The store's piece for plan piece i, by id then by title. */
static void match_piece(store *s, import *im, size_t i)
{
    const sched_piece *pc = &im->p->pieces[i];
    int line = im->p->piece_lines[i];
    store_piece_match m = {0};
    bool found = false;
    char *title = NULL;
    if (store_name_normalize(pc->title, 512, &title) != 0)
        title = g_strdup(pc->title);
    if (store_piece_match_find(s, pc->id, title, &m, &found) != 0) {
        at_line(im, line, "lỗi cơ sở dữ liệu: %s", store_errmsg(s));
    } else if (!found) {
        at_line(im, line,
                "không có tin bài “%s” trong cơ sở dữ liệu (nhập tệp âm thanh bằng \"piece "
                "import\" trước)",
                pc->title);
    } else {
        bool by_id = strcmp(m.id, pc->id) == 0;
        bool jingle = strcmp(m.genre, "jingle") == 0;
        if (strcmp(m.status, "approved") != 0)
            at_line(im, line, "tin bài “%s” chưa được duyệt", pc->title);
        else if (!by_id && m.approved_with_title > 1)
            at_line(im, line,
                    "có nhiều tin bài đã duyệt cùng tên “%s”: ghi mã tin bài (id) trong mục "
                    "[piece …] để chọn đúng",
                    pc->title);
        else if (jingle != (pc->genre == SCHED_GENRE_JINGLE))
            at_line(im, line, "tin bài “%s” trong cơ sở dữ liệu %s là nhạc hiệu", pc->title,
                    jingle ? "lại" : "không phải");
        else
            im->piece_ids[i] = g_strdup(m.id);
    }
    store_piece_match_clear(&m);
    g_free(title);
}

static json_t *targets_json(import *im, const sched_targets *t, size_t prog)
{
    if (t->kind == SCHED_TARGET_ALL)
        return json_pack("{s:s}", "kind", "all");
    bool boxes = t->kind == SCHED_TARGET_BOXES;
    json_t *names = json_array();
    for (size_t i = 0; i < t->n; i++) {
        const char *n = boxes ? im->box_names[t->ids[i]] : im->p->district.communes[t->ids[i]].name;
        if (!n)
            at_line(im, im->p->program_lines[prog],
                    "chương trình “%s” phát trên cụm loa “%s” chưa đăng ký (đăng ký bằng \"box "
                    "add\" trước)",
                    im->p->programs[prog].title, im->p->district.boxes[t->ids[i]].id);
        else
            json_array_append_new(names, json_string(n));
    }
    return json_pack("{s:s, s:o}", "kind", boxes ? "boxes" : "communes",
                     boxes ? "boxes" : "communes", names);
}

static json_t *date_json(int32_t day, int32_t open)
{
    if (day == open)
        return json_null();
    int y, m, d;
    char buf[16];
    vtime_civil_from_day(day, &y, &m, &d);
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return json_string(buf);
}

static json_t *program_json(import *im, size_t i)
{
    static const char *const days[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    const sched_program *p = &im->p->programs[i];
    json_t *wd = json_array();
    for (int k = 0; k < 7; k++)
        if (p->weekdays & (1 << k))
            json_array_append_new(wd, json_string(days[k]));
    char start[16];
    snprintf(start, sizeof start, "%02d:%02d:%02d", p->start_s / 3600, p->start_s / 60 % 60,
             p->start_s % 60);
    return json_pack("{s:s, s:o, s:s, s:i, s:o, s:o, s:o, s:s?, s:s?}", "title", p->title,
                     "weekdays", wd, "start", start, "length", p->length_s / 60, "valid_from",
                     date_json(p->valid_from, INT32_MIN), "valid_until",
                     date_json(p->valid_until, INT32_MAX), "targets",
                     targets_json(im, &p->targets, i), "intro",
                     p->intro >= 0 ? im->piece_ids[p->intro] : NULL, "outro",
                     p->outro >= 0 ? im->piece_ids[p->outro] : NULL);
}

static int import_programs(store *s, const char *who, import *im)
{
    im->program_ids = g_new0(char *, im->p->n_programs + 1);
    for (size_t i = 0; i < im->p->n_programs; i++) {
        store_refusal why = {0};
        char words[API_WORDS_MAX];
        json_t *in = program_json(im, i), *out = NULL;
        char *id = NULL;
        int rc = im->errors ? -EINVAL : 0;
        if (rc == 0 && store_program_find(s, im->p->programs[i].title, &id) == 0) {
            rc = store_program_edit(s, who, id, in, im->tz, wallclock_now_ms(), &out, &why);
            im->programs_updated += rc == 0;
        } else if (rc == 0) {
            rc = store_program_create(s, who, in, im->tz, wallclock_now_ms(), &out, &why);
            im->programs_new += rc == 0;
        }
        if (rc == 0)
            im->program_ids[i] = g_strdup(json_string_value(json_object_get(out, "id")));
        else if (why.code[0])
            at_line(im, im->p->program_lines[i], "%s",
                    cmd_refusal_text(s, &why, words, sizeof words));
        else if (!im->errors)
            at_line(im, im->p->program_lines[i], "lỗi cơ sở dữ liệu: %s", store_errmsg(s));
        g_free(id);
        json_decref(in);
        json_decref(out);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static json_t *item_json(import *im, size_t k)
{
    const sched_plan_item *it = &im->p->month.items[k];
    json_t *communes = json_array(), *pins = json_array();
    for (size_t i = 0; i < it->n_communes; i++)
        json_array_append_new(communes,
                              json_string(im->p->district.communes[it->communes[i]].name));
    for (size_t i = 0; i < it->n_pins; i++)
        json_array_append_new(
            pins,
            json_pack("{s:o, s:s?}", "day", date_json(it->pins[i].day, INT32_MIN), "program",
                      it->pins[i].program >= 0 ? im->program_ids[it->pins[i].program] : NULL));
    return json_pack("{s:s, s:i, s:o, s:o, s:o, s:o}", "piece", im->piece_ids[it->piece], "airings",
                     (int)it->airings, "window_from", date_json(it->window_from, INT32_MIN),
                     "window_until", date_json(it->window_until, INT32_MAX), "communes", communes,
                     "pins", pins);
}

static int import_month(store *s, const char *who, import *im)
{
    store_refusal why = {0};
    char words[API_WORDS_MAX];
    int rc = store_plan_set_theme(s, who, im->month, im->p->month.theme, &why);
    if (rc == 0)
        rc = store_plan_items_clear(s, who, im->month);
    if (rc != 0) {
        at_line(im, 0, "%s", cmd_refusal_text(s, &why, words, sizeof words));
        return rc;
    }
    for (size_t k = 0; k < im->p->month.n_items; k++) {
        json_t *in = item_json(im, k);
        rc = store_plan_item_add(s, who, im->month, in, &why);
        json_decref(in);
        if (rc != 0) {
            at_line(im, im->p->item_lines[k], "%s", cmd_refusal_text(s, &why, words, sizeof words));
            return rc;
        }
    }
    return 0;
}

static int import_all(store *s, const char *who, import *im)
{
    int rc = import_communes(s, who, im);
    if (rc == 0)
        rc = import_boxes(s, im);
    im->piece_ids = g_new0(char *, im->p->n_pieces + 1);
    for (size_t i = 0; rc == 0 && i < im->p->n_pieces; i++)
        match_piece(s, im, i);
    if (rc == 0)
        rc = import_programs(s, who, im);
    if (rc == 0 && !im->errors)
        rc = import_month(s, who, im);
    return rc ? rc : im->errors ? -EINVAL : 0;
}

static int plan_import(const cmd_globals *g, const char *path)
{
import im = {.path = path };
    store *s = NULL;
    char *who = cmd_who();
    int rc = schedule_view_load_plan(path, PROG, "chưa nhập gì", &im.p);
    if (rc == 0 && !im.p->has_month) {
        at_line(&im, 0, "tệp kế hoạch không có mục [month]: không biết nhập vào tháng nào");
        rc = -EINVAL;
    }
    const char *zone = im.p && im.p->timezone ? im.p->timezone : VTIME_DEFAULT_ZONE;
    if (rc == 0 && vtime_zone_new(zone, &im.tz) != 0) {
        at_line(&im, 0, "múi giờ không hợp lệ: “%s”", zone);
        rc = -EINVAL;
    }
    if (rc == 0) {
        g_snprintf(im.month, sizeof im.month, "%04d-%02d", im.p->month.year, im.p->month.month);
        rc = cmd_store_open(g, &s);
    }
    if (rc == 0 && (rc = store_begin(s)) != 0)
        cli_error(PROG, "lỗi cơ sở dữ liệu: %s", store_errmsg(s));
    if (rc == 0) {
        rc = import_all(s, who, &im);
        if (rc == 0 && (rc = store_commit(s)) != 0)
            cli_error(PROG, "lỗi cơ sở dữ liệu: %s", store_errmsg(s));
        if (rc != 0) {
            store_rollback(s);
            fprintf(stderr, "%s: không nhập được kế hoạch; cơ sở dữ liệu không thay đổi.\n", path);
        }
    }
    if (rc == 0)
        printf("Đã nhập kế hoạch tháng %.2s/%.4s: %zu xã (%d mới), %d chương trình mới, %d "
               "chương trình cập nhật, %zu tin bài trong kế hoạch.\n",
               im.month + 5, im.month, im.p->district.n_communes, im.communes_new, im.programs_new,
               im.programs_updated, im.p->month.n_items);
    store_close(s);
    import_clear(&im);
    g_free(who);
    return rc ? 1 : 0;
}

int cmd_plan(const cmd_globals *g, int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "import") != 0) {
        cli_error(PROG, "cách dùng: %s -d THƯ_MỤC plan import TỆP_KẾ_HOẠCH", PROG);
        return 2;
    }
    return plan_import(g, argv[2]);
}

/* ---- airing add ---- */

typedef struct airing_opts {
    char *piece, *at, *priority;
    char **communes;
} airing_opts;

static int parse_airing(int *argc, char ***argv, airing_opts *o)
{
    GOptionEntry entries[] = {
        {"piece", 0, 0, G_OPTION_ARG_STRING, &o->piece, "mã tin bài", "MÃ"},
        {"at", 0, 0, G_OPTION_ARG_STRING, &o->at, "thời điểm phát", "RFC3339"},
        {"commune", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->communes,
         "chỉ phát ở xã này (lặp lại được)", "XÃ"},
        {"priority", 0, 0, G_OPTION_ARG_STRING, &o->priority, "normal, priority hoặc emergency",
         "MỨC"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    return cli_parse(PROG " airing", "add — phát một lần, công bố ngay", entries, argc, argv);
}

static void print_airing(const json_t *a, GTimeZone *tz)
{
    int64_t ms = 0;
    vtime_local l = {0};
    vtime_parse_rfc3339(json_string_value(json_object_get(a, "start")), &ms);
    vtime_utc_to_local(tz, ms, &l);
    printf("Đã công bố lần phát “%s” lúc %02d:%02d:%02d ngày %02d/%02d/%04d (phiên bản "
           "%" JSON_INTEGER_FORMAT " của tháng). Mã lần phát:\n%s\n",
           json_string_value(json_object_get(a, "title")), l.hour, l.minute, l.second, l.day,
           l.month, l.year, json_integer_value(json_object_get(a, "version")),
           json_string_value(json_object_get(a, "id")));
}

static int airing_add(const cmd_globals *g, const airing_opts *o, int64_t at, GTimeZone *tz)
{
    store *s = NULL;
    store_refusal why = {0};
    char words[API_WORDS_MAX];
    json_t *targets = NULL, *out = NULL;
    char *who = cmd_who();
    if (o->communes) {
        json_t *names = json_array();
        for (char **c = o->communes; *c; c++)
            json_array_append_new(names, json_string(*c));
        targets = json_pack("{s:s, s:o}", "kind", "communes", "communes", names);
    }
    int rc = cmd_store_open(g, &s);
    if (rc == 0 && (rc = store_begin(s)) != 0)
        cli_error(PROG, "lỗi cơ sở dữ liệu: %s", store_errmsg(s));
    if (rc == 0) {
        rc = publish_oneoff(s, who, o->piece, at, targets, o->priority, tz, &out, &why);
        if (rc != 0)
            cli_error(PROG, "%s", cmd_refusal_text(s, &why, words, sizeof words));
        else if ((rc = store_commit(s)) != 0)
            cli_error(PROG, "lỗi cơ sở dữ liệu: %s", store_errmsg(s));
        if (rc != 0)
            store_rollback(s);
    }
    if (rc == 0)
        print_airing(out, tz);
    json_decref(out);
    json_decref(targets);
    store_close(s);
    g_free(who);
    return rc ? 1 : 0;
}

int cmd_airing(const cmd_globals *g, int argc, char **argv)
{
    airing_opts o = {0};
    int64_t at = 0;
    GTimeZone *tz = NULL;
    int status = 2;
    if (parse_airing(&argc, &argv, &o) != 0)
        goto out;
    if (argc != 2 || strcmp(argv[1], "add") != 0 || !o.piece || !o.at) {
        cli_error(PROG,
                  "cách dùng: %s -d THƯ_MỤC airing add --piece MÃ --at RFC3339 [--commune XÃ]… "
                  "[--priority normal|priority|emergency]",
                  PROG);
        goto out;
    }
    if (vtime_parse_rfc3339(o.at, &at) != 0) {
        cli_error(PROG,
                  "thời điểm --at không hợp lệ: “%s” (cần RFC 3339, ví dụ "
                  "2026-12-05T06:00:00+07:00)",
                  o.at);
        goto out;
    }
    if (o.priority && strcmp(o.priority, "normal") && strcmp(o.priority, "priority") &&
        strcmp(o.priority, "emergency")) {
        cli_error(PROG, "mức ưu tiên không hợp lệ: “%s” (normal, priority, emergency)", o.priority);
        goto out;
    }
    vtime_zone_new(VTIME_DEFAULT_ZONE, &tz);
    status = airing_add(g, &o, at, tz);
out:
    if (tz)
        g_time_zone_unref(tz);
    g_free(o.piece);
    g_free(o.at);
    g_free(o.priority);
    g_strfreev(o.communes);
    return status;
}
