/* store_sessions: logged-in people. A session is a random token kept by the browser in an
 * HttpOnly cookie; the store keeps only its keyed hash (like box tokens), the user it belongs
 * to, an expiry and the CSRF token the web UI must echo on state-changing requests. */
#ifndef LOALANG_STORE_SESSIONS_H
#define LOALANG_STORE_SESSIONS_H

#include <stdint.h>

#include "store.h"
#include "store_boxes.h"
#include "store_users.h"

#define STORE_SESSION_TTL_MS    (12LL * 3600 * 1000) /* a working day */
#define STORE_SESSION_TOKEN_MAX STORE_BOX_TOKEN_MAX
#define STORE_CSRF_MAX          STORE_BOX_TOKEN_MAX

/* Who a session belongs to. commune is "" for roles other than operator. */
typedef struct store_session_user {
    int64_t user_id;
    char name[STORE_USER_NAME_MAX + 1];
    store_role role;
    int64_t commune_id; /* 0 unless operator */
    char commune[STORE_NAME_MAX + 1];
    char csrf[STORE_CSRF_MAX];
    int64_t expires_ms;
} store_session_user;

/* Opens a session for user_id (autocommit); writes the cookie token and the CSRF token. */
int store_session_create(store *s, int64_t user_id, int64_t now_ms,
                         char token_out[STORE_SESSION_TOKEN_MAX], char csrf_out[STORE_CSRF_MAX]);
/* The live session of token: -EACCES when unknown, malformed, expired or the user disabled. */
int store_session_lookup(store *s, const char *token, int64_t now_ms, store_session_user *out);
/* Ends a session (unknown tokens are not an error). */
int store_session_delete(store *s, const char *token);
/* Ends every session of a user (disabled, password changed). */
int store_session_delete_user(store *s, int64_t user_id);
/* Drops expired sessions; *n_out how many (may be NULL). */
int store_session_purge(store *s, int64_t now_ms, int64_t *n_out);

#endif
