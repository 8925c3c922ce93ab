#include "core/util/processlimits.h"

#include <limits>
#include <sys/resource.h>

namespace capture {

namespace {
constexpr quint64 reservedFiles = 32;
} // namespace

quint64 openFileHardLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_max == RLIM_INFINITY)
        return std::numeric_limits<quint64>::max();
    return quint64(limit.rlim_max);
}

quint64 openFileSoftLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return std::numeric_limits<quint64>::max();
    return quint64(limit.rlim_cur);
}

quint64 raiseOpenFileLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 0;
    if (limit.rlim_cur != limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0)
            ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    return limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<quint64>::max()
                                           : quint64(limit.rlim_cur);
}

quint64 openFilesNeeded(qsizetype portCount)
{
    return quint64(portCount) * 3 + reservedFiles;
}

} // namespace capture
