/* plan_build: pass 2, the lexed sections → the engine's structs. Every id is indexed first, so
 * a reference may point forward in the file (a programme's intro naming a jingle declared further
 * down); then the sections are built in dependency order — district, boxes, month, pieces,
 * programmes — and the checks that span sections run last. */
#include "plan_internal.h"

/* By plan_sec_type: the order the lexer's messages list them in. */
static const plan_sec_spec *const specs[SEC_COUNT] = {
    [SEC_DISTRICT] = &plan_district_spec, [SEC_BOX] = &plan_box_spec,
    [SEC_MONTH] = &plan_month_spec,       [SEC_PROGRAM] = &plan_program_spec,
    [SEC_PIECE] = &plan_piece_spec,
};

/* Each kind of section only refers to kinds built before it (jingles: pieces before programmes). */
static const plan_sec_type build_order[] = {SEC_DISTRICT, SEC_BOX, SEC_MONTH, SEC_PIECE,
                                            SEC_PROGRAM};

const plan_sec_spec *plan_spec(plan_sec_type t)
{
    return specs[t];
}

static void run_section(plan_ctx *c, plan_section *sec, size_t idx)
{
    const plan_sec_spec *ss = specs[sec->type];
    c->sec = sec;
    c->cur = idx;
    if (ss->init)
        ss->init(c);
    for (guint i = 0; i < sec->entries->len; i++) {
        const plan_entry *e = &g_array_index(sec->entries, plan_entry, i);
        ss->keys[e->key].fn(c, e);
    }
    for (size_t k = 0; k < ss->n_keys; k++) {
        if ((ss->keys[k].flags & K_REQUIRED) && !sec->key_line[k])
            plan_error(c, sec->line, "mục %s thiếu khoá bắt buộc “%s”", plan_sec_label(c, sec),
                       ss->keys[k].name);
    }
    if (ss->post)
        ss->post(c, sec);
}

static void index_ids(plan_ctx *c, plan_sec_type t, plan_id_kind kind)
{
    for (size_t i = 0; i < c->secs[t]->len; i++)
        plan_remember(c->po, kind, plan_sec_at(c, t, i)->id, i);
}

/* Allocates the boxes, programmes and pieces (ids and lines set) and indexes their ids. */
static void register_ids(plan_ctx *c)
{
    plan_owned *po = c->po;
    plan *p = &po->pub;
    size_t nb = c->secs[SEC_BOX]->len, ng = c->secs[SEC_PROGRAM]->len;
    size_t np = c->secs[SEC_PIECE]->len;
    po->boxes = g_new0(sched_box, nb);
    p->district.boxes = po->boxes;
    p->district.n_boxes = nb;
    for (size_t i = 0; i < nb; i++)
        po->boxes[i].id = po->boxes[i].name = plan_sec_at(c, SEC_BOX, i)->id;
    p->programs = g_new0(sched_program, ng);
    p->program_lines = g_new0(int, ng);
    p->n_programs = ng;
    for (size_t i = 0; i < ng; i++) {
        p->programs[i].id = plan_sec_at(c, SEC_PROGRAM, i)->id;
        p->program_lines[i] = plan_sec_at(c, SEC_PROGRAM, i)->line;
    }
    p->pieces = g_new0(sched_piece, np);
    p->piece_lines = g_new0(int, np);
    p->n_pieces = np;
    c->items = g_new0(plan_item_build, np);
    c->n_items = np;
    for (size_t i = 0; i < np; i++) {
        p->pieces[i].id = plan_sec_at(c, SEC_PIECE, i)->id;
        p->piece_lines[i] = plan_sec_at(c, SEC_PIECE, i)->line;
    }
    index_ids(c, SEC_BOX, ID_BOX);
    index_ids(c, SEC_PROGRAM, ID_PROGRAM);
    index_ids(c, SEC_PIECE, ID_PIECE);
}

void plan_build(plan_ctx *c)
{
    register_ids(c);
    if (c->secs[SEC_DISTRICT]->len == 0)
        plan_error(c, 0, "thiếu mục [district] (tên huyện và danh sách xã, thị trấn)");
    for (size_t k = 0; k < G_N_ELEMENTS(build_order); k++) {
        plan_sec_type t = build_order[k];
        for (size_t i = 0; i < c->secs[t]->len; i++)
            run_section(c, plan_sec_at(c, t, i), i);
    }
    plan_pieces_check_pins(c);
    plan_pieces_to_items(c);
}
