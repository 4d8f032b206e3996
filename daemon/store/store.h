/* store: the daemon's SQLite database (DIR/loalang.db, media files in DIR/media/).
 * One connection per store handle: WAL, foreign keys on, busy timeout, synchronous=FULL (what
 * is acknowledged survives a power cut), migrations applied at open (schema.h).
 *
 * Ownership and threads: a store is used by one thread at a time. The SQL lives in the store's
 * files: statements (store_prepare, store_internal.h) belong to the store and are finalized by
 * store_close; layers above call the store's functions. Strings from store_errmsg live until the
 * next call on the store.
 *
 * Errors: every function returns 0 or a negative errno-style code, and leaves an English
 * message for logs in store_errmsg. SQLite results map as: UNIQUE/PRIMARY KEY violation
 * -EEXIST, FOREIGN KEY violation -ENOENT, CHECK/NOT NULL violation -EINVAL, BUSY/LOCKED
 * -EBUSY, NOMEM -ENOMEM, FULL -ENOSPC, anything else -EIO. */
#ifndef LOALANG_STORE_H
#define LOALANG_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_DB_NAME   "loalang.db"
#define STORE_MEDIA_DIR "media"
#define STORE_KEY_BYTES 32 /* per-install secret keying box-token hashes */
#define STORE_ERR_MAX   256
#define STORE_NAME_MAX  256 /* bytes of UTF-8 in commune, box and user names */
#define STORE_BUSY_MS   5000

typedef struct store store;

/* Creates DIR (0700) if missing, the database at the latest schema, DIR/media/ and the
 * per-install secret. -EEXIST when DIR already holds a database; other failures as above.
 * err gets an English message. */
int store_init(const char *dir, char *err, size_t err_len);

/* Opens an initialised data dir and brings its schema up to date. -ENOENT when DIR holds no
 * database, -EPROTO when the database is newer than this program. *out is closed with
 * store_close. */
int store_open(const char *dir, store **out, char *err, size_t err_len);
void store_close(store *s);

sqlite3 *store_db(store *s);
const char *store_dir(const store *s);
const char *store_errmsg(const store *s);
/* The per-install secret (STORE_KEY_BYTES) that keys token hashes. */
const unsigned char *store_key(const store *s);

/* Runs one SQL text without parameters (pragmas, DDL); 0 or the mapped error. */
int store_exec(store *s, const char *sql);

/* Transactions: store_begin starts a write transaction with BEGIN IMMEDIATE (a deferred
 * transaction upgraded later gets SQLITE_BUSY_SNAPSHOT in WAL, whatever the busy timeout).
 * store_commit returns only once the commit is durable; on failure the transaction is rolled
 * back. store_rollback is safe to call when no transaction is open. */
int store_begin(store *s);
int store_commit(store *s);
void store_rollback(store *s);
/* A deferred read transaction around a request's reads: in WAL mode each statement run alone
 * is its own read transaction costing some six fcntl() lock calls. store_read_end commits it
 * (rolls back if the commit fails); with open false it does nothing, so a caller can pass on
 * whether store_read_begin succeeded: failing to open one only costs speed. */
int store_read_begin(store *s);
void store_read_end(store *s, bool open);

/* Records rc (an SQLite result code) with context and returns the mapped negative code. */
int store_fail(store *s, int rc, const char *what);
/* Records an English message for a failure found by the caller and returns code. */
int store_failf(store *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The data dir's change generation (store_gen.h): equal to an earlier reading only if no
 * process committed in between, so what was read from the database after that reading is still
 * what the database says. Read it before the reads it vouches for. 0 (vouches for nothing)
 * while this connection has a write transaction open: its reads see uncommitted changes. */
uint64_t store_generation(const store *s);

/* PRAGMA data_version: changes when another connection (an admin command, say) committed
 * since this connection last looked, so a running daemon can notice and tell the boxes. */
int store_data_version(store *s, int64_t *out);

/* A person-given name (commune, box, user): valid UTF-8, no control characters and no
 * invisible format characters (bidi overrides, zero-width marks), no leading or trailing space,
 * 1 … max bytes once normalised to NFC. *out is g_free'd by the caller.
 * -EINVAL otherwise. */
int store_name_normalize(const char *in, size_t max, char **out);

#endif
