/* bench_http_plays: play reports per second stored durably through a running loalangd's
 * POST /api/v1/box/plays, in batches of 100, over N concurrent keep-alive connections (libcurl
 * multi, one thread). Every batch is distinct (ids carry a per-run prefix) and generated before
 * the clock starts; every answer is checked (200, all 100 accepted), so the figure counts only
 * acknowledged — committed, fsynced — reports. Driven by bench_http.sh, which sets up the data
 * dir and prints the reference; run alone it says so and exits 0.
 *
 * Usage: bench_http_plays URL TOKENS_FILE AIRING MEDIA_SHA CONNECTIONS BATCHES */
#include <curl/curl.h>
#include <glib.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PER_BATCH 100

typedef struct conn {
    CURL *h;
    struct curl_slist *hdrs;
    GString *resp;
    size_t batch;
} conn;

typedef struct run {
    char **bodies;
    size_t n_batches, next, done, bad;
    char *url;
} run;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    g_string_append_len(ud, p, (gssize)(sz * n));
    return sz * n;
}

static char *make_body(const char *prefix, size_t b, const char *airing, const char *sha)
{
    GString *s = g_string_new("{\"plays\":[");
    for (size_t i = 0; i < PER_BATCH; i++)
        g_string_append_printf(s,
                               "%s{\"id\":\"%s-%zu-%zu\",\"airing\":\"%s\",\"media\":\"%s\","
                               "\"scheduled_start\":\"2030-01-01T06:00:00+07:00\","
                               "\"started_at\":\"2030-01-01T06:00:00+07:00\","
                               "\"ended_at\":\"2030-01-01T06:00:04+07:00\",\"played_ms\":4000,"
                               "\"outcome\":\"completed\",\"detail\":\"\"}",
                               i ? "," : "", prefix, b, i, airing, sha);
    g_string_append(s, "]}");
    return g_string_free(s, FALSE);
}

static void start(run *r, conn *c, CURLM *m)
{
    c->batch = r->next++;
    g_string_truncate(c->resp, 0);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, r->bodies[c->batch]);
    curl_multi_add_handle(m, c->h);
}

static void finish(run *r, conn *c, CURLcode res)
{
    long st = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &st);
    json_t *j = res == CURLE_OK && st == 200 ? json_loads(c->resp->str, 0, NULL) : NULL;
    if (json_array_size(json_object_get(j, "accepted")) != PER_BATCH) {
        if (r->bad++ < 3)
            fprintf(stderr, "bench_http_plays: batch %zu: curl %d, HTTP %ld: %.200s\n", c->batch,
                    (int)res, st, c->resp->str);
    }
    json_decref(j);
    r->done++;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        printf("bench_http_plays: driven by bench/bench_http.sh (needs a running loalangd)\n");
        return 0;
    }
    size_t n_conn = strtoul(argv[5], NULL, 10);
    run r = {.n_batches = strtoul(argv[6], NULL, 10)};
    gchar *tokens_text = NULL;
    if (!g_file_get_contents(argv[2], &tokens_text, NULL, NULL))
        return 2;
    gchar **tokens = g_strsplit(g_strstrip(tokens_text), "\n", -1);
    guint n_tokens = g_strv_length(tokens);
    r.url = g_strdup_printf("%s/api/v1/box/plays", argv[1]);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "b%lx", (unsigned long)time(NULL) ^ (unsigned long)getpid());
    r.bodies = g_new0(char *, r.n_batches);
    for (size_t b = 0; b < r.n_batches; b++)
        r.bodies[b] = make_body(prefix, b, argv[3], argv[4]);

    curl_global_init(CURL_GLOBAL_ALL);
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)n_conn);
    conn *cs = g_new0(conn, n_conn);
    for (size_t i = 0; i < n_conn; i++) {
        conn *c = &cs[i];
        char *auth = g_strdup_printf("Authorization: Bearer %s", tokens[i % n_tokens]);
        c->hdrs = curl_slist_append(NULL, auth);
        c->hdrs = curl_slist_append(c->hdrs, "Content-Type: application/json");
        c->hdrs = curl_slist_append(c->hdrs, "Expect:");
        g_free(auth);
        c->resp = g_string_new(NULL);
        c->h = curl_easy_init();
        curl_easy_setopt(c->h, CURLOPT_URL, r.url);
        curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
        curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c->resp);
        curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
        curl_easy_setopt(c->h, CURLOPT_TCP_NODELAY, 1L);
    }
    double t0 = now_s();
    for (size_t i = 0; i < n_conn && r.next < r.n_batches; i++)
        start(&r, &cs[i], m);
    int running = 1;
    while (r.done < r.n_batches) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            conn *c = NULL;
            CURLcode res = msg->data.result;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            curl_multi_remove_handle(m, c->h);
            finish(&r, c, res);
            if (r.next < r.n_batches)
                start(&r, c, m);
        }
        if (r.done < r.n_batches)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double dt = now_s() - t0;
    printf("plays over HTTP: %zu batches × %d on %zu connections in %.2f s: %.0f plays/s "
           "acknowledged (%zu batches not fully accepted)\n",
           r.n_batches, PER_BATCH, n_conn, dt, (double)(r.n_batches * PER_BATCH) / dt, r.bad);
    for (size_t i = 0; i < n_conn; i++) {
        curl_easy_cleanup(cs[i].h);
        curl_slist_free_all(cs[i].hdrs);
        g_string_free(cs[i].resp, TRUE);
    }
    curl_multi_cleanup(m);
    for (size_t b = 0; b < r.n_batches; b++)
        g_free(r.bodies[b]);
    g_free(r.bodies);
    g_free(r.url);
    g_strfreev(tokens);
    g_free(tokens_text);
    g_free(cs);
    return r.bad ? 1 : 0;
}
