#pragma once

#include <QHostAddress>
#include <QString>
#include <QTcpServer>

#include <functional>

namespace capture {

/// The status server's listening socket. It hands each accepted descriptor over as it is, so
/// refused clients cost no QTcpSocket; after an accept error (QTcpServer stops accepting then,
/// out of descriptors, say) it reports the error and resumes accepting a second later.
///
/// A copy of what AcceptServer in core/capture/portlistener.cpp does for the capture ports:
/// once the one accept server (core/net/acceptserver.h) exists, it replaces this file, and
/// HttpServer::listen() is the only place that uses it.
class HttpAcceptServer : public QTcpServer
{
public:
    using QTcpServer::QTcpServer;
    static constexpr int resumeAcceptingAfterMs = 1000;

    /// Listens on `address`:`port`, a child of `parent`; nullptr with the reason in `error`.
    static HttpAcceptServer *listen(const QHostAddress &address, quint16 port, QObject *parent,
                                    QString *error);

    std::function<void(int descriptor)> accepted;
    /// An accept failed with this reason; accepting resumes after resumeAcceptingAfterMs.
    std::function<void(const QString &reason)> acceptFailed;

protected:
    void incomingConnection(qintptr descriptor) override { accepted(int(descriptor)); }
};

} // namespace capture
