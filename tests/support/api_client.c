/* api_client: see api_client.h. */
#include "api_client.h"

#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

struct ac {
    td *t;
    char *cookie, *csrf;
};

void ac_add_user(td *t, const char *name, const char *role, const char *commune)
{
    char *err = NULL;
    int rc = commune ? td_admin(t, AC_PASSWORD "\n", NULL, &err, "user", "add", name, "--role",
                                role, "--commune", commune, NULL)
                     : td_admin(t, AC_PASSWORD "\n", NULL, &err, "user", "add", name, "--role",
                                role, NULL);
    if (rc != 0)
        fail_msg("user add %s: %s", name, err ? err : "");
    g_free(err);
}

/* The value of the session cookie in raw header lines. */
static char *session_cookie(const char *headers)
{
    const char *p = headers ? strstr(headers, "loalang_session=") : NULL;
    if (!p)
        return NULL;
    size_t n = strcspn(p, ";\r\n");
    return g_strndup(p, n);
}

ac *ac_login(td *t, const char *name, const char *password)
{
    json_t *body = json_pack("{ss ss}", "user", name, "password", password);
    char *text = json_dumps(body, JSON_COMPACT), *out = NULL, *headers = NULL;
    const char *h[] = {"Content-Type: application/json", NULL};
    long status = 0;
    json_decref(body);
    assert_int_equal(
        td_request(t, "POST", "/api/v1/session", h, text, strlen(text), &status, &out, &headers),
        0);
    free(text);
    if (status != 200)
        fail_msg("login %s: %ld %s", name, status, out ? out : "");
    json_t *j = json_loads(out, 0, NULL);
    ac *c = g_new0(ac, 1);
    c->t = t;
    c->cookie = session_cookie(headers);
    c->csrf = g_strdup(json_string_value(json_object_get(j, "csrf_token")));
    assert_non_null(c->cookie);
    assert_non_null(c->csrf);
    json_decref(j);
    g_free(out);
    g_free(headers);
    return c;
}

ac *ac_user(td *t, const char *name, const char *role, const char *commune)
{
    ac_add_user(t, name, role, commune);
    return ac_login(t, name, AC_PASSWORD);
}

void ac_free(ac *c)
{
    if (!c)
        return;
    g_free(c->cookie);
    g_free(c->csrf);
    g_free(c);
}

const char *ac_csrf(const ac *c)
{
    return c->csrf;
}

const char *ac_cookie(const ac *c)
{
    return c->cookie;
}

static json_t *call(td *t, const char *const *headers, const char *method, const char *path,
                    const json_t *body, long *status)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL, *out = NULL;
    long st = 0;
    int rc = td_request(t, method, path, headers, text, text ? strlen(text) : 0, &st, &out, NULL);
    free(text);
    if (rc != 0)
        fail_msg("%s %s: curl error %d", method, path, rc);
    json_t *j = out && *out ? json_loads(out, 0, NULL) : NULL;
    g_free(out);
    if (status)
        *status = st;
    return j;
}

json_t *ac_call(ac *c, const char *method, const char *path, const json_t *body, long *status)
{
    char *cookie = g_strdup_printf("Cookie: %s", c->cookie);
    char *csrf = g_strdup_printf("X-CSRF-Token: %s", c->csrf);
    const char *h[] = {cookie, csrf, "Content-Type: application/json", NULL};
    json_t *j = call(c->t, h, method, path, body, status);
    g_free(cookie);
    g_free(csrf);
    return j;
}

json_t *ac_box_call(td *t, const char *token, const char *method, const char *path,
                    const json_t *body, long *status)
{
    char *auth = token ? g_strdup_printf("Authorization: Bearer %s", token) : NULL;
    const char *h[] = {"Content-Type: application/json", auth, NULL};
    json_t *j = call(t, h, method, path, body, status);
    g_free(auth);
    return j;
}

char *ac_add_box(td *t, const char *name, const char *commune)
{
    char *out = NULL, *err = NULL;
    if (td_admin(t, NULL, &out, &err, "box", "add", name, "--commune", commune, NULL) != 0)
        fail_msg("box add %s: %s", name, err ? err : "");
    g_strchomp(out);
    const char *last = strrchr(out, '\n');
    char *token = g_strdup(last ? last + 1 : out);
    g_free(out);
    g_free(err);
    return token;
}

const char *ac_error_code(const json_t *j)
{
    const char *code = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    return code ? code : "";
}
