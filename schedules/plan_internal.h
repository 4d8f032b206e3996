/* plan_internal: what the files of the plan-file parser share; internal to schedules/, not part
 * of planfile.h's public face. planfile.c runs pass 1 (plan_lex.c: lines → sections of keyed
 * entries) then pass 2 (plan_build.c, with one file of key handlers per kind of section).
 *
 * The short enum names (SEC_*, K_*, ID_*, PG_*, PC_*, MAX_*) are the parser's own vocabulary;
 * only the plan*.c files include this header. */
#ifndef LOALANG_SCHED_PLAN_INTERNAL_H
#define LOALANG_SCHED_PLAN_INTERNAL_H

#include "planfile.h"

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

typedef enum plan_sec_type {
    SEC_DISTRICT,
    SEC_BOX,
    SEC_MONTH,
    SEC_PROGRAM,
    SEC_PIECE,
    SEC_COUNT
} plan_sec_type;

enum plan_key_flags {
    K_REQUIRED = 1 << 0,
    K_REPEAT = 1 << 1,     /* may be given on several lines (pin) */
    K_LIST = 1 << 2,       /* comma-separated; the size limit applies to each entry */
    K_TEXT = 1 << 3,       /* free text: the longer size limit */
    K_CONSTRAINT = 1 << 4, /* a month-plan constraint, meaningless on a jingle */
};

typedef enum plan_id_kind { ID_COMMUNE, ID_BOX, ID_PROGRAM, ID_PIECE, ID_COUNT } plan_id_kind;

/* Key indices of the two big sections; their key tables and key_line are indexed by them. */
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

G_STATIC_ASSERT((int)PG_COUNT <= (int)MAX_KEYS && (int)PC_COUNT <= (int)MAX_KEYS);

typedef struct plan_entry {
    int key;
    const char *name; /* the key's canonical name, for messages */
    int line;
    const char *value; /* trimmed, NFC */
} plan_entry;

typedef struct plan_section {
    plan_sec_type type;
    const char *id; /* NULL for [district] and [month] */
    int line;
    int key_line[MAX_KEYS]; /* first line of each key; 0 = absent */
    GArray *entries;        /* plan_entry */
} plan_section;

/* The plan and what only plan_free needs to know about. `pub` first: callers hold a plan *. */
typedef struct plan_owned {
    plan pub;
    GStringChunk *strings;
    GHashTable *ids[ID_COUNT]; /* id or name → index + 1 */
    sched_commune *communes;
    sched_box *boxes;
    sched_plan_item *items;
} plan_owned;

typedef struct plan_pin {
    sched_pin pin;
    int line;
} plan_pin;

/* A piece's month constraints while reading; they become a sched_plan_item unless it is a
 * jingle (which is an error when any of them is present). */
typedef struct plan_item_build {
    uint32_t airings; /* 0 = not given */
    GArray *pins;     /* plan_pin; NULL when none */
    bool pins_overflow;
    int32_t window_from, window_until;
    uint32_t *communes;
    size_t n_communes;
} plan_item_build;

typedef enum plan_month_state { MONTH_NONE, MONTH_OK, MONTH_BAD } plan_month_state;

typedef struct plan_diag_rec {
    int line;
    unsigned seq; /* keeps errors of one line in the order they were found */
    char *msg;
} plan_diag_rec;

typedef struct plan_ctx {
    plan_owned *po;
    GArray *diags; /* plan_diag_rec */
    unsigned dropped;
    GStringChunk *tmp; /* lexed values and message fragments; freed with the ctx */
    GPtrArray *secs[SEC_COUNT];
    GHashTable *sec_ids[SEC_COUNT]; /* id ("" for singletons) → section, to catch duplicates */
    plan_section *sec;              /* the section being lexed or built */
    bool skipping;                  /* after a bad header: its keys are ignored silently */
    size_t cur;                     /* index of the struct being built */
    plan_item_build *items;         /* one per piece */
    size_t n_items;
    bool have_communes; /* false: unknown-commune errors would only echo a district error */
    plan_month_state month;
    int32_t month_first, month_last;
} plan_ctx;

typedef void (*plan_key_fn)(plan_ctx *c, const plan_entry *e);

typedef struct plan_key_spec {
    const char *name;
    unsigned flags;
    plan_key_fn fn;
} plan_key_spec;

/* One kind of section. Pass 2 builds section i as: init (defaults), the key handlers in line
 * order, the required-key check, post (checks that need every key). init and post may be NULL. */
typedef struct plan_sec_spec {
    const char *name;
    bool has_id;
    const plan_key_spec *keys;
    size_t n_keys;
    void (*init)(plan_ctx *c);
    void (*post)(plan_ctx *c, const plan_section *sec);
} plan_sec_spec;

static inline plan *plan_pub(plan_ctx *c)
{
    return &c->po->pub;
}

static inline plan_section *plan_sec_at(plan_ctx *c, plan_sec_type t, size_t i)
{
    return g_ptr_array_index(c->secs[t], i);
}

/* planfile.c: a copy of s that lives as long as the plan. */
const char *plan_keep(plan_ctx *c, const char *s);

/* plan_diag.c: errors are collected (at most MAX_DIAGS, then only counted), sorted by line. */
void plan_error(plan_ctx *c, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* A value as quoted in a message: clipped to QUOTE_CHARS. The strings below live in c->tmp. */
const char *plan_quote(plan_ctx *c, const char *s);
const char *plan_sec_label(plan_ctx *c, const plan_section *s); /* "[piece tin-01]" */
const char *plan_date_vn(plan_ctx *c, int32_t day);             /* "22/12/2026" */
/* Sorts the errors and moves them into out (NULL: drops them). */
void plan_errors_take(plan_ctx *c, plan_diags *out);
void plan_errors_free(plan_ctx *c);

/* plan_lex.c: pass 1. false when the file as a whole cannot be read (too big, not UTF-8). */
bool plan_lex(plan_ctx *c, const char *buf, size_t len);
/* Strips ASCII white space and no-break spaces, in place. */
char *plan_trim(char *s);
/* Ends s at its first blank; returns what followed, trimmed ("" when nothing did). */
char *plan_cut_word(char *s);

/* plan_values.c: the syntax of values. The plan_parse_* without a ctx report nothing. */
bool plan_parse_count(const char *s, int64_t max, int64_t *out); /* 1 … max */
int plan_parse_duration(const char *s, int64_t *ms_out);
int plan_parse_start(const char *s, int32_t *out);
int plan_parse_genre(const char *s, sched_genre *out);
int plan_parse_priority(const char *s, sched_priority *out);
/* These report what is wrong and return NULL / false. */
GPtrArray *plan_split_list(plan_ctx *c, const plan_entry *e); /* of strings in c->tmp */
bool plan_parse_weekdays(plan_ctx *c, const plan_entry *e, uint8_t *mask);
bool plan_parse_day(plan_ctx *c, int line, const char *text, bool month_day, int32_t *out);

/* plan_refs.c: the index of ids and names, and references to them from values. */
int plan_lookup(const plan_owned *po, plan_id_kind kind, const char *id);
void plan_remember(plan_owned *po, plan_id_kind kind, const char *id, size_t idx);
/* Index of what name names; -1 after reporting. */
int plan_resolve(plan_ctx *c, int line, plan_id_kind kind, const char *name);
/* A list of communes or boxes → indices, strictly increasing; false after reporting. */
bool plan_resolve_list(plan_ctx *c, const plan_entry *e, plan_id_kind kind, uint32_t **ids_out,
                       size_t *n_out);

/* plan_build.c: pass 2, and the table of section kinds both passes read. */
const plan_sec_spec *plan_spec(plan_sec_type t);
void plan_build(plan_ctx *c);

/* plan_district.c, plan_program.c, plan_piece.c: each kind of section's keys. */
extern const plan_sec_spec plan_district_spec, plan_box_spec, plan_month_spec;
extern const plan_sec_spec plan_program_spec;
extern const plan_sec_spec plan_piece_spec;
/* After every section is built: pins name programmes that run that day, once each. */
void plan_pieces_check_pins(plan_ctx *c);
/* Every piece that is not a jingle → the month plan's items, in file order. */
void plan_pieces_to_items(plan_ctx *c);

#endif
