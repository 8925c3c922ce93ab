#pragma once

// Shared by the fuzz targets: the libFuzzer entry points and a check that turns a violated
// invariant into a crash, so libFuzzer saves the input like any other finding.

#include <QString>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace capture::fuzz {

[[noreturn]] inline void checkFailed(const char *condition, const char *file, int line)
{
    std::fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, condition);
    std::fflush(stderr);
    __builtin_trap();
}

/// Whether to check also the invariants of known, reported findings (CAPTURE_FUZZ_STRICT=1):
/// off by default, so a known finding does not stop every run before it finds anything new.
inline bool strict()
{
    static const bool on = [] {
        const char *value = std::getenv("CAPTURE_FUZZ_STRICT");
        return value && *value && *value != '0';
    }();
    return on;
}

/// The fuzz input as text, the way a command line or config value reaches the parsers.
inline QString text(const uint8_t *data, size_t size)
{
    return QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
}

} // namespace capture::fuzz

#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition))                                                                          \
            ::capture::fuzz::checkFailed(#condition, __FILE__, __LINE__);                          \
    } while (false)
