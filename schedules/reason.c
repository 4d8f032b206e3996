/* reason: Vietnamese explanations of unplaced airings (see reason.h). */
#include "reason.h"

#include <stdio.h>

#include "vtime.h"

static const char *const codes[] = {
    [SCHED_REASON_NO_SLOT] = "no_slot",
    [SCHED_REASON_NO_TARGET] = "no_target",
    [SCHED_REASON_PAST] = "past",
    [SCHED_REASON_TOO_LONG] = "too_long",
    [SCHED_REASON_TOO_FEW_SLOTS] = "too_few_slots",
    [SCHED_REASON_FULL] = "full",
    [SCHED_REASON_PIN_NO_SLOT] = "pin_no_slot",
    [SCHED_REASON_PIN_PAST] = "pin_past",
    [SCHED_REASON_PIN_FULL] = "pin_full",
    [SCHED_REASON_PIN_NO_TARGET] = "pin_no_target",
    [SCHED_REASON_PIN_TWICE] = "pin_twice",
};

const char *sched_reason_code(sched_reason r)
{
    return (unsigned)r < G_N_ELEMENTS(codes) ? codes[r] : "unknown";
}

/* "14 phút", "3 phút 30 giây", "45 giây" (seconds rounded up). */
static void minutes_vn(int64_t ms, char *buf, size_t len)
{
    int64_t s = (ms + 999) / 1000;
    if (s < 60)
        snprintf(buf, len, "%lld giây", (long long)s);
    else if (s % 60 == 0)
        snprintf(buf, len, "%lld phút", (long long)(s / 60));
    else
        snprintf(buf, len, "%lld phút %lld giây", (long long)(s / 60), (long long)(s % 60));
}

/* "khung “Bản tin sáng” ngày 22/12/2026", or "các khung ngày …" for a pin to any slot. */
static void pinned_slot_vn(const sched_unplaced *u, const sched_input *in, char *buf, size_t len)
{
    char date[16];
    vtime_format_date_vn(u->day, date, sizeof date);
    if (u->program >= 0 && (size_t)u->program < in->n_programs)
        snprintf(buf, len, "khung “%s” ngày %s", in->programs[u->program].title, date);
    else
        snprintf(buf, len, "các khung giờ ngày %s", date);
}

static void no_slot_vn(const sched_unplaced *u, char *buf, size_t len)
{
    char from[16], until[16];
    if (u->a > u->b) {
        snprintf(buf, len, "khoảng ngày cho phép nằm ngoài tháng");
        return;
    }
    vtime_format_date_vn((int32_t)u->a, from, sizeof from);
    vtime_format_date_vn((int32_t)u->b, until, sizeof until);
    snprintf(buf, len, "không có khung giờ phát nào từ %s đến %s", from, until);
}

void sched_reason_text(const sched_unplaced *u, const sched_input *in, char *buf, size_t len)
{
    char x[48], y[48], where[160];
    switch (u->reason) {
    case SCHED_REASON_NO_SLOT:
        no_slot_vn(u, buf, len);
        return;
    case SCHED_REASON_NO_TARGET:
        snprintf(buf, len, "không chương trình nào phát tới các xã đã chọn cho tin bài này");
        return;
    case SCHED_REASON_PAST:
        snprintf(buf, len, "mọi khung giờ phù hợp trong tháng đều đã qua");
        return;
    case SCHED_REASON_TOO_LONG:
        minutes_vn(u->a, x, sizeof x);
        minutes_vn(u->b, y, sizeof y);
        snprintf(buf, len, "tin bài dài %s, vượt khung giờ dài nhất có thể dùng (%s)", x, y);
        return;
    case SCHED_REASON_TOO_FEW_SLOTS:
        snprintf(buf, len,
                 "chỉ có %lld khung giờ phù hợp, cần %lld lần phát (mỗi khung phát một tin bài "
                 "tối đa một lần)",
                 (long long)u->a, (long long)u->b);
        return;
    case SCHED_REASON_FULL:
        minutes_vn(u->a, x, sizeof x);
        minutes_vn(u->b, y, sizeof y);
        snprintf(buf, len,
                 "các khung giờ phù hợp đã đầy: cần thêm %s cho %u lần phát, chỉ còn trống %s "
                 "rải rác",
                 x, u->missing, y);
        return;
    default:
        break;
    }
    pinned_slot_vn(u, in, where, sizeof where);
    switch (u->reason) {
    case SCHED_REASON_PIN_NO_SLOT:
        snprintf(buf, len, "không có %s (ngày ghim không có khung giờ này)", where);
        return;
    case SCHED_REASON_PIN_PAST:
        snprintf(buf, len, "%s đã qua", where);
        return;
    case SCHED_REASON_PIN_FULL:
        minutes_vn(u->a, x, sizeof x);
        minutes_vn(u->b, y, sizeof y);
        snprintf(buf, len, "%s đã đầy: còn trống %s, cần %s", where, x, y);
        return;
    case SCHED_REASON_PIN_NO_TARGET:
        snprintf(buf, len, "%s không phát tới các xã đã chọn cho tin bài này", where);
        return;
    case SCHED_REASON_PIN_TWICE:
        snprintf(buf, len, "%s đã được ghim cho tin bài này một lần", where);
        return;
    default:
        snprintf(buf, len, "lý do không xác định");
    }
}
