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
/* Adds a commune through the admin command; fails the test (with its stderr) otherwise. */
void ac_add_commune(td *t, const char *name);
/* Registers a box in commune through the admin command; the token (g_free). */
char *ac_add_box(td *t, const char *name, const char *commune);
/* The string member key of object o (borrowed), or NULL. */
const char *ac_str(const json_t *o, const char *key);
/* The "error.code" of an error body (borrowed), or "" */
const char *ac_error_code(const json_t *j);

/* A call with the session and a raw body of content_type (may be NULL: no Content-Type). */
json_t *ac_send(ac *c, const char *method, const char *path, const char *content_type,
                const void *body, size_t len, long *status);
/* Runs `sox -n FORMAT OUT EFFECTS` (e.g. "-r 8000 -c 1", "synth 4 sine 440 vol 0.3") into a
 * new temp dir; the file's path (ac_rm_file removes it and its dir, and frees the path). */
char *ac_sox(const char *name, const char *format, const char *effects);
void ac_rm_file(char *path);
/* Uploads the file as a raw body with metadata in query ("title=…&genre=…"); fails the test
 * unless the answer is 201. The new piece's id (g_free). */
char *ac_uploaded_piece(ac *c, const char *path, const char *query);
/* Uploads the file as a raw body with metadata in query ("title=…&genre=…"), submits it as
 * tech and approves it as approver; the approved piece's id (g_free). */
char *ac_approved_piece(ac *tech, ac *approver, const char *path, const char *query);

/* One call with a JSON text body (NULL: none) to the printf-formatted path; fails the test
 * unless the status matches want (4: any 4xx, where the API's choice between 400 and 404 is
 * not the point) and the error code matches want_code (when not NULL), or when a refusal's
 * message is not Vietnamese or carries English store detail. The reply (json_decref). */
json_t *ac_req(ac *c, const char *method, const char *body, long want, const char *want_code,
               const char *path_fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
