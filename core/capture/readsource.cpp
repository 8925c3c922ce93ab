#include "core/capture/readsource.h"

#include "core/net/listensocket.h"
#include "core/util/syserror.h"

#include <QSocketNotifier>
#include <QSslSocket>
#include <QTimer>

#include <cerrno>
#include <climits>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace capture {

DescriptorSource::DescriptorSource(int fd)
    : m_fd(fd)
    , m_notifier(new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, this))
{
    std::tie(m_peerAddress, m_peerPort) = socketEndpoint(fd, EndpointSide::Peer);
    m_localPort = socketEndpoint(fd, EndpointSide::Local).second;
    connect(m_notifier, &QSocketNotifier::activated, this, &ReadSource::readable);
}

DescriptorSource::~DescriptorSource()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

ReadResult DescriptorSource::read(char *data, qint64 capacity)
{
    for (;;) {
        const ssize_t n = ::read(m_fd, data, size_t(capacity));
        if (n > 0)
            return ReadResult::data(n);
        if (n == 0)
            return ReadResult::eof();
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return ReadResult::wouldBlock();
        return ReadResult::failure(systemErrorString(errno));
    }
}

ReadResult::Kind DescriptorSource::peek()
{
    char byte = 0;
    ssize_t n = 0;
    do
        n = ::recv(m_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return ReadResult::Kind::Eof;
    if (n < 0)
        return ReadResult::Kind::WouldBlock; // nothing yet (or an error read() reports)
    return ReadResult::Kind::Data;
}

qint64 DescriptorSource::queued()
{
    int queued = 0;
    if (::ioctl(m_fd, FIONREAD, &queued) != 0)
        return 0;
    return queued;
}

void DescriptorSource::setWatching(bool watching)
{
    if (m_notifier)
        m_notifier->setEnabled(watching);
}

void DescriptorSource::close()
{
    // Unregistered before the descriptor goes away; deleted later, since close() may run
    // inside the notifier's own activated() signal.
    if (m_notifier) {
        m_notifier->setEnabled(false);
        m_notifier->deleteLater();
        m_notifier = nullptr;
    }
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

TlsSource::TlsSource(QSslSocket *socket)
    : m_socket(socket)
{
    m_socket->setParent(this);
    m_peerAddress = m_socket->peerAddress();
    m_peerPort = m_socket->peerPort();
    m_localPort = m_socket->localPort();
    connect(m_socket, &QSslSocket::readyRead, this, &ReadSource::readable);
    connect(m_socket, &QSslSocket::disconnected, this, &ReadSource::readable);
    connect(m_socket, &QSslSocket::errorOccurred, this, &ReadSource::readable);
}

TlsSource::~TlsSource()
{
    m_socket->abort();
}

ReadResult TlsSource::read(char *data, qint64 capacity)
{
    if (m_socket->bytesAvailable() > 0) {
        const qint64 n = m_socket->read(data, capacity);
        if (n > 0)
            return ReadResult::data(n);
    }
    const QAbstractSocket::SocketError error = m_socket->error();
    if (error != QAbstractSocket::UnknownSocketError &&
        error != QAbstractSocket::RemoteHostClosedError)
        return ReadResult::failure(u"TLS: %1"_s.arg(m_socket->errorString()));
    if (error == QAbstractSocket::RemoteHostClosedError ||
        m_socket->state() != QAbstractSocket::ConnectedState)
        return ReadResult::eof(); // the peer closed, and everything it sent has been read
    return ReadResult::wouldBlock();
}

ReadResult::Kind TlsSource::peek()
{
    // A close or an error is told by read().
    return m_socket->bytesAvailable() > 0 ? ReadResult::Kind::Data : ReadResult::Kind::WouldBlock;
}

qint64 TlsSource::queued()
{
    return qMin<qint64>(m_socket->bytesAvailable(), INT_MAX);
}

void TlsSource::announceBuffered()
{
    // Its buffer may hold data no readyRead will announce again.
    QTimer::singleShot(0, this, &ReadSource::readable);
}

void TlsSource::close()
{
    m_socket->disconnect(this);
    m_socket->abort();
}

} // namespace capture
