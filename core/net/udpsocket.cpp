#include "core/net/udpsocket.h"

#include "core/net/listensocket.h"
#include "core/util/units.h"

#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

int openUdpSocket(const QHostAddress &address, quint16 port, QString *error)
{
    return openBoundSocket(
        address, port, SOCK_DGRAM,
        [](int fd, int family) {
            const int one = 1;
            if (family == AF_INET6)
                ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
            // Also on an IPv6 socket: IPv4 datagrams of a dual-stack socket carry it then.
            ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
            ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
            ::setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
        },
        error);
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
