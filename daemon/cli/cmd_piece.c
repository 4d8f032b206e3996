/* cmd_piece: `piece import|list|approve|reject` on a data dir. Import runs the real ingest
 * (ingest.h) first, outside any transaction, then writes the media row, the piece and its
 * reviews in one transaction (who = "cli:<unix user>"); when that fails, a media file this
 * import created is removed again, so a refused import stores nothing. The piece id is printed
 * alone on the last line for scripts. Messages for people are Vietnamese, on stderr; exit 1
 * refused, 2 bad command line. Stray ingest temp files are swept by `serve` at start, not here:
 * a running daemon may be ingesting. */
#include "commands.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api_words.h"
#include "api.h"
#include "cli.h"
#include "ingest.h"
#include "store.h"
#include "store_communes.h"
#include "store_media.h"
#include "store_pieces.h"
#include "vtime.h"

#define PROG "loalangd"
#define USAGE_IMPORT                                                                               \
    "piece import TỆP --title TIÊU_ĐỀ --genre news|article|report|interview [--approve]"     \
    " [--theme CHỦ_ĐỀ] [--exemplar ĐIỂN_HÌNH] [--commune XÃ]"                            \
    " [--priority normal|priority|emergency]"

typedef struct import_args {
    const char *file;
    store_piece_meta meta;
    bool approve;
} import_args;

/* The value of option argv[*i] given as "--opt V" or "--opt=V"; NULL when it is not `opt`. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt)
{
    size_t n = strlen(opt);
    if (strncmp(argv[*i], opt, n))
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

/* An option with a value and where the value goes. */
typedef struct opt_slot {
    const char *opt;
    const char **to;
} opt_slot;

/* Takes argv[*i] (and its value) when it is one of slots' options (n of them). */
static bool take_opt(int argc, char **argv, int *i, const opt_slot *slots, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const char *v = opt_value(argc, argv, i, slots[k].opt);
        if (v) {
            *slots[k].to = v;
            return true;
        }
    }
    return false;
}

static int parse_import(int argc, char **argv, import_args *a)
{
    const opt_slot slots[] = {
        {"--title", &a->meta.title},     {"--genre", &a->meta.genre},
        {"--theme", &a->meta.theme},     {"--exemplar", &a->meta.exemplar},
        {"--commune", &a->meta.commune}, {"--priority", &a->meta.priority},
    };
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--approve"))
            a->approve = true;
        else if (take_opt(argc, argv, &i, slots, G_N_ELEMENTS(slots)))
            continue;
        else if (argv[i][0] != '-' && !a->file)
            a->file = argv[i];
        else
            return -EINVAL;
    }
    return a->file && a->meta.title && a->meta.genre ? 0 : -EINVAL;
}

/* Checks what the store would refuse, before the (slow) ingest. 0 or exit status 1. */
static int precheck(store *s, const store_piece_meta *m)
{
    static const char *const genres[] = {"news", "article", "report", "interview", "jingle"};
    static const char *const prios[] = {"normal", "priority", "emergency"};
    char *t = NULL;
    int64_t id;
    bool genre_ok = false, prio_ok = !m->priority;
    for (size_t i = 0; i < G_N_ELEMENTS(genres); i++)
        genre_ok |= !strcmp(m->genre, genres[i]);
    for (size_t i = 0; m->priority && i < G_N_ELEMENTS(prios); i++)
        prio_ok |= !strcmp(m->priority, prios[i]);
    if (store_name_normalize(m->title, STORE_PIECE_TITLE_MAX, &t) != 0) {
        cli_error(PROG, "tiêu đề không hợp lệ (1–%d byte UTF-8, không ký tự điều khiển)",
                  STORE_PIECE_TITLE_MAX);
        return 1;
    }
    g_free(t);
    if (!genre_ok) {
        cli_error(PROG, "thể loại không hợp lệ: \"%s\" (news, article, report, interview)",
                  m->genre);
        return 1;
    }
    if (!prio_ok) {
        cli_error(PROG, "mức ưu tiên không hợp lệ: \"%s\" (normal, priority, emergency)",
                  m->priority);
        return 1;
    }
    if (m->commune && *m->commune && store_commune_find(s, m->commune, &id) != 0) {
        cli_error(PROG, "không có xã \"%s\"", m->commune);
        return 1;
    }
    return 0;
}

static int db_error(store *s)
{
    cli_error(PROG, "lỗi cơ sở dữ liệu: %s", store_errmsg(s));
    return 1;
}

/* Media row, piece, and (with --approve) its walk to approved: one transaction. */
static int record(store *s, const char *who, const import_args *a, const ingest_result *r,
                  char id[IDS_UUID_LEN + 1])
{
    store_media m = api_media_row(r);
    int rc = store_begin(s);
    if (rc == 0)
        rc = store_media_put(s, &m, NULL, NULL);
    if (rc == 0)
        rc = store_piece_create(s, who, r->sha256, &a->meta, id);
    if (rc == 0 && a->approve)
        rc = store_piece_transition(s, who, id, "submitted", NULL);
    if (rc == 0 && a->approve)
        rc = store_piece_transition(s, who, id, "approved", NULL);
    if (rc == 0)
        rc = store_commit(s);
    if (rc != 0) {
        db_error(s);
        store_rollback(s);
    }
    return rc;
}

static void format_duration(int64_t ms, char *buf, size_t len)
{
    int64_t s = (ms + 500) / 1000;
    if (s >= 3600)
        g_snprintf(buf, len, "%d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
    else
        g_snprintf(buf, len, "%02d:%02d", (int)(s / 60), (int)(s % 60));
}

static void print_summary(const import_args *a, const ingest_result *r, const char *id)
{
    char dur[32];
    format_duration(r->duration_ms, dur, sizeof dur);
    printf("Đã nhập tin bài \"%s\" (thể loại %s, trạng thái: %s)\n", a->meta.title, a->meta.genre,
           api_words_piece_status(a->approve ? "approved" : "draft"));
    printf("Thời lượng: %s\n", dur);
    printf("Độ lớn: %.1f LUFS trước, %.1f LUFS sau chuẩn hoá (đỉnh thực %.1f dBTP)\n",
           r->loudness_in_lufs, r->loudness_out_lufs, r->true_peak_dbtp);
    if (r->deduplicated)
        printf("Âm thanh này đã có trong kho: dùng lại tệp sẵn có\n");
    printf("Mã tin bài:\n%s\n", id);
    fflush(stdout);
}

static int piece_import(const cmd_globals *g, int argc, char **argv)
{
    import_args a = {0};
    ingest_result r;
    store *s = NULL;
    char id[IDS_UUID_LEN + 1];
    char *who = cmd_who(), *media = NULL;
    int rc = 1;
    if (parse_import(argc, argv, &a) != 0) {
        cli_error(PROG, "cách dùng: %s -d THƯ_MỤC " USAGE_IMPORT, PROG);
        rc = 2;
        goto out;
    }
    if (cmd_store_open(g, &s) != 0 || precheck(s, &a.meta) != 0)
        goto out;
    media = g_build_filename(g->data_dir, STORE_MEDIA_DIR, NULL);
    int err = ingest_file(a.file, media, NULL, &r);
    if (err != 0) {
        cli_error(PROG, "không nhập được \"%s\": %s", a.file, ingest_error_message(err));
        goto out;
    }
    if (record(s, who, &a, &r, id) != 0) {
        if (!r.deduplicated)
            store_media_discard_new(s, g->data_dir, r.sha256);
        goto out;
    }
    print_summary(&a, &r, id);
    rc = 0;
out:
    store_close(s);
    g_free(media);
    g_free(who);
    return rc;
}

static void print_row(json_t *p)
{
    char dur[32];
    format_duration(json_integer_value(json_object_get(p, "duration_ms")), dur, sizeof dur);
    json_t *c = json_object_get(p, "commune");
    printf("%s\t%s\t%s\t%s\t%s\t%s\n", json_string_value(json_object_get(p, "id")),
           api_words_piece_status(json_string_value(json_object_get(p, "status"))),
           json_string_value(json_object_get(p, "genre")), dur,
           json_is_string(c) ? json_string_value(c) : "—",
           json_string_value(json_object_get(p, "title")));
}

static int piece_list(const cmd_globals *g, int argc, char **argv)
{
    store_piece_filter f = {.limit = STORE_PIECE_LIMIT_MAX};
    const opt_slot slots[] = {
        {"--status", &f.status},   {"--genre", &f.genre}, {"--month", &f.month},
        {"--commune", &f.commune}, {"--text", &f.text},
    };
    for (int i = 2; i < argc; i++) {
        if (!take_opt(argc, argv, &i, slots, G_N_ELEMENTS(slots))) {
            cli_error(PROG,
                      "cách dùng: %s -d THƯ_MỤC piece list [--status S] [--genre G]"
                      " [--month YYYY-MM] [--commune XÃ] [--text CHỮ]",
                      PROG);
            return 2;
        }
    }
    store *s = NULL;
    GTimeZone *tz = NULL;
    json_t *l = NULL;
    int rc = 1;
    if (cmd_store_open(g, &s) != 0 || vtime_zone_new(NULL, &tz) != 0)
        goto out;
    if (store_piece_list(s, tz, &f, &l) != 0) {
        cli_error(PROG, "không liệt kê được: %s", store_errmsg(s));
        goto out;
    }
    printf("Mã\tTrạng thái\tThể loại\tThời lượng\tXã\tTiêu đề\n");
    json_t *p;
    size_t i;
    json_array_foreach(json_object_get(l, "pieces"), i, p) print_row(p);
    rc = 0;
out:
    json_decref(l);
    if (tz)
        g_time_zone_unref(tz);
    store_close(s);
    return rc;
}

/* approve (walking a draft through submitted) or reject with a note. */
static int piece_review(const cmd_globals *g, const char *id, const char *to, const char *note)
{
    store *s = NULL;
    GTimeZone *tz = NULL;
    json_t *p = NULL;
    char *who = cmd_who();
    int rc = 1;
    if (cmd_store_open(g, &s) != 0 || vtime_zone_new(NULL, &tz) != 0)
        goto out;
    if (store_piece_get(s, tz, id, &p) != 0) {
        cli_error(PROG, "không có tin bài \"%s\"", id);
        goto out;
    }
    const char *from = json_string_value(json_object_get(p, "status"));
    int err = store_begin(s);
    if (err == 0 && !strcmp(from, "draft"))
        err = store_piece_transition(s, who, id, "submitted", NULL);
    if (err == 0)
        err = store_piece_transition(s, who, id, to, note);
    if (err == 0)
        err = store_commit(s);
    if (err != 0) {
        store_rollback(s);
        if (err == -EINVAL)
            cli_error(PROG, "không thể chuyển tin bài từ \"%s\" sang \"%s\"",
                      api_words_piece_status(from), api_words_piece_status(to));
        else
            db_error(s);
        goto out;
    }
    printf("Tin bài %s: %s\n", id, api_words_piece_status(to));
    rc = 0;
out:
    json_decref(p);
    if (tz)
        g_time_zone_unref(tz);
    store_close(s);
    g_free(who);
    return rc;
}

int cmd_piece(const cmd_globals *g, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "import"))
        return piece_import(g, argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "list"))
        return piece_list(g, argc, argv);
    if (argc == 3 && !strcmp(argv[1], "approve"))
        return piece_review(g, argv[2], "approved", NULL);
    if (argc >= 4 && !strcmp(argv[1], "reject")) {
        int i = 3;
        const char *note = opt_value(argc, argv, &i, "--note");
        if (note && i == argc - 1 && *note)
            return piece_review(g, argv[2], "rejected", note);
    }
    cli_error(PROG,
              "cách dùng: %s -d THƯ_MỤC " USAGE_IMPORT
              " | piece list | piece approve MÃ | piece reject MÃ --note LÝ_DO",
              PROG);
    return 2;
}
