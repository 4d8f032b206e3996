/* cmd_admin: `init`, `user add`, `commune add|list`, `box add|revoke|list` on a data dir.
 * Each change runs in one write transaction with its audit row (who = "cli:<unix user>"), so
 * a refused command changes nothing. Messages for people are Vietnamese, on stderr; exit 1
 * when the work is refused, 2 when the command line is malformed. */
#include "commands.h"

#include <errno.h>
#include <glib.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "store.h"
#include "store_boxes.h"
#include "store_communes.h"
#include "store_users.h"

#define PROG "loalangd"

/* What a command does inside the transaction; ctx is the command's own data. */
typedef int (*admin_fn)(store *s, const char *who, void *ctx);

/* Opens the store and runs fn in one write transaction. 0 or fn's (already reported) error. */
static int run_change(const cmd_globals *g, admin_fn fn, void *ctx)
{
    store *s = NULL;
    char *who = cmd_who();
    int rc = cmd_store_open(g, &s);
    if (rc != 0)
        goto out;
    rc = store_begin(s);
    if (rc != 0) {
        cli_error(PROG, "lỗi cơ sở dữ liệu: %s", store_errmsg(s));
        goto out;
    }
    rc = fn(s, who, ctx);
    if (rc == 0 && (rc = store_commit(s)) != 0)
        cli_error(PROG, "lỗi cơ sở dữ liệu: %s", store_errmsg(s));
    if (rc != 0)
        store_rollback(s);
out:
    store_close(s);
    g_free(who);
    return rc;
}

/* Reports a store error no specific message covers. */
static int db_error(store *s, int rc)
{
    cli_error(PROG, "lỗi cơ sở dữ liệu: %s", store_errmsg(s));
    return rc;
}

int cmd_init(const cmd_globals *g, int argc, char **argv)
{
    (void)argv;
    char err[STORE_ERR_MAX];
    if (argc != 1) {
        cli_error(PROG, "cách dùng: %s -d THƯ_MỤC init", PROG);
        return 2;
    }
    if (!g->data_dir) {
        cli_error(PROG, "thiếu thư mục dữ liệu: dùng -d THƯ_MỤC");
        return 1;
    }
    int rc = store_init(g->data_dir, err, sizeof err);
    if (rc == -EEXIST) {
        cli_error(PROG, "thư mục dữ liệu đã được khởi tạo: %s", g->data_dir);
        return 1;
    }
    if (rc != 0) {
        cli_error(PROG, "không khởi tạo được thư mục dữ liệu %s: %s", g->data_dir, err);
        return 1;
    }
    printf("Đã khởi tạo thư mục dữ liệu %s\n", g->data_dir);
    return 0;
}

/* ---- commune ---- */

static int commune_add(store *s, const char *who, void *ctx)
{
    const char *name = ctx;
    int rc = store_commune_add(s, who, name, NULL);
    if (rc == -EEXIST)
        cli_error(PROG, "xã \"%s\" đã có", name);
    else if (rc == -EINVAL)
        cli_error(PROG, "tên xã không hợp lệ: \"%s\"", name);
    else if (rc != 0)
        db_error(s, rc);
    return rc;
}

static int commune_list(const cmd_globals *g)
{
    store *s = NULL;
    store_commune *v = NULL;
    size_t n = 0;
    int rc = cmd_store_open(g, &s);
    if (rc != 0)
        return 1;
    rc = store_commune_list(s, &v, &n);
    if (rc != 0) {
        db_error(s, rc);
        goto out;
    }
    printf("Mã\tTên xã\tSố cụm loa\n");
    for (size_t i = 0; i < n; i++)
        printf("%" G_GINT64_FORMAT "\t%s\t%" G_GINT64_FORMAT "\n", v[i].id, v[i].name,
               v[i].n_boxes);
out:
    store_commune_list_free(v, n);
    store_close(s);
    return rc ? 1 : 0;
}

int cmd_commune(const cmd_globals *g, int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "list"))
        return commune_list(g);
    if (argc != 3 || strcmp(argv[1], "add")) {
        cli_error(PROG, "cách dùng: %s -d THƯ_MỤC commune add TÊN | commune list", PROG);
        return 2;
    }
    if (run_change(g, commune_add, argv[2]) != 0)
        return 1;
    printf("Đã thêm xã \"%s\"\n", argv[2]);
    return 0;
}

/* ---- box ---- */

typedef struct box_ctx {
    const char *name, *commune;
    char token[STORE_BOX_TOKEN_MAX];
} box_ctx;

static int box_add(store *s, const char *who, void *ctx)
{
    box_ctx *b = ctx;
    int rc = store_box_add(s, who, b->name, b->commune, NULL, b->token);
    if (rc == -EEXIST)
        cli_error(PROG, "cụm loa \"%s\" đã có", b->name);
    else if (rc == -ENOENT)
        cli_error(PROG, "không có xã \"%s\" (thêm bằng \"commune add\")", b->commune);
    else if (rc == -EINVAL)
        cli_error(PROG, "tên cụm loa không hợp lệ: \"%s\"", b->name);
    else if (rc != 0)
        db_error(s, rc);
    return rc;
}

static int box_revoke(store *s, const char *who, void *ctx)
{
    const char *name = ctx;
    int rc = store_box_revoke(s, who, name);
    if (rc == -ENOENT)
        cli_error(PROG, "không có cụm loa \"%s\"", name);
    else if (rc == -EALREADY)
        cli_error(PROG, "cụm loa \"%s\" đã bị thu hồi mã truy cập từ trước", name);
    else if (rc != 0)
        db_error(s, rc);
    return rc;
}

static int box_list(const cmd_globals *g)
{
    store *s = NULL;
    store_box *v = NULL;
    size_t n = 0;
    int rc = cmd_store_open(g, &s);
    if (rc != 0)
        return 1;
    rc = store_box_list(s, &v, &n);
    if (rc != 0) {
        db_error(s, rc);
        goto out;
    }
    printf("Mã\tTên cụm loa\tXã\tTrạng thái\n");
    for (size_t i = 0; i < n; i++)
        printf("%" G_GINT64_FORMAT "\t%s\t%s\t%s\n", v[i].id, v[i].name, v[i].commune,
               v[i].revoked ? "đã thu hồi" : "hoạt động");
out:
    store_box_list_free(v, n);
    store_close(s);
    return rc ? 1 : 0;
}

static int box_add_cmd(const cmd_globals *g, int argc, char **argv)
{
    box_ctx b = {.name = argv[2]};
    if (argc == 5 && !strcmp(argv[3], "--commune"))
        b.commune = argv[4];
    else if (argc == 4 && !strncmp(argv[3], "--commune=", 10))
        b.commune = argv[3] + 10;
    if (!b.commune) {
        cli_error(PROG, "cách dùng: %s -d THƯ_MỤC box add TÊN --commune XÃ", PROG);
        return 2;
    }
    int rc = run_change(g, box_add, &b);
    if (rc == 0) {
        printf("Đã thêm cụm loa \"%s\" (xã %s). Mã truy cập, chỉ hiện một lần:\n%s\n", b.name,
               b.commune, b.token);
        fflush(stdout);
    }
    sodium_memzero(b.token, sizeof b.token);
    return rc ? 1 : 0;
}

int cmd_box(const cmd_globals *g, int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "list"))
        return box_list(g);
    if (argc >= 4 && !strcmp(argv[1], "add"))
        return box_add_cmd(g, argc, argv);
    if (argc == 3 && !strcmp(argv[1], "revoke")) {
        if (run_change(g, box_revoke, argv[2]) != 0)
            return 1;
        printf("Đã thu hồi mã truy cập của cụm loa \"%s\"\n", argv[2]);
        return 0;
    }
    cli_error(PROG, "cách dùng: %s -d THƯ_MỤC box add TÊN --commune XÃ | box revoke TÊN | box list",
              PROG);
    return 2;
}

/* ---- user ---- */

typedef struct user_ctx {
    const char *name, *role_text, *commune;
    store_role role;
    char pwhash[STORE_PWHASH_MAX];
} user_ctx;

static int user_add(store *s, const char *who, void *ctx)
{
    user_ctx *u = ctx;
    int rc = store_user_add(s, who, u->name, u->role, u->commune, u->pwhash, NULL);
    if (rc == -EEXIST)
        cli_error(PROG, "người dùng \"%s\" đã có", u->name);
    else if (rc == -ENOENT)
        cli_error(PROG, "không có xã \"%s\"", u->commune);
    else if (rc == -EINVAL)
        cli_error(PROG, "tên người dùng không hợp lệ: \"%s\"", u->name);
    else if (rc != 0)
        db_error(s, rc);
    return rc;
}

/* One line of stdin, without its line end; g_free the result. NULL at end of input. */
static char *read_password(void)
{
    char buf[STORE_PASSWORD_MAX + 3];
    if (!fgets(buf, sizeof buf, stdin))
        return NULL;
    buf[strcspn(buf, "\r\n")] = '\0';
    char *pw = g_strdup(buf);
    sodium_memzero(buf, sizeof buf);
    return pw;
}

/* Parses `user add NAME --role R [--commune C]` in any option order. */
static int parse_user(int argc, char **argv, user_ctx *u)
{
    if (argc < 3 || strcmp(argv[1], "add"))
        return -EINVAL;
    u->name = argv[2];
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--role") && i + 1 < argc)
            u->role_text = argv[++i];
        else if (!strcmp(argv[i], "--commune") && i + 1 < argc)
            u->commune = argv[++i];
        else
            return -EINVAL;
    }
    return u->role_text ? 0 : -EINVAL;
}

/* Checks what can be checked before reading the password; 0 or exit status 1. */
static int check_user(const user_ctx *u)
{
    if (u->role == STORE_ROLE_OPERATOR && !u->commune) {
        cli_error(PROG, "người dùng vai trò operator phải có --commune XÃ");
        return 1;
    }
    if (u->role != STORE_ROLE_OPERATOR && u->commune) {
        cli_error(PROG, "chỉ vai trò operator mới gắn với một xã (bỏ --commune)");
        return 1;
    }
    return 0;
}

static int hash_password(user_ctx *u)
{
    char *pw = read_password();
    int rc = pw && *pw ? store_password_hash(pw, u->pwhash) : -ENODATA;
    if (rc == -ENODATA)
        cli_error(PROG, "mật khẩu trống: nhập mật khẩu trên một dòng ở đầu vào chuẩn");
    else if (rc == -EINVAL)
        cli_error(PROG, "mật khẩu phải có ít nhất %d ký tự (và không quá %d byte)",
                  STORE_PASSWORD_MIN, STORE_PASSWORD_MAX);
    else if (rc != 0)
        cli_error(PROG, "không băm được mật khẩu (thiếu bộ nhớ)");
    if (pw)
        sodium_memzero(pw, strlen(pw));
    g_free(pw);
    return rc ? 1 : 0;
}

int cmd_user(const cmd_globals *g, int argc, char **argv)
{
    user_ctx u = {0};
    if (parse_user(argc, argv, &u) != 0) {
        cli_error(PROG,
                  "cách dùng: %s -d THƯ_MỤC user add TÊN --role "
                  "admin|technician|approver|operator [--commune XÃ]",
                  PROG);
        return 2;
    }
    if (store_role_parse(u.role_text, &u.role) != 0) {
        cli_error(PROG, "vai trò không hợp lệ: \"%s\" (admin, technician, approver, operator)",
                  u.role_text);
        return 1;
    }
    if (check_user(&u) != 0)
        return 1;
    if (!g->data_dir) {
        cli_error(PROG, "thiếu thư mục dữ liệu: dùng -d THƯ_MỤC");
        return 1;
    }
    /* Hash before opening the transaction: argon2id takes long enough to matter. */
    if (hash_password(&u) != 0)
        return 1;
    int rc = run_change(g, user_add, &u);
    sodium_memzero(u.pwhash, sizeof u.pwhash);
    if (rc != 0)
        return 1;
    printf("Đã thêm người dùng \"%s\" (vai trò %s)\n", u.name, u.role_text);
    return 0;
}
