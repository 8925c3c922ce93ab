#include "core/net/acceptserver.h"

#include "core/net/listensocket.h"

#include <QTimer>

#include <unistd.h>

namespace capture {

AcceptServer::AcceptServer(std::function<void(int descriptor)> accepted, QObject *parent)
    : QTcpServer(parent)
    , m_accepted(std::move(accepted))
{
    connect(this, &QTcpServer::acceptError, this, [this] {
        Q_EMIT acceptFailed(errorString());
        // QTcpServer pauses itself on a lasting accept error (e.g. out of file descriptors).
        QTimer::singleShot(resumeAcceptingAfterMs, this, [this] {
            if (isListening() && !m_held)
                resumeAccepting();
        });
    });
}

bool AcceptServer::open(const QHostAddress &address, quint16 port, QString *error)
{
    QString reason;
    const int fd = openListeningSocket(address, port, &reason);
    if (fd >= 0) {
        if (setSocketDescriptor(fd))
            return true;
        reason = errorString();
        ::close(fd);
    }
    if (error)
        *error = reason;
    return false;
}

void AcceptServer::setHeld(bool held)
{
    m_held = held;
    if (held)
        pauseAccepting();
    else if (isListening())
        resumeAccepting();
}

void AcceptServer::incomingConnection(qintptr descriptor)
{
    m_accepted(int(descriptor));
}

} // namespace capture
