#ifndef SUNDIAL_RE2_SHIM_H
#define SUNDIAL_RE2_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A compiled RE2 pattern (Go's regexp syntax and semantics, matching in linear time).
typedef struct sundial_re2 sundial_re2;

/// Compiles `pattern` (UTF-8, `length` bytes); NULL when RE2 refuses it or memory runs out.
sundial_re2 *sundial_re2_new(const char *pattern, size_t length, long long max_memory);

/// Whether the pattern matches anywhere in `text` (Go's `MatchString`).
int sundial_re2_partial_match(const sundial_re2 *re, const char *text, size_t length);

void sundial_re2_free(sundial_re2 *re);

#ifdef __cplusplus
}
#endif

#endif
