/* What a running daemon remembers between requests (which box a token is, a media file's row,
 * a box's manifest) never outlives a change made by another process: after an admin command
 * revokes a box or publishes an airing, the very next request sees it. The daemon and the
 * commands are the real programs on one data dir. */
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "api_client.h"
#include "daemon.h"
#include "vtime.h"
#include "wallclock.h"

typedef struct fx {
    td *t;
    char *token, *wav;
} fx;

static int setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->t = td_start(NULL);
    ac_add_commune(f->t, "Bằng Khánh");
    f->token = ac_add_box(f->t, "Nà Pài", "Bằng Khánh");
    f->wav = ac_sox("tin.wav", "-r 16000 -c 1", "synth 3 sine 440 vol 0.3");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    assert_int_equal(td_stop(f->t), 0);
    td_free(f->t);
    g_free(f->token);
    ac_rm_file(f->wav);
    g_free(f);
    return 0;
}

/* The last line of a command's output (g_free); fails the test if the command fails. */
static char *admin_last_line(fx *f, const char *what, const char *a1, const char *a2,
                             const char *a3, const char *a4, const char *a5, const char *a6,
                             const char *a7, const char *a8)
{
    char *out = NULL, *err = NULL;
    int rc = td_admin(f->t, NULL, &out, &err, a1, a2, a3, a4, a5, a6, a7, a8, NULL);
    if (rc != 0)
        fail_msg("%s: %s", what, err);
    g_strchomp(out);
    const char *last = strrchr(out, '\n');
    char *line = g_strdup(last ? last + 1 : out);
    g_free(out);
    g_free(err);
    return line;
}

/* GET path as the box: the status; *headers (may be NULL) gets the header lines. */
static long box_get(fx *f, const char *path, const char *extra, char **headers, char **body)
{
    char *auth = g_strdup_printf("Authorization: Bearer %s", f->token);
    const char *h[] = {auth, extra, NULL};
    long status = 0;
    assert_int_equal(td_request(f->t, "GET", path, h, NULL, 0, &status, body, headers), 0);
    g_free(auth);
    return status;
}

/* The value of header name in raw header lines (g_free), or NULL. */
static char *header(const char *headers, const char *name)
{
    char **lines = g_strsplit(headers, "\n", -1);
    char *v = NULL;
    for (char **l = lines; *l && !v; l++)
        if (g_ascii_strncasecmp(*l, name, strlen(name)) == 0 && (*l)[strlen(name)] == ':')
            v = g_strstrip(g_strdup(*l + strlen(name) + 1));
    g_strfreev(lines);
    return v;
}

static char *imported_piece(fx *f)
{
    return admin_last_line(f, "piece import", "piece", "import", f->wav, "--title", "Tin sáng",
                           "--genre", "news", "--approve");
}

static void published_airing(fx *f, const char *piece)
{
    vtime_local l;
    vtime_utc_to_local(vtime_zone(), wallclock_now_ms() + 86400000, &l);
    char *when = g_strdup_printf("%04d-%02d-%02dT06:00:00+07:00", l.year, l.month, l.day);
    g_free(admin_last_line(f, "airing add", "airing", "add", "--piece", piece, "--at", when, NULL,
                           NULL));
    g_free(when);
}

/* "/media/<sha>.opus" of the one media file in the data dir (g_free). */
static char *only_media(fx *f)
{
    char *root = g_build_filename(td_dir(f->t), "media", NULL);
    GDir *d = g_dir_open(root, 0, NULL);
    char *path = NULL;
    assert_non_null(d);
    for (const char *sub; (sub = g_dir_read_name(d)) != NULL && !path;) {
        char *dir = g_build_filename(root, sub, NULL);
        GDir *dd = g_dir_open(dir, 0, NULL);
        const char *name = dd ? g_dir_read_name(dd) : NULL;
        if (name && g_str_has_suffix(name, ".opus"))
            path = g_strdup_printf("/media/%s", name);
        if (dd)
            g_dir_close(dd);
        g_free(dir);
    }
    g_dir_close(d);
    g_free(root);
    assert_non_null(path);
    return path;
}

/* GET a media file as the box three times: each answer's Cache-Control has want. */
static void media_cached_as(fx *f, const char *path, const char *want)
{
    for (int i = 0; i < 3; i++) {
        char *headers = NULL;
        assert_int_equal(box_get(f, path, NULL, &headers, NULL), 200);
        char *cc = header(headers, "Cache-Control");
        assert_non_null(cc);
        if (!g_str_has_prefix(cc, want))
            fail_msg("Cache-Control: %s, want %s…", cc, want);
        g_free(cc);
        g_free(headers);
    }
}

/* A token used many times is remembered; revoking it elsewhere ends it at once. */
static void test_revoked_elsewhere(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(box_get(f, "/api/v1/box/manifest", NULL, NULL, NULL), 200);
    g_free(
        admin_last_line(f, "box revoke", "box", "revoke", "Nà Pài", NULL, NULL, NULL, NULL, NULL));
    assert_int_equal(box_get(f, "/api/v1/box/manifest", NULL, NULL, NULL), 401);
    assert_int_equal(
        box_get(f,
                "/media/"
                "0000000000000000000000000000000000000000000000000000000000000000.opus",
                NULL, NULL, NULL),
        401);
}

/* A manifest, a media row and whether the box may fetch it, asked many times, are remembered;
 * an airing published by an admin command changes all three on the next request. */
static void test_published_elsewhere(void **state)
{
    fx *f = *state;
    char *headers = NULL, *body = NULL;
    assert_int_equal(box_get(f, "/api/v1/box/manifest", NULL, &headers, &body), 200);
    char *etag = header(headers, "ETag");
    assert_non_null(etag);
    assert_non_null(strstr(body, "\"airings\":[]"));
    g_free(headers);
    g_free(body);
    char *inm = g_strdup_printf("If-None-Match: %s", etag);
    for (int i = 0; i < 3; i++)
        assert_int_equal(box_get(f, "/api/v1/box/manifest", inm, NULL, NULL), 304);

    char *piece = imported_piece(f);
    char *media = only_media(f);
    for (int i = 0; i < 3; i++) /* approved, not on air: not the box's to fetch */
        assert_int_equal(box_get(f, media, NULL, NULL, NULL), 404);
    assert_int_equal(box_get(f, "/api/v1/box/manifest", inm, NULL, NULL), 304);

    published_airing(f, piece);
    assert_int_equal(box_get(f, "/api/v1/box/manifest", inm, NULL, &body), 200);
    char *want = g_strdup_printf("\"media\":\"%.64s\"", media + strlen("/media/"));
    assert_non_null(strstr(body, want));
    media_cached_as(f, media, "public");
    g_free(want);
    g_free(body);
    g_free(media);
    g_free(piece);
    g_free(inm);
    g_free(etag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_revoked_elsewhere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_published_elsewhere, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
