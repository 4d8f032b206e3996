/* planfile: the hand-written plan format (docs/plan-format.md) → the engine's structs.
 *
 * Two passes over a context that owns everything until the plan is handed over: plan_lex.c
 * walks the lines once and keeps, per section, its key entries with their line numbers;
 * plan_build.c turns the sections into structs (plan_district.c, plan_program.c, plan_piece.c
 * hold each section's keys; plan_values.c and plan_refs.c the syntax of values and references).
 * Errors are collected by plan_diag.c rather than fatal, and sorted by line. */
#include "planfile.h"

#include "plan_internal.h"

#include <errno.h>
#include <string.h>

const char *plan_keep(plan_ctx *c, const char *s)
{
    return g_string_chunk_insert_const(c->po->strings, s);
}

static void section_free(gpointer data)
{
    plan_section *s = data;
    g_array_unref(s->entries);
    g_free(s);
}

static void ctx_init(plan_ctx *c)
{
    memset(c, 0, sizeof *c);
    plan_owned *po = g_new0(plan_owned, 1);
    po->strings = g_string_chunk_new(4096);
    for (int i = 0; i < ID_COUNT; i++)
        po->ids[i] = g_hash_table_new(g_str_hash, g_str_equal);
    c->po = po;
    c->diags = g_array_new(FALSE, FALSE, sizeof(plan_diag_rec));
    c->tmp = g_string_chunk_new(4096);
    for (int i = 0; i < SEC_COUNT; i++) {
        c->secs[i] = g_ptr_array_new_with_free_func(section_free);
        c->sec_ids[i] = g_hash_table_new(g_str_hash, g_str_equal);
    }
}

static void ctx_clear(plan_ctx *c)
{
    for (size_t i = 0; i < c->n_items; i++) {
        if (c->items[i].pins)
            g_array_unref(c->items[i].pins);
        g_free(c->items[i].communes);
    }
    g_free(c->items);
    for (int i = 0; i < SEC_COUNT; i++) {
        g_ptr_array_unref(c->secs[i]);
        g_hash_table_unref(c->sec_ids[i]);
    }
    plan_errors_free(c);
    g_string_chunk_free(c->tmp);
    plan_free(c->po ? &c->po->pub : NULL);
}

int plan_parse(const char *buf, size_t len, plan **out, plan_diags *diags)
{
    if (!out || (!buf && len))
        return -EINVAL;
    *out = NULL;
    if (diags)
        plan_diags_clear(diags);
    if (!buf)
        buf = "";
    plan_ctx c;
    ctx_init(&c);
    int rc = -EINVAL;
    if (!plan_lex(&c, buf, len) || c.dropped)
        goto out;
    plan_build(&c);
    if (c.diags->len == 0) {
        *out = &c.po->pub;
        c.po = NULL;
        rc = 0;
    }
out:
    plan_errors_take(&c, diags);
    ctx_clear(&c);
    return rc;
}

void plan_free(plan *p)
{
    if (!p)
        return;
    plan_owned *po = (plan_owned *)p;
    for (size_t i = 0; i < p->n_programs; i++)
        g_free((void *)p->programs[i].targets.ids);
    for (size_t i = 0; i < p->month.n_items; i++) {
        g_free((void *)po->items[i].pins);
        g_free((void *)po->items[i].communes);
    }
    g_free(p->programs);
    g_free(p->program_lines);
    g_free(p->pieces);
    g_free(p->piece_lines);
    g_free(p->item_lines);
    g_free(po->items);
    g_free(po->communes);
    g_free(po->boxes);
    for (int i = 0; i < ID_COUNT; i++)
        g_hash_table_unref(po->ids[i]);
    g_string_chunk_free(po->strings);
    g_free(po);
}

void plan_diags_clear(plan_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        g_free(d->items[i].message);
    g_free(d->items);
    d->items = NULL;
    d->n = 0;
}

int plan_find_program(const plan *p, const char *id)
{
    return p && id ? plan_lookup((const plan_owned *)p, ID_PROGRAM, id) : -1;
}

int plan_find_piece(const plan *p, const char *id)
{
    return p && id ? plan_lookup((const plan_owned *)p, ID_PIECE, id) : -1;
}

int plan_find_commune(const plan *p, const char *name_or_id)
{
    return p && name_or_id ? plan_lookup((const plan_owned *)p, ID_COMMUNE, name_or_id) : -1;
}

int plan_find_box(const plan *p, const char *id)
{
    return p && id ? plan_lookup((const plan_owned *)p, ID_BOX, id) : -1;
}
