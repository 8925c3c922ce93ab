#pragma once

#include <QHostAddress>
#include <QString>

#include <functional>

namespace capture {

/// Opens a non-blocking listening TCP socket on address:port, as QTcpServer would, but keeps
/// the operating system's own reason on failure ("Address already in use", "Permission
/// denied", "Cannot assign requested address") and uses the system's largest backlog.
/// QHostAddress::Any listens on IPv6 and IPv4 (IPv4 alone where IPv6 is unavailable).
/// Returns the descriptor, or -1 with `error` set.
int openListeningSocket(const QHostAddress &address, quint16 port, QString *error);

/// A non-blocking socket of `type` (SOCK_STREAM, SOCK_DGRAM) bound to address:port, with the
/// same address rules: QHostAddress::Any is IPv6 and IPv4 (IPv4 alone where IPv6 is
/// unavailable), an IPv6 address' scope id is honoured. `prepare(fd, family)` sets options
/// before the bind. Returns the descriptor, or -1 with the operating system's reason in `error`.
int openBoundSocket(const QHostAddress &address, quint16 port, int type,
                    const std::function<void(int fd, int family)> &prepare, QString *error);

enum class EndpointSide { Local, Peer };

/// The local or peer address and port of a connected socket (empty on failure).
std::pair<QHostAddress, quint16> socketEndpoint(int fd, EndpointSide side);

} // namespace capture
