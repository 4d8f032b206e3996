/* schema: the database's numbered migrations. Migration N brings PRAGMA user_version from N-1
 * to N in one transaction of its own, so a crash leaves the database at a whole version.
 * Migrations are append-only: once released, a migration's text never changes. */
#ifndef LOALANG_SCHEMA_H
#define LOALANG_SCHEMA_H

#include <sqlite3.h>
#include <stddef.h>

/* The version the newest migration produces. */
int schema_latest(void);

/* Applies every migration after the database's user_version, each with BEGIN IMMEDIATE.
 * Returns 0, -EPROTO when the database is newer than schema_latest, or -EIO/-EBUSY with an
 * English message in err. The connection is borrowed, not kept. */
int schema_migrate(sqlite3 *db, char *err, size_t err_len);

/* Reads PRAGMA user_version into *out; 0 or -EIO. */
int schema_version(sqlite3 *db, int *out);

#endif
