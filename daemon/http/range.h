/* range: the HTTP Range header (RFC 9110 §14) for single byte ranges, which is all a box's
 * resumed download sends. Pure: no I/O, safe on any input (fuzzed). */
#ifndef LOALANG_RANGE_H
#define LOALANG_RANGE_H

#include <stdint.h>

typedef enum range_result {
    RANGE_NONE = 0,         /* no usable Range: send the whole representation (200) */
    RANGE_PARTIAL = 1,      /* *start, *len: send 206 with Content-Range */
    RANGE_UNSATISFIABLE = 2 /* send 416 with Content-Range: bytes * /size */
} range_result;

/* Reads header (may be NULL) against a representation of size bytes. Syntactically invalid
 * headers, other units and multi-range requests give RANGE_NONE, as the RFC allows. */
range_result range_parse(const char *header, uint64_t size, uint64_t *start, uint64_t *len);

#endif
