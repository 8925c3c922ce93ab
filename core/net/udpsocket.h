#pragma once

#include <QHostAddress>
#include <QString>

namespace capture {

/// Opens a non-blocking UDP socket bound to address:port, with the operating system's own
/// reason on failure (as openListeningSocket() for TCP). QHostAddress::Any receives IPv6 and
/// IPv4. The socket asks for each datagram's kernel receive time (SO_TIMESTAMPNS), the
/// socket's drop count (SO_RXQ_OVFL) and the address it was sent to (IP_PKTINFO,
/// IPV6_RECVPKTINFO). Returns the descriptor, or -1 with `error` set.
int openUdpSocket(const QHostAddress &address, quint16 port, QString *error);

/// What setting a socket's receive buffer came to.
struct ReceiveBufferGrant
{
    qint64 requested = 0;
    qint64 granted = 0;  ///< what the kernel reports (getsockopt: twice the usable size)
    bool forced = false; ///< SO_RCVBUFFORCE was permitted (CAP_NET_ADMIN)
    /// Set when the kernel granted less than requested: what it granted and how to raise
    /// net.core.rmem_max.
    QString warning;

    bool operator==(const ReceiveBufferGrant &) const = default;
};

/// Sets the receive buffer of `fd` to `bytes`: SO_RCVBUFFORCE when permitted, else SO_RCVBUF
/// (capped by net.core.rmem_max).
ReceiveBufferGrant setReceiveBuffer(int fd, qint64 bytes);

/// The kernel's count of datagrams dropped on this socket so far (SO_MEMINFO), or -1 when it
/// cannot be read.
qint64 socketDropCount(int fd);

} // namespace capture
