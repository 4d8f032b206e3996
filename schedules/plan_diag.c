/* plan_diag: the errors found in a plan file. Collected rather than fatal, so a technician fixes
 * a file in one round; capped, so a garbage file does not bury the first, useful errors; sorted
 * by line when handed over. */
#include "plan_internal.h"

#include "vtime.h"

#include <stdarg.h>

void plan_error(plan_ctx *c, int line, const char *fmt, ...)
{
    if (c->diags->len >= MAX_DIAGS) {
        c->dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    plan_diag_rec d = {line, c->diags->len, g_strdup_vprintf(fmt, ap)};
    va_end(ap);
    g_array_append_val(c->diags, d);
}

/* Clipped, so that a 4 KiB line is not a 4 KiB message. */
const char *plan_quote(plan_ctx *c, const char *s)
{
    if (g_utf8_strlen(s, -1) <= QUOTE_CHARS)
        return s;
    char *head = g_utf8_substring(s, 0, QUOTE_CHARS - 1);
    char *clipped = g_strconcat(head, "…", NULL);
    const char *r = g_string_chunk_insert(c->tmp, clipped);
    g_free(head);
    g_free(clipped);
    return r;
}

const char *plan_sec_label(plan_ctx *c, const plan_section *s)
{
    const char *name = plan_spec(s->type)->name;
    char *t = s->id ? g_strdup_printf("[%s %s]", name, s->id) : g_strdup_printf("[%s]", name);
    const char *r = g_string_chunk_insert(c->tmp, t);
    g_free(t);
    return r;
}

const char *plan_date_vn(plan_ctx *c, int32_t day)
{
    char buf[16];
    vtime_format_date_vn(day, buf, sizeof buf);
    return g_string_chunk_insert(c->tmp, buf);
}

static int cmp_diag(const void *a, const void *b)
{
    const plan_diag_rec *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void plan_errors_take(plan_ctx *c, plan_diags *out)
{
    g_array_sort(c->diags, cmp_diag);
    if (c->dropped) {
        int last = g_array_index(c->diags, plan_diag_rec, c->diags->len - 1).line;
        plan_diag_rec d = {
            last, c->diags->len,
            g_strdup_printf("còn %u lỗi khác không liệt kê; hãy sửa các lỗi trên trước",
                            c->dropped)};
        g_array_append_val(c->diags, d);
    }
    if (!out)
        return;
    out->items = g_new0(plan_diag, c->diags->len);
    out->n = c->diags->len;
    for (guint i = 0; i < c->diags->len; i++) {
        plan_diag_rec *d = &g_array_index(c->diags, plan_diag_rec, i);
        out->items[i] = (plan_diag){d->line, d->msg};
        d->msg = NULL;
    }
}

void plan_errors_free(plan_ctx *c)
{
    for (guint i = 0; i < c->diags->len; i++)
        g_free(g_array_index(c->diags, plan_diag_rec, i).msg);
    g_array_unref(c->diags);
}
