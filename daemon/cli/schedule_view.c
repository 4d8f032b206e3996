/* schedule_view: the filled month as a Vietnamese table and as JSON (see schedule_view.h). */
#include "schedule_view.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#include "reason.h"
#include "vtime.h"

/* Pads to `width` characters (not bytes: Vietnamese letters are 2–3 bytes in UTF-8), and
 * keeps at least one space before the next column when s is longer. */
static void put_padded(FILE *out, const char *s, long width)
{
    fputs(s, out);
    long n = g_utf8_strlen(s, -1);
    do
        fputc(' ', out);
    while (++n < width);
}

static void local_hms(const schedule_view *v, int64_t ms, char *buf, size_t len)
{
    vtime_local t = {0};
    vtime_utc_to_local(v->in->tz, ms, &t);
    snprintf(buf, len, "%02d:%02d:%02d", t.hour, t.minute, t.second);
}

static const sched_commune *commune_of(const schedule_view *v, uint32_t i)
{
    return &v->in->district->communes[i];
}

/* "  [Bằng Lãng, Nam Cường]" or "  [2 cụm loa: a, b]" for airings not heard everywhere. */
static void print_targets(const schedule_view *v, const sched_airing *a, FILE *out)
{
    const sched_targets *t = &a->targets;
    const sched_program *p = &v->in->programs[v->res->slots[a->slot].slot.program];
    if (t->kind == SCHED_TARGET_ALL || (t->kind == p->targets.kind && t->n == p->targets.n &&
                                        memcmp(t->ids, p->targets.ids, t->n * sizeof *t->ids) == 0))
        return; /* heard wherever the programme is */
    fputs("  [", out);
    for (size_t i = 0; i < t->n && i < 6; i++) {
        const char *name = t->kind == SCHED_TARGET_COMMUNES
                               ? commune_of(v, t->ids[i])->name
                               : v->in->district->boxes[t->ids[i]].name;
        fprintf(out, "%s%s", i ? ", " : "", name);
    }
    if (t->n > 6)
        fprintf(out, " và %zu nơi khác", t->n - 6);
    fputc(']', out);
}

static void print_airing(const schedule_view *v, const sched_airing *a, FILE *out)
{
    const sched_piece *pc = &v->in->pieces[a->piece];
    char at[16], dur[16];
    local_hms(v, a->start_ms, at, sizeof at);
    vtime_format_duration(a->duration_ms, dur, sizeof dur);
    fprintf(out, "      %s  ", at);
    put_padded(out, sched_genre_label_vn(pc->genre), 10);
    fprintf(out, "%7s  %s", dur, pc->title);
    if (a->priority != SCHED_PRIO_NORMAL)
        fprintf(out, "  (%s)", sched_priority_label_vn(a->priority));
    if (a->pinned)
        fputs("  (ghim)", out);
    print_targets(v, a, out);
    fputc('\n', out);
}

static int percent(int64_t part, int64_t whole)
{
    return whole > 0 ? (int)((part * 100 + whole / 2) / whole) : 0;
}

static void print_slot(const schedule_view *v, const sched_filled_slot *fs, FILE *out)
{
    const sched_program *p = &v->in->programs[fs->slot.program];
    vtime_local t = {0};
    vtime_utc_to_local(v->in->tz, fs->slot.start_ms, &t);
    char date[16], used[16], len[16];
    vtime_format_date_vn(fs->slot.day, date, sizeof date);
    vtime_format_duration(fs->used_ms, used, sizeof used);
    vtime_format_duration(fs->slot.length_ms, len, sizeof len);
    fprintf(out, "%-2s %s  %02d:%02d  ", vtime_weekday_vn(t.weekday), date, t.hour, t.minute);
    put_padded(out, p->title, 22);
    fprintf(out, "lấp đầy %s/%s (%d%%)\n", used, len, percent(fs->used_ms, fs->slot.length_ms));
    if (fs->n_airings == 0)
        fputs("      (trống)\n", out);
    for (uint32_t k = 0; k < fs->n_airings; k++)
        print_airing(v, &v->res->airings[fs->first_airing + k], out);
}

static void print_unplaced(const schedule_view *v, FILE *out)
{
    uint32_t missing = 0;
    for (size_t i = 0; i < v->res->n_unplaced; i++)
        missing += v->res->unplaced[i].missing;
    if (missing == 0) {
        fputs("\nMọi tin bài đều được xếp đủ số lần phát.\n", out);
        return;
    }
    fprintf(out, "\nCHƯA XẾP ĐƯỢC: %u lần phát\n", missing);
    for (size_t i = 0; i < v->res->n_unplaced; i++) {
        const sched_unplaced *u = &v->res->unplaced[i];
        const sched_piece *pc = &v->in->pieces[u->piece];
        char why[512];
        sched_reason_text(u, v->in, why, sizeof why);
        fprintf(out, "  • %s “%s” (%s): thiếu %u lần phát — %s\n", sched_genre_label_vn(pc->genre),
                pc->title, pc->id, u->missing, why);
    }
}

static void print_summary(const schedule_view *v, FILE *out)
{
    size_t pieces = 0, used_slots = 0;
    int64_t used = 0, length = 0;
    for (size_t i = 0; i < v->res->n_airings; i++)
        pieces += v->res->airings[i].kind == SCHED_AIRING_PIECE;
    for (size_t s = 0; s < v->res->n_slots; s++) {
        used += v->res->slots[s].used_ms;
        length += v->res->slots[s].slot.length_ms;
        used_slots += v->res->slots[s].n_airings > 0;
    }
    fprintf(out,
            "\nTỔNG KẾT: %zu khung giờ (%zu khung có phát), %zu lần phát tin bài của %zu tin bài, "
            "lấp đầy trung bình %d%%.\n",
            v->res->n_slots, used_slots, pieces, v->in->plan->n_items, percent(used, length));
}

void schedule_view_print(const schedule_view *v, FILE *out)
{
    const sched_month_plan *m = v->in->plan;
    fprintf(out, "LỊCH PHÁT SÓNG THÁNG %02d/%04d", m->month, m->year);
    if (v->district)
        fprintf(out, " — %s", v->district);
    fputc('\n', out);
    if (m->theme)
        fprintf(out, "Chủ đề tháng: %s\n", m->theme);
    fprintf(out, "Giờ địa phương (%s)\n\n", v->tz_name);
    for (size_t s = 0; s < v->res->n_slots; s++)
        print_slot(v, &v->res->slots[s], out);
    print_unplaced(v, out);
    print_summary(v, out);
}

/* ---- JSON -------------------------------------------------------------------------------- */

static json_t *time_json(const schedule_view *v, int64_t ms)
{
    char buf[VTIME_RFC3339_MAX];
    vtime_format_rfc3339(ms, v->in->tz, buf);
    return json_string(buf);
}

static json_t *targets_json(const schedule_view *v, const sched_targets *t)
{
    static const char *const kinds[] = {"all", "communes", "boxes"};
    json_t *o = json_pack("{s:s}", "kind", kinds[t->kind]);
    if (t->kind == SCHED_TARGET_ALL)
        return o;
    json_t *ids = json_array();
    for (size_t i = 0; i < t->n; i++) {
        const char *id = t->kind == SCHED_TARGET_COMMUNES ? commune_of(v, t->ids[i])->id
                                                          : v->in->district->boxes[t->ids[i]].id;
        json_array_append_new(ids, json_string(id));
    }
    json_object_set_new(o, t->kind == SCHED_TARGET_COMMUNES ? "communes" : "boxes", ids);
    return o;
}

static json_t *airing_json(const schedule_view *v, const sched_airing *a)
{
    static const char *const kinds[] = {"piece", "intro", "outro"};
    const sched_piece *pc = &v->in->pieces[a->piece];
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:s, s:b, s:o}", "kind", kinds[a->kind],
                     "piece", pc->id, "title", pc->title, "genre", sched_genre_name(pc->genre),
                     "start", time_json(v, a->start_ms), "offset_ms", (json_int_t)a->offset_ms,
                     "duration_ms", (json_int_t)a->duration_ms, "priority",
                     sched_priority_name(a->priority), "pinned", a->pinned, "targets",
                     targets_json(v, &a->targets));
}

static json_t *slot_json(const schedule_view *v, const sched_filled_slot *fs)
{
    const sched_program *p = &v->in->programs[fs->slot.program];
    int y, mo, d;
    vtime_civil_from_day(fs->slot.day, &y, &mo, &d);
    char date[16];
    snprintf(date, sizeof date, "%04d-%02d-%02d", y, mo, d);
    json_t *airings = json_array();
    for (uint32_t k = 0; k < fs->n_airings; k++)
        json_array_append_new(airings, airing_json(v, &v->res->airings[fs->first_airing + k]));
    return json_pack("{s:s, s:o, s:s, s:s, s:I, s:I, s:i, s:o}", "date", date, "start",
                     time_json(v, fs->slot.start_ms), "program", p->id, "program_title", p->title,
                     "length_ms", (json_int_t)fs->slot.length_ms, "used_ms",
                     (json_int_t)fs->used_ms, "fill_percent",
                     percent(fs->used_ms, fs->slot.length_ms), "airings", airings);
}

static json_t *unplaced_json(const schedule_view *v, const sched_unplaced *u)
{
    const sched_piece *pc = &v->in->pieces[u->piece];
    char why[512];
    sched_reason_text(u, v->in, why, sizeof why);
    return json_pack("{s:s, s:s, s:i, s:s, s:s}", "piece", pc->id, "title", pc->title, "missing",
                     (int)u->missing, "reason", sched_reason_code(u->reason), "message", why);
}

json_t *schedule_view_json(const schedule_view *v)
{
    const sched_month_plan *m = v->in->plan;
    char month[8];
    snprintf(month, sizeof month, "%04d-%02d", m->year, m->month);
    json_t *slots = json_array(), *unplaced = json_array();
    for (size_t s = 0; s < v->res->n_slots; s++)
        json_array_append_new(slots, slot_json(v, &v->res->slots[s]));
    for (size_t i = 0; i < v->res->n_unplaced; i++)
        json_array_append_new(unplaced, unplaced_json(v, &v->res->unplaced[i]));
    return json_pack("{s:s, s:s?, s:s?, s:s, s:o, s:o}", "month", month, "district", v->district,
                     "theme", m->theme, "timezone", v->tz_name, "slots", slots, "unplaced",
                     unplaced);
}

/* ---- plan files ---- */

#define PLAN_MAX_BYTES (4 << 20)

int schedule_view_load_plan(const char *path, const char *prog, const char *doing, plan **out)
{
    struct stat st;
    char *buf = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    *out = NULL;
    if (stat(path, &st) == 0 && st.st_size > PLAN_MAX_BYTES) {
        cli_error(prog, "%s: tệp kế hoạch quá lớn (tối đa 4 MiB)", path);
        return -E2BIG;
    }
    if (!g_file_get_contents(path, &buf, &len, &gerr)) {
        cli_error(prog, "không đọc được tệp kế hoạch %s: %s", path, gerr->message);
        g_error_free(gerr);
        return -ENOENT;
    }
    plan_diags diags = {0};
    int rc = plan_parse(buf, len, out, &diags);
    for (size_t i = 0; i < diags.n; i++) {
        if (diags.items[i].line > 0)
            fprintf(stderr, "%s:%d: %s\n", path, diags.items[i].line, diags.items[i].message);
        else
            fprintf(stderr, "%s: %s\n", path, diags.items[i].message);
    }
    if (rc != 0)
        fprintf(stderr, "%s: tệp kế hoạch có %zu lỗi, %s.\n", path, diags.n, doing);
    plan_diags_clear(&diags);
    g_free(buf);
    return rc;
}
