/* bench_plays: how many play reports a second the daemon stores durably, in batches of 100
 * through store_plays_ingest (decode, validate, idempotency look-up, insert, one commit per
 * batch), against a reference measured in the same run: plain prepared INSERTs of the same
 * rows, one transaction per 100, on a second database of the same schema. Both with
 * synchronous=FULL (the store's setting: every commit fsyncs), then both with NORMAL (WAL:
 * commits do not fsync), then OFF (no sync at all: what is left is CPU). The two databases
 * take batches in turn (the order alternating) so a slow spell of the shared disk hits both;
 * per-batch medians are printed beside the totals, which spikes dominate. Also: building a box
 * manifest against answering from the cache; the report of a year against one pass reading
 * its plays. Databases live in a temp dir on the real disk (not tmpfs). */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "manifest.h"
#include "proto.h"
#include "report.h"
#include "store.h"
#include "store_internal.h" /* fixtures use the statement cache */
#include "store_boxes.h"
#include "store_communes.h"
#include "store_plays.h"
#include "vtime.h"

#define BATCH            100
#define BATCHES          100 /* per round and database */
#define ROUNDS           4
#define BOXES            20
#define AIRINGS          100
#define MANIFEST_AIRINGS 280 /* 40 a day over the 7-day horizon */
#define MANIFEST_RUNS    200

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(store *s, const char *what)
{
    fprintf(stderr, "bench_plays: %s: %s\n", what, s ? store_errmsg(s) : "");
    exit(1);
}

static void must(store *s, int rc, const char *what)
{
    if (rc != 0)
        die(s, what);
}

typedef struct world {
    char *dir;
    store *s;
    int64_t box[BOXES];
    char media[HASH_SHA256_HEX_LEN + 1];
    int64_t start;
} world;

/* A data dir with BOXES boxes, one media and AIRINGS airings for all starting at start. */
static void make_world(world *w, const char *parent, const char *name, int64_t start, int n_airings)
{
    char err[STORE_ERR_MAX], token[STORE_BOX_TOKEN_MAX];
    w->dir = g_build_filename(parent, name, NULL);
    w->start = start;
    if (store_init(w->dir, err, sizeof err) != 0 || store_open(w->dir, &w->s, err, sizeof err))
        die(NULL, err);
    hash_sha256_buf("bench", 5, w->media);
    must(w->s, store_begin(w->s), "begin");
    must(w->s, store_commune_add(w->s, "cli:bench", "Bằng Lãng", NULL), "commune");
    for (int i = 0; i < BOXES; i++) {
        char n[32];
        snprintf(n, sizeof n, "Cụm loa %d", i);
        must(w->s, store_box_add(w->s, "cli:bench", n, "Bằng Lãng", &w->box[i], token), "box");
    }
    char *q = sqlite3_mprintf(
        "INSERT INTO media VALUES (%Q, 1000000, 180000, NULL, NULL, NULL, 0);"
        "INSERT INTO pieces(id, title, genre, status, media_sha256, duration_ms, approved_ms,"
        " created_ms, updated_ms) VALUES ('00000001-0000-4000-8000-000000000001', 'Tin',"
        " 'news', 'approved', %Q, 180000, 0, 0, 0);"
        "INSERT INTO schedule_versions(month, version, published_ms, published_by)"
        " VALUES ('2026-12', 1, 0, 'bench');",
        w->media, w->media);
    must(w->s, store_exec(w->s, q), "fixture");
    sqlite3_free(q);
    for (int i = 0; i < n_airings; i++) {
        q = sqlite3_mprintf("INSERT INTO airings(id, version_id, piece_id, media_sha256,"
                            " start_ms, duration_ms, program_title) VALUES ('A%d', 1,"
                            " '00000001-0000-4000-8000-000000000001', %Q, %lld, 180000,"
                            " 'Bản tin')",
                            i, w->media, (long long)(start + (int64_t)i * 1800000));
        must(w->s, store_exec(w->s, q), "airing");
        sqlite3_free(q);
    }
    must(w->s, store_commit(w->s), "commit");
}

static void drop_world(world *w)
{
    store_close(w->s);
    g_free(w->dir);
}

/* Batch b of round r: BATCH plays of airings (b + i) mod AIRINGS, all by box b mod BOXES. */
static json_t *make_batch(const world *w, GTimeZone *tz, const char *tag, int r, int b)
{
    json_t *a = json_array();
    for (int i = 0; i < BATCH; i++) {
        char id[64], airing[16], t0[VTIME_RFC3339_MAX], t1[VTIME_RFC3339_MAX];
        int k = (b + i) % AIRINGS;
        int64_t st = w->start + (int64_t)k * 1800000;
        snprintf(id, sizeof id, "%s-%d-%d-%d", tag, r, b, i);
        snprintf(airing, sizeof airing, "A%d", k);
        vtime_format_rfc3339(st, tz, t0);
        vtime_format_rfc3339(st + 180000, tz, t1);
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "id",
                                           id, "airing", airing, "media", w->media,
                                           "scheduled_start", t0, "started_at", t0, "ended_at", t1,
                                           "played_ms", 180000, "outcome", "completed", "detail",
                                           "", "box_index", (json_int_t)(i % BOXES)));
    }
    return a;
}

/* Through store_plays_ingest: batch b's plays, by box b mod BOXES. */
static double run_ingest(world *w, const json_t *batch, int b)
{
    json_t *res = NULL;
    double t0 = now_s();
    must(w->s, store_plays_ingest(w->s, w->box[b % BOXES], batch, &res), "ingest");
    double t = now_s() - t0;
    if (json_array_size(json_object_get(res, "accepted")) != BATCH)
        die(w->s, "not all accepted (the bench input is wrong)");
    json_decref(res);
    return t;
}

/* A batch's rows as plain values, converted before the clock starts. */
typedef struct row {
    const char *id, *airing;
    int64_t started, ended;
} row;

static void to_rows(const json_t *batch, row *rows)
{
    for (size_t i = 0; i < json_array_size(batch); i++) {
        json_t *p = json_array_get(batch, i);
        rows[i].id = json_string_value(json_object_get(p, "id"));
        rows[i].airing = json_string_value(json_object_get(p, "airing"));
        vtime_parse_rfc3339(json_string_value(json_object_get(p, "started_at")), &rows[i].started);
        vtime_parse_rfc3339(json_string_value(json_object_get(p, "ended_at")), &rows[i].ended);
    }
}

/* The reference: the same rows by plain prepared INSERTs in one transaction. */
static double run_reference(world *w, const json_t *batch, int b)
{
    row rows[BATCH];
    to_rows(batch, rows);
    double t0 = now_s();
    must(w->s, store_begin(w->s), "begin");
    for (int i = 0; i < BATCH; i++) {
        sqlite3_stmt *st = NULL;
        must(w->s,
             store_prepare(w->s,
                           "INSERT INTO plays(id, airing_id, box_id, media_sha256, scheduled_ms,"
                           " started_ms, ended_ms, played_ms, outcome, detail, received_ms)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, 180000, 'completed', '', 0)",
                           &st),
             "prepare");
        sqlite3_bind_text(st, 1, rows[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, rows[i].airing, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, w->box[b % BOXES]);
        sqlite3_bind_text(st, 4, w->media, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, rows[i].started);
        sqlite3_bind_int64(st, 6, rows[i].ended);
        must(w->s, store_exec_stmt(w->s, st), "insert");
    }
    must(w->s, store_commit(w->s), "commit");
    return now_s() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[n / 2];
}

static void plays_bench(const char *parent, GTimeZone *tz, const char *sync)
{
    world ing, ref;
    int64_t start = 0;
    vtime_local_to_utc(tz, 2026, 12, 1, 6, 0, 0, &start);
    char n1[32], n2[32];
    snprintf(n1, sizeof n1, "ingest-%s", sync);
    snprintf(n2, sizeof n2, "reference-%s", sync);
    make_world(&ing, parent, n1, start, AIRINGS);
    make_world(&ref, parent, n2, start, AIRINGS);
    char *pragma = g_strdup_printf("PRAGMA synchronous = %s", sync);
    must(ing.s, store_exec(ing.s, pragma), "pragma");
    must(ref.s, store_exec(ref.s, pragma), "pragma");
    g_free(pragma);
    enum { N = ROUNDS * BATCHES };
    static double t_ing[N], t_ref[N];
    double sum_ing = 0, sum_ref = 0;
    for (int r = 0; r < ROUNDS; r++) {
        json_t *batches[BATCHES];
        for (int b = 0; b < BATCHES; b++)
            batches[b] = make_batch(&ing, tz, "p", r, b);
        /* batch by batch, alternating which database goes first */
        for (int b = 0; b < BATCHES; b++) {
            int k = r * BATCHES + b;
            if (b % 2 == 0) {
                t_ing[k] = run_ingest(&ing, batches[b], b);
                t_ref[k] = run_reference(&ref, batches[b], b);
            } else {
                t_ref[k] = run_reference(&ref, batches[b], b);
                t_ing[k] = run_ingest(&ing, batches[b], b);
            }
            sum_ing += t_ing[k];
            sum_ref += t_ref[k];
        }
        for (int b = 0; b < BATCHES; b++)
            json_decref(batches[b]);
    }
    double m_ing = median(t_ing, N), m_ref = median(t_ref, N);
    printf("%-7s ingest %6.0f plays/s (median batch %5.2f ms)   reference %6.0f plays/s (median "
           "%5.2f ms)   ratio of medians %.2f, of totals %.2f\n",
           sync, N * BATCH / sum_ing, m_ing * 1e3, N * BATCH / sum_ref, m_ref * 1e3, m_ref / m_ing,
           sum_ref / sum_ing);
    drop_world(&ing);
    drop_world(&ref);
}

static void manifest_bench(const char *parent, GTimeZone *tz)
{
    world w;
    int64_t start = 0, now = 0;
    vtime_local_to_utc(tz, 2026, 12, 1, 0, 0, 0, &start);
    now = start + 3600000;
    /* every 6 minutes from midnight: 40 a day over the 7-day horizon */
    make_world(&w, parent, "manifest", start, MANIFEST_AIRINGS);
    must(w.s,
         store_exec(w.s, "UPDATE airings SET start_ms = start_ms / 5"
                         " + (SELECT min(start_ms) FROM airings) * 4 / 5"),
         "spread");
    manifest_opts o;
    manifest_opts_default(&o, tz);
    manifest_cache *c = manifest_cache_new(&o);
    double build[MANIFEST_RUNS], hit[MANIFEST_RUNS];
    size_t n_airings = 0, len = 0;
    for (int i = 0; i < MANIFEST_RUNS; i++) {
        proto_manifest m;
        double t0 = now_s();
        must(w.s, manifest_build(w.s, &o, w.box[0], now, &m), "build");
        json_t *j = proto_manifest_to_json(&m, tz);
        char *text = json_dumps(j, JSON_COMPACT);
        build[i] = now_s() - t0;
        n_airings = m.n_airings;
        free(text);
        json_decref(j);
        proto_manifest_clear(&m);
        char etag[MANIFEST_ETAG_MAX], *body = NULL;
        t0 = now_s();
        must(w.s, manifest_cache_get(c, w.s, w.box[0], now + i, etag, &body, &len), "cache");
        hit[i] = now_s() - t0;
        g_free(body);
    }
    double mb = median(build, MANIFEST_RUNS) * 1e6, mh = median(hit, MANIFEST_RUNS) * 1e6;
    printf("manifest of %zu airings (%zu bytes): build+encode median %.0f µs, cache hit median "
           "%.0f µs, ratio %.1f (builds by the cache: %llu of %d calls)\n",
           n_airings, len, mb, mh, mb / mh, (unsigned long long)manifest_cache_builds(c),
           MANIFEST_RUNS);
    manifest_cache_free(c);
    drop_world(&w);
}

/* A year: R_COMMUNES communes × R_PER boxes, R_DAILY airings a day for all, each played by
 * every box (one in ten partial at 85 %, one in twenty missed). */
#define R_COMMUNES 10
#define R_PER      10
#define R_DAILY    4

static void make_year(store *s, GTimeZone *tz, const char *media)
{
    char token[STORE_BOX_TOKEN_MAX];
    int64_t jan1 = 0;
    vtime_local_to_utc(tz, 2026, 1, 1, 0, 0, 0, &jan1);
    must(s, store_begin(s), "begin");
    for (int c = 0; c < R_COMMUNES; c++) {
        char cn[32];
        snprintf(cn, sizeof cn, "Xã %d", c);
        must(s, store_commune_add(s, "cli:bench", cn, NULL), "commune");
        for (int b = 0; b < R_PER; b++) {
            char bn[32];
            snprintf(bn, sizeof bn, "Loa %d-%d", c, b);
            must(s, store_box_add(s, "cli:bench", bn, cn, NULL, token), "box");
        }
    }
    char *q = sqlite3_mprintf(
        "UPDATE boxes SET created_ms = 0;"
        "INSERT INTO media VALUES (%Q, 1000000, 180000, NULL, NULL, NULL, 0);"
        "INSERT INTO pieces(id, title, genre, status, media_sha256, duration_ms, approved_ms,"
        " created_ms, updated_ms) VALUES ('00000001-0000-4000-8000-000000000001', 'Tin',"
        " 'news', 'approved', %Q, 180000, 0, 0, 0);"
        "INSERT INTO schedule_versions(month, version, published_ms, published_by)"
        " VALUES ('2026-01', 1, 0, 'bench');"
        "INSERT INTO contracts(title, from_date, until_date, created_ms, updated_ms)"
        " VALUES ('HĐ', '2026-01-01', '2026-12-31', 0, 0);"
        "INSERT INTO contract_lines(contract_id, genre, pieces_per_month, airings_per_piece)"
        " VALUES (1, 'news', 30, 4);"
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 365 * %d - 1)"
        " INSERT INTO airings(id, version_id, piece_id, media_sha256, start_ms, duration_ms)"
        " SELECT 'Y' || i, 1, '00000001-0000-4000-8000-000000000001', %Q,"
        " %lld + (i / %d) * 86400000 + (6 + i %% %d * 3) * 3600000, 180000 FROM n;"
        "INSERT INTO plays(id, airing_id, box_id, media_sha256, scheduled_ms, started_ms,"
        " ended_ms, played_ms, outcome, received_ms)"
        " SELECT a.id || '/' || b.id, a.id, b.id, a.media_sha256, a.start_ms, a.start_ms,"
        " a.start_ms + 180000,"
        " CASE WHEN (a.rowid + b.id) %% 20 = 0 THEN 0 WHEN (a.rowid + b.id) %% 10 = 1"
        " THEN 153000 ELSE 180000 END,"
        " CASE WHEN (a.rowid + b.id) %% 20 = 0 THEN 'missed' WHEN (a.rowid + b.id) %% 10 = 1"
        " THEN 'partial' ELSE 'completed' END, 0 FROM airings a, boxes b;",
        media, media, R_DAILY, media, (long long)jan1, R_DAILY, R_DAILY);
    must(s, store_exec(s, q), "year fixture");
    sqlite3_free(q);
    must(s, store_commit(s), "commit");
}

/* The reference: one pass over the year's plays joined to their airings (what any report must
 * at least read). */
static double read_year(store *s)
{
    sqlite3_stmt *st = NULL;
    double t0 = now_s();
    must(s,
         store_prepare(s,
                       "SELECT count(*), sum(p.played_ms) FROM plays p JOIN airings a"
                       " ON a.id = p.airing_id WHERE a.start_ms >= 0",
                       &st),
         "prepare");
    if (sqlite3_step(st) != SQLITE_ROW)
        die(s, "read");
    sqlite3_reset(st);
    return now_s() - t0;
}

static void report_bench(const char *parent, GTimeZone *tz)
{
    char err[STORE_ERR_MAX], media[HASH_SHA256_HEX_LEN + 1];
    store *s = NULL;
    char *dir = g_build_filename(parent, "year", NULL);
    if (store_init(dir, err, sizeof err) != 0 || store_open(dir, &s, err, sizeof err) != 0)
        die(NULL, err);
    hash_sha256_buf("year", 4, media);
    make_year(s, tz, media);
    report_period p;
    report_period_parse("2026", &p);
    double t_read[3], t_plain[3], t_ev[3];
    size_t ev_bytes = 0;
    for (int i = 0; i < 3; i++) {
        json_t *r = NULL;
        report_opts o = {.tz = tz};
        t_read[i] = read_year(s);
        double t0 = now_s();
        must(s, report_build(s, &p, &o, &r), "report");
        t_plain[i] = now_s() - t0;
        json_decref(r);
        o.evidence = true;
        t0 = now_s();
        must(s, report_build(s, &p, &o, &r), "report");
        char *csv = NULL;
        report_evidence_csv(r, tz, &csv, &ev_bytes);
        t_ev[i] = now_s() - t0;
        g_free(csv);
        json_decref(r);
    }
    double mr = median(t_read, 3), mp = median(t_plain, 3), me = median(t_ev, 3);
    printf("year report, %d boxes, %d airings, %d plays: report %.0f ms, with evidence + its CSV "
           "(%zu bytes) %.0f ms; reading the plays alone %.0f ms (report / read %.1f)\n",
           R_COMMUNES * R_PER, 365 * R_DAILY, 365 * R_DAILY * R_COMMUNES * R_PER, mp * 1e3,
           ev_bytes, me * 1e3, mr * 1e3, mp / mr);
    store_close(s);
    g_free(dir);
}

int main(void)
{
    GTimeZone *tz = NULL;
    char *parent = g_dir_make_tmp("loalang-bench-plays-XXXXXX", NULL);
    if (!parent || vtime_zone_new(NULL, &tz) != 0)
        return 1;
    printf("Play reports, %d rounds × %d batches × %d plays per database (temp dir %s):\n", ROUNDS,
           BATCHES, BATCH, parent);
    plays_bench(parent, tz, "FULL");
    plays_bench(parent, tz, "NORMAL");
    plays_bench(parent, tz, "OFF"); /* no syncing at all: the CPU cost of each path */
    manifest_bench(parent, tz);
    report_bench(parent, tz);
    char *argv[] = {"rm", "-rf", parent, NULL};
    g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    g_free(parent);
    g_time_zone_unref(tz);
    return 0;
}
