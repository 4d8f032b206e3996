/* plan_district: the keys of [district] (its name, zone and communes), [box ID] (a loudspeaker
 * cluster of one commune) and [month] (the month the plan is for and its theme). Built first:
 * the other sections refer to the communes, and bare days ("22") need the month. */
#include "plan_internal.h"

#include "vtime.h"

/* ---- [district] ---- */

static void district_name(plan_ctx *c, const plan_entry *e)
{
    plan_pub(c)->district_name = (char *)plan_keep(c, e->value);
}

static void district_timezone(plan_ctx *c, const plan_entry *e)
{
    plan_pub(c)->timezone = (char *)plan_keep(c, e->value);
}

static void district_communes(plan_ctx *c, const plan_entry *e)
{
    if (!*e->value) {
        plan_error(c, e->line,
                   "huyện chưa có xã nào: “communes” cần tên các xã, thị trấn, cách nhau "
                   "bởi dấu phẩy");
        return;
    }
    GPtrArray *names = plan_split_list(c, e);
    if (!names)
        return;
    plan_owned *po = c->po;
    po->communes = g_new0(sched_commune, names->len);
    size_t n = 0;
    for (guint i = 0; i < names->len; i++) {
        const char *name = plan_keep(c, names->pdata[i]);
        if (plan_lookup(po, ID_COMMUNE, name) >= 0) {
            plan_error(c, e->line, "xã “%s” lặp lại trong danh sách “communes”",
                       plan_quote(c, name));
            continue;
        }
        po->communes[n] = (sched_commune){.id = name, .name = name};
        plan_remember(po, ID_COMMUNE, name, n);
        n++;
    }
    g_ptr_array_unref(names);
    plan_pub(c)->district.communes = po->communes;
    plan_pub(c)->district.n_communes = n;
    c->have_communes = n > 0;
}

static const plan_key_spec district_keys[] = {
    {"name", K_REQUIRED, district_name},
    {"timezone", 0, district_timezone},
    {"communes", K_REQUIRED | K_LIST, district_communes},
};

const plan_sec_spec plan_district_spec = {
    "district", false, district_keys, G_N_ELEMENTS(district_keys), NULL, NULL,
};

/* ---- [box ID] ---- */

static sched_box *cur_box(plan_ctx *c)
{
    return &c->po->boxes[c->cur];
}

static void box_name(plan_ctx *c, const plan_entry *e)
{
    cur_box(c)->name = plan_keep(c, e->value);
}

static void box_commune(plan_ctx *c, const plan_entry *e)
{
    int idx = plan_resolve(c, e->line, ID_COMMUNE, e->value);
    if (idx >= 0)
        cur_box(c)->commune = (uint32_t)idx;
}

static const plan_key_spec box_keys[] = {
    {"name", 0, box_name},
    {"commune", K_REQUIRED, box_commune},
};

const plan_sec_spec plan_box_spec = {
    "box", true, box_keys, G_N_ELEMENTS(box_keys), NULL, NULL,
};

/* ---- [month] ---- */

static void month_init(plan_ctx *c)
{
    c->month = MONTH_BAD; /* until its month key parses: no "[month] missing" echoes */
}

static void month_month(plan_ctx *c, const plan_entry *e)
{
    int y, m;
    /* 9999-12 too: the fill needs the day after the month, and the calendar has none. */
    if (vtime_parse_month(e->value, &y, &m) != 0 || (y == 9999 && m == 12) ||
        vtime_day_from_civil(y, m, 1, &c->month_first) != 0) {
        plan_error(c, e->line, "tháng không hợp lệ “%s”: dùng YYYY-MM (ví dụ 2026-12)",
                   plan_quote(c, e->value));
        return;
    }
    c->month_last = c->month_first + vtime_days_in_month(y, m) - 1;
    c->month = MONTH_OK;
    plan_pub(c)->has_month = true;
    plan_pub(c)->month.year = y;
    plan_pub(c)->month.month = m;
}

static void month_theme(plan_ctx *c, const plan_entry *e)
{
    plan_pub(c)->month.theme = plan_keep(c, e->value);
}

static const plan_key_spec month_keys[] = {
    {"month", K_REQUIRED, month_month},
    {"theme", K_TEXT, month_theme},
};

const plan_sec_spec plan_month_spec = {
    "month", false, month_keys, G_N_ELEMENTS(month_keys), month_init, NULL,
};
