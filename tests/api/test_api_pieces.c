/* Pieces over HTTP: multipart and raw uploads with every metadata field, each ingest refusal
 * (and that nothing is kept after one), formats off the decoder's list and a WAV whose header
 * claims 1 Hz refused as unsupported, list filters and paging, edits, the review flow with
 * its refusals, an operator's view limited to their commune, malformed bodies, and uploads
 * refused on their headers before the body is read. */
#include <arpa/inet.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "api_client.h"
#include "daemon.h"
#include "ingest.h"

typedef struct fx {
    td *t;
    ac *tech, *approver, *op;
    char *wav;
} fx;

static int setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->wav = ac_sox("tin.wav", "-r 44100 -c 1", "synth 4 sine 440 vol 0.3");
    f->t = td_start_config("[server]\nmax_upload_mb = 1\nmax_upload_minutes = 1\n", NULL);
    ac_add_commune(f->t, "Bằng Khánh");
    ac_add_commune(f->t, "Xuân Lạc");
    f->tech = ac_user(f->t, "ktv", "technician", NULL);
    f->approver = ac_user(f->t, "noivu", "approver", NULL);
    f->op = ac_user(f->t, "canbo", "operator", "Xuân Lạc");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ac_free(f->tech);
    ac_free(f->approver);
    ac_free(f->op);
    assert_int_equal(td_stop(f->t), 0);
    td_free(f->t);
    ac_rm_file(f->wav);
    g_free(f);
    return 0;
}

static json_t *upload_file(ac *c, const char *query, const char *path, long *st)
{
    gchar *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(path, &data, &len, NULL));
    char *url = g_strdup_printf("/api/v1/pieces?%s", query);
    json_t *j = ac_send(c, "POST", url, "audio/wav", data, len, st);
    g_free(url);
    g_free(data);
    return j;
}

/* Fields: NULL-terminated name/value pairs; the file part comes last, with `audio`. */
static GString *multipart(const char *b, const char *const *fields, const char *audio, size_t len)
{
    GString *body = g_string_new(NULL);
    for (size_t i = 0; fields && fields[i]; i += 2)
        g_string_append_printf(body,
                               "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n",
                               b, fields[i], fields[i + 1]);
    g_string_append_printf(body,
                           "--%s\r\nContent-Disposition: form-data; name=\"file\"; "
                           "filename=\"tin.wav\"\r\nContent-Type: audio/wav\r\n\r\n",
                           b);
    g_string_append_len(body, audio, (gssize)len);
    g_string_append_printf(body, "\r\n--%s--\r\n", b);
    return body;
}

static json_t *upload_form(fx *f, const char *const *fields, long *st)
{
    gchar *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(f->wav, &data, &len, NULL));
    GString *body = multipart("xYzBoundary42", fields, data, len);
    json_t *j = ac_send(f->tech, "POST", "/api/v1/pieces",
                        "multipart/form-data; boundary=xYzBoundary42", body->str, body->len, st);
    g_string_free(body, TRUE);
    g_free(data);
    return j;
}

static void count_files(const char *dir, size_t *n, size_t *temps)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    for (const char *name; d && (name = g_dir_read_name(d));) {
        char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            count_files(path, n, temps);
        } else {
            (*n)++;
            *temps += g_str_has_prefix(name, ".ingest-");
        }
        g_free(path);
    }
    if (d)
        g_dir_close(d);
}

/* Files under DIR/media (<aa>/<sha256>.opus), and how many of them are ingest temp files. */
static size_t media_files(fx *f, size_t *temps)
{
    char *dir = g_build_filename(td_dir(f->t), "media", NULL);
    size_t n = 0;
    *temps = 0;
    count_files(dir, &n, temps);
    g_free(dir);
    return n;
}

static int64_t total(ac *c, const char *query)
{
    long st = 0;
    char *url = g_strdup_printf("/api/v1/pieces%s%s", *query ? "?" : "", query);
    json_t *j = ac_call(c, "GET", url, NULL, &st);
    if (st != 200)
        fail_msg("GET %s: %ld", url, st);
    int64_t n = json_integer_value(json_object_get(j, "total"));
    json_decref(j);
    g_free(url);
    return n;
}

static void expect(json_t *j, const long *stp, long want_st, const char *want_code)
{
    long st = *stp;
    if (st != want_st || (want_code && strcmp(ac_error_code(j), want_code) != 0)) {
        char *text = j ? json_dumps(j, 0) : g_strdup("(no JSON)");
        fail_msg("want %ld %s, got %ld %s", want_st, want_code ? want_code : "", st, text);
    }
    json_decref(j);
}

static void test_upload_metadata(void **state)
{
    fx *f = *state;
    long st = 0;
    const char *fields[] = {"title",    "Gương sáng Bằng Khánh",
                            "genre",    "report",
                            "theme",    "Nông thôn mới",
                            "exemplar", "Bà Hoàng Thị Lan",
                            "commune",  "Bằng Khánh",
                            "priority", "priority",
                            "submit",   "1",
                            "ignored",  "x",
                            NULL};
    json_t *p = upload_form(f, fields, &st);
    assert_int_equal(st, 201);
    assert_string_equal(ac_str(p, "title"), "Gương sáng Bằng Khánh");
    assert_string_equal(ac_str(p, "genre"), "report");
    assert_string_equal(ac_str(p, "theme"), "Nông thôn mới");
    assert_string_equal(ac_str(p, "exemplar"), "Bà Hoàng Thị Lan");
    assert_string_equal(ac_str(p, "commune"), "Bằng Khánh");
    assert_string_equal(ac_str(p, "priority"), "priority");
    assert_string_equal(ac_str(p, "status"), "submitted");
    assert_false(json_is_true(json_object_get(p, "deduplicated")));
    json_decref(p);
    /* The same through the query string of a raw upload; no submit: a draft. */
    p = upload_file(f->tech,
                    "title=T%C3%ADn%20A&genre=news&theme=An%20ninh&exemplar=%C3%94ng%20B"
                    "&commune=Xu%C3%A2n%20L%E1%BA%A1c",
                    f->wav, &st);
    assert_int_equal(st, 201);
    assert_string_equal(ac_str(p, "title"), "Tín A");
    assert_string_equal(ac_str(p, "theme"), "An ninh");
    assert_string_equal(ac_str(p, "exemplar"), "Ông B");
    assert_string_equal(ac_str(p, "commune"), "Xuân Lạc");
    assert_string_equal(ac_str(p, "priority"), "normal");
    assert_string_equal(ac_str(p, "status"), "draft");
    assert_true(json_is_true(json_object_get(p, "deduplicated")));
    json_decref(p);
    /* A commune named in NFD (as some keyboards send it) is the same commune. */
    p = upload_file(f->tech, "title=C&genre=news&commune=Xua%CC%82n%20La%CC%A3c", f->wav, &st);
    assert_int_equal(st, 201);
    assert_string_equal(ac_str(p, "commune"), "Xuân Lạc");
    json_decref(p);
    size_t temps = 0;
    assert_int_equal(media_files(f, &temps), 1);
    assert_int_equal(temps, 0);
}

static void test_ingest_refusals(void **state)
{
    fx *f = *state;
    long st = 0;
    char *silent = ac_sox("lang.wav", "-r 44100 -c 1", "trim 0 4");
    char *lng = ac_sox("dai.wav", "-r 4000 -b 8 -c 1", "synth 70 sine 440 vol 0.3");
    json_t *j = ac_send(f->tech, "POST", "/api/v1/pieces?title=A&genre=news", "audio/wav",
                        "không phải âm thanh", strlen("không phải âm thanh"), &st);
    expect(j, &st, 422, "not_audio");
    j = ac_send(f->tech, "POST", "/api/v1/pieces?title=A&genre=news", "audio/wav", "", 0, &st);
    assert_true(st == 400 || st == 422);
    assert_string_equal(ac_error_code(j), "empty");
    json_decref(j);
    j = upload_file(f->tech, "title=A&genre=news", silent, &st);
    expect(j, &st, 422, "silent");
    j = upload_file(f->tech, "title=A&genre=news", lng, &st);
    assert_true(st == 413 || st == 422);
    assert_string_equal(ac_error_code(j), "too_long");
    json_decref(j);
    char *big = g_malloc0(1536 * 1024);
    memcpy(big, "RIFF", 4);
    j = ac_send(f->tech, "POST", "/api/v1/pieces?title=A&genre=news", "audio/wav", big, 1536 * 1024,
                &st);
    expect(j, &st, 413, "too_large");
    g_free(big);
    /* Audio that breaks off into noise: undecodable, which was once -ENOENT and reached the
     * client as a 404. The body carries the ingest code and its Vietnamese message. */
    char *flac = ac_sox("hong.flac", "-r 44100 -c 2", "synth 5 pinknoise vol 0.5");
    char *cmd = g_strdup_printf("sh -c '(head -c 4000 %s; seq 1 200000 | gzip -n -c) > %s.bad'",
                                flac, flac);
    int sh_status = 0;
    assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &sh_status, NULL) && sh_status == 0);
    char *bad = g_strdup_printf("%s.bad", flac);
    j = upload_file(f->tech, "title=A&genre=news", bad, &st);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
                        ingest_error_message(-INGEST_ERR_UNDECODABLE));
    expect(j, &st, 422, "undecodable");
    g_unlink(bad);
    g_free(bad);
    g_free(cmd);
    ac_rm_file(flac);
    /* Metadata refusals, with good audio. */
    j = upload_file(f->tech, "title=A&genre=opera", f->wav, &st);
    expect(j, &st, 400, NULL);
    j = upload_file(f->tech, "title=A&genre=news&priority=urgent", f->wav, &st);
    expect(j, &st, 400, NULL);
    j = upload_file(f->tech, "title=A&genre=news&commune=Atlantis", f->wav, &st);
    expect(j, &st, 400, "unknown_commune");
    j = upload_file(f->tech, "genre=news", f->wav, &st);
    expect(j, &st, 400, "invalid_field");
    j = upload_file(f->approver, "title=A&genre=news", f->wav, &st);
    expect(j, &st, 403, NULL);
    j = upload_file(f->op, "title=A&genre=news", f->wav, &st);
    expect(j, &st, 403, NULL);
    /* Nothing was kept: no piece, no media file, no temp file. */
    assert_int_equal(total(f->tech, ""), 0);
    size_t temps = 0;
    assert_int_equal(media_files(f, &temps), 0);
    assert_int_equal(temps, 0);
    ac_rm_file(silent);
    ac_rm_file(lng);
}

/* Runs sh -c cmd, which must succeed. */
static void shell(const char *cmd)
{
    const char *argv[] = {"/bin/sh", "-ec", cmd, NULL};
    int status = -1;
    assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                             NULL, NULL, &status, NULL));
    assert_true(g_spawn_check_wait_status(status, NULL));
}

static void test_unsupported_formats(void **state)
{
    fx *f = *state;
    long st = 0;
    /* Matroska (the decoder's list has no Matroska demuxer), made from the test's own WAV. */
    char *mka = g_strdup_printf("%s.mka", f->wav);
    char *cmd = g_strdup_printf("ffmpeg -loglevel error -y -i '%s' -c:a aac '%s'", f->wav, mka);
    shell(cmd);
    g_free(cmd);
    json_t *j = upload_file(f->tech, "title=A&genre=news", mka, &st);
    assert_non_null(j);
    assert_int_equal(st, 422); /* once 201: Matroska was accepted */
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
                        ingest_error_message(-INGEST_ERR_UNSUPPORTED));
    expect(j, &st, 422, "unsupported_format");
    /* 16 KB of PCM whose header says 1 Hz: refused from the header, before a sample is made
     * (once: 42.7 s and over a gigabyte of temp PCM before a too_long). */
    char *hz = ac_sox("hz1.wav", "-r 8000 -c 1 -b 16", "synth 8192s sine 440");
    cmd = g_strdup_printf("printf '\\001\\000\\000\\000\\002\\000\\000\\000' | "
                          "dd of='%s' bs=1 seek=24 conv=notrunc status=none",
                          hz);
    shell(cmd);
    g_free(cmd);
    j = upload_file(f->tech, "title=A&genre=news", hz, &st);
    expect(j, &st, 422, "unsupported_format");
    assert_int_equal(total(f->tech, ""), 0);
    size_t temps = 0;
    assert_int_equal(media_files(f, &temps), 0);
    assert_int_equal(temps, 0);
    g_unlink(mka);
    g_free(mka);
    ac_rm_file(hz);
}

static void test_malformed(void **state)
{
    fx *f = *state;
    long st = 0;
    gchar *data = NULL;
    gsize len = 0;
    assert_true(g_file_get_contents(f->wav, &data, &len, NULL));
    const char *fields[] = {"title", "Tin", "genre", "news", NULL};
    GString *body = multipart("realBoundary", fields, data, len);
    /* The header names another boundary: no part is found. */
    json_t *j = ac_send(f->tech, "POST", "/api/v1/pieces", "multipart/form-data; boundary=other",
                        body->str, body->len, &st);
    expect(j, &st, 400, NULL);
    /* Cut off in the middle of the file. */
    j = ac_send(f->tech, "POST", "/api/v1/pieces", "multipart/form-data; boundary=realBoundary",
                body->str, body->len / 2, &st);
    expect(j, &st, 400, NULL);
    /* No boundary at all. */
    j = ac_send(f->tech, "POST", "/api/v1/pieces", "multipart/form-data", body->str, body->len,
                &st);
    expect(j, &st, 400, NULL);
    g_string_free(body, TRUE);
    /* Invalid UTF-8 in a text field. */
    const char *bad[] = {"title", "Tin \xC3\x28 x", "genre", "news", NULL};
    body = multipart("realBoundary", bad, data, len);
    j = ac_send(f->tech, "POST", "/api/v1/pieces", "multipart/form-data; boundary=realBoundary",
                body->str, body->len, &st);
    expect(j, &st, 400, NULL);
    g_string_free(body, TRUE);
    /* A control character in the title. */
    const char *ctl[] = {"title", "Tin\x01", "genre", "news", NULL};
    body = multipart("realBoundary", ctl, data, len);
    j = ac_send(f->tech, "POST", "/api/v1/pieces", "multipart/form-data; boundary=realBoundary",
                body->str, body->len, &st);
    expect(j, &st, 400, NULL);
    g_string_free(body, TRUE);
    /* A form without the file. */
    const char *nofile =
        "--bb\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nTin\r\n--bb\r\n"
        "Content-Disposition: form-data; name=\"genre\"\r\n\r\nnews\r\n--bb--\r\n";
    j = ac_send(f->tech, "POST", "/api/v1/pieces", "multipart/form-data; boundary=bb", nofile,
                strlen(nofile), &st);
    expect(j, &st, 400, "invalid_field");
    /* A field longer than any title. */
    char *huge = g_strnfill(5000, 'a');
    const char *hf[] = {"title", huge, "genre", "news", NULL};
    body = multipart("realBoundary", hf, data, len);
    j = ac_send(f->tech, "POST", "/api/v1/pieces", "multipart/form-data; boundary=realBoundary",
                body->str, body->len, &st);
    expect(j, &st, 400, NULL);
    g_string_free(body, TRUE);
    g_free(huge);
    g_free(data);
    assert_int_equal(total(f->tech, ""), 0);
    size_t temps = 0;
    assert_int_equal(media_files(f, &temps), 0);
    assert_int_equal(temps, 0);
}

static char *new_piece(fx *f, const char *query)
{
    long st = 0;
    json_t *p = upload_file(f->tech, query, f->wav, &st);
    if (st != 201)
        fail_msg("upload %s: %ld", query, st);
    char *id = g_strdup(ac_str(p, "id"));
    json_decref(p);
    return id;
}

static json_t *act(ac *c, const char *id, const char *what, const char *note, long *st)
{
    char *url = g_strdup_printf("/api/v1/pieces/%s/%s", id, what);
    json_t *body = note ? json_pack("{ss}", "note", note) : NULL;
    json_t *j = ac_call(c, "POST", url, body, st);
    json_decref(body);
    g_free(url);
    return j;
}

static void test_list_filters(void **state)
{
    fx *f = *state;
    long st = 0;
    char *a = new_piece(f, "title=Gi%E1%BA%A3m%2050%25%20h%E1%BB%99%20ngh%C3%A8o&genre=news");
    char *b = new_piece(f, "title=M%C3%A3%20a_b&genre=report&commune=B%E1%BA%B1ng%20Kh%C3%A1nh");
    char *c = new_piece(f, "title=Ph%C3%B2ng%20ch%C3%A1y&genre=article&theme=PCCC");
    char *d = new_piece(f, "title=Ch%C3%A0o%20xu%C3%A2n&genre=news");
    json_decref(act(f->tech, b, "submit", NULL, &st));
    json_decref(act(f->approver, b, "approve", NULL, &st));
    assert_int_equal(st, 200);
    json_decref(act(f->tech, c, "submit", NULL, &st));
    char *month = td_month(0);
    char *q = g_strdup_printf("month=%s", month);
    assert_int_equal(total(f->tech, q), 4);
    g_free(q);
    q = g_strdup_printf("approved_month=%s", month);
    assert_int_equal(total(f->tech, q), 1);
    g_free(q);
    assert_int_equal(total(f->tech, "month=2001-01"), 0);
    assert_int_equal(total(f->tech, "approved_month=2001-01"), 0);
    assert_int_equal(total(f->tech, "genre=news"), 2);
    assert_int_equal(total(f->tech, "status=submitted"), 1);
    assert_int_equal(total(f->tech, "status=draft"), 2);
    assert_int_equal(total(f->tech, "commune=B%E1%BA%B1ng%20Kh%C3%A1nh"), 1);
    assert_int_equal(total(f->tech, "commune=Xu%C3%A2n%20L%E1%BA%A1c"), 0);
    /* % and _ are literal characters, not LIKE wildcards. */
    assert_int_equal(total(f->tech, "text=%25"), 1);
    assert_int_equal(total(f->tech, "text=_"), 1);
    assert_int_equal(total(f->tech, "text=a_b"), 1);
    assert_int_equal(total(f->tech, "text=pccc"), 1); /* the theme, case-insensitive */
    assert_int_equal(total(f->tech, "genre=news&status=draft"), 2);
    json_t *j = ac_call(f->tech, "GET", "/api/v1/pieces?limit=3&offset=2", NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 4);
    assert_int_equal(json_array_size(json_object_get(j, "pieces")), 2);
    json_decref(j);
    j = ac_call(f->tech, "GET", "/api/v1/pieces?limit=2", NULL, &st);
    assert_int_equal(json_array_size(json_object_get(j, "pieces")), 2);
    /* Newest first. */
    assert_string_equal(ac_str(json_array_get(json_object_get(j, "pieces"), 0), "id"), d);
    json_decref(j);
    const char *bad[] = {"month=2026-13", "month=abcd-ef", "approved_month=2026-1",
                         "genre=opera",   "status=lost",   "limit=0",
                         "limit=x",       "offset=-1",     "text=%C3%28"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *url = g_strdup_printf("/api/v1/pieces?%s", bad[i]);
        j = ac_call(f->tech, "GET", url, NULL, &st);
        if (st != 400)
            fail_msg("%s: %ld", bad[i], st);
        json_decref(j);
        g_free(url);
    }
    g_free(month);
    g_free(a);
    g_free(b);
    g_free(c);
    g_free(d);
}

static json_t *patch(ac *c, const char *id, const char *json_text, long *st)
{
    char *url = g_strdup_printf("/api/v1/pieces/%s", id);
    json_t *j = ac_send(c, "PATCH", url, "application/json", json_text, strlen(json_text), st);
    g_free(url);
    return j;
}

static void test_patch(void **state)
{
    fx *f = *state;
    long st = 0;
    char *id = new_piece(f, "title=Tin&genre=news&theme=C%C5%A9&commune=B%E1%BA%B1ng%20Kh%C3%A1nh");
    json_t *p =
        patch(f->tech, id, "{\"title\":\"Tin mới\",\"genre\":\"article\",\"theme\":null}", &st);
    assert_int_equal(st, 200);
    assert_string_equal(ac_str(p, "title"), "Tin mới");
    assert_string_equal(ac_str(p, "genre"), "article");
    assert_true(json_object_get(p, "theme") == NULL || json_is_null(json_object_get(p, "theme")));
    assert_string_equal(ac_str(p, "commune"), "Bằng Khánh");
    json_decref(p);
    p = patch(f->tech, id, "{\"commune\":null}", &st);
    assert_int_equal(st, 200);
    assert_true(json_object_get(p, "commune") == NULL ||
                json_is_null(json_object_get(p, "commune")));
    json_decref(p);
    expect(patch(f->tech, id, "{\"commune\":\"Atlantis\"}", &st), &st, 400, "unknown_commune");
    expect(patch(f->tech, id, "{\"title\":5}", &st), &st, 400, "invalid_field");
    expect(patch(f->tech, id, "{\"title\":\"\"}", &st), &st, 400, "invalid_field");
    expect(patch(f->tech, id, "{\"genre\":\"opera\"}", &st), &st, 400, NULL);
    expect(patch(f->tech, id, "{\"priority\":[1]}", &st), &st, 400, "invalid_field");
    expect(patch(f->tech, id, "{\"title\":", &st), &st, 400, NULL);
    expect(patch(f->tech, id, "[1,2]", &st), &st, 400, NULL);
    expect(patch(f->tech, id, "{\"title\":\"T\xC3\x28\"}", &st), &st, 400, NULL);
    expect(patch(f->tech, id, "{\"title\":\"T\\u0000x\"}", &st), &st, 400, NULL);
    char *huge = g_strdup_printf("{\"title\":\"%*s\"}", 40000, "a");
    expect(patch(f->tech, id, huge, &st), &st, 413, NULL);
    g_free(huge);
    expect(patch(f->approver, id, "{\"title\":\"X\"}", &st), &st, 403, NULL);
    expect(
        patch(f->tech, "00000000-0000-4000-8000-000000000000", "{\"commune\":\"Atlantis\"}", &st),
        &st, 404, NULL);
    /* The commune's name in another Unicode normal form (NFD) is the same commune. */
    p = patch(f->tech, id, "{\"commune\":\"Xua\u0302n La\u0323c\"}", &st);
    assert_int_equal(st, 200);
    assert_string_equal(ac_str(p, "commune"), "Xuân Lạc");
    json_decref(p);
    expect(patch(f->tech, "00000000-0000-4000-8000-000000000000", "{\"title\":\"X\"}", &st), &st,
           404, NULL);
    json_decref(act(f->tech, id, "submit", NULL, &st));
    assert_int_equal(st, 200);
    expect(patch(f->tech, id, "{\"title\":\"Sửa khi chờ duyệt\"}", &st), &st, 409, "not_editable");
    /* Rejected: editable again. */
    json_decref(act(f->approver, id, "reject", "Thiếu nguồn", &st));
    assert_int_equal(st, 200);
    p = patch(f->tech, id, "{\"title\":\"Tin đã sửa\"}", &st);
    assert_int_equal(st, 200);
    assert_string_equal(ac_str(p, "status"), "rejected");
    json_decref(p);
    g_free(id);
}

static void check_transition_refused(json_t *j, const long *st)
{
    assert_int_equal(*st, 409);
    assert_string_equal(ac_error_code(j), "bad_transition");
    const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    assert_non_null(msg);
    assert_non_null(strstr(msg, "Không thể chuyển tin bài"));
    json_decref(j);
}

static void test_review_flow(void **state)
{
    fx *f = *state;
    long st = 0;
    char *id = new_piece(f, "title=Tin&genre=news");
    check_transition_refused(act(f->approver, id, "approve", NULL, &st), &st);
    check_transition_refused(act(f->approver, id, "reject", "Sai", &st), &st);
    json_decref(act(f->tech, id, "submit", NULL, &st));
    assert_int_equal(st, 200);
    check_transition_refused(act(f->tech, id, "submit", NULL, &st), &st);
    expect(act(f->tech, id, "approve", NULL, &st), &st, 403, NULL);
    expect(act(f->op, id, "approve", NULL, &st), &st, 403, NULL);
    expect(act(f->tech, id, "reject", "Sai", &st), &st, 403, NULL);
    expect(act(f->approver, id, "reject", NULL, &st), &st, 400, "note_required");
    /* A note that is not a string, and a body that is not JSON. */
    char *url = g_strdup_printf("/api/v1/pieces/%s/reject", id);
    expect(ac_send(f->approver, "POST", url, "application/json", "{\"note\":3}", 10, &st), &st, 400,
           NULL);
    expect(ac_send(f->approver, "POST", url, "application/json", "{note", 5, &st), &st, 400, NULL);
    g_free(url);
    json_t *p = act(f->approver, id, "reject", "Thiếu nguồn tin", &st);
    assert_int_equal(st, 200);
    assert_string_equal(ac_str(p, "status"), "rejected");
    json_decref(p);
    check_transition_refused(act(f->approver, id, "approve", NULL, &st), &st);
    json_decref(act(f->tech, id, "submit", NULL, &st));
    assert_int_equal(st, 200);
    json_decref(act(f->approver, id, "approve", "Đạt", &st));
    assert_int_equal(st, 200);
    check_transition_refused(act(f->approver, id, "reject", "Muộn", &st), &st);
    url = g_strdup_printf("/api/v1/pieces/%s", id);
    p = ac_call(f->tech, "GET", url, NULL, &st);
    assert_int_equal(st, 200);
    assert_string_equal(ac_str(p, "status"), "approved");
    json_t *reviews = json_object_get(p, "reviews");
    assert_int_equal(json_array_size(reviews), 5);
    int notes = 0;
    for (size_t i = 0; i < json_array_size(reviews); i++) {
        const char *n = ac_str(json_array_get(reviews, i), "note");
        notes += n && !strcmp(n, "Thiếu nguồn tin");
    }
    assert_int_equal(notes, 1);
    json_decref(p);
    json_decref(act(f->tech, id, "retire", NULL, &st));
    assert_int_equal(st, 200);
    check_transition_refused(act(f->tech, id, "submit", NULL, &st), &st);
    check_transition_refused(act(f->tech, id, "retire", NULL, &st), &st);
    expect(act(f->tech, "00000000-0000-4000-8000-000000000000", "submit", NULL, &st), &st, 404,
           NULL);
    expect(ac_call(f->tech, "GET", "/api/v1/pieces/nope", NULL, &st), &st, 404, NULL);
    g_free(url);
    g_free(id);
}

static void test_operator_view(void **state)
{
    fx *f = *state;
    long st = 0;
    char *mine =
        new_piece(f, "title=Xu%C3%A2n%20L%E1%BA%A1c&genre=news&commune=Xu%C3%A2n%20L%E1%BA%A1c");
    char *other = new_piece(
        f, "title=B%E1%BA%B1ng%20Kh%C3%A1nh&genre=news&commune=B%E1%BA%B1ng%20Kh%C3%A1nh");
    char *none = new_piece(f, "title=Chung&genre=news");
    json_t *j = ac_call(f->op, "GET", "/api/v1/pieces", NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "total")), 1);
    assert_string_equal(ac_str(json_array_get(json_object_get(j, "pieces"), 0), "id"), mine);
    json_decref(j);
    /* A filter naming another commune does not widen the view. */
    assert_int_equal(total(f->op, "commune=B%E1%BA%B1ng%20Kh%C3%A1nh"), 0);
    char *url = g_strdup_printf("/api/v1/pieces/%s", mine);
    json_decref(ac_call(f->op, "GET", url, NULL, &st));
    assert_int_equal(st, 200);
    g_free(url);
    url = g_strdup_printf("/api/v1/pieces/%s", other);
    expect(ac_call(f->op, "GET", url, NULL, &st), &st, 404, "not_found");
    expect(patch(f->op, mine, "{\"title\":\"X\"}", &st), &st, 403, NULL);
    expect(act(f->op, mine, "submit", NULL, &st), &st, 403, NULL);
    g_free(url);
    url = g_strdup_printf("/api/v1/pieces/%s", none);
    expect(ac_call(f->op, "GET", url, NULL, &st), &st, 404, NULL);
    g_free(url);
    assert_int_equal(total(f->tech, ""), 3);
    g_free(mine);
    g_free(other);
    g_free(none);
}

/* Sends only the headers of an upload (as a client announcing a huge body would) on a raw
 * connection and reads what comes back without sending any of the body: the status line's
 * code, or 0 if the server waited for the body (nothing within a bound far above a reply's
 * time). extra: more header lines, each ending in CRLF. */
static int status_before_body(fx *f, const char *extra, const char *length)
{
    const char *port = strrchr(td_url(f->t), ':') + 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    char *req = g_strdup_printf("POST /api/v1/pieces?title=T&genre=news HTTP/1.1\r\nHost: x\r\n"
                                "Content-Type: audio/wav\r\nContent-Length: %s\r\n%s\r\n",
                                length, extra);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    g_free(req);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char buf[512] = "";
    int code = 0;
    if (poll(&p, 1, 10000) > 0 && read(fd, buf, sizeof buf - 1) > 12)
        code = atoi(buf + 9);
    close(fd);
    return code;
}

/* Uploads are refused on their headers, before a byte of the body is read and without "100
 * Continue": no session (401), a session without the CSRF header (403), a declared size over
 * max_upload_mb (413); the server does not wait for 60 GB to arrive first. */
static void test_upload_refused_on_headers(void **state)
{
    fx *f = *state;
    assert_int_equal(status_before_body(f, "", "60000000000"), 401);
    assert_int_equal(status_before_body(f, "Expect: 100-continue\r\n", "60000000000"), 401);
    char *cookie = g_strdup_printf("Cookie: %s\r\n", ac_cookie(f->tech));
    assert_int_equal(status_before_body(f, cookie, "60000000000"), 403);
    char *both =
        g_strdup_printf("Cookie: %s\r\nX-CSRF-Token: %s\r\n", ac_cookie(f->tech), ac_csrf(f->tech));
    assert_int_equal(status_before_body(f, both, "60000000000"), 413);
    assert_int_equal(status_before_body(f, both, "2000000"), 413); /* max_upload_mb = 1 */
    char *op =
        g_strdup_printf("Cookie: %s\r\nX-CSRF-Token: %s\r\n", ac_cookie(f->op), ac_csrf(f->op));
    assert_int_equal(status_before_body(f, op, "1000"), 403); /* operators do not upload */
    g_free(op);
    g_free(both);
    g_free(cookie);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_upload_metadata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_refused_on_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ingest_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsupported_formats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operator_view, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
