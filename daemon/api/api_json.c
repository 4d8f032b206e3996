/* api_json: request-body field readers with Vietnamese 400 replies (api_internal.h). */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "api_internal.h"
#include "vtime.h"

/* r NULL: validation only, no reply (the fuzz target runs the readers without HTTP). */
static int bad(http_req *r, const char *key, const char *what)
{
    if (r)
        http_reply_error(r, 400, "invalid_field", "Trường \"%s\" %s.", key, what);
    return -EINVAL;
}

int aj_object(http_req *r, json_t **out)
{
    json_t *j = NULL;
    if (http_body_json(r, &j) != 0)
        return -EINVAL;
    if (!json_is_object(j)) {
        json_decref(j);
        http_reply_error(r, 400, "bad_json", "Nội dung yêu cầu phải là một đối tượng JSON.");
        return -EINVAL;
    }
    *out = j;
    return 0;
}

static bool text_ok(const char *s)
{
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c < 0x20 || (c >= 0x7f && c < 0xa0))
            return false;
    }
    return true;
}

int aj_str(http_req *r, const json_t *o, const char *key, unsigned flags, size_t max,
           const char **out)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return (flags & AJ_OPTIONAL) ? 0 : bad(r, key, "là bắt buộc");
    if (json_is_null(v) && (flags & AJ_NULLABLE)) {
        *out = NULL;
        return 0;
    }
    if (!json_is_string(v))
        return bad(r, key, "phải là chuỗi ký tự");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n > max || strlen(s) != n)
        return bad(r, key, "có độ dài không hợp lệ");
    if (!g_utf8_validate(s, (gssize)n, NULL) || !text_ok(s))
        return bad(r, key, "chứa ký tự không hợp lệ");
    *out = s;
    return 0;
}

int aj_int(http_req *r, const json_t *o, const char *key, unsigned flags, int64_t min, int64_t max,
           int64_t *out)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return (flags & AJ_OPTIONAL) ? 0 : bad(r, key, "là bắt buộc");
    if (!json_is_integer(v))
        return bad(r, key, "phải là số nguyên");
    json_int_t n = json_integer_value(v);
    if (n < min || n > max) {
        char what[96];
        g_snprintf(what, sizeof what,
                   "phải nằm trong khoảng %" G_GINT64_FORMAT " … %" G_GINT64_FORMAT, min, max);
        return bad(r, key, what);
    }
    *out = n;
    return 0;
}

int aj_bool(http_req *r, const json_t *o, const char *key, unsigned flags, bool *out)
{
    const json_t *v = json_object_get(o, key);
    if (!v)
        return (flags & AJ_OPTIONAL) ? 0 : bad(r, key, "là bắt buộc");
    if (!json_is_boolean(v))
        return bad(r, key, "phải là true hoặc false");
    *out = json_is_true(v);
    return 0;
}

json_t *aj_time(int64_t ms)
{
    char buf[VTIME_RFC3339_MAX];
    if (ms == 0 || vtime_format_rfc3339(ms, vtime_zone(), buf) != 0)
        return json_null();
    return json_string(buf);
}
