/* model: the data model of the schedule engine (docs/architecture.md §3) and the checks every
 * engine entry point runs on it. All instants are UTC epoch ms; calendar days are vtime day
 * numbers. Input structs borrow their strings and arrays from the caller; results own theirs. */
#ifndef LOALANG_SCHED_MODEL_H
#define LOALANG_SCHED_MODEL_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sched_genre {
    SCHED_GENRE_NEWS,      /* tin */
    SCHED_GENRE_ARTICLE,   /* bài */
    SCHED_GENRE_REPORT,    /* phóng sự */
    SCHED_GENRE_INTERVIEW, /* phỏng vấn */
    SCHED_GENRE_JINGLE,    /* nhạc hiệu: programme intro/outro, never in a month plan */
    SCHED_GENRE_COUNT,
} sched_genre;

typedef enum sched_priority {
    SCHED_PRIO_NORMAL,
    SCHED_PRIO_PRIORITY,
    SCHED_PRIO_EMERGENCY,
} sched_priority;

typedef enum sched_target_kind {
    SCHED_TARGET_ALL,      /* every box of every commune */
    SCHED_TARGET_COMMUNES, /* every box of the listed communes */
    SCHED_TARGET_BOXES,    /* the listed boxes only */
} sched_target_kind;

/* ids: indices into the district's communes or boxes, strictly increasing. */
typedef struct sched_targets {
    sched_target_kind kind;
    const uint32_t *ids;
    size_t n;
} sched_targets;

typedef struct sched_commune {
    const char *id;
    const char *name;
} sched_commune;

typedef struct sched_box {
    const char *id;
    const char *name;
    uint32_t commune; /* index into communes */
} sched_box;

typedef struct sched_district {
    const sched_commune *communes;
    size_t n_communes;
    const sched_box *boxes;
    size_t n_boxes;
} sched_district;

/* A recurring slot (chương trình định kỳ). */
typedef struct sched_program {
    const char *id;
    const char *title;
    uint8_t weekdays;    /* bit 0 = Monday … bit 6 = Sunday; 0x7f = every day */
    int32_t start_s;     /* local wall-clock start, seconds after midnight */
    int32_t length_s;    /* 60 … 86400 */
    int32_t valid_from;  /* first day (inclusive); INT32_MIN = open */
    int32_t valid_until; /* last day (inclusive); INT32_MAX = open */
    sched_targets targets;
    int32_t intro, outro; /* piece index of a SCHED_GENRE_JINGLE piece, or -1 */
} sched_program;

typedef struct sched_piece {
    const char *id;
    const char *title;
    sched_genre genre;
    int64_t duration_ms;  /* > 0 */
    const char *theme;    /* may be NULL */
    const char *exemplar; /* the person or collective featured; NULL if none */
    int32_t commune;      /* commune it is about, or -1 */
    sched_priority priority;
} sched_piece;

/* A pin: this piece airs on `day`, in the slot of `program` (or, with program -1, in any
 * slot that day). */
typedef struct sched_pin {
    int32_t day;
    int32_t program;
} sched_pin;

/* A piece chosen for the month and its constraints. */
typedef struct sched_plan_item {
    uint32_t piece;   /* index into pieces; never a jingle */
    uint32_t airings; /* airings needed in the month (≥ n_pins; 0 is raised to n_pins or 1) */
    const sched_pin *pins;
    size_t n_pins;
    int32_t window_from;      /* first day allowed (inclusive); INT32_MIN = month start */
    int32_t window_until;     /* last day allowed (inclusive); INT32_MAX = month end */
    const uint32_t *communes; /* target communes, strictly increasing; n_communes 0 = the
                                 programme's own targets */
    size_t n_communes;
} sched_plan_item;

typedef struct sched_month_plan {
    int year, month;
    const char *theme; /* chủ đề tháng; may be NULL */
    const sched_plan_item *items;
    size_t n_items;
} sched_month_plan;

/* Everything the engine needs. tz converts local wall-clock times to instants; now_ms is the
 * present: slots starting before it are not filled (INT64_MIN to fill every slot). */
typedef struct sched_input {
    const sched_district *district;
    const sched_program *programs;
    size_t n_programs;
    const sched_piece *pieces;
    size_t n_pieces;
    const sched_month_plan *plan;
    GTimeZone *tz;
    int64_t now_ms;
} sched_input;

/* Machine names ("news", "article", "report", "interview", "jingle"; "normal", "priority",
 * "emergency") and Vietnamese names for people ("Tin", "Bài", "Phóng sự", "Phỏng vấn",
 * "Nhạc hiệu"; "Thường", "Ưu tiên", "Khẩn cấp"). *_parse accept the machine names only. */
const char *sched_genre_name(sched_genre g);
const char *sched_genre_label_vn(sched_genre g);
int sched_genre_parse(const char *s, sched_genre *out);
const char *sched_priority_name(sched_priority p);
const char *sched_priority_label_vn(sched_priority p);
int sched_priority_parse(const char *s, sched_priority *out);

/* Checks the structural rules above (indices in range, ids sorted and unique, lengths and
 * durations positive, jingles where jingles belong …). Returns 0 or -EINVAL with a short
 * English description for engineers in err (callers that read files validate earlier and
 * report in Vietnamese with line numbers; this guards the engine against its own callers). */
int sched_input_validate(const sched_input *in, char *err, size_t err_len);

#endif
