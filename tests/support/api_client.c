/* api_client: see api_client.h. */
#include "api_client.h"

#include <glib.h>
#include <glib/gstdio.h>
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

void ac_add_commune(td *t, const char *name)
{
    char *err = NULL;
    if (td_admin(t, NULL, NULL, &err, "commune", "add", name, NULL) != 0)
        fail_msg("commune add %s: %s", name, err ? err : "");
    g_free(err);
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

const char *ac_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

const char *ac_error_code(const json_t *j)
{
    const char *code = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    return code ? code : "";
}

json_t *ac_send(ac *c, const char *method, const char *path, const char *content_type,
                const void *body, size_t len, long *status)
{
    char *cookie = g_strdup_printf("Cookie: %s", c->cookie);
    char *csrf = g_strdup_printf("X-CSRF-Token: %s", c->csrf);
    char *ct = content_type ? g_strdup_printf("Content-Type: %s", content_type) : NULL;
    const char *h[] = {cookie, csrf, ct, NULL};
    char *out = NULL;
    long st = 0;
    int rc = td_request(c->t, method, path, h, body, len, &st, &out, NULL);
    if (rc != 0)
        fail_msg("%s %s: curl error %d", method, path, rc);
    json_t *j = out && *out ? json_loads(out, 0, NULL) : NULL;
    g_free(out);
    g_free(cookie);
    g_free(csrf);
    g_free(ct);
    if (status)
        *status = st;
    return j;
}

char *ac_sox(const char *name, const char *format, const char *effects)
{
    char *dir = g_dir_make_tmp("loalang-sox-XXXXXX", NULL);
    char *path = g_build_filename(dir, name, NULL);
    char *cmd = g_strdup_printf("sox -n %s %s %s", format, path, effects);
    int status = 0;
    if (!g_spawn_command_line_sync(cmd, NULL, NULL, &status, NULL) || status != 0)
        fail_msg("%s failed", cmd);
    g_free(cmd);
    g_free(dir);
    return path;
}

void ac_rm_file(char *path)
{
    if (!path)
        return;
    char *dir = g_path_get_dirname(path);
    g_unlink(path);
    g_rmdir(dir);
    g_free(dir);
    g_free(path);
}

char *ac_uploaded_piece(ac *c, const char *path, const char *query)
{
    gchar *data = NULL;
    gsize len = 0;
    long st = 0;
    if (!g_file_get_contents(path, &data, &len, NULL))
        fail_msg("cannot read %s", path);
    char *url = g_strdup_printf("/api/v1/pieces?%s", query);
    json_t *p = ac_send(c, "POST", url, "audio/wav", data, len, &st);
    g_free(data);
    g_free(url);
    if (st != 201)
        fail_msg("upload %s: %ld", query, st);
    char *id = g_strdup(json_string_value(json_object_get(p, "id")));
    json_decref(p);
    return id;
}

char *ac_approved_piece(ac *tech, ac *approver, const char *path, const char *query)
{
    long st = 0;
    char *submitted = g_strdup_printf("%s&submit=1", query);
    char *id = ac_uploaded_piece(tech, path, submitted);
    g_free(submitted);
    char *url = g_strdup_printf("/api/v1/pieces/%s/approve", id);
    json_decref(ac_call(approver, "POST", url, NULL, &st));
    g_free(url);
    if (st != 200)
        fail_msg("approve %s: %ld", id, st);
    return id;
}

json_t *ac_req(ac *c, const char *method, const char *body, long want, const char *want_code,
               const char *path_fmt, ...)
{
    va_list ap;
    va_start(ap, path_fmt);
    char *path = g_strdup_vprintf(path_fmt, ap);
    va_end(ap);
    long st = 0;
    json_t *j = ac_send(c, method, path, body ? "application/json" : NULL, body,
                        body ? strlen(body) : 0, &st);
    if ((want == 4 ? st / 100 != 4 : st != want) ||
        (want_code && strcmp(ac_error_code(j), want_code) != 0)) {
        char *text = j ? json_dumps(j, 0) : g_strdup("(no JSON)");
        fail_msg("%s %s %s: want %ld %s, got %ld %s", method, path, body ? body : "", want,
                 want_code ? want_code : "", st, text);
    }
    /* Every refusal speaks Vietnamese: at least one letter outside ASCII. */
    const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    if (st >= 400 && msg && g_str_is_ascii(msg))
        fail_msg("%s %s: message not Vietnamese: %s", method, path, msg);
    /* No English store detail in a message for people. */
    if (msg && (strstr(msg, " not ") || strstr(msg, " below ") || strstr(msg, "required") ||
                strstr(msg, " after ") || strstr(msg, "both given")))
        fail_msg("%s %s: English in the message: %s", method, path, msg);
    g_free(path);
    return j;
}
