/* bench_login: how long a real person's login takes while junk logins flood loalangd. It starts
 * its own daemon (a fresh data dir with one user) and measures, over ROUNDS rounds each:
 *
 *   idle             the real login alone: the reference;
 *   one address      JUNK wrong logins fired at once from one address (a new one each round,
 *                    so that its failure limit from earlier rounds does not help), with the
 *                    real login from 127.0.0.1 sent among them;
 *   many addresses   the same, but every junk login from an address of its own (JUNK new
 *                    addresses a round): what a botnet does.
 *
 * The real login is timed from its first try to its 200. Refused with 503, it tries again when
 * Retry-After says, as a person clicking again would, and the wait counts. Prints its p50, p99
 * and max per scenario (with 30 rounds p99 is the worst but one), how often it was refused, and
 * what became of the junk logins. Benchmarks report; they never gate CI.
 *
 * Usage: bench_login [--daemon PATH] [--rounds N] [--junk N]
 *        (defaults: this build's loalangd, 30 rounds, 500 junk logins) */
#include <curl/curl.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define USER     "bench.ktv"
#define PASSWORD "mật khẩu đo thử 2026"

typedef struct stats {
    GArray *ms;                             /* the real login's times */
    unsigned refused;                       /* its 503s */
    unsigned checked, limited, busy, other; /* junk: 401, 429, 503, anything else */
} stats;

static char *url;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    long *retry = ud;
    if (sz * n > 12 && !g_ascii_strncasecmp(p, "Retry-After:", 12))
        *retry = strtol(p + 12, NULL, 10);
    return sz * n;
}

static size_t discard(char *p, size_t sz, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return sz * n;
}

static struct curl_slist *json_header;

/* A login as a new connection from address from (NULL: the kernel's choice); the real one is
 * marked through CURLOPT_PRIVATE. */
static CURL *login(const char *body, const char *from, long *retry, bool real)
{
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_PRIVATE, real ? "real" : NULL);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, json_header);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, retry);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 600L);
    if (from) {
        char *iface = g_strconcat("host!", from, NULL);
        curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
        g_free(iface);
    }
    return c;
}

/* One round: junk logins from the addresses addr(i) (none when junk is 0) and the real login
 * among them; the real login's time from its first try to its 200 goes into st. */
static void round_run(unsigned junk, bool one_address, unsigned round, stats *st)
{
    CURLM *m = curl_multi_init();
    const char *real_body = "{\"user\":\"" USER "\",\"password\":\"" PASSWORD "\"}";
    long dummy = 0, real_retry = 0;
    for (unsigned i = 0; i < junk; i++) {
        char body[128], from[32];
        g_snprintf(body, sizeof body, "{\"user\":\"khach-%u-%u\",\"password\":\"doan mo\"}", round,
                   i);
        if (one_address)
            g_snprintf(from, sizeof from, "127.10.%u.%u", round / 250, round % 250 + 1);
        else
            g_snprintf(from, sizeof from, "127.%u.%u.%u", 20 + round % 200, i / 250, i % 250 + 1);
        curl_multi_add_handle(m, login(body, from, &dummy, false));
        if (i == junk / 2) /* the real one in the middle of the flood */
            curl_multi_add_handle(m, login(real_body, NULL, &real_retry, true));
    }
    if (junk == 0)
        curl_multi_add_handle(m, login(real_body, NULL, &real_retry, true));
    double t0 = now_ms(), again_at = 0;
    bool real_done = false;
    int running = 1;
    while (running || !real_done) {
        if (again_at > 0 && now_ms() >= again_at) {
            again_at = 0;
            curl_multi_add_handle(m, login(real_body, NULL, &real_retry, true));
        }
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *c = msg->easy_handle;
            long status = 0;
            char *priv = NULL;
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
            curl_easy_getinfo(c, CURLINFO_PRIVATE, &priv);
            bool real = priv != NULL;
            if (real && status == 200) {
                double ms = now_ms() - t0;
                g_array_append_val(st->ms, ms);
                real_done = true;
            } else if (real) {
                st->refused++;
                again_at = now_ms() + 1000.0 * (double)(real_retry > 0 ? real_retry : 1);
                real_retry = 0;
                if (status != 503)
                    fprintf(stderr, "bench_login: the real login got %ld\n", status);
            } else if (status == 401) {
                st->checked++;
            } else if (status == 429) {
                st->limited++;
            } else if (status == 503) {
                st->busy++;
            } else {
                st->other++;
            }
            curl_multi_remove_handle(m, c);
            curl_easy_cleanup(c);
        }
        if (running || again_at > 0)
            curl_multi_poll(m, NULL, 0, 20, NULL);
    }
    curl_multi_cleanup(m);
}

static double pct(GArray *a, double p)
{
    if (a->len == 0)
        return 0;
    size_t k = (size_t)(p * (double)a->len + 0.999999);
    k = k == 0 ? 0 : k - 1;
    return g_array_index(a, double, k < a->len ? k : a->len - 1);
}

static int cmp_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, stats *st, double ref_p99)
{
    g_array_sort(st->ms, cmp_double);
    double p50 = pct(st->ms, 0.5), p99 = pct(st->ms, 0.99),
           max = st->ms->len ? g_array_index(st->ms, double, st->ms->len - 1) : 0;
    printf("%-34s %8.0f %8.0f %8.0f %7u | %7u %7u %7u %5u | %6.2f\n", name, p50, p99, max,
           st->refused, st->checked, st->limited, st->busy, st->other,
           ref_p99 > 0 ? p99 / ref_p99 : 1.0);
}

/* Runs a shell command; its exit status. */
static int sh(const char *cmd)
{
    int status = -1;
    const char *argv[] = {"/bin/sh", "-ec", cmd, NULL};
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                      NULL))
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(int argc, char **argv)
{
    const char *daemon = LOALANGD_PATH;
    unsigned rounds = 30, junk = 500;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--daemon"))
            daemon = argv[i + 1];
        else if (!strcmp(argv[i], "--rounds"))
            rounds = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--junk"))
            junk = (unsigned)strtoul(argv[i + 1], NULL, 10);
    }
    char tmpl[] = "/tmp/bench-login-XXXXXX";
    if (!mkdtemp(tmpl))
        return 1;
    char *cmd = g_strdup_printf("'%s' -d %s/data init >/dev/null && printf '%%s\\n' '%s' | "
                                "'%s' -d %s/data user add %s --role technician >/dev/null",
                                daemon, tmpl, PASSWORD, daemon, tmpl, USER);
    int rc = sh(cmd);
    g_free(cmd);
    if (rc != 0) {
        fprintf(stderr, "bench_login: cannot set up a data dir with %s\n", daemon);
        return 1;
    }
    /* The daemon, its log in the temp dir; its first line on stdout gives the port. */
    char *serve = g_strdup_printf("exec '%s' -d %s/data serve --listen 127.0.0.1:0 2>%s/serve.log",
                                  daemon, tmpl, tmpl);
    const char *sargv[] = {"/bin/sh", "-c", serve, NULL};
    GPid pid;
    int out_fd;
    if (!g_spawn_async_with_pipes(NULL, (char **)sargv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                  &pid, NULL, &out_fd, NULL, NULL))
        return 1;
    FILE *out = fdopen(out_fd, "r");
    char line[512];
    const char *at = NULL;
    while (fgets(line, sizeof line, out) && !(at = strstr(line, "http://")))
        ;
    if (!at) {
        fprintf(stderr, "bench_login: the daemon did not start (see %s/serve.log)\n", tmpl);
        return 1;
    }
    url = g_strdup_printf("%s/api/v1/session", g_strchomp(g_strdup(at)));
    curl_global_init(CURL_GLOBAL_ALL);
    json_header = curl_slist_append(NULL, "Content-Type: application/json");

    char load[64] = "?";
    FILE *la = fopen("/proc/loadavg", "r");
    if (la && fgets(load, sizeof load, la))
        load[strcspn(load, " ")] = '\0';
    if (la)
        fclose(la);
    printf("bench_login: %s; %u rounds, %u junk logins a round; load average %s\n", daemon, rounds,
           junk, load);
    printf("%-34s %8s %8s %8s %7s | %7s %7s %7s %5s | %6s\n", "real login (ms) during", "p50",
           "p99", "max", "refused", "checked", "429", "503", "other", "x idle");
    stats s[3];
    for (int k = 0; k < 3; k++)
        s[k] = (stats){.ms = g_array_new(FALSE, FALSE, sizeof(double))};
    for (unsigned r = 0; r < rounds; r++)
        round_run(0, false, r, &s[0]);
    report("nothing (idle daemon, reference)", &s[0], 0);
    double ref = pct(s[0].ms, 0.99);
    char name[64];
    g_snprintf(name, sizeof name, "%u junk from one address", junk);
    for (unsigned r = 0; r < rounds; r++)
        round_run(junk, true, r, &s[1]);
    report(name, &s[1], ref);
    g_snprintf(name, sizeof name, "%u junk from %u addresses", junk, junk);
    for (unsigned r = 0; r < rounds; r++)
        round_run(junk, false, r, &s[2]);
    report(name, &s[2], ref);

    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    fclose(out);
    cmd = g_strdup_printf("rm -rf %s", tmpl);
    sh(cmd);
    g_free(cmd);
    curl_slist_free_all(json_header);
    curl_global_cleanup();
    return 0;
}
