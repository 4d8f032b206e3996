/* store_district: see store_district.h. */
#include "store_district.h"
#include "store_internal.h"

#include <assert.h>
#include <string.h>

static const char *chunk_text(store_district *d, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? g_string_chunk_insert_const(d->strs, (const char *)t) : NULL;
}

static int find_id(const int64_t *v, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] == id)
            return (int)mid;
        if (v[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int store_district_commune_index(const store_district *d, int64_t id)
{
    return find_id(d->commune_ids, d->district.n_communes, id);
}

int store_district_box_index(const store_district *d, int64_t id)
{
    return find_id(d->box_ids, d->district.n_boxes, id);
}

static int load_communes(store *s, store_district *d, GArray *c, GArray *ci)
{
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_DONE;
    int ret = store_prepare(s, "SELECT id, name FROM communes ORDER BY id", &st);
    if (ret != 0)
        return ret;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        /* the index maps binary-search the ids: they must come strictly increasing */
        assert(ci->len == 0 || g_array_index(ci, int64_t, ci->len - 1) < id);
        sched_commune x = {chunk_text(d, st, 0), chunk_text(d, st, 1)};
        g_array_append_val(c, x);
        g_array_append_val(ci, id);
    }
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "load communes");
    sqlite3_reset(st);
    return ret;
}

static int load_boxes(store *s, store_district *d, int64_t from_ms, int64_t until_ms, GArray *b,
                      GArray *bi)
{
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_DONE;
    bool every =
        from_ms == STORE_DISTRICT_ANY_TIME_FROM && until_ms == STORE_DISTRICT_ANY_TIME_UNTIL;
    int ret = every ? store_prepare(s, "SELECT id, name, commune_id FROM boxes ORDER BY id", &st)
                    : store_prepare(s,
                                    "SELECT id, name, commune_id FROM boxes WHERE created_ms < ?2"
                                    " AND (revoked_ms IS NULL OR revoked_ms >= ?1) ORDER BY id",
                                    &st);
    if (ret != 0)
        return ret;
    if (!every) {
        sqlite3_bind_int64(st, 1, from_ms);
        sqlite3_bind_int64(st, 2, until_ms);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        int commune = store_district_commune_index(d, sqlite3_column_int64(st, 2));
        if (commune < 0)
            continue;
        assert(bi->len == 0 || g_array_index(bi, int64_t, bi->len - 1) < id);
        sched_box x = {chunk_text(d, st, 0), chunk_text(d, st, 1), (uint32_t)commune};
        g_array_append_val(b, x);
        g_array_append_val(bi, id);
    }
    if (rc != SQLITE_DONE)
        ret = store_fail(s, rc, "load boxes");
    sqlite3_reset(st);
    return ret;
}

int store_district_load(store *s, int64_t from_ms, int64_t until_ms, store_district *out)
{
    GArray *c = g_array_new(FALSE, TRUE, sizeof(sched_commune));
    GArray *ci = g_array_new(FALSE, TRUE, sizeof(int64_t));
    GArray *b = g_array_new(FALSE, TRUE, sizeof(sched_box));
    GArray *bi = g_array_new(FALSE, TRUE, sizeof(int64_t));
    memset(out, 0, sizeof *out);
    out->strs = g_string_chunk_new(4096);
    int ret = load_communes(s, out, c, ci);
    /* the boxes' commune look-up needs the communes in place */
    out->district.n_communes = c->len;
    out->commune_ids = (int64_t *)(void *)ci->data;
    if (ret == 0)
        ret = load_boxes(s, out, from_ms, until_ms, b, bi);
    out->district.n_boxes = b->len;
    out->communes = (sched_commune *)(void *)g_array_free(c, FALSE);
    out->commune_ids = (int64_t *)(void *)g_array_free(ci, FALSE);
    out->boxes = (sched_box *)(void *)g_array_free(b, FALSE);
    out->box_ids = (int64_t *)(void *)g_array_free(bi, FALSE);
    out->district.communes = out->communes;
    out->district.boxes = out->boxes;
    return ret;
}

void store_district_clear(store_district *d)
{
    g_free(d->communes);
    g_free(d->commune_ids);
    g_free(d->boxes);
    g_free(d->box_ids);
    if (d->strs)
        g_string_chunk_free(d->strs);
    memset(d, 0, sizeof *d);
}
