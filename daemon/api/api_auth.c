/* api_auth: people's sessions (login, logout, me), the role and CSRF checks every person's
 * endpoint starts with, and boxes' bearer tokens. Passwords are checked with argon2id in the
 * thread pool, never on the loop. The session cookie is HttpOnly and SameSite=Strict; writes
 * also need the session's CSRF token echoed in a header, which another site cannot read. */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_throttle.h"
#include "api_words.h"
#include "http_queue.h"
#include "log.h"
#include "store_refusal.h"
#include "store_users.h"
#include "vtime.h"
#include "wallclock.h"

/* Password guessing: after LOGIN_FAILS wrong passwords for one name within LOGIN_WINDOW_MS,
 * that name is refused (429) until the window ends, whatever the password; one client address
 * (an IPv4 address, an IPv6 /64) that fails LOGIN_ADDR_FAILS times, whatever names it tries, is
 * refused likewise. Checks still running count as failures until they end (api_throttle.h), so
 * guesses sent all at once get no more checks than guesses sent one by one. The address limit
 * is higher because offices, and boxes, share carrier NAT addresses. */
#define LOGIN_FAILS      5
#define LOGIN_ADDR_FAILS 20
#define LOGIN_WINDOW_MS  (15LL * 60 * 1000)
#define LOGIN_KEYS       10000 /* names, and addresses, remembered; the oldest go first */

struct api_auth {
    api_throttle *names;     /* NFC user name → failures */
    api_throttle *addresses; /* http_client_key → failures */
    uv_timer_t purge;
};

typedef struct login {
    api *a;
    char *name; /* NFC: the throttle's key */
    char addr[HTTP_ADDR_MAX], key[HTTP_ADDR_MAX];
    int64_t user_id;
    store_role role;
    char hash[STORE_PWHASH_MAX];
    char *password;
} login;

static void login_free(login *l)
{
    g_free(l->name);
    if (l->password) {
        sodium_memzero(l->password, strlen(l->password));
        free(l->password);
    }
    free(l);
}

static bool is_write(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

bool api_user_sees_commune(const api_user *u, int64_t commune_id)
{
    return u->u.role != STORE_ROLE_OPERATOR || u->u.commune_id == commune_id;
}

int api_fail(http_req *r, api *a, int rc, const char *what)
{
    switch (rc) {
    case -ENOENT:
        return http_reply_error(r, 404, "not_found", "Không tìm thấy %s.", what);
    case -EEXIST:
        return http_reply_error(r, 409, "exists", "Đã có %s này.", what);
    case -EINVAL:
        return http_reply_error(r, 400, "invalid", "Dữ liệu %s không hợp lệ.", what);
    case -EACCES:
        return http_reply_error(r, 403, "forbidden", "Không có quyền với %s.", what);
    case -EBUSY:
        return http_reply_error(r, 503, "busy", "Hệ thống đang bận, vui lòng thử lại.");
    default:
        log_error("%s %s: %s (%d)", http_method(r), http_path(r), store_errmsg(a->db), rc);
        return http_reply_error(r, 500, "internal", "Lỗi máy chủ khi xử lý %s.", what);
    }
}

/* The session answer: the user, the CSRF token, and the zone every date on the pages is in. */
static json_t *session_json(json_t *user, const char *csrf)
{
    return json_pack("{so ss ss}", "user", user, "csrf_token", csrf, "time_zone",
                     g_time_zone_get_identifier(vtime_zone()));
}

static json_t *user_json(const store_session_user *u)
{
    return json_pack("{sI ss ss so}", "id", (json_int_t)u->user_id, "name", u->name, "role",
                     store_role_name(u->role), "commune",
                     u->commune_id ? json_string(u->commune) : json_null());
}

int api_user_require(http_req *r, api *a, unsigned roles, api_user *out)
{
    const char *token = http_cookie(r, API_SESSION_COOKIE);
    int rc = token ? store_session_lookup(a->db, token, wallclock_now_ms(), &out->u) : -EACCES;
    if (rc == -EACCES) {
        http_reply_error(r, 401, "unauthenticated", "Bạn cần đăng nhập.");
        return -EACCES;
    }
    if (rc != 0) {
        api_fail(r, a, rc, "phiên đăng nhập");
        return rc;
    }
    if (is_write(http_method(r))) {
        const char *csrf = http_header(r, API_CSRF_HEADER);
        size_t n = strlen(out->u.csrf);
        if (!csrf || strlen(csrf) != n || sodium_memcmp(csrf, out->u.csrf, n) != 0) {
            http_reply_error(r, 403, "csrf", "Thiếu hoặc sai mã chống giả mạo (CSRF).");
            return -EACCES;
        }
    }
    if (!(roles & API_ROLE(out->u.role))) {
        http_reply_error(r, 403, "forbidden", "Vai trò của bạn không được phép làm việc này.");
        return -EACCES;
    }
    g_snprintf(out->who, sizeof out->who, "user:%s", out->u.name);
    return 0;
}

int api_box_require(http_req *r, api *a, int64_t *box_id)
{
    const char *h = http_header(r, "Authorization");
    int rc = -EACCES;
    if (h && g_ascii_strncasecmp(h, "Bearer ", 7) == 0)
        rc = store_box_verify(a->db, h + 7, box_id);
    if (rc == 0)
        return 0;
    if (rc != -EACCES) {
        api_fail(r, a, rc, "mã truy cập");
        return rc;
    }
    return api_box_refuse(r);
}

int api_box_refuse(http_req *r)
{
    http_add_header(r, "WWW-Authenticate", "Bearer realm=\"loalang\"");
    http_reply_error(r, 401, "unauthenticated",
                     "Mã truy cập của cụm loa không hợp lệ hoặc đã bị thu hồi.");
    return -EACCES;
}

static void set_cookie(http_req *r, const char *token, long max_age)
{
    char *c = g_strdup_printf("%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s",
                              API_SESSION_COOKIE, token, max_age, http_secure(r) ? "; Secure" : "");
    http_add_header(r, "Set-Cookie", c);
    g_free(c);
}

static int check_password(void *arg)
{
    login *l = arg;
    int rc = store_password_verify(l->hash, l->password);
    return rc == 0 && l->user_id > 0 ? 0 : -EACCES;
}

/* The check ended: counted against the name and the address; a failure and a lockout logged
 * (name and address, never the password; log.c escapes what the client sent). */
static void login_counted(login *l, bool failed)
{
    api *a = l->a;
    int64_t now = wallclock_now_ms();
    bool name_locked = api_throttle_end(a->auth->names, l->name, failed, now);
    bool addr_locked = api_throttle_end(a->auth->addresses, l->key, failed, now);
    if (!failed)
        return;
    log_info("login: wrong password or name \"%s\" from %s (%d of %d for the name, %d of %d "
             "from the address)",
             l->name, l->addr, api_throttle_failures(a->auth->names, l->name, now), LOGIN_FAILS,
             api_throttle_failures(a->auth->addresses, l->key, now), LOGIN_ADDR_FAILS);
    if (name_locked)
        log_warn("login: name \"%s\" locked for %lld min after %d wrong passwords, the last "
                 "from %s",
                 l->name, LOGIN_WINDOW_MS / 60000, LOGIN_FAILS, l->addr);
    if (addr_locked)
        log_warn("login: address %s locked for %lld min after %d failed logins, the last for "
                 "\"%s\"",
                 l->key, LOGIN_WINDOW_MS / 60000, LOGIN_ADDR_FAILS, l->name);
}

/* The check never ran (its client left while it waited, the queue was full, the daemon is
 * stopping): nothing is counted. */
static void login_dropped(void *arg)
{
    login *l = arg;
    login_counted(l, false);
    login_free(l);
}

static void login_done(http_req *r, void *arg, int status)
{
    login *l = arg;
    api *a = l->a;
    char token[STORE_SESSION_TOKEN_MAX], csrf[STORE_CSRF_MAX];
    store_session_user u;
    int64_t now = wallclock_now_ms();
    int rc = status;
    if (rc == 0)
        rc = store_session_create(a->db, l->user_id, now, token, csrf);
    if (rc == 0)
        rc = store_session_lookup(a->db, token, now, &u);
    login_counted(l, rc == -EACCES);
    if (rc == -EACCES) {
        http_reply_error(r, 401, "bad_credentials", "Sai tên đăng nhập hoặc mật khẩu.");
    } else if (rc != 0) {
        api_fail(r, a, rc, "phiên đăng nhập");
    } else {
        set_cookie(r, token, (long)(STORE_SESSION_TTL_MS / 1000));
        http_reply_json(r, 200, session_json(user_json(&u), u.csrf));
    }
    sodium_memzero(token, sizeof token);
    login_free(l);
}

/* 429 with Retry-After; people are told minutes, or seconds when it is less than one (only
 * checks still running fill the limit). */
static int too_many(http_req *r, int64_t wait_ms, bool by_address)
{
    char retry[24], when[48];
    int64_t wait_s = (wait_ms + 999) / 1000;
    g_snprintf(retry, sizeof retry, "%" G_GINT64_FORMAT, wait_s);
    http_add_header(r, "Retry-After", retry);
    if (wait_s < 60)
        g_snprintf(when, sizeof when, "%" G_GINT64_FORMAT " giây", wait_s);
    else
        g_snprintf(when, sizeof when, "%" G_GINT64_FORMAT " phút", (wait_s + 59) / 60);
    return http_reply_error(r, 429, "too_many_attempts", "%s Vui lòng thử lại sau %s.",
                            by_address ? "Có quá nhiều lần đăng nhập sai từ địa chỉ của bạn."
                                       : "Đăng nhập sai quá nhiều lần.",
                            when);
}

/* Admits the attempt against the name's and the address's limits, or replies 429: 0, or
 * -EAGAIN once replied. */
static int login_admit(http_req *r, login *l)
{
    api *a = l->a;
    int64_t now = wallclock_now_ms(), wait_ms = 0;
    int rc = api_throttle_begin(a->auth->names, l->name, now, &wait_ms);
    if (rc != 0) {
        log_debug("login: refused \"%s\" from %s: the name is locked", l->name, l->addr);
        too_many(r, wait_ms, false);
        return -EAGAIN;
    }
    rc = api_throttle_begin(a->auth->addresses, l->key, now, &wait_ms);
    if (rc != 0) {
        api_throttle_end(a->auth->names, l->name, false, now);
        log_debug("login: refused \"%s\" from %s: the address is locked", l->name, l->addr);
        too_many(r, wait_ms, true);
        return -EAGAIN;
    }
    return 0;
}

/* Is the body declared as JSON ("application/json", parameters allowed)? A page on another
 * site can post text/plain or a form to us without asking first, but not JSON: that needs a
 * CORS preflight, which we never answer. So a JSON-only login cannot be forged (login CSRF). */
static bool is_json(http_req *r)
{
    const char *ct = http_header(r, "Content-Type");
    if (!ct)
        return false;
    ct += strspn(ct, " \t");
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    return n == 16 && g_ascii_strncasecmp(ct, "application/json", n) == 0;
}

static int login_post(http_req *r, void *ud)
{
    api *a = ud;
    json_t *body = NULL;
    const char *name = NULL, *password = NULL;
    login *l = NULL;
    if (!is_json(r))
        return http_reply_error(
            r, 415, "unsupported_media_type",
            "Đăng nhập chỉ nhận dữ liệu JSON (Content-Type: application/json).");
    int rc = aj_object(r, &body);
    if (rc != 0)
        return 0;
    if (aj_str(r, body, "user", AJ_REQUIRED, STORE_USER_NAME_MAX, &name) != 0 ||
        aj_str(r, body, "password", AJ_REQUIRED, STORE_PASSWORD_MAX, &password) != 0)
        goto out;
    l = calloc(1, sizeof *l);
    if (!l || !(l->password = strdup(password))) {
        rc = -ENOMEM;
        goto out;
    }
    l->a = a;
    l->name = g_utf8_normalize(name, -1, G_NORMALIZE_NFC);
    if (!l->name) {
        rc = -ENOMEM;
        goto out;
    }
    http_client_address(r, l->addr);
    http_client_key(r, l->key);
    if (login_admit(r, l) != 0) {
        rc = 0;
        goto out;
    }
    rc = store_user_credentials(a->db, name, &l->user_id, &l->role, l->hash);
    if (rc != 0) {
        login_dropped(l);
        l = NULL;
        api_fail(r, a, rc, "đăng nhập");
        rc = 0;
        goto out;
    }
    /* The password queue owns l from here, and drops it (uncounted) if the check never runs. */
    rc = http_queue_defer(a->passwords, r, check_password, login_done, login_dropped, l);
    l = NULL;
    if (rc == -EBUSY || rc == -ESHUTDOWN)
        rc = 0; /* answered 503 */
out:
    if (l)
        login_free(l);
    json_decref(body);
    return rc;
}

static int session_get(http_req *r, void *ud)
{
    api_user u;
    if (api_user_require(r, ud, API_EVERYONE, &u) != 0)
        return 0;
    return http_reply_json(r, 200, session_json(user_json(&u.u), u.u.csrf));
}

static int session_delete(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    if (api_user_require(r, a, API_EVERYONE, &u) != 0)
        return 0;
    int rc = store_session_delete(a->db, http_cookie(r, API_SESSION_COOKIE));
    if (rc != 0)
        return api_fail(r, a, rc, "phiên đăng nhập");
    set_cookie(r, "", 0);
    return http_reply_empty(r, 204);
}

static const http_route ROUTES[] = {
    {"POST", "/api/v1/session", login_post, 8192, NULL, NULL},
    {"GET", "/api/v1/session", session_get, 0, NULL, NULL},
    {"DELETE", "/api/v1/session", session_delete, 0, NULL, NULL},
};

/* Expired sessions are refused by store_session_lookup but stay as rows until deleted here:
 * without this, every login of every day would stay in the table. */
static void on_purge(uv_timer_t *t)
{
    api *a = t->data;
    int64_t n = 0;
    int rc = store_session_purge(a->db, wallclock_now_ms(), &n);
    if (rc != 0)
        log_warn("sessions: purge failed: %s", store_errmsg(a->db));
    else if (n > 0)
        log_info("sessions: purged %" PRId64 " expired session%s", n, n == 1 ? "" : "s");
}

int api_auth_create(api *a)
{
    struct api_auth *au = g_new0(struct api_auth, 1);
    au->names = api_throttle_new(LOGIN_FAILS, LOGIN_WINDOW_MS, LOGIN_KEYS);
    au->addresses = api_throttle_new(LOGIN_ADDR_FAILS, LOGIN_WINDOW_MS, LOGIN_KEYS);
    if (uv_timer_init(a->loop, &au->purge) != 0) {
        api_throttle_free(au->names);
        api_throttle_free(au->addresses);
        g_free(au);
        return -EIO;
    }
    au->purge.data = a;
    a->auth = au;
    /* at once (a daemon restarted after a long stop finds many), then every hour */
    uv_timer_start(&au->purge, on_purge, 0, API_SESSION_PURGE_MS);
    return 0;
}

static void on_auth_closed(uv_handle_t *h)
{
    api *a = h->data;
    api_throttle_free(a->auth->names);
    api_throttle_free(a->auth->addresses);
    g_free(a->auth);
    a->auth = NULL;
    api_closed_one(a);
}

void api_auth_close(api *a)
{
    uv_timer_stop(&a->auth->purge);
    uv_close((uv_handle_t *)&a->auth->purge, on_auth_closed);
}

int api_routes_auth(api *a)
{
    return http_server_add_routes(a->http, ROUTES, G_N_ELEMENTS(ROUTES), a);
}

int api_refused(http_req *r, api *a, int rc, const store_refusal *why, const char *what)
{
    if (!why || !why->code[0])
        return api_fail(r, a, rc, what);
    unsigned status = rc == -ENOENT ? 404 : (rc == -EEXIST || rc == -EBUSY) ? 409 : 400;
    if (rc != -ENOENT && rc != -EEXIST && rc != -EBUSY && rc != -EINVAL)
        return api_fail(r, a, rc, what);
    char words[API_WORDS_MAX];
    api_words_refusal(why, words, sizeof words);
    return http_reply_error(r, status, why->code, "%s", words);
}

int api_tx(api *a, int (*fn)(api *a, void *ctx), void *ctx)
{
    int rc = store_begin(a->db);
    if (rc != 0)
        return rc;
    rc = fn(a, ctx);
    if (rc == 0)
        return store_commit(a->db);
    store_rollback(a->db);
    return rc;
}

int api_month_param(http_req *r, const char *name, const char **out)
{
    const char *m = http_param(r, name);
    if (!m || strlen(m) != 7 || !g_ascii_isdigit(m[0]) || !g_ascii_isdigit(m[1]) ||
        !g_ascii_isdigit(m[2]) || !g_ascii_isdigit(m[3]) || m[4] != '-' ||
        !((m[5] == '0' && m[6] >= '1' && m[6] <= '9') ||
          (m[5] == '1' && m[6] >= '0' && m[6] <= '2'))) {
        http_reply_error(r, 400, "bad_month", "Tháng phải có dạng YYYY-MM.");
        return -EINVAL;
    }
    *out = m;
    return 0;
}
