/* api_client: JSON calls to a test daemon (daemon.h) as a logged-in person (session cookie +
 * CSRF header, as the web UI sends them) or as a box (bearer token). Failures to log in fail
 * the running cmocka test. Returned JSON is the caller's (json_decref); NULL when the body is
 * empty or not JSON. */
#ifndef LOALANG_TEST_API_CLIENT_H
#define LOALANG_TEST_API_CLIENT_H

#include <jansson.h>

#include "daemon.h"

#define AC_PASSWORD "mật khẩu thử 2026"

typedef struct ac ac;

/* Adds a user with AC_PASSWORD through the admin command (commune: operators only). */
void ac_add_user(td *t, const char *name, const char *role, const char *commune);
/* Logs in through POST /api/v1/session. */
ac *ac_login(td *t, const char *name, const char *password);
/* ac_add_user + ac_login. */
ac *ac_user(td *t, const char *name, const char *role, const char *commune);
void ac_free(ac *c);
const char *ac_csrf(const ac *c);
const char *ac_cookie(const ac *c); /* "loalang_session=…" */

/* A call with the session; body (borrowed, may be NULL) is sent as JSON. */
json_t *ac_call(ac *c, const char *method, const char *path, const json_t *body, long *status);
/* A call as a box with its token (NULL: no Authorization header). */
json_t *ac_box_call(td *t, const char *token, const char *method, const char *path,
                    const json_t *body, long *status);
/* Registers a box in commune through the admin command; the token (g_free). */
char *ac_add_box(td *t, const char *name, const char *commune);
/* The "error.code" of an error body (borrowed), or "" */
const char *ac_error_code(const json_t *j);

#endif
