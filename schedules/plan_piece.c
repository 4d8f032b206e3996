/* plan_piece: the keys of [piece ID] — what a piece is (title, genre, duration, theme, exemplar,
 * commune, priority) and what the month asks of it (airings, pins, date window, target
 * communes) — the checks that need the programmes, and the month plan's items made from them. */
#include "plan_internal.h"

#include "vtime.h"

#include <string.h>

static sched_piece *cur_piece(plan_ctx *c)
{
    return &plan_pub(c)->pieces[c->cur];
}

static plan_item_build *cur_item(plan_ctx *c)
{
    return &c->items[c->cur];
}

static void piece_init(plan_ctx *c)
{
    sched_piece *pc = cur_piece(c);
    pc->genre = SCHED_GENRE_COUNT; /* = not given or wrong; the required-key check reports */
    pc->commune = -1;
    pc->priority = SCHED_PRIO_NORMAL;
    cur_item(c)->window_from = INT32_MIN;
    cur_item(c)->window_until = INT32_MAX;
}

/* ---- what the piece is ---- */

static void piece_title(plan_ctx *c, const plan_entry *e)
{
    cur_piece(c)->title = plan_keep(c, e->value);
}

static void piece_genre(plan_ctx *c, const plan_entry *e)
{
    if (plan_parse_genre(e->value, &cur_piece(c)->genre) != 0)
        plan_error(c, e->line,
                   "thể loại không hợp lệ “%s”; dùng: tin, bài, phóng sự, phỏng vấn, nhạc hiệu "
                   "(hoặc news, article, report, interview, jingle)",
                   plan_quote(c, e->value));
}

static void piece_duration(plan_ctx *c, const plan_entry *e)
{
    if (plan_parse_duration(e->value, &cur_piece(c)->duration_ms) != 0)
        plan_error(c, e->line,
                   "độ dài không hợp lệ “%s”: dùng phút:giây (3:05), giờ:phút:giây (1:02:30) "
                   "hoặc số giây (185); lớn hơn 0 và không quá 6 giờ",
                   plan_quote(c, e->value));
}

static void piece_theme(plan_ctx *c, const plan_entry *e)
{
    cur_piece(c)->theme = plan_keep(c, e->value);
}

static void piece_exemplar(plan_ctx *c, const plan_entry *e)
{
    cur_piece(c)->exemplar = plan_keep(c, e->value);
}

static void piece_commune(plan_ctx *c, const plan_entry *e)
{
    int idx = plan_resolve(c, e->line, ID_COMMUNE, e->value);
    if (idx >= 0)
        cur_piece(c)->commune = idx;
}

static void piece_priority(plan_ctx *c, const plan_entry *e)
{
    if (plan_parse_priority(e->value, &cur_piece(c)->priority) != 0)
        plan_error(c, e->line,
                   "mức ưu tiên không hợp lệ “%s”; dùng: thường, ưu tiên, khẩn cấp (hoặc "
                   "normal, priority, emergency)",
                   plan_quote(c, e->value));
}

/* ---- what the month asks of it ---- */

static void piece_airings(plan_ctx *c, const plan_entry *e)
{
    int64_t v;
    if (!plan_parse_count(e->value, MAX_AIRINGS, &v)) {
        plan_error(c, e->line, "số lần phát không hợp lệ “%s”: cần số nguyên từ 1 đến %d",
                   plan_quote(c, e->value), MAX_AIRINGS);
        return;
    }
    cur_item(c)->airings = (uint32_t)v;
}

/* One pin entry: "DATE" or "DATE PROGRAM_ID". */
static void add_pin(plan_ctx *c, const plan_entry *e, char *text)
{
    char *prog = plan_cut_word(text);
    if (strpbrk(prog, " \t")) {
        plan_error(c, e->line, "ghim không hợp lệ “%s %s”: dùng NGÀY hoặc NGÀY MÃ_CHƯƠNG_TRÌNH",
                   text, plan_quote(c, prog));
        return;
    }
    plan_pin pb = {.pin = {.program = -1}, .line = e->line};
    bool ok = plan_parse_day(c, e->line, text, true, &pb.pin.day);
    if (*prog && (pb.pin.program = plan_resolve(c, e->line, ID_PROGRAM, prog)) < 0)
        ok = false;
    if (!ok)
        return;
    plan_item_build *ib = cur_item(c);
    if (!ib->pins)
        ib->pins = g_array_new(FALSE, FALSE, sizeof(plan_pin));
    if (ib->pins->len == MAX_LIST) {
        if (!ib->pins_overflow)
            plan_error(c, e->line, "tin bài có quá nhiều ghim “pin” (tối đa %d)", MAX_LIST);
        ib->pins_overflow = true;
        return;
    }
    g_array_append_val(ib->pins, pb);
}

static void piece_pin(plan_ctx *c, const plan_entry *e)
{
    GPtrArray *list = plan_split_list(c, e);
    if (!list)
        return;
    for (guint i = 0; i < list->len; i++)
        add_pin(c, e, list->pdata[i]);
    g_ptr_array_unref(list);
}

static void piece_window(plan_ctx *c, const plan_entry *e)
{
    char *copy = g_string_chunk_insert(c->tmp, e->value);
    char *dots = strstr(copy, "..");
    char *from = copy, *until = NULL;
    if (dots) {
        *dots = '\0';
        from = plan_trim(copy);
        until = plan_trim(dots + 2);
    }
    if (!dots || !*from || !*until) {
        plan_error(c, e->line,
                   "khung ngày không hợp lệ “%s”: dùng TỪ .. ĐẾN, ví dụ 15 .. 22 hoặc "
                   "2026-12-15 .. 2026-12-22",
                   plan_quote(c, e->value));
        return;
    }
    int32_t d0, d1;
    bool ok0 = plan_parse_day(c, e->line, from, true, &d0);
    bool ok1 = plan_parse_day(c, e->line, until, true, &d1);
    if (!ok0 || !ok1)
        return;
    if (d0 > d1) {
        plan_error(c, e->line, "khung ngày bị đảo ngược “%s”: ngày đầu %s sau ngày cuối %s",
                   plan_quote(c, e->value), plan_date_vn(c, d0), plan_date_vn(c, d1));
        return;
    }
    cur_item(c)->window_from = d0;
    cur_item(c)->window_until = d1;
}

static void piece_communes(plan_ctx *c, const plan_entry *e)
{
    plan_item_build *ib = cur_item(c);
    plan_resolve_list(c, e, ID_COMMUNE, &ib->communes, &ib->n_communes);
}

static const plan_key_spec piece_keys[PC_COUNT] = {
    [PC_TITLE] = {"title", K_REQUIRED | K_TEXT, piece_title},
    [PC_GENRE] = {"genre", K_REQUIRED, piece_genre},
    [PC_DURATION] = {"duration", K_REQUIRED, piece_duration},
    [PC_THEME] = {"theme", K_TEXT, piece_theme},
    [PC_EXEMPLAR] = {"exemplar", 0, piece_exemplar},
    [PC_COMMUNE] = {"commune", 0, piece_commune},
    [PC_PRIORITY] = {"priority", 0, piece_priority},
    [PC_AIRINGS] = {"airings", K_CONSTRAINT, piece_airings},
    [PC_PIN] = {"pin", K_CONSTRAINT | K_LIST | K_REPEAT, piece_pin},
    [PC_WINDOW] = {"window", K_CONSTRAINT, piece_window},
    [PC_COMMUNES] = {"communes", K_CONSTRAINT | K_LIST, piece_communes},
};

/* ---- checks that need every key of the piece ---- */

static void jingle_post(plan_ctx *c, const plan_section *sec)
{
    for (size_t k = 0; k < PC_COUNT; k++) {
        if ((piece_keys[k].flags & K_CONSTRAINT) && sec->key_line[k])
            plan_error(c, sec->key_line[k],
                       "khoá “%s” không dùng cho nhạc hiệu: nhạc hiệu chỉ phát kèm chương "
                       "trình, không nằm trong kế hoạch tháng",
                       piece_keys[k].name);
    }
}

static void piece_post(plan_ctx *c, const plan_section *sec)
{
    plan_item_build *ib = cur_item(c);
    if (cur_piece(c)->genre == SCHED_GENRE_JINGLE) {
        jingle_post(c, sec);
        return;
    }
    size_t n_pins = ib->pins ? ib->pins->len : 0;
    if (ib->airings == 0)
        ib->airings = 1;
    if (ib->airings < n_pins) /* documented: the pins count as airings */
        ib->airings = (uint32_t)n_pins;
    for (size_t k = 0; k < n_pins; k++) {
        const plan_pin *pb = &g_array_index(ib->pins, plan_pin, k);
        if (pb->pin.day < ib->window_from || pb->pin.day > ib->window_until)
            plan_error(c, pb->line, "ngày ghim %s nằm ngoài khung ngày “window” (dòng %d)",
                       plan_date_vn(c, pb->pin.day), sec->key_line[PC_WINDOW]);
    }
}

const plan_sec_spec plan_piece_spec = {
    "piece", true, piece_keys, PC_COUNT, piece_init, piece_post,
};

/* ---- pins against the programmes ---- */

/* A pinned programme must run that day. */
static void check_pin_days(plan_ctx *c, const GArray *pins)
{
    const plan *p = plan_pub(c);
    for (guint k = 0; k < pins->len; k++) {
        const plan_pin *pb = &g_array_index(pins, plan_pin, k);
        if (pb->pin.program < 0)
            continue;
        const sched_program *pg = &p->programs[pb->pin.program];
        int wd = vtime_weekday(pb->pin.day);
        if (pb->pin.day < pg->valid_from || pb->pin.day > pg->valid_until ||
            !(pg->weekdays & (1u << (wd - 1))))
            plan_error(c, pb->line,
                       "chương trình “%s” không phát vào ngày %s (%s) nên không ghim được", pg->id,
                       plan_date_vn(c, pb->pin.day), vtime_weekday_vn(wd));
    }
}

static int cmp_pin(const void *a, const void *b)
{
    const plan_pin *x = a, *y = b;
    if (x->pin.day != y->pin.day)
        return x->pin.day < y->pin.day ? -1 : 1;
    if (x->pin.program != y->pin.program)
        return x->pin.program < y->pin.program ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* One slot cannot air a piece twice. */
static void check_pin_repeats(plan_ctx *c, const GArray *pins)
{
    GArray *sorted = g_array_sized_new(FALSE, FALSE, sizeof(plan_pin), pins->len);
    g_array_append_vals(sorted, pins->data, pins->len);
    g_array_sort(sorted, cmp_pin);
    for (guint k = 1; k < sorted->len; k++) {
        const plan_pin *a = &g_array_index(sorted, plan_pin, k - 1);
        const plan_pin *b = &g_array_index(sorted, plan_pin, k);
        if (b->pin.program >= 0 && a->pin.day == b->pin.day && a->pin.program == b->pin.program)
            plan_error(c, b->line, "ghim trùng: ngày %s, chương trình “%s” đã ghim ở dòng %d",
                       plan_date_vn(c, b->pin.day), plan_pub(c)->programs[b->pin.program].id,
                       a->line);
    }
    g_array_unref(sorted);
}

void plan_pieces_check_pins(plan_ctx *c)
{
    for (size_t i = 0; i < c->n_items; i++) {
        const GArray *pins = c->items[i].pins;
        if (pins && plan_pub(c)->pieces[i].genre != SCHED_GENRE_JINGLE) {
            check_pin_days(c, pins);
            check_pin_repeats(c, pins);
        }
    }
}

/* ---- the month plan's items ---- */

static void fill_item(plan_ctx *c, size_t piece, sched_plan_item *it)
{
    plan_item_build *ib = &c->items[piece];
    it->piece = (uint32_t)piece;
    it->airings = ib->airings;
    it->window_from = ib->window_from;
    it->window_until = ib->window_until;
    it->communes = ib->communes;
    it->n_communes = ib->n_communes;
    ib->communes = NULL; /* the plan owns it now */
    if (ib->pins) {
        sched_pin *pins = g_new(sched_pin, ib->pins->len);
        for (guint k = 0; k < ib->pins->len; k++)
            pins[k] = g_array_index(ib->pins, plan_pin, k).pin;
        it->pins = pins;
        it->n_pins = ib->pins->len;
    }
}

void plan_pieces_to_items(plan_ctx *c)
{
    plan_owned *po = c->po;
    plan *p = &po->pub;
    size_t n = 0;
    for (size_t i = 0; i < p->n_pieces; i++)
        n += p->pieces[i].genre != SCHED_GENRE_JINGLE;
    po->items = g_new0(sched_plan_item, n);
    p->item_lines = g_new0(int, n);
    size_t k = 0;
    for (size_t i = 0; i < p->n_pieces; i++) {
        if (p->pieces[i].genre == SCHED_GENRE_JINGLE)
            continue;
        fill_item(c, i, &po->items[k]);
        p->item_lines[k++] = p->piece_lines[i];
    }
    p->month.items = po->items;
    p->month.n_items = n;
}
