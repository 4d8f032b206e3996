/* box_fixture: see box_fixture.h. */
#include "box_fixture.h"

#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "store_boxes.h"
#include "store_communes.h"
#include "wallclock.h"
#include "tmpdir.h"

int bf_setup(void **state)
{
    bf_fixture *f = g_new0(bf_fixture, 1);
    f->tmp = tmpdir_new("loalang-box-XXXXXX");
    f->s = tmpdir_store(f->tmp, &f->dir);
    assert_int_equal(vtime_zone_new(NULL, &f->tz), 0);
    /* Rows the store stamps itself (boxes' created_ms, audit) are made before the months the
     * tests report on, whatever day the suite runs. */
    wallclock_freeze_ms(bf_local(f, 2026, 10, 1, 0, 0));
    *state = f;
    return 0;
}

int bf_teardown(void **state)
{
    bf_fixture *f = *state;
    store_close(f->s);
    wallclock_set(NULL, NULL);
    tmpdir_remove(f->tmp);
    g_time_zone_unref(f->tz);
    g_free(f->dir);
    g_free(f);
    return 0;
}

void bf_sql(bf_fixture *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *q = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    char *msg = NULL;
    int rc = sqlite3_exec(store_db(f->s), q, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", q, msg);
    sqlite3_free(q);
}

int64_t bf_add_commune(bf_fixture *f, const char *name)
{
    int64_t id = 0;
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_commune_add(f->s, WHO, name, &id), 0);
    assert_int_equal(store_commit(f->s), 0);
    return id;
}

int64_t bf_add_box(bf_fixture *f, const char *name, const char *commune)
{
    int64_t id = 0;
    char token[STORE_BOX_TOKEN_MAX];
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_box_add(f->s, WHO, name, commune, &id, token), 0);
    assert_int_equal(store_commit(f->s), 0);
    return id;
}

/* A media row named by the hash of seed; sha written to out. */
void bf_add_media(bf_fixture *f, const char *seed, int64_t duration_ms,
                  char out[HASH_SHA256_HEX_LEN + 1])
{
    hash_sha256_buf(seed, strlen(seed), out);
    bf_sql(f,
           "INSERT INTO media(sha256, bytes, duration_ms, created_ms) VALUES (%Q, %lld, %lld, 0)",
           out, (long long)(duration_ms / 8 + 1), (long long)duration_ms);
}

/* Piece n's id: "0000000n-0000-4000-8000-00000000000n". */
const char *bf_piece_id(int n)
{
    static char ids[64][40];
    snprintf(ids[n], sizeof ids[n], "%08d-0000-4000-8000-%012d", n, n);
    return ids[n];
}

/* approved_ms 0: a draft; commune 0: about no commune. */
void bf_add_piece(bf_fixture *f, int n, const char *title, const char *genre, const char *media,
                  int64_t duration_ms, int64_t approved_ms, const char *exemplar, int64_t commune)
{
    bf_sql(f,
           "INSERT INTO pieces(id, title, genre, exemplar, commune_id, status, media_sha256,"
           " duration_ms, approved_ms, created_ms, updated_ms)"
           " VALUES (%Q, %Q, %Q, %Q, NULLIF(%lld, 0), %Q, %Q, %lld, NULLIF(%lld, 0), 0, 0)",
           bf_piece_id(n), title, genre, exemplar, (long long)commune,
           approved_ms ? "approved" : "draft", media, (long long)duration_ms,
           (long long)approved_ms);
}

int64_t bf_add_version(bf_fixture *f, const char *month, int64_t published_ms)
{
    bf_sql(f,
           "INSERT INTO schedule_versions(month, version, published_ms, published_by)"
           " VALUES (%Q, (SELECT coalesce(max(version), 0) + 1 FROM schedule_versions"
           " WHERE month = %Q), %lld, 'test')",
           month, month, (long long)published_ms);
    return sqlite3_last_insert_rowid(store_db(f->s));
}

void bf_add_airing(bf_fixture *f, const char *id, int64_t version, int piece, const char *media,
                   int64_t start_ms, int64_t duration_ms, const char *kind, const char *targets)
{
    bf_sql(f,
           "INSERT INTO airings(id, version_id, piece_id, media_sha256, start_ms, duration_ms,"
           " program_title, target_kind, targets) VALUES (%Q, %lld, %Q, %Q, %lld, %lld,"
           " 'Bản tin sáng', %Q, %Q)",
           id, (long long)version, bf_piece_id(piece), media, (long long)start_ms,
           (long long)duration_ms, kind, targets);
}

int64_t bf_local(bf_fixture *f, int y, int mo, int d, int h, int mi)
{
    int64_t ms = 0;
    assert_int_equal(vtime_local_to_utc(f->tz, y, mo, d, h, mi, 0, &ms), 0);
    return ms;
}
