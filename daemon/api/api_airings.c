/* api_airings: GET /api/v1/airings, what is published for a range of local days: the
 * operator's "today and this week", "what played yesterday" (with plays=1) and the evidence
 * behind the reports. Operators only ever see their own commune. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "api_internal.h"
#include "store_airings.h"
#include "store_communes.h"
#include "vtime.h"

#define MAX_DAYS 92

/* "YYYY-MM-DD" plus `add` days → that local midnight as an instant. */
static int local_day(const char *s, int add, int64_t *ms)
{
    int y, m, d;
    char tail;
    /* Digits where digits belong: sscanf alone takes "2026-+1-01" or "2026- 1-01". */
    for (int i = 0; s && i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !g_ascii_isdigit(s[i]))
            return -EINVAL;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
        !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
        return -EINVAL;
    GDate *date = g_date_new_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y);
    g_date_add_days(date, (guint)add);
    int rc = vtime_local_to_utc(vtime_zone(), g_date_get_year(date), g_date_get_month(date),
                                g_date_get_day(date), 0, 0, 0, ms);
    g_date_free(date);
    return rc;
}

static int airings_get(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    store_airing_query q = {0};
    json_t *out = NULL;
    const char *from = http_query(r, "from"), *to = http_query(r, "to");
    const char *commune = http_query(r, "commune"), *plays = http_query(r, "plays");
    if (api_user_require(r, a, API_EVERYONE, &u) != 0)
        return 0;
    /* `to` is inclusive. */
    if (local_day(from, 0, &q.from_ms) != 0 || local_day(to ? to : from, 1, &q.until_ms) != 0)
        return http_reply_error(r, 400, "invalid_query",
                                "Tham số from và to phải là ngày dạng YYYY-MM-DD.");
    if (q.until_ms <= q.from_ms || q.until_ms - q.from_ms > MAX_DAYS * 86400000LL)
        return http_reply_error(r, 400, "invalid_query",
                                "Khoảng ngày không hợp lệ (tối đa %d ngày).", MAX_DAYS);
    q.with_plays = plays && !strcmp(plays, "1");
    if (commune) {
        int rc = store_commune_find(a->db, commune, &q.commune_id);
        if (rc != 0)
            return api_fail(r, a, rc, "xã");
    }
    if (u.u.role == STORE_ROLE_OPERATOR) {
        if (commune && q.commune_id != u.u.commune_id)
            return http_reply_error(r, 403, "forbidden", "Bạn chỉ xem được xã của mình.");
        q.commune_id = u.u.commune_id;
    }
    int rc = store_airings_list(a->db, &q, &out);
    if (rc != 0)
        return api_fail(r, a, rc, "lịch phát");
    return http_reply_json(r, 200, out);
}

static const http_route ROUTES[] = {
    {"GET", "/api/v1/airings", airings_get, 0, NULL, NULL},
};

int api_routes_airings(api *a)
{
    return http_server_add_routes(a->http, ROUTES, G_N_ELEMENTS(ROUTES), a);
}
