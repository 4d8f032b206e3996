/* playout: the timeline of airings, their pipelines, the amplifier and the one report each. */
#include "playout.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "ids.h"
#include "log.h"
#include "net.h"
#include "pipeline.h"
#include "wallclock.h"

#define JOIN_GRACE_MS     1000  /* later than this after its instant, an item joins late */
#define JOIN_PREROLL_MS   1500  /* a late join plays this long after it is decided */
#define URGENT_PREROLL_MS 700   /* an emergency that is due plays this long after it is ready */
#define PROGRESS_MS       15000 /* how often a playing airing's progress is made durable */
#define MAX_SLEEP_MS      60000 /* re-check the wall clock at least this often */
#define SLOT_GAP_MS       1000
#define HANDOVER_SLACK_MS 500 /* cut this close to its planned end, an item still completed */

typedef enum istate { I_PENDING, I_PREROLLING, I_READY, I_PLAYING, I_DONE } istate;

typedef struct item {
    player_playout *p;
    proto_airing a;
    int64_t at_ms, end_ms; /* its place in the timeline: [at, at + duration) */
    int64_t cap_ms;        /* played_ms never exceeds this (airing and media length) */
    bool emergency, urgent_asked, seeked;
    istate st;
    player_pipeline *pl;
    int64_t play_at_ms, join_ms, cut_at_ms;
    char play_id[IDS_UUID_LEN + 1];
} item;

struct player_playout {
    uv_loop_t *loop;
    playout_opts o;
    player_queue *q;
    player_cache *c;
    GPtrArray *items; /* item*, by at_ms */
    GstClock *clock;
    uv_timer_t tick, progress;
    int handles_open;
    int manifest_volume;
    bool amp_on, closing;
    int64_t boot_ms;
    playout_report_cb report_cb;
    playout_change_cb change_cb;
    void *cb_data;
};

static void tick(player_playout *p);

static int64_t now_ms(void)
{
    return wallclock_now_ms();
}

/* ---- items ---- */

static void airing_copy(proto_airing *dst, const proto_airing *src)
{
    *dst = *src;
    dst->id = g_strdup(src->id);
    dst->program = g_strdup(src->program);
    dst->title = g_strdup(src->title);
    dst->genre = g_strdup(src->genre);
}

static item *item_new(player_playout *p, const proto_airing *a, int64_t at_ms, int64_t media_ms)
{
    item *it = g_new0(item, 1);
    it->p = p;
    airing_copy(&it->a, a);
    it->at_ms = at_ms;
    it->end_ms = at_ms + a->duration_ms;
    it->cap_ms = media_ms > 0 ? MIN(media_ms, a->duration_ms) : a->duration_ms;
    it->emergency = a->priority == PROTO_PRIORITY_EMERGENCY;
    return it;
}

static void item_free(gpointer data)
{
    item *it = data;
    pipeline_free(it->pl);
    proto_airing_clear(&it->a);
    g_free(it);
}

static gint by_at(gconstpointer x, gconstpointer y)
{
    const item *a = *(item *const *)x, *b = *(item *const *)y;
    return a->at_ms < b->at_ms ? -1 : a->at_ms > b->at_ms;
}

/* ---- reports ---- */

static void report(player_playout *p, item *it, proto_outcome outcome, int64_t started,
                   int64_t ended, int64_t played, const char *detail, int64_t first_ns)
{
    proto_play pl = {0};
    if (it->play_id[0] == '\0')
        ids_uuid4(it->play_id);
    g_strlcpy(pl.id, it->play_id, sizeof pl.id);
    pl.airing = it->a.id;
    g_strlcpy(pl.media, it->a.media, sizeof pl.media);
    pl.scheduled_start_ms = it->a.start_ms;
    pl.started_at_ms = started;
    pl.ended_at_ms = MAX(ended, started);
    pl.played_ms = CLAMP(played, 0, MIN(it->cap_ms, pl.ended_at_ms - started));
    pl.outcome = outcome;
    pl.detail = (char *)detail;
    int rc = queue_add(p->q, &pl);
    if (rc != 0 && rc != -EEXIST)
        log_error("playout: cannot queue the report of airing %s: %s", it->a.id, g_strerror(-rc));
    it->st = I_DONE;
    if (p->report_cb && rc == 0)
        p->report_cb(&pl, first_ns, p->cb_data);
    if (p->change_cb)
        p->change_cb(p->cb_data);
}

static void missed(player_playout *p, item *it, const char *detail)
{
    log_warn("playout: airing %s missed: %s", it->a.id, detail);
    report(p, it, PROTO_OUTCOME_MISSED, it->a.start_ms, it->a.start_ms, 0, detail, 0);
}

/* What of a playing item has aired by now: the audio that reached the sink, which the wall
 * clock bounds (the sink may hold a buffer not yet heard). The clock alone would count the
 * holes of a damaged file as airtime. */
static int64_t aired_ms(const item *it, int64_t now)
{
    int64_t wall = MAX(now - it->play_at_ms, 0);
    return it->pl ? MIN(pipeline_played_ms(it->pl), wall) : wall;
}

/* Ends a playing item now: the report says how much of it aired. outcome COMPLETED is a claim
 * the audio checks: short of the planned length (less the slack), it was partial. */
static void finish(player_playout *p, item *it, proto_outcome outcome, const char *detail)
{
    int64_t now = now_ms(), started = it->play_at_ms, played = aired_ms(it, now);
    int64_t first_ns = it->pl ? pipeline_first_buffer_ns(it->pl) : 0;
    char why[160];
    pipeline_free(it->pl);
    it->pl = NULL;
    if (outcome == PROTO_OUTCOME_COMPLETED && it->join_ms > 0) {
        outcome = PROTO_OUTCOME_PARTIAL; /* joined late: the start did not air */
    } else if (outcome == PROTO_OUTCOME_COMPLETED && played < it->cap_ms - HANDOVER_SLACK_MS) {
        outcome = PROTO_OUTCOME_PARTIAL;
        g_snprintf(why, sizeof why,
                   "thiếu âm thanh: chỉ phát được %" G_GINT64_FORMAT ",%" G_GINT64_FORMAT
                   " trên %" G_GINT64_FORMAT ",%" G_GINT64_FORMAT " giây (tệp hỏng?)",
                   played / 1000, played % 1000 / 100, it->cap_ms / 1000, it->cap_ms % 1000 / 100);
        detail = why;
        log_warn("playout: airing %s: only %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                 " ms of audio reached the sink",
                 it->a.id, played, it->cap_ms);
    }
    log_info("playout: airing %s %s", it->a.id, proto_outcome_name(outcome));
    report(p, it, outcome, started, now, played, detail, first_ns);
}

static void unprepare(item *it)
{
    pipeline_free(it->pl);
    it->pl = NULL;
    it->st = I_PENDING;
}

/* ---- pipelines ---- */

static void on_pipeline(player_pipeline *pl, pipeline_event ev, const char *msg, void *data)
{
    (void)pl;
    item *it = data;
    player_playout *p = it->p;
    if (ev == PIPELINE_PREROLLED) {
        if (it->join_ms > 0 && !it->seeked) {
            it->seeked = true;
            if (pipeline_seek(it->pl, it->join_ms) == 0)
                return; /* another PREROLLED follows */
        }
        if (it->st == I_PREROLLING)
            it->st = I_READY;
    } else if (ev == PIPELINE_EOS && it->st == I_PLAYING) {
        finish(p, it, PROTO_OUTCOME_COMPLETED, "");
    } else if (ev == PIPELINE_ERROR) {
        log_error("playout: airing %s: %s", it->a.id, msg);
        if (it->st == I_PLAYING) {
            finish(p, it, now_ms() > it->play_at_ms ? PROTO_OUTCOME_PARTIAL : PROTO_OUTCOME_FAILED,
                   msg);
        } else {
            int64_t now = now_ms();
            unprepare(it);
            report(p, it, PROTO_OUTCOME_FAILED, now, now, 0, msg, 0);
        }
    }
    tick(p);
}

static char *wav_path(const char *base, const char *airing)
{
    size_t n = strlen(base);
    if (n > 4 && g_str_has_suffix(base, ".wav"))
        n -= 4;
    return g_strdup_printf("%.*s-%s.wav", (int)n, base, airing);
}

static void prepare(player_playout *p, item *it, const char *media, int64_t play_at,
                    int64_t join_ms)
{
    int vol = p->o.volume >= 0 ? p->o.volume : p->manifest_volume;
    char *wav = p->o.output == PLAYER_OUTPUT_FILE ? wav_path(p->o.output_path, it->a.id) : NULL;
    pipeline_opts po = {.output = p->o.output,
                        .file_path = wav,
                        .device = p->o.device,
                        .volume = vol / 100.0,
                        .clock = p->clock};
    it->play_at_ms = play_at;
    it->join_ms = join_ms;
    it->seeked = false;
    int rc = pipeline_new(p->loop, media, &po, on_pipeline, it, &it->pl);
    g_free(wav);
    if (rc != 0) {
        int64_t now = now_ms();
        report(p, it, PROTO_OUTCOME_FAILED, now, now, 0, "không dựng được đường phát âm thanh", 0);
        return;
    }
    it->st = I_PREROLLING;
    if (join_ms > 0)
        log_info("playout: airing %s joins %" G_GINT64_FORMAT " ms late", it->a.id, join_ms);
}

/* The airing is recorded started (durably) before its pipeline may make a sound. */
static void start(player_playout *p, item *it)
{
    ids_uuid4(it->play_id);
    queue_started s = {.scheduled_ms = it->a.start_ms, .started_ms = it->play_at_ms};
    g_strlcpy(s.airing, it->a.id, sizeof s.airing);
    g_strlcpy(s.play_id, it->play_id, sizeof s.play_id);
    g_strlcpy(s.media, it->a.media, sizeof s.media);
    int rc = queue_mark_started(p->q, &s);
    if (rc != 0) {
        log_error("playout: airing %s not played: cannot record its start (%s)", it->a.id,
                  g_strerror(-rc));
        unprepare(it);
        it->st = I_DONE;
        return;
    }
    if (pipeline_play_at(it->pl, it->play_at_ms) != 0) {
        finish(p, it, PROTO_OUTCOME_FAILED, "đường phát âm thanh không chạy được");
        return;
    }
    it->st = I_PLAYING;
    log_info("playout: airing %s plays at %" G_GINT64_FORMAT, it->a.id, it->play_at_ms);
    /* Back to back: whatever still plays stops when this one begins. */
    for (guint i = 0; i < p->items->len; i++) {
        item *o = p->items->pdata[i];
        if (o != it && o->st == I_PLAYING && o->cut_at_ms == 0)
            o->cut_at_ms = it->play_at_ms;
    }
    if (p->change_cb)
        p->change_cb(p->cb_data);
}

/* ---- the timeline ---- */

static bool emergency_active(const player_playout *p)
{
    for (guint i = 0; i < p->items->len; i++) {
        const item *it = p->items->pdata[i];
        if (it->emergency && (it->st == I_READY || it->st == I_PLAYING))
            return true;
    }
    return false;
}

static void cut_for_emergency(player_playout *p)
{
    for (guint i = 0; i < p->items->len; i++) {
        item *it = p->items->pdata[i];
        if (it->emergency)
            continue;
        if (it->st == I_PLAYING)
            finish(p, it, PROTO_OUTCOME_PARTIAL, "bị cắt để phát tin khẩn cấp");
        else if (it->st == I_PREROLLING || it->st == I_READY)
            unprepare(it);
    }
}

static void step_emergency(player_playout *p, item *it, int64_t now)
{
    if (it->st == I_PENDING) {
        if (now >= it->end_ms) {
            missed(p, it, "không có tệp âm thanh tin khẩn cấp trong thời gian phát");
            return;
        }
        if (now < it->at_ms - PLAYOUT_PREROLL_MS)
            return;
        char *media = cache_path(p->c, it->a.media);
        if (media)
            prepare(p, it, media, MAX(it->at_ms, now + URGENT_PREROLL_MS), 0);
        else if (!it->urgent_asked)
            it->urgent_asked = cache_want_urgent(p->c, it->a.media, NULL, now) == 0;
        g_free(media);
    } else if ((it->st == I_PREROLLING || it->st == I_READY) &&
               now >= it->play_at_ms - PLAYOUT_PLAY_LEAD_MS) {
        cut_for_emergency(p);
        start(p, it);
    }
}

static const char *why_missed(const player_playout *p, const item *it)
{
    if (it->at_ms < p->boot_ms)
        return "hộp loa không hoạt động trong giờ phát";
    return "không phát được trong giờ phát";
}

static void step_pending(player_playout *p, item *it, int64_t now)
{
    if (now >= it->end_ms) {
        missed(p, it, why_missed(p, it));
        return;
    }
    if (now < it->at_ms - PLAYOUT_PREROLL_MS)
        return;
    char *media = cache_path(p->c, it->a.media);
    if (media == NULL) {
        if (now >= it->at_ms)
            missed(p, it,
                   cache_damaged(p->c, it->a.media)
                       ? "tệp âm thanh trong bộ nhớ đệm bị hỏng, chưa tải lại được trước giờ phát"
                       : "chưa có tệp âm thanh khi đến giờ phát");
    } else if (now <= it->at_ms + JOIN_GRACE_MS) {
        prepare(p, it, media, it->at_ms, 0);
    } else if (it->end_ms - now >= PLAYOUT_JOIN_MIN_MS + JOIN_PREROLL_MS) {
        int64_t play_at = now + JOIN_PREROLL_MS;
        prepare(p, it, media, play_at, play_at - it->at_ms);
    } else {
        missed(p, it, "còn quá ít thời gian để phát muộn");
    }
    g_free(media);
}

static void step_normal(player_playout *p, item *it, int64_t now, bool emergency)
{
    if (emergency) { /* held while an emergency plays; its window may pass meanwhile */
        if (it->st == I_PREROLLING || it->st == I_READY)
            unprepare(it);
        if (it->st == I_PENDING && now >= it->end_ms)
            missed(p, it, "giờ phát bị tin khẩn cấp chiếm");
        return;
    }
    if (it->st == I_PENDING)
        step_pending(p, it, now);
    else if ((it->st == I_PREROLLING || it->st == I_READY) &&
             now >= it->play_at_ms - PLAYOUT_PLAY_LEAD_MS)
        start(p, it);
    else if (it->st == I_PLAYING && it->cut_at_ms > 0 && now >= it->cut_at_ms)
        /* The next item's instant ends this one: a tail beyond its planned length (encoder
         * padding, a rounded duration) is not airtime it owes. */
        finish(p, it,
               aired_ms(it, now) >= it->cap_ms - HANDOVER_SLACK_MS ? PROTO_OUTCOME_COMPLETED
                                                                   : PROTO_OUTCOME_PARTIAL,
               "");
}

/* ---- the amplifier ---- */

static void spawned_exit(uv_process_t *h, int64_t status, int sig)
{
    (void)sig;
    if (status != 0)
        log_warn("playout: amplifier command exited with %" G_GINT64_FORMAT, status);
    uv_close((uv_handle_t *)h, (uv_close_cb)g_free);
}

static void run_command(player_playout *p, const char *cmd)
{
    char *args[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE},
                                     {.flags = UV_INHERIT_FD, .data.fd = 1},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t o = {
        .file = args[0], .args = args, .exit_cb = spawned_exit, .stdio_count = 3, .stdio = stdio};
    uv_process_t *h = g_new0(uv_process_t, 1);
    int rc = uv_spawn(p->loop, h, &o);
    if (rc != 0) {
        log_error("playout: cannot run “%s”: %s", cmd, uv_strerror(rc));
        uv_close((uv_handle_t *)h, (uv_close_cb)g_free);
    }
}

static void amplifier(player_playout *p, int64_t now)
{
    bool want = false;
    for (guint i = 0; i < p->items->len && !want; i++) {
        const item *it = p->items->pdata[i];
        want = it->st == I_PLAYING ||
               (it->st != I_DONE && now >= it->at_ms - p->o.amp_lead_ms && now < it->end_ms);
    }
    if (want == p->amp_on)
        return;
    p->amp_on = want;
    const char *cmd = want ? p->o.amp_on_cmd : p->o.amp_off_cmd;
    log_info("playout: amplifier %s", want ? "on" : "off");
    if (cmd)
        run_command(p, cmd);
}

/* ---- the tick ---- */

static void consider(int64_t t, int64_t now, int64_t *next)
{
    if (t > now && t < *next)
        *next = t;
}

static int64_t next_wake(const player_playout *p, int64_t now)
{
    int64_t next = now + MAX_SLEEP_MS;
    for (guint i = 0; i < p->items->len; i++) {
        const item *it = p->items->pdata[i];
        if (it->st == I_DONE)
            continue;
        consider(it->at_ms - p->o.amp_lead_ms, now, &next);
        consider(it->at_ms - PLAYOUT_PREROLL_MS, now, &next);
        consider(it->at_ms, now, &next);
        consider(it->at_ms + JOIN_GRACE_MS + 1, now, &next);
        consider(it->end_ms, now, &next);
        if (it->st != I_PENDING)
            consider(it->play_at_ms - PLAYOUT_PLAY_LEAD_MS, now, &next);
        if (it->cut_at_ms > 0)
            consider(it->cut_at_ms, now, &next);
        if (it->at_ms - MAX(p->o.amp_lead_ms, PLAYOUT_PREROLL_MS) > next)
            break; /* sorted by instant: nothing later can come sooner */
    }
    return next;
}

static void on_tick(uv_timer_t *t)
{
    tick(t->data);
}

static void on_progress(uv_timer_t *t)
{
    player_playout *p = t->data;
    int64_t now = now_ms();
    for (guint i = 0; i < p->items->len; i++) {
        item *it = p->items->pdata[i];
        if (it->st == I_PLAYING && now > it->play_at_ms)
            queue_progress(p->q, it->a.id, MIN(aired_ms(it, now), it->cap_ms));
    }
}

static void tick(player_playout *p)
{
    if (p->closing)
        return;
    int64_t now = now_ms();
    for (guint i = 0; i < p->items->len; i++) {
        item *it = p->items->pdata[i];
        if (it->emergency && it->st != I_DONE)
            step_emergency(p, it, now);
    }
    bool emergency = emergency_active(p);
    bool playing = false;
    for (guint i = 0; i < p->items->len; i++) {
        item *it = p->items->pdata[i];
        if (!it->emergency && it->st != I_DONE)
            step_normal(p, it, now, emergency);
        playing = playing || it->st == I_PLAYING;
    }
    amplifier(p, now);
    if (playing && !uv_is_active((uv_handle_t *)&p->progress))
        uv_timer_start(&p->progress, on_progress, PROGRESS_MS, PROGRESS_MS);
    else if (!playing)
        uv_timer_stop(&p->progress);
    uv_timer_start(&p->tick, on_tick, (uint64_t)(next_wake(p, now) - now), 0);
}

/* ---- public ---- */

int playout_new(uv_loop_t *loop, const playout_opts *o, player_queue *q, player_cache *c,
                player_playout **out)
{
    gst_init(NULL, NULL);
    player_playout *p = g_new0(player_playout, 1);
    p->loop = loop;
    p->o = *o;
    p->o.output_path = g_strdup(o->output_path);
    p->o.device = g_strdup(o->device);
    p->o.amp_on_cmd = g_strdup(o->amp_on_cmd);
    p->o.amp_off_cmd = g_strdup(o->amp_off_cmd);
    p->q = q;
    p->c = c;
    p->items = g_ptr_array_new_with_free_func(item_free);
    p->clock = pipeline_clock_new();
    p->manifest_volume = 80;
    p->boot_ms = now_ms();
    uv_timer_init(loop, &p->tick);
    uv_timer_init(loop, &p->progress);
    p->tick.data = p->progress.data = p;
    p->handles_open = 2;
    *out = p;
    return 0;
}

void playout_set_callbacks(player_playout *p, playout_report_cb report_cb, playout_change_cb change,
                           void *data)
{
    p->report_cb = report_cb;
    p->change_cb = change;
    p->cb_data = data;
}

int playout_recover(player_playout *p)
{
    queue_started *v = NULL;
    size_t n = 0;
    int rc = queue_unfinished(p->q, &v, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        proto_play pl = {.airing = v[i].airing,
                         .scheduled_start_ms = v[i].scheduled_ms,
                         .started_at_ms = v[i].started_ms,
                         .ended_at_ms = v[i].started_ms + v[i].progress_ms,
                         .played_ms = v[i].progress_ms,
                         .outcome = PROTO_OUTCOME_PARTIAL,
                         .detail = "hộp loa mất điện hoặc khởi động lại giữa lúc phát"};
        g_strlcpy(pl.id, v[i].play_id, sizeof pl.id);
        g_strlcpy(pl.media, v[i].media, sizeof pl.media);
        log_warn("playout: airing %s was cut by a restart; reported partial", v[i].airing);
        rc = queue_add(p->q, &pl);
        rc = rc == -EEXIST ? 0 : rc;
    }
    g_free(v);
    return rc;
}

static item *find(const player_playout *p, const char *id, guint *index)
{
    for (guint i = 0; i < p->items->len; i++) {
        item *it = p->items->pdata[i];
        if (strcmp(it->a.id, id) == 0) {
            if (index)
                *index = i;
            return it;
        }
    }
    return NULL;
}

static bool already_played(player_playout *p, const char *airing)
{
    queue_airing_state st = QUEUE_AIRING_NONE;
    return queue_airing_state_get(p->q, airing, &st) != 0 || st != QUEUE_AIRING_NONE;
}

static int64_t media_ms(const proto_manifest *m, const char *sha)
{
    for (size_t i = 0; i < m->n_media; i++) {
        if (strcmp(m->media[i].sha256, sha) == 0)
            return m->media[i].duration_ms;
    }
    return 0;
}

/* Items of the old timeline that live on: started ones, and emergencies from events. */
static void carry_over(player_playout *p, GPtrArray *fresh)
{
    while (p->items->len > 0) {
        item *old = g_ptr_array_steal_index(p->items, p->items->len - 1);
        guint at;
        item *neu = find(&(player_playout){.items = fresh}, old->a.id, &at);
        bool keep = old->st == I_PLAYING || (old->st != I_PENDING && neu != NULL) ||
                    (old->emergency && neu == NULL && old->st != I_DONE);
        if (keep && neu)
            g_ptr_array_remove_index(fresh, at);
        if (keep)
            g_ptr_array_add(fresh, old);
        else
            item_free(old);
    }
}

int playout_set_manifest(player_playout *p, const proto_manifest *m)
{
    size_t *order = g_new(size_t, m->n_airings + 1);
    int64_t *at = g_new(int64_t, m->n_airings + 1);
    playout_timeline(m->airings, m->n_airings, order, at);
    GPtrArray *fresh = g_ptr_array_new_with_free_func(item_free);
    for (size_t i = 0; i < m->n_airings; i++) {
        const proto_airing *a = &m->airings[order[i]];
        item *old = find(p, a->id, NULL);
        if ((old == NULL || old->st == I_PENDING) && already_played(p, a->id))
            continue;
        g_ptr_array_add(fresh, item_new(p, a, at[i], media_ms(m, a->media)));
    }
    carry_over(p, fresh);
    g_ptr_array_sort(fresh, by_at);
    g_ptr_array_free(p->items, TRUE);
    p->items = fresh;
    p->manifest_volume = m->volume;
    g_free(order);
    g_free(at);
    tick(p);
    return 0;
}

int playout_emergency(player_playout *p, const proto_airing *a)
{
    int64_t now = now_ms();
    if (find(p, a->id, NULL) || a->start_ms + a->duration_ms <= now || already_played(p, a->id))
        return 0;
    item *it = item_new(p, a, a->start_ms, 0);
    it->emergency = true;
    log_warn("playout: emergency airing %s", a->id);
    g_ptr_array_add(p->items, it);
    g_ptr_array_sort(p->items, by_at);
    tick(p);
    return 0;
}

int playout_stop(player_playout *p, const char *airing_id)
{
    item *it = find(p, airing_id, NULL);
    if (it == NULL || it->st == I_DONE)
        return -ENOENT;
    log_warn("playout: stop of airing %s", airing_id);
    if (it->st == I_PLAYING) {
        finish(p, it, PROTO_OUTCOME_PARTIAL, "dừng theo lệnh dừng phát");
    } else {
        unprepare(it);
        missed(p, it, "đã hủy bằng lệnh dừng trước khi phát");
    }
    tick(p);
    return 0;
}

void playout_media_ready(player_playout *p, const char *sha256)
{
    (void)sha256;
    tick(p);
}

const char *playout_playing(const player_playout *p)
{
    for (guint i = 0; i < p->items->len; i++) {
        const item *it = p->items->pdata[i];
        if (it->st == I_PLAYING)
            return it->a.id;
    }
    return NULL;
}

int playout_volume(const player_playout *p)
{
    return p->o.volume >= 0 ? p->o.volume : p->manifest_volume;
}

size_t playout_pending(const player_playout *p)
{
    size_t n = 0;
    for (guint i = 0; i < p->items->len; i++)
        n += ((const item *)p->items->pdata[i])->st != I_DONE;
    return n;
}

static void handle_closed(uv_handle_t *h)
{
    player_playout *p = h->data;
    if (--p->handles_open > 0)
        return;
    g_free((char *)p->o.output_path);
    g_free((char *)p->o.device);
    g_free((char *)p->o.amp_on_cmd);
    g_free((char *)p->o.amp_off_cmd);
    g_free(p);
}

void playout_free(player_playout *p)
{
    if (p == NULL)
        return;
    for (guint i = 0; i < p->items->len; i++) {
        item *it = p->items->pdata[i];
        if (it->st == I_PLAYING)
            finish(p, it, PROTO_OUTCOME_PARTIAL, "loalang-player dừng (tắt dịch vụ)");
    }
    p->closing = true;
    if (p->amp_on && p->o.amp_off_cmd)
        run_command(p, p->o.amp_off_cmd);
    g_ptr_array_free(p->items, TRUE);
    gst_object_unref(p->clock);
    uv_close((uv_handle_t *)&p->tick, handle_closed);
    uv_close((uv_handle_t *)&p->progress, handle_closed);
}

/* ---- the pure part ---- */

static int priority_rank(proto_priority pr)
{
    return pr == PROTO_PRIORITY_EMERGENCY ? 0 : pr == PROTO_PRIORITY_PRIORITY ? 1 : 2;
}

static gint by_start(gconstpointer x, gconstpointer y, gpointer data)
{
    const proto_airing *a = data;
    int64_t sx = a[*(const size_t *)x].start_ms, sy = a[*(const size_t *)y].start_ms;
    return sx < sy ? -1 : sx > sy;
}

/* Stable: priority ahead of normal, the daemon's order otherwise. Returns whether it moved. */
static bool priority_first(const proto_airing *a, size_t *v, size_t n)
{
    bool moved = false;
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i;
             j > 0 && priority_rank(a[v[j - 1]].priority) > priority_rank(a[v[j]].priority); j--) {
            size_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
            moved = true;
        }
    }
    return moved;
}

void playout_timeline(const proto_airing *a, size_t n, size_t *order, int64_t *at_ms)
{
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    g_qsort_with_data(order, (gint)n, sizeof *order, by_start, (gpointer)a);
    size_t s = 0;
    while (s < n) {
        const proto_airing *first = &a[order[s]];
        size_t e = s + 1;
        int64_t end = first->start_ms + first->duration_ms;
        while (e < n && first->priority != PROTO_PRIORITY_EMERGENCY &&
               a[order[e]].priority != PROTO_PRIORITY_EMERGENCY &&
               a[order[e]].start_ms <= end + SLOT_GAP_MS) {
            end = MAX(end, a[order[e]].start_ms + a[order[e]].duration_ms);
            e++;
        }
        int64_t t = first->start_ms;
        bool moved = priority_first(a, order + s, e - s);
        for (size_t i = s; i < e; i++) {
            /* The daemon's instants stand unless items had to move; then back to back. */
            at_ms[i] = moved ? t : a[order[i]].start_ms;
            t = at_ms[i] + a[order[i]].duration_ms;
        }
        s = e;
    }
}
