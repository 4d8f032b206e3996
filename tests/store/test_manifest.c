/* The box manifest on a real store: who gets which airing (all, communes, boxes), the horizon,
 * withdrawn airings, the ETag and the cache (built once per version, server_time spliced). */
#include <errno.h>
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hash.h"
#include "manifest.h"
#include "proto.h"
#include "store.h"
#include "store_boxes.h"
#include "store_communes.h"
#include "vtime.h"

#include "box_fixture.h"

/* Communes A (boxes a1, a2) and B (b1); media m1 (3 min), m2 (1 min); pieces 1 (m1), 2 (m2).
 * Now: 10/12/2026 09:00 local. Airings of version v1:
 *   X  all          today 06:00 (ended, but today: kept)   m1
 *   Y  communes[A]  today 11:00                            m1
 *   Z  boxes[b1]    tomorrow 06:00                         m2
 *   P  all          yesterday 06:00 (excluded: before today)
 *   H  all          17/12 00:00 (excluded: at the horizon end)
 *   W  all          tomorrow 07:00, withdrawn by v2 */
typedef struct world {
    int64_t a, b, a1, a2, b1, v1, v2, now;
    char m1[HASH_SHA256_HEX_LEN + 1], m2[HASH_SHA256_HEX_LEN + 1];
} world;

static void make_world(bf_fixture *f, world *w)
{
    w->a = bf_add_commune(f, "Bằng Lãng");
    w->b = bf_add_commune(f, "Nà Pài");
    w->a1 = bf_add_box(f, "a1", "Bằng Lãng");
    w->a2 = bf_add_box(f, "a2", "Bằng Lãng");
    w->b1 = bf_add_box(f, "b1", "Nà Pài");
    bf_add_media(f, "m1", 180000, w->m1);
    bf_add_media(f, "m2", 60000, w->m2);
    bf_add_piece(f, 1, "Tin nông nghiệp", "news", w->m1, 180000, 1, NULL, 0);
    bf_add_piece(f, 2, "Phóng sự", "report", w->m2, 60000, 1, NULL, 0);
    w->now = bf_local(f, 2026, 12, 10, 9, 0);
    w->v1 = bf_add_version(f, "2026-12", w->now - 86400000);
    char *ca = g_strdup_printf("[%lld]", (long long)w->a);
    char *bb = g_strdup_printf("[%lld]", (long long)w->b1);
    bf_add_airing(f, "X", w->v1, 1, w->m1, bf_local(f, 2026, 12, 10, 6, 0), 180000, "all", "[]");
    bf_add_airing(f, "Y", w->v1, 1, w->m1, bf_local(f, 2026, 12, 10, 11, 0), 180000, "communes",
                  ca);
    bf_add_airing(f, "Z", w->v1, 2, w->m2, bf_local(f, 2026, 12, 11, 6, 0), 60000, "boxes", bb);
    bf_add_airing(f, "P", w->v1, 1, w->m1, bf_local(f, 2026, 12, 9, 6, 0), 180000, "all", "[]");
    bf_add_airing(f, "H", w->v1, 1, w->m1, bf_local(f, 2026, 12, 17, 0, 0), 180000, "all", "[]");
    bf_add_airing(f, "W", w->v1, 2, w->m2, bf_local(f, 2026, 12, 11, 7, 0), 60000, "all", "[]");
    w->v2 = bf_add_version(f, "2026-12", w->now - 3600000);
    bf_sql(f, "UPDATE airings SET withdrawn_version_id = %lld WHERE id = 'W'", (long long)w->v2);
    g_free(ca);
    g_free(bb);
}

static void opts(bf_fixture *f, manifest_opts *o)
{
    manifest_opts_default(o, f->tz);
}

static void assert_ids(const proto_manifest *m, const char *const *ids, size_t n)
{
    assert_int_equal(m->n_airings, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(m->airings[i].id, ids[i]);
}

static void test_targets_and_horizon(void **state)
{
    bf_fixture *f = *state;
    world w;
    manifest_opts o;
    proto_manifest m;
    make_world(f, &w);
    opts(f, &o);

    assert_int_equal(manifest_build(f->s, &o, w.a1, w.now, &m), 0);
    const char *a1[] = {"X", "Y"};
    assert_ids(&m, a1, 2);
    assert_int_equal(m.n_media, 1); /* X and Y share m1 */
    assert_string_equal(m.media[0].sha256, w.m1);
    assert_int_equal(m.media[0].duration_ms, 180000);
    assert_string_equal(m.box.name, "a1");
    assert_string_equal(m.box.commune, "Bằng Lãng");
    assert_int_equal(m.horizon_end_ms, bf_local(f, 2026, 12, 17, 0, 0));
    assert_int_equal(m.volume, 80);
    assert_string_equal(m.airings[0].title, "Tin nông nghiệp");
    assert_string_equal(m.airings[0].genre, "news");
    assert_string_equal(m.airings[0].program, "Bản tin sáng");
    proto_manifest_clear(&m);

    assert_int_equal(manifest_build(f->s, &o, w.b1, w.now, &m), 0);
    const char *b1[] = {"X", "Z"};
    assert_ids(&m, b1, 2);
    assert_int_equal(m.n_media, 2);
    char url[128];
    snprintf(url, sizeof url, "/media/%s.opus", w.m2);
    assert_string_equal(m.media[1].url, url);
    proto_manifest_clear(&m);

    /* a shorter horizon drops tomorrow's Z */
    o.horizon_days = 1;
    assert_int_equal(manifest_build(f->s, &o, w.b1, w.now, &m), 0);
    const char *b1h[] = {"X"};
    assert_ids(&m, b1h, 1);
    proto_manifest_clear(&m);
}

static void test_targeted_and_errors(void **state)
{
    bf_fixture *f = *state;
    world w;
    manifest_opts o;
    proto_manifest m;
    bool t = true;
    make_world(f, &w);
    opts(f, &o);
    assert_int_equal(manifest_box_targeted(f->s, w.a2, "Y", &t), 0);
    assert_true(t);
    assert_int_equal(manifest_box_targeted(f->s, w.b1, "Y", &t), 0);
    assert_false(t);
    assert_int_equal(manifest_box_targeted(f->s, w.b1, "Z", &t), 0);
    assert_true(t);
    assert_int_equal(manifest_box_targeted(f->s, w.a1, "Z", &t), 0);
    assert_false(t);
    assert_int_equal(manifest_box_targeted(f->s, w.a1, "nope", &t), 0);
    assert_false(t);
    assert_int_equal(manifest_build(f->s, &o, 999, w.now, &m), -ENOENT);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_box_revoke(f->s, WHO, "a2"), 0);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(manifest_build(f->s, &o, w.a2, w.now, &m), -EACCES);
}

static void parse_body(const char *body, size_t len, proto_manifest *m)
{
    json_t *j = NULL;
    char err[PROTO_ERR_MAX];
    assert_int_equal(strlen(body), len);
    assert_int_equal(proto_json_load(body, len, 1 << 20, &j, err), 0);
    if (proto_manifest_from_json(j, m, err) != 0)
        fail_msg("manifest does not parse: %s", err);
    json_decref(j);
}

static void test_cache_etag(void **state)
{
    bf_fixture *f = *state;
    world w;
    manifest_opts o;
    proto_manifest m;
    char e1[MANIFEST_ETAG_MAX], e2[MANIFEST_ETAG_MAX], e3[MANIFEST_ETAG_MAX];
    char *body = NULL;
    size_t len = 0;
    make_world(f, &w);
    opts(f, &o);
    manifest_cache *c = manifest_cache_new(&o);

    assert_int_equal(manifest_cache_get(c, f->s, w.a1, w.now, e1, &body, &len), 0);
    assert_int_equal(manifest_cache_builds(c), 1);
    assert_int_equal(e1[0], '"');
    assert_int_equal(strlen(e1), 66);
    parse_body(body, len, &m);
    assert_int_equal(m.server_time_ms, w.now);
    const char *a1[] = {"X", "Y"};
    assert_ids(&m, a1, 2);
    proto_manifest_clear(&m);
    g_free(body);

    /* later the same day: same ETag, new server_time, no rebuild */
    assert_int_equal(manifest_cache_get(c, f->s, w.a1, w.now + 3600123, e2, &body, &len), 0);
    assert_string_equal(e1, e2);
    assert_int_equal(manifest_cache_builds(c), 1);
    parse_body(body, len, &m);
    assert_int_equal(m.server_time_ms, w.now + 3600123);
    proto_manifest_clear(&m);
    g_free(body);
    /* the 304 path: no body */
    assert_int_equal(manifest_cache_get(c, f->s, w.a1, w.now + 5000, e2, NULL, NULL), 0);
    assert_string_equal(e1, e2);
    assert_int_equal(manifest_cache_builds(c), 1);

    /* a new version with a new airing for A: rebuilt, new ETag */
    int64_t v3 = bf_add_version(f, "2026-12", w.now);
    bf_add_airing(f, "N", v3, 2, w.m2, bf_local(f, 2026, 12, 12, 6, 0), 60000, "all", "[]");
    assert_int_equal(manifest_cache_get(c, f->s, w.a1, w.now + 6000, e3, &body, &len), 0);
    assert_int_equal(manifest_cache_builds(c), 2);
    assert_string_not_equal(e1, e3);
    parse_body(body, len, &m);
    const char *a1n[] = {"X", "Y", "N"};
    assert_ids(&m, a1n, 3);
    proto_manifest_clear(&m);
    g_free(body);

    /* a new version that changes nothing for this box: rebuilt, same ETag (content hash) */
    int64_t v4 = bf_add_version(f, "2026-12", w.now);
    (void)v4;
    assert_int_equal(manifest_cache_get(c, f->s, w.a1, w.now + 7000, e2, NULL, NULL), 0);
    assert_int_equal(manifest_cache_builds(c), 3);
    assert_string_equal(e2, e3);

    /* the next day: rebuilt (X of yesterday falls out) */
    assert_int_equal(manifest_cache_get(c, f->s, w.a1, w.now + 86400000, e2, NULL, NULL), 0);
    assert_int_equal(manifest_cache_builds(c), 4);
    assert_string_not_equal(e2, e3);

    /* another box has its own entry */
    assert_int_equal(manifest_cache_get(c, f->s, w.b1, w.now, e2, NULL, NULL), 0);
    assert_int_equal(manifest_cache_builds(c), 5);
    manifest_cache_free(c);
}

static void test_cache_box_change(void **state)
{
    bf_fixture *f = *state;
    world w;
    manifest_opts o;
    char e1[MANIFEST_ETAG_MAX], e2[MANIFEST_ETAG_MAX];
    make_world(f, &w);
    opts(f, &o);
    manifest_cache *c = manifest_cache_new(&o);
    assert_int_equal(manifest_cache_get(c, f->s, w.a1, w.now, e1, NULL, NULL), 0);
    /* the box moves to commune B: Y (for A) goes */
    bf_sql(f, "UPDATE boxes SET commune_id = %lld WHERE id = %lld", (long long)w.b,
           (long long)w.a1);
    assert_int_equal(manifest_cache_get(c, f->s, w.a1, w.now, e2, NULL, NULL), 0);
    assert_int_equal(manifest_cache_builds(c), 2);
    assert_string_not_equal(e1, e2);
    assert_int_equal(store_begin(f->s), 0);
    assert_int_equal(store_box_revoke(f->s, WHO, "a1"), 0);
    assert_int_equal(store_commit(f->s), 0);
    assert_int_equal(manifest_cache_get(c, f->s, w.a1, w.now, e2, NULL, NULL), -EACCES);
    manifest_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_targets_and_horizon, bf_setup, bf_teardown),
        cmocka_unit_test_setup_teardown(test_targeted_and_errors, bf_setup, bf_teardown),
        cmocka_unit_test_setup_teardown(test_cache_etag, bf_setup, bf_teardown),
        cmocka_unit_test_setup_teardown(test_cache_box_change, bf_setup, bf_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
