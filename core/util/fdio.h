#pragma once

#include <cstddef>

namespace capture {

/// What writeAll() did: how much it wrote, and why it stopped early (as a value, not in errno).
struct WriteResult
{
    std::size_t written = 0; ///< bytes written, also when it stopped early
    int error = 0;           ///< errno of the write that failed; 0 when none failed
    bool wroteAll = false;   ///< all of it was written
    /// Stopped early without an error: write(2) took nothing and said nothing (size 0 written),
    /// which a full file system may do.
    bool stalled() const { return !wroteAll && error == 0; }
};

/// How writeAll() writes.
enum class WriteTo {
    Descriptor, ///< write(2): files, pipes, terminals
    Socket,     ///< send(2) with MSG_NOSIGNAL: a peer that closed is EPIPE, never SIGPIPE
};

/// Writes all `size` bytes of `data` to `fd`, retrying after a signal (EINTR) and after a
/// partial write. Stops at the first error, with the bytes written until then; a non-blocking
/// descriptor that takes no more now stops it with EAGAIN (or EWOULDBLOCK), and the caller
/// decides whether that is an error. Never waits for the descriptor itself.
WriteResult writeAll(int fd, const void *data, std::size_t size, WriteTo to = WriteTo::Descriptor);

} // namespace capture
