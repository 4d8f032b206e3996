/* range: see range.h. */
#include "range.h"

#include <stdbool.h>
#include <string.h>

/* Reads a run of decimal digits; false when there are none or it overflows. */
static bool digits(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (*s < '0' || *s > '9')
        return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *p = s;
    *out = v;
    return true;
}

static void skip_ows(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

range_result range_parse(const char *header, uint64_t size, uint64_t *start, uint64_t *len)
{
    uint64_t first = 0, last = 0;
    bool has_first, has_last;
    if (!header)
        return RANGE_NONE;
    const char *p = header;
    skip_ows(&p);
    if (strncmp(p, "bytes=", 6) != 0)
        return RANGE_NONE;
    p += 6;
    skip_ows(&p);
    has_first = digits(&p, &first);
    if (*p++ != '-')
        return RANGE_NONE;
    has_last = digits(&p, &last);
    skip_ows(&p);
    if (*p != '\0' || (!has_first && !has_last) || (has_first && has_last && last < first))
        return RANGE_NONE; /* malformed, or a list of ranges: answer with the whole file */
    if (!has_first) {      /* suffix: the last `last` bytes */
        if (last == 0 || size == 0)
            return RANGE_UNSATISFIABLE;
        *len = last < size ? last : size;
        *start = size - *len;
        return RANGE_PARTIAL;
    }
    if (first >= size)
        return RANGE_UNSATISFIABLE;
    if (!has_last || last >= size)
        last = size - 1;
    *start = first;
    *len = last - first + 1;
    return RANGE_PARTIAL;
}
