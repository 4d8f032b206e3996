/* api_reports: the airtime report (docs/architecture.md §6) for a month, quarter or year, as JSON
 * or as CSV (UTF-8 with BOM, for Excel). A year with its evidence takes seconds, so the report is
 * built in the thread pool on a connection of its own (SQLite connections are not shared
 * across threads), never on the loop. */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "log.h"
#include "report.h"
#include "vtime.h"

#define READERS (API_ADMIN | API_TECH | API_APPROVER)

typedef enum report_format { FMT_JSON, FMT_CSV, FMT_EVIDENCE_CSV } report_format;

typedef struct report_job {
    api *a;
    report_period period;
    report_opts opts;
    report_format format;
    json_t *json;
    char *csv;
    size_t csv_len;
    char err[STORE_ERR_MAX];
} report_job;

static int build(void *arg)
{
    report_job *j = arg;
    store *s = NULL;
    int rc = store_open(j->a->data_dir, &s, j->err, sizeof j->err);
    if (rc != 0)
        return rc;
    rc = report_build(s, &j->period, &j->opts, &j->json);
    if (rc != 0)
        g_strlcpy(j->err, store_errmsg(s), sizeof j->err);
    if (rc == 0 && j->format == FMT_CSV)
        rc = report_csv(j->json, &j->csv, &j->csv_len);
    else if (rc == 0 && j->format == FMT_EVIDENCE_CSV)
        rc = report_evidence_csv(j->json, j->opts.tz, &j->csv, &j->csv_len);
    store_close(s);
    return rc;
}

static void built(http_req *r, void *arg, int status)
{
    report_job *j = arg;
    char disposition[96];
    if (status == -ENOENT) {
        http_reply_error(r, 404, "not_found", "Không tìm thấy hợp đồng.");
    } else if (status != 0) {
        log_error("report %s: %s (%d)", j->period.text, j->err, status);
        http_reply_error(r, 500, "internal", "Không lập được báo cáo.");
    } else if (j->format == FMT_JSON) {
        http_reply_json(r, 200, j->json);
        j->json = NULL;
    } else {
        g_snprintf(disposition, sizeof disposition, "attachment; filename=\"bao-cao-%s%s.csv\"",
                   j->period.text, j->format == FMT_EVIDENCE_CSV ? "-bang-chung" : "");
        http_add_header(r, "Content-Disposition", disposition);
        http_reply_buf(r, 200, "text/csv; charset=utf-8", j->csv, j->csv_len);
    }
    json_decref(j->json);
    free(j->csv);
    free(j);
}

static int report_get(http_req *r, void *ud)
{
    api *a = ud;
    api_user u;
    const char *format = http_query(r, "format"), *contract = http_query(r, "contract");
    const char *evidence = http_query(r, "evidence");
    if (api_user_require(r, a, READERS, &u) != 0)
        return 0;
    report_job *j = calloc(1, sizeof *j);
    if (!j)
        return -ENOMEM;
    j->a = a;
    j->opts.tz = vtime_zone();
    j->opts.evidence = evidence && !strcmp(evidence, "1");
    if (!format || !strcmp(format, "json"))
        j->format = FMT_JSON;
    else if (!strcmp(format, "csv"))
        j->format = FMT_CSV;
    else if (!strcmp(format, "evidence-csv"))
        j->format = FMT_EVIDENCE_CSV, j->opts.evidence = true;
    else
        goto bad_query;
    if (contract) {
        char *end = NULL;
        j->opts.contract_id = g_ascii_strtoll(contract, &end, 10);
        if (!*contract || *end || j->opts.contract_id <= 0)
            goto bad_query;
    }
    if (report_period_parse(http_param(r, "period"), &j->period) != 0) {
        free(j);
        return http_reply_error(
            r, 400, "bad_period",
            "Kỳ báo cáo phải là tháng (2026-12), quý (2026-Q4) hoặc năm (2026).");
    }
    /* the report queue frees j (nothing built yet) if it never runs */
    return http_queue_defer(a->reports, r, build, built, free, j);
bad_query:
    free(j);
    return http_reply_error(r, 400, "invalid_query",
                            "Tham số format phải là json, csv hoặc evidence-csv; contract là số.");
}

static const http_route ROUTES[] = {
    {"GET", "/api/v1/reports/:period", report_get, 0, NULL, NULL},
};

int api_routes_reports(api *a)
{
    return http_server_add_routes(a->http, ROUTES, G_N_ELEMENTS(ROUTES), a);
}
