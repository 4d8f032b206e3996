/* box_fixture: a temp data dir for the box-side store tests (manifest, plays, status, report)
 * with rows inserted by plain SQL, as a publisher would leave them. bf_setup/bf_teardown are
 * cmocka fixtures; *state is a bf_fixture. Failures fail the running test. The wall clock is
 * frozen at 01/10/2026 00:00 (+07:00) from bf_setup to bf_teardown. */
#ifndef LOALANG_TEST_BOX_FIXTURE_H
#define LOALANG_TEST_BOX_FIXTURE_H

#include <glib.h>
#include <stdint.h>

#include "hash.h"
#include "store.h"
#include "vtime.h"

#define WHO "cli:test"

typedef struct bf_fixture {
    char *tmp, *dir;
    store *s;
    GTimeZone *tz;
} bf_fixture;

int bf_setup(void **state);
int bf_teardown(void **state);
void bf_sql(bf_fixture *f, const char *fmt, ...);
int64_t bf_add_commune(bf_fixture *f, const char *name);
int64_t bf_add_box(bf_fixture *f, const char *name, const char *commune);
/* A media row named by the hash of seed; sha written to out. */
void bf_add_media(bf_fixture *f, const char *seed, int64_t duration_ms,
                  char out[HASH_SHA256_HEX_LEN + 1]);
/* Piece n's id: "0000000n-0000-4000-8000-00000000000n". */
const char *bf_piece_id(int n);
/* approved_ms 0: a draft; commune 0: about no commune. */
void bf_add_piece(bf_fixture *f, int n, const char *title, const char *genre, const char *media,
                  int64_t duration_ms, int64_t approved_ms, const char *exemplar, int64_t commune);
int64_t bf_add_version(bf_fixture *f, const char *month, int64_t published_ms);
void bf_add_airing(bf_fixture *f, const char *id, int64_t version, int piece, const char *media,
                   int64_t start_ms, int64_t duration_ms, const char *kind, const char *targets);
int64_t bf_local(bf_fixture *f, int y, int mo, int d, int h, int mi);

#endif
