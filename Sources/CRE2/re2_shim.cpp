// A C surface over RE2 for Swift: compile once, match unanchored, free.
#include "re2_shim.h"

#include <new>
#include <re2/re2.h>

struct sundial_re2 {
    re2::RE2 re;
    sundial_re2(const re2::StringPiece &pattern, const re2::RE2::Options &options) : re(pattern, options) {}
};

extern "C" sundial_re2 *sundial_re2_new(const char *pattern, size_t length, long long max_memory) {
    re2::RE2::Options options;
    // Syntax errors are reported by the InfluxQL parser with Go's texts, not logged here.
    options.set_log_errors(false);
    if (max_memory > 0) options.set_max_mem(max_memory);
    sundial_re2 *compiled = new (std::nothrow) sundial_re2(re2::StringPiece(pattern, length), options);
    if (compiled == nullptr) return nullptr;
    if (!compiled->re.ok()) {
        delete compiled;
        return nullptr;
    }
    return compiled;
}

extern "C" int sundial_re2_partial_match(const sundial_re2 *re, const char *text, size_t length) {
    return re2::RE2::PartialMatch(re2::StringPiece(text, length), re->re) ? 1 : 0;
}

extern "C" void sundial_re2_free(sundial_re2 *re) { delete re; }
