/* The whole daemon through HTTP, as its users drive it: a technician uploads audio (multipart
 * and raw), Phòng Nội vụ approves it, the month is planned, filled and published, a waiting
 * box hears of it at once, fetches its manifest (ETag, 304) and the media (Range, 416, path
 * tricks), reports plays (idempotent, validated), status, an emergency and its stop reach it,
 * and the report counts what was played. */
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "api_client.h"
#include "daemon.h"

typedef struct fx {
    td *t;
    ac *admin, *tech, *approver, *op;
    char *token, *wav, *month;
} fx;

/* The month after this one: a plan there has all its slots ahead of now. */
static char *next_month(void)
{
    return td_month(1);
}

static int setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->wav = ac_sox("tin.wav", "-r 44100 -c 1", "synth 4 sine 440 vol 0.3");
    /* A long horizon, so next month's airings are in the manifest whatever today is. */
    f->t = td_start_config("[server]\nmanifest_horizon_days = 62\n", NULL);
    ac_add_commune(f->t, "Bằng Khánh");
    ac_add_commune(f->t, "Xuân Lạc");
    f->token = ac_add_box(f->t, "Nà Pài", "Bằng Khánh");
    f->admin = ac_user(f->t, "admin", "admin", NULL);
    f->tech = ac_user(f->t, "ktv", "technician", NULL);
    f->approver = ac_user(f->t, "noivu", "approver", NULL);
    f->op = ac_user(f->t, "canbo", "operator", "Xuân Lạc");
    f->month = next_month();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ac_free(f->admin);
    ac_free(f->tech);
    ac_free(f->approver);
    ac_free(f->op);
    assert_int_equal(td_stop(f->t), 0);
    td_free(f->t);
    ac_rm_file(f->wav);
    g_free(f->token);
    g_free(f->month);
    g_free(f);
    return 0;
}

static char *headers_for(ac *c, char **cookie, char **csrf)
{
    *cookie = g_strdup_printf("Cookie: %s", ac_cookie(c));
    *csrf = g_strdup_printf("X-CSRF-Token: %s", ac_csrf(c));
    return NULL;
}

/* Uploads the WAV as a multipart form, the way a browser does. */
static json_t *upload_multipart(fx *f, const char *title, long *status)
{
    gchar *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(f->wav, &data, &len, NULL));
    const char *b = "----loalangBoundary7MA4YWxk";
    GString *body = g_string_new(NULL);
    g_string_append_printf(body,
                           "--%s\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n%s\r\n"
                           "--%s\r\nContent-Disposition: form-data; name=\"genre\"\r\n\r\nnews\r\n"
                           "--%s\r\nContent-Disposition: form-data; name=\"file\"; "
                           "filename=\"tin.wav\"\r\nContent-Type: audio/wav\r\n\r\n",
                           b, title, b, b);
    g_string_append_len(body, data, (gssize)len);
    g_string_append_printf(body, "\r\n--%s--\r\n", b);
    char *cookie, *csrf, *ct = g_strdup_printf("Content-Type: multipart/form-data; boundary=%s", b);
    headers_for(f->tech, &cookie, &csrf);
    const char *h[] = {cookie, csrf, ct, NULL};
    char *out = NULL;
    assert_int_equal(
        td_request(f->t, "POST", "/api/v1/pieces", h, body->str, body->len, status, &out, NULL), 0);
    json_t *j = json_loads(out, 0, NULL);
    g_free(out);
    g_free(cookie);
    g_free(csrf);
    g_free(ct);
    g_string_free(body, TRUE);
    g_free(data);
    return j;
}

static json_t *upload_raw(fx *f, const char *query, const void *data, size_t len, long *status)
{
    char *cookie, *csrf, *out = NULL, *path = g_strdup_printf("/api/v1/pieces?%s", query);
    headers_for(f->tech, &cookie, &csrf);
    const char *h[] = {cookie, csrf, "Content-Type: audio/wav", NULL};
    assert_int_equal(td_request(f->t, "POST", path, h, data, len, status, &out, NULL), 0);
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    g_free(out);
    g_free(cookie);
    g_free(csrf);
    g_free(path);
    return j;
}

static size_t media_files(fx *f)
{
    char *cmd = g_strdup_printf("sh -c 'find %s/media -type f | wc -l'", td_dir(f->t)), *out = NULL;
    assert_true(g_spawn_command_line_sync(cmd, &out, NULL, NULL, NULL));
    size_t n = (size_t)g_ascii_strtoull(out, NULL, 10);
    g_free(out);
    g_free(cmd);
    return n;
}

/* Uploads, reviews; returns the approved piece's id and media sha256. */
static void make_piece(fx *f, char **id, char **sha)
{
    long st = 0;
    json_t *p = upload_multipart(f, "Bản tin nông thôn mới", &st);
    assert_int_equal(st, 201);
    assert_string_equal(json_string_value(json_object_get(p, "status")), "draft");
    json_t *media = json_object_get(p, "media");
    int64_t dur = json_integer_value(json_object_get(p, "duration_ms"));
    assert_true(dur > 3900 && dur < 4100);
    double lufs = json_real_value(json_object_get(media, "loudness_out_lufs"));
    assert_true(lufs > -17.5 && lufs < -14.5);
    *id = g_strdup(json_string_value(json_object_get(p, "id")));
    *sha = g_strdup(json_string_value(json_object_get(media, "sha256")));
    json_decref(p);
    char *path = g_strdup_printf("/api/v1/pieces/%s/approve", *id);
    json_decref(ac_call(f->approver, "POST", path, NULL, &st));
    assert_int_equal(st, 409); /* a draft is not up for approval yet */
    json_decref(ac_call(f->tech, "POST", path, NULL, &st));
    assert_int_equal(st, 403); /* only Phòng Nội vụ approves */
    g_free(path);
    path = g_strdup_printf("/api/v1/pieces/%s/submit", *id);
    json_decref(ac_call(f->tech, "POST", path, NULL, &st));
    assert_int_equal(st, 200);
    g_free(path);
    /* An empty note is no note: fine to approve, not enough to reject. */
    path = g_strdup_printf("/api/v1/pieces/%s/reject", *id);
    json_t *empty = json_pack("{ss}", "note", "");
    p = ac_call(f->approver, "POST", path, empty, &st);
    assert_int_equal(st, 400);
    assert_string_equal(ac_error_code(p), "note_required");
    json_decref(p);
    json_decref(empty);
    g_free(path);
    path = g_strdup_printf("/api/v1/pieces/%s/approve", *id);
    json_t *note = json_pack("{ss}", "note", "Đạt yêu cầu");
    p = ac_call(f->approver, "POST", path, note, &st);
    assert_int_equal(st, 200);
    assert_string_equal(json_string_value(json_object_get(p, "status")), "approved");
    assert_int_equal(json_array_size(json_object_get(p, "reviews")), 3);
    json_decref(p);
    json_decref(note);
    g_free(path);
}

static void test_upload_refusals(void **state)
{
    fx *f = *state;
    long st = 0;
    size_t before = media_files(f);
    json_t *j = upload_raw(f, "title=A&genre=news", "đây không phải âm thanh",
                           strlen("đây không phải âm thanh"), &st);
    assert_int_equal(st, 422);
    assert_string_equal(ac_error_code(j), "not_audio");
    json_decref(j);
    j = upload_raw(f, "title=A&genre=news", "", 0, &st);
    assert_int_equal(st, 422);
    json_decref(j);
    j = upload_raw(f, "genre=news", "x", 1, &st); /* no title */
    assert_int_equal(st, 400);
    json_decref(j);
    j = upload_raw(f, "title=A&genre=opera", "x", 1, &st);
    assert_true(st == 400 || st == 422);
    json_decref(j);
    /* Raw body with metadata in the query: accepted, and the same audio is stored once. */
    gchar *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(f->wav, &data, &len, NULL));
    j = upload_raw(f, "title=B%E1%BA%A3n%20tin&genre=report&commune=B%E1%BA%B1ng%20Kh%C3%A1nh",
                   data, len, &st);
    assert_int_equal(st, 201);
    assert_string_equal(json_string_value(json_object_get(j, "title")), "Bản tin");
    json_decref(j);
    j = upload_raw(f, "title=C&genre=news", data, len, &st);
    assert_int_equal(st, 201);
    assert_true(json_is_true(json_object_get(j, "deduplicated")));
    json_decref(j);
    g_free(data);
    assert_int_equal(media_files(f), before + 1);
    j = ac_call(f->tech, "GET", "/api/v1/pieces?genre=report", NULL, &st);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
    json_decref(j);
    /* The operator of Xuân Lạc sees no piece about Bằng Khánh. */
    j = ac_call(f->op, "GET", "/api/v1/pieces", NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 0);
    json_decref(j);
}

static json_t *box(fx *f, const char *method, const char *path, json_t *body, long *st)
{
    json_t *j = ac_box_call(f->t, f->token, method, path, body, st);
    json_decref(body);
    return j;
}

/* Plans next month with one daily programme and publishes it; returns one airing id. */
static void plan_and_publish(fx *f, const char *piece, int64_t *cursor_before)
{
    long st = 0;
    json_t *prog = json_pack("{ss s[sssssss] ss si s{ss}}", "title", "Bản tin sáng", "weekdays",
                             "mon", "tue", "wed", "thu", "fri", "sat", "sun", "start", "06:00",
                             "length", 30, "targets", "kind", "all");
    json_decref(ac_call(f->tech, "POST", "/api/v1/programs", prog, &st));
    assert_int_equal(st, 201);
    json_decref(prog);
    char *path = g_strdup_printf("/api/v1/plans/%s/items", f->month);
    json_t *item = json_pack("{ss si}", "piece", piece, "airings", 3);
    json_decref(ac_call(f->tech, "POST", path, item, &st));
    assert_int_equal(st, 201);
    json_decref(item);
    g_free(path);
    path = g_strdup_printf("/api/v1/plans/%s/fill", f->month);
    json_t *fill = ac_call(f->tech, "POST", path, NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(fill, "airings")), 3);
    json_decref(fill);
    g_free(path);
    json_t *ev = box(f, "GET", "/api/v1/box/events", NULL, &st);
    *cursor_before = json_integer_value(json_object_get(ev, "cursor"));
    json_decref(ev);
}

typedef struct poll_arg {
    fx *f;
    int64_t after;
    long status;
    json_t *answer;
    gint64 answered_us;
} poll_arg;

static gpointer poll_thread(gpointer p)
{
    poll_arg *a = p;
    char *path = g_strdup_printf("/api/v1/box/events?after=%lld&wait=20", (long long)a->after);
    a->answer = ac_box_call(a->f->t, a->f->token, "GET", path, NULL, &a->status);
    a->answered_us = g_get_monotonic_time();
    g_free(path);
    return NULL;
}

/* Starts a long-poll, lets it settle, runs act, and checks it was answered quickly with an
 * event of type `type`. */
static json_t *wake_with(fx *f, int64_t after, const char *type, void (*act)(fx *, void *),
                         void *arg)
{
    poll_arg pa = {.f = f, .after = after};
    GThread *th = g_thread_new("poll", poll_thread, &pa);
    g_usleep(300000);
    gint64 t0 = g_get_monotonic_time();
    act(f, arg);
    g_thread_join(th);
    assert_int_equal(pa.status, 200);
    json_t *e = json_array_get(json_object_get(pa.answer, "events"), 0);
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "type")), type);
    /* Not a timing assertion on speed: a held poll must be answered by the event, long
     * before its 20 s wait ends. */
    assert_true(pa.answered_us - t0 < 10 * G_USEC_PER_SEC);
    return pa.answer;
}

static void do_publish(fx *f, void *arg)
{
    (void)arg;
    long st = 0;
    char *path = g_strdup_printf("/api/v1/plans/%s/publish", f->month);
    json_t *p = ac_call(f->tech, "POST", path, NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(p, "new")), 3);
    json_decref(p);
    g_free(path);
}

static void check_manifest(fx *f, const char *sha, char **airing)
{
    long st = 0;
    char *out = NULL, *hdrs = NULL, *auth = g_strdup_printf("Authorization: Bearer %s", f->token);
    const char *h[] = {auth, NULL};
    assert_int_equal(td_request(f->t, "GET", "/api/v1/box/manifest", h, NULL, 0, &st, &out, &hdrs),
                     0);
    assert_int_equal(st, 200);
    json_t *m = json_loads(out, 0, NULL);
    json_t *airings = json_object_get(m, "airings");
    assert_int_equal(json_array_size(airings), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(airings, 0), "media")),
                        sha);
    *airing = g_strdup(json_string_value(json_object_get(json_array_get(airings, 0), "id")));
    json_decref(m);
    const char *e = strstr(hdrs, "ETag: ");
    assert_non_null(e);
    char *etag = g_strndup(e + 6, strcspn(e + 6, "\r\n"));
    char *inm = g_strdup_printf("If-None-Match: %s", etag);
    const char *h2[] = {auth, inm, NULL};
    g_free(out);
    assert_int_equal(td_request(f->t, "GET", "/api/v1/box/manifest", h2, NULL, 0, &st, &out, NULL),
                     0);
    assert_int_equal(st, 304);
    g_free(out);
    g_free(inm);
    g_free(etag);
    g_free(hdrs);
    g_free(auth);
}

static void check_media(fx *f, const char *sha)
{
    long st = 0;
    char *out = NULL, *hdrs = NULL, *auth = g_strdup_printf("Authorization: Bearer %s", f->token);
    char *path = g_strdup_printf("/media/%s.opus", sha);
    const char *h[] = {auth, NULL};
    assert_int_equal(td_request(f->t, "GET", path, h, NULL, 0, &st, &out, &hdrs), 0);
    assert_int_equal(st, 200);
    assert_memory_equal(out, "OggS", 4);
    assert_non_null(strstr(hdrs, "public, max-age=31536000, immutable")); /* on air now */
    g_free(out);
    g_free(hdrs);
    const char *ranges[][2] = {{"Range: bytes=0-3", "206"},
                               {"Range: bytes=-4", "206"},
                               {"Range: bytes=99999999-", "416"},
                               {"Range: bytes=5-1", "200"}};
    for (size_t i = 0; i < G_N_ELEMENTS(ranges); i++) {
        const char *hr[] = {auth, ranges[i][0], NULL};
        assert_int_equal(td_request(f->t, "GET", path, hr, NULL, 0, &st, &out, &hdrs), 0);
        assert_int_equal(st, g_ascii_strtoll(ranges[i][1], NULL, 10));
        if (i == 0) {
            assert_memory_equal(out, "OggS", 4);
            assert_non_null(strstr(hdrs, "Content-Range: bytes 0-3/"));
        }
        if (i == 2)
            assert_non_null(strstr(hdrs, "Content-Range: bytes */"));
        g_free(out);
        g_free(hdrs);
    }
    char *upper = g_ascii_strup(sha, -1);
    char *bad[] = {g_strdup_printf("/media/%s.opus", upper), g_strdup("/media/abc.opus"),
                   g_strdup("/media/..%2F..%2Floalang.db"), g_strdup("/media/../loalang.db"),
                   g_strdup_printf("/media/%s.ogg", sha)};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        assert_int_equal(td_request(f->t, "GET", bad[i], h, NULL, 0, &st, &out, NULL), 0);
        assert_int_equal(st, 404);
        g_free(out);
        g_free(bad[i]);
    }
    g_free(upper);
    assert_int_equal(td_request(f->t, "GET", path, NULL, NULL, 0, &st, &out, NULL), 0);
    assert_int_equal(st, 401);
    g_free(out);
    g_free(path);
    g_free(auth);
}

static json_t *play(const char *id, const char *airing, const char *sha, const char *outcome,
                    int played)
{
    return json_pack("{ss ss ss ss ss ss si ss ss}", "id", id, "airing", airing, "media", sha,
                     "scheduled_start", "2030-01-01T06:00:00+07:00", "started_at",
                     "2030-01-01T06:00:00+07:00", "ended_at", "2030-01-01T06:00:04+07:00",
                     "played_ms", played, "outcome", outcome, "detail", "");
}

static void check_plays(fx *f, const char *airing, const char *sha)
{
    long st = 0;
    json_t *body = json_pack(
        "{s[ooo]}", "plays",
        play("7f1f2a4e-0000-4000-8000-000000000001", airing, sha, "completed", 4000),
        play("7f1f2a4e-0000-4000-8000-000000000002", "no-such-airing", sha, "completed", 4000),
        play("7f1f2a4e-0000-4000-8000-000000000003", airing, sha, "completed", 9000000));
    json_t *r = box(f, "POST", "/api/v1/box/plays", json_incref(body), &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(r, "accepted")), 1);
    assert_int_equal(json_array_size(json_object_get(r, "rejected")), 2);
    json_decref(r);
    r = box(f, "POST", "/api/v1/box/plays", body, &st); /* the box retries: nothing doubles */
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(r, "duplicates")), 1);
    assert_int_equal(json_array_size(json_object_get(r, "accepted")), 0);
    json_decref(r);
    r = box(f, "POST", "/api/v1/box/plays", json_pack("{s[i]}", "plays", 3), &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(r, "rejected")), 1);
    json_decref(r);
    json_decref(box(f, "POST", "/api/v1/box/plays", json_pack("{si}", "plays", 3), &st));
    assert_int_equal(st, 400);
}

static void do_emergency(fx *f, void *arg)
{
    long st = 0;
    json_t *body = json_pack("{ss s{ss}}", "piece", (const char *)arg, "targets", "kind", "all");
    json_t *r = ac_call(f->tech, "POST", "/api/v1/emergency", body, &st);
    assert_int_equal(st, 201);
    json_decref(r);
    json_decref(body);
}

static void check_status_and_report(fx *f)
{
    long st = 0;
    json_t *s = json_pack("{ss si si si si si s[] si sn si sn}", "agent_version", "0.1.0",
                          "uptime_s", 100, "clock_offset_ms", 12, "cache_bytes", 1000,
                          "cache_files", 1, "disk_free_bytes", 1000000, "missing_media", "volume",
                          80, "playing", "queue_length", 0, "last_error");
    json_t *r = box(f, "POST", "/api/v1/box/status", s, &st);
    if (st != 200)
        fail_msg("status: %ld %s", st, json_dumps(r, 0));
    assert_non_null(json_object_get(r, "server_time"));
    json_decref(r);
    r = ac_call(f->admin, "GET", "/api/v1/boxes/status", NULL, &st);
    assert_int_equal(st, 200);
    assert_true(
        json_is_true(json_object_get(json_array_get(json_object_get(r, "boxes"), 0), "online")));
    json_decref(r);
    char *path = g_strdup_printf("/api/v1/reports/%s", f->month);
    r = ac_call(f->approver, "GET", path, NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(r, "airings_scheduled")), 3);
    json_decref(r);
    char *csv = g_strdup_printf("%s?format=csv", path), *out = NULL;
    char *cookie = g_strdup_printf("Cookie: %s", ac_cookie(f->approver));
    const char *h[] = {cookie, NULL};
    assert_int_equal(td_request(f->t, "GET", csv, h, NULL, 0, &st, &out, NULL), 0);
    assert_int_equal(st, 200);
    assert_memory_equal(out, "\xEF\xBB\xBF", 3);
    g_free(out);
    g_free(cookie);
    g_free(csv);
    g_free(path);
}

static void test_flow(void **state)
{
    fx *f = *state;
    char *piece = NULL, *sha = NULL, *airing = NULL;
    int64_t cursor = 0;
    make_piece(f, &piece, &sha);
    plan_and_publish(f, piece, &cursor);
    json_decref(wake_with(f, cursor, "manifest_changed", do_publish, NULL));
    check_manifest(f, sha, &airing);
    check_media(f, sha);
    check_plays(f, airing, sha);
    long st = 0;
    json_t *ev = box(f, "GET", "/api/v1/box/events", NULL, &st);
    cursor = json_integer_value(json_object_get(ev, "cursor"));
    json_decref(ev);
    json_t *answer = wake_with(f, cursor, "emergency", do_emergency, piece);
    json_t *e = json_array_get(json_object_get(answer, "events"), 0);
    char *em = g_strdup(json_string_value(json_object_get(json_object_get(e, "airing"), "id")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "airing"), "media")),
                        sha);
    json_decref(answer);
    char *stop = g_strdup_printf("/api/v1/emergency/%s/stop", em);
    json_decref(ac_call(f->tech, "POST", stop, NULL, &st));
    assert_int_equal(st, 200);
    json_decref(ac_call(f->tech, "POST", stop, NULL, &st));
    assert_int_equal(st, 404);
    check_status_and_report(f);
    g_free(stop);
    g_free(em);
    g_free(airing);
    g_free(piece);
    g_free(sha);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_upload_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
