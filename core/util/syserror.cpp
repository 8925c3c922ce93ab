#include "core/util/syserror.h"

#include <cstring>

namespace capture {

QString systemErrorString(int error)
{
    char buffer[256];
    // GNU strerror_r returns the message, which may or may not be in `buffer`.
    const char *message = ::strerror_r(error, buffer, sizeof buffer);
    return QString::fromLocal8Bit(message);
}

} // namespace capture
