/* plan_lex: pass 1 over a plan file. Walks the lines once and keeps, per section, its key
 * entries with their line numbers (values trimmed and NFC). Reports what is wrong with a line on
 * its own: encoding, syntax, unknown or duplicate sections and keys, oversized or empty values. */
#include "plan_internal.h"

#include <string.h>

/* No-break spaces (U+00A0) are common in text pasted from Word. */
char *plan_trim(char *s)
{
    for (;;) {
        if (g_ascii_isspace(*s))
            s++;
        else if ((guchar)s[0] == 0xC2 && (guchar)s[1] == 0xA0)
            s += 2;
        else
            break;
    }
    size_t n = strlen(s);
    for (;;) {
        if (n > 0 && g_ascii_isspace(s[n - 1]))
            n--;
        else if (n > 1 && (guchar)s[n - 2] == 0xC2 && (guchar)s[n - 1] == 0xA0)
            n -= 2;
        else
            break;
    }
    s[n] = '\0';
    return s;
}

char *plan_cut_word(char *s)
{
    char *rest = s + strcspn(s, " \t");
    if (*rest)
        *rest++ = '\0';
    return plan_trim(rest);
}

/* ---- section headers ---- */

static bool valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n < 1 || n > MAX_ID)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!g_ascii_isalnum(id[i]) && !strchr("_.-", id[i]))
            return false;
    }
    return true;
}

static int find_sec_type(const char *name)
{
    for (int i = 0; i < SEC_COUNT; i++) {
        if (g_ascii_strcasecmp(name, plan_spec((plan_sec_type)i)->name) == 0)
            return i;
    }
    return -1;
}

/* Checks a header's type and id. The section type, or -1 after reporting. */
static int check_header(plan_ctx *c, int line, const char *type, const char *id)
{
    int t = find_sec_type(type);
    const plan_sec_spec *ss = t >= 0 ? plan_spec((plan_sec_type)t) : NULL;
    if (!ss) {
        plan_error(c, line,
                   "loại mục không hợp lệ “%s”; các loại hợp lệ: district, box, month, "
                   "program, piece",
                   plan_quote(c, type));
    } else if (ss->has_id && !*id) {
        plan_error(c, line, "mục [%s] thiếu mã, ví dụ [%s %s01]", ss->name, ss->name, ss->name);
    } else if (ss->has_id && !valid_id(id)) {
        plan_error(c, line,
                   "mã “%s” không hợp lệ: cần 1–%d ký tự chữ Latinh không dấu, số, “_”, “.” "
                   "hoặc “-”",
                   plan_quote(c, id), MAX_ID);
    } else if (!ss->has_id && *id) {
        plan_error(c, line, "mục [%s] không có mã; bỏ “%s”", ss->name, plan_quote(c, id));
    } else {
        return t;
    }
    return -1;
}

static void open_section(plan_ctx *c, plan_sec_type t, int line, const char *id)
{
    plan_section *s = g_new0(plan_section, 1);
    s->type = t;
    s->id = plan_spec(t)->has_id ? plan_keep(c, id) : NULL;
    s->line = line;
    s->entries = g_array_new(FALSE, FALSE, sizeof(plan_entry));
    g_ptr_array_add(c->secs[t], s);
    g_hash_table_insert(c->sec_ids[t], (gpointer)(s->id ? s->id : ""), s);
    c->sec = s;
    c->skipping = false;
}

static void lex_header(plan_ctx *c, int line, char *text)
{
    size_t n = strlen(text);
    c->sec = NULL;
    c->skipping = true; /* until this header proves good */
    if (text[n - 1] != ']') {
        plan_error(c, line,
                   "dòng mục không hợp lệ “%s”: cần dạng [loại] hoặc [loại mã], không có gì "
                   "sau dấu “]”",
                   plan_quote(c, text));
        return;
    }
    text[n - 1] = '\0';
    char *type = plan_trim(text + 1);
    char *id = plan_cut_word(type);
    int t = check_header(c, line, type, id);
    if (t < 0)
        return;
    const plan_section *prev = g_hash_table_lookup(c->sec_ids[t], id);
    if (prev) {
        plan_error(c, line, "mục %s đã khai báo ở dòng %d", plan_sec_label(c, prev), prev->line);
        return;
    }
    open_section(c, (plan_sec_type)t, line, id);
}

/* ---- key = value ---- */

static int find_key(const plan_sec_spec *ss, const char *key)
{
    for (size_t i = 0; i < ss->n_keys; i++) {
        if (g_ascii_strcasecmp(key, ss->keys[i].name) == 0)
            return (int)i;
    }
    return -1;
}

static void unknown_key(plan_ctx *c, int line, const char *key)
{
    const plan_sec_spec *ss = plan_spec(c->sec->type);
    GString *valid = g_string_new(NULL);
    for (size_t i = 0; i < ss->n_keys; i++)
        g_string_append_printf(valid, "%s%s", i ? ", " : "", ss->keys[i].name);
    plan_error(c, line, "khoá không hợp lệ “%s” trong mục %s; các khoá hợp lệ: %s",
               plan_quote(c, key), plan_sec_label(c, c->sec), valid->str);
    g_string_free(valid, TRUE);
}

/* Lists are checked per entry when they are split; other values here. */
static bool check_value(plan_ctx *c, int line, const plan_key_spec *ks, const char *value)
{
    size_t n = strlen(value), max = ks->flags & K_TEXT ? MAX_TEXT : MAX_VALUE;
    if (ks->flags & K_LIST)
        return true;
    if (n == 0)
        plan_error(c, line, "khoá “%s” chưa có giá trị", ks->name);
    else if (n > max)
        plan_error(c, line, "giá trị của “%s” quá dài: %zu byte (tối đa %zu)", ks->name, n, max);
    return n > 0 && n <= max;
}

/* The key's index in the current section, or -1 after reporting (or silently, after a bad
 * header). */
static int key_of(plan_ctx *c, int line, const char *key)
{
    if (!*key) {
        plan_error(c, line, "dòng không hợp lệ: thiếu tên khoá trước dấu “=”");
        return -1;
    }
    if (!c->sec) {
        if (!c->skipping)
            plan_error(c, line, "khoá “%s” nằm ngoài mọi mục: cần một dòng [mục] ở phía trên",
                       plan_quote(c, key));
        return -1;
    }
    int k = find_key(plan_spec(c->sec->type), key);
    if (k < 0)
        unknown_key(c, line, key);
    return k;
}

static void lex_entry(plan_ctx *c, int line, char *text)
{
    char *eq = strchr(text, '=');
    *eq = '\0';
    char *key = plan_trim(text), *value = plan_trim(eq + 1);
    int k = key_of(c, line, key);
    if (k < 0)
        return;
    const plan_key_spec *ks = &plan_spec(c->sec->type)->keys[k];
    int *first = &c->sec->key_line[k];
    if (*first && !(ks->flags & K_REPEAT)) {
        plan_error(c, line, "khoá “%s” lặp lại (đã có ở dòng %d)", ks->name, *first);
        return;
    }
    if (!*first)
        *first = line;
    if (!check_value(c, line, ks, value))
        return;
    plan_entry e = {k, ks->name, line, g_string_chunk_insert(c->tmp, value)};
    g_array_append_val(c->sec->entries, e);
}

/* ---- lines ---- */

static bool is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((guchar)s[i] >= 0x80)
            return false;
    }
    return true;
}

static void lex_line(plan_ctx *c, int line, const char *s, size_t n)
{
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (n > MAX_LINE) {
        plan_error(c, line, "dòng quá dài: %zu byte (tối đa %d)", n, MAX_LINE);
        return;
    }
    /* NFC: the same Vietnamese word typed on two keyboards must compare equal. */
    char *norm = is_ascii(s, n) ? g_strndup(s, n) : g_utf8_normalize(s, (gssize)n, G_NORMALIZE_NFC);
    char *t = norm ? plan_trim(norm) : NULL;
    if (!t)
        plan_error(c, line, "dòng này không phải văn bản UTF-8 hợp lệ");
    else if (*t == '\0' || *t == '#' || *t == ';') {
        /* blank or comment */
    } else if (*t == '[')
        lex_header(c, line, t);
    else if (strchr(t, '='))
        lex_entry(c, line, t);
    else
        plan_error(c, line, "dòng không hợp lệ “%s”: cần [mục] hoặc khoá = giá trị",
                   plan_quote(c, t));
    g_free(norm);
}

/* Reports the first line that is not UTF-8: nothing after it can be read reliably. */
static bool check_utf8(plan_ctx *c, const char *buf, size_t len)
{
    const char *bad;
    if (g_utf8_validate_len(buf, len, &bad))
        return true;
    int line = 1;
    const char *bol = buf;
    for (const char *p = buf; p < bad; p++) {
        if (*p == '\n') {
            line++;
            bol = p + 1;
        }
    }
    plan_error(c, line,
               "dòng này không phải văn bản UTF-8 hợp lệ (byte 0x%02X ở vị trí %d); hãy lưu tệp "
               "với bảng mã UTF-8",
               (guchar)*bad, (int)(bad - bol) + 1);
    return false;
}

bool plan_lex(plan_ctx *c, const char *buf, size_t len)
{
    if (len > MAX_FILE) {
        plan_error(c, 0, "tệp kế hoạch quá lớn: %zu byte (tối đa 4 MiB)", len);
        return false;
    }
    if (!check_utf8(c, buf, len))
        return false;
    const char *p = buf, *end = buf + len;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    for (int line = 1; p < end && !c->dropped; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lex_line(c, line, p, (size_t)(le - p));
        p = nl ? nl + 1 : end;
    }
    c->sec = NULL;
    return true;
}
