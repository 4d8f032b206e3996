/* planfile: the hand-written plan format (docs/plan-format.md) → the engine's structs.
 *
 * Two passes. The lexer walks the lines once and keeps, per section, its key entries with their
 * line numbers; it reports what is wrong with a line on its own (syntax, unknown or duplicate
 * sections and keys, oversized or empty values). The builder then turns the sections into structs
 * in dependency order — district, boxes, month, pieces, programs — so that a reference may point
 * forward in the file (a programme's intro naming a jingle declared further down). Errors are
 * collected rather than fatal, so a technician fixes a file in one round, and sorted by line. */
#include "planfile.h"

#include "vtime.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_FILE = 4 << 20, /* bytes */
    MAX_LINE = 4096,    /* bytes, line break excluded */
    MAX_TEXT = 512,     /* titles and themes */
    MAX_VALUE = 256,    /* any other value, and each entry of a list */
    MAX_LIST = 10000,   /* entries of one list (all pin lines of a piece together) */
    MAX_ID = 64,
    MAX_DIAGS = 1000, /* past this a garbage file would only bury the first, useful errors */
    MAX_KEYS = 16,
    MAX_AIRINGS = 1000,
    MAX_LENGTH_MIN = 1440,
    MAX_DURATION_S = 6 * 3600,
    QUOTE_CHARS = 60, /* a quoted value is clipped to this many characters */
};

typedef enum sec_type {
    SEC_DISTRICT,
    SEC_BOX,
    SEC_MONTH,
    SEC_PROGRAM,
    SEC_PIECE,
    SEC_COUNT
} sec_type;

static const char *const sec_names[SEC_COUNT] = {"district", "box", "month", "program", "piece"};

enum key_flags {
    K_REQUIRED = 1 << 0,
    K_REPEAT = 1 << 1,     /* may be given on several lines (pin) */
    K_LIST = 1 << 2,       /* comma-separated; the size limit applies to each entry */
    K_TEXT = 1 << 3,       /* free text: the longer size limit */
    K_CONSTRAINT = 1 << 4, /* a month-plan constraint, meaningless on a jingle */
};

typedef enum id_kind { ID_COMMUNE, ID_BOX, ID_PROGRAM, ID_PIECE, ID_COUNT } id_kind;

/* Key indices of the two big sections; the tables below are indexed by them. */
enum {
    PG_TITLE,
    PG_DAYS,
    PG_START,
    PG_LENGTH,
    PG_FROM,
    PG_UNTIL,
    PG_COMMUNES,
    PG_BOXES,
    PG_INTRO,
    PG_OUTRO,
    PG_COUNT
};
enum {
    PC_TITLE,
    PC_GENRE,
    PC_DURATION,
    PC_THEME,
    PC_EXEMPLAR,
    PC_COMMUNE,
    PC_PRIORITY,
    PC_AIRINGS,
    PC_PIN,
    PC_WINDOW,
    PC_COMMUNES,
    PC_COUNT
};

typedef struct entry {
    int key;
    const char *name; /* the key's canonical name, for messages */
    int line;
    const char *value; /* trimmed, NFC */
} entry;

typedef struct section {
    sec_type type;
    const char *id; /* NULL for [district] and [month] */
    int line;
    int key_line[MAX_KEYS]; /* first line of each key; 0 = absent */
    GArray *entries;        /* entry */
} section;

/* The plan and what only plan_free needs to know about. `pub` first: callers hold a plan *. */
typedef struct plan_owned {
    plan pub;
    GStringChunk *strings;
    GHashTable *ids[ID_COUNT]; /* id or name → index + 1 */
    sched_commune *communes;
    sched_box *boxes;
    sched_plan_item *items;
} plan_owned;

typedef struct pin_build {
    sched_pin pin;
    int line;
} pin_build;

/* A piece's month constraints while reading; they become a sched_plan_item unless it is a
 * jingle (which is an error when any of them is present). */
typedef struct item_build {
    uint32_t airings; /* 0 = not given */
    GArray *pins;     /* pin_build; NULL when none */
    bool pins_overflow;
    int32_t window_from, window_until;
    uint32_t *communes;
    size_t n_communes;
} item_build;

typedef enum month_state { MONTH_NONE, MONTH_OK, MONTH_BAD } month_state;

typedef struct diag_rec {
    int line;
    unsigned seq; /* keeps errors of one line in the order they were found */
    char *msg;
} diag_rec;

typedef struct ctx {
    plan_owned *po;
    GArray *diags; /* diag_rec */
    unsigned dropped;
    GStringChunk *tmp; /* lexed values and message fragments; freed with the ctx */
    GPtrArray *secs[SEC_COUNT];
    GHashTable *sec_ids[SEC_COUNT]; /* id ("" for singletons) → section, to catch duplicates */
    section *sec;                   /* the section being lexed or built */
    bool skipping;                  /* after a bad header: its keys are ignored silently */
    size_t cur;                     /* index of the struct being built */
    item_build *items;              /* one per piece */
    size_t n_items;
    bool have_communes; /* false: unknown-commune errors would only echo a district error */
    month_state month;
    int32_t month_first, month_last;
} ctx;

typedef void (*key_fn)(ctx *c, const entry *e);

typedef struct key_spec {
    const char *name;
    unsigned flags;
    key_fn fn;
} key_spec;

typedef struct sec_spec {
    bool has_id;
    const key_spec *keys;
    size_t n_keys;
} sec_spec;

/* ---- diagnostics ---- */

static void diag(ctx *c, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void diag(ctx *c, int line, const char *fmt, ...)
{
    if (c->diags->len >= MAX_DIAGS) {
        c->dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    diag_rec d = {line, c->diags->len, g_strdup_vprintf(fmt, ap)};
    va_end(ap);
    g_array_append_val(c->diags, d);
}

/* A value as quoted in a message: clipped, so that a 4 KiB line is not a 4 KiB message. */
static const char *q(ctx *c, const char *s)
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

static const char *sec_label(ctx *c, const section *s)
{
    char *t = s->id ? g_strdup_printf("[%s %s]", sec_names[s->type], s->id)
                    : g_strdup_printf("[%s]", sec_names[s->type]);
    const char *r = g_string_chunk_insert(c->tmp, t);
    g_free(t);
    return r;
}

static const char *date_vn(ctx *c, int32_t day)
{
    char buf[16];
    vtime_format_date_vn(day, buf, sizeof buf);
    return g_string_chunk_insert(c->tmp, buf);
}

/* ---- small helpers ---- */

static plan *P(ctx *c)
{
    return &c->po->pub;
}

static const char *keep(ctx *c, const char *s)
{
    return g_string_chunk_insert_const(c->po->strings, s);
}

static int lookup(const plan_owned *po, id_kind kind, const char *id)
{
    gpointer v = g_hash_table_lookup(po->ids[kind], id);
    return v ? GPOINTER_TO_INT(v) - 1 : -1;
}

static void remember(plan_owned *po, id_kind kind, const char *id, size_t idx)
{
    g_hash_table_insert(po->ids[kind], (gpointer)id, GSIZE_TO_POINTER(idx + 1));
}

/* Strips ASCII white space and no-break spaces (U+00A0, common in text pasted from Word). */
static char *trim(char *s)
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

/* Digits only — no sign, no spaces — and value ≤ max. */
static bool parse_uint(const char *s, size_t n, int64_t max, int64_t *out)
{
    int64_t v = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!g_ascii_isdigit(s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

static bool two_digits_60(const char *s, size_t n, int64_t *out)
{
    return n == 2 && parse_uint(s, n, 59, out);
}

/* "185" seconds, "m:ss" or "h:mm:ss"; > 0 and ≤ 6 hours. */
static int parse_duration(const char *s, int64_t *ms_out)
{
    const char *c1 = strchr(s, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    int64_t h = 0, m = 0, sec = 0;
    bool ok;
    if (!c1)
        ok = parse_uint(s, strlen(s), MAX_DURATION_S, &sec);
    else if (!c2)
        ok = parse_uint(s, (size_t)(c1 - s), MAX_DURATION_S / 60, &m) &&
             two_digits_60(c1 + 1, strlen(c1 + 1), &sec);
    else
        ok = parse_uint(s, (size_t)(c1 - s), MAX_DURATION_S / 3600, &h) &&
             two_digits_60(c1 + 1, (size_t)(c2 - c1 - 1), &m) &&
             two_digits_60(c2 + 1, strlen(c2 + 1), &sec);
    int64_t total = h * 3600 + m * 60 + sec;
    if (!ok || total <= 0 || total > MAX_DURATION_S)
        return -EINVAL;
    *ms_out = total * 1000;
    return 0;
}

/* "HH:MM[:SS]"; people also write "6:00", which vtime's strict form lacks a zero for. */
static int parse_start(const char *s, int32_t *out)
{
    char buf[16];
    if (g_ascii_isdigit(s[0]) && s[1] == ':' && strlen(s) < sizeof buf - 1) {
        buf[0] = '0';
        strcpy(buf + 1, s);
        s = buf;
    }
    return vtime_parse_hms(s, out);
}

typedef struct word {
    const char *text; /* casefolded NFC */
    int value;
} word;

static int find_word(const word *words, size_t n, const char *s)
{
    char *folded = g_utf8_casefold(s, -1);
    int r = -1;
    for (size_t i = 0; i < n && r < 0; i++) {
        if (strcmp(folded, words[i].text) == 0)
            r = words[i].value;
    }
    g_free(folded);
    return r;
}

static int parse_genre(const char *s, sched_genre *out)
{
    static const word vn[] = {
        {"tin", SCHED_GENRE_NEWS},
        {"bài", SCHED_GENRE_ARTICLE},
        {"bài viết", SCHED_GENRE_ARTICLE},
        {"phóng sự", SCHED_GENRE_REPORT},
        {"phỏng vấn", SCHED_GENRE_INTERVIEW},
        {"nhạc hiệu", SCHED_GENRE_JINGLE},
    };
    char *folded = g_utf8_casefold(s, -1);
    int rc = sched_genre_parse(folded, out);
    g_free(folded);
    if (rc == 0)
        return 0;
    int v = find_word(vn, G_N_ELEMENTS(vn), s);
    if (v < 0)
        return -EINVAL;
    *out = (sched_genre)v;
    return 0;
}

static int parse_priority(const char *s, sched_priority *out)
{
    static const word vn[] = {
        {"thường", SCHED_PRIO_NORMAL},
        {"ưu tiên", SCHED_PRIO_PRIORITY},
        {"khẩn cấp", SCHED_PRIO_EMERGENCY},
    };
    char *folded = g_utf8_casefold(s, -1);
    int rc = sched_priority_parse(folded, out);
    g_free(folded);
    if (rc == 0)
        return 0;
    int v = find_word(vn, G_N_ELEMENTS(vn), s);
    if (v < 0)
        return -EINVAL;
    *out = (sched_priority)v;
    return 0;
}

/* ---- lists and references ---- */

/* Splits a comma list into trimmed entries (strings in c->tmp). NULL after reporting an empty
 * value, an empty entry, an oversized entry or too many entries. */
static GPtrArray *split_list(ctx *c, const entry *e)
{
    GPtrArray *out = g_ptr_array_new();
    char *copy = g_string_chunk_insert(c->tmp, e->value);
    bool ok = true;
    if (!*copy) {
        diag(c, e->line, "khoá “%s” chưa có giá trị", e->name);
        ok = false;
    }
    for (char *s = copy; ok && s;) {
        char *comma = strchr(s, ',');
        if (comma)
            *comma = '\0';
        char *item = trim(s);
        s = comma ? comma + 1 : NULL;
        if (!*item) {
            diag(c, e->line, "danh sách “%s” có mục trống (thừa dấu phẩy?)", e->name);
            ok = false;
        } else if (strlen(item) > MAX_VALUE) {
            diag(c, e->line, "mục “%s” của danh sách “%s” quá dài: %zu byte (tối đa %d)",
                 q(c, item), e->name, strlen(item), MAX_VALUE);
            ok = false;
        } else if (out->len >= MAX_LIST) {
            diag(c, e->line, "danh sách “%s” có quá nhiều mục (tối đa %d)", e->name, MAX_LIST);
            ok = false;
        } else {
            g_ptr_array_add(out, item);
        }
    }
    if (!ok) {
        g_ptr_array_unref(out);
        return NULL;
    }
    return out;
}

/* Index of a commune, box, programme or piece named in the file; -1 after reporting. */
static int resolve_one(ctx *c, int line, id_kind kind, const char *name)
{
    int idx = lookup(c->po, kind, name);
    if (idx >= 0)
        return idx;
    const char *n = q(c, name);
    switch (kind) {
    case ID_COMMUNE:
        if (c->have_communes)
            diag(c, line, "không có xã “%s” trong danh sách “communes” của [district]", n);
        break;
    case ID_BOX:
        diag(c, line, "không có cụm loa “%s”: chưa khai báo [box %s]", n, n);
        break;
    case ID_PROGRAM:
        diag(c, line, "không có chương trình “%s”: chưa khai báo [program %s]", n, n);
        break;
    case ID_PIECE:
    case ID_COUNT:
        diag(c, line, "không có tin bài “%s”: chưa khai báo [piece %s]", n, n);
        break;
    }
    return -1;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static const char *id_name(ctx *c, id_kind kind, uint32_t idx)
{
    return kind == ID_COMMUNE ? c->po->communes[idx].name : c->po->boxes[idx].id;
}

/* A list of commune names or box ids → indices sorted strictly increasing, as the engine
 * wants them. false after reporting (a name listed twice is reported: it is a typo more often
 * than not). */
static bool resolve_list(ctx *c, const entry *e, id_kind kind, uint32_t **ids_out, size_t *n_out)
{
    GPtrArray *names = split_list(c, e);
    if (!names)
        return false;
    uint32_t *ids = g_new(uint32_t, names->len);
    size_t n = 0;
    bool ok = true;
    for (guint i = 0; i < names->len; i++) {
        int idx = resolve_one(c, e->line, kind, names->pdata[i]);
        if (idx < 0)
            ok = false;
        else
            ids[n++] = (uint32_t)idx;
    }
    g_ptr_array_unref(names);
    qsort(ids, n, sizeof *ids, cmp_u32);
    for (size_t i = 1; i < n; i++) {
        if (ids[i] == ids[i - 1] && (i < 2 || ids[i] != ids[i - 2])) {
            diag(c, e->line, "“%s” lặp lại trong danh sách “%s”", q(c, id_name(c, kind, ids[i])),
                 e->name);
            ok = false;
        }
    }
    if (!ok) {
        g_free(ids);
        return false;
    }
    *ids_out = ids;
    *n_out = n;
    return true;
}

/* "YYYY-MM-DD", or with month_day a day of the plan's month ("22") and a check that the date
 * lies in that month. false after reporting. */
static bool parse_day(ctx *c, int line, const char *text, bool month_day, int32_t *out)
{
    size_t n = strlen(text);
    int64_t dom;
    if (month_day && n <= 2 && parse_uint(text, n, 99, &dom)) {
        if (c->month == MONTH_NONE)
            diag(c, line, "ngày “%s” chỉ ghi ngày trong tháng: cần mục [month] để biết tháng nào",
                 text);
        if (c->month != MONTH_OK)
            return false;
        const plan *p = P(c);
        if (vtime_day_from_civil(p->month.year, p->month.month, (int)dom, out) != 0) {
            diag(c, line, "ngày không hợp lệ “%s”: tháng %02d/%04d không có ngày này", text,
                 p->month.month, p->month.year);
            return false;
        }
        return true;
    }
    if (vtime_parse_date(text, out) != 0) {
        diag(c, line, "ngày không hợp lệ “%s”: dùng YYYY-MM-DD (ví dụ 2026-12-22)%s", q(c, text),
             month_day ? " hoặc ngày trong tháng (1–31)" : "");
        return false;
    }
    if (month_day && c->month == MONTH_OK && (*out < c->month_first || *out > c->month_last)) {
        diag(c, line, "ngày “%s” nằm ngoài tháng %02d/%04d của kế hoạch", text, P(c)->month.month,
             P(c)->month.year);
        return false;
    }
    return true;
}

/* ---- [district] ---- */

static void district_name(ctx *c, const entry *e)
{
    P(c)->district_name = (char *)keep(c, e->value);
}

static void district_timezone(ctx *c, const entry *e)
{
    P(c)->timezone = (char *)keep(c, e->value);
}

static void district_communes(ctx *c, const entry *e)
{
    if (!*e->value) {
        diag(c, e->line,
             "huyện chưa có xã nào: “communes” cần tên các xã, thị trấn, cách nhau "
             "bởi dấu phẩy");
        return;
    }
    GPtrArray *names = split_list(c, e);
    if (!names)
        return;
    plan_owned *po = c->po;
    po->communes = g_new0(sched_commune, names->len);
    size_t n = 0;
    for (guint i = 0; i < names->len; i++) {
        const char *name = keep(c, names->pdata[i]);
        if (lookup(po, ID_COMMUNE, name) >= 0) {
            diag(c, e->line, "xã “%s” lặp lại trong danh sách “communes”", q(c, name));
            continue;
        }
        po->communes[n] = (sched_commune){.id = name, .name = name};
        remember(po, ID_COMMUNE, name, n);
        n++;
    }
    g_ptr_array_unref(names);
    P(c)->district.communes = po->communes;
    P(c)->district.n_communes = n;
    c->have_communes = n > 0;
}

/* ---- [box ID] ---- */

static sched_box *cur_box(ctx *c)
{
    return &c->po->boxes[c->cur];
}

static void box_name(ctx *c, const entry *e)
{
    cur_box(c)->name = keep(c, e->value);
}

static void box_commune(ctx *c, const entry *e)
{
    int idx = resolve_one(c, e->line, ID_COMMUNE, e->value);
    if (idx >= 0)
        cur_box(c)->commune = (uint32_t)idx;
}

/* ---- [month] ---- */

static void month_month(ctx *c, const entry *e)
{
    int y, m;
    if (vtime_parse_month(e->value, &y, &m) != 0 ||
        vtime_day_from_civil(y, m, 1, &c->month_first) != 0) {
        diag(c, e->line, "tháng không hợp lệ “%s”: dùng YYYY-MM (ví dụ 2026-12)", q(c, e->value));
        return;
    }
    c->month_last = c->month_first + vtime_days_in_month(y, m) - 1;
    c->month = MONTH_OK;
    P(c)->has_month = true;
    P(c)->month.year = y;
    P(c)->month.month = m;
}

static void month_theme(ctx *c, const entry *e)
{
    P(c)->month.theme = keep(c, e->value);
}

/* ---- [piece ID] ---- */

static sched_piece *cur_piece(ctx *c)
{
    return &P(c)->pieces[c->cur];
}

static item_build *cur_item(ctx *c)
{
    return &c->items[c->cur];
}

static void piece_title(ctx *c, const entry *e)
{
    cur_piece(c)->title = keep(c, e->value);
}

static void piece_genre(ctx *c, const entry *e)
{
    if (parse_genre(e->value, &cur_piece(c)->genre) != 0)
        diag(c, e->line,
             "thể loại không hợp lệ “%s”; dùng: tin, bài, phóng sự, phỏng vấn, nhạc hiệu "
             "(hoặc news, article, report, interview, jingle)",
             q(c, e->value));
}

static void piece_duration(ctx *c, const entry *e)
{
    if (parse_duration(e->value, &cur_piece(c)->duration_ms) != 0)
        diag(c, e->line,
             "độ dài không hợp lệ “%s”: dùng phút:giây (3:05), giờ:phút:giây (1:02:30) hoặc số "
             "giây (185); lớn hơn 0 và không quá 6 giờ",
             q(c, e->value));
}

static void piece_theme(ctx *c, const entry *e)
{
    cur_piece(c)->theme = keep(c, e->value);
}

static void piece_exemplar(ctx *c, const entry *e)
{
    cur_piece(c)->exemplar = keep(c, e->value);
}

static void piece_commune(ctx *c, const entry *e)
{
    int idx = resolve_one(c, e->line, ID_COMMUNE, e->value);
    if (idx >= 0)
        cur_piece(c)->commune = idx;
}

static void piece_priority(ctx *c, const entry *e)
{
    if (parse_priority(e->value, &cur_piece(c)->priority) != 0)
        diag(c, e->line,
             "mức ưu tiên không hợp lệ “%s”; dùng: thường, ưu tiên, khẩn cấp (hoặc normal, "
             "priority, emergency)",
             q(c, e->value));
}

static void piece_airings(ctx *c, const entry *e)
{
    int64_t v;
    if (!parse_uint(e->value, strlen(e->value), MAX_AIRINGS, &v) || v < 1) {
        diag(c, e->line, "số lần phát không hợp lệ “%s”: cần số nguyên từ 1 đến %d", q(c, e->value),
             MAX_AIRINGS);
        return;
    }
    cur_item(c)->airings = (uint32_t)v;
}

/* One pin entry: "DATE" or "DATE PROGRAM_ID". */
static void add_pin(ctx *c, const entry *e, char *text)
{
    char *prog = text + strcspn(text, " \t");
    if (*prog) {
        *prog++ = '\0';
        prog = trim(prog);
    }
    if (strpbrk(prog, " \t")) {
        diag(c, e->line, "ghim không hợp lệ “%s %s”: dùng NGÀY hoặc NGÀY MÃ_CHƯƠNG_TRÌNH", text,
             q(c, prog));
        return;
    }
    pin_build pb = {.pin = {.program = -1}, .line = e->line};
    bool ok = parse_day(c, e->line, text, true, &pb.pin.day);
    if (*prog && (pb.pin.program = resolve_one(c, e->line, ID_PROGRAM, prog)) < 0)
        ok = false;
    if (!ok)
        return;
    item_build *ib = cur_item(c);
    if (!ib->pins)
        ib->pins = g_array_new(FALSE, FALSE, sizeof(pin_build));
    if (ib->pins->len == MAX_LIST) {
        if (!ib->pins_overflow)
            diag(c, e->line, "tin bài có quá nhiều ghim “pin” (tối đa %d)", MAX_LIST);
        ib->pins_overflow = true;
        return;
    }
    g_array_append_val(ib->pins, pb);
}

static void piece_pin(ctx *c, const entry *e)
{
    GPtrArray *list = split_list(c, e);
    if (!list)
        return;
    for (guint i = 0; i < list->len; i++)
        add_pin(c, e, list->pdata[i]);
    g_ptr_array_unref(list);
}

static void piece_window(ctx *c, const entry *e)
{
    char *copy = g_string_chunk_insert(c->tmp, e->value);
    char *dots = strstr(copy, "..");
    char *from = copy, *until = NULL;
    if (dots) {
        *dots = '\0';
        from = trim(copy);
        until = trim(dots + 2);
    }
    if (!dots || !*from || !*until) {
        diag(c, e->line,
             "khung ngày không hợp lệ “%s”: dùng TỪ .. ĐẾN, ví dụ 15 .. 22 hoặc "
             "2026-12-15 .. 2026-12-22",
             q(c, e->value));
        return;
    }
    int32_t d0, d1;
    bool ok0 = parse_day(c, e->line, from, true, &d0);
    bool ok1 = parse_day(c, e->line, until, true, &d1);
    if (!ok0 || !ok1)
        return;
    if (d0 > d1) {
        diag(c, e->line, "khung ngày bị đảo ngược “%s”: ngày đầu %s sau ngày cuối %s",
             q(c, e->value), date_vn(c, d0), date_vn(c, d1));
        return;
    }
    cur_item(c)->window_from = d0;
    cur_item(c)->window_until = d1;
}

static void piece_communes(ctx *c, const entry *e)
{
    item_build *ib = cur_item(c);
    resolve_list(c, e, ID_COMMUNE, &ib->communes, &ib->n_communes);
}

/* ---- [program ID] ---- */

static sched_program *cur_prog(ctx *c)
{
    return &P(c)->programs[c->cur];
}

static void prog_title(ctx *c, const entry *e)
{
    cur_prog(c)->title = keep(c, e->value);
}

static void prog_days(ctx *c, const entry *e)
{
    static const word every[] = {{"hằng ngày", 1}, {"hàng ngày", 1}, {"daily", 1}};
    static const word days[] = {{"t2", 0},  {"t3", 1},  {"t4", 2},  {"t5", 3},  {"t6", 4},
                                {"t7", 5},  {"cn", 6},  {"mon", 0}, {"tue", 1}, {"wed", 2},
                                {"thu", 3}, {"fri", 4}, {"sat", 5}, {"sun", 6}};
    if (find_word(every, G_N_ELEMENTS(every), e->value) >= 0) {
        cur_prog(c)->weekdays = 0x7f;
        return;
    }
    GPtrArray *list = split_list(c, e);
    if (!list)
        return;
    unsigned mask = 0;
    bool ok = true;
    for (guint i = 0; i < list->len; i++) {
        const char *d = list->pdata[i];
        int bit = find_word(days, G_N_ELEMENTS(days), d);
        if (bit < 0)
            diag(c, e->line,
                 "ngày trong tuần không hợp lệ “%s”; dùng “hằng ngày” hoặc danh sách T2, T3, "
                 "T4, T5, T6, T7, CN",
                 q(c, d));
        else if (mask & (1u << bit))
            diag(c, e->line, "“%s” lặp lại trong danh sách “days”", d);
        ok = ok && bit >= 0 && !(mask & (1u << bit));
        if (bit >= 0)
            mask |= 1u << bit;
    }
    g_ptr_array_unref(list);
    if (ok)
        cur_prog(c)->weekdays = (uint8_t)mask;
}

static void prog_start(ctx *c, const entry *e)
{
    if (parse_start(e->value, &cur_prog(c)->start_s) != 0)
        diag(c, e->line,
             "giờ bắt đầu không hợp lệ “%s”: dùng HH:MM hoặc HH:MM:SS, từ 00:00 đến "
             "23:59:59",
             q(c, e->value));
}

static void prog_length(ctx *c, const entry *e)
{
    int64_t v;
    if (!parse_uint(e->value, strlen(e->value), MAX_LENGTH_MIN, &v) || v < 1) {
        diag(c, e->line, "thời lượng không hợp lệ “%s”: cần số phút nguyên từ 1 đến %d",
             q(c, e->value), MAX_LENGTH_MIN);
        return;
    }
    cur_prog(c)->length_s = (int32_t)(v * 60);
}

static void prog_from(ctx *c, const entry *e)
{
    parse_day(c, e->line, e->value, false, &cur_prog(c)->valid_from);
}

static void prog_until(ctx *c, const entry *e)
{
    parse_day(c, e->line, e->value, false, &cur_prog(c)->valid_until);
}

static void set_targets(ctx *c, const entry *e, id_kind kind)
{
    uint32_t *ids;
    size_t n;
    if (!resolve_list(c, e, kind, &ids, &n))
        return;
    sched_targets *t = &cur_prog(c)->targets;
    /* Both keys given is reported after the section; the second list must not leak. */
    g_free((void *)t->ids);
    t->kind = kind == ID_COMMUNE ? SCHED_TARGET_COMMUNES : SCHED_TARGET_BOXES;
    t->ids = ids;
    t->n = n;
}

static void prog_communes(ctx *c, const entry *e)
{
    set_targets(c, e, ID_COMMUNE);
}

static void prog_boxes(ctx *c, const entry *e)
{
    set_targets(c, e, ID_BOX);
}

static void set_jingle(ctx *c, const entry *e, int32_t *slot)
{
    int idx = resolve_one(c, e->line, ID_PIECE, e->value);
    if (idx < 0)
        return;
    const sched_piece *pc = &P(c)->pieces[idx];
    if (pc->genre == SCHED_GENRE_COUNT)
        return; /* its genre is already reported as wrong */
    if (pc->genre != SCHED_GENRE_JINGLE) {
        char *label = g_utf8_strdown(sched_genre_label_vn(pc->genre), -1);
        diag(c, e->line, "“%s” phải là một nhạc hiệu, nhưng [piece %s] có thể loại “%s”", e->name,
             pc->id, label);
        g_free(label);
        return;
    }
    *slot = idx;
}

static void prog_intro(ctx *c, const entry *e)
{
    set_jingle(c, e, &cur_prog(c)->intro);
}

static void prog_outro(ctx *c, const entry *e)
{
    set_jingle(c, e, &cur_prog(c)->outro);
}

/* ---- the tables ---- */

static const key_spec district_keys[] = {
    {"name", K_REQUIRED, district_name},
    {"timezone", 0, district_timezone},
    {"communes", K_REQUIRED | K_LIST, district_communes},
};

static const key_spec box_keys[] = {
    {"name", 0, box_name},
    {"commune", K_REQUIRED, box_commune},
};

static const key_spec month_keys[] = {
    {"month", K_REQUIRED, month_month},
    {"theme", K_TEXT, month_theme},
};

static const key_spec program_keys[PG_COUNT] = {
    [PG_TITLE] = {"title", K_REQUIRED | K_TEXT, prog_title},
    [PG_DAYS] = {"days", K_LIST, prog_days},
    [PG_START] = {"start", K_REQUIRED, prog_start},
    [PG_LENGTH] = {"length", K_REQUIRED, prog_length},
    [PG_FROM] = {"from", 0, prog_from},
    [PG_UNTIL] = {"until", 0, prog_until},
    [PG_COMMUNES] = {"communes", K_LIST, prog_communes},
    [PG_BOXES] = {"boxes", K_LIST, prog_boxes},
    [PG_INTRO] = {"intro", 0, prog_intro},
    [PG_OUTRO] = {"outro", 0, prog_outro},
};

static const key_spec piece_keys[PC_COUNT] = {
    [PC_TITLE] = {"title", K_REQUIRED | K_TEXT, piece_title},
    [PC_GENRE] = {"genre", K_REQUIRED, piece_genre},
    [PC_DURATION] = {"duration", K_REQUIRED, piece_duration},
    [PC_THEME] = {"theme", K_TEXT, piece_theme},
    [PC_EXEMPLAR] = {"exemplar", 0, piece_exemplar},
    [PC_COMMUNE] = {"commune", 0, piece_commune},
    [PC_PRIORITY] = {"priority", 0, piece_priority},
    [PC_AIRINGS] = {"airings", K_CONSTRAINT, piece_airings},
    [PC_PIN] = {"pin", K_CONSTRAINT | K_LIST | K_REPEAT, piece_pin},
    [PC_WINDOW] = {"window", K_CONSTRAINT, piece_window},
    [PC_COMMUNES] = {"communes", K_CONSTRAINT | K_LIST, piece_communes},
};

static const sec_spec sec_specs[SEC_COUNT] = {
    [SEC_DISTRICT] = {false, district_keys, G_N_ELEMENTS(district_keys)},
    [SEC_BOX] = {true, box_keys, G_N_ELEMENTS(box_keys)},
    [SEC_MONTH] = {false, month_keys, G_N_ELEMENTS(month_keys)},
    [SEC_PROGRAM] = {true, program_keys, G_N_ELEMENTS(program_keys)},
    [SEC_PIECE] = {true, piece_keys, G_N_ELEMENTS(piece_keys)},
};

G_STATIC_ASSERT((int)PG_COUNT <= (int)MAX_KEYS && (int)PC_COUNT <= (int)MAX_KEYS);

/* ---- lexer ---- */

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
        if (g_ascii_strcasecmp(name, sec_names[i]) == 0)
            return i;
    }
    return -1;
}

/* Checks a header's type and id. The section type, or -1 after reporting. */
static int check_header(ctx *c, int line, const char *type, const char *id)
{
    int t = find_sec_type(type);
    if (t < 0) {
        diag(c, line,
             "loại mục không hợp lệ “%s”; các loại hợp lệ: district, box, month, "
             "program, piece",
             q(c, type));
    } else if (sec_specs[t].has_id && !*id) {
        diag(c, line, "mục [%s] thiếu mã, ví dụ [%s %s01]", sec_names[t], sec_names[t],
             sec_names[t]);
    } else if (sec_specs[t].has_id && !valid_id(id)) {
        diag(c, line,
             "mã “%s” không hợp lệ: cần 1–%d ký tự chữ Latinh không dấu, số, “_”, “.” hoặc “-”",
             q(c, id), MAX_ID);
    } else if (!sec_specs[t].has_id && *id) {
        diag(c, line, "mục [%s] không có mã; bỏ “%s”", sec_names[t], q(c, id));
    } else {
        return t;
    }
    return -1;
}

static void lex_header(ctx *c, int line, char *text)
{
    size_t n = strlen(text);
    c->sec = NULL;
    c->skipping = true; /* until this header proves good */
    if (text[n - 1] != ']') {
        diag(c, line,
             "dòng mục không hợp lệ “%s”: cần dạng [loại] hoặc [loại mã], không có gì "
             "sau dấu “]”",
             q(c, text));
        return;
    }
    text[n - 1] = '\0';
    char *type = trim(text + 1);
    char *id = type + strcspn(type, " \t");
    if (*id)
        *id++ = '\0';
    id = trim(id);
    int t = check_header(c, line, type, id);
    if (t < 0)
        return;
    const section *prev = g_hash_table_lookup(c->sec_ids[t], id);
    if (prev) {
        diag(c, line, "mục %s đã khai báo ở dòng %d", sec_label(c, prev), prev->line);
        return;
    }
    section *s = g_new0(section, 1);
    s->type = (sec_type)t;
    s->id = sec_specs[t].has_id ? keep(c, id) : NULL;
    s->line = line;
    s->entries = g_array_new(FALSE, FALSE, sizeof(entry));
    g_ptr_array_add(c->secs[t], s);
    g_hash_table_insert(c->sec_ids[t], (gpointer)(s->id ? s->id : ""), s);
    c->sec = s;
    c->skipping = false;
}

static int find_key(const sec_spec *ss, const char *key)
{
    for (size_t i = 0; i < ss->n_keys; i++) {
        if (g_ascii_strcasecmp(key, ss->keys[i].name) == 0)
            return (int)i;
    }
    return -1;
}

static void unknown_key(ctx *c, int line, const char *key)
{
    const sec_spec *ss = &sec_specs[c->sec->type];
    GString *valid = g_string_new(NULL);
    for (size_t i = 0; i < ss->n_keys; i++)
        g_string_append_printf(valid, "%s%s", i ? ", " : "", ss->keys[i].name);
    diag(c, line, "khoá không hợp lệ “%s” trong mục %s; các khoá hợp lệ: %s", q(c, key),
         sec_label(c, c->sec), valid->str);
    g_string_free(valid, TRUE);
}

/* Lists are checked per entry when they are split; other values here. */
static bool check_value(ctx *c, int line, const key_spec *ks, const char *value)
{
    size_t n = strlen(value), max = ks->flags & K_TEXT ? MAX_TEXT : MAX_VALUE;
    if (ks->flags & K_LIST)
        return true;
    if (n == 0)
        diag(c, line, "khoá “%s” chưa có giá trị", ks->name);
    else if (n > max)
        diag(c, line, "giá trị của “%s” quá dài: %zu byte (tối đa %zu)", ks->name, n, max);
    return n > 0 && n <= max;
}

static void lex_entry(ctx *c, int line, char *text)
{
    char *eq = strchr(text, '=');
    *eq = '\0';
    char *key = trim(text), *value = trim(eq + 1);
    if (!*key) {
        diag(c, line, "dòng không hợp lệ: thiếu tên khoá trước dấu “=”");
        return;
    }
    if (!c->sec) {
        if (!c->skipping)
            diag(c, line, "khoá “%s” nằm ngoài mọi mục: cần một dòng [mục] ở phía trên", q(c, key));
        return;
    }
    const sec_spec *ss = &sec_specs[c->sec->type];
    int k = find_key(ss, key);
    if (k < 0) {
        unknown_key(c, line, key);
        return;
    }
    const key_spec *ks = &ss->keys[k];
    int *first = &c->sec->key_line[k];
    if (*first && !(ks->flags & K_REPEAT)) {
        diag(c, line, "khoá “%s” lặp lại (đã có ở dòng %d)", ks->name, *first);
        return;
    }
    if (!*first)
        *first = line;
    if (!check_value(c, line, ks, value))
        return;
    entry e = {k, ks->name, line, g_string_chunk_insert(c->tmp, value)};
    g_array_append_val(c->sec->entries, e);
}

static bool is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((guchar)s[i] >= 0x80)
            return false;
    }
    return true;
}

static void lex_line(ctx *c, int line, const char *s, size_t n)
{
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (n > MAX_LINE) {
        diag(c, line, "dòng quá dài: %zu byte (tối đa %d)", n, MAX_LINE);
        return;
    }
    /* NFC: the same Vietnamese word typed on two keyboards must compare equal. */
    char *norm = is_ascii(s, n) ? g_strndup(s, n) : g_utf8_normalize(s, (gssize)n, G_NORMALIZE_NFC);
    char *t = norm ? trim(norm) : NULL;
    if (!t)
        diag(c, line, "dòng này không phải văn bản UTF-8 hợp lệ");
    else if (*t == '\0' || *t == '#' || *t == ';') {
        /* blank or comment */
    } else if (*t == '[')
        lex_header(c, line, t);
    else if (strchr(t, '='))
        lex_entry(c, line, t);
    else
        diag(c, line, "dòng không hợp lệ “%s”: cần [mục] hoặc khoá = giá trị", q(c, t));
    g_free(norm);
}

static void lex(ctx *c, const char *buf, size_t len)
{
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
}

/* Reports the first line that is not UTF-8: nothing after it can be read reliably. */
static bool check_utf8(ctx *c, const char *buf, size_t len)
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
    diag(c, line,
         "dòng này không phải văn bản UTF-8 hợp lệ (byte 0x%02X ở vị trí %d); hãy lưu tệp với "
         "bảng mã UTF-8",
         (guchar)*bad, (int)(bad - bol) + 1);
    return false;
}

/* ---- builder ---- */

static void run_section(ctx *c, section *sec, size_t idx)
{
    const sec_spec *ss = &sec_specs[sec->type];
    c->sec = sec;
    c->cur = idx;
    for (guint i = 0; i < sec->entries->len; i++) {
        const entry *e = &g_array_index(sec->entries, entry, i);
        ss->keys[e->key].fn(c, e);
    }
    for (size_t k = 0; k < ss->n_keys; k++) {
        if ((ss->keys[k].flags & K_REQUIRED) && !sec->key_line[k])
            diag(c, sec->line, "mục %s thiếu khoá bắt buộc “%s”", sec_label(c, sec),
                 ss->keys[k].name);
    }
}

static section *sec_at(ctx *c, sec_type t, size_t i)
{
    return g_ptr_array_index(c->secs[t], i);
}

/* Index every box, programme and piece first, so references may point forward. */
static void register_ids(ctx *c)
{
    plan_owned *po = c->po;
    plan *p = &po->pub;
    size_t nb = c->secs[SEC_BOX]->len, ng = c->secs[SEC_PROGRAM]->len;
    size_t np = c->secs[SEC_PIECE]->len;
    po->boxes = g_new0(sched_box, nb);
    p->district.boxes = po->boxes;
    p->district.n_boxes = nb;
    for (size_t i = 0; i < nb; i++) {
        po->boxes[i].id = po->boxes[i].name = sec_at(c, SEC_BOX, i)->id;
        remember(po, ID_BOX, po->boxes[i].id, i);
    }
    p->programs = g_new0(sched_program, ng);
    p->program_lines = g_new0(int, ng);
    p->n_programs = ng;
    for (size_t i = 0; i < ng; i++) {
        p->programs[i].id = sec_at(c, SEC_PROGRAM, i)->id;
        p->program_lines[i] = sec_at(c, SEC_PROGRAM, i)->line;
        remember(po, ID_PROGRAM, p->programs[i].id, i);
    }
    p->pieces = g_new0(sched_piece, np);
    p->piece_lines = g_new0(int, np);
    p->n_pieces = np;
    c->items = g_new0(item_build, np);
    c->n_items = np;
    for (size_t i = 0; i < np; i++) {
        p->pieces[i].id = sec_at(c, SEC_PIECE, i)->id;
        p->piece_lines[i] = sec_at(c, SEC_PIECE, i)->line;
        remember(po, ID_PIECE, p->pieces[i].id, i);
    }
}

static void build_district(ctx *c)
{
    if (c->secs[SEC_DISTRICT]->len == 0) {
        diag(c, 0, "thiếu mục [district] (tên huyện và danh sách xã, thị trấn)");
        return;
    }
    run_section(c, sec_at(c, SEC_DISTRICT, 0), 0);
}

static void build_boxes(ctx *c)
{
    for (size_t i = 0; i < c->secs[SEC_BOX]->len; i++)
        run_section(c, sec_at(c, SEC_BOX, i), i);
}

static void build_month(ctx *c)
{
    if (c->secs[SEC_MONTH]->len == 0)
        return;
    c->month = MONTH_BAD; /* until its month key parses: no "[month] missing" echoes */
    run_section(c, sec_at(c, SEC_MONTH, 0), 0);
}

/* Checks that need every key of a piece: constraints on a jingle, pins inside the window. */
static void piece_post(ctx *c, const section *sec)
{
    const sched_piece *pc = cur_piece(c);
    item_build *ib = cur_item(c);
    if (pc->genre == SCHED_GENRE_JINGLE) {
        for (size_t k = 0; k < PC_COUNT; k++) {
            if ((piece_keys[k].flags & K_CONSTRAINT) && sec->key_line[k])
                diag(c, sec->key_line[k],
                     "khoá “%s” không dùng cho nhạc hiệu: nhạc hiệu chỉ phát kèm chương trình, "
                     "không nằm trong kế hoạch tháng",
                     piece_keys[k].name);
        }
        return;
    }
    size_t n_pins = ib->pins ? ib->pins->len : 0;
    if (ib->airings == 0)
        ib->airings = 1;
    if (ib->airings < n_pins) /* documented: the pins count as airings */
        ib->airings = (uint32_t)n_pins;
    for (size_t k = 0; k < n_pins; k++) {
        const pin_build *pb = &g_array_index(ib->pins, pin_build, k);
        if (pb->pin.day < ib->window_from || pb->pin.day > ib->window_until)
            diag(c, pb->line, "ngày ghim %s nằm ngoài khung ngày “window” (dòng %d)",
                 date_vn(c, pb->pin.day), sec->key_line[PC_WINDOW]);
    }
}

static void build_pieces(ctx *c)
{
    for (size_t i = 0; i < c->secs[SEC_PIECE]->len; i++) {
        sched_piece *pc = &P(c)->pieces[i];
        pc->genre = SCHED_GENRE_COUNT; /* = not given or wrong; required-key check reports */
        pc->commune = -1;
        pc->priority = SCHED_PRIO_NORMAL;
        c->items[i].window_from = INT32_MIN;
        c->items[i].window_until = INT32_MAX;
        section *sec = sec_at(c, SEC_PIECE, i);
        run_section(c, sec, i);
        piece_post(c, sec);
    }
}

static void program_post(ctx *c, const section *sec)
{
    const sched_program *pg = cur_prog(c);
    int lc = sec->key_line[PG_COMMUNES], lb = sec->key_line[PG_BOXES];
    if (lc && lb)
        diag(c, MAX(lc, lb),
             "chương trình chỉ dùng một trong hai khoá: “communes” (dòng %d) hoặc “boxes” "
             "(dòng %d)",
             lc, lb);
    if (pg->valid_from != INT32_MIN && pg->valid_until != INT32_MAX &&
        pg->valid_until < pg->valid_from)
        diag(c, sec->key_line[PG_UNTIL], "ngày kết thúc “until” %s trước ngày bắt đầu “from” %s",
             date_vn(c, pg->valid_until), date_vn(c, pg->valid_from));
}

static void build_programs(ctx *c)
{
    for (size_t i = 0; i < c->secs[SEC_PROGRAM]->len; i++) {
        sched_program *pg = &P(c)->programs[i];
        pg->weekdays = 0x7f;
        pg->valid_from = INT32_MIN;
        pg->valid_until = INT32_MAX;
        pg->targets.kind = SCHED_TARGET_ALL;
        pg->intro = pg->outro = -1;
        section *sec = sec_at(c, SEC_PROGRAM, i);
        run_section(c, sec, i);
        program_post(c, sec);
    }
}

static int cmp_pin(const void *a, const void *b)
{
    const pin_build *x = a, *y = b;
    if (x->pin.day != y->pin.day)
        return x->pin.day < y->pin.day ? -1 : 1;
    if (x->pin.program != y->pin.program)
        return x->pin.program < y->pin.program ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* A pinned programme must run that day; one slot cannot air a piece twice. */
static void check_pins(ctx *c, GArray *pins)
{
    const plan *p = P(c);
    for (guint k = 0; k < pins->len; k++) {
        const pin_build *pb = &g_array_index(pins, pin_build, k);
        if (pb->pin.program < 0)
            continue;
        const sched_program *pg = &p->programs[pb->pin.program];
        int wd = vtime_weekday(pb->pin.day);
        if (pb->pin.day < pg->valid_from || pb->pin.day > pg->valid_until ||
            !(pg->weekdays & (1u << (wd - 1))))
            diag(c, pb->line, "chương trình “%s” không phát vào ngày %s (%s) nên không ghim được",
                 pg->id, date_vn(c, pb->pin.day), vtime_weekday_vn(wd));
    }
    GArray *sorted = g_array_sized_new(FALSE, FALSE, sizeof(pin_build), pins->len);
    g_array_append_vals(sorted, pins->data, pins->len);
    g_array_sort(sorted, cmp_pin);
    for (guint k = 1; k < sorted->len; k++) {
        const pin_build *a = &g_array_index(sorted, pin_build, k - 1);
        const pin_build *b = &g_array_index(sorted, pin_build, k);
        if (b->pin.program >= 0 && a->pin.day == b->pin.day && a->pin.program == b->pin.program)
            diag(c, b->line, "ghim trùng: ngày %s, chương trình “%s” đã ghim ở dòng %d",
                 date_vn(c, b->pin.day), p->programs[b->pin.program].id, a->line);
    }
    g_array_unref(sorted);
}

static void resolve_pins(ctx *c)
{
    for (size_t i = 0; i < c->n_items; i++) {
        if (c->items[i].pins && P(c)->pieces[i].genre != SCHED_GENRE_JINGLE)
            check_pins(c, c->items[i].pins);
    }
}

static void fill_item(ctx *c, size_t piece, sched_plan_item *it)
{
    item_build *ib = &c->items[piece];
    it->piece = (uint32_t)piece;
    it->airings = ib->airings;
    it->window_from = ib->window_from;
    it->window_until = ib->window_until;
    it->communes = ib->communes;
    it->n_communes = ib->n_communes;
    ib->communes = NULL; /* the plan owns it now */
    if (ib->pins) {
        sched_pin *pins = g_new(sched_pin, ib->pins->len);
        for (guint k = 0; k < ib->pins->len; k++)
            pins[k] = g_array_index(ib->pins, pin_build, k).pin;
        it->pins = pins;
        it->n_pins = ib->pins->len;
    }
}

/* Every piece that is not a jingle is in the month plan, in file order. */
static void build_items(ctx *c)
{
    plan_owned *po = c->po;
    plan *p = &po->pub;
    size_t n = 0;
    for (size_t i = 0; i < p->n_pieces; i++)
        n += p->pieces[i].genre != SCHED_GENRE_JINGLE;
    po->items = g_new0(sched_plan_item, n);
    p->item_lines = g_new0(int, n);
    size_t k = 0;
    for (size_t i = 0; i < p->n_pieces; i++) {
        if (p->pieces[i].genre == SCHED_GENRE_JINGLE)
            continue;
        fill_item(c, i, &po->items[k]);
        p->item_lines[k++] = p->piece_lines[i];
    }
    p->month.items = po->items;
    p->month.n_items = n;
}

static void build(ctx *c)
{
    register_ids(c);
    build_district(c);
    build_boxes(c);
    build_month(c);
    build_pieces(c);
    build_programs(c);
    resolve_pins(c);
    build_items(c);
}

/* ---- context and results ---- */

static void section_free(gpointer data)
{
    section *s = data;
    g_array_unref(s->entries);
    g_free(s);
}

static void ctx_init(ctx *c)
{
    memset(c, 0, sizeof *c);
    plan_owned *po = g_new0(plan_owned, 1);
    po->strings = g_string_chunk_new(4096);
    for (int i = 0; i < ID_COUNT; i++)
        po->ids[i] = g_hash_table_new(g_str_hash, g_str_equal);
    c->po = po;
    c->diags = g_array_new(FALSE, FALSE, sizeof(diag_rec));
    c->tmp = g_string_chunk_new(4096);
    for (int i = 0; i < SEC_COUNT; i++) {
        c->secs[i] = g_ptr_array_new_with_free_func(section_free);
        c->sec_ids[i] = g_hash_table_new(g_str_hash, g_str_equal);
    }
}

static void ctx_clear(ctx *c)
{
    for (size_t i = 0; i < c->n_items; i++) {
        if (c->items[i].pins)
            g_array_unref(c->items[i].pins);
        g_free(c->items[i].communes);
    }
    g_free(c->items);
    for (int i = 0; i < SEC_COUNT; i++) {
        g_ptr_array_unref(c->secs[i]);
        g_hash_table_unref(c->sec_ids[i]);
    }
    for (guint i = 0; i < c->diags->len; i++)
        g_free(g_array_index(c->diags, diag_rec, i).msg);
    g_array_unref(c->diags);
    g_string_chunk_free(c->tmp);
    plan_free(c->po ? &c->po->pub : NULL);
}

static int cmp_diag(const void *a, const void *b)
{
    const diag_rec *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts the errors by line and hands them to the caller (or drops them when it wants none). */
static void take_diags(ctx *c, plan_diags *out)
{
    g_array_sort(c->diags, cmp_diag);
    if (c->dropped) {
        int last = g_array_index(c->diags, diag_rec, c->diags->len - 1).line;
        diag_rec d = {last, c->diags->len,
                      g_strdup_printf("còn %u lỗi khác không liệt kê; hãy sửa các lỗi trên trước",
                                      c->dropped)};
        g_array_append_val(c->diags, d);
    }
    if (!out)
        return;
    out->items = g_new0(plan_diag, c->diags->len);
    out->n = c->diags->len;
    for (guint i = 0; i < c->diags->len; i++) {
        diag_rec *d = &g_array_index(c->diags, diag_rec, i);
        out->items[i] = (plan_diag){d->line, d->msg};
        d->msg = NULL;
    }
}

int plan_parse(const char *buf, size_t len, plan **out, plan_diags *diags)
{
    if (!out || (!buf && len))
        return -EINVAL;
    *out = NULL;
    if (diags)
        plan_diags_clear(diags);
    if (!buf)
        buf = "";
    ctx c;
    ctx_init(&c);
    int rc = -EINVAL;
    if (len > MAX_FILE) {
        diag(&c, 0, "tệp kế hoạch quá lớn: %zu byte (tối đa 4 MiB)", len);
        goto out;
    }
    if (!check_utf8(&c, buf, len))
        goto out;
    lex(&c, buf, len);
    if (!c.dropped)
        build(&c);
    if (c.diags->len == 0) {
        *out = &c.po->pub;
        c.po = NULL;
        rc = 0;
    }
out:
    take_diags(&c, diags);
    ctx_clear(&c);
    return rc;
}

void plan_free(plan *p)
{
    if (!p)
        return;
    plan_owned *po = (plan_owned *)p;
    for (size_t i = 0; i < p->n_programs; i++)
        g_free((void *)p->programs[i].targets.ids);
    for (size_t i = 0; i < p->month.n_items; i++) {
        g_free((void *)po->items[i].pins);
        g_free((void *)po->items[i].communes);
    }
    g_free(p->programs);
    g_free(p->program_lines);
    g_free(p->pieces);
    g_free(p->piece_lines);
    g_free(p->item_lines);
    g_free(po->items);
    g_free(po->communes);
    g_free(po->boxes);
    for (int i = 0; i < ID_COUNT; i++)
        g_hash_table_unref(po->ids[i]);
    g_string_chunk_free(po->strings);
    g_free(po);
}

void plan_diags_clear(plan_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        g_free(d->items[i].message);
    g_free(d->items);
    d->items = NULL;
    d->n = 0;
}

int plan_find_program(const plan *p, const char *id)
{
    return p && id ? lookup((const plan_owned *)p, ID_PROGRAM, id) : -1;
}

int plan_find_piece(const plan *p, const char *id)
{
    return p && id ? lookup((const plan_owned *)p, ID_PIECE, id) : -1;
}

int plan_find_commune(const plan *p, const char *name_or_id)
{
    return p && name_or_id ? lookup((const plan_owned *)p, ID_COMMUNE, name_or_id) : -1;
}

int plan_find_box(const plan *p, const char *id)
{
    return p && id ? lookup((const plan_owned *)p, ID_BOX, id) : -1;
}
