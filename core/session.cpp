#include "session.h"

#include "filesink.h"
#include "logging.h"

#include <QTcpSocket>

#include <sys/ioctl.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

Session::Session(quint64 id, QTcpSocket *socket, std::shared_ptr<FileSink> sink,
                 std::vector<char> *readBuffer, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_sink(std::move(sink))
    , m_buffer(readBuffer)
{
    socket->setParent(this);
    m_info.id = id;
    m_info.peerAddress = socket->peerAddress();
    m_info.peerPort = socket->peerPort();
    m_info.localPort = socket->localPort();
    m_info.opened = QDateTime::currentDateTime();
    m_info.file = m_sink ? m_sink->path() : QString();

    connect(socket, &QTcpSocket::readyRead, this, &Session::onReadyRead);
    connect(socket, &QTcpSocket::disconnected, this, &Session::onDisconnected);
    connect(socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error != QAbstractSocket::RemoteHostClosedError)
            m_socketError = m_socket ? m_socket->errorString() : QString();
    });
}

Session::~Session() = default;

void Session::tick(double seconds)
{
    const quint64 delta = m_info.bytesReceived - m_bytesAtLastTick;
    m_bytesAtLastTick = m_info.bytesReceived;
    m_info.rate = seconds > 0 ? double(delta) / seconds : 0.0;
}

bool Session::pump()
{
    if (!m_socket || !m_sink)
        return false;
    char *const data = m_buffer->data();
    const qint64 capacity = qint64(m_buffer->size());
    for (;;) {
        const qint64 n = m_socket->read(data, capacity);
        if (n <= 0)
            return true;
        m_info.bytesReceived += quint64(n);
        const quint64 before = m_sink->bytesWritten();
        const bool ok = m_sink->write(data, n);
        m_info.bytesWritten += m_sink->bytesWritten() - before;
        if (!ok) {
            const QString reason = m_sink->errorString();
            Q_EMIT writeFailed(this, reason);
            finish(u"write error: %1"_s.arg(reason));
            return false;
        }
    }
}

void Session::onReadyRead()
{
    if (!m_finished)
        pump();
}

void Session::onDisconnected()
{
    if (m_finished)
        return;
    if (!pump())
        return;
    finish(m_socketError.isEmpty() ? u"peer closed"_s : m_socketError);
}

void Session::finishAfterFinalRead(const QString &reason)
{
    if (m_finished)
        return;
    if (!pump())
        return;
    // Bound the final read by what the kernel held when we started: a peer that keeps
    // sending must not keep a stop waiting.
    int queued = 0;
    if (m_socket && ::ioctl(int(m_socket->socketDescriptor()), FIONREAD, &queued) != 0)
        queued = 0;
    qint64 budget = queued;
    while (budget > 0 && !m_finished && m_socket &&
           m_socket->state() == QAbstractSocket::ConnectedState) {
        const quint64 before = m_info.bytesReceived;
        if (!m_socket->waitForReadyRead(0))
            break;
        if (m_finished || !pump())
            return;
        const quint64 got = m_info.bytesReceived - before;
        if (got == 0)
            break;
        budget -= qint64(got);
    }
    finish(reason);
}

void Session::finish(const QString &reason)
{
    if (m_finished)
        return;
    // Whatever Qt already holds was received from the peer: it belongs in the file.
    if (m_socket && m_socket->bytesAvailable() > 0 && m_sink && !m_sink->hasFailed()) {
        if (!pump())
            return; // pump() failed and finished with the write error as the reason
    }
    m_finished = true;
    qCDebug(lcCore) << "connection" << m_info.id << "finished:" << reason << m_info.bytesReceived
                    << "bytes received," << m_info.bytesWritten << "written";
    m_info.closed = QDateTime::currentDateTime();
    m_info.closeReason = reason;
    m_info.rate = 0;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    Q_EMIT finished(this);
}

} // namespace capture
