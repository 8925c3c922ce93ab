#include "core/http/httpacceptserver.h"

#include "core/net/listensocket.h"

#include <QTimer>

#include <unistd.h>

namespace capture {

HttpAcceptServer *HttpAcceptServer::listen(const QHostAddress &address, quint16 port,
                                           QObject *parent, QString *error)
{
    QString reason;
    const int fd = openListeningSocket(address, port, &reason);
    if (fd >= 0) {
        auto *server = new HttpAcceptServer(parent);
        if (server->setSocketDescriptor(fd)) {
            QObject::connect(server, &QTcpServer::acceptError, server, [server] {
                if (server->acceptFailed)
                    server->acceptFailed(server->errorString());
                QTimer::singleShot(resumeAcceptingAfterMs, server,
                                   [server] { server->resumeAccepting(); });
            });
            return server;
        }
        reason = server->errorString();
        ::close(fd);
        delete server;
    }
    if (error)
        *error = reason;
    return nullptr;
}

} // namespace capture
