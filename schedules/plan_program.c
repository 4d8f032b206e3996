/* plan_program: the keys of [program ID], a recurring slot (chương trình định kỳ): when it runs,
 * for how long, between which dates, to which communes or boxes, and its intro/outro jingles.
 * Built after the pieces, so a jingle's genre is known when a programme names it. */
#include "plan_internal.h"

static sched_program *cur_prog(plan_ctx *c)
{
    return &plan_pub(c)->programs[c->cur];
}

static void prog_init(plan_ctx *c)
{
    sched_program *pg = cur_prog(c);
    pg->weekdays = 0x7f;
    pg->valid_from = INT32_MIN;
    pg->valid_until = INT32_MAX;
    pg->targets.kind = SCHED_TARGET_ALL;
    pg->intro = pg->outro = -1;
}

static void prog_title(plan_ctx *c, const plan_entry *e)
{
    cur_prog(c)->title = plan_keep(c, e->value);
}

static void prog_days(plan_ctx *c, const plan_entry *e)
{
    plan_parse_weekdays(c, e, &cur_prog(c)->weekdays);
}

static void prog_start(plan_ctx *c, const plan_entry *e)
{
    if (plan_parse_start(e->value, &cur_prog(c)->start_s) != 0)
        plan_error(c, e->line,
                   "giờ bắt đầu không hợp lệ “%s”: dùng HH:MM hoặc HH:MM:SS, từ 00:00 đến "
                   "23:59:59",
                   plan_quote(c, e->value));
}

static void prog_length(plan_ctx *c, const plan_entry *e)
{
    int64_t v;
    if (!plan_parse_count(e->value, MAX_LENGTH_MIN, &v)) {
        plan_error(c, e->line, "thời lượng không hợp lệ “%s”: cần số phút nguyên từ 1 đến %d",
                   plan_quote(c, e->value), MAX_LENGTH_MIN);
        return;
    }
    cur_prog(c)->length_s = (int32_t)(v * 60);
}

static void prog_from(plan_ctx *c, const plan_entry *e)
{
    plan_parse_day(c, e->line, e->value, false, &cur_prog(c)->valid_from);
}

static void prog_until(plan_ctx *c, const plan_entry *e)
{
    plan_parse_day(c, e->line, e->value, false, &cur_prog(c)->valid_until);
}

static void set_targets(plan_ctx *c, const plan_entry *e, plan_id_kind kind)
{
    uint32_t *ids;
    size_t n;
    if (!plan_resolve_list(c, e, kind, &ids, &n))
        return;
    sched_targets *t = &cur_prog(c)->targets;
    /* Both keys given is reported after the section; the second list must not leak. */
    g_free((void *)t->ids);
    t->kind = kind == ID_COMMUNE ? SCHED_TARGET_COMMUNES : SCHED_TARGET_BOXES;
    t->ids = ids;
    t->n = n;
}

static void prog_communes(plan_ctx *c, const plan_entry *e)
{
    set_targets(c, e, ID_COMMUNE);
}

static void prog_boxes(plan_ctx *c, const plan_entry *e)
{
    set_targets(c, e, ID_BOX);
}

static void set_jingle(plan_ctx *c, const plan_entry *e, int32_t *slot)
{
    int idx = plan_resolve(c, e->line, ID_PIECE, e->value);
    if (idx < 0)
        return;
    const sched_piece *pc = &plan_pub(c)->pieces[idx];
    if (pc->genre == SCHED_GENRE_COUNT)
        return; /* its genre is already reported as wrong */
    if (pc->genre != SCHED_GENRE_JINGLE) {
        char *label = g_utf8_strdown(sched_genre_label_vn(pc->genre), -1);
        plan_error(c, e->line, "“%s” phải là một nhạc hiệu, nhưng [piece %s] có thể loại “%s”",
                   e->name, pc->id, label);
        g_free(label);
        return;
    }
    *slot = idx;
}

static void prog_intro(plan_ctx *c, const plan_entry *e)
{
    set_jingle(c, e, &cur_prog(c)->intro);
}

static void prog_outro(plan_ctx *c, const plan_entry *e)
{
    set_jingle(c, e, &cur_prog(c)->outro);
}

static int64_t jingle_ms(plan_ctx *c, int32_t idx)
{
    return idx >= 0 ? plan_pub(c)->pieces[idx].duration_ms : 0;
}

/* The jingles must leave room for pieces: the engine refuses a slot they fill whole. */
static void check_jingles_fit(plan_ctx *c, const plan_section *sec)
{
    const sched_program *pg = cur_prog(c);
    int64_t ms = jingle_ms(c, pg->intro) + jingle_ms(c, pg->outro);
    if (pg->length_s <= 0 || ms < pg->length_s * 1000LL)
        return;
    plan_error(c, sec->key_line[PG_LENGTH],
               "nhạc hiệu mở đầu và kết thúc dài tổng cộng %lld giây, chiếm hết chương trình dài "
               "%d phút: không còn chỗ cho tin bài",
               (long long)((ms + 999) / 1000), pg->length_s / 60);
}

static void prog_post(plan_ctx *c, const plan_section *sec)
{
    const sched_program *pg = cur_prog(c);
    check_jingles_fit(c, sec);
    int lc = sec->key_line[PG_COMMUNES], lb = sec->key_line[PG_BOXES];
    if (lc && lb)
        plan_error(c, MAX(lc, lb),
                   "chương trình chỉ dùng một trong hai khoá: “communes” (dòng %d) hoặc “boxes” "
                   "(dòng %d)",
                   lc, lb);
    if (pg->valid_from != INT32_MIN && pg->valid_until != INT32_MAX &&
        pg->valid_until < pg->valid_from)
        plan_error(c, sec->key_line[PG_UNTIL],
                   "ngày kết thúc “until” %s trước ngày bắt đầu “from” %s",
                   plan_date_vn(c, pg->valid_until), plan_date_vn(c, pg->valid_from));
}

static const plan_key_spec program_keys[PG_COUNT] = {
    [PG_TITLE] = {"title", K_REQUIRED | K_TEXT, prog_title},
    [PG_DAYS] = {"days", K_LIST, prog_days},
    [PG_START] = {"start", K_REQUIRED, prog_start},
    [PG_LENGTH] = {"length", K_REQUIRED, prog_length},
    [PG_FROM] = {"from", 0, prog_from},
    [PG_UNTIL] = {"until", 0, prog_until},
    [PG_COMMUNES] = {"communes", K_LIST, prog_communes},
    [PG_BOXES] = {"boxes", K_LIST, prog_boxes},
    [PG_INTRO] = {"intro", 0, prog_intro},
    [PG_OUTRO] = {"outro", 0, prog_outro},
};

const plan_sec_spec plan_program_spec = {
    "program", true, program_keys, PG_COUNT, prog_init, prog_post,
};
