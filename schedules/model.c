/* model: names of the model's enums and the structural check of an engine input. */
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "targets.h"

static const char *const genre_names[SCHED_GENRE_COUNT] = {"news", "article", "report", "interview",
                                                           "jingle"};
static const char *const genre_labels[SCHED_GENRE_COUNT] = {"Tin", "Bài", "Phóng sự", "Phỏng vấn",
                                                            "Nhạc hiệu"};
static const char *const prio_names[] = {"normal", "priority", "emergency"};
static const char *const prio_labels[] = {"Thường", "Ưu tiên", "Khẩn cấp"};

const char *sched_genre_name(sched_genre g)
{
    return (unsigned)g < SCHED_GENRE_COUNT ? genre_names[g] : "?";
}

const char *sched_genre_label_vn(sched_genre g)
{
    return (unsigned)g < SCHED_GENRE_COUNT ? genre_labels[g] : "?";
}

int sched_genre_parse(const char *s, sched_genre *out)
{
    for (int i = 0; i < SCHED_GENRE_COUNT; i++) {
        if (strcmp(s, genre_names[i]) == 0) {
            *out = (sched_genre)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *sched_priority_name(sched_priority p)
{
    return (unsigned)p <= SCHED_PRIO_EMERGENCY ? prio_names[p] : "?";
}

const char *sched_priority_label_vn(sched_priority p)
{
    return (unsigned)p <= SCHED_PRIO_EMERGENCY ? prio_labels[p] : "?";
}

int sched_priority_parse(const char *s, sched_priority *out)
{
    for (int i = 0; i <= SCHED_PRIO_EMERGENCY; i++) {
        if (strcmp(s, prio_names[i]) == 0) {
            *out = (sched_priority)i;
            return 0;
        }
    }
    return -EINVAL;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        if (err)                                                                                   \
            snprintf(err, err_len, __VA_ARGS__);                                                   \
        return -EINVAL;                                                                            \
    } while (0)

static int check_targets(const sched_district *d, const sched_targets *t)
{
    switch (t->kind) {
    case SCHED_TARGET_ALL:
        return 0;
    case SCHED_TARGET_COMMUNES:
        return t->n > 0 && sched_ids_valid(t->ids, t->n, d->n_communes) ? 0 : -EINVAL;
    case SCHED_TARGET_BOXES:
        return t->n > 0 && sched_ids_valid(t->ids, t->n, d->n_boxes) ? 0 : -EINVAL;
    }
    return -EINVAL;
}

static bool jingle_ok(const sched_input *in, int32_t idx)
{
    return idx == -1 ||
           (idx >= 0 && (size_t)idx < in->n_pieces && in->pieces[idx].genre == SCHED_GENRE_JINGLE);
}

static int check_programs(const sched_input *in, char *err, size_t err_len)
{
    for (size_t i = 0; i < in->n_programs; i++) {
        const sched_program *p = &in->programs[i];
        if (p->weekdays == 0 || p->weekdays > 0x7f)
            FAIL("program %zu: no weekday", i);
        if (p->start_s < 0 || p->start_s >= 86400 || p->length_s < 60 || p->length_s > 86400)
            FAIL("program %zu: start or length out of range", i);
        if (p->valid_from > p->valid_until)
            FAIL("program %zu: validity ends before it starts", i);
        if (check_targets(in->district, &p->targets) != 0)
            FAIL("program %zu: bad targets", i);
        if (!jingle_ok(in, p->intro) || !jingle_ok(in, p->outro))
            FAIL("program %zu: intro/outro is not a jingle", i);
        int64_t jingles = (p->intro >= 0 ? in->pieces[p->intro].duration_ms : 0) +
                          (p->outro >= 0 ? in->pieces[p->outro].duration_ms : 0);
        if (jingles >= p->length_s * 1000LL)
            FAIL("program %zu: its jingles fill the whole slot", i);
    }
    return 0;
}

static int check_pieces(const sched_input *in, char *err, size_t err_len)
{
    const sched_district *d = in->district;
    for (size_t i = 0; i < d->n_boxes; i++) {
        if (d->boxes[i].commune >= d->n_communes)
            FAIL("box %zu: commune out of range", i);
    }
    for (size_t i = 0; i < in->n_pieces; i++) {
        const sched_piece *p = &in->pieces[i];
        if ((unsigned)p->genre >= SCHED_GENRE_COUNT || p->duration_ms <= 0)
            FAIL("piece %zu: bad genre or duration", i);
        if (p->commune < -1 || (p->commune >= 0 && (size_t)p->commune >= d->n_communes))
            FAIL("piece %zu: commune out of range", i);
        if ((unsigned)p->priority > SCHED_PRIO_EMERGENCY)
            FAIL("piece %zu: bad priority", i);
    }
    return 0;
}

/* Index of the first item whose piece an earlier item already has, or n_items. A piece
 * chosen twice would make the fill place it twice in one slot. */
static size_t first_repeated_piece(const sched_input *in)
{
    const sched_month_plan *m = in->plan;
    bool *seen = g_new0(bool, in->n_pieces + 1);
    size_t i = 0;
    for (; i < m->n_items; i++) {
        uint32_t p = m->items[i].piece;
        if (p < in->n_pieces && seen[p])
            break;
        if (p < in->n_pieces)
            seen[p] = true;
    }
    g_free(seen);
    return i;
}

static int check_plan(const sched_input *in, char *err, size_t err_len)
{
    const sched_month_plan *m = in->plan;
    /* The fill needs the day after the month: 9999-12 has none in the calendar. */
    if (m->month < 1 || m->month > 12 || m->year < 1900 || m->year > 9999 ||
        (m->year == 9999 && m->month == 12))
        FAIL("plan: bad month %d-%d", m->year, m->month);
    for (size_t i = 0; i < m->n_items; i++) {
        const sched_plan_item *it = &m->items[i];
        if (it->piece >= in->n_pieces || in->pieces[it->piece].genre == SCHED_GENRE_JINGLE)
            FAIL("item %zu: piece out of range or a jingle", i);
        if (it->window_from > it->window_until)
            FAIL("item %zu: window ends before it starts", i);
        if (!sched_ids_valid(it->communes, it->n_communes, in->district->n_communes))
            FAIL("item %zu: communes not increasing or out of range", i);
        for (size_t k = 0; k < it->n_pins; k++) {
            int32_t prog = it->pins[k].program;
            if (prog < -1 || (prog >= 0 && (size_t)prog >= in->n_programs))
                FAIL("item %zu: pin %zu names no program", i, k);
        }
    }
    size_t dup = first_repeated_piece(in);
    if (dup < m->n_items)
        FAIL("item %zu: its piece is already in the plan", dup);
    return 0;
}

int sched_input_validate(const sched_input *in, char *err, size_t err_len)
{
    if (!in || !in->district || !in->tz || !in->plan || (in->n_programs && !in->programs) ||
        (in->n_pieces && !in->pieces))
        FAIL("input: missing district, zone, plan or arrays");
    int rc = check_programs(in, err, err_len);
    if (rc == 0)
        rc = check_pieces(in, err, err_len);
    if (rc == 0)
        rc = check_plan(in, err, err_len);
    return rc;
}
