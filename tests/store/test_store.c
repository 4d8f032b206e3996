/* The store on temp data dirs: migrations, reopen, foreign keys, box tokens, passwords, audit
 * rows, and durability of a commit when the process dies right after it. */
#include <errno.h>
#include <stdbool.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "schema.h"
#include "store.h"
#include "store_internal.h" /* fixtures use the statement cache */
#include "store_audit.h"
#include "store_boxes.h"
#include "store_communes.h"
#include "store_users.h"
#include "tmpdir.h"

#define WHO "cli:test"

typedef struct fixture {
    char *tmp;
    char *dir;
    store *s;
} fixture;

static int setup(void **state)
{
    fixture *f = g_new0(fixture, 1);
    f->tmp = tmpdir_new("loalang-store-XXXXXX");
    f->s = tmpdir_store(f->tmp, &f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->s);
    tmpdir_remove(f->tmp);
    g_free(f->dir);
    g_free(f);
    return 0;
}

static void reopen(fixture *f)
{
    char err[STORE_ERR_MAX];
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(store_open(f->dir, &f->s, err, sizeof err), 0);
}

static int64_t add_commune(store *s, const char *name)
{
    int64_t id = 0;
    assert_int_equal(store_begin(s), 0);
    assert_int_equal(store_commune_add(s, WHO, name, &id), 0);
    assert_int_equal(store_commit(s), 0);
    return id;
}

static int64_t count(store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(store_prepare(s, sql, &st), 0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return n;
}

static void test_init_layout(void **state)
{
    fixture *f = *state;
    char err[STORE_ERR_MAX];
    int v = 0;
    assert_int_equal(schema_version(store_db(f->s), &v), 0);
    assert_int_equal(v, schema_latest());
    char *media = g_build_filename(f->dir, STORE_MEDIA_DIR, NULL);
    assert_true(g_file_test(media, G_FILE_TEST_IS_DIR));
    g_free(media);
    assert_int_equal(store_init(f->dir, err, sizeof err), -EEXIST);
    static const char *const tables[] = {
        "settings",
        "communes",
        "boxes",
        "users",
        "sessions",
        "pieces",
        "piece_reviews",
        "media",
        "programs",
        "month_plans",
        "plan_items",
        "plan_airings",
        "schedule_versions",
        "airings",
        "contracts",
        "contract_lines",
        "plays",
        "box_status",
        "audit",
        "events",
    };
    sqlite3_stmt *st = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(tables); i++) {
        assert_int_equal(
            store_prepare(f->s, "SELECT count(*) FROM sqlite_schema WHERE name = ?1", &st), 0);
        sqlite3_bind_text(st, 1, tables[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 1);
        sqlite3_reset(st);
    }
    assert_int_equal(count(f->s, "PRAGMA foreign_keys"), 1);
    assert_int_equal(count(f->s, "PRAGMA synchronous"), 2); /* FULL */
}

static void test_migrate_from_empty(void **state)
{
    fixture *f = *state;
    char err[STORE_ERR_MAX];
    char *path = g_build_filename(f->tmp, "empty.db", NULL);
    sqlite3 *db = NULL;
    int v = -1;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(schema_version(db, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(schema_migrate(db, err, sizeof err), 0);
    assert_int_equal(schema_version(db, &v), 0);
    assert_int_equal(v, schema_latest());
    /* Again: nothing to do, no error. */
    assert_int_equal(schema_migrate(db, err, sizeof err), 0);
    sqlite3_close(db);
    g_free(path);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    char err[STORE_ERR_MAX];
    assert_int_equal(store_exec(f->s, "PRAGMA user_version = 999"), 0);
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(store_open(f->dir, &f->s, err, sizeof err), -EPROTO);
    assert_null(f->s);
    assert_non_null(strstr(err, "newer"));
}

static void test_uninitialised(void **state)
{
    fixture *f = *state;
    char err[STORE_ERR_MAX];
    store *s = NULL;
    char *other = g_build_filename(f->tmp, "nothing", NULL);
    assert_int_equal(store_open(other, &s, err, sizeof err), -ENOENT);
    assert_null(s);
    g_free(other);
}

static void test_reopen(void **state)
{
    fixture *f = *state;
    int64_t id = add_commune(f->s, "Bằng Lãng"), found = 0;
    unsigned char key[STORE_KEY_BYTES];
    memcpy(key, store_key(f->s), sizeof key);
    reopen(f);
    assert_int_equal(store_commune_find(f->s, "Bằng Lãng", &found), 0);
    assert_int_equal(found, id);
    /* The token key is per install, not per open. */
    assert_memory_equal(key, store_key(f->s), sizeof key);
    int v = 0;
    assert_int_equal(schema_version(store_db(f->s), &v), 0);
    assert_int_equal(v, schema_latest());
}

static void test_foreign_keys(void **state)
{
    fixture *f = *state;
    int rc = store_exec(f->s, "INSERT INTO boxes(name, commune_id, token_hash, created_ms)"
                              " VALUES ('x', 42, zeroblob(32), 0)");
    assert_int_equal(rc, -ENOENT);
    assert_int_equal(count(f->s, "SELECT count(*) FROM boxes"), 0);
    /* CHECK constraints too: a bad role. */
    rc = store_exec(f->s, "INSERT INTO users(name, role, password_hash, created_ms, updated_ms)"
                          " VALUES ('u', 'boss', '$argon2id$x', 0, 0)");
    assert_int_equal(rc, -EINVAL);
}

static void test_names(void **state)
{
    fixture *f = *state;
    int64_t id = 0;
    add_commune(f->s, "Yên Thịnh");
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_commune_add(f->s, WHO, "Yên Thịnh", &id), -EEXIST);
    /* The same name in decomposed form (NFD) is the same commune. */
    char *nfd = g_utf8_normalize("Yên Thịnh", -1, G_NORMALIZE_NFD);
    assert_int_equal(store_commune_add(f->s, WHO, nfd, &id), -EEXIST);
    g_free(nfd);
    assert_int_equal(store_commune_add(f->s, WHO, "", &id), -EINVAL);
    assert_int_equal(store_commune_add(f->s, WHO, " lề", &id), -EINVAL);
    assert_int_equal(store_commune_add(f->s, WHO, "a\nb", &id), -EINVAL);
    assert_int_equal(store_commune_add(f->s, WHO, "\xff", &id), -EINVAL);
    /* bidi override, isolate, mark, zero-width space, BOM: a name could pose as another */
    static const char *const hidden[] = {"a\u202eb", "a\u2066b\u2069", "a\u200fb", "a\u200bb",
                                         "\ufeffab"};
    for (size_t i = 0; i < G_N_ELEMENTS(hidden); i++)
        assert_int_equal(store_commune_add(f->s, WHO, hidden[i], &id), -EINVAL);
    store_rollback(f->s);
    store_commune *v = NULL;
    size_t n = 0;
    assert_int_equal(store_commune_list(f->s, &v, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "Yên Thịnh");
    store_commune_list_free(v, n);
}

static void test_box_tokens(void **state)
{
    fixture *f = *state;
    char token[STORE_BOX_TOKEN_MAX], token2[STORE_BOX_TOKEN_MAX];
    int64_t id = 0, id2 = 0, got = 0;
    add_commune(f->s, "Bằng Lãng");
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_box_add(f->s, WHO, "Nà Pài", "Bằng Lãng", &id, token), 0);
    assert_int_equal(store_box_add(f->s, WHO, "Nà Pài", "Bằng Lãng", &id2, token2), -EEXIST);
    assert_int_equal(store_box_add(f->s, WHO, "Khác", "Không có", &id2, token2), -ENOENT);
    assert_int_equal(store_box_add(f->s, WHO, "Bản Cậu", "Bằng Lãng", &id2, token2), 0);
    assert_int_equal(store_commit(f->s), 0);
    assert_true(strlen(token) >= 43);
    assert_string_not_equal(token, token2);

    assert_int_equal(store_box_verify(f->s, token, &got), 0);
    assert_int_equal(got, id);
    assert_int_equal(store_box_verify(f->s, token2, &got), 0);
    assert_int_equal(got, id2);
    char wrong[STORE_BOX_TOKEN_MAX];
    memcpy(wrong, token, sizeof wrong);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    assert_int_equal(store_box_verify(f->s, wrong, &got), -EACCES);
    assert_int_equal(store_box_verify(f->s, "", &got), -EACCES);
    assert_int_equal(store_box_verify(f->s, NULL, &got), -EACCES);

    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_box_revoke(f->s, WHO, "Nà Pài"), 0);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(store_box_verify(f->s, token, &got), -EACCES);
    assert_int_equal(store_box_verify(f->s, token2, &got), 0);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_box_revoke(f->s, WHO, "Nà Pài"), -EALREADY);
    assert_int_equal(store_box_revoke(f->s, WHO, "Không có"), -ENOENT);
    store_rollback(f->s);

    store_box *v = NULL;
    size_t n = 0;
    assert_int_equal(store_box_list(f->s, &v, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "Bản Cậu");
    assert_false(v[0].revoked);
    assert_string_equal(v[1].name, "Nà Pài");
    assert_true(v[1].revoked);
    assert_true(v[1].revoked_ms > 0);
    assert_string_equal(v[1].commune, "Bằng Lãng");
    store_box_list_free(v, n);
}

static void test_users(void **state)
{
    fixture *f = *state;
    char hash[STORE_PWHASH_MAX];
    int64_t id = 0, got = 0;
    store_role role = STORE_ROLE_ADMIN;
    add_commune(f->s, "Bằng Lãng");
    assert_int_equal(store_password_hash("ngắn", hash), -EINVAL);
    assert_int_equal(store_password_hash("", hash), -EINVAL);
    assert_int_equal(store_password_hash("mật khẩu dài", hash), 0);
    assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);

    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_user_add(f->s, WHO, "thu", STORE_ROLE_OPERATOR, NULL, hash, &id),
                     -EINVAL);
    assert_int_equal(store_user_add(f->s, WHO, "thu", STORE_ROLE_APPROVER, "Bằng Lãng", hash, &id),
                     -EINVAL);
    assert_int_equal(store_user_add(f->s, WHO, "thu", STORE_ROLE_OPERATOR, "Không có", hash, &id),
                     -ENOENT);
    assert_int_equal(store_user_add(f->s, WHO, "thu", STORE_ROLE_OPERATOR, "Bằng Lãng", hash, &id),
                     0);
    assert_int_equal(store_user_add(f->s, WHO, "thu", STORE_ROLE_ADMIN, NULL, hash, &got), -EEXIST);
    assert_int_equal(store_commit(f->s), 0);

    assert_int_equal(store_user_verify(f->s, "thu", "mật khẩu dài", &got, &role), 0);
    assert_int_equal(got, id);
    assert_int_equal(role, STORE_ROLE_OPERATOR);
    assert_int_equal(store_user_verify(f->s, "thu", "mật khẩu sai", &got, &role), -EACCES);
    assert_int_equal(store_user_verify(f->s, "ai", "mật khẩu dài", &got, &role), -EACCES);

    assert_int_equal(store_role_parse("technician", &role), 0);
    assert_int_equal(role, STORE_ROLE_TECHNICIAN);
    assert_int_equal(store_role_parse("root", &role), -EINVAL);
    assert_string_equal(store_role_name(STORE_ROLE_APPROVER), "approver");
}

static void test_audit(void **state)
{
    fixture *f = *state;
    char token[STORE_BOX_TOKEN_MAX];
    int64_t n = 0;
    add_commune(f->s, "Bằng Lãng");
    assert_int_equal(store_audit_count(f->s, "commune.add", &n), 0);
    assert_int_equal(n, 1);
    /* Outside a transaction an audit row would not commit with its change: refused. */
    assert_int_equal(store_audit(f->s, WHO, "x", "y", NULL, NULL), -EINVAL);
    /* A rolled-back change leaves no audit row. */
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_box_add(f->s, WHO, "Nà Pài", "Bằng Lãng", NULL, token), 0);
    store_rollback(f->s);
    assert_int_equal(store_audit_count(f->s, "box.add", &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_box_add(f->s, WHO, "Nà Pài", "Bằng Lãng", NULL, token), 0);
    assert_int_equal(store_box_revoke(f->s, WHO, "Nà Pài"), 0);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(count(f->s, "SELECT count(*) FROM audit WHERE who = 'cli:test'"), 3);
    /* Tokens never reach the audit log. */
    sqlite3_stmt *st = NULL;
    assert_int_equal(store_prepare(f->s, "SELECT count(*) FROM audit WHERE after LIKE ?1", &st), 0);
    char *pat = g_strdup_printf("%%%s%%", token);
    sqlite3_bind_text(st, 1, pat, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_reset(st);
    g_free(pat);
}

/* A child commits a commune, then dies without closing (by _exit or SIGKILL). */
static void commit_and_die(fixture *f, const char *name, bool kill_self)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char err[STORE_ERR_MAX];
        store *s = NULL;
        int64_t id = 0;
        if (store_open(f->dir, &s, err, sizeof err) != 0 || store_begin(s) != 0 ||
            store_commune_add(s, WHO, name, &id) != 0 || store_commit(s) != 0)
            _exit(3);
        if (kill_self)
            raise(SIGKILL);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (kill_self)
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    else
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_durability(void **state)
{
    fixture *f = *state;
    int64_t id = 0;
    store_close(f->s);
    f->s = NULL;
    commit_and_die(f, "Xã _exit", false);
    commit_and_die(f, "Xã SIGKILL", true);
    reopen(f);
    assert_int_equal(store_commune_find(f->s, "Xã _exit", &id), 0);
    assert_int_equal(store_commune_find(f->s, "Xã SIGKILL", &id), 0);
    int64_t n = 0;
    assert_int_equal(store_audit_count(f->s, "commune.add", &n), 0);
    assert_int_equal(n, 2);
}

static void test_statement_cache(void **state)
{
    fixture *f = *state;
    sqlite3_stmt *a = NULL, *b = NULL;
    assert_int_equal(store_prepare(f->s, "SELECT ?1", &a), 0);
    sqlite3_bind_int(a, 1, 7);
    assert_int_equal(sqlite3_step(a), SQLITE_ROW);
    /* Same text: same statement, reset and unbound. */
    assert_int_equal(store_prepare(f->s, "SELECT ?1", &b), 0);
    assert_ptr_equal(a, b);
    assert_int_equal(sqlite3_step(b), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);
    sqlite3_reset(b);
    assert_int_equal(store_prepare(f->s, "SELEC nonsense", &b), -EIO);
    assert_non_null(strstr(store_errmsg(f->s), "prepare"));
}

static void test_data_version(void **state)
{
    fixture *f = *state;
    char err[STORE_ERR_MAX];
    store *other = NULL;
    int64_t v1 = 0, v2 = 0, v3 = 0;
    assert_int_equal(store_open(f->dir, &other, err, sizeof err), 0);
    assert_int_equal(store_data_version(f->s, &v1), 0);
    add_commune(other, "Xã khác");
    assert_int_equal(store_data_version(f->s, &v2), 0);
    assert_true(v2 != v1);
    assert_int_equal(store_data_version(f->s, &v3), 0);
    assert_int_equal(v3, v2);
    store_close(other);
}

/* The generation moves with every commit of any connection, only then, and vouches for nothing
 * inside a write transaction. */
static void test_generation(void **state)
{
    fixture *f = *state;
    char err[STORE_ERR_MAX];
    store *other = NULL;
    assert_int_equal(store_open(f->dir, &other, err, sizeof err), 0);
    uint64_t g1 = store_generation(f->s);
    assert_true(g1 != 0);
    assert_int_equal(store_generation(other), g1);
    assert_int_equal(count(f->s, "SELECT count(*) FROM communes"), 0); /* reads do not move it */
    assert_int_equal(store_generation(f->s), g1);
    add_commune(other, "Xã khác");
    uint64_t g2 = store_generation(f->s);
    assert_true(g2 != g1 && g2 != 0);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_generation(f->s), 0);
    assert_int_equal(store_generation(other), g2);
    store_rollback(f->s);
    assert_int_equal(store_generation(f->s), g2); /* nothing committed */
    store_close(other);
}

/* A token remembered as valid stops being valid the moment another connection (an admin
 * command) revokes it, and a revocation inside a transaction counts at once for that
 * transaction and not at all once rolled back. */
static void test_box_token_memo(void **state)
{
    fixture *f = *state;
    char err[STORE_ERR_MAX], token[STORE_BOX_TOKEN_MAX], token2[STORE_BOX_TOKEN_MAX];
    int64_t id = 0, id2 = 0, got = 0;
    store *other = NULL;
    add_commune(f->s, "Bằng Lãng");
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_box_add(f->s, WHO, "Nà Pài", "Bằng Lãng", &id, token), 0);
    assert_int_equal(store_box_add(f->s, WHO, "Bản Cậu", "Bằng Lãng", &id2, token2), 0);
    assert_int_equal(store_commit(f->s), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(store_box_verify(f->s, token, &got), 0);
        assert_int_equal(got, id);
    }
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_box_revoke(f->s, WHO, "Nà Pài"), 0);
    assert_int_equal(store_box_verify(f->s, token, &got), -EACCES);
    store_rollback(f->s);
    assert_int_equal(store_box_verify(f->s, token, &got), 0);

    assert_int_equal(store_open(f->dir, &other, err, sizeof err), 0);
    assert_int_equal(store_begin(other), 0);
    assert_int_equal(store_box_revoke(other, WHO, "Nà Pài"), 0);
    assert_int_equal(store_commit(other), 0);
    assert_int_equal(store_box_verify(f->s, token, &got), -EACCES);
    assert_int_equal(store_box_verify(f->s, token2, &got), 0);
    assert_int_equal(got, id2);
    store_close(other);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_init_layout),
        T(test_migrate_from_empty),
        T(test_newer_schema_refused),
        T(test_uninitialised),
        T(test_reopen),
        T(test_foreign_keys),
        T(test_names),
        T(test_box_tokens),
        T(test_users),
        T(test_audit),
        T(test_durability),
        T(test_statement_cache),
        T(test_data_version),
        T(test_generation),
        T(test_box_token_memo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
