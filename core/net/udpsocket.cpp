#include "core/net/udpsocket.h"

#include "core/util/syserror.h"
#include "core/util/units.h"

#include <cerrno>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

namespace {

int tryBind(int family, const sockaddr *addr, socklen_t length, bool v6Only, int *error)
{
    const int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0) {
        *error = errno;
        return -1;
    }
    const int one = 1;
    const int v6OnlyValue = v6Only ? 1 : 0;
    if (family == AF_INET6) {
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6OnlyValue, sizeof v6OnlyValue);
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    }
    // Also on an IPv6 socket: IPv4 datagrams of a dual-stack socket carry it then.
    ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    ::setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    if (::bind(fd, addr, length) != 0) {
        *error = errno;
        ::close(fd);
        return -1;
    }
    return fd;
}

} // namespace

int openUdpSocket(const QHostAddress &address, quint16 port, QString *error)
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
            std::copy(std::begin(bytes.c), std::end(bytes.c), sa.sin6_addr.s6_addr);
            const QString scope = address.scopeId();
            if (!scope.isEmpty()) {
                bool numeric = false;
                sa.sin6_scope_id = scope.toUInt(&numeric);
                if (!numeric)
                    sa.sin6_scope_id = ::if_nametoindex(scope.toLocal8Bit().constData());
            }
        }
        fd =
            tryBind(AF_INET6, reinterpret_cast<const sockaddr *>(&sa), sizeof sa, !dualStack, &err);
        if (fd >= 0 || !dualStack || err != EAFNOSUPPORT) {
            if (fd < 0 && error)
                *error = systemErrorString(err);
            return fd;
        }
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = dualStack ? htonl(INADDR_ANY) : htonl(address.toIPv4Address());
    fd = tryBind(AF_INET, reinterpret_cast<const sockaddr *>(&sa), sizeof sa, false, &err);
    if (fd < 0 && error)
        *error = systemErrorString(err);
    return fd;
}

ReceiveBufferGrant setReceiveBuffer(int fd, qint64 bytes)
{
    ReceiveBufferGrant grant;
    grant.requested = bytes;
    const int value = int(qMin<qint64>(bytes, 0x7fffffff / 2));
    grant.forced = ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &value, sizeof value) == 0;
    if (!grant.forced)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, sizeof value);
    int granted = 0;
    socklen_t length = sizeof granted;
    if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &length) == 0)
        grant.granted = granted;
    // The kernel doubles what it is given (for its bookkeeping) and reports the double.
    if (grant.granted < 2 * qint64(value))
        grant.warning =
            u"the kernel granted a receive buffer of %1 (getsockopt reports twice the usable "
            "size) instead of the %2 asked for: raise the limit with sysctl -w "
            "net.core.rmem_max=%3 (or run with CAP_NET_ADMIN), or datagrams may be dropped "
            "in bursts"_s.arg(formatBytes(quint64(grant.granted)), formatBytes(quint64(bytes)))
                .arg(bytes);
    return grant;
}

qint64 socketDropCount(int fd)
{
    quint32 info[SK_MEMINFO_VARS] = {};
    socklen_t length = sizeof info;
    if (::getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, &length) != 0 ||
        length < sizeof(quint32) * (SK_MEMINFO_DROPS + 1))
        return -1;
    return info[SK_MEMINFO_DROPS];
}

} // namespace capture
