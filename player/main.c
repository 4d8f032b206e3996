/* loalang-player: the agent on each loudspeaker box. Wires the modules on one libuv loop:
 * sync (manifest, events) feeds cache (media) and playout (GStreamer); playout writes reports
 * into queue, which sends them; status reports the box's state. systemd: Type=notify with a
 * watchdog; SIGTERM ends cleanly (what plays is reported partial). */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <systemd/sd-daemon.h>
#include <uv.h>

#include "cache.h"
#include "cli.h"
#include "ids.h"
#include "log.h"
#include "net.h"
#include "player_config.h"
#include "playout.h"
#include "queue.h"
#include "status.h"
#include "sync.h"
#include "wallclock.h"

static const char *const PROG = "loalang-player";

typedef struct app {
    player_config cfg;
    uv_loop_t *loop;
    player_net *n;
    player_queue *q;
    player_cache *c;
    player_playout *p;
    sync_state *s;
    player_status *st;
    uv_signal_t sigterm, sigint;
    uv_timer_t watchdog;
    bool stopping;
} app;

typedef struct flags {
    char *config, *server, *token_file, *cache_dir, *state_dir, *output, *device, *ca_file;
    int volume, poll_seconds;
    gint64 cache_cap;
    gboolean version;
} flags;

/* ---- wiring ---- */

static void on_manifest(const proto_manifest *m, bool from_disk, void *data)
{
    app *a = data;
    (void)from_disk;
    cache_want(a->c, m, wallclock_now_ms());
    playout_set_manifest(a->p, m);
    if (a->st)
        status_kick(a->st);
}

static void on_event(const proto_event *e, void *data)
{
    app *a = data;
    if (e->type == PROTO_EVENT_EMERGENCY) {
        cache_want_urgent(a->c, e->airing.media, NULL, wallclock_now_ms());
        playout_emergency(a->p, &e->airing);
    } else if (e->type == PROTO_EVENT_STOP && e->airing_id) {
        playout_stop(a->p, e->airing_id);
    }
    status_kick(a->st);
}

static void on_media_ready(const char *sha, void *data)
{
    app *a = data;
    playout_media_ready(a->p, sha);
    status_kick(a->st);
}

static void on_playout_change(void *data)
{
    app *a = data;
    if (a->st)
        status_kick(a->st);
}

static void fill_status(proto_box_status *s, void *data)
{
    app *a = data;
    cache_stats(a->c, &s->cache_bytes, &s->cache_files);
    s->missing_media = cache_missing(a->c);
    s->n_missing_media = g_strv_length(s->missing_media);
    struct statvfs vfs;
    if (statvfs(a->cfg.cache_dir, &vfs) == 0)
        s->disk_free_bytes = (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
    const char *playing = playout_playing(a->p);
    s->playing_airing = g_strdup(playing);
    s->volume = playout_volume(a->p);
    s->last_error = g_strdup(sync_last_error(a->s));
}

/* ---- lifetime ---- */

static void shut_down(app *a)
{
    if (a->stopping)
        return;
    a->stopping = true;
    log_info("stopping");
    sd_notify(0, "STOPPING=1");
    playout_free(a->p); /* what plays is reported partial, durably */
    queue_sender_stop(a->q);
    status_free(a->st);
    sync_free(a->s);
    cache_free(a->c);
    net_free(a->n);
    uv_close((uv_handle_t *)&a->sigterm, NULL);
    uv_close((uv_handle_t *)&a->sigint, NULL);
    uv_close((uv_handle_t *)&a->watchdog, NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
    log_info("signal %d", signum);
    shut_down(h->data);
}

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    sd_notify(0, "WATCHDOG=1");
}

static void start_watchdog(app *a)
{
    uint64_t usec = 0;
    uv_timer_init(a->loop, &a->watchdog);
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
        uv_timer_start(&a->watchdog, on_watchdog, 0, usec / 2000);
}

static int open_modules(app *a)
{
    player_config *c = &a->cfg;
    char *db = g_build_filename(c->state_dir, "queue.db", NULL);
    int rc = queue_open(db, &a->q);
    g_free(db);
    if (rc != 0)
        return rc;
    if ((rc = net_new(a->loop, c->server_url, c->token, c->ca_file, &a->n)) != 0 ||
        (rc = cache_open(a->loop, a->n, c->cache_dir, c->cache_cap_bytes, &a->c)) != 0)
        return rc;
    cache_limits lim = CACHE_LIMITS_DEFAULT;
    lim.keep_free_bytes = c->cache_keep_free_bytes;
    lim.min_rate = c->download_min_rate;
    lim.slow_seconds = c->download_slow_seconds;
    cache_set_limits(a->c, &lim);
    playout_opts po = {.output = c->output,
                       .output_path = c->output_path,
                       .device = c->device,
                       .volume = c->volume,
                       .amp_on_cmd = c->amp_on_cmd,
                       .amp_off_cmd = c->amp_off_cmd,
                       .amp_lead_ms = (int64_t)c->amp_lead_s * 1000};
    if ((rc = playout_new(a->loop, &po, a->q, a->c, &a->p)) != 0)
        return rc;
    playout_set_callbacks(a->p, NULL, on_playout_change, a);
    cache_set_ready_cb(a->c, on_media_ready, a);
    sync_callbacks cb = {.manifest = on_manifest, .event = on_event, .data = a};
    if ((rc = sync_new(a->loop, a->n, c->state_dir, c->poll_seconds, &cb, &a->s)) != 0 ||
        (rc = status_new(a->loop, a->n, c->status_seconds, fill_status, a, &a->st)) != 0)
        return rc;
    return playout_recover(a->p);
}

static int run(app *a)
{
    a->loop = uv_default_loop();
    if (g_mkdir_with_parents(a->cfg.state_dir, 0750) != 0) {
        cli_error(PROG, "không tạo được thư mục trạng thái %s: %s", a->cfg.state_dir,
                  g_strerror(errno));
        return 1;
    }
    int rc = open_modules(a);
    if (rc != 0) {
        cli_error(PROG, "không khởi động được (%s)", g_strerror(-rc));
        return 1;
    }
    uv_signal_init(a->loop, &a->sigterm);
    uv_signal_init(a->loop, &a->sigint);
    a->sigterm.data = a->sigint.data = a;
    uv_signal_start(&a->sigterm, on_signal, SIGTERM);
    uv_signal_start(&a->sigint, on_signal, SIGINT);
    start_watchdog(a);
    queue_sender_start(a->q, a->loop, a->n);
    sync_start(a->s);
    status_start(a->st);
    log_info("running: server %s, output %d", a->cfg.server_url, (int)a->cfg.output);
    sd_notify(0, "READY=1");
    uv_run(a->loop, UV_RUN_DEFAULT);
    queue_close(a->q);
    uv_run(a->loop, UV_RUN_DEFAULT);
    uv_loop_close(a->loop);
    return 0;
}

/* ---- options ---- */

static int apply_flags(player_config *c, const flags *f, char **err)
{
    char **strs[] = {&c->server_url, &c->token_file, &c->cache_dir,
                     &c->state_dir,  &c->device,     &c->ca_file};
    char *vals[] = {f->server, f->token_file, f->cache_dir, f->state_dir, f->device, f->ca_file};
    for (size_t i = 0; i < G_N_ELEMENTS(strs); i++) {
        if (vals[i]) {
            g_free(*strs[i]);
            *strs[i] = g_strdup(vals[i]);
        }
    }
    if (f->volume >= 0)
        c->volume = MIN(f->volume, 100);
    if (f->poll_seconds > 0)
        c->poll_seconds = f->poll_seconds;
    if (f->cache_cap >= 0)
        c->cache_cap_bytes = f->cache_cap;
    return f->output ? player_config_set_output(c, f->output, err) : 0;
}

static int parse(int *argc, char ***argv, flags *f)
{
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &f->config, "tệp cấu hình", "TỆP"},
        {"server", 's', 0, G_OPTION_ARG_STRING, &f->server, "địa chỉ máy chủ loalangd", "URL"},
        {"token-file", 0, 0, G_OPTION_ARG_FILENAME, &f->token_file, "tệp mã truy cập của hộp",
         "TỆP"},
        {"cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &f->cache_dir, "thư mục tệp âm thanh",
         "THƯ_MỤC"},
        {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &f->state_dir, "thư mục trạng thái", "THƯ_MỤC"},
        {"output", 'o', 0, G_OPTION_ARG_STRING, &f->output,
         "đầu ra: auto, alsa, pulse, fake, file:ĐƯỜNG_DẪN.wav", "ĐẦU_RA"},
        {"device", 'd', 0, G_OPTION_ARG_STRING, &f->device, "thiết bị âm thanh", "TÊN"},
        {"volume", 0, 0, G_OPTION_ARG_INT, &f->volume, "âm lượng 0–100 (mặc định: theo máy chủ)",
         "N"},
        {"cache-cap", 0, 0, G_OPTION_ARG_INT64, &f->cache_cap,
         "dung lượng tối đa của bộ đệm (byte)", "BYTE"},
        {"ca-file", 0, 0, G_OPTION_ARG_FILENAME, &f->ca_file, "chứng chỉ CA cho HTTPS", "TỆP"},
        {"poll-seconds", 0, 0, G_OPTION_ARG_INT, &f->poll_seconds,
         "chu kỳ hỏi lịch (giây; mặc định: theo máy chủ)", "N"},
        {"version", 'V', 0, G_OPTION_ARG_NONE, &f->version, "in phiên bản", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    return cli_parse(PROG, "— tác tử phát trên cụm loa", entries, argc, argv);
}

static void flags_clear(flags *f)
{
    char *strs[] = {f->config,    f->server, f->token_file, f->cache_dir,
                    f->state_dir, f->output, f->device,     f->ca_file};
    for (size_t i = 0; i < G_N_ELEMENTS(strs); i++)
        g_free(strs[i]);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    log_set_ident(PROG);
    flags f = {.volume = -1, .cache_cap = -1};
    if (parse(&argc, &argv, &f) != 0)
        return 2;
    if (f.version) {
        cli_print_version(PROG);
        flags_clear(&f);
        return 0;
    }
    app a = {0};
    char *err = NULL;
    int rc = player_config_load(f.config, &a.cfg, &err);
    if (rc == 0)
        rc = apply_flags(&a.cfg, &f, &err);
    if (rc == 0)
        rc = player_config_finish(&a.cfg, &err);
    flags_clear(&f);
    if (rc != 0) {
        cli_error(PROG, "%s", err);
        g_free(err);
        player_config_clear(&a.cfg);
        return 2;
    }
    if (ids_init() != 0) {
        player_config_clear(&a.cfg);
        return 1;
    }
    int exit_code = run(&a);
    player_config_clear(&a.cfg);
    return exit_code;
}
