#include "core/net/listensocket.h"

#include "core/util/syserror.h"

#include <cerrno>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

int tryBind(int family, int type, const sockaddr *addr, socklen_t length, bool v6Only,
            const std::function<void(int, int)> &prepare, int *error)
{
    const int protocol = type == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
    const int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd < 0) {
        *error = errno;
        return -1;
    }
    const int v6OnlyValue = v6Only ? 1 : 0;
    if (family == AF_INET6)
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6OnlyValue, sizeof v6OnlyValue);
    if (prepare)
        prepare(fd, family);
    if (::bind(fd, addr, length) != 0) {
        *error = errno;
        ::close(fd);
        return -1;
    }
    return fd;
}

} // namespace

int openBoundSocket(const QHostAddress &address, quint16 port, int type,
                    const std::function<void(int fd, int family)> &prepare, QString *error)
{
    int err = 0;
    int fd = -1;
    const bool dualStack = address == QHostAddress(QHostAddress::Any);
    if (dualStack || address.protocol() == QAbstractSocket::IPv6Protocol) {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(port);
        if (!dualStack) {
            const Q_IPV6ADDR bytes = address.toIPv6Address();
            static_assert(sizeof bytes.c == sizeof sa.sin6_addr.s6_addr);
            std::copy(std::begin(bytes.c), std::end(bytes.c), sa.sin6_addr.s6_addr);
            const QString scope = address.scopeId();
            if (!scope.isEmpty()) {
                bool numeric = false;
                sa.sin6_scope_id = scope.toUInt(&numeric);
                if (!numeric)
                    sa.sin6_scope_id = ::if_nametoindex(scope.toLocal8Bit().constData());
            }
        }
        fd = tryBind(AF_INET6, type, reinterpret_cast<const sockaddr *>(&sa), sizeof sa, !dualStack,
                     prepare, &err);
        if (fd >= 0 || !dualStack || err != EAFNOSUPPORT) {
            if (fd < 0 && error)
                *error = systemErrorString(err);
            return fd;
        }
        // No IPv6 on this host: the wildcard still means every IPv4 address.
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = dualStack ? htonl(INADDR_ANY) : htonl(address.toIPv4Address());
    fd = tryBind(AF_INET, type, reinterpret_cast<const sockaddr *>(&sa), sizeof sa, false, prepare,
                 &err);
    if (fd < 0 && error)
        *error = systemErrorString(err);
    return fd;
}

int openListeningSocket(const QHostAddress &address, quint16 port, QString *error)
{
    // SO_REUSEADDR lets a restart bind while old connections sit in TIME_WAIT (as Qt does).
    const int fd = openBoundSocket(
        address, port, SOCK_STREAM,
        [](int socket, int) {
            const int one = 1;
            ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        },
        error);
    if (fd >= 0 && ::listen(fd, SOMAXCONN) != 0) {
        if (error)
            *error = systemErrorString(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

std::pair<QHostAddress, quint16> socketEndpoint(int fd, EndpointSide side)
{
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    auto *address = reinterpret_cast<sockaddr *>(&storage);
    const int rc = side == EndpointSide::Peer ? ::getpeername(fd, address, &length)
                                              : ::getsockname(fd, address, &length);
    if (rc != 0)
        return {};
    const quint16 port = storage.ss_family == AF_INET6
                             ? ntohs(reinterpret_cast<sockaddr_in6 *>(&storage)->sin6_port)
                             : ntohs(reinterpret_cast<sockaddr_in *>(&storage)->sin_port);
    return {QHostAddress(address), port};
}

} // namespace capture
