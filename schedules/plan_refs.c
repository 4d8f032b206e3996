/* plan_refs: the ids and names a plan file declares (communes, boxes, programmes, pieces) and
 * the references to them from values. Every id is indexed before pass 2 builds anything, so a
 * reference may point forward in the file. */
#include "plan_internal.h"

#include <stdlib.h>

int plan_lookup(const plan_owned *po, plan_id_kind kind, const char *id)
{
    gpointer v = g_hash_table_lookup(po->ids[kind], id);
    return v ? GPOINTER_TO_INT(v) - 1 : -1;
}

/* id must live as long as the plan (plan_keep). */
void plan_remember(plan_owned *po, plan_id_kind kind, const char *id, size_t idx)
{
    g_hash_table_insert(po->ids[kind], (gpointer)id, GSIZE_TO_POINTER(idx + 1));
}

int plan_resolve(plan_ctx *c, int line, plan_id_kind kind, const char *name)
{
    int idx = plan_lookup(c->po, kind, name);
    if (idx >= 0)
        return idx;
    const char *n = plan_quote(c, name);
    switch (kind) {
    case ID_COMMUNE:
        if (c->have_communes)
            plan_error(c, line, "không có xã “%s” trong danh sách “communes” của [district]", n);
        break;
    case ID_BOX:
        plan_error(c, line, "không có cụm loa “%s”: chưa khai báo [box %s]", n, n);
        break;
    case ID_PROGRAM:
        plan_error(c, line, "không có chương trình “%s”: chưa khai báo [program %s]", n, n);
        break;
    case ID_PIECE:
    case ID_COUNT:
        plan_error(c, line, "không có tin bài “%s”: chưa khai báo [piece %s]", n, n);
        break;
    }
    return -1;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static const char *id_name(plan_ctx *c, plan_id_kind kind, uint32_t idx)
{
    return kind == ID_COMMUNE ? c->po->communes[idx].name : c->po->boxes[idx].id;
}

/* A name listed twice is reported, once per name: it is a typo more often than not. */
static bool report_repeats(plan_ctx *c, const plan_entry *e, plan_id_kind kind, const uint32_t *ids,
                           size_t n)
{
    bool ok = true;
    for (size_t i = 1; i < n; i++) {
        if (ids[i] == ids[i - 1] && (i < 2 || ids[i] != ids[i - 2])) {
            plan_error(c, e->line, "“%s” lặp lại trong danh sách “%s”",
                       plan_quote(c, id_name(c, kind, ids[i])), e->name);
            ok = false;
        }
    }
    return ok;
}

bool plan_resolve_list(plan_ctx *c, const plan_entry *e, plan_id_kind kind, uint32_t **ids_out,
                       size_t *n_out)
{
    GPtrArray *names = plan_split_list(c, e);
    if (!names)
        return false;
    uint32_t *ids = g_new(uint32_t, names->len);
    size_t n = 0;
    bool ok = true;
    for (guint i = 0; i < names->len; i++) {
        int idx = plan_resolve(c, e->line, kind, names->pdata[i]);
        if (idx < 0)
            ok = false;
        else
            ids[n++] = (uint32_t)idx;
    }
    g_ptr_array_unref(names);
    qsort(ids, n, sizeof *ids, cmp_u32);
    if (!report_repeats(c, e, kind, ids, n) || !ok) {
        g_free(ids);
        return false;
    }
    *ids_out = ids;
    *n_out = n;
    return true;
}
