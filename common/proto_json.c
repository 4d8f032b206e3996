/* proto_json: the field checks every box-protocol decoder shares, and the value builders the
 * encoders share. See proto_json.h for the calling pattern. */
#include "proto_json.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "hash.h"
#include "vtime.h"

int pj_fail(char *err, const char *path, const char *key, const char *fmt, ...)
{
    char msg[PROTO_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    g_vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    bool has_path = path && path[0];
    bool has_key = key && key[0];
    g_snprintf(err, PROTO_ERR_MAX, "%s%s%s%s%s", has_path ? path : "",
               has_path && has_key ? "." : "", has_key ? key : "", has_path || has_key ? ": " : "",
               msg);
    return -EINVAL;
}

int pj_members(const json_t *j, const char *path, char *err, const char *fmt, ...)
{
    if (!json_is_object(j))
        return pj_fail(err, path, NULL, "must be a JSON object");
    json_error_t jerr;
    va_list ap;
    va_start(ap, fmt);
    /* Only "s?o" formats reach here, so this can fail only on a malformed format string. */
    int rc = json_vunpack_ex((json_t *)j, &jerr, 0, fmt, ap);
    va_end(ap);
    if (rc != 0)
        return pj_fail(err, path, NULL, "%s", jerr.text);
    return 0;
}

/* Bytes that would corrupt a log line, a CSV cell or a terminal: C0 controls, DEL, and the
 * UTF-8 form of C1 controls (U+0080…U+009F, i.e. C2 80…C2 9F). */
static bool has_control(const char *s, size_t len, bool allow_nl_tab)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (allow_nl_tab && (c == '\n' || c == '\t'))
            continue;
        if (c < 0x20 || c == 0x7f)
            return true;
        if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9f)
            return true;
    }
    return false;
}

static bool is_id_char(char c)
{
    return g_ascii_isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
}

static int check_kind(const char *s, size_t len, const char *path, const char *key, pj_rule rule,
                      char *err)
{
    switch (rule.kind) {
    case PJ_SHA256:
        /* len == strlen(s) also rules out an embedded NUL hiding a longer value. */
        if (len != strlen(s) || !hash_is_sha256_hex(s))
            return pj_fail(err, path, key, "not a sha256 (64 lowercase hex digits)");
        return 0;
    case PJ_ID:
        if (len == 0)
            return pj_fail(err, path, key, "must not be empty");
        if (len > rule.max)
            return pj_fail(err, path, key, "longer than %zu bytes", rule.max);
        for (size_t i = 0; i < len; i++)
            if (!is_id_char(s[i]))
                return pj_fail(err, path, key, "not an id (only A-Z a-z 0-9 . _ : - allowed)");
        return 0;
    case PJ_LINE:
    case PJ_TEXT:
        if (len > rule.max)
            return pj_fail(err, path, key, "longer than %zu bytes", rule.max);
        if (has_control(s, len, rule.kind == PJ_TEXT))
            return pj_fail(err, path, key, "contains a control character");
        return 0;
    }
    return pj_fail(err, path, key, "unknown string rule");
}

int pj_string_ref(const json_t *v, const char *path, const char *key, pj_rule rule,
                  const char **out, char *err)
{
    *out = NULL;
    if (!v) {
        if (rule.flags & PJ_OPTIONAL)
            return 0;
        return pj_fail(err, path, key, "missing");
    }
    if (json_is_null(v) && (rule.flags & PJ_NULLABLE))
        return 0;
    if (!json_is_string(v))
        return pj_fail(err, path, key,
                       (rule.flags & PJ_NULLABLE) ? "must be a string or null"
                                                  : "must be a string");
    const char *s = json_string_value(v);
    int rc = check_kind(s, json_string_length(v), path, key, rule, err);
    if (rc == 0)
        *out = s;
    return rc;
}

int pj_string(const json_t *v, const char *path, const char *key, pj_rule rule, char **out,
              char *err)
{
    const char *s = NULL;
    *out = NULL;
    int rc = pj_string_ref(v, path, key, rule, &s, err);
    if (rc == 0 && s)
        *out = g_strdup(s);
    return rc;
}

int pj_string_buf(const json_t *v, const char *path, const char *key, pj_rule rule, char *out,
                  char *err)
{
    const char *s = NULL;
    rule.flags = PJ_REQUIRED;
    int rc = pj_string_ref(v, path, key, rule, &s, err);
    if (rc == 0)
        g_strlcpy(out, s, rule.max + 1);
    return rc;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g_free(v[i]);
    g_free(v);
}

int pj_strings(const json_t *v, const char *path, const char *key, pj_rule rule, char ***out,
               size_t *n, char *err)
{
    size_t len = 0;
    int rc = pj_array(v, path, key, &len, err);
    if (rc != 0)
        return rc;
    char **strs = g_new0(char *, len + 1);
    char where[PJ_PATH_MAX];
    rule.flags = PJ_REQUIRED;
    for (size_t i = 0; i < len && rc == 0; i++) {
        pj_index(where, path, key, i);
        rc = pj_string(json_array_get(v, i), where, NULL, rule, &strs[i], err);
    }
    if (rc != 0) {
        free_strings(strs, len);
        return rc;
    }
    *out = strs;
    *n = len;
    return 0;
}

int pj_int(const json_t *v, const char *path, const char *key, int64_t min, int64_t max,
           int64_t *out, char *err)
{
    if (!v)
        return pj_fail(err, path, key, "missing");
    json_int_t x = json_is_integer(v) ? json_integer_value(v) : 0;
    if (json_is_integer(v) && x >= min && x <= max) {
        *out = (int64_t)x;
        return 0;
    }
    if (max == INT64_MAX)
        return pj_fail(err, path, key, "must be an integer ≥ %" G_GINT64_FORMAT, min);
    return pj_fail(err, path, key, "must be an integer in %" G_GINT64_FORMAT "…%" G_GINT64_FORMAT,
                   min, max);
}

int pj_int_small(const json_t *v, const char *path, const char *key, int min, int max, int *out,
                 char *err)
{
    int64_t x = 0;
    int rc = pj_int(v, path, key, min, max, &x, err);
    if (rc == 0)
        *out = (int)x;
    return rc;
}

int pj_time(const json_t *v, const char *path, const char *key, int64_t *out, char *err)
{
    if (!v)
        return pj_fail(err, path, key, "missing");
    if (!json_is_string(v))
        return pj_fail(err, path, key, "must be a string (RFC 3339 time)");
    const char *s = json_string_value(v);
    int64_t ms;
    /* Nothing longer than this is a sane RFC 3339 time; keeps the parser's input small. */
    if (json_string_length(v) > 64 || json_string_length(v) != strlen(s) ||
        vtime_parse_rfc3339(s, &ms) != 0)
        return pj_fail(err, path, key, "not an RFC 3339 time with offset");
    /* "9999-12-31T23:00:00Z" is valid text, but in Vietnam it is already year 10000: the
     * encoders could not write it back. */
    if (!vtime_instant_writable(ms))
        return pj_fail(err, path, key, "outside 0001-01-02 … 9999-12-30 (UTC)");
    *out = ms;
    return 0;
}

int pj_array(const json_t *v, const char *path, const char *key, size_t *n, char *err)
{
    if (!v)
        return pj_fail(err, path, key, "missing");
    if (!json_is_array(v))
        return pj_fail(err, path, key, "must be an array");
    *n = json_array_size(v);
    if (*n > PROTO_MAX_ITEMS)
        return pj_fail(err, path, key, "more than %d items", PROTO_MAX_ITEMS);
    return 0;
}

void pj_index(char *buf, const char *path, const char *key, size_t i)
{
    bool has_path = path && path[0];
    bool has_key = key && key[0];
    g_snprintf(buf, PJ_PATH_MAX, "%s%s%s[%zu]", has_path ? path : "",
               has_path && has_key ? "." : "", has_key ? key : "", i);
}

json_t *pj_jstring(const char *s)
{
    return json_string(s ? s : "");
}

json_t *pj_jnullable(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *pj_jint(int64_t v)
{
    return json_integer((json_int_t)v);
}

json_t *pj_jtime(int64_t ms, GTimeZone *tz)
{
    char buf[VTIME_RFC3339_MAX];
    if (vtime_format_rfc3339(ms, tz, buf) != 0)
        return NULL;
    return json_string(buf);
}

json_t *pj_jstrings(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        if (json_array_append_new(a, pj_jstring(v[i])) != 0) {
            json_decref(a);
            a = NULL;
        }
    }
    return a;
}
