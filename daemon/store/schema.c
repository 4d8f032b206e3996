/* schema: migrations. Tables are STRICT (types enforced); times are INTEGER UTC epoch ms
 * (columns named *_ms); local calendar dates are TEXT 'YYYY-MM-DD', months 'YYYY-MM'.
 * Published schedules are versioned without copying: an airing row appears in the version
 * that published it and stays live until a later version withdraws it, so airing ids (which
 * boxes and play reports refer to) are stable across republishing. The month plan's working
 * schedule (fill output, hand edits) lives in plan_airings until published. */
#include "schema.h"

#include <errno.h>
#include <stdio.h>

#define DATE_GLOB     "'[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'"
#define MONTH_GLOB    "'[0-9][0-9][0-9][0-9]-[01][0-9]'"
#define GENRES        "('news','article','report','interview','jingle')"
#define PRIORITIES    "('normal','priority','emergency')"
#define STATUSES      "('draft','submitted','approved','rejected','retired')"
#define TARGET_KINDS  "('all','communes','boxes')"
#define JSON_ARRAY(c) "json_valid(" c ") AND json_type(" c ") = 'array'"
#define SHA256_OK(c)  "length(" c ") = 64 AND " c " NOT GLOB '*[^0-9a-f]*'"

/* clang-format off */
static const char MIGRATION_1[] =
    "CREATE TABLE settings ("
    " key TEXT PRIMARY KEY NOT NULL,"
    " value BLOB NOT NULL"
    ") STRICT;"

    "CREATE TABLE communes ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 256),"
    " created_ms INTEGER NOT NULL"
    ") STRICT;"

    /* token_hash: crypto_generichash of the bearer token keyed with settings 'box_token_key'. */
    "CREATE TABLE boxes ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 256),"
    " commune_id INTEGER NOT NULL REFERENCES communes(id),"
    " token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
    " revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),"
    " revoked_ms INTEGER,"
    " created_ms INTEGER NOT NULL,"
    " CHECK ((revoked = 0) = (revoked_ms IS NULL))"
    ") STRICT;"
    "CREATE INDEX boxes_commune ON boxes(commune_id);"

    /* Operators belong to exactly one commune; the other roles to none. */
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 256),"
    " role TEXT NOT NULL CHECK (role IN ('admin','technician','approver','operator')),"
    " commune_id INTEGER REFERENCES communes(id),"
    " password_hash TEXT NOT NULL CHECK (password_hash GLOB '$argon2id$*'),"
    " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
    " created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL,"
    " CHECK ((role = 'operator') = (commune_id IS NOT NULL))"
    ") STRICT;"

    "CREATE TABLE sessions ("
    " token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " csrf_token TEXT NOT NULL CHECK (length(csrf_token) >= 16),"
    " created_ms INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL,"
    " CHECK (expires_ms > created_ms)"
    ") STRICT;"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE INDEX sessions_expires ON sessions(expires_ms);"

    /* Loudness in LUFS before and after normalisation, true peak in dBTP after. */
    "CREATE TABLE media ("
    " sha256 TEXT PRIMARY KEY CHECK (" SHA256_OK("sha256") "),"
    " bytes INTEGER NOT NULL CHECK (bytes > 0),"
    " duration_ms INTEGER NOT NULL CHECK (duration_ms > 0),"
    " loudness_in_lufs REAL,"
    " loudness_out_lufs REAL,"
    " true_peak_dbtp REAL,"
    " created_ms INTEGER NOT NULL"
    ") STRICT;"

    "CREATE TABLE pieces ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 36),"
    " title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 512),"
    " genre TEXT NOT NULL CHECK (genre IN " GENRES "),"
    " theme TEXT,"
    " exemplar TEXT,"
    " commune_id INTEGER REFERENCES communes(id),"
    " priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN " PRIORITIES "),"
    " status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN " STATUSES "),"
    " media_sha256 TEXT NOT NULL REFERENCES media(sha256),"
    " duration_ms INTEGER NOT NULL CHECK (duration_ms > 0),"
    " approved_ms INTEGER,"

    /* last approval; kept after retirement for the reports */
    " created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL,"
    " CHECK (status <> 'approved' OR approved_ms IS NOT NULL)"
    ") STRICT;"
    "CREATE INDEX pieces_status ON pieces(status, created_ms);"
    "CREATE INDEX pieces_media ON pieces(media_sha256);"
    "CREATE INDEX pieces_commune ON pieces(commune_id);"

    /* Every status change; from_status NULL for the creation. who: "user:NAME" or "cli:UNIX". */
    "CREATE TABLE piece_reviews ("
    " id INTEGER PRIMARY KEY,"
    " piece_id TEXT NOT NULL REFERENCES pieces(id),"
    " who TEXT NOT NULL CHECK (length(who) BETWEEN 1 AND 300),"
    " at_ms INTEGER NOT NULL,"
    " from_status TEXT CHECK (from_status IN " STATUSES "),"
    " to_status TEXT NOT NULL CHECK (to_status IN " STATUSES "),"
    " note TEXT NOT NULL DEFAULT ''"
    ") STRICT;"
    "CREATE INDEX piece_reviews_piece ON piece_reviews(piece_id, at_ms);"

    /* Recurring slots. weekdays: bit 0 Monday … bit 6 Sunday. targets: JSON array of commune
     * or box ids per target_kind ([] for 'all'). Jingles by piece id. */
    "CREATE TABLE programs ("
    " id TEXT PRIMARY KEY CHECK (length(id) = 36),"
    " title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 256),"
    " weekdays INTEGER NOT NULL CHECK (weekdays BETWEEN 1 AND 127),"
    " start_s INTEGER NOT NULL CHECK (start_s BETWEEN 0 AND 86399),"
    " length_s INTEGER NOT NULL CHECK (length_s BETWEEN 60 AND 86400),"
    " valid_from TEXT CHECK (valid_from GLOB " DATE_GLOB "),"
    " valid_until TEXT CHECK (valid_until GLOB " DATE_GLOB "),"
    " target_kind TEXT NOT NULL DEFAULT 'all' CHECK (target_kind IN " TARGET_KINDS "),"
    " targets TEXT NOT NULL DEFAULT '[]' CHECK (" JSON_ARRAY("targets") "),"
    " intro_piece TEXT REFERENCES pieces(id),"
    " outro_piece TEXT REFERENCES pieces(id),"
    " created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL,"
    " CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_from <= valid_until)"
    ") STRICT;"

    "CREATE TABLE month_plans ("
    " month TEXT PRIMARY KEY CHECK (month GLOB " MONTH_GLOB "),"
    " theme TEXT,"
    " created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL"
    ") STRICT;"

    /* A piece chosen for a month. airings 0 = as many as the pins (at least 1). pins: JSON
     * array of {"day":"YYYY-MM-DD","program":ID|null}; communes: JSON array of commune ids ([]
     * = the programme's own targets). */
    "CREATE TABLE plan_items ("
    " month TEXT NOT NULL REFERENCES month_plans(month) ON DELETE CASCADE,"
    " piece_id TEXT NOT NULL REFERENCES pieces(id),"
    " position INTEGER NOT NULL,"
    " airings INTEGER NOT NULL DEFAULT 0 CHECK (airings >= 0),"
    " window_from TEXT CHECK (window_from GLOB " DATE_GLOB "),"
    " window_until TEXT CHECK (window_until GLOB " DATE_GLOB "),"
    " communes TEXT NOT NULL DEFAULT '[]' CHECK (" JSON_ARRAY("communes") "),"
    " pins TEXT NOT NULL DEFAULT '[]' CHECK (" JSON_ARRAY("pins") "),"
    " PRIMARY KEY (month, piece_id),"
    " CHECK (window_from IS NULL OR window_until IS NULL OR window_from <= window_until)"
    ") STRICT;"

    /* The working schedule of a month before publishing (fill output plus hand edits). */
    "CREATE TABLE plan_airings ("
    " id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),"
    " month TEXT NOT NULL REFERENCES month_plans(month) ON DELETE CASCADE,"
    " piece_id TEXT NOT NULL REFERENCES pieces(id),"
    " start_ms INTEGER NOT NULL,"
    " duration_ms INTEGER NOT NULL CHECK (duration_ms > 0),"
    " priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN " PRIORITIES "),"
    " program_id TEXT REFERENCES programs(id) ON DELETE SET NULL,"
    " target_kind TEXT NOT NULL DEFAULT 'all' CHECK (target_kind IN " TARGET_KINDS "),"
    " targets TEXT NOT NULL DEFAULT '[]' CHECK (" JSON_ARRAY("targets") ")"
    ") STRICT;"
    "CREATE INDEX plan_airings_month ON plan_airings(month, start_ms);"

    /* id is the global publish counter (manifest_changed carries it); version counts per
     * month. kind 'oneoff' and 'emergency' publish single airings outside the month plan. */
    "CREATE TABLE schedule_versions ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " month TEXT NOT NULL CHECK (month GLOB " MONTH_GLOB "),"
    " version INTEGER NOT NULL CHECK (version >= 1),"
    " kind TEXT NOT NULL DEFAULT 'month' CHECK (kind IN ('month','oneoff','emergency')),"
    " published_ms INTEGER NOT NULL,"
    " published_by TEXT NOT NULL CHECK (length(published_by) BETWEEN 1 AND 300),"
    " UNIQUE (month, version)"
    ") STRICT;"

    /* Published airings: live from version_id until withdrawn_version_id (NULL = still live).
     * program_title and media_sha256 are copies taken at publishing: what boxes were told. */
    "CREATE TABLE airings ("
    " id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),"
    " version_id INTEGER NOT NULL REFERENCES schedule_versions(id),"
    " withdrawn_version_id INTEGER REFERENCES schedule_versions(id),"
    " piece_id TEXT NOT NULL REFERENCES pieces(id),"
    " media_sha256 TEXT NOT NULL REFERENCES media(sha256),"
    " start_ms INTEGER NOT NULL,"
    " duration_ms INTEGER NOT NULL CHECK (duration_ms > 0),"
    " priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN " PRIORITIES "),"
    " program_id TEXT REFERENCES programs(id) ON DELETE SET NULL,"
    " program_title TEXT NOT NULL DEFAULT '',"
    " target_kind TEXT NOT NULL DEFAULT 'all' CHECK (target_kind IN " TARGET_KINDS "),"
    " targets TEXT NOT NULL DEFAULT '[]' CHECK (" JSON_ARRAY("targets") "),"
    " CHECK (withdrawn_version_id IS NULL OR withdrawn_version_id > version_id)"
    ") STRICT;"
    "CREATE INDEX airings_start ON airings(start_ms);"
    "CREATE INDEX airings_live_start ON airings(start_ms) WHERE withdrawn_version_id IS NULL;"
    "CREATE INDEX airings_version ON airings(version_id);"
    "CREATE INDEX airings_piece ON airings(piece_id);"

    "CREATE TABLE contracts ("
    " id INTEGER PRIMARY KEY,"
    " title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 512),"
    " from_date TEXT NOT NULL CHECK (from_date GLOB " DATE_GLOB "),"
    " until_date TEXT NOT NULL CHECK (until_date GLOB " DATE_GLOB "),"
    " reach_permille INTEGER NOT NULL DEFAULT 800 CHECK (reach_permille BETWEEN 1 AND 1000),"
    " created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL,"
    " CHECK (from_date <= until_date)"
    ") STRICT;"

    /* One line per genre; pieces counted per month or per period, not both. 0 = no bound. */
    "CREATE TABLE contract_lines ("
    " contract_id INTEGER NOT NULL REFERENCES contracts(id) ON DELETE CASCADE,"
    " genre TEXT NOT NULL CHECK (genre IN ('news','article','report','interview')),"
    " pieces_per_month INTEGER NOT NULL DEFAULT 0 CHECK (pieces_per_month >= 0),"
    " pieces_per_period INTEGER NOT NULL DEFAULT 0 CHECK (pieces_per_period >= 0),"
    " airings_per_piece INTEGER NOT NULL DEFAULT 0 CHECK (airings_per_piece >= 0),"
    " min_ms INTEGER NOT NULL DEFAULT 0 CHECK (min_ms >= 0),"
    " max_ms INTEGER NOT NULL DEFAULT 0 CHECK (max_ms >= 0),"
    " PRIMARY KEY (contract_id, genre),"
    " CHECK (pieces_per_month = 0 OR pieces_per_period = 0),"
    " CHECK (max_ms = 0 OR max_ms >= min_ms)"
    ") STRICT;"

    /* Play reports; the box-made id makes re-sent batches idempotent. */
    "CREATE TABLE plays ("
    " id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),"
    " airing_id TEXT NOT NULL REFERENCES airings(id),"
    " box_id INTEGER NOT NULL REFERENCES boxes(id),"
    " media_sha256 TEXT NOT NULL CHECK (" SHA256_OK("med""ia_""sha""25""6") "),"
    " scheduled_ms INTEGER NOT NULL,"
    " started_ms INTEGER NOT NULL,"
    " ended_ms INTEGER NOT NULL,"
    " played_ms INTEGER NOT NULL CHECK (played_ms >= 0),"
    " outcome TEXT NOT NULL CHECK (outcome IN ('completed','partial','failed','missed')),"
    " detail TEXT NOT NULL DEFAULT '',"
    " received_ms INTEGER NOT NULL,"
    " CHECK (ended_ms >= started_ms)"
    ") STRICT;"
    "CREATE INDEX plays_airing ON plays(airing_id, box_id);"
    "CREATE INDEX plays_box ON plays(box_id, started_ms);"

    "CREATE TABLE box_status ("
    " id INTEGER PRIMARY KEY,"
    " box_id INTEGER NOT NULL REFERENCES boxes(id),"
    " at_ms INTEGER NOT NULL,"
    " status TEXT NOT NULL CHECK (json_valid(status))"
    ") STRICT;"
    "CREATE INDEX box_status_box_at ON box_status(box_id, at_ms);"

    /* Every change a person made. entity: "box:3", "piece:<uuid>" …; before/after JSON. */
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY,"
    " at_ms INTEGER NOT NULL,"
    " who TEXT NOT NULL CHECK (length(who) BETWEEN 1 AND 300),"
    " action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),"
    " entity TEXT NOT NULL,"
    " before TEXT CHECK (before IS NULL OR json_valid(before)),"
    " after TEXT CHECK (after IS NULL OR json_valid(after))"
    ") STRICT;"
    "CREATE INDEX audit_at ON audit(at_ms);"
    "CREATE INDEX audit_entity ON audit(entity, at_ms);"

    /* The long-poll feed; AUTOINCREMENT so a cursor is never reused after deletions. */
    "CREATE TABLE events ("
    " cursor INTEGER PRIMARY KEY AUTOINCREMENT,"
    " type TEXT NOT NULL CHECK (type IN ('manifest_changed','emergency','stop')),"
    " payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),"
    " created_ms INTEGER NOT NULL"
    ") STRICT;";
/* clang-format on */

/* When each box last reached the daemon (any box request) and since when it has been in
 * touch without a gap longer than the offline threshold: the box status list's online/since.
 * Written in batches from memory (store_status.h), not on every request. */
/* clang-format off */
static const char MIGRATION_2[] =
    "CREATE TABLE box_contacts ("
    " box_id INTEGER PRIMARY KEY REFERENCES boxes(id),"
    " last_ms INTEGER NOT NULL,"
    " since_ms INTEGER NOT NULL,"
    " CHECK (since_ms <= last_ms)"
    ") STRICT;";
/* clang-format on */

static const char *const MIGRATIONS[] = {MIGRATION_1, MIGRATION_2};
#define N_MIGRATIONS ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))

int schema_latest(void)
{
    return N_MIGRATIONS;
}

int schema_version(sqlite3 *db, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        return 0;
    }
    sqlite3_finalize(st);
    return -EIO;
}

/* Runs migration n (1-based) and sets user_version = n, in one transaction. */
static int apply(sqlite3 *db, int n, char *err, size_t err_len)
{
    char *msg = NULL;
    char bump[48];
    int v = 0;
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        goto out;
    /* Another process may have migrated while we waited for the write lock. */
    if (schema_version(db, &v) != 0) {
        rc = SQLITE_ERROR;
        goto out;
    }
    if (v >= n) {
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, &msg);
        goto out;
    }
    rc = sqlite3_exec(db, MIGRATIONS[n - 1], NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        goto out;
    /* PRAGMA takes no bound parameters; n is our own constant, not input. */
    snprintf(bump, sizeof bump, "PRAGMA user_version = %d", n);
    rc = sqlite3_exec(db, bump, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        goto out;
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, &msg);
out:
    if (rc != SQLITE_OK) {
        snprintf(err, err_len, "migration %d failed: %s", n, msg ? msg : sqlite3_errstr(rc));
        if (!sqlite3_get_autocommit(db))
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_free(msg);
    if (rc == SQLITE_OK)
        return 0;
    return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? -EBUSY : -EIO;
}

int schema_migrate(sqlite3 *db, char *err, size_t err_len)
{
    int v = 0;
    if (schema_version(db, &v) != 0) {
        snprintf(err, err_len, "cannot read user_version: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    if (v > N_MIGRATIONS) {
        snprintf(err, err_len, "database schema %d is newer than this program's %d", v,
                 N_MIGRATIONS);
        return -EPROTO;
    }
    for (int n = v + 1; n <= N_MIGRATIONS; n++) {
        int rc = apply(db, n, err, err_len);
        if (rc != 0)
            return rc;
    }
    return 0;
}
