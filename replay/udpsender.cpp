#include "replay/udpsender.h"

#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace replay {

UdpSender::~UdpSender()
{
    close();
}

bool UdpSender::open(const std::vector<ServerAddress> &addresses, std::uint16_t port,
                     std::string *error)
{
    for (const ServerAddress &address : addresses) {
        ServerAddress to = address;
        if (to.address.ss_family == AF_INET6)
            reinterpret_cast<sockaddr_in6 *>(&to.address)->sin6_port = htons(port);
        else
            reinterpret_cast<sockaddr_in *>(&to.address)->sin_port = htons(port);
        const int fd = ::socket(to.address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            *error = std::strerror(errno);
            continue;
        }
        if (::connect(fd, reinterpret_cast<const sockaddr *>(&to.address), to.length) != 0) {
            *error = std::strerror(errno);
            ::close(fd);
            continue;
        }
        m_fd = fd;
        return true;
    }
    return false;
}

bool UdpSender::send(const std::uint8_t *data, std::size_t size, std::string *error)
{
    for (int attempt = 0;; ++attempt) {
        const ssize_t n = ::send(m_fd, data, size, 0);
        if (n == ssize_t(size)) {
            ++m_datagrams;
            m_bytes += size;
            return true;
        }
        const int err = n < 0 ? errno : EMSGSIZE;
        // The local queue was full for a moment (ENOBUFS): the datagram was not sent; again.
        if ((err == EINTR || err == ENOBUFS || err == EAGAIN) && attempt < 1000) {
            if (err != EINTR)
                ::usleep(100);
            continue;
        }
        *error = err == ECONNREFUSED
                     ? std::string("the receiver's host answered that nothing receives UDP on "
                                   "the port (ICMP port unreachable)")
                     : std::string("cannot send a datagram of ") + std::to_string(size) +
                           " bytes: " + std::strerror(err);
        return false;
    }
}

void UdpSender::close()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

} // namespace replay
