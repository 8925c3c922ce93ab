#include "core/util/fdio.h"

#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

namespace capture {

WriteResult writeAll(int fd, const void *data, std::size_t size, WriteTo to)
{
    WriteResult result;
    const char *bytes = static_cast<const char *>(data);
    while (result.written < size) {
        const char *from = bytes + result.written;
        const std::size_t left = size - result.written;
        const ssize_t n =
            to == WriteTo::Socket ? ::send(fd, from, left, MSG_NOSIGNAL) : ::write(fd, from, left);
        if (n > 0) {
            result.written += std::size_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            result.error = errno;
        return result;
    }
    result.wroteAll = true;
    return result;
}

} // namespace capture
