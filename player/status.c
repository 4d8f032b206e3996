/* status: periodic box status reports and the clock offset estimate. */
#include "status.h"

#include <glib.h>
#include <stdlib.h>

#include "log.h"

#define KICK_DELAY_MS 2000
#define RETRY_MS      30000

struct player_status {
    uv_loop_t *loop;
    player_net *n;
    int64_t period_ms;
    status_fill_cb fill;
    void *data;
    uv_timer_t timer;
    net_req *req;
    bool kicked;
    bool have_offset;
    int64_t offset_ms;
    int64_t started_mono_ms;
    uint64_t sent;
};

int64_t status_offset_estimate(int64_t sent_ms, int64_t received_ms, int64_t server_ms)
{
    /* The server read its clock somewhere inside the round trip: assume the middle. */
    return sent_ms + (received_ms - sent_ms) / 2 - server_ms;
}

static void send_now(player_status *st);

static void on_timer(uv_timer_t *t)
{
    player_status *st = t->data;
    st->kicked = false;
    send_now(st);
}

int status_new(uv_loop_t *loop, player_net *n, int period_s, status_fill_cb fill, void *data,
               player_status **out)
{
    player_status *st = g_new0(player_status, 1);
    st->loop = loop;
    st->n = n;
    st->period_ms = (int64_t)period_s * 1000;
    st->fill = fill;
    st->data = data;
    st->started_mono_ms = (int64_t)(uv_hrtime() / 1000000);
    uv_timer_init(loop, &st->timer);
    st->timer.data = st;
    *out = st;
    return 0;
}

static void take_answer(player_status *st, const net_result *res)
{
    json_t *doc = NULL;
    int64_t server_ms = 0;
    char err[PROTO_ERR_MAX];
    int rc = proto_json_load(res->body, res->body_len, 65536, &doc, err);
    if (rc == 0)
        rc = proto_server_time_from_json(doc, &server_ms, err);
    json_decref(doc);
    if (rc != 0) {
        log_warn("status: bad answer: %s", err);
        return;
    }
    st->offset_ms = status_offset_estimate(res->sent_ms, res->done_ms, server_ms);
    st->have_offset = true;
    st->sent++;
    if (llabs(st->offset_ms) > STATUS_CLOCK_WARN_MS)
        log_warn("status: the box clock is off by %+" G_GINT64_FORMAT
                 " ms (round trip %" G_GINT64_FORMAT
                 " ms): airings will not start on time; check NTP",
                 st->offset_ms, res->done_ms - res->sent_ms);
}

static void on_sent(const net_result *res, void *data)
{
    player_status *st = data;
    st->req = NULL;
    if (res->rc == 0 && res->status == 200)
        take_answer(st, res);
    else if (res->rc != 0)
        log_warn("status: %s", res->error);
    else
        log_warn("status: HTTP %ld", res->status);
    bool ok = res->rc == 0 && res->status == 200;
    if (!st->kicked)
        uv_timer_start(&st->timer, on_timer, (uint64_t)(ok ? st->period_ms : RETRY_MS), 0);
}

static void send_now(player_status *st)
{
    if (st->req)
        return;
    proto_box_status s = {0};
    st->fill(&s, st->data);
    s.agent_version = g_strdup("loalang-player " LOALANG_VERSION);
    s.uptime_s = ((int64_t)(uv_hrtime() / 1000000) - st->started_mono_ms) / 1000;
    s.clock_offset_ms = st->have_offset ? st->offset_ms : 0;
    json_t *j = proto_box_status_to_json(&s);
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    proto_box_status_clear(&s);
    net_opts o = {.fd = -1, .post_json = body, .timeout_s = 30};
    if (body == NULL || net_request(st->n, "/api/v1/box/status", &o, on_sent, st, &st->req) != 0)
        uv_timer_start(&st->timer, on_timer, RETRY_MS, 0);
    free(body);
}

void status_start(player_status *st)
{
    send_now(st);
}

void status_kick(player_status *st)
{
    if (st->kicked)
        return;
    st->kicked = true;
    uv_timer_start(&st->timer, on_timer, KICK_DELAY_MS, 0);
}

bool status_clock_offset(const player_status *st, int64_t *offset_ms)
{
    *offset_ms = st->offset_ms;
    return st->have_offset;
}

uint64_t status_sent(const player_status *st)
{
    return st->sent;
}

static void closed(uv_handle_t *h)
{
    g_free(h->data);
}

void status_free(player_status *st)
{
    if (st == NULL)
        return;
    net_cancel(st->n, st->req);
    uv_close((uv_handle_t *)&st->timer, closed);
}
