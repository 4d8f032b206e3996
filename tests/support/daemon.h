/* daemon: a real loalangd for tests that talk HTTP. td_start makes a fresh data dir (mkdtemp +
 * `init`), runs `loalangd -d DIR serve --listen 127.0.0.1:0`, reads the address it prints and
 * gives the base URL; td_request sends one request with libcurl; td_admin runs an admin
 * subcommand on the same dir. Failures to start fail the running cmocka test.
 *
 * Ownership: a td owns its process and its data dir; td_free kills a process still running
 * and removes the dir. Strings returned by td_url/td_dir live as long as the td; outputs of
 * td_request/td_admin are g_malloc'd for the caller (g_free). */
#ifndef LOALANG_TEST_DAEMON_H
#define LOALANG_TEST_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct td td;

/* "127.0.0.1:PORT" with a port the kernel just gave out and took back: passed as --listen, the
 * daemon keeps it across td_restart, so a player finds it again. */
void td_free_listen(char *out, size_t len);

/* A fresh initialised data dir; the daemon is not running yet. */
td *td_new(void);
/* Starts `serve` on the td's dir; extra_args (NULL-terminated, may be NULL) follow
 * "--listen 127.0.0.1:0" (e.g. "--config", FILE). Returns 0 once the address is printed, or
 * the exit status (> 0) when the daemon exited first; *err_out (when non-NULL) gets its
 * stderr. */
int td_launch(td *t, const char *const *extra_args, char **err_out);
/* td_new + td_launch, asserting success. */
td *td_start(const char *const *extra_args);
/* td_start with a configuration file holding config_text ("[server]\n…"), kept in the td's
 * own temp dir (gone with td_free): "--config FILE" and then extra_args (may be NULL). */
td *td_start_config(const char *config_text, const char *const *extra_args);
/* Starts again on the same dir with the same arguments (after td_stop or td_kill). */
void td_restart(td *t);

const char *td_url(const td *t); /* "http://127.0.0.1:PORT" (https when served so) */
const char *td_dir(const td *t);
pid_t td_pid(const td *t);
/* Everything the daemon wrote on stderr so far, across restarts (g_free). */
char *td_log(const td *t);
/* For HTTPS: verify the server against this PEM certificate (self-signed in tests). */
void td_set_ca(td *t, const char *pem_path);

/* One request to td_url(t) + path. headers: NULL-terminated "Name: value" strings, or NULL.
 * body may be NULL. Outputs may be NULL; *body_out is NUL-terminated, *headers_out holds the
 * raw header lines. Returns the CURLcode (0 when a response arrived). */
int td_request(td *t, const char *method, const char *path, const char *const *headers,
               const void *body, size_t body_len, long *status, char **body_out,
               char **headers_out);

/* One request of a batch sent at once by td_request_all. */
typedef struct td_call {
    const char *method;
    const char *path;
    const char *const *headers; /* NULL-terminated "Name: value" strings, or NULL */
    const char *body;           /* NUL-terminated, or NULL */
    const char *from;           /* source address ("127.0.0.7"), or NULL: the kernel's choice */
    long status;                /* out: 0 when no answer came */
    char *out;                  /* out: the body (g_free) */
    char *headers_out;          /* out: the raw header lines (g_free) */
} td_call;

/* Sends the n calls at once, each on a connection of its own (libcurl multi), and returns when
 * every one is answered or failed. Any loopback address 127.x.y.z may be a call's source, so a
 * test can play many clients. */
void td_request_all(td *t, td_call *calls, size_t n);
/* Frees the outputs of n calls. */
void td_calls_free(td_call *calls, size_t n);

/* Runs `loalangd -d DIR ARGS…` (NULL-terminated) with stdin_text (may be NULL) on stdin;
 * captures stdout and stderr (outputs may be NULL). Returns the exit status, or -1 when the
 * program died of a signal. */
int td_admin(td *t, const char *stdin_text, char **out, char **err, const char *arg, ...)
    __attribute__((sentinel));

/* SIGTERM and wait: the exit status, or -1 when it died of a signal. */
int td_stop(td *t);
/* SIGKILL and wait. */
void td_kill(td *t);
/* Kills the daemon if running, removes the data dir, frees t. */
void td_free(td *t);

/* "YYYY-MM", delta months from the current month in the daemon's zone (Asia/Ho_Chi_Minh), by
 * the one clock: a test's "this month" is Vietnam's, also when UTC is still in the month
 * before. g_free. */
char *td_month(int delta);

#endif
