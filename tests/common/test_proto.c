/* The box protocol codecs: every document survives encode → text → load → decode unchanged,
 * the encoders write exactly the field names of docs/architecture.md §5, and every kind of bad
 * input is refused with an error naming the field, leaving the output struct cleared. */
#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto.h"
#include "vtime.h"

#define SHA_A   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA_B   "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define SHA_C   "00000000000000000000000000000000000000000000000000000000000000ff"
#define MAX_DOC (1u << 24)

static GTimeZone *tz;

static int64_t T(const char *s)
{
    int64_t ms = 0;
    if (vtime_parse_rfc3339(s, &ms) != 0)
        fail_msg("bad test time %s", s);
    return ms;
}

/* A test document from JSON text written with ' for " and @A/@B/@C for the sample hashes. */
static json_t *doc(const char *text)
{
    GString *s = g_string_new(text);
    g_string_replace(s, "'", "\"", 0);
    g_string_replace(s, "@A", SHA_A, 0);
    g_string_replace(s, "@B", SHA_B, 0);
    g_string_replace(s, "@C", SHA_C, 0);
    json_error_t e;
    json_t *j = json_loads(s->str, JSON_REJECT_DUPLICATES, &e);
    if (!j)
        fail_msg("bad test document: %s: %s", e.text, s->str);
    g_string_free(s, TRUE);
    return j;
}

/* Sets (value non-NULL, reference stolen) or deletes the member at a path such as
 * "airings[1].start", "box.name" or "missing_media[0]". */
static void mutate(json_t *root, const char *path, json_t *value)
{
    gchar **parts = g_strsplit(path, ".", -1);
    json_t *cur = root;
    for (size_t i = 0; parts[i]; i++) {
        bool last = parts[i + 1] == NULL;
        char *name = parts[i];
        char *bracket = strchr(name, '[');
        long idx = -1;
        if (bracket) {
            *bracket = '\0';
            idx = strtol(bracket + 1, NULL, 10);
        }
        if (last && idx < 0) {
            int rc = value ? json_object_set_new(cur, name, value) : json_object_del(cur, name);
            assert_int_equal(rc, 0);
            break;
        }
        json_t *next = json_object_get(cur, name);
        assert_non_null(next);
        if (last) {
            int rc = value ? json_array_set_new(next, (size_t)idx, value)
                           : json_array_remove(next, (size_t)idx);
            assert_int_equal(rc, 0);
            break;
        }
        cur = idx >= 0 ? json_array_get(next, (size_t)idx) : next;
        assert_non_null(cur);
    }
    g_strfreev(parts);
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* encode → compact text → proto_json_load, as a peer would receive it. */
static json_t *reload(json_t *j)
{
    assert_non_null(j);
    char *text = json_dumps(j, JSON_COMPACT);
    assert_non_null(text);
    json_decref(j);
    json_t *out = NULL;
    char err[PROTO_ERR_MAX] = "";
    int rc = proto_json_load(text, strlen(text), MAX_DOC, &out, err);
    if (rc != 0)
        fail_msg("reload failed: %s", err);
    free(text);
    return out;
}

static void assert_json_is(json_t *got, const char *expected_text)
{
    json_t *want = doc(expected_text);
    assert_non_null(got);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_SORT_KEYS);
        char *w = json_dumps(want, JSON_SORT_KEYS);
        fail_msg("encoded\n  %s\nexpected\n  %s", g, w);
    }
    json_decref(got);
    json_decref(want);
}

static void assert_str_or_null(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

/* A string of n bytes: n/2 × "ă" (two bytes each) and an "a" if n is odd. */
static json_t *long_string(size_t n)
{
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i + 2 <= n; i += 2)
        g_string_append(s, "ă");
    if (n % 2)
        g_string_append_c(s, 'a');
    assert_int_equal(s->len, n);
    json_t *j = json_string(s->str);
    g_string_free(s, TRUE);
    return j;
}

static json_t *ascii_string(size_t n, char c)
{
    char *s = g_strnfill(n, c);
    json_t *j = json_string(s);
    g_free(s);
    return j;
}

/* ---- decoders behind one signature, for the bad-input tables ---- */

typedef int (*try_fn)(const json_t *j, char *err, bool *cleared);

#define DEFINE_TRY(name, type, decode, clear)                                                      \
    static int name(const json_t *j, char *err, bool *cleared)                                     \
    {                                                                                              \
        type out;                                                                                  \
        memset(&out, 0, sizeof out);                                                               \
        int rc = decode(j, &out, err);                                                             \
        *cleared = all_zero(&out, sizeof out);                                                     \
        clear(&out);                                                                               \
        return rc;                                                                                 \
    }

DEFINE_TRY(try_manifest, proto_manifest, proto_manifest_from_json, proto_manifest_clear)
DEFINE_TRY(try_airing, proto_airing, proto_airing_from_json, proto_airing_clear)
DEFINE_TRY(try_plays, proto_plays, proto_plays_from_json, proto_plays_clear)
DEFINE_TRY(try_play, proto_play, proto_play_from_json, proto_play_clear)
DEFINE_TRY(try_result, proto_plays_result, proto_plays_result_from_json, proto_plays_result_clear)
DEFINE_TRY(try_status, proto_box_status, proto_box_status_from_json, proto_box_status_clear)
DEFINE_TRY(try_events, proto_events, proto_events_from_json, proto_events_clear)

static int try_server_time(const json_t *j, char *err, bool *cleared)
{
    int64_t t = 0;
    int rc = proto_server_time_from_json(j, &t, err);
    *cleared = true;
    return rc;
}

static void expect_bad_doc(try_fn fn, json_t *j, const char *needle)
{
    char err[PROTO_ERR_MAX];
    memset(err, 0, sizeof err);
    bool cleared = false;
    int rc = fn(j, err, &cleared);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (rc != -EINVAL || !cleared || !strstr(err, needle))
        fail_msg("rc=%d cleared=%d err=\"%s\", wanted \"%s\" for %.300s", rc, cleared, err, needle,
                 text);
    assert_true(strnlen(err, PROTO_ERR_MAX) < PROTO_ERR_MAX);
    free(text);
}

static void expect_ok_doc(try_fn fn, json_t *j)
{
    char err[PROTO_ERR_MAX] = "";
    bool cleared = false;
    int rc = fn(j, err, &cleared);
    json_decref(j);
    if (rc != 0)
        fail_msg("unexpected error: %s", err);
}

typedef json_t *(*sample_fn)(void);

/* The sample with one member changed (or deleted when value is NULL) must fail with needle. */
static void bad(try_fn fn, sample_fn sample, const char *path, json_t *value, const char *needle)
{
    json_t *j = sample();
    mutate(j, path, value);
    expect_bad_doc(fn, j, needle);
}

static void good(try_fn fn, sample_fn sample, const char *path, json_t *value)
{
    json_t *j = sample();
    mutate(j, path, value);
    expect_ok_doc(fn, j);
}

/* ---- samples as a peer would write them (field names typed from docs/architecture.md §5) ---- */

static json_t *sample_manifest(void)
{
    return doc("{'box': {'id': 'box-07', 'name': 'Cụm loa thôn Nà Pài', 'commune': 'Bằng Lãng'},"
               " 'server_time': '2024-03-04T21:00:00.123+07:00',"
               " 'horizon_end': '2024-03-11T00:00:00+07:00', 'poll_seconds': 60, 'volume': 80,"
               " 'airings': ["
               "  {'id': 'a-1', 'start': '2024-03-05T06:00:00+07:00', 'duration_ms': 182000,"
               "   'priority': 'normal', 'program': 'Bản tin sáng', 'title': 'Gương sáng',"
               "   'genre': 'report', 'media': '@A'},"
               "  {'id': 'a-2', 'start': '2024-03-05T17:00:00+07:00', 'duration_ms': 60000,"
               "   'priority': 'priority', 'program': '', 'title': 'Tin bão số 3',"
               "   'genre': 'news', 'media': '@B'}],"
               " 'media': ["
               "  {'sha256': '@A', 'bytes': 728310, 'duration_ms': 182000,"
               "   'url': '/media/@A.opus'},"
               "  {'sha256': '@B', 'bytes': 240000, 'duration_ms': 60000,"
               "   'url': '/media/@B.opus'}]}");
}

static json_t *sample_airing(void)
{
    return doc("{'id': 'a-1', 'start': '2024-03-05T06:00:00+07:00', 'duration_ms': 182000,"
               " 'priority': 'emergency', 'program': 'Bản tin sáng', 'title': 'Lũ quét',"
               " 'genre': 'news', 'media': '@A'}");
}

static json_t *sample_plays(void)
{
    return doc("{'plays': ["
               " {'id': 'p-1', 'airing': 'a-1', 'media': '@A',"
               "  'scheduled_start': '2024-03-05T06:00:00+07:00',"
               "  'started_at': '2024-03-05T06:00:00.004+07:00',"
               "  'ended_at': '2024-03-05T06:03:02+07:00', 'played_ms': 181950,"
               "  'outcome': 'completed', 'detail': ''},"
               " {'id': 'p-2', 'airing': 'a-2', 'media': '@B',"
               "  'scheduled_start': '2024-03-05T17:00:00+07:00',"
               "  'started_at': '2024-03-05T17:00:00+07:00',"
               "  'ended_at': '2024-03-05T17:00:20+07:00', 'played_ms': 20000,"
               "  'outcome': 'partial', 'detail': 'mất điện'},"
               " {'id': 'p-3', 'airing': 'a-3', 'media': '@C',"
               "  'scheduled_start': '2024-03-06T06:00:00+07:00',"
               "  'started_at': '2024-03-06T06:00:00+07:00',"
               "  'ended_at': '2024-03-06T06:00:00+07:00', 'played_ms': 0,"
               "  'outcome': 'missed'}]}");
}

static json_t *sample_play(void)
{
    json_t *plays = sample_plays();
    json_t *p = json_incref(json_array_get(json_object_get(plays, "plays"), 0));
    json_decref(plays);
    return p;
}

static json_t *sample_result(void)
{
    return doc("{'accepted': ['p-1', 'p-2'], 'duplicates': ['p-0'],"
               " 'rejected': [{'id': 'p-3', 'error': 'airing a-3 is not assigned to this box'}]}");
}

static json_t *sample_status(void)
{
    return doc("{'agent_version': '0.1.0', 'uptime_s': 3600, 'clock_offset_ms': -250,"
               " 'cache_bytes': 123456789, 'cache_files': 42, 'missing_media': ['@A', '@B'],"
               " 'disk_free_bytes': 987654321, 'playing': 'a-1', 'volume': 75,"
               " 'last_error': 'tải về thất bại:\\n\\tHTTP 503'}");
}

static json_t *sample_events(void)
{
    return doc("{'cursor': 17, 'events': ["
               " {'type': 'emergency', 'airing': {'id': 'e-1',"
               "  'start': '2024-03-05T10:15:00+07:00', 'duration_ms': 90000,"
               "  'priority': 'emergency', 'program': '', 'title': 'Cảnh báo lũ quét',"
               "  'genre': 'news', 'media': '@C'}},"
               " {'type': 'stop', 'airing': 'e-1'},"
               " {'type': 'manifest_changed', 'version': 12}]}");
}

static json_t *sample_server_time(void)
{
    return doc("{'server_time': '2024-03-04T21:00:00.123+07:00'}");
}

/* ---- round trips ---- */

static void fill_airing(proto_airing *a, const char *id, const char *start, int64_t dur,
                        proto_priority prio, const char *program, const char *title,
                        const char *genre, const char *media)
{
    a->id = g_strdup(id);
    a->start_ms = T(start);
    a->duration_ms = dur;
    a->priority = prio;
    a->program = g_strdup(program);
    a->title = g_strdup(title);
    a->genre = g_strdup(genre);
    g_strlcpy(a->media, media, sizeof a->media);
}

static void assert_airing_equal(const proto_airing *a, const proto_airing *b)
{
    assert_string_equal(a->id, b->id);
    assert_int_equal(a->start_ms, b->start_ms);
    assert_int_equal(a->duration_ms, b->duration_ms);
    assert_int_equal(a->priority, b->priority);
    assert_str_or_null(a->program, b->program);
    assert_string_equal(a->title, b->title);
    assert_string_equal(a->genre, b->genre);
    assert_string_equal(a->media, b->media);
}

static void build_manifest(proto_manifest *m)
{
    memset(m, 0, sizeof *m);
    m->box.id = g_strdup("box-07");
    m->box.name = g_strdup("Cụm loa thôn Nà Pài");
    m->box.commune = g_strdup("Bằng Lãng");
    m->server_time_ms = T("2024-03-04T21:00:00.123+07:00");
    m->horizon_end_ms = T("2024-03-11T00:00:00+07:00");
    m->poll_seconds = 60;
    m->volume = 80;
    m->n_airings = 3;
    m->airings = g_new0(proto_airing, 3);
    fill_airing(&m->airings[0], "a-1", "2024-03-05T06:00:00+07:00", 182000, PROTO_PRIORITY_NORMAL,
                "Bản tin sáng", "Gương sáng thôn Nà Pài", "report", SHA_A);
    fill_airing(&m->airings[1], "a-2", "2024-03-05T17:00:00.500+07:00", 60000,
                PROTO_PRIORITY_PRIORITY, NULL, "Thi đua yêu nước", "news", SHA_B);
    fill_airing(&m->airings[2], "a-3", "2024-03-06T06:00:00+07:00", 182000,
                PROTO_PRIORITY_EMERGENCY, "Chuyên mục “Người tốt, việc tốt”", "Phỏng vấn",
                "interview", SHA_A);
    m->n_media = 2;
    m->media = g_new0(proto_media, 2);
    g_strlcpy(m->media[0].sha256, SHA_A, sizeof m->media[0].sha256);
    m->media[0].bytes = 728310;
    m->media[0].duration_ms = 182000;
    m->media[0].url = g_strdup("/media/" SHA_A ".opus");
    g_strlcpy(m->media[1].sha256, SHA_B, sizeof m->media[1].sha256);
    m->media[1].bytes = 0;
    m->media[1].duration_ms = 60000;
    m->media[1].url = g_strdup("https://cdn.example.vn/media/" SHA_B ".opus");
}

static void test_manifest_round_trip(void **state)
{
    (void)state;
    proto_manifest m, back;
    build_manifest(&m);
    memset(&back, 0, sizeof back);
    json_t *j = reload(proto_manifest_to_json(&m, tz));
    char err[PROTO_ERR_MAX] = "";
    if (proto_manifest_from_json(j, &back, err) != 0)
        fail_msg("%s", err);
    json_decref(j);

    assert_string_equal(back.box.id, m.box.id);
    assert_string_equal(back.box.name, "Cụm loa thôn Nà Pài");
    assert_string_equal(back.box.commune, "Bằng Lãng");
    assert_int_equal(back.server_time_ms, m.server_time_ms);
    assert_int_equal(back.horizon_end_ms, m.horizon_end_ms);
    assert_int_equal(back.poll_seconds, 60);
    assert_int_equal(back.volume, 80);
    assert_int_equal(back.n_airings, 3);
    for (size_t i = 0; i < 3; i++)
        assert_airing_equal(&back.airings[i], &m.airings[i]);
    assert_int_equal(back.n_media, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(back.media[i].sha256, m.media[i].sha256);
        assert_int_equal(back.media[i].bytes, m.media[i].bytes);
        assert_int_equal(back.media[i].duration_ms, m.media[i].duration_ms);
        assert_string_equal(back.media[i].url, m.media[i].url);
    }
    proto_manifest_clear(&back);
    proto_manifest_clear(&m);
    assert_true(all_zero(&m, sizeof m));
    proto_manifest_clear(&m); /* clearing twice is harmless */
}

/* The encoder writes §5's field names and Vietnam time with its offset, nothing else. */
static void test_manifest_encoding_is_the_contract(void **state)
{
    (void)state;
    proto_manifest m;
    build_manifest(&m);
    m.n_airings = 2; /* the third airing is left out of the comparison, then freed by clear */
    proto_airing third = m.airings[2];
    assert_json_is(
        proto_manifest_to_json(&m, tz),
        "{'box': {'id': 'box-07', 'name': 'Cụm loa thôn Nà Pài', 'commune': 'Bằng Lãng'},"
        " 'server_time': '2024-03-04T21:00:00.123+07:00',"
        " 'horizon_end': '2024-03-11T00:00:00+07:00', 'poll_seconds': 60, 'volume': 80,"
        " 'airings': ["
        "  {'id': 'a-1', 'start': '2024-03-05T06:00:00+07:00', 'duration_ms': 182000,"
        "   'priority': 'normal', 'program': 'Bản tin sáng', 'title': 'Gương sáng thôn Nà Pài',"
        "   'genre': 'report', 'media': '@A'},"
        "  {'id': 'a-2', 'start': '2024-03-05T17:00:00.500+07:00', 'duration_ms': 60000,"
        "   'priority': 'priority', 'program': '', 'title': 'Thi đua yêu nước',"
        "   'genre': 'news', 'media': '@B'}],"
        " 'media': ["
        "  {'sha256': '@A', 'bytes': 728310, 'duration_ms': 182000, 'url': '/media/@A.opus'},"
        "  {'sha256': '@B', 'bytes': 0, 'duration_ms': 60000,"
        "   'url': 'https://cdn.example.vn/media/@B.opus'}]}");
    proto_airing_clear(&third);
    proto_manifest_clear(&m);
}

/* A manifest written in another zone names the same instants. */
static void test_manifest_other_zone(void **state)
{
    (void)state;
    GTimeZone *utc = NULL;
    assert_int_equal(vtime_zone_new("UTC", &utc), 0);
    proto_manifest m, back;
    build_manifest(&m);
    memset(&back, 0, sizeof back);
    json_t *j = proto_manifest_to_json(&m, utc);
    assert_string_equal(json_string_value(json_object_get(j, "server_time")),
                        "2024-03-04T14:00:00.123+00:00");
    j = reload(j);
    char err[PROTO_ERR_MAX] = "";
    assert_int_equal(proto_manifest_from_json(j, &back, err), 0);
    assert_int_equal(back.server_time_ms, m.server_time_ms);
    assert_int_equal(back.airings[1].start_ms, m.airings[1].start_ms);
    json_decref(j);
    proto_manifest_clear(&back);
    proto_manifest_clear(&m);
    g_time_zone_unref(utc);
}

static void test_airing_program_empty_or_absent_is_null(void **state)
{
    (void)state;
    const char *forms[] = {"", NULL};
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        json_t *j = sample_airing();
        mutate(j, "program", forms[i] ? json_string(forms[i]) : NULL);
        proto_airing a;
        memset(&a, 0, sizeof a);
        char err[PROTO_ERR_MAX] = "";
        assert_int_equal(proto_airing_from_json(j, &a, err), 0);
        assert_null(a.program);
        assert_int_equal(a.priority, PROTO_PRIORITY_EMERGENCY);
        json_decref(j);
        proto_airing_clear(&a);
    }
}

static void fill_play(proto_play *p, const char *id, const char *airing, const char *media,
                      const char *sched, const char *start, const char *end, int64_t played,
                      proto_outcome outcome, const char *detail)
{
    g_strlcpy(p->id, id, sizeof p->id);
    p->airing = g_strdup(airing);
    g_strlcpy(p->media, media, sizeof p->media);
    p->scheduled_start_ms = T(sched);
    p->started_at_ms = T(start);
    p->ended_at_ms = T(end);
    p->played_ms = played;
    p->outcome = outcome;
    p->detail = g_strdup(detail);
}

static void test_plays_round_trip(void **state)
{
    (void)state;
    proto_plays in, back;
    memset(&in, 0, sizeof in);
    memset(&back, 0, sizeof back);
    in.n_plays = 4;
    in.plays = g_new0(proto_play, 4);
    fill_play(&in.plays[0], "8c0f1a2e-4b4d-4c1e-9d55-0a6f7a9b1c2d", "a-1", SHA_A,
              "2024-03-05T06:00:00+07:00", "2024-03-05T06:00:00.004+07:00",
              "2024-03-05T06:03:02+07:00", 181950, PROTO_OUTCOME_COMPLETED, "");
    fill_play(&in.plays[1], "box7:000123", "a-2", SHA_B, "2024-03-05T17:00:00+07:00",
              "2024-03-05T17:00:00+07:00", "2024-03-05T17:00:20.250+07:00", 20250,
              PROTO_OUTCOME_PARTIAL, "mất điện lúc 17:00:20\n\tUPS hết pin");
    fill_play(&in.plays[2], "p.3", "a-3", SHA_A, "2024-03-06T06:00:00+07:00",
              "2024-03-06T06:00:01+07:00", "2024-03-06T06:00:01+07:00", 0, PROTO_OUTCOME_FAILED,
              "opusdec: not-negotiated");
    fill_play(&in.plays[3], "p_4", "a-4", SHA_C, "2024-03-07T06:00:00+07:00",
              "2024-03-07T06:00:00+07:00", "2024-03-07T06:00:00+07:00", 0, PROTO_OUTCOME_MISSED,
              NULL); /* NULL detail is written as "" */

    json_t *j = reload(proto_plays_to_json(&in, tz));
    char err[PROTO_ERR_MAX] = "";
    if (proto_plays_from_json(j, &back, err) != 0)
        fail_msg("%s", err);
    json_decref(j);
    assert_int_equal(back.n_plays, 4);
    for (size_t i = 0; i < 4; i++) {
        const proto_play *a = &in.plays[i], *b = &back.plays[i];
        assert_string_equal(b->id, a->id);
        assert_string_equal(b->airing, a->airing);
        assert_string_equal(b->media, a->media);
        assert_int_equal(b->scheduled_start_ms, a->scheduled_start_ms);
        assert_int_equal(b->started_at_ms, a->started_at_ms);
        assert_int_equal(b->ended_at_ms, a->ended_at_ms);
        assert_int_equal(b->played_ms, a->played_ms);
        assert_int_equal(b->outcome, a->outcome);
        assert_string_equal(b->detail, a->detail ? a->detail : "");
    }
    proto_plays_clear(&back);
    proto_plays_clear(&in);
}

static void test_play_encoding_is_the_contract(void **state)
{
    (void)state;
    proto_play p;
    memset(&p, 0, sizeof p);
    fill_play(&p, "p-1", "a-1", SHA_A, "2024-03-05T06:00:00+07:00", "2024-03-05T06:00:00.004+07:00",
              "2024-03-05T06:03:02+07:00", 181950, PROTO_OUTCOME_COMPLETED, "");
    assert_json_is(proto_play_to_json(&p, tz),
                   "{'id': 'p-1', 'airing': 'a-1', 'media': '@A',"
                   " 'scheduled_start': '2024-03-05T06:00:00+07:00',"
                   " 'started_at': '2024-03-05T06:00:00.004+07:00',"
                   " 'ended_at': '2024-03-05T06:03:02+07:00', 'played_ms': 181950,"
                   " 'outcome': 'completed', 'detail': ''}");
    proto_play_clear(&p);
}

static void test_play_detail_absent_is_empty(void **state)
{
    (void)state;
    json_t *plays = sample_plays();
    proto_plays p;
    memset(&p, 0, sizeof p);
    char err[PROTO_ERR_MAX] = "";
    assert_int_equal(proto_plays_from_json(plays, &p, err), 0);
    assert_non_null(p.plays[2].detail);
    assert_string_equal(p.plays[2].detail, "");
    assert_string_equal(p.plays[1].detail, "mất điện");
    assert_int_equal(p.plays[0].started_at_ms, T("2024-03-05T06:00:00+07:00") + 4);
    json_decref(plays);
    proto_plays_clear(&p);
}

static void test_plays_result_round_trip(void **state)
{
    (void)state;
    proto_plays_result in, back;
    memset(&in, 0, sizeof in);
    memset(&back, 0, sizeof back);
    in.n_accepted = 2;
    in.accepted = g_new0(char *, 2);
    in.accepted[0] = g_strdup("p-1");
    in.accepted[1] = g_strdup("p-2");
    in.n_duplicates = 1;
    in.duplicates = g_new0(char *, 1);
    in.duplicates[0] = g_strdup("p-0");
    in.n_rejected = 2;
    in.rejected = g_new0(proto_rejected, 2);
    in.rejected[0].id = g_strdup("p-3");
    in.rejected[0].error = g_strdup("airing a-3 is not assigned to this box");
    in.rejected[1].id = g_strdup("");
    in.rejected[1].error = g_strdup("plays[4].id: missing");

    json_t *enc = proto_plays_result_to_json(&in);
    assert_non_null(enc);
    json_t *copy = json_deep_copy(enc);
    assert_json_is(copy, "{'accepted': ['p-1', 'p-2'], 'duplicates': ['p-0'],"
                         " 'rejected': [{'id': 'p-3', 'error': 'airing a-3 is not assigned to"
                         " this box'}, {'id': '', 'error': 'plays[4].id: missing'}]}");
    json_t *j = reload(enc);
    char err[PROTO_ERR_MAX] = "";
    if (proto_plays_result_from_json(j, &back, err) != 0)
        fail_msg("%s", err);
    json_decref(j);
    assert_int_equal(back.n_accepted, 2);
    assert_string_equal(back.accepted[0], "p-1");
    assert_string_equal(back.accepted[1], "p-2");
    assert_int_equal(back.n_duplicates, 1);
    assert_string_equal(back.duplicates[0], "p-0");
    assert_int_equal(back.n_rejected, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(back.rejected[i].id, in.rejected[i].id);
        assert_string_equal(back.rejected[i].error, in.rejected[i].error);
    }
    proto_plays_result_clear(&back);
    proto_plays_result_clear(&in);

    /* An empty answer is three empty arrays. */
    assert_json_is(proto_plays_result_to_json(&in),
                   "{'accepted': [], 'duplicates': [], 'rejected': []}");
}

static void status_round_trip(const proto_box_status *in, const char *expected)
{
    proto_box_status back;
    memset(&back, 0, sizeof back);
    json_t *enc = proto_box_status_to_json(in);
    assert_non_null(enc);
    assert_json_is(json_deep_copy(enc), expected);
    json_t *j = reload(enc);
    char err[PROTO_ERR_MAX] = "";
    if (proto_box_status_from_json(j, &back, err) != 0)
        fail_msg("%s", err);
    json_decref(j);
    assert_string_equal(back.agent_version, in->agent_version);
    assert_int_equal(back.uptime_s, in->uptime_s);
    assert_int_equal(back.clock_offset_ms, in->clock_offset_ms);
    assert_int_equal(back.cache_bytes, in->cache_bytes);
    assert_int_equal(back.cache_files, in->cache_files);
    assert_int_equal(back.n_missing_media, in->n_missing_media);
    for (size_t i = 0; i < in->n_missing_media; i++)
        assert_string_equal(back.missing_media[i], in->missing_media[i]);
    assert_int_equal(back.disk_free_bytes, in->disk_free_bytes);
    assert_str_or_null(back.playing_airing, in->playing_airing);
    assert_int_equal(back.volume, in->volume);
    assert_str_or_null(back.last_error, in->last_error);
    proto_box_status_clear(&back);
}

static void test_status_round_trip_with_nulls(void **state)
{
    (void)state;
    proto_box_status s;
    memset(&s, 0, sizeof s);
    s.agent_version = g_strdup("0.1.0");
    s.uptime_s = 0;
    s.clock_offset_ms = 0;
    s.volume = 0;
    status_round_trip(&s, "{'agent_version': '0.1.0', 'uptime_s': 0, 'clock_offset_ms': 0,"
                          " 'cache_bytes': 0, 'cache_files': 0, 'missing_media': [],"
                          " 'disk_free_bytes': 0, 'playing': null, 'volume': 0,"
                          " 'last_error': null}");
    proto_box_status_clear(&s);
}

static void test_status_round_trip_with_values(void **state)
{
    (void)state;
    proto_box_status s;
    memset(&s, 0, sizeof s);
    s.agent_version = g_strdup("0.1.0+rpi");
    s.uptime_s = 86400 * 40;
    s.clock_offset_ms = -1750;
    s.cache_bytes = INT64_C(5000000000);
    s.cache_files = 312;
    s.n_missing_media = 2;
    s.missing_media = g_new0(char *, 2);
    s.missing_media[0] = g_strdup(SHA_A);
    s.missing_media[1] = g_strdup(SHA_B);
    s.disk_free_bytes = INT64_C(12000000000);
    s.playing_airing = g_strdup("a-9");
    s.volume = 100;
    s.last_error = g_strdup("không tải được @media:\n\tHTTP 503");
    status_round_trip(&s, "{'agent_version': '0.1.0+rpi', 'uptime_s': 3456000,"
                          " 'clock_offset_ms': -1750, 'cache_bytes': 5000000000,"
                          " 'cache_files': 312, 'missing_media': ['@A', '@B'],"
                          " 'disk_free_bytes': 12000000000, 'playing': 'a-9', 'volume': 100,"
                          " 'last_error': 'không tải được @media:\\n\\tHTTP 503'}");
    proto_box_status_clear(&s);
}

static void test_status_nullables_may_be_absent(void **state)
{
    (void)state;
    json_t *j = sample_status();
    mutate(j, "playing", NULL);
    mutate(j, "last_error", NULL);
    proto_box_status s;
    memset(&s, 0, sizeof s);
    char err[PROTO_ERR_MAX] = "";
    assert_int_equal(proto_box_status_from_json(j, &s, err), 0);
    assert_null(s.playing_airing);
    assert_null(s.last_error);
    assert_int_equal(s.clock_offset_ms, -250);
    json_decref(j);
    proto_box_status_clear(&s);
}

static void test_events_round_trip(void **state)
{
    (void)state;
    proto_events in, back;
    memset(&in, 0, sizeof in);
    memset(&back, 0, sizeof back);
    in.cursor = 4711;
    in.n_events = 4;
    in.events = g_new0(proto_event, 4);
    in.events[0].type = PROTO_EVENT_MANIFEST_CHANGED;
    in.events[0].version = 12;
    in.events[1].type = PROTO_EVENT_EMERGENCY;
    fill_airing(&in.events[1].airing, "e-1", "2024-03-05T10:15:00+07:00", 90000,
                PROTO_PRIORITY_EMERGENCY, NULL, "Cảnh báo lũ quét", "news", SHA_C);
    in.events[2].type = PROTO_EVENT_STOP;
    in.events[2].airing_id = g_strdup("e-1");
    in.events[3].type = PROTO_EVENT_MANIFEST_CHANGED; /* version 0: unknown */

    json_t *enc = proto_events_to_json(&in, tz);
    assert_non_null(enc);
    assert_json_is(json_deep_copy(enc),
                   "{'cursor': 4711, 'events': ["
                   " {'type': 'manifest_changed', 'version': 12},"
                   " {'type': 'emergency', 'airing': {'id': 'e-1',"
                   "  'start': '2024-03-05T10:15:00+07:00', 'duration_ms': 90000,"
                   "  'priority': 'emergency', 'program': '', 'title': 'Cảnh báo lũ quét',"
                   "  'genre': 'news', 'media': '@C'}},"
                   " {'type': 'stop', 'airing': 'e-1'},"
                   " {'type': 'manifest_changed', 'version': 0}]}");
    json_t *j = reload(enc);
    char err[PROTO_ERR_MAX] = "";
    if (proto_events_from_json(j, &back, err) != 0)
        fail_msg("%s", err);
    json_decref(j);
    assert_int_equal(back.cursor, 4711);
    assert_int_equal(back.n_events, 4);
    assert_int_equal(back.events[0].type, PROTO_EVENT_MANIFEST_CHANGED);
    assert_int_equal(back.events[0].version, 12);
    assert_int_equal(back.events[1].type, PROTO_EVENT_EMERGENCY);
    assert_airing_equal(&back.events[1].airing, &in.events[1].airing);
    assert_null(back.events[1].airing_id);
    assert_int_equal(back.events[2].type, PROTO_EVENT_STOP);
    assert_string_equal(back.events[2].airing_id, "e-1");
    assert_int_equal(back.events[3].type, PROTO_EVENT_MANIFEST_CHANGED);
    assert_int_equal(back.events[3].version, 0);
    proto_events_clear(&back);
    proto_events_clear(&in);
}

/* A newer daemon may send event types this box does not know: they are skipped, and the
 * emergency next to them still gets through. A manifest_changed without version means 0. */
static void test_events_unknown_type_skipped(void **state)
{
    (void)state;
    json_t *j = sample_events();
    json_array_insert_new(json_object_get(j, "events"), 0,
                          doc("{'type': 'volume_changed', 'volume': 30}"));
    mutate(j, "events[3].version", NULL);
    proto_events e;
    memset(&e, 0, sizeof e);
    char err[PROTO_ERR_MAX] = "";
    if (proto_events_from_json(j, &e, err) != 0)
        fail_msg("%s", err);
    assert_int_equal(e.n_events, 3);
    assert_int_equal(e.events[0].type, PROTO_EVENT_EMERGENCY);
    assert_string_equal(e.events[0].airing.title, "Cảnh báo lũ quét");
    assert_int_equal(e.events[1].type, PROTO_EVENT_STOP);
    assert_int_equal(e.events[2].type, PROTO_EVENT_MANIFEST_CHANGED);
    assert_int_equal(e.events[2].version, 0);
    json_decref(j);
    proto_events_clear(&e);
}

static void test_server_time_round_trip(void **state)
{
    (void)state;
    int64_t t = T("2024-03-04T21:00:00.123+07:00"), back = 0;
    json_t *enc = proto_server_time_to_json(t, tz);
    assert_json_is(json_deep_copy(enc), "{'server_time': '2024-03-04T21:00:00.123+07:00'}");
    json_t *j = reload(enc);
    char err[PROTO_ERR_MAX] = "";
    assert_int_equal(proto_server_time_from_json(j, &back, err), 0);
    assert_int_equal(back, t);
    json_decref(j);
}

static void test_enum_names(void **state)
{
    (void)state;
    proto_priority p;
    proto_outcome o;
    for (int i = PROTO_PRIORITY_NORMAL; i <= PROTO_PRIORITY_EMERGENCY; i++) {
        assert_int_equal(proto_priority_parse(proto_priority_name((proto_priority)i), &p), 0);
        assert_int_equal(p, i);
    }
    for (int i = PROTO_OUTCOME_COMPLETED; i <= PROTO_OUTCOME_MISSED; i++) {
        assert_int_equal(proto_outcome_parse(proto_outcome_name((proto_outcome)i), &o), 0);
        assert_int_equal(o, i);
    }
    assert_string_equal(proto_outcome_name(PROTO_OUTCOME_MISSED), "missed");
    assert_string_equal(proto_event_type_name(PROTO_EVENT_MANIFEST_CHANGED), "manifest_changed");
    assert_int_equal(proto_outcome_parse("done", &o), -EINVAL);
    assert_int_equal(proto_outcome_parse("Completed", &o), -EINVAL);
    assert_int_equal(proto_priority_parse("", &p), -EINVAL);
    assert_int_equal(proto_priority_parse(NULL, &p), -EINVAL);
}

/* ---- unknown fields ---- */

static void test_unknown_fields_ignored(void **state)
{
    (void)state;
    json_t *extra = doc("{'nested': {'x': [1, 2, {'y': null}]}, 'n': 1.5}");
    json_t *m = sample_manifest();
    mutate(m, "x_future", json_deep_copy(extra));
    mutate(m, "box.x_future", json_deep_copy(extra));
    mutate(m, "airings[1].x_future", json_deep_copy(extra));
    mutate(m, "media[0].x_future", json_deep_copy(extra));
    expect_ok_doc(try_manifest, m);
    json_t *p = sample_plays();
    mutate(p, "x_future", json_deep_copy(extra));
    mutate(p, "plays[2].x_future", json_deep_copy(extra));
    expect_ok_doc(try_plays, p);
    json_t *r = sample_result();
    mutate(r, "rejected[0].x_future", json_deep_copy(extra));
    expect_ok_doc(try_result, r);
    json_t *s = sample_status();
    mutate(s, "x_future", json_deep_copy(extra));
    expect_ok_doc(try_status, s);
    json_t *e = sample_events();
    mutate(e, "events[0].airing.x_future", json_deep_copy(extra));
    mutate(e, "events[1].x_future", json_deep_copy(extra));
    expect_ok_doc(try_events, e);
    json_t *t = sample_server_time();
    mutate(t, "x_future", json_deep_copy(extra));
    expect_ok_doc(try_server_time, t);
    json_decref(extra);
}

/* ---- bad input: manifest ---- */

static void test_manifest_bad_types(void **state)
{
    (void)state;
    bad(try_manifest, sample_manifest, "volume", json_string("80"),
        "volume: must be an integer in 0…100");
    bad(try_manifest, sample_manifest, "volume", json_real(80.0), "volume: must be an integer");
    bad(try_manifest, sample_manifest, "box", json_array(), "box: must be a JSON object");
    bad(try_manifest, sample_manifest, "airings", json_object(), "airings: must be an array");
    bad(try_manifest, sample_manifest, "airings[1]", json_string("a-2"),
        "airings[1]: must be a JSON object");
    bad(try_manifest, sample_manifest, "box.name", json_integer(7), "box.name: must be a string");
    bad(try_manifest, sample_manifest, "server_time", json_integer(1709560800),
        "server_time: must be a string");
    bad(try_manifest, sample_manifest, "media[1].bytes", json_string("240000"),
        "media[1].bytes: must be an integer ≥ 0");
    bad(try_manifest, sample_manifest, "airings[0].duration_ms", json_true(),
        "airings[0].duration_ms: must be an integer");
    bad(try_manifest, sample_manifest, "airings[0].program", json_null(),
        "airings[0].program: must be a string");
    expect_bad_doc(try_manifest, doc("['not', 'a', 'manifest']"), "must be a JSON object");
}

static void test_manifest_missing_fields(void **state)
{
    (void)state;
    const char *required[] = {"box",
                              "server_time",
                              "horizon_end",
                              "poll_seconds",
                              "volume",
                              "airings",
                              "media",
                              "box.id",
                              "box.name",
                              "box.commune",
                              "airings[1].id",
                              "airings[1].start",
                              "airings[1].duration_ms",
                              "airings[1].priority",
                              "airings[1].title",
                              "airings[1].genre",
                              "airings[1].media",
                              "media[0].sha256",
                              "media[0].bytes",
                              "media[0].duration_ms",
                              "media[0].url"};
    for (size_t i = 0; i < G_N_ELEMENTS(required); i++) {
        char *want = g_strdup_printf("%s: missing", required[i]);
        bad(try_manifest, sample_manifest, required[i], NULL, want);
        g_free(want);
    }
}

static void test_manifest_bad_values(void **state)
{
    (void)state;
    bad(try_manifest, sample_manifest, "airings[1].start", json_string("2024-13-01T00:00:00+07:00"),
        "airings[1].start: not an RFC 3339 time with offset");
    bad(try_manifest, sample_manifest, "airings[0].start", json_string("2024-03-05T06:00:00"),
        "airings[0].start: not an RFC 3339 time with offset");
    bad(try_manifest, sample_manifest, "horizon_end", json_string("2024-02-30T00:00:00+07:00"),
        "horizon_end: not an RFC 3339");
    bad(try_manifest, sample_manifest, "horizon_end", json_string(""), "horizon_end: not an RFC");
    bad(try_manifest, sample_manifest, "media[1].sha256",
        json_string("FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210"),
        "media[1].sha256: not a sha256");
    bad(try_manifest, sample_manifest, "airings[0].media",
        json_string("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"),
        "airings[0].media: not a sha256");
    bad(try_manifest, sample_manifest, "volume", json_integer(101),
        "volume: must be an integer in 0…100");
    bad(try_manifest, sample_manifest, "volume", json_integer(-1), "volume: must be an integer");
    bad(try_manifest, sample_manifest, "poll_seconds", json_integer(0), "poll_seconds: must be");
    bad(try_manifest, sample_manifest, "poll_seconds", json_integer(86401),
        "poll_seconds: must be");
    bad(try_manifest, sample_manifest, "airings[0].duration_ms", json_integer(-1),
        "airings[0].duration_ms: must be an integer ≥ 0");
    bad(try_manifest, sample_manifest, "airings[1].priority", json_string("urgent"),
        "airings[1].priority: not one of normal, priority, emergency");
    bad(try_manifest, sample_manifest, "airings[1].priority", json_string("Normal"),
        "airings[1].priority: not one of");
    bad(try_manifest, sample_manifest, "media[0].url", json_string(""),
        "media[0].url: must not be empty");
    good(try_manifest, sample_manifest, "volume", json_integer(100));
    good(try_manifest, sample_manifest, "volume", json_integer(0));
    good(try_manifest, sample_manifest, "poll_seconds", json_integer(86400));
    good(try_manifest, sample_manifest, "horizon_end", json_string("2024-03-10T17:00:00Z"));
}

static void test_manifest_string_bounds(void **state)
{
    (void)state;
    good(try_manifest, sample_manifest, "airings[1].title", long_string(PROTO_TITLE_MAX));
    bad(try_manifest, sample_manifest, "airings[1].title", long_string(PROTO_TITLE_MAX + 1),
        "airings[1].title: longer than 512 bytes");
    good(try_manifest, sample_manifest, "box.name", long_string(PROTO_NAME_MAX));
    bad(try_manifest, sample_manifest, "box.name", long_string(PROTO_NAME_MAX + 1),
        "box.name: longer than 256 bytes");
    bad(try_manifest, sample_manifest, "box.commune", long_string(PROTO_NAME_MAX + 1),
        "box.commune: longer than 256 bytes");
    bad(try_manifest, sample_manifest, "airings[0].genre", long_string(PROTO_NAME_MAX + 1),
        "airings[0].genre: longer than 256 bytes");
    bad(try_manifest, sample_manifest, "airings[0].program", long_string(PROTO_NAME_MAX + 1),
        "airings[0].program: longer than 256 bytes");
    bad(try_manifest, sample_manifest, "media[0].url", long_string(PROTO_URL_MAX + 1),
        "media[0].url: longer than 1024 bytes");
    good(try_manifest, sample_manifest, "airings[0].id", ascii_string(PROTO_ID_MAX, 'x'));
    bad(try_manifest, sample_manifest, "airings[0].id", ascii_string(PROTO_ID_MAX + 1, 'x'),
        "airings[0].id: longer than 64 bytes");
    bad(try_manifest, sample_manifest, "box.id", ascii_string(PROTO_ID_MAX + 1, '7'),
        "box.id: longer than 64 bytes");
    bad(try_manifest, sample_manifest, "box.id", json_string(""), "box.id: must not be empty");
    bad(try_manifest, sample_manifest, "airings[1].id", json_string("a 2"),
        "airings[1].id: not an id");
    bad(try_manifest, sample_manifest, "airings[1].id", json_string("../../etc"),
        "airings[1].id: not an id");
    bad(try_manifest, sample_manifest, "airings[1].id", json_string("ả"),
        "airings[1].id: not an id");
}

static void test_manifest_control_chars(void **state)
{
    (void)state;
    bad(try_manifest, sample_manifest, "airings[0].title", json_string("Tin\nbão"),
        "airings[0].title: contains a control character");
    bad(try_manifest, sample_manifest, "box.name", json_string("Cụm\tloa"),
        "box.name: contains a control character");
    bad(try_manifest, sample_manifest, "box.commune", json_string("Bằng\x1bLãng"),
        "box.commune: contains a control character");
    bad(try_manifest, sample_manifest, "airings[1].genre", json_string("news\x7f"),
        "airings[1].genre: contains a control character");
    bad(try_manifest, sample_manifest, "airings[1].program", json_string("C1 \xc2\x85 next line"),
        "airings[1].program: contains a control character");
    /* A NUL smuggled into a value built in memory (the loader refuses \u0000 in text). */
    bad(try_manifest, sample_manifest, "airings[1].title", json_stringn("ab\0cd", 5),
        "airings[1].title: contains a control character");
    bad(try_manifest, sample_manifest, "media[0].sha256", json_stringn(SHA_A "\0x", 66),
        "media[0].sha256: not a sha256");
}

static void test_manifest_media_not_listed(void **state)
{
    (void)state;
    bad(try_manifest, sample_manifest, "airings[1].media", json_string(SHA_C),
        "airings[1].media: not listed in media");
    bad(try_manifest, sample_manifest, "media[1]", NULL, "airings[1].media: not listed in media");
    /* A media entry no airing uses is fine (e.g. kept for an upcoming emergency). */
    good(try_manifest, sample_manifest, "airings[1]", NULL);
}

static void test_manifest_too_many_items(void **state)
{
    (void)state;
    json_t *many = json_array();
    for (int i = 0; i <= PROTO_MAX_ITEMS; i++)
        json_array_append_new(many, json_null());
    bad(try_manifest, sample_manifest, "airings", json_deep_copy(many),
        "airings: more than 10000 items");
    bad(try_manifest, sample_manifest, "media", many, "media: more than 10000 items");
}

static void test_airing_alone(void **state)
{
    (void)state;
    expect_ok_doc(try_airing, sample_airing());
    bad(try_airing, sample_airing, "start", json_string("2024-03-05T06:00:00+0700"),
        "start: not an RFC 3339 time with offset");
    bad(try_airing, sample_airing, "media", NULL, "media: missing");
    expect_bad_doc(try_airing, json_string("a-1"), "must be a JSON object");
}

/* ---- bad input: plays ---- */

static void test_plays_bad_types_and_missing(void **state)
{
    (void)state;
    bad(try_plays, sample_plays, "plays", json_object(), "plays: must be an array");
    bad(try_plays, sample_plays, "plays", NULL, "plays: missing");
    bad(try_plays, sample_plays, "plays[1]", json_array(), "plays[1]: must be a JSON object");
    bad(try_plays, sample_plays, "plays[0].played_ms", json_string("181950"),
        "plays[0].played_ms: must be an integer ≥ 0");
    bad(try_plays, sample_plays, "plays[0].scheduled_start", json_integer(0),
        "plays[0].scheduled_start: must be a string");
    bad(try_plays, sample_plays, "plays[2].detail", json_null(),
        "plays[2].detail: must be a string");
    const char *required[] = {"id",         "airing",   "media",     "scheduled_start",
                              "started_at", "ended_at", "played_ms", "outcome"};
    for (size_t i = 0; i < G_N_ELEMENTS(required); i++) {
        char *path = g_strdup_printf("plays[1].%s", required[i]);
        char *want = g_strdup_printf("%s: missing", path);
        bad(try_plays, sample_plays, path, NULL, want);
        g_free(path);
        g_free(want);
    }
    expect_bad_doc(try_plays, doc("[]"), "must be a JSON object");
}

static void test_plays_bad_values(void **state)
{
    (void)state;
    bad(try_plays, sample_plays, "plays[0].played_ms", json_integer(-5),
        "plays[0].played_ms: must be an integer ≥ 0");
    bad(try_plays, sample_plays, "plays[0].outcome", json_string("done"),
        "plays[0].outcome: not one of completed, partial, failed, missed");
    bad(try_plays, sample_plays, "plays[1].started_at", json_string("2024-03-05T17:00:21+07:00"),
        "plays[1].started_at: after ended_at");
    bad(try_plays, sample_plays, "plays[0].ended_at", json_string("2024-03-05T06:00:00+07:00"),
        "plays[0].started_at: after ended_at");
    /* span 20 s: 20 s + 1 s slack passes, one millisecond more does not */
    good(try_plays, sample_plays, "plays[1].played_ms", json_integer(21000));
    bad(try_plays, sample_plays, "plays[1].played_ms", json_integer(21001),
        "plays[1].played_ms: longer than ended_at − started_at");
    bad(try_plays, sample_plays, "plays[2].played_ms", json_integer(5),
        "plays[2].played_ms: must be 0 when outcome is missed");
    bad(try_plays, sample_plays, "plays[1].scheduled_start",
        json_string("2024-13-01T00:00:00+07:00"), "plays[1].scheduled_start: not an RFC 3339");
    bad(try_plays, sample_plays, "plays[0].ended_at", json_string("2024-03-05 06:03:02"),
        "plays[0].ended_at: not an RFC 3339 time with offset");
    bad(try_plays, sample_plays, "plays[0].media", json_string(SHA_A "0"),
        "plays[0].media: not a sha256");
    bad(try_plays, sample_plays, "plays[0].id", ascii_string(PROTO_ID_MAX + 1, 'p'),
        "plays[0].id: longer than 64 bytes");
    good(try_plays, sample_plays, "plays[0].id", ascii_string(PROTO_ID_MAX, 'p'));
    bad(try_plays, sample_plays, "plays[0].id", json_string(""), "plays[0].id: must not be empty");
    bad(try_plays, sample_plays, "plays[0].id", json_string("p/1"), "plays[0].id: not an id");
    bad(try_plays, sample_plays, "plays[2].airing", json_string("a\x01"),
        "plays[2].airing: not an id");
    /* detail is free text: newlines and tabs pass, other controls and excess length don't */
    good(try_plays, sample_plays, "plays[1].detail", json_string("dòng 1\n\tdòng 2"));
    bad(try_plays, sample_plays, "plays[1].detail", json_string("bell\a"),
        "plays[1].detail: contains a control character");
    good(try_plays, sample_plays, "plays[1].detail", long_string(PROTO_TEXT_MAX));
    bad(try_plays, sample_plays, "plays[1].detail", long_string(PROTO_TEXT_MAX + 1),
        "plays[1].detail: longer than 2048 bytes");
}

static void test_plays_duplicate_ids(void **state)
{
    (void)state;
    bad(try_plays, sample_plays, "plays[2].id", json_string("p-1"),
        "plays[2].id: duplicate of plays[0].id");
}

static json_t *plays_of(size_t n)
{
    json_t *proto = sample_play();
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_deep_copy(proto);
        char id[32];
        g_snprintf(id, sizeof id, "p-%zu", i);
        json_object_set_new(p, "id", json_string(id));
        json_array_append_new(arr, p);
    }
    json_decref(proto);
    json_t *j = json_object();
    json_object_set_new(j, "plays", arr);
    return j;
}

static void test_plays_item_limit(void **state)
{
    (void)state;
    json_t *j = plays_of(PROTO_MAX_ITEMS);
    proto_plays p;
    memset(&p, 0, sizeof p);
    char err[PROTO_ERR_MAX] = "";
    if (proto_plays_from_json(j, &p, err) != 0)
        fail_msg("%s", err);
    assert_int_equal(p.n_plays, PROTO_MAX_ITEMS);
    assert_string_equal(p.plays[PROTO_MAX_ITEMS - 1].id, "p-9999");
    proto_plays_clear(&p);
    json_decref(j);
    expect_bad_doc(try_plays, plays_of(PROTO_MAX_ITEMS + 1), "plays: more than 10000 items");
}

static void test_play_alone(void **state)
{
    (void)state;
    expect_ok_doc(try_play, sample_play());
    bad(try_play, sample_play, "played_ms", json_integer(-1), "played_ms: must be an integer ≥ 0");
    bad(try_play, sample_play, "outcome", NULL, "outcome: missing");
}

/* ---- bad input: plays result, status, events, server time ---- */

static void test_plays_result_bad(void **state)
{
    (void)state;
    expect_ok_doc(try_result, sample_result());
    bad(try_result, sample_result, "accepted[1]", json_integer(5), "accepted[1]: must be a string");
    bad(try_result, sample_result, "accepted[0]", ascii_string(PROTO_ID_MAX + 1, 'p'),
        "accepted[0]: longer than 64 bytes");
    bad(try_result, sample_result, "duplicates", json_string("p-0"),
        "duplicates: must be an array");
    bad(try_result, sample_result, "duplicates", NULL, "duplicates: missing");
    bad(try_result, sample_result, "rejected[0].error", NULL, "rejected[0].error: missing");
    bad(try_result, sample_result, "rejected[0]", json_string("p-3"),
        "rejected[0]: must be a JSON object");
    bad(try_result, sample_result, "rejected[0].id", json_string("p\n3"),
        "rejected[0].id: contains a control character");
    bad(try_result, sample_result, "rejected[0].error", long_string(PROTO_TEXT_MAX + 1),
        "rejected[0].error: longer than 2048 bytes");
}

static void test_status_bad(void **state)
{
    (void)state;
    expect_ok_doc(try_status, sample_status());
    bad(try_status, sample_status, "volume", json_integer(101),
        "volume: must be an integer in 0…100");
    bad(try_status, sample_status, "uptime_s", json_integer(-1),
        "uptime_s: must be an integer ≥ 0");
    bad(try_status, sample_status, "clock_offset_ms", json_string("-250"),
        "clock_offset_ms: must be an integer");
    bad(try_status, sample_status, "cache_files", json_true(), "cache_files: must be an integer");
    bad(try_status, sample_status, "disk_free_bytes", NULL, "disk_free_bytes: missing");
    bad(try_status, sample_status, "agent_version", NULL, "agent_version: missing");
    bad(try_status, sample_status, "missing_media", json_object(),
        "missing_media: must be an array");
    bad(try_status, sample_status, "missing_media[1]", json_string(SHA_A "F"),
        "missing_media[1]: not a sha256");
    bad(try_status, sample_status, "missing_media[1]",
        json_string("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"),
        "missing_media[1]: not a sha256");
    bad(try_status, sample_status, "playing", json_integer(5), "playing: must be a string or null");
    bad(try_status, sample_status, "playing", ascii_string(PROTO_ID_MAX + 1, 'a'),
        "playing: longer than 64 bytes");
    bad(try_status, sample_status, "last_error", long_string(PROTO_TEXT_MAX + 1),
        "last_error: longer than 2048 bytes");
    bad(try_status, sample_status, "last_error", json_string("\x1b[31mred"),
        "last_error: contains a control character");
    bad(try_status, sample_status, "agent_version", json_string("0.1\n"),
        "agent_version: contains a control character");
    expect_bad_doc(try_status, json_array(), "must be a JSON object");
}

static void test_events_bad(void **state)
{
    (void)state;
    expect_ok_doc(try_events, sample_events());
    bad(try_events, sample_events, "cursor", json_integer(-1), "cursor: must be an integer ≥ 0");
    bad(try_events, sample_events, "cursor", NULL, "cursor: missing");
    bad(try_events, sample_events, "events", json_object(), "events: must be an array");
    bad(try_events, sample_events, "events[0].type", NULL, "events[0].type: missing");
    bad(try_events, sample_events, "events[0].type", json_integer(1),
        "events[0].type: must be a string");
    bad(try_events, sample_events, "events[0].airing", NULL, "events[0].airing: missing");
    bad(try_events, sample_events, "events[0].airing", json_string("e-1"),
        "events[0].airing: must be a JSON object");
    bad(try_events, sample_events, "events[0].airing.start",
        json_string("2024-13-01T00:00:00+07:00"), "events[0].airing.start: not an RFC 3339");
    bad(try_events, sample_events, "events[0].airing.media", json_string("abc"),
        "events[0].airing.media: not a sha256");
    bad(try_events, sample_events, "events[1].airing", json_integer(5),
        "events[1].airing: must be a string");
    bad(try_events, sample_events, "events[1].airing", NULL, "events[1].airing: missing");
    bad(try_events, sample_events, "events[2].version", json_string("12"),
        "events[2].version: must be an integer ≥ 0");
    bad(try_events, sample_events, "events[2]", json_null(), "events[2]: must be a JSON object");
}

static void test_server_time_bad(void **state)
{
    (void)state;
    bad(try_server_time, sample_server_time, "server_time", NULL, "server_time: missing");
    bad(try_server_time, sample_server_time, "server_time", json_integer(1709560800123),
        "server_time: must be a string");
    bad(try_server_time, sample_server_time, "server_time", json_string("2024-03-04T21:00:00.123"),
        "server_time: not an RFC 3339 time with offset");
    bad(try_server_time, sample_server_time, "server_time", long_string(100),
        "server_time: not an RFC 3339");
}

/* Caught by the round trip of tests/fuzz/fuzz_proto: "9999-12-31T23:59:59Z" is good RFC 3339,
 * but in Vietnam it is already year 10000, so a decoded value holding it could not be encoded
 * again (the encoder returned NULL). */
static void test_times_at_the_ends_of_the_calendar(void **state)
{
    (void)state;
    bad(try_server_time, sample_server_time, "server_time", json_string("9999-12-31T23:59:59Z"),
        "server_time: outside 0001-01-02 … 9999-12-30 (UTC)");
    bad(try_server_time, sample_server_time, "server_time",
        json_string("0001-01-01T00:00:00+23:59"), "server_time: outside");
    bad(try_manifest, sample_manifest, "airings[0].start", json_string("9999-12-31T17:00:00Z"),
        "airings[0].start: outside");
    bad(try_plays, sample_plays, "plays[1].ended_at", json_string("9999-12-31T00:00:00Z"),
        "plays[1].ended_at: outside");
    /* The last instants every zone can write still go both ways. */
    const char *edges[] = {"9999-12-30T23:59:59.999Z", "0001-01-02T00:00:00Z"};
    for (size_t i = 0; i < G_N_ELEMENTS(edges); i++) {
        int64_t t = T(edges[i]), back = 0;
        char err[PROTO_ERR_MAX] = "";
        json_t *j = reload(proto_server_time_to_json(t, tz));
        assert_int_equal(proto_server_time_from_json(j, &back, err), 0);
        assert_int_equal(back, t);
        json_decref(j);
    }
}

/* ---- proto_json_load ---- */

static int load(const char *buf, size_t len, size_t max, char *err)
{
    json_t *j = (json_t *)0x1;
    int rc = proto_json_load(buf, len, max, &j, err);
    if (rc != 0)
        assert_null(j);
    json_decref(j);
    return rc;
}

static void expect_load_error(const char *buf, size_t len, const char *needle)
{
    char err[PROTO_ERR_MAX] = "";
    int rc = load(buf, len, MAX_DOC, err);
    if (rc != -EINVAL || !strstr(err, needle))
        fail_msg("rc=%d err=\"%s\", wanted \"%s\"", rc, err, needle);
}

static char *nested(int depth, const char *inner)
{
    GString *s = g_string_new(NULL);
    for (int i = 0; i < depth; i++)
        g_string_append(s, i % 2 ? "[" : "{\"k\":");
    g_string_append(s, inner);
    for (int i = depth - 1; i >= 0; i--)
        g_string_append(s, i % 2 ? "]" : "}");
    return g_string_free(s, FALSE);
}

static void test_load_ok(void **state)
{
    (void)state;
    const char *text = "{\"name\": \"Cụm loa thôn Nà Pài\", \"esc\": \"\\\"{[\\\\\"}";
    json_t *j = NULL;
    char err[PROTO_ERR_MAX] = "";
    assert_int_equal(proto_json_load(text, strlen(text), strlen(text), &j, err), 0);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "Cụm loa thôn Nà Pài");
    assert_string_equal(json_string_value(json_object_get(j, "esc")), "\"{[\\");
    json_decref(j);
}

static void test_load_size_limit(void **state)
{
    (void)state;
    const char *text = "{\"a\": 1}";
    char err[PROTO_ERR_MAX] = "";
    assert_int_equal(load(text, strlen(text), strlen(text) - 1, err), -E2BIG);
    assert_non_null(strstr(err, "exceeds the limit"));
    assert_int_equal(load(text, strlen(text), strlen(text), err), 0);
}

static void test_load_bad_text(void **state)
{
    (void)state;
    const char bad_utf8[] = "{\"name\": \"C\xe1\xbb loa\"}"; /* truncated 3-byte sequence */
    expect_load_error(bad_utf8, sizeof bad_utf8 - 1, "invalid JSON");
    const char overlong[] = "{\"a\": \"\xc0\xaf\"}";
    expect_load_error(overlong, sizeof overlong - 1, "invalid JSON");
    const char raw_ff[] = "{\"a\": \"\xff\"}";
    expect_load_error(raw_ff, sizeof raw_ff - 1, "invalid JSON");
    const char *esc_nul = "{\"a\": \"x\\u0000y\"}";
    expect_load_error(esc_nul, strlen(esc_nul), "invalid JSON");
    const char raw_nul[] = "{\"a\": \"x\0y\"}";
    expect_load_error(raw_nul, sizeof raw_nul - 1, "invalid JSON");
    const char *dup = "{\"volume\": 80, \"volume\": 100}";
    expect_load_error(dup, strlen(dup), "duplicate");
    const char *trailing = "{\"a\": 1} {\"b\": 2}";
    expect_load_error(trailing, strlen(trailing), "invalid JSON");
    expect_load_error("", 0, "invalid JSON");
    const char *top_array = "[{\"a\": 1}]";
    expect_load_error(top_array, strlen(top_array), "top level: must be a JSON object");
    expect_load_error("\"x\"", 3, "top level: must be a JSON object");
    expect_load_error("42", 2, "top level: must be a JSON object");
    expect_load_error(NULL, 0, "no document");
}

static void test_load_depth(void **state)
{
    (void)state;
    char err[PROTO_ERR_MAX] = "";
    char *ok = nested(32, "1");
    assert_int_equal(load(ok, strlen(ok), MAX_DOC, err), 0);
    g_free(ok);
    char *deep33 = nested(33, "1");
    expect_load_error(deep33, strlen(deep33), "nested deeper than 32 levels");
    g_free(deep33);
    char *deep40 = nested(40, "1");
    expect_load_error(deep40, strlen(deep40), "nested deeper than 32 levels");
    g_free(deep40);
    /* Brackets inside strings, even after escaped quotes, are not nesting. */
    char *in_string = nested(31, "\"\\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"");
    assert_int_equal(load(in_string, strlen(in_string), MAX_DOC, err), 0);
    g_free(in_string);
}

static int setup(void **state)
{
    (void)state;
    return vtime_zone_new(NULL, &tz);
}

static int teardown(void **state)
{
    (void)state;
    g_time_zone_unref(tz);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_round_trip),
        cmocka_unit_test(test_manifest_encoding_is_the_contract),
        cmocka_unit_test(test_manifest_other_zone),
        cmocka_unit_test(test_airing_program_empty_or_absent_is_null),
        cmocka_unit_test(test_plays_round_trip),
        cmocka_unit_test(test_play_encoding_is_the_contract),
        cmocka_unit_test(test_play_detail_absent_is_empty),
        cmocka_unit_test(test_plays_result_round_trip),
        cmocka_unit_test(test_status_round_trip_with_nulls),
        cmocka_unit_test(test_status_round_trip_with_values),
        cmocka_unit_test(test_status_nullables_may_be_absent),
        cmocka_unit_test(test_events_round_trip),
        cmocka_unit_test(test_events_unknown_type_skipped),
        cmocka_unit_test(test_server_time_round_trip),
        cmocka_unit_test(test_enum_names),
        cmocka_unit_test(test_unknown_fields_ignored),
        cmocka_unit_test(test_manifest_bad_types),
        cmocka_unit_test(test_manifest_missing_fields),
        cmocka_unit_test(test_manifest_bad_values),
        cmocka_unit_test(test_manifest_string_bounds),
        cmocka_unit_test(test_manifest_control_chars),
        cmocka_unit_test(test_manifest_media_not_listed),
        cmocka_unit_test(test_manifest_too_many_items),
        cmocka_unit_test(test_airing_alone),
        cmocka_unit_test(test_plays_bad_types_and_missing),
        cmocka_unit_test(test_plays_bad_values),
        cmocka_unit_test(test_plays_duplicate_ids),
        cmocka_unit_test(test_plays_item_limit),
        cmocka_unit_test(test_play_alone),
        cmocka_unit_test(test_plays_result_bad),
        cmocka_unit_test(test_status_bad),
        cmocka_unit_test(test_events_bad),
        cmocka_unit_test(test_server_time_bad),
        cmocka_unit_test(test_times_at_the_ends_of_the_calendar),
        cmocka_unit_test(test_load_ok),
        cmocka_unit_test(test_load_size_limit),
        cmocka_unit_test(test_load_bad_text),
        cmocka_unit_test(test_load_depth),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
