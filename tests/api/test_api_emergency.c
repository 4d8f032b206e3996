/* Emergencies over HTTP: refusals of a start (unknown or unapproved piece, bad targets, bad
 * bodies, roles), the list of live emergencies with what each box reported, an operator's view
 * limited to their commune, and stopping; held long-polls of boxes in two communes answered with
 * exactly the events that target each (one answer shared by many boxes must still be theirs). */
#include <glib.h>
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
    ac *tech, *approver, *op_bk, *op_xl;
    char *wav, *piece, *draft, *token_bk, *token_xl;
} fx;

static int setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->wav = ac_sox("tin.wav", "-r 44100 -c 1", "synth 4 sine 440 vol 0.3");
    f->t = td_start(NULL);
    ac_add_commune(f->t, "Bằng Khánh");
    ac_add_commune(f->t, "Xuân Lạc");
    f->token_bk = ac_add_box(f->t, "Nà Pài", "Bằng Khánh");
    f->token_xl = ac_add_box(f->t, "Bản Chang", "Xuân Lạc");
    f->tech = ac_user(f->t, "ktv", "technician", NULL);
    f->approver = ac_user(f->t, "noivu", "approver", NULL);
    f->op_bk = ac_user(f->t, "canbo1", "operator", "Bằng Khánh");
    f->op_xl = ac_user(f->t, "canbo2", "operator", "Xuân Lạc");
    f->piece = ac_approved_piece(f->tech, f->approver, f->wav,
                                 "title=B%C3%A3o%20s%E1%BB%91%203&genre=news");
    f->draft = ac_uploaded_piece(f->tech, f->wav, "title=Nh%C3%A1p&genre=news");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ac_free(f->tech);
    ac_free(f->approver);
    ac_free(f->op_bk);
    ac_free(f->op_xl);
    assert_int_equal(td_stop(f->t), 0);
    td_free(f->t);
    ac_rm_file(f->wav);
    g_free(f->piece);
    g_free(f->draft);
    g_free(f->token_bk);
    g_free(f->token_xl);
    g_free(f);
    return 0;
}

#define OK(j) json_decref(j)

static void test_refusals(void **state)
{
    fx *f = *state;
    char *body = NULL;
    OK(ac_req(f->tech, "POST",
              "{\"piece\":\"00000000-0000-4000-8000-000000000000\",\"targets\":{\"kind\":\"all\"}}",
              4, "unknown_piece", "/api/v1/emergency"));
    body = g_strdup_printf("{\"piece\":\"%s\",\"targets\":{\"kind\":\"all\"}}", f->draft);
    OK(ac_req(f->tech, "POST", body, 4, "piece_not_approved", "/api/v1/emergency"));
    g_free(body);
    const char *targets[][2] = {
        {"{\"kind\":\"moon\"}", "bad_targets"},
        {"\"all\"", "bad_targets"},
        {"{\"kind\":\"communes\",\"communes\":\"Xuân Lạc\"}", "bad_targets"},
        {"{\"kind\":\"communes\",\"communes\":[\"Atlantis\"]}", "unknown_commune"},
        {"{\"kind\":\"boxes\",\"boxes\":[\"Không có\"]}", "unknown_box"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(targets); i++) {
        body = g_strdup_printf("{\"piece\":\"%s\",\"targets\":%s}", f->piece, targets[i][0]);
        OK(ac_req(f->tech, "POST", body, 4, targets[i][1], "/api/v1/emergency"));
        g_free(body);
    }
    OK(ac_req(f->tech, "POST", "{\"targets\":{\"kind\":\"all\"}}", 400, "invalid_field",
              "/api/v1/emergency"));
    OK(ac_req(f->tech, "POST", "{\"piece\":42}", 400, "invalid_field", "/api/v1/emergency"));
    OK(ac_req(f->tech, "POST", "{\"piece\":", 400, NULL, "/api/v1/emergency"));
    OK(ac_req(f->tech, "POST", "[\"x\"]", 400, NULL, "/api/v1/emergency"));
    OK(ac_req(f->tech, "POST", "{\"piece\":\"\xC3\x28\"}", 400, NULL, "/api/v1/emergency"));
    char *huge = g_strdup_printf("{\"piece\":\"%s\",\"pad\":\"%*s\"}", f->piece, 20000, "x");
    OK(ac_req(f->tech, "POST", huge, 413, NULL, "/api/v1/emergency"));
    g_free(huge);
    body = g_strdup_printf("{\"piece\":\"%s\",\"targets\":{\"kind\":\"all\"}}", f->piece);
    OK(ac_req(f->approver, "POST", body, 403, NULL, "/api/v1/emergency"));
    OK(ac_req(f->op_bk, "POST", body, 403, NULL, "/api/v1/emergency"));
    g_free(body);
    OK(ac_req(f->tech, "POST", NULL, 404, NULL,
              "/api/v1/emergency/00000000-0000-4000-8000-000000000000/stop"));
    OK(ac_req(f->op_bk, "POST", NULL, 403, NULL,
              "/api/v1/emergency/00000000-0000-4000-8000-000000000000/stop"));
    /* Nothing started. */
    json_t *l = ac_req(f->tech, "GET", NULL, 200, NULL, "/api/v1/emergency");
    assert_int_equal(json_array_size(json_object_get(l, "emergencies")), 0);
    json_decref(l);
}

/* A completed play of the airing: 4 s from its start. */
static json_t *play(const char *uuid, const json_t *airing)
{
    GDateTime *start = g_date_time_new_from_iso8601(ac_str(airing, "start"), NULL);
    assert_non_null(start);
    GDateTime *end = g_date_time_add_seconds(start, 4);
    char *ended = g_date_time_format(end, "%Y-%m-%dT%H:%M:%S%:z");
    json_t *p =
        json_pack("{ss ss ss ss ss ss si ss ss}", "id", uuid, "airing", ac_str(airing, "id"),
                  "media", ac_str(airing, "media"), "scheduled_start", ac_str(airing, "start"),
                  "started_at", ac_str(airing, "start"), "ended_at", ended, "played_ms", 4000,
                  "outcome", "completed", "detail", "");
    g_free(ended);
    g_date_time_unref(end);
    g_date_time_unref(start);
    return p;
}

static size_t emergencies(ac *c, json_t **first)
{
    json_t *l = ac_req(c, "GET", NULL, 200, NULL, "/api/v1/emergency");
    json_t *list = json_object_get(l, "emergencies");
    size_t n = json_array_size(list);
    if (first)
        *first = json_incref(json_array_get(list, 0));
    json_decref(l);
    return n;
}

static void test_live_list(void **state)
{
    fx *f = *state;
    char *body = g_strdup_printf(
        "{\"piece\":\"%s\",\"targets\":{\"kind\":\"communes\",\"communes\":[\"Bằng Khánh\"]}}",
        f->piece);
    json_t *r = ac_req(f->tech, "POST", body, 201, NULL, "/api/v1/emergency");
    g_free(body);
    json_t *airing = json_object_get(r, "airing");
    assert_string_equal(ac_str(airing, "priority"), "emergency");
    char *id = g_strdup(ac_str(airing, "id"));
    /* Nà Pài plays it; Bản Chang (another commune) is not a target. */
    long st = 0;
    json_t *batch =
        json_pack("{s[o]}", "plays", play("9a1f2a4e-0000-4000-8000-000000000001", airing));
    json_t *res = ac_box_call(f->t, f->token_bk, "POST", "/api/v1/box/plays", batch, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(res, "accepted")), 1);
    json_decref(res);
    json_decref(batch);
    batch = json_pack("{s[o]}", "plays", play("9a1f2a4e-0000-4000-8000-000000000002", airing));
    res = ac_box_call(f->t, f->token_xl, "POST", "/api/v1/box/plays", batch, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(res, "rejected")), 1);
    json_decref(res);
    json_decref(batch);
    json_decref(r);
    json_t *e = NULL;
    assert_int_equal(emergencies(f->tech, &e), 1);
    assert_string_equal(ac_str(e, "id"), id);
    assert_string_equal(ac_str(json_object_get(e, "piece"), "id"), f->piece);
    json_t *plays = json_object_get(e, "plays");
    assert_int_equal(json_array_size(plays), 1);
    assert_string_equal(ac_str(json_array_get(plays, 0), "box"), "Nà Pài");
    assert_string_equal(ac_str(json_array_get(plays, 0), "outcome"), "completed");
    assert_true(json_is_false(json_object_get(e, "stopped")));
    json_decref(e);
    assert_int_equal(emergencies(f->approver, NULL), 1);
    assert_int_equal(emergencies(f->op_bk, NULL), 1);
    assert_int_equal(emergencies(f->op_xl, NULL), 0);
    /* Stop: 200 once, then 404. A stopped emergency stays listed, marked, with its reports
     * (what boxes played before the stop is still accounted for). */
    char *stop = g_strdup_printf("/api/v1/emergency/%s/stop", id);
    OK(ac_req(f->approver, "POST", NULL, 403, NULL, "%s", stop));
    r = ac_req(f->tech, "POST", NULL, 200, NULL, "%s", stop);
    assert_true(json_is_true(json_object_get(r, "stopped")));
    json_decref(r);
    OK(ac_req(f->tech, "POST", NULL, 404, NULL, "%s", stop));
    assert_int_equal(emergencies(f->tech, &e), 1);
    assert_string_equal(ac_str(e, "id"), id);
    assert_true(json_is_true(json_object_get(e, "stopped")));
    assert_int_equal(json_array_size(json_object_get(e, "plays")), 1);
    json_decref(e);
    assert_int_equal(emergencies(f->op_xl, NULL), 0);
    g_free(stop);
    g_free(id);
}

/* The "box" of each play and the target names of the first emergency c sees, joined by
 * spaces: "plays | names". */
static char *seen_by(ac *c)
{
    json_t *e = NULL;
    assert_int_equal(emergencies(c, &e), 1);
    GString *g = g_string_new(NULL);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(e, "plays"), i, v)
        g_string_append_printf(g, "%s%s", i ? " " : "", ac_str(v, "box"));
    g_string_append(g, " |");
    json_array_foreach(json_object_get(json_object_get(e, "targets"), "names"), i, v)
        g_string_append_printf(g, " %s", json_string_value(v));
    json_decref(e);
    return g_string_free(g, FALSE);
}

/* An emergency to one box in each commune, both played: each operator sees only their own
 * commune's box among the targets and the plays; a technician sees both. */
static void test_operator_scope(void **state)
{
    fx *f = *state;
    char *body = g_strdup_printf(
        "{\"piece\":\"%s\",\"targets\":{\"kind\":\"boxes\",\"boxes\":[\"Nà Pài\",\"Bản "
        "Chang\"]}}",
        f->piece);
    json_t *r = ac_req(f->tech, "POST", body, 201, NULL, "/api/v1/emergency");
    json_t *airing = json_object_get(r, "airing");
    const char *tokens[] = {f->token_bk, f->token_xl};
    for (int i = 0; i < 2; i++) {
        char id[40];
        g_snprintf(id, sizeof id, "9a1f2a4e-0000-4000-8000-00000000001%d", i);
        json_t *batch = json_pack("{s[o]}", "plays", play(id, airing));
        long st = 0;
        json_t *res = ac_box_call(f->t, tokens[i], "POST", "/api/v1/box/plays", batch, &st);
        assert_int_equal(st, 200);
        assert_int_equal(json_array_size(json_object_get(res, "accepted")), 1);
        json_decref(res);
        json_decref(batch);
    }
    char *seen[3] = {seen_by(f->tech), seen_by(f->op_bk), seen_by(f->op_xl)};
    assert_string_equal(seen[0], "Nà Pài Bản Chang | Bản Chang Nà Pài");
    assert_string_equal(seen[1], "Nà Pài | Nà Pài");
    assert_string_equal(seen[2], "Bản Chang | Bản Chang");
    /* the same through the airings list with plays */
    char *from = g_strndup(ac_str(airing, "start"), 10);
    json_t *l = ac_req(f->op_bk, "GET", NULL, 200, NULL, "/api/v1/airings?from=%s&plays=1", from);
    char *text = json_dumps(l, 0);
    assert_null(strstr(text, "Bản Chang"));
    assert_non_null(strstr(text, "Nà Pài"));
    free(text);
    json_decref(l);
    for (int i = 0; i < 3; i++)
        g_free(seen[i]);
    g_free(from);
    json_decref(r);
    g_free(body);
}

/* GET path as a person (c) or a box (token): the status; *cc gets Cache-Control (g_free). */
static long media_get(fx *f, ac *c, const char *token, const char *path, char **cc)
{
    char *h = c ? g_strdup_printf("Cookie: %s", ac_cookie(c))
                : g_strdup_printf("Authorization: Bearer %s", token);
    const char *hs[] = {h, NULL};
    long st = 0;
    char *headers = NULL;
    assert_int_equal(td_request(f->t, "GET", path, hs, NULL, 0, &st, NULL, &headers), 0);
    *cc = NULL;
    char **lines = g_strsplit(headers, "\n", -1);
    for (char **l = lines; *l && !*cc; l++)
        if (g_ascii_strncasecmp(*l, "Cache-Control:", 14) == 0)
            *cc = g_strstrip(g_strdup(*l + 14));
    g_strfreev(lines);
    g_free(headers);
    g_free(h);
    return st;
}

static void expect_media(fx *f, ac *c, const char *token, const char *path, long want,
                         const char *want_cc)
{
    char *cc = NULL;
    long st = media_get(f, c, token, path, &cc);
    if (st != want || (want_cc && g_strcmp0(cc, want_cc)))
        fail_msg("%s as %s: %ld %s, want %ld %s", path, c ? "person" : "box", st, cc, want,
                 want_cc ? want_cc : "");
    g_free(cc);
}

/* Media before and after it airs for one commune: the centre's staff always (never cached
 * while unpublished); a box and an operator only once it airs for them, and only theirs. */
static void test_media_audience(void **state)
{
    fx *f = *state;
    json_t *p = ac_req(f->tech, "GET", NULL, 200, NULL, "/api/v1/pieces/%s", f->piece);
    char *path = g_strdup(ac_str(json_object_get(p, "media"), "url"));
    json_decref(p);
    ac *staff[] = {f->tech, f->approver};
    for (size_t i = 0; i < G_N_ELEMENTS(staff); i++)
        expect_media(f, staff[i], NULL, path, 200, "private, no-store");
    expect_media(f, f->op_bk, NULL, path, 404, NULL);
    expect_media(f, NULL, f->token_bk, path, 404, NULL);

    char *body =
        g_strdup_printf("{\"piece\":\"%s\",\"targets\":{\"kind\":\"communes\",\"communes\":[\"Bằng "
                        "Khánh\"]}}",
                        f->piece);
    json_decref(ac_req(f->tech, "POST", body, 201, NULL, "/api/v1/emergency"));
    const char *pub = "public, max-age=31536000, immutable";
    expect_media(f, f->tech, NULL, path, 200, pub);
    expect_media(f, f->op_bk, NULL, path, 200, pub);
    expect_media(f, NULL, f->token_bk, path, 200, pub);
    expect_media(f, f->op_xl, NULL, path, 404, NULL);
    expect_media(f, NULL, f->token_xl, path, 404, NULL);
    g_free(body);
    g_free(path);
}

typedef struct held {
    fx *f;
    const char *token;
    int64_t after;
    long status;
    json_t *answer;
} held;

static gpointer hold(gpointer p)
{
    held *h = p;
    char *path = g_strdup_printf("/api/v1/box/events?after=%lld&wait=4", (long long)h->after);
    h->answer = ac_box_call(h->f->t, h->token, "GET", path, NULL, &h->status);
    g_free(path);
    return NULL;
}

/* The events in a held poll's answer, as "type:title" joined by spaces ("" for none). */
static char *events_text(const held *h)
{
    GString *g = g_string_new(NULL);
    size_t i;
    json_t *e;
    assert_int_equal(h->status, 200);
    json_array_foreach(json_object_get(h->answer, "events"), i, e)
    {
        assert_null(json_object_get(e, "targets")); /* targets stay on the server */
        g_string_append_printf(g, "%s%s:%s", i ? " " : "", ac_str(e, "type"),
                               ac_str(json_object_get(e, "airing"), "title"));
    }
    return g_string_free(g, FALSE);
}

static char *start(fx *f, const char *targets)
{
    char *body = g_strdup_printf("{\"piece\":\"%s\",\"targets\":%s}", f->piece, targets);
    json_t *r = ac_req(f->tech, "POST", body, 201, NULL, "/api/v1/emergency");
    char *id = g_strdup(ac_str(json_object_get(r, "airing"), "id"));
    json_decref(r);
    g_free(body);
    return id;
}

/* Three boxes hold polls (two in Bằng Khánh, one in Xuân Lạc). An emergency to Bằng Khánh
 * answers its two boxes alike and leaves Xuân Lạc's waiting until its wait runs out with
 * nothing; then one to every box answers all three. */
static void test_held_polls_targeted(void **state)
{
    fx *f = *state;
    char *token2 = ac_add_box(f->t, "Bản Cậu", "Bằng Khánh");
    const char *tokens[] = {f->token_bk, token2, f->token_xl};
    for (int round = 0; round < 2; round++) {
        long st = 0;
        json_t *now = ac_box_call(f->t, f->token_bk, "GET", "/api/v1/box/events", NULL, &st);
        int64_t cursor = json_integer_value(json_object_get(now, "cursor"));
        json_decref(now);
        held h[3];
        GThread *th[3];
        for (int i = 0; i < 3; i++) {
            h[i] = (held){.f = f, .token = tokens[i], .after = cursor};
            th[i] = g_thread_new("hold", hold, &h[i]);
        }
        g_usleep(500000); /* all three held */
        g_free(start(f, round == 0 ? "{\"kind\":\"communes\",\"communes\":[\"Bằng Khánh\"]}"
                                   : "{\"kind\":\"all\"}"));
        char *text[3];
        for (int i = 0; i < 3; i++) {
            g_thread_join(th[i]);
            text[i] = events_text(&h[i]);
        }
        assert_string_equal(text[0], "emergency:Bão số 3");
        assert_string_equal(text[1], text[0]);
        assert_string_equal(text[2], round == 0 ? "" : text[0]);
        assert_true(json_integer_value(json_object_get(h[0].answer, "cursor")) > cursor);
        for (int i = 0; i < 3; i++) {
            json_decref(h[i].answer);
            g_free(text[i]);
        }
    }
    g_free(token2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_polls_targeted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operator_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_media_audience, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
