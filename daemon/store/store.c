/* store: see store.h. */
#include "store_internal.h"

#include <assert.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ids.h"
#include "schema.h"
#include "store_gen.h"
#include "store_media.h"
#include "wallclock.h"

#define KEY_SETTING "box_token_key"
/* SQLite's own automatic checkpoint threshold, which our commit hook replaces (on_commit). */
#define CHECKPOINT_PAGES 1000

struct store {
    sqlite3 *db;
    char *dir;
    GHashTable *stmts; /* SQL text (owned copy) → sqlite3_stmt * */
    store_gen *gen;
    store_memo *memos[STORE_MEMO_KINDS];
    unsigned char key[STORE_KEY_BYTES];
    char err[STORE_ERR_MAX];
};

static int map_rc(int rc)
{
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return -EEXIST;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return -ENOENT;
    default:
        break;
    }
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        return -EINVAL;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_NOMEM:
        return -ENOMEM;
    case SQLITE_FULL:
        return -ENOSPC;
    default:
        return -EIO;
    }
}

int store_fail(store *s, int rc, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s: %s (%s)", what, sqlite3_errmsg(s->db), sqlite3_errstr(rc));
    return map_rc(rc);
}

int store_failf(store *s, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    return code;
}

sqlite3 *store_db(store *s)
{
    return s->db;
}

const char *store_dir(const store *s)
{
    return s->dir;
}

const char *store_errmsg(const store *s)
{
    return s->err;
}

const unsigned char *store_key(const store *s)
{
    return s->key;
}

store_memo *store_memo_of(store *s, store_memo_kind kind)
{
    /* A district has tens to thousands of boxes and a month's media a few dozen files. */
    static const struct {
        size_t slots, key_len, val_len;
    } sizes[STORE_MEMO_KINDS] = {
        [STORE_MEMO_TOKENS] = {4096, 32, sizeof(int64_t)},
        [STORE_MEMO_MEDIA] = {256, HASH_SHA256_HEX_LEN, sizeof(store_media)},
        [STORE_MEMO_MEDIA_BOX] = {4096, HASH_SHA256_HEX_LEN + sizeof(int64_t), 1},
    };
    assert(kind < STORE_MEMO_KINDS);
    if (!s->memos[kind])
        (void)store_memo_new(sizes[kind].slots, sizes[kind].key_len, sizes[kind].val_len,
                             &s->memos[kind]);
    return s->memos[kind];
}

int store_memo_read(store *s, store_memo_kind kind, const void *key, void *val,
                    int (*read)(store *s, const void *key, void *val))
{
    uint64_t gen = store_generation(s);
    int64_t now = wallclock_now_ms();
    store_memo *memo = store_memo_of(s, kind);
    if (memo && store_memo_get(memo, gen, now, key, val))
        return 0;
    int ret = read(s, key, val);
    if (ret == 0 && memo)
        store_memo_put(memo, gen, now, key, val);
    return ret;
}

uint64_t store_generation(const store *s)
{
    /* Inside a write transaction reads see what is not committed, and may never be. */
    if (sqlite3_txn_state(s->db, NULL) == SQLITE_TXN_WRITE)
        return 0;
    return store_gen_read(s->gen);
}

int store_data_version(store *s, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int ret = store_prepare(s, "PRAGMA data_version", &st);
    if (ret != 0)
        return ret;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        ret = store_fail(s, rc, "data_version");
    sqlite3_reset(st);
    return ret;
}

int store_prepare(store *s, const char *sql, sqlite3_stmt **out)
{
    sqlite3_stmt *st = g_hash_table_lookup(s->stmts, sql);
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        *out = st;
        return 0;
    }
    int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "prepare");
    g_hash_table_insert(s->stmts, g_strdup(sql), st);
    *out = st;
    return 0;
}

int store_exec_stmt(store *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    int ret = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(s, rc, "step");
    sqlite3_reset(st);
    return ret;
}

int store_exec(store *s, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return 0;
    snprintf(s->err, sizeof s->err, "%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return map_rc(rc);
}

int store_begin(store *s)
{
    /* Nested BEGIN fails in SQLite, and a caller that ignored that would commit its outer
     * transaction's work early: a caller bug, not a database state. */
    assert(sqlite3_get_autocommit(s->db));
    return store_exec(s, "BEGIN IMMEDIATE");
}

int store_read_begin(store *s)
{
    sqlite3_stmt *st = NULL;
    /* Cached statements, not store_exec: this runs on every manifest request. */
    int ret = store_prepare(s, "BEGIN", &st);
    return ret == 0 ? store_exec_stmt(s, st) : ret;
}

void store_read_end(store *s, bool open)
{
    sqlite3_stmt *st = NULL;
    if (open && (store_prepare(s, "COMMIT", &st) != 0 || store_exec_stmt(s, st) != 0))
        store_rollback(s);
}

int store_commit(store *s)
{
    int rc = store_exec(s, "COMMIT");
    if (rc != 0)
        store_rollback(s);
    return rc;
}

void store_rollback(store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_name_normalize(const char *in, size_t max, char **out)
{
    if (!in || !g_utf8_validate(in, -1, NULL))
        return -EINVAL;
    char *n = g_utf8_normalize(in, -1, G_NORMALIZE_NFC);
    size_t len = n ? strlen(n) : 0;
    bool ok = len >= 1 && len <= max && !g_unichar_isspace(g_utf8_get_char(n)) &&
              !g_unichar_isspace(g_utf8_get_char(g_utf8_prev_char(n + len)));
    /* Invisible format characters (Unicode Cf) are refused too: bidi overrides and isolates
     * (U+202A–202E, U+2066–2069) would show "a\u202eb" reversed, so one name could pass for
     * another in a list or a record; Vietnamese names need none of them. */
    for (const char *p = n; ok && *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        ok = !g_unichar_iscntrl(c) && g_unichar_type(c) != G_UNICODE_FORMAT;
    }
    if (!ok) {
        g_free(n);
        return -EINVAL;
    }
    *out = n;
    return 0;
}

/* SQLite calls this after each commit in WAL mode, with the write lock released: the commit
 * is visible to every reader, so the generation may move now. Registering it replaces SQLite's
 * automatic checkpoint hook, so it checkpoints as that one does (passive, from 1000 pages). */
static int on_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
    store *s = arg;
    store_gen_bump(s->gen);
    if (pages >= CHECKPOINT_PAGES)
        (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

/* Per-connection settings: none of them persist in the database file except WAL. */
static int configure(store *s)
{
    static const char *const pragmas[] = {
        "PRAGMA journal_mode = WAL",
        "PRAGMA foreign_keys = ON",
        /* FULL: a commit is on disk before we acknowledge it (docs/architecture.md §8). */
        "PRAGMA synchronous = FULL",
    };
    int rc = sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "busy_timeout");
    for (size_t i = 0; i < G_N_ELEMENTS(pragmas); i++) {
        int r = store_exec(s, pragmas[i]);
        if (r != 0)
            return r;
    }
    sqlite3_wal_hook(s->db, on_commit, s);
    return 0;
}

/* Reads the token key, creating it on first use. */
static int load_key(store *s)
{
    sqlite3_stmt *st = NULL;
    int ret = store_begin(s);
    if (ret != 0)
        return ret;
    ret = store_prepare(s, "SELECT value FROM settings WHERE key = ?1", &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_text(st, 1, KEY_SETTING, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == STORE_KEY_BYTES) {
        memcpy(s->key, sqlite3_column_blob(st, 0), STORE_KEY_BYTES);
        sqlite3_reset(st);
        goto out;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        ret = rc == SQLITE_ROW ? store_failf(s, -EIO, "settings.%s has a wrong size", KEY_SETTING)
                               : store_fail(s, rc, "read token key");
        goto out;
    }
    randombytes_buf(s->key, sizeof s->key);
    ret = store_prepare(s, "INSERT INTO settings(key, value) VALUES (?1, ?2)", &st);
    if (ret != 0)
        goto out;
    sqlite3_bind_text(st, 1, KEY_SETTING, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, s->key, sizeof s->key, SQLITE_STATIC);
    ret = store_exec_stmt(s, st);
out:
    if (ret == 0)
        return store_commit(s);
    store_rollback(s);
    return ret;
}

static void stmt_free(gpointer p)
{
    sqlite3_finalize(p);
}

void store_close(store *s)
{
    if (!s)
        return;
    if (s->stmts)
        g_hash_table_destroy(s->stmts);
    /* close_v2: the database closes once the last statement is gone, never half-closed. */
    if (s->db)
        sqlite3_wal_hook(s->db, NULL, NULL); /* the generation is unmapped next */
    sqlite3_close_v2(s->db);
    store_gen_close(s->gen);
    for (size_t i = 0; i < STORE_MEMO_KINDS; i++)
        store_memo_free(s->memos[i]);
    sodium_memzero(s->key, sizeof s->key);
    g_free(s->dir);
    g_free(s);
}

static int open_db(const char *dir, int flags, store **out, char *err, size_t err_len)
{
    store *s = g_new0(store, 1);
    char *path = g_build_filename(dir, STORE_DB_NAME, NULL);
    s->dir = g_strdup(dir);
    s->stmts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, stmt_free);
    int ret = ids_init();
    if (ret != 0) {
        store_failf(s, ret, "libsodium failed to initialise");
        goto out;
    }
    int rc = sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ret = rc == SQLITE_CANTOPEN ? store_failf(s, -ENOENT, "%s: cannot open", path)
                                    : store_fail(s, rc, path);
        goto out;
    }
    sqlite3_extended_result_codes(s->db, 1);
    /* Before any commit (migrations included), so that none goes uncounted. */
    ret = store_gen_open(dir, &s->gen);
    if (ret != 0) {
        store_failf(s, ret, "%s/%s: %s", dir, STORE_GEN_NAME, g_strerror(-ret));
        goto out;
    }
    ret = configure(s);
    if (ret == 0)
        ret = schema_migrate(s->db, s->err, sizeof s->err);
    if (ret == 0)
        ret = load_key(s);
out:
    g_free(path);
    if (ret != 0) {
        snprintf(err, err_len, "%s", s->err);
        store_close(s);
        return ret;
    }
    *out = s;
    return 0;
}

int store_open(const char *dir, store **out, char *err, size_t err_len)
{
    char *path = g_build_filename(dir, STORE_DB_NAME, NULL);
    bool exists = g_file_test(path, G_FILE_TEST_IS_REGULAR);
    g_free(path);
    /* Without this check SQLite would report a missing file only as "unable to open". */
    if (!exists) {
        snprintf(err, err_len, "%s: no %s (not initialised)", dir, STORE_DB_NAME);
        return -ENOENT;
    }
    return open_db(dir, SQLITE_OPEN_READWRITE, out, err, err_len);
}

static int make_dir(const char *path, char *err, size_t err_len)
{
    if (g_mkdir(path, 0700) == 0 || (errno == EEXIST && g_file_test(path, G_FILE_TEST_IS_DIR)))
        return 0;
    int e = errno;
    snprintf(err, err_len, "mkdir %s: %s", path, g_strerror(e));
    return -e;
}

static void remove_db(const char *db)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-gen"};
    for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
        char *p = g_strconcat(db, suffixes[i], NULL);
        g_unlink(p);
        g_free(p);
    }
}

int store_init(const char *dir, char *err, size_t err_len)
{
    char *db = g_build_filename(dir, STORE_DB_NAME, NULL);
    char *media = g_build_filename(dir, STORE_MEDIA_DIR, NULL);
    store *s = NULL;
    /* An existing empty dir is fine (systemd's StateDirectory makes one); a database is not. */
    int ret = make_dir(dir, err, err_len);
    if (ret != 0)
        goto out;
    /* O_EXCL makes "already initialised" race-free; 0600 because the database holds the
     * token key (SQLite gives -wal and -shm the same mode). */
    int fd = open(db, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        ret = -errno;
        snprintf(err, err_len, "%s: %s", db, g_strerror(errno));
        goto out;
    }
    close(fd);
    ret = make_dir(media, err, err_len);
    if (ret != 0)
        goto out;
    ret = open_db(dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &s, err, err_len);
    if (ret != 0)
        remove_db(db); /* so that init can be tried again */
out:
    store_close(s);
    g_free(db);
    g_free(media);
    return ret;
}
